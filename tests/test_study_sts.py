"""A real study end to end: the shared soft-tissue-sarcoma cohort (20 patients; CT, MR and PET
with GTV masks; CT missing for 7 patients and MR for 2).

* Binary: lung metastasis (``lung_mets``) from the images plus age, sex and grade; missing
  modalities handled by ``drop-modality`` (CT and MR are left out, PET remains for all 20);
  per-modality extraction settings (CT: HU range, FBN 32; PET: fixed bin size 0.5 SUV;
  MR: FBN 32; all resampled to 3 mm isotropic voxels); stratified 2:1 split.
* Survival: event-free survival. The clinical table gives each patient's first event
  (``first_event``: lung, bone or arm metastasis, regional recurrence, or none),
  ``days_diagnosis_to_event`` (the time of that event) and ``days_diagnosis_to_last_fu``. We
  take **event = any first event** (9 of 20; lung metastasis alone would give only 5) and
  **time = days_diagnosis_to_event for patients with an event, else days_diagnosis_to_last_fu**
  (censored at the last follow-up). Design: 5-fold cross-validation of the whole pipeline.

Twenty patients are far too few for a trustworthy model: the study must say so.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from conftest import shared_data
from radiome.study import run_study

pytestmark = [pytest.mark.shared, pytest.mark.slow]

MODALITIES = ("CT", "MR_T1", "PET")
MISSING_CT = {"STS_007", "STS_009", "STS_011", "STS_013", "STS_016", "STS_017", "STS_020"}
MISSING_MR = {"STS_009", "STS_020"}
INTERP = {"spacing_xyz": [3.0, 3.0, 3.0]}
BY_MODALITY = {
    "CT": {"settings": {"interpolation": INTERP, "resegmentation": {"range": [-1000, 3000]},
                        "discretisation": {"method": "fbn", "n_bins": 32}, "texture": {"dimensions": ["3D"]}}},
    "PET": {"settings": {"interpolation": INTERP, "discretisation": {"method": "fbs", "bin_width": 0.5, "lower_bound": 0.0},
                         "texture": {"dimensions": ["3D"]}}},
    "MR_T1": {"settings": {"interpolation": INTERP, "discretisation": {"method": "fbn", "n_bins": 32},
                           "texture": {"dimensions": ["3D"]}}},
}


@pytest.fixture(scope="module")
def sts(tmp_path_factory):
    nifti = shared_data("sts", "nifti")
    clinical = shared_data("sts", "clinical.csv")
    root = tmp_path_factory.mktemp("sts")
    rows = [{"case_id": case.name, "modality": mod, "image": str(case / f"{mod}_image.nii.gz"), "roi": "GTV",
             "mask": str(case / f"{mod}_mask.nii.gz")}
            for case in sorted(p for p in nifti.iterdir() if p.is_dir()) for mod in MODALITIES]
    pd.DataFrame(rows).to_csv(root / "manifest.csv", index=False)
    clin = pd.read_csv(clinical)
    event = (clin["first_event"].str.strip().str.lower() != "none").astype(int)
    clin["efs_event"] = event
    clin["efs_days"] = clin["days_diagnosis_to_event"].where(event == 1, clin["days_diagnosis_to_last_fu"])
    clin.to_csv(root / "clinical_efs.csv", index=False)
    return root, clinical


def _base(root, clinical) -> dict:
    return {
        "data": {"manifest": str(root / "manifest.csv"), "clinical": str(clinical), "clinical_id": "patient_id"},
        "predictors": {"clinical": ["age", "sex", "grade"]},
        "missing": {"modalities": "drop-modality"},
        "extraction": {"by_modality": BY_MODALITY},
        "evaluation": {"n_bootstrap": 200},
        "report": {"segmentation_method": "GTV contoured by radiation oncologists (TCIA Soft-tissue-Sarcoma)",
                   "open_data": True, "dpi": 100},
    }


@pytest.fixture(scope="module")
def binary(sts):
    root, clinical = sts
    study = {**_base(root, clinical), "title": "STS: lung metastasis", "outcome": {"column": "lung_mets"}}
    out = root / "binary"
    run = run_study(study, out, jobs=2)
    return out, run, json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def survival(sts, binary):
    root, _ = sts
    out = root / "survival"
    shutil.copytree(binary[0] / "extraction", out / "extraction")  # reuse the extraction store
    study = {**_base(root, root / "clinical_efs.csv"), "title": "STS: event-free survival",
             "outcome": {"type": "survival", "time": "efs_days", "event": "efs_event", "label": "event-free survival"},
             "design": {"kind": "cv", "cv_folds": 5}, "evaluation": {"times": [200, 400]}}
    run = run_study(study, out, jobs=2)
    return out, run, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_sts_binary_runs_end_to_end(binary):
    out, run, results = binary
    ids = {s["id"] for s in results["sections"]}
    assert {"summary", "table1", "selection", "radscore", "roc", "threshold", "calibration", "dca", "delong",
            "nomogram", "correlation", "checklist", "provenance"} <= ids
    assert run.report is not None and run.report.is_file()
    s = results["summary"]
    assert (s["n_cases"], s["n_events"]) == (20, 5)
    coef = pd.read_csv(out / "tables" / "lasso_coefficients.csv")
    assert len(coef) >= 1 and all(f.startswith("PET_GTV_") for f in coef["feature"])
    for mod in MODALITIES:  # one store per distinct extraction config
        assert (out / "extraction" / mod / "run.json").is_file()
    record = json.loads((out / "record.json").read_text())
    assert set(record["feature_config"]["by_modality"]) == set(MODALITIES)
    assert record["feature_config_hash"].startswith("multi-")


def test_sts_missing_modalities_are_recorded_per_case(binary):
    out, _, results = binary
    miss = pd.read_csv(out / "tables" / "missing_data.csv")
    ct = miss[miss["detail"].str.startswith("CT/GTV missing")]
    mr = miss[miss["detail"].str.startswith("MR_T1/GTV missing")]
    assert set(ct["case_id"]) == MISSING_CT and set(mr["case_id"]) == MISSING_MR
    assert set(miss["rule"]) >= {"missing.modalities: drop-modality"}
    assert (ct["action"] == "modality CT/GTV dropped for all cases").all()
    assert all("not found" in d for d in ct["detail"])
    record = json.loads((out / "record.json").read_text())
    assert set(record["missing_data"]["cases"]) >= MISSING_CT | MISSING_MR
    assert any("dropped from the analysis" in w for w in results["warnings"])


def test_sts_report_says_twenty_patients_are_too_few(binary):
    out, _, results = binary
    assert any("far too few" in w and "20 cases" in w for w in results["warnings"])
    assert any("Events per variable" in w for w in results["warnings"])
    facts = results["facts"]
    assert facts["n_cases"] == 20 and facts["events_per_variable"] < 10
    checklist = pd.read_csv(out / "tables" / "checklist.csv")
    assert "not done" in set(checklist["status"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "far too few" in html


def test_sts_survival_runs_with_cross_validation(survival):
    out, run, results = survival
    ids = {s["id"] for s in results["sections"]}
    assert {"summary", "table1", "selection", "radscore", "survival", "nomogram", "correlation", "checklist",
            "provenance"} <= ids
    s = results["summary"]
    assert (s["n_cases"], s["n_events"], s["outcome_type"]) == (20, 9, "survival")
    cidx = pd.read_csv(out / "tables" / "cindex.csv")
    assert set(cidx["set"]) == {"train", "cv"}
    assert cidx["c_index"].between(0, 1).all()
    assert {"km_train", "km_cv", "nomogram"} <= set(results["figures"])
    record = json.loads((out / "record.json").read_text())
    assert record["extraction"]["n_reused"] == record["extraction"]["n_jobs"] - len(MISSING_CT) - len(MISSING_MR)
    assert any("far too few" in w for w in results["warnings"])
    assert run.report is not None and run.report.is_file()
