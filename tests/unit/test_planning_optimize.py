"""Properties of the planting planner (issue 10, Acceptance): budgets, exclusions, slope limits, patch
size, monotonicity in budget, brute-force optimality on small instances, honesty of the heuristic gap.

No published figure applies: the expected optima are derived in the test by enumerating every plan.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import ndimage

from minewatch.errors import InvalidInput
from minewatch.planning.optimize import (NOTHING, PlanningProblem, _fill, _formulate, _greedy_inner,
                                         _item_sums, _lagrangian_bound, _patch_items, _patch_lagrangian,
                                         _placements, _prepare, _region, _repair, _run_mip, _submodel,
                                         check_plan, evaluate, patch_templates, solve)

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------------------- generators

def make_problem(seed: int, n: int, m: int, *, grid_w: int | None = None, min_patch: int = 1,
                 units=("usd", "seedlings"), option_budget=False, interactions=0, tight=0.3,
                 integer=True) -> PlanningProblem:
    rng = np.random.default_rng(seed)
    draw = (lambda lo, hi, size: rng.integers(lo, hi, size).astype(float)) if integer else \
        (lambda lo, hi, size: rng.uniform(lo, hi, size))
    benefit = draw(0, 20, (n, m))
    cost = {u: draw(1, 10, (n, m)) for u in units}
    budget = {u: float(np.floor(tight * cost[u].sum() / m)) for u in units}
    slope = draw(0, 40, n)
    limit = rng.choice([15.0, 25.0, 35.0, np.inf], m)
    excluded = rng.random(n) < 0.15
    ob = {(0, units[0]): float(np.floor(0.5 * budget[units[0]]))} if option_budget else {}
    inter = None
    if interactions:
        inter = np.column_stack([rng.integers(0, n, interactions), rng.integers(0, m, interactions),
                                 rng.integers(0, n, interactions), rng.integers(0, m, interactions),
                                 draw(-8, 8, interactions)])
    rows = cols = None
    if grid_w:
        rows, cols = np.divmod(np.arange(n), grid_w)
    return PlanningProblem(benefit=benefit, cost=cost, budget=budget, option_budget=ob, excluded=excluded,
                           slope=slope, slope_limit=limit, rows=rows, cols=cols, min_patch=min_patch,
                           interactions=inter)


def brute_force(p: PlanningProblem) -> float:
    """Best objective over every assignment, checking every constraint independently of the solver."""
    n, m = p.shape
    A = np.array(list(itertools.product(range(-1, m), repeat=n)), dtype=np.int64)
    on = A >= 0
    Ac = np.where(on, A, 0)
    idx = np.arange(n)
    ok = np.ones(len(A), dtype=bool)
    allowed = ~np.asarray(p.excluded)[:, None] & (np.asarray(p.slope)[:, None] <= p.slope_limit[None, :])
    ok &= np.all(~on | allowed[idx, Ac], axis=1)
    for u, cap in p.budget.items():
        ok &= (np.where(on, p.cost[u][idx, Ac], 0).sum(axis=1) <= cap)
    for (j, u), cap in p.option_budget.items():
        ok &= (np.where(A == j, p.cost[u][idx, Ac], 0).sum(axis=1) <= cap)
    if p.min_patch > 1:
        covered = np.zeros_like(on)
        for cells in _placements(p.rows, p.cols, p.min_patch):
            for c in cells:
                opt = A[:, c[0]]
                full = (opt >= 0) & np.all(A[:, c] == opt[:, None], axis=1)
                covered[:, c] |= full[:, None]
        ok &= np.all(~on | covered, axis=1)
    val = np.where(on, p.benefit[idx, Ac], 0).sum(axis=1)
    if p.interactions is not None:
        for i, j, k, l, w in p.interactions:
            val = val + w * ((A[:, int(i)] == j) & (A[:, int(k)] == l))
    return float(val[ok].max())


def independent_violations(p: PlanningProblem, choice: np.ndarray) -> list[str]:
    """Budget, exclusion and slope checks written without the module's helpers."""
    out = []
    for i, j in enumerate(choice):
        if j == NOTHING:
            continue
        if p.excluded is not None and p.excluded[i]:
            out.append(f"cell {i} excluded")
        if p.slope is not None and p.slope[i] > p.slope_limit[j]:
            out.append(f"cell {i} slope {p.slope[i]} > {p.slope_limit[j]}")
    for u, cap in p.budget.items():
        used = sum(p.cost[u][i, j] for i, j in enumerate(choice) if j != NOTHING)
        if used > cap + 1e-9 * max(1.0, cap):
            out.append(f"{u}: {used} > {cap}")
    for (jj, u), cap in p.option_budget.items():
        used = sum(p.cost[u][i, j] for i, j in enumerate(choice) if j == jj)
        if used > cap + 1e-9 * max(1.0, cap):
            out.append(f"option {jj} {u}: {used} > {cap}")
    return out


def smallest_patch(p: PlanningProblem, choice: np.ndarray) -> int:
    """Smallest 4-connected same-option patch, labelled with scipy.ndimage (independent of templates)."""
    grid = np.full((p.rows.max() + 1, p.cols.max() + 1), NOTHING)
    grid[p.rows, p.cols] = choice
    sizes = []
    for j in np.unique(choice[choice >= 0]):
        lab, k = ndimage.label(grid == j)
        sizes += list(np.bincount(lab.ravel())[1:])
    return min(sizes) if sizes else np.iinfo(np.int64).max


# ----------------------------------------------------------------------------------------- tests

@FAST
@given(seed=st.integers(0, 10**6), n=st.integers(1, 7), m=st.integers(1, 3),
       option_budget=st.booleans(), inter=st.sampled_from([0, 0, 3]))
def test_milp_equals_brute_force_optimum(seed, n, m, option_budget, inter):
    p = make_problem(seed, n, m, option_budget=option_budget, interactions=inter)
    plan = solve(p, method="milp", mip_rel_gap=0.0)
    best = brute_force(p)
    assert plan.objective == pytest.approx(best, abs=1e-6)
    assert evaluate(p, plan.choice) == pytest.approx(plan.objective)
    assert independent_violations(p, plan.choice) == []


@FAST
@given(seed=st.integers(0, 10**6), k=st.sampled_from([2, 3, 4]), shape=st.sampled_from([(2, 4), (3, 3), (2, 5)]))
def test_milp_with_patches_equals_brute_force_and_patches_hold(seed, k, shape):
    h, w = shape
    p = make_problem(seed, h * w, 2, grid_w=w, min_patch=k, units=("usd",), tight=0.6)
    plan = solve(p, method="milp", mip_rel_gap=0.0)
    assert plan.objective == pytest.approx(brute_force(p), abs=1e-6)
    assert independent_violations(p, plan.choice) == []
    assert smallest_patch(p, plan.choice) >= k


@FAST
@given(seed=st.integers(0, 10**6), method=st.sampled_from(["milp", "heuristic", "auto"]), k=st.sampled_from([1, 2, 4]),
       integer=st.booleans())
def test_plans_respect_budgets_exclusions_slopes_and_patches(seed, method, k, integer):
    p = make_problem(seed, 48, 3, grid_w=8, min_patch=k, option_budget=True, tight=0.25, integer=integer)
    plan = solve(p, method=method, time_limit_s=10)
    assert independent_violations(p, plan.choice) == []
    assert check_plan(p, plan.choice) == []
    if k > 1:
        assert smallest_patch(p, plan.choice) >= k
    assert plan.bound >= plan.objective
    assert sum(plan.spent[u] <= p.budget[u] + 1e-9 * p.budget[u] for u in p.budget) == len(p.budget)


@FAST
@given(seed=st.integers(0, 10**6), k=st.sampled_from([1, 2]), extra=st.floats(0.0, 2.0))
def test_more_budget_never_lowers_the_exact_benefit(seed, k, extra):
    p = make_problem(seed, 24, 3, grid_w=6, min_patch=k, units=("usd", "days"), tight=0.2)
    more = PlanningProblem(**{**p.__dict__, "budget": {u: b * (1 + extra) for u, b in p.budget.items()}})
    a = solve(p, method="milp", mip_rel_gap=0.0)
    b = solve(more, method="milp", mip_rel_gap=0.0)
    assert a.status == b.status == "optimal"
    assert b.objective >= a.objective - 1e-9


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), k=st.sampled_from([1, 2, 3]), integer=st.booleans(), bound=st.sampled_from(["lp", "lp_no_patch", "lagrangian"]))
def test_heuristic_reported_gap_is_at_least_its_true_gap(seed, k, integer, bound):
    p = make_problem(seed, 120, 3, grid_w=12, min_patch=k, tight=0.2, integer=integer)
    exact = solve(p, method="milp", mip_rel_gap=0.0, time_limit_s=20)
    assert exact.status == "optimal"
    heur = solve(p, method="heuristic", bound=bound)
    assert check_plan(p, heur.choice) == []
    assert heur.bound >= exact.objective - 1e-9 * max(1.0, exact.objective)
    true_gap = (exact.objective - heur.objective) / exact.objective if exact.objective > 0 else 0.0
    assert heur.gap >= true_gap - 1e-12
    assert heur.bound_kind == bound


def test_heuristic_is_close_without_patches():
    # LP rounding: a 3-budget multiple-choice knapsack has at most 3 fractional cells in the LP optimum.
    p = make_problem(7, 2000, 4, units=("usd", "seedlings", "days"), tight=0.2, integer=False)
    for bound in ("lp", "lagrangian"):
        heur = solve(p, method="heuristic", bound=bound)
        assert heur.gap < 0.01, bound


def test_empty_inputs_give_an_empty_plan_with_a_reason():
    none = PlanningProblem(benefit=np.zeros((0, 3)))
    plan = solve(none)
    assert plan.status == "empty" and plan.reason and plan.choice.shape == (0,)
    all_out = PlanningProblem(benefit=np.ones((3, 2)), excluded=np.ones(3, dtype=bool))
    plan = solve(all_out)
    assert plan.status == "empty" and "excluded" in plan.reason and np.all(plan.choice == NOTHING)
    broke = PlanningProblem(benefit=np.ones((3, 2)), cost={"usd": np.ones((3, 2))}, budget={"usd": 0.5})
    plan = solve(broke, method="milp")
    assert np.all(plan.choice == NOTHING) and plan.objective == 0 and "budget" in plan.reason


@pytest.mark.parametrize("kwargs, fragment", [
    ({"benefit": -np.ones((2, 2))}, "benefit"),
    ({"benefit": np.ones((2, 2)), "budget": {"usd": 5.0}}, "no cost"),
    ({"benefit": np.ones((2, 2)), "cost": {"usd": np.ones((3, 2))}}, "shape"),
    ({"benefit": np.ones((2, 2)), "cost": {"usd": np.ones((2, 2))}, "budget": {"usd": -1.0}}, ">= 0"),
    ({"benefit": np.ones((2, 2)), "min_patch": 2}, "rows and cols"),
    ({"benefit": np.ones((2, 2)), "slope": np.zeros(2)}, "slope"),
    ({"benefit": np.ones((2, 2)), "option_budget": {("oak", "usd"): 1.0}, "cost": {"usd": np.ones((2, 2))}},
     "unknown option"),
    ({"benefit": np.ones((2, 2)), "rows": np.zeros(2), "cols": np.zeros(2)}, "share"),
])
def test_invalid_inputs_raise_clear_errors(kwargs, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        solve(PlanningProblem(**kwargs))


def test_patch_templates_are_minimal_rectangles():
    assert patch_templates(2) == [(1, 2), (2, 1)]
    assert patch_templates(3) == [(1, 3), (2, 2), (3, 1)]
    assert patch_templates(5) == [(1, 5), (2, 3), (3, 2), (5, 1)]


def test_option_names_address_option_budgets():
    p = PlanningProblem(benefit=np.array([[5.0, 1.0], [5.0, 1.0]]), cost={"seedlings": np.ones((2, 2))},
                        budget={"seedlings": 2.0}, option_budget={("vetiver", "seedlings"): 1.0},
                        option_names=("vetiver", "acacia"))
    plan = solve(p, method="milp", mip_rel_gap=0.0)
    assert sorted(plan.choice.tolist()) == [0, 1] and plan.objective == 6.0


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10**6), k=st.sampled_from([2, 3, 4]), integer=st.booleans(),
       engine=st.sampled_from(["highspy", "scipy"]))
def test_decomposed_reported_gap_is_at_least_its_true_gap(seed, k, integer, engine):
    # auto_max_vars=0 forces the large-instance path (patch-aware Lagrangian bound + restricted MIP)
    p = make_problem(seed, 120, 3, grid_w=12, min_patch=k, tight=0.2, integer=integer, option_budget=True)
    exact = solve(p, method="milp", mip_rel_gap=0.0, time_limit_s=20, engine="highspy")
    assert exact.status == "optimal"
    dec = solve(p, method="auto", mip_rel_gap=0.0, time_limit_s=20, auto_max_vars=0, engine=engine)
    assert dec.method == "auto:decomposed"
    assert check_plan(p, dec.choice) == [] and independent_violations(p, dec.choice) == []
    assert smallest_patch(p, dec.choice) >= k
    assert dec.bound >= exact.objective - 1e-9 * max(1.0, exact.objective)
    true_gap = (exact.objective - dec.objective) / exact.objective if exact.objective > 0 else 0.0
    assert dec.gap >= true_gap - 1e-12


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), k=st.sampled_from([1, 2, 3]))
def test_highspy_and_scipy_engines_reach_the_same_optimum(seed, k):
    p = make_problem(seed, 30, 3, grid_w=6, min_patch=k, option_budget=True, tight=0.3)
    a = solve(p, method="milp", mip_rel_gap=0.0, engine="highspy")
    b = solve(p, method="milp", mip_rel_gap=0.0, engine="scipy")
    assert a.objective == pytest.approx(b.objective, abs=1e-6)
    assert check_plan(p, a.choice) == []


def test_patch_lagrangian_bound_is_valid_and_tighter_than_the_no_patch_bound():
    # derived in the test: the exact optimum (milp, gap 0) of a 120-cell K=3 instance bounds both from below
    p = make_problem(11, 120, 3, grid_w=12, min_patch=3, tight=0.2, integer=False)
    exact = solve(p, method="milp", mip_rel_gap=0.0, engine="highspy")
    heur = solve(p, method="heuristic", bound="lagrangian")
    dec = solve(p, method="auto", mip_rel_gap=0.0, auto_max_vars=0)
    assert exact.objective <= dec.bound <= heur.bound + 1e-9
    assert dec.objective >= heur.objective


def test_unknown_engine_is_refused():
    with pytest.raises(InvalidInput, match="engine"):
        solve(PlanningProblem(benefit=np.ones((2, 2))), engine="cplex")


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**6), k=st.sampled_from([2, 3, 4]), integer=st.booleans())
def test_greedy_inner_repair_and_fill_keep_patches_and_budgets(seed, k, integer):
    # the decomposition's plan builders: patch-feasible by construction, feasible once cut and filled
    p = make_problem(seed, 120, 3, grid_w=12, min_patch=k, tight=0.2, integer=integer, option_budget=True)
    md = _prepare(p)
    items, iop = _patch_items(md)
    lam = _lagrangian_bound(md)[2] * 0.5  # a low price: the inner plan overspends
    W = np.stack([w for w, _, _ in md.budget_rows])
    red = np.where(md.allowed, md.b - np.tensordot(lam, W, axes=1), -np.inf)
    inner = _greedy_inner(md, red, items, iop)
    free = PlanningProblem(**{**p.__dict__, "budget": {}, "option_budget": {}})
    assert check_plan(free, inner) == []  # patches, exclusions and slopes hold, budgets ignored
    if np.any(inner >= 0):
        assert smallest_patch(p, inner) >= k
    cut = _repair(md, inner)
    assert check_plan(p, cut) == [] and independent_violations(p, cut) == []
    cost = np.stack([_item_sums(items, iop, w) for w in W])
    full = _fill(md, cut, items, iop, _item_sums(items, iop, md.b), cost)
    assert check_plan(p, full) == [] and independent_violations(p, full) == []
    assert evaluate(p, full) >= evaluate(p, cut)
    if np.any(full >= 0):
        assert smallest_patch(p, full) >= k


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10**6), k=st.sampled_from([2, 3, 4]), scale=st.floats(0.3, 1.5))
def test_patch_lagrangian_by_component_equals_the_whole_inner_problem(seed, k, scale):
    # derived in the test: L(lam) = lam.B + the inner maximum solved as ONE integer programme over the whole
    # region (gap 0) must equal the sum over components, and bound the exact optimum from above
    p = make_problem(seed, 120, 3, grid_w=12, min_patch=k, tight=0.2, integer=False)
    md = _prepare(p)
    W = np.stack([w for w, _, _ in md.budget_rows])
    caps = np.array([cap for _, cap, _ in md.budget_rows])
    lam = _lagrangian_bound(md)[2] * scale
    red = np.where(md.allowed, md.b - np.tensordot(lam, W, axes=1), -np.inf)
    al = _region(md, red)
    whole = float(lam @ caps)
    if al.any():
        _, sub = _submodel(md, al, np.where(al, red, 0.0), budgets=False)
        f = _formulate(sub, patches=True)
        res = _run_mip(f, 20, 0.0, "highspy")
        assert res.finished
        whole += float(-f.c @ res.x)
    plans: list = []
    by_parts = _patch_lagrangian(md, lam, W, caps, 20, "highspy", plans)
    assert by_parts == pytest.approx(whole, rel=1e-5, abs=1e-6)
    assert by_parts >= whole - 1e-9
    exact = solve(p, method="milp", mip_rel_gap=0.0, time_limit_s=20)
    assert by_parts >= exact.objective - 1e-9 * max(1.0, exact.objective)
    free = PlanningProblem(**{**p.__dict__, "budget": {}, "option_budget": {}})
    assert check_plan(free, plans[0]) == []


def test_highs_banner_stays_off_standard_output():
    """HiGHS prints a banner on file descriptor 1 when its first instance is made; a fresh process that solves
    with highspy prints only what Python prints (``plan trees --json`` stays valid JSON)."""
    import subprocess
    import sys

    code = ("import numpy as np\n"
            "from minewatch.planning.optimize import PlanningProblem, solve\n"
            "p = PlanningProblem(benefit=np.array([[3.0, 1.0], [2.0, 2.5]]),\n"
            "                    cost={'usd': np.array([[2.0, 1.0], [1.0, 2.0]])}, budget={'usd': 3.0})\n"
            "print(solve(p, method='milp', mip_rel_gap=0.0, engine='highspy').choice.tolist())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout == "[0, 0]\n"
