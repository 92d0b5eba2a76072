"""The susceptibility model on feature tables: a penalised logistic GAM, its plain-data form, the baselines.

Model (a generalised additive model, Hastie & Tibshirani 1990, fitted as a penalised logistic regression
on a B-spline basis, the "P-spline flavour" of Eilers & Marx 1996 with a ridge penalty):

    logit P(landslide | x) = b0 + sum_j sum_k b_jk B_k((x_j - m_j) / s_j)

with ``m_j, s_j`` the training mean and standard deviation of feature j (``StandardScaler``), ``B_k``
cubic B-splines on 5 uniform knots over the training range (``SplineTransformer`` defaults; constant
beyond the range), and the coefficients ``b`` fitted by L2-penalised maximum likelihood with C = 1
(``LogisticRegression`` default). The knots, degree and C are scikit-learn's defaults, not tuned to
this data set (provisional: configurable through :class:`GamOptions`).

Everything (mean, sd, knots, coefficients) is fitted on the rows given, so in cross-validation it sees
the training fold only. :func:`to_dict` writes the fitted numbers as plain JSON-able data and
:func:`predict` applies such a dict with numpy/scipy alone (no pickle); a test checks it equals sklearn.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from minewatch.errors import InvalidInput

#: Features of the susceptibility model: terrain, then the physically based outputs (landslide.py).
FEATURES = ("slope", "plan_curvature", "profile_curvature", "elevation", "log10_catchment_area",
            "factor_of_safety", "probability_of_failure", "relative_wetness")
#: The plain logistic regression baseline (Geocomputation with R, chapter "Statistical learning").
GLM_FEATURES = ("slope", "plan_curvature", "profile_curvature", "elevation", "log10_catchment_area")
MODEL_KIND = "minewatch.susceptibility.gam"
#: Provisional class breaks on the susceptibility (0..1), one per boundary between hazards.model.LEVELS.
DEFAULT_BREAKS = (0.25, 0.5, 0.75)


@dataclass(frozen=True)
class GamOptions:
    """Spline basis and penalty (provisional: scikit-learn's defaults, not tuned)."""

    n_knots: int = 5
    degree: int = 3
    C: float = 1.0
    max_iter: int = 1000


def _matrix(X, n_features: int | None = None) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or (n_features is not None and X.shape[1] != n_features):
        raise InvalidInput(f"feature table must be 2-D with {n_features} columns, got shape {X.shape}")
    return X


def _labels(y) -> np.ndarray:
    y = np.asarray(y)
    if y.dtype != bool:
        if not np.isin(y, (0, 1)).all():
            raise InvalidInput("presence labels must be 0/1 or True/False")
        y = y.astype(bool)
    if y.all() or not y.any():
        raise InvalidInput("fitting needs both presences and absences")
    return y.astype(int)


def fit_gam(X, y, options: GamOptions = GamOptions()):
    """Fit the penalised logistic GAM (sklearn Pipeline: StandardScaler, SplineTransformer, LogisticRegression)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer, StandardScaler

    pipe = make_pipeline(StandardScaler(), SplineTransformer(n_knots=options.n_knots, degree=options.degree),
                         LogisticRegression(C=options.C, max_iter=options.max_iter))
    return pipe.fit(_matrix(X), _labels(y))


def fit_glm(X, y):
    """Plain (unpenalised, C = inf) logistic regression on standardised features, as R's ``glm`` (binomial)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=np.inf, max_iter=1000)).fit(_matrix(X), _labels(y))


def to_dict(pipe, features: Sequence[str], *, breaks: Sequence[float] = DEFAULT_BREAKS,
            options: GamOptions = GamOptions()) -> dict:
    """The fitted GAM as plain data (lists of floats), applicable with :func:`predict`."""
    scaler, splines, logreg = (pipe.steps[k][1] for k in range(3))
    return {
        "kind": MODEL_KIND, "version": 1, "features": list(features),
        "scaler": {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist()},
        "splines": [{"knots": b.t.tolist(), "degree": int(b.k)} for b in splines.bsplines_],
        "extrapolation": "constant",
        "coef": logreg.coef_.ravel().tolist(), "intercept": float(logreg.intercept_[0]),
        "options": {"n_knots": options.n_knots, "degree": options.degree, "C": options.C,
                    "provisional": True, "source": "scikit-learn 1.x defaults (not tuned)"},
        "breaks": [float(b) for b in breaks],
    }


def check_model(model: dict) -> dict:
    """``model`` if it is a susceptibility model dict, else InvalidInput naming what is wrong."""
    if not isinstance(model, dict) or model.get("kind") != MODEL_KIND:
        raise InvalidInput(f"not a susceptibility model (expected kind {MODEL_KIND!r})")
    for key in ("features", "scaler", "splines", "coef", "intercept"):
        if key not in model:
            raise InvalidInput(f"susceptibility model has no {key!r}")
    n = len(model["features"])
    if len(model["splines"]) != n or len(model["scaler"]["mean"]) != n:
        raise InvalidInput(f"susceptibility model: {n} features but {len(model['splines'])} spline bases")
    width = sum(len(s["knots"]) - s["degree"] - 1 for s in model["splines"])
    if len(model["coef"]) != width:
        raise InvalidInput(f"susceptibility model: {len(model['coef'])} coefficients for {width} basis functions")
    return model


def predict(model: dict, X) -> np.ndarray:
    """P(landslide) per row of ``X`` (columns in ``model["features"]`` order) from a :func:`to_dict` model.

    Rows with a NaN feature give NaN. Beyond the training range each spline is held at its boundary
    value (``extrapolation="constant"``).

    >>> m = {"kind": MODEL_KIND, "features": ["x"], "scaler": {"mean": [0.0], "scale": [1.0]},
    ...      "splines": [{"knots": [-3, -2, -1, 0, 1, 2, 3], "degree": 1}], "coef": [0, 0, 0, 0, 0],
    ...      "intercept": 0.0}
    >>> predict(m, np.array([[0.5], [9.0]])).tolist()
    [0.5, 0.5]
    """
    from scipy.interpolate import BSpline

    check_model(model)
    n = len(model["features"])
    X = _matrix(X, n)
    ok = np.isfinite(X).all(axis=1)
    Z = (X[ok] - np.asarray(model["scaler"]["mean"])) / np.asarray(model["scaler"]["scale"])
    cols = []
    for j, s in enumerate(model["splines"]):
        t, k = np.asarray(s["knots"], dtype=np.float64), int(s["degree"])
        z = np.clip(Z[:, j], t[k], t[-k - 1])
        cols.append(BSpline.design_matrix(z, t, k).toarray())
    eta = (np.hstack(cols) if cols else np.empty((len(Z), 0))) @ np.asarray(model["coef"]) + model["intercept"]
    out = np.full(len(X), np.nan)
    out[ok] = 1.0 / (1.0 + np.exp(-eta))
    return out


def classify(p, breaks: Sequence[float] = DEFAULT_BREAKS) -> np.ndarray:
    """Level index (0 low .. 3 very_high, hazards.model.LEVELS) of each susceptibility; -1 where NaN.

    A value equal to a break goes to the upper class. Breaks are provisional (equal quarters of 0..1).

    >>> classify(np.array([0.1, 0.25, 0.6, 0.9, np.nan])).tolist()
    [0, 1, 2, 3, -1]
    """
    breaks = np.asarray(breaks, dtype=np.float64)
    if breaks.size != 3 or np.any(np.diff(breaks) <= 0) or breaks[0] <= 0 or breaks[-1] >= 1:
        raise InvalidInput(f"breaks must be 3 increasing values inside (0, 1), got {breaks.tolist()}")
    p = np.asarray(p, dtype=np.float64)
    out = np.searchsorted(breaks, p, side="right").astype(np.int16)
    out[~np.isfinite(p)] = -1
    return out
