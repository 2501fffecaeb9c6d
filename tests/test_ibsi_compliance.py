"""IBSI-1 compliance: the digital phantom and the CT phantom under configurations A to E.

Every reference value with a consensus value must be computed and within its tolerance.
This is the same check users run with ``radiome ibsi check``.
"""

from __future__ import annotations

import pytest

from conftest import shared_data
from radiome.compliance import IBSI1_CASES, check_case, find_ibsi_data


@pytest.mark.shared
@pytest.mark.parametrize("case", list(IBSI1_CASES))
def test_ibsi1_case(case):
    ibsi_dir = find_ibsi_data(shared_data("ibsi"))
    report = check_case(case, ibsi_dir)
    n, computed, ok = report.total
    misses = "\n".join(
        f"  {m.tag}: {'not computed' if m.value is None else f'{m.value:.6g}'} vs {m.reference:g} +/- {m.tolerance:g}"
        for m in report.misses
    )
    assert ok == n, f"{case}: {ok}/{n} within tolerance, {computed} computed; misses:\n{misses}"
