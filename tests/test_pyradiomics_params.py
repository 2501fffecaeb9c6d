"""PyRadiomics parameter files, PyRadiomics' binning, and the PyRadiomics-mode entry point."""

from __future__ import annotations

import ast

import numpy as np
import pytest
from hypothesis import given, settings as hyp_settings, strategies as st

from radiome.compat.pyradiomics.params import (
    FEATURE_NAMES,
    PyRadiomicsParams,
    PyRadiomicsSettings,
    bin_edges,
    discretise,
    load_params,
)
from radiome.errors import ConfigError, GeometryError, LabelError, MaskError
from radiome.io.image import Image, Mask

# ------------------------------------------------------------------------------- settings


def test_defaults_are_pyradiomics_defaults():
    s = PyRadiomicsSettings()
    assert s.binWidth == 25 and s.binCount is None
    assert s.resampledPixelSpacing is None and s.interpolator == "sitkBSpline"
    assert s.padDistance == 5 and s.label == 1 and s.normalize is False and s.normalizeScale == 1
    assert s.removeOutliers is None and s.resegmentRange is None and s.resegmentMode == "absolute"
    assert s.force2D is False and s.force2Ddimension == 0 and s.distances == (1,)
    assert s.symmetricalGLCM is True and s.weightingNorm is None and s.gldm_a == 0
    assert s.voxelArrayShift == 0 and s.minimumROIDimensions == 2 and s.minimumROISize is None
    assert s.correctMask is False and s.preCrop is False and s.resegmentShape is False
    assert s.wavelet == "coif1" and s.start_level == 0 and s.level == 1 and s.sigma == ()


def test_params_without_file_enable_all_but_shape2d():
    p = load_params(None)
    assert p.imageType == {"Original": {}}
    assert set(p.featureClass) == set(FEATURE_NAMES) - {"shape2D"}


def test_load_dict_with_sections():
    p = load_params(
        {
            "setting": {"binWidth": 10, "resampledPixelSpacing": [1, 1, 0], "interpolator": "sitkLinear"},
            "imageType": {"Original": {}, "LoG": {"sigma": [1.0, 3.0]}},
            "featureClass": {"firstorder": ["Mean", "StandardDeviation"], "glcm": None, "shape": []},
        }
    )
    assert p.setting.binWidth == 10 and p.setting.resampledPixelSpacing == (1.0, 1.0, 0.0)
    assert p.settings_for("LoG").sigma == (1.0, 3.0)
    assert p.settings_for("Original").sigma == ()
    assert p.featureClass == {"firstorder": ("Mean", "StandardDeviation"), "glcm": None, "shape": None}
    assert p.feature_classes_given and p.given_settings == ("binWidth", "resampledPixelSpacing", "interpolator")


def test_load_yaml_file(tmp_path):
    f = tmp_path / "params.yaml"
    f.write_text("setting:\n  binCount: 32\n  label: 2\nimageType:\n  Original: {}\nfeatureClass:\n  shape:\n")
    p = load_params(f)
    assert p.setting.binCount == 32 and p.setting.label == 2
    assert p.featureClass == {"shape": None}
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_params(empty).imageType == {"Original": {}}


@pytest.mark.parametrize(
    ("params", "hint"),
    [
        ({"setting": {"binwidth": 5}}, "binWidth"),
        ({"settings": {}}, "setting"),
        ({"imageType": {"wavelet": {}}}, "Wavelet"),
        ({"imageType": {"LoG": {"sigmas": [1]}}}, "sigma"),
        ({"featureClass": {"GLCM": None}}, "glcm"),
        ({"featureClass": {"glcm": ["Contrst"]}}, "Contrast"),
    ],
)
def test_unknown_keys_are_rejected_with_a_suggestion(params, hint):
    with pytest.raises(ConfigError, match=hint):
        load_params(params)


@pytest.mark.parametrize(
    "setting",
    [
        {"binWidth": 0},
        {"binWidth": -1},
        {"resegmentMode": "abs"},
        {"interpolator": "sitkCubic"},
        {"interpolator": 11},
        {"weightingNorm": "L2"},
        {"minimumROIDimensions": 4},
        {"force2Ddimension": 3},
        {"distances": [0]},
        {"distances": 1},
        {"resegmentRange": [1, 2, 3]},
        {"wavelet": "coif99"},
        {"label": 0},
    ],
)
def test_invalid_values_raise_config_error(setting):
    with pytest.raises(ConfigError):
        load_params({"setting": setting})


def test_missing_file_raises(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_params(tmp_path / "nope.yaml")


def test_settings_are_frozen():
    s = PyRadiomicsSettings()
    with pytest.raises(Exception):
        s.binWidth = 3  # type: ignore[misc]
    assert s.updated({"binWidth": 3}).binWidth == 3 and s.binWidth == 25


def test_reported_settings_follow_pyradiomics():
    p = load_params({"setting": {"binWidth": 5, "voxelArrayShift": 300}})
    rep = p.setting.as_pyradiomics_dict(p.given_settings)
    assert rep["binWidth"] == 5 and rep["voxelArrayShift"] == 300 and rep["distances"] == [1]
    assert "gldm_a" not in rep  # not an extractor default, not given


def test_params_object_passes_through():
    p = PyRadiomicsParams()
    assert load_params(p) is p


# -------------------------------------------------------------------------------- binning


def test_bin_width_edges_start_at_a_multiple_of_the_width():
    # PyRadiomics' documented example: values 54..166, width 25 -> edges 50, 75, ..., 175 (+200)
    edges = bin_edges(np.array([54.0, 100.0, 166.0]), PyRadiomicsSettings(binWidth=25))
    assert edges[:6].tolist() == [50, 75, 100, 125, 150, 175]
    assert discretise(np.array([54.0, 74.9, 75.0, 166.0]), PyRadiomicsSettings()).tolist() == [1, 1, 2, 5]


def test_maximum_on_an_edge_opens_a_new_bin():
    levels = discretise(np.array([0.0, 10.0, 50.0]), PyRadiomicsSettings(binWidth=25))
    assert levels.tolist() == [1, 1, 3]  # 50 is in [50, 75)


def test_negative_values_floor_towards_minus_infinity():
    levels = discretise(np.array([-26.0, -25.0, -1.0, 0.0]), PyRadiomicsSettings(binWidth=25))
    assert levels.tolist() == [1, 2, 2, 3]


def test_flat_region_gives_one_bin():
    assert discretise(np.array([50.0, 50.0]), PyRadiomicsSettings()).tolist() == [1, 1]
    # binCount on a flat ROI: numpy.histogram spans value +- 0.5, so the value lands in the
    # middle bin (PyRadiomics keeps that index; the texture matrices then have empty levels).
    assert discretise(np.array([7.0, 7.0]), PyRadiomicsSettings(binCount=16)).tolist() == [9, 9]


def test_bin_count_puts_the_maximum_in_the_top_bin():
    x = np.linspace(3.0, 11.0, 9)
    levels = discretise(x, PyRadiomicsSettings(binCount=4))
    assert levels.min() == 1 and levels.max() == 4 and levels[-1] == 4
    assert np.bincount(levels)[1:].tolist() == [2, 2, 2, 3]


@hyp_settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-3000, 3000), min_size=1, max_size=50),
    st.sampled_from([1, 5, 25, 64]),
)
def test_bin_width_formula(values, width):
    x = np.array(values, dtype=np.int16)
    levels = discretise(x, PyRadiomicsSettings(binWidth=width))
    expected = np.floor(x / width) - np.floor(x.min() / width) + 1
    assert levels.tolist() == expected.astype(int).tolist()


# ----------------------------------------------------------------------- extraction entry


def _phantom(seed: int = 0) -> tuple[Image, Mask]:
    rng = np.random.default_rng(seed)
    z, y, x = np.mgrid[:12, :20, :20]
    roi = ((z - 6) / 4.5) ** 2 + ((y - 10) / 7) ** 2 + ((x - 9) / 6) ** 2 <= 1
    arr = np.round(rng.normal(100, 30, roi.shape) + 40 * roi).astype(np.int16)
    spacing = (2.5, 0.8, 0.8)
    img = Image(array=arr, spacing=spacing, origin=(-4.0, 3.0, 1.0), metadata={"source_dtype": "int16"})
    return img, Mask(array=roi, spacing=spacing, origin=(-4.0, 3.0, 1.0))


def test_image_objects_and_files_give_the_same_row(tmp_path):
    import SimpleITK as sitk

    from radiome.compat.pyradiomics import extract_pyradiomics

    img, msk = _phantom()
    params = {"setting": {"binWidth": 10, "resampledPixelSpacing": [1, 1, 1]},
              "featureClass": {"firstorder": None, "shape": None}}
    a = extract_pyradiomics(img, msk, params)
    s_img = sitk.GetImageFromArray(np.asarray(img.array, dtype=np.int16))
    s_msk = sitk.GetImageFromArray(np.asarray(msk.array, dtype=np.uint8))
    for s in (s_img, s_msk):
        s.SetSpacing(img.spacing[::-1])
        s.SetOrigin(img.origin[::-1])
    sitk.WriteImage(s_img, str(tmp_path / "i.nrrd"))
    sitk.WriteImage(s_msk, str(tmp_path / "m.nrrd"))
    b = extract_pyradiomics(tmp_path / "i.nrrd", tmp_path / "m.nrrd", params)
    feats = [k for k in a if not k.startswith("diagnostics_")]
    assert feats and feats == [k for k in b if not k.startswith("diagnostics_")]
    assert all(a[k] == pytest.approx(b[k], rel=1e-12) for k in feats)
    assert a["diagnostics_Image-interpolated_Spacing"] == "(1.0, 1.0, 1.0)"
    assert "original_shape_Maximum3DDiameter" in a and "original_firstorder_Mean" in a


def test_only_named_features_and_deprecated_on_request():
    from radiome.compat.pyradiomics import extract_pyradiomics

    img, msk = _phantom(1)
    row = extract_pyradiomics(img, msk, {"setting": {"additionalInfo": False},
                                          "featureClass": {"firstorder": ["StandardDeviation", "Mean"]}})
    assert set(row) == {"original_firstorder_StandardDeviation", "original_firstorder_Mean"}
    vals = np.asarray(img.array)[np.asarray(msk.array)].astype(float)
    assert row["original_firstorder_Mean"] == pytest.approx(vals.mean(), rel=1e-12)
    assert row["original_firstorder_StandardDeviation"] == pytest.approx(vals.std(), rel=1e-12)


def test_voxel_array_shift_and_total_energy():
    from radiome.compat.pyradiomics import extract_pyradiomics

    img, msk = _phantom(2)
    row = extract_pyradiomics(img, msk, {"setting": {"voxelArrayShift": 300, "additionalInfo": False},
                                          "featureClass": {"firstorder": ["Energy", "TotalEnergy"]}})
    vals = np.asarray(img.array)[np.asarray(msk.array)].astype(float)
    assert row["original_firstorder_Energy"] == pytest.approx(np.sum((vals + 300) ** 2), rel=1e-12)
    assert row["original_firstorder_TotalEnergy"] == pytest.approx(row["original_firstorder_Energy"] * 2.5 * 0.64)


def test_shape2d_on_a_single_slice():
    from radiome.compat.pyradiomics import extract_pyradiomics

    img, msk = _phantom(3)
    one = np.zeros(msk.shape, bool)
    one[6] = msk.array[6]
    row = extract_pyradiomics(img, Mask(array=one, spacing=msk.spacing, origin=msk.origin),
                              {"setting": {"force2D": True, "additionalInfo": False},
                               "featureClass": {"shape2D": None}})
    assert row["original_shape2D_PixelSurface"] == pytest.approx(one.sum() * 0.64)
    assert 0 < row["original_shape2D_Sphericity"] <= 1


def test_errors_say_what_to_do():
    from radiome.compat.pyradiomics import extract_pyradiomics

    img, msk = _phantom(4)
    with pytest.raises(LabelError, match="label 2"):
        extract_pyradiomics(img, _relabel(msk, 1), {"setting": {"label": 2}})
    moved = Mask(array=msk.array, spacing=msk.spacing, origin=(0.0, 3.0, 1.0))
    with pytest.raises(GeometryError, match="correctMask"):
        extract_pyradiomics(img, moved, {"featureClass": {"firstorder": None}})
    single = np.zeros(msk.shape, bool)
    single[5, 5, 5] = True
    with pytest.raises(MaskError, match="single voxel"):
        extract_pyradiomics(img, Mask(array=single, spacing=msk.spacing, origin=msk.origin))


def _relabel(msk: Mask, label: int):
    import SimpleITK as sitk

    arr = np.asarray(msk.array).astype(np.uint32) * label
    out = sitk.GetImageFromArray(arr)
    out.SetSpacing(msk.spacing[::-1])
    out.SetOrigin(msk.origin[::-1])
    return out


def test_correct_mask_resamples_onto_the_image():
    from radiome.compat.pyradiomics import extract_pyradiomics

    img, msk = _phantom(5)
    shifted = Mask(array=msk.array, spacing=msk.spacing, origin=(-4.0 + 2.5, 3.0, 1.0))
    row = extract_pyradiomics(img, shifted, {"setting": {"correctMask": True},
                                              "featureClass": {"firstorder": ["Mean"]}})
    assert row["diagnostics_Mask-corrected_VoxelNum"] == row["diagnostics_Mask-original_VoxelNum"]
    before = ast.literal_eval(row["diagnostics_Mask-original_BoundingBox"])
    after = ast.literal_eval(row["diagnostics_Mask-corrected_BoundingBox"])
    assert after[2] == before[2] + 1 and after[:2] == before[:2]  # one slice further in z
