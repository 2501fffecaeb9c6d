"""Scoring new cases with a saved study model; refusing features extracted with other settings.

The study here starts from a feature table (a cohort store's features_wide.parquet with its
run.json), so this file also covers the feature-table input of ``run_study``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from radiome.cli.main import app
from radiome.cohort import run_cohort
from radiome.cohort.synthetic import make_demo_cohort
from radiome.errors import ConfigError, InputError
from radiome.study import predict_study, run_study
from radiome.study.predict import config_differences

SETTINGS = {
    "round_input": True,
    "resegmentation": {"range": [-300, 400]},
    "discretisation": {"method": "fbs", "bin_width": 25},
    "families": ["intensity_statistics", "glcm"],
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("predict")
    cohort = make_demo_cohort(root / "cohort", n_cases=30, seed=5, shape=(16, 48, 48), spacing=(2.5, 0.85, 0.85))
    store = root / "store"
    run_cohort(cohort.manifest, SETTINGS, store, jobs=2)
    study = {
        "title": "Predict test",
        "data": {"features": str(store / "features_wide.parquet"), "clinical": str(cohort.clinical), "synthetic": True},
        "outcome": {"column": "outcome"},
        "predictors": {"clinical": ["stage"]},
        "models": {"combined": False},
        "evaluation": {"n_bootstrap": 100},
        "report": {"html": False, "dpi": 72},
    }
    out = root / "out"
    run = run_study(study, out, jobs=2)
    return root, cohort, store, out, run


def test_feature_table_study_records_its_extraction_config(trained):
    root, cohort, store, out, run = trained
    record = json.loads((out / "record.json").read_text())
    run_json = json.loads((store / "run.json").read_text())
    assert record["feature_config_hash"] == run_json["config"]["hash"]
    assert record["feature_config"]["record"] == str(store / "run.json")
    assert record["inputs"]["features"]["sha256"]
    assert run.report is None and "not requested" in run.report_note


def test_predict_from_the_feature_table_reproduces_the_study(trained):
    root, cohort, store, out, run = trained
    res = predict_study(out / "models", store / "features_wide.parquet", root / "pred1", clinical=cohort.clinical)
    assert res.n_cases == 30 and set(res.models) == {"Rad-score", "Clinical"}
    new = pd.read_csv(res.predictions, dtype={"case_id": str}).set_index("case_id")
    old = pd.read_csv(out / "tables" / "predictions.csv", dtype={"case_id": str}).set_index("case_id")
    for model in res.models:
        np.testing.assert_allclose(new.loc[old.index, model], old[model], rtol=1e-9, atol=1e-12)
    info = json.loads((out / "models" / "model.json").read_text())
    cut = info["thresholds"]["Rad-score"]
    assert (new["Rad-score positive"] == (new["Rad-score"] >= cut).astype(int)).all()
    rec = json.loads(res.record.read_text())
    assert rec["feature_config_hash"] == rec["model_feature_config_hash"] == info["feature_config"]["hash"]


def test_predict_from_a_manifest_extracts_with_the_models_settings(trained):
    root, cohort, store, out, run = trained
    res = predict_study(out, cohort.manifest, root / "pred2", clinical=cohort.clinical, jobs=2)
    assert (root / "pred2" / "extraction" / "run.json").is_file()
    a = pd.read_csv(res.predictions).set_index("case_id")
    ref = predict_study(out, store / "features_wide.parquet", root / "pred2b", clinical=cohort.clinical)
    b = pd.read_csv(ref.predictions).set_index("case_id")
    assert res.feature_config_hash == ref.feature_config_hash
    for model in ("rad_score", "Rad-score", "Clinical"):
        np.testing.assert_allclose(a.loc[b.index, model], b[model], rtol=1e-9)


def test_predict_without_clinical_data_scores_the_radscore_and_says_why_not_the_rest(trained):
    root, cohort, store, out, run = trained
    res = predict_study(out / "models", store / "features_wide.parquet", root / "pred3")
    assert res.models == ("Rad-score",)
    assert any("Clinical skipped" in n and "stage" in n for n in res.notes)


def test_predict_refuses_features_extracted_with_other_settings(trained):
    root, cohort, store, out, run = trained
    other = root / "store_other"
    run_cohort(cohort.manifest, {**SETTINGS, "discretisation": {"method": "fbs", "bin_width": 10}}, other, jobs=2)
    with pytest.raises(ConfigError) as err:
        predict_study(out / "models", other / "features_wide.parquet", root / "pred4")
    msg = str(err.value)
    assert "other settings than the model's" in msg
    assert "discretisation.bin_width: 25.0 (model) vs 10.0 (new cases)" in msg
    res = CliRunner().invoke(app, ["study", "predict", str(out / "models"), "--features",
                                   str(other / "features_wide.parquet"), "-o", str(root / "pred5")])
    assert res.exit_code == 2
    assert "discretisation.bin_width" in res.output and "Traceback" not in res.output


def test_predict_refuses_a_table_whose_settings_cannot_be_verified(trained, tmp_path):
    root, cohort, store, out, run = trained
    loose = tmp_path / "features.csv"
    pd.read_parquet(store / "features_wide.parquet").to_csv(loose, index=False)
    with pytest.raises(ConfigError, match="cannot verify the extraction settings"):
        predict_study(out / "models", loose, tmp_path / "p")


def test_predict_needs_a_saved_model(tmp_path, trained):
    with pytest.raises(InputError, match="no saved study model"):
        predict_study(tmp_path, trained[2] / "features_wide.parquet", tmp_path / "p")


def test_predict_cli_with_a_manifest(trained):
    root, cohort, store, out, run = trained
    res = CliRunner().invoke(app, ["study", "predict", str(out / "models"), "--manifest", str(cohort.manifest),
                                   "--clinical", str(cohort.clinical), "-o", str(root / "pred6"), "--jobs", "2"])
    assert res.exit_code == 0, res.output
    assert "scored 30 case(s)" in res.output
    assert (root / "pred6" / "predictions.csv").is_file()
    res = CliRunner().invoke(app, ["study", "predict", str(out / "models"), "-o", str(root / "pred7")])
    assert res.exit_code == 2 and "exactly one of --manifest" in res.output


def test_config_differences_lists_nested_keys():
    a = {"discretisation": {"method": "fbs", "bin_width": 25.0}, "families": ["glcm"]}
    b = {"discretisation": {"method": "fbn", "bin_width": 25.0}, "families": ["glcm"], "extra": 1}
    diffs = config_differences(a, b)
    assert diffs == ["discretisation.method: 'fbs' (model) vs 'fbn' (new cases)",
                     "extra: '<absent>' (model) vs 1 (new cases)"]
