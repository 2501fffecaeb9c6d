"""mRMR: the incremental implementation equals a from-scratch greedy reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_selection import f_classif, f_regression

from radiome.errors import ConfigError
from radiome.model._leakage import ATTR
from radiome.select.mrmr import MRMR, REDUNDANCY_FLOOR


def _reference(X, rel, k, scheme):
    """Textbook greedy mRMR, recomputing every mean redundancy from scratch."""
    p = X.shape[1]
    R = np.abs(np.corrcoef(X, rowvar=False))
    selected = [int(np.argmax(rel))]
    while len(selected) < min(k, p):
        best, best_score = None, -np.inf
        for j in range(p):
            if j in selected:
                continue
            red = np.mean([max(R[j, s], REDUNDANCY_FLOOR) for s in selected])
            score = rel[j] / red if scheme == "quotient" else rel[j] - red
            if score > best_score:
                best, best_score = j, score
        selected.append(best)
    return selected


def _data(seed, n=80, p=15):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 4))
    X = latent[:, rng.integers(0, 4, p)] + rng.normal(size=(n, p)) * rng.uniform(0.2, 1.5, p)
    y = (latent[:, 0] + latent[:, 1] + rng.normal(size=n) > 0).astype(int)
    return X, y


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 100_000), k=st.integers(1, 15), scheme=st.sampled_from(["quotient", "difference"]))
def test_incremental_equals_reference(seed, k, scheme):
    X, y = _data(seed)
    sel = MRMR(k=k, scheme=scheme).fit(X, y)
    rel = f_classif(X, y)[0]
    np.testing.assert_allclose(sel.relevance_, rel)
    assert list(sel.ranking_) == _reference(X, rel, k, scheme)
    assert sel.get_support().sum() == k


def test_redundant_twin_is_not_picked_next():
    rng = np.random.default_rng(0)
    n = 150
    y = rng.integers(0, 2, n)
    strong = y + rng.normal(size=n) * 0.7
    X = pd.DataFrame(
        {"strong": strong, "twin": strong + rng.normal(size=n) * 0.05, "other": y + rng.normal(size=n) * 1.2}
    )
    X["noise"] = rng.normal(size=n)
    sel = MRMR(k=2).fit(X, y)
    assert list(np.asarray(X.columns)[sel.ranking_]) in (["strong", "other"], ["twin", "other"])
    out = sel.transform(X)
    assert out.shape == (n, 2) and out.attrs[ATTR] == ("MRMR",)


def test_continuous_outcome_uses_regression_f_and_k_larger_than_p():
    X, _ = _data(1)
    yc = X[:, 0] * 2 + np.random.default_rng(2).normal(size=80)
    sel = MRMR(k=50).fit(X, yc)
    np.testing.assert_allclose(sel.relevance_, f_regression(X, yc)[0])
    assert sel.get_support().all() and len(sel.ranking_) == X.shape[1]


def test_mutual_information_variant_is_reproducible():
    X, y = _data(3, p=8)
    a = MRMR(k=4, relevance="mi", redundancy="mi", scheme="difference", random_state=0).fit(X, y)
    b = MRMR(k=4, relevance="mi", redundancy="mi", scheme="difference", random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.ranking_, b.ranking_)
    np.testing.assert_array_equal(a.scores_, b.scores_)
    assert a.ranking_[0] == int(np.argmax(a.relevance_))


def test_constant_feature_and_config_errors():
    X, y = _data(4, p=5)
    X[:, 2] = 1.0
    sel = MRMR(k=5).fit(X, y)
    assert sel.relevance_[2] == 0.0 and sel.ranking_[-1] == 2
    for bad in [dict(k=0), dict(relevance="chi2"), dict(redundancy="spearman"), dict(scheme="ratio")]:
        with pytest.raises(ConfigError):
            MRMR(**bad).fit(X, y)
