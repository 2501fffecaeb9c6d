"""The run record (``STUDY_DIR/run.json``): everything needed to know and redo a cohort run.

The record holds the resolved configuration and its hash, the manifest (every job's paths,
ROI name / label, and the carried-through columns), radiome and dependency versions, each
job's input checksums, status, error and timings, the start and end time, and the command.
:func:`manifest_from_record` and :func:`config_from_record` rebuild the run's inputs from it
alone, which is what ``radiome cohort reproduce`` does.

Hand-written: the record format is radiome's own (version ``radiome-cohort-run/1``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from radiome.cohort import store
from radiome.cohort.worker import CohortConfig, JobOutcome

if TYPE_CHECKING:  # pragma: no cover
    from radiome.cohort.manifest import Job, Manifest

__all__ = ["RECORD_FORMAT", "RECORD_NAME", "build_record", "write_record", "read_record",
           "manifest_from_record", "config_from_record"]

RECORD_FORMAT = "radiome-cohort-run/1"
RECORD_NAME = "run.json"


def _job_entry(job: "Job") -> dict[str, Any]:
    return {
        "key": job.key, "case_id": job.case_id, "modality": job.modality, "roi": job.roi,
        "image": str(job.image), "mask": str(job.mask), "roi_name": job.roi_name, "label": job.label,
    }


def build_record(
    *,
    manifest: "Manifest",
    config: CohortConfig,
    outcomes: Mapping[str, JobOutcome],
    checksums: Mapping[str, Mapping[str, str | None]],
    results: Mapping[str, Mapping[str, Any] | None],
    started_at: str,
    finished_at: str,
    wall_s: float,
    execution: Mapping[str, Any],
    versions: Mapping[str, str],
    command: Sequence[str] | str | None,
    tables: Mapping[str, Path],
    study_dir: Path,
) -> dict[str, Any]:
    """The run record as a JSON-ready dict (see the module docstring)."""
    jobs = []
    for job in manifest.jobs:
        o = outcomes[job.key]
        res = results.get(job.key) or {}
        jobs.append({
            "key": job.key,
            "case_id": job.case_id,
            "modality": job.modality,
            "roi": job.roi,
            "status": o.status,
            "reused": o.status == "skipped",
            "error_class": o.error_class,
            "error_message": o.error_message,
            "seconds": res.get("seconds", o.seconds),
            "timings": res.get("timings", {}),
            "computed_at": res.get("computed_at", o.computed_at),
            "checksums": dict(checksums.get(job.key, {})),
            "result": store.result_path(study_dir, job).relative_to(study_dir).as_posix(),
        })
    counts = {s: sum(1 for o in outcomes.values() if o.status == s) for s in ("ok", "skipped", "failed")}
    return {
        "format": RECORD_FORMAT,
        "command": command if command is None or isinstance(command, str) else list(command),
        "started_at": started_at,
        "finished_at": finished_at,
        "wall_s": wall_s,
        "config": config.to_dict(),
        "versions": dict(versions),
        "execution": dict(execution),
        "manifest": {
            "source": None if manifest.source is None else str(manifest.source),
            "jobs": [_job_entry(j) for j in manifest.jobs],
            "extra_columns": list(manifest.extra_columns),
            "extra": {case: dict(values) for case, values in manifest.extra.items()},
        },
        "summary": {"n_total": len(manifest.jobs), "n_done": counts["ok"], "n_skipped": counts["skipped"],
                    "n_failed": counts["failed"]},
        "tables": {name: p.relative_to(study_dir).as_posix() for name, p in tables.items()},
        "jobs": jobs,
    }


def write_record(study_dir: str | Path, record: Mapping[str, Any]) -> Path:
    """Write ``run.json`` atomically into the study folder."""
    return store.atomic_write_json(Path(study_dir) / RECORD_NAME, record)


def read_record(path: str | Path) -> dict[str, Any]:
    """Read a run record (``run.json``, or a study folder that holds one).

    Raises
    ------
    InputError
        Missing, unreadable or not a radiome run record.
    """
    from radiome.errors import InputError

    p = Path(path)
    if p.is_dir():
        p = p / RECORD_NAME
    if not p.is_file():
        raise InputError(f"run record not found: {p}. Give the run.json of a study folder written by `radiome cohort extract`.")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read run record {p}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        raise InputError(
            f"{p} is not a radiome cohort run record (expected format {RECORD_FORMAT!r}, got "
            f"{data.get('format') if isinstance(data, dict) else type(data).__name__!r})"
        )
    return data


def manifest_from_record(record: Mapping[str, Any]) -> "Manifest":
    """The run's manifest, rebuilt from the record (absolute paths as they were at the run)."""
    from radiome.cohort.manifest import Job, Manifest

    m = record["manifest"]
    jobs = tuple(
        Job(e["case_id"], e["modality"], Path(e["image"]), e["roi"], Path(e["mask"]),
            e.get("roi_name"), e.get("label"))
        for e in m["jobs"]
    )
    source = m.get("source")
    return Manifest(jobs, {c: dict(v) for c, v in (m.get("extra") or {}).items()},
                    source=None if source is None else Path(source))


def config_from_record(record: Mapping[str, Any]) -> CohortConfig:
    """The run's configuration, re-validated (see :meth:`CohortConfig.from_record`)."""
    return CohortConfig.from_record(record["config"])
