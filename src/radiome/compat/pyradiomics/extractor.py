"""The PyRadiomics-compatible extractor: a PyRadiomics parameter file in, PyRadiomics columns out.

:func:`extract_pyradiomics` runs PyRadiomics' pipeline in PyRadiomics' order:

1. read image and mask (SimpleITK, keeping the file's pixel type), pick ``label`` /
   ``label_channel``;
2. ``normalize`` (whole image), then resampling on PyRadiomics' grid when ``interpolator``
   and ``resampledPixelSpacing`` are set, else ``preCrop``;
3. mask checks (``correctMask``, ``minimumROIDimensions``, ``minimumROISize``);
4. re-segmentation (``resegmentRange``/``resegmentMode``); shape uses the original mask
   unless ``resegmentShape``, but is cropped to the bounding box of the re-segmented ROI,
   as PyRadiomics does;
5. shape and shape2D on the original image only;
6. for every ``imageType`` (its own settings on top of ``setting``) and every image it
   yields: crop to the ROI bounding box, bin with PyRadiomics' edges, and compute every
   enabled feature class.

Column names are PyRadiomics': ``<image type>_<class>_<feature>`` and ``diagnostics_*``.
This module only orchestrates; definitions live in the family modules beside it.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from radiome.compat.pyradiomics import diagnostics, preprocess
from radiome.compat.pyradiomics.params import (
    FEATURE_NAMES,
    PyRadiomicsParams,
    PyRadiomicsSettings,
    discretise,
    load_params,
)
from radiome.errors import ConfigError, FeatureError, InputError

if TYPE_CHECKING:  # radiome.io is imported only where a radiome Image or Mask is given
    from radiome.io.image import Image, Mask

__all__ = ["extract_pyradiomics", "enabled_features"]

_TEXTURE = ("glcm", "glrlm", "glszm", "gldm", "ngtdm")


def enabled_features(class_name: str, names: tuple[str, ...] | None) -> tuple[str, ...]:
    """The features PyRadiomics computes for a class: all non-deprecated ones when ``names``
    is ``None``, else exactly ``names`` (deprecated ones only when named)."""
    if names is None:
        return FEATURE_NAMES[class_name][0]
    return tuple(names)


def _read(path: str | Path, what: str) -> Any:
    import SimpleITK as sitk

    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} file {str(p)!r} does not exist.")
    try:
        return sitk.ReadImage(str(p))
    except RuntimeError as exc:
        raise InputError(f"SimpleITK cannot read the {what} {str(p)!r}: {str(exc).strip()}") from None


def _radiome_types() -> tuple[Any, Any]:
    """radiome's ``Image`` and ``Mask`` classes if :mod:`radiome.io` is loaded (a radiome
    value can only exist then), else ``(None, None)``: paths and SimpleITK images need no
    import of radiome's I/O stack."""
    module = sys.modules.get("radiome.io.image")
    return (module.Image, module.Mask) if module is not None else (None, None)


def _load(image: Image | str | Path | Any, mask: Mask | str | Path | Any, settings: PyRadiomicsSettings) -> tuple[Any, Any]:
    import SimpleITK as sitk

    Image, Mask = _radiome_types()
    if Image is not None and isinstance(image, Image):
        img = preprocess.image_to_sitk(image)
    elif isinstance(image, (str, Path)):
        img = _read(image, "image")
    elif isinstance(image, sitk.Image):
        img = image
    else:
        raise InputError(f"image must be a radiome Image, a path or a SimpleITK image, got {type(image).__name__}.")
    if img.GetNumberOfComponentsPerPixel() != 1:
        raise InputError("the image has several components per voxel (e.g. RGB); give a scalar image.")
    if Mask is not None and isinstance(mask, Mask):
        msk = preprocess.mask_to_sitk(mask, settings.label)
    elif isinstance(mask, (str, Path)):
        msk = _read(mask, "mask")
    elif isinstance(mask, sitk.Image):
        msk = mask
    else:
        raise InputError(f"mask must be a radiome Mask, a path or a SimpleITK image, got {type(mask).__name__}.")
    return img, preprocess.get_mask(msk, settings)


def _native(image: Image, box: np.ndarray) -> np.ndarray:
    """The voxels in ``box`` in the pixel type PyRadiomics would hold them in (metadata
    ``source_dtype``), when that type holds them exactly."""
    arr = _crop(np.asarray(image.array), box)
    src = image.metadata.get("source_dtype") if image.metadata else None
    if src:
        try:
            dtype = np.dtype(str(src))
        except TypeError:
            return arr
        if dtype.kind in "iuf" and dtype != arr.dtype:
            cast = arr.astype(dtype)
            if np.array_equal(cast.astype(arr.dtype), arr, equal_nan=True):
                return cast
    return arr


def _crop(arr: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Crop a (z, y, x) array to the (L_x, U_x, L_y, U_y, L_z, U_z) box."""
    return arr[box[4]:box[5] + 1, box[2]:box[3] + 1, box[0]:box[1] + 1]


def _zyx(img: Any) -> tuple[float, float, float]:
    sp = img.GetSpacing()
    return (float(sp[2]), float(sp[1]), float(sp[0])) if len(sp) == 3 else (1.0, float(sp[1]), float(sp[0]))


def _box3(box: np.ndarray) -> np.ndarray:
    return box if len(box) == 6 else np.concatenate([box, [0, 0]])


def _as3d(arr: np.ndarray) -> np.ndarray:
    return arr if arr.ndim == 3 else arr[np.newaxis]


def _shape_features(
    image: Any, mask: Any, box: np.ndarray, params: PyRadiomicsParams, settings: PyRadiomicsSettings
) -> dict[str, float]:
    import SimpleITK as sitk

    from radiome.compat.pyradiomics import shape

    out: dict[str, float] = {}
    classes = params.featureClass
    roi = _crop(_as3d(sitk.GetArrayViewFromImage(mask)), _box3(box)) == settings.label
    spacing = _zyx(image)
    nd = mask.GetDimension()
    if "shape" in classes and nd == 3:
        values = shape.compute(roi, spacing)
        for name in enabled_features("shape", classes["shape"]):
            out[f"original_shape_{name}"] = values[name]
    if "shape2D" not in classes:
        return out
    from radiome.compat.pyradiomics import shape2d

    if nd == 2:
        mask2d, spacing2d = roi[0], spacing[1:]
    else:
        if not settings.force2D:
            if params.feature_classes_given:
                warnings.warn("shape2D needs force2D: true for a 3D mask; shape2D skipped, as PyRadiomics does.")
            return out
        # PyRadiomics checks the bounding-box size along force2Ddimension in (x, y, z) order.
        if not (box[1::2] - box[0::2] + 1)[settings.force2Ddimension] > 1:
            warnings.warn("shape2D skipped: PyRadiomics' size check along force2Ddimension fails.")
            return out
        mask2d, spacing2d = shape2d.squeeze_to_2d(roi, spacing, settings.force2Ddimension)
    values = shape2d.compute(mask2d, spacing2d)
    for name in enabled_features("shape2D", classes["shape2D"]):
        out[f"original_shape2D_{name}"] = values[name]
    return out


def _family(name: str) -> Any:
    try:
        return importlib.import_module(f"radiome.compat.pyradiomics.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"radiome.compat.pyradiomics.{name}":
            raise FeatureError(
                f"the PyRadiomics feature class {name!r} is not available in this radiome version; "
                "remove it from featureClass."
            ) from None
        raise


def _class_features(
    prefix: str,
    values: np.ndarray,
    roi: np.ndarray,
    spacing: tuple[float, float, float],
    params: PyRadiomicsParams,
    settings: PyRadiomicsSettings,
) -> dict[str, float]:
    from radiome.compat.pyradiomics import firstorder

    out: dict[str, float] = {}
    raw = values[roi]
    levels = None
    coded = None
    for cls, names in params.featureClass.items():
        if cls.startswith("shape"):
            continue
        if levels is None and (cls == "firstorder" or cls in _TEXTURE):
            levels = discretise(raw, settings)  # PyRadiomics' bins, shared by every class
        if cls == "firstorder":
            result = firstorder.compute(None, None, spacing, settings, values=raw, levels=levels)
        elif cls in _TEXTURE:
            if coded is None:  # one recoded ROI for every texture class
                from radiome.compat.pyradiomics.glcm import code_inside

                coded = code_inside(levels, roi, pad=max(int(d) for d in settings.distances))
            result = _family(cls).features(coded, spacing, settings)
        else:  # validated by load_params; kept for safety
            raise ConfigError(f"unknown feature class {cls!r}")
        for name in enabled_features(cls, names):
            out[f"{prefix}_{cls}_{name}"] = float(result[name])
    return out


def _image_variants(name: str, image: Any, mask: Any, custom: Mapping[str, Any], settings: PyRadiomicsSettings):
    """Yield (prefix, response) for one imageType: ``None`` for Original, an array in the
    image's pixel type for LoG and Wavelet, a radiome Image for the other types."""
    if name == "Original":
        yield "original", None
        return
    import SimpleITK as sitk

    from radiome.compat.pyradiomics import responses

    if name == "LoG":  # straight on the SimpleITK image, as PyRadiomics
        shape = sitk.GetArrayViewFromImage(image).shape
        spacing = _zyx(image)[-len(shape):]
        for prefix, out, _ in responses.log_arrays(image, shape, spacing, settings.sigma):
            yield prefix, out
        return
    if name == "Wavelet":
        data = sitk.GetArrayFromImage(image)
        for prefix, out, _ in responses.wavelet_arrays(
            data, settings.wavelet, settings.start_level, settings.level, settings.force2D,
            settings.force2Ddimension, data.ndim,
        ):
            yield prefix, out
        return
    try:
        from radiome.compat.pyradiomics import imagetypes
    except ModuleNotFoundError:
        raise FeatureError(
            f"the PyRadiomics image type {name!r} is not available in this radiome version; "
            "use imageType: {Original: {}}."
        ) from None
    rimage = preprocess.sitk_to_image(image)
    rmask = preprocess.sitk_to_mask(mask, settings.label)
    yield from imagetypes.image_types(rimage, rmask, name, custom, settings)


def extract_pyradiomics(
    image: Image | str | Path | Any,
    mask: Mask | str | Path | Any,
    params: Mapping[str, Any] | str | Path | PyRadiomicsParams | None = None,
) -> dict[str, float | str]:
    """Extract features exactly as PyRadiomics would, with PyRadiomics' column names.

    Parameters
    ----------
    image
        A radiome :class:`~radiome.io.image.Image` (its ``metadata['source_dtype']`` restores
        the file's pixel type), an image file path (read with SimpleITK, as PyRadiomics
        does) or a SimpleITK image.
    mask
        A radiome :class:`~radiome.io.image.Mask` (inside = ``label``), a label-map path or
        a SimpleITK label image.
    params
        A PyRadiomics parameter file (YAML/JSON path), the same content as a dict, or
        ``None`` for PyRadiomics' defaults (all classes but shape2D, Original image only).

    Returns
    -------
    dict
        ``diagnostics_*`` entries (when ``additionalInfo``) and one float per feature, keyed
        ``<image type>_<class>_<feature>`` (e.g. ``original_firstorder_Mean``,
        ``wavelet-LLH_glcm_Contrast``), in PyRadiomics' order.

    Raises
    ------
    ConfigError
        Invalid parameter file.
    InputError, LabelError, MaskError, GeometryError, FeatureError
        As PyRadiomics would fail, with a message saying what to change.

    Examples
    --------
    >>> row = extract_pyradiomics("brain1_image.nrrd", "brain1_label.nrrd",
    ...                           {"setting": {"binWidth": 25}})  # doctest: +SKIP
    >>> row["original_firstorder_Mean"]  # doctest: +SKIP
    825.2354363065023
    """
    p = load_params(params)
    s = p.setting
    img, msk = _load(image, mask, s)
    out: dict[str, Any] = {}
    info = s.additionalInfo
    if info:
        out.update(diagnostics.versions())
        out.update(diagnostics.configuration(s.as_pyradiomics_dict(p.given_settings), p.imageType))
        out.update(diagnostics.image_elements(img))
        out.update(diagnostics.mask_elements(None, msk, s.label))

    if s.normalize:
        img = preprocess.normalise(img, s)
    if s.interpolator is not None and s.resampledPixelSpacing is not None:
        img, msk = preprocess.resample(img, msk, s)
        if info:
            out.update(diagnostics.image_elements(img, "interpolated"))
            out.update(diagnostics.mask_elements(img, msk, s.label, "interpolated"))
    elif s.preCrop:
        box, corrected = preprocess.check_mask(img, msk, s)
        if corrected is not None:
            msk = corrected
        img, msk = preprocess.crop_to_mask(img, msk, box, s.padDistance)

    box, corrected = preprocess.check_mask(img, msk, s)
    if corrected is not None:
        if info:
            out.update(diagnostics.mask_elements(img, corrected, s.label, "corrected"))
        msk = corrected
    resegmented = None
    if s.resegmentRange is not None:
        resegmented = preprocess.resegment(img, msk, s)
        box, _ = preprocess.check_mask(img, resegmented, s)
        if info:
            out.update(diagnostics.mask_elements(img, resegmented, s.label, "resegmented"))
    if s.resegmentShape and resegmented is not None:
        msk = resegmented
    out.update(_shape_features(img, msk, box, p, s))
    if resegmented is not None:
        msk = resegmented

    import SimpleITK as sitk

    nd = img.GetDimension()
    roi = _crop(_as3d(sitk.GetArrayViewFromImage(msk)), _box3(box)) == s.label
    spacing = _zyx(img)
    original = np.array(_crop(_as3d(sitk.GetArrayViewFromImage(img)), _box3(box)))
    for name, custom in p.imageType.items():
        filter_settings = s.updated(custom)
        ts = filter_settings
        if nd == 2:  # a 2D image: texture works in-plane, as force2D on one slice (filters do not)
            ts = ts.updated({"force2D": True, "force2Ddimension": 0})
        for prefix, response in _image_variants(name, img, msk, custom, filter_settings):
            if response is None:
                values = original
            elif isinstance(response, np.ndarray):
                values = np.array(_crop(_as3d(response), _box3(box)))
            else:  # a radiome Image
                values = _native(response, _box3(box))
            out.update(_class_features(prefix, values, roi, spacing, p, ts))
    return out
