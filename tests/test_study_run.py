"""A whole study on a small synthetic cohort: every section, figure and table, numbers that agree
with the CSVs (and with an independent recomputation), the missing-data record, the run record,
the saved models, extraction reuse; binary and survival variants."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from radiome.cohort.synthetic import make_demo_cohort
from radiome.study import run_study
from radiome.study.artifacts import load_models

BINARY_SECTIONS = {"summary", "table1", "selection", "radscore", "roc", "threshold", "calibration", "dca", "delong",
                   "nomogram", "correlation", "checklist", "provenance"}
SURVIVAL_SECTIONS = {"summary", "table1", "selection", "radscore", "survival", "nomogram", "correlation", "checklist",
                     "provenance"}
SETTINGS = {
    "round_input": True,
    "resegmentation": {"range": [-300, 400]},
    "discretisation": {"method": "fbs", "bin_width": 25},
    "families": ["intensity_statistics", "intensity_histogram", "glcm", "glszm"],
}
REMOVED = ("SYNTH_005", "SYNTH_012")


def _no_nan(text: str) -> dict:
    def refuse(token: str) -> None:
        raise AssertionError(f"results.json holds {token}: numbers must be plain floats or null")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    root = tmp_path_factory.mktemp("study_run")
    c = make_demo_cohort(root / "cohort", n_cases=40, seed=3, shape=(16, 48, 48), spacing=(2.5, 0.85, 0.85))
    for case in REMOVED:  # two missing images: the drop-case rule must record them
        (root / "cohort" / case / "CT_image.nii.gz").unlink()
    return c


def _study(cohort, **over) -> dict:
    base = {
        "title": "Test study",
        "data": {"manifest": str(cohort.manifest), "clinical": str(cohort.clinical), "synthetic": True},
        "outcome": {"column": "outcome"},
        "predictors": {"clinical": ["age", "sex", "stage"], "centre": "centre"},
        "extraction": {"settings": SETTINGS},
        "evaluation": {"n_bootstrap": 100},
        "report": {"segmentation_method": "synthetic", "dpi": 100},
    }
    for k, v in over.items():
        base[k] = {**base.get(k, {}), **v} if isinstance(v, dict) else v
    return base


@pytest.fixture(scope="module")
def binary(cohort, tmp_path_factory):
    out = tmp_path_factory.mktemp("binary") / "out"
    run = run_study(_study(cohort), out, jobs=2)
    return run, out, _no_nan((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def survival(cohort, binary, tmp_path_factory):
    out = tmp_path_factory.mktemp("survival") / "out"
    shutil.copytree(binary[1] / "extraction", out / "extraction")  # the store is reused
    study = _study(cohort, outcome={"type": "survival", "column": None, "time": "time_months", "event": "event",
                                    "time_unit": "months"}, evaluation={"times": [12, 24]})
    res = CliRunner().invoke(__import__("radiome.cli.main", fromlist=["app"]).app,
                             ["study", "run", str(_write_yaml(study, out.parent / "surv.yaml")), "-o", str(out),
                              "--jobs", "2"])
    assert res.exit_code == 0, res.output
    assert "report:" in res.output
    return out, _no_nan((out / "results.json").read_text(encoding="utf-8"))


def _write_yaml(data: dict, path: Path) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _table(out: Path, key: str) -> pd.DataFrame:
    return pd.read_csv(out / "tables" / f"{key}.csv", float_precision="round_trip")


def _check_outputs(out: Path, results: dict, required: set[str]) -> None:
    ids = {s["id"] for s in results["sections"]}
    assert required <= ids, f"missing sections {required - ids}"
    assert results["schema"] == "radiome-study-results/1"
    for key, fig in results["figures"].items():
        for fmt in ("png", "svg"):
            p = out / fig[fmt]
            assert p.is_file() and p.stat().st_size > 1000, f"figure {key}.{fmt}"
        assert fig["caption"]
    assert (out / results["figures"][next(iter(results["figures"]))]["png"]).read_bytes()[:4] == b"\x89PNG"
    for key, tab in results["tables"].items():
        p = out / tab["csv"]
        assert p.is_file(), key
        pd.read_csv(p)  # readable, header first
    for s in results["sections"]:
        for k in s["figures"]:
            assert k in results["figures"]
        for k in s["tables"]:
            assert k in results["tables"]
    assert (out / "study.yaml").is_file() and (out / "record.json").is_file()
    assert (out / "models" / "model.joblib").is_file() and (out / "models" / "model.json").is_file()


def _section(results: dict, sid: str) -> dict:
    return next(s for s in results["sections"] if s["id"] == sid)


def _num(x: float) -> str:
    return f"{x:.3f}"


# --------------------------------------------------------------------------- binary

def test_binary_study_writes_every_section_figure_and_table(binary):
    run, out, results = binary
    _check_outputs(out, results, BINARY_SECTIONS)
    for key in ("roc_train", "roc_test", "calibration_train", "calibration_test", "dca_train", "dca_test",
                "lasso_path", "lasso_cv", "nomogram", "correlation"):
        assert key in results["figures"], key
    for key in ("table1", "lasso_coefficients", "radscore_formula", "metrics", "delong", "decision_curve",
                "predictions", "nomogram_points", "checklist", "threshold_metrics", "calibration", "missing_data"):
        assert key in results["tables"], key
    assert results["synthetic"] is True and "synthetic" in results["title"].lower()
    assert all(f["caption"].startswith("Synthetic data.") for f in results["figures"].values())
    assert all(t["caption"].startswith("Synthetic data.") for t in results["tables"].values())
    assert results["summary"]["text"].startswith("SYNTHETIC DATA")
    assert run.report is not None and run.report.is_file(), run.report_note
    assert run.results == out / "results.json"


def test_binary_summary_numbers_equal_the_csvs(binary):
    _, out, results = binary
    s = results["summary"]
    pred = _table(out, "predictions")
    train, test = pred[pred["set"] == "train"], pred[pred["set"] == "test"]
    assert s["n_cases"] == len(pred) == 40 - len(REMOVED)
    assert s["n_events"] == int(pred["y"].sum())
    assert (s["n_train"], s["n_test"]) == (len(train), len(test))
    coef = _table(out, "lasso_coefficients")
    assert s["n_selected_features"] == len(coef) >= 1
    assert s["n_candidate_features"] + len(_table(out, "dropped_features")) > s["n_candidate_features"] - 1
    assert results["facts"]["n_selected_features"] == len(coef)
    assert results["facts"]["n_cases_excluded"] == len(REMOVED)
    formula = _table(out, "radscore_formula")["formula"].iloc[0]
    assert formula in _section(results, "radscore")["text"]
    for f in coef["feature"]:
        assert f in formula


def test_binary_auc_text_and_table_agree_with_an_independent_recomputation(binary):
    _, out, results = binary
    metrics = _table(out, "metrics")
    pred = _table(out, "predictions")
    text = " ".join(_section(results, "roc")["text"])
    auc = metrics[metrics["metric"] == "auc"]
    assert len(auc) == 2 * len(results["summary"]["models"])
    for r in auc.itertuples():
        part = pred[pred["set"] == r.set]
        assert r.value == pytest.approx(roc_auc_score(part["y"], part[r.model]), abs=1e-12)
        assert f"{r.model}, {r.set} set: AUC {_num(r.value)} (95% CI {_num(r.lower)}-{_num(r.upper)})" in text
        assert r.lower <= r.value <= r.upper
    assert results["summary"]["text"].count("AUC") == len(results["summary"]["models"])


def test_binary_threshold_calibration_and_delong_agree_with_their_tables(binary):
    _, out, results = binary
    thr = _table(out, "threshold_metrics")
    pred = _table(out, "predictions")
    text = " ".join(_section(results, "threshold")["text"])
    for model, grp in thr.groupby("model"):
        cut = grp["cutoff"].unique()
        assert len(cut) == 1, "the training cut-off is applied unchanged to the test set"
        assert f"{model} {_num(cut[0])}" in text
        test = pred[pred["set"] == "test"]
        y, p = test["y"].to_numpy(), test[model].to_numpy()
        se = grp[(grp["set"] == "test") & (grp["metric"] == "sensitivity")]["value"].iloc[0]
        assert se == pytest.approx(((p >= cut[0]) & (y == 1)).sum() / (y == 1).sum())
    cal = _table(out, "calibration")
    ctext = " ".join(_section(results, "calibration")["text"])
    for r in cal.itertuples():
        assert f"{r.model}, {r.set} set: Brier {_num(r.brier)}" in ctext
        part = pred[pred["set"] == r.set]
        assert r.brier == pytest.approx(np.mean((part[r.model] - part["y"]) ** 2), abs=1e-12)
    dl = _table(out, "delong")
    dtext = " ".join(_section(results, "delong")["text"])
    n_models = len(results["summary"]["models"])
    assert len(dl) == 2 * n_models * (n_models - 1) // 2
    for r in dl.itertuples():
        assert f"{r.model_a} vs {r.model_b}: difference {_num(r.difference)}" in dtext
        assert r.difference == pytest.approx(r.auc_a - r.auc_b)
    dca = _table(out, "decision_curve")
    assert set(dca["set"]) == {"train", "test"} and {"Treat all", "Treat none"} <= set(dca["model"])


def test_binary_missing_data_record(binary):
    _, out, results = binary
    miss = _table(out, "missing_data")
    dropped = miss[miss["action"] == "excluded"]
    assert set(dropped["case_id"]) == set(REMOVED)
    assert all("CT/lesion missing" in d and "not found" in d for d in dropped["detail"])
    record = json.loads((out / "record.json").read_text())
    for case in REMOVED:
        assert record["missing_data"]["cases"][case][0]["rule"] == "missing.modalities: drop-case"
    imputed = miss[miss["action"].str.endswith("imputed")]
    assert set(imputed["stage"]) <= {"clinical"}
    assert record["missing_data"]["n_excluded"] == len(REMOVED)


def test_binary_run_record_and_saved_models(binary, cohort):
    run, out, results = binary
    record = json.loads((out / "record.json").read_text())
    assert record["schema"] == "radiome-study-record/1"
    assert record["inputs"]["clinical"]["sha256"] and record["inputs"]["manifest"]["sha256"]
    assert record["versions"]["radiome"] and record["versions"]["scikit-learn"]
    assert record["seed"] == 0 and len(record["study_hash"]) == 16
    assert {"extraction", "data", "analysis", "render", "total"} <= set(record["timings_s"])
    assert record["extraction"]["n_failed"] == len(REMOVED)
    model, info = load_models(out / "models")
    assert info["feature_config"]["hash"] == record["feature_config_hash"] == results["facts"]["feature_config_hash"]
    assert info["feature_names"] == model.feature_names
    clinical = pd.read_csv(cohort.clinical, dtype={"case_id": str}).set_index("case_id")
    wide = pd.read_parquet(out / "extraction" / "features_wide.parquet").set_index("case_id")
    pred = _table(out, "predictions").set_index("case_id")
    frame = wide.drop(columns=["centre", "outcome"]).join(clinical).loc[pred.index]
    again = model.predict(frame)
    for name in model.models:
        np.testing.assert_allclose(again[name].to_numpy(), pred[name].to_numpy(), rtol=1e-9, atol=1e-12)
    assert set(model.thresholds) == set(model.models)


# --------------------------------------------------------------------------- survival

def test_survival_study_writes_every_section(survival):
    out, results = survival
    _check_outputs(out, results, SURVIVAL_SECTIONS)
    for key in ("km_train", "km_test", "nomogram", "lasso_cv", "lasso_path", "correlation"):
        assert key in results["figures"], key
    for key in ("cindex", "td_auc", "logrank", "predictions", "nomogram_points", "lasso_coefficients"):
        assert key in results["tables"], key
    assert results["summary"]["outcome_type"] == "survival"
    assert (out / "report.html").is_file()


def test_survival_extraction_store_was_reused(survival):
    out, _ = survival
    record = json.loads((out / "record.json").read_text())
    ext = record["extraction"]
    assert ext["n_reused"] == ext["n_jobs"] - len(REMOVED)  # failed jobs are retried, the rest reused


def test_survival_numbers_equal_the_csvs_and_an_independent_c_index(survival):
    from lifelines.utils import concordance_index

    out, results = survival
    cidx = _table(out, "cindex")
    pred = _table(out, "predictions")
    text = " ".join(_section(results, "survival")["text"])
    assert len(cidx) == 2 * len(results["summary"]["models"])
    for r in cidx.itertuples():
        part = pred[pred["set"] == r.set]
        assert r.c_index == pytest.approx(concordance_index(part["time"], -part[r.model], part["event"]), abs=1e-9)
        assert f"{r.model}, {r.set} set: C-index {_num(r.c_index)} (95% CI {_num(r.lower)}-{_num(r.upper)})" in text
    assert results["summary"]["n_events"] == int(pred["event"].sum())
    lr = _table(out, "logrank")
    info = json.loads((out / "models" / "model.json").read_text())
    cut = info["thresholds"]["Rad-score"]
    assert set(lr["cutoff"]) == {cut}
    train = pred[pred["set"] == "train"]
    assert cut == pytest.approx(np.median(train["rad_score"]))
    for r in lr.itertuples():
        part = pred[pred["set"] == r.set]
        assert r.n_high == int((part["rad_score"] > cut).sum())
        assert r.events_high == int(part.loc[part["rad_score"] > cut, "event"].sum())
        assert f"{r.set} set: high vs low Rad-score risk group, hazard ratio" in text
    td = _table(out, "td_auc")
    assert set(td["time"]) <= {12.0, 24.0} and len(td)


def test_survival_warns_about_sample_size(survival):
    _, results = survival
    assert any("far too few" in w for w in results["warnings"])
    assert results["facts"]["events_per_variable"] > 0
    checklist = _table(survival[0], "checklist")
    assert {"item", "status"} <= set(checklist.columns)


# --------------------------------------------------------------------------- data rules (no model fitting)

def _feature_store(tmp_path: Path) -> Path:
    """A feature table with CT and PET groups and the cohort run record beside it."""
    rng = np.random.default_rng(0)
    n = 24
    cases = [f"P{i:02d}" for i in range(n)]
    table = pd.DataFrame({"case_id": cases})
    for mod in ("CT", "PET"):
        for j in range(3):
            table[f"{mod}_GTV_f{j}"] = rng.normal(size=n)
    table.loc[[1, 2], [c for c in table.columns if c.startswith("PET_")]] = np.nan
    store = tmp_path / "store"
    store.mkdir()
    table.to_parquet(store / "features_wide.parquet", index=False)
    jobs = [{"case_id": c, "modality": m, "roi": "GTV"} for c in cases for m in ("CT", "PET")]
    (store / "run.json").write_text(json.dumps({"config": {"kind": "radiome", "hash": "abc", "data": {}},
                                                "manifest": {"jobs": jobs}}))
    pd.DataFrame({"case_id": ["P01", "P02"], "modality": ["PET"] * 2, "roi": ["GTV"] * 2,
                  "error_class": ["InputError"] * 2, "message": ["file not found"] * 2}).to_csv(store / "failures.csv",
                                                                                              index=False)
    clin = pd.DataFrame({"case_id": cases, "y": [i % 2 for i in range(n)], "age": rng.normal(60, 8, n).round(),
                         "centre": ["A", "B", "C"] * 8, "split": ["train", "train", "test"] * 8})
    clin.loc[3, "age"] = np.nan
    clin.loc[4, "y"] = np.nan
    clin.to_csv(tmp_path / "clinical.csv", index=False)
    return store


@pytest.mark.parametrize("rule", ["drop-case", "drop-modality", "impute"])
def test_missing_modality_rules_record_every_case(tmp_path, rule):
    from radiome.study.artifacts import Collector
    from radiome.study.config import study_from_dict
    from radiome.study.runner import _feature_table, _prepare

    store = _feature_store(tmp_path)
    cfg = study_from_dict({"data": {"features": str(store / "features_wide.parquet"),
                                    "clinical": str(tmp_path / "clinical.csv")},
                           "outcome": {"column": "y"}, "predictors": {"clinical": ["age"]},
                           "missing": {"modalities": rule}})
    col = Collector(tmp_path / "out")
    data = _prepare(cfg, _feature_table(cfg), col)
    miss = data.missing.set_index(["case_id", "stage"])
    assert miss.loc[("P04", "outcome"), "action"] == "excluded"
    assert miss.loc[("P03", "clinical"), "action"] == "age imputed"
    for case in ("P01", "P02"):
        row = miss.loc[(case, "modalities")]
        assert "PET/GTV missing: InputError: file not found" == row["detail"]
        assert row["rule"] == f"missing.modalities: {rule}"
    if rule == "drop-case":
        assert "P01" not in data.frame.index and data.n_excluded == 3
        assert len(data.feature_columns) == 6
    elif rule == "drop-modality":
        assert "P01" in data.frame.index and data.n_excluded == 1
        assert all(c.startswith("CT_") for c in data.feature_columns)
        assert any("dropped from the analysis" in w for w in col.warnings)
    else:
        assert data.impute_rows["P01"] and not data.impute_rows["P05"] and len(data.feature_columns) == 6


@pytest.mark.parametrize("kind, extra, sets", [
    ("column", {}, ("train", "test")),
    ("external", {"external_centres": ["C"]}, ("train", "test")),
    ("cv", {"cv_folds": 4}, ("train", "cv")),
    ("split", {"test_size": 0.25, "seed": 3}, ("train", "test")),
])
def test_designs(tmp_path, kind, extra, sets):
    from radiome.study.artifacts import Collector
    from radiome.study.config import study_from_dict
    from radiome.study.runner import _feature_table, _prepare

    store = _feature_store(tmp_path)
    cfg = study_from_dict({"data": {"features": str(store / "features_wide.parquet"),
                                    "clinical": str(tmp_path / "clinical.csv")},
                           "outcome": {"column": "y"}, "predictors": {"centre": "centre"},
                           "design": {"kind": kind, **extra}})
    data = _prepare(cfg, _feature_table(cfg), Collector(tmp_path / "out"))
    f = data.frame
    assert data.sets == sets
    if kind == "column":
        assert (f["set"] == f["split"]).all()
    elif kind == "external":
        assert set(f.loc[f["set"] == "test", "centre"]) == {"C"}
        assert "C" not in set(f.loc[f["set"] == "train", "centre"])
    elif kind == "cv":
        assert sorted(np.unique(data.folds)) == [0, 1, 2, 3] and (f["set"] == "train").all()
        for k in range(4):  # stratified folds
            assert 0 < f["_y"].to_numpy()[data.folds == k].sum() < (data.folds == k).sum()
    else:
        n_test = (f["set"] == "test").sum()
        assert n_test == int(np.ceil(0.25 * len(f)))
        assert abs(f.loc[f["set"] == "test", "_y"].mean() - f["_y"].mean()) < 0.15


def test_lasso_falls_back_when_the_rule_selects_no_feature():
    from radiome.study.binary import fit_lasso, fold_ids

    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(40, 12)), columns=[f"f{i}" for i in range(12)])
    y = np.r_[np.ones(15), np.zeros(25)].astype(int)
    notes: list[str] = []
    fit = fit_lasso(X, y, folds=5, rule="1se", seed=0, warn=notes.append)
    assert fit.selected, "a Rad-score needs at least one feature"
    # pure noise: lambda.1se and lambda.min keep nothing, the first lambda with a feature is used
    assert fit.rule.startswith("first lambda") and "selected no feature" in notes[0]
    assert not np.any(fit.cv.coef_) and fit.lambda_ < fit.cv.lambdas_[0]
    z = (X[list(fit.selected)] - fit.radscore.means_[list(fit.selected)]) / fit.radscore.scales_[list(fit.selected)]
    expected = fit.intercept + z.to_numpy() @ np.array(list(fit.selected.values()))
    np.testing.assert_allclose(fit.radscore.decision_function(X), expected, rtol=1e-10)
    folds = fold_ids(y, 5, 0)
    assert sorted(np.bincount(folds[y == 1])) == [3, 3, 3, 3, 3]  # stratified, even with a rare class


# --------------------------------------------------------------------------- auto-model + SHAP

def test_auto_model_adds_a_shap_section_and_its_numbers(cohort, binary, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(binary[1] / "extraction", out / "extraction")  # the store is reused
    run_study(_study(cohort, models={"auto": True, "auto_budget": "tiny"}), out, jobs=1)
    results = _no_nan((out / "results.json").read_text(encoding="utf-8"))
    _check_outputs(out, results, BINARY_SECTIONS | {"shap"})
    assert "auto" in " ".join(results["summary"]["models"]).lower()
    metrics = _table(out, "metrics")
    auto = [m for m in metrics["model"].unique() if "auto" in m.lower()]
    assert auto, metrics["model"].unique()
    preds = _table(out, "predictions")
    for s in ("train", "test"):
        part = preds[preds["set"] == s]
        row = metrics[(metrics["model"] == auto[0]) & (metrics["set"] == s) & (metrics["metric"] == "auc")]
        assert float(row["value"].iloc[0]) == pytest.approx(roc_auc_score(part["y"], part[auto[0]]), abs=1e-12)
    assert (out / "report.html").read_text(encoding="utf-8").count('id="shap"') == 1
