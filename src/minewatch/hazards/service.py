"""Use cases of site hazard: assess the organisation's sites from a landslide run, read the latest results.

A run folder (``minewatch hazard landslide --out DIR``) is read by file name; the first name found
for each role is used:

========================  ========================================================================
role                      file names tried in the run folder
========================  ========================================================================
probability_of_failure    probability_of_failure.tif, soil__probability_of_failure.tif (required)
factor_of_safety          factor_of_safety.tif, soil__factor_of_safety.tif (required)
contributing_area (m2)    contributing_area.tif, drainage_area.tif, surface_water__drainage_area.tif
susceptibility (0..1)     susceptibility.tif, landslide__susceptibility.tif (``hazard susceptibility``)
parameters                parameters.json, params.json
summary                   summary.json
========================  ========================================================================

The contributing area must be an upslope *area* in m2 (not the specific catchment area in m, which
is per unit contour width). All rasters must share one grid.

With a susceptibility raster, each site also gets ``susceptibility_mean`` (area-weighted), ``_max`` and
``susceptibility_level`` = the class of the mean by :func:`hazards.model.susceptibility_level`
(provisional breaks 0.25 / 0.5 / 0.75, those of the susceptibility model's class raster).

Soil erosion (issue 9): with the folder of a ``hazard erosion`` run (``erosion_dir``; its rasters
share one grid, which need not be the landslide run's), each site also gets its RUSLE soil loss and
sediment export (:func:`hazards.model.erosion_stats`): the mean and maximum soil loss (t ha-1 yr-1,
area-weighted over the site's hillslope cells), the totals (t yr-1), the share of its area in each
soil-loss class and ``erosion_level``, the class of the mean (provisional FAO 1979 bands, see
``hazards.model.SOIL_LOSS_BREAKS_T_HA_YR``). Files: ``usle.tif`` (required), ``sed_export.tif``
(with SDR) and ``stream.tif``. Stream cells are nodata in ``usle.tif`` (InVEST): they add 0 to the
totals, are left out of the mean and shares, and are reported as ``erosion_stream_area_m2``.

Without a landslide run (erosion only) the assessment is of kind ``erosion``: its rows have no
landslide level (``covered`` says whether the erosion run covers the site), and the landslide readers
(``latest_site_hazards``' level, ``site_levels``, the hazard layer) keep reading the latest landslide
assessment. The site page and the erosion layer read the latest assessment made with an erosion run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from minewatch.adapters.db import UnitOfWork
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import NotFound, PermissionDenied
from minewatch.hazards import repository as repo
from minewatch.hazards.errors import HazardRunInvalid
from minewatch.hazards.model import (DEFAULT_THRESHOLDS, LEVELS, NO_EROSION, SOIL_LOSS_BREAKS_SOURCE,
                                     SOIL_LOSS_BREAKS_T_HA_YR, Reason, SiteErosion, SiteStats, Thresholds,
                                     hazard_reason, susceptibility_level)
from minewatch.hazards.orm import HazardAssessment, SiteHazard

RUN_FILES = {
    "probability_of_failure": ("probability_of_failure.tif", "soil__probability_of_failure.tif"),
    "factor_of_safety": ("factor_of_safety.tif", "soil__factor_of_safety.tif"),
    "contributing_area": ("contributing_area.tif", "drainage_area.tif", "surface_water__drainage_area.tif"),
    "susceptibility": ("susceptibility.tif", "landslide__susceptibility.tif"),
}
REQUIRED = ("probability_of_failure", "factor_of_safety")
EROSION_FILES = {"usle": ("usle.tif",), "sed_export": ("sed_export.tif",), "stream": ("stream.tif",)}
EROSION_ONLY_REASON = "erosion only: no landslide run"
PARAMETER_FILES = ("parameters.json", "params.json")
SUMMARY_FILE = "summary.json"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class SiteHazardView:
    code: str
    covered: bool
    level: str | None
    reason: str
    people_exposed: int
    area_m2: float | None
    area_fs_below_1_m2: float | None
    share_fs_below_1: float | None
    pfail_max: float | None
    pfail_mean: float | None
    upslope_area_max_m2: float | None
    map_path: str | None  # relative to settings.files_dir
    reason_parts: Reason | None = None  # ``reason`` as data, for pages that translate it
    susceptibility_mean: float | None = None
    susceptibility_max: float | None = None
    susceptibility_level: str | None = None
    # Issue 9: RUSLE soil loss in the site, from the latest assessment made with an erosion run (this one
    # or an earlier one: ``erosion_assessed_on``); None when there is none or it does not cover the site
    soil_loss_mean_t_ha_yr: float | None = None
    soil_loss_max_t_ha_yr: float | None = None
    soil_loss_t_yr: float | None = None
    sed_export_t_yr: float | None = None
    erosion_level: str | None = None
    erosion_area_m2: float | None = None
    erosion_stream_area_m2: float | None = None
    soil_loss_shares: dict | None = None
    erosion_assessed_on: dt.date | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class AssessmentView:
    id: int
    kind: str
    created_at: dt.datetime
    assessed_on: dt.date
    code_version: str
    inputs: dict
    sites: list[SiteHazardView]

    def as_dict(self) -> dict:
        return asdict(self)


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def run_rasters(run_dir: Path) -> dict[str, Path]:
    """{role: path} of the rasters found in a run folder by the names in the module docstring."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise HazardRunInvalid(f"{run_dir}: not a folder")
    found = {}
    for role, names in RUN_FILES.items():
        for name in names:
            if (run_dir / name).is_file():
                found[role] = run_dir / name
                break
    missing = [RUN_FILES[r][0] for r in REQUIRED if r not in found]
    if missing:
        raise HazardRunInvalid(f"{run_dir}: missing {', '.join(missing)}")
    return found


def erosion_run_rasters(erosion_dir: Path) -> dict[str, Path]:
    """{role: path} of an erosion run folder (``hazard erosion --out DIR``): usle (required), sed_export, stream."""
    erosion_dir = Path(erosion_dir)
    if not erosion_dir.is_dir():
        raise HazardRunInvalid(f"{erosion_dir}: not a folder")
    found = {role: erosion_dir / n for role, names in EROSION_FILES.items() for n in names if (erosion_dir / n).is_file()}
    if "usle" not in found:
        raise HazardRunInvalid(f"{erosion_dir}: missing usle.tif (the folder of a 'hazard erosion' run)")
    return found


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_json(path: Path | None) -> dict | None:
    if path is None or not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError as exc:
        raise HazardRunInvalid(f"{path}: not JSON ({exc})") from None


def _grid_of(rasters: dict[str, Path], ref_role: str = "probability_of_failure") -> dict:
    import rasterio

    profiles = {}
    for role, path in rasters.items():
        try:
            with rasterio.open(path) as src:
                profiles[role] = src.profile.copy()
        except rasterio.errors.RasterioIOError as exc:
            raise HazardRunInvalid(f"{path}: not a raster GDAL can read ({exc})") from None
    ref = profiles[ref_role]
    for role, p in profiles.items():
        if (p["width"], p["height"], p["transform"], p["crs"]) != (ref["width"], ref["height"], ref["transform"],
                                                                    ref["crs"]):
            raise HazardRunInvalid(f"{rasters[role]}: grid differs from {rasters[ref_role]}")
    if ref.get("crs") is None:
        raise HazardRunInvalid(f"{rasters[ref_role]}: no coordinate reference system")
    return ref


def _raster_reach(profile: dict, buffer_m: float) -> tuple[float, float, float, float]:
    """The raster's bounds in longitude/latitude, widened by the buffer and a margin (degrees)."""
    from rasterio.transform import array_bounds
    from rasterio.warp import transform_bounds

    bounds = array_bounds(profile["height"], profile["width"], profile["transform"])
    west, south, east, north = transform_bounds(profile["crs"], "EPSG:4326", *bounds, densify_pts=21)
    pad = 2 * buffer_m / 111_000 + 0.01  # generous: a wider box only means exact work for a few more sites
    return west - pad, south - pad, east + pad, north + pad


def _beyond(reach: tuple[float, float, float, float], row) -> bool:
    """Whether the site's box lies wholly outside ``reach`` (so it cannot touch the raster)."""
    west, south, east, north = reach
    min_lon = getattr(row, "min_lon", None)
    if min_lon is None:
        lon, lat = row.longitude, row.latitude
        return not (west <= lon <= east and south <= lat <= north)
    return row.max_lon < west or min_lon > east or row.max_lat < south or row.min_lat > north


def assess_sites(uow: UnitOfWork, *, actor, run_dir: Path | None = None, files_dir: Path,
                 rasters: dict[str, Path] | None = None, site_codes: list[str] | None = None,
                 buffer_m: float = 250.0, today: dt.date | None = None,
                 thresholds: Thresholds = DEFAULT_THRESHOLDS, erosion_dir: Path | None = None,
                 erosion_rasters: dict[str, Path] | None = None,
                 erosion_breaks: tuple[float, float, float] = SOIL_LOSS_BREAKS_T_HA_YR) -> AssessmentView:
    """Assess the organisation's sites (or ``site_codes``) from a landslide run and/or an erosion run;
    stores, audits, commits.

    ``rasters`` ({role: path}) overrides the file names looked up in ``run_dir``; parameters and summary
    JSON are read from ``run_dir`` when given. Maps go to ``files_dir/hazard/<assessment id>/<code>.png``.
    ``erosion_dir`` (or ``erosion_rasters``: usle, sed_export, stream) adds each site's soil loss; with
    no landslide run at all the assessment is erosion only (kind ``erosion``, see the module docstring).
    """
    from minewatch import __version__
    from minewatch.adapters.db import utcnow
    from minewatch.hazards.zonal import draw_site_map, site_erosion, site_shape, site_statistics, site_susceptibility

    _require(actor, "registry.write", "assess site hazards")
    if buffer_m <= 0:
        raise HazardRunInvalid("the buffer around point sites must be positive (metres)")
    run_dir = Path(run_dir) if run_dir is not None else None
    if erosion_rasters is None and erosion_dir is not None:
        erosion_rasters = erosion_run_rasters(Path(erosion_dir))
    if erosion_rasters is not None:
        erosion_rasters = {role: Path(p) for role, p in erosion_rasters.items()}
        if "usle" not in erosion_rasters or not erosion_rasters["usle"].is_file():
            raise HazardRunInvalid("the soil loss raster (usle.tif) of the erosion run is missing")
    if rasters is None and run_dir is not None:
        rasters = run_rasters(run_dir)
    if rasters is None and erosion_rasters is None:
        raise HazardRunInvalid("give a run folder or the rasters")
    landslide = rasters is not None
    profile = None
    if landslide:
        rasters = {role: Path(p) for role, p in rasters.items()}
        for role in REQUIRED:
            if role not in rasters or not rasters[role].is_file():
                raise HazardRunInvalid(f"the {role.replace('_', ' ')} raster is missing")
        profile = _grid_of(rasters)
    erosion_profile = _grid_of(erosion_rasters, "usle") if erosion_rasters is not None else None
    erosion = None
    if erosion_rasters is not None:
        erosion = {"breaks_t_ha_yr": list(erosion_breaks), "breaks_source": SOIL_LOSS_BREAKS_SOURCE,
                   "run_dir": str(Path(erosion_dir).resolve()) if erosion_dir is not None else None}
    parameters = summary = None
    if run_dir is not None and landslide:
        parameters = _read_json(next((run_dir / n for n in PARAMETER_FILES if (run_dir / n).is_file()), None))
        summary = _read_json(run_dir / SUMMARY_FILE)
    today = today or utcnow().date()
    kind = "landslide" if landslide else "erosion"

    s = uow.session
    sites = repo.sites_to_assess(s, actor, site_codes)
    if site_codes:
        unknown = sorted(set(site_codes) - {row.code for row in sites})
        if unknown:
            raise NotFound(f"no site {', '.join(unknown)} in organisation '{actor.org_slug}'", code="site_not_found")
    exposed = repo.people_exposed(s, actor, [row.id for row in sites], today)
    inputs = {role: {"path": str(p.resolve()), "sha256": _sha256(p)}
              for role, p in sorted({**(rasters or {}), **(erosion_rasters or {})}.items())}
    assessment = HazardAssessment(
        org_id=actor.org_id, kind=kind, status="complete", assessed_on=today, actor_id=actor.user_id,
        actor_email=actor.email, code_version=__version__, buffer_m=float(buffer_m), inputs=inputs,
        parameters=parameters, summary=summary, thresholds=asdict(thresholds), erosion=erosion)
    s.add(assessment)
    s.flush()

    out_dir = Path(files_dir) / "hazard" / str(assessment.id)
    reach = _raster_reach(profile, buffer_m) if landslide else None
    erosion_reach = _raster_reach(erosion_profile, buffer_m) if erosion is not None else None
    views = []
    for row in sites:
        # A site far from a raster is not covered, without projecting its shape (an organisation's other
        # regions may hold thousands of sites).
        stats, shape = SiteStats(0.0, None, None, None, None, None, 0), None
        if landslide and not _beyond(reach, row):
            shape = site_shape(profile["crs"], geom_wkb=row.geom_wkb, latitude=row.latitude,
                               longitude=row.longitude, buffer_m=buffer_m)
            stats = site_statistics(shape, rasters, profile)
        eros = NO_EROSION
        if erosion is not None and not _beyond(erosion_reach, row):
            eshape = shape if shape is not None and profile["crs"] == erosion_profile["crs"] else site_shape(
                erosion_profile["crs"], geom_wkb=row.geom_wkb, latitude=row.latitude, longitude=row.longitude,
                buffer_m=buffer_m)
            eros = site_erosion(eshape, erosion_rasters, erosion_profile, erosion_breaks)
        susc = (site_susceptibility(shape, rasters["susceptibility"], profile)
                if landslide and "susceptibility" in rasters and stats.covered else (None, None))
        people = exposed.get(row.id, 0)
        map_rel = None
        if landslide:
            level, parts = hazard_reason(stats, people, thresholds)
            reason, covered = str(parts), stats.covered
        else:
            level, parts, reason, covered = None, None, EROSION_ONLY_REASON, eros.covered
        if stats.covered:
            name = _SAFE.sub("_", row.code).strip("._") or f"site-{row.id}"
            png = draw_site_map(out_dir / f"{name}.png", shape=shape, pfail_path=rasters["probability_of_failure"],
                                profile=profile, title=f"{row.code}: {level.replace('_', ' ')} landslide hazard",
                                centre=(shape.centroid.x, shape.centroid.y))
            map_rel = str(png.relative_to(files_dir))
        erosion_columns = _erosion_columns(eros) if erosion is not None else {}
        s.add(SiteHazard(
            assessment_id=assessment.id, site_id=row.id, org_id=actor.org_id, covered=covered,
            area_m2=stats.area_m2 if stats.covered else None, area_fs_below_1_m2=stats.area_fs_below_1_m2,
            share_fs_below_1=stats.share_fs_below_1, pfail_max=stats.pfail_max, pfail_mean=stats.pfail_mean,
            upslope_area_max_m2=stats.upslope_area_max_m2, people_exposed=people, level=level, reason=reason,
            map_path=map_rel, susceptibility_mean=susc[0], susceptibility_max=susc[1],
            susceptibility_level=susceptibility_level(susc[0]), **erosion_columns))
        views.append(SiteHazardView(row.code, covered, level, reason, people,
                                    stats.area_m2 if stats.covered else None, stats.area_fs_below_1_m2,
                                    stats.share_fs_below_1, stats.pfail_max, stats.pfail_mean,
                                    stats.upslope_area_max_m2, map_rel, parts, susc[0], susc[1],
                                    susceptibility_level(susc[0]),
                                    **({**erosion_columns, "erosion_assessed_on": today} if erosion else {})))
    log = AuditLog(s, actor, context="hazard sites")
    log.record("created", "hazard_assessment", assessment.id, before=None, after=digest({
        "kind": kind, "inputs": inputs, "parameters": parameters, "summary": summary, "erosion": erosion,
        "assessed_on": today.isoformat(), "buffer_m": float(buffer_m), "code_version": __version__,
        "sites": [v.as_dict() for v in views]}))
    log.flush()
    uow.commit()
    return AssessmentView(assessment.id, kind, assessment.created_at, today, __version__, inputs, views)


_EROSION_COLUMNS = ("soil_loss_mean_t_ha_yr", "soil_loss_max_t_ha_yr", "soil_loss_t_yr", "sed_export_t_yr",
                    "erosion_level", "erosion_area_m2", "erosion_stream_area_m2", "soil_loss_shares")


def _erosion_columns(e: SiteErosion) -> dict:
    """The SiteHazard erosion columns of a site's statistics (all None when the run does not cover it)."""
    if not e.covered and not e.area_m2:
        return dict.fromkeys(_EROSION_COLUMNS)
    return {"soil_loss_mean_t_ha_yr": e.soil_loss_mean_t_ha_yr, "soil_loss_max_t_ha_yr": e.soil_loss_max_t_ha_yr,
            "soil_loss_t_yr": e.soil_loss_t_yr, "sed_export_t_yr": e.sed_export_t_yr, "erosion_level": e.level,
            "erosion_area_m2": e.area_m2, "erosion_stream_area_m2": e.stream_area_m2,
            "soil_loss_shares": e.shares or None}


def _stored_erosion(h: SiteHazard, assessed_on: dt.date) -> dict:
    """The erosion fields of a SiteHazardView from a stored row."""
    return {**{c: getattr(h, c) for c in _EROSION_COLUMNS}, "erosion_assessed_on": assessed_on}


def latest_site_hazards(uow: UnitOfWork, *, actor, code: str | None = None) -> AssessmentView | None:
    """The organisation's latest landslide assessment (its sites, or the one ``code``); None if there is none.

    Each site's erosion fields come from the latest assessment made with an erosion run: this one, or an
    earlier or later one (``erosion_assessed_on`` says which day).
    """
    _require(actor, "registry.read", "read the registry")
    s = uow.session
    a = repo.latest_assessment(s, actor)
    if a is None:
        return None
    e = repo.latest_erosion_assessment(s, actor)
    e = a if e is not None and e.id == a.id else e
    eroded = {}
    if e is not None and e is not a:
        eroded = {c: _stored_erosion(h, e.assessed_on) for h, c in repo.site_rows(s, actor, e.id, code)}
    thresholds = Thresholds(**a.thresholds)
    views = [SiteHazardView(c, h.covered, h.level, h.reason, h.people_exposed, h.area_m2, h.area_fs_below_1_m2,
                            h.share_fs_below_1, h.pfail_max, h.pfail_mean, h.upslope_area_max_m2, h.map_path,
                            _stored_reason(h, thresholds), h.susceptibility_mean, h.susceptibility_max,
                            h.susceptibility_level,
                            **(_stored_erosion(h, a.assessed_on) if e is a else eroded.get(c, {})))
             for h, c in repo.site_rows(s, actor, a.id, code)]
    return AssessmentView(a.id, a.kind, a.created_at, a.assessed_on, a.code_version, a.inputs, views)


def latest_site_erosion(uow: UnitOfWork, *, actor, code: str | None = None) -> AssessmentView | None:
    """The organisation's latest assessment made with an erosion run (kind landslide or erosion), its sites
    (or the one ``code``) with their soil loss; None if there is none."""
    _require(actor, "registry.read", "read the registry")
    s = uow.session
    a = repo.latest_erosion_assessment(s, actor)
    if a is None:
        return None
    views = []
    for h, c in repo.site_rows(s, actor, a.id, code):
        parts = _stored_reason(h, Thresholds(**a.thresholds)) if a.kind == "landslide" else None
        views.append(SiteHazardView(c, h.covered, h.level, h.reason, h.people_exposed, h.area_m2,
                                    h.area_fs_below_1_m2, h.share_fs_below_1, h.pfail_max, h.pfail_mean,
                                    h.upslope_area_max_m2, h.map_path, parts, h.susceptibility_mean,
                                    h.susceptibility_max, h.susceptibility_level,
                                    **_stored_erosion(h, a.assessed_on)))
    return AssessmentView(a.id, a.kind, a.created_at, a.assessed_on, a.code_version, a.inputs, views)


def _stored_reason(h: SiteHazard, thresholds: Thresholds) -> Reason | None:
    """The stored row's reason as data, recomputed from its statistics and the assessment's thresholds;
    None if it does not give back the stored level and text (a row written by another rule version)."""
    stats = SiteStats(h.area_m2 or 0.0, h.area_fs_below_1_m2, h.share_fs_below_1, h.pfail_max, h.pfail_mean,
                      h.upslope_area_max_m2, 1 if h.covered else 0)
    level, parts = hazard_reason(stats, h.people_exposed, thresholds)
    return parts if (level, str(parts)) == (h.level, h.reason) else None


def hazard_overview(uow: UnitOfWork, *, actor, top_n: int = 10) -> dict | None:
    """The latest landslide assessment for the dashboard: its date, the sites counted by level (most
    severe first), the people exposed at high and very high sites, and the ``top_n`` sites of highest
    hazard (level, then maximum probability of failure). None if the organisation has no assessment."""
    a = latest_site_hazards(uow, actor=actor)
    if a is None:
        return None
    rated = [v for v in a.sites if v.covered and v.level in LEVELS]
    rank = {level: i for i, level in enumerate(LEVELS)}
    counts = Counter(v.level for v in rated)
    top = sorted((v for v in rated if v.level != "low"),
                 key=lambda v: (-rank[v.level], -(v.pfail_max or 0.0), v.code))[:top_n]
    return {"assessed_on": a.assessed_on, "counts": [(level, counts.get(level, 0)) for level in reversed(LEVELS)],
            "not_rated": len(a.sites) - len(rated),
            "people_exposed_high": sum(v.people_exposed for v in rated if v.level in ("high", "very_high")),
            "top": top}


def hazard_layer(uow: UnitOfWork, *, actor) -> dict:
    """The latest assessment's rated sites for the map: ``{"assessed_on", "columns", "rows"}`` with columns
    code, level, pfail_max, people_exposed (empty rows if there is no assessment)."""
    a = latest_site_hazards(uow, actor=actor)
    columns = ["code", "level", "pfail_max", "people_exposed"]
    if a is None:
        return {"assessed_on": None, "columns": columns, "rows": []}
    rows = [[v.code, v.level, None if v.pfail_max is None else round(v.pfail_max, 3), v.people_exposed]
            for v in a.sites if v.covered and v.level in LEVELS]
    return {"assessed_on": a.assessed_on.isoformat(), "columns": columns, "rows": rows}


def hazard_layer_susceptibility(uow: UnitOfWork, *, actor) -> dict:
    """The latest assessment's sites with a susceptibility level, for the map: columns code, level, mean."""
    a = latest_site_hazards(uow, actor=actor)
    columns = ["code", "susceptibility_level", "susceptibility_mean"]
    if a is None:
        return {"assessed_on": None, "columns": columns, "rows": []}
    rows = [[v.code, v.susceptibility_level, round(v.susceptibility_mean, 3)]
            for v in a.sites if v.susceptibility_level in LEVELS and v.susceptibility_mean is not None]
    return {"assessed_on": a.assessed_on.isoformat(), "columns": columns, "rows": rows}


def hazard_layer_erosion(uow: UnitOfWork, *, actor) -> dict:
    """The latest erosion run's sites with a soil-loss level, for the map: columns code, erosion_level,
    soil_loss_mean_t_ha_yr (t ha-1 yr-1, 1 decimal), sed_export_t_yr (t yr-1, 1 decimal)."""
    a = latest_site_erosion(uow, actor=actor)
    columns = ["code", "erosion_level", "soil_loss_mean_t_ha_yr", "sed_export_t_yr"]
    if a is None:
        return {"assessed_on": None, "columns": columns, "rows": []}
    rows = [[v.code, v.erosion_level, round(v.soil_loss_mean_t_ha_yr, 1),
             None if v.sed_export_t_yr is None else round(v.sed_export_t_yr, 1)]
            for v in a.sites if v.erosion_level in LEVELS and v.soil_loss_mean_t_ha_yr is not None]
    return {"assessed_on": a.assessed_on.isoformat(), "columns": columns, "rows": rows}


def erosion_overview(uow: UnitOfWork, *, actor) -> dict | None:
    """The latest erosion run for the dashboard: its date and the sites counted by soil-loss level (most
    severe first); None if the organisation has none."""
    a = latest_site_erosion(uow, actor=actor)
    if a is None:
        return None
    counts = Counter(v.erosion_level for v in a.sites if v.erosion_level in LEVELS)
    return {"assessed_on": a.assessed_on, "counts": [(level, counts.get(level, 0)) for level in reversed(LEVELS)],
            "not_covered": len(a.sites) - sum(counts.values())}


_VALIDATION = "validation"


def save_validation(*, actor, files_dir: Path, report_dir: Path) -> Path:
    """Copy a ``hazard validate`` report (report.json, roc.png, model.json) to the organisation's files:
    ``files_dir/<org slug>/validation/<UTC timestamp>/``; returns that folder."""
    import shutil

    from minewatch.adapters.db import utcnow

    _require(actor, "registry.write", "save a validation report")
    report_dir = Path(report_dir)
    if not (report_dir / "report.json").is_file():
        raise NotFound(f"{report_dir}: no report.json")
    dest = Path(files_dir) / _SAFE.sub("_", actor.org_slug) / _VALIDATION / utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    dest.mkdir(parents=True, exist_ok=False)
    for name in ("report.json", "roc.png", "model.json"):
        if (report_dir / name).is_file():
            shutil.copy2(report_dir / name, dest / name)
    return dest


def latest_validation(*, actor, files_dir: Path) -> dict | None:
    """The organisation's latest saved validation: {"report": dict, "roc_path": Path | None, "saved": str}."""
    _require(actor, "registry.read", "read the registry")
    root = Path(files_dir) / _SAFE.sub("_", actor.org_slug) / _VALIDATION
    runs = sorted(p for p in root.glob("*") if (p / "report.json").is_file()) if root.is_dir() else []
    if not runs:
        return None
    last = runs[-1]
    roc = last / "roc.png"
    return {"report": json.loads((last / "report.json").read_text()), "roc_path": roc if roc.is_file() else None,
            "saved": last.name}


@dataclass(frozen=True)
class SiteLevel:
    """The level that gates a site's rainfall alerts: the susceptibility level where the latest assessment
    had a susceptibility raster (``source`` "susceptibility"), else the hazard level ("hazard")."""

    code: str
    level: str  # hazards.model.LEVELS
    source: str  # "susceptibility" | "hazard"


def site_levels(uow: UnitOfWork, *, actor) -> dict[str, SiteLevel]:
    """{site code: SiteLevel} for the covered, rated sites of the latest landslide assessment (empty if none)."""
    _require(actor, "registry.read", "read the registry")
    s = uow.session
    a = repo.latest_assessment(s, actor)
    if a is None:
        return {}
    out = {}
    for h, code in repo.site_rows(s, actor, a.id):
        if h.susceptibility_level in LEVELS:
            out[code] = SiteLevel(code, h.susceptibility_level, "susceptibility")
        elif h.covered and h.level in LEVELS:
            out[code] = SiteLevel(code, h.level, "hazard")
    return out
