"""What planting a cell is worth: the benefit model of the tree planner (pure numpy and numba, no I/O).

Three objectives, each the improvement at maturity if option j (a species) is planted in cell i and the
rest of the land stays as it is:

exposure (people)
    Expected people exposed to slope failure, ``sum_i pfail_i E_i``: the probability of failure of a cell
    (Monte Carlo infinite slope, :mod:`minewatch.geomodels.slope_stability`) times the people on that cell
    and on its runout path downslope (:func:`exposure_weights`). Planting changes only the cell's own
    root cohesion and rooting depth, and the Monte Carlo draws are keyed by cell (common random numbers),
    so the benefit ``(pfail_i - pfail_i(j)) E_i`` is exact and additive: the sum over planted cells equals
    the full model's change.
soil (t/yr)
    RUSLE soil loss on the area, ``sum_i R K LS C P``: exact and additive, ``rkls_i P_i (C_i - C_j) a``.
sediment (t/yr)
    InVEST SDR sediment export of the whole erosion grid, ``sum_v usle_v SDR_v``. A cell's cover changes its
    own loss and, through the connectivity index IC = log10(D_up / D_dn) (Borselli et al. 2008), the
    delivery of every cell upslope (their downslope distance D_dn grows with 1/(C S) of the cells their
    water crosses: trapping) and downslope (their upslope cover factor W_bar falls). This is not additive,
    so the benefit is its first-order (derivative) expansion, :func:`sediment_benefit`, with each
    indirect term capped by the sediment that can be affected; the planner evaluates the chosen plan with
    the full model and reports both.

The effective cover of a planted cell at an age: the species' age class (root cohesion triangular,
rooting depth, C) scaled by the expected survival s, as a stand at s of its planned density: root cohesion
(min, mode, max) x s (Wu-Waldron: cohesion proportional to the root area ratio, hence to stem density) and
C = C_0 + s (C_j - C_0) (C taken linear in cover, an approximation). Both are provisional modelling choices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from minewatch.errors import InvalidInput

LN10 = math.log(10.0)
#: Reach (travel) angle of a shallow landslide's runout: the path from the source continues while the drop
#: over the path length stays at or above tan(angle). Provisional, configurable: the angle of reach falls
#: with volume (Corominas 1996, Can. Geotech. J. 33: 260-271, not read here); 20 deg is an assumed value for
#: small shallow slides on mine slopes.
REACH_ANGLE_DEG = 20.0
MAX_RUNOUT_M = 1000.0  # provisional cap on the runout path length (m)
W_MIN = 0.001  # InVEST: W = max(C, 0.001)
S_MIN, S_MAX = 0.005, 1.0  # InVEST: S = clip(slope % / 100, 0.005, 1)


@dataclass(frozen=True)
class Cover:
    """The cover of each cell of a window, as the stability and erosion models read it.

    ``root_cohesion_pa`` is (min, mode, max) arrays in Pa (triangular), ``rooting_depth_m`` the depth above
    which roots count, ``c`` the RUSLE cover factor (NaN where unknown)."""

    root_cohesion_pa: tuple[np.ndarray, np.ndarray, np.ndarray]
    rooting_depth_m: np.ndarray
    c: np.ndarray
    p: np.ndarray | None = None  # the RUSLE support practice factor (None: the erosion run's, unchanged)

    def copy(self) -> Cover:
        return Cover(tuple(a.copy() for a in self.root_cohesion_pa), self.rooting_depth_m.copy(), self.c.copy(),
                     None if self.p is None else self.p.copy())

    def landcover_values(self) -> dict[str, np.ndarray]:
        """The land-cover fields of :mod:`minewatch.geomodels.parameters` (``landslide.stability``'s input)."""
        lo, mode, hi = self.root_cohesion_pa
        return {"root_cohesion_min_pa": lo, "root_cohesion_mode_pa": mode, "root_cohesion_max_pa": hi,
                "rooting_depth_m": self.rooting_depth_m}


def planted(base: Cover, cells: np.ndarray, *, root_cohesion_pa: tuple[float, float, float], rooting_depth_m: float,
            c: float, survival: float) -> Cover:
    """``base`` with ``cells`` (a boolean mask or flat indices) planted: root cohesion x survival, the
    species' rooting depth, C = C_0 + survival (c - C_0) (module docstring).

    >>> b = Cover((np.zeros(2), np.zeros(2), np.zeros(2)), np.ones(2), np.array([0.4, 0.4]))
    >>> p = planted(b, np.array([True, False]), root_cohesion_pa=(5e3, 1e4, 1.5e4), rooting_depth_m=1.5,
    ...             c=0.01, survival=0.8)
    >>> float(p.root_cohesion_pa[1][0]), round(float(p.c[0]), 3), float(p.c[1])
    (8000.0, 0.088, 0.4)
    """
    if not 0 <= survival <= 1:
        raise InvalidInput(f"survival must be within 0..1 (got {survival})")
    out = base.copy()
    for arr, v in zip(out.root_cohesion_pa, root_cohesion_pa):
        arr[cells] = v * survival
    out.rooting_depth_m[cells] = rooting_depth_m
    out.c[cells] = base.c[cells] + survival * (c - base.c[cells])
    return out


def treated(base: Cover, cells: np.ndarray, *, usle_p: float = 1.0, cohesion_add_pa: float = 0.0) -> Cover:
    """``base`` with a physical measure on ``cells`` (benches, contour trenches...): P multiplied by the
    measure's P (a support practice on top of today's; the table's P is relative to no practice) and its
    added cohesion on the root cohesion (min, mode, max). Maintained measures: the effect does not fade.

    >>> b = Cover((np.zeros(2), np.zeros(2), np.zeros(2)), np.ones(2), np.full(2, 0.8), np.ones(2))
    >>> t = treated(b, np.array([True, False]), usle_p=0.2)
    >>> t.p.tolist(), t.c.tolist()
    ([0.2, 1.0], [0.8, 0.8])
    """
    if base.p is None:
        raise InvalidInput("a physical measure changes P: the cover needs today's P (an erosion run)")
    out = base.copy()
    out.p[cells] = base.p[cells] * usle_p
    for arr in out.root_cohesion_pa:
        arr[cells] += cohesion_add_pa
    return out


# ---------------------------------------------------------------------------------------------- exposure
@njit(cache=True)
def _runout_path(z, r0, c0, x_size, y_size, tan_reach, max_length, out_r, out_c):  # pragma: no cover - compiled
    """Cells of the runout path from (r0, c0), the source first, into out_r/out_c; returns their number."""
    rows, cols = z.shape
    dr = (0, -1, -1, -1, 0, 1, 1, 1)
    dc = (1, 1, 0, -1, -1, -1, 0, 1)
    z0 = z[r0, c0]
    out_r[0], out_c[0] = r0, c0
    n = 1
    r, c = r0, c0
    length = 0.0
    while n < out_r.shape[0]:
        best, bk, bstep = 0.0, -1, 0.0
        for k in range(8):
            rn, cn = r + dr[k], c + dc[k]
            if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(z[rn, cn]):
                continue
            step = math.hypot(dc[k] * x_size, dr[k] * y_size)
            drop = (z[r, c] - z[rn, cn]) / step
            if drop > best:
                best, bk, bstep = drop, k, step
        if bk < 0:
            break  # a pit or a flat: the runout stops
        rn, cn = r + dr[bk], c + dc[bk]
        length += bstep
        if length > max_length or (z0 - z[rn, cn]) < tan_reach * length:
            break
        out_r[n], out_c[n] = rn, cn
        n += 1
        r, c = rn, cn
    return n


@njit(cache=True)
def _exposure(z, x_size, y_size, tan_reach, max_length, people, max_steps):  # pragma: no cover - compiled
    rows, cols = z.shape
    reached = np.zeros((rows, cols))  # how many source cells' paths reach each cell
    pr = np.empty(max_steps, dtype=np.int64)
    pc = np.empty(max_steps, dtype=np.int64)
    for r0 in range(rows):
        for c0 in range(cols):
            if np.isnan(z[r0, c0]):
                continue
            n = _runout_path(z, r0, c0, x_size, y_size, tan_reach, max_length, pr, pc)
            for t in range(n):
                reached[pr[t], pc[t]] += 1.0
    out = np.full((rows, cols), np.nan)
    for r0 in range(rows):
        for c0 in range(cols):
            if np.isnan(z[r0, c0]):
                continue
            n = _runout_path(z, r0, c0, x_size, y_size, tan_reach, max_length, pr, pc)
            total = 0.0
            for t in range(n):
                total += people[pr[t], pc[t]] / reached[pr[t], pc[t]]
            out[r0, c0] = total
    return out


def exposure_weights(dem: np.ndarray, people: np.ndarray, *, x_size: float, y_size: float,
                     reach_angle_deg: float = REACH_ANGLE_DEG, max_runout_m: float = MAX_RUNOUT_M) -> np.ndarray:
    """E_i: the share of the people that a failure starting in cell i could reach, so that sum_i pfail_i E_i
    counts each person once, weighted by the mean probability of failure of the ground that can reach them.

    The runout path of a cell follows the steepest descent (D8, drop over distance) from it and stops at a
    pit or flat, after ``max_runout_m`` of path, or where the drop from the source over the path length
    falls below tan(reach angle) (the angle-of-reach rule, Heim 1932; Corominas 1996). A person on cell k,
    reached by the paths of N_k cells (k itself among them), adds 1/N_k to the E of each of those cells:
    sum_i E_i = the people reached, and sum_i pfail_i E_i = sum_persons (mean pfail of their N_k cells), an
    expected number of people exposed, at most the number of people. ``people`` is people per cell.

    A column of cells 10 m apart: from 20 m the path reaches 9.9 m (drop 10.1 m over 20 m, above tan 20 deg
    = 0.364) but not 9.8 m (10.2 m over 30 m); from 10 m it stops at once (0.1 m over 10 m). The 8 people at
    9.8 m are reached from 30 m and from 9.8 m itself (N = 2), the 4 at 9.9 m from 30, 20 and 9.9 m (N = 3):

    >>> z = np.array([[30.0], [20.0], [10.0], [9.9], [9.8]])
    >>> people = np.array([[0.0], [1.0], [2.0], [4.0], [8.0]])
    >>> w = exposure_weights(z, people, x_size=10, y_size=10).ravel()
    >>> [round(float(v), 4) for v in w], round(float(w.sum()), 6)
    ([6.5, 2.5, 0.6667, 1.3333, 4.0], 15.0)
    """
    if not 0 < reach_angle_deg < 90:
        raise InvalidInput(f"reach angle must be within 0..90 degrees (got {reach_angle_deg})")
    if not max_runout_m >= 0:
        raise InvalidInput(f"maximum runout must be >= 0 m (got {max_runout_m})")
    z = np.ascontiguousarray(dem, dtype=np.float64)
    p = np.ascontiguousarray(np.nan_to_num(np.asarray(people, dtype=np.float64)))
    step = min(abs(float(x_size)), abs(float(y_size)))
    max_steps = int(max_runout_m / step) + 2
    return _exposure(z, abs(float(x_size)), abs(float(y_size)), math.tan(math.radians(reach_angle_deg)),
                     float(max_runout_m), p, max_steps)


# ---------------------------------------------------------------------------------------------- sediment
@dataclass(frozen=True)
class SedimentState:
    """The InVEST SDR state of a grid for one cover, and its sensitivities to one cell's cover.

    ``up_trap`` (A_i): d(total export)/d(w_i) through the downslope distances of the cells upslope of i,
    w = 1/(W S); ``down`` (H_i): d(total export)/d(W_i) through the upslope cover factor of the cells at and
    below i; ``passing`` and ``below``: the export of the cells whose walk crosses i and of the cells
    downstream of i, the caps of those two terms (t/ha/yr summed over cells)."""

    usle: np.ndarray
    sdr: np.ndarray
    sed_export: np.ndarray
    w: np.ndarray  # W = max(C, 0.001)
    s: np.ndarray  # S = clip(slope/100, 0.005, 1)
    up_trap: np.ndarray
    down: np.ndarray
    passing: np.ndarray
    below: np.ndarray


def sdr_derivative(sdr: np.ndarray, *, k: float, sdr_max: float) -> np.ndarray:
    """dSDR/dIC for SDR = SDR_max / (1 + exp((IC_0 - IC) / k)): SDR (1 - SDR / SDR_max) / k.

    >>> float(sdr_derivative(np.array([0.4]), k=2.0, sdr_max=0.8)[0])
    0.1
    """
    return sdr * (1.0 - sdr / sdr_max) / k


def sediment_state(routing, *, rkls: np.ndarray, c: np.ndarray, p: np.ndarray, stream: np.ndarray,
                   cell_size: float, k: float, ic0: float, sdr_max: float,
                   sensitivities: bool = True) -> SedimentState:
    """Export and (``sensitivities``) its sensitivities for cover ``c`` on a routed grid (``sdr.route``'s
    Routing), InVEST 3.20.2's chain (:func:`minewatch.geomodels.erosion.sdr.connectivity`, ``sdr_factor``);
    without sensitivities their arrays are None."""
    from minewatch.geomodels.erosion import routing as R
    from minewatch.geomodels.erosion import sdr as S

    cf = np.where(np.isnan(rkls), np.nan, c)
    usle = S.usle(rkls, np.where(np.isnan(cf), np.nan, cf * p)).astype(np.float64)
    con = S.connectivity(routing, cf, stream, cell_size)
    sdr = S.sdr_factor(con["ic"], stream, k=k, ic0=ic0, sdr_max=sdr_max).astype(np.float64)
    sed = usle * sdr
    channel = stream == 1
    w = np.where(np.isnan(cf), np.nan, np.maximum(cf, W_MIN))
    s = np.clip(routing.slope_pct / 100.0, S_MIN, S_MAX)
    if not sensitivities:
        return SedimentState(usle, sdr, sed, w, s, None, None, None, None)
    d_sdr = np.where(channel, 0.0, sdr_derivative(sdr, k=k, sdr_max=sdr_max))
    fd, order = routing.flow_direction, routing.order
    # through D_dn of the cells upslope: dSDR_u/dD_dn(u) = -SDR'(IC_u) / (ln 10 D_dn(u))
    d_dn = con["d_dn"]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where((d_dn > 0) & ~channel, -usle * d_sdr / (LN10 * d_dn), 0.0)
    g = np.nan_to_num(g)
    up_trap = R.upstream_walk_sum(fd, order, channel, d_dn, g)
    passing = R.upstream_walk_sum(fd, order, channel, d_dn, np.nan_to_num(sed))
    # through W_bar of the cells at and below: dSDR_v/dW_i = SDR'(IC_v) P(i -> v) / (ln 10 W_acc(v))
    w_acc = R.accumulate_mfd(fd, order, np.where(np.isnan(w), np.nan, w).astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where((w_acc > 0) & ~channel, usle * d_sdr / (LN10 * w_acc), 0.0)
    down = R.downstream_sum_mfd(fd, order, np.nan_to_num(h))
    below = R.downstream_sum_mfd(fd, order, np.nan_to_num(sed))
    return SedimentState(usle, sdr, sed, w, s, up_trap, down, passing, below)


def sediment_benefit(state: SedimentState, cells: np.ndarray, *, rkls: np.ndarray, p: np.ndarray, c0: np.ndarray,
                     c_new: np.ndarray) -> np.ndarray:
    """First-order reduction of the total sediment export (t/ha/yr summed over cells; x cell area for t/yr)
    if each of ``cells`` (flat indices) alone changes from C ``c0`` to ``c_new`` (arrays over those cells).

    own: the cell's loss change times its SDR; trapping: ``-A_i dw_i`` with w = 1/(W S), at most the export
    of the cells whose walk crosses i; downslope cover: ``-H_i dW_i``, at most the export at and below i.
    Positive = less sediment. Exact to first order in the change (tested against finite differences).
    """
    flat = {name: getattr(state, name).ravel()[cells] for name in ("sdr", "w", "s", "up_trap", "down", "passing",
                                                                     "below")}
    rk, pp = rkls.ravel()[cells], p.ravel()[cells]
    own = rk * pp * (c0 - c_new) * np.nan_to_num(flat["sdr"])
    w_new = np.maximum(c_new, W_MIN)
    dw_small = w_new - flat["w"]  # W
    d_inv = 1.0 / (w_new * flat["s"]) - 1.0 / (flat["w"] * flat["s"])  # w = 1/(W S)
    trap = -flat["up_trap"] * d_inv
    trap = np.clip(np.nan_to_num(trap), -np.nan_to_num(flat["passing"]), np.nan_to_num(flat["passing"]))
    down = -flat["down"] * dw_small
    down = np.clip(np.nan_to_num(down), -np.nan_to_num(flat["below"]), np.nan_to_num(flat["below"]))
    return np.nan_to_num(own) + trap + down
