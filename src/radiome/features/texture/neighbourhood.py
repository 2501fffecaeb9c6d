r"""Neighbourhood sums and dependence counts for NGTDM and NGLDM (IBSI 1, sections 3.10-3.11).

Both families look, for every voxel :math:`\mathbf{k}` of the intensity mask, at the voxels
:math:`\mathbf{k}+\mathbf{m}` within Chebyshev distance :math:`\delta` (a
:math:`(2\delta+1)^3` cube in 3D, a :math:`(2\delta+1)^2` square within the slice in 2D), and
only at those inside the intensity mask (IBSI's relaxed neighbourhoods: a neighbourhood need
not lie wholly inside the ROI).

* :func:`neighbourhood_sums` gives :math:`\sum_{\mathbf{m}\neq 0} X_d(\mathbf{k}+\mathbf{m})`
  and the neighbourhood size :math:`W_k` (NGTDM), as separable box sums of the masked level
  array (``scipy.ndimage.correlate1d`` once per axis, exact integer arithmetic) minus the
  centre voxel.
* :func:`dependence_counts` gives the NGLDM dependence
  :math:`j_k = \sum_{\mathbf{m}} [|X_d(\mathbf{k})-X_d(\mathbf{k}+\mathbf{m})|\le\alpha]`
  (centre included, so :math:`j_k\ge 1`), by comparing the array with shifted views of
  itself, one whole-array comparison per neighbour offset.
* :func:`voxel_slices` gives the slice of every mask voxel, the matrix index of the per-slice
  (2D, 2.5D) NGTDM and NGLDM.

Why hand-written: no library computes IBSI's masked neighbourhoods; the work is whole-array
NumPy/SciPy operations, never a loop over voxels.
"""

from __future__ import annotations

from itertools import product

import numpy as np
from scipy import ndimage as ndi

__all__ = ["neighbourhood_sums", "dependence_counts", "voxel_slices"]


def _box_sum(a: np.ndarray, radius: int, axes: tuple[int, ...]) -> np.ndarray:
    weights = np.ones(2 * radius + 1, dtype=a.dtype)
    out = a
    for ax in axes:
        out = ndi.correlate1d(out, weights, axis=ax, mode="constant", cval=0)
    return out


def neighbourhood_sums(
    levels: np.ndarray, mask: np.ndarray, distance: int, *, by_slice: bool
) -> tuple[np.ndarray, np.ndarray]:
    r"""Sum and number of the neighbours in the mask of every mask voxel (NGTDM).

    .. math::

        \Sigma_k = \sum_{\|\mathbf{m}\|_\infty\le\delta,\ \mathbf{m}\neq 0}
            X_d(\mathbf{k}+\mathbf{m})\,[\mathbf{k}+\mathbf{m}\in\text{ROI}],\qquad
        W_k = \sum_{\|\mathbf{m}\|_\infty\le\delta,\ \mathbf{m}\neq 0}
            [\mathbf{k}+\mathbf{m}\in\text{ROI}]

    Parameters
    ----------
    levels : ndarray of int, (z, y, x)
        Discretised grey levels (ignored outside ``mask``).
    mask : ndarray of bool, (z, y, x)
        The intensity mask.
    distance : int
        Chebyshev distance :math:`\delta`.
    by_slice : bool
        Neighbourhoods within the slice only (2D, 2.5D).

    Returns
    -------
    sums, counts : ndarray, (n,)
        :math:`\Sigma_k` and :math:`W_k` for the mask voxels in C order.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 2], [3, 4]]])
    >>> s, w = neighbourhood_sums(lv, lv > 0, 1, by_slice=True)
    >>> s.tolist(), w.tolist()
    ([9, 8, 7, 6], [3, 3, 3, 3])
    """
    mask = np.asarray(mask, dtype=bool)
    axes = (1, 2) if by_slice else (0, 1, 2)
    lv = np.where(mask, levels, 0).astype(np.int64 if distance > 10 else np.int32)
    sums = _box_sum(lv, distance, axes)[mask] - lv[mask]
    counts = _box_sum(mask.astype(np.int32), distance, axes)[mask] - 1
    return sums, counts


def dependence_counts(
    levels: np.ndarray, mask: np.ndarray, distance: int, coarseness: int, *, by_slice: bool
) -> np.ndarray:
    r"""NGLDM dependence count of every mask voxel.

    .. math::

        j_k = \sum_{\|\mathbf{m}\|_\infty\le\delta}
            \big[|X_d(\mathbf{k})-X_d(\mathbf{k}+\mathbf{m})|\le\alpha
            \text{ and } \mathbf{k}+\mathbf{m}\in\text{ROI}\big]

    The centre voxel is included (:math:`\mathbf{m}=0`), so :math:`j_k\ge 1`.

    Parameters
    ----------
    levels : ndarray of int, (z, y, x)
    mask : ndarray of bool, (z, y, x)
        The intensity mask.
    distance : int
        Chebyshev distance :math:`\delta`.
    coarseness : int
        :math:`\alpha`, the largest grey level difference that still counts as dependent.
    by_slice : bool
        Neighbourhoods within the slice only (2D, 2.5D).

    Returns
    -------
    ndarray of int, (n,)
        :math:`j_k` for the mask voxels in C order.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 1], [1, 2]]])
    >>> dependence_counts(lv, lv > 0, 1, 0, by_slice=True).tolist()
    [3, 3, 3, 1]
    """
    mask = np.asarray(mask, dtype=bool)
    d = int(distance)
    pad = ((0, 0), (d, d), (d, d)) if by_slice else ((d, d),) * 3
    # levels are >= 1 inside the mask, 0 outside; with alpha = 0 an equal level implies "inside"
    lv = np.pad(np.where(mask, levels, 0).astype(np.int32), pad)
    nz, ny, nx = mask.shape
    oz = 0 if by_slice else d
    centre = lv[oz:oz + nz, d:d + ny, d:d + nx]
    n_offsets = (2 * d + 1) ** (2 if by_slice else 3)
    counts = np.zeros(mask.shape, dtype=np.int16 if n_offsets < 2**15 else np.int32)
    dz_range = (0,) if by_slice else range(-d, d + 1)
    for dz, dy, dx in product(dz_range, range(-d, d + 1), range(-d, d + 1)):
        if dz == dy == dx == 0:
            continue
        nb = lv[oz + dz:oz + dz + nz, d + dy:d + dy + ny, d + dx:d + dx + nx]
        if coarseness == 0:
            counts += nb == centre
        else:
            counts += (np.abs(nb - centre) <= coarseness) & (nb > 0)
    return counts[mask].astype(np.int64) + 1


def voxel_slices(mask: np.ndarray, by_slice: bool) -> np.ndarray:
    """The slice (``z`` index) of every voxel of ``mask`` in C order, or zeros unless ``by_slice``.

    Examples
    --------
    >>> import numpy as np
    >>> voxel_slices(np.array([[[1, 0]], [[1, 1]]], bool), by_slice=True).tolist()
    [0, 1, 1]
    """
    mask = np.asarray(mask, dtype=bool)
    if by_slice:
        return np.broadcast_to(np.arange(mask.shape[0])[:, None, None], mask.shape)[mask]
    return np.zeros(int(np.count_nonzero(mask)), dtype=np.int64)
