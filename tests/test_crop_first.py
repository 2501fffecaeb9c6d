"""Crop first: interpolating and filtering only the ROI's box plus margins gives the features
of interpolating and filtering the whole image.

Exactness. Interpolation of a sub-box of the IBSI grid is bit for bit the full grid's; the
Laplacian of Gaussian, separable wavelets (every level) and plain Laws kernels are cascades of
1D convolutions whose value at a voxel is a fixed sum over its neighbours, so their values in
the ROI's crop are bit for bit the same: these features are compared with ``==``. Three
filters are equal only to rounding: the mean filter and the Laws energy map use running sums
along each line (:func:`scipy.ndimage.uniform_filter1d`), whose rounding depends on where the
line starts, and the Gabor filter multiplies in the Fourier domain, whose rounding depends on
the transform size; those are compared to 1e-12 relative (the differences seen are about
1e-15 to 1e-13).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import shared_data
from radiome.config.filters import (
    GaborFilterSettings,
    LawsFilterSettings,
    LoGFilterSettings,
    MeanFilterSettings,
    SimoncelliFilterSettings,
    WaveletFilterSettings,
)
from radiome.config.presets import preset
from radiome.config.settings import settings_from_dict
from radiome.errors import GeometryError
from radiome.features.registry import family
from radiome.filters.variants import (
    apply_filter,
    filter_margin_voxels,
    filters_margin_voxels,
    response_map_roi,
    response_map_settings,
)
from radiome.io.image import Image, Mask
from radiome.preprocess.crop import grow_box
from radiome.preprocess.pipeline import WHOLE_IMAGE_DIAGNOSTICS, prepare
from radiome.preprocess.resample import resample_image, resample_mask

#: Filters whose cropped response is equal only up to rounding (see the module docstring).
ROUNDING_KINDS = ("mean", "gabor")

LOG_AND_WAVELETS = (
    [{"kind": "log", "sigma_mm": s} for s in (1.0, 3.0, 5.0)]
    + [{"kind": "wavelet", "wavelet": "coif1", "response": r} for r in ("LLH", "HLH", "HHH")]
    + [{"kind": "wavelet", "wavelet": "db2", "response": "LHL", "level": 2}]
)


def _rounding_only(flt) -> bool:
    return flt.kind in ROUNDING_KINDS or (flt.kind == "laws" and flt.energy_distance is not None)


def _features(image, mask, cfg, crop_first: bool):
    """What :func:`radiome.extraction.extract` computes, with the filters on the working image."""
    case = prepare(image, mask, cfg, crop_first=crop_first)
    out = {}
    for name in cfg.families:
        out.update({f"original/{k}": v for k, v in family(name).compute(case.roi, cfg).items()})
    rm_cfg = response_map_settings(cfg)
    exact = {k: True for k in out}
    for flt in cfg.filters:
        roi = response_map_roi(case, apply_filter(case.working_image, flt), cfg)
        for name in cfg.response_map_families:
            values = family(name).compute(roi, rm_cfg)
            out.update({f"{flt.name}/{k}": v for k, v in values.items()})
            exact.update({f"{flt.name}/{k}": not _rounding_only(flt) for k in values})
    return case, out, exact


def _assert_same(full: dict, crop: dict, exact: dict) -> None:
    assert full.keys() == crop.keys()
    bad = {}
    for k, a in full.items():
        b = crop[k]
        if math.isnan(a) and math.isnan(b):
            continue
        ok = a == b if exact[k] else b == pytest.approx(a, rel=1e-12, abs=1e-12)
        if not ok:
            bad[k] = (a, b)
    assert not bad, f"features that differ with crop first: {bad}"


def _assert_same_case(full, crop) -> None:
    np.testing.assert_array_equal(full.roi.image, crop.roi.image)
    np.testing.assert_array_equal(full.roi.levels, crop.roi.levels)
    np.testing.assert_array_equal(full.roi.intensity_mask, crop.roi.intensity_mask)
    np.testing.assert_array_equal(full.roi.morphology_mask, crop.roi.morphology_mask)
    assert full.roi.n_levels == crop.roi.n_levels and full.roi.spacing == crop.roi.spacing
    assert full.history == crop.history
    whole = {p.format("interp") for p in WHOLE_IMAGE_DIAGNOSTICS}
    assert set(full.diagnostics) >= whole
    assert {k: v for k, v in full.diagnostics.items() if k not in whole} == {
        k: v for k, v in crop.diagnostics.items() if k not in whole}


# ---------------------------------------------------------------------------------------------
# real patients: CT, PET and MR at 1 mm with LoG and wavelets
# ---------------------------------------------------------------------------------------------

STS_SETTINGS = {
    "CT": {"resegmentation": {"range": [-1000, 400]}, "discretisation": {"method": "fbs", "bin_width": 25, "n_bins": None}},
    "PET": {"discretisation": {"method": "fbs", "bin_width": 0.5, "n_bins": None}},
    "MR_T1": {"resegmentation": {"outlier_sigma": 3.0}, "discretisation": {"method": "fbn", "n_bins": 32}},
}


@pytest.fixture(scope="module", params=["CT", "PET", "MR_T1"])
def sts_case(request):
    from radiome.io import load_case

    base = shared_data("sts", "nifti", "STS_019")
    modality = request.param
    image, mask = load_case(base / f"{modality}_image.nii.gz", base / f"{modality}_mask.nii.gz")
    filters = LOG_AND_WAVELETS if modality == "CT" else LOG_AND_WAVELETS[1:2] + LOG_AND_WAVELETS[4:5]
    cfg = settings_from_dict({
        "interpolation": {"spacing_xyz": [1, 1, 1], "image_method": "cubic", "round_intensities": modality == "CT"},
        "families": ["intensity_statistics", "intensity_histogram", "glcm", "local_intensity"],
        "filters": filters,
        "response_map_families": ["intensity_statistics", "local_intensity", "glcm"],
        **STS_SETTINGS[modality],
    })
    return modality, image, mask, cfg


@pytest.mark.shared
def test_sts_features_identical_with_crop_first(sts_case):
    modality, image, mask, cfg = sts_case
    full, f_full, exact = _features(image, mask, cfg, crop_first=False)
    crop, f_crop, _ = _features(image, mask, cfg, crop_first=True)
    assert all(exact.values())
    _assert_same(f_full, f_crop, exact)
    _assert_same_case(full, crop)
    # the crop is smaller than the grid, and the lazily computed full-grid values are the same
    assert np.prod(crop.working_image.shape) < np.prod(full.working_image.shape)
    assert crop.grid == full.grid and full.working_image.shape == full.grid.shape
    np.testing.assert_array_equal(crop.image.array, full.image.array)
    np.testing.assert_array_equal(crop.morphology_mask.array, full.morphology_mask.array)
    np.testing.assert_array_equal(crop.intensity_mask.array, full.intensity_mask.array)
    # a response of the whole image gives the same ROI as one of the working image
    flt = cfg.filters[0]
    roi_full = response_map_roi(crop, apply_filter(crop.image, flt), cfg)
    roi_crop = response_map_roi(crop, apply_filter(crop.working_image, flt), cfg)
    np.testing.assert_array_equal(roi_full.image, roi_crop.image)


@pytest.mark.shared
def test_sts_extract_is_unchanged(sts_case):
    from radiome.extraction import extract

    modality, image, mask, cfg = sts_case
    cfg = cfg.model_copy(update={"filters": cfg.filters[:1], "families": ("intensity_statistics", "glcm")})
    _, expected, _ = _features(image, mask, cfg, crop_first=False)
    res = extract(image, mask, cfg, naming="ibsi")
    got = {f"{r.variant}/{r.tag}": r.value for r in res.records}
    assert got.keys() == expected.keys()
    assert all(got[k] == v or (math.isnan(got[k]) and math.isnan(v)) for k, v in expected.items())


# ---------------------------------------------------------------------------------------------
# ROIs that touch the image border, every boundary condition and filter kind
# ---------------------------------------------------------------------------------------------


def _border_case(seed: int = 0):
    rng = np.random.default_rng(seed)
    shape = (40, 30, 36)
    arr = np.round(rng.normal(40, 30, size=shape) + np.linspace(-50, 50, shape[2]))
    image = Image(arr, spacing=(2.0, 1.0, 1.0), origin=(5.0, -3.0, 7.0), modality="CT")
    m = np.zeros(shape, bool)
    m[17:23, 0:8, 14:20] = True  # touches y = 0
    m[18:21, 6:9, 20:36] = True  # touches the last x
    return image, Mask(m, spacing=image.spacing, origin=image.origin)


BORDER_FILTERS = [
    {"kind": "log", "sigma_mm": 1.5, "boundary": b} for b in ("mirror", "constant", "nearest", "periodic")
] + [
    {"kind": "log", "sigma_mm": 2.0, "dimensions": "2D", "boundary": "periodic"},
    {"kind": "wavelet", "wavelet": "db2", "response": "HLH", "level": 2, "boundary": "periodic"},
    {"kind": "wavelet", "wavelet": "haar", "response": "LH", "rotation_invariant": True},
    {"kind": "laws", "kernels": "E5L5S5", "rotation_invariant": True, "boundary": "constant"},
    {"kind": "laws", "kernels": "L5E5", "energy_distance": 3, "boundary": "periodic"},
    {"kind": "mean", "support": 5, "boundary": "nearest"},
    {"kind": "gabor", "sigma_mm": 2.0, "lambda_mm": 3.0, "boundary": "mirror"},
]


@pytest.mark.parametrize("interpolate", [False, True], ids=["native", "interpolated"])
def test_roi_touching_the_border(interpolate):
    image, mask = _border_case()
    cfg = settings_from_dict({
        "interpolation": {"spacing_xyz": [1.5, 1.5, 1.5]} if interpolate else {},
        "families": ["intensity_statistics", "local_intensity", "glcm"],
        "filters": BORDER_FILTERS,
        "response_map_families": ["intensity_statistics", "local_intensity"],
        "resegmentation": {"range": [-50, 200]},
        "discretisation": {"method": "fbs", "bin_width": 10, "n_bins": None},
    })
    full, f_full, exact = _features(image, mask, cfg, crop_first=False)
    crop, f_crop, _ = _features(image, mask, cfg, crop_first=True)
    _assert_same(f_full, f_crop, exact)
    _assert_same_case(full, crop)
    # y and x reach the border: whole axes; z has room: cropped
    work = crop.working_box
    assert (work[1].start, work[1].stop) == (0, crop.grid.shape[1])
    assert (work[2].start, work[2].stop) == (0, crop.grid.shape[2])
    assert work[0].stop - work[0].start < crop.grid.shape[0]


def test_fourier_filters_get_the_whole_image():
    rng = np.random.default_rng(1)
    image = Image(np.round(rng.normal(40, 30, size=(40, 50, 50))), spacing=(2.0, 1.0, 1.0))
    m = np.zeros(image.shape, bool)
    m[18:22, 22:27, 22:28] = True
    mask = Mask(m, spacing=image.spacing)
    flts = [{"kind": "simoncelli", "level": 1}, {"kind": "log", "sigma_mm": 1.0, "riesz_order": [1, 0, 0]}]
    for flt in flts:
        cfg = settings_from_dict({"families": ["intensity_statistics"], "filters": [flt, {"kind": "log", "sigma_mm": 1.0}]})
        case = prepare(image, mask, cfg)
        assert case.working_image.shape == image.shape
        _, f_full, exact = _features(image, mask, cfg, crop_first=False)
        _, f_crop, _ = _features(image, mask, cfg, crop_first=True)
        _assert_same(f_full, f_crop, exact)
    # an interior ROI with a local filter only: cropped on every axis
    cfg = settings_from_dict({"families": ["intensity_statistics"], "filters": [{"kind": "log", "sigma_mm": 1.0}]})
    case = prepare(image, mask, cfg)
    assert all(w.stop - w.start < n for w, n in zip(case.working_box, image.shape))


# ---------------------------------------------------------------------------------------------
# margins, diagnostics, lazy full-grid values, response maps on either grid
# ---------------------------------------------------------------------------------------------


def test_filter_margins():
    iso = (1.0, 1.0, 1.0)
    assert filter_margin_voxels(LoGFilterSettings(sigma_mm=3.0), iso) == (12, 12, 12)
    assert filter_margin_voxels(LoGFilterSettings(sigma_mm=3.0), (3.0, 1.0, 0.5)) == (4, 12, 24)
    assert filter_margin_voxels(LoGFilterSettings(sigma_mm=3.0, dimensions="2D"), iso) == (0, 12, 12)
    assert filter_margin_voxels(MeanFilterSettings(support=7), iso) == (3, 3, 3)
    assert filter_margin_voxels(LawsFilterSettings(kernels="L3E5", energy_distance=7), iso) == (0, 9, 9)
    assert filter_margin_voxels(GaborFilterSettings(sigma_mm=2.0, lambda_mm=3.0, gamma=0.5), iso) == (16, 16, 16)
    # coif1: 6 taps -> 7 centred (half 3); level 2 adds the dilated filter's 6
    assert filter_margin_voxels(WaveletFilterSettings(wavelet="coif1", response="LLH"), iso) == (3, 3, 3)
    assert filter_margin_voxels(WaveletFilterSettings(wavelet="coif1", response="LH", level=2), iso) == (0, 9, 9)
    assert filter_margin_voxels(SimoncelliFilterSettings(), iso) is None
    assert filter_margin_voxels(LoGFilterSettings(sigma_mm=1.0, riesz_order=(1, 0, 0)), iso) is None
    both = (LoGFilterSettings(sigma_mm=1.0), MeanFilterSettings(support=9, dimensions="2D"))
    assert filters_margin_voxels(both, iso) == (4, 4, 4)
    assert filters_margin_voxels((), iso) == (0, 0, 0)
    assert grow_box((slice(3, 5),) * 3, (1, 2, 4), (10, 10, 10), whole_axis_at_border=True) == (
        slice(2, 6), slice(1, 7), slice(0, 10))


def test_whole_image_diagnostics_only_when_asked():
    image, mask = _border_case(2)
    base = settings_from_dict({"interpolation": {"spacing_xyz": [1.5, 1.5, 1.5], "round_intensities": True}})
    whole = {p.format("interp") for p in WHOLE_IMAGE_DIAGNOSTICS}
    default = prepare(image, mask, base)
    assert whole.isdisjoint(default.diagnostics)
    asked = prepare(image, mask, base, image_diagnostics=True)
    reference = prepare(image, mask, base, crop_first=False)
    assert dict(asked.diagnostics) == dict(reference.diagnostics)
    assert whole <= set(reference.diagnostics)
    full = resample_image(image, (1.5, 1.5, 1.5))
    assert reference.diagnostics["img_dim_x_interp_img"] == default.diagnostics["img_dim_x_interp_img"] == full.shape[2]
    assert asked.diagnostics["max_int_interp_img"] == np.round(full.array).max()
    # without interpolation the interpolated image is the input: always described
    plain = prepare(image, mask, settings_from_dict({}))
    assert plain.diagnostics["mean_int_interp_img"] == plain.diagnostics["mean_int_init_img"]
    # the compliance check asks for every diagnostic
    ct_like = image.with_array(image.array)
    case = prepare(ct_like, mask, preset("ibsi1-config-c"), image_diagnostics=True)
    assert whole <= set(case.diagnostics)


def test_lazy_full_grid_values():
    image, mask = _border_case(3)
    cfg = settings_from_dict({
        "interpolation": {"spacing_xyz": [1.0, 1.0, 1.0], "round_intensities": True},
        "resegmentation": {"range": [0, 100]},
    })
    case = prepare(image, mask, cfg)
    assert np.prod(case.working_image.shape) < np.prod(case.grid.shape)
    expected = np.round(resample_image(image, (1.0, 1.0, 1.0)).array)
    np.testing.assert_array_equal(case.image.array, expected)
    assert case.image.same_grid(case.morphology_mask) and case.image.shape == case.grid.shape
    np.testing.assert_array_equal(case.morphology_mask.array, resample_mask(mask, (1.0, 1.0, 1.0)).array)
    inside = case.morphology_mask.array & (expected >= 0) & (expected <= 100)
    np.testing.assert_array_equal(case.intensity_mask.array, inside)
    np.testing.assert_array_equal(case.image.array[case.roi_box_full], case.roi.image)
    np.testing.assert_array_equal(case.working_image.array[case.roi_box], case.roi.image)


def test_response_map_on_another_grid_is_refused():
    image, mask = _border_case(4)
    cfg = settings_from_dict({"filters": [{"kind": "mean", "support": 3}], "families": ["intensity_statistics"]})
    case = prepare(image, mask, cfg)
    other = Image(np.zeros((5, 5, 5)))
    with pytest.raises(GeometryError, match="working_image"):
        response_map_roi(case, apply_filter(other, cfg.filters[0]), cfg)
