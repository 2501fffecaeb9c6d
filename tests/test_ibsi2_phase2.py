"""IBSI-2 phase 2: intensity statistics of filtered CT phantom images against the consensus values.

Driven by :func:`radiome.compliance.check_ibsi2_phase2` (the same check ``radiome ibsi check``
runs), one filter id per test so that test workers share the work.
"""

from __future__ import annotations

import pytest

from conftest import shared_data
from radiome.compliance import IBSI2_PHASE2_CASES, check_ibsi2_phase2, read_ibsi2_reference


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("filter_id", list(IBSI2_PHASE2_CASES))
def test_filtered_features_within_tolerance(filter_id):
    (report,) = check_ibsi2_phase2(shared_data("ibsi"), [filter_id])
    assert report.case == filter_id
    n, computed, ok = report.total
    misses = "\n".join(
        f"  {m.tag}: {'not computed' if m.value is None else f'{m.value:.6g}'} vs {m.reference:g} +/- {m.tolerance:g}"
        for m in report.misses
    )
    assert n > 0, f"{filter_id}: no reference values found"
    assert ok == n, f"{filter_id}: {ok}/{n} within tolerance, {computed} computed. {report.note}\n{misses}"


def test_reference_table_covers_every_case():
    ref = read_ibsi2_reference(shared_data("ibsi", "reference", "ibsi_2", "reference_values.csv"))
    assert set(ref) == set(IBSI2_PHASE2_CASES)
    assert all(len(v) == 18 for k, v in ref.items() if k != "8.B")
    assert "stat_qcod" not in ref["8.B"]  # no consensus value
