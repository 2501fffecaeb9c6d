"""Unit tests of IBSI-1 preprocessing: grid, interpolation, rounding, re-segmentation, cropping,
diagnostics and the processing chain (small synthetic inputs; no shared data needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st
from scipy import ndimage

from radiome.config.settings import ExtractionSettings
from radiome.errors import ConfigError, DimensionalityError, EmptyMaskError, GeometryError
from radiome.io.image import Image, Mask
from radiome.preprocess import (
    PreparedCase,
    crop_to_box,
    crop_box,
    crop_to_mask,
    diagnostics,
    ibsi_grid,
    interpolate_to_grid,
    margin_voxels,
    prepare,
    resample_image,
    resample_mask,
    resample_to_reference,
    resegment,
    round_intensities,
)
from radiome.preprocess.resample import threshold_mask

FLIP_XY = (-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0)


def _random_image(shape=(7, 9, 11), spacing=(3.0, 0.9, 1.1), seed=0, **kw) -> Image:
    rng = np.random.default_rng(seed)
    return Image(rng.normal(0, 100, shape).round(), spacing=spacing, origin=(5.0, -3.0, 12.0), **kw)


def _centre_xyz(value) -> np.ndarray:
    return value.index_to_physical((np.array(value.shape, dtype=float) - 1) / 2)


# --- grid -------------------------------------------------------------------------------


def test_grid_size_is_ceiling_of_extent_over_spacing():
    img = Image(np.zeros((5, 4, 7)), spacing=(3.0, 3.0, 1.0))
    g = ibsi_grid(img, (2.0, 2.0, 2.0))  # x: 7/2 -> 4, y: 12/2 -> 6, z: 15/2 -> 8
    assert g.shape == (8, 6, 4)
    assert g.spacing == (2.0, 2.0, 2.0)


def test_grid_exact_multiple_adds_no_voxel():
    img = Image(np.zeros((4, 4, 4)), spacing=(1.5, 1.5, 1.5))
    assert ibsi_grid(img, (3.0, 3.0, 3.0)).shape == (2, 2, 2)
    assert ibsi_grid(img, (1.5, 1.5, 1.5)).shape == (4, 4, 4)


def test_grid_manual_example_positions():
    # IBSI manual: 4 voxels of 3 mm to 2 mm -> 6 voxels, first at grid coordinate -1/6
    img = Image(np.zeros((1, 4, 4)), spacing=(3.0, 3.0, 3.0), is_2d=True)
    g = ibsi_grid(img, (2.0, 2.0, 2.0), in_plane_only=True)
    assert g.shape == (1, 6, 6)
    assert g.index_origin[1:] == pytest.approx((-1 / 6, -1 / 6))
    assert g.origin[1:] == pytest.approx((-0.5, -0.5))


@pytest.mark.parametrize("direction", [None, FLIP_XY])
def test_grid_centres_are_aligned(direction):
    kw = {"direction": direction} if direction else {}
    img = _random_image(**kw)
    g = ibsi_grid(img, (2.0, 2.0, 2.0))
    out = resample_image(img, (2.0, 2.0, 2.0))
    assert out.shape == g.shape and out.origin == pytest.approx(g.origin)
    np.testing.assert_allclose(_centre_xyz(out), _centre_xyz(img), atol=1e-9)


@hsettings(max_examples=40, deadline=None)
@given(
    shape=st.tuples(*[st.integers(1, 30)] * 3),
    spacing=st.tuples(*[st.floats(0.3, 5.0)] * 3),
    new=st.tuples(*[st.floats(0.3, 5.0)] * 3),
)
def test_grid_properties(shape, spacing, new):
    img = Image(np.zeros(shape), spacing=spacing)
    g = ibsi_grid(img, new)
    new_zyx = np.array(new[::-1])
    extent = np.array(shape) * np.array(spacing)
    assert np.all(np.array(g.shape) * new_zyx >= extent * (1 - 1e-9))  # covers the original
    assert np.all((np.array(g.shape) - 1) * new_zyx < extent * (1 + 1e-9))  # the smallest that does
    centre_new = np.array(g.origin) + (np.array(g.shape) - 1) / 2 * new_zyx
    centre_old = np.array(img.origin) + (np.array(shape) - 1) / 2 * np.array(spacing)
    np.testing.assert_allclose(centre_new, centre_old, atol=1e-9)


def test_in_plane_grid_keeps_slices():
    img = _random_image()
    g = ibsi_grid(img, (2.0, 2.0, 7.0), in_plane_only=True)
    assert g.shape[0] == img.shape[0]
    assert g.spacing[0] == img.spacing[0] and g.origin[0] == pytest.approx(img.origin[0])
    out = resample_image(img, (2.0, 2.0, 7.0), in_plane_only=True)
    # in-plane interpolation of each slice alone gives the same values
    ref = ndimage.affine_transform(img.array[3], g.index_step[1:], offset=g.index_origin[1:],
                                   output_shape=g.shape[1:], order=1, mode="nearest")
    np.testing.assert_allclose(out.array[3], ref, atol=1e-9)


def test_bad_spacing_and_method():
    img = _random_image()
    with pytest.raises(ConfigError, match="spacing_xyz"):
        resample_image(img, (1.0, 1.0))
    with pytest.raises(ConfigError, match="method"):
        resample_image(img, (1.0, 1.0, 1.0), method="bicubic")  # type: ignore[arg-type]


def test_3d_interpolation_of_2d_image_raises():
    img = Image(np.zeros((6, 6)), spacing=(1.0, 1.0, 1.0))
    assert img.is_2d
    with pytest.raises(DimensionalityError, match="in_plane_only"):
        resample_image(img, (2.0, 2.0, 2.0))
    assert resample_image(img, (2.0, 2.0, 2.0), in_plane_only=True).shape == (1, 3, 3)


# --- interpolation values ---------------------------------------------------------------


@pytest.mark.parametrize("method,order", [("nearest", 0), ("linear", 1), ("cubic", 3)])
def test_interpolation_matches_scipy_spline(method, order):
    img = _random_image()
    g = ibsi_grid(img, (2.0, 1.7, 2.2))
    out = resample_image(img, (2.0, 1.7, 2.2), method=method)
    ref = ndimage.affine_transform(img.array, g.index_step, offset=g.index_origin, output_shape=g.shape,
                                   order=order, mode="nearest")
    np.testing.assert_allclose(out.array, ref, atol=1e-6)


def test_linear_reproduces_a_ramp():
    z, y, x = np.meshgrid(*[np.arange(n, dtype=float) for n in (6, 8, 10)], indexing="ij")
    img = Image(2 * x - 3 * y + 0.5 * z, spacing=(1.0, 1.0, 1.0))
    g = ibsi_grid(img, (0.7, 0.7, 0.7))
    out = resample_image(img, (0.7, 0.7, 0.7))
    pz, py, px = np.meshgrid(*[g.positions(a) for a in range(3)], indexing="ij")
    inside = (px >= 0) & (px <= 9) & (py >= 0) & (py <= 7) & (pz >= 0) & (pz <= 5)
    np.testing.assert_allclose(out.array[inside], (2 * px - 3 * py + 0.5 * pz)[inside], atol=1e-9)


def test_same_spacing_is_identity():
    img = _random_image()
    for method in ("nearest", "linear", "cubic"):
        out = resample_image(img, img.spacing[::-1], method=method)
        np.testing.assert_allclose(out.array, img.array, atol=1e-6)
        assert out.origin == pytest.approx(img.origin)


def test_region_equals_crop_of_full_grid():
    img = _random_image(shape=(12, 14, 16))
    g = ibsi_grid(img, (2.0, 2.0, 2.0))
    region = (slice(2, 9), slice(1, 5), slice(3, 7))
    for method in ("linear", "cubic"):
        full = interpolate_to_grid(img, g, method)
        part = interpolate_to_grid(img, g, method, region=region)
        np.testing.assert_array_equal(part.array, full.array[region])
        np.testing.assert_allclose(part.index_to_physical(np.zeros(3)), full.index_to_physical([2, 1, 3]))


def test_mask_partial_volume_threshold():
    arr = np.zeros((1, 1, 8), bool)
    arr[0, 0, :3] = True
    m = Mask(arr, spacing=(1.0, 1.0, 1.0), is_2d=True)
    # 8 voxels of 1 mm -> 4 voxels of 2 mm at source indices 0.5, 2.5, 4.5, 6.5:
    # interpolated mask values 1, 0.5, 0, 0
    assert resample_mask(m, (2.0, 1.0, 1.0), in_plane_only=True).array.ravel().tolist() == [True, True, False, False]
    strict = resample_mask(m, (2.0, 1.0, 1.0), threshold=0.8, in_plane_only=True)
    assert strict.array.ravel().tolist() == [True, False, False, False]
    nearest = resample_mask(m, (2.0, 1.0, 1.0), method="nearest", in_plane_only=True)
    assert nearest.array.sum() in (1, 2)
    with pytest.raises(ConfigError, match="threshold"):
        resample_mask(m, (2.0, 1.0, 1.0), threshold=0.0, in_plane_only=True)


def test_mask_threshold_counts_exact_ties_in():
    assert threshold_mask(np.array([0.5 - 1e-15, 0.49, 0.5]), 0.5).tolist() == [True, False, True]
    # a tiny threshold never lets zeros in
    assert threshold_mask(np.array([0.0, 1e-10, 0.3]), 1e-10).tolist() == [False, True, True]


def test_resample_to_reference_2d():
    rng = np.random.default_rng(3)
    img = Image(rng.normal(size=(12, 14)), spacing=(1.0, 0.5, 0.5))
    ref = Image(np.zeros((6, 7)), spacing=(1.0, 1.0, 1.0), origin=(0.0, 0.25, 0.25))
    for method in ("linear", "cubic"):
        out = resample_to_reference(img, ref, method)
        assert out.shape == (1, 6, 7) and out.is_2d and out.same_grid(ref)
        expected = ndimage.map_coordinates(img.array[0], np.mgrid[0.5:12:2, 0.5:14:2], order={"linear": 1, "cubic": 3}[method],
                                           mode="nearest")
        np.testing.assert_allclose(out.array[0], expected, atol=1e-6)


def test_mask_on_same_grid_as_image_and_near_roi_evaluation_exact():
    img = _random_image(shape=(10, 20, 22))
    arr = np.zeros(img.shape, bool)
    arr[3:6, 5:12, 8:15] = True
    m = Mask(arr, spacing=img.spacing, origin=img.origin)
    for method in ("linear", "cubic", "nearest"):
        rm = resample_mask(m, (2.0, 2.0, 2.0), method=method)
        ri = resample_image(img, (2.0, 2.0, 2.0))
        assert rm.same_grid(ri)
        g = ibsi_grid(img, (2.0, 2.0, 2.0))
        order = {"nearest": 0, "linear": 1, "cubic": 3}[method]
        ref = ndimage.affine_transform(arr.astype(float), g.index_step, offset=g.index_origin,
                                       output_shape=g.shape, order=order, mode="nearest")
        np.testing.assert_array_equal(rm.array, ref >= 0.5 - 1e-9)


def test_resample_to_reference_identity_and_shift():
    img = _random_image()
    same = resample_to_reference(img, img)
    np.testing.assert_allclose(same.array, img.array, atol=1e-9)
    # a reference grid moved by whole voxels selects shifted voxels
    ref = Image(np.zeros((3, 4, 5)), spacing=img.spacing,
                origin=tuple(o + 2 * s for o, s in zip(img.origin, img.spacing)))
    out = resample_to_reference(img, ref, "nearest")
    np.testing.assert_allclose(out.array, img.array[2:5, 2:6, 2:7])
    assert out.same_grid(ref)


def test_resample_to_reference_respects_direction():
    arr = np.zeros((4, 5, 6), bool)
    arr[1, 1, 1] = True
    m = Mask(arr, spacing=(2.0, 1.0, 1.0), origin=(0.0, 0.0, 0.0))
    # the same physical voxels described with x and y flipped: origin at the far corner
    ref = Image(np.zeros((4, 5, 6)), spacing=(2.0, 1.0, 1.0), origin=(0.0, 4.0, 5.0), direction=FLIP_XY)
    out = resample_to_reference(m, ref, "nearest")
    (k,) = np.argwhere(out.array)
    np.testing.assert_allclose(out.index_to_physical(k), m.index_to_physical([1, 1, 1]))
    # a rotated (non axis-aligned) reference uses the general path and still finds the voxel
    rot = (0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    ref2 = Image(np.zeros((4, 6, 5)), spacing=(2.0, 1.0, 1.0), origin=(0.0, 0.0, 5.0), direction=rot)
    out2 = resample_to_reference(m, ref2, "nearest")
    (k2,) = np.argwhere(out2.array)
    np.testing.assert_allclose(out2.index_to_physical(k2), m.index_to_physical([1, 1, 1]), atol=1e-9)


def test_mask_outside_its_field_of_view_is_empty():
    m = Mask(np.ones((2, 3, 3), bool), spacing=(1.0, 1.0, 1.0))
    ref = Image(np.zeros((2, 9, 9)), spacing=(1.0, 1.0, 1.0), origin=(0.0, -3.0, -3.0))
    out = resample_to_reference(m, ref, "linear")
    assert out.array.sum() == 2 * 3 * 3


# --- rounding ---------------------------------------------------------------------------


def test_round_intensities_rule_and_noise():
    img = Image(np.array([[[-1000.5, -999.5, 0.5, 1.5, 2.4999999999999996, -3.7, 12.2]]]))
    assert round_intensities(img).array.ravel().tolist() == [-1000, -1000, 0, 2, 2, -4, 12]
    assert round_intensities(img).history[-1].name == "round_intensities"
    assert round_intensities(img, reason="round_input").history[-1].name == "round_input"


# --- re-segmentation --------------------------------------------------------------------


def _line(values, inside=None):
    v = np.array(values, dtype=float)[np.newaxis, np.newaxis]
    m = np.ones(v.shape, bool) if inside is None else np.array(inside, bool)[np.newaxis, np.newaxis]
    return Image(v), Mask(m)


def test_resegment_range_inclusive_and_open():
    img, m = _line([-1000, -500, 0, 400, 401])
    assert resegment(img, m, range=(-500, 400)).array.ravel().tolist() == [False, True, True, True, False]
    assert resegment(img, m, range=(-500, None)).array.ravel().tolist() == [False, True, True, True, True]
    assert resegment(img, m, range=(None, 0)).array.ravel().tolist() == [True, True, True, False, False]


def test_resegment_respects_the_roi():
    img, m = _line([0, 10, 20, 30], inside=[False, True, True, False])
    assert resegment(img, m, range=(-100, 100)).array.ravel().tolist() == [False, True, True, False]


def test_outlier_filter_uses_roi_mean_and_population_sd():
    values = np.r_[np.zeros(20), 100.0]
    img, m = _line(values)
    mu, sd = values.mean(), values.std()
    out = resegment(img, m, outlier_sigma=3.0).array.ravel()
    assert out.tolist() == (np.abs(values - mu) <= 3 * sd).tolist()
    assert not out[-1] and out[:20].all()
    assert resegment(img, m, outlier_sigma=3.0).history[-1].params["bounds"] == pytest.approx((mu - 3 * sd, mu + 3 * sd))


def test_range_and_outliers_intersect_with_statistics_before_range():
    values = np.array([-1200.0, -300, -200, -100, 0, 100, 200, 300, 350, 380])
    img, m = _line(values)
    mu, sd = values.mean(), values.std()  # statistics of the whole ROI, before the range
    lo, hi = max(-1000.0, mu - 2 * sd), min(320.0, mu + 2 * sd)
    out = resegment(img, m, range=(-1000, 320), outlier_sigma=2.0).array.ravel()
    assert out.tolist() == ((values >= lo) & (values <= hi)).tolist()


def test_resegment_empty_result_names_the_setting():
    img, m = _line([0.0, 1.0, 2.0])
    with pytest.raises(EmptyMaskError, match="range"):
        resegment(img, m, range=(10, 20))
    with pytest.raises(ConfigError, match="lower <= upper"):
        resegment(img, m, range=(5, 1))


def test_resegment_outlier_empty_names_outlier_setting():
    img, m = _line([-500.0, 1000.0])
    # range keeps only 1000; outlier bounds from the whole ROI are [250 - 750k, 250 + 750k]
    with pytest.raises(EmptyMaskError, match="outlier_sigma"):
        resegment(img, m, range=(900, None), outlier_sigma=0.5)


# --- cropping ---------------------------------------------------------------------------


def test_crop_box_margin_clipping_and_union():
    a = np.zeros((10, 10, 10), bool)
    b = np.zeros((10, 10, 10), bool)
    a[5, 5, 1] = True
    b[6, 8, 2] = True
    assert crop_box([a, b], (1, 2, 3)) == (slice(4, 8), slice(3, 10), slice(0, 6))
    assert crop_box(a, 0) == (slice(5, 6), slice(5, 6), slice(1, 2))
    with pytest.raises(EmptyMaskError):
        crop_box(np.zeros((3, 3, 3), bool), 1)


def test_margin_voxels_cover_the_margin():
    assert margin_voxels((3.0, 0.977, 2.0), 10.0) == (4, 11, 5)
    assert margin_voxels((2.0, 2.0, 2.0), 10.0) == (5, 5, 5)


def test_crop_to_mask_keeps_physical_positions():
    img = _random_image(shape=(20, 30, 30), spacing=(2.0, 1.0, 1.0), direction=FLIP_XY)
    arr = np.zeros(img.shape, bool)
    arr[10, 15, 12] = True
    m = Mask(arr, spacing=img.spacing, origin=img.origin, direction=FLIP_XY)
    c_img, (c_m,) = crop_to_mask(img, m, margin_mm=4.0)
    assert c_img.shape == (5, 9, 9)
    (k,) = np.argwhere(c_m.array)
    np.testing.assert_allclose(c_m.index_to_physical(k), m.index_to_physical([10, 15, 12]))
    assert c_img.array[tuple(k)] == img.array[10, 15, 12]
    assert c_img.history[-1].name == "crop"
    other = Mask(arr, spacing=(1.0, 1.0, 1.0))
    with pytest.raises(GeometryError):
        crop_to_mask(img, other)


# --- diagnostics ------------------------------------------------------------------------


def test_diagnostic_values_on_a_toy_case():
    img = Image(np.arange(60.0).reshape(3, 4, 5), spacing=(3.0, 2.0, 1.0))
    morph = np.zeros((3, 4, 5), bool)
    morph[0:2, 1:3, 1:5] = True
    inten = morph & (img.array > 25)
    d = diagnostics("reseg", img, Mask(inten, spacing=img.spacing), Mask(morph, spacing=img.spacing))
    assert "img_dim_x_reseg_img" not in d  # IBSI has no image tags for this stage
    assert (d["int_mask_dim_x_reseg_roi"], d["int_mask_dim_y_reseg_roi"], d["int_mask_dim_z_reseg_roi"]) == (5, 4, 3)
    assert (d["morph_mask_bb_dim_x_reseg_roi"], d["morph_mask_bb_dim_y_reseg_roi"], d["morph_mask_bb_dim_z_reseg_roi"]) == (4, 2, 2)
    assert (d["int_mask_bb_dim_x_reseg_roi"], d["int_mask_bb_dim_y_reseg_roi"], d["int_mask_bb_dim_z_reseg_roi"]) == (4, 2, 1)
    assert d["morph_mask_vox_count_reseg_roi"] == 16 and d["int_mask_vox_count_reseg_roi"] == inten.sum()
    assert d["int_mask_mean_int_reseg_roi"] == pytest.approx(img.array[inten].mean())
    d0 = diagnostics("init", img, Mask(morph, spacing=img.spacing), Mask(morph, spacing=img.spacing))
    assert (d0["vox_dim_x_init_img"], d0["vox_dim_y_init_img"], d0["vox_dim_z_init_img"]) == (1.0, 2.0, 3.0)
    assert (d0["mean_int_init_img"], d0["min_int_init_img"], d0["max_int_init_img"]) == (29.5, 0.0, 59.0)
    with pytest.raises(ConfigError, match="stage"):
        diagnostics("final", img, Mask(morph, spacing=img.spacing), Mask(morph, spacing=img.spacing))


def test_diagnostic_tags_are_the_reference_tags():
    from conftest import shared_data

    path = shared_data("ibsi", "reference", "ibsi_1", "ibsi_1_chest_config_a.csv")
    tags = {line.split(";")[2] for line in path.read_text().splitlines()[1:]}
    expected = {t for t in tags if any(f"_{s}_" in t for s in ("init", "interp", "reseg"))}
    img = Image(np.arange(24.0).reshape(2, 3, 4))
    m = Mask(img.array > 5)
    produced: set[str] = set()
    for stage in ("init", "interp", "reseg"):
        produced |= set(diagnostics(stage, img, m, m))
    assert produced == expected


# --- the chain --------------------------------------------------------------------------


def _case(shape=(16, 40, 40), spacing=(2.5, 0.8, 0.8), seed=1):
    rng = np.random.default_rng(seed)
    z, y, x = np.meshgrid(*[(np.arange(n) - (n - 1) / 2) * s for n, s in zip(shape, spacing)], indexing="ij")
    inside = x**2 + y**2 + z**2 <= 9.0**2
    arr = np.where(inside, 40 + 30 * rng.normal(size=shape), -800 + 50 * rng.normal(size=shape)).round()
    img = Image(arr, spacing=spacing, origin=(-20.0, -16.0, -16.0), modality="CT")
    msk = Mask(inside, spacing=spacing, origin=img.origin)
    return img, msk


def test_prepare_chain_values_and_purity():
    img, msk = _case()
    img_before, msk_before = img.array.copy(), msk.array.copy()
    s = ExtractionSettings(
        interpolation={"spacing_xyz": (1.0, 1.0, 1.0), "round_intensities": True},
        resegmentation={"range": (-100, 200)},
        discretisation={"method": "fbs", "bin_width": 25, "n_bins": None},
    )
    case = prepare(img, msk, s)
    assert isinstance(case, PreparedCase)
    np.testing.assert_array_equal(img.array, img_before)
    np.testing.assert_array_equal(msk.array, msk_before)
    assert img.history == () and msk.history == ()
    # full interpolated image and masks on the IBSI grid
    assert case.image.same_grid(resample_image(img, (1.0, 1.0, 1.0)))
    np.testing.assert_array_equal(case.morphology_mask.array, resample_mask(msk, (1.0, 1.0, 1.0)).array)
    np.testing.assert_array_equal(case.image.array, np.round(case.image.array))
    # ROI: crop with >= 10 mm margin (clipped at the border), levels 1..n inside, 0 outside
    roi = case.roi
    assert roi.spacing == (1.0, 1.0, 1.0) and roi.resegmentation_range == (-100.0, 200.0)
    assert roi.n_levels == 12  # FBS 25 from -100 to 200: ceil(300 / 25) bins
    lv = roi.levels[roi.intensity_mask]
    assert lv.min() >= 1 and lv.max() <= roi.n_levels and not roi.levels[~roi.intensity_mask].any()
    np.testing.assert_array_equal(lv, np.floor((roi.image[roi.intensity_mask] + 100) / 25).astype(int) + 1)
    assert (roi.intensity_mask <= roi.morphology_mask).all()
    assert roi.morphology_mask.sum() == case.morphology_mask.array.sum()
    assert roi.intensity_mask.sum() == case.intensity_mask.array.sum()
    for axis in range(3):
        idx = np.flatnonzero(roi.morphology_mask.any(axis=tuple(a for a in range(3) if a != axis)))
        before, after = idx[0], roi.image.shape[axis] - 1 - idx[-1]
        full = case.image.shape[axis]
        assert min(before, after) >= 10 or roi.image.shape[axis] == full
    # diagnostics of all stages, history in order
    assert case.diagnostics["int_mask_vox_count_init_roi"] == msk.array.sum()
    assert case.diagnostics["img_dim_x_interp_img"] == case.image.shape[2]
    assert case.diagnostics["int_mask_min_int_reseg_roi"] >= -100
    names = [st.name for st in case.history]
    assert names == ["interpolate_image", "round_intensities", "interpolate_mask", "resegment", "crop", "discretise"]


def test_prepare_fbn_and_no_preprocessing():
    img, msk = _case()
    case = prepare(img, msk, ExtractionSettings())
    assert case.roi.n_levels == 32 and case.roi.resegmentation_range is None
    assert case.image is img and case.intensity_mask is msk
    assert case.diagnostics["int_mask_vox_count_reseg_roi"] == msk.array.sum()
    assert case.diagnostics["img_dim_z_interp_img"] == img.shape[0]


def test_prepare_round_input_and_outliers():
    img, msk = _case()
    noisy = img.with_array(img.array + 0.3)
    s = ExtractionSettings(round_input=True, resegmentation={"outlier_sigma": 3.0})
    case = prepare(noisy, msk, s)
    assert [st.name for st in case.history][:1] == ["round_input"]
    assert case.diagnostics["mean_int_init_img"] == pytest.approx(img.array.mean())
    vals = np.round(noisy.array)[msk.array]
    lo, hi = vals.mean() - 3 * vals.std(), vals.mean() + 3 * vals.std()
    assert case.intensity_mask.array.sum() == ((vals >= lo) & (vals <= hi)).sum()


def test_prepare_errors():
    img, msk = _case()
    with pytest.raises(EmptyMaskError, match="no voxel"):
        prepare(img, msk.with_array(np.zeros(msk.shape, bool)), ExtractionSettings())
    with pytest.raises(EmptyMaskError, match="range"):
        prepare(img, msk, ExtractionSettings(resegmentation={"range": (5000, None)}))
    tiny = np.zeros(msk.shape, bool)
    tiny[8, 20, 20] = True
    with pytest.raises(EmptyMaskError, match="mask_threshold"):
        prepare(img, msk.with_array(tiny), ExtractionSettings(interpolation={"spacing_xyz": (4.0, 4.0, 4.0), "mask_threshold": 1.0}))
    with pytest.raises(GeometryError):
        prepare(img, Mask(msk.array, spacing=(1.0, 1.0, 1.0)), ExtractionSettings())


def test_prepare_2d_image_dimensionality():
    rng = np.random.default_rng(0)
    img = Image(rng.normal(size=(30, 30)).round(), spacing=(1.0, 0.5, 0.5))
    arr = np.zeros((30, 30), bool)
    arr[10:20, 10:20] = True
    msk = Mask(arr, spacing=(1.0, 0.5, 0.5))
    assert img.is_2d and msk.is_2d
    with pytest.raises(DimensionalityError, match="2_5D"):
        prepare(img, msk, ExtractionSettings(texture={"dimensions": ("2D", "2_5D")}))
    with pytest.raises(DimensionalityError, match="texture.dimensions"):
        prepare(img, msk, ExtractionSettings())  # default ('3D',)
    s2d = {"texture": {"dimensions": ("2D",)}}
    with pytest.raises(DimensionalityError, match="in_plane_only"):
        prepare(img, msk, ExtractionSettings(interpolation={"spacing_xyz": (1.0, 1.0, 1.0)}, **s2d))
    case = prepare(img, msk, ExtractionSettings(interpolation={"spacing_xyz": (1.0, 1.0, 1.0), "in_plane_only": True}, **s2d))
    assert case.roi.is_2d and case.roi.image.shape[0] == 1 and case.roi.spacing == (1.0, 1.0, 1.0)
    assert case.roi.morphology_mask.sum() == 25


def test_crop_value_updates_origin():
    img = _random_image()
    c = crop_to_box(img, (slice(1, 3), slice(2, 4), slice(0, 5)))
    np.testing.assert_allclose(c.index_to_physical(np.zeros(3)), img.index_to_physical([1, 2, 0]))
    assert math.isclose(c.array[0, 0, 0], img.array[1, 2, 0])
