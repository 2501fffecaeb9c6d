"""radiome.io.dicom.series: stacking, geometry, checks, 2D images; shared STS and IBSI data."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from conftest import shared_data
from dicom_factory import (
    Geometry,
    Study,
    ct_volume,
    uid,
    write_2d,
    write_ct,
    write_rgb_us,
    write_rtstruct,
    write_series,
)

from radiome.errors import DicomError, InputError, MissingSliceError
from radiome.io.dicom import dicom_kind, list_series, read_dicom_series

STS_CASES = [(p, m) for p in ("STS_001", "STS_007", "STS_009") for m in ("CT", "MR_T1", "PET")]


def _sitk_geometry(img: sitk.Image) -> tuple[tuple, tuple, tuple]:
    """(spacing, origin) in (z, y, x) order and the direction, from a SimpleITK image."""
    return img.GetSpacing()[::-1], img.GetOrigin()[::-1], img.GetDirection()


# ------------------------------------------------------------------ shared data


@pytest.mark.shared
@pytest.mark.parametrize("patient,mod", STS_CASES)
def test_sts_series_matches_nifti(patient: str, mod: str) -> None:
    image = read_dicom_series(shared_data("sts", "dicom", patient, mod, "image"))
    nifti_dir = shared_data("sts", "nifti", patient)
    img_path = nifti_dir / f"{mod}_image.nii.gz"
    # Some NIfTI images are missing from the cohort (the masks are there): check the grid
    # against the mask then, and the voxel values only where the image exists.
    ref = sitk.ReadImage(str(img_path if img_path.exists() else nifti_dir / f"{mod}_mask.nii.gz"))
    spacing, origin, direction = _sitk_geometry(ref)
    assert image.shape == sitk.GetArrayFromImage(ref).shape
    np.testing.assert_allclose(image.spacing, spacing, atol=1e-3)
    np.testing.assert_allclose(image.origin, origin, atol=1e-3)
    np.testing.assert_allclose(image.direction, direction, atol=1e-6)
    assert image.modality == {"CT": "CT", "MR_T1": "MR", "PET": "PT"}[mod]
    assert image.metadata["patient_id"] == patient
    if img_path.exists():
        expected = sitk.GetArrayFromImage(ref).astype(np.float64)
        if mod == "PET":
            # Units GML (already SUV); the NIfTI stores float32, hence the relative tolerance.
            assert image.metadata["source_units"] == "GML"
            np.testing.assert_allclose(image.array, expected, rtol=1e-6, atol=1e-6)
        else:
            np.testing.assert_array_equal(image.array, expected)  # CT in HU, MR as stored


@pytest.mark.shared
def test_ibsi_ct_phantom_matches_nifti() -> None:
    base = shared_data("ibsi", "ibsi_1_ct_radiomics_phantom")
    image = read_dicom_series(base / "dicom" / "image")
    ref = sitk.ReadImage(str(base / "nifti" / "image" / "phantom.nii.gz"))
    spacing, origin, _ = _sitk_geometry(ref)
    np.testing.assert_allclose(image.spacing, spacing, atol=1e-3)
    np.testing.assert_allclose(image.origin, origin, atol=1e-3)
    np.testing.assert_array_equal(image.array, sitk.GetArrayFromImage(ref).astype(float))
    assert image.metadata["units"] == "HU"


# ------------------------------------------------------------------ synthetic series


def test_oblique_series_matches_simpleitk(tmp_path) -> None:
    geom = Geometry(iop=(0.8, 0.6, 0.0, -0.36, 0.48, 0.8))
    hu = ct_volume(seed=3)
    write_ct(tmp_path / "ct", hu, geometry=geom)
    image = read_dicom_series(tmp_path / "ct")
    np.testing.assert_array_equal(image.array, hu)  # files written in shuffled order
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(tmp_path / "ct")))
    ref = reader.Execute()
    spacing, origin, direction = _sitk_geometry(ref)
    np.testing.assert_allclose(image.spacing, spacing, atol=1e-6)
    np.testing.assert_allclose(image.origin, origin, atol=1e-6)
    np.testing.assert_allclose(image.direction, direction, atol=1e-6)
    np.testing.assert_array_equal(image.array, sitk.GetArrayFromImage(ref))
    # voxel (k, j, i) lies where the geometry says
    k, j, i = 5, 3, 7
    np.testing.assert_allclose(
        image.index_to_physical(np.array([k, j, i])), geom.to_physical(np.array([i, j, k])), atol=1e-6
    )


def test_rescale_and_metadata(tmp_path) -> None:
    stored = np.arange(8 * 16 * 16, dtype=np.int16).reshape(8, 16, 16) % 700
    write_series(tmp_path / "mr", stored, modality="MR", slope=2.5, intercept=-10.0)
    image = read_dicom_series(tmp_path / "mr")
    np.testing.assert_allclose(image.array, stored * 2.5 - 10.0)
    assert image.modality == "MR" and image.array.dtype == np.float64
    md = image.metadata
    assert md["patient_id"] == "SYN_001" and md["series_number"] == 1
    assert md["study_instance_uid"] == Study().study_uid
    assert not image.is_2d


def test_missing_slice_raises_with_position(tmp_path) -> None:
    hu = ct_volume()
    ks = [0, 1, 2, 4, 5, 6, 7]  # slice 3 removed
    write_ct(tmp_path / "ct", hu[ks], slice_indices=ks, geometry=Geometry())
    with pytest.raises(MissingSliceError) as err:
        read_dicom_series(tmp_path / "ct")
    msg = str(err.value)
    z2, z4 = Geometry().ipp(2)[2], Geometry().ipp(4)[2]
    assert "1 slice(s) missing" in msg and f"{z2:.3f}" in msg and f"{z4:.3f}" in msg
    assert "instance" in msg and "re-export" in msg


def test_irregular_spacing_raises(tmp_path) -> None:
    hu = ct_volume()
    ks = [0, 1, 2, 3, 4.3, 5.3, 6.3, 7.3]
    write_ct(tmp_path / "ct", hu, slice_indices=ks)
    with pytest.raises(MissingSliceError, match="irregular step of 3.250 mm"):
        read_dicom_series(tmp_path / "ct")
    # within the tolerance (0.5 % of the step) the series is accepted
    write_ct(tmp_path / "ok", hu, slice_indices=[0, 1, 2, 3, 4.005, 5, 6, 7])
    assert read_dicom_series(tmp_path / "ok").shape == (8, 16, 16)


def test_duplicate_positions_raise(tmp_path) -> None:
    hu = ct_volume()
    write_ct(tmp_path / "ct", hu, slice_indices=[0, 1, 2, 3, 3, 4, 5, 6])
    with pytest.raises(DicomError, match="duplicate slice position"):
        read_dicom_series(tmp_path / "ct")


def test_multi_series_folder_choice(tmp_path) -> None:
    study = Study(seed=7)
    hu = ct_volume(seed=1)
    mr = (ct_volume(seed=2) + 1000).astype(np.int16)
    write_ct(tmp_path / "a" / "ct", hu, study=study)
    write_series(tmp_path / "b" / "mr", mr, modality="MR", study=study)
    write_rtstruct(tmp_path / "rs.dcm", {"GTV": []}, study=study)  # ignored by the reader
    (tmp_path / "notes.txt").write_text("not DICOM")
    series = list_series(tmp_path)
    assert sorted(s.modality for s in series) == ["CT", "MR", "RTSTRUCT"]
    with pytest.raises(InputError) as err:
        read_dicom_series(tmp_path)
    msg = str(err.value)
    assert "2 image series" in msg and "series_uid=" in msg and "modality=" in msg
    ct_uid = next(s.series_uid for s in series if s.modality == "CT")
    np.testing.assert_array_equal(read_dicom_series(tmp_path, series_uid=ct_uid).array, hu)
    np.testing.assert_array_equal(read_dicom_series(tmp_path, modality="mr").array, mr)
    with pytest.raises(InputError, match="no image series with modality='PT'"):
        read_dicom_series(tmp_path, modality="PT")
    with pytest.raises(InputError, match="no image series with series_uid"):
        read_dicom_series(tmp_path, series_uid=uid(0, "nothing"))


def test_dicom_kind(tmp_path) -> None:
    write_ct(tmp_path / "ct", ct_volume())
    rs = write_rtstruct(tmp_path / "rs" / "rs.dcm", {"GTV": []})
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("hello")
    assert dicom_kind(tmp_path / "ct") == "image"
    assert dicom_kind(tmp_path) == "image"
    assert dicom_kind(rs) == "RTSTRUCT" and dicom_kind(tmp_path / "rs") == "RTSTRUCT"
    assert dicom_kind(tmp_path / "other") is None
    assert dicom_kind(tmp_path / "missing") is None


def test_no_image_and_missing_path(tmp_path) -> None:
    write_rtstruct(tmp_path / "rs.dcm", {"GTV": []})
    with pytest.raises(DicomError, match="no DICOM image found"):
        read_dicom_series(tmp_path)
    with pytest.raises(InputError, match="not found"):
        read_dicom_series(tmp_path / "nowhere")


def test_sheared_series_raises(tmp_path) -> None:
    hu = ct_volume()

    def tilt(ds, z):  # shift each slice along x: a gantry tilt
        ipp = [float(v) for v in ds.ImagePositionPatient]
        ds.ImagePositionPatient = [ipp[0] + 0.5 * z, ipp[1], ipp[2]]

    write_ct(tmp_path / "ct", hu, extra=tilt)
    with pytest.raises(DicomError, match="sheared"):
        read_dicom_series(tmp_path / "ct")


# ------------------------------------------------------------------ 2D images


def test_single_ct_file_is_2d(tmp_path) -> None:
    hu = ct_volume()
    files = write_ct(tmp_path / "ct", hu[:1], shuffle_seed=None)
    image = read_dicom_series(files[0])
    assert image.is_2d and image.shape == (1, 16, 16)
    np.testing.assert_array_equal(image.array[0], hu[0])
    assert image.spacing[1:] == (0.8, 0.7)


def test_dx_monochrome1_inverted(tmp_path) -> None:
    rng = np.random.default_rng(4)
    stored = rng.integers(0, 4096, size=(20, 24))
    path = write_2d(tmp_path / "dx.dcm", stored, photometric="MONOCHROME1", bits_stored=12)
    image = read_dicom_series(path)
    assert image.is_2d and image.modality == "DX"
    np.testing.assert_array_equal(image.array[0], 4095 - stored)  # MONOCHROME2 convention
    assert image.spacing[1:] == (0.15, 0.2)
    assert image.metadata["pixel_spacing_source"] == "ImagerPixelSpacing"
    assert "MONOCHROME1 inverted to MONOCHROME2" in image.metadata["conversions"]
    # PixelSpacing wins over ImagerPixelSpacing; MONOCHROME2 is left as stored
    path2 = write_2d(tmp_path / "cr.dcm", stored, modality="CR", photometric="MONOCHROME2",
                     pixel_spacing=(0.1, 0.1))
    image2 = read_dicom_series(path2)
    np.testing.assert_array_equal(image2.array[0], stored)
    assert image2.spacing[1:] == (0.1, 0.1)


def test_rgb_us_to_luma(tmp_path) -> None:
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, size=(12, 18, 3))
    path = write_rgb_us(tmp_path / "us.dcm", rgb, delta_cm=(0.02, 0.03))
    image = read_dicom_series(tmp_path)
    assert image.is_2d and image.modality == "US" and image.shape == (1, 12, 18)
    expected = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    np.testing.assert_allclose(image.array[0], expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(image.spacing[1:], (0.3, 0.2))  # (row = Y, column = X) in mm
    assert dicom_kind(path) == "image"


def test_several_projection_images_in_one_series(tmp_path) -> None:
    stored = np.zeros((8, 8), dtype=np.uint16)
    study = Study(seed=2)
    p1 = write_2d(tmp_path / "a.dcm", stored, study=study)
    import pydicom

    ds = pydicom.dcmread(p1)
    ds.SOPInstanceUID = uid(2, "other")
    ds.save_as(tmp_path / "b.dcm")
    with pytest.raises(InputError, match="read one file at a time"):
        read_dicom_series(tmp_path)


def test_palette_colour_to_luma(tmp_path) -> None:
    import pydicom

    rng = np.random.default_rng(6)
    stored = rng.integers(0, 256, size=(10, 12))
    path = write_2d(tmp_path / "pal.dcm", stored, modality="OT", photometric="MONOCHROME2", bits_stored=8)
    ds = pydicom.dcmread(path)
    ds.PhotometricInterpretation = "PALETTE COLOR"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelData = stored.astype(np.uint8).tobytes()
    lut = {c: rng.integers(0, 65536, size=256).astype("<u2") for c in ("Red", "Green", "Blue")}
    for n, (c, table) in enumerate(lut.items()):
        ds.add_new(0x00281101 + n, "US", [256, 0, 16])  # Red/Green/Blue ... Descriptor
        setattr(ds, f"{c}PaletteColorLookupTableData", table.tobytes())
    ds.save_as(path)
    image = read_dicom_series(path)
    expected = 0.299 * lut["Red"][stored] + 0.587 * lut["Green"][stored] + 0.114 * lut["Blue"][stored]
    np.testing.assert_allclose(image.array[0], expected, atol=1e-6)


def test_modality_lut_sequence(tmp_path) -> None:
    from pydicom.dataset import Dataset

    stored = np.arange(8 * 16 * 16, dtype=np.int16).reshape(8, 16, 16) % 16
    table = (np.arange(16) ** 2 + 5).astype(np.uint16)

    def modality_lut(ds, z):
        del ds.RescaleSlope, ds.RescaleIntercept
        item = Dataset()
        item.LUTDescriptor = [16, 0, 16]
        item.ModalityLUTType = "US"
        item.LUTData = table.astype("<u2").tobytes()
        ds.ModalityLUTSequence = [item]

    write_series(tmp_path / "ot", stored, modality="OT", extra=modality_lut)
    np.testing.assert_array_equal(read_dicom_series(tmp_path / "ot").array, table[stored])
