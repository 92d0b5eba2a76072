"""RUSLE factors: topography (LS), rainfall erosivity (R) and soil erodibility (K).

Pure numpy, vectorised (scalars or arrays in, arrays or floats out). Units: slope in radians or percent
as named, lengths and areas in metres and square metres, R in MJ mm ha-1 h-1 yr-1 (SI) and
hundreds of ft tonf in acre-1 h-1 yr-1 (US), K in t ha h ha-1 MJ-1 mm-1 (SI) and t acre h
(hundreds of acre ft tonf in)-1 (US). The equations and their sources are in reference/hazards.md
section 3 and docs/models/rusle.md; each function names its own.

Findings are data: the erosivity regressions return the findings (a value outside the range of
the data the regression was fitted on) beside the value instead of raising.

>>> round(float(ls_rusle_1d(10.0, 30.48)), 2)   # AH703 Table 4-3 (moderate): 10 %, 100 ft -> 1.38
1.38
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Unit-plot length (m): 72.6 ft (Wischmeier & Smith 1978, AH537 p. 12).
UNIT_PLOT_LENGTH_M = 22.13
#: Unit-plot steepness as sin(theta): 9 % slope -> sin(atan(0.09)) = 0.0896 (McCool et al. 1987/1989).
UNIT_PLOT_SIN = 0.0896
#: K (SI, t ha h ha-1 MJ-1 mm-1) = K_US_TO_SI * K (US) (Renard et al. 1997, AH703 Appendix A; = 1/7.59).
K_US_TO_SI = 0.1317
#: R (SI, MJ mm ha-1 h-1 yr-1) = R_US_TO_SI * R (US) (Renard et al. 1997, AH703 Appendix A).
R_US_TO_SI = 17.02


def _sin_from_pct(slope_pct):
    return np.sin(np.arctan(np.asarray(slope_pct, dtype=float) / 100.0))


# ---------------------------------------------------------------------------------------------- LS


def mccool_s(slope_rad):
    """RUSLE slope steepness factor S (McCool et al. 1987), dimensionless.

    ``S = 10.8 sin(theta) + 0.03`` where ``tan(theta) < 0.09`` (slope < 9 %), else
    ``S = 16.8 sin(theta) - 0.50``.

    Parameters
    ----------
    slope_rad : array_like
        Slope angle theta (radians).

    Returns
    -------
    numpy.ndarray or float
        S; about 1 on the unit plot (9 %): 16.8 sin(atan 0.09) - 0.50 = 1.006.

    References
    ----------
    McCool, D.K., Brown, L.C., Foster, G.R., Mutchler, C.K., Meyer, L.D. (1987). Revised slope
    steepness factor for the Universal Soil Loss Equation. Trans. ASAE 30(5), 1387-1396;
    Renard et al. (1997) AH703 eq. 4-4a/4-4b.

    Examples
    --------
    >>> round(float(mccool_s(np.arctan(0.09))), 3)
    1.006
    """
    theta = np.asarray(slope_rad, dtype=float)
    s = np.sin(theta)
    return np.where(np.tan(theta) < 0.09, 10.8 * s + 0.03, 16.8 * s - 0.50)


def rusle_m(slope_rad):
    """RUSLE slope-length exponent m = beta / (1 + beta) (McCool et al. 1989), dimensionless.

    ``beta = (sin(theta) / 0.0896) / (3 sin(theta)^0.8 + 0.56)`` (rill/interrill ratio moderate,
    AH703 eq. 4-2 and 4-3).

    Parameters
    ----------
    slope_rad : array_like
        Slope angle theta (radians).

    Returns
    -------
    numpy.ndarray or float
        m in [0, 1).

    References
    ----------
    McCool, D.K., Foster, G.R., Mutchler, C.K., Meyer, L.D. (1989). Revised slope length factor
    for the Universal Soil Loss Equation. Trans. ASAE 32(5), 1571-1576; AH703 p. 107-108.

    Examples
    --------
    >>> round(float(rusle_m(np.arctan(0.09))), 3)   # beta = 1.003 on the unit plot
    0.501
    """
    s = np.sin(np.asarray(slope_rad, dtype=float))
    beta = (s / UNIT_PLOT_SIN) / (3.0 * s**0.8 + 0.56)
    return beta / (1.0 + beta)


def invest_m(slope_pct):
    """Slope-length exponent m as InVEST 3.20.2 ``sdr._calculate_ls_factor`` sets it.

    0.2 where slope <= 1 %, 0.3 in (1, 3.5], 0.4 in (3.5, 5], 0.5 in (5, 9], and
    :func:`rusle_m` above 9 % (InVEST's ``numpy.digitize(..., [1, 3.5, 5, 9], right=True)``;
    Oliveira et al. 2013, Table 1).

    Parameters
    ----------
    slope_pct : array_like
        Slope (percent, 100 tan theta).

    Returns
    -------
    numpy.ndarray or float

    Examples
    --------
    >>> invest_m(np.array([1.0, 1.01, 3.5, 5.0, 9.0])).tolist()
    [0.2, 0.3, 0.3, 0.4, 0.5]
    """
    pct = np.asarray(slope_pct, dtype=float)
    table = np.array([0.2, 0.3, 0.4, 0.5])
    small = table[np.minimum(np.digitize(pct, [1.0, 3.5, 5.0, 9.0], right=True), 3)]
    return np.where(pct > 9.0, rusle_m(np.arctan(pct / 100.0)), small)


def usle_m(slope_pct):
    """USLE slope-length exponent m (Wischmeier & Smith 1978, AH537 p. 12-14).

    AH537: m = 0.5 if slope >= 5 %, 0.4 on 3.5-4.5 %, 0.3 on 1-3 %, 0.2 on uniform gradients < 1 %.
    The handbook leaves gaps (3-3.5 %, 4.5-5 %); here 0.3 for [1, 3.5), 0.4 for [3.5, 5) (a choice).

    Parameters
    ----------
    slope_pct : array_like
        Slope (percent).

    Returns
    -------
    numpy.ndarray or float

    Examples
    --------
    >>> usle_m(np.array([0.5, 2.0, 4.0, 5.0, 20.0])).tolist()
    [0.2, 0.3, 0.4, 0.5, 0.5]
    """
    pct = np.asarray(slope_pct, dtype=float)
    return np.select([pct < 1.0, pct < 3.5, pct < 5.0], [0.2, 0.3, 0.4], default=0.5)


def ls_usle(slope_pct, length_m):
    """USLE topographic factor (Wischmeier & Smith 1978, AH537 eq. 4 / Fig. 4 / Table 3), dimensionless.

    ``LS = (lambda / 22.13)^m (65.41 sin^2 theta + 4.56 sin theta + 0.065)`` with m from
    :func:`usle_m` (22.13 m = 72.6 ft).

    Parameters
    ----------
    slope_pct : array_like
        Slope steepness (percent).
    length_m : array_like
        Slope length lambda (m, horizontal projection).

    Returns
    -------
    numpy.ndarray or float

    Examples
    --------
    >>> round(float(ls_usle(9.0, 22.13)), 2)   # the unit plot
    1.0
    """
    s = _sin_from_pct(slope_pct)
    lam = np.asarray(length_m, dtype=float)
    return (lam / UNIT_PLOT_LENGTH_M) ** usle_m(slope_pct) * (65.41 * s**2 + 4.56 * s + 0.065)


def ls_rusle_1d(slope_pct, length_m):
    """RUSLE topographic factor for a uniform slope: ``LS = S (lambda / 22.13)^m`` (AH703 ch. 4).

    S from :func:`mccool_s`, m from :func:`rusle_m` (rill/interrill ratio moderate, AH703 Table 4-3).

    Parameters
    ----------
    slope_pct : array_like
        Slope steepness (percent).
    length_m : array_like
        Slope length lambda (m, horizontal projection).

    Returns
    -------
    numpy.ndarray or float

    Examples
    --------
    >>> round(float(ls_rusle_1d(9.0, 22.13)), 3)
    1.006
    """
    theta = np.arctan(np.asarray(slope_pct, dtype=float) / 100.0)
    lam = np.asarray(length_m, dtype=float)
    return mccool_s(theta) * (lam / UNIT_PLOT_LENGTH_M) ** rusle_m(theta)


def desmet_govers_l(a_in_m2, cell_m, x, m):
    """Two-dimensional slope-length factor L of Desmet & Govers (1996), dimensionless.

    ``L = [(A_in + D^2)^(m+1) - A_in^(m+1)] / [D^(m+2) x^m 22.13^m]``

    Parameters
    ----------
    a_in_m2 : array_like
        Contributing area at the cell inlet, A_in (m2), i.e. the area strictly upslope.
        (InVEST 3.20 passes ``sqrt((flow_accumulation - 1) * D^2)`` here, a length in m, the
        SAGA "square root of catchment area" option; reference/hazards.md 3.3.)
    cell_m : float or array_like
        Cell size D (m).
    x : array_like
        Flow-width term: ``|sin a| + |cos a|`` of the aspect a (Desmet & Govers), or of the
        slope angle in InVEST 3.20.
    m : array_like
        Slope-length exponent (:func:`rusle_m`, :func:`invest_m`).

    Returns
    -------
    numpy.ndarray or float
        L (uncapped; InVEST caps it at ``l_max`` = 122 by default).

    References
    ----------
    Desmet, P.J.J., Govers, G. (1996). A GIS procedure for automatically calculating the USLE LS
    factor on topographically complex landscape units. J. Soil Water Conserv. 51(5), 427-433.

    Examples
    --------
    >>> round(float(desmet_govers_l(0.0, 22.13, 1.0, 0.5)), 6)   # one unit-plot cell, no upslope area
    1.0
    """
    a = np.asarray(a_in_m2, dtype=float)
    d = np.asarray(cell_m, dtype=float)
    m = np.asarray(m, dtype=float)
    x = np.asarray(x, dtype=float)
    return ((a + d * d) ** (m + 1.0) - a ** (m + 1.0)) / (d ** (m + 2.0) * x**m * UNIT_PLOT_LENGTH_M**m)


def ls_moore_burch(sca_m, slope_rad, n=0.4, m=1.3):
    """Unit-stream-power LS of Moore & Burch (1986), dimensionless.

    ``LS = (n + 1) (As / 22.13)^n (sin theta / 0.0896)^m``, commonly
    ``1.4 (As / 22.13)^0.4 (sin theta / 0.0896)^1.3``.

    Parameters
    ----------
    sca_m : array_like
        Specific catchment area As (m2 per m of contour width = m).
    slope_rad : array_like
        Slope angle theta (radians).
    n, m : float
        Exponents (0.4 and 1.3 by default; Moore & Wilson 1992 give n 0.4-0.6, m 1.2-1.3).

    Returns
    -------
    numpy.ndarray or float

    References
    ----------
    Moore, I.D., Burch, G.J. (1986). Physical basis of the length-slope factor in the Universal
    Soil Loss Equation. Soil Sci. Soc. Am. J. 50, 1294-1298.

    Examples
    --------
    >>> round(float(ls_moore_burch(22.13, np.arcsin(0.0896))), 6)
    1.4
    """
    a = np.asarray(sca_m, dtype=float)
    s = np.sin(np.asarray(slope_rad, dtype=float))
    return (n + 1.0) * (a / UNIT_PLOT_LENGTH_M) ** n * (s / UNIT_PLOT_SIN) ** m


# ----------------------------------------------------------------------------------------------- R

#: Provisional ranges of the inputs over which the Renard & Freimund (1994) regressions are trusted.
#: The range of the station data the regressions were fitted on (United States stations) was not found
#: in a source we could read; these bounds are a minewatch choice, configurable per call, and every
#: finding says so. Upper bounds: reference/hazards.md 3.1 shows the annual regression over-predicting
#: strongly at P = 2500 mm (R = 23 197), so values above 2000 mm / F above 250 mm are flagged.
ANNUAL_P_RANGE_MM = (100.0, 2000.0)
FOURNIER_RANGE_MM = (5.0, 250.0)
RANGES_PROVISIONAL = True


@dataclass(frozen=True)
class Erosivity:
    """An erosivity estimate with the findings about its inputs.

    Attributes
    ----------
    r_si : numpy.ndarray or float
        R in MJ mm ha-1 h-1 yr-1.
    method : str
        ``"renard-freimund-annual"`` or ``"renard-freimund-fournier"``.
    index_mm : numpy.ndarray or float
        The regressor: annual precipitation P or modified Fournier index F (mm).
    findings : tuple of minewatch.kit.findings.Problem
        Warnings (never errors) for inputs outside the trusted range.
    """

    r_si: object
    method: str
    index_mm: object
    findings: tuple = field(default_factory=tuple)

    @property
    def r_us(self):
        """R in hundreds of ft tonf in acre-1 h-1 yr-1 (R_SI / 17.02, AH703 Appendix A)."""
        return np.asarray(self.r_si) / R_US_TO_SI if np.ndim(self.r_si) else float(self.r_si) / R_US_TO_SI


def _range_findings(values, bounds, *, column: str, what: str, formula: str) -> tuple:
    from minewatch.kit.findings import Problem

    v = np.asarray(values, dtype=float)
    low, high = bounds
    out = []
    for mask, side, bound in ((v < low, "below", low), (v > high, "above", high)):
        n = int(np.count_nonzero(mask))
        if not n:
            continue
        where = f"{v[mask].min():g}" if v.ndim == 0 or n == 1 else f"{n} cells, {v[mask].min():g} to {v[mask].max():g}"
        out.append(Problem(
            severity="warning", code=f"erosivity.{column}_{side}_range", column=column, value=where,
            reason=(f"{what} {where} mm is {side} the range {low:g}-{high:g} mm where the {formula} regression "
                    f"is trusted; outside it the estimate is an extrapolation (range provisional: the range of "
                    f"the data Renard & Freimund 1994 fitted was not verified)"
                    + ("; at high rainfall it over-predicts strongly, prefer a measured or mapped R (e.g. GloREDa)"
                       if side == "above" else "")),
        ))
    return tuple(out)


def _scalar_or_array(x):
    return float(x) if np.ndim(x) == 0 else x


def erosivity_renard_freimund_annual(p_mm, *, valid_range_mm=ANNUAL_P_RANGE_MM) -> Erosivity:
    """Rainfall erosivity from mean annual precipitation (Renard & Freimund 1994).

    ``R = 0.0483 P^1.61`` for P <= 850 mm; ``R = 587.8 - 1.219 P + 0.004105 P^2`` for P > 850 mm.

    Parameters
    ----------
    p_mm : array_like
        Mean annual precipitation P (mm yr-1), >= 0.
    valid_range_mm : (float, float)
        Inputs outside it give a warning finding (provisional bounds, see ``ANNUAL_P_RANGE_MM``).

    Returns
    -------
    Erosivity
        ``r_si`` in MJ mm ha-1 h-1 yr-1.

    References
    ----------
    Renard, K.G., Freimund, J.R. (1994). Using monthly precipitation data to estimate the R-factor
    in the revised USLE. J. Hydrol. 157, 287-306 (coefficients as in reference/hazards.md 3.1).

    Examples
    --------
    >>> e = erosivity_renard_freimund_annual(850.0)   # the upper branch gives 2517.5 at 850 mm
    >>> round(e.r_si), e.findings
    (2514, ())
    """
    p = np.asarray(p_mm, dtype=float)
    if np.any(p < 0):
        raise ValueError("annual precipitation must be >= 0 mm")
    r = np.where(p <= 850.0, 0.0483 * p**1.61, 587.8 - 1.219 * p + 0.004105 * p**2)
    findings = _range_findings(p, valid_range_mm, column="annual_mm", what="annual precipitation",
                               formula="Renard & Freimund (1994) annual-precipitation")
    return Erosivity(_scalar_or_array(r), "renard-freimund-annual", _scalar_or_array(p), findings)


def modified_fournier_index(monthly_mm, axis=0):
    """Modified Fournier index ``F = sum_i p_i^2 / P`` over 12 months, P = sum_i p_i (mm).

    Parameters
    ----------
    monthly_mm : array_like
        Mean monthly precipitation, 12 values along ``axis`` (mm).
    axis : int
        The month axis.

    Returns
    -------
    numpy.ndarray or float
        F (mm); 0 where P = 0.

    Examples
    --------
    >>> float(modified_fournier_index([100.0] * 12))
    100.0
    """
    p = np.asarray(monthly_mm, dtype=float)
    if p.shape[axis] != 12:
        raise ValueError(f"modified Fournier index needs 12 monthly values, got {p.shape[axis]}")
    if np.any(p < 0):
        raise ValueError("monthly precipitation must be >= 0 mm")
    total = p.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(total > 0, (p**2).sum(axis=axis) / np.where(total > 0, total, 1.0), 0.0)
    return _scalar_or_array(f)


def erosivity_modified_fournier(monthly_mm, *, axis=0, valid_range_mm=FOURNIER_RANGE_MM) -> Erosivity:
    """Rainfall erosivity from monthly totals through the modified Fournier index (Renard & Freimund 1994).

    ``R = 0.7397 F^1.847`` for F < 55 mm; ``R = 95.77 - 6.081 F + 0.4770 F^2`` for F >= 55 mm, with
    F from :func:`modified_fournier_index`.

    Parameters
    ----------
    monthly_mm : array_like
        12 mean monthly precipitation totals (mm) along ``axis``.
    axis : int
        The month axis.
    valid_range_mm : (float, float)
        Values of F outside it give a warning finding (provisional bounds, see ``FOURNIER_RANGE_MM``).

    Returns
    -------
    Erosivity
        ``r_si`` in MJ mm ha-1 h-1 yr-1, ``index_mm`` = F.

    References
    ----------
    Renard & Freimund (1994), J. Hydrol. 157, 287-306 (coefficients as in reference/hazards.md 3.1).

    Examples
    --------
    >>> round(erosivity_modified_fournier([100.0] * 12).r_si, 1)
    4257.7
    """
    f = np.asarray(modified_fournier_index(monthly_mm, axis=axis))
    r = np.where(f < 55.0, 0.7397 * f**1.847, 95.77 - 6.081 * f + 0.4770 * f**2)
    findings = _range_findings(f, valid_range_mm, column="fournier_mm", what="modified Fournier index",
                               formula="Renard & Freimund (1994) modified-Fournier")
    return Erosivity(_scalar_or_array(r), "renard-freimund-fournier", _scalar_or_array(f), findings)


# ----------------------------------------------------------------------------------------------- K


def k_epic_williams(sand_pct, silt_pct, clay_pct, orgc_pct):
    """Soil erodibility from texture and organic carbon (Williams 1995, EPIC).

    ``K_US = f_csand f_cl-si f_orgc f_hisand`` with
    ``f_csand = 0.2 + 0.3 exp[-0.0256 SAN (1 - SIL/100)]``, ``f_cl-si = (SIL / (CLA + SIL))^0.3``,
    ``f_orgc = 1 - 0.25 C / (C + exp(3.72 - 2.95 C))``,
    ``f_hisand = 1 - 0.7 SN1 / (SN1 + exp(-5.51 + 22.9 SN1))``, ``SN1 = 1 - SAN/100``;
    ``K_SI = 0.1317 K_US``.

    Parameters
    ----------
    sand_pct, silt_pct, clay_pct : array_like
        Sand (0.05-2 mm), silt and clay fractions (percent of the fine earth).
    orgc_pct : array_like
        Organic carbon (percent).

    Returns
    -------
    (k_us, k_si)
        K in US customary units (t acre h / (hundreds acre ft tonf in)) and in SI
        (t ha h ha-1 MJ-1 mm-1).

    References
    ----------
    Williams, J.R. (1995). The EPIC model. In Singh, V.P. (ed.), Computer Models of Watershed
    Hydrology, 909-1000; equations as in the SWAT 2009 theoretical documentation eq. 4:1.1.5-9 with
    the 0.0256 coefficient (the PDF misprints 0.256; reference/hazards.md 3.2).

    Examples
    --------
    >>> k_us, k_si = k_epic_williams(20.0, 65.0, 15.0, 1.5)
    >>> round(float(k_us), 4), round(float(k_si), 5)
    (0.3439, 0.04529)
    """
    san = np.asarray(sand_pct, dtype=float)
    sil = np.asarray(silt_pct, dtype=float)
    cla = np.asarray(clay_pct, dtype=float)
    c = np.asarray(orgc_pct, dtype=float)
    f_csand = 0.2 + 0.3 * np.exp(-0.0256 * san * (1.0 - sil / 100.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        f_clsi = (sil / (cla + sil)) ** 0.3
    f_orgc = 1.0 - 0.25 * c / (c + np.exp(3.72 - 2.95 * c))
    sn1 = 1.0 - san / 100.0
    f_hisand = 1.0 - 0.7 * sn1 / (sn1 + np.exp(-5.51 + 22.9 * sn1))
    k_us = f_csand * f_clsi * f_orgc * f_hisand
    return _scalar_or_array(k_us), _scalar_or_array(K_US_TO_SI * k_us)


def k_nomograph(silt_vfs_pct, clay_pct, om_pct, structure, permeability):
    """Soil erodibility by the Wischmeier nomograph equation (Wischmeier & Smith 1978, AH537 eq. 3).

    ``100 K_US = 2.1e-4 (12 - a) M^1.14 + 3.25 (b - 2) + 2.5 (c - 3)``,
    ``M = (silt% + very-fine-sand%) (100 - clay%)``; ``K_SI = 0.1317 K_US``
    (AH703 eq. 3-1 writes the SI form with a divisor 759, i.e. 0.13175).

    Parameters
    ----------
    silt_vfs_pct : array_like
        Silt (0.002-0.05 mm) plus very fine sand (0.05-0.1 mm), percent.
    clay_pct : array_like
        Clay (< 0.002 mm), percent.
    om_pct : array_like
        Organic matter a, percent (the nomograph stops at 4 %).
    structure : array_like
        Soil structure code b: 1 very fine granular, 2 fine granular, 3 medium or coarse granular,
        4 blocky, platy or massive.
    permeability : array_like
        Profile permeability code c: 1 rapid ... 6 very slow.

    Returns
    -------
    (k_us, k_si)

    Notes
    -----
    AH537 notes the equation agrees with the nomograph where silt + very fine sand does not exceed
    70 %; :func:`nomograph_findings` reports inputs outside the nomograph's domain.

    Examples
    --------
    AH537 Fig. 3 example soil (65 % silt + vfs, 5 % sand, so 30 % clay; 2.8 % OM; structure 2;
    permeability 4): K = 0.31.

    >>> k_us, k_si = k_nomograph(65.0, 30.0, 2.8, 2, 4)
    >>> round(float(k_us), 2)
    0.31
    """
    m = np.asarray(silt_vfs_pct, dtype=float) * (100.0 - np.asarray(clay_pct, dtype=float))
    a = np.asarray(om_pct, dtype=float)
    b = np.asarray(structure, dtype=float)
    c = np.asarray(permeability, dtype=float)
    k_us = (2.1e-4 * (12.0 - a) * m**1.14 + 3.25 * (b - 2.0) + 2.5 * (c - 3.0)) / 100.0
    return _scalar_or_array(k_us), _scalar_or_array(K_US_TO_SI * k_us)


def nomograph_findings(silt_vfs_pct, om_pct) -> tuple:
    """Warnings for inputs where the nomograph equation departs from the nomograph (AH537 p. 10-11).

    Examples
    --------
    >>> [p.code for p in nomograph_findings(75.0, 2.0)]
    ['k.silt_vfs_above_70']
    """
    from minewatch.kit.findings import Problem

    out = []
    if np.any(np.asarray(silt_vfs_pct, dtype=float) > 70.0):
        out.append(Problem("warning", "k.silt_vfs_above_70", "silt + very fine sand above 70 %: the equation "
                           "is fitted where it does not exceed 70 % (AH537); read K from the nomograph",
                           column="silt_vfs_pct"))
    if np.any(np.asarray(om_pct, dtype=float) > 4.0):
        out.append(Problem("warning", "k.organic_matter_above_4", "organic matter above 4 %: the nomograph "
                           "stops at 4 %, beyond it the equation extrapolates (use 4 % as soil surveys do)",
                           column="om_pct"))
    return tuple(out)


def k_us_to_si(k_us):
    """K (US customary) -> K (SI, t ha h ha-1 MJ-1 mm-1): x 0.1317 (AH703 Appendix A)."""
    return np.asarray(k_us, dtype=float) * K_US_TO_SI if np.ndim(k_us) else float(k_us) * K_US_TO_SI


def r_us_to_si(r_us):
    """R (hundreds ft tonf in acre-1 h-1 yr-1) -> R (SI, MJ mm ha-1 h-1 yr-1): x 17.02 (AH703 Appendix A)."""
    return np.asarray(r_us, dtype=float) * R_US_TO_SI if np.ndim(r_us) else float(r_us) * R_US_TO_SI
