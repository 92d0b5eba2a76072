"""Monte Carlo probability of failure: engines agree, reproducible and block-invariant, Landlab conventions.

The statistical comparison with Landlab 2.11 itself (hazards.md section 2.4, "bare" scenario) is in
bench/bench_landslide_probability.py (Landlab lives in its own venv).
"""

import math

import numpy as np
import pytest

from minewatch.errors import InvalidInput
from minewatch.geomodels.slope_stability.kernels import factor_of_safety, relative_wetness
from minewatch.geomodels.slope_stability.montecarlo import (
    Distribution,
    _draw_numpy,
    landlab_preset,
    probability_of_failure,
)


def _inputs(shape=(12, 15), seed=3):
    rng = np.random.default_rng(seed)
    return rng.uniform(15, 40, shape), rng.uniform(20, 2500, shape)


def _preset(**kw):
    return landlab_preset(cohesion_min_pa=500.0, cohesion_mode_pa=1000.0, cohesion_max_pa=2000.0, friction_deg=32.0,
                          thickness_m=1.5, transmissivity_m2_day=10.0, **kw)


def test_numba_and_numpy_engines_agree():
    slope, a = _inputs()
    kw = dict(cohesion_pa=Distribution.normal(1500.0, 400.0), root_cohesion_pa=Distribution.lognormal(3000, 1000),
              rooting_depth_m=1.4, friction_deg=Distribution.triangular(28, 32, 36),
              thickness_m=Distribution.uniform(0.8, 2.0), conductivity_m_day=Distribution.triangular(2, 5, 6),
              recharge_m_day=Distribution.uniform(0.02, 0.12, per_cell=False), iterations=64)
    r1 = probability_of_failure(slope, a, 1900.0, rng=np.random.default_rng(5), engine="numba", **kw)
    r2 = probability_of_failure(slope, a, 1900.0, rng=np.random.default_rng(5), engine="numpy", **kw)
    # same variates, same arithmetic up to rounding: at most one borderline draw per cell may differ
    assert np.abs(r1.probability_of_failure - r2.probability_of_failure).max() <= 1 / 64
    assert np.abs(r1.probability_of_failure - r2.probability_of_failure).mean() < 1e-3
    assert np.array_equal(r1.probability_of_saturation, r2.probability_of_saturation)
    np.testing.assert_allclose(r1.mean_relative_wetness, r2.mean_relative_wetness, rtol=1e-12)


def test_reproducible_from_the_seed_and_independent_of_chunking():
    slope, a = _inputs()
    kw = dict(_preset(), iterations=50)
    base = probability_of_failure(slope, a, 2000.0, rng=np.random.default_rng(11), **kw)
    again = probability_of_failure(slope, a, 2000.0, rng=np.random.default_rng(11), chunk_cells=7, **kw)
    other = probability_of_failure(slope, a, 2000.0, rng=np.random.default_rng(12), **kw)
    assert np.array_equal(base.probability_of_failure, again.probability_of_failure)
    assert np.array_equal(base.mean_relative_wetness, again.mean_relative_wetness)
    assert not np.array_equal(base.mean_relative_wetness, other.mean_relative_wetness)


def test_a_block_with_cell_offset_equals_the_slice_of_the_whole():
    slope, a = _inputs((10, 8))
    kw = dict(cohesion_pa=Distribution.normal(1500.0, 300.0), friction_deg=Distribution.triangular(28, 32, 36),
              thickness_m=1.5, transmissivity_m2_day=Distribution.triangular(7, 10, 11),
              recharge_m_day=Distribution.uniform(0.02, 0.12, per_cell=False), iterations=40)
    whole = probability_of_failure(slope, a, 2000.0, rng=np.random.default_rng(9), **kw)
    rows = slice(3, 7)
    block = probability_of_failure(slope[rows], a[rows], 2000.0, rng=np.random.default_rng(9), cell_offset=3 * 8, **kw)
    assert np.array_equal(block.probability_of_failure, whole.probability_of_failure[rows])
    assert np.array_equal(block.mean_relative_wetness, whole.mean_relative_wetness[rows])


def test_constant_parameters_reduce_to_the_deterministic_factor_of_safety():
    # DERIVED: with no spread, P_fail is 1 where FS <= 1 else 0, and mean wetness is w.
    slope, a = _inputs()
    fs = factor_of_safety(slope, 33.0, 2000.0, 1.2, 1900.0, relative_wetness(a, slope, 0.05, 12.0))
    res = probability_of_failure(slope, a, 1900.0, cohesion_pa=2000.0, friction_deg=33.0, thickness_m=1.2,
                                 transmissivity_m2_day=12.0, recharge_m_day=0.05, iterations=5,
                                 rng=np.random.default_rng(0))
    assert np.array_equal(res.probability_of_failure, (fs <= 1.0).astype(float))
    np.testing.assert_allclose(res.mean_relative_wetness, relative_wetness(a, slope, 0.05, 12.0), rtol=1e-12)


def test_landlab_boundary_conventions_fs_equal_one_fails_and_w_equal_one_is_saturated():
    # Landlab 2.11 landslide_probability.py: failure counts FS <= 1.0, saturation counts RW >= 1.0.
    # Dry cohesionless slope at phi = theta has FS = 1 (to rounding); a = T sin(theta)/R gives w = 1.
    theta = 30.0
    a = 10.0 * math.sin(math.radians(theta)) / 0.05
    res = probability_of_failure(np.array([theta]), np.array([a]), 2000.0, cohesion_pa=0.0, friction_deg=theta,
                                 thickness_m=1.0, transmissivity_m2_day=10.0, recharge_m_day=0.05, iterations=3,
                                 density_ratio=0.0, rng=np.random.default_rng(0))
    fs = factor_of_safety(theta, theta, 0.0, 1.0, 2000.0, 1.0, density_ratio=0.0)
    assert res.probability_of_failure[0] == float(fs <= 1.0)
    assert res.probability_of_saturation[0] == 1.0


def test_landlab_preset_spreads():
    # Landlab 2.11 hard-codes phi ~ tri(0.82, 1, 1.32) x mode, h and T ~ tri(0.7, 1, 1.1) x mode,
    # uniform recharge 20-120 mm/day shared by all nodes (reference/hazards.md section 2.1).
    kw = _preset()
    phi, h, t, rech = kw["friction_deg"], kw["thickness_m"], kw["transmissivity_m2_day"], kw["recharge_m_day"]
    assert phi.kind == "triangular"
    assert (float(phi.p1), float(phi.p2), float(phi.p3)) == pytest.approx((32 * 0.82, 32.0, 32 * 1.32), rel=1e-15)
    assert (float(h.p1), float(h.p3)) == pytest.approx((1.05, 1.65))
    assert (float(t.p1), float(t.p3)) == pytest.approx((7.0, 11.0))
    assert (rech.kind, rech.p1, rech.p2, rech.per_cell) == ("uniform", 0.02, 0.12, False)
    assert kw["density_ratio"] == 0.5
    kk = landlab_preset(cohesion_min_pa=1, cohesion_mode_pa=2, cohesion_max_pa=3, friction_deg=30, thickness_m=1,
                        transmissivity_m2_day=5, conductivity_m_day=2.0)
    assert "conductivity_m_day" in kk and "transmissivity_m2_day" not in kk


@pytest.mark.parametrize(("dist", "mean", "sd"), [
    (Distribution.uniform(2.0, 5.0), 3.5, 3.0 / math.sqrt(12)),
    (Distribution.triangular(1.0, 2.0, 6.0), 3.0, math.sqrt((1 + 4 + 36 - 2 - 6 - 12) / 18)),
    (Distribution.normal(10.0, 2.0), 10.0, 2.0),
    (Distribution.lognormal(50.0, 20.0), 50.0, 20.0),
])
def test_sampled_moments_match_the_distribution(dist, mean, sd):
    # Also a check of the SplitMix64 uniforms feeding the transforms. Standard moments: uniform
    # (b-a)/sqrt(12); triangular mean (a+b+c)/3, variance
    # (a^2+b^2+c^2-ab-ac-bc)/18; lognormal given by its own mean and sd (Landlab's convention).
    from minewatch.geomodels.slope_stability.montecarlo import _KINDS, _uniform_numpy

    n = 200_000
    ctr = np.arange(2 * n, dtype=np.uint64).reshape(1, n, 2)
    u = _uniform_numpy(np.uint64(12345), ctr)
    x = _draw_numpy(_KINDS[dist.kind], dist._params(1), u[..., 0], u[..., 1])[0]
    assert x.mean() == pytest.approx(mean, abs=5 * sd / math.sqrt(n))
    assert x.std() == pytest.approx(sd, rel=0.02)


def test_bad_input_is_invalid_input():
    slope, a = _inputs((2, 2))
    with pytest.raises(InvalidInput):
        probability_of_failure(slope, a, 2000.0, cohesion_pa=Distribution.triangular(3, 2, 4), friction_deg=30,
                               thickness_m=1, transmissivity_m2_day=10, recharge_m_day=0.05,
                               rng=np.random.default_rng(0))
    with pytest.raises(InvalidInput):
        probability_of_failure(slope, a, 2000.0, cohesion_pa=1, friction_deg=30, thickness_m=1,
                               recharge_m_day=0.05, rng=np.random.default_rng(0))


def test_nan_cells_give_nan():
    slope, a = _inputs((3, 3))
    slope[1, 1] = np.nan
    res = probability_of_failure(slope, a, 2000.0, iterations=10, rng=np.random.default_rng(0), **_preset())
    assert np.isnan(res.probability_of_failure[1, 1]) and np.isfinite(res.probability_of_failure[0, 0])
