"""Reading images and masks from files: NIfTI, NRRD, MetaImage, 3D Slicer .seg.nrrd, 2D raster.

DICOM paths are handed to :mod:`radiome.io.dicom`, raster files (PNG, JPEG, TIFF, BMP) to
:mod:`radiome.io.images2d`; NIfTI, NRRD and MetaImage (MHA/MHD) are read with SimpleITK.

Geometry: SimpleITK orders spacing and origin ``(x, y, z)``; radiome orders them
``(z, y, x)``, like its arrays, and keeps the direction cosines in ITK order. The physical
position (x, y, z) of the voxel at array index ``(k, j, i)`` is therefore

.. math:: \\mathbf{p} = \\mathbf{o} + D\\,\\mathrm{diag}(s_x, s_y, s_z)\\,(i, j, k)^T

with :math:`\\mathbf{o}` the origin and :math:`D` the 3x3 direction matrix (row-major
in ``Image.direction``). NIfTI files whose affine is not quite orthonormal (which ITK refuses)
are read with nibabel and their direction made orthonormal by the polar decomposition when
the deviation is below :data:`MAX_DIRECTION_DEVIATION`.

3D Slicer segmentation files (``.seg.nrrd``) are NRRD files with custom header fields
``SegmentN_Name``, ``SegmentN_ID``, ``SegmentN_Layer`` and ``SegmentN_LabelValue``; segment
*N* is the set of voxels of layer ``Layer`` equal to ``LabelValue`` (one layer: a 3D label
map; overlapping segments: a 4D file whose first axis is the layer). The header is parsed
by :mod:`radiome.io.labels` (no installed library reads these fields); the voxels are read
with SimpleITK. Slicer may crop the segmentation to the segments' extent: the file's origin is
the physical position of the stored voxels, so :func:`read_mask` with a ``reference`` image
puts it back on that image's grid.

Non-finite voxels: ITK's NIfTI reader (before ITK 6) silently turns NaN and +/-inf into 0,
which would hide them from :func:`radiome.io.check_intensities`. The voxels of floating-point
NIfTI files are therefore read with nibabel (geometry still from SimpleITK).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from radiome.errors import (
    ConfigError,
    EmptyMaskError,
    InputError,
    LabelError,
    UnsupportedFormatError,
)
from radiome.io.image import Image, Mask, ProcessingStep
from radiome.io.images2d import RASTER_SUFFIXES, read_raster_image, read_raster_labels
from radiome.io.labels import (
    LabelMap,
    Segment,
    _choose_segment,
    _is_slicer_seg,
    labels_present,
    read_nrrd_header,
    seg_nrrd_segments,
    select_label,
)

__all__ = [
    "MAX_DIRECTION_DEVIATION",
    "Segment",
    "detect_format",
    "read_image",
    "read_mask",
    "read_label_map",
    "list_rois",
    "read_nrrd_header",
    "seg_nrrd_segments",
    "sitk_geometry",
    "image_from_sitk",
]

#: Largest element-wise deviation from orthonormality of a NIfTI direction matrix that is
#: corrected (polar decomposition) instead of refused.
MAX_DIRECTION_DEVIATION = 1e-3

_ITK_SUFFIXES = {".nii": "nifti", ".nii.gz": "nifti", ".nrrd": "nrrd", ".nhdr": "nrrd",
                 ".mha": "metaimage", ".mhd": "metaimage"}
_DICOM_SUFFIXES = {".dcm", ".dicom", ".ima"}
_SUPPORTED = "NIfTI (.nii, .nii.gz), NRRD (.nrrd, .nhdr, .seg.nrrd), MetaImage (.mha, .mhd), " \
             "DICOM (folder, .dcm), PNG, JPEG, TIFF, BMP"

Format = Literal["nifti", "nrrd", "seg.nrrd", "metaimage", "dicom", "png", "jpeg", "tiff", "bmp"]


# --------------------------------------------------------------------------- format detection

def _compound_suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in (".seg.nrrd", ".nii.gz"):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _stem(path: Path) -> str:
    suffix = _compound_suffix(path)
    return path.name[: len(path.name) - len(suffix)] if suffix else path.name


def detect_format(path: str | Path) -> Format:
    """The format of an image or mask path, from its suffix (or its first bytes).

    Folders are DICOM. Files without a known suffix are recognised by the DICOM preamble
    (``DICM`` at byte 128) or the NRRD magic.

    Raises
    ------
    InputError
        The path does not exist.
    UnsupportedFormatError
        The format is not one radiome reads.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"file or folder not found: {p}. Check the path (and the working directory).")
    if p.is_dir():
        return "dicom"
    suffix = _compound_suffix(p)
    if suffix == ".seg.nrrd":
        return "seg.nrrd"
    if suffix in _ITK_SUFFIXES:
        return _ITK_SUFFIXES[suffix]  # type: ignore[return-value]
    if suffix in RASTER_SUFFIXES:
        return RASTER_SUFFIXES[suffix]  # type: ignore[return-value]
    if suffix in _DICOM_SUFFIXES:
        return "dicom"
    with open(p, "rb") as fh:
        head = fh.read(132)
    if head[128:132] == b"DICM":
        return "dicom"
    if head[:4] == b"NRRD":
        return "nrrd"
    raise UnsupportedFormatError(
        f"cannot tell the format of {p} (suffix {suffix or 'none'!r}). radiome reads {_SUPPORTED}; "
        "rename the file with its format's suffix or convert it."
    )


# --------------------------------------------------------------------------- SimpleITK geometry

def sitk_geometry(img: Any) -> dict[str, Any]:
    """Spacing, origin (z, y, x), direction (ITK order, 9 values) and ``is_2d`` of a SimpleITK image.

    A 2D SimpleITK image gets a unit z spacing and identity z direction; a 4D image with a
    single time point is treated as 3D.

    Raises
    ------
    InputError
        A 4D image with several volumes.
    """
    dim = img.GetDimension()
    sp, org, d = img.GetSpacing(), img.GetOrigin(), img.GetDirection()
    if dim == 2:
        return {
            "spacing": (1.0, float(sp[1]), float(sp[0])),
            "origin": (0.0, float(org[1]), float(org[0])),
            "direction": (d[0], d[1], 0.0, d[2], d[3], 0.0, 0.0, 0.0, 1.0),
            "is_2d": True,
        }
    if dim == 3:
        return {
            "spacing": tuple(float(v) for v in sp[::-1]),
            "origin": tuple(float(v) for v in org[::-1]),
            "direction": tuple(float(v) for v in d),
            "is_2d": False,
        }
    if dim == 4 and img.GetSize()[3] == 1:
        d4 = np.asarray(d, dtype=float).reshape(4, 4)[:3, :3]
        return {
            "spacing": tuple(float(v) for v in sp[2::-1]),
            "origin": tuple(float(v) for v in org[2::-1]),
            "direction": tuple(d4.ravel().tolist()),
            "is_2d": False,
        }
    raise InputError(
        f"the image has {dim} dimensions (size {img.GetSize()}); radiome reads one 2D or 3D "
        "volume. Extract the volume you need (e.g. one time point) and save it as a 3D file."
    )


def _sitk_array(img: Any) -> np.ndarray:
    import SimpleITK as sitk

    arr = sitk.GetArrayFromImage(img)
    if img.GetDimension() == 4:
        arr = arr[0]
    return arr


def _header_dict(img: Any) -> dict[str, str]:
    out = {}
    for key in img.GetMetaDataKeys():
        value = img.GetMetaData(key)
        if "UNKNOWN_PRINT_CHARACTERISTICS" in value or key.startswith("ITK_original"):
            continue
        out[key] = value
    return out


def _radiome_notes(header: dict[str, str]) -> dict[str, str]:
    """Parse the ``radiome:key=value;...;roi=NAME`` note written by :mod:`radiome.io.writers`."""
    note = header.get("ITK_FileNotes") or header.get("descrip") or ""
    if not note.startswith("radiome:"):
        return {}
    out: dict[str, str] = {}
    rest = note[len("radiome:"):]
    while rest:
        if rest.startswith("roi="):
            out["roi"] = rest[4:]
            break
        item, _, rest = rest.partition(";")
        key, _, value = item.partition("=")
        if key:
            out[key.strip()] = value.strip()
    return out


def image_from_sitk(
    img: Any,
    *,
    modality: str = "generic",
    metadata: dict[str, Any] | None = None,
    history: tuple[ProcessingStep, ...] = (),
) -> Image:
    """A radiome :class:`~radiome.io.image.Image` from a scalar SimpleITK image.

    Raises
    ------
    InputError
        Vector (e.g. RGB) pixels, or more than one volume.
    """
    if img.GetNumberOfComponentsPerPixel() != 1:
        raise InputError(
            f"the image has {img.GetNumberOfComponentsPerPixel()} components per voxel (e.g. RGB); "
            "radiome needs one intensity per voxel. Convert it to greyscale first."
        )
    geo = sitk_geometry(img)
    arr = _sitk_array(img)
    if geo["is_2d"]:
        arr = arr[np.newaxis]
    return Image(array=arr, modality=modality, metadata=metadata or {}, history=history, **geo)


def _itk_message(exc: Exception) -> str:
    text = str(exc)
    m = re.search(r"ITK ERROR:[^\n]*?:\s*(.*)", text)
    return (m.group(1) if m else text.strip().splitlines()[-1] if text.strip() else repr(exc)).strip()


def _read_sitk(path: Path, fmt: str, info_only: bool = False) -> tuple[Any | None, str | None]:
    """SimpleITK image of ``path`` (or a reader holding its header only, with ``info_only``).

    Returns ``(None, reason)`` when ITK refuses a NIfTI direction and the nibabel route applies.
    """
    import SimpleITK as sitk

    try:
        if info_only:
            reader = sitk.ImageFileReader()
            reader.SetFileName(str(path))
            reader.ReadImageInformation()
            return reader, None
        return sitk.ReadImage(str(path)), None
    except RuntimeError as exc:
        msg = _itk_message(exc)
        if fmt == "nifti" and "orthonormal" in msg:
            return None, msg
        raise InputError(
            f"{path} cannot be read as {fmt}: {msg}. Check that the file is complete and really is "
            f"a {fmt} file."
        ) from exc


#: NIfTI datatype codes of floating-point voxels (float32, float64, float128).
_NIFTI_FLOAT_CODES = {"16", "64", "1536"}


def _nifti_float_voxels(path: Path, reader: Any) -> np.ndarray:
    """The voxels of a floating-point NIfTI, NaN and infinities kept, in SimpleITK's array order.

    ITK's NIfTI reader (before ITK 6) silently replaces NaN and +/-inf voxels by 0, which would
    hide them from :func:`radiome.io.check_intensities`; nibabel reads them as stored (with the
    ``scl_slope``/``scl_inter`` scaling that ITK also applies).
    """
    import nibabel as nib

    data = np.asarray(nib.load(str(path)).dataobj)
    size = tuple(int(v) for v in reader.GetSize())
    if data.size != int(np.prod(size)):
        raise InputError(f"{path}: nibabel and SimpleITK disagree on the array size; the file may be damaged.")
    return np.ascontiguousarray(data.reshape(size, order="F").T)


def _read_nifti_nibabel(path: Path) -> tuple[np.ndarray, dict[str, Any], dict[str, Any]]:
    """Array (z, y, x), geometry and metadata of a NIfTI whose direction ITK refuses."""
    import nibabel as nib

    nii = nib.load(str(path))
    data = np.asarray(nii.dataobj)
    slope, inter = nii.header.get_slope_inter()
    if (slope not in (None, 1.0) and not np.isnan(slope)) or (inter not in (None, 0.0) and not np.isnan(inter)):
        data = nii.get_fdata()
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim == 2:
        data = data[..., np.newaxis]
    if data.ndim != 3:
        raise InputError(f"{path} holds a {data.ndim}D array {data.shape}; radiome reads one 3D volume.")
    flip = np.diag([-1.0, -1.0, 1.0])  # RAS (NIfTI) -> LPS (ITK)
    m = flip @ nii.affine[:3, :3]
    t = flip @ nii.affine[:3, 3]
    spacing_xyz = np.linalg.norm(m, axis=0)
    d = m / spacing_xyz
    u, _, vt = np.linalg.svd(d)
    ortho = u @ vt
    deviation = float(np.abs(d - ortho).max())
    if deviation > MAX_DIRECTION_DEVIATION:
        raise InputError(
            f"{path}: the NIfTI affine is not orthonormal (voxel axes sheared, deviation "
            f"{deviation:.2g}, e.g. a CT with gantry tilt). radiome needs orthogonal voxel axes: "
            "resample the image onto an orthogonal grid (e.g. dcm2niix with gantry-tilt "
            "correction, or nibabel.processing.resample_to_output) and save it again."
        )
    geo = {
        "spacing": tuple(float(v) for v in spacing_xyz[::-1]),
        "origin": tuple(float(v) for v in t[::-1]),
        "direction": tuple(float(v) for v in ortho.ravel()),
        "is_2d": False,
    }
    meta = {"reader": "nibabel", "direction_orthonormalised": deviation}
    return np.ascontiguousarray(data.transpose(2, 1, 0)), geo, meta


def _read_volume(path: Path, fmt: str) -> tuple[np.ndarray, dict[str, Any], dict[str, Any], int]:
    """Array (z, y, x[, c]), geometry, metadata and components per voxel of an ITK-format file."""
    if fmt == "nifti":
        reader, reason = _read_sitk(path, fmt, info_only=True)
        if (
            reader is not None
            and reader.GetMetaData("datatype") in _NIFTI_FLOAT_CODES
            and reader.GetNumberOfComponents() == 1
        ):
            geo = sitk_geometry(reader)
            arr = _nifti_float_voxels(path, reader)
            if reader.GetDimension() == 4:
                arr = arr[0]
            if geo["is_2d"]:
                arr = arr[np.newaxis]
            header = {k: reader.GetMetaData(k) for k in reader.GetMetaDataKeys()}
            header = {k: v for k, v in header.items()
                      if "UNKNOWN_PRINT_CHARACTERISTICS" not in v and not k.startswith("ITK_original")}
            meta = {"reader": "SimpleITK (geometry) + nibabel (voxels)", "source_dtype": str(arr.dtype),
                    "header": header, "notes": _radiome_notes(header)}
            return arr, geo, meta, 1
    img, reason = _read_sitk(path, fmt)
    if img is None:
        arr, geo, meta = _read_nifti_nibabel(path)
        meta["sitk_refused"] = reason
        meta["source_dtype"] = str(arr.dtype)
        return arr, geo, meta, 1
    geo = sitk_geometry(img)
    arr = _sitk_array(img)
    n_comp = img.GetNumberOfComponentsPerPixel()
    if geo["is_2d"]:
        arr = arr[np.newaxis]
    header = _header_dict(img)
    meta = {"reader": "SimpleITK", "source_dtype": str(arr.dtype), "header": header}
    notes = _radiome_notes(header)
    if notes.get("2d") == "1" and arr.shape[0] == 1:
        geo["is_2d"] = True
    meta["notes"] = notes
    return arr, geo, meta, n_comp


# --------------------------------------------------------------------------- DICOM dispatch

def _dicom() -> Any:
    try:
        dicom = importlib.import_module("radiome.io.dicom")
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise UnsupportedFormatError(
            f"DICOM support cannot be loaded ({exc}); install radiome with its dependencies "
            "(pip install radiome, which brings pydicom)."
        ) from exc
    if not hasattr(dicom, "read_dicom_series"):  # pragma: no cover - partial installation
        raise UnsupportedFormatError(
            "DICOM support is not available in this installation of radiome (radiome.io.dicom "
            "is incomplete); convert the DICOM data to NIfTI with another tool, or reinstall radiome."
        )
    return dicom


def _dicom_kind(path: Path) -> str | None:
    dicom = _dicom()
    kind_fn = getattr(dicom, "dicom_kind", None)
    return kind_fn(path) if kind_fn is not None else None


# --------------------------------------------------------------------------- images

def read_image(path: str | Path, *, modality: str | None = None, series_uid: str | None = None) -> Image:
    """Read an image file or DICOM series.

    Parameters
    ----------
    path : str or Path
        NIfTI, NRRD or MetaImage file; DICOM folder or file; PNG, JPEG, TIFF or BMP file.
    modality : str, optional
        Modality to record (``"CT"``, ``"PT"``, ``"MR"``, ...). For DICOM it is passed on to
        :func:`radiome.io.dicom.read_dicom_series` (which picks the series of that modality).
        Otherwise a modality stored by :func:`radiome.io.write_image` is used, else
        ``"generic"``.
    series_uid : str, optional
        DICOM only: the SeriesInstanceUID to read from a folder holding several series.

    Returns
    -------
    Image
        Intensities as float64 ``(z, y, x)``, geometry in mm (z, y, x), history starting with
        ``read_image(path=..., format=...)``, source information in ``metadata``.

    Raises
    ------
    InputError
        Missing or unreadable file; a mask passed as image; more than one volume.
    UnsupportedFormatError
        A format radiome does not read.
    ConfigError
        ``series_uid`` for a non-DICOM file.
    """
    p = Path(path)
    fmt = detect_format(p)
    if fmt == "dicom":
        return _read_dicom_image(p, modality, series_uid)
    if series_uid is not None:
        raise ConfigError(
            f"series_uid applies to DICOM folders only, and {p} is a {fmt} file; leave series_uid unset."
        )
    if fmt in RASTER_SUFFIXES.values():
        return read_raster_image(p, modality=modality)
    if fmt == "seg.nrrd":
        raise InputError(
            f"{p} is a 3D Slicer segmentation (.seg.nrrd), i.e. a mask; pass it as the mask "
            "(read_mask / the MASK argument) together with its image."
        )
    arr, geo, meta, n_comp = _read_volume(p, fmt)
    if n_comp != 1:
        raise InputError(
            f"{p} has {n_comp} components per voxel (e.g. RGB or a multi-layer segmentation); "
            "radiome needs one intensity per voxel. Convert it to a greyscale volume first."
        )
    notes = meta.pop("notes", {})
    meta = {"source_path": str(p), "format": fmt, **meta}
    return Image(
        array=arr,
        modality=modality or notes.get("modality") or "generic",
        metadata=meta,
        history=(ProcessingStep("read_image", {"path": str(p), "format": fmt}),),
        **geo,
    )


def _read_dicom_image(p: Path, modality: str | None, series_uid: str | None) -> Image:
    kind = _dicom_kind(p)
    if kind in ("RTSTRUCT", "SEG"):
        raise InputError(
            f"{p} is a DICOM {kind}, i.e. a mask; pass it as the mask (read_mask / the MASK "
            "argument) and the image series as the image."
        )
    image = _dicom().read_dicom_series(p, series_uid=series_uid, modality=modality)
    if not any(step.name.startswith("read") for step in image.history):
        step = ProcessingStep("read_image", {"path": str(p), "format": "dicom"})
        image = replace(image, history=(step,) + image.history)
    return image


# --------------------------------------------------------------------------- NRRD / .seg.nrrd

def _read_seg_nrrd(p: Path, roi_name: str | None, label: int | None) -> Mask:
    segments = seg_nrrd_segments(p)
    if not segments:
        return _mask_from_label_map(read_label_map(p), p, "nrrd", roi_name, label)
    seg = _choose_segment(segments, roi_name, label, p)
    arr, geo, meta, n_comp = _read_volume(p, "nrrd")
    if arr.size == 1:
        raise EmptyMaskError(
            f"{p} stores no voxel data (3D Slicer writes a single voxel for a segmentation whose "
            "segments are all empty), so the mask has no voxel. Check the segmentation in Slicer."
        )
    layers = arr if n_comp > 1 else arr[..., np.newaxis]
    if not 0 <= seg.layer < layers.shape[-1]:
        raise InputError(
            f"{p}: segment {seg.name!r} is in layer {seg.layer}, but the file has "
            f"{layers.shape[-1]} layer(s). The header does not match the data; re-save it from Slicer."
        )
    layer = layers[..., seg.layer]
    region = layer != 0 if seg.label_value is None else layer == seg.label_value
    _, kv = read_nrrd_header(p)
    meta.pop("notes", None)
    meta.pop("header", None)
    meta.update({
        "source_path": str(p), "format": "seg.nrrd", "segment_id": seg.id, "segment_name": seg.name,
        "segment_layer": seg.layer, "segment_label_value": seg.label_value,
        "segments": [s.name for s in segments],
    })
    if "Segmentation_ReferenceImageExtentOffset" in kv:
        meta["reference_extent_offset"] = kv["Segmentation_ReferenceImageExtentOffset"]
    params = {"path": str(p), "format": "seg.nrrd", "segment": seg.name}
    return Mask(array=region, name=seg.name, metadata=meta,
                history=(ProcessingStep("read_mask", params),), **geo)


# --------------------------------------------------------------------------- label maps and masks

def read_label_map(path: str | Path) -> LabelMap:
    """Read a mask or label map file (NIfTI, NRRD, MetaImage, PNG, TIFF, ...) without choosing a label.

    Returns
    -------
    LabelMap
        Integer labels on the file's grid; ``.labels`` lists them and ``.to_mask(label)``
        picks one.

    Raises
    ------
    MaskError
        Negative or non-integer values.
    InputError
        A DICOM path or a multi-layer segmentation (use :func:`read_mask`).
    """
    p = Path(path)
    fmt = detect_format(p)
    if fmt in RASTER_SUFFIXES.values():
        return read_raster_labels(p)
    if fmt == "dicom":
        raise InputError(
            f"{p} is DICOM; read DICOM masks (RTSTRUCT, SEG) with read_mask(path, reference=image, "
            "roi_name=...)."
        )
    if fmt == "seg.nrrd" and any(s.layer > 0 for s in seg_nrrd_segments(p)):
        raise InputError(
            f"{p} is a 3D Slicer segmentation with overlapping segments (several layers); read one "
            "segment with read_mask(path, roi_name=...)."
        )
    arr, geo, meta, n_comp = _read_volume(p, "nrrd" if fmt == "seg.nrrd" else fmt)
    if n_comp != 1:
        raise InputError(
            f"{p} has {n_comp} components per voxel; a label map has one value per voxel. Read one "
            "segment with read_mask(path, roi_name=...)."
        )
    notes = meta.pop("notes", {})
    meta = {"source_path": str(p), "format": fmt, **meta}
    if "roi" in notes:
        meta["roi_name"] = notes["roi"]
    return LabelMap(array=arr, metadata=meta, **geo)


def _mask_from_label_map(lm: LabelMap, p: Path, fmt: str, roi_name: str | None, label: int | None) -> Mask:
    stored_name = lm.metadata.get("roi_name")
    if roi_name is not None:
        if stored_name is not None and roi_name == stored_name:
            name = roi_name
        else:
            present = labels_present(lm.array, source=str(p))
            raise LabelError(
                f"{p} is a label map without ROI names, so roi_name={roi_name!r} cannot be looked "
                "up (roi_name applies to DICOM RTSTRUCT/SEG and 3D Slicer .seg.nrrd files). Select "
                f"the region with label= (CLI: --label) instead; labels present: {present}."
            )
    else:
        name = stored_name or (f"label_{int(label)}" if label is not None else _stem(p))
    params: dict[str, Any] = {"path": str(p), "format": fmt}
    if label is not None:
        params["label"] = int(label)
    return lm.to_mask(label, name=name, step=ProcessingStep("read_mask", params))


def _read_dicom_mask(p: Path, reference: Image | None, roi_name: str | None, label: int | None) -> Mask:
    kind = _dicom_kind(p)
    dicom = _dicom()
    if kind in ("RTSTRUCT", "SEG") and reference is None:
        raise InputError(
            f"{p} is a DICOM {kind}: it stores the ROI in patient coordinates, so radiome needs the "
            "image to place it on. Pass the image: read_mask(path, reference=image, ...) or "
            "load_case(image_path, mask_path)."
        )
    if kind == "RTSTRUCT":
        if label is not None:
            raise ConfigError(
                f"{p} is an RTSTRUCT, whose ROIs have names, not label values; choose the ROI with "
                "roi_name= (CLI: --roi) instead of label=."
            )
        return dicom.read_rtstruct(p, reference, roi_name=roi_name)
    if kind == "SEG":
        return dicom.read_seg(p, reference, segment=roi_name if roi_name is not None else label)
    if kind == "image":
        img = dicom.read_dicom_series(p)
        region = select_label(img.array, label, source=str(p))
        params: dict[str, Any] = {"path": str(p), "format": "dicom"}
        if label is not None:
            params["label"] = int(label)
        return Mask(array=region, spacing=img.spacing, origin=img.origin, direction=img.direction,
                    is_2d=img.is_2d, name=roi_name or (f"label_{int(label)}" if label is not None else _stem(p)),
                    metadata={"source_path": str(p), "format": "dicom"},
                    history=(ProcessingStep("read_mask", params),))
    raise InputError(f"{p} holds no DICOM image, RTSTRUCT or SEG that radiome can read as a mask.")


def read_mask(
    path: str | Path,
    *,
    reference: Image | None = None,
    roi_name: str | None = None,
    label: int | None = None,
    geometry_tolerance: float = 1e-3,
) -> Mask:
    """Read the region of interest from a mask file.

    * Label maps (NIfTI, NRRD, MetaImage, PNG, TIFF, ...): the region is chosen by
      :func:`~radiome.io.labels.select_label` (a binary mask needs no ``label``).
    * 3D Slicer ``.seg.nrrd``: the segment is chosen by name (``roi_name``, matched against
      ``SegmentN_Name``, then ``SegmentN_ID``) or by label value; a file with one segment
      needs neither.
    * DICOM RTSTRUCT and SEG: rasterised on ``reference``'s grid by :mod:`radiome.io.dicom`.

    Parameters
    ----------
    path : str or Path
        The mask file (or DICOM folder/file).
    reference : Image, optional
        The image the mask belongs to. Required for RTSTRUCT and SEG. For other formats the
        mask is put on the reference grid when that needs no interpolation (grids equal within
        ``geometry_tolerance``, or a cropped segmentation on the same lattice), see
        :func:`radiome.io.case.align_mask_to_image`; a raster mask without its own pixel
        spacing takes the reference grid when the sizes agree. Otherwise the mask keeps its
        own grid, and :func:`radiome.io.check_mask` reports the mismatch (or resample it).
    roi_name : str, optional
        Name of the ROI / segment (RTSTRUCT, SEG, .seg.nrrd).
    label : int, optional
        Label value in a label map (or segment label value / SEG segment number).
    geometry_tolerance : float
        Tolerance of the grid comparison (see :func:`radiome.io.image.check_same_grid`).

    Returns
    -------
    Mask
        Boolean ``(z, y, x)`` region with its name, source metadata and a ``read_mask`` step.

    Raises
    ------
    LabelError
        Several labels/segments and none chosen; unknown label, segment or ROI name (the
        message lists those available).
    MaskError
        Negative or non-integer label values.
    InputError
        Missing file; RTSTRUCT/SEG without ``reference``.
    ConfigError
        Both ``roi_name`` and ``label`` given.
    """
    p = Path(path)
    if roi_name is not None and label is not None:
        raise ConfigError(
            f"give either roi_name={roi_name!r} (named ROIs: RTSTRUCT, SEG, .seg.nrrd) or "
            f"label={label!r} (label maps), not both."
        )
    fmt = detect_format(p)
    if fmt == "dicom":
        mask = _read_dicom_mask(p, reference, roi_name, label)
    elif fmt == "seg.nrrd" or (fmt == "nrrd" and _is_slicer_seg(p)):
        mask = _read_seg_nrrd(p, roi_name, label)
    else:
        lm = read_label_map(p)
        if (
            reference is not None
            and fmt in RASTER_SUFFIXES.values()
            and lm.metadata.get("spacing_unit") == "pixel"
            and lm.array.shape == reference.shape
        ):
            lm = LabelMap(array=lm.array, spacing=reference.spacing, origin=reference.origin,
                          direction=reference.direction, is_2d=reference.is_2d,
                          metadata={**lm.metadata, "geometry_from": "reference image"})
        mask = _mask_from_label_map(lm, p, fmt, roi_name, label)
    if reference is not None:
        from radiome.io.case import _aligned

        mask = _aligned(reference, mask, geometry_tolerance) or mask
    return mask


def list_rois(path: str | Path) -> list[str]:
    """Names of the regions a mask file offers.

    Segment names of a ``.seg.nrrd``, ROI names of an RTSTRUCT, segment labels of a DICOM SEG,
    and for a plain label map its label values as strings.
    """
    p = Path(path)
    fmt = detect_format(p)
    if fmt == "dicom":
        kind = _dicom_kind(p)
        if kind == "RTSTRUCT":
            return list(_dicom().list_rtstruct_rois(p))
        if kind == "SEG" and hasattr(_dicom(), "list_seg_segments"):
            return [label for _, label in _dicom().list_seg_segments(p)]
        raise InputError(f"{p} is a DICOM {kind or 'object'}; ROI names are listed for RTSTRUCT and SEG files.")
    if fmt == "seg.nrrd" or (fmt == "nrrd" and _is_slicer_seg(p)):
        return [s.name for s in seg_nrrd_segments(p)]
    return [str(v) for v in read_label_map(p).labels]
