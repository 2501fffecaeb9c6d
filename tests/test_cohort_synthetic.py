"""The seeded synthetic demo cohort: files, labelling, determinism, a learnable but not trivial
outcome, and an end-to-end `radiome cohort extract` run."""

from __future__ import annotations

import dataclasses
import doctest
import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

import radiome
import radiome.cohort.synthetic as synthetic_module
from radiome.cohort import read_manifest
from radiome.cohort.synthetic import CLINICAL_COLUMNS, DemoCohort, make_demo_cohort
from radiome.errors import ConfigError


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _roi_statistics(cohort: DemoCohort) -> pd.DataFrame:
    """Plain numpy statistics inside each mask (HU)."""
    rows = []
    for case, ip, mp in zip(cohort.case_ids, cohort.images, cohort.masks):
        image = radiome.read_image(ip).array
        mask = radiome.read_mask(mp).array
        v = image[mask]
        rows.append({"case_id": case, "mean": v.mean(), "sd": v.std(ddof=1), "p10": np.percentile(v, 10),
                     "voxels": int(mask.sum()), "border": bool(mask[[0, -1]].any() or mask[:, [0, -1]].any()
                                                               or mask[:, :, [0, -1]].any())})
    return pd.DataFrame(rows).set_index("case_id")


@pytest.fixture(scope="module")
def default_cohort(tmp_path_factory):
    """The cohort with every default (120 cases, seed 0), made once."""
    cohort = make_demo_cohort(tmp_path_factory.mktemp("demo") / "SYNTH")
    return cohort, cohort.read_clinical(), _roi_statistics(cohort)


def test_files_manifest_and_labelling(default_cohort):
    cohort, clinical, _ = default_cohort
    assert len(cohort.case_ids) == 120 and cohort.case_ids[0] == "SYNTH_001" and cohort.case_ids[-1] == "SYNTH_120"
    assert all(p.exists() for p in cohort.images + cohort.masks)
    assert all(p.parent.name.startswith("SYNTH_") for p in cohort.images)

    manifest = read_manifest(cohort.manifest)
    assert len(manifest) == 120 and manifest.modalities == ("CT",) and manifest.rois == ("lesion",)
    assert manifest.extra_columns == ("centre", "outcome")
    assert [j.image for j in manifest.jobs] == list(cohort.images)
    assert [j.mask for j in manifest.jobs] == list(cohort.masks)
    assert manifest.extra["SYNTH_007"]["outcome"] == str(clinical.loc["SYNTH_007", "outcome"])
    first = cohort.manifest.read_text().splitlines()[0]
    assert first.startswith("#") and "synthetic=true" in first

    assert "SYNTHETIC DATA" in cohort.readme.read_text() and "not patient data" in cohort.readme.read_text().lower()
    meta = json.loads(cohort.metadata.read_text())
    assert meta["synthetic"] is True and meta["parameters"]["seed"] == 0
    assert set(meta["columns"]) == set(CLINICAL_COLUMNS) == {"case_id", *clinical.columns}
    assert cohort.to_dict()["synthetic"] is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        cohort.seed = 1  # type: ignore[misc]

    image = radiome.read_image(cohort.images[0])
    mask = radiome.read_mask(cohort.masks[0])
    assert image.modality == "CT" and mask.name == "lesion"
    assert image.shape == (40, 64, 64) and np.allclose(image.spacing, (2.5, 0.8, 0.8))
    assert image.metadata["source_dtype"] == "int16"
    assert "synthetic=1" in image.metadata["header"]["descrip"]
    assert image.same_grid(mask)


def test_clinical_table(default_cohort):
    _, clinical, _ = default_cohort
    assert list(clinical.index) == [f"SYNTH_{i:03d}" for i in range(1, 121)]
    assert 0.35 <= clinical["outcome"].mean() <= 0.45
    assert set(clinical["outcome"]) == {0, 1} and set(clinical["event"]) == {0, 1}
    assert set(clinical["centre"]) == {"A", "B", "C"} and set(clinical["sex"]) == {"F", "M"}
    assert set(clinical["stage"].dropna()) == {1, 2, 3, 4} and set(clinical["split"]) == {"train", "test"}
    missing = clinical.isna().sum()
    for col in ("age", "stage", "ldh"):  # a few missing values, not many
        assert 1 <= missing[col] <= 12, (col, missing[col])
    assert missing.drop(["age", "stage", "ldh"]).sum() == 0
    assert (clinical["time_months"] > 0).all() and 0.3 <= clinical["event"].mean() <= 0.9
    # split is stratified: the same prevalence in train and test (to one case)
    prev = clinical.groupby("split")["outcome"].mean()
    assert abs(prev["train"] - prev["test"]) < 0.03
    # informative and uninformative clinical variables
    ok = clinical["stage"].notna()
    assert 0.62 <= roc_auc_score(clinical["outcome"][ok], clinical["stage"][ok]) <= 0.85
    assert 0.35 <= roc_auc_score(clinical["outcome"], clinical["sex"] == "M") <= 0.65


def test_lesions_realistic(default_cohort):
    _, clinical, stats = default_cohort
    assert not stats["border"].any()  # every lesion inside the field of view
    volume_ml = stats["voxels"] * 2.5 * 0.8 * 0.8 / 1000
    assert volume_ml.min() > 0.3 and volume_ml.max() < 12
    assert stats["mean"].between(0, 110).all()  # soft-tissue lesion HU
    # centres differ in intensity (offsets +10 / -8 HU): a batch effect to harmonise
    by_centre = stats["mean"].groupby(clinical["centre"]).mean()
    assert by_centre["B"] > by_centre["A"] > by_centre["C"]


def test_outcome_learnable_but_not_trivial(default_cohort):
    """With the default seed, texture statistics inside the lesion give realistic AUCs."""
    _, clinical, stats = default_cohort
    y = clinical["outcome"].to_numpy()
    auc_sd = roc_auc_score(y, stats["sd"])
    assert 0.72 <= auc_sd <= 0.92, auc_sd  # observed 0.839: heterogeneity tracks the outcome
    auc_p10 = roc_auc_score(y, -stats["p10"])
    assert 0.62 <= auc_p10 <= 0.90, auc_p10  # necrotic low-density core (observed 0.713)
    assert max(auc_sd, auc_p10) < 0.95  # overlap: no single statistic separates the classes


def test_no_effect_gives_chance_auc(tmp_path):
    cohort = make_demo_cohort(tmp_path / "null", n_cases=40, seed=0, effect_size=0.0)
    y = cohort.read_clinical()["outcome"]
    auc = roc_auc_score(y, _roi_statistics(cohort)["sd"])
    assert 0.25 <= auc <= 0.75, auc


def test_deterministic_for_a_seed(tmp_path):
    a = make_demo_cohort(tmp_path / "a", n_cases=4, seed=5)
    b = make_demo_cohort(tmp_path / "b", n_cases=4, seed=5)
    c = make_demo_cohort(tmp_path / "c", n_cases=4, seed=6)
    files_a = a.images + a.masks + (a.manifest, a.clinical, a.metadata, a.readme)
    files_b = b.images + b.masks + (b.manifest, b.clinical, b.metadata, b.readme)
    assert [_sha(p) for p in files_a] == [_sha(p) for p in files_b]  # byte-identical, gzip included
    arrays_a = [radiome.read_image(p).array for p in a.images]
    arrays_c = [radiome.read_image(p).array for p in c.images]
    assert all(x.shape == z.shape and not np.array_equal(x, z) for x, z in zip(arrays_a, arrays_c))
    assert a.read_clinical().drop(columns="split").to_csv() != c.read_clinical().drop(columns="split").to_csv()


@pytest.mark.parametrize("kwargs", [
    {"n_cases": 2}, {"n_cases": 10, "prevalence": 0.05}, {"n_centres": 4}, {"prevalence": 1.2},
    {"seed": -1}, {"seed": 1.5}, {"shape": (4, 64, 64)}, {"spacing": (0.5, 0.5, 0.5)}, {"effect_size": -1},
    {"missing_fraction": 0.9},
])
def test_bad_parameters(tmp_path, kwargs):
    with pytest.raises(ConfigError):
        make_demo_cohort(tmp_path, **kwargs)


def test_cohort_extract_end_to_end(tmp_path):
    """`radiome cohort extract` runs on a small generated cohort."""
    from radiome.cli.main import app

    cohort = make_demo_cohort(tmp_path / "SYNTH", n_cases=6, seed=2)
    config = tmp_path / "cheap.yaml"
    config.write_text("families: [intensity_statistics, glcm]\n")
    study = tmp_path / "study"
    r = CliRunner().invoke(app, ["cohort", "extract", str(cohort.manifest), "--config", str(config), "-o", str(study),
                                 "-j", "1"])
    assert r.exit_code == 0, r.output
    assert "6 computed, 0 reused, 0 failed" in r.output
    wide = pd.read_parquet(study / "features_wide.parquet").set_index("case_id")
    assert list(wide.index) == list(cohort.case_ids)
    assert {"centre", "outcome"} <= set(wide.columns)
    assert wide["CT_lesion_intensity_statistics_mean"].notna().all()
    # the features describe the files written: the mean HU agrees with numpy inside the mask
    stats = _roi_statistics(cohort)
    assert np.allclose(wide["CT_lesion_intensity_statistics_mean"], stats["mean"], rtol=1e-9)


def test_docstring_examples():
    assert doctest.testmod(synthetic_module, raise_on_error=False).failed == 0
