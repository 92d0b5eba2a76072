"""Susceptibility on arrays: feature rasters (dict of equal-shape arrays) and a fitted model in, maps out."""

from __future__ import annotations

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.geomodels.susceptibility import kernels as K


def compute(features: dict, model: dict) -> dict[str, np.ndarray]:
    """Susceptibility (0..1) and class (0 low .. 3 very_high, -1 nodata) per cell.

    Parameters
    ----------
    features : {feature name: 2-D array}, every name of ``model["features"]`` (:data:`kernels.FEATURES`).
    model : a fitted model as plain data (:func:`kernels.to_dict`); its ``breaks`` (provisional) class it.

    >>> m = {"kind": K.MODEL_KIND, "features": ["slope"], "scaler": {"mean": [0.0], "scale": [1.0]},
    ...      "splines": [{"knots": [-3, -2, -1, 0, 1, 2, 3], "degree": 1}], "coef": [0, 0, 0, 0, 0],
    ...      "intercept": 1.0}
    >>> out = compute({"slope": np.zeros((1, 2))}, m)
    >>> out["landslide__susceptibility"].round(3).tolist(), out["landslide__susceptibility_class"].tolist()
    ([[0.731, 0.731]], [[2, 2]])
    """
    K.check_model(model)
    names = model["features"]
    missing = [n for n in names if n not in features]
    if missing:
        raise InvalidInput(f"missing feature rasters: {', '.join(missing)}")
    shape = np.shape(features[names[0]])
    if any(np.shape(features[n]) != shape for n in names):
        raise InvalidInput("feature rasters differ in shape")
    X = np.column_stack([np.asarray(features[n], dtype=np.float64).ravel() for n in names])
    p = K.predict(model, X).reshape(shape)
    return {"landslide__susceptibility": p,
            "landslide__susceptibility_class": K.classify(p, model.get("breaks", K.DEFAULT_BREAKS))}
