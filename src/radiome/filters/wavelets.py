"""IBSI-2 separable wavelet filters: undecimated (a trous) wavelets, levels, rotation invariance.

A separable wavelet response map (IBSI-2, arXiv:2006.05470, sections "Separable wavelets"
and "Decomposition levels") convolves the image with a low-pass (``L``) or a high-pass
(``H``) 1D filter along each axis. The response is named by one letter per axis in the
IBSI order ``x, y, z`` (``x`` is the last array axis): ``'LHL'`` is low-pass along ``x``,
high-pass along ``y`` and low-pass along ``z``; two letters (``'LH'``) filter each slice in
2D. The 1D filters are the decomposition filters of PyWavelets (``dec_lo`` and ``dec_hi``
of :class:`pywt.Wavelet`: Haar, Daubechies ``dbN``, Coiflets ``coifN``, Symlets, ...); an
even-length filter gets a trailing zero tap so that it has a centre tap, and the
convolution is a true convolution (filter flipped) of the image padded by ``boundary``.

The transform is undecimated (stationary, "a trous"): every level keeps the image grid.
Level :math:`j > 1` is computed from the low-pass map of level :math:`j - 1`
(:math:`L` along every filtered axis) with filters upsampled by :math:`2^{j-1}` (zeros
inserted between taps):

.. math::

    R_j = \\Big(\\prod_{i=1}^{j-1} \\bigotimes_a h^{L}_{\\uparrow 2^{i-1}} \\Big) *
    \\Big(\\bigotimes_a h^{c_a}_{\\uparrow 2^{j-1}}\\Big) * I

where :math:`c_a \\in \\{L, H\\}` is the letter of axis :math:`a`. The decimated
(critically sampled) transform is not offered: its coefficients do not live on the image
grid, so it gives no response map.

Rotation invariance pools (mean, max, min or sum) the responses of the filter under every
right-angle rotation of the grid: the 24 rotations of the cube in 3D (signed permutations
of the axes with determinant +1) and the 4 rotations of the square in 2D. A rotation moves
each 1D filter (and the low-pass filters of the lower levels) to another axis, reversed
about its centre tap when that axis is flipped. Rotations giving the same filter bank are
computed once; the group mean equals the mean over the distinct banks (each is reached the
same number of times). The banks are visited in sorted order so that the low-pass levels and
the leading 1D convolutions shared by consecutive banks are computed once (44 instead of 72
1D passes for a 3D rotation-invariant level-1 map), keeping one array per stage. Checked
against IBSI-2 reference maps 5.A1-7.A2.

Hand-written because PyWavelets' ``swtn`` decimates its filters differently (it shifts
even-length filters instead of centring them) and has neither IBSI boundary conditions nor
rotation invariance; the coefficients come from PyWavelets, the voxel work from
:func:`scipy.ndimage.convolve1d`.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterator

import numpy as np

from radiome.errors import ConfigError
from radiome.filters.boundary import Boundary, check_image, convolve_separable, response_map
from radiome.io.image import Image

__all__ = ["wavelet_filter", "wavelet_taps", "dilate_taps", "right_angle_rotations"]

_POOLING = ("mean", "max", "min", "sum")


def _known_wavelets() -> list[str]:
    import pywt

    return list(pywt.wavelist(kind="discrete"))


def wavelet_taps(wavelet: str, band: str) -> np.ndarray:
    """The centred 1D decomposition filter of ``wavelet`` for ``band`` ``'L'`` or ``'H'``.

    PyWavelets' ``dec_lo`` (``L``) or ``dec_hi`` (``H``), with a trailing zero tap when its
    length is even so that the centre tap is ``len // 2``.

    Examples
    --------
    >>> wavelet_taps("haar", "H").round(4).tolist()
    [-0.7071, 0.7071, 0.0]
    """
    import pywt

    w = pywt.Wavelet(wavelet)
    taps = np.asarray(w.dec_lo if band.upper() == "L" else w.dec_hi, dtype=np.float64)
    if taps.size % 2 == 0:
        taps = np.append(taps, 0.0)
    return taps


def dilate_taps(taps: np.ndarray, times: int = 1) -> np.ndarray:
    """Upsample an odd-length centred filter by 2, ``times`` times (a trous: zeros between taps).

    .. math:: h_{\\uparrow 2}[2k] = h[k], \\quad h_{\\uparrow 2}[2k + 1] = 0

    The centre tap stays the centre: a filter of length :math:`2m + 1` becomes
    :math:`4m + 1` long.
    """
    out = np.asarray(taps, dtype=np.float64)
    for _ in range(times):
        up = np.zeros(2 * out.size - 1)
        up[::2] = out
        out = up
    return out


def right_angle_rotations(n_axes: int) -> Iterator[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The right-angle rotations of an ``n_axes``-cube as ``(permutation, signs)``.

    The rotation sends axis ``i`` to axis ``permutation[i]``, reversed when ``signs[i]`` is
    -1; only proper rotations (determinant +1) are listed: 24 in 3D, 4 in 2D, identity first.
    """
    for perm in itertools.permutations(range(n_axes)):
        parity = np.linalg.det(np.eye(n_axes)[list(perm)])
        for signs in itertools.product((1, -1), repeat=n_axes):
            if parity * np.prod(signs) > 0:
                yield perm, signs


def _check_args(
    wavelet: object, response: object, level: object, pooling: object, dimensions: object
) -> tuple[str, str, str]:
    if not isinstance(wavelet, str) or wavelet.strip().lower() not in _known_wavelets():
        import difflib

        near = difflib.get_close_matches(str(wavelet).strip().lower(), _known_wavelets(), n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ConfigError(
            f"wavelet must be a discrete PyWavelets wavelet name ('haar', 'db2', 'coif1', 'sym4', ...), "
            f"got {wavelet!r}.{hint}"
        )
    if not isinstance(response, str) or len(response) not in (2, 3) or set(response.upper()) - {"L", "H"}:
        raise ConfigError(
            "response must be two (2D, slice by slice) or three (3D) of the letters L and H, one per "
            f"axis in the order x, y, z (e.g. 'LHL'); got {response!r}."
        )
    if isinstance(level, bool) or not isinstance(level, numbers.Integral) or level < 1:
        raise ConfigError(f"level must be an integer >= 1 (1: the first decomposition level), got {level!r}.")
    if pooling not in _POOLING:
        raise ConfigError(f"pooling must be one of {_POOLING}, got {pooling!r}.")
    implied = "2D" if len(response) == 2 else "3D"
    if dimensions is None:
        dimensions = implied
    if dimensions != implied:
        raise ConfigError(
            f"response {response!r} has {len(response)} letters, which means a {implied} filter, but "
            f"dimensions={dimensions!r}; use {'three' if dimensions == '3D' else 'two'} letters or "
            f"dimensions={implied!r}."
        )
    return wavelet.strip().lower(), response.upper(), str(dimensions)


def wavelet_filter(
    image: Image,
    wavelet: str,
    response: str,
    *,
    level: int = 1,
    rotation_invariant: bool = False,
    pooling: str = "mean",
    dimensions: str | None = None,
    boundary: Boundary = "mirror",
) -> Image:
    """Undecimated separable wavelet response map (IBSI-2 separable wavelets).

    .. math::

        R_j = \\Big(\\prod_{i=1}^{j-1} \\bigotimes_a h^{L}_{\\uparrow 2^{i-1}} \\Big) *
        \\Big(\\bigotimes_a h^{c_a}_{\\uparrow 2^{j-1}}\\Big) * \\tilde I

    with :math:`\\tilde I` the image padded by ``boundary``, :math:`h^{L}, h^{H}` the
    PyWavelets decomposition filters, :math:`c_a` the letter of axis :math:`a` and
    :math:`j` the ``level``; with ``rotation_invariant`` the responses of every right-angle
    rotation of the filter bank are pooled. See the module docstring.

    Parameters
    ----------
    image : Image
        Input ``(z, y, x)``; not modified.
    wavelet : str
        PyWavelets discrete wavelet: ``'haar'``, ``'db2'``, ``'coif1'``, ``'sym4'``, ...
    response : str
        ``L``/``H`` per axis in the order ``x, y, z``: three letters (``'LHL'``) for a 3D
        filter, two (``'LH'``) to filter each slice in 2D.
    level : int
        Decomposition level :math:`j \\ge 1`.
    rotation_invariant : bool
        Pool over the 24 (3D) or 4 (2D) right-angle rotations.
    pooling : {'mean', 'max', 'min', 'sum'}
        How rotated responses are pooled (ignored without rotation invariance).
    dimensions : {'3D', '2D'} or None
        Must agree with the number of letters of ``response`` (``None``: implied by it).
    boundary : {'mirror', 'constant', 'nearest', 'periodic'}
        IBSI-2 boundary condition (see :mod:`radiome.filters.boundary`).

    Returns
    -------
    Image
        float64 response map on the grid of ``image`` with
        ``ProcessingStep('wavelet_filter', {...})`` appended.

    Raises
    ------
    ConfigError
        Unknown wavelet, malformed ``response``, ``level`` < 1, unknown pooling, boundary or
        dimensions, or dimensions that disagree with ``response``.
    DimensionalityError
        A 3D filter (three letters) asked of a single-slice image.

    References
    ----------
    Depeursinge A. et al., IBSI-2, arXiv:2006.05470; reference maps 5.A1, 5.A2 (db2),
    6.A1, 6.A2 (coif1), 7.A1, 7.A2 (Haar, level 2).

    Examples
    --------
    >>> import numpy as np
    >>> from radiome.io import Image
    >>> flat = Image(np.full((6, 6, 6), 3.0))
    >>> bool(np.allclose(wavelet_filter(flat, "haar", "HLL", boundary="nearest").array, 0.0))
    True
    """
    name, letters, dims = _check_args(wavelet, response, level, pooling, dimensions)
    axes, mode = check_image(image, dims, boundary)
    # letters are x, y(, z): x is the last array axis
    letter_axes = tuple(reversed(axes))
    n = len(letters)
    main = [wavelet_taps(name, c) for c in letters]
    low = wavelet_taps(name, "L")
    rotations = right_angle_rotations(n) if rotation_invariant else iter([(tuple(range(n)), (1,) * n)])

    # distinct (low-pass flips, filter bank) pairs; see the module docstring
    banks: dict[bytes, tuple[tuple[int, ...], list[np.ndarray]]] = {}
    for perm, signs in rotations:
        bank: list[np.ndarray] = [np.empty(0)] * n
        for i in range(n):
            bank[perm[i]] = main[i][:: signs[i]]
        # after the rotation, letter slot perm[i] is reversed when signs[i] < 0
        flips = tuple(signs[perm.index(k)] for k in range(n)) if level > 1 else (1,) * n
        by_axis = sorted(zip(letter_axes, bank))  # array axis order, as convolved
        key = bytes(str(flips), "ascii") + b"|" + b"|".join(k.tobytes() for _, k in by_axis)
        banks.setdefault(key, (flips, [k for _, k in by_axis]))
    axes_sorted = sorted(letter_axes)
    # Visit the banks sorted, so that convolutions shared by consecutive banks (the low-pass
    # levels, then the leading 1D filters) are computed once, keeping one array per stage.
    cache: list[tuple[bytes, np.ndarray]] = []
    pooled: np.ndarray | None = None
    for key in sorted(banks):
        flips, kernels = banks[key]
        prefixes = [key.split(b"|", 1)[0]]
        for k in kernels:
            prefixes.append(prefixes[-1] + b"|" + k.tobytes())
        depth = 0
        while depth < len(cache) and cache[depth][0] == prefixes[depth]:
            depth += 1
        del cache[depth:]
        if depth == 0:
            g = image.array
            for j in range(1, level):
                taps = {a: dilate_taps(low[:: flips[letter_axes.index(a)]], j - 1) for a in axes_sorted}
                g = convolve_separable(g, taps, mode)
            cache.append((prefixes[0], g))
            depth = 1
        g = cache[-1][1]
        for i in range(depth - 1, n):
            g = convolve_separable(g, {axes_sorted[i]: dilate_taps(kernels[i], level - 1)}, mode)
            if i < n - 1:
                cache.append((prefixes[i + 1], g))
        r = g  # a new array: the last stage is never cached
        if pooled is None:
            pooled = r
        elif pooling == "max":
            np.maximum(pooled, r, out=pooled)
        elif pooling == "min":
            np.minimum(pooled, r, out=pooled)
        else:
            np.add(pooled, r, out=pooled)
    count = len(banks)
    assert pooled is not None
    if pooling == "mean" and count > 1:
        pooled /= count
    params = {
        "wavelet": name,
        "response": letters,
        "level": int(level),
        "rotation_invariant": bool(rotation_invariant),
        "pooling": pooling,
        "dimensions": dims,
        "boundary": boundary,
    }
    return response_map(image, pooled, "wavelet_filter", params)
