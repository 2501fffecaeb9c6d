"""Regenerate the PyRadiomics golden values for the STS parity test by running PyRadiomics.

Runs under a separate virtual environment that has PyRadiomics (``pyradiomics-bhklab``), not
radiome's (see ``benchmarks/peers/README.md``)::

    /work/peers/venv/bin/python benchmarks/peers/make_pyradiomics_goldens.py \\
        [--cases STS_002 STS_008 STS_019 | --cases all] [--modalities CT MR_T1 PET] \\
        [--check-determinism] [--out tests/reference/pyradiomics_sts]

For every case and modality whose image exists in ``<shared>/data/sts/nifti`` it extracts the
features of ``tests/reference/pyradiomics_sts/params.yaml`` with the modality's binning
(:data:`MODALITY_OVERRIDES`) on one core, and writes ``<out>/<case>_<modality>.csv``
(``feature,value``; every value PyRadiomics returns, diagnostics included, floats written
with 17 significant digits) with the versions and the command in ``#`` header lines, and
``<out>/goldens.json`` with the same provenance, the timings and, with
``--check-determinism``, the result of a second PyRadiomics run compared value by value.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CASES = ("STS_002", "STS_008", "STS_019")
#: Patients on which the other image types are checked too (smallest tumour: fast CI).
DEFAULT_IMAGETYPE_CASES = ("STS_019",)
MODALITIES = ("CT", "MR_T1", "PET")
#: Binning per modality, applied over the parameter file (PyRadiomics: one binning per run).
MODALITY_OVERRIDES: dict[str, dict[str, float | int]] = {
    "CT": {"binWidth": 25},
    "MR_T1": {"binCount": 32},
    "PET": {"binWidth": 0.5},
}


def imagetype_params(params_file: Path) -> dict:
    """The parameter dict of the image-type runs: the file's settings, every other image type.

    LBP maps have a few grey levels, so LBP2D/LBP3D get ``binWidth: 1`` (PyRadiomics' advice);
    shape is left out (it does not depend on the image type).
    """
    from ruamel.yaml import YAML  # PyRadiomics' own YAML reader (via pykwalify)

    base = YAML(typ="safe", pure=True).load(params_file.read_text())
    return {
        "setting": dict(base["setting"]),
        "imageType": {
            "Square": {}, "SquareRoot": {}, "Logarithm": {}, "Exponential": {}, "Gradient": {},
            "LBP2D": {"binWidth": 1}, "LBP3D": {"binWidth": 1},
        },
        "featureClass": {k: None for k in ("firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm")},
    }


def check_lbp3d() -> None:
    """PyRadiomics' LBP3D silently yields nothing without SciPy's ``sph_harm`` (gone in SciPy
    1.17) and trimesh; refuse to write goldens that would lack it."""
    try:
        from scipy.special import sph_harm  # noqa: F401
        from trimesh.creation import icosphere  # noqa: F401
    except ImportError as exc:
        raise SystemExit(
            f"PyRadiomics' LBP3D cannot run here ({exc}); install 'scipy<1.17' and trimesh in "
            "the peer environment, or pass --imagetype-cases with no value to skip those runs."
        ) from None


def shared_root() -> Path:
    """``$RADIOME_SHARED`` or ``../shared`` beside the repository."""
    return Path(os.environ.get("RADIOME_SHARED", REPO.parent / "shared"))


def versions() -> dict[str, str]:
    """Versions of the packages that produce the numbers (distribution metadata, not __version__:
    PyWavelets 1.9.0 reports ``__version__ == '1.8.0'``)."""
    from importlib.metadata import PackageNotFoundError, version

    import radiomics

    out = {"pyradiomics": str(radiomics.__version__)}
    for name in ("pyradiomics-bhklab", "SimpleITK", "PyWavelets", "numpy", "scipy", "scikit-image"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    out["python"] = platform.python_version()
    return out


def as_text(value: object) -> str:
    """A value as written in the golden CSV: floats round-trip exactly, others as PyRadiomics prints."""
    import numpy

    if isinstance(value, (float, numpy.floating)) or (isinstance(value, numpy.ndarray) and value.ndim == 0):
        return repr(float(value))
    if isinstance(value, (int, numpy.integer)) and not isinstance(value, bool):
        return str(int(value))
    return str(value)


def extract(params: Path | dict, image: Path, mask: Path, overrides: dict) -> tuple[dict[str, str], float]:
    from radiomics import featureextractor

    extractor = featureextractor.RadiomicsFeatureExtractor(params if isinstance(params, dict) else str(params),
                                                           **overrides)
    t0 = time.perf_counter()
    result = extractor.execute(str(image), str(mask))
    seconds = time.perf_counter() - t0
    return {k: as_text(v) for k, v in result.items()}, seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", default=list(DEFAULT_CASES), help="case ids, or 'all'")
    ap.add_argument("--imagetype-cases", nargs="*", default=list(DEFAULT_IMAGETYPE_CASES),
                    help="cases also run with Square, SquareRoot, Logarithm, Exponential, Gradient, LBP2D, LBP3D")
    ap.add_argument("--modalities", nargs="+", default=list(MODALITIES), choices=MODALITIES)
    ap.add_argument("--params", type=Path, default=REPO / "tests/reference/pyradiomics_sts/params.yaml")
    ap.add_argument("--data", type=Path, default=None, help="folder of STS_xxx cases (default: shared data)")
    ap.add_argument("--out", type=Path, default=REPO / "tests/reference/pyradiomics_sts")
    ap.add_argument("--check-determinism", action="store_true", help="run PyRadiomics twice per case and compare")
    args = ap.parse_args()

    import SimpleITK as sitk

    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
    import radiomics

    radiomics.setVerbosity(logging.ERROR)

    data = args.data or shared_root() / "data" / "sts" / "nifti"
    if not data.is_dir():
        sys.stderr.write(f"STS data not found at {data}; set RADIOME_SHARED or pass --data.\n")
        return 2
    cases = sorted(p.name for p in data.iterdir() if p.is_dir()) if args.cases == ["all"] else args.cases
    args.out.mkdir(parents=True, exist_ok=True)
    ver = versions()
    command = "python benchmarks/peers/make_pyradiomics_goldens.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    params_rel = os.path.relpath(args.params, REPO)
    record: dict = {
        "versions": ver,
        "command": command.strip(),
        "params": params_rel,
        "modality_overrides": MODALITY_OVERRIDES,
        "threads": 1,
        "cases": {},
        "skipped": [],
    }
    if args.imagetype_cases:
        check_lbp3d()
        record["imagetype_params"] = imagetype_params(args.params)
        record["imagetype_cases"] = {}
    runs = [(case, modality, "") for case in cases for modality in args.modalities]
    runs += [(case, modality, "_imagetypes") for case in args.imagetype_cases for modality in args.modalities]
    for case, modality, suffix in runs:
        image = data / case / f"{modality}_image.nii.gz"
        mask = data / case / f"{modality}_mask.nii.gz"
        if not image.is_file() or not mask.is_file():
            record["skipped"].append(f"{case}/{modality}{suffix}: image or mask missing")
            continue
        overrides = MODALITY_OVERRIDES[modality]
        params = record["imagetype_params"] if suffix else args.params
        values, seconds = extract(params, image, mask, overrides)
        entry: dict = {"file": f"{case}_{modality}{suffix}.csv", "case": case, "modality": modality,
                       "seconds": round(seconds, 3), "n_values": len(values)}
        if suffix:
            entry["params_dict"] = record["imagetype_params"]
        if args.check_determinism:
            again, seconds2 = extract(params, image, mask, overrides)
            differ = sorted(
                k for k in values if not k.startswith("diagnostics_Versions") and values[k] != again.get(k)
            )
            entry["second_run_seconds"] = round(seconds2, 3)
            entry["second_run_differs"] = differ
        record["imagetype_cases" if suffix else "cases"][f"{case}_{modality}{suffix}"] = entry
        what = "the image-type parameters in goldens.json" if suffix else params_rel
        with (args.out / entry["file"]).open("w", newline="") as fh:
            fh.write("# PyRadiomics " + ver["pyradiomics"] + "; "
                     + ", ".join(f"{k} {v}" for k, v in ver.items() if k != "pyradiomics") + "\n")
            fh.write(f"# command: {record['command']}\n")
            fh.write(f"# params: {what} with {json.dumps(overrides)}; input: {case}/{modality}\n")
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["feature", "value"])
            for key, value in values.items():
                writer.writerow([key, value])
        sys.stderr.write(f"{case} {modality}{suffix}: {len(values)} values in {seconds:.1f} s\n")
    (args.out / "goldens.json").write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
