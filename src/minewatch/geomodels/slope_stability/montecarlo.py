"""Probability of failure by Monte Carlo over the infinite-slope factor of safety (Hammond et al. 1992;
Strauch et al. 2018), reproducible from a ``numpy.random.Generator`` passed in.

For each cell and each of ``iterations`` draws of the parameters:

.. math::

    w = \\frac{R\\,a}{T \\sin\\theta},\\qquad
    FS = \\frac{C_s + C_r}{h \\rho_s g \\sin\\theta}
         + \\frac{\\cos\\theta \\tan\\phi\\,(1 - r\\min(w, 1))}{\\sin\\theta}

P_fail = #(FS <= 1)/n, P_sat = #(w >= 1)/n, mean wetness = mean(min(w, 1)) (Landlab's conventions,
Strauch et al. 2018). h is the soil thickness perpendicular to the slope (m), C in Pa, T in m2/day (or
T = Ksat h with Ksat in m/day), R in m/day, a the specific catchment area (m); root cohesion counts
only where the sampled h is within the rooting depth.

Reproducibility: two 64-bit keys are drawn from ``rng``; the uniform behind variable k at iteration i
of cell c is SplitMix64 output number (c n + i) 12 + 2k of the first key (Steele, Lea & Flood 2014, a
counter-based stream: no state, no memory traffic), or number i 12 + 2k of the second key for a
variable shared by all cells. So the result does not depend on chunking or threads, and a block of cells
starting at ``cell_offset`` (row-major index in the whole raster) gives exactly the slice of the
whole-raster result when called with a generator built from the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.geomodels.slope_stability.kernels import G

_KINDS = {"constant": 0, "uniform": 1, "triangular": 2, "normal": 3, "lognormal": 4}


@dataclass(frozen=True)
class Distribution:
    """A parameter's distribution; parameters are scalars or per-cell arrays.

    ``per_cell=True`` draws independently for every cell; ``False`` draws one value per iteration shared
    by all cells (Landlab's uniform/lognormal recharge). Lognormal takes the mean and standard deviation
    of the variable itself (Landlab's convention), converted to mu = ln(m^2/sqrt(s^2 + m^2)),
    sigma = sqrt(ln(1 + s^2/m^2)).
    """

    kind: str
    p1: object
    p2: object = 0.0
    p3: object = 0.0
    per_cell: bool = True

    @classmethod
    def constant(cls, value):
        return cls("constant", value)

    @classmethod
    def uniform(cls, low, high, *, per_cell=True):
        return cls("uniform", low, high, per_cell=per_cell)

    @classmethod
    def triangular(cls, low, mode, high, *, per_cell=True):
        return cls("triangular", low, mode, high, per_cell=per_cell)

    @classmethod
    def normal(cls, mean, sd, *, per_cell=True):
        return cls("normal", mean, sd, per_cell=per_cell)

    @classmethod
    def lognormal(cls, mean, sd, *, per_cell=True):
        return cls("lognormal", mean, sd, per_cell=per_cell)

    def _params(self, n: int) -> np.ndarray:
        p = np.stack([np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in (self.p1, self.p2, self.p3)])
        if self.kind == "lognormal":
            m, s = p[0].copy(), p[1].copy()
            p[0] = np.log(m * m / np.sqrt(s * s + m * m))
            p[1] = np.sqrt(np.log(s * s / (m * m) + 1.0))
        if self.kind == "triangular" and np.any((p[0] > p[1]) | (p[1] > p[2])):
            raise InvalidInput("triangular distribution needs low <= mode <= high")
        if self.kind == "uniform" and np.any(p[0] > p[1]):
            raise InvalidInput("uniform distribution needs low <= high")
        return np.ascontiguousarray(p)


def _as_dist(value) -> Distribution:
    if isinstance(value, Distribution):
        if value.kind not in _KINDS:
            raise InvalidInput(f"unknown distribution {value.kind!r}; use one of {', '.join(_KINDS)}")
        return value
    return Distribution.constant(value)


@dataclass
class MonteCarloResult:
    probability_of_failure: np.ndarray
    probability_of_saturation: np.ndarray
    mean_relative_wetness: np.ndarray


def landlab_preset(*, cohesion_min_pa, cohesion_mode_pa, cohesion_max_pa, friction_deg, thickness_m,
                   transmissivity_m2_day=None, conductivity_m_day=None, recharge_min_mm_day=20.0,
                   recharge_max_mm_day=120.0) -> dict:
    """Distributions exactly as Landlab 2.11 ``LandslideProbability`` hard-codes them (Strauch et al. 2018).

    C ~ tri(min, mode, max); phi ~ tri(0.82 phi, phi, 1.32 phi); h ~ tri(0.7 h, h, 1.1 h) (h <= 0 -> 0.005 m);
    T (or Ksat, then T = Ksat h) ~ tri(0.7 T, T, 1.1 T); recharge uniform(min, max) mm/day shared by all
    cells; density ratio 0.5; g = 9.80665. Returns keyword arguments for :func:`probability_of_failure`.
    """
    phi = np.asarray(friction_deg, dtype=float)
    h = np.asarray(thickness_m, dtype=float)
    out = dict(cohesion_pa=Distribution.triangular(cohesion_min_pa, cohesion_mode_pa, cohesion_max_pa),
               friction_deg=Distribution.triangular(phi - 0.18 * phi, phi, phi + 0.32 * phi),
               thickness_m=Distribution.triangular(h - 0.3 * h, h, h + 0.1 * h),
               recharge_m_day=Distribution.uniform(recharge_min_mm_day / 1000.0, recharge_max_mm_day / 1000.0,
                                                   per_cell=False),
               density_ratio=0.5, g=G, min_thickness_m=0.005)
    if conductivity_m_day is not None and np.any(np.asarray(conductivity_m_day) != 0):
        k = np.asarray(conductivity_m_day, dtype=float)
        out["conductivity_m_day"] = Distribution.triangular(k - 0.3 * k, k, k + 0.1 * k)
    else:
        t = np.asarray(transmissivity_m2_day, dtype=float)
        out["transmissivity_m2_day"] = Distribution.triangular(t - 0.3 * t, t, t + 0.1 * t)
    return out


def probability_of_failure(slope_deg, specific_area_m, soil_density_kg_m3, *, cohesion_pa, friction_deg,
                           thickness_m, recharge_m_day, transmissivity_m2_day=None, conductivity_m_day=None,
                           root_cohesion_pa=0.0, rooting_depth_m=np.inf, density_ratio=0.5, iterations=250,
                           rng: np.random.Generator, cell_offset=0, chunk_cells=1024, min_thickness_m=0.005,
                           g=G, engine="numba") -> MonteCarloResult:
    """Monte Carlo probability of failure, probability of saturation and mean relative wetness per cell.

    Parameters
    ----------
    slope_deg, specific_area_m, soil_density_kg_m3 : per-cell arrays (same shape; any shape)
    cohesion_pa, root_cohesion_pa, friction_deg, thickness_m, recharge_m_day,
    transmissivity_m2_day | conductivity_m_day : :class:`Distribution` or a constant
    rooting_depth_m : root cohesion counts where the sampled h <= this (m); default everywhere
    density_ratio : rho_w / rho_s
    rng : ``np.random.default_rng(seed)``; the only source of randomness
    cell_offset : index of the first cell in the whole raster (row-major), for block-wise runs
    engine : "numba" (fused, parallel over cells) or "numpy" (reference, ``chunk_cells`` cells at a time)

    Cells with a NaN input get NaN outputs.
    """
    if iterations < 1:
        raise InvalidInput(f"iterations must be at least 1 (got {iterations})")
    if (transmissivity_m2_day is None) == (conductivity_m_day is None):
        raise InvalidInput("give exactly one of transmissivity_m2_day or conductivity_m_day")
    slope_deg = np.asarray(slope_deg, dtype=float)
    shape = slope_deg.shape
    n = slope_deg.size
    area = np.broadcast_to(np.asarray(specific_area_m, dtype=float), shape).ravel()
    rho = np.broadcast_to(np.asarray(soil_density_kg_m3, dtype=float), shape).ravel()
    rooting = np.ascontiguousarray(np.broadcast_to(np.asarray(rooting_depth_m, dtype=float), shape).ravel())
    theta = np.radians(slope_deg.ravel())
    sin_t, cos_t = np.ascontiguousarray(np.sin(theta)), np.ascontiguousarray(np.cos(theta))
    use_k = conductivity_m_day is not None
    dists = [_as_dist(v) for v in (cohesion_pa, root_cohesion_pa, friction_deg, thickness_m,
                                   conductivity_m_day if use_k else transmissivity_m2_day, recharge_m_day)]
    kinds = np.array([_KINDS[d.kind] for d in dists], dtype=np.int64)
    params = np.stack([d._params(n) for d in dists])  # (6, 3, n)
    key_cell, key_shared = (np.uint64(k) for k in rng.integers(0, 2**64, size=2, dtype=np.uint64))
    shared = np.array([not d.per_cell for d in dists])
    fail = np.empty(n)
    sat = np.empty(n)
    rw = np.empty(n)
    if engine == "numba":
        from minewatch.geomodels.slope_stability._numba import mc_counts

        mc_counts(int(iterations), int(cell_offset), key_cell, key_shared, shared, sin_t, cos_t,
                  np.ascontiguousarray(area), np.ascontiguousarray(rho), rooting, float(density_ratio), float(g),
                  float(min_thickness_m), use_k, kinds, params, fail, sat, rw)
    elif engine == "numpy":
        step = max(1, int(chunk_cells))
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            fail[lo:hi], sat[lo:hi], rw[lo:hi] = _numpy_engine(
                int(iterations), int(cell_offset) + lo, key_cell, key_shared, shared, sin_t[lo:hi], cos_t[lo:hi],
                area[lo:hi], rho[lo:hi], rooting[lo:hi], float(density_ratio), float(g), float(min_thickness_m),
                use_k, kinds, params[:, :, lo:hi])
    else:
        raise InvalidInput(f"unknown engine {engine!r}: use numba or numpy")
    bad = np.isnan(slope_deg.ravel()) | np.isnan(area) | np.isnan(rho) | np.isnan(params).any(axis=(0, 1))
    out = [np.where(bad, np.nan, x / iterations).reshape(shape) for x in (fail, sat, rw)]
    return MonteCarloResult(*out)


_GAMMA = np.uint64(0x9E3779B97F4A7C15)


def _uniform_numpy(key, ctr):
    """SplitMix64 output number ``ctr`` (uint64 array) for seed ``key``, as doubles in [0, 1)."""
    with np.errstate(over="ignore"):
        z = key + (ctr + np.uint64(1)) * _GAMMA
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def _draw_numpy(kind, p, v, v2=None):
    """Samples of a distribution (kind code, params ``p`` (3, n)) from uniforms ``v`` (and ``v2``), shape (n, k)."""
    p1, p2, p3 = (p[i][:, None] for i in range(3))
    if kind == 0:
        return np.broadcast_to(p1, p1.shape)
    if kind == 1:
        return p1 + (p2 - p1) * v
    if kind == 2:
        span = p3 - p1
        with np.errstate(divide="ignore", invalid="ignore"):
            fc = (p2 - p1) / span
            out = np.where(v < fc, p1 + np.sqrt(span * (p2 - p1)) * np.sqrt(v),
                           p3 - np.sqrt(span * (p3 - p2)) * np.sqrt(1.0 - v))
        return np.where(span <= 0, p1, out)
    z = np.sqrt(-2.0 * np.log(1.0 - v)) * np.cos(2.0 * np.pi * v2)
    return p1 + p2 * z if kind == 3 else np.exp(p1 + p2 * z)


def _numpy_engine(iters, cell0, key_cell, key_shared, shared, sin_t, cos_t, area, rho, rooting, ratio, g, hmin,
                  use_k, kinds, params):
    n = len(sin_t)
    s, c = sin_t[:, None], cos_t[:, None]
    i = np.arange(iters, dtype=np.uint64)[None, :]
    cells = (np.uint64(cell0) + np.arange(n, dtype=np.uint64))[:, None]
    with np.errstate(over="ignore"):
        base_cell = (cells * np.uint64(iters) + i) * np.uint64(12)
    base_shared = np.broadcast_to(i * np.uint64(12), (n, iters))
    v = []
    for k in range(6):
        key, base = (key_shared, base_shared) if shared[k] else (key_cell, base_cell)
        ctr = base + np.uint64(2 * k)
        v.append(np.broadcast_to(_draw_numpy(kinds[k], params[k], _uniform_numpy(key, ctr),
                                             _uniform_numpy(key, ctr + np.uint64(1))), (n, iters)))
    h = np.where(v[3] <= 0.0, hmin, v[3])
    coh = v[0] + np.where(h <= rooting[:, None], v[1], 0.0)
    t = v[4] * h if use_k else v[4]
    w = v[5] * area[:, None] / (t * s)
    sat = (w >= 1.0).sum(axis=1)
    w = np.minimum(w, 1.0)
    fs = coh / (h * (rho[:, None] * g)) / s + c * np.tan(np.radians(v[2])) * (1.0 - ratio * w) / s
    return (fs <= 1.0).sum(axis=1).astype(float), sat.astype(float), w.sum(axis=1)
