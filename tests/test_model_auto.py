"""Model zoo and auto-model: registry, pipeline steps, estimator contract, honest estimate."""

from __future__ import annotations

import json
import warnings
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import check_estimator

from radiome.errors import ConfigError, DataError, LeakageError
from radiome.model._leakage import mark_transformed
from radiome.model.auto import (
    BUDGETS,
    FAMILIES,
    AutoModel,
    CorrelationPruner,
    ScoreEnsemble,
    UnivariateTopK,
    auto_model,
    candidate_pool,
    inner_oof,
    member_scores,
)
from radiome.model.estimators import (
    MODELS,
    NonFiniteToNaN,
    RankGauss,
    make_model,
    model_names,
    pipeline,
    preprocessing,
    search_space,
)

ISSUE_MODELS = {"lr", "lr_l1", "lr_l2", "rf", "svm", "knn", "nb", "gp", "lgbm", "mlp"}


def _data(n=80, p=30, seed=0, effect=1.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = (effect * X[:, 0] - effect * X[:, 1] + rng.normal(size=n) > 0).astype(int)
    return X, y


# ------------------------------------------------------------------------------- the zoo
def test_registry_covers_the_issue_models_and_builds_unfitted_estimators():
    assert ISSUE_MODELS <= set(model_names())
    X, y = _data(n=50, p=5)
    small = {"rf": {"n_estimators": 10}, "et": {"n_estimators": 10},
             "lgbm": {"n_estimators": 10}, "mlp": {"max_iter": 50}}
    for name in model_names():
        est = make_model(name, random_state=0)
        assert not [k for k in vars(est) if k.endswith("_") and not k.startswith("__")]
        space = search_space(name, prefix="model")
        pipe = pipeline(make_model(name, random_state=0, params=small.get(name)))
        if space:
            pipe.set_params(**{k: v[0] for k, v in space.items()})  # keys are valid params
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            proba = pipe.fit(X, y).predict_proba(X)
        assert proba.shape == (50, 2) and np.allclose(proba.sum(axis=1), 1.0)
        assert MODELS[name].description


def test_make_model_params_and_errors():
    rf = make_model("rf", random_state=3, params={"n_estimators": 50})
    assert rf.n_estimators == 50 and rf.random_state == 3
    with pytest.raises(ConfigError, match="did you mean 'rf'"):
        make_model("rff")
    with pytest.raises(ConfigError, match="n_estimators"):
        make_model("rf", params={"n_estimator": 5})
    with pytest.raises(ConfigError):
        preprocessing(scale="minmax")


def test_preprocessing_imputes_non_finite_values_inside_the_pipeline():
    X, y = _data(n=40, p=6)
    X = X.copy()
    X[0, 0], X[1, 1], X[2, 2] = np.nan, np.inf, -np.inf
    X[:, 5] = 7.0  # constant column
    Z = Pipeline(preprocessing("quantile")).fit_transform(X, y)
    assert Z.shape == (40, 5) and np.isfinite(Z).all()
    assert np.isinf(X[1, 1])  # input untouched


def test_rank_gauss_is_monotone_normal_scores():
    rng = np.random.default_rng(1)
    X = rng.lognormal(size=(99, 3))
    Z = RankGauss().fit(X).transform(X)
    from scipy.stats import norm

    ranks = np.argsort(np.argsort(X[:, 0])) + 1
    assert np.allclose(Z[:, 0], norm.ppf(ranks / 100))
    new = RankGauss().fit(X).transform(np.array([[-1.0, 1e9, X[5, 2]]]))
    assert new[0, 0] < Z[:, 0].min() and new[0, 1] > Z[:, 1].max()
    assert new[0, 2] == pytest.approx(Z[5, 2])


@pytest.mark.parametrize("est", [NonFiniteToNaN(), RankGauss(), CorrelationPruner(0.8),
                                 UnivariateTopK(k=3)], ids=lambda e: type(e).__name__)
def test_steps_follow_the_estimator_contract(est):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(est)


def test_correlation_pruner_and_topk():
    rng = np.random.default_rng(2)
    a = rng.normal(size=100)
    X = np.column_stack([a, a * 2 + 0.01 * rng.normal(size=100), rng.normal(size=100),
                         np.ones(100)])
    keep = CorrelationPruner(0.9).fit(X).get_support()
    assert keep.tolist() == [True, False, True, True]
    y = (X[:, 2] > 0).astype(int)
    top = UnivariateTopK(k=1).fit(X, y)
    assert top.get_support().tolist() == [False, False, True, False]
    assert UnivariateTopK(k=10).fit(X, y).transform(X).shape == (100, 4)


# ------------------------------------------------------------------------------ ensemble
def test_score_ensemble_averages_standardised_scores():
    X, y = _data()
    members = [("a", pipeline("lr_l2", random_state=0)), ("b", pipeline("nb"))]
    ens = ScoreEnsemble(members, weights=[2, 1], centers=[0.1, -0.2], scales=[0.5, 3.0],
                        intercept=0.3, slope=2.0).fit(X, y)
    s = np.column_stack([member_scores(m, X) for m in ens.estimators_])
    d = ((s - [0.1, -0.2]) / [0.5, 3.0]) @ np.array([2.0, 1.0]) / 3.0
    assert np.allclose(ens.decision_function(X), 0.3 + 2.0 * d)
    assert np.allclose(ens.predict_proba(X)[:, 1], 1 / (1 + np.exp(-(0.3 + 2.0 * d))))
    with pytest.raises(ConfigError):
        ScoreEnsemble(members, weights=[1.0]).fit(X, y)


# ----------------------------------------------------------------------------- AutoModel
def test_inner_oof_equals_refitting_each_candidate_pipeline():
    X, y = _data(n=60, p=40)
    cands = candidate_pool("tiny")
    S = inner_oof(cands, X, y, n_splits=3, n_repeats=2, seed=7)
    cv = RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=7)
    for c, cand in enumerate(cands):
        for i, (tr, va) in enumerate(cv.split(X, y)):
            model = cand.pipeline(7).fit(X[tr], y[tr])
            assert np.allclose(S[c, i // 3, va], member_scores(model, X[va]))


def test_automodel_fit_attributes_and_reproducibility():
    X, y = _data()
    X[3, 4] = np.nan
    am = AutoModel(budget="tiny", inner_cv=3, random_state=0).fit(X, y)
    res = am.cv_results_
    assert len(res["name"]) == len(res["mean_test_score"]) == len(res["rank_test_score"])
    assert res["mean_test_score"][am.best_index_] == am.best_score_
    assert res["rank_test_score"][np.argmax(res["mean_test_score"])] == 1
    assert set(am.best_params_) == {"members", "weights"}
    assert isinstance(am.best_pipeline_, ScoreEnsemble)
    assert am.oof_scores_.shape == (len(candidate_pool("tiny")), 1, len(y))
    p = am.predict_proba(X)
    assert p.shape == (len(y), 2) and np.allclose(p.sum(axis=1), 1)
    assert am.score(X, y) > 0.7
    again = AutoModel(budget="tiny", inner_cv=3, random_state=0).fit(X, y)
    assert np.allclose(again.predict_proba(X), p)


def test_family_representatives_and_ensemble_rules():
    X, y = _data(n=70, p=20, seed=3)
    cands = candidate_pool("tiny")
    fams = list(dict.fromkeys(c.family for c in cands))
    mean = AutoModel(budget="tiny", inner_cv=3, ensemble="mean", random_state=0).fit(X, y)
    res = mean.cv_results_
    scores = dict(zip(res["name"][: len(cands)], res["mean_test_score"][: len(cands)]))
    members = mean.best_params_["members"]
    assert len(members) == len(fams) and res["name"][mean.best_index_] == "mean"
    assert mean.best_params_["weights"] == [1.0] * len(fams)
    for fam in fams:  # each member is the best of its family by inner score
        in_fam = [c.name for c in cands if c.family == fam]
        best = max(in_fam, key=lambda n: (scores[n], -in_fam.index(n)))
        assert best in members
    sel = AutoModel(budget="tiny", inner_cv=3, ensemble="select", random_state=0).fit(X, y)
    single_best = max(scores.values())
    assert sel.best_score_ >= single_best - 1e-12
    none = AutoModel(budget="tiny", inner_cv=3, ensemble="none", random_state=0).fit(X, y)
    assert len(none.best_params_["members"]) == 1 and none.best_score_ == single_best
    with pytest.raises(ConfigError, match="ensemble"):
        AutoModel(ensemble="vote").fit(X, y)
    with pytest.raises(ConfigError, match="mean_margin"):
        AutoModel(mean_margin=-0.1).fit(X, y)


def test_group_rule_chooses_among_all_linear_and_trees_by_inner_score():
    X, y = _data(n=70, p=20, seed=3)
    fams = ("l1_coarse", "l2q_coarse", "et", "nb")
    cands = [c for f in fams for c in FAMILIES[f]]
    for margin in (0.0, 0.01, 0.5):
        am = AutoModel(budget="tiny", inner_cv=3, mean_margin=margin, random_state=0)
        with patch.dict(BUDGETS, {"tiny": (fams, 1)}):
            am.fit(X, y)
        res = am.cv_results_
        score = dict(zip(res["name"], res["mean_test_score"]))
        single = {n: score[n] for n in res["name"][: len(cands)]}
        reps = {}
        for c in cands:  # the representative of each family
            if c.family not in reps or single[c.name] > single[reps[c.family]]:
                reps[c.family] = c.name
        groups = {"mean": list(reps.values()),
                  "linear": [reps["l1_coarse"], reps["l2q_coarse"]], "trees": [reps["et"]]}
        assert set(groups) <= set(res["name"])
        for name, members in groups.items():  # each option is the mean of its members
            i = res["name"].index(name)
            assert sorted(res["members"][i]) == sorted(members)
        boosted = {n: score[n] + (margin if n == "mean" else 0.0) for n in groups}
        chosen = res["name"][am.best_index_]
        assert boosted[chosen] == max(boosted.values())
        assert sorted(am.best_params_["members"]) == sorted(groups[chosen])
    assert chosen == "mean"  # a margin of 0.5 AUC always keeps the mean of all


def test_automodel_in_a_pipeline_with_labels_clone_and_params():
    X, y = _data()
    labels = np.where(y == 1, "high", "low")
    am = AutoModel(budget="tiny", inner_cv=3, random_state=1)
    pipe = Pipeline([("clf", am)]).fit(X, labels)
    assert set(pipe.predict(X)) <= {"high", "low"}
    assert list(pipe.classes_) == ["high", "low"]
    c = clone(am).set_params(budget="small")
    assert c.get_params()["budget"] == "small" and am.budget == "tiny"
    with pytest.raises(ConfigError, match="budget"):
        AutoModel(budget="huge").fit(X, y)
    assert {c.family for c in candidate_pool(2)} == {"l1", "l2q"}
    with pytest.raises(ConfigError, match="budget"):
        candidate_pool(0)
    with pytest.raises(DataError, match="binary"):
        AutoModel(budget="tiny").fit(X, np.arange(len(y)) % 3)


@pytest.mark.parametrize("est", [
    AutoModel(budget="tiny", inner_cv=2, random_state=0),
    ScoreEnsemble([("a", pipeline("lr_l1")), ("b", pipeline("nb"))]),
], ids=["AutoModel", "ScoreEnsemble"])
def test_classifier_contract_checks(est):
    """scikit-learn's estimator checks (binary-only classifiers; the tiny budget)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(est, on_fail=None)
        failed = [r for r in results if r["status"] == "failed"]
    assert not failed, [(r["check_name"], str(r["exception"])[:200]) for r in failed]


# ------------------------------------------------------------------------- honest estimate
def test_auto_model_on_noise_is_chance_and_refuses_leaky_inputs():
    rng = np.random.default_rng(2024)
    X = rng.normal(size=(50, 300))
    y = np.r_[np.zeros(25, int), np.ones(25, int)]
    out = auto_model(X, y, budget="tiny", outer=5, n_repeats=2, inner_cv=3, random_state=0,
                     n_boot=200)
    # chance, or slightly below: stratified CV on pure noise is known to be a little
    # pessimistic; an optimistic (leaking) search would be well above 0.6
    assert 0.3 <= out.auc.value <= 0.6
    assert out.validation.design == "nested_cv" and len(out.fold_choices) == 10
    assert out.model is not None and hasattr(out.model, "best_pipeline_")
    freq = out.choice_frequencies()
    assert freq["folds"].sum() >= 10
    json.dumps(out.to_dict())
    with pytest.raises(LeakageError):
        auto_model(mark_transformed(pd.DataFrame(X), "Selector"), y, budget="tiny")


def test_auto_model_finds_signal():
    X, y = _data(n=90, p=60, seed=5)
    out = auto_model(pd.DataFrame(X), y, budget="tiny", outer=3, n_repeats=1, inner_cv=3,
                     random_state=0, refit=False, n_boot=0)
    assert out.auc.value > 0.8 and out.model is None


def test_auto_model_equals_the_generic_design_with_an_automodel():
    from radiome.model.validation import cross_validate_repeated

    X, y = _data(n=60, p=15, seed=8)
    out = auto_model(X, y, budget="tiny", outer=3, n_repeats=1, inner_cv=3, random_state=4,
                     refit=False, n_boot=0)
    ref = cross_validate_repeated(AutoModel(budget="tiny", inner_cv=3, random_state=4), X, y,
                                  n_splits=3, n_repeats=1, random_state=4, n_boot=0)
    assert np.allclose(out.validation.predictions["prob"], ref.predictions["prob"])
    assert out.validation.repeat_auc == ref.repeat_auc
