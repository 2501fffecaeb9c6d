"""``radiome study``: one study file to a publication-ready report (a Typer sub-app).

``radiome study run STUDY.yaml -o OUT`` runs the whole study (extraction reusing the store,
selection, models, evaluation, report); ``radiome study predict MODEL_DIR --manifest M -o
OUT`` scores new cases with the saved models; ``radiome study init`` writes a documented
template ``study.yaml``.

Exit codes: 0 done; 2 the study could not run (invalid study file, unreadable data, a feature
config that differs from the model's, ...); 130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from radiome.cli._common import console, err_console, friendly

app = typer.Typer(
    help="Studies: from a study.yaml to tables, figures, fitted models and report.html.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_friendly = friendly("interrupted; finished extraction jobs are kept: rerun the same command to resume")


def _with_progress(run: Callable[[Any], Any]) -> Any:
    """Call ``run(progress)``: a bar for extraction jobs on a terminal, a line per stage."""
    from radiome.cohort.progress import LogProgress, ProgressEvent, RichProgress
    from radiome.study.runner import StageEvent

    def stage_line(event: StageEvent) -> None:
        err_console.print(f"[bold]{event.stage}[/]: {event.message} ({event.elapsed_s:.1f}s)", highlight=False, soft_wrap=True)

    if err_console.is_terminal:
        with RichProgress(console=err_console) as bar:
            def progress(event: Any) -> None:
                if isinstance(event, ProgressEvent):
                    bar(event)
                else:
                    stage_line(event)
            return run(progress)
    log = LogProgress(sys.stderr)

    def plain(event: Any) -> None:
        if isinstance(event, ProgressEvent):
            if event.outcome.status != "skipped":
                log(event)
        else:
            stage_line(event)
    return run(plain)


@app.command("run")
@_friendly
def run(
    study: Path = typer.Argument(..., help="Study file (study.yaml); write one with `radiome study init`."),
    output: Path = typer.Option(..., "-o", "--output", help="Output folder: report.html, tables, figures, models."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Extraction worker processes (default: all cores)."),
    force: bool = typer.Option(False, "--force", help="Recompute every extraction job instead of reusing the store."),
) -> None:
    """Run a whole study: extraction, selection, models, evaluation, report."""
    from radiome.study.runner import run_study

    result = _with_progress(lambda progress: run_study(study, output, jobs=jobs, force=force, progress=progress))
    _print_run(result)


def _print_run(result: Any) -> None:
    for w in result.warnings:
        err_console.print(f"[yellow]warning[/]: {w}", highlight=False, soft_wrap=True)
    s = result.summary
    console.print(f"{s.get('n_cases')} cases, {s.get('n_events')} events; {s.get('design')}", highlight=False, soft_wrap=True)
    console.print(f"models: {', '.join(s.get('models', []))}; done in {result.wall_s:.1f}s", highlight=False, soft_wrap=True)
    if result.report is not None:
        console.print(f"report: {result.report}", highlight=False, soft_wrap=True)
    else:
        err_console.print(f"[yellow]note[/]: {result.report_note}", highlight=False, soft_wrap=True)
    console.print(f"tables, figures, models and run record in {result.out_dir}", highlight=False, soft_wrap=True)


@app.command("predict")
@_friendly
def predict(
    model_dir: Path = typer.Argument(..., help="A study's OUT/models folder (or its OUT folder)."),
    output: Path = typer.Option(..., "-o", "--output", help="Output folder for predictions.csv."),
    manifest: Optional[Path] = typer.Option(None, "--manifest", help="Manifest of new cases: extracted with the model's settings."),
    features: Optional[Path] = typer.Option(None, "--features", help="Feature table of new cases (with its run.json beside it)."),
    clinical: Optional[Path] = typer.Option(None, "--clinical", help="Clinical table of the new cases (for clinical predictors)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Extraction worker processes."),
) -> None:
    """Score new cases with a saved study model (refuses features extracted with other settings)."""
    from radiome.errors import ConfigError
    from radiome.study.predict import predict_study

    if (manifest is None) == (features is None):
        raise ConfigError("give exactly one of --manifest (images to extract) or --features (a feature table)")
    result = _with_progress(lambda progress: predict_study(
        model_dir, manifest if manifest is not None else features, output, clinical=clinical, jobs=jobs,
        progress=progress, kind="manifest" if manifest is not None else "features"))
    for note in result.notes:
        err_console.print(f"[yellow]note[/]: {note}", highlight=False, soft_wrap=True)
    console.print(f"scored {result.n_cases} case(s) with {', '.join(result.models)}: {result.predictions}",
                  highlight=False, soft_wrap=True)


@app.command("init")
@_friendly
def init(
    output: Path = typer.Option(Path("study.yaml"), "-o", "--output", help="Where to write the template."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a documented template study.yaml (every key, its default and its meaning)."""
    from radiome.errors import ConfigError
    from radiome.study.config import template_yaml

    if output.exists() and not force:
        raise ConfigError(f"{output} exists; choose another -o or pass --force to overwrite it")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(template_yaml({"data": {"manifest": "manifest.csv", "clinical": "clinical.csv"},
                                     "outcome": {"column": "outcome"}}), encoding="utf-8")
    console.print(f"wrote {output}: edit data, outcome and predictors, then `radiome study run {output} -o OUT`",
                  highlight=False, soft_wrap=True)


if __name__ == "__main__":  # pragma: no cover
    app()
