"""Pure rules of site hazard: statistics of the cells inside a site, and the site's hazard level.

The level is a screening class, not a published one: no standard turns a site's probability of
failure, its share of ground with factor of safety below 1 and its exposed people into a site-level
class (SINMAP classes cells, Landlab's ``LandslideProbability`` gives cell probabilities; neither
classes sites). The thresholds below are therefore **provisional** parameters, chosen so that

* ``very_high``: people are exposed and failure is more likely than not somewhere on the site
  (``pfail_max >= 0.5``) or a tenth of the site is predicted unstable (``share_fs_below_1 >= 0.10``);
* ``high``: ``pfail_max >= 0.3`` or ``share_fs_below_1 >= 0.05`` (also the very-high conditions with
  nobody registered as exposed);
* ``moderate``: ``pfail_max >= 0.1`` or ``share_fs_below_1 >= 0.01``;
* ``low``: otherwise.

Pass another :class:`Thresholds` to change them; every level comes with the statistic that decided
it and its value (a finding as data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = ("low", "moderate", "high", "very_high")


@dataclass(frozen=True)
class Thresholds:
    """Provisional site-level thresholds (no published source: see the module docstring)."""

    very_high_pfail: float = 0.5
    very_high_share: float = 0.10
    high_pfail: float = 0.3
    high_share: float = 0.05
    moderate_pfail: float = 0.1
    moderate_share: float = 0.01
    provisional: bool = True


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class SiteStats:
    """What the rasters say inside one site. Areas in m2, probabilities and shares in [0, 1].

    ``area_m2`` is the analysed area (cells with a probability of failure, and a factor of safety
    when one is given); ``None`` statistics mean the raster was not given or had no data there.
    """

    area_m2: float
    area_fs_below_1_m2: float | None
    share_fs_below_1: float | None
    pfail_max: float | None
    pfail_mean: float | None
    upslope_area_max_m2: float | None
    cells: int

    @property
    def covered(self) -> bool:
        return self.cells > 0


def zonal_stats(inside: np.ndarray, cell_area_m2: np.ndarray, pfail: np.ndarray, fs: np.ndarray | None = None,
                upslope_area_m2: np.ndarray | None = None) -> SiteStats:
    """Statistics over the cells where ``inside`` is true and the data are not NaN (nodata).

    ``cell_area_m2`` broadcasts to the grid (per row for geographic rasters). The mean probability of
    failure is weighted by cell area: sum(p_i A_i) / sum(A_i).

    >>> s = zonal_stats(np.array([[True, True, False]]), np.full((1, 1), 100.0),
    ...                 np.array([[0.2, 0.6, 0.9]]), np.array([[1.5, 0.8, 0.5]]))
    >>> s.area_m2, s.area_fs_below_1_m2, s.share_fs_below_1, s.pfail_max, round(s.pfail_mean, 3)
    (200.0, 100.0, 0.5, 0.6, 0.4)
    """
    area = np.broadcast_to(cell_area_m2, inside.shape)
    valid = inside & np.isfinite(pfail)
    if fs is not None:
        valid &= np.isfinite(fs)
    n = int(valid.sum())
    if n == 0:
        return SiteStats(0.0, None, None, None, None, None, 0)
    a = area[valid]
    total = float(a.sum())
    p = pfail[valid]
    below = share = None
    if fs is not None:
        below = float(a[fs[valid] < 1.0].sum())
        share = below / total
    upslope = None
    if upslope_area_m2 is not None:
        up = upslope_area_m2[inside & np.isfinite(upslope_area_m2)]
        upslope = float(up.max()) if up.size else None
    return SiteStats(total, below, share, float(p.max()), float((p * a).sum() / total), upslope, n)


@dataclass(frozen=True)
class Clause:
    """One comparison that decided a level: ``statistic`` (``pfail_max`` or ``share_fs_below_1``)
    ``op`` (``>=`` or ``<``) ``threshold``, with the site's ``value``."""

    statistic: str
    value: float
    op: str
    threshold: float

    def __str__(self) -> str:
        digits = 2 if self.statistic == "pfail_max" else 3
        return f"{self.statistic} {self.value:.{digits}f} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class Reason:
    """Why a site has its level, as data (pages translate it; ``str()`` is the English line stored and
    printed): the clauses that decided it, joined by "and", and the people exposed when exposure raised
    the level to very high."""

    clauses: tuple[Clause, ...] = ()
    people_exposed: int | None = None
    covered: bool = True

    def __str__(self) -> str:
        if not self.covered:
            return "not covered by the rasters"
        text = " and ".join(str(c) for c in self.clauses)
        return f"{text} with {self.people_exposed} people exposed" if self.people_exposed is not None else text


def hazard_reason(stats: SiteStats, people_exposed: int,
                  thresholds: Thresholds = DEFAULT_THRESHOLDS) -> tuple[str | None, Reason]:
    """(level, :class:`Reason`) of a site; level None when the rasters have no data there.

    >>> level, reason = hazard_reason(SiteStats(1e4, 2e3, 0.2, 0.7, 0.3, None, 100), 3)
    >>> level, reason.clauses[0].statistic, reason.people_exposed
    ('very_high', 'pfail_max', 3)
    """
    if not stats.covered:
        return None, Reason(covered=False)
    t = thresholds
    p = stats.pfail_max if stats.pfail_max is not None else -1.0
    q = stats.share_fs_below_1 if stats.share_fs_below_1 is not None else -1.0
    if people_exposed > 0:
        if p >= t.very_high_pfail:
            return "very_high", Reason((Clause("pfail_max", p, ">=", t.very_high_pfail),), people_exposed)
        if q >= t.very_high_share:
            return "very_high", Reason((Clause("share_fs_below_1", q, ">=", t.very_high_share),), people_exposed)
    for level, pt, qt in (("high", t.high_pfail, t.high_share), ("moderate", t.moderate_pfail, t.moderate_share)):
        if p >= pt:
            return level, Reason((Clause("pfail_max", p, ">=", pt),))
        if q >= qt:
            return level, Reason((Clause("share_fs_below_1", q, ">=", qt),))
    parts = []
    if stats.pfail_max is not None:
        parts.append(Clause("pfail_max", p, "<", t.moderate_pfail))
    if stats.share_fs_below_1 is not None:
        parts.append(Clause("share_fs_below_1", q, "<", t.moderate_share))
    return "low", Reason(tuple(parts))


def hazard_level(stats: SiteStats, people_exposed: int,
                 thresholds: Thresholds = DEFAULT_THRESHOLDS) -> tuple[str | None, str]:
    """(level, reason) of a site, the reason as one English line; ``(None, "not covered ...")`` when
    the rasters have no data there.

    >>> s = SiteStats(1e4, 2e3, 0.2, 0.7, 0.3, None, 100)
    >>> hazard_level(s, 3)
    ('very_high', 'pfail_max 0.70 >= 0.5 with 3 people exposed')
    >>> hazard_level(s, 0)
    ('high', 'pfail_max 0.70 >= 0.3')
    """
    level, reason = hazard_reason(stats, people_exposed, thresholds)
    return level, str(reason)


#: Provisional breaks of the site susceptibility level (the susceptibility model's class breaks).
SUSCEPTIBILITY_BREAKS = (0.25, 0.5, 0.75)


def susceptibility_level(mean: float | None, breaks: tuple[float, float, float] = SUSCEPTIBILITY_BREAKS) -> str | None:
    """The site's susceptibility level: the class of its area-weighted mean susceptibility (provisional rule;
    a value on a break goes up). None without a value.

    >>> susceptibility_level(0.2), susceptibility_level(0.5), susceptibility_level(None)
    ('low', 'high', None)
    """
    if mean is None or not np.isfinite(mean):
        return None
    return LEVELS[int(np.searchsorted(np.asarray(breaks), mean, side="right"))]


# ------------------------------------------------------------------------------------------- erosion

#: Soil-loss classes (t ha-1 yr-1) and the site's erosion level: < 10 low ("none to slight"), 10-50
#: moderate, 50-200 high, >= 200 very high. **Provisional**: the bands of FAO/UNEP/UNESCO (1979) "A
#: provisional methodology for soil degradation assessment" as RUSLE studies commonly cite them; the
#: document itself was not read here. Pass other breaks to change them.
SOIL_LOSS_BREAKS_T_HA_YR = (10.0, 50.0, 200.0)
SOIL_LOSS_BREAKS_SOURCE = ("FAO/UNEP/UNESCO (1979) soil-degradation classes as commonly cited "
                           "(not read from the document): provisional")


@dataclass(frozen=True)
class SiteErosion:
    """RUSLE soil loss and sediment export inside one site (issue 9).

    Attributes
    ----------
    area_m2 : float
        Area of the site's cells the erosion run covers: hillslope cells (a soil loss value) and, when a
        stream raster is given, stream cells (nodata in ``usle`` as InVEST writes it).
    stream_area_m2 : float or None
        Of which stream cells: they have no soil loss (the channel, not the hillslope), are left out of
        the mean and the class shares and add 0 to the totals, as InVEST's watershed ``usle_tot`` does.
        None without a stream raster.
    soil_loss_mean_t_ha_yr : float or None
        Area-weighted mean of ``usle`` over the hillslope cells: sum(A_i a_i) / sum(a_i).
    soil_loss_max_t_ha_yr : float or None
    soil_loss_t_yr : float or None
        Total soil loss, sum(A_i a_i) / 10 000 (a_i in m2, A_i in t ha-1 yr-1).
    sed_export_t_yr : float or None
        Total sediment export, sum(E_i a_i) / 10 000 over the cells with a value; None without a
        ``sed_export`` raster (SDR off).
    shares : dict
        Share of the hillslope area in each soil-loss class ({level: share}, summing to 1).
    level : str or None
        The class of the mean soil loss (:func:`erosion_level`).
    cells : int
        Hillslope cells counted.
    """

    area_m2: float
    stream_area_m2: float | None
    soil_loss_mean_t_ha_yr: float | None
    soil_loss_max_t_ha_yr: float | None
    soil_loss_t_yr: float | None
    sed_export_t_yr: float | None
    shares: dict
    level: str | None
    cells: int

    @property
    def covered(self) -> bool:
        return self.cells > 0


NO_EROSION = SiteErosion(0.0, None, None, None, None, None, {}, None, 0)


def erosion_level(mean_t_ha_yr: float | None,
                  breaks: tuple[float, float, float] = SOIL_LOSS_BREAKS_T_HA_YR) -> str | None:
    """The soil-loss class of a value in t ha-1 yr-1 (a value on a break goes up); None without a value.

    >>> erosion_level(4.0), erosion_level(10.0), erosion_level(120.0), erosion_level(900.0), erosion_level(None)
    ('low', 'moderate', 'high', 'very_high', None)
    """
    if mean_t_ha_yr is None or not np.isfinite(mean_t_ha_yr):
        return None
    return LEVELS[int(np.searchsorted(np.asarray(breaks), mean_t_ha_yr, side="right"))]


def erosion_stats(inside: np.ndarray, cell_area_m2: np.ndarray, usle: np.ndarray, sed_export: np.ndarray | None = None,
                  stream: np.ndarray | None = None,
                  breaks: tuple[float, float, float] = SOIL_LOSS_BREAKS_T_HA_YR) -> SiteErosion:
    """Soil loss and sediment export over the cells where ``inside`` is true (NaN = nodata).

    ``usle`` and ``sed_export`` are per hectare (t ha-1 yr-1, InVEST's rasters since 3.15);
    ``cell_area_m2`` broadcasts to the grid. Totals: T = sum_i A_i a_i / 10 000 (t yr-1, a_i in m2),
    the sum InVEST's ``_generate_report`` makes per watershed. ``stream`` (1 on stream cells) lets
    stream cells be counted in the covered area although ``usle`` is nodata there.

    >>> inside = np.array([[True, True, True, False]])
    >>> s = erosion_stats(inside, np.full((1, 1), 100.0), np.array([[4.0, 60.0, np.nan, 500.0]]),
    ...                   np.array([[1.0, 6.0, np.nan, 50.0]]), np.array([[0, 0, 1, 0]]))
    >>> s.area_m2, s.stream_area_m2, s.soil_loss_mean_t_ha_yr, s.soil_loss_t_yr, s.sed_export_t_yr, s.level
    (300.0, 100.0, 32.0, 0.64, 0.07, 'moderate')
    >>> s.shares
    {'low': 0.5, 'moderate': 0.0, 'high': 0.5, 'very_high': 0.0}
    """
    area = np.broadcast_to(cell_area_m2, inside.shape)
    hill = inside & np.isfinite(usle)
    channel = None
    if stream is not None:
        channel = inside & ~hill & (np.nan_to_num(np.asarray(stream, dtype=float), nan=0.0) == 1)
    n = int(hill.sum())
    stream_area = float(area[channel].sum()) if channel is not None else None
    if n == 0:
        return SiteErosion(stream_area or 0.0, stream_area, None, None, None, None, {}, None, 0)
    a = area[hill]
    hill_area = float(a.sum())
    v = usle[hill]
    mean = float((v * a).sum() / hill_area)
    classes = np.searchsorted(np.asarray(breaks), v, side="right")
    shares = {level: float(a[classes == i].sum() / hill_area) for i, level in enumerate(LEVELS)}
    export = None
    if sed_export is not None:
        ok = inside & np.isfinite(sed_export)
        export = float((sed_export[ok] * area[ok]).sum() / 10_000.0)
    return SiteErosion(hill_area + (stream_area or 0.0), stream_area, mean, float(v.max()),
                       float((v * a).sum() / 10_000.0), export, shares, erosion_level(mean, breaks), n)
