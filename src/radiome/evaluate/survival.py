"""Evaluation of survival models: C-index, time-dependent AUC, Kaplan-Meier risk groups.

* :func:`concordance` / :func:`concordance_index` - Harrell's and Uno's C with the
  infinitesimal-jackknife standard error of R's ``survival::concordance``. Hand-written
  (vectorised pair counts in blocks, :math:`O(n^2)` time, :math:`O(n)` memory per block)
  because no Python library reproduces survival's conventions together: lifelines'
  ``concordance_index`` and scikit-survival's ``concordance_index_censored`` give Harrell's
  estimate without a variance, scikit-survival's ``concordance_index_ipcw`` weights by a
  censoring distribution that is not survival's :math:`G(t-)` and has no variance either.
  Matches ``survival::concordance(..., reverse = TRUE)`` to 1e-6 in estimate and standard
  error (tested).
* :func:`time_dependent_auc` - cumulative/dynamic AUC with inverse-probability-of-censoring
  weights: scikit-survival's ``cumulative_dynamic_auc``.
* :func:`risk_groups` - Kaplan-Meier curves per risk group (lifelines'
  ``KaplanMeierFitter``), the log-rank test (lifelines' ``multivariate_logrank_test``,
  matches ``survival::survdiff`` to 1e-6) and hazard ratios against the lowest-risk group
  (lifelines' ``CoxPHFitter`` on group indicators, Efron ties, matches ``coxph`` to 1e-6).

Sign convention throughout: a higher ``risk`` means a shorter expected survival.

References
----------
Harrell FE, Califf RM, Pryor DB, Lee KL, Rosati RA. Evaluating the yield of medical tests.
JAMA 1982;247:2543-6.
Uno H, Cai T, Pencina MJ, D'Agostino RB, Wei LJ. On the C-statistics for evaluating overall
adequacy of risk prediction procedures with censored survival data. Stat Med 2011;30:1105-17.
Therneau TM, Atkinson E. The concordance statistic. Vignette of the R package survival.
Uno H, Cai T, Tian L, Wei LJ. Evaluating prediction rules for t-year survivors with censored
regression models. JASA 2007;102:527-37.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from radiome.errors import ConfigError, DataError
from radiome.evaluate.estimate import Estimate

__all__ = [
    "ConcordanceResult",
    "concordance",
    "concordance_index",
    "TimeDependentAUCResult",
    "time_dependent_auc",
    "KMCurve",
    "KaplanMeierResult",
    "risk_groups",
]

_BLOCK_CELLS = 2_000_000  # pairs held in memory at once by the concordance counter


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _check_survival(time: Any, event: Any, risk: Any | None = None, where: str = "") -> tuple[np.ndarray, ...]:
    t = np.asarray(time, dtype=float).ravel()
    e_raw = np.asarray(event).ravel()
    if len(e_raw) != len(t):
        raise DataError(f"{where}: time has {len(t)} values but event has {len(e_raw)}; pass one of each per case.")
    if not np.all(np.isfinite(t)):
        raise DataError(f"{where}: time has missing or non-finite values; drop those cases.")
    if np.any(t < 0):
        raise DataError(f"{where}: time has negative values; follow-up times must be >= 0.")
    try:
        e_num = e_raw.astype(float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: event must be 0/1 or boolean; got values like {e_raw[:3].tolist()}.") from exc
    if not np.all(np.isin(e_num, (0.0, 1.0))):
        raise DataError(f"{where}: event must be 0/1 or boolean (1 = event observed); got {np.unique(e_num)[:5].tolist()}.")
    e = e_num.astype(bool)
    out: tuple[np.ndarray, ...] = (t, e)
    if risk is not None:
        r = np.asarray(risk, dtype=float).ravel()
        if len(r) != len(t):
            raise DataError(f"{where}: risk has {len(r)} values but time has {len(t)}; pass one risk score per case.")
        if not np.all(np.isfinite(r)):
            raise DataError(f"{where}: risk has missing or non-finite values.")
        out = out + (r,)
    if not e.any():
        raise DataError(f"{where}: no event was observed; survival discrimination needs at least one event.")
    return out


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ConfigError(f"level must lie in (0, 1), e.g. 0.95; got {level!r}.")
    return float(stats.norm.ppf(0.5 + level / 2.0))


# ---------------------------------------------------------------------------------------------
# Concordance
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcordanceResult:
    """Concordance index with its standard error and pair counts.

    Attributes
    ----------
    estimate : Estimate
        C-index with the Wald interval :math:`C \\pm z_{1-\\alpha/2}\\,\\mathrm{SE}` (clipped to
        [0, 1]).
    std_err : float
        Infinitesimal-jackknife standard error (``sqrt(fit$var)`` of survival::concordance).
    method : str
        ``"harrell"`` or ``"uno"``.
    tau : float or None
        Truncation time: pairs whose shorter time exceeds ``tau`` are ignored.
    concordant, discordant, tied_risk, tied_time, tied_both : float
        (Weighted) pair counts, as survival's ``count``: tied_risk pairs count 1/2; tied_time
        (both events at one time) and tied_both are not comparable.
    n : int
        Number of cases.
    """

    estimate: Estimate
    std_err: float
    method: str
    tau: float | None
    concordant: float
    discordant: float
    tied_risk: float
    tied_time: float
    tied_both: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        d = {k: getattr(self, k) for k in ("std_err", "method", "tau", "concordant", "discordant", "tied_risk", "tied_time", "tied_both", "n")}
        d["estimate"] = self.estimate.to_dict()
        return d

    def summary(self) -> pd.DataFrame:
        """One-row table."""
        e = self.estimate
        return pd.DataFrame([{"method": self.method, "c_index": e.value, "lower": e.lower, "upper": e.upper, "std_err": self.std_err,
                              "concordant": self.concordant, "discordant": self.discordant, "tied_risk": self.tied_risk, "n": self.n}])


def _censoring_km_minus(t: np.ndarray, e: np.ndarray, etimes: np.ndarray) -> np.ndarray:
    """Reverse Kaplan-Meier G(t-) at each event time, deaths before censorings at ties.

    As survival's ``fastkm1``: at a censoring time c the factor is
    :math:`1 - c_c / (\\#\\{t_i > c\\} + c_c)`, i.e. the deaths at c have left the risk set.
    """
    ctimes = np.unique(t[~e])
    n_after = (len(t) - np.searchsorted(np.sort(t), ctimes, side="right")).astype(float)
    n_cens = np.bincount(np.searchsorted(ctimes, t[~e]), minlength=len(ctimes)).astype(float)
    factors = n_after / (n_after + n_cens)
    G = np.ones(len(etimes))
    cum = np.cumprod(factors)
    # G(t-) = product over censoring times strictly before t
    idx = np.searchsorted(ctimes, etimes, side="left")
    G[idx > 0] = cum[idx[idx > 0] - 1]
    return G


def _concordance_core(t: np.ndarray, e: np.ndarray, x: np.ndarray, timewt: str, ymax: float | None) -> dict[str, Any]:
    """survival::concordancefit (unweighted, no strata) for predictor ``x`` (larger x = longer)."""
    n = len(t)
    etimes = np.unique(t[e])
    if timewt == "n/G2" and e.sum() >= 2:
        w_time = 1.0 / _censoring_km_minus(t, e, etimes) ** 2
    else:
        w_time = np.ones(len(etimes))
    if ymax is not None:
        w_time = np.where(etimes > ymax, 0.0, w_time)
    deaths = np.flatnonzero(e)
    wd = w_time[np.searchsorted(etimes, t[deaths])]
    imat = np.zeros((n, 3))
    counts = np.zeros(5)
    block = max(1, _BLOCK_CELLS // max(n, 1))
    for s in range(0, len(deaths), block):
        idx = deaths[s : s + block]
        ti = t[idx][:, None]
        xi = x[idx][:, None]
        w = wd[s : s + block][:, None]
        later = (t[None, :] > ti) | ((t[None, :] == ti) & ~e[None, :])
        same = (t[None, :] == ti) & e[None, :]
        same[np.arange(len(idx)), idx] = False
        eq = x[None, :] == xi
        for k, rel in enumerate((x[None, :] > xi, x[None, :] < xi, eq)):
            m = (later & rel) * w
            counts[k] += m.sum()
            imat[idx, k] += m.sum(axis=1)
            imat[:, k] += m.sum(axis=0)
        counts[3] += (same * w).sum() / 2.0  # each pair of tied events is met twice
        counts[4] += ((same & eq) * w).sum() / 2.0
    counts[3] -= counts[4]
    npair = counts[0] + counts[1] + counts[2]
    if npair == 0:
        raise DataError("concordance: there is no comparable pair (each pair needs an event before the other case's time); "
                        "the C-index is undefined. Check time/event, or a tau that is too small.")
    somer = (counts[0] - counts[1]) / npair
    dfbeta = (imat[:, 0] - imat[:, 1]) / npair - (somer / npair) * imat.sum(axis=1)
    return {"concordance": (somer + 1.0) / 2.0, "var": float(np.sum(dfbeta**2)) / 4.0, "count": counts}


def concordance(time: Any, event: Any, risk: Any, *, method: str = "harrell", tau: float | None = None, level: float = 0.95) -> ConcordanceResult:
    r"""Harrell's or Uno's concordance index of a risk score, as R's ``survival::concordance``.

    A pair (i, j) is comparable when case i has an event at :math:`t_i` and case j is still
    under observation after it (:math:`t_j > t_i`, or :math:`t_j = t_i` and j censored). It is
    concordant when the case that failed first has the higher risk; ties in risk count 1/2;
    pairs of events at the same time are not comparable.

    .. math::
        C = \frac{\sum_{i,j} w(t_i)\,\delta_i\,[t_i < t_j]\,
              \left([r_i > r_j] + \tfrac12 [r_i = r_j]\right)}
             {\sum_{i,j} w(t_i)\,\delta_i\,[t_i < t_j]}

    Harrell: :math:`w(t) = 1` (survival's ``timewt = "n"``). Uno: :math:`w(t) = 1/G(t-)^2`
    with :math:`G` the Kaplan-Meier estimate of the censoring distribution from the same data
    (``timewt = "n/G2"``). With ``tau``, pairs with :math:`t_i > \tau` get weight 0 (survival's
    ``ymax``). The standard error is survival's infinitesimal jackknife: with
    :math:`d = (C_c - D)/N` (Somers' d) and per-case pair sums :math:`c_k, d_k, u_k`
    (concordant, discordant, tied-risk pairs involving case k),
    :math:`\operatorname{var}(C) = \tfrac14\sum_k \big((c_k - d_k)/N - d\,(c_k+d_k+u_k)/N\big)^2`;
    it treats the weights :math:`1/G^2` as fixed, as survival does.

    Matches ``survival::concordance(Surv(time, event) ~ risk, reverse = TRUE, timewt = ...)``
    to 1e-6 (estimate and standard error), including ties in time and in risk. survival's
    ``timefix`` (merging times that differ by rounding error) is not applied: pass exact ties.

    Parameters
    ----------
    time, event, risk : array-like
        Follow-up time, event indicator (1/True = event), risk score (higher = worse).
    method : {"harrell", "uno"}
    tau : float or None
        Truncation time.
    level : float
        Confidence level of the Wald interval.

    Returns
    -------
    ConcordanceResult

    Examples
    --------
    >>> r = concordance([1, 2, 3, 4], [1, 1, 0, 1], [4, 3, 2, 1])
    >>> float(r.estimate.value)
    1.0
    """
    t, e, r = _check_survival(time, event, risk, "concordance")
    if method not in ("harrell", "uno"):
        raise ConfigError(f"concordance: method must be 'harrell' or 'uno'; got {method!r}.")
    if tau is not None and not (isinstance(tau, (int, float)) and math.isfinite(tau) and tau > 0):
        raise ConfigError(f"concordance: tau must be a positive time or None; got {tau!r}.")
    z = _z(level)
    fit = _concordance_core(t, e, r, "n/G2" if method == "uno" else "n", tau)
    c = float(1.0 - fit["concordance"])  # reverse = TRUE: higher risk, shorter survival
    se = math.sqrt(fit["var"])
    cnt = fit["count"]
    est = Estimate(c, max(0.0, c - z * se), min(1.0, c + z * se), level, "infinitesimal jackknife (survival::concordance)")
    return ConcordanceResult(est, se, method, tau, float(cnt[1]), float(cnt[0]), float(cnt[2]), float(cnt[3]), float(cnt[4]), len(t))


def concordance_index(time: Any, event: Any, risk: Any, *, method: str = "harrell", tau: float | None = None, level: float = 0.95) -> Estimate:
    """The C-index with its confidence interval: ``concordance(...).estimate``.

    See :func:`concordance` for the definition, the standard error and the R equivalence.
    """
    return concordance(time, event, risk, method=method, tau=tau, level=level).estimate


# ---------------------------------------------------------------------------------------------
# Time-dependent AUC
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TimeDependentAUCResult:
    """Cumulative/dynamic AUC at several times.

    Attributes
    ----------
    times : ndarray
        Evaluation times.
    auc : ndarray
        :math:`\\mathrm{AUC}^{C/D}(t)` at each time (no interval).
    mean_auc : float
        Integrated AUC over ``times``, weighted by the estimated survival decrease.
    """

    times: np.ndarray
    auc: np.ndarray
    mean_auc: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"times": self.times.tolist(), "auc": self.auc.tolist(), "mean_auc": self.mean_auc}

    def to_frame(self) -> pd.DataFrame:
        """Table of time and AUC."""
        return pd.DataFrame({"time": self.times, "auc": self.auc})

    def plot(self, ax: Any = None) -> Any:
        """AUC(t) against time, with the integrated AUC as a dashed line."""
        from radiome.report.style import color, get_axes

        ax = get_axes(ax)
        ax.plot(self.times, self.auc, marker="o", color=color(0), label="AUC(t)")
        ax.axhline(self.mean_auc, color=color(1), ls="--", lw=1, label=f"mean AUC {self.mean_auc:.3f}")
        ax.axhline(0.5, color="0.6", ls=":", lw=1)
        ax.set_xlabel("Time")
        ax.set_ylabel("Time-dependent AUC")
        ax.set_ylim(0, 1.02)
        ax.legend(frameon=False, loc="lower right")
        return ax


def time_dependent_auc(time: Any, event: Any, risk: Any, times: Any, train_time: Any = None, train_event: Any = None) -> TimeDependentAUCResult:
    r"""Cumulative/dynamic time-dependent AUC with IPCW (scikit-survival).

    .. math::
        \widehat{\mathrm{AUC}}(t) = \frac{\sum_i \sum_j [t_j > t]\,[t_i \le t]\,\delta_i\,
        \hat G(t_i)^{-1} [r_i > r_j]}{\left(\sum_i [t_i \le t]\,\delta_i\,\hat G(t_i)^{-1}\right)
        \sum_j [t_j > t]}

    Cases with an event by :math:`t` are the cumulative cases, cases still event-free after
    :math:`t` the dynamic controls; :math:`\hat G` is the censoring survival estimated on the
    training data (``train_time``/``train_event``; the evaluation data when omitted).

    Parameters
    ----------
    time, event, risk : array-like
        Evaluation data (higher risk = worse).
    times : array-like
        Times at which to evaluate; each must lie inside the follow-up of the evaluation data
        and before the last training time.
    train_time, train_event : array-like, optional
        Training data for the censoring distribution.

    References
    ----------
    Uno H, Cai T, Tian L, Wei LJ. JASA 2007;102:527-37. Lambert J, Chevret S. Stat Methods Med
    Res 2016;25:2088-102.
    """
    from sksurv.metrics import cumulative_dynamic_auc
    from sksurv.util import Surv

    t, e, r = _check_survival(time, event, risk, "time_dependent_auc")
    if (train_time is None) != (train_event is None):
        raise ConfigError("time_dependent_auc: pass both train_time and train_event, or neither.")
    if train_time is None:
        tt, te = t, e
    else:
        tt, te = _check_survival(train_time, train_event, None, "time_dependent_auc (training data)")
    ts = np.atleast_1d(np.asarray(times, dtype=float))
    if ts.size == 0 or not np.all(np.isfinite(ts)):
        raise DataError("time_dependent_auc: times must be one or more finite times.")
    lo, hi = t.min(), t.max()
    bad = ts[(ts < lo) | (ts >= hi)]
    if bad.size:
        raise DataError(
            f"time_dependent_auc: times {bad.tolist()} lie outside the follow-up of the evaluation data "
            f"[{lo:g}, {hi:g}); choose times inside it (e.g. quantiles of the event times)."
        )
    if np.any(ts >= tt.max()):
        raise DataError(f"time_dependent_auc: times must be below the last training time {tt.max():g}.")
    try:
        auc, mean_auc = cumulative_dynamic_auc(Surv.from_arrays(te, tt), Surv.from_arrays(e, t), r, ts)
    except ValueError as exc:
        raise DataError(f"time_dependent_auc: {exc}. Choose times with cases and controls at each.") from exc
    return TimeDependentAUCResult(ts, np.asarray(auc, float), float(mean_auc))


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier risk groups
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class KMCurve:
    """Kaplan-Meier curve of one risk group.

    Attributes
    ----------
    label : str
    n, events : int
    time, survival, lower, upper : ndarray
        Step function (from time 0) with its pointwise confidence band (lifelines: log(-log)
        transformed Greenwood interval).
    censor_times : ndarray
        Times of censored cases (for the tick marks).
    median : Estimate
        Median survival time with its confidence interval (inf when not reached).
    """

    label: str
    n: int
    events: int
    time: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    censor_times: np.ndarray
    median: Estimate

    def survival_at(self, t: float) -> float:
        """S(t) read off the step function."""
        i = np.searchsorted(self.time, t, side="right") - 1
        return float(self.survival[max(i, 0)])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"label": self.label, "n": self.n, "events": self.events, "time": self.time.tolist(), "survival": self.survival.tolist(),
                "lower": self.lower.tolist(), "upper": self.upper.tolist(), "censor_times": self.censor_times.tolist(), "median": self.median.to_dict()}


@dataclass(frozen=True, eq=False)
class KaplanMeierResult:
    """Kaplan-Meier curves of risk groups, log-rank test and hazard ratios.

    Attributes
    ----------
    curves : tuple of KMCurve
        One per group, from lowest to highest risk.
    cutoffs : tuple of float
        Risk cut-offs; group k holds :math:`c_{k-1} < r \\le c_k`.
    assignments : ndarray
        Group label of each case.
    logrank_chi2, logrank_df, logrank_p : float, int, float
        Log-rank test of equal survival across groups (survival::survdiff, rho = 0).
    hazard_ratios : dict
        Group label -> Estimate of the hazard ratio against the first (lowest-risk) group
        (Cox model on group indicators, Efron ties, Wald interval).
    hazard_ratio_p : dict
        Group label -> Wald p-value of that hazard ratio.
    at_risk : DataFrame
        Numbers at risk, one row per group, one column per time.
    level : float
    """

    curves: tuple[KMCurve, ...]
    cutoffs: tuple[float, ...]
    assignments: np.ndarray
    logrank_chi2: float
    logrank_df: int
    logrank_p: float
    hazard_ratios: dict[str, Estimate]
    hazard_ratio_p: dict[str, float]
    at_risk: pd.DataFrame
    level: float = 0.95
    observed: dict[str, float] = field(default_factory=dict)
    expected: dict[str, float] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        """Group labels, lowest risk first."""
        return tuple(c.label for c in self.curves)

    def summary(self) -> pd.DataFrame:
        """One row per group: n, events, observed/expected events, median, HR with CI, p."""
        rows = []
        for c in self.curves:
            hr = self.hazard_ratios.get(c.label)
            rows.append({"group": c.label, "n": c.n, "events": c.events, "observed": self.observed.get(c.label, np.nan),
                         "expected": self.expected.get(c.label, np.nan), "median": c.median.value,
                         "median_lower": c.median.lower, "median_upper": c.median.upper,
                         "hr": hr.value if hr else 1.0, "hr_lower": hr.lower if hr else np.nan, "hr_upper": hr.upper if hr else np.nan,
                         "hr_p": self.hazard_ratio_p.get(c.label, np.nan)})
        return pd.DataFrame(rows).set_index("group")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"curves": [c.to_dict() for c in self.curves], "cutoffs": list(self.cutoffs), "logrank_chi2": self.logrank_chi2,
                "logrank_df": self.logrank_df, "logrank_p": self.logrank_p, "level": self.level,
                "hazard_ratios": {k: v.to_dict() for k, v in self.hazard_ratios.items()}, "hazard_ratio_p": dict(self.hazard_ratio_p),
                "at_risk": {"times": [float(x) for x in self.at_risk.columns], "counts": self.at_risk.to_numpy().tolist()},
                "observed": dict(self.observed), "expected": dict(self.expected)}

    def plot(self, ax: Any = None, *, bands: bool = True, xlabel: str = "Time", ylabel: str = "Survival probability") -> Any:
        """Kaplan-Meier curves: steps, censor marks, confidence bands, log-rank p, numbers at risk.

        The numbers-at-risk table is drawn beneath the x axis, aligned with its ticks.
        """
        from matplotlib.transforms import ScaledTranslation, blended_transform_factory

        from radiome.report.style import LINESTYLES, color, get_axes

        ax = get_axes(ax, figsize=(5.0, 5.0))
        tmax = max(float(c.time.max()) for c in self.curves)
        for i, c in enumerate(self.curves):
            col = color(i)
            ax.step(c.time, c.survival, where="post", color=col, ls=LINESTYLES[i % len(LINESTYLES)], lw=1.6, label=f"{c.label} (n={c.n})")
            if bands:
                ax.fill_between(c.time, c.lower, c.upper, step="post", color=col, alpha=0.15, lw=0)
            if c.censor_times.size:
                s = [c.survival_at(x) for x in c.censor_times]
                ax.plot(c.censor_times, s, ls="none", marker="|", ms=6, mew=1.0, color=col)
        ax.set_xlim(0, tmax * 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        p = self.logrank_p
        ptxt = "log-rank p < 0.001" if p < 0.001 else f"log-rank p = {p:.3f}"
        if len(self.curves) == 2:
            hr = self.hazard_ratios[self.curves[1].label]
            ptxt += f"\nHR {hr.format(2)}"
        ax.text(0.03, 0.04, ptxt, transform=ax.transAxes, ha="left", va="bottom", fontsize=9)
        ax.legend(frameon=False, loc="upper right")
        ticks = [float(x) for x in self.at_risk.columns]
        ax.set_xticks(ticks)
        fig = ax.figure

        def below(dx_pt: float, dy_pt: float, x_in_data: bool) -> Any:
            base = blended_transform_factory(ax.transData if x_in_data else ax.transAxes, ax.transAxes)
            return base + ScaledTranslation(dx_pt / 72.0, dy_pt / 72.0, fig.dpi_scale_trans)

        ax.text(0.0, 0.0, "Number at risk", transform=below(0, -40, False), ha="left", va="top", fontsize=8, fontweight="bold")
        for i, (label, row) in enumerate(self.at_risk.iterrows()):
            dy = -52 - 11 * i
            ax.text(0.0, 0.0, str(label), transform=below(-14, dy, False), ha="right", va="top", fontsize=8, color=color(i))
            for tk, v in zip(ticks, row.to_numpy()):
                ax.text(tk, 0.0, f"{int(v)}", transform=below(0, dy, True), ha="center", va="top", fontsize=8, color=color(i))
        return ax


def _default_labels(k: int) -> list[str]:
    if k == 2:
        return ["low", "high"]
    if k == 3:
        return ["low", "intermediate", "high"]
    return [f"G{i + 1}" for i in range(k)]


def risk_groups(
    time: Any,
    event: Any,
    risk: Any,
    *,
    cutoff: str | float | Sequence[float] = "median",
    labels: Sequence[str] | None = None,
    at_risk_times: Sequence[float] | None = None,
    level: float = 0.95,
) -> KaplanMeierResult:
    r"""Split cases into risk groups and compare their survival.

    Group k holds the cases with :math:`c_{k-1} < r \le c_k` (:math:`c_0 = -\infty`,
    :math:`c_K = \infty`): with ``cutoff="median"`` "high" is risk strictly above the median.
    For an independent test set, pass the training cut-off as a number.

    * Kaplan-Meier estimate per group, :math:`\hat S(t) = \prod_{t_i \le t} (1 - d_i/n_i)`.
    * Log-rank test: :math:`\chi^2 = (O - E)^\top V^{-1} (O - E)` on K-1 degrees of freedom
      with hypergeometric variance, as ``survival::survdiff`` (matches to 1e-6).
    * Hazard ratios of each group against the first from a Cox model on group indicators
      (Efron ties), as ``coxph(Surv(time, event) ~ group)`` (matches to 1e-6), Wald CI.

    Parameters
    ----------
    time, event, risk : array-like
        Follow-up, event indicator (1 = event), risk score (higher = worse).
    cutoff : "median", float or sequence of floats
        Cut-off(s) on the risk score.
    labels : sequence of str, optional
        Group names, lowest risk first (default low/high, low/intermediate/high, G1...).
    at_risk_times : sequence of float, optional
        Times of the numbers-at-risk table (default: about six round ticks).
    level : float
        Confidence level.
    """
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test
    from lifelines.utils import median_survival_times

    t, e, r = _check_survival(time, event, risk, "risk_groups")
    z = _z(level)
    if isinstance(cutoff, str):
        if cutoff != "median":
            raise ConfigError(f"risk_groups: cutoff must be 'median', a number or a sequence of numbers; got {cutoff!r}.")
        cuts = [float(np.median(r))]
    else:
        cuts = sorted(float(c) for c in np.atleast_1d(np.asarray(cutoff, dtype=float)))
    k = len(cuts) + 1
    names = list(labels) if labels is not None else _default_labels(k)
    if len(names) != k or len(set(names)) != k:
        raise ConfigError(f"risk_groups: {len(cuts)} cut-off(s) make {k} groups; pass {k} distinct labels, got {list(names)}.")
    gidx = np.searchsorted(np.asarray(cuts), r, side="left")
    counts = np.bincount(gidx, minlength=k)
    if np.any(counts == 0):
        empty = [names[i] for i in range(k) if counts[i] == 0]
        raise DataError(f"risk_groups: groups {empty} are empty with cut-offs {cuts}; choose cut-offs inside the range of the risk score.")
    assign = np.asarray(names, dtype=object)[gidx]

    if at_risk_times is None:
        from matplotlib.ticker import MaxNLocator

        ticks = MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, float(t.max()))
        at_risk_times = [float(x) for x in ticks if 0.0 <= x <= t.max()]
    art = np.asarray(at_risk_times, dtype=float)

    curves, at_risk = [], []
    alpha = 1.0 - level
    for i, name in enumerate(names):
        m = gidx == i
        kmf = KaplanMeierFitter(alpha=alpha).fit(t[m], e[m], label=name)
        sf = kmf.survival_function_[name]
        ci = kmf.confidence_interval_
        med = float(kmf.median_survival_time_)
        mci = median_survival_times(kmf.confidence_interval_)
        curves.append(KMCurve(
            label=name, n=int(m.sum()), events=int(e[m].sum()), time=sf.index.to_numpy(float), survival=sf.to_numpy(float),
            lower=ci.iloc[:, 0].to_numpy(float), upper=ci.iloc[:, 1].to_numpy(float), censor_times=np.sort(t[m & ~e]),
            median=Estimate(med, float(mci.iloc[0, 0]), float(mci.iloc[0, 1]), level, "lifelines KM (log-log Greenwood)"),
        ))
        at_risk.append([int(np.sum(t[m] >= a)) for a in art])
    at_risk_df = pd.DataFrame(at_risk, index=pd.Index(names, name="group"), columns=art)

    lr = multivariate_logrank_test(t, assign, e)
    observed = {nm: float(e[gidx == i].sum()) for i, nm in enumerate(names)}
    expected = _logrank_expected(t, e, gidx, k)

    hrs: dict[str, Estimate] = {}
    hr_p: dict[str, float] = {}
    df = pd.DataFrame({f"g{i}": (gidx == i).astype(float) for i in range(1, k)})
    df["T"], df["E"] = t, e.astype(float)
    try:
        cph = CoxPHFitter(alpha=alpha).fit(df, "T", "E", fit_options={"precision": 1e-18, "r_precision": 1e-18, "max_steps": 500})
        for i in range(1, k):
            b, se = float(cph.params_[f"g{i}"]), float(cph.standard_errors_[f"g{i}"])
            hrs[names[i]] = Estimate(math.exp(b), math.exp(b - z * se), math.exp(b + z * se), level, "wald (Cox, Efron ties)")
            hr_p[names[i]] = float(2 * stats.norm.sf(abs(b / se)))
    except Exception as exc:  # lifelines ConvergenceError: a group without events
        import warnings

        warnings.warn(f"risk_groups: the Cox model on the groups did not converge ({exc}); hazard ratios are NaN.", UserWarning, stacklevel=2)
        for i in range(1, k):
            hrs[names[i]] = Estimate(math.nan, method="none")
            hr_p[names[i]] = math.nan
    return KaplanMeierResult(tuple(curves), tuple(cuts), assign, float(lr.test_statistic), int(lr.degrees_of_freedom), float(lr.p_value),
                             hrs, hr_p, at_risk_df, level, observed, {names[i]: expected[i] for i in range(k)})


def _logrank_expected(t: np.ndarray, e: np.ndarray, g: np.ndarray, k: int) -> np.ndarray:
    """Expected events per group under equal hazards, :math:`E_g = \\sum_t d_t n_{gt}/n_t`."""
    exp = np.zeros(k)
    for tt in np.unique(t[e]):
        at = t >= tt
        d = np.sum((t == tt) & e)
        n = at.sum()
        exp += d * np.bincount(g[at], minlength=k) / n
    return exp
