"""Cropping to the region of interest plus a margin.

Features only look at the ROI and, for the local intensity peak (IBSI 1, section 3.2), at
voxels up to about 6.2 mm around it, so everything after re-segmentation works on the
bounding box of the morphological mask plus a margin (10 mm by default), clipped at the image
border. Before interpolation and filtering, :func:`grow_box` gives the larger box that
the filters need around it (see :mod:`radiome.preprocess.pipeline`). Hand-written: it is a
bounding box and a slice, plus the origin bookkeeping that keeps the cropped values in the
same physical place.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from radiome.errors import EmptyMaskError
from radiome.io.image import Image, Mask, ProcessingStep, check_same_grid

__all__ = [
    "crop_box", "crop_to_box", "crop_to_mask", "margin_voxels", "bounding_box", "grow_box", "relative_box",
    "box_shape",
]

Box = tuple[slice, slice, slice]


def bounding_box(array: np.ndarray) -> Box | None:
    """The tight bounding box ``(z, y, x)`` of the true voxels of ``array``, or None if empty."""
    arr = np.asarray(array, dtype=bool)
    if not arr.any():
        return None
    box = []
    for axis in range(arr.ndim):
        other = tuple(a for a in range(arr.ndim) if a != axis)
        idx = np.flatnonzero(arr.any(axis=other))
        box.append(slice(int(idx[0]), int(idx[-1]) + 1))
    return tuple(box)  # type: ignore[return-value]


def crop_box(mask_arrays: np.ndarray | Sequence[np.ndarray], margin_vox: int | Sequence[int] = 0) -> Box:
    """Bounding box of the union of ``mask_arrays``, grown by ``margin_vox``, clipped to the array.

    Parameters
    ----------
    mask_arrays : ndarray or sequence of ndarray
        Boolean arrays ``(z, y, x)`` of one shape.
    margin_vox : int or 3 ints
        Voxels added on each side along ``(z, y, x)``.

    Returns
    -------
    tuple of 3 slices

    Raises
    ------
    EmptyMaskError
        When every mask is empty.

    Examples
    --------
    >>> m = np.zeros((5, 6, 7), bool); m[2, 3, 1] = True
    >>> crop_box(m, 2)
    (slice(0, 5, None), slice(1, 6, None), slice(0, 4, None))
    """
    arrays = [np.asarray(mask_arrays)] if isinstance(mask_arrays, np.ndarray) else [np.asarray(a) for a in mask_arrays]
    if not arrays:
        raise EmptyMaskError("crop_box needs at least one mask")
    union = np.zeros(arrays[0].shape, dtype=bool)
    for a in arrays:
        union |= a.astype(bool)
    box = bounding_box(union)
    if box is None:
        raise EmptyMaskError("cannot crop to an empty mask: the ROI has no voxel")
    margins = (margin_vox,) * union.ndim if np.isscalar(margin_vox) else tuple(margin_vox)  # type: ignore[arg-type]
    return tuple(
        slice(max(0, s.start - int(m)), min(n, s.stop + int(m))) for s, m, n in zip(box, margins, union.shape)
    )  # type: ignore[return-value]


def margin_voxels(spacing_zyx: Sequence[float], margin_mm: float) -> tuple[int, int, int]:
    """Voxels needed along ``(z, y, x)`` to cover at least ``margin_mm`` millimetres.

    .. math::

        m_a = \\left\\lceil \\frac{m_{mm}}{s_a} \\right\\rceil

    Examples
    --------
    >>> margin_voxels((3.0, 0.977, 0.977), 10.0)
    (4, 11, 11)
    """
    return tuple(int(math.ceil(margin_mm / s - 1e-9)) for s in spacing_zyx)  # type: ignore[return-value]


def grow_box(
    box: Box,
    margin_vox: int | Sequence[int],
    shape: Sequence[int],
    *,
    whole_axis_at_border: bool = False,
) -> Box:
    """``box`` grown by ``margin_vox`` voxels on each side, within an array of ``shape``.

    .. math::

        [a_{lo} - m_a,\\; a_{hi} + m_a) \\cap [0, n_a)

    Parameters
    ----------
    box : tuple of 3 slices
        With explicit ``start`` and ``stop``.
    margin_vox : int or 3 ints
        Voxels added on each side along ``(z, y, x)``.
    shape : 3 ints
        Array shape ``(z, y, x)``.
    whole_axis_at_border : bool
        When the grown box would reach past the array on either side along an axis, take that
        axis whole instead of clipping it. Used before filtering: a filter whose support reaches
        the border sees the border (and, for a periodic boundary, the opposite side), so the
        response inside the box is the same as on the whole image only if the whole axis is kept.

    Examples
    --------
    >>> grow_box((slice(2, 4), slice(5, 6), slice(0, 3)), 2, (10, 10, 10))
    (slice(0, 6, None), slice(3, 8, None), slice(0, 5, None))
    >>> grow_box((slice(2, 4), slice(5, 6), slice(3, 4)), 3, (10, 10, 10), whole_axis_at_border=True)
    (slice(0, 10, None), slice(2, 9, None), slice(0, 7, None))
    """
    margins = (margin_vox,) * len(shape) if np.isscalar(margin_vox) else tuple(margin_vox)  # type: ignore[arg-type]
    out = []
    for s, m, n in zip(box, margins, shape):
        lo, hi = int(s.start) - int(m), int(s.stop) + int(m)
        if whole_axis_at_border and (lo < 0 or hi > n):
            out.append(slice(0, int(n)))
        else:
            out.append(slice(max(0, lo), min(int(n), hi)))
    return tuple(out)  # type: ignore[return-value]


def relative_box(inner: Box, outer: Box) -> Box:
    """``inner`` (a box inside ``outer``, both in one array's indices) in indices of ``outer``'s crop.

    Examples
    --------
    >>> relative_box((slice(3, 5), slice(0, 2), slice(4, 9)), (slice(1, 6), slice(0, 4), slice(2, 9)))
    (slice(2, 4, None), slice(0, 2, None), slice(2, 7, None))
    """
    out = []
    for i, o in zip(inner, outer):
        if i.start < o.start or i.stop > o.stop:
            raise ValueError(f"box {inner} is not inside {outer}")
        out.append(slice(i.start - o.start, i.stop - o.start))
    return tuple(out)  # type: ignore[return-value]


def box_shape(box: Box) -> tuple[int, int, int]:
    """Size ``(z, y, x)`` of a box with explicit starts and stops."""
    return tuple(int(s.stop) - int(s.start) for s in box)  # type: ignore[return-value]


def crop_to_box(value: Image | Mask, box: Box) -> Image | Mask:
    """The part of an image or mask inside ``box``, with the origin moved so voxels keep their place."""
    start = np.array([s.indices(n)[0] for s, n in zip(box, value.shape)], dtype=float)
    xyz = value.index_to_physical(start)
    step = ProcessingStep("crop", {"box_zyx": tuple((s.start, s.stop) for s in box), "source_shape_zyx": value.shape})
    return value.with_array(
        value.array[box], step, origin=(float(xyz[2]), float(xyz[1]), float(xyz[0]))
    )


def crop_to_mask(image: Image, masks: Mask | Sequence[Mask], margin_mm: float = 10.0) -> tuple[Image, tuple[Mask, ...]]:
    """Crop an image and its masks to the masks' bounding box plus ``margin_mm`` on each side.

    Parameters
    ----------
    image : Image
    masks : Mask or sequence of Mask
        On the image grid; the box covers all of them.
    margin_mm : float
        Margin in mm on each side (rounded up to whole voxels per axis), clipped at the border.

    Returns
    -------
    (Image, tuple of Mask)
        Cropped copies with their origins updated; inputs are not modified.
    """
    mask_list = [masks] if isinstance(masks, Mask) else list(masks)
    for m in mask_list:
        check_same_grid(image, m, what="mask")
    box = crop_box([m.array for m in mask_list], margin_voxels(image.spacing, margin_mm))
    return crop_to_box(image, box), tuple(crop_to_box(m, box) for m in mask_list)  # type: ignore[misc]
