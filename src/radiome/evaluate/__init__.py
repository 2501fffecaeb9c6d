"""Evaluation of predictive models: discrimination, calibration, clinical utility, survival.

Every function returns a frozen result object with estimates, confidence intervals and a
``plot`` method. Submodules load on first use, so importing the package is cheap.
"""

from __future__ import annotations

from radiome._lazy import lazy_exports

_LAZY = {
    "Estimate": "radiome.evaluate.estimate",
    "ROCResult": "radiome.evaluate.roc",
    "DeLongTestResult": "radiome.evaluate.roc",
    "roc_analysis": "radiome.evaluate.roc",
    "delong_test": "radiome.evaluate.roc",
    "delong_test_unpaired": "radiome.evaluate.roc",
    "delong_placements": "radiome.evaluate.roc",
    "ThresholdResult": "radiome.evaluate.threshold",
    "threshold_metrics": "radiome.evaluate.threshold",
    "youden_threshold": "radiome.evaluate.threshold",
    "DecisionCurveResult": "radiome.evaluate.dca",
    "decision_curve": "radiome.evaluate.dca",
    "TREAT_ALL": "radiome.evaluate.dca",
    "TREAT_NONE": "radiome.evaluate.dca",
    "ReclassificationResult": "radiome.evaluate.reclassification",
    "reclassification": "radiome.evaluate.reclassification",
    "lowess": "radiome.evaluate.calibration",
    "CalibrationCurve": "radiome.evaluate.calibration",
    "calibration_curve": "radiome.evaluate.calibration",
    "CalibrationMetrics": "radiome.evaluate.calibration",
    "calibration_metrics": "radiome.evaluate.calibration",
    "HosmerLemeshowResult": "radiome.evaluate.calibration",
    "hosmer_lemeshow": "radiome.evaluate.calibration",
    "BootstrapCalibration": "radiome.evaluate.calibration",
    "bootstrap_calibration": "radiome.evaluate.calibration",
    "ConcordanceResult": "radiome.evaluate.survival",
    "concordance": "radiome.evaluate.survival",
    "concordance_index": "radiome.evaluate.survival",
    "TimeDependentAUCResult": "radiome.evaluate.survival",
    "time_dependent_auc": "radiome.evaluate.survival",
    "KMCurve": "radiome.evaluate.survival",
    "KaplanMeierResult": "radiome.evaluate.survival",
    "risk_groups": "radiome.evaluate.survival",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
