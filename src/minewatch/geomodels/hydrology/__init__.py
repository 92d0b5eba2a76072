"""Hydrology geomodel: depression filling, D8 / D-infinity / MFD flow routing, flow accumulation,
specific catchment area and topographic wetness index (global operators, in memory).

See :mod:`~minewatch.geomodels.hydrology.kernels` for the conventions (outlets, D8 codes, angles,
contour width).
"""

from __future__ import annotations

from minewatch.geomodels.hydrology.compute import compute
from minewatch.geomodels.hydrology.tool import tool
from minewatch.geomodels.spec import Parameter, Spec, Variable

SPEC = Spec(
    id="hydrology",
    title="Depression filling, flow routing (D8, D-infinity, MFD), accumulation, SCA and wetness index",
    inputs=(
        Variable("topographic__elevation", "m", description="DEM, NaN/nodata cells are outlets"),
    ),
    outputs=(
        Variable("topographic__filled_elevation", "m",
                 description="depressions filled by Priority-Flood(+epsilon)", nodata=-9999.0),
        Variable("flow__receiver_direction_d8", "1", dtype="uint8",
                 description="steepest-slope D8, ESRI codes 1 E 2 SE 4 S 8 SW 16 W 32 NW 64 N 128 NE, 0 outlet",
                 nodata=255),
        Variable("flow__dinf_angle", "rad", optional=True,
                 description="D-infinity flow angle counter-clockwise from east (method dinf)", nodata=-9999.0),
        Variable("surface_water__upstream_cell_count", "1",
                 description="cells draining through the cell, itself included", nodata=-9999.0),
        Variable("surface_water__drainage_area", "m2",
                 description="upslope contributing area, the cell itself included", nodata=-9999.0),
        Variable("topographic__specific_contributing_area", "m",
                 description="a = drainage area / contour width (cell width sqrt(dx dy))", nodata=-9999.0),
        Variable("topographic__wetness_index", "1", description="ln(a / tan beta)", nodata=-9999.0),
    ),
    parameters=(
        Parameter("min_tan_slope", "m m-1", 1e-3,
                  description="lower bound of tan(beta) in the wetness index, so flat cells stay finite",
                  source="numerical guard chosen by the project (no published value); see Sorensen, Zinko & "
                         "Seibert (2006) HESS 10, 101-112 on flat-cell treatments",
                  provisional=True, minimum=0.0),
    ),
    citations=(
        "Barnes, R., Lehman, C., Mulla, D. (2014) Priority-flood: An optimal depression-filling and "
        "watershed-labeling algorithm for digital elevation models. Computers & Geosciences 62, 117-127.",
        "O'Callaghan, J.F., Mark, D.M. (1984) The extraction of drainage networks from digital elevation "
        "data. Computer Vision, Graphics, and Image Processing 28, 323-344.",
        "Tarboton, D.G. (1997) A new method for the determination of flow directions and upslope areas in "
        "grid digital elevation models. Water Resources Research 33(2), 309-319.",
        "Freeman, T.G. (1991) Calculating catchment area with divergent flow based on a regular grid. "
        "Computers & Geosciences 17(3), 413-422.",
        "Quinn, P., Beven, K., Chevallier, P., Planchon, O. (1991) The prediction of hillslope flow paths "
        "for distributed hydrological modelling using digital terrain models. Hydrological Processes 5, 59-79.",
        "Beven, K.J., Kirkby, M.J. (1979) A physically based, variable contributing area model of basin "
        "hydrology. Hydrological Sciences Bulletin 24(1), 43-69.",
        "natcap/pygeoprocessing src/pygeoprocessing/routing/routing.pyx flow_dir_mfd (MFD weights as in InVEST).",
    ),
    notes="Global operators run in memory; no tiled path yet. Filled elevation carries float64 epsilon steps.",
)

__all__ = ["SPEC", "compute", "tool"]
