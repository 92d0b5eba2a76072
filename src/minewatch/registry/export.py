"""Exports of the organisation's sites and visits as CSV, GeoJSON or GeoPackage.

One generic pipeline serves both: a *dataset* (``sites`` or ``visits``) is a list of typed fields
and a stream of row batches, each row a dict of Python values plus its geometry as WKB; a *writer*
(``csv``, ``geojson``, ``gpkg``) turns the batches into a file. Nothing is held whole in memory.

Unknown stays unknown: a value that was not recorded is an empty CSV cell, a JSON ``null`` or a
GeoPackage NULL, never ``0`` or ``false``. Formats:

csv      plain UTF-8 (no BOM), comma-separated, RFC 4180 quoting, one header row; booleans as
         ``true``/``false``; lists as ``a;b``; ``latitude``/``longitude`` columns and a ``wkt`` column
         with the full geometry (WGS84, longitude first).
geojson  RFC 7946: a FeatureCollection written feature by feature, coordinates longitude/latitude,
         no ``crs`` member, polygon rings oriented counter-clockwise (exterior) / clockwise (holes).
gpkg     GeoPackage 1.2 (readable by older GDAL/QGIS) written with pyogrio in batches, EPSG:4326,
         typed fields: Integer, Real, Date, DateTime (UTC), Integer(Boolean) 0/1, String.
         A layer holding one geometry type gets that type; points and polygons together make one
         layer of type "Geometry" (GDAL "Unknown"): QGIS opens such a layer and offers it split by
         geometry type, and every site keeps its single row (Polygon + MultiPolygon becomes
         MultiPolygon).

An export is scoped to the actor's organisation, needs the ``export`` permission, is written to
a temporary file beside the target and renamed into place, and is recorded as one audit event.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from minewatch.adapters.db import UnitOfWork
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import Conflict, InvalidInput, PermissionDenied
from minewatch.sites.orm import Site, SiteMineral, SiteVisit

KINDS = ("sites", "visits")
FORMATS = ("csv", "geojson", "gpkg")
SUFFIXES = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}
BATCH = 2000

Progress = Callable[..., None]  # advance(n, total=None), as minewatch.cli.common.progress yields
Row = dict[str, object]


@dataclass(frozen=True, slots=True)
class Field:
    """One exported column: its name and kind (str, int, float, bool, date, datetime)."""

    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class ExportResult:
    kind: str
    fmt: str
    path: Path
    rows: int


@dataclass
class _Dataset:
    name: str
    fields: list[Field]
    total: int
    geometry_type: str  # a GDAL layer type: Point, Polygon, MultiPolygon, ..., or Unknown
    batches: Iterator[tuple[list[Row], list[bytes]]]


def format_for(path: Path) -> str | None:
    """The export format a file name suggests (``.gpkg`` -> ``gpkg``), or None."""
    return SUFFIXES.get(path.suffix.lower())


def export(uow: UnitOfWork, *, actor, kind: str, fmt: str, out_path: Path, country: str | None = None,
           force: bool = False, progress: Progress | None = None) -> ExportResult:
    """Write the organisation's sites or visits to ``out_path``; records one audit event."""
    if not actor.may("export"):
        raise PermissionDenied("your role may not export data")
    if kind not in KINDS:
        raise InvalidInput(f"cannot export {kind!r}: choose one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    country = country.strip().upper() if country else None
    if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise InvalidInput(f"--country takes an ISO 3166-1 alpha-2 code such as CD, not {country!r}")
    out_path = Path(out_path)
    with atomic_output(out_path, force=force) as tmp_path:
        # READ COMMITTED on purpose: a REPEATABLE READ snapshot would make the audit append at the
        # end fail whenever an import wrote to the organisation's chain during a long export. The
        # rows come from one statement (one snapshot); the per-batch look-ups may see newer visits.
        dataset = (_sites if kind == "sites" else _visits)(uow.session, actor, country)
        if progress:
            progress(0, total=dataset.total)
        rows = _WRITERS[fmt](tmp_path, dataset, progress)
        log = AuditLog(uow.session, actor, context=f"export {kind}")
        log.record("exported", kind, fmt, before=None,
                   after=digest({"kind": kind, "format": fmt, "rows": rows, "country": country}))
        log.flush()
        uow.commit()
    return ExportResult(kind, fmt, out_path, rows)


@contextmanager
def atomic_output(out_path: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``out_path``; on success it is renamed onto ``out_path``.

    Refuses (:class:`Conflict`) to replace an existing file unless ``force``. On error the
    temporary file is removed and ``out_path`` is left as it was.
    """
    out_path = Path(out_path)
    if out_path.is_dir():
        raise InvalidInput(f"{out_path} is a folder; give a file name")
    if not out_path.parent.is_dir():
        raise InvalidInput(f"the folder {out_path.parent} does not exist")
    if out_path.exists() and not force:
        raise Conflict(f"{out_path} already exists; use --force to replace it")
    # A folder of our own, so that drivers that add side files (GeoPackage journals) stay in it.
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent))
    try:
        tmp_path = tmp_dir / out_path.name
        yield tmp_path
        if out_path.exists() and not force:
            raise Conflict(f"{out_path} appeared while writing; use --force to replace it")
        os.replace(tmp_path, out_path)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


# --- datasets: every query is scoped to the actor's organisation ----------------------------------------

SITE_FIELDS = [Field(n, "str") for n in ("code", "name", "country", "admin1", "admin2", "admin3", "admin4",
                                          "locality")]
SITE_FIELDS += [Field("latitude", "float"), Field("longitude", "float"), Field("location_origin", "str"),
                Field("minerals", "str")]
SITE_FIELDS += [Field(n, "str") for n in ("mining_method", "lifecycle_status", "legal_status", "title_relation")]

LAST_VISIT = ("visit_date", "workers_count", "women_present", "children_under15_present",
              "children_under15_working", "mercury_used", "armed_presence", "armed_interference",
              "qualification")

# Internal keys and bookkeeping are not exported; ``raw`` is the source row, kept for provenance only.
VISIT_EXCLUDED = {"id", "org_id", "site_id", "content_digest", "raw"}


def _kind_of(column: sa.Column) -> str:
    t = column.type
    if isinstance(t, sa.types.TypeDecorator):
        t = t.impl_instance
    if isinstance(t, sa.Boolean):
        return "bool"
    if isinstance(t, sa.Integer):
        return "int"
    if isinstance(t, sa.Float):
        return "float"
    if isinstance(t, sa.DateTime):
        return "datetime"
    if isinstance(t, sa.Date):
        return "date"
    return "str"  # strings, and JSON lists joined with ";"


def _last_visit_fields() -> list[Field]:
    cols = SiteVisit.__table__.c
    return [Field("last_visit_date" if n == "visit_date" else f"last_visit_{n}", _kind_of(cols[n]))
            for n in LAST_VISIT]


def _scoped_sites(actor, country: str | None):
    """Conditions selecting the actor's organisation's sites (and one country's, if given)."""
    conds = [Site.org_id == actor.org_id]
    if country:
        conds.append(Site.country == country)
    return conds


def _sites(session, actor, country: str | None) -> _Dataset:
    scope = _scoped_sites(actor, country)
    total = session.scalar(sa.select(sa.func.count()).select_from(Site).where(*scope))
    declared = session.scalars(
        sa.select(sa.case((Site.geom_wkb.is_(None), "Point"), else_=Site.geometry_type)).where(*scope).distinct()
    ).all()
    cols = [Site.id, Site.geom_wkb] + [getattr(Site, f.name) for f in SITE_FIELDS if f.name != "minerals"]
    stmt = sa.select(*cols).where(*scope).order_by(Site.code, Site.id)
    fields = SITE_FIELDS + _last_visit_fields() + [Field("visit_count", "int")]

    def batches():
        result = session.execute(stmt, execution_options={"yield_per": BATCH})
        for part in result.partitions():
            ids = [r.id for r in part]
            minerals = _minerals_of(session, ids)
            last = _last_visits_of(session, actor, ids)
            rows = []
            for r in part:
                row = {f.name: getattr(r, f.name) for f in SITE_FIELDS if f.name != "minerals"}
                row["minerals"] = ";".join(minerals[r.id]) if r.id in minerals else None
                visit = last.get(r.id)
                for name in LAST_VISIT:
                    key = "last_visit_date" if name == "visit_date" else f"last_visit_{name}"
                    row[key] = visit[name] if visit else None
                row["visit_count"] = visit["visit_count"] if visit else 0
                rows.append({f.name: row[f.name] for f in fields})
            points = _points_wkb([r.longitude for r in part], [r.latitude for r in part])
            yield rows, [r.geom_wkb or p for r, p in zip(part, points, strict=True)]

    return _Dataset("sites", fields, total, _layer_type(declared), batches())


def _minerals_of(session, site_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    stmt = (sa.select(SiteMineral.site_id, SiteMineral.mineral)
            .where(SiteMineral.site_id.in_(site_ids))
            .order_by(SiteMineral.site_id, SiteMineral.position, SiteMineral.mineral))
    for site_id, mineral in session.execute(stmt):
        out.setdefault(site_id, []).append(mineral)
    return out


def _last_visits_of(session, actor, site_ids: list[int]) -> dict[int, dict]:
    """Each site's latest visit (by date, then the last recorded) and its number of visits."""
    v = SiteVisit
    ranked = (
        sa.select(
            v.site_id, *[getattr(v, n) for n in LAST_VISIT],
            sa.func.row_number().over(partition_by=v.site_id, order_by=(v.visit_date.desc(), v.id.desc())).label("rn"),
            sa.func.count().over(partition_by=v.site_id).label("visit_count"),
        )
        .where(v.org_id == actor.org_id, v.site_id.in_(site_ids))
        .subquery()
    )
    rows = session.execute(sa.select(ranked).where(ranked.c.rn == 1)).mappings()
    return {r["site_id"]: dict(r) for r in rows}


def _visits(session, actor, country: str | None) -> _Dataset:
    scope = _scoped_sites(actor, country) + [SiteVisit.org_id == actor.org_id]
    visit_cols = [c for c in SiteVisit.__table__.c if c.name not in VISIT_EXCLUDED]
    fields = [Field("site_code", "str"), Field("latitude", "float"), Field("longitude", "float")]
    fields += [Field(c.name, _kind_of(c)) for c in visit_cols]
    json_cols = {c.name for c in visit_cols if isinstance(c.type, sa.JSON)}
    base = sa.select(SiteVisit.id).join(Site, Site.id == SiteVisit.site_id).where(*scope)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    stmt = (
        sa.select(Site.code.label("site_code"), Site.latitude, Site.longitude,
                  *[getattr(SiteVisit, c.name) for c in visit_cols])
        .join(Site, Site.id == SiteVisit.site_id)
        .where(*scope)
        .order_by(Site.code, SiteVisit.visit_date, SiteVisit.id)
    )

    def batches():
        result = session.execute(stmt, execution_options={"yield_per": BATCH}).mappings()
        for part in result.partitions():
            rows = []
            for r in part:
                row = {f.name: r[f.name] for f in fields}
                for name in json_cols:
                    row[name] = _joined(row[name])
                rows.append(row)
            yield rows, _points_wkb([r["longitude"] for r in rows], [r["latitude"] for r in rows])

    return _Dataset("visits", fields, total, "Point", batches())


def _joined(value) -> str | None:
    """A JSON list as ``a;b`` text (an empty list is ``""``: recorded, and nothing in it)."""
    if value is None:
        return None
    if isinstance(value, list):
        return ";".join(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _points_wkb(lons: list[float], lats: list[float]) -> list[bytes]:
    import shapely

    return list(shapely.to_wkb(shapely.points(lons, lats))) if lons else []


_TYPE_NAMES = {t.upper(): t for t in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                                      "MultiPolygon", "GeometryCollection")}


def _layer_type(declared) -> str:
    """One GDAL layer type for the stored geometry types (``geometry_type`` column)."""
    names = set()
    for d in declared:
        name = _TYPE_NAMES.get("".join(ch for ch in (d or "").upper() if ch.isalpha()).removeprefix("ST"))
        if name is None:
            return "Unknown"
        names.add(name)
    if not names:
        return "Point"
    if len(names) == 1:
        return names.pop()
    if len(names) == 2:
        single, multi = sorted(names, key=len)
        if multi == "Multi" + single:
            return multi
    return "Unknown"


# --- writers ------------------------------------------------------------------------------------------


def _write_csv(path: Path, ds: _Dataset, progress: Progress | None) -> int:
    import shapely

    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([f.name for f in ds.fields] + ["wkt"])
        for rows, geoms in ds.batches:
            wkts = shapely.to_wkt(shapely.from_wkb(geoms), rounding_precision=-1) if geoms else []
            out.writerows([_csv_cell(row[f.name]) for f in ds.fields] + [wkt]
                          for row, wkt in zip(rows, wkts, strict=True))
            n += len(rows)
            if progress:
                progress(len(rows))
    return n


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write_geojson(path: Path, ds: _Dataset, progress: Progress | None) -> int:
    import shapely
    from shapely.geometry import mapping

    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f'{{"type":"FeatureCollection","name":{json.dumps(ds.name)},"features":[')
        for rows, geoms in ds.batches:
            chunk = []
            for row, geom in zip(rows, shapely.from_wkb(geoms), strict=True):
                feature = {"type": "Feature", "geometry": mapping(_rfc7946(geom)),
                           "properties": {k: _json_value(v) for k, v in row.items()}}
                chunk.append(("\n" if n == 0 else ",\n") + json.dumps(feature, ensure_ascii=False, allow_nan=False))
                n += 1
            fh.write("".join(chunk))
            if progress:
                progress(len(rows))
        fh.write("\n]}\n")
    return n


def _rfc7946(geom):
    """Polygons with a counter-clockwise exterior ring, as RFC 7946 section 3.1.6 asks."""
    from shapely.geometry import MultiPolygon
    from shapely.geometry.polygon import orient

    if geom.geom_type == "Polygon":
        return orient(geom, 1.0)
    if geom.geom_type == "MultiPolygon":
        return MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    return geom


def _json_value(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _write_gpkg(path: Path, ds: _Dataset, progress: Progress | None) -> int:
    import numpy as np
    import pyogrio.raw

    names = [f.name for f in ds.fields]
    n = 0
    written = False
    for rows, geoms in ds.batches:
        if not rows:
            continue
        columns = [_gpkg_column(f.kind, [row[f.name] for row in rows]) for f in ds.fields]
        pyogrio.raw.write(
            str(path),
            np.array(geoms, dtype=object),
            [c[0] for c in columns],
            names,
            field_mask=[c[1] for c in columns],
            gdal_tz_offsets={f.name: np.full(len(rows), 100, dtype=np.int32)  # 100 = UTC in GDAL's notation
                             for f in ds.fields if f.kind == "datetime"},
            layer=ds.name,
            driver="GPKG",
            geometry_type=ds.geometry_type,
            promote_to_multi=ds.geometry_type.startswith("Multi"),
            crs="EPSG:4326",
            append=written,
            **({} if written else {"dataset_options": {"VERSION": "1.2"}}),
        )
        written = True
        n += len(rows)
        if progress:
            progress(len(rows))
    if not written:  # an empty export still has its layer and fields
        columns = [_gpkg_column(f.kind, []) for f in ds.fields]
        pyogrio.raw.write(str(path), np.array([], dtype=object), [c[0] for c in columns], names,
                          field_mask=[c[1] for c in columns], layer=ds.name, driver="GPKG",
                          geometry_type=ds.geometry_type, crs="EPSG:4326", dataset_options={"VERSION": "1.2"})
    return n


def _gpkg_column(kind: str, values: list):
    """(numpy array, null mask or None) for one field; nulls stay nulls in every type."""
    import numpy as np

    mask = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    if kind == "int":
        return np.array([0 if v is None else v for v in values], dtype=np.int32), mask
    if kind == "bool":  # GDAL writes numpy booleans as Integer(Boolean): 0/1, NULL where masked
        return np.array([bool(v) for v in values], dtype=bool), mask
    if kind == "float":  # NaN is written as NULL (nan_as_null)
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64), None
    if kind == "date":
        return np.array([v.isoformat() if v is not None else "NaT" for v in values], dtype="datetime64[D]"), None
    if kind == "datetime":
        utc = [v.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat() if v is not None else "NaT"
               for v in values]
        return np.array(utc, dtype="datetime64[ms]"), None
    return np.array([None if v is None else str(v) for v in values], dtype=object), None


_WRITERS = {"csv": _write_csv, "geojson": _write_geojson, "gpkg": _write_gpkg}
