"""Nomograms for logistic and Cox models, with the scales ``rms::nomogram`` draws.

A nomogram turns a linear predictor :math:`\\eta = \\beta_0 + \\sum_j f_j(x_j)` into points.
With :math:`f_j(x) = \\beta_j x` for a numeric predictor and the level's coefficient (0 for
the reference level) for a categorical one, ``rms`` evaluates every term at the predictor's
tick values and sets

.. math::

    \\mathrm{sc} = \\frac{\\mathrm{maxscale}}{\\max_j \\left(\\max f_j - \\min f_j\\right)},
    \\qquad \\mathrm{points}_j(x) = \\mathrm{sc}\\,\\bigl(f_j(x) - \\min f_j\\bigr),

so the predictor with the widest range of contributions spans 0-100. The total points
:math:`T = \\sum_j \\mathrm{points}_j` map back to :math:`\\eta = \\eta_0 + T/\\mathrm{sc}`,
:math:`\\eta_0 = \\beta_0 + \\sum_j \\min f_j`; the outcome axes place a probability
:math:`\\mathrm{expit}(\\eta)` (logistic) or a survival probability
:math:`S_0(t)^{\\exp(\\eta)}` (Cox) at the points where :math:`\\eta` gives it.

The rules below are those of ``rms`` 6.5 (``nomogram``, ``datadist``, ``Survival.cph``):

* tick values of a numeric predictor: its distinct values when it has at most ``n_unique``
  (10) of them, else R's ``pretty(range(x), n = nint)`` (which may reach past the data);
  a categorical predictor shows every level;
* the linear-predictor axis: ``pretty(range(eta over the data), nint)``;
* the total-points axis: ``pretty(c(0, max(maxscale, sc * max(lp_at - eta0))), nint)``
  (``maxscale`` alone for a single predictor);
* the outcome ticks: ``pretty(fun(range(lp_at)), nint)`` unless given; each tick's
  :math:`\\eta` is read off ``fun`` by linear interpolation over 1000 equally spaced values
  of the linear-predictor axis, and ticks outside it are dropped;
* Cox: the linear predictor is centred on its mean over the data (``cph``'s ``center``) and
  :math:`S_0` rescaled to match; :math:`S_0(t)` is read from a table as the step function
  ``Survival.cph`` uses (last time :math:`\\le t + 10^{-6}`).

Points agree with ``rms::nomogram`` to 1e-9 (tests/reference/r/rms.R). R's ``pretty`` is
re-implemented here (:func:`r_pretty`) because the tick values decide the scale.

References
----------
Harrell FE (2015). *Regression Modeling Strategies*, 2nd ed., Springer, section 10.10;
``rms`` package documentation for ``nomogram`` and ``datadist``.

Iasonos A, Schrag D, Raj GV, Panageas KS (2008). How to build and interpret a nomogram for
cancer prognosis. *J Clin Oncol* 26:1364-1370.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from radiome.errors import ConfigError, DataError

__all__ = ["Nomogram", "PredictorAxis", "OutcomeAxis", "r_pretty"]

_EPS = float(np.finfo(float).eps)


# --------------------------------------------------------------------------- R's pretty()
def r_pretty(lo: float, hi: float, n: int = 5) -> np.ndarray:
    """R's ``pretty(c(lo, hi), n)``: about ``n + 1`` equally spaced round values covering
    ``[lo, hi]``, with steps of 1, 2, 5 or 10 times a power of ten.

    Reproduces R 4.2 (``R_pretty`` with ``high.u.bias = 1.5``, ``u5.bias = 2.75``,
    ``min.n = n %/% 3``, ``shrink.sml = 0.75``) exactly on the tested ranges.

    Examples
    --------
    >>> r_pretty(0.0, 93.0, 10).tolist()
    [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0]
    """
    lo, hi = float(min(lo, hi)), float(max(lo, hi))
    min_n, h, h5 = n // 3, 1.5, 0.5 + 1.5 * 1.5
    dx = hi - lo
    if dx == 0 and hi == 0:
        cell, small = 1.0, True
    else:
        cell = max(abs(lo), abs(hi))
        u = (1 + (1 / (1 + h) if h5 >= 1.5 * h + 0.5 else 1.5 / (1 + h5))) * max(1, n) * _EPS
        small = dx < cell * u * 3
    if small:
        cell = (9 + cell / 10 if cell > 10 else cell) * 0.75
        if min_n > 1:
            cell /= min_n
    else:
        cell = dx / n if n > 1 else dx
    cell = max(cell, 2.0**-20 * sys.float_info.min)
    base = 10.0 ** math.floor(math.log10(cell))
    unit = base
    if 2 * base - cell < h * (cell - unit):
        unit = 2 * base
        if 5 * base - cell < h5 * (cell - unit):
            unit = 5 * base
            if 10 * base - cell < h * (cell - unit):
                unit = 10 * base
    ns, nu = math.floor(lo / unit + 1e-10), math.ceil(hi / unit - 1e-10)
    while ns * unit > lo + 1e-10 * unit:
        ns -= 1
    while nu * unit < hi - 1e-10 * unit:
        nu += 1
    k = int(0.5 + nu - ns)
    if k < min_n:
        k = min_n - k
        if ns >= 0:
            nu, ns = nu + k // 2, ns - k // 2 - k % 2
        else:
            ns, nu = ns - k // 2, nu + k // 2 + k % 2
        ndiv = min_n
    else:
        ndiv = k
    left, right = min(lo, ns * unit), max(hi, nu * unit)
    if ndiv == 0:
        return np.array([left])
    out = left + np.arange(ndiv + 1) * ((right - left) / ndiv)
    out[-1] = right
    out[np.abs(out) < 1e-14 * ((right - left) / ndiv)] = 0.0
    return out


def _approx(x: np.ndarray, y: np.ndarray, xout: np.ndarray) -> np.ndarray:
    """R's ``approx(x, y, xout, ties = mean)``: linear interpolation, NaN outside the range."""
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    order = np.argsort(x, kind="stable")
    ux, start, counts = np.unique(x[order], return_index=True, return_counts=True)
    uy = np.add.reduceat(y[order], start) / counts
    out = np.interp(xout, ux, uy)
    out[(xout < ux[0]) | (xout > ux[-1])] = np.nan
    return out


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.10g}"
    return str(v)


# --------------------------------------------------------------------------- axes
@dataclass(frozen=True, eq=False)
class PredictorAxis:
    """One predictor's row of the nomogram.

    Attributes
    ----------
    name
        Column name in the data.
    values
        Tick values (floats for a numeric predictor, level labels for a categorical one).
    points
        Points at each tick value.
    contributions
        The term :math:`f_j` at each tick value (``beta * x`` or the level's coefficient).
    categorical
        Whether the predictor is categorical (levels) rather than numeric.
    coefficient
        The slope (numeric) or a ``level -> coefficient`` dict (categorical, reference 0).
    """

    name: str
    values: tuple[Any, ...]
    points: np.ndarray
    contributions: np.ndarray
    categorical: bool
    coefficient: float | dict[str, float]

    @property
    def labels(self) -> tuple[str, ...]:
        """Tick labels."""
        return tuple(_fmt(v) for v in self.values)


@dataclass(frozen=True, eq=False)
class OutcomeAxis:
    """A probability or survival row: ``values`` placed at ``points`` (total-points scale),
    with the linear predictor ``lp`` that gives each value."""

    label: str
    values: np.ndarray
    points: np.ndarray
    lp: np.ndarray


@dataclass(frozen=True)
class _Term:
    name: str
    categorical: bool
    coef: float | dict[str, float]
    levels: tuple[Any, ...] = ()


# --------------------------------------------------------------------------- parsing
def _is_categorical(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))


def _levels(s: pd.Series) -> list[Any]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(pd.unique(s.dropna()).tolist(), key=lambda v: (isinstance(v, str), v))


def _level_key(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _split_dummy(key: str, data: pd.DataFrame) -> tuple[str, str] | None:
    """``grade=G2`` (rms), ``grade_G2`` (get_dummies), ``grade[T.G2]`` (patsy), ``gradeG2``."""
    best: tuple[str, str] | None = None
    for col in map(str, data.columns):
        for sep in ("=", "[T.", "_", ""):
            if not key.startswith(col + sep) or key == col:
                continue
            level = key[len(col) + len(sep):]
            if sep == "[T.":
                level = level.removesuffix("]")
            if level in {_level_key(v) for v in _levels(data[col])}:
                if best is None or len(col) > len(best[0]):
                    best = (col, level)
    return best


def _parse_terms(coefficients: Mapping[str, Any], data: pd.DataFrame) -> list[_Term]:
    numeric: dict[str, float] = {}
    cats: dict[str, dict[str, float]] = {}
    order: list[str] = []
    for key, val in coefficients.items():
        key = str(key)
        if isinstance(val, Mapping):
            col, mapping = key, {_level_key(k): float(v) for k, v in val.items()}
        elif key in data.columns and not _is_categorical(data[key]):
            numeric[key] = float(val)
            order.append(key)
            continue
        else:
            hit = _split_dummy(key, data)
            if hit is None:
                raise DataError(
                    f"coefficient {key!r} matches no column of data (columns: "
                    f"{', '.join(map(str, data.columns))}); name a numeric column, or a level of "
                    "a categorical one as 'column=level' or 'column_level'."
                )
            col, mapping = hit[0], {hit[1]: float(val)}
        if col not in data.columns:
            raise DataError(f"categorical predictor {col!r} is not a column of data.")
        if col in numeric:
            raise DataError(f"{col!r} has both a slope and per-level coefficients; give one.")
        cats.setdefault(col, {}).update(mapping)
        if col not in order:
            order.append(col)
    terms = []
    for col in order:
        if col in numeric:
            terms.append(_Term(col, False, numeric[col]))
            continue
        levels = tuple(_levels(data[col]))
        known = {_level_key(v) for v in levels}
        unknown = sorted(set(cats[col]) - known)
        if unknown:
            raise DataError(
                f"levels {unknown} of {col!r} do not occur in data (levels: {sorted(known)})."
            )
        terms.append(_Term(col, True, {_level_key(v): cats[col].get(_level_key(v), 0.0)
                                       for v in levels}, levels))
    if not terms:
        raise DataError("coefficients is empty; a nomogram needs at least one predictor.")
    return terms


def _term_values(term: _Term, x: pd.Series) -> np.ndarray:
    """The term f_j evaluated for each case."""
    if term.categorical:
        assert isinstance(term.coef, dict)
        keys = x.map(_level_key)
        bad = ~keys.isin(list(term.coef))
        if bad.any():
            raise DataError(
                f"{term.name!r} has values {sorted(set(keys[bad]))} that are not levels of the "
                f"nomogram ({sorted(term.coef)})."
            )
        return keys.map(term.coef).to_numpy(dtype=float)
    try:
        arr = x.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{term.name!r} must be numeric for a slope coefficient.") from None
    return float(term.coef) * arr  # type: ignore[arg-type]


def _baseline_function(baseline: Any) -> Callable[[float], float]:
    """S0(t) from a callable, a (time, surv) table, a Series indexed by time, or a step
    function object with ``x``/``y`` arrays (scikit-survival)."""
    if baseline is None:
        raise ConfigError("kind='cox' needs baseline_survival (a callable t -> S0(t) or a table).")
    if hasattr(baseline, "x") and hasattr(baseline, "y") and not isinstance(baseline, pd.DataFrame):
        t, s = np.asarray(baseline.x, float), np.asarray(baseline.y, float)
    elif isinstance(baseline, pd.DataFrame):
        if {"time", "surv"} <= set(baseline.columns):
            t, s = baseline["time"].to_numpy(float), baseline["surv"].to_numpy(float)
        else:
            t, s = baseline.index.to_numpy(float), baseline.iloc[:, 0].to_numpy(float)
    elif isinstance(baseline, pd.Series):
        t, s = baseline.index.to_numpy(float), baseline.to_numpy(float)
    elif callable(baseline):
        return lambda time: float(baseline(time))
    else:
        arr = np.asarray(baseline, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ConfigError("baseline_survival table must have two columns: time, survival.")
        t, s = arr[:, 0], arr[:, 1]
    order = np.argsort(t, kind="stable")
    t, s = t[order], s[order]

    def step(time: float) -> float:
        k = int(np.searchsorted(t, time + 1e-6, side="right")) - 1
        if time > t[-1] + 1e-6:
            return math.nan
        return 1.0 if k < 0 else float(s[k])

    return step


# --------------------------------------------------------------------------- nomogram
@dataclass(frozen=True, eq=False)
class Nomogram:
    """A nomogram: points per predictor, total points, linear predictor and outcome axes.

    Build it with :meth:`from_linear_predictor` or :meth:`from_estimator`; read the scales
    with :meth:`table`, score cases with :meth:`points_for`, draw it with :meth:`plot`.

    Attributes
    ----------
    kind
        ``"logistic"`` or ``"cox"``.
    predictors
        One :class:`PredictorAxis` per predictor, in coefficient order.
    scale
        ``sc``: points per unit of linear predictor.
    lp_zero
        Linear predictor at 0 total points (``rms``'s ``Intercept`` attribute).
    total_points
        Tick values of the total-points axis.
    lp_at, lp_points
        Linear-predictor ticks and their total points.
    outcomes
        One :class:`OutcomeAxis` per probability / survival row.
    maxscale
        Points of the widest predictor (100).
    intercept
        Intercept of the linear predictor as used (Cox: after centring).
    times
        Cox: the times of the survival axes.
    """

    kind: str
    predictors: tuple[PredictorAxis, ...]
    scale: float
    lp_zero: float
    total_points: np.ndarray
    lp_at: np.ndarray
    lp_points: np.ndarray
    outcomes: tuple[OutcomeAxis, ...]
    maxscale: float
    intercept: float
    times: tuple[float, ...] = ()
    _terms: tuple[_Term, ...] = field(default=(), repr=False)
    _funs: tuple[Callable[[np.ndarray], np.ndarray], ...] = field(default=(), repr=False)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_linear_predictor(
        cls,
        intercept: float,
        coefficients: Mapping[str, float | Mapping[Any, float]],
        data: pd.DataFrame,
        *,
        kind: Literal["logistic", "cox"] = "logistic",
        baseline_survival: Any = None,
        times: Sequence[float] = (),
        fun_at: Sequence[float] | Sequence[Sequence[float]] | None = None,
        lp_at: Sequence[float] | None = None,
        ticks: Mapping[str, Sequence[Any]] | None = None,
        outcome_labels: Sequence[str] | None = None,
        center: bool = True,
        maxscale: float = 100.0,
        nint: int = 10,
        n_unique: int = 10,
    ) -> Nomogram:
        """Nomogram of :math:`\\eta = \\mathrm{intercept} + \\sum_j f_j(x_j)`.

        Parameters
        ----------
        intercept
            :math:`\\beta_0` (logistic) or an offset of the Cox linear predictor (0 for a
            baseline at all-zero covariates; ``-center`` for ``cph``'s baseline).
        coefficients
            ``name -> slope`` for numeric columns of ``data``; categorical levels as
            ``"col=level"`` (rms), ``"col_level"`` (one-hot), ``"col[T.level]"`` (patsy) keys,
            or ``col -> {level: coefficient}``; absent levels are the reference (0).
        data
            The modelling data (raw columns): tick values and the linear-predictor axis come
            from it, as ``rms::datadist`` and ``fit$linear.predictors`` give them.
        kind
            ``"logistic"`` (probability axis) or ``"cox"`` (survival at each of ``times``).
        baseline_survival
            Cox: :math:`S_0(t)` for the linear predictor :math:`\\eta` as given: a callable,
            a ``(time, surv)`` table / DataFrame / Series, or a step function with ``x``/``y``.
        times
            Cox: times of the survival axes.
        fun_at
            Outcome tick values (one sequence for all axes, or one per axis); default R's
            ``pretty`` over the axis range.
        lp_at
            Linear-predictor ticks; default ``pretty(range(eta over data), nint)``.
        ticks
            Tick values for chosen numeric predictors (they set those predictors' ranges).
        outcome_labels
            Row labels of the outcome axes.
        center
            Cox: centre the linear predictor on its mean over ``data`` (as ``cph``).
        maxscale, nint, n_unique
            ``rms``'s ``maxscale``, ``nint`` and ``datadist``'s ``n.unique``.
        """
        if kind not in ("logistic", "cox"):
            raise ConfigError(f"kind must be 'logistic' or 'cox'; got {kind!r}.")
        if not isinstance(data, pd.DataFrame) or len(data) < 2:
            raise DataError("data must be a pandas DataFrame with at least 2 rows (the modelling data).")
        terms = _parse_terms(coefficients, data)
        used = data[[t.name for t in terms]]
        if used.isna().any().any():
            bad = used.columns[used.isna().any()].tolist()
            raise DataError(f"data has missing values in {bad}; use the complete cases the model was fitted on.")
        ticks = dict(ticks or {})
        contrib = np.column_stack([_term_values(t, used[t.name]) for t in terms])
        lp_data = float(intercept) + contrib.sum(axis=1)
        funs: list[Callable[[np.ndarray], np.ndarray]] = []
        labels: list[str]
        if kind == "cox":
            if not len(times):
                raise ConfigError("kind='cox' needs times=(t1, ...) for the survival axes.")
            s0 = _baseline_function(baseline_survival)
            shift = float(lp_data.mean()) if center else 0.0
            intercept, lp_data = float(intercept) - shift, lp_data - shift
            for t in times:
                base = s0(float(t)) ** math.exp(shift)
                funs.append(lambda eta, b=base: np.power(b, np.exp(eta)))
            labels = list(outcome_labels or [f"Survival at t={t:g}" for t in times])
        else:
            funs.append(lambda eta: 1.0 / (1.0 + np.exp(-np.asarray(eta, dtype=float))))
            labels = list(outcome_labels or ["Predicted probability"])
        if len(labels) != len(funs):
            raise ConfigError(f"outcome_labels needs {len(funs)} label(s); got {len(labels)}.")
        # tick values and contributions of every predictor
        axes_raw = []
        for t in terms:
            if t.categorical:
                vals: list[Any] = [_level_key(v) for v in t.levels]
                assert isinstance(t.coef, dict)
                fx = np.array([t.coef[v] for v in vals])
            else:
                col = used[t.name].to_numpy(dtype=float)
                if t.name in ticks:
                    vals = [float(v) for v in ticks[t.name]]
                else:
                    uniq = np.unique(col)
                    vals = uniq.tolist() if uniq.size <= n_unique else r_pretty(col.min(), col.max(), nint).tolist()
                fx = float(t.coef) * np.asarray(vals)  # type: ignore[arg-type]
            axes_raw.append((t, tuple(vals), fx))
        ranges = np.array([fx.max() - fx.min() for _, _, fx in axes_raw])
        if not ranges.max() > 0:
            raise DataError("every predictor contributes a constant; there is nothing to draw.")
        sc = float(maxscale) / float(ranges.max())
        lp_zero = float(intercept) + sum(float(fx.min()) for _, _, fx in axes_raw)
        predictors = tuple(
            PredictorAxis(t.name, vals, (fx - fx.min()) * sc, fx, t.categorical, t.coef)
            for t, vals, fx in axes_raw
        )
        lp_ticks = (np.asarray(lp_at, dtype=float) if lp_at is not None
                    else r_pretty(lp_data.min(), lp_data.max(), nint))
        sum_max = maxscale if len(terms) == 1 else max(maxscale, sc * float(np.max(lp_ticks - lp_zero)))
        total = r_pretty(0.0, sum_max, nint)
        # outcome axes: ticks placed by inverting fun on a 1000-point grid (as rms)
        if fun_at is None:
            fun_ats: list[Any] = [None] * len(funs)
        elif len(fun_at) and all(isinstance(v, (Sequence, np.ndarray)) for v in fun_at):
            fun_ats = [np.asarray(v, dtype=float) for v in fun_at]  # type: ignore[arg-type]
            if len(fun_ats) != len(funs):
                raise ConfigError(f"fun_at gives {len(fun_ats)} tick sets for {len(funs)} outcome axes.")
        else:
            fun_ats = [np.asarray(fun_at, dtype=float)] * len(funs)
        grid = np.linspace(lp_ticks.min(), lp_ticks.max(), 1000)
        outcomes = []
        for fun, at, lab in zip(funs, fun_ats, labels):
            fu = np.asarray(fun(grid), dtype=float)
            if at is None:
                ends = fun(np.array([lp_ticks.min(), lp_ticks.max()]))
                at = r_pretty(float(np.nanmin(ends)), float(np.nanmax(ends)), nint)
            w = _approx(fu, grid, np.asarray(at, dtype=float))
            ok = ~np.isnan(w)
            outcomes.append(OutcomeAxis(lab, np.asarray(at, dtype=float)[ok], (w[ok] - lp_zero) * sc, w[ok]))
        return cls(kind, predictors, sc, lp_zero, total, lp_ticks, (lp_ticks - lp_zero) * sc,
                   tuple(outcomes), float(maxscale), float(intercept), tuple(float(t) for t in times),
                   tuple(terms), tuple(funs))

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        data: pd.DataFrame,
        *,
        kind: Literal["logistic", "cox"] | None = None,
        baseline_survival: Any = None,
        times: Sequence[float] = (),
        fun_at: Sequence[float] | Sequence[Sequence[float]] | None = None,
        lp_at: Sequence[float] | None = None,
        ticks: Mapping[str, Sequence[Any]] | None = None,
        outcome_labels: Sequence[str] | None = None,
        center: bool = True,
        maxscale: float = 100.0,
        nint: int = 10,
        n_unique: int = 10,
    ) -> Nomogram:
        """Nomogram of a fitted linear model, duck-typed.

        * scikit-learn style (``LogisticRegression``, scikit-survival's
          ``CoxPHSurvivalAnalysis``): ``coef_``, ``feature_names_in_`` (fit it on a
          DataFrame), ``intercept_`` if any; a Cox model's ``baseline_survival_`` (step
          function at :math:`\\eta = X\\beta`) or ``predict_survival_function`` (step
          functions with ``x``/``y``, read at an all-zero covariate row).
        * lifelines ``CoxPHFitter``: ``params_`` and ``baseline_survival_``.

        ``data`` holds the raw modelling columns (one-hot columns are matched to their
        categorical column, see :meth:`from_linear_predictor`, which documents the other
        arguments; ``times=`` is needed for Cox). ``baseline_survival`` overrides the
        estimator's.
        """
        kwargs: dict[str, Any] = dict(times=times, fun_at=fun_at, lp_at=lp_at, ticks=ticks,
                                      outcome_labels=outcome_labels, center=center,
                                      maxscale=maxscale, nint=nint, n_unique=n_unique)
        if hasattr(estimator, "params_") and hasattr(estimator, "baseline_survival_"):
            params = pd.Series(estimator.params_)
            coefs = {str(k): float(v) for k, v in params.items()}
            mean = getattr(estimator, "_norm_mean", None)
            offset = -float(np.dot(np.asarray(mean, float), params.to_numpy())) if mean is not None else 0.0
            base = estimator.baseline_survival_ if baseline_survival is None else baseline_survival
            return cls.from_linear_predictor(offset, coefs, data, kind="cox", baseline_survival=base, **kwargs)
        if not hasattr(estimator, "coef_"):
            raise ConfigError(
                f"{type(estimator).__name__} has no coef_; fit it first, or use "
                "Nomogram.from_linear_predictor with the coefficients."
            )
        names = getattr(estimator, "feature_names_in_", None)
        if names is None:
            raise ConfigError("the estimator has no feature_names_in_; fit it on a pandas DataFrame.")
        coef = np.ravel(np.asarray(estimator.coef_, dtype=float))
        if coef.size != len(names):
            raise ConfigError(f"coef_ has {coef.size} values for {len(names)} features; binary models only.")
        intercept = float(np.ravel(getattr(estimator, "intercept_", 0.0))[0]) if np.size(
            getattr(estimator, "intercept_", 0.0)) else 0.0
        coefs = dict(zip(map(str, names), coef.tolist()))
        is_cox = kind == "cox" or (kind is None and (hasattr(estimator, "baseline_survival_")
                                                     or hasattr(estimator, "predict_survival_function")))
        if not is_cox:
            return cls.from_linear_predictor(intercept, coefs, data, kind="logistic", **kwargs)
        base = baseline_survival
        if base is None and hasattr(estimator, "baseline_survival_"):
            base = estimator.baseline_survival_
        elif base is None:  # S0 = survival function of the all-zero covariate row
            x0 = pd.DataFrame(np.zeros((1, len(names))), columns=list(names))
            fn = estimator.predict_survival_function(x0)[0]
            base = pd.Series(np.asarray(fn.y, float) ** math.exp(-intercept), index=np.asarray(fn.x, float))
        return cls.from_linear_predictor(intercept, coefs, data, kind="cox", baseline_survival=base, **kwargs)

    # ------------------------------------------------------------------ use
    def points_for(self, X: pd.DataFrame) -> pd.DataFrame:
        """Points of each predictor, total points, linear predictor and outcome(s) per case."""
        if not isinstance(X, pd.DataFrame):
            raise DataError("X must be a pandas DataFrame with the predictor columns.")
        missing = [t.name for t in self._terms if t.name not in X.columns]
        if missing:
            raise DataError(f"X lacks the predictor column(s) {missing}.")
        out = pd.DataFrame(index=X.index)
        for term, axis in zip(self._terms, self.predictors):
            f = _term_values(term, X[term.name])
            out[axis.name] = (f - axis.contributions.min()) * self.scale
        out["total_points"] = out[[a.name for a in self.predictors]].sum(axis=1)
        out["linear_predictor"] = self.lp_zero + out["total_points"] / self.scale
        for fun, axis in zip(self._funs, self.outcomes):
            out[axis.label] = fun(out["linear_predictor"].to_numpy())
        return out

    def table(self) -> pd.DataFrame:
        """Every axis tick: ``axis``, ``value``, ``label``, ``points`` (long format)."""
        rows: list[tuple[str, Any, str, float]] = []
        for a in self.predictors:
            rows += [(a.name, v, _fmt(v), float(p)) for v, p in zip(a.values, a.points)]
        rows += [("Total points", float(v), _fmt(float(v)), float(v)) for v in self.total_points]
        rows += [("Linear predictor", float(v), _fmt(float(v)), float(p)) for v, p in zip(self.lp_at, self.lp_points)]
        for o in self.outcomes:
            rows += [(o.label, float(v), _fmt(float(v)), float(p)) for v, p in zip(o.values, o.points)]
        return pd.DataFrame(rows, columns=["axis", "value", "label", "points"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the scales."""
        return {"kind": self.kind, "scale": self.scale, "lp_zero": self.lp_zero,
                "maxscale": self.maxscale, "times": list(self.times),
                "axes": self.table().assign(value=lambda d: d["value"].map(_fmt)).to_dict(orient="records")}

    # ------------------------------------------------------------------ figure
    def plot(self, ax: Any = None, *, fontsize: float = 8.0) -> Any:
        """Draw the nomogram (Points, one row per predictor, Total points, Linear predictor,
        outcome rows) on one Axes and return it. Total-points-based rows are compressed to
        the width of the Points row, as ``rms`` draws them."""
        from radiome.report.style import get_axes

        rows = 3 + len(self.predictors) + len(self.outcomes)
        ax = get_axes(ax, figsize=(8.0, 0.5 * rows + 0.6))
        width = self.maxscale
        tmax = float(self.total_points.max())
        k = width / tmax
        names: list[str] = []
        ax.set_xlim(-0.03 * width, 1.03 * width)
        # data units per character: the scales take about 3/4 of the figure's width
        per_char = 0.62 * fontsize / 72 * (1.06 * width) / (0.75 * ax.figure.get_figwidth())

        def row(y: float, xs: np.ndarray, labels: list[str], name: str, alternate: bool = False,
                minor: np.ndarray | None = None) -> None:
            names.append(name)
            xs = np.asarray(xs, dtype=float)
            order = np.argsort(xs)
            xs, labels = xs[order], [labels[i] for i in order]
            ax.hlines(y, xs.min(), xs.max(), color="black", lw=0.8)
            ax.vlines(xs, y, y + 0.14, color="black", lw=0.8)
            if minor is not None:
                ax.vlines(minor, y, y + 0.07, color="black", lw=0.6)
            half = [0.5 * per_char * (len(lab) + 1) for lab in labels]
            if alternate:  # levels: every label, alternately above and below when crowded
                ends = [-np.inf, -np.inf]
                for x, lab, hw in zip(xs, labels, half):
                    side = 0 if x - hw >= ends[0] else 1
                    ends[side] = x + hw
                    ax.text(x, y + 0.2 if side == 0 else y - 0.08, lab, ha="center",
                            va="bottom" if side == 0 else "top", fontsize=fontsize)
                return
            step = 1  # numeric scales: label every step-th tick so that labels do not touch
            while step < len(xs) and any(
                xs[j] - half[j] < xs[i] + half[i]
                for i, j in zip(range(0, len(xs), step), range(step, len(xs), step))
            ):
                step += 1
            for i in range(0, len(xs), step):
                ax.text(xs[i], y + 0.2, labels[i], ha="center", va="bottom", fontsize=fontsize)

        y = 0.0
        pts = r_pretty(0.0, width, 10)
        row(y, pts, [_fmt(float(v)) for v in pts], "Points", minor=np.arange(0.0, width + 1e-9, width / 50))
        for a in self.predictors:
            y -= 1
            pos: dict[float, list[str]] = {}
            for v, p in zip(a.labels, a.points):
                pos.setdefault(round(float(p), 9), []).append(v)
            row(y, np.array(list(pos)), [", ".join(v) for v in pos.values()], a.name,
                alternate=a.categorical or len(a.values) <= 3)
        y -= 1
        row(y, self.total_points * k, [_fmt(float(v)) for v in self.total_points], "Total points")
        inside = (self.lp_points >= -1e-9) & (self.lp_points <= tmax + 1e-9)
        y -= 1
        row(y, self.lp_points[inside] * k, [_fmt(float(v)) for v in self.lp_at[inside]], "Linear predictor")
        for o in self.outcomes:
            y -= 1
            keep = (o.points >= -1e-9) & (o.points <= tmax + 1e-9)
            if keep.sum() == 0:
                keep = np.ones(o.points.size, bool)
            row(y, o.points[keep] * k, [_fmt(float(v)) for v in o.values[keep]], o.label)
        ax.set_yticks(-np.arange(len(names)), names, fontsize=fontsize + 1)
        ax.tick_params(axis="y", length=0)
        ax.set_xticks([])
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        ax.set_ylim(y - 0.6, 0.7)
        return ax
