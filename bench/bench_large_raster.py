"""A 20,000 x 20,000 DEM (1.6 GB as float32) through slope and factor of safety, block by block.

Issue 4's target: peak memory under 2 GB. Each measured step runs as its own process (the CLI a user
would run) and its peak resident memory is read from the kernel (``os.wait4`` rusage, ru_maxrss):

ours terrain   ``minewatch hazard terrain --dem dem.tif --out T --rows-per-block R`` (4 outputs:
               slope, aspect, profile and plan curvature; Horn)
ours slope+FS  ``minewatch hazard landslide --dem dem.tif --sca sca.tif --iterations 0 --rows-per-block R
               --out L`` (Zevenbergen-Thorne slope, relative wetness and the deterministic factor of
               safety; GeoTIFFs slope.tif and factor_of_safety.tif)
gdaldem        ``gdaldem slope dem.tif out.tif`` (Horn, file to file), the peer, same machine, same run

The DEM is reference/hazards.md section 9.1's surface at n = 20,000 (10 m cells), written block by
block, tiled and uncompressed. The specific catchment area given with ``--sca`` is the along-slope
distance from the upper edge (the planar-hillslope value): flow routing on a raster this size is a
global operator and not part of this target (see hydrology.tiled for it).

Usage::

    .venv/bin/python bench/bench_large_raster.py [--n 20000] [--rows-per-block 256] [--dir /var/tmp]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402

DX = 10.0


def write_inputs(folder: Path, n: int, chunk: int = 500) -> tuple[Path, Path]:
    """The section 9.1 DEM and the planar-hillslope specific catchment area, written chunk by chunk."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    profile = dict(driver="GTiff", width=n, height=n, count=1, dtype="float32", crs="EPSG:32651",
                   transform=from_origin(500000.0, 1600000.0 + n * DX, DX, DX), nodata=-9999.0, tiled=True,
                   blockxsize=512, blockysize=512, BIGTIFF="YES")
    dem, sca = folder / "dem.tif", folder / "sca.tif"
    L = n * DX
    x = np.arange(n) * DX
    rng = np.random.default_rng(42)
    with rasterio.open(dem, "w", **profile) as zd, rasterio.open(sca, "w", **profile) as ad:
        for r0 in range(0, n, chunk):
            r1 = min(n, r0 + chunk)
            y = ((n - 1 - np.arange(r0, r1)) * DX)[:, None]
            z = 0.35 * y + 25.0 * np.cos(2 * np.pi * x / (L / 4))[None, :] * (y / L) + rng.normal(0, 0.05, (r1 - r0, n))
            zd.write(z.astype("float32"), 1, window=Window(0, r0, n, r1 - r0))
            a = np.broadcast_to(((np.arange(r0, r1) + 0.5) * DX)[:, None], (r1 - r0, n))
            ad.write(a.astype("float32"), 1, window=Window(0, r0, n, r1 - r0))
    return dem, sca


def measured(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak resident memory in MB) of one child process.

    The parent must stay small: on exec Linux folds the forked copy's high-water mark into the child's
    ru_maxrss, so a parent holding GDAL's block cache would show through (the inputs are therefore
    written by a child process too)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return time.perf_counter() - t, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--rows-per-block", type=int, default=256)
    ap.add_argument("--dir", default=None, help="scratch folder (needs about 4 x n^2 x 4 bytes free)")
    ap.add_argument("--write-inputs", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.write_inputs:
        write_inputs(Path(args.write_inputs), args.n)
        return 0
    print(machine())
    tmp = Path(tempfile.mkdtemp(prefix="bench_large_", dir=args.dir))
    minewatch = [sys.executable, "-c", "from minewatch.cli.main import main; main()"]
    try:
        t = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--write-inputs", str(tmp), "--n", str(args.n)], check=True)
        dem, sca = tmp / "dem.tif", tmp / "sca.tif"
        print(f"inputs {args.n} x {args.n} float32 ({dem.stat().st_size / 1e9:.2f} GB DEM) written in "
              f"{time.perf_counter() - t:.0f} s")
        rpb = str(args.rows_per_block)
        rows = [
            ("ours hazard terrain (4 outputs, block-wise)",
             [*minewatch, "hazard", "terrain", "--dem", str(dem), "--out", str(tmp / "terrain"), "--rows-per-block", rpb]),
            ("ours hazard landslide --iterations 0 (slope + FS, block-wise)",
             [*minewatch, "hazard", "landslide", "--dem", str(dem), "--sca", str(sca), "--iterations", "0",
              "--rows-per-block", rpb, "--out", str(tmp / "slide")]),
        ]
        if shutil.which("gdaldem"):
            rows.append(("gdaldem slope (peer, file to file)",
                         ["gdaldem", "slope", str(dem), str(tmp / "gdal_slope.tif"), "-q",
                          "-co", "TILED=YES", "-co", "COMPRESS=DEFLATE", "-co", "BIGTIFF=YES"]))
        print(f"{args.n} x {args.n} cells, {args.rows_per_block} rows per block; target: peak memory < 2048 MB")
        for name, cmd in rows:
            seconds, peak = measured(cmd)
            print(f"  {name:62s} {seconds:7.1f} s  peak RSS {peak:7.0f} MB", flush=True)
            for f in (tmp / "terrain").glob("*.tif") if "terrain" in name else ():
                f.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
