"""Threshold metrics: pROC's coords() goldens (tests/reference/r/proc.R) and the cut-off rule."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from radiome.errors import ConfigError, DataError
from radiome.evaluate.threshold import ThresholdResult, threshold_metrics, youden_threshold

REF = Path(__file__).parent / "reference" / "r" / "proc"
TOL = 1e-6
YOUDEN = pd.read_csv(REF / "youden.csv")
COORDS = pd.read_csv(REF / "coords.csv")
DATA = {name: pd.read_csv(REF / f"data_{name}.csv")
        for name in ("ties", "unbalanced", "small", "balanced")}


@pytest.mark.parametrize("key", sorted(set(zip(YOUDEN["dataset"], YOUDEN["score"]))),
                         ids=lambda k: f"{k[0]}-{k[1]}")
def test_youden_cutoff_matches_proc_best(key: tuple[str, str]) -> None:
    rows = YOUDEN[(YOUDEN["dataset"] == key[0]) & (YOUDEN["score"] == key[1])]
    first = rows.sort_values("threshold").iloc[0]  # pROC lists tied bests; radiome keeps the lowest
    d = DATA[key[0]]
    r = threshold_metrics(d["y"], d[key[1]], ci=None)
    assert r.method == "youden"
    assert r.threshold == pytest.approx(first["threshold"], abs=TOL)
    assert r.sensitivity.value == pytest.approx(first["sensitivity"], abs=TOL)
    assert r.specificity.value == pytest.approx(first["specificity"], abs=TOL)
    assert r.youden.value == pytest.approx(first["sensitivity"] + first["specificity"] - 1,
                                           abs=TOL)
    assert youden_threshold(d["y"], d[key[1]]) == r.threshold


@pytest.mark.parametrize("key", sorted(set(zip(COORDS["dataset"], COORDS["score"]))),
                         ids=lambda k: f"{k[0]}-{k[1]}")
def test_fixed_threshold_metrics_match_proc_coords(key: tuple[str, str]) -> None:
    """pROC's coords(x=<observed score>, input="threshold") counts score >= x as positive."""
    rows = COORDS[(COORDS["dataset"] == key[0]) & (COORDS["score"] == key[1])]
    d = DATA[key[0]]
    for row in rows.to_dict("records"):
        r = threshold_metrics(d["y"], d[key[1]], threshold=row["threshold"], ci=None)
        assert r.method == "fixed" and r.threshold == row["threshold"]
        for metric in ("sensitivity", "specificity", "accuracy", "ppv", "npv"):
            got, want = getattr(r, metric).value, row[metric]
            if math.isnan(want):
                assert math.isnan(got), metric
            else:
                assert got == pytest.approx(want, abs=1e-12), (metric, row["threshold"])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(0, 8)), min_size=4, max_size=40)
    .filter(lambda v: 0 < sum(b for b, _ in v) < len(v)),
    st.one_of(st.just("youden"), st.integers(0, 8).map(float), st.floats(-1, 9)),
)
def test_predict_reproduces_the_confusion_matrix(data: list, threshold: object) -> None:
    """The documented rule (positive iff score >= threshold) is what predict() applies and what
    produced the counts, and the reported metrics follow from the counts."""
    y = np.array([b for b, _ in data])
    s = np.array([v for _, v in data], dtype=float)
    r = threshold_metrics(y, s, threshold=threshold, ci=None)
    pred = r.predict(s).astype(bool)
    np.testing.assert_array_equal(pred, s >= r.threshold)
    assert (r.tp, r.fp, r.tn, r.fn) == (
        int(np.sum(pred & y)), int(np.sum(pred & ~y)), int(np.sum(~pred & ~y)),
        int(np.sum(~pred & y)))
    assert r.sensitivity.value == pytest.approx(r.tp / (r.tp + r.fn))
    assert r.youden.value == pytest.approx(r.sensitivity.value + r.specificity.value - 1)
    if threshold == "youden":
        # no other cut-off does better, and the youden cut-off lies between observed scores
        best = max(np.mean(s[y] >= c) + np.mean(s[~y] < c) for c in np.r_[s, np.inf])
        assert r.sensitivity.value + r.specificity.value == pytest.approx(best)
        assert r.threshold not in set(s) or not np.isfinite(r.threshold)


def test_score_equal_to_threshold_is_positive() -> None:
    r = threshold_metrics([0, 1, 1, 0], [0.2, 0.5, 0.7, 0.5], threshold=0.5, ci=None)
    assert r.predict([0.5, 0.4999]).tolist() == [1, 0]
    assert (r.tp, r.fp) == (2, 1)


def test_ties_in_youden_pick_the_lowest_cutoff() -> None:
    # cut-offs 0.275 and 0.6 both give J = 2/3 (pROC lists both); the lowest is kept
    r = threshold_metrics([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9], ci=None)
    assert r.threshold == pytest.approx(0.275)
    assert r.sensitivity.value == 1.0


def test_direction_greater_mirrors_the_rule() -> None:
    d = DATA["balanced"]
    up = threshold_metrics(d["y"], d["b"], ci=None)
    down = threshold_metrics(d["y"], -d["b"], ci=None, direction=">")
    assert down.threshold == pytest.approx(-up.threshold)
    assert (down.tp, down.fp, down.tn, down.fn) == (up.tp, up.fp, up.tn, up.fn)
    np.testing.assert_array_equal(down.predict(-d["b"]), up.predict(d["b"]))


@pytest.mark.parametrize("method, sm", [("wilson", "wilson"), ("clopper-pearson", "beta")])
def test_binomial_intervals(method: str, sm: str) -> None:
    d = DATA["ties"]
    r = threshold_metrics(d["y"], d["a"], threshold=0.5, ci=method, random_state=0,
                          n_bootstrap=300)
    lo, hi = proportion_confint(r.tp, r.tp + r.fn, alpha=0.05, method=sm)
    assert (r.sensitivity.lower, r.sensitivity.upper) == pytest.approx((lo, hi), abs=1e-12)
    lo, hi = proportion_confint(r.tn, r.tn + r.fp, alpha=0.05, method=sm)
    assert (r.specificity.lower, r.specificity.upper) == pytest.approx((lo, hi), abs=1e-12)
    lo, hi = proportion_confint(r.tp, r.tp + r.fp, alpha=0.05, method=sm)
    assert (r.ppv.lower, r.ppv.upper) == pytest.approx((lo, hi), abs=1e-12)
    assert r.sensitivity.method == method and r.f1.method == "bootstrap"
    assert r.youden.method == "wald" and -1 <= r.youden.lower < r.youden.upper <= 1


def test_bootstrap_intervals_are_seeded_and_sensible() -> None:
    d = DATA["unbalanced"]
    kw = dict(ci="bootstrap", random_state=3, n_bootstrap=400)
    a = threshold_metrics(d["y"], d["a"], **kw)
    b = threshold_metrics(d["y"], d["a"], **kw)
    assert a.summary().equals(b.summary())
    for name in ("sensitivity", "specificity", "accuracy", "ppv", "npv", "f1", "youden"):
        e = getattr(a, name)
        assert e.method == "bootstrap" and e.lower <= e.upper
    # re-choosing the cut-off in each replicate: the Youden J interval is wide but contains J
    assert a.youden.lower < a.youden.value < a.youden.upper
    fixed = threshold_metrics(d["y"], d["a"], threshold=a.threshold, **kw)
    assert fixed.sensitivity.lower <= fixed.sensitivity.value <= fixed.sensitivity.upper


def test_bootstrap_youden_matches_point_estimate_without_resampling() -> None:
    """The vectorised per-replicate Youden search equals the point estimate on the data."""
    from radiome.evaluate.threshold import _bootstrap_metrics

    class Identity:  # a "generator" that draws the original sample
        def integers(self, low: int, high: int, size: tuple[int, int]) -> np.ndarray:
            return np.tile(np.arange(high), (size[0], 1))

    for name in DATA:
        d = DATA[name]
        y, s = d["y"].to_numpy() == 1, d["a"].to_numpy()
        order = np.r_[np.flatnonzero(y), np.flatnonzero(~y)]
        out = _bootstrap_metrics(y[order], s[order], None, 12, True, Identity())  # type: ignore
        point = threshold_metrics(y, s, ci=None)
        assert out["sensitivity"][0] == pytest.approx(point.sensitivity.value)
        assert out["specificity"][0] == pytest.approx(point.specificity.value)


def test_results_serialise_and_plot() -> None:
    import matplotlib.pyplot as plt

    d = DATA["balanced"]
    r = threshold_metrics(d["y"], d["b"], random_state=0, n_bootstrap=200)
    assert isinstance(r, ThresholdResult)
    json.dumps(r.to_dict())
    table = r.summary()
    assert list(table.index) == ["sensitivity", "specificity", "accuracy", "ppv", "npv", "f1",
                                 "youden"]
    ax = r.plot()
    assert len(ax.get_lines()) >= 3
    plt.close("all")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"threshold": "best"}, ConfigError, "threshold"),
        ({"threshold": float("nan")}, ConfigError, "NaN"),
        ({"ci": "wald"}, ConfigError, "ci must"),
        ({"n_bootstrap": 3, "ci": "bootstrap"}, ConfigError, "n_bootstrap"),
        ({"y_true": [0, 1, 1, 1]}, DataError, "one score per case"),
    ],
)
def test_invalid_arguments(kwargs: dict, error: type, match: str) -> None:
    args = {"y_true": [0, 1, 1], "score": [0.1, 0.5, 0.9], **kwargs}
    with pytest.raises(error, match=match):
        threshold_metrics(**args)
