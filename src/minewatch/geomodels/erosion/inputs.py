"""RUSLE inputs from what users have: R, K, C and P on the DEM's grid, with the findings as data.

Each ``*_input`` function takes the options of ``minewatch hazard erosion`` (numbers, raster paths,
CSV paths, class names) and returns the factor as a number or a float64 array on the DEM grid (NaN
where an input raster is nodata), a JSON-able description of where it came from (method, equation,
units, source) and the findings (warnings, never errors: a regression used outside its range, a
provisional table value). Inputs that cannot give a truthful factor raise
:class:`~minewatch.errors.InvalidInput` naming the file, line, column and value.

Routes (equations in :mod:`~minewatch.geomodels.erosion.factors`):

- R (MJ mm ha-1 h-1 yr-1): a number or raster (``units="us"`` multiplies by 17.02, AH703 Appendix A),
  annual precipitation (Renard & Freimund 1994, annual), or 12 monthly totals (modified Fournier index).
- K (t ha h ha-1 MJ-1 mm-1): a number or raster (``units="us"`` multiplies by 0.1317), or sand, silt,
  clay and organic carbon percentages (Williams 1995, EPIC). A soil texture class cannot give K: the
  soil texture table (``geomodels/parameters/soil_texture.csv``) holds no sand/silt/clay fractions.
- C, P (dimensionless): one class of ``erosion_cover.csv`` everywhere, a land cover raster with a legend
  (``code,class``, classes of that table), or a raster with an InVEST biophysical table
  (``lucode,usle_c,usle_p``).

>>> r = erosivity_input(annual_mm=850.0)
>>> round(r.values), r.source["method"], r.findings
(2514, 'renard-freimund-annual', ())
>>> erosivity_input(erosivity="10", units="us").values
170.2
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.geomodels.erosion import factors
from minewatch.geomodels.erosion.cover import CoverClass, CoverTable, load_cover_table
from minewatch.geomodels.parameters import load_soil_table
from minewatch.kit.findings import Problem

R_UNITS = {"si": "MJ mm ha-1 h-1 yr-1", "us": "hundreds of ft tonf in acre-1 h-1 yr-1"}
K_UNITS = {"si": "t ha h ha-1 MJ-1 mm-1", "us": "t acre h (hundreds of acre ft tonf in)-1"}
#: sand + silt + clay must be 100 % of the fine earth within this many percentage points (rounding of lab sheets)
TEXTURE_SUM_TOLERANCE_PCT = 1.0


@dataclass(frozen=True)
class Factor:
    """A RUSLE factor (R or K) on the DEM grid: a number or a float64 array (NaN = nodata), SI units."""

    name: str
    values: float | np.ndarray
    units: str
    source: dict
    findings: tuple[Problem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Cover:
    """C and P on the DEM grid (numbers or float64 arrays, NaN = nodata), their source and findings."""

    c_factor: float | np.ndarray
    p_factor: float | np.ndarray
    source: dict
    findings: tuple[Problem, ...] = field(default_factory=tuple)


# ------------------------------------------------------------------------------------------- grids


def read_dem(path, band: int = 1):
    """The DEM as a :class:`~minewatch.adapters.rasters.Grid`, checked for what the model needs.

    A projected CRS in metres, square cells, no rotation, the band present and at least one valid cell;
    anything else is an :class:`InvalidInput` naming the file.
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    from minewatch.adapters.rasters import read_raster

    if not Path(str(path)).is_file():
        raise InvalidInput(f"DEM {path}: no such file")
    try:
        with rasterio.open(path) as src:
            count = src.count
    except RasterioIOError as exc:
        raise InvalidInput(f"DEM {path}: not a raster GDAL can read ({exc})") from exc
    if not 1 <= band <= count:
        raise InvalidInput(f"DEM {path} has {count} band(s); band {band} does not exist")
    grid = read_raster(path, band=band)
    t = grid.profile["transform"]
    if grid.geographic:
        raise InvalidInput(f"DEM {path} is in geographic coordinates (degrees): the erosion model needs a projected "
                           "DEM in metres (reproject it, e.g. gdalwarp -t_srs EPSG:326xx)")
    if t.b != 0 or t.d != 0:
        raise InvalidInput(f"DEM {path} is rotated (geotransform terms {t.b:g}, {t.d:g}); give a north-up raster")
    if not math.isclose(abs(t.a), abs(t.e), rel_tol=1e-9):
        raise InvalidInput(f"DEM {path} has cells of {abs(t.a):g} x {abs(t.e):g} m: the LS factor needs square cells "
                           "(resample it)")
    if not np.any(~np.isnan(grid.values)):
        raise InvalidInput(f"DEM {path} band {band} has no valid cell: every cell is nodata "
                           f"(nodata value {grid.profile.get('nodata')})")
    return grid


def read_on_grid(path, grid, what: str) -> np.ndarray:
    """Band 1 of ``path`` as float64 (nodata -> NaN), which must share the DEM's grid (shape, transform, CRS)."""
    from minewatch.adapters.rasters import read_raster

    if not Path(str(path)).is_file():
        raise InvalidInput(f"{what} {path}: no such file")
    other = read_raster(path)
    shape, want = other.values.shape, grid.values.shape
    t, tg = other.profile["transform"], grid.profile["transform"]
    if shape != want or not all(math.isclose(a, b, rel_tol=0, abs_tol=1e-9 * max(1.0, abs(b)))
                                for a, b in zip(tuple(t)[:6], tuple(tg)[:6])):
        raise InvalidInput(f"{what} {path} is not on the DEM's grid: {shape[0]} x {shape[1]} cells with origin "
                           f"({t.c:g}, {t.f:g}) and cell {t.a:g} x {t.e:g}, the DEM {want[0]} x {want[1]} with origin "
                           f"({tg.c:g}, {tg.f:g}) and cell {tg.a:g} x {tg.e:g} (resample it onto the DEM grid)")
    crs, crs_dem = other.profile.get("crs"), grid.profile.get("crs")
    if crs and crs_dem and crs != crs_dem:
        raise InvalidInput(f"{what} {path} is in {crs}, the DEM in {crs_dem} (reproject it onto the DEM grid)")
    return other.values


def _number_or_path(value, option: str) -> tuple[float | None, Path | None]:
    """A number (finite) or the path of an existing file; anything else is an error naming the option."""
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            if Path(text).is_file():
                return None, Path(text)
            raise InvalidInput(f"{option} {text!r}: neither a number nor an existing raster file") from None
    if not math.isfinite(number):
        raise InvalidInput(f"{option} {value!r}: must be a finite number")
    return number, None


def _non_negative(values, option: str, path: Path | None, units: str) -> None:
    v = np.asarray(values, dtype=float)
    bad = v < 0  # NaN (nodata) compares False
    n = int(np.count_nonzero(bad))
    if n:
        where = f"raster {path}: {n} cell(s) below 0, lowest {v[bad].min():g}" if path else f"{float(v):g}"
        raise InvalidInput(f"{option} {where} {units}: a negative factor has no meaning (RUSLE factors are >= 0)")


# ----------------------------------------------------------------------------------------------- R


def _given(name: str, given, option: str, units_table: dict, units: str, to_si, factor: float, grid) -> Factor:
    """R or K given as a number or a raster on the DEM grid, in ``units`` ("us" converted to SI by ``to_si``)."""
    number, path = _number_or_path(given, option)
    what = {"R": "erosivity", "K": "erodibility"}[name]
    values = number if path is None else read_on_grid(path, grid, f"{what} raster")
    _non_negative(values, option, path, units_table[units])
    source = {"method": "given", "units_given": units_table[units], "units": units_table["si"],
              **({"value_given": number} if path is None else {"raster": str(path)})}
    if units == "us":
        values = to_si(values)
        source["conversion"] = f"x {factor} (Renard et al. 1997, AH703 Appendix A)"
    if path is None:
        source["value"] = float(values)
    return Factor(name, values, units_table["si"], source)


def erosivity_input(*, erosivity=None, units: str = "si", annual_mm=None, monthly_mm=None, grid=None) -> Factor:
    """Rainfall erosivity R (MJ mm ha-1 h-1 yr-1) from exactly one of the three routes.

    Parameters
    ----------
    erosivity : number, str or path, optional
        R as a number or a raster on the DEM grid, in ``units``.
    units : {"si", "us"}
        Units of ``erosivity``: SI, or US customary (x 17.02, Renard et al. 1997 AH703 Appendix A).
    annual_mm : number, str or path, optional
        Mean annual precipitation P (mm), a number or a raster: ``R = 0.0483 P^1.61`` (P <= 850 mm),
        ``587.8 - 1.219 P + 0.004105 P^2`` above (Renard & Freimund 1994).
    monthly_mm : sequence of 12 numbers or str "M1,...,M12", optional
        Mean monthly precipitation (mm): modified Fournier index F = sum p_i^2 / P, then
        ``R = 0.7397 F^1.847`` (F < 55 mm), ``95.77 - 6.081 F + 0.4770 F^2`` above.
    grid : Grid, optional
        The DEM grid (needed for rasters).

    Returns
    -------
    Factor
        ``values`` in SI; ``findings`` has a warning when P or F is outside the range where the
        regression is trusted (:data:`factors.ANNUAL_P_RANGE_MM`, :data:`factors.FOURNIER_RANGE_MM`).

    Examples
    --------
    >>> r = erosivity_input(monthly_mm="100,100,100,100,100,100,100,100,100,100,100,100")
    >>> round(r.values, 1), r.source["fournier_index_mm"]
    (4257.7, 100.0)
    """
    given = [name for name, v in (("--erosivity", erosivity), ("--annual-mm", annual_mm),
                                  ("--monthly-mm", monthly_mm)) if v is not None]
    if len(given) != 1:
        raise InvalidInput("rainfall erosivity R: give exactly one of --erosivity R|RASTER, --annual-mm P, "
                           f"--monthly-mm M1,...,M12 (got {', '.join(given) or 'none'})")
    if units not in R_UNITS:
        raise InvalidInput(f"--erosivity-units {units!r}: use si or us")
    si = R_UNITS["si"]
    if erosivity is not None:
        return _given("R", erosivity, "--erosivity", R_UNITS, units, factors.r_us_to_si, factors.R_US_TO_SI, grid)
    if annual_mm is not None:
        number, path = _number_or_path(annual_mm, "--annual-mm")
        p = number if path is None else read_on_grid(path, grid, "annual precipitation raster")
        _non_negative(p, "--annual-mm", path, "mm")
        est = factors.erosivity_renard_freimund_annual(p)
        source = {"method": est.method, "units": si,
                  "equation": "R = 0.0483 P^1.61 (P <= 850 mm); R = 587.8 - 1.219 P + 0.004105 P^2 (P > 850 mm)",
                  "reference": "Renard & Freimund (1994) J. Hydrol. 157, 287-306",
                  "trusted_range_mm": list(factors.ANNUAL_P_RANGE_MM), "range_provisional": factors.RANGES_PROVISIONAL,
                  **({"annual_mm": number, "value": float(est.r_si)} if path is None else {"raster": str(path)})}
        return Factor("R", est.r_si, si, source, est.findings)
    months = _monthly(monthly_mm)
    est = factors.erosivity_modified_fournier(months)
    source = {"method": est.method, "units": si, "monthly_mm": months,
              "fournier_index_mm": float(est.index_mm),
              "equation": "F = sum p_i^2 / P; R = 0.7397 F^1.847 (F < 55 mm); R = 95.77 - 6.081 F + 0.4770 F^2",
              "reference": "Renard & Freimund (1994) J. Hydrol. 157, 287-306",
              "trusted_range_mm": list(factors.FOURNIER_RANGE_MM), "range_provisional": factors.RANGES_PROVISIONAL,
              "value": float(est.r_si)}
    return Factor("R", float(est.r_si), si, source, est.findings)


def _monthly(monthly_mm) -> list[float]:
    parts = monthly_mm.split(",") if isinstance(monthly_mm, str) else list(monthly_mm)
    try:
        months = [float(str(v).strip()) for v in parts]
    except ValueError:
        raise InvalidInput(f"--monthly-mm {monthly_mm!r}: give 12 numbers (mm) separated by commas") from None
    if len(months) != 12:
        raise InvalidInput(f"--monthly-mm: 12 monthly totals needed (January to December), got {len(months)}")
    for i, m in enumerate(months):
        if not math.isfinite(m) or m < 0:
            raise InvalidInput(f"--monthly-mm: month {i + 1} is {m:g} mm; monthly totals must be >= 0")
    if sum(months) == 0:
        raise InvalidInput("--monthly-mm: all 12 months are 0 mm; the Fournier index needs some rain")
    return months


# ----------------------------------------------------------------------------------------------- K


def erodibility_input(*, erodibility=None, units: str = "si", sand_pct=None, silt_pct=None, clay_pct=None,
                      organic_carbon_pct=None, soil=None, nomograph=None, grid=None) -> Factor:
    """Soil erodibility K (t ha h ha-1 MJ-1 mm-1) from exactly one route.

    Parameters
    ----------
    erodibility : number, str or path, optional
        K as a number or a raster on the DEM grid, in ``units`` (``"us"``: x 0.1317, AH703 Appendix A).
    sand_pct, silt_pct, clay_pct, organic_carbon_pct : float, optional
        All four together: K by Williams (1995) EPIC (:func:`factors.k_epic_williams`); sand + silt +
        clay must be 100 % within :data:`TEXTURE_SUM_TOLERANCE_PCT`.
    soil : str, optional
        A soil texture class: not supported, the soil table has no texture fractions (an error says so).
    nomograph : sequence of 5 numbers, optional
        (silt + very fine sand %, clay %, organic matter %, structure code 1-4, permeability code 1-6):
        K by the Wischmeier nomograph equation (:func:`factors.k_nomograph`, AH537), with its domain
        findings (silt + very fine sand above 70 %, organic matter above 4 %).
    grid : Grid, optional
        The DEM grid (needed for rasters).

    Examples
    --------
    >>> k = erodibility_input(sand_pct=20, silt_pct=65, clay_pct=15, organic_carbon_pct=1.5)
    >>> round(k.values, 5), round(k.source["k_us"], 4)
    (0.04529, 0.3439)
    """
    texture = {"--sand": sand_pct, "--silt": silt_pct, "--clay": clay_pct, "--organic-carbon": organic_carbon_pct}
    routes = [name for name, on in (("--erodibility", erodibility is not None),
                                    ("--sand/--silt/--clay/--organic-carbon",
                                     any(v is not None for v in texture.values())),
                                    ("--soil", soil is not None), ("--nomograph", nomograph is not None)) if on]
    if len(routes) != 1:
        raise InvalidInput("soil erodibility K: give exactly one of --erodibility K|RASTER, "
                           "--sand/--silt/--clay/--organic-carbon (%), --nomograph SILT_VFS,CLAY,OM,STRUCTURE,PERMEABILITY "
                           f"(got {', '.join(routes) or 'none'})")
    if units not in K_UNITS:
        raise InvalidInput(f"--erodibility-units {units!r}: use si or us")
    si = K_UNITS["si"]
    if soil is not None:
        table = load_soil_table()
        known = table.get(soil).name  # an unknown class is its own error
        raise InvalidInput(f"--soil {soil!r} ({known}): K from a soil texture class is not supported, because the "
                           f"soil texture table {table.path.name} has no sand/silt/clay fractions; give "
                           "--sand/--silt/--clay/--organic-carbon (%) or --erodibility K|RASTER")
    if nomograph is not None:
        return _nomograph(nomograph, si)
    if erodibility is not None:
        return _given("K", erodibility, "--erodibility", K_UNITS, units, factors.k_us_to_si, factors.K_US_TO_SI,
                      grid)
    missing = [name for name, v in texture.items() if v is None]
    if missing:
        raise InvalidInput(f"K from texture (Williams EPIC) needs --sand, --silt, --clay and --organic-carbon; "
                           f"missing {', '.join(missing)}")
    vals = {}
    for name, v in texture.items():
        v = float(v)
        if not math.isfinite(v) or not 0.0 <= v <= 100.0:
            raise InvalidInput(f"{name} {v:g} %: must be between 0 and 100 %")
        vals[name] = v
    total = vals["--sand"] + vals["--silt"] + vals["--clay"]
    if abs(total - 100.0) > TEXTURE_SUM_TOLERANCE_PCT:
        raise InvalidInput(f"sand + silt + clay = {total:g} %: the three fractions of the fine earth must add up to "
                           f"100 % (within {TEXTURE_SUM_TOLERANCE_PCT:g})")
    if vals["--silt"] + vals["--clay"] == 0:
        raise InvalidInput("--silt and --clay are both 0 %: the EPIC clay-silt term (SIL / (CLA + SIL))^0.3 "
                           "is undefined")
    k_us, k_si = factors.k_epic_williams(vals["--sand"], vals["--silt"], vals["--clay"], vals["--organic-carbon"])
    source = {"method": "williams-epic", "units": si, "sand_pct": vals["--sand"], "silt_pct": vals["--silt"],
              "clay_pct": vals["--clay"], "organic_carbon_pct": vals["--organic-carbon"],
              "k_us": float(k_us), "value": float(k_si),
              "equation": "K_US = f_csand f_cl-si f_orgc f_hisand; K_SI = 0.1317 K_US",
              "reference": "Williams (1995) The EPIC model, in Singh (ed.) Computer Models of Watershed Hydrology"}
    return Factor("K", float(k_si), si, source)


def _nomograph(values, si: str) -> Factor:
    """K by the Wischmeier nomograph equation from (silt+vfs %, clay %, OM %, structure, permeability)."""
    names = ("silt + very fine sand %", "clay %", "organic matter %", "structure code", "permeability code")
    if isinstance(values, str):
        try:
            values = [float(v) for v in values.split(",")]
        except ValueError:
            raise InvalidInput(f"--nomograph {values!r}: expected 5 numbers separated by commas "
                               f"({', '.join(names)})") from None
    if len(values) != 5:
        raise InvalidInput(f"--nomograph needs 5 numbers ({', '.join(names)}), got {len(values)}")
    silt_vfs, clay, om, structure, permeability = (float(v) for v in values)
    for name, v, low, high in zip(names, (silt_vfs, clay, om, structure, permeability),
                                  (0, 0, 0, 1, 1), (100, 100, 100, 4, 6)):
        if not (math.isfinite(v) and low <= v <= high):
            raise InvalidInput(f"--nomograph {name} {v:g}: must be between {low} and {high}")
    for name, v in (("structure code", structure), ("permeability code", permeability)):
        if v != int(v):
            raise InvalidInput(f"--nomograph {name} {v:g}: must be a whole number (AH537 codes)")
    k_us, k_si = factors.k_nomograph(silt_vfs, clay, om, structure, permeability)
    if not k_si > 0:
        raise InvalidInput(f"--nomograph gives K = {float(k_si):g}: the nomograph equation is not valid for these "
                           "inputs (K must be positive)")
    source = {"method": "wischmeier-nomograph", "units": si, "silt_vfs_pct": silt_vfs, "clay_pct": clay,
              "om_pct": om, "structure": int(structure), "permeability": int(permeability), "k_us": float(k_us),
              "value": float(k_si),
              "equation": "100 K_US = 2.1e-4 (12 - OM) M^1.14 + 3.25 (s - 2) + 2.5 (p - 3); K_SI = 0.1317 K_US",
              "reference": "Wischmeier & Smith (1978) USDA Agriculture Handbook 537, eq. 3"}
    return Factor("K", float(k_si), si, source, tuple(factors.nomograph_findings(silt_vfs, om)))


# -------------------------------------------------------------------------------------------- C, P


def _bad_row(path: Path, line: int, column: str, value, message: str) -> InvalidInput:
    return InvalidInput(f"{path} line {line}, column {column}, value {value!r}: {message}")


def read_cover_legend(path, table: CoverTable | None = None) -> dict[int, CoverClass]:
    """A legend CSV (``code,class``, as :func:`minewatch.geomodels.parameters.read_legend`) mapped to C/P classes.

    Every row is checked: an integer code given once, a class of ``erosion_cover.csv`` (name or synonym);
    a bad row raises :class:`InvalidInput` with the file, line, column and value.
    """
    table = table or load_cover_table()
    path = Path(path)
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read legend {path}: {exc.strerror}") from exc
    legend: dict[int, CoverClass] = {}
    with fh:
        reader = csv.DictReader(fh)
        names = {c.strip().lower() for c in (reader.fieldnames or []) if c}
        if not {"code", "class"} <= names:
            raise InvalidInput(f"{path} line 1: a legend needs the columns code,class (got {reader.fieldnames})")
        for raw in reader:
            row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            line = reader.line_num
            try:
                number = float(row["code"])
            except ValueError:
                raise _bad_row(path, line, "code", row["code"], "not an integer") from None
            if not number.is_integer():
                raise _bad_row(path, line, "code", row["code"], "not an integer")
            code = int(number)
            if code in legend:
                raise _bad_row(path, line, "code", row["code"], "given twice")
            if not row["class"]:
                raise _bad_row(path, line, "class", "", "empty")
            try:
                legend[code] = table.get(row["class"])
            except InvalidInput:
                raise _bad_row(path, line, "class", row["class"],
                               f"code {code} names a class unknown to the C/P table {table.path.name}; known: "
                               f"{', '.join(table.classes)} (or a synonym listed there)") from None
    if not legend:
        raise InvalidInput(f"{path}: the legend has no rows")
    return legend


def read_biophysical_table(path) -> dict[int, tuple[float, float]]:
    """{lucode: (C, P)} from an InVEST SDR biophysical CSV (``lucode,usle_c,usle_p``; other columns ignored).

    A bad row (code not an integer or repeated, C or P not a number or negative) raises
    :class:`InvalidInput` with the file, line, column and value.
    """
    path = Path(path)
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read biophysical table {path}: {exc.strerror}") from exc
    out: dict[int, tuple[float, float]] = {}
    with fh:
        reader = csv.DictReader(fh)
        header = {c.strip().lower() for c in (reader.fieldnames or []) if c}
        missing = [c for c in ("lucode", "usle_c", "usle_p") if c not in header]
        if missing:
            raise InvalidInput(f"{path} line 1: missing column(s) {', '.join(missing)} (InVEST's biophysical table "
                               "has lucode,usle_c,usle_p)")
        for raw in reader:
            row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            line = reader.line_num
            try:
                number = float(row["lucode"])
            except ValueError:
                raise _bad_row(path, line, "lucode", row["lucode"], "not an integer") from None
            if not number.is_integer():
                raise _bad_row(path, line, "lucode", row["lucode"], "not an integer")
            code = int(number)
            if code in out:
                raise _bad_row(path, line, "lucode", row["lucode"], "given twice")
            cp = []
            for col in ("usle_c", "usle_p"):
                try:
                    v = float(row[col])
                except ValueError:
                    raise _bad_row(path, line, col, row[col], "not a number") from None
                if not math.isfinite(v) or v < 0:
                    raise _bad_row(path, line, col, row[col], "must be a number >= 0 (a ratio to the unit plot)")
                cp.append(v)
            out[code] = (cp[0], cp[1])
    if not out:
        raise InvalidInput(f"{path}: the biophysical table has no rows")
    return out


def _codes_on_grid(path, grid) -> tuple[np.ndarray, list[int]]:
    codes = read_on_grid(path, grid, "land cover raster")
    present = np.unique(codes[~np.isnan(codes)])
    fractional = present[present != np.round(present)]
    if fractional.size:
        raise InvalidInput(f"land cover raster {path}: value {fractional[0]:g} is not an integer class code")
    return codes, [int(c) for c in present]


def _map_codes(codes: np.ndarray, present: list[int], values: dict[int, tuple[float, float]]):
    c = np.full(codes.shape, np.nan)
    p = np.full(codes.shape, np.nan)
    for code in present:
        sel = codes == code
        c[sel], p[sel] = values[code]
    return c, p


def _class_record(cls: CoverClass, code: int | None = None) -> dict:
    rec = {"class": cls.name, "usle_c": cls.usle_c, "usle_p": cls.usle_p, "source": cls.source,
           "provisional": cls.provisional}
    return rec if code is None else {"code": code, **rec}


def _provisional_findings(classes: list[CoverClass]) -> tuple[Problem, ...]:
    return tuple(Problem("warning", "cover.provisional",
                         f"C = {c.usle_c:g} and P = {c.usle_p:g} for '{c.name}' are provisional (not read from a "
                         f"published table for this condition): {c.source}", column="class", value=c.name)
                 for c in classes if c.provisional)


def cover_input(*, landcover=None, legend=None, biophysical=None, grid=None, table=None) -> Cover:
    """Cover management C and support practice P from a class, a raster with a legend, or a biophysical table.

    Parameters
    ----------
    landcover : str or path
        A class of ``erosion_cover.csv`` (name or synonym, e.g. ``"forest"``, ``"relaves"``) used
        everywhere, or a raster of integer codes on the DEM grid.
    legend : path, optional
        With a raster: CSV ``code,class`` (classes of ``erosion_cover.csv``; :func:`read_cover_legend`).
    biophysical : path, optional
        With a raster: InVEST's table ``lucode,usle_c,usle_p`` (:func:`read_biophysical_table`).
    grid : Grid, optional
        The DEM grid (needed for rasters).
    table : path, optional
        A C/P table validated as ``erosion_cover.csv`` (default: the packaged one).

    Returns
    -------
    Cover
        C and P (NaN where the raster is nodata); every raster code must be in the legend or table.

    Examples
    --------
    >>> cov = cover_input(landcover="forêt")
    >>> cov.c_factor, cov.p_factor, cov.source["classes"][0]["class"]
    (0.003, 1.0, 'forest')
    """
    if landcover is None:
        raise InvalidInput("land cover: give --landcover CLASS (e.g. forest, grass, bare, mine spoil, tailings), "
                           "or --landcover RASTER with --legend CSV or --biophysical CSV")
    if legend is not None and biophysical is not None:
        raise InvalidInput("give --legend CSV (code,class) or --biophysical CSV (lucode,usle_c,usle_p), not both")
    cover_table = load_cover_table(table)
    text = str(landcover)
    is_file = Path(text).is_file()
    if legend is None and biophysical is None:
        if is_file:
            raise InvalidInput(f"--landcover {text} is a raster: give its --legend CSV (code,class) or an InVEST "
                               "--biophysical CSV (lucode,usle_c,usle_p)")
        try:
            cls = cover_table.get(text)
        except InvalidInput as exc:
            raise InvalidInput(f"--landcover {text!r}: {exc}") from None
        return Cover(cls.usle_c, cls.usle_p, {"method": "class", "given": text, "table": str(cover_table.path),
                                              "classes": [_class_record(cls)]}, _provisional_findings([cls]))
    if not is_file:
        raise InvalidInput(f"--landcover {text}: no such raster file ({'--legend' if legend else '--biophysical'} "
                           "was given, so --landcover must be a raster of class codes)")
    if legend is not None:
        classes = read_cover_legend(legend, cover_table)
        codes, present = _codes_on_grid(text, grid)
        _missing(present, classes, text, legend, "legend")
        c, p = _map_codes(codes, present, {k: (v.usle_c, v.usle_p) for k, v in classes.items()})
        used = [classes[k] for k in present]
        return Cover(c, p, {"method": "legend", "raster": text, "legend": str(legend),
                            "table": str(cover_table.path),
                            "classes": [_class_record(classes[k], k) for k in present]},
                     _provisional_findings(list({cls.name: cls for cls in used}.values())))
    values = read_biophysical_table(biophysical)
    codes, present = _codes_on_grid(text, grid)
    _missing(present, values, text, biophysical, "biophysical table")
    c, p = _map_codes(codes, present, values)
    findings = tuple(Problem("warning", "cover.above_one", f"usle_{name} = {v:g} for lucode {k} is above 1 "
                             "(more erosion than the unit plot's clean-tilled fallow); check the table",
                             column=f"usle_{name}", value=f"{v:g}")
                     for k in present for name, v in zip("cp", values[k]) if v > 1)
    return Cover(c, p, {"method": "biophysical", "raster": text, "biophysical": str(biophysical),
                        "classes": [{"code": k, "usle_c": values[k][0], "usle_p": values[k][1]} for k in present]},
                 findings)


def _missing(present: list[int], known, raster, table, what: str) -> None:
    missing = [k for k in present if k not in known]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise InvalidInput(f"land cover raster {raster}: code(s) {shown} not in the {what} {table} "
                           f"(codes there: {', '.join(map(str, sorted(known)))})")
