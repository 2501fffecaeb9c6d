"""Near-zero variance (caret goldens), correlation redundancy, and the shared selector contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import check_estimator

from radiome.errors import ConfigError, DataError
from radiome.model._leakage import ATTR
from radiome.select.filters import CorrelationFilter, NearZeroVariance, correlation_matrix
from radiome.select.mrmr import MRMR
from radiome.select.univariate import UnivariateFilter

REF = Path(__file__).parent / "reference" / "select" / "nzv"

# radiome raises DataError (not a ValueError subclass) for unusable input; these checks demand
# ValueError specifically, and everything else in check_estimator must pass.
VALUE_ERROR_CHECKS = {
    name: "radiome raises DataError (not ValueError) for unusable input"
    for name in (
        "check_n_features_in_after_fitting", "check_complex_data", "check_estimators_empty_data_messages",
        "check_estimators_nan_inf", "check_transformer_general", "check_fit2d_1sample", "check_fit1d",
        "check_fit2d_predict1d", "check_dtype_object",
    )
}  # fmt: skip


@pytest.mark.parametrize(
    "est", [NearZeroVariance(), CorrelationFilter(keep="first"), UnivariateFilter(alpha=None, k=2), MRMR(k=2)]
)
def test_sklearn_contract(est):
    check_estimator(est, expected_failed_checks=VALUE_ERROR_CHECKS)


def test_nzv_matches_caret():
    X = pd.read_csv(REF / "input.csv")
    gold = pd.read_csv(REF / "caret_nzv.csv")
    for (fc, uc), g in gold.groupby(["freq_cut", "unique_cut"]):
        sel = NearZeroVariance(freq_cut=fc, unique_cut=uc).fit(X)
        m = sel.metrics_.loc[g["feature"]]
        np.testing.assert_allclose(m["freq_ratio"], g["freq_ratio"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(m["percent_unique"], g["percent_unique"], rtol=0, atol=1e-12)
        assert list(m["zero_var"]) == list(g["zero_var"])
        assert list(m["nzv"]) == list(g["nzv"])
        assert list(sel.get_feature_names_out()) == list(g.loc[~g["nzv"], "feature"])


def test_nzv_transform_keeps_frame():
    X = pd.read_csv(REF / "input.csv").set_axis([f"c{i}" for i in range(60)], axis=0)
    X.attrs["source"] = "test"
    out = NearZeroVariance().fit(X).transform(X)
    assert "constant" not in out.columns and "continuous" in out.columns
    assert list(out.index) == list(X.index)
    assert out.attrs[ATTR] == ("NearZeroVariance",) and out.attrs["source"] == "test"
    assert ATTR not in X.attrs  # input untouched
    arr = NearZeroVariance().fit(X.to_numpy()).transform(X.to_numpy())
    assert isinstance(arr, np.ndarray) and arr.shape == out.shape


def _groups(seed=0, n=200):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    base = rng.normal(size=n)
    X = pd.DataFrame(
        {
            "a_weak": base + 0.1 * rng.normal(size=n),
            "a_strong": base + 0.1 * rng.normal(size=n) + 0.8 * y,
            "a_mid": base + 0.1 * rng.normal(size=n) + 0.3 * y,
            "b": rng.normal(size=n),
            "c": rng.normal(size=n) * 10,
        }
    )
    X["c_twin"] = X["c"] * 0.5 + 0.01 * rng.normal(size=n)
    return X, y


def test_correlation_filter_keeps_member_most_associated_with_outcome():
    X, y = _groups()
    sel = CorrelationFilter(threshold=0.9).fit(X, y)
    kept = list(sel.get_feature_names_out())
    assert "a_strong" in kept and "a_weak" not in kept and "a_mid" not in kept
    assert "b" in kept and sum(c in kept for c in ("c", "c_twin")) == 1
    groups = sel.groups_.set_index("feature")
    assert groups.loc["a_weak", "kept"] == "a_strong" and groups.loc["a_weak", "correlation"] > 0.9
    from sklearn.metrics import roc_auc_score

    gap = {c: abs(roc_auc_score(y, X[c]) - 0.5) for c in X.columns}
    np.testing.assert_allclose(sel.priority_, [gap[c] for c in X.columns], atol=1e-12)


def test_correlation_filter_priorities():
    X, y = _groups()
    first = CorrelationFilter(keep="first").fit(X)
    assert list(first.get_feature_names_out()) == ["a_weak", "b", "c"]
    var = CorrelationFilter(keep="variance").fit(X)
    assert list(var.get_feature_names_out())[-1] == "c"  # variance 100 beats its half-scale twin
    yc = X["a_mid"] * 0 + X["a_strong"] + np.random.default_rng(3).normal(size=200) * 0.1
    cont = CorrelationFilter(keep="outcome", method="spearman").fit(X, yc)
    assert "a_strong" in cont.get_feature_names_out()
    with pytest.raises(DataError, match="keep='outcome' needs the outcome"):
        CorrelationFilter().fit(X)
    with pytest.raises(ConfigError):
        CorrelationFilter(method="kendall").fit(X, y)
    with pytest.raises(ConfigError):
        CorrelationFilter(threshold=1.5).fit(X, y)
    with pytest.raises(DataError, match="non-numeric"):
        CorrelationFilter().fit(X, np.array(["a", "b", "c", "d"] * 50))


def test_correlation_filter_threshold_is_strict_and_deterministic():
    x = np.arange(10.0)
    X = np.column_stack([x, x, -x])
    sel = CorrelationFilter(threshold=1.0, keep="first").fit(X)
    assert sel.get_support().all()  # |r| = 1 is not > 1
    sel = CorrelationFilter(threshold=0.99, keep="first").fit(X)
    assert sel.get_support().tolist() == [True, False, False]
    assert list(sel.get_feature_names_out()) == ["x0"]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 100_000), thr=st.floats(0.3, 0.95), method=st.sampled_from(["pearson", "spearman"]))
def test_correlation_filter_invariants(seed, thr, method):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(40, 3))
    X = latent[:, rng.integers(0, 3, 12)] + rng.normal(size=(40, 12)) * rng.uniform(0.05, 1.0, 12)
    y = rng.integers(0, 2, 40)
    y[:2] = [0, 1]
    sel = CorrelationFilter(threshold=thr, method=method).fit(X, y)
    R = np.abs(correlation_matrix(X, method))
    kept = np.flatnonzero(sel.support_)
    sub = R[np.ix_(kept, kept)] - np.eye(kept.size)
    assert (sub <= thr).all()  # no redundant pair survives
    rank = {j: r for r, j in enumerate(np.lexsort((np.arange(12), -sel.priority_)))}
    for j in np.flatnonzero(~sel.support_):  # each dropped feature has a better kept partner
        assert any(R[j, i] > thr and rank[i] < rank[j] for i in kept)
    again = CorrelationFilter(threshold=thr, method=method).fit(X[:, ::-1][:, ::-1], y)
    assert (again.support_ == sel.support_).all()


def test_errors_name_the_problem():
    X, y = _groups()
    bad = X.copy()
    bad.iloc[3, 1] = np.nan
    with pytest.raises(DataError, match="'a_strong'"):
        CorrelationFilter().fit(bad, y)
    with pytest.raises(DataError, match="has 10 values but X has 200 rows"):
        CorrelationFilter().fit(X, y[:10])
    with pytest.raises(DataError, match="single value"):
        CorrelationFilter().fit(X, np.zeros(200))
    sel = CorrelationFilter().fit(X, y)
    with pytest.raises(DataError, match="columns seen at fit"):
        sel.transform(X.drop(columns="b"))
    with pytest.raises(ConfigError):
        NearZeroVariance(freq_cut=-1).fit(X)


def test_pipeline_and_clone():
    X, y = _groups()
    pipe = make_pipeline(NearZeroVariance(), CorrelationFilter(threshold=0.8), LogisticRegression())
    assert cross_val_score(pipe, X, y, cv=3).shape == (3,)
    c = clone(CorrelationFilter(threshold=0.7, method="spearman"))
    assert c.get_params() == {"threshold": 0.7, "method": "spearman", "keep": "outcome"}
    fitted = pipe.fit(X, y)
    assert list(fitted[:-1].get_feature_names_out()) == list(fitted[1].get_feature_names_out())
