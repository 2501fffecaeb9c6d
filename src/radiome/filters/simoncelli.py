"""IBSI-2 non-separable wavelets (Simoncelli) and Riesz transforms of the LoG and Simoncelli filters.

Both filters are defined in the Fourier domain (IBSI-2, arXiv:2006.05470, sections
"Non-separable wavelets", "Riesz transform"), as transfer functions of the normalised
frequency :math:`\\boldsymbol\\nu` (in units of the Nyquist frequency, isotropic voxels as
IBSI-2 assumes).

**Simoncelli wavelet**, decomposition level :math:`j` (1 is the highest-frequency band),
with :math:`\\nu_{\\max} = 2^{1-j}`:

.. math::

    \\hat\\psi_j(\\boldsymbol\\nu) = \\begin{cases}
    \\cos\\!\\left(\\frac{\\pi}{2}\\log_2\\frac{2\\lVert\\boldsymbol\\nu\\rVert}{\\nu_{\\max}}\\right)
    & \\nu_{\\max}/4 \\le \\lVert\\boldsymbol\\nu\\rVert \\le \\nu_{\\max} \\\\
    0 & \\text{otherwise.} \\end{cases}

**Riesz transform** of order :math:`\\mathbf{l} = (l_x, l_y, l_z)`, :math:`L = \\sum l_a`,
applied on top of another filter (a Laplacian of Gaussian or a Simoncelli wavelet):

.. math::

    \\hat R^{\\mathbf{l}}(\\boldsymbol\\nu) = (-\\mathrm{i})^{L}
    \\sqrt{\\frac{L!}{\\prod_a l_a!}}\\; \\frac{\\prod_a \\nu_a^{l_a}}{\\lVert\\boldsymbol\\nu\\rVert^{L}},
    \\qquad \\hat R^{\\mathbf{l}}(\\mathbf 0) = 0.

Orders are given in the IBSI order ``(x, y, z)`` (``x`` is the last array axis), ``(x, y)``
when filtering slice by slice. The response map is the real part of the filtered image.

Frequency grid. Along an axis of :math:`P` samples the transfer functions are evaluated at
:math:`\\nu_i = (i - c)/c`, :math:`c = (P-1)/2`, :math:`i = 0 \\dots P-1` (a centred grid
spanning :math:`[-1, 1]`), moved to FFT order with ``ifftshift``. This is the convention of
the IBSI-2 consensus maps: 8.A2 and 8.A3 are reproduced to 1e-7 of their range with it,
whereas the exact DFT frequencies :math:`2k/P` deviate from them by 2.5% and 8% (beyond the
1% tolerance; measured on the checkerboard phantom). For even :math:`P` this grid has no
exact zero, so the transfer functions are not exactly Hermitian: the real part of the
response is computed as the filtering with the Hermitian part
:math:`\\tfrac12\\big(\\hat H(\\boldsymbol\\nu_k) + \\overline{\\hat H(\\boldsymbol\\nu_{-k})}\\big)`
(a real FFT, half the memory), and the transfer function is set to 0 at the zero frequency,
where both filters vanish by definition (otherwise the mean of the image would leak into
coarse levels on small even grids: the DC sample sits at :math:`\\lVert\\boldsymbol\\nu\\rVert =
\\sqrt{d}/(P-1)`). This changes none of the reference maps.

Boundary conditions. ``'periodic'`` filters the image grid itself (the DFT is periodic).
Any other condition pads every filtered axis by half its length on each side (at least the
LoG kernel's half-width) with that condition, filters the padded image, and crops; this
reproduces the reference maps 9.A, 9.B1 (constant) and 10.B1 (nearest) within 0.15% of
their range. The Laplacian of Gaussian of the Riesz-LoG filter is the sampled IBSI kernel of
:mod:`radiome.filters.log` (same support and normalisation), multiplied in the Fourier
domain by its exact DFT on the padded grid.

Structure-tensor steering of Riesz filters (the "aligned" IBSI-2 variants 9.B2, 10.A,
10.B2) is not implemented. Hand-written because no library provides these transfer
functions with the IBSI conventions; the voxel work is :mod:`scipy.fft`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np
from scipy import fft

from radiome.errors import ConfigError
from radiome.filters.boundary import Boundary, Dimensions, check_image, response_map
from radiome.filters.log import log_kernel_1d
from radiome.io.image import Image

__all__ = [
    "simoncelli_filter",
    "riesz_log_filter",
    "centred_frequency_grid",
    "simoncelli_transfer",
    "riesz_transfer",
]

#: IBSI-2 boundary condition -> :func:`numpy.pad` mode.
_PAD_MODES = {"constant": "constant", "nearest": "edge", "periodic": "wrap", "mirror": "symmetric"}

Transfer = Callable[[list[np.ndarray]], np.ndarray]


def centred_frequency_grid(n: int) -> np.ndarray:
    """Normalised frequencies of an axis of ``n`` samples in FFT order (IBSI-2 convention).

    .. math:: \\nu_i = \\frac{i - c}{c}, \\quad c = \\frac{n - 1}{2}

    moved to FFT order by ``ifftshift`` (see the module docstring); 1 is the Nyquist
    frequency.

    Examples
    --------
    >>> centred_frequency_grid(5).tolist()
    [0.0, 0.5, 1.0, -1.0, -0.5]
    """
    if n < 2:
        return np.zeros(max(n, 0))
    c = (n - 1) / 2.0
    return np.fft.ifftshift((np.arange(n, dtype=np.float64) - c) / c)


def _norm(nu: list[np.ndarray]) -> np.ndarray:
    r2 = nu[0] * nu[0]
    for v in nu[1:]:
        r2 = r2 + v * v
    return np.sqrt(r2)


def simoncelli_transfer(nu: list[np.ndarray], level: int) -> np.ndarray:
    """The Simoncelli transfer function of ``level`` at frequencies ``nu`` (broadcastable, per axis).

    .. math::

        \\hat\\psi_j(\\boldsymbol\\nu) = \\cos\\!\\left(\\frac{\\pi}{2}
        \\log_2\\frac{2\\lVert\\boldsymbol\\nu\\rVert}{\\nu_{\\max}}\\right)
        \\ \\text{on}\\ \\nu_{\\max}/4 \\le \\lVert\\boldsymbol\\nu\\rVert \\le \\nu_{\\max},
        \\quad \\nu_{\\max} = 2^{1-j}

    Examples
    --------
    >>> float(simoncelli_transfer([np.array(0.5)], 1))
    1.0
    """
    r = _norm(nu)
    top = 2.0 ** (1 - level)
    band = (r >= top / 4.0) & (r <= top)
    out = np.zeros(r.shape)
    out[band] = np.cos(0.5 * np.pi * np.log2(2.0 * r[band] / top))
    return out


def _riesz_parts(nu: list[np.ndarray], order: Sequence[int]) -> tuple[np.ndarray, complex]:
    """The Riesz transfer function as a real array times a unit phase :math:`(-\\mathrm{i})^L`."""
    total = int(sum(order))
    r2 = nu[0] * nu[0]
    for v in nu[1:]:
        r2 = r2 + v * v
    num: np.ndarray | float = 1.0
    for v, l in zip(nu, order):
        if l:
            num = num * v**l  # per-axis arrays: cheap until broadcast
    denom = r2 ** (total // 2)
    if total % 2:
        denom = denom * np.sqrt(r2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.asarray(num / denom, dtype=np.float64)
    ratio[np.broadcast_to(r2 == 0, ratio.shape)] = 0.0
    scale = math.sqrt(math.factorial(total) / math.prod(math.factorial(int(l)) for l in order))
    return ratio * scale, (-1j) ** total


def riesz_transfer(nu: list[np.ndarray], order: Sequence[int]) -> np.ndarray:
    """The Riesz transfer function of ``order`` (one entry per axis of ``nu``), 0 at the origin.

    .. math::

        \\hat R^{\\mathbf{l}}(\\boldsymbol\\nu) = (-\\mathrm{i})^{L}
        \\sqrt{\\frac{L!}{\\prod_a l_a!}}\\;
        \\frac{\\prod_a \\nu_a^{l_a}}{\\lVert\\boldsymbol\\nu\\rVert^{L}}

    Examples
    --------
    >>> complex(riesz_transfer([np.array(0.0), np.array(2.0)], (0, 1)))
    -1j
    """
    ratio, phase = _riesz_parts(nu, order)
    return phase * ratio


def _fourier_filter(
    array: np.ndarray,
    axes: tuple[int, ...],
    boundary: str,
    transfer: Transfer,
    phase: complex = 1.0,
    min_pad: Sequence[int] | None = None,
    hermitian_factor: Callable[[tuple[int, ...], int], np.ndarray] | None = None,
) -> np.ndarray:
    """Real part of ``array`` filtered along ``axes`` by ``phase * transfer`` on the centred grid.

    ``transfer`` maps per-axis broadcastable frequency arrays to a real array (a new one),
    ``phase`` is 1, -1, i or -i;
    ``hermitian_factor(padded_shape, n_last)`` is an extra, exactly Hermitian (real, even)
    factor on the real-FFT half spectrum. The image is padded by half its length per axis
    (at least ``min_pad``) unless ``boundary`` is periodic, then cropped back.
    """
    n = [array.shape[a] for a in axes]
    if boundary == "periodic":
        pads = [0] * len(axes)
    else:
        pads = [max(k // 2, int(m)) for k, m in zip(n, min_pad or [0] * len(axes))]
    widths = [(0, 0)] * array.ndim
    for a, p in zip(axes, pads):
        widths[a] = (p, p)
    padded = np.pad(array, widths, mode=_PAD_MODES[boundary]) if any(pads) else np.asarray(array, np.float64)
    shape = tuple(padded.shape[a] for a in axes)
    n_last = shape[-1] // 2 + 1
    nd = padded.ndim

    def grids(sign: int) -> list[np.ndarray]:
        out = []
        for i, (a, p) in enumerate(zip(axes, shape)):
            idx = np.arange(n_last if i == len(axes) - 1 else p)
            v = centred_frequency_grid(p)[(sign * idx) % p]
            out.append(v.reshape([-1 if ax == a else 1 for ax in range(nd)]))
        return out

    # Hermitian part of phase * A: phase * (A(k) + A(-k)) / 2, or (A(k) - A(-k)) / 2 when the
    # phase is imaginary (A is real)
    sign = 1.0 if phase.imag == 0 else -1.0
    h = transfer(grids(1))
    h += sign * transfer(grids(-1))
    h *= 0.5
    h[(0,) * nd] = 0.0  # both transfer functions vanish at the zero frequency
    if hermitian_factor is not None:
        h *= hermitian_factor(shape, n_last)
    spectrum = fft.rfftn(padded, axes=axes, workers=-1)
    spectrum *= h
    if phase != 1:
        spectrum *= phase
    out = fft.irfftn(spectrum, s=shape, axes=axes, workers=-1)
    crop = [slice(None)] * nd
    for a, p, k in zip(axes, pads, n):
        crop[a] = slice(p, p + k)
    return np.ascontiguousarray(out[tuple(crop)])


def _check_level(level: object) -> int:
    if isinstance(level, bool) or not isinstance(level, numbers.Integral) or level < 1:
        raise ConfigError(f"level must be an integer >= 1 (1: the highest-frequency band), got {level!r}.")
    return int(level)


def _check_order(order: object, n_axes: int, required: bool) -> tuple[int, ...] | None:
    if order is None and not required:
        return None
    names = "(l_x, l_y, l_z)" if n_axes == 3 else "(l_x, l_y)"
    if (
        not isinstance(order, Sequence)
        or isinstance(order, str)
        or len(order) != n_axes
        or any(isinstance(l, bool) or not isinstance(l, numbers.Integral) or l < 0 for l in order)
    ):
        raise ConfigError(
            f"riesz_order must be {n_axes} non-negative integers {names}, in the order x, y"
            f"{', z' if n_axes == 3 else ''} (e.g. {(1, 0, 0)[:n_axes]}); got {order!r}."
        )
    if required and sum(order) == 0:
        raise ConfigError(f"riesz_order must have at least one non-zero order, got {tuple(order)!r}.")
    return tuple(int(l) for l in order)


def _to_axes(order_xyz: tuple[int, ...]) -> tuple[int, ...]:
    """Orders given (x, y[, z]) -> orders in array axis order (z,) y, x."""
    return tuple(reversed(order_xyz))


def simoncelli_filter(
    image: Image,
    level: int = 1,
    *,
    dimensions: Dimensions = "3D",
    boundary: Boundary = "periodic",
    riesz_order: Sequence[int] | None = None,
) -> Image:
    """Simoncelli non-separable wavelet response map, optionally Riesz-transformed (IBSI-2).

    .. math::

        R = \\operatorname{Re}\\, \\mathcal F^{-1}\\big[\\hat\\psi_j \\,
        \\hat R^{\\mathbf{l}}\\, \\mathcal F \\tilde I\\big]

    with :math:`\\hat\\psi_j` the Simoncelli band of level :math:`j`, :math:`\\hat R^{\\mathbf l}`
    the Riesz transform (identity without ``riesz_order``) and :math:`\\tilde I` the image
    (padded unless ``boundary`` is periodic); see the module docstring for the frequency grid.

    Parameters
    ----------
    image : Image
        Input ``(z, y, x)``; not modified.
    level : int
        Decomposition level :math:`j \\ge 1`: band :math:`[2^{-1-j}, 2^{1-j}]` of the
        Nyquist frequency.
    dimensions : {'3D', '2D'}
        ``'3D'`` filters the volume; ``'2D'`` each slice.
    boundary : {'periodic', 'mirror', 'constant', 'nearest'}
        ``'periodic'`` (the IBSI-2 tests 8.A) filters the image grid itself; the others pad
        by half the image size per axis.
    riesz_order : sequence of int, optional
        Riesz transform orders ``(l_x, l_y, l_z)`` (``(l_x, l_y)`` in 2D), IBSI order
        ``x, y, z``; e.g. ``(0, 2, 0)`` for IBSI-2 test 10.B1.

    Returns
    -------
    Image
        float64 response map on the grid of ``image`` with
        ``ProcessingStep('simoncelli_filter', {...})`` appended.

    Raises
    ------
    ConfigError
        ``level`` < 1, malformed ``riesz_order``, unknown dimensions or boundary.
    DimensionalityError
        ``dimensions='3D'`` on a single-slice image.

    References
    ----------
    Depeursinge A. et al., IBSI-2, arXiv:2006.05470; reference maps 8.A1-8.A3, 10.B1.
    Portilla J., Simoncelli E. P., Int J Comput Vis 2000;40:49-70.

    Examples
    --------
    >>> import numpy as np
    >>> from radiome.io import Image
    >>> flat = Image(np.full((8, 8, 8), 2.0))
    >>> bool(np.allclose(simoncelli_filter(flat, 1).array, 0.0))
    True
    """
    lev = _check_level(level)
    axes, _ = check_image(image, dimensions, boundary)
    order = _check_order(riesz_order, len(axes), required=False)
    if order is not None and sum(order) == 0:
        order = None

    phase = 1.0 if order is None else (-1j) ** sum(order)

    def transfer(nu: list[np.ndarray]) -> np.ndarray:
        h = simoncelli_transfer(nu, lev)
        if order is not None:
            h *= _riesz_parts(nu, _to_axes(order))[0]
        return h

    out = _fourier_filter(image.array, axes, boundary, transfer, phase=phase)
    params = {
        "level": lev,
        "dimensions": dimensions,
        "boundary": boundary,
        "riesz_order": order,
    }
    return response_map(image, out, "simoncelli_filter", params)


def _log_dft(
    spacing: Sequence[float], sigma_mm: float, truncate: float, axes: tuple[int, ...], nd: int
) -> tuple[Callable[[tuple[int, ...], int], np.ndarray], int]:
    """The exact DFT of the IBSI LoG kernel (a sum of separable terms) on a padded grid."""
    sp = np.array([spacing[a] for a in axes], dtype=np.float64)
    s_ref = float(np.exp(np.mean(np.log(sp))))
    taps = []
    for s in sp:
        g, g2 = log_kernel_1d(sigma_mm / float(s), truncate)
        taps.append((g, g2 * (s_ref / float(s)) ** 2))
    half = max((len(g) - 1) // 2 for g, _ in taps)

    def factor(shape: tuple[int, ...], n_last: int) -> np.ndarray:
        ft = []
        for i, ((g, g2), p) in enumerate(zip(taps, shape)):
            u = np.arange(len(g)) - (len(g) - 1) // 2
            f = np.arange(n_last if i == len(axes) - 1 else p)
            c = np.cos(2.0 * np.pi * np.outer(f, u) / p)  # symmetric taps: real, even DFT
            view = [-1 if ax == axes[i] else 1 for ax in range(nd)]
            ft.append(((c @ g).reshape(view), (c @ g2).reshape(view)))
        total = None
        for i in range(len(axes)):
            term = ft[i][1]
            for j in range(len(axes)):
                if j != i:
                    term = term * ft[j][0]
            total = term if total is None else total + term
        return total  # type: ignore[return-value]

    return factor, half


def riesz_log_filter(
    image: Image,
    sigma_mm: float,
    riesz_order: Sequence[int],
    *,
    truncate: float = 4.0,
    dimensions: Dimensions = "3D",
    boundary: Boundary = "mirror",
) -> Image:
    """Riesz-transformed Laplacian-of-Gaussian response map (IBSI-2 tests 9.A, 9.B1).

    .. math::

        R = \\operatorname{Re}\\, \\mathcal F^{-1}\\big[\\hat R^{\\mathbf{l}} \\,
        \\hat h_{\\mathrm{LoG}} \\, \\mathcal F \\tilde I\\big]

    with :math:`\\hat h_{\\mathrm{LoG}}` the DFT of the IBSI LoG kernel of scale ``sigma_mm``
    (see :func:`radiome.filters.log.laplacian_of_gaussian`) and :math:`\\hat R^{\\mathbf l}`
    the Riesz transform of the module docstring.

    Parameters
    ----------
    image : Image
        Input ``(z, y, x)``; not modified.
    sigma_mm : float
        LoG scale :math:`\\sigma` in mm.
    riesz_order : sequence of int
        Orders ``(l_x, l_y, l_z)`` (``(l_x, l_y)`` in 2D), IBSI order ``x, y, z``, not all
        zero; e.g. ``(1, 0, 0)`` for test 9.A, ``(0, 2, 0)`` for 9.B1.
    truncate : float
        LoG kernel cut-off in units of :math:`\\sigma` (support
        :math:`1 + 2\\lfloor t\\sigma + 0.5\\rfloor` voxels).
    dimensions : {'3D', '2D'}
        ``'3D'`` filters the volume; ``'2D'`` each slice.
    boundary : {'mirror', 'constant', 'nearest', 'periodic'}
        IBSI-2 boundary condition; non-periodic ones pad by half the image size per axis
        (at least the kernel half-width).

    Returns
    -------
    Image
        float64 response map on the grid of ``image`` with
        ``ProcessingStep('riesz_log_filter', {...})`` appended.

    Raises
    ------
    ConfigError
        Non-positive ``sigma_mm`` or ``truncate``, malformed or all-zero ``riesz_order``,
        unknown dimensions or boundary.
    DimensionalityError
        ``dimensions='3D'`` on a single-slice image.

    Examples
    --------
    >>> import numpy as np
    >>> from radiome.io import Image
    >>> flat = Image(np.full((9, 9, 9), 1.0))
    >>> r = riesz_log_filter(flat, 1.0, (1, 0, 0), boundary="nearest")
    >>> bool(np.allclose(r.array, 0.0, atol=1e-9))
    True
    """
    axes, _ = check_image(image, dimensions, boundary)
    for name, value in (("sigma_mm", sigma_mm), ("truncate", truncate)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
            raise ConfigError(f"{name} must be a positive finite number, got {value!r}.")
    order = _check_order(riesz_order, len(axes), required=True)
    assert order is not None
    axis_order = _to_axes(order)
    factor, half = _log_dft(image.spacing, float(sigma_mm), float(truncate), axes, image.array.ndim)
    out = _fourier_filter(
        image.array,
        axes,
        boundary,
        lambda nu: _riesz_parts(nu, axis_order)[0],
        phase=(-1j) ** sum(order),
        min_pad=[half] * len(axes),
        hermitian_factor=factor,
    )
    params = {
        "sigma_mm": float(sigma_mm),
        "riesz_order": order,
        "truncate": float(truncate),
        "dimensions": dimensions,
        "boundary": boundary,
    }
    return response_map(image, out, "riesz_log_filter", params)
