"""Table 1: numbers against pandas/scipy computed directly, the normality and test rules,
missing values, several groupings, display and export."""

from __future__ import annotations

import dataclasses
import doctest
import html.parser
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import radiome.report.table1 as table1_module
from radiome.errors import ConfigError, DataError
from radiome.report.table1 import TEST_DESCRIPTIONS, TableOne, _fisher_2xc, table_one


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    """A seeded clinical table: normal, skewed, categorical and binary columns, missing values,
    two-level (split, outcome) and three-level (centre) groupings."""
    rng = np.random.default_rng(7)
    n = 150
    outcome = rng.integers(0, 2, n)
    df = pd.DataFrame({
        "age": rng.normal(60 + 5 * outcome, 9),
        "ldh": np.exp(rng.normal(5.4 + 0.3 * outcome, 0.6)),
        "sex": rng.choice(["F", "M"], n),
        "stage": rng.choice([1, 2, 3, 4], n, p=[0.2, 0.3, 0.3, 0.2]),
        "smoker": rng.integers(0, 2, n),
        "centre": rng.choice(["A", "B", "C"], n),
        "split": np.where(rng.random(n) < 0.3, "test", "train"),
        "outcome": outcome,
    })
    df.loc[rng.choice(n, 6, replace=False), "age"] = np.nan
    df.loc[rng.choice(n, 4, replace=False), "sex"] = None
    df.loc[rng.choice(n, 9, replace=False), "ldh"] = np.nan
    return df


@pytest.fixture(scope="module")
def t(data) -> TableOne:
    return table_one(data, by=["split", "outcome"], categorical=["stage"])


def _rows(t: TableOne, variable: str, by: str = "", group: str = "Overall") -> pd.DataFrame:
    num = t.to_numeric_frame()
    return num[(num["variable"] == variable) & (num["by"] == by) & (num["group"] == group)]


def test_kinds_and_layout(t, data):
    assert t.variables == ("age", "ldh", "sex", "stage", "smoker", "centre")
    assert t.kinds == {"age": "normal", "ldh": "nonnormal", "sex": "categorical", "stage": "categorical",
                       "smoker": "categorical", "centre": "categorical"}
    assert t.groups == {"split": ("test", "train"), "outcome": ("0", "1")}
    frame = t.to_frame()
    assert list(frame.columns) == [("", "Overall"), ("split", "test"), ("split", "train"), ("split", "p"),
                                   ("outcome", "0"), ("outcome", "1"), ("outcome", "p")]
    assert frame.loc[("n", ""), ("", "Overall")] == str(len(data))
    assert frame.loc[("n", ""), ("split", "test")] == str((data["split"] == "test").sum())
    assert ("age, mean ± SD", "") in frame.index and ("ldh, median (IQR)", "") in frame.index
    assert [lvl for var, lvl in frame.index if var == "stage, n (%)"] == ["1", "2", "3", "4"]
    assert list(t.to_frame(test=True).columns)[4] == ("split", "test used")  # no clash with group "test"
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.n = 3  # type: ignore[misc]


def test_continuous_numbers_match_pandas(t, data):
    for by, group, rows in [("", "Overall", data.index == data.index),
                            ("split", "train", data["split"] == "train"),
                            ("outcome", "1", data["outcome"] == 1)]:
        for var in ("age", "ldh"):
            x = data.loc[rows, var].dropna()
            r = _rows(t, var, by, group).iloc[0]
            assert r["n"] == len(x) and r["missing"] == int(data.loc[rows, var].isna().sum())
            assert math.isclose(r["mean"], x.mean(), rel_tol=1e-12)
            assert math.isclose(r["sd"], x.std(ddof=1), rel_tol=1e-12)
            assert math.isclose(r["sd"], np.std(x.to_numpy(), ddof=1), rel_tol=1e-12)
            q1, med, q3 = np.percentile(x, [25, 50, 75])  # numpy 'linear' = R type 7
            assert math.isclose(r["median"], med, rel_tol=1e-12)
            assert math.isclose(r["q1"], q1, rel_tol=1e-12) and math.isclose(r["q3"], q3, rel_tol=1e-12)
    frame = t.to_frame()
    age = data["age"].dropna()
    assert frame.loc[("age, mean ± SD", ""), ("", "Overall")] == f"{age.mean():.1f} ± {age.std():.1f}"
    ldh = data.loc[data["outcome"] == 0, "ldh"].dropna()
    q1, med, q3 = np.percentile(ldh, [25, 50, 75])
    assert frame.loc[("ldh, median (IQR)", ""), ("outcome", "0")] == f"{med:.1f} ({q1:.1f}, {q3:.1f})"


def test_categorical_counts_and_percentages(t, data):
    num = t.to_numeric_frame()
    cat = num[num["kind"] == "categorical"]
    sums = cat.groupby(["variable", "by", "group"])["pct"].sum()
    assert np.allclose(sums, 100.0)
    for var in ("sex", "stage", "centre"):
        for by, group in [("", "Overall"), ("split", "test"), ("outcome", "0")]:
            rows = data if by == "" else data[data[by].astype(str) == group]
            counts = rows[var].value_counts()
            got = _rows(t, var, by, group).set_index("level")
            for level, r in got.iterrows():
                key = int(level) if var == "stage" else level
                assert r["count"] == counts.get(key, 0)
                assert math.isclose(r["pct"], 100 * counts.get(key, 0) / rows[var].notna().sum())
    frame = t.to_frame()
    f = (data["sex"] == "F").sum()
    assert frame.loc[("sex, n (%)", "F"), ("", "Overall")] == f"{f} ({100 * f / data['sex'].notna().sum():.1f})"


def test_missing_values_reported(t, data):
    frame = t.to_frame()
    for var, label in (("age", "age, mean ± SD"), ("ldh", "ldh, median (IQR)"), ("sex", "sex, n (%)")):
        miss = int(data[var].isna().sum())
        assert frame.loc[(label, "Missing"), ("", "Overall")] == f"{miss} ({100 * miss / len(data):.1f})"
        test_rows = data["split"] == "test"
        miss_test = int(data.loc[test_rows, var].isna().sum())
        assert frame.loc[(label, "Missing"), ("split", "test")].startswith(f"{miss_test} (")
        assert (_rows(t, var)["missing"] == miss).all()
    assert (("stage, n (%)", "Missing") not in frame.index) and (("centre, n (%)", "Missing") not in frame.index)


def test_p_values_match_scipy(t, data):
    p = t.p_values
    num = t.to_numeric_frame()

    def test_name(var, by):
        return num[(num["variable"] == var) & (num["by"] == by)]["test"].iloc[0]

    for by in ("split", "outcome"):
        groups = [g for _, g in data.groupby(by)]
        age = [g["age"].dropna() for g in groups]
        ldh = [g["ldh"].dropna() for g in groups]
        assert math.isclose(p.loc["age", by], stats.ttest_ind(*age, equal_var=True).pvalue, rel_tol=1e-12)
        assert test_name("age", by) == "t-test"
        mwu = stats.mannwhitneyu(*ldh, alternative="two-sided", method="asymptotic")  # groups of 50+ values
        assert math.isclose(p.loc["ldh", by], mwu.pvalue, rel_tol=1e-12)
        assert test_name("ldh", by) == "Mann-Whitney U"
        for var in ("sex", "stage", "centre", "smoker"):
            ok = data[var].notna()
            ct = pd.crosstab(data.loc[ok, by], data.loc[ok, var]).to_numpy()
            res = stats.chi2_contingency(ct, correction=True)
            assert (res.expected_freq >= 5).all()
            assert math.isclose(p.loc[var, by], res.pvalue, rel_tol=1e-12), var
            assert test_name(var, by) == "chi-square"
    # 2x2: Yates' correction is applied (as R's chisq.test(correct = TRUE))
    ct = pd.crosstab(data["outcome"], data["smoker"]).to_numpy()
    assert not math.isclose(p.loc["smoker", "outcome"], stats.chi2_contingency(ct, correction=False).pvalue)


def test_three_groups_anova_kruskal(data):
    t3 = table_one(data, columns=["age", "ldh", "sex"], by="centre")
    groups = [g for _, g in data.groupby("centre")]
    assert math.isclose(t3.p_values.loc["age", "centre"],
                        stats.f_oneway(*[g["age"].dropna() for g in groups]).pvalue, rel_tol=1e-12)
    assert math.isclose(t3.p_values.loc["ldh", "centre"],
                        stats.kruskal(*[g["ldh"].dropna() for g in groups]).pvalue, rel_tol=1e-12)
    tests = t3.to_numeric_frame().drop_duplicates("variable").set_index("variable")["test"]
    assert tests["age"] == "" and tests["ldh"] == ""  # overall rows carry no test
    num = t3.to_numeric_frame()
    by_rows = num[num["by"] == "centre"].drop_duplicates("variable").set_index("variable")["test"]
    assert by_rows.to_dict() == {"n": "", "age": "ANOVA", "ldh": "Kruskal-Wallis", "sex": "chi-square"}


def test_normality_rule(data):
    auto = table_one(data, columns=["age", "ldh"], by="outcome")
    for var in ("age", "ldh"):
        pmin = min(stats.shapiro(g[var].dropna()).pvalue for _, g in data.groupby("outcome"))
        assert math.isclose(auto.normality[var], pmin, rel_tol=1e-12)
        assert auto.kinds[var] == ("nonnormal" if pmin < 0.05 else "normal")
    assert auto.kinds == {"age": "normal", "ldh": "nonnormal"}
    # the level decides; a list overrides; None takes everything as normal
    assert table_one(data, columns=["ldh"], by="outcome", normality_alpha=1e-30).kinds["ldh"] == "normal"
    forced = table_one(data, columns=["age", "ldh"], by="outcome", nonnormal=["age"])
    assert forced.kinds == {"age": "nonnormal", "ldh": "normal"}
    groups = [g["age"].dropna() for _, g in data.groupby("outcome")]
    assert math.isclose(forced.p_values.loc["age", "outcome"],
                        stats.mannwhitneyu(*groups, alternative="two-sided", method="asymptotic").pvalue, rel_tol=1e-12)
    assert table_one(data, columns=["ldh"], nonnormal=None).kinds["ldh"] == "normal"
    # without by the whole column is tested
    whole = table_one(data, columns=["ldh"])
    assert math.isclose(whole.normality["ldh"], stats.shapiro(data["ldh"].dropna()).pvalue, rel_tol=1e-12)


def test_fisher_when_expected_count_small():
    # 2x2 with a small expected count: scipy's fisher_exact
    df = pd.DataFrame({"g": [0] * 12 + [1] * 10, "x": ["a"] * 10 + ["b"] * 2 + ["a"] * 3 + ["b"] * 7})
    t = table_one(df, by="g")
    ct = pd.crosstab(df["g"], df["x"]).to_numpy()
    assert (stats.chi2_contingency(ct).expected_freq < 5).any()
    assert math.isclose(t.p_values.loc["x", "g"], stats.fisher_exact(ct).pvalue, rel_tol=1e-12)
    assert t.to_numeric_frame().query("by == 'g'")["test"].iloc[-1] == "Fisher exact"
    # 2x3: exact Freeman-Halton, equal to R 4.2.2
    # fisher.test(matrix(c(3, 6, 5, 1, 2, 4), 2))$p.value = 0.14112203585887645
    df = pd.DataFrame({"g": [0] * 10 + [1] * 11, "x": list("aaabbbbbcc") + list("aaaaaabcccc")})
    t = table_one(df, by="g")
    assert math.isclose(t.p_values.loc["x", "g"], 0.14112203585887645, rel_tol=1e-9)
    # 3x3: Monte Carlo, reproducible with random_state
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"g": rng.choice(list("PQR"), 25), "x": rng.choice(list("uvw"), 25)})
    a = table_one(df, by="g", random_state=3)
    b = table_one(df, by="g", random_state=3)
    ct = pd.crosstab(df["g"], df["x"]).to_numpy()
    ref = stats.fisher_exact(ct, method=stats.MonteCarloMethod(n_resamples=9999, rng=np.random.default_rng(3)))
    assert a.p_values.loc["x", "g"] == b.p_values.loc["x", "g"] == np.ravel(ref.pvalue)[0]
    assert a.to_numeric_frame().query("by == 'g'")["test"].iloc[-1] == "Fisher exact (Monte Carlo)"


def test_mann_whitney_follows_r_wilcox_rule():
    """Exact p-value below 50 values per group without ties, normal approximation with ties
    (values from R 4.2.2, wilcox.test(a, b) and t.test(a, b, var.equal = TRUE))."""
    a = [1.1, 2.3, 3.8, 4.0, 5.5, 6.1, 7.7, 8.2, 9.9, 10.4]
    b = [3.3, 4.4, 6.6, 8.8, 11.0, 12.1, 13.5, 14.2, 15.9, 16.3, 17.0]
    df = pd.DataFrame({"x": a + b, "g": ["a"] * len(a) + ["b"] * len(b)})
    nonnormal = table_one(df, by="g", nonnormal=["x"])
    assert math.isclose(nonnormal.p_values.loc["x", "g"], 0.012718447702967827, rel_tol=1e-9)
    normal = table_one(df, by="g", nonnormal=None)
    assert math.isclose(normal.p_values.loc["x", "g"], 0.0083314209047788673, rel_tol=1e-9)
    ties = pd.concat([df, pd.DataFrame({"x": [4.0], "g": ["a"]})], ignore_index=True)
    assert math.isclose(table_one(ties, by="g", nonnormal=["x"]).p_values.loc["x", "g"], 0.010417362114741896,
                        rel_tol=1e-9)


@pytest.mark.parametrize("table, r_value", [
    # R 4.2.2: fisher.test(matrix(c(8, 2, 1, 5, 3, 4), 2))$p.value
    ([[8, 1, 3], [2, 5, 4]], 0.045875311927269916),
    # R 4.2.2: fisher.test(matrix(c(2, 7, 0, 5, 9, 3, 1, 1), 2))$p.value
    ([[2, 0, 9, 1], [7, 5, 3, 1]], 0.007532898743021231),
])
def test_fisher_2xc_matches_r(table, r_value):
    assert math.isclose(_fisher_2xc(np.array(table)), r_value, rel_tol=1e-9)
    assert math.isclose(_fisher_2xc(np.array(table)[:, ::-1]), r_value, rel_tol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=4, max_size=4))
def test_fisher_2xc_equals_scipy_on_2x2(cells):
    table = np.array(cells).reshape(2, 2)
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return
    assert math.isclose(_fisher_2xc(table), stats.fisher_exact(table).pvalue, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["x", "y", "z", None]), st.sampled_from(["g1", "g2", "g3"])),
                min_size=3, max_size=40))
def test_percentages_sum_to_100(rows):
    df = pd.DataFrame(rows, columns=["v", "g"])
    if df["g"].nunique() < 2 or df["v"].notna().sum() == 0:
        return
    t = table_one(df, by="g")
    num = t.to_numeric_frame()
    cat = num[num["variable"] == "v"]
    for (by, group), rows_ in cat.groupby(["by", "group"]):
        if rows_["n"].iloc[0] > 0:
            assert math.isclose(rows_["pct"].sum(), 100.0)
            assert rows_["count"].sum() == rows_["n"].iloc[0]
        assert rows_["n"].iloc[0] + rows_["missing"].iloc[0] == (len(df) if by == "" else (df["g"] == group).sum())
    p = t.p_values.loc["v", "g"]
    assert math.isnan(p) or 0.0 <= p <= 1.0


def test_rows_without_group_count_overall_only():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "g": ["a", "a", "b", "b", None, None]})
    t = table_one(df, by="g", nonnormal=None)
    n = t.to_numeric_frame().query("variable == 'n'").set_index("group")["n"]
    assert n.to_dict() == {"Overall": 6, "a": 2, "b": 2}


def test_by_variable_in_columns_is_not_tested_against_itself(data):
    t = table_one(data, columns=["outcome", "age"], by=["split", "outcome"])
    assert math.isnan(t.p_values.loc["outcome", "outcome"]) and not math.isnan(t.p_values.loc["outcome", "split"])
    assert t.to_frame().loc[("outcome, n (%)", "0"), ("outcome", "p")] == ""


def test_tests_off_and_p_format(data):
    t = table_one(data, by="outcome", tests=False)
    assert ("outcome", "p") not in t.to_frame().columns and t.p_values.isna().all().all()
    t = table_one(data, columns=["ldh"], by="outcome", p_digits=2)
    p = t.p_values.loc["ldh", "outcome"]
    expected = "<0.01" if p < 0.01 else f"{p:.2f}"
    assert t.to_frame().loc[("ldh, median (IQR)", ""), ("outcome", "p")] == expected


class _Checker(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        names = [a for a, _ in attrs]
        assert len(names) == len(set(names)), f"duplicate attribute in <{tag}>"
        self.tags.append(tag)
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack.pop() == tag


def test_html_fragment(t):
    text = t.to_html()
    assert text.startswith("<table") and text.rstrip().endswith("</table>")
    checker = _Checker()
    checker.feed(text)
    assert checker.stack == []
    assert not {"link", "style", "script", "html", "body"} & set(checker.tags)
    assert "age, mean ± SD" in text and "Student's two-sample t-test" in text
    assert TEST_DESCRIPTIONS["Mann-Whitney U"] in text
    n_rows = text.count("<tr>")
    assert n_rows == 2 + len(t.to_frame()) + 4 + 1  # header rows, rows, 4 categorical headers, footnote
    odd = table_one(pd.DataFrame({"a<b": [1.0, 2.0, 3.0, 4.0], "g": ["x&y", "x&y", "z", "z"]}), by="g").to_html()
    assert "a&lt;b" in odd and "x&amp;y" in odd and "a<b" not in odd


def test_csv_and_dict(t, tmp_path):
    path = t.to_csv(tmp_path / "out" / "table1.csv")
    back = pd.read_csv(path, keep_default_na=False)
    assert list(back.columns[:4]) == ["variable", "level", "Overall", "split: test"]
    assert len(back) == len(t.to_frame())
    assert back.loc[back["variable"] == "age, mean ± SD", "Overall"].iloc[0] == t.to_frame().iloc[1, 0]
    numeric = pd.read_csv(t.to_csv(tmp_path / "numbers.csv", numeric=True))
    assert len(numeric) == len(t.to_numeric_frame())
    d = json.loads(json.dumps(t.to_dict()))
    assert d["kinds"]["ldh"] == "nonnormal" and len(d["rows"]) == len(t.to_numeric_frame())


def test_errors(data):
    with pytest.raises(ConfigError, match="did you mean 'outcome'"):
        table_one(data, by="outcom")
    with pytest.raises(ConfigError, match="columns"):
        table_one(data, columns=["age", "weight"])
    with pytest.raises(DataError, match="at least two"):
        table_one(data.assign(one="x"), by="one")
    with pytest.raises(DataError, match="identifier"):
        table_one(data.assign(case_id=[f"P{i}" for i in range(len(data))]))
    with pytest.raises(DataError, match="DataFrame"):
        table_one(data.to_numpy())
    with pytest.raises(DataError, match="infinite"):
        table_one(data.assign(age=np.inf))
    with pytest.raises(ConfigError, match="categorical"):
        table_one(data, nonnormal=["sex"])
    with pytest.raises(ConfigError):
        table_one(data, nonnormal="yes")
    with pytest.raises(ConfigError):
        table_one(data, normality_alpha=1.5)
    with pytest.raises(ConfigError):
        table_one(data, digits=-1)


def test_docstring_examples():
    assert doctest.testmod(table1_module, raise_on_error=False).failed == 0
