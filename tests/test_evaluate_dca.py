"""Decision curve analysis against the Python dcurves package, and its invariants."""

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
from radiome.evaluate.dca import TREAT_ALL, TREAT_NONE, DecisionCurveResult, decision_curve

REF = Path(__file__).parent / "reference" / "r" / "proc"
TOL = 1e-9  # the tolerance against dcurves


def _dcurves(data: pd.DataFrame, models: list[str], thresholds: np.ndarray, **kw: object
             ) -> pd.DataFrame:
    dcurves = pytest.importorskip("dcurves")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = dcurves.dca(data=data, outcome="y", modelnames=models, thresholds=thresholds, **kw)
    ref["model"] = ref["model"].replace({"all": TREAT_ALL, "none": TREAT_NONE})
    return ref


def _compare(res: DecisionCurveResult, ref: pd.DataFrame) -> None:
    merged = res.frame.merge(ref, on=["model", "threshold"], suffixes=("", "_ref"))
    assert len(merged) == len(res.frame) == len(ref)
    for col in ("test_pos_rate", "tp_rate", "fp_rate", "net_benefit", "prevalence", "harm"):
        np.testing.assert_allclose(merged[col], merged[f"{col}_ref"], rtol=0, atol=TOL,
                                   err_msg=col)
    ours = merged["net_interventions_avoided"].to_numpy(dtype=float)
    theirs = merged["net_intervention_avoided"].to_numpy(dtype=float)
    finite = np.isfinite(theirs)
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=0, atol=TOL)
    # where dcurves divides by a zero threshold odds (pt = 0) radiome reports NaN
    assert np.isnan(ours[~finite]).all()
    assert (merged.loc[~finite, "threshold"] == 0).all()


def test_matches_dcurves_with_boundary_risks_and_harm() -> None:
    d = pd.read_csv(REF / "data_balanced.csv")[["y", "p_old", "p_new"]]
    d.loc[0, "p_old"], d.loc[1, "p_new"], d.loc[2, "p_old"] = 0.0, 1.0, 0.3
    d.loc[3, "p_new"] = 0.25  # a risk exactly on a threshold counts as treated
    t = np.arange(0, 1, 0.01)
    res = decision_curve(d["y"], d[["p_old", "p_new"]], t, harm={"p_new": 0.01})
    _compare(res, _dcurves(d, ["p_old", "p_new"], t, harm={"p_new": 0.01}))
    assert res.models == ("p_old", "p_new")
    assert list(res.frame["model"].unique()) == ["p_old", "p_new", TREAT_ALL, TREAT_NONE]


def test_matches_dcurves_with_rare_outcome_and_given_prevalence() -> None:
    d = pd.read_csv(REF / "data_unbalanced.csv")[["y", "p_new"]]
    t = np.linspace(0.0, 0.6, 25)
    _compare(decision_curve(d["y"], {"p_new": d["p_new"]}, t),
             _dcurves(d, ["p_new"], t))
    _compare(decision_curve(d["y"], {"p_new": d["p_new"]}, t, prevalence=0.2),
             _dcurves(d, ["p_new"], t, prevalence=0.2))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.booleans(), min_size=3, max_size=60).filter(lambda v: 0 < sum(v) < len(v)),
    st.lists(st.floats(0.0, 0.99), min_size=1, max_size=10),
)
def test_treat_all_and_treat_none(y: list[bool], thresholds: list[float]) -> None:
    """NB(treat all) = prevalence - (1 - prevalence) pt / (1 - pt); NB(treat none) = 0; a model
    predicting 1 for everyone is treat-all and one predicting 0 is treat-none."""
    yy = np.array(y)
    t = np.array(thresholds)
    prev = yy.mean()
    res = decision_curve(yy, {"ones": np.ones(yy.size), "zeros": np.zeros(yy.size)}, t)
    f = res.frame
    nb_all = f.loc[f["model"] == TREAT_ALL, "net_benefit"].to_numpy()
    np.testing.assert_allclose(nb_all, prev - (1 - prev) * t / (1 - t), atol=1e-12)
    assert (f.loc[f["model"] == TREAT_NONE, "net_benefit"] == 0).all()
    np.testing.assert_allclose(f.loc[f["model"] == "ones", "net_benefit"], nb_all, atol=1e-12)
    assert (f.loc[f["model"] == "zeros", "net_benefit"] == 0).all()
    assert res.prevalence == pytest.approx(prev)


def test_net_benefit_from_first_principles() -> None:
    rng = np.random.default_rng(11)
    y = rng.random(150) < 0.3
    p = np.clip(0.3 + 0.3 * (y - 0.3) + rng.normal(0, 0.15, 150), 0.01, 0.99)
    t = np.array([0.05, 0.2, 0.35, 0.5])
    res = decision_curve(y, p, t, n_per=100)
    nb = res.net_benefit("Model").to_numpy()
    for k, pt in enumerate(t):
        tp = np.sum((p >= pt) & y) / y.size
        fp = np.sum((p >= pt) & ~y) / y.size
        assert nb[k] == pytest.approx(tp - fp * pt / (1 - pt), abs=1e-12)
    nia = res.frame.loc[res.frame["model"] == "Model", "net_interventions_avoided"].to_numpy()
    nb_all = y.mean() - (1 - y.mean()) * t / (1 - t)
    np.testing.assert_allclose(nia, (nb - nb_all) / (t / (1 - t)) * 100, atol=1e-10)


def test_bootstrap_band_is_seeded_and_brackets_the_curve() -> None:
    d = pd.read_csv(REF / "data_ties.csv")
    t = np.arange(0.05, 0.6, 0.05)
    a = decision_curve(d["y"], {"new": d["p_new"]}, t, ci="bootstrap", random_state=1,
                       n_bootstrap=300)
    b = decision_curve(d["y"], {"new": d["p_new"]}, t, ci="bootstrap", random_state=1,
                       n_bootstrap=300)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    f = a.frame[a.frame["model"] == "new"]
    assert (f["net_benefit_lower"] <= f["net_benefit"] + 1e-12).all()
    assert (f["net_benefit"] <= f["net_benefit_upper"] + 1e-12).all()
    assert (f["net_benefit_upper"] - f["net_benefit_lower"] > 0).all()
    cc = decision_curve(d["y"], {"new": d["p_new"]}, t, ci="bootstrap", random_state=1,
                        n_bootstrap=300, prevalence=0.2)
    assert cc.frame["net_benefit_lower"].notna().all()


def test_serialise_and_plot() -> None:
    import matplotlib.pyplot as plt

    d = pd.read_csv(REF / "data_ties.csv")
    res = decision_curve(d["y"], {"old": d["p_old"], "new": d["p_new"]}, np.arange(0, 0.8, 0.02),
                         ci="bootstrap", random_state=0, n_bootstrap=100)
    payload = json.loads(json.dumps(res.to_dict()))
    assert payload["models"] == ["old", "new"] and payload["n"] == len(d)
    ax = res.plot()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["old", "new", TREAT_ALL, TREAT_NONE]
    lo, hi = ax.get_ylim()
    assert lo < 0 < res.prevalence <= hi
    ax2 = res.plot(kind="interventions_avoided")
    assert ax2.get_ylabel().startswith("Net reduction")
    with pytest.raises(ConfigError, match="no model"):
        res.net_benefit("other")
    plt.close("all")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"predictions": {"m": [0.1, 1.2, 0.3, 0.4]}}, DataError, r"\[0, 1\]"),
        ({"predictions": {TREAT_ALL: [0.1, 0.2, 0.3, 0.4]}}, ConfigError, "reserved"),
        ({"thresholds": [0.1, 1.0]}, ConfigError, "thresholds"),
        ({"harm": {"other": 0.1}}, ConfigError, "harm"),
        ({"prevalence": 1.5}, ConfigError, "prevalence"),
        ({"predictions": {}}, DataError, "empty"),
        ({"ci": "delong"}, ConfigError, "ci must"),
    ],
)
def test_invalid_arguments(kwargs: dict, error: type, match: str) -> None:
    args = {"y_true": [0, 1, 0, 1], "predictions": {"m": [0.1, 0.7, 0.3, 0.4]}, **kwargs}
    with pytest.raises(error, match=match):
        decision_curve(**args)
