"""NGTDM and NGLDM (IBSI 1, sections 3.10-3.11): reference values, invariants, brute force."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage as ndi

from conftest import load_ibsi_reference, shared_data, within_tolerance
from radiome.config.settings import ExtractionSettings
from radiome.errors import ConfigError
from radiome.features import ngldm, ngtdm
from radiome.features.roi import ROI

ALL_DIMS = ("2D", "2_5D", "3D")


def _settings(dims=ALL_DIMS, distance=1, coarseness=0):
    return ExtractionSettings(
        texture={"dimensions": dims, "distance": distance, "ngldm_coarseness": coarseness}
    )


def _roi(levels, mask, n_levels):
    mask = np.asarray(mask, dtype=bool)
    lv = np.where(mask, levels, 0).astype(np.int32)
    return ROI(
        image=lv.astype(float), intensity_mask=mask, morphology_mask=mask,
        spacing=(1.0, 1.0, 1.0), levels=lv, n_levels=n_levels,
    )


def _random_case(seed, shape=(4, 7, 8), n_levels=4, empty_slice=False, smooth=False):
    rng = np.random.default_rng(seed)
    mask = ndi.binary_opening(rng.random(shape) > 0.25) | (rng.random(shape) > 0.9)
    if empty_slice:
        mask[1] = False
    field = rng.random(shape)
    if smooth:
        field = ndi.uniform_filter(field, 3)
    levels = np.clip(np.floor((field - field.min()) / np.ptp(field) * n_levels).astype(int) + 1, 1, n_levels)
    return levels, mask


# ---------------------------------------------------------------------------------------------
# IBSI reference values


@pytest.mark.shared
@pytest.mark.parametrize("family,n_refs", [(ngtdm, 15), (ngldm, 51)], ids=["ngtdm", "ngldm"])
def test_digital_phantom(family, n_refs, digital_phantom_roi, digital_phantom_reference):
    out = family.compute(digital_phantom_roi, _settings())
    prefix = family.FAMILY.features[0].tag.split("_")[0] + "_"
    refs = {k: v for k, v in digital_phantom_reference.items() if k.startswith(prefix)}
    assert len(refs) == n_refs
    missed = {k: (out.get(k), ref) for k, ref in refs.items() if not within_tolerance(out.get(k), *ref)}
    assert not missed, missed


def _ct_config_a_roi():
    """IBSI CT phantom, configuration A (no interpolation, 2D), built by hand."""
    import SimpleITK as sitk

    from radiome.preprocess.discretise import discretise

    base = shared_data("ibsi", "ibsi_1_ct_radiomics_phantom", "nifti")
    img = np.round(sitk.GetArrayFromImage(sitk.ReadImage(str(base / "image" / "phantom.nii.gz"))).astype(float))
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(base / "mask" / "mask.nii.gz"))).astype(bool)
    int_mask = mask & (img >= -500) & (img <= 400)
    d = discretise(img, int_mask, "fbs", bin_width=25, lower_bound=-500, upper_bound=400)
    return ROI(
        image=img, intensity_mask=int_mask, morphology_mask=mask, spacing=(3.0, 0.977, 0.977),
        levels=d.levels, n_levels=d.n_levels, resegmentation_range=(-500.0, 400.0),
    )


@pytest.mark.shared
def test_ct_phantom_config_a():
    roi = _ct_config_a_roi()
    ref = load_ibsi_reference("ibsi_1_chest_config_a")
    settings = _settings(("2D", "2_5D"))
    out = {**ngtdm.compute(roi, settings), **ngldm.compute(roi, settings)}
    compared = {k: ref[k] for k in out if k in ref}
    assert len(compared) == 44
    missed = {k: (out[k], r) for k, r in compared.items() if not within_tolerance(out[k], *r)}
    assert not missed, missed


# ---------------------------------------------------------------------------------------------
# registry, settings and edge cases


@pytest.mark.parametrize("family,n", [(ngtdm, 5), (ngldm, 17)], ids=["ngtdm", "ngldm"])
def test_specs_and_keys(family, n):
    fam = family.FAMILY
    assert len(fam.features) == n
    assert all(s.ibsi_code and len(s.ibsi_code) == 4 and s.formula for s in fam.features)
    levels, mask = _random_case(0)
    out = family.compute(_roi(levels, mask, 4), _settings())
    assert set(out) == {f"{s.tag}_{d}" for s in fam.features for d in ALL_DIMS}


def test_negative_coarseness_rejected():
    levels, mask = _random_case(0)
    with pytest.raises(ConfigError, match="coarseness"):
        ngldm.compute(_roi(levels, mask, 4), _settings(coarseness=-1))


def test_ngtdm_edge_cases():
    # uniform ROI: no grey tone difference; coarseness at IBSI's cap, the rest 0
    f = ngtdm.ngtdm_features(np.array([0.0, 0.0]), np.array([0, 10]))
    assert f == {"coarseness": 1e6, "contrast": 0.0, "busyness": 0.0, "complexity": 0.0, "strength": 0.0}
    # isolated voxels have no valid neighbourhood: no matrix, features undefined
    lv = np.zeros((1, 5, 5), int)
    lv[0, 0, 0] = 1
    lv[0, 2, 2] = 2
    out = ngtdm.compute(_roi(lv, lv > 0, 2), _settings(("3D",)))
    assert all(np.isnan(v) for v in out.values())
    s, n = ngtdm.ngtdm_matrix(lv, lv > 0, 2, by_slice=False)
    assert n.sum() == 0


# ---------------------------------------------------------------------------------------------
# brute force: neighbourhoods voxel by voxel, features straight from the manual's formulas


def _offsets(delta, by_slice):
    zr = (0,) if by_slice else range(-delta, delta + 1)
    return [o for o in product(zr, range(-delta, delta + 1), range(-delta, delta + 1)) if any(o)]


def _inside(w, shape):
    return all(0 <= w[k] < shape[k] for k in range(3))


def _bf_ngtdm(levels, mask, n_levels, delta, by_slice):
    groups = mask.shape[0] if by_slice else 1
    s, n = np.zeros((groups, n_levels)), np.zeros((groups, n_levels))
    for v in zip(*np.nonzero(mask)):
        nb = [levels[w] for o in _offsets(delta, by_slice)
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
        j = 1 + sum(1 for o in _offsets(delta, by_slice)
                    if _inside(w := tuple(a + b for a, b in zip(v, o)), mask.shape)
                    and mask[w] and abs(int(levels[w]) - int(levels[v])) <= alpha)
        entries.append((v[0] if by_slice else 0, levels[v], j))
    return entries


def _bf_count_features(M, n_v):
    n_s = M.sum()
    P = M / n_s
    i = np.arange(1, M.shape[0] + 1, dtype=float)[:, None]
    j = np.arange(1, M.shape[1] + 1, dtype=float)[None, :]
    nz = P > 0
    return {
        "ngl_lde": (M / j**2).sum() / n_s, "ngl_hde": (M * j**2).sum() / n_s,
        "ngl_lgce": (M / i**2).sum() / n_s, "ngl_hgce": (M * i**2).sum() / n_s,
        "ngl_ldlge": (M / (i**2 * j**2)).sum() / n_s, "ngl_ldhge": (M * i**2 / j**2).sum() / n_s,
        "ngl_hdlge": (M * j**2 / i**2).sum() / n_s, "ngl_hdhge": (M * i**2 * j**2).sum() / n_s,
        "ngl_glnu": (M.sum(1) ** 2).sum() / n_s, "ngl_glnu_norm": (M.sum(1) ** 2).sum() / n_s**2,
        "ngl_dcnu": (M.sum(0) ** 2).sum() / n_s, "ngl_dcnu_norm": (M.sum(0) ** 2).sum() / n_s**2,
        "ngl_dc_perc": n_s / n_v,
        "ngl_gl_var": ((i - (i * P).sum()) ** 2 * P).sum(),
        "ngl_dc_var": ((j - (j * P).sum()) ** 2 * P).sum(),
        "ngl_dc_entr": -(P[nz] * np.log2(P[nz])).sum(),
        "ngl_dc_energy": (P**2).sum(),
    }


def _split(key):
    for dim in ("_2_5D", "_2D", "_3D"):
        if key.endswith(dim):
            return key[: -len(dim)], dim[1:]
    raise AssertionError(key)


@pytest.mark.parametrize("seed,delta", [(0, 1), (1, 1), (2, 2), (3, 1), (4, 2), (5, 1)])
def test_ngtdm_brute_force(seed, delta):
    n_levels = 5
    levels, mask = _random_case(seed, empty_slice=seed % 3 == 0, smooth=seed % 2 == 1)
    out = ngtdm.compute(_roi(levels, mask, n_levels), _settings(distance=delta))
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
        tag, dim = _split(key)
        assert value == pytest.approx(expected[dim][tag[4:]], rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("seed,delta,alpha", [(0, 1, 0), (1, 1, 1), (2, 2, 0), (3, 2, 1), (4, 1, 2)])
def test_ngldm_brute_force(seed, delta, alpha):
    n_levels = 5
    levels, mask = _random_case(seed, empty_slice=seed % 3 == 0, smooth=seed % 2 == 1)
    out = ngldm.compute(_roi(levels, mask, n_levels), _settings(distance=delta, coarseness=alpha))
    expected = {}
    for by_slice in (True, False):
        entries = _bf_ngldm(levels, mask, delta, alpha, by_slice)
        z, i, j = ngldm.dependence_entries(levels, mask, delta, alpha, by_slice=by_slice)
        assert sorted(zip(z.tolist(), i.tolist(), j.tolist())) == sorted(
            (int(a), int(b), int(c)) for a, b, c in entries)
        n_j = max(e[2] for e in entries)
        mats = {}
        for zz, ii, jj in entries:
            mats.setdefault(zz, np.zeros((n_levels, n_j)))[ii - 1, jj - 1] += 1
        if by_slice:
            per = [_bf_count_features(mats[zz], mask[zz].sum()) for zz in sorted(mats)]
            expected["2D"] = {k: np.mean([p[k] for p in per]) for k in per[0]}
            expected["2_5D"] = _bf_count_features(sum(mats.values()), mask.sum())
        else:
            expected["3D"] = _bf_count_features(mats[0], mask.sum())
    for key, value in out.items():
        tag, dim = _split(key)
        assert value == pytest.approx(expected[dim][tag], rel=1e-9, abs=1e-12), key


# ---------------------------------------------------------------------------------------------
# invariants on seeded random ROIs


@pytest.mark.parametrize("seed", range(4))
def test_matrix_sums(seed):
    levels, mask = _random_case(seed, shape=(6, 15, 13), n_levels=6, smooth=True)
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
    levels, mask = _random_case(11, shape=(5, 9, 12), smooth=True)
    rois = [
        _roi(levels, mask, 4),
        _roi(np.rot90(levels, 1, (1, 2)), np.rot90(mask, 1, (1, 2)), 4),
        _roi(levels[::-1, :, ::-1], mask[::-1, :, ::-1], 4),
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
