"""Trend tests for one sampling point x parameter, and upstream vs downstream comparison (pure).

Mann-Kendall test (Mann 1945; Kendall 1975), as in Helsel, Hirsch, Ryberg, Archfield & Gilroy (2020),
*Statistical Methods in Water Resources*, USGS Techniques and Methods 4-A3, chapter 12:

* S = sum over i < j of sign(x_j - x_i), the values in time order;
* Var(S) = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18, the sum over groups of t tied values;
* Z = (S - 1)/sqrt(Var S) if S > 0, (S + 1)/sqrt(Var S) if S < 0, else 0 (continuity correction);
* p (two-sided) = 2 (1 - Phi(|Z|)), the normal approximation. For n < 10 with no ties the exact
  p-value is computed from the permutation distribution of S (Kendall's statistic: S = n(n-1)/2 - 2 I,
  I the number of inversions, counted by the Mahonian numbers), ``p_method="exact"``.

Sen slope (Sen 1968; Theil 1950): the median of (x_j - x_i)/(t_j - t_i) over all pairs, in units per year
(t in decimal years, 365.25 days).

**Censored values** (``<DL``) are handled explicitly, as Helsel (2012, *Statistics for Censored
Environmental Data Using Minitab and R*, 2nd ed., ch. 11) recommends for a test with one reporting
limit: every value, detected or not, below the *highest* detection limit among the censored results is
re-censored as ``<HDL``; all of them are tied with each other and lower than any value at or above HDL.
The test then loses power but stays valid; nothing is substituted by zero or DL/2. The Sen slope of
censored data is computed with the re-censored values set to HDL (pairs of two censored values give a
zero slope): an approximation, flagged ``slope_approximate=True`` (the Akritas-Theil-Sen line is the
exact method; not implemented). ``>`` values are treated the same way at the top (tied above the lowest
such limit).

Upstream vs downstream: medians (with ``<`` when the median falls among censored values), shares of
exceedances (from screening findings) and the Wilcoxon rank-sum (Mann-Whitney) test, normal
approximation with tie correction and the same re-censoring; scipy is not a dependency of minewatch,
so these few formulas are written here.

>>> r = mann_kendall([1, 2, 3, 4, 5], [1.0, 2.0, 3.0, 4.0, 5.0])
>>> r.s, r.p_method, round(r.p, 4)
(10, 'exact', 0.0167)
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from minewatch.errors import InvalidInput

EXACT_BELOW = 10


@dataclass(frozen=True)
class TrendResult:
    n: int
    s: int
    var_s: float
    z: float
    p: float
    p_method: str
    tau: float
    sen_slope_per_year: float | None
    slope_approximate: bool
    censored: int
    recensored_below: float | None
    trend: str  # "increasing" | "decreasing" | "no trend" (at alpha)
    alpha: float

    def as_dict(self) -> dict:
        return {"n": self.n, "s": self.s, "var_s": round(self.var_s, 4), "z": round(self.z, 4), "p": round(self.p, 5),
                "p_method": self.p_method, "tau": round(self.tau, 4),
                "sen_slope_per_year": None if self.sen_slope_per_year is None else float(f"{self.sen_slope_per_year:.6g}"),
                "slope_approximate": self.slope_approximate, "censored": self.censored,
                "recensored_below": self.recensored_below, "trend": self.trend, "alpha": self.alpha}


def normal_sf(z: float) -> float:
    """P(Z > z) of the standard normal."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _keys(values: Sequence[float], censored: Sequence[str | None]) -> tuple[list[tuple[float, int]], int, float | None]:
    """Comparison keys after Helsel's re-censoring: (level, rank-within-level)."""
    lows = [v for v, c in zip(values, censored, strict=True) if c == "<"]
    highs = [v for v, c in zip(values, censored, strict=True) if c == ">"]
    hdl = max(lows) if lows else None
    top = min(highs) if highs else None
    keys = []
    for v, c in zip(values, censored, strict=True):
        if hdl is not None and (c == "<" or v < hdl):
            keys.append((hdl, 0))  # tied below the highest detection limit
        elif top is not None and (c == ">" or v > top):
            keys.append((top, 2))  # tied above the lowest "greater than" limit
        else:
            keys.append((v, 1))
    return keys, len(lows) + len(highs), hdl


def _sign(a, b) -> int:
    return (a > b) - (a < b)


def _decimal_years(t) -> float:
    if isinstance(t, dt.datetime):
        base = dt.datetime(1970, 1, 1, tzinfo=t.tzinfo)
        return (t - base).total_seconds() / (365.25 * 86400)
    if isinstance(t, dt.date):
        return (t - dt.date(1970, 1, 1)).days / 365.25
    return float(t)


def _exact_p(n: int, s: int) -> float:
    """Two-sided P(|S| >= |s|) under H0 with no ties (Mahonian numbers of inversions)."""
    counts = [1]
    for k in range(2, n + 1):
        new = [0] * (len(counts) + k - 1)
        for i, c in enumerate(counts):
            for j in range(k):
                new[i + j] += c
        counts = new
    total = math.factorial(n)
    pairs = n * (n - 1) // 2
    hits = sum(c for inv, c in enumerate(counts) if abs(pairs - 2 * inv) >= abs(s))
    return min(1.0, hits / total)


def mann_kendall(times: Sequence, values: Sequence[float | Decimal], censored: Sequence[str | None] | None = None,
                 *, alpha: float = 0.05) -> TrendResult:
    """Mann-Kendall S, Var(S) with ties, Z, p and the Sen slope (see the module docstring)."""
    n = len(values)
    if n != len(times):
        raise InvalidInput("times and values differ in length")
    if n < 3:
        raise InvalidInput(f"a trend test needs at least 3 results, not {n}")
    cens = list(censored) if censored is not None else [None] * n
    order = sorted(range(n), key=lambda i: _decimal_years(times[i]))
    t = [_decimal_years(times[i]) for i in order]
    x = [float(values[i]) for i in order]
    c = [cens[i] for i in order]
    keys, n_cens, hdl = _keys(x, c)
    s = sum(_sign(keys[j], keys[i]) for i in range(n - 1) for j in range(i + 1, n))
    ties = [k for k in Counter(keys).values() if k > 1]
    var = (n * (n - 1) * (2 * n + 5) - sum(k * (k - 1) * (2 * k + 5) for k in ties)) / 18.0
    if var <= 0:
        z, p, method = 0.0, 1.0, "normal"
    else:
        z = (s - 1) / math.sqrt(var) if s > 0 else (s + 1) / math.sqrt(var) if s < 0 else 0.0
        if n < EXACT_BELOW and not ties:
            p, method = _exact_p(n, s), "exact"
        else:
            p, method = 2.0 * normal_sf(abs(z)), "normal"
    tau = s / (n * (n - 1) / 2)
    slope_vals = [k[0] for k in keys]
    slopes = [(slope_vals[j] - slope_vals[i]) / (t[j] - t[i])
              for i in range(n - 1) for j in range(i + 1, n) if t[j] != t[i]]
    slope = statistics.median(slopes) if slopes else None
    trend = "no trend" if p >= alpha else ("increasing" if s > 0 else "decreasing")
    return TrendResult(n, s, var, z, p, method, tau, slope, n_cens > 0, n_cens, hdl, trend, alpha)


@dataclass(frozen=True)
class GroupComparison:
    parameter: str
    n_up: int
    n_down: int
    median_up: str | None
    median_down: str | None
    exceed_share_up: float | None
    exceed_share_down: float | None
    rank_sum_z: float | None
    p: float | None

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def censored_median(values: Sequence[float], censored: Sequence[str | None]) -> str | None:
    """The median as text; ``<DL`` when it falls among values re-censored below the highest DL."""
    if not values:
        return None
    keys, _, hdl = _keys([float(v) for v in values], list(censored))
    ks = sorted(keys)
    n = len(ks)
    mid = [ks[(n - 1) // 2], ks[n // 2]]
    if any(k[1] == 0 for k in mid):
        return f"<{hdl:g}"
    return f"{(mid[0][0] + mid[1][0]) / 2:g}"


def rank_sum(a: Sequence[tuple[float, int]], b: Sequence[tuple[float, int]]) -> tuple[float, float] | None:
    """Wilcoxon rank-sum (Mann-Whitney) Z (b vs a) and two-sided p, normal approximation with ties."""
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        return None
    allk = sorted([(k, 0) for k in a] + [(k, 1) for k in b])
    ranks: dict = {}
    i = 0
    while i < len(allk):
        j = i
        while j + 1 < len(allk) and allk[j + 1][0] == allk[i][0]:
            j += 1
        ranks[allk[i][0]] = (i + j + 2) / 2.0
        i = j + 1
    w = sum(ranks[k] for k in b)
    n = n1 + n2
    mean = n2 * (n + 1) / 2.0
    ties = [t for t in Counter(k for k, _ in allk).values() if t > 1]
    var = n1 * n2 / 12.0 * ((n + 1) - sum(t ** 3 - t for t in ties) / (n * (n - 1)))
    if var <= 0:
        return 0.0, 1.0
    d = w - mean
    z = (d - math.copysign(0.5, d)) / math.sqrt(var) if d else 0.0
    return z, 2.0 * normal_sf(abs(z))


def compare_up_down(parameter: str, up: Sequence, down: Sequence, *, exceed_up: Sequence[bool] | None = None,
                    exceed_down: Sequence[bool] | None = None) -> GroupComparison:
    """Upstream vs downstream results of one parameter (Measurements already in one unit)."""
    vals = [float(m.value) for m in (*up, *down)]
    cens = [m.censored for m in (*up, *down)]
    keys, _, _ = _keys(vals, cens)
    ku, kd = keys[: len(up)], keys[len(up):]
    rs = rank_sum(ku, kd)

    def share(flags):
        return None if not flags else sum(flags) / len(flags)

    return GroupComparison(parameter, len(up), len(down),
                           censored_median([float(m.value) for m in up], [m.censored for m in up]),
                           censored_median([float(m.value) for m in down], [m.censored for m in down]),
                           share(exceed_up), share(exceed_down), None if rs is None else rs[0],
                           None if rs is None else rs[1])


def compare_site(measurements: Sequence, position_of: dict[str, str], guideline_set=None) -> list[GroupComparison]:
    """Upstream vs downstream per parameter and fraction of one site's results.

    ``position_of`` maps a point code to its position (``upstream``/``downstream``/...); other positions
    are left out. Values are put in one unit per parameter (the guideline's, else the most common one) and
    exceedances come from :func:`minewatch.water.screening.screen` when a guideline set is given.
    """
    from minewatch.water.screening import screen
    from minewatch.water.units import convert

    groups: dict[tuple[str, str], list] = {}
    for m in measurements:
        if position_of.get(m.point_code) in ("upstream", "downstream"):
            groups.setdefault((m.parameter, m.fraction), []).append(m)
    out = []
    for (parameter, fraction), ms in sorted(groups.items()):
        g = guideline_set.find(parameter, ms[0].medium, fraction) if guideline_set is not None else None
        unit = g.unit if g is not None else Counter(m.unit for m in ms).most_common(1)[0][0]
        conv = []
        for m in ms:
            try:
                conv.append((m, float(convert(m.value, m.unit, unit, medium=m.medium))))
            except InvalidInput:
                continue  # reported by screening as a unit mismatch; not compared
        if not conv:
            continue
        flags = {}
        if guideline_set is not None:
            flags = {id(f.measurement): f.status == "exceeds" for f in screen([m for m, _ in conv], guideline_set)
                     if f.status != "not_assessable"}

        def pick(pos):
            return [(m, v) for m, v in conv if position_of[m.point_code] == pos]

        up, down = pick("upstream"), pick("downstream")
        up_m = [_Val(v, m.censored) for m, v in up]
        down_m = [_Val(v, m.censored) for m, v in down]
        c = compare_up_down(f"{parameter} ({fraction}, {unit})", up_m, down_m,
                            exceed_up=[flags[id(m)] for m, _ in up if id(m) in flags] if guideline_set else None,
                            exceed_down=[flags[id(m)] for m, _ in down if id(m) in flags] if guideline_set else None)
        out.append(c)
    return out


@dataclass(frozen=True)
class _Val:
    value: float
    censored: str | None
