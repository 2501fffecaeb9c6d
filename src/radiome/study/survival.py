"""The survival variant of the study: LASSO-Cox Rad-score, Cox models, C-index, KM risk groups.

On the training set: feature filtering and z-scores, a cross-validated LASSO-Cox regression
(:class:`~radiome.select.lasso.LassoCoxCV` in a :class:`~radiome.model.radscore.RadScore`) whose selected features make the
Rad-score :math:`\\sum_{j \\in S} \\hat\\beta_j z_j` (a log relative hazard), then three Cox
models (:class:`~radiome.model.survival.CoxModel`, Efron ties): **Rad-score**, **Clinical**
(univariable Cox screen at ``models.screen_p`` with the joint Wald test of a factor's terms,
then multivariable) and **Combined** (the clinical model's predictors plus the Rad-score).

Evaluation on every set: Harrell's C-index with its 95% CI
(:func:`~radiome.evaluate.survival.concordance`, as ``survival::concordance``), the
cumulative/dynamic time-dependent AUC with IPCW at ``evaluation.times``
(:func:`~radiome.evaluate.survival.time_dependent_auc`), and Kaplan-Meier curves of the
Rad-score risk groups split at the **training** median, with the log-rank test and the
hazard ratio of the high-risk group (:func:`~radiome.evaluate.survival.risk_groups`); a
Cox nomogram of the combined model with survival probabilities at the same times.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from radiome.errors import DataError
from radiome.study.artifacts import Collector, FeaturePrep, StudyModel
from radiome.study.binary import (
    _FITTING_ERRORS,
    Warn,
    _fit,
    correlation_outputs,
    fmt_p,
    fit_lasso,
    impute_values,
    lasso_outputs,
    model_summary_table,
    nomogram_outputs,
    radscore_formula,
    _size_warnings,
)

if TYPE_CHECKING:  # pragma: no cover
    from radiome.study.config import StudyConfig
    from radiome.study.runner import PreparedData

__all__ = ["analyse_survival", "fit_survival", "default_times"]


def _nice(x: float) -> float:
    if x <= 0 or not math.isfinite(x):
        return x
    digits = 1 - int(math.floor(math.log10(abs(x))))
    return float(round(x, digits))


def default_times(time: np.ndarray, event: np.ndarray) -> list[float]:
    """Quartiles of the event times, rounded to two significant digits (distinct, sorted)."""
    ev = np.asarray(time, float)[np.asarray(event, bool)]
    if ev.size == 0:
        return []
    return sorted({_nice(float(q)) for q in np.quantile(ev, [0.25, 0.5, 0.75])})


def _target(frame: pd.DataFrame) -> np.ndarray:
    from radiome.model.survival import make_survival_target

    return make_survival_target(frame["_time"].to_numpy(float), frame["_event"].to_numpy(int))


def _predictor_p(model: Any, column: str) -> float:
    from radiome.model.logistic import joint_wald_p

    terms = [t for t, p in model.term_predictor_.items() if p == column]
    coef = pd.Series(model.coef_, index=model.terms_)
    return joint_wald_p(coef, model.cov_, terms)


def fit_survival(train: pd.DataFrame, data: "PreparedData", cfg: "StudyConfig", warn: Warn,
                 quiet: bool = False) -> tuple[StudyModel, Any, dict[str, Any]]:
    """Fit the survival pipeline on ``train`` (features, clinical columns, ``_time``, ``_event``)."""
    from radiome.model.survival import CoxModel

    y = _target(train)
    prep = FeaturePrep(cfg.selection.correlation_threshold).fit(train[data.feature_columns],
                                                                data.impute_rows.reindex(train.index, fill_value=False))
    lasso = fit_lasso(prep.impute(train), time=train["_time"].to_numpy(float), event=train["_event"].to_numpy(int),
                      folds=cfg.selection.cv_folds, alpha=cfg.selection.alpha, rule=cfg.selection.lambda_rule,
                      seed=cfg.design.seed, warn=None if quiet else warn)
    impute = impute_values(train, data.clinical, data.categorical) if cfg.missing.clinical == "impute" else {}
    model = StudyModel("survival", prep, lasso.radscore, data.clinical, data.categorical, impute)
    design = model.design(train)
    model.thresholds["Rad-score"] = float(np.median(design["rad_score"]))
    extras: dict[str, Any] = {"design": design, "univariable": []}
    rs = _fit("Rad-score", lambda: CoxModel().fit(design[["rad_score"]], y), warn)
    if rs is not None:
        model.models["Rad-score"], model.inputs["Rad-score"] = rs, ["rad_score"]
    p_uni: dict[str, float] = {}
    for c in data.clinical:
        m = _fit(f"univariable Cox {c}", lambda c=c: CoxModel().fit(design[[c]], y), lambda msg: None)
        if m is None:
            warn(f"Clinical predictor {c!r} was left out of the Cox models: its univariable Cox model cannot be "
                 "fitted on the training set (no events in a level, or a monotone likelihood).")
            continue
        p_uni[c] = _predictor_p(m, c)
        tab = m.summary_.reset_index().rename(columns={"index": "term"})
        tab.insert(0, "predictor", c)
        extras["univariable"].append(tab.assign(p_predictor=p_uni[c]))
    clin: list[str] = []
    if cfg.models.clinical and p_uni:
        clin = [c for c in data.clinical if c in p_uni and p_uni[c] < cfg.models.screen_p]
        if not clin:
            best = min(p_uni, key=p_uni.get)
            if not quiet:
                warn(f"Clinical Cox model: no predictor has univariable p < {cfg.models.screen_p}; the model holds "
                     f"the best one alone ({best!r}, p = {p_uni[best]:.3g}).")
            clin = [best]
        cm = _fit("Clinical", lambda: CoxModel().fit(design[clin], y), warn)
        if cm is not None:
            model.models["Clinical"], model.inputs["Clinical"] = cm, list(clin)
        else:
            clin = []
    if cfg.models.combined and clin:
        cb = _fit("Combined", lambda: CoxModel().fit(design[clin + ["rad_score"]], y), warn)
        if cb is not None:
            model.models["Combined"], model.inputs["Combined"] = cb, clin + ["rad_score"]
    if not model.models:
        raise DataError("no Cox model could be fitted on the training set (see the warnings); the data are too "
                        "few or too sparse for a survival analysis")
    if not cfg.models.radscore and len(model.models) > 1 and "Rad-score" in model.models:
        model.models.pop("Rad-score")
        model.inputs.pop("Rad-score")
    return model, lasso, extras


def _risks(data: "PreparedData", cfg: "StudyConfig", model: StudyModel, col: Collector) -> dict[str, pd.DataFrame]:
    """Per set: ``_time``, ``_event``, ``rad_score``, ``_group`` (0 low / 1 high) and each model's risk."""
    f = data.frame
    cut = model.thresholds["Rad-score"]
    out: dict[str, pd.DataFrame] = {}
    for s in data.sets:
        if s == "cv":
            continue
        part = f[f["set"] == s]
        d = model.design(part)
        frame = pd.DataFrame({"_time": part["_time"], "_event": part["_event"].astype(int),
                              "rad_score": d["rad_score"], "_group": (d["rad_score"] > cut).astype(int)})
        for name in model.models:
            frame[name] = model.score(name, d)
        out[s] = frame
    if "cv" in data.sets:
        assert data.folds is not None
        oof = pd.DataFrame({"_time": f["_time"], "_event": f["_event"].astype(int), "rad_score": np.nan,
                            "_group": -1}, index=f.index)
        for name in model.models:
            oof[name] = np.nan
        for k in np.unique(data.folds):
            tr, te = f.iloc[data.folds != k], f.iloc[data.folds == k]
            try:
                m_k, _, _ = fit_survival(tr, data, cfg, lambda msg: None, quiet=True)
            except _FITTING_ERRORS as exc:
                col.warn(f"Cross-validation fold {k + 1}: the pipeline could not be fitted ({exc}).")
                continue
            d = m_k.design(te)
            oof.loc[te.index, "rad_score"] = d["rad_score"]
            oof.loc[te.index, "_group"] = (d["rad_score"] > m_k.thresholds["Rad-score"]).astype(int)
            for name in model.models:
                if name in m_k.models:
                    oof.loc[te.index, name] = m_k.score(name, d)
        out["cv"] = oof
    return out


def _evaluate(risks: dict[str, pd.DataFrame], model: StudyModel, cfg: "StudyConfig", times: list[float],
              col: Collector) -> dict[str, Any]:
    from radiome.evaluate.survival import concordance, risk_groups, time_dependent_auc
    from radiome.report.style import LINESTYLES, color, get_axes

    level = cfg.evaluation.level
    unit = cfg.outcome.time_unit
    train = risks.get("train")
    c_rows, td_rows, lr_rows, metrics, figs, texts = [], [], [], [], [], []
    for s, R in risks.items():
        t, e = R["_time"].to_numpy(float), R["_event"].to_numpy(int)
        if e.sum() == 0:
            col.warn(f"The {s} set has no event: C-index, time-dependent AUC and risk groups are not defined there.")
            continue
        td_ax = None
        for i, name in enumerate(model.models):
            ok = R[name].notna().to_numpy()
            if not ok.all():
                col.warn(f"The {name} model has no {s} prediction for {int((~ok).sum())} case(s); they are left out there.")
            r = R[name].to_numpy(float)
            try:
                c = concordance(t[ok], e[ok], r[ok], level=level)
            except _FITTING_ERRORS as exc:
                col.warn(f"C-index of {name} on the {s} set failed ({exc}).")
                continue
            est = c.estimate
            c_rows.append({"model": name, "set": s, "c_index": est.value, "lower": est.lower, "upper": est.upper,
                           "std_err": c.std_err, "n": int(ok.sum()), "events": int(e[ok].sum())})
            metrics.append({"model": name, "set": s, "metric": "c_index", "value": est.value, "lower": est.lower,
                            "upper": est.upper})
            texts.append(f"{name}, {s} set: C-index {est.format(3)}.")
            use = [x for x in times if t[ok].min() <= x < t[ok].max() and (train is None or x < train["_time"].max())]
            if use:
                try:
                    td = time_dependent_auc(t[ok], e[ok], r[ok], use, train_time=train["_time"] if train is not None else None,
                                            train_event=train["_event"] if train is not None else None)
                except _FITTING_ERRORS as exc:
                    col.warn(f"Time-dependent AUC of {name} on the {s} set failed ({exc}).")
                    continue
                for x, a in zip(td.times, td.auc):
                    td_rows.append({"model": name, "set": s, "time": x, "auc": a})
                    metrics.append({"model": name, "set": s, "metric": f"td_auc_{x:g}", "value": a, "lower": np.nan,
                                    "upper": np.nan})
                metrics.append({"model": name, "set": s, "metric": "td_auc_mean", "value": td.mean_auc,
                                "lower": np.nan, "upper": np.nan})
                td_ax = td_ax or get_axes(figsize=(5.0, 4.0))
                td_ax.plot(td.times, td.auc, marker="o", color=color(i), ls=LINESTYLES[i % len(LINESTYLES)], label=name)
        if td_ax is not None:
            td_ax.axhline(0.5, color="0.6", ls=":", lw=1)
            td_ax.set_ylim(0, 1.02)
            td_ax.set_xlabel(f"Time ({unit})")
            td_ax.set_ylabel("Time-dependent AUC (cumulative/dynamic)")
            td_ax.legend(frameon=False, loc="lower right")
            td_ax.set_title(f"{s} set", fontsize=10)
            col.figure(f"td_auc_{s}", td_ax, f"Time-dependent AUC of every model on the {s} set.")
            figs.append(f"td_auc_{s}")
        g = R["_group"].to_numpy(int)
        keep = g >= 0
        if keep.sum() >= 2 and np.unique(g[keep]).size == 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    km = risk_groups(t[keep], e[keep], g[keep].astype(float), cutoff=0.5, level=level)
                except _FITTING_ERRORS as exc:
                    col.warn(f"Kaplan-Meier risk groups on the {s} set failed ({exc}).")
                    km = None
            if km is not None:
                hr = km.hazard_ratios.get("high")
                sm = km.summary()
                lr_rows.append({"set": s, "cutoff": model.thresholds["Rad-score"] if s != "cv" else np.nan,
                                "n_low": int(sm.loc["low", "n"]), "n_high": int(sm.loc["high", "n"]),
                                "events_low": int(sm.loc["low", "events"]), "events_high": int(sm.loc["high", "events"]),
                                "chi2": km.logrank_chi2, "df": km.logrank_df, "p": km.logrank_p,
                                "hr": hr.value if hr else np.nan, "hr_lower": hr.lower if hr else np.nan,
                                "hr_upper": hr.upper if hr else np.nan, "hr_p": km.hazard_ratio_p.get("high", np.nan)})
                ax = km.plot(xlabel=f"Time ({unit})", ylabel="Event-free probability")
                ax.set_title(f"{s} set: Rad-score risk groups (training median cut-off)", fontsize=10)
                col.figure(f"km_{s}", ax, f"Kaplan-Meier curves of the Rad-score risk groups on the {s} set (cut-off: "
                           "the training median), log-rank p, hazard ratio and numbers at risk.")
                figs.append(f"km_{s}")
                texts.append(f"{s} set: high vs low Rad-score risk group, hazard ratio "
                             f"{hr.format(3) if hr else 'n/a'}, log-rank p {fmt_p(km.logrank_p)}.")
        else:
            col.warn(f"The {s} set has a single Rad-score risk group: no Kaplan-Meier comparison there.")
    return {"cindex": pd.DataFrame(c_rows, columns=["model", "set", "c_index", "lower", "upper", "std_err", "n", "events"]),
            "td": pd.DataFrame(td_rows, columns=["model", "set", "time", "auc"]),
            "logrank": pd.DataFrame(lr_rows, columns=["set", "cutoff", "n_low", "n_high", "events_low", "events_high",
                                                     "chi2", "df", "p", "hr", "hr_lower", "hr_upper", "hr_p"]),
            "metrics": pd.DataFrame(metrics, columns=["model", "set", "metric", "value", "lower", "upper"]),
            "figs": figs, "texts": texts}


def _nomogram(model: StudyModel, design: pd.DataFrame, times: list[float], cfg: "StudyConfig", col: Collector,
              tables: list[str]) -> None:
    from radiome.model.nomogram import Nomogram

    for name in ("Combined", "Clinical", "Rad-score"):
        est = model.models.get(name)
        if est is None or not times:
            continue
        coefs = {("Rad-score" if t == "rad_score" else t): float(b) for t, b in zip(est.terms_, est.coef_)}
        try:
            nomo = Nomogram.from_linear_predictor(-float(np.dot(est.mean_, est.coef_)), coefs,
                                                  design[model.inputs[name]].rename(columns={"rad_score": "Rad-score"}),
                                                  kind="cox",
                                                  baseline_survival=est.baseline_survival_, times=times,
                                                  outcome_labels=[f"Event-free at {x:g} {cfg.outcome.time_unit}"
                                                                  for x in times])
        except _FITTING_ERRORS as exc:
            col.warn(f"The Cox nomogram of the {name} model could not be drawn ({exc}).")
            continue
        nomogram_outputs(nomo, name, col, [f"Cox nomogram of the {name} model: add the predictors' points and read "
                                           f"the event-free probability at {', '.join(f'{x:g}' for x in times)} "
                                           f"{cfg.outcome.time_unit}."], tables)
        return
    col.warn("No Cox nomogram could be drawn.")
    col.section("nomogram", "Nomogram", ["No Cox nomogram could be drawn (no model, or no evaluation time)."],
                tables=tables)


def analyse_survival(data: "PreparedData", cfg: "StudyConfig", col: Collector) -> tuple[StudyModel, dict[str, Any]]:
    """The survival study: fit on the training set, evaluate on every set, write every output."""
    f = data.frame
    train = f[f["set"] == "train"]
    model, lasso, extras = fit_survival(train, data, cfg, col.warn)
    col.table("dropped_features", model.prep.dropped_, "Feature columns dropped before selection, and why.")
    lasso_outputs(lasso, model.prep, col, "survival")
    times = list(cfg.evaluation.times) or default_times(train["_time"].to_numpy(float), train["_event"].to_numpy(int))
    rs_keys, model_keys = ["radscore_formula"], []
    for name in ("Rad-score", "Clinical", "Combined"):
        est = model.models.get(name)
        if est is not None:
            key = model_summary_table(name, est.summary_, col, f"{name} Cox model: coefficients, hazard ratios "
                                      "(95% CI) and p-values (training set).")
            (rs_keys if name == "Rad-score" else model_keys).append(key)
    if extras["univariable"]:
        col.table("clinical_univariable", pd.concat(extras["univariable"], ignore_index=True),
                  "Univariable Cox models of the clinical predictors (screen; p_predictor: joint Wald test).",
                  float_format=4)
        model_keys.append("clinical_univariable")
    col.section("radscore", "Rad-score", [radscore_formula(lasso),
                                          f"Risk groups: Rad-score above the training median "
                                          f"({model.thresholds['Rad-score']:.4f}) is 'high'."], tables=rs_keys)
    risks = _risks(data, cfg, model, col)
    res = _evaluate(risks, model, cfg, times, col)
    col.table("cindex", res["cindex"], "Harrell's C-index (95% CI) per model and set.")
    col.table("td_auc", res["td"], f"Time-dependent AUC (cumulative/dynamic, IPCW) at {times} {cfg.outcome.time_unit}.")
    col.table("logrank", res["logrank"], "Rad-score risk groups (training-median cut-off): sizes, events, log-rank "
              "test and hazard ratio of the high-risk group (95% CI).")
    col.table("metrics", res["metrics"], "Every performance measure per model and set (value, CI lower, upper).")
    rows = []
    for s, R in risks.items():
        fr = R.drop(columns=["_group"]).rename(columns={"_time": "time", "_event": "event"})
        fr.insert(0, "set", s)
        fr["risk_group"] = np.where(R["_group"] == 1, "high", np.where(R["_group"] == 0, "low", ""))
        rows.append(fr.rename_axis("case_id").reset_index())
    col.table("predictions", pd.concat(rows, ignore_index=True), "Rad-score, each model's risk score (Cox linear "
              "predictor) and the Rad-score risk group of every case, per set.", float_format=4)
    col.section("survival", "Survival: C-index, time-dependent AUC, risk groups", res["texts"], figures=res["figs"],
                tables=["cindex", "td_auc", "logrank", "metrics", "predictions"])
    _nomogram(model, extras["design"], times, cfg, col, model_keys)
    selected = list(lasso.selected)
    correlation_outputs(model.prep.transform(train), selected, col)
    n, n_ev = len(f), int(f["_event"].sum())
    tr = f["set"] == "train"
    ev_tr = int(f.loc[tr, "_event"].sum())
    est = model.models.get("Combined") or model.models.get("Clinical") or model.models.get("Rad-score")
    n_final = len(getattr(est, "terms_", [1]))
    epv = ev_tr / max(n_final, 1)
    _size_warnings(col, n, n_ev, epv, n_final, len(model.prep.columns_), ev_tr, "training events")
    col.facts.update({
        "n_cases": n, "n_events": n_ev, "n_non_events": n - n_ev, "n_candidate_features": len(model.prep.columns_),
        "n_selected_features": len(selected), "events_per_variable": epv, "calibration_reported": False,
        "dca_reported": False, "discrimination_ci_reported": True, "cutoff_analysis": True,
        "n_train": int(tr.sum()), "n_test": int((f["set"] == "test").sum()), "models": list(model.models),
        "outcome_type": "survival", "outcome": cfg.outcome.name})
    s_main = "test" if "test" in data.sets else ("cv" if "cv" in data.sets else "train")
    heads = [f"{r['model']} C-index {r['c_index']:.3f} ({r['lower']:.3f}-{r['upper']:.3f})"
             for r in res["cindex"].to_dict(orient="records") if r["set"] == s_main]
    summary = {
        "outcome": cfg.outcome.name, "outcome_type": "survival", "n_cases": n, "n_events": n_ev,
        "n_train": int(tr.sum()), "n_test": int((f["set"] == "test").sum()),
        "n_candidate_features": len(model.prep.columns_), "n_selected_features": len(selected),
        "models": list(model.models), "times": times,
        "text": (f"{n} cases ({n_ev} events) were analysed; {data.design_text}. The LASSO-Cox selected {len(selected)} "
                 f"of {len(model.prep.columns_)} candidate features for the Rad-score. "
                 + (f"On the {s_main} set: " + "; ".join(heads) + "." if heads else "")),
    }
    return model, summary
