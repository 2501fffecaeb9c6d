"""Metrics at a decision threshold: sensitivity, specificity, accuracy, PPV, NPV, F1, Youden.

Threshold convention
--------------------
A case is **test-positive when** ``score >= threshold`` (``direction="<"``, higher score =
positive; ``direction=">"``: ``score <= threshold``). :meth:`ThresholdResult.predict` applies
exactly this rule, and it is the rule of pROC's ``coords(x=<number>, input="threshold")``.

The Youden cut-off follows pROC's ``coords(x="best", best.method="youden")``: candidate
thresholds are the midpoints between adjacent distinct scores (pROC's
``roc.utils.thresholds``), so the reported cut-off is usually not an observed score and
``score >= cut-off`` and ``score > cut-off`` classify the observed cases identically. When
several thresholds share the maximal :math:`J`, pROC returns them all; radiome keeps the
lowest (pROC's first row), the one with the highest sensitivity.

Why hand-written
----------------
scikit-learn has the point metrics but no intervals and no Youden cut-off; the binomial
intervals come from :func:`statsmodels.stats.proportion.proportion_confint` (Wilson, Clopper-
Pearson). The bootstrap is vectorised over replicates (one sort per replicate) and, for the
Youden cut-off, re-chooses the cut-off in every replicate (as pROC's ``ci.coords`` does), so
its interval includes the optimism of choosing the cut-off on the same data.

References
----------
Youden WJ (1950). Index for rating diagnostic tests. *Cancer* 3:32-35.

Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
*JASA* 22:209-212.

Robin X, et al. (2011). pROC. *BMC Bioinformatics* 12:77.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from radiome.errors import ConfigError, DataError
from radiome.evaluate.estimate import Estimate
from radiome.evaluate.roc import (
    _binary_outcome,
    _check_direction,
    _check_level,
    _check_n_bootstrap,
    _oriented,
    _percentile_ci,
    _rng,
    _scores,
    _z,
)

__all__ = ["ThresholdResult", "threshold_metrics", "youden_threshold"]

_METRICS = ("sensitivity", "specificity", "accuracy", "ppv", "npv", "f1", "youden")
_BINOMIAL = {"wilson": "wilson", "clopper-pearson": "beta"}


def _midpoint_thresholds(unique_sorted: np.ndarray) -> np.ndarray:
    """pROC's candidate thresholds for direction '<': -inf, midpoints of distinct scores, +inf.

    ``thresholds[i]`` makes positive exactly the scores >= ``unique_sorted[i]``.
    """
    u = unique_sorted
    lo = np.concatenate([[-np.inf], u])
    hi = np.concatenate([u, [np.inf]])
    with np.errstate(invalid="ignore", over="ignore"):
        t1 = (lo + hi) / 2.0
        t2 = lo / 2.0 + hi / 2.0
    t = np.where(np.abs(t1) > 1e100, t2, t1)
    # a midpoint that rounds onto the lower score would make it positive: use the upper one
    inner = np.arange(1, u.size)
    clash = t[inner] == u[inner - 1]
    t[inner[clash]] = u[inner[clash]]
    return t


def _youden_curve(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thresholds, sensitivities and specificities at every pROC candidate threshold ('<')."""
    m = int(y.sum())
    n = y.size - m
    order = np.argsort(-s, kind="mergesort")
    ss, ys = s[order], y[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(~ys)
    last = np.r_[ss[1:] != ss[:-1], True]  # end of each block of tied scores
    se = np.r_[0.0, tp[last] / m]  # descending thresholds: +inf first
    sp = np.r_[1.0, (n - fp[last]) / n]
    u = np.unique(s)
    thr = _midpoint_thresholds(u)[::-1]  # descending, +inf first
    return thr, se, sp


def youden_threshold(
    y_true: Any, score: Any, *, pos_label: Any = 1, direction: Literal["<", ">"] = "<"
) -> float:
    """The cut-off maximising Youden's :math:`J = Se + Sp - 1` (pROC's ``coords("best")``).

    .. math::

        c^* = \\arg\\max_c \\; Se(c) + Sp(c) - 1

    over pROC's candidate thresholds (midpoints between adjacent distinct scores); on ties the
    lowest cut-off is returned. Test-positive means ``score >= c*`` (``direction="<"``).
    """
    y = _binary_outcome(y_true, pos_label)
    s = _scores(score, y.size)
    direction = _check_direction(direction)
    return _youden(y, _oriented(s, direction), direction)[0]


def _youden(y: np.ndarray, oriented: np.ndarray, direction: str) -> tuple[float, float]:
    thr, se, sp = _youden_curve(y, oriented)
    crit = se + 1.0 * sp  # pROC: se + r * sp with r = 1 for best.weights = c(1, 0.5)
    best = np.flatnonzero(crit == crit.max())[-1]  # last in descending order = lowest cut-off
    t = float(thr[best])
    return (t if direction == "<" else -t), float(crit[best] - 1.0)


def _counts(y: np.ndarray, pred: np.ndarray) -> tuple[int, int, int, int]:
    tp = int(np.sum(pred & y))
    fp = int(np.sum(pred & ~y))
    return tp, fp, int(np.sum(~pred & ~y)), int(np.sum(~pred & y))


def _metrics_from_counts(tp: Any, fp: Any, tn: Any, fn: Any) -> dict[str, Any]:
    """Point metrics (vectorised over arrays of counts); NaN where undefined (0/0)."""
    tp, fp, tn, fn = (np.asarray(v, dtype=float) for v in (tp, fp, tn, fn))
    with np.errstate(invalid="ignore", divide="ignore"):
        se = tp / (tp + fn)
        sp = tn / (tn + fp)
        return {
            "sensitivity": se,
            "specificity": sp,
            "accuracy": (tp + tn) / (tp + fp + tn + fn),
            "ppv": tp / (tp + fp),
            "npv": tn / (tn + fn),
            "f1": 2.0 * tp / (2.0 * tp + fp + fn),
            "youden": se + sp - 1.0,
        }


@dataclass(frozen=True, eq=False)
class ThresholdResult:
    """Classification metrics at one cut-off.

    Attributes
    ----------
    threshold : float
        The cut-off; test-positive when ``score >= threshold`` (``direction="<"``) or
        ``score <= threshold`` (``">"``).
    sensitivity, specificity, accuracy, ppv, npv, f1 : Estimate
        Metrics with confidence intervals (binomial for the proportions unless
        ``ci="bootstrap"``; F1 always by bootstrap).
    youden : Estimate
        Youden's J = sensitivity + specificity - 1 (Wald interval, or bootstrap).
    tp, fp, tn, fn : int
        The confusion matrix.
    method : str
        ``"youden"`` (cut-off chosen on these data) or ``"fixed"`` (given by the caller).
    direction : str
    curve : DataFrame
        Sensitivity and specificity at every candidate threshold, for :meth:`plot`.
    """

    threshold: float
    sensitivity: Estimate
    specificity: Estimate
    accuracy: Estimate
    ppv: Estimate
    npv: Estimate
    f1: Estimate
    youden: Estimate
    tp: int
    fp: int
    tn: int
    fn: int
    method: str
    direction: str = "<"
    curve: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def predict(self, score: Any) -> np.ndarray:
        """0/1 predictions with this result's rule (``score >= threshold`` for ``"<"``)."""
        s = _scores(score, int(np.size(score)))
        pred = s >= self.threshold if self.direction == "<" else s <= self.threshold
        return pred.astype(int)

    def summary(self) -> pd.DataFrame:
        """One row per metric: estimate, CI and CI method."""
        rows = {name: getattr(self, name) for name in _METRICS}
        return pd.DataFrame(
            {
                "estimate": [e.value for e in rows.values()],
                "ci_lower": [e.lower for e in rows.values()],
                "ci_upper": [e.upper for e in rows.values()],
                "ci_method": [e.method for e in rows.values()],
            },
            index=pd.Index(list(rows), name="metric"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the cut-off, the metrics and the confusion matrix."""
        out: dict[str, Any] = {
            "threshold": self.threshold,
            "method": self.method,
            "direction": self.direction,
            "confusion": {"tp": self.tp, "fp": self.fp, "tn": self.tn, "fn": self.fn},
        }
        out.update({name: getattr(self, name).to_dict() for name in _METRICS})
        return out

    def plot(self, ax: Any = None) -> Any:
        """Sensitivity and specificity against the threshold, with the cut-off marked."""
        from radiome.report.style import LINESTYLES, color, get_axes

        ax = get_axes(ax, figsize=(5.0, 3.6))
        c = self.curve
        finite = np.isfinite(c["threshold"].to_numpy())
        c = c[finite]
        ax.step(c["threshold"], c["sensitivity"], where="post" if self.direction == "<"
                else "pre", color=color(0), ls=LINESTYLES[0], label="Sensitivity")
        ax.step(c["threshold"], c["specificity"], where="post" if self.direction == "<"
                else "pre", color=color(1), ls=LINESTYLES[1], label="Specificity")
        if math.isfinite(self.threshold):
            ax.axvline(self.threshold, color="0.4", lw=0.8, ls=":")
            ax.annotate(
                f"cut-off {self.threshold:.3g}\nJ = {self.youden.value:.2f}",
                xy=(self.threshold, 1.0), xytext=(4, 0), textcoords="offset points",
                fontsize=8, va="top",
            )
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("Threshold (score)")
        ax.set_ylabel("Proportion")
        ax.legend(frameon=False, loc="lower left")
        return ax


def _binomial_ci(k: int, n: int, level: float, method: str) -> tuple[float, float]:
    from statsmodels.stats.proportion import proportion_confint

    if n == 0:
        return math.nan, math.nan
    lo, hi = proportion_confint(k, n, alpha=1.0 - level, method=_BINOMIAL[method])
    return float(lo), float(hi)


def _bootstrap_metrics(
    y: np.ndarray,
    s: np.ndarray,
    threshold: float | None,
    n_bootstrap: int,
    stratified: bool,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Metrics over bootstrap replicates; ``threshold=None`` re-picks the Youden cut-off."""
    pos_idx, neg_idx = np.flatnonzero(y), np.flatnonzero(~y)
    m, n = pos_idx.size, neg_idx.size
    total = m + n
    chunk = max(1, int(1_000_000 // total))
    out = {k: np.empty(n_bootstrap) for k in _METRICS}
    for start in range(0, n_bootstrap, chunk):
        b = min(chunk, n_bootstrap - start)
        if stratified:
            idx = np.concatenate([pos_idx[rng.integers(0, m, (b, m))],
                                  neg_idx[rng.integers(0, n, (b, n))]], axis=1)
        else:
            idx = rng.integers(0, total, (b, total))
        yb, sb = y[idx], s[idx]
        mb = yb.sum(axis=1)
        nb = total - mb
        if threshold is not None:
            pred = sb >= threshold
            tp = (pred & yb).sum(axis=1)
            fp = (pred & ~yb).sum(axis=1)
        else:
            order = np.argsort(-sb, axis=1, kind="stable")
            ss = np.take_along_axis(sb, order, axis=1)
            ys = np.take_along_axis(yb, order, axis=1)
            ctp = np.cumsum(ys, axis=1)
            cfp = np.cumsum(~ys, axis=1)
            last = np.concatenate([ss[:, 1:] != ss[:, :-1], np.ones((b, 1), bool)], axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                crit = ctp / mb[:, None] + (nb[:, None] - cfp) / nb[:, None]
            crit = np.where(last, crit, -np.inf)
            # ties: the lowest cut-off (the all-positive one, criterion 1, is always a candidate
            # and beats the all-negative one, also 1, as in the point estimate)
            best = total - 1 - np.argmax(crit[:, ::-1], axis=1)
            rows = np.arange(b)
            tp = ctp[rows, best]
            fp = cfp[rows, best]
        fn = mb - tp
        tn = nb - fp
        vals = _metrics_from_counts(tp, fp, tn, fn)
        bad = (mb == 0) | (nb == 0)
        for k in _METRICS:
            v = vals[k]
            v[bad] = np.nan
            out[k][start : start + b] = v
    return out


def threshold_metrics(
    y_true: Any,
    score: Any,
    *,
    threshold: Literal["youden"] | float = "youden",
    pos_label: Any = 1,
    ci: Literal["wilson", "clopper-pearson", "bootstrap"] | None = "wilson",
    level: float = 0.95,
    n_bootstrap: int = 2000,
    stratified: bool = True,
    random_state: Any = None,
    direction: Literal["<", ">"] = "<",
) -> ThresholdResult:
    """Sensitivity, specificity, accuracy, PPV, NPV, F1 and Youden's J at a cut-off.

    .. math::

        Se = \\frac{TP}{TP + FN},\\; Sp = \\frac{TN}{TN + FP},\\;
        PPV = \\frac{TP}{TP + FP},\\; NPV = \\frac{TN}{TN + FN},\\;
        F_1 = \\frac{2TP}{2TP + FP + FN},\\; J = Se + Sp - 1

    Parameters
    ----------
    y_true : array-like
        Binary outcome.
    score : array-like
        Predicted probability or score.
    threshold : "youden" or float
        ``"youden"``: the cut-off maximising J (:func:`youden_threshold`, pROC's
        ``coords(x="best", best.method="youden")``); a number: a fixed cut-off.
    pos_label : default 1
        Value of ``y_true`` marking a case.
    ci : {"wilson", "clopper-pearson", "bootstrap", None}
        Interval for the proportions (Se, Sp, accuracy, PPV, NPV). Binomial intervals treat
        the cut-off as fixed; J then gets the Wald interval
        :math:`J \\pm z\\sqrt{Se(1-Se)/m + Sp(1-Sp)/n}`. F1 always gets a bootstrap interval
        (``None`` turns every interval off). With ``"bootstrap"`` and ``threshold="youden"``
        the cut-off is re-chosen in each replicate.
    level : float
        Confidence level.
    n_bootstrap, stratified, random_state
        Bootstrap replicates, resampling within classes, seed.
    direction : {"<", ">"}
        ``"<"``: higher score = positive (test-positive when ``score >= threshold``).

    Returns
    -------
    ThresholdResult

    Examples
    --------
    >>> r = threshold_metrics([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9], ci=None)
    >>> r.threshold, r.sensitivity.value, round(r.specificity.value, 3)
    (0.275, 1.0, 0.667)
    >>> r.predict([0.2, 0.275, 0.3]).tolist()
    [0, 1, 1]
    """
    y = _binary_outcome(y_true, pos_label)
    s = _scores(score, y.size)
    level = _check_level(level)
    direction = _check_direction(direction)
    if ci not in ("wilson", "clopper-pearson", "bootstrap", None):
        raise ConfigError(
            f"ci must be 'wilson', 'clopper-pearson', 'bootstrap' or None; got {ci!r}."
        )
    o = _oriented(s, direction)
    if isinstance(threshold, str):
        if threshold != "youden":
            raise ConfigError(f"threshold must be 'youden' or a number; got {threshold!r}.")
        cut, _ = _youden(y, o, direction)
        method = "youden"
    else:
        try:
            cut = float(threshold)
        except (TypeError, ValueError):
            raise ConfigError(f"threshold must be 'youden' or a number; got {threshold!r}.") \
                from None
        if math.isnan(cut):
            raise ConfigError("threshold is NaN; pass 'youden' or a finite number.")
        method = "fixed"
    o_cut = cut if direction == "<" else -cut
    tp, fp, tn, fn = _counts(y, o >= o_cut)
    point = {k: float(v) for k, v in _metrics_from_counts(tp, fp, tn, fn).items()}

    intervals: dict[str, tuple[float, float, str]] = {}
    if ci is not None:
        boot = _bootstrap_metrics(
            y, o, None if method == "youden" else o_cut, _check_n_bootstrap(n_bootstrap),
            bool(stratified), _rng(random_state))
        for k in _METRICS:
            if ci == "bootstrap" or k == "f1":
                intervals[k] = (*_percentile_ci(boot[k], level), "bootstrap")
        if ci != "bootstrap":
            for k, (num, den) in {"sensitivity": (tp, tp + fn), "specificity": (tn, tn + fp),
                                  "accuracy": (tp + tn, y.size), "ppv": (tp, tp + fp),
                                  "npv": (tn, tn + fn)}.items():
                intervals[k] = (*_binomial_ci(num, den, level, ci), ci)
            se, sp = point["sensitivity"], point["specificity"]
            half = _z(level) * math.sqrt(se * (1 - se) / (tp + fn) + sp * (1 - sp) / (tn + fp))
            intervals["youden"] = (max(-1.0, point["youden"] - half),
                                   min(1.0, point["youden"] + half), "wald")
    est = {
        k: Estimate(point[k], *intervals[k][:2], level, intervals[k][2]) if k in intervals
        else Estimate(point[k], level=level)
        for k in _METRICS
    }
    thr, se_c, sp_c = _youden_curve(y, o)
    curve = pd.DataFrame({"threshold": thr if direction == "<" else -thr,
                          "sensitivity": se_c, "specificity": sp_c})
    if not (y.sum() and (~y).sum()):  # pragma: no cover - _binary_outcome guarantees both
        raise DataError("y_true must contain both classes.")
    return ThresholdResult(cut, est["sensitivity"], est["specificity"], est["accuracy"],
                           est["ppv"], est["npv"], est["f1"], est["youden"], tp, fp, tn, fn,
                           method, direction, curve)
