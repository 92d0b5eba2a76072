"""Slope-stability kernels: infinite-slope FS, SINMAP SI and classes, SHALSTAB critical recharge.

Sources of the expected numbers are named in each test; values derived from an equation (no printed
figure found) say "derived".
"""

import math

import numpy as np
import pytest

from minewatch.geomodels.slope_stability.kernels import (
    G,
    factor_of_safety,
    perpendicular_thickness,
    relative_wetness,
    shalstab_critical_recharge,
    sinmap_class,
    sinmap_stability_index,
)

# ------------------------------------------------------------------------------- infinite-slope FS


def test_dry_cohesionless_limit_is_tan_phi_over_tan_beta():
    # Textbook closed form (e.g. Das, Principles of Geotechnical Engineering, infinite slope without
    # seepage, c' = 0): FS = tan(phi')/tan(beta).
    for beta, phi in [(20.0, 30.0), (35.0, 32.0), (40.0, 30.0)]:
        fs = factor_of_safety(beta, phi, 0.0, 1.3, 1800.0, 0.0)
        assert fs == pytest.approx(math.tan(math.radians(phi)) / math.tan(math.radians(beta)), rel=1e-12)


def test_saturated_cohesionless_limit_uses_buoyant_over_saturated_weight():
    # Textbook closed form, seepage parallel to the slope with the water table at the surface, c' = 0:
    # FS = (gamma'/gamma_sat) tan(phi')/tan(beta); with r = gamma_w/gamma_sat, gamma'/gamma_sat = 1 - r.
    fs = factor_of_safety(25.0, 35.0, 0.0, 2.0, 2000.0, 1.0, density_ratio=0.5)
    assert fs == pytest.approx(0.5 * math.tan(math.radians(35)) / math.tan(math.radians(25)), rel=1e-12)


def test_gate_2014_ce_q16_maximum_slope_for_fs_1_5():
    # GATE 2014 Civil Engineering (paper 1) Q16: long slope, c' = 0, phi = 34 deg, water table at the
    # surface with slope-parallel seepage, gamma_sat = 18 kN/m3, gamma_w = 10 kN/m3: the maximum slope
    # for FS = 1.5 is 11.3 deg (option 4 of 45.3 / 44.7 / 12.3 / 11.3).
    r = 10.0 / 18.0
    beta = math.degrees(math.atan((1 - r) * math.tan(math.radians(34.0)) / 1.5))
    assert beta == pytest.approx(11.3, abs=0.05)
    assert factor_of_safety(beta, 34.0, 0.0, 1.0, 18000.0 / G, 1.0, density_ratio=r) == pytest.approx(1.5, rel=1e-12)


def test_das_problem_15_3_vertical_depth_with_seepage():
    # Das, Principles of Geotechnical Engineering, 9th ed., Problem 15.3: infinite slope, water table at
    # the surface, H = 6 m (vertical), beta = 22 deg, gamma_sat = 20.8 kN/m3, phi' = 26 deg, c' = 52 kN/m2.
    # Expected value DERIVED from Das's equation FS = c'/(gamma_sat H cos^2 b tan b) + gamma'/gamma_sat
    # tan(phi')/tan(b) with gamma_w = 9.81 (the book's answer was not available to check).
    b, phi, c, gsat, gw, H = math.radians(22), math.radians(26), 52e3, 20.8e3, 9.81e3, 6.0
    das = c / (gsat * H * math.cos(b) ** 2 * math.tan(b)) + (gsat - gw) / gsat * math.tan(phi) / math.tan(b)
    ours = factor_of_safety(22.0, 26.0, 52e3, perpendicular_thickness(H, 22.0), gsat / 9.81, 1.0,
                            density_ratio=gw / gsat, g=9.81)
    assert das == pytest.approx(1.837, abs=5e-4)
    assert ours == pytest.approx(das, rel=1e-12)


def test_das_problem_15_5_dry_soil_on_rock():
    # Das, 9th ed., Problem 15.5: H = 7 m, beta = 25 deg, phi' = 23 deg, c' = 34 kN/m2, rho = 2050 kg/m3,
    # no water. Expected DERIVED from FS = c'/(gamma H cos^2 b tan b) + tan(phi')/tan(b), g = 9.81.
    b, phi = math.radians(25), math.radians(23)
    gamma = 2050 * 9.81
    das = 34e3 / (gamma * 7 * math.cos(b) ** 2 * math.tan(b)) + math.tan(phi) / math.tan(b)
    ours = factor_of_safety(25.0, 23.0, 34e3, perpendicular_thickness(7.0, 25.0), 2050.0, 0.0, g=9.81)
    assert ours == pytest.approx(das, rel=1e-12)
    assert das == pytest.approx(1.5409, abs=5e-4)  # the derived number, for the reader


def test_matches_lisa_form_with_root_cohesion_and_surcharge():
    # LISA (Hammond et al. 1992; equation as stated in reference/hazards.md section 1.1, [MEM]) with
    # vertical depths D, Dw and one unit weight above and below the water table: DERIVED equivalence.
    beta, phi, cs, cr, q0 = math.radians(33), math.radians(31), 1500.0, 4000.0, 2500.0
    rho, r, w, h = 1900.0, 0.52, 0.6, 1.2
    gamma, gw = rho * G, r * rho * G
    D = h / math.cos(beta)
    Dw = w * D
    lisa = (cr + cs + math.cos(beta) ** 2 * (q0 + gamma * (D - Dw) + (gamma - gw) * Dw) * math.tan(phi)) / (
        math.sin(beta) * math.cos(beta) * (q0 + gamma * (D - Dw) + gamma * Dw))
    ours = factor_of_safety(33.0, 31.0, cs, h, rho, w, density_ratio=r, root_cohesion_pa=cr, surcharge_pa=q0)
    assert ours == pytest.approx(lisa, rel=1e-12)


def test_root_cohesion_counts_only_above_the_rooting_depth():
    shallow = factor_of_safety(35.0, 30.0, 0.0, 0.8, 1800.0, 0.5, root_cohesion_pa=5000.0, rooting_depth_m=1.0)
    deep = factor_of_safety(35.0, 30.0, 0.0, 1.5, 1800.0, 0.5, root_cohesion_pa=5000.0, rooting_depth_m=1.0)
    bare_deep = factor_of_safety(35.0, 30.0, 0.0, 1.5, 1800.0, 0.5)
    assert deep == bare_deep
    assert shallow > factor_of_safety(35.0, 30.0, 0.0, 0.8, 1800.0, 0.5)


def test_density_ratio_is_a_parameter():
    a = factor_of_safety(30.0, 35.0, 0.0, 1.0, 2000.0, 1.0, density_ratio=0.5)
    b = factor_of_safety(30.0, 35.0, 0.0, 1.0, 2000.0, 1.0, density_ratio=0.45)
    assert b > a


def test_relative_wetness_caps_at_one():
    # SINMAP (Pack et al. 1998): w = min(R a / (T sin theta), 1).
    assert relative_wetness(1000.0, 30.0, 0.05, 10.0) == 1.0
    assert relative_wetness(50.0, 30.0, 0.05, 10.0) == pytest.approx(0.5)


# ---------------------------------------------------------------------------------------------- SINMAP

# Expected SI and saturation computed by SINMAP 1.0's own sindexcell() (sindex.c, D. Tarboton 1998, the
# closed-form f2s/f3s/fai integrals; source in eachiaradia/MW-SINMAP-v1.1-source-code), compiled outside
# the project as an oracle: (slope deg, a m, c1, c2, phi1, phi2, T/R min, T/R max, r) -> (SI, sat).
SINMAP_ORACLE = [
    ((35, 100, 0, 0.25, 30, 45, 2000, 3000, 0.5), (0.916754313941, 0.087172339781)),    # region 3
    ((35, 700, 0, 0.25, 30, 45, 2000, 3000, 0.5), (0.618101520580, 0.610206378467)),    # region 3
    ((35, 1400, 0, 0.25, 30, 45, 2000, 3000, 0.5), (0.122192170340, 2.0)),              # region 2
    ((35, 1400, 0, 0.25, 30, 45, 2000, 3000, 0.4), (0.311150488674, 2.0)),              # region 2, r = 0.4
    ((42, 2000, 0.0, 0.3, 30, 45, 2000, 3000, 0.5), (0.000063586591, 2.0)),
    ((30, 3000, 0, 0.25, 30, 45, 2000, 3000, 0.5), (0.366025403784, 3.0)),              # region 1
    ((33, 3000, 0.05, 0.25, 30, 45, 2000, 3000, 0.5), (0.219333406764, 3.0)),           # region 1
    ((20, 300, 0.0, 0.25, 30, 45, 2000, 3000, 0.5), (1.238413975765, 0.438570660024)),  # FS_min >= 1
    ((38, 2500, 0.05, 0.2, 30, 45, 1000, 3000, 0.5), (0.0, 3.0)),                       # defended
    ((45, 50, 0, 0.1, 30, 40, 2000, 3000, 0.5), (0.0, 0.035355339059)),                 # defended, dry
    ((33, 800, 0.1, 0.1, 30, 45, 2000, 3000, 0.5), (0.553792485260, 0.734431383511)),   # C fixed
    ((33, 800, 0.0, 0.2, 38, 38, 2000, 3000, 0.5), (0.550449156317, 0.734431383511)),   # phi fixed
    ((33, 800, 0.0, 0.2, 30, 45, 2500, 2500, 0.5), (0.589828960523, 0.587545106809)),   # T/R fixed
    ((0, 100, 0, 0.25, 30, 45, 2000, 3000, 0.5), (10.0, 3.0)),                          # flat
]


@pytest.mark.parametrize(("args", "expected"), SINMAP_ORACLE)
def test_sinmap_si_equals_sinmap_1_0_sindexcell(args, expected):
    *cell, r = args
    si, sat = sinmap_stability_index(*cell, density_ratio=r)
    assert float(si) == pytest.approx(expected[0], abs=1e-10)
    assert float(sat) == pytest.approx(expected[1], abs=1e-10)


def test_sinmap_si_vectorised_equals_cell_by_cell():
    cells = np.array([a for a, _ in SINMAP_ORACLE if a[8] == 0.5], dtype=float)
    si, sat = sinmap_stability_index(*cells[:, :8].T)
    for row, s in zip(cells, si):
        assert s == pytest.approx(float(sinmap_stability_index(*row[:8])[0]), abs=1e-14)


def test_sinmap_probability_agrees_with_a_monte_carlo_estimate():
    # DERIVED check, independent of the SINMAP code: P(FS > 1) with C, tan(phi), R/T uniform, by sampling.
    rng = np.random.default_rng(7)
    n = 400_000
    slope, a = 35.0, 1400.0
    c = rng.uniform(0.0, 0.25, n)
    t = rng.uniform(math.tan(math.radians(30)), math.tan(math.radians(45)), n)
    x = rng.uniform(1 / 3000, 1 / 2000, n)
    th = math.radians(slope)
    w = np.minimum(x * a / math.sin(th), 1.0)
    p = np.mean((c + math.cos(th) * (1 - 0.5 * w) * t) / math.sin(th) > 1)
    si, _ = sinmap_stability_index(slope, a, 0.0, 0.25, 30, 45, 2000, 3000)
    assert float(si) == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))


def test_sinmap_classes_follow_the_manual_table():
    # SINMAP manual (Pack et al. 1998), Table 1: SI > 1.5 stable; 1.5-1.25 moderately stable; 1.25-1.0
    # quasi-stable; 1.0-0.5 lower threshold; 0.5-0.0 upper threshold; 0 defended.
    si = [10.0, 1.5001, 1.5, 1.2501, 1.25, 1.0001, 1.0, 0.5001, 0.5, 0.0001, 0.0]
    assert sinmap_class(si).tolist() == [
        "stable", "stable", "moderately_stable", "moderately_stable", "quasi_stable", "quasi_stable",
        "lower_threshold", "lower_threshold", "upper_threshold", "upper_threshold", "defended"]


def test_sinmap_nan_in_nan_out():
    si, sat = sinmap_stability_index(np.nan, 100.0, 0, 0.25, 30, 45, 2000, 3000)
    assert np.isnan(si) and np.isnan(sat)
    assert str(sinmap_class(np.nan)) == ""


# -------------------------------------------------------------------------------------------- SHALSTAB


def test_shalstab_cohesionless_thresholds_montgomery_dietrich_1994():
    # Montgomery & Dietrich (1994): unconditionally unstable tan(theta) >= tan(phi); unconditionally stable
    # tan(theta) <= (1 - rho_w/rho_s) tan(phi) (= 0.5 tan(phi) for rho_s = 2 rho_w).
    phi = 36.0
    tan_phi = math.tan(math.radians(phi))
    half = math.degrees(math.atan(0.5 * tan_phi))
    _, cls = shalstab_critical_recharge(np.array([half - 0.01, half + 0.01, phi - 0.01, phi + 0.01]), phi, 0.0, 1.0,
                                        2000.0, 200.0, 10.0)
    assert cls.tolist() == ["unconditionally_stable", "", "", "unconditionally_unstable"]


def test_shalstab_cohesionless_critical_recharge_formula():
    # Montgomery & Dietrich (1994): q/T = (b/a) sin(theta) (rho_s/rho_w) (1 - tan(theta)/tan(phi)).
    q, _ = shalstab_critical_recharge(30.0, 40.0, 0.0, 1.0, 2000.0, 100.0, 10.0)
    expected = 10.0 / 100.0 * math.sin(math.radians(30)) * 2.0 * (1 - math.tan(math.radians(30)) / math.tan(
        math.radians(40)))
    assert float(q) == pytest.approx(expected, rel=1e-12)


def test_shalstab_critical_recharge_brings_fs_to_one():
    # DERIVED consistency: the wetness that q_c produces makes the infinite-slope FS exactly 1.
    slope, phi, coh, h, rho, a, T = 38.0, 33.0, 3000.0, 1.2, 1900.0, 250.0, 15.0
    q, cls = shalstab_critical_recharge(slope, phi, coh, h, rho, a, T, density_ratio=0.55)
    assert cls == ""
    w = relative_wetness(a, slope, q, T)
    assert factor_of_safety(slope, phi, coh, h, rho, w, density_ratio=0.55) == pytest.approx(1.0, rel=1e-12)
