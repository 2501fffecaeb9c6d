"""Many cases: the study manifest, folder scanning, the cohort runner and its feature store."""

from radiome.cohort.manifest import Job, Manifest, ManifestError, MissingFile, read_manifest, write_manifest
from radiome.cohort.scan import ScanResult, scan_directory

__all__ = [
    "Job",
    "Manifest",
    "ManifestError",
    "MissingFile",
    "read_manifest",
    "write_manifest",
    "ScanResult",
    "scan_directory",
]
