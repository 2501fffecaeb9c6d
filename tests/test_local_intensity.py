"""Local intensity features: IBSI reference values and the spherical mean filter against a
direct computation (the IBSI CT phantom check, configuration A, is in test_morphology.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import within_tolerance

from radiome.config.settings import ExtractionSettings
from radiome.errors import EmptyMaskError
from radiome.features import local_intensity
from radiome.features.local_intensity import (
    PEAK_RADIUS_MM,
    local_mean_map,
    peak_features,
    sphere_kernel,
)


def test_digital_phantom_reference(digital_phantom_roi, digital_phantom_reference):
    values = local_intensity.FAMILY.compute(digital_phantom_roi, ExtractionSettings())
    refs = {t: r for t, r in digital_phantom_reference.items() if t.startswith("loc_")}
    assert set(refs) == {"loc_peak_loc", "loc_peak_glob"}
    for tag, (ref, tol) in refs.items():
        assert within_tolerance(values[tag], ref, tol), (tag, values[tag], ref)


def test_family_specs():
    fam = local_intensity.FAMILY
    assert fam.name == "local_intensity" and fam.ibsi_code == "9ST6"
    assert {(f.tag, f.ibsi_code) for f in fam.features} == {
        ("loc_peak_loc", "VJGA"), ("loc_peak_glob", "0F91")}
    assert PEAK_RADIUS_MM == pytest.approx(6.2035, abs=1e-4)


@pytest.mark.parametrize("spacing", [(2.0, 2.0, 2.0), (3.0, 0.977, 0.977), (1.25, 2.5, 0.6)])
def test_sphere_kernel_matches_distance_rule(spacing):
    kernel = sphere_kernel(spacing)
    centre = np.array(kernel.shape) // 2
    pos = (np.argwhere(np.ones(kernel.shape, bool)) - centre) * np.asarray(spacing)
    inside = (np.linalg.norm(pos, axis=1) <= PEAK_RADIUS_MM).reshape(kernel.shape)
    np.testing.assert_array_equal(kernel, inside)
    # No voxel within the radius falls outside the kernel box.
    assert all(h * s <= PEAK_RADIUS_MM < (h + 1) * s for h, s in zip(centre, spacing))


def _brute_force_means(image, mask, spacing):
    all_pos = np.argwhere(np.ones(image.shape, bool)) * np.asarray(spacing)
    flat = image.ravel()
    out = {}
    for idx in map(tuple, np.argwhere(mask)):
        d = np.linalg.norm(all_pos - np.asarray(idx) * np.asarray(spacing), axis=1)
        out[idx] = flat[d <= PEAK_RADIUS_MM].mean()
    return out


@pytest.mark.parametrize("seed", range(3))
def test_local_means_equal_direct_computation_at_image_border(seed):
    rng = np.random.default_rng(seed)
    shape = (6, 9, 8)
    spacing = tuple(rng.uniform(0.8, 3.0, size=3))
    image = np.round(rng.normal(0, 100, shape))
    mask = rng.random(shape) < 0.3
    mask[0, 0, 0] = mask[-1, -1, -1] = True  # ROI touches the image edge
    means = local_mean_map(image, mask, spacing)
    for idx, ref in _brute_force_means(image, mask, spacing).items():
        assert means[idx] == pytest.approx(ref, rel=1e-9, abs=1e-9)
    assert np.isnan(means[~mask]).all()


def test_peaks_and_ties():
    image = np.zeros((9, 9, 9))
    mask = np.zeros(image.shape, bool)
    mask[2:7, 2:7, 2:7] = True
    image[3, 3, 3] = image[5, 5, 5] = 10.0  # two maxima, spheres apart at 4 mm spacing
    image[5, 5, 6] = 5.0  # raises the neighbourhood of the second maximum only
    spacing = (4.0, 4.0, 4.0)
    n = int(sphere_kernel(spacing).sum())
    assert n == 19  # centre, 6 faces, 12 edges: offsets within 6.2 mm / 4 mm = 1.55 voxels
    f = peak_features(image, mask, spacing)
    assert f["loc_peak_loc"] == pytest.approx(15.0 / n)
    assert f["loc_peak_glob"] == pytest.approx(15.0 / n)
    image[4, 4, 4] = 9.0  # a bright cluster without the maximum: global peak > local peak
    image[3:6, 4, 4] = image[4, 3:6, 4] = image[4, 4, 3:6] = 9.0
    f = peak_features(image, mask, spacing)
    means = _brute_force_means(image, mask, spacing)
    assert f["loc_peak_loc"] == pytest.approx(max(means[(3, 3, 3)], means[(5, 5, 5)]))
    assert f["loc_peak_glob"] == pytest.approx(max(means.values()))
    assert f["loc_peak_glob"] > f["loc_peak_loc"]


def test_crop_margin_does_not_change_values():
    rng = np.random.default_rng(4)
    image = np.round(rng.normal(0, 50, (20, 40, 40)))
    mask = np.zeros(image.shape, bool)
    mask[8:12, 15:25, 14:22] = True
    spacing = (3.0, 0.9, 0.9)
    full = peak_features(image, mask, spacing)
    m = (4, 12, 12)  # > 6.2 mm each side
    box = (slice(8 - m[0], 12 + m[0]), slice(15 - m[1], 25 + m[1]), slice(14 - m[2], 22 + m[2]))
    cropped = peak_features(image[box], mask[box], spacing)
    assert cropped == pytest.approx(full, rel=1e-12)


def test_constant_image_and_single_slice():
    image = np.full((1, 15, 15), 42.0)
    mask = np.zeros(image.shape, bool)
    mask[0, 5:9, 5:9] = True
    assert peak_features(image, mask, (5.0, 1.0, 1.0)) == pytest.approx(
        {"loc_peak_loc": 42.0, "loc_peak_glob": 42.0})
    with pytest.raises(EmptyMaskError):
        peak_features(image, np.zeros_like(mask), (5.0, 1.0, 1.0))
