"""Pure rules of child labour cases (CLMRS): stages, the closing rule, the follow-up schedule, the
controlled lists, programme indicators and small-cell suppression.

Sources (``/work/shared/reference/standards.md`` section 4.2):

* ICI CLMRS core functions: identify, remediate and document, **follow up regularly until the
  child has stopped**; ICI "Core Criteria": a CLMRS must be able to report **at least two follow-up
  visits** (http://www.cocoainitiative.org/news/improving-impact-new-clmrs-core-criteria-and-manual).
* ICI: facilitators aim to follow up **every six months**
  (https://www.cocoainitiative.org/our-work/operational-support/child-labour-monitoring-and-remediation-systems);
  here 182 days, a parameter (:data:`FOLLOWUP_INTERVAL_DAYS`).
* Issue 5 (child-safe data): aggregates below **5 children** are suppressed in anything shared outside the
  organisation, with complementary suppression. The threshold 5 is the issue's policy value, not a
  legal one; it is a parameter (:data:`MIN_CELL`).

The closing rule (:func:`closing_problem`): a case closes when, in its current episode (since its last
reopening), at least two follow-ups found the child not in child labour **and the latest one did too**
(a child back at the mine on the last visit is not a closed case), or with a documented reason from
:data:`CLOSE_REASONS` (``other`` needs a text).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

STAGES = ("identification", "assessment", "remediation_plan", "follow_up", "closed")
OPEN_STAGES = STAGES[:-1]
# Forward one step at a time; adding an action or a follow-up moves the case forward by itself
# (see :func:`stage_after`). ``closed`` is reached only through the closing rule, left only by reopening.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "identification": ("assessment",),
    "assessment": ("remediation_plan",),
    "remediation_plan": ("follow_up",),
    "follow_up": ("closed",),
    "closed": ("assessment",),  # reopen (with a reason)
}
REOPEN_STAGE = "assessment"

# The controlled list of remediation actions (issue 5; ICI remediation types, standards.md 4.2).
REMEDIATION_ACTIONS = (
    "school_enrolment", "school_kit", "birth_registration", "bridging_class", "vocational_training",
    "household_income_support", "referral_social_services", "referral_police",
)
CLOSE_REASONS = ("moved_away", "turned_18", "deceased", "other")
# Where a case comes from: a labour finding (assignment or visit), or a grievance (the voice issue).
SOURCE_TYPES = ("assignment", "visit", "grievance", "other")
CLASSIFICATIONS = ("child_labour", "hazardous_child_labour")

FOLLOWUP_INTERVAL_DAYS = 182  # ICI: "every six months" (standards.md 4.2)
CLEAN_FOLLOWUPS_TO_CLOSE = 2  # ICI Core Criteria: at least two follow-up visits (standards.md 4.2)
MIN_CELL = 5  # issue 5: aggregates below 5 children are suppressed outside the organisation
GROUPINGS = ("site", "cooperative", "district")
PERIODS = ("month", "quarter", "year")


@dataclass(frozen=True)
class FollowUpFact:
    on: dt.date
    in_child_labour: bool
    episode: int = 0


def can_move(from_stage: str, to_stage: str) -> bool:
    """Whether a case may move directly from one stage to another.

    >>> can_move("identification", "assessment"), can_move("identification", "closed")
    (True, False)
    """
    return to_stage in TRANSITIONS.get(from_stage, ())


def stage_after(current: str, event: str) -> str:
    """The stage after recording an action (``"action"``) or a follow-up (``"followup"``): the case
    moves forward to remediation_plan / follow_up if it is not there yet, never backwards.

    >>> stage_after("identification", "action"), stage_after("follow_up", "action")
    ('remediation_plan', 'follow_up')
    """
    target = {"action": "remediation_plan", "followup": "follow_up"}[event]
    return target if STAGES.index(current) < STAGES.index(target) else current


def closing_problem(followups: Iterable[FollowUpFact], episode: int, reason: str | None,
                    reason_text: str | None = None, *, needed: int = CLEAN_FOLLOWUPS_TO_CLOSE) -> str | None:
    """Why a case may not close, or None when it may (rule in the module docstring).

    >>> one = [FollowUpFact(dt.date(2026, 1, 5), False)]
    >>> closing_problem(one, 0, None)
    'a case closes after 2 follow-ups with the child not in child labour (ICI CLMRS core criteria); it has 1'
    >>> closing_problem(one + [FollowUpFact(dt.date(2026, 7, 5), False)], 0, None) is None
    True
    >>> closing_problem(one, 0, "moved_away") is None
    True
    """
    if reason is not None:
        if reason not in CLOSE_REASONS:
            return f"close reason {reason!r} is not one of: {', '.join(CLOSE_REASONS)}"
        if reason == "other" and not (reason_text or "").strip():
            return "close reason 'other' needs a text saying why"
        return None
    mine = sorted((f for f in followups if f.episode == episode), key=lambda f: f.on)
    clean = sum(1 for f in mine if not f.in_child_labour)
    if clean < needed:
        return (f"a case closes after {needed} follow-ups with the child not in child labour "
                f"(ICI CLMRS core criteria); it has {clean}")
    if mine[-1].in_child_labour:
        return f"the latest follow-up ({mine[-1].on.isoformat()}) found the child in child labour"
    return None


def next_followup_due(identified_on: dt.date, action_dates: Iterable[dt.date | None],
                      followup_dates: Iterable[dt.date], *,
                      interval_days: int = FOLLOWUP_INTERVAL_DAYS) -> dt.date:
    """The next follow-up date: ``interval_days`` after the latest follow-up, else after the first
    remediation action (planned or done), else after identification.

    >>> next_followup_due(dt.date(2026, 1, 1), [dt.date(2026, 2, 1)], [])
    datetime.date(2026, 8, 2)
    >>> next_followup_due(dt.date(2026, 1, 1), [], [dt.date(2026, 3, 1), dt.date(2026, 9, 1)], interval_days=90)
    datetime.date(2026, 11, 30)
    """
    followup_dates = list(followup_dates)
    actions = [d for d in action_dates if d is not None]
    base = max(followup_dates) if followup_dates else min(actions) if actions else identified_on
    return base + dt.timedelta(days=interval_days)


def period_of(day: dt.date, period: str) -> str:
    """``2026-03``, ``2026-Q1`` or ``2026``.

    >>> period_of(dt.date(2026, 8, 9), "month"), period_of(dt.date(2026, 8, 9), "quarter")
    ('2026-08', '2026-Q3')
    """
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if period == "year":
        return f"{day.year:04d}"
    raise ValueError(f"period {period!r} is not one of: {', '.join(PERIODS)}")


# --------------------------------------------------------------------------------------------- indicators

@dataclass(frozen=True)
class CaseFact:
    """What the indicators need of one case (no identity): its group and dates."""

    group: str
    identified_on: dt.date
    first_action_done_on: dt.date | None
    followups: tuple[FollowUpFact, ...] = ()  # of the first episode, in date order
    overdue: bool = False


COUNT_MEASURES = ("children_identified", "with_action", "followed_up_1", "clean_at_1", "followed_up_2",
                  "clean_at_2", "overdue_followups")
SHARES = {"share_with_action": ("with_action", "children_identified"),
          "share_clean_at_1": ("clean_at_1", "followed_up_1"),
          "share_clean_at_2": ("clean_at_2", "followed_up_2")}


@dataclass
class Cell:
    """Indicators of one (group, period) cell; counts are numbers of children (cases)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_MEASURES, 0))
    days_to_action: list[int] = field(default_factory=list)

    def add(self, f: CaseFact) -> None:
        c = self.counts
        c["children_identified"] += 1
        if f.first_action_done_on is not None:
            c["with_action"] += 1
            self.days_to_action.append((f.first_action_done_on - f.identified_on).days)
        fus = sorted(f.followups, key=lambda u: u.on)
        for n in (1, 2):
            if len(fus) >= n:
                c[f"followed_up_{n}"] += 1
                c[f"clean_at_{n}"] += 0 if fus[n - 1].in_child_labour else 1
        c["overdue_followups"] += 1 if f.overdue else 0

    def merge(self, other: "Cell") -> None:
        for k, v in other.counts.items():
            self.counts[k] += v
        self.days_to_action.extend(other.days_to_action)

    def values(self) -> dict:
        """Counts, shares (None without a denominator) and the median days to the first action."""
        out: dict = dict(self.counts)
        for name, (num, den) in SHARES.items():
            out[name] = self.counts[num] / self.counts[den] if self.counts[den] else None
        out["median_days_to_action"] = statistics.median(self.days_to_action) if self.days_to_action else None
        return out


TOTAL = "total"


@dataclass
class IndicatorTable:
    """Indicators by group (rows) and period (columns), with row, column and grand totals (key ``total``)."""

    groups: list[str]
    periods: list[str]
    cells: dict[tuple[str, str], Cell]

    def cell(self, group: str, period: str) -> Cell:
        return self.cells.get((group, period)) or Cell()


def indicator_table(facts: Iterable[CaseFact], period: str) -> IndicatorTable:
    """Aggregate cases into (group, period-of-identification) cells plus margins.

    >>> f = [CaseFact("A", dt.date(2026, 1, 3), dt.date(2026, 1, 13)), CaseFact("A", dt.date(2026, 5, 1), None)]
    >>> t = indicator_table(f, "quarter")
    >>> t.cell("A", "total").values()["share_with_action"], t.cell("A", "2026-Q1").values()["median_days_to_action"]
    (0.5, 10)
    """
    cells: dict[tuple[str, str], Cell] = {}
    groups, periods = set(), set()
    for f in facts:
        g, p = f.group, period_of(f.identified_on, period)
        groups.add(g)
        periods.add(p)
        for key in ((g, p), (g, TOTAL), (TOTAL, p), (TOTAL, TOTAL)):
            cells.setdefault(key, Cell()).add(f)
    return IndicatorTable(sorted(groups), sorted(periods), cells)


# --------------------------------------------------------------------------------------------- suppression

def suppress_table(inner: Sequence[Sequence[int]], *, k: int = MIN_CELL) -> list[list[bool]]:
    """Which cells of a two-way count table, **with its margins**, to suppress.

    ``inner`` is r x c counts. Returns an (r+1) x (c+1) mask: row ``r`` holds the column totals,
    column ``c`` the row totals, ``[r][c]`` the grand total (all of them published with the table).

    1. **Primary suppression**: every cell (margins included) with ``0 < n < k``. Zeros are shown:
       a zero says no child is counted there, which names nobody.
    2. **Complementary suppression**. Flip the sign of the margins (row totals, column totals, but
       not the grand total) and every row and every column of the augmented table sums to zero.
       The suppressed cells are then the edges of a bipartite graph between the table's rows and
       columns, and the published cells and the line equations determine a suppressed cell exactly
       **if and only if its edge is a bridge** (lies on no cycle): the solutions of the equations
       differ by the graph's cycle vectors (+t, -t alternating around an even cycle), which touch
       exactly the non-bridge edges. So while some suppressed cell is a bridge, suppress the
       published cells of the cheapest path that closes a cycle through it (small positive counts
       are cheap, margins a little dearer, zeros last: :func:`_cheapest_cycle`). Every step
       suppresses at least one more cell, and the fully suppressed table (at least 2 x 2 with
       margins) has no bridge, so it ends.

    The result: no suppressed cell can be recovered exactly from the published cells and totals
    (tests check this with the rank of the linear system, independently of the graph argument).
    Bounds remain (a suppressed cell lies between 0 and its line's total), as with every cell
    suppression method (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012).

    >>> suppress_table([[3, 10], [20, 30]])
    [[True, True, False], [True, True, False], [False, False, False]]
    """
    r = len(inner)
    c = len(inner[0]) if r else 0
    if r == 0 or c == 0:
        return [[False] * (c + 1) for _ in range(r + 1)]
    full = [list(row) + [sum(row)] for row in inner]
    full.append([sum(inner[i][j] for i in range(r)) for j in range(c)] + [sum(map(sum, inner))])
    R, C = r + 1, c + 1
    mask = [[0 < full[i][j] < k for j in range(C)] for i in range(R)]

    def bridge():
        for i in range(R):
            for j in range(C):
                if mask[i][j] and not _connected(mask, R, C, i, j, skip=(i, j)):
                    return i, j
        return None

    while (b := bridge()) is not None:
        for a, d in _cheapest_cycle(full, mask, R, C, *b, margin_row=r, margin_col=c):
            mask[a][d] = True
    return mask


def _cheapest_cycle(full, mask, R: int, C: int, i: int, j: int, *, margin_row: int, margin_col: int):
    """The published cells to suppress so that suppressed cell (i, j) lies on a cycle: the cheapest path
    from row i to column j not using (i, j) (Dijkstra over the complete bipartite graph; a suppressed
    cell costs 0, a published one its count, plus 0.5 for a margin, plus 10**9 for a zero)."""
    import heapq

    def cost(a, d):
        if mask[a][d]:
            return 0.0
        v = full[a][d]
        return (1e9 if v == 0 else 0.0) + v + (0.5 if a == margin_row or d == margin_col else 0.0) + 1e-3

    start, goal = ("r", i), ("c", j)
    best = {start: 0.0}
    back: dict = {}
    heap = [(0.0, start)]
    while heap:
        dist, node = heapq.heappop(heap)
        if node == goal:
            break
        if dist > best.get(node, float("inf")):
            continue
        kind, n = node
        if kind == "r":
            steps = [(("c", d), (n, d)) for d in range(C)]
        else:
            steps = [(("r", a), (a, n)) for a in range(R)]
        for nxt, cell in steps:
            if cell == (i, j):
                continue
            nd = dist + cost(*cell)
            if nd < best.get(nxt, float("inf")):
                best[nxt] = nd
                back[nxt] = (node, cell)
                heapq.heappush(heap, (nd, nxt))
    cells, node = [], goal
    while node != start:
        node, cell = back[node]
        if not mask[cell[0]][cell[1]]:
            cells.append(cell)
    return cells


def _connected(mask, R: int, C: int, row: int, col: int, *, skip: tuple[int, int]) -> bool:
    """Whether row node ``row`` reaches column node ``col`` through suppressed cells other than ``skip``."""
    seen_rows, seen_cols = {row}, set()
    stack = [("r", row)]
    while stack:
        kind, n = stack.pop()
        if kind == "r":
            for d in range(C):
                if mask[n][d] and (n, d) != skip and d not in seen_cols:
                    if d == col:
                        return True
                    seen_cols.add(d)
                    stack.append(("c", d))
        else:
            for a in range(R):
                if mask[a][n] and (a, n) != skip and a not in seen_rows:
                    seen_rows.add(a)
                    stack.append(("r", a))
    return False


def suppressed_rows(table: IndicatorTable, *, k: int = MIN_CELL) -> list[dict]:
    """The table as rows ``{group, period, <indicators>}`` (totals included) with every count below ``k``
    suppressed (None) with complementary suppression, measure by measure; a share is shown only if its
    numerator and denominator are, the median days only if ``with_action`` is (it is computed from
    those children)."""
    groups, periods = table.groups, table.periods
    masks = {}
    for m in COUNT_MEASURES:
        inner = [[table.cell(g, p).counts[m] for p in periods] for g in groups]
        masks[m] = suppress_table(inner, k=k)
    rows = []
    keys_g = groups + [TOTAL]
    keys_p = periods + [TOTAL]
    for i, g in enumerate(keys_g):
        for j, p in enumerate(keys_p):
            values = table.cell(g, p).values()
            hidden = {m for m in COUNT_MEASURES if masks[m][i][j]}
            for m in hidden:
                values[m] = None
            for name, (num, den) in SHARES.items():
                if num in hidden or den in hidden:
                    values[name] = None
            if "with_action" in hidden:
                values["median_days_to_action"] = None
            rows.append({"group": g, "period": p, **values, "suppressed": sorted(hidden)})
    return rows


def plain_rows(table: IndicatorTable) -> list[dict]:
    """The table as rows without suppression (inside the organisation)."""
    return [{"group": g, "period": p, **table.cell(g, p).values(), "suppressed": []}
            for g in table.groups + [TOTAL] for p in table.periods + [TOTAL]]
