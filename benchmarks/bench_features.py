"""Time every IBSI-1 feature family on a synthetic 3D ROI of ~300,000 voxels on one core.

    python benchmarks/bench_features.py [--voxels 300000] [--repeats 5] [--levels 32]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402


def make_case(n_voxels: int, seed: int = 0):
    from radiome.io.synthetic import sphere_phantom

    spacing = (1.0, 1.0, 1.0)
    radius = (3 * n_voxels / (4 * np.pi)) ** (1 / 3)
    side = int(2 * radius * 1.35) + 24
    img, msk = sphere_phantom(seed=seed, shape=(side, side, side), spacing=spacing, radius_mm=radius)
    return img, msk


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--voxels", type=int, default=300_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--levels", type=int, default=32)
    args = ap.parse_args()

    from radiome.config import ExtractionSettings
    from radiome.features.registry import families
    from radiome.preprocess.pipeline import prepare

    img, msk = make_case(args.voxels)
    settings = ExtractionSettings.model_validate(
        {"discretisation": {"method": "fbn", "n_bins": args.levels}, "texture": {"dimensions": ["3D"]}}
    )
    t0 = time.perf_counter()
    case = prepare(img, msk, settings)
    t_prep = time.perf_counter() - t0
    n = int(case.roi.intensity_mask.sum())
    rows = []
    for fam in families():
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fam.compute(case.roi, settings)
            times.append(time.perf_counter() - t0)
        rows.append((fam.name, statistics.median(times)))
    total = sum(t for _, t in rows)
    lines = [
        f"ROI voxels: {n}, grey levels: {args.levels}, texture: 3D avg+merged, one core, median of {args.repeats}",
        f"{'family':<30}{'seconds':>10}",
    ]
    lines += [f"{name:<30}{t:>10.3f}" for name, t in rows]
    lines += [f"{'all families':<30}{total:>10.3f}", f"{'(preprocessing, once)':<30}{t_prep:>10.3f}"]
    text = "\n".join(lines)
    print(text)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_features.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
