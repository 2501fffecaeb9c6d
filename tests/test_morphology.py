"""Morphological features: IBSI reference values, exactness of the FFT autocorrelation,
analytic shapes, invariances and the 2D shape set."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from conftest import load_ibsi_reference, within_tolerance

from radiome.config.settings import ExtractionSettings
from radiome.errors import DimensionalityError, EmptyMaskError
from radiome.features import local_intensity, morphology
from radiome.features.mesh import (
    ellipsoid_area,
    mask_mesh,
    max_diameter,
    mesh_volume,
    mvee_semi_axes,
)
from radiome.features.morphology import morphology_features, spatial_autocorrelation
from radiome.features.morphology_2d import FEATURES_2D, shape_features_2d
from radiome.features.roi import ROI
from radiome.preprocess.discretise import discretise

SETTINGS = ExtractionSettings()
TAGS_3D = [f.tag for f in morphology.FAMILY.features if not f.tag.startswith("morph_2d_")]


def _roi(image, intensity_mask, morphology_mask, spacing, is_2d=False):
    d = discretise(image, intensity_mask, "fbn", n_bins=8)
    return ROI(image=image, intensity_mask=intensity_mask, morphology_mask=morphology_mask,
               spacing=spacing, levels=d.levels, n_levels=d.n_levels, is_2d=is_2d)


# --------------------------------------------------------------------------- IBSI references


def test_digital_phantom_reference(digital_phantom_roi, digital_phantom_reference):
    values = morphology.FAMILY.compute(digital_phantom_roi, SETTINGS)
    refs = {t: r for t, r in digital_phantom_reference.items() if t.startswith("morph_")}
    assert len(refs) >= 25
    missed = {t: (values.get(t), r) for t, r in refs.items()
              if not within_tolerance(values.get(t), *r)}
    assert not missed


@pytest.mark.shared
def test_ct_phantom_config_a_morphology(ct_config_a_roi):
    refs = {t: r for t, r in load_ibsi_reference("ibsi_1_chest_config_a").items()
            if t.startswith("morph_") and not t.startswith("morph_mask_")}
    values = morphology.FAMILY.compute(ct_config_a_roi, SETTINGS)
    assert len(refs) >= 25
    missed = {t: (values.get(t), r) for t, r in refs.items()
              if not within_tolerance(values.get(t), *r)}
    assert not missed


@pytest.mark.shared
def test_ct_phantom_config_a_local_intensity(ct_config_a_roi):
    refs = {t: r for t, r in load_ibsi_reference("ibsi_1_chest_config_a").items()
            if t.startswith("loc_")}
    values = local_intensity.FAMILY.compute(ct_config_a_roi, SETTINGS)
    assert set(refs) == {"loc_peak_loc", "loc_peak_glob"}
    missed = {t: (values.get(t), r) for t, r in refs.items()
              if not within_tolerance(values.get(t), *r)}
    assert not missed


# --------------------------------------------------------------------------- registry


def test_family_specs_are_complete():
    specs = morphology.FAMILY.features
    tags = [f.tag for f in specs]
    assert len(tags) == len(set(tags))
    for f in specs:
        assert f.ibsi_code or f.deviation, f.tag
        assert f.formula
    assert morphology.FAMILY.name == "morphology" and morphology.FAMILY.ibsi_code == "HCUG"
    # No OMBB: radiome does not compute an exact oriented minimum bounding box.
    assert "morph_vol_dens_ombb" not in tags and "morph_area_dens_ombb" not in tags
    assert all(f.ibsi_code is None and f.deviation for f in FEATURES_2D)


def test_compute_returns_every_3d_tag(digital_phantom_roi):
    values = morphology.FAMILY.compute(digital_phantom_roi, SETTINGS)
    assert sorted(values) == sorted(TAGS_3D)
    assert all(isinstance(v, float) and math.isfinite(v) for v in values.values())


# --------------------------------------------------------------------------- Moran / Geary


def _brute_force_autocorrelation(image, mask, spacing):
    from scipy.spatial.distance import pdist, squareform

    pos = np.argwhere(mask) * np.asarray(spacing)
    x = image[mask].astype(np.float64)
    w = squareform(1.0 / pdist(pos))
    np.fill_diagonal(w, 0.0)
    z = x - x.mean()
    n = len(x)
    moran = n / w.sum() * (z @ w @ z) / (z @ z)
    geary = (n - 1) / (2 * w.sum()) * (w * (x[:, None] - x[None, :]) ** 2).sum() / (z @ z)
    return moran, geary


@pytest.mark.parametrize("seed", range(6))
def test_moran_geary_fft_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(3, 12, size=3))
    spacing = tuple(rng.uniform(0.4, 3.5, size=3))
    mask = rng.random(shape) < rng.uniform(0.3, 0.9)
    mask[tuple(rng.integers(0, s) for s in shape)] = True
    mask[0, 0, 0] = mask[-1, -1, -1] = True  # ROI spans the array, offsets up to n - 1
    image = np.round(rng.normal(rng.uniform(-1000, 1000), 200, shape)) + np.arange(shape[2])
    moran, geary = spatial_autocorrelation(image, mask, spacing)
    ref_moran, ref_geary = _brute_force_autocorrelation(image, mask, spacing)
    assert moran == pytest.approx(ref_moran, rel=1e-9, abs=1e-12)
    assert geary == pytest.approx(ref_geary, rel=1e-9, abs=1e-12)


def test_moran_geary_undefined_for_constant_roi():
    mask = np.ones((3, 4, 5), bool)
    moran, geary = spatial_autocorrelation(np.full(mask.shape, 7.0), mask, (1.0, 1.0, 1.0))
    assert math.isnan(moran) and math.isnan(geary)


# --------------------------------------------------------------------------- analytic shapes


def _ball(radius, spacing, pad=2):
    axes = [np.arange(-int(radius / s) - pad, int(radius / s) + pad + 1) * s for s in spacing]
    zz, yy, xx = np.meshgrid(*axes, indexing="ij")
    return zz**2 + yy**2 + xx**2 <= radius**2


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (2.0, 0.7, 0.9)])
def test_voxelised_sphere_close_to_analytic(spacing):
    radius = 15.0
    mask = _ball(radius, spacing)
    image = np.random.default_rng(0).random(mask.shape)
    f = morphology_features(image, mask, mask, spacing)
    assert f["morph_volume"] == pytest.approx(4 / 3 * math.pi * radius**3, rel=0.01)
    # Marching cubes over-estimates the area of a digitised sphere by several percent.
    assert 1.0 < f["morph_area_mesh"] / (4 * math.pi * radius**2) < 1.16
    assert f["morph_diam"] == pytest.approx(2 * radius, rel=0.07)
    # A uniform ball has variance r^2 / 5 along every axis: axis length 4 r / sqrt(5).
    for tag in ("morph_pca_maj_axis", "morph_pca_min_axis", "morph_pca_least_axis"):
        assert f[tag] == pytest.approx(4 * radius / math.sqrt(5), rel=0.01)
    assert f["morph_pca_elongation"] == pytest.approx(1.0, abs=0.01)
    assert f["morph_vol_dens_aee"] == pytest.approx(5 ** 1.5 / 8, rel=0.01)
    assert 0.85 < f["morph_vol_dens_mvee"] < 0.95


def test_mesh_volume_of_voxel_box_and_orientation():
    mask = np.zeros((6, 7, 8), bool)
    mask[1:5, 2:6, 1:7] = True
    mesh = mask_mesh(mask, (1.5, 1.0, 0.5))
    # Marching cubes cuts the 12 edges and 8 corners of a box of voxels.
    assert 0.8 * 4 * 4 * 6 * 0.75 < mesh_volume(mesh) < 4 * 4 * 6 * 0.75
    flipped = mask_mesh(mask[::-1], (1.5, 1.0, 0.5))
    assert mesh_volume(flipped) == pytest.approx(mesh_volume(mesh), rel=1e-12)


def test_max_diameter_equals_brute_force():
    from scipy.spatial.distance import pdist

    pts = np.random.default_rng(3).normal(size=(500, 3)) * [3.0, 1.0, 2.0]
    assert max_diameter(pts, block=64) == pytest.approx(pdist(pts).max(), rel=1e-12)


def test_mvee_recovers_ellipsoid_and_box():
    rng = np.random.default_rng(1)
    rot = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    pts = rng.normal(size=(2000, 3))
    pts /= np.linalg.norm(pts, axis=1, keepdims=True)
    pts[1000:] *= rng.uniform(0, 1, (1000, 1))
    pts = (pts * [5.0, 3.0, 2.0]) @ rot.T + [10.0, -4.0, 7.0]
    np.testing.assert_allclose(mvee_semi_axes(pts), [5.0, 3.0, 2.0], rtol=1e-3)
    box = np.array(list(itertools.product([0, 4], [0, 2], [0, 1])), float)
    expected = np.sqrt(3) * np.array([2.0, 1.0, 0.5])
    np.testing.assert_allclose(mvee_semi_axes(box), expected, rtol=1e-5)


def test_ellipsoid_area_is_ibsi_series():
    assert ellipsoid_area(3.0, 3.0, 3.0) == pytest.approx(4 * math.pi * 9)
    # IBSI's series (as written in the manual) for the digital phantom's PCA ellipsoid:
    # the reference area density 1.36 = 388 / 286.4 follows from it.
    assert ellipsoid_area(5.701, 4.654, 4.268) == pytest.approx(286.37, abs=0.01)
    assert ellipsoid_area(4.268, 5.701, 4.654) == ellipsoid_area(5.701, 4.654, 4.268)


# --------------------------------------------------------------------------- invariances


def _random_blob(rng, shape=(9, 11, 10)):
    mask = rng.random(shape) < 0.6
    mask[[0, -1]] = False
    mask[:, [0, -1]] = False
    mask[:, :, [0, -1]] = False
    mask[shape[0] // 2, shape[1] // 2, shape[2] // 2] = True
    image = np.round(rng.normal(40, 25, shape))
    return image, mask


def test_translation_invariance():
    rng = np.random.default_rng(11)
    image, mask = _random_blob(rng)
    spacing = (2.5, 0.8, 1.1)
    base = morphology_features(image, mask, mask, spacing)
    big_img = np.full((20, 25, 22), -50.0)
    big_mask = np.zeros(big_img.shape, bool)
    sl = (slice(7, 16), slice(3, 14), slice(9, 19))
    big_img[sl], big_mask[sl] = image, mask
    moved = morphology_features(big_img, big_mask, big_mask, spacing)
    for tag, value in base.items():
        assert moved[tag] == pytest.approx(value, rel=1e-9, abs=1e-12), tag


def test_axis_permutation_invariance_isotropic():
    rng = np.random.default_rng(5)
    image, mask = _random_blob(rng)
    base = morphology_features(image, mask, mask, (1.2, 1.2, 1.2))
    img_t, mask_t = np.transpose(image, (2, 0, 1))[::-1], np.transpose(mask, (2, 0, 1))[::-1]
    other = morphology_features(img_t, mask_t, mask_t, (1.2, 1.2, 1.2))
    for tag, value in base.items():
        assert other[tag] == pytest.approx(value, rel=1e-6, abs=1e-9), tag


def test_intensity_and_morphology_masks_are_used_separately():
    rng = np.random.default_rng(2)
    image, mask = _random_blob(rng)
    inten = mask & (image > 30)
    f = morphology_features(image, inten, mask, (1.0, 1.0, 1.0))
    g = morphology_features(image, mask, mask, (1.0, 1.0, 1.0))
    assert f["morph_volume"] == g["morph_volume"]
    assert f["morph_integ_int"] == pytest.approx(g["morph_volume"] * image[inten].mean())


def test_single_voxel_and_empty_masks():
    mask = np.zeros((3, 3, 3), bool)
    mask[1, 1, 1] = True
    f = morphology_features(np.ones(mask.shape), mask, mask, (1.0, 1.0, 1.0))
    assert f["morph_volume"] == pytest.approx(1 / 6)  # the marching-cubes octahedron
    assert math.isnan(f["morph_pca_elongation"]) and math.isnan(f["morph_moran_i"])
    with pytest.raises(EmptyMaskError):
        morphology_features(np.ones(mask.shape), mask, np.zeros_like(mask), (1.0, 1.0, 1.0))
    with pytest.raises(EmptyMaskError):
        morphology_features(np.ones(mask.shape), np.zeros_like(mask), mask, (1.0, 1.0, 1.0))


# --------------------------------------------------------------------------- 2D shape set


def test_2d_disc_and_hole():
    yy, xx = np.mgrid[-30:31, -30:31]
    f = shape_features_2d((yy**2 + xx**2 <= 400)[None], (5.0, 0.5, 0.5))
    assert f["morph_2d_area_mesh"] == pytest.approx(math.pi * 100, rel=0.005)
    assert f["morph_2d_perimeter"] == pytest.approx(2 * math.pi * 10, rel=0.1)
    assert f["morph_2d_elongation"] == pytest.approx(1.0, abs=1e-9)
    assert f["morph_2d_diam"] == pytest.approx(20.5, abs=0.1)
    square = np.zeros((20, 20), bool)
    square[2:18, 2:18] = True
    square[6:12, 6:12] = False  # hole: 16^2 - 6^2 pixels
    g = shape_features_2d(square, (1.0, 1.0))
    assert g["morph_2d_area_mesh"] == pytest.approx(220.0)
    assert g["morph_2d_area_approx"] == 220.0


def test_2d_roi_uses_the_2d_set():
    rng = np.random.default_rng(0)
    mask = np.zeros((1, 12, 14), bool)
    mask[0, 3:9, 2:11] = True
    roi = _roi(rng.normal(size=mask.shape), mask, mask, (3.0, 0.8, 0.8), is_2d=True)
    values = morphology.FAMILY.compute(roi, SETTINGS)
    assert sorted(values) == sorted(f.tag for f in FEATURES_2D)
    assert values["morph_2d_area_approx"] == pytest.approx(54 * 0.64)
    with pytest.raises(DimensionalityError):
        shape_features_2d(np.ones((2, 4, 4), bool), (1.0, 1.0, 1.0))
