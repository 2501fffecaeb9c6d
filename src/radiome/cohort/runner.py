"""The cohort runner: every job of a manifest, on local processes or a Dask cluster, resumable.

:func:`run_cohort` does, in order:

1. resolve the manifest and the configuration (radiome settings or a PyRadiomics parameter
   file, :class:`~radiome.cohort.worker.CohortConfig`); take the study folder's lock;
2. compute every input's checksum once (:func:`radiome.cohort.store.job_checksums`) and keep
   each job whose result file says ``ok`` with the same config hash, input checksums and job
   identity (``force`` recomputes everything; failed jobs are always retried);
3. run the other jobs with :func:`radiome.cohort.worker.run_job`, which writes each job's
   result file itself, atomically:

   * locally (default): a :class:`concurrent.futures.ProcessPoolExecutor` of ``jobs``
     processes (default: the usable cores), forked from a fork server that imported radiome
     once ('spawn' where the platform has no fork server), with single-threaded BLAS, OpenMP
     and ITK in each worker and, with ``memory_limit_mb``, an address-space limit
     (``RLIMIT_AS``) per worker so that a runaway case raises ``MemoryError`` in its worker.
     A worker killed outright (out-of-memory killer, crash in native code) breaks the pool:
     jobs that had not started are resubmitted to a new pool, and each job that was running
     is retried alone; a job that kills its worker alone is recorded as failed
     (``BrokenProcessPool``) and the run goes on;
   * with ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``, or a
     :class:`distributed.Client`), ``client.submit(run_job, ..., pure=False)`` per job,
     gathered as they complete. The workers write the result files themselves, so they must
     see ``study_dir`` and the inputs at the same paths as this process (one machine or a
     shared file system); bound their memory with the workers' own ``--memory-limit``. A job
     whose worker died (``KilledWorker``) is recorded as failed;

4. combine the result files into ``features_long.parquet`` and ``features_wide.parquet``
   (CSV copies with ``csv``), write ``failures.csv`` and the run record ``run.json``, all
   atomically, in an order that depends only on the manifest and the results.

A run killed at any point (even ``SIGKILL``) leaves only complete result files; running the
same command again resumes it.

Hand-written: the orchestration, resume rule and failure isolation are radiome's own; the
process pool and Dask do the scheduling.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from radiome.cohort import store
from radiome.cohort.progress import ProgressCallback, ProgressEvent
from radiome.cohort.record import build_record, config_from_record, manifest_from_record, read_record, write_record
from radiome.cohort.worker import THREAD_ENV, CohortConfig, JobOutcome, failed_outcome, run_job, worker_init
from radiome.errors import ConfigError, InputError

if TYPE_CHECKING:  # pragma: no cover
    from radiome.cohort.manifest import Job, Manifest
    from radiome.config.settings import ExtractionSettings

__all__ = ["RunSummary", "run_cohort", "reproduce"]

_DASK_HINT = "running on a Dask cluster needs dask.distributed: pip install 'radiome[dask]'"
#: How long to try to reach a Dask scheduler before giving up.
DASK_CONNECT_TIMEOUT = "20s"


@dataclass(frozen=True)
class RunSummary:
    """The outcome of a cohort run.

    Attributes
    ----------
    n_total : int
        Jobs in the manifest.
    n_done : int
        Jobs computed successfully in this run.
    n_skipped : int
        Jobs whose earlier result was kept (same config and inputs).
    n_failed : int
        Jobs that failed (see ``failures`` and ``failures.csv``).
    failures : tuple of JobOutcome
        The failed jobs, in manifest order, with error class and message.
    study_dir : Path
    wall_s : float
        Wall time of the run in seconds.
    config_hash : str
    outcomes : tuple of JobOutcome
        Every job, in manifest order.
    tables : Mapping[str, Path]
        The tables written (``features_long``, ``features_wide``, ``failures``, and the CSV
        copies).
    record_path : Path
        ``run.json``.
    notes : tuple of str
        Warnings worth reading (e.g. inputs that changed since a reproduced run).
    """

    n_total: int
    n_done: int
    n_skipped: int
    n_failed: int
    failures: tuple[JobOutcome, ...]
    study_dir: Path
    wall_s: float
    config_hash: str = ""
    outcomes: tuple[JobOutcome, ...] = ()
    tables: Mapping[str, Path] = field(default_factory=dict)
    record_path: Path | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no job failed."""
        return self.n_failed == 0

    @property
    def failures_csv(self) -> Path:
        """Where the failures are listed."""
        return Path(self.study_dir) / "failures.csv"


# --------------------------------------------------------------------------- helpers

def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


def _usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def _thread_env() -> Iterator[None]:
    """Single-threaded numerical libraries in the worker processes started meanwhile."""
    saved = {k: os.environ.get(k) for k in THREAD_ENV}
    os.environ.update(THREAD_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _study_lock(study_dir: Path) -> Iterator[None]:
    """An exclusive lock on the study folder (released by the OS if the run is killed)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    fh = open(study_dir / ".lock", "a+")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InputError(
                f"another radiome run is using {study_dir}; wait for it to finish, or give another -o folder"
            ) from None
        yield
    finally:
        fh.close()


def _resolve_manifest(manifest: "Manifest | str | Path") -> "Manifest":
    from radiome.cohort.manifest import Manifest, read_manifest

    if isinstance(manifest, Manifest):
        return manifest
    if isinstance(manifest, (str, Path)):
        return read_manifest(manifest)
    raise InputError(f"manifest must be a Manifest or the path of a manifest file, got {type(manifest).__name__}")


def _resolve_config(config: "CohortConfig | ExtractionSettings | Mapping[str, Any] | str | Path | None") -> CohortConfig:
    if isinstance(config, CohortConfig):
        return config
    return CohortConfig.from_settings(config)


def _versions(dask: bool) -> dict[str, str]:
    import importlib.metadata as md

    from radiome.extraction import provenance

    out = provenance()
    for pkg in ("pandas", "pyarrow", "PyWavelets", "pyyaml") + (("dask", "distributed") if dask else ()):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


# --------------------------------------------------------------------------- local execution

#: Modules the fork server imports once, so that each worker starts in milliseconds.
_PRELOAD = [
    "radiome.cohort.worker", "radiome.extraction", "radiome.io", "radiome.preprocess.pipeline",
    *(f"radiome.features.{name}" for name in (
        "morphology", "local_intensity", "intensity_statistics", "intensity_histogram",
        "intensity_volume_histogram", "glcm", "glrlm", "glszm", "gldzm", "ngtdm", "ngldm")),
    "radiome.compat.pyradiomics.extractor",
]


def _mp_context():
    """'forkserver' where the platform has it (workers fork from a clean, single-threaded
    server that has imported radiome once), else 'spawn'. Never plain 'fork': the parent may
    hold threads and locks."""
    import multiprocessing

    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


OnOutcome = Callable[[JobOutcome], None]


def _pool_pass(queue: Sequence["Job"], n_workers: int, payload: Mapping[str, Any], study_dir: Path,
               checksums: Mapping[str, Mapping[str, str | None]], memory_limit_mb: int | None,
               on_outcome: OnOutcome, run_started: str, fn: Callable[..., JobOutcome]):
    """Run ``queue`` on one process pool until it finishes or breaks.

    Returns ``(requeue, suspects, broken_message)``: jobs that never started (to run again),
    jobs that were running when a worker died (to retry alone), and the pool's error.
    """
    ctx = _mp_context()
    with _thread_env():  # workers (and the fork server) start with single-threaded libraries
        return _pool_pass_inner(queue, n_workers, payload, study_dir, checksums, memory_limit_mb, on_outcome,
                                run_started, fn, ctx)


def _pool_pass_inner(queue, n_workers, payload, study_dir, checksums, memory_limit_mb, on_outcome, run_started,
                     fn, ctx):
    requeue: list[Job] = []
    suspects: list[Job] = []
    broken: str | None = None
    pool = ProcessPoolExecutor(max_workers=max(1, min(n_workers, len(queue))), mp_context=ctx,
                               initializer=worker_init, initargs=(memory_limit_mb,))
    futures: dict[Any, Job] = {}
    try:
        for i, job in enumerate(queue):
            try:
                fut = pool.submit(fn, job, payload, str(study_dir), checksums=checksums[job.key],
                                  memory_limit_mb=memory_limit_mb)
            except BrokenProcessPool as exc:  # a worker died while jobs were being submitted
                broken = str(exc) or "a worker process died"
                requeue.extend(queue[i:])
                break
            futures[fut] = job
        pending = set(futures)
        while pending and broken is None:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                job = futures[fut]
                try:
                    on_outcome(fut.result())
                except BrokenProcessPool as exc:
                    broken = str(exc) or "a worker process died"
                    pending.add(fut)
                except Exception as exc:  # e.g. the job could not be sent to the worker
                    on_outcome(failed_outcome(job, payload["hash"], checksums[job.key], study_dir,
                                              type(exc).__name__, str(exc)))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True, cancel_futures=True)  # after a break: every worker has stopped
    for fut in pending:  # the pool broke: sort out what was running from what was queued
        job = futures[fut]
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            on_outcome(fut.result())
            continue
        res = store.read_result(store.result_path(study_dir, job))
        if res is not None and res.get("computed_at", "") >= run_started and res.get("config_hash") == payload["hash"]:
            on_outcome(_outcome_from_result(job, res))
        elif store.running_marker(study_dir, job).exists():
            suspects.append(job)
        else:
            requeue.append(job)
    return requeue, suspects, broken


def _outcome_from_result(job: "Job", res: Mapping[str, Any]) -> JobOutcome:
    err = res.get("error") or {}
    return JobOutcome(job.key, job.case_id, job.modality, job.roi, "ok" if res.get("status") == "ok" else "failed",
                      err.get("class"), err.get("message"), float(res.get("seconds", 0.0)), res.get("computed_at"))


def _run_local(jobs: Sequence["Job"], n_workers: int, payload: Mapping[str, Any], study_dir: Path,
               checksums: Mapping[str, Mapping[str, str | None]], memory_limit_mb: int | None,
               on_outcome: OnOutcome, run_started: str, fn: Callable[..., JobOutcome] = run_job) -> None:
    queue = list(jobs)
    suspects: list[Job] = []
    while queue:
        requeue, sus, broken = _pool_pass(queue, n_workers, payload, study_dir, checksums, memory_limit_mb,
                                          on_outcome, run_started, fn)
        if broken is not None and not sus and len(requeue) == len(queue):
            # no job ran at all: the workers cannot start (e.g. the memory limit is too low)
            for job in requeue:
                on_outcome(failed_outcome(
                    job, payload["hash"], checksums[job.key], study_dir, "BrokenProcessPool",
                    f"the worker processes died before running any job ({broken}); "
                    + ("raise --memory-limit" if memory_limit_mb else "check that radiome imports in a fresh process"),
                ))
            return
        suspects.extend(sus)
        queue = requeue
    for job in suspects:  # each job that was running when a worker died, retried alone
        requeue, sus, broken = _pool_pass([job], 1, payload, study_dir, checksums, memory_limit_mb,
                                          on_outcome, run_started, fn)
        if broken is not None:
            hint = f" or exceeded the {memory_limit_mb} MB memory limit" if memory_limit_mb else ""
            on_outcome(failed_outcome(
                job, payload["hash"], checksums[job.key], study_dir, "BrokenProcessPool",
                "the worker process running this job died abruptly, also when retried alone (killed by a "
                f"signal, e.g. the system's out-of-memory killer{hint}, or a crash in native code); "
                "check the image's size and the settings (interpolation to fine voxels can need much memory)",
            ))


# --------------------------------------------------------------------------- Dask execution

def _distributed():
    try:
        import distributed
    except ImportError:
        raise ConfigError(_DASK_HINT) from None
    return distributed


def _run_dask(jobs: Sequence["Job"], scheduler: Any, payload: Mapping[str, Any], study_dir: Path,
              checksums: Mapping[str, Mapping[str, str | None]], on_outcome: OnOutcome) -> dict[str, Any]:
    distributed = _distributed()
    own = not isinstance(scheduler, distributed.Client)
    if own:
        try:
            client = distributed.Client(str(scheduler), set_as_default=False, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"cannot connect to the Dask scheduler at {scheduler!r}: {exc}. Check the address "
                "(e.g. tcp://host:8786) and that the scheduler is running"
            ) from None
    else:
        client = scheduler
    info: dict[str, Any] = {"scheduler": client.scheduler.address}
    try:
        info["n_workers"] = len(client.scheduler_info().get("workers", {}))
        token = uuid.uuid4().hex[:8]
        futures = {
            client.submit(run_job, job, dict(payload), str(study_dir), checksums=dict(checksums[job.key]),
                          pure=False, key=f"radiome-{job.key}-{token}"): job
            for job in jobs
        }
        for fut in distributed.as_completed(list(futures), loop=client.loop):
            job = futures[fut]
            try:
                outcome = fut.result()
            except Exception as exc:  # KilledWorker, or the task could not run on the worker
                msg = str(exc)
                if type(exc).__name__ == "KilledWorker":
                    msg = ("the Dask worker running this job died (e.g. it exceeded its memory limit, or crashed); "
                           f"{msg}")
                outcome = failed_outcome(job, payload["hash"], checksums[job.key], study_dir, type(exc).__name__, msg)
            fut.release()
            on_outcome(outcome)
    finally:
        if own:
            client.close()
    return info


# --------------------------------------------------------------------------- the run

def run_cohort(
    manifest: "Manifest | str | Path",
    config: "CohortConfig | ExtractionSettings | Mapping[str, Any] | str | Path | None",
    study_dir: str | Path,
    *,
    jobs: int | None = None,
    scheduler: Any = None,
    force: bool = False,
    memory_limit_mb: int | None = None,
    progress: ProgressCallback | None = None,
    csv: bool = False,
    command: Sequence[str] | str | None = None,
    _expected_checksums: Mapping[str, Mapping[str, str | None]] | None = None,
    _record_extra: Mapping[str, Any] | None = None,
    _notes: Sequence[str] = (),
) -> RunSummary:
    """Extract the features of every job of a manifest into a study folder, resumably.

    Parameters
    ----------
    manifest : Manifest or path
        The jobs (see :mod:`radiome.cohort.manifest`).
    config : CohortConfig, ExtractionSettings, dict, preset name or YAML path
        What to compute; a PyRadiomics parameter file via
        :meth:`CohortConfig.from_pyradiomics`.
    study_dir : path
        Output folder (created); see :mod:`radiome.cohort.store` for its layout.
    jobs : int, optional
        Local worker processes; default: the usable cores.
    scheduler : str or distributed.Client, optional
        Run on this Dask cluster instead (workers must see ``study_dir`` and the inputs at the
        same paths).
    force : bool
        Recompute every job, even those with a reusable result.
    memory_limit_mb : int, optional
        Address-space limit of each local worker process in MB (``RLIMIT_AS``; it counts
        virtual memory, so allow ~1 GB above the data's needs). Not with ``scheduler``.
    progress : callable, optional
        Called with a :class:`~radiome.cohort.progress.ProgressEvent` per finished job.
    csv : bool
        Also write the long and wide tables as CSV.
    command : sequence of str or str, optional
        The command line, stored in the run record.

    Returns
    -------
    RunSummary

    Raises
    ------
    ConfigError
        Invalid settings, ``jobs`` or ``memory_limit_mb``; dask missing for ``scheduler``.
    InputError
        Unreadable manifest; study folder in use by another run; Dask scheduler unreachable.
        Failures of single jobs are never raised: they are recorded (``failures.csv``).
    """
    t0 = time.perf_counter()
    started_at = _now()
    m = _resolve_manifest(manifest)
    cfg = _resolve_config(config)
    if jobs is not None and (isinstance(jobs, bool) or int(jobs) < 1):
        raise ConfigError(f"jobs must be a positive number of worker processes, got {jobs!r}")
    if memory_limit_mb is not None and int(memory_limit_mb) < 64:
        raise ConfigError(f"memory_limit_mb must be at least 64 (MB per worker), got {memory_limit_mb!r}")
    if memory_limit_mb is not None and scheduler is not None:
        raise ConfigError(
            "memory_limit_mb bounds local worker processes only; on a Dask cluster set the workers' own "
            "limit (dask worker --memory-limit ...)"
        )
    if scheduler is not None:
        _distributed()
    _check_extra_columns(m)
    d = Path(study_dir).expanduser().resolve()
    d.mkdir(parents=True, exist_ok=True)
    payload = cfg.to_dict()
    n_workers = int(jobs) if jobs is not None else _usable_cores()
    outcomes: dict[str, JobOutcome] = {}
    counter = {"done": 0, "failed": 0}

    def emit(outcome: JobOutcome) -> None:
        outcomes[outcome.key] = outcome
        counter["done"] += 1
        counter["failed"] += outcome.status == "failed"
        if progress is not None:
            progress(ProgressEvent(outcome, counter["done"], len(m.jobs), counter["failed"],
                                   time.perf_counter() - t0))

    with _study_lock(d):
        store.clean_stale_files(d)
        checksums = store.job_checksums(m.jobs)
        todo: list[Job] = []
        for job in m.jobs:
            res = store.read_result(store.result_path(d, job))
            if not force and store.is_reusable(res, job, cfg.hash, checksums[job.key]):
                emit(JobOutcome(job.key, job.case_id, job.modality, job.roi, "skipped",
                                computed_at=res.get("computed_at")))
            else:
                todo.append(job)
        execution: dict[str, Any] = {"jobs_run": len(todo), "force": force}
        if todo and scheduler is not None:
            execution.update({"backend": "dask"}, **_run_dask(todo, scheduler, payload, d, checksums, emit))
        elif todo:
            execution.update({"backend": "local", "processes": min(n_workers, len(todo)),
                              "start_method": _mp_context().get_start_method(), "memory_limit_mb": memory_limit_mb})
            _run_local(todo, n_workers, payload, d, checksums, memory_limit_mb, emit, started_at)
        else:
            execution["backend"] = "none (all reused)"

        results = {job.key: store.read_result(store.result_path(d, job)) for job in m.jobs}
        for job in todo:  # a worker said it finished but its file is not here: not a shared folder
            if outcomes[job.key].status == "ok" and results[job.key] is None:
                outcomes[job.key] = failed_outcome(
                    job, cfg.hash, checksums[job.key], d, "InputError",
                    f"the worker reported success but its result file is not in {d}; with a Dask cluster the "
                    "workers must see the study folder at the same path (a shared file system)",
                )
                counter["failed"] += 1
                results[job.key] = None
        ordered = tuple(outcomes[j.key] for j in m.jobs)
        failures = tuple(o for o in ordered if o.status == "failed")
        tables = store.write_tables(
            d, store.long_table(m.jobs, results), store.wide_table(m.jobs, results, m.extra),
            store.failures_table(failures), csv=csv,
        )
        notes = tuple(_notes) + _changed_inputs(m, checksums, _expected_checksums)
        wall = time.perf_counter() - t0
        record = build_record(
            manifest=m, config=cfg, outcomes=outcomes, checksums=checksums, results=results,
            started_at=started_at, finished_at=_now(), wall_s=wall, execution=execution,
            versions=_versions(scheduler is not None), command=command, tables=tables, study_dir=d,
        )
        if notes:
            record["notes"] = list(notes)
        record.update(_record_extra or {})
        record_path = write_record(d, record)
    return RunSummary(
        n_total=len(m.jobs),
        n_done=sum(o.status == "ok" for o in ordered),
        n_skipped=sum(o.status == "skipped" for o in ordered),
        n_failed=len(failures),
        failures=failures,
        study_dir=d,
        wall_s=wall,
        config_hash=cfg.hash,
        outcomes=ordered,
        tables=tables,
        record_path=record_path,
        notes=notes,
    )


def _check_extra_columns(m: "Manifest") -> None:
    """Carried-through columns must not look like feature columns of the wide table."""
    prefixes = {f"{j.modality}_{j.roi}_" for j in m.jobs}
    bad = [c for c in m.extra_columns if c == "case_id" or any(c.startswith(p) for p in prefixes)]
    if bad:
        raise InputError(
            f"manifest column(s) {bad} would collide with the feature columns of the wide table "
            f"(named <modality>_<roi>_<feature>); rename them in the manifest"
        )


def _changed_inputs(m: "Manifest", checksums: Mapping[str, Mapping[str, str | None]],
           expected: Mapping[str, Mapping[str, str | None]] | None) -> tuple[str, ...]:
    if not expected:
        return ()
    changed = [j.key for j in m.jobs if expected.get(j.key) is not None
               and dict(expected[j.key]) != dict(checksums[j.key])]
    if not changed:
        return ()
    shown = ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")
    return (f"the inputs of {len(changed)} job(s) changed since the recorded run ({shown}); their values may differ",)


def reproduce(
    record: str | Path,
    study_dir: str | Path,
    *,
    jobs: int | None = None,
    scheduler: Any = None,
    memory_limit_mb: int | None = None,
    progress: ProgressCallback | None = None,
    csv: bool = False,
    command: Sequence[str] | str | None = None,
) -> RunSummary:
    """Re-run a cohort extraction from its run record alone, into a new study folder.

    The configuration (re-validated, its hash checked) and the manifest (paths, ROI names,
    labels, carried-through columns) come from ``run.json``; inputs whose checksums differ
    from the record's are named in :attr:`RunSummary.notes`.

    Raises
    ------
    InputError
        Unreadable record, or ``study_dir`` is the recorded run's own folder.
    ConfigError
        The record's config is invalid or does not match its hash.
    """
    path = Path(record)
    rec = read_record(path)
    source_dir = (path if path.is_dir() else path.parent).resolve()
    target = Path(study_dir).expanduser().resolve()
    if target == source_dir:
        raise InputError(f"reproduce into a new folder, not the recorded run's own folder {source_dir}")
    m = manifest_from_record(rec)
    cfg = config_from_record(rec)
    expected = {j["key"]: j.get("checksums") for j in rec.get("jobs", [])}
    recorded_hash = rec["config"].get("hash")
    notes = () if recorded_hash in (None, cfg.hash) else (
        f"the recorded settings now hash to {cfg.hash}, not {recorded_hash} as recorded: this radiome version "
        "resolves them differently (a new or changed setting default); values may differ",)
    extra = {"reproduced_from": {"record": str(path.resolve()), "started_at": rec.get("started_at"),
                                 "config_hash": rec["config"].get("hash"), "versions": rec.get("versions")}}
    return run_cohort(m, cfg, target, jobs=jobs, scheduler=scheduler, force=True, memory_limit_mb=memory_limit_mb,
                      progress=progress, csv=csv, command=command, _expected_checksums=expected,
                      _record_extra=extra, _notes=notes)
