"""The IBSI-2 mean filter.

The mean filter (IBSI-2, arXiv:2006.05470, section "Mean filter") replaces each voxel by the
mean of the ``M x M x M`` cube (``M x M`` square when filtering slice by slice) centred on
it, the image being padded by the chosen boundary condition. It is computed as a running
mean along each axis (:func:`scipy.ndimage.uniform_filter1d`), linear in the image size
whatever ``M``. Written here only to expose the IBSI parameters (support, 2D/3D, boundary
names) on radiome's :class:`~radiome.io.Image`; the arithmetic is scipy's.
"""

from __future__ import annotations

import numbers

import numpy as np

from radiome.errors import ConfigError
from radiome.filters.boundary import Boundary, Dimensions, check_image, local_mean, response_map
from radiome.io.image import Image

__all__ = ["mean_filter"]


def mean_filter(
    image: Image,
    support: int,
    *,
    dimensions: Dimensions = "3D",
    boundary: Boundary = "mirror",
) -> Image:
    """Mean filter response map (IBSI-2 mean filter).

    .. math::

        R(\\mathbf{i}) = \\frac{1}{M^{d}} \\sum_{\\mathbf{k} \\in \\{-\\delta, \\dots, \\delta\\}^{d}}
        \\tilde I(\\mathbf{i} - \\mathbf{k}), \\qquad M = 2\\delta + 1

    where :math:`\\tilde I` is the image padded by ``boundary`` and :math:`d` is 3, or 2 for
    slice-by-slice filtering (the ``y`` and ``x`` axes only).

    Parameters
    ----------
    image : Image
        Input image ``(z, y, x)``; not modified.
    support : int
        Filter support :math:`M` in voxels: a positive odd integer (the IBSI-2 tests use 15).
    dimensions : {'3D', '2D'}
        ``'3D'`` filters the volume; ``'2D'`` filters each slice independently.
    boundary : {'mirror', 'constant', 'nearest', 'periodic'}
        IBSI-2 boundary condition (see :mod:`radiome.filters.boundary`).

    Returns
    -------
    Image
        float64 response map on the grid of ``image``, with
        ``ProcessingStep('mean_filter', {...})`` appended to its history.

    Raises
    ------
    ConfigError
        ``support`` not a positive odd integer; unknown ``dimensions`` or ``boundary``.
    DimensionalityError
        ``dimensions='3D'`` on a single-slice image.

    Notes
    -----
    NaN voxels propagate to every voxel whose neighbourhood contains them.

    References
    ----------
    Depeursinge A. et al., Standardised convolutional filtering for radiomics (IBSI-2),
    arXiv:2006.05470; reference response maps 1.A1-1.A4 and 1.B1.

    Examples
    --------
    >>> import numpy as np
    >>> from radiome.io import Image
    >>> img = Image(np.arange(27.0).reshape(3, 3, 3))
    >>> float(mean_filter(img, 3, boundary="mirror").array[1, 1, 1])
    13.0
    """
    axes, mode = check_image(image, dimensions, boundary)
    is_int = isinstance(support, numbers.Integral) and not isinstance(support, bool)
    if not is_int or support < 1 or support % 2 == 0:
        raise ConfigError(
            f"support must be a positive odd integer number of voxels (e.g. 15), got {support!r}; "
            "an even support has no centre voxel."
        )
    support = int(support)
    out = local_mean(image.array, support, axes, mode)
    params = {"support": support, "dimensions": dimensions, "boundary": boundary}
    return response_map(image, np.asarray(out), "mean_filter", params)
