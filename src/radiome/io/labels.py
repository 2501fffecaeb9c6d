"""Choosing one region of interest from a mask, a label map or a 3D Slicer segmentation.

A mask file may hold a binary mask (0/1, 0/255 or boolean) or a label map in which each
positive integer marks one structure. :func:`select_label` turns either into the boolean
array of one region, and refuses to guess when the choice is ambiguous: a label map with
several labels and no ``label`` raises :class:`~radiome.errors.LabelError` naming the labels
present. :class:`LabelMap` keeps an integer label map together with its voxel grid, so the
choice can be made after reading.

3D Slicer segmentation files (``.seg.nrrd``) name their segments in NRRD header fields
``SegmentN_Name``, ``SegmentN_ID``, ``SegmentN_Layer`` and ``SegmentN_LabelValue``: segment
*N* is the set of voxels of layer ``Layer`` equal to ``LabelValue``.
:func:`read_nrrd_header` and :func:`seg_nrrd_segments` read these fields (no installed
library does), and segments are chosen by name.

This is hand-written because the rule (what counts as a binary mask, which errors to raise
and what they say) is radiome's contract with the user; no library states it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from radiome.errors import InputError, LabelError, MaskError
from radiome.io.image import IDENTITY_DIRECTION, Mask, ProcessingStep

__all__ = ["select_label", "labels_present", "LabelMap", "Segment", "read_nrrd_header", "seg_nrrd_segments"]

#: Largest label value counted with a bincount instead of a sort (memory: 8 bytes a value).
_BINCOUNT_MAX = 1 << 20


def _as_label_array(array: Any, source: str) -> np.ndarray:
    """Validate ``array`` as a label map and return it as a non-negative integer array."""
    arr = np.asarray(array)
    if arr.dtype == bool:
        return arr.astype(np.uint8)
    if arr.dtype.kind in "iu":
        if arr.dtype.kind == "i" and arr.size and arr.min() < 0:
            raise MaskError(
                f"{source} has negative values (minimum {int(arr.min())}); a mask must hold 0 for "
                "background and positive integer labels. Check that this file is a mask and not "
                "an image."
            )
        return arr
    if arr.dtype.kind == "f":
        if arr.size == 0:
            return arr.astype(np.int64)
        finite = np.isfinite(arr)
        if not finite.all():
            raise MaskError(
                f"{source} has {int((~finite).sum())} NaN or infinite values; a mask must hold 0 "
                "for background and positive integer labels. Check that this file is a mask and "
                "not an image."
            )
        if arr.min() < 0:
            raise MaskError(
                f"{source} has negative values (minimum {float(arr.min()):g}); a mask must hold 0 "
                "for background and positive integer labels. Check that this file is a mask and "
                "not an image."
            )
        frac = arr != np.floor(arr)
        if frac.any():
            example = float(arr[frac].flat[0])
            raise MaskError(
                f"{source} has {int(frac.sum())} non-integer values (e.g. {example:g}); a mask must "
                "hold 0 for background and positive integer labels. If it is a probability or "
                "partial-volume map, threshold it first (e.g. mask >= 0.5) and save the result; "
                "if it is an image, pass it as the image."
            )
        return arr.astype(np.int64)
    raise MaskError(f"{source} has non-numeric values (dtype {arr.dtype}); a mask must hold integers.")


def labels_present(array: Any, *, source: str = "the mask") -> list[int]:
    """The positive label values present in a mask or label map, sorted.

    Parameters
    ----------
    array : array_like
        Binary mask (bool, 0/1, 0/255) or label map with non-negative integer values.
    source : str
        How to name the array in error messages.

    Returns
    -------
    list of int
        Labels other than the background 0.

    Raises
    ------
    MaskError
        Negative, non-integer, NaN or infinite values.

    Examples
    --------
    >>> labels_present(np.array([[0, 2], [2, 5]]))
    [2, 5]
    """
    arr = _as_label_array(array, source)
    if arr.size == 0:
        return []
    top = int(arr.max())
    if top == 0:
        return []
    if top <= _BINCOUNT_MAX:
        counts = np.bincount(arr.ravel().astype(np.intp, copy=False), minlength=top + 1)
        return [int(v) for v in np.flatnonzero(counts[1:]) + 1]
    return [int(v) for v in np.unique(arr) if v != 0]


def _check_label_argument(label: Any) -> int:
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer, float, np.floating)):
        raise LabelError(
            f"label must be a positive integer (the value of the region in the label map), got "
            f"{label!r}. Pass e.g. label=1 (CLI: --label 1)."
        )
    if float(label) != int(label) or int(label) <= 0:
        raise LabelError(
            f"label must be a positive integer (0 is the background), got {label!r}. Pass the "
            "value of the region in the label map, e.g. label=1 (CLI: --label 1)."
        )
    return int(label)


def select_label(array: Any, label: int | None = None, *, source: str = "the mask") -> np.ndarray:
    """The boolean region of one label of a mask or label map.

    Rules:

    * a boolean array, or one whose only positive value is a single number (0/1, 0/255 or a
      label map holding one structure), is that region when ``label`` is ``None``;
    * a label map with several positive values needs ``label``: without it a
      :class:`~radiome.errors.LabelError` names the labels present;
    * a ``label`` that is absent raises :class:`~radiome.errors.LabelError` with the labels
      present;
    * an all-zero array gives an all-``False`` region (empty masks are reported by
      :func:`radiome.io.check_mask`, which knows the image).

    Parameters
    ----------
    array : array_like
        Mask or label map, any shape; 0 is background.
    label : int, optional
        Label value of the region to select.
    source : str
        How to name the array in error messages (e.g. the file path).

    Returns
    -------
    ndarray of bool
        ``array == label`` (a new array; the input is not modified).

    Raises
    ------
    LabelError
        Several labels and no ``label``; ``label`` absent or not a positive integer.
    MaskError
        Negative, non-integer, NaN or infinite values.

    Examples
    --------
    >>> select_label(np.array([0, 255, 255])).tolist()
    [False, True, True]
    >>> select_label(np.array([0, 1, 2]), label=2).tolist()
    [False, False, True]
    """
    arr = _as_label_array(array, source)
    present = labels_present(arr, source=source)
    if label is None:
        if len(present) <= 1:
            return arr != 0
        raise LabelError(
            f"{source} is a label map with {len(present)} labels {_show(present)}; radiome needs "
            f"one region. Choose it with label= (CLI: --label), e.g. label={present[0]}."
        )
    value = _check_label_argument(label)
    if value not in present:
        if not present:
            raise LabelError(
                f"label {value} is not in {source}: it has no foreground voxel at all (only 0). "
                "Check that the mask belongs to this case."
            )
        hint = (
            f" The mask is binary with foreground value {present[0]}: leave label unset to use it."
            if len(present) == 1
            else f" Pass one of these as label= (CLI: --label)."
        )
        raise LabelError(f"label {value} is not in {source}; labels present: {_show(present)}." + hint)
    return arr == value


def _show(labels: list[int], limit: int = 20) -> str:
    if len(labels) <= limit:
        return str(labels)
    return str(labels[:limit])[:-1] + f", ... ({len(labels)} in all)]"


@dataclass(frozen=True, eq=False)
class LabelMap:
    """An integer label map on a voxel grid, before one region is chosen.

    Parameters
    ----------
    array : ndarray of int, (z, y, x)
        Label values (0 = background); stored read-only.
    spacing, origin : tuple of 3 float
        Voxel size and position of voxel ``(0, 0, 0)`` in mm, ordered ``(z, y, x)``.
    direction : tuple of 9 float
        Direction cosines in ITK order (see :mod:`radiome.io.image`).
    is_2d : bool
        A single-slice 2D label map.
    metadata : mapping
        Source information (path, format, ...).
    """

    array: np.ndarray
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: tuple[float, ...] = IDENTITY_DIRECTION
    is_2d: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        src = str(self.metadata.get("source_path", "the label map"))
        arr = np.array(_as_label_array(self.array, src), copy=True)
        if arr.ndim == 2:
            arr = arr[np.newaxis]
            object.__setattr__(self, "is_2d", True)
        if arr.ndim != 3:
            raise ValueError(f"expected a 2D or 3D label map (z, y, x), got shape {arr.shape}")
        arr.setflags(write=False)
        object.__setattr__(self, "array", arr)
        object.__setattr__(self, "spacing", tuple(float(v) for v in self.spacing))
        object.__setattr__(self, "origin", tuple(float(v) for v in self.origin))
        object.__setattr__(self, "direction", tuple(float(v) for v in self.direction))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    @property
    def labels(self) -> list[int]:
        """Positive label values present."""
        return labels_present(self.array)

    def to_mask(
        self, label: int | None = None, *, name: str | None = None, step: ProcessingStep | None = None
    ) -> Mask:
        """The :class:`~radiome.io.image.Mask` of one label (see :func:`select_label`)."""
        src = str(self.metadata.get("source_path", "the label map"))
        region = select_label(self.array, label, source=src)
        if name is None:
            name = f"label_{int(label)}" if label is not None else str(self.metadata.get("roi_name", "roi"))
        meta = dict(self.metadata)
        if label is not None:
            meta["label"] = int(label)
        return Mask(
            array=region,
            spacing=self.spacing,
            origin=self.origin,
            direction=self.direction,
            is_2d=self.is_2d,
            name=name,
            metadata=meta,
            history=(step,) if step is not None else (),
        )


# --------------------------------------------------------------------------- 3D Slicer .seg.nrrd

def read_nrrd_header(path: str | Path, *, max_bytes: int = 16 << 20) -> tuple[dict[str, str], dict[str, str]]:
    """The fields and key/value pairs of a NRRD header.

    NRRD header lines are ``<field>: <value>`` (format fields such as ``sizes``) or
    ``<key>:=<value>`` (free key/value pairs, where 3D Slicer stores segment information);
    ``#`` lines are comments and the header ends at the first empty line.

    Returns
    -------
    fields, key_values : dict of str to str

    Raises
    ------
    InputError
        Not a NRRD file.
    """
    p = Path(path)
    fields: dict[str, str] = {}
    kv: dict[str, str] = {}
    read = 0
    with open(p, "rb") as fh:
        magic = fh.readline()
        if not magic.startswith(b"NRRD"):
            raise InputError(f"{p} is not a NRRD file (it does not start with 'NRRD').")
        while read < max_bytes:
            raw = fh.readline()
            if not raw:
                break
            read += len(raw)
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if line == "":
                break
            if line.startswith("#"):
                continue
            i_kv, i_f = line.find(":="), line.find(": ")
            if i_kv >= 0 and (i_f < 0 or i_kv < i_f):
                kv[line[:i_kv]] = line[i_kv + 2:].replace("\\n", "\n").replace("\\\\", "\\")
            elif i_f >= 0:
                fields[line[:i_f].strip().lower()] = line[i_f + 2:].strip()
    return fields, kv


@dataclass(frozen=True)
class Segment:
    """One segment of a 3D Slicer segmentation file.

    Attributes
    ----------
    index : int
        *N* in ``SegmentN_*``.
    id, name : str
        ``SegmentN_ID`` and ``SegmentN_Name``.
    layer : int
        ``SegmentN_Layer``: the 3D volume (first axis of a 4D file) holding the segment.
    label_value : int or None
        ``SegmentN_LabelValue``; ``None`` in old files (one binary layer per segment).
    """

    index: int
    id: str
    name: str
    layer: int
    label_value: int | None


_SEGMENT_KEY = re.compile(r"^Segment(\d+)_(\w+)$")


def seg_nrrd_segments(path: str | Path) -> list[Segment]:
    """The segments described in the header of a 3D Slicer ``.seg.nrrd`` file, by index.

    Files from Slicer before 4.11 have no ``Layer``/``LabelValue`` fields: segment *N* is then
    layer *N*, and any non-zero value is inside.
    """
    _, kv = read_nrrd_header(path)
    found: dict[int, dict[str, str]] = {}
    for key, value in kv.items():
        m = _SEGMENT_KEY.match(key)
        if m:
            found.setdefault(int(m.group(1)), {})[m.group(2)] = value
    out = []
    for index in sorted(found):
        f = found[index]
        try:
            layer = int(f.get("Layer", index if "LabelValue" not in f else 0))
            label_value = int(f["LabelValue"]) if "LabelValue" in f else None
        except ValueError as exc:
            raise InputError(f"{path}: Segment{index}_Layer/LabelValue are not integers ({exc}).") from exc
        sid = f.get("ID", f"Segment_{index}")
        out.append(Segment(index=index, id=sid, name=f.get("Name", sid), layer=layer, label_value=label_value))
    return out


def _is_slicer_seg(path: Path) -> bool:
    _, kv = read_nrrd_header(path)
    return any(_SEGMENT_KEY.match(k) for k in kv)


def _choose_segment(segments: list[Segment], roi_name: str | None, label: int | None, path: Path) -> Segment:
    names = [s.name for s in segments]
    if roi_name is not None:
        matches = [s for s in segments if s.name == roi_name] or [s for s in segments if s.id == roi_name]
        if not matches:
            matches = [s for s in segments if s.name.casefold() == roi_name.casefold()]
        if not matches:
            raise LabelError(
                f"segment {roi_name!r} is not in {path}; segments available: {names}. Pass one of "
                "these as roi_name= (CLI: --roi)."
            )
        if len(matches) > 1:
            raise LabelError(
                f"{len(matches)} segments of {path} are named {roi_name!r}; pass the segment ID "
                f"instead as roi_name= (IDs: {[s.id for s in matches]})."
            )
        return matches[0]
    if label is not None:
        matches = [s for s in segments if s.label_value == label]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise LabelError(
                f"no segment of {path} has label value {label}; segments available: "
                f"{[(s.name, s.label_value) for s in segments]} (name, label value). Choose one by "
                "name with roi_name= (CLI: --roi)."
            )
        raise LabelError(
            f"label value {label} is used by several segments of {path} (in different layers): "
            f"{[s.name for s in matches]}. Choose one by name with roi_name= (CLI: --roi)."
        )
    if len(segments) == 1:
        return segments[0]
    raise LabelError(
        f"{path} holds {len(segments)} segments {names}; radiome needs one region. Choose it by "
        "name with roi_name= (CLI: --roi)."
    )
