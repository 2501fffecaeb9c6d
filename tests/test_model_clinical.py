"""Clinical-model building (univariable screen, multivariable, backward elimination) and the
combined clinical + Rad-score model, against R's glm."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from radiome.errors import ConfigError, DataError
from radiome.model.clinical import ClinicalModelBuilder, CombinedModel
from radiome.model.logistic import LogisticModel

REF = Path(__file__).parent / "reference" / "r" / "glm_cox"
TOL = 1e-6
CLINICAL = ["age", "size_mm", "sex", "stage"]
PREDICTORS = CLINICAL + ["rad_score"]
COLS = ["coef", "se", "z", "p", "odds_ratio", "or_lower", "or_upper"]


def _terms(ref):
    return [{"stageII": "stage[T.II]", "stageIII": "stage[T.III]"}.get(t, t) for t in ref.term]


@pytest.fixture(scope="module")
def clinical() -> pd.DataFrame:
    return pd.read_csv(REF / "clinical.csv")


@pytest.fixture(scope="module")
def backward(clinical) -> ClinicalModelBuilder:
    return ClinicalModelBuilder(method="backward").fit(clinical[PREDICTORS], clinical.y)


def test_univariable_table_matches_r(backward):
    ref = pd.read_csv(REF / "glm_univariable.csv")
    uni = backward.univariable_
    assert list(uni["model"]) == list(ref["model"]) and list(uni.index) == _terms(ref)
    for col in COLS + ["p_predictor"]:
        ours = uni[col].to_numpy(float)
        theirs = ref[col].to_numpy(float)
        if col == "p_predictor":  # intercept rows carry no predictor p-value
            keep = uni["predictor"].to_numpy() != "(Intercept)"
            ours, theirs = ours[keep], theirs[keep]
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL, err_msg=col)


def test_screen_and_multivariable_match_r(backward):
    # every univariable p is below 0.05 (see glm_univariable.csv), so all five enter
    assert backward.screened_ == PREDICTORS
    ref = pd.read_csv(REF / "glm.csv")
    mv = backward.multivariable_
    assert list(mv.index) == _terms(ref)
    for col in COLS:
        np.testing.assert_allclose(mv[col], ref[col], rtol=0, atol=TOL, err_msg=col)


def test_backward_elimination_drops_size_and_matches_reduced_glm(backward, clinical):
    assert backward.elimination_["removed"].tolist() == ["size_mm"]
    assert backward.elimination_["p_predictor"].iloc[0] == pytest.approx(0.0646366806518627, abs=TOL)
    assert backward.predictors_ == ["age", "sex", "stage", "rad_score"]
    assert backward.independent_ == ["age", "sex", "stage", "rad_score"]
    ref = pd.read_csv(REF / "glm_reduced.csv")
    for col in COLS:
        np.testing.assert_allclose(backward.final_[col], ref[col], rtol=0, atol=TOL, err_msg=col)
    direct = LogisticModel().fit(clinical[backward.predictors_], clinical.y)
    np.testing.assert_allclose(backward.predict_proba(clinical), direct.predict_proba(clinical[backward.predictors_]))


def test_enter_keeps_every_screened_predictor_and_reports_independent(clinical):
    b = ClinicalModelBuilder(method="enter").fit(clinical[PREDICTORS], clinical.y)
    assert b.predictors_ == PREDICTORS and b.elimination_.empty
    # size_mm has multivariable p = 0.065: not an independent predictor at 0.05
    assert b.independent_ == ["age", "sex", "stage", "rad_score"]
    strict = ClinicalModelBuilder(screen_p=0.025, final_p=0.01).fit(clinical[PREDICTORS], clinical.y)
    assert strict.screened_ == ["age", "rad_score"]  # univariable p 0.021 and 1.5e-5
    assert strict.independent_ == ["rad_score"]


def test_no_predictor_passes_the_screen(clinical):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"noise1": rng.normal(size=len(clinical)), "noise2": rng.normal(size=len(clinical))})
    with pytest.warns(UserWarning, match="no predictor"):
        b = ClinicalModelBuilder(screen_p=1e-6).fit(X, clinical.y)
    assert len(b.predictors_) == 1 and b.independent_ == []


def test_builder_in_cross_validation(clinical):
    b = ClinicalModelBuilder(method="backward")
    assert clone(b).get_params() == b.get_params()
    scores = cross_val_score(b, clinical[PREDICTORS], clinical.y, cv=3, scoring="roc_auc")
    assert np.all(scores > 0.5)


def test_builder_errors(clinical):
    with pytest.raises(ConfigError, match="method"):
        ClinicalModelBuilder(method="stepwise").fit(clinical[PREDICTORS], clinical.y)
    with pytest.raises(ConfigError, match="screen_p"):
        ClinicalModelBuilder(screen_p=0).fit(clinical[PREDICTORS], clinical.y)
    b = ClinicalModelBuilder().fit(clinical[PREDICTORS], clinical.y)
    with pytest.raises(DataError, match="missing"):
        b.predict_proba(clinical[["age"]])


def test_combined_model(clinical):
    X = clinical[PREDICTORS]
    c = CombinedModel(clinical=CLINICAL).fit(X, clinical.y)
    ref = pd.read_csv(REF / "glm.csv")
    for col in COLS:
        np.testing.assert_allclose(c.summary_.loc[_terms(ref), col], ref[col], rtol=0, atol=TOL, err_msg=col)
    assert c.clinical_ == CLINICAL
    # default: every column but the Rad-score is clinical
    assert CombinedModel().fit(X, clinical.y).clinical_ == CLINICAL
    # select_clinical: the builder's independent clinical predictors, then the Rad-score
    s = CombinedModel(select_clinical=True).fit(X, clinical.y)
    assert s.clinical_ == s.builder_.independent_ == ["age", "sex", "stage"]
    assert list(s.summary_.index)[-1] == "rad_score"
    np.testing.assert_allclose(s.predict_proba(X).sum(axis=1), 1.0)
    with pytest.raises(DataError, match="Rad-score column 'score'"):
        CombinedModel(radscore_column="score").fit(X, clinical.y)
    with pytest.raises(DataError, match="DataFrame"):
        CombinedModel().fit(X.to_numpy(), clinical.y)
    with pytest.raises(ConfigError, match="leave it out"):
        CombinedModel(clinical=["age", "rad_score"]).fit(X, clinical.y)
