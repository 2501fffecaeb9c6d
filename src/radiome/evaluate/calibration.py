"""Calibration of predicted probabilities: curves, metrics, Hosmer-Lemeshow, rms::calibrate.

* :func:`calibration_curve` - observed event rate against predicted probability, smoothed
  (R's ``lowess(p, y, iter = 0)``, as ``rms::val.prob``) or binned (Wilson intervals).
* :func:`calibration_metrics` - calibration-in-the-large, recalibration intercept and slope,
  Brier and scaled Brier scores, Emax/Eavg/E90: ``rms::val.prob``'s values to 1e-6.
* :func:`hosmer_lemeshow` - with ``ResourceSelection::hoslem.test``'s grouping.
* :func:`bootstrap_calibration` - ``rms::calibrate(fit, method = "boot")`` for a binary
  outcome, refitting any scikit-learn classifier in each resample.
* :func:`lowess` - R's ``stats::lowess`` (Cleveland's ``clowess``), on which the rest stand.

Why hand-written: statsmodels' ``lowess`` is not R's. On small or tied samples it gives other
fits (0.5 apart on tests/reference/r/rms/lowess.csv's ``tiny`` case, 5e-7 on its ``wide``
case), while ``rms`` smooths with R's ``clowess``. :func:`lowess` follows the published
algorithm (Cleveland 1979, 1981: tricube weights over the ``floor(f n)`` nearest neighbours,
a local line only when the weighted spread of ``x`` exceeds 0.001 of its range, linear
interpolation between fits closer than ``delta``, ties sharing one fit, bisquare robustness
weights from six median absolute residuals), vectorised over the fitted points, and matches R
to about 1e-14. The logistic fits use statsmodels' GLM.

References
----------
Cleveland WS (1979). Robust locally weighted regression and smoothing scatterplots. *JASA*
74:829-836. Harrell FE (2015). *Regression Modeling Strategies*, 2nd ed., Springer, 10.11.
Austin PC, Steyerberg EW (2019). The Integrated Calibration Index (ICI) and related metrics
for quantifying the calibration of logistic regression models. *Stat Med* 38:4051-4065.
Hosmer DW, Lemeshow S (1980). Goodness of fit tests for the multiple logistic regression
model. *Commun Stat Theory Methods* 9:1043-1069.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from radiome.errors import ConfigError, ConvergenceError, DataError, RadiomeError
from radiome.evaluate.estimate import Estimate

__all__ = ["lowess", "CalibrationCurve", "calibration_curve", "CalibrationMetrics",
           "calibration_metrics", "HosmerLemeshowResult", "hosmer_lemeshow",
           "BootstrapCalibration", "bootstrap_calibration"]

Smoother = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


# --------------------------------------------------------------------------- validation
def _outcome(y: Any, pos_label: Any, name: str = "y_true") -> np.ndarray:
    """0/1 float array from a binary outcome; raise DataError when unusable."""
    arr = np.asarray(y)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1 or arr.size == 0:
        raise DataError(f"{name} must be a non-empty one-dimensional array; got shape {arr.shape}.")
    if pd.isna(arr).any():
        raise DataError(f"{name} contains {int(pd.isna(arr).sum())} missing value(s); drop those cases.")
    labels = sorted(pd.unique(arr).tolist(), key=str)
    if len(labels) > 2:
        raise DataError(f"{name} must be binary; found {len(labels)} distinct values {labels[:5]}...")
    if len(labels) == 2 and not any(lab == pos_label for lab in labels):
        raise DataError(f"pos_label={pos_label!r} is not in {name} (values {labels}); set pos_label.")
    return np.asarray(arr == pos_label, dtype=float)


def _probabilities(prob: Any, n: int, name: str = "prob") -> np.ndarray:
    try:
        arr = np.asarray(prob, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric; could not convert it ({exc}).") from None
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1 or arr.size != n:
        raise DataError(f"{name} has shape {arr.shape} but the outcome has {n} values; pass one per case.")
    if not np.isfinite(arr).all():
        raise DataError(f"{name} contains {int((~np.isfinite(arr)).sum())} NaN/inf value(s).")
    if (arr < 0).any() or (arr > 1).any():
        raise DataError(f"{name} must lie in [0, 1] (got {arr.min():.4g} to {arr.max():.4g}); pass "
                        "probabilities such as predict_proba(X)[:, 1], not scores.")
    return arr


def _both_classes(y: np.ndarray, name: str = "y_true") -> None:
    k = int(y.sum())
    if k == 0 or k == y.size:
        raise DataError(f"{name} has a single class ({k} events of {y.size}); calibration needs both.")


def _check_level(level: float) -> float:
    if not isinstance(level, (int, float)) or not 0.0 < float(level) < 1.0:
        raise ConfigError(f"level must be a number in (0, 1), for example 0.95; got {level!r}.")
    return float(level)


# --------------------------------------------------------------------------- R's lowess
def _fit_points(x: list[float], ns: int, delta: float) -> tuple[list[int], list[int], list[int]]:
    """clowess's sequence of fitted indices with their neighbourhood [nleft, nright]."""
    n = len(x)
    fits: list[int] = []
    lefts: list[int] = []
    rights: list[int] = []
    nleft, nright, i = 0, ns - 1, 0
    while True:
        while nright < n - 1 and x[i] - x[nleft] > x[nright + 1] - x[i]:
            nleft += 1
            nright += 1
        fits.append(i)
        lefts.append(nleft)
        rights.append(nright)
        last = max(i, bisect.bisect_right(x, x[i]) - 1)  # ties share the fit at x[i]
        nxt = bisect.bisect_right(x, x[i] + delta)  # first point beyond x[i] + delta
        i = max(last + 1, nxt - 1)
        if last >= n - 1:
            return fits, lefts, rights


def _local_fits(
    x: np.ndarray, y: np.ndarray, fits: np.ndarray, lefts: np.ndarray, rights: np.ndarray,
    rw: np.ndarray | None,
) -> np.ndarray:
    """Weighted local-line fits at ``x[fits]`` (vectorised ``lowest``); NaN where no weight."""
    n = x.size
    span = x[-1] - x[0]
    out = np.empty(fits.size)
    cols = np.arange(n)
    chunk = max(1, 2_000_000 // n)
    for start in range(0, fits.size, chunk):
        sl = slice(start, start + chunk)
        xs = x[fits[sl]][:, None]
        h = np.maximum(xs[:, 0] - x[lefts[sl]], x[rights[sl]] - xs[:, 0])[:, None]
        r = np.abs(x[None, :] - xs)
        keep = (cols[None, :] >= lefts[sl][:, None]) & (r <= 0.999 * h)
        with np.errstate(all="ignore"):  # masked where h = 0 or r > h
            u = r / h
            t = 1.0 - u * u * u
            w = np.where(keep, np.where(r <= 0.001 * h, 1.0, t * t * t), 0.0)
        if rw is not None:
            w = w * rw[None, :]
        a = w.sum(axis=1)
        ok = a > 0.0
        w[ok] /= a[ok, None]
        abar = w @ x
        dev = x[None, :] - abar[:, None]
        c = np.einsum("ij,ij->i", w, dev * dev)
        slope = (h[:, 0] > 0.0) & (np.sqrt(c) > 0.001 * span) & ok
        if slope.any():
            b = (xs[slope, 0] - abar[slope]) / c[slope]
            w[slope] *= b[:, None] * dev[slope] + 1.0
        fitted = w @ y
        fitted[~ok] = np.nan
        out[sl] = fitted
    return out


def lowess(
    x: Any, y: Any, *, frac: float = 2.0 / 3.0, iter: int = 3, delta: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """R's ``stats::lowess``: locally weighted linear smoothing (Cleveland's clowess).

    At each fitted point :math:`x_i` the ``k = max(2, floor(f n + 1e-7))`` nearest neighbours
    get tricube weights

    .. math:: w_j = \\left(1 - \\left(|x_j - x_i| / h_i\\right)^3\\right)^3,

    :math:`h_i` the distance to the farthest of them, and a weighted straight line gives the
    fitted value. Points closer than ``delta`` to the last fit are linearly interpolated;
    ``iter`` robustness passes reweight by the bisquare of the residuals over six median
    absolute residuals. ``rms::calibrate`` and ``rms::val.prob`` use ``iter = 0``.

    Parameters
    ----------
    x, y
        Data (same length, finite).
    frac
        Smoother span ``f``: the fraction of points in each neighbourhood (R's default 2/3).
    iter
        Number of robustness iterations (R's default 3).
    delta
        Interpolation distance; ``None`` means R's default ``0.01 * diff(range(x))``.

    Returns
    -------
    (x_sorted, fitted)
        ``x`` sorted increasingly (ties kept) and the smoothed values, as R returns them.

    Notes
    -----
    Matches R 4.2's ``lowess`` to about 1e-14 (tests/reference/r/rms/lowess.csv).

    Examples
    --------
    >>> xs, ys = lowess([1, 2, 3, 4, 5], [2, 4, 5, 4, 6], iter=0)
    >>> xs.tolist()
    [1.0, 2.0, 3.0, 4.0, 5.0]
    """
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    if xa.size != ya.size:
        raise DataError(f"x and y must have the same length; got {xa.size} and {ya.size}.")
    if not (np.isfinite(xa).all() and np.isfinite(ya).all()):
        raise DataError("x and y must be finite; remove NaN/inf values before smoothing.")
    if not 0.0 < frac <= 1.0 or int(iter) < 0:
        raise ConfigError(f"frac must lie in (0, 1] and iter be >= 0; got {frac!r}, {iter!r}.")
    order = np.argsort(xa, kind="stable")
    xs, ys = xa[order], ya[order]
    n = xs.size
    if n < 2:
        return xs, ys.copy()
    if delta is None:
        delta = 0.01 * (xs[-1] - xs[0])
    ns = max(2, min(n, int(frac * n + 1e-7)))
    fits, lefts, rights = (np.asarray(v) for v in _fit_points(xs.tolist(), ns, float(delta)))
    xfit = xs[fits]
    rw: np.ndarray | None = None
    fitted = ys
    for step in range(int(iter) + 1):
        yfit = _local_fits(xs, ys, fits, lefts, rights, rw)
        bad = np.isnan(yfit)
        yfit[bad] = ys[fits[bad]]
        fitted = np.interp(xs, xfit, yfit)
        fitted[fits] = yfit
        if step == int(iter):
            break
        res = np.abs(ys - fitted)
        cmad = 6.0 * float(np.median(res))
        if cmad < 1e-7 * float(res.mean()):
            break
        bisq = (1 - (res / cmad) ** 2) ** 2
        rw = np.where(res <= 0.001 * cmad, 1.0, np.where(res <= 0.999 * cmad, bisq, 0.0))
    return xs, fitted


def _approx(x: np.ndarray, y: np.ndarray, xout: np.ndarray, ties: str = "mean") -> np.ndarray:
    """R's ``approx(x, y, xout, rule = 1)``: linear interpolation, NaN outside the range.

    Tied ``x`` values are collapsed first (``ties="mean"`` averages their ``y``,
    ``"first"`` keeps the first in ``x`` order, R's ``ties = function(z) z[1]``).
    """
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    ux, start, counts = np.unique(xs, return_index=True, return_counts=True)
    uy = np.add.reduceat(ys, start) / counts if ties == "mean" else ys[start]
    out = np.interp(xout, ux, uy)
    out[(xout < ux[0]) | (xout > ux[-1])] = np.nan
    return out


# --------------------------------------------------------------------------- curve
@dataclass(frozen=True, eq=False)
class CalibrationCurve:
    """Observed against predicted risk.

    Attributes
    ----------
    method
        ``"loess"`` (R's ``lowess(p, y, iter = 0)``) or ``"binned"``.
    predicted
        x of the curve: the sorted distinct predictions (loess) or each bin's mean prediction.
    observed
        y of the curve: the smoothed event rate (loess) or each bin's observed event rate.
    lower, upper
        Wilson confidence limits of each bin's event rate (NaN for loess).
    counts
        Cases per bin (loess: cases at each distinct prediction).
    prob
        The predictions themselves, drawn as a rug/histogram.
    level
        Confidence level of the bin intervals.
    """

    method: str
    predicted: np.ndarray
    observed: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    counts: np.ndarray
    prob: np.ndarray
    level: float = 0.95

    def to_frame(self) -> pd.DataFrame:
        """One row per curve point: predicted, observed, lower, upper, n."""
        return pd.DataFrame({"predicted": self.predicted, "observed": self.observed,
                             "lower": self.lower, "upper": self.upper, "n": self.counts})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"method": self.method, "level": self.level,
                "points": self.to_frame().replace({np.nan: None}).to_dict(orient="list")}

    def plot(self, ax: Any = None, *, label: str | None = None, rug: bool = True) -> Any:
        """Ideal diagonal, the curve (points with intervals when binned) and a histogram of
        the predictions along the bottom; returns the Axes."""
        from radiome.report.style import color, get_axes

        ax = get_axes(ax)
        _ideal(ax)
        lab = label or ("Smoothed (lowess)" if self.method == "loess" else "Grouped")
        if self.method == "loess":
            ax.plot(self.predicted, self.observed, color=color(0), lw=1.6, label=lab)
        else:
            err = np.vstack([self.observed - self.lower, self.upper - self.observed])
            ax.errorbar(self.predicted, self.observed, yerr=err, fmt="o", ms=4, color=color(1),
                        capsize=2, lw=1, label=lab)
        _histogram_rug(ax, self.prob) if rug else None
        _finish_axes(ax)
        return ax


def _ideal(ax: Any) -> None:
    if not any(line.get_label() == "Ideal" for line in ax.lines):
        ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="Ideal")


def _histogram_rug(ax: Any, prob: np.ndarray) -> None:
    counts, edges = np.histogram(prob, bins=100, range=(0.0, 1.0))
    if counts.max() > 0:
        heights = 0.08 * counts / counts.max()
        keep = counts > 0
        ax.vlines(edges[:-1][keep], 0.0, heights[keep], color="0.35", lw=0.8)


def _finish_axes(ax: Any) -> None:
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("Predicted probability")
    ax.set_ylabel("Observed proportion")
    ax.legend(loc="upper left", frameon=False)


def _risk_groups(prob: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Index of the right-closed interval ``(e_k, e_k+1]`` holding each prediction, the lowest
    interval closed on the left too (R's ``cut(..., include.lowest = TRUE)``)."""
    g = np.searchsorted(edges, prob, side="left") - 1
    return np.clip(g, 0, edges.size - 2)


def _quantile_edges(prob: np.ndarray, g: int) -> np.ndarray:
    """``unique(quantile(p, seq(0, 1, 1/g)))`` with R's default type 7 quantiles."""
    return np.unique(np.quantile(prob, np.linspace(0.0, 1.0, g + 1)))


def calibration_curve(
    y_true: Any,
    prob: Any,
    *,
    method: Literal["loess", "binned"] = "loess",
    n_bins: int = 10,
    strategy: Literal["quantile", "uniform"] = "quantile",
    frac: float = 2.0 / 3.0,
    pos_label: Any = 1,
    level: float = 0.95,
) -> CalibrationCurve:
    """Calibration curve: observed event rate against predicted probability.

    ``method="loess"`` smooths the outcome on the prediction with R's
    ``lowess(p, y, f = frac, iter = 0)`` (the "Nonparametric" curve of ``rms::val.prob``).
    ``method="binned"`` groups the cases into ``n_bins`` bins of the prediction (quantile
    bins, :math:`(q_{k-1}, q_k]` with R's type-7 quantiles, duplicated edges merged, as the
    Hosmer-Lemeshow groups; or equal-width bins on [0, 1]) and gives each bin's mean
    prediction, event rate :math:`\\bar y_k` and Wilson interval.

    Parameters
    ----------
    y_true
        Binary outcome.
    prob
        Predicted probability of ``pos_label``.
    method, n_bins, strategy, frac
        See above.
    pos_label
        The event label in ``y_true``.
    level
        Confidence level of the bin intervals.

    Examples
    --------
    >>> curve = calibration_curve([0, 0, 1, 1, 0, 1], [.1, .3, .6, .8, .4, .7], method="binned",
    ...                           n_bins=2)
    >>> curve.counts.tolist()
    [3, 3]
    """
    level = _check_level(level)
    y = _outcome(y_true, pos_label)
    p = _probabilities(prob, y.size)
    if method == "loess":
        xs, ys = lowess(p, y, frac=frac, iter=0)
        ux, start, counts = np.unique(xs, return_index=True, return_counts=True)
        nan = np.full(ux.size, np.nan)
        return CalibrationCurve("loess", ux, ys[start], nan, nan.copy(), counts, p, level)
    if method != "binned":
        raise ConfigError(f"method must be 'loess' or 'binned'; got {method!r}.")
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ConfigError(f"n_bins must be a positive integer; got {n_bins!r}.")
    if strategy == "quantile":
        edges = _quantile_edges(p, int(n_bins))
        if edges.size < 2:
            edges = np.array([p[0], p[0]])
    elif strategy == "uniform":
        edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    else:
        raise ConfigError(f"strategy must be 'quantile' or 'uniform'; got {strategy!r}.")
    groups = _risk_groups(p, edges)
    counts = np.bincount(groups, minlength=edges.size - 1)
    keep = counts > 0
    events = np.bincount(groups, weights=y, minlength=edges.size - 1)[keep]
    mean_p = (np.bincount(groups, weights=p, minlength=edges.size - 1)[keep]) / counts[keep]
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(events, counts[keep], alpha=1 - level, method="wilson")
    return CalibrationCurve("binned", mean_p, events / counts[keep], np.asarray(lo, float),
                            np.asarray(hi, float), counts[keep], p, level)


# --------------------------------------------------------------------------- metrics
@dataclass(frozen=True)
class CalibrationMetrics:
    """Summary measures of calibration (:func:`calibration_metrics`).

    Attributes
    ----------
    citl
        Calibration-in-the-large: intercept of the logistic model with the logit of the
        prediction as offset (slope fixed at 1); 0 when the mean risk is right.
    intercept, slope
        Logistic recalibration ``logit P(y=1) = a + b logit(p)`` (``val.prob``'s
        ``Intercept`` and ``Slope``); ideal 0 and 1.
    brier
        Mean squared error of the probabilities.
    scaled_brier
        ``1 - Brier / (ybar (1 - ybar))``: 1 is perfect, 0 no better than the prevalence.
    emax, eavg, e90
        Maximum, mean and 90th percentile of :math:`|p_i - \\hat c(p_i)|`, :math:`\\hat c` the
        lowess calibration curve (``Eavg`` is the integrated calibration index, ICI).
    n, n_events
        Cases and events used; ``n_excluded`` predictions of exactly 0 or 1 are left out of
        the logistic fits (as ``val.prob`` does).
    """

    citl: Estimate
    intercept: Estimate
    slope: Estimate
    brier: float
    scaled_brier: float
    emax: float
    eavg: float
    e90: float
    n: int
    n_events: int
    n_excluded: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out: dict[str, Any] = {}
        for key, val in self.__dict__.items():
            out[key] = val.to_dict() if isinstance(val, Estimate) else val
        return out

    def summary(self) -> pd.DataFrame:
        """One row per measure: value, lower, upper."""
        rows = []
        for key, val in self.__dict__.items():
            if isinstance(val, Estimate):
                rows.append((key, val.value, val.lower, val.upper))
            else:
                rows.append((key, float(val), math.nan, math.nan))
        return pd.DataFrame(rows, columns=["measure", "value", "lower", "upper"]).set_index("measure")


def _glm_logit(y: np.ndarray, exog: np.ndarray, offset: np.ndarray | None) -> Any:
    import warnings

    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            res = sm.GLM(y, exog, family=sm.families.Binomial(), offset=offset).fit(tol=1e-13, maxiter=200)
        except PerfectSeparationWarning:
            res = None
    if res is None or not np.isfinite(res.params).all():
        raise ConvergenceError(
            "logistic recalibration did not converge: the predictions separate the outcome "
            "perfectly; calibration intercept and slope are not defined for these data."
        )
    return res


def calibration_metrics(
    y_true: Any, prob: Any, *, pos_label: Any = 1, level: float = 0.95
) -> CalibrationMetrics:
    """Calibration-in-the-large, calibration slope and intercept, Brier, Emax/Eavg/E90.

    With :math:`\\ell_i = \\mathrm{logit}(p_i)`:

    .. math::

        \\mathrm{logit}\\,P(y_i=1) = \\alpha + \\ell_i \\quad (\\text{CITL } \\alpha), \\qquad
        \\mathrm{logit}\\,P(y_i=1) = a + b\\,\\ell_i \\quad (\\text{intercept } a,
        \\text{ slope } b),

        \\mathrm{Brier} = \\frac1n \\sum_i (p_i - y_i)^2, \\qquad
        E_i = |p_i - \\hat c(p_i)|,

    :math:`\\hat c` = R's ``lowess(p, y, iter = 0)`` interpolated at each :math:`p_i`
    (``approx(ties = mean)``). ``Intercept``, ``Slope``, ``Brier``, ``Emax``, ``Eavg`` and
    ``E90`` equal ``rms::val.prob``'s to 1e-6; the intervals are Wald intervals of the
    maximum-likelihood fits.

    Examples
    --------
    >>> m = calibration_metrics([0, 1, 0, 1, 1, 0, 0, 1], [.2, .7, .6, .3, .9, .4, .1, .5])
    >>> round(m.brier, 4)
    0.1762
    """
    level = _check_level(level)
    y = _outcome(y_true, pos_label)
    p = _probabilities(prob, y.size)
    _both_classes(y)
    z = stats.norm.ppf(0.5 + level / 2)
    finite = (p > 0) & (p < 1)
    yl, lp = y[finite], np.log(p[finite] / (1 - p[finite]))
    if yl.size < 3 or yl.sum() in (0, yl.size):
        raise DataError("too few predictions strictly between 0 and 1 for logistic recalibration.")

    def est(res: Any, k: int) -> Estimate:
        v, se = float(res.params[k]), float(res.bse[k])
        return Estimate(v, float(v - z * se), float(v + z * se), level, "wald")

    citl = _glm_logit(yl, np.ones((yl.size, 1)), lp)
    recal = _glm_logit(yl, np.column_stack([np.ones(yl.size), lp]), None)
    brier = float(np.mean((p - y) ** 2))
    ybar = float(y.mean())
    xs, ys = lowess(p, y, iter=0)
    err = np.abs(p - _approx(xs, ys, p, ties="mean"))
    return CalibrationMetrics(
        citl=est(citl, 0), intercept=est(recal, 0), slope=est(recal, 1), brier=brier,
        scaled_brier=1.0 - brier / (ybar * (1.0 - ybar)), emax=float(err.max()),
        eavg=float(err.mean()), e90=float(np.quantile(err, 0.9)), n=int(y.size),
        n_events=int(y.sum()), n_excluded=int((~finite).sum()),
    )


# --------------------------------------------------------------------------- Hosmer-Lemeshow
@dataclass(frozen=True, eq=False)
class HosmerLemeshowResult:
    """Hosmer-Lemeshow goodness-of-fit test.

    Attributes
    ----------
    statistic
        :math:`\\hat C = \\sum_k (O_k - E_k)^2/E_k + (n_k - O_k - (n_k - E_k))^2/(n_k - E_k)`.
    df
        Number of non-empty risk groups minus 2.
    p_value
        Upper tail of :math:`\\chi^2_{df}`.
    g
        Groups asked for.
    table
        Per group: n, observed events, expected events, mean predicted probability.
    """

    statistic: float
    df: int
    p_value: float
    g: int
    table: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the table as a list of records)."""
        return {"statistic": self.statistic, "df": self.df, "p_value": self.p_value, "g": self.g,
                "table": self.table.to_dict(orient="records")}

    def summary(self) -> pd.DataFrame:
        """The per-group table."""
        return self.table.copy()


def hosmer_lemeshow(y_true: Any, prob: Any, g: int = 10, *, pos_label: Any = 1) -> HosmerLemeshowResult:
    """Hosmer-Lemeshow test over ``g`` groups ("deciles of risk" for ``g = 10``).

    Grouping rule (that of ``ResourceSelection::hoslem.test``): the break points are the
    ``unique`` type-7 quantiles of the predictions at ``0, 1/g, ..., 1``; group ``k`` holds the
    predictions in :math:`(q_{k-1}, q_k]`, the first group also :math:`q_0`. With tied
    predictions fewer than ``g`` groups may result; the degrees of freedom are then the number
    of groups minus 2 (recent ResourceSelection versions do the same).

    .. math:: \\hat C = \\sum_{k=1}^{G} \\left[\\frac{(O_k - E_k)^2}{E_k} +
              \\frac{(O_k - E_k)^2}{n_k - E_k}\\right] \\sim \\chi^2_{G-2},

    :math:`O_k` the events and :math:`E_k = \\sum_{i \\in k} p_i` the expected events.

    Examples
    --------
    >>> r = hosmer_lemeshow([0, 1, 0, 1, 1, 0, 0, 1, 0, 1], [.1, .9, .2, .7, .6, .4, .3, .8, .2, .5],
    ...                     g=5)
    >>> r.df
    3
    """
    y = _outcome(y_true, pos_label)
    p = _probabilities(prob, y.size)
    if not isinstance(g, (int, np.integer)) or g < 3:
        raise ConfigError(f"g must be an integer >= 3 (at least 3 risk groups); got {g!r}.")
    edges = _quantile_edges(p, int(g))
    if edges.size < 3:
        raise DataError("the predictions take too few distinct values to form 3 risk groups.")
    groups = _risk_groups(p, edges)
    k = edges.size - 1
    n_k = np.bincount(groups, minlength=k).astype(float)
    keep = n_k > 0
    o_k = np.bincount(groups, weights=y, minlength=k)[keep]
    e_k = np.bincount(groups, weights=p, minlength=k)[keep]
    n_k = n_k[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = float(np.sum((o_k - e_k) ** 2 / e_k + (o_k - e_k) ** 2 / (n_k - e_k)))
    df = int(keep.sum()) - 2
    table = pd.DataFrame({"group": np.arange(1, df + 3), "n": n_k.astype(int), "observed": o_k,
                          "expected": e_k, "mean_predicted": e_k / n_k})
    return HosmerLemeshowResult(stat, df, float(stats.chi2.sf(stat, df)), int(g), table)


# --------------------------------------------------------------------------- rms::calibrate
@dataclass(frozen=True, eq=False)
class BootstrapCalibration:
    """Bootstrap optimism-corrected calibration curve (``rms::calibrate``, ``method="boot"``).

    Attributes
    ----------
    predy
        Grid of predicted probabilities where the curves are evaluated.
    apparent
        Curve of the model fitted on all the data, on all the data (``calibrated.orig``).
    optimism
        Mean over resamples of (curve on the bootstrap sample - curve on the original data).
    corrected
        ``apparent - optimism`` (``calibrated.corrected``).
    n_used
        Resamples contributing at each grid point (where both curves are defined).
    predicted
        Apparent predicted probability of each case.
    mean_absolute_error, mean_squared_error, q90_absolute_error
        Of ``predicted - corrected(predicted)`` over the cases inside the grid, as
        ``print.calibrate`` reports them.
    B, n_failed
        Resamples asked for and resamples whose fit failed (skipped, as ``rms`` does).
    """

    predy: np.ndarray
    apparent: np.ndarray
    optimism: np.ndarray
    corrected: np.ndarray
    n_used: np.ndarray
    predicted: np.ndarray
    mean_absolute_error: float
    mean_squared_error: float
    q90_absolute_error: float
    B: int
    n_failed: int

    def to_frame(self) -> pd.DataFrame:
        """The curves, one row per grid point."""
        return pd.DataFrame({"predy": self.predy, "apparent": self.apparent,
                             "optimism": self.optimism, "corrected": self.corrected,
                             "n": self.n_used})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"curves": self.to_frame().replace({np.nan: None}).to_dict(orient="list"),
                "mean_absolute_error": self.mean_absolute_error,
                "mean_squared_error": self.mean_squared_error,
                "q90_absolute_error": self.q90_absolute_error, "B": self.B,
                "n_failed": self.n_failed}

    def plot(self, ax: Any = None) -> Any:
        """Ideal line, apparent and bias-corrected curves, histogram of predictions."""
        from radiome.report.style import LINESTYLES, color, get_axes

        ax = get_axes(ax)
        _ideal(ax)
        ax.plot(self.predy, self.apparent, color=color(0), ls=LINESTYLES[2], lw=1.4,
                label="Apparent")
        ax.plot(self.predy, self.corrected, color=color(1), ls=LINESTYLES[0], lw=1.8,
                label=f"Bias-corrected (B={self.B - self.n_failed})")
        _histogram_rug(ax, self.predicted)
        _finish_axes(ax)
        ax.text(0.98, 0.11, f"Mean |error| = {self.mean_absolute_error:.3f}", ha="right",
                va="bottom", transform=ax.transAxes, fontsize=8)
        return ax


def _take(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if hasattr(X, "iloc") else np.asarray(X)[idx]


def _positive_proba(est: Any, X: Any) -> np.ndarray:
    proba = np.asarray(est.predict_proba(X), dtype=float)
    classes = list(getattr(est, "classes_", [0, 1]))
    col = classes.index(1) if 1 in classes else proba.shape[1] - 1
    return proba[:, col]


def bootstrap_calibration(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    B: int = 200,
    random_state: int | np.random.Generator | None = None,
    indices: Any = None,
    predy: Any = None,
    smoother: Literal["lowess"] | Smoother = "lowess",
    pos_label: Any = 1,
) -> BootstrapCalibration:
    """Bootstrap optimism-corrected calibration curve, ``rms::calibrate``'s algorithm.

    1. Fit a clone of ``estimator`` on all the data; smooth ``y`` on its predicted
       probabilities (R's ``lowess(iter = 0)``) and read the curve at ``predy`` by linear
       interpolation: the apparent curve :math:`c_{app}`.
    2. For each of ``B`` bootstrap samples (drawn with replacement), refit the clone; with its
       predictions compute the curve on the bootstrap sample, :math:`c_b^{train}`, and on the
       original data, :math:`c_b^{test}`.
    3. :math:`o = \\overline{(c_b^{train} - \\mathrm{predy})} -
       \\overline{(c_b^{test} - \\mathrm{predy})}`, averaged at each grid point over the
       resamples where both curves are defined;
       :math:`c_{corr} = c_{app} - o`.

    With ``indices`` set to ``calibrate``'s bootstrap draws (R's ``sample(n, replace=TRUE)``
    per iteration after ``set.seed``, made 0-based) and an unpenalised logistic regression,
    the apparent and corrected curves equal ``rms::calibrate(lrm_fit, B, method = "boot")``'s
    ``calibrated.orig`` and ``calibrated.corrected`` (measured to 1e-8).

    Parameters
    ----------
    estimator
        Unfitted scikit-learn classifier with ``predict_proba`` (cloned, never modified).
    X, y
        Predictors (array or DataFrame) and binary outcome.
    B
        Number of bootstrap resamples (ignored when ``indices`` is given).
    random_state
        Seed or Generator for the resampling.
    indices
        Optional ``(B, n)`` integer array of 0-based row indices, one bootstrap sample per row.
    predy
        Grid; default 50 equally spaced values from the 5th smallest to the 5th largest
        apparent prediction (``rms``'s default).
    smoother
        ``"lowess"`` or a callable ``(p, y) -> (x_sorted, fitted)``.
    pos_label
        The event label in ``y``.
    """
    from sklearn.base import clone

    yv = _outcome(y, pos_label, "y")
    _both_classes(yv, "y")
    n = yv.size
    if (len(X) if hasattr(X, "__len__") else np.asarray(X).shape[0]) != n:
        raise DataError(f"X has {len(X)} rows but y has {n} values; pass one row per case.")
    if not (smoother == "lowess" or callable(smoother)):
        raise ConfigError(f"smoother must be 'lowess' or a callable (p, y) -> (x, fit); got {smoother!r}.")
    if indices is not None:
        idx = np.asarray(indices)
        if idx.ndim != 2 or idx.shape[1] != n or not np.issubdtype(idx.dtype, np.integer):
            raise ConfigError(
                f"indices must be an integer array of shape (B, {n}) of 0-based row indices; "
                f"got shape {idx.shape} and dtype {idx.dtype}."
            )
        if idx.min() < 0 or idx.max() >= n:
            raise ConfigError(f"indices must lie in [0, {n - 1}] (0-based row numbers).")
    else:
        if not isinstance(B, (int, np.integer)) or B < 1:
            raise ConfigError(f"B must be a positive integer; got {B!r}.")
        rng = np.random.default_rng(random_state)
        idx = rng.integers(0, n, size=(int(B), n))
    ys = yv.astype(int)
    fitted = clone(estimator).fit(X, ys)
    predicted = _positive_proba(fitted, X)
    if predy is None:
        if n < 11:
            raise DataError("need more than 10 cases to build the default predy grid; pass predy.")
        ps = np.sort(predicted)
        grid = np.linspace(ps[4], ps[n - 5], 50)
    else:
        grid = np.asarray(predy, dtype=float).ravel()

    def curve(p: np.ndarray, yy: np.ndarray) -> np.ndarray:
        sx, sy = smoother(p, yy) if callable(smoother) else lowess(p, yy, iter=0)
        return _approx(np.asarray(sx, float), np.asarray(sy, float), grid, ties="first")

    apparent = curve(predicted, yv)
    train = np.zeros(grid.size)
    test = np.zeros(grid.size)
    num = np.zeros(grid.size)
    failed = 0
    for rows in idx:
        try:
            fb = clone(estimator).fit(_take(X, rows), ys[rows])
            pb = _positive_proba(fb, X)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError, RadiomeError):
            failed += 1
            continue
        a = curve(pb[rows], yv[rows]) - grid
        t = curve(pb, yv) - grid
        ok = ~np.isnan(a + t)
        num += ok
        train += np.where(ok, a, 0.0)
        test += np.where(ok, t, 0.0)
    if failed == len(idx):
        raise ConvergenceError(f"the estimator could not be fitted on any of the {failed} resamples.")
    with np.errstate(invalid="ignore", divide="ignore"):
        optimism = train / num - test / num
    corrected = apparent - optimism
    s = ~np.isnan(grid + corrected)
    if s.sum() >= 2:
        err = predicted - _approx(grid[s], corrected[s], predicted, ties="mean")
        err = err[~np.isnan(err)]
    else:
        err = np.array([np.nan])
    return BootstrapCalibration(
        predy=grid, apparent=apparent, optimism=optimism, corrected=corrected, n_used=num,
        predicted=predicted, mean_absolute_error=float(np.mean(np.abs(err))),
        mean_squared_error=float(np.mean(err**2)),
        q90_absolute_error=float(np.quantile(np.abs(err), 0.9)), B=int(len(idx)),
        n_failed=failed,
    )
