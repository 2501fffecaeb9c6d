"""IBSI-1 compliance of preprocessing: every diagnostic reference value of the CT phantom under
configurations A to E (image and ROI at the init, interp and reseg stages), and the
discretisation that the intensity-histogram and texture families receive."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import load_ibsi_reference, shared_data, within_tolerance
from radiome.config.presets import preset
from radiome.io.image import Image, Mask
from radiome.preprocess import prepare, resample_image, resample_mask, round_intensities

pytestmark = pytest.mark.shared

CONFIGS = "abcde"
STAGES = ("_init_", "_interp_", "_reseg_")


def _read(path, cls):
    import SimpleITK as sitk

    itk = sitk.ReadImage(str(path))
    arr = sitk.GetArrayFromImage(itk)
    # SimpleITK spacing/origin are (x, y, z); radiome's are (z, y, x). Read as float (IBSI).
    geometry = dict(spacing=itk.GetSpacing()[::-1], origin=itk.GetOrigin()[::-1], direction=itk.GetDirection())
    if cls is Image:
        return Image(arr.astype(np.float64), modality="CT", **geometry)
    return Mask(arr > 0, name="GTV-1", **geometry)


@pytest.fixture(scope="module")
def ct_phantom() -> tuple[Image, Mask]:
    base = shared_data("ibsi", "ibsi_1_ct_radiomics_phantom", "nifti")
    return _read(base / "image" / "phantom.nii.gz", Image), _read(base / "mask" / "mask.nii.gz", Mask)


@pytest.fixture(scope="module")
def prepared(ct_phantom):
    image, mask = ct_phantom
    return {c: prepare(image, mask, preset(f"ibsi1-config-{c}"), image_diagnostics=True) for c in CONFIGS}


def _diagnostic_reference(config: str) -> dict[str, tuple[float, float]]:
    ref = load_ibsi_reference(f"ibsi_1_chest_config_{config}")
    return {tag: vt for tag, vt in ref.items() if any(s in tag for s in STAGES)}


@pytest.mark.parametrize("config", CONFIGS)
def test_every_diagnostic_matches_reference(config, prepared):
    reference = _diagnostic_reference(config)
    assert len(reference) == 60
    case = prepared[config]
    missing = sorted(set(reference) - set(case.diagnostics))
    assert not missing, f"diagnostic tags not produced: {missing}"
    misses = {
        tag: (case.diagnostics[tag], ref, tol)
        for tag, (ref, tol) in reference.items()
        if not within_tolerance(case.diagnostics[tag], ref, tol)
    }
    assert not misses, f"config {config.upper()}: (value, reference, tolerance) {misses}"


@pytest.mark.parametrize("config", CONFIGS)
def test_discretisation_levels_are_plausible(config, prepared):
    roi = prepared[config].roi
    expected_levels = {"a": 36, "b": 32, "c": 56, "d": 32, "e": 32}[config]
    # FBS 25 HU from the range's lower bound: A [-500, 400] -> 36 bins, C [-1000, 400] -> 56 bins
    assert roi.n_levels == expected_levels
    inside = roi.levels[roi.intensity_mask]
    assert inside.min() >= 1 and inside.max() <= roi.n_levels
    assert not roi.levels[~roi.intensity_mask].any()
    # most bins are occupied (FBS leaves the empty tails of the range unused)
    assert len(np.unique(inside)) >= (0.8 * roi.n_levels if config in "bde" else 20)
    if config in "ac":
        lo = -500.0 if config == "a" else -1000.0
        np.testing.assert_array_equal(inside, np.floor((roi.image[roi.intensity_mask] - lo) / 25.0).astype(int) + 1)
    else:
        vals = roi.image[roi.intensity_mask]
        assert (roi.levels[roi.intensity_mask][vals == vals.max()] == 32).all()
        assert (roi.levels[roi.intensity_mask][vals == vals.min()] == 1).all()


@pytest.mark.parametrize("config", CONFIGS)
def test_roi_is_the_cropped_prepared_case(config, prepared):
    case = prepared[config]
    roi = case.roi
    assert roi.morphology_mask.sum() == case.diagnostics["morph_mask_vox_count_reseg_roi"]
    assert roi.intensity_mask.sum() == case.diagnostics["int_mask_vox_count_reseg_roi"]
    assert roi.spacing == case.image.spacing
    expected_range = {"a": (-500.0, 400.0), "b": (-500.0, 400.0), "c": (-1000.0, 400.0), "d": None,
                      "e": (-1000.0, 400.0)}[config]
    assert roi.resegmentation_range == expected_range
    assert not roi.is_2d


def test_config_c_interpolation_equals_the_public_functions(ct_phantom, prepared):
    image, mask = ct_phantom
    case = prepared["c"]
    expected = round_intensities(resample_image(round_intensities(image), (2.0, 2.0, 2.0), "linear"))
    np.testing.assert_array_equal(case.image.array, expected.array)
    np.testing.assert_array_equal(case.morphology_mask.array, resample_mask(mask, (2.0, 2.0, 2.0)).array)


def test_digital_phantom_preset_gives_the_fixture_roi(digital_phantom_roi):
    import SimpleITK as sitk

    base = shared_data("ibsi", "ibsi_1_digital_phantom", "nifti")
    image = _read(base / "image" / "phantom.nii.gz", Image)
    itk = sitk.ReadImage(str(base / "mask" / "mask.nii.gz"))
    mask = Mask(sitk.GetArrayFromImage(itk) > 0, spacing=image.spacing, origin=image.origin, direction=image.direction)
    case = prepare(image, mask, preset("ibsi1-digital-phantom"))
    roi = case.roi
    assert roi.n_levels == digital_phantom_roi.n_levels == 6
    assert roi.image.shape == digital_phantom_roi.image.shape  # the phantom is smaller than the margin
    np.testing.assert_array_equal(roi.levels, digital_phantom_roi.levels)
    np.testing.assert_array_equal(roi.intensity_mask, digital_phantom_roi.intensity_mask)
    assert roi.spacing == pytest.approx(digital_phantom_roi.spacing)
