"""Image preprocessing (IBSI 1, chapter 2): interpolation, rounding, re-segmentation,
cropping, discretisation, diagnostics, and :func:`prepare`, which runs them in IBSI order.

Every function is pure: it returns new :class:`~radiome.io.image.Image` / ``Mask`` values
with a :class:`~radiome.io.image.ProcessingStep` appended to their history.
"""

from radiome.preprocess.crop import crop_box, crop_to_box, crop_to_mask, margin_voxels
from radiome.preprocess.diagnostics import diagnostics
from radiome.preprocess.discretise import Discretised, bin_centres, discretise
from radiome.preprocess.intensity import round_intensities
from radiome.preprocess.pipeline import CROP_MARGIN_MM, PreparedCase, prepare
from radiome.preprocess.resample import (
    Grid,
    ibsi_grid,
    interpolate_to_grid,
    resample_image,
    resample_mask,
    resample_to_reference,
)
from radiome.preprocess.resegment import resegment, resegmentation_bounds

__all__ = [
    "Grid",
    "ibsi_grid",
    "interpolate_to_grid",
    "resample_image",
    "resample_mask",
    "resample_to_reference",
    "round_intensities",
    "resegment",
    "resegmentation_bounds",
    "crop_to_box",
    "crop_box",
    "crop_to_mask",
    "margin_voxels",
    "diagnostics",
    "discretise",
    "Discretised",
    "bin_centres",
    "prepare",
    "PreparedCase",
    "CROP_MARGIN_MM",
]
