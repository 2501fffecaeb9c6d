"""Calibration: R's lowess, rms::val.prob statistics, Hosmer-Lemeshow, rms::calibrate (boot).

Golden values come from tests/reference/r/rms.R (R 4.2.2, rms 6.5.0); tolerances are the
issue's: 1e-6 for val.prob statistics, 1e-3 for the calibrate curves.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radiome.errors import ConfigError, DataError
from radiome.evaluate.calibration import (
    bootstrap_calibration,
    calibration_curve,
    calibration_metrics,
    hosmer_lemeshow,
    lowess,
)

REF = Path(__file__).parent / "reference" / "r" / "rms"


def _csv(name: str, **kw) -> pd.DataFrame:
    return pd.read_csv(REF / name, float_precision="round_trip", **kw)


@pytest.fixture(scope="module")
def valprob():
    data = _csv("valprob_data.csv")
    stats = _csv("valprob_stats.csv").set_index("name")["value"]
    return data["y"].to_numpy(), data["p"].to_numpy(), stats


def _lr():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12, max_iter=1000)


@pytest.fixture(scope="module")
def train_xy():
    d = _csv("data_train.csv")
    X = pd.get_dummies(d[["age", "volume", "rad_score", "sex", "grade"]], columns=["grade"],
                       drop_first=True, dtype=float)
    return X, d["y"].to_numpy()


# --------------------------------------------------------------------------- lowess
@pytest.mark.parametrize("case", ["ties_iter0", "ties_iter3", "smooth_iter0", "smooth_f03_iter3",
                                  "boot_f03_iter0", "wide_f09_iter0", "tiny_f03_iter0"])
def test_lowess_matches_r(case):
    g = _csv("lowess.csv").query("case == @case")
    frac = 0.3 if "f03" in case else 0.9 if "f09" in case else 2 / 3
    xs, ys = lowess(g["x_in"], g["y_in"], frac=frac, iter=0 if "iter0" in case else 3)
    np.testing.assert_array_equal(xs, g["x"].to_numpy())
    np.testing.assert_allclose(ys, g["y"].to_numpy(), rtol=0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=3, max_size=60),
       st.integers(0, 10_000), st.floats(-5, 5), st.floats(0.1, 5), st.sampled_from([0.3, 2 / 3, 1.0]))
def test_lowess_is_affine_in_y(x, seed, a, b, frac):
    # with iter=0 the weights do not depend on y: the smooth of a + b y is a + b (smooth of y)
    x = np.asarray(x)
    y = np.random.default_rng(seed).normal(size=x.size)
    _, s1 = lowess(x, y, frac=frac, iter=0)
    _, s2 = lowess(x, a + b * y, frac=frac, iter=0)
    np.testing.assert_allclose(s2, a + b * s1, atol=1e-9 * (1 + abs(a) + b))


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 80), st.floats(-5, 5), st.floats(-5, 5), st.sampled_from([0.3, 2 / 3, 1.0]))
def test_lowess_reproduces_a_line_on_a_grid(n, a, b, frac):
    x = np.arange(n, dtype=float)
    _, ys = lowess(x, a + b * x, frac=frac, iter=0)
    np.testing.assert_allclose(ys, a + b * x, atol=1e-8 * (1 + abs(a) + abs(b) * n))


def test_lowess_validates():
    with pytest.raises(DataError, match="same length"):
        lowess([1, 2, 3], [1, 2])
    with pytest.raises(DataError, match="finite"):
        lowess([1, np.nan, 3], [1, 2, 3])
    with pytest.raises(ConfigError, match="frac"):
        lowess([1, 2, 3], [1, 2, 3], frac=0)


# --------------------------------------------------------------------------- val.prob
def test_calibration_metrics_match_val_prob(valprob):
    y, p, ref = valprob
    m = calibration_metrics(y, p)
    got = {"Intercept": m.intercept.value, "Slope": m.slope.value, "Brier": m.brier,
           "Emax": m.emax, "Eavg": m.eavg, "E90": m.e90, "citl": m.citl.value,
           "scaled_brier": m.scaled_brier}
    for key, value in got.items():
        assert value == pytest.approx(ref[key], abs=1e-6), key
    z = 1.959963984540054
    assert (m.citl.upper - m.citl.lower) / (2 * z) == pytest.approx(ref["citl_se"], abs=1e-6)
    assert (m.slope.upper - m.slope.lower) / (2 * z) == pytest.approx(ref["recal_slope_se"], abs=1e-6)
    assert m.n == y.size and m.n_events == int(y.sum()) and m.n_excluded == 0
    json.dumps(m.to_dict())
    assert list(m.summary().index)[:3] == ["citl", "intercept", "slope"]


def test_calibration_metrics_ideal_for_recalibrated_predictions(valprob):
    y, p, _ = valprob
    m = calibration_metrics(y, p)
    lp = m.intercept.value + m.slope.value * np.log(p / (1 - p))
    again = calibration_metrics(y, 1 / (1 + np.exp(-lp)))
    assert again.intercept.value == pytest.approx(0, abs=1e-8)
    assert again.slope.value == pytest.approx(1, abs=1e-8)
    assert again.citl.value == pytest.approx(0, abs=1e-8)  # logistic MLE: mean p = mean y


def test_calibration_metrics_excludes_certain_predictions(valprob):
    y, p, _ = valprob
    p2 = p.copy()
    p2[0] = 1.0 if y[0] == 1 else 0.0
    assert calibration_metrics(y, p2).n_excluded == 1


@pytest.mark.parametrize("y, p, err", [
    ([0, 1, 1], [0.2, 0.5], DataError),
    ([0, 1, 1], [0.2, 1.5, 0.3], DataError),
    ([1, 1, 1], [0.2, 0.5, 0.4], DataError),
    ([0, 1, 2], [0.2, 0.5, 0.4], DataError),
    ([0, 1, np.nan], [0.2, 0.5, 0.4], DataError),
    ([0, 1, 1], [0.2, np.nan, 0.4], DataError),
])
def test_calibration_metrics_rejects_bad_input(y, p, err):
    with pytest.raises(err):
        calibration_metrics(y, p)


def test_pos_label():
    y = np.array(["no", "yes", "yes", "no", "yes", "no", "yes", "no"])
    p = np.array([0.2, 0.7, 0.3, 0.6, 0.9, 0.4, 0.5, 0.1])
    a = calibration_metrics(y, p, pos_label="yes")
    b = calibration_metrics((y == "yes").astype(int), p)
    assert a.brier == b.brier and a.slope.value == pytest.approx(b.slope.value)
    with pytest.raises(DataError, match="pos_label"):
        calibration_metrics(y, p)


# --------------------------------------------------------------------------- Hosmer-Lemeshow
@pytest.mark.parametrize("case, g, tied", [("g10", 10, False), ("g8", 8, False), ("tied_g10", 10, True)])
def test_hosmer_lemeshow_matches_r(valprob, case, g, tied):
    y, p, _ = valprob
    ref = _csv("hosmer_lemeshow.csv").set_index("case").loc[case]
    r = hosmer_lemeshow(y, np.round(p, 1) if tied else p, g)
    assert r.statistic == pytest.approx(ref["statistic"], abs=1e-9)
    assert r.df == ref["df"]
    assert r.p_value == pytest.approx(ref["p_value"], abs=1e-9)


def test_hosmer_lemeshow_table(valprob):
    y, p, _ = valprob
    r = hosmer_lemeshow(y, p)
    ref = _csv("hosmer_lemeshow_g10_table.csv")
    np.testing.assert_array_equal(r.table["n"], ref["n"])
    np.testing.assert_allclose(r.table["observed"], ref["observed"])
    np.testing.assert_allclose(r.table["expected"], ref["expected"], atol=1e-10)
    assert r.table["n"].sum() == y.size and r.g == 10
    json.dumps(r.to_dict())


def test_hosmer_lemeshow_validates():
    with pytest.raises(ConfigError, match="g must"):
        hosmer_lemeshow([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], g=2)
    with pytest.raises(DataError, match="distinct"):
        hosmer_lemeshow([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(3, 12))
def test_hosmer_lemeshow_properties(seed, g):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, 120)
    y = (rng.random(120) < p).astype(int)
    r = hosmer_lemeshow(y, p, g)
    assert r.statistic >= 0 and 0 <= r.p_value <= 1
    assert r.df == len(r.table) - 2
    perm = rng.permutation(120)
    assert hosmer_lemeshow(y[perm], p[perm], g).statistic == pytest.approx(r.statistic)


# --------------------------------------------------------------------------- curves
def test_loess_curve_is_r_lowess(valprob):
    y, p, _ = valprob
    c = calibration_curve(y, p)
    xs, ys = lowess(p, y, iter=0)
    np.testing.assert_array_equal(c.predicted, np.unique(xs))
    assert c.counts.sum() == y.size and np.isnan(c.lower).all()


def test_binned_curve(valprob):
    y, p, _ = valprob
    c = calibration_curve(y, p, method="binned", n_bins=10)
    table = hosmer_lemeshow(y, p, 10).table  # same grouping rule
    np.testing.assert_array_equal(c.counts, table["n"])
    np.testing.assert_allclose(c.observed, table["observed"] / table["n"])
    np.testing.assert_allclose(c.predicted, table["mean_predicted"])
    assert np.all((c.lower <= c.observed) & (c.observed <= c.upper))
    u = calibration_curve(y, p, method="binned", n_bins=5, strategy="uniform")
    assert u.counts.sum() == y.size and len(u.counts) <= 5
    json.dumps(c.to_dict())
    assert list(c.to_frame().columns) == ["predicted", "observed", "lower", "upper", "n"]


def test_curve_validates(valprob):
    y, p, _ = valprob
    with pytest.raises(ConfigError, match="method"):
        calibration_curve(y, p, method="isotonic")
    with pytest.raises(ConfigError, match="strategy"):
        calibration_curve(y, p, method="binned", strategy="kmeans")
    with pytest.raises(ConfigError, match="n_bins"):
        calibration_curve(y, p, method="binned", n_bins=0)


def test_plots(valprob):
    import matplotlib

    matplotlib.use("Agg")
    y, p, _ = valprob
    ax = calibration_curve(y, p).plot()
    ax = calibration_curve(y, p, method="binned").plot(ax=ax)
    labels = [line.get_label() for line in ax.lines]
    assert labels.count("Ideal") == 1 and "Smoothed (lowess)" in labels
    import matplotlib.pyplot as plt

    plt.close("all")


# --------------------------------------------------------------------------- rms::calibrate
def test_bootstrap_calibration_matches_rms_calibrate(train_xy):
    X, y = train_xy
    ref = _csv("calibrate_lrm.csv")
    idx = _csv("calibrate_indices.csv").to_numpy().T - 1  # R's 1-based draws, one row per resample
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every fit converges
        r = bootstrap_calibration(_lr(), X, y, indices=idx)
    assert r.B == 40 and r.n_failed == 0
    np.testing.assert_allclose(r.predy, ref["predy"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(r.apparent, ref["calibrated.orig"], rtol=0, atol=1e-3)
    np.testing.assert_allclose(r.corrected, ref["calibrated.corrected"], rtol=0, atol=1e-3)
    # measured: both agree to about 1e-10; keep a tight guard against regressions too
    assert np.nanmax(np.abs(r.corrected - ref["calibrated.corrected"])) < 1e-7
    np.testing.assert_array_equal(r.n_used, ref["n"])
    np.testing.assert_allclose(r.optimism, ref["optimism"], atol=1e-7)
    err = _csv("calibrate_lrm_errors.csv").set_index("name")["value"]
    assert r.mean_absolute_error == pytest.approx(err["mean_absolute_error"], abs=1e-6)
    assert r.mean_squared_error == pytest.approx(err["mean_squared_error"], abs=1e-6)
    assert r.q90_absolute_error == pytest.approx(err["q90_absolute_error"], abs=1e-6)
    json.dumps(r.to_dict())
    import matplotlib

    matplotlib.use("Agg")
    ax = r.plot()
    assert {"Apparent", "Ideal"} <= {line.get_label() for line in ax.lines}
    import matplotlib.pyplot as plt

    plt.close("all")


def test_bootstrap_calibration_seeded_and_custom_smoother(train_xy):
    X, y = train_xy
    a = bootstrap_calibration(_lr(), X, y, B=4, random_state=3)
    b = bootstrap_calibration(_lr(), X.to_numpy(), y, B=4, random_state=3)
    np.testing.assert_allclose(a.corrected, b.corrected)
    grid = np.linspace(0.2, 0.8, 7)

    def binned(p, yy):
        edges = np.linspace(0, 1, 6)
        k = np.clip(np.digitize(p, edges) - 1, 0, 4)
        mids = (edges[:-1] + edges[1:]) / 2
        rate = np.array([yy[k == j].mean() if (k == j).any() else np.nan for j in range(5)])
        ok = ~np.isnan(rate)
        return mids[ok], rate[ok]

    c = bootstrap_calibration(_lr(), X, y, B=3, random_state=0, predy=grid, smoother=binned)
    assert c.predy.tolist() == grid.tolist() and c.corrected.shape == (7,)


def test_bootstrap_calibration_validates(train_xy):
    X, y = train_xy
    with pytest.raises(ConfigError, match="indices"):
        bootstrap_calibration(_lr(), X, y, indices=np.zeros((2, 5), dtype=int))
    with pytest.raises(ConfigError, match="0-based"):
        bootstrap_calibration(_lr(), X, y, indices=np.full((2, len(y)), len(y)))
    with pytest.raises(ConfigError, match="B must"):
        bootstrap_calibration(_lr(), X, y, B=0)
    with pytest.raises(DataError, match="rows"):
        bootstrap_calibration(_lr(), X.iloc[:10], y)
    with pytest.raises(ConfigError, match="smoother"):
        bootstrap_calibration(_lr(), X, y, B=2, smoother="loess")


def test_separation_raises_convergence_error():
    from radiome.errors import ConvergenceError

    with pytest.raises(ConvergenceError, match="separate"):
        calibration_metrics([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
