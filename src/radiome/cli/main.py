"""``radiome`` command-line interface (Typer).

Every command calls the library; errors derived from :class:`radiome.errors.RadiomeError`
are printed as one clear message with exit code 2, never as a traceback.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from radiome.cli._common import console, friendly

app = typer.Typer(
    name="radiome",
    help="Radiomics from medical images: IBSI-compliant features, I/O and preprocessing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_friendly = friendly()
ibsi_app = typer.Typer(help="IBSI compliance.", no_args_is_help=True)
app.add_typer(ibsi_app, name="ibsi")


def _register_subcommands() -> None:
    from radiome.cli.manifest import app as manifest_app

    app.add_typer(manifest_app, name="manifest", help="Study manifests: build one from a folder tree.")
    from radiome.cli.cohort import app as cohort_app

    app.add_typer(cohort_app, name="cohort", help="Cohort extraction: many cases, resumable, local or on Dask.")
    from radiome.cli.study import app as study_app

    app.add_typer(study_app, name="study", help="Studies: one study.yaml to tables, figures, models and report.html.")
    from radiome.cli.model import app as model_app

    app.add_typer(model_app, name="model", help="Models on any feature table: validation designs, honest AUC with CI.")



class Naming(str, Enum):
    radiome = "radiome"
    ibsi = "ibsi"


def _settings(preset: str | None, config: Path | None):
    from radiome.config import load_settings, resolve_settings
    from radiome.errors import ConfigError

    if preset and config:
        raise ConfigError("give either --preset or --config, not both")
    if config:
        return load_settings(config)
    return resolve_settings(preset)


def _write_table(frame, output: Path) -> None:
    from radiome.errors import ConfigError

    suffix = "".join(output.suffixes[-1:]).lower()
    output.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.to_csv(output, index=False)
    elif suffix == ".parquet":
        try:
            frame.to_parquet(output, index=False)
        except ImportError:
            raise ConfigError("writing Parquet needs pyarrow (pip install pyarrow), or use -o out.csv") from None
    else:
        raise ConfigError(f"unknown output format '{suffix}' for {output}: use .csv or .parquet")


def _print_values(values: dict[str, float], title: str) -> None:
    table = Table(title=title, show_lines=False)
    table.add_column("feature")
    table.add_column("value", justify="right")
    for k, v in values.items():
        table.add_row(k, f"{v:.6g}")
    console.print(table)


@app.command()
@_friendly
def extract(
    image: Path = typer.Argument(..., help="Image file (NIfTI, NRRD, MHA, PNG, ...) or DICOM series folder."),
    mask: Path = typer.Argument(..., help="Mask file (label map, .seg.nrrd), DICOM RTSTRUCT or SEG."),
    roi: Optional[str] = typer.Option(None, "--roi", help="ROI / segment name in an RTSTRUCT, SEG or .seg.nrrd."),
    label: Optional[int] = typer.Option(None, "--label", help="Label value in a multi-label mask."),
    preset: Optional[str] = typer.Option(None, "--preset", help="Named settings, e.g. ibsi1-config-c (see `radiome presets`)."),
    config: Optional[Path] = typer.Option(None, "--config", help="YAML settings file."),
    naming: Naming = typer.Option(Naming.radiome, "--naming", help="Column names: radiome or IBSI tags."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write a one-row table (.csv or .parquet)."),
    diagnostics: bool = typer.Option(False, "--diagnostics", help="Include the IBSI diagnostic values."),
    pyradiomics_params: Optional[Path] = typer.Option(
        None, "--pyradiomics-params", help="A PyRadiomics parameter file: PyRadiomics' processing and feature names."
    ),
) -> None:
    """Extract IBSI features of one ROI (or PyRadiomics' features with --pyradiomics-params)."""
    from radiome.extraction import extract_files

    if pyradiomics_params is not None:
        _extract_pyradiomics(image, mask, pyradiomics_params, preset, config, roi, label, output, diagnostics)
        return
    cfg = _settings(preset, config)
    result = extract_files(
        image, mask, cfg, naming=naming.value, roi_name=roi, label=label, image_diagnostics=diagnostics
    )
    if output is not None:
        frame = result.to_frame(diagnostics=diagnostics, case_id=image.name)
        _write_table(frame, output)
        console.print(f"wrote {len(result)} features to {output} (settings hash {result.settings_hash})")
    else:
        _print_values(result.as_dict(diagnostics), f"{image.name}: {len(result)} features")


def _extract_pyradiomics(image, mask, params, preset, config, roi, label, output, diagnostics) -> None:
    import pandas as pd

    from radiome.compat.pyradiomics.extractor import extract_pyradiomics
    from radiome.compat.pyradiomics.params import load_params
    from radiome.errors import ConfigError
    from radiome.io.case import load_case

    if preset or config:
        raise ConfigError("--pyradiomics-params replaces --preset/--config: give one of them")
    loaded = load_params(params)
    if label is not None:
        loaded = loaded.model_copy(update={"setting": loaded.setting.updated({"label": label})})
    if roi is not None:
        img, msk = load_case(image, mask, roi_name=roi)
        values = extract_pyradiomics(img, msk, loaded)
    else:
        values = extract_pyradiomics(image, mask, loaded)
    if not diagnostics:
        values = {k: v for k, v in values.items() if not k.startswith("diagnostics_")}
    if output is not None:
        frame = pd.DataFrame([{"case_id": image.name, **values}])
        _write_table(frame, output)
        console.print(f"wrote {len(values)} PyRadiomics columns to {output}")
    else:
        numeric = {k: float(v) for k, v in values.items() if isinstance(v, (int, float))}
        _print_values(numeric, f"{image.name}: {len(numeric)} PyRadiomics features")


@app.command()
@_friendly
def convert(
    source: Path = typer.Argument(..., help="DICOM series folder / image, or RTSTRUCT / SEG / label map."),
    output: Path = typer.Argument(..., help="Output file: .nii.gz, .nii, .nrrd or .mha."),
    reference: Optional[Path] = typer.Option(None, "--reference", help="Image whose grid a mask is put on."),
    roi: Optional[str] = typer.Option(None, "--roi", help="ROI / segment name."),
    label: Optional[int] = typer.Option(None, "--label", help="Label value in a label map."),
) -> None:
    """Convert a DICOM series to NIfTI/NRRD, or an RTSTRUCT/SEG to a mask on an image grid."""
    from radiome.io.convert import convert as do_convert

    out = do_convert(source, output, reference=reference, roi_name=roi, label=label)
    kind = "mask" if out.__class__.__name__ == "Mask" else "image"
    console.print(f"wrote {kind} {output} (size z,y,x {out.shape}, spacing z,y,x {tuple(round(s, 4) for s in out.spacing)} mm)")


@app.command()
@_friendly
def presets() -> None:
    """List the named settings presets."""
    from radiome.config.presets import PRESETS

    for name in PRESETS:
        console.print(name)


#: Extraction settings of the demo: IBSI-compliant, compact (3D texture, fixed bin size 25 HU).
DEMO_SETTINGS = {
    "round_input": True,
    "resegmentation": {"range": [-300, 400]},
    "discretisation": {"method": "fbs", "bin_width": 25},
    "ivh_discretisation": {"method": "fbs", "bin_width": 2.5},
    "texture": {"dimensions": ["3D"]},
}


def demo_study(folder: Path, cases: int = 120, seed: int = 0) -> Path:
    """Write the synthetic demo cohort and its study.yaml into ``folder``; return the study file."""
    from radiome.cohort.synthetic import make_demo_cohort
    from radiome.study.config import template_yaml

    make_demo_cohort(folder / "cohort", n_cases=cases, seed=seed)
    values = {
        "title": f"radiome demo study (SYNTHETIC data, {cases} cases, seed {seed})",
        "description": ("A seeded synthetic cohort of CT-like lesions: two texture phenotypes linked to a binary "
                        "outcome, with age, sex, stage and LDH as clinical variables (stage informative). Not "
                        "patient data."),
        "data": {"manifest": "cohort/manifest.csv", "clinical": "cohort/clinical.csv", "synthetic": True},
        "outcome": {"column": "outcome", "label": "outcome"},
        "predictors": {"clinical": ["age", "sex", "stage", "ldh"], "centre": "centre"},
        "extraction": {"settings": DEMO_SETTINGS},
        "design": {"kind": "split", "test_size": 1 / 3, "seed": seed},
        "report": {"segmentation_method": "synthetic masks (generated with the images)",
                   "image_protocol": "synthetic CT-like volumes, 2.5 x 0.8 x 0.8 mm voxels", "open_data": True,
                   "prospective": False},
    }
    study = folder / "study.yaml"
    study.write_text(template_yaml(values), encoding="utf-8")
    return study


@app.command()
@_friendly
def demo(
    folder: Path = typer.Option(Path("radiome-demo"), "-o", "--out", help="Folder for the cohort, study.yaml and the study output."),
    cases: int = typer.Option(120, "--cases", min=20, help="Number of synthetic lesions."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the synthetic cohort and of the study."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Extraction worker processes (default: all cores)."),
) -> None:
    """Generate a SYNTHETIC cohort (CT-like lesions, clinical data), write its study.yaml and run the whole study."""
    import time

    from radiome.cli.study import _print_run, _with_progress
    from radiome.study.runner import run_study

    t0 = time.perf_counter()
    folder = folder.expanduser().resolve()
    study = demo_study(folder, cases, seed)
    console.print(f"synthetic cohort ({cases} cases, seed {seed}) and {study} written in {time.perf_counter() - t0:.1f}s",
                  highlight=False, soft_wrap=True)
    result = _with_progress(lambda progress: run_study(study, folder / "study", jobs=jobs, progress=progress))
    _print_run(result)
    console.print(f"demo finished in {time.perf_counter() - t0:.1f}s; open {result.report or folder / 'study'}",
                  highlight=False, soft_wrap=True)
    console.print(f"rerun the study alone: radiome study run {study} -o {folder / 'study'}", highlight=False, soft_wrap=True)


def _print_case_report(rep, title: str) -> bool:
    table = Table(title=title)
    table.add_column("family")
    table.add_column("reference values", justify="right")
    table.add_column("computed", justify="right")
    table.add_column("within tolerance", justify="right")
    for fam, (n, comp, ok) in rep.counts.items():
        table.add_row(fam, str(n), str(comp), str(ok), style="" if n == ok else "red")
    n, comp, ok = rep.total
    table.add_row("total", str(n), str(comp), str(ok), style="bold")
    console.print(table)
    note = getattr(rep, "note", "")
    if note:
        console.print(f"  note: {note}", highlight=False)
    for m in rep.misses:
        value = "not computed" if m.value is None else f"{m.value:.6g}"
        console.print(f"  miss {m.tag}: {value} vs {m.reference:g} +/- {m.tolerance:g}", highlight=False)
    return rep.passed


@ibsi_app.command("check")
@_friendly
def ibsi_check(
    data: Path = typer.Option(..., "--data", help="Folder with the IBSI data sets (containing reference/ibsi_1 and reference/ibsi_2)."),
    case: Optional[list[str]] = typer.Option(None, "--case", help="IBSI-1 cases only these (digital-phantom, config-a ... config-e)."),
    part: Optional[list[str]] = typer.Option(
        None, "--part", help="Which checks: ibsi1, ibsi2-phase1, ibsi2-phase2 (default: all three)."
    ),
) -> None:
    """Run the IBSI-1 and IBSI-2 compliance checks and report per case and family."""
    from radiome.compliance import IBSI1_CASES, check_ibsi2_phase1, check_ibsi2_phase2, run_ibsi1
    from radiome.errors import ConfigError

    parts = part or ["ibsi1", "ibsi2-phase1", "ibsi2-phase2"]
    bad = [p for p in parts if p not in ("ibsi1", "ibsi2-phase1", "ibsi2-phase2")]
    if bad:
        raise ConfigError(f"unknown part(s) {bad}; valid: ibsi1, ibsi2-phase1, ibsi2-phase2")
    all_ok = True
    if "ibsi1" in parts:
        cases = case or list(IBSI1_CASES)
        unknown = [c for c in cases if c not in IBSI1_CASES]
        if unknown:
            raise ConfigError(f"unknown case(s) {unknown}; valid: {', '.join(IBSI1_CASES)}")
        for rep in run_ibsi1(data, cases):
            all_ok &= _print_case_report(rep, f"IBSI 1 {rep.case}")
    if "ibsi2-phase1" in parts:
        table = Table(title="IBSI 2 phase 1: response maps (pass: every voxel within 1% of the reference range)")
        table.add_column("test")
        table.add_column("phantom")
        table.add_column("filter", overflow="fold")
        table.add_column("max deviation / range", justify="right")
        table.add_column("status")
        for r in check_ibsi2_phase1(data):
            dev = "-" if r.deviation is None else f"{r.deviation:.2e}"
            table.add_row(r.test_id, r.phantom, r.variant or "-", dev, r.status, style="" if r.passed else "red")
            all_ok &= r.passed
        console.print(table)
    if "ibsi2-phase2" in parts:
        for rep in check_ibsi2_phase2(data):
            all_ok &= _print_case_report(rep, f"IBSI 2 phase 2, filter {rep.case}")
    console.print("[bold green]all reference values reproduced[/]" if all_ok else "[bold red]some reference values missed[/]")
    if not all_ok:
        raise typer.Exit(code=1)


@app.command()
def version() -> None:
    """Print radiome's version and its key dependencies'."""
    from radiome.extraction import provenance

    for k, v in provenance().items():
        console.print(f"{k} {v}")


_register_subcommands()


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
