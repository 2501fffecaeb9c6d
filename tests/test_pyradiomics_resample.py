"""The PyRadiomics mode's separable B-spline / nearest-neighbour resampling against SimpleITK.

``radiome.compat.pyradiomics.resample`` reproduces SimpleITK's ``ResampleImageFilter``
(``sitkBSpline`` for the image, ``sitkNearestNeighbor`` for the mask, output in the input
pixel type) on PyRadiomics' grid. These tests require the resampled voxels to EQUAL
SimpleITK's after the cast to the pixel type (float32 and integer images, upsampling and
downsampling, ROI boxes touching the image border; float64 images within double rounding), and the path to step aside (``None``)
where it does not apply, so that the caller runs SimpleITK itself.
"""

from __future__ import annotations

import numpy as np
import pytest

sitk = pytest.importorskip("SimpleITK")

from conftest import shared_data  # noqa: E402
from radiome.compat.pyradiomics import preprocess  # noqa: E402
from radiome.compat.pyradiomics.params import load_params  # noqa: E402
from radiome.compat.pyradiomics.resample import (  # noqa: E402
    bspline_coefficients,
    resample_bspline,
    resample_nearest,
)


def _image(arr: np.ndarray, spacing=(0.9, 1.1, 2.7), origin=(-12.3, 4.5, 100.25), direction=None):
    img = sitk.GetImageFromArray(arr)
    img.SetSpacing(spacing)
    img.SetOrigin(origin)
    if direction is not None:
        img.SetDirection(direction)
    return img


def _sitk_resample(img, ref, interpolator):
    rif = sitk.ResampleImageFilter()
    rif.SetReferenceImage(ref)
    rif.SetOutputPixelType(img.GetPixelID())
    rif.SetInterpolator(interpolator)
    return sitk.GetArrayFromImage(rif.Execute(img))


def _grid(size, spacing, origin, direction=(1, 0, 0, 0, 1, 0, 0, 0, 1)):
    ref = sitk.Image([int(s) for s in size], sitk.sitkUInt8)
    ref.SetSpacing(spacing)
    ref.SetOrigin(origin)
    ref.SetDirection(direction)
    return ref


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    old = sitk.ProcessObject.GetGlobalDefaultNumberOfThreads()
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
    yield
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(old)


def test_coefficients_equal_itk_decomposition() -> None:
    rng = np.random.default_rng(0)
    for shape in ((7, 9, 11), (30, 21, 25), (1, 5, 40), (2, 19, 3)):
        arr = rng.normal(0, 100, shape)
        ref = sitk.GetArrayFromImage(sitk.BSplineDecomposition(sitk.GetImageFromArray(arr), 3))
        np.testing.assert_array_equal(bspline_coefficients(arr), ref)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int16", "uint8", "int32", "uint16"])
@pytest.mark.parametrize("target", [(1.0, 1.0, 1.0), (2.0, 0.5, 1.3)])
def test_bspline_equals_simpleitk(dtype: str, target: tuple[float, float, float]) -> None:
    rng = np.random.default_rng(1)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    arr = rng.normal(120, 90, (14, 23, 19))
    if info is not None:  # integer images, values reaching both ends of the type's range
        arr = np.clip(arr, info.min, info.max)
        arr[0, 0, :3] = [info.min, info.max, info.max]
    img = _image(arr.astype(dtype))
    # a grid that covers the image border, one voxel beyond it, and its inside
    size = (int(19 * 0.9 / target[0]) + 2, int(23 * 1.1 / target[1]) + 2, int(14 * 2.7 / target[2]) + 2)
    origin = img.TransformContinuousIndexToPhysicalPoint((-0.3, -0.45, -0.2))
    ref = _grid(size, target, origin)
    mine = resample_bspline(img, ref.GetSize(), ref.GetOrigin(), ref.GetSpacing(), ref.GetDirection())
    assert mine is not None
    expected = _sitk_resample(img, ref, sitk.sitkBSpline)
    got = sitk.GetArrayFromImage(mine)
    assert got.dtype == expected.dtype
    if dtype == "float64":  # no cast to hide the order of the 64 products: double rounding only
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    else:
        np.testing.assert_array_equal(got, expected)


def test_nearest_equals_simpleitk_with_half_voxel_ties() -> None:
    rng = np.random.default_rng(2)
    arr = rng.integers(0, 4, (11, 13, 12)).astype(np.uint32)
    img = _image(arr, spacing=(4.6875, 5.46875, 3.27), origin=(0.0, 0.0, 0.0))
    # PyRadiomics' corner-aligned 1 mm grid: grid points fall exactly half-way between voxels
    origin_index = 0.5 * (np.array([1.0, 1.0, 1.0]) - img.GetSpacing()) / img.GetSpacing()
    ref = _grid((56, 71, 36), (1.0, 1.0, 1.0), img.TransformContinuousIndexToPhysicalPoint(origin_index.tolist()))
    mine = resample_nearest(img, ref.GetSize(), ref.GetOrigin(), ref.GetSpacing(), ref.GetDirection())
    assert mine is not None
    np.testing.assert_array_equal(sitk.GetArrayFromImage(mine), _sitk_resample(img, ref, sitk.sitkNearestNeighbor))


def test_uncovered_grids_are_left_to_simpleitk() -> None:
    arr = np.arange(6 * 7 * 8, dtype=np.float32).reshape(6, 7, 8)
    oblique = (0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    img = _image(arr, direction=oblique)
    ref = _grid((5, 5, 5), (1.0, 1.0, 1.0), img.GetOrigin())  # identity direction: not the image's
    assert resample_bspline(img, ref.GetSize(), ref.GetOrigin(), ref.GetSpacing(), ref.GetDirection()) is None
    assert resample_nearest(img, ref.GetSize(), ref.GetOrigin(), ref.GetSpacing(), ref.GetDirection()) is None
    flat = sitk.GetImageFromArray(arr[0])
    assert resample_bspline(flat, (4, 4), (0.0, 0.0), (0.5, 0.5), (1.0, 0.0, 0.0, 1.0)) is None
    # a grid point exactly on the buffer edge (-0.5): SimpleITK's own test decides
    plain = _image(arr, spacing=(1.0, 1.0, 1.0), origin=(0.0, 0.0, 0.0))
    edge = _grid((4, 4, 4), (1.0, 1.0, 1.0), (-0.5, 0.0, 0.0))
    assert resample_bspline(plain, edge.GetSize(), edge.GetOrigin(), edge.GetSpacing(), edge.GetDirection()) is None


def test_oblique_but_equal_direction_matches_simpleitk() -> None:
    c, s = np.cos(0.3), np.sin(0.3)
    direction = (c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0)
    arr = np.random.default_rng(3).normal(0, 50, (9, 12, 10)).astype(np.float32)
    img = _image(arr, direction=direction)
    ref = _grid((11, 15, 20), (0.8, 0.9, 1.1), img.TransformContinuousIndexToPhysicalPoint((0.2, 0.1, 0.3)), direction)
    mine = resample_bspline(img, ref.GetSize(), ref.GetOrigin(), ref.GetSpacing(), ref.GetDirection())
    assert mine is not None
    np.testing.assert_array_equal(sitk.GetArrayFromImage(mine), _sitk_resample(img, ref, sitk.sitkBSpline))


@pytest.mark.shared
@pytest.mark.parametrize("case", ["STS_002", "STS_008", "STS_019"])
@pytest.mark.parametrize("modality", ["CT", "MR_T1", "PET"])
def test_sts_resampling_equals_simpleitk(case: str, modality: str) -> None:
    """PyRadiomics' 1 mm grid on real patients: image and mask voxels equal SimpleITK's."""
    image = sitk.ReadImage(str(shared_data("sts", "nifti", case, f"{modality}_image.nii.gz")))
    mask = sitk.ReadImage(str(shared_data("sts", "nifti", case, f"{modality}_mask.nii.gz")))
    s = load_params({"setting": {"resampledPixelSpacing": [1, 1, 1], "padDistance": 5}}).setting
    mask = preprocess.get_mask(mask, s)
    img, msk = preprocess.resample(image, mask, s)
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(img), _sitk_resample(image, img, sitk.sitkBSpline))
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(msk), _sitk_resample(mask, msk, sitk.sitkNearestNeighbor))
