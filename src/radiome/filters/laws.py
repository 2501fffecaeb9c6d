"""The IBSI-2 Laws kernels, energy maps and rotation invariance.

Laws kernels (Laws 1980; IBSI-2, arXiv:2006.05470, section "Laws kernels") are outer products
of 1D kernels, named by concatenation: ``'E5L5S5'`` is :math:`E5` along ``x``, :math:`L5`
along ``y`` and :math:`S5` along ``z`` (the first name is the ``x`` axis, the last array
axis); ``'L5S5'`` is a 2D kernel, :math:`L5` along ``x`` and :math:`S5` along ``y``. The 1D
kernels are normalised to unit Euclidean norm, as IBSI-2 prescribes (so that the response
does not depend on the kernel's integer scaling):

=====  =========================  ======================
name   integer taps               normalisation factor
=====  =========================  ======================
L3     1, 2, 1                    :math:`1/\\sqrt{6}`
E3     -1, 0, 1                   :math:`1/\\sqrt{2}`
S3     -1, 2, -1                  :math:`1/\\sqrt{6}`
L5     1, 4, 6, 4, 1              :math:`1/\\sqrt{70}`
E5     -1, -2, 0, 2, 1            :math:`1/\\sqrt{10}`
S5     -1, 0, 2, 0, -1            :math:`1/\\sqrt{6}`
W5     -1, 2, 0, -2, 1            :math:`1/\\sqrt{10}`
R5     1, -4, 6, -4, 1            :math:`1/\\sqrt{70}`
=====  =========================  ======================

The response map is the convolution (kernel flipped) of the padded image with the kernel.
Rotation invariance pools the responses of the kernel under every right-angle rotation of
the grid: the 24 rotations of the cube in 3D (signed axis permutations with determinant +1)
and the 4 rotations of the square in 2D. For a separable kernel a rotation only moves each
1D kernel to another axis, flipped when the axis is reversed, so every rotated response is
again a cascade of 1D convolutions. Rotations that give the same kernel are counted once (the
group mean equals the mean over the distinct kernels, each being reached equally often), and
since every Laws kernel is symmetric (L, S, R) or antisymmetric (E, W), a reversed kernel is
at most a sign change: each axis permutation is convolved once and its negative reused, so a
3D rotation-invariant map costs 6 separable convolutions, not 24.
The energy map is the mean absolute value of the (pooled) response in a
:math:`(2\\delta+1)^d` neighbourhood, with the same boundary condition and dimensionality;
pooling comes first and the energy is taken of the pooled map (pooling the energy maps of the
rotated kernels instead misses the IBSI-2 maps 3.A3 and 3.B3 by about 50% of their range).
Hand-written because no library provides Laws kernels with the IBSI conventions; the voxel
work is scipy's 1D convolution and running mean.
"""

from __future__ import annotations

import itertools
import numbers
import re
from typing import Literal

import numpy as np

from radiome.errors import ConfigError
from radiome.filters.boundary import (
    Boundary,
    Dimensions,
    check_image,
    convolve_separable,
    local_mean,
    response_map,
)
from radiome.io.image import Image

__all__ = ["laws_filter", "LAWS_KERNELS", "laws_kernel_1d", "parse_laws_kernels", "rotated_kernel_sets"]

_INTEGER_TAPS: dict[str, tuple[float, ...]] = {
    "L3": (1.0, 2.0, 1.0),
    "E3": (-1.0, 0.0, 1.0),
    "S3": (-1.0, 2.0, -1.0),
    "L5": (1.0, 4.0, 6.0, 4.0, 1.0),
    "E5": (-1.0, -2.0, 0.0, 2.0, 1.0),
    "S5": (-1.0, 0.0, 2.0, 0.0, -1.0),
    "W5": (-1.0, 2.0, 0.0, -2.0, 1.0),
    "R5": (1.0, -4.0, 6.0, -4.0, 1.0),
}

#: The normalised 1D Laws kernels (unit Euclidean norm), by name.
LAWS_KERNELS: dict[str, np.ndarray] = {}
for _name, _taps in _INTEGER_TAPS.items():
    _k = np.asarray(_taps, dtype=np.float64)
    _k = _k / np.sqrt(np.sum(_k * _k))
    _k.setflags(write=False)
    LAWS_KERNELS[_name] = _k
del _name, _taps, _k


def laws_kernel_1d(name: str) -> np.ndarray:
    """The normalised 1D Laws kernel ``name`` (``'L5'``, ``'E3'``, ...): :math:`k/\\lVert k\\rVert_2`."""
    try:
        return LAWS_KERNELS[name.upper()]
    except (KeyError, AttributeError):
        raise ConfigError(
            f"unknown Laws kernel {name!r}; choose among {sorted(LAWS_KERNELS)}."
        ) from None


def parse_laws_kernels(kernels: str, dimensions: str) -> tuple[str, ...]:
    """Split a Laws kernel name (``'E5L5S5'``) into its 1D names, checked against ``dimensions``.

    The names are returned in the order given, i.e. ``(x, y[, z])``.
    """
    if not isinstance(kernels, str):
        raise ConfigError(f"kernels must be a string such as 'E5L5S5' (3D) or 'L5S5' (2D), got {kernels!r}.")
    spec = kernels.strip().upper()
    parts = re.findall(r"[A-Z]\d", spec)
    if "".join(parts) != spec or not parts:
        raise ConfigError(
            f"kernels {kernels!r} is not a sequence of 1D Laws kernel names such as 'E5L5S5'; "
            f"the names are {sorted(LAWS_KERNELS)}."
        )
    for p in parts:
        laws_kernel_1d(p)
    n = 3 if dimensions == "3D" else 2
    if len(parts) != n:
        raise ConfigError(
            f"kernels {kernels!r} names {len(parts)} 1D kernels but dimensions={dimensions!r} needs {n} "
            f"(one per axis x, y{', z' if n == 3 else ''}), e.g. {'E5L5S5' if n == 3 else 'L5S5'!r}."
        )
    return tuple(parts)


def _rotations(n: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Right-angle rotations of an ``n``-D grid as (permutation, signs) with determinant +1.

    Rotation ``R`` maps axis ``i`` onto axis ``perm[i]`` with direction ``signs[i]``.
    """
    out = []
    for perm in itertools.permutations(range(n)):
        for signs in itertools.product((1, -1), repeat=n):
            m = np.zeros((n, n))
            for i in range(n):
                m[perm[i], i] = signs[i]
            if round(np.linalg.det(m)) == 1:
                out.append((perm, signs))
    return out


def rotated_kernel_sets(
    kernels_1d: list[np.ndarray], rotation_invariant: bool
) -> list[tuple[int, list[np.ndarray]]]:
    """The distinct separable kernels under right-angle rotations, as ``(sign, [h_axis0, ...])``.

    ``kernels_1d`` lists one 1D kernel per filtered axis, in axis order. A rotated separable
    kernel :math:`h'(\\mathbf{u}) = h(R^{-1}\\mathbf{u})` has kernel :math:`h_i` on axis
    :math:`\\pi(i)`, reversed when that axis is flipped. A reversed antisymmetric kernel
    (E, W) is its negative, so it is returned unreversed with the sign folded into ``sign``
    (+1 or -1): the rotated kernel is ``sign`` times the outer product. Every entry is a
    distinct kernel; without rotation invariance only ``(1, kernels_1d)`` is returned.
    """
    if not rotation_invariant:
        return [(1, list(kernels_1d))]
    n = len(kernels_1d)
    seen: set[tuple[int, bytes]] = set()
    sets: list[tuple[int, list[np.ndarray]]] = []
    for perm, signs in _rotations(n):
        new: list[np.ndarray] = [np.empty(0)] * n
        sign = 1
        for i in range(n):
            k = np.asarray(kernels_1d[i], dtype=np.float64)
            if signs[i] < 0:
                if np.array_equal(k[::-1], -k):
                    sign = -sign
                else:
                    k = k[::-1].copy()
            new[perm[i]] = k
        key = (sign, b"|".join(np.ascontiguousarray(k).tobytes() for k in new))
        if key not in seen:
            seen.add(key)
            sets.append((sign, new))
    return sets


def _pooled_response(
    array: np.ndarray,
    kernel_sets: list[tuple[int, list[np.ndarray]]],
    axes: tuple[int, ...],
    mode: str,
    pooling: str,
) -> np.ndarray:
    """Pool ``sign * (array * kernel)`` over ``kernel_sets``, convolving each kernel once."""
    by_kernel: dict[bytes, tuple[list[np.ndarray], set[int]]] = {}
    for sign, ks in kernel_sets:
        key = b"|".join(np.ascontiguousarray(k).tobytes() for k in ks)
        by_kernel.setdefault(key, (ks, set()))[1].add(sign)
    pooled: np.ndarray | None = None
    for ks, signs in by_kernel.values():
        r = convolve_separable(array, dict(zip(axes, ks)), mode)
        if pooling == "max":
            r = np.abs(r) if len(signs) == 2 else (r if 1 in signs else -r)
            pooled = r if pooled is None else np.maximum(pooled, r, out=pooled)
        else:
            r *= sum(signs)  # +1, -1, or 0 when the kernel occurs with both signs
            pooled = r if pooled is None else np.add(pooled, r, out=pooled)
    assert pooled is not None
    if pooling == "mean" and len(kernel_sets) > 1:
        pooled /= len(kernel_sets)
    return pooled


def laws_filter(
    image: Image,
    kernels: str,
    *,
    dimensions: Dimensions = "3D",
    boundary: Boundary = "mirror",
    rotation_invariant: bool = False,
    pooling: Literal["max", "mean"] = "max",
    energy_distance: int | None = None,
) -> Image:
    """Laws kernel response map or energy map (IBSI-2 Laws kernels).

    .. math::

        R = \\tilde I * h, \\qquad h(x, y, z) = h_x(x)\\, h_y(y)\\, h_z(z)

    with the normalised 1D kernels of ``kernels`` (see the module docstring). With rotation
    invariance the response is pooled over the right-angle rotations :math:`R_j`,

    .. math::

        R_{\\mathrm{ri}} = \\max_j \\big(\\tilde I * h_{R_j}\\big) \\quad\\text{or}\\quad
        \\frac{1}{N}\\sum_{j=1}^{N} \\tilde I * h_{R_j},

    and the energy map, when ``energy_distance`` :math:`\\delta` is given, is

    .. math::

        E(\\mathbf{i}) = \\frac{1}{(2\\delta+1)^{d}}
        \\sum_{\\lVert\\mathbf{k}\\rVert_\\infty \\le \\delta} |\\tilde R(\\mathbf{i}+\\mathbf{k})|.

    Parameters
    ----------
    image : Image
        Input image ``(z, y, x)``; not modified.
    kernels : str
        Concatenated 1D kernel names, ``x`` first: three for 3D (``'E5L5S5'``), two for 2D
        (``'L5S5'``). Names: L3, E3, S3, L5, E5, S5, W5, R5.
    dimensions : {'3D', '2D'}
        ``'3D'`` filters the volume; ``'2D'`` filters each slice independently.
    boundary : {'mirror', 'constant', 'nearest', 'periodic'}
        IBSI-2 boundary condition, used for the convolution and for the energy map.
    rotation_invariant : bool
        Pool the responses of the 24 (3D) or 4 (2D) right-angle rotations of the kernel.
    pooling : {'max', 'mean'}
        How rotated responses are pooled (ignored without rotation invariance).
    energy_distance : int, optional
        Chebyshev distance :math:`\\delta \\ge 0` of the energy neighbourhood; ``None``
        returns the response map itself.

    Returns
    -------
    Image
        float64 response (or energy) map on the grid of ``image``, with
        ``ProcessingStep('laws_filter', {...})`` appended to its history.

    Raises
    ------
    ConfigError
        Unknown kernel names, a kernel count that does not match ``dimensions``, unknown
        ``pooling``, ``boundary`` or ``dimensions``, or a negative ``energy_distance``.
    DimensionalityError
        ``dimensions='3D'`` on a single-slice image.

    References
    ----------
    Laws K.I., Rapid texture identification, Proc. SPIE 0238 (1980).
    Depeursinge A. et al., Standardised convolutional filtering for radiomics (IBSI-2),
    arXiv:2006.05470; reference response maps 3.A1-3.A3, 3.B1-3.B3 and 3.C1-3.C3.

    Examples
    --------
    >>> import numpy as np
    >>> from radiome.io import Image
    >>> flat = Image(np.full((6, 6, 6), 3.0))
    >>> float(np.abs(laws_filter(flat, "E5L5S5", boundary="nearest").array).max())
    0.0
    """
    axes, mode = check_image(image, dimensions, boundary)
    names = parse_laws_kernels(kernels, dimensions)
    if pooling not in ("max", "mean"):
        raise ConfigError(f"pooling must be 'max' or 'mean', got {pooling!r}.")
    if energy_distance is not None and (
        isinstance(energy_distance, bool)
        or not isinstance(energy_distance, numbers.Integral)
        or energy_distance < 0
    ):
        raise ConfigError(
            f"energy_distance must be a non-negative integer (Chebyshev distance in voxels) or None, "
            f"got {energy_distance!r}."
        )
    # names are (x, y[, z]); array axes are (z, y, x): reverse to axis order.
    per_axis = [laws_kernel_1d(n) for n in reversed(names)]
    kernel_sets = rotated_kernel_sets(per_axis, bool(rotation_invariant))

    pooled = _pooled_response(image.array, kernel_sets, axes, mode, pooling)
    if energy_distance is not None:
        pooled = local_mean(np.abs(pooled), 2 * int(energy_distance) + 1, axes, mode)

    params = {
        "kernels": "".join(names),
        "dimensions": dimensions,
        "boundary": boundary,
        "rotation_invariant": bool(rotation_invariant),
        "pooling": pooling if rotation_invariant else None,
        "energy_distance": None if energy_distance is None else int(energy_distance),
    }
    return response_map(image, pooled, "laws_filter", params)
