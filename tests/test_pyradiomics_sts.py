"""PyRadiomics parity on real patients: radiome's PyRadiomics mode against PyRadiomics itself.

The goldens in ``tests/reference/pyradiomics_sts`` were written by PyRadiomics
(``pyradiomics-bhklab``) with ``benchmarks/peers/make_pyradiomics_goldens.py`` from the STS
cohort (CT, T1 MR, FDG-PET; resampled to 1 mm, Original + LoG sigma 1, 3, 5 mm + the 8
coif1 wavelet decompositions, every feature class; CT binWidth 25 HU, PET binWidth 0.5 SUV,
MR binCount 32), plus, on one patient, the other PyRadiomics image types (square, square root,
logarithm, exponential, gradient, LBP 2D, LBP 3D). Versions, command and settings are in
``goldens.json`` and in each CSV's ``#`` header.

Every feature must match to a relative difference of 1e-6 (absolute 1e-9 near zero); the
diagnostics that describe the image and mask (sizes, spacings, bounding boxes, voxel counts,
intensity statistics, hashes) must match too. Skips cleanly without the shared data.
"""

from __future__ import annotations

import ast
import csv
import json
import math
import re
import warnings
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from conftest import shared_data

GOLDEN_DIR = Path(__file__).parent / "reference" / "pyradiomics_sts"
META = json.loads((GOLDEN_DIR / "goldens.json").read_text())
REL, ABS = 1e-6, 1e-9
RUNS = {**META["cases"], **META.get("imagetype_cases", {})}


def _golden(run: str) -> dict[str, str]:
    with (GOLDEN_DIR / RUNS[run]["file"]).open(newline="") as fh:
        rows = csv.reader(line for line in fh if not line.startswith("#"))
        assert next(rows) == ["feature", "value"]
        return {key: value for key, value in rows}


def _params(run: str) -> dict:
    entry = RUNS[run]
    if "params_dict" in entry:  # the image-type runs store their parameter dict
        params = entry["params_dict"]
    else:
        params = yaml.safe_load((GOLDEN_DIR / "params.yaml").read_text())
    overrides = META["modality_overrides"][entry["modality"]]
    return {**params, "setting": {**params["setting"], **overrides}}


@lru_cache(maxsize=None)
def _extract(run: str) -> dict:
    from radiome.compat.pyradiomics import extract_pyradiomics

    entry = RUNS[run]
    # shared_data skips where the data is absent, and fails instead in CI (RADIOME_REQUIRE_SHARED)
    image = shared_data("sts", "nifti", entry["case"], f"{entry['modality']}_image.nii.gz")
    mask = shared_data("sts", "nifti", entry["case"], f"{entry['modality']}_mask.nii.gz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyRadiomics' own warnings (LBP2D in 3D)
        return extract_pyradiomics(str(image), str(mask), _params(run))


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(REL * abs(b), ABS)


def _numbers(text: str) -> object:
    """A diagnostics value as Python data; ``np.float64(x)`` (numpy 2 reprs) read as ``x``."""
    cleaned = re.sub(r"np\.\w+\(([^()]*)\)", r"\1", text)
    try:
        return ast.literal_eval(cleaned)
    except (ValueError, SyntaxError):
        return text


def _same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return _close(float(a), float(b))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _mismatch_report(bad: list[tuple[str, float, float]], total: Counter) -> str:
    per = Counter("_".join(k.split("_")[:2]) for k, _, _ in bad)
    lines = [f"{len(bad)} of {sum(total.values())} features differ beyond rel {REL:g} / abs {ABS:g}:"]
    lines += [f"  {group}: {n}/{total[group]}" for group, n in sorted(per.items())]
    lines += [f"  {k}: radiome {a!r} vs PyRadiomics {b!r}" for k, a, b in bad[:25]]
    return "\n".join(lines)


@pytest.mark.shared
@pytest.mark.parametrize("run", sorted(RUNS))
def test_features_match_pyradiomics(run: str) -> None:
    golden = _golden(run)
    got = _extract(run)
    features = {k: v for k, v in golden.items() if not k.startswith("diagnostics_")}
    missing = sorted(k for k in features if k not in got)
    assert not missing, f"{len(missing)} PyRadiomics features missing, e.g. {missing[:10]}"
    extra = sorted(k for k in got if not k.startswith("diagnostics_") and k not in features)
    assert not extra, f"radiome writes features PyRadiomics does not: {extra[:10]}"
    total = Counter("_".join(k.split("_")[:2]) for k in features)
    bad = [(k, float(got[k]), float(v)) for k, v in features.items() if not _close(float(got[k]), float(v))]
    assert not bad, _mismatch_report(bad, total)


@pytest.mark.shared
@pytest.mark.parametrize("run", sorted(META["cases"]))
def test_diagnostics_match_pyradiomics(run: str) -> None:
    golden = _golden(run)
    got = _extract(run)
    wanted = {k: v for k, v in golden.items() if k.startswith("diagnostics_") and "_Versions_" not in k}
    missing = sorted(k for k in wanted if k not in got)
    assert not missing, f"diagnostics missing: {missing}"
    bad = [
        f"{k}: radiome {got[k]!r} vs PyRadiomics {v!r}"
        for k, v in wanted.items()
        if not _same(_numbers(str(got[k])), _numbers(v))
    ]
    assert not bad, "\n".join(bad)


def test_goldens_record_their_provenance() -> None:
    assert META["versions"]["pyradiomics"].lstrip("v").startswith("3.")
    assert META["command"].startswith("python benchmarks/peers/make_pyradiomics_goldens.py")
    modalities = {entry["modality"] for entry in META["cases"].values()}
    assert modalities == {"CT", "MR_T1", "PET"}
    for run, entry in RUNS.items():
        head = (GOLDEN_DIR / entry["file"]).read_text().splitlines()[:3]
        assert head[0].startswith("# PyRadiomics ") and head[1].startswith("# command: "), run
        second = entry.get("second_run_differs")
        assert not second, f"PyRadiomics gave different values on a second run of {run}: {second}"
    size = sum(p.stat().st_size for p in GOLDEN_DIR.iterdir())
    assert size < 2_000_000, f"goldens take {size} bytes; keep them under 2 MB"


# --- image-type contracts (synthetic, no shared data; the values are checked above) ---------


def _synthetic(shape=(9, 10, 11), dtype="float32"):
    import numpy as np

    from radiome.io.image import Image, Mask

    rng = np.random.default_rng(0)
    arr = rng.normal(0, 100, shape).astype(dtype).astype(float)
    img = Image(arr, spacing=(2.0, 1.0, 1.0), metadata={"source_dtype": dtype})
    m = np.zeros(shape, bool)
    m[2:-2, 2:-2, 2:-2] = True
    return img, Mask(m, spacing=(2.0, 1.0, 1.0))


def test_image_type_names_follow_pyradiomics() -> None:
    from radiome.compat.pyradiomics.imagetypes import image_types

    img, mask = _synthetic()
    names = lambda t, custom, s=None: [n for n, _ in image_types(img, mask, t, custom, s or {})]  # noqa: E731
    assert names("LoG", {"sigma": [1, 2.5]}) == ["log-sigma-1-mm-3D", "log-sigma-2-5-mm-3D"]
    assert names("Wavelet", {}) == [f"wavelet-{c}" for c in ("LLH", "LHL", "LHH", "HLL", "HLH", "HHL", "HHH", "LLL")]
    assert names("Wavelet", {"level": 2})[7:] == ["wavelet2-LLH", "wavelet2-LHL", "wavelet2-LHH", "wavelet2-HLL",
                                                  "wavelet2-HLH", "wavelet2-HHL", "wavelet2-HHH", "wavelet2-LLL"]
    assert names("Wavelet", {"force2D": True}) == ["wavelet-LH", "wavelet-HL", "wavelet-HH", "wavelet-LL"]
    assert names("LBP3D", {}, {"lbp3DLevels": 3}) == ["lbp-3D-m1", "lbp-3D-m2", "lbp-3D-m3", "lbp-3D-k"]
    with pytest.warns(UserWarning, match="slice by slice"):
        assert names("LBP2D", {}) == ["lbp-2D"]
    for t, n in (("Square", "square"), ("SquareRoot", "squareroot"), ("Logarithm", "logarithm"),
                 ("Exponential", "exponential"), ("Gradient", "gradient"), ("Original", "original")):
        assert names(t, {}) == [n]


def test_image_types_keep_the_grid_and_record_pixel_type() -> None:
    from radiome.compat.pyradiomics.imagetypes import image_types

    img, mask = _synthetic()
    for t in ("LoG", "Wavelet", "Square", "Gradient", "LBP2D", "LBP3D"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            out = list(image_types(img, mask, t, {"sigma": [2.0]}, {}))
        for name, response in out:
            assert response.shape == img.shape and response.spacing == img.spacing, name
            assert response.history[-1].name == f"pyradiomics.{name}"
            expected = "float32" if t in ("LoG", "Wavelet", "Gradient", "LBP2D") else "float64"
            assert response.metadata["source_dtype"] == expected, name
    assert img.metadata["source_dtype"] == "float32"  # input untouched


def test_image_type_edge_cases() -> None:
    import numpy as np

    from radiome.compat.pyradiomics.imagetypes import icosphere_vertices, image_types, pixel_dtype
    from radiome.errors import ConfigError, IntensityError
    from radiome.io.image import Image

    small, mask = _synthetic(shape=(3, 10, 11))
    with pytest.warns(UserWarning, match="at least 4 voxels"):
        assert list(image_types(small, mask, "LoG", {"sigma": [1.0]}, {})) == []
    img, mask = _synthetic()
    with pytest.warns(UserWarning, match="sigma 20.0 mm skipped"):
        assert [n for n, _ in image_types(img, mask, "LoG", {"sigma": [20.0, 1.0]}, {})] == ["log-sigma-1-0-mm-3D"]
    zero = Image(np.zeros((5, 5, 5)))
    with pytest.raises(IntensityError, match="all-zero"):
        list(image_types(zero, mask, "Square", {}, {}))
    with pytest.raises(ConfigError, match="Did you mean 'Wavelet'"):
        list(image_types(img, mask, "wavelet", {}, {}))
    with pytest.raises(ConfigError, match="wavelet 'coif99'"):
        list(image_types(img, mask, "Wavelet", {"wavelet": "coif99"}, {}))
    assert [len(icosphere_vertices(k, 2.0)) for k in range(3)] == [12, 42, 162]
    assert np.allclose(np.linalg.norm(icosphere_vertices(2, 2.0), axis=1), 2.0)
    rescaled = Image(np.full((4, 4, 4), 0.5), metadata={"source_dtype": "int16"})
    assert pixel_dtype(rescaled) == np.float64  # never truncates values to a stale file type
