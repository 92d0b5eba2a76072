"""The planting planner core: choose at most one option per cell to maximise benefit under budgets.

Pure numpy/scipy, and HiGHS through highspy when it is installed (no I/O). The benefit model is the caller's: this module takes ``benefit[i, j]``, the
improvement of the objective at maturity if option ``j`` is planted in cell ``i`` and nothing else
changes (already including that cell's downslope effect), and optional pairwise ``interactions`` that
correct for effects that do not add up.

Integer programme (maximisation), with binary ``x[i, j]`` = "option j is planted in cell i"::

    max   sum_ij b[i, j] x[i, j] + sum_q w_q y_q
    s.t.  sum_j x[i, j] <= 1                                  at most one option per cell ("nothing" = none)
          sum_ij c_u[i, j] x[i, j] <= B_u                     for each budget unit u given (usd, seedlings, days)
          sum_i c_u[i, j] x[i, j] <= B_{j,u}                  optional budgets per option
          x[i, j] = 0  if cell i is excluded or slope[i] > slope_limit[j]
          minimum patch size K (below), interactions (below)

Minimum patch size K (4-connectivity). Patch *templates* are the minimal axis-aligned rectangles of at
least K cells (``h * w >= K`` and neither side can shrink: for K=2 the dominoes, K=3 1x3, 3x1 and 2x2,
K=4 1x4, 4x1 and 2x2, ...). For every template placement p whose cells are all candidates allowed for j
there is a continuous ``z[p, j]`` in [0, 1] with::

    z[p, j] <= x[k, j]              for every cell k of p
    x[i, j] <= sum_{p contains i} z[p, j]

If ``x[i, j] = 1`` some ``z[p, j] > 0``, which forces every ``x[k, j]`` of p to 1 (they are binary).
**Guarantee:** every planted cell lies in a fully planted rectangle of >= K cells of the same option, so
every 4-connected patch of one option has at least K cells. The formulation is conservative: a patch
that is not a union of such rectangles (for example an L of 3 cells when K = 3: it holds no 1x3, 3x1 or
2x2 rectangle) is not allowed, so the optimum is over plans whose
patches are unions of template rectangles; the exact method is exact for that formulation.

Interactions (sparse, optional): rows ``(i, j, k, l, w)`` add ``w`` to the objective when option j is in
cell i *and* option l is in cell k, linearised with a continuous ``y`` in [0, 1]: for ``w > 0``
``y <= x[i, j]`` and ``y <= x[k, l]``; for ``w < 0`` ``y >= x[i, j] + x[k, l] - 1``. How the caller
linearises downslope effects: ``b[i, j]`` is the first-order effect of planting i alone (its own hazard
reduction plus the reduction it brings to every receptor downslope, with the rest of the land as it is
now); when two planted cells reduce the sediment or runoff reaching the same receptor, the reductions
overlap, and the caller adds a negative pair term equal to the overlap (the second-order term of the
expansion of the receptor's response in the planted indicators). Higher-order terms are dropped; the
caller states the error of that truncation.

Heuristic (``method="heuristic"``), for very large instances: LP relaxation of the whole formulation
above (integrality dropped, patch rows kept; scipy.optimize.linprog, HiGHS), then

* no patches: keep the cells the LP sets to 1, then fill the remaining budget greedily by benefit per
  normalised cost ``b / sum_u (c_u / B_u)`` (a multiple-choice knapsack LP has at most one fractional
  cell per budget row, so this is close to optimal);
* patches: greedy over (template placement, option) items, first those the LP plants fully, then by
  benefit per normalised cost; an item is taken if none of its cells holds another option and the
  budgets still hold, so patches hold by construction.

The reported bound is the optimal value of that LP relaxation (plus 1e-9 relative for solver
tolerance), a valid upper bound on every feasible plan (dropping integrality only enlarges the
feasible set), so the reported gap ``(bound - value) / bound`` is never smaller than the true gap to
the integer optimum. ``bound="lp_no_patch"`` drops the patch rows from the LP (cheaper, looser, still
valid). ``bound="lagrangian"`` (the default above 60,000 variables) dualises the budget rows:
``L(lam) = lam.B + sum_i max(0, max_j b_ij - lam.w_ij)`` (+ the positive interaction weights) is an
upper bound for every ``lam >= 0`` (weak duality; without patches its minimum equals the LP bound,
because the one-option-per-cell polytope is integral); lam is found by cyclic exact line searches, and
an inexact minimum only loosens the bound. The plan then takes, first, each cell's option of largest
positive reduced profit ``b - lam.w`` (in decreasing order, while the budgets hold), then fills by ratio.

Decomposition (``method="auto"`` with a minimum patch size above ``auto_max_vars``): the Lagrangian
with the budgets dualised and the *patch rows kept*,
``L(lam) = lam.B + max {sum r_ij x_ij : one option per cell, patch rows}`` with ``r = b - lam.w``, is an
upper bound for every ``lam >= 0``. The inner maximum is reached by a plan whose every template
rectangle holds a cell with ``r > 0`` for its option (dropping planted cells outside such rectangles
loses nothing and uncovers no other cell), so it is an integer programme on that small region only
(about 10 % of the cells at the bench's budgets). Without budgets it separates over the 4-connected
components of the region (a placement is a connected rectangle), each solved by HiGHS, two at a time
on two threads; the sum of their MIP dual bounds is used (valid when stopped early; a component with
none proven counts its no-patch maximum), widened by 1e-6 relative for HiGHS' tolerances. Steps:

1. plans: ``lam`` from the no-patch multipliers is steered by a subgradient step on each budget's
   relative slack, the inner problem solved *greedily* (placements by decreasing reduced profit, never
   overlapping another option: patch-feasible by construction); each inner plan is cut to the budgets
   (lowest-ratio whole patches dropped) and the best are filled greedily (by benefit per normalised or
   per lam-priced cost). The greedy inner value is only a lower estimate of L: it chooses lam, it is
   never reported;
2. bound: L at the lam of smallest estimate, exactly per component (about 60 % of the time left);
   its inner plan, cut and filled, is one more plan;
3. the best plan starts the integer programme restricted to the region at 0.9 lam (plus the start's
   cells), with budgets a hair below the caps, in the time left (skipped when the gap is already
   below ``mip_rel_gap / 4``); the restricted plan is feasible for the full problem.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from minewatch.errors import InvalidInput

BUDGET_UNITS = ("usd", "seedlings", "days")
NOTHING = -1  # value of ``Plan.choice`` for a cell where nothing is planted

__all__ = ["BUDGET_UNITS", "NOTHING", "PlanningProblem", "Plan", "solve", "patch_templates",
           "evaluate", "check_plan"]


@dataclass(frozen=True)
class PlanningProblem:
    """A planting problem over ``n`` candidate cells and ``m`` options.

    Parameters
    ----------
    benefit : (n, m) array of float >= 0
        Improvement of the objective (caller's units, e.g. expected people exposed or t/yr) if option j
        is planted in cell i, at maturity, including downslope effects.
    cost : mapping unit -> (n, m) array of float >= 0
        Cost of option j in cell i in each unit (``usd``, ``seedlings``, ``days`` or any other name).
    budget : mapping unit -> float >= 0
        Budgets for any subset of the cost units.
    option_budget : mapping (option name or index, unit) -> float >= 0
        Budgets per option (e.g. the seedlings of one species available).
    excluded : (n,) bool, optional
        Cells where nothing may be planted (pits, roads, water, land the community needs).
    slope : (n,) float, optional, and slope_limit : (m,) float, optional
        Slope of each cell and the highest slope each option may be planted on (same unit, e.g. degrees;
        ``inf`` = no limit). Option j is forbidden where ``slope > slope_limit[j]``.
    rows, cols : (n,) int, optional
        Grid position of each cell; required when ``min_patch > 1``.
    min_patch : int
        Minimum patch size K in 4-connected cells of the same option (1 = no constraint).
    interactions : (q, 5) array, optional
        Rows ``(i, j, k, l, w)``: ``w`` is added when j is in i and l is in k (see module docstring).
    option_names : sequence of str, optional
        Names of the options (default ``"0"``, ``"1"``, ...).
    """

    benefit: np.ndarray
    cost: Mapping[str, np.ndarray] = field(default_factory=dict)
    budget: Mapping[str, float] = field(default_factory=dict)
    option_budget: Mapping[tuple[str | int, str], float] = field(default_factory=dict)
    excluded: np.ndarray | None = None
    slope: np.ndarray | None = None
    slope_limit: np.ndarray | None = None
    rows: np.ndarray | None = None
    cols: np.ndarray | None = None
    min_patch: int = 1
    interactions: np.ndarray | None = None
    option_names: Sequence[str] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        b = np.asarray(self.benefit)
        return (b.shape[0], b.shape[1]) if b.ndim == 2 else (0, 0)


@dataclass(frozen=True)
class Plan:
    """The chosen option per cell (``NOTHING`` = -1), with the proof of how good it is.

    ``bound`` is a valid upper bound on the optimum of the problem as formulated; ``gap`` is
    ``(bound - objective) / bound`` (0 when the bound is 0). ``bound_kind`` says where the bound comes
    from: ``"mip_dual"`` (HiGHS branch and bound), ``"lp"``, ``"lp_no_patch"`` or ``"lagrangian"``
    (the heuristic's bounds), ``"lagrangian_patch"`` (the decomposition's; module docstring). ``status`` is ``optimal``, ``gap_reached``, ``time_limit``, ``heuristic`` or ``empty``.
    """

    choice: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    method: str
    bound_kind: str
    seconds: float
    spent: dict[str, float]
    reason: str = ""


# --------------------------------------------------------------------------------------------- inputs

@dataclass
class _Model:
    n: int
    m: int
    b: np.ndarray
    costs: dict[str, np.ndarray]
    budget_rows: list[tuple[np.ndarray, float, str]]  # (weights (n, m), cap, label)
    allowed: np.ndarray
    inter: np.ndarray  # (q, 5) float
    min_patch: int
    rows: np.ndarray | None
    cols: np.ndarray | None


def _fail(msg: str) -> InvalidInput:
    return InvalidInput(msg, code="planning_invalid_input")


def _prepare(p: PlanningProblem) -> _Model:
    b = np.asarray(p.benefit, dtype=float)
    if b.ndim != 2:
        raise _fail("benefit must be a 2-D array (cells x options)")
    n, m = b.shape
    if not np.all(np.isfinite(b)) or np.any(b < 0):
        raise _fail("benefit must be finite and >= 0")
    names = list(p.option_names) if p.option_names is not None else [str(j) for j in range(m)]
    if len(names) != m:
        raise _fail(f"option_names has {len(names)} names for {m} options")
    costs: dict[str, np.ndarray] = {}
    for unit, c in p.cost.items():
        c = np.asarray(c, dtype=float)
        if c.shape != (n, m):
            raise _fail(f"cost[{unit!r}] has shape {c.shape}, expected {(n, m)}")
        if not np.all(np.isfinite(c)) or np.any(c < 0):
            raise _fail(f"cost[{unit!r}] must be finite and >= 0")
        costs[unit] = c
    rows_: list[tuple[np.ndarray, float, str]] = []
    for unit, cap in p.budget.items():
        if unit not in costs:
            raise _fail(f"budget in {unit!r} but no cost in that unit")
        if not np.isfinite(cap) or cap < 0:
            raise _fail(f"budget[{unit!r}] must be finite and >= 0")
        rows_.append((costs[unit], float(cap), unit))
    for (opt, unit), cap in p.option_budget.items():
        j = names.index(opt) if isinstance(opt, str) and opt in names else opt
        if not isinstance(j, (int, np.integer)) or not 0 <= j < m:
            raise _fail(f"option_budget names an unknown option {opt!r}")
        if unit not in costs:
            raise _fail(f"option budget in {unit!r} but no cost in that unit")
        if not np.isfinite(cap) or cap < 0:
            raise _fail(f"option_budget[{opt!r}, {unit!r}] must be finite and >= 0")
        w = np.zeros((n, m))
        w[:, j] = costs[unit][:, j]
        rows_.append((w, float(cap), f"{names[j]}:{unit}"))
    allowed = np.ones((n, m), dtype=bool)
    if p.excluded is not None:
        ex = np.asarray(p.excluded, dtype=bool)
        if ex.shape != (n,):
            raise _fail(f"excluded has shape {ex.shape}, expected {(n,)}")
        allowed &= ~ex[:, None]
    if (p.slope is None) != (p.slope_limit is None):
        raise _fail("slope and slope_limit go together")
    if p.slope is not None:
        s = np.asarray(p.slope, dtype=float)
        lim = np.asarray(p.slope_limit, dtype=float)
        if s.shape != (n,) or lim.shape != (m,):
            raise _fail("slope must have one value per cell and slope_limit one per option")
        if np.any(np.isnan(s)) or np.any(np.isnan(lim)):
            raise _fail("slope and slope_limit must not be NaN")
        allowed &= s[:, None] <= lim[None, :]
    k = int(p.min_patch)
    if k < 1:
        raise _fail("min_patch must be >= 1")
    r = c = None
    if p.rows is not None or p.cols is not None or k > 1:
        if p.rows is None or p.cols is None:
            raise _fail("rows and cols (grid positions) are required for a minimum patch size")
        r = np.asarray(p.rows, dtype=np.int64)
        c = np.asarray(p.cols, dtype=np.int64)
        if r.shape != (n,) or c.shape != (n,):
            raise _fail("rows and cols must have one value per cell")
        if n and (r.min() < 0 or c.min() < 0):
            raise _fail("rows and cols must be >= 0")
        if n and len(np.unique(r * (c.max() + 1) + c)) != n:
            raise _fail("two cells share a grid position")
    inter = np.zeros((0, 5)) if p.interactions is None else np.asarray(p.interactions, dtype=float)
    if inter.ndim != 2 or inter.shape[1] != 5:
        raise _fail("interactions must be rows (i, j, k, l, w)")
    if len(inter):
        idx = inter[:, :4]
        if np.any(idx != np.round(idx)) or np.any(idx < 0) or np.any(idx[:, [0, 2]] >= n) \
                or np.any(idx[:, [1, 3]] >= m) or not np.all(np.isfinite(inter[:, 4])):
            raise _fail("interactions refer to unknown cells/options or have a non-finite weight")
    return _Model(n, m, b, costs, rows_, allowed, inter, k, r, c)


# ------------------------------------------------------------------------------------------ patches

def patch_templates(k: int) -> list[tuple[int, int]]:
    """Minimal rectangles (height, width) of at least ``k`` cells used as patch templates.

    >>> patch_templates(4)
    [(1, 4), (2, 2), (4, 1)]
    >>> patch_templates(1)
    [(1, 1)]
    """
    out = []
    for h in range(1, k + 1):
        for w in range(1, k + 1):
            if h * w >= k and (h - 1) * w < k and h * (w - 1) < k:
                out.append((h, w))
    return out


def _placements(rows: np.ndarray, cols: np.ndarray, k: int) -> list[np.ndarray]:
    """For each template, a (P, h*w) array of cell indices of every placement fully on candidate cells."""
    n = len(rows)
    grid = np.full((rows.max() + 1 + k, cols.max() + 1 + k), -1, dtype=np.int64)
    grid[rows, cols] = np.arange(n)
    out = []
    for h, w in patch_templates(k):
        cells = np.stack([grid[rows + a, cols + bb] for a in range(h) for bb in range(w)], axis=1)
        out.append(cells[np.all(cells >= 0, axis=1)])
    return out


# ------------------------------------------------------------------------------------- evaluation

def evaluate(problem: PlanningProblem, choice: np.ndarray) -> float:
    """Objective of a plan: benefits of chosen options plus interaction terms that apply."""
    md = _prepare(problem)
    return _value(md, np.asarray(choice))


def _value(md: _Model, choice: np.ndarray) -> float:
    on = choice >= 0
    v = float(md.b[np.nonzero(on)[0], choice[on]].sum())
    if len(md.inter):
        i, j, k, l = (md.inter[:, t].astype(np.int64) for t in range(4))
        v += float(md.inter[(choice[i] == j) & (choice[k] == l), 4].sum())
    return v


def _spent(md: _Model, choice: np.ndarray) -> dict[str, float]:
    on = np.nonzero(choice >= 0)[0]
    return {u: float(c[on, choice[on]].sum()) for u, c in md.costs.items()}


def check_plan(problem: PlanningProblem, choice: np.ndarray, *, rtol: float = 1e-9) -> list[str]:
    """Every way ``choice`` breaks the problem's constraints, as messages (empty list = feasible).

    Patch size is checked as the module docstring guarantees it: each planted cell lies in a fully
    planted template rectangle of the same option.
    """
    md = _prepare(problem)
    choice = np.asarray(choice)
    found = []
    if choice.shape != (md.n,):
        return [f"choice has shape {choice.shape}, expected {(md.n,)}"]
    on = np.nonzero(choice >= 0)[0]
    if np.any(choice >= md.m):
        found.append("unknown option")
        return found
    bad = on[~md.allowed[on, choice[on]]]
    if len(bad):
        found.append(f"{len(bad)} cells planted where excluded or above the option's slope limit")
    for w, cap, label in md.budget_rows:
        used = float(w[on, choice[on]].sum())
        if used > cap * (1 + rtol) + rtol:
            found.append(f"budget {label} exceeded: {used} > {cap}")
    if md.min_patch > 1 and len(on):
        covered = np.zeros(md.n, dtype=bool)
        for cells in _placements(md.rows, md.cols, md.min_patch):
            if len(cells) == 0:
                continue
            opt = choice[cells[:, 0]]
            full = (opt >= 0) & np.all(choice[cells] == opt[:, None], axis=1)
            covered[cells[full].ravel()] = True
        if np.any(~covered[on]):
            found.append(f"{int(np.sum(~covered[on]))} planted cells not in a patch of >= {md.min_patch}")
    return found


# ------------------------------------------------------------------------------------- formulation

@dataclass
class _Form:
    c: np.ndarray            # objective to minimise (negated benefit)
    A: sp.csr_matrix
    lb: np.ndarray
    ub: np.ndarray
    integrality: np.ndarray
    var_cell: np.ndarray     # x variables: cell index
    var_opt: np.ndarray      # x variables: option index
    nx: int
    z_blocks: list = field(default_factory=list)  # (first column, placements (P, s) cell indices, option)
    y_cols: tuple = ()                            # (columns, x column a, x column b, weight) of interactions


def _formulate(md: _Model, *, patches: bool) -> _Form:
    cell, opt = np.nonzero(md.allowed)
    nx = len(cell)
    xid = np.full((md.n, md.m), -1, dtype=np.int64)
    xid[cell, opt] = np.arange(nx)
    blocks_r, blocks_c, blocks_v, lb, ub = [], [], [], [], []
    nrow = 0

    def add(r, c_, v, lo, hi, count):
        nonlocal nrow
        blocks_r.append(np.asarray(r, dtype=np.int64) + nrow)
        blocks_c.append(np.asarray(c_, dtype=np.int64))
        blocks_v.append(np.asarray(v, dtype=float))
        lb.append(np.broadcast_to(np.asarray(lo, dtype=float), (count,)))
        ub.append(np.broadcast_to(np.asarray(hi, dtype=float), (count,)))
        nrow += count

    # one option per cell
    add(cell, np.arange(nx), np.ones(nx), -np.inf, 1.0, md.n)
    for w, cap, _ in md.budget_rows:
        add(np.zeros(nx), np.arange(nx), w[cell, opt], -np.inf, cap, 1)
    nvar = nx
    extra_c = []
    z_blocks = []
    y_cols: tuple = ()
    if patches and md.min_patch > 1:
        cover_r, cover_c = [xid[cell, opt]], [np.arange(nx)]  # x_ij - sum z <= 0, row per x
        cover_v = [np.ones(nx)]
        link_r, link_c, link_v, nlink = [], [], [], 0
        for cells in _placements(md.rows, md.cols, md.min_patch):
            for j in range(md.m):
                ok = np.all(md.allowed[cells, j], axis=1)
                pl = cells[ok]
                if len(pl) == 0:
                    continue
                P, s = pl.shape
                z_blocks.append((nvar, pl, j))
                z = nvar + np.arange(P)
                nvar += P
                extra_c.append(np.zeros(P))
                # cover rows: for each cell k in placement, -z in row of x[k, j]
                cover_r.append(xid[pl, j].ravel())
                cover_c.append(np.repeat(z, s))
                cover_v.append(-np.ones(P * s))
                # link rows: z - x[k, j] <= 0
                rr = nlink + np.arange(P * s)
                link_r += [rr, rr]
                link_c += [np.repeat(z, s), xid[pl, j].ravel()]
                link_v += [np.ones(P * s), -np.ones(P * s)]
                nlink += P * s
        add(np.concatenate(cover_r), np.concatenate(cover_c), np.concatenate(cover_v), -np.inf, 0.0, nx)
        if nlink:
            add(np.concatenate(link_r), np.concatenate(link_c), np.concatenate(link_v), -np.inf, 0.0, nlink)
    if len(md.inter):
        i, j, k, l = (md.inter[:, t].astype(np.int64) for t in range(4))
        w = md.inter[:, 4]
        a, bb = xid[i, j], xid[k, l]
        live = (a >= 0) & (bb >= 0)  # a pair with a forbidden member never applies
        a, bb, w = a[live], bb[live], w[live]
        q = len(w)
        y = nvar + np.arange(q)
        y_cols = (y, a, bb, w)
        nvar += q
        extra_c.append(-w)
        pos, neg = w > 0, w < 0
        yp, yn = y[pos], y[neg]
        npos, nneg = len(yp), len(yn)
        # y - x_a <= 0, y - x_b <= 0 for w > 0
        rr = np.arange(2 * npos)
        add(np.concatenate([rr, rr]), np.concatenate([yp, yp, a[pos], bb[pos]]),
            np.concatenate([np.ones(2 * npos), -np.ones(2 * npos)]), -np.inf, 0.0, 2 * npos)
        # x_a + x_b - y <= 1 for w < 0
        rr = np.arange(nneg)
        add(np.concatenate([rr, rr, rr]), np.concatenate([a[neg], bb[neg], yn]),
            np.concatenate([np.ones(2 * nneg), -np.ones(nneg)]), -np.inf, 1.0, nneg)
    A = sp.csr_matrix((np.concatenate(blocks_v), (np.concatenate(blocks_r), np.concatenate(blocks_c))),
                      shape=(nrow, nvar))
    c = np.concatenate([-md.b[cell, opt]] + extra_c)
    integ = np.zeros(nvar, dtype=np.uint8)
    integ[:nx] = 1
    return _Form(c, A, np.concatenate(lb), np.concatenate(ub), integ, cell, opt, nx, z_blocks, y_cols)


def _x_from_choice(md: _Model, f: _Form, choice: np.ndarray) -> np.ndarray:
    """The formulation's variable vector for a plan (z = 1 on fully planted placements, y = x_a x_b)."""
    x = np.zeros(f.A.shape[1])
    x[: f.nx] = choice[f.var_cell] == f.var_opt
    for start, pl, j in f.z_blocks:
        x[start: start + len(pl)] = np.all(choice[pl] == j, axis=1)
    if len(f.y_cols):
        y, a, bb, _ = f.y_cols
        x[y] = x[a] * x[bb]
    return x


def _choice_from_x(md: _Model, f: _Form, x: np.ndarray) -> np.ndarray:
    choice = np.full(md.n, NOTHING, dtype=np.int64)
    on = x[: f.nx] > 0.5
    choice[f.var_cell[on]] = f.var_opt[on]
    return choice


# ----------------------------------------------------------------------------------------- solvers

def _gap(bound: float, value: float) -> float:
    if bound <= 0:
        return 0.0
    return max(0.0, (bound - value) / bound)


ENGINES = ("highspy", "scipy")


def _default_engine() -> str:
    try:
        import highspy  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency; scipy's HiGHS when an install lacks it
        return "scipy"
    return "highspy"


_BANNER_LOCK = threading.Lock()
_banner_shown = False


def _new_highs():
    """A silent ``highspy.Highs``. HiGHS prints its banner on standard output (file descriptor 1, below Python's
    sys.stdout) when the first instance is made, which would corrupt ``plan trees --json``: the first one is
    made with descriptor 1 pointed at /dev/null."""
    import os
    import sys

    import highspy

    global _banner_shown
    with _BANNER_LOCK:
        if not _banner_shown:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
                    h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_shown = True
        else:
            h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


@dataclass
class _MipResult:
    x: np.ndarray | None      # best point found (None: none)
    dual: float | None        # valid lower bound on the minimum of c.x (None: none proven)
    finished: bool            # the solver stopped on its gap (not on the time limit)
    message: str


def _run_mip(f: _Form, time_limit_s: float, mip_rel_gap: float, engine: str,
             x0: np.ndarray | None = None, threads: int = 2) -> _MipResult:
    """Minimise f.c.x over the formulation with HiGHS, through highspy or scipy.optimize.milp.

    highspy: an interrupt callback (simplex, IPM, branch and bound) also asks HiGHS to stop at the limit
    (not every phase asks it: on 2 M-row models HiGHS overran 60 s by minutes all the same), and ``x0``
    is handed over as a starting solution (``setSolution``).
    """
    if engine == "scipy":
        res = milp(f.c, integrality=f.integrality, bounds=Bounds(0.0, 1.0),
                   constraints=LinearConstraint(f.A, f.lb, f.ub),
                   options={"time_limit": float(time_limit_s), "mip_rel_gap": float(mip_rel_gap),
                            "disp": False})
        dual = None
        if res.x is not None:
            dual = float(res.mip_dual_bound) if res.mip_dual_bound is not None else float(res.fun)
        if res.x is None and res.status != 1:
            raise InvalidInput(f"the planner could not solve the problem: {res.message}",
                               code="planning_unsolved")
        return _MipResult(res.x, dual, res.status == 0, str(res.message))
    import highspy

    h = _new_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("threads", int(threads))
    A = f.A.tocsc()
    nrow, ncol = A.shape
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = ncol, nrow
    lp.col_cost_ = f.c
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = np.ones(ncol)
    lp.row_lower_ = np.where(np.isfinite(f.lb), f.lb, -highspy.kHighsInf)
    lp.row_upper_ = np.where(np.isfinite(f.ub), f.ub, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = ncol, nrow
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    kint, kcont = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
    lp.integrality_ = [kint if v else kcont for v in f.integrality]
    h.passModel(lp)
    deadline = time.perf_counter() + float(time_limit_s)

    def interrupt(kind, message, data_out, data_in, user):  # hard wall-clock limit
        if time.perf_counter() > deadline:
            data_in.user_interrupt = True

    h.setCallback(interrupt, None)
    for kind in ("kCallbackMipInterrupt", "kCallbackSimplexInterrupt", "kCallbackIpmInterrupt"):
        h.startCallback(getattr(highspy.cb.HighsCallbackType, kind))
    if x0 is not None:
        h.setSolution(ncol, np.arange(ncol, dtype=np.int32), np.asarray(x0, dtype=float))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    ok = highspy.HighsModelStatus
    if status in (ok.kInfeasible, ok.kModelError, ok.kSolveError, ok.kLoadError, ok.kPresolveError,
                  ok.kPostsolveError):
        raise InvalidInput(f"the planner could not solve the problem: {h.modelStatusToString(status)}",
                           code="planning_unsolved")
    x = None
    if info.primal_solution_status == 2:  # kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value, dtype=float)
    dual = float(info.mip_dual_bound)
    dual = dual if np.isfinite(dual) and x is not None else None
    return _MipResult(x, dual, status == ok.kOptimal, h.modelStatusToString(status))


def _solve_milp(md: _Model, time_limit_s: float, mip_rel_gap: float, t0: float, engine: str = "scipy",
                start: np.ndarray | None = None) -> Plan:
    f = _formulate(md, patches=True)
    x0 = _x_from_choice(md, f, start) if start is not None and engine == "highspy" else None
    res = _run_mip(f, time_limit_s, mip_rel_gap, engine, x0)
    if res.x is None:  # time limit with no feasible point found: fall back, say so
        return _solve_heuristic(md, t0, reason="milp found no plan within the time limit")
    choice = _choice_from_x(md, f, res.x)
    value = _value(md, choice)
    kind = "mip_dual"
    if res.dual is not None:
        bound = -res.dual
    else:  # a plan but no proven bound (stopped before the root LP): the Lagrangian bound is valid
        bound, kind = _lagrangian_bound(md)[0], "lagrangian"
    bound = max(bound, value)
    gap = _gap(bound, value)
    status = ("optimal" if res.finished and gap <= 1e-9
              else "gap_reached" if res.finished or gap <= mip_rel_gap else "time_limit")
    return Plan(choice, value, bound, gap, status, "milp", kind, time.perf_counter() - t0,
                _spent(md, choice))


def _lp_bound(md: _Model, *, patches: bool) -> tuple[float, np.ndarray, _Form]:
    f = _formulate(md, patches=patches)
    res = linprog(f.c, A_ub=f.A, b_ub=f.ub, bounds=(0.0, 1.0), method="highs")
    if res.status != 0:
        raise InvalidInput(f"the LP relaxation could not be solved: {res.message}",
                           code="planning_unsolved")
    # the dual bound of HiGHS' LP is at least the primal value; a tiny tolerance keeps it valid
    bound = -float(res.fun)
    bound += 1e-9 * max(1.0, abs(bound))
    return bound, res.x, f


def _lagrangian(md: _Model, lam: np.ndarray, W: np.ndarray, caps: np.ndarray
                ) -> tuple[float, np.ndarray, np.ndarray]:
    """L(lam) = lam.B + sum_i max(0, max_j b_ij - lam.w_ij) (+ positive interaction weights), its
    subgradient and the reduced profits. Valid upper bound for every lam >= 0 (weak duality)."""
    red = np.where(md.allowed, md.b - np.tensordot(lam, W, axes=1), -np.inf)
    best = red.max(axis=1)
    take = best > 0
    jstar = red.argmax(axis=1)
    used = W[:, np.nonzero(take)[0], jstar[take]].sum(axis=1)
    value = float(lam @ caps + best[take].sum())
    if len(md.inter):
        value += float(np.clip(md.inter[:, 4], 0, None).sum())
    return value, caps - used, red


def _lagrangian_bound(md: _Model, rounds: int = 8) -> tuple[float, np.ndarray, np.ndarray]:
    """Minimise L over lam >= 0 by cyclic exact line searches (bisection on the subgradient sign).

    Any lam gives a valid bound, so an inexact minimum only loosens the bound, never falsifies it.
    Patch rows are not dualised: the bound is that of the problem without patches (still valid).
    """
    if not md.budget_rows:
        v, _, red = _lagrangian(md, np.zeros(0), np.zeros((0, md.n, md.m)), np.zeros(0))
        return v, red, np.zeros(0)
    W = np.stack([w for w, _, _ in md.budget_rows])
    caps = np.array([cap for _, cap, _ in md.budget_rows])
    lam = np.zeros(len(caps))
    best_v, _, best_red = _lagrangian(md, lam, W, caps)
    for _ in range(rounds):
        before = best_v
        for r in range(len(caps)):
            lo, hi = 0.0, max(lam[r], 1e-12)
            while True:  # grow hi until the subgradient is >= 0 (budget r no longer binding)
                trial = lam.copy()
                trial[r] = hi
                _, g, _ = _lagrangian(md, trial, W, caps)
                if g[r] >= 0 or hi > 1e12:
                    break
                lo, hi = hi, hi * 4
            for _ in range(40):
                mid = 0.5 * (lo + hi)
                trial = lam.copy()
                trial[r] = mid
                _, g, _ = _lagrangian(md, trial, W, caps)
                lo, hi = (mid, hi) if g[r] < 0 else (lo, mid)
            for cand in (lo, hi):
                trial = lam.copy()
                trial[r] = cand
                v, _, red = _lagrangian(md, trial, W, caps)
                if v < best_v:
                    best_v, best_red, lam = v, red, trial
        if before - best_v <= 1e-7 * max(1.0, abs(best_v)):
            break
    return best_v + 1e-9 * max(1.0, abs(best_v)), best_red, lam


def _normalised_cost(md: _Model) -> np.ndarray:
    w = np.zeros((md.n, md.m))
    for c, cap, _ in md.budget_rows:
        w += c / cap if cap > 0 else np.where(c > 0, np.inf, 0.0)
    return w


def _greedy_fill(md: _Model, choice: np.ndarray, items: np.ndarray, item_opt: np.ndarray,
                 score: np.ndarray) -> np.ndarray:
    """Take items (rows of cell indices, one option each) in decreasing score while feasible."""
    on = np.nonzero(choice >= 0)[0]
    used = [float(w[on, choice[on]].sum()) for w, _, _ in md.budget_rows]
    caps = [cap for _, cap, _ in md.budget_rows]
    k = len(caps)
    order = np.argsort(-score, kind="stable")
    order = order[score[order] > 0]
    valid = items >= 0  # rows are padded with -1 where templates have fewer cells
    safe = np.where(valid, items, 0)
    item_cost = np.stack([(w[safe, item_opt[:, None]] * valid).sum(axis=1) for w, _, _ in md.budget_rows]) \
        if k else np.zeros((0, len(items)))
    items_l, opt_l, cost_l = items[order].tolist(), item_opt[order].tolist(), item_cost[:, order].T.tolist()
    ch = choice.tolist()
    for cells, j, add in zip(items_l, opt_l, cost_l):
        if cells[-1] < 0:
            cells = [c for c in cells if c >= 0]
        cur = [ch[c] for c in cells]
        if any(x != -1 and x != j for x in cur):
            continue
        if all(x == j for x in cur):
            continue
        if any(x == j for x in cur):  # partly planted with this option already: pay only the new cells
            new = [c for c, x in zip(cells, cur) if x != j]
            add = [float(w[new, j].sum()) for w, _, _ in md.budget_rows]
        if all(used[r] + add[r] <= caps[r] for r in range(k)):
            for c in cells:
                ch[c] = j
            used = [used[r] + add[r] for r in range(k)]
    return np.asarray(ch, dtype=np.int64)


BOUNDS = ("lp", "lp_no_patch", "lagrangian")


def _solve_heuristic(md: _Model, t0: float, reason: str = "", *, bound_kind: str = "auto",
                     lp_max_vars: int = 60_000, _out: dict | None = None) -> Plan:
    nx = int(md.allowed.sum())
    if bound_kind == "auto":
        nz = nx * len(patch_templates(md.min_patch)) if md.min_patch > 1 else 0
        bound_kind = "lp" if nx + nz <= lp_max_vars else "lagrangian"
    cell, opt = np.nonzero(md.allowed)
    if bound_kind == "lagrangian":
        bound, red, lam = _lagrangian_bound(md)
        if _out is not None:
            _out["lam"] = lam
        guide = red[cell, opt]  # reduced profits: > 0 where the Lagrangian plants
        lp1 = None
    else:
        bound, xlp, f = _lp_bound(md, patches=bound_kind == "lp" and md.min_patch > 1)
        cell, opt = f.var_cell, f.var_opt
        guide = None
        lp1 = xlp[: f.nx]
    ncost = _normalised_cost(md)
    if md.min_patch == 1:
        items = cell[:, None]
        item_opt = opt
        ratio = md.b[cell, opt] / np.maximum(ncost[cell, opt], 1e-300)
        first = (lp1 > 1 - 1e-9) if lp1 is not None else (guide > 0)
        score = np.where((md.b[cell, opt] > 0) & first, ratio + 1e12, ratio)
        if guide is not None:  # among Lagrangian picks, larger reduced profit first
            score = np.where(first, 1e12 + guide, ratio)
    else:
        xid = np.full((md.n, md.m), -1, dtype=np.int64)
        xid[cell, opt] = np.arange(len(cell))
        its, iop, scs = [], [], []
        for cells in _placements(md.rows, md.cols, md.min_patch):
            for j in range(md.m):
                pl = cells[np.all(md.allowed[cells, j], axis=1)]
                if len(pl) == 0:
                    continue
                bsum = md.b[pl, j].sum(axis=1)
                sc = bsum / np.maximum(ncost[pl, j].sum(axis=1), 1e-300)
                # placements the relaxation plants fully come first (LP-guided), then by ratio
                full = (lp1[xid[pl, j]].min(axis=1) > 1 - 1e-6) if lp1 is not None \
                    else (guide[xid[pl, j]].min(axis=1) > 0)
                its.append(pl)
                iop.append(np.full(len(pl), j))
                scs.append(np.where((bsum > 0) & full, sc + 1e12, sc))
        if not its:
            items, item_opt, score = np.zeros((0, md.min_patch), dtype=np.int64), np.zeros(0, int), np.zeros(0)
        else:
            width = max(x.shape[1] for x in its)
            items = np.concatenate([np.pad(x, ((0, 0), (0, width - x.shape[1])), constant_values=-1)
                                    for x in its])
            item_opt, score = np.concatenate(iop), np.concatenate(scs)
    choice = np.full(md.n, NOTHING, dtype=np.int64)
    if len(items):
        choice = _greedy_fill(md, choice, items, item_opt, score)
    if len(md.inter) and _value(md, choice) < 0:  # greedy ignores interactions; never worse than nothing
        choice[:] = NOTHING
    value = _value(md, choice)
    bound = max(bound, value)
    return Plan(choice, value, bound, _gap(bound, value), "heuristic", "heuristic", bound_kind,
                time.perf_counter() - t0, _spent(md, choice), reason)


# ------------------------------------------------------------- patch problems at scale: decomposition

def _region(md: _Model, red: np.ndarray) -> np.ndarray:
    """(n, m) bool: (cell, option) pairs lying in a template placement of that option that holds at
    least one cell of positive reduced profit ``red`` (all its cells allowed for the option)."""
    pos = red > 0
    out = np.zeros_like(md.allowed)
    for cells in _placements(md.rows, md.cols, md.min_patch):
        for j in range(md.m):
            ok = np.all(md.allowed[cells, j], axis=1) & np.any(pos[cells, j], axis=1)
            out[cells[ok].ravel(), j] = True
    return out


def _submodel(md: _Model, allowed: np.ndarray, b: np.ndarray, budgets: bool) -> tuple[np.ndarray, _Model]:
    """The problem restricted to the cells with an allowed pair (other cells: nothing planted)."""
    idx = np.nonzero(allowed.any(axis=1))[0]
    rows_ = [(w[idx], cap, lab) for w, cap, lab in md.budget_rows] if budgets else []
    return idx, _Model(len(idx), md.m, b[idx], {}, rows_, allowed[idx], np.zeros((0, 5)), md.min_patch,
                       md.rows[idx], md.cols[idx])


def _components(md: _Model, al: np.ndarray) -> list[np.ndarray]:
    """4-connected components of the cells holding an allowed pair of ``al`` (cell index arrays).

    Every template placement is a connected rectangle, so no placement spans two components and the
    patch-constrained problem without budgets separates over them."""
    from scipy import ndimage

    cells = np.nonzero(al.any(axis=1))[0]
    if len(cells) == 0:
        return []
    grid = np.zeros((md.rows.max() + 1, md.cols.max() + 1), dtype=bool)
    grid[md.rows[cells], md.cols[cells]] = True
    lab, _ = ndimage.label(grid)
    labs = lab[md.rows[cells], md.cols[cells]]
    order = np.argsort(labs, kind="stable")
    parts = np.split(cells[order], np.nonzero(np.diff(labs[order]))[0] + 1)
    return sorted(parts, key=len, reverse=True)


def _patch_lagrangian(md: _Model, lam: np.ndarray, W: np.ndarray, caps: np.ndarray, time_limit_s: float,
                      engine: str, _plans: list | None = None) -> float | None:
    """Upper bound L(lam) with the budgets dualised and the patch rows kept, or None if not proven.

    L(lam) = lam.B + max { sum r_ij x_ij : one option per cell, patch rows } (+ positive interaction
    weights), r = b - lam.w, is an upper bound for every lam >= 0 (weak duality). The inner maximum
    is reached by a plan whose every template rectangle holds a cell of positive r for its option (a
    planted cell outside such rectangles has r <= 0 and may be dropped without uncovering any other
    cell), so it is computed on ``_region`` only. Without budgets the inner problem separates over the
    4-connected components of that region (``_components``): each is solved by HiGHS (two at a time
    on two threads), and the sum of their MIP dual bounds (valid when stopped early too), each
    widened by HiGHS' tolerance 1e-6 relative, is used. A component HiGHS proves nothing on within
    the time limit is bounded by its no-patch maximum sum_i max(0, max_j r_ij) (valid, looser).
    """
    from concurrent.futures import ThreadPoolExecutor

    red = np.where(md.allowed, md.b - np.tensordot(lam, W, axes=1), -np.inf) if len(caps) \
        else np.where(md.allowed, md.b, -np.inf)
    al = _region(md, red)
    deadline = time.perf_counter() + time_limit_s
    parts = _components(md, al)

    def one(cells: np.ndarray) -> tuple[float, bool, np.ndarray | None, np.ndarray]:
        a2 = np.zeros_like(al)
        a2[cells] = al[cells]
        relaxed = float(np.clip(red[cells], 0, None).max(axis=1).sum())  # no-patch bound, valid
        room = deadline - time.perf_counter()
        if room < 0.05:
            return relaxed * (1 + 1e-9), False, None, cells
        idx, sub = _submodel(md, a2, np.where(a2, red, 0.0), budgets=False)
        f = _formulate(sub, patches=True)
        res = _run_mip(f, room, 1e-6, engine, threads=1)
        ch = None
        if res.x is not None:
            ch = np.full(md.n, NOTHING, dtype=np.int64)
            ch[idx] = _choice_from_x(sub, f, res.x)
        if res.dual is None:
            return relaxed * (1 + 1e-9), False, ch, cells
        inner = max(0.0, -res.dual)
        return min(inner + 1e-6 * max(1.0, inner), relaxed * (1 + 1e-9)), True, ch, cells

    inner = 0.0
    plan = np.full(md.n, NOTHING, dtype=np.int64)
    with ThreadPoolExecutor(max_workers=2) as pool:  # highspy releases the GIL while HiGHS runs
        for val, _, ch, cells in pool.map(one, parts):
            inner += val
            if ch is not None:
                plan[cells] = ch[cells]
    if _plans is not None:  # patch-feasible, maybe over budget: repaired later
        _plans.append(plan)
    value = float(lam @ caps) + inner
    if len(md.inter):
        value += float(np.clip(md.inter[:, 4], 0, None).sum())
    return value


def _repair(md: _Model, choice: np.ndarray) -> np.ndarray:
    """Drop whole 4-connected single-option patches, lowest benefit per normalised cost first, until
    every budget holds (a dropped patch uncovers no other cell, so patches still hold)."""
    from scipy import ndimage

    choice = choice.copy()
    grid = np.full((md.rows.max() + 1, md.cols.max() + 1), -1, dtype=np.int64)
    grid[md.rows, md.cols] = np.arange(md.n)
    patches = []
    for j in np.unique(choice[choice >= 0]):
        mask = np.zeros(grid.shape, dtype=bool)
        on = np.nonzero(choice == j)[0]
        mask[md.rows[on], md.cols[on]] = True
        lab, _ = ndimage.label(mask)
        labs = lab[md.rows[on], md.cols[on]]
        order = np.argsort(labs, kind="stable")
        for cells in np.split(on[order], np.nonzero(np.diff(labs[order]))[0] + 1):
            patches.append((cells, int(j)))
    ncost = _normalised_cost(md)
    ratio = [md.b[c, j].sum() / max(ncost[c, j].sum(), 1e-300) for c, j in patches]
    used = np.array([float(w[np.nonzero(choice >= 0)[0], choice[choice >= 0]].sum()) for w, _, _ in md.budget_rows])
    caps = np.array([cap for _, cap, _ in md.budget_rows])
    for t in np.argsort(ratio, kind="stable"):
        if np.all(used <= caps):
            break
        cells, j = patches[t]
        used -= np.array([float(w[cells, j].sum()) for w, _, _ in md.budget_rows])
        choice[cells] = NOTHING
    return choice


def _patch_items(md: _Model) -> tuple[np.ndarray, np.ndarray]:
    """Every template placement fully allowed for an option: (P, s) cell indices (rows padded with -1
    where a template has fewer cells) and (P,) options."""
    its, iop = [], []
    for cells in _placements(md.rows, md.cols, md.min_patch):
        for j in range(md.m):
            pl = cells[np.all(md.allowed[cells, j], axis=1)]
            if len(pl):
                its.append(pl)
                iop.append(np.full(len(pl), j, dtype=np.int64))
    if not its:
        return np.zeros((0, md.min_patch), dtype=np.int64), np.zeros(0, dtype=np.int64)
    width = max(x.shape[1] for x in its)
    return (np.concatenate([np.pad(x, ((0, 0), (0, width - x.shape[1])), constant_values=-1) for x in its]),
            np.concatenate(iop))


def _item_sums(items: np.ndarray, iop: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Sum over each item's cells of ``v[cell, option]`` (v is (n, m))."""
    valid = items >= 0
    return np.where(valid, v[np.where(valid, items, 0), iop[:, None]], 0.0).sum(axis=1)


def _greedy_inner(md: _Model, red: np.ndarray, items: np.ndarray, iop: np.ndarray) -> np.ndarray:
    """A patch-feasible plan of large total reduced profit ``red`` (no budgets): placements in
    decreasing reduced profit, each taken if its cells hold no other option and its new cells add
    a positive reduced profit. Patches hold by construction (every planted cell is in a fully
    planted placement). A lower estimate of the Lagrangian inner maximum, used to steer lam and to
    make plans; never used as a bound."""
    v = _item_sums(items, iop, np.where(np.isfinite(red), red, 0.0))
    sel = np.nonzero(v > 0)[0]
    sel = sel[np.argsort(-v[sel], kind="stable")]
    ch = [NOTHING] * md.n
    rl = np.where(np.isfinite(red), red, 0.0).tolist()
    for cells, j in zip(items[sel].tolist(), iop[sel].tolist()):
        if cells[-1] < 0:
            cells = [c for c in cells if c >= 0]
        cur = [ch[c] for c in cells]
        if any(x != NOTHING and x != j for x in cur) or NOTHING not in cur:
            continue
        if sum(rl[c][j] for c, x in zip(cells, cur) if x == NOTHING) > 0:
            for c in cells:
                ch[c] = j
    return np.asarray(ch, dtype=np.int64)


def _fill(md: _Model, choice: np.ndarray, items: np.ndarray, iop: np.ndarray, score: np.ndarray,
          item_cost: np.ndarray, top: int = 200_000) -> np.ndarray:
    """``_greedy_fill`` on the items that could still be added (cells free or of the same option,
    cost within what is left of every budget), the ``top`` best by score."""
    valid = items >= 0
    cur = np.where(valid, choice[np.where(valid, items, 0)], NOTHING)
    ok = np.all(~valid | (cur == NOTHING) | (cur == iop[:, None]), axis=1) & np.any(valid & (cur == NOTHING), axis=1)
    ok &= score > 0
    on = np.nonzero(choice >= 0)[0]
    for r, (w, cap, _) in enumerate(md.budget_rows):
        ok &= item_cost[r] <= cap - float(w[on, choice[on]].sum())
    sel = np.nonzero(ok)[0]
    if len(sel) > top:
        sel = sel[np.argpartition(-score[sel], top)[:top]]
    if len(sel) == 0:
        return choice
    return _greedy_fill(md, choice, items[sel], iop[sel], score[sel])


def _lagrangian_plans(md: _Model, W: np.ndarray, caps: np.ndarray, lam0: np.ndarray, items: np.ndarray,
                      iop: np.ndarray, until: float) -> tuple[list[tuple[float, np.ndarray]], np.ndarray]:
    """Steer lam with ``_greedy_inner`` (a subgradient step on each budget's relative slack, step
    shrinking by 0.93 per iteration) and keep the inner plans cut to the budgets (``_repair``).

    Returns the best few feasible plans (value, choice), best first, and the lam of smallest
    estimated L (lam.B + the greedy inner value; a lower estimate of L(lam): used only to choose
    where to compute the proven bound)."""
    R = len(caps)
    scale = np.full(R, max(float(lam0 @ caps), 1e-12)) / np.maximum(caps, 1e-12) / max(R, 1)
    lam, step = lam0.astype(float).copy(), 0.3
    best_l, best_lam = np.inf, lam.copy()
    found: list[tuple[float, np.ndarray]] = []
    stale = 0
    while time.perf_counter() < until and stale < 12:  # stop after 12 iterations without progress
        stale += 1
        red = np.where(md.allowed, md.b - np.tensordot(lam, W, axes=1), -np.inf)
        ch = _greedy_inner(md, red, items, iop)
        on = np.nonzero(ch >= 0)[0]
        used = W[:, on, ch[on]].sum(axis=1)
        est = float(lam @ caps + red[on, ch[on]].sum())
        if est < best_l * (1 - 1e-6):
            best_l, best_lam, stale = est, lam.copy(), 0
        rep = _repair(md, ch)
        val = _value(md, rep)
        if all(not np.array_equal(rep, c) for _, c in found):
            stale = 0 if not found or val > found[0][0] * (1 + 1e-6) else stale
            found = sorted(found + [(val, rep)], key=lambda t: -t[0])[:3]
        lam = np.clip(lam - step * scale * (caps - used) / np.maximum(caps, 1e-12), 0.0, 1e12)  # finite: any lam >= 0 is valid
        step *= 0.93
    return found, best_lam


def _solve_decomposed(md: _Model, t0: float, time_limit_s: float, mip_rel_gap: float, engine: str,
                      base: Plan, lam: np.ndarray) -> Plan:
    """Patch problems too large for the integer programme: plans from a Lagrangian search with a
    greedy inner problem, a patch-aware Lagrangian bound (inner problem exact per component), and
    the integer programme restricted to the region the Lagrangian points at (module docstring)."""
    W = np.stack([w for w, _, _ in md.budget_rows]) if md.budget_rows else np.zeros((0, md.n, md.m))
    caps = np.array([cap for _, cap, _ in md.budget_rows])
    left = lambda: time_limit_s - (time.perf_counter() - t0)  # noqa: E731
    items, iop = _patch_items(md)
    item_cost = np.stack([_item_sums(items, iop, w) for w in W]) if len(caps) else np.zeros((0, len(items)))
    bsum = _item_sums(items, iop, md.b)
    # 1. plans: lam steered by the greedy inner problem, plans cut to the budgets, then filled
    cands = [(base.objective, base.choice)]
    lam_b = lam
    if len(caps):
        found, lam_b = _lagrangian_plans(md, W, caps, lam, items, iop, time.perf_counter() + 0.25 * left())
        cands += found
    ncost = _item_sums(items, iop, _normalised_cost(md))
    lcost = lam_b @ item_cost if len(caps) else np.zeros(len(items))
    scores = [bsum / np.maximum(ncost, 1e-300), bsum / np.maximum(lcost, 1e-300)]
    start, start_v = base.choice, base.objective
    for _, ch in cands[1:]:
        for sc in scores:
            c2 = _fill(md, ch, items, iop, sc, item_cost)
            v = _value(md, c2)
            if v > start_v:
                start, start_v = c2, v
    # 2. bound: L(lam) with the inner problem solved per component, at the lam of smallest estimate
    best_b = base.bound
    plans: list[np.ndarray] = []
    v = _patch_lagrangian(md, lam_b, W, caps, 0.6 * left(), engine, plans)
    if v is not None and v < best_b:
        best_b = v
    for ch in plans:  # the exact inner plan, cut to the budgets and filled
        ch = _repair(md, ch)
        for sc in scores:
            c2 = _fill(md, ch, items, iop, sc, item_cost)
            if _value(md, c2) > start_v:
                start, start_v = c2, _value(md, c2)
    # 3. plan: the integer programme on the region of a lower lam (more pairs) plus the start's pairs
    red = np.where(md.allowed, md.b - np.tensordot(lam_b * 0.9, W, axes=1), -np.inf) if len(caps) \
        else np.where(md.allowed, md.b, -np.inf)
    al = _region(md, red)
    on = np.nonzero(start >= 0)[0]
    al[on, start[on]] = True
    idx, sub = _submodel(md, al, md.b, budgets=True)
    # caps a hair below the budgets so that HiGHS' feasibility tolerance cannot overspend them
    sub.budget_rows = [(w, cap * (1 - 1e-9) - 1e-6, lab) if cap > 1e-3 else (w, cap, lab)
                       for w, cap, lab in sub.budget_rows]
    choice = start
    if left() > 3.0 and _gap(best_b, start_v) > mip_rel_gap / 4:
        f = _formulate(sub, patches=True)
        x0 = _x_from_choice(sub, f, start[idx]) if engine == "highspy" else None
        room = left() - 1.5  # HiGHS stops within about 1 s of its limit (measured)
        res = _run_mip(f, room, mip_rel_gap / 4, engine, x0) if room > 1.0 else _MipResult(None, None, False, "")
        if res.x is not None:
            cand = np.full(md.n, NOTHING, dtype=np.int64)
            cand[idx] = _choice_from_x(sub, f, res.x)
            on = np.nonzero(cand >= 0)[0]
            fits = all(float(w[on, cand[on]].sum()) <= cap for w, cap, _ in md.budget_rows)
            if fits and _value(md, cand) > _value(md, choice):
                choice = cand
    value = _value(md, choice)
    bound = max(best_b, value)
    kind = "lagrangian_patch" if best_b < base.bound else base.bound_kind
    gap = _gap(bound, value)
    return Plan(choice, value, bound, gap, "gap_reached" if gap <= mip_rel_gap else "time_limit",
                "decomposed", kind, time.perf_counter() - t0, _spent(md, choice))


#: Largest model ``method="auto"`` hands to milp after the heuristic (larger patch problems go to the
#: decomposition). HiGHS did not honour its time limit at 100,000 cells x 5 options, through scipy (104 s for
#: 60 s without patches, > 7 min with patches) nor through highspy without the interrupt callback (> 4 min
#: for 60 s with patches): bench/RESULTS.md; it solved 10,000-cell models within 20 s; provisional, pass
#: ``auto_max_vars`` to change it.
AUTO_MAX_VARS = 200_000


def solve(problem: PlanningProblem, *, method: str = "auto", time_limit_s: float = 60.0,
          mip_rel_gap: float = 0.01, auto_max_vars: int = AUTO_MAX_VARS, bound: str = "auto",
          engine: str | None = None) -> Plan:
    """Choose at most one option per cell maximising benefit under budgets and constraints.

    Parameters
    ----------
    problem : PlanningProblem
    method : {"milp", "heuristic", "auto"}
        ``milp``: scipy.optimize.milp (HiGHS) on the integer programme of the module docstring;
        ``heuristic``: LP rounding / greedy with the LP relaxation as bound; ``auto``: the heuristic
        first; if its gap exceeds ``mip_rel_gap`` and the formulation has at most ``auto_max_vars``
        variables, milp in the time left (from the heuristic's plan with highspy), keeping the better
        plan and the tighter of the two bounds; above ``auto_max_vars`` with a minimum patch size, the
        decomposition (patch-aware Lagrangian bound, integer programme restricted to the region the
        Lagrangian points at; method ``auto:decomposed``, bound ``lagrangian_patch``). If milp finds no
        plan in the time limit, the heuristic's plan is returned with ``reason`` saying so.
    time_limit_s, mip_rel_gap : float
        HiGHS time limit (s) and relative gap at which it stops (milp only).
    bound : {"auto", "lp", "lp_no_patch", "lagrangian"}
        Heuristic only: the LP relaxation with patch rows, without them, or the Lagrangian bound
        (budgets dualised, cheap at any size); ``auto`` = ``lp`` up to 60,000 variables.
    engine : {"highspy", "scipy"}, optional
        How HiGHS is called for integer programmes: ``highspy`` (its own Python API: a hard time limit
        by interrupt callback, the heuristic's plan as a starting solution) or ``scipy.optimize.milp``.
        Default: ``highspy`` when it is importable, else ``scipy``.

    Returns
    -------
    Plan
        An empty plan (all ``NOTHING``, status ``empty``, ``reason`` set) when there is no cell where
        any option is allowed or no budget can buy anything.

    Examples
    --------
    >>> import numpy as np
    >>> p = PlanningProblem(benefit=np.array([[3.0, 1.0], [2.0, 2.5]]),
    ...                     cost={"usd": np.array([[2.0, 1.0], [1.0, 2.0]])}, budget={"usd": 3.0})
    >>> plan = solve(p, method="milp", mip_rel_gap=0.0)
    >>> plan.choice.tolist(), plan.objective, plan.gap
    ([0, 0], 5.0, 0.0)
    """
    t0 = time.perf_counter()
    if method not in ("milp", "heuristic", "auto"):
        raise _fail(f"unknown method {method!r}")
    if bound not in ("auto",) + BOUNDS:
        raise _fail(f"unknown bound {bound!r}")
    engine = _default_engine() if engine is None else engine
    if engine not in ENGINES:
        raise _fail(f"unknown engine {engine!r}")
    if not time_limit_s > 0 or not 0 <= mip_rel_gap < 1:
        raise _fail("time_limit_s must be > 0 and 0 <= mip_rel_gap < 1")
    md = _prepare(problem)
    empty = np.full(md.n, NOTHING, dtype=np.int64)
    reason = ""
    if md.n == 0 or md.m == 0:
        reason = "no candidate cells or no options"
    elif not md.allowed.any():
        reason = "every cell is excluded or above every option's slope limit"
    elif not np.any(md.b[md.allowed] > 0) and not np.any(md.inter[:, 4] > 0 if len(md.inter) else False):
        reason = "no allowed option has any benefit"
    if reason:
        return Plan(empty, 0.0, 0.0, 0.0, "empty", method, "none", time.perf_counter() - t0,
                    _spent(md, empty), reason)
    if method == "auto":
        out: dict = {}
        plan = _solve_heuristic(md, t0, bound_kind=bound, _out=out)
        nx = int(md.allowed.sum())
        nz = nx * len(patch_templates(md.min_patch)) if md.min_patch > 1 else 0
        left = time_limit_s - (time.perf_counter() - t0)
        if plan.gap > mip_rel_gap and nx + nz > auto_max_vars and md.min_patch > 1 and left > 2.0:
            lam = out.get("lam")
            if lam is None:
                lam = _lagrangian_bound(md)[2]
            dec = _solve_decomposed(md, t0, time_limit_s, mip_rel_gap, engine, plan, lam)
            plan = Plan(dec.choice, dec.objective, dec.bound, dec.gap,
                        dec.status if dec.objective > plan.objective else "heuristic", "auto:decomposed",
                        dec.bound_kind, time.perf_counter() - t0, dec.spent, plan.reason)
        elif plan.gap > mip_rel_gap and nx + nz > auto_max_vars:
            plan = Plan(plan.choice, plan.objective, plan.bound, plan.gap, plan.status, plan.method, plan.bound_kind,
                        plan.seconds, plan.spent, plan.reason or f"the integer programme was not tried: {nx + nz:,} "
                        f"variables, above {auto_max_vars:,} (HiGHS overruns its time limit in the root LP of "
                        "such models); the gap is the heuristic's, against its bound")
        elif plan.gap > mip_rel_gap and left > 1.0:
            exact = _solve_milp(md, left, mip_rel_gap, t0, engine, start=plan.choice)
            best = exact if exact.objective >= plan.objective else plan
            bound = max(min(plan.bound, exact.bound), best.objective)  # both bounds are valid
            plan = Plan(best.choice, best.objective, bound, _gap(bound, best.objective),
                        best.status if best is exact else "heuristic", f"auto:{best.method}",
                        exact.bound_kind if bound == exact.bound else plan.bound_kind,
                        time.perf_counter() - t0, best.spent, best.reason)
    else:
        plan = (_solve_milp(md, time_limit_s, mip_rel_gap, t0, engine) if method == "milp"
                else _solve_heuristic(md, t0, bound_kind=bound))
    if not np.any(plan.choice >= 0) and not plan.reason:
        plan = Plan(plan.choice, plan.objective, plan.bound, plan.gap, plan.status, plan.method,
                    plan.bound_kind, plan.seconds, plan.spent, "no option fits within the budgets")
    return plan
