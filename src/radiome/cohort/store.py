"""The feature store of a cohort run: one result file per job, combined tables, checksums.

A study folder holds::

    STUDY_DIR/
      results/<job key>.json     one file per case x image x ROI (written by the worker)
      features_long.parquet      one row per value (case, modality, ROI, variant, feature)
      features_wide.parquet      one row per case: <modality>_<roi>_<column> + manifest extras
      features_*.csv             the same tables, with ``csv=True``
      failures.csv               case_id, modality, roi, error_class, message
      run.json                   the run record (see :mod:`radiome.cohort.record`)

Every file is written atomically (:func:`atomic_write_bytes`): the bytes go to a temporary
file in the same folder, which is flushed and ``fsync``-ed, then renamed over the target with
:func:`os.replace` (atomic on POSIX within one file system). A crash or ``SIGKILL`` leaves
either the old file or the new one, never a partial file; stray temporary files (named
``.<name>.<random>.tmp``) are removed at the start of the next run.

Input checksums identify what was computed: SHA-256 of a file's bytes, or for a DICOM folder
of its sorted list of relative file names, each followed by its size and the SHA-256 of its
bytes:

.. math:: h(D) = \\mathrm{SHA256}\\big(\\Vert_{f \\in \\mathrm{sorted}(D)}\\; r(f) \\,\\Vert\\, 0
          \\,\\Vert\\, |f| \\,\\Vert\\, \\mathrm{SHA256}(f)\\big)

Hand-written: the layout, resume rule and table shapes are radiome's own; no library offers a
per-case radiomics store.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from radiome.cohort.manifest import Job

__all__ = [
    "RESULT_FORMAT",
    "LONG_COLUMNS",
    "FAILURE_COLUMNS",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_json",
    "file_checksum",
    "input_checksum",
    "job_checksums",
    "job_identity",
    "results_dir",
    "result_path",
    "read_result",
    "is_reusable",
    "clean_stale_files",
    "long_table",
    "wide_table",
    "failures_table",
    "write_tables",
]

RESULT_FORMAT = "radiome-cohort-result/1"
RESULTS = "results"
RUNNING = ".running"

LONG_COLUMNS: tuple[str, ...] = (
    "case_id", "modality", "roi", "variant", "family", "feature", "ibsi_code", "aggregation", "column", "value",
)
FAILURE_COLUMNS: tuple[str, ...] = ("case_id", "modality", "roi", "error_class", "message")
_CHUNK = 1 << 20


# --------------------------------------------------------------------------- atomic writes

def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part.

    The bytes are written to a temporary file in the same folder, flushed and fsync-ed, and
    renamed over ``path`` (:func:`os.replace`); the folder is fsync-ed too so the rename
    survives a power cut. On any error the temporary file is removed and the error re-raised.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(p.parent)
    return p


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, data: Any) -> Path:
    """:func:`atomic_write_bytes` for a JSON document (NaN kept as ``NaN``, as Python reads it)."""
    return atomic_write_text(path, json.dumps(data, indent=1, sort_keys=False, default=str) + "\n")


# --------------------------------------------------------------------------- checksums

def file_checksum(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def input_checksum(path: str | Path) -> str | None:
    """Checksum of an image or mask input: a file, or a folder (DICOM series) as a whole.

    A file gives the SHA-256 of its bytes. A folder gives the SHA-256 of its files in sorted
    order of their relative POSIX paths, each entered as the path, a NUL byte, the size and
    the file's own SHA-256 (see the module docstring): renaming, adding, removing or changing
    any file changes it; the folder's location does not. Hidden files (name starting with
    '.') are left out. A path that does not exist gives ``None`` (the job then fails when it
    reads the input, with the reader's message).
    """
    p = Path(path)
    if p.is_file():
        return "sha256:" + file_checksum(p)
    if not p.is_dir():
        return None
    files = sorted(
        (f for f in p.rglob("*") if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)),
        key=lambda f: f.relative_to(p).as_posix(),
    )
    h = hashlib.sha256()
    for f in files:
        rel = f.relative_to(p).as_posix()
        h.update(rel.encode("utf-8") + b"\0" + str(f.stat().st_size).encode() + b"\0")
        h.update(bytes.fromhex(file_checksum(f)))
    return f"sha256-dir:{len(files)}:" + h.hexdigest()


def job_checksums(jobs: Sequence["Job"], *, threads: int = 4) -> dict[str, dict[str, str | None]]:
    """Checksums of every job's image and mask, each distinct path hashed once.

    Returns ``{job.key: {'image': checksum, 'mask': checksum}}``. Paths are hashed in a small
    thread pool (hashing releases the GIL), so a large DICOM cohort is read at disk speed.
    """
    paths = sorted({str(j.image) for j in jobs} | {str(j.mask) for j in jobs})
    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(paths) or 1))) as pool:
        sums = dict(zip(paths, pool.map(input_checksum, paths)))
    return {j.key: {"image": sums[str(j.image)], "mask": sums[str(j.mask)]} for j in jobs}


def job_identity(job: "Job") -> dict[str, Any]:
    """What identifies a job's output besides config and input contents (paths excluded,
    so a moved data folder does not force a recomputation)."""
    return {
        "case_id": job.case_id,
        "modality": job.modality,
        "roi": job.roi,
        "roi_name": job.roi_name,
        "label": job.label,
    }


# --------------------------------------------------------------------------- result files

def results_dir(study_dir: str | Path) -> Path:
    """The folder of the per-job result files."""
    return Path(study_dir) / RESULTS


def result_path(study_dir: str | Path, job: "Job") -> Path:
    """The result file of one job: ``STUDY_DIR/results/<job.key>.json``."""
    return results_dir(study_dir) / f"{job.key}.json"


def running_marker(study_dir: str | Path, job: "Job") -> Path:
    """Marker a worker holds while it runs a job (tells a crashed job from a queued one)."""
    return results_dir(study_dir) / RUNNING / job.key


def read_result(path: str | Path) -> dict[str, Any] | None:
    """A job's result document, or ``None`` when absent or unreadable (then it is recomputed)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT:
        return None
    return data


def is_reusable(result: Mapping[str, Any] | None, job: "Job", config_hash: str,
                checksums: Mapping[str, str | None]) -> bool:
    """Whether a stored result can be kept instead of recomputing the job.

    True when the result's status is ``ok``, it was computed with the same config hash, from
    inputs with the same checksums, for the same job identity (:func:`job_identity`).
    Failed results are always retried.
    """
    if not result or result.get("status") != "ok":
        return False
    if result.get("config_hash") != config_hash:
        return False
    stored = result.get("checksums") or {}
    if stored.get("image") != checksums.get("image") or stored.get("mask") != checksums.get("mask"):
        return False
    if checksums.get("image") is None or checksums.get("mask") is None:
        return False
    return result.get("job", {}).get("identity") == job_identity(job)


def clean_stale_files(study_dir: str | Path) -> None:
    """Remove temporary files of interrupted writes and stale 'running' markers."""
    for folder in (Path(study_dir), results_dir(study_dir)):
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
    markers = results_dir(study_dir) / RUNNING
    if markers.is_dir():
        for m in markers.iterdir():
            m.unlink(missing_ok=True)


# --------------------------------------------------------------------------- tables

def _results_in_order(jobs: Sequence["Job"], results: Mapping[str, Mapping[str, Any] | None]):
    for job in jobs:
        yield job, results.get(job.key)


def long_table(jobs: Sequence["Job"], results: Mapping[str, Mapping[str, Any] | None]) -> "pd.DataFrame":
    """Every value of every successful job, one row each, in manifest order then record order.

    Columns: :data:`LONG_COLUMNS` (``column`` is the feature's column name in the wide table,
    after the ``<modality>_<roi>_`` prefix).
    """
    import pandas as pd

    rows: list[tuple[Any, ...]] = []
    for job, res in _results_in_order(jobs, results):
        if not res or res.get("status") != "ok":
            continue
        for v in res.get("values", ()):
            rows.append((
                job.case_id, job.modality, job.roi, v["variant"], v["family"], v["feature"],
                v.get("ibsi_code"), v.get("aggregation", ""), v["column"], _float(v["value"]),
            ))
    frame = pd.DataFrame.from_records(rows, columns=list(LONG_COLUMNS))
    frame["value"] = frame["value"].astype("float64")
    for col in LONG_COLUMNS[:-1]:
        frame[col] = frame[col].astype("object")
    return frame


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def wide_table(jobs: Sequence["Job"], results: Mapping[str, Mapping[str, Any] | None],
               extra: Mapping[str, Mapping[str, str]] | None = None) -> "pd.DataFrame":
    """One row per case (manifest order): ``case_id``, the manifest's extra columns (as given,
    text), then ``<modality>_<roi>_<column>`` for every value of every job.

    Feature columns are grouped by (modality, ROI) in order of first appearance in the
    manifest, and within a group in record order; a case whose job failed or is missing has
    NaN there. Column and row order depend only on the manifest and the results, so two runs
    give identical tables.

    Raises
    ------
    InputError
        An extra column of the manifest has the name of a feature column.
    """
    import pandas as pd

    from radiome.errors import InputError

    extra = extra or {}
    cases = list(dict.fromkeys(j.case_id for j in jobs))
    groups = list(dict.fromkeys((j.modality, j.roi) for j in jobs))
    group_columns: dict[tuple[str, str], dict[str, None]] = {g: {} for g in groups}
    values: dict[str, dict[str, float]] = {c: {} for c in cases}
    for job, res in _results_in_order(jobs, results):
        if not res or res.get("status") != "ok":
            continue
        prefix = f"{job.modality}_{job.roi}_"
        cols = group_columns[(job.modality, job.roi)]
        row = values[job.case_id]
        for v in res.get("values", ()):
            name = prefix + v["column"]
            cols.setdefault(name, None)
            row[name] = _float(v["value"])
    feature_cols = [c for g in groups for c in group_columns[g]]
    extra_cols = list(dict.fromkeys(k for c in cases for k in (extra.get(c) or {})))
    clash = sorted(set(extra_cols) & (set(feature_cols) | {"case_id"}))
    if clash:
        raise InputError(
            f"manifest column(s) {clash} have the name of a feature column of the wide table; "
            "rename them in the manifest"
        )
    data: dict[str, Any] = {"case_id": pd.Series(cases, dtype="object")}
    for col in extra_cols:
        data[col] = pd.Series([(extra.get(c) or {}).get(col) for c in cases], dtype="object")
    feats = pd.DataFrame(
        [[values[c].get(col, math.nan) for col in feature_cols] for c in cases],
        columns=feature_cols, dtype="float64",
    ) if feature_cols else pd.DataFrame(index=range(len(cases)))
    return pd.concat([pd.DataFrame(data), feats], axis=1)


def failures_table(outcomes: Iterable[Any]) -> "pd.DataFrame":
    """The failed jobs (objects with ``case_id, modality, roi, status, error_class,
    error_message``), in the order given."""
    import pandas as pd

    rows = [
        (o.case_id, o.modality, o.roi, o.error_class, o.error_message)
        for o in outcomes if o.status == "failed"
    ]
    return pd.DataFrame.from_records(rows, columns=list(FAILURE_COLUMNS)).astype("object")


def _parquet_bytes(frame: "pd.DataFrame") -> bytes:
    from radiome.errors import ConfigError

    buf = io.BytesIO()
    try:
        frame.to_parquet(buf, index=False)
    except ImportError:
        raise ConfigError(
            "writing the Parquet feature tables needs pyarrow: pip install 'radiome[parquet]'"
        ) from None
    return buf.getvalue()


def _csv_bytes(frame: "pd.DataFrame") -> bytes:
    # repr-exact floats so a CSV round trip gives back the same values
    return frame.to_csv(index=False, float_format=None, lineterminator="\n").encode("utf-8")


def write_tables(study_dir: str | Path, long: "pd.DataFrame", wide: "pd.DataFrame",
                 failures: "pd.DataFrame", *, csv: bool = False) -> dict[str, Path]:
    """Write the combined tables atomically; returns ``{name: path}``.

    ``features_long.parquet``, ``features_wide.parquet`` and ``failures.csv`` always (the
    latter with only its header when nothing failed), ``features_long.csv`` and
    ``features_wide.csv`` when ``csv``.
    """
    d = Path(study_dir)
    out = {
        "features_long": atomic_write_bytes(d / "features_long.parquet", _parquet_bytes(long)),
        "features_wide": atomic_write_bytes(d / "features_wide.parquet", _parquet_bytes(wide)),
        "failures": atomic_write_bytes(d / "failures.csv", _csv_bytes(failures)),
    }
    if csv:
        out["features_long_csv"] = atomic_write_bytes(d / "features_long.csv", _csv_bytes(long))
        out["features_wide_csv"] = atomic_write_bytes(d / "features_wide.csv", _csv_bytes(wide))
    return out
