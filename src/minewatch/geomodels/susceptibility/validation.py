"""Spatial cross-validation of the susceptibility model and its baselines on the same folds.

Folds (Brenning 2012; ``repeated_spcv_coords`` of mlr3spatiotempcv, as in Geocomputation with R,
chapter "Statistical learning"): k-means on the point coordinates splits the points into ``folds``
spatial clusters; each cluster is the test set once. Repetition r uses ``KMeans(random_state=seed + r,
n_init=10)``, so the partition differs between repetitions and is the same on every run.

Models, fitted on the training folds only (all scaling and spline knots included, no leakage):

* ``susceptibility``: the penalised logistic GAM of :mod:`.kernels` on :data:`kernels.FEATURES`;
* ``glm``: plain logistic regression (unpenalised) on slope, curvatures, elevation, log10 catchment area;
* ``slope``: slope alone as the score (no fitting).

Score: ROC AUC of each test fold (Mann-Whitney form, ``sklearn.metrics.roc_auc_score``). A fold with
only one class has no AUC (NaN, counted in ``undefined_folds``). Pure: data and seed in, numbers out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.geomodels.susceptibility import kernels as K

MODELS = ("susceptibility", "glm", "slope")
_FPR_GRID = np.linspace(0.0, 1.0, 101)


def spatial_folds(xy, *, folds: int = 5, repetitions: int = 100, seed: int = 0) -> np.ndarray:
    """Fold label (0..folds-1) of every point in every repetition, shape (repetitions, points).

    >>> xy = np.array([[0, 0], [0, 1], [100, 0], [100, 1]], dtype=float)
    >>> labels = spatial_folds(xy, folds=2, repetitions=1)
    >>> bool(labels[0, 0] == labels[0, 1] != labels[0, 2] == labels[0, 3])
    True
    """
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise InvalidInput(f"coordinates must have shape (points, 2), got {xy.shape}")
    if folds < 2 or folds > len(xy):
        raise InvalidInput(f"folds must be between 2 and the number of points ({len(xy)}), got {folds}")
    if repetitions < 1:
        raise InvalidInput(f"repetitions must be at least 1, got {repetitions}")
    out = np.empty((repetitions, len(xy)), dtype=np.int16)
    # one thread: on 350 points thread start-up costs 50x the clustering itself
    with threadpool_limits(1):
        for r in range(repetitions):
            out[r] = KMeans(n_clusters=folds, n_init=10, random_state=seed + r).fit_predict(xy)
    return out


@dataclass
class CVResult:
    """Fold AUCs per model (repetitions x folds), the folds used, and mean ROC curves."""

    folds: np.ndarray  # (repetitions, points) fold labels
    auc: dict[str, np.ndarray]  # model -> (repetitions, folds)
    roc_tpr: dict[str, np.ndarray] = field(default_factory=dict)  # model -> mean TPR on FPR_GRID

    fpr_grid = _FPR_GRID

    def summary(self) -> dict:
        """{model: {mean, sd, n_folds, undefined_folds}} (sd over all fold AUCs, ddof=1)."""
        out = {}
        for name, a in self.auc.items():
            v = a[np.isfinite(a)]
            out[name] = {"auc_mean": float(v.mean()) if v.size else None,
                         "auc_sd": float(v.std(ddof=1)) if v.size > 1 else None,
                         "n_folds": int(v.size), "undefined_folds": int(a.size - v.size)}
        return out


def _auc_roc(y, score) -> tuple[float, np.ndarray | None]:
    from sklearn.metrics import roc_auc_score, roc_curve

    if y.all() or not y.any():
        return np.nan, None
    fpr, tpr, _ = roc_curve(y, score)
    return float(roc_auc_score(y, score)), np.interp(_FPR_GRID, fpr, tpr)


def default_models(features: Sequence[str], options: K.GamOptions = K.GamOptions()) -> dict[str, Callable]:
    """{model name: fit(X_train, y_train) -> score(X_test)} for the three models of the report."""
    features = list(features)
    missing = [f for f in K.GLM_FEATURES if f not in features]
    if missing or "slope" not in features:
        raise InvalidInput(f"the feature table lacks {missing or ['slope']}")
    gam_cols = [features.index(f) for f in K.FEATURES if f in features]
    glm_cols = [features.index(f) for f in K.GLM_FEATURES]
    slope_col = features.index("slope")

    def gam(Xtr, ytr):
        m = K.fit_gam(Xtr[:, gam_cols], ytr, options)
        return lambda X: m.predict_proba(X[:, gam_cols])[:, 1]

    def glm(Xtr, ytr):
        m = K.fit_glm(Xtr[:, glm_cols], ytr)
        return lambda X: m.predict_proba(X[:, glm_cols])[:, 1]

    def slope(Xtr, ytr):
        return lambda X: X[:, slope_col]

    return {"susceptibility": gam, "glm": glm, "slope": slope}


def cross_validate(X, y, xy, *, models: dict[str, Callable], folds: int = 5, repetitions: int = 100,
                   seed: int = 0, on_repetition: Callable[[int, int], None] | None = None) -> CVResult:
    """Spatial CV of every model on the same folds; ``models`` maps a name to ``fit(X, y) -> score(X)``.

    ``X`` (points, features) must have no NaN (the caller reports which point lacks data).
    """
    from threadpoolctl import threadpool_limits

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(bool)
    if not np.isfinite(X).all():
        bad = int(np.flatnonzero(~np.isfinite(X).all(axis=1))[0])
        raise InvalidInput(f"point {bad} has a missing feature value")
    if len(X) != len(y) or len(y) != len(xy):
        raise InvalidInput(f"{len(X)} feature rows, {len(y)} labels and {len(xy)} coordinates differ")
    labels = spatial_folds(xy, folds=folds, repetitions=repetitions, seed=seed)
    auc = {m: np.full((repetitions, folds), np.nan) for m in models}
    tprs: dict[str, list] = {m: [] for m in models}
    with threadpool_limits(1):
        for r in range(repetitions):
            for k in range(folds):
                test = labels[r] == k
                for name, fit in models.items():
                    score = fit(X[~test], y[~test].astype(int))(X[test])
                    auc[name][r, k], tpr = _auc_roc(y[test], score)
                    if tpr is not None:
                        tprs[name].append(tpr)
            if on_repetition is not None:
                on_repetition(r + 1, repetitions)
    roc = {m: np.mean(v, axis=0) if v else np.full(_FPR_GRID.shape, np.nan) for m, v in tprs.items()}
    return CVResult(folds=labels, auc=auc, roc_tpr=roc)
