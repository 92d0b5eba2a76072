"""The planning scene: an area on the hazard runs' grid with today's cover, its people, and the models that score
a cover (the landslide Monte Carlo on the area's cells, RUSLE and InVEST SDR on the erosion grid).

Shared by the planner (:mod:`minewatch.planning.tool`) and the assessment of what was actually planted
(:mod:`minewatch.planning.actual`). The window is the area's bounding box widened by the longest runout, so
runout paths that leave the area still count the people they reach; only the area's cells are scored.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.planning import benefit as B

OBJECTIVE_NAMES = ("exposure", "soil", "sediment")


@dataclass
class _Grid:
    profile: dict
    x_size: float
    y_size: float
    cell_m2: float
    row0: int
    col0: int
    rows: int
    cols: int

    @property
    def transform(self):
        from rasterio.transform import Affine

        t = self.profile["transform"]
        return Affine(t.a, t.b, t.c + self.col0 * t.a, t.d, t.e, t.f + self.row0 * t.e)


def _mask(shapes, grid: _Grid) -> np.ndarray:
    from rasterio.features import geometry_mask

    shapes = [s for s in shapes if s is not None and not s.is_empty]
    if not shapes:
        return np.zeros((grid.rows, grid.cols), dtype=bool)
    return geometry_mask(shapes, out_shape=(grid.rows, grid.cols), transform=grid.transform, invert=True)


def _people_grid(people, grid: _Grid) -> np.ndarray:
    """People per cell: each group spread evenly over the cells of its shape (its centroid's cell when the shape
    covers no cell centre); groups outside the window are left out."""
    out = np.zeros((grid.rows, grid.cols))
    t = grid.transform
    for shape, count in people:
        if not count:
            continue
        m = _mask([shape], grid)
        if m.any():
            out[m] += float(count) / m.sum()
            continue
        c = shape.centroid
        col, row = ~t * (c.x, c.y)
        if 0 <= int(row) < grid.rows and 0 <= int(col) < grid.cols:
            out[int(row), int(col)] += float(count)
    return out


def _read_window(path: Path, grid: _Grid) -> np.ndarray:
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(path) as src:
        v = src.read(1, window=Window(grid.col0, grid.row0, grid.cols, grid.rows), boundless=True,
                     fill_value=src.nodata if src.nodata is not None else np.nan).astype(np.float64)
        if src.nodata is not None and not np.isnan(src.nodata):
            v[v == src.nodata] = np.nan
    return v


def _read_full(path: Path) -> np.ndarray:
    from minewatch.adapters.rasters import read_raster

    return read_raster(path).values


@dataclass
class _Erosion:
    routing: object
    rkls: np.ndarray
    c: np.ndarray
    p: np.ndarray
    stream: np.ndarray
    k: float
    ic0: float
    sdr_max: float
    cell_size: float
    findings: list


def _load_erosion(folder: Path) -> _Erosion:
    import rasterio

    from minewatch.geomodels.erosion import SPEC
    from minewatch.geomodels.erosion import sdr as S

    need = ("pit_filled_dem.tif", "rkls.tif", "stream.tif", "usle.tif")
    missing = [n for n in need if not (folder / n).is_file()]
    if missing:
        raise InvalidInput(f"{folder}: missing {', '.join(missing)} (the folder of a 'hazard erosion' run)")
    with rasterio.open(folder / "pit_filled_dem.tif") as src:
        t = src.transform
    filled = _read_full(folder / "pit_filled_dem.tif")
    rkls = _read_full(folder / "rkls.tif")
    stream = np.nan_to_num(_read_full(folder / "stream.tif"), nan=0).astype(np.uint8)
    findings = []
    if (folder / "c_factor.tif").is_file():
        c, p = _read_full(folder / "c_factor.tif"), _read_full(folder / "p_factor.tif")
    else:  # runs before c_factor.tif was written: C P = usle / rkls, P taken as 1
        usle = _read_full(folder / "usle.tif")
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(rkls > 0, usle / rkls, np.nan)
        p = np.ones_like(c)
        findings.append({"code": "planning.c_from_usle", "message": f"{folder}: no c_factor.tif (an older run): "
                         "today's C taken as usle / rkls with P = 1"})
    defaults = {prm.name: prm.default for prm in SPEC.parameters}
    params = {}
    if (folder / "parameters.json").is_file():
        params = json.loads((folder / "parameters.json").read_text(encoding="utf-8"))

    def value(name):
        v = params.get(name)
        return float(v["value"] if isinstance(v, dict) else v) if v is not None else float(defaults[name])

    routing = S.route(filled, float(t.a), float(t.e))
    return _Erosion(routing, rkls, c, p, stream, value("k"), value("ic0"), value("sdr_max"), abs(float(t.a)), findings)




@dataclass
class Scene:
    """An area on the runs' grid: masks, people, today's cover and the models (see the module docstring)."""

    run: object  # geomodels.landslide.LandslideRun or None
    ero: _Erosion | None
    grid: _Grid
    in_area: np.ndarray
    excluded: np.ndarray
    people_grid: np.ndarray
    exposure_w: np.ndarray | None
    base: B.Cover
    slope_deg: np.ndarray
    dem_win: np.ndarray | None
    win: dict | None
    iterations: int | None
    findings: list

    @property
    def shape(self) -> tuple[int, int]:
        return (self.grid.rows, self.grid.cols)

    @property
    def ha(self) -> float:
        return self.grid.cell_m2 / 10_000.0

    @property
    def rows_cols(self) -> tuple[int, int, int, int]:
        g = self.grid
        return g.row0, g.row0 + g.rows, g.col0, g.col0 + g.cols

    def pfail(self, cover: B.Cover) -> np.ndarray:
        """Probability of failure on the area's cells (NaN elsewhere in the window): only they change. The
        draws are keyed by the cell's rank in the area, so two covers share them (common random numbers)."""
        from minewatch.geomodels.landslide import stability

        cells = np.flatnonzero(self.in_area)

        def pick(values: dict) -> dict:
            return {k: np.asarray(v).ravel()[cells] for k, v in values.items()}

        out = stability(self.run, self.win["slope"].ravel()[cells], self.win["sca"].ravel()[cells],
                        pick(self.win["soil"]), pick(cover.landcover_values()), iterations=self.iterations)
        full = np.full(self.shape, np.nan)
        full.ravel()[cells] = out["probability_of_failure"]
        return full

    def sed_state(self, c_win: np.ndarray, sensitivities: bool, p_win: np.ndarray | None = None
                  ) -> B.SedimentState:
        """InVEST SDR on the whole erosion grid with the window's C (and P) replaced by ``c_win`` (``p_win``;
        NaN: unchanged)."""
        e = self.ero
        r0, r1, c0, c1 = self.rows_cols
        c = e.c.copy()
        c[r0:r1, c0:c1] = np.where(np.isnan(c_win), c[r0:r1, c0:c1], c_win)
        p = e.p
        if p_win is not None:
            p = e.p.copy()
            p[r0:r1, c0:c1] = np.where(np.isnan(p_win), p[r0:r1, c0:c1], p_win)
        return B.sediment_state(e.routing, rkls=e.rkls, c=c, p=p, stream=e.stream, cell_size=e.cell_size, k=e.k,
                                ic0=e.ic0, sdr_max=e.sdr_max, sensitivities=sensitivities)

    def evaluate(self, cover: B.Cover) -> tuple[dict[str, float | None], dict[str, np.ndarray]]:
        """The three objectives for a cover (None where the run is missing) and their window layers:
        exposure = sum over the area of pfail x people reached; soil = RUSLE loss on the area (t/yr);
        sediment = SDR export of the whole erosion grid (t/yr)."""
        out: dict[str, float | None] = {k: None for k in OBJECTIVE_NAMES}
        layers: dict[str, np.ndarray] = {}
        if self.run is not None:
            pf = self.pfail(cover)
            out["exposure"] = float(np.nansum((pf * self.exposure_w)[self.in_area]))
            layers["exposure"] = pf
        if self.ero is not None:
            r0, r1, c0, c1 = self.rows_cols
            st = self.sed_state(cover.c, False, cover.p)
            usle_w = st.usle[r0:r1, c0:c1]
            out["soil"] = float(np.nansum(usle_w[self.in_area]) * self.ha)
            out["sediment"] = float(np.nansum(st.sed_export) * self.ha)
            layers["soil"] = usle_w
            layers["sediment"] = st.sed_export[r0:r1, c0:c1]
        return out, layers


def _dem_window(run, grid: _Grid) -> np.ndarray | None:
    import rasterio
    from rasterio.windows import Window

    if not run.dem or not Path(run.dem).exists():
        return None
    with rasterio.open(run.dem) as src:
        v = src.read(run.band, window=Window(grid.col0, grid.row0, grid.cols, grid.rows), boundless=True,
                     fill_value=np.nan).astype(float)
        if src.nodata is not None and not np.isnan(src.nodata):
            v[v == src.nodata] = np.nan
    return v


def build_scene(*, area, landslide_dir=None, erosion_dir=None, people=(), exclusions=(), landcover=None,
                landcover_legend=None, reach_angle_deg: float = B.REACH_ANGLE_DEG,
                max_runout_m: float = B.MAX_RUNOUT_M, iterations: int | None = None) -> Scene:
    """Read the runs and set the scene; InvalidInput for no run, runs on different grids, an area off the grid."""
    import rasterio
    from rasterio.windows import from_bounds

    from minewatch.geomodels.landslide import load_run

    if landslide_dir is None and erosion_dir is None:
        raise InvalidInput("give a landslide run folder, an erosion run folder, or both")
    if area is None or area.is_empty:
        raise InvalidInput("the area is empty")
    run = load_run(landslide_dir, landcover=landcover, landcover_legend=landcover_legend) if landslide_dir else None
    ero = _load_erosion(Path(erosion_dir)) if erosion_dir else None
    if run is not None:
        profile = run.profile
    else:
        with rasterio.open(Path(erosion_dir) / "usle.tif") as src:
            profile = src.profile.copy()
    if run is not None and ero is not None:
        with rasterio.open(Path(erosion_dir) / "usle.tif") as src:
            if (src.height, src.width) != (profile["height"], profile["width"]) or src.transform != profile["transform"]:
                raise InvalidInput(f"the erosion run {erosion_dir} is not on the landslide run's grid (shape "
                                   f"{(src.height, src.width)} vs {(profile['height'], profile['width'])}, the "
                                   "transforms must match): run both on the same DEM")
    t = profile["transform"]
    x_size, y_size = float(t.a), float(t.e)
    pad = int(math.ceil(max_runout_m / min(abs(x_size), abs(y_size)))) + 1 if run is not None else 1
    w = from_bounds(*area.bounds, transform=t)
    r0 = max(0, int(math.floor(w.row_off)) - pad)
    c0 = max(0, int(math.floor(w.col_off)) - pad)
    r1 = min(profile["height"], int(math.ceil(w.row_off + w.height)) + pad)
    c1 = min(profile["width"], int(math.ceil(w.col_off + w.width)) + pad)
    if r1 <= r0 or c1 <= c0:
        raise InvalidInput("the area lies outside the hazard runs' grid")
    grid = _Grid(profile, x_size, y_size, abs(x_size * y_size), r0, c0, r1 - r0, c1 - c0)
    in_area = _mask([area], grid)
    if not in_area.any():
        raise InvalidInput("the area covers no cell centre of the hazard runs' grid")
    excluded = _mask(list(exclusions), grid) & in_area
    people_grid = _people_grid(people, grid)
    shape = (grid.rows, grid.cols)
    base_c = ero.c[r0:r1, c0:c1].copy() if ero is not None else np.full(shape, np.nan)
    base_p = ero.p[r0:r1, c0:c1].copy() if ero is not None else None
    win = dem_win = exposure_w = None
    if run is not None:
        win = run.window(r0, r1, c0, c1)
        lc = win["landcover"]
        base = B.Cover((lc["root_cohesion_min_pa"].copy(), lc["root_cohesion_mode_pa"].copy(),
                        lc["root_cohesion_max_pa"].copy()), lc["rooting_depth_m"].copy(), base_c, base_p)
        slope_deg = win["slope"]
        dem_win = _dem_window(run, grid)
        if dem_win is None and ero is not None:
            dem_win = ero.routing.filled[r0:r1, c0:c1]
        if dem_win is None:
            raise InvalidInput(f"the landslide run's DEM {run.dem} is not readable: needed for the runout paths")
        exposure_w = B.exposure_weights(dem_win, people_grid, x_size=x_size, y_size=y_size,
                                        reach_angle_deg=reach_angle_deg, max_runout_m=max_runout_m)
    else:
        base = B.Cover((np.zeros(shape), np.zeros(shape), np.zeros(shape)), np.zeros(shape), base_c, base_p)
        slope_deg = np.degrees(np.arctan(ero.routing.slope_pct[r0:r1, c0:c1] / 100.0))
    return Scene(run, ero, grid, in_area, excluded, people_grid, exposure_w, base, slope_deg, dem_win, win,
                 iterations, list(ero.findings if ero else []))
