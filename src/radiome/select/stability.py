"""Stability selection (Meinshausen & Buhlmann 2010; complementary pairs, Shah & Samworth 2013).

Why hand-written: scikit-learn removed its ``RandomizedLogisticRegression`` (0.21) and the
scikit-learn-contrib ``stability-selection`` package is unmaintained and not installed. The
procedure is a loop of scikit-learn fits on subsamples.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.svm import l1_min_c
from sklearn.utils import check_random_state

from radiome.errors import ConfigError, DataError
from radiome.select.filters import BaseSelector, _check_int, check_target

__all__ = ["StabilitySelection", "stability_error_bound"]

#: a coefficient with absolute value above this counts as selected
COEF_TOL = 1e-10


def stability_error_bound(q: float, threshold: float, n_features: int) -> float:
    r"""Meinshausen & Buhlmann's bound on the expected number of falsely selected features.

    .. math:: E[V] \le \frac{q_\Lambda^2}{(2\pi_\text{thr} - 1)\,p},

    valid for ``threshold`` > 0.5, where :math:`q_\Lambda` is the average number of features
    selected on a subsample over the whole grid. NaN for ``threshold`` <= 0.5.
    """
    if threshold <= 0.5:
        return float("nan")
    return float(q**2 / ((2.0 * threshold - 1.0) * n_features))


def _selected(est: Any) -> np.ndarray:
    coef = getattr(est, "coef_", None)
    if coef is not None:
        coef = np.atleast_2d(np.asarray(coef))
        return (np.abs(coef) > COEF_TOL).any(axis=0)
    imp = getattr(est, "feature_importances_", None)
    if imp is not None:
        return np.asarray(imp) > 0
    raise ConfigError(
        f"StabilitySelection: base estimator {type(est).__name__} has neither coef_ nor "
        "feature_importances_ after fit; use a sparse linear model (L1 logistic, Lasso)."
    )


class StabilitySelection(BaseSelector):
    r"""Keep the features that a sparse model selects on most random subsamples.

    For each regularisation value :math:`\lambda` of the grid and each of :math:`B`
    subsamples :math:`I_b` of :math:`\lfloor n \cdot \text{fraction} \rfloor` cases (drawn
    without replacement, stratified by class for a class outcome), the base model is fitted
    and its non-zero coefficients recorded. The selection probability and the selected set are

    .. math::

        \hat\Pi_j^\lambda = \frac{1}{B}\sum_{b=1}^{B} 1\{j \in \hat S^\lambda(I_b)\},
        \qquad
        \hat S_\text{stable} = \{j : \max_{\lambda \in \Lambda} \hat\Pi_j^\lambda \ge \pi_\text{thr}\}.

    With ``complementary_pairs=True`` the subsamples come in disjoint halves
    :math:`(I_{2b-1}, I_{2b})` (Shah & Samworth 2013), which tightens the error control.
    ``error_bound_`` reports Meinshausen & Buhlmann's bound on the expected number of false
    selections (:func:`stability_error_bound`).

    Parameters
    ----------
    base : estimator or None
        Sparse model exposing ``coef_`` (or ``feature_importances_``). ``None``: L1-penalised
        logistic regression (liblinear), for a class outcome.
    param_name : str, default "C"
        The base model's regularisation parameter that ``param_grid`` varies (``"alpha"``
        for ``Lasso``).
    param_grid : array-like or None
        Values of ``param_name``. ``None`` with the default base: 10 values of ``C``
        log-spaced over one decade upwards from the smallest ``C`` that selects any feature
        on a subsample (``sklearn.svm.l1_min_c`` on the standardised data, divided by
        ``sample_fraction``). ``None`` with a custom base: the base as given.
    n_resamples : int, default 100
        Number of subsamples :math:`B` (even with complementary pairs).
    sample_fraction : float, default 0.5
        Subsample size as a fraction of the cases (0.5 with complementary pairs).
    threshold : float, default 0.6
        Selection-probability cut-off :math:`\pi_\text{thr}` (0.6-0.9 in the paper).
    complementary_pairs : bool, default False
    pfer : float or None, default None
        Error control: keep only the leading part of the grid (least regularised values
        dropped) over which the bound on the expected number of false selections,
        :math:`q_\Lambda^2 / ((2\pi_\text{thr} - 1) p)`, stays at most ``pfer`` (needs
        ``threshold`` > 0.5). ``None``: use the whole grid.
    standardize : bool, default True
        z-score the features (on the data given to ``fit``) before fitting, so the penalty
        treats them alike.
    random_state : int, RandomState or None

    Attributes
    ----------
    stability_scores_ : ndarray, shape (n_features, n_grid)
        :math:`\hat\Pi_j^\lambda`.
    max_scores_ : ndarray, shape (n_features,)
        :math:`\max_\lambda \hat\Pi_j^\lambda`.
    param_grid_ : ndarray
        The grid used (after truncation by ``pfer``).
    q_ : float
        Average number of features selected on a subsample over the grid, :math:`q_\Lambda`.
    error_bound_ : float
        Bound on the expected number of false selections (NaN if ``threshold`` <= 0.5).
    support_ : ndarray of bool

    References
    ----------
    Meinshausen N, Buhlmann P. Stability selection. J R Stat Soc B 2010;72:417-73.
    Shah RD, Samworth RJ. Variable selection with error control: another look at stability
    selection. J R Stat Soc B 2013;75:55-80.
    """

    def __init__(
        self,
        base: Any = None,
        param_name: str = "C",
        param_grid: Any = None,
        n_resamples: int = 100,
        sample_fraction: float = 0.5,
        threshold: float = 0.6,
        complementary_pairs: bool = False,
        pfer: float | None = None,
        standardize: bool = True,
        random_state: Any = None,
    ) -> None:
        self.base = base
        self.param_name = param_name
        self.param_grid = param_grid
        self.n_resamples = n_resamples
        self.sample_fraction = sample_fraction
        self.threshold = threshold
        self.complementary_pairs = complementary_pairs
        self.pfer = pfer
        self.standardize = standardize
        self.random_state = random_state

    def _check_params(self, where: str) -> None:
        _check_int(self.n_resamples, "n_resamples", where)
        if not isinstance(self.sample_fraction, Real) or not 0.0 < self.sample_fraction < 1.0:
            raise ConfigError(f"{where}: sample_fraction must lie in (0, 1); got {self.sample_fraction!r}.")
        if not isinstance(self.threshold, Real) or not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"{where}: threshold must lie in (0, 1]; got {self.threshold!r}.")
        if self.complementary_pairs:
            if self.sample_fraction != 0.5:
                raise ConfigError(f"{where}: complementary pairs are halves: set sample_fraction=0.5.")
            if self.n_resamples % 2:
                raise ConfigError(
                    f"{where}: complementary pairs need an even n_resamples; got {self.n_resamples}."
                )
        if self.pfer is not None:
            if not isinstance(self.pfer, Real) or self.pfer <= 0:
                raise ConfigError(f"{where}: pfer must be a positive number or None; got {self.pfer!r}.")
            if self.threshold <= 0.5:
                raise ConfigError(
                    f"{where}: error control with pfer needs threshold > 0.5; got {self.threshold}."
                )

    def _subsamples(self, y: np.ndarray, classif: bool, rng: np.random.RandomState) -> list[np.ndarray]:
        n = y.shape[0]
        groups = [np.flatnonzero(y == c) for c in np.unique(y)] if classif else [np.arange(n)]
        out: list[np.ndarray] = []
        if self.complementary_pairs:
            for _ in range(self.n_resamples // 2):
                a, b = [], []
                for g in groups:
                    perm = rng.permutation(g)
                    h = len(g) // 2
                    a.append(perm[:h])
                    b.append(perm[h : 2 * h])
                out += [np.sort(np.concatenate(a)), np.sort(np.concatenate(b))]
            return out
        for _ in range(self.n_resamples):
            sizes = [max(1, int(np.floor(self.sample_fraction * len(g)))) for g in groups]
            parts = [rng.choice(g, size=m, replace=False) for g, m in zip(groups, sizes)]
            out.append(np.sort(np.concatenate(parts)))
        return out

    def fit(self, X: Any, y: Any) -> StabilitySelection:
        """Run the base model on the subsamples and keep the stable features."""
        where = "StabilitySelection.fit"
        self._check_params(where)
        Xa = self._fit_table(X, min_rows=4)
        ya, kind = check_target(y, Xa.shape[0], where)
        classif = kind != "continuous"
        if self.base is None and not classif:
            raise DataError(
                f"{where}: the default base model is L1 logistic regression, for a class "
                "outcome; y is continuous. Pass base=sklearn.linear_model.Lasso(), "
                "param_name='alpha' and a param_grid."
            )
        if classif and np.unique(ya, return_counts=True)[1].min() < 2:
            raise DataError(f"{where}: every outcome class needs at least 2 cases to subsample.")
        if self.standardize:
            sd = Xa.std(axis=0)
            Xa = np.where(sd > 0, (Xa - Xa.mean(axis=0)) / np.where(sd > 0, sd, 1.0), 0.0)
        base = (
            LogisticRegression(l1_ratio=1.0, solver="liblinear", max_iter=1000)
            if self.base is None
            else self.base
        )
        if self.param_grid is not None:
            grid = np.atleast_1d(np.asarray(self.param_grid, dtype=float))
            if grid.size == 0:
                raise ConfigError(f"{where}: param_grid is empty.")
            if self.param_name not in base.get_params():
                raise ConfigError(
                    f"{where}: the base model {type(base).__name__} has no parameter "
                    f"{self.param_name!r} to vary."
                )
        elif self.base is None:
            c0 = l1_min_c(Xa, ya, loss="log") / self.sample_fraction
            grid = c0 * np.logspace(0.0, 1.0, 10)
        else:
            grid = np.array([np.nan])
        rng = check_random_state(self.random_state)
        subs = self._subsamples(ya, classif, rng)
        p = Xa.shape[1]
        sel = np.zeros((len(subs), grid.size, p), dtype=bool)
        for b, idx in enumerate(subs):
            for g, value in enumerate(grid):
                est = clone(base)
                if not np.isnan(value):
                    est.set_params(**{self.param_name: value})
                est.fit(Xa[idx], ya[idx])
                sel[b, g] = _selected(est)
        # q over each leading part of the grid: mean size of the union of the selected sets
        q_prefix = np.logical_or.accumulate(sel, axis=1).sum(axis=2).mean(axis=0)
        n_grid = grid.size
        if self.pfer is not None:
            bounds = np.array([stability_error_bound(q, self.threshold, p) for q in q_prefix])
            n_grid = int(np.sum(np.cumsum(bounds > self.pfer) == 0))
            if n_grid == 0:
                raise DataError(
                    f"{where}: even the most regularised grid value selects too many features "
                    f"for pfer={self.pfer} (bound {bounds[0]:.3g}); raise pfer or threshold, or "
                    "start the grid at stronger regularisation."
                )
        self.param_grid_ = grid[:n_grid]
        self.stability_scores_ = sel[:, :n_grid].mean(axis=0).T
        self.max_scores_ = self.stability_scores_.max(axis=1)
        self.q_ = float(q_prefix[n_grid - 1])
        self.error_bound_ = stability_error_bound(self.q_, self.threshold, p)
        self.support_ = self.max_scores_ >= self.threshold
        return self

    def results(self) -> pd.DataFrame:
        """Per feature: maximum selection probability and whether it was kept, strongest first."""
        self._get_support_mask()
        df = pd.DataFrame(
            {"max_score": self.max_scores_, "selected": self.support_},
            index=pd.Index(self._feature_labels(), name="feature"),
        )
        return df.sort_values("max_score", ascending=False, kind="stable")

    def plot(self, ax: Any = None, *, top: int | None = 20) -> Any:
        """Stability path: selection probability against the regularisation value.

        Selected features are drawn in colour, the others in grey; the dashed line is the
        threshold. ``top`` limits the labelled lines to the strongest features.
        """
        from radiome.report.style import color, get_axes

        self._get_support_mask()
        ax = get_axes(ax, figsize=(5.5, 4.0))
        grid = self.param_grid_
        x = grid if not np.isnan(grid).any() else np.arange(grid.size)
        order = np.argsort(-self.max_scores_, kind="stable")
        labels = self._feature_labels()
        shown = 0
        for j in order:
            if self.support_[j]:
                label = labels[j] if top is None or shown < top else None
                ax.plot(x, self.stability_scores_[j], color=color(shown), lw=1.6, label=label, zorder=3)
                shown += 1
            else:
                ax.plot(x, self.stability_scores_[j], color="0.75", lw=0.8, zorder=1)
        ax.axhline(self.threshold, color="0.2", ls="--", lw=1.0)
        if x is grid and grid.size > 1 and np.all(grid > 0):
            ax.set_xscale("log")
        ax.set_xlabel(self.param_name if x is grid else "grid index")
        ax.set_ylabel("selection probability")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title("Stability path")
        if shown:
            ax.legend(loc="best", frameon=False)
        return ax
