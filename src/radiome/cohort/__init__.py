"""Many cases: the study manifest, folder scanning, the cohort runner and its feature store.

The runner and its helpers load lazily (they pull in multiprocessing and, on demand, Dask).
"""

from __future__ import annotations

from typing import Any

from radiome.cohort.manifest import Job, Manifest, MissingFile, read_manifest, write_manifest
from radiome.cohort.scan import ScanResult, scan_directory
from radiome.errors import ManifestError

__all__ = [
    "Job",
    "Manifest",
    "ManifestError",
    "MissingFile",
    "read_manifest",
    "write_manifest",
    "ScanResult",
    "scan_directory",
    "run_cohort",
    "reproduce",
    "RunSummary",
    "CohortConfig",
    "JobOutcome",
    "ProgressEvent",
]

_LAZY = {
    "run_cohort": "radiome.cohort.runner",
    "reproduce": "radiome.cohort.runner",
    "RunSummary": "radiome.cohort.runner",
    "CohortConfig": "radiome.cohort.worker",
    "JobOutcome": "radiome.cohort.worker",
    "ProgressEvent": "radiome.cohort.progress",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'radiome.cohort' has no attribute {name!r}")
