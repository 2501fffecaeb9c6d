"""GLCM family: IBSI reference values, co-occurrence counts against a brute-force reference."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from conftest import load_ibsi_reference
from hypothesis import given, settings
from hypothesis import strategies as st
from texture_helpers import random_levels, reference_misses, texture_roi

from radiome.config.settings import ExtractionSettings
from radiome.errors import DimensionalityError
from radiome.features import glcm
from radiome.features.texture.directions import (
    AGGREGATIONS,
    IN_PLANE_OFFSETS,
    OUT_OF_PLANE_OFFSETS,
    aggregate,
    code_levels,
    neighbour_offsets,
)

ALL_DIMS = ExtractionSettings(texture={"dimensions": ("2D", "2_5D", "3D")})


def brute_force_pairs(levels: np.ndarray, mask: np.ndarray, offset) -> Counter:
    """{(slice, i, j): count} of the symmetric co-occurrences along ``offset`` (reference)."""
    shape = levels.shape
    pairs: Counter = Counter()
    for z, y, x in zip(*np.nonzero(mask)):
        nz, ny, nx = z + offset[0], y + offset[1], x + offset[2]
        if 0 <= nz < shape[0] and 0 <= ny < shape[1] and 0 <= nx < shape[2] and mask[nz, ny, nx]:
            a, b = int(levels[z, y, x]), int(levels[nz, ny, nx])
            pairs[(int(z), a, b)] += 1
            pairs[(int(z), b, a)] += 1
    return pairs


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("distance", [1, 2])
def test_matrices_match_brute_force(seed, distance):
    levels, mask = random_levels(seed)
    vol = code_levels(levels, mask, pad=distance)
    for offsets, by_slice in ((IN_PLANE_OFFSETS, True), (OUT_OF_PLANE_OFFSETS, False)):
        m = glcm.cooccurrence_matrices(vol, offsets * distance, by_slice=by_slice)
        for d, off in enumerate(offsets * distance):
            expected = brute_force_pairs(levels, mask, off)
            got: Counter = Counter()
            for g, r, c, n in zip(m.group, m.row, m.col, m.count):
                k, dd = divmod(int(g), len(offsets))
                if dd == d:
                    got[(k + vol.first_slice if by_slice else None, int(vol.values[r]), int(vol.values[c]))] += int(n)
            if not by_slice:
                merged: Counter = Counter()
                for (z, a, b), n in expected.items():
                    merged[(None, a, b)] += n
                expected = merged
            assert got == expected


@settings(max_examples=25, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), fill=st.floats(0.05, 1.0), levels=st.integers(1, 9))
def test_matrix_sums_are_twice_the_pair_counts(seed, fill, levels):
    lv, mask = random_levels(seed, shape=(3, 5, 6), n_levels=levels, fill=fill)
    vol = code_levels(lv, mask, pad=1)
    m = glcm.cooccurrence_matrices(vol, neighbour_offsets("3D"), by_slice=False)
    crop = np.pad(mask, 1)
    for d, (dz, dy, dx) in enumerate(neighbour_offsets("3D")):
        shifted = np.roll(crop, (-dz, -dy, -dx), axis=(0, 1, 2))
        assert m.totals[d] == 2 * np.count_nonzero(crop & shifted)
    dense = m.dense(vol.n_codes, vol.n_codes)
    np.testing.assert_array_equal(dense, dense.transpose(0, 2, 1))


def test_aggregations_merge_by_summing():
    levels, mask = random_levels(3, shape=(3, 5, 5))
    vol = code_levels(levels, mask, pad=1)
    n = vol.n_codes
    planar = glcm.cooccurrence_matrices(vol, IN_PLANE_OFFSETS, by_slice=True)
    out_of_plane = glcm.cooccurrence_matrices(vol, OUT_OF_PLANE_OFFSETS, by_slice=False)
    stacks = aggregate(planar, out_of_plane, vol.n_slices, n, n, ("2D", "2_5D", "3D"))
    per = planar.dense(n, n).reshape(vol.n_slices, 4, n, n)
    np.testing.assert_array_equal(stacks["2D_comb"].dense(n, n), per.sum(axis=1))
    np.testing.assert_array_equal(stacks["2_5D_avg"].dense(n, n), per.sum(axis=0))
    np.testing.assert_array_equal(stacks["2_5D_comb"].dense(n, n)[0], per.sum(axis=(0, 1)))
    volume = stacks["3D_avg"].dense(n, n)
    direct = glcm.cooccurrence_matrices(vol, neighbour_offsets("3D"), by_slice=False).dense(n, n)
    np.testing.assert_array_equal(volume, direct)
    np.testing.assert_array_equal(stacks["3D_comb"].dense(n, n)[0], direct.sum(axis=0))


def test_features_of_a_known_matrix():
    # IBSI manual example (4x4 image, direction (1, 0)): symmetric counts, 24 in total
    image = np.array([[1, 2, 2, 3], [1, 2, 3, 3], [4, 2, 4, 1], [4, 1, 2, 3]])[None]
    mask = np.ones(image.shape, bool)
    vol = code_levels(image, mask, pad=1)
    m = glcm.cooccurrence_matrices(vol, IN_PLANE_OFFSETS[:1], by_slice=False)
    expected = np.array([[0, 3, 0, 2], [3, 2, 3, 2], [0, 3, 2, 0], [2, 2, 0, 0]])
    np.testing.assert_array_equal(m.dense(4, 4)[0], expected)
    f = glcm.glcm_features(m, vol.values, 4)
    p = expected / 24
    i = np.arange(1, 5)[:, None]
    j = np.arange(1, 5)[None, :]
    assert f["joint_max"][0] == pytest.approx(p.max())
    assert f["contrast"][0] == pytest.approx(((i - j) ** 2 * p).sum())
    assert f["energy"][0] == pytest.approx((p**2).sum())
    assert f["sum_avg"][0] == pytest.approx(2 * f["joint_avg"][0])
    assert f["sum_var"][0] == pytest.approx(f["clust_tend"][0])
    assert f["diff_avg"][0] == pytest.approx(f["dissimilarity"][0])
    pi = p.sum(axis=1)
    hxy2 = -(np.outer(pi, pi) * np.log2(np.outer(pi, pi))).sum()
    hxy = -(p[p > 0] * np.log2(p[p > 0])).sum()
    assert f["info_corr2"][0] == pytest.approx(np.sqrt(1 - np.exp(-2 * (hxy2 - hxy))))


def test_single_grey_level_edge_cases():
    levels = np.full((2, 3, 3), 2)
    f = glcm.compute(texture_roi(levels, np.ones(levels.shape, bool), n_levels=3), ALL_DIMS)
    assert f["cm_corr_3D_comb"] == 1.0
    assert f["cm_info_corr1_3D_comb"] == 0.0
    assert f["cm_inv_var_3D_comb"] == 0.0
    assert f["cm_joint_max_2D_avg"] == 1.0


def test_empty_matrices_are_left_out_of_the_average():
    levels, mask = random_levels(5, shape=(3, 6, 6), fill=1.0)
    mask[1] = False
    mask[1, 2, 2] = True  # a slice with a single voxel: no pairs in any in-plane direction
    with_lonely = glcm.compute(texture_roi(levels, mask), ExtractionSettings(texture={"dimensions": ("2D",)}))
    mask[1, 2, 2] = False
    without = glcm.compute(texture_roi(levels, mask), ExtractionSettings(texture={"dimensions": ("2D",)}))
    for key, value in without.items():
        assert with_lonely[key] == pytest.approx(value), key


def test_single_voxel_gives_nan_not_an_error():
    mask = np.zeros((3, 3, 3), bool)
    mask[1, 1, 1] = True
    f = glcm.compute(texture_roi(np.ones((3, 3, 3), int), mask), ALL_DIMS)
    assert all(np.isnan(v) for v in f.values())


def test_3d_on_a_2d_image_is_refused():
    levels, mask = random_levels(3, shape=(1, 5, 5))
    with pytest.raises(DimensionalityError, match="2D"):
        glcm.compute(texture_roi(levels, mask, is_2d=True), ALL_DIMS)


def test_family_spec_lists_every_returned_feature():
    levels, mask = random_levels(11)
    out = glcm.compute(texture_roi(levels, mask), ALL_DIMS)
    tags = [f.tag for f in glcm.FAMILY.features]
    suffixes = [s for pair in AGGREGATIONS.values() for s in pair]
    assert sorted(out) == sorted(f"{t}_{s}" for t in tags for s in suffixes)
    assert all(f.ibsi_code and f.formula for f in glcm.FAMILY.features)
    assert glcm.FAMILY.name == "glcm" and glcm.FAMILY.ibsi_code == "LFYI"


def test_digital_phantom(digital_phantom_roi, digital_phantom_reference):
    out = glcm.compute(digital_phantom_roi, ALL_DIMS)
    expected, missed = reference_misses(out, digital_phantom_reference, "cm_")
    assert len(expected) == 150
    assert not missed


@pytest.mark.shared
def test_ct_phantom_config_a(ct_config_a_roi):
    out = glcm.compute(ct_config_a_roi, ExtractionSettings(texture={"dimensions": ("2D", "2_5D")}))
    expected, missed = reference_misses(out, load_ibsi_reference("ibsi_1_chest_config_a"), "cm_")
    assert len(expected) == 100
    assert not missed
