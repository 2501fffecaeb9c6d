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


def image_elements(image: Any, prefix: str = "original") -> dict[str, Any]:
    """Hash (original only), dimensionality, spacing, size, mean, minimum, maximum of an image."""
    import SimpleITK as sitk

    out: dict[str, Any] = {}
    key = f"{_PREFIX}Image-{prefix}_"
    if prefix == "original":
        out[key + "Hash"] = sitk.Hash(image)
        out[key + "Dimensionality"] = "%iD" % image.GetDimension()
    arr = sitk.GetArrayFromImage(image).astype("float")
    out[key + "Spacing"] = str(image.GetSpacing())
    out[key + "Size"] = str(image.GetSize())
    out[key + "Mean"] = float(np.mean(arr))
    out[key + "Minimum"] = float(np.min(arr))
    out[key + "Maximum"] = float(np.max(arr))
    return out


def mask_elements(image: Any | None, mask: Any, label: int, prefix: str = "original") -> dict[str, Any]:
    """Hash (original only), spacing, size, bounding box, voxel and volume counts, centre of
    mass (index and mm) and, given the image, the ROI mean, minimum and maximum."""
    import SimpleITK as sitk

    out: dict[str, Any] = {}
    key = f"{_PREFIX}Mask-{prefix}_"
    if prefix == "original":
        out[key + "Hash"] = sitk.Hash(mask)
    out[key + "Spacing"] = str(mask.GetSpacing())
    out[key + "Size"] = str(mask.GetSize())
    lssif = sitk.LabelShapeStatisticsImageFilter()
    lssif.Execute(mask)
    out[key + "BoundingBox"] = str(lssif.GetBoundingBox(int(label)))
    out[key + "VoxelNum"] = int(lssif.GetNumberOfPixels(int(label)))
    label_map = mask == label
    ccif = sitk.ConnectedComponentImageFilter()
    ccif.FullyConnectedOn()
    ccif.Execute(label_map)
    out[key + "VolumeNum"] = int(ccif.GetObjectCount())
    roi = sitk.GetArrayFromImage(label_map) == 1
    centre = tuple(float(c) for c in np.mean(np.array(np.where(roi)), axis=1)[::-1])
    out[key + "CenterOfMassIndex"] = str(centre)
    out[key + "CenterOfMass"] = str(mask.TransformContinuousIndexToPhysicalPoint(centre))
    if image is not None:
        values = sitk.GetArrayFromImage(image)[roi].astype("float")
        out[key + "Mean"] = float(np.mean(values))
        out[key + "Minimum"] = float(np.min(values))
        out[key + "Maximum"] = float(np.max(values))
    return out
