"""Rebuild tests/data/invest_sdr_500/: InVEST 3.20 SDR on the reference/hazards.md 4.4 inputs (n = 500).

Needs InVEST in its own venv (reference/hazards.md 9.2); run from minewatch's venv::

    python bench/make_invest_reference.py [--invest-python /work/peers/bin/python] [--out tests/data/invest_sdr_500]

Steps: write the inputs with ``bench/erosion_inputs.py::write_inputs(dir, 500)``; run
``bench/invest_sdr.py`` under InVEST's Python (3 runs, fresh workspace each, median time); check the
statistics against reference/hazards.md 4.4 (stops without writing anything if one differs beyond
float32 rounding); copy the outputs below as float32 (stream: uint8) GeoTIFFs, DEFLATE level 9 with
predictor 3 (2 for integers); write ``run.json`` and ``README.md``. Inputs are not committed: tests rebuild
them with the same builder, and ``run.json`` records the SHA-256 of each input array.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

# committed name -> path in InVEST's workspace
COMMITTED = {
    "ls": "intermediate_outputs/ls.tif",
    "usle": "usle.tif",
    "sed_export": "sed_export.tif",
    "stream": "stream.tif",
    "flow_accumulation": "intermediate_outputs/flow_accumulation.tif",
    "flow_direction": "intermediate_outputs/flow_direction.tif",
    "slope": "intermediate_outputs/slope.tif",
    "sdr_factor": "intermediate_outputs/sdr_factor.tif",
    "d_up": "intermediate_outputs/d_up.tif",
    "d_dn": "intermediate_outputs/d_dn.tif",
    "pit_filled_dem": "intermediate_outputs/pit_filled_dem.tif",
}

# reference/hazards.md 4.4 (4 decimals as printed; watershed totals to 2 decimals)
HAZARDS_44 = {
    "usle": {"valid_px": 227465, "mean": 115.8584, "median": 5.6325, "p95": 1098.0932, "min": 3.2268,
             "max": 2176.8865},
    "rkls": {"valid_px": 227465, "mean": 1442.5466, "median": 1420.7721, "p95": 1993.5123, "min": 584.9644,
             "max": 2467.5603},
    "sed_export": {"valid_px": 225058, "mean": 9.3921, "median": 0.4737, "p95": 86.0745, "min": 0.1013,
                   "max": 451.4922},
    "ls": {"valid_px": 250000, "mean": 6.3805, "median": 6.0346, "p95": 10.0813, "min": 2.4374, "max": 18.7330},
    "sdr_factor": {"valid_px": 247593, "mean": 0.1455, "median": 0.0543, "p95": 1.0, "min": 0.0280, "max": 1.0},
    "slope": {"valid_px": 250000, "mean": 35.3701, "median": 35.3658, "p95": 36.5374, "min": 32.8561,
              "max": 37.9743},
}
HAZARDS_44_WATERSHED = {"usle_tot": 263537.32, "sed_export": 21137.61, "sed_dep": 194516.58,
                        "avoid_exp": 319539.2, "avoid_eros": 3017751.04}


def load_inputs_module():
    spec = importlib.util.spec_from_file_location("erosion_inputs", HERE / "erosion_inputs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def check_against_hazards(stats: dict, ws: dict) -> list[str]:
    """Differences from the published 4.4 table beyond its printed rounding (half a unit of the last digit)."""
    problems = []
    for name, expected in HAZARDS_44.items():
        got = stats[name]
        for k, v in expected.items():
            tol = 0 if k == "valid_px" else 0.5e-4 * 1.0001
            if abs(got[k] - v) > tol:
                problems.append(f"{name}.{k}: InVEST gave {got[k]!r}, hazards.md 4.4 says {v}")
    for k, v in HAZARDS_44_WATERSHED.items():
        if abs(ws[k] - v) > 0.5e-2 * 1.0001:
            problems.append(f"watershed {k}: InVEST gave {ws[k]!r}, hazards.md 4.4 says {v}")
    return problems


def file_stats(path: Path) -> dict:
    import rasterio

    with rasterio.open(path) as src:
        a = src.read(1).astype("float64")
        nodata = src.nodata
    valid = np.isfinite(a) if nodata is None else np.isfinite(a) & (a != nodata)
    v = a[valid]
    return {"valid_px": int(v.size), "mean": float(v.mean()), "median": float(np.median(v)),
            "p95": float(np.percentile(v, 95)), "min": float(v.min()), "max": float(v.max()),
            "sum": float(v.sum())}


def copy_compressed(src_path: Path, dst_path: Path) -> dict:
    """Copy a workspace raster as float32 (integers unchanged), DEFLATE 9 + predictor; return what was done."""
    import rasterio

    with rasterio.open(src_path) as src:
        a = src.read(1)
        profile = src.profile
        src_nodata = src.nodata
    valid = np.isfinite(a) if src_nodata is None else np.isfinite(a) & (a != src_nodata)
    nodata = src_nodata
    if a.dtype.kind == "f":
        out = np.where(valid, a, 0).astype(np.float32)
        if nodata is not None:
            # float64 nodata (+-1.797e308) has no float32 counterpart: use +-float32 max
            big = abs(nodata) > float(np.finfo(np.float32).max)
            f32max = float(np.finfo(np.float32).max)
            nodata = (f32max if nodata > 0 else -f32max) if big else float(np.float32(nodata))
            out[~valid] = nodata
        predictor = 3
    else:
        out, predictor = a, 2
    profile.update(driver="GTiff", dtype=out.dtype.name, nodata=nodata, compress="deflate", zlevel=9,
                   predictor=predictor, tiled=True, blockxsize=256, blockysize=256, interleave="band")
    with rasterio.open(dst_path, "w", **profile) as dst:
        dst.write(out, 1)
    af = a.astype("float64")
    rel = np.abs(out.astype("float64")[valid] - af[valid]) / np.maximum(np.abs(af[valid]), 1e-300)
    return {"source_dtype": a.dtype.name, "dtype": out.dtype.name, "nodata": nodata,
            "max_rel_rounding": float(rel.max()) if rel.size else 0.0, "bytes": dst_path.stat().st_size}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invest-python", default="/work/peers/bin/python")
    ap.add_argument("--out", type=Path, default=REPO / "tests" / "data" / "invest_sdr_500")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from _common import machine

    inputs = load_inputs_module()
    n = 500
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inputs.write_inputs(tmp / "inputs", n)
        subprocess.run([args.invest_python, str(HERE / "invest_sdr.py"), str(tmp / "inputs"), str(tmp / "ws"),
                        "--repeat", str(args.repeat), "--json", str(tmp / "invest.json")],
                       check=True, stdout=subprocess.DEVNULL)
        run = json.loads((tmp / "invest.json").read_text())
        problems = check_against_hazards(run["stats"], run["watersheds"]["1"])
        if problems:
            print("InVEST's run differs from reference/hazards.md 4.4; nothing written:", *problems, sep="\n  ")
            return 1
        ws = Path(run["workspace"])
        args.out.mkdir(parents=True, exist_ok=True)
        files = {}
        for name, rel in COMMITTED.items():
            files[f"{name}.tif"] = {"invest_path": rel, **copy_compressed(ws / rel, args.out / f"{name}.tif"),
                                    "stats": file_stats(args.out / f"{name}.tif")}
        dem = inputs.build_arrays(n)["dem"].astype("float64")
        import rasterio

        with rasterio.open(ws / COMMITTED["pit_filled_dem"]) as src:
            pit = src.read(1)
        pits_filled = int(np.count_nonzero(pit != dem))

    record = {
        "description": "InVEST SDR on the inputs of reference/hazards.md 4.4 (n = 500); see README.md",
        "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": run["versions"],
        "args": {"workspace_dir": "<fresh per run>", **run["args"]},
        "input_builder": {"module": "bench/erosion_inputs.py", "function": "write_inputs(out_dir, n=500)",
                          "arrays": "build_arrays(500)", "n": n,
                          "geotransform": list(inputs.transform_tuple(n)), "epsg": inputs.EPSG,
                          "sha256": inputs.input_hashes(n)},
        "pixels_where_pit_filled_dem_differs_from_dem": pits_filled,
        "timing": {"what": "sdr.execute(args), fresh workspace per run, one process, n_workers=-1",
                   "times_s": run["times_s"], "median_s": run["median_s"], "machine": machine()},
        "invest_stats": run["stats"],
        "watershed_totals": run["watersheds"],
        "files": files,
        "total_bytes": sum(f["bytes"] for f in files.values()),
    }
    (args.out / "run.json").write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps({k: record[k] for k in ("versions", "timing", "total_bytes")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
