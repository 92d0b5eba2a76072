"""Landslide hazard from a DEM and what users know of soil and land cover (issue 4, ``hazard landslide``).

Pipeline (block by block: memory is bounded by the block, except for the flow routing of step 2):

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

import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
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
_BLOCK_CELLS = 1 << 21  # default block: about 2 M cells, 16 MB per float64 array

MONTE_CARLO = ("probability_of_failure", "probability_of_saturation", "mean_relative_wetness")
RASTERS = ("factor_of_safety", *MONTE_CARLO, "slope", "specific_catchment_area", "contributing_area")


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


@dataclass(frozen=True, eq=False)
class _Source:
    """Soil or land cover parameters: one class's constants, or a raster of class codes with its legend."""

    kind: str
    scalars: dict | None = None
    raster: str | None = None
    legend: dict | None = None

    def rows(self, row0: int, row1: int) -> dict:
        if self.raster is None:
            return self.scalars
        import rasterio

        from minewatch.adapters.blockrun import read_rows

        with rasterio.open(self.raster) as src:
            codes = read_rows(src, row0, row1)
        return (P.soil_arrays if self.kind == "soil" else P.landcover_arrays)(codes, self.legend)[0]


def _same_grid(path, profile: dict, what: str) -> None:
    import rasterio
    from rasterio.errors import RasterioIOError

    if not Path(str(path)).exists():
        raise InvalidInput(f"{what} {path} does not exist")
    try:
        with rasterio.open(path) as src:
            shape, transform = (src.height, src.width), src.transform
    except RasterioIOError as exc:
        raise InvalidInput(f"{what} {path}: not a raster GDAL can read ({exc})") from exc
    if shape != (profile["height"], profile["width"]) or transform != profile["transform"]:
        raise InvalidInput(f"{what} {path} is not on the DEM's grid (shape {shape} vs "
                           f"{(profile['height'], profile['width'])}, transform must match)")


def _classes(spec, legend, profile: dict, kind: str, default: str):
    """(a :class:`_Source`, the classes used, a description for the parameters file).

    A raster of codes is scanned block by block first, so a code missing from the legend is reported
    before any output is written."""
    lookup = P.soil_class if kind == "soil" else P.landcover_class
    scalars = P.soil_scalars if kind == "soil" else P.landcover_scalars
    arrays = P.soil_arrays if kind == "soil" else P.landcover_arrays
    if spec is None:
        spec = default
    spec_path = Path(str(spec))
    if legend is None and not spec_path.suffix:
        cls = lookup(str(spec))
        return _Source(kind, scalars=scalars(cls)), [cls], {"class": cls.name, "given": str(spec)}
    if legend is None:
        raise InvalidInput(f"{kind} raster {spec} needs a legend (CSV with columns code,class)")
    _same_grid(spec_path, profile, f"{kind} raster")
    import rasterio

    from minewatch.adapters.blockrun import read_rows
    from minewatch.adapters.rasters import blocks

    codes = P.read_legend(legend)
    seen: set[float] = set()
    with rasterio.open(spec_path) as src:
        for blk in blocks(src.height, max(1, _BLOCK_CELLS // src.width), 0):
            v = read_rows(src, blk.row0, blk.row1)
            seen.update(np.unique(v[~np.isnan(v)]).tolist())
    _, used = arrays(np.array(sorted(seen), dtype=float), codes)
    return (_Source(kind, raster=str(spec_path), legend=codes), used,
            {"raster": str(spec_path), "legend": str(legend), "classes": [c.name for c in used]})


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



@dataclass(frozen=True, eq=False)
class _Job:
    """What every block needs; picklable, so a Dask worker can run a block from the files alone."""

    dem: str
    band: int
    dx_rows: np.ndarray
    dy: float
    cols: int
    sca: str
    soil: _Source
    landcover: _Source
    thickness_m: float
    recharge_mm_day: tuple[float, float]
    preset: str | None
    iterations: int
    seed: int


def _landslide_task(job: _Job, blk) -> dict[str, np.ndarray]:
    """One row block: slope from the DEM rows with a 1-row halo, then the local stability operators."""
    import rasterio

    from minewatch.adapters.blockrun import read_padded, read_rows
    from minewatch.geomodels.terrain.compute import padded_block

    with rasterio.open(job.dem) as src:
        zp = read_padded(src, blk, job.band)
    slope = padded_block(zp, job.dx_rows[blk.row0:blk.row1], job.dy, method="zevenbergen-thorne",
                         outputs=("slope",))["slope"]
    with rasterio.open(job.sca) as src:
        sca = read_rows(src, blk.row0, blk.row1)
    out = _stability(job, slope, sca, job.soil.rows(blk.row0, blk.row1), job.landcover.rows(blk.row0, blk.row1),
                     cell_offset=blk.row0 * job.cols)
    out["slope"] = slope
    return out


def _stability(job: _Job, slope: np.ndarray, sca: np.ndarray, soil_v: dict, lc_v: dict, *,
               cell_offset: int) -> dict[str, np.ndarray]:
    """Deterministic factor of safety and (``iterations`` > 0) the Monte Carlo probabilities of a block."""
    from minewatch.geomodels.slope_stability import kernels
    from minewatch.geomodels.slope_stability.montecarlo import Distribution, landlab_preset, probability_of_failure

    shape = slope.shape

    def cell(x):
        return np.broadcast_to(np.asarray(x, dtype=float), shape)

    phi_lo, phi_hi = cell(soil_v["friction_min_deg"]), cell(soil_v["friction_max_deg"])
    c_lo, c_hi = cell(soil_v["cohesion_min_pa"]), cell(soil_v["cohesion_max_pa"])
    rho, ksat = cell(soil_v["density_kg_m3"]), cell(soil_v["ksat_m_day"])
    cr_lo, cr_mode, cr_hi = (cell(lc_v[k]) for k in ("root_cohesion_min_pa", "root_cohesion_mode_pa",
                                                     "root_cohesion_max_pa"))
    root_depth = cell(lc_v["rooting_depth_m"])
    phi_mid, c_mid = (phi_lo + phi_hi) / 2, (c_lo + c_hi) / 2
    h = job.thickness_m
    r_lo, r_hi = job.recharge_mm_day

    r_mid = (r_lo + r_hi) / 2 / 1000.0
    wet = kernels.relative_wetness(sca, slope, r_mid, ksat * h)
    fs = kernels.factor_of_safety(slope, phi_mid, c_mid, h, rho, wet, density_ratio=0.5, root_cohesion_pa=cr_mode,
                                  rooting_depth_m=root_depth)
    out = {"factor_of_safety": np.where(np.isnan(slope) | np.isnan(sca), np.nan, fs)}
    if not job.iterations:
        return out

    if job.preset == "landlab":
        mc = landlab_preset(cohesion_min_pa=c_lo, cohesion_mode_pa=c_mid, cohesion_max_pa=c_hi,
                            friction_deg=phi_mid, thickness_m=np.full(shape, h), conductivity_m_day=ksat,
                            recharge_min_mm_day=r_lo, recharge_max_mm_day=r_hi)
    else:
        mc = dict(cohesion_pa=Distribution.uniform(c_lo, c_hi), friction_deg=Distribution.uniform(phi_lo, phi_hi),
                  thickness_m=h, conductivity_m_day=ksat,
                  recharge_m_day=Distribution.uniform(r_lo / 1000, r_hi / 1000, per_cell=False), density_ratio=0.5)
    mc["root_cohesion_pa"] = Distribution.triangular(cr_lo, cr_mode, cr_hi)
    mc["rooting_depth_m"] = root_depth

    def flat(x):
        if isinstance(x, Distribution):
            if not x.per_cell:
                return x
            return Distribution(x.kind, *(cell(p).ravel() for p in (x.p1, x.p2, x.p3)), per_cell=True)
        arr = np.asarray(x, dtype=float)
        return arr.ravel() if arr.shape == shape else x

    res = probability_of_failure(slope.ravel(), sca.ravel(), rho.ravel(), iterations=job.iterations,
                                 rng=np.random.default_rng(job.seed), cell_offset=cell_offset,
                                 **{k: flat(v) for k, v in mc.items()})
    out["probability_of_failure"] = res.probability_of_failure.reshape(shape)
    out["probability_of_saturation"] = res.probability_of_saturation.reshape(shape)
    out["mean_relative_wetness"] = res.mean_relative_wetness.reshape(shape)
    return out


def run_landslide(dem_path, out_dir, *, soil=None, soil_legend=None, landcover=None, landcover_legend=None,
                  iterations: int = 250, seed: int = 0, preset: str | None = None,
                  recharge_mm_day=DEFAULT_RECHARGE_MM_DAY, soil_thickness_m: float = DEFAULT_THICKNESS_M,
                  routing: str = "dinf", sca=None, band: int = 1, rows_per_block: int | None = None,
                  dask: bool = False, scheduler: str | None = None,
                  on_progress: Callable[[int, int], None] | None = None) -> dict[str, Path]:
    """Landslide hazard rasters, a parameters file and a summary for one DEM.

    Parameters
    ----------
    dem_path : DEM (m), any GDAL-readable raster, projected or geographic.
    out_dir : output folder (created).
    soil, landcover : a class name (``"clay loam"``, ``"forest"``; synonyms accepted) or the path of a
        raster of integer class codes on the DEM's grid, then with ``soil_legend`` / ``landcover_legend``
        (CSV ``code,class``). Defaults: ``loam`` and ``bare``.
    iterations, seed : Monte Carlo draws per cell (0: the deterministic factor of safety only) and the
        seed of ``numpy.random.default_rng``.
    preset : ``None`` or ``"landlab"`` (distributions as Landlab 2.11, see module docstring).
    recharge_mm_day : steady recharge R (mm/day), a number or (min, max) sampled uniformly.
    soil_thickness_m : h, soil thickness perpendicular to the slope (m) [provisional default 1.5 m,
        the synthetic scenario of reference/hazards.md 2.4].
    routing : ``"dinf"`` (default) or ``"d8"`` for the specific catchment area.
    sca : a specific catchment area raster (m) on the DEM's grid (from a previous run, or another
        tool) used instead of routing flow here: the flow routing is the one step that holds the
        whole DEM in memory, so DEMs larger than memory need it.
    rows_per_block : rows per block (default about 2 M cells); every block size gives the same rasters.
    dask, scheduler : run the blocks on a local Dask cluster, or on the scheduler at ``tcp://host:port``.

    Returns
    -------
    {output name: path} for the GeoTIFFs in :data:`RASTERS` (``contributing_area`` is the upslope drainage
    area in m2, for site statistics; it and ``specific_catchment_area`` are not written when ``sca`` is
    given; the Monte Carlo rasters not when ``iterations`` is 0), ``parameters`` and ``summary`` (JSON).
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    import minewatch
    from minewatch.adapters.blockrun import GDAL_CACHE_MB, Outputs, run_blocks
    from minewatch.adapters.rasters import blocks, cell_sizes, read_raster, write_geotiff
    from minewatch.geomodels import hydrology

    if preset not in PRESETS:
        raise InvalidInput(f"unknown preset {preset!r}; use landlab or none")
    if routing not in ROUTINGS:
        raise InvalidInput(f"unknown routing {routing!r}; use dinf or d8")
    if int(iterations) < 0:
        raise InvalidInput(f"iterations must be 0 (no Monte Carlo) or more (got {iterations})")
    if not (soil_thickness_m > 0 and math.isfinite(soil_thickness_m)):
        raise InvalidInput(f"soil_thickness_m must be positive (got {soil_thickness_m})")
    if rows_per_block is not None and int(rows_per_block) < 1:
        raise InvalidInput(f"rows_per_block must be at least 1 (got {rows_per_block})")
    r_lo, r_hi = _recharge(recharge_mm_day)
    try:
        with rasterio.open(dem_path) as src:
            profile, count = src.profile.copy(), src.count
    except RasterioIOError as exc:
        raise InvalidInput(f"{dem_path}: not a raster GDAL can read ({exc})") from exc
    if not 1 <= band <= count:
        raise InvalidInput(f"{dem_path} has {count} band(s); band {band} does not exist")
    rows, cols = profile["height"], profile["width"]
    dx_col, dy, geographic = cell_sizes(profile)
    rpb = int(rows_per_block or max(1, _BLOCK_CELLS // cols))
    plan = list(blocks(rows, rpb, 1))
    total = 1 + len(plan) + 1
    done = 0

    def step(k: int = 1) -> None:
        nonlocal done
        done += k
        if on_progress is not None:
            on_progress(done, total)

    soil_src, soil_used, soil_desc = _classes(soil, soil_legend, profile, "soil", DEFAULT_SOIL)
    lc_src, lc_used, lc_desc = _classes(landcover, landcover_legend, profile, "landcover", DEFAULT_LANDCOVER)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if sca is None:
        # the global operator: in memory (hydrology's tiled algorithms cover filling and D8 accumulation)
        grid = read_raster(dem_path, band=band)
        flow = hydrology.compute(grid.values, dx=grid.dx_m.ravel(), dy=grid.dy_m, method=routing)
        del grid
        paths["specific_catchment_area"] = write_geotiff(out_dir / "specific_catchment_area.tif",
                                                         flow["topographic__specific_contributing_area"], profile)
        paths["contributing_area"] = write_geotiff(out_dir / "contributing_area.tif",
                                                   flow["surface_water__drainage_area"], profile)
        del flow
        sca_path = paths["specific_catchment_area"]
    else:
        _same_grid(sca, profile, "specific catchment area raster")
        sca_path = Path(str(sca))
    step()

    h = float(soil_thickness_m)
    job = _Job(dem=str(dem_path), band=band, dx_rows=dx_col.ravel(), dy=dy, cols=cols, sca=str(sca_path),
               soil=soil_src, landcover=lc_src, thickness_m=h, recharge_mm_day=(r_lo, r_hi), preset=preset,
               iterations=int(iterations), seed=int(seed))
    names = ("factor_of_safety", *(MONTE_CARLO if iterations else ()), "slope")
    block_paths = {name: out_dir / f"{name}.tif" for name in names}
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB), Outputs(block_paths, profile,
                                                            thresholds={"factor_of_safety": 1.0}) as out:
        run_blocks(functools.partial(_landslide_task, job), plan, out.write, dask=dask, scheduler=scheduler,
                   progress=lambda n, t: step())
    stats = out.stats
    paths = {**block_paths, **paths}

    provisional_thickness = soil_thickness_m == DEFAULT_THICKNESS_M
    params = {
        "code_version": minewatch.__version__,
        "dem": str(dem_path), "band": band, "seed": int(seed), "iterations": int(iterations),
        "preset": preset or "none",
        "slope": {"method": "zevenbergen-thorne", "reference": "Zevenbergen & Thorne (1987)", "units": "deg"},
        **({"contributing_area": {"routing": routing, "units": "m2", "note": "upslope drainage area incl. the cell"}}
           if sca is None else {}),
        "specific_catchment_area": ({"routing": routing, "units": "m", "reference":
                                     "Tarboton (1997)" if routing == "dinf" else "O'Callaghan & Mark (1984)"}
                                    if sca is None else {"raster": str(sca), "units": "m", "source": "given by the user"}),
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

    fs_stats = stats["factor_of_safety"]

    def mean(name):
        return stats[name].mean if name in stats else None

    summary = {
        "cells": int(rows * cols), "cells_with_values": fs_stats.count, "rows": rows, "columns": cols,
        "cell_size_m": {"dx": float(dx_col.mean()) if geographic else float(dx_col[0, 0]), "dy": float(dy),
                        "geographic": bool(geographic)},
        "share_fs_below_1": (fs_stats.below / fs_stats.count if fs_stats.count else None),
        "probability_of_failure": {"mean": mean("probability_of_failure"),
                                   "max": stats["probability_of_failure"].as_dict()["max"]
                                   if "probability_of_failure" in stats else None},
        "probability_of_saturation_mean": mean("probability_of_saturation"),
        "mean_relative_wetness_mean": mean("mean_relative_wetness"),
        "seed": int(seed), "iterations": int(iterations), "preset": preset or "none",
        "rows_per_block": rpb, "blocks": len(plan), "dask": bool(dask or scheduler),
        "outputs": {k: str(v) for k, v in paths.items()},
    }
    paths["summary"] = out_dir / "summary.json"
    summary["outputs"]["summary"] = str(paths["summary"])
    paths["summary"].write_text(json.dumps(summary, indent=2))
    step()
    return paths


@dataclass(frozen=True, eq=False)
class LandslideRun:
    """A finished ``hazard landslide`` run read back from its folder, to recompute the stability of part of
    its grid under another cover (the tree planner): the same soil, thickness, recharge, distributions,
    iterations and seed as the run (``parameters.json``), the run's slope and specific catchment area."""

    folder: Path
    dem: str
    band: int
    profile: dict
    soil: _Source
    landcover: _Source
    thickness_m: float
    recharge_mm_day: tuple[float, float]
    preset: str | None
    iterations: int
    seed: int
    parameters: dict

    def window(self, row0: int, row1: int, col0: int, col1: int) -> dict:
        """Slope (deg), specific catchment area (m), soil and land-cover values of a window, per cell
        (``{"slope", "sca", "soil": {field: array}, "landcover": {field: array}}``), shapes (rows, cols)."""
        import rasterio
        from rasterio.windows import Window

        win = Window(col0, row0, col1 - col0, row1 - row0)
        arrays = {}
        for name in ("slope", "specific_catchment_area"):
            path = self.folder / f"{name}.tif"
            if not path.is_file():
                raise InvalidInput(f"{self.folder}: missing {name}.tif (the folder of a 'hazard landslide' run)")
            with rasterio.open(path) as src:
                v = src.read(1, window=win, boundless=True, fill_value=np.nan).astype(float)
                if src.nodata is not None and not np.isnan(src.nodata):
                    v[v == src.nodata] = np.nan
            arrays[name] = v
        shape = arrays["slope"].shape

        def cut(values: dict) -> dict:
            out = {}
            for k, v in values.items():
                a = np.asarray(v, dtype=float)
                out[k] = (np.full(shape, float(a)) if a.ndim == 0 else a[:, col0:col1].copy())
            return out

        return {"slope": arrays["slope"], "sca": arrays["specific_catchment_area"],
                "soil": cut(self.soil.rows(row0, row1)), "landcover": cut(self.landcover.rows(row0, row1))}


def load_run(run_dir, *, landcover=None, landcover_legend=None) -> LandslideRun:
    """Read a ``hazard landslide`` run folder (``parameters.json`` and its rasters); InvalidInput names what is
    missing. The soil and land cover are rebuilt from the classes or class rasters the run recorded;
    ``landcover`` (a class name, or a raster of codes on the run's grid with ``landcover_legend``) replaces
    the run's land cover (the cover today, when the run assumed another)."""
    import rasterio

    folder = Path(run_dir)
    path = folder / "parameters.json"
    if not path.is_file():
        raise InvalidInput(f"{folder}: no parameters.json (give the folder of a 'hazard landslide' run)")
    params = json.loads(path.read_text(encoding="utf-8"))
    if not (folder / "slope.tif").is_file():
        raise InvalidInput(f"{folder}: missing slope.tif (the folder of a 'hazard landslide' run)")
    with rasterio.open(folder / "slope.tif") as src:
        profile = src.profile.copy()

    def source(kind: str, default: str):
        rec = params.get(kind) or {}
        if "raster" in rec:
            return _classes(rec["raster"], rec.get("legend"), profile, kind, default)[0]
        return _classes(rec.get("given") or rec.get("class") or default, None, profile, kind, default)[0]

    rec = params.get("recharge") or {}
    preset = params.get("preset")
    return LandslideRun(folder=folder, dem=str(params.get("dem", "")), band=int(params.get("band", 1)), profile=profile,
                        soil=source("soil", DEFAULT_SOIL),
                        landcover=(source("landcover", DEFAULT_LANDCOVER) if landcover is None else
                                   _classes(landcover, landcover_legend, profile, "landcover", DEFAULT_LANDCOVER)[0]),
                        thickness_m=float((params.get("soil_thickness") or {}).get("value", DEFAULT_THICKNESS_M)),
                        recharge_mm_day=(float(rec.get("min", DEFAULT_RECHARGE_MM_DAY[0])),
                                         float(rec.get("max", DEFAULT_RECHARGE_MM_DAY[1]))),
                        preset=None if preset in (None, "none") else preset,
                        iterations=int(params.get("iterations", 250)), seed=int(params.get("seed", 0)),
                        parameters=params)


def stability(run: LandslideRun, slope: np.ndarray, sca: np.ndarray, soil_v: dict, lc_v: dict, *,
              iterations: int | None = None, cell_offset: int = 0) -> dict[str, np.ndarray]:
    """The run's factor of safety and Monte Carlo probabilities for given per-cell values (another land cover).

    Same equations, distributions and seed as the run; the random numbers are keyed by ``cell_offset`` + the
    cell's flat index, so two calls on the same cells with different covers use the same draws (common
    random numbers: their difference is the cover's effect, not sampling noise).
    """
    job = _Job(dem=run.dem, band=run.band, dx_rows=np.zeros(0), dy=0.0, cols=slope.shape[-1], sca="",
               soil=run.soil, landcover=run.landcover, thickness_m=run.thickness_m,
               recharge_mm_day=run.recharge_mm_day, preset=run.preset,
               iterations=run.iterations if iterations is None else int(iterations), seed=run.seed)
    return _stability(job, slope, sca, soil_v, lc_v, cell_offset=cell_offset)
