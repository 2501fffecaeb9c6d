"""GLRLM family: IBSI reference values, run-length matrices against a brute-force reference."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from conftest import load_ibsi_reference
from texture_helpers import random_levels, reference_misses, texture_roi

from radiome.config.settings import ExtractionSettings
from radiome.errors import DimensionalityError, EmptyMaskError
from radiome.features import glrlm
from radiome.features.texture.directions import (
    AGGREGATIONS,
    IN_PLANE_OFFSETS,
    OUT_OF_PLANE_OFFSETS,
    code_levels,
    neighbour_offsets,
    ordered_lines,
)

ALL_DIMS = ExtractionSettings(texture={"dimensions": ("2D", "2_5D", "3D")})


def brute_force_runs(levels: np.ndarray, mask: np.ndarray, offset) -> Counter:
    """{(slice, grey level, run length): count} by walking from every run start (reference)."""
    shape = levels.shape
    dz, dy, dx = (int(v) for v in offset)

    def same(z, y, x, g):
        return 0 <= z < shape[0] and 0 <= y < shape[1] and 0 <= x < shape[2] and mask[z, y, x] and levels[z, y, x] == g

    runs: Counter = Counter()
    for z, y, x in zip(*np.nonzero(mask)):
        g = levels[z, y, x]
        if same(z - dz, y - dy, x - dx, g):
            continue
        n, cz, cy, cx = 0, z, y, x
        while same(cz, cy, cx, g):
            n += 1
            cz, cy, cx = cz + dz, cy + dy, cx + dx
        runs[(int(z), int(g), n)] += 1
    return runs


def _as_counter(m, vol, offsets_count: int, by_slice: bool, direction: int) -> Counter:
    out: Counter = Counter()
    for g, r, c, n in zip(m.group, m.row, m.col, m.count):
        k, d = divmod(int(g), offsets_count)
        if d != direction:
            continue
        z = k + vol.first_slice if by_slice else -1
        out[(z, int(vol.values[r]), int(c) + 1)] += int(n)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_runs_match_brute_force_in_every_direction(seed):
    levels, mask = random_levels(seed, n_levels=3)
    vol = code_levels(levels, mask, pad=1)
    for offsets, by_slice in ((IN_PLANE_OFFSETS, True), (IN_PLANE_OFFSETS, False), (OUT_OF_PLANE_OFFSETS, False)):
        m = glrlm.run_length_matrices(vol, offsets, by_slice=by_slice)
        for d, off in enumerate(offsets):
            expected = brute_force_runs(levels, mask, off)
            if not by_slice:
                merged: Counter = Counter()
                for (z, g, n), c in expected.items():
                    merged[(-1, g, n)] += c
                expected = merged
            assert _as_counter(m, vol, len(offsets), by_slice, d) == expected


@pytest.mark.parametrize("seed", range(4))
def test_runs_cover_every_voxel_once(seed):
    levels, mask = random_levels(100 + seed, shape=(5, 9, 8), n_levels=4, fill=0.6)
    vol = code_levels(levels, mask, pad=1)
    m = glrlm.run_length_matrices(vol, neighbour_offsets("3D"), by_slice=False)
    covered = np.bincount(m.group, weights=m.count * (m.col + 1), minlength=m.n_groups)
    np.testing.assert_array_equal(covered, mask.sum())
    np.testing.assert_array_equal(m.n_voxels, mask.sum())
    planar = glrlm.run_length_matrices(vol, IN_PLANE_OFFSETS, by_slice=True)
    covered = np.bincount(planar.group, weights=planar.count * (planar.col + 1), minlength=planar.n_groups)
    np.testing.assert_array_equal(covered, planar.n_voxels)


def test_find_runs_pairs_starts_and_ends():
    code, length, start = glrlm.find_runs(np.array([0, 3, 3, 3, 1, 0, 0, 2, 0], dtype=np.uint8))
    assert code.tolist() == [3, 1, 2]
    assert length.tolist() == [3, 1, 1]
    assert start.tolist() == [1, 4, 7]


def test_ordered_lines_keep_slices_apart():
    levels = np.ones((3, 4, 5), dtype=int)
    mask = np.ones_like(levels, dtype=bool)
    vol = code_levels(levels, mask, pad=1)
    for off in IN_PLANE_OFFSETS:
        line, block = ordered_lines(vol, off, per_slice=True)
        code, length, start = glrlm.find_runs(line)
        slices = start // block - vol.pad
        assert set(slices.tolist()) == {0, 1, 2}
        assert np.bincount(slices, weights=length).tolist() == [20, 20, 20]


def test_uniform_volume_has_one_run_per_line():
    levels = np.full((2, 3, 4), 2)
    roi = texture_roi(levels, np.ones(levels.shape, bool))
    f = glrlm.compute(roi, ExtractionSettings(texture={"dimensions": ("2D",)}))
    # x runs of length 4 (3 per slice), y runs of length 3 (4 per slice): glnu_norm is 1
    assert f["rlm_glnu_norm_2D_avg"] == pytest.approx(1.0)
    assert f["rlm_gl_var_2D_comb"] == pytest.approx(0.0)


def test_single_slice_2d_and_2_5d_agree():
    levels, mask = random_levels(7, shape=(1, 8, 9), n_levels=4)
    roi = texture_roi(levels, mask, n_levels=4, is_2d=True)
    f = glrlm.compute(roi, ExtractionSettings(texture={"dimensions": ("2D", "2_5D")}))
    for name in ("sre", "glnu", "r_perc", "rl_entr"):
        assert f[f"rlm_{name}_2D_avg"] == pytest.approx(f[f"rlm_{name}_2_5D_avg"])
        assert f[f"rlm_{name}_2D_comb"] == pytest.approx(f[f"rlm_{name}_2_5D_comb"])


def test_3d_on_a_2d_image_is_refused():
    levels, mask = random_levels(3, shape=(1, 5, 5), n_levels=3)
    with pytest.raises(DimensionalityError, match="2D"):
        glrlm.compute(texture_roi(levels, mask, is_2d=True), ALL_DIMS)


def test_empty_mask_is_refused():
    levels = np.ones((2, 3, 3), dtype=int)
    with pytest.raises(EmptyMaskError):
        glrlm.compute(texture_roi(levels, np.zeros(levels.shape, bool), n_levels=1), ALL_DIMS)


def test_family_spec_lists_every_returned_feature():
    levels, mask = random_levels(11, n_levels=3)
    out = glrlm.compute(texture_roi(levels, mask), ALL_DIMS)
    tags = [f.tag for f in glrlm.FAMILY.features]
    suffixes = [s for pair in AGGREGATIONS.values() for s in pair]
    assert sorted(out) == sorted(f"{t}_{s}" for t in tags for s in suffixes)
    assert all(f.ibsi_code and f.formula for f in glrlm.FAMILY.features)
    assert glrlm.FAMILY.name == "glrlm" and glrlm.FAMILY.ibsi_code == "TP0I"


def test_digital_phantom(digital_phantom_roi, digital_phantom_reference):
    out = glrlm.compute(digital_phantom_roi, ALL_DIMS)
    expected, missed = reference_misses(out, digital_phantom_reference, "rlm_")
    assert len(expected) == 96
    assert not missed


@pytest.mark.shared
def test_ct_phantom_config_a(ct_config_a_roi):
    out = glrlm.compute(ct_config_a_roi, ExtractionSettings(texture={"dimensions": ("2D", "2_5D")}))
    expected, missed = reference_misses(out, load_ibsi_reference("ibsi_1_chest_config_a"), "rlm_")
    assert len(expected) == 64
    assert not missed
