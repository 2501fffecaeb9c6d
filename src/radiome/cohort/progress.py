"""Progress of a cohort run: one event per finished job, and two reporters for the CLI.

:func:`radiome.cohort.run_cohort` calls ``progress(event)`` once per job as it finishes
(skipped jobs first, as soon as the resume check is done). The library never prints; the CLI
passes :class:`RichProgress` (a bar with jobs done / total, rate and ETA) when stderr is a
terminal, and :class:`LogProgress` (one plain line per job) otherwise.

Hand-written: a thin layer over :mod:`rich.progress`; the event type is radiome's own.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import IO, Callable

from radiome.cohort.worker import JobOutcome

__all__ = ["ProgressEvent", "ProgressCallback", "LogProgress", "RichProgress", "format_seconds"]


@dataclass(frozen=True)
class ProgressEvent:
    """One finished job: its outcome, how many of the run's jobs are finished, and time so far.

    ``done`` counts finished jobs of every status (computed, skipped, failed);
    ``n_failed`` counts failures so far.
    """

    outcome: JobOutcome
    done: int
    total: int
    n_failed: int
    elapsed_s: float


ProgressCallback = Callable[[ProgressEvent], None]


def format_seconds(seconds: float) -> str:
    """``'1h02m03s'``, ``'2m05s'`` or ``'4.2s'``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


class LogProgress:
    """Plain log lines, one per finished job, for logs and non-terminal stderr.

    ``[12/51] ok STS_004__PET__GTV 0.21s  (rate 2.3 jobs/s, ETA 17s)``; failures carry their
    error class and message.
    """

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self._computed = 0

    def __call__(self, event: ProgressEvent) -> None:
        o = event.outcome
        line = f"[{event.done}/{event.total}] {o.status} {o.key}"
        if o.status != "skipped":
            self._computed += 1
            line += f" {o.seconds:.2f}s"
            rate = self._computed / event.elapsed_s if event.elapsed_s > 0 else 0.0
            left = event.total - event.done
            if rate > 0:
                line += f"  (rate {rate:.2f} jobs/s, ETA {format_seconds(left / rate)})"
        if o.status == "failed":
            line += f"  {o.error_class}: {o.error_message}"
        self.stream.write(line + "\n")
        self.stream.flush()


class RichProgress:
    """A rich progress bar on stderr: jobs done / total, failures, rate and ETA.

    Use as a context manager around the run::

        with RichProgress() as bar:
            run_cohort(..., progress=bar)
    """

    def __init__(self, console=None, description: str = "extracting") -> None:
        from rich.console import Console

        self.console = console if console is not None else Console(stderr=True)
        self.description = description
        self._progress = None
        self._task = None
        self._t0 = time.perf_counter()
        self._computed = 0

    def __enter__(self) -> "RichProgress":
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("failed {task.fields[failed]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def __call__(self, event: ProgressEvent) -> None:
        if self._progress is None:  # used without "with": start now
            self.__enter__()
        if self._task is None:
            self._task = self._progress.add_task(self.description, total=event.total, rate="", failed=0)
        if event.outcome.status != "skipped":
            self._computed += 1
            if self._computed == 1 and event.done > 1:  # skipped jobs must not inflate rate / ETA
                self._progress.reset(self._task, total=event.total, completed=event.done - 1)
        rate = self._computed / event.elapsed_s if event.elapsed_s > 0 else 0.0
        self._progress.update(
            self._task, completed=event.done, failed=event.n_failed,
            rate=f"{rate:.2f} jobs/s" if self._computed else "",
        )
        if event.outcome.status == "failed":
            o = event.outcome
            self._progress.console.print(f"[red]failed[/] {o.key}: {o.error_class}: {o.error_message}",
                                         highlight=False)
