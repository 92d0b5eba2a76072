"""Shallow-landslide stability: infinite-slope factor of safety with root cohesion and surcharge, the SINMAP
stability index, SHALSTAB critical recharge and a Monte Carlo probability of failure (Landlab preset).

Soil thickness is always h, measured perpendicular to the slope (SINMAP's convention); angles in degrees.
"""

from __future__ import annotations

from minewatch.geomodels.slope_stability.compute import compute
from minewatch.geomodels.slope_stability.tool import tool
from minewatch.geomodels.spec import Parameter, Spec, Variable

_LANDLAB = "Landlab 2.11 LandslideProbability source (landslide_probability.py), Strauch et al. 2018"
_SINMAP = "SINMAP 1.0 sindex.c (Tarboton 1998) and manual (Pack et al. 1998)"

SPEC = Spec(
    id="slope_stability",
    title="Shallow landslide stability: factor of safety, SINMAP, SHALSTAB, probability of failure",
    inputs=(
        Variable("topographic__slope", "deg", description="slope angle theta"),
        Variable("topographic__specific_contributing_area", "m",
                 description="upslope area per unit contour width, a"),
        Variable("soil__internal_friction_angle", "deg", description="effective friction angle phi"),
        Variable("soil__cohesion", "Pa", description="effective soil cohesion Cs"),
        Variable("vegetation__root_cohesion", "Pa", optional=True,
                 description="root cohesion Cr; counts only where h <= rooting depth"),
        Variable("vegetation__rooting_depth", "m", optional=True, description="depth reached by roots"),
        Variable("vegetation__surcharge", "Pa", optional=True, description="vertical load per horizontal area, q0"),
        Variable("soil__thickness", "m", description="soil thickness h perpendicular to the slope"),
        Variable("soil__density", "kg m-3", description="wet soil density rho_s"),
        Variable("soil__transmissivity", "m2 d-1", description="saturated transmissivity T"),
        Variable("soil__saturated_hydraulic_conductivity", "m d-1", optional=True,
                 description="Ksat; when given, T = Ksat h in the Monte Carlo"),
        Variable("groundwater__recharge_rate", "m d-1", description="steady-state recharge R"),
    ),
    outputs=(
        Variable("soil__relative_wetness", "1", description="w = min(R a / (T sin theta), 1)"),
        Variable("soil__factor_of_safety", "1"),
        Variable("groundwater__critical_recharge_rate", "m d-1", description="SHALSTAB q_c; NaN when unconditional"),
        Variable("soil__shalstab_class", "1",
                 description="1 unconditionally unstable, 2 recharge-dependent, 3 unconditionally stable"),
        Variable("soil__stability_index", "1", optional=True, description="SINMAP SI"),
        Variable("soil__stability_class", "1", optional=True,
                 description="1 stable, 2 moderately stable, 3 quasi stable, 4 lower threshold, "
                             "5 upper threshold, 6 defended"),
        Variable("soil__saturation_index", "1", optional=True,
                 description="SINMAP saturation: w at the wettest T/R, 2 threshold zone, 3 saturated"),
        Variable("soil__probability_of_failure", "1", optional=True),
        Variable("soil__probability_of_saturation", "1", optional=True),
        Variable("soil__mean_relative_wetness", "1", optional=True),
    ),
    parameters=(
        Parameter("density_ratio", "1", 0.5, "rho_w / rho_s", source=_SINMAP, minimum=0.0, maximum=1.0),
        Parameter("gravity", "m s-2", 9.80665, "standard gravity (Landlab uses scipy.constants.g)", source=_LANDLAB),
        Parameter("sinmap_c_min", "1", 0.0, "lower bound of dimensionless cohesion", source=_SINMAP),
        Parameter("sinmap_c_max", "1", 0.25, "upper bound of dimensionless cohesion", source=_SINMAP),
        Parameter("sinmap_phi_min", "deg", 30.0, "lower friction angle", source=_SINMAP),
        Parameter("sinmap_phi_max", "deg", 45.0, "upper friction angle", source=_SINMAP),
        Parameter("sinmap_tr_min", "m", 2000.0, "lower T/R", source=_SINMAP),
        Parameter("sinmap_tr_max", "m", 3000.0, "upper T/R", source=_SINMAP),
        Parameter("iterations", "1", 250, "Monte Carlo iterations per cell", source=_LANDLAB, minimum=1),
        Parameter("landlab_friction_spread", "1", 0.18, "phi ~ tri(0.82 phi, phi, 1.32 phi) (lower spread; upper 0.32)",
                  source=_LANDLAB),
        Parameter("landlab_thickness_spread", "1", 0.3, "h, T, Ksat ~ tri(0.7 x, x, 1.1 x) (lower spread; upper 0.1)",
                  source=_LANDLAB),
        Parameter("landlab_recharge_min", "mm d-1", 20.0, "uniform recharge lower bound", source=_LANDLAB),
        Parameter("landlab_recharge_max", "mm d-1", 120.0, "uniform recharge upper bound", source=_LANDLAB),
        Parameter("min_thickness", "m", 0.005, "sampled h <= 0 is replaced by this", source=_LANDLAB),
    ),
    citations=(
        "Pack, R.T., Tarboton, D.G., Goodwin, C.N. (1998) The SINMAP approach to terrain stability mapping. "
        "8th Congress of the IAEG, Vancouver; SINMAP user's manual.",
        "Montgomery, D.R., Dietrich, W.E. (1994) A physically based model for the topographic control on shallow "
        "landsliding. Water Resources Research 30, 1153-1171.",
        "Hammond, C., Hall, D., Miller, S., Swetik, P. (1992) Level I Stability Analysis (LISA) documentation. "
        "USDA Forest Service INT-GTR-285.",
        "Strauch, R. et al. (2018) A hydroclimatological approach to predicting regional landslide probability "
        "using Landlab. Earth Surface Dynamics 6, 49-75.",
    ),
    notes="Soil thickness h is perpendicular to the slope (h = z cos theta for a vertical depth z).",
)

__all__ = ["SPEC", "compute", "tool"]
