"""RUSLE and sediment delivery on arrays: the LS convention is chosen here (one dispatch point).

``ls_convention="invest"`` reproduces InVEST 3.20.2 SDR pixel by pixel
(:mod:`~minewatch.geomodels.erosion.sdr`); ``"mccool"`` replaces only the LS factor by McCool S
times the Desmet & Govers (1996) L on the project's MFD accumulation with the aspect-based flow
width x = |sin a| + |cos a| (Desmet & Govers' definition); the stream mask and the sediment
delivery stay InVEST's.
"""

from __future__ import annotations

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.geomodels.erosion import routing, sdr
from minewatch.geomodels.erosion.factors import desmet_govers_l, mccool_s, rusle_m
from minewatch.geomodels.hydrology import kernels as hydrology

LS_CONVENTIONS = ("invest", "mccool")
#: output key -> (InVEST file stem, CSDMS-style name)
OUTPUTS = {
    "pit_filled_dem": "topographic__filled_elevation",
    "slope": "topographic__slope_percent",
    "flow_direction": "flow__mfd_packed_direction",
    "flow_accumulation": "surface_water__upstream_cell_count",
    "ls": "soil_erosion__length_slope_factor",
    "stream": "channel__mask",
    "rkls": "soil__potential_erosion_rate",
    "usle": "soil__erosion_rate",
    "d_up": "sediment__upslope_connectivity_component",
    "d_dn": "sediment__downslope_connectivity_component",
    "ic": "sediment__connectivity_index",
    "sdr_factor": "sediment__delivery_ratio",
    "sed_export": "sediment__export_rate",
}


def ls_mccool(filled: np.ndarray, x_size: float, y_size: float, l_max: float = 122.0) -> np.ndarray:
    """LS = S(theta) min(L, l_max): McCool et al. (1987) S, Desmet & Govers (1996) L, m = beta/(1+beta).

    A_in = (a - 1) D^2 (m2) with a the MFD cell count of :func:`hydrology.flow_accumulation_mfd`;
    theta and the aspect come from the slope gradient (pygeoprocessing's Horn differences with edge
    fallbacks); x = |sin a| + |cos a| = (|dz/dx| + |dz/dy|) / |grad z|, 1 on flat cells.

    >>> z = np.add.outer(np.arange(5.0)[::-1], np.zeros(5))   # 10 % slope facing south, 10 m cells
    >>> round(float(ls_mccool(z, 10.0, -10.0)[2, 2]), 3)
    1.919
    """
    gx, gy = routing.gradient(filled, float(x_size), float(y_size))
    g = np.sqrt(gx * gx + gy * gy)
    theta = np.arctan(g)
    x = np.where(g > 0, (np.abs(gx) + np.abs(gy)) / np.where(g > 0, g, 1.0), 1.0)
    cell = abs(float(x_size))
    acc = hydrology.flow_accumulation_mfd(filled, cell, abs(float(y_size)))
    a_in = np.maximum(acc - 1.0, 0.0) * cell * abs(float(y_size))
    length = np.minimum(desmet_govers_l(a_in, cell, x, rusle_m(theta)), l_max)
    return np.where(np.isnan(filled), np.nan, mccool_s(theta) * length)


def compute(dem: np.ndarray, *, erosivity, erodibility, c_factor: np.ndarray, p_factor: np.ndarray,
            x_size: float, y_size: float, ls_convention: str = "invest", sdr_outputs: bool = True,
            threshold_flow_accumulation: float = 1000, k: float = 2.0, ic0: float = 0.5,
            sdr_max: float = 0.8, l_max: float = 122.0, on_stage=None) -> dict[str, np.ndarray]:
    """RUSLE (and SDR) on co-registered arrays; keys are InVEST's output names (see ``OUTPUTS``);
    ``on_stage(name)`` is called after "route", "LS", "USLE" and "SDR".

    ``erosivity`` (MJ mm ha-1 h-1 yr-1) and ``erodibility`` (t ha h ha-1 MJ-1 mm-1) are arrays or
    numbers; numbers are rounded to float32 as a float32 GeoTIFF would hold them, so a constant
    gives the same result as InVEST run on a constant raster.
    """
    if ls_convention not in LS_CONVENTIONS:
        raise InvalidInput(f"ls_convention must be one of {', '.join(LS_CONVENTIONS)}, not {ls_convention!r}")
    dem = np.asarray(dem, dtype=np.float64)

    def grid(v):
        if np.ndim(v) == 0:
            return np.full(dem.shape, float(np.float32(v)))
        v = np.asarray(v, dtype=np.float64)
        if v.shape != dem.shape:
            raise InvalidInput(f"an input raster has shape {v.shape}, the DEM {dem.shape}")
        return v

    def mccool(r, ls):
        return np.where(np.isnan(ls), np.nan, ls_mccool(r.filled, x_size, y_size, l_max))

    return sdr.invest_sdr(dem, grid(erosivity), grid(erodibility), grid(c_factor), grid(p_factor),
                          x_size=x_size, y_size=y_size, threshold_flow_accumulation=threshold_flow_accumulation,
                          k=k, ic0=ic0, sdr_max=sdr_max, l_max=l_max, with_sdr=sdr_outputs,
                          ls_override=mccool if ls_convention == "mccool" else None, on_stage=on_stage)
