"""Writing images and masks to NIfTI, NRRD and MetaImage files (and 2D masks to PNG/TIFF).

Geometry is written exactly: radiome's ``(z, y, x)`` spacing and origin are reversed into
SimpleITK's ``(x, y, z)`` and the direction is passed on in ITK order, so reading the file
back with :func:`radiome.io.read_image` gives the same grid: bit for bit in NRRD and
MetaImage (text headers with 17 significant digits), to float32 precision in NIfTI (whose
header stores spacing and affine as float32, about 1e-7 relative). A 2D image is written as a 2D
file when its geometry allows it (direction of the form ``[[a, b, 0], [c, d, 0], [0, 0, 1]]``,
z origin 0, z spacing 1), else as a single-slice volume marked 2D in the file note.

Pixel type: a mask is written as ``uint8`` 0/1. An image is written in the first of (its source
type, ``float32``, ``float64``) that holds every value exactly, or in ``dtype`` when given
(refused if a value would change). Nothing is rescaled.

The modality of an image and the name of a mask are kept in the file note
(``ITK_FileNotes``; NIfTI ``descrip``) as ``radiome:modality=CT`` / ``radiome:roi=GTV`` and
read back by :mod:`radiome.io.readers`. Files are written to a temporary name beside the
target and renamed, so an interrupted run leaves no half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from radiome.errors import ConfigError, InputError, UnsupportedFormatError
from radiome.io.image import Image, Mask

__all__ = ["WRITE_SUFFIXES", "image_to_sitk", "write_image", "write_mask"]

#: Suffixes written through SimpleITK.
WRITE_SUFFIXES: tuple[str, ...] = (".nii", ".nii.gz", ".nrrd", ".nhdr", ".mha", ".mhd")
_MASK_RASTER = (".png", ".tif", ".tiff", ".bmp")
_SITK_DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "float32", "float64")
_NIFTI_NOTE_MAX = 79  # NIfTI descrip holds 80 bytes including the terminator


def _suffix(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".nii.gz"):
        return ".nii.gz"
    return path.suffix.lower()


def _writes_2d(value: Image | Mask) -> bool:
    d = value.direction
    return (
        value.is_2d
        and value.shape[0] == 1
        and d[2] == 0.0 and d[5] == 0.0 and d[6] == 0.0 and d[7] == 0.0 and d[8] == 1.0
        and value.origin[0] == 0.0
        and value.spacing[0] == 1.0
    )


def image_to_sitk(value: Image | Mask, *, dtype: Any = None) -> Any:
    """A SimpleITK image with the array and geometry of an :class:`Image` or :class:`Mask`.

    Parameters
    ----------
    value : Image or Mask
    dtype : numpy dtype, optional
        Pixel type; default: float64 for images, uint8 for masks.
    """
    import SimpleITK as sitk

    arr = value.array
    if dtype is None:
        dtype = np.uint8 if isinstance(value, Mask) else np.float64
    arr = arr.astype(dtype)
    sz, sy, sx = value.spacing
    oz, oy, ox = value.origin
    d = value.direction
    if _writes_2d(value):
        img = sitk.GetImageFromArray(arr[0])
        img.SetSpacing((sx, sy))
        img.SetOrigin((ox, oy))
        img.SetDirection((d[0], d[1], d[3], d[4]))
    else:
        img = sitk.GetImageFromArray(arr)
        img.SetSpacing((sx, sy, sz))
        img.SetOrigin((ox, oy, oz))
        img.SetDirection(tuple(d))
    return img


def _exact(arr: np.ndarray, dtype: np.dtype) -> bool:
    with np.errstate(invalid="ignore", over="ignore"):
        back = arr.astype(dtype).astype(np.float64)
    return bool(np.array_equal(back, arr, equal_nan=dtype.kind == "f"))


def _image_dtype(image: Image, dtype: Any) -> np.dtype:
    arr = image.array
    if dtype is not None:
        dt = np.dtype(dtype)
        if dt.name not in _SITK_DTYPES:
            raise ConfigError(f"dtype {dt} cannot be written; choose one of {', '.join(_SITK_DTYPES)}.")
        if not _exact(arr, dt):
            raise ConfigError(
                f"the image has values that {dt} cannot hold exactly (e.g. fractions, NaN or values "
                "out of range); round or clip them first, or leave dtype unset to keep them."
            )
        return dt
    candidates = []
    src = image.metadata.get("source_dtype")
    if isinstance(src, str) and src in _SITK_DTYPES:
        candidates.append(np.dtype(src))
    candidates += [np.dtype(np.float32), np.dtype(np.float64)]
    for dt in candidates:
        if _exact(arr, dt):
            return dt
    return np.dtype(np.float64)  # pragma: no cover - float64 always holds float64


def _check_target(path: Path, allowed: tuple[str, ...], what: str) -> str:
    suffix = _suffix(path)
    if suffix not in allowed:
        raise UnsupportedFormatError(
            f"cannot write {what} to {path}: radiome writes {what}s as "
            f"{', '.join(allowed)}. Choose one of these suffixes."
        )
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file name such as {path / ('out' + allowed[1])}.")
    return suffix


def _note(img: Any, note: str, suffix: str) -> None:
    if suffix in (".nii", ".nii.gz") and len(note.encode("utf-8")) > _NIFTI_NOTE_MAX:
        note = note.split("roi=")[0].rstrip(";")
        if note == "radiome:":
            return
    img.SetMetaData("ITK_FileNotes", note)


def _write_sitk(img: Any, path: Path, suffix: str) -> None:
    import SimpleITK as sitk

    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".mhd", ".nhdr"):  # header + data file: the header names the data file
        sitk.WriteImage(img, str(path), True)
        return
    base = path.name[: len(path.name) - len(suffix)]
    tmp = path.with_name(f".{base}.{os.getpid()}.partial{suffix}")
    try:
        sitk.WriteImage(img, str(tmp), True)
        os.replace(tmp, path)
    except RuntimeError as exc:
        raise InputError(f"cannot write {path}: {str(exc).strip().splitlines()[-1]}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def write_image(image: Image, path: str | Path, *, dtype: Any = None) -> Path:
    """Write an image to a NIfTI, NRRD or MetaImage file with its exact geometry.

    Parameters
    ----------
    image : Image
    path : str or Path
        Target file; the suffix chooses the format (``.nii``, ``.nii.gz``, ``.nrrd``,
        ``.nhdr``, ``.mha``, ``.mhd``). Parent folders are created.
    dtype : numpy dtype, optional
        Pixel type; by default the first of (source type, float32, float64) that holds every
        value exactly.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    UnsupportedFormatError
        Another suffix.
    ConfigError
        ``dtype`` cannot hold the values exactly.
    """
    p = Path(path)
    suffix = _check_target(p, WRITE_SUFFIXES, "image")
    img = image_to_sitk(image, dtype=_image_dtype(image, dtype))
    note = f"radiome:modality={image.modality}"
    if image.is_2d and not _writes_2d(image):
        note += ";2d=1"
    _note(img, note, suffix)
    _write_sitk(img, p, suffix)
    return p


def write_mask(mask: Mask, path: str | Path) -> Path:
    """Write a mask as 0/1 ``uint8`` to NIfTI, NRRD or MetaImage (2D masks also to PNG/TIFF/BMP as 0/255).

    Parameters
    ----------
    mask : Mask
    path : str or Path
        Target file; the suffix chooses the format. Parent folders are created.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    UnsupportedFormatError
        Another suffix, or a raster suffix for a 3D mask.
    """
    p = Path(path)
    suffix = _suffix(p)
    if suffix in _MASK_RASTER:
        if not mask.is_2d or mask.shape[0] != 1:
            raise UnsupportedFormatError(
                f"cannot write a 3D mask to {p}: PNG, TIFF and BMP hold one 2D slice. Use .nii.gz, "
                ".nrrd or .mha."
            )
        from PIL import Image as PILImage

        p.parent.mkdir(parents=True, exist_ok=True)
        PILImage.fromarray((mask.array[0] * 255).astype(np.uint8)).save(p)
        return p
    suffix = _check_target(p, WRITE_SUFFIXES + _MASK_RASTER, "mask")
    img = image_to_sitk(mask, dtype=np.uint8)
    note = "radiome:"
    if mask.is_2d and not _writes_2d(mask):
        note += "2d=1;"
    _note(img, note + f"roi={mask.name}", suffix)
    _write_sitk(img, p, suffix)
    return p
