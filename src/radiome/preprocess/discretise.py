"""Grey-level discretisation (IBSI 1, section 2.7).

.. math::

    \\text{FBN:}\\quad X_d = \\lfloor N_g \\frac{X - X_{min}}{X_{max} - X_{min}} \\rfloor + 1,
    \\quad X_d = N_g \\text{ for } X = X_{max}

    \\text{FBS:}\\quad X_d = \\lfloor \\frac{X - X_{min}}{w_b} \\rfloor + 1

For FBN, :math:`X_{min}` and :math:`X_{max}` are the extremes of the intensity mask. For
FBS, :math:`X_{min}` is the given lower bound (by IBSI convention the lower bound of the
re-segmentation range), else the ROI minimum. ``none`` keeps integer intensities as they are,
shifted so that the smallest possible value (the lower bound, else the ROI minimum) maps
to level 1; the bin centres are then the original values.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from radiome.errors import ConfigError, EmptyMaskError

__all__ = ["Discretised", "discretise", "bin_centres"]


class Discretised(NamedTuple):
    """Discretised grey levels and what is needed to map them back to intensities."""

    levels: np.ndarray
    """int32 array of the input's shape: levels 1..n_levels inside the mask, 0 outside."""
    n_levels: int
    """Number of grey levels N_g."""
    lower: float
    """Intensity at the lower edge of bin 1."""
    width: float
    """Bin width in intensity units (1 for 'none')."""


def discretise(
    image: np.ndarray,
    mask: np.ndarray,
    method: str,
    *,
    n_bins: int | None = None,
    bin_width: float | None = None,
    lower_bound: float | None = None,
    upper_bound: float | None = None,
) -> Discretised:
    """Discretise the intensities of ``image`` inside ``mask``.

    Parameters
    ----------
    image, mask : ndarray
        Intensities and boolean ROI of the same shape; ``image`` is not modified.
    method : {'fbn', 'fbs', 'none'}
    n_bins : int, for 'fbn'
    bin_width : float, for 'fbs'
    lower_bound : float, optional
        For 'fbs' (and 'none'): the intensity at the lower edge of bin 1; default ROI minimum.
    upper_bound : float, optional
        For 'fbs' and 'none': the largest intensity that can occur (re-segmentation upper
        bound), used to fix N_g; default the ROI maximum.

    Examples
    --------
    >>> import numpy as np
    >>> d = discretise(np.array([0., 1., 2., 3.]), np.ones(4, bool), "fbn", n_bins=2)
    >>> d.levels.tolist(), d.n_levels
    ([1, 1, 2, 2], 2)
    """
    mask = np.asarray(mask, dtype=bool)
    values = image[mask]
    if values.size == 0:
        raise EmptyMaskError("cannot discretise an empty ROI; check the mask and re-segmentation range")
    levels = np.zeros(image.shape, dtype=np.int32)
    vmin, vmax = float(values.min()), float(values.max())
    if method == "fbn":
        if not n_bins or n_bins < 1:
            raise ConfigError("fixed bin number discretisation needs n_bins >= 1")
        if vmax > vmin:
            d = np.floor(n_bins * (values - vmin) / (vmax - vmin)).astype(np.int64) + 1
            d = np.minimum(d, n_bins)
        else:
            d = np.ones(values.shape, dtype=np.int64)
        levels[mask] = d
        return Discretised(levels, int(n_bins), vmin, (vmax - vmin) / n_bins if vmax > vmin else 1.0)
    if method in ("fbs", "none"):
        width = 1.0 if method == "none" else bin_width
        if width is None or width <= 0:
            raise ConfigError("fixed bin size discretisation needs bin_width > 0")
        if method == "none" and not np.allclose(values, np.round(values)):
            raise ConfigError(
                "discretisation 'none' needs integer intensities; use 'fbs' or 'fbn', or "
                "round the intensities (interpolation.round_intensities)"
            )
        lo = vmin if lower_bound is None or not np.isfinite(lower_bound) else float(lower_bound)
        if method == "none":
            # bin edges at half-integers, so that level i has centre (original value) lo + i - 1
            lo = float(np.round(lo)) - 0.5
        if vmin < lo:
            raise ConfigError(
                f"the ROI has intensities ({vmin}) below the discretisation lower bound ({lo}); "
                "set resegmentation.range so that it excludes them, or lower the bound"
            )
        d = np.floor((values - lo) / width + 1e-9).astype(np.int64) + 1
        top = vmax if upper_bound is None or not np.isfinite(upper_bound) else float(upper_bound)
        # N_g = number of bins of width w that cover [lower, upper]; an intensity exactly on
        # the upper bound opens one more bin only when it occurs
        n = int(np.ceil((top - lo) / width - 1e-9))
        n = max(n, int(d.max()))
        levels[mask] = d
        return Discretised(levels, n, lo, float(width))
    raise ConfigError(f"unknown discretisation method '{method}'; use 'fbn', 'fbs' or 'none'")


def bin_centres(d: Discretised) -> np.ndarray:
    """Intensity at the centre of each bin 1..n_levels (``lower + (i - 0.5) w``).

    For 'none' discretisation of integer data the centre of bin ``i`` is the original value.
    """
    i = np.arange(1, d.n_levels + 1, dtype=float)
    return d.lower + (i - 0.5) * d.width
