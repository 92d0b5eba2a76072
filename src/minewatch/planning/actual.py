"""The hazard recomputed with what was actually planted (issue 10, part 3): the site's plantings standing on a
date, each at its age and its measured survival, as cover on the planning scene; the three objectives
without the plantings, with them now, and with the same survivors grown to maturity.

A planting's place: its polygon; a point planting is a circle of its area (``area_ha``, else seedlings x the
species' spacing x row spacing); a planting without a place cannot be mapped and is listed as such (its
seedlings are not counted). Plantings are laid in date order (a later one on the same cells replaces an
earlier one). Survival enters as in the planner (:func:`minewatch.planning.benefit.planted`): root
cohesion x survival, C = C0 + survival (C_species - C0).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.planning import benefit as B
from minewatch.planning.scene import OBJECTIVE_NAMES, build_scene
from minewatch.planning.species import age_class_at, load_species

MAX_RUNOUT_M = B.MAX_RUNOUT_M
UNITS = {"exposure": "people", "soil": "t/yr", "sediment": "t/yr"}


def _place(p, species, crs_transform):
    """The planting's shape in the grid CRS, or None."""
    import shapely

    if not p.geometry_wkt:
        return None
    geom = shapely.transform(shapely.from_wkt(p.geometry_wkt), crs_transform)
    if geom.geom_type in ("Point", "MultiPoint"):
        area_m2 = (p.area_ha * 10_000.0 if p.area_ha else p.count * species.spacing_m * species.row_spacing_m)
        return geom.buffer(math.sqrt(area_m2 / math.pi), quad_segs=16)
    return geom


def assess_plantings(out_dir, *, area, plantings: Sequence, on, landslide_dir=None, erosion_dir=None, people=(),
                     landcover=None, landcover_legend=None, reach_angle_deg: float = B.REACH_ANGLE_DEG,
                     max_runout_m: float = B.MAX_RUNOUT_M, iterations: int | None = None, site: str | None = None,
                     lang: str = "en") -> dict:
    """Score the actual cover of ``plantings`` (:class:`minewatch.planning.model.CoverInput`, WKT in EPSG:4326)
    on ``area`` (a shapely geometry in the runs' CRS); writes summary.json, cover.tif and before/after maps
    in ``out_dir``; returns the summary."""
    import rasterio
    from pyproj import CRS, Transformer

    sc = build_scene(area=area, landslide_dir=landslide_dir, erosion_dir=erosion_dir, people=people,
                     landcover=landcover, landcover_legend=landcover_legend, reach_angle_deg=reach_angle_deg,
                     max_runout_m=max_runout_m, iterations=iterations)
    table = load_species()
    crs = CRS.from_user_input(sc.grid.profile["crs"])
    to_grid = Transformer.from_crs(CRS.from_epsg(4326), crs, always_xy=True)

    def transform(xy):
        return np.column_stack(to_grid.transform(xy[:, 0], xy[:, 1]))

    from minewatch.planning.scene import _mask

    now, mature = sc.base, sc.base
    codes = np.where(sc.in_area, 0, 255).astype(np.uint8)
    species_codes: dict[str, int] = {}
    rows, unmapped = [], []
    for p in plantings:
        sp = table.get(p.species)
        if sp is None:
            raise InvalidInput(f"planting {p.external_id}: unknown species {p.species!r}")
        shape = _place(p, sp, transform)
        if shape is None:
            unmapped.append({"planting": p.external_id, "species": p.species, "count": p.count,
                             "reason": "no place recorded (give wkt or longitude/latitude)"})
            continue
        cells = _mask([shape], sc.grid) & sc.in_area
        survival = p.survival_rate if p.survival_rate is not None else 0.0
        for age, which in ((p.age_years, "now"), (sp.years_to_maturity, "mature")):
            ac = age_class_at(sp, age)
            cover = B.planted(now if which == "now" else mature, cells, root_cohesion_pa=ac.root_cohesion_pa,
                              rooting_depth_m=sp.rooting_depth_m, c=ac.usle_c, survival=survival)
            if which == "now":
                now = cover
            else:
                mature = cover
        code = species_codes.setdefault(p.species, len(species_codes) + 1)
        codes[cells] = code
        rows.append({"planting": p.external_id, "species": p.species, "count": p.count,
                     "age_years": round(p.age_years, 2), "survival": survival, "survival_source": p.survival_source,
                     "cells": int(cells.sum()), "area_ha": round(float(cells.sum()) * sc.ha, 4)})
    without, layers0 = sc.evaluate(sc.base)
    with_now, layers_now = sc.evaluate(now)
    at_maturity, _ = sc.evaluate(mature)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = {"driver": "GTiff", "height": sc.grid.rows, "width": sc.grid.cols, "count": 1, "dtype": "uint8",
               "crs": sc.grid.profile.get("crs"), "transform": sc.grid.transform, "nodata": 255, "compress": "deflate"}
    with rasterio.open(out_dir / "cover.tif", "w", **profile) as dst:
        dst.write(codes, 1)
        dst.update_tags(1, **{f"code_{c}": s for s, c in species_codes.items()}, code_0="not planted")
    from minewatch.planning import report

    _ = report._translator(lang)
    labels = {"exposure": _("probability of failure"), "soil": _("soil loss (t/ha/yr)"),
              "sediment": _("sediment export (t/ha/yr)")}
    options = [{"code": c, "id": s, "name": (table[s].names.get(lang) or table[s].names["en"]).split(";")[0].strip(),
                "life_form": table[s].life_form,
                "seedlings": sum(r["count"] for r in rows if r["species"] == s)} for s, c in species_codes.items()]
    maps = report.write_maps(out_dir, plan_codes=codes, options=options,
                             layers={k: {"before": layers0[k], "after": layers_now[k], "label": labels[k],
                                         "log": k != "exposure"} for k in layers0},
                             transform=sc.grid.transform, crs=str(crs), outline=area, hillshade_dem=sc.dem_win,
                             lang=lang)
    summary = {
        "version": 1, "site": site, "on": on.isoformat(), "crs": str(crs), "cell_size_m": abs(sc.grid.x_size),
        "objectives": {o: (None if without[o] is None else
                           {"without_plantings": _r(without[o]), "now": _r(with_now[o]),
                            "at_maturity": _r(at_maturity[o]), "units": UNITS[o]}) for o in OBJECTIVE_NAMES},
        "plantings": rows, "unmapped": unmapped,
        "maps": {k: Path(v).name for k, v in maps.items()}, "files": {"cover": "cover.tif", "summary": "summary.json"},
        "assumptions": {"reach_angle_deg": reach_angle_deg, "max_runout_m": max_runout_m,
                        "survival": "root cohesion x survival, C = C0 + survival (C_species - C0)",
                        "point_plantings": "a circle of area_ha, else seedlings x spacing x row spacing"},
        "findings": sc.findings,
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    return summary


def _r(v):
    return None if v is None or not math.isfinite(v) else float(f"{v:.6g}")
