"""NGTDM and NGLDM (IBSI 1, sections 3.10-3.11): reference values, invariants, brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage as ndi

from conftest import load_ibsi_reference
from texture_helpers import bf_count_family, bf_offsets, reference_misses, split_dim, texture_roi, zone_case
from radiome.config.settings import ExtractionSettings
from radiome.errors import ConfigError
from radiome.features import ngldm, ngtdm

ALL_DIMS = ("2D", "2_5D", "3D")


def _settings(dims=ALL_DIMS, distance=1, coarseness=0):
    return ExtractionSettings(
        texture={"dimensions": dims, "distance": distance, "ngldm_coarseness": coarseness}
    )


# ---------------------------------------------------------------------------------------------
# IBSI reference values


@pytest.mark.shared
@pytest.mark.parametrize("family,n_refs", [(ngtdm, 15), (ngldm, 51)], ids=["ngtdm", "ngldm"])
def test_digital_phantom(family, n_refs, digital_phantom_roi, digital_phantom_reference):
    out = family.compute(digital_phantom_roi, _settings())
    prefix = family.FAMILY.features[0].tag.split("_")[0] + "_"
    refs, missed = reference_misses(out, digital_phantom_reference, prefix)
    assert len(refs) == n_refs
    assert not missed, missed


@pytest.mark.shared
def test_ct_phantom_config_a(ct_config_a_roi):
    settings = _settings(("2D", "2_5D"))
    out = {**ngtdm.compute(ct_config_a_roi, settings), **ngldm.compute(ct_config_a_roi, settings)}
    compared, missed = reference_misses(out, load_ibsi_reference("ibsi_1_chest_config_a"))
    assert len(compared) == 44
    assert not missed, missed


# ---------------------------------------------------------------------------------------------
# registry, settings and edge cases


@pytest.mark.parametrize("family,n", [(ngtdm, 5), (ngldm, 17)], ids=["ngtdm", "ngldm"])
def test_specs_and_keys(family, n):
    fam = family.FAMILY
    assert len(fam.features) == n
    assert all(s.ibsi_code and len(s.ibsi_code) == 4 and s.formula for s in fam.features)
    levels, _, mask = zone_case(0)
    out = family.compute(texture_roi(levels, mask, n_levels=4), _settings())
    assert set(out) == {f"{s.tag}_{d}" for s in fam.features for d in ALL_DIMS}


def test_negative_coarseness_rejected():
    levels, _, mask = zone_case(0)
    with pytest.raises(ConfigError, match="coarseness"):
        ngldm.compute(texture_roi(levels, mask, n_levels=4), _settings(coarseness=-1))


def test_ngtdm_edge_cases():
    # uniform ROI: no grey tone difference; coarseness at IBSI's cap, the rest 0
    f = ngtdm.ngtdm_features(np.array([0.0, 0.0]), np.array([0, 10]))
    assert f == {"coarseness": 1e6, "contrast": 0.0, "busyness": 0.0, "complexity": 0.0, "strength": 0.0}
    # isolated voxels have no valid neighbourhood: no matrix, features undefined
    lv = np.zeros((1, 5, 5), int)
    lv[0, 0, 0] = 1
    lv[0, 2, 2] = 2
    out = ngtdm.compute(texture_roi(lv, lv > 0, n_levels=2), _settings(("3D",)))
    assert all(np.isnan(v) for v in out.values())
    s, n = ngtdm.ngtdm_matrix(lv, lv > 0, 2, by_slice=False)
    assert n.sum() == 0


# ---------------------------------------------------------------------------------------------
# brute force: neighbourhoods voxel by voxel, features straight from the manual's formulas


def _inside(w, shape):
    return all(0 <= w[k] < shape[k] for k in range(3))


def _bf_ngtdm(levels, mask, n_levels, delta, by_slice):
    groups = mask.shape[0] if by_slice else 1
    s, n = np.zeros((groups, n_levels)), np.zeros((groups, n_levels))
    for v in zip(*np.nonzero(mask)):
        nb = [levels[w] for o in bf_offsets(delta, by_slice)
              if _inside(w := tuple(a + b for a, b in zip(v, o)), mask.shape) and mask[w]]
        if nb:
            g = v[0] if by_slice else 0
            s[g, levels[v] - 1] += abs(levels[v] - np.mean(nb))
            n[g, levels[v] - 1] += 1
    return s, n


def _bf_ngtdm_features(s, n):
    nvc = n.sum()
    p = n / nvc
    lv = [i for i in range(len(n)) if p[i] > 0]
    ngp = len(lv)
    ps = sum(p[i] * s[i] for i in lv)
    out = {"coarseness": min(1 / ps, 1e6) if ps > 0 else 1e6}
    if ngp > 1:
        out["contrast"] = (sum(p[a] * p[b] * (a - b) ** 2 for a in lv for b in lv) / (ngp * (ngp - 1))
                           * s.sum() / nvc)
        out["busyness"] = ps / sum(abs((a + 1) * p[a] - (b + 1) * p[b]) for a in lv for b in lv)
    else:
        out["contrast"] = out["busyness"] = 0.0
    out["complexity"] = sum(abs(a - b) * (p[a] * s[a] + p[b] * s[b]) / (p[a] + p[b])
                            for a in lv for b in lv) / nvc
    out["strength"] = sum((p[a] + p[b]) * (a - b) ** 2 for a in lv for b in lv) / s.sum() if s.sum() else 0.0
    return out


def _bf_ngldm(levels, mask, delta, alpha, by_slice):
    entries = []
    for v in zip(*np.nonzero(mask)):
        j = 1 + sum(1 for o in bf_offsets(delta, by_slice)
                    if _inside(w := tuple(a + b for a, b in zip(v, o)), mask.shape)
                    and mask[w] and abs(int(levels[w]) - int(levels[v])) <= alpha)
        entries.append((v[0] if by_slice else 0, levels[v], j))
    return entries


@pytest.mark.parametrize("seed,delta", [(0, 1), (1, 1), (2, 2), (3, 1), (4, 2), (5, 1)])
def test_ngtdm_brute_force(seed, delta):
    n_levels = 5
    levels, _, mask = zone_case(seed, empty_slice=seed % 3 == 0, smooth=seed % 2 == 1)
    out = ngtdm.compute(texture_roi(levels, mask, n_levels=n_levels), _settings(distance=delta))
    expected = {}
    s2, n2 = _bf_ngtdm(levels, mask, n_levels, delta, by_slice=True)
    per = [_bf_ngtdm_features(s2[z], n2[z]) for z in range(len(n2)) if n2[z].sum() > 0]
    expected["2D"] = {k: np.mean([p[k] for p in per]) for k in per[0]}
    expected["2_5D"] = _bf_ngtdm_features(s2.sum(0), n2.sum(0))
    s3, n3 = _bf_ngtdm(levels, mask, n_levels, delta, by_slice=False)
    expected["3D"] = _bf_ngtdm_features(s3[0], n3[0])
    for by_slice, (s_bf, n_bf) in ((True, (s2, n2)), (False, (s3, n3))):
        s, n = ngtdm.ngtdm_matrix(levels, mask, n_levels, delta, by_slice=by_slice)
        np.testing.assert_allclose(s, s_bf, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(n, n_bf)
    for key, value in out.items():
        tag, dim = split_dim(key)
        assert value == pytest.approx(expected[dim][tag[4:]], rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("seed,delta,alpha", [(0, 1, 0), (1, 1, 1), (2, 2, 0), (3, 2, 1), (4, 1, 2)])
def test_ngldm_brute_force(seed, delta, alpha):
    n_levels = 5
    levels, _, mask = zone_case(seed, empty_slice=seed % 3 == 0, smooth=seed % 2 == 1)
    out = ngldm.compute(texture_roi(levels, mask, n_levels=n_levels), _settings(distance=delta, coarseness=alpha))
    expected = {}
    for by_slice in (True, False):
        entries = _bf_ngldm(levels, mask, delta, alpha, by_slice)
        z, i, j = ngldm.dependence_entries(levels, mask, delta, alpha, by_slice=by_slice)
        assert sorted(zip(z.tolist(), i.tolist(), j.tolist())) == sorted(
            (int(a), int(b), int(c)) for a, b, c in entries)
        expected.update(bf_count_family(entries, n_levels, mask, by_slice))
    generic = {tag: g for tag, _, _, g, _ in ngldm._FEATURES}
    for key, value in out.items():
        tag, dim = split_dim(key)
        assert value == pytest.approx(expected[dim][generic[tag]], rel=1e-9, abs=1e-12), key


# ---------------------------------------------------------------------------------------------
# invariants on seeded random ROIs


@pytest.mark.parametrize("seed", range(4))
def test_matrix_sums(seed):
    levels, _, mask = zone_case(seed, shape=(6, 15, 13), n_levels=6, smooth=True)
    for by_slice in (True, False):
        # NGLDM: one neighbourhood per voxel (N_s = N_v), dependence between 1 and the neighbourhood size
        z, i, j = ngldm.dependence_entries(levels, mask, 1, 0, by_slice=by_slice)
        assert z.size == mask.sum()
        assert j.min() >= 1 and j.max() <= (9 if by_slice else 27)
        np.testing.assert_array_equal(np.bincount(i, minlength=7)[1:], np.bincount(levels[mask], minlength=7)[1:])
        # NGTDM: n_i counts voxels of level i with at least one neighbour in the ROI
        s, n = ngtdm.ngtdm_matrix(levels, mask, 6, 1, by_slice=by_slice)
        kernel = np.ones((1, 3, 3) if by_slice else (3, 3, 3))
        has_nb = ndi.correlate(mask.astype(int), kernel, mode="constant") - 1 > 0
        assert n.sum() == (mask & has_nb).sum()
        assert (s >= 0).all()
        # alpha as large as the level range makes every neighbour in the ROI dependent
        _, _, j_all = ngldm.dependence_entries(levels, mask, 1, 6, by_slice=by_slice)
        counts = ndi.correlate(mask.astype(int), kernel, mode="constant")[mask]
        np.testing.assert_array_equal(j_all, counts)


def test_rotation_and_flip_invariance():
    levels, _, mask = zone_case(11, shape=(5, 9, 12), smooth=True)
    rois = [
        texture_roi(levels, mask, n_levels=4),
        texture_roi(np.rot90(levels, 1, (1, 2)), np.rot90(mask, 1, (1, 2)), n_levels=4),
        texture_roi(levels[::-1, :, ::-1], mask[::-1, :, ::-1], n_levels=4),
    ]
    for family in (ngtdm, ngldm):
        ref = family.compute(rois[0], _settings())
        for roi in rois[1:]:
            assert family.compute(roi, _settings()) == pytest.approx(ref, rel=1e-12)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(arrays(np.int8, st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 6)), elements=st.integers(0, 3)))
def test_neighbourhood_counts_property(grid):
    mask = grid > 0
    if not mask.any():
        return
    for by_slice in (True, False):
        _, i, j = ngldm.dependence_entries(grid, mask, 1, 0, by_slice=by_slice)
        assert i.size == mask.sum() and (j >= 1).all()
        s, n = ngtdm.ngtdm_matrix(grid, mask, 3, 1, by_slice=by_slice)
        assert n.sum() <= mask.sum() and (s >= 0).all()
        # dependence is symmetric: sum(j - 1) counts every dependent neighbour pair twice
        extra = int((j - 1).sum())
        assert extra % 2 == 0 and extra <= 2 * _pairs(mask, by_slice)


def _pairs(mask, by_slice):
    """Number of unordered neighbour pairs inside the mask (Chebyshev distance 1)."""
    kernel = np.ones((1, 3, 3) if by_slice else (3, 3, 3))
    return int((ndi.correlate(mask.astype(int), kernel, mode="constant")[mask] - 1).sum() // 2)
