"""Planting planner at scale (issue 10, Performance): 100,000 candidate cells x 5 species.

Synthetic, seeded instance: a 400 x 250 grid; a smooth hazard field (sum of Gaussian bumps) and a
slope field; benefit[i, j] = hazard[i] * effectiveness[j] * (1 + 0.2 * noise), costs per species in
usd, seedlings and days (with noise), slope limits per species, 8 % of the cells excluded (a "road"
strip, a "pit" disc and scattered cells), budgets set to ~8 % of the cost of planting everything with
the cheapest species so they bind. Runs:

1. no patch constraint, milp (HiGHS) to a proven gap <= 1 % (time limit 60 s): time and gap;
2. the heuristic (LP rounding) on the same instance: time and gap to the LP bound;
3. minimum patch size K (default 4 and 2), milp with 60 s: the gap reached; the heuristic too; auto
   (heuristic, then the decomposition: Lagrangian search with a greedy inner problem for the plans,
   patch-aware Lagrangian bound solved per component, restricted integer programme).

``python bench/bench_planner.py [--rows 400 --cols 250 --time-limit 60 --patch 4 2]``
Prints the machine and markdown rows for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _common import machine  # noqa: E402

from minewatch.planning.optimize import PlanningProblem, check_plan, solve  # noqa: E402

SPECIES = ("vetiver", "bamboo", "acacia", "eucalyptus", "shrub mix")
EFFECT = np.array([0.55, 0.75, 0.9, 0.8, 0.5])           # relative hazard reduction at maturity
USD = np.array([0.8, 3.0, 2.0, 1.5, 1.0])                # per cell
SEEDLINGS = np.array([40.0, 4.0, 6.0, 6.0, 20.0])        # per cell
DAYS = np.array([0.20, 0.35, 0.30, 0.25, 0.15])          # labour days per cell
SLOPE_LIMIT = np.array([45.0, 35.0, 30.0, 25.0, 40.0])   # degrees


def make_instance(rows: int, cols: int, seed: int = 42, min_patch: int = 1) -> PlanningProblem:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:rows, 0:cols].astype(float)
    hazard = np.zeros((rows, cols))
    for _ in range(25):
        cy, cx = rng.uniform(0, rows), rng.uniform(0, cols)
        s = rng.uniform(8, 40)
        hazard += rng.uniform(0.2, 1.0) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    hazard /= hazard.max()
    slope = np.clip(45 * hazard + rng.normal(0, 6, hazard.shape), 0, 60)
    n = rows * cols
    h = hazard.ravel()
    noise = rng.normal(0, 1, (n, 5))
    benefit = np.clip(h[:, None] * EFFECT[None, :] * (1 + 0.2 * noise), 0, None)
    jitter = rng.uniform(0.9, 1.1, (n, 5))
    cost = {"usd": USD * jitter, "seedlings": np.broadcast_to(SEEDLINGS, (n, 5)).copy(),
            "days": DAYS * rng.uniform(0.8, 1.2, (n, 5))}
    excluded = np.zeros((rows, cols), dtype=bool)
    excluded[:, cols // 3: cols // 3 + 4] = True                                   # a road
    excluded |= (yy - rows * 0.6) ** 2 + (xx - cols * 0.7) ** 2 < (min(rows, cols) * 0.12) ** 2  # a pit
    excluded |= rng.random((rows, cols)) < 0.02
    budget = {"usd": 0.08 * n * USD.min(), "seedlings": 0.08 * n * 12.0, "days": 0.08 * n * DAYS.min() * 1.5}
    option_budget = {("bamboo", "seedlings"): 0.01 * n * SEEDLINGS[1]}
    r, c = np.divmod(np.arange(n), cols)
    return PlanningProblem(benefit=benefit, cost=cost, budget=budget, option_budget=option_budget,
                           excluded=excluded.ravel(), slope=slope.ravel(), slope_limit=SLOPE_LIMIT,
                           rows=r, cols=c, min_patch=min_patch, option_names=SPECIES)


def run(label: str, problem: PlanningProblem, **kw) -> str:
    t = time.perf_counter()
    plan = solve(problem, **kw)
    wall = time.perf_counter() - t
    bad = check_plan(problem, plan.choice, rtol=1e-7)
    planted = int((plan.choice >= 0).sum())
    spent = ", ".join(f"{u} {plan.spent[u]:.0f}/{problem.budget[u]:.0f}" for u in problem.budget)
    row = (f"| {label} | {plan.method} | {plan.status} | {wall:.1f} | {plan.gap * 100:.3f} % | "
           f"{plan.bound_kind} | {planted} | {spent} | {'ok' if not bad else '; '.join(bad)} | {plan.reason} |")
    print(row, flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=400)
    ap.add_argument("--cols", type=int, default=250)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--patch", type=int, nargs="*", default=[4, 2])
    ap.add_argument("--skip-milp-patch", action="store_true")
    ap.add_argument("--only-patch", action="store_true", help="skip the runs without patches")
    a = ap.parse_args()
    print(machine())
    n = a.rows * a.cols
    print(f"\n{n} candidate cells x {len(SPECIES)} species, budgets usd/seedlings/days + bamboo seedlings\n")
    print("| run | method | status | time s | gap | bound | cells planted | spent/budget | constraints | note |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    p = make_instance(a.rows, a.cols)
    if not a.only_patch:
        run("no patches, gap <= 1 %", p, method="milp", mip_rel_gap=0.01, time_limit_s=a.time_limit)
        run("no patches", p, method="heuristic")
        run("no patches, auto", p, method="auto", mip_rel_gap=0.01, time_limit_s=a.time_limit)
    for k in a.patch:
        pk = make_instance(a.rows, a.cols, min_patch=k)
        if not a.skip_milp_patch:
            run(f"min patch {k}, {a.time_limit:.0f} s", pk, method="milp", mip_rel_gap=0.01,
                time_limit_s=a.time_limit)
        run(f"min patch {k}", pk, method="heuristic")
        run(f"min patch {k}, auto {a.time_limit:.0f} s", pk, method="auto", mip_rel_gap=0.01,
            time_limit_s=a.time_limit)


if __name__ == "__main__":
    main()
