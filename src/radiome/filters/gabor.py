"""The IBSI-2 Gabor filter: planar, by slice or in three orthogonal planes, rotation invariance.

IBSI-2 (arXiv:2006.05470, section "Gabor kernels") defines the Gabor filter as a 2D complex
kernel, a Gaussian envelope modulating a complex sinusoid,

.. math::

    h(x, y) = \\exp\\!\\left(-\\frac{\\tilde x^{2} + \\gamma^{2} \\tilde y^{2}}{2\\sigma^{2}}\\right)
    \\exp\\!\\left(\\mathrm{i}\\,\\frac{2\\pi \\tilde x}{\\lambda}\\right), \\qquad
    \\begin{aligned}
    \\tilde x &= x \\cos\\theta + y \\sin\\theta \\\\
    \\tilde y &= -x \\sin\\theta + y \\cos\\theta
    \\end{aligned}

with :math:`\\sigma` (envelope scale) and :math:`\\lambda` (wavelength) in mm, :math:`\\gamma`
the spatial aspect ratio and :math:`\\theta` the orientation. In a slice, ``x`` runs along
the columns (last array axis) and ``y`` along the rows (array axis 1), both from the kernel
centre, in mm; :math:`\\theta` turns from ``+x`` towards ``+y``. The kernel is not normalised
(its centre tap is 1: the response of a unit impulse peaks at 1), as in the IBSI-2 reference
maps 4.A1-4.B2. It is sampled on a ``(2 h_a + 1) x (2 h_b + 1)`` grid whose half-widths cover
``truncate`` standard deviations of the envelope along its wider axis,
:math:`h = \\lceil t \\, \\sigma \\max(1, 1/\\gamma) / s \\rceil` voxels for spacing :math:`s`
(``truncate=4`` reproduces the reference maps to 1e-6 of their range).

The response map is a chosen part of the complex response (IBSI-2 uses the modulus)
:math:`|(\\tilde I * h)|`, computed per slice with the padded slice and the kernel multiplied
in the Fourier domain. ``dimensions='2D'`` filters each axial slice (the ``(y, x)`` plane);
``dimensions='3D'`` filters the three orthogonal planes (axial ``(y, x)``, coronal
``(z, x)``, sagittal ``(z, y)``; the second axis of a plane is its kernel ``x``) and pools the
three responses, the IBSI-2 "orthogonal planes" rotation invariance for a planar filter.
Rotation invariance pools the responses of the orientations
:math:`\\theta_k = \\theta_0 + k\\,\\Delta\\theta`, :math:`k = 0 \\dots 2\\pi/\\Delta\\theta - 1`. For a
real image the responses at :math:`\\theta` and :math:`\\theta + \\pi` are complex conjugates,
so when the orientations come in such pairs and the response is the modulus or the real
part, only half of them are computed (the pooled value is unchanged).

Hand-written because the libraries that offer Gabor kernels (scikit-image, OpenCV) use
other parametrisations, normalisations and supports, and none has the IBSI boundary
conditions or the orthogonal-plane pooling; the voxel work is :mod:`scipy.fft`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy import fft

from radiome.errors import ConfigError
from radiome.filters.boundary import Boundary, Dimensions, check_image, response_map
from radiome.io.image import Image

__all__ = ["gabor_filter", "gabor_kernel", "gabor_orientations"]

_POOLING = ("mean", "max", "min", "sum")
_RESPONSES = ("modulus", "real", "imaginary", "angle")
#: IBSI-2 boundary condition -> :func:`numpy.pad` mode.
_PAD_MODES = {"constant": "constant", "nearest": "edge", "periodic": "wrap", "mirror": "symmetric"}


def gabor_kernel(
    sigma_mm: float,
    lambda_mm: float,
    gamma: float,
    theta: float,
    spacing_yx: tuple[float, float],
    truncate: float = 4.0,
) -> np.ndarray:
    """The complex Gabor kernel sampled on a voxel grid ``(y, x)`` (see the module docstring).

    .. math::

        h = \\exp\\!\\left(-\\frac{\\tilde x^{2} + \\gamma^{2}\\tilde y^{2}}{2\\sigma^{2}}\\right)
        e^{\\mathrm{i}\\, 2\\pi \\tilde x / \\lambda}

    Parameters
    ----------
    sigma_mm, lambda_mm : float
        Envelope scale and wavelength in mm.
    gamma : float
        Spatial aspect ratio.
    theta : float
        Orientation in radians.
    spacing_yx : tuple of 2 float
        Voxel size along the kernel's ``y`` (rows) and ``x`` (columns), in mm.
    truncate : float
        Half-width in envelope standard deviations along the envelope's wider axis.

    Returns
    -------
    ndarray
        complex128, odd shape ``(2 h_y + 1, 2 h_x + 1)``, centre tap 1.

    Examples
    --------
    >>> k = gabor_kernel(2.0, 4.0, 1.0, 0.0, (1.0, 1.0))
    >>> k.shape, complex(k[8, 8])
    ((17, 17), (1+0j))
    """
    reach = truncate * sigma_mm * max(1.0, 1.0 / gamma)
    sy, sx = (float(s) for s in spacing_yx)
    hy, hx = (max(1, int(math.ceil(reach / s - 1e-9))) for s in (sy, sx))
    y = np.arange(-hy, hy + 1, dtype=np.float64)[:, None] * sy
    x = np.arange(-hx, hx + 1, dtype=np.float64)[None, :] * sx
    c, s = math.cos(theta), math.sin(theta)
    xr = x * c + y * s
    yr = -x * s + y * c
    return np.exp(-(xr * xr + gamma * gamma * yr * yr) / (2.0 * sigma_mm * sigma_mm) + 2j * np.pi * xr / lambda_mm)


def gabor_orientations(theta_deg: float, rotation_invariant: bool, theta_step_deg: float) -> np.ndarray:
    """The orientations (radians) whose responses are pooled.

    :math:`\\theta_0` alone, or :math:`\\theta_0 + k\\Delta\\theta` for
    :math:`k = 0 \\dots 360/\\Delta\\theta - 1` with rotation invariance (the step must divide
    360 degrees).

    Examples
    --------
    >>> np.degrees(gabor_orientations(0.0, True, 90.0)).round(6).tolist()
    [0.0, 90.0, 180.0, 270.0]
    """
    if not rotation_invariant:
        return np.array([math.radians(theta_deg)])
    n = 360.0 / theta_step_deg
    if abs(n - round(n)) > 1e-6:
        raise ConfigError(
            f"theta_step_deg must divide 360 degrees for rotation invariance (e.g. 45 or 22.5), "
            f"got {theta_step_deg!r}."
        )
    return np.radians(theta_deg + theta_step_deg * np.arange(int(round(n))))


def _check_number(name: str, value: object, positive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ConfigError(f"{name} must be a finite number, got {value!r}.")
    if positive and value <= 0:
        raise ConfigError(f"{name} must be positive, got {value!r}.")
    return float(value)


def _part(r: np.ndarray, response: str) -> np.ndarray:
    if response == "modulus":
        return np.abs(r)
    if response == "real":
        return np.ascontiguousarray(r.real)
    if response == "imaginary":
        return np.ascontiguousarray(r.imag)
    return np.angle(r)


def _plane_responses(
    array: np.ndarray,
    normal: int,
    spacing: tuple[float, float, float],
    thetas: np.ndarray,
    params: tuple[float, float, float, float],
    pad_mode: str,
    response: str,
):  # type: ignore[no-untyped-def]
    """Yield the response of each orientation in the planes orthogonal to axis ``normal``."""
    sigma_mm, lambda_mm, gamma, truncate = params
    stack = np.moveaxis(array, normal, 0)  # (slices, a, b): b is the kernel x
    plane_axes = [ax for ax in range(3) if ax != normal]
    sp = (spacing[plane_axes[0]], spacing[plane_axes[1]])
    _, na, nb = stack.shape
    kernels = [gabor_kernel(sigma_mm, lambda_mm, gamma, t, sp, truncate) for t in thetas]
    ha, hb = kernels[0].shape[0] // 2, kernels[0].shape[1] // 2
    padded = np.pad(stack, ((0, 0), (ha, ha), (hb, hb)), mode=pad_mode)
    shape = (fft.next_fast_len(na + 2 * ha), fft.next_fast_len(nb + 2 * hb))
    spectrum = fft.fft2(padded, s=shape, axes=(1, 2), workers=-1)
    for k in kernels:
        # kernel with its centre tap at index (0, 0): the output grid is the padded grid
        embedded = np.zeros(shape, dtype=np.complex128)
        embedded[: k.shape[0], : k.shape[1]] = k
        embedded = np.roll(embedded, (-ha, -hb), axis=(0, 1))
        r = fft.ifft2(spectrum * fft.fft2(embedded), axes=(1, 2), workers=-1)[:, ha : ha + na, hb : hb + nb]
        yield np.moveaxis(_part(r, response), 0, normal)


def gabor_filter(
    image: Image,
    sigma_mm: float,
    lambda_mm: float,
    *,
    gamma: float = 1.0,
    theta_deg: float = 0.0,
    rotation_invariant: bool = False,
    theta_step_deg: float = 45.0,
    pooling: str = "mean",
    response: str = "modulus",
    dimensions: Dimensions = "3D",
    boundary: Boundary = "mirror",
    truncate: float = 4.0,
) -> Image:
    """Gabor response map (IBSI-2 Gabor filter).

    .. math::

        R = \\operatorname*{pool}_{p \\in \\text{planes}}\\;
        \\operatorname*{pool}_{k} \\big| \\tilde I * h_{\\sigma,\\lambda,\\gamma,\\theta_k} \\big|_{p}

    where :math:`h` is the planar Gabor kernel of the module docstring, :math:`\\tilde I` the
    image padded by ``boundary`` in the plane, the planes are the axial slices (``'2D'``) or
    the axial, coronal and sagittal planes (``'3D'``), and :math:`\\theta_k` is
    ``theta_deg`` alone or every ``theta_step_deg`` with rotation invariance.

    Parameters
    ----------
    image : Image
        Input ``(z, y, x)``; not modified.
    sigma_mm : float
        Scale :math:`\\sigma` of the Gaussian envelope, in mm.
    lambda_mm : float
        Wavelength :math:`\\lambda` of the complex sinusoid, in mm.
    gamma : float
        Spatial aspect ratio :math:`\\gamma` (envelope :math:`\\sigma/\\gamma` across the
        sinusoid's direction).
    theta_deg : float
        Orientation :math:`\\theta` in degrees, from ``+x`` towards ``+y``; with rotation
        invariance, the first orientation.
    rotation_invariant : bool
        Pool over the orientations ``theta_deg + k * theta_step_deg`` around the circle.
    theta_step_deg : float
        Orientation step :math:`\\Delta\\theta` in degrees; must divide 360.
    pooling : {'mean', 'max', 'min', 'sum'}
        How the responses of the orientations and of the planes are pooled.
    response : {'modulus', 'real', 'imaginary', 'angle'}
        Part of the complex response (IBSI-2: the modulus).
    dimensions : {'3D', '2D'}
        ``'2D'``: axial slices only; ``'3D'``: the three orthogonal planes, pooled.
    boundary : {'mirror', 'constant', 'nearest', 'periodic'}
        IBSI-2 boundary condition, applied in each plane.
    truncate : float
        Kernel half-width in envelope standard deviations (see the module docstring).

    Returns
    -------
    Image
        float64 response map on the grid of ``image`` with
        ``ProcessingStep('gabor_filter', {...})`` appended.

    Raises
    ------
    ConfigError
        A non-positive ``sigma_mm``, ``lambda_mm``, ``gamma``, ``theta_step_deg`` or
        ``truncate``; a step that does not divide 360 degrees; an unknown pooling,
        response, dimensions or boundary.
    DimensionalityError
        ``dimensions='3D'`` on a single-slice image.

    References
    ----------
    Depeursinge A. et al., IBSI-2, arXiv:2006.05470; reference maps 4.A1, 4.A2 (impulse)
    and 4.B1, 4.B2 (sphere).

    Examples
    --------
    >>> import numpy as np
    >>> from radiome.io import Image
    >>> a = np.zeros((1, 21, 21)); a[0, 10, 10] = 1.0
    >>> r = gabor_filter(Image(a), 2.0, 4.0, dimensions="2D", boundary="constant")
    >>> round(float(r.array.max()), 6)
    1.0
    """
    sigma = _check_number("sigma_mm", sigma_mm)
    lam = _check_number("lambda_mm", lambda_mm)
    gam = _check_number("gamma", gamma)
    step = _check_number("theta_step_deg", theta_step_deg)
    trunc = _check_number("truncate", truncate)
    theta0 = _check_number("theta_deg", theta_deg, positive=False)
    if pooling not in _POOLING:
        raise ConfigError(f"pooling must be one of {_POOLING}, got {pooling!r}.")
    if response not in _RESPONSES:
        raise ConfigError(f"response must be one of {_RESPONSES} (IBSI-2 uses 'modulus'), got {response!r}.")
    check_image(image, dimensions, boundary)
    thetas = gabor_orientations(theta0, bool(rotation_invariant), step)
    weight = 1.0
    if len(thetas) > 1 and len(thetas) % 2 == 0 and response in ("modulus", "real"):
        thetas = thetas[: len(thetas) // 2]  # theta + pi gives the conjugate response
        weight = 2.0
    normals = (0,) if dimensions == "2D" else (0, 1, 2)
    pooled: np.ndarray | None = None
    count = 0
    for normal in normals:
        for r in _plane_responses(
            image.array, normal, image.spacing, thetas, (sigma, lam, gam, trunc), _PAD_MODES[boundary], response
        ):
            count += 1
            if pooled is None:
                pooled = r
            elif pooling == "max":
                np.maximum(pooled, r, out=pooled)
            elif pooling == "min":
                np.minimum(pooled, r, out=pooled)
            else:
                np.add(pooled, r, out=pooled)
    assert pooled is not None
    if pooling == "mean":
        pooled /= count
    elif pooling == "sum":
        pooled *= weight
    params = {
        "sigma_mm": sigma,
        "lambda_mm": lam,
        "gamma": gam,
        "theta_deg": theta0,
        "rotation_invariant": bool(rotation_invariant),
        "theta_step_deg": step,
        "pooling": pooling,
        "response": response,
        "dimensions": dimensions,
        "boundary": boundary,
        "truncate": trunc,
    }
    return response_map(image, pooled, "gabor_filter", params)
