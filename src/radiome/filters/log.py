"""The IBSI-2 Laplacian-of-Gaussian (LoG) filter.

IBSI-2 (arXiv:2006.05470, section "Laplacian of Gaussian") defines the LoG kernel in voxel
coordinates :math:`\\mathbf{u}` with the scale :math:`\\sigma` converted from mm to voxels,

.. math::

    h(\\mathbf{u}) = -\\frac{1}{\\sigma^{2}} \\left(\\frac{1}{\\sqrt{2\\pi}\\,\\sigma}\\right)^{d}
    \\left(d - \\frac{\\lVert\\mathbf{u}\\rVert^{2}}{\\sigma^{2}}\\right)
    \\exp\\!\\left(-\\frac{\\lVert\\mathbf{u}\\rVert^{2}}{2\\sigma^{2}}\\right),

sampled at integer offsets on a support of :math:`M = 1 + 2\\lfloor t\\sigma + 0.5\\rfloor`
voxels per axis (:math:`t` the truncation, 4 in the IBSI tests) and used as is: the sampled
kernel is *not* renormalised (to zero sum or otherwise), and the sign is that of the
Laplacian (negative at the centre: a bright blob gives a negative response). This is the
Laplacian, in voxel units, of a unit-mass Gaussian, i.e. a sum of separable terms,

.. math::

    h(\\mathbf{u}) = \\sum_{a} g''_{a}(u_a) \\prod_{b \\neq a} g_{b}(u_b), \\quad
    g_a(u) = \\frac{e^{-u^{2}/2\\sigma_a^{2}}}{\\sqrt{2\\pi}\\,\\sigma_a}, \\quad
    g''_a(u) = g_a(u) \\left(\\frac{u^{2}}{\\sigma_a^{4}} - \\frac{1}{\\sigma_a^{2}}\\right),

so the response map is computed as ``d`` cascades of ``d`` 1D convolutions (identical, up to
rounding, to the dense sampled kernel above). The 1D kernels are sampled here because
scipy's ``gaussian_laplace`` normalises its sampled Gaussian to unit sum, which IBSI does not.

Anisotropic voxels (not covered by IBSI-2, which resamples to isotropic voxels first): each
axis gets its own :math:`\\sigma_a = \\sigma / s_a` and support, and each second-derivative
term is weighted by :math:`(\\bar s / s_a)^2` with :math:`\\bar s` the geometric mean spacing
of the filtered axes, so the kernel is the physical Laplacian of the Gaussian expressed per
:math:`\\bar s^{2}`; with isotropic voxels every weight is 1 and the IBSI kernel is exact.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from radiome.errors import ConfigError
from radiome.filters.boundary import (
    Boundary,
    Dimensions,
    check_image,
    convolve_separable_sum,
    response_map,
)
from radiome.io.image import Image

__all__ = ["laplacian_of_gaussian", "log_kernel_1d", "log_support"]


def log_support(sigma_voxels: float, truncate: float) -> int:
    """Kernel support in voxels: :math:`M = 1 + 2\\lfloor t\\sigma + 0.5\\rfloor` (IBSI-2)."""
    return 1 + 2 * int(math.floor(truncate * sigma_voxels + 0.5))


def log_kernel_1d(sigma_voxels: float, truncate: float) -> tuple[np.ndarray, np.ndarray]:
    """Sampled 1D Gaussian :math:`g` and its second derivative :math:`g''` (voxel units).

    Both have :func:`log_support` taps centred on the middle one, and unit-mass continuous
    normalisation :math:`1/(\\sqrt{2\\pi}\\sigma)` without renormalising the samples.
    """
    half = (log_support(sigma_voxels, truncate) - 1) // 2
    u = np.arange(-half, half + 1, dtype=np.float64)
    s2 = sigma_voxels * sigma_voxels
    g = np.exp(-(u * u) / (2.0 * s2)) / (math.sqrt(2.0 * math.pi) * sigma_voxels)
    g2 = g * (u * u / (s2 * s2) - 1.0 / s2)
    return g, g2


def laplacian_of_gaussian(
    image: Image,
    sigma_mm: float,
    *,
    truncate: float = 4.0,
    dimensions: Dimensions = "3D",
    boundary: Boundary = "mirror",
) -> Image:
    """Laplacian-of-Gaussian response map (IBSI-2 LoG filter).

    .. math::

        R = \\tilde I * h, \\qquad
        h(\\mathbf{u}) = -\\frac{1}{\\sigma^{2}}
        \\left(\\frac{1}{\\sqrt{2\\pi}\\,\\sigma}\\right)^{d}
        \\left(d - \\frac{\\lVert\\mathbf{u}\\rVert^{2}}{\\sigma^{2}}\\right)
        e^{-\\lVert\\mathbf{u}\\rVert^{2}/2\\sigma^{2}}

    with :math:`\\sigma` in voxels (``sigma_mm`` divided by the spacing), :math:`d` = 3, or 2
    when filtering slice by slice, and :math:`\\tilde I` the image padded by ``boundary``.
    See the module docstring for the support, normalisation, sign and anisotropic voxels.

    Parameters
    ----------
    image : Image
        Input image ``(z, y, x)``; not modified.
    sigma_mm : float
        Gaussian scale :math:`\\sigma` in mm (positive).
    truncate : float
        Kernel cut-off :math:`t` in units of :math:`\\sigma`: the support is
        :math:`1 + 2\\lfloor t\\sigma + 0.5\\rfloor` voxels per axis. IBSI-2 tests use 4.
    dimensions : {'3D', '2D'}
        ``'3D'`` filters the volume; ``'2D'`` filters each slice independently.
    boundary : {'mirror', 'constant', 'nearest', 'periodic'}
        IBSI-2 boundary condition (see :mod:`radiome.filters.boundary`).

    Returns
    -------
    Image
        float64 response map on the grid of ``image``, with
        ``ProcessingStep('laplacian_of_gaussian', {...})`` appended to its history.

    Raises
    ------
    ConfigError
        ``sigma_mm`` or ``truncate`` not a positive finite number; unknown ``dimensions`` or
        ``boundary``.
    DimensionalityError
        ``dimensions='3D'`` on a single-slice image.

    References
    ----------
    Depeursinge A. et al., Standardised convolutional filtering for radiomics (IBSI-2),
    arXiv:2006.05470; reference response maps 2.A, 2.B and 2.C.

    Examples
    --------
    >>> import numpy as np
    >>> from radiome.io import Image
    >>> flat = Image(np.full((9, 9, 9), 5.0))
    >>> response = laplacian_of_gaussian(flat, 1.0, boundary="nearest")
    >>> round(float(response.array[4, 4, 4]), 4)  # 5 x kernel sum: not renormalised to zero
    -0.0011
    >>> response.history[-1].name
    'laplacian_of_gaussian'
    """
    axes, mode = check_image(image, dimensions, boundary)
    for name, value in (("sigma_mm", sigma_mm), ("truncate", truncate)):
        is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not is_number or not math.isfinite(value) or value <= 0:
            raise ConfigError(f"{name} must be a positive finite number, got {value!r}.")
    spacing = np.array([image.spacing[a] for a in axes], dtype=np.float64)
    s_ref = float(np.exp(np.mean(np.log(spacing))))
    kernels = {}
    for a, s in zip(axes, spacing):
        g, g2 = log_kernel_1d(float(sigma_mm) / float(s), float(truncate))
        kernels[a] = (g, g2 * (s_ref / float(s)) ** 2)
    terms = [
        {b: (kernels[b][1] if b == a else kernels[b][0]) for b in axes}
        for a in axes
    ]
    out = convolve_separable_sum(image.array, terms, mode)
    params = {
        "sigma_mm": float(sigma_mm),
        "truncate": float(truncate),
        "dimensions": dimensions,
        "boundary": boundary,
    }
    return response_map(image, out, "laplacian_of_gaussian", params)
