r"""SimpleITK's cubic B-spline resampling (``sitkBSpline``), separable and vectorised.

PyRadiomics resamples the image with SimpleITK's ``ResampleImageFilter`` and the
``sitkBSpline`` interpolator (ITK's ``BSplineInterpolateImageFunction`` of order 3 with
double coefficients). ITK evaluates the 64 taps of the tensor-product spline for every output
voxel; when the output grid has the input's direction the continuous input index of an output
voxel is separable, :math:`c_d(i_d) = a_d + r_d i_d` on every axis :math:`d`, so the same
interpolation is three one-dimensional passes with 4 taps each. This module does that, with
ITK's algorithm step for step:

1. **Prefilter** (``BSplineDecompositionImageFilter``): along x, then y, then z, every line
   :math:`s` of length :math:`N>1` (in double precision) becomes the cubic B-spline
   coefficients, with pole :math:`z=\sqrt3-2`, gain :math:`(1-z)(1-1/z)`, mirror boundaries
   and ITK's initialisation:

   .. math::
       c^+_0 = \sum_{n=0}^{h-1} z^n s_n \ (h = \lceil \ln 10^{-10}/\ln|z| \rceil = 18 < N),
       \quad c^+_n = s_n + z c^+_{n-1}, \quad
       c_{N-1} = \frac{z}{z^2-1}(z c^+_{N-2} + c^+_{N-1}), \quad c_n = z (c_{n+1} - c^+_n)

   (for :math:`N \le h` the exact mirror sum
   :math:`c^+_0 = (s_0 + z^{N-1}s_{N-1} + \sum_{n=1}^{N-2}(z^n + z^{2N-2-n})s_n)/(1-z^{2N-2})`).
   Only the coefficient lines that the output box reads are computed after the first axis.
2. **Evaluation** (``BSplineInterpolateImageFunction``): on every axis the support starts at
   :math:`\lfloor \mathrm{float32}(c) \rfloor - 1`, the weights with :math:`w = c - (\lfloor
   c \rfloor)` are

   .. math::
       w_3 = w^3/6,\ w_0 = 1/6 + w(w-1)/2 - w_3,\ w_2 = w + w_0 - 2w_3,\
       w_1 = 1 - w_0 - w_2 - w_3,

   indices outside :math:`[0, N-1]` are mirrored (:math:`-k`, :math:`2(N-1)-k`; an axis of
   length 1 reads index 0), and the value is :math:`\sum_{abc} w^z_c w^y_b w^x_a C`.
3. **Output** (``ResampleImageFilter``): voxels whose continuous index lies outside
   :math:`[-\tfrac12, N-\tfrac12)` on some axis get 0; values are cast to the output pixel
   type (clamped to its range and truncated toward zero for integer types).

The prefilter is ITK's operation for operation (the coefficients equal ITK's bit for bit)
and the continuous indices are ITK's own; the 64 products are summed in another order than
ITK's loop, so values agree with SimpleITK's to double rounding (about :math:`10^{-13}`
relative) before the cast to the pixel type. After the cast to float32 or an integer type
the arrays equal SimpleITK's on all 51 STS images and on the synthetic cases of
``tests/test_pyradiomics_resample.py``; float64 images agree to double rounding. Grids this path does not cover (2D images, several components, a direction that
differs from the image's, continuous indices on a buffer edge) return ``None`` and the caller
uses SimpleITK.

Why hand-written: SimpleITK evaluates every tap of every voxel (4^3 products) and prefilters
the whole image; scipy's ``ndimage.map_coordinates`` does neither ITK's initialisation nor its
boundary test, so neither gives PyRadiomics' voxels as fast.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

__all__ = ["bspline_coefficients", "bspline_resample_array", "resample_bspline", "resample_nearest"]

_POLE = math.sqrt(3.0) - 2.0
_TOLERANCE = 1e-10
_HORIZON = int(math.ceil(math.log(_TOLERANCE) / math.log(abs(_POLE))))
# Continuous indices closer than this to a buffer edge leave the decision to SimpleITK.
_EDGE_GUARD = 1e-7


def _line(arr: np.ndarray, axis: int, k: int) -> np.ndarray:
    """The hyperplane ``k`` of ``arr`` along ``axis`` (a view)."""
    return arr[(slice(None),) * axis + (k,)]


def _prefilter(arr: np.ndarray, axis: int) -> None:
    """ITK's 1D cubic B-spline prefilter of every line of ``arr`` (float64) along ``axis``, in place.

    The recursion runs over the hyperplanes of ``axis``, each step one vector operation on all
    lines at once, in ITK's order of floating-point operations.
    """
    z = _POLE
    n = arr.shape[axis]
    if n == 1:  # ITK leaves a line of one sample unchanged
        return
    c0 = 1.0
    c0 = c0 * (1.0 - z) * (1.0 - 1.0 / z)
    arr *= c0
    first = _line(arr, axis, 0)
    if _HORIZON < n:  # causal initialisation, mirror boundary, truncated at the tolerance
        acc = first.copy()
        zn = z
        for k in range(1, _HORIZON):
            acc += zn * _line(arr, axis, k)
            zn *= z
        first[...] = acc
    else:
        zn = z
        iz = 1.0 / z
        z2n = math.pow(z, float(n - 1))
        acc = first + z2n * _line(arr, axis, n - 1)
        z2n *= z2n * iz
        for k in range(1, n - 1):
            acc += (zn + z2n) * _line(arr, axis, k)
            zn *= z
            z2n *= iz
        first[...] = acc / (1.0 - zn * zn)
    prev = first
    for k in range(1, n):  # causal recursion
        cur = _line(arr, axis, k)
        cur += z * prev
        prev = cur
    last = _line(arr, axis, n - 1)
    last[...] = (z / (z * z - 1.0)) * (z * _line(arr, axis, n - 2) + last)
    nxt = last
    for k in range(n - 2, -1, -1):  # anticausal recursion
        cur = _line(arr, axis, k)
        np.subtract(nxt, cur, out=cur)
        cur *= z
        nxt = cur


def bspline_coefficients(arr: np.ndarray, keep: Sequence[slice] | None = None) -> np.ndarray:
    """ITK's cubic B-spline coefficients of a (z, y, x) array (x first, then y, then z).

    Parameters
    ----------
    arr
        Image voxels ``(z, y, x)``, any real dtype (computed in float64).
    keep
        Per axis ``(z, y, x)``, the slice of coefficients wanted; ``None`` for all. Lines
        outside them are not computed after the first axis.

    Returns
    -------
    ndarray of float64
        The coefficients at ``keep``, ``(z, y, x)`` (a view of a working array).
    """
    kz, ky, kx = keep if keep is not None else (slice(None),) * 3
    arr = np.asarray(arr)
    nz, ny, nx = arr.shape
    width = len(range(nx)[kx])
    work = np.empty((nz, ny, width), dtype=np.float64)  # (z, y, x kept)
    step = max(1, (1 << 19) // max(1, ny * nx))  # x lines in slabs of about 4 MB of float64
    for z0 in range(0, nz, step):
        slab = np.ascontiguousarray(arr[z0:z0 + step].transpose(0, 2, 1), dtype=np.float64)  # (z, x, y)
        _prefilter(slab, 1)  # x
        work[z0:z0 + step] = slab[:, kx, :].transpose(0, 2, 1)
        del slab
    _prefilter(work, 1)  # y
    work = work[:, ky, :]
    _prefilter(work, 0)  # z
    return work[kz]


def _contract(arr: np.ndarray, axis: int, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``out[.., i, ..] = sum_t w[i, t] arr[.., idx[i, t], ..]`` along ``axis`` (not the last)."""
    shape = list(arr.shape)
    shape[axis] = idx.shape[0]
    out = np.empty(shape, dtype=np.float64)
    tmp = np.empty(arr.shape[:axis] + arr.shape[axis + 1:], dtype=np.float64)
    for i in range(idx.shape[0]):
        row = _line(out, axis, i)
        np.multiply(_line(arr, axis, idx[i, 0]), w[i, 0], out=row)
        for t in range(1, idx.shape[1]):
            np.multiply(_line(arr, axis, idx[i, t]), w[i, t], out=tmp)
            row += tmp
    return out


def _axis_taps(ci: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mirrored tap indices (m, 4), weights (m, 4) and inside-buffer flags (m,) on one axis."""
    first = np.floor(ci.astype(np.float32)).astype(np.int64) - 1
    w = ci - (first + 1).astype(np.float64)
    w3 = (1.0 / 6.0) * w * w * w
    w0 = (1.0 / 6.0) + 0.5 * w * (w - 1.0) - w3
    w2 = w + w0 - 2.0 * w3
    w1 = 1.0 - w0 - w2 - w3
    weights = np.stack([w0, w1, w2, w3], axis=1)
    idx = first[:, None] + np.arange(4)[None, :]
    if n == 1:
        idx = np.zeros_like(idx)
    else:
        idx = np.where(idx < 0, -idx, idx)
        idx = np.where(idx >= n - 1, (n - 1) - (idx - (n - 1)), idx)
    inside = (ci >= -0.5) & (ci < n - 0.5)
    return idx, weights, inside


def _near_edge(ci: np.ndarray, n: int) -> bool:
    return bool(np.any(np.abs(ci + 0.5) < _EDGE_GUARD) or np.any(np.abs(ci - (n - 0.5)) < _EDGE_GUARD))


def _cast(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """ITK's CastPixelWithBoundsChecking: clamp to the type's range, then C cast."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return values.astype(dtype)
    info = np.iinfo(dtype)
    clipped = np.clip(values, float(info.min), float(info.max))
    return np.trunc(clipped).astype(dtype)


def bspline_resample_array(
    arr: np.ndarray, continuous_index: Sequence[np.ndarray], dtype: np.dtype | None = None
) -> np.ndarray | None:
    """Cubic B-spline values of ``arr`` (z, y, x) on a separable grid, as ITK would give them.

    Parameters
    ----------
    arr
        Input voxels ``(z, y, x)``.
    continuous_index
        Per axis ``(z, y, x)``, the continuous input index of every output position.
    dtype
        Output pixel type (default ``arr.dtype``).

    Returns
    -------
    ndarray or None
        The resampled ``(len(ci_z), len(ci_y), len(ci_x))`` array, or ``None`` when an output
        position lies on a buffer edge (within ``1e-7`` voxel), where ITK's floating-point
        test decides and SimpleITK should be called instead.
    """
    dtype = np.dtype(arr.dtype if dtype is None else dtype)
    taps = []
    for ci, n in zip(continuous_index, arr.shape):
        ci = np.asarray(ci, dtype=np.float64)
        if _near_edge(ci, n):
            return None
        taps.append(_axis_taps(ci, n))
    inside = [t[2] for t in taps]
    shape = tuple(len(t[2]) for t in taps)
    if not all(i.any() for i in inside):
        return np.zeros(shape, dtype=dtype)
    # coefficient range that the inside voxels read, per axis, and the taps re-indexed into it
    keep, local = [], []
    for idx, _, ins in taps:
        lo, hi = int(idx[ins].min()), int(idx[ins].max())
        keep.append(slice(lo, hi + 1))
        local.append(np.where(ins[:, None], idx - lo, 0))
    # contract x, then y (each on a non-last axis; intermediates released as soon as used)
    work = np.ascontiguousarray(bspline_coefficients(arr, keep).transpose(0, 2, 1))  # (z, x, y)
    work = _contract(work, 1, local[2], taps[2][1])  # (z, x', y)
    work = _contract(np.ascontiguousarray(work.transpose(0, 2, 1)), 1, local[1], taps[1][1])  # (z, y', x')
    # then z, one output slice at a time, cast to the pixel type as it is written
    plane = inside[1][:, None] & inside[2][None, :]
    out = np.empty(shape, dtype=dtype)
    row = np.empty(shape[1:], dtype=np.float64)
    tmp = np.empty(shape[1:], dtype=np.float64)
    idx, w = local[0], taps[0][1]
    for k in range(shape[0]):
        if not inside[0][k]:
            out[k] = 0
            continue
        np.multiply(work[idx[k, 0]], w[k, 0], out=row)
        for t in range(1, idx.shape[1]):
            np.multiply(work[idx[k, t]], w[k, t], out=tmp)
            row += tmp
        if not plane.all():
            row *= plane
        out[k] = _cast(row, dtype)
    return out


def _continuous_index(image: Any, origin: Sequence[float], spacing: Sequence[float], size: Sequence[int],
                      direction: Sequence[float]) -> list[np.ndarray]:
    """Continuous input index (x, y, z order) of the output grid points along each axis.

    Computed as ITK's ``ResampleImageFilter`` does for a linear transform: the input index of
    the first and one-past-last voxel of an output scan line (x) through SimpleITK's own
    index/point conversions, linearly interpolated along the line; y and z are the scan
    lines' start indices.
    """
    import SimpleITK as sitk

    ref = sitk.Image([1, 1, 1], sitk.sitkUInt8)
    ref.SetOrigin(tuple(float(v) for v in origin))
    ref.SetSpacing(tuple(float(v) for v in spacing))
    ref.SetDirection(tuple(float(v) for v in direction))

    def index_of(idx: tuple[int, int, int]) -> tuple[float, ...]:
        return image.TransformPhysicalPointToContinuousIndex(ref.TransformIndexToPhysicalPoint(idx))

    nx = int(size[0])
    start, end = index_of((0, 0, 0))[0], index_of((nx, 0, 0))[0]
    alpha = np.arange(nx, dtype=np.float64) / float(nx)
    ci_x = start + alpha * (end - start)
    ci_y = np.array([index_of((0, j, 0))[1] for j in range(int(size[1]))], dtype=np.float64)
    ci_z = np.array([index_of((0, 0, k))[2] for k in range(int(size[2]))], dtype=np.float64)
    return [ci_x, ci_y, ci_z]


def _covered(image: Any, direction: Sequence[float]) -> bool:
    """Whether the separable paths apply: a scalar 3D image whose direction is the output's."""
    if image.GetDimension() != 3 or image.GetNumberOfComponentsPerPixel() != 1:
        return False
    return tuple(float(v) for v in direction) == tuple(float(v) for v in image.GetDirection())


def _to_sitk(arr: np.ndarray, origin: Sequence[float], spacing: Sequence[float], direction: Sequence[float]) -> Any:
    import SimpleITK as sitk

    result = sitk.GetImageFromArray(arr)
    result.SetOrigin(tuple(float(v) for v in origin))
    result.SetSpacing(tuple(float(v) for v in spacing))
    result.SetDirection(tuple(float(v) for v in direction))
    return result


def resample_bspline(
    image: Any, size: Sequence[int], origin: Sequence[float], spacing: Sequence[float], direction: Sequence[float]
) -> Any | None:
    """SimpleITK ``ResampleImageFilter`` with ``sitkBSpline`` and the input pixel type, or ``None``.

    Returns a SimpleITK image on the output grid with SimpleITK's voxels, or ``None`` where
    this separable path does not apply (not 3D, several components, output direction not the
    image's, a grid point on a buffer edge): call SimpleITK then.
    """
    import SimpleITK as sitk

    if not _covered(image, direction):
        return None
    arr = sitk.GetArrayViewFromImage(image)
    if arr.dtype.kind not in "iuf":
        return None
    ci_xyz = _continuous_index(image, origin, spacing, size, direction)
    out = bspline_resample_array(arr, ci_xyz[::-1], arr.dtype)
    return None if out is None else _to_sitk(out, origin, spacing, direction)


def resample_nearest(
    image: Any, size: Sequence[int], origin: Sequence[float], spacing: Sequence[float], direction: Sequence[float]
) -> Any | None:
    r"""SimpleITK ``ResampleImageFilter`` with ``sitkNearestNeighbor`` (input pixel type), or ``None``.

    The voxel read is :math:`\lfloor c + \tfrac12 \rfloor` on every axis (ITK's rounding of a
    continuous index, half up), 0 outside :math:`[-\tfrac12, N-\tfrac12)`. The continuous
    indices are ITK's own (:func:`_continuous_index`), so grid points that fall exactly half-way
    between two voxels (common: 3.27 mm slices resampled to 1 mm) round as in SimpleITK.
    ``None`` where the path does not apply or a continuous index lies within :math:`10^{-7}`
    of a buffer edge.
    """
    import SimpleITK as sitk

    if not _covered(image, direction):
        return None
    arr = sitk.GetArrayViewFromImage(image)
    ci_xyz = _continuous_index(image, origin, spacing, size, direction)
    picks, masks = [], []
    for ci, n in zip(ci_xyz[::-1], arr.shape):
        if _near_edge(ci, n):
            return None
        inside = (ci >= -0.5) & (ci < n - 0.5)
        picks.append(np.clip(np.floor(ci + 0.5).astype(np.int64), 0, n - 1))
        masks.append(inside)
    out = arr.take(picks[2], axis=2).take(picks[1], axis=1).take(picks[0], axis=0)
    if not all(m.all() for m in masks):
        out = out * (masks[0][:, None, None] & masks[1][None, :, None] & masks[2][None, None, :]).astype(out.dtype)
    return _to_sitk(np.ascontiguousarray(out), origin, spacing, direction)
