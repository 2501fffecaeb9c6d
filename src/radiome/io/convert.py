"""Conversion between formats: DICOM series to NIfTI/NRRD, RTSTRUCT/SEG to a voxel mask.

This is the step users otherwise do with dcm2niix, plastimatch and a script: radiome reads
the series (CT in HU, PET in SUV), rasterises the ROI on the reference image's grid and
writes both with their geometry.
"""

from __future__ import annotations

from pathlib import Path

from radiome.errors import InputError
from radiome.io.image import Image, Mask

__all__ = ["convert"]


def convert(
    source: str | Path,
    output: str | Path,
    *,
    reference: str | Path | None = None,
    roi_name: str | None = None,
    label: int | None = None,
) -> Image | Mask:
    """Convert ``source`` into the file ``output`` (format from its extension).

    Parameters
    ----------
    source : path
        An image (file or DICOM series folder), or a mask (RTSTRUCT, SEG, label map,
        .seg.nrrd). Masks are recognised by their content (RTSTRUCT/SEG) or by ``reference``.
    output : path
        ``.nii``, ``.nii.gz``, ``.nrrd`` or ``.mha``.
    reference : path, optional
        The image whose grid a mask is put on. Needed for RTSTRUCT and SEG; with a label map
        it triggers resampling (nearest neighbour) onto the reference grid when grids differ.
    roi_name, label : optional
        Which ROI / segment / label to convert.

    Returns
    -------
    Image or Mask
        What was written.
    """
    from radiome.io.readers import read_image, read_mask
    from radiome.io.writers import write_image, write_mask

    src = Path(source)
    if not src.exists():
        raise InputError(f"input not found: {src}")
    kind = None
    try:
        from radiome.io.dicom import dicom_kind

        kind = dicom_kind(src)
    except ImportError:  # pragma: no cover - dicom support is part of the package
        kind = None
    is_mask = kind in ("RTSTRUCT", "SEG") or reference is not None
    if not is_mask:
        img = read_image(src)
        write_image(img, output)
        return img
    if reference is None:
        raise InputError(
            f"{src} is a DICOM {kind}: it needs the image it was drawn on; pass --reference "
            "IMAGE (the image file or DICOM series folder)"
        )
    ref = read_image(reference)
    msk = read_mask(src, reference=ref, roi_name=roi_name, label=label)
    if not msk.same_grid(ref):
        from radiome.preprocess.resample import resample_to_reference

        msk = resample_to_reference(msk, ref, method="nearest")
    write_mask(msk, output)
    return msk
