"""The binary-outcome study (the clinical template), and the pieces the survival variant shares.

On the training set only: feature filtering and z-scores (:class:`~radiome.study.artifacts.
FeaturePrep`), a cross-validated LASSO logistic regression (glmnet-compatible, lambda.1se by
default) whose selected features and coefficients form the Rad-score

.. math:: \\text{Rad-score} = \\hat\\beta_0 + \\sum_{j \\in S} \\hat\\beta_j\\,
          \\frac{x_j - \\bar x_j}{s_j},

then the models: **Rad-score** (logistic recalibration of the Rad-score), **Clinical**
(:class:`~radiome.model.clinical.ClinicalModelBuilder`: univariable screen, multivariable
model), **Combined** (the clinical model's predictors plus the Rad-score,
:class:`~radiome.model.clinical.CombinedModel`) and optionally **Auto**
(:class:`~radiome.model.auto.AutoModel`). A model that cannot be fitted (separation,
non-convergence) is reported in the warnings and the others go on.

Each model is evaluated on every set (train, test; or the pooled out-of-fold 'cv' set): ROC
AUC with DeLong CI (:func:`~radiome.evaluate.roc.roc_analysis`), threshold metrics at the
Youden cut-off chosen on the training set (:func:`~radiome.evaluate.threshold.
threshold_metrics`), calibration curve, intercept/slope, Brier and Hosmer-Lemeshow
(:mod:`radiome.evaluate.calibration`), decision curves of all models together
(:func:`~radiome.evaluate.dca.decision_curve`) and DeLong tests between models
(:func:`~radiome.evaluate.roc.delong_test`); then the nomogram of the combined model
(:class:`~radiome.model.nomogram.Nomogram`, scales from the training data), the
correlation heat-map of the selected features and, for the auto-model, a SHAP summary.

The LASSO is :class:`~radiome.select.lasso.LassoLogisticCV` (glmnet-compatible) inside a
:class:`~radiome.model.radscore.RadScore` (``standardize=True``), with stratified, seeded folds.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from radiome.errors import DataError, RadiomeError
from radiome.study.artifacts import Collector, FeaturePrep, StudyModel

if TYPE_CHECKING:  # pragma: no cover
    from radiome.study.config import StudyConfig
    from radiome.study.runner import PreparedData

__all__ = ["LassoFit", "PathPoint", "fit_lasso", "analyse_binary", "fit_binary", "ExpitModel", "radscore_formula"]

Warn = Callable[[str], None]
_FITTING_ERRORS = (RadiomeError, np.linalg.LinAlgError, ValueError, FloatingPointError)


# --------------------------------------------------------------------------- LASSO

@dataclass(frozen=True)
class LassoFit:
    """The fitted Rad-score (:class:`~radiome.model.radscore.RadScore`, ``standardize=True``,
    with a cross-validated :class:`~radiome.select.lasso.LassoLogisticCV` or
    :class:`~radiome.select.lasso.LassoCoxCV` selector) and which lambda it uses.

    ``cv`` is the cross-validated selector (path, CV curve, lambda.min, lambda.1se); ``rule``
    says which lambda gives the Rad-score: ``'1se'``, ``'min'``, or a fallback when the rule
    selected no feature.
    """

    radscore: Any
    cv: Any
    rule: str
    lambda_: float
    n_folds: int

    @property
    def selected(self) -> dict[str, float]:
        """Selected feature -> coefficient (z-score scale), largest |coefficient| first."""
        c = self.radscore.coefficients_
        c = c.reindex(c.abs().sort_values(ascending=False, kind="stable").index)
        return {str(k): float(v) for k, v in c.items()}

    @property
    def intercept(self) -> float:
        return float(self.radscore.intercept_)


class PathPoint(BaseEstimator):
    """A fixed point of a fitted LASSO path used as a Rad-score selector (``fit`` keeps the
    given coefficients): the fallback when lambda.1se and lambda.min select no feature."""

    def __init__(self, coef: Any = None, intercept: float = 0.0, lam: float = float("nan")) -> None:
        self.coef = coef
        self.intercept = intercept
        self.lam = lam

    def fit(self, X: Any, y: Any = None) -> "PathPoint":
        self.coef_ = np.asarray(self.coef, float).copy()
        self.intercept_ = float(self.intercept)
        return self


def fold_ids(strata: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Stratified fold labels 0..k-1: each stratum shuffled (seeded) and dealt round-robin, so
    every fold gets its share of a rare class (and of events) even when there are fewer than k."""
    rng = np.random.default_rng(seed)
    out = np.empty(len(strata), dtype=int)
    start = 0
    for level in np.unique(strata):
        idx = np.flatnonzero(strata == level)
        idx = idx[rng.permutation(idx.size)]
        out[idx] = (start + np.arange(idx.size)) % k
        start += idx.size
    return out


def fit_lasso(X: pd.DataFrame, y: np.ndarray | None = None, *, time: np.ndarray | None = None,
              event: np.ndarray | None = None, folds: int = 10, alpha: float = 1.0, rule: str = "1se",
              seed: int = 0, warn: Warn | None = None) -> LassoFit:
    """Rad-score by cross-validated LASSO: logistic with ``y``, Cox with ``time``/``event``.

    ``X`` holds the training features (raw values; :class:`~radiome.model.radscore.RadScore`
    z-scores them). Folds: stratified by the outcome (event), ``min(folds, minority count)`` of
    them (at least 3). When the rule's lambda selects no feature, lambda.min is used, then the
    first lambda of the path with a nonzero coefficient (with a warning).
    """
    from radiome.model.radscore import RadScore
    from radiome.select.lasso import LassoCoxCV, LassoLogisticCV

    strata = (y if y is not None else event).astype(int)  # type: ignore[union-attr]
    n_min = int(min(strata.sum(), len(strata) - strata.sum()))
    if n_min < 2:
        raise DataError(f"the LASSO needs at least 2 cases of each class (events) in the training set; "
                        f"it has {n_min}")
    k = max(3, min(int(folds), n_min))
    foldid = fold_ids(strata, k, seed) + 1
    target: Any = y if y is not None else (np.asarray(time, float), np.asarray(event, int))

    def radscore(selector: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return RadScore(selector=selector, standardize=True, digits=4).fit(X, target)

    make = LassoLogisticCV if y is not None else LassoCoxCV
    rs = radscore(make(alpha=alpha, foldid=foldid, rule=rule, random_state=seed))
    cv, used = rs.selector_, rule
    if rs.coefficients_.empty:
        if np.any(cv.coef_path_[cv.index_min_] != 0):
            used = "min (lambda.1se selected no feature)"
            rs = radscore(PathPoint(cv.coef_path_[cv.index_min_], cv.intercept_path_[cv.index_min_], cv.lambda_min_))
            lam = cv.lambda_min_
        else:
            nz = np.flatnonzero(np.any(cv.coef_path_ != 0, axis=1))
            if nz.size == 0:
                raise DataError("the LASSO selected no feature at any lambda: the features carry no signal the "
                                "path can use")
            i = int(nz[0])
            used = "first lambda with a feature (lambda.1se and lambda.min selected none)"
            rs = radscore(PathPoint(cv.coef_path_[i], cv.intercept_path_[i], cv.lambdas_[i]))
            lam = float(cv.lambdas_[i])
        if warn:
            warn(f"LASSO: lambda.{rule} selected no feature; used {used}.")
    else:
        lam = float(cv.lambda_)
    return LassoFit(rs, cv, used, float(lam), k)


def radscore_formula(fit: LassoFit) -> str:
    """``Rad-score = b0 + b1 × z(feature1) − ...`` with how z is computed (training mean, SD)."""
    return (fit.radscore.formula(digits=4, times="×")
            + "; z(x) = (x − training mean) / training SD (divisor n), given in the lasso_coefficients table")


def lasso_outputs(fit: LassoFit, prep: FeaturePrep, col: Collector, kind: str) -> None:
    """Tables ``lasso_coefficients``, ``lasso_cv``, ``lasso_path``, ``radscore_formula`` and the
    LASSO path and CV figures (:meth:`~radiome.select.lasso.LassoLogisticCV.plot_path`,
    ``plot_cv``); section ``selection``."""
    from radiome.report.style import get_axes

    rs, cv = fit.radscore, fit.cv
    sel = fit.selected
    coef = pd.DataFrame({"feature": list(sel), "coefficient": list(sel.values()),
                         "training_mean": [float(rs.means_[f]) for f in sel],
                         "training_sd": [float(rs.scales_[f]) for f in sel]})
    coef[("odds_ratio_per_sd" if kind == "binary" else "hazard_ratio_per_sd")] = np.exp(coef["coefficient"])
    col.table("lasso_coefficients", coef, "Selected features, LASSO coefficients (z-score scale) and the training "
              "mean and SD (divisor n) that define each z-score.", float_format=4)
    lambdas = np.asarray(cv.lambdas_, float)
    loglam = np.log(lambdas)
    col.table("lasso_cv", pd.DataFrame({
        "lambda": lambdas, "log_lambda": loglam, "cv_deviance": cv.cv_mean_, "cv_sd": cv.cv_sd_,
        "n_nonzero": cv.n_nonzero_path_, "lambda_min": np.isclose(lambdas, cv.lambda_min_),
        "lambda_1se": np.isclose(lambdas, cv.lambda_1se_), "chosen": np.isclose(lambdas, fit.lambda_)}),
        f"Cross-validated deviance ({fit.n_folds} folds) along the LASSO path.", float_format=4)
    names = list(map(str, rs.feature_names_in_))
    ever = np.flatnonzero(np.any(cv.coef_path_ != 0, axis=0))
    long = pd.DataFrame([(lam, ll, names[j], cv.coef_path_[i, j]) for j in ever
                         for i, (lam, ll) in enumerate(zip(lambdas, loglam))],
                        columns=["lambda", "log_lambda", "feature", "coefficient"])
    col.table("lasso_path", long, "LASSO coefficient paths (z-score scale) of every feature that enters the path.",
              float_format=4)
    formula = radscore_formula(fit)
    col.table("radscore_formula", pd.DataFrame({"formula": [formula]}), "The Rad-score formula.")
    ax = cv.plot_path(get_axes(figsize=(5.5, 5.2)), label_top=min(8, max(len(sel), 1)))
    ax.set_ylabel("Coefficient (z-score scale)")
    ax.set_title(f"LASSO path: {len(sel)} feature(s) at λ used ({fit.rule.split(' ')[0]})", fontsize=10)
    col.figure("lasso_path", ax, "LASSO coefficient paths against log(λ), with λmin and λ1se marked.")
    ax = cv.plot_cv(get_axes(figsize=(5.5, 4.2)))
    col.figure("lasso_cv", ax, f"{fit.n_folds}-fold cross-validated deviance (mean ± SE) against log(λ), with "
               "λmin and λ1se marked; top axis: features in the model.")
    text = [f"{len(prep.columns_)} candidate features entered the LASSO (after dropping {len(prep.dropped_)} "
            f"non-finite, constant or redundant columns); λmin = {cv.lambda_min_:.4g}, λ1se = {cv.lambda_1se_:.4g}; "
            f"λ used ({fit.rule}) = {fit.lambda_:.4g} selected {len(sel)} feature(s)."]
    col.section("selection", "Feature selection (LASSO)", text, figures=["lasso_path", "lasso_cv"],
                tables=["lasso_coefficients", "lasso_cv", "lasso_path"])


# --------------------------------------------------------------------------- shared helpers

def impute_values(train: pd.DataFrame, clinical: list[str], categorical: list[str]) -> dict[str, Any]:
    """Training median (numeric) or most frequent level (categorical) of each clinical column."""
    out: dict[str, Any] = {}
    for c in clinical:
        s = train[c].dropna()
        if s.empty:
            continue
        if c in categorical:
            out[c] = str(s.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).mode().iloc[0])
        else:
            out[c] = float(pd.to_numeric(s, errors="coerce").median())
    return out


def correlation_outputs(z_train: pd.DataFrame, selected: list[str], col: Collector) -> None:
    """Spearman correlation of the selected features (training set): table, heat-map, section."""
    corr = z_train[selected].corr(method="spearman")
    col.table("correlation", corr, "Spearman correlation of the selected features (training set).", index=True)
    ax = None
    try:
        from radiome.report.figures import correlation_heatmap
    except ImportError:
        correlation_heatmap = None
    if correlation_heatmap is not None and len(selected) >= 2:
        ax = correlation_heatmap(z_train[selected])
    else:
        from radiome.report.style import get_axes

        size = min(2.5 + 0.45 * len(selected), 10)
        ax = get_axes(figsize=(size + 1.5, size))
        im = ax.imshow(corr.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_xticks(range(len(selected)), labels=selected, rotation=90, fontsize=7)
        ax.set_yticks(range(len(selected)), labels=selected, fontsize=7)
        ax.figure.colorbar(im, ax=ax, label="Spearman r", shrink=0.8)
    col.figure("correlation", ax, "Correlation heat-map (Spearman) of the selected features, training set.")
    upper = corr.where(np.triu(np.ones(corr.shape, bool), 1)).abs().stack()
    text = [f"The {len(selected)} selected feature(s) have a largest absolute pairwise Spearman correlation of "
            f"{upper.max():.3f} on the training set." if len(upper) else "A single feature was selected."]
    col.section("correlation", "Correlation of the selected features", text, figures=["correlation"],
                tables=["correlation"])


def model_summary_table(name: str, table: pd.DataFrame, col: Collector, caption: str) -> str:
    key = "model_" + name.lower().replace("-", "").replace(" ", "_") + "_summary"
    col.table(key, table.reset_index().rename(columns={"index": "term"}), caption, float_format=4)
    return key


def nomogram_outputs(nomo: Any, name: str, col: Collector, text: list[str], tables: list[str] = ()) -> None:
    col.table("nomogram_points", nomo.table(), f"Nomogram scales of the {name} model: points per predictor value, "
              "total points, linear predictor and outcome axes.")
    col.figure("nomogram", nomo.plot(), f"Nomogram of the {name} model (scales from the training data).")
    col.section("nomogram", f"Nomogram ({name} model)", text, figures=["nomogram"],
                tables=["nomogram_points", *tables])


# --------------------------------------------------------------------------- models

class ExpitModel:
    """The LASSO's own probability, :math:`\\mathrm{expit}(\\text{Rad-score})`: the Rad-score
    model when its logistic recalibration cannot be fitted (complete separation)."""

    classes_ = np.array([0, 1])

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-np.asarray(X, float)[:, 0]))
        return np.column_stack([1 - p, p])


def _fit(name: str, make: Callable[[], Any], warn: Warn) -> Any:
    """``make()``, or None with a warning when the fit fails; fitting warnings worth reading are kept."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = make()
        except _FITTING_ERRORS as exc:
            warn(f"The {name} model could not be fitted ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
                 "it is left out and the other models go on.")
            return None
    for w in caught:
        msg = str(w.message).splitlines()[0] if str(w.message) else ""
        if "no predictor has univariable" in msg or "did not converge" in msg.lower():
            warn(f"{name} model: {msg}")
    return model


def fit_binary(train: pd.DataFrame, data: "PreparedData", cfg: "StudyConfig", warn: Warn,
               quiet: bool = False) -> tuple[StudyModel, LassoFit, dict[str, Any]]:
    """Fit the whole pipeline on ``train`` (features, clinical columns, ``_y``)."""
    from radiome.model.clinical import ClinicalModelBuilder, CombinedModel
    from radiome.model.logistic import LogisticModel

    seed = cfg.design.seed
    y = train["_y"].to_numpy(int)
    prep = FeaturePrep(cfg.selection.correlation_threshold).fit(train[data.feature_columns],
                                                                data.impute_rows.reindex(train.index, fill_value=False))
    lasso = fit_lasso(prep.impute(train), y, folds=cfg.selection.cv_folds, alpha=cfg.selection.alpha,
                      rule=cfg.selection.lambda_rule, seed=seed, warn=None if quiet else warn)
    impute = impute_values(train, data.clinical, data.categorical) if cfg.missing.clinical == "impute" else {}
    model = StudyModel("binary", prep, lasso.radscore, data.clinical, data.categorical, impute)
    design = model.design(train)
    extras: dict[str, Any] = {"design": design, "excluded_predictors": []}
    rs = _fit("Rad-score", lambda: LogisticModel().fit(design[["rad_score"]], y), warn)
    if rs is None:
        rs = ExpitModel()
        warn("Rad-score model: the logistic recalibration failed; the LASSO probability expit(Rad-score) is used.")
    model.models["Rad-score"], model.inputs["Rad-score"] = rs, ["rad_score"]
    usable = []
    for c in data.clinical:
        m = _fit(f"univariable {c}", lambda c=c: LogisticModel().fit(design[[c]], y), lambda msg: None)
        if m is None:
            extras["excluded_predictors"].append(c)
            warn(f"Clinical predictor {c!r} was left out of the clinical models: its univariable logistic model "
                 "cannot be fitted on the training set (separation or a level without events).")
        else:
            usable.append(c)
    clin_predictors: list[str] = []
    if cfg.models.clinical and usable:
        cm = _fit("Clinical", lambda: ClinicalModelBuilder(screen_p=cfg.models.screen_p,
                                                           method=cfg.models.clinical_method).fit(design[usable], y), warn)
        if cm is not None:
            model.models["Clinical"], model.inputs["Clinical"] = cm, usable
            clin_predictors = list(cm.predictors_)
    elif cfg.models.clinical and not quiet:
        warn("No usable clinical predictor: the clinical model is not fitted.")
    if cfg.models.combined and clin_predictors:
        cb = _fit("Combined", lambda: CombinedModel(clinical=clin_predictors, radscore_column="rad_score")
                  .fit(design[clin_predictors + ["rad_score"]], y), warn)
        if cb is not None:
            model.models["Combined"], model.inputs["Combined"] = cb, clin_predictors + ["rad_score"]
    if cfg.models.auto:
        from radiome.model.auto import AutoModel

        am = _fit("Auto", lambda: AutoModel(budget=cfg.models.auto_budget, random_state=seed)
                  .fit(design[prep.columns_], y), warn)
        if am is not None:
            model.models["Auto"], model.inputs["Auto"] = am, list(prep.columns_)
    if not cfg.models.radscore and len(model.models) > 1:
        model.models.pop("Rad-score")
        model.inputs.pop("Rad-score")
    return model, lasso, extras


# --------------------------------------------------------------------------- evaluation

def _predictions(data: "PreparedData", cfg: "StudyConfig", model: StudyModel, col: Collector) -> dict[str, pd.DataFrame]:
    """Per set: a frame with ``_y`` and one probability column per model."""
    f = data.frame
    out: dict[str, pd.DataFrame] = {}
    for s in data.sets:
        if s == "cv":
            continue
        part = f[f["set"] == s]
        d = model.design(part)
        out[s] = pd.DataFrame({name: model.score(name, d) for name in model.models}, index=part.index)
        out[s].insert(0, "_y", part["_y"].astype(int))
    if "cv" in data.sets:
        assert data.folds is not None
        oof = pd.DataFrame(np.nan, index=f.index, columns=list(model.models))
        failed: set[str] = set()
        for k in np.unique(data.folds):
            tr, te = f.iloc[data.folds != k], f.iloc[data.folds == k]
            notes: list[str] = []
            try:
                m_k, _, _ = fit_binary(tr, data, cfg, notes.append, quiet=True)
            except _FITTING_ERRORS as exc:
                col.warn(f"Cross-validation fold {k + 1}: the pipeline could not be fitted ({exc}); its cases have "
                         "no out-of-fold prediction.")
                continue
            d = m_k.design(te)
            for name in model.models:
                if name in m_k.models:
                    oof.loc[te.index, name] = m_k.score(name, d)
                else:
                    failed.add(name)
        for name in sorted(failed):
            col.warn(f"The {name} model failed in at least one cross-validation fold; its 'cv' results use the "
                     "folds where it was fitted.")
        oof.insert(0, "_y", f["_y"].astype(int))
        out["cv"] = oof
    return out


def _est_row(model: str, s: str, metric: str, e: Any) -> dict[str, Any]:
    if hasattr(e, "value"):
        return {"model": model, "set": s, "metric": metric, "value": e.value, "lower": e.lower, "upper": e.upper}
    return {"model": model, "set": s, "metric": metric, "value": float(e), "lower": np.nan, "upper": np.nan}


def _evaluate(preds: dict[str, pd.DataFrame], model: StudyModel, cfg: "StudyConfig", col: Collector) -> dict[str, Any]:
    from radiome.evaluate.calibration import calibration_curve, calibration_metrics, hosmer_lemeshow
    from radiome.evaluate.dca import decision_curve
    from radiome.evaluate.roc import delong_test, roc_analysis
    from radiome.evaluate.threshold import threshold_metrics
    from radiome.report.style import LINESTYLES, color, get_axes

    ev = cfg.evaluation
    seed = cfg.design.seed
    metrics, thr_rows, cal_rows, roc_rows, curve_rows, dl_rows, dca_frames = [], [], [], [], [], [], []
    figs: dict[str, list[str]] = {"roc": [], "calibration": [], "dca": []}
    res: dict[str, Any] = {"auc": {}, "cut": {}}
    names = list(model.models)
    for s, P in preds.items():
        y = P["_y"].to_numpy(int)
        usable = [m for m in names if P[m].notna().all()]
        if np.unique(y).size < 2:
            col.warn(f"The {s} set holds one outcome class only ({int(y.sum())} events in {len(y)}): ROC, "
                     "calibration and decision curves are not defined there.")
            continue
        roc_ax = get_axes(figsize=(4.8, 4.6))
        cal_ax = get_axes(figsize=(4.8, 4.6))
        cal_ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="Ideal")
        rocs = {}
        for i, m in enumerate(usable):
            p = P[m].to_numpy(float)
            roc = roc_analysis(y, p, ci="delong", level=ev.level)
            rocs[m] = roc
            res["auc"][(m, s)] = roc.auc
            roc.plot(roc_ax, label=m, color=color(i))
            metrics.append(_est_row(m, s, "auc", roc.auc))
            roc_rows += [{"model": m, "set": s, "fpr": a, "tpr": b, "threshold": t}
                         for a, b, t in zip(roc.fpr, roc.tpr, roc.thresholds)]
            if s == "train" or m not in res["cut"]:
                tm = threshold_metrics(y, p, threshold="youden", level=ev.level, n_bootstrap=ev.n_bootstrap,
                                       random_state=seed)
                res["cut"][m] = tm.threshold
                model.thresholds[m] = float(tm.threshold)
            if s != "train":
                tm = threshold_metrics(y, p, threshold=float(res["cut"][m]), level=ev.level,
                                       n_bootstrap=ev.n_bootstrap, random_state=seed)
            for metric in ("sensitivity", "specificity", "accuracy", "ppv", "npv", "f1", "youden"):
                e = getattr(tm, metric)
                thr_rows.append({"model": m, "set": s, "cutoff": tm.threshold, "metric": metric, "value": e.value,
                                 "lower": e.lower, "upper": e.upper})
                metrics.append(_est_row(m, s, metric, e))
            metrics.append(_est_row(m, s, "cutoff", tm.threshold))
            try:
                cm = calibration_metrics(y, p, level=ev.level)
                hl = hosmer_lemeshow(y, p, g=ev.hl_groups)
                cc = calibration_curve(y, p, method=ev.calibration_curve, level=ev.level)
            except _FITTING_ERRORS as exc:
                col.warn(f"Calibration of the {m} model on the {s} set failed ({exc}).")
                continue
            row = {"model": m, "set": s, "brier": cm.brier, "scaled_brier": cm.scaled_brier,
                   "intercept": cm.intercept.value, "intercept_lower": cm.intercept.lower,
                   "intercept_upper": cm.intercept.upper, "slope": cm.slope.value, "slope_lower": cm.slope.lower,
                   "slope_upper": cm.slope.upper, "hl_chi2": hl.statistic, "hl_df": hl.df, "hl_p": hl.p_value}
            cal_rows.append(row)
            for k in ("brier", "scaled_brier", "hl_chi2", "hl_p"):
                metrics.append(_est_row(m, s, k, row[k]))
            metrics.append(_est_row(m, s, "calibration_intercept", cm.intercept))
            metrics.append(_est_row(m, s, "calibration_slope", cm.slope))
            cf = cc.to_frame()
            curve_rows += [{"model": m, "set": s, **r} for r in cf.to_dict(orient="records")]
            cal_ax.plot(cf["predicted"], cf["observed"], color=color(i), ls=LINESTYLES[i % len(LINESTYLES)], lw=1.5,
                        marker="o" if ev.calibration_curve == "binned" else None, ms=3,
                        label=f"{m} (Brier {cm.brier:.3f}, HL p {fmt_p(hl.p_value)})")
        roc_ax.set_title(f"{s} set", fontsize=10)
        col.figure(f"roc_{s}", roc_ax, f"ROC curves of every model on the {s} set, with AUC (95% DeLong CI).")
        figs["roc"].append(f"roc_{s}")
        cal_ax.set_xlim(0, 1)
        cal_ax.set_ylim(0, 1)
        cal_ax.set_aspect("equal")
        cal_ax.set_xlabel("Predicted probability")
        cal_ax.set_ylabel("Observed proportion")
        cal_ax.legend(loc="upper left", frameon=False, fontsize=7)
        cal_ax.set_title(f"{s} set", fontsize=10)
        col.figure(f"calibration_{s}", cal_ax, f"Calibration curves ({ev.calibration_curve}) on the {s} set; "
                   "Brier score and Hosmer-Lemeshow p in the legend.")
        figs["calibration"].append(f"calibration_{s}")
        thresholds = np.round(np.arange(1, int(round(ev.dca_max_threshold * 100)) + 1) / 100.0, 2)
        dca = decision_curve(y, {m: P[m].to_numpy(float) for m in usable}, thresholds)
        dca_frames.append(dca.to_frame().assign(set=s))
        ax = dca.plot()
        ax.set_title(f"{s} set", fontsize=10)
        col.figure(f"dca_{s}", ax, f"Decision curves (net benefit) of every model on the {s} set, with treat-all "
                   "and treat-none.")
        figs["dca"].append(f"dca_{s}")
        for a, b in itertools.combinations(usable, 2):
            t = delong_test(y, P[a].to_numpy(float), P[b].to_numpy(float), level=ev.level, names=(a, b))
            dl_rows.append({"set": s, "model_a": a, "model_b": b, "auc_a": t.auc_a.value, "auc_b": t.auc_b.value,
                            "difference": t.difference.value, "lower": t.difference.lower,
                            "upper": t.difference.upper, "z": t.statistic, "p": t.p_value})
    res.update(metrics=pd.DataFrame(metrics, columns=["model", "set", "metric", "value", "lower", "upper"]),
               thr=pd.DataFrame(thr_rows, columns=["model", "set", "cutoff", "metric", "value", "lower", "upper"]),
               cal=pd.DataFrame(cal_rows), roc=pd.DataFrame(roc_rows), curves=pd.DataFrame(curve_rows),
               delong=pd.DataFrame(dl_rows, columns=["set", "model_a", "model_b", "auc_a", "auc_b", "difference",
                                                     "lower", "upper", "z", "p"]),
               dca=pd.concat(dca_frames, ignore_index=True) if dca_frames else pd.DataFrame(), figs=figs)
    return res


def fmt_p(p: float) -> str:
    """A p-value as the report prints it: ``<0.001`` below 0.001, else three decimals."""
    return "n/a" if p is None or not np.isfinite(p) else ("<0.001" if p < 0.001 else f"{p:.3f}")


def _fmt(e: Any) -> str:
    return e.format(3) if hasattr(e, "format") else f"{e:.3f}"


def _write_evaluation(res: dict[str, Any], preds: dict[str, pd.DataFrame], data: "PreparedData", col: Collector) -> None:
    col.table("metrics", res["metrics"], "Every performance measure per model and set (value, CI lower, upper).")
    col.table("roc_curves", res["roc"], "ROC curve points per model and set.", float_format=4)
    lines = [f"{m}, {s} set: AUC {_fmt(e)}." for (m, s), e in res["auc"].items()]
    col.section("roc", "Discrimination (ROC)", lines, figures=res["figs"]["roc"], tables=["metrics", "roc_curves"])
    col.table("threshold_metrics", res["thr"], "Sensitivity, specificity, accuracy, PPV, NPV, F1 and Youden's J at "
              "the Youden cut-off chosen on the training set (Wilson CIs; F1 by bootstrap).")
    text = ["Cut-offs (Youden, training set) applied unchanged to the other sets: "
            + "; ".join(f"{m} {c:.3f}" for m, c in res["cut"].items()) + "."]
    col.section("threshold", "Threshold metrics", text, tables=["threshold_metrics"])
    cal = res["cal"]
    col.table("calibration", cal, "Calibration per model and set: Brier score, calibration intercept and slope "
              "(95% CI), Hosmer-Lemeshow chi-square, df and p.")
    col.table("calibration_curves", res["curves"], "Calibration curve points per model and set.", float_format=4)
    text = [f"{r['model']}, {r['set']} set: Brier {r['brier']:.3f}, slope {r['slope']:.3f}, intercept "
            f"{r['intercept']:.3f}, Hosmer-Lemeshow p {fmt_p(r['hl_p'])}." for r in cal.to_dict(orient="records")]
    col.section("calibration", "Calibration", text, figures=res["figs"]["calibration"],
                tables=["calibration", "calibration_curves"])
    dca = res["dca"]
    if not dca.empty:
        dca = dca[["set", "model", "threshold", "net_benefit", "net_interventions_avoided", "test_pos_rate",
                   "tp_rate", "fp_rate", "prevalence"]]
    col.table("decision_curve", dca, "Net benefit per model, set and threshold probability (with treat all / none).",
              float_format=4)
    col.section("dca", "Decision curves", ["Net benefit of every model against treat-all and treat-none, per set."],
                figures=res["figs"]["dca"], tables=["decision_curve"])
    col.table("delong", res["delong"], "DeLong tests between the models' AUCs, per set (difference with 95% CI).")
    text = [f"{r['set']} set: {r['model_a']} vs {r['model_b']}: difference {r['difference']:.3f} "
            f"({r['lower']:.3f} to {r['upper']:.3f}), p {fmt_p(r['p'])}." for r in res["delong"].to_dict(orient="records")]
    col.section("delong", "Comparison of models (DeLong)", text or ["Fewer than two models: no comparison."],
                tables=["delong"])
    rows = []
    for s, P in preds.items():
        frame = P.rename(columns={"_y": "y"}).reset_index().rename(columns={"index": "case_id"})
        frame.insert(1, "set", s)
        rows.append(frame)
    pred = pd.concat(rows, ignore_index=True)
    pred = pred.rename(columns={pred.columns[0]: "case_id"})
    col.table("predictions", pred, "Predicted probability of every case from every model, per set.", float_format=4)


def _nomogram(model: StudyModel, design: pd.DataFrame, col: Collector, model_keys: list[str]) -> None:
    from radiome.model.nomogram import Nomogram

    for name in ("Combined", "Clinical", "Rad-score"):
        est = model.models.get(name)
        if est is None:
            continue
        lr = getattr(est, "model_", est)
        if not hasattr(lr, "summary_"):
            continue
        coefs = lr.summary_["coef"]
        intercept = float(coefs.get("(Intercept)", 0.0))
        terms = {("Rad-score" if k == "rad_score" else k): float(v) for k, v in coefs.items() if k != "(Intercept)"}
        try:
            nomo = Nomogram.from_linear_predictor(intercept, terms,
                                                  design[model.inputs[name]].rename(columns={"rad_score": "Rad-score"}))
        except _FITTING_ERRORS as exc:
            col.warn(f"The nomogram of the {name} model could not be drawn ({exc}).")
            continue
        nomogram_outputs(nomo, name, col, [f"Nomogram of the {name} model: read each predictor's points, add them, "
                                           "and read the predicted probability off the bottom axis."], model_keys)
        return
    col.warn("No logistic model with coefficients was fitted: no nomogram.")
    col.section("nomogram", "Nomogram", ["No nomogram: no logistic model with coefficients was fitted."],
                tables=model_keys)


def _shap(model: StudyModel, design: pd.DataFrame, col: Collector) -> None:
    est = model.models.get("Auto")
    if est is None:
        return
    try:
        from radiome.report.figures import shap_summary
    except ImportError:
        col.skipped.append("shap: radiome.report.figures.shap_summary missing")
        col.warn("SHAP summary skipped: radiome.report.figures.shap_summary is not available.")
        return
    X = design[model.inputs["Auto"]]
    try:
        ax = shap_summary(est, X, list(X.columns), max_display=15)
    except Exception as exc:  # noqa: BLE001 - SHAP explainers raise many types; the study goes on
        col.warn(f"SHAP summary of the auto-model failed ({type(exc).__name__}: {exc}).")
        return
    col.figure("shap", ax, "SHAP summary of the auto-model (training set): features by mean |SHAP value|.")
    col.section("shap", "Explanation of the auto-model (SHAP)",
                [f"Auto-model chosen by inner cross-validation: {getattr(est, 'best_params_', {}).get('members')}."],
                figures=["shap"])


def _radscore_section(model: StudyModel, lasso: LassoFit, data: "PreparedData", col: Collector, cfg: "StudyConfig") -> None:
    from scipy import stats

    from radiome.report.style import color, get_axes

    f = data.frame
    rs = model.radscore(f)
    rows, text = [], []
    sets = [s for s in data.sets if s != "cv"]
    ax = get_axes(figsize=(2.6 * len(sets) + 1.2, 3.8))
    for i, s in enumerate(sets):
        part = f["set"] == s
        vals = {g: rs[part & (f["_y"] == g)].to_numpy(float) for g in (0, 1)}
        p = stats.mannwhitneyu(vals[1], vals[0]).pvalue if min(map(len, vals.values())) > 0 else np.nan
        for g in (0, 1):
            v = vals[g]
            rows.append({"set": s, "outcome": g, "n": len(v), "mean": np.mean(v) if len(v) else np.nan,
                         "sd": np.std(v, ddof=1) if len(v) > 1 else np.nan, "median": np.median(v) if len(v) else np.nan,
                         "q1": np.quantile(v, 0.25) if len(v) else np.nan, "q3": np.quantile(v, 0.75) if len(v) else np.nan,
                         "mann_whitney_p": p})
        text.append(f"{s} set: median Rad-score {np.median(vals[1]) if len(vals[1]) else float('nan'):.3f} with the "
                    f"outcome vs {np.median(vals[0]) if len(vals[0]) else float('nan'):.3f} without (Mann-Whitney p {fmt_p(p)}).")
        pos = [3 * i, 3 * i + 1]
        bp = ax.boxplot([vals[0], vals[1]], positions=pos, widths=0.7, patch_artist=True, showfliers=False,
                        medianprops={"color": "black", "lw": 1.2})
        for patch, c in zip(bp["boxes"], (color(0), color(1))):
            patch.set_facecolor(c)
            patch.set_alpha(0.35)
        rng = np.random.default_rng(0)
        for g, x in zip((0, 1), pos):
            ax.plot(x + rng.uniform(-0.15, 0.15, len(vals[g])), vals[g], "o", ms=2.5, color=color(g), alpha=0.8)
    ax.set_xticks([3 * i + d for i in range(len(sets)) for d in (0, 1)],
                  labels=[f"{s}\n{'no ' if g == 0 else ''}{cfg.outcome.name}" for s in sets for g in (0, 1)], fontsize=8)
    ax.set_ylabel("Rad-score")
    col.figure("radscore_distribution", ax, "Rad-score by outcome in each set (boxes: median and IQR; points: cases).")
    col.table("radscore_by_outcome", pd.DataFrame(rows), "Rad-score by outcome and set, with the Mann-Whitney p-value.")
    formula = radscore_formula(lasso)
    keys = ["radscore_formula", "radscore_by_outcome"]
    if "Rad-score" in model.models and hasattr(model.models["Rad-score"], "summary_"):
        keys.append(model_summary_table("radscore", model.models["Rad-score"].summary_, col,
                                        "Rad-score model: logistic regression of the outcome on the Rad-score (training set)."))
    col.section("radscore", "Rad-score", [formula] + text, figures=["radscore_distribution"], tables=keys)


def analyse_binary(data: "PreparedData", cfg: "StudyConfig", col: Collector) -> tuple[StudyModel, dict[str, Any]]:
    """The binary study: fit on the training set, evaluate on every set, write every output.

    Returns the fitted :class:`~radiome.study.artifacts.StudyModel` and the ``summary`` block.
    """
    f = data.frame
    train = f[f["set"] == "train"]
    model, lasso, extras = fit_binary(train, data, cfg, col.warn)
    col.table("dropped_features", model.prep.dropped_, "Feature columns dropped before selection, and why.")
    lasso_outputs(lasso, model.prep, col, "binary")
    _radscore_section(model, lasso, data, col, cfg)
    design = extras["design"]
    model_keys = []
    for name in ("Clinical", "Combined"):
        est = model.models.get(name)
        if est is not None:
            model_keys.append(model_summary_table(name, est.final_ if hasattr(est, "final_") else est.summary_, col,
                              f"{name} model: coefficients, odds ratios (95% CI) and p-values (training set)."))
    if "Clinical" in model.models:
        col.table("clinical_univariable", model.models["Clinical"].univariable_,
                  "Clinical model: univariable logistic regressions (screen).", float_format=4)
        model_keys.append("clinical_univariable")
    preds = _predictions(data, cfg, model, col)
    res = _evaluate(preds, model, cfg, col)
    _write_evaluation(res, preds, data, col)
    _nomogram(model, design, col, model_keys)
    correlation_outputs(model.prep.transform(train), list(lasso.selected), col)
    _shap(model, design, col)
    n, n_ev = len(f), int(f["_y"].sum())
    tr = f["set"] == "train"
    ev_tr = int(f.loc[tr, "_y"].sum())
    n_final = _n_terms(model)
    limiting = min(ev_tr, int(tr.sum()) - ev_tr)
    epv = limiting / max(n_final, 1)
    _size_warnings(col, n, n_ev, epv, n_final, len(model.prep.columns_), limiting)
    col.facts.update({
        "n_cases": n, "n_events": n_ev, "n_non_events": n - n_ev, "n_candidate_features": len(model.prep.columns_),
        "n_selected_features": len(lasso.selected), "events_per_variable": epv, "calibration_reported": True,
        "dca_reported": True, "discrimination_ci_reported": True, "cutoff_analysis": True, "n_train": int(tr.sum()),
        "n_test": int((f["set"] == "test").sum()), "models": list(model.models), "outcome_type": "binary"})
    best = _headline(res, data)
    summary = {
        "outcome": cfg.outcome.name, "outcome_type": "binary", "n_cases": n, "n_events": n_ev,
        "n_train": int(tr.sum()), "n_test": int((f["set"] == "test").sum()),
        "n_candidate_features": len(model.prep.columns_), "n_selected_features": len(lasso.selected),
        "models": list(model.models),
        "text": (f"{n} cases ({n_ev} with {cfg.outcome.name}) were analysed; {data.design_text}. The LASSO selected "
                 f"{len(lasso.selected)} of {len(model.prep.columns_)} candidate features for the Rad-score. " + best),
    }
    return model, summary


def _n_terms(model: StudyModel) -> int:
    est = model.models.get("Combined") or model.models.get("Clinical") or model.models.get("Rad-score")
    lr = getattr(est, "model_", est)
    if hasattr(lr, "summary_"):
        return int(sum(1 for t in lr.summary_.index if t != "(Intercept)"))
    return 1


def _size_warnings(col: Collector, n: int, n_ev: int, epv: float, n_final: int, n_cand: int, ev_tr: int,
                   what: str = "training cases in the smaller outcome class") -> None:
    if n < 50:
        col.warn(f"Only {n} cases ({n_ev} events): far too few for a trustworthy radiomics model; treat every number "
                 "here as exploratory.")
    elif n < 100:
        col.warn(f"Only {n} cases: a small sample; the confidence intervals are wide.")
    if epv < 10:
        col.warn(f"Events per variable = {epv:.1f} (< 10): {ev_tr} {what} for {n_final} "
                 f"term(s) of the final model, after a selection from {n_cand} candidate features; overfitting is "
                 "likely.")


def _headline(res: dict[str, Any], data: "PreparedData") -> str:
    s = "test" if "test" in data.sets else ("cv" if "cv" in data.sets else "train")
    parts = [f"{m} AUC {e.format(3)}" for (m, st), e in res["auc"].items() if st == s]
    return f"On the {s} set: " + "; ".join(parts) + "." if parts else ""
