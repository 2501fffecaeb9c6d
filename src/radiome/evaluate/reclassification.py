"""Reclassification: net reclassification improvement (NRI) and integrated discrimination
improvement (IDI) of a new risk model over an old one.

With :math:`d_i = \\hat p_{\\text{new},i} - \\hat p_{\\text{old},i}` (continuous NRI) or the
change of risk category (categorical NRI), "up" meaning a move to a higher risk:

.. math::

    NRI_e = P(\\text{up} \\mid \\text{event}) - P(\\text{down} \\mid \\text{event}), \\quad
    NRI_{ne} = P(\\text{down} \\mid \\text{non-event}) - P(\\text{up} \\mid \\text{non-event}),
    \\quad NRI = NRI_e + NRI_{ne}

.. math::

    IDI = \\overline{d}_{\\text{events}} - \\overline{d}_{\\text{non-events}}
        = (\\overline{p}^{\\,new}_e - \\overline{p}^{\\,new}_{ne})
          - (\\overline{p}^{\\,old}_e - \\overline{p}^{\\,old}_{ne})

Asymptotic standard errors are those of ``Hmisc::improveProb`` (Pencina et al. 2008;
multinomial variance of the up/down proportions, which adds the term
:math:`-(n_{up} - n_{down})^2 / n^3` to Pencina's null-hypothesis form):

.. math::

    \\widehat{\\operatorname{Var}}(NRI_e) = \\frac{n_{up,e} + n_{down,e}}{n_e^2}
        - \\frac{(n_{up,e} - n_{down,e})^2}{n_e^3}, \\qquad
    \\widehat{\\operatorname{Var}}(IDI) = \\frac{s^2(d_e)}{n_e} + \\frac{s^2(d_{ne})}{n_{ne}}.

Intervals are estimate :math:`\\pm z_{1-\\alpha/2}\\,SE`, p-values two-sided from
:math:`z = \\text{estimate}/SE`. With ``ci="bootstrap"`` the interval is the percentile
interval over resamples (stratified by outcome) and the p-value uses the bootstrap SE.

Categories: a risk equal to a cut-off falls into the upper category (``p >= c``), the
threshold rule used everywhere in :mod:`radiome.evaluate`.

Why hand-written
----------------
No maintained Python library computes NRI/IDI with intervals; the formulas are short and are
checked against ``Hmisc::improveProb`` (R) to 1e-10.

References
----------
Pencina MJ, D'Agostino RB Sr, D'Agostino RB Jr, Vasan RS (2008). Evaluating the added
predictive ability of a new marker: from area under the ROC curve to reclassification and
beyond. *Statistics in Medicine* 27:157-172.

Pencina MJ, D'Agostino RB Sr, Steyerberg EW (2011). Extensions of net reclassification
improvement calculations to measure usefulness of new biomarkers. *Statistics in Medicine*
30:11-21.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from radiome.errors import ConfigError, DataError
from radiome.evaluate.estimate import Estimate
from radiome.evaluate.roc import (
    _binary_outcome,
    _check_level,
    _check_n_bootstrap,
    _percentile_ci,
    _rng,
    _scores,
    _z,
)

__all__ = ["ReclassificationResult", "reclassification"]

_NAMES = (
    "nri", "nri_events", "nri_nonevents",
    "categorical_nri", "categorical_nri_events", "categorical_nri_nonevents",
    "idi", "idi_events", "idi_nonevents",
)
_LABELS = {
    "nri": "Continuous NRI",
    "nri_events": "Continuous NRI (events)",
    "nri_nonevents": "Continuous NRI (non-events)",
    "categorical_nri": "Categorical NRI",
    "categorical_nri_events": "Categorical NRI (events)",
    "categorical_nri_nonevents": "Categorical NRI (non-events)",
    "idi": "IDI",
    "idi_events": "IDI (events: mean risk increase)",
    "idi_nonevents": "IDI (non-events: mean risk decrease)",
}


@dataclass(frozen=True, eq=False)
class ReclassificationResult:
    """NRI and IDI of a new model over an old one, with their intervals and p-values.

    Attributes
    ----------
    nri, nri_events, nri_nonevents : Estimate
        Continuous (category-free) NRI and its event / non-event components.
    categorical_nri, categorical_nri_events, categorical_nri_nonevents : Estimate or None
        Categorical NRI (when ``cutoffs`` were given).
    idi : Estimate
        Integrated discrimination improvement.
    idi_events, idi_nonevents : Estimate
        Mean risk increase among events and mean risk decrease among non-events
        (Hmisc's ``improveSens`` and ``improveSpec``); they sum to the IDI.
    p_values : Mapping
        Read-only mapping: two-sided p-value of each estimate above (keyed by attribute name).
    cutoffs : tuple of float or None
        Risk-category cut-offs.
    table : DataFrame or None
        Reclassification table: counts by outcome, old category and new category.
    n_events, n_nonevents : int
    """

    nri: Estimate
    nri_events: Estimate
    nri_nonevents: Estimate
    idi: Estimate
    idi_events: Estimate
    idi_nonevents: Estimate
    categorical_nri: Estimate | None
    categorical_nri_events: Estimate | None
    categorical_nri_nonevents: Estimate | None
    p_values: Mapping[str, float]
    cutoffs: tuple[float, ...] | None
    n_events: int
    n_nonevents: int
    table: pd.DataFrame | None = field(default=None, repr=False)

    def _estimates(self) -> dict[str, Estimate]:
        return {k: getattr(self, k) for k in _NAMES if getattr(self, k) is not None}

    def summary(self) -> pd.DataFrame:
        """One row per statistic: estimate, CI, CI method and p-value."""
        est = self._estimates()
        return pd.DataFrame(
            {
                "statistic": [_LABELS[k] for k in est],
                "estimate": [e.value for e in est.values()],
                "ci_lower": [e.lower for e in est.values()],
                "ci_upper": [e.upper for e in est.values()],
                "ci_method": [e.method for e in est.values()],
                "p_value": [self.p_values.get(k, math.nan) for k in est],
            },
            index=pd.Index(list(est), name="name"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every estimate, p-value, the cut-offs and the counts."""
        return {
            "estimates": {k: e.to_dict() for k, e in self._estimates().items()},
            "p_values": dict(self.p_values),
            "cutoffs": list(self.cutoffs) if self.cutoffs is not None else None,
            "n_events": self.n_events,
            "n_nonevents": self.n_nonevents,
        }

    def plot(self, ax: Any = None) -> Any:
        """Forest plot of the NRI and IDI statistics with their intervals."""
        from radiome.report.style import color, get_axes

        est = self._estimates()
        ax = get_axes(ax, figsize=(5.5, 0.45 * len(est) + 1.0))
        ypos = np.arange(len(est))[::-1]
        for yi, (k, e) in zip(ypos, est.items()):
            c = color(0) if k.startswith("nri") else color(1) if k.startswith("cat") \
                else color(2)
            if e.has_interval:
                ax.plot([e.lower, e.upper], [yi, yi], color=c, lw=1.4)
            ax.plot([e.value], [yi], "o", color=c, ms=5)
        ax.axvline(0.0, color="0.5", lw=0.8, ls=":")
        ax.set_yticks(ypos)
        ax.set_yticklabels([_LABELS[k] for k in est])
        ax.set_xlabel("Improvement of the new model (estimate and CI)")
        return ax


def _nri_parts(up_e: Any, down_e: Any, up_ne: Any, down_ne: Any, ne: int, nne: int
               ) -> tuple[Any, Any, Any]:
    ev = (up_e - down_e) / ne
    nev = (down_ne - up_ne) / nne
    return ev + nev, ev, nev


def _nri_var(up: float, down: float, n: int) -> float:
    return (up + down) / n**2 - (up - down) ** 2 / n**3


def _stat(value: float, se: float, level: float) -> tuple[Estimate, float]:
    if not math.isfinite(se) or se <= 0.0:
        return Estimate(value, level=level, method="asymptotic"), math.nan
    half = _z(level) * se
    p = float(2.0 * stats.norm.sf(abs(value / se)))
    return Estimate(value, value - half, value + half, level, "asymptotic"), p


def _categories(p: np.ndarray, cutoffs: np.ndarray) -> np.ndarray:
    return np.searchsorted(cutoffs, p, side="right")


def _check_cutoffs(cutoffs: Sequence[float] | None) -> np.ndarray | None:
    if cutoffs is None:
        return None
    c = np.atleast_1d(np.asarray(cutoffs, dtype=float))
    if c.size == 0 or not np.isfinite(c).all() or (c <= 0).any() or (c >= 1).any() \
            or (np.diff(c) <= 0).any():
        raise ConfigError(f"cutoffs must be increasing risks strictly between 0 and 1, for "
                          f"example (0.1, 0.3); got {cutoffs!r}.")
    return c


def _all_stats(d: np.ndarray, up_c: np.ndarray | None, down_c: np.ndarray | None,
               y: np.ndarray) -> dict[str, Any]:
    """Point statistics, vectorised over rows of d (B x N) or for one vector (N,)."""
    ev, ne = y, ~y
    m, n = ev.sum(), ne.sum()
    out: dict[str, Any] = {}
    out["nri"], out["nri_events"], out["nri_nonevents"] = _nri_parts(
        (d[..., ev] > 0).sum(-1), (d[..., ev] < 0).sum(-1),
        (d[..., ne] > 0).sum(-1), (d[..., ne] < 0).sum(-1), m, n)
    if up_c is not None and down_c is not None:
        (out["categorical_nri"], out["categorical_nri_events"],
         out["categorical_nri_nonevents"]) = _nri_parts(
            up_c[..., ev].sum(-1), down_c[..., ev].sum(-1),
            up_c[..., ne].sum(-1), down_c[..., ne].sum(-1), m, n)
    out["idi_events"] = d[..., ev].mean(-1)
    out["idi_nonevents"] = -d[..., ne].mean(-1)
    out["idi"] = out["idi_events"] + out["idi_nonevents"]
    return out


def reclassification(
    y_true: Any,
    p_old: Any,
    p_new: Any,
    *,
    cutoffs: Sequence[float] | None = None,
    pos_label: Any = 1,
    ci: Literal["asymptotic", "bootstrap"] = "asymptotic",
    level: float = 0.95,
    n_bootstrap: int = 2000,
    random_state: Any = None,
) -> ReclassificationResult:
    """Continuous and categorical NRI and the IDI of ``p_new`` over ``p_old``.

    Parameters
    ----------
    y_true : array-like
        Binary outcome (event = ``pos_label``).
    p_old, p_new : array-like
        Predicted risks in [0, 1] of the old and the new model, same cases, same order.
    cutoffs : sequence of float, optional
        Risk-category cut-offs for the categorical NRI, e.g. ``(0.1, 0.3)`` for low /
        intermediate / high (``p >= cutoff`` is in the upper category).
    pos_label : default 1
        Value of ``y_true`` marking an event.
    ci : {"asymptotic", "bootstrap"}
        Hmisc/Pencina standard errors, or the percentile bootstrap (stratified by outcome).
    level : float
        Confidence level.
    n_bootstrap, random_state
        Bootstrap replicates and seed.

    Returns
    -------
    ReclassificationResult

    Examples
    --------
    >>> res = reclassification([0, 0, 1, 1], [0.2, 0.4, 0.5, 0.6], [0.1, 0.5, 0.7, 0.8])
    >>> round(res.nri.value, 2), round(res.idi.value, 2)
    (1.0, 0.2)
    """
    y = _binary_outcome(y_true, pos_label)
    po = _scores(p_old, y.size, "p_old")
    pn = _scores(p_new, y.size, "p_new")
    for name, p in (("p_old", po), ("p_new", pn)):
        if p.min() < 0.0 or p.max() > 1.0:
            raise DataError(f"{name} must be predicted risks in [0, 1]; found values from "
                            f"{p.min():.3g} to {p.max():.3g}. Pass probabilities, not scores.")
    level = _check_level(level)
    if ci not in ("asymptotic", "bootstrap"):
        raise ConfigError(f"ci must be 'asymptotic' or 'bootstrap'; got {ci!r}.")
    cut = _check_cutoffs(cutoffs)
    ev, ne = y, ~y
    m, n = int(ev.sum()), int(ne.sum())
    d = pn - po
    up_c = down_c = None
    table = None
    if cut is not None:
        co, cn = _categories(po, cut), _categories(pn, cut)
        up_c, down_c = cn > co, cn < co
        edges = np.r_[0.0, cut, 1.0]
        labels = [f"[{edges[i]:g}, {edges[i + 1]:g})" if i < cut.size else
                  f"[{edges[i]:g}, {edges[i + 1]:g}]" for i in range(cut.size + 1)]
        cats = pd.CategoricalDtype(labels, ordered=True)
        table = (pd.DataFrame({
            "outcome": np.where(y, "event", "non-event"),
            "old": pd.Categorical.from_codes(co, dtype=cats),
            "new": pd.Categorical.from_codes(cn, dtype=cats),
        }).groupby(["outcome", "old", "new"], observed=False).size().rename("n").reset_index())
    point = {k: float(v) for k, v in _all_stats(d, up_c, down_c, y).items()}

    se: dict[str, float] = {}

    def nri_se(up: np.ndarray, down: np.ndarray, prefix: str) -> None:
        ve = _nri_var(float(up[ev].sum()), float(down[ev].sum()), m)
        vn = _nri_var(float(up[ne].sum()), float(down[ne].sum()), n)
        se[prefix] = math.sqrt(ve + vn)
        se[prefix + "_events"] = math.sqrt(ve)
        se[prefix + "_nonevents"] = math.sqrt(vn)

    nri_se(d > 0, d < 0, "nri")
    if up_c is not None and down_c is not None:
        nri_se(up_c, down_c, "categorical_nri")
    ve = float(np.var(d[ev], ddof=1)) / m if m > 1 else math.nan
    vn = float(np.var(d[ne], ddof=1)) / n if n > 1 else math.nan
    se["idi"], se["idi_events"], se["idi_nonevents"] = (
        math.sqrt(ve + vn), math.sqrt(ve), math.sqrt(vn))

    est: dict[str, Estimate] = {}
    pvals: dict[str, float] = {}
    if ci == "asymptotic":
        for k, v in point.items():
            est[k], pvals[k] = _stat(v, se[k], level)
    else:
        rng = _rng(random_state)
        b_total = _check_n_bootstrap(n_bootstrap)
        pos_idx, neg_idx = np.flatnonzero(ev), np.flatnonzero(ne)
        boots: dict[str, list[np.ndarray]] = {k: [] for k in point}
        chunk = max(1, int(1_000_000 // y.size))
        for start in range(0, b_total, chunk):
            b = min(chunk, b_total - start)
            idx = np.concatenate([pos_idx[rng.integers(0, m, (b, m))],
                                  neg_idx[rng.integers(0, n, (b, n))]], axis=1)
            yb = np.r_[np.ones(m, bool), np.zeros(n, bool)]
            res = _all_stats(d[idx], None if up_c is None else up_c[idx],
                             None if down_c is None else down_c[idx], yb)
            for k in point:
                boots[k].append(np.asarray(res[k], dtype=float))
        for k, v in point.items():
            arr = np.concatenate(boots[k])
            lo, hi = _percentile_ci(arr, level)
            est[k] = Estimate(v, lo, hi, level, "bootstrap")
            sd = float(np.std(arr, ddof=1))
            pvals[k] = float(2.0 * stats.norm.sf(abs(v / sd))) if sd > 0 else math.nan
    return ReclassificationResult(
        est["nri"], est["nri_events"], est["nri_nonevents"],
        est["idi"], est["idi_events"], est["idi_nonevents"],
        est.get("categorical_nri"), est.get("categorical_nri_events"),
        est.get("categorical_nri_nonevents"),
        MappingProxyType(pvals),
        tuple(float(c) for c in cut) if cut is not None else None,
        m, n, table,
    )
