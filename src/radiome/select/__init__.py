"""Feature selection as scikit-learn transformers: reproducibility (ICC), near-zero variance,
correlation redundancy, univariate tests, glmnet-compatible LASSO, mRMR, stability selection.

Submodules load on first use.
"""

from __future__ import annotations

from radiome._lazy import lazy_exports

_LAZY = {
    "ICC_FORMS": "radiome.select.icc",
    "ICCResult": "radiome.select.icc",
    "icc": "radiome.select.icc",
    "icc_table": "radiome.select.icc",
    "ReproducibilityFilter": "radiome.select.icc",
    "NearZeroVariance": "radiome.select.filters",
    "CorrelationFilter": "radiome.select.filters",
    "UnivariateFilter": "radiome.select.univariate",
    "univariate_tests": "radiome.select.univariate",
    "LassoLogisticCV": "radiome.select.lasso",
    "LassoCoxCV": "radiome.select.lasso",
    "GlmnetCV": "radiome.select.lasso",
    "binomial_cv": "radiome.select.lasso",
    "cox_cv": "radiome.select.lasso",
    "interpolate_path": "radiome.select.lasso",
    "binomial_deviance": "radiome.select.lasso",
    "cox_deviance": "radiome.select.lasso",
    "survival_target": "radiome.select.lasso",
    "MRMR": "radiome.select.mrmr",
    "StabilitySelection": "radiome.select.stability",
    "stability_error_bound": "radiome.select.stability",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
