"""ROC / AUC / DeLong: golden values from R's pROC (tests/reference/r/proc.R) and properties."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from radiome.errors import ConfigError, DataError
from radiome.evaluate.roc import (
    DeLongTestResult,
    ROCResult,
    delong_placements,
    delong_test,
    delong_test_unpaired,
    roc_analysis,
)

REF = Path(__file__).parent / "reference" / "r" / "proc"
TOL = 1e-6  # the tolerance for the DeLong AUC CI and tests


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"data_{name}.csv")


AUC = pd.read_csv(REF / "auc.csv")
PAIRED = pd.read_csv(REF / "test_paired.csv")
UNPAIRED = pd.read_csv(REF / "test_unpaired.csv")


# --------------------------------------------------------------------------- pROC goldens
@pytest.mark.parametrize("row", AUC.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['score']}")
def test_auc_var_and_delong_ci_match_proc(row: dict) -> None:
    d = _data(row["dataset"])
    r95 = roc_analysis(d["y"], d[row["score"]])
    r90 = roc_analysis(d["y"], d[row["score"]], level=0.90)
    assert (r95.n_positive, r95.n_negative) == (row["n_cases"], row["n_controls"])
    assert r95.auc.value == pytest.approx(row["auc"], abs=TOL)
    assert r95.variance == pytest.approx(row["var_delong"], abs=TOL * 1e-2)
    assert r95.auc.method == "delong" and r95.auc.level == 0.95
    assert r95.auc.lower == pytest.approx(row["ci95_lower"], abs=TOL)
    assert r95.auc.upper == pytest.approx(row["ci95_upper"], abs=TOL)
    assert r90.auc.lower == pytest.approx(row["ci90_lower"], abs=TOL)
    assert r90.auc.upper == pytest.approx(row["ci90_upper"], abs=TOL)


@pytest.mark.parametrize("row", AUC.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['score']}")
def test_bootstrap_ci_agrees_with_proc_within_monte_carlo_error(row: dict) -> None:
    """Both use 2000 stratified percentile replicates; their RNGs differ, so compare the
    limits to within 0.3 DeLong SDs (about 3.5 Monte-Carlo SEs of the difference of two
    2.5 % quantiles estimated from 2000 replicates each)."""
    d = _data(row["dataset"])
    r = roc_analysis(d["y"], d[row["score"]], ci="bootstrap", random_state=2024)
    tol = 0.3 * math.sqrt(row["var_delong"])
    assert r.auc.method == "bootstrap"
    assert r.auc.lower == pytest.approx(row["boot95_lower"], abs=tol)
    assert r.auc.upper == pytest.approx(row["boot95_upper"], abs=tol)
    assert r.auc.lower <= r.auc.value <= r.auc.upper


@pytest.mark.parametrize("row", PAIRED.to_dict("records"), ids=lambda r: r["dataset"])
def test_paired_delong_test_matches_proc(row: dict) -> None:
    d = _data(row["dataset"])
    t = delong_test(d["y"], d["a"], d["b"])
    assert t.paired and math.isnan(t.df)
    assert t.auc_a.value == pytest.approx(row["auc_a"], abs=TOL)
    assert t.auc_b.value == pytest.approx(row["auc_b"], abs=TOL)
    assert t.statistic == pytest.approx(row["z"], abs=TOL)
    assert t.p_value == pytest.approx(row["p"], abs=TOL)
    assert t.difference.value == pytest.approx(row["auc_a"] - row["auc_b"], abs=TOL)
    assert t.difference.lower == pytest.approx(row["ci95_lower"], abs=TOL)
    assert t.difference.upper == pytest.approx(row["ci95_upper"], abs=TOL)


@pytest.mark.parametrize("row", UNPAIRED.to_dict("records"),
                         ids=lambda r: f"{r['dataset1']}-{r['dataset2']}-{r['score']}")
def test_unpaired_delong_test_matches_proc(row: dict) -> None:
    d1, d2 = _data(row["dataset1"]), _data(row["dataset2"])
    s = row["score"]
    t = delong_test_unpaired(d1["y"], d1[s], d2["y"], d2[s])
    assert not t.paired
    assert t.auc_a.value == pytest.approx(row["auc1"], abs=TOL)
    assert t.auc_b.value == pytest.approx(row["auc2"], abs=TOL)
    assert t.statistic == pytest.approx(row["D"], abs=TOL)
    assert t.df == pytest.approx(row["df"], abs=TOL)
    assert t.p_value == pytest.approx(row["p"], abs=TOL)
    assert t.difference.lower < t.difference.value < t.difference.upper


def test_one_sided_alternatives_follow_proc_convention() -> None:
    d = _data("ties")  # AUC a < AUC b, z < 0
    two = delong_test(d["y"], d["a"], d["b"])
    less = delong_test(d["y"], d["a"], d["b"], alternative="less")
    greater = delong_test(d["y"], d["a"], d["b"], alternative="greater")
    assert less.p_value == pytest.approx(two.p_value / 2, rel=1e-12)
    assert greater.p_value == pytest.approx(1 - two.p_value / 2, rel=1e-12)


# --------------------------------------------------------------------------- properties
scores_and_labels = st.integers(min_value=4, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.booleans(), min_size=n, max_size=n).filter(lambda v: 0 < sum(v) < len(v)),
        st.lists(st.integers(-5, 5) | st.floats(-3, 3, allow_nan=False, width=32),
                 min_size=n, max_size=n),
    )
)


@settings(max_examples=40, deadline=None)
@given(scores_and_labels)
def test_reversed_scores_give_one_minus_auc(data: tuple[list[bool], list[float]]) -> None:
    y, s = np.array(data[0]), np.array(data[1], dtype=float)
    r = roc_analysis(y, s)
    rev = roc_analysis(y, -s)
    assert rev.auc.value == pytest.approx(1.0 - r.auc.value, abs=1e-12)
    assert rev.variance == pytest.approx(r.variance, abs=1e-12, nan_ok=True)
    flipped = roc_analysis(y, s, direction=">")
    assert flipped.auc.value == pytest.approx(rev.auc.value, abs=1e-12)
    assert r.auc.value == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert r.auc.lower <= r.auc.value <= r.auc.upper or math.isnan(r.auc.lower)


@settings(max_examples=30, deadline=None)
@given(scores_and_labels)
def test_placements_average_to_the_auc(data: tuple[list[bool], list[float]]) -> None:
    y, s = np.array(data[0]), np.array(data[1], dtype=float)
    auc, v10, v01 = delong_placements(s[y], s[~y])
    brute = np.mean([[1.0 if a > b else 0.5 if a == b else 0.0 for b in s[~y]] for a in s[y]])
    assert auc[0] == pytest.approx(brute, abs=1e-12)
    assert v10.mean() == pytest.approx(brute, abs=1e-12)
    assert v01.mean() == pytest.approx(brute, abs=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_delong_variance_matches_bootstrap_variance(seed: int) -> None:
    """DeLong's variance and the stratified bootstrap variance estimate the same quantity.
    With 1500 replicates the bootstrap variance has a relative Monte-Carlo SE of about
    sqrt(2/1500) = 3.7 %; the bootstrap's own O(1/n) bias is below 1 % at n = 300. A 15 %
    band is about 4 SEs."""
    from radiome.evaluate.roc import _bootstrap_aucs

    rng = np.random.default_rng(seed)
    y = rng.random(300) < 0.35
    s = rng.normal(size=300) + 1.0 * y
    r = roc_analysis(y, s)
    boots = _bootstrap_aucs(s[y], s[~y], 1500, True, np.random.default_rng(seed + 100))
    assert np.var(boots, ddof=1) / r.variance == pytest.approx(1.0, abs=0.15)


def test_delong_ci_covers_true_auc_at_nominal_rate() -> None:
    """Binormal model with known AUC = Phi(1/sqrt(2)); coverage over 300 seeded samples."""
    from scipy.stats import norm

    true_auc = norm.cdf(1.0 / math.sqrt(2.0))
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(300):
        y = np.r_[np.ones(60, bool), np.zeros(80, bool)]
        s = rng.normal(size=140) + y
        a = roc_analysis(y, s).auc
        hits += a.lower <= true_auc <= a.upper
    assert 0.91 <= hits / 300 <= 0.98


# --------------------------------------------------------------------------- behaviour
def test_curve_is_monotone_and_consistent_with_threshold_rule() -> None:
    d = _data("ties")
    r = roc_analysis(d["y"], d["a"])
    assert r.fpr[0] == 0 and r.tpr[0] == 0 and r.fpr[-1] == 1 and r.tpr[-1] == 1
    assert np.all(np.diff(r.fpr) >= 0) and np.all(np.diff(r.tpr) >= 0)
    assert r.thresholds[0] == np.inf
    y, s = d["y"].to_numpy() == 1, d["a"].to_numpy()
    for t, f, tp in zip(r.thresholds[1:], r.fpr[1:], r.tpr[1:]):
        assert np.mean(s[y] >= t) == pytest.approx(tp)
        assert np.mean(s[~y] >= t) == pytest.approx(f)
    assert np.trapezoid(r.tpr, r.fpr) == pytest.approx(r.auc.value, abs=1e-12)
    frame = r.to_frame()
    assert list(frame.columns) == ["threshold", "fpr", "tpr", "sensitivity", "specificity"]
    from sklearn.metrics import roc_curve

    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(r.fpr, fpr)
    np.testing.assert_allclose(r.tpr, tpr)
    np.testing.assert_allclose(r.thresholds[1:], thr[1:])


def test_direction_greater_reports_thresholds_on_the_original_scale() -> None:
    y = np.array([1, 1, 0, 0, 1, 0])
    s = np.array([0.1, 0.2, 0.6, 0.8, 0.3, 0.25])  # cases score LOWER
    r = roc_analysis(y, s, direction=">")
    assert r.auc.value == pytest.approx(roc_auc_score(y, -s))
    assert r.thresholds[0] == -np.inf
    for t, tp in zip(r.thresholds[1:], r.tpr[1:]):
        assert np.mean(s[y == 1] <= t) == pytest.approx(tp)
    assert roc_analysis(y, s).auc.value < 0.5  # never flipped silently


def test_string_labels_with_pos_label() -> None:
    y = np.array(["benign", "malignant", "benign", "malignant", "benign"])
    s = np.array([0.1, 0.9, 0.4, 0.3, 0.2])
    r = roc_analysis(y, s, pos_label="malignant")
    assert r.auc.value == pytest.approx(roc_auc_score(y == "malignant", s))
    with pytest.raises(DataError, match="pos_label"):
        roc_analysis(y, s)


def test_bootstrap_is_seeded_and_nonstratified_runs() -> None:
    d = _data("small")
    a = roc_analysis(d["y"], d["a"], ci="bootstrap", random_state=5, n_bootstrap=500)
    b = roc_analysis(d["y"], d["a"], ci="bootstrap", random_state=5, n_bootstrap=500)
    assert a.auc == b.auc
    c = roc_analysis(d["y"], d["a"], ci="bootstrap", random_state=5, n_bootstrap=500,
                     stratified=False)
    assert 0.0 <= c.auc.lower <= c.auc.upper <= 1.0
    none = roc_analysis(d["y"], d["a"], ci=None)
    assert none.auc.method == "none" and not none.auc.has_interval


def test_tiny_samples_give_nan_interval_like_proc() -> None:
    r = roc_analysis([0, 1, 1], [0.2, 0.5, 0.9])
    assert r.auc.value == 1.0 and math.isnan(r.variance) and not r.auc.has_interval


def test_identical_scores_paired_test_is_null() -> None:
    d = _data("balanced")
    t = delong_test(d["y"], d["a"], d["a"])
    assert t.statistic == 0.0 and t.p_value == 1.0 and t.difference.value == 0.0


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"y_true": [0, 0, 0], "score": [1, 2, 3]}, DataError, "single class"),
        ({"y_true": [0, 1, 2], "score": [1, 2, 3]}, DataError, "binary"),
        ({"y_true": [0, 1, np.nan], "score": [1, 2, 3]}, DataError, "missing"),
        ({"y_true": [0, 1, 1], "score": [1, 2]}, DataError, "one score per case"),
        ({"y_true": [0, 1, 1], "score": [1, np.inf, 2]}, DataError, "NaN or infinite"),
        ({"y_true": [0, 1, 1], "score": [1, 2, 3], "direction": "auto"}, ConfigError, "direction"),
        ({"y_true": [0, 1, 1], "score": [1, 2, 3], "ci": "wald"}, ConfigError, "ci must"),
        ({"y_true": [0, 1, 1], "score": [1, 2, 3], "level": 95}, ConfigError, "level"),
    ],
)
def test_invalid_inputs_raise_explaining_errors(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        roc_analysis(**kwargs)


def test_tests_validate_their_arguments() -> None:
    with pytest.raises(DataError, match="score_b"):
        delong_test([0, 1, 1, 0], [1, 2, 3, 4], [1, 2, 3])
    with pytest.raises(ConfigError, match="alternative"):
        delong_test([0, 1, 1, 0], [1, 2, 3, 4], [1, 3, 2, 4], alternative="two.sided")
    with pytest.raises(DataError, match="y_b"):
        delong_test_unpaired([0, 1], [1, 2], [1, 1], [1, 2])


def test_results_serialise_summarise_and_plot() -> None:
    import matplotlib.pyplot as plt

    d = _data("balanced")
    r = roc_analysis(d["y"], d["a"])
    json.dumps(r.to_dict())
    t = delong_test(d["y"], d["a"], d["b"], names=("clinical", "radiomics"))
    assert isinstance(t, DeLongTestResult) and isinstance(t.roc_a, ROCResult)
    json.dumps(t.to_dict())
    table = t.summary()
    assert list(table.index) == ["AUC clinical", "AUC radiomics", "AUC clinical - AUC radiomics"]
    assert table.loc["AUC clinical - AUC radiomics", "p_value"] == pytest.approx(t.p_value)
    u = delong_test_unpaired(d["y"], d["a"], _data("ties")["y"], _data("ties")["a"])
    assert "DeLong's test for two ROC curves" == u.method

    ax = r.plot(label="A")
    roc_analysis(d["y"], d["b"]).plot(ax, label="B")
    roc_lines = [ln for ln in ax.get_lines() if ln.get_gid() == "radiome-roc"]
    chance = [ln for ln in ax.get_lines() if ln.get_gid() == "radiome-chance"]
    assert len(roc_lines) == 2 and len(chance) == 1
    assert roc_lines[0].get_color() != roc_lines[1].get_color()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("A: AUC") and "95% CI" in labels[0]
    ax2 = t.plot()
    assert any("DeLong p" in txt.get_text() for txt in ax2.texts)
    plt.close("all")
