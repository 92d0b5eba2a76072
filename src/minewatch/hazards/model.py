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
