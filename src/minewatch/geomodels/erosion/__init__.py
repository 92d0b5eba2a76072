"""Soil erosion: RUSLE factors and InVEST-compatible sediment delivery (issue 9).

``compute`` / ``tool`` run RUSLE (A = R K LS C P, t ha-1 yr-1) and InVEST 3.20.2's sediment
delivery ratio model pixel for pixel (:mod:`~minewatch.geomodels.erosion.sdr`, routing in
:mod:`~minewatch.geomodels.erosion.routing`); the factor equations live in ``factors`` and the
land-cover C and P table in ``cover``.
"""

from __future__ import annotations

from minewatch.geomodels.erosion.compute import compute
from minewatch.geomodels.erosion.tool import tool
from minewatch.geomodels.spec import Parameter, Spec, Variable

_T_HA_YR = "t ha-1 yr-1"

SPEC = Spec(
    id="erosion",
    title="RUSLE soil loss and InVEST 3.20 sediment delivery ratio (pixel-compatible)",
    inputs=(
        Variable("topographic__elevation", "m", description="projected DEM, square cells"),
        Variable("rainfall__erosivity", "MJ mm ha-1 h-1 yr-1", description="R: raster on the DEM grid or a number"),
        Variable("soil__erodibility", "t ha h ha-1 MJ-1 mm-1", description="K: raster on the DEM grid or a number"),
        Variable("land_cover__code", "1", dtype="int32", description="codes of the biophysical table (C, P)"),
    ),
    outputs=(
        Variable("topographic__filled_elevation", "m", description="pit_filled_dem.tif", nodata=-1.0e38),
        Variable("topographic__slope_percent", "%", dtype="float32", description="slope.tif",
                 nodata=3.4028234663852886e38),
        Variable("flow__mfd_packed_direction", "1", dtype="int32",
                 description="flow_direction.tif: 8 x 4-bit MFD weights (pygeoprocessing)", nodata=0),
        Variable("surface_water__upstream_cell_count", "1", description="flow_accumulation.tif, MFD, itself included",
                 nodata=-1.0e38),
        Variable("soil_erosion__length_slope_factor", "1", description="ls.tif", nodata=-1.0e38),
        Variable("channel__mask", "1", dtype="uint8", description="stream.tif: 1 stream, 0 land", nodata=255),
        Variable("soil__potential_erosion_rate", _T_HA_YR, dtype="float32", description="rkls.tif = R K LS",
                 nodata=3.4028234663852886e38),
        Variable("soil__erosion_rate", _T_HA_YR, dtype="float32", description="usle.tif = R K LS C P",
                 nodata=3.4028234663852886e38),
        Variable("sediment__upslope_connectivity_component", "m", optional=True, description="d_up.tif",
                 nodata=-1.0e38),
        Variable("sediment__downslope_connectivity_component", "1", optional=True,
                 description="d_dn.tif (sum of 1/(W S) along MFD paths)", nodata=-1.0),
        Variable("sediment__connectivity_index", "1", dtype="float32", optional=True, description="ic.tif",
                 nodata=3.4028234663852886e38),
        Variable("sediment__delivery_ratio", "1", dtype="float32", optional=True, description="sdr_factor.tif",
                 nodata=3.4028234663852886e38),
        Variable("sediment__export_rate", _T_HA_YR, dtype="float32", optional=True, description="sed_export.tif",
                 nodata=3.4028234663852886e38),
    ),
    parameters=(
        Parameter("threshold_flow_accumulation", "1", 1000, description="cells draining to a stream cell",
                  source="InVEST 3.20.2 SDR sample data default", minimum=1),
        Parameter("k", "1", 2.0, description="Borselli calibration parameter k",
                  source="Vigiak et al. 2012; InVEST default", minimum=0.0),
        Parameter("ic0", "1", 0.5, description="Borselli calibration parameter IC_0",
                  source="Vigiak et al. 2012; InVEST default"),
        Parameter("sdr_max", "1", 0.8, description="maximum SDR", source="Vigiak et al. 2012; InVEST default",
                  minimum=0.0, maximum=1.0),
        Parameter("l_max", "1", 122.0, description="cap of the slope-length factor L",
                  source="InVEST 3.20.2 default (Desmet & Govers 1996 L)", minimum=0.0),
    ),
    citations=(
        "Renard, K.G. et al. (1997) Predicting soil erosion by water: a guide to conservation planning with "
        "RUSLE. USDA Agriculture Handbook 703.",
        "McCool, D.K. et al. (1987, 1989) Revised slope steepness / slope length factor for the USLE. "
        "Trans. ASAE 30(5) 1387-1396; 32(5) 1571-1576.",
        "Desmet, P.J.J., Govers, G. (1996) A GIS procedure for automatically calculating the USLE LS factor on "
        "topographically complex landscape units. J. Soil Water Conserv. 51(5) 427-433.",
        "Borselli, L., Cassi, P., Torri, D. (2008) Prolegomena to sediment and flow connectivity in the landscape. "
        "Catena 75, 268-277.",
        "Vigiak, O. et al. (2012) Comparison of conceptual landscape metrics to define hillslope-scale sediment "
        "delivery ratio. Geomorphology 138, 74-88.",
        "Natural Capital Project (2025) InVEST 3.20.2 Sediment Delivery Ratio (natcap.invest sdr.py; "
        "pygeoprocessing 2.4.11 routing.pyx).",
    ),
    notes="ls_convention 'invest' reproduces InVEST 3.20.2 ls/usle/sed_export bit for bit on the reference case; "
          "'mccool' uses McCool S and Desmet-Govers L with the aspect flow width on the project's MFD. "
          "Inputs must share the DEM grid (no resampling).",
)

__all__ = ["SPEC", "compute", "tool"]
