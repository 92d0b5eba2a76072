"""Susceptibility from files: DEM -> feature rasters -> (fit | apply) -> GeoTIFFs, and the validation run.

Features come from the DEM only, through our own geomodels (landslide.py's run_landslide, with its
documented defaults: loam, bare ground, 1.5 m soil, 20-120 mm/day recharge, D-infinity routing):
slope (Zevenbergen & Thorne), plan and profile curvature (terrain), elevation, log10 of the upslope
contributing area (m2, D-infinity), factor of safety, probability of failure and mean relative wetness
(Monte Carlo, seeded). The whole DEM is held in memory (validation DEMs are small; the flow routing
needs it anyway).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.geomodels.susceptibility import kernels as K
from minewatch.geomodels.susceptibility.compute import compute

LEVEL_CODES = {"nodata": -1, "low": 0, "moderate": 1, "high": 2, "very_high": 3}


def dem_features(dem_path, *, band: int = 1, iterations: int = 100, seed: int = 0,
                 work_dir=None) -> tuple[dict[str, np.ndarray], dict]:
    """({feature name: array}, raster profile) of every :data:`kernels.FEATURES` for a DEM."""
    from minewatch.adapters.rasters import read_raster
    from minewatch.geomodels.landslide import run_landslide
    from minewatch.geomodels.terrain import compute as terrain

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(work_dir) if work_dir else Path(tmp)
        paths = run_landslide(dem_path, out, band=band, iterations=iterations, seed=seed)
        grid = read_raster(dem_path, band=band)
        t = terrain(grid.values, grid.dx_m.ravel(), grid.dy_m, method="zevenbergen-thorne",
                    outputs=("plan_curvature", "profile_curvature"))

        def rd(name):
            return read_raster(paths[name]).values

        area = rd("contributing_area")
        feats = {
            "slope": rd("slope"), "plan_curvature": t["plan_curvature"], "profile_curvature": t["profile_curvature"],
            "elevation": grid.values, "log10_catchment_area": np.log10(np.where(area > 0, area, np.nan)),
            "factor_of_safety": rd("factor_of_safety"), "probability_of_failure": rd("probability_of_failure"),
            "relative_wetness": rd("mean_relative_wetness"),
        }
    return feats, grid.profile


def sample(features: dict[str, np.ndarray], profile: dict, xy: np.ndarray, *, rows_label=None) -> np.ndarray:
    """Feature table (points x FEATURES) at the cells holding ``xy`` (raster CRS); InvalidInput names the
    first point outside the raster or on a cell without data (``rows_label[i]`` says which input row)."""
    from rasterio.transform import rowcol

    rows, cols = rowcol(profile["transform"], xy[:, 0], xy[:, 1])
    rows, cols = np.asarray(rows), np.asarray(cols)
    label = rows_label if rows_label is not None else [f"point {i}" for i in range(len(xy))]
    outside = (rows < 0) | (rows >= profile["height"]) | (cols < 0) | (cols >= profile["width"])
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise InvalidInput(f"{label[i]}: x={xy[i, 0]:.2f}, y={xy[i, 1]:.2f} lies outside the DEM "
                           f"({outside.sum()} point(s) outside)")
    X = np.column_stack([features[f][rows, cols] for f in K.FEATURES])
    bad = ~np.isfinite(X).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        missing = [f for f, v in zip(K.FEATURES, X[i]) if not np.isfinite(v)]
        raise InvalidInput(f"{label[i]}: x={xy[i, 0]:.2f}, y={xy[i, 1]:.2f} has no {', '.join(missing)} "
                           f"(DEM nodata or edge cell; {bad.sum()} point(s) affected)")
    return X


def _write_outputs(features: dict, profile: dict, model: dict, out_dir: Path) -> dict[str, Path]:
    from minewatch.adapters.rasters import write_geotiff

    res = compute(features, model)
    out_dir.mkdir(parents=True, exist_ok=True)
    return {"susceptibility": write_geotiff(out_dir / "susceptibility.tif", res["landslide__susceptibility"], profile),
            "susceptibility_class": write_geotiff(out_dir / "susceptibility_class.tif",
                                                  res["landslide__susceptibility_class"], profile,
                                                  nodata=-1, dtype="int16")}


def tool(dem_path, out_dir, *, model_path, band: int = 1, iterations: int = 100, seed: int = 0) -> dict[str, Path]:
    """Apply a saved model (JSON of :func:`kernels.to_dict`) to a DEM: susceptibility.tif (0..1) and
    susceptibility_class.tif (0 low .. 3 very_high, -1 nodata); returns {output: path}."""
    try:
        model = K.check_model(json.loads(Path(model_path).read_text()))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{model_path}: not a readable susceptibility model ({exc})") from exc
    feats, profile = dem_features(dem_path, band=band, iterations=iterations, seed=seed)
    return _write_outputs(feats, profile, model, Path(out_dir))


def validate(inventory_path, dem_path, out_dir, *, band: int = 1, folds: int = 5, repetitions: int = 100,
             seed: int = 0, absences: str = "given", background: int | None = None, buffer_m: float = 50.0,
             crs: str | None = None, presence_column: str | None = None, iterations: int = 100,
             apply: bool = False, on_repetition: Callable[[int, int], None] | None = None) -> dict[str, Path]:
    """Spatial CV of the model and baselines on an inventory; writes report.json, roc.png, model.json
    (fitted on all points) and, with ``apply``, the susceptibility rasters. Returns {name: path}."""
    import minewatch
    from minewatch.geomodels.susceptibility import inventory as inv
    from minewatch.geomodels.susceptibility.validation import cross_validate, default_models

    if absences not in ("given", "sampled"):
        raise InvalidInput(f"absences must be 'given' or 'sampled', not {absences!r}")
    feats, profile = dem_features(dem_path, band=band, iterations=iterations, seed=seed)
    data = inv.read_inventory(inventory_path, raster_crs=profile["crs"], crs=crs, presence_column=presence_column)
    if absences == "given":
        if data.presence is None:
            raise InvalidInput(f"{inventory_path}: no presence column, so there are no absences: "
                               "use --absences sampled")
        xy, y, labels = data.xy, data.presence, data.labels
    else:
        pres = data.presence if data.presence is not None else np.ones(len(data.xy), dtype=bool)
        keep = pres.astype(bool)
        n = int(background if background is not None else keep.sum())
        valid = np.isfinite(np.stack([feats[f] for f in K.FEATURES])).all(axis=0)
        bg = inv.sample_background(valid, profile, data.shapes, n=n, buffer_m=buffer_m,
                                   rng=np.random.default_rng(seed))
        xy = np.vstack([data.xy[keep], bg])
        y = np.r_[np.ones(int(keep.sum()), dtype=bool), np.zeros(len(bg), dtype=bool)]
        labels = [lab for lab, k in zip(data.labels, keep) if k] + [f"background point {i}" for i in range(len(bg))]
    X = sample(feats, profile, xy, rows_label=labels)
    res = cross_validate(X, y, xy, models=default_models(K.FEATURES), folds=folds, repetitions=repetitions,
                         seed=seed, on_repetition=on_repetition)
    model = K.to_dict(K.fit_gam(X, y), K.FEATURES)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"model": out_dir / "model.json"}
    paths["model"].write_text(json.dumps(model, indent=1))
    summary = res.summary()
    report = {
        "code_version": minewatch.__version__,
        "inventory": str(inventory_path), "dem": str(dem_path), "band": band,
        "points": int(len(y)), "presences": int(y.sum()), "absences": int((~y).sum()),
        "absences_source": absences, **({"background_buffer_m": buffer_m} if absences == "sampled" else {}),
        "folds": folds, "repetitions": repetitions, "seed": seed,
        "fold_method": "k-means on point coordinates (sklearn KMeans, n_init=10, random_state=seed+repetition)",
        "models": {
            "susceptibility": {**summary["susceptibility"], "features": list(K.FEATURES),
                               "method": "penalised logistic GAM: StandardScaler + SplineTransformer(5 knots, cubic)"
                                         " + LogisticRegression(L2, C=1), fitted per training fold"},
            "glm": {**summary["glm"], "features": list(K.GLM_FEATURES),
                    "method": "logistic regression, unpenalised (C=inf), standardised features"},
            "slope": {**summary["slope"], "features": ["slope"], "method": "slope (deg) as the score"},
        },
        "fold_auc": {m: a.round(6).tolist() for m, a in res.auc.items()},
        "roc": {"fpr": res.fpr_grid.tolist(), **{m: t.round(6).tolist() for m, t in res.roc_tpr.items()}},
        "peer": {"model": "GLM (logistic regression) on slope, cplan, cprof, elev, log10_carea",
                 "auroc_mean": 0.77, "cv": "100-repeated 5-fold spatial CV (mlr3 repeated_spcv_coords)",
                 "source": "Lovelace, Nowosad & Muenchow, Geocomputation with R (2nd ed.), chapter 12 "
                           "'Statistical learning' (Ecuador lsl data set only)"},
        "outputs": {"model": str(paths["model"])},
    }
    paths["roc"] = plot_roc(report, out_dir / "roc.png")
    report["outputs"]["roc"] = str(paths["roc"])
    if apply:
        paths.update(_write_outputs(feats, profile, model, out_dir))
        report["outputs"].update({k: str(paths[k]) for k in ("susceptibility", "susceptibility_class")})
    paths["report"] = out_dir / "report.json"
    paths["report"].write_text(json.dumps(report, indent=1))
    return paths


def plot_roc(report: dict, path: Path) -> Path:
    """Mean ROC curve per model (fold curves interpolated on a common FPR grid), AUC mean +- sd in the legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    fpr = report["roc"]["fpr"]
    for name in ("susceptibility", "glm", "slope"):
        m = report["models"][name]
        if m["auc_mean"] is None:
            continue
        sd = f" ± {m['auc_sd']:.3f}" if m["auc_sd"] is not None else ""
        ax.plot(fpr, report["roc"][name], label=f"{name}: AUC {m['auc_mean']:.3f}{sd}")
    ax.plot([0, 1], [0, 1], ls=":", color="grey")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(f"spatial CV, {report['folds']} folds x {report['repetitions']} repetitions")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)
