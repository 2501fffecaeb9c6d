"""Logistic regression with inference: coefficients, Wald standard errors, p-values, odds ratios.

:class:`LogisticModel` is a scikit-learn classifier. Unpenalised, it is fitted by
statsmodels' GLM (binomial family, logit link, IRLS) and reports the table R's
``summary(glm(..., family = binomial))`` and ``exp(confint.default(fit))`` give, to 1e-6 on the
coefficients, standard errors, z and p-values (tested against R goldens). With ``penalty="l1"``
or ``"l2"`` it is fitted by scikit-learn's ``LogisticRegression`` and reports coefficients and
odds ratios only: Wald inference after penalisation is not valid, so those columns are NaN.

Clinical tables are accepted as they come: pandas categorical, object, string or boolean
columns are dummy-coded with treatment contrasts, the reference level being the first level
(the category order of a pandas ``Categorical``, else the sorted unique values, as R's
``factor`` does). The column ``stage`` with levels I, II, III becomes the terms
``stage[T.II]`` and ``stage[T.III]``.

Complete and quasi-complete separation (an outcome that a combination of predictors predicts
perfectly, so that maximum-likelihood estimates do not exist) is detected before fitting with
the linear programme of Konis (2007), as R's ``detectseparation`` package does, and raised as
:class:`~radiome.errors.ConvergenceError` naming the predictors involved. Firth's penalised
likelihood is not implemented; the message says what to do instead.

References
----------
Hosmer DW, Lemeshow S, Sturdivant RX. *Applied Logistic Regression*, 3rd ed. Wiley, 2013.
Konis K. *Linear programming algorithms for detecting separated data in binary logistic
regression models*. DPhil thesis, University of Oxford, 2007.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from radiome.errors import ConfigError, ConvergenceError, DataError

__all__ = ["LogisticModel", "wald_table", "joint_wald_p"]

INTERCEPT = "(Intercept)"


# ---------------------------------------------------------------------------------------------
# Design matrix: numeric columns as they are, categorical columns dummy-coded (treatment)
# ---------------------------------------------------------------------------------------------


def _is_categorical(s: pd.Series) -> bool:
    return bool(
        isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(s)
        or pd.api.types.is_string_dtype(s)
    )


class _DesignMatrix:
    """Learned coding of a predictor table into a float design matrix (no intercept column).

    ``columns`` are the input column names, ``terms`` the design column names and
    ``term_predictor`` maps each term to its input column (for joint tests of factors).
    """

    def fit(self, X: Any, where: str = "X") -> _DesignMatrix:
        df = self._as_frame(X, where, None)
        if df.shape[0] == 0 or df.shape[1] == 0:
            raise DataError(f"{where}: the predictor table is empty (shape {df.shape}); pass at least one row and one column.")
        self.from_frame = isinstance(X, pd.DataFrame)
        self.columns = [str(c) for c in df.columns]
        self.levels: dict[str, list[Any]] = {}
        self.terms: list[str] = []
        self.term_predictor: dict[str, str] = {}
        for c in self.columns:
            s = df[c]
            if s.isna().any():
                rows = list(np.flatnonzero(s.isna().to_numpy())[:5])
                raise DataError(
                    f"{where}: column {c!r} has missing values (rows {rows}...). Impute or drop "
                    "them before fitting (inside the pipeline, so the imputation is learned on the "
                    "training folds only)."
                )
            if _is_categorical(s):
                if isinstance(s.dtype, pd.CategoricalDtype):
                    present = set(s.unique())
                    levels = [lv for lv in s.cat.categories if lv in present]
                else:
                    levels = sorted(s.unique().tolist(), key=lambda v: (str(type(v)), v))
                if len(levels) < 2:
                    raise DataError(
                        f"{where}: categorical column {c!r} has a single level {levels!r}; it "
                        "carries no information. Drop it."
                    )
                self.levels[c] = levels
                for lv in levels[1:]:
                    name = f"{c}[T.{lv}]"
                    self.terms.append(name)
                    self.term_predictor[name] = c
            else:
                self.terms.append(c)
                self.term_predictor[c] = c
        return self

    def _as_frame(self, X: Any, where: str, columns: list[str] | None) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            df = X.copy()
            df.columns = [str(c) for c in df.columns]
            return df
        import scipy.sparse as sp

        if sp.issparse(X):
            raise DataError(f"{where}: sparse input is not supported; pass a dense array or a DataFrame.")
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise DataError(
                f"{where}: expected a 2-D table of predictors (cases x columns); got an array of shape "
                f"{arr.shape}. Reshape a single predictor with x.reshape(-1, 1)."
            )
        if np.iscomplexobj(arr):
            raise DataError(f"{where}: complex values are not supported.")
        names = columns if columns is not None and len(columns) == arr.shape[1] else [f"x{i}" for i in range(arr.shape[1])]
        return pd.DataFrame(arr, columns=names)

    def transform(self, X: Any, where: str = "X") -> np.ndarray:
        df = self._as_frame(X, where, self.columns)
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            raise DataError(f"{where}: columns {missing} seen in fit are missing; pass the same predictors as in fit.")
        out = []
        for c in self.columns:
            s = df[c]
            if s.isna().any():
                raise DataError(f"{where}: column {c!r} has missing values; impute or drop them first.")
            if c in self.levels:
                levels = self.levels[c]
                unknown = sorted(set(s.unique().tolist()) - set(levels), key=str)
                if unknown:
                    raise DataError(
                        f"{where}: column {c!r} has levels {unknown} not seen in fit (known: "
                        f"{levels}). Merge them into a known level or refit on data that has them."
                    )
                vals = s.to_numpy()
                for lv in levels[1:]:
                    out.append((vals == lv).astype(float))
            else:
                try:
                    v = pd.to_numeric(s, errors="raise").to_numpy(dtype=float)
                except (TypeError, ValueError) as exc:
                    raise DataError(f"{where}: column {c!r} is not numeric and was numeric in fit.") from exc
                if not np.all(np.isfinite(v)):
                    raise DataError(f"{where}: column {c!r} has non-finite values (inf); remove or cap them.")
                out.append(v)
        return np.column_stack(out) if out else np.empty((len(df), 0))


# ---------------------------------------------------------------------------------------------
# Helpers shared with the clinical-model builder
# ---------------------------------------------------------------------------------------------


def wald_table(coef: np.ndarray, se: np.ndarray, names: list[str], level: float = 0.95) -> pd.DataFrame:
    r"""Wald table: coef, se, z, p, odds ratio and its CI.

    .. math::
        z = \hat\beta / \mathrm{SE}, \quad p = 2\,\Phi(-|z|), \quad
        \mathrm{OR} = e^{\hat\beta}, \quad
        \mathrm{CI} = \exp(\hat\beta \pm z_{1-\alpha/2}\,\mathrm{SE})
    """
    coef = np.asarray(coef, float)
    se = np.asarray(se, float)
    q = stats.norm.ppf(0.5 + level / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = coef / se
    p = 2.0 * stats.norm.sf(np.abs(z))
    return pd.DataFrame(
        {
            "coef": coef,
            "se": se,
            "z": z,
            "p": p,
            "odds_ratio": np.exp(coef),
            "or_lower": np.exp(coef - q * se),
            "or_upper": np.exp(coef + q * se),
        },
        index=pd.Index(names, name="term"),
    )


def joint_wald_p(coef: pd.Series, cov: pd.DataFrame, terms: list[str]) -> float:
    r"""p-value of the joint Wald test that the coefficients ``terms`` are all zero.

    .. math:: W = \hat\beta_S^\top \hat V_{SS}^{-1} \hat\beta_S \sim \chi^2_{|S|}
    """
    b = coef.loc[terms].to_numpy(float)
    V = cov.loc[terms, terms].to_numpy(float)
    W = float(b @ np.linalg.solve(V, b))
    return float(stats.chi2.sf(W, len(terms)))


def _separation_terms(Z: np.ndarray, y01: np.ndarray, names: list[str]) -> list[str]:
    """Terms involved in complete or quasi-complete separation ([] when none).

    Konis' linear programme: maximise :math:`\\sum_i s_i z_i^\\top\\beta` subject to
    :math:`s_i z_i^\\top\\beta \\ge 0` and :math:`-1\\le\\beta_j\\le 1`, with
    :math:`s_i = 2y_i - 1` and :math:`z_i` the design row with intercept. The maximum is 0
    exactly when the maximum-likelihood estimate exists.
    """
    from scipy.optimize import linprog

    A = Z.copy()
    sd = A[:, 1:].std(axis=0)
    sd[sd == 0] = 1.0
    A[:, 1:] = (A[:, 1:] - A[:, 1:].mean(axis=0)) / sd
    s = 2.0 * y01 - 1.0
    SA = s[:, None] * A
    res = linprog(-SA.sum(axis=0), A_ub=-SA, b_ub=np.zeros(len(s)), bounds=[(-1, 1)] * A.shape[1], method="highs")
    if res.status != 0 or -res.fun <= 1e-7 * max(1, len(s)):
        return []
    beta = res.x
    alone = [names[j] for j in range(1, len(names)) if _separation_terms(Z[:, [0, j]], y01, [names[0], names[j]])] if len(names) > 2 else []
    if alone:
        return alone
    involved = [names[j] for j in range(1, len(names)) if abs(beta[j]) > 1e-6]
    return involved or names[1:]


def _binary_target(y: Any, where: str = "y") -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(y)
    if arr.ndim != 1:
        arr = arr.ravel() if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise DataError(f"{where}: expected a 1-D binary outcome; got shape {np.shape(y)}.")
    if pd.isna(arr).any():
        raise DataError(f"{where}: the outcome has missing values; drop those cases.")
    classes = np.unique(arr)
    if len(classes) != 2:
        raise DataError(
            f"{where}: logistic regression needs a binary outcome with both classes present; "
            f"got {len(classes)} distinct value(s) {classes[:5].tolist()}."
        )
    return classes, (arr == classes[1]).astype(float)


# ---------------------------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------------------------


class LogisticModel(ClassifierMixin, BaseEstimator):
    r"""Binary logistic regression with Wald inference (unpenalised) or L1/L2 penalty.

    .. math::
        \operatorname{logit} P(Y = 1 \mid x) = \beta_0 + x^\top\beta

    Unpenalised, :math:`\hat\beta` maximises the binomial log-likelihood (IRLS, statsmodels
    GLM) and the standard errors are the square roots of the diagonal of the inverse Fisher
    information :math:`(Z^\top W Z)^{-1}`. Matches R's ``glm(family = binomial)`` (coef, SE,
    z, p) and ``exp(confint.default())`` (odds-ratio CI) to 1e-6. Penalised, it minimises
    :math:`-\ell(\beta) / C + \tfrac12\|\beta\|_2^2` (``"l2"``, lbfgs) or
    :math:`-\ell(\beta) / C + \|\beta\|_1` (``"l1"``, liblinear, which also shrinks the
    intercept slightly) with scikit-learn; no SE/p-values are reported then.

    Parameters
    ----------
    penalty : {None, "l1", "l2"}
        None for maximum likelihood with inference.
    C : float
        Inverse penalty strength (penalised fits only).
    fit_intercept : bool
        Include an intercept :math:`\beta_0`.
    level : float
        Confidence level of the odds-ratio intervals.
    max_iter : int
        Iteration limit (IRLS or the scikit-learn solver).
    random_state : int or None
        Seed for the liblinear solver (``penalty="l1"``).

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_terms)
    intercept_ : ndarray of shape (1,)
    classes_ : ndarray of the two labels; ``classes_[1]`` is the modelled (positive) class.
    feature_names_in_ : ndarray of input column names (DataFrame input only).
    n_features_in_ : int
    terms_ : list of design-column names (dummy terms ``col[T.level]`` for factors).
    term_predictor_ : dict mapping each term to its input column.
    summary_ : DataFrame indexed by term (``"(Intercept)"`` first) with columns coef, se, z,
        p, odds_ratio, or_lower, or_upper.
    cov_ : DataFrame, covariance matrix of the coefficients (unpenalised only, else None).
    loglik_ : float, the maximised log-likelihood (unpenalised only).

    Raises
    ------
    ConvergenceError
        On complete or quasi-complete separation, or when IRLS does not converge.
    DataError
        On missing values, a non-binary outcome, or collinear (aliased) terms.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"age": [50, 60, 70, 55, 65, 75, 52, 68, 58, 63],
    ...                   "stage": ["I", "II", "II", "I", "II", "I", "II", "I", "II", "I"]})
    >>> y = [0, 0, 1, 1, 0, 1, 1, 0, 1, 0]
    >>> m = LogisticModel().fit(X, y)
    >>> list(m.summary_.index)
    ['(Intercept)', 'age', 'stage[T.II]']
    """

    def __init__(
        self,
        penalty: str | None = None,
        C: float = 1.0,
        fit_intercept: bool = True,
        level: float = 0.95,
        max_iter: int = 100,
        random_state: int | None = None,
    ) -> None:
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.level = level
        self.max_iter = max_iter
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags

    # -- fit -------------------------------------------------------------------------------
    def _validate_params_(self) -> None:
        if self.penalty not in (None, "l1", "l2"):
            raise ConfigError(f"penalty must be None, 'l1' or 'l2'; got {self.penalty!r}.")
        if not (isinstance(self.C, (int, float)) and self.C > 0):
            raise ConfigError(f"C must be a positive number; got {self.C!r}.")
        if not 0.0 < float(self.level) < 1.0:
            raise ConfigError(f"level must lie in (0, 1), e.g. 0.95; got {self.level!r}.")
        if int(self.max_iter) < 1:
            raise ConfigError(f"max_iter must be a positive integer; got {self.max_iter!r}.")

    def fit(self, X: Any, y: Any, sample_weight: None = None) -> LogisticModel:
        """Fit the model on predictors ``X`` (DataFrame or array) and binary outcome ``y``."""
        self._validate_params_()
        design = _DesignMatrix().fit(X, "LogisticModel.fit: X")
        Z = design.transform(X, "LogisticModel.fit: X")
        classes, y01 = _binary_target(y, "LogisticModel.fit: y")
        if len(y01) != Z.shape[0]:
            raise DataError(f"LogisticModel.fit: X has {Z.shape[0]} rows but y has {len(y01)} values; pass matching rows.")
        self._design = design
        self.classes_ = classes
        self.n_features_in_ = len(design.columns)
        if design.from_frame:
            self.feature_names_in_ = np.asarray(design.columns, dtype=object)
        self.terms_ = list(design.terms)
        self.term_predictor_ = dict(design.term_predictor)
        names = ([INTERCEPT] if self.fit_intercept else []) + self.terms_
        Zi = np.column_stack([np.ones(len(y01)), Z]) if self.fit_intercept else Z
        if self.penalty is None:
            self._fit_ml(Zi, y01, names)
        else:
            self._fit_penalised(Z, y01, names)
        return self

    def _fit_ml(self, Zi: np.ndarray, y01: np.ndarray, names: list[str]) -> None:
        import statsmodels.api as sm

        rank = np.linalg.matrix_rank(Zi)
        if rank < Zi.shape[1]:
            aliased = _aliased_terms(Zi, names)
            raise DataError(
                f"LogisticModel.fit: the design matrix is rank deficient (rank {rank} < "
                f"{Zi.shape[1]} terms); terms {aliased} are linear combinations of the others. "
                "Drop one of each collinear set, or merge sparse categories."
            )
        if self.fit_intercept:
            sep = _separation_terms(Zi, y01, names)
        else:
            sep = _separation_terms(np.column_stack([np.zeros(len(y01)), Zi]), y01, ["_"] + names)
        if sep:
            raise ConvergenceError(
                "LogisticModel.fit: complete or quasi-complete separation: the outcome is "
                f"perfectly predicted by (a combination of) {sep}, so the maximum-likelihood "
                "odds ratios are infinite and do not exist. Merge sparse categories, drop or "
                "coarsen these predictors, or use penalty='l2' (no p-values then). Firth's "
                "penalised likelihood is not implemented in radiome."
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.GLM(y01, Zi, family=sm.families.Binomial()).fit(maxiter=int(self.max_iter), tol=1e-12)
        if not res.converged or not np.all(np.isfinite(res.bse)):
            raise ConvergenceError(
                f"LogisticModel.fit: IRLS did not converge in {self.max_iter} iterations. "
                "Increase max_iter, rescale predictors, or check for near-separation."
            )
        params = np.asarray(res.params, float)
        self._set_coef(params)
        self.summary_ = wald_table(params, np.asarray(res.bse, float), names, self.level)
        self.cov_ = pd.DataFrame(np.asarray(res.cov_params()), index=names, columns=names)
        self.loglik_ = float(res.llf)
        self.n_iter_ = np.array([int(getattr(res, "fit_history", {}).get("iteration", 0))])

    def _fit_penalised(self, Z: np.ndarray, y01: np.ndarray, names: list[str]) -> None:
        from sklearn.linear_model import LogisticRegression

        if self.penalty == "l1":
            lr = LogisticRegression(C=float(self.C), l1_ratio=1.0, solver="liblinear", fit_intercept=self.fit_intercept,
                                    max_iter=int(self.max_iter), random_state=self.random_state)
        else:
            lr = LogisticRegression(C=float(self.C), l1_ratio=0.0, solver="lbfgs", fit_intercept=self.fit_intercept,
                                    max_iter=int(self.max_iter), random_state=self.random_state)
        lr.fit(Z, y01.astype(int))
        params = np.r_[lr.intercept_, lr.coef_.ravel()] if self.fit_intercept else lr.coef_.ravel()
        self._set_coef(params)
        nan = np.full(len(params), np.nan)
        self.summary_ = wald_table(params, nan, names, self.level)
        self.cov_ = None
        self.loglik_ = float(np.sum(y01 * np.log(self._p(Z)) + (1 - y01) * np.log1p(-self._p(Z))))
        self.n_iter_ = np.asarray(lr.n_iter_)

    def _set_coef(self, params: np.ndarray) -> None:
        if self.fit_intercept:
            self.intercept_ = np.array([params[0]])
            self.coef_ = params[1:].reshape(1, -1)
        else:
            self.intercept_ = np.array([0.0])
            self.coef_ = params.reshape(1, -1)

    def _p(self, Z: np.ndarray) -> np.ndarray:
        from scipy.special import expit

        return expit(Z @ self.coef_.ravel() + self.intercept_[0])

    # -- predict ---------------------------------------------------------------------------
    def _design_of(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "coef_")
        return self._design.transform(X, "LogisticModel: X")

    def decision_function(self, X: Any) -> np.ndarray:
        r"""Linear predictor (log-odds) :math:`\beta_0 + x^\top\beta` for each row."""
        Z = self._design_of(X)
        return Z @ self.coef_.ravel() + self.intercept_[0]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of ``classes_[0]`` and ``classes_[1]``, shape (n, 2)."""
        from scipy.special import expit

        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """Predicted label: ``classes_[1]`` where its probability exceeds 0.5."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def odds_ratios(self) -> pd.DataFrame:
        """Odds ratios with their confidence interval (intercept excluded)."""
        check_is_fitted(self, "summary_")
        return self.summary_.drop(index=INTERCEPT, errors="ignore")[["odds_ratio", "or_lower", "or_upper", "p"]]

    def predictor_p_values(self) -> pd.Series:
        """Per input column: the Wald p-value (joint over the dummies of a factor)."""
        check_is_fitted(self, "summary_")
        if self.cov_ is None:
            raise ConfigError("predictor_p_values needs an unpenalised fit (penalty=None).")
        coef = self.summary_["coef"]
        out = {}
        for col in self._design.columns:
            terms = [t for t, c in self.term_predictor_.items() if c == col]
            out[col] = joint_wald_p(coef, self.cov_, terms)
        return pd.Series(out, name="p_predictor")


def _aliased_terms(Zi: np.ndarray, names: list[str]) -> list[str]:
    """Terms that add nothing to the column space of the terms before them."""
    out, kept = [], []
    for j in range(Zi.shape[1]):
        cand = kept + [j]
        if np.linalg.matrix_rank(Zi[:, cand]) < len(cand):
            out.append(names[j])
        else:
            kept.append(j)
    return out
