"""The model zoo: named scikit-learn classifiers with defaults for small radiomics tables.

Radiomics tables are small (tens to a few hundred cases) and wide (hundreds to thousands of
correlated features), so the defaults here lean towards strong regularisation: penalised
logistic regression with a small ``C``, forests with many shallow-ish trees, gradient boosting
with tiny trees and row/column subsampling, a k-NN with a moderate neighbourhood. Every model
comes from the library that implements it (scikit-learn; LightGBM for gradient boosting);
nothing is re-implemented.

Each registered name maps to a :class:`ModelSpec` holding a factory and a hyper-parameter
search space (a grid for :class:`~sklearn.model_selection.GridSearchCV`):

>>> from radiome.model.estimators import make_model, search_space
>>> rf = make_model("rf", random_state=0)
>>> sorted(search_space("rf"))
['max_features', 'min_samples_leaf']
>>> sorted(search_space("rf", prefix="clf"))
['clf__max_features', 'clf__min_samples_leaf']

:func:`preprocessing` builds the data-dependent front of a pipeline (non-finite values to
NaN, median imputation, removal of constant columns, z-scoring). Put it, and any selection,
inside the pipeline that a validation design fits within each training fold
(:mod:`radiome.model.validation`).

Models without penalties (``"lr"``, ``"nb"``, ``"gp"``) are meant for a handful of features:
put a selector in front of them.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.feature_selection import VarianceThreshold
from sklearn.gaussian_process import GaussianProcessClassifier
from sklearn.gaussian_process.kernels import RBF, ConstantKernel
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from scipy.special import ndtri
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.validation import check_is_fitted, validate_data

from radiome.errors import ConfigError

__all__ = [
    "ModelSpec",
    "MODELS",
    "make_model",
    "search_space",
    "model_names",
    "preprocessing",
    "NonFiniteToNaN",
    "RankGauss",
    "pipeline",
]


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: how to build it and which hyper-parameters to search.

    Attributes
    ----------
    name
        Registry key, for example ``"rf"``.
    description
        One line saying what the model is and its defaults.
    factory
        ``factory(random_state) -> estimator`` returning a new, unfitted estimator.
    space
        Hyper-parameter grid (parameter name -> list of values) on the bare estimator.
    """

    name: str
    description: str
    factory: Callable[[Any], BaseEstimator]
    space: Mapping[str, tuple[Any, ...]]


def _lr(random_state: Any) -> BaseEstimator:
    # C = inf: no penalty. lbfgs with many iterations; meant for a few selected features.
    return LogisticRegression(C=np.inf, max_iter=5000, random_state=random_state)


def _lr_l1(random_state: Any) -> BaseEstimator:
    return LogisticRegression(
        C=0.1, l1_ratio=1.0, solver="liblinear", max_iter=5000, random_state=random_state
    )


def _lr_l2(random_state: Any) -> BaseEstimator:
    return LogisticRegression(C=0.05, l1_ratio=0.0, max_iter=5000, random_state=random_state)


def _lr_enet(random_state: Any) -> BaseEstimator:
    return LogisticRegression(
        C=0.1, l1_ratio=0.5, solver="saga", max_iter=10000, tol=1e-3, random_state=random_state
    )


def _rf(random_state: Any) -> BaseEstimator:
    return RandomForestClassifier(
        n_estimators=500, max_features="sqrt", min_samples_leaf=1, n_jobs=1,
        random_state=random_state,
    )


def _et(random_state: Any) -> BaseEstimator:
    return ExtraTreesClassifier(
        n_estimators=500, max_features="sqrt", min_samples_leaf=2, n_jobs=1,
        random_state=random_state,
    )


def _platt(svc: SVC) -> BaseEstimator:
    # Probabilities by Platt scaling of the decision function, fitted by an internal
    # (deterministic, unshuffled stratified) 5-fold CV; one SVC refitted on all the data.
    return CalibratedClassifierCV(svc, method="sigmoid", cv=5, ensemble=False)


def _svm(random_state: Any) -> BaseEstimator:
    return _platt(SVC(kernel="rbf", C=1.0, gamma="scale", random_state=random_state))


def _svm_linear(random_state: Any) -> BaseEstimator:
    return _platt(SVC(kernel="linear", C=0.01, random_state=random_state))


def _knn(random_state: Any) -> BaseEstimator:
    return KNeighborsClassifier(n_neighbors=9, weights="distance")


def _nb(random_state: Any) -> BaseEstimator:
    return GaussianNB()


def _gp(random_state: Any) -> BaseEstimator:
    kernel = ConstantKernel(1.0, (1e-2, 1e2)) * RBF(length_scale=10.0,
                                                    length_scale_bounds=(1e-1, 1e3))
    return GaussianProcessClassifier(kernel=kernel, random_state=random_state)


def _lgbm(random_state: Any) -> BaseEstimator:
    try:
        from lightgbm import LGBMClassifier
    except ImportError as exc:  # pragma: no cover - lightgbm is a dependency
        raise ConfigError(
            "model 'lgbm' needs LightGBM; install it with `pip install lightgbm`"
        ) from exc
    return LGBMClassifier(
        n_estimators=200, learning_rate=0.05, num_leaves=4, max_depth=2, min_child_samples=5,
        subsample=0.8, subsample_freq=1, colsample_bytree=0.5, reg_lambda=1.0, n_jobs=1,
        verbose=-1, random_state=0 if random_state is None else random_state,
    )


def _mlp(random_state: Any) -> BaseEstimator:
    return MLPClassifier(
        hidden_layer_sizes=(32,), alpha=1.0, learning_rate_init=1e-3, max_iter=2000,
        random_state=random_state,
    )


_LOG_C = tuple(float(c) for c in np.logspace(-3, 1, 9))

#: Registry of named models.
MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("lr", "logistic regression without penalty (for a few selected features)",
                  _lr, {}),
        ModelSpec("lr_l1", "L1-penalised (lasso) logistic regression, C=0.1, liblinear",
                  _lr_l1, {"C": tuple(float(c) for c in np.logspace(-2, 1, 7))}),
        ModelSpec("lr_l2", "L2-penalised (ridge) logistic regression, C=0.05", _lr_l2,
                  {"C": _LOG_C}),
        ModelSpec("lr_enet", "elastic-net logistic regression, C=0.1, l1_ratio=0.5, saga",
                  _lr_enet, {"C": (0.01, 0.1, 1.0), "l1_ratio": (0.1, 0.5, 0.9)}),
        ModelSpec("rf", "random forest, 500 trees, sqrt features per split", _rf,
                  {"max_features": ("sqrt", 0.1, 0.3), "min_samples_leaf": (1, 3, 5)}),
        ModelSpec("et", "extremely randomised trees, 500 trees, min 2 cases per leaf", _et,
                  {"max_features": ("sqrt", 0.1, 0.3), "min_samples_leaf": (1, 2, 5)}),
        ModelSpec("svm", "RBF support-vector machine, C=1, gamma='scale', Platt probabilities",
                  _svm, {"estimator__C": (0.1, 1.0, 10.0),
                         "estimator__gamma": ("scale", 1e-3, 1e-2)}),
        ModelSpec("svm_linear", "linear support-vector machine, C=0.01, Platt probabilities",
                  _svm_linear, {"estimator__C": (1e-3, 1e-2, 1e-1, 1.0)}),
        ModelSpec("knn", "k-nearest neighbours, k=9, distance-weighted", _knn,
                  {"n_neighbors": (5, 9, 15, 25), "weights": ("uniform", "distance")}),
        ModelSpec("nb", "Gaussian naive Bayes", _nb,
                  {"var_smoothing": (1e-9, 1e-6, 1e-3, 1e-1)}),
        ModelSpec("gp", "Gaussian-process classifier, constant x RBF kernel (Laplace)", _gp,
                  {}),
        ModelSpec("lgbm", "LightGBM gradient boosting, 200 trees of 4 leaves, subsampled",
                  _lgbm, {"n_estimators": (100, 200, 400), "learning_rate": (0.02, 0.05, 0.1),
                          "num_leaves": (2, 4)}),
        ModelSpec("mlp", "multi-layer perceptron, one hidden layer of 32, alpha=1", _mlp,
                  {"hidden_layer_sizes": ((16,), (32,), (64,)), "alpha": (0.1, 1.0, 10.0)}),
    )
}


def model_names() -> tuple[str, ...]:
    """Names of the registered models, in registry order."""
    return tuple(MODELS)


def _spec(name: str) -> ModelSpec:
    if name not in MODELS:
        near = difflib.get_close_matches(str(name), MODELS, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ConfigError(
            f"unknown model {name!r}{hint} Registered models: {', '.join(MODELS)}."
        )
    return MODELS[name]


def make_model(
    name: str, random_state: Any = None, params: Mapping[str, Any] | None = None
) -> BaseEstimator:
    """A new, unfitted estimator of the registered model ``name``.

    Parameters
    ----------
    name
        A key of :data:`MODELS` (``"lr"``, ``"lr_l1"``, ``"lr_l2"``, ``"lr_enet"``, ``"rf"``,
        ``"et"``, ``"svm"``, ``"svm_linear"``, ``"knn"``, ``"nb"``, ``"gp"``, ``"lgbm"``,
        ``"mlp"``).
    random_state
        Seed passed to models that use randomness.
    params
        Parameters overriding the defaults (validated by ``set_params``).

    Raises
    ------
    ConfigError
        Unknown model name or parameter.
    """
    est = _spec(name).factory(random_state)
    if params:
        valid = est.get_params(deep=False)
        for key in params:
            if key not in valid:
                near = difflib.get_close_matches(key, valid, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ConfigError(f"model {name!r} has no parameter {key!r}{hint}")
        est.set_params(**dict(params))
    return est


def search_space(name: str, prefix: str = "") -> dict[str, list[Any]]:
    """Hyper-parameter grid of model ``name`` for a grid search.

    ``prefix`` names the pipeline step holding the model: ``search_space("rf", "clf")`` gives
    keys ``"clf__max_features"``... An empty dict means nothing is worth tuning.
    """
    space = _spec(name).space
    pre = f"{prefix}__" if prefix else ""
    return {pre + key: list(values) for key, values in space.items()}


def _nonfinite_to_nan(X: Any) -> np.ndarray:
    arr = np.array(X, dtype=float, copy=True)
    arr[~np.isfinite(arr)] = np.nan
    return arr


class NonFiniteToNaN(TransformerMixin, BaseEstimator):
    """Stateless step that turns ``inf`` and ``-inf`` into NaN, so an imputer can fill them.

    Returns a float NumPy array (a copy; the input is not modified).
    """

    def fit(self, X: Any, y: Any = None) -> NonFiniteToNaN:
        validate_data(self, X, ensure_all_finite=False, reset=True)
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        X = validate_data(self, X, ensure_all_finite=False, reset=False)
        return _nonfinite_to_nan(X)

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class RankGauss(TransformerMixin, BaseEstimator):
    r"""Normal scores of each feature by its training ranks (van der Waerden transform).

    A value :math:`x` of feature :math:`j` becomes

    .. math:: z = \Phi^{-1}\left(\frac{r_j(x) + 1/2}{n + 1}\right), \qquad
              r_j(x) = \#\{i: x_{ij} < x\} + \tfrac12 \#\{i: x_{ij} = x\}

    over the :math:`n` training values :math:`x_{ij}` (a training value of rank :math:`i`,
    1-based and untied, maps to :math:`\Phi^{-1}(i / (n+1))`). Monotone per feature, so it
    tames the heavy tails and outliers of radiomics features without changing their order.
    Same idea as :class:`sklearn.preprocessing.QuantileTransformer` with
    ``output_distribution="normal"``, written here because that one interpolates column by
    column in Python and is several times slower on wide tables. NaN is not allowed (impute
    first).
    """

    def fit(self, X: Any, y: Any = None) -> RankGauss:
        X = validate_data(self, X, reset=True, dtype=float)
        self.sorted_ = np.sort(X, axis=0)
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "sorted_")
        X = validate_data(self, X, reset=False, dtype=float)
        S = self.sorted_
        n = S.shape[0]
        out = np.empty_like(X)
        for j in range(X.shape[1]):
            lo = np.searchsorted(S[:, j], X[:, j], side="left")
            hi = np.searchsorted(S[:, j], X[:, j], side="right")
            out[:, j] = 0.5 * (lo + hi)
        return ndtri((out + 0.5) / (n + 1.0))


def preprocessing(scale: str = "standard") -> list[tuple[str, Any]]:
    """The data-dependent front of a pipeline, as ``(name, step)`` pairs.

    Non-finite values become NaN and are imputed by the column median of the training data;
    constant columns are dropped; features are z-scored (``scale="standard"``), mapped to
    normal scores by their training ranks (``"quantile"``, :class:`RankGauss`, robust to the
    heavy tails of radiomics features) then z-scored, or left as they are (``"none"``, for
    trees, whose splits do not depend on the scale).

    .. math:: z_{ij} = (x_{ij} - \\bar x_j) / s_j

    with :math:`\\bar x_j, s_j` the training-fold mean and standard deviation.
    """
    steps: list[tuple[str, Any]] = [
        ("finite", NonFiniteToNaN()),
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("drop_constant", VarianceThreshold()),
    ]
    if scale == "standard":
        steps.append(("scale", StandardScaler()))
    elif scale == "quantile":
        steps.append(("scale", RankGauss()))
        steps.append(("rescale", StandardScaler()))
    elif scale != "none":
        raise ConfigError(
            f"scale must be 'standard', 'quantile' or 'none'; got {scale!r}"
        )
    return steps


def pipeline(
    model: str | BaseEstimator, scale: str = "standard", random_state: Any = None
) -> Pipeline:
    """``preprocessing(scale)`` followed by ``model`` (a registry name or an estimator)."""
    est = make_model(model, random_state=random_state) if isinstance(model, str) else model
    return Pipeline(preprocessing(scale) + [("model", est)])
