"""PyRadiomics' image types (derived images) for radiome's PyRadiomics-compatible mode.

PyRadiomics computes every feature class on the original image and on "image types":
Laplacian of Gaussian, wavelet decompositions, square, square root, logarithm, exponential,
gradient magnitude and local binary patterns in 2D and 3D. This module reproduces each of them
as PyRadiomics 3 defines it (``radiomics/imageoperations.py``), with the same libraries called
the same way, so that the response values are identical to PyRadiomics' own:

* LoG: SimpleITK's ``LaplacianRecursiveGaussianImageFilter`` (recursive Gaussian, normalised
  across scale), not IBSI 2's sampled kernel (:mod:`radiome.filters.log`).
* Wavelet: PyWavelets' ``swtn`` one level at a time on the approximation, after padding odd
  axes by one wrapped voxel, then cropped back (not IBSI 2's a-trous filters).
* Square, square root, logarithm, exponential: intensity maps rescaled by the image maximum.
* Gradient: SimpleITK's ``GradientMagnitudeImageFilter``.
* LBP 2D: scikit-image's ``local_binary_pattern`` slice by slice.
* LBP 3D: the spherical-harmonics LBP of Banerjee et al. (2013) on an icosphere, written here
  by hand because no library provides it; the icosphere and spherical harmonics are built
  the way PyRadiomics' helpers (trimesh, SciPy) build them, see :func:`lbp3d_images`.

Pixel types. PyRadiomics keeps SimpleITK pixel types: a ``float32`` image gives a ``float32``
LoG, wavelet, gradient and LBP-2D map, while square, square root, logarithm, exponential and
LBP-3D maps are ``float64``. Later steps (binning, first-order sums) run in those types, so
they matter at a relative precision of 1e-7. radiome's :class:`~radiome.io.image.Image` always
holds ``float64``; the pixel type PyRadiomics would have is read from
``image.metadata["source_dtype"]`` (set by the readers) and each response carries its own in
``metadata["source_dtype"]``; its ``float64`` array holds those values exactly.

Every function is pure: it returns new :class:`~radiome.io.image.Image` values on the input's
grid with a :class:`~radiome.io.image.ProcessingStep` appended. Where PyRadiomics skips an
image type (a LoG sigma too large for the image, a 2D-only filter on 3D data) a
``UserWarning`` says why and nothing is yielded, as PyRadiomics logs a warning and yields
nothing.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from radiome.errors import ConfigError, DimensionalityError, IntensityError, MaskError
from radiome.compat.pyradiomics.responses import check_dimension as _check_dimension
from radiome.compat.pyradiomics.responses import log_arrays, wavelet_arrays
from radiome.io.image import Image, Mask, ProcessingStep

__all__ = [
    "IMAGE_TYPE_FUNCTIONS",
    "image_types",
    "pixel_dtype",
    "original_image",
    "log_images",
    "log_arrays",
    "wavelet_images",
    "wavelet_arrays",
    "square_image",
    "square_root_image",
    "logarithm_image",
    "exponential_image",
    "gradient_image",
    "lbp2d_image",
    "lbp3d_images",
    "icosphere_vertices",
]

#: PyRadiomics' defaults for the image-type settings (``imageoperations.py``).
_DEFAULTS: dict[str, Any] = {
    "sigma": (),
    "wavelet": "coif1",
    "start_level": 0,
    "level": 1,
    "force2D": False,
    "force2Ddimension": 0,
    "gradientUseSpacing": True,
    "lbp2DRadius": 1,
    "lbp2DSamples": 8,
    "lbp2DMethod": "uniform",
    "lbp3DLevels": 2,
    "lbp3DIcosphereRadius": 1,
    "lbp3DIcosphereSubdivision": 1,
}

_LBP_METHODS = ("default", "ror", "uniform", "var", "nri_uniform")


# --- helpers -------------------------------------------------------------------------------


def pixel_dtype(image: Image) -> np.dtype:
    """The pixel type PyRadiomics would hold ``image`` in.

    ``image.metadata["source_dtype"]`` (set by the readers from the file; every response of
    this module sets its own) when it names an integer or real NumPy type that holds every
    voxel exactly; otherwise ``float64`` (e.g. an integer file whose values were since
    rescaled), so that no value is ever truncated.
    """
    name = image.metadata.get("source_dtype")
    if name is not None:
        try:
            dt = np.dtype(str(name))
        except TypeError:
            return np.dtype(np.float64)
        if dt.kind in "iuf" and dt != np.float64:
            with np.errstate(invalid="ignore", over="ignore"):
                exact = np.array_equal(image.array.astype(dt).astype(np.float64), image.array, equal_nan=True)
            if exact:
                return dt
    return np.dtype(np.float64)


def _option(custom: Mapping[str, Any] | None, settings: Any, key: str) -> Any:
    """An image-type setting: the image type's own value, else the general one, else default."""
    if custom and key in custom:
        return custom[key]
    if isinstance(settings, Mapping):
        if key in settings:
            return settings[key]
    elif settings is not None and hasattr(settings, key):
        return getattr(settings, key)
    return _DEFAULTS[key]


def _nd(image: Image) -> int:
    """2 for a 2D image (PyRadiomics reads a 2D file as a 2D SimpleITK image), else 3."""
    return 2 if image.is_2d and image.shape[0] == 1 else 3


def _array(image: Image, dtype: np.dtype | None = None) -> np.ndarray:
    """A writable copy of the voxels in PyRadiomics' pixel type (``(y, x)`` for 2D images)."""
    arr = image.array[0] if _nd(image) == 2 else image.array
    return np.array(arr, dtype=pixel_dtype(image) if dtype is None else dtype, copy=True)


def _to_sitk(image: Image) -> Any:
    """The image as PyRadiomics would hold it: SimpleITK, its pixel type, 2D or 3D geometry."""
    import SimpleITK as sitk

    arr = _array(image)
    img = sitk.GetImageFromArray(arr)
    sz, sy, sx = image.spacing
    oz, oy, ox = image.origin
    d = image.direction
    if arr.ndim == 2:
        img.SetSpacing((sx, sy))
        img.SetOrigin((ox, oy))
        img.SetDirection((d[0], d[1], d[3], d[4]))
    else:
        img.SetSpacing((sx, sy, sz))
        img.SetOrigin((ox, oy, oz))
        img.SetDirection(tuple(d))
    return img


def _response(image: Image, values: np.ndarray, name: str, params: Mapping[str, Any]) -> Image:
    """A response map on ``image``'s grid holding ``values`` exactly, with its pixel type noted."""
    arr = np.asarray(values)
    dtype = arr.dtype
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    metadata = {**dict(image.metadata), "source_dtype": dtype.name}
    step = ProcessingStep(f"pyradiomics.{name}", dict(params))
    return image.with_array(arr.astype(np.float64), step=step, metadata=metadata)


# --- Original ------------------------------------------------------------------------------


def original_image(image: Image) -> Iterator[tuple[str, Image]]:
    """PyRadiomics' ``Original`` image type: the image itself, named ``original``."""
    yield "original", image


# --- Laplacian of Gaussian -----------------------------------------------------------------


def log_images(image: Image, sigmas: Any) -> Iterator[tuple[str, Image]]:
    r"""PyRadiomics' Laplacian-of-Gaussian images, one per ``sigma`` (mm).

    SimpleITK's ``LaplacianRecursiveGaussianImageFilter`` with ``NormalizeAcrossScale`` on:
    the image is smoothed with a recursive (Deriche) approximation of the Gaussian of
    standard deviation :math:`\sigma` mm (physical spacing is used) and the Laplacian is
    taken, scaled by :math:`\sigma^2`,

    .. math::
        \mathrm{LoG}_\sigma[f] = \sigma^{2}\, \nabla^{2} (G_\sigma * f), \qquad
        G_\sigma(\mathbf{x}) = \frac{1}{(\sigma\sqrt{2\pi})^{3}}
        e^{-\lVert\mathbf{x}\rVert^{2} / 2\sigma^{2}}.

    IBSI 2 code L6PA (LoG filter); PyRadiomics' recursive filter differs from IBSI 2's sampled
    kernel (no truncation setting, ITK's zero-flux boundary), so the responses are not the
    IBSI 2 ones.

    Parameters
    ----------
    image : Image
        3D image (2D images are filtered in 2D, as PyRadiomics does with a 2D file).
    sigmas : sequence of float
        Scales in mm, in the order the columns are yielded. The name keeps the value as given:
        ``1.0`` gives ``log-sigma-1-0-mm-3D``, ``1`` gives ``log-sigma-1-mm-3D``.

    Yields
    ------
    (name, Image)
        ``log-sigma-<sigma>-mm-3D`` and the ``float32`` (for a ``float32`` image) response.

    Notes
    -----
    As in PyRadiomics, nothing is computed when an image axis has fewer than 4 voxels, and a
    sigma is skipped (with a warning) when an axis has fewer than
    :math:`\lceil \sigma / s \rceil + 1` voxels or when :math:`\sigma \le 0`.
    """
    for name, out, sigma in log_arrays(lambda: _to_sitk(image), image.shape[1:] if _nd(image) == 2 else image.shape,
                                       image.spacing[1:] if _nd(image) == 2 else image.spacing, sigmas):
        yield name, _response(image, out, name, {"sigma_mm": float(sigma)})


# --- Wavelet -------------------------------------------------------------------------------


def wavelet_images(
    image: Image,
    wavelet: str = "coif1",
    start_level: int = 0,
    level: int = 1,
    force2D: bool = False,
    force2Ddimension: int = 0,
) -> Iterator[tuple[str, Image]]:
    r"""PyRadiomics' undecimated wavelet decompositions.

    The image (in its pixel type) is padded at the end of every odd-length axis with one voxel
    wrapped from the start; then, ``start_level`` times, the approximation of one level of
    PyWavelets' stationary transform ``pywt.swtn(level=1)`` replaces the data; then ``level``
    more single-level transforms are taken, each on the previous approximation. Every
    detail combination of every level and the last approximation are cropped back to the
    image size. With :math:`h, g` the low- and high-pass filters of the wavelet, one level is

    .. math::
        W_{c_x c_y c_z}[f] = f *_x k_{c_x} *_y k_{c_y} *_z k_{c_z}, \qquad
        k_L = h,\; k_H = g,

    with periodic extension. Note that PyRadiomics repeats level 1 on the approximation
    instead of dilating the filters (IBSI 2's undecimated level :math:`j` uses filters
    upsampled by :math:`2^{j-1}`, IBSI code 25BO), so levels above 1 differ from IBSI's.

    Parameters
    ----------
    image : Image
    wavelet : str
        A PyWavelets discrete wavelet name (``coif1``, ``haar``, ``db2``, ...).
    start_level, level : int
        Levels skipped before the first returned one, and levels returned.
    force2D, force2Ddimension : bool, int
        With ``force2D`` the axis ``force2Ddimension`` (0 = slices) is not filtered.

    Yields
    ------
    (name, Image)
        ``wavelet-<c>`` for the first returned level, ``wavelet<k>-<c>`` for the ``k``-th,
        where ``<c>`` has one letter (``L``/``H``) per filtered axis in the order x, y, z
        (``wavelet-LLH`` is high-pass along z only), in PyWavelets' order (``LLH``, ``LHL``,
        ..., ``HHH``), then the last approximation (``wavelet-LLL``, or
        ``wavelet<level>-LLL``).
    """
    nd = _nd(image)
    for name, values, params in wavelet_arrays(_array(image), wavelet, start_level, level, force2D, force2Ddimension,
                                               nd):
        yield name, _response(image, values, name, params)


# --- Intensity maps ------------------------------------------------------------------------


def _max_abs(image: Image, what: str) -> float:
    values = _array(image, np.dtype(np.float64))
    if not np.all(np.isfinite(values)):
        raise IntensityError(f"the {what} image type needs finite intensities; the image has NaN or inf voxels.")
    m = float(np.max(np.abs(values)))
    if m == 0.0:
        raise IntensityError(
            f"the {what} image type rescales by the largest absolute intensity, which is 0 "
            "here (an all-zero image); leave this image type out for this case."
        )
    return m


def square_image(image: Image) -> Iterator[tuple[str, Image]]:
    r"""PyRadiomics' ``Square`` image: squared intensities scaled back to the original range.

    .. math::
        f(x) = (c\,x)^{2}, \qquad c = \frac{1}{\sqrt{\max_{\text{image}} |x|}}

    The maximum is over the whole image given (PyRadiomics: the resampled, padded crop).
    No IBSI code (not an IBSI filter). The response is ``float64``.
    """
    x = _array(image, np.dtype(np.float64))
    coeff = 1 / np.sqrt(_max_abs(image, "Square"))
    yield "square", _response(image, (coeff * x) ** 2, "square", {})


def square_root_image(image: Image) -> Iterator[tuple[str, Image]]:
    r"""PyRadiomics' ``SquareRoot`` image: signed square root scaled back to the original range.

    .. math::
        f(x) = \begin{cases} \sqrt{c\,x} & x \ge 0 \\ -\sqrt{-c\,x} & x < 0 \end{cases},
        \qquad c = \max_{\text{image}} |x|

    No IBSI code. The response is ``float64``.
    """
    x = _array(image, np.dtype(np.float64))
    coeff = _max_abs(image, "SquareRoot")
    pos, neg = x > 0, x < 0
    x[pos] = np.sqrt(x[pos] * coeff)
    x[neg] = -np.sqrt(-x[neg] * coeff)
    yield "squareroot", _response(image, x, "squareroot", {})


def logarithm_image(image: Image) -> Iterator[tuple[str, Image]]:
    r"""PyRadiomics' ``Logarithm`` image: signed :math:`\log(|x| + 1)` scaled to the original range.

    .. math::
        g(x) = \operatorname{sign}(x) \log(|x| + 1), \qquad
        f(x) = g(x)\, \frac{\max |x|}{\max |g(x)|}

    No IBSI code. The response is ``float64``.
    """
    x = _array(image, np.dtype(np.float64))
    im_max = _max_abs(image, "Logarithm")
    pos, neg = x > 0, x < 0
    x[pos] = np.log(x[pos] + 1)
    x[neg] = -np.log(-(x[neg] - 1))
    x = x * (im_max / np.max(np.abs(x)))
    yield "logarithm", _response(image, x, "logarithm", {})


def exponential_image(image: Image) -> Iterator[tuple[str, Image]]:
    r"""PyRadiomics' ``Exponential`` image.

    .. math::
        f(x) = e^{c\,x}, \qquad c = \frac{\log \max |x|}{\max |x|}

    so that the largest absolute intensity maps to itself. No IBSI code. The response is
    ``float64`` and overflows to ``inf`` where :math:`c\,x > 709`, as in PyRadiomics.
    """
    x = _array(image, np.dtype(np.float64))
    im_max = _max_abs(image, "Exponential")
    coeff = np.log(im_max) / im_max
    with np.errstate(over="ignore"):
        out = np.exp(coeff * x)
    yield "exponential", _response(image, out, "exponential", {})


# --- Gradient ------------------------------------------------------------------------------


def gradient_image(image: Image, use_spacing: bool = True) -> Iterator[tuple[str, Image]]:
    r"""PyRadiomics' ``Gradient`` image: SimpleITK's gradient magnitude.

    .. math::
        f = \sqrt{\sum_a \left(\frac{x_{i+1_a} - x_{i-1_a}}{2 s_a}\right)^{2}}

    central differences along each axis :math:`a` (spacing :math:`s_a` in mm when
    ``use_spacing``, else 1), with ITK's zero-flux (nearest) boundary. No IBSI code.
    """
    import SimpleITK as sitk

    gmif = sitk.GradientMagnitudeImageFilter()
    gmif.SetUseImageSpacing(bool(use_spacing))
    out = sitk.GetArrayFromImage(gmif.Execute(_to_sitk(image)))
    yield "gradient", _response(image, out, "gradient", {"use_spacing": bool(use_spacing)})


# --- Local binary patterns -----------------------------------------------------------------


def lbp2d_image(
    image: Image,
    radius: float = 1,
    samples: int = 8,
    method: str = "uniform",
    axis: int = 0,
    force2D: bool = False,
) -> Iterator[tuple[str, Image]]:
    r"""PyRadiomics' ``LBP2D`` image: scikit-image's local binary pattern, slice by slice.

    For each voxel, ``samples`` points on a circle of ``radius`` voxels in the slice plane are
    compared with the centre,

    .. math::
        \mathrm{LBP}_{P,R} = \sum_{p=0}^{P-1} s(g_p - g_c)\, 2^{p}, \qquad
        s(u) = [u \ge 0],

    then mapped by ``method`` (``uniform``: rotation-invariant uniform patterns,
    :math:`0..P+1`; see :func:`skimage.feature.local_binary_pattern`). A 3D image is processed
    in planes perpendicular to array axis ``axis`` (``force2Ddimension``; 0 = axial slices)
    and the codes are stored in the image's pixel type (so a ``float32`` image gives a
    ``float32`` map, an integer image truncates the ``var`` method's variances). No IBSI code.

    Raises
    ------
    ConfigError
        Unknown ``method`` or ``axis``.
    """
    from skimage.feature import local_binary_pattern

    if method not in _LBP_METHODS:
        raise ConfigError(f"lbp2DMethod must be one of {list(_LBP_METHODS)}, got {method!r}.")
    params = {"radius": radius, "samples": samples, "method": method}
    nd = _nd(image)
    with warnings.catch_warnings():
        # scikit-image warns that floating-point input may give unexpected codes; PyRadiomics
        # passes its (float) image all the same, and so must we to reproduce it.
        warnings.filterwarnings("ignore", message=".*local_binary_pattern.*floating-point")
        if nd == 2:
            out = local_binary_pattern(_array(image), P=samples, R=radius, method=method)
        else:
            if not force2D:
                warnings.warn(
                    "LBP2D is computed slice by slice while features are extracted in 3D "
                    "(force2D is off); PyRadiomics warns the same. Use with caution.",
                    UserWarning,
                    stacklevel=2,
                )
            axis = _check_dimension(axis, 3, "force2Ddimension")
            arr = _array(image).swapaxes(0, axis)
            for idx in range(arr.shape[0]):  # one call per slice; the codes are vectorised
                arr[idx, ...] = local_binary_pattern(arr[idx, ...], P=samples, R=radius, method=method)
            out = arr.swapaxes(0, axis)
            params["axis"] = axis
    yield "lbp-2D", _response(image, out, "lbp-2D", params)


#: The 12 vertices of the unit icosahedron as PyRadiomics obtains them (trimesh's stored
#: primitive): the cyclic permutations of (+-a, +-b, 0), a = 1/sqrt(1 + phi^2), b = phi a,
#: written with the same decimals so the sampled positions are bit-identical.
_ICO_A = 0.5257311121191336
_ICO_B = 0.85065080835204


def _icosahedron() -> tuple[np.ndarray, np.ndarray]:
    a, b = _ICO_A, _ICO_B
    vertices = np.array(
        [[-a, b, 0], [a, b, 0], [-a, -b, 0], [a, -b, 0], [0, -a, b], [0, a, b],
         [0, -a, -b], [0, a, -b], [b, 0, -a], [b, 0, a], [-b, 0, -a], [-b, 0, a]],
        dtype=np.float64,
    )
    # faces: the 20 triples of mutually adjacent vertices (edge length 2a)
    dist = np.linalg.norm(vertices[:, None] - vertices[None], axis=2)
    adjacent = np.abs(dist - 2 * a) < 1e-6
    i, j, k = np.nonzero(adjacent[:, :, None] & adjacent[:, None, :] & adjacent[None, :, :])
    keep = (i < j) & (j < k)
    return vertices, np.column_stack([i[keep], j[keep], k[keep]])


def _to_radius(vertices: np.ndarray, radius: float) -> np.ndarray:
    scalar = np.sqrt(np.dot(vertices**2, [1, 1, 1]))
    unit = vertices / scalar.reshape((-1, 1))
    return vertices + unit * (radius - scalar).reshape((-1, 1))


def icosphere_vertices(subdivisions: int = 1, radius: float = 1.0) -> np.ndarray:
    r"""Vertices (n, 3) of the icosphere PyRadiomics samples LBP-3D neighbours on.

    The regular icosahedron, subdivided ``subdivisions`` times (every edge split at its
    midpoint, every triangle into four) with all vertices moved radially onto the sphere of
    ``radius`` after each subdivision (:math:`v + \hat v (r - \lVert v\rVert)`, as trimesh's
    ``icosphere`` does; once when there is no subdivision). :math:`10 \cdot 4^{k} + 2`
    vertices, in trimesh's order: the 12 icosahedron vertices, then each subdivision's edge
    midpoints ordered by the (larger, smaller) index of the edge's end points. The order
    matters only through rounding: PyRadiomics' kurtosis map is a ``float32`` sum over them.
    """
    if isinstance(subdivisions, bool) or not isinstance(subdivisions, (int, np.integer)) or subdivisions < 0:
        raise ConfigError(f"lbp3DIcosphereSubdivision must be an integer >= 0, got {subdivisions!r}.")
    vertices, faces = _icosahedron()
    radius = float(radius)
    for _ in range(int(subdivisions)):
        edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
        # unique edges ordered by (larger, smaller) vertex index: trimesh's order, which fixes
        # the vertex order and so the float32 rounding of the kurtosis (a sum over vertices)
        key = edges[:, 1] * (len(vertices) + 1) + edges[:, 0]
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        mid = vertices[edges[first]].mean(axis=1)
        m = inverse.reshape(3, -1).T + len(vertices)  # midpoints of (v0v1, v1v2, v2v0) per face
        v0, v1, v2 = faces.T
        faces = np.concatenate(
            [np.column_stack(t) for t in ((v0, m[:, 0], m[:, 2]), (m[:, 0], v1, m[:, 1]),
                                          (m[:, 2], m[:, 1], v2), (m[:, 0], m[:, 1], m[:, 2]))]
        )
        vertices = _to_radius(np.vstack((vertices, mid)), radius)
    if subdivisions == 0:
        vertices = _to_radius(vertices, radius)
    return vertices


def _spherical_harmonic(m: int, n: int, azimuth: np.ndarray, polar: np.ndarray) -> np.ndarray:
    """SciPy's (legacy ``sph_harm(m, n, azimuth, polar)``) orthonormal complex harmonic."""
    from scipy import special

    if hasattr(special, "sph_harm_y"):
        return special.sph_harm_y(n, m, polar, azimuth)
    return special.sph_harm(m, n, azimuth, polar)  # SciPy < 1.15


#: ROI voxels per block in LBP-3D (bounds memory; every voxel's arithmetic is the same).
_CHUNK = 4096


def _lbp3d_levels(s: np.ndarray, Y: np.ndarray, n_of: np.ndarray, levels: int) -> np.ndarray:
    """LBP-3D of a block of voxels: ``s`` (Np, Nv) signs, ``Y`` (Nv, x) harmonics -> (Np, levels).

    Written with the same element-wise products and axis sums as PyRadiomics (not matrix
    products), so every voxel gets PyRadiomics' rounding bit for bit.
    """
    c = np.multiply(s[:, :, None], Y[None, :, :]).sum(axis=1)  # (Np, x): c_mn
    parts = [np.multiply(c[:, None, n_of == 0], Y[None, :, n_of == 0])]
    for n in range(1, levels):
        sel = n_of == n
        parts.append(np.sum(np.multiply(c[:, None, sel], Y[None, :, sel]), axis=2, keepdims=True))
    f = np.concatenate(parts, axis=2)  # (Np, Nv, levels)
    return np.sqrt(np.sum(f**2, axis=1))


def lbp3d_images(
    image: Image,
    mask: Mask,
    levels: int = 2,
    radius: float = 1.0,
    subdivisions: int = 1,
) -> Iterator[tuple[str, Image]]:
    r"""PyRadiomics' ``LBP3D`` images: spherical-harmonics LBP (Banerjee et al. 2013) and kurtosis.

    For each voxel :math:`c` in the mask, the image is sampled at the icosphere vertices
    :math:`v` (:func:`icosphere_vertices`, offsets in voxel units added to the ``(z, y, x)``
    index in that order) by cubic-spline interpolation (``scipy.ndimage.map_coordinates``,
    order 3, zero outside the image), giving :math:`f_v`. Then

    .. math::
        k_c = \frac{\frac{1}{N_v}\sum_v (f_v - \bar f)^4}
                   {\left(\frac{1}{N_v}\sum_v (f_v - \bar f)^2\right)^2} - 3, \qquad
        s_v = [f_v \ge x_c],

    .. math::
        c_{mn} = \sum_v s_v Y_n^m(v), \qquad
        \mathrm{LBP}_{n} = \Big\lVert \sum_{m=-n}^{n} c_{mn} Y_n^m(v) \Big\rVert_{2, v},

    for :math:`n = 0..L-1` (``levels`` :math:`L`), with :math:`Y_n^m` taken as PyRadiomics
    takes it: SciPy's ``sph_harm(m, n, theta, phi)`` with :math:`\theta = \arccos(v_2/r)`
    passed as the azimuth and :math:`\phi = \operatorname{atan2}(v_1, v_0)` as the polar
    angle (arguments swapped with respect to SciPy's convention; reproduced as is).
    No IBSI code.

    Parameters
    ----------
    image : Image
        3D image.
    mask : Mask
        ROI on the image grid: LBP is computed only inside it.
    levels, radius, subdivisions
        ``lbp3DLevels``, ``lbp3DIcosphereRadius`` (voxels), ``lbp3DIcosphereSubdivision``.

    Yields
    ------
    (name, Image)
        ``lbp-3D-m1`` .. ``lbp-3D-m<levels>`` and ``lbp-3D-k`` (kurtosis), ``float64``, zero
        outside the mask (PyRadiomics leaves those voxels uninitialised; no feature reads them).

    Raises
    ------
    DimensionalityError
        A 2D image (PyRadiomics yields nothing).
    MaskError
        Mask not on the image grid, or empty.
    """
    from scipy.ndimage import map_coordinates
    from scipy.stats import kurtosis

    if _nd(image) != 3:
        raise DimensionalityError("LBP3D needs a 3D image; leave the LBP3D image type out for 2D images.")
    if mask.shape != image.shape:
        raise MaskError(f"LBP3D needs the mask on the image grid: mask {mask.shape}, image {image.shape}.")
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 1:
        raise ConfigError(f"lbp3DLevels must be an integer >= 1, got {levels!r}.")
    if not radius > 0:
        raise ConfigError(f"lbp3DIcosphereRadius must be > 0 voxels, got {radius!r}.")
    roi = np.nonzero(mask.array)
    if roi[0].size == 0:
        raise MaskError("LBP3D needs a non-empty mask.")
    im_arr = _array(image)

    vertices = icosphere_vertices(subdivisions, radius)  # (Nv, 3)
    theta = np.arccos(np.true_divide(vertices[:, 2], radius))
    phi = np.arctan2(vertices[:, 1], vertices[:, 0])
    harmonics = [(0, 0)] + [(m, n) for n in range(1, levels) for m in range(-n, n + 1)]
    Y = np.column_stack([_spherical_harmonic(m, n, theta, phi) for m, n in harmonics])  # (Nv, x)
    n_of = np.array([n for _, n in harmonics])

    coords = np.array(roi).T[None, :, :] + vertices[:, None, :]  # (Nv, Np, 3)
    f = map_coordinates(im_arr, coords.T, order=3)  # (Np, Nv), in the image's pixel type
    k = np.real(kurtosis(f, axis=1))
    s = np.greater_equal(f, im_arr[roi][:, None]).astype(int)
    maps = np.concatenate([_lbp3d_levels(s[i:i + _CHUNK], Y, n_of, levels) for i in range(0, len(s), _CHUNK)])
    maps = np.real(maps)
    params = {"levels": int(levels), "radius": float(radius), "subdivisions": int(subdivisions)}
    for idx in range(1, levels + 1):
        out = np.zeros(im_arr.shape)
        out[roi] = maps[:, idx - 1]
        yield f"lbp-3D-m{idx}", _response(image, out, f"lbp-3D-m{idx}", params)
    out = np.zeros(im_arr.shape)
    out[roi] = k
    yield "lbp-3D-k", _response(image, out, "lbp-3D-k", params)


# --- dispatch ------------------------------------------------------------------------------

#: PyRadiomics image type -> the settings it reads.
IMAGE_TYPE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "Original": (),
    "LoG": ("sigma",),
    "Wavelet": ("wavelet", "start_level", "level", "force2D", "force2Ddimension"),
    "Square": (),
    "SquareRoot": (),
    "Logarithm": (),
    "Exponential": (),
    "Gradient": ("gradientUseSpacing",),
    "LBP2D": ("lbp2DRadius", "lbp2DSamples", "lbp2DMethod", "force2D", "force2Ddimension"),
    "LBP3D": ("lbp3DLevels", "lbp3DIcosphereRadius", "lbp3DIcosphereSubdivision"),
}


def image_types(
    image: Image,
    mask: Mask,
    name: str,
    custom: Mapping[str, Any] | None,
    settings: Any,
) -> Iterator[tuple[str, Image]]:
    """The (prefix, image) pairs PyRadiomics computes features on for one ``imageType``.

    Parameters
    ----------
    image, mask : Image, Mask
        The pre-processed (resampled, cropped with padding) image and its ROI on the same grid.
    name : str
        PyRadiomics image type: ``Original``, ``LoG``, ``Wavelet``, ``Square``, ``SquareRoot``,
        ``Logarithm``, ``Exponential``, ``Gradient``, ``LBP2D`` or ``LBP3D``.
    custom : mapping or None
        The image type's own settings from the ``imageType`` section (they win over
        ``settings``; values are used as given, so ``sigma: [1]`` names ``log-sigma-1-mm-3D``).
    settings : PyRadiomicsSettings or mapping
        The general settings (``setting`` section); missing keys take PyRadiomics' defaults.

    Yields
    ------
    (str, Image)
        Prefixes exactly as PyRadiomics writes them (``original``, ``log-sigma-1-0-mm-3D``,
        ``wavelet-LLH``, ``square``, ``lbp-3D-k``, ...), in PyRadiomics' order.

    Raises
    ------
    ConfigError
        Unknown image type or invalid setting.
    """
    if name not in IMAGE_TYPE_FUNCTIONS:
        import difflib

        near = difflib.get_close_matches(str(name), list(IMAGE_TYPE_FUNCTIONS), n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ConfigError(
            f"Unknown PyRadiomics imageType {name!r}; valid: {', '.join(IMAGE_TYPE_FUNCTIONS)}.{hint}"
        )

    def opt(key: str) -> Any:
        return _option(custom, settings, key)

    if name == "Original":
        yield from original_image(image)
    elif name == "LoG":
        yield from log_images(image, opt("sigma") or ())
    elif name == "Wavelet":
        yield from wavelet_images(
            image, opt("wavelet"), opt("start_level"), opt("level"), bool(opt("force2D")), opt("force2Ddimension")
        )
    elif name == "Square":
        yield from square_image(image)
    elif name == "SquareRoot":
        yield from square_root_image(image)
    elif name == "Logarithm":
        yield from logarithm_image(image)
    elif name == "Exponential":
        yield from exponential_image(image)
    elif name == "Gradient":
        yield from gradient_image(image, bool(opt("gradientUseSpacing")))
    elif name == "LBP2D":
        yield from lbp2d_image(
            image, opt("lbp2DRadius"), opt("lbp2DSamples"), opt("lbp2DMethod"), opt("force2Ddimension"),
            bool(opt("force2D")),
        )
    elif name == "LBP3D":
        if _nd(image) != 3:
            warnings.warn("LBP3D skipped: it needs a 3D image (PyRadiomics yields nothing).", UserWarning, stacklevel=2)
            return
        yield from lbp3d_images(
            image, mask, opt("lbp3DLevels"), opt("lbp3DIcosphereRadius"), opt("lbp3DIcosphereSubdivision")
        )
