"""Susceptibility model (penalised logistic GAM), its plain-data form, spatial folds and no leakage.

The AUC acceptance with 100 repetitions on the Ecuador data runs once, in
tests/integration/test_hazard_validate.py; here the real data is used with 5 repetitions.
"""

import json

import numpy as np
import pytest

from minewatch.errors import InvalidInput
from minewatch.geomodels.susceptibility import kernels as K
from minewatch.geomodels.susceptibility import validation as V
from minewatch.geomodels.susceptibility.compute import compute
from tests.shared_data import shared_data_path


def _toy(n=200, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(K.FEATURES)))
    y = (X[:, 0] + 0.5 * X[:, 4] ** 2 + rng.normal(scale=0.7, size=n)) > 0.5
    xy = rng.uniform(0, 1000, size=(n, 2))
    return X, y, xy


def test_plain_data_model_equals_sklearn_pipeline():
    X, y, _ = _toy()
    pipe = K.fit_gam(X, y)
    model = json.loads(json.dumps(K.to_dict(pipe, K.FEATURES)))  # through JSON, as saved
    Xt = np.vstack([X, X * 3.0])  # includes values beyond the training range (constant extrapolation)
    np.testing.assert_allclose(K.predict(model, Xt), pipe.predict_proba(Xt)[:, 1], rtol=1e-10, atol=1e-12)


def test_compute_maps_and_classes_with_nodata():
    X, y, _ = _toy()
    model = K.to_dict(K.fit_gam(X, y), K.FEATURES)
    feats = {f: X[:20, j].reshape(4, 5).copy() for j, f in enumerate(K.FEATURES)}
    feats["slope"][0, 0] = np.nan
    out = compute(feats, model)
    p, c = out["landslide__susceptibility"], out["landslide__susceptibility_class"]
    assert np.isnan(p[0, 0]) and c[0, 0] == -1
    assert np.all((p[1:] >= 0) & (p[1:] <= 1))
    np.testing.assert_array_equal(c[1:], np.searchsorted([0.25, 0.5, 0.75], p[1:], side="right"))
    with pytest.raises(InvalidInput, match="missing feature rasters: elevation"):
        compute({k: v for k, v in feats.items() if k != "elevation"}, model)


def test_bad_model_and_breaks_are_clear_errors():
    with pytest.raises(InvalidInput, match="not a susceptibility model"):
        K.check_model({"kind": "pickle"})
    with pytest.raises(InvalidInput, match="breaks must be 3 increasing"):
        K.classify(np.array([0.5]), (0.5, 0.4, 0.9))
    with pytest.raises(InvalidInput, match="both presences and absences"):
        K.fit_gam(np.zeros((4, 2)), [1, 1, 1, 1])


def test_folds_fixed_by_seed_and_differ_between_repetitions():
    _, _, xy = _toy()
    a = V.spatial_folds(xy, folds=5, repetitions=4, seed=7)
    b = V.spatial_folds(xy, folds=5, repetitions=4, seed=7)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (4, 200) and set(np.unique(a)) == set(range(5))
    # repetition r uses seed + r: repetition 1 of seed 7 is repetition 0 of seed 8
    np.testing.assert_array_equal(a[1], V.spatial_folds(xy, folds=5, repetitions=1, seed=8)[0])
    with pytest.raises(InvalidInput, match="folds must be between 2"):
        V.spatial_folds(xy, folds=1)


def test_all_models_see_the_same_folds_and_only_training_rows():
    X, y, xy = _toy()
    seen: dict[str, list] = {"a": [], "b": []}

    def recorder(name):
        def fit(Xtr, ytr):
            seen[name].append(len(Xtr))
            fitted_rows = {tuple(r) for r in Xtr}

            def score(Xte):
                # no test row was given to fit (leakage check)
                assert not fitted_rows & {tuple(r) for r in Xte}
                seen[name].append(-len(Xte))
                return Xte[:, 0]
            return score
        return fit

    res = V.cross_validate(X, y, xy, models={"a": recorder("a"), "b": recorder("b")}, folds=5, repetitions=3)
    assert seen["a"] == seen["b"] and len(seen["a"]) == 2 * 15
    np.testing.assert_array_equal(res.auc["a"], res.auc["b"])
    # the same AUCs twice (fixed seeds)
    again = V.cross_validate(X, y, xy, models={"a": recorder("a")}, folds=5, repetitions=3)
    np.testing.assert_array_equal(again.auc["a"], res.auc["a"])


def test_no_leakage_standardisation_fit_on_training_fold():
    """A fake whose feature is informative only through its scale: the GAM's scaler must come from the
    training fold, so the fitted mean equals the training rows' mean, never the full table's."""
    X, y, xy = _toy()
    labels = V.spatial_folds(xy, folds=5, repetitions=1)
    test = labels[0] == 0
    X2 = X.copy()
    X2[test] += 1000.0  # a shift only in the test fold
    pipe = K.fit_gam(X2[~test], y[~test])
    np.testing.assert_allclose(pipe.steps[0][1].mean_, X2[~test].mean(axis=0))
    knots = np.asarray(pipe.steps[1][1].bsplines_[0].t)
    z = (X2[~test, 0] - pipe.steps[0][1].mean_[0]) / pipe.steps[0][1].scale_[0]
    assert knots[3] == pytest.approx(z.min()) and knots[-4] == pytest.approx(z.max())


@pytest.mark.shared_data
def test_ecuador_features_from_band_4_and_short_cv(tmp_path):
    """Our slope and curvatures from band 4 match the shipped bands (the sampled lsl.csv columns; SAGA,
    spDataLarge SOURCE.md), and on 5 repetitions the model ranks landslides above non-landslides."""
    import pandas as pd

    from minewatch.geomodels.susceptibility.tool import dem_features, sample

    lsl = pd.read_csv(shared_data_path("ecuador-landslides-terrain", "lsl.csv"))
    feats, profile = dem_features(shared_data_path("ecuador-landslides-terrain", "ta.tif"), band=4, iterations=20)
    xy = lsl[["x", "y"]].to_numpy()
    X = sample(feats, profile, xy)
    cols = {f: X[:, j] for j, f in enumerate(K.FEATURES)}
    np.testing.assert_allclose(cols["slope"], lsl.slope, atol=1e-3)
    np.testing.assert_allclose(cols["elevation"], lsl.elev, atol=0.01)
    np.testing.assert_allclose(cols["plan_curvature"], lsl.cplan, atol=1e-4)
    np.testing.assert_allclose(cols["profile_curvature"], lsl.cprof, atol=1e-4)
    # our D-infinity catchment area differs from SAGA's (routing); they still agree closely in rank
    assert np.corrcoef(cols["log10_catchment_area"], lsl.log10_carea)[0, 1] > 0.85
    y = lsl.lslpts.to_numpy()
    res = V.cross_validate(X, y, xy, models=V.default_models(K.FEATURES), repetitions=5)
    s = res.summary()
    assert s["slope"]["auc_mean"] > 0.6 and s["susceptibility"]["auc_mean"] > s["slope"]["auc_mean"]
