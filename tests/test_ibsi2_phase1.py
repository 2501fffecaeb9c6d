"""IBSI-2 phase 1: response maps of the digital phantoms against the reference maps.

Driven by :func:`radiome.compliance.check_ibsi2_phase1` (the same check ``radiome ibsi check``
runs): every reference map of the data set must be matched in every voxel within 1% of the
reference range; a test whose filter is missing must be reported as not implemented, not
silently dropped.
"""

from __future__ import annotations

import pytest

from conftest import shared_data
from radiome import compliance
from radiome.compliance import IBSI2_PHASE1_CASES, ResponseMapCase, check_ibsi2_phase1

IMPLEMENTED = [t for t, c in IBSI2_PHASE1_CASES.items() if c.filter is not None]


@pytest.mark.shared
@pytest.mark.parametrize("test_id", IMPLEMENTED)
def test_response_map_matches_reference(test_id):
    (report,) = check_ibsi2_phase1(shared_data("ibsi"), [test_id])
    assert report.test_id == test_id
    assert report.status == "pass", (
        f"{test_id} ({report.variant} on {report.phantom}): {report.status}; "
        f"deviation {report.deviation} of the reference range (tolerance {report.tolerance}); {report.detail}"
    )


def test_every_test_has_a_filter():
    assert IMPLEMENTED == list(IBSI2_PHASE1_CASES)


def test_missing_filter_is_reported_not_dropped(monkeypatch):
    cases = dict(IBSI2_PHASE1_CASES)
    cases["9.B2"] = ResponseMapCase("9.B2", "sphere", None, "steered Riesz filters are not provided")
    monkeypatch.setattr(compliance, "IBSI2_PHASE1_CASES", cases)
    (report,) = check_ibsi2_phase1(shared_data("ibsi"), ["9.B2"])
    assert report.status == "not implemented" and "steered" in report.detail
    assert not report.passed and report.deviation is None


def test_every_reference_map_has_a_test():
    maps = shared_data("ibsi", "reference", "ibsi_2", "response_maps")
    files = {p.name for p in maps.glob("*-ValidCRM.nii")}
    assert files == {c.reference_file for c in IBSI2_PHASE1_CASES.values()}


def test_unknown_test_id_is_refused():
    from radiome.errors import ConfigError

    with pytest.raises(ConfigError, match="1.A1"):
        check_ibsi2_phase1(shared_data("ibsi"), ["1.A9"])
