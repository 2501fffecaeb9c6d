"""DICOM Segmentation (SEG) objects to a voxel :class:`~radiome.io.image.Mask`.

highdicom parses and validates the SEG (``pip install radiome[seg]``); radiome places each
frame of the chosen segment on the reference image grid by its Image Position (Patient),
because a SEG usually stores only the frames where the segment is present and need not list
them in the order of the source series. A frame whose position maps to the continuous index
:math:`\\mathbf{u}` of the reference (see :func:`radiome.io.dicom.series.physical_to_index`)
is pasted at slice :math:`u_z` and in-plane offset :math:`(u_y, u_x)`, which must be whole
numbers (to 0.1 voxel): same orientation and pixel spacing as the reference, no resampling.

BINARY frames are used as they are; FRACTIONAL frames hold :math:`v/v_{\\max}` (Maximum
Fractional Value) and a voxel is inside when

.. math:: \\frac{v}{v_{\\max}} \\ge 0.5 ;

LABELMAP frames hold segment numbers and a voxel is inside when it equals the chosen one.
No IBSI code applies (IBSI 1 section 2.1 starts from a voxel mask).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from radiome.errors import (
    DicomError,
    EmptyMaskError,
    GeometryError,
    InputError,
    LabelError,
    MaskOutsideImageError,
)
from radiome.io.dicom.series import (
    SEG_SOP_CLASS,
    _files,
    _quiet_pydicom,
    choose_name,
    orientation,
    physical_to_index,
    read_header,
)
from radiome.io.image import Image, Mask

__all__ = ["read_seg", "list_seg_segments"]

#: Threshold on the fraction for FRACTIONAL segmentations.
FRACTION_THRESHOLD = 0.5
_TOL = 0.1


def _highdicom() -> Any:
    try:
        import highdicom
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "reading DICOM SEG needs highdicom: pip install radiome[seg]  (or pip install highdicom)"
        ) from exc
    return highdicom


def _find_seg(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(f"DICOM SEG path not found: {str(p)!r}")
    found = []
    for f in _files(p):
        ds = read_header(f)
        if ds is not None and (str(ds.get("SOPClassUID", "")) == SEG_SOP_CLASS
                               or str(ds.get("Modality", "")).upper() == "SEG"):
            found.append(f)
    if not found:
        raise DicomError(f"no DICOM SEG file found at {p}; give the SEG file or a folder holding one.")
    if len(found) > 1:
        raise DicomError(
            f"{len(found)} DICOM SEG files found under {p} ("
            + ", ".join(f.name for f in found[:5])
            + "); pass the one you want as the path."
        )
    return found[0]


def _load(path: str | Path) -> tuple[Path, Any]:
    hd = _highdicom()
    f = _find_seg(path)
    with _quiet_pydicom():
        return f, hd.seg.segread(f)


def _segments(seg: Any) -> list[tuple[int, str]]:
    return [(int(s.SegmentNumber), str(s.get("SegmentLabel", ""))) for s in seg.SegmentSequence]


def list_seg_segments(path: str | Path) -> list[tuple[int, str]]:
    """Segments of a DICOM SEG file as ``(segment number, segment label)`` pairs."""
    _, seg = _load(path)
    return _segments(seg)


def _choose_segment(segments: list[tuple[int, str]], segment: int | str | None, f: Path) -> tuple[int, str]:
    if isinstance(segment, (int, np.integer)) and not isinstance(segment, bool):
        for number, label in segments:
            if number == int(segment):
                return number, label
        raise LabelError(
            f"no segment number {segment} in {f.name}; segments: "
            + ", ".join(f"{n} {lab!r}" for n, lab in segments)
        )
    labels = [lab for _, lab in segments]
    i = choose_name(labels, segment, "segment", hint="pass segment= (a label or a segment number)")
    return segments[i]


def _frame_item(group: Any, shared: Any, keyword: str) -> Any | None:
    """First item of ``keyword`` in the frame's functional group, else in the shared group."""
    for g in (group, shared):
        seq = g.get(keyword, None) if g is not None else None
        if seq is not None and len(seq) > 0:
            return seq[0]
    return None


def read_seg(path: str | Path, reference: Image, segment: int | str | None = None) -> Mask:
    """Read one segment of a DICOM SEG onto the voxel grid of ``reference``.

    Parameters
    ----------
    path : str or Path
        The SEG file, or a folder holding exactly one.
    reference : Image
        The image whose grid the mask takes; the SEG frames must share its orientation and
        pixel spacing and lie on its slices (a SEG made from that series does).
    segment : int or str, optional
        Segment number, or label (case-insensitive exact, then unique substring). Needed
        when the SEG holds several segments.

    Returns
    -------
    Mask
        ``True`` inside the segment (FRACTIONAL: fraction :math:`\\ge 0.5`).

    Raises
    ------
    ImportError
        highdicom missing (install hint in the message).
    LabelError
        Unknown segment, or several and none chosen (the message lists them).
    GeometryError
        Other frame of reference, orientation or pixel spacing, or frames between slices.
    MaskOutsideImageError
        Segment voxels outside the reference image.
    EmptyMaskError
        The segment holds no voxel.
    """
    f, seg = _load(path)
    number, label = _choose_segment(_segments(seg), segment, f)
    ref_for = str(reference.metadata.get("frame_of_reference_uid", "") or "")
    seg_for = str(seg.get("FrameOfReferenceUID", "") or "")
    if ref_for and seg_for and ref_for != seg_for:
        raise GeometryError(
            f"SEG {f.name} is in frame of reference {seg_for}, the reference image in {ref_for}; "
            "use the image the segmentation was made on, or register the images first."
        )
    if "PerFrameFunctionalGroupsSequence" not in seg:
        raise DicomError(
            f"SEG {f.name} has no per-frame functional groups (dimension organisation "
            f"{seg.get('DimensionOrganizationType', '?')}); tiled SEG objects are not supported."
        )
    seg_type = str(seg.SegmentationType).upper()
    with _quiet_pydicom():
        frames = np.asarray(seg.pixel_array)
    if frames.ndim == 2:
        frames = frames[np.newaxis]
    shared = seg.SharedFunctionalGroupsSequence[0] if "SharedFunctionalGroupsSequence" in seg else None
    d_ref = np.array(reference.direction, dtype=float).reshape(3, 3)
    nz, ny, nx = reference.shape
    mask = np.zeros((nz, ny, nx), dtype=bool)
    vmax = float(seg.get("MaximumFractionalValue", 1) or 1)
    for i, group in enumerate(seg.PerFrameFunctionalGroupsSequence):
        if seg_type != "LABELMAP":
            ident = _frame_item(group, shared, "SegmentIdentificationSequence")
            if ident is None or int(ident.ReferencedSegmentNumber) != number:
                continue
        frame = frames[i]
        if seg_type == "LABELMAP":
            inside = frame == number
        elif seg_type == "FRACTIONAL":
            inside = frame.astype(float) / vmax >= FRACTION_THRESHOLD
        else:
            inside = frame.astype(bool)
        if not inside.any():
            continue
        pos = _frame_item(group, shared, "PlanePositionSequence")
        ori = _frame_item(group, shared, "PlaneOrientationSequence")
        meas = _frame_item(group, shared, "PixelMeasuresSequence")
        if pos is None or ori is None or meas is None:
            raise DicomError(
                f"SEG {f.name} frame {i + 1} lacks plane position, orientation or pixel measures."
            )
        d = orientation(np.array([float(v) for v in ori.ImageOrientationPatient]))
        ps = [float(v) for v in meas.PixelSpacing]
        if np.abs(d[:, :2] - d_ref[:, :2]).max() > 1e-3 or not np.allclose(
            ps, reference.spacing[1:], rtol=1e-3
        ):
            raise GeometryError(
                f"SEG {f.name} frames (orientation {np.round(d[:, :2].T.ravel(), 4).tolist()}, "
                f"pixel spacing {ps}) do not match the reference image (pixel spacing "
                f"{list(reference.spacing[1:])}); use the image the SEG was made on as reference."
            )
        u = physical_to_index(np.array([[float(v) for v in pos.ImagePositionPatient]]), reference)[0]
        r = np.round(u)
        if np.abs(u - r).max() > _TOL:
            raise GeometryError(
                f"SEG {f.name} frame {i + 1} lies at reference index (x, y, z) = "
                f"{np.round(u, 3).tolist()}, between voxels; use the image the SEG was made on."
            )
        i0, j0, k = (int(v) for v in r)
        rows, cols = np.nonzero(inside)
        rr, cc = rows + j0, cols + i0
        if not (0 <= k < nz) or rr.min() < 0 or cc.min() < 0 or rr.max() >= ny or cc.max() >= nx:
            raise MaskOutsideImageError(
                f"segment {label!r} of {f.name} (frame {i + 1}) lies outside the reference image "
                f"(z, y, x) = {reference.shape}; use the image the SEG was made on."
            )
        mask[k, rr, cc] = True
    if not mask.any():
        raise EmptyMaskError(
            f"segment {number} {label!r} of {f.name} contains no voxel; choose another segment "
            "(radiome.io.dicom.list_seg_segments)."
        )
    return Mask(
        array=mask,
        spacing=reference.spacing,
        origin=reference.origin,
        direction=reference.direction,
        is_2d=reference.is_2d,
        name=label or f"segment_{number}",
        metadata={
            "source": str(f),
            "format": "DICOM SEG",
            "segment_number": number,
            "segment_label": label,
            "segmentation_type": seg_type,
            "frame_of_reference_uid": seg_for,
        },
    )
