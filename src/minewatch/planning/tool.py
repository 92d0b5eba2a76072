"""The tree planner as a tool: read the hazard runs, price every (cell, species), solve, evaluate, write the plan.

``plan_trees`` works on the grid of a ``hazard landslide`` run and/or a ``hazard erosion`` run (the same
grid when both are given) inside an area (a site's polygon or buffer, or any polygon), with the people on
and below it and the exclusions given as shapes in the grid's CRS; the database side (which site, whose
people) is :mod:`minewatch.planning.service`'s.

1. the window: the area's bounding box widened by the longest runout, so paths leaving the area count;
2. today: the Monte Carlo probability of failure with the run's soil, thickness, recharge, distributions
   and seed and today's cover (the run's, or ``landcover``), the people each cell's failure could reach
   (:func:`benefit.exposure_weights`), RUSLE and InVEST SDR on the whole erosion grid with the run's C;
3. every species at maturity on every candidate cell (the cells of the area not excluded, not streams):
   exposure and soil benefits exact, sediment to first order (:mod:`minewatch.planning.benefit`);
4. the plan: :func:`minewatch.planning.optimize.solve` under the budget, the species' slope limits, the
   minimum patch size and per-species budgets;
5. the plan evaluated with the full models year by year from planting to the latest maturity;
6. ``plan.tif``, ``plan.gpkg``, ``plan.geojson``, ``summary.json``, the maps and the printable plan.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.planning import benefit as B
from minewatch.planning.optimize import BUDGET_UNITS, NOTHING, PlanningProblem, solve
from minewatch.planning.species import Species, age_class_at, load_species

OBJECTIVES = ("exposure", "soil", "sediment", "mix")
UNITS = {"exposure": "people", "soil": "t/yr", "sediment": "t/yr", "mix": "1"}
DEFAULT_WEIGHTS = {"exposure": 0.5, "soil": 0.25, "sediment": 0.25}
STAGES = ("read", "today", "benefits", "solve", "evaluate", "write")
OUTSIDE = 255


@dataclass(frozen=True)
class PlanRequest:
    """What the user asks for. ``budget`` in ``budget_unit`` (usd, seedlings or days); ``species`` ids (None:
    every species of the table); ``option_budgets`` {(species id, unit): amount}; ``min_patch_m2`` the
    smallest patch of one species (0: none); ``day_rate_usd`` adds labour to the USD cost (0: seedlings
    only); ``landcover``/``landcover_legend`` today's cover when the landslide run assumed another."""

    budget: float
    budget_unit: str = "usd"
    objective: str = "exposure"
    weights: Mapping[str, float] | None = None
    species: Sequence[str] | None = None
    species_table: str | Path | None = None
    option_budgets: Mapping[tuple[str, str], float] = field(default_factory=dict)
    min_patch_m2: float = 0.0
    day_rate_usd: float = 0.0
    reach_angle_deg: float = B.REACH_ANGLE_DEG
    max_runout_m: float = B.MAX_RUNOUT_M
    method: str = "auto"
    time_limit_s: float = 60.0
    mip_rel_gap: float = 0.01
    iterations: int | None = None
    landcover: str | Path | None = None
    landcover_legend: str | Path | None = None

    def check(self) -> None:
        if self.budget_unit not in BUDGET_UNITS:
            raise InvalidInput(f"budget unit {self.budget_unit!r}: use one of {', '.join(BUDGET_UNITS)}")
        if not (math.isfinite(self.budget) and self.budget >= 0):
            raise InvalidInput(f"budget {self.budget!r}: must be a number >= 0")
        if self.objective not in OBJECTIVES:
            raise InvalidInput(f"objective {self.objective!r}: use one of {', '.join(OBJECTIVES)}")
        for name, w in (self.weights or {}).items():
            if name not in DEFAULT_WEIGHTS or not (math.isfinite(w) and w >= 0):
                raise InvalidInput(f"weight {name}={w}: names are {', '.join(DEFAULT_WEIGHTS)}, weights >= 0")
        if not (self.min_patch_m2 >= 0 and self.day_rate_usd >= 0):
            raise InvalidInput("minimum patch area and day rate must be >= 0")


@dataclass
class _Grid:
    profile: dict
    x_size: float
    y_size: float
    cell_m2: float
    row0: int
    col0: int
    rows: int
    cols: int

    @property
    def transform(self):
        from rasterio.transform import Affine

        t = self.profile["transform"]
        return Affine(t.a, t.b, t.c + self.col0 * t.a, t.d, t.e, t.f + self.row0 * t.e)


def _mask(shapes, grid: _Grid) -> np.ndarray:
    from rasterio.features import geometry_mask

    shapes = [s for s in shapes if s is not None and not s.is_empty]
    if not shapes:
        return np.zeros((grid.rows, grid.cols), dtype=bool)
    return geometry_mask(shapes, out_shape=(grid.rows, grid.cols), transform=grid.transform, invert=True)


def _people_grid(people, grid: _Grid) -> np.ndarray:
    """People per cell: each group spread evenly over the cells of its shape (its centroid's cell when the shape
    covers no cell centre); groups outside the window are left out."""
    out = np.zeros((grid.rows, grid.cols))
    t = grid.transform
    for shape, count in people:
        if not count:
            continue
        m = _mask([shape], grid)
        if m.any():
            out[m] += float(count) / m.sum()
            continue
        c = shape.centroid
        col, row = ~t * (c.x, c.y)
        if 0 <= int(row) < grid.rows and 0 <= int(col) < grid.cols:
            out[int(row), int(col)] += float(count)
    return out


def _read_window(path: Path, grid: _Grid) -> np.ndarray:
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(path) as src:
        v = src.read(1, window=Window(grid.col0, grid.row0, grid.cols, grid.rows), boundless=True,
                     fill_value=src.nodata if src.nodata is not None else np.nan).astype(np.float64)
        if src.nodata is not None and not np.isnan(src.nodata):
            v[v == src.nodata] = np.nan
    return v


def _read_full(path: Path) -> np.ndarray:
    from minewatch.adapters.rasters import read_raster

    return read_raster(path).values


@dataclass
class _Erosion:
    routing: object
    rkls: np.ndarray
    c: np.ndarray
    p: np.ndarray
    stream: np.ndarray
    k: float
    ic0: float
    sdr_max: float
    cell_size: float
    findings: list


def _load_erosion(folder: Path) -> _Erosion:
    import rasterio

    from minewatch.geomodels.erosion import SPEC
    from minewatch.geomodels.erosion import sdr as S

    need = ("pit_filled_dem.tif", "rkls.tif", "stream.tif", "usle.tif")
    missing = [n for n in need if not (folder / n).is_file()]
    if missing:
        raise InvalidInput(f"{folder}: missing {', '.join(missing)} (the folder of a 'hazard erosion' run)")
    with rasterio.open(folder / "pit_filled_dem.tif") as src:
        t = src.transform
    filled = _read_full(folder / "pit_filled_dem.tif")
    rkls = _read_full(folder / "rkls.tif")
    stream = np.nan_to_num(_read_full(folder / "stream.tif"), nan=0).astype(np.uint8)
    findings = []
    if (folder / "c_factor.tif").is_file():
        c, p = _read_full(folder / "c_factor.tif"), _read_full(folder / "p_factor.tif")
    else:  # runs before c_factor.tif was written: C P = usle / rkls, P taken as 1
        usle = _read_full(folder / "usle.tif")
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(rkls > 0, usle / rkls, np.nan)
        p = np.ones_like(c)
        findings.append({"code": "planning.c_from_usle", "message": f"{folder}: no c_factor.tif (an older run): "
                         "today's C taken as usle / rkls with P = 1"})
    defaults = {prm.name: prm.default for prm in SPEC.parameters}
    params = {}
    if (folder / "parameters.json").is_file():
        params = json.loads((folder / "parameters.json").read_text(encoding="utf-8"))

    def value(name):
        v = params.get(name)
        return float(v["value"] if isinstance(v, dict) else v) if v is not None else float(defaults[name])

    routing = S.route(filled, float(t.a), float(t.e))
    return _Erosion(routing, rkls, c, p, stream, value("k"), value("ic0"), value("sdr_max"), abs(float(t.a)), findings)


def _species(request: PlanRequest) -> list[Species]:
    table = load_species(request.species_table) if request.species_table else load_species()
    if request.species is None:
        return list(table.values())
    unknown = [s for s in request.species if s not in table]
    if unknown:
        raise InvalidInput(f"unknown species {', '.join(unknown)}; known: {', '.join(sorted(table))}")
    return [table[s] for s in request.species]


def _at_age(sp: Species, age: float) -> dict:
    ac = age_class_at(sp, age)
    return {"root_cohesion_pa": ac.root_cohesion_pa, "rooting_depth_m": sp.rooting_depth_m, "c": ac.usle_c,
            "survival": sp.survival_fraction}


def plan_trees(out_dir, *, area, request: PlanRequest, landslide_dir=None, erosion_dir=None, people=(),
               exclusions=(), site: str | None = None, area_name: str | None = None, lang: str = "en",
               on_stage: Callable[[str, int, int], None] | None = None) -> dict:
    """Plan where to plant what; write the plan folder; return summary.json's dict.

    ``area``, the ``people`` shapes ((geometry, count) pairs) and ``exclusions`` are shapely geometries in the
    runs' CRS. Raises InvalidInput for inputs that cannot make a plan (no run, runs on different grids, an
    area outside the grid, an objective whose inputs are missing)."""
    import rasterio

    from minewatch.geomodels.landslide import load_run, stability

    request.check()
    t_start = time.perf_counter()
    done_stages: list[str] = []

    def stage(name: str) -> None:
        done_stages.append(name)
        if on_stage is not None:
            on_stage(name, len(done_stages), len(STAGES))

    if landslide_dir is None and erosion_dir is None:
        raise InvalidInput("give a landslide run folder, an erosion run folder, or both")
    run = (load_run(landslide_dir, landcover=request.landcover, landcover_legend=request.landcover_legend)
           if landslide_dir else None)
    ero = _load_erosion(Path(erosion_dir)) if erosion_dir else None
    if run is not None:
        profile = run.profile
    else:
        with rasterio.open(Path(erosion_dir) / "usle.tif") as src:
            profile = src.profile.copy()
    if run is not None and ero is not None:
        with rasterio.open(Path(erosion_dir) / "usle.tif") as src:
            if (src.height, src.width) != (profile["height"], profile["width"]) or src.transform != profile["transform"]:
                raise InvalidInput(f"the erosion run {erosion_dir} is not on the landslide run's grid (shape "
                                   f"{(src.height, src.width)} vs {(profile['height'], profile['width'])}, the "
                                   "transforms must match): run both on the same DEM")
    if request.objective in ("exposure",) and run is None:
        raise InvalidInput("the exposure objective needs a landslide run (probability of failure)")
    if request.objective in ("soil", "sediment") and ero is None:
        raise InvalidInput(f"the {request.objective} objective needs an erosion run")
    species = _species(request)
    t = profile["transform"]
    x_size, y_size = float(t.a), float(t.e)
    cell_m2 = abs(x_size * y_size)
    ha = cell_m2 / 10_000.0
    if area is None or area.is_empty:
        raise InvalidInput("the area is empty")
    # 1. the window
    from rasterio.windows import from_bounds

    pad = int(math.ceil(request.max_runout_m / min(abs(x_size), abs(y_size)))) + 1 if run is not None else 1
    w = from_bounds(*area.bounds, transform=t)
    r0 = max(0, int(math.floor(w.row_off)) - pad)
    c0 = max(0, int(math.floor(w.col_off)) - pad)
    r1 = min(profile["height"], int(math.ceil(w.row_off + w.height)) + pad)
    c1 = min(profile["width"], int(math.ceil(w.col_off + w.width)) + pad)
    if r1 <= r0 or c1 <= c0:
        raise InvalidInput("the area lies outside the hazard runs' grid")
    grid = _Grid(profile, x_size, y_size, cell_m2, r0, c0, r1 - r0, c1 - c0)
    in_area = _mask([area], grid)
    if not in_area.any():
        raise InvalidInput("the area covers no cell centre of the hazard runs' grid")
    excluded = _mask(list(exclusions), grid) & in_area
    people_grid = _people_grid(people, grid)
    shape = (grid.rows, grid.cols)
    findings: list[dict] = list(ero.findings if ero else [])
    stage("read")

    # 2. today
    base_c = (ero.c[r0:r1, c0:c1].copy() if ero is not None else np.full(shape, np.nan))
    if run is not None:
        win = run.window(r0, r1, c0, c1)
        lc = win["landcover"]
        base = B.Cover((lc["root_cohesion_min_pa"].copy(), lc["root_cohesion_mode_pa"].copy(),
                        lc["root_cohesion_max_pa"].copy()), lc["rooting_depth_m"].copy(), base_c)
        slope_deg = win["slope"]

        cells_a = np.flatnonzero(in_area)

        def pfail(cover: B.Cover) -> np.ndarray:
            """Probability of failure on the area's cells (NaN elsewhere in the window): only they change."""
            def pick(values: dict) -> dict:
                return {k: np.asarray(v).ravel()[cells_a] for k, v in values.items()}

            out = stability(run, win["slope"].ravel()[cells_a], win["sca"].ravel()[cells_a], pick(win["soil"]),
                            pick(cover.landcover_values()), iterations=request.iterations)
            full = np.full(shape, np.nan)
            full.ravel()[cells_a] = out["probability_of_failure"]
            return full

        dem_win = _read_window(Path(run.dem), grid) if run.dem and Path(run.dem).exists() else None
        if dem_win is None and ero is not None:
            dem_win = ero.routing.filled[r0:r1, c0:c1]
        if dem_win is None:
            raise InvalidInput(f"the landslide run's DEM {run.dem} is not readable: needed for the runout paths")
        if run.band != 1:
            import rasterio as rio
            from rasterio.windows import Window

            with rio.open(run.dem) as src:
                dem_win = src.read(run.band, window=Window(c0, r0, grid.cols, grid.rows), boundless=True,
                                   fill_value=np.nan).astype(float)
                if src.nodata is not None and not np.isnan(src.nodata):
                    dem_win[dem_win == src.nodata] = np.nan
        exposure_w = B.exposure_weights(dem_win, people_grid, x_size=x_size, y_size=y_size,
                                        reach_angle_deg=request.reach_angle_deg, max_runout_m=request.max_runout_m)
        pf0 = pfail(base)
    else:
        base = B.Cover((np.zeros(shape),) * 3, np.zeros(shape), base_c)
        slope_deg = np.degrees(np.arctan(ero.routing.slope_pct[r0:r1, c0:c1] / 100.0))
        exposure_w = pf0 = None
    if request.objective == "exposure" and not np.any(people_grid > 0):
        raise InvalidInput("the exposure objective needs people on or below the area: none are assigned here "
                           "(use --objective soil or sediment, or assign people to the site)")

    def full_c(c_win: np.ndarray) -> np.ndarray:
        c = ero.c.copy()
        c[r0:r1, c0:c1] = np.where(np.isnan(c_win), c[r0:r1, c0:c1], c_win)
        return c

    def sed_state(c_win: np.ndarray, sensitivities: bool) -> B.SedimentState:
        return B.sediment_state(ero.routing, rkls=ero.rkls, c=full_c(c_win), p=ero.p, stream=ero.stream,
                                cell_size=ero.cell_size, k=ero.k, ic0=ero.ic0, sdr_max=ero.sdr_max,
                                sensitivities=sensitivities)

    rkls_w = ero.rkls[r0:r1, c0:c1] if ero is not None else None
    p_w = ero.p[r0:r1, c0:c1] if ero is not None else None
    st0 = sed_state(base_c, True) if ero is not None else None

    def evaluate(cover: B.Cover) -> dict[str, float | None]:
        out: dict[str, float | None] = {"exposure": None, "soil": None, "sediment": None}
        layers: dict[str, np.ndarray] = {}
        if run is not None:
            pf = pfail(cover)
            out["exposure"] = float(np.nansum((pf * exposure_w)[in_area]))
            layers["exposure"] = pf
        if ero is not None:
            st = sed_state(cover.c, False)
            usle_w = st.usle[r0:r1, c0:c1]
            out["soil"] = float(np.nansum(usle_w[in_area]) * ha)
            out["sediment"] = float(np.nansum(st.sed_export) * ha)
            layers["soil"] = usle_w
            layers["sediment"] = st.sed_export[r0:r1, c0:c1]
        return out, layers

    baseline, base_layers = evaluate(base)
    if ero is not None:
        baseline["sediment"] = float(np.nansum(st0.sed_export) * ha)
    stage("today")

    # 3. candidates and benefits at maturity
    valid = in_area & ~excluded & ~np.isnan(slope_deg)
    if ero is not None:
        valid &= ~np.isnan(rkls_w) & (ero.stream[r0:r1, c0:c1] != 1) & ~np.isnan(base_c)
    rows_i, cols_i = np.nonzero(valid)
    n, m = rows_i.size, len(species)
    flat_w = rows_i * grid.cols + cols_i
    flat_g = (rows_i + r0) * profile["width"] + (cols_i + c0)
    benefits = {o: np.zeros((n, m)) for o in ("exposure", "soil", "sediment")}
    for j, sp in enumerate(species):
        mature = _at_age(sp, sp.years_to_maturity)
        cover_j = B.planted(base, valid, root_cohesion_pa=mature["root_cohesion_pa"],
                            rooting_depth_m=mature["rooting_depth_m"], c=mature["c"], survival=mature["survival"])
        if run is not None:
            benefits["exposure"][:, j] = ((pf0 - pfail(cover_j)) * exposure_w).ravel()[flat_w]
        if ero is not None:
            c_new = cover_j.c.ravel()[flat_w]
            c_old = base_c.ravel()[flat_w]
            benefits["soil"][:, j] = (rkls_w.ravel()[flat_w] * p_w.ravel()[flat_w] * (c_old - c_new)) * ha
            benefits["sediment"][:, j] = B.sediment_benefit(st0, flat_g, rkls=ero.rkls, p=ero.p, c0=c_old,
                                                            c_new=c_new) * ha
    available = [o for o in ("exposure", "soil", "sediment") if baseline[o] is not None]
    if request.objective == "mix":
        weights = {o: float((request.weights or DEFAULT_WEIGHTS).get(o, 0.0)) for o in available}
        total_w = sum(weights.values())
        if total_w <= 0:
            raise InvalidInput("the mix objective needs a positive weight on an objective with inputs "
                               f"({', '.join(available)})")
        area_base = {o: _area_baseline(o, base_layers, in_area, exposure_w, ha) for o in available}
        b = sum(weights[o] / total_w * benefits[o] / area_base[o] for o in available if area_base[o] > 0)
        b = np.asarray(b if not np.isscalar(b) else np.zeros((n, m)))
    else:
        weights = None
        b = benefits[request.objective]
    b = np.where(np.isfinite(b) & (b > 0), b, 0.0)
    stage("benefits")

    # 4. solve
    seedlings = np.array([sp.seedlings_per_ha * ha for sp in species])
    days = np.array([sp.labour_days_per_ha * ha for sp in species])
    usd = np.array([float(sp.seedling_cost_usd) for sp in species]) * seedlings + days * request.day_rate_usd
    cost = {u: np.tile(v, (n, 1)) for u, v in (("usd", usd), ("seedlings", seedlings), ("days", days))}
    min_patch = max(1, int(math.ceil(request.min_patch_m2 / cell_m2))) if request.min_patch_m2 > 0 else 1
    problem = PlanningProblem(benefit=b, cost=cost, budget={request.budget_unit: float(request.budget)},
                              option_budget=dict(request.option_budgets), slope=slope_deg[valid],
                              slope_limit=np.array([sp.max_slope_deg for sp in species]),
                              rows=rows_i, cols=cols_i, min_patch=min_patch,
                              option_names=[sp.id for sp in species])
    plan = solve(problem, method=request.method, time_limit_s=request.time_limit_s, mip_rel_gap=request.mip_rel_gap)
    choice = plan.choice
    stage("solve")

    # 5. evaluate year by year with the full models
    chosen = sorted({int(j) for j in choice if j != NOTHING})
    horizon = int(math.ceil(max([species[j].years_to_maturity for j in chosen] or [0])))
    years = []
    after_layers = base_layers
    for year in range(0, horizon + 1):
        cover = base
        for j in chosen:
            cells = np.zeros(shape, dtype=bool)
            cells.ravel()[flat_w[choice == j]] = True
            v = _at_age(species[j], year)
            cover = B.planted(cover, cells, root_cohesion_pa=v["root_cohesion_pa"],
                              rooting_depth_m=v["rooting_depth_m"], c=v["c"], survival=v["survival"])
        values, layers = evaluate(cover) if chosen else (dict(baseline), base_layers)
        years.append({"year": year, **{k: _round(v) for k, v in values.items()}})
        after_layers = layers
    final = years[-1]
    stage("evaluate")

    # 6. write
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    codes = np.full(shape, OUTSIDE, dtype=np.uint8)
    codes[in_area] = 0
    code_of = {j: k + 1 for k, j in enumerate(chosen)}
    for j in chosen:
        codes.ravel()[flat_w[choice == j]] = code_of[j]
    by_species = []
    for j in chosen:
        sp = species[j]
        cells = int(np.sum(choice == j))
        seeds = int(round(cells * seedlings[j]))
        by_species.append({
            "id": sp.id, "code": code_of[j], "names": dict(sp.names), "scientific_name": sp.scientific_name,
            "life_form": sp.life_form, "cells": cells, "area_ha": round(cells * ha, 4), "seedlings": seeds,
            "cost_usd": _money(Decimal(seeds) * sp.seedling_cost_usd + Decimal(str(round(cells * days[j], 6)))
                               * Decimal(str(request.day_rate_usd))),
            "labour_days": round(cells * days[j], 2), "survival": sp.survival_fraction,
            "years_to_maturity": sp.years_to_maturity, "spacing_m": sp.spacing_m, "provisional": sp.provisional})
    files = _write_files(out_dir, codes, grid, by_species, species, seedlings, days, request, ha)
    obj = request.objective
    if obj == "mix":
        area_base = {o: _area_baseline(o, base_layers, in_area, exposure_w, ha) for o in available}
        area_after = {o: _area_baseline(o, after_layers, in_area, exposure_w, ha) for o in available}
        tw = sum(weights.values())
        base_val = sum(weights[o] / tw for o in available if area_base[o] > 0)
        exp_val = sum(weights[o] / tw * area_after[o] / area_base[o] for o in available if area_base[o] > 0)
    else:
        base_val, exp_val = baseline[obj], final[obj]
    predicted = (base_val - plan.objective) if obj != "mix" else base_val - plan.objective
    summary = {
        "version": 1, "site": site, "area": area_name, "crs": str(profile.get("crs")),
        "cell_size_m": abs(x_size), "candidate_cells": int(n), "area_cells": int(in_area.sum()),
        "excluded_cells": int(excluded.sum()),
        "objective": {"name": obj, "units": UNITS[obj], **({"weights": weights} if weights else {})},
        "baseline": _round(base_val), "expected": _round(exp_val),
        "reduction": _round(base_val - exp_val),
        "reduction_share": _round((base_val - exp_val) / base_val) if base_val else None,
        "predicted_expected": _round(predicted),
        "gap": plan.gap, "bound": plan.bound, "status": plan.status, "method": plan.method,
        "bound_kind": plan.bound_kind, "reason": plan.reason, "seconds": round(time.perf_counter() - t_start, 2),
        "solve_seconds": round(plan.seconds, 3), "min_patch_cells": min_patch,
        "gap_applies_to": ("the full model (exposure and soil benefits add up exactly)" if obj in ("exposure", "soil")
                           else "the first-order sediment model; 'expected' is the full model's value"),
        "budget": {"value": float(request.budget), "unit": request.budget_unit,
                   **({"by_species": {f"{k[0]}:{k[1]}": v for k, v in request.option_budgets.items()}}
                      if request.option_budgets else {})},
        "seedlings": int(sum(s["seedlings"] for s in by_species)),
        "cost_usd": _money(sum((Decimal(str(s["cost_usd"])) for s in by_species), Decimal(0))),
        "labour_days": round(sum(s["labour_days"] for s in by_species), 2),
        "area_ha": round(sum(s["area_ha"] for s in by_species), 4),
        "day_rate_usd": request.day_rate_usd,
        "by_species": by_species,
        "objectives": {o: (None if baseline[o] is None else
                           {"baseline": _round(baseline[o]), "expected": final[o], "units": UNITS[o]})
                       for o in ("exposure", "soil", "sediment")},
        "years": years, "maturity_year": horizon,
        "patches": files.pop("_patches"),
        "assumptions": {"reach_angle_deg": request.reach_angle_deg, "max_runout_m": request.max_runout_m,
                        "survival": "root cohesion x survival, C = C0 + survival (C_species - C0)",
                        "iterations": request.iterations or (run.iterations if run else None),
                        "species_considered": [sp.id for sp in species]},
        "provisional": sorted({*(f"species:{sp.id}" for sp in species if sp.provisional),
                               f"reach angle {request.reach_angle_deg:g} deg",
                               *(["landslide run: " + p for p in run.parameters.get("provisional", [])] if run else [])}),
        "findings": findings, "files": files,
    }
    stage("write")
    maps = _write_maps(out_dir, codes, grid, by_species, base_layers, after_layers, area, dem_win if run else None,
                       lang)
    summary["files"]["maps"] = maps
    summary["files"]["printable"] = _write_printable(out_dir, summary, maps, lang)
    summary["files"]["summary"] = "summary.json"
    summary = _finite(summary)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=_json,
                                                     allow_nan=False))
    return summary


def _finite(v):
    """JSON-safe: NaN and infinities become None (the database refuses NaN in JSON), numpy scalars plain."""
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    if isinstance(v, (np.floating, float)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


def _area_baseline(o: str, layers: dict, in_area: np.ndarray, exposure_w, ha: float) -> float:
    v = layers[o]
    if o == "exposure":
        return float(np.nansum((v * exposure_w)[in_area]))
    return float(np.nansum(v[in_area]) * ha)


def _round(v):
    return None if v is None else float(f"{float(v):.6g}")


def _money(d: Decimal) -> float:
    return float(d.quantize(Decimal("0.01")))


def _json(v):
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, Decimal):
        return float(v)
    raise TypeError(type(v))


def _write_files(out_dir: Path, codes: np.ndarray, grid: _Grid, by_species, species, seedlings, days,
                 request: PlanRequest, ha: float) -> dict:
    import rasterio
    import shapely
    from pyproj import CRS, Transformer
    from rasterio.features import shapes

    profile = {"driver": "GTiff", "height": grid.rows, "width": grid.cols, "count": 1, "dtype": "uint8",
               "crs": grid.profile.get("crs"), "transform": grid.transform, "nodata": OUTSIDE, "compress": "deflate"}
    with rasterio.open(out_dir / "plan.tif", "w", **profile) as dst:
        dst.write(codes, 1)
        dst.update_tags(1, **{f"code_{s['code']}": s["id"] for s in by_species}, code_0="nothing planted",
                        code_255="outside the area")
    by_code = {s["code"]: s for s in by_species}
    sp_of = {sp.id: (k, sp) for k, sp in enumerate(species)}
    rows = []
    mask = (codes > 0) & (codes != OUTSIDE)
    for geom, value in shapes(codes, mask=mask, connectivity=4, transform=grid.transform):
        s = by_code[int(value)]
        j, sp = sp_of[s["id"]]
        poly = shapely.geometry.shape(geom)
        cells = poly.area / grid.cell_m2
        rows.append({"geometry": poly, "species": s["id"], "area_ha": round(poly.area / 10_000, 4),
                     "seedlings": int(round(cells * seedlings[j])),
                     "cost_usd": round(float(sp.seedling_cost_usd) * cells * seedlings[j]
                                       + cells * days[j] * request.day_rate_usd, 2),
                     "labour_days": round(cells * days[j], 2)})
    crs = CRS.from_user_input(grid.profile.get("crs")) if grid.profile.get("crs") else None
    patches = []
    to_wgs = Transformer.from_crs(crs, "EPSG:4326", always_xy=True) if crs else None
    for k, r in enumerate(rows, start=1):
        r["patch"] = k
        c = r["geometry"].centroid
        lon, lat = to_wgs.transform(c.x, c.y) if to_wgs else (c.x, c.y)
        patches.append({"id": k, "species": r["species"], "area_ha": r["area_ha"], "seedlings": r["seedlings"],
                        "lon": round(lon, 6), "lat": round(lat, 6)})
    _write_vector(out_dir / "plan.gpkg", rows, crs, layer="plan")
    if to_wgs:
        wgs_rows = [{**r, "geometry": shapely.transform(r["geometry"], lambda xy: np.column_stack(
            to_wgs.transform(xy[:, 0], xy[:, 1])))} for r in rows]
        _write_vector(out_dir / "plan.geojson", wgs_rows, CRS.from_epsg(4326), layer="plan")
    return {"gpkg": "plan.gpkg", "geojson": "plan.geojson" if to_wgs else None, "tif": "plan.tif",
            "_patches": patches}


def _write_vector(path: Path, rows: list[dict], crs, *, layer: str) -> None:
    """Polygons with their attributes through pyogrio (an empty layer when the plan is empty)."""
    import shapely

    fields = ("patch", "species", "area_ha", "seedlings", "cost_usd", "labour_days")
    if path.exists():
        path.unlink()
    geometry = np.array([shapely.to_wkb(r["geometry"]) for r in rows], dtype=object)
    columns = {f: np.array([r[f] for r in rows], dtype=object if f == "species" else float) for f in fields}
    if rows:
        columns["patch"] = columns["patch"].astype(np.int32)
        columns["seedlings"] = columns["seedlings"].astype(np.int64)
    else:
        columns = {"patch": np.array([], dtype=np.int32), "species": np.array([], dtype=object),
                   **{f: np.array([], dtype=float) for f in ("area_ha", "cost_usd", "labour_days")},
                   "seedlings": np.array([], dtype=np.int64)}
    driver = "GPKG" if path.suffix == ".gpkg" else "GeoJSON"
    from pyogrio.raw import write

    write(path, geometry, list(columns.values()), list(columns.keys()), layer=layer, driver=driver,
          geometry_type="Polygon", crs=crs.to_wkt() if crs else None)


def _write_maps(out_dir, codes, grid, by_species, before, after, area, dem, lang) -> dict:
    from minewatch.planning import report

    _ = report._translator(lang)
    labels = {"exposure": _("probability of failure"), "soil": _("soil loss (t/ha/yr)"),
              "sediment": _("sediment export (t/ha/yr)")}
    layers = {k: {"before": before[k], "after": after[k], "label": labels[k], "log": k != "exposure"}
              for k in before}

    def name(s) -> str:
        text = s["names"].get(lang) or s["names"].get("en") or s["id"]
        return text.split(";")[0].strip()

    options = [{"code": s["code"], "id": s["id"], "name": name(s), "life_form": s["life_form"],
                "seedlings": s["seedlings"]} for s in by_species]
    crs = grid.profile.get("crs")
    paths = report.write_maps(out_dir, plan_codes=codes, options=options, layers=layers, transform=grid.transform,
                              crs=str(crs) if crs else None, outline=area, hillshade_dem=dem, lang=lang)
    return {k: Path(v).name for k, v in paths.items()}


def _write_printable(out_dir, summary, maps, lang) -> str:
    from minewatch.planning import report

    return Path(report.write_printable(Path(out_dir) / "plan.html", summary, maps=maps, lang=lang)).name
