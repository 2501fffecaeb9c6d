"""Reading and writing images, masks, label maps and 3D Slicer segmentations."""

from __future__ import annotations

import gzip
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from conftest import load_ibsi_reference, shared_data, within_tolerance
from radiome.errors import (
    ConfigError,
    EmptyMaskError,
    InputError,
    LabelError,
    MaskError,
    UnsupportedFormatError,
)
from radiome.io import (
    Image,
    LabelMap,
    Mask,
    list_rois,
    read_image,
    read_label_map,
    read_mask,
    select_label,
    write_image,
    write_mask,
)
from radiome.io.readers import detect_format, read_nrrd_header, seg_nrrd_segments

# A rotation about z by 30 degrees followed by a small tilt: non-trivial, orthonormal.
_c, _s = np.cos(np.pi / 6), np.sin(np.pi / 6)
_RZ = np.array([[_c, -_s, 0.0], [_s, _c, 0.0], [0.0, 0.0, 1.0]])
_t = 0.2
_RX = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(_t), -np.sin(_t)], [0.0, np.sin(_t), np.cos(_t)]])
DIRECTION = tuple((_RZ @ _RX).ravel().tolist())
SPACING = (2.5, 0.7, 0.9)  # z, y, x
ORIGIN = (-40.25, 12.5, -101.125)


def _image(seed: int = 0, shape=(5, 6, 7), modality="CT") -> Image:
    rng = np.random.default_rng(seed)
    arr = rng.integers(-1000, 1500, size=shape).astype(np.int16)
    return Image(arr, spacing=SPACING, origin=ORIGIN, direction=DIRECTION, modality=modality,
                 metadata={"source_dtype": "int16"})


def _mask(seed: int = 1, shape=(5, 6, 7), name="GTV") -> Mask:
    rng = np.random.default_rng(seed)
    return Mask(rng.random(shape) > 0.6, spacing=SPACING, origin=ORIGIN, direction=DIRECTION, name=name)


# ------------------------------------------------------------------ round trips

@pytest.mark.parametrize("suffix", [".nii.gz", ".nii", ".nrrd", ".mha"])
def test_image_round_trip_keeps_values_and_geometry(tmp_path, suffix):
    img = _image()
    out = write_image(img, tmp_path / f"ct{suffix}")
    back = read_image(out)
    np.testing.assert_array_equal(back.array, img.array)
    np.testing.assert_allclose(back.spacing, img.spacing, rtol=0, atol=1e-6)
    np.testing.assert_allclose(back.origin, img.origin, rtol=0, atol=1e-5)
    np.testing.assert_allclose(back.direction, img.direction, rtol=0, atol=1e-6)
    assert back.same_grid(img, tol=1e-6)
    assert back.modality == "CT"
    assert back.metadata["source_dtype"] == "int16"  # written in its source type, no rescaling
    assert back.history[0].name == "read_image"
    assert back.history[0].params == {"path": str(out), "format": detect_format(out)}


@pytest.mark.parametrize("suffix", [".nrrd", ".mha"])
def test_geometry_round_trip_is_exact_for_nrrd_and_mha(tmp_path, suffix):
    img = _image(seed=4)
    back = read_image(write_image(img, tmp_path / f"x{suffix}"))
    assert back.spacing == img.spacing
    assert back.origin == img.origin
    np.testing.assert_allclose(back.direction, img.direction, rtol=0, atol=1e-15)


def test_float_image_keeps_fractional_values(tmp_path):
    rng = np.random.default_rng(2)
    img = Image(rng.normal(size=(3, 4, 5)), spacing=SPACING, origin=ORIGIN, direction=DIRECTION)
    back = read_image(write_image(img, tmp_path / "f.nii.gz"))
    np.testing.assert_array_equal(back.array, img.array)  # float64 kept: no value changed


@pytest.mark.parametrize("suffix", [".nii.gz", ".nrrd", ".mha"])
def test_non_finite_voxels_survive_a_round_trip(tmp_path, suffix):
    # ITK's NIfTI reader turns NaN/inf into 0; radiome reads float NIfTI voxels with nibabel.
    arr = np.random.default_rng(3).normal(size=(3, 4, 5)).astype(np.float32)
    arr[1, 2, 3], arr[2, 0, 0], arr[0, 1, 1] = np.nan, np.inf, -np.inf
    img = Image(arr, spacing=SPACING, origin=ORIGIN, direction=DIRECTION)
    back = read_image(write_image(img, tmp_path / f"n{suffix}"))
    np.testing.assert_array_equal(back.array, img.array)  # NaN compare equal in assert_array_equal
    assert np.isnan(back.array).sum() == 1 and np.isinf(back.array).sum() == 2
    assert back.same_grid(img, tol=1e-6)


def test_write_refuses_lossy_dtype_and_unknown_suffix(tmp_path):
    img = Image(np.full((2, 2, 2), 0.5))
    with pytest.raises(ConfigError, match="round or clip them first"):
        write_image(img, tmp_path / "x.nii.gz", dtype="int16")
    with pytest.raises(UnsupportedFormatError, match="Choose one of these suffixes"):
        write_image(img, tmp_path / "x.png")


@pytest.mark.parametrize("suffix", [".nii.gz", ".nrrd", ".mha"])
def test_mask_round_trip(tmp_path, suffix):
    m = _mask()
    back = read_mask(write_mask(m, tmp_path / f"gtv{suffix}"))
    np.testing.assert_array_equal(back.array, m.array)
    assert back.same_grid(m, tol=1e-6)
    assert back.name == "GTV"
    assert back.history[0].name == "read_mask"


def test_2d_image_round_trip(tmp_path):
    arr = np.arange(12, dtype=float).reshape(3, 4)
    img = Image(arr, spacing=(1.0, 0.3, 0.2), origin=(0.0, 5.0, -2.0))
    assert img.is_2d
    for suffix in (".nii.gz", ".nrrd", ".mha"):
        back = read_image(write_image(img, tmp_path / f"a{suffix}"))
        assert back.is_2d and back.shape == (1, 3, 4)
        assert back.same_grid(img, tol=1e-9)
        np.testing.assert_array_equal(back.array, img.array)


def test_2d_image_with_3d_direction_keeps_is_2d(tmp_path):
    img = Image(np.ones((1, 3, 4)), spacing=(2.0, 0.3, 0.2), origin=(7.0, 5.0, -2.0),
                direction=DIRECTION, is_2d=True)
    back = read_image(write_image(img, tmp_path / "a.nrrd"))
    assert back.is_2d and back.same_grid(img, tol=1e-9)


# ------------------------------------------------------------------ shared data

@pytest.mark.shared
def test_read_sts_ct_nifti():
    path = shared_data("sts", "nifti", "STS_001", "CT_image.nii.gz")
    img = read_image(path, modality="CT")
    ref = sitk.ReadImage(str(path))
    assert img.shape == ref.GetSize()[::-1]
    assert img.spacing == tuple(ref.GetSpacing()[::-1])
    assert img.origin == tuple(ref.GetOrigin()[::-1])
    assert img.direction == tuple(ref.GetDirection())
    np.testing.assert_array_equal(img.array, sitk.GetArrayFromImage(ref))
    assert img.modality == "CT" and img.metadata["format"] == "nifti"
    assert img.array.min() == -1000.0


@pytest.mark.shared
def test_read_ibsi_ct_phantom_mask_voxel_count():
    base = shared_data("ibsi", "ibsi_1_ct_radiomics_phantom", "nifti")
    img = read_image(base / "image" / "phantom.nii.gz")
    mask = read_mask(base / "mask" / "mask.nii.gz", reference=img)
    assert img.shape == (60, 201, 204)
    np.testing.assert_allclose(img.spacing, (3.0, 0.977, 0.977), atol=1e-6)
    assert mask.same_grid(img)
    value, tol = load_ibsi_reference("ibsi_1_chest_config_a")["morph_mask_vox_count_init_roi"]
    assert within_tolerance(mask.voxel_count, value, tol)


# ------------------------------------------------------------------ label maps

def _label_map_file(tmp_path: Path, arr: np.ndarray, name="labels.nii.gz") -> Path:
    img = sitk.GetImageFromArray(arr)
    img.SetSpacing(SPACING[::-1])
    img.SetOrigin(ORIGIN[::-1])
    path = tmp_path / name
    sitk.WriteImage(img, str(path))
    return path


def test_multi_label_map_without_label(tmp_path):
    arr = np.zeros((3, 4, 5), np.uint8)
    arr[0, :2] = 1
    arr[2, 2:] = 3
    path = _label_map_file(tmp_path, arr)
    with pytest.raises(LabelError, match=r"2 labels \[1, 3\].*label= \(CLI: --label\)"):
        read_mask(path)
    m = read_mask(path, label=3)
    np.testing.assert_array_equal(m.array, arr == 3)
    assert m.name == "label_3" and m.history[0].params["label"] == 3
    assert read_label_map(path).labels == [1, 3]
    assert list_rois(path) == ["1", "3"]


def test_absent_label_lists_labels_present(tmp_path):
    arr = np.zeros((3, 4, 5), np.int16)
    arr[1, 1, 1] = 2
    arr[1, 2, 2] = 5
    path = _label_map_file(tmp_path, arr)
    with pytest.raises(LabelError, match=r"label 4 is not in .*labels present: \[2, 5\]"):
        read_mask(path, label=4)


def test_roi_name_on_a_plain_label_map_says_to_use_label(tmp_path):
    path = _label_map_file(tmp_path, np.eye(4, dtype=np.uint8)[None].repeat(2, 0))
    with pytest.raises(LabelError, match="Select the region with label="):
        read_mask(path, roi_name="GTV")
    with pytest.raises(ConfigError, match="not both"):
        read_mask(path, roi_name="GTV", label=1)


def test_select_label_rules():
    assert select_label(np.array([0, 255, 0, 255])).tolist() == [False, True, False, True]
    assert select_label(np.array([True, False])).tolist() == [True, False]
    assert select_label(np.array([0.0, 1.0, 1.0])).tolist() == [False, True, True]
    assert not select_label(np.zeros(4)).any()
    with pytest.raises(LabelError, match="leave label unset"):
        select_label(np.array([0, 255]), label=1)
    with pytest.raises(LabelError, match="positive integer"):
        select_label(np.array([0, 1, 2]), label=0)
    with pytest.raises(MaskError, match="negative values"):
        select_label(np.array([0, -1, 1]))
    with pytest.raises(MaskError, match="threshold it first"):
        select_label(np.array([0.0, 0.4, 1.0]))
    with pytest.raises(MaskError, match="NaN"):
        select_label(np.array([0.0, np.nan]))
    arr = np.array([[0, 1], [2, 2]])
    select_label(arr, label=2)
    assert arr.tolist() == [[0, 1], [2, 2]]  # input untouched


def test_label_map_value_is_read_only():
    lm = LabelMap(np.array([[0, 1], [2, 0]]))
    assert lm.is_2d and lm.array.shape == (1, 2, 2) and lm.labels == [1, 2]
    assert not lm.array.flags.writeable
    assert lm.to_mask(2).voxel_count == 1


# ------------------------------------------------------------------ 3D Slicer .seg.nrrd

def _write_seg_nrrd(path: Path, layers: np.ndarray, segments: list[dict], *,
                    spacing_xyz=(0.9, 0.7, 2.5), origin_xyz=(-101.125, 12.5, -40.25),
                    direction=DIRECTION, extra_fields: str = "") -> Path:
    """Write a Slicer-style .seg.nrrd. ``layers`` is (z, y, x) or (z, y, x, n_layers) uint8."""
    d = np.asarray(direction).reshape(3, 3)
    axes = [d[:, i] * spacing_xyz[i] for i in range(3)]  # column i = direction of array axis i
    vec = " ".join("(" + ",".join(repr(float(v)) for v in a) + ")" for a in axes)
    zyx = layers.shape[:3]
    if layers.ndim == 4:
        sizes = f"{layers.shape[3]} {zyx[2]} {zyx[1]} {zyx[0]}"
        dims, directions, kinds = 4, "none " + vec, "list domain domain domain"
    else:
        sizes = f"{zyx[2]} {zyx[1]} {zyx[0]}"
        dims, directions, kinds = 3, vec, "domain domain domain"
    lines = [
        "NRRD0004",
        "# Complete NRRD file format specification at:",
        "# http://teem.sourceforge.net/nrrd/format.html",
        "type: unsigned char",
        f"dimension: {dims}",
        "space: left-posterior-superior",
        f"sizes: {sizes}",
        f"space directions: {directions}",
        f"kinds: {kinds}",
        "encoding: gzip",
        "space origin: (" + ",".join(repr(float(v)) for v in origin_xyz) + ")",
    ]
    for i, seg in enumerate(segments):
        lines += [
            f"Segment{i}_Color:=0.5 0.68 0.5",
            f"Segment{i}_ColorAutoGenerated:=1",
            f"Segment{i}_Extent:=0 {zyx[2] - 1} 0 {zyx[1] - 1} 0 {zyx[0] - 1}",
            f"Segment{i}_ID:={seg['id']}",
            f"Segment{i}_LabelValue:={seg['label']}",
            f"Segment{i}_Layer:={seg['layer']}",
            f"Segment{i}_Name:={seg['name']}",
            f"Segment{i}_NameAutoGenerated:=0",
            f"Segment{i}_Tags:=Segmentation.Status:inprogress|",
        ]
    lines += [
        "Segmentation_ContainedRepresentationNames:=Binary labelmap|",
        "Segmentation_ConversionParameters:=",
        "Segmentation_MasterRepresentation:=Binary labelmap",
        "Segmentation_ReferenceImageExtentOffset:=0 0 0",
    ]
    if extra_fields:
        lines.append(extra_fields)
    header = ("\n".join(lines) + "\n\n").encode("utf-8")
    path.write_bytes(header + gzip.compress(np.ascontiguousarray(layers, dtype=np.uint8).tobytes()))
    return path


def _two_segments(seed=5, shape=(4, 5, 6)):
    rng = np.random.default_rng(seed)
    lab = rng.integers(0, 3, size=shape).astype(np.uint8)  # 1: tumour, 2: oedema
    segs = [{"id": "Segment_1", "name": "tumour core", "label": 1, "layer": 0},
            {"id": "Segment_2", "name": "oedema", "label": 2, "layer": 0}]
    return lab, segs


def test_seg_nrrd_one_layer_select_by_name(tmp_path):
    lab, segs = _two_segments()
    path = _write_seg_nrrd(tmp_path / "case.seg.nrrd", lab, segs)
    assert [s.name for s in seg_nrrd_segments(path)] == ["tumour core", "oedema"]
    assert list_rois(path) == ["tumour core", "oedema"]
    m = read_mask(path, roi_name="oedema")
    np.testing.assert_array_equal(m.array, lab == 2)
    assert m.name == "oedema" and m.metadata["segment_label_value"] == 2
    np.testing.assert_allclose(m.spacing, SPACING, atol=1e-12)
    np.testing.assert_allclose(m.origin, ORIGIN, atol=1e-12)
    np.testing.assert_allclose(m.direction, DIRECTION, atol=1e-12)
    np.testing.assert_array_equal(read_mask(path, roi_name="Segment_1").array, lab == 1)  # by ID
    np.testing.assert_array_equal(read_mask(path, label=1).array, lab == 1)


def test_seg_nrrd_unknown_or_missing_segment_name(tmp_path):
    lab, segs = _two_segments()
    path = _write_seg_nrrd(tmp_path / "case.seg.nrrd", lab, segs)
    with pytest.raises(LabelError, match=r"'GTV' is not in .*\['tumour core', 'oedema'\].*roi_name="):
        read_mask(path, roi_name="GTV")
    with pytest.raises(LabelError, match=r"holds 2 segments .*roi_name= \(CLI: --roi\)"):
        read_mask(path)
    with pytest.raises(InputError, match="pass it as the mask"):
        read_image(path)


def test_seg_nrrd_multi_layer_overlapping_segments(tmp_path):
    rng = np.random.default_rng(9)
    shape = (3, 4, 5)
    a = rng.random(shape) > 0.5
    b = rng.random(shape) > 0.5  # overlaps a
    c = ~a & (rng.random(shape) > 0.5)
    layers = np.zeros(shape + (2,), np.uint8)
    layers[..., 0] = a * 1 + c * 3
    layers[..., 1] = b * 1
    segs = [{"id": "A", "name": "lesion", "label": 1, "layer": 0},
            {"id": "B", "name": "organ", "label": 1, "layer": 1},
            {"id": "C", "name": "vessel", "label": 3, "layer": 0}]
    path = _write_seg_nrrd(tmp_path / "overlap.seg.nrrd", layers, segs)
    np.testing.assert_array_equal(read_mask(path, roi_name="lesion").array, a)
    np.testing.assert_array_equal(read_mask(path, roi_name="organ").array, b)
    np.testing.assert_array_equal(read_mask(path, roi_name="vessel").array, c)
    with pytest.raises(LabelError, match="several segments"):
        read_mask(path, label=1)
    with pytest.raises(InputError, match="overlapping segments"):
        read_label_map(path)


def test_seg_nrrd_header_parsing(tmp_path):
    lab, segs = _two_segments()
    path = _write_seg_nrrd(tmp_path / "h.seg.nrrd", lab, segs)
    fields, kv = read_nrrd_header(path)
    assert fields["sizes"] == "6 5 4" and fields["encoding"] == "gzip"
    assert kv["Segment0_Name"] == "tumour core"
    assert kv["Segmentation_ConversionParameters"] == ""


def test_seg_nrrd_cropped_to_extent_is_placed_on_reference(tmp_path):
    shape = (6, 8, 9)
    ref = Image(np.zeros(shape), spacing=SPACING, origin=ORIGIN, direction=DIRECTION)
    crop = np.zeros((2, 3, 4), np.uint8)
    crop[1, 1:, 1:3] = 1
    start = (3, 2, 4)  # z, y, x index of the crop in the reference
    origin_xyz = ref.index_to_physical(np.array(start, dtype=float))
    path = _write_seg_nrrd(tmp_path / "crop.seg.nrrd", crop,
                           [{"id": "S", "name": "GTV", "label": 1, "layer": 0}],
                           origin_xyz=tuple(origin_xyz))
    m = read_mask(path, reference=ref)
    expected = np.zeros(shape, bool)
    expected[3:5, 2:5, 4:8] = crop.astype(bool)
    np.testing.assert_array_equal(m.array, expected)
    assert m.same_grid(ref) and m.history[-1].name == "align_mask_to_image"


def test_empty_seg_nrrd_single_voxel(tmp_path):
    path = _write_seg_nrrd(tmp_path / "empty.seg.nrrd", np.zeros((1, 1, 1), np.uint8),
                           [{"id": "S", "name": "GTV", "label": 1, "layer": 0}])
    with pytest.raises(EmptyMaskError, match="Check the segmentation in Slicer"):
        read_mask(path)


# ------------------------------------------------------------------ formats and fallbacks

def test_unknown_and_missing_files(tmp_path):
    with pytest.raises(InputError, match="Check the path"):
        read_image(tmp_path / "nope.nii.gz")
    odd = tmp_path / "data.xyz"
    odd.write_bytes(b"\x00" * 200)
    with pytest.raises(UnsupportedFormatError, match="rename the file with its format's suffix"):
        read_image(odd)
    bad = tmp_path / "broken.nii.gz"
    bad.write_bytes(b"not a nifti")
    with pytest.raises(InputError, match="Check that the file is complete"):
        read_image(bad)


def test_vector_and_4d_images_are_refused(tmp_path):
    rgb = sitk.GetImageFromArray(np.zeros((3, 4, 5, 3), np.uint8), isVector=True)
    sitk.WriteImage(rgb, str(tmp_path / "rgb.mha"))
    with pytest.raises(InputError, match="Convert it to a greyscale volume"):
        read_image(tmp_path / "rgb.mha")
    vol4 = sitk.Image([5, 4, 3, 2], sitk.sitkFloat32)  # x, y, z, t
    sitk.WriteImage(vol4, str(tmp_path / "t.nii.gz"))
    with pytest.raises(InputError, match="Extract the volume you need"):
        read_image(tmp_path / "t.nii.gz")
    one = sitk.Image([5, 4, 3, 1], sitk.sitkFloat32)  # a single time point is a 3D volume
    sitk.WriteImage(one, str(tmp_path / "one.nii.gz"))
    assert read_image(tmp_path / "one.nii.gz").shape == (3, 4, 5)


def test_nifti_with_slightly_non_orthonormal_affine_uses_nibabel(tmp_path):
    nib = pytest.importorskip("nibabel")
    aff = np.array([[0.8, 1e-4, 0, 10.0], [0, 0.8, 0, 20.0], [0, 0, 2.0, 30.0], [0, 0, 0, 1.0]])
    data = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)  # (i, j, k) = (x, y, z)
    nib.save(nib.Nifti1Image(data, aff), str(tmp_path / "e.nii.gz"))
    img = read_image(tmp_path / "e.nii.gz")
    assert img.metadata["reader"] == "nibabel"
    assert 0 < img.metadata["direction_orthonormalised"] < 1e-3
    assert img.shape == (6, 5, 4)
    np.testing.assert_array_equal(img.array, data.transpose(2, 1, 0))
    np.testing.assert_allclose(img.spacing, (2.0, 0.8, 0.8), atol=1e-6)
    np.testing.assert_allclose(img.origin, (30.0, -20.0, -10.0), atol=1e-9)  # RAS -> LPS
    d = np.asarray(img.direction).reshape(3, 3)
    np.testing.assert_allclose(d @ d.T, np.eye(3), atol=1e-12)
    shear = aff.copy()
    shear[0, 1] = 0.3
    nib.save(nib.Nifti1Image(data, shear), str(tmp_path / "s.nii.gz"))
    with pytest.raises(InputError, match="resample the image onto an orthogonal grid"):
        read_image(tmp_path / "s.nii.gz")


# ------------------------------------------------------------------ DICOM dispatch (with a stand-in module)

def _fake_dicom(monkeypatch, kind: str):
    calls = {}
    mod = types.ModuleType("radiome.io.dicom")

    def read_rtstruct(path, reference, roi_name=None):
        calls["rtstruct"] = (Path(path), roi_name)
        return Mask(np.ones(reference.shape, bool), spacing=reference.spacing, origin=reference.origin,
                    direction=reference.direction, name=roi_name or "roi")

    def read_seg(path, reference, segment=None):
        calls["seg"] = (Path(path), segment)
        return Mask(np.ones(reference.shape, bool), spacing=reference.spacing, origin=reference.origin,
                    direction=reference.direction, name=str(segment))

    def read_dicom_series(path, *, series_uid=None, modality=None):
        calls["series"] = (Path(path), series_uid, modality)
        return Image(np.zeros((2, 3, 4)), modality=modality or "CT")

    mod.read_rtstruct = read_rtstruct
    mod.read_seg = read_seg
    mod.read_dicom_series = read_dicom_series
    mod.list_rtstruct_rois = lambda path: ["GTV", "PTV"]
    mod.dicom_kind = lambda path: kind
    monkeypatch.setitem(sys.modules, "radiome.io.dicom", mod)
    return calls


def test_rtstruct_needs_reference_and_dispatches(tmp_path, monkeypatch):
    calls = _fake_dicom(monkeypatch, "RTSTRUCT")
    rs = tmp_path / "RS.dcm"
    rs.write_bytes(b"\x00" * 128 + b"DICM")
    with pytest.raises(InputError, match="Pass the image: read_mask\\(path, reference=image"):
        read_mask(rs, roi_name="GTV")
    ref = Image(np.zeros((2, 3, 4)))
    m = read_mask(rs, reference=ref, roi_name="GTV")
    assert calls["rtstruct"] == (rs, "GTV") and m.name == "GTV"
    assert list_rois(rs) == ["GTV", "PTV"]
    with pytest.raises(ConfigError, match="choose the ROI with roi_name="):
        read_mask(rs, reference=ref, label=1)
    with pytest.raises(InputError, match="pass it as the mask"):
        read_image(rs)


def test_seg_and_series_dispatch(tmp_path, monkeypatch):
    calls = _fake_dicom(monkeypatch, "SEG")
    seg = tmp_path / "seg.dcm"
    seg.write_bytes(b"\x00" * 132)
    ref = Image(np.zeros((2, 3, 4)))
    read_mask(seg, reference=ref, label=2)
    assert calls["seg"] == (seg, 2)
    calls = _fake_dicom(monkeypatch, "image")
    folder = tmp_path / "series"
    folder.mkdir()
    img = read_image(folder, modality="PT", series_uid="1.2.3")
    assert calls["series"] == (folder, "1.2.3", "PT")
    assert img.history[0].params == {"path": str(folder), "format": "dicom"}
    with pytest.raises(ConfigError, match="leave series_uid unset"):
        read_image(write_image(img, tmp_path / "x.nii.gz"), series_uid="1.2.3")
