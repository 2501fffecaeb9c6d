"""The preprocessed region of interest that every feature family reads.

An :class:`ROI` is what the extraction pipeline hands to the feature families after
interpolation, rounding, re-segmentation, cropping and discretisation. All arrays share one
shape ``(z, y, x)``, cropped to the bounding box of the morphological mask plus a margin
(so that the local intensity peak can see voxels around the ROI).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ROI"]


@dataclass(frozen=True, eq=False)
class ROI:
    """A preprocessed, discretised region of interest.

    Attributes
    ----------
    image : ndarray of float64, (z, y, x)
        Intensities after interpolation and rounding (all voxels of the crop, also outside
        the masks).
    intensity_mask : ndarray of bool, (z, y, x)
        The ROI after re-segmentation: voxels used by intensity and texture features.
    morphology_mask : ndarray of bool, (z, y, x)
        The ROI before re-segmentation: voxels used for shape (IBSI 1, section 2.5).
    spacing : tuple of 3 float
        Voxel size ``(z, y, x)`` in mm.
    levels : ndarray of int32, (z, y, x)
        Discretised grey levels ``1 .. n_levels`` inside ``intensity_mask``, 0 outside; used by
        the intensity histogram and all texture families.
    n_levels : int
        Number of grey levels ``N_g`` of the discretisation.
    resegmentation_range : tuple of 2 float or None
        The re-segmentation range actually applied (bounds may be ``-inf``/``inf``); the
        intensity-volume histogram uses it to normalise intensities.
    is_2d : bool
        True for a single-slice (2D) image: morphology is then 2D and texture only 2D.
    """

    image: np.ndarray
    intensity_mask: np.ndarray
    morphology_mask: np.ndarray
    spacing: tuple[float, float, float]
    levels: np.ndarray
    n_levels: int
    resegmentation_range: tuple[float, float] | None = None
    is_2d: bool = False

    @property
    def values(self) -> np.ndarray:
        """Intensities inside the intensity mask (1D, C order)."""
        return self.image[self.intensity_mask]

    @property
    def voxel_volume(self) -> float:
        """Voxel volume in mm^3 (area in mm^2 for 2D)."""
        sz, sy, sx = self.spacing
        return sy * sx if self.is_2d else sz * sy * sx
