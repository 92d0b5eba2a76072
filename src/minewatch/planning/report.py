"""The plan's maps (PNG) and its one-page printable plan (HTML) for field teams (issue 10, output).

:func:`write_maps` draws the plan by species over an optional hillshade (``map_plan.png``) and, for each
hazard layer, before | after at maturity on one shared colour scale with a third panel of the change
(``map_<layer>.png``). :func:`write_printable` renders ``planning/templates/plan.html`` (Jinja2, autoescaped)
from a plan folder's ``summary.json`` (version 1) into one A4 page: CSS inline, maps by relative file name,
no external fonts or scripts.

Maps are drawn with matplotlib's object API (``Figure``, Agg canvas: no pyplot state) in local metres
from the centre of the drawn window (geographic grids scaled by metres per degree at the centre's
latitude), north up, then reduced to a 256-colour palette PNG (Pillow, optimised) to stay light on a
rural connection (about 100-250 KB for a 200 x 200 grid at 110 dpi).

Text is translated with the interface's Babel catalogs (``web/locale``): source strings are wrapped in
``_()`` so ``make i18n`` extracts them; ``lang`` picks the catalog (en, fr, es; anything else: English).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput

LANGUAGES = ("en", "fr", "es")

# Okabe & Ito (2008) "Color Universal Design": distinguishable with the common colour-vision deficiencies
# (black is kept for outlines and text); tab10 then extends the list beyond seven species, its colours
# least like Okabe-Ito's first (tab10 blue next to Okabe-Ito blue would read as one species).
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
_TAB10 = ("#8c564b", "#9467bd", "#bcbd22", "#7f7f7f", "#d62728", "#17becf", "#2ca02c", "#1f77b4", "#ff7f0e",
          "#e377c2")
OUTSIDE = 255
DPI = 110
LOG_DECADES = 4  # a log colour scale spans at most this many decades below its maximum
MAX_PATCHES = 14  # patches listed on the printable page with up to 4 species (one fewer per extra species)
MIN_PATCHES = 4


def _translator(lang: str) -> Callable[..., str]:
    """``_(message, **variables)`` in ``lang``: the web's compiled catalog, ``%(name)s`` filled in."""
    # The catalogs live with the web interface (web/i18n.py compiles them, no Babel state elsewhere);
    # minewatch.web.i18n imports only Babel, so this keeps the one source of catalogs.
    from minewatch.web.i18n import translations

    catalog = translations(lang if lang in LANGUAGES else "en")

    def _(message: str, **variables) -> str:
        text = catalog.ugettext(message)
        return text % variables if variables else text

    return _


def _language(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


# ---------------------------------------------------------------------------------------------------------
# colour scales


def option_colours(n: int) -> list[str]:
    """``n`` distinct colours for the plan's options: Okabe-Ito first, then tab10.

    >>> option_colours(2)
    ['#E69F00', '#56B4E9']
    """
    palette = OKABE_ITO + _TAB10
    return [palette[i % len(palette)] for i in range(n)]


def shared_scale(before: np.ndarray, after: np.ndarray, *, log: bool = False) -> tuple[float, float]:
    """One ``(vmin, vmax)`` for the before and after panels, so the change is what the eye sees.

    Linear: the finite minimum and maximum over both arrays. Log: the maximum, and the smallest positive
    value but at most :data:`LOG_DECADES` decades below the maximum (zeros and smaller values are drawn
    in the lowest colour). A flat or empty layer gets a unit-wide range.

    >>> shared_scale(np.array([1.0, np.nan]), np.array([0.5, 3.0]))
    (0.5, 3.0)
    >>> shared_scale(np.array([0.0, 100.0]), np.array([1e-9, 10.0]), log=True)
    (0.01, 100.0)
    """
    values = np.concatenate([np.ravel(np.asarray(before, dtype=float)), np.ravel(np.asarray(after, dtype=float))])
    values = values[np.isfinite(values)]
    if log:
        values = values[values > 0]
        if values.size == 0:
            return 0.1, 1.0
        vmax = float(values.max())
        vmin = max(float(values.min()), vmax * 10.0 ** -LOG_DECADES)
        return (vmax / 10.0, vmax) if vmin >= vmax else (vmin, vmax)
    if values.size == 0:
        return 0.0, 1.0
    vmin, vmax = float(values.min()), float(values.max())
    return (vmin - 0.5, vmax + 0.5) if vmin == vmax else (vmin, vmax)


def change_scale(before: np.ndarray, after: np.ndarray) -> float:
    """Half-width ``L`` of the symmetric range ``[-L, L]`` of the change ``after - before`` (centred at 0).

    >>> change_scale(np.array([3.0, 1.0]), np.array([1.0, 1.5]))
    2.0
    """
    diff = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    diff = np.abs(diff[np.isfinite(diff)])
    limit = float(diff.max()) if diff.size else 0.0
    return limit if limit > 0 else 1.0


def nice_length(span_m: float) -> float:
    """The longest round scale-bar length (1, 2 or 5 times a power of ten, metres) within a quarter of ``span_m``.

    >>> nice_length(2000.0), nice_length(730.0), nice_length(90.0)
    (500.0, 100.0, 20.0)
    """
    target = max(span_m, 1e-9) / 4.0
    power = 10.0 ** math.floor(math.log10(target))
    return max(m * power for m in (1.0, 2.0, 5.0) if m * power <= target)


# ---------------------------------------------------------------------------------------------------------
# maps


class _Frame:
    """The drawn window of the grid, in metres from its centre (x east, y north)."""

    def __init__(self, shape: tuple[int, int], transform, crs, inside: np.ndarray):
        if abs(transform.b) > 0 or abs(transform.d) > 0 or transform.a <= 0 or transform.e >= 0:
            raise InvalidInput("maps need a north-up grid (no rotation, rows going south)")
        rows, cols = np.nonzero(inside)
        if rows.size == 0:
            r0, r1, c0, c1 = 0, shape[0], 0, shape[1]
        else:
            pad = 2
            r0, r1 = max(0, rows.min() - pad), min(shape[0], rows.max() + 1 + pad)
            c0, c1 = max(0, cols.min() - pad), min(shape[1], cols.max() + 1 + pad)
        self.rows, self.cols = slice(int(r0), int(r1)), slice(int(c0), int(c1))
        left, top = transform.c + c0 * transform.a, transform.f + r0 * transform.e
        right, bottom = transform.c + c1 * transform.a, transform.f + r1 * transform.e
        self.x0, self.y0 = (left + right) / 2.0, (top + bottom) / 2.0
        self.kx = self.ky = 1.0
        if crs is not None:
            import pyproj

            try:
                geographic = pyproj.CRS.from_user_input(crs).is_geographic
            except pyproj.exceptions.CRSError as exc:
                raise InvalidInput(f"maps: unknown CRS {crs!r} (pass None when the grid has none)") from exc
            if geographic:
                from minewatch.adapters.rasters import metres_per_degree

                self.kx, self.ky = (float(v) for v in metres_per_degree(self.y0))
        self.dx_m, self.dy_m = transform.a * self.kx, -transform.e * self.ky
        self.extent = ((left - self.x0) * self.kx, (right - self.x0) * self.kx,
                       (bottom - self.y0) * self.ky, (top - self.y0) * self.ky)

    def crop(self, array: np.ndarray) -> np.ndarray:
        return np.asarray(array)[self.rows, self.cols]

    def xy(self, xs, ys) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(xs) - self.x0) * self.kx, (np.asarray(ys) - self.y0) * self.ky


def _rings(shape):
    for poly in getattr(shape, "geoms", [shape]):
        if poly.is_empty or not hasattr(poly, "exterior"):
            continue
        yield poly.exterior.xy
        for hole in poly.interiors:
            yield hole.xy


def _decorate(ax, frame: _Frame, outline, _, *, scale_bar: bool = True) -> None:
    """Outline, scale bar (metres) and north arrow; no ticks (a field map, not a chart)."""
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    if outline is not None:
        for xs, ys in _rings(outline):
            x, y = frame.xy(xs, ys)
            ax.plot(x, y, color="black", linewidth=1.4)
    ax.set_xlim(frame.extent[0], frame.extent[1])
    ax.set_ylim(frame.extent[2], frame.extent[3])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
    if scale_bar:
        length = nice_length(frame.extent[1] - frame.extent[0])
        label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
        ax.add_artist(AnchoredSizeBar(ax.transData, length, label, "lower left", pad=0.4, borderpad=0.5,
                                      sep=3, frameon=True, size_vertical=0, fontproperties={"size": 8}))
        ax.annotate(_("N"), xy=(0.94, 0.95), xytext=(0.94, 0.80), xycoords="axes fraction",
                    ha="center", va="center", fontsize=10, fontweight="bold",
                    arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.5},
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})


def _save_png(fig, path: Path) -> Path:
    """Save ``fig`` as an optimised 256-colour palette PNG (a map has few colours; a quarter of the bytes)."""
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    buf.seek(0)
    with Image.open(buf) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        palette.save(path, format="PNG", optimize=True)
    return path


def _figure(figsize):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, dpi=DPI, layout="constrained")


def _hillshade(dem: np.ndarray, frame: _Frame) -> np.ndarray:
    from matplotlib.colors import LightSource

    z = np.asarray(dem, dtype=float)
    filled = np.where(np.isfinite(z), z, np.nanmean(z) if np.isfinite(z).any() else 0.0)
    shade = LightSource(azdeg=315, altdeg=45).hillshade(filled, dx=frame.dx_m, dy=frame.dy_m, vert_exag=1.0)
    return np.where(np.isfinite(z), shade, np.nan)


def _format_int(value, lang: str) -> str:
    from babel.numbers import format_decimal

    return format_decimal(int(round(float(value))), format="#,##0", locale=lang)


def _draw_plan(path: Path, frame: _Frame, codes: np.ndarray, options: Sequence[Mapping], outline, shade, lang, _):
    """The plan by species over the (cropped) hillshade ``shade``; ``codes`` already cropped to the frame."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    fig = _figure((6.4, 5.6))
    ax = fig.add_subplot()
    extent = frame.extent
    if shade is not None:
        # a light relief: the darkest shade is a mid grey, so the species colours stay the strongest ink
        ax.imshow(np.ma.masked_invalid(shade), cmap="gray", vmin=-1.0, vmax=1.0, extent=extent,
                  interpolation="nearest", alpha=0.5)
    colours = option_colours(len(options))
    # index 0: not planted (transparent over the hillshade, else a light grey), 1..n: options
    cmap = ListedColormap(["#00000000" if shade is not None else "#ececec"] + colours).with_extremes(bad=(1, 1, 1, 0))
    shown = np.where(codes == OUTSIDE, np.nan, np.where(codes > len(options), 0, codes)).astype(float)
    ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, vmin=-0.5, vmax=len(options) + 0.5, extent=extent,
              interpolation="nearest", alpha=0.9)
    outside = np.where(codes == OUTSIDE, 1.0, np.nan)
    ax.imshow(np.ma.masked_invalid(outside), cmap=ListedColormap(["white"]), extent=extent, alpha=0.6,
              interpolation="nearest")
    _decorate(ax, frame, outline, _)
    handles = []
    for colour, option in zip(colours, options, strict=True):
        label = str(option.get("name") or option.get("id"))
        if option.get("seedlings") is not None:
            label = _("%(name)s: %(n)s seedlings", name=label, n=_format_int(option["seedlings"], lang))
        handles.append(Patch(facecolor=colour, edgecolor="black", linewidth=0.4, label=label))
    handles.append(Patch(facecolor="#ececec" if shade is None else "none", edgecolor="black", linewidth=0.4,
                         label=_("not planted")))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=2, fontsize=8,
              frameon=False)
    ax.set_title(_("Tree planting plan by species"), fontsize=11)
    return _save_png(fig, path)


def _draw_layer(path: Path, frame: _Frame, before: np.ndarray, after: np.ndarray, layer: Mapping, outline, _):
    """Before | after on one scale (:func:`shared_scale`) and the change on ``[-L, L]`` (:func:`change_scale`)."""
    from matplotlib.colors import LogNorm, Normalize

    log = bool(layer.get("log", False))
    vmin, vmax = shared_scale(before, after, log=log)
    norm = LogNorm(vmin=vmin, vmax=vmax) if log else Normalize(vmin=vmin, vmax=vmax)
    limit = change_scale(before, after)
    label = str(layer.get("label", ""))

    fig = _figure((11.5, 4.3))
    axes = fig.subplots(1, 3)
    image = None
    for ax, data, title in ((axes[0], before, _("before planting")),
                            (axes[1], after, _("with the plan, at maturity"))):
        shown = np.maximum(data, vmin) if log else data  # zeros in the lowest colour, not holes
        image = ax.imshow(np.ma.masked_invalid(shown), cmap="YlOrRd", norm=norm, extent=frame.extent,
                          interpolation="nearest")
        _decorate(ax, frame, outline, _, scale_bar=ax is axes[0])
        ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=list(axes[:2]), label=label, shrink=0.85, location="bottom", pad=0.02)
    ax = axes[2]
    diff = ax.imshow(np.ma.masked_invalid(after - before), cmap="RdBu_r", vmin=-limit, vmax=limit,
                             extent=frame.extent, interpolation="nearest")
    _decorate(ax, frame, outline, _, scale_bar=False)
    ax.set_title(_("change (after - before)"), fontsize=10)
    fig.colorbar(diff, ax=ax, label=label, shrink=0.85, location="bottom", pad=0.02)
    return _save_png(fig, path)


def write_maps(out_dir: Path | str, *, plan_codes: np.ndarray, options: Sequence[Mapping],
               layers: Mapping[str, Mapping], transform, crs, outline=None, hillshade_dem: np.ndarray | None = None,
               lang: str = "en") -> dict[str, Path]:
    """Write ``map_plan.png`` and one ``map_<layer>.png`` per layer into ``out_dir``; ``{name: path}``.

    ``plan_codes`` is the plan.tif grid (0 nothing, ``k`` the option ``options[k-1]``, 255 outside the
    area); ``options`` are ``{"code", "id", "name", "life_form"[, "seedlings"]}`` in code order;
    ``layers`` maps a name (``exposure``, ``soil``, ``sediment``) to ``{"before", "after", "label", "log"}``
    on the same grid (NaN: no data). ``transform`` is the grid's affine, ``crs`` its CRS text,
    ``outline`` the site polygon in that CRS. Keys of the result: ``plan`` and each layer name.
    """
    lang = _language(lang)
    _ = _translator(lang)
    codes = np.asarray(plan_codes)
    if codes.ndim != 2:
        raise InvalidInput(f"the plan grid must be 2-D, got shape {codes.shape}")
    for name, layer in layers.items():
        for key in ("before", "after"):
            if np.shape(layer[key]) != codes.shape:
                raise InvalidInput(f"layer {name!r} {key}: shape {np.shape(layer[key])} differs from the plan's "
                                   f"{codes.shape}")
    if hillshade_dem is not None and np.shape(hillshade_dem) != codes.shape:
        raise InvalidInput(f"hillshade DEM shape {np.shape(hillshade_dem)} differs from the plan's {codes.shape}")
    inside_full = codes != OUTSIDE
    frame = _Frame(codes.shape, transform, crs, inside_full)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shade = _hillshade(frame.crop(hillshade_dem), frame) if hillshade_dem is not None else None
    files = {"plan": _draw_plan(out / "map_plan.png", frame, frame.crop(codes), list(options), outline, shade,
                                lang, _)}
    inside = frame.crop(inside_full)
    for name, layer in layers.items():
        before = np.where(inside, frame.crop(np.asarray(layer["before"], dtype=float)), np.nan)
        after = np.where(inside, frame.crop(np.asarray(layer["after"], dtype=float)), np.nan)
        files[name] = _draw_layer(out / f"map_{name}.png", frame, before, after, layer, outline, _)
    return files


# ---------------------------------------------------------------------------------------------------------
# the printable plan


def _objective_title(name: str, _) -> str:
    titles = {"exposure": _("expected people exposed to slope failure"), "soil": _("soil loss"),
              "sediment": _("sediment export"), "mix": _("weighted mix of exposure, soil loss and sediment export")}
    return titles.get(name, name)


def _first_name(names: Mapping[str, str] | None, lang: str, fallback: str) -> str:
    """The species' first common name in ``lang`` (names are ';'-separated), else in English."""
    names = names or {}
    text = names.get(lang) or names.get("en") or fallback
    return text.split(";")[0].strip() or fallback


def patch_cap(n_species: int) -> int:
    """How many patches fit on the page beside ``n_species`` species rows (:data:`MAX_PATCHES` with up to
    4 species, one fewer per extra species, at least :data:`MIN_PATCHES`).

    >>> patch_cap(3), patch_cap(8), patch_cap(40)
    (14, 10, 4)
    """
    return max(MIN_PATCHES, MAX_PATCHES - max(0, n_species - 4))


def _year_columns(summary: Mapping) -> list[str]:
    name = (summary.get("objective") or {}).get("name")
    if name in ("exposure", "soil", "sediment"):
        return [name]
    return [k for k in ("exposure", "soil", "sediment")
            if any(row.get(k) is not None for row in summary.get("years") or [])]


def _unit_text(units: str, _) -> str:
    return {"people": _("people"), "t/yr": _("t/yr")}.get(units, units)


def _short_title(name: str, _) -> str:
    titles = {"exposure": _("people exposed"), "soil": _("soil loss (t/yr)"), "sediment": _("sediment (t/yr)")}
    return titles.get(name, name)


def coordinate(value) -> str:
    """Longitude or latitude to 5 decimals (about 1 m), with a point in every language, as GPS units show it.

    >>> coordinate(-3.4567891), coordinate(None)
    ('-3.45679', '')
    """
    return "" if value is None else f"{float(value):.5f}"


@functools.lru_cache(maxsize=len(LANGUAGES))
def _environment(lang: str):
    """The Jinja2 environment of ``lang``: autoescaped, gettext of its catalog, Babel number filters."""
    import jinja2
    from babel.numbers import format_currency, format_decimal, format_percent

    from minewatch.web.i18n import translations

    catalog = translations(lang)
    _ = _translator(lang)
    env = jinja2.Environment(loader=jinja2.PackageLoader("minewatch.planning", "templates"),
                             autoescape=jinja2.select_autoescape(default=True), extensions=["jinja2.ext.i18n"],
                             trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.install_gettext_callables(catalog.ugettext, catalog.ungettext, newstyle=True)

    def number(value, digits: int = 0) -> str:
        if value is None:
            return ""
        return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=lang)

    def significant(value) -> str:
        """3 significant digits below 100, whole numbers from 100 (0.0123 people, 12,345 t/yr), grouped."""
        if value is None:
            return ""
        value = float(value)
        if value == 0 or not math.isfinite(value):
            return format_decimal(value, locale=lang)
        digits = max(0, 2 - math.floor(math.log10(abs(value))))
        return number(round(value, digits), digits)

    env.filters["number"] = number
    env.filters["significant"] = significant
    env.filters["usd"] = lambda v: "" if v is None else format_currency(v, "USD", locale=lang)
    env.filters["percent"] = lambda v, digits=0: "" if v is None else format_percent(
        v, format="#,##0" + ("." + "0" * digits if digits else "") + "%", locale=lang)
    env.globals.update(_objective_title=lambda name: _objective_title(name, _),
                       unit_text=lambda units: _unit_text(units, _),
                       short_title=lambda name: _short_title(name, _), coordinate=coordinate)
    return env


def plan_context(summary: Mapping, *, maps: Mapping[str, str], lang: str = "en", org_name: str | None = None,
                 on: dt.date | None = None) -> dict:
    """What the printable page shows, computed from ``summary`` (totals are the sums of the species rows)."""
    lang = _language(lang)
    rows = []
    for s in summary.get("by_species") or []:
        rows.append({"name": _first_name(s.get("names"), lang, str(s.get("id"))),
                     "scientific_name": s.get("scientific_name") or "", "seedlings": s.get("seedlings") or 0,
                     "area_ha": s.get("area_ha") or 0.0, "spacing_m": s.get("spacing_m"),
                     "labour_days": s.get("labour_days") or 0.0, "cost_usd": s.get("cost_usd") or 0.0,
                     "provisional": bool(s.get("provisional")), "id": s.get("id")})
    names_by_id = {r["id"]: r["name"] for r in rows}
    totals = {k: sum(r[k] for r in rows) for k in ("seedlings", "area_ha", "labour_days", "cost_usd")}
    patches = list(summary.get("patches") or [])
    cap = patch_cap(len(rows))
    shown = [{**p, "species_name": names_by_id.get(p.get("species"), p.get("species"))} for p in patches[:cap]]
    years = list(summary.get("years") or [])
    maturity_year = years[-1]["year"] if years else max(
        (s.get("years_to_maturity") or 0 for s in summary.get("by_species") or []), default=0)
    objective = dict(summary.get("objective") or {})
    return {
        "lang": lang, "org_name": org_name, "date": (on or dt.date.today()),
        "place": summary.get("site") or summary.get("area"), "summary": summary, "objective": objective,
        "species": rows, "totals": totals, "has_spacing": any(r["spacing_m"] is not None for r in rows),
        "patches": shown, "more_patches": max(0, len(patches) - cap), "years": years,
        "year_columns": _year_columns(summary), "maturity_year": maturity_year,
        "objectives": summary.get("objectives") or {}, "maps": dict(maps),
        "plan_map": maps.get("plan"), "provisional": list(summary.get("provisional") or []),
        "any_provisional_species": any(r["provisional"] for r in rows),
        "others": [k for k in ("exposure", "soil", "sediment")
                   if k != objective.get("name") and (summary.get("objectives") or {}).get(k)],
        "colours": option_colours(len(rows)),
    }


def render_printable(summary: Mapping, *, maps: Mapping[str, str], lang: str = "en", org_name: str | None = None,
                     on: dt.date | None = None) -> tuple[str, str]:
    """``(plan.html, plan.css)`` of the one-page plan: the page links its style sheet and maps by file name."""
    from babel.dates import format_date

    lang = _language(lang)
    context = plan_context(summary, maps=maps, lang=lang, org_name=org_name, on=on)
    context["date_text"] = format_date(context["date"], format="long", locale=lang)
    env = _environment(lang)
    return env.get_template("plan.html").render(context), env.get_template("plan.css").render(context)


def write_printable(path: Path | str, summary: Mapping, *, maps: Mapping[str, str], lang: str = "en",
                    org_name: str | None = None, on: dt.date | None = None) -> Path:
    """Write the one-page A4 plan for field teams (HTML and its plan.css beside it; print it or save it as PDF).

    ``summary`` is the plan folder's summary.json (version 1); ``maps`` maps a map name (``plan``,
    ``exposure``, ...) to its file name relative to ``path``'s folder; ``on`` is the date printed
    (default today).
    """
    html, css = render_printable(summary, maps=maps, lang=lang, org_name=org_name, on=on)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    (path.parent / "plan.css").write_text(css, encoding="utf-8")
    return path
