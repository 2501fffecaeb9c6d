"""Univariate association tests with multiple-testing correction, as a selector.

Each feature is tested on its own against the outcome (two-sample t, Welch, Mann-Whitney U,
chi-square, Kruskal-Wallis, Pearson or Spearman correlation); the p-values are corrected for
the number of features (Benjamini-Hochberg FDR by default) and the features with a corrected
p-value (q) at most ``alpha`` are kept, optionally only the ``k`` strongest.

The statistics are SciPy's (``ttest_ind``, ``mannwhitneyu``, ``chi2_contingency``,
``kruskal``, ``pearsonr``; vectorised with ``axis=0`` where SciPy allows) and the corrections
statsmodels' ``multipletests``; the tests check equality with direct calls. Only the glue
(choice of test per feature, selection rule, result table) is written here.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from radiome.errors import ConfigError, DataError
from radiome.select.filters import BaseSelector, _check_int, check_target

__all__ = ["UnivariateFilter", "univariate_tests"]

_TESTS = ("auto", "t", "welch", "mannwhitney", "chi2", "kruskal", "pearson", "spearman")
_BINARY = ("t", "welch", "mannwhitney")
_CLASSES = ("chi2", "kruskal")
_NUMERIC = ("pearson", "spearman")
_CORRECTIONS = (
    "fdr_bh", "fdr_by", "bonferroni", "holm", "sidak", "holm-sidak", "simes-hochberg", "hommel",
)  # fmt: skip
#: a chi-square test of a feature with more distinct values than this is refused
CHI2_MAX_LEVELS = 20


def _chi2(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    table = pd.crosstab(x, y).to_numpy()
    if table.shape[0] < 2:
        return 0.0, 1.0
    res = stats.chi2_contingency(table)
    return float(res.statistic), float(res.pvalue)


def univariate_tests(X: np.ndarray, y: np.ndarray, tests: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Statistic and two-sided p-value of ``tests[j]`` for each column ``j`` of ``X``.

    Two-group tests compare the larger label (positive class) with the other; the statistic is
    the t statistic of mean(positive) - mean(other), or Mann-Whitney's U of the positive class.
    A p-value that cannot be computed (constant feature) is reported as 1.
    """
    p = X.shape[1]
    stat = np.full(p, np.nan)
    pval = np.full(p, np.nan)
    tests_arr = np.asarray(tests)
    labels = np.unique(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in np.unique(tests_arr):
            cols = np.flatnonzero(tests_arr == name)
            Xc = X[:, cols]
            if name in _BINARY:
                cols = cols[np.ptp(Xc, axis=0) > 0]  # a constant feature keeps p = 1
                if cols.size == 0:
                    continue
                Xc = X[:, cols]
                a, b = Xc[y == labels[-1]], Xc[y == labels[0]]
                if name == "mannwhitney":
                    r = stats.mannwhitneyu(a, b, axis=0, alternative="two-sided")
                else:
                    r = stats.ttest_ind(a, b, axis=0, equal_var=(name == "t"))
                stat[cols], pval[cols] = r.statistic, r.pvalue
            elif name == "kruskal":
                r = stats.kruskal(*[Xc[y == lab] for lab in labels], axis=0)
                stat[cols], pval[cols] = r.statistic, r.pvalue
            elif name == "chi2":
                for j in cols:
                    stat[j], pval[j] = _chi2(X[:, j], y)
            else:
                yy = np.asarray(y, dtype=float)
                if name == "spearman":
                    Xc, yy = stats.rankdata(Xc, axis=0), stats.rankdata(yy)
                ok = np.flatnonzero(Xc.std(axis=0) > 0)
                if ok.size:
                    r = stats.pearsonr(Xc[:, ok], np.repeat(yy[:, None], ok.size, axis=1), axis=0)
                    stat[cols[ok]], pval[cols[ok]] = r.statistic, r.pvalue
    pval = np.where(np.isnan(pval), 1.0, pval)
    return stat, pval


class UnivariateFilter(BaseSelector):
    r"""Keep features associated with the outcome in a univariate test, after FDR control.

    For feature :math:`j` with p-value :math:`p_j` the corrected value :math:`q_j` is
    Benjamini-Hochberg's (default)

    .. math::

        q_{(i)} = \min_{l \ge i} \min\!\left(1, \frac{m\,p_{(l)}}{l}\right),

    Bonferroni's :math:`q_j = \min(1, m p_j)`, or any other ``statsmodels`` correction; the
    feature is kept when :math:`q_j \le \alpha`. With ``k`` set, at most the ``k`` kept
    features with the smallest p-values remain (ties by column order).

    Parameters
    ----------
    test : str, default "auto"
        ``"t"`` (Student, pooled variance), ``"welch"``, ``"mannwhitney"`` (two-sided, SciPy's
        exact or asymptotic choice) for a binary outcome; ``"chi2"`` (contingency table of the
        feature's values by outcome class, Yates' correction on 2x2 tables as in R's
        ``chisq.test``) or ``"kruskal"`` for a class outcome; ``"pearson"`` or
        ``"spearman"`` for a numeric outcome. ``"auto"``: binary outcome -> chi-square for
        features with two distinct values, Mann-Whitney otherwise; more than two classes ->
        chi-square for two-valued features, Kruskal-Wallis otherwise; continuous outcome ->
        Spearman.
    alpha : float or None, default 0.05
        Keep features with ``q <= alpha``; ``None`` keeps all (use with ``k``).
    correction : str or None, default "fdr_bh"
        ``"fdr_bh"``, ``"bonferroni"``, ``"holm"``, ``"fdr_by"``... (statsmodels
        ``multipletests`` methods) or ``None`` (q = p).
    k : int or None, default None
        Keep at most this many features (smallest p first).

    Attributes
    ----------
    results_ : pandas.DataFrame
        Per feature: ``test``, ``statistic``, ``p``, ``q``, ``selected``.
    support_ : ndarray of bool

    References
    ----------
    Benjamini Y, Hochberg Y. Controlling the false discovery rate. J R Stat Soc B 1995;57:289-300.
    """

    def __init__(
        self,
        test: str = "auto",
        alpha: float | None = 0.05,
        correction: str | None = "fdr_bh",
        k: int | None = None,
    ) -> None:
        self.test = test
        self.alpha = alpha
        self.correction = correction
        self.k = k

    def _check_params(self, where: str) -> None:
        if self.test not in _TESTS:
            raise ConfigError(f"{where}: test must be one of {_TESTS}; got {self.test!r}.")
        if self.alpha is not None and (not isinstance(self.alpha, Real) or not 0.0 < self.alpha <= 1.0):
            raise ConfigError(f"{where}: alpha must lie in (0, 1] or be None; got {self.alpha!r}.")
        if self.correction is not None and self.correction not in _CORRECTIONS:
            raise ConfigError(
                f"{where}: correction must be one of {_CORRECTIONS} or None; got {self.correction!r}."
            )
        _check_int(self.k, "k", where, allow_none=True)

    def fit(self, X: Any, y: Any) -> UnivariateFilter:
        """Test every feature of ``X`` against ``y`` and choose the features."""
        where = "UnivariateFilter.fit"
        self._check_params(where)
        Xa = self._fit_table(X, min_rows=3)
        ya, kind = check_target(y, Xa.shape[0], where)
        n_distinct = np.array([np.unique(Xa[:, j]).size for j in range(Xa.shape[1])])
        if self.test == "auto":
            default = {"binary": "mannwhitney", "multiclass": "kruskal", "continuous": "spearman"}[kind]
            tests = ["chi2" if (kind != "continuous" and m <= 2) else default for m in n_distinct]
        else:
            tests = [self.test] * Xa.shape[1]
            if self.test in _BINARY and kind != "binary":
                raise DataError(f"{where}: test={self.test!r} needs a binary outcome; y is {kind}.")
            if self.test in _CLASSES and kind == "continuous":
                raise DataError(f"{where}: test={self.test!r} needs a class outcome; y is continuous.")
            if self.test in _NUMERIC and (kind == "multiclass" and ya.dtype.kind not in "biuf"):
                raise DataError(f"{where}: test={self.test!r} needs a numeric outcome.")
            if self.test == "chi2" and n_distinct.max() > CHI2_MAX_LEVELS:
                j = int(np.argmax(n_distinct))
                raise DataError(
                    f"{where}: test='chi2' needs categorical features, but {self._feature_labels()[j]!r} "
                    f"has {n_distinct[j]} distinct values (at most {CHI2_MAX_LEVELS}). Use "
                    "test='mannwhitney' or test='auto'."
                )
        if kind != "continuous":
            y_for = ya
        else:
            y_for = np.asarray(ya, dtype=float)
        stat, pval = univariate_tests(Xa, y_for, tests)
        if self.correction is None:
            q = pval.copy()
        else:
            q = multipletests(pval, alpha=self.alpha or 0.05, method=self.correction)[1]
        keep = q <= self.alpha if self.alpha is not None else np.ones(q.size, dtype=bool)
        if self.k is not None and keep.sum() > self.k:
            order = np.lexsort((np.arange(pval.size), pval))
            ranked = [j for j in order if keep[j]][: self.k]
            keep = np.zeros_like(keep)
            keep[ranked] = True
        self.support_ = keep
        self.results_ = pd.DataFrame(
            {"test": tests, "statistic": stat, "p": pval, "q": q, "selected": keep},
            index=pd.Index(self._feature_labels(), name="feature"),
        )
        return self
