"""The statistics packages export their public names lazily, and every name resolves."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ("radiome.select", "radiome.harmonize", "radiome.model", "radiome.evaluate")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves(package):
    mod = importlib.import_module(package)
    assert mod.__all__, package
    for name in mod.__all__:
        assert getattr(mod, name) is not None, f"{package}.{name}"
    with pytest.raises(AttributeError):
        getattr(mod, "no_such_name")


def test_importing_the_packages_loads_no_learning_library():
    code = ("import sys, radiome, radiome.select, radiome.model, radiome.evaluate, radiome.harmonize; "
            "print(sorted(m for m in ('sklearn', 'statsmodels', 'lifelines', 'sksurv', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_key_names_are_exported():
    import radiome.evaluate as ev
    import radiome.model as mo
    import radiome.select as se

    for name in ("roc_analysis", "delong_test", "threshold_metrics", "decision_curve",
                 "calibration_metrics", "bootstrap_calibration", "concordance", "risk_groups"):
        assert name in ev.__all__
    for name in ("LogisticModel", "CoxModel", "RadScore", "Nomogram", "AutoModel", "nested_cv"):
        assert name in mo.__all__
    for name in ("LassoLogisticCV", "LassoCoxCV", "ReproducibilityFilter", "MRMR"):
        assert name in se.__all__
