"""Clinical-model building and the combined clinical + Rad-score model.

:class:`ClinicalModelBuilder` follows the workflow of most radiomics papers: a univariable
logistic regression per clinical predictor, the predictors with p below ``screen_p`` entered
together into a multivariable model, optionally reduced by backward elimination on the Wald
p-value, and the predictors still significant at ``final_p`` reported as *independent*
predictors. A factor with k levels is tested as one predictor with the joint Wald test of its
k - 1 dummy terms (as ``rms::anova`` does), so a factor enters or leaves as a whole.

:class:`CombinedModel` fits one :class:`~radiome.model.logistic.LogisticModel` on chosen
clinical predictors plus a Rad-score column (computed upstream, for example by the Rad-score
step of the pipeline, and passed as a column of ``X``), optionally choosing the clinical
predictors with the builder first.

Both are scikit-learn classifiers: fitted inside cross-validation they repeat the screen in
every training fold, which is what an honest estimate of a selected model's performance needs.

References
----------
Hosmer DW, Lemeshow S, Sturdivant RX. *Applied Logistic Regression*, 3rd ed., ch. 4
(purposeful selection of covariates). Wiley, 2013.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from radiome.errors import ConfigError, DataError
from radiome.model.logistic import INTERCEPT, LogisticModel

__all__ = ["ClinicalModelBuilder", "CombinedModel"]


def _as_frame(X: Any, where: str) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        df = X.copy()
        df.columns = [str(c) for c in df.columns]
        return df
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise DataError(f"{where}: expected a 2-D table of predictors (cases x columns); got shape {arr.shape}.")
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


def _with_predictor_p(model: LogisticModel, label: str | None = None) -> pd.DataFrame:
    """The model's Wald table with a ``predictor`` column and the joint ``p_predictor``."""
    tab = model.summary_.copy()
    pp = model.predictor_p_values()
    tab.insert(0, "predictor", [model.term_predictor_.get(t, INTERCEPT) for t in tab.index])
    tab["p_predictor"] = [pp.get(c, np.nan) for c in tab["predictor"]]
    if label is not None:
        tab.insert(0, "model", label)
    return tab


class _BinaryClassifier(ClassifierMixin, BaseEstimator):
    """Shared tags: binary outcomes only; clinical tables may hold string/categorical columns."""

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags


class ClinicalModelBuilder(_BinaryClassifier):
    r"""Univariable screen, multivariable logistic model, independent predictors.

    1. For each column :math:`j` of ``X``: fit :math:`\operatorname{logit}P(Y=1) = \beta_0 +
       \beta_j x_j` and take the Wald p-value :math:`p_j` (joint Wald
       :math:`\chi^2_{k-1}` for a factor with k levels).
    2. Enter the columns with :math:`p_j <` ``screen_p`` into one multivariable model.
    3. ``method="backward"``: repeatedly remove the predictor with the largest joint Wald
       p-value while it exceeds ``final_p`` (never the last one).
    4. ``independent_`` lists the predictors of the final model with p < ``final_p``.

    The univariable and multivariable p-values match R's ``glm`` to 1e-6 (same fitter as
    :class:`~radiome.model.logistic.LogisticModel`).

    Parameters
    ----------
    screen_p : float
        Univariable p-value threshold for entering the multivariable model.
    method : {"enter", "backward"}
        ``"enter"`` keeps every screened predictor; ``"backward"`` eliminates by Wald p.
    final_p : float
        Threshold for "independent" predictors (and for backward elimination).
    level : float
        Confidence level of the odds-ratio intervals.
    max_iter : int
        IRLS iteration limit of each fit.

    Attributes
    ----------
    univariable_ : DataFrame, one row per term of each univariable model (columns model,
        predictor, coef, se, z, p, odds_ratio, or_lower, or_upper, p_predictor).
    screened_ : list of predictors that passed the screen.
    multivariable_ : DataFrame, the model with all screened predictors.
    elimination_ : DataFrame of the backward steps (step, removed, p_predictor); empty for
        ``"enter"``.
    final_ : DataFrame, the final model's table.
    predictors_ : list of predictors in the final model.
    independent_ : list of predictors with p < ``final_p`` in the final model.
    model_ : the final fitted :class:`LogisticModel`, used by ``predict_proba``.
    classes_ : ndarray

    Warns
    -----
    UserWarning
        When no predictor passes the screen: the final model then holds the single predictor
        with the smallest univariable p-value, and ``independent_`` may be empty.
    """

    def __init__(self, screen_p: float = 0.05, method: str = "enter", final_p: float = 0.05, level: float = 0.95, max_iter: int = 100) -> None:
        self.screen_p = screen_p
        self.method = method
        self.final_p = final_p
        self.level = level
        self.max_iter = max_iter

    def _lr(self) -> LogisticModel:
        return LogisticModel(penalty=None, level=self.level, max_iter=self.max_iter)

    def fit(self, X: Any, y: Any) -> ClinicalModelBuilder:
        """Run the screen, the multivariable model and (optionally) backward elimination."""
        for name in ("screen_p", "final_p"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and 0.0 < v <= 1.0):
                raise ConfigError(f"{name} must lie in (0, 1]; got {v!r}.")
        if self.method not in ("enter", "backward"):
            raise ConfigError(f"method must be 'enter' or 'backward'; got {self.method!r}.")
        df = _as_frame(X, "ClinicalModelBuilder.fit: X")
        if len(df) != len(np.asarray(y)):
            raise DataError(f"ClinicalModelBuilder.fit: X has {len(df)} rows but y has {len(np.asarray(y))} values.")
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(df.columns, dtype=object)
        self.n_features_in_ = df.shape[1]

        uni, p_uni = [], {}
        for col in df.columns:
            m = self._lr().fit(df[[col]], y)
            uni.append(_with_predictor_p(m, col))
            p_uni[col] = float(m.predictor_p_values()[col])
        self.univariable_ = pd.concat(uni)
        self.screened_ = [c for c in df.columns if p_uni[c] < self.screen_p]
        current = list(self.screened_)
        if not current:
            best = min(p_uni, key=p_uni.get)
            warnings.warn(
                f"ClinicalModelBuilder: no predictor has univariable p < {self.screen_p}; the "
                f"final model holds the best one alone ({best!r}, p = {p_uni[best]:.3g}).",
                UserWarning,
                stacklevel=2,
            )
            current = [best]

        model = self._lr().fit(df[current], y)
        self.multivariable_ = _with_predictor_p(model)
        steps = []
        if self.method == "backward":
            while len(current) > 1:
                pp = model.predictor_p_values()
                worst = str(pp.idxmax())
                if pp[worst] <= self.final_p:
                    break
                steps.append({"step": len(steps) + 1, "removed": worst, "p_predictor": float(pp[worst])})
                current.remove(worst)
                model = self._lr().fit(df[current], y)
        self.elimination_ = pd.DataFrame(steps, columns=["step", "removed", "p_predictor"])
        self.model_ = model
        self.final_ = _with_predictor_p(model)
        self.predictors_ = list(current)
        pp = model.predictor_p_values()
        self.independent_ = [c for c in current if pp[c] < self.final_p]
        self.classes_ = model.classes_
        return self

    def _select(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "model_")
        df = _as_frame(X, "ClinicalModelBuilder: X")
        missing = [c for c in self.predictors_ if c not in df.columns]
        if missing:
            raise DataError(f"ClinicalModelBuilder: columns {missing} of the final model are missing from X.")
        return df[self.predictors_]

    def decision_function(self, X: Any) -> np.ndarray:
        """Log-odds of the final model."""
        return self.model_.decision_function(self._select(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from the final model, shape (n, 2)."""
        return self.model_.predict_proba(self._select(X))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels from the final model."""
        return self.model_.predict(self._select(X))


class CombinedModel(_BinaryClassifier):
    r"""Logistic model on clinical predictors plus the Rad-score.

    .. math::
        \operatorname{logit}P(Y=1) = \beta_0 + \sum_{j \in \text{clinical}} \beta_j x_j
        + \gamma\,\text{Rad-score}

    Parameters
    ----------
    clinical : list of str or None
        Clinical columns of ``X``; None takes every column except ``radscore_column``.
    radscore_column : str
        Column of ``X`` holding the Rad-score (computed upstream).
    select_clinical : bool
        If True, choose the clinical predictors with :class:`ClinicalModelBuilder`
        (``screen_p``, ``method``, ``final_p``) and keep its ``independent_`` ones.
    screen_p, method, final_p
        Passed to the builder when ``select_clinical`` is True.
    penalty, C
        Passed to :class:`LogisticModel` (None for Wald inference).
    level : float
        Confidence level of the odds-ratio intervals.

    Attributes
    ----------
    clinical_ : list of the clinical predictors used.
    builder_ : the fitted :class:`ClinicalModelBuilder` (``select_clinical=True`` only).
    model_ : the fitted :class:`LogisticModel`.
    summary_ : its coefficient table.
    classes_ : ndarray
    """

    def __init__(
        self,
        clinical: list[str] | None = None,
        radscore_column: str = "rad_score",
        select_clinical: bool = False,
        screen_p: float = 0.05,
        method: str = "enter",
        final_p: float = 0.05,
        penalty: str | None = None,
        C: float = 1.0,
        level: float = 0.95,
    ) -> None:
        self.clinical = clinical
        self.radscore_column = radscore_column
        self.select_clinical = select_clinical
        self.screen_p = screen_p
        self.method = method
        self.final_p = final_p
        self.penalty = penalty
        self.C = C
        self.level = level

    def fit(self, X: Any, y: Any) -> CombinedModel:
        """Fit the combined model (after choosing the clinical predictors if asked)."""
        if not isinstance(X, pd.DataFrame):
            raise DataError(
                "CombinedModel.fit: X must be a pandas DataFrame with named clinical columns and "
                f"a {self.radscore_column!r} column; got {type(X).__name__}."
            )
        df = _as_frame(X, "CombinedModel.fit: X")
        if self.radscore_column not in df.columns:
            raise DataError(
                f"CombinedModel.fit: X has no Rad-score column {self.radscore_column!r} "
                f"(columns: {list(df.columns)[:10]}). Compute the Rad-score first and add it as a column."
            )
        clinical = [c for c in df.columns if c != self.radscore_column] if self.clinical is None else [str(c) for c in self.clinical]
        missing = [c for c in clinical if c not in df.columns]
        if missing:
            raise DataError(f"CombinedModel.fit: clinical columns {missing} are not in X.")
        if self.radscore_column in clinical:
            raise ConfigError(f"CombinedModel: {self.radscore_column!r} is the Rad-score column; leave it out of clinical.")
        self.feature_names_in_ = np.asarray(df.columns, dtype=object)
        self.n_features_in_ = df.shape[1]
        if self.select_clinical and clinical:
            self.builder_ = ClinicalModelBuilder(screen_p=self.screen_p, method=self.method, final_p=self.final_p, level=self.level).fit(df[clinical], y)
            clinical = list(self.builder_.independent_)
        self.clinical_ = clinical
        cols = clinical + [self.radscore_column]
        self.model_ = LogisticModel(penalty=self.penalty, C=self.C, level=self.level).fit(df[cols], y)
        self.summary_ = self.model_.summary_
        self.classes_ = self.model_.classes_
        return self

    def _select(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "model_")
        df = _as_frame(X, "CombinedModel: X")
        cols = self.clinical_ + [self.radscore_column]
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise DataError(f"CombinedModel: columns {missing} are missing from X.")
        return df[cols]

    def decision_function(self, X: Any) -> np.ndarray:
        """Log-odds of the combined model."""
        return self.model_.decision_function(self._select(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n, 2)."""
        return self.model_.predict_proba(self._select(X))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels."""
        return self.model_.predict(self._select(X))
