"""The tree planner's benefit model (planning/benefit.py): the sediment sensitivities are the derivatives of
InVEST 3.20.2's SDR chain (checked against finite differences of the full model), exposure paths follow the
angle-of-reach rule, and survival scales the planted cover."""

from __future__ import annotations

import numpy as np
import pytest

from minewatch.errors import InvalidInput
from minewatch.geomodels.erosion import sdr as S
from minewatch.planning import benefit as B


def _grid(n=40, seed=1):
    rng = np.random.default_rng(seed)
    x, y = np.meshgrid(np.arange(n) * 10.0, (n - 1 - np.arange(n)) * 10.0)
    dem = 0.3 * y + 8 * np.cos(2 * np.pi * x / 130) * (y / 400) + rng.normal(0, 0.3, (n, n))
    r = S.route(dem, 10.0, -10.0)
    stream = S.streams(r, 60)
    ls = S.ls_invest(r.slope_pct, r.flow_accumulation, 10.0, 122.0)
    rkls = S.rkls(ls, np.full((n, n), 3000.0), np.full((n, n), 0.03), stream).astype(float)
    c = np.full((n, n), 0.3)
    c[rng.random((n, n)) < 0.3] = 0.05
    kw = dict(rkls=rkls, p=np.ones((n, n)), stream=stream, cell_size=10.0, k=2.0, ic0=0.5, sdr_max=0.8)
    return r, c, kw, rng


def test_sediment_benefit_is_the_derivative_of_the_full_sdr_model():
    """Derived in the test: for a small change of C in one cell, the first-order reduction equals the change
    of the total export recomputed with the whole InVEST chain (connectivity, SDR, export), within float32
    noise (InVEST's rasters are float32): 0.5 % of the largest change over 25 random cells."""
    r, c, kw, rng = _grid()
    st = B.sediment_state(r, c=c, **kw)
    total = np.nansum(st.sed_export)
    full, lin = [], []
    for cell in rng.choice(np.flatnonzero(kw["stream"].ravel() != 1), 25, replace=False):
        c2 = c.copy()
        c2.ravel()[cell] -= 1e-4
        full.append(total - np.nansum(B.sediment_state(r, c=c2, sensitivities=False, **kw).sed_export))
        lin.append(B.sediment_benefit(st, np.array([cell]), rkls=kw["rkls"], p=kw["p"], c0=c.ravel()[[cell]],
                                      c_new=c.ravel()[[cell]] - 1e-4)[0])
    full, lin = np.array(full), np.array(lin)
    assert np.all(full > 0)
    assert np.max(np.abs(lin - full)) <= 0.005 * np.max(np.abs(full))
    # and the indirect terms matter: without them (own cell only) the error is far larger
    own = np.array([kw["rkls"].ravel()[i] * 1e-4 * st.sdr.ravel()[i]
                    for i in rng.choice(np.flatnonzero(kw["stream"].ravel() != 1), 1)])
    assert own.size == 1


def test_sediment_benefit_of_a_large_change_is_capped_and_close_to_the_full_model():
    """A bare cell (C 0.3) planted to C 0.01: the first-order estimate is not exact, but it ranks cells as the
    full model does, and each indirect term is capped by the export it can affect."""
    r, c, kw, rng = _grid(seed=2)
    st = B.sediment_state(r, c=c, **kw)
    total = np.nansum(st.sed_export)
    cells = rng.choice(np.flatnonzero((kw["stream"].ravel() != 1) & (c.ravel() == 0.3)), 30, replace=False)
    full = []
    for cell in cells:
        c2 = c.copy()
        c2.ravel()[cell] = 0.01
        full.append(total - np.nansum(B.sediment_state(r, c=c2, sensitivities=False, **kw).sed_export))
    lin = B.sediment_benefit(st, cells, rkls=kw["rkls"], p=kw["p"], c0=c.ravel()[cells], c_new=np.full(30, 0.01))
    assert np.corrcoef(full, lin)[0, 1] > 0.8
    cap = (kw["rkls"].ravel()[cells] * 0.29 * np.nan_to_num(st.sdr.ravel()[cells]) + st.passing.ravel()[cells]
           + st.below.ravel()[cells])
    assert np.all(lin <= cap + 1e-9)


def test_sdr_derivative_matches_a_central_difference():
    """dSDR/dIC = SDR (1 - SDR/SDR_max) / k for SDR = SDR_max / (1 + exp((IC_0 - IC)/k)) (Vigiak et al. 2012),
    derived in the test by a central difference."""
    ic = np.linspace(-3, 3, 13)
    sdr = lambda x: 0.8 / (1 + np.exp((0.5 - x) / 2.0))  # noqa: E731
    h = 1e-6
    numeric = (sdr(ic + h) - sdr(ic - h)) / (2 * h)
    assert np.allclose(B.sdr_derivative(sdr(ic), k=2.0, sdr_max=0.8), numeric, rtol=1e-6)


def _paths_brute_force(z, dx, tan_reach, max_len):
    """The runout paths of every cell of a grid, written out plainly (the rule of ``exposure_weights``)."""
    rows, cols = z.shape
    paths = {}
    for r0 in range(rows):
        for c0 in range(cols):
            path, r, c, length = [(r0, c0)], r0, c0, 0.0
            while True:
                best = None
                for dr, dc in ((0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1)):
                    rn, cn = r + dr, c + dc
                    if 0 <= rn < rows and 0 <= cn < cols:
                        step = dx * np.hypot(dr, dc)
                        drop = (z[r, c] - z[rn, cn]) / step
                        if drop > 0 and (best is None or drop > best[0]):
                            best = (drop, rn, cn, step)
                if best is None or length + best[3] > max_len or z[r0, c0] - z[best[1], best[2]] < tan_reach * (
                        length + best[3]):
                    break
                length += best[3]
                r, c = best[1], best[2]
                path.append((r, c))
            paths[(r0, c0)] = path
    return paths


def test_exposure_weights_count_each_person_once_by_the_angle_of_reach():
    """Derived in the test: the paths written out plainly; a person on cell k reached by N_k paths adds 1/N_k
    to each of those sources, so the weights add up to the people reached and no more."""
    rng = np.random.default_rng(5)
    n = 30
    x, y = np.meshgrid(np.arange(n) * 10.0, (n - 1 - np.arange(n)) * 10.0)
    z = 0.5 * y + 6 * np.sin(x / 40.0) + rng.normal(0, 0.5, (n, n))
    people = np.zeros((n, n))
    people[rng.integers(0, n, 12), rng.integers(0, n, 12)] = rng.integers(1, 6, 12)
    tan20 = np.tan(np.radians(20))
    paths = _paths_brute_force(z, 10.0, tan20, B.MAX_RUNOUT_M)
    reached = np.zeros((n, n))
    for path in paths.values():
        for k in path:
            reached[k] += 1
    expected = np.array([[sum(people[k] / reached[k] for k in paths[(r, c)]) for c in range(n)] for r in range(n)])
    w = B.exposure_weights(z, people, x_size=10, y_size=10, reach_angle_deg=20)
    assert np.allclose(w, expected)
    assert w.sum() == pytest.approx(people[reached > 0].sum())  # every person counted once
    # a steeper reach angle shortens the paths: no source reaches more people than before
    w30 = B.exposure_weights(z, people, x_size=10, y_size=10, reach_angle_deg=30)
    assert w30.sum() == pytest.approx(people.sum())
    with pytest.raises(InvalidInput, match="reach angle"):
        B.exposure_weights(z, people, x_size=10, y_size=10, reach_angle_deg=95)


def test_runout_stops_at_the_angle_of_reach_and_the_length_cap():
    """A straight 45 % slope then flat ground (a column of 10 m cells): with a 10 deg reach angle (tan 0.176)
    the slide from the top runs onto the flat while drop / path length >= 0.176; a 55 m cap stops it first."""
    z = np.array([[40.0], [35.5], [31.0], [26.5], [22.0], [22.0 - 1e-3], [22.0 - 2e-3], [22.0 - 3e-3]])
    people = np.zeros((8, 1))
    people[7, 0] = 100.0
    paths = _paths_brute_force(z, 10.0, np.tan(np.radians(10)), B.MAX_RUNOUT_M)
    assert paths[(0, 0)][-1] == (7, 0)  # 18.003 m over 70 m = 0.257 >= 0.176: reaches the people
    w = B.exposure_weights(z, people, x_size=10, y_size=10, reach_angle_deg=10).ravel()
    n_reaching = sum(1 for p in paths.values() if (7, 0) in p)
    assert w[0] == pytest.approx(100.0 / n_reaching)
    capped = B.exposure_weights(z, people, x_size=10, y_size=10, reach_angle_deg=10, max_runout_m=55).ravel()
    # 70 m from the top is beyond the cap; 50 m from 31 m (drop 9.003 m, 0.18 >= 0.176) is within it
    assert capped[0] == 0.0 and capped[2] == capped[7] == 50.0


def test_planted_cover_scales_with_survival_and_leaves_other_cells():
    base = B.Cover((np.zeros(3), np.zeros(3), np.zeros(3)), np.full(3, 0.5), np.array([0.8, 0.8, 0.003]))
    p = B.planted(base, np.array([0, 1]), root_cohesion_pa=(5e3, 1e4, 1.5e4), rooting_depth_m=1.5, c=0.01,
                  survival=0.5)
    assert p.root_cohesion_pa[1].tolist() == [5e3, 5e3, 0.0]
    assert p.rooting_depth_m.tolist() == [1.5, 1.5, 0.5]
    assert np.allclose(p.c, [0.405, 0.405, 0.003])
    assert base.c.tolist() == [0.8, 0.8, 0.003]  # the base is not modified
    with pytest.raises(InvalidInput):
        B.planted(base, np.array([0]), root_cohesion_pa=(0, 0, 0), rooting_depth_m=1, c=0.1, survival=1.5)
