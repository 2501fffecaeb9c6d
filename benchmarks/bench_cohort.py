"""Cohort-scale speed and memory: crop-first on a large CT, and scaling over processes.

Run on demand, never in CI. Subcommands (each prints a table and writes it under
``benchmarks/results/``)::

    python benchmarks/bench_cohort.py crop-first [--shape 300 512 512] [--spacing 3 0.8 0.8]
                                                 [--filters none log log+wavelet]
    python benchmarks/bench_cohort.py scaling [--config original] [--jobs 1 2]
                                              [--tool radiome-pyradiomics] [--cases all]

``crop-first`` builds a synthetic CT of ``--shape`` voxels (a 512 x 512 x 300 scan by
default) with a 5 cm lesion and extracts its IBSI features at 1 mm in a fresh process per
run, pinned to one core: the radiome pipeline with ``prepare(..., crop_first=True)`` (the
default: interpolate and filter only the ROI's box plus margins) against
``crop_first=False`` (interpolate and filter the whole image), for original features and for
LoG (sigma 1, 3, 5 mm) and coif1 wavelet filters. It reports the time and peak memory of each
and checks that both give the same features (to 1e-12 relative).

``scaling`` extracts the shared STS cohort (every patient and modality whose image exists)
with 1..N processes and reports the wall time: with ``radiome cohort extract --jobs N`` when the
CLI has it, else with a pool of N concurrent per-case processes (each one the per-case worker
of ``bench_peers.py``, pinned to the first N cores).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_peers as bp  # noqa: E402

RESULTS = bp.RESULTS


# ---------------------------------------------------------------------------------------------
# crop first on a large CT
# ---------------------------------------------------------------------------------------------

FILTER_SETS = {
    "none": [],
    "log": [{"kind": "log", "sigma_mm": s} for s in bp.LOG_SIGMAS],
    "log+wavelet": ([{"kind": "log", "sigma_mm": s} for s in bp.LOG_SIGMAS]
                    + [{"kind": "wavelet", "wavelet": "coif1", "response": r} for r in bp.WAVELET_SETS]),
}


def synthetic_ct(shape: tuple[int, int, int], spacing: tuple[float, float, float], seed: int = 0):
    """A CT-like volume (air, body, a 5 cm lesion) and the lesion mask, HU integers."""
    import numpy as np

    from radiome.io.image import Image, Mask

    rng = np.random.default_rng(seed)
    z, y, x = (np.arange(n, dtype=np.float32) * s for n, s in zip(shape, spacing))
    cz, cy, cx = (n * s / 2 for n, s in zip(shape, spacing))
    body = ((y[:, None] - cy) ** 2 / (0.4 * shape[1] * spacing[1]) ** 2
            + (x[None, :] - cx) ** 2 / (0.45 * shape[2] * spacing[2]) ** 2) <= 1.0
    arr = rng.standard_normal(size=shape, dtype=np.float32)
    arr *= 20.0
    arr += np.where(body, np.float32(40.0), np.float32(-1000.0))[None]
    lesion = np.zeros(shape, bool)
    centre = (cz, cy * 1.1, cx * 0.9)
    box = tuple(slice(max(0, int((c - 26) / s)), min(n, int((c + 26) / s) + 1))
                for c, s, n in zip(centre, spacing, shape))
    zz, yy, xx = np.meshgrid(z[box[0]], y[box[1]], x[box[2]], indexing="ij")
    inside = (zz - centre[0]) ** 2 + (yy - centre[1]) ** 2 + (xx - centre[2]) ** 2 <= 25.0**2
    lesion[box] = inside
    arr[box] += np.where(inside, 60 + 30 * np.sin(xx / 3.0), 0).astype(np.float32)
    image = Image(np.round(arr).astype(np.float64), spacing=spacing, modality="CT")
    return image, Mask(lesion, spacing=spacing)


def _crop_first_worker(args: argparse.Namespace) -> None:
    """(subprocess) one extraction; writes time, peak RSS and values."""
    from radiome.config.settings import settings_from_dict
    from radiome.features.registry import family
    from radiome.filters.variants import apply_filter, response_map_roi, response_map_settings
    from radiome.preprocess.pipeline import prepare

    image, mask = synthetic_ct(tuple(args.shape), tuple(args.spacing))
    rss_input = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cfg = settings_from_dict({
        "interpolation": {"spacing_xyz": [1, 1, 1], "image_method": "cubic", "round_intensities": True},
        "resegmentation": {"range": [-1000, 400]},
        "discretisation": {"method": "fbs", "bin_width": 25, "n_bins": None},
        "families": [f for f in ("intensity_statistics", "intensity_histogram", "glcm", "glrlm", "local_intensity")],
        "filters": FILTER_SETS[args.filters],
    })
    t0 = time.perf_counter()
    case = prepare(image, mask, cfg, crop_first=args.mode == "crop-first")
    values = {}
    for name in cfg.families:
        values.update({f"original/{k}": v for k, v in family(name).compute(case.roi, cfg).items()})
    rm = response_map_settings(cfg)
    for flt in cfg.filters:
        roi = response_map_roi(case, apply_filter(case.working_image, flt), cfg)
        for name in cfg.response_map_families:
            values.update({f"{flt.name}/{k}": v for k, v in family(name).compute(roi, rm).items()})
    elapsed = time.perf_counter() - t0
    Path(args.out).write_text(json.dumps({
        "time_s": elapsed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "input_rss_mb": rss_input, "working_shape": list(case.working_image.shape), "grid_shape": list(case.grid.shape),
        "values": values,
    }))


def cmd_crop_first(args: argparse.Namespace) -> None:
    rows = []
    for filters in args.filters:
        recs = {}
        for mode in ("crop-first", "whole-image"):
            out = RESULTS / "tmp" / f"crop_{filters}_{mode}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            cmd = ["taskset", "-c", args.core, sys.executable, str(Path(__file__).resolve()), "_crop-worker",
                   "--mode", mode, "--filters", filters, "--out", str(out),
                   "--shape", *map(str, args.shape), "--spacing", *map(str, args.spacing)]
            proc = subprocess.run(cmd, env=bp._env(), capture_output=True, text=True)
            if proc.returncode != 0 or not out.exists():
                raise SystemExit(f"{mode} {filters} failed: {proc.stderr[-2000:]}")
            recs[mode] = json.loads(out.read_text())
            out.unlink()
        a, b = recs["crop-first"], recs["whole-image"]
        worst = 0.0
        for k, x in b["values"].items():
            y = a["values"][k]
            if not (x == y or (math.isnan(x) and math.isnan(y))):
                worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1e-300))
        rows.append((filters, a, b, worst, len(b["values"])))
    lines = [f"## crop first: synthetic CT {tuple(args.shape)} voxels of {tuple(args.spacing)} mm (z, y, x), "
             "IBSI pipeline at 1 mm, one core", "",
             "| filters | crop-first s (MB) | whole image s (MB) | speed-up | working box / grid (voxels) | "
             "features | largest relative difference |", "|---|---|---|---|---|---|---|"]
    for filters, a, b, worst, n in rows:
        lines.append(f"| {filters} | {a['time_s']:.2f} ({a['peak_rss_mb']:.0f}) | {b['time_s']:.2f} ({b['peak_rss_mb']:.0f}) | "
                     f"{b['time_s'] / a['time_s']:.1f}x | {'x'.join(map(str, a['working_shape']))} / "
                     f"{'x'.join(map(str, a['grid_shape']))} | {n} | {worst:.1e} |")
    lines.append("")
    lines.append(f"(memory of the synthetic input alone: {rows[0][1]['input_rss_mb']:.0f} MB)")
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_crop_first.md").write_text(text)
    print(text)


# ---------------------------------------------------------------------------------------------
# scaling over processes
# ---------------------------------------------------------------------------------------------


def _cli_has_cohort() -> bool:
    try:
        proc = subprocess.run([sys.executable, "-m", "radiome.cli.main", "cohort", "extract", "--help"],
                              capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and "--jobs" in proc.stdout


def _scaling_cli(cases, n: int, cores: str, args: argparse.Namespace) -> tuple[float, int]:
    """Wall time of ``radiome cohort extract --jobs n`` over ``cases`` (one run per modality, each
    with its modality's binning, as in ``bench_peers.py``); returns (seconds, failed runs)."""
    import csv
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="radiome-scaling-"))
    wall, failed = 0.0, 0
    try:
        for mod in sorted({m for _, m, _, _ in cases}):
            manifest = tmp / f"manifest_{mod}.csv"
            with manifest.open("w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["case_id", "modality", "image", "roi", "mask"])
                for cid, m, img, msk in cases:
                    if m == mod:
                        w.writerow([cid, m, str(img), "GTV", str(msk)])
            if args.tool == "radiome-pyradiomics":
                config = ["--pyradiomics-params", str(bp.write_params(args.config, mod))]
            else:
                import yaml

                path = tmp / f"settings_{mod}.yaml"
                path.write_text(yaml.safe_dump(bp.radiome_settings(args.config, mod)))
                config = ["--config", str(path)]
            cmd = ["taskset", "-c", cores, sys.executable, "-m", "radiome.cli.main", "cohort", "extract",
                   str(manifest), *config, "-o", str(tmp / f"study_{mod}"), "--jobs", str(n)]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, env=bp._env(), capture_output=True, text=True)
            wall += time.perf_counter() - t0
            if proc.returncode != 0:
                failed += 1
                print(f"cohort run {mod} with {n} jobs exited {proc.returncode}: {proc.stdout[-800:]} {proc.stderr[-800:]}")
        return wall, failed
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cmd_scaling(args: argparse.Namespace) -> None:
    from concurrent.futures import ThreadPoolExecutor

    cases = bp.find_cases(args.cases, args.modalities)
    use_cli = _cli_has_cohort() and not args.pool
    how = ("radiome cohort extract --jobs N, one run per modality" if use_cli
           else "pool of N concurrent per-case processes")
    rows = []
    for n in args.jobs:
        cores = f"0-{n - 1}" if n > 1 else "0"
        t0 = time.perf_counter()
        failed = 0
        if use_cli:
            wall, failed = _scaling_cli(cases, n, cores, args)
        else:
            with ThreadPoolExecutor(max_workers=n) as pool:
                recs = list(pool.map(
                    lambda c: bp.run_one(args.tool, c[0], c[1], c[2], c[3], args.config, cores, args.timeout), cases))
            wall = time.perf_counter() - t0
            failed = sum("error" in r for r in recs)
        rows.append((n, wall, failed))
        print(f"jobs {n}: {wall:.1f} s", flush=True)
    base = rows[0][1]
    lines = [f"## scaling: {args.tool}, configuration {args.config}, {len(cases)} cases ({how}); "
             f"{os.cpu_count()} cores on this machine", "",
             "| processes | cohort wall time (s) | speed-up | failed runs or cases |", "|---|---|---|---|"]
    lines += [f"| {n} | {w:.1f} | {base / w:.2f}x | {f} |" for n, w, f in rows]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"bench_scaling_{args.tool}_{args.config}.md").write_text(text)
    print(text)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    crop = sub.add_parser("crop-first", help="crop-first against whole-image processing on a large CT")
    crop.add_argument("--shape", nargs=3, type=int, default=[300, 512, 512], help="z y x voxels")
    crop.add_argument("--spacing", nargs=3, type=float, default=[3.0, 0.8, 0.8], help="z y x mm")
    crop.add_argument("--filters", nargs="+", default=["none", "log", "log+wavelet"], choices=list(FILTER_SETS))
    crop.add_argument("--core", default="0")

    worker = sub.add_parser("_crop-worker", help="(internal)")
    worker.add_argument("--mode", choices=["crop-first", "whole-image"], required=True)
    worker.add_argument("--filters", choices=list(FILTER_SETS), required=True)
    worker.add_argument("--out", required=True)
    worker.add_argument("--shape", nargs=3, type=int, required=True)
    worker.add_argument("--spacing", nargs=3, type=float, required=True)

    scaling = sub.add_parser("scaling", help="whole-cohort wall time on 1..N processes")
    scaling.add_argument("--config", default="original", choices=["original", "filters"])
    scaling.add_argument("--cases", nargs="+", default=["all"])
    scaling.add_argument("--modalities", nargs="+", default=list(bp.MODALITIES), choices=list(bp.MODALITIES))
    scaling.add_argument("--jobs", nargs="+", type=int, default=[1, 2])
    scaling.add_argument("--tool", default="radiome-pyradiomics", choices=list(bp.TOOLS))
    scaling.add_argument("--timeout", type=float, default=3600.0)
    scaling.add_argument("--pool", action="store_true", help="use the process pool even if the cohort CLI exists")

    args = ap.parse_args(argv)
    {"crop-first": cmd_crop_first, "_crop-worker": _crop_first_worker, "scaling": cmd_scaling}[args.cmd](args)


if __name__ == "__main__":
    main()
