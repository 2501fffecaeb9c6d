"""One case: an image and its mask, read and checked together.

:func:`load_case` reads both files, puts the mask on the image grid when that needs no
interpolation (:func:`align_mask_to_image`), and runs the checks that every extraction needs
(:func:`check_mask`, :func:`check_intensities`). Each check is a pure function that returns
``None`` or raises the error that says what to do, so the cohort runner can record it per case.

A mask voxel ``(k, j, i)`` is at the physical point :math:`\\mathbf{p}` (see
:mod:`radiome.io.readers`); its continuous index in the image is

.. math:: (i', j', k')^T = \\mathrm{diag}(s_x, s_y, s_z)^{-1} D^{-1} (\\mathbf{p} - \\mathbf{o})

and it lies inside the image when :math:`-\\tfrac12 \\le i' \\le n_x - \\tfrac12` (likewise
for :math:`j'`, :math:`k'`). Hand-written: the checks and their messages are radiome's own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from radiome.errors import EmptyMaskError, GeometryError, IntensityError, MaskOutsideImageError
from radiome.io.image import Image, Mask, ProcessingStep, _Grid, check_same_grid

__all__ = ["load_case", "check_mask", "check_intensities", "align_mask_to_image", "voxels_outside"]


def _origin_tol(grid: _Grid, tol: float) -> float:
    """Origin tolerance in mm, as in :func:`radiome.io.image.check_same_grid`."""
    return tol * max(float(max(grid.spacing)), 1.0) * 10


def _lattice_offset(image: _Grid, mask: _Grid, tol: float) -> tuple[int, int, int] | None:
    """Integer index offset (z, y, x) of the mask's voxel 0 in the image, when both share a lattice."""
    if not np.allclose(image.spacing, mask.spacing, rtol=tol, atol=1e-6):
        return None
    if not np.allclose(image.direction, mask.direction, atol=tol):
        return None
    d = np.asarray(image.direction, dtype=float).reshape(3, 3)
    spacing_xyz = np.asarray(image.spacing[::-1], dtype=float)
    delta = np.asarray(mask.origin[::-1], dtype=float) - np.asarray(image.origin[::-1], dtype=float)
    idx = np.linalg.solve(d, delta) / spacing_xyz
    rounded = np.rint(idx)
    if np.any(np.abs(idx - rounded) * spacing_xyz > _origin_tol(image, tol)):
        return None
    return tuple(int(v) for v in rounded[::-1])  # type: ignore[return-value]


def voxels_outside(image: _Grid, mask: _Grid) -> tuple[int, int]:
    """How many mask voxels lie outside the image's field of view, of how many.

    Each voxel centre of the mask is mapped into the image's continuous index space (see the
    module docstring) and counted outside when it is more than half a voxel beyond the edge.

    Returns
    -------
    (n_outside, n_mask) : tuple of int
    """
    sel = np.nonzero(mask.array)
    n_mask = int(sel[0].size)
    if n_mask == 0:
        return 0, 0
    idx = np.stack(sel, axis=-1).astype(float)
    phys = mask.index_to_physical(idx)  # (n, 3) x, y, z
    d = np.asarray(image.direction, dtype=float).reshape(3, 3)
    rel = np.linalg.solve(d, (phys - np.asarray(image.origin[::-1])).T).T
    cont = rel / np.asarray(image.spacing[::-1])  # (n, 3) x, y, z index
    size_xyz = np.asarray(image.shape[::-1], dtype=float)
    eps = 1e-6
    outside = np.any((cont < -0.5 - eps) | (cont > size_xyz - 0.5 + eps), axis=1)
    return int(outside.sum()), n_mask


def _outside_error(image: _Grid, mask: Mask, n_out: int, n_mask: int) -> MaskOutsideImageError:
    where = "entirely" if n_out == n_mask else "partly"
    return MaskOutsideImageError(
        f"the mask {mask.name!r} lies {where} outside the image: {n_out} of {n_mask} mask voxels "
        f"({100.0 * n_out / n_mask:.1f}%) fall outside the image's field of view (image size "
        f"(z, y, x) {image.shape}, origin {tuple(np.round(image.origin, 2))} mm; mask origin "
        f"{tuple(np.round(mask.origin, 2))} mm). Check that the mask belongs to this image (the "
        "right patient, series and time point); if it was drawn on a larger field of view, crop "
        "it to the image first."
    )


def _aligned(image: Image, mask: Mask, tol: float) -> Mask | None:
    """The mask on the image grid without interpolation, or None when that is not possible."""
    exact = (
        mask.shape == image.shape
        and mask.spacing == image.spacing
        and mask.origin == image.origin
        and mask.direction == image.direction
    )
    if exact:
        return mask if mask.is_2d == image.is_2d else mask.with_array(mask.array, is_2d=image.is_2d)
    geometry = {"spacing": image.spacing, "origin": image.origin, "direction": image.direction,
                "is_2d": image.is_2d}
    if image.same_grid(mask, tol):
        shift = float(np.abs(np.subtract(mask.origin, image.origin)).max())
        step = ProcessingStep("align_mask_to_image", {"method": "snap", "max_origin_shift_mm": shift})
        return mask.with_array(mask.array, step, **geometry)
    offset = _lattice_offset(image, mask, tol)
    if offset is None:
        return None
    src = mask.array
    lo = [max(0, -o) for o in offset]
    hi = [min(src.shape[a], image.shape[a] - offset[a]) for a in range(3)]
    out = np.zeros(image.shape, dtype=bool)
    n_in = 0
    if all(h > l for l, h in zip(lo, hi)):
        part = src[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        out[lo[0] + offset[0]:hi[0] + offset[0], lo[1] + offset[1]:hi[1] + offset[1],
            lo[2] + offset[2]:hi[2] + offset[2]] = part
        n_in = int(np.count_nonzero(part))
    if n_in < mask.voxel_count:
        return None  # mask voxels would be lost: check_mask reports MaskOutsideImageError
    step = ProcessingStep("align_mask_to_image", {"method": "embed", "offset_zyx": offset})
    return mask.with_array(out, step, **geometry)


def align_mask_to_image(image: Image, mask: Mask, *, tol: float = 1e-3) -> Mask:
    """The mask on the image's grid, when that needs no interpolation.

    * Grids equal within ``tol`` (see :func:`~radiome.io.image.check_same_grid`): the mask
      takes the image's spacing, origin and direction exactly.
    * Same spacing and direction, origins an integer number of voxels apart (e.g. a 3D Slicer
      segmentation cropped to its extent, or a mask on a larger field of view whose region
      lies inside the image): the mask is copied into an array of the image's size.
    * Otherwise the mask needs resampling, which is not done silently.

    Parameters
    ----------
    image : Image
        The reference image.
    mask : Mask
        The mask to place.
    tol : float
        Geometry tolerance (relative for spacing/direction, scaled by the spacing for origins).

    Returns
    -------
    Mask
        On the image grid; a ``align_mask_to_image`` step is appended when anything changed.

    Raises
    ------
    MaskOutsideImageError
        Mask voxels fall outside the image.
    GeometryError
        The grids differ in spacing or direction, or by a fraction of a voxel.
    """
    aligned = _aligned(image, mask, tol)
    if aligned is not None:
        return aligned
    check_mask(image, mask, tol=tol)  # raises MaskOutsideImageError or GeometryError
    raise GeometryError("image and mask grids differ")  # pragma: no cover - defensive


def check_mask(image: Image, mask: Mask, *, tol: float = 1e-3) -> None:
    """Check that ``mask`` is usable with ``image``.

    Parameters
    ----------
    image, mask : Image, Mask
    tol : float
        Geometry tolerance (see :func:`~radiome.io.image.check_same_grid`).

    Raises
    ------
    MaskOutsideImageError
        The grids differ and mask voxels fall outside the image.
    GeometryError
        The grids differ (the message says how to resample, or to align when the mask is on
        the image's lattice).
    EmptyMaskError
        The mask has no voxel.
    """
    if not image.same_grid(mask, tol):
        n_out, n_mask = voxels_outside(image, mask)
        if n_out:
            raise _outside_error(image, mask, n_out, n_mask)
        try:
            check_same_grid(image, mask, tol=tol)
        except GeometryError as exc:
            offset = _lattice_offset(image, mask, tol)
            if offset is None:
                raise
            raise GeometryError(
                f"{exc} The mask lies on the image's voxel lattice, shifted by {offset} voxels "
                "(z, y, x): radiome.io.align_mask_to_image(image, mask) puts it on the image grid "
                "without interpolation (load_case does this)."
            ) from None
    if mask.voxel_count == 0:
        source = mask.metadata.get("source_path")
        src = f" (from {source})" if source else ""
        raise EmptyMaskError(
            f"the mask {mask.name!r}{src} has no voxel inside the ROI (0 of {mask.array.size}). "
            "Check the label / ROI name, and that the mask belongs to this image."
        )


def check_intensities(image: Image, mask: Mask, *, tol: float = 1e-3) -> None:
    """Check that every image voxel inside the mask has a finite intensity.

    Raises
    ------
    GeometryError
        Image and mask are not on the same grid.
    IntensityError
        NaN or infinite intensities inside the ROI (counted in the message).
    """
    check_same_grid(image, mask, tol=tol)
    values = image.array[mask.array]
    bad = ~np.isfinite(values)
    n_bad = int(bad.sum())
    if n_bad:
        n_nan = int(np.isnan(values).sum())
        raise IntensityError(
            f"{n_bad} of {values.size} voxels inside the ROI {mask.name!r} are not finite "
            f"({n_nan} NaN, {n_bad - n_nan} infinite); features cannot use them. Fix the image "
            "(e.g. fill them with a valid intensity), or leave them out of the ROI: "
            "mask.with_array(mask.array & np.isfinite(image.array))."
        )


def load_case(
    image_path: str | Path,
    mask_path: str | Path,
    *,
    roi_name: str | None = None,
    label: int | None = None,
    geometry_tolerance: float = 1e-3,
    modality: str | None = None,
) -> tuple[Image, Mask]:
    """Read an image and its mask, put the mask on the image grid, and check both.

    Parameters
    ----------
    image_path : str or Path
        Image file or DICOM series (see :func:`radiome.io.read_image`).
    mask_path : str or Path
        Mask file: label map, .seg.nrrd, RTSTRUCT or SEG (see :func:`radiome.io.read_mask`).
    roi_name : str, optional
        ROI / segment name (RTSTRUCT, SEG, .seg.nrrd).
    label : int, optional
        Label value in a label map.
    geometry_tolerance : float
        Grids that differ by less than this (relative; see
        :func:`~radiome.io.image.check_same_grid`) are taken as equal and the mask gets the
        image's geometry.
    modality : str, optional
        Modality of the image (see :func:`radiome.io.read_image`).

    Returns
    -------
    (Image, Mask)
        The mask on the image's grid.

    Raises
    ------
    InputError, LabelError, MaskError, EmptyMaskError, MaskOutsideImageError, GeometryError,
    IntensityError
        See :func:`read_mask`, :func:`check_mask` and :func:`check_intensities`.
    """
    from radiome.io.readers import read_image, read_mask

    image = read_image(image_path, modality=modality)
    mask = read_mask(mask_path, reference=image, roi_name=roi_name, label=label,
                     geometry_tolerance=geometry_tolerance)
    check_mask(image, mask, tol=geometry_tolerance)
    check_intensities(image, mask, tol=geometry_tolerance)
    return image, mask
