"""Univariate tests equal SciPy's and the corrections equal statsmodels' multipletests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from radiome.errors import ConfigError, DataError
from radiome.model._leakage import ATTR
from radiome.select.univariate import UnivariateFilter


def _data(seed=0, n=40, p=12):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, p))
    X[:, :3] += y[:, None] * np.array([1.5, 0.8, 0.4])
    X[:, 3] = np.round(X[:, 3] * 2)  # ties
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(p)]), y


@pytest.mark.parametrize("test", ["t", "welch", "mannwhitney"])
def test_two_group_tests_equal_scipy(test):
    X, y = _data()
    res = UnivariateFilter(test=test, correction=None).fit(X, y).results_
    a, b = X.to_numpy()[y == 1], X.to_numpy()[y == 0]
    for j, col in enumerate(X.columns):
        if test == "mannwhitney":
            ref = stats.mannwhitneyu(a[:, j], b[:, j], alternative="two-sided")
        else:
            ref = stats.ttest_ind(a[:, j], b[:, j], equal_var=(test == "t"))
        # vectorised over columns (axis=0): equal up to the summation order
        assert res.loc[col, "statistic"] == pytest.approx(ref.statistic, rel=1e-12)
        assert res.loc[col, "p"] == pytest.approx(ref.pvalue, rel=1e-12)
        assert res.loc[col, "q"] == res.loc[col, "p"]


def test_string_labels_positive_class_is_the_larger_label():
    X, y = _data()
    labels = np.where(y == 1, "malignant", "benign")  # 'malignant' > 'benign'
    r1 = UnivariateFilter(test="t").fit(X, labels).results_
    r2 = UnivariateFilter(test="t").fit(X, y).results_
    np.testing.assert_array_equal(r1["statistic"], r2["statistic"])
    assert r1.loc["f0", "statistic"] > 0


@pytest.mark.parametrize("correction", ["fdr_bh", "bonferroni", "holm", "fdr_by"])
def test_corrections_equal_statsmodels(correction):
    X, y = _data(p=30)
    sel = UnivariateFilter(test="welch", correction=correction, alpha=0.1).fit(X, y)
    reject, q, _, _ = multipletests(sel.results_["p"], alpha=0.1, method=correction)
    np.testing.assert_array_equal(sel.results_["q"], q)
    np.testing.assert_array_equal(sel.get_support(), reject)
    assert sel.get_support().any() or correction == "fdr_by"


def test_chi2_and_kruskal_and_correlations_equal_scipy():
    rng = np.random.default_rng(1)
    n = 80
    y = rng.integers(0, 2, n)
    cat = np.column_stack([rng.integers(0, 2, n), (y + (rng.random(n) < 0.3)) % 2, rng.integers(0, 4, n)]).astype(float)
    X = pd.DataFrame(cat, columns=["bin", "assoc", "four"])
    res = UnivariateFilter(test="chi2", correction=None).fit(X, y).results_
    for col in X.columns:
        ref = stats.chi2_contingency(pd.crosstab(X[col], y).to_numpy())
        assert res.loc[col, "statistic"] == pytest.approx(ref.statistic, rel=1e-14)
        assert res.loc[col, "p"] == pytest.approx(ref.pvalue, rel=1e-14)
    y3 = rng.integers(0, 3, n)
    Xc = pd.DataFrame(rng.normal(size=(n, 4)) + y3[:, None] * 0.3, columns=list("abcd"))
    res = UnivariateFilter(test="kruskal", correction=None).fit(Xc, y3).results_
    for col in Xc.columns:
        ref = stats.kruskal(*[Xc[col][y3 == k] for k in range(3)])
        assert res.loc[col, "p"] == pytest.approx(ref.pvalue, rel=1e-12)
    yc = Xc["a"] * 2 + rng.normal(size=n)
    for test, fn in [("pearson", stats.pearsonr), ("spearman", stats.spearmanr)]:
        res = UnivariateFilter(test=test, correction=None).fit(Xc, yc).results_
        for col in Xc.columns:
            ref = fn(Xc[col], yc)
            assert res.loc[col, "statistic"] == pytest.approx(ref.statistic, abs=1e-12)
            assert res.loc[col, "p"] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)


def test_auto_chooses_test_per_feature():
    X, y = _data()
    X["flag"] = (X["f0"] > 0).astype(float)
    res = UnivariateFilter().fit(X, y).results_
    assert res.loc["flag", "test"] == "chi2" and res.loc["f0", "test"] == "mannwhitney"
    yc = X["f1"].to_numpy() + 0.5
    assert set(UnivariateFilter().fit(X, yc).results_["test"]) == {"spearman"}
    y3 = np.arange(40) % 3
    r3 = UnivariateFilter().fit(X, y3).results_
    assert r3.loc["f0", "test"] == "kruskal" and r3.loc["flag", "test"] == "chi2"


def test_k_and_alpha_none_and_constant_feature():
    X, y = _data()
    X["const"] = 2.0
    sel = UnivariateFilter(test="welch", alpha=None, k=3).fit(X, y)
    p = sel.results_["p"]
    assert list(sel.get_feature_names_out()) == list(p.nsmallest(3).sort_index(key=lambda i: i.map(list(X.columns).index)).index)
    assert p["const"] == 1.0
    out = sel.transform(X)
    assert out.shape == (40, 3) and out.attrs[ATTR] == ("UnivariateFilter",)
    assert UnivariateFilter(alpha=None).fit(X, y).get_support().all()


def test_errors():
    X, y = _data()
    with pytest.raises(DataError, match="binary outcome"):
        UnivariateFilter(test="t").fit(X, np.arange(40) % 3)
    with pytest.raises(DataError, match="class outcome"):
        UnivariateFilter(test="chi2").fit(X, np.linspace(0, 1, 40))
    with pytest.raises(DataError, match="distinct values"):
        UnivariateFilter(test="chi2").fit(X, y)
    with pytest.raises(ConfigError):
        UnivariateFilter(test="anova").fit(X, y)
    with pytest.raises(ConfigError):
        UnivariateFilter(correction="fdr").fit(X, y)
    with pytest.raises(ConfigError):
        UnivariateFilter(k=0).fit(X, y)
    with pytest.raises(DataError, match="outcome y"):
        UnivariateFilter().fit(X, None)
