"""TRIPOD+AI / RQS checklist: item model, decisions from facts, RQS points."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radiome.errors import DataError
from radiome.report.checklist import (
    FACT_KEYS, ITEMS, STATUSES, Decision, build_checklist, events_per_variable, rqs_score,
)

# The shared STS cohort as a study run sees it: 20 patients, few events, no external data.
STS = {"n_cases": 20, "n_events": 8, "n_non_events": 12, "n_candidate_features": 1200, "n_selected_features": 3,
       "design": "split 2:1, seed 0", "has_test_set": True, "has_external_validation": False, "has_cv": False,
       "calibration_reported": True, "dca_reported": True, "discrimination_ci_reported": True,
       "missing_data_rule": "drop cases without CT", "n_cases_excluded": 3, "software_versions": {"radiome": "0.1"},
       "seed": 0, "open_data": "unknown", "prospective": "unknown", "image_protocol_reported": "unknown",
       "segmentation_method": "unknown", "synthetic_data": False, "table1_reported": True,
       "models": ["Rad-score", "Clinical", "Combined"]}


def row(table, source, item_id):
    sel = table[(table["source"] == source) & table["item"].str.match(rf"^{re.escape(item_id)} ")]
    assert len(sel) == 1, (source, item_id)
    return sel.iloc[0]


def test_item_model_is_complete():
    keys = [(i.source, i.id) for i in ITEMS]
    assert len(keys) == len(set(keys))
    assert {i.source for i in ITEMS} == {"TRIPOD-AI", "RQS"}
    tripod_main = {int(re.match(r"\d+", i.id).group()) for i in ITEMS if i.source == "TRIPOD-AI"}
    assert tripod_main == set(range(1, 28))  # the 27 TRIPOD+AI items
    rqs = [i for i in ITEMS if i.source == "RQS"]
    assert [i.id for i in rqs] == [str(k) for k in range(1, 17)]  # the 16 RQS items
    assert sum(i.max_points for i in rqs) == 36 and sum(i.min_points for i in rqs) == -8
    for item in ITEMS:
        assert 5 <= len(item.text) <= 90 and callable(item.decide)


def test_no_facts_means_everything_is_for_the_author():
    table = build_checklist({})
    assert list(table.columns) == ["item", "source", "status", "evidence"]
    assert len(table) == len(ITEMS)
    assert set(table["status"]) == {"for the author"}
    assert (table["evidence"].str.len() > 10).all()
    score = rqs_score(None)
    assert score.points == 0 and score.open_points == 36


def test_small_cohort_is_flagged_by_sample_size_item():
    table = build_checklist(STS)
    ten = row(table, "TRIPOD-AI", "10")
    assert ten["status"] == "not done"
    assert "2.7 events per variable" in ten["evidence"]
    assert "too few" in ten["evidence"] and "1200" in ten["evidence"]
    assert "n = 20 cases" in ten["evidence"]
    limits = row(table, "TRIPOD-AI", "26")
    assert "2.7 events per variable" in limits["evidence"] and "small sample (n = 20)" in limits["evidence"]


def test_enough_events_per_variable_is_done():
    facts = dict(STS, n_cases=400, n_events=150, n_non_events=250, n_selected_features=10)
    assert events_per_variable(facts) == pytest.approx(15.0)
    assert row(build_checklist(facts), "TRIPOD-AI", "10")["status"] == "done"


def test_events_per_variable_uses_the_limiting_class_and_given_value_wins():
    assert events_per_variable({"n_cases": 100, "n_events": 80, "n_selected_features": 4}) == pytest.approx(5.0)
    assert events_per_variable({"n_events": 30, "n_non_events": 70, "n_selected_features": 3}) == pytest.approx(10.0)
    assert events_per_variable({"events_per_variable": 7.5, "n_events": 1}) == 7.5
    assert events_per_variable({"n_events": 5}) is None
    assert events_per_variable({"n_events": 5, "n_selected_features": 0}) is None


def test_what_the_run_cannot_know_is_for_the_author():
    table = build_checklist(STS)
    for source, item in [("RQS", "11"), ("RQS", "1"), ("RQS", "16"), ("RQS", "3"), ("TRIPOD-AI", "18e"),
                         ("TRIPOD-AI", "17"), ("TRIPOD-AI", "14"), ("TRIPOD-AI", "8a")]:
        assert row(table, source, item)["status"] == "for the author", (source, item)
    known = build_checklist(dict(STS, prospective=False, open_data=False, image_protocol_reported=True))
    assert row(known, "RQS", "11")["status"] == "not done"
    assert row(known, "TRIPOD-AI", "18e")["status"] == "not done"
    assert row(known, "RQS", "1")["status"] == "done" and row(known, "RQS", "1")["evidence"].startswith("+1")


def test_done_items_cite_the_run():
    table = build_checklist(STS)
    for source, item in [("TRIPOD-AI", "11"), ("TRIPOD-AI", "12a"), ("TRIPOD-AI", "12e"), ("TRIPOD-AI", "23a"),
                         ("TRIPOD-AI", "20b"), ("RQS", "5"), ("RQS", "6"), ("RQS", "9"), ("RQS", "10"),
                         ("RQS", "12"), ("RQS", "14")]:
        assert row(table, source, item)["status"] == "done", (source, item)
    assert "drop cases without CT" in row(table, "TRIPOD-AI", "11")["evidence"]
    assert "3 cases excluded" in row(table, "TRIPOD-AI", "11")["evidence"]
    assert row(table, "TRIPOD-AI", "12g")["status"] == "not done"  # no external validation
    missing_cal = build_checklist(dict(STS, calibration_reported=False))
    assert row(missing_cal, "TRIPOD-AI", "12e")["status"] == "not done"
    assert "calibration" in row(missing_cal, "TRIPOD-AI", "12e")["evidence"]


def test_rqs_points_for_the_sts_run():
    score = rqs_score(STS)
    # +3 feature reduction, +1 clinical, +1 discrimination, +1 calibration, +2 held-out set, +2 DCA
    assert score.by_item["5"] == 3 and score.by_item["6"] == 1 and score.by_item["9"] == 1
    assert score.by_item["10"] == 1 and score.by_item["12"] == 2 and score.by_item["14"] == 2
    assert score.points == 10
    assert "RQS 10 of 36 points (28%)" in score.format()
    assert score.to_dict()["max_points"] == 36
    table = build_checklist(STS)
    assert row(table, "RQS", "12")["evidence"].startswith("+2")


def test_rqs_validation_and_reduction_penalties():
    facts = {"n_candidate_features": 10, "n_selected_features": 10, "has_test_set": False,
             "has_external_validation": False}
    score = rqs_score(facts)
    assert score.by_item["5"] == -3 and score.by_item["12"] == -5 and score.points == -8
    assert score.percent == 0.0
    ext = rqs_score({"has_external_validation": True, "n_external_sets": 2})
    assert ext.by_item["12"] == 4
    assert rqs_score({"has_external_validation": True, "n_external_sets": 3}).by_item["12"] == 5
    resampled = rqs_score({"discrimination_ci_reported": True, "calibration_reported": True, "has_cv": True})
    assert resampled.by_item["9"] == 2 and resampled.by_item["10"] == 2


def test_synthetic_data_is_named():
    table = build_checklist(dict(STS, synthetic_data=True))
    assert "SYNTHETIC DATA" in row(table, "TRIPOD-AI", "5a")["evidence"]
    assert "synthetic data" in row(table, "TRIPOD-AI", "26")["evidence"]


def test_unknown_markers_and_bad_input():
    for marker in (None, "unknown", "Unknown", "", float("nan")):
        assert row(build_checklist({"prospective": marker}), "RQS", "11")["status"] == "for the author"
    with pytest.raises(DataError, match="mapping"):
        build_checklist(["n_cases", 3])
    with pytest.raises(DataError, match="status"):
        Decision("maybe", "x")
    assert "n_cases" in FACT_KEYS and "events_per_variable" in FACT_KEYS


_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 500), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from(["unknown", "yes", "no", "ComBat", "split 2:1"]),
                    st.lists(st.sampled_from(["Rad-score", "Clinical", "Combined"]), max_size=3))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(FACT_KEYS) + ["n_train", "n_external_sets", "cost_effectiveness"]),
                       _values, max_size=25))
def test_any_facts_give_a_valid_checklist(facts):
    table = build_checklist(facts)
    assert len(table) == len(ITEMS)
    assert set(table["status"]) <= set(STATUSES)
    assert table["evidence"].map(lambda e: isinstance(e, str) and len(e) > 0).all()
    score = rqs_score(facts)
    assert -8 <= score.points <= 36
    assert 0 <= score.open_points and max(score.points, 0) + score.open_points <= 36
