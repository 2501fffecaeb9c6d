"""Re-segmentation of the intensity mask (IBSI 1, section 2.5, IF9H).

Range re-segmentation (USB3) keeps ROI voxels whose intensity lies in the closed interval
``[a, b]`` (either bound may be open); intensity outlier filtering (7ACA) keeps voxels within
``mu +/- k sigma`` of the ROI intensities. When both are set, IBSI uses the intersection of
the two intervals, with ``mu`` and ``sigma`` computed over the ROI *before* any
re-segmentation (the interpolated morphological mask), as MIRP does for configuration E.
Written by hand: it is a few vectorised comparisons, but the order of the steps and the
statistics used are IBSI's choices that no library encodes.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from radiome.errors import ConfigError, EmptyMaskError
from radiome.io.image import Image, Mask, ProcessingStep, check_same_grid

__all__ = ["resegment", "resegmentation_bounds", "normalise_range"]


def normalise_range(range: Sequence[float | None] | None) -> tuple[float, float] | None:  # noqa: A002
    """A re-segmentation range as ``(lo, hi)`` floats, ``None`` bounds as -inf/+inf.

    Examples
    --------
    >>> normalise_range((-500, None))
    (-500.0, inf)
    >>> normalise_range(None) is None
    True
    """
    if range is None:
        return None
    r = tuple(range)
    if len(r) != 2:
        raise ConfigError(f"resegmentation range needs 2 values (lower, upper), got {range!r}")
    lo = -math.inf if r[0] is None else float(r[0])
    hi = math.inf if r[1] is None else float(r[1])
    if math.isnan(lo) or math.isnan(hi) or lo > hi:
        raise ConfigError(f"resegmentation range must have lower <= upper, got {range!r}")
    return lo, hi


def resegmentation_bounds(
    values: np.ndarray,
    range: Sequence[float | None] | None = None,  # noqa: A002
    outlier_sigma: float | None = None,
) -> tuple[float, float]:
    """The intensity interval kept by re-segmentation of ROI intensities ``values``.

    .. math::

        [a, b] \\cap [\\mu - k\\sigma, \\mu + k\\sigma]

    with :math:`\\mu` and :math:`\\sigma` the mean and (population) standard deviation of
    ``values`` and :math:`k` = ``outlier_sigma``. IBSI codes: USB3, 7ACA.
    """
    lo, hi = normalise_range(range) or (-math.inf, math.inf)
    if outlier_sigma is not None:
        if outlier_sigma <= 0:
            raise ConfigError(f"outlier_sigma must be > 0, got {outlier_sigma}")
        v = np.asarray(values, dtype=float)
        if v.size:
            mu, sd = float(v.mean()), float(v.std())
            lo, hi = max(lo, mu - outlier_sigma * sd), min(hi, mu + outlier_sigma * sd)
    return lo, hi


def resegment(
    image: Image,
    mask: Mask,
    range: Sequence[float | None] | None = None,  # noqa: A002
    outlier_sigma: float | None = None,
) -> Mask:
    """The intensity mask: ROI voxels within the re-segmentation range and outlier bounds.

    .. math::

        R_{int,j} = R_j \\wedge \\left(\\max(a, \\mu - k\\sigma) \\leq X_j \\leq
        \\min(b, \\mu + k\\sigma)\\right)

    IBSI codes: re-segmentation IF9H, range USB3 (bounds inclusive), outlier filtering 7ACA
    (:math:`\\mu`, :math:`\\sigma`: mean and population SD over ``mask`` before re-segmentation).

    Parameters
    ----------
    image : Image
        Intensities (after interpolation and rounding); not modified.
    mask : Mask
        The ROI (morphological mask), on the image grid; not modified.
    range : (lower, upper), optional
        Inclusive bounds; ``None`` for an open bound.
    outlier_sigma : float, optional
        Keep voxels within ``mean +/- outlier_sigma * SD`` of the ROI intensities.

    Returns
    -------
    Mask
        The intensity mask, with a ``resegment`` step (and the bounds used) in its history.

    Raises
    ------
    EmptyMaskError
        When no voxel is left, naming the setting that removed them.

    Examples
    --------
    >>> import numpy as np
    >>> img = Image(np.array([[[-1000.0, -400.0, 50.0, 500.0]]]))
    >>> roi = Mask(np.ones((1, 1, 4), bool))
    >>> resegment(img, roi, range=(-500, 400)).array.ravel().tolist()
    [False, True, True, False]
    """
    check_same_grid(image, mask, what="mask")
    rng = normalise_range(range)
    inside = mask.array
    values = image.array[inside]
    if values.size == 0:
        raise EmptyMaskError("cannot re-segment an empty ROI: the mask has no voxel")
    keep = inside.copy()
    if rng is not None:
        keep &= (image.array >= rng[0]) & (image.array <= rng[1])
        if not keep.any():
            raise EmptyMaskError(
                f"re-segmentation range {range!r} removed every voxel of the ROI (ROI intensities "
                f"{values.min():g} .. {values.max():g}); widen resegmentation.range or check the "
                "image units"
            )
    lo, hi = resegmentation_bounds(values, range, outlier_sigma)
    if outlier_sigma is not None:
        keep &= (image.array >= lo) & (image.array <= hi)
        if not keep.any():
            raise EmptyMaskError(
                f"outlier filtering (resegmentation.outlier_sigma={outlier_sigma}) combined with the "
                f"range {range!r} removed every voxel of the ROI (kept interval {lo:g} .. {hi:g}); "
                "increase outlier_sigma or widen the range"
            )
    step = ProcessingStep(
        "resegment",
        {"range": rng, "outlier_sigma": outlier_sigma, "bounds": (lo, hi), "voxels_kept": int(keep.sum())},
    )
    return mask.with_array(keep, step)
