"""RUSLE and sediment delivery as InVEST 3.20.2 SDR computes them, on arrays (pure numpy + numba).

Every step mirrors ``natcap.invest.sdr.sdr`` 3.20.2 and the pygeoprocessing 2.4.11 routing it calls
(:mod:`~minewatch.geomodels.erosion.routing`), including InVEST's intermediate data types (float32
rasters where InVEST writes float32), so ``ls``, ``usle`` and ``sed_export`` agree with InVEST's
outputs pixel by pixel. Equations (reference/hazards.md 3.3 and 4.1; Borselli et al. 2008,
Vigiak et al. 2012, Cavalli et al. 2013):

- A_in = sqrt((a - 1) D^2) with a the MFD accumulation in cells (the cell itself removed);
  L = [(A_in + D^2)^(m+1) - A_in^(m+1)] / [D^(m+2) x^m 22.13^m], x = |sin t| + |cos t| of the
  slope angle t, capped at l_max; S = 10.8 sin t + 0.03 (s < 9 %), 16.8 sin t - 0.5 otherwise;
  m = 0.2 / 0.3 / 0.4 / 0.5 for s in [0, 1], (1, 3.5], (3.5, 5], (5, 9] %, beta / (1 + beta) above.
- rkls = R K LS (t ha-1 yr-1), NaN on streams; usle = rkls C P.
- D_up = W_bar S_bar sqrt(a D^2), W = max(C, 0.001), S = clip(s / 100, 0.005, 1), the bars being
  MFD-accumulated means; D_dn = sum of p (1 / (W S) of the downstream cell + d_dn downstream) along
  the MFD paths to a stream (pygeoprocessing's weighted distance, in weight units, not metres).
- IC = log10(D_up / D_dn); SDR = SDR_max / (1 + exp((IC_0 - IC) / k)), 1 on streams;
  sed_export = usle SDR (t ha-1 yr-1).

Arrays are float64 with NaN for nodata unless said otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from minewatch.geomodels.erosion import routing

F32 = np.float32
#: InVEST's stream trace proportion (``extract_streams_mfd(..., trace_threshold_proportion=0.7)``).
TRACE_THRESHOLD_PROPORTION = 0.7
#: pygeoprocessing's tile size; the stream extraction scans the raster tile by tile.
BLOCK = 256


def _nan32(values: np.ndarray) -> np.ndarray:
    """float32 rounding of a float64 array (NaN kept), as when InVEST writes a float32 raster."""
    return values.astype(F32)


@dataclass(frozen=True)
class Routing:
    """Pit-filled elevation, slope and MFD routing of a DEM, as InVEST SDR derives them."""

    filled: np.ndarray  # m
    slope_pct: np.ndarray  # float32, percent
    flow_direction: np.ndarray  # int32, 8 packed 4-bit weights (routing module docstring)
    order: np.ndarray  # cells upstream first
    flow_accumulation: np.ndarray  # cells, the cell itself included


def route(dem: np.ndarray, x_size: float, y_size: float) -> Routing:
    """Fill pits (pygeoprocessing ``fill_pits``: each pit raised to its pour point), percent slope,
    MFD direction and accumulation.

    ``x_size`` and ``y_size`` are the geotransform's pixel width and (signed) height, metres.

    >>> r = route(np.array([[3.0, 3, 3], [2, 2, 2], [1, 1, 1]]), 10.0, -10.0)
    >>> round(float(r.flow_accumulation[2].sum()), 9)   # all 9 cells leave through the bottom row
    9.0
    """
    filled = routing.fill_pits(np.ascontiguousarray(dem, dtype=np.float64), BLOCK)
    slope = _nan32(routing.slope_percent(filled, float(x_size), float(y_size)))
    fd = routing.flow_dir_mfd(filled)
    order = routing.topological_order(fd)
    ones = np.where(np.isnan(filled), np.nan, 1.0)
    acc = routing.accumulate_mfd(fd, order, ones)
    return Routing(filled, slope, fd, order, acc)


def ls_invest(slope_pct: np.ndarray, flow_accumulation: np.ndarray, cell_size: float,
              l_max: float = 122.0) -> np.ndarray:
    """LS factor exactly as InVEST 3.20.2 ``_calculate_ls_factor`` (dimensionless, float64).

    Slope-derived terms are computed in float32 as InVEST does on its float32 slope raster.

    Parameters
    ----------
    slope_pct : percent slope (float32 in InVEST).
    flow_accumulation : MFD accumulation in cells, the cell itself included.
    cell_size : D (m); the cell is square.
    l_max : cap of L.

    References
    ----------
    Desmet & Govers (1996) J. Soil Water Conserv. 51(5) 427-433; McCool et al. (1987, 1989);
    Oliveira et al. (2013) Table 1 (m breakpoints); natcap/invest src/natcap/invest/sdr/sdr.py.

    Examples
    --------
    On a 9.5 % slope a cell with 9 cells upslope (a = 10) on 10 m cells:

    >>> round(float(ls_invest(np.array([9.5], np.float32), np.array([10.0]), 10.0)[0]), 4)
    0.9199
    """
    ps = np.asarray(slope_pct).astype(F32)
    fa = np.asarray(flow_accumulation, dtype=np.float64)
    out = np.full(ps.shape, np.nan)
    valid = ~np.isnan(ps) & ~np.isnan(fa)
    ps = ps[valid]
    fa = fa[valid]
    chunks = max(1, min(_THREADS, ps.size // 250_000))
    if chunks == 1:
        out[valid] = _ls_invest_valid(ps, fa, float(cell_size), l_max)
        return out
    from concurrent.futures import ThreadPoolExecutor

    # numpy ufuncs release the GIL: the chunks run in parallel, each element computed as in one call
    bounds = np.linspace(0, ps.size, chunks + 1).astype(int)
    with ThreadPoolExecutor(chunks) as pool:
        parts = list(pool.map(lambda i: _ls_invest_valid(ps[bounds[i]:bounds[i + 1]], fa[bounds[i]:bounds[i + 1]],
                                                         float(cell_size), l_max), range(chunks)))
    out[valid] = np.concatenate(parts)
    return out


_THREADS = max(1, min(8, os.cpu_count() or 1))


def _ls_invest_valid(ps: np.ndarray, fa: np.ndarray, cell_size: float, l_max: float) -> np.ndarray:
    """InVEST's ``ls_factor_function`` on valid cells (float32 slope, float64 accumulation)."""
    cell_area = cell_size**2
    contributing_area = np.sqrt((fa - 1) * cell_area)
    rad = np.arctan(ps / 100)
    sin = np.sin(rad)
    aspect_length = np.fabs(sin) + np.fabs(np.cos(rad))
    slope_factor = np.where(ps < 9, 10.8 * sin + 0.03, 16.8 * sin - 0.5)
    big = ps > 9.0
    m_exp = np.empty(ps.shape, dtype=F32)
    sb = sin[big]
    beta = (sb / 0.0896) / (3 * sb**0.8 + 0.56)
    m_exp[big] = beta / (1 + beta)
    m_exp[~big] = np.array([0.2, 0.3, 0.4, 0.5])[np.digitize(ps[~big], np.array([1.0, 3.5, 5.0, 9.0]), right=True)]
    l_factor = (((contributing_area + cell_area) ** (m_exp + 1) - contributing_area ** (m_exp + 1))
                / ((cell_size ** (m_exp + 2)) * (aspect_length**m_exp) * (22.13**m_exp)))
    l_factor[l_factor > l_max] = l_max
    return l_factor * slope_factor


def streams(r: Routing, threshold_flow_accumulation: float) -> np.ndarray:
    """Stream mask (uint8: 1 stream, 0 land, 255 nodata), pygeoprocessing ``extract_streams_mfd``."""
    return routing.extract_streams_mfd(r.flow_accumulation, r.flow_direction, float(threshold_flow_accumulation),
                                       TRACE_THRESHOLD_PROPORTION, BLOCK)


def rkls(ls: np.ndarray, erosivity: np.ndarray, erodibility: np.ndarray, stream: np.ndarray) -> np.ndarray:
    """rkls = R K LS (t ha-1 yr-1), float32, NaN on streams and where an input is nodata.

    >>> float(rkls(np.array([2.0]), np.array([100.0]), np.array([0.5]), np.array([0], np.uint8))[0])
    100.0
    """
    valid = ~np.isnan(ls) & ~np.isnan(erosivity) & ~np.isnan(erodibility) & (stream == 0)
    out = np.full(ls.shape, np.nan, dtype=F32)
    out[valid] = ls[valid] * erosivity[valid] * erodibility[valid]
    return out


def usle(rkls_: np.ndarray, cp: np.ndarray) -> np.ndarray:
    """usle = rkls C P (t ha-1 yr-1), float32 as InVEST (``rkls * cp`` on float32 rasters)."""
    return rkls_.astype(F32) * cp.astype(F32)


def connectivity(r: Routing, c_factor: np.ndarray, stream: np.ndarray, cell_size: float) -> dict[str, np.ndarray]:
    """D_up, D_dn and IC (Borselli et al. 2008) as InVEST 3.20.2 computes them.

    W = max(C, 0.001) and S = clip(slope / 100, 0.005, 1) are float32 (InVEST's rasters);
    W_bar, S_bar = MFD accumulation of W, S over the accumulation in cells;
    D_up = W_bar S_bar sqrt(a D^2) (m); D_dn = pygeoprocessing's MFD distance to a stream weighted by
    1 / (W S) of each downstream cell; IC = log10(D_up / D_dn), float32, NaN where D_up or D_dn is
    nodata or 0 (streams).
    """
    w = _nan32(c_factor)
    w_th = np.where(w < 0.001, F32(0.001), w)
    s_th = (r.slope_pct / 100).astype(F32)
    s_th[s_th < 0.005] = 0.005
    s_th[s_th > 1] = 1
    acc = r.flow_accumulation
    w_acc = routing.accumulate_mfd(r.flow_direction, r.order, w_th.astype(np.float64))
    s_acc = routing.accumulate_mfd(r.flow_direction, r.order, s_th.astype(np.float64))
    d_up = (w_acc / acc) * (s_acc / acc) * np.sqrt(acc * (float(cell_size) ** 2))
    ws_inverse = (1 / (w_th * s_th)).astype(F32)
    d_dn = routing.distance_to_channel_mfd(r.flow_direction, r.order, stream == 1, ws_inverse.astype(np.float64))
    ok = ~np.isnan(d_up) & ~np.isnan(d_dn) & (d_dn != 0) & (d_up != 0)
    ic = np.full(acc.shape, np.nan, dtype=F32)
    ic[ok] = np.log10(d_up[ok] / d_dn[ok])
    return {"d_up": d_up, "d_dn": d_dn, "ic": ic}


def sdr_factor(ic: np.ndarray, stream: np.ndarray, *, k: float = 2.0, ic0: float = 0.5,
               sdr_max: float = 0.8) -> np.ndarray:
    """SDR = SDR_max / (1 + exp((IC_0 - IC) / k)), 1 on streams, float32 (Vigiak et al. 2012).

    >>> float(sdr_factor(np.array([0.5], np.float32), np.array([0], np.uint8))[0])
    0.4000000059604645
    """
    ic = ic.astype(F32)
    valid = ~np.isnan(ic) & (stream != 1)
    out = np.full(ic.shape, np.nan, dtype=F32)
    out[valid] = sdr_max / (1 + np.exp((ic0 - ic[valid]) / k))
    out[stream == 1] = 1
    return out


def invest_sdr(dem: np.ndarray, erosivity: np.ndarray, erodibility: np.ndarray, c_factor: np.ndarray,
               p_factor: np.ndarray, *, x_size: float, y_size: float, threshold_flow_accumulation: float = 1000,
               k: float = 2.0, ic0: float = 0.5, sdr_max: float = 0.8, l_max: float = 122.0,
               with_sdr: bool = True, ls_override=None, on_stage=None) -> dict[str, np.ndarray]:
    """InVEST 3.20.2 SDR (MFD) on co-registered arrays; returns InVEST's rasters by InVEST's names.

    Cells where any input is NaN are nodata everywhere (InVEST's mutual mask). Outputs: ``slope``
    (%), ``flow_accumulation``, ``ls``, ``stream``, ``rkls``, ``usle`` and, with ``with_sdr``,
    ``d_up``, ``d_dn``, ``ic``, ``sdr_factor``, ``sed_export``. ``ls_override(route, ls)`` may replace
    InVEST's LS (another convention); ``on_stage(name)`` is called after "route", "LS", "USLE" and "SDR".
    """
    stage = on_stage or (lambda name: None)
    valid = ~(np.isnan(dem) | np.isnan(erosivity) | np.isnan(erodibility) | np.isnan(c_factor)
              | np.isnan(p_factor))
    dem = np.where(valid, dem, np.nan)
    cell = abs(float(x_size))
    r = route(dem, x_size, y_size)
    stream = streams(r, threshold_flow_accumulation)
    stage("route")
    ls = ls_invest(r.slope_pct, r.flow_accumulation, cell, l_max)
    if ls_override is not None:
        ls = ls_override(r, ls)
    stage("LS")
    erosivity = np.where(valid, erosivity, np.nan)
    erodibility = np.where(valid, erodibility, np.nan)
    rk = rkls(ls, erosivity, erodibility, stream)
    cp = np.where(valid, c_factor * p_factor, np.nan).astype(F32)
    out = {"pit_filled_dem": r.filled, "slope": r.slope_pct, "flow_direction": r.flow_direction,
           "flow_accumulation": r.flow_accumulation, "ls": ls, "stream": stream, "rkls": rk,
           "usle": usle(rk, cp)}
    stage("USLE")
    if not with_sdr:
        return out
    ic = connectivity(r, np.where(valid, c_factor, np.nan), stream, cell)
    sdr = sdr_factor(ic["ic"], stream, k=k, ic0=ic0, sdr_max=sdr_max)
    out.update(ic, sdr_factor=sdr, sed_export=out["usle"] * sdr)
    stage("SDR")
    return out


def totals_by_zone(values_t_ha: np.ndarray, zones: np.ndarray, cell_area_m2: float) -> dict[int, float]:
    """Sum of a per-hectare raster over each zone id (t yr-1): sum(values) * cell area in ha.

    ``zones`` holds integer ids, 0 or negative for none (InVEST ``_generate_report``).

    >>> totals_by_zone(np.array([[1.0, 2.0]]), np.array([[1, 1]]), 10000.0)
    {1: 3.0}
    """
    out = {}
    v = np.asarray(values_t_ha, dtype=np.float64)
    for zone in np.unique(zones[zones > 0]):
        sel = (zones == zone) & ~np.isnan(v)
        out[int(zone)] = float(v[sel].sum() * cell_area_m2 / 10000.0)
    return out
