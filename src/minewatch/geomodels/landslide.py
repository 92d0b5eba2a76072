"""Landslide hazard from a DEM and what users know of soil and land cover (issue 4, ``hazard landslide``).

Pipeline (all in memory; the DEM must fit):

1. slope (deg) by Zevenbergen & Thorne (1987) (:func:`minewatch.geomodels.terrain.compute`): the stencil
   of SAGA's default slope, which our terrain module matches within 1e-3 deg on the Ecuador DEM's
   shipped slope band; cells on the outer ring or next to nodata get no slope (NaN).
2. specific catchment area a (m) by D-infinity (Tarboton 1997) on the depression-filled DEM
   (:func:`minewatch.geomodels.hydrology.compute`): SINMAP, the model the wetness term comes from,
   computes a with D-infinity (Pack et al. 1998) because it splits flow between the two downslope
   cells of the steepest facet and so avoids D8's grid-aligned streaks. ``routing="d8"`` gives
   Landlab's choice (its LandslideProbability examples use FlowAccumulator D8).
3. parameters per cell from a soil texture class (or a raster of class codes + legend) and a land
   cover class (same), :mod:`minewatch.geomodels.parameters`.
4. probability of failure, of saturation and mean relative wetness by Monte Carlo
   (:func:`minewatch.geomodels.slope_stability.montecarlo.probability_of_failure`), seeded, block by
   block with ``cell_offset`` (identical to one whole-raster call); root cohesion counts only where the
   sampled soil thickness is within the rooting depth.
5. the deterministic factor of safety with the central values (range midpoints, the triangular mode
   of root cohesion, the midpoint of the recharge range) (:func:`kernels.factor_of_safety`).

Distributions (``preset=None``): soil cohesion and friction angle uniform over the table's range per
cell; root cohesion triangular (min, mode, max) per cell; soil thickness and Ksat constant; recharge
uniform (min, max) mm/day with one draw per iteration shared by all cells (Landlab's convention).
``preset="landlab"``: Landlab 2.11's hard-coded spreads (slope_stability.montecarlo.landlab_preset):
soil cohesion triangular (min, midpoint, max), phi tri(0.82, 1, 1.32) x central, h tri(0.7, 1, 1.1) x h,
Ksat tri(0.7, 1, 1.1) x Ksat, density ratio 0.5; root cohesion stays a separate triangular that counts
only above the rooting depth (Landlab has no rooting depth: with bare ground the run is Landlab's).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.geomodels import parameters as P

DEFAULT_SOIL = "loam"
DEFAULT_LANDCOVER = "bare"
DEFAULT_THICKNESS_M = 1.5
DEFAULT_RECHARGE_MM_DAY = (20.0, 120.0)
ROUTINGS = ("dinf", "d8")
PRESETS = (None, "landlab")
_ROWS_PER_BLOCK = 64

RASTERS = ("factor_of_safety", "probability_of_failure", "probability_of_saturation", "mean_relative_wetness",
           "slope", "specific_catchment_area", "contributing_area")


def _recharge(value) -> tuple[float, float]:
    if value is None:
        return DEFAULT_RECHARGE_MM_DAY
    if isinstance(value, (int, float)):
        lo = hi = float(value)
    else:
        vals = [float(v) for v in value]
        if len(vals) != 2:
            raise InvalidInput(f"recharge_mm_day must be a number or (min, max), got {value!r}")
        lo, hi = vals
    if not (0 <= lo <= hi) or not math.isfinite(hi):
        raise InvalidInput(f"recharge_mm_day must be 0 <= min <= max mm/day, got {value!r}")
    return lo, hi


def _classes(spec, legend, grid, kind: str, default: str):
    """(per-cell parameter arrays or scalars, list of classes used, description for the parameters file)."""
    lookup = P.soil_class if kind == "soil" else P.landcover_class
    scalars = P.soil_scalars if kind == "soil" else P.landcover_scalars
    arrays = P.soil_arrays if kind == "soil" else P.landcover_arrays
    if spec is None:
        spec = default
    spec_path = Path(str(spec))
    if legend is None and not spec_path.suffix:
        cls = lookup(str(spec))
        return scalars(cls), [cls], {"class": cls.name, "given": str(spec)}
    if legend is None:
        raise InvalidInput(f"{kind} raster {spec} needs a legend (CSV with columns code,class)")
    from minewatch.adapters.rasters import read_raster

    if not spec_path.exists():
        raise InvalidInput(f"{kind} raster {spec} does not exist")
    codes = read_raster(spec_path)
    if codes.shape != grid.shape or codes.profile["transform"] != grid.profile["transform"]:
        raise InvalidInput(f"{kind} raster {spec} is not on the DEM's grid (shape {codes.shape} vs {grid.shape}, "
                           f"transform must match)")
    values, used = arrays(codes.values, P.read_legend(legend))
    return values, used, {"raster": str(spec_path), "legend": str(legend), "classes": [c.name for c in used]}


def _class_record(cls) -> dict:
    if isinstance(cls, P.SoilClass):
        values = {
            "friction_angle": {"min": cls.friction_deg[0], "max": cls.friction_deg[1], "units": "deg"},
            "cohesion": {"min": cls.cohesion_pa[0], "max": cls.cohesion_pa[1], "units": "Pa"},
            "unit_weight": {"min": cls.unit_weight_kn_m3[0], "max": cls.unit_weight_kn_m3[1], "units": "kN/m3"},
            "density": {"value": cls.central["density_kg_m3"], "units": "kg/m3",
                        "derived": "midpoint unit weight / 9.80665 m/s2"},
            "saturated_hydraulic_conductivity": {"value": cls.ksat_m_s, "units": "m/s",
                                                 "table_value": float(cls.ksat_mm_h), "table_units": "mm/h"},
        }
    else:
        values = {"root_cohesion": {"min": cls.root_cohesion_pa[0], "mode": cls.root_cohesion_pa[1],
                                    "max": cls.root_cohesion_pa[2], "units": "Pa", "distribution": "triangular"},
                  "rooting_depth": {"value": cls.rooting_depth_m, "units": "m"}}
    return {"class": cls.name, **values, "source": cls.source, "provisional": cls.provisional}


def run_landslide(dem_path, out_dir, *, soil=None, soil_legend=None, landcover=None, landcover_legend=None,
                  iterations: int = 250, seed: int = 0, preset: str | None = None,
                  recharge_mm_day=DEFAULT_RECHARGE_MM_DAY, soil_thickness_m: float = DEFAULT_THICKNESS_M,
                  routing: str = "dinf", band: int = 1,
                  on_progress: Callable[[int, int], None] | None = None) -> dict[str, Path]:
    """Landslide hazard rasters, a parameters file and a summary for one DEM.

    Parameters
    ----------
    dem_path : DEM (m), any GDAL-readable raster, projected or geographic.
    out_dir : output folder (created).
    soil, landcover : a class name (``"clay loam"``, ``"forest"``; synonyms accepted) or the path of a
        raster of integer class codes on the DEM's grid, then with ``soil_legend`` / ``landcover_legend``
        (CSV ``code,class``). Defaults: ``loam`` and ``bare``.
    iterations, seed : Monte Carlo draws per cell and the seed of ``numpy.random.default_rng``.
    preset : ``None`` or ``"landlab"`` (distributions as Landlab 2.11, see module docstring).
    recharge_mm_day : steady recharge R (mm/day), a number or (min, max) sampled uniformly.
    soil_thickness_m : h, soil thickness perpendicular to the slope (m) [provisional default 1.5 m,
        the synthetic scenario of reference/hazards.md 2.4].
    routing : ``"dinf"`` (default) or ``"d8"`` for the specific catchment area.

    Returns
    -------
    {output name: path} for the GeoTIFFs in :data:`RASTERS` (``contributing_area`` is the upslope drainage
    area in m2, for site statistics), ``parameters`` and ``summary`` (JSON).
    """
    import minewatch
    from minewatch.adapters.rasters import read_raster, write_geotiff
    from minewatch.geomodels import hydrology, terrain
    from minewatch.geomodels.slope_stability import kernels
    from minewatch.geomodels.slope_stability.montecarlo import Distribution, landlab_preset, probability_of_failure

    if preset not in PRESETS:
        raise InvalidInput(f"unknown preset {preset!r}; use landlab or none")
    if routing not in ROUTINGS:
        raise InvalidInput(f"unknown routing {routing!r}; use dinf or d8")
    if int(iterations) < 1:
        raise InvalidInput(f"iterations must be at least 1 (got {iterations})")
    if not (soil_thickness_m > 0 and math.isfinite(soil_thickness_m)):
        raise InvalidInput(f"soil_thickness_m must be positive (got {soil_thickness_m})")
    r_lo, r_hi = _recharge(recharge_mm_day)
    grid = read_raster(dem_path, band=band)
    rows, cols = grid.shape
    n_blocks = -(-rows // _ROWS_PER_BLOCK)
    total = 3 + n_blocks + 1
    done = 0

    def step(k: int = 1) -> None:
        nonlocal done
        done += k
        if on_progress is not None:
            on_progress(done, total)

    soil_v, soil_used, soil_desc = _classes(soil, soil_legend, grid, "soil", DEFAULT_SOIL)
    lc_v, lc_used, lc_desc = _classes(landcover, landcover_legend, grid, "landcover", DEFAULT_LANDCOVER)

    slope = terrain.compute(grid.values, grid.dx_m, grid.dy_m, method="zevenbergen-thorne",
                            outputs=("slope",))["slope"]
    step()
    flow = hydrology.compute(grid.values, dx=grid.dx_m.ravel(), dy=grid.dy_m, method=routing)
    sca, upslope = flow["topographic__specific_contributing_area"], flow["surface_water__drainage_area"]
    step()

    shape = grid.shape

    def cell(x):
        return np.broadcast_to(np.asarray(x, dtype=float), shape)

    phi_lo, phi_hi = cell(soil_v["friction_min_deg"]), cell(soil_v["friction_max_deg"])
    c_lo, c_hi = cell(soil_v["cohesion_min_pa"]), cell(soil_v["cohesion_max_pa"])
    rho, ksat = cell(soil_v["density_kg_m3"]), cell(soil_v["ksat_m_day"])
    cr_lo, cr_mode, cr_hi = (cell(lc_v[k]) for k in ("root_cohesion_min_pa", "root_cohesion_mode_pa",
                                                     "root_cohesion_max_pa"))
    root_depth = cell(lc_v["rooting_depth_m"])
    phi_mid, c_mid = (phi_lo + phi_hi) / 2, (c_lo + c_hi) / 2
    h = float(soil_thickness_m)
    if preset == "landlab":
        mc = landlab_preset(cohesion_min_pa=c_lo, cohesion_mode_pa=c_mid, cohesion_max_pa=c_hi,
                            friction_deg=phi_mid, thickness_m=np.full(shape, h), conductivity_m_day=ksat,
                            recharge_min_mm_day=r_lo, recharge_max_mm_day=r_hi)
    else:
        mc = dict(cohesion_pa=Distribution.uniform(c_lo, c_hi), friction_deg=Distribution.uniform(phi_lo, phi_hi),
                  thickness_m=h, conductivity_m_day=ksat,
                  recharge_m_day=Distribution.uniform(r_lo / 1000, r_hi / 1000, per_cell=False), density_ratio=0.5)
    mc["root_cohesion_pa"] = Distribution.triangular(cr_lo, cr_mode, cr_hi)
    mc["rooting_depth_m"] = root_depth
    step()

    def block_of(x, r0, r1):
        if isinstance(x, Distribution):
            if not x.per_cell:
                return x
            return Distribution(x.kind, *(np.broadcast_to(np.asarray(p, dtype=float), shape)[r0:r1].ravel()
                                          for p in (x.p1, x.p2, x.p3)), per_cell=True)
        arr = np.asarray(x, dtype=float)
        return arr[r0:r1].ravel() if arr.shape == shape else x

    pf, ps, rw = (np.empty(shape) for _ in range(3))
    for r0 in range(0, rows, _ROWS_PER_BLOCK):
        r1 = min(rows, r0 + _ROWS_PER_BLOCK)
        kw = {k: block_of(v, r0, r1) for k, v in mc.items()}
        res = probability_of_failure(slope[r0:r1].ravel(), sca[r0:r1].ravel(), rho[r0:r1].ravel(),
                                     iterations=int(iterations), rng=np.random.default_rng(seed),
                                     cell_offset=r0 * cols, **kw)
        for dst, src in ((pf, res.probability_of_failure), (ps, res.probability_of_saturation),
                         (rw, res.mean_relative_wetness)):
            dst[r0:r1] = src.reshape(r1 - r0, cols)
        step()

    r_mid = (r_lo + r_hi) / 2 / 1000.0
    wet = kernels.relative_wetness(sca, slope, r_mid, ksat * h)
    fs = kernels.factor_of_safety(slope, phi_mid, c_mid, h, rho, wet, density_ratio=0.5, root_cohesion_pa=cr_mode,
                                  rooting_depth_m=root_depth)
    fs = np.where(np.isnan(slope) | np.isnan(sca), np.nan, fs)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = dict(grid.profile)
    arrays = dict(zip(RASTERS, (fs, pf, ps, rw, slope, sca, upslope)))
    paths = {name: write_geotiff(out_dir / f"{name}.tif", values, profile) for name, values in arrays.items()}

    provisional_thickness = soil_thickness_m == DEFAULT_THICKNESS_M
    params = {
        "code_version": minewatch.__version__,
        "dem": str(dem_path), "band": band, "seed": int(seed), "iterations": int(iterations),
        "preset": preset or "none",
        "slope": {"method": "zevenbergen-thorne", "reference": "Zevenbergen & Thorne (1987)", "units": "deg"},
        "contributing_area": {"routing": routing, "units": "m2", "note": "upslope drainage area incl. the cell"},
        "specific_catchment_area": {"routing": routing, "units": "m", "reference":
                                    "Tarboton (1997)" if routing == "dinf" else "O'Callaghan & Mark (1984)"},
        "soil": {**soil_desc, "classes": [_class_record(c) for c in soil_used]},
        "landcover": {**lc_desc, "classes": [_class_record(c) for c in lc_used]},
        "soil_thickness": {"value": h, "units": "m", "measured": "perpendicular to the slope",
                           "source": "reference/hazards.md 2.4 synthetic scenario (hs = 1.5 m)" if provisional_thickness
                           else "given by the user", "provisional": provisional_thickness},
        "recharge": {"min": r_lo, "max": r_hi, "units": "mm/day", "distribution": "uniform, shared by all cells",
                     "central": (r_lo + r_hi) / 2,
                     "source": "Landlab 2.11 LandslideProbability default 20-120 mm/day (reference/hazards.md 2.1)"
                     if (r_lo, r_hi) == DEFAULT_RECHARGE_MM_DAY else "given by the user",
                     "provisional": (r_lo, r_hi) == DEFAULT_RECHARGE_MM_DAY},
        "transmissivity": {"value": "Ksat x h", "units": "m2/day", "source": "Landlab convention (hazards.md 2.1)"},
        "density_ratio": {"value": 0.5, "units": "1", "source": "SINMAP / Landlab convention (hazards.md 2.1, 6.2)",
                          "provisional": False},
        "distributions": ({"soil_cohesion": "triangular(min, midpoint, max)",
                           "friction_angle": "triangular(0.82, 1, 1.32) x midpoint",
                           "soil_thickness": "triangular(0.7, 1, 1.1) x h",
                           "saturated_hydraulic_conductivity": "triangular(0.7, 1, 1.1) x Ksat",
                           "root_cohesion": "triangular(min, mode, max), only where sampled h <= rooting depth",
                           "recharge": "uniform(min, max), shared by all cells"}
                          if preset == "landlab" else
                          {"soil_cohesion": "uniform(min, max) per cell",
                           "friction_angle": "uniform(min, max) per cell",
                           "soil_thickness": "constant", "saturated_hydraulic_conductivity": "constant",
                           "root_cohesion": "triangular(min, mode, max), only where h <= rooting depth",
                           "recharge": "uniform(min, max), shared by all cells"}),
        "factor_of_safety_central_values": "midpoints of soil ranges, root cohesion mode, midpoint recharge",
    }
    params["provisional"] = sorted({*(["soil"] if any(c.provisional for c in soil_used) else []),
                                    *(["landcover"] if any(c.provisional for c in lc_used) else []),
                                    *(["soil_thickness"] if provisional_thickness else []),
                                    *(["recharge"] if params["recharge"]["provisional"] else [])})
    paths["parameters"] = out_dir / "parameters.json"
    paths["parameters"].write_text(json.dumps(params, indent=2))

    valid = ~np.isnan(fs)
    n_valid = int(valid.sum())

    def stat(f, x):
        x = x[~np.isnan(x)]
        return float(f(x)) if x.size else None

    dx = grid.dx_m.ravel()
    summary = {
        "cells": int(rows * cols), "cells_with_values": n_valid, "rows": rows, "columns": cols,
        "cell_size_m": {"dx": float(dx.mean()) if grid.geographic else float(dx[0]), "dy": float(grid.dy_m),
                        "geographic": bool(grid.geographic)},
        "share_fs_below_1": (float((fs[valid] < 1.0).sum() / n_valid) if n_valid else None),
        "probability_of_failure": {"mean": stat(np.mean, pf), "max": stat(np.max, pf)},
        "probability_of_saturation_mean": stat(np.mean, ps),
        "mean_relative_wetness_mean": stat(np.mean, rw),
        "seed": int(seed), "iterations": int(iterations), "preset": preset or "none",
        "outputs": {k: str(v) for k, v in paths.items()},
    }
    paths["summary"] = out_dir / "summary.json"
    summary["outputs"]["summary"] = str(paths["summary"])
    paths["summary"].write_text(json.dumps(summary, indent=2))
    step()
    return paths
