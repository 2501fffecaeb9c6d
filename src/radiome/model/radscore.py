"""The Rad-score: a linear radiomics signature with its formula written out.

A Rad-score (radiomics score) is the linear predictor of a sparse model, usually a LASSO
logistic regression chosen by cross-validation: ``intercept + sum_j b_j x_j`` over the
selected features. Papers print it as a formula so that others can compute it on their own
cases; :meth:`RadScore.formula` writes that text and :meth:`RadScore.to_dict` saves everything
needed to recompute it (coefficients, and the means and SDs when features are z-scored).

On which scale are the coefficients? On the scale of the features given to ``fit``:

* ``RadScore()`` on raw feature values gives a formula in raw units
  (``Rad-score = 0.095 - 0.192 x Sphericity + ...``); apply it to raw values.
* ``RadScore(standardize=True)`` z-scores each feature inside ``fit`` (mean and SD, divisor n,
  learned on the training cases and recorded in ``means_`` / ``scales_``) and writes the formula
  in ``z(feature)`` terms, ``z(x) = (x - mean) / SD``; :meth:`transform` applies the same
  z-scoring, and :meth:`to_dict` saves the means and SDs with the formula.
* A ``StandardScaler`` placed before ``RadScore`` in a ``Pipeline`` also makes the formula one
  in z-scores, but the means and SDs then live in the scaler, not in the formula: prefer
  ``standardize=True`` when the formula is to be reported.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone, is_classifier
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from radiome.errors import ConfigError, DataError
from radiome.model._leakage import mark_transformed

__all__ = ["RadScore"]


def _fmt(v: float, digits: int) -> str:
    """``v`` with ``digits`` decimals, or ``digits`` significant digits if that would print 0."""
    s = f"{abs(v):.{digits}f}"
    if float(s) == 0.0 and v != 0.0:
        s = f"{abs(v):.{digits}g}"
    return s


def _selector_has(attr: str):
    def check(self: RadScore) -> bool:
        sel = getattr(self, "selector_", None)
        if sel is None:
            sel = self.selector if self.selector is not None else _default_selector()
        return hasattr(sel, attr)

    return check


def _default_selector() -> Any:
    from radiome.select.lasso import LassoLogisticCV

    return LassoLogisticCV()


class RadScore(TransformerMixin, BaseEstimator):
    r"""A Rad-score: the linear predictor of a sparse model, with its formula as text.

    .. math::

        \text{Rad-score} = \beta_0 + \sum_{j \in S} \beta_j x_j
        \qquad\text{or, with standardize=True,}\qquad
        \beta_0 + \sum_{j \in S} \beta_j \frac{x_j - \bar x_j}{s_j}

    where :math:`S` is the set of features the selector keeps (non-zero coefficients).

    Parameters
    ----------
    selector : estimator or None
        A fitted-on-``fit`` linear model exposing ``coef_`` (and ``intercept_``), by default
        ``LassoLogisticCV()`` (LASSO logistic regression, lambda.1se by 10-fold CV).
        ``LassoCoxCV()`` gives a survival Rad-score (no intercept; the score is the log
        relative hazard).
    standardize : bool
        z-score the features inside ``fit`` (means and SDs recorded) so the formula is in
        ``z(feature)`` terms.
    digits : int
        Decimals of the coefficients in :meth:`formula`.
    name : str
        Left-hand side of the formula.

    Attributes
    ----------
    selector_ : the fitted selector.
    intercept_ : float
        The intercept (0 for a Cox selector).
    coefficients_ : pandas.Series
        The non-zero coefficients, indexed by feature name, on the scale of the formula.
    means_, scales_ : pandas.Series or None
        The means and SDs (divisor n) used for z-scoring when ``standardize=True``.
    feature_names_in_ : ndarray of str
        Names of the input features (``x0, x1, ...`` for arrays).

    Examples
    --------
    >>> rs = RadScore(digits=3).fit(X_train, y_train)             # doctest: +SKIP
    >>> rs.formula()                                               # doctest: +SKIP
    'Rad-score = 0.095 - 0.192 x Sphericity + 0.041 x GLCM_Contrast'
    >>> rs.transform(X_test)                                       # doctest: +SKIP
    """

    def __init__(
        self, selector: Any = None, standardize: bool = False, digits: int = 3, name: str = "Rad-score"
    ) -> None:
        self.selector = selector
        self.standardize = standardize
        self.digits = digits
        self.name = name

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        sel = self.selector if self.selector is not None else _default_selector()
        if is_classifier(sel):
            tags.estimator_type = "classifier"
        return tags

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> RadScore:
        """Fit the selector (on z-scores if ``standardize``) and record the formula."""
        where = "RadScore.fit"
        if not isinstance(self.digits, (int, np.integer)) or self.digits < 0:
            raise ConfigError(f"{where}: digits must be a non-negative integer; got {self.digits!r}.")
        try:
            arr = validate_data(self, X, reset=True, dtype=np.float64, ensure_all_finite=False, ensure_min_samples=2)
        except ValueError as exc:
            raise DataError(f"{where}: X is not a usable numeric table: {exc}") from exc
        if not np.isfinite(arr).all():
            raise DataError(
                f"{where}: X has missing or infinite values; impute them (inside the pipeline) or drop them."
            )
        names = self._names(arr.shape[1])
        if self.standardize:
            mean = arr.mean(axis=0)
            sd = arr.std(axis=0)
            if np.any(sd == 0):
                const = [names[i] for i in np.flatnonzero(sd == 0)]
                raise DataError(f"{where}: constant feature(s) {const[:5]} cannot be z-scored; drop them first.")
            self.means_ = pd.Series(mean, index=names, name="mean")
            self.scales_ = pd.Series(sd, index=names, name="sd")
            Z = (arr - mean) / sd
        else:
            self.means_ = self.scales_ = None
            Z = arr
        sel = clone(self.selector) if self.selector is not None else _default_selector()
        Zin = pd.DataFrame(Z, columns=names) if hasattr(self, "feature_names_in_") else Z
        sel.fit(Zin, y)
        coef = np.asarray(getattr(sel, "coef_", None), dtype=float).ravel()
        if coef.size != arr.shape[1]:
            raise ConfigError(
                f"{where}: the selector must be a linear model with one coefficient per feature in coef_ "
                f"(as LassoLogisticCV or LassoCoxCV); {type(sel).__name__} has coef_ of size {coef.size}."
            )
        self.selector_ = sel
        self.intercept_ = float(np.ravel(getattr(sel, "intercept_", 0.0))[0])
        full = pd.Series(coef, index=names, name="coefficient")
        self.coefficients_ = full[full != 0.0]
        self._coef_full = coef
        if hasattr(sel, "classes_"):
            self.classes_ = sel.classes_
        if self.coefficients_.empty:
            warnings.warn(
                "RadScore: the selector kept no feature; the Rad-score is a constant (the intercept).",
                RuntimeWarning,
                stacklevel=2,
            )
        return self

    def _names(self, p: int) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        return [str(c) for c in names] if names is not None else [f"x{i}" for i in range(p)]

    # -- the score -----------------------------------------------------------------------------

    def _validated(self, X: Any, method: str) -> np.ndarray:
        check_is_fitted(self, "coefficients_")
        try:
            arr = validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite=False)
        except ValueError as exc:
            raise DataError(f"RadScore.{method}: X does not match the table seen at fit: {exc}") from exc
        used = self._coef_full != 0.0
        if not np.isfinite(arr[:, used]).all():
            raise DataError(f"RadScore.{method}: X has missing or infinite values in the Rad-score features.")
        return arr

    def decision_function(self, X: Any) -> np.ndarray:
        """The Rad-score of each case (the model's linear predictor)."""
        arr = self._validated(X, "decision_function")
        used = self._coef_full != 0.0
        Z = arr[:, used]
        if self.standardize:
            Z = (Z - self.means_.to_numpy()[used]) / self.scales_.to_numpy()[used]
        return Z @ self._coef_full[used] + self.intercept_

    def transform(self, X: Any) -> Any:
        """The Rad-score as a one-column table (a DataFrame, named ``name``, for DataFrame input)."""
        score = self.decision_function(X)
        if isinstance(X, pd.DataFrame):
            out = pd.DataFrame({self.name: score}, index=X.index)
            return mark_transformed(out, "RadScore")
        return score[:, None]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "coefficients_")
        return np.asarray([self.name], dtype=object)

    @available_if(_selector_has("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of ``classes_`` from the logistic model: ``1 / (1 + exp(-Rad-score))``."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The selector's prediction (the class for a classifier, the risk score for Cox)."""
        check_is_fitted(self, "coefficients_")
        score = self.decision_function(X)
        if hasattr(self, "classes_"):
            return self.classes_[(score > 0.0).astype(int)]
        return score

    # -- the formula ---------------------------------------------------------------------------

    def formula(self, digits: int | None = None, times: str = "x") -> str:
        """The Rad-score as text, e.g. ``"Rad-score = 0.095 - 0.192 x Sphericity + 0.041 x GLCM_Contrast"``.

        Coefficients are printed with ``digits`` decimals (default: the ``digits`` parameter),
        largest absolute coefficient first; with ``standardize=True`` each feature appears as
        ``z(feature)``. A Cox Rad-score has no intercept.
        """
        check_is_fitted(self, "coefficients_")
        d = self.digits if digits is None else int(digits)
        terms: list[str] = []
        if self.intercept_ != 0.0 or self.coefficients_.empty:
            terms.append(("-" if self.intercept_ < 0 else "") + _fmt(self.intercept_, d))
        coefs = self.coefficients_.reindex(self.coefficients_.abs().sort_values(ascending=False, kind="stable").index)
        for feat, c in coefs.items():
            label = f"z({feat})" if self.standardize else str(feat)
            body = f"{_fmt(c, d)} {times} {label}"
            if terms:
                terms.append(("- " if c < 0 else "+ ") + body)
            else:
                terms.append(("-" if c < 0 else "") + body)
        return f"{self.name} = " + " ".join(terms)

    def to_frame(self) -> pd.DataFrame:
        """One row per term: coefficient, and mean and SD when standardised."""
        check_is_fitted(self, "coefficients_")
        df = pd.DataFrame({"coefficient": self.coefficients_})
        if self.standardize:
            df["mean"] = self.means_[df.index]
            df["sd"] = self.scales_[df.index]
        top = pd.DataFrame({"coefficient": [self.intercept_]}, index=["(Intercept)"])
        return pd.concat([top, df]) if self.intercept_ != 0.0 else df

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to recompute the score (JSON-ready)."""
        check_is_fitted(self, "coefficients_")
        sel = self.selector_
        out: dict[str, Any] = {
            "name": self.name,
            "formula": self.formula(),
            "scale": "z-score" if self.standardize else "input",
            "intercept": self.intercept_,
            "coefficients": {str(k): float(v) for k, v in self.coefficients_.items()},
            "selector": type(sel).__name__,
        }
        if self.standardize:
            out["means"] = {str(k): float(self.means_[k]) for k in self.coefficients_.index}
            out["sds"] = {str(k): float(self.scales_[k]) for k in self.coefficients_.index}
        for attr in ("lambda_", "rule", "lambda_min_", "lambda_1se_"):
            v = getattr(sel, attr, None)
            if v is not None:
                out[attr.rstrip("_")] = v if isinstance(v, str) else float(v)
        if hasattr(self, "classes_"):
            out["positive_class"] = self.classes_[1].item() if hasattr(self.classes_[1], "item") else self.classes_[1]
        return out
