"""load_case and the checks it runs: geometry, empty masks, masks outside the image, NaN."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import shared_data
from radiome.errors import (
    EmptyMaskError,
    GeometryError,
    IntensityError,
    LabelError,
    MaskOutsideImageError,
)
from radiome.io import (
    Image,
    Mask,
    align_mask_to_image,
    check_intensities,
    check_mask,
    load_case,
    write_image,
    write_mask,
)
from radiome.io.case import voxels_outside

SPACING = (3.0, 0.8, 0.8)
ORIGIN = (-50.0, 10.0, -20.0)
SHAPE = (6, 10, 12)


def _image(seed=0) -> Image:
    rng = np.random.default_rng(seed)
    return Image(rng.normal(40.0, 10.0, SHAPE), spacing=SPACING, origin=ORIGIN, modality="CT")


def _mask(**geometry) -> Mask:
    arr = np.zeros(geometry.pop("shape", SHAPE), bool)
    arr[2:4, 3:7, 4:9] = True
    kw = {"spacing": SPACING, "origin": ORIGIN, **geometry}
    return Mask(arr, name="GTV", **kw)


def _write_pair(tmp_path, image: Image, mask: Mask):
    return write_image(image, tmp_path / "img.nii.gz"), write_mask(mask, tmp_path / "msk.nrrd")


def test_load_case_round_trip(tmp_path):
    img, msk = _image(), _mask()
    ip, mp = _write_pair(tmp_path, img, msk)
    image, mask = load_case(ip, mp)
    assert image.modality == "CT" and mask.name == "GTV"
    assert mask.same_grid(image, tol=1e-9)
    np.testing.assert_array_equal(mask.array, msk.array)
    assert mask.voxel_count == 40


def test_load_case_multi_label_needs_label(tmp_path):
    img = _image()
    lab = np.zeros(SHAPE, np.uint8)
    lab[1, 1, 1] = 1
    lab[3, 3, 3:5] = 2
    ip = write_image(img, tmp_path / "img.nii.gz")
    import SimpleITK as sitk

    li = sitk.GetImageFromArray(lab)
    li.SetSpacing(SPACING[::-1])
    li.SetOrigin(ORIGIN[::-1])
    sitk.WriteImage(li, str(tmp_path / "lab.nii.gz"))
    with pytest.raises(LabelError, match=r"labels \[1, 2\].*--label"):
        load_case(ip, tmp_path / "lab.nii.gz")
    _, mask = load_case(ip, tmp_path / "lab.nii.gz", label=2)
    assert mask.voxel_count == 2


def test_empty_mask(tmp_path):
    img = _image()
    empty = Mask(np.zeros(SHAPE, bool), spacing=SPACING, origin=ORIGIN, name="GTV")
    with pytest.raises(EmptyMaskError, match="Check the label / ROI name, and that the mask belongs"):
        check_mask(img, empty)
    ip, mp = _write_pair(tmp_path, img, empty)
    with pytest.raises(EmptyMaskError, match="has no voxel"):
        load_case(ip, mp)


def test_mismatched_geometry(tmp_path):
    img = _image()
    other_spacing = _mask(spacing=(3.0, 0.9, 0.9))
    with pytest.raises(GeometryError, match=r"spacing .*Resample the mask onto the image grid"):
        check_mask(img, other_spacing)
    other_shape = _mask(shape=(6, 10, 11))
    with pytest.raises(GeometryError, match=r"size .*align_mask_to_image"):
        check_mask(img, other_shape)
    half_voxel = _mask(origin=(ORIGIN[0], ORIGIN[1] + 0.4, ORIGIN[2]))
    with pytest.raises(GeometryError, match="origin"):
        align_mask_to_image(img, half_voxel)
    ip, mp = _write_pair(tmp_path, img, other_spacing)
    with pytest.raises(GeometryError, match="Resample the mask"):
        load_case(ip, mp)
    from radiome.io import read_image, read_mask

    kept = read_mask(mp, reference=read_image(ip))  # not alignable: keeps its own grid
    np.testing.assert_allclose(kept.spacing, (3.0, 0.9, 0.9))


def test_grid_within_tolerance_is_put_on_image_geometry(tmp_path):
    img = _image()
    close = _mask(spacing=(3.0, 0.80005, 0.8), origin=(ORIGIN[0], ORIGIN[1], ORIGIN[2] + 0.01))
    check_mask(img, close)  # accepted as is by the check
    aligned = align_mask_to_image(img, close)
    assert aligned.spacing == img.spacing and aligned.origin == img.origin
    assert aligned.history[-1].params["method"] == "snap"
    ip, mp = _write_pair(tmp_path, img, close)
    image, mask = load_case(ip, mp)
    assert mask.spacing == image.spacing and mask.origin == image.origin
    with pytest.raises(GeometryError):
        load_case(ip, mp, geometry_tolerance=1e-9)


def test_cropped_mask_on_same_lattice_is_embedded():
    img = _image()
    crop = np.zeros((2, 3, 4), bool)
    crop[0, 1, 1:3] = True
    crop[1, 2, 0] = True
    start = (2, 4, 5)
    origin_xyz = img.index_to_physical(np.array(start, float))
    small = Mask(crop, spacing=SPACING, origin=tuple(origin_xyz[::-1]), name="GTV")
    aligned = align_mask_to_image(img, small)
    expected = np.zeros(SHAPE, bool)
    expected[2:4, 4:7, 5:9] = crop
    np.testing.assert_array_equal(aligned.array, expected)
    assert aligned.history[-1].params == {"method": "embed", "offset_zyx": start}
    check_mask(img, aligned)


def test_mask_outside_image():
    img = _image()
    shifted = _mask(origin=(ORIGIN[0], ORIGIN[1], ORIGIN[2] + 5 * 0.8))  # 5 voxels along x
    assert voxels_outside(img, shifted) == (16, 40)
    with pytest.raises(MaskOutsideImageError, match=r"partly outside.*16 of 40.*Check that the mask belongs"):
        check_mask(img, shifted)
    with pytest.raises(MaskOutsideImageError, match="partly outside"):
        align_mask_to_image(img, shifted)
    far = _mask(origin=(ORIGIN[0] + 500.0, ORIGIN[1], ORIGIN[2]), spacing=(2.0, 0.8, 0.8))
    with pytest.raises(MaskOutsideImageError, match="entirely outside"):
        check_mask(img, far)


def test_nan_in_roi():
    arr = _image().array.copy()
    arr[2, 3, 4] = np.nan
    arr[3, 6, 8] = np.inf
    arr[0, 0, 0] = np.nan  # outside the ROI: allowed
    img = Image(arr, spacing=SPACING, origin=ORIGIN)
    with pytest.raises(IntensityError, match=r"2 of 40 voxels .*\(1 NaN, 1 infinite\).*leave them out of the ROI"):
        check_intensities(img, _mask())
    fixed = _mask().with_array(_mask().array & np.isfinite(img.array))
    check_intensities(img, fixed)


def test_load_case_nan_in_roi(tmp_path):
    arr = _image().array.copy()
    arr[3, 4, 5] = np.nan
    ip, mp = _write_pair(tmp_path, Image(arr, spacing=SPACING, origin=ORIGIN), _mask())
    with pytest.raises(IntensityError, match="1 NaN"):
        load_case(ip, mp)


def test_checks_do_not_modify_inputs():
    img, msk = _image(), _mask()
    before_i, before_m = img.array.copy(), msk.array.copy()
    check_mask(img, msk)
    check_intensities(img, msk)
    align_mask_to_image(img, msk)
    np.testing.assert_array_equal(img.array, before_i)
    np.testing.assert_array_equal(msk.array, before_m)


@pytest.mark.shared
def test_load_case_sts_nifti():
    base = shared_data("sts", "nifti", "STS_001")
    image, mask = load_case(base / "CT_image.nii.gz", base / "CT_mask.nii.gz", modality="CT")
    assert image.modality == "CT"
    assert mask.same_grid(image) and mask.voxel_count > 1000
    assert [s.name for s in image.history] == ["read_image"]


@pytest.mark.shared
def test_load_case_sts_dicom_rtstruct():
    base = shared_data("sts", "dicom", "STS_001", "CT")
    rs = next((base / "mask").glob("*.dcm"))
    image, mask = load_case(base / "image", rs, roi_name="GTV_Mass")
    assert mask.same_grid(image) and mask.voxel_count > 1000
    with pytest.raises(LabelError):
        load_case(base / "image", rs, roi_name="no such ROI")
