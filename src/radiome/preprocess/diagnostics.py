"""IBSI diagnostic features of the image and ROI masks at each preprocessing stage.

IBSI 1, chapter 5 ("Diagnostic features") defines a few numbers that describe how the image
and the masks change through the processing chain, with reference values for the CT phantom
in the compliance tables. The tag names are the tables' (``img_dim_x_init_img``,
``int_mask_vox_count_reseg_roi``, ...). IBSI's x, y, z are radiome's array axes 2, 1, 0.
Hand-written: these are IBSI-specific summary numbers that no library defines.
"""

from __future__ import annotations

import math

import numpy as np

from radiome.errors import ConfigError
from radiome.io.image import Image, Mask, check_same_grid

__all__ = ["diagnostics", "STAGES"]

#: Processing stages with IBSI diagnostic tags: initial, interpolated, re-segmented.
STAGES = ("init", "interp", "reseg")
_IMAGE_STAGES = ("init", "interp")
_AXES = (("x", 2), ("y", 1), ("z", 0))


def _bb_dims(mask: np.ndarray) -> tuple[int, int, int]:
    """Bounding-box size in voxels along radiome axes (z, y, x); zeros for an empty mask."""
    if not mask.any():
        return 0, 0, 0
    dims = []
    for axis in range(3):
        other = tuple(a for a in range(3) if a != axis)
        idx = np.flatnonzero(mask.any(axis=other))
        dims.append(int(idx[-1] - idx[0] + 1))
    return dims[0], dims[1], dims[2]


def diagnostics(stage: str, image: Image, intensity_mask: Mask, morphology_mask: Mask) -> dict[str, float]:
    """IBSI diagnostic features of one processing stage.

    For ``stage`` in ``init`` and ``interp`` the image itself is described (dimensions in
    voxels, voxel size in mm, mean, minimum and maximum intensity of the whole image:
    ``img_dim_{x,y,z}_<stage>_img``, ``vox_dim_...``, ``mean_int_...``, ``min_int_...``,
    ``max_int_...``). For every stage the masks are described: intensity-mask dimensions, the
    bounding-box size of both masks, the voxel count of both masks, and the mean, minimum and
    maximum intensity inside the intensity mask (``int_mask_*_<stage>_roi``,
    ``morph_mask_*_<stage>_roi``).

    .. math::

        \\text{mean\\_int} = \\frac{1}{N_v}\\sum_{k} X_k, \\qquad
        \\text{int\\_mask\\_mean\\_int} = \\frac{1}{N_{v,int}}\\sum_{k \\in R_{int}} X_k

    Parameters
    ----------
    stage : {'init', 'interp', 'reseg'}
    image : Image
        The whole image at this stage (not cropped, so that dimensions are the image's).
    intensity_mask, morphology_mask : Mask
        On the image grid.

    Returns
    -------
    dict of str to float
        IBSI diagnostic tags; intensity statistics are NaN for an empty intensity mask.

    Examples
    --------
    >>> img = Image(np.arange(24.0).reshape(2, 3, 4))
    >>> m = Mask(img.array > 20)
    >>> d = diagnostics("init", img, m, m)
    >>> d["img_dim_x_init_img"], d["int_mask_vox_count_init_roi"], d["int_mask_min_int_init_roi"]
    (4.0, 3.0, 21.0)
    """
    if stage not in STAGES:
        raise ConfigError(f"unknown diagnostic stage {stage!r}; use one of {', '.join(STAGES)}")
    check_same_grid(image, intensity_mask, what="intensity mask")
    check_same_grid(image, morphology_mask, what="morphology mask")
    out: dict[str, float] = {}
    arr = image.array
    if stage in _IMAGE_STAGES:
        for name, axis in _AXES:
            out[f"img_dim_{name}_{stage}_img"] = float(arr.shape[axis])
        for name, axis in _AXES:
            out[f"vox_dim_{name}_{stage}_img"] = float(image.spacing[axis])
        finite = arr[np.isfinite(arr)]
        out[f"mean_int_{stage}_img"] = float(finite.mean()) if finite.size else math.nan
        out[f"min_int_{stage}_img"] = float(finite.min()) if finite.size else math.nan
        out[f"max_int_{stage}_img"] = float(finite.max()) if finite.size else math.nan
    imask, mmask = intensity_mask.array, morphology_mask.array
    for name, axis in _AXES:
        out[f"int_mask_dim_{name}_{stage}_roi"] = float(imask.shape[axis])
    ibb, mbb = _bb_dims(imask), _bb_dims(mmask)
    for name, axis in _AXES:
        out[f"int_mask_bb_dim_{name}_{stage}_roi"] = float(ibb[axis])
    for name, axis in _AXES:
        out[f"morph_mask_bb_dim_{name}_{stage}_roi"] = float(mbb[axis])
    out[f"int_mask_vox_count_{stage}_roi"] = float(np.count_nonzero(imask))
    out[f"morph_mask_vox_count_{stage}_roi"] = float(np.count_nonzero(mmask))
    values = arr[imask]
    out[f"int_mask_mean_int_{stage}_roi"] = float(values.mean()) if values.size else math.nan
    out[f"int_mask_min_int_{stage}_roi"] = float(values.min()) if values.size else math.nan
    out[f"int_mask_max_int_{stage}_roi"] = float(values.max()) if values.size else math.nan
    return out
