"""radiome.io.dicom.rtstruct: ROI choice, rasterisation (holes, several contours), errors."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from conftest import shared_data
from dicom_factory import Geometry, Study, circle, ct_volume, write_ct, write_rtstruct

from radiome.errors import (
    DicomError,
    EmptyMaskError,
    GeometryError,
    LabelError,
    MaskOutsideImageError,
)
from radiome.io.dicom import list_rtstruct_rois, read_dicom_series, read_rtstruct
from radiome.io.dicom.rtstruct import fill_polygon

STS_CASES = [(p, m) for p in ("STS_001", "STS_007", "STS_009") for m in ("CT", "MR_T1", "PET")]
GEOM = Geometry(shape=(6, 32, 32), spacing=(2.0, 0.8, 0.7), origin=(-30.2, 12.4, -101.3))


def dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2.0 * np.count_nonzero(a & b) / (np.count_nonzero(a) + np.count_nonzero(b))


# ------------------------------------------------------------------ shared data


@pytest.mark.shared
@pytest.mark.parametrize("patient,mod", STS_CASES)
def test_sts_rtstruct_matches_nifti_mask(patient: str, mod: str) -> None:
    base = shared_data("sts", "dicom", patient, mod)
    image = read_dicom_series(base / "image")
    mask = read_rtstruct(base / "mask" / "RS.dcm", reference=image, roi_name="GTV_Mass")
    assert mask.name == f"GTV_Mass_{mod}"
    ref = sitk.GetArrayFromImage(
        sitk.ReadImage(str(shared_data("sts", "nifti", patient, f"{mod}_mask.nii.gz")))
    ).astype(bool)
    assert mask.shape == ref.shape and mask.same_grid(image)
    assert dice(mask.array, ref) >= 0.98  # measured: 1.0 (identical voxels) for all nine


@pytest.mark.shared
def test_ibsi_ct_phantom_rtstruct_matches_nifti_mask() -> None:
    base = shared_data("ibsi", "ibsi_1_ct_radiomics_phantom")
    image = read_dicom_series(base / "dicom" / "image")
    assert list_rtstruct_rois(base / "dicom" / "mask") == ["GTV-1"]
    mask = read_rtstruct(base / "dicom" / "mask", reference=image)
    ref = sitk.GetArrayFromImage(sitk.ReadImage(str(base / "nifti" / "mask" / "mask.nii.gz"))).astype(bool)
    assert dice(mask.array, ref) >= 0.98  # measured: 1.0


# ------------------------------------------------------------------ synthetic


@pytest.fixture()
def reference(tmp_path):
    write_ct(tmp_path / "ct", ct_volume(GEOM.shape), geometry=GEOM)
    return read_dicom_series(tmp_path / "ct")


def _centres_mm(geom: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Physical x, y (mm) of the pixel centres of an axial slice, shape (rows, columns)."""
    ny, nx = geom.shape[1:]
    x = geom.origin[0] + geom.spacing[2] * np.arange(nx)
    y = geom.origin[1] + geom.spacing[1] * np.arange(ny)
    return np.meshgrid(x, y)


def _disc(centre, radius, geom=GEOM) -> np.ndarray:
    xx, yy = _centres_mm(geom)
    d = np.hypot(xx - centre[0], yy - centre[1])
    margin = np.abs(d - radius).min()
    assert margin > 1e-3, "test premise: no pixel centre on the circle"
    return d < radius


def _idx_to_mm(i: float, j: float) -> tuple[float, float]:
    return GEOM.origin[0] + GEOM.spacing[2] * i, GEOM.origin[1] + GEOM.spacing[1] * j


def test_annulus_and_two_contours_on_one_slice(tmp_path, reference) -> None:
    z = {k: GEOM.ipp(k)[2] for k in range(GEOM.shape[0])}
    c0, (r_out, r_in) = _idx_to_mm(15.3, 15.6), (9.05, 4.1)
    a, ra = _idx_to_mm(7.2, 8.4), 3.3
    b, rb = _idx_to_mm(22.6, 21.3), 4.3
    radii = (9.45, 6.25, 2.45)
    contours = [
        circle(c0, r_in, z[1]),  # the hole first: the even-odd rule ignores the order
        circle(c0, r_out, z[1]),
        circle(a, ra, z[3]),
        circle(b, rb, z[3]),
        circle(c0, radii[0], z[4]),  # ring with an island inside its hole
        circle(c0, radii[1], z[4]),
        circle(c0, radii[2], z[4]),
    ]
    write_rtstruct(tmp_path / "rs.dcm", {"GTV": contours})
    mask = read_rtstruct(tmp_path / "rs.dcm", reference)
    expected = np.zeros(GEOM.shape, dtype=bool)
    expected[1] = _disc(c0, r_out) & ~_disc(c0, r_in)
    expected[3] = _disc(a, ra) | _disc(b, rb)
    expected[4] = _disc(c0, radii[0]) ^ _disc(c0, radii[1]) ^ _disc(c0, radii[2])
    np.testing.assert_array_equal(mask.array, expected)
    assert mask.same_grid(reference) and mask.name == "GTV"
    assert mask.metadata["n_contours"] == 7
    assert expected[1].sum() > 100 and not expected[1][15, 15]  # a real hole


def test_oblique_reference_rectangle(tmp_path) -> None:
    geom = Geometry(shape=(5, 16, 16), spacing=(3.0, 0.9, 1.1), iop=(0.8, 0.6, 0.0, -0.36, 0.48, 0.8))
    write_ct(tmp_path / "ct", ct_volume(geom.shape), geometry=geom)
    ref = read_dicom_series(tmp_path / "ct")
    # rectangle with corners between pixel centres, in index space (x, y) on slice 2
    corners = np.array([[2.5, 3.4], [11.6, 3.4], [11.6, 9.7], [2.5, 9.7]])
    pts = geom.to_physical(np.column_stack([corners, np.full(4, 2.0)]))
    write_rtstruct(tmp_path / "rs.dcm", {"box": [pts]})
    mask = read_rtstruct(tmp_path / "rs.dcm", ref)
    expected = np.zeros(geom.shape, dtype=bool)
    expected[2, 4:10, 3:12] = True  # rows 3.4..9.7 -> 4..9, columns 2.5..11.6 -> 3..11
    np.testing.assert_array_equal(mask.array, expected)


def test_roi_selection_by_name(tmp_path, reference) -> None:
    z = GEOM.ipp(2)[2]
    roi = [circle(_idx_to_mm(15.3, 15.6), 5.1, z)]
    path = write_rtstruct(
        tmp_path / "rs.dcm", {"GTV_Mass_CT": roi, "PTV": roi, "ptv_ring": roi}
    )
    assert list_rtstruct_rois(path) == ["GTV_Mass_CT", "PTV", "ptv_ring"]
    assert read_rtstruct(path, reference, roi_name="gtv_mass_ct").name == "GTV_Mass_CT"
    assert read_rtstruct(path, reference, roi_name="ptv").name == "PTV"  # exact beats substring
    assert read_rtstruct(path, reference, roi_name="RING").name == "ptv_ring"
    assert read_rtstruct(path, reference, roi_name="Mass").name == "GTV_Mass_CT"
    with pytest.raises(LabelError, match="'GTV_Mass_CT', 'PTV', 'ptv_ring'"):
        read_rtstruct(path, reference)
    with pytest.raises(LabelError, match="no ROI named 'liver'; available"):
        read_rtstruct(path, reference, roi_name="liver")
    with pytest.raises(LabelError, match="matches several"):
        read_rtstruct(path, reference, roi_name="t")


def test_contour_between_slices_raises(tmp_path, reference) -> None:
    z = GEOM.ipp(2.5)[2]
    write_rtstruct(tmp_path / "rs.dcm", {"GTV": [circle(_idx_to_mm(15.3, 15.6), 5.1, z)]})
    with pytest.raises(DicomError, match="between reference slices"):
        read_rtstruct(tmp_path / "rs.dcm", reference)


def test_contour_outside_image(tmp_path, reference) -> None:
    zin, zout = GEOM.ipp(2)[2], GEOM.ipp(9)[2]
    c = _idx_to_mm(15.3, 15.6)
    write_rtstruct(tmp_path / "rs.dcm", {"GTV": [circle(c, 5.1, zin), circle(c, 5.1, zout)]})
    with pytest.raises(MaskOutsideImageError, match="allow_outside=True"):
        read_rtstruct(tmp_path / "rs.dcm", reference)
    mask = read_rtstruct(tmp_path / "rs.dcm", reference, allow_outside=True)
    assert mask.array[2].sum() == _disc(c, 5.1).sum() and mask.array.sum() == mask.array[2].sum()
    assert mask.metadata["cropped_outside_image"] == 1


def test_other_frame_of_reference_raises(tmp_path, reference) -> None:
    z = GEOM.ipp(2)[2]
    write_rtstruct(
        tmp_path / "rs.dcm", {"GTV": [circle(_idx_to_mm(15.3, 15.6), 5.1, z)]},
        for_uid=Study(seed=99).for_uid,
    )
    with pytest.raises(GeometryError, match="frame of reference"):
        read_rtstruct(tmp_path / "rs.dcm", reference)


def test_empty_and_point_rois(tmp_path, reference) -> None:
    z = GEOM.ipp(2)[2]
    x, y = _idx_to_mm(15.5, 15.5)
    tiny = np.array([[x - 0.1, y - 0.1, z], [x + 0.1, y - 0.1, z], [x, y + 0.1, z]])
    write_rtstruct(tmp_path / "a.dcm", {"tiny": [tiny]})
    with pytest.raises(EmptyMaskError, match="no voxel centre"):
        read_rtstruct(tmp_path / "a.dcm", reference)
    write_rtstruct(tmp_path / "b" / "b.dcm", {"marker": [tiny[:1]]}, geometric_type="POINT")
    with pytest.raises(DicomError, match="no closed planar contour"):
        read_rtstruct(tmp_path / "b", reference)


def test_fill_polygon_equals_skimage_off_boundary() -> None:
    from skimage.draw import polygon2mask

    rng = np.random.default_rng(11)
    for _ in range(200):
        pts = rng.uniform(-4.0, 36.0, size=(int(rng.integers(3, 25)), 2))  # (x, y), self-crossing too
        np.testing.assert_array_equal(fill_polygon(pts, (30, 33)), polygon2mask((30, 33), pts[:, ::-1]))


def test_fill_polygon_half_open_boundary() -> None:
    square = np.array([[1.0, 2.0], [4.0, 2.0], [4.0, 5.0], [1.0, 5.0]])  # x 1..4, y 2..5
    out = fill_polygon(square, (8, 8))
    expected = np.zeros((8, 8), dtype=bool)
    expected[2:5, 1:4] = True  # 3 x 3 pixels for a 3 x 3 square: area preserved
    np.testing.assert_array_equal(out, expected)
    # two squares sharing an edge do not share pixels
    right = square + [3.0, 0.0]
    assert not (fill_polygon(right, (8, 8)) & out).any()
