"""LASSO selection with cross-validated lambda, compatible with R's ``glmnet``.

:class:`LassoLogisticCV` (binary outcome) and :class:`LassoCoxCV` (censored survival) fit
glmnet's whole regularisation path, cross-validate it on fixed or stratified folds with
``cv.glmnet``'s deviance, and keep the coefficients at ``lambda.min`` or ``lambda.1se``. They
are scikit-learn estimators (a classifier / a survival model) and selectors at the same time:
``get_support()`` marks the features with a non-zero coefficient and ``transform`` keeps them,
so either can sit inside a :class:`~sklearn.pipeline.Pipeline` ahead of another model, or be the
model. The path solver lives in :mod:`radiome.select._glmnet` (why it is hand-written is said
there); this module adds ``cv.glmnet``'s cross-validation (:func:`binomial_cv`,
:func:`cox_cv`) and the estimators. ``docs/lasso.md`` gives the formulas and the measured
agreement with R.

Typical use, as in most radiomics papers::

    sel = LassoLogisticCV(rule="1se", random_state=0).fit(X_train, y_train)
    sel.get_feature_names_out()        # the selected features
    sel.plot_cv(); sel.plot_path()     # the two figures that go in the report
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_selection import SelectorMixin
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data

from radiome.errors import ConfigError, DataError
from radiome.model._leakage import mark_transformed
from radiome.select import _glmnet

__all__ = [
    "LassoLogisticCV",
    "LassoCoxCV",
    "GlmnetCV",
    "binomial_cv",
    "cox_cv",
    "interpolate_path",
    "binomial_deviance",
    "cox_deviance",
    "survival_target",
]


# ---------------------------------------------------------------------------------------------
# cv.glmnet: fold refits, interpolation at the whole-data lambdas, deviances, lambda.min/1se
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GlmnetCV:
    """Cross-validated deviance along the whole-data path (``cv.glmnet``'s output).

    Attributes
    ----------
    path : GlmnetPath
        The fit on all cases (``glmnet.fit``).
    cvm, cvsd : ndarray (L,)
        Mean cross-validated deviance and its standard error, one per lambda of ``path``.
    index_min, index_1se : int
        0-based positions of ``lambda.min`` and ``lambda.1se`` in ``path.lambdas``.
    fold_paths : tuple of GlmnetPath
        The refits without each fold.
    """

    path: _glmnet.GlmnetPath
    cvm: np.ndarray
    cvsd: np.ndarray
    index_min: int
    index_1se: int
    fold_paths: tuple

    @property
    def lambda_min(self) -> float:
        return float(self.path.lambdas[self.index_min])

    @property
    def lambda_1se(self) -> float:
        return float(self.path.lambdas[self.index_1se])






def interpolate_path(path: _glmnet.GlmnetPath, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intercepts and coefficients at lambdas ``s``, linearly interpolated in lambda.

    As glmnet's ``predict(fit, s = s)`` (``lambda.interp``): values of ``s`` above the first
    lambda take the first solution, below the last take the last.
    """
    lam = path.lambdas
    s = np.asarray(s, dtype=float)
    if lam.size == 1:
        return np.repeat(path.intercepts, s.size), np.repeat(path.coefs, s.size, axis=0)
    k = lam.size
    sfrac = (lam[0] - s) / (lam[0] - lam[k - 1])
    lnorm = (lam[0] - lam) / (lam[0] - lam[k - 1])
    sfrac = np.clip(sfrac, lnorm.min(), lnorm.max())
    coord = np.interp(sfrac, lnorm, np.arange(1, k + 1, dtype=float))
    left = np.floor(coord).astype(int) - 1
    right = np.ceil(coord).astype(int) - 1
    den = lnorm[left] - lnorm[right]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (sfrac - lnorm[right]) / den
    frac[left == right] = 1.0
    frac[np.abs(den) < np.finfo(float).eps] = 1.0
    a0 = path.intercepts[left] * frac + path.intercepts[right] * (1.0 - frac)
    coefs = path.coefs[left] * frac[:, None] + path.coefs[right] * (1.0 - frac)[:, None]
    return a0, coefs


def binomial_deviance(y: np.ndarray, eta: np.ndarray) -> np.ndarray:
    r"""Per-case binomial deviance as ``cv.glmnet`` computes it.

    :math:`-2[y\log p + (1-y)\log(1-p)]` with :math:`p = 1/(1+e^{-\eta})` clipped to
    :math:`[10^{-5}, 1-10^{-5}]`. ``eta`` may be 2-D (cases x lambdas).
    """
    p = np.clip(1.0 / (1.0 + np.exp(-eta)), _glmnet.PROB_CLIP, 1.0 - _glmnet.PROB_CLIP)
    y = y.reshape((-1,) + (1,) * (eta.ndim - 1))
    return -2.0 * (y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def cox_deviance(time: np.ndarray, event: np.ndarray, eta: np.ndarray) -> np.ndarray:
    r"""Cox partial-likelihood deviance, as glmnet's ``coxnet.deviance`` (unit weights).

    :math:`2\,[\ell_{sat} - \ell(\eta)]` with the Breslow log partial likelihood
    :math:`\ell` and :math:`\ell_{sat} = -\sum_k d_k\log d_k` (:math:`d_k` events tied at the
    k-th event time). ``eta`` is (cases,) or (cases, columns); one deviance per column.
    """
    eta = np.asarray(eta, dtype=float)
    fam = _glmnet._Cox(np.asarray(time, float), np.asarray(event, float), np.ones(eta.shape[0]))
    return 2.0 * (fam.lsat + fam.loss(eta))


def _fold_index(foldid: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    foldid = np.asarray(foldid)
    if foldid.shape != (n,):
        raise DataError(f"foldid must have one entry per case ({n}); got shape {foldid.shape}.")
    labels, idx = np.unique(foldid, return_inverse=True)
    if labels.size < 3:
        raise DataError(f"cross-validation needs at least 3 folds; foldid has {labels.size}.")
    return idx, labels.size


def _cv_stats(cvraw: np.ndarray, wts: np.ndarray, n_eff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``cvstats``: weighted mean over rows and the standard error with divisor N - 1."""
    cvm = (wts @ cvraw) / wts.sum()
    cvsd = np.sqrt((wts @ (cvraw - cvm) ** 2) / wts.sum() / (n_eff - 1))
    return cvm, cvsd


def _choose(lambdas: np.ndarray, cvm: np.ndarray, cvsd: np.ndarray) -> tuple[int, int]:
    """``getOptcv.glmnet``: largest lambda at the minimum, largest within one SE of it."""
    idmin = int(np.flatnonzero(cvm <= cvm.min())[0])
    id1se = int(np.flatnonzero(cvm <= cvm[idmin] + cvsd[idmin])[0])
    return idmin, id1se


def binomial_cv(X: np.ndarray, y: np.ndarray, foldid: np.ndarray, **kw: Any) -> GlmnetCV:
    """``cv.glmnet(x, y, family = "binomial", foldid = foldid, type.measure = "deviance")``.

    Each fold is refitted on its own lambda sequence (as glmnet does), its coefficients are
    interpolated at the whole-data lambdas, and the held-out cases' deviances are averaged per
    fold (``grouped = TRUE``, or per case when there are fewer than 3 cases per fold).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = X.shape[0]
    fidx, k = _fold_index(foldid, n)
    full = _glmnet.binomial_path(X, y, **kw)
    pred = np.empty((n, full.lambdas.size))
    fits = []
    for f in range(k):
        te = fidx == f
        tr = ~te
        if np.unique(y[tr]).size < 2:
            raise DataError(f"the training part of fold {f + 1} holds a single outcome class.")
        fit = _glmnet.binomial_path(X[tr], y[tr], lambda_floor=full.lambdas[-1], **kw)
        a0, B = interpolate_path(fit, full.lambdas)
        pred[te] = X[te] @ B.T + a0
        fits.append(fit)
    raw = binomial_deviance(y, pred)
    if n / k >= 3:  # grouped
        sizes = np.bincount(fidx, minlength=k).astype(float)
        per_fold = np.vstack([raw[fidx == f].mean(axis=0) for f in range(k)])
        cvm, cvsd = _cv_stats(per_fold, sizes, np.full(full.lambdas.size, float(k)))
    else:
        cvm, cvsd = _cv_stats(raw, np.ones(n), np.full(full.lambdas.size, float(n)))
    i_min, i_1se = _choose(full.lambdas, cvm, cvsd)
    return GlmnetCV(full, cvm, cvsd, i_min, i_1se, tuple(fits))


def cox_cv(X: np.ndarray, time: np.ndarray, event: np.ndarray, foldid: np.ndarray, **kw: Any) -> GlmnetCV:
    """``cv.glmnet(x, Surv(time, event), family = "cox", foldid = foldid)`` (deviance, grouped).

    For fold k, with coefficients :math:`\\hat\\beta_{-k}` fitted without it (interpolated at
    the whole-data lambdas), the contribution is the partial-likelihood deviance of all cases
    minus that of the training cases, divided by the number of events in fold k; ``cvm`` is the
    mean over folds weighted by their events (Verweij & van Houwelingen's cross-validated
    partial likelihood, as glmnet computes it).
    """
    X = np.asarray(X, dtype=float)
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    n = X.shape[0]
    fidx, k = _fold_index(foldid, n)
    full = _glmnet.cox_path(X, time, event, **kw)
    L = full.lambdas.size
    cvraw = np.empty((k, L))
    fits = []
    for f in range(k):
        te = fidx == f
        tr = ~te
        if not np.any(event[tr] > 0):
            raise DataError(f"the training part of fold {f + 1} holds no event.")
        fit = _glmnet.cox_path(X[tr], time[tr], event[tr], lambda_floor=full.lambdas[-1], **kw)
        _, B = interpolate_path(fit, full.lambdas)
        eta = X @ B.T
        cvraw[f] = cox_deviance(time, event, eta) - cox_deviance(time[tr], event[tr], eta[tr])
        fits.append(fit)
    ev = np.bincount(fidx, weights=event, minlength=k)
    cvraw = cvraw / ev[:, None]
    cvm, cvsd = _cv_stats(cvraw, ev, np.full(L, float(k)))
    i_min, i_1se = _choose(full.lambdas, cvm, cvsd)
    return GlmnetCV(full, cvm, cvsd, i_min, i_1se, tuple(fits))


# ---------------------------------------------------------------------------------------------
# Estimators
# ---------------------------------------------------------------------------------------------


def _where(est: Any, method: str) -> str:
    return f"{type(est).__name__}.{method}"


def survival_target(y: Any, n: int | None = None, where: str = "fit") -> tuple[np.ndarray, np.ndarray]:
    """Split a survival outcome into ``(time, event)`` float arrays.

    Accepts scikit-survival's structured array (``sksurv.util.Surv.from_arrays(event, time)``:
    one boolean field, the event indicator, and one numeric field, the time), a tuple
    ``(time, event)``, or a two-column table ``[time, event]``.
    """
    if isinstance(y, tuple) and len(y) == 2:
        time, event = (np.asarray(v) for v in y)
    elif isinstance(y, np.ndarray) and y.dtype.names is not None:
        names = y.dtype.names
        if len(names) != 2:
            raise DataError(f"{where}: a structured survival outcome needs 2 fields (event, time); got {names}.")
        kinds = [y.dtype[f].kind for f in names]
        ev_field = names[kinds.index("b")] if "b" in kinds else names[0]
        t_field = names[1] if ev_field == names[0] else names[0]
        time, event = np.asarray(y[t_field]), np.asarray(y[ev_field])
    else:
        arr = np.asarray(y.to_numpy() if isinstance(y, pd.DataFrame) else y)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise DataError(
                f"{where}: y must be a scikit-survival structured array (sksurv.util.Surv), a tuple "
                f"(time, event) or a two-column table [time, event]; got shape {arr.shape}."
            )
        time, event = arr[:, 0], arr[:, 1]
    try:
        time = np.asarray(time, dtype=float).ravel()
        event = np.asarray(event, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: survival times and event indicators must be numeric: {exc}") from exc
    if n is not None and time.shape[0] != n:
        raise DataError(f"{where}: y has {time.shape[0]} cases but X has {n} rows.")
    if not (np.isfinite(time).all() and np.isfinite(event).all()):
        raise DataError(f"{where}: the survival outcome has missing or infinite values; drop those cases.")
    if np.any(time <= 0):
        bad = int((time <= 0).sum())
        raise DataError(f"{where}: survival times must be positive (glmnet's Cox model); {bad} are not.")
    if not np.isin(event, (0.0, 1.0)).all():
        raise DataError(f"{where}: the event indicator must be 0/1 or boolean.")
    if event.sum() == 0:
        raise DataError(f"{where}: every case is censored; the Cox model needs events.")
    return time, event


class _LassoCVBase(SelectorMixin, BaseEstimator):
    """Shared machinery: validation, folds, the fitted path and the two report figures."""

    _family = ""
    _deviance_label = ""

    def __init__(
        self,
        alpha: float = 1.0,
        n_lambda: int = 100,
        lambda_min_ratio: float | None = None,
        n_folds: int = 10,
        foldid: Any = None,
        rule: str = "1se",
        standardize: bool = True,
        random_state: Any = None,
    ) -> None:
        self.alpha = alpha
        self.n_lambda = n_lambda
        self.lambda_min_ratio = lambda_min_ratio
        self.n_folds = n_folds
        self.foldid = foldid
        self.rule = rule
        self.standardize = standardize
        self.random_state = random_state

    # -- validation ------------------------------------------------------------------------

    def _check_params(self) -> None:
        where = _where(self, "fit")
        if not isinstance(self.alpha, (int, float)) or not 0.0 < float(self.alpha) <= 1.0:
            raise ConfigError(f"{where}: alpha must be in (0, 1] (1 = LASSO); got {self.alpha!r}.")
        if not isinstance(self.n_lambda, (int, np.integer)) or self.n_lambda < 3:
            raise ConfigError(f"{where}: n_lambda must be an integer >= 3; got {self.n_lambda!r}.")
        lmr = self.lambda_min_ratio
        if lmr is not None and not (isinstance(lmr, (int, float)) and 0.0 < lmr < 1.0):
            raise ConfigError(f"{where}: lambda_min_ratio must be None or in (0, 1); got {lmr!r}.")
        if self.rule not in ("1se", "min"):
            raise ConfigError(f"{where}: rule must be '1se' (lambda.1se) or 'min' (lambda.min); got {self.rule!r}.")
        if self.foldid is None and (not isinstance(self.n_folds, (int, np.integer)) or self.n_folds < 3):
            raise ConfigError(f"{where}: n_folds must be an integer >= 3 (10 recommended); got {self.n_folds!r}.")

    def _validate_X(self, X: Any) -> np.ndarray:
        where = _where(self, "fit")
        try:
            arr = validate_data(self, X, reset=True, dtype=np.float64, ensure_all_finite=False, ensure_min_samples=2)
        except ValueError as exc:
            raise DataError(f"{where}: X is not a usable numeric table: {exc}") from exc
        bad = ~np.isfinite(arr).all(axis=0)
        if bad.any():
            labels = self._labels(arr.shape[1])
            cols = [labels[i] for i in np.flatnonzero(bad)]
            raise DataError(
                f"{where}: X has missing or infinite values in {len(cols)} column(s): "
                f"{', '.join(map(repr, cols[:5]))}. Impute them (inside the pipeline) or drop them."
            )
        return arr

    def _labels(self, p: int) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        return [str(c) for c in names] if names is not None else [f"x{i}" for i in range(p)]

    def _folds(self, n: int, strata: np.ndarray) -> np.ndarray:
        where = _where(self, "fit")
        if self.foldid is not None:
            f = np.asarray(self.foldid).ravel()
            if f.shape[0] != n:
                raise DataError(f"{where}: foldid has {f.shape[0]} entries but X has {n} rows.")
            labels, idx = np.unique(f, return_inverse=True)
            if labels.size < 3:
                raise DataError(f"{where}: foldid must define at least 3 folds; it has {labels.size}.")
            return idx + 1
        k = int(self.n_folds)
        if k > n:
            raise DataError(f"{where}: n_folds = {k} exceeds the {n} cases.")
        counts = np.bincount(strata.astype(int))
        # stratified by class / event status; plain shuffled folds when a class is too rare
        cls = StratifiedKFold if counts.min() >= k else KFold
        splitter = cls(n_splits=k, shuffle=True, random_state=self.random_state)
        out = np.empty(n, dtype=int)
        for i, (_, te) in enumerate(splitter.split(np.zeros((n, 1)), strata)):
            out[te] = i + 1
        return out

    # -- fitted state -----------------------------------------------------------------------

    def _store(self, cv: GlmnetCV, foldid: np.ndarray, X: np.ndarray) -> None:
        path = cv.path
        self.lambdas_ = path.lambdas
        self.coef_path_ = path.coefs
        self.intercept_path_ = path.intercepts
        self.dev_ratio_path_ = path.dev_ratio
        self.null_deviance_ = path.null_deviance
        self.cv_mean_ = cv.cvm
        self.cv_sd_ = cv.cvsd
        self.index_min_ = cv.index_min
        self.index_1se_ = cv.index_1se
        self.lambda_min_ = cv.lambda_min
        self.lambda_1se_ = cv.lambda_1se
        self.index_ = cv.index_1se if self.rule == "1se" else cv.index_min
        self.lambda_ = float(path.lambdas[self.index_])
        self.coef_ = path.coefs[self.index_].copy()
        self.intercept_ = float(path.intercepts[self.index_])
        self.n_nonzero_path_ = (path.coefs != 0).sum(axis=1)
        self.foldid_ = foldid
        self.x_scale_ = X.std(axis=0)  # 1/n variance, as glmnet standardises
        self.support_ = self.coef_ != 0.0

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "support_")
        return self.support_

    def selected_coefficients(self) -> pd.Series:
        """The non-zero coefficients at the chosen lambda, by feature name (input scale)."""
        check_is_fitted(self, "coef_")
        labels = self._labels(self.coef_.size)
        s = pd.Series(self.coef_, index=labels, name="coefficient")
        return s[s != 0.0]

    def _X_pred(self, X: Any, method: str) -> np.ndarray:
        check_is_fitted(self, "coef_")
        try:
            arr = validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite=False)
        except ValueError as exc:
            raise DataError(f"{_where(self, method)}: X does not match the table seen at fit: {exc}") from exc
        if not np.isfinite(arr).all():
            raise DataError(f"{_where(self, method)}: X has missing or infinite values; impute or drop them.")
        return arr

    def decision_function(self, X: Any) -> np.ndarray:
        """Linear predictor ``intercept_ + X @ coef_`` (the log-odds, or the Cox log relative hazard)."""
        arr = self._X_pred(X, "decision_function")
        return arr[:, self.support_] @ self.coef_[self.support_] + self.intercept_

    def transform(self, X: Any) -> Any:
        """Keep the features with a non-zero coefficient (a DataFrame stays a DataFrame)."""
        check_is_fitted(self, "support_")
        try:
            validate_data(self, X, reset=False, skip_check_array=True)
        except ValueError as exc:
            raise DataError(f"{_where(self, 'transform')}: X does not have the columns seen at fit: {exc}") from exc
        idx = np.flatnonzero(self.support_)
        if isinstance(X, pd.DataFrame):
            out = X.iloc[:, idx].copy()
            out.attrs = dict(X.attrs)
            return mark_transformed(out, type(self).__name__)
        arr = check_array(X, dtype=None, ensure_all_finite=False)
        if arr.shape[1] != self.support_.size:
            raise DataError(
                f"{_where(self, 'transform')}: X has {arr.shape[1]} features; {self.support_.size} were seen at fit."
            )
        return arr[:, idx]

    # -- figures ------------------------------------------------------------------------------

    def plot_path(self, ax: Any = None, standardized: bool = False, label_top: int = 5) -> Any:
        """Coefficient profiles against log(lambda), lambda.min and lambda.1se dotted.

        ``standardized=True`` multiplies each coefficient by its feature's standard deviation
        (the scale glmnet fits on), which puts features of different units side by side. The
        features kept at the chosen lambda are drawn in colour (the ``label_top`` largest named
        in a legend beneath the axes); the paths of the others are grey.
        """
        from radiome.report.style import PALETTE, get_axes

        check_is_fitted(self, "coef_path_")
        ax = get_axes(ax, figsize=(5.0, 4.0))
        loglam = np.log(self.lambdas_)
        C = self.coef_path_ * (self.x_scale_ if standardized else 1.0)
        used = np.flatnonzero(np.any(C != 0.0, axis=0))
        kept = [int(j) for j in np.argsort(-np.abs(C[self.index_]), kind="stable")
                if C[self.index_, j] != 0.0]
        for j in used:
            if int(j) not in kept:
                ax.plot(loglam, C[:, j], color="0.78", lw=0.7, zorder=1)
        readable = [c for c in PALETTE if c.upper() != "#F0E442"]  # yellow is faint on white
        labels = self._labels(C.shape[1])
        for rank, j in enumerate(kept):
            named = rank < label_top
            ax.plot(loglam, C[:, j], color=readable[rank % len(readable)], lw=1.6 if named else 1.0,
                    zorder=3, label=_short(labels[j]) if named else None)
        ax.axhline(0.0, color="0.5", lw=0.6)
        self._mark_lambdas(ax)
        ax.set_xlabel("log(λ)")
        ax.set_ylabel("Coefficient (standardised)" if standardized else "Coefficient")
        ax.set_title(f"LASSO path ({int(self.support_.sum())} selected at λ.{self.rule})")
        handles, names = ax.get_legend_handles_labels()
        if handles:
            ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                      ncol=1, frameon=False, fontsize=7)
        return ax

    def plot_cv(self, ax: Any = None) -> Any:
        """Cross-validated deviance (mean +- 1 SE) against log(lambda), both lambdas dotted."""
        from radiome.report.style import PALETTE, get_axes

        check_is_fitted(self, "cv_mean_")
        ax = get_axes(ax, figsize=(5.0, 4.0))
        loglam = np.log(self.lambdas_)
        ax.errorbar(loglam, self.cv_mean_, yerr=self.cv_sd_, fmt="o", ms=3, color=PALETTE[1],
                    ecolor="0.6", elinewidth=0.8, capsize=1.5)
        self._mark_lambdas(ax)
        top = ax.secondary_xaxis("top")
        ticks = np.linspace(0, loglam.size - 1, min(8, loglam.size)).round().astype(int)
        top.set_xticks(loglam[ticks], [str(int(v)) for v in self.n_nonzero_path_[ticks]])
        top.set_xlabel("Features selected")
        ax.set_xlabel("log(λ)")
        ax.set_ylabel(self._deviance_label)
        return ax

    def _mark_lambdas(self, ax: Any) -> None:
        from radiome.report.style import PALETTE

        ax.axvline(np.log(self.lambda_min_), color=PALETTE[0], ls=":", lw=1.2, label=f"λ.min = {self.lambda_min_:.3g}")
        ax.axvline(np.log(self.lambda_1se_), color=PALETTE[2], ls=":", lw=1.2, label=f"λ.1se = {self.lambda_1se_:.3g}")
        ax.legend(loc="best", frameon=False)


def _short(name: str, width: int = 60) -> str:
    """A feature name cut to ``width`` characters (middle elided) for legends."""
    return name if len(name) <= width else name[: width // 2 - 1] + "…" + name[-(width // 2 - 1):]


class LassoLogisticCV(ClassifierMixin, _LassoCVBase):
    r"""LASSO (elastic-net) logistic regression with lambda chosen by K-fold cross-validation.

    Reproduces ``cv.glmnet(x, y, family = "binomial", type.measure = "deviance", foldid =
    foldid, alpha = alpha)`` of R's glmnet 4.1: for each lambda of glmnet's sequence it solves

    .. math::

        \min_{\beta_0,\beta}\; -\frac{1}{n}\sum_i \big[y_i\eta_i - \log(1+e^{\eta_i})\big]
        + \lambda\Big[\alpha\lVert\beta\rVert_1 + \frac{1-\alpha}{2}\lVert\beta\rVert_2^2\Big]

    on features centred and scaled to unit variance (divisor n), and returns coefficients on the
    input scale. Each fold is refitted on its own lambda sequence and its coefficients are
    interpolated at the whole-data lambdas; ``cv_mean_`` is the fold-size-weighted mean over
    folds of the held-out binomial deviance :math:`-2[y\log p + (1-y)\log(1-p)]` (``p`` clipped
    to :math:`[10^{-5}, 1-10^{-5}]`), ``cv_sd_`` its standard error. ``lambda_min_`` minimises
    ``cv_mean_``; ``lambda_1se_`` is the largest lambda whose ``cv_mean_`` is within one standard
    error of that minimum. Matches R to 1e-4 (tests against glmnet goldens; docs/lasso.md).

    Parameters
    ----------
    alpha : float in (0, 1]
        Elastic-net mixing (1 = LASSO).
    n_lambda : int
        Length of the lambda sequence (glmnet's ``nlambda``); the path may stop earlier, as
        glmnet's does, once the deviance explained stops growing.
    lambda_min_ratio : float or None
        Smallest lambda as a fraction of the largest; None = 0.01 when cases < features, else
        1e-4 (decided per fit, so per fold too, as glmnet does).
    n_folds : int
        Number of folds when ``foldid`` is None: stratified by class, shuffled with
        ``random_state``.
    foldid : array-like or None
        Fold label of each case (glmnet's ``foldid``); overrides ``n_folds``.
    rule : {"1se", "min"}
        Which lambda gives ``coef_``: ``lambda.1se`` (sparser, the common choice) or ``lambda.min``.
    standardize : bool
        Scale features to unit variance for the fit (glmnet's default); coefficients are always
        reported on the input scale.
    random_state : int, RandomState or None
        Seeds the folds.

    Attributes
    ----------
    classes_ : ndarray (2,)
        The outcome labels; ``classes_[1]`` is modelled (glmnet's second factor level).
    lambdas_, coef_path_, intercept_path_, dev_ratio_path_ : ndarrays
        The whole-data path: lambdas (L,), coefficients (L, p) and intercepts (L,) on the input
        scale, deviance ratio (L,).
    cv_mean_, cv_sd_ : ndarray (L,)
        ``cvm`` and ``cvsd``.
    lambda_min_, lambda_1se_, lambda_ : float
        The two lambdas and the one chosen by ``rule`` (with ``index_min_``, ``index_1se_``,
        ``index_``).
    coef_, intercept_ : the coefficients (p,) and intercept at ``lambda_``.
    foldid_ : ndarray (n,) of int
        The folds used (1..K).

    References
    ----------
    Friedman J, Hastie T, Tibshirani R. Regularization paths for generalized linear models via
    coordinate descent. J Stat Softw 2010;33(1). doi:10.18637/jss.v033.i01
    """

    _family = "binomial"
    _deviance_label = "Binomial deviance (cross-validated)"

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X: Any, y: Any) -> LassoLogisticCV:
        """Fit the path and cross-validate it; ``y`` is binary (two labels)."""
        from threadpoolctl import threadpool_limits

        self._check_params()
        arr = self._validate_X(X)
        where = _where(self, "fit")
        if y is None:
            raise DataError(f"{where}: this estimator requires y to be passed, but the target y is None.")
        yv = np.asarray(y)
        if yv.ndim == 2 and yv.shape[1] == 1:
            yv = column_or_1d(yv, warn=True)
        if yv.ndim != 1 or yv.shape[0] != arr.shape[0]:
            raise DataError(f"{where}: y must be one label per row of X ({arr.shape[0]}); got shape {np.shape(y)}.")
        if pd.isna(yv).any():
            raise DataError(f"{where}: y has missing values; drop those cases.")
        kind = type_of_target(yv)
        if kind == "continuous":
            raise DataError(f"{where}: y is continuous; LASSO logistic regression needs a binary outcome.")
        self.classes_ = np.unique(yv)
        if self.classes_.size != 2:
            raise DataError(
                f"{where}: y must have exactly two classes (only binary classification is supported); "
                f"found {self.classes_.size} ({list(self.classes_[:5])})."
            )
        y01 = (yv == self.classes_[1]).astype(float)
        foldid = self._folds(arr.shape[0], y01)
        with threadpool_limits(1, user_api="blas"):
            cv = binomial_cv(
                arr, y01, foldid, alpha=float(self.alpha), n_lambda=int(self.n_lambda),
                lambda_min_ratio=self.lambda_min_ratio, standardize=bool(self.standardize),
            )
        self._store(cv, foldid, arr)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of ``classes_`` (columns), from the logistic model at ``lambda_``."""
        p = _glmnet._expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The more probable class."""
        score = self.decision_function(X)
        return self.classes_[(score > 0.0).astype(int)]


class LassoCoxCV(_LassoCVBase):
    r"""LASSO (elastic-net) Cox regression with lambda chosen by K-fold cross-validation.

    Reproduces ``cv.glmnet(x, Surv(time, event), family = "cox", foldid = foldid)`` of R's
    glmnet 4.1 (``type.measure = "deviance"``, ``grouped = TRUE``): the penalised negative
    Breslow log partial likelihood

    .. math::

        -\frac{1}{n}\Big[\sum_i \delta_i\eta_i - \sum_k d_k\log\sum_{j:\,t_j\ge t_k} e^{\eta_j}\Big]
        + \lambda\Big[\alpha\lVert\beta\rVert_1 + \frac{1-\alpha}{2}\lVert\beta\rVert_2^2\Big]

    (:math:`d_k` events tied at time :math:`t_k`) is solved along glmnet's lambda sequence, and
    the cross-validated deviance of fold k is the partial-likelihood deviance of all cases minus
    that of the training cases, both at the coefficients fitted without fold k, divided by the
    events in fold k (Verweij & van Houwelingen 1993, as glmnet computes it). ``cv_mean_`` is the
    event-weighted mean over folds. Default folds are stratified by event status.

    ``y`` is a scikit-survival structured array (``sksurv.util.Surv.from_arrays(event, time)``),
    a tuple ``(time, event)`` or a two-column table ``[time, event]``; times must be positive.
    Parameters and attributes are those of :class:`LassoLogisticCV` (no ``classes_``; the
    intercept is 0). ``predict`` returns the risk score (linear predictor), ``score`` Harrell's
    concordance index, as scikit-survival's models do.

    References
    ----------
    Simon N, Friedman J, Hastie T, Tibshirani R. Regularization paths for Cox's proportional
    hazards model via coordinate descent. J Stat Softw 2011;39(5). doi:10.18637/jss.v039.i05
    Verweij PJM, van Houwelingen HC. Cross-validation in survival analysis. Stat Med
    1993;12:2305-14.
    """

    _family = "cox"
    _deviance_label = "Partial likelihood deviance (cross-validated)"

    def fit(self, X: Any, y: Any) -> LassoCoxCV:
        """Fit the path and cross-validate it on the survival outcome ``y``."""
        from threadpoolctl import threadpool_limits

        self._check_params()
        arr = self._validate_X(X)
        time, event = survival_target(y, arr.shape[0], _where(self, "fit"))
        foldid = self._folds(arr.shape[0], event)
        with threadpool_limits(1, user_api="blas"):
            cv = cox_cv(
                arr, time, event, foldid, alpha=float(self.alpha), n_lambda=int(self.n_lambda),
                lambda_min_ratio=self.lambda_min_ratio, standardize=bool(self.standardize),
            )
        self._store(cv, foldid, arr)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Risk score: the linear predictor ``X @ coef_`` (higher = shorter survival)."""
        return self.decision_function(X)

    def score(self, X: Any, y: Any) -> float:
        """Harrell's concordance index of the risk score (scikit-survival's convention)."""
        from sksurv.metrics import concordance_index_censored

        time, event = survival_target(y, None, _where(self, "score"))
        return float(concordance_index_censored(event.astype(bool), time, self.predict(X))[0])
