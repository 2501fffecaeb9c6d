"""Validation designs for binary classifiers, with a leakage guard.

Every design takes an **unfitted** estimator (usually a :class:`~sklearn.pipeline.Pipeline`
holding imputation, scaling, harmonisation, selection and the model) and the **raw** feature
table, and fits a clone of the whole pipeline on training cases only, so that every
data-dependent step sees the training fold and nothing else:

- :func:`split_validate`: one stratified train/test split (for example 2:1);
- :func:`cross_validate_repeated`: repeated stratified K-fold;
- :func:`nested_cv`: repeated stratified K-fold outside, a hyper-parameter search (grid or
  random) by stratified K-fold inside each outer training fold;
- :func:`bootstrap_632plus`: Efron & Tibshirani's (1997) .632+ bootstrap, for the AUC and the
  misclassification error;
- :func:`external_validate`: train on some centres, test on others; leave-one-centre-out
  when no training centres are named.

Each returns a frozen :class:`ValidationResult` with the out-of-fold predictions (one row per
case and repeat), the AUC of each repeat's pooled out-of-fold predictions, their mean with a
confidence interval, and optionally the fitted models.

**Leakage guard.** A design refuses, with :class:`~radiome.errors.LeakageError`, a feature
table that a radiome data-dependent step has transformed (scaled, harmonised, selected: see
:mod:`radiome.model._leakage`) and an estimator that is already fitted (scikit-learn's
``check_is_fitted`` on the estimator and on every estimator nested in its parameters). A table
reduced outside radiome (by hand with scikit-learn or pandas) carries no mark and cannot be
detected: the estimate is then optimistic, and nothing but putting the step in the pipeline
prevents it.

**Confidence interval.** For the cross-validation designs, the split and external validation,
the interval is a stratified percentile bootstrap over cases (``n_boot`` resamples): each
resample draws the positive and the negative cases with replacement, recomputes the AUC of each
repeat's out-of-fold predictions on the drawn cases (a case drawn k times counts k times) and
averages over repeats. It reflects the sampling of the evaluation cases given the fitted
models, not the variability due to training sets, for which no unbiased estimator exists
(Bengio & Grandvalet 2004), so it is somewhat narrow. The .632+ interval is described in
:func:`bootstrap_632plus`.

The AUCs come from scikit-learn's ``roc_auc_score``; the bootstrap and the .632+ combination
are written here because no maintained library provides them for arbitrary pipelines.

References
----------
Efron B, Tibshirani R. Improvements on cross-validation: the .632+ bootstrap method.
J Am Stat Assoc 1997;92:548-560.
Sahiner B, Chan HP, Hadjiiski L. Classifier performance prediction for computer-aided
diagnosis using a limited dataset. Med Phys 2008;35:1559-1570.
Varma S, Simon R. Bias in error estimation when using cross-validation for model selection.
BMC Bioinformatics 2006;7:91.
Bengio Y, Grandvalet Y. No unbiased estimator of the variance of K-fold cross-validation.
J Mach Learn Res 2004;5:1089-1105.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    RepeatedStratifiedKFold,
    StratifiedKFold,
    train_test_split,
)
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from radiome.errors import ConfigError, DataError, LeakageError
from radiome.evaluate.estimate import Estimate
from radiome.model._leakage import check_not_transformed

__all__ = [
    "ValidationResult",
    "split_validate",
    "cross_validate_repeated",
    "nested_cv",
    "bootstrap_632plus",
    "external_validate",
    "check_unfitted",
    "encode_binary",
    "bootstrap_auc_interval",
    "combine_632plus",
]

_PRED_COLUMNS = ["case", "repeat", "fold", "y", "prob"]


# ---------------------------------------------------------------------------------------------
# Result object
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ValidationResult:
    """The outcome of a validation design.

    Attributes
    ----------
    design
        ``"split"``, ``"repeated_cv"``, ``"nested_cv"``, ``"bootstrap_632plus"`` or
        ``"external"``.
    auc
        The design's AUC estimate with its confidence interval: the mean over repeats of the
        AUC of each repeat's pooled out-of-fold predictions (the .632+ AUC for the bootstrap).
    repeat_auc
        AUC of each repeat's pooled out-of-fold predictions (of each replicate's out-of-bag
        predictions for the bootstrap).
    predictions
        Out-of-fold predictions: one row per evaluated case and repeat, columns ``case`` (the
        index label of the case in ``X``), ``repeat``, ``fold``, ``y`` (1 = positive class),
        ``prob`` (predicted probability of the positive class, or the decision value when the
        estimator has no ``predict_proba``; see ``score_kind``) and, for external validation,
        ``group``.
    n_cases, n_positive
        Cases in the table and positive cases among them.
    pos_label
        The label taken as the positive class.
    score_kind
        ``"probability"`` or ``"decision"``.
    settings
        The design's parameters (folds, repeats, seed...).
    fold_params
        Nested CV: the hyper-parameters chosen in each outer training fold, in fold order.
    group_auc
        External validation: AUC in each test centre (NaN where a centre has one class).
    extra
        Further quantities of a design (the .632+ components, for example).
    models
        The fitted models, in fold order, when ``keep_models=True``; else empty.
    """

    design: str
    auc: Estimate
    repeat_auc: tuple[float, ...]
    predictions: pd.DataFrame
    n_cases: int
    n_positive: int
    pos_label: Any
    score_kind: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    fold_params: tuple[Mapping[str, Any], ...] = ()
    group_auc: Mapping[str, float] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    models: tuple[Any, ...] = ()

    def summary(self) -> pd.DataFrame:
        """One row per quantity: ``value``, ``lower``, ``upper``, ``level``, ``method``."""
        rows = [{"quantity": "auc", **self.auc.to_dict()}]
        for i, a in enumerate(self.repeat_auc[:1000]):
            rows.append({"quantity": f"auc_repeat_{i}", "value": a, "method": "none"})
        for key, val in self.extra.items():
            if isinstance(val, Estimate):
                rows.append({"quantity": key, **val.to_dict()})
            elif isinstance(val, (int, float)):
                rows.append({"quantity": key, "value": float(val), "method": "none"})
        for g, a in self.group_auc.items():
            rows.append({"quantity": f"auc_group_{g}", "value": a, "method": "none"})
        cols = ["quantity", "value", "lower", "upper", "level", "method"]
        return pd.DataFrame(rows).reindex(columns=cols)

    def to_dict(self, include_predictions: bool = True) -> dict[str, Any]:
        """Plain, JSON-ready dict (predictions as column lists unless excluded)."""
        out: dict[str, Any] = {
            "design": self.design,
            "auc": self.auc.to_dict(),
            "repeat_auc": [float(a) for a in self.repeat_auc],
            "n_cases": int(self.n_cases),
            "n_positive": int(self.n_positive),
            "pos_label": _jsonable(self.pos_label),
            "score_kind": self.score_kind,
            "settings": {k: _jsonable(v) for k, v in self.settings.items()},
            "fold_params": [{k: _jsonable(v) for k, v in p.items()} for p in self.fold_params],
            "group_auc": {str(k): float(v) for k, v in self.group_auc.items()},
            "extra": {k: (v.to_dict() if isinstance(v, Estimate) else _jsonable(v))
                      for k, v in self.extra.items()},
        }
        if include_predictions:
            out["predictions"] = {c: [_jsonable(v) for v in self.predictions[c].tolist()]
                                  for c in self.predictions.columns}
        return out

    def plot(self, ax: Any = None, max_curves: int = 10) -> Any:
        """ROC curve of each repeat's pooled out-of-fold predictions (at most ``max_curves``)."""
        from radiome.report.style import color, get_axes

        ax = get_axes(ax)
        for i, (r, grp) in enumerate(self.predictions.groupby("repeat", sort=True)):
            if i >= max_curves:
                break
            if grp["y"].nunique() < 2:
                continue
            fpr, tpr, _ = roc_curve(grp["y"], grp["prob"])
            ax.plot(fpr, tpr, color=color(0), alpha=0.6 if len(self.repeat_auc) > 1 else 1.0,
                    lw=1, label=f"repeats (mean AUC {self.auc.format()})" if i == 0 else None)
        ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls="--")
        ax.set_xlabel("1 - specificity")
        ax.set_ylabel("Sensitivity")
        ax.set_title(f"{self.design}: out-of-fold ROC")
        ax.legend(loc="lower right")
        return ax


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, str):
        return str(v)
    if isinstance(v, (int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return repr(v)


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------
def _fitted_attributes(est: Any) -> list[str]:
    return [k for k in vars(est) if k.endswith("_") and not k.startswith("__")]


def check_unfitted(estimator: Any, where: str) -> None:
    """Raise :class:`LeakageError` if ``estimator`` (or an estimator nested in it) is fitted.

    A fitted estimator has learned from some data; evaluating it by a design that refits
    clones would hide that, and evaluating it as is would leak whatever it saw.
    """
    if not (hasattr(estimator, "fit") and hasattr(estimator, "get_params")):
        raise ConfigError(
            f"{where}: estimator must be an unfitted scikit-learn estimator or pipeline (with "
            f"fit and get_params); got {type(estimator).__name__}"
        )
    fitted = False
    if get_tags(estimator).requires_fit:
        try:
            check_is_fitted(estimator)
            fitted = True
        except NotFittedError:
            fitted = False
    culprit = type(estimator).__name__
    if not fitted:
        for name, value in estimator.get_params(deep=True).items():
            if isinstance(value, BaseEstimator) and _fitted_attributes(value):
                fitted, culprit = True, f"step {name!r} ({type(value).__name__})"
                break
    if fitted:
        raise LeakageError(
            f"{where}: {culprit} is already fitted, on data that may include the evaluation "
            "cases. Pass an unfitted estimator (sklearn.base.clone(estimator)) with every "
            "data-dependent step (scaling, harmonisation, selection, tuning) inside the "
            "pipeline; the design fits it within each training fold."
        )


def encode_binary(y: Any, pos_label: Any = None, name: str = "y") -> tuple[np.ndarray, Any]:
    """Binary outcome as a 0/1 int array, and the label taken as positive.

    Without ``pos_label`` the outcome must be 0/1, -1/1 or False/True (the larger is positive).
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        arr = arr.ravel() if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise DataError(f"{name} must be one-dimensional; got shape {np.shape(y)}")
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise DataError(f"{name} contains missing or non-finite values; drop those cases first")
    if pd.isna(arr).any():
        raise DataError(f"{name} contains missing values; drop those cases first")
    labels = pd.unique(arr)
    if len(labels) != 2:
        raise DataError(
            f"{name} must have exactly two classes; got {len(labels)} ({list(labels)[:5]})"
        )
    if pos_label is None:
        as_set = {_jsonable(v) for v in labels}
        if as_set in ({0, 1}, {-1, 1}, {False, True}):
            pos_label = max(labels)
        else:
            raise DataError(
                f"{name} has labels {sorted(map(str, labels))}; say which is positive with "
                "pos_label=..."
            )
    elif pos_label not in set(labels.tolist()):
        raise DataError(f"pos_label={pos_label!r} is not among the labels of {name}: "
                        f"{list(labels)}")
    return (arr == pos_label).astype(int), pos_label


def _prepare(estimator: Any, X: Any, y: Any, where: str, pos_label: Any):
    check_not_transformed(X, where)
    check_unfitted(estimator, where)
    y01, pos = encode_binary(y, pos_label)
    if isinstance(X, pd.DataFrame):
        index = X.index
        if isinstance(y, pd.Series) and not y.index.equals(X.index):
            raise DataError(f"{where}: X and y have different indices; align them (y.loc[X.index])")
    else:
        X = np.asarray(X)
        if X.ndim != 2:
            raise DataError(f"{where}: X must be two-dimensional (cases x features); got "
                            f"shape {X.shape}")
        index = y.index if isinstance(y, pd.Series) else pd.RangeIndex(len(X))
    if X.shape[0] != len(y01):
        raise DataError(f"{where}: X has {X.shape[0]} rows but y has {len(y01)} values")
    if not index.is_unique:
        raise DataError(f"{where}: the case index has duplicates; give each case a unique "
                        "label (X.reset_index(drop=True) if labels do not matter)")
    return X, y01, pos, index


def _take(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if isinstance(X, pd.DataFrame) else X[idx]


def _scores(model: Any, X: Any) -> tuple[np.ndarray, str]:
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(X))
        classes = list(model.classes_)
        return proba[:, classes.index(1)], "probability"
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(X), dtype=float).ravel(), "decision"
    raise ConfigError("the estimator has neither predict_proba nor decision_function; a "
                      "validation design needs a score per case to compute the AUC")


def _fit_score(est: Any, X: Any, y01: np.ndarray, train: np.ndarray, test: np.ndarray):
    model = clone(est).fit(_take(X, train), y01[train])
    s, kind = _scores(model, _take(X, test))
    return model, s, kind


def _check_folds(y01: np.ndarray, n_splits: int, where: str) -> None:
    smallest = int(min(y01.sum(), len(y01) - y01.sum()))
    if n_splits < 2:
        raise ConfigError(f"{where}: n_splits must be at least 2; got {n_splits}")
    if smallest < n_splits:
        raise DataError(
            f"{where}: the smaller class has {smallest} cases, fewer than n_splits={n_splits}; "
            "use fewer folds"
        )


# ---------------------------------------------------------------------------------------------
# AUC and its bootstrap interval
# ---------------------------------------------------------------------------------------------
def _weighted_auc(scores: np.ndarray, y01: np.ndarray, W: np.ndarray) -> np.ndarray:
    """AUC of ``scores`` with case weights, one AUC per row of ``W`` (ties count 1/2).

    .. math:: A = \\frac{\\sum_{i \\in P} \\sum_{j \\in N} w_i w_j
              (1[s_i > s_j] + \\tfrac12 1[s_i = s_j])}{\\sum_P w_i \\sum_N w_j}
    """
    order = np.argsort(scores, kind="mergesort")
    s = scores[order]
    Wp = W[:, order] * y01[order]
    Wn = W[:, order] * (1 - y01[order])
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    Pg = np.add.reduceat(Wp, starts, axis=1)
    Ng = np.add.reduceat(Wn, starts, axis=1)
    below = np.cumsum(Ng, axis=1) - Ng
    num = np.sum(Pg * (below + 0.5 * Ng), axis=1)
    den = Wp.sum(axis=1) * Wn.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def bootstrap_auc_interval(
    predictions: pd.DataFrame, n_boot: int = 1000, level: float = 0.95, random_state: Any = None
) -> tuple[float, float, float]:
    """Mean over repeats of the pooled out-of-fold AUC, and its stratified bootstrap interval.

    Returns ``(value, lower, upper)``. ``predictions`` has columns ``case``, ``repeat``, ``y``,
    ``prob``; the cases are resampled within each class (the same draw for every repeat).
    """
    wide = predictions.pivot_table(index="case", columns="repeat", values="prob",
                                   aggfunc="first", sort=False)
    if wide.isna().any().any():
        raise DataError("bootstrap_auc_interval: every repeat must predict the same cases")
    yc = predictions.groupby("case", sort=False)["y"].first().reindex(wide.index).to_numpy()
    S = wide.to_numpy(dtype=float)
    ones = np.ones((1, len(yc)))
    value = float(np.mean([_weighted_auc(S[:, r], yc, ones)[0] for r in range(S.shape[1])]))
    if n_boot <= 0 or yc.min() == yc.max():
        return value, math.nan, math.nan
    rng = np.random.default_rng(random_state)
    m = len(yc)
    W = np.zeros((n_boot, m))
    rows = np.arange(n_boot)[:, None]
    for cls in (0, 1):
        members = np.flatnonzero(yc == cls)
        draw = members[rng.integers(0, len(members), size=(n_boot, len(members)))]
        np.add.at(W, (np.broadcast_to(rows, draw.shape), draw), 1.0)
    stats = np.mean([_weighted_auc(S[:, r], yc, W) for r in range(S.shape[1])], axis=0)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(stats, [alpha, 1.0 - alpha])
    return value, float(lo), float(hi)


def _auc(y01: np.ndarray, s: np.ndarray) -> float:
    return float(roc_auc_score(y01, s)) if 0 < y01.sum() < len(y01) else math.nan


def _result_from_predictions(design, pred, y01, pos, kind, settings, n_boot, level, seed,
                             **kw) -> ValidationResult:
    repeat_auc = tuple(_auc(g["y"].to_numpy(), g["prob"].to_numpy())
                       for _, g in pred.groupby("repeat", sort=True))
    if any(math.isnan(a) for a in repeat_auc):
        raise DataError(f"{design}: the evaluated cases hold one class only; the AUC is "
                        "undefined (choose test cases with both classes)")
    value, lo, hi = bootstrap_auc_interval(pred, n_boot=n_boot, level=level, random_state=seed)
    auc = Estimate(value, lo, hi, level=level, method="bootstrap" if n_boot > 0 else "none")
    return ValidationResult(design=design, auc=auc, repeat_auc=repeat_auc, predictions=pred,
                            n_cases=len(y01), n_positive=int(y01.sum()), pos_label=pos,
                            score_kind=kind, settings=settings, **kw)


def _seed(random_state: Any) -> int | None:
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return None if random_state is None else int(random_state)
    return int(np.random.default_rng(random_state).integers(2**31 - 1))


# ---------------------------------------------------------------------------------------------
# Designs
# ---------------------------------------------------------------------------------------------
def split_validate(
    estimator: Any, X: Any, y: Any, test_size: float = 1 / 3, stratify: bool = True,
    random_state: Any = None, pos_label: Any = None, n_boot: int = 1000, level: float = 0.95,
    keep_models: bool = False,
) -> ValidationResult:
    """One train/test split: fit on the training part, AUC on the held-out part.

    ``test_size=1/3`` gives the 2:1 split of many clinical radiomics papers. With
    ``stratify=True`` both parts keep the class proportions. A single split wastes cases and
    its estimate varies with the seed; prefer :func:`cross_validate_repeated` on small tables.
    """
    where = "split_validate"
    X, y01, pos, index = _prepare(estimator, X, y, where, pos_label)
    if not 0.0 < test_size < 1.0:
        raise ConfigError(f"{where}: test_size must lie in (0, 1); got {test_size!r}")
    seed = _seed(random_state)
    pos_idx = np.arange(len(y01))
    try:
        train, test = train_test_split(pos_idx, test_size=test_size, random_state=seed,
                                       stratify=y01 if stratify else None)
    except ValueError as exc:
        raise DataError(f"{where}: cannot split: {exc}") from exc
    if y01[train].min() == y01[train].max():
        raise DataError(f"{where}: the training part holds one class only; stratify or "
                        "change test_size")
    model, s, kind = _fit_score(estimator, X, y01, train, test)
    pred = pd.DataFrame({"case": index[test], "repeat": 0, "fold": 0, "y": y01[test],
                         "prob": s}, columns=_PRED_COLUMNS)
    settings = {"test_size": test_size, "stratify": stratify, "random_state": seed,
                "n_train": len(train), "n_test": len(test)}
    return _result_from_predictions("split", pred, y01, pos, kind, settings, n_boot, level,
                                    seed, models=(model,) if keep_models else ())


def _run_cv(design, make_est, X, y01, index, n_splits, n_repeats, seed, keep_models,
            fold_callback: Callable[[Any], Mapping[str, Any]] | None = None):
    cv = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=seed)
    frames, models, params, kind = [], [], [], "probability"
    for i, (train, test) in enumerate(cv.split(np.zeros(len(y01)), y01)):
        model, s, kind = _fit_score(make_est(), X, y01, train, test)
        frames.append(pd.DataFrame({"case": index[test], "repeat": i // n_splits,
                                    "fold": i % n_splits, "y": y01[test], "prob": s}))
        if fold_callback is not None:
            params.append(dict(fold_callback(model)))
        if keep_models:
            models.append(model)
    pred = pd.concat(frames, ignore_index=True).reindex(columns=_PRED_COLUMNS)
    return pred, kind, tuple(models), tuple(params)


def cross_validate_repeated(
    estimator: Any, X: Any, y: Any, n_splits: int = 5, n_repeats: int = 5,
    random_state: Any = None, pos_label: Any = None, n_boot: int = 1000, level: float = 0.95,
    keep_models: bool = False,
) -> ValidationResult:
    """Repeated stratified K-fold cross-validation.

    Each repeat partitions the cases into ``n_splits`` stratified folds; each fold is
    predicted by the pipeline fitted on the other folds. The AUC of repeat :math:`r` is that
    of its pooled out-of-fold predictions (every case once), and the estimate is their mean

    .. math::

        \\widehat{AUC} = \\frac1R \\sum_{r=1}^{R}
        AUC\\big(\\{(y_i, \\hat p_i^{(r)})\\}_{i=1}^n\\big)

    Pooling within a repeat avoids the bias of averaging per-fold AUCs on tiny folds. If the
    estimator tunes itself (a ``GridSearchCV``, an :class:`~radiome.model.auto.AutoModel`),
    the tuning runs inside each training fold and this is a nested cross-validation.
    """
    where = "cross_validate_repeated"
    X, y01, pos, index = _prepare(estimator, X, y, where, pos_label)
    _check_folds(y01, n_splits, where)
    if n_repeats < 1:
        raise ConfigError(f"{where}: n_repeats must be at least 1; got {n_repeats}")
    seed = _seed(random_state)
    pred, kind, models, _ = _run_cv(where, lambda: estimator, X, y01, index, n_splits,
                                    n_repeats, seed, keep_models)
    settings = {"n_splits": n_splits, "n_repeats": n_repeats, "random_state": seed}
    return _result_from_predictions("repeated_cv", pred, y01, pos, kind, settings, n_boot,
                                    level, seed, models=models)


def nested_cv(
    estimator: Any, param_space: Mapping[str, Any] | Sequence[Mapping[str, Any]], X: Any,
    y: Any, outer: int = 5, inner: int | Any = 5, n_repeats: int = 5, n_iter: int | None = None,
    scoring: str = "roc_auc", random_state: Any = None, pos_label: Any = None,
    n_boot: int = 1000, level: float = 0.95, keep_models: bool = False,
) -> ValidationResult:
    """Nested cross-validation: the hyper-parameter search runs inside each outer training fold.

    The outer loop is repeated stratified K-fold (``outer`` folds, ``n_repeats`` repeats), as
    in :func:`cross_validate_repeated`. In each outer training fold a
    :class:`~sklearn.model_selection.GridSearchCV` (or a
    :class:`~sklearn.model_selection.RandomizedSearchCV` of ``n_iter`` draws when given)
    searches ``param_space`` by stratified ``inner``-fold CV (an int, or any scikit-learn
    splitter), refits the best setting on the whole outer training fold and predicts the outer
    test fold. The test fold never influences scaling, harmonisation, selection or tuning, so
    the estimate is honest (Varma & Simon 2006). ``fold_params`` records each fold's choice.
    """
    where = "nested_cv"
    X, y01, pos, index = _prepare(estimator, X, y, where, pos_label)
    _check_folds(y01, outer, where)
    if not param_space:
        raise ConfigError(f"{where}: param_space is empty; use cross_validate_repeated for an "
                          "estimator without hyper-parameters to tune")
    seed = _seed(random_state)
    inner_cv = (StratifiedKFold(inner, shuffle=True, random_state=seed)
                if isinstance(inner, (int, np.integer)) else inner)

    def make() -> Any:
        if n_iter is None:
            return GridSearchCV(estimator, param_space, scoring=scoring, cv=inner_cv,
                                refit=True, n_jobs=1, error_score="raise")
        return RandomizedSearchCV(estimator, param_space, n_iter=n_iter, scoring=scoring,
                                  cv=inner_cv, refit=True, random_state=seed, n_jobs=1,
                                  error_score="raise")

    pred, kind, models, params = _run_cv(where, make, X, y01, index, outer, n_repeats, seed,
                                         keep_models, fold_callback=lambda m: m.best_params_)
    settings = {"outer": outer, "inner": inner if isinstance(inner, (int, np.integer))
                else repr(inner), "n_repeats": n_repeats, "n_iter": n_iter,
                "scoring": scoring, "random_state": seed}
    return _result_from_predictions("nested_cv", pred, y01, pos, kind, settings, n_boot, level,
                                    seed, fold_params=params, models=models)


def combine_632plus(
    apparent: float, oob: float, no_information: float
) -> tuple[float, float, float]:
    """Efron & Tibshirani's .632+ combination of a loss (lower is better).

    Returns ``(estimate, R, w)``. With :math:`\\overline{err}` the apparent (resubstitution)
    loss, :math:`\\widehat{Err}^{(1)}` the leave-one-out bootstrap loss and
    :math:`\\hat\\gamma` the no-information loss:

    .. math::

        \\widehat{Err}^{(1)\\prime} = \\min(\\widehat{Err}^{(1)}, \\hat\\gamma), \\quad
        \\hat R = \\frac{\\widehat{Err}^{(1)\\prime} - \\overline{err}}
                       {\\hat\\gamma - \\overline{err}}
        \\ \\text{if } \\widehat{Err}^{(1)\\prime} > \\overline{err},\\
        \\hat\\gamma > \\overline{err}
        \\text{, else } 0,

        \\hat w = \\frac{0.632}{1 - 0.368 \\hat R}, \\quad
        \\widehat{Err}^{(.632+)} = (1 - \\hat w)\\, \\overline{err} + \\hat w\\,
        \\widehat{Err}^{(1)\\prime}.

    For the AUC the loss is :math:`1 - AUC` with :math:`\\hat\\gamma = 1/2` (Sahiner et al.
    2008).
    """
    oob_c = min(oob, no_information)
    if oob_c > apparent and no_information > apparent:
        R = (oob_c - apparent) / (no_information - apparent)
    else:
        R = 0.0
    R = min(max(R, 0.0), 1.0)
    w = 0.632 / (1.0 - 0.368 * R)
    return (1.0 - w) * apparent + w * oob_c, R, w


def bootstrap_632plus(
    estimator: Any, X: Any, y: Any, B: int = 200, random_state: Any = None,
    pos_label: Any = None, threshold: float = 0.5, level: float = 0.95,
    keep_models: bool = False,
) -> ValidationResult:
    """The .632+ bootstrap estimate of the AUC and of the misclassification error.

    ``B`` bootstrap samples (drawn with replacement, redrawn while the sample or its
    out-of-bag cases lack a class) train the pipeline; it predicts the out-of-bag cases.

    - AUC: apparent :math:`AUC_{app}` (fitted and evaluated on all cases), out-of-bag
      :math:`AUC^{(1)}` = mean over samples of the AUC of that sample's out-of-bag cases,
      no-information AUC 1/2, combined by :func:`combine_632plus` on the loss :math:`1-AUC`.
    - Error (predicted class = probability >= ``threshold``): apparent error, Efron's
      leave-one-out bootstrap error :math:`Err^{(1)} = \\frac1n \\sum_i \\frac{1}{|C_i|}
      \\sum_{b \\in C_i} L(y_i, \\hat y_i^{b})` over the samples :math:`C_i` that leave case
      :math:`i` out, and the no-information error :math:`\\hat\\gamma = p_1 (1 - q_1) +
      (1 - p_1) q_1` (:math:`p_1` the positive share, :math:`q_1` the share predicted
      positive by the apparent fit).

    The interval is approximate: the percentile interval of
    :math:`(1-\\hat w) AUC_{app} + \\hat w\\, AUC^{(1)}_b` over the samples ``b``
    (``method="bootstrap-632plus"``). ``repeat_auc`` holds the out-of-bag AUC of each sample,
    and ``extra`` the components and the .632+ error.
    """
    where = "bootstrap_632plus"
    X, y01, pos, index = _prepare(estimator, X, y, where, pos_label)
    if B < 2:
        raise ConfigError(f"{where}: B must be at least 2; got {B}")
    seed = _seed(random_state)
    rng = np.random.default_rng(seed)
    n = len(y01)
    all_idx = np.arange(n)
    app_model, s_app, kind = _fit_score(estimator, X, y01, all_idx, all_idx)
    if kind != "probability":
        raise ConfigError(f"{where}: the estimator needs predict_proba (the error uses a "
                          "probability threshold)")
    auc_app = _auc(y01, s_app)
    yhat_app = (s_app >= threshold).astype(int)
    err_app = float(np.mean(yhat_app != y01))
    p1, q1 = float(y01.mean()), float(yhat_app.mean())
    gamma = p1 * (1 - q1) + (1 - p1) * q1

    frames, oob_auc, models = [], [], []
    loss_sum, loss_cnt = np.zeros(n), np.zeros(n)
    for b in range(B):
        for _attempt in range(100):
            boot = rng.integers(0, n, size=n)
            oob = np.setdiff1d(all_idx, boot)
            if (0 < y01[boot].sum() < n and len(oob) > 1
                    and 0 < y01[oob].sum() < len(oob)):
                break
        else:
            raise DataError(f"{where}: cannot draw bootstrap samples with both classes in and "
                            "out of the bag; the table is too small or too imbalanced")
        model, s, _ = _fit_score(estimator, X, y01, boot, oob)
        oob_auc.append(_auc(y01[oob], s))
        loss_sum[oob] += ((s >= threshold).astype(int) != y01[oob])
        loss_cnt[oob] += 1
        frames.append(pd.DataFrame({"case": index[oob], "repeat": b, "fold": 0,
                                    "y": y01[oob], "prob": s}))
        if keep_models:
            models.append(model)
    seen = loss_cnt > 0
    err1 = float(np.mean(loss_sum[seen] / loss_cnt[seen]))
    auc1 = float(np.mean(oob_auc))
    loss_auc, R_auc, w_auc = combine_632plus(1.0 - auc_app, 1.0 - auc1, 0.5)
    err632, R_err, w_err = combine_632plus(err_app, err1, gamma)
    per_b = (1.0 - w_auc) * auc_app + w_auc * np.minimum(np.asarray(oob_auc), 1.0)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(per_b, [alpha, 1 - alpha])
    auc = Estimate(1.0 - loss_auc, float(lo), float(hi), level=level,
                   method="bootstrap-632plus")
    pred = pd.concat(frames, ignore_index=True).reindex(columns=_PRED_COLUMNS)
    extra = {
        "auc_apparent": auc_app, "auc_oob": auc1, "auc_R": R_auc, "auc_weight": w_auc,
        "error_632plus": Estimate(err632, level=level), "error_apparent": err_app,
        "error_oob": err1, "error_no_information": gamma, "error_R": R_err,
        "error_weight": w_err,
    }
    settings = {"B": B, "threshold": threshold, "random_state": seed}
    return ValidationResult(design="bootstrap_632plus", auc=auc, repeat_auc=tuple(oob_auc),
                            predictions=pred, n_cases=n, n_positive=int(y01.sum()),
                            pos_label=pos, score_kind=kind, settings=settings, extra=extra,
                            models=tuple(models) if keep_models else ())


def external_validate(
    estimator: Any, X: Any, y: Any, groups: Any, train_groups: Sequence[Any] | None = None,
    test_groups: Sequence[Any] | None = None, pos_label: Any = None, n_boot: int = 1000,
    level: float = 0.95, random_state: Any = None, keep_models: bool = False,
) -> ValidationResult:
    """External validation by centre (or scanner, or period: any grouping of cases).

    With ``train_groups``: fit on the cases of those centres, predict the cases of
    ``test_groups`` (default: every other centre). Without: leave-one-centre-out, each centre
    predicted by the pipeline fitted on all the others; the AUC is then that of the pooled
    predictions (models differ between centres, so calibration differences lower it), and
    ``group_auc`` gives each centre's own AUC (``extra["mean_group_auc"]`` their mean).
    Predictions carry a ``group`` column.
    """
    where = "external_validate"
    X, y01, pos, index = _prepare(estimator, X, y, where, pos_label)
    g = np.asarray(groups)
    if g.ndim != 1 or len(g) != len(y01):
        raise DataError(f"{where}: groups must be one label per case ({len(y01)}); got shape "
                        f"{g.shape}")
    if pd.isna(g).any():
        raise DataError(f"{where}: groups has missing values; give every case a centre")
    levels = list(pd.unique(g))
    if train_groups is None:
        if test_groups is not None:
            raise ConfigError(f"{where}: test_groups needs train_groups")
        if len(levels) < 2:
            raise DataError(f"{where}: leave-one-centre-out needs at least two centres; "
                            f"got {levels}")
        plan = [([lv for lv in levels if lv != t], [t]) for t in levels]
    else:
        tr = list(train_groups)
        te = list(test_groups) if test_groups is not None else [lv for lv in levels if lv not in tr]
        unknown = [v for v in tr + te if v not in levels]
        if unknown:
            raise ConfigError(f"{where}: unknown groups {unknown}; the groups are {levels}")
        if set(tr) & set(te):
            raise LeakageError(f"{where}: groups {sorted(set(tr) & set(te), key=str)} are in "
                               "both train_groups and test_groups; an external test must use "
                               "centres unseen in training")
        if not te:
            raise ConfigError(f"{where}: no test groups left")
        plan = [(tr, te)]
    frames, models, kind = [], [], "probability"
    for fold, (tr, te) in enumerate(plan):
        train = np.flatnonzero(np.isin(g, tr))
        test = np.flatnonzero(np.isin(g, te))
        if y01[train].min() == y01[train].max():
            raise DataError(f"{where}: the training centres {tr} hold one class only")
        model, s, kind = _fit_score(estimator, X, y01, train, test)
        frames.append(pd.DataFrame({"case": index[test], "repeat": 0, "fold": fold,
                                    "y": y01[test], "prob": s, "group": g[test]}))
        if keep_models:
            models.append(model)
    pred = pd.concat(frames, ignore_index=True)
    group_auc = {str(k): _auc(d["y"].to_numpy(), d["prob"].to_numpy())
                 for k, d in pred.groupby("group", sort=False)}
    finite = [a for a in group_auc.values() if not math.isnan(a)]
    extra = {"mean_group_auc": float(np.mean(finite)) if finite else math.nan}
    settings = {"mode": "leave_one_group_out" if train_groups is None else "train_test",
                "train_groups": None if train_groups is None else [_jsonable(v) for v in tr],
                "test_groups": None if train_groups is None else [_jsonable(v) for v in te]}
    return _result_from_predictions("external", pred, y01, pos, kind, settings, n_boot, level,
                                    _seed(random_state), group_auc=group_auc, extra=extra,
                                    models=tuple(models))
