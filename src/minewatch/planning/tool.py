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
from minewatch.planning.species import Measure, Species, age_class_at, load_measures, load_species

OBJECTIVES = ("exposure", "soil", "sediment", "mix")
UNITS = {"exposure": "people", "soil": "t/yr", "sediment": "t/yr", "mix": "1"}
DEFAULT_WEIGHTS = {"exposure": 0.5, "soil": 0.25, "sediment": 0.25}
STAGES = ("read", "today", "benefits", "solve", "evaluate", "write")
OUTSIDE = 255


@dataclass(frozen=True)
class PlanRequest:
    """What the user asks for. ``budget`` in ``budget_unit`` (usd, seedlings or days); ``species`` ids (None:
    every species of the table); ``measures`` ids of physical measures priced per hectare (bench terraces,
    contour trenches) offered beside the species; ``option_budgets`` {(species id, unit): amount}; ``min_patch_m2`` the
    smallest patch of one species (0: none); ``day_rate_usd`` adds labour to the USD cost (0: seedlings
    only); ``landcover``/``landcover_legend`` today's cover when the landslide run assumed another."""

    budget: float
    budget_unit: str = "usd"
    objective: str = "exposure"
    weights: Mapping[str, float] | None = None
    species: Sequence[str] | None = None
    measures: Sequence[str] | None = None
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


@dataclass(frozen=True)
class Option:
    """What may go on a cell: a species (planted) or a physical measure priced per hectare (built)."""

    species: Species | None = None
    measure: Measure | None = None

    @property
    def item(self):
        return self.species if self.species is not None else self.measure

    @property
    def kind(self) -> str:
        return "species" if self.species is not None else "measure"

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def seedlings_per_ha(self) -> float:
        return float(self.species.seedlings_per_ha) if self.species else 0.0

    @property
    def usd_per_ha(self) -> Decimal:
        """Seedlings (species) or the measure's price per hectare, exact."""
        return self.species.cost_per_ha_usd if self.species else self.measure.cost_usd_per_unit

    @property
    def labour_days_per_ha(self) -> float:
        return self.species.labour_days_per_ha if self.species else self.measure.labour_days_per_unit

    @property
    def years_to_maturity(self) -> float:
        return self.species.years_to_maturity if self.species else 0.0

    def cover(self, base: B.Cover, cells: np.ndarray, age: float) -> B.Cover:
        """``base`` with this option on ``cells`` at ``age`` years (a maintained measure does not age)."""
        if self.species is not None:
            v = _at_age(self.species, age)
            return B.planted(base, cells, root_cohesion_pa=v["root_cohesion_pa"], rooting_depth_m=v["rooting_depth_m"],
                             c=v["c"], survival=v["survival"])
        m = self.measure
        return B.treated(base, cells, usle_p=m.usle_p, cohesion_add_pa=m.cohesion_add_kpa * 1000.0)

    def record(self) -> dict:
        """The fields of summary.json's ``by_species`` entry that describe the option itself."""
        if self.species is not None:
            sp = self.species
            return {"kind": "species", "id": sp.id, "names": dict(sp.names), "scientific_name": sp.scientific_name,
                    "life_form": sp.life_form, "survival": sp.survival_fraction,
                    "years_to_maturity": sp.years_to_maturity, "spacing_m": sp.spacing_m,
                    "provisional": sp.provisional}
        m = self.measure
        return {"kind": "measure", "id": m.id, "names": dict(m.names), "scientific_name": "", "life_form": "measure",
                "survival": None, "years_to_maturity": 0, "spacing_m": None, "lifetime_years": m.lifetime_years,
                "usle_p": m.usle_p, "provisional": m.provisional}


def _options(request: PlanRequest) -> list[Option]:
    """The species asked for, then the measures asked for (only those priced per hectare can fill a cell)."""
    options = [Option(species=sp) for sp in _species(request)]
    if request.measures:
        table = load_measures()
        unknown = [m for m in request.measures if m not in table]
        if unknown:
            raise InvalidInput(f"unknown measure {', '.join(unknown)}; known: {', '.join(sorted(table))}")
        for mid in request.measures:
            m = table[mid]
            if m.unit != "ha":
                raise InvalidInput(f"measure {mid} is priced per {m.unit}: only measures priced per hectare "
                                   f"({', '.join(k for k, v in table.items() if v.unit == 'ha')}) can fill cells")
            options.append(Option(measure=m))
    return options


def plan_trees(out_dir, *, area, request: PlanRequest, landslide_dir=None, erosion_dir=None, people=(),
               exclusions=(), site: str | None = None, area_name: str | None = None, lang: str = "en",
               on_stage: Callable[[str, int, int], None] | None = None) -> dict:
    """Plan where to plant what; write the plan folder; return summary.json's dict.

    ``area``, the ``people`` shapes ((geometry, count) pairs) and ``exclusions`` are shapely geometries in the
    runs' CRS. Raises InvalidInput for inputs that cannot make a plan (no run, runs on different grids, an
    area outside the grid, an objective whose inputs are missing)."""
    request.check()
    t_start = time.perf_counter()
    done_stages: list[str] = []

    def stage(name: str) -> None:
        done_stages.append(name)
        if on_stage is not None:
            on_stage(name, len(done_stages), len(STAGES))

    from minewatch.planning.scene import build_scene

    if request.objective == "exposure" and landslide_dir is None:
        raise InvalidInput("the exposure objective needs a landslide run (probability of failure)")
    if request.objective in ("soil", "sediment") and erosion_dir is None:
        raise InvalidInput(f"the {request.objective} objective needs an erosion run")
    options = _options(request)
    sc = build_scene(area=area, landslide_dir=landslide_dir, erosion_dir=erosion_dir, people=people,
                     exclusions=exclusions, landcover=request.landcover, landcover_legend=request.landcover_legend,
                     reach_angle_deg=request.reach_angle_deg, max_runout_m=request.max_runout_m,
                     iterations=request.iterations)
    stage("read")
    run, ero, grid, shape, ha = sc.run, sc.ero, sc.grid, sc.shape, sc.ha
    profile, x_size, cell_m2 = grid.profile, grid.x_size, grid.cell_m2
    in_area, excluded, base, slope_deg = sc.in_area, sc.excluded, sc.base, sc.slope_deg
    exposure_w, findings, evaluate, pfail = sc.exposure_w, sc.findings, sc.evaluate, sc.pfail
    if request.objective == "exposure" and not np.any(sc.people_grid > 0):
        raise InvalidInput("the exposure objective needs people on or below the area: none are assigned here "
                           "(use --objective soil or sediment, or assign people to the site)")
    pf0 = pfail(base) if run is not None else None
    st0 = sc.sed_state(base.c, True) if ero is not None else None
    baseline, base_layers = evaluate(base)
    stage("today")

    # 3. candidates and benefits at maturity
    cand = _candidates(sc)
    n, m = cand.rows.size, len(options)
    benefits = _benefits(sc, options, cand, pf0, st0)
    available = [o for o in ("exposure", "soil", "sediment") if baseline[o] is not None]
    weights = _mix_weights(request, available) if request.objective == "mix" else None
    area_base = {o: _area_baseline(o, base_layers, in_area, exposure_w, ha) for o in available}
    b = _objective_benefit(request.objective, benefits, weights, area_base, (n, m))
    stage("benefits")

    # 4. solve
    seedlings = np.array([o.seedlings_per_ha * ha for o in options])
    days = np.array([o.labour_days_per_ha * ha for o in options])
    usd = np.array([float(o.usd_per_ha) * ha for o in options]) + days * request.day_rate_usd
    cost = {u: np.tile(v, (n, 1)) for u, v in (("usd", usd), ("seedlings", seedlings), ("days", days))}
    min_patch = max(1, int(math.ceil(request.min_patch_m2 / cell_m2))) if request.min_patch_m2 > 0 else 1
    problem = PlanningProblem(benefit=b, cost=cost, budget={request.budget_unit: float(request.budget)},
                              option_budget=dict(request.option_budgets), slope=slope_deg[cand.mask],
                              slope_limit=np.array([o.item.max_slope_deg for o in options]),
                              rows=cand.rows, cols=cand.cols, min_patch=min_patch,
                              option_names=[o.id for o in options])
    plan = solve(problem, method=request.method, time_limit_s=request.time_limit_s, mip_rel_gap=request.mip_rel_gap)
    choice = plan.choice
    stage("solve")

    # 5. evaluate year by year with the full models
    chosen = sorted({int(j) for j in choice if j != NOTHING})
    years, after_layers = _yearly(sc, options, cand, choice, chosen, baseline, base_layers)
    horizon = years[-1]["year"]
    final = years[-1]
    stage("evaluate")

    # 6. write
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    codes = np.full(shape, OUTSIDE, dtype=np.uint8)
    codes[in_area] = 0
    code_of = {j: k + 1 for k, j in enumerate(chosen)}
    for j in chosen:
        codes.ravel()[cand.flat_window[choice == j]] = code_of[j]
    by_species = []
    for j in chosen:
        o = options[j]
        cells = int(np.sum(choice == j))
        seeds = int(round(cells * seedlings[j]))
        material = (Decimal(seeds) * o.species.seedling_cost_usd if o.species is not None
                    else o.usd_per_ha * Decimal(str(round(cells * ha, 6))))
        by_species.append({
            **o.record(), "code": code_of[j], "cells": cells, "area_ha": round(cells * ha, 4), "seedlings": seeds,
            "cost_usd": _money(material + Decimal(str(round(cells * days[j], 6))) * Decimal(str(request.day_rate_usd))),
            "labour_days": round(cells * days[j], 2)})
    per_cell = {code_of[j]: (seedlings[j], usd[j], days[j]) for j in chosen}
    files = _write_files(out_dir, codes, grid, by_species, per_cell)
    obj = request.objective
    if obj == "mix":
        area_after = {o: _area_baseline(o, after_layers, in_area, exposure_w, ha) for o in available}
        tw = sum(weights.values())
        base_val = sum(weights[o] / tw for o in available if area_base[o] > 0)
        exp_val = sum(weights[o] / tw * area_after[o] / area_base[o] for o in available if area_base[o] > 0)
    else:
        base_val, exp_val = baseline[obj], final[obj]
    predicted = base_val - plan.objective  # the optimiser's own estimate (first order for sediment and mix)
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
        "probability_of_failure": _pfail_summary(base_layers, after_layers, in_area, codes),
        "years": years, "maturity_year": horizon,
        "patches": files.pop("_patches"),
        "assumptions": {"reach_angle_deg": request.reach_angle_deg, "max_runout_m": request.max_runout_m,
                        "survival": "root cohesion x survival, C = C0 + survival (C_species - C0)",
                        "iterations": request.iterations or (run.iterations if run else None),
                        "species_considered": [o.id for o in options if o.kind == "species"],
                        "measures_considered": [o.id for o in options if o.kind == "measure"],
                        "measures": "P x the measure's P, plus its added cohesion; maintained (no fading)"},
        "provisional": sorted({*(f"{o.kind}:{o.id}" for o in options if o.item.provisional),
                               f"reach angle {request.reach_angle_deg:g} deg",
                               *(["landslide run: " + p for p in run.parameters.get("provisional", [])] if run else [])}),
        "findings": findings, "files": files,
    }
    stage("write")
    maps = _write_maps(out_dir, codes, grid, by_species, base_layers, after_layers, area, sc.dem_win, lang)
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


@dataclass(frozen=True)
class _Candidates:
    """The cells where something may be planted: in the area, not excluded, with a slope, and (with an erosion
    run) with RUSLE factors and not a stream; their window rows and columns and flat indices."""

    mask: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    flat_window: np.ndarray
    flat_grid: np.ndarray


def _candidates(sc) -> _Candidates:
    r0, r1, c0, c1 = sc.rows_cols
    valid = sc.in_area & ~sc.excluded & ~np.isnan(sc.slope_deg)
    if sc.ero is not None:
        valid &= ~np.isnan(sc.ero.rkls[r0:r1, c0:c1]) & (sc.ero.stream[r0:r1, c0:c1] != 1) & ~np.isnan(sc.base.c)
    rows, cols = np.nonzero(valid)
    return _Candidates(valid, rows, cols, rows * sc.grid.cols + cols,
                       (rows + r0) * sc.grid.profile["width"] + (cols + c0))


def _benefits(sc, options: list[Option], cand: _Candidates, pf0, st0) -> dict[str, np.ndarray]:
    """{objective: (n, m)} improvement at maturity of each option alone on each candidate cell (module
    :mod:`minewatch.planning.benefit`): exposure and soil exact, sediment to first order (a measure's P does not
    enter the connectivity index: its sediment benefit is its own loss change times its delivery ratio)."""
    r0, r1, c0, c1 = sc.rows_cols
    n, m = cand.rows.size, len(options)
    out = {o: np.zeros((n, m)) for o in ("exposure", "soil", "sediment")}
    w = cand.flat_window
    for j, opt in enumerate(options):
        cover_j = opt.cover(sc.base, cand.mask, opt.years_to_maturity)
        if sc.run is not None:
            out["exposure"][:, j] = ((pf0 - sc.pfail(cover_j)) * sc.exposure_w).ravel()[w]
        if sc.ero is not None:
            e = sc.ero
            rkls = e.rkls[r0:r1, c0:c1].ravel()[w]
            c_old, p_old = sc.base.c.ravel()[w], sc.base.p.ravel()[w]
            c_new, p_new = cover_j.c.ravel()[w], cover_j.p.ravel()[w]
            out["soil"][:, j] = rkls * (c_old * p_old - c_new * p_new) * sc.ha
            if opt.kind == "species":
                out["sediment"][:, j] = B.sediment_benefit(st0, cand.flat_grid, rkls=e.rkls, p=e.p, c0=c_old,
                                                           c_new=c_new) * sc.ha
            else:
                out["sediment"][:, j] = (rkls * c_old * (p_old - p_new) * np.nan_to_num(st0.sdr.ravel()[cand.flat_grid])
                                         * sc.ha)
    return out


def _mix_weights(request: PlanRequest, available: list[str]) -> dict[str, float]:
    weights = {o: float((request.weights or DEFAULT_WEIGHTS).get(o, 0.0)) for o in available}
    if sum(weights.values()) <= 0:
        raise InvalidInput(f"the mix objective needs a positive weight on an objective with inputs "
                           f"({', '.join(available)})")
    return weights


def _objective_benefit(objective: str, benefits: dict, weights: dict | None, area_base: dict,
                       shape: tuple[int, int]) -> np.ndarray:
    """The optimiser's benefit: one objective's, or the weighted sum of each objective's benefit relative to
    today's value on the area; negative or non-finite values (a worse cover) become 0 (never chosen)."""
    if objective == "mix":
        total = sum(weights.values())
        b = np.zeros(shape)
        for o, w in weights.items():
            if area_base[o] > 0:
                b = b + w / total * benefits[o] / area_base[o]
    else:
        b = benefits[objective]
    return np.where(np.isfinite(b) & (b > 0), b, 0.0)


def _yearly(sc, options: list[Option], cand: _Candidates, choice, chosen, baseline, base_layers):
    """([{"year", "exposure", "soil", "sediment"}, ...] from planting to the latest maturity with the full
    models, the layers of the last year)."""
    horizon = int(math.ceil(max([options[j].years_to_maturity for j in chosen] or [0])))
    years, layers = [], base_layers
    for year in range(0, horizon + 1):
        cover = sc.base
        for j in chosen:
            cells = np.zeros(sc.shape, dtype=bool)
            cells.ravel()[cand.flat_window[choice == j]] = True
            cover = options[j].cover(cover, cells, year)
        values, layers = sc.evaluate(cover) if chosen else (dict(baseline), base_layers)
        years.append({"year": year, **{k: _round(v) for k, v in values.items()}})
    return years, layers


def _pfail_summary(before: dict, after: dict, in_area: np.ndarray, codes: np.ndarray) -> dict | None:
    """Mean probability of failure over the area and over the planted cells, today and at maturity."""
    if "exposure" not in before:
        return None
    planted = (codes > 0) & (codes != OUTSIDE)

    def mean(layer, mask):
        v = layer[mask]
        v = v[~np.isnan(v)]
        return _round(v.mean()) if v.size else None

    return {"area_mean_today": mean(before["exposure"], in_area),
            "area_mean_at_maturity": mean(after["exposure"], in_area),
            "planted_mean_today": mean(before["exposure"], planted),
            "planted_mean_at_maturity": mean(after["exposure"], planted)}


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


def _write_files(out_dir: Path, codes: np.ndarray, grid, by_species, per_cell: dict) -> dict:
    """plan.tif, plan.gpkg and plan.geojson (one polygon per 4-connected patch of one option); the patches.
    ``per_cell`` {code: (seedlings, USD, person-days) per cell}."""
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
    rows = []
    mask = (codes > 0) & (codes != OUTSIDE)
    for geom, value in shapes(codes, mask=mask, connectivity=4, transform=grid.transform):
        s = by_code[int(value)]
        seedlings, usd, days = per_cell[int(value)]
        poly = shapely.geometry.shape(geom)
        cells = poly.area / grid.cell_m2
        rows.append({"geometry": poly, "species": s["id"], "area_ha": round(poly.area / 10_000, 4),
                     "seedlings": int(round(cells * seedlings)), "cost_usd": round(cells * usd, 2),
                     "labour_days": round(cells * days, 2)})
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
