"""``minewatch hazard erosion`` as one call: inputs from what users have, the model in stages, files out.

:func:`run_erosion` resolves R, K, C and P (:mod:`~minewatch.geomodels.erosion.inputs`), runs RUSLE and the
sediment delivery ratio stage by stage (read, route, LS, USLE, SDR, write), reporting each stage to
``on_stage`` for a progress bar, and writes the GeoTIFFs of :func:`~minewatch.geomodels.erosion.tool.tool`
(same names, types and nodata), ``summary.json`` and ``parameters.json``.

The model is :func:`~minewatch.geomodels.erosion.compute.compute` itself (its ``on_stage`` hook drives
the progress), and the files are written by the tool's own writers, so the command and ``tool()`` give
the same rasters; a test checks it bit for bit in both LS conventions.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.geomodels.erosion import inputs as I
from minewatch.geomodels.erosion.compute import LS_CONVENTIONS, OUTPUTS, compute

STAGES = ("read", "route", "LS", "USLE", "SDR", "write")
_UNITS = {"pit_filled_dem": "m", "slope": "%", "flow_direction": "1", "flow_accumulation": "cells",
          "ls": "1", "stream": "1", "rkls": "t ha-1 yr-1", "usle": "t ha-1 yr-1", "d_up": "m", "d_dn": "1",
          "ic": "1", "sdr_factor": "1", "sed_export": "t ha-1 yr-1"}
_NO_STATS = ("flow_direction",)  # packed direction codes: statistics mean nothing


def _on_grid(values, shape) -> np.ndarray:
    """A number -> a full float64 array rounded through float32 (as compute() does); an array as it is."""
    if np.ndim(values) == 0:
        return np.full(shape, float(np.float32(values)))
    return np.asarray(values, dtype=np.float64)


def _stats(values: np.ndarray, cell_area_m2: float, key: str) -> dict:
    v = np.asarray(values, dtype=np.float64)
    if key == "stream":
        v = np.where(values == 255, np.nan, v)
    v = v[~np.isnan(v)]
    out = {"units": _UNITS[key], "valid_cells": int(v.size)}
    if v.size:
        out.update(mean=float(v.mean()), min=float(v.min()), median=float(np.median(v)),
                   p95=float(np.percentile(v, 95)), max=float(v.max()))
        if key in ("usle", "sed_export", "rkls"):
            out["total_t_yr"] = float(v.sum() * cell_area_m2 / 10000.0)
    return out


def run_erosion(dem_path, out_dir, *, band: int = 1, erosivity=None, erosivity_units: str = "si", annual_mm=None,
                monthly_mm=None, erodibility=None, erodibility_units: str = "si", sand_pct=None, silt_pct=None,
                clay_pct=None, organic_carbon_pct=None, soil=None, nomograph=None, landcover=None, legend=None, biophysical=None,
                cover_table=None, ls_convention: str = "invest", sdr_outputs: bool = True,
                threshold_flow_accumulation: float = 1000, k: float = 2.0, ic0: float = 0.5, sdr_max: float = 0.8,
                l_max: float = 122.0, watersheds=None,
                on_stage: Callable[[str, int, int], None] | None = None) -> dict[str, Path]:
    """RUSLE (and SDR) rasters, ``summary.json`` and ``parameters.json`` for one DEM.

    Parameters
    ----------
    dem_path, band : the DEM (m; projected, square cells) and its band.
    erosivity, erosivity_units, annual_mm, monthly_mm : R, one route (:func:`inputs.erosivity_input`).
    erodibility, erodibility_units, sand_pct, silt_pct, clay_pct, organic_carbon_pct, soil, nomograph : K, one route
        (:func:`inputs.erodibility_input`).
    landcover, legend, biophysical, cover_table : C and P (:func:`inputs.cover_input`).
    ls_convention : ``"invest"`` (InVEST 3.20.2's ls.tif) or ``"mccool"``.
    sdr_outputs : also the connectivity index, SDR and sediment export.
    threshold_flow_accumulation, k, ic0, sdr_max, l_max : as :data:`minewatch.geomodels.erosion.SPEC`.
    watersheds : polygons (any OGR file): cells outside every polygon are nodata, and
        ``watershed_totals.csv`` gets usle and sed_export totals (t yr-1) per polygon.
    on_stage : called ``(stage, done, total)`` after each stage of :data:`STAGES` (SDR skipped
        without ``sdr_outputs``).

    Returns
    -------
    {output name (CSDMS-style, as tool()): path}, plus ``watershed__totals``, ``summary``, ``parameters``.
    """
    import minewatch
    from minewatch.geomodels.erosion import SPEC
    from minewatch.geomodels.erosion.tool import watershed_ids, watershed_totals, write_cover, write_outputs

    if ls_convention not in LS_CONVENTIONS:
        raise InvalidInput(f"ls_convention must be one of {', '.join(LS_CONVENTIONS)}, not {ls_convention!r}")
    checks = (("threshold_flow_accumulation", threshold_flow_accumulation, threshold_flow_accumulation >= 1, ">= 1"),
              ("k", k, k > 0, "> 0"), ("ic0", ic0, True, "finite"), ("sdr_max", sdr_max, 0 < sdr_max <= 1, "in (0, 1]"),
              ("l_max", l_max, l_max > 0, "> 0"))
    for name, value, ok, rule in checks:
        if not (np.isfinite(value) and ok):
            raise InvalidInput(f"{name} {value:g}: must be {rule}")
    stages = [s for s in STAGES if sdr_outputs or s != "SDR"]
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def done(stage: str) -> None:
        now = time.perf_counter()
        timings[stage] = round(now - clock[0], 4)
        clock[0] = now
        if on_stage is not None:
            on_stage(stage, len(timings), len(stages))

    # read: the DEM, then each factor on its grid (errors before anything is written)
    grid = I.read_dem(dem_path, band)
    r_in = I.erosivity_input(erosivity=erosivity, units=erosivity_units, annual_mm=annual_mm, monthly_mm=monthly_mm,
                             grid=grid)
    k_in = I.erodibility_input(erodibility=erodibility, units=erodibility_units, sand_pct=sand_pct, silt_pct=silt_pct,
                               clay_pct=clay_pct, organic_carbon_pct=organic_carbon_pct, soil=soil, nomograph=nomograph,
                               grid=grid)
    cover = I.cover_input(landcover=landcover, legend=legend, biophysical=biophysical, grid=grid, table=cover_table)
    findings = [*r_in.findings, *k_in.findings, *cover.findings]
    x_size, y_size = float(grid.profile["transform"].a), float(grid.profile["transform"].e)
    cell = abs(x_size)
    dem = grid.values
    ids = numbers = None
    if watersheds is not None:
        if not Path(str(watersheds)).is_file():
            raise InvalidInput(f"--watersheds {watersheds}: no such file")
        ids, numbers = watershed_ids(watersheds, grid)
        if not numbers or not np.any(ids > 0):
            raise InvalidInput(f"--watersheds {watersheds}: no polygon covers a cell centre of the DEM")
        dem = np.where(ids > 0, dem, np.nan)
    shape = dem.shape
    erosivity_a, erodibility_a = _on_grid(r_in.values, shape), _on_grid(k_in.values, shape)
    c_a, p_a = _on_grid(cover.c_factor, shape), _on_grid(cover.p_factor, shape)
    valid = ~(np.isnan(dem) | np.isnan(erosivity_a) | np.isnan(erodibility_a) | np.isnan(c_a) | np.isnan(p_a))
    if not valid.any():
        raise InvalidInput("no cell has a DEM value, R, K, C and P together (their nodata cells do not overlap any "
                           "valid DEM cell)")
    dem = np.where(valid, dem, np.nan)
    done("read")

    out = compute(dem, erosivity=np.where(valid, erosivity_a, np.nan), erodibility=np.where(valid, erodibility_a, np.nan),
                  c_factor=np.where(valid, c_a, np.nan), p_factor=np.where(valid, p_a, np.nan), x_size=x_size,
                  y_size=y_size, ls_convention=ls_convention, sdr_outputs=sdr_outputs,
                  threshold_flow_accumulation=threshold_flow_accumulation, k=k, ic0=ic0, sdr_max=sdr_max,
                  l_max=l_max, on_stage=done)
    out_dir = Path(out_dir)
    paths = write_outputs(out, out_dir, grid.profile)
    paths.update(write_cover(np.where(valid, c_a, np.nan), np.where(valid, p_a, np.nan), out_dir, grid.profile))
    area = cell * abs(y_size)
    totals = []
    if ids is not None:
        paths["watershed__totals"], totals = watershed_totals(out, ids, numbers, area, out_dir)

    spec_params = {p.name: p for p in SPEC.parameters}

    def param(name, value):
        p = spec_params[name]
        default = value == p.default
        return {"value": value, "units": p.units, "description": p.description,
                "source": p.source if default else "given by the user"}

    provisional = sorted({*(["cover"] if any(f.code == "cover.provisional" for f in findings) else []),
                          *(["erosivity_range"] if r_in.source.get("range_provisional") else [])})
    params = {
        "code_version": minewatch.__version__, "model": SPEC.id, "dem": str(dem_path), "band": band,
        "ls_convention": ls_convention, "sdr": bool(sdr_outputs),
        "erosivity": r_in.source, "erodibility": k_in.source, "cover": cover.source,
        "watersheds": None if watersheds is None else str(watersheds),
        **{name: param(name, v) for name, v in (("threshold_flow_accumulation", threshold_flow_accumulation),
                                                ("k", k), ("ic0", ic0), ("sdr_max", sdr_max), ("l_max", l_max))},
        "provisional": provisional,
    }
    paths["parameters"] = out_dir / "parameters.json"
    paths["parameters"].write_text(json.dumps(params, indent=2, ensure_ascii=False))
    done("write")

    rows, cols = shape
    summary = {
        "cells": int(rows * cols), "cells_with_values": int(np.count_nonzero(~np.isnan(out["usle"]))),
        "rows": rows, "columns": cols, "cell_size_m": cell, "crs": str(grid.profile.get("crs")),
        "ls_convention": ls_convention,
        "ls_convention_note": ("InVEST 3.20.2 SDR ls.tif conventions (reference/hazards.md 3.3)"
                               if ls_convention == "invest" else
                               "McCool S, Desmet & Govers L on MFD accumulation, aspect flow width"),
        "inputs": {"erosivity": r_in.source, "erodibility": k_in.source, "cover": cover.source},
        "findings": [f.as_dict() for f in findings],
        "outputs": {key: {"path": str(paths[OUTPUTS[key]]), "name": OUTPUTS[key],
                          **({} if key in _NO_STATS else _stats(values, area, key))}
                    for key, values in out.items()},
        "watershed_totals": totals if ids is not None else None,
        "stages": stages, "timings_s": timings,
    }
    paths["summary"] = out_dir / "summary.json"
    summary["files"] = {k: str(v) for k, v in paths.items()}
    paths["summary"].write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    return paths
