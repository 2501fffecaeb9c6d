"""2D raster images (PNG, JPEG, TIFF, BMP) as radiome images and masks.

Rules, stated once:

* **Shape.** A raster file becomes a 2D :class:`~radiome.io.image.Image` of shape
  ``(1, rows, cols)`` with ``is_2d=True``, origin ``(0, 0, 0)`` and identity direction.
* **Colour to grey.** RGB(A) pixels are converted to grey with the ITU-R BT.601 luma
  weights, without rounding; alpha is ignored:

  .. math:: Y = 0.299\\,R + 0.587\\,G + 0.114\\,B

  When ``R = G = B`` in every pixel (grey stored as colour) the common value is used as is,
  which is what the formula gives without floating-point error. Palette images are expanded
  to their colours first. 16-bit greyscale is kept at full depth (16-bit colour PNG is read
  through SimpleITK, because Pillow reduces it to 8 bits).
* **Spacing.** Pixel spacing is 1 (``metadata['spacing_unit'] == 'pixel'``) unless it is
  trustworthy: the ``pixel_spacing`` argument, a TIFF whose ``ResolutionUnit`` is
  centimetre, or ImageJ TIFF metadata with a length unit. Dots per inch in PNG, JPEG or
  TIFF are display hints (72 or 96 dpi whatever the object), so they are recorded in
  ``metadata['file_dpi']`` and not used. For medical 2D images with a calibrated pixel
  spacing, read the DICOM file instead.
* **Masks.** :func:`read_raster_labels` keeps the stored values (palette indices, 0/255, ...)
  so that :func:`radiome.io.select_label` can choose the region; colour masks whose channels
  differ, and JPEG masks with compression artefacts, are refused with the fix.

Hand-written because no library states these rules; Pillow and tifffile do the decoding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from radiome.errors import InputError, MaskError, UnsupportedFormatError
from radiome.io.image import Image, ProcessingStep
from radiome.io.labels import LabelMap

__all__ = [
    "RASTER_SUFFIXES",
    "LUMA_BT601",
    "rgb_to_grey",
    "read_raster_image",
    "read_raster_labels",
]

#: File suffix -> format name of the 2D raster formats read here.
RASTER_SUFFIXES: dict[str, str] = {
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".bmp": "bmp",
}

#: ITU-R BT.601 luma weights for (R, G, B).
LUMA_BT601: tuple[float, float, float] = (0.299, 0.587, 0.114)

_GREY_RULE = "ITU-R BT.601 luma Y = 0.299 R + 0.587 G + 0.114 B (alpha ignored)"
_UNIT_MM = {"mm": 1.0, "millimeter": 1.0, "millimetre": 1.0, "cm": 10.0, "centimeter": 10.0,
            "um": 1e-3, "micron": 1e-3, "\u00b5m": 1e-3, "\\u00B5m": 1e-3, "nm": 1e-6}


def rgb_to_grey(rgb: np.ndarray) -> np.ndarray:
    """Grey values of colour pixels by the ITU-R BT.601 luma rule.

    .. math:: Y = 0.299\\,R + 0.587\\,G + 0.114\\,B

    Parameters
    ----------
    rgb : ndarray, (..., 3) or (..., 4)
        Colour pixels; a fourth (alpha) channel is ignored.

    Returns
    -------
    ndarray of float64, (...)
        Luma, unrounded. Where ``R = G = B`` everywhere, the common value exactly.

    References
    ----------
    ITU-R Recommendation BT.601-7, Studio encoding parameters of digital television.

    Examples
    --------
    >>> rgb_to_grey(np.array([[200, 100, 50]])).round(6).tolist()
    [124.2]
    """
    rgb = np.asarray(rgb)
    if rgb.ndim < 1 or rgb.shape[-1] not in (3, 4):
        raise ValueError(f"expected colour pixels (..., 3) or (..., 4), got shape {rgb.shape}")
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    if np.array_equal(r, g) and np.array_equal(g, b):
        return r
    w = LUMA_BT601
    return w[0] * r + w[1] * g + w[2] * b


def _raster_format(path: Path) -> str:
    fmt = RASTER_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedFormatError(
            f"{path} is not a 2D raster file radiome reads (suffixes: "
            f"{', '.join(sorted(RASTER_SUFFIXES))})."
        )
    return fmt


def _png_is_16bit_colour(path: Path) -> bool:
    """True for a PNG with 16 bits per sample and colour type RGB (2) or RGBA (6)."""
    with open(path, "rb") as fh:
        head = fh.read(26)
    return len(head) == 26 and head[:8] == b"\x89PNG\r\n\x1a\n" and head[24] == 16 and head[25] in (2, 6)


def _read_with_pillow(path: Path, as_labels: bool) -> tuple[np.ndarray, dict[str, Any]]:
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        im = PILImage.open(path)
    except UnidentifiedImageError as exc:
        raise InputError(f"{path} cannot be decoded as an image ({exc}); check that the file is complete.") from exc
    with im:
        n_frames = int(getattr(im, "n_frames", 1))
        if n_frames > 1:
            raise UnsupportedFormatError(
                f"{path} has {n_frames} frames; radiome reads one 2D image per file. Save the "
                "frame you need on its own, or save a volume as NIfTI/NRRD with its spacing."
            )
        info: dict[str, Any] = {"pil_mode": im.mode}
        if "dpi" in im.info:
            info["file_dpi"] = tuple(float(v) for v in im.info["dpi"])
        mode = im.mode
        if mode == "1":
            arr = np.asarray(im, dtype=bool).astype(np.uint8)
        elif mode in ("L", "I", "F") or mode.startswith("I;16"):
            arr = np.asarray(im)
            if mode.startswith("I;16"):
                arr = arr.astype(np.uint16)
        elif mode == "LA":
            arr = np.asarray(im)[..., 0]
        elif mode in ("P", "PA"):
            if as_labels:
                arr = np.asarray(im)
                if arr.ndim == 3:
                    arr = arr[..., 0]
                info["palette_indices"] = True
            else:
                arr = np.asarray(im.convert("RGBA"))
        elif mode in ("RGB", "RGBA", "RGBX", "RGBa"):
            arr = np.asarray(im)
        else:  # CMYK, YCbCr, LAB, HSV: Pillow's conversion to RGB
            arr = np.asarray(im.convert("RGB"))
            info["converted_from"] = mode
    return np.array(arr), info


def _read_with_sitk(path: Path) -> tuple[np.ndarray, dict[str, Any]]:
    import SimpleITK as sitk

    img = sitk.ReadImage(str(path))
    return sitk.GetArrayFromImage(img), {"reader": "SimpleITK"}


def _tiff_spacing(tf: Any, page: Any) -> tuple[tuple[float, float] | None, dict[str, Any]]:
    """Trusted (row, col) pixel spacing in mm of a TIFF page, or None; plus what the file said."""
    info: dict[str, Any] = {}
    xres = page.tags.get("XResolution")
    yres = page.tags.get("YResolution")
    unit_tag = page.tags.get("ResolutionUnit")
    unit = int(unit_tag.value) if unit_tag is not None else 2
    if xres is None or yres is None:
        return None, info

    def value(tag: Any) -> float:
        v = tag.value
        return float(v[0]) / float(v[1]) if isinstance(v, tuple) else float(v)

    px_x, px_y = value(xres), value(yres)
    if px_x <= 0 or px_y <= 0:
        return None, info
    if getattr(tf, "is_imagej", False) and tf.imagej_metadata:
        ij_unit = str(tf.imagej_metadata.get("unit", "")).strip()
        factor = _UNIT_MM.get(ij_unit) or _UNIT_MM.get(ij_unit.lower())
        if factor is not None:
            info["spacing_source"] = f"ImageJ metadata (unit {ij_unit})"
            return (factor / px_y, factor / px_x), info
    if unit == 3:
        info["spacing_source"] = "TIFF resolution (pixels per centimetre)"
        return (10.0 / px_y, 10.0 / px_x), info
    if unit == 2:
        info["file_dpi"] = (px_x, px_y)
    return None, info


def _read_tiff(path: Path, as_labels: bool) -> tuple[np.ndarray, dict[str, Any], tuple[float, float] | None]:
    try:
        import tifffile
    except ImportError:  # pragma: no cover - tifffile comes with scikit-image
        arr, info = _read_with_pillow(path, as_labels)
        return arr, info, None
    try:
        tf = tifffile.TiffFile(path)
    except Exception as exc:  # tifffile raises TiffFileError and others for broken files
        raise InputError(f"{path} cannot be decoded as TIFF ({exc}); check that the file is complete.") from exc
    with tf:
        if len(tf.pages) > 1:
            raise UnsupportedFormatError(
                f"{path} has {len(tf.pages)} pages; radiome reads one 2D image per TIFF. Save the "
                "page you need on its own, or save a volume as NIfTI/NRRD with its spacing."
            )
        page = tf.pages[0]
        arr = page.asarray()
        photometric = int(page.photometric)
        if arr.ndim == 3 and int(page.planarconfig) == 2 and arr.shape[0] == page.samplesperpixel:
            arr = np.moveaxis(arr, 0, -1)
        info: dict[str, Any] = {"tiff_photometric": photometric}
        if photometric == 3 and not as_labels and page.colormap is not None:  # palette
            cmap = np.asarray(page.colormap)  # (3, 2**bits), 16-bit
            arr = np.moveaxis(cmap[:, arr], 0, -1) / 257.0
            info["palette_scaled"] = "16-bit TIFF palette colours divided by 257 (to 0..255)"
        elif photometric == 0 and arr.dtype.kind == "u" and arr.ndim == 2:  # min-is-white
            arr = np.iinfo(arr.dtype).max - arr
            info["inverted_min_is_white"] = True
        spacing, sp_info = _tiff_spacing(tf, page)
        info.update(sp_info)
    return np.array(arr), info, spacing


def _read_raster(path: Path, as_labels: bool) -> tuple[np.ndarray, dict[str, Any], tuple[float, float] | None, str]:
    if not path.is_file():
        raise InputError(f"image file not found: {path}. Check the path.")
    fmt = _raster_format(path)
    spacing = None
    if fmt == "tiff":
        arr, info, spacing = _read_tiff(path, as_labels)
    elif fmt == "png" and _png_is_16bit_colour(path):
        arr, info = _read_with_sitk(path)
    else:
        arr, info = _read_with_pillow(path, as_labels)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim == 3 and arr.shape[-1] == 2:  # grey + alpha
        arr = arr[..., 0]
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] in (3, 4))):
        raise UnsupportedFormatError(
            f"{path} decodes to an array of shape {arr.shape}; radiome reads 2D greyscale or "
            "RGB(A) raster images."
        )
    info["source_dtype"] = str(arr.dtype)
    return arr, info, spacing, fmt


def _geometry(
    spacing_rc: tuple[float, float] | None, pixel_spacing: tuple[float, float] | None, info: dict[str, Any]
) -> tuple[tuple[float, float, float], dict[str, Any]]:
    meta: dict[str, Any] = {}
    if pixel_spacing is not None:
        ps = tuple(float(v) for v in pixel_spacing)
        if len(ps) != 2 or min(ps) <= 0:
            raise InputError(f"pixel_spacing must be two positive numbers (row, column) in mm, got {pixel_spacing!r}.")
        spacing_rc = ps  # type: ignore[assignment]
        meta["spacing_source"] = "pixel_spacing argument"
    if spacing_rc is None:
        meta["spacing_unit"] = "pixel"
        meta.setdefault("spacing_source", "none in file (1 pixel)")
        return (1.0, 1.0, 1.0), meta
    meta["spacing_unit"] = "mm"
    if "spacing_source" not in meta:
        meta["spacing_source"] = info.get("spacing_source", "file")
    return (1.0, float(spacing_rc[0]), float(spacing_rc[1])), meta


def read_raster_image(
    path: str | Path, *, modality: str | None = None, pixel_spacing: tuple[float, float] | None = None
) -> Image:
    """Read a PNG, JPEG, TIFF or BMP file as a 2D image.

    Colour is converted to grey by the BT.601 luma rule (see the module docstring);
    greyscale keeps its values and depth (stored as float64 in the image).

    Parameters
    ----------
    path : str or Path
        The raster file.
    modality : str, optional
        Modality to record (``"generic"`` when not given).
    pixel_spacing : (float, float), optional
        Pixel size ``(row, column)`` in mm, when known from elsewhere; overrides the file.

    Returns
    -------
    Image
        Shape ``(1, rows, cols)``, ``is_2d=True``; ``metadata['spacing_unit']`` is ``'pixel'``
        or ``'mm'``; ``metadata['grey_conversion']`` states the colour rule when one was applied.

    Raises
    ------
    InputError
        Missing or undecodable file, bad ``pixel_spacing``.
    UnsupportedFormatError
        Unknown suffix, multi-frame files, unexpected channel layouts.
    """
    path = Path(path)
    arr, info, spacing_rc, fmt = _read_raster(path, as_labels=False)
    meta: dict[str, Any] = {"source_path": str(path), "format": fmt, **info}
    if arr.ndim == 3:
        grey = rgb_to_grey(arr)
        meta["grey_conversion"] = _GREY_RULE
        meta["colour_channels"] = int(arr.shape[-1])
    else:
        grey = arr
    spacing, geo_meta = _geometry(spacing_rc, pixel_spacing, info)
    meta.update(geo_meta)
    return Image(
        array=grey.astype(np.float64)[np.newaxis],
        spacing=spacing,
        is_2d=True,
        modality=modality or "generic",
        metadata=meta,
        history=(ProcessingStep("read_image", {"path": str(path), "format": fmt}),),
    )


def read_raster_labels(path: str | Path, *, pixel_spacing: tuple[float, float] | None = None) -> LabelMap:
    """Read a PNG, TIFF, BMP (or JPEG) mask as a 2D label map, values kept as stored.

    Palette images give their palette indices; a colour image whose three channels are
    equal gives that channel.

    Parameters
    ----------
    path : str or Path
        The raster mask file.
    pixel_spacing : (float, float), optional
        Pixel size ``(row, column)`` in mm; overrides the file (use the image's).

    Returns
    -------
    LabelMap
        Shape ``(1, rows, cols)``, ``is_2d=True``; choose a region with ``.to_mask(label)``.

    Raises
    ------
    MaskError
        A colour mask with differing channels, or a JPEG mask with more than two values
        (lossy compression artefacts).
    """
    path = Path(path)
    arr, info, spacing_rc, fmt = _read_raster(path, as_labels=True)
    if arr.ndim == 3:
        rgb = arr[..., :3]
        if not (np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])):
            raise MaskError(
                f"{path} is a colour image whose red, green and blue channels differ; radiome "
                "cannot tell which colour is the region. Save the mask as greyscale or as an "
                "indexed (palette) PNG with one value per region."
            )
        arr = rgb[..., 0]
    if fmt == "jpeg":
        n_values = np.unique(arr).size
        if n_values > 2:
            raise MaskError(
                f"{path} is a JPEG mask with {n_values} distinct values: JPEG compression blurs "
                "mask edges. Save masks as PNG (lossless), or threshold this one yourself "
                "(e.g. values >= 128) and save the result."
            )
    spacing, geo_meta = _geometry(spacing_rc, pixel_spacing, info)
    meta: dict[str, Any] = {"source_path": str(path), "format": fmt, **info, **geo_meta}
    return LabelMap(array=arr[np.newaxis], spacing=spacing, is_2d=True, metadata=meta)
