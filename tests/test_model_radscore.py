"""Rad-score: formula text, scales (input / z-score), score, R's glmnet coefficients."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from radiome.errors import ConfigError, DataError
from radiome.model._leakage import ATTR
from radiome.model.radscore import RadScore
from radiome.select.lasso import LassoCoxCV, LassoLogisticCV

REF = Path(__file__).parent / "reference" / "r" / "glmnet"


class FixedLinear(BaseEstimator):
    """A 'selector' with given coefficients, to test the formula text exactly."""

    def __init__(self, coef=None, intercept=0.0):
        self.coef = coef
        self.intercept = intercept

    def fit(self, X, y):
        self.coef_ = np.asarray(self.coef, dtype=float)
        self.intercept_ = self.intercept
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):  # pragma: no cover - presence only
        raise NotImplementedError


def _frame(cols):
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(30, len(cols))) + 5, columns=cols), rng.integers(0, 2, 30)


def test_formula_text_signs_and_digits():
    X, y = _frame(["Sphericity", "GLCM_Contrast", "Unused", "Energy"])
    rs = RadScore(FixedLinear([-0.19212, 0.0412, 0.0, -0.00004], 0.0951)).fit(X, y)
    assert rs.formula() == "Rad-score = 0.095 - 0.192 x Sphericity + 0.041 x GLCM_Contrast - 4e-05 x Energy"
    text = "Rad-score = 0.10 - 0.19 × Sphericity + 0.04 × GLCM_Contrast - 4e-05 × Energy"
    assert rs.formula(digits=2, times="×") == text
    assert list(rs.coefficients_.index) == ["Sphericity", "GLCM_Contrast", "Energy"]
    rs = RadScore(FixedLinear([0.5, -2.0, 0.0, 0.0], -1.25), name="RS").fit(X, y)
    assert rs.formula() == "RS = -1.250 - 2.000 x GLCM_Contrast + 0.500 x Sphericity"
    rs = RadScore(FixedLinear([0.0, -2.0, 0.0, 0.0], 0.0)).fit(X, y)  # no intercept (Cox-like)
    assert rs.formula() == "Rad-score = -2.000 x GLCM_Contrast"


def test_score_is_the_formula():
    X, y = _frame(["a", "b", "c"])
    rs = RadScore(FixedLinear([1.5, 0.0, -0.25], 0.3)).fit(X, y)
    np.testing.assert_allclose(rs.decision_function(X), 0.3 + 1.5 * X["a"] - 0.25 * X["c"])
    out = rs.transform(X)
    assert list(out.columns) == ["Rad-score"] and out.attrs[ATTR] == ("RadScore",)
    assert rs.transform(X.to_numpy()).shape == (30, 1)
    p = rs.predict_proba(X)[:, 1]
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-rs.decision_function(X))))


def test_standardize_writes_z_scores_with_means_and_sds():
    X, y = _frame(["a", "b", "c"])
    rs = RadScore(FixedLinear([0.8, 0.0, -0.4], 0.1), standardize=True).fit(X, y)
    assert rs.formula() == "Rad-score = 0.100 + 0.800 x z(a) - 0.400 x z(c)"
    m, s = X.mean(), X.std(ddof=0)
    np.testing.assert_allclose(rs.means_, m)
    np.testing.assert_allclose(rs.scales_, s)
    z = (X - m) / s
    np.testing.assert_allclose(rs.decision_function(X), 0.1 + 0.8 * z["a"] - 0.4 * z["c"])
    d = rs.to_dict()
    json.dumps(d)
    assert d["scale"] == "z-score" and set(d["means"]) == {"a", "c"}
    assert d["sds"]["a"] == pytest.approx(s["a"])
    tab = rs.to_frame()
    assert list(tab.columns) == ["coefficient", "mean", "sd"] and tab.index[0] == "(Intercept)"


def test_lasso_radscore_matches_glmnet_lambda_1se():
    """Default selector (LASSO logistic, lambda.1se) with R's folds: glmnet's coefficients."""
    X = pd.read_csv(REF / "binom_x.csv")
    Y = pd.read_csv(REF / "binom_y.csv")
    gold = pd.read_csv(REF / "binom_tight_coef.csv")["coef_1se"].to_numpy()
    rs = RadScore(LassoLogisticCV(foldid=Y["foldid"].to_numpy())).fit(X, Y["y"])
    assert rs.intercept_ == pytest.approx(gold[0], abs=1e-4)
    nz = np.flatnonzero(gold[1:])
    assert list(rs.coefficients_.index) == list(X.columns[nz])
    np.testing.assert_allclose(rs.coefficients_.to_numpy(), gold[1:][nz], rtol=0, atol=1e-4)
    # the formula, read back, gives the score to its printed precision
    terms = rs.formula(digits=6).split("=")[1].replace("- ", "-").replace("+ ", "").split()
    assert float(terms[0]) == pytest.approx(rs.intercept_, abs=1e-6)
    # z-scoring inside: glmnet's fit is scale-invariant, so the score is the same
    rz = RadScore(LassoLogisticCV(foldid=Y["foldid"].to_numpy()), standardize=True).fit(X, Y["y"])
    np.testing.assert_allclose(rz.decision_function(X), rs.decision_function(X), rtol=0, atol=1e-8)
    np.testing.assert_allclose(rz.coefficients_, rs.coefficients_ * X.std(ddof=0)[rs.coefficients_.index], rtol=1e-8)
    d = rs.to_dict()
    assert d["rule"] == "1se" and d["lambda"] == pytest.approx(d["lambda_1se"]) and d["scale"] == "input"
    json.dumps(d)


def test_cox_radscore_has_no_intercept_nor_probabilities():
    X = pd.read_csv(REF / "cox_x.csv")
    Y = pd.read_csv(REF / "cox_y.csv")
    y = (Y["time"].to_numpy(), Y["status"].to_numpy())
    rs = RadScore(LassoCoxCV(foldid=Y["foldid"].to_numpy())).fit(X, y)
    assert rs.intercept_ == 0.0 and "(Intercept)" not in rs.to_frame().index
    assert not hasattr(rs, "predict_proba")
    gold = pd.read_csv(REF / "cox_tight_coef.csv")["coef_1se"].to_numpy()
    np.testing.assert_allclose(rs.selector_.coef_, gold, rtol=0, atol=1e-4)
    np.testing.assert_allclose(rs.predict(X), X.to_numpy() @ gold, atol=1e-3)


def test_pipeline_clone_and_errors():
    X = pd.read_csv(REF / "binom_x.csv").iloc[:, :15]
    y = pd.read_csv(REF / "binom_y.csv")["y"].to_numpy()
    pipe = make_pipeline(StandardScaler(), RadScore(LassoLogisticCV(n_folds=5, n_lambda=20, random_state=0)))
    auc = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc")
    assert np.all(auc > 0.55)
    rs = RadScore(digits=2)
    assert clone(rs).get_params()["digits"] == 2
    with pytest.raises(ConfigError, match="digits"):
        RadScore(digits=-1).fit(X, y)
    Xn = X.copy()
    Xn.iloc[0, 0] = np.inf
    with pytest.raises(DataError, match="missing or infinite"):
        RadScore().fit(Xn, y)
    Xc = X.copy()
    Xc["flat"] = 1.0
    with pytest.raises(DataError, match="flat"):
        RadScore(standardize=True).fit(Xc, y)
