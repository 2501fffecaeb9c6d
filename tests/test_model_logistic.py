"""LogisticModel against R's glm(family = binomial): coefficients, SE, z, p, odds-ratio CI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from radiome.errors import ConfigError, ConvergenceError, DataError
from radiome.model.logistic import LogisticModel

REF = Path(__file__).parent / "reference" / "r" / "glm_cox"
TOL = 1e-6
PREDICTORS = ["age", "size_mm", "sex", "stage", "rad_score"]
COLS = ["coef", "se", "z", "p", "odds_ratio", "or_lower", "or_upper"]


def r_terms(terms):
    return [{"stageII": "stage[T.II]", "stageIII": "stage[T.III]"}.get(t, t) for t in terms]


@pytest.fixture(scope="module")
def clinical() -> pd.DataFrame:
    return pd.read_csv(REF / "clinical.csv")


def _check_against(model: LogisticModel, ref: pd.DataFrame) -> None:
    ref = ref.set_index(pd.Index(r_terms(ref.term)))
    assert list(model.summary_.index) == list(ref.index)
    for col in COLS:
        np.testing.assert_allclose(model.summary_[col], ref[col], rtol=0, atol=TOL, err_msg=col)


def test_multivariable_matches_r_glm(clinical):
    m = LogisticModel().fit(clinical[PREDICTORS], clinical.y)
    _check_against(m, pd.read_csv(REF / "glm.csv"))
    assert m.coef_.shape == (1, 6) and m.intercept_.shape == (1,)
    assert list(m.feature_names_in_) == PREDICTORS and m.n_features_in_ == 5


@pytest.mark.parametrize("predictor", PREDICTORS)
def test_univariable_matches_r_glm(clinical, predictor):
    ref = pd.read_csv(REF / "glm_univariable.csv").query("model == @predictor")
    m = LogisticModel().fit(clinical[[predictor]], clinical.y)
    _check_against(m, ref)
    # joint Wald test of the predictor (2 df for the 3-level stage)
    assert abs(m.predictor_p_values()[predictor] - ref.p_predictor.iloc[0]) < TOL


def test_predictions_follow_the_coefficients(clinical):
    X = clinical[PREDICTORS]
    m = LogisticModel().fit(X, clinical.y)
    Z = np.column_stack([X[["age", "size_mm", "sex"]], X.stage == "II", X.stage == "III", X.rad_score]).astype(float)
    eta = m.intercept_[0] + Z @ m.coef_.ravel()
    np.testing.assert_allclose(m.decision_function(X), eta)
    P = m.predict_proba(X)
    np.testing.assert_allclose(P[:, 1], 1 / (1 + np.exp(-eta)))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert set(m.predict(X)) <= {0, 1}
    assert m.odds_ratios().shape == (6, 4)


def test_categorical_coding(clinical):
    X = clinical[["age", "stage"]].copy()
    m_obj = LogisticModel().fit(X, clinical.y)
    assert m_obj.terms_ == ["age", "stage[T.II]", "stage[T.III]"]
    assert m_obj.term_predictor_["stage[T.III]"] == "stage"
    # a pandas Categorical keeps its category order: the first category is the reference
    Xc = X.assign(stage=pd.Categorical(X.stage, categories=["III", "I", "II"]))
    m_cat = LogisticModel().fit(Xc, clinical.y)
    assert m_cat.terms_ == ["age", "stage[T.I]", "stage[T.II]"]
    np.testing.assert_allclose(m_cat.predict_proba(Xc), m_obj.predict_proba(X), atol=1e-9)
    with pytest.raises(DataError, match="not seen in fit"):
        m_obj.predict_proba(X.assign(stage="IV"))


def test_string_labels_and_numpy_input(clinical):
    y = np.where(clinical.y == 1, "yes", "no")
    X = clinical[["age", "rad_score"]].to_numpy()
    m = LogisticModel().fit(X, y)
    assert list(m.classes_) == ["no", "yes"]
    assert m.terms_ == ["x0", "x1"] and not hasattr(m, "feature_names_in_")
    ref = LogisticModel().fit(clinical[["age", "rad_score"]], clinical.y)
    np.testing.assert_allclose(m.coef_, ref.coef_)
    assert set(m.predict(X)) <= {"no", "yes"}


def test_no_intercept(clinical):
    m = LogisticModel(fit_intercept=False).fit(clinical[["rad_score"]], clinical.y)
    assert list(m.summary_.index) == ["rad_score"] and m.intercept_[0] == 0.0


def test_separation_is_detected(clinical):
    X = clinical[["age", "rad_score"]].copy()
    y = clinical.y
    with pytest.raises(ConvergenceError, match=r"separation.*\['perfect'\].*Firth"):
        LogisticModel().fit(X.assign(perfect=y * 2.0 - 1 + np.linspace(-0.1, 0.1, len(y))), y)
    # quasi-complete: one level of a factor holds events only
    grp = np.where((y == 1) & (np.arange(len(y)) % 4 == 0), "rare", "common")
    with pytest.raises(ConvergenceError, match=r"grp\[T.rare\]"):
        LogisticModel().fit(X.assign(grp=grp), y)
    # a penalised fit is the suggested way out
    m = LogisticModel(penalty="l2").fit(X.assign(grp=grp), y)
    assert np.isfinite(m.coef_).all()


def test_input_errors(clinical):
    X, y = clinical[PREDICTORS], clinical.y
    with pytest.raises(DataError, match="rank deficient.*age2"):
        LogisticModel().fit(X.assign(age2=X.age * 2), y)
    with pytest.raises(DataError, match="binary"):
        LogisticModel().fit(X, np.arange(len(X)) % 3)
    with pytest.raises(DataError, match="missing values"):
        LogisticModel().fit(X.assign(age=X.age.where(X.index > 3)), y)
    with pytest.raises(DataError, match="rows"):
        LogisticModel().fit(X, y[:-1])
    with pytest.raises(DataError, match="single level"):
        LogisticModel().fit(X.assign(site="A"), y)
    with pytest.raises(ConfigError, match="penalty"):
        LogisticModel(penalty="elasticnet").fit(X, y)
    with pytest.raises(ConfigError, match="level"):
        LogisticModel(level=95).fit(X, y)


def test_penalised_fits(clinical):
    X = clinical[PREDICTORS]
    ml = LogisticModel().fit(X, clinical.y)
    l2 = LogisticModel(penalty="l2", C=0.01, max_iter=1000).fit(X, clinical.y)
    l1 = LogisticModel(penalty="l1", C=0.05, random_state=0).fit(X, clinical.y)
    assert np.abs(l2.coef_).sum() < np.abs(ml.coef_).sum()
    assert np.sum(l1.coef_ == 0) >= 1
    assert l2.summary_[["se", "z", "p", "or_lower"]].isna().all().all() and l2.cov_ is None
    with pytest.raises(ConfigError, match="unpenalised"):
        l2.predictor_p_values()


def test_sklearn_contract(clinical):
    m = LogisticModel(penalty="l2", C=0.5)
    assert clone(m).get_params() == m.get_params()
    X = clinical[["age", "size_mm", "sex", "rad_score"]].to_numpy()
    scores = cross_val_score(make_pipeline(StandardScaler(), LogisticModel()), X, clinical.y, cv=3, scoring="roc_auc")
    assert np.all((scores > 0.5) & (scores <= 1))


@settings(max_examples=15, deadline=None)
@given(st.floats(min_value=0.01, max_value=100.0), st.integers(0, 10_000))
def test_rescaling_a_predictor_rescales_its_coefficient_only(scale, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=120)
    w = rng.normal(size=120)
    y = (rng.random(120) < 1 / (1 + np.exp(-(0.8 * x - 0.5 * w)))).astype(int)
    if y.min() == y.max():
        return
    a = LogisticModel().fit(pd.DataFrame({"x": x, "w": w}), y).summary_
    b = LogisticModel().fit(pd.DataFrame({"x": x * scale, "w": w}), y).summary_
    assert b.loc["x", "coef"] == pytest.approx(a.loc["x", "coef"] / scale, rel=1e-6)
    assert b.loc["x", "z"] == pytest.approx(a.loc["x", "z"], rel=1e-6)
    assert b.loc["w", "coef"] == pytest.approx(a.loc["w", "coef"], rel=1e-6)
    assert np.all((a.or_lower <= a.odds_ratio) & (a.odds_ratio <= a.or_upper))
