"""Landslide susceptibility (issue 8): a penalised logistic GAM on terrain and physically based features,
validated by spatial cross-validation (k-means folds) against slope alone and a plain logistic regression.

Method and measured AUCs: docs/models/susceptibility.md.
"""

from minewatch.geomodels.spec import Parameter, Spec, Variable
from minewatch.geomodels.susceptibility.compute import compute
from minewatch.geomodels.susceptibility.kernels import DEFAULT_BREAKS, FEATURES, GLM_FEATURES
from minewatch.geomodels.susceptibility.tool import tool, validate

SPEC = Spec(
    id="susceptibility",
    title="Landslide susceptibility: penalised logistic GAM on terrain and slope-stability outputs",
    inputs=(
        Variable("topographic__slope", "deg"),
        Variable("topographic__plan_curvature", "m-1"),
        Variable("topographic__profile_curvature", "m-1"),
        Variable("topographic__elevation", "m"),
        Variable("surface_water__log10_drainage_area", "log10(m2)"),
        Variable("soil__factor_of_safety", "1"),
        Variable("soil__probability_of_failure", "1"),
        Variable("soil__mean_relative_wetness", "1"),
    ),
    outputs=(
        Variable("landslide__susceptibility", "1", nodata=-9999.0, description="P(landslide) from the fitted model"),
        Variable("landslide__susceptibility_class", "1", dtype="int16", nodata=-1,
                 description="0 low, 1 moderate, 2 high, 3 very_high (hazards.model.LEVELS)"),
    ),
    parameters=(
        Parameter("n_knots", "1", 5, source="scikit-learn SplineTransformer default", provisional=True),
        Parameter("degree", "1", 3, source="scikit-learn SplineTransformer default", provisional=True),
        Parameter("C", "1", 1.0, description="inverse L2 penalty", source="scikit-learn LogisticRegression default",
                  provisional=True),
        *(Parameter(f"break_{i}", "1", b, description="class break on the susceptibility",
                    source="equal quarters of 0..1 (no published breaks for this model)", provisional=True)
          for i, b in enumerate(DEFAULT_BREAKS)),
    ),
    citations=(
        "Hastie, T., Tibshirani, R. (1990) Generalized Additive Models. Chapman & Hall.",
        "Eilers, P.H.C., Marx, B.D. (1996) Flexible smoothing with B-splines and penalties. Statistical Science 11(2).",
        "Brenning, A. (2012) Spatial cross-validation and bootstrap for the assessment of prediction rules in "
        "remote sensing: the R package sperrorest. IGARSS 2012, 5372-5375.",
        "Lovelace, R., Nowosad, J., Muenchow, J. (2025) Geocomputation with R, 2nd ed., ch. 12 Statistical learning.",
        "Muenchow, J., Brenning, A., Richter, M. (2012) Geomorphic process rates of landslides along a humidity "
        "gradient in the tropical Andes. Geomorphology 139-140, 271-284.",
    ),
    notes="Features from the DEM by our geomodels (terrain, hydrology, landslide.run_landslide). Fitted per "
          "training fold in validation; saved as plain JSON (kernels.to_dict).",
    extra={"features": FEATURES, "glm_features": GLM_FEATURES},
)

__all__ = ["SPEC", "compute", "tool", "validate"]
