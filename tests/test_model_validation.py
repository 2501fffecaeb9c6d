"""Validation designs: stratification, repeat pooling, .632+, external by centre, leakage guard."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from radiome.errors import ConfigError, DataError, LeakageError
from radiome.evaluate.estimate import Estimate
from radiome.model._leakage import mark_transformed
from radiome.model.validation import (
    ValidationResult,
    _weighted_auc,
    bootstrap_632plus,
    bootstrap_auc_interval,
    combine_632plus,
    cross_validate_repeated,
    encode_binary,
    external_validate,
    nested_cv,
    split_validate,
)


def _table(n=90, p=6, seed=0, effect=1.0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, p)), columns=[f"f{j}" for j in range(p)],
                     index=[f"case{i:03d}" for i in range(n)])
    y = pd.Series((effect * X["f0"] + rng.normal(size=n) > 0.4).astype(int), index=X.index)
    return X, y


def _lr():
    return make_pipeline(StandardScaler(), LogisticRegression())


# --------------------------------------------------------------------------------- leakage
def test_noise_nested_cv_is_chance_while_selection_before_split_is_not():
    """50 cases x 2,000 noise features: honest nested CV ~ 0.5; selecting first, far above."""
    rng = np.random.default_rng(12345)
    X = rng.normal(size=(50, 2000))
    y = np.r_[np.zeros(25, int), np.ones(25, int)]
    pipe = make_pipeline(StandardScaler(), SelectKBest(f_classif, k=10),
                         LogisticRegression(C=1.0))
    honest = nested_cv(pipe, {"logisticregression__C": [0.1, 1.0]}, X, y, outer=5, inner=3,
                       n_repeats=2, random_state=0, n_boot=200)
    assert abs(honest.auc.value - 0.5) <= 0.1

    # The classic mistake, by hand with scikit-learn (radiome cannot see it): select the 10
    # features most associated with y on ALL cases, then cross-validate the model only.
    keep = SelectKBest(f_classif, k=10).fit(X, y).get_support()
    leaky = cross_validate_repeated(_lr(), X[:, keep], y, n_splits=5, n_repeats=2,
                                    random_state=0, n_boot=0)
    assert leaky.auc.value > 0.8
    assert leaky.auc.value - honest.auc.value > 0.3


def test_refuses_a_table_transformed_by_a_radiome_step():
    X, y = _table()
    Xt = mark_transformed(X.copy(), "ZScore")
    for call in (lambda: cross_validate_repeated(_lr(), Xt, y),
                 lambda: split_validate(_lr(), Xt, y),
                 lambda: nested_cv(_lr(), {"logisticregression__C": [1.0]}, Xt, y),
                 lambda: bootstrap_632plus(_lr(), Xt, y, B=5),
                 lambda: external_validate(_lr(), Xt, y, groups=np.arange(len(y)) % 3)):
        with pytest.raises(LeakageError, match="inside the pipeline"):
            call()


def test_refuses_a_fitted_estimator_or_fitted_step():
    X, y = _table()
    with pytest.raises(LeakageError, match="already fitted.*inside the pipeline"):
        cross_validate_repeated(_lr().fit(X, y), X, y)
    scaler = StandardScaler().fit(X)  # fitted on all cases, then put in a pipeline
    pipe = make_pipeline(scaler, LogisticRegression())
    with pytest.raises(LeakageError, match="standardscaler"):
        split_validate(pipe, X, y)
    with pytest.raises(ConfigError):
        cross_validate_repeated(object(), X, y)


# -------------------------------------------------------------------------- stratification
def test_split_is_stratified_two_to_one():
    X, y = _table(n=99)
    res = split_validate(_lr(), X, y, test_size=1 / 3, random_state=3, n_boot=100)
    pred = res.predictions
    assert len(pred) == 33 and pred["case"].is_unique
    assert set(pred["case"]) <= set(X.index)
    assert abs(pred["y"].mean() - y.mean()) <= 1 / 33 + 1e-12
    assert res.settings["n_train"] == 66
    assert res.auc.value == pytest.approx(res.repeat_auc[0])
    assert res.auc.lower <= res.auc.value <= res.auc.upper


def test_repeated_cv_folds_are_stratified_and_each_case_once_per_repeat():
    X, y = _table(n=83)
    res = cross_validate_repeated(_lr(), X, y, n_splits=5, n_repeats=3, random_state=1,
                                  n_boot=0)
    pred = res.predictions
    assert list(pred.columns) == ["case", "repeat", "fold", "y", "prob"]
    for _, g in pred.groupby("repeat"):
        assert sorted(g["case"]) == sorted(X.index)
        pos_per_fold = g.groupby("fold")["y"].sum()
        assert pos_per_fold.max() - pos_per_fold.min() <= 1
    # the truth column is the case's own outcome
    assert (pred["y"].to_numpy() == y.loc[pred["case"]].to_numpy()).all()


def test_repeat_pooling_and_mean():
    X, y = _table(n=70, seed=4, effect=0.7)
    res = cross_validate_repeated(_lr(), X, y, n_splits=5, n_repeats=4, random_state=2,
                                  n_boot=300)
    from sklearn.metrics import roc_auc_score

    pooled = [roc_auc_score(g["y"], g["prob"]) for _, g in res.predictions.groupby("repeat")]
    assert np.allclose(res.repeat_auc, pooled)
    assert res.auc.value == pytest.approx(np.mean(pooled))
    per_fold = [roc_auc_score(g["y"], g["prob"])
                for _, g in res.predictions.groupby(["repeat", "fold"])]
    assert not np.isclose(np.mean(per_fold), res.auc.value)  # pooled, not fold-averaged
    assert res.auc.method == "bootstrap" and res.auc.lower < res.auc.value < res.auc.upper
    # same seed, same splits as scikit-learn's RepeatedStratifiedKFold
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=4, random_state=2)
    first_test = next(iter(cv.split(X, y)))[1]
    r0f0 = res.predictions.query("repeat == 0 and fold == 0")["case"]
    assert sorted(r0f0) == sorted(X.index[first_test])


def test_nested_cv_records_fold_choices_and_is_reproducible():
    X, y = _table(n=60)
    space = {"logisticregression__C": [0.01, 1.0]}
    a = nested_cv(_lr(), space, X, y, outer=3, inner=3, n_repeats=2, random_state=5, n_boot=50)
    b = nested_cv(_lr(), space, X, y, outer=3, inner=3, n_repeats=2, random_state=5, n_boot=50)
    assert len(a.fold_params) == 6 and all("logisticregression__C" in p for p in a.fold_params)
    assert a.repeat_auc == b.repeat_auc and a.auc == b.auc
    with pytest.raises(ConfigError):
        nested_cv(_lr(), {}, X, y)


# ------------------------------------------------------------------------------- .632+
def test_combine_632plus_known_values():
    # apparent 0.1, leave-one-out bootstrap 0.3, no-information 0.5:
    # R = 0.2 / 0.4 = 0.5, w = 0.632 / (1 - 0.368 * 0.5) = 0.632 / 0.816
    est, R, w = combine_632plus(0.1, 0.3, 0.5)
    assert R == pytest.approx(0.5)
    assert w == pytest.approx(0.632 / 0.816)
    assert est == pytest.approx((1 - 0.632 / 0.816) * 0.1 + 0.632 / 0.816 * 0.3)
    assert est == pytest.approx(0.254901960784, abs=1e-12)
    # no overfitting (Err1 <= apparent): R = 0, the plain .632 estimator
    est, R, w = combine_632plus(0.2, 0.15, 0.5)
    assert (R, w) == (0.0, 0.632) and est == pytest.approx(0.368 * 0.2 + 0.632 * 0.15)
    # Err1 beyond the no-information rate is capped at gamma and R = 1, w = 1
    est, R, w = combine_632plus(0.0, 0.6, 0.5)
    assert R == 1.0 and w == pytest.approx(1.0) and est == pytest.approx(0.5)


class _RowRecorder(ClassifierMixin, BaseEstimator):
    """Predicts 0.9 for a test case seen in training (by its id in column 0), else 0.1."""

    def fit(self, X, y):
        self.seen_ = set(np.asarray(X)[:, 0].tolist())
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        ids = np.asarray(X)[:, 0]
        p = np.array([0.9 if i in self.seen_ else 0.1 for i in ids])
        return np.column_stack([1 - p, p])


def test_bootstrap_632plus_on_a_memorising_classifier():
    """1-NN on noise memorises: apparent AUC 1 and error 0, so R ~ 1 and .632+ ~ out-of-bag."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    y = np.r_[np.zeros(30, int), np.ones(30, int)]
    res = bootstrap_632plus(KNeighborsClassifier(n_neighbors=1), X, y, B=40, random_state=1)
    ex = res.extra
    assert ex["auc_apparent"] == 1.0 and ex["error_apparent"] == 0.0
    # recompute the components from the out-of-bag predictions
    from sklearn.metrics import roc_auc_score

    oob = [roc_auc_score(g["y"], g["prob"]) for _, g in res.predictions.groupby("repeat")]
    assert ex["auc_oob"] == pytest.approx(np.mean(oob))
    pred = res.predictions.assign(err=lambda d: ((d["prob"] >= 0.5) != d["y"]).astype(float))
    err1 = pred.groupby("case")["err"].mean().mean()
    assert ex["error_oob"] == pytest.approx(err1)
    gamma = 0.5 * (1 - 0.5) + 0.5 * 0.5  # p1 = 1/2, q1 = 1/2 (apparent fit predicts y)
    assert ex["error_no_information"] == pytest.approx(gamma)
    exp_err, _, _ = combine_632plus(0.0, err1, gamma)
    assert ex["error_632plus"].value == pytest.approx(exp_err)
    exp_auc = 1 - combine_632plus(0.0, 1 - np.mean(oob), 0.5)[0]
    assert res.auc.value == pytest.approx(exp_auc)
    # complete overfitting: R near 1, so .632+ leans on the out-of-bag AUC, not the apparent
    assert ex["auc_R"] > 0.7 and ex["auc_weight"] > 0.85
    assert ex["auc_oob"] <= res.auc.value < 0.5 * (ex["auc_oob"] + ex["auc_apparent"])
    assert res.auc.lower <= res.auc.value <= res.auc.upper
    assert len(res.repeat_auc) == 40


def test_bootstrap_oob_cases_are_never_training_cases():
    n = 40
    X = np.column_stack([np.arange(n), np.zeros(n)])
    y = np.r_[np.zeros(20, int), np.ones(20, int)]
    res = bootstrap_632plus(_RowRecorder(), X, y, B=10, random_state=0)
    assert (res.predictions["prob"] == 0.1).all()  # no out-of-bag case was seen in training


# ---------------------------------------------------------------------------- external
def test_leave_one_centre_out_never_trains_on_the_test_centre():
    n = 60
    X = np.column_stack([np.arange(n), np.zeros(n)])
    y = np.tile([0, 1], n // 2)
    centres = np.repeat(["A", "B", "C"], n // 3)
    res = external_validate(_RowRecorder(), X, y, groups=centres, n_boot=0)
    pred = res.predictions
    assert (pred["prob"] == 0.1).all()
    assert sorted(pred["case"]) == list(range(n))
    assert set(pred["group"]) == {"A", "B", "C"} and pred["fold"].nunique() == 3
    assert set(res.group_auc) == {"A", "B", "C"}


def test_external_train_test_centres():
    X, y = _table(n=90)
    centres = np.repeat(["north", "south", "east"], 30)
    res = external_validate(_lr(), X, y, centres, train_groups=["north", "south"], n_boot=200,
                            random_state=0)
    assert set(res.predictions["group"]) == {"east"} and len(res.predictions) == 30
    assert res.auc.value == pytest.approx(res.group_auc["east"])
    assert res.settings["test_groups"] == ["east"]
    with pytest.raises(LeakageError, match="both"):
        external_validate(_lr(), X, y, centres, train_groups=["north"],
                          test_groups=["north", "east"])
    with pytest.raises(ConfigError, match="unknown groups"):
        external_validate(_lr(), X, y, centres, train_groups=["west"])
    with pytest.raises(DataError):
        external_validate(_lr(), X, y, centres[:10])


# ---------------------------------------------------------------------- inputs, results
def test_input_validation():
    X, y = _table()
    with pytest.raises(DataError, match="rows"):
        cross_validate_repeated(_lr(), X.iloc[:-1].to_numpy(), y.to_numpy())
    with pytest.raises(DataError, match="two classes"):
        cross_validate_repeated(_lr(), X, np.zeros(len(y)))
    with pytest.raises(DataError, match="fewer than n_splits"):
        cross_validate_repeated(_lr(), X.iloc[:12], np.r_[np.zeros(9), np.ones(3)])
    labels = np.where(y == 1, "malignant", "benign")
    with pytest.raises(DataError, match="pos_label"):
        cross_validate_repeated(_lr(), X, labels)
    res = cross_validate_repeated(_lr(), X, labels, pos_label="malignant", n_repeats=1,
                                  random_state=0, n_boot=0)
    ref = cross_validate_repeated(_lr(), X, y, n_repeats=1, random_state=0, n_boot=0)
    assert res.repeat_auc == pytest.approx(ref.repeat_auc) and res.pos_label == "malignant"
    assert encode_binary(pd.Series([True, False, True]))[0].tolist() == [1, 0, 1]
    with pytest.raises(DataError, match="non-finite"):
        encode_binary([0.0, 1.0, np.nan])


def test_result_serialises_summarises_and_plots():
    X, y = _table()
    res = cross_validate_repeated(_lr(), X, y, n_repeats=2, random_state=0, n_boot=100,
                                  keep_models=True)
    assert isinstance(res, ValidationResult) and isinstance(res.auc, Estimate)
    assert len(res.models) == 10
    d = json.loads(json.dumps(res.to_dict()))
    assert d["design"] == "repeated_cv" and len(d["predictions"]["case"]) == 2 * len(y)
    s = res.summary()
    assert list(s.columns) == ["quantity", "value", "lower", "upper", "level", "method"]
    assert s.iloc[0]["quantity"] == "auc" and s.iloc[0]["value"] == res.auc.value
    ax = res.plot()
    assert ax.get_xlabel() == "1 - specificity"
    with pytest.raises(AttributeError):
        res.design = "other"  # frozen


# ------------------------------------------------------------------- AUC and bootstrap
@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(-3, 3)), min_size=4, max_size=40))
def test_weighted_auc_equals_sklearn_and_ignores_monotone_maps(pairs):
    from sklearn.metrics import roc_auc_score

    y = np.array([p[0] for p in pairs])
    s = np.array([p[1] for p in pairs], dtype=float)
    if y.min() == y.max():
        return
    ones = np.ones((1, len(y)))
    a = _weighted_auc(s, y, ones)[0]
    assert a == pytest.approx(roc_auc_score(y, s))
    assert _weighted_auc(np.exp(s) * 3 + 1, y, ones)[0] == pytest.approx(a)
    # integer weights = repeated cases
    w = (np.arange(len(y)) % 3).astype(float)
    if (w * y).sum() > 0 and (w * (1 - y)).sum() > 0:
        rep = np.repeat(np.arange(len(y)), w.astype(int))
        assert _weighted_auc(s, y, w[None, :])[0] == pytest.approx(roc_auc_score(y[rep], s[rep]))


def test_bootstrap_interval_covers_and_is_seeded():
    rng = np.random.default_rng(0)
    n = 120
    y = rng.integers(0, 2, n)
    pred = pd.DataFrame({"case": np.tile(np.arange(n), 3), "repeat": np.repeat([0, 1, 2], n),
                         "y": np.tile(y, 3), "prob": np.tile(y, 3) + rng.normal(size=3 * n)})
    v, lo, hi = bootstrap_auc_interval(pred, n_boot=500, random_state=1)
    assert lo < v < hi and hi - lo < 0.25
    assert (v, lo, hi) == bootstrap_auc_interval(pred, n_boot=500, random_state=1)
    v0, lo0, hi0 = bootstrap_auc_interval(pred, n_boot=0)
    assert v0 == v and math.isnan(lo0) and math.isnan(hi0)
