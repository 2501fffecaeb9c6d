"""radiome against PyRadiomics and MIRP on the shared STS patients: time, peak memory, agreement.

Run on demand, never in CI. The peers live in their own virtual environment outside the
repository (radiome's own environment runs radiome)::

    python -m venv /work/peers/venv-bench
    /work/peers/venv-bench/bin/pip install pyradiomics-bhklab mirp

Subcommands (each prints a table and writes it under ``benchmarks/results/``)::

    python benchmarks/bench_peers.py run   [--config original filters] [--cases all|STS_001 ...]
                                           [--modalities CT PET MR_T1] [--tools ...] [--force]
    python benchmarks/bench_peers.py table [--config original filters]
    python benchmarks/bench_peers.py floor     # resampling: SimpleITK's call against radiome's

``run`` extracts every case (patient x modality whose image exists under
``<shared>/data/sts/nifti``) with every tool, each in its own fresh subprocess pinned to one
core (``taskset -c 0``, ``OMP_NUM_THREADS=1`` and friends), so that the peak memory of a case
is that process's ``ru_maxrss``. Each process imports its tool and extracts a tiny synthetic
case first (so lazy imports are not timed), then times the real case: ``time`` is that call,
``cold`` the whole process (interpreter start and imports included), ``cpu_s`` the CPU
time of the call (less sensitive to other jobs on a shared machine). Results are appended to
``benchmarks/results/bench_peers_<config>.jsonl`` as they come (a rerun skips what is there
unless ``--force``), the feature values to ``benchmarks/results/values/``.

Tools and equivalent settings (resampling to 1 mm; CT bin width 25 HU, PET 0.5 SUV, MR bin
count 32; all original feature classes; configuration ``filters`` adds LoG sigma 1, 3, 5 mm
and the 8 first-level coif1 wavelet decompositions):

* ``pyradiomics``: PyRadiomics (pyradiomics-bhklab) with the parameter file written to
  ``benchmarks/results/params/<config>_<modality>.yaml``.
* ``radiome-pyradiomics``: radiome's PyRadiomics-compatible mode
  (``radiome.compat.pyradiomics.extractor.extract_pyradiomics``) with the SAME file; its
  values must equal PyRadiomics' within 1e-6 relative (checked, mismatches listed).
* ``radiome-ibsi``: radiome's IBSI mode (``radiome.extraction.extract``), for information:
  IBSI grid and feature definitions (all IBSI families, 3D, cubic spline, FBS/FBN as above,
  response maps with all families and FBN 32).
* ``mirp``: MIRP with the same spacing, spline order, binning, families and filters. It
  cannot be configured to PyRadiomics' definitions: IBSI grid (centre-aligned) instead of
  PyRadiomics' corner-aligned grid around the ROI, IBSI fixed bin size (bins from the ROI
  minimum, not from multiples of the width), IBSI feature definitions and families, and a bin
  count of 32 on response maps (it refuses a fixed bin size there without a re-segmentation
  range); so its values differ and only its time and memory are compared.

Scaling over cores and the crop-first gain on a large CT are in ``bench_cohort.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS")
REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
PEER_PYTHON = os.environ.get("RADIOME_PEER_PYTHON", "/work/peers/venv-bench/bin/python")
TOOLS = ("radiome-pyradiomics", "pyradiomics", "radiome-ibsi", "mirp")
MODALITIES = ("CT", "PET", "MR_T1")
BINNING = {"CT": {"binWidth": 25}, "PET": {"binWidth": 0.5}, "MR_T1": {"binCount": 32}}
LOG_SIGMAS = (1.0, 3.0, 5.0)
WAVELET_SETS = ("LLH", "LHL", "LHH", "HLL", "HLH", "HHL", "HHH", "LLL")
FEATURE_CLASSES = ("shape", "firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm")
REL_TOL = 1e-6


def shared_root() -> Path:
    return Path(os.environ.get("RADIOME_SHARED", REPO.parent / "shared"))


# ---------------------------------------------------------------------------------------------
# settings of each tool
# ---------------------------------------------------------------------------------------------


def pyradiomics_params(config: str, modality: str) -> dict:
    """The PyRadiomics parameter file of a configuration and modality (shared by both modes)."""
    image_types: dict = {"Original": {}}
    if config == "filters":
        image_types["LoG"] = {"sigma": list(LOG_SIGMAS)}
        image_types["Wavelet"] = {}
    return {
        "setting": {"resampledPixelSpacing": [1, 1, 1], "interpolator": "sitkBSpline", "padDistance": 5,
                    "label": 1, **BINNING[modality]},
        "imageType": image_types,
        "featureClass": {c: None for c in FEATURE_CLASSES},
    }


def radiome_settings(config: str, modality: str) -> dict:
    """radiome IBSI-mode settings equivalent to :func:`pyradiomics_params`."""
    b = BINNING[modality]
    disc = ({"method": "fbs", "bin_width": b["binWidth"], "n_bins": None} if "binWidth" in b
            else {"method": "fbn", "n_bins": b["binCount"]})
    out: dict = {
        "interpolation": {"spacing_xyz": [1.0, 1.0, 1.0], "image_method": "cubic", "mask_method": "linear",
                          "mask_threshold": 0.5, "round_intensities": modality == "CT"},
        "discretisation": disc,
        "texture": {"dimensions": ["3D"]},
    }
    if config == "filters":
        from radiome.config.settings import RESPONSE_MAP_FAMILIES

        out["filters"] = ([{"kind": "log", "sigma_mm": s} for s in LOG_SIGMAS]
                          + [{"kind": "wavelet", "wavelet": "coif1", "response": r} for r in WAVELET_SETS])
        out["response_map_families"] = list(RESPONSE_MAP_FAMILIES)
    return out


def mirp_settings(config: str, modality: str) -> dict:
    """MIRP keyword settings equivalent to :func:`pyradiomics_params` (see the module docstring)."""
    b = BINNING[modality]
    disc = ({"base_discretisation_method": "fixed_bin_size", "base_discretisation_bin_width": float(b["binWidth"])}
            if "binWidth" in b else
            {"base_discretisation_method": "fixed_bin_number", "base_discretisation_n_bins": int(b["binCount"])})
    out = {"new_spacing": 1.0, "spline_order": 3, "base_feature_families": "all", **disc,
           "image_modality": {"CT": "ct", "PET": "pet", "MR_T1": "mr"}[modality]}
    if config == "filters":
        # MIRP refuses a fixed bin size on response maps without a re-segmentation range: bin count 32
        rm_disc = {"response_map_discretisation_method": "fixed_bin_number", "response_map_discretisation_n_bins": 32}
        out.update({
            "filter_kernels": ["laplacian_of_gaussian", "separable_wavelet"],
            "laplacian_of_gaussian_sigma": list(LOG_SIGMAS),
            "separable_wavelet_families": "coif1",
            "separable_wavelet_set": [s.lower() for s in WAVELET_SETS],
            "separable_wavelet_rotation_invariance": False,
            "response_map_feature_families": "all",
            **rm_disc,
        })
    return out


# ---------------------------------------------------------------------------------------------
# one tool on one case, in this process (the subprocess side)
# ---------------------------------------------------------------------------------------------


def _numeric(row: dict) -> dict[str, float]:
    out = {}
    for k, v in row.items():
        if str(k).startswith("diagnostics_"):
            continue
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        out[str(k)] = f
    return out


def _tiny_sitk():
    import numpy as np
    import SimpleITK as sitk

    rng = np.random.default_rng(0)
    arr = rng.normal(50, 20, size=(16, 16, 16)).round()
    m = np.zeros(arr.shape, np.uint8)
    m[4:12, 5:11, 4:12] = 1
    img, msk = sitk.GetImageFromArray(arr), sitk.GetImageFromArray(m)
    return img, msk


def _run_tool(tool: str, image: str, mask: str, config: str, modality: str, params_path: str, warm: bool):
    """Extract one case with ``tool``; returns the numeric feature values."""
    if tool == "pyradiomics":
        import logging

        import radiomics
        from radiomics import featureextractor

        radiomics.setVerbosity(logging.ERROR)
        ext = featureextractor.RadiomicsFeatureExtractor(params_path)
        if warm:
            return _numeric(dict(ext.execute(*_tiny_sitk())))
        return _numeric(dict(ext.execute(image, mask)))
    if tool == "radiome-pyradiomics":
        from radiome.compat.pyradiomics.extractor import extract_pyradiomics

        if warm:
            return _numeric(extract_pyradiomics(*_tiny_sitk(), params_path))
        return _numeric(extract_pyradiomics(image, mask, params_path))
    if tool == "radiome-ibsi":
        from radiome.extraction import extract
        from radiome.io.image import Image, Mask

        settings = radiome_settings(config, modality)
        if warm:
            img, msk = _tiny_sitk()
            import SimpleITK as sitk

            a = sitk.GetArrayFromImage(img).astype(float)
            return dict(extract(Image(a), Mask(sitk.GetArrayFromImage(msk) > 0), settings).values)
        return dict(extract(image, mask, settings).values)
    if tool == "mirp":
        import warnings

        import mirp

        warnings.filterwarnings("ignore")
        kwargs = mirp_settings(config, modality)
        if warm:
            img, msk = _tiny_sitk()
            import SimpleITK as sitk

            kwargs = {**kwargs, "image": sitk.GetArrayFromImage(img).astype(float),
                      "mask": sitk.GetArrayFromImage(msk).astype(int)}
        else:
            kwargs = {**kwargs, "image": image, "mask": mask}
        frames = mirp.extract_features(export_features=True, write_features=False, **kwargs)
        row = frames[0].iloc[0].to_dict() if frames else {}
        return _numeric({k: v for k, v in row.items() if not str(k).startswith(("image_", "sample_", "roi_", "mask_"))})
    raise SystemExit(f"unknown tool {tool!r}; use one of {', '.join(TOOLS)}")


def cmd_one(args: argparse.Namespace) -> None:
    """(subprocess) warm up, time one extraction, write a JSON record."""
    record = {"tool": args.tool, "case": args.case, "modality": args.modality, "config": args.config}
    try:
        try:
            _run_tool(args.tool, args.image, args.mask, args.config, args.modality, args.params, warm=True)
        except Exception as err:  # noqa: BLE001 - warm-up is best effort; the timed call reports
            record["warmup_error"] = f"{type(err).__name__}: {err}"
        t0, c0 = time.perf_counter(), time.process_time()
        values = _run_tool(args.tool, args.image, args.mask, args.config, args.modality, args.params, warm=False)
        record["time_s"] = time.perf_counter() - t0
        record["cpu_s"] = time.process_time() - c0  # less sensitive to other jobs on a shared machine
        record["n_features"] = len(values)
        Path(args.values).parent.mkdir(parents=True, exist_ok=True)
        Path(args.values).write_text(json.dumps(values))
    except Exception as err:  # noqa: BLE001 - the benchmark records failures and goes on
        record["error"] = f"{type(err).__name__}: {err}"[:500]
    record["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    Path(args.out).write_text(json.dumps(record))


# ---------------------------------------------------------------------------------------------
# orchestration
# ---------------------------------------------------------------------------------------------


def find_cases(cases: list[str], modalities: list[str]) -> list[tuple[str, str, Path, Path]]:
    base = shared_root() / "data" / "sts" / "nifti"
    if not base.is_dir():
        raise SystemExit(f"no STS data at {base}: set RADIOME_SHARED to the shared folder")
    ids = sorted(p.name for p in base.iterdir() if p.is_dir()) if cases == ["all"] else cases
    out = []
    for cid in ids:
        for mod in modalities:
            img, msk = base / cid / f"{mod}_image.nii.gz", base / cid / f"{mod}_mask.nii.gz"
            if img.exists() and msk.exists():  # missing images are skipped (a real cohort)
                out.append((cid, mod, img, msk))
    return out


def _env() -> dict:
    env = dict(os.environ)
    for v in THREAD_VARS:
        env[v] = "1"
    return env


def _python(tool: str) -> str:
    return sys.executable if tool.startswith("radiome") else PEER_PYTHON


def write_params(config: str, modality: str) -> Path:
    import yaml

    path = RESULTS / "params" / f"{config}_{modality}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(pyradiomics_params(config, modality), sort_keys=False))
    return path


def run_one(tool: str, case: str, modality: str, image: Path, mask: Path, config: str, cores: str,
            timeout: float) -> dict:
    params = write_params(config, modality)
    out = RESULTS / "tmp" / f"{config}_{tool}_{case}_{modality}.json"
    values = RESULTS / "values" / config / tool / f"{case}_{modality}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["taskset", "-c", cores, _python(tool), str(Path(__file__).resolve()), "one", "--tool", tool,
           "--case", case, "--modality", modality, "--config", config, "--image", str(image), "--mask", str(mask),
           "--params", str(params), "--out", str(out), "--values", str(values)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=timeout)
        cold = time.perf_counter() - t0
        if out.exists():
            rec = json.loads(out.read_text())
        else:
            rec = {"tool": tool, "case": case, "modality": modality, "config": config,
                   "error": f"exit {proc.returncode}: {proc.stderr[-400:]}"}
    except subprocess.TimeoutExpired:
        cold = time.perf_counter() - t0
        rec = {"tool": tool, "case": case, "modality": modality, "config": config, "error": f"timeout {timeout:g} s"}
    rec["cold_s"] = cold
    out.unlink(missing_ok=True)
    return rec


def _key(r: dict) -> tuple:
    return r["tool"], r["case"], r["modality"]


def load_records(config: str) -> list[dict]:
    path = RESULTS / f"bench_peers_{config}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def cmd_run(args: argparse.Namespace) -> None:
    cases = find_cases(args.cases, args.modalities)
    for config in args.config:
        path = RESULTS / f"bench_peers_{config}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        done = set() if args.force else {_key(r) for r in load_records(config) if "error" not in r}
        for cid, mod, img, msk in cases:
            for tool in args.tools:
                if (tool, cid, mod) in done:
                    continue
                rec = run_one(tool, cid, mod, img, msk, config, args.core, args.timeout)
                with path.open("a") as fh:
                    fh.write(json.dumps(rec) + "\n")
                status = rec.get("error") or f"{rec['time_s']:.2f} s, {rec['peak_rss_mb']:.0f} MB"
                print(f"[{config}] {cid} {mod:5s} {tool:20s} {status}", flush=True)
        print(render_table(config))


# ---------------------------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------------------------


def compare_values(config: str, case: str, modality: str) -> tuple[int, int, list[str]] | None:
    """(compared, mismatched, examples) between radiome's PyRadiomics mode and PyRadiomics."""
    a = RESULTS / "values" / config / "radiome-pyradiomics" / f"{case}_{modality}.json"
    b = RESULTS / "values" / config / "pyradiomics" / f"{case}_{modality}.json"
    if not (a.exists() and b.exists()):
        return None
    ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
    bad = []
    for k in sorted(set(ra) | set(rb)):
        if k not in ra or k not in rb:
            bad.append(f"{k}: {'missing in radiome' if k not in ra else 'missing in PyRadiomics'}")
            continue
        x, y = ra[k], rb[k]
        if (math.isnan(x) and math.isnan(y)) or x == y:
            continue
        if abs(x - y) <= REL_TOL * max(abs(x), abs(y)):
            continue
        bad.append(f"{k}: radiome {x!r} PyRadiomics {y!r}")
    return len(set(ra) | set(rb)), len(bad), bad


def render_table(config: str) -> str:
    recs = {}
    for r in load_records(config):
        recs[_key(r)] = r  # the last record of a case wins
    cases = sorted({(c, m) for _, c, m in recs})
    tools = [t for t in TOOLS if any(k[0] == t for k in recs)]
    head = ["case", "modality"] + [f"{t} s (MB)" for t in tools] + ["speed-up vs PyRadiomics", "values == PyRadiomics"]
    lines = [f"## configuration: {config} (one core; time of the extraction call, peak RSS of the process)", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    speedups, mem_ratio, totals, colds, mismatched = [], [], {t: 0.0 for t in tools}, {t: 0.0 for t in tools}, []
    cpu_speedups = []
    for c, m in cases:
        row = [c, m]
        for t in tools:
            r = recs.get((t, c, m))
            if r is None:
                row.append("-")
            elif "error" in r:
                row.append("error")
            else:
                row.append(f"{r['time_s']:.2f} ({r['peak_rss_mb']:.0f})")
                totals[t] += r["time_s"]
                colds[t] += r["cold_s"]
        a, b = recs.get(("radiome-pyradiomics", c, m)), recs.get(("pyradiomics", c, m))
        if a and b and "error" not in a and "error" not in b:
            speedups.append(b["time_s"] / a["time_s"])
            mem_ratio.append(a["peak_rss_mb"] / b["peak_rss_mb"])
            if a.get("cpu_s") and b.get("cpu_s"):
                cpu_speedups.append(b["cpu_s"] / a["cpu_s"])
            row.append(f"{speedups[-1]:.2f}x")
        else:
            row.append("-")
        cmp = compare_values(config, c, m)
        if cmp is None:
            row.append("-")
        else:
            n, nbad, bad = cmp
            row.append("all" if nbad == 0 else f"{nbad} of {n} differ")
            mismatched.extend(f"{c} {m} {b_}" for b_ in bad)
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append("| cohort | " + " | ".join(f"{t}: {totals[t]:.1f} s (cold {colds[t]:.1f} s)" for t in tools) + " |")
    if speedups:
        lines.append("")
        lines.append(f"median speed-up of radiome (PyRadiomics mode) over PyRadiomics per case: "
                     f"{statistics.median(speedups):.2f}x (min {min(speedups):.2f}x, max {max(speedups):.2f}x, "
                     f"{len(speedups)} cases); peak memory radiome / PyRadiomics: median "
                     f"{statistics.median(mem_ratio):.2f}, max {max(mem_ratio):.2f}")
    if cpu_speedups:
        lines.append("")
        lines.append(f"by CPU time of the extraction call (less sensitive to other jobs): median "
                     f"{statistics.median(cpu_speedups):.2f}x (min {min(cpu_speedups):.2f}x, max "
                     f"{max(cpu_speedups):.2f}x, {len(cpu_speedups)} cases)")
    errors = [f"{t} {c} {m}: {r['error']}" for (t, c, m), r in sorted(recs.items()) if "error" in r]
    if errors:
        lines += ["", "errors:"] + [f"- {e}" for e in errors]
    if mismatched:
        lines += ["", f"values that differ from PyRadiomics by more than {REL_TOL:g} relative "
                  f"({len(mismatched)}; first 40):"] + [f"- {x}" for x in mismatched[:40]]
    text = "\n".join(lines) + "\n"
    (RESULTS / f"bench_peers_{config}.md").write_text(text)
    return text


def cmd_floor(args: argparse.Namespace) -> None:
    """What resampling costs: SimpleITK's B-spline call (PyRadiomics' own) against radiome's.

    PyRadiomics resamples with SimpleITK's ``ResampleImageFilter`` (``sitkBSpline`` for the
    image, nearest neighbour for the mask); its time on one core bounds the speed-up of any
    tool that makes the same call (PyRadiomics' time / resampling time). radiome's
    PyRadiomics mode gives the same voxels with its separable resampler
    (``radiome.compat.pyradiomics.resample``), timed here on the same grid.
    """
    import SimpleITK as sitk

    from radiome.compat.pyradiomics import preprocess
    from radiome.compat.pyradiomics.params import load_params

    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
    recs = {(r["case"], r["modality"]): r for r in load_records("original")
            if r["tool"] == "pyradiomics" and "error" not in r}
    lines = ["## resampling on PyRadiomics' 1 mm grid, one core: SimpleITK (as PyRadiomics) and radiome", "",
             "| case | modality | SimpleITK s | radiome s | PyRadiomics s | bound with SimpleITK |",
             "|---|---|---|---|---|---|"]
    bounds, gains = [], []
    for cid, mod, img, msk in find_cases(args.cases, args.modalities):
        if (cid, mod) not in recs:
            continue
        p = load_params(pyradiomics_params("original", mod))
        image = sitk.ReadImage(str(img))
        mask = preprocess.get_mask(sitk.ReadImage(str(msk)), p.setting)
        ref, _ = preprocess.resample(image, mask, p.setting)
        rif = sitk.ResampleImageFilter()
        rif.SetReferenceImage(ref)

        def run_sitk() -> None:
            rif.SetOutputPixelType(image.GetPixelID())
            rif.SetInterpolator(sitk.sitkBSpline)
            rif.Execute(image)
            rif.SetOutputPixelType(mask.GetPixelID())
            rif.SetInterpolator(sitk.sitkNearestNeighbor)
            rif.Execute(mask)

        t_sitk = min(_timed(run_sitk) for _ in range(2))
        t_rad = min(_timed(lambda: preprocess.resample(image, mask, p.setting)) for _ in range(2))
        t_pyr = recs[(cid, mod)]["time_s"]
        bounds.append(t_pyr / t_sitk)
        gains.append(t_sitk / t_rad)
        lines.append(f"| {cid} | {mod} | {t_sitk:.3f} | {t_rad:.3f} | {t_pyr:.2f} | {bounds[-1]:.1f}x |")
    if bounds:
        lines += ["", f"median bound on the speed-up while resampling with SimpleITK: {statistics.median(bounds):.1f}x; "
                      f"radiome's resampler is {statistics.median(gains):.1f}x faster than SimpleITK's call "
                      f"(median, {len(bounds)} cases)"]
    text = "\n".join(lines) + "\n"
    (RESULTS / "bench_peers_floor.md").write_text(text)
    print(text)


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def cmd_table(args: argparse.Namespace) -> None:
    for config in args.config:
        print(render_table(config))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    one = sub.add_parser("one", help="(internal) one tool on one case, in this process")
    for name in ("tool", "case", "modality", "config", "image", "mask", "params", "out", "values"):
        one.add_argument(f"--{name}", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", nargs="+", default=["original", "filters"], choices=["original", "filters"])
        p.add_argument("--cases", nargs="+", default=["all"])
        p.add_argument("--modalities", nargs="+", default=list(MODALITIES), choices=list(MODALITIES))
        p.add_argument("--timeout", type=float, default=3600.0, help="seconds per case and tool")

    run = sub.add_parser("run", help="every case with every tool, one core")
    common(run)
    run.add_argument("--tools", nargs="+", default=list(TOOLS), choices=list(TOOLS))
    run.add_argument("--core", default="0", help="taskset core list (default 0)")
    run.add_argument("--force", action="store_true", help="recompute cases already in the results")

    table = sub.add_parser("table", help="print the tables of the results so far")
    table.add_argument("--config", nargs="+", default=["original", "filters"], choices=["original", "filters"])

    floor = sub.add_parser("floor", help="resampling time: SimpleITK (as PyRadiomics) and radiome (needs run --config original)")
    floor.add_argument("--cases", nargs="+", default=["all"])
    floor.add_argument("--modalities", nargs="+", default=list(MODALITIES), choices=list(MODALITIES))

    args = ap.parse_args(argv)
    {"one": cmd_one, "run": cmd_run, "table": cmd_table, "floor": cmd_floor}[args.cmd](args)


if __name__ == "__main__":
    main()
