"""Auto-model: a search over preprocessing x selection x model x hyper-parameters, by inner CV.

:class:`AutoModel` is a scikit-learn classifier. Its ``fit`` evaluates a pool of candidate
pipelines grouped in families (L1 logistic regression over a grid of C, L2 logistic regression
on rank-normal scores over a grid of C, extra-trees on all features, a random forest on the
ANOVA top 16, an RBF SVM, small-tree LightGBM on the ANOVA top 64, ...) by repeated stratified
K-fold on the data it is given. The best candidate of each family by inner-CV AUC is the
family's representative (this tunes C, for example). By default (``ensemble="group"``) the
final model is the mean of the standardised scores of one of three sets of representatives:
all of them, the linear models only (penalised logistic regression, shrinkage discriminant
analysis) or the tree ensembles only, whichever has the best inner-CV AUC, the mean of all
winning ties and near-ties (within ``mean_margin``). Other rules take the mean of all
representatives, choose among single representatives and small ensembles by the same inner-CV
AUC (``ensemble="select"``), or build Caruana et al.'s (2004) greedy ensemble. The choice is
refitted on all the data given.

Fitting it on a whole table and reading ``best_score_`` gives an *optimistic* number (the
winner of a search is selected on the same folds that score it). The honest estimate is
:func:`auto_model`, which repeats the whole search inside each outer training fold of a
repeated stratified K-fold (nested CV), and refits the search on all cases for the model to
use.

Design choices for small, wide radiomics tables:

- every data-dependent step (imputation of non-finite values, z-scoring or quantile-normal
  scaling, correlation pruning, ANOVA ranking, the model) lives in the candidate pipeline and
  is refitted in every training fold; within the search, the steps shared by candidates are
  fitted once per fold and reused (identical results, less time);
- ensembles average per-member standardised scores (logit of the probability, or the decision
  value, centred and scaled by the member's out-of-fold scores), so a strongly-penalised
  regression with probabilities near the prevalence weighs as much as a forest; the average
  is mapped to a probability by a logistic (Platt) fit on the out-of-fold averages;
- averaging rather than choosing: on tables of 50-300 cases, choosing among many options by
  inner CV is noisy (the winner's inner score is optimistic and its choice unstable), so the
  choice is between three averages only. Averaging all representatives is the most robust
  on most tables, but where one kind of model clearly fits the table (sparse linear
  signal, say) the others dilute it; the linear / trees / all choice halved the worst loss
  against the plain baselines in development on the radMLBench tables
  (``benchmarks/bench_automodel.py``, ``benchmarks/automodel_pool.py``);
- the budget is a set of candidate families and a number of inner repeats, not seconds, so a
  seeded run is reproducible on any machine.

Survival outcomes (time/event) are not supported yet.

References
----------
Caruana R, Niculescu-Mizil A, Crew G, Ksikes A. Ensemble selection from libraries of models.
ICML 2004.
Varma S, Simon R. Bias in error estimation when using cross-validation for model selection.
BMC Bioinformatics 2006;7:91.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.feature_selection import f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from radiome.errors import ConfigError, DataError
from radiome.model.estimators import make_model, preprocessing

__all__ = [
    "CorrelationPruner",
    "UnivariateTopK",
    "ScoreEnsemble",
    "Candidate",
    "FAMILIES",
    "BUDGETS",
    "candidate_pool",
    "AutoModel",
    "AutoModelResult",
    "auto_model",
]

_CLIP = 1e-4


# ---------------------------------------------------------------------------------------------
# Pipeline steps
# ---------------------------------------------------------------------------------------------
class CorrelationPruner(TransformerMixin, BaseEstimator):
    """Drop features highly correlated with an earlier kept feature.

    Columns are visited in order; a column is kept unless its absolute Pearson correlation with
    a column already kept exceeds ``threshold`` (on the training data). Constant columns are
    kept (their correlation is taken as 0).

    Parameters
    ----------
    threshold
        Largest absolute correlation allowed between kept features, in (0, 1].
    """

    def __init__(self, threshold: float = 0.9):
        self.threshold = threshold

    def fit(self, X: Any, y: Any = None) -> CorrelationPruner:
        X = validate_data(self, X, reset=True)
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"threshold must lie in (0, 1]; got {self.threshold!r}")
        Z = X - X.mean(axis=0)
        norm = np.sqrt((Z**2).sum(axis=0))
        Z = np.divide(Z, norm, out=np.zeros_like(Z), where=norm > 0)
        C = np.abs(Z.T @ Z)
        keep = np.zeros(X.shape[1], dtype=bool)
        for j in range(X.shape[1]):
            if not np.any(C[j, keep] > self.threshold):
                keep[j] = True
        self.support_ = keep
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "support_")
        X = validate_data(self, X, reset=False)
        return X[:, self.support_]

    def get_support(self) -> np.ndarray:
        """Boolean mask of the kept features."""
        check_is_fitted(self, "support_")
        return self.support_


class UnivariateTopK(TransformerMixin, BaseEstimator):
    """Keep the ``k`` features with the largest ANOVA F statistic (all of them if fewer).

    .. math:: F_j = \\frac{\\sum_c n_c (\\bar x_{cj} - \\bar x_j)^2 / (C - 1)}
                       {\\sum_c \\sum_{i \\in c} (x_{ij} - \\bar x_{cj})^2 / (n - C)}

    computed by :func:`sklearn.feature_selection.f_classif`; constant features score 0. Ties
    keep the earlier column.
    """

    def __init__(self, k: int = 16):
        self.k = k

    def fit(self, X: Any, y: Any) -> UnivariateTopK:
        X, y = validate_data(self, X, y, reset=True)
        if int(self.k) < 1:
            raise ConfigError(f"k must be at least 1; got {self.k!r}")
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # constant features: scored 0 below
            F, _ = f_classif(X, y)
        self.scores_ = np.nan_to_num(F, nan=0.0, posinf=np.finfo(float).max)
        order = np.argsort(-self.scores_, kind="stable")[: min(int(self.k), X.shape[1])]
        support = np.zeros(X.shape[1], dtype=bool)
        support[order] = True
        self.support_ = support
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "support_")
        X = validate_data(self, X, reset=False)
        return X[:, self.support_]

    def get_support(self) -> np.ndarray:
        """Boolean mask of the kept features."""
        check_is_fitted(self, "support_")
        return self.support_


def member_scores(model: Any, X: Any) -> np.ndarray:
    """A real-valued score per case: the decision value (log-odds for logistic regression and
    discriminant analysis, the margin for an SVM) when the model has one, else the logit of the
    positive-class probability clipped to [1e-4, 1 - 1e-4] (forests, boosting, naive Bayes)."""
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(X), dtype=float).ravel()
    p = np.asarray(model.predict_proba(X))[:, 1]
    return logit(np.clip(p, _CLIP, 1.0 - _CLIP))


class ScoreEnsemble(ClassifierMixin, BaseEstimator):
    """Average of standardised member scores, mapped to a probability by a logistic curve.

    .. math::

        d(x) = \\frac{\\sum_k w_k (s_k(x) - c_k) / h_k}{\\sum_k w_k}, \\qquad
        P(y = 1 \\mid x) = \\operatorname{expit}(a + b\\, d(x))

    with :math:`s_k` member k's score (logit of its probability, or its decision value),
    centre :math:`c_k` and scale :math:`h_k` (by default 0 and 1), weights :math:`w_k`
    (default equal) and calibration intercept :math:`a` and slope :math:`b`. The
    :class:`AutoModel` sets centres, scales and calibration from out-of-fold scores.

    Parameters
    ----------
    estimators
        List of ``(name, estimator)``; each is cloned and fitted on the same data.
    weights
        One non-negative weight per member (None: equal weights).
    centers, scales
        Per-member standardisation of the scores (None: 0 and 1).
    intercept, slope
        Logistic calibration of the averaged score.
    """

    def __init__(self, estimators: Sequence[tuple[str, Any]],
                 weights: Sequence[float] | None = None,
                 centers: Sequence[float] | None = None,
                 scales: Sequence[float] | None = None,
                 intercept: float = 0.0, slope: float = 1.0):
        self.estimators = estimators
        self.weights = weights
        self.centers = centers
        self.scales = scales
        self.intercept = intercept
        self.slope = slope

    def fit(self, X: Any, y: Any) -> ScoreEnsemble:
        if not self.estimators:
            raise ConfigError("ScoreEnsemble needs at least one estimator")
        X, y = validate_data(self, X, y, ensure_all_finite=False, reset=True)
        type_of_target(y, input_name="y", raise_unknown=True)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if len(self.classes_) != 2:
            raise DataError(f"Only binary classification is supported: ScoreEnsemble needs two "
                            f"classes; y has {len(self.classes_)} (one class or continuous y "
                            "cannot be used)")
        m = len(self.estimators)
        for name, vals in (("weights", self.weights), ("centers", self.centers),
                           ("scales", self.scales)):
            if vals is not None and len(vals) != m:
                raise ConfigError(f"{name} must have one value per estimator ({m}); got "
                                  f"{len(vals)}")
        self.estimators_ = [clone(est).fit(X, y_enc) for _, est in self.estimators]
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """The calibrated linear score :math:`a + b\\,d(x)`."""
        check_is_fitted(self, "estimators_")
        X = validate_data(self, X, ensure_all_finite=False, reset=False)
        m = len(self.estimators_)
        w = np.ones(m) if self.weights is None else np.asarray(self.weights, dtype=float)
        c = np.zeros(m) if self.centers is None else np.asarray(self.centers, dtype=float)
        h = np.ones(m) if self.scales is None else np.asarray(self.scales, dtype=float)
        S = np.column_stack([member_scores(est, X) for est in self.estimators_])
        d = ((S - c) / h) @ w / w.sum()
        return self.intercept + self.slope * d

    def predict_proba(self, X: Any) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        d = self.decision_function(X)
        return self.classes_[(d > 0).astype(int)]

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags


# ---------------------------------------------------------------------------------------------
# Candidates
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """One candidate pipeline of the search.

    Attributes
    ----------
    name
        Identifier, for example ``"l1(C=0.1)"``.
    family
        Candidates of one family differ only in a hyper-parameter; the search keeps the best
        of each family (that is the tuning) before building ensembles.
    scale
        ``"standard"``, ``"quantile"`` or ``"none"`` (see
        :func:`radiome.model.estimators.preprocessing`).
    prune
        Correlation-pruning threshold, or None.
    k
        Number of ANOVA-ranked features kept, or None for all.
    model
        ``model(random_state) -> estimator``.
    """

    name: str
    family: str
    scale: str
    prune: float | None
    k: int | None
    model: Callable[[Any], Any] = field(compare=False)

    def front(self) -> list[tuple[str, Any]]:
        """The data-dependent steps before the model."""
        steps = preprocessing(self.scale)
        if self.prune is not None:
            steps.append(("prune", CorrelationPruner(self.prune)))
        if self.k is not None:
            steps.append(("select", UnivariateTopK(self.k)))
        return steps

    def pipeline(self, random_state: Any = None) -> Pipeline:
        """The full, unfitted pipeline."""
        return Pipeline(self.front() + [("model", self.model(random_state))])


def _l1(C: float) -> Callable[[Any], Any]:
    return lambda rs: LogisticRegression(C=C, l1_ratio=1.0, solver="liblinear", max_iter=5000,
                                         random_state=rs)


def _l2(C: float) -> Callable[[Any], Any]:
    # liblinear's dual solver: several times faster than lbfgs when features outnumber cases
    return lambda rs: LogisticRegression(C=C, l1_ratio=0.0, solver="liblinear", dual=True,
                                         class_weight="balanced", max_iter=5000,
                                         random_state=rs)


def _et(n: int = 200, leaf: int = 1) -> Callable[[Any], Any]:
    return lambda rs: ExtraTreesClassifier(n_estimators=n, min_samples_leaf=leaf,
                                           max_features="sqrt", n_jobs=1, random_state=rs)


def _rf(n: int = 200) -> Callable[[Any], Any]:
    return lambda rs: RandomForestClassifier(n_estimators=n, n_jobs=1, random_state=rs)


def _svm(C: float = 1.0) -> Callable[[Any], Any]:
    return lambda rs: SVC(C=C, gamma="scale", class_weight="balanced", random_state=rs)


def _lgbm(rs: Any) -> Any:
    return make_model("lgbm", random_state=rs)


def _lda(rs: Any) -> Any:
    return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")


def _knn(rs: Any) -> Any:
    return KNeighborsClassifier(n_neighbors=15, weights="distance")


def _nb(rs: Any) -> Any:
    return GaussianNB()


def _family(prefix: str, family: str, scale: str, prune: Any, k: Any, make: Callable,
            grid: Sequence[float]) -> tuple[Candidate, ...]:
    return tuple(Candidate(f"{prefix}(C={c:g})", family, scale, prune, k, make(c)) for c in grid)


_C_L1 = tuple(float(c) for c in np.logspace(-2, 2, 9))
_C_L2 = (0.003, 0.01, 0.03, 0.1, 0.3)

#: Every candidate, by family.
FAMILIES: dict[str, tuple[Candidate, ...]] = {
    "l1": _family("l1", "l1", "standard", None, None, _l1, _C_L1),
    "l2q": _family("l2q", "l2q", "quantile", None, None, _l2, _C_L2),
    "l1_coarse": _family("l1", "l1_coarse", "standard", None, None, _l1, (0.1, 1.0)),
    "l2q_coarse": _family("l2q", "l2q_coarse", "quantile", None, None, _l2, (0.01, 0.1)),
    "et": (Candidate("et", "et", "none", None, None, _et()),),
    "rf16": (Candidate("rf|anova16", "rf16", "none", None, 16, _rf()),),
    "svm": (Candidate("svm|quantile", "svm", "quantile", None, None, _svm()),),
    "lgbm": (Candidate("lgbm|anova64", "lgbm", "none", None, 64, _lgbm),),
    "l2prune": _family("l2|prune0.9", "l2prune", "standard", 0.9, None, _l2, (0.01, 0.1)),
    "et32": (Candidate("et|anova32", "et32", "none", None, 32, _et()),),
    "knn": (Candidate("knn|anova16", "knn", "quantile", None, 16, _knn),),
    "nb": (Candidate("nb|anova16", "nb", "quantile", None, 16, _nb),),
    "l2s": _family("l2", "l2s", "standard", None, None, _l2, _C_L2),
    "lda": (Candidate("lda", "lda", "standard", None, None, _lda),),
    "ldaq": (Candidate("lda|quantile", "ldaq", "quantile", None, None, _lda),),
    "et3": (Candidate("et(leaf=3)", "et3", "none", None, None, _et(200, 3)),),
    "ldak": tuple(Candidate(f"lda|anova{k}", "ldak", "standard", None, k, _lda)
                  for k in (8, 16, 32)),
}

#: family -> kind of model, for ``ensemble="group"``: "linear" holds the linear models of all
#: features (penalised logistic regression, shrinkage LDA), "trees" the tree ensembles; the
#: other families (kernel, neighbours, naive Bayes, LDA of an ANOVA top k) join only the mean
#: of all representatives
GROUPS: dict[str, str] = {
    "l1": "linear", "l2q": "linear", "l1_coarse": "linear", "l2q_coarse": "linear",
    "l2prune": "linear", "l2s": "linear", "lda": "linear", "ldaq": "linear",
    "et": "trees", "et3": "trees", "rf16": "trees", "lgbm": "trees", "et32": "trees",
    "svm": "other", "knn": "other", "nb": "other", "ldak": "other",
}

#: budget name -> (families, inner repeats)
BUDGETS: dict[str, tuple[tuple[str, ...], int]] = {
    "tiny": (("l1_coarse", "l2q_coarse", "nb"), 1),
    "small": (("l1", "l2q", "et", "svm"), 1),
    "medium": (("l1", "l2q", "lda", "ldak", "et", "et3", "rf16", "svm", "lgbm"), 1),
    "large": (("l1", "l2q", "lda", "ldak", "et", "et3", "rf16", "svm", "lgbm", "l2s", "ldaq",
               "l2prune", "et32", "knn", "nb"), 2),
}


def candidate_pool(budget: str | int = "medium") -> tuple[Candidate, ...]:
    """The candidates a budget searches (a name of :data:`BUDGETS`, or a number of families)."""
    return _budget(budget)[0]


def _budget(budget: str | int) -> tuple[tuple[Candidate, ...], int]:
    if isinstance(budget, str) and budget in BUDGETS:
        families, reps = BUDGETS[budget]
    elif isinstance(budget, (int, np.integer)) and not isinstance(budget, bool) and budget >= 1:
        families, reps = BUDGETS["large"][0][: int(budget)], 1
    else:
        raise ConfigError(f"unknown budget {budget!r}; use one of {list(BUDGETS)} or a number "
                          "of candidate families (the first ones of the 'large' budget)")
    return tuple(c for f in families for c in FAMILIES[f]), reps


# ---------------------------------------------------------------------------------------------
# Inner search
# ---------------------------------------------------------------------------------------------
def fast_auc(y: np.ndarray, s: np.ndarray) -> float:
    r"""AUC by the Mann-Whitney statistic (ties count 1/2); equals ``roc_auc_score``.

    .. math:: AUC = \frac{\sum_{i: y_i = 1} R_i - n_1 (n_1 + 1) / 2}{n_1 n_0}

    with :math:`R_i` the mid-ranks of the scores. Used inside the search, where
    scikit-learn's input validation would dominate the cost of thousands of calls.
    """
    y = np.asarray(y)
    n1 = int(y.sum())
    n0 = len(y) - n1
    r = rankdata(s)
    return float((r[y == 1].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


_SCORERS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "roc_auc": fast_auc,
    "average_precision": average_precision_score,
}


def inner_oof(candidates: Sequence[Candidate], X: np.ndarray, y: np.ndarray,
              n_splits: int, n_repeats: int, seed: Any) -> np.ndarray:
    """Out-of-fold scores of each candidate: array (candidates, repeats, cases).

    Equal to fitting each candidate's pipeline on every training fold; the steps shared by
    candidates (preprocessing, pruning, the ANOVA ranking) are fitted once per fold.
    """
    cv = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=seed)
    out = np.full((len(candidates), n_repeats, len(y)), np.nan)
    for i, (tr, va) in enumerate(cv.split(X, y)):
        r = i // n_splits
        cache: dict[Any, Any] = {}
        for c, cand in enumerate(candidates):
            key = (cand.scale, cand.prune)
            if key not in cache:
                front = Pipeline(Candidate("", "", cand.scale, cand.prune, None, _nb).front())
                A = front.fit_transform(X[tr], y[tr])
                cache[key] = (A, front.transform(X[va]), None)
            A, V, order = cache[key]
            if cand.k is not None:
                if order is None:
                    sel = UnivariateTopK(k=A.shape[1]).fit(A, y[tr])
                    order = np.argsort(-sel.scores_, kind="stable")
                    cache[key] = (A, V, order)
                cols = np.sort(order[: min(cand.k, A.shape[1])])
                A_c, V_c = A[:, cols], V[:, cols]
            else:
                A_c, V_c = A, V
            model = cand.model(seed).fit(A_c, y[tr])
            out[c, r, va] = member_scores(model, V_c)
    return out


def _standardise(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale of each candidate's out-of-fold scores (over repeats and cases)."""
    flat = S.reshape(S.shape[0], -1)
    c = flat.mean(axis=1)
    h = flat.std(axis=1)
    h[~(h > 1e-12)] = 1.0
    return c, h


def _score(scorer, y: np.ndarray, Z: np.ndarray) -> tuple[float, float]:
    vals = [scorer(y, z) for z in Z]
    return float(np.mean(vals)), float(np.std(vals))


def _greedy(Zs: np.ndarray, y: np.ndarray, scorer, start: int, size: int,
            allowed: np.ndarray) -> np.ndarray:
    """Caruana's forward selection with replacement among ``allowed``: counts per candidate."""
    counts = np.zeros(Zs.shape[0])
    counts[start] = 1
    total = Zs[start].copy()
    best, _ = _score(scorer, y, total)
    for _ in range(size - 1):
        trials = [(_score(scorer, y, (total + Zs[j]) / (counts.sum() + 1))[0], j)
                  for j in np.flatnonzero(allowed)]
        val, j = max(trials, key=lambda t: (t[0], -t[1]))
        if val <= best:
            break
        best, total = val, total + Zs[j]
        counts[j] += 1
    return counts


def _row(name, kind, counts, cands, Zs, y01, scorer) -> dict[str, Any]:
    d = np.tensordot(counts, Zs, axes=1) / counts.sum()
    m, s = _score(scorer, y01, d)
    members = tuple(cands[i].name for i in np.flatnonzero(counts))
    return {"name": name, "kind": kind, "members": members, "counts": counts,
            "mean_test_score": m, "std_test_score": s}


def choose(Zs: np.ndarray, y01: np.ndarray, cands: Sequence[Candidate], scorer: Callable,
           ensemble: str, max_ensemble: int, mean_margin: float = 0.0
           ) -> tuple[list[dict[str, Any]], list[int]]:
    """Score every candidate and ensemble from standardised out-of-fold scores ``Zs``.

    Returns the rows (one per candidate, then per ensemble of family representatives) and the
    indices of the rows the rule ``ensemble`` may choose from (see :class:`AutoModel`). For
    ``"group"`` the row "mean" (all representatives) competes with ``mean_margin`` added to
    its score; the rows' own ``mean_test_score`` stay unadjusted.
    """
    rows = [_row(c.name, "single", _onehot(len(cands), i), cands, Zs, y01, scorer)
            for i, c in enumerate(cands)]
    single = np.array([r["mean_test_score"] for r in rows])
    # the representative of each family: its best candidate (this tunes C, for example)
    reps = []
    for fam in dict.fromkeys(c.family for c in cands):
        members = [i for i, c in enumerate(cands) if c.family == fam]
        reps.append(members[int(np.argmax(single[members]))])
    reps = sorted(reps, key=lambda i: (-single[i], i))
    options = {"none": [reps[0]], "select": [reps[0]], "mean": [], "greedy": [], "group": []}
    if len(reps) > 1:
        sizes = [(m, f"top{m}") for m in (2, 3) if m < len(reps)]
        for m_top, label in sizes + [(len(reps), "mean")]:
            counts = np.zeros(len(cands))
            counts[reps[:m_top]] = 1
            rows.append(_row(label, "ensemble", counts, cands, Zs, y01, scorer))
            options["select"].append(len(rows) - 1)
        options["mean"].append(len(rows) - 1)
        options["group"].append(len(rows) - 1)
        if ensemble == "group":
            rows[-1]["choice_score"] = rows[-1]["mean_test_score"] + mean_margin
        for group in ("linear", "trees"):
            members = [i for i in reps if GROUPS.get(cands[i].family) == group]
            if members and len(members) < len(reps):
                counts = np.zeros(len(cands))
                counts[members] = 1
                rows.append(_row(group, "ensemble", counts, cands, Zs, y01, scorer))
                options["group"].append(len(rows) - 1)
        allowed = np.zeros(len(cands), dtype=bool)
        allowed[reps] = True
        counts = _greedy(Zs, y01, scorer, reps[0], max_ensemble, allowed)
        rows.append(_row("greedy", "ensemble", counts, cands, Zs, y01, scorer))
        options["select"].append(len(rows) - 1)
        options["greedy"].append(len(rows) - 1)
    return rows, options[ensemble] or [reps[0]]


# ---------------------------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------------------------
class AutoModel(ClassifierMixin, BaseEstimator):
    """Search selection x model x hyper-parameters x ensembles by inner CV, refit the best.

    Parameters
    ----------
    budget
        ``"tiny"``, ``"small"``, ``"medium"`` or ``"large"``: which candidate families are
        searched and how many inner repeats (see :data:`BUDGETS` and :data:`FAMILIES`); or a
        number n: the first n families of ``"large"``, one inner repeat.
    scoring
        ``"roc_auc"`` or ``"average_precision"``: the inner-CV criterion, computed on each
        inner repeat's pooled out-of-fold scores and averaged over repeats.
    inner_cv
        Number of stratified folds of the inner CV.
    inner_repeats
        Inner repeats; None takes the budget's.
    ensemble
        How the final model is built from the family representatives (the best candidate of
        each family by inner score: this tunes C, for example). ``"group"`` (default): the
        mean of the standardised scores of all representatives, of the linear ones only or of
        the tree ensembles only (:data:`GROUPS`), whichever scores best in the inner CV, the
        mean of all getting ``mean_margin`` added to its score first. ``"mean"``: the mean
        of all representatives. ``"select"``: the best by inner score among each
        representative alone, the mean of the top 2, of the top 3, of all, and the greedy
        ensemble. ``"greedy"``: Caruana's greedy ensemble. ``"none"``: the best single
        candidate. On small tables choosing among many options by inner CV is noisy (see
        docs/validation.md for the benchmark).
    mean_margin
        Inner-score advantage given to the mean of all representatives when ``"group"``
        chooses (0.01: a group must beat the mean by more than 0.01 AUC to replace it).
    max_ensemble
        Largest number of (possibly repeated) members of the greedy ensemble.
    random_state
        Seed of the inner splits and of the randomised models.

    Attributes
    ----------
    classes_ : ndarray
        The two class labels; ``classes_[1]`` is the positive class.
    cv_results_ : dict
        One entry per candidate and per ensemble considered: ``name``, ``kind`` (``"single"``
        or ``"ensemble"``), ``members``, ``mean_test_score``, ``std_test_score`` (over inner
        repeats), ``rank_test_score``.
    best_index_ : int
        Entry of ``cv_results_`` chosen.
    best_pipeline_ : ScoreEnsemble
        The chosen model or ensemble refitted on all the data (a single model is an ensemble
        of one member).
    best_params_ : dict
        ``{"members": [...], "weights": [...]}`` of the choice.
    best_score_ : float
        Its inner-CV score (optimistic: it won the search on these folds).
    oof_scores_ : ndarray
        Standardised out-of-fold scores of every candidate, (candidates, repeats, cases).
    """

    def __init__(self, budget: str | int = "medium", scoring: str = "roc_auc", inner_cv: int = 5,
                 inner_repeats: int | None = None, ensemble: str = "group",
                 mean_margin: float = 0.01, max_ensemble: int = 10,
                 random_state: Any = None):
        self.budget = budget
        self.scoring = scoring
        self.inner_cv = inner_cv
        self.inner_repeats = inner_repeats
        self.ensemble = ensemble
        self.mean_margin = mean_margin
        self.max_ensemble = max_ensemble
        self.random_state = random_state

    def _check_params(self) -> tuple[tuple[Candidate, ...], int, Callable]:
        cands, reps = _budget(self.budget)
        if self.inner_repeats is not None:
            if int(self.inner_repeats) < 1:
                raise ConfigError(f"inner_repeats must be at least 1; got {self.inner_repeats}")
            reps = int(self.inner_repeats)
        if self.scoring not in _SCORERS:
            raise ConfigError(f"scoring must be one of {list(_SCORERS)}; got {self.scoring!r}")
        if int(self.inner_cv) < 2:
            raise ConfigError(f"inner_cv must be at least 2; got {self.inner_cv!r}")
        if int(self.max_ensemble) < 1:
            raise ConfigError(f"max_ensemble must be at least 1; got {self.max_ensemble!r}")
        if not 0.0 <= float(self.mean_margin) < 1.0:
            raise ConfigError(f"mean_margin must lie in [0, 1); got {self.mean_margin!r}")
        if self.ensemble not in ("group", "select", "mean", "greedy", "none"):
            raise ConfigError("ensemble must be 'group', 'select', 'mean', 'greedy' or 'none'; "
                              f"got {self.ensemble!r}")
        return cands, reps, _SCORERS[self.scoring]

    def fit(self, X: Any, y: Any) -> AutoModel:
        """Run the inner search on ``(X, y)`` and refit the chosen pipeline on all of it."""
        cands, reps, scorer = self._check_params()
        X, y = validate_data(self, X, y, ensure_all_finite=False, reset=True, dtype=float)
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        n_classes = len(np.unique(y))
        if n_classes < 2:
            raise DataError("AutoModel needs two classes; y has one class only")
        if kind != "binary":
            raise DataError(f"Only binary classification is supported: AutoModel needs a binary "
                            f"outcome; got a {kind} target with {n_classes} classes")
        self.classes_, y01 = np.unique(y, return_inverse=True)
        smallest = int(min(y01.sum(), len(y01) - y01.sum()))
        if smallest < int(self.inner_cv):
            raise DataError(f"the smaller class has {smallest} cases, fewer than inner_cv="
                            f"{self.inner_cv}; use fewer inner folds")
        seed = self.random_state
        if seed is not None and not isinstance(seed, (int, np.integer)):
            seed = int(np.random.default_rng(seed).integers(2**31 - 1))
        S = inner_oof(cands, X, y01, int(self.inner_cv), reps, seed)
        centers, scales = _standardise(S)
        Zs = (S - centers[:, None, None]) / scales[:, None, None]
        self.oof_scores_ = Zs

        rows, options = choose(Zs, y01, cands, scorer, self.ensemble, int(self.max_ensemble),
                               float(self.mean_margin))
        means = np.array([r["mean_test_score"] for r in rows])
        best = max(options, key=lambda i: (rows[i].get("choice_score", means[i]), -i))
        self.cv_results_ = {
            "name": [r["name"] for r in rows],
            "kind": [r["kind"] for r in rows],
            "members": [r["members"] for r in rows],
            "mean_test_score": means,
            "std_test_score": np.array([r["std_test_score"] for r in rows]),
            "rank_test_score": pd.Series(-means).rank(method="min").astype(int).to_numpy(),
        }
        counts = rows[best]["counts"]
        self.best_index_ = int(best)
        self.best_score_ = float(means[best])
        self.best_pipeline_ = self._build(cands, counts, Zs, centers, scales, y01, seed)
        self.best_pipeline_.fit(X, y01)
        chosen = np.flatnonzero(counts)
        self.best_params_ = {"members": [cands[i].name for i in chosen],
                             "weights": [float(counts[i]) for i in chosen]}
        return self

    @staticmethod
    def _build(cands, counts, Zs, centers, scales, y01, seed) -> ScoreEnsemble:
        idx = np.flatnonzero(counts)
        w = counts[idx]
        d = np.tensordot(w, Zs[idx], axes=1) / w.sum()  # (repeats, cases)
        cal = LogisticRegression(C=1e6, max_iter=1000).fit(
            d.reshape(-1, 1), np.tile(y01, d.shape[0]))
        return ScoreEnsemble(
            estimators=[(cands[i].name, cands[i].pipeline(seed)) for i in idx],
            weights=[float(v) for v in w], centers=[float(centers[i]) for i in idx],
            scales=[float(scales[i]) for i in idx], intercept=float(cal.intercept_[0]),
            slope=float(cal.coef_[0, 0]))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of ``classes_[0]`` and ``classes_[1]`` from the chosen pipeline."""
        check_is_fitted(self, "best_pipeline_")
        X = validate_data(self, X, ensure_all_finite=False, reset=False, dtype=float)
        return self.best_pipeline_.predict_proba(X)

    def decision_function(self, X: Any) -> np.ndarray:
        """Calibrated linear score (log-odds of ``classes_[1]``)."""
        check_is_fitted(self, "best_pipeline_")
        X = validate_data(self, X, ensure_all_finite=False, reset=False, dtype=float)
        return self.best_pipeline_.decision_function(X)

    def predict(self, X: Any) -> np.ndarray:
        """The class with the larger probability (``classes_[1]`` when above 1/2)."""
        d = self.decision_function(X)
        return self.classes_[(d > 0).astype(int)]

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags


def _onehot(n: int, i: int) -> np.ndarray:
    v = np.zeros(n)
    v[i] = 1
    return v


# ---------------------------------------------------------------------------------------------
# Honest estimate
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class AutoModelResult:
    """The auto-model's honest estimate and the model to use.

    Attributes
    ----------
    validation
        Outer-loop result (:class:`~radiome.model.validation.ValidationResult`, design
        ``"nested_cv"``): the whole search ran inside each outer training fold, so its
        ``auc`` is an honest estimate of the *procedure* (search + refit).
    model
        The :class:`AutoModel` fitted on all cases (None with ``refit=False``).
    fold_choices
        ``best_params_`` of the search in each outer training fold, in fold order.
    """

    validation: Any
    model: AutoModel | None
    fold_choices: tuple[dict[str, Any], ...]

    @property
    def auc(self) -> Any:
        """The honest outer-loop AUC (an :class:`~radiome.evaluate.estimate.Estimate`)."""
        return self.validation.auc

    def choice_frequencies(self) -> pd.DataFrame:
        """How often each candidate was a member of the chosen model across outer folds."""
        names = [n for c in self.fold_choices for n in c["members"]]
        counts = pd.Series(names, dtype=object).value_counts()
        return pd.DataFrame({"candidate": counts.index, "folds": counts.to_numpy(),
                             "share": counts.to_numpy() / max(len(self.fold_choices), 1)})

    def summary(self) -> pd.DataFrame:
        """The validation summary (AUC with its interval, per-repeat AUCs)."""
        return self.validation.summary()

    def to_dict(self, include_predictions: bool = False) -> dict[str, Any]:
        """Plain, JSON-ready dict."""
        out = {"validation": self.validation.to_dict(include_predictions=include_predictions),
               "fold_choices": [dict(c) for c in self.fold_choices]}
        if self.model is not None:
            out["final"] = {"best_params": dict(self.model.best_params_),
                            "inner_score": float(self.model.best_score_)}
        return out

    def plot(self, ax: Any = None) -> Any:
        """Out-of-fold ROC curves of the outer repeats."""
        return self.validation.plot(ax=ax)


def auto_model(
    X: Any, y: Any, budget: str | int = "medium", outer: int = 5, n_repeats: int = 5,
    inner_cv: int = 5, inner_repeats: int | None = None, scoring: str = "roc_auc",
    random_state: Any = None, pos_label: Any = None, refit: bool = True, n_boot: int = 1000,
    level: float = 0.95,
) -> AutoModelResult:
    """Honest estimate of the auto-model by nested CV, and the model refitted on all cases.

    The outer loop is repeated stratified K-fold (``outer`` folds, ``n_repeats`` repeats). In
    each outer training fold a fresh :class:`AutoModel` runs its whole search (inner CV,
    ensembles, choice, refit) and predicts the outer test fold; the AUC of each repeat's pooled
    out-of-fold predictions, averaged over repeats, estimates how well the *procedure* does on
    new cases. ``refit=True`` then runs the search on all cases for the model to use.

    The table must be raw (no radiome step fitted on it) and the outcome binary; see
    :mod:`radiome.model.validation` for the leakage guard and the interval.
    """
    from radiome.model import validation as v

    where = "auto_model"
    est = AutoModel(budget=budget, scoring=scoring, inner_cv=inner_cv,
                    inner_repeats=inner_repeats, random_state=random_state)
    est._check_params()
    Xv, y01, pos, index = v._prepare(est, X, y, where, pos_label)
    v._check_folds(y01, outer, where)
    seed = v._seed(random_state)
    est.set_params(random_state=seed)
    pred, kind, _, choices = v._run_cv(where, lambda: est, Xv, y01, index, outer, n_repeats,
                                       seed, False, fold_callback=lambda m: m.best_params_)
    settings = {"budget": budget, "outer": outer, "n_repeats": n_repeats,
                "inner_cv": inner_cv, "inner_repeats": inner_repeats, "scoring": scoring,
                "random_state": seed}
    res = v._result_from_predictions("nested_cv", pred, y01, pos, kind, settings, n_boot,
                                     level, seed, fold_params=choices)
    final = clone(est).fit(Xv, y01) if refit else None
    return AutoModelResult(validation=res, model=final, fold_choices=tuple(choices))
