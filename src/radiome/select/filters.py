"""Unsupervised and outcome-guided column filters: near-zero variance and correlation redundancy.

Both are scikit-learn selectors (:class:`~sklearn.feature_selection.SelectorMixin`): they keep
pandas column names, return the kept columns of a DataFrame unchanged (tagged with
:func:`~radiome.model._leakage.mark_transformed`) and answer ``get_support()`` and
``get_feature_names_out()``.

Why hand-written: scikit-learn's ``VarianceThreshold`` thresholds the variance, which depends on
each feature's unit; caret's ``nearZeroVar`` rule (frequency ratio and percentage of distinct
values) is unit-free and is the rule radiomics papers cite, and no Python package implements it.
No package implements the outcome-guided correlation filter either (caret's ``findCorrelation``
ignores the outcome).

This module also holds the small base class and input checks that every radiome selector
shares (:class:`BaseSelector`).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from radiome.errors import ConfigError, DataError
from radiome.model._leakage import mark_transformed

__all__ = ["NearZeroVariance", "CorrelationFilter"]


# ---------------------------------------------------------------------------------------------
# Shared checks and base class
# ---------------------------------------------------------------------------------------------


def _where(est: Any, method: str) -> str:
    return f"{type(est).__name__}.{method}"


def _column_labels(est: Any, n: int) -> list[str]:
    names = getattr(est, "feature_names_in_", None)
    return [str(c) for c in names] if names is not None else [f"x{i}" for i in range(n)]


def check_finite_table(X: np.ndarray, labels: list[str], where: str, name: str = "X") -> None:
    """Raise :class:`DataError` naming the columns of ``X`` that hold NaN or infinite values."""
    bad = ~np.isfinite(X).all(axis=0)
    if bad.any():
        cols = [labels[i] for i in np.flatnonzero(bad)]
        shown = ", ".join(map(repr, cols[:5])) + (f" and {len(cols) - 5} more" if len(cols) > 5 else "")
        raise DataError(
            f"{where}: {name} has missing or infinite values in {len(cols)} column(s): {shown}. "
            "Impute them (inside the pipeline) or drop those columns first."
        )


def check_target(y: Any, n: int, where: str, *, name: str = "y") -> tuple[np.ndarray, str]:
    """Validate an outcome of length ``n``.

    Returns the outcome as a 1-D array and its kind: ``"binary"`` (two distinct values),
    ``"multiclass"`` (more than two labels, not continuous) or ``"continuous"``.
    """
    if y is None:
        raise DataError(f"{where}: this setting needs the outcome {name}; pass fit(X, {name}).")
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise DataError(f"{where}: {name} must be one-dimensional; got shape {arr.shape}.")
    if arr.shape[0] != n:
        raise DataError(f"{where}: {name} has {arr.shape[0]} values but X has {n} rows.")
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        raise DataError(f"{where}: {name} has missing or infinite values; drop those cases.")
    if arr.dtype.kind == "O" and pd.isna(arr).any():
        raise DataError(f"{where}: {name} has missing values; drop those cases.")
    if np.unique(arr).size < 2:
        raise DataError(f"{where}: {name} has a single value; selection against it is meaningless.")
    kind = type_of_target(arr)
    if kind not in ("binary", "multiclass", "continuous"):
        raise DataError(f"{where}: {name} of type {kind!r} is not supported.")
    return arr, kind


def auc_vs_binary(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-column AUC (Mann-Whitney U / n1 n0, mid-ranks for ties) of ``X`` for binary ``y``.

    The positive class is the larger of the two sorted labels.
    """
    labels = np.unique(y)
    pos = y == labels[-1]
    n1, n0 = int(pos.sum()), int((~pos).sum())
    ranks = rankdata(X, axis=0)
    u = ranks[pos].sum(axis=0) - n1 * (n1 + 1) / 2.0
    return u / (n1 * n0)


def spearman_vs(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-column Spearman correlation of ``X`` with numeric ``y`` (0 for constant columns)."""
    rx = rankdata(X, axis=0)
    ry = rankdata(np.asarray(y, dtype=float))
    return _pearson_columns_vs(rx, ry)


def _pearson_columns_vs(X: np.ndarray, v: np.ndarray) -> np.ndarray:
    xc = X - X.mean(axis=0)
    vc = v - v.mean()
    den = np.sqrt((xc**2).sum(axis=0) * (vc**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (xc.T @ vc) / den
    return np.where(den > 0, r, 0.0)


def correlation_matrix(X: np.ndarray, method: str = "pearson") -> np.ndarray:
    """Pearson or Spearman correlation between the columns of ``X``; constant columns get 0."""
    Z = rankdata(X, axis=0) if method == "spearman" else np.asarray(X, dtype=float)
    Z = Z - Z.mean(axis=0)
    norm = np.sqrt((Z**2).sum(axis=0))
    ok = norm > 0
    Z[:, ok] /= norm[ok]
    Z[:, ~ok] = 0.0
    R = Z.T @ Z
    np.clip(R, -1.0, 1.0, out=R)
    return R


class BaseSelector(SelectorMixin, BaseEstimator):
    """Base of radiome's column selectors: input checks, ``support_`` and a pandas transform.

    Subclasses implement ``fit`` (calling :meth:`_fit_table`) and set the boolean ``support_``.
    ``transform`` returns the kept columns: a DataFrame keeps its index, column names and
    dtypes and is tagged with :func:`~radiome.model._leakage.mark_transformed`; an array
    comes back as an array.
    """

    def _fit_table(self, X: Any, *, min_rows: int = 2) -> np.ndarray:
        where = _where(self, "fit")
        if isinstance(X, pd.DataFrame) and X.shape[1] == 0:
            raise DataError(f"{where}: X has no columns.")
        try:
            arr = validate_data(
                self, X, reset=True, dtype=np.float64, ensure_all_finite=False, ensure_min_samples=min_rows
            )
        except ValueError as exc:
            raise DataError(f"{where}: X is not a usable numeric table: {exc}") from exc
        check_finite_table(arr, _column_labels(self, arr.shape[1]), where)
        return arr

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "support_")
        return self.support_

    def transform(self, X: Any) -> Any:
        """Keep the selected columns of ``X`` (same columns, in the same order, as at fit)."""
        check_is_fitted(self, "support_")
        try:
            validate_data(self, X, reset=False, skip_check_array=True)
        except ValueError as exc:
            raise DataError(
                f"{_where(self, 'transform')}: X does not have the columns seen at fit: {exc}"
            ) from exc
        idx = np.flatnonzero(self.support_)
        if isinstance(X, pd.DataFrame):
            out = X.iloc[:, idx].copy()
            out.attrs = dict(X.attrs)
            return mark_transformed(out, type(self).__name__)
        arr = check_array(X, dtype=None, ensure_all_finite=False)
        return arr[:, idx]

    def _feature_labels(self) -> list[str]:
        return _column_labels(self, self.n_features_in_)


# ---------------------------------------------------------------------------------------------
# Near-zero variance
# ---------------------------------------------------------------------------------------------


def nzv_metrics(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """caret's frequency ratio and percentage of unique values for every column, vectorised.

    ``freq_ratio`` is the count of the most common value over the count of the second most
    common one (0 for a constant column, as in caret); ``percent_unique`` is
    ``100 * n_distinct / n``; the third array is ``n_distinct``.
    """
    n, p = X.shape
    S = np.sort(X, axis=0)
    new_run = np.vstack([np.ones((1, p), dtype=bool), S[1:] != S[:-1]])
    run_id = np.cumsum(new_run, axis=0) - 1  # 0-based run index within each column
    n_unique = run_id[-1] + 1
    flat = (run_id + np.arange(p) * n).T.ravel()
    counts = np.bincount(flat, minlength=n * p).reshape(p, n)
    if n >= 2:
        top2 = -np.partition(-counts, 1, axis=1)[:, :2]
        first, second = top2.max(axis=1), top2.min(axis=1)
    else:
        first, second = counts[:, 0], np.zeros(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n_unique > 1, first / np.where(second > 0, second, 1), 0.0)
    return ratio.astype(float), 100.0 * n_unique / n, n_unique


class NearZeroVariance(BaseSelector):
    r"""Drop constant and near-constant features (caret's ``nearZeroVar`` rule).

    A feature is dropped when it has a single distinct value, or when both

    .. math::

        \frac{n_{(1)}}{n_{(2)}} > \text{freq\_cut}
        \quad\text{and}\quad
        100\,\frac{n_\text{distinct}}{n} \le \text{unique\_cut},

    where :math:`n_{(1)}, n_{(2)}` are the counts of the most and second most common values.
    This is caret's definition (Kuhn 2008, ``caret::nearZeroVar(freqCut, uniqueCut)``), which
    the tests reproduce on R's output.

    Parameters
    ----------
    freq_cut : float, default 95/5
        Cut-off for the ratio of the most common to the second most common value.
    unique_cut : float, default 10
        Cut-off (in percent) for the number of distinct values over the number of cases.

    Attributes
    ----------
    support_ : ndarray of bool
        Kept features.
    metrics_ : pandas.DataFrame
        Per feature: ``freq_ratio``, ``percent_unique``, ``zero_var``, ``nzv``.

    References
    ----------
    Kuhn M. Building predictive models in R using the caret package. J Stat Softw 2008;28(5).
    """

    def __init__(self, freq_cut: float = 95 / 5, unique_cut: float = 10.0) -> None:
        self.freq_cut = freq_cut
        self.unique_cut = unique_cut

    def fit(self, X: Any, y: Any = None) -> NearZeroVariance:
        """Compute the metrics on ``X`` (``y`` is ignored)."""
        for name in ("freq_cut", "unique_cut"):
            v = getattr(self, name)
            if not isinstance(v, Real) or isinstance(v, bool) or not v >= 0:
                raise ConfigError(f"NearZeroVariance: {name} must be a number >= 0; got {v!r}.")
        Xa = self._fit_table(X, min_rows=1)
        ratio, pct, n_unique = nzv_metrics(Xa)
        zero_var = n_unique == 1
        nzv = ((ratio > self.freq_cut) & (pct <= self.unique_cut)) | zero_var
        self.support_ = ~nzv
        self.metrics_ = pd.DataFrame(
            {"freq_ratio": ratio, "percent_unique": pct, "zero_var": zero_var, "nzv": nzv},
            index=pd.Index(self._feature_labels(), name="feature"),
        )
        return self


# ---------------------------------------------------------------------------------------------
# Correlation redundancy
# ---------------------------------------------------------------------------------------------

_KEEP = ("outcome", "variance", "first")
_METHODS = ("pearson", "spearman")


def outcome_association(X: np.ndarray, y: np.ndarray, kind: str, where: str) -> np.ndarray:
    """Strength of association of each column with the outcome, on a common 0-0.5/0-1 scale.

    ``|AUC - 0.5|`` for a binary outcome, ``|Spearman rho|`` for a numeric one (continuous, or
    ordinal integer codes).
    """
    if kind == "binary":
        return np.abs(auc_vs_binary(X, y) - 0.5)
    if y.dtype.kind not in "biuf":
        raise DataError(
            f"{where}: the outcome has more than two non-numeric labels; association with it is "
            "not defined here. Use keep='variance' or keep='first'."
        )
    return np.abs(spearman_vs(X, y))


class CorrelationFilter(BaseSelector):
    r"""Remove redundant features: in each correlated group keep one representative.

    Features are visited in order of priority; a feature is kept unless its absolute
    correlation with an already kept feature exceeds ``threshold``, in which case it is dropped
    in favour of that feature:

    .. math::

        \text{keep } j \iff \max_{i \in K,\ \pi(i) < \pi(j)} |r_{ij}| \le \text{threshold}.

    The priority :math:`\pi` is set by ``keep``:

    - ``"outcome"``: the strongest association with the outcome first, measured as
      :math:`|\mathrm{AUC} - 0.5|` for a binary outcome and :math:`|\rho_\text{Spearman}|` for a
      numeric one (so within a correlated group the member most associated with the outcome
      survives);
    - ``"variance"``: the largest variance first (meaningful only for features on one scale);
    - ``"first"``: column order.

    Ties are broken by column order, so the result is deterministic. The correlation matrix is
    computed once (vectorised); the greedy pass costs one row lookup per feature.

    Parameters
    ----------
    threshold : float, default 0.9
        Absolute correlation above which two features are redundant (strictly greater, as in
        caret's ``findCorrelation``).
    method : {"pearson", "spearman"}, default "pearson"
    keep : {"outcome", "variance", "first"}, default "outcome"
        Which member of a correlated group to keep. ``"outcome"`` needs ``y`` at fit.

    Attributes
    ----------
    support_ : ndarray of bool
    priority_ : ndarray of float
        The score used to order the features (association, variance, or ``-index``).
    groups_ : pandas.DataFrame
        One row per dropped feature: ``feature``, ``kept`` (the representative it was dropped
        for) and ``correlation``.
    """

    def __init__(self, threshold: float = 0.9, method: str = "pearson", keep: str = "outcome") -> None:
        self.threshold = threshold
        self.method = method
        self.keep = keep

    def fit(self, X: Any, y: Any = None) -> CorrelationFilter:
        """Find the redundant features of ``X`` (``y`` needed for ``keep="outcome"``)."""
        where = _where(self, "fit")
        if not isinstance(self.threshold, Real) or not 0.0 <= self.threshold <= 1.0:
            raise ConfigError(f"{where}: threshold must lie in [0, 1]; got {self.threshold!r}.")
        if self.method not in _METHODS:
            raise ConfigError(f"{where}: method must be one of {_METHODS}; got {self.method!r}.")
        if self.keep not in _KEEP:
            raise ConfigError(f"{where}: keep must be one of {_KEEP}; got {self.keep!r}.")
        Xa = self._fit_table(X)
        n, p = Xa.shape
        if self.keep == "outcome":
            if y is None:
                raise DataError(
                    f"{where}: keep='outcome' needs the outcome: call fit(X, y), or use "
                    "keep='variance' or keep='first'."
                )
            ya, kind = check_target(y, n, where)
            priority = outcome_association(Xa, ya, kind, where)
        elif self.keep == "variance":
            priority = Xa.var(axis=0, ddof=1)
        else:
            priority = -np.arange(p, dtype=float)
        order = np.lexsort((np.arange(p), -priority))  # priority desc, then column order
        R = np.abs(correlation_matrix(Xa, self.method))
        kept = np.zeros(p, dtype=bool)
        dropped_for = np.full(p, -1)
        for j in order:
            if dropped_for[j] >= 0:
                continue
            kept[j] = True
            hits = (R[j] > self.threshold) & ~kept & (dropped_for < 0)
            dropped_for[hits] = j
        labels = self._feature_labels()
        gone = np.flatnonzero(~kept)
        self.support_ = kept
        self.priority_ = priority
        self.groups_ = pd.DataFrame(
            {
                "feature": [labels[i] for i in gone],
                "kept": [labels[dropped_for[i]] for i in gone],
                "correlation": [float(R[i, dropped_for[i]]) for i in gone],
            }
        )
        return self


def _check_int(value: Any, name: str, where: str, minimum: int = 1, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"{where}: {name} must be an integer >= {minimum}; got {value!r}.")
