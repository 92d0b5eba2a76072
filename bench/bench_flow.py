"""Depression filling + D8 flow accumulation on the shared 2000 x 2000 synthetic DEM (hazards.md §9.1),
ours beside richdem and whitebox-workflows in the same run.

Ours: ``fill_depressions(epsilon=True)`` + ``flow_direction_d8`` (steepest slope) +
``flow_accumulation_d8`` in memory, and file -> file (read GeoTIFF, write the accumulation GeoTIFF).
Peers run in a separate Python (``--peer-python``, default /tmp/hydro/bin/python, a venv with
``py-richdem==2.2.0rc3`` and ``whitebox-workflows``; they are not project dependencies):

richdem   ``FillDepressions(epsilon=True)`` + ``FlowAccumulation(method='D8')`` in memory (largest-drop D8)
wbw       ``hydrology.fill_depressions`` + ``hydrology.d8_flow_accum(out_type='cells')`` file -> file

Medians of ``--repeat`` runs (numba compiled beforehand). Prints max / median / mean of each
accumulation and how many cells differ from whitebox-workflows (same steepest-slope semantics).
Target (issue 4): no slower than richdem.

Usage::

    .venv/bin/python bench/bench_flow.py [--n 2000] [--repeat 3] [--peer-python /tmp/hydro/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

PEER_SCRIPT = r"""
import json, statistics, sys, time
import numpy as np
dem_path, out_dir, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
res = {}
try:
    import rasterio, richdem as rd
    with rasterio.open(dem_path) as s:
        z = s.read(1).astype('float64')
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = rd.rdarray(z.copy(), no_data=-9999.0)
        r.geotransform = [0, 10, 0, 0, 0, -10]
        rd.FillDepressions(r, epsilon=True, in_place=True)
        acc = np.asarray(rd.FlowAccumulation(r, method='D8'))
        times.append(time.perf_counter() - t)
    res['richdem'] = dict(times=times, max=float(acc.max()), median=float(np.median(acc)), mean=float(acc.mean()))
except Exception as exc:  # a peer that is missing is reported, not fatal
    res['richdem'] = dict(error=repr(exc))
try:
    import rasterio, whitebox_workflows as wbw
    wbe = wbw.WbEnvironment()
    wbe.verbose = False
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        dem = wbe.read_raster(dem_path)
        f = wbe.hydrology.fill_depressions(dem=dem)
        acc = wbe.hydrology.d8_flow_accum(input=f, out_type='cells')
        wbe.write_raster(acc, out_dir + '/wbw_acc.tif')
        times.append(time.perf_counter() - t)
    with rasterio.open(out_dir + '/wbw_acc.tif') as s:
        a = s.read(1).astype('float64')
    np.save(out_dir + '/wbw_acc.npy', a)
    res['whitebox-workflows'] = dict(times=times, max=float(a.max()), median=float(np.median(a)), mean=float(a.mean()))
except Exception as exc:
    res['whitebox-workflows'] = dict(error=repr(exc))
print(json.dumps(res))
"""


def make_dem(n: int, dx: float = 10.0, seed: int = 42) -> np.ndarray:
    """The shared synthetic DEM of hazards.md §9.1 (row 0 north and highest)."""
    length = n * dx
    x, y = np.meshgrid(np.arange(n) * dx, (n - 1 - np.arange(n)) * dx)
    noise = np.random.default_rng(seed).normal(0, 0.05, (n, n))
    return 0.35 * y + 25.0 * np.cos(2 * np.pi * x / (length / 4)) * (y / length) + noise


def write_dem(path: Path, z: np.ndarray, dx: float) -> None:
    import rasterio
    from rasterio.transform import Affine

    n = z.shape[0]
    profile = dict(driver="GTiff", width=n, height=n, count=1, dtype="float32", crs="EPSG:32651",
                   transform=Affine(dx, 0, 500000, 0, -dx, 1600000 + n * dx), nodata=-9999)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z.astype("float32"), 1)


def stats(a: np.ndarray) -> str:
    return f"max {a.max():,.0f}  median {np.median(a):,.1f}  mean {a.mean():,.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-python", default=os.environ.get("MINEWATCH_BENCH_PEER_PYTHON", "/tmp/hydro/bin/python"))
    args = ap.parse_args()

    from minewatch.adapters.rasters import read_raster, write_geotiff
    from minewatch.geomodels.hydrology import kernels as K

    print(f"machine: {platform.platform()} | {os.cpu_count()} cores | Python {platform.python_version()} | "
          f"load {' '.join('%.2f' % v for v in os.getloadavg())}")
    dx = 10.0
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        dem_path = tmp_path / "dem.tif"
        write_dem(dem_path, make_dem(args.n, dx), dx)
        z = read_raster(dem_path).values  # float32 values, as every peer reads them

        def ours_in_memory():
            filled = K.fill_depressions(z, epsilon=True)
            return K.flow_accumulation_d8(K.flow_direction_d8(filled, dx, dx)[0])

        def ours_files():
            grid = read_raster(dem_path)
            filled = K.fill_depressions(grid.values, epsilon=True)
            acc = K.flow_accumulation_d8(K.flow_direction_d8(filled, grid.dx_m[:, 0], grid.dy_m)[0])
            write_geotiff(tmp_path / "ours_acc.tif", acc, grid.profile)
            return acc

        K.flow_accumulation_d8(K.flow_direction_d8(K.fill_depressions(z[:50, :50]))[0])  # compile (cached)
        rows = []
        for name, fn in (("minewatch in memory", ours_in_memory), ("minewatch file -> file", ours_files)):
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                acc = fn()
                times.append(time.perf_counter() - t)
            rows.append((name, times, stats(acc)))
        ours = acc

        peers = {}
        if Path(args.peer_python).exists():
            proc = subprocess.run([args.peer_python, "-c", PEER_SCRIPT, str(dem_path), tmp, str(args.repeat)],
                                  capture_output=True, text=True)
            if proc.returncode == 0:
                peers = json.loads(proc.stdout.strip().splitlines()[-1])
            else:
                print("peers failed:", proc.stderr[-500:])
        else:
            print(f"no peer Python at {args.peer_python}: peers skipped")
        for name, r in peers.items():
            if "error" in r:
                rows.append((name, None, r["error"]))
            else:
                rows.append((name, r["times"], f"max {r['max']:,.0f}  median {r['median']:,.1f}  mean {r['mean']:,.3f}"))
        wbw_npy = tmp_path / "wbw_acc.npy"
        agreement = None
        if wbw_npy.exists():
            agreement = int((np.load(wbw_npy) != ours).sum())

    print(f"\nfill + D8 accumulation, {args.n} x {args.n}, dx {dx} m, median of {args.repeat}")
    for name, times, st in rows:
        if times is None:
            print(f"  {name:26s}  unavailable: {st}")
        else:
            runs = ", ".join(f"{t:.3f}" for t in times)
            print(f"  {name:26s}  {statistics.median(times):6.3f} s  ({runs})  {st}")
    rd = next((statistics.median(t) for n, t, _ in rows if n == "richdem" and t), None)
    if rd:
        mine = statistics.median(rows[0][1])
        print(f"  ratio richdem / minewatch in memory: {rd / mine:.2f}x (target >= 1)")
    if agreement is not None:
        print(f"  cells where minewatch's accumulation differs from whitebox-workflows': {agreement}")


if __name__ == "__main__":
    main()
