"""ROC curves, the AUC with DeLong or bootstrap confidence intervals, and DeLong's tests.

Conventions
-----------
* **Direction.** ``direction="<"`` (the default) means controls score *lower* than cases:
  a higher score means the positive class is more likely, and a case counts as test-positive
  when ``score >= threshold``. ``direction=">"`` is the reverse (positive when
  ``score <= threshold``). This is pROC's ``direction`` argument with ``levels = c(0, 1)``.
  Unlike pROC's default ``direction="auto"``, radiome never flips the direction silently: a
  model whose AUC is below 0.5 is reported as such.
* **AUC** is the Mann-Whitney statistic, ties between a case and a control counting one half;
  it equals the trapezoidal area under the empirical ROC curve.

Why hand-written
----------------
scikit-learn gives the curve (:func:`sklearn.metrics.roc_curve`; the same points are computed
here in a few NumPy lines, without its per-call validation cost) and the AUC but no
confidence interval and no test; statsmodels and scipy have neither. DeLong's variance is
computed with the fast O(n log n) midrank algorithm of Sun & Xu (2014), which reproduces
pROC's ``var(roc)``, ``ci.auc(method="delong")`` and ``roc.test(method="delong")`` exactly
(to floating-point rounding). The bootstrap resamples all replicates at once with midranks.

References
----------
DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Comparing the areas under two or more
correlated receiver operating characteristic curves: a nonparametric approach. *Biometrics*
44:837-845.

Sun X, Xu W (2014). Fast implementation of DeLong's algorithm for comparing the areas under
correlated receiver operating characteristic curves. *IEEE Signal Processing Letters*
21:1389-1393.

Robin X, et al. (2011). pROC: an open-source package for R and S+ to analyze and compare ROC
curves. *BMC Bioinformatics* 12:77.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from radiome.errors import ConfigError, DataError
from radiome.evaluate.estimate import Estimate

__all__ = [
    "ROCResult",
    "DeLongTestResult",
    "roc_analysis",
    "delong_test",
    "delong_test_unpaired",
    "delong_placements",
]

_ALTERNATIVES = ("two-sided", "greater", "less")


# --------------------------------------------------------------------------- validation
def _binary_outcome(y: Any, pos_label: Any, name: str = "y_true") -> np.ndarray:
    """Boolean array (True = positive) from a binary outcome; raise DataError if unusable."""
    arr = np.asarray(y)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise DataError(f"{name} must be one-dimensional; got an array of shape {arr.shape}.")
    if arr.size == 0:
        raise DataError(f"{name} is empty; pass one outcome per case.")
    if pd.isna(arr).any():
        raise DataError(
            f"{name} contains {int(pd.isna(arr).sum())} missing value(s); drop those cases "
            "or impute the outcome before evaluating."
        )
    labels = pd.unique(arr)
    if len(labels) > 2:
        raise DataError(
            f"{name} must be binary; found {len(labels)} distinct values "
            f"({', '.join(map(repr, sorted(labels.tolist(), key=str)[:5]))}...)."
        )
    if len(labels) < 2:
        raise DataError(
            f"{name} contains a single class ({labels[0]!r} for all {arr.size} cases); "
            "discrimination needs both positive and negative cases."
        )
    if not any(lab == pos_label for lab in labels):
        raise DataError(
            f"pos_label={pos_label!r} does not occur in {name} (values: "
            f"{sorted(labels.tolist(), key=str)}); set pos_label to the positive class."
        )
    positive = arr == pos_label
    return np.asarray(positive, dtype=bool)


def _scores(score: Any, n: int, name: str = "score") -> np.ndarray:
    """Finite float array of length ``n``; raise DataError otherwise."""
    try:
        arr = np.asarray(score, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric; could not convert it ({exc}).") from None
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise DataError(f"{name} must be one-dimensional; got an array of shape {arr.shape}.")
    if arr.size != n:
        raise DataError(
            f"{name} has {arr.size} values but the outcome has {n}; pass one score per case."
        )
    if not np.isfinite(arr).all():
        raise DataError(
            f"{name} contains {int((~np.isfinite(arr)).sum())} NaN or infinite value(s); "
            "remove those cases or fix the predictions."
        )
    return arr


def _check_level(level: float) -> float:
    if not isinstance(level, (int, float)) or not 0.0 < float(level) < 1.0:
        raise ConfigError(f"level must be a number in (0, 1), for example 0.95; got {level!r}.")
    return float(level)


def _check_direction(direction: str) -> str:
    if direction not in ("<", ">"):
        raise ConfigError(
            f"direction must be '<' (higher score = positive) or '>' (lower score = "
            f"positive); got {direction!r}. radiome does not guess the direction."
        )
    return direction


def _check_n_bootstrap(n_bootstrap: int) -> int:
    if not isinstance(n_bootstrap, (int, np.integer)) or n_bootstrap < 10:
        raise ConfigError(f"n_bootstrap must be an integer >= 10; got {n_bootstrap!r}.")
    return int(n_bootstrap)


def _rng(random_state: Any) -> np.random.Generator:
    """A numpy Generator from None, an int, a SeedSequence, a Generator or a RandomState."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**32 - 1))
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError):
        raise ConfigError(
            f"random_state must be None, an int or a numpy Generator; got {random_state!r}."
        ) from None


def _oriented(score: np.ndarray, direction: str) -> np.ndarray:
    """Scores on the '<' scale (higher = positive)."""
    return score if direction == "<" else -score


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2.0))


# --------------------------------------------------------------------------- DeLong core
def delong_placements(
    positives: np.ndarray, negatives: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AUCs and DeLong placement values of one or several scores (Sun & Xu's algorithm).

    Parameters
    ----------
    positives : array of shape (k, m) or (m,)
        Scores of the m cases (higher = more likely positive), one row per score.
    negatives : array of shape (k, n) or (n,)
        Scores of the n controls.

    Returns
    -------
    auc : ndarray of shape (k,)
    v10 : ndarray of shape (k, m)
        Placement of each case: the fraction of controls it outranks (ties 1/2).
    v01 : ndarray of shape (k, n)
        Placement of each control: the fraction of cases that outrank it (ties 1/2).

    Notes
    -----
    With :math:`T_Z` the midranks in the pooled sample and :math:`T_X`, :math:`T_Y` the
    midranks within cases and within controls,

    .. math::

        V_{10}(X_i) = \\frac{T_Z(X_i) - T_X(X_i)}{n}, \\quad
        V_{01}(Y_j) = 1 - \\frac{T_Z(Y_j) - T_Y(Y_j)}{m}, \\quad
        \\hat\\theta = \\bar V_{10} = \\bar V_{01}.
    """
    pos = np.atleast_2d(np.asarray(positives, dtype=float))
    neg = np.atleast_2d(np.asarray(negatives, dtype=float))
    m, n = pos.shape[1], neg.shape[1]
    tx = stats.rankdata(pos, axis=1)
    ty = stats.rankdata(neg, axis=1)
    tz = stats.rankdata(np.concatenate([pos, neg], axis=1), axis=1)
    auc = (tz[:, :m].sum(axis=1) - m * (m + 1) / 2.0) / (m * n)
    v10 = (tz[:, :m] - tx) / n
    v01 = 1.0 - (tz[:, m:] - ty) / m
    return auc, v10, v01


def _delong_cov(v10: np.ndarray, v01: np.ndarray) -> np.ndarray:
    """DeLong covariance matrix S = S10/m + S01/n of k correlated AUCs (k x k)."""
    m, n = v10.shape[1], v01.shape[1]
    s10 = np.atleast_2d(np.cov(v10, ddof=1)) if m > 1 else np.full((len(v10),) * 2, np.nan)
    s01 = np.atleast_2d(np.cov(v01, ddof=1)) if n > 1 else np.full((len(v01),) * 2, np.nan)
    return s10 / m + s01 / n


def _bootstrap_aucs(
    pos: np.ndarray,
    neg: np.ndarray,
    n_bootstrap: int,
    stratified: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """AUC of ``n_bootstrap`` resamples (NaN where a non-stratified resample lost a class)."""
    m, n = pos.size, neg.size
    total = m + n
    chunk = max(1, int(2_000_000 // total))
    out = np.empty(n_bootstrap)
    scores = np.concatenate([pos, neg])
    labels = np.concatenate([np.ones(m, bool), np.zeros(n, bool)])
    for start in range(0, n_bootstrap, chunk):
        b = min(chunk, n_bootstrap - start)
        if stratified:
            ip = rng.integers(0, m, size=(b, m))
            ineg = rng.integers(0, n, size=(b, n))
            sample = np.concatenate([pos[ip], neg[ineg]], axis=1)
            ranks = stats.rankdata(sample, axis=1)
            out[start : start + b] = (ranks[:, :m].sum(axis=1) - m * (m + 1) / 2.0) / (m * n)
        else:
            idx = rng.integers(0, total, size=(b, total))
            lab = labels[idx]
            ranks = stats.rankdata(scores[idx], axis=1)
            mb = lab.sum(axis=1).astype(float)
            nb = total - mb
            with np.errstate(invalid="ignore", divide="ignore"):
                auc = ((ranks * lab).sum(axis=1) - mb * (mb + 1) / 2.0) / (mb * nb)
            auc[(mb == 0) | (nb == 0)] = np.nan
            out[start : start + b] = auc
    return out


def _percentile_ci(values: np.ndarray, level: float) -> tuple[float, float]:
    """Percentile interval (R's quantile type 7 = numpy's 'linear'), ignoring NaN."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan
    lo, hi = np.quantile(values, [(1.0 - level) / 2.0, 1.0 - (1.0 - level) / 2.0])
    return float(lo), float(hi)


# --------------------------------------------------------------------------- ROC result
@dataclass(frozen=True, eq=False)
class ROCResult:
    """An empirical ROC curve and its AUC.

    Attributes
    ----------
    fpr, tpr : ndarray
        False and true positive rates (1 - specificity, sensitivity), from (0, 0) to (1, 1).
    thresholds : ndarray
        ``thresholds[i]`` gives (``fpr[i]``, ``tpr[i]``) with the rule *positive when
        score >= threshold* (``direction="<"``) or *score <= threshold* (``">"``); the first is
        ``+inf`` (``-inf`` for ``">"``): nobody positive.
    auc : Estimate
        Area under the curve with its confidence interval (method ``"delong"``,
        ``"bootstrap"`` or ``"none"``).
    variance : float
        DeLong variance of the AUC (pROC's ``var(roc)``); NaN with fewer than two cases or
        two controls.
    n_positive, n_negative : int
        Number of cases and controls.
    direction : str
        ``"<"`` or ``">"`` (see the module notes).
    """

    fpr: np.ndarray = field(repr=False)
    tpr: np.ndarray = field(repr=False)
    thresholds: np.ndarray = field(repr=False)
    auc: Estimate
    variance: float
    n_positive: int
    n_negative: int
    direction: str = "<"

    def to_frame(self) -> pd.DataFrame:
        """The curve as a DataFrame (threshold, fpr, tpr, sensitivity, specificity)."""
        return pd.DataFrame(
            {
                "threshold": self.thresholds,
                "fpr": self.fpr,
                "tpr": self.tpr,
                "sensitivity": self.tpr,
                "specificity": 1.0 - self.fpr,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the AUC estimate, its variance, counts and the curve."""
        return {
            "auc": self.auc.to_dict(),
            "variance": self.variance,
            "n_positive": self.n_positive,
            "n_negative": self.n_negative,
            "direction": self.direction,
            "fpr": self.fpr.tolist(),
            "tpr": self.tpr.tolist(),
            "thresholds": [float(t) if math.isfinite(t) else str(t) for t in self.thresholds],
        }

    def plot(self, ax: Any = None, label: str | None = None, color: str | None = None) -> Any:
        """Draw the curve, labelled with its AUC (and CI), over the chance diagonal.

        Calling it again on the same Axes overlays another model, in the next palette colour
        and line style; the diagonal is drawn once.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Axes to draw on; a new styled figure when omitted.
        label : str, optional
            Model name shown in the legend before the AUC.
        color : str, optional
            Line colour; by default the next colour of radiome's palette.

        Returns
        -------
        matplotlib Axes
        """
        from radiome.report.style import LINESTYLES, get_axes
        from radiome.report.style import color as palette_color

        ax = get_axes(ax)
        existing = [ln for ln in ax.get_lines() if ln.get_gid() == "radiome-roc"]
        i = len(existing)
        if not any(ln.get_gid() == "radiome-chance" for ln in ax.get_lines()):
            ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls=":", gid="radiome-chance",
                    label="_chance")
        text = f"AUC {self.auc.format(digits=3)}"
        if label:
            text = f"{label}: {text}"
        # straight segments between the points: a block of tied scores is a diagonal segment,
        # the curve whose trapezoidal area is the AUC (as pROC draws it)
        ax.plot(self.fpr, self.tpr, color=color or palette_color(i),
                ls=LINESTYLES[i % len(LINESTYLES)], lw=1.6, label=text, gid="radiome-roc")
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.set_aspect("equal")
        ax.set_xlabel("1 - specificity (false positive rate)")
        ax.set_ylabel("Sensitivity (true positive rate)")
        ax.legend(loc="lower right", frameon=False)
        return ax


def _curve(y: np.ndarray, s: np.ndarray, direction: str) -> tuple[np.ndarray, ...]:
    """(fpr, tpr, thresholds) at every distinct score, +inf first (scikit-learn's
    ``roc_curve(..., drop_intermediate=False)``, in plain NumPy to skip its validation)."""
    o = _oriented(s, direction)
    order = np.argsort(-o, kind="mergesort")
    so, ys = o[order], y[order]
    last = np.r_[so[1:] != so[:-1], True]
    tp = np.r_[0, np.cumsum(ys)[last]]
    fp = np.r_[0, np.cumsum(~ys)[last]]
    thr = np.r_[np.inf, so[last]]
    if direction == ">":
        thr = -thr
    return fp / fp[-1], tp / tp[-1], thr


def roc_analysis(
    y_true: Any,
    score: Any,
    *,
    pos_label: Any = 1,
    ci: Literal["delong", "bootstrap"] | None = "delong",
    level: float = 0.95,
    n_bootstrap: int = 2000,
    stratified: bool = True,
    random_state: Any = None,
    direction: Literal["<", ">"] = "<",
) -> ROCResult:
    """Empirical ROC curve and AUC with a DeLong or bootstrap confidence interval.

    .. math::

        \\widehat{AUC} = \\frac{1}{mn}\\sum_{i=1}^{m}\\sum_{j=1}^{n}
        \\left[\\mathbb 1(X_i > Y_j) + \\tfrac12 \\mathbb 1(X_i = Y_j)\\right],
        \\qquad
        \\widehat{\\operatorname{Var}} = \\frac{S_{10}}{m} + \\frac{S_{01}}{n}

    with :math:`X` the m case scores, :math:`Y` the n control scores and :math:`S_{10}`,
    :math:`S_{01}` the sample variances of the DeLong placements (:func:`delong_placements`).
    The DeLong interval is :math:`\\widehat{AUC} \\pm z_{1-\\alpha/2}\\sqrt{\\widehat{Var}}`
    truncated to [0, 1], as pROC's ``ci.auc(method="delong")``. The bootstrap interval is the
    percentile interval of the AUC over ``n_bootstrap`` resamples, drawn within cases and
    within controls when ``stratified`` (pROC's ``ci.auc(method="bootstrap")``).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary outcome.
    score : array-like of shape (n_samples,)
        Predicted probability or any score; see ``direction``.
    pos_label : default 1
        Value of ``y_true`` that marks a case (the positive class).
    ci : {"delong", "bootstrap", None}
        Confidence-interval method.
    level : float
        Confidence level.
    n_bootstrap : int
        Bootstrap replicates (``ci="bootstrap"``).
    stratified : bool
        Resample cases and controls separately (``ci="bootstrap"``). Non-stratified
        replicates that lose a class are dropped, as pROC does.
    random_state : int, Generator or None
        Seed of the bootstrap.
    direction : {"<", ">"}
        ``"<"``: higher scores mean positive (controls < cases). Never guessed from the data.

    Returns
    -------
    ROCResult

    Examples
    --------
    >>> r = roc_analysis([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> round(r.auc.value, 2)
    0.75
    """
    y = _binary_outcome(y_true, pos_label)
    s = _scores(score, y.size)
    level = _check_level(level)
    direction = _check_direction(direction)
    if ci not in ("delong", "bootstrap", None):
        raise ConfigError(f"ci must be 'delong', 'bootstrap' or None; got {ci!r}.")
    oriented = _oriented(s, direction)
    pos, neg = oriented[y], oriented[~y]
    auc, v10, v01 = delong_placements(pos, neg)
    variance = float(_delong_cov(v10, v01)[0, 0])
    value = float(auc[0])
    if ci == "delong":
        if math.isfinite(variance):
            half = _z(level) * math.sqrt(variance)
            lo, hi = max(0.0, value - half), min(1.0, value + half)
        else:
            lo = hi = math.nan
        estimate = Estimate(value, lo, hi, level, "delong")
    elif ci == "bootstrap":
        boots = _bootstrap_aucs(pos, neg, _check_n_bootstrap(n_bootstrap), bool(stratified),
                                _rng(random_state))
        lo, hi = _percentile_ci(boots, level)
        estimate = Estimate(value, lo, hi, level, "bootstrap")
    else:
        estimate = Estimate(value, level=level, method="none")
    fpr, tpr, thr = _curve(y, s, direction)
    return ROCResult(fpr, tpr, thr, estimate, variance, int(y.sum()), int((~y).sum()),
                     direction)


# --------------------------------------------------------------------------- DeLong tests
@dataclass(frozen=True, eq=False)
class DeLongTestResult:
    """DeLong's test comparing two AUCs.

    Attributes
    ----------
    auc_a, auc_b : Estimate
        The two AUCs with DeLong confidence intervals.
    difference : Estimate
        ``auc_a - auc_b`` with its confidence interval.
    statistic : float
        Z (paired test) or D (unpaired test; Welch-type t statistic).
    df : float
        Degrees of freedom of D (unpaired test); NaN for the paired test.
    p_value : float
    paired : bool
    alternative : str
        ``"two-sided"``, ``"greater"`` (H1: AUC A > AUC B) or ``"less"``.
    names : tuple of str
        Labels of the two scores.
    roc_a, roc_b : ROCResult
        The two curves, for plotting.
    """

    auc_a: Estimate
    auc_b: Estimate
    difference: Estimate
    statistic: float
    df: float
    p_value: float
    paired: bool
    alternative: str
    names: tuple[str, str]
    roc_a: ROCResult = field(repr=False)
    roc_b: ROCResult = field(repr=False)

    @property
    def method(self) -> str:
        """pROC's name of the test."""
        return ("DeLong's test for two correlated ROC curves" if self.paired
                else "DeLong's test for two ROC curves")

    def summary(self) -> pd.DataFrame:
        """One row per AUC and one for the difference, with the test on the last row."""
        a, b = self.names
        rows = [
            (f"AUC {a}", self.auc_a, math.nan, math.nan),
            (f"AUC {b}", self.auc_b, math.nan, math.nan),
            (f"AUC {a} - AUC {b}", self.difference, self.statistic, self.p_value),
        ]
        return pd.DataFrame(
            {
                "estimate": [r[1].value for r in rows],
                "ci_lower": [r[1].lower for r in rows],
                "ci_upper": [r[1].upper for r in rows],
                "statistic": [r[2] for r in rows],
                "p_value": [r[3] for r in rows],
            },
            index=pd.Index([r[0] for r in rows], name="quantity"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the estimates and the test."""
        return {
            "method": self.method,
            "names": list(self.names),
            "auc_a": self.auc_a.to_dict(),
            "auc_b": self.auc_b.to_dict(),
            "difference": self.difference.to_dict(),
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
            "paired": self.paired,
            "alternative": self.alternative,
        }

    def plot(self, ax: Any = None) -> Any:
        """Overlay the two ROC curves and print the test's p-value in the corner."""
        ax = self.roc_a.plot(ax, label=self.names[0])
        self.roc_b.plot(ax, label=self.names[1])
        p = f"{self.p_value:.3g}" if self.p_value >= 0.001 else "< 0.001"
        p = f"= {p}" if not p.startswith("<") else p
        ax.text(0.98, 0.30, f"DeLong p {p}", ha="right", va="bottom", transform=ax.transAxes,
                fontsize=9)
        return ax


def _check_alternative(alternative: str) -> str:
    if alternative not in _ALTERNATIVES:
        raise ConfigError(f"alternative must be one of {_ALTERNATIVES}; got {alternative!r}.")
    return alternative


def _p_value(stat: float, alternative: str, dist: Any) -> float:
    if math.isnan(stat):
        return math.nan
    if alternative == "two-sided":
        return float(2.0 * dist.cdf(-abs(stat)))
    if alternative == "greater":
        return float(dist.cdf(-stat))
    return float(dist.cdf(stat))


def _auc_estimate(auc: float, var: float, level: float) -> Estimate:
    if not math.isfinite(var):
        return Estimate(auc, level=level, method="delong")
    half = _z(level) * math.sqrt(var)
    return Estimate(auc, max(0.0, auc - half), min(1.0, auc + half), level, "delong")


def delong_test(
    y_true: Any,
    score_a: Any,
    score_b: Any,
    *,
    pos_label: Any = 1,
    level: float = 0.95,
    alternative: Literal["two-sided", "greater", "less"] = "two-sided",
    direction: Literal["<", ">"] = "<",
    names: tuple[str, str] = ("A", "B"),
) -> DeLongTestResult:
    """DeLong's test for two correlated AUCs (two scores on the same cases).

    .. math::

        Z = \\frac{\\hat\\theta_A - \\hat\\theta_B}{\\sqrt{L S L^\\top}}, \\quad
        S = \\frac{S_{10}}{m} + \\frac{S_{01}}{n}, \\quad L = (1, -1)

    with :math:`S_{10}`, :math:`S_{01}` the 2 x 2 sample covariance matrices of the case and
    control placements. The difference's interval is
    :math:`\\hat\\theta_A - \\hat\\theta_B \\pm z_{1-\\alpha/2}\\sqrt{LSL^\\top}` (not truncated),
    as pROC's ``roc.test(method="delong", paired=TRUE)``.

    Parameters
    ----------
    y_true : array-like
        Binary outcome shared by both scores.
    score_a, score_b : array-like
        The two scores of the same cases, in the same order.
    pos_label, level, direction
        As in :func:`roc_analysis`.
    alternative : {"two-sided", "greater", "less"}
        "greater": H1 is AUC A > AUC B.
    names : tuple of two str
        Labels used by :meth:`DeLongTestResult.summary` and the plot.

    Returns
    -------
    DeLongTestResult
    """
    y = _binary_outcome(y_true, pos_label)
    sa = _scores(score_a, y.size, "score_a")
    sb = _scores(score_b, y.size, "score_b")
    level = _check_level(level)
    direction = _check_direction(direction)
    alternative = _check_alternative(alternative)
    both = np.vstack([_oriented(sa, direction), _oriented(sb, direction)])
    auc, v10, v01 = delong_placements(both[:, y], both[:, ~y])
    cov = _delong_cov(v10, v01)
    d = float(auc[0] - auc[1])
    sig = math.sqrt(max(float(cov[0, 0] + cov[1, 1] - cov[0, 1] - cov[1, 0]), 0.0))
    if sig == 0.0 and d == 0.0:
        z = 0.0
    elif sig == 0.0:
        z = math.copysign(math.inf, d)
    else:
        z = d / sig
    p = _p_value(z, alternative, stats.norm)
    half = _z(level) * sig
    diff = Estimate(d, d - half, d + half, level, "delong")
    ra = _roc_from(y, sa, direction, _auc_estimate(float(auc[0]), float(cov[0, 0]), level),
                   float(cov[0, 0]))
    rb = _roc_from(y, sb, direction, _auc_estimate(float(auc[1]), float(cov[1, 1]), level),
                   float(cov[1, 1]))
    return DeLongTestResult(ra.auc, rb.auc, diff, float(z), math.nan, float(p), True,
                            alternative, (str(names[0]), str(names[1])), ra, rb)


def _roc_from(y: np.ndarray, s: np.ndarray, direction: str, auc: Estimate,
              var: float) -> ROCResult:
    fpr, tpr, thr = _curve(y, s, direction)
    return ROCResult(fpr, tpr, thr, auc, var, int(y.sum()), int((~y).sum()), direction)


def delong_test_unpaired(
    y_a: Any,
    score_a: Any,
    y_b: Any,
    score_b: Any,
    *,
    pos_label: Any = 1,
    level: float = 0.95,
    alternative: Literal["two-sided", "greater", "less"] = "two-sided",
    direction: Literal["<", ">"] = "<",
    names: tuple[str, str] = ("A", "B"),
) -> DeLongTestResult:
    """DeLong's test for two AUCs from independent samples (pROC's unpaired test).

    .. math::

        D = \\frac{\\hat\\theta_A - \\hat\\theta_B}{\\sqrt{V_A + V_B}}, \\qquad
        \\nu = \\frac{(V_A + V_B)^2}{V_A^2/(N_A - 1) + V_B^2/(N_B - 1)}

    with :math:`V` each AUC's DeLong variance and :math:`N` each sample's size (cases plus
    controls). The p-value uses Student's t with :math:`\\nu` degrees of freedom, as
    ``roc.test(method="delong", paired=FALSE)``. pROC reports no interval for the difference;
    radiome adds :math:`\\hat\\theta_A - \\hat\\theta_B \\pm t_{\\nu, 1-\\alpha/2}\\sqrt{V_A+V_B}`.

    Parameters
    ----------
    y_a, score_a : array-like
        Outcome and score of the first sample.
    y_b, score_b : array-like
        Outcome and score of the second (independent) sample.
    pos_label, level, alternative, direction, names
        As in :func:`delong_test`.

    Returns
    -------
    DeLongTestResult
        ``statistic`` is D and ``df`` its degrees of freedom.
    """
    level = _check_level(level)
    direction = _check_direction(direction)
    alternative = _check_alternative(alternative)
    ya = _binary_outcome(y_a, pos_label, "y_a")
    yb = _binary_outcome(y_b, pos_label, "y_b")
    sa = _scores(score_a, ya.size, "score_a")
    sb = _scores(score_b, yb.size, "score_b")
    results = []
    for y, s in ((ya, sa), (yb, sb)):
        o = _oriented(s, direction)
        auc, v10, v01 = delong_placements(o[y], o[~y])
        var = float(_delong_cov(v10, v01)[0, 0])
        results.append((float(auc[0]), var, y.size))
    (auc_a, var_a, n_a), (auc_b, var_b, n_b) = results
    se = math.sqrt(var_a + var_b)
    d = auc_a - auc_b
    stat = d / se if se > 0 else (0.0 if d == 0 else math.copysign(math.inf, d))
    denom = var_a**2 / (n_a - 1) + var_b**2 / (n_b - 1)
    df = (var_a + var_b) ** 2 / denom if denom > 0 else math.inf
    dist = stats.t(df) if math.isfinite(df) else stats.norm
    p = _p_value(stat, alternative, dist)
    half = float(dist.ppf(0.5 + level / 2.0)) * se
    diff = Estimate(d, d - half, d + half, level, "delong")
    ra = _roc_from(ya, sa, direction, _auc_estimate(auc_a, var_a, level), var_a)
    rb = _roc_from(yb, sb, direction, _auc_estimate(auc_b, var_b, level), var_b)
    return DeLongTestResult(ra.auc, rb.auc, diff, float(stat), float(df), float(p), False,
                            alternative, (str(names[0]), str(names[1])), ra, rb)
