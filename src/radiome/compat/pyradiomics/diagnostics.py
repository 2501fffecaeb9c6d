"""PyRadiomics' ``diagnostics_*`` columns: versions, configuration, image and mask summaries.

The same entries PyRadiomics' ``generalinfo`` writes, computed the same way (SimpleITK
hashes, label statistics, 26-connected component count, centre of mass), so that a table
from this mode can be compared column by column with PyRadiomics output. The version entry
names radiome (``diagnostics_Versions_radiome``) instead of claiming a PyRadiomics version.
Tuples are written as PyRadiomics' CSV writer does, with ``str()``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

__all__ = ["versions", "configuration", "image_elements", "mask_elements"]

_PREFIX = "diagnostics_"


def versions() -> dict[str, str]:
    """``diagnostics_Versions_*``: radiome, NumPy, SimpleITK, PyWavelets and Python."""
    import SimpleITK as sitk

    import radiome

    try:
        import pywt

        pywt_version = pywt.__version__
    except ImportError:
        pywt_version = "not installed"
    return {
        _PREFIX + "Versions_radiome": radiome.__version__,
        _PREFIX + "Versions_Numpy": np.__version__,
        _PREFIX + "Versions_SimpleITK": sitk.Version().VersionString(),
        _PREFIX + "Versions_PyWavelet": pywt_version,
        _PREFIX + "Versions_Python": "%i.%i.%i" % sys.version_info[:3],
    }


def configuration(settings: dict[str, Any], image_types: dict[str, dict[str, Any]]) -> dict[str, str]:
    """``diagnostics_Configuration_Settings`` and ``..._EnabledImageTypes`` as PyRadiomics prints them."""
    return {
        _PREFIX + "Configuration_Settings": str(settings),
        _PREFIX + "Configuration_EnabledImageTypes": str(image_types),
    }


def _hash(image: Any) -> str:
    """SimpleITK's ``Hash`` (SHA-1 of the voxel buffer), computed with :mod:`hashlib`."""
    import hashlib

    import SimpleITK as sitk

    return hashlib.sha1(np.ascontiguousarray(sitk.GetArrayViewFromImage(image)).data).hexdigest()


def image_elements(image: Any, prefix: str = "original") -> dict[str, Any]:
    """Hash (original only), dimensionality, spacing, size, mean, minimum, maximum of an image."""
    import SimpleITK as sitk

    out: dict[str, Any] = {}
    key = f"{_PREFIX}Image-{prefix}_"
    if prefix == "original":
        out[key + "Hash"] = _hash(image)
        out[key + "Dimensionality"] = "%iD" % image.GetDimension()
    arr = sitk.GetArrayViewFromImage(image)
    out[key + "Spacing"] = str(image.GetSpacing())
    out[key + "Size"] = str(image.GetSize())
    out[key + "Mean"] = float(np.mean(arr, dtype=np.float64))
    out[key + "Minimum"] = float(np.min(arr))
    out[key + "Maximum"] = float(np.max(arr))
    return out


def mask_elements(image: Any | None, mask: Any, label: int, prefix: str = "original") -> dict[str, Any]:
    """Hash (original only), spacing, size, bounding box, voxel and volume counts, centre of
    mass (index and mm) and, given the image, the ROI mean, minimum and maximum.

    The counts, box and centre of mass come from the label map with NumPy; the number of
    26-connected components from SimpleITK on the ROI's bounding box.
    """
    import SimpleITK as sitk

    from radiome.compat.pyradiomics.preprocess import label_box

    out: dict[str, Any] = {}
    key = f"{_PREFIX}Mask-{prefix}_"
    if prefix == "original":
        out[key + "Hash"] = _hash(mask)
    out[key + "Spacing"] = str(mask.GetSpacing())
    out[key + "Size"] = str(mask.GetSize())
    box, count = label_box(mask, int(label))
    out[key + "BoundingBox"] = str(tuple(int(v) for v in box))
    out[key + "VoxelNum"] = count
    nd = mask.GetDimension()
    crop = tuple(slice(int(lo), int(lo + n)) for lo, n in zip(box[:nd][::-1], box[nd:][::-1]))
    roi = sitk.GetArrayViewFromImage(mask)[crop] == label
    ccif = sitk.ConnectedComponentImageFilter()
    ccif.FullyConnectedOn()
    ccif.Execute(sitk.GetImageFromArray(roi.view(np.uint8)))
    out[key + "VolumeNum"] = int(ccif.GetObjectCount())
    # centre of mass: mean voxel index per axis (exact integer sums), in (x, y, z) order
    centre = []
    for axis in range(roi.ndim):
        other = tuple(a for a in range(roi.ndim) if a != axis)
        per = np.count_nonzero(roi, axis=other) if other else roi.astype(np.int64)
        index = np.arange(crop[axis].start, crop[axis].stop, dtype=np.int64)
        centre.append(float(int(per @ index) / count))
    centre_xyz = tuple(centre[::-1])
    out[key + "CenterOfMassIndex"] = str(centre_xyz)
    out[key + "CenterOfMass"] = str(mask.TransformContinuousIndexToPhysicalPoint(centre_xyz))
    if image is not None:
        values = sitk.GetArrayViewFromImage(image)[crop][roi]
        out[key + "Mean"] = float(np.mean(values, dtype=np.float64))
        out[key + "Minimum"] = float(np.min(values))
        out[key + "Maximum"] = float(np.max(values))
    return out
