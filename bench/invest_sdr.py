"""Run InVEST SDR headless on the reference/hazards.md 4.4 inputs and time ``sdr.execute(args)``.

Runs in InVEST's own venv (never in minewatch's; reference/hazards.md 9.2)::

    /work/peers/bin/python bench/invest_sdr.py INPUT_DIR WORK_DIR [--repeat 3] [--json OUT.json]

INPUT_DIR holds what ``bench/erosion_inputs.py`` writes. Each run gets a fresh workspace
``WORK_DIR/run<i>``; the last one is kept. The JSON written (and printed) has the args, the times,
their median, the versions (InVEST, pygeoprocessing, GDAL, numpy), the statistics of the main outputs
(valid pixels, mean, median, p95, min, max; ``numpy.percentile`` defaults) and the watershed totals.
Only the standard library, numpy, GDAL and natcap.invest are imported.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import sys
import time

ARGS = {
    "results_suffix": "",
    "threshold_flow_accumulation": 1000,
    "k_param": 2,
    "sdr_max": 0.8,
    "ic_0_param": 0.5,
    "l_max": 122,
    "flow_dir_algorithm": "MFD",
    "n_workers": -1,
}
INPUTS = {
    "dem_path": "dem.tif", "erosivity_path": "erosivity.tif", "erodibility_path": "erodibility.tif",
    "lulc_path": "lulc.tif", "watersheds_path": "watersheds.gpkg", "biophysical_table_path": "biophysical.csv",
}
# output name -> path inside the workspace
OUTPUTS = {
    "usle": "usle.tif", "rkls": "rkls.tif", "sed_export": "sed_export.tif", "sed_deposition": "sed_deposition.tif",
    "ls": "intermediate_outputs/ls.tif", "sdr_factor": "intermediate_outputs/sdr_factor.tif",
    "slope": "intermediate_outputs/slope.tif", "flow_accumulation": "intermediate_outputs/flow_accumulation.tif",
    "d_up": "intermediate_outputs/d_up.tif", "d_dn": "intermediate_outputs/d_dn.tif",
    "ic": "intermediate_outputs/ic.tif", "pit_filled_dem": "intermediate_outputs/pit_filled_dem.tif",
}


def raster_stats(path: str) -> dict:
    import numpy as np
    from osgeo import gdal

    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    a = band.ReadAsArray().astype("float64")
    nodata = band.GetNoDataValue()
    valid = np.isfinite(a) if nodata is None else (np.isfinite(a) & (a != nodata))
    v = a[valid]
    return {"valid_px": int(v.size), "mean": float(v.mean()), "median": float(np.median(v)),
            "p95": float(np.percentile(v, 95)), "min": float(v.min()), "max": float(v.max()),
            "dtype": gdal.GetDataTypeName(band.DataType), "nodata": nodata}


def watershed_totals(workspace: str) -> dict:
    from osgeo import ogr

    ds = ogr.Open(os.path.join(workspace, "watershed_results_sdr.shp"))
    layer = ds.GetLayer()
    names = [layer.GetLayerDefn().GetFieldDefn(i).GetName() for i in range(layer.GetLayerDefn().GetFieldCount())]
    return {str(f.GetField("ws_id")) if "ws_id" in names else str(f.GetFID()):
            {k: f.GetField(k) for k in names} for f in layer}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input_dir")
    ap.add_argument("work_dir")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", default=None, help="also write the result here")
    ap.add_argument("--no-stats", action="store_true", help="time only (large grids)")
    a = ap.parse_args()

    logging.basicConfig(level=logging.WARNING)
    import numpy
    import natcap.invest
    import pygeoprocessing
    from natcap.invest.sdr import sdr
    from osgeo import gdal

    inputs = {k: os.path.abspath(os.path.join(a.input_dir, v)) for k, v in INPUTS.items()}
    os.makedirs(a.work_dir, exist_ok=True)
    times, ws = [], None
    for i in range(a.repeat):
        ws = os.path.abspath(os.path.join(a.work_dir, f"run{i}"))
        if os.path.exists(ws):
            shutil.rmtree(ws)
        args = {"workspace_dir": ws, **inputs, **ARGS}
        t = time.perf_counter()
        sdr.execute(args)
        times.append(time.perf_counter() - t)
        if i < a.repeat - 1:
            shutil.rmtree(ws)
    result = {
        "versions": {"natcap.invest": natcap.invest.__version__, "pygeoprocessing": pygeoprocessing.__version__,
                     "gdal": gdal.__version__, "numpy": numpy.__version__, "python": sys.version.split()[0]},
        "args": {**{k: os.path.basename(v) for k, v in inputs.items()}, **ARGS},
        "times_s": times, "median_s": statistics.median(times), "workspace": ws,
    }
    if not a.no_stats:
        result["stats"] = {k: raster_stats(os.path.join(ws, p)) for k, p in OUTPUTS.items()
                           if os.path.exists(os.path.join(ws, p))}
        result["watersheds"] = watershed_totals(ws)
    text = json.dumps(result, indent=1)
    if a.json:
        with open(a.json, "w") as fh:
            fh.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
