"""The InVEST SDR inputs of reference/hazards.md section 4.4, for any size n (500 and 4000 are benchmarked).

Built exactly as section 4.4 states, on the shared DEM of section 9.1:

- ``dem.tif``: ``make_dem(n)`` cast to float32, EPSG:32651, geotransform
  ``(500000, 10, 0, 1600000 + n*10, 0, -10)``, nodata -9999;
- ``erosivity.tif``: R = 8000 MJ mm ha-1 h-1 yr-1 everywhere (float32, nodata -9999);
- ``erodibility.tif``: K = 0.03 t ha h ha-1 MJ-1 mm-1 everywhere (float32, nodata -9999);
- ``lulc.tif`` (int32, nodata -1, no pixel is nodata), applied in this order: forest (1) everywhere,
  grassland (3) rows 0-99, shrub (2) cols 0-99 of rows 100-499, bare soil (4) rows 320-359 x cols
  150-349, mine spoil (5) rows 200-299 x cols 200-299 (end-exclusive: rows 0-99 is ``[0:100]``);
- ``biophysical.csv``: ``lucode,description,usle_c,usle_p``, forest 0.003, shrub 0.03, grassland 0.05,
  bare_soil 1.0, mine_spoil 0.8, P = 1 for all;
- ``watersheds.gpkg``: layer ``watersheds``, one polygon covering the DEM extent, int32 field ``ws_id`` = 1.

For n != 500 every block edge of the 500 x 500 layout is scaled by n / 500 and rounded to the nearest
integer (``round(edge * n / 500)``; exact for n = 4000, where each edge is multiplied by 8), so the land
cover covers the same fractions of the grid at every size.

Only numpy, rasterio, pyogrio and shapely are used (no minewatch import), so tests load this file by
path (``bench`` is not a package) and the benchmark runs it as a script::

    python bench/erosion_inputs.py --n 500 --out /tmp/sdr_inputs_500
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

DX = 10.0
EPSG = 32651
X0, Y0 = 500000.0, 1600000.0
NODATA = -9999.0
LULC_NODATA = -1
EROSIVITY = 8000.0  # MJ mm ha-1 h-1 yr-1
ERODIBILITY = 0.03  # t ha h ha-1 MJ-1 mm-1

# (lucode, description, usle_c, usle_p): reference/hazards.md 4.4
BIOPHYSICAL = [
    (1, "forest", 0.003, 1),
    (2, "shrub", 0.03, 1),
    (3, "grassland", 0.05, 1),
    (4, "bare_soil", 1.0, 1),
    (5, "mine_spoil", 0.8, 1),
]

# (lucode, row_start, row_stop, col_start, col_stop) on the 500 x 500 grid, end-exclusive, applied in order
# after forest (1) everywhere; None means "to the edge".
LULC_BLOCKS_500 = [
    (3, 0, 100, 0, None),
    (2, 100, 500, 0, 100),
    (4, 320, 360, 150, 350),
    (5, 200, 300, 200, 300),
]

# The args of reference/hazards.md 4.4 apart from the paths and the workspace.
SDR_ARGS = {
    "results_suffix": "",
    "threshold_flow_accumulation": 1000,
    "k_param": 2,
    "sdr_max": 0.8,
    "ic_0_param": 0.5,
    "l_max": 122,
    "flow_dir_algorithm": "MFD",
    "n_workers": -1,
}


def make_dem(n: int, dx: float = DX, seed: int = 42) -> np.ndarray:
    """The shared synthetic DEM of reference/hazards.md 9.1 (float64, row 0 = north, highest), verbatim."""
    L = n * dx
    x, y = np.meshgrid(np.arange(n) * dx, (n - 1 - np.arange(n)) * dx)
    noise = np.random.default_rng(seed).normal(0, 0.05, (n, n))
    return 0.35 * y + 25.0 * np.cos(2 * np.pi * x / (L / 4)) * (y / L) + noise


def _scale(edge: int | None, n: int) -> int:
    return n if edge is None else int(round(edge * n / 500))


def make_lulc(n: int) -> np.ndarray:
    """The section 4.4 land cover (int32) on an n x n grid, blocks scaled by n / 500."""
    lulc = np.ones((n, n), dtype=np.int32)
    for code, r0, r1, c0, c1 in LULC_BLOCKS_500:
        lulc[_scale(r0, n):_scale(r1, n), _scale(c0, n):_scale(c1, n)] = code
    return lulc


def build_arrays(n: int) -> dict[str, np.ndarray]:
    """The four rasters as written: ``dem`` float32, ``erosivity`` and ``erodibility`` float32, ``lulc`` int32."""
    return {
        "dem": make_dem(n).astype(np.float32),
        "erosivity": np.full((n, n), EROSIVITY, dtype=np.float32),
        "erodibility": np.full((n, n), ERODIBILITY, dtype=np.float32),
        "lulc": make_lulc(n),
    }


def array_sha256(a: np.ndarray) -> str:
    """SHA-256 of the array's little-endian C-order bytes (dtype-sensitive)."""
    a = np.ascontiguousarray(a)
    return hashlib.sha256(a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()).hexdigest()


def input_hashes(n: int) -> dict[str, str]:
    """``{name: sha256}`` of :func:`build_arrays`; recorded in tests/data/invest_sdr_500/run.json."""
    return {k: array_sha256(v) for k, v in build_arrays(n).items()}


def transform_tuple(n: int) -> tuple[float, ...]:
    """GDAL geotransform ``(500000, 10, 0, 1600000 + n*10, 0, -10)``."""
    return (X0, DX, 0.0, Y0 + n * DX, 0.0, -DX)


def write_inputs(out_dir: Path | str, n: int = 500) -> dict[str, Path]:
    """Write the section 4.4 inputs for size n into ``out_dir``; return the paths by InVEST args key.

    Keys: ``dem_path``, ``erosivity_path``, ``erodibility_path``, ``lulc_path``, ``biophysical_table_path``,
    ``watersheds_path``.
    """
    from pyogrio.raw import write as write_vector
    import rasterio
    from rasterio.crs import CRS
    from rasterio.transform import Affine
    from shapely.geometry import box

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    arrays = build_arrays(n)
    gt = transform_tuple(n)
    profile = {
        "driver": "GTiff", "width": n, "height": n, "count": 1, "crs": CRS.from_epsg(EPSG),
        "transform": Affine.from_gdal(*gt), "tiled": True, "blockxsize": 256, "blockysize": 256,
    }
    paths = {}
    for key, name in [("dem_path", "dem"), ("erosivity_path", "erosivity"), ("erodibility_path", "erodibility"),
                      ("lulc_path", "lulc")]:
        a = arrays[name]
        path = out / f"{name}.tif"
        nodata = LULC_NODATA if name == "lulc" else NODATA
        with rasterio.open(path, "w", dtype=a.dtype.name, nodata=nodata, **profile) as dst:
            dst.write(a, 1)
        paths[key] = path

    csv = out / "biophysical.csv"
    csv.write_text("lucode,description,usle_c,usle_p\n"
                   + "".join(f"{c},{d},{uc},{up}\n" for c, d, uc, up in BIOPHYSICAL))
    paths["biophysical_table_path"] = csv

    gpkg = out / "watersheds.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    extent = box(X0, Y0, X0 + n * DX, Y0 + n * DX)
    write_vector(gpkg, geometry=np.array([extent.wkb], dtype=object), field_data=[np.array([1], dtype=np.int32)],
                  fields=["ws_id"], layer="watersheds", driver="GPKG", geometry_type="Polygon",
                  crs=f"EPSG:{EPSG}", dataset_options={"VERSION": "1.2"})  # GDAL < 3.7 (InVEST's) reads 1.2
    paths["watersheds_path"] = gpkg
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    for key, path in write_inputs(args.out, args.n).items():
        print(f"{key:24s} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
