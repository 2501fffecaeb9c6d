"""Survival evaluation: C-index (Harrell, Uno) against survival::concordance, log-rank test
against survdiff, group hazard ratios against coxph, time-dependent AUC, KM risk groups."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radiome.errors import ConfigError, DataError
from radiome.evaluate.estimate import Estimate
from radiome.evaluate.survival import (
    KaplanMeierResult,
    concordance,
    concordance_index,
    risk_groups,
    time_dependent_auc,
)

REF = Path(__file__).parent / "reference" / "r" / "glm_cox"
TOL = 1e-6


@pytest.fixture(scope="module")
def clinical() -> pd.DataFrame:
    return pd.read_csv(REF / "clinical.csv")


# ---- concordance against survival::concordance ----------------------------------------------


def _conc_cases():
    ref = pd.read_csv(REF / "concordance.csv")
    return [pytest.param(row, id=f"{row.label}-{row.timewt}-ymax{row.ymax}") for _, row in ref.iterrows()]


@pytest.mark.parametrize("row", _conc_cases())
def test_concordance_matches_r(clinical, row):
    lp = pd.read_csv(REF / "cox_linear_predictor.csv")
    risk = clinical["risk"] if row.label == "risk" else lp["lp_efron"]
    tau = None if pd.isna(row.ymax) else float(row.ymax)
    res = concordance(clinical["time"], clinical["status"], risk, method="uno" if row.timewt == "n/G2" else "harrell", tau=tau)
    assert abs(res.estimate.value - row.concordance) < TOL
    assert abs(res.std_err - row.std_err) < TOL
    # reverse = TRUE in R: its "concordant" pairs are ours (higher risk, earlier event)
    for ours, theirs in [("concordant", "concordant"), ("discordant", "discordant"), ("tied_risk", "tied_x"),
                         ("tied_time", "tied_y"), ("tied_both", "tied_xy")]:
        assert getattr(res, ours) == pytest.approx(row[theirs], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("timewt", ["n", "n/G2"])
def test_concordance_heavy_ties_matches_r(timewt):
    d = pd.read_csv(REF / "small_input.csv")
    ref = pd.read_csv(REF / "concordance_small.csv").set_index("timewt").loc[timewt]
    res = concordance(d.time, d.status, d.risk, method="uno" if timewt == "n/G2" else "harrell")
    assert abs(res.estimate.value - ref.concordance) < TOL
    assert abs(res.std_err - ref.std_err) < TOL
    assert res.tied_risk == pytest.approx(ref.tied_x)


def test_concordance_index_returns_estimate_with_wald_interval(clinical):
    e = concordance_index(clinical.time, clinical.status, clinical.risk, level=0.9)
    r = concordance(clinical.time, clinical.status, clinical.risk, level=0.9)
    assert isinstance(e, Estimate) and e == r.estimate
    assert e.level == 0.9
    assert e.upper - e.value == pytest.approx(1.6448536269514722 * r.std_err, rel=1e-9)
    assert json.dumps(r.to_dict())
    assert r.summary().shape[0] == 1


def _brute_harrell(t, e, r):
    num = den = 0.0
    n = len(t)
    for i in range(n):
        if not e[i]:
            continue
        for j in range(n):
            if t[j] > t[i] or (t[j] == t[i] and not e[j]):
                den += 1
                num += 1.0 if r[i] > r[j] else 0.5 if r[i] == r[j] else 0.0
    return num / den


survival_data = st.integers(min_value=4, max_value=25).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(1, 6), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
        st.lists(st.integers(-3, 3), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None)
@given(survival_data)
def test_harrell_equals_brute_force_pair_count(data):
    t, e, r = (np.asarray(v) for v in data)
    e = e.copy()
    e[0] = True
    if t[0] == t.max() and np.all(t == t.max()):
        t = t.copy()
        t[1] = t.max() + 1
    try:
        c = concordance(t, e, r).estimate.value
    except DataError:
        return  # no comparable pair
    assert c == pytest.approx(_brute_harrell(t.astype(float), e, r.astype(float)), abs=1e-12)
    assert 0.0 <= c <= 1.0


@settings(max_examples=40, deadline=None)
@given(survival_data, st.sampled_from(["harrell", "uno"]))
def test_concordance_invariances(data, method):
    t, e, r = (np.asarray(v, dtype=float) for v in data)
    e = e.astype(bool)
    e[0] = True
    t[1] = t.max() + 1.0
    c = concordance(t, e, r, method=method)
    # a monotone increasing transform of the risk changes nothing; reversing the sign mirrors C
    c_mono = concordance(t, e, np.exp(r) * 3 + 1, method=method)
    c_rev = concordance(t, e, -r, method=method)
    assert c_mono.estimate.value == pytest.approx(c.estimate.value, abs=1e-12)
    assert c_rev.estimate.value == pytest.approx(1 - c.estimate.value, abs=1e-12)
    assert c_rev.std_err == pytest.approx(c.std_err, abs=1e-12)


def test_harrell_agrees_with_lifelines_without_ties():
    from lifelines.utils import concordance_index as ll_ci

    rng = np.random.default_rng(3)
    t = rng.exponential(10, 150)
    e = rng.random(150) < 0.7
    r = rng.normal(size=150) - 0.05 * t
    assert concordance_index(t, e, r).value == pytest.approx(ll_ci(t, -r, e), abs=1e-12)


def test_concordance_errors():
    with pytest.raises(DataError, match="risk has 2 values"):
        concordance([1, 2, 3], [1, 0, 1], [1, 2])
    with pytest.raises(DataError, match="no event"):
        concordance([1, 2, 3], [0, 0, 0], [1, 2, 3])
    with pytest.raises(DataError, match="non-finite"):
        concordance([1, np.nan, 3], [1, 0, 1], [1, 2, 3])
    with pytest.raises(DataError, match="0/1"):
        concordance([1, 2, 3], [1, 2, 1], [1, 2, 3])
    with pytest.raises(ConfigError, match="method"):
        concordance([1, 2, 3], [1, 0, 1], [1, 2, 3], method="gonen")
    with pytest.raises(DataError, match="no comparable pair"):
        concordance([1, 1], [1, 1], [1, 2])


# ---- log-rank, hazard ratios, medians --------------------------------------------------------


def test_risk_groups_median_split_matches_survdiff_and_coxph(clinical):
    res = risk_groups(clinical.time, clinical.status, clinical.risk)
    assert isinstance(res, KaplanMeierResult)
    assert res.labels == ("low", "high")
    assert np.array_equal(res.assignments, clinical.group2.to_numpy(dtype=object))
    sd = pd.read_csv(REF / "survdiff.csv").query("grouping == 'group2'")
    assert abs(res.logrank_chi2 - sd.chisq.iloc[0]) < TOL
    assert abs(res.logrank_p - sd.p.iloc[0]) < TOL
    assert res.logrank_df == 1
    for lab, exp_, obs in zip(sd.level, sd.expected, sd.observed):
        assert abs(res.expected[lab] - exp_) < TOL
        assert res.observed[lab] == obs
    hr = pd.read_csv(REF / "coxph_groups.csv").query("grouping == 'group2'").iloc[0]
    e = res.hazard_ratios["high"]
    assert abs(e.value - hr.hr) < TOL and abs(e.lower - hr.hr_lower) < TOL and abs(e.upper - hr.hr_upper) < TOL
    assert abs(res.hazard_ratio_p["high"] - hr.p) < TOL
    km = pd.read_csv(REF / "km_median.csv").query("grouping == 'group2'")
    for c, (_, row) in zip(res.curves, km.iterrows()):
        assert (c.label, c.n, c.events, c.median.value) == (row["level"], row["n"], row["events"], row["median"])


def test_risk_groups_tertiles_match_survdiff_and_coxph(clinical):
    q = np.quantile(clinical.risk, [1 / 3, 2 / 3])
    res = risk_groups(clinical.time, clinical.status, clinical.risk, cutoff=q, labels=["low", "mid", "high"])
    assert np.array_equal(res.assignments, clinical.group3.to_numpy(dtype=object))
    sd = pd.read_csv(REF / "survdiff.csv").query("grouping == 'group3'")
    assert abs(res.logrank_chi2 - sd.chisq.iloc[0]) < TOL and abs(res.logrank_p - sd.p.iloc[0]) < TOL
    assert res.logrank_df == 2
    for _, h in pd.read_csv(REF / "coxph_groups.csv").query("grouping == 'group3'").iterrows():
        e = res.hazard_ratios[h.term.replace("grp", "")]
        assert abs(e.value - h.hr) < TOL and abs(e.lower - h.hr_lower) < TOL and abs(e.upper - h.hr_upper) < TOL
    medians = pd.read_csv(REF / "km_median.csv").query("grouping == 'group3'")["median"].to_numpy()
    assert [c.median.value for c in res.curves] == list(medians)


def test_risk_groups_table_plot_and_serialisation(clinical):
    res = risk_groups(clinical.time, clinical.status, clinical.risk, at_risk_times=[0, 12, 24, 36])
    assert list(res.at_risk.columns) == [0, 12, 24, 36]
    assert res.at_risk.loc["low", 0] == 120
    assert res.at_risk.loc["high", 12] == int(np.sum((clinical.time >= 12) & (clinical.group2 == "high")))
    c = res.curves[0]
    assert c.time[0] == 0 and c.survival[0] == 1 and np.all(np.diff(c.survival) <= 0)
    assert np.all(c.lower <= c.survival + 1e-12) and np.all(c.upper >= c.survival - 1e-12)
    tab = res.summary()
    assert list(tab.index) == ["low", "high"] and tab.loc["low", "hr"] == 1.0
    json.dumps(res.to_dict())
    ax = res.plot()
    assert len(ax.get_lines()) >= 4  # two curves and their censor marks
    assert any("log-rank" in t.get_text() for t in ax.texts)
    assert any(t.get_text() == "Number at risk" for t in ax.texts)


def test_risk_groups_errors(clinical):
    t, e, r = clinical.time, clinical.status, clinical.risk
    with pytest.raises(DataError, match="empty"):
        risk_groups(t, e, r, cutoff=100.0)
    with pytest.raises(ConfigError, match="labels"):
        risk_groups(t, e, r, labels=["a", "b", "c"])
    with pytest.raises(ConfigError, match="cutoff"):
        risk_groups(t, e, r, cutoff="tertile")


# ---- time-dependent AUC --------------------------------------------------------------------


def test_time_dependent_auc(clinical):
    from sksurv.metrics import cumulative_dynamic_auc
    from sksurv.util import Surv

    t, e, r = clinical.time.to_numpy(float), clinical.status.to_numpy(bool), clinical.rad_score.to_numpy()
    res = time_dependent_auc(t, e, r, [12, 24, 36])
    y = Surv.from_arrays(e, t)
    auc, mean_auc = cumulative_dynamic_auc(y, y, r, [12, 24, 36])
    np.testing.assert_allclose(res.auc, auc)
    assert res.mean_auc == pytest.approx(mean_auc)
    assert np.all((res.auc > 0.5) & (res.auc < 1.0))
    assert res.to_frame().shape == (3, 2)
    json.dumps(res.to_dict())
    assert res.plot() is not None
    # a risk that orders the event times perfectly
    perfect = time_dependent_auc(t, e, -t, [12, 24], train_time=t, train_event=e)
    np.testing.assert_allclose(perfect.auc, 1.0)


def test_time_dependent_auc_errors(clinical):
    t, e, r = clinical.time, clinical.status, clinical.rad_score
    with pytest.raises(DataError, match="outside the follow-up"):
        time_dependent_auc(t, e, r, [1000])
    with pytest.raises(ConfigError, match="both"):
        time_dependent_auc(t, e, r, [12], train_time=t)
