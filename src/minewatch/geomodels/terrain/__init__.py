"""Terrain: slope, aspect and curvatures of a DEM (local 3 x 3 operators).

Slope and aspect by Horn (1981) (gdaldem's and richdem's default) or by Zevenbergen & Thorne (1987)
(SAGA's default); profile and plan curvature from the Zevenbergen & Thorne polynomial with SAGA's
normalisation and sign (positive convex). Conventions (nodata, edges, flat aspect) in kernels.py.
"""

from minewatch.geomodels.spec import Parameter, Spec, Variable
from minewatch.geomodels.terrain.compute import METHODS, OUTPUTS, compute
from minewatch.geomodels.terrain.tool import tool

SPEC = Spec(
    id="terrain",
    title="Slope, aspect and curvature (Horn 1981; Zevenbergen & Thorne 1987)",
    inputs=(
        Variable("topographic__elevation", "m", description="DEM, rows north to south; NaN or the file's nodata "
                 "is nodata; projected (metres) or geographic (degrees: cell size from latitude, WGS84)"),
    ),
    outputs=(
        Variable("topographic__slope", "deg", nodata=-9999.0, description="slope angle"),
        Variable("topographic__aspect", "deg", nodata=-9999.0,
                 description="downslope direction, clockwise from north in [0, 360); -1 on flat cells"),
        Variable("topographic__profile_curvature", "m-1", nodata=-9999.0,
                 description="curvature along the slope line; positive convex (SAGA sign)"),
        Variable("topographic__plan_curvature", "m-1", nodata=-9999.0,
                 description="curvature of the contour; positive convex (SAGA sign)"),
    ),
    parameters=(
        Parameter("method", "1", None, description="slope/aspect stencil: 'horn' (default) or 'zevenbergen-thorne'"),
    ),
    citations=(
        "Horn, B.K.P. (1981) Hill shading and the reflectance map. Proceedings of the IEEE 69(1), 14-47.",
        "Zevenbergen, L.W., Thorne, C.R. (1987) Quantitative analysis of land surface topography. "
        "Earth Surface Processes and Landforms 12(1), 47-56.",
        "GDAL gdaldem documentation, https://gdal.org/programs/gdaldem.html (slope, aspect).",
    ),
    notes="Edges and cells whose 3x3 window touches nodata are nodata (as gdaldem without -compute_edges).",
    extra={"outputs": OUTPUTS, "methods": METHODS, "halo": 1},
)

__all__ = ["SPEC", "compute", "tool"]
