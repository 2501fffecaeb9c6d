"""The per-job function of a cohort run, executed in worker processes.

:func:`run_job` reads one image and one mask, extracts the features with the run's
configuration, and writes ONE result file for the job atomically
(:func:`radiome.cohort.store.atomic_write_json`). It never raises for a failing case: a
:class:`~radiome.errors.RadiomeError` (unreadable file, geometry mismatch, empty mask, ...),
an unexpected exception (recorded with its class name) or a :class:`MemoryError` (recorded
as out of memory) becomes a result with ``status: failed``. The runner retries failed jobs on
the next run.

:class:`CohortConfig` is what a run computes: radiome :class:`ExtractionSettings` or a
PyRadiomics parameter file, as JSON plus the hash that identifies the run.

Hand-written: the job contract (one atomic file per job, failure recorded instead of
raised) is radiome's own.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import numbers
import os
import socket
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Mapping

from radiome.cohort import store

if TYPE_CHECKING:  # pragma: no cover
    from radiome.cohort.manifest import Job
    from radiome.config.settings import ExtractionSettings

__all__ = ["CohortConfig", "JobOutcome", "run_job", "failed_outcome", "worker_init", "THREAD_ENV"]

ConfigKind = Literal["radiome", "pyradiomics"]

#: Environment variables that make numerical libraries single-threaded in a worker (one job
#: per core; nested thread pools would oversubscribe the machine).
THREAD_ENV: Mapping[str, str] = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS": "1",
}


@dataclass(frozen=True)
class CohortConfig:
    """The resolved configuration of a cohort run.

    Attributes
    ----------
    kind : {'radiome', 'pyradiomics'}
        radiome IBSI settings, or a PyRadiomics parameter file (PyRadiomics-compatible mode).
    data : dict
        JSON-ready: ``ExtractionSettings.model_dump(mode='json')`` or the PyRadiomics
        parameter mapping as given.
    hash : str
        ``settings_hash`` of the settings (radiome), or ``'pyradiomics-'`` + the first 16 hex
        digits of the SHA-256 of the canonical JSON of the parameters.
    """

    kind: ConfigKind
    data: Mapping[str, Any]
    hash: str

    @classmethod
    def from_settings(cls, settings: "ExtractionSettings | Mapping[str, Any] | str | Path | None") -> "CohortConfig":
        """From :class:`ExtractionSettings`, a dict, a preset name or a YAML path."""
        from radiome.config import resolve_settings, settings_hash

        s = resolve_settings(dict(settings) if isinstance(settings, Mapping) else settings)
        return cls("radiome", s.model_dump(mode="json"), settings_hash(s))

    @classmethod
    def from_pyradiomics(cls, params: str | Path | Mapping[str, Any]) -> "CohortConfig":
        """From a PyRadiomics parameter file (YAML/JSON) or mapping; validated now.

        Raises
        ------
        ConfigError
            Unreadable or invalid parameters.
        """
        from radiome.compat.pyradiomics.params import load_params
        from radiome.errors import ConfigError

        if isinstance(params, (str, Path)):
            import yaml

            path = Path(params)
            if not path.is_file():
                raise ConfigError(f"PyRadiomics parameter file not found: {path}")
            try:
                data = yaml.safe_load(path.read_text()) or {}
            except yaml.YAMLError as exc:
                raise ConfigError(f"cannot parse PyRadiomics parameter file {path}: {exc}") from None
        else:
            data = dict(params)
        load_params(data)  # raises ConfigError with the nearest valid key
        try:
            data = json.loads(json.dumps(data, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"PyRadiomics parameters must be plain YAML/JSON values: {exc}") from None
        return cls("pyradiomics", data, "pyradiomics-" + _json_hash(data))

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> "CohortConfig":
        """From the ``config`` entry of a run record (``kind``, ``data``, ``hash``), re-validated.

        The hash is recomputed from the data: it differs from the recorded one when this radiome
        version resolves the recorded settings differently (a new setting with its default);
        compare ``cfg.hash`` with ``record['hash']`` to find out.

        Raises
        ------
        ConfigError
            The record's config is invalid for this radiome version.
        """
        from radiome.errors import ConfigError

        kind = record.get("kind")
        if kind == "radiome":
            return cls.from_settings(dict(record.get("data") or {}))
        if kind == "pyradiomics":
            return cls.from_pyradiomics(dict(record.get("data") or {}))
        raise ConfigError(f"run record config kind must be 'radiome' or 'pyradiomics', got {kind!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{'kind', 'hash', 'data'}`` (as stored in the run record)."""
        return {"kind": self.kind, "hash": self.hash, "data": json.loads(json.dumps(dict(self.data)))}


def _json_hash(data: Any) -> str:
    payload = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class JobOutcome:
    """What happened to one job of a run.

    ``status`` is ``'ok'`` (computed now), ``'skipped'`` (an earlier result reused) or
    ``'failed'`` (``error_class`` and ``error_message`` say why). ``seconds`` is the job's
    wall time in the worker (0 for a skipped job).
    """

    key: str
    case_id: str
    modality: str
    roi: str
    status: Literal["ok", "skipped", "failed"]
    error_class: str | None = None
    error_message: str | None = None
    seconds: float = 0.0
    computed_at: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    from radiome.extraction import provenance

    return provenance()


@functools.lru_cache(maxsize=4)
def _settings(config_json: str) -> "ExtractionSettings":
    from radiome.config import settings_from_dict

    return settings_from_dict(json.loads(config_json))


def _extract_radiome(job: "Job", data: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, float]]:
    from radiome.extraction import extract

    settings = _settings(json.dumps(dict(data), sort_keys=True))
    res = extract(Path(job.image), Path(job.mask), settings, roi_name=job.roi_name, label=job.label)
    values = [
        {"variant": r.variant, "family": r.family, "feature": r.feature, "ibsi_code": r.ibsi_code,
         "aggregation": r.aggregation, "column": r.column, "value": r.value}
        for r in res.records
    ]
    return values, {k: _jsonable(v) for k, v in res.diagnostics.items()}, dict(res.timings)


def _jsonable(value: Any) -> Any:
    """A diagnostic value as plain JSON: numbers as int/float, text as is, others as text."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return str(value)


def _extract_pyradiomics(job: "Job", data: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, float]]:
    from radiome.compat.pyradiomics.extractor import extract_pyradiomics

    params = json.loads(json.dumps(dict(data)))
    if job.label is not None:
        params.setdefault("setting", {})
        params["setting"] = dict(params["setting"] or {}, label=int(job.label))
    image: Any = Path(job.image)
    mask: Any = Path(job.mask)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    dicom = Path(job.image).is_dir() or Path(job.mask).is_dir() or job.roi_name is not None or \
        Path(job.mask).suffix.lower() in (".dcm", ".dicom") or Path(job.image).suffix.lower() in (".dcm", ".dicom")
    if dicom:  # DICOM series / RTSTRUCT / SEG: radiome reads them, PyRadiomics mode computes
        from radiome.io import load_case

        image, mask = load_case(image, mask, roi_name=job.roi_name, label=job.label)
        params["setting"] = dict(params.get("setting") or {}, label=1)
    timings["load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    row = extract_pyradiomics(image, mask, params)
    timings["extract"] = time.perf_counter() - t0
    values: list[dict[str, Any]] = []
    diagnostics: dict[str, Any] = {}
    for key, value in row.items():
        if key.startswith("diagnostics_") or isinstance(value, bool) or not isinstance(value, numbers.Real):
            diagnostics[key] = _jsonable(value)
            continue
        parts = key.split("_", 2)
        variant, family, feature = (parts + ["", ""])[:3] if len(parts) == 3 else ("", "", key)
        values.append({"variant": variant, "family": family, "feature": feature, "ibsi_code": None,
                       "aggregation": "", "column": key, "value": float(value)})
    return values, diagnostics, timings


def _error_fields(exc: BaseException, memory_limit_mb: int | None) -> tuple[str, str]:
    if isinstance(exc, MemoryError):
        limit = f" (worker memory limit {memory_limit_mb} MB)" if memory_limit_mb else ""
        detail = str(exc).strip()
        return "MemoryError", (
            f"out of memory{limit}{': ' + detail if detail else ''}; give the workers more memory "
            "(--memory-limit), run fewer jobs at once (--jobs), or crop/resample the images"
        )
    from radiome.errors import RadiomeError

    msg = str(exc).strip() or repr(exc)
    if not isinstance(exc, RadiomeError):
        tb = traceback.extract_tb(exc.__traceback__)
        if tb:
            last = tb[-1]
            msg += f" (unexpected error at {Path(last.filename).name}:{last.lineno} in {last.name})"
    return type(exc).__name__, msg


def _result_document(job: "Job", status: str, config_hash: str, checksums: Mapping[str, str | None],
                     *, error: tuple[str, str] | None = None, values: list | None = None,
                     diagnostics: Mapping[str, Any] | None = None, timings: Mapping[str, float] | None = None,
                     seconds: float = 0.0, computed_at: str | None = None) -> dict[str, Any]:
    return {
        "format": store.RESULT_FORMAT,
        "key": job.key,
        "job": {"identity": store.job_identity(job), "image": str(job.image), "mask": str(job.mask)},
        "status": status,
        "error": None if error is None else {"class": error[0], "message": error[1]},
        "config_hash": config_hash,
        "checksums": dict(checksums),
        "computed_at": computed_at or _now(),
        "seconds": seconds,
        "timings": dict(timings or {}),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "versions": _versions(),
        "diagnostics": dict(diagnostics or {}),
        "values": values or [],
    }


def run_job(job: "Job", config_payload: Mapping[str, Any], store_dir: str | Path, *,
            checksums: Mapping[str, str | None] | None = None,
            memory_limit_mb: int | None = None) -> JobOutcome:
    """Run one job and write its result file; never raises for a failing case.

    Parameters
    ----------
    job : Job
        One case x image x ROI of the manifest.
    config_payload : mapping
        :meth:`CohortConfig.to_dict` of the run (``kind``, ``hash``, ``data``).
    store_dir : path
        The study folder; the result goes to ``results/<job.key>.json``.
    checksums : mapping, optional
        ``{'image': ..., 'mask': ...}`` from :func:`radiome.cohort.store.job_checksums` (the
        runner computes them once, before deciding what to resume); computed here if absent.
    memory_limit_mb : int, optional
        Only reported in the out-of-memory message; the limit itself is set once per worker
        process by :func:`worker_init`.

    Returns
    -------
    JobOutcome
        ``status`` 'ok' or 'failed' (with the error class and message).
    """
    t_start = time.perf_counter()
    started = _now()
    marker = store.running_marker(store_dir, job)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(f"{os.getpid()} {started}\n")
    except OSError:
        marker = None  # type: ignore[assignment]
    if checksums is None:
        checksums = {"image": store.input_checksum(job.image), "mask": store.input_checksum(job.mask)}
    kind = config_payload.get("kind")
    config_hash = str(config_payload.get("hash"))
    try:
        if _LIMIT_PROBLEM is not None:
            from radiome.errors import ConfigError

            raise ConfigError(_LIMIT_PROBLEM)
        if kind == "radiome":
            values, diagnostics, timings = _extract_radiome(job, config_payload["data"])
        elif kind == "pyradiomics":
            values, diagnostics, timings = _extract_pyradiomics(job, config_payload["data"])
        else:
            from radiome.errors import ConfigError

            raise ConfigError(f"unknown cohort config kind {kind!r}: expected 'radiome' or 'pyradiomics'")
        seconds = time.perf_counter() - t_start
        doc = _result_document(job, "ok", config_hash, checksums, values=values, diagnostics=diagnostics,
                               timings=timings, seconds=seconds, computed_at=started)
        outcome = JobOutcome(job.key, job.case_id, job.modality, job.roi, "ok", seconds=seconds,
                             computed_at=started)
    except (Exception, MemoryError) as exc:  # recorded per job, never propagated (STYLE 5)
        values = None  # free what the failed extraction held before writing
        seconds = time.perf_counter() - t_start
        err = _error_fields(exc, memory_limit_mb)
        doc = _result_document(job, "failed", config_hash, checksums, error=err, seconds=seconds,
                               computed_at=started)
        outcome = JobOutcome(job.key, job.case_id, job.modality, job.roi, "failed", err[0], err[1],
                             seconds=seconds, computed_at=started)
    store.atomic_write_json(store.result_path(store_dir, job), doc)
    if marker is not None:
        marker.unlink(missing_ok=True)
    return outcome


def failed_outcome(job: "Job", config_hash: str, checksums: Mapping[str, str | None], store_dir: str | Path,
                   error_class: str, message: str) -> JobOutcome:
    """Record a job as failed from outside its worker (the worker died); writes its result file."""
    now = _now()
    doc = _result_document(job, "failed", config_hash, checksums, error=(error_class, message), computed_at=now)
    store.atomic_write_json(store.result_path(store_dir, job), doc)
    store.running_marker(store_dir, job).unlink(missing_ok=True)
    return JobOutcome(job.key, job.case_id, job.modality, job.roi, "failed", error_class, message, computed_at=now)


def worker_init(memory_limit_mb: int | None = None) -> None:
    """Initialise a local worker process: single-threaded libraries, memory bound, Ctrl-C to
    the parent only.

    The extraction modules are imported first, then the address-space limit
    (``RLIMIT_AS``) is set to ``memory_limit_mb`` so that a runaway case raises
    :class:`MemoryError` inside this worker (recorded for that job) instead of exhausting
    the machine. SIGINT is ignored: the parent handles Ctrl-C and stops the pool.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for key, value in THREAD_ENV.items():
        os.environ[key] = value
    import radiome.extraction  # noqa: F401  (import before the memory bound)
    from radiome.features.registry import families, spec_for_tag

    families()  # loads every family module once, before the first job and the memory bound
    spec_for_tag("stat_mean")

    try:
        import SimpleITK as sitk

        sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
    except Exception:  # pragma: no cover - SimpleITK is a core dependency
        pass
    _versions()
    if memory_limit_mb:
        import resource

        global _LIMIT_PROBLEM
        limit = int(memory_limit_mb) * 1024 * 1024
        used = _address_space_bytes()
        if used is not None and limit < used + _MIN_HEADROOM:
            _LIMIT_PROBLEM = (
                f"--memory-limit {memory_limit_mb} MB is too low: a worker already uses "
                f"{used // 2**20} MB of address space before reading any data; give at least "
                f"{(used + _MIN_HEADROOM) // 2**20 + 1} MB (better: that plus a few times the largest image's size)"
            )
            return
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


#: Address space a worker needs beyond its start-up size before a memory limit makes sense.
_MIN_HEADROOM = 256 * 2**20
_LIMIT_PROBLEM: str | None = None


def _address_space_bytes() -> int | None:
    """This process's virtual memory size (Linux /proc), or None where unknown."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
