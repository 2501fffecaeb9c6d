"""Reading, checking and writing images and masks.

Images and masks are immutable values (:class:`Image`, :class:`Mask`) indexed ``(z, y, x)``
with spacing and origin in mm. :func:`read_image` and :func:`read_mask` read NIfTI, NRRD,
MetaImage, 3D Slicer ``.seg.nrrd``, DICOM (series, RTSTRUCT, SEG) and 2D raster files;
:func:`load_case` reads a pair and checks it; :func:`write_image` and :func:`write_mask` write
NIfTI, NRRD and MetaImage with exact geometry.

The DICOM functions (:func:`read_dicom_series`, :func:`read_rtstruct`, :func:`read_seg`,
:func:`list_rtstruct_rois`, :func:`dicom_kind`) are loaded from :mod:`radiome.io.dicom` on
first use, so importing :mod:`radiome.io` does not import pydicom.
"""

from __future__ import annotations

from typing import Any

from radiome.io.case import align_mask_to_image, check_intensities, check_mask, load_case
from radiome.io.image import Image, Mask, ProcessingStep, check_same_grid
from radiome.io.labels import LabelMap, select_label
from radiome.io.readers import image_from_sitk, list_rois, read_image, read_label_map, read_mask
from radiome.io.writers import image_to_sitk, write_image, write_mask

_DICOM_NAMES = ("read_dicom_series", "read_rtstruct", "read_seg", "list_rtstruct_rois", "dicom_kind")

__all__ = [
    "Image",
    "Mask",
    "ProcessingStep",
    "LabelMap",
    "check_same_grid",
    "read_image",
    "read_mask",
    "read_label_map",
    "list_rois",
    "select_label",
    "write_image",
    "write_mask",
    "load_case",
    "check_mask",
    "check_intensities",
    "align_mask_to_image",
    "image_from_sitk",
    "image_to_sitk",
    *_DICOM_NAMES,
]


def __getattr__(name: str) -> Any:
    """Load the DICOM functions from :mod:`radiome.io.dicom` on first use."""
    if name in _DICOM_NAMES:
        import importlib

        module = importlib.import_module("radiome.io.dicom")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'radiome.io' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_DICOM_NAMES))
