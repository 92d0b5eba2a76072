"""Use case: plan tree planting for one of the organisation's sites, or for an area, from its latest hazard runs.

What the planner needs from the database: the site's shape (its polygon, or a circle of ``buffer_m`` around
its point, as the hazard assessment draws it), the people assigned on the day to every site of the
organisation within reach of the area (a failure upslope can reach people downslope), and the run folders
of the organisation's latest landslide and erosion assessments (``hazard sites``), unless given. The plan
itself is :func:`minewatch.planning.tool.plan_trees`'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput, NotFound, PermissionDenied
from minewatch.planning.tool import PlanRequest, plan_trees

DEFAULT_BUFFER_M = 250.0  # as hazards.service.assess_sites


@dataclass
class PlanInputs:
    landslide_dir: Path | None
    erosion_dir: Path | None


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def latest_runs(uow, actor) -> PlanInputs:
    """The run folders of the organisation's latest landslide assessment and latest assessment with erosion."""
    from minewatch.hazards import repository as hrepo

    s = uow.session
    land = hrepo.latest_assessment(s, actor, "landslide")
    ero = hrepo.latest_erosion_assessment(s, actor)
    land_dir = None
    if land is not None and "probability_of_failure" in (land.inputs or {}):
        land_dir = Path(land.inputs["probability_of_failure"]["path"]).parent
    ero_dir = None
    if ero is not None:
        run_dir = (ero.erosion or {}).get("run_dir")
        if run_dir:
            ero_dir = Path(run_dir)
        elif "usle" in (ero.inputs or {}):
            ero_dir = Path(ero.inputs["usle"]["path"]).parent
    return PlanInputs(land_dir if land_dir and land_dir.is_dir() else None,
                      ero_dir if ero_dir and ero_dir.is_dir() else None)


def _grid_crs(inputs: PlanInputs):
    import rasterio

    path = (inputs.landslide_dir / "slope.tif") if inputs.landslide_dir else (inputs.erosion_dir / "usle.tif")
    with rasterio.open(path) as src:
        return src.crs


def read_shapes(path, crs) -> list:
    """Polygons of a vector file (GeoPackage, GeoJSON, shapefile...) in ``crs``; InvalidInput names the file."""
    import pyogrio
    import shapely
    from pyproj import CRS, Transformer

    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    try:
        meta, _, geometry, _ = pyogrio.raw.read(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InvalidInput(f"{path}: not a vector file GDAL can read ({exc})") from exc
    geoms = [shapely.from_wkb(g) for g in geometry if g is not None]
    geoms = [g for g in geoms if not g.is_empty]
    if not geoms:
        raise InvalidInput(f"{path}: no geometry")
    src_crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else CRS.from_epsg(4326)
    dst = CRS.from_user_input(crs.to_wkt() if hasattr(crs, "to_wkt") else crs)
    if src_crs != dst:
        t = Transformer.from_crs(src_crs, dst, always_xy=True)
        geoms = [shapely.transform(g, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
                 for g in geoms]
    return geoms


def _setting(uow, actor, landslide_dir, erosion_dir, buffer_m: float):
    """(run folders, the grid's CRS, the organisation's sites, their shape in that CRS by row, cached): the given
    folders, else the latest assessments'."""
    from minewatch.hazards import repository as hrepo
    from minewatch.hazards.zonal import site_shape

    if buffer_m <= 0:
        raise InvalidInput("the buffer around point sites must be positive (metres)")
    runs = latest_runs(uow, actor)
    inputs = PlanInputs(Path(landslide_dir) if landslide_dir else runs.landslide_dir,
                        Path(erosion_dir) if erosion_dir else runs.erosion_dir)
    if inputs.landslide_dir is None and inputs.erosion_dir is None:
        raise InvalidInput("no hazard run: run 'minewatch hazard landslide' and/or 'hazard erosion', then "
                           "'minewatch hazard sites', or give --landslide/--erosion folders")
    crs = _grid_crs(inputs)
    sites = hrepo.sites_to_assess(uow.session, actor)
    shapes: dict = {}

    def shape_of(row):
        if row.id not in shapes:
            shapes[row.id] = site_shape(crs, geom_wkb=row.geom_wkb, latitude=row.latitude, longitude=row.longitude,
                                        buffer_m=buffer_m)
        return shapes[row.id]

    return inputs, crs, sites, shape_of


def plan_for_site(uow, *, actor, request: PlanRequest, out_dir, site_code: str | None = None, area_file=None,
                  exclusions_file=None, landslide_dir=None, erosion_dir=None, buffer_m: float = DEFAULT_BUFFER_M,
                  today: dt.date | None = None, lang: str = "en", on_stage=None) -> dict:
    """Plan for ``site_code`` (its shape) or ``area_file`` (its polygons); returns summary.json's dict.

    People: everyone assigned on ``today`` to a site of the organisation whose shape meets the planning
    window, spread evenly over that site's shape. Runs: the given folders, else the latest assessments'."""
    import shapely

    _require(actor, "registry.read", "plan tree planting")
    if (site_code is None) == (area_file is None):
        raise InvalidInput("give a site code or an area file (not both)")
    inputs, crs, sites, shape_of = _setting(uow, actor, landslide_dir, erosion_dir, buffer_m)
    s = uow.session
    if site_code is not None:
        match = [row for row in sites if row.code == site_code]
        if not match:
            raise NotFound(f"no site {site_code} in organisation '{actor.org_slug}'", code="site_not_found")
        area = shape_of(match[0])
        area_name = None
    else:
        area = shapely.union_all(read_shapes(area_file, crs))
        area_name = Path(area_file).name
    exclusions = read_shapes(exclusions_file, crs) if exclusions_file else []
    people = _people(s, actor, sites, shape_of, area.buffer(request.max_runout_m + 2 * buffer_m), today)
    return plan_trees(out_dir, area=area, request=request, landslide_dir=inputs.landslide_dir,
                      erosion_dir=inputs.erosion_dir, people=people, exclusions=exclusions, site=site_code,
                      area_name=area_name, lang=lang, on_stage=on_stage)


def _people(s, actor, sites, shape_of, reach, today) -> list:
    """(shape, people assigned on ``today``) of the organisation's sites whose shape meets ``reach``."""
    from minewatch.hazards import repository as hrepo

    counts = hrepo.people_exposed(s, actor, [row.id for row in sites], today or dt.date.today())
    return [(shape_of(row), counts[row.id]) for row in sites if counts.get(row.id) and shape_of(row).intersects(reach)]


def assess_site_plantings(uow, *, actor, site_code: str, out_dir, on: dt.date | None = None, landslide_dir=None,
                          erosion_dir=None, landcover=None, landcover_legend=None, buffer_m: float = DEFAULT_BUFFER_M,
                          lang: str = "en") -> dict:
    """The site's hazard with its plantings as they stand on ``on`` (default today), against the same ground
    without them, and with the survivors grown to maturity (:func:`minewatch.planning.actual.assess_plantings`)."""
    from minewatch.planning.actual import MAX_RUNOUT_M, assess_plantings
    from minewatch.planning.service import cover_from_plantings

    _require(actor, "registry.read", "assess plantings")
    on = on or dt.date.today()
    inputs, crs, sites, shape_of = _setting(uow, actor, landslide_dir, erosion_dir, buffer_m)
    s = uow.session
    match = [row for row in sites if row.code == site_code]
    if not match:
        raise NotFound(f"no site {site_code} in organisation '{actor.org_slug}'", code="site_not_found")
    area = shape_of(match[0])
    cover = cover_from_plantings(uow, actor=actor, site_code=site_code, on=on)
    people = _people(s, actor, sites, shape_of, area.buffer(MAX_RUNOUT_M + 2 * buffer_m), on)
    return assess_plantings(out_dir, area=area, plantings=cover, on=on, landslide_dir=inputs.landslide_dir,
                            erosion_dir=inputs.erosion_dir, people=people, landcover=landcover,
                            landcover_legend=landcover_legend, site=site_code, lang=lang)
