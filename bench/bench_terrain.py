"""Slope on the reference/hazards.md section 9.1 DEM (4000 x 4000, 10 m, float32 GeoTIFF): minewatch vs peers.

Times (medians of ``--repeat`` runs, one process, after one warm-up call that compiles the numba kernel):

ours compute     ``terrain.compute(z, 10, 10, outputs=("slope",))`` on the float64 array in memory
ours 4 outputs   slope, aspect, profile and plan curvature in one pass
ours tool        ``terrain.tool(dem.tif, out, outputs=("slope",))``: read GeoTIFF + compute + write GeoTIFF
ours blocks      the same, block-wise, 512 rows per block
gdaldem CLI      ``gdaldem slope dem.tif out.tif -q`` (subprocess; Horn, degrees) - file to file
richdem          ``rd.TerrainAttribute(rda, attrib="slope_degrees")`` in memory, run in the peers venv
                 given by ``--peers-python`` (py-richdem is not a project dependency)

and the largest interior difference of each peer's slope from ours (degrees).
The issue 4 target: ours no slower than richdem (about 0.3 s on the reference machine).

Usage::

    .venv/bin/python bench/bench_terrain.py [--n 4000] [--repeat 3] [--peers-python /tmp/peers/bin/python]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402

RICHDEM = textwrap.dedent("""
    import json, sys, time, numpy as np, richdem as rd
    z = np.load(sys.argv[1]); repeat = int(sys.argv[2])
    rda = rd.rdarray(z, no_data=-9999.0); rda.geotransform = [0, 10.0, 0, 0, 0, -10.0]
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); s = rd.TerrainAttribute(rda, attrib="slope_degrees"); times.append(time.perf_counter() - t)
    np.save(sys.argv[3], np.asarray(s, dtype="float64"))
    print(json.dumps({"times": times}))
""")


def make_dem(n, dx=10.0, seed=42):
    """reference/hazards.md section 9.1."""
    L = n * dx
    x, y = np.meshgrid(np.arange(n) * dx, (n - 1 - np.arange(n)) * dx)
    noise = np.random.default_rng(seed).normal(0, 0.05, (n, n))
    return 0.35 * y + 25.0 * np.cos(2 * np.pi * x / (L / 4)) * (y / L) + noise


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers-python", default="/tmp/peers/bin/python")
    args = ap.parse_args()

    import rasterio
    from rasterio.transform import from_origin

    from minewatch.geomodels.terrain import compute, tool

    print(machine())
    n, dx = args.n, 10.0
    tmp = Path(tempfile.mkdtemp(prefix="bench_terrain_"))
    z32 = make_dem(n, dx).astype("float32")
    dem = tmp / "dem.tif"
    with rasterio.open(dem, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32", crs="EPSG:32651",
                       transform=from_origin(500000.0, 1600000.0 + n * dx, dx, dx), nodata=-9999.0) as dst:
        dst.write(z32, 1)
    z = z32.astype("float64")
    compute(z[:8, :8], dx, dx)  # compile once (cached on disk afterwards)
    rows = []

    t, ours = timed(lambda: compute(z, dx, dx, outputs=("slope",))["slope"], args.repeat)
    rows.append(("ours compute (slope, in memory)", t, None))
    t, _ = timed(lambda: compute(z, dx, dx), args.repeat)
    rows.append(("ours compute (4 outputs, in memory)", t, None))
    t, _ = timed(lambda: tool(dem, tmp / "ours", outputs=("slope",)), args.repeat)
    rows.append(("ours tool (read + slope + write)", t, None))
    t, _ = timed(lambda: tool(dem, tmp / "ours_b", outputs=("slope",), rows_per_block=512), args.repeat)
    rows.append(("ours tool block-wise (512 rows)", t, None))

    if shutil.which("gdaldem"):
        out = tmp / "gdal_slope.tif"
        t, _ = timed(lambda: subprocess.run(["gdaldem", "slope", str(dem), str(out), "-q"], check=True), args.repeat)
        with rasterio.open(out) as src:
            peer = src.read(1, masked=True).astype("float64").filled(np.nan)
        rows.append(("gdaldem slope CLI (file to file)", t, peer))
    else:
        print("gdaldem: not installed, skipped")

    if Path(args.peers_python).exists():
        np.save(tmp / "z.npy", z)
        res = subprocess.run([args.peers_python, "-c", RICHDEM, str(tmp / "z.npy"), str(args.repeat), str(tmp / "rd.npy")],
                             capture_output=True, text=True)
        if res.returncode == 0:
            rows.append(("richdem TerrainAttribute slope_degrees (in memory)", json.loads(res.stdout.strip().splitlines()[-1])["times"],
                         np.load(tmp / "rd.npy")))
        else:
            print("richdem: failed:", res.stderr.strip().splitlines()[-1:])
    else:
        print(f"richdem: no peers venv at {args.peers_python}, skipped")

    inner = (slice(1, -1), slice(1, -1))
    print(f"slope on {n} x {n} (dx {dx} m), medians of {args.repeat}; mean slope ours {np.nanmean(ours):.4f} deg")
    for name, times, peer in rows:
        agree = ""
        if peer is not None:
            agree = f"  max |peer - ours| interior {np.nanmax(np.abs(peer[inner] - ours[inner])):.2e} deg"
        print(f"  {name:52s} {statistics.median(times):7.3f} s  (runs {', '.join(f'{x:.3f}' for x in times)}){agree}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
