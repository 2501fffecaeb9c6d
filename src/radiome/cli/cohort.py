"""``radiome cohort``: cohort-scale extraction (a Typer sub-app over :mod:`radiome.cohort`).

``radiome cohort extract MANIFEST --config settings.yaml -o STUDY_DIR`` runs every job of the
manifest on local processes (``--jobs``) or a Dask cluster (``--scheduler``), resuming what
is done; ``radiome cohort reproduce STUDY_DIR/run.json -o NEW_DIR`` re-runs from the record.

Exit codes: 0 every job succeeded; 1 some jobs failed (listed in ``failures.csv``);
2 the run could not start (invalid settings or manifest, unreachable scheduler, ...);
130 interrupted (rerun the same command to resume).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from radiome.cli._common import console, err_console, friendly

app = typer.Typer(
    help="Cohort-scale extraction: many cases on local processes or a Dask cluster, resumable.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_friendly = friendly('interrupted; finished jobs are kept: rerun the same command to resume')



def _config(config: Path | None, preset: str | None, pyradiomics_params: Path | None):
    from radiome.cohort.worker import CohortConfig
    from radiome.errors import ConfigError

    given = [name for name, v in (("--config", config), ("--preset", preset),
                                  ("--pyradiomics-params", pyradiomics_params)) if v is not None]
    if len(given) != 1:
        raise ConfigError(
            "give exactly one of --config FILE (radiome settings YAML), --preset NAME (see `radiome presets`) "
            f"or --pyradiomics-params FILE (a PyRadiomics parameter file); got {', '.join(given) or 'none'}"
        )
    if pyradiomics_params is not None:
        return CohortConfig.from_pyradiomics(pyradiomics_params)
    if config is not None:
        from radiome.config import load_settings

        return CohortConfig.from_settings(load_settings(config))
    return CohortConfig.from_settings(preset)


def _run_with_progress(run: Callable[[Any], Any]):
    """Call ``run(progress)`` with a rich bar on a terminal, plain lines otherwise."""
    from radiome.cohort.progress import LogProgress, RichProgress

    if err_console.is_terminal:
        with RichProgress(console=err_console) as bar:
            return run(bar)
    return run(LogProgress(sys.stderr))


def _report(summary) -> None:
    from radiome.cohort.progress import format_seconds

    line = (f"{summary.n_total} jobs: {summary.n_done} computed, {summary.n_skipped} reused, "
            f"{summary.n_failed} failed in {format_seconds(summary.wall_s)} (config {summary.config_hash})")
    console.print(line, highlight=False)
    console.print(f"tables and run record in {summary.study_dir}", highlight=False)
    for note in summary.notes:
        err_console.print(f"[yellow]note[/]: {note}", highlight=False)
    if summary.n_failed:
        for o in summary.failures[:10]:
            err_console.print(f"  [red]failed[/] {o.key}: {o.error_class}: {o.error_message}", highlight=False)
        if summary.n_failed > 10:
            err_console.print(f"  ... and {summary.n_failed - 10} more", highlight=False)
        err_console.print(f"{summary.n_failed} job(s) failed: see {summary.failures_csv}", highlight=False)
        raise typer.Exit(code=1)


@app.command()
@_friendly
def extract(
    manifest: Path = typer.Argument(..., help="Study manifest (.csv or .yaml); see `radiome manifest scan`."),
    output: Path = typer.Option(..., "-o", "--output", help="Study folder for results, tables and run record."),
    config: Optional[Path] = typer.Option(None, "--config", help="radiome settings YAML."),
    preset: Optional[str] = typer.Option(None, "--preset", help="Named settings (see `radiome presets`)."),
    pyradiomics_params: Optional[Path] = typer.Option(
        None, "--pyradiomics-params", help="PyRadiomics parameter file (PyRadiomics-compatible features)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Local worker processes (default: all cores)."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", help="Dask scheduler address (tcp://host:8786); workers must see the same paths."),
    force: bool = typer.Option(False, "--force", help="Recompute every job, even those already done."),
    csv: bool = typer.Option(False, "--csv", help="Also write the tables as CSV."),
    memory_limit: Optional[int] = typer.Option(
        None, "--memory-limit", min=64, help="Memory (address space) limit per local worker process, in MB."),
) -> None:
    """Extract features for every case x image x ROI of a manifest (resumes what is done)."""
    from radiome.cohort.runner import run_cohort

    cfg = _config(config, preset, pyradiomics_params)
    summary = _run_with_progress(lambda progress: run_cohort(
        manifest, cfg, output, jobs=jobs, scheduler=scheduler, force=force, memory_limit_mb=memory_limit,
        progress=progress, csv=csv, command=list(sys.argv),
    ))
    _report(summary)


@app.command()
@_friendly
def reproduce(
    record: Path = typer.Argument(..., help="run.json of an earlier run (or its study folder)."),
    output: Path = typer.Option(..., "-o", "--output", help="New study folder."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Local worker processes (default: all cores)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address."),
    csv: bool = typer.Option(False, "--csv", help="Also write the tables as CSV."),
    memory_limit: Optional[int] = typer.Option(None, "--memory-limit", min=64, help="Memory limit per local worker, MB."),
) -> None:
    """Re-run an extraction from its run record alone (config and manifest) into a new folder."""
    from radiome.cohort.runner import reproduce as do_reproduce

    summary = _run_with_progress(lambda progress: do_reproduce(
        record, output, jobs=jobs, scheduler=scheduler, memory_limit_mb=memory_limit, progress=progress,
        csv=csv, command=list(sys.argv),
    ))
    _report(summary)


if __name__ == "__main__":  # pragma: no cover
    app()
