"""radiome.io.dicom.seg: DICOM SEG written by highdicom, read back onto the reference grid."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("highdicom")

from dicom_factory import Geometry, Study, ct_volume, write_ct, write_seg  # noqa: E402

from radiome.errors import GeometryError, LabelError  # noqa: E402
from radiome.io.dicom import (  # noqa: E402
    dicom_kind,
    list_seg_segments,
    read_dicom_series,
    read_seg,
)

GEOM = Geometry(shape=(8, 16, 16), spacing=(2.5, 0.8, 0.7))


def _masks(shape=GEOM.shape, seed=0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    tumour = np.zeros(shape, dtype=bool)
    tumour[2:6, 4:11, 3:9] = True
    tumour &= rng.random(shape) > 0.2  # irregular, with holes
    node = np.zeros(shape, dtype=bool)
    node[5:7, 10:14, 10:15] = True  # absent from most slices: highdicom omits empty frames
    return {"Tumour": tumour, "Lymph node": node}


@pytest.fixture()
def ct(tmp_path):
    files = write_ct(tmp_path / "ct", ct_volume(GEOM.shape), geometry=GEOM)
    return files, read_dicom_series(tmp_path / "ct")


def test_binary_seg_round_trip(tmp_path, ct) -> None:
    files, image = ct
    masks = _masks()
    path = write_seg(tmp_path / "seg" / "seg.dcm", files, masks)
    assert dicom_kind(path) == "SEG" and dicom_kind(tmp_path / "seg") == "SEG"
    assert list_seg_segments(path) == [(1, "Tumour"), (2, "Lymph node")]
    tumour = read_seg(path, image, segment="tumour")
    np.testing.assert_array_equal(tumour.array, masks["Tumour"])
    assert tumour.same_grid(image) and tumour.name == "Tumour"
    assert tumour.metadata["segmentation_type"] == "BINARY"
    node = read_seg(tmp_path / "seg", image, segment=2)
    np.testing.assert_array_equal(node.array, masks["Lymph node"])
    assert read_seg(path, image, segment="node").name == "Lymph node"  # unique substring


def test_segment_choice_errors(tmp_path, ct) -> None:
    files, image = ct
    path = write_seg(tmp_path / "seg.dcm", files, _masks())
    with pytest.raises(LabelError, match="'Tumour', 'Lymph node'"):
        read_seg(path, image)
    with pytest.raises(LabelError, match="no segment named 'liver'"):
        read_seg(path, image, segment="liver")
    with pytest.raises(LabelError, match="no segment number 3"):
        read_seg(path, image, segment=3)


def test_fractional_seg_threshold(tmp_path, ct) -> None:
    files, image = ct
    rng = np.random.default_rng(3)
    frac = rng.choice([0.0, 0.1, 0.3, 0.49, 0.51, 0.7, 1.0], size=GEOM.shape + (1,))
    path = write_seg(tmp_path / "seg.dcm", files, {"Tumour": frac[..., 0] > 0}, fractional=frac)
    mask = read_seg(path, image)
    np.testing.assert_array_equal(mask.array, frac[..., 0] >= 0.5)
    assert mask.metadata["segmentation_type"] == "FRACTIONAL"


def test_labelmap_seg(tmp_path, ct) -> None:
    files, image = ct
    masks = _masks()
    masks["Tumour"] &= ~masks["Lymph node"]  # a label map holds one label per voxel
    path = write_seg(tmp_path / "seg.dcm", files, masks, labelmap=True)
    for number, label in ((1, "Tumour"), (2, "Lymph node")):
        mask = read_seg(path, image, segment=number)
        np.testing.assert_array_equal(mask.array, masks[label])
        assert mask.name == label and mask.metadata["segmentation_type"] == "LABELMAP"


def test_seg_from_part_of_the_series(tmp_path, ct) -> None:
    """A SEG made on slices 2..5 only lands on those slices of the full series."""
    files, image = ct
    import pydicom

    def z(f):
        return float(pydicom.dcmread(f, stop_before_pixels=True).ImagePositionPatient[2])

    by_k = sorted(files, key=z)
    sub = by_k[2:6]
    part = np.zeros((4,) + GEOM.shape[1:], dtype=bool)
    part[:, 3:9, 5:12] = True
    path = write_seg(tmp_path / "seg.dcm", sub, {"Tumour": part})
    mask = read_seg(path, image)
    expected = np.zeros(GEOM.shape, dtype=bool)
    expected[2:6] = part
    np.testing.assert_array_equal(mask.array, expected)


def test_seg_on_another_grid_raises(tmp_path, ct) -> None:
    files, _ = ct
    path = write_seg(tmp_path / "seg.dcm", files, {"Tumour": _masks()["Tumour"]})
    other = Geometry(shape=GEOM.shape, spacing=(2.5, 0.9, 0.7))
    write_ct(tmp_path / "other", ct_volume(GEOM.shape), geometry=other)
    with pytest.raises(GeometryError, match="do not match the reference image"):
        read_seg(path, read_dicom_series(tmp_path / "other"))
    write_ct(tmp_path / "for", ct_volume(GEOM.shape), geometry=GEOM, study=Study(seed=5))
    with pytest.raises(GeometryError, match="frame of reference"):
        read_seg(path, read_dicom_series(tmp_path / "for"))


def test_series_reader_ignores_seg(tmp_path, ct) -> None:
    files, image = ct
    write_seg(tmp_path / "ct" / "seg.dcm", files, {"Tumour": _masks()["Tumour"]})
    again = read_dicom_series(tmp_path / "ct")
    np.testing.assert_array_equal(again.array, image.array)
