"""Landslide inventories from files (CSV points, GeoPackage/GeoJSON points or polygons) and background points.

A CSV needs ``x``, ``y`` columns (in ``crs``, default the DEM's) and may have a presence column
(``lslpts``, ``presence`` or ``landslide``: TRUE/FALSE, true/false, 1/0, yes/no). A vector file is read
with pyogrio; its CRS comes from the file. A polygon's point is its ``representative_point()`` (a point
inside it); the polygon itself is kept to keep background points out of it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput

PRESENCE_COLUMNS = ("lslpts", "presence", "landslide")
_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}


@dataclass
class Inventory:
    """Points in the raster's CRS, presence flags (None when the file has none), and shapes for buffers."""

    xy: np.ndarray
    presence: np.ndarray | None
    labels: list[str]
    shapes: list  # shapely geometries in the raster CRS (points or polygons) of the presences


def _flag(path, row: int, column: str, value: str) -> bool:
    v = str(value).strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise InvalidInput(f"{path}: row {row}, column {column!r}: {value!r} is not a presence flag "
                       "(use TRUE/FALSE, 1/0 or yes/no)")


def _transformer(src, dst):
    from pyproj import CRS, Transformer

    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def _read_csv(path: Path, raster_crs, crs, presence_column):
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        for need in ("x", "y"):
            if need not in cols:
                raise InvalidInput(f"{path}: no {need!r} column (columns: {', '.join(cols)})")
        pcol = presence_column or next((c for c in PRESENCE_COLUMNS if c in cols), None)
        if presence_column and presence_column not in cols:
            raise InvalidInput(f"{path}: no presence column {presence_column!r}")
        xs, ys, flags = [], [], []
        for i, rec in enumerate(reader, start=2):
            for c, out in (("x", xs), ("y", ys)):
                try:
                    v = float(rec[c])
                except (TypeError, ValueError):
                    raise InvalidInput(f"{path}: row {i}, column {c!r}: {rec[c]!r} is not a number") from None
                if not np.isfinite(v):
                    raise InvalidInput(f"{path}: row {i}, column {c!r}: {rec[c]!r} is not a finite number")
                out.append(v)
            if pcol:
                flags.append(_flag(path, i, pcol, rec[pcol]))
    if not xs:
        raise InvalidInput(f"{path}: no rows")
    xy = np.column_stack([xs, ys])
    if crs:
        tx, ty = _transformer(crs, raster_crs).transform(xy[:, 0], xy[:, 1])
        xy = np.column_stack([tx, ty])
    import shapely

    return xy, (np.array(flags) if pcol else None), [f"{path.name} row {i + 2}" for i in range(len(xy))], \
        list(shapely.points(xy))


def _read_vector(path: Path, raster_crs, crs, presence_column):
    import pyogrio
    import shapely

    try:
        meta, _, geoms, fields = pyogrio.raw.read(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise InvalidInput(f"{path}: not a vector file GDAL can read ({exc})") from exc
    names = list(meta["fields"])
    src_crs = meta.get("crs") or crs
    if src_crs is None:
        raise InvalidInput(f"{path}: the file has no CRS; give --crs")
    if geoms is None or len(geoms) == 0:
        raise InvalidInput(f"{path}: no features")
    shapes = shapely.from_wkb(geoms)
    labels = [f"{path.name} feature {i + 1}" for i in range(len(shapes))]
    for i, g in enumerate(shapes):
        if g is None or g.is_empty:
            raise InvalidInput(f"{labels[i]}: empty geometry")
        if g.geom_type not in ("Point", "Polygon", "MultiPolygon"):
            raise InvalidInput(f"{labels[i]}: {g.geom_type} geometry; use points or polygons")
    tr = _transformer(src_crs, raster_crs)
    shapes = [shapely.transform(g, lambda a: np.column_stack(tr.transform(a[:, 0], a[:, 1]))) for g in shapes]
    pts = [g if g.geom_type == "Point" else g.representative_point() for g in shapes]
    xy = np.array([[p.x, p.y] for p in pts])
    pcol = presence_column or next((c for c in PRESENCE_COLUMNS if c in names), None)
    if presence_column and presence_column not in names:
        raise InvalidInput(f"{path}: no presence column {presence_column!r}")
    flags = None
    if pcol:
        col = fields[names.index(pcol)]
        flags = np.array([_flag(path, i + 1, pcol, v) for i, v in enumerate(col)])
    return xy, flags, labels, shapes


def read_inventory(path, *, raster_crs, crs: str | None = None, presence_column: str | None = None) -> Inventory:
    """Read an inventory into the raster's CRS; InvalidInput names the row, column and value at fault."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such inventory file")
    read = _read_csv if path.suffix.lower() in (".csv", ".txt") else _read_vector
    xy, flags, labels, shapes = read(path, raster_crs, crs, presence_column)
    keep = flags if flags is not None else np.ones(len(xy), dtype=bool)
    return Inventory(xy, flags, labels, [s for s, k in zip(shapes, keep) if k])


def sample_background(valid: np.ndarray, profile: dict, shapes: list, *, n: int, buffer_m: float,
                      rng: np.random.Generator) -> np.ndarray:
    """``n`` cell-centre points (raster CRS, metres) drawn without replacement among cells with data whose
    centre is farther than ``buffer_m`` from every landslide shape."""
    from rasterio.features import geometry_mask

    if n < 1:
        raise InvalidInput(f"background must be at least 1 point, got {n}")
    allowed = valid.copy()
    if shapes:
        import shapely

        zone = [shapely.buffer(s, buffer_m) for s in shapes]
        allowed &= geometry_mask(zone, out_shape=valid.shape, transform=profile["transform"], all_touched=True)
    cells = np.flatnonzero(allowed)
    if cells.size < n:
        raise InvalidInput(f"only {cells.size} cells lie outside the landslides' {buffer_m} m buffer; "
                           f"cannot sample {n} background points")
    pick = np.sort(rng.choice(cells, size=n, replace=False))
    r, c = np.unravel_index(pick, valid.shape)
    from rasterio.transform import xy as cell_xy

    x, y = cell_xy(profile["transform"], r, c)
    return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
