"""Decision curve analysis: net benefit of models against treat-all and treat-none.

For each threshold probability :math:`p_t` a patient is treated when the predicted risk is at
least :math:`p_t`. Net benefit weighs true positives against false positives by the odds of
the threshold (Vickers & Elkin 2006):

.. math::

    NB(p_t) = \\frac{TP}{N} - \\frac{FP}{N}\\,\\frac{p_t}{1 - p_t} - \\text{harm}, \\qquad
    NB_{\\text{all}}(p_t) = \\pi - (1 - \\pi)\\,\\frac{p_t}{1 - p_t}, \\qquad
    NB_{\\text{none}} = 0

with :math:`\\pi` the prevalence, and the net reduction in interventions per ``n_per``
patients (Vickers et al. 2008)

.. math::

    NIA(p_t) = \\frac{NB(p_t) - NB_{\\text{all}}(p_t)}{p_t / (1 - p_t)}\\; n_{\\text{per}}.

The numbers reproduce the ``dca()`` function of the Python ``dcurves`` package (binary
outcomes) to floating-point rounding, including its conventions: ``TP/N`` is computed as
sensitivity times prevalence (so a case-control ``prevalence`` can be given), and a predicted
risk of exactly 0 is never treated while a risk of exactly 1 is always treated. At
:math:`p_t = 0` the interventions avoided are undefined (division by zero): radiome reports
NaN where dcurves gives an infinite value or NaN.

Why hand-written
----------------
``dcurves`` is the reference (and a test dependency) but loops over thresholds in pandas, has
no confidence intervals and is not a runtime dependency of radiome; this module computes the
same table with one vectorised pass and adds optional bootstrap intervals.

References
----------
Vickers AJ, Elkin EB (2006). Decision curve analysis: a novel method for evaluating
prediction models. *Medical Decision Making* 26:565-574.

Vickers AJ, Cronin AM, Elkin EB, Gonen M (2008). Extensions to decision curve analysis.
*BMC Medical Informatics and Decision Making* 8:53.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from radiome.errors import ConfigError, DataError
from radiome.evaluate.roc import (
    _binary_outcome,
    _check_level,
    _check_n_bootstrap,
    _percentile_ci,
    _rng,
    _scores,
)

__all__ = ["DecisionCurveResult", "decision_curve", "TREAT_ALL", "TREAT_NONE"]

#: Model names of the two reference strategies in :attr:`DecisionCurveResult.frame`.
TREAT_ALL = "Treat all"
TREAT_NONE = "Treat none"

_EPS = sys.float_info.epsilon


@dataclass(frozen=True, eq=False)
class DecisionCurveResult:
    """Net benefit of each model and of the treat-all / treat-none strategies.

    Attributes
    ----------
    frame : DataFrame
        Long table, one row per model and threshold: ``model``, ``threshold``, ``n``,
        ``prevalence``, ``harm``, ``test_pos_rate``, ``tp_rate``, ``fp_rate``,
        ``net_benefit``, ``net_interventions_avoided`` and, with ``ci="bootstrap"``,
        ``net_benefit_lower`` / ``net_benefit_upper``. Models come in the order given, then
        ``"Treat all"`` and ``"Treat none"``.
    models : tuple of str
        The models' names (without the two reference strategies).
    prevalence : float
        Outcome prevalence used (observed, or the value given).
    n : int
        Number of patients.
    level : float
        Confidence level of the bootstrap bands (when computed).
    """

    frame: pd.DataFrame = field(repr=False)
    models: tuple[str, ...]
    prevalence: float
    n: int
    level: float = 0.95

    def to_frame(self) -> pd.DataFrame:
        """A copy of the long table."""
        return self.frame.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: models, prevalence, n and the table as records (NaN -> None)."""
        records = self.frame.astype(object).where(self.frame.notna(), None)
        return {
            "models": list(self.models),
            "prevalence": self.prevalence,
            "n": self.n,
            "level": self.level,
            "table": records.to_dict(orient="records"),
        }

    def net_benefit(self, model: str) -> pd.Series:
        """Net benefit of one model (or ``"Treat all"``/``"Treat none"``) by threshold."""
        rows = self.frame[self.frame["model"] == model]
        if rows.empty:
            raise ConfigError(
                f"no model {model!r}; choose one of {list(self.models) + [TREAT_ALL, TREAT_NONE]}."
            )
        return rows.set_index("threshold")["net_benefit"]

    def plot(
        self,
        ax: Any = None,
        kind: Literal["net_benefit", "interventions_avoided"] = "net_benefit",
        y_limits: tuple[float, float] | None = None,
    ) -> Any:
        """Net benefit (or net interventions avoided) against the threshold probability.

        Models are drawn in radiome's palette; treat-all in grey, treat-none as a black
        horizontal line at zero. The default y-limits run from a little below zero to a
        little above the largest net benefit, so the steep fall of treat-all does not
        squash the curves of interest. Bootstrap bands are shaded when present.
        """
        from radiome.report.style import LINESTYLES, color, get_axes

        if kind not in ("net_benefit", "interventions_avoided"):
            raise ConfigError(
                f"kind must be 'net_benefit' or 'interventions_avoided'; got {kind!r}."
            )
        ax = get_axes(ax, figsize=(5.5, 4.0))
        col = "net_benefit" if kind == "net_benefit" else "net_interventions_avoided"
        f = self.frame
        for i, name in enumerate(self.models):
            d = f[f["model"] == name]
            ax.plot(d["threshold"], d[col], color=color(i), ls=LINESTYLES[i % len(LINESTYLES)],
                    lw=1.6, label=name)
            if kind == "net_benefit" and "net_benefit_lower" in d:
                ax.fill_between(d["threshold"], d["net_benefit_lower"], d["net_benefit_upper"],
                                color=color(i), alpha=0.15, lw=0)
        if kind == "net_benefit":
            d = f[f["model"] == TREAT_ALL]
            ax.plot(d["threshold"], d[col], color="0.55", lw=1.2, label=TREAT_ALL)
            ax.axhline(0.0, color="black", lw=1.0, label=TREAT_NONE)
            models = f[f["model"].isin(self.models)][col]
            top = max(float(np.nanmax(models)) if len(models) else 0.0, self.prevalence)
        else:
            ax.axhline(0.0, color="0.55", lw=1.0)
            vals = f[f["model"].isin(self.models)][col].to_numpy(dtype=float)
            vals = vals[np.isfinite(vals)]
            top = float(vals.max()) if vals.size else 1.0
        if y_limits is None:
            top = top if top > 0 else 0.05
            y_limits = (-0.15 * top, 1.1 * top)
        ax.set_ylim(*y_limits)
        ax.set_xlim(float(f["threshold"].min()), float(f["threshold"].max()))
        ax.set_xlabel("Threshold probability")
        ax.set_ylabel("Net benefit" if kind == "net_benefit"
                      else "Net reduction in interventions")
        ax.legend(frameon=False, loc="upper right")
        return ax


def _predictions(predictions: Any, n: int) -> dict[str, np.ndarray]:
    if isinstance(predictions, pd.DataFrame):
        predictions = {str(c): predictions[c] for c in predictions.columns}
    elif isinstance(predictions, pd.Series):
        predictions = {str(predictions.name or "Model"): predictions}
    elif not isinstance(predictions, Mapping):
        predictions = {"Model": predictions}
    if not predictions:
        raise DataError("predictions is empty; pass {name: predicted risks} for each model.")
    out = {}
    for name, values in predictions.items():
        name = str(name)
        if name in (TREAT_ALL, TREAT_NONE):
            raise ConfigError(f"model name {name!r} is reserved for the reference strategy; "
                              "rename the model.")
        p = _scores(values, n, f"predictions[{name!r}]")
        if p.min() < 0.0 or p.max() > 1.0:
            raise DataError(
                f"predictions[{name!r}] must be risks in [0, 1] (range found "
                f"{p.min():.3g} to {p.max():.3g}); convert scores to probabilities first, for "
                "example with a logistic recalibration."
            )
        out[name] = p
    return out


def _thresholds(thresholds: Any) -> np.ndarray:
    if thresholds is None:
        return np.arange(100) / 100.0
    t = np.asarray(thresholds, dtype=float).ravel()
    if t.size == 0 or not np.isfinite(t).all() or t.min() < 0.0 or t.max() >= 1.0:
        raise ConfigError("thresholds must be finite probabilities in [0, 1) (1 would give "
                          "infinite odds); for example numpy.arange(0, 0.5, 0.01).")
    return t


def _rates(p: np.ndarray, y: np.ndarray, t: np.ndarray, w: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts treated overall, among cases and among controls at each threshold.

    ``w`` (B x N) are bootstrap multiplicities; returns arrays of shape (B, T) or (T,).
    """
    q = np.where(p == 0.0, -_EPS, np.where(p == 1.0, 1.0 + _EPS, p))  # dcurves' convention
    treat = (q[:, None] >= t[None, :]).astype(float)  # N x T
    if w is None:
        return treat.sum(axis=0), treat[y].sum(axis=0), treat[~y].sum(axis=0)
    return w @ treat, w[:, y] @ treat[y], w[:, ~y] @ treat[~y]


def decision_curve(
    y_true: Any,
    predictions: Mapping[str, Any] | pd.DataFrame | Any,
    thresholds: Any = None,
    *,
    pos_label: Any = 1,
    harm: Mapping[str, float] | None = None,
    prevalence: float | None = None,
    n_per: float = 1.0,
    ci: Literal["bootstrap"] | None = None,
    level: float = 0.95,
    n_bootstrap: int = 1000,
    random_state: Any = None,
) -> DecisionCurveResult:
    """Net benefit and net interventions avoided across threshold probabilities.

    Parameters
    ----------
    y_true : array-like
        Binary outcome.
    predictions : mapping of name -> array-like, DataFrame or one array
        Predicted risks in [0, 1] of each model (a DataFrame: one column per model).
    thresholds : array-like, optional
        Threshold probabilities in [0, 1); default ``0, 0.01, ..., 0.99`` (dcurves' default).
    pos_label : default 1
        Value of ``y_true`` marking an event.
    harm : mapping of name -> float, optional
        Harm of applying each model (subtracted from its net benefit).
    prevalence : float, optional
        Prevalence to use instead of the observed one (case-control samples).
    n_per : float
        Interventions avoided are reported per ``n_per`` patients (dcurves' ``nper``).
    ci : {"bootstrap", None}
        Percentile bootstrap band of each model's net benefit (resampling patients; within
        cases and controls when ``prevalence`` is given).
    level, n_bootstrap, random_state
        Confidence level, replicates and seed of the bootstrap.

    Returns
    -------
    DecisionCurveResult

    Examples
    --------
    >>> res = decision_curve([0, 1, 0, 1], {"m": [0.2, 0.7, 0.4, 0.6]}, [0.1, 0.5])
    >>> res.net_benefit("m").round(3).tolist()
    [0.444, 0.5]
    """
    y = _binary_outcome(y_true, pos_label)
    n = y.size
    preds = _predictions(predictions, n)
    t = _thresholds(thresholds)
    harm = dict(harm or {})
    unknown = set(harm) - set(preds)
    if unknown:
        raise ConfigError(f"harm names unknown model(s) {sorted(unknown)}; models are "
                          f"{list(preds)}.")
    if prevalence is None:
        prev = float(y.sum() / n)
    else:
        prev = float(prevalence)
        if not 0.0 < prev < 1.0:
            raise ConfigError(f"prevalence must lie in (0, 1); got {prevalence!r}.")
    if ci not in ("bootstrap", None):
        raise ConfigError(f"ci must be 'bootstrap' or None; got {ci!r}.")
    m, n0 = int(y.sum()), int((~y).sum())
    odds = t / (1.0 - t)

    all_p = {**preds, TREAT_ALL: np.ones(n), TREAT_NONE: np.zeros(n)}
    blocks = []
    nb_all = None
    for name, p in all_p.items():
        treated, tp, fp = _rates(p, y, t)
        h = float(harm.get(name, 0.0))
        tp_rate = tp / m * prev
        fp_rate = fp / n0 * (1.0 - prev)
        nb = tp_rate - odds * fp_rate - h
        if name == TREAT_ALL:
            nb_all = nb
        blocks.append(pd.DataFrame({
            "model": name, "threshold": t, "n": n, "prevalence": prev, "harm": h,
            "test_pos_rate": treated / n, "tp_rate": tp_rate, "fp_rate": fp_rate,
            "net_benefit": nb,
        }))
    assert nb_all is not None
    for block in blocks:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            nia = (block["net_benefit"].to_numpy() - nb_all) / odds * n_per
        nia[t == 0.0] = np.nan  # no threshold odds to divide by
        block["net_interventions_avoided"] = nia

    level = _check_level(level)
    if ci == "bootstrap":
        rng = _rng(random_state)
        b = _check_n_bootstrap(n_bootstrap)
        if prevalence is None:
            w = rng.multinomial(n, np.full(n, 1.0 / n), size=b).astype(float)
        else:  # case-control: keep the numbers of cases and controls
            w = np.zeros((b, n))
            w[:, y] = rng.multinomial(m, np.full(m, 1.0 / m), size=b)
            w[:, ~y] = rng.multinomial(n0, np.full(n0, 1.0 / n0), size=b)
        mb = w[:, y].sum(axis=1)
        nb_ = w[:, ~y].sum(axis=1)
        prev_b = mb / n if prevalence is None else np.full(b, prev)
        for block, (name, p) in zip(blocks, all_p.items()):
            _, tp, fp = _rates(p, y, t, w)
            with np.errstate(divide="ignore", invalid="ignore"):
                nbs = (tp / mb[:, None] * prev_b[:, None]
                       - odds[None, :] * fp / nb_[:, None] * (1.0 - prev_b[:, None])
                       - float(harm.get(name, 0.0)))
            bounds = np.array([_percentile_ci(nbs[:, j], level) for j in range(t.size)])
            block["net_benefit_lower"] = bounds[:, 0]
            block["net_benefit_upper"] = bounds[:, 1]
    frame = pd.concat(blocks, ignore_index=True)
    if not math.isfinite(prev):  # pragma: no cover - guarded above
        raise DataError("prevalence is not finite.")
    return DecisionCurveResult(frame, tuple(preds), prev, n, level)
