"""Pure rules of child labour cases: closing rule, schedule, stages, indicators, suppression.

Sources of the expected values: the closing rule and the six-month follow-up are ICI's CLMRS core
criteria and follow-up frequency (standards.md 4.2); the threshold 5 is issue 5's policy; every other
expected number is computed by hand in the test from the fixture it builds.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from minewatch.cases import model as m

D = dt.date


def fu(day, in_cl, episode=0):
    return m.FollowUpFact(day, in_cl, episode)


# ------------------------------------------------------------------------------------------ closing rule

def test_one_clean_followup_does_not_close():
    # ICI Core Criteria: at least two follow-up visits (standards.md 4.2)
    problem = m.closing_problem([fu(D(2026, 1, 1), False)], 0, None)
    assert problem is not None and "2 follow-ups" in problem and "it has 1" in problem


def test_two_clean_followups_close():
    assert m.closing_problem([fu(D(2026, 1, 1), False), fu(D(2026, 7, 1), False)], 0, None) is None


def test_latest_followup_in_child_labour_blocks_closing():
    fus = [fu(D(2026, 1, 1), False), fu(D(2026, 7, 1), False), fu(D(2027, 1, 1), True)]
    assert "2027-01-01" in m.closing_problem(fus, 0, None)


def test_followups_of_an_earlier_episode_do_not_count():
    fus = [fu(D(2026, 1, 1), False, 0), fu(D(2026, 7, 1), False, 0), fu(D(2027, 1, 1), False, 1)]
    assert "it has 1" in m.closing_problem(fus, 1, None)


@pytest.mark.parametrize("reason,text,ok", [
    ("moved_away", None, True), ("turned_18", None, True), ("deceased", None, True),
    ("other", "family left the area for school", True), ("other", "  ", False), ("bored", None, False),
])
def test_close_with_a_documented_reason(reason, text, ok):
    assert (m.closing_problem([], 0, reason, text) is None) is ok


# ------------------------------------------------------------------------------------------ schedule, stages

def test_next_followup_six_months_after_the_latest_event():
    # 182 days ~ "every six months" (ICI, standards.md 4.2)
    assert m.next_followup_due(D(2026, 1, 1), [], []) == D(2026, 7, 2)  # 1 Jan + 182 d
    assert m.next_followup_due(D(2026, 1, 1), [D(2026, 3, 1), None, D(2026, 2, 1)], []) == D(2026, 8, 2)
    assert m.next_followup_due(D(2026, 1, 1), [D(2026, 2, 1)], [D(2026, 8, 1)]) == D(2027, 1, 30)
    assert m.next_followup_due(D(2026, 1, 1), [], [], interval_days=30) == D(2026, 1, 31)


def test_stages_move_forward_one_step_and_reopen_to_assessment():
    for a, b in zip(m.STAGES, m.STAGES[1:]):
        assert m.can_move(a, b)
        assert not m.can_move(b, a) or (b, a) == ("closed", "follow_up")
    assert not m.can_move("identification", "remediation_plan")
    assert m.can_move("closed", "assessment")
    assert m.stage_after("assessment", "followup") == "follow_up"
    assert m.stage_after("follow_up", "followup") == "follow_up"


def test_periods():
    assert [m.period_of(D(2026, 12, 31), p) for p in m.PERIODS] == ["2026-12", "2026-Q4", "2026"]
    with pytest.raises(ValueError):
        m.period_of(D(2026, 1, 1), "week")


# ------------------------------------------------------------------------------------------ indicators

def test_indicator_table_by_hand():
    facts = [
        # site A, 2026-Q1: 3 children
        m.CaseFact("A", D(2026, 1, 10), D(2026, 1, 20), (fu(D(2026, 7, 1), False), fu(D(2027, 1, 1), False))),
        m.CaseFact("A", D(2026, 2, 1), D(2026, 3, 3), (fu(D(2026, 8, 1), True),), overdue=True),
        m.CaseFact("A", D(2026, 3, 1), None, (), overdue=True),
        # site B, 2026-Q2: 1 child
        m.CaseFact("B", D(2026, 4, 1), D(2026, 4, 5), (fu(D(2026, 10, 1), False), fu(D(2027, 4, 1), True))),
    ]
    t = m.indicator_table(facts, "quarter")
    a = t.cell("A", "2026-Q1").values()
    # with_action 2 of 3; days 10 and 30 -> median 20; followed up once 2, clean 1 of 2; twice 1, clean 1 of 1
    assert a["children_identified"] == 3 and a["with_action"] == 2 and a["share_with_action"] == pytest.approx(2 / 3)
    assert a["median_days_to_action"] == 20
    assert (a["followed_up_1"], a["clean_at_1"], a["share_clean_at_1"]) == (2, 1, 0.5)
    assert (a["followed_up_2"], a["clean_at_2"], a["share_clean_at_2"]) == (1, 1, 1.0)
    assert a["overdue_followups"] == 2
    total = t.cell("total", "total").values()
    # days 10, 30, 4 -> median 10; first follow-ups: clean A1, B -> 2 of 3; second: A1 clean, B not -> 1 of 2
    assert total["children_identified"] == 4 and total["median_days_to_action"] == 10
    assert (total["followed_up_1"], total["clean_at_1"]) == (3, 2)
    assert (total["followed_up_2"], total["clean_at_2"], total["share_clean_at_2"]) == (2, 1, 0.5)
    assert t.cell("B", "2026-Q1").values()["children_identified"] == 0
    assert t.cell("B", "2026-Q1").values()["share_with_action"] is None


# ------------------------------------------------------------------------------------------ suppression

def _recoverable(inner, mask) -> list[tuple[int, int]]:
    """Suppressed cells that the published cells and totals determine exactly, by linear algebra
    (independent of the bridge argument in the model): x_k is determined iff e_k lies in the row
    space of the line equations restricted to the unknowns."""
    inner = np.asarray(inner)
    r, c = inner.shape
    unknown = [(i, j) for i in range(r + 1) for j in range(c + 1) if mask[i][j]]
    if not unknown:
        return []
    idx = {cell: n for n, cell in enumerate(unknown)}
    rows = []
    for i in range(r + 1):  # row i: sum of inner cells - row total = 0 (the total row likewise)
        eq = np.zeros(len(unknown))
        for j in range(c + 1):
            if (i, j) in idx:
                eq[idx[(i, j)]] += -1.0 if j == c else 1.0
        rows.append(eq)
    for j in range(c + 1):
        eq = np.zeros(len(unknown))
        for i in range(r + 1):
            if (i, j) in idx:
                eq[idx[(i, j)]] += -1.0 if i == r else 1.0
        rows.append(eq)
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    out = []
    for cell, n in idx.items():
        e = np.zeros(len(unknown))
        e[n] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.append(cell)
    return out


def test_the_recovery_check_catches_primary_suppression_alone():
    # one small cell hidden alone: row 0 total 13 minus the published 10 gives it back (3)
    inner = [[3, 10], [20, 30]]
    primary = [[True, False, False], [False, False, False], [False, False, False]]
    assert _recoverable(inner, primary) == [(0, 0)]


def test_small_table_suppression_by_hand():
    # 3 is under 5: the cheapest cycle through it hides 10, 20 and 30 (a 2 x 2 block); margins shown
    inner = [[3, 10], [20, 30]]
    mask = m.suppress_table(inner)
    assert mask == [[True, True, False], [True, True, False], [False, False, False]]
    assert _recoverable(inner, mask) == []


def test_small_margins_are_suppressed_too():
    # row 0 total is 1 + 2 = 3 < 5: suppressed with its cells; the column totals 6 and 12 are >= 5
    inner = [[1, 2], [5, 10]]
    mask = m.suppress_table(inner)
    assert mask[0][2] and mask[0][0] and mask[0][1]
    assert _recoverable(inner, mask) == []


def test_zero_cells_are_shown_and_nothing_is_suppressed_without_small_cells():
    inner = [[0, 12], [7, 9]]
    assert not any(itertools.chain.from_iterable(m.suppress_table(inner)))


@pytest.mark.parametrize("seed", range(40))
def test_no_suppressed_cell_is_recoverable_on_random_tables(seed):
    rng = np.random.default_rng(seed)
    r, c = rng.integers(1, 5), rng.integers(1, 5)
    inner = rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 30], size=(r, c)).tolist()
    mask = m.suppress_table(inner)
    # every primary cell (0 < n < 5, margins included) is suppressed, and none can be recovered
    full = [row + [sum(row)] for row in inner] + [[sum(col) for col in zip(*inner)] + [sum(map(sum, inner))]]
    for i, j in itertools.product(range(r + 1), range(c + 1)):
        if 0 < full[i][j] < m.MIN_CELL:
            assert mask[i][j], (i, j)
    assert _recoverable(inner, mask) == []


def test_no_suppressed_cell_is_recoverable_on_a_larger_table():
    rng = np.random.default_rng(2026)
    inner = rng.integers(5, 80, size=(40, 8))
    inner.flat[rng.choice(inner.size, size=14, replace=False)] = rng.integers(1, 5, size=14)
    mask = m.suppress_table(inner.tolist())
    assert _recoverable(inner.tolist(), mask) == []
    assert sum(map(sum, mask)) < inner.size // 4  # protects without hiding most of the table


def test_suppressed_rows_hide_shares_and_medians_of_suppressed_counts():
    facts = [m.CaseFact("A", D(2026, 1, d), D(2026, 1, d + 5)) for d in range(1, 7)]  # 6 children, all acted on
    facts += [m.CaseFact("B", D(2026, 1, 3), None)] * 2 + [m.CaseFact("B", D(2026, 5, 3), None)] * 6
    facts += [m.CaseFact("A", D(2026, 5, 3), D(2026, 5, 13))] * 7
    rows = {(r["group"], r["period"]): r for r in m.suppressed_rows(m.indicator_table(facts, "quarter"))}
    b1 = rows[("B", "2026-Q1")]
    # B/Q1 has 2 children (< 5): suppressed with its share and median
    assert b1["children_identified"] is None and b1["share_with_action"] is None
    assert "children_identified" in b1["suppressed"]
    # the identified table [[6, 7], [2, 6]]: hiding 2 needs a cycle; cheapest is 6 (A/Q1), 7 (A/Q2), 6 (B/Q2)
    assert rows[("A", "2026-Q1")]["children_identified"] is None
    assert rows[("total", "total")]["children_identified"] == 21
    # with_action [[6, 7], [0, 0]]: nothing under 5 but zeros, shown
    assert rows[("A", "2026-Q1")]["with_action"] == 6
    # the share of A/Q1 needs its denominator, suppressed: hidden
    assert rows[("A", "2026-Q1")]["share_with_action"] is None
    assert rows[("total", "total")]["share_with_action"] == pytest.approx(13 / 21)


def test_the_docstring_examples_hold():
    import doctest

    result = doctest.testmod(m)
    assert result.attempted >= 10 and result.failed == 0
