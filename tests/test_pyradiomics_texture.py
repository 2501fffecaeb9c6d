"""PyRadiomics-compatible texture classes: GLCM, GLRLM, GLSZM, GLDM, NGTDM.

Unit tests on tiny volumes (PyRadiomics' documented examples, brute-force matrices, edge
cases) and direct checks against PyRadiomics' regression baseline for the variants that need
no pre-processing beyond binning (default, force2D, fixed bin count, no_weighting).
"""

from __future__ import annotations

import csv
import itertools
from functools import lru_cache

import numpy as np
import pytest

from conftest import shared_data
from radiome.compat.pyradiomics import glcm, gldm, glrlm, glszm, ngtdm
from radiome.compat.pyradiomics.params import PyRadiomicsSettings, discretise

FAMILIES = {"glcm": glcm, "glrlm": glrlm, "glszm": glszm, "gldm": gldm, "ngtdm": ngtdm}
UNIT = (1.0, 1.0, 1.0)

# PyRadiomics' documentation examples (2D images as one slice).
DOC_GLCM_IMAGE = np.array([[1, 2, 5, 2, 3], [3, 2, 1, 3, 1], [1, 3, 5, 5, 2], [1, 1, 1, 1, 2], [1, 2, 4, 3, 5]])[None]
DOC_IMAGE = np.array([[5, 2, 5, 4, 4], [3, 3, 3, 1, 3], [2, 1, 1, 1, 3], [4, 2, 2, 2, 3], [3, 5, 3, 3, 2]])[None]
DOC_NGTDM_IMAGE = np.array([[1, 2, 5, 2], [3, 5, 1, 3], [1, 3, 5, 5], [3, 1, 1, 1]])[None]


def _random_roi(seed: int, shape=(4, 5, 6), n_levels: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    levels = rng.integers(1, n_levels + 1, size=shape)
    mask = rng.random(shape) < 0.7
    mask[0, 0, 0] = True
    return levels, mask


def _brute_glcm(levels, mask, offsets, n_levels):
    """Unnormalised, unsymmetrised counts per offset, by looping over voxels (test only)."""
    out = np.zeros((len(offsets), n_levels, n_levels))
    for a, off in enumerate(offsets):
        for k in zip(*np.nonzero(mask)):
            q = tuple(np.add(k, off))
            if all(0 <= q[d] < mask.shape[d] for d in range(3)) and mask[q]:
                out[a, levels[k] - 1, levels[q] - 1] += 1
    return out


def _brute_runs(levels, mask, offset):
    """(grey, length) of all runs along ``offset`` by walking every line (test only)."""
    runs = []
    shape = mask.shape
    for k in itertools.product(*(range(s) for s in shape)):
        prev = tuple(np.subtract(k, offset))
        if all(0 <= prev[d] < shape[d] for d in range(3)):
            continue  # not the first voxel of its line
        p, cur, length = k, None, 0
        while all(0 <= p[d] < shape[d] for d in range(3)):
            value = levels[p] if mask[p] else None
            if value != cur:
                if cur is not None:
                    runs.append((cur, length))
                cur, length = value, 0
            length += 1
            p = tuple(np.add(p, offset))
        if cur is not None:
            runs.append((cur, length))
    return sorted(runs)


# ------------------------------------------------------------------------------------------
# angles
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "distances", "force2d", "dim", "bidirectional", "expected"),
    [
        ((5, 5, 5), (1,), False, 0, False, 13),
        ((5, 5, 5), (1,), False, 0, True, 26),
        ((5, 5, 5), (2,), False, 0, False, 49),
        ((5, 5, 5), (1, 2), False, 0, False, 62),
        ((5, 5, 5), (1,), True, 0, False, 4),
        ((5, 5, 5), (1,), True, 2, True, 8),
        ((1, 5, 5), (1,), False, 0, False, 4),  # a single slice: no out-of-plane angle
        ((5, 5, 2), (2,), False, 0, False, 24),  # |offset| must stay below the box size
    ],
)
def test_angle_counts(size, distances, force2d, dim, bidirectional, expected):
    a = glcm.generate_angles(size, distances, force2d=force2d, force2d_dimension=dim, bidirectional=bidirectional)
    assert len(a) == expected
    assert np.all(np.isin(np.abs(a).max(axis=1), distances))
    if force2d:
        assert np.all(a[:, dim] == 0)
    if not bidirectional:  # one of each opposite pair, first non-zero component positive
        first = a[np.arange(len(a)), np.argmax(a != 0, axis=1)]
        assert np.all(first > 0)


# ------------------------------------------------------------------------------------------
# GLCM
# ------------------------------------------------------------------------------------------


def test_glcm_documented_example():
    """PyRadiomics' documented symmetric GLCM of a 5x5 image, angle 0 (horizontal)."""
    roi = glcm.code_roi(DOC_GLCM_IMAGE, DOC_GLCM_IMAGE > 0)
    p = glcm.glcm_matrices(roi, {"force2D": True}, UNIT)
    angles = glcm.generate_angles(roi.size, force2d=True)
    horizontal = int(np.flatnonzero((angles == [0, 0, 1]).all(axis=1))[0])
    expected = np.array(
        [[6, 4, 3, 0, 0], [4, 0, 2, 1, 3], [3, 2, 0, 1, 2], [0, 1, 1, 0, 0], [0, 3, 2, 0, 2]], float
    )
    np.testing.assert_allclose(p[horizontal] * expected.sum(), expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("symmetrical", [True, False])
def test_glcm_matches_brute_force(seed, symmetrical):
    levels, mask = _random_roi(seed)
    roi = glcm.code_roi(levels, mask)
    settings = {"symmetricalGLCM": symmetrical, "distances": (1,)}
    p = glcm.glcm_matrices(roi, settings, UNIT)
    offsets = glcm.generate_angles(roi.size)
    counts = _brute_glcm(levels, mask, offsets, 4)[:, roi.grey.astype(int) - 1][:, :, roi.grey.astype(int) - 1]
    if symmetrical:
        counts = counts + counts.transpose(0, 2, 1)
    keep = counts.sum(axis=(1, 2)) > 0
    expected = counts[keep] / counts[keep].sum(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(p, expected, rtol=1e-14, atol=0)
    np.testing.assert_allclose(p.sum(axis=(1, 2)), 1.0)
    if symmetrical:
        np.testing.assert_array_equal(p, p.transpose(0, 2, 1))


@pytest.mark.parametrize("norm", ["no_weighting", "manhattan", "euclidean", "infinity"])
def test_glcm_weighting_sums_weighted_angle_matrices(norm):
    levels, mask = _random_roi(3)
    spacing = (2.5, 0.8, 0.7)
    roi = glcm.code_roi(levels, mask)
    p = glcm.glcm_matrices(roi, {"weightingNorm": norm}, spacing)
    offsets = glcm.generate_angles(roi.size)
    counts = _brute_glcm(levels, mask, offsets, 4)
    counts = counts + counts.transpose(0, 2, 1)
    d = np.abs(offsets) * np.array(spacing)
    length = {"no_weighting": np.zeros(len(d)), "manhattan": d.sum(1), "euclidean": np.sqrt((d**2).sum(1)),
              "infinity": d.max(1)}[norm]
    merged = np.tensordot(np.exp(-(length**2)), counts, axes=(0, 0))
    present = roi.grey.astype(int) - 1
    merged = merged[np.ix_(present, present)]
    assert p.shape[0] == 1
    np.testing.assert_allclose(p[0], merged / merged.sum(), rtol=1e-12)


def test_glcm_single_slice_equals_force2d():
    """In 3D mode a one-slice ROI has only the 4 in-plane angles, as with force2D."""
    levels, mask = _random_roi(4, shape=(1, 7, 8), n_levels=5)
    a = glcm.compute(levels, mask, UNIT, {})
    b = glcm.compute(levels, mask, UNIT, {"force2D": True})
    for name in glcm.FEATURES:
        assert a[name] == pytest.approx(b[name], rel=1e-12)


def test_glcm_flat_region_values():
    lv = np.full((3, 4, 4), 7)
    f = glcm.compute(lv, lv > 0, UNIT, None)
    assert f["Correlation"] == 1.0 and f["MCC"] == 1.0
    assert f["Imc1"] == 0.0 and f["Imc2"] == 0.0
    assert f["JointAverage"] == 7.0 and f["Contrast"] == 0.0
    assert f["Idmn"] == 1.0 and f["MaximumProbability"] == 1.0
    assert f["SumAverage"] == 14.0


def test_glcm_uses_largest_grey_level_as_ng():
    """Idn divides |i - j| by the largest grey level present, not the count of levels."""
    lv = np.array([[[2, 9, 2, 9]]])
    f = glcm.compute(lv, lv > 0, UNIT, None)
    # one angle (horizontal), all pairs |i - j| = 7
    assert f["Idn"] == pytest.approx(1 / (1 + 7 / 9))
    assert f["Idmn"] == pytest.approx(1 / (1 + 49 / 81))
    assert f["Contrast"] == pytest.approx(49.0)


def test_glcm_feature_names():
    lv, mask = _random_roi(5)
    assert set(glcm.compute(lv, mask, UNIT, None)) == set(glcm.FEATURES)


# ------------------------------------------------------------------------------------------
# GLRLM
# ------------------------------------------------------------------------------------------


def test_glrlm_documented_example():
    roi = glcm.code_roi(DOC_IMAGE, DOC_IMAGE > 0)
    code, length, multi = glrlm.run_lengths(roi, np.array([0, 0, 1]))
    p = np.zeros((5, 5))
    np.add.at(p, (code - 1, length - 1), 1)
    expected = [[1, 0, 1, 0, 0], [3, 0, 1, 0, 0], [4, 1, 1, 0, 0], [1, 1, 0, 0, 0], [3, 0, 0, 0, 0]]
    np.testing.assert_array_equal(p, expected)
    assert multi


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_glrlm_runs_match_brute_force(seed):
    levels, mask = _random_roi(seed)
    roi = glcm.code_roi(levels, mask)
    for offset in glcm.generate_angles(roi.size):
        code, length, _ = glrlm.run_lengths(roi, offset)
        got = sorted(zip(roi.grey[code - 1].astype(int).tolist(), length.tolist()))
        box = tuple(slice(int(i.min()), int(i.max()) + 1) for i in np.nonzero(mask))
        assert got == _brute_runs(levels[box], mask[box], tuple(offset))
        assert length.sum() == mask.sum()  # every ROI voxel is in exactly one run


def test_glrlm_single_element_lines_empty_the_angle():
    """An angle whose lines never hold two ROI voxels is dropped; one that does is kept."""
    lv = np.ones((3, 2, 2), int)
    mask = np.zeros((3, 2, 2), bool)
    mask[0, 0, 0] = mask[2, 0, 0] = True  # two voxels on one z-line, not adjacent
    roi = glcm.code_roi(lv, mask)
    assert glrlm.run_lengths(roi, np.array([1, 0, 0]))[2]
    mask2 = np.zeros((1, 3, 3), bool)
    mask2[0, 0, 0] = mask2[0, 2, 2] = mask2[0, 0, 2] = True
    roi2 = glcm.code_roi(np.ones((1, 3, 3), int), mask2)
    assert glrlm.run_lengths(roi2, np.array([0, 1, 1]))[2]  # (0,0)-(2,2): two voxels, not adjacent
    assert not glrlm.run_lengths(roi2, np.array([0, 1, -1]))[2]  # no anti-diagonal holds two


def test_glrlm_single_slice_equals_force2d():
    levels, mask = _random_roi(6, shape=(1, 7, 8), n_levels=5)
    a = glrlm.compute(levels, mask, UNIT, {})
    b = glrlm.compute(levels, mask, UNIT, {"force2D": True})
    for name in glrlm.FEATURES:
        assert a[name] == pytest.approx(b[name], rel=1e-12)


def test_glrlm_hand_computed():
    """Runs 1-1 and 2 along x; every other angle is empty for a 1x1x3 ROI."""
    lv = np.array([[[1, 1, 2]]])
    f = glrlm.compute(lv, lv > 0, UNIT, None)
    assert f["ShortRunEmphasis"] == pytest.approx((1 / 4 + 1) / 2)
    assert f["LongRunEmphasis"] == pytest.approx((4 + 1) / 2)
    assert f["RunPercentage"] == pytest.approx(2 / 3)
    assert f["GrayLevelNonUniformity"] == pytest.approx(1.0)
    assert f["RunEntropy"] == pytest.approx(1.0, rel=1e-9)
    assert f["HighGrayLevelRunEmphasis"] == pytest.approx((1 + 4) / 2)


def test_glrlm_weighted_run_percentage_counts_voxels_per_angle():
    """With weighting, N_p is the weighted voxel count, so no_weighting gives mean RP."""
    levels, mask = _random_roi(7)
    merged = glrlm.compute(levels, mask, UNIT, {"weightingNorm": "no_weighting"})
    roi = glcm.code_roi(levels, mask)
    runs = [glrlm.run_lengths(roi, o)[1].size for o in glcm.generate_angles(roi.size)]
    assert merged["RunPercentage"] == pytest.approx(sum(runs) / (len(runs) * mask.sum()))


# ------------------------------------------------------------------------------------------
# GLSZM, GLDM, NGTDM
# ------------------------------------------------------------------------------------------


def test_glszm_documented_example():
    roi = glcm.code_roi(DOC_IMAGE, DOC_IMAGE > 0)
    code, size = glszm.size_zones(roi.codes)
    p = np.zeros((5, 5))
    np.add.at(p, (code - 1, size - 1), 1)
    expected = [[0, 0, 0, 1, 0], [1, 0, 0, 0, 1], [1, 0, 1, 0, 1], [1, 1, 0, 0, 0], [3, 0, 0, 0, 0]]
    np.testing.assert_array_equal(p, expected)


def test_glszm_zones_are_26_connected_or_8_in_plane():
    lv = np.ones((2, 2, 2), int)
    mask = np.zeros((2, 2, 2), bool)
    mask[0, 0, 0] = mask[1, 1, 1] = True  # corner neighbours only
    assert glszm.compute(lv, mask, UNIT, {})["ZonePercentage"] == 0.5
    assert glszm.compute(lv, mask, UNIT, {"force2D": True})["ZonePercentage"] == 1.0
    mask = np.zeros((2, 2, 2), bool)
    mask[0, 0, 0] = mask[1, 0, 0] = True  # neighbours along z
    assert glszm.compute(lv, mask, UNIT, {"force2D": True, "force2Ddimension": 0})["ZonePercentage"] == 1.0
    assert glszm.compute(lv, mask, UNIT, {"force2D": True, "force2Ddimension": 2})["ZonePercentage"] == 0.5


def test_glszm_matrix_sums_to_voxel_count():
    levels, mask = _random_roi(8, shape=(6, 7, 8))
    roi = glcm.code_roi(levels, mask)
    code, size = glszm.size_zones(roi.codes)
    assert size.sum() == mask.sum()
    assert np.all(np.bincount(code, weights=size)[1:] == np.bincount(roi.codes[roi.codes > 0])[1:])


def test_gldm_documented_example():
    grey, code, dep = gldm.dependence_counts(DOC_IMAGE, DOC_IMAGE > 0, None)
    p = np.zeros((5, 4))
    np.add.at(p, (grey[code].astype(int) - 1, dep - 1), 1)
    expected = [[0, 1, 2, 1], [1, 2, 3, 0], [1, 4, 4, 0], [1, 2, 0, 0], [3, 0, 0, 0]]
    np.testing.assert_array_equal(p, expected)


def test_gldm_alpha_and_distances():
    lv = np.array([[[1, 2, 4]]])
    mask = lv > 0
    assert gldm.dependence_counts(lv, mask, {"gldm_a": 0})[2].tolist() == [1, 1, 1]
    assert gldm.dependence_counts(lv, mask, {"gldm_a": 1})[2].tolist() == [2, 2, 1]
    assert gldm.dependence_counts(lv, mask, {"gldm_a": 3})[2].tolist() == [2, 3, 2]
    # distance 2 only: the 26 nearest voxels are not neighbours
    lv2 = np.array([[[3, 3, 3]]])
    assert gldm.dependence_counts(lv2, lv2 > 0, {"distances": (2,)})[2].tolist() == [2, 1, 2]
    assert gldm.dependence_counts(lv2, lv2 > 0, {"distances": (1, 2)})[2].tolist() == [3, 3, 3]


def test_gldm_hand_computed():
    lv = np.array([[[1, 1, 2]]])
    f = gldm.compute(lv, lv > 0, UNIT, None)  # dependences 2, 2, 1
    assert f["SmallDependenceEmphasis"] == pytest.approx((1 / 4 + 1 / 4 + 1) / 3)
    assert f["LargeDependenceEmphasis"] == pytest.approx((4 + 4 + 1) / 3)
    assert f["GrayLevelNonUniformity"] == pytest.approx((4 + 1) / 3)
    assert f["DependenceNonUniformityNormalized"] == pytest.approx(5 / 9)


def test_ngtdm_documented_example():
    grey, n, s = ngtdm.ngtdm_matrix(DOC_NGTDM_IMAGE, DOC_NGTDM_IMAGE > 0, None)
    assert grey.tolist() == [1, 2, 3, 5]  # level 4 is absent and dropped
    assert n.tolist() == [6, 2, 4, 4]
    # s_3 = |3-12/5| + |3-18/5| + |3-20/8| + |3-5/3| (the documentation's table misprints 2.63)
    np.testing.assert_allclose(s, [13.35, 2.0, 0.6 + 0.6 + 0.5 + 4 / 3, 10.075], rtol=1e-12)


def test_ngtdm_isolated_voxel_counts_with_zero_difference():
    lv = np.array([[[1, 0, 3]]])
    grey, n, s = ngtdm.ngtdm_matrix(lv, lv > 0, None)
    assert n.tolist() == [1, 1] and s.tolist() == [0.0, 0.0]
    f = ngtdm.compute(lv, lv > 0, UNIT, None)
    assert f["Coarseness"] == 1e6 and f["Strength"] == 0.0
    assert f["Busyness"] == 0.0  # sum p_i s_i = 0


def test_ngtdm_hand_computed():
    lv = np.array([[[1, 2]]])
    f = ngtdm.compute(lv, lv > 0, UNIT, None)  # s = (1, 1), p = (1/2, 1/2)
    assert f["Coarseness"] == pytest.approx(1.0)
    assert f["Contrast"] == pytest.approx((2 * 0.25 * 1) / 2 * (2 / 2))
    assert f["Busyness"] == pytest.approx(1.0 / 1.0)  # sum p s = 1; sum |i p_i - j p_j| = 2 * 0.5
    assert f["Complexity"] == pytest.approx(2 * (0.5 + 0.5) / 1 / 2)
    assert f["Strength"] == pytest.approx(2 * 1 * 1 / 2)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_flat_region_is_finite(family):
    lv = np.full((3, 4, 5), 3)
    f = FAMILIES[family].compute(lv, lv > 0, UNIT, PyRadiomicsSettings())
    assert all(np.isfinite(v) for v in f.values())


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_inputs_are_not_modified(family):
    levels, mask = _random_roi(9)
    lv0, m0 = levels.copy(), mask.copy()
    FAMILIES[family].compute(levels, mask, UNIT, PyRadiomicsSettings())
    np.testing.assert_array_equal(levels, lv0)
    np.testing.assert_array_equal(mask, m0)


# ------------------------------------------------------------------------------------------
# PyRadiomics baseline (variants that need only binning)
# ------------------------------------------------------------------------------------------

VARIANTS = {
    "": {},
    "_2d": {"force2D": True},
    "_FBN": {"binCount": 64},
    "_combined": {"weightingNorm": "no_weighting"},
}


@lru_cache(maxsize=None)
def _baseline(family: str) -> dict[str, dict[str, str]]:
    path = shared_data("pyradiomics_reference", "baseline", f"baseline_{family}.csv")
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    return {col: {row[0]: row[i] for row in rows[1:]} for i, col in enumerate(header) if i}


@lru_cache(maxsize=None)
def _case(case: str):
    sitk = pytest.importorskip("SimpleITK")
    image = sitk.ReadImage(str(shared_data("pyradiomics_reference", f"{case}_image.nrrd")))
    label = sitk.ReadImage(str(shared_data("pyradiomics_reference", f"{case}_label.nrrd")))
    values = sitk.GetArrayFromImage(image).astype(np.float64)
    mask = sitk.GetArrayFromImage(label) == 1
    return values, mask, tuple(image.GetSpacing()[::-1])


# the baseline has "_combined" (weightingNorm) columns only for the classes that use it
BASELINE_CASES = [
    (family, case, variant)
    for family in sorted(FAMILIES)
    for case in ("brain1", "brain2", "breast1")
    for variant in sorted(VARIANTS)
    if variant != "_combined" or family in ("glcm", "glrlm")
]


@pytest.mark.parametrize(("family", "case", "variant"), BASELINE_CASES)
def test_pyradiomics_baseline(family, case, variant):
    column = case + variant
    ref = _baseline(family)[column]
    settings = PyRadiomicsSettings(**VARIANTS[variant])
    values, mask, spacing = _case(case)
    levels = np.zeros(values.shape, dtype=np.int64)
    levels[mask] = discretise(values[mask], settings)
    features = FAMILIES[family].compute(levels, mask, spacing, settings)
    expected = {k.split("_", 2)[2]: float(v) for k, v in ref.items() if k.startswith(f"original_{family}_")}
    assert set(features) == set(expected)
    bad = {
        name: (features[name], value)
        for name, value in expected.items()
        if not (abs(features[name] - value) <= 1e-6 * abs(value) or abs(features[name] - value) <= 1e-9)
    }
    assert not bad, f"{family} {column}: {bad}"


# Settings the baseline does not exercise: values from PyRadiomics 3.1.4 (pyradiomics-bhklab,
# feature classes run directly on breast1 with these settings; binWidth 25).
PYRADIOMICS_314_BREAST1 = [
    ({"distances": (1, 2, 3)}, {
        "glcm.Contrast": 0.8157304468013056, "glcm.Idmn": 0.9260372766024445,
        "glcm.MCC": 0.3584776941845571, "glcm.Imc1": -0.12307869149128835,
        "gldm.DependenceEntropy": 5.4717780049350235, "gldm.LargeDependenceEmphasis": 876.1748251748252,
        "ngtdm.Coarseness": 0.04570529939253628, "ngtdm.Complexity": 1.4261878885948358,
    }),
    ({"symmetricalGLCM": False}, {
        "glcm.ClusterTendency": 1.169612728685556, "glcm.Correlation": 0.28882475722469486,
        "glcm.Imc2": 0.4658632556609085, "glcm.MCC": 0.3703707612151103,
    }),
    ({"weightingNorm": "manhattan"}, {
        "glcm.JointEnergy": 0.1872805813086349, "glcm.Correlation": 0.5440474453299649,
        "glcm.Idn": 0.903673169353477, "glrlm.RunPercentage": 0.794340235410045,
        "glrlm.LongRunEmphasis": 1.9248741666019222, "glrlm.RunEntropy": 2.3272857081146308,
    }),
    ({"gldm_a": 1}, {
        "gldm.SmallDependenceEmphasis": 0.00803090091818188, "gldm.DependenceVariance": 18.604430534500466,
    }),
    ({"force2D": True, "force2Ddimension": 1}, {
        "glcm.Contrast": 0.6505248447860514, "glrlm.ShortRunEmphasis": 0.7964081714369071,
        "glszm.ZonePercentage": 0.3006993006993007, "glszm.LargeAreaEmphasis": 16.767441860465116,
        "gldm.SmallDependenceEmphasis": 0.22505827505827503, "ngtdm.Busyness": 9.865054249547915,
    }),
]


@pytest.mark.parametrize(("settings", "expected"), PYRADIOMICS_314_BREAST1)
def test_pyradiomics_314_other_settings(settings, expected):
    values, mask, spacing = _case("breast1")
    s = PyRadiomicsSettings(**settings)
    levels = np.zeros(values.shape, dtype=np.int64)
    levels[mask] = discretise(values[mask], s)
    results = {family: FAMILIES[family].compute(levels, mask, spacing, s) for family in FAMILIES}
    for key, value in expected.items():
        family, name = key.split(".")
        assert results[family][name] == pytest.approx(value, rel=1e-6, abs=1e-9), key
