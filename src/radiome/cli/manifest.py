"""``radiome manifest``: build a study manifest from a folder tree.

A thin layer over :func:`radiome.cohort.scan_directory` and
:func:`radiome.cohort.write_manifest`. Registered in :mod:`radiome.cli.main` as
``radiome manifest``. Exit codes: 0 when jobs were found (even if some files could not be
paired), 1 when nothing could be paired (no manifest written), 2 on an error (one message,
no traceback).
"""

from __future__ import annotations

from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from radiome.cli._common import console, friendly

app = typer.Typer(
    help="Study manifests: build one from a folder of cases (DICOM or NIfTI/NRRD/MHA).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_friendly = friendly()



class ManifestFormat(str, Enum):
    csv = "csv"
    yaml = "yaml"


def _target(output: Path | None, fmt: ManifestFormat | None) -> tuple[Path, str]:
    from radiome.cohort.manifest import ManifestError

    if output is None:
        name = (fmt or ManifestFormat.csv).value
        return Path(f"manifest.{name}"), name
    suffix = output.suffix.lower()
    by_suffix = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".yaml": "yaml", ".yml": "yaml"}.get(suffix)
    if fmt is None:
        if by_suffix is None:
            raise ManifestError(
                f"cannot tell the manifest format from {output.name!r}: end it in .csv or .yaml, or pass --format."
            )
        return output, by_suffix
    if by_suffix is not None and by_suffix != fmt.value:
        raise ManifestError(f"--format {fmt.value} disagrees with the suffix of {output.name!r}; change one of them.")
    return output, fmt.value


@app.command("scan")
@_friendly
def scan(
    directory: Path = typer.Argument(..., help="Study folder: one sub-folder per case, or an nnU-Net dataset folder."),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Manifest to write (default manifest.csv, or manifest.yaml with --format yaml)."
    ),
    fmt: Optional[ManifestFormat] = typer.Option(
        None, "--format", help="csv (one row per job) or yaml (one entry per case)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing manifest file."),
) -> None:
    """Find images and masks under DIRECTORY, pair them and write a study manifest."""
    from radiome.cohort import scan_directory, write_manifest
    from radiome.cohort.manifest import ManifestError

    target, kind = _target(output, fmt)
    if target.exists() and not force:
        raise ManifestError(f"{target} exists; pass --force to overwrite it, or -o another file.")
    result = scan_directory(directory)
    manifest = result.manifest
    layouts = sorted({name for v in result.layouts.values() for name in v.split("+")})
    console.print(
        f"scanned {directory}: {len(manifest.cases)} case(s), {len(manifest)} job(s)"
        + (f" (layout: {', '.join(layouts)})" if layouts else ""),
        markup=False, highlight=False, soft_wrap=True,
    )
    if len(manifest):
        jobs = Counter(j.modality for j in manifest.jobs)
        cases = {m: len({j.case_id for j in manifest.jobs if j.modality == m}) for m in jobs}
        table = Table(show_header=True, header_style="bold")
        table.add_column("modality")
        table.add_column("cases", justify="right")
        table.add_column("jobs", justify="right")
        for m in manifest.modalities:
            table.add_row(m, str(cases[m]), str(jobs[m]))
        console.print(table)
        rois = Counter(j.roi for j in manifest.jobs)
        listing = ", ".join(f"{r} ({n})" for r, n in rois.items())
        console.print(f"ROIs: {listing}", markup=False, highlight=False, soft_wrap=True)
    if result.unpaired:
        console.print(f"{len(result.unpaired)} item(s) could not be paired:", markup=False, highlight=False)
        for line in result.unpaired:
            console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    if not len(manifest):
        console.print("nothing could be paired: no manifest written.", markup=False, highlight=False)
        raise typer.Exit(code=1)
    written = write_manifest(manifest, target, format=kind)
    console.print(f"wrote {written} ({kind}, {len(manifest)} jobs)", markup=False, highlight=False, soft_wrap=True)
