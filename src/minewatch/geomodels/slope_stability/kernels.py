"""Infinite-slope physics as pure, vectorised numpy: factor of safety, SINMAP stability index, SHALSTAB.

Conventions (every function):

- angles in **degrees** at the API (slope, friction angle); slopes given as tangents are converted by
  the caller (``np.degrees(np.arctan(tan_slope))``);
- SI units: pascals, metres, kg/m3, m2/day for transmissivity and m/day for recharge (only their ratio
  matters);
- soil thickness ``h`` is measured **perpendicular to the slope** (SINMAP's h, Pack et al. 1998); a
  vertical depth ``z`` converts with :func:`perpendicular_thickness` (h = z cos(theta));
- the water/soil density ratio r = rho_w / rho_s is a parameter (default 0.5, SINMAP's and Landlab's
  value), never a hidden constant.

References
----------
Pack, R.T., Tarboton, D.G., Goodwin, C.N. (1998) The SINMAP approach to terrain stability mapping.
  8th Congress IAEG, Vancouver; SINMAP 1.0 user's manual and code (``sindex.c``, Tarboton 1998).
Montgomery, D.R., Dietrich, W.E. (1994) A physically based model for the topographic control on
  shallow landsliding. Water Resour. Res. 30, 1153-1171.
Hammond, C., Hall, D., Miller, S., Swetik, P. (1992) Level I Stability Analysis (LISA). USDA Forest
  Service INT-GTR-285.
"""

from __future__ import annotations

import numpy as np

#: standard gravity (m/s2), the value Landlab uses (scipy.constants.g)
G = 9.80665

# SINMAP stability classes, ordered from most to least stable (Pack et al. 1998, Table 1 of the manual).
SI_CLASSES = ("stable", "moderately_stable", "quasi_stable", "lower_threshold", "upper_threshold", "defended")
SI_MAX = 10.0  # SINMAP caps SI at 10 (sindex.c)

SHALSTAB_STABLE = "unconditionally_stable"
SHALSTAB_UNSTABLE = "unconditionally_unstable"


def perpendicular_thickness(vertical_depth_m, slope_deg):
    """Soil thickness normal to the slope from a vertical depth: h = z cos(theta) (m).

    >>> round(float(perpendicular_thickness(2.0, 60.0)), 6)
    1.0
    """
    return np.asarray(vertical_depth_m, dtype=float) * np.cos(np.radians(slope_deg))


def dimensionless_cohesion(cohesion_pa, soil_thickness_m, soil_density_kg_m3, *, g=G):
    """SINMAP's dimensionless cohesion C = (Cr + Cs) / (h rho_s g).

    ``cohesion_pa`` is the total (soil + root) cohesion in Pa, ``soil_thickness_m`` the thickness h
    perpendicular to the slope (m).

    >>> round(float(dimensionless_cohesion(2000.0, 1.0, 2000.0)), 6)
    0.101972
    """
    return np.asarray(cohesion_pa, dtype=float) / (np.asarray(soil_thickness_m, dtype=float)
                                                   * np.asarray(soil_density_kg_m3, dtype=float) * g)


def relative_wetness(specific_area_m, slope_deg, recharge_m_day, transmissivity_m2_day):
    """Steady-state relative wetness w = min(R a / (T sin theta), 1) (Pack et al. 1998, eq. 4).

    ``specific_area_m`` a is the upslope area per unit contour width (m), R the steady recharge (m/day),
    T the transmissivity (m2/day).

    >>> round(float(relative_wetness(100.0, 30.0, 0.01, 10.0)), 12)
    0.2
    """
    s = np.sin(np.radians(slope_deg))
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.asarray(recharge_m_day, float) * np.asarray(specific_area_m, float) / (
            np.asarray(transmissivity_m2_day, float) * s)
    return np.minimum(w, 1.0)


def factor_of_safety(slope_deg, friction_deg, cohesion_pa, soil_thickness_m, soil_density_kg_m3, wetness, *,
                     density_ratio=0.5, root_cohesion_pa=0.0, surcharge_pa=0.0, rooting_depth_m=None, g=G):
    """Infinite-slope factor of safety with slope-parallel seepage (SINMAP form, with surcharge).

    .. math::

        FS = \\frac{C_s + C_r + [\\rho_s g h \\cos\\theta (1 - w r) + q_0 \\cos^2\\theta] \\tan\\phi}
                  {(\\rho_s g h + q_0 \\cos\\theta) \\sin\\theta}

    which for q0 = 0 is SINMAP's FS = [C + cos(theta)(1 - w r) tan(phi)] / sin(theta) with
    C = (Cr + Cs)/(h rho_s g) (Pack et al. 1998, eq. 2). It is the LISA equation (Hammond et al. 1992)
    written with the perpendicular thickness h = D cos(theta) and one soil density above and below the
    water table (SINMAP's simplification): normal stress (rho_s g h cos(theta) + q0 cos^2 theta), pore
    pressure rho_w g (w h) cos(theta), shear stress (rho_s g h + q0 cos(theta)) sin(theta).

    Parameters
    ----------
    slope_deg, friction_deg : slope angle theta and effective friction angle phi (degrees)
    cohesion_pa : effective soil cohesion Cs (Pa)
    soil_thickness_m : h, soil thickness **perpendicular to the slope** (m)
    soil_density_kg_m3 : rho_s, wet soil density (kg/m3)
    wetness : relative wetness w = h_w / h in [0, 1]
    density_ratio : r = rho_w / rho_s (default 0.5)
    root_cohesion_pa : Cr (Pa); with ``rooting_depth_m`` it counts only where h <= rooting depth (a slip
        plane below the roots gains nothing from them)
    surcharge_pa : q0, vertical load per unit horizontal area (e.g. tree weight), Pa
    g : gravity (m/s2)

    Examples
    --------
    Dry cohesionless slope: FS = tan(phi)/tan(theta).

    >>> round(float(factor_of_safety(30.0, 30.0, 0.0, 1.0, 2000.0, 0.0)), 12)
    1.0
    """
    theta = np.radians(slope_deg)
    tan_phi = np.tan(np.radians(friction_deg))
    h = np.asarray(soil_thickness_m, dtype=float)
    cr = np.asarray(root_cohesion_pa, dtype=float)
    if rooting_depth_m is not None:
        cr = np.where(h <= np.asarray(rooting_depth_m, dtype=float), cr, 0.0)
    weight = np.asarray(soil_density_kg_m3, dtype=float) * g * h  # rho_s g h, Pa
    q0 = np.asarray(surcharge_pa, dtype=float)
    c, s = np.cos(theta), np.sin(theta)
    resisting = np.asarray(cohesion_pa, dtype=float) + cr + (
        weight * c * (1.0 - np.asarray(wetness, dtype=float) * density_ratio) + q0 * c * c) * tan_phi
    with np.errstate(divide="ignore", invalid="ignore"):
        return resisting / ((weight + q0 * c) * s)


# ---------------------------------------------------------------------------------------------- SINMAP

def _fs_dimensionless(sin_t, cos_t, c, tan_phi, w, r):
    return (c + cos_t * (1.0 - w * r) * tan_phi) / sin_t


def _cdf_sum_uniform(a1, a2, b1, b2, z):
    """P(A + B <= z) for independent A ~ U[a1, a2], B ~ U[b1, b2] (widths may be zero)."""
    wa, wb = a2 - a1, b2 - b1
    lo = a1 + b1
    big = np.maximum(wa, wb)
    small = np.minimum(wa, wb)
    d = z - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        # trapezoidal density: rising over [0, small], flat to big, falling to small + big
        rise = d * d / (2.0 * small * big)
        flat = (d - small / 2.0) / big
        fall = 1.0 - (small + big - d) ** 2 / (2.0 * small * big)
    p = np.where(d <= 0, 0.0, np.where(d < small, rise, np.where(d <= big, flat, np.where(d < small + big, fall, 1.0))))
    # one width zero: uniform on the other; both zero: a step
    one = np.where(big > 0, np.clip(d / np.where(big > 0, big, 1.0), 0.0, 1.0), (d >= 0).astype(float))
    return np.where(small > 0, p, one)


_GL_X, _GL_W = np.polynomial.legendre.leggauss(24)


def sinmap_stability_index(slope_deg, specific_area_m, c_min, c_max, phi_min_deg, phi_max_deg, tr_min_m, tr_max_m,
                           *, density_ratio=0.5):
    """SINMAP stability index SI and saturation indicator (Pack et al. 1998; sindex.c ``sindexcell``).

    C ~ U[c_min, c_max] (dimensionless cohesion), tan(phi) ~ U[tan phi_min, tan phi_max] and
    x = R/T ~ U[1/tr_max, 1/tr_min] are independent. With w(x) = min(x a / sin theta, 1):

    - FS_max = FS(c_max, tan phi_max, w(1/tr_max)) < 1: SI = 0 ("defended", unstable at best);
    - FS_min = FS(c_min, tan phi_min, w(1/tr_min)) >= 1: SI = FS_min (capped at 10);
    - otherwise SI = P(FS > 1) over the three uniform variables.

    The probability is computed exactly in C and tan(phi) (the CDF of a sum of two uniforms, closed
    form) and by Gauss-Legendre quadrature over x, split at every point where the integrand has a kink
    (saturation, x = sin(theta)/a, and the four corners of the trapezoid crossing FS = 1), so each
    piece is smooth and 24 nodes give it to ~1e-12. This replaces the manual's piecewise closed forms
    (``f2s``/``f3s``) by an equivalent numerically exact integration.

    Returns ``(si, saturation)`` where saturation follows sindex.c: w at the wettest x when below 1,
    2.0 in the threshold saturation zone (w(1/tr_min) > 1 > w(1/tr_max)), 3.0 when saturated for every
    x. A flat cell (theta = 0) gets SI 10 and saturation 3 as in sindex.c.

    >>> si, sat = sinmap_stability_index(10.0, 100.0, 0.0, 0.25, 30.0, 45.0, 2000.0, 3000.0)
    >>> round(float(si), 4), round(float(sat), 4)
    (2.8029, 0.2879)
    """
    slope_deg, a, c1, c2, p1, p2, tr1, tr2 = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (slope_deg, specific_area_m, c_min, c_max, phi_min_deg, phi_max_deg,
                                               tr_min_m, tr_max_m)))
    r = float(density_ratio)
    theta = np.radians(slope_deg)
    s, c = np.sin(theta), np.cos(theta)
    t1, t2 = np.tan(np.radians(p1)), np.tan(np.radians(p2))
    x1, x2 = 1.0 / tr2, 1.0 / tr1  # R/T bounds: x1 from the largest T/R
    flat = s == 0
    s_safe = np.where(flat, 1.0, s)
    w1_raw, w2_raw = x1 * a / s_safe, x2 * a / s_safe
    w1, w2 = np.minimum(w1_raw, 1.0), np.minimum(w2_raw, 1.0)
    sat = np.where(w1_raw > 1.0, 3.0, np.where(w2_raw > 1.0, 2.0, w2_raw))
    fs_max = _fs_dimensionless(s_safe, c, c2, t2, w1, r)
    fs_min = _fs_dimensionless(s_safe, c, c1, t1, w2, r)

    # P(FS <= 1) = mean over x of P(C + k(x) tan(phi) <= sin theta), k = cos(theta)(1 - r w(x))
    def p_fail_given_x(x):
        k = c[..., None] * (1.0 - r * np.minimum(x * a[..., None] / s_safe[..., None], 1.0))
        return _cdf_sum_uniform(c1[..., None], c2[..., None], k * t1[..., None], k * t2[..., None], s_safe[..., None])

    # kink points in x: saturation, and k(x) t_j + c_i = sin(theta)
    brk = [s_safe / np.where(a > 0, a, np.inf)]
    with np.errstate(divide="ignore", invalid="ignore"):
        for ci in (c1, c2):
            for tj in (t1, t2):
                k = (s_safe - ci) / tj
                brk.append((1.0 - k / c) * s_safe / (r * a))
    pts = np.sort(np.stack([np.clip(np.where(np.isfinite(b), b, x1), x1, x2) for b in brk] + [x1, x2], axis=-1),
                  axis=-1)
    width = x2 - x1
    p = np.zeros_like(s)
    for j in range(pts.shape[-1] - 1):
        lo, hi = pts[..., j], pts[..., j + 1]
        half = (hi - lo) / 2.0
        xs = (lo + hi)[..., None] / 2.0 + half[..., None] * _GL_X
        frac = np.where(width > 0, (hi - lo) / np.where(width > 0, width, 1.0), 1.0 if j == 0 else 0.0)
        p += frac * (p_fail_given_x(xs) @ _GL_W) / 2.0
    si = np.where(fs_max < 1.0, 0.0, np.where(fs_min >= 1.0, np.minimum(fs_min, SI_MAX), 1.0 - p))
    si = np.where(flat, SI_MAX, si)
    sat = np.where(flat, 3.0, sat)
    bad = np.isnan(slope_deg) | np.isnan(a) | np.isnan(c1) | np.isnan(c2) | np.isnan(t1) | np.isnan(t2) | np.isnan(x1) \
        | np.isnan(x2)
    return np.where(bad, np.nan, si), np.where(bad, np.nan, sat)


def sinmap_class(si):
    """SINMAP stability class of SI (Pack et al. 1998, manual Table 1).

    SI > 1.5 stable; 1.25-1.5 moderately stable; 1.0-1.25 quasi stable; 0.5-1.0 lower threshold;
    0-0.5 upper threshold; SI = 0 defended. Returned as an array of class names ("" for NaN).

    >>> sinmap_class([2.0, 1.3, 1.1, 0.7, 0.2, 0.0]).tolist()
    ['stable', 'moderately_stable', 'quasi_stable', 'lower_threshold', 'upper_threshold', 'defended']
    """
    si = np.asarray(si, dtype=float)
    idx = np.select([np.isnan(si), si > 1.5, si > 1.25, si > 1.0, si > 0.5, si > 0.0], [6, 0, 1, 2, 3, 4], default=5)
    return np.asarray((*SI_CLASSES, ""), dtype=object)[idx]


# -------------------------------------------------------------------------------------------- SHALSTAB

def shalstab_critical_recharge(slope_deg, friction_deg, cohesion_pa, soil_thickness_m, soil_density_kg_m3,
                               specific_area_m, transmissivity_m2_day, *, density_ratio=0.5, g=G):
    """SHALSTAB critical steady recharge q_c (m/day) and its class (Montgomery & Dietrich 1994).

    The recharge that brings FS to 1 (the cohesive form, with b/a = 1/specific area):

    .. math::

        q_c = T \\frac{\\sin\\theta}{a}\\left[\\frac{C'}{\\rho_w g z \\cos^2\\theta \\tan\\phi}
              + \\frac{\\rho_s}{\\rho_w}\\left(1 - \\frac{\\tan\\theta}{\\tan\\phi}\\right)\\right]

    with z = h / cos(theta) the vertical depth (``soil_thickness_m`` is h, perpendicular to the slope,
    as everywhere in this module), rho_w = r rho_s. Unconditionally unstable (fails even when dry):
    tan(theta) >= tan(phi) + C'/(rho_s g z cos^2 theta); unconditionally stable (stands saturated):
    tan(theta) <= C'/(rho_s g z cos^2 theta) + (1 - r) tan(phi).

    Returns ``(q_c, cls)``: q_c in the units of T per metre (m/day for T in m2/day), NaN where the class
    is unconditional; ``cls`` is an object array of "unconditionally_stable",
    "unconditionally_unstable" or "" (recharge-dependent).

    >>> q, cls = shalstab_critical_recharge(30.0, 40.0, 0.0, 1.0, 2000.0, 100.0, 10.0)
    >>> round(float(q), 6), str(cls)
    (0.031194, '')
    """
    theta = np.radians(slope_deg)
    tan_t, tan_p = np.tan(theta), np.tan(np.radians(friction_deg))
    cos2 = np.cos(theta) ** 2
    z = np.asarray(soil_thickness_m, dtype=float) / np.cos(theta)
    rho_s = np.asarray(soil_density_kg_m3, dtype=float)
    rho_w = density_ratio * rho_s
    coh = np.asarray(cohesion_pa, dtype=float) / (rho_s * g * z * cos2)
    unstable = tan_t >= tan_p + coh
    stable = tan_t <= coh + (1.0 - density_ratio) * tan_p
    with np.errstate(divide="ignore", invalid="ignore"):
        w_crit = (np.asarray(cohesion_pa, dtype=float) / (rho_w * g * z * cos2 * tan_p)
                  + (1.0 / density_ratio) * (1.0 - tan_t / tan_p))
        q = np.asarray(transmissivity_m2_day, dtype=float) * np.sin(theta) / np.asarray(specific_area_m, float) * w_crit
    q = np.where(stable | unstable, np.nan, q)
    cls = np.where(unstable, SHALSTAB_UNSTABLE, np.where(stable, SHALSTAB_STABLE, "")).astype(object)
    return q, cls
