"""Predictive models (scikit-learn estimators): logistic regression with inference, Rad-score,
clinical and combined models, survival models, nomograms, the model registry, validation designs
and the auto-model. Submodules load on first use.
"""

from __future__ import annotations

from radiome._lazy import lazy_exports

_LAZY = {
    "LogisticModel": "radiome.model.logistic",
    "wald_table": "radiome.model.logistic",
    "joint_wald_p": "radiome.model.logistic",
    "ClinicalModelBuilder": "radiome.model.clinical",
    "CombinedModel": "radiome.model.clinical",
    "make_survival_target": "radiome.model.survival",
    "CoxModel": "radiome.model.survival",
    "RandomSurvivalForestModel": "radiome.model.survival",
    "RadScore": "radiome.model.radscore",
    "Nomogram": "radiome.model.nomogram",
    "PredictorAxis": "radiome.model.nomogram",
    "OutcomeAxis": "radiome.model.nomogram",
    "r_pretty": "radiome.model.nomogram",
    "ModelSpec": "radiome.model.estimators",
    "MODELS": "radiome.model.estimators",
    "make_model": "radiome.model.estimators",
    "search_space": "radiome.model.estimators",
    "model_names": "radiome.model.estimators",
    "preprocessing": "radiome.model.estimators",
    "NonFiniteToNaN": "radiome.model.estimators",
    "RankGauss": "radiome.model.estimators",
    "pipeline": "radiome.model.estimators",
    "ValidationResult": "radiome.model.validation",
    "split_validate": "radiome.model.validation",
    "cross_validate_repeated": "radiome.model.validation",
    "nested_cv": "radiome.model.validation",
    "bootstrap_632plus": "radiome.model.validation",
    "external_validate": "radiome.model.validation",
    "check_unfitted": "radiome.model.validation",
    "encode_binary": "radiome.model.validation",
    "bootstrap_auc_interval": "radiome.model.validation",
    "combine_632plus": "radiome.model.validation",
    "CorrelationPruner": "radiome.model.auto",
    "UnivariateTopK": "radiome.model.auto",
    "ScoreEnsemble": "radiome.model.auto",
    "Candidate": "radiome.model.auto",
    "FAMILIES": "radiome.model.auto",
    "BUDGETS": "radiome.model.auto",
    "candidate_pool": "radiome.model.auto",
    "AutoModel": "radiome.model.auto",
    "AutoModelResult": "radiome.model.auto",
    "auto_model": "radiome.model.auto",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
