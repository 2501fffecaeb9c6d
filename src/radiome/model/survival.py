"""Survival models: Cox proportional hazards (plain and penalised) and random survival forest.

All follow the scikit-learn contract with scikit-survival's target convention: ``fit(X, y)``
where ``y`` is a structured array of (event, time) made by :func:`make_survival_target`;
``predict(X)`` returns a risk score (higher = shorter survival), ``score`` Harrell's C-index.

* :class:`CoxModel` wraps lifelines' ``CoxPHFitter`` (Efron ties, optional elastic-net
  penalty) and statsmodels' ``PHReg`` for Breslow ties (lifelines implements Efron only).
  Unpenalised coefficients, standard errors, z and p-values match R's ``coxph`` to 1e-6 for
  both tie methods (tested against R goldens).
* :class:`RandomSurvivalForestModel` wraps scikit-survival's ``RandomSurvivalForest``.

Categorical predictors are dummy-coded as in :class:`~radiome.model.logistic.LogisticModel`
(treatment contrasts, first level as reference).

References
----------
Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.
Efron B. The efficiency of Cox's likelihood function for censored data. JASA 1977;72:557-65.
Breslow NE. Covariance analysis of censored survival data. Biometrics 1974;30:89-99.
Ishwaran H, Kogalur UB, Blackstone EH, Lauer MS. Random survival forests. Ann Appl Stat
2008;2:841-60.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from radiome.errors import ConfigError, ConvergenceError, DataError
from radiome.model.logistic import _DesignMatrix

__all__ = ["make_survival_target", "CoxModel", "RandomSurvivalForestModel"]

_LIFELINES_FIT_OPTIONS = {"precision": 1e-18, "r_precision": 1e-18, "max_steps": 500}


def make_survival_target(time: Any, event: Any) -> np.ndarray:
    """Structured survival target (fields ``event`` bool, ``time`` float) for ``fit(X, y)``.

    The same layout as ``sksurv.util.Surv.from_arrays``, so scikit-survival's estimators and
    metrics accept it too.

    Examples
    --------
    >>> y = make_survival_target([5.0, 3.0], [1, 0])
    >>> y.dtype.names
    ('event', 'time')
    """
    t = np.asarray(time, dtype=float).ravel()
    e = np.asarray(event).ravel()
    if len(t) != len(e):
        raise DataError(f"make_survival_target: time has {len(t)} values but event has {len(e)}.")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise DataError("make_survival_target: time must be finite and >= 0 for every case.")
    try:
        ev = e.astype(float)
    except (TypeError, ValueError) as exc:
        raise DataError("make_survival_target: event must be 0/1 or boolean.") from exc
    if not np.all(np.isin(ev, (0.0, 1.0))):
        raise DataError(f"make_survival_target: event must be 0/1 or boolean (1 = event); got {np.unique(ev)[:5].tolist()}.")
    y = np.empty(len(t), dtype=[("event", bool), ("time", float)])
    y["event"] = ev.astype(bool)
    y["time"] = t
    return y


def _split_target(y: Any, n: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(y)
    if arr.dtype.names is None or len(arr.dtype.names) != 2:
        raise DataError(
            f"{where}: y must be a structured array of (event, time); build it with "
            "radiome.model.survival.make_survival_target(time, event)."
        )
    ev_name, t_name = arr.dtype.names
    event = np.asarray(arr[ev_name]).astype(bool)
    time = np.asarray(arr[t_name], dtype=float)
    if len(time) != n:
        raise DataError(f"{where}: X has {n} rows but y has {len(time)} values.")
    if not np.all(np.isfinite(time)) or np.any(time < 0):
        raise DataError(f"{where}: survival times must be finite and >= 0.")
    if not event.any():
        raise DataError(f"{where}: no event in y; a survival model needs at least one observed event.")
    return time, event


def _step_at(index: np.ndarray, values: np.ndarray, times: np.ndarray, before: float) -> np.ndarray:
    """Right-continuous step function (index, values) evaluated at ``times``."""
    pos = np.searchsorted(index, times, side="right") - 1
    out = np.where(pos >= 0, values[np.clip(pos, 0, None)], before)
    return out


def _c_index(model: Any, X: Any, y: Any) -> float:
    from radiome.evaluate.survival import concordance_index

    time, event = _split_target(y, len(X), f"{type(model).__name__}.score")
    return concordance_index(time, event, model.predict(X)).value


class CoxModel(BaseEstimator):
    r"""Cox proportional-hazards model with Wald inference, optionally penalised.

    .. math::
        h(t \mid x) = h_0(t)\,\exp(x^\top\beta)

    :math:`\hat\beta` maximises the partial likelihood with Efron's or Breslow's handling of
    tied event times; standard errors come from the inverse observed information. Matches R's
    ``coxph(..., ties = "efron" | "breslow")`` to 1e-6 (coef, SE, z, p, HR CI).

    With ``penalizer`` > 0 lifelines maximises

    .. math::
        \ell(\beta) - n\,\lambda\,\Big(\rho \sum_j |s_j\beta_j|_a
        + \tfrac{1-\rho}{2} \sum_j (s_j\beta_j)^2\Big)

    with :math:`\lambda` = ``penalizer``, :math:`\rho` = ``l1_ratio``, :math:`s_j` the sample
    standard deviation (divisor n - 1) of column j, and :math:`|\cdot|_a` a smooth
    approximation of the absolute value. That is glmnet's scale with two differences: glmnet
    standardises with the divisor n, so ``penalizer = lambda_glmnet * (n - 1) / n`` reproduces
    ``glmnet(family = "cox", alpha = 0, lambda = lambda_glmnet)`` (ridge; tested to 1e-6 on
    untied times), and glmnet uses Breslow ties and an exact L1 penalty, so with tied times or
    ``l1_ratio`` > 0 the fits differ (lifelines' lasso coefficients approach 0 without being
    exactly 0). The Wald columns of ``summary_`` are NaN for penalised fits (not valid
    inference).

    Parameters
    ----------
    penalizer : float
        Penalty strength :math:`\lambda \ge 0`.
    l1_ratio : float
        Elastic-net mixing :math:`\rho \in [0, 1]` (1 = lasso).
    ties : {"efron", "breslow"}
        Tie handling; penalised fits need ``"efron"``.
    level : float
        Confidence level of the hazard-ratio intervals.

    Attributes
    ----------
    coef_ : ndarray of shape (n_terms,)
    terms_ : list of design-column names; ``term_predictor_`` maps them to input columns.
    feature_names_in_ : ndarray (DataFrame input), ``n_features_in_`` : int
    summary_ : DataFrame indexed by term: coef, se, z, p, hr, hr_lower, hr_upper.
    cov_ : DataFrame of the coefficient covariance (unpenalised), else None.
    loglik_ : float, the maximised log partial likelihood (penalty excluded).
    mean_ : ndarray, training means of the design columns (the centring of ``predict``).
    baseline_cumulative_hazard_, baseline_survival_ : Series indexed by time, for a case with
        the mean covariates (Breslow estimator, as lifelines).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2))
    >>> y = make_survival_target(rng.exponential(np.exp(-X[:, 0])), rng.random(60) < 0.8)
    >>> CoxModel().fit(X, y).summary_.shape
    (2, 7)
    """

    def __init__(self, penalizer: float = 0.0, l1_ratio: float = 0.0, ties: str = "efron", level: float = 0.95) -> None:
        self.penalizer = penalizer
        self.l1_ratio = l1_ratio
        self.ties = ties
        self.level = level

    def _check_params(self) -> None:
        if self.ties not in ("efron", "breslow"):
            raise ConfigError(f"ties must be 'efron' or 'breslow'; got {self.ties!r}.")
        if not (isinstance(self.penalizer, (int, float)) and self.penalizer >= 0):
            raise ConfigError(f"penalizer must be a number >= 0; got {self.penalizer!r}.")
        if not (isinstance(self.l1_ratio, (int, float)) and 0 <= self.l1_ratio <= 1):
            raise ConfigError(f"l1_ratio must lie in [0, 1]; got {self.l1_ratio!r}.")
        if not 0 < float(self.level) < 1:
            raise ConfigError(f"level must lie in (0, 1), e.g. 0.95; got {self.level!r}.")
        if self.penalizer > 0 and self.ties == "breslow":
            raise ConfigError(
                "CoxModel: penalised fits use lifelines, which implements Efron ties only; set ties='efron' "
                "or penalizer=0."
            )

    def fit(self, X: Any, y: Any) -> CoxModel:
        """Fit on predictors ``X`` and a survival target from :func:`make_survival_target`."""
        self._check_params()
        design = _DesignMatrix().fit(X, "CoxModel.fit: X")
        Z = design.transform(X, "CoxModel.fit: X")
        time, event = _split_target(y, Z.shape[0], "CoxModel.fit")
        self._design = design
        self.n_features_in_ = len(design.columns)
        if design.from_frame:
            self.feature_names_in_ = np.asarray(design.columns, dtype=object)
        self.terms_ = list(design.terms)
        self.term_predictor_ = dict(design.term_predictor)
        Zc1 = np.column_stack([np.ones(len(Z)), Z])
        if np.linalg.matrix_rank(Zc1) < Zc1.shape[1]:
            raise DataError(
                "CoxModel.fit: the design is rank deficient: a column is constant or a linear combination of "
                f"others among {self.terms_}. Drop it, or merge sparse categories."
            )
        self.mean_ = Z.mean(axis=0)
        q = stats.norm.ppf(0.5 + float(self.level) / 2)
        if self.ties == "efron":
            coef, se, cov, ll, H = self._fit_lifelines(Z, time, event)
        else:
            coef, se, cov, ll, H = self._fit_statsmodels(Z, time, event)
        sd = Z.std(axis=0)
        if np.any(np.abs(coef * sd) > 15) and self.penalizer == 0:
            bad = [t for t, b, s in zip(self.terms_, coef, sd) if abs(b * s) > 15]
            raise ConvergenceError(
                f"CoxModel.fit: monotone likelihood: the coefficients of {bad} diverge (a level or range of "
                "these predictors has no events, or they predict the event order perfectly). Merge sparse "
                "categories, drop these predictors, or use penalizer > 0."
            )
        self.coef_ = coef
        with np.errstate(divide="ignore", invalid="ignore"):
            z = coef / se
        self.summary_ = pd.DataFrame(
            {"coef": coef, "se": se, "z": z, "p": 2 * stats.norm.sf(np.abs(z)), "hr": np.exp(coef),
             "hr_lower": np.exp(coef - q * se), "hr_upper": np.exp(coef + q * se)},
            index=pd.Index(self.terms_, name="term"),
        )
        self.cov_ = None if cov is None else pd.DataFrame(cov, index=self.terms_, columns=self.terms_)
        self.loglik_ = float(ll)
        self.baseline_cumulative_hazard_ = H
        self.baseline_survival_ = np.exp(-H).rename("baseline_survival")
        return self

    def _fit_lifelines(self, Z: np.ndarray, time: np.ndarray, event: np.ndarray) -> tuple:
        from lifelines import CoxPHFitter
        from lifelines.exceptions import ConvergenceError as LLConvergenceError
        from lifelines.exceptions import ConvergenceWarning

        cols = [f"z{i}" for i in range(Z.shape[1])]
        df = pd.DataFrame(Z, columns=cols)
        df["__time__"], df["__event__"] = time, event.astype(float)
        cph = CoxPHFitter(penalizer=float(self.penalizer), l1_ratio=float(self.l1_ratio), alpha=1 - float(self.level))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            try:
                cph.fit(df, "__time__", "__event__", fit_options=dict(_LIFELINES_FIT_OPTIONS))
            except LLConvergenceError as exc:
                raise ConvergenceError(
                    f"CoxModel.fit: the Newton-Raphson fit failed ({str(exc).splitlines()[0]}). Check for collinear "
                    "predictors or predictors with no events in a level; consider penalizer > 0."
                ) from exc
        for w in caught:
            if issubclass(w.category, ConvergenceWarning) and self.penalizer == 0:
                raise ConvergenceError(f"CoxModel.fit: lifelines did not converge: {str(w.message).splitlines()[0]}")
        coef = cph.params_[cols].to_numpy(float)
        if self.penalizer > 0:
            se, cov = np.full(len(coef), np.nan), None
        else:
            cov = cph.variance_matrix_.loc[cols, cols].to_numpy(float)
            se = np.sqrt(np.diag(cov))
        # lifelines' log_likelihood_ includes the penalty term of penalised fits
        ll = float(cph.log_likelihood_) if self.penalizer == 0 else float("nan")
        H = cph.baseline_cumulative_hazard_.iloc[:, 0]
        H = pd.Series(H.to_numpy(float), index=pd.Index(H.index.to_numpy(float), name="time"), name="baseline_cumulative_hazard")
        return coef, se, cov, ll, H

    def _fit_statsmodels(self, Z: np.ndarray, time: np.ndarray, event: np.ndarray) -> tuple:
        from statsmodels.duration.hazard_regression import PHReg

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = PHReg(time, Z, status=event.astype(float), ties="breslow").fit()
        converged = bool(getattr(res, "mle_retvals", {}).get("converged", True))
        if not converged or not np.all(np.isfinite(res.bse)):
            raise ConvergenceError(
                "CoxModel.fit: the Breslow fit (statsmodels PHReg) did not converge. Check for collinear "
                "predictors or predictors with no events in a level."
            )
        coef = np.asarray(res.params, float)
        cov = np.asarray(res.cov_params(), float)
        # Breslow estimator of the baseline cumulative hazard at the mean covariates
        lp = (Z - Z.mean(axis=0)) @ coef
        H = _breslow_cumhaz(time, event, lp)
        return coef, np.sqrt(np.diag(cov)), cov, float(res.llf), H

    # -- predictions ---------------------------------------------------------------------
    def _Z(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "coef_")
        return self._design.transform(X, "CoxModel: X")

    def predict(self, X: Any) -> np.ndarray:
        r"""Risk score: the linear predictor centred on the training means,
        :math:`(x - \bar x)^\top\hat\beta` (R's ``predict(fit, type = "lp")``)."""
        return (self._Z(X) - self.mean_) @ self.coef_

    def predict_cumulative_hazard_function(self, X: Any, times: Any = None) -> np.ndarray:
        r""":math:`H(t \mid x) = H_0(t)\,e^{(x-\bar x)^\top\beta}`, shape (n_samples, n_times);
        ``times`` defaults to the training times of ``baseline_cumulative_hazard_``."""
        H0 = self.baseline_cumulative_hazard_
        ts = H0.index.to_numpy(float) if times is None else np.atleast_1d(np.asarray(times, float))
        h = _step_at(H0.index.to_numpy(float), H0.to_numpy(float), ts, 0.0)
        return np.exp(self.predict(X))[:, None] * h[None, :]

    def predict_survival_function(self, X: Any, times: Any = None) -> np.ndarray:
        r""":math:`S(t \mid x) = \exp(-H(t \mid x))`, shape (n_samples, n_times)."""
        return np.exp(-self.predict_cumulative_hazard_function(X, times))

    def score(self, X: Any, y: Any) -> float:
        """Harrell's C-index of ``predict(X)`` on ``y``."""
        return _c_index(self, X, y)


def _breslow_cumhaz(time: np.ndarray, event: np.ndarray, lp: np.ndarray) -> pd.Series:
    r"""Breslow's estimator :math:`H_0(t) = \sum_{t_i \le t} d_i / \sum_{j: t_j \ge t_i} e^{\eta_j}`
    over all distinct times (statsmodels' ``baseline_cumulative_hazard`` is at x = 0; this is
    the same estimator at the mean covariates, matching lifelines' ``baseline_cumulative_hazard_``)."""
    ut = np.unique(time)
    r = np.exp(lp)
    order = np.argsort(time)
    ts, rs = time[order], r[order]
    risk_sum = np.cumsum(rs[::-1])[::-1]  # sum of exp(lp) over t_j >= ts[k]
    first = np.searchsorted(ts, ut, side="left")
    d = np.bincount(np.searchsorted(ut, time[event]), minlength=len(ut)).astype(float)
    H = np.cumsum(d / risk_sum[first])
    return pd.Series(H, index=pd.Index(ut, name="time"), name="baseline_cumulative_hazard")


class RandomSurvivalForestModel(BaseEstimator):
    """Random survival forest (scikit-survival's ``RandomSurvivalForest``).

    Trees split on the log-rank statistic; each leaf holds a Nelson-Aalen cumulative hazard,
    and the ensemble averages them. ``predict`` returns the risk score of scikit-survival
    (the sum of the ensemble cumulative hazard over the training event times; higher = worse).

    Parameters
    ----------
    n_estimators, max_depth, min_samples_split, min_samples_leaf, max_features
        As in scikit-survival.
    n_jobs : int or None
        Parallel jobs (None = 1; radiome never defaults to all cores).
    random_state : int or None
        Seed for bootstrap samples and feature draws.

    Attributes
    ----------
    forest_ : the fitted ``sksurv.ensemble.RandomSurvivalForest``.
    unique_times_ : ndarray of training event times.
    terms_, feature_names_in_, n_features_in_
    """

    def __init__(self, n_estimators: int = 500, max_depth: int | None = None, min_samples_split: int = 10, min_samples_leaf: int = 5,
                 max_features: str | int | float | None = "sqrt", n_jobs: int | None = None, random_state: int | None = None) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> RandomSurvivalForestModel:
        """Fit the forest on predictors ``X`` and a survival target."""
        from sksurv.ensemble import RandomSurvivalForest

        if not (isinstance(self.n_estimators, (int, np.integer)) and self.n_estimators > 0):
            raise ConfigError(f"n_estimators must be a positive integer; got {self.n_estimators!r}.")
        design = _DesignMatrix().fit(X, "RandomSurvivalForestModel.fit: X")
        Z = design.transform(X, "RandomSurvivalForestModel.fit: X")
        time, event = _split_target(y, Z.shape[0], "RandomSurvivalForestModel.fit")
        self._design = design
        self.n_features_in_ = len(design.columns)
        if design.from_frame:
            self.feature_names_in_ = np.asarray(design.columns, dtype=object)
        self.terms_ = list(design.terms)
        self.forest_ = RandomSurvivalForest(
            n_estimators=self.n_estimators, max_depth=self.max_depth, min_samples_split=self.min_samples_split,
            min_samples_leaf=self.min_samples_leaf, max_features=self.max_features, n_jobs=self.n_jobs,
            random_state=self.random_state,
        ).fit(Z, make_survival_target(time, event))
        self.unique_times_ = np.asarray(self.forest_.unique_times_, float)
        return self

    def _Z(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "forest_")
        return self._design.transform(X, "RandomSurvivalForestModel: X")

    def predict(self, X: Any) -> np.ndarray:
        """Risk score (higher = shorter survival)."""
        return np.asarray(self.forest_.predict(self._Z(X)), float)

    def predict_survival_function(self, X: Any, times: Any = None) -> np.ndarray:
        """Ensemble survival at ``times`` (default ``unique_times_``), shape (n_samples, n_times)."""
        S = self.forest_.predict_survival_function(self._Z(X), return_array=True)
        if times is None:
            return np.asarray(S, float)
        ts = np.atleast_1d(np.asarray(times, float))
        pos = np.searchsorted(self.unique_times_, ts, side="right") - 1
        out = np.where(pos[None, :] >= 0, S[:, np.clip(pos, 0, None)], 1.0)
        return np.asarray(out, float)

    def score(self, X: Any, y: Any) -> float:
        """Harrell's C-index of ``predict(X)`` on ``y``."""
        return _c_index(self, X, y)
