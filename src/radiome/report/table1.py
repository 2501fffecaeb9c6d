"""Table 1: the characteristics of a study population, overall and by group, with p-values.

:func:`table_one` summarises each variable of a clinical (or feature) table the way clinical
radiomics papers do:

* **continuous, normal**: mean ± SD (SD with :math:`n - 1`);
* **continuous, non-normal**: median (Q1, Q3), quartiles by linear interpolation (R's
  ``quantile(type = 7)``, pandas' default);
* **categorical**: n (%) per level, the percentage of the non-missing values of the column;
* **missing values**: a ``Missing`` row, n (%) of all rows of the column, for every variable
  with a missing value;

in an ``Overall`` column and one column per group of each grouping variable in ``by`` (for
example training vs test set, and outcome 0 vs 1), each grouping followed by its p-value.

Which summary (the normality rule). With ``nonnormal="auto"`` a continuous variable is
summarised as non-normal when the Shapiro-Wilk test rejects normality at ``normality_alpha``
in **at least one group** of any grouping (in the whole column when there is no ``by``);
groups with fewer than 3 values, or constant ones, are not tested. A list names the
non-normal variables exactly (every other continuous variable is taken as normal); ``None``
takes every continuous variable as normal.

Which test (between the groups of one grouping, on the non-missing values):

==========================  ==================================  ===============================
variable                    2 groups                            3+ groups
==========================  ==================================  ===============================
continuous, normal          Student's t-test (equal variances)  one-way ANOVA (equal variances)
continuous, non-normal      Mann-Whitney U (two-sided)          Kruskal-Wallis
categorical                 chi-square (Yates-corrected for 2x2 tables), or Fisher's exact test
                            when an expected count is below 5
==========================  ==================================  ===============================

These are the choices of R's ``tableone::CreateTableOne`` / ``print(..., nonnormal=,
exact=)``: ``oneway.test(var.equal = TRUE)`` (Student's t for two groups, not Welch's),
``chisq.test(correct = TRUE)`` (Yates only for 2x2), ``fisher.test``; for non-normal
variables with two groups ``tableone`` uses ``kruskal.test``, whose p-value differs from the
Mann-Whitney U test's only by the latter's continuity correction (and exact small-sample
p-values). The functions are scipy's: :func:`scipy.stats.ttest_ind` (``equal_var=True``),
:func:`scipy.stats.f_oneway`, :func:`scipy.stats.mannwhitneyu` with R's ``wilcox.test``
rule (the exact p-value when both groups have fewer than 50 values and there are no ties,
else the normal approximation with tie and continuity corrections), :func:`scipy.stats.kruskal`,
:func:`scipy.stats.chi2_contingency` (``correction=True``) and
:func:`scipy.stats.fisher_exact` (2x2). Fisher's exact test of larger tables (the
Freeman-Halton extension) is hand-written for two-row tables (exact enumeration of the
tables with the observed margins, two-sided p-value = total probability of the tables no
more probable than the observed one, with R's relative tolerance :math:`10^{-7}`: the value
of R's ``fisher.test``), because scipy computes it only by Monte Carlo; tables with three or
more rows and columns, or too many tables to enumerate, use scipy's Monte Carlo p-value
(9,999 resamples seeded by ``random_state``, like R's ``fisher.test(simulate.p.value =
TRUE)``).

Categorical or continuous: a column is categorical when it is listed in ``categorical``, is
not numeric (strings, categories, booleans), or is numeric with at most two distinct values
(0/1 indicators). Rows whose grouping value is missing count
in ``Overall`` only.

References
----------
.. [1] Yoshida K, Bartel A. tableone: Create 'Table 1' to Describe Baseline Characteristics
   (R package), https://CRAN.R-project.org/package=tableone.
.. [2] Hayes-Larson E, et al. Who is in this study, anyway? Guidelines for a useful Table 1.
   J Clin Epidemiol 2019;114:125-132.
.. [3] Freeman GH, Halton JH. Note on an exact treatment of contingency, goodness of fit and
   other problems of significance. Biometrika 1951;38:141-149.
"""

from __future__ import annotations

import difflib
import html
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from radiome.errors import ConfigError, DataError

__all__ = ["TableOne", "table_one", "TEST_DESCRIPTIONS"]

#: The tests :func:`table_one` may choose, with the description printed under the table.
TEST_DESCRIPTIONS: Mapping[str, str] = MappingProxyType({
    "t-test": "Student's two-sample t-test (equal variances)",
    "ANOVA": "one-way ANOVA (equal variances)",
    "Mann-Whitney U": "two-sided Mann-Whitney U test",
    "Kruskal-Wallis": "Kruskal-Wallis test",
    "chi-square": "Pearson's chi-square test (Yates' continuity correction for 2x2 tables)",
    "Fisher exact": "Fisher's exact test (an expected count < 5)",
    "Fisher exact (Monte Carlo)": (
        "Fisher's exact test, Monte Carlo p-value with 9,999 resamples (an expected count < 5)"
    ),
})

_NUMERIC_COLUMNS = ("variable", "kind", "level", "by", "group", "n", "missing", "missing_pct", "mean", "sd",
                    "median", "q1", "q3", "count", "pct", "p", "statistic", "test")
_MONTE_CARLO_RESAMPLES = 9999
_MAX_ENUMERATION = 2_000_000
_OVERALL = "Overall"
_MISSING = "Missing"


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class TableOne:
    """A Table 1: summaries overall and by group, p-values between groups.

    Attributes
    ----------
    variables : tuple of str
        The summarised columns, in table order.
    kinds : Mapping[str, str]
        ``variable -> 'normal' | 'nonnormal' | 'categorical'``.
    by : tuple of str
        The grouping variables, one block of columns each (empty: overall only).
    groups : Mapping[str, tuple of str]
        ``grouping -> group labels`` in column order.
    n : int
        Rows of the data.
    normality : Mapping[str, float]
        ``continuous variable -> smallest Shapiro-Wilk p-value`` over the groups the rule
        looks at (NaN when no group could be tested).
    numbers : pandas.DataFrame
        The numbers behind every cell (see :meth:`to_numeric_frame`).
    digits, p_digits : int
        Decimals of summaries and percentages, and of p-values.
    tests : bool
        Whether p-values were computed.
    """

    variables: tuple[str, ...]
    kinds: Mapping[str, str]
    by: tuple[str, ...]
    groups: Mapping[str, tuple[str, ...]]
    n: int
    normality: Mapping[str, float]
    numbers: pd.DataFrame
    digits: int = 1
    p_digits: int = 3
    tests: bool = True

    # ----------------------------------------------------------------- numbers

    def to_numeric_frame(self) -> pd.DataFrame:
        """The numbers behind every cell, one row per variable x level x column.

        Returns
        -------
        pandas.DataFrame
            Columns ``variable, kind, level, by, group`` (``by`` is ``''`` and ``group``
            ``'Overall'`` for the overall column; ``level`` is ``''`` for continuous
            variables), ``n`` (non-missing values; for the ``'n'`` row, the rows of the
            column), ``missing``, ``missing_pct`` (of the column's rows), ``mean, sd, median,
            q1, q3`` (continuous), ``count, pct`` (categorical level), ``p, statistic, test``
            (the variable's test in that grouping, repeated on each of its rows; NaN / ``''``
            for the overall column).
        """
        return self.numbers.copy()

    @property
    def p_values(self) -> pd.DataFrame:
        """``variable x grouping`` table of p-values (NaN where no test was possible)."""
        rows = self.numbers[(self.numbers["by"] != "") & (self.numbers["kind"] != "n")]
        if rows.empty:
            return pd.DataFrame(index=pd.Index(self.variables, name="variable"), columns=list(self.by), dtype=float)
        out = rows.drop_duplicates(["variable", "by"]).pivot(index="variable", columns="by", values="p")
        return out.reindex(index=list(self.variables), columns=list(self.by)).astype(float)

    # ----------------------------------------------------------------- display

    def _meta_names(self, b: str) -> tuple[str, str]:
        """Display names of grouping ``b``'s p-value and test columns (renamed if a group has that name)."""
        return ("p-value" if "p" in self.groups[b] else "p", "test used" if "test" in self.groups[b] else "test")

    def _columns(self, test: bool) -> list[tuple[str, str, str]]:
        """(by, role, display name) of every column; role is 'group', 'p' or 'test'."""
        cols = [("", "group", _OVERALL)]
        for b in self.by:
            cols += [(b, "group", g) for g in self.groups[b]]
            p_name, test_name = self._meta_names(b)
            if self.tests:
                cols.append((b, "p", p_name))
                if test:
                    cols.append((b, "test", test_name))
        return cols

    def _label(self, var: str) -> str:
        suffix = {"normal": ", mean ± SD", "nonnormal": ", median (IQR)", "categorical": ", n (%)"}
        return str(var) + suffix[self.kinds[var]]

    def _rows(self, test: bool) -> list[tuple[str, str, str, dict[tuple[str, str, str], str], bool]]:
        """(variable, label, level, cells, is_first_row_of_variable) in table order."""
        d = self.digits
        num = self.numbers
        out = []
        n_rows = num[num["kind"] == "n"].to_dict(orient="records")
        out.append(("n", "n", "", {_key(r): str(int(r["n"])) for r in n_rows}, True))
        for var in self.variables:
            rows = num[num["variable"] == var].to_dict(orient="records")
            label = self._label(var)
            pcells: dict[tuple[str, str, str], str] = {}
            for b in self.by if self.tests else ():
                first = next(r for r in rows if r["by"] == b)
                p_name, test_name = self._meta_names(b)
                pcells[(b, "p", p_name)] = _format_p(first["p"], self.p_digits)
                if test:
                    pcells[(b, "test", test_name)] = first["test"]
            if self.kinds[var] == "categorical":
                levels = list(dict.fromkeys(r["level"] for r in rows))
                for i, level in enumerate(levels):
                    cells = {_key(r): _format_count(r["count"], r["pct"], d) for r in rows if r["level"] == level}
                    if i == 0:
                        cells.update(pcells)
                    out.append((var, label, level, cells, i == 0))
            else:
                cells = {_key(r): _format_continuous(r, self.kinds[var], d) for r in rows}
                cells.update(pcells)
                out.append((var, label, "", cells, True))
            if max(int(r["missing"]) for r in rows) > 0:
                cells = {}
                for r in rows:
                    cells.setdefault(_key(r), _format_count(r["missing"], r["missing_pct"], d))
                out.append((var, label, _MISSING, cells, False))
        return out

    def to_frame(self, *, test: bool = False) -> pd.DataFrame:
        """The display table: formatted strings, as printed in a paper.

        Parameters
        ----------
        test : bool
            Add a ``test`` column (the test's name) after each grouping's ``p``.

        Returns
        -------
        pandas.DataFrame
            Rows indexed by ``(variable, level)`` (the variable label carries its summary:
            ``'age, mean ± SD'``, ``'ldh, median (IQR)'``, ``'sex, n (%)'``; ``level`` is the
            category, ``'Missing'``, or ``''``); columns indexed by ``(by, group)``:
            ``('', 'Overall')``, then per grouping its groups and ``'p'``. The p-value (``'<0.001'``
            below :math:`10^{-p\\_digits}`) stands on a variable's first row.
        """
        cols = self._columns(test)
        rows = self._rows(test)
        index = pd.MultiIndex.from_tuples([(r[1], r[2]) for r in rows], names=["variable", "level"])
        columns = pd.MultiIndex.from_tuples([(c[0], c[2]) for c in cols], names=["by", "group"])
        values = [[r[3].get(c, "") for c in cols] for r in rows]
        return pd.DataFrame(values, index=index, columns=columns)

    def _footnote(self) -> str:
        used = [t for t in TEST_DESCRIPTIONS if t in set(self.numbers["test"])]
        if not used:
            return ""
        parts = [TEST_DESCRIPTIONS[t] for t in used]
        return (f"Mean ± SD, median (Q1, Q3) or n (%) of non-missing values; Missing: n (%) of all rows. "
                f"p-values: {'; '.join(parts)}.")

    def to_html(self, *, test: bool = False) -> str:
        """A self-contained ``<table>`` fragment (inline styles only, no external CSS).

        Parameters
        ----------
        test : bool
            Add each grouping's test name column.

        Returns
        -------
        str
            ``<table class="radiome-table1">`` with a two-row header when there are groups,
            categorical levels indented under their variable, and a footnote naming the tests.
        """
        def esc(text: str) -> str:
            return html.escape(str(text), quote=False)

        cols = self._columns(test)
        td = 'style="padding:2px 8px;text-align:{}"'
        lines = ['<table class="radiome-table1" style="border-collapse:collapse;font-size:0.9em">', "<thead>"]
        rowspan = 2 if self.by else 1
        top = f'<th {td.format("left")} rowspan="{rowspan}">Variable</th>'
        top += f'<th {td.format("center")} rowspan="{rowspan}">{_OVERALL}</th>'
        second = ""
        for b in self.by:
            span = sum(1 for c in cols if c[0] == b)
            top += (f'<th style="padding:2px 8px;text-align:center;border-bottom:1px solid #999" '
                    f'colspan="{span}">{esc(b)}</th>')
            second += "".join(f'<th {td.format("center")}>{esc(c[2])}</th>' for c in cols if c[0] == b)
        lines.append(f"<tr>{top}</tr>")
        if self.by:
            lines.append(f"<tr>{second}</tr>")
        lines += ["</thead>", "<tbody>"]
        for var, label, level, cells, first in self._rows(test):
            if first and level and self.kinds.get(var) == "categorical":  # header row with the p-value
                head = f'<td {td.format("left")}>{esc(label)}</td>'
                head += "".join(f'<td {td.format("center")}>{esc(cells.get(c, "") if c[1] != "group" else "")}</td>'
                                for c in cols)
                lines.append(f"<tr>{head}</tr>")
                cells = {c: v for c, v in cells.items() if c[1] == "group"}
            if level:
                name = f'<td style="padding:2px 8px 2px 24px;text-align:left">{esc(level)}</td>'
            else:
                name = f'<td {td.format("left")}>{esc(label)}</td>'
            body = "".join(f'<td {td.format("center")}>{esc(cells.get(c, ""))}</td>' for c in cols)
            lines.append(f"<tr>{name}{body}</tr>")
        lines.append("</tbody>")
        note = self._footnote()
        if note:
            lines.append(f'<tfoot><tr><td colspan="{len(cols) + 1}" style="padding:4px 8px;font-size:0.85em;'
                         f'text-align:left">{esc(note)}</td></tr></tfoot>')
        lines.append("</table>")
        return "\n".join(lines)

    def to_csv(self, path: str | Path, *, numeric: bool = False) -> Path:
        """Write the display table (or, with ``numeric=True``, :meth:`to_numeric_frame`) as CSV.

        The display table's columns are flattened to ``variable, level, Overall, <by>: <group>,
        <by>: p``. UTF-8 (the ± sign).

        Returns
        -------
        Path
            The file written (parent folders are created).
        """
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        if numeric:
            frame = self.to_numeric_frame()
        else:
            frame = self.to_frame()
            frame.columns = [g if b == "" else f"{b}: {g}" for b, g in frame.columns]
            frame = frame.reset_index()
        frame.to_csv(p, index=False, encoding="utf-8")
        return p

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: variables, kinds, groupings, normality p-values and every numeric row."""
        rows = []
        for rec in self.numbers.to_dict(orient="records"):
            rows.append({k: (None if isinstance(v, float) and math.isnan(v) else
                             (v.item() if isinstance(v, np.generic) else v)) for k, v in rec.items()})
        return {
            "variables": list(self.variables),
            "kinds": dict(self.kinds),
            "by": list(self.by),
            "groups": {b: list(g) for b, g in self.groups.items()},
            "n": self.n,
            "normality": {k: (None if math.isnan(v) else float(v)) for k, v in self.normality.items()},
            "rows": rows,
        }


def _key(r: Mapping[str, Any]) -> tuple[str, str, str]:
    return (r["by"], "group", r["group"])


def _format_p(p: float, digits: int) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    if p < 10.0 ** (-digits):
        return f"<{10.0 ** (-digits):.{digits}f}"
    return f"{p:.{digits}f}"


def _num(x: float, d: int) -> str:
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{d}f}"


def _format_count(count: Any, pct: float, d: int) -> str:
    if count is None or pd.isna(count):
        return ""
    return f"{int(count)} ({_num(pct, d)})"


def _format_continuous(r: Mapping[str, Any], kind: str, d: int) -> str:
    if not r["n"]:
        return ""
    if kind == "normal":
        return f"{_num(r['mean'], d)} ± {_num(r['sd'], d)}"
    return f"{_num(r['median'], d)} ({_num(r['q1'], d)}, {_num(r['q3'], d)})"


# --------------------------------------------------------------------------- tests


def _fisher_2xc(table: np.ndarray) -> float:
    """Exact two-sided Fisher (Freeman-Halton) p-value of a 2 x C table by enumeration.

    .. math::

        P(x) = \\frac{\\prod_j \\binom{c_j}{x_j}}{\\binom{N}{r_1}}, \\qquad
        p = \\sum_{x:\\,P(x) \\le P(x_{obs})(1 + 10^{-7})} P(x)

    over first rows :math:`x` with :math:`0 \\le x_j \\le c_j`, :math:`\\sum_j x_j = r_1`
    (:math:`c_j` column sums, :math:`r_1` first row sum, :math:`N` total).
    """
    cols = table.sum(axis=0).astype(int)
    r1 = int(table[0].sum())
    grids = np.meshgrid(*[np.arange(c + 1) for c in cols[:-1]], indexing="ij", sparse=False)
    x = np.stack([g.ravel() for g in grids], axis=1) if len(grids) else np.zeros((1, 0), int)
    last = r1 - x.sum(axis=1)
    ok = (last >= 0) & (last <= cols[-1])
    x = np.column_stack([x[ok], last[ok]])

    def logp(rows: np.ndarray) -> np.ndarray:
        return (special.gammaln(cols + 1) - special.gammaln(rows + 1) - special.gammaln(cols - rows + 1)).sum(axis=-1)

    log_all = logp(x)
    log_obs = logp(table[0].astype(int)[None, :])[0]
    log_total = special.gammaln(cols.sum() + 1) - special.gammaln(r1 + 1) - special.gammaln(cols.sum() - r1 + 1)
    keep = log_all <= log_obs + math.log1p(1e-7)
    return float(min(1.0, np.exp(log_all[keep] - log_total).sum()))


def _test_categorical(table: np.ndarray, random_state: int) -> tuple[float, float, str]:
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return math.nan, math.nan, ""
    chi2, p, _, expected = stats.chi2_contingency(table, correction=True)
    if not (expected < 5).any():
        return float(p), float(chi2), "chi-square"
    if table.shape == (2, 2):
        res = stats.fisher_exact(table)
        return float(res.pvalue), float(res.statistic), "Fisher exact"
    two_row = table if table.shape[0] == 2 else (table.T if table.shape[1] == 2 else None)
    if two_row is not None and np.prod(two_row.sum(axis=0)[:-1] + 1.0) <= _MAX_ENUMERATION:
        return _fisher_2xc(two_row), math.nan, "Fisher exact"
    method = stats.MonteCarloMethod(n_resamples=_MONTE_CARLO_RESAMPLES, rng=np.random.default_rng(random_state))
    res = stats.fisher_exact(table, method=method)
    return float(np.ravel(res.pvalue)[0]), math.nan, "Fisher exact (Monte Carlo)"


def _test_continuous(samples: list[np.ndarray], nonnormal: bool) -> tuple[float, float, str]:
    samples = [s for s in samples if len(s) > 0]
    k = len(samples)
    if k < 2 or sum(len(s) for s in samples) <= k:
        return math.nan, math.nan, ""
    if nonnormal:
        name = "Mann-Whitney U" if k == 2 else "Kruskal-Wallis"
    else:
        name = "t-test" if k == 2 else "ANOVA"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if name == "Mann-Whitney U":  # R's wilcox.test rule for the exact p-value
                both = np.concatenate(samples)
                exact = max(len(x) for x in samples) < 50 and np.unique(both).size == both.size
                res = stats.mannwhitneyu(*samples, alternative="two-sided", use_continuity=True,
                                         method="exact" if exact else "asymptotic")
            elif name == "Kruskal-Wallis":
                res = stats.kruskal(*samples)
            elif name == "t-test":
                res = stats.ttest_ind(*samples, equal_var=True)
            else:
                res = stats.f_oneway(*samples)
        except ValueError:  # e.g. Kruskal-Wallis on identical values
            return math.nan, math.nan, name
    return float(res.pvalue), float(res.statistic), name


def _shapiro_min(samples: list[np.ndarray]) -> float:
    ps = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in samples:
            if len(s) >= 3 and np.ptp(s) > 0:
                ps.append(float(stats.shapiro(s).pvalue))
    return min(ps) if ps else math.nan


# --------------------------------------------------------------------------- input


def _nearest(name: Any, valid: Sequence[str]) -> str:
    match = difflib.get_close_matches(str(name), [str(v) for v in valid], n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _names(value: Any, what: str, data: pd.DataFrame) -> list[str]:
    if value is None:
        return []
    names = [value] if isinstance(value, str) else list(value)
    for name in names:
        if name not in data.columns:
            raise ConfigError(
                f"{what} names {name!r}, which is not a column of data{_nearest(name, list(data.columns))}; "
                f"columns are: {', '.join(map(str, data.columns))}."
            )
    if len(set(names)) != len(names):
        raise ConfigError(f"{what} lists a column twice: {names}.")
    return names


def _label(value: Any) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _ordered_labels(series: pd.Series) -> list[str]:
    """Labels of the non-missing values of ``series`` in natural order (categories' order for a
    categorical; numeric or alphabetical otherwise)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return list(dict.fromkeys(_label(c) for c in series.cat.categories))
    values = series.dropna().unique()
    try:
        values = sorted(values)
    except TypeError:
        values = sorted(values, key=str)
    return list(dict.fromkeys(_label(v) for v in values))


def _as_labels(series: pd.Series) -> pd.Series:
    """``series`` as string labels, missing values kept as NaN."""
    out = series.astype(object).map(lambda v: v if pd.isna(v) else _label(v))
    return out


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


# --------------------------------------------------------------------------- main


def table_one(
    data: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    nonnormal: str | Sequence[str] | None = "auto",
    normality_alpha: float = 0.05,
    tests: bool = True,
    digits: int = 1,
    p_digits: int = 3,
    random_state: int = 0,
) -> TableOne:
    """The Table 1 of a study: each variable summarised overall and by group, with p-values.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per patient (case).
    columns : sequence of str, optional
        Variables to summarise, in this order; default: every column not in ``by``.
    by : str or sequence of str, optional
        Grouping variable(s); each gives a block of group columns and a p-value column (for
        example ``["split", "outcome"]``). Groups are the distinct non-missing values.
    categorical : sequence of str, optional
        Columns to treat as categorical, in addition to those always taken as categorical:
        non-numeric columns and numeric columns with at most two distinct values.
    nonnormal : {'auto'} or sequence of str or None
        ``'auto'``: Shapiro-Wilk rule (see the module docstring); a sequence: exactly these
        continuous columns are non-normal; ``None``: none is.
    normality_alpha : float
        Level of the Shapiro-Wilk tests of the ``'auto'`` rule, in (0, 1).
    tests : bool
        Compute p-values between the groups of each grouping.
    digits : int
        Decimals of means, SDs, medians, quartiles and percentages.
    p_digits : int
        Decimals of p-values (smaller ones print as ``<0.001`` for 3).
    random_state : int
        Seed of the Monte Carlo Fisher test (only for tables beyond two rows/columns with a
        small expected count).

    Returns
    -------
    TableOne
        ``to_frame()``, ``to_numeric_frame()``, ``to_html()``, ``to_csv(path)``.

    Raises
    ------
    DataError
        ``data`` is not a non-empty DataFrame; a continuous column holds infinite values; an
        identifier-like text column (all values distinct); a grouping has fewer than two groups.
    ConfigError
        An unknown column name, a ``nonnormal`` entry that is not a continuous column, or a
        parameter out of range.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [50, 61, 70, 45, 66, 58], "sex": list("FMMFMF"),
    ...                    "outcome": [0, 1, 1, 0, 1, 0]})
    >>> t = table_one(df, by="outcome", nonnormal=None)
    >>> t.to_frame().loc[("age, mean ± SD", ""), ("", "Overall")]
    '58.3 ± 9.5'
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame (one row per case), got {type(data).__name__}.")
    if len(data) == 0:
        raise DataError("data has no rows; Table 1 needs at least one case.")
    if data.columns.duplicated().any():
        dups = list(data.columns[data.columns.duplicated()])
        raise DataError(f"data has duplicated column names {dups}; rename them.")
    for name, value, low in (("digits", digits, 0), ("p_digits", p_digits, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not low <= value <= 10:
            raise ConfigError(f"{name} must be an integer in {low}..10, got {value!r}.")
    if not isinstance(normality_alpha, (int, float)) or not 0.0 < normality_alpha < 1.0:
        raise ConfigError(f"normality_alpha must lie in (0, 1), got {normality_alpha!r}.")
    by_names = _names(by, "by", data)
    if columns is not None:
        variables = _names(columns, "columns", data)
    else:
        variables = [c for c in data.columns if c not in by_names]
    if not variables:
        raise ConfigError("no column left to summarise; give columns=[...] or remove them from by.")
    given_categorical = _names(categorical, "categorical", data)

    kinds: dict[str, str] = {}
    for var in variables:
        s = data[var]
        if _is_numeric(s) and np.isinf(s.to_numpy(dtype=float)).any():
            raise DataError(f"column {var!r} holds infinite values; replace them (or set them missing) first.")
        if var in given_categorical or not _is_numeric(s) or s.dropna().nunique() <= 2:
            kinds[var] = "categorical"
        else:
            kinds[var] = "normal"
    for var in variables:
        if kinds[var] == "categorical" and not _is_numeric(data[var]) and len(data) > 10:
            if data[var].dropna().nunique() == len(data):
                raise DataError(
                    f"column {var!r} has a different value in every row (an identifier?); leave it out with "
                    "columns=[...] or make it the index."
                )

    groupings: dict[str, pd.Series] = {}
    groups: dict[str, tuple[str, ...]] = {}
    for b in by_names:
        labels = _ordered_labels(data[b])
        present = set(_as_labels(data[b]).dropna())
        labels = [g for g in labels if g in present]
        if len(labels) < 2:
            raise DataError(
                f"by={b!r} has {len(labels)} group(s) ({', '.join(labels) or 'none'}); a comparison needs at least "
                "two: check the column or leave it out of by."
            )
        groupings[b] = _as_labels(data[b])
        groups[b] = tuple(labels)

    # normality rule
    continuous = [v for v in variables if kinds[v] == "normal"]
    normality: dict[str, float] = {}
    for var in continuous:
        x = data[var].astype(float)
        if by_names:
            samples = [x[(groupings[b] == g).to_numpy()].dropna().to_numpy() for b in by_names for g in groups[b]]
        else:
            samples = [x.dropna().to_numpy()]
        normality[var] = _shapiro_min(samples)
    if isinstance(nonnormal, str):
        if nonnormal != "auto":
            raise ConfigError(f"nonnormal must be 'auto', a list of columns or None, got {nonnormal!r}.")
        for var in continuous:
            if not math.isnan(normality[var]) and normality[var] < normality_alpha:
                kinds[var] = "nonnormal"
    elif nonnormal is not None:
        for var in _names(nonnormal, "nonnormal", data):
            if var not in variables:
                raise ConfigError(f"nonnormal names {var!r}, which is not among the summarised columns.")
            if kinds[var] == "categorical":
                raise ConfigError(
                    f"nonnormal names {var!r}, which is summarised as categorical; remove it from nonnormal (or "
                    "from categorical)."
                )
            kinds[var] = "nonnormal"

    # numbers
    records: list[dict[str, Any]] = []
    column_masks: list[tuple[str, str, np.ndarray]] = [("", _OVERALL, np.ones(len(data), dtype=bool))]
    for b in by_names:
        column_masks += [(b, g, (groupings[b] == g).to_numpy()) for g in groups[b]]
    for b, g, m in column_masks:
        records.append(_record("n", "n", "", b, g, n=int(m.sum())))
    for var in variables:
        kind = kinds[var]
        tested: dict[str, tuple[float, float, str]] = {}
        for b in by_names:
            if not tests or var == b:
                tested[b] = (math.nan, math.nan, "")
            elif kind == "categorical":
                lab = _as_labels(data[var])
                ok = (lab.notna() & groupings[b].notna()).to_numpy()
                ct = pd.crosstab(groupings[b].to_numpy()[ok], lab.to_numpy()[ok]).to_numpy()
                tested[b] = _test_categorical(ct, random_state)
            else:
                x = data[var].astype(float)
                samples = [x[(groupings[b] == g).to_numpy()].dropna().to_numpy() for g in groups[b]]
                tested[b] = _test_continuous(samples, kind == "nonnormal")
        if kind == "categorical":
            lab = _as_labels(data[var])
            levels = _ordered_labels(data[var])
        for b, g, m in column_masks:
            p, stat, test = tested.get(b, (math.nan, math.nan, ""))
            rows_in = int(m.sum())
            if kind == "categorical":
                sub = lab[m]
                n_ok = int(sub.notna().sum())
                missing = rows_in - n_ok
                counts = sub.value_counts()
                for level in levels:
                    count = int(counts.get(level, 0))
                    records.append(_record(
                        var, kind, level, b, g, n=n_ok, missing=missing, missing_pct=_pct(missing, rows_in),
                        count=count, pct=_pct(count, n_ok), p=p, statistic=stat, test=test))
            else:
                x = data.loc[m, var].astype(float).dropna()
                n_ok = len(x)
                missing = rows_in - n_ok
                q = x.quantile([0.25, 0.5, 0.75]) if n_ok else pd.Series([math.nan] * 3, index=[0.25, 0.5, 0.75])
                records.append(_record(
                    var, kind, "", b, g, n=n_ok, missing=missing, missing_pct=_pct(missing, rows_in),
                    mean=float(x.mean()) if n_ok else math.nan, sd=float(x.std(ddof=1)) if n_ok > 1 else math.nan,
                    median=float(q[0.5]), q1=float(q[0.25]), q3=float(q[0.75]), p=p, statistic=stat, test=test))
    numbers = pd.DataFrame.from_records(records, columns=list(_NUMERIC_COLUMNS))
    for col in ("n", "missing", "count"):
        numbers[col] = numbers[col].astype("Int64")
    return TableOne(
        variables=tuple(variables),
        kinds=MappingProxyType(kinds),
        by=tuple(by_names),
        groups=MappingProxyType(groups),
        n=len(data),
        normality=MappingProxyType(normality),
        numbers=numbers,
        digits=int(digits),
        p_digits=int(p_digits),
        tests=bool(tests),
    )


def _pct(count: int, total: int) -> float:
    return 100.0 * count / total if total else math.nan


def _record(variable: str, kind: str, level: str, by: str, group: str, **values: Any) -> dict[str, Any]:
    rec: dict[str, Any] = dict.fromkeys(_NUMERIC_COLUMNS, math.nan)
    rec.update(variable=variable, kind=kind, level=level, by=by, group=group, test="")
    rec.update(values)
    if rec["test"] is None:
        rec["test"] = ""
    return rec
