"""Intraclass correlation (reproducibility) of features measured twice or more, and a filter.

The same cases are measured repeatedly: segmented by several readers, re-scanned
(test-retest), or perturbed (rotated, translated, contour-randomised). Each feature then forms
an ``n cases x k repeats`` table, and the ICC says what share of its variance is between cases
rather than between repeats. A reproducibility filter keeps the features whose ICC reaches a
threshold.

Why hand-written: pingouin's ``intraclass_corr`` works on one feature at a time in long format
(thousands of features make that slow) and is not installed; statsmodels has no ICC. This
module computes the two-way ANOVA mean squares for all features at once with NumPy and
reproduces R's ``psych::ICC(x, lmer = FALSE)`` (values, F tests and confidence limits; the
tests match it to 1e-6 on golden CSVs) and Shrout & Fleiss's (1979) published Table 2.

Input layouts (``icc_table`` and ``ReproducibilityFilter.fit``):

- a *long* DataFrame with a case id column, a repeat id column and one column per feature,
  one row per (case, repeat) pair;
- a 3-D array ``cases x repeats x features``;
- a list of aligned tables, one per repeat (DataFrames with the same columns whose rows are
  matched on the index, or arrays of one shape).

The design must be complete: every case measured under every repeat, no missing values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from radiome.errors import ConfigError, DataError
from radiome.evaluate.estimate import Estimate
from radiome.select.filters import BaseSelector, check_finite_table

__all__ = ["ICC_FORMS", "ICCResult", "icc", "icc_table", "ReproducibilityFilter"]

#: The six Shrout & Fleiss forms with McGraw & Wong's names, and the aliases accepted.
ICC_FORMS: dict[str, dict[str, Any]] = {
    "ICC(1,1)": {
        "description": "one-way random effects, absolute agreement, single measurement",
        "aliases": ("ICC1",),
    },
    "ICC(2,1)": {
        "description": "two-way random effects, absolute agreement, single measurement",
        "aliases": ("ICC2", "ICC(A,1)"),
    },
    "ICC(3,1)": {
        "description": "two-way mixed effects, consistency, single measurement",
        "aliases": ("ICC3", "ICC(C,1)"),
    },
    "ICC(1,k)": {
        "description": "one-way random effects, absolute agreement, mean of k measurements",
        "aliases": ("ICC1k",),
    },
    "ICC(2,k)": {
        "description": "two-way random effects, absolute agreement, mean of k measurements",
        "aliases": ("ICC2k", "ICC(A,k)"),
    },
    "ICC(3,k)": {
        "description": "two-way mixed effects, consistency, mean of k measurements",
        "aliases": ("ICC3k", "ICC(C,k)"),
    },
}

_PATTERN = re.compile(r"^ICC\(([123AC]),(1|K|\d+)\)$|^ICC([123])(K?)$")


def _parse_form(form: Any, k: int | None = None) -> str:
    """Canonical form name (``"ICC(2,1)"``...) of ``form``; ``k`` checks an explicit count."""
    text = str(form).upper().replace(" ", "")
    m = _PATTERN.match(text)
    if not isinstance(form, str) or m is None:
        names = ", ".join(ICC_FORMS)
        raise ConfigError(
            f"form={form!r} is not an ICC form. Use one of {names} (Shrout & Fleiss), "
            "'ICC(A,1)', 'ICC(C,1)', 'ICC(A,k)', 'ICC(C,k)' (McGraw & Wong) or 'ICC1'...'ICC3k' (psych)."
        )
    if m.group(1):
        model = {"A": "2", "C": "3"}.get(m.group(1), m.group(1))
        count = m.group(2)
        if count not in ("1", "K"):
            if k is not None and int(count) != k:
                raise ConfigError(
                    f"form={form!r} names an average of {count} measurements but the data have "
                    f"{k} repeats; use 'ICC({model},k)'."
                )
            count = "K"
    else:
        model, count = m.group(3), ("K" if m.group(4) else "1")
    return f"ICC({model},{'k' if count == 'K' else '1'})"


# ---------------------------------------------------------------------------------------------
# Input layouts -> cube (cases x repeats x features)
# ---------------------------------------------------------------------------------------------


def _cube_from_long(df: pd.DataFrame, case: Any, repeat: Any, where: str) -> tuple[np.ndarray, list]:
    for col, what in ((case, "case_column"), (repeat, "repeat_column")):
        if col not in df.columns:
            raise DataError(
                f"{where}: the long table has no column {col!r} ({what}); its columns start "
                f"{list(df.columns[:6])}. Name the case and repeat id columns with "
                "case_column=... and repeat_column=..."
            )
    feats = [c for c in df.columns if c not in (case, repeat)]
    if not feats:
        raise DataError(f"{where}: the long table has no feature columns besides {case!r} and {repeat!r}.")
    bad = [c for c in feats if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])]
    if bad:
        raise DataError(f"{where}: non-numeric feature column(s) {bad[:5]}; drop them or encode them first.")
    if df[case].isna().any() or df[repeat].isna().any():
        raise DataError(f"{where}: the case or repeat id column has missing values.")
    ci, cases = pd.factorize(df[case], sort=False)
    ri, reps = pd.factorize(df[repeat], sort=True)
    n, k = len(cases), len(reps)
    key = ci * k + ri
    if np.unique(key).size != key.size:
        dup = df.loc[pd.Series(key).duplicated(keep=False).to_numpy(), [case, repeat]].head(3)
        raise DataError(
            f"{where}: some (case, repeat) pairs occur more than once, e.g. "
            f"{dup.to_dict('records')}; each case must have one row per repeat."
        )
    if key.size != n * k:
        counts = np.bincount(ci, minlength=n)
        short = [cases[i] for i in np.flatnonzero(counts < k)][:5]
        raise DataError(
            f"{where}: the design is incomplete: {n} cases x {k} repeats needs {n * k} rows but "
            f"there are {key.size}; case(s) {short} miss a repeat. Drop incomplete cases."
        )
    cube = np.empty((n, k, len(feats)))
    cube[ci, ri, :] = df[feats].to_numpy(dtype=float)
    return cube, feats


def _cube_from_list(tables: list, where: str) -> tuple[np.ndarray, list | None]:
    if len(tables) < 2:
        raise DataError(f"{where}: a list of repeats needs at least two aligned tables; got {len(tables)}.")
    if all(isinstance(t, pd.DataFrame) for t in tables):
        first = tables[0]
        cols = list(first.columns)
        for i, t in enumerate(tables[1:], start=1):
            if list(t.columns) != cols:
                raise DataError(f"{where}: table {i} does not have the columns of table 0 (same order).")
            if not t.index.equals(first.index) and not (
                t.index.is_unique and set(t.index) == set(first.index)
            ):
                raise DataError(
                    f"{where}: table {i} does not hold the same cases (index) as table 0; "
                    "the rows of the repeats are matched on the index."
                )
        if not first.index.is_unique:
            raise DataError(f"{where}: the case index of table 0 has duplicates.")
        try:
            arrays = [t.loc[first.index, cols].to_numpy(dtype=float) for t in tables]
        except (TypeError, ValueError) as exc:
            raise DataError(f"{where}: the tables must hold numeric features only: {exc}") from exc
        return np.stack(arrays, axis=1), cols
    try:
        arrays = [np.asarray(t, dtype=float) for t in tables]
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: the repeats must be numeric tables: {exc}") from exc
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1 or arrays[0].ndim != 2:
        raise DataError(f"{where}: the repeats must be 2-D tables of one shape; got shapes {sorted(shapes)}.")
    return np.stack(arrays, axis=1), None


def _to_cube(
    data: Any, case_column: Any, repeat_column: Any, where: str
) -> tuple[np.ndarray, list | None]:
    """Cube ``cases x repeats x features`` and the feature names (None for arrays)."""
    if isinstance(data, pd.DataFrame):
        cube, names = _cube_from_long(data, case_column, repeat_column, where)
    elif isinstance(data, (list, tuple)) and len(data) > 0 and (
        isinstance(data[0], pd.DataFrame) or np.ndim(data[0]) == 2
    ):
        cube, names = _cube_from_list(list(data), where)
    else:
        try:
            arr = np.asarray(data, dtype=float)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{where}: measurements must be numeric: {exc}") from exc
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise DataError(
                f"{where}: expected a long DataFrame, a list of aligned tables, a 2-D array "
                f"(cases x repeats) or a 3-D array (cases x repeats x features); got {arr.ndim}-D."
            )
        cube, names = arr, None
    n, k, p = cube.shape
    if n < 2 or k < 2:
        raise DataError(
            f"{where}: an ICC needs at least 2 cases and 2 repeats; got {n} cases and {k} repeats."
        )
    labels = [str(c) for c in names] if names is not None else [f"x{i}" for i in range(p)]
    check_finite_table(cube.reshape(n * k, p), labels, where, name="the repeated measurements")
    return cube, names


# ---------------------------------------------------------------------------------------------
# Computation (vectorised over features)
# ---------------------------------------------------------------------------------------------


def _mean_squares(cube: np.ndarray) -> dict[str, np.ndarray]:
    n, k, _ = cube.shape
    grand = cube.mean(axis=(0, 1))
    rows = cube.mean(axis=1)  # n x p
    cols = cube.mean(axis=0)  # k x p
    ss_rows = k * ((rows - grand) ** 2).sum(axis=0)
    ss_cols = n * ((cols - grand) ** 2).sum(axis=0)
    ss_within = ((cube - rows[:, None, :]) ** 2).sum(axis=(0, 1))
    resid = cube - rows[:, None, :] - cols[None, :, :] + grand
    ss_err = (resid**2).sum(axis=(0, 1))
    return {
        "MSR": ss_rows / (n - 1),
        "MSC": ss_cols / (k - 1),
        "MSW": ss_within / (n * (k - 1)),
        "MSE": ss_err / ((n - 1) * (k - 1)),
    }


def _icc_arrays(cube: np.ndarray, form: str, level: float) -> dict[str, np.ndarray]:
    """ICC, F, df1, df2, p and confidence limits for one form, all features at once.

    The formulas are those of Shrout & Fleiss (1979) and McGraw & Wong (1996) as coded in R's
    ``psych::ICC`` (including its interval for ICC(2,1) and the Spearman-Brown step-up of that
    interval for ICC(2,k)).
    """
    n, k, _ = cube.shape
    ms = _mean_squares(cube)
    msr, msc, msw, mse = ms["MSR"], ms["MSC"], ms["MSW"], ms["MSE"]
    a2 = 1.0 - (1.0 - level) / 2.0
    model, avg = form[4], form.endswith("k)")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if model == "1":
            df1, df2 = n - 1.0, n * (k - 1.0)
            F = msr / msw
            icc1 = (msr - msw) / (msr + (k - 1) * msw)
            value = (msr - msw) / msr if avg else icc1
            fl = F / stats.f.ppf(a2, df1, df2)
            fu = F * stats.f.ppf(a2, df2, df1)
        else:
            df1, df2 = n - 1.0, (n - 1.0) * (k - 1.0)
            F = msr / mse
            fl = F / stats.f.ppf(a2, df1, df2)
            fu = F * stats.f.ppf(a2, df2, df1)
        if model == "1" or model == "3":
            if model == "3":
                value = (msr - mse) / msr if avg else (msr - mse) / (msr + (k - 1) * mse)
            if avg:
                lower, upper = 1.0 - 1.0 / fl, 1.0 - 1.0 / fu
            else:
                lower, upper = (fl - 1.0) / (fl + k - 1.0), (fu - 1.0) / (fu + k - 1.0)
        else:
            icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
            value = (msr - mse) / (msr + (msc - mse) / n) if avg else icc2
            fj = msc / mse
            vn = (k - 1) * (n - 1) * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
            vd = (n - 1) * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
            v = vn / vd
            f3u = stats.f.ppf(a2, n - 1, v)
            f3l = stats.f.ppf(a2, v, n - 1)
            common = k * msc + (k * n - k - n) * mse
            lower = n * (msr - f3u * mse) / (f3u * common + n * msr)
            upper = n * (f3l * msr - mse) / (common + n * f3l * msr)
            if avg:
                lower = lower * k / (1 + lower * (k - 1))
                upper = upper * k / (1 + upper * (k - 1))
        p = stats.f.sf(F, df1, df2)
    value, lower, upper, F, p = (np.array(a, dtype=float, copy=True) for a in (value, lower, upper, F, p))
    err = msw if model == "1" else mse
    perfect = (err == 0) & (msr > 0)  # no disagreement at all: the limits tend to 1
    value[perfect], lower[perfect], upper[perfect], p[perfect] = 1.0, 1.0, 1.0, 0.0
    F[perfect] = np.inf
    dead = msr == 0
    for a in (value, lower, upper, F, p):
        a[dead] = np.nan
    size = value.shape
    return {
        "icc": value,
        "lower": lower,
        "upper": upper,
        "F": F,
        "df1": np.full(size, df1),
        "df2": np.full(size, df2),
        "p": p,
    }


def _check_level(level: Any, where: str) -> None:
    if not isinstance(level, Real) or not 0.0 < level < 1.0:
        raise ConfigError(f"{where}: level must lie in (0, 1), e.g. 0.95; got {level!r}.")


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ICCResult:
    """Intraclass correlation of one feature.

    Attributes
    ----------
    form : str
        Shrout & Fleiss name, e.g. ``"ICC(2,1)"``.
    description : str
        McGraw & Wong description (model, type, unit).
    estimate : Estimate
        The ICC with its F-based confidence interval (``method="F"``).
    F, df1, df2, p_value : float
        The F test of ICC = 0 (between-case over error mean square) and its degrees of freedom.
    n_cases, n_raters : int
        Cases (targets) and repeats (raters, judges).
    """

    form: str
    description: str
    estimate: Estimate
    F: float
    df1: float
    df2: float
    p_value: float
    n_cases: int
    n_raters: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "form": self.form,
            "description": self.description,
            "estimate": self.estimate.to_dict(),
            "F": self.F,
            "df1": self.df1,
            "df2": self.df2,
            "p_value": self.p_value,
            "n_cases": self.n_cases,
            "n_raters": self.n_raters,
        }


def icc(measurements: Any, form: str = "ICC(2,1)", level: float = 0.95) -> ICCResult:
    r"""Intraclass correlation of one feature measured on the same cases two or more times.

    With the two-way ANOVA mean squares of the ``n x k`` table (rows: cases, columns: repeats)
    :math:`MS_R` (between cases), :math:`MS_C` (between repeats), :math:`MS_E` (residual) and
    :math:`MS_W` (within cases, one-way):

    .. math::

        \mathrm{ICC}(1,1) &= \frac{MS_R - MS_W}{MS_R + (k-1) MS_W}, \qquad
        \mathrm{ICC}(1,k) = \frac{MS_R - MS_W}{MS_R}, \\
        \mathrm{ICC}(2,1) &= \frac{MS_R - MS_E}{MS_R + (k-1) MS_E + k (MS_C - MS_E)/n}, \qquad
        \mathrm{ICC}(2,k) = \frac{MS_R - MS_E}{MS_R + (MS_C - MS_E)/n}, \\
        \mathrm{ICC}(3,1) &= \frac{MS_R - MS_E}{MS_R + (k-1) MS_E}, \qquad
        \mathrm{ICC}(3,k) = \frac{MS_R - MS_E}{MS_R}.

    The F test is :math:`F = MS_R/MS_W` (form 1) or :math:`MS_R/MS_E` (forms 2, 3). Confidence
    limits are the exact F-based ones for forms 1 and 3 and Satterthwaite's approximation for
    form 2 (McGraw & Wong 1996, Table 7), as R's ``psych::ICC`` computes them.

    Parameters
    ----------
    measurements : array-like or DataFrame, shape (n_cases, n_repeats)
        One row per case, one column per repeat (rater, segmentation, perturbation).
    form : str, default "ICC(2,1)"
        ``"ICC(1,1)"``, ``"ICC(2,1)"``, ``"ICC(3,1)"``, ``"ICC(1,k)"``, ``"ICC(2,k)"``,
        ``"ICC(3,k)"``; McGraw & Wong's ``"ICC(A,1)"`` (= ICC(2,1)), ``"ICC(C,1)"``
        (= ICC(3,1)), ``"ICC(A,k)"``, ``"ICC(C,k)"``; psych's ``"ICC1"`` ... ``"ICC3k"``; or
        the count written out (``"ICC(3,4)"`` for four repeats).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    ICCResult

    References
    ----------
    Shrout PE, Fleiss JL. Intraclass correlations: uses in assessing rater reliability.
    Psychol Bull 1979;86:420-8. McGraw KO, Wong SP. Forming inferences about some intraclass
    correlation coefficients. Psychol Methods 1996;1:30-46.

    Examples
    --------
    >>> sf = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    >>> round(icc(sf, "ICC(3,1)").estimate.value, 2)
    0.71
    """
    where = "icc"
    _check_level(level, where)
    arr = measurements.to_numpy(dtype=float) if isinstance(measurements, pd.DataFrame) else measurements
    try:
        arr = np.asarray(arr, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: measurements must be a numeric cases x repeats table: {exc}") from exc
    if arr.ndim != 2:
        raise DataError(
            f"{where}: measurements must be 2-D (cases x repeats) for one feature; got shape "
            f"{arr.shape}. Use icc_table for many features."
        )
    cube, _ = _to_cube(arr, None, None, where)
    name = _parse_form(form, cube.shape[1])
    r = _icc_arrays(cube, name, level)
    return ICCResult(
        form=name,
        description=ICC_FORMS[name]["description"],
        estimate=Estimate(float(r["icc"][0]), float(r["lower"][0]), float(r["upper"][0]), level, "F"),
        F=float(r["F"][0]),
        df1=float(r["df1"][0]),
        df2=float(r["df2"][0]),
        p_value=float(r["p"][0]),
        n_cases=int(cube.shape[0]),
        n_raters=int(cube.shape[1]),
    )


def icc_table(
    data: Any,
    form: str = "ICC(2,1)",
    level: float = 0.95,
    case_column: Any = "case",
    repeat_column: Any = "repeat",
) -> pd.DataFrame:
    """ICC of every feature at once (vectorised), as :func:`icc` computes it for one.

    Parameters
    ----------
    data : long DataFrame, list of aligned tables, or 3-D array
        See the module docstring for the layouts. A long DataFrame has a ``case_column``, a
        ``repeat_column`` and one column per feature.
    form, level
        As in :func:`icc`.
    case_column, repeat_column
        Id columns of a long DataFrame.

    Returns
    -------
    pandas.DataFrame
        Indexed by feature, columns ``icc``, ``lower``, ``upper``, ``F``, ``df1``, ``df2``,
        ``p``. A constant feature (no variance at all) gets NaN.
    """
    return _table(data, form, level, case_column, repeat_column, "icc_table")[0]


def _table(
    data: Any, form: str, level: float, case_column: Any, repeat_column: Any, where: str
) -> tuple[pd.DataFrame, list | None]:
    _check_level(level, where)
    cube, names = _to_cube(data, case_column, repeat_column, where)
    name = _parse_form(form, cube.shape[1])
    r = _icc_arrays(cube, name, level)
    labels = names if names is not None else [f"x{i}" for i in range(cube.shape[2])]
    out = pd.DataFrame(r, index=pd.Index(labels, name="feature"))
    out.attrs["form"] = name
    return out, names


class ReproducibilityFilter(BaseSelector):
    """Keep the features that are reproducible across repeated measurements (ICC filter).

    ``fit`` takes the repeated measurements (the same cases measured two or more times, in any
    layout of the module docstring) and keeps each feature whose ICC, or the lower limit of its
    confidence interval, reaches ``threshold``. ``transform`` then takes ordinary tables (one
    row per case) with the same feature columns.

    To use the filter inside a scikit-learn ``Pipeline`` (whose ``fit`` sees the ordinary
    training table), pass the repeated measurements as ``repeated=``: ``fit(X)`` then computes
    the ICCs from ``repeated`` and keeps the reproducible columns of ``X``. The ICC does not
    use the outcome, so fitting it on a separate test-retest or perturbation set is not leakage.

    Parameters
    ----------
    threshold : float, default 0.75
        Minimum ICC (Koo & Li 2016: 0.75-0.9 "good", above 0.9 "excellent").
    form : str, default "ICC(2,1)"
        ICC form (see :func:`icc`); ICC(2,1) is absolute agreement of single measurements,
        the usual choice for inter-reader segmentation and test-retest studies.
    criterion : {"icc", "lower"}, default "icc"
        Compare the ICC itself, or the lower limit of its confidence interval, to ``threshold``.
    level : float, default 0.95
        Confidence level of the interval.
    case_column, repeat_column : str
        Id columns of a long DataFrame.
    repeated : optional
        Repeated measurements to judge reproducibility from when ``fit`` gets the ordinary
        table (Pipeline use). ``None``: ``fit`` gets the repeated measurements itself.

    Attributes
    ----------
    icc_ : pandas.DataFrame
        :func:`icc_table` of the features (``icc``, ``lower``, ``upper``, ``F``, ``p``...).
    support_ : ndarray of bool
        Kept features; a constant feature (ICC undefined) is dropped.

    References
    ----------
    Koo TK, Li MY. A guideline of selecting and reporting intraclass correlation coefficients
    for reliability research. J Chiropr Med 2016;15:155-63.
    """

    def __init__(
        self,
        threshold: float = 0.75,
        form: str = "ICC(2,1)",
        criterion: str = "icc",
        level: float = 0.95,
        case_column: Any = "case",
        repeat_column: Any = "repeat",
        repeated: Any = None,
    ) -> None:
        self.threshold = threshold
        self.form = form
        self.criterion = criterion
        self.level = level
        self.case_column = case_column
        self.repeated = repeated
        self.repeat_column = repeat_column

    def fit(self, X: Any, y: Any = None) -> ReproducibilityFilter:
        """Compute the ICCs and choose the features (``y`` is ignored)."""
        where = "ReproducibilityFilter.fit"
        if not isinstance(self.threshold, Real) or not -1.0 <= self.threshold <= 1.0:
            raise ConfigError(f"{where}: threshold must lie in [-1, 1]; got {self.threshold!r}.")
        if self.criterion not in ("icc", "lower"):
            raise ConfigError(f"{where}: criterion must be 'icc' or 'lower'; got {self.criterion!r}.")
        _parse_form(self.form)
        source = X if self.repeated is None else self.repeated
        table, names = _table(source, self.form, self.level, self.case_column, self.repeat_column, where)
        if self.repeated is None:
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            self.n_features_in_ = table.shape[0]
            if names is not None and all(isinstance(c, str) for c in names):
                self.feature_names_in_ = np.asarray(names, dtype=object)
        else:
            self._fit_table(X, min_rows=1)
            if hasattr(self, "feature_names_in_"):
                wanted = [str(c) for c in self.feature_names_in_]
                missing = [c for c in wanted if c not in table.index]
                if missing:
                    raise DataError(
                        f"{where}: {len(missing)} column(s) of X are not in the repeated "
                        f"measurements, e.g. {missing[:5]}; their reproducibility is unknown. "
                        "Measure them repeatedly or route them around the filter "
                        "(sklearn.compose.ColumnTransformer)."
                    )
                table = table.loc[wanted]
            elif table.shape[0] != self.n_features_in_:
                raise DataError(
                    f"{where}: X has {self.n_features_in_} columns but the repeated measurements "
                    f"have {table.shape[0]} features; with arrays they are matched by position."
                )
        score = table["icc"] if self.criterion == "icc" else table["lower"]
        self.icc_ = table
        self.support_ = np.asarray((score >= self.threshold).fillna(False), dtype=bool)
        return self

