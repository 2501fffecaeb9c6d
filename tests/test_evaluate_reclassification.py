"""NRI / IDI: golden values from R's Hmisc::improveProb (tests/reference/r/proc.R)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from radiome.errors import ConfigError, DataError
from radiome.evaluate.reclassification import ReclassificationResult, reclassification

REF = Path(__file__).parent / "reference" / "r" / "proc"
TOL = 1e-10
RECLASS = pd.read_csv(REF / "reclass.csv")
Z95 = norm.ppf(0.975)


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"data_{name}.csv")


def _se(e: object) -> float:
    return (e.upper - e.lower) / (2 * Z95)  # type: ignore[attr-defined]


@pytest.mark.parametrize("row", RECLASS.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['kind']}")
def test_matches_hmisc_improveprob(row: dict) -> None:
    d = _data(row["dataset"])
    res = reclassification(d["y"], d["p_old"], d["p_new"], cutoffs=(0.1, 0.3))
    assert (res.n_events, res.n_nonevents) == (row["n_events"], row["n_nonevents"])
    pre = "" if row["kind"] == "continuous" else "categorical_"
    checks = {f"{pre}nri": ("nri", "se_nri"), f"{pre}nri_events": ("nri_ev", "se_nri_ev"),
              f"{pre}nri_nonevents": ("nri_ne", "se_nri_ne")}
    if row["kind"] == "continuous":
        checks["idi"] = ("idi", "se_idi")
        assert res.idi_events.value == pytest.approx(row["improve_sens"], abs=TOL)
        assert res.idi_nonevents.value == pytest.approx(row["improve_spec"], abs=TOL)
    for name, (value, se) in checks.items():
        e = getattr(res, name)
        assert e.value == pytest.approx(row[value], abs=TOL), name
        assert _se(e) == pytest.approx(row[se], abs=TOL), name
        assert e.method == "asymptotic"
        assert res.p_values[name] == pytest.approx(
            2 * norm.sf(abs(row[value] / row[se])), abs=TOL), name
    # the components sum to the totals
    assert res.nri.value == pytest.approx(res.nri_events.value + res.nri_nonevents.value)
    assert res.idi.value == pytest.approx(res.idi_events.value + res.idi_nonevents.value)


probs = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), probs, probs), min_size=4, max_size=50)
    .filter(lambda v: 1 < sum(b for b, _, _ in v) < len(v) - 1)
)
def test_swapping_models_negates_every_statistic(data: list) -> None:
    y = np.array([r[0] for r in data])
    po = np.array([r[1] for r in data])
    pn = np.array([r[2] for r in data])
    a = reclassification(y, po, pn, cutoffs=(0.2, 0.5))
    b = reclassification(y, pn, po, cutoffs=(0.2, 0.5))
    for name in ("nri", "nri_events", "nri_nonevents", "idi", "idi_events", "idi_nonevents",
                 "categorical_nri", "categorical_nri_events", "categorical_nri_nonevents"):
        assert getattr(b, name).value == pytest.approx(-getattr(a, name).value, abs=1e-12)
    # each of the two components of NRI and IDI lies in [-1, 1], so both lie in [-2, 2]
    assert -2 <= a.nri.value <= 2 and -2 <= a.idi.value <= 2


def test_identical_models_show_no_improvement() -> None:
    d = _data("balanced")
    res = reclassification(d["y"], d["p_old"], d["p_old"], cutoffs=[0.2])
    assert res.nri.value == 0 and res.idi.value == 0 and res.categorical_nri.value == 0
    assert math.isnan(res.p_values["nri"]) and not res.nri.has_interval


def test_categories_put_cutoff_values_in_the_upper_category() -> None:
    y = [1, 0, 1, 0]
    res = reclassification(y, [0.05, 0.05, 0.2, 0.2], [0.1, 0.1, 0.2, 0.3], cutoffs=[0.1, 0.3])
    # both 0.05 -> 0.1 moves are up; 0.2 -> 0.3 (non-event) is up; 0.2 -> 0.2 stays
    assert res.categorical_nri_events.value == pytest.approx(0.5)
    assert res.categorical_nri_nonevents.value == pytest.approx(-1.0)
    t = res.table
    assert t["n"].sum() == 4
    assert t.loc[(t["outcome"] == "non-event") & (t["old"] == "[0.1, 0.3)")
                 & (t["new"] == "[0.3, 1]"), "n"].item() == 1


def test_without_cutoffs_there_is_no_categorical_nri() -> None:
    d = _data("small")
    res = reclassification(d["y"], d["p_old"], d["p_new"])
    assert res.categorical_nri is None and res.table is None and res.cutoffs is None
    assert "categorical_nri" not in res.summary().index


def test_bootstrap_is_seeded_and_close_to_asymptotic() -> None:
    d = _data("balanced")
    kw = dict(cutoffs=(0.1, 0.3), ci="bootstrap", random_state=9, n_bootstrap=600)
    a = reclassification(d["y"], d["p_old"], d["p_new"], **kw)
    b = reclassification(d["y"], d["p_old"], d["p_new"], **kw)
    assert a.summary().equals(b.summary())
    asym = reclassification(d["y"], d["p_old"], d["p_new"], cutoffs=(0.1, 0.3))
    for name in ("nri", "categorical_nri", "idi"):
        e, ref = getattr(a, name), getattr(asym, name)
        assert e.method == "bootstrap" and e.lower < e.value < e.upper
        assert e.value == ref.value
        # widths agree to within 25 % (600 replicates; large-sample normal theory)
        assert (e.upper - e.lower) == pytest.approx(ref.upper - ref.lower, rel=0.25)


def test_summary_serialise_and_plot() -> None:
    import matplotlib.pyplot as plt

    d = _data("ties")
    res = reclassification(d["y"], d["p_old"], d["p_new"], cutoffs=(0.1, 0.3))
    assert isinstance(res, ReclassificationResult)
    table = res.summary()
    assert list(table.columns) == ["statistic", "estimate", "ci_lower", "ci_upper", "ci_method",
                                   "p_value"]
    assert len(table) == 9
    json.dumps(res.to_dict())
    ax = res.plot()
    assert len(ax.get_yticklabels()) == 9
    plt.close("all")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"p_new": [0.1, 1.5, 0.3, 0.2]}, DataError, "p_new"),
        ({"p_old": [0.1, 0.2, 0.3]}, DataError, "p_old"),
        ({"cutoffs": [0.3, 0.1]}, ConfigError, "cutoffs"),
        ({"cutoffs": [0.0]}, ConfigError, "cutoffs"),
        ({"ci": "wald"}, ConfigError, "ci must"),
    ],
)
def test_invalid_arguments(kwargs: dict, error: type, match: str) -> None:
    args = {"y_true": [0, 1, 0, 1], "p_old": [0.1, 0.2, 0.3, 0.4],
            "p_new": [0.1, 0.3, 0.2, 0.5], **kwargs}
    with pytest.raises(error, match=match):
        reclassification(**args)
