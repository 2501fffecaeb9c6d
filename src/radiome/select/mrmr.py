"""Minimum-redundancy maximum-relevance (mRMR) forward selection.

Why hand-written: the ``mrmr_selection`` package (not installed) pulls in extra dependencies
(category_encoders, polars/joblib/tqdm) and is not a scikit-learn transformer; the algorithm is
a short greedy loop over scikit-learn's relevance scores (``f_classif``, ``f_regression``,
``mutual_info_classif``, ``mutual_info_regression``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.feature_selection import f_classif, f_regression, mutual_info_classif, mutual_info_regression
from sklearn.utils import check_random_state

from radiome.errors import ConfigError
from radiome.select.filters import BaseSelector, _check_int, check_target

__all__ = ["MRMR"]

#: floor on each pairwise redundancy term, so that the quotient scheme never divides by zero
REDUNDANCY_FLOOR = 1e-3


def _abs_corr_with(X: np.ndarray, v: np.ndarray) -> np.ndarray:
    xc = X - X.mean(axis=0)
    vc = v - v.mean()
    den = np.sqrt((xc**2).sum(axis=0) * (vc**2).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.abs(xc.T @ vc) / den
    return np.where(den > 0, np.minimum(r, 1.0), 0.0)


class MRMR(BaseSelector):
    r"""Select ``k`` features by minimum redundancy and maximum relevance, greedily.

    Start from the most relevant feature; at each step add the candidate :math:`j` maximising

    .. math::

        \text{difference (MID): } R_j - \frac{1}{|S|}\sum_{s \in S} D_{js}
        \qquad\text{or}\qquad
        \text{quotient (MIQ): } R_j \Big/ \frac{1}{|S|}\sum_{s \in S} D_{js},

    where :math:`S` is the selected set, :math:`R_j` the relevance of feature :math:`j` to the
    outcome and :math:`D_{js}` its redundancy with a selected feature. Peng, Long & Ding
    (2005) use mutual information for both (``relevance="mi", redundancy="mi"``, MID/MIQ);
    the default is the F-statistic / absolute Pearson correlation quotient ("FCQ") that Zhao,
    Anand & Wang (2019) found as accurate and much faster. Each step adds one column of
    redundancies to a running sum, so ``k`` steps cost ``k`` passes over ``X``.

    Mutual information is scikit-learn's k-nearest-neighbour estimator (Kraskov et al.
    2004; Ross 2014 for a class outcome), not Peng's discretised estimate; it is randomised
    by a small jitter, hence ``random_state``. Each redundancy term is floored at
    ``REDUNDANCY_FLOOR`` (1e-3). Relevance that cannot be computed (constant feature) is 0.
    Ties go to the earlier column.

    Parameters
    ----------
    k : int, default 20
        Number of features to select (all of them if ``X`` has fewer).
    relevance : {"f", "mi"}, default "f"
        ANOVA F statistic (class outcome) or univariate regression F (continuous outcome);
        or mutual information.
    redundancy : {"pearson", "mi"}, default "pearson"
        Absolute Pearson correlation, or mutual information between features.
    scheme : {"quotient", "difference"}, default "quotient"
    random_state : int, RandomState or None
        Seeds the mutual-information estimator.

    Attributes
    ----------
    ranking_ : ndarray of int
        Indices of the selected features in selection order.
    relevance_ : ndarray
        Relevance of every feature.
    scores_ : ndarray
        mRMR score of each selected feature when it was picked (the first: its relevance).
    support_ : ndarray of bool

    References
    ----------
    Peng H, Long F, Ding C. Feature selection based on mutual information: criteria of
    max-dependency, max-relevance, and min-redundancy. IEEE TPAMI 2005;27:1226-38.
    Zhao Z, Anand R, Wang M. Maximum relevance and minimum redundancy feature selection
    methods for a marketing machine learning platform. IEEE DSAA 2019:442-52.
    """

    def __init__(
        self,
        k: int = 20,
        relevance: str = "f",
        redundancy: str = "pearson",
        scheme: str = "quotient",
        random_state: Any = None,
    ) -> None:
        self.k = k
        self.relevance = relevance
        self.redundancy = redundancy
        self.scheme = scheme
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> MRMR:
        """Rank the features of ``X`` against ``y`` and keep the first ``k``."""
        where = "MRMR.fit"
        _check_int(self.k, "k", where)
        for name, allowed in (("relevance", ("f", "mi")), ("redundancy", ("pearson", "mi")),
                              ("scheme", ("quotient", "difference"))):  # fmt: skip
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{where}: {name} must be one of {allowed}; got {getattr(self, name)!r}.")
        Xa = self._fit_table(X, min_rows=3)
        ya, kind = check_target(y, Xa.shape[0], where)
        rng = check_random_state(self.random_state)
        classif = kind != "continuous"
        p = Xa.shape[1]
        k = min(self.k, p)

        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Features .* are constant", category=UserWarning)
            if self.relevance == "f":
                rel = (f_classif if classif else f_regression)(Xa, ya)[0]
            else:
                mi = mutual_info_classif if classif else mutual_info_regression
                rel = mi(Xa, ya, random_state=rng.randint(2**31 - 1))
        rel = np.where(np.isfinite(rel), rel, 0.0)

        selected = [int(np.argmax(rel))]
        scores = [float(rel[selected[0]])]
        red_sum = np.zeros(p)
        available = np.ones(p, dtype=bool)
        available[selected[0]] = False
        while len(selected) < k:
            last = selected[-1]
            cand = np.flatnonzero(available)
            if self.redundancy == "pearson":
                d = _abs_corr_with(Xa[:, cand], Xa[:, last])
            else:
                d = mutual_info_regression(Xa[:, cand], Xa[:, last], random_state=rng.randint(2**31 - 1))
            red_sum[cand] += np.maximum(d, REDUNDANCY_FLOOR)
            mean_red = red_sum[cand] / len(selected)
            score = rel[cand] / mean_red if self.scheme == "quotient" else rel[cand] - mean_red
            best = int(np.argmax(score))
            selected.append(int(cand[best]))
            scores.append(float(score[best]))
            available[cand[best]] = False

        support = np.zeros(p, dtype=bool)
        support[selected] = True
        self.ranking_ = np.asarray(selected, dtype=int)
        self.scores_ = np.asarray(scores)
        self.relevance_ = rel
        self.support_ = support
        return self
