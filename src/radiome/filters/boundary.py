"""Boundary conditions and separable convolution shared by the IBSI-2 filters.

The IBSI-2 manual (Depeursinge et al., arXiv:2006.05470, "Padding" and "Convolution") defines
a response map as the discrete convolution of the image with a kernel, after padding the image
by one of four boundary conditions. They map onto :mod:`scipy.ndimage` modes as follows
(``|`` marks the image border, the image being ``a b c d``):

============  ====================================  ===================  =================
IBSI-2        padding                               example              scipy.ndimage
============  ====================================  ===================  =================
constant      zero padding                          ``0 0 | a b c d``    ``"constant"``
nearest       replicate the edge voxel              ``a a | a b c d``    ``"nearest"``
periodic      wrap around (periodisation)           ``c d | a b c d``    ``"wrap"``
mirror        symmetric, edge voxel repeated        ``b a | a b c d``    ``"reflect"``
============  ====================================  ===================  =================

Beware that scipy's own ``"mirror"`` mode does *not* repeat the edge voxel (``c b | a b c d``);
IBSI ``mirror`` is scipy ``"reflect"``, checked against IBSI-2 test 1.A4.

Filters are applied either in 3D, or slice by slice in 2D (``dimensions="2D"``: only the
in-plane ``y`` and ``x`` axes are filtered, the slices never mix). Every kernel used by the
mean, Laplacian-of-Gaussian and Laws filters is separable (an outer product of 1D kernels,
or a sum of such products), so the filters are computed as cascades of 1D convolutions with
:func:`scipy.ndimage.convolve1d` (cost linear in the kernel length instead of cubic).
Hand-written because scipy has no notion of the IBSI boundary names, of by-slice filtering on
``(z, y, x)`` volumes or of a sum of separable terms; the per-voxel work is all scipy.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from scipy import ndimage

from radiome.errors import ConfigError, DimensionalityError
from radiome.io.image import Image, ProcessingStep

__all__ = [
    "Boundary",
    "Dimensions",
    "BOUNDARY_MODES",
    "scipy_mode",
    "filter_axes",
    "check_image",
    "convolve_separable",
    "convolve_separable_sum",
    "local_mean",
    "response_map",
]

Boundary = Literal["constant", "nearest", "periodic", "mirror"]
Dimensions = Literal["2D", "3D"]

#: IBSI-2 boundary condition -> :mod:`scipy.ndimage` mode.
BOUNDARY_MODES: Mapping[str, str] = {
    "constant": "constant",
    "nearest": "nearest",
    "periodic": "wrap",
    "mirror": "reflect",
}

_DIMENSIONS = ("2D", "3D")


def _suggest(value: object, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(value), list(options), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def scipy_mode(boundary: str) -> str:
    """The :mod:`scipy.ndimage` mode of an IBSI-2 boundary condition.

    Parameters
    ----------
    boundary : {'constant', 'nearest', 'periodic', 'mirror'}
        IBSI-2 boundary condition (see the module docstring).

    Raises
    ------
    ConfigError
        For any other name (scipy names such as ``'reflect'`` or ``'wrap'`` are refused, so
        that ``'mirror'`` can only mean the IBSI condition).

    Examples
    --------
    >>> scipy_mode("mirror")
    'reflect'
    """
    try:
        return BOUNDARY_MODES[boundary]
    except (KeyError, TypeError):
        raise ConfigError(
            f"boundary must be one of {sorted(BOUNDARY_MODES)} (IBSI-2 boundary conditions), "
            f"got {boundary!r}.{_suggest(boundary, list(BOUNDARY_MODES))}"
        ) from None


def filter_axes(dimensions: str) -> tuple[int, ...]:
    """The array axes a filter runs along: ``(1, 2)`` (y, x) for ``'2D'``, ``(0, 1, 2)`` for ``'3D'``."""
    if dimensions == "3D":
        return (0, 1, 2)
    if dimensions == "2D":
        return (1, 2)
    raise ConfigError(
        f"dimensions must be '2D' (slice by slice) or '3D', got {dimensions!r}."
        f"{_suggest(str(dimensions).upper(), _DIMENSIONS)}"
    )


def check_image(image: Image, dimensions: str, boundary: str) -> tuple[tuple[int, ...], str]:
    """Validate the common arguments of a filter; return its axes and scipy mode.

    Raises
    ------
    TypeError
        ``image`` is not a :class:`radiome.io.Image`.
    ConfigError
        Unknown ``dimensions`` or ``boundary``.
    DimensionalityError
        A 3D filter asked of a 2D (single-slice) image.
    """
    if not isinstance(image, Image):
        raise TypeError(
            f"image must be a radiome.io.Image, got {type(image).__name__}; wrap an array with "
            "Image(array, spacing=(z, y, x)) or read one with radiome.io.read_image()."
        )
    axes = filter_axes(dimensions)
    mode = scipy_mode(boundary)
    if dimensions == "3D" and (image.is_2d or image.shape[0] == 1):
        raise DimensionalityError(
            f"a 3D filter needs a 3D image, and this image has a single slice (shape {image.shape}); "
            "use dimensions='2D'."
        )
    return axes, mode


def convolve_separable(
    array: np.ndarray, kernels: Mapping[int, np.ndarray], mode: str
) -> np.ndarray:
    """Convolve ``array`` with the outer product of 1D ``kernels`` (one per axis).

    .. math::

        R(\\mathbf{i}) = \\sum_{\\mathbf{k}} \\Big(\\prod_{a} h_a(k_a)\\Big)\\,
        I(\\mathbf{i} + \\mathbf{c} - \\mathbf{k})

    where :math:`h_a` is the 1D kernel of axis :math:`a` and :math:`c_a = \\lfloor
    \\mathrm{len}(h_a)/2 \\rfloor` its centre tap. This is a true convolution (the kernel is
    flipped), as IBSI-2 defines it; use a reversed kernel for a correlation.

    Parameters
    ----------
    array : ndarray
        Input ``(z, y, x)``; never modified.
    kernels : mapping of int to 1D ndarray
        Axis -> kernel. Axes left out are not filtered.
    mode : str
        :mod:`scipy.ndimage` boundary mode (see :func:`scipy_mode`).

    Returns
    -------
    ndarray
        float64, same shape as ``array``.
    """
    out = np.asarray(array, dtype=np.float64)
    for axis in sorted(kernels):
        w = np.asarray(kernels[axis], dtype=np.float64)
        if w.ndim != 1 or w.size == 0:
            raise ValueError(f"kernel for axis {axis} must be a non-empty 1D array, got shape {w.shape}")
        out = ndimage.convolve1d(out, w, axis=axis, mode=mode, cval=0.0, output=np.float64)
    if out is array:
        out = out.copy()
    return out


def convolve_separable_sum(
    array: np.ndarray, terms: Sequence[Mapping[int, np.ndarray]], mode: str
) -> np.ndarray:
    """Convolve with a sum of separable kernels: :math:`\\sum_t \\bigotimes_a h_{t,a}`.

    Each term is a mapping axis -> 1D kernel as in :func:`convolve_separable`. Used for
    kernels such as the Laplacian of Gaussian, a sum of one second-derivative term per axis.
    """
    total: np.ndarray | None = None
    for term in terms:
        r = convolve_separable(array, term, mode)
        total = r if total is None else np.add(total, r, out=total)
    if total is None:
        raise ValueError("terms must hold at least one separable kernel")
    return total


def local_mean(array: np.ndarray, size: int, axes: Sequence[int], mode: str) -> np.ndarray:
    """Mean over a ``size``-voxel cube (or square, for two axes) centred on each voxel.

    .. math::

        R(\\mathbf{i}) = \\frac{1}{M^{d}} \\sum_{\\mathbf{k} \\in \\{-\\delta..\\delta\\}^{d}}
        I(\\mathbf{i} + \\mathbf{k}), \\qquad M = 2\\delta + 1

    computed as ``d`` running means along the axes (:func:`scipy.ndimage.uniform_filter1d`),
    the image being padded by ``mode`` outside. ``size`` must be odd so that the neighbourhood
    is centred.
    """
    out = np.asarray(array, dtype=np.float64)
    for axis in axes:
        out = ndimage.uniform_filter1d(out, size=int(size), axis=axis, mode=mode, cval=0.0, output=np.float64)
    if out is array:
        out = out.copy()
    return out


def response_map(image: Image, array: np.ndarray, name: str, params: Mapping[str, Any]) -> Image:
    """A response map on the grid of ``image``, with ``ProcessingStep(name, params)`` appended.

    The modality is kept (the map is derived from it) but intensities are filter responses,
    not HU or SUV; ``metadata['response_map']`` names the filter.
    """
    metadata = dict(image.metadata)
    metadata["response_map"] = name
    return image.with_array(
        np.asarray(array, dtype=np.float64), ProcessingStep(name, dict(params)), metadata=metadata
    )
