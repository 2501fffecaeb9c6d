"""Studies: one ``study.yaml`` from images (or a feature table) to a publication-ready report.

``run_study(study, out_dir)`` extracts features (reusing the cohort store), joins the clinical
table, applies the declared missing-data rules, splits the cases, selects features with a
cross-validated LASSO, builds the Rad-score, clinical and combined models, evaluates them on
every set, and writes tables, figures, fitted models, ``results.json``, ``record.json`` and
``report.html``. ``predict_study`` scores new cases with the saved models.
"""

from __future__ import annotations

from typing import Any

from radiome.study.config import StudyConfig, dump_study, load_study, study_hash, template_yaml

__all__ = [
    "StudyConfig",
    "load_study",
    "dump_study",
    "study_hash",
    "template_yaml",
    "run_study",
    "StudyRun",
    "predict_study",
    "PredictionRun",
]

_LAZY = {
    "run_study": "radiome.study.runner",
    "StudyRun": "radiome.study.runner",
    "predict_study": "radiome.study.predict",
    "PredictionRun": "radiome.study.predict",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'radiome.study' has no attribute {name!r}")
