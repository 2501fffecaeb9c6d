"""Parity of radiome's PyRadiomics mode with PyRadiomics' own regression baseline.

For every baseline CSV (one per feature class) and every ``brain1*``, ``brain2*`` and
``breast1*`` column, the column's settings and image types are read from its diagnostics
rows, the case is extracted with :func:`extract_pyradiomics`, and every feature row must
match within a relative difference of 1e-6 (absolute 1e-9 near zero). The meaningful
diagnostics rows (image and mask hashes, sizes, spacings, bounding boxes, voxel counts,
centres of mass, interpolated/corrected statistics) must match too. Tests are parametrised
per (family, column); a family whose module is missing fails, it is not skipped.

The ``*_shape2D`` columns use PyRadiomics' single-slice test labels (``<case>_label_2D``),
which PyRadiomics downloads and the shared data lacks: each is rebuilt as the slice of the
3D label with the most ROI voxels and checked against the mask hash the baseline records.

Extractions are cached per distinct (case, settings) so the whole file runs in seconds.
"""

from __future__ import annotations

import ast
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import shared_data, shared_path

CASES = ("brain1", "brain2", "breast1")
FAMILIES = ("firstorder", "shape", "shape2D", "glcm", "glrlm", "glszm", "gldm", "ngtdm")
REL, ABS = 1e-6, 1e-9

# The brain1 column of baseline_shape.csv was written by a PyRadiomics development version
# (2.0.1b1.post11, full-python mode) whose mesh differs from every released PyRadiomics:
# PyRadiomics 3.1.4 (pyradiomics-bhklab, C extensions) itself reproduces these four baseline
# values only to 1e-4..9e-4 while matching the other 126 columns x features to 1e-6; its own
# test suite compares at 3%. These are PyRadiomics 3.1.4's values for that column, which
# radiome must reproduce instead.
PYRADIOMICS_3_1_4_BRAIN1_SHAPE = {
    "original_shape_MeshVolume": 16147.51180013021,
    "original_shape_SurfaceArea": 6438.821603779402,
    "original_shape_SurfaceVolumeRatio": 0.3987500788652454,
    "original_shape_Sphericity": 0.4798234536231475,
}
BASELINE_INCONSISTENT = {("shape", "brain1"): set(PYRADIOMICS_3_1_4_BRAIN1_SHAPE)}


def _close(value: float, ref: float) -> bool:
    if math.isnan(ref):
        return math.isnan(value)
    return abs(value - ref) <= ABS or abs(value - ref) <= REL * abs(ref)


def _baseline_dir() -> Path:
    return shared_path() / "data" / "pyradiomics_reference" / "baseline"


@lru_cache(maxsize=None)
def _table(family: str):
    import pandas as pd

    return pd.read_csv(_baseline_dir() / f"baseline_{family}.csv", index_col=0)


def _columns() -> list[tuple[str, str]]:
    """(family, column) pairs to test; empty when the shared data is absent."""
    if not _baseline_dir().is_dir():
        return []
    out = []
    for family in FAMILIES:
        if not (_baseline_dir() / f"baseline_{family}.csv").exists():
            continue
        for column in _table(family).columns:
            if column.split("_")[0] in CASES:
                out.append((family, column))
    return out


PAIRS = _columns() or [pytest.param("none", "none", id="shared-data-absent")]


def _config(family: str, column: str) -> tuple[str, str, str]:
    t = _table(family)
    return (
        str(t.loc["diagnostics_Configuration_TestCase", column]),
        str(t.loc["diagnostics_Configuration_Settings", column]),
        str(t.loc["diagnostics_Configuration_EnabledImageTypes", column]),
    )


@lru_cache(maxsize=None)
def _families_of(config: tuple[str, str, str]) -> tuple[str, ...]:
    return tuple(sorted({f for f, c in _columns() if _config(f, c) == config}))


@lru_cache(maxsize=None)
def _label(test_case: str, mask_hash: str | None) -> Any:
    """The label of a PyRadiomics test case (a path; ``<case>_2D`` rebuilt, see module doc)."""
    base = shared_data("pyradiomics_reference")
    if not test_case.endswith("_2D"):
        return base / f"{test_case}_label.nrrd"
    import SimpleITK as sitk

    label = sitk.ReadImage(str(base / f"{test_case[:-3]}_label.nrrd"))
    counts = (sitk.GetArrayFromImage(label) == 1).sum(axis=(1, 2))
    z = int(np.argmax(counts))
    single = label[:, :, z:z + 1]
    if mask_hash is not None and sitk.Hash(sitk.Cast(single, sitk.sitkUInt32)) != mask_hash:
        pytest.fail(f"rebuilt {test_case} label does not match the baseline mask hash {mask_hash}")
    return single


def _extract(config: tuple[str, str, str], families: tuple[str, ...], mask_hash: str | None) -> dict[str, Any]:
    from radiome.compat.pyradiomics import extract_pyradiomics

    test_case, settings, image_types = config
    case = test_case[:-3] if test_case.endswith("_2D") else test_case
    image = shared_data("pyradiomics_reference", f"{case}_image.nrrd")
    params = {
        "setting": ast.literal_eval(settings),
        "imageType": ast.literal_eval(image_types),
        "featureClass": {f: None for f in families},
    }
    return extract_pyradiomics(image, _label(test_case, mask_hash), params)


@lru_cache(maxsize=None)
def _result_all(config: tuple[str, str, str], mask_hash: str | None) -> dict[str, Any] | None:
    """All families of one configuration in one extraction; ``None`` if that fails."""
    try:
        return _extract(config, _families_of(config), mask_hash)
    except Exception:  # noqa: BLE001 - each family is then run alone to report its own error
        return None


def _result(family: str, column: str) -> dict[str, Any]:
    shared_data("pyradiomics_reference", "baseline")
    config = _config(family, column)
    t = _table(family)
    mask_hash = t.loc["diagnostics_Mask-original_Hash", column] if "diagnostics_Mask-original_Hash" in t.index else None
    res = _result_all(config, mask_hash)
    if res is None:
        res = _extract(config, (family,), mask_hash)  # raises the family's own error
    return res


@pytest.mark.parametrize(("family", "column"), PAIRS)
def test_features_match_baseline(family: str, column: str) -> None:
    res = _result(family, column)
    t = _table(family)
    skip = BASELINE_INCONSISTENT.get((family, column), set())
    rows = [r for r in t.index if not r.startswith("diagnostics_") and not str(t.loc[r, column]) == "nan"]
    assert rows, f"no feature rows for {family}/{column}"
    missing = [r for r in rows if r not in res]
    assert not missing, f"{family}/{column}: features not computed: {missing}"
    bad = []
    for r in rows:
        if r in skip:
            continue
        ref = float(t.loc[r, column])
        value = float(res[r])
        if not _close(value, ref):
            bad.append(f"{r}: radiome {value!r} vs baseline {ref!r} (rel {(value - ref) / ref if ref else value - ref:.2e})")
    assert not bad, f"{family}/{column}: {len(bad)}/{len(rows)} mismatches:\n" + "\n".join(bad)


_DIAG_SKIP = ("diagnostics_Versions_", "diagnostics_Configuration_")


def _parse(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return ast.literal_eval(v)
        except (ValueError, SyntaxError):
            return v
    return v


@pytest.mark.parametrize(("family", "column"), PAIRS)
def test_diagnostics_match_baseline(family: str, column: str) -> None:
    res = _result(family, column)
    t = _table(family)
    rows = [
        r for r in t.index
        if r.startswith("diagnostics_") and not r.startswith(_DIAG_SKIP) and str(t.loc[r, column]) != "nan"
    ]
    bad = []
    for r in rows:
        if r not in res:
            bad.append(f"{r}: missing")
            continue
        ref, value = _parse(t.loc[r, column]), _parse(res[r])
        if isinstance(ref, str) or isinstance(value, str):
            ok = str(ref) == str(value)
        else:
            a, b = np.atleast_1d(np.asarray(value, float)), np.atleast_1d(np.asarray(ref, float))
            ok = a.shape == b.shape and all(_close(x, y) for x, y in zip(a, b))
        if not ok:
            bad.append(f"{r}: radiome {res[r]!r} vs baseline {t.loc[r, column]!r}")
    assert not bad, f"{family}/{column}:\n" + "\n".join(bad)


def test_brain1_shape_matches_pyradiomics_3_1_4() -> None:
    """The four brain1 shape features whose baseline predates released PyRadiomics."""
    if not _columns():
        shared_data("pyradiomics_reference", "baseline")
    res = _result("shape", "brain1")
    for name, ref in PYRADIOMICS_3_1_4_BRAIN1_SHAPE.items():
        assert _close(float(res[name]), ref), (name, res[name], ref)


@pytest.mark.xfail(strict=True, reason="baseline from PyRadiomics 2.0.1b1.post11; PyRadiomics 3.1.4 differs too")
def test_brain1_shape_baseline_inconsistency_documented() -> None:
    """Fails while the documented inconsistency holds; an XPASS means it should be revisited."""
    if not _columns():
        shared_data("pyradiomics_reference", "baseline")
    res = _result("shape", "brain1")
    t = _table("shape")
    assert all(_close(float(res[r]), float(t.loc[r, "brain1"])) for r in PYRADIOMICS_3_1_4_BRAIN1_SHAPE)


def test_harness_covers_every_family_and_case() -> None:
    pairs = _columns()
    if not pairs:
        shared_data("pyradiomics_reference", "baseline")
    assert {f for f, _ in pairs} == set(FAMILIES)
    for family in FAMILIES:
        cols = {c for f, c in pairs if f == family}
        assert {c.split("_")[0] for c in cols} == set(CASES), family
    assert len(pairs) == 132
