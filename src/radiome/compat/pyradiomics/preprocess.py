"""PyRadiomics' pre-processing, step for step, on SimpleITK images.

PyRadiomics makes processing choices that differ from IBSI's (radiome's own chain is in
:mod:`radiome.preprocess`), and its results depend on how SimpleITK is called, so this
module calls SimpleITK the same way:

- **Resampling grid** (:func:`resample`): PyRadiomics aligns the new grid to the *corner* of
  the input grid (new origin at input origin plus half the spacing difference), covers only
  the ROI bounding box plus ``padDistance`` new voxels (clipped to the image), keeps the
  mask's direction, keeps the input pixel type (an integer image stays integer), and
  resamples the label map by nearest neighbour. An axis where the ROI is one voxel thick, or
  whose target spacing is 0, keeps its spacing. IBSI instead centres the new grid on the
  old one and interpolates the mask linearly with a 0.5 threshold.
- **Mask check** (:func:`check_mask`): bounding box from SimpleITK's label statistics;
  ``correctMask`` resamples a mask on another grid onto the image grid (nearest neighbour)
  when the ROI lies inside the image; ``minimumROIDimensions`` / ``minimumROISize``.
- **Normalisation** (:func:`normalise`): over the whole image (not the ROI), then optional
  clipping at +-``removeOutliers`` SD, then ``normalizeScale``.
- **Re-segmentation** (:func:`resegment`): ``absolute``, ``relative`` (fraction of the ROI
  maximum) or ``sigma`` (mean +- k population SD of the ROI) thresholds, closed range.
- **Cropping** (:func:`crop_to_mask`): to the bounding box plus ``padDistance`` voxels.

Errors are radiome's: :class:`~radiome.errors.LabelError`, :class:`~radiome.errors.MaskError`,
:class:`~radiome.errors.MaskOutsideImageError`, :class:`~radiome.errors.GeometryError`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from radiome.compat.pyradiomics.params import PyRadiomicsSettings
from radiome.errors import GeometryError, InputError, LabelError, MaskError, MaskOutsideImageError

if TYPE_CHECKING:  # imported where a radiome Image or Mask is built or read
    from radiome.io.image import Image, Mask

__all__ = [
    "image_to_sitk",
    "mask_to_sitk",
    "sitk_to_image",
    "sitk_to_mask",
    "get_mask",
    "normalise",
    "resample",
    "check_mask",
    "crop_to_mask",
    "resegment",
]


def _sitk() -> Any:
    import SimpleITK as sitk

    return sitk


# --------------------------------------------------------------------------------------------
# conversions
# --------------------------------------------------------------------------------------------


def _is_2d(grid: Image | Mask) -> bool:
    return bool(grid.is_2d and grid.shape[0] == 1)


def _from_array(arr: np.ndarray, grid: Image | Mask) -> Any:
    """A SimpleITK image of ``arr`` on ``grid``'s geometry (2D when ``grid`` is a 2D image)."""
    sitk = _sitk()
    if _is_2d(grid):
        img = sitk.GetImageFromArray(np.ascontiguousarray(arr[0]))
        d = grid.direction
        img.SetSpacing((float(grid.spacing[2]), float(grid.spacing[1])))
        img.SetOrigin((float(grid.origin[2]), float(grid.origin[1])))
        img.SetDirection((float(d[0]), float(d[1]), float(d[3]), float(d[4])))
        return img
    img = sitk.GetImageFromArray(np.ascontiguousarray(arr))
    img.SetSpacing(tuple(float(s) for s in grid.spacing[::-1]))
    img.SetOrigin(tuple(float(o) for o in grid.origin[::-1]))
    img.SetDirection(tuple(float(d) for d in grid.direction))
    return img


def image_to_sitk(image: Image) -> Any:
    """A SimpleITK image (2D for a 2D image, else 3D) from a radiome :class:`Image`.

    The voxels are stored in the pixel type the file had (``metadata['source_dtype']``) when
    that type holds every value exactly, since PyRadiomics' binning and resampling work in the
    pixel type of the image it reads.
    """
    arr = np.asarray(image.array)
    src = image.metadata.get("source_dtype") if image.metadata else None
    if src:
        try:
            dtype = np.dtype(src)
        except TypeError:
            dtype = None
        if dtype is not None and dtype.kind in "iuf" and dtype != arr.dtype:
            cast = arr.astype(dtype)
            if np.array_equal(cast.astype(arr.dtype), arr, equal_nan=True):
                arr = cast
    return _from_array(arr, image)


def mask_to_sitk(mask: Mask, label: int) -> Any:
    """A UInt32 SimpleITK label map with ``label`` inside the radiome :class:`Mask`."""
    arr = np.where(np.asarray(mask.array), np.uint32(label), np.uint32(0)).astype(np.uint32)
    return _from_array(arr, mask)


def _array_and_grid(img: Any) -> tuple[np.ndarray, dict[str, Any]]:
    from radiome.io.readers import sitk_geometry

    sitk = _sitk()
    arr = sitk.GetArrayFromImage(img)
    geo = sitk_geometry(img)
    if geo["is_2d"]:
        arr = arr[np.newaxis]
    return arr, geo


def sitk_to_image(img: Any, template: Image | None = None) -> Image:
    """A radiome :class:`Image` (float64) from a SimpleITK image; ``source_dtype`` kept."""
    from radiome.io.image import Image

    arr, geo = _array_and_grid(img)
    meta = dict(template.metadata) if template is not None else {}
    meta["source_dtype"] = str(arr.dtype)
    return Image(
        array=arr,
        modality=template.modality if template is not None else "generic",
        metadata=meta,
        history=template.history if template is not None else (),
        **geo,
    )


def sitk_to_mask(img: Any, label: int) -> Mask:
    """A radiome :class:`Mask` of the voxels equal to ``label`` in a SimpleITK label map."""
    from radiome.io.image import Mask

    arr, geo = _array_and_grid(img)
    return Mask(array=arr == label, **geo)


# --------------------------------------------------------------------------------------------
# steps
# --------------------------------------------------------------------------------------------


def get_mask(mask: Any, settings: PyRadiomicsSettings) -> Any:
    """PyRadiomics' mask loading: pick ``label_channel`` of a vector image, cast to UInt32.

    Raises
    ------
    LabelError
        If the mask is empty or ``label`` is absent (the message lists the labels found).
    """
    sitk = _sitk()
    if "vector" in mask.GetPixelIDTypeAsString().lower():
        n = mask.GetNumberOfComponentsPerPixel()
        if settings.label_channel >= n:
            raise LabelError(
                f"label_channel={settings.label_channel} asked, but the segmentation has {n} "
                f"channels; choose label_channel in 0..{n - 1}."
            )
        mask = sitk.VectorIndexSelectionCast(mask, int(settings.label_channel))
    mask = sitk.Cast(mask, sitk.sitkUInt32)
    arr = sitk.GetArrayViewFromImage(mask)
    if (arr == settings.label).any():
        return mask
    labels = np.unique(arr)
    if len(labels) == 1 and labels[0] == 0:
        raise LabelError("the mask contains no label (nothing is segmented).")
    if settings.label not in labels:
        raise LabelError(
            f"label {settings.label} is not in the mask; labels found: {labels[labels != 0].tolist()}. "
            "Set 'label' in the parameter file's setting section."
        )
    return mask


def normalise(image: Any, settings: PyRadiomicsSettings) -> Any:
    r"""PyRadiomics' image normalisation (``normalize``), over all image voxels.

    .. math::
        f(x) = s \cdot \operatorname{clip}\!\left(\frac{x - \mu}{\sigma}, -n, n\right)

    :math:`\mu, \sigma`: mean and SD of the whole image (SimpleITK ``Normalize``), :math:`n`:
    ``removeOutliers`` (no clipping when unset), :math:`s`: ``normalizeScale``. IBSI's
    z-score normalisation is not part of IBSI 1's chain; radiome's own intensity
    normalisation is in :mod:`radiome.preprocess.intensity`.
    """
    sitk = _sitk()
    image = sitk.Normalize(image)
    outliers = settings.removeOutliers
    if outliers is not None:
        arr = sitk.GetArrayFromImage(image)
        arr[arr > outliers] = outliers
        arr[arr < -outliers] = -outliers
        clipped = sitk.GetImageFromArray(arr)
        clipped.CopyInformation(image)
        image = clipped
    return image * settings.normalizeScale


def label_box(mask: Any, label: int) -> tuple[np.ndarray, int]:
    """Bounding box and voxel count of ``label`` in a SimpleITK label map, with NumPy.

    Returns the box as SimpleITK's shape statistics give it, lower index then size in
    ``(x, y[, z])`` order, and the number of voxels.

    Raises
    ------
    LabelError
        If ``label`` is absent.
    """
    roi = _sitk().GetArrayViewFromImage(mask) == label
    lower, size = [], []
    for axis in range(roi.ndim):
        other = tuple(a for a in range(roi.ndim) if a != axis)
        hit = np.flatnonzero(roi.any(axis=other))
        if hit.size == 0:
            raise LabelError(f"label {label} is not present in the mask.")
        lower.append(int(hit[0]))
        size.append(int(hit[-1] - hit[0] + 1))
    return np.array(lower[::-1] + size[::-1]), int(np.count_nonzero(roi))


def _roi_box(image: Any, mask: Any, label: int) -> np.ndarray:
    """Lower index and size (x, y, z) of the ROI, checked to lie inside the image."""
    bb, _ = label_box(mask, label)
    nd = mask.GetDimension()
    lower = mask.TransformContinuousIndexToPhysicalPoint((bb[:nd] - 0.5).tolist())
    upper = mask.TransformContinuousIndexToPhysicalPoint((bb[:nd] + bb[nd:] - 0.5).tolist())
    bounds = np.array(
        [image.TransformPhysicalPointToContinuousIndex(lower), image.TransformPhysicalPointToContinuousIndex(upper)]
    )
    tol = 1e-3
    if np.any(bounds.min(axis=0) < -0.5 - tol) or np.any(bounds.max(axis=0) > np.array(image.GetSize()) - 0.5 + tol):
        raise MaskOutsideImageError(
            f"the ROI (label {label}) extends outside the image (ROI bounds in image index space "
            f"{bounds.tolist()}, image size {image.GetSize()}); check that image and mask belong together."
        )
    return bb


def resample(image: Any, mask: Any, settings: PyRadiomicsSettings) -> tuple[Any, Any]:
    r"""Resample image and mask to ``resampledPixelSpacing`` on PyRadiomics' grid.

    With input spacing :math:`s`, target spacing :math:`s'`, ratio :math:`r = s/s'`, ROI
    bounding box lower index :math:`l` and size :math:`n` (input voxels) and pad :math:`p`
    (``padDistance``), the new grid spans indices

    .. math::
        L = \max(0, \lfloor (l - \tfrac12) r - p \rfloor), \quad
        U = \min(\lceil N r \rceil - 1, \lceil (l + n - \tfrac12) r + p \rceil)

    and its origin is the input continuous index :math:`\tfrac12 (s' - s)/s + L/r`. The image
    is interpolated with ``interpolator`` into its own pixel type, the mask by nearest
    neighbour. When the target equals the image spacing only the mask is resampled onto the
    image grid and both are cropped to the ROI plus ``padDistance``.
    """
    sitk = _sitk()
    target = np.array(settings.resampledPixelSpacing, dtype=float)
    mask_spacing = np.array(mask.GetSpacing())
    image_spacing = np.array(image.GetSpacing())
    nd = mask.GetDimension()
    if len(target) != nd:
        raise InputError(
            f"resampledPixelSpacing has {len(target)} values but the image is {nd}D; give one "
            "spacing per axis (x, y, z), 0 to keep an axis."
        )
    target = np.where(target == 0, mask_spacing, target)
    bb = _roi_box(image, mask, settings.label)
    target = np.where(bb[nd:] != 1, target, mask_spacing)
    if np.allclose(image_spacing, target):
        rif = sitk.ResampleImageFilter()
        rif.SetReferenceImage(image)
        rif.SetInterpolator(sitk.sitkNearestNeighbor)
        mask = rif.Execute(mask)
        box, _ = label_box(mask, settings.label)
        low_up = np.empty(nd * 2, dtype=int)
        low_up[::2] = box[:nd]
        low_up[1::2] = box[:nd] + box[nd:] - 1
        return crop_to_mask(image, mask, low_up, settings.padDistance)

    ratio = mask_spacing / target
    pad = settings.padDistance
    new_lower = np.floor((bb[:nd] - 0.5) * ratio - pad)
    new_upper = np.ceil((bb[:nd] + bb[nd:] - 0.5) * ratio + pad)
    max_upper = np.ceil(np.array(mask.GetSize()) * ratio) - 1
    new_lower = np.where(new_lower < 0, 0, new_lower)
    new_upper = np.where(new_upper > max_upper, max_upper, new_upper)
    size = np.array(new_upper - new_lower + 1, dtype="int").tolist()
    origin_index = 0.5 * (target - mask_spacing) / mask_spacing + new_lower / ratio
    origin = mask.TransformContinuousIndexToPhysicalPoint(origin_index.tolist())

    interpolator = settings.interpolator
    if isinstance(interpolator, str):
        interpolator = getattr(sitk, interpolator)
    rif = sitk.ResampleImageFilter()
    rif.SetOutputSpacing(target.tolist())
    rif.SetOutputDirection(mask.GetDirection())
    rif.SetSize(size)
    rif.SetOutputOrigin(origin)
    new_image = None
    if interpolator == sitk.sitkBSpline:  # SimpleITK's voxels, separable (falls back when not covered)
        from radiome.compat.pyradiomics.resample import resample_bspline

        new_image = resample_bspline(image, size, origin, target.tolist(), mask.GetDirection())
    if new_image is None:
        rif.SetOutputPixelType(image.GetPixelID())
        rif.SetInterpolator(interpolator)
        new_image = rif.Execute(image)
    from radiome.compat.pyradiomics.resample import resample_nearest

    new_mask = resample_nearest(mask, size, origin, target.tolist(), mask.GetDirection())
    if new_mask is None:
        rif.SetOutputPixelType(mask.GetPixelID())
        rif.SetInterpolator(sitk.sitkNearestNeighbor)
        new_mask = rif.Execute(mask)
    return new_image, new_mask


@contextmanager
def _tolerance(value: float | None) -> Iterator[None]:
    """Apply ``geometryTolerance`` to SimpleITK's global tolerances, restoring them after."""
    if value is None:
        yield
        return
    sitk = _sitk()
    po = sitk.ProcessObject
    old = (po.GetGlobalDefaultCoordinateTolerance(), po.GetGlobalDefaultDirectionTolerance())
    po.SetGlobalDefaultCoordinateTolerance(value)
    po.SetGlobalDefaultDirectionTolerance(value)
    try:
        yield
    finally:
        po.SetGlobalDefaultCoordinateTolerance(old[0])
        po.SetGlobalDefaultDirectionTolerance(old[1])


def check_mask(image: Any, mask: Any, settings: PyRadiomicsSettings) -> tuple[np.ndarray, Any | None]:
    """PyRadiomics' ROI checks; returns the bounding box and the corrected mask (or ``None``).

    The bounding box is ``(L_x, U_x, L_y, U_y, L_z, U_z)`` (inclusive voxel indices), as
    SimpleITK's ``LabelStatisticsImageFilter`` gives it.

    Raises
    ------
    GeometryError
        Image and mask grids differ and ``correctMask`` is off.
    MaskOutsideImageError
        ``correctMask`` is on but the ROI extends outside the image.
    LabelError
        ``label`` is absent.
    MaskError
        Single-voxel ROI, fewer dimensions than ``minimumROIDimensions``, or no more voxels
        than ``minimumROISize``.
    """
    sitk = _sitk()
    label = int(settings.label)
    if _same_grid(image, mask):  # nothing for SimpleITK's geometry check to find
        box, count = label_box(mask, label)
        nd = mask.GetDimension()
        low_up = np.empty(2 * nd, dtype=np.int64)
        low_up[::2] = box[:nd]
        low_up[1::2] = box[:nd] + box[nd:] - 1
        _check_roi_size(low_up, count, settings)
        return low_up, None
    corrected = None
    lsif = sitk.LabelStatisticsImageFilter()
    with _tolerance(settings.geometryTolerance):
        try:
            lsif.Execute(image, mask)
            if label not in lsif.GetLabels():
                raise LabelError(f"label {label} is not present in the mask.")
        except RuntimeError as exc:
            if not settings.correctMask:
                raise GeometryError(
                    "image and mask are not on the same grid (size, spacing, origin or direction "
                    f"differ: {str(exc).strip().splitlines()[-1]}). Set correctMask: true to resample "
                    "the mask onto the image, or raise geometryTolerance for rounding differences."
                ) from None
            _roi_box(image, mask, label)
            rif = sitk.ResampleImageFilter()
            rif.SetReferenceImage(image)
            rif.SetInterpolator(sitk.sitkNearestNeighbor)
            corrected = rif.Execute(mask)
            lsif.Execute(image, corrected)
            if label not in lsif.GetLabels():
                raise LabelError(f"label {label} is lost after resampling the mask onto the image.")
    box = np.array(lsif.GetBoundingBox(label))
    _check_roi_size(box, lsif.GetCount(label), settings)
    return box, corrected


def _same_grid(image: Any, mask: Any) -> bool:
    """Whether image and mask have exactly the same size, spacing, origin and direction."""
    return (
        image.GetSize() == mask.GetSize()
        and image.GetSpacing() == mask.GetSpacing()
        and image.GetOrigin() == mask.GetOrigin()
        and image.GetDirection() == mask.GetDirection()
    )


def _check_roi_size(box: np.ndarray, count: int, settings: PyRadiomicsSettings) -> None:
    ndims = int(np.sum((box[1::2] - box[0::2] + 1) > 1))
    if ndims == 0:
        raise MaskError("the ROI is a single voxel; PyRadiomics (and this mode) needs at least two.")
    if ndims < settings.minimumROIDimensions:
        raise MaskError(
            f"the ROI spans {ndims} dimension(s) but minimumROIDimensions is "
            f"{settings.minimumROIDimensions}; lower it or check the mask."
        )
    if settings.minimumROISize is not None and count <= settings.minimumROISize:
        raise MaskError(
            f"the ROI has {count} voxels, not more than minimumROISize={settings.minimumROISize}."
        )


def crop_to_mask(image: Any, mask: Any, box: np.ndarray, pad: int = 0) -> tuple[Any, Any]:
    """Crop image and mask to ``box`` (from :func:`check_mask`) plus ``pad`` voxels, clipped."""
    sitk = _sitk()
    size = np.array(mask.GetSize())
    lower = np.maximum(box[0::2] - pad, 0)
    upper = np.maximum(size - box[1::2] - pad - 1, 0)
    cif = sitk.CropImageFilter()
    cif.SetLowerBoundaryCropSize([int(v) for v in lower])
    cif.SetUpperBoundaryCropSize([int(v) for v in upper])
    return cif.Execute(image), cif.Execute(mask)


def resegment(image: Any, mask: Any, settings: PyRadiomicsSettings) -> Any:
    r"""PyRadiomics' re-segmentation of the ROI by ``resegmentRange`` (closed range).

    .. math::
        \text{absolute: } [a, b], \quad \text{relative: } [a \max X, b \max X], \quad
        \text{sigma: } [\bar X + a\sigma_X, \bar X + b\sigma_X]

    with :math:`X` the ROI grey values (population SD). A single threshold keeps values
    :math:`\ge a`. IBSI re-segmentation (radiome.preprocess.resegment) has the absolute
    range only and also removes outliers at 3 SD by its own rule.

    Raises
    ------
    MaskError
        If one voxel or none remains.
    """
    sitk = _sitk()
    rng = settings.resegmentRange
    if rng is None:
        raise ValueError("resegment() needs settings.resegmentRange")
    label = settings.label
    arr = sitk.GetArrayFromImage(image)
    roi = sitk.GetArrayFromImage(mask) == label
    values = arr[roi]
    bounds = sorted(rng)
    if settings.resegmentMode == "relative":
        top = np.max(values)
        thresholds = [top * t for t in bounds]
    elif settings.resegmentMode == "sigma":
        mean, sd = np.mean(values), np.std(values)
        thresholds = [mean + sd * t for t in bounds]
    else:
        thresholds = bounds
    roi[roi] = arr[roi] >= thresholds[0]
    if len(thresholds) == 2:
        roi[roi] = arr[roi] <= thresholds[1]
    if np.sum(roi) <= 1:
        raise MaskError(
            f"re-segmentation with resegmentRange={list(rng)} ({settings.resegmentMode}) keeps "
            f"{int(np.sum(roi))} voxel(s) of label {label}; widen the range."
        )
    out = np.zeros(roi.shape, dtype="int")
    out[roi] = label
    new = sitk.GetImageFromArray(out)
    new.CopyInformation(mask)
    return new
