"""GLSZM and GLDZM (IBSI 1, sections 3.8-3.9): reference values, invariants, brute force."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage as ndi

from conftest import load_ibsi_reference
from texture_helpers import bf_count_family, bf_offsets, reference_misses, split_dim, texture_roi, zone_case
from radiome.config.settings import ExtractionSettings
from radiome.errors import ConfigError, DimensionalityError
from radiome.features import gldzm, glszm
from radiome.features.texture.zones import border_distance, label_zones

ALL_DIMS = ExtractionSettings(texture={"dimensions": ("2D", "2_5D", "3D")})


# ---------------------------------------------------------------------------------------------
# IBSI reference values


@pytest.mark.shared
@pytest.mark.parametrize("family", [glszm, gldzm], ids=["glszm", "gldzm"])
def test_digital_phantom(family, digital_phantom_roi, digital_phantom_reference):
    out = family.compute(digital_phantom_roi, ALL_DIMS)
    prefix = family.FAMILY.features[0].tag.split("_")[0] + "_"
    refs, missed = reference_misses(out, digital_phantom_reference, prefix)
    assert len(refs) == 48
    assert not missed, missed


@pytest.mark.shared
def test_ct_phantom_config_a(ct_config_a_roi):
    settings = ExtractionSettings(texture={"dimensions": ("2D", "2_5D")})
    out = {**glszm.compute(ct_config_a_roi, settings), **gldzm.compute(ct_config_a_roi, settings)}
    compared, missed = reference_misses(out, load_ibsi_reference("ibsi_1_chest_config_a"))
    assert len(compared) == 64
    assert not missed, missed


# ---------------------------------------------------------------------------------------------
# registry and settings


@pytest.mark.parametrize("family", [glszm, gldzm], ids=["glszm", "gldzm"])
def test_specs_and_keys(family):
    fam = family.FAMILY
    assert len(fam.features) == 16
    assert all(s.ibsi_code and len(s.ibsi_code) == 4 and s.formula for s in fam.features)
    levels, intensity, morph = zone_case(0)
    out = family.compute(texture_roi(levels, intensity, morph), ALL_DIMS)
    assert set(out) == {f"{s.tag}_{d}" for s in fam.features for d in ("2D", "2_5D", "3D")}
    only_3d = family.compute(texture_roi(levels, intensity, morph), ExtractionSettings())
    assert set(only_3d) == {f"{s.tag}_3D" for s in fam.features}


def test_2d_image_refuses_3d_and_bad_distance():
    levels, intensity, _ = zone_case(1, shape=(1, 6, 6))
    roi = texture_roi(levels, intensity, is_2d=True)
    with pytest.raises(DimensionalityError, match="2D"):
        glszm.compute(roi, ExtractionSettings())
    assert glszm.compute(roi, ExtractionSettings(texture={"dimensions": ("2D",)}))
    with pytest.raises(ConfigError, match="distance"):
        gldzm.compute(roi, ExtractionSettings(texture={"dimensions": ("2D",), "distance": 0}))


# ---------------------------------------------------------------------------------------------
# brute force: flood fill, iterative erosion, features straight from the manual's formulas


def _bf_zones(levels, mask, by_slice):
    """Zones by breadth-first flood fill: list of (slice, level, [voxels])."""
    offsets = bf_offsets(1, by_slice)
    seen = np.zeros(mask.shape, bool)
    zones = []
    for start in zip(*np.nonzero(mask)):
        if seen[start]:
            continue
        g = levels[start]
        seen[start] = True
        queue, members = deque([start]), []
        while queue:
            v = queue.popleft()
            members.append(v)
            for o in offsets:
                w = tuple(a + b for a, b in zip(v, o))
                if all(0 <= w[k] < mask.shape[k] for k in range(3)) and mask[w] and not seen[w] and levels[w] == g:
                    seen[w] = True
                    queue.append(w)
        zones.append((start[0] if by_slice else 0, g, members))
    return zones


def _bf_distance(morph, by_slice):
    """The manual's distance map: erode with the cross element until empty, count, add 1."""
    dist = np.zeros(morph.shape, int)
    if by_slice:
        for z in range(morph.shape[0]):
            eroded = morph[z].copy()
            while eroded.any():
                eroded = ndi.binary_erosion(eroded, ndi.generate_binary_structure(2, 1))
                dist[z] += eroded
    else:
        eroded = morph.copy()
        while eroded.any():
            eroded = ndi.binary_erosion(eroded, ndi.generate_binary_structure(3, 1))
            dist += eroded
    dist[morph] += 1
    return dist


def _bf_family(levels, intensity, morph, n_levels, distance_zones):
    """Brute-force feature values {dim: {generic: value}} of GLSZM or GLDZM."""
    out = {}
    for by_slice in (True, False):
        zones = _bf_zones(levels, intensity, by_slice)
        if distance_zones:
            dist = _bf_distance(morph, by_slice)
            cols = [min(dist[v] for v in members) for _, _, members in zones]
        else:
            cols = [len(members) for _, _, members in zones]
        entries = [(z, g, c) for (z, g, _), c in zip(zones, cols)]
        out.update(bf_count_family(entries, n_levels, intensity, by_slice))
    return out


_GENERIC = {glszm: {t: g for t, _, _, g, _ in glszm._FEATURES}, gldzm: {t: g for t, _, _, g, _ in gldzm._FEATURES}}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("family", [glszm, gldzm], ids=["glszm", "gldzm"])
def test_brute_force(family, seed):
    levels, intensity, morph = zone_case(seed, empty_slice=seed % 3 == 0, smooth=seed % 2 == 1)
    n_levels = 5
    out = family.compute(texture_roi(levels, intensity, morph, n_levels=n_levels), ALL_DIMS)
    expected = _bf_family(levels, intensity, morph, n_levels, distance_zones=family is gldzm)
    for key, value in out.items():
        tag, dim = split_dim(key)
        assert value == pytest.approx(expected[dim][_GENERIC[family][tag]], rel=1e-9, abs=1e-12), key


def test_distance_map_matches_iterative_erosion():
    rng = np.random.default_rng(7)
    for _ in range(5):
        morph = ndi.binary_closing(rng.random((6, 12, 11)) > 0.3)
        for by_slice in (True, False):
            np.testing.assert_array_equal(border_distance(morph, by_slice=by_slice), _bf_distance(morph, by_slice))


# ---------------------------------------------------------------------------------------------
# invariants on seeded random ROIs


@pytest.mark.parametrize("seed", range(5))
def test_matrix_sums(seed):
    levels, intensity, morph = zone_case(seed, shape=(6, 15, 13), n_levels=6, smooth=True)
    for by_slice in (True, False):
        s_z, s_i, s_j = glszm.size_zone_entries(levels, intensity, 6, by_slice=by_slice)
        d_z, d_i, d_j = gldzm.distance_zone_entries(levels, intensity, morph, 6, by_slice=by_slice)
        # zone sizes add up to the ROI, per slice in 2D
        assert s_j.sum() == intensity.sum()
        if by_slice:
            np.testing.assert_array_equal(np.bincount(s_z, s_j, minlength=6), intensity.sum(axis=(1, 2)))
        # GLDZM counts the same zones, each at distance >= 1
        np.testing.assert_array_equal(np.sort(s_i), np.sort(d_i))
        assert d_j.min() >= 1 and len(d_j) == len(s_j)
        # a zone is never farther from the border than its voxels allow
        assert d_j.max() <= border_distance(morph, by_slice=by_slice).max()
        # every grey level in the ROI has at least one zone
        assert set(s_i.tolist()) == set(levels[intensity].tolist())


def test_rotation_and_flip_invariance():
    levels, intensity, morph = zone_case(11, shape=(5, 9, 12), smooth=True)
    rois = [
        texture_roi(levels, intensity, morph, n_levels=4),
        texture_roi(np.rot90(levels, 1, (1, 2)), np.rot90(intensity, 1, (1, 2)), np.rot90(morph, 1, (1, 2)), n_levels=4),
        texture_roi(levels[::-1, :, ::-1], intensity[::-1, :, ::-1], morph[::-1, :, ::-1], n_levels=4),
    ]
    for family in (glszm, gldzm):
        ref = family.compute(rois[0], ALL_DIMS)
        for roi in rois[1:]:
            out = family.compute(roi, ALL_DIMS)
            assert out == pytest.approx(ref, rel=1e-12)


def test_zone_labels_do_not_link_slices_in_2d():
    levels = np.ones((3, 4, 4), int)
    mask = np.ones((3, 4, 4), bool)
    assert label_zones(levels, mask, 1, by_slice=True).n_zones == 3
    assert label_zones(levels, mask, 1, by_slice=False).n_zones == 1
    # diagonal neighbours link in 2D (8-connected) and across slices in 3D (26-connected)
    diag = np.zeros((2, 3, 3), bool)
    diag[0, 0, 0] = diag[0, 1, 1] = diag[1, 2, 2] = True
    assert label_zones(levels[:2, :3, :3], diag, 1, by_slice=True).n_zones == 2
    assert label_zones(levels[:2, :3, :3], diag, 1, by_slice=False).n_zones == 1


@settings(max_examples=40, deadline=None, derandomize=True)
@given(arrays(np.int8, st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 6)), elements=st.integers(0, 3)))
def test_zone_sizes_sum_to_roi_property(grid):
    mask = grid > 0
    if not mask.any():
        return
    for by_slice in (True, False):
        _, i, j = glszm.size_zone_entries(grid, mask, 3, by_slice=by_slice)
        assert j.sum() == mask.sum()
        _, d_i, d = gldzm.distance_zone_entries(grid, mask, mask, 3, by_slice=by_slice)
        np.testing.assert_array_equal(np.sort(d_i), np.sort(i))
        assert (d >= 1).all() and d.max() <= border_distance(mask, by_slice=by_slice).max()
