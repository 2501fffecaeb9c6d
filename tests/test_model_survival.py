"""Cox models against R's coxph (Efron and Breslow ties), penalised Cox, random survival forest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from radiome.errors import ConfigError, ConvergenceError, DataError
from radiome.model.survival import CoxModel, RandomSurvivalForestModel, _breslow_cumhaz, make_survival_target

REF = Path(__file__).parent / "reference" / "r" / "glm_cox"
TOL = 1e-6
PREDICTORS = ["age", "size_mm", "sex", "stage", "rad_score"]
R_TERMS = {"stageII": "stage[T.II]", "stageIII": "stage[T.III]"}


@pytest.fixture(scope="module")
def data():
    d = pd.read_csv(REF / "clinical.csv")
    return d[PREDICTORS], make_survival_target(d.time, d.status), d


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_matches_r_coxph(data, ties):
    X, y, _ = data
    m = CoxModel(ties=ties).fit(X, y)
    ref = pd.read_csv(REF / f"coxph_{ties}.csv")
    ref.index = [R_TERMS.get(t, t) for t in ref.term]
    assert list(m.summary_.index) == ["age", "size_mm", "sex", "stage[T.II]", "stage[T.III]", "rad_score"]
    ours = m.summary_.loc[ref.index]
    for col in ["coef", "se", "z", "p", "hr", "hr_lower", "hr_upper"]:
        np.testing.assert_allclose(ours[col], ref[col], rtol=0, atol=TOL, err_msg=col)
    assert abs(m.loglik_ - ref.loglik.iloc[0]) < TOL
    np.testing.assert_allclose(m.coef_, m.summary_["coef"].to_numpy())


def test_linear_predictor_matches_r_up_to_centring(data):
    X, y, _ = data
    lp_r = pd.read_csv(REF / "cox_linear_predictor.csv")["lp_efron"].to_numpy()
    lp = CoxModel().fit(X, y).predict(X)
    # R (survival >= 3) centres 0/1 columns at 0, radiome at their means: a constant shift
    diff = lp - lp_r
    assert np.ptp(diff) < TOL
    assert abs(lp.mean()) < 1e-10


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_baseline_and_survival_function(data, ties):
    X, y, d = data
    m = CoxModel(ties=ties).fit(X, y)
    H = _breslow_cumhaz(d.time.to_numpy(float), d.status.to_numpy(bool), m.predict(X))
    np.testing.assert_allclose(m.baseline_cumulative_hazard_.reindex(H.index), H, atol=1e-10)
    S = m.predict_survival_function(X.iloc[:5], [0, 6, 12, 24, 1000])
    assert S.shape == (5, 5)
    assert np.all(S[:, 0] == 1.0) and np.all(np.diff(S, axis=1) <= 0) and np.all((S >= 0) & (S <= 1))
    # a higher risk score means a lower survival curve
    order = np.argsort(m.predict(X.iloc[:5]))
    assert np.all(np.diff(S[order, 3]) <= 0)
    assert m.baseline_survival_.iloc[0] < 1.0


def test_cox_sklearn_contract(data):
    X, y, _ = data
    m = CoxModel(penalizer=0.0, ties="breslow")
    assert clone(m).get_params() == m.get_params()
    m.fit(X, y)
    assert list(m.feature_names_in_) == PREDICTORS and m.n_features_in_ == 5
    assert 0.6 < m.score(X, y) < 0.8
    num = X.drop(columns="stage").to_numpy()
    pipe = make_pipeline(StandardScaler(), CoxModel()).fit(num, y)
    assert pipe.predict(num).shape == (len(num),)
    assert not hasattr(CoxModel().fit(num, y), "feature_names_in_")


def test_penalised_cox_shrinks_and_reports_no_inference(data):
    X, y, _ = data
    plain = CoxModel().fit(X, y)
    ridge = CoxModel(penalizer=0.1).fit(X, y)
    lasso = CoxModel(penalizer=0.1, l1_ratio=1.0).fit(X, y)
    from statsmodels.duration.hazard_regression import PHReg

    d = data[2]
    Z = pd.get_dummies(X, columns=["stage"], drop_first=True, dtype=float)
    Z = Z[["age", "size_mm", "sex", "stage_II", "stage_III", "rad_score"]].to_numpy()  # term order
    sd = Z.std(axis=0, ddof=1)
    assert np.linalg.norm(ridge.coef_ * sd) < np.linalg.norm(plain.coef_ * sd)
    # the documented objective l(b) - n * lambda / 2 * ||b * sd||^2 is stationary at the fit:
    # Efron score U(b) = n * lambda * sd^2 * b
    U = PHReg(d.time.to_numpy(float), Z, status=d.status.to_numpy(float), ties="efron").score(ridge.coef_)
    np.testing.assert_allclose(U, len(d) * 0.1 * sd**2 * ridge.coef_, rtol=1e-5)
    assert np.abs(lasso.coef_).min() < 1e-6  # the smoothed L1 penalty drives some to ~0
    assert ridge.summary_[["se", "z", "p", "hr_lower"]].isna().all().all()
    assert ridge.cov_ is None and np.isnan(ridge.loglik_)


def test_ridge_cox_matches_glmnet_on_untied_times():
    d = pd.read_csv(REF / "glmnet_input.csv")
    n = len(d)
    for lam, ref in pd.read_csv(REF / "glmnet_ridge.csv").groupby("lambda"):
        m = CoxModel(penalizer=lam * (n - 1) / n).fit(d[["a", "b", "c"]], make_survival_target(d.time, d.status))
        np.testing.assert_allclose(m.coef_, ref.coef.to_numpy(), rtol=0, atol=TOL)


def test_cox_errors(data):
    X, y, d = data
    with pytest.raises(ConfigError, match="Efron"):
        CoxModel(penalizer=0.1, ties="breslow").fit(X, y)
    with pytest.raises(ConfigError, match="ties"):
        CoxModel(ties="exact").fit(X, y)
    with pytest.raises(DataError, match="structured array"):
        CoxModel().fit(X, d.time)
    with pytest.raises(DataError, match="rank deficient"):
        CoxModel().fit(X.assign(age2=X.age * 2), y)
    # monotone likelihood: no event at all among the cases with flag = 1
    flag = (~d.status.astype(bool)) & (np.arange(len(d)) % 2 == 0)
    with pytest.raises(ConvergenceError, match="monotone likelihood|converge"):
        CoxModel().fit(X.assign(flag=flag.astype(float)), y)


def test_make_survival_target():
    y = make_survival_target([3, 1.5], [True, 0])
    assert y.dtype.names == ("event", "time") and y["event"].tolist() == [True, False]
    with pytest.raises(DataError, match="time has 2 values"):
        make_survival_target([1, 2], [1])
    with pytest.raises(DataError, match=">= 0"):
        make_survival_target([-1, 2], [1, 0])
    with pytest.raises(DataError, match="0/1"):
        make_survival_target([1, 2], [1, 2])


def test_random_survival_forest(data):
    X, y, _ = data
    a = RandomSurvivalForestModel(n_estimators=25, random_state=1).fit(X, y)
    b = RandomSurvivalForestModel(n_estimators=25, random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert a.score(X, y) > 0.7  # training C-index
    S = a.predict_survival_function(X.iloc[:3], [0.0, 12.0, 24.0])
    assert S.shape == (3, 3) and np.all(np.diff(S, axis=1) <= 1e-12)
    assert a.predict_survival_function(X.iloc[:3]).shape == (3, len(a.unique_times_))
    assert clone(a).get_params()["random_state"] == 1
    with pytest.raises(ConfigError):
        RandomSurvivalForestModel(n_estimators=0).fit(X, y)
