r"""PyRadiomics' neighbouring grey tone difference matrix (NGTDM) features, reproduced exactly.

For every ROI voxel :math:`\mathbf{k}` of grey level :math:`i`, PyRadiomics
(``radiomics.ngtdm``) averages the grey levels of its neighbours that lie in the ROI,
:math:`\bar{A}_\mathbf{k}`, and accumulates :math:`s_i=\sum_{\mathbf{k}}|i-\bar{A}_\mathbf{k}|`
and :math:`n_i`, the number of voxels of level :math:`i`. Its choices, reproduced here:

* **Neighbours** are the offsets of the angles, both directions, with
  :math:`\|\mathbf{a}\|_\infty\in` ``distances`` (only those norms) and, with ``force2D``,
  none along ``force2Ddimension``; neighbourhoods need not be complete (IBSI's relaxed
  definition). One matrix for the whole ROI (with ``force2D`` all planes together).
* A voxel **without any neighbour** in the ROI still counts in :math:`n_i` (its difference
  is 0), so :math:`N_{v,p}=\sum n_i=N_p`; IBSI leaves such voxels out.
* :math:`i` is the discretised grey level; levels absent from the ROI are dropped, and
  :math:`N_{g,p}` is the number of levels present. Degenerate values: Coarseness
  :math:`10^6` when :math:`\sum p_is_i=0`, Contrast 0 when :math:`N_{g,p}\le1`, Busyness 0
  when its denominator is 0, Strength 0 when :math:`\sum s_i=0`.

With :math:`p_i=n_i/N_{v,p}` (IBSI code of the same quantity in brackets):

* Coarseness :math:`1/\sum_i p_is_i` (QCDE)
* Contrast :math:`\frac{\sum_{ij}p_ip_j(i-j)^2}{N_{g,p}(N_{g,p}-1)}\frac{\sum_i s_i}{N_{v,p}}` (65HE)
* Busyness :math:`\frac{\sum_i p_is_i}{\sum_{ij}|ip_i-jp_j|}` (NQ30)
* Complexity :math:`\frac{1}{N_{v,p}}\sum_{ij}|i-j|\frac{p_is_i+p_js_j}{p_i+p_j}` (HDEZ)
* Strength :math:`\frac{\sum_{ij}(p_i+p_j)(i-j)^2}{\sum_i s_i}` (1X9X)

Why hand-written: no library computes PyRadiomics' NGTDM; radiome's IBSI helper
(:func:`radiome.features.texture.neighbourhood.neighbourhood_sums`) uses every offset up to
the distance and IBSI drops voxels without neighbours. Neighbour sums and counts are exact
integer sums: for ``distances: [1]`` the 3x3x3 (3x3 with ``force2D``) window sums of the
padded box minus the centre, otherwise one whole-ROI lookup per offset; no loop over voxels.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from radiome.compat.pyradiomics.glcm import CodedROI, code_roi, generate_angles, neighbour_codes, setting

__all__ = ["FEATURES", "ngtdm_matrix", "compute", "features"]

#: PyRadiomics NGTDM feature names with the IBSI code of the same quantity.
FEATURES: dict[str, str] = {
    "Coarseness": "QCDE", "Contrast": "65HE", "Busyness": "NQ30", "Complexity": "HDEZ",
    "Strength": "1X9X",
}


def _box_sum(arr: np.ndarray, axes: Sequence[int]) -> np.ndarray:
    """Sum over the 3-voxel window along each of ``axes`` (the result is 2 shorter on them)."""
    out = arr
    for axis in axes:
        n = out.shape[axis]
        sl = [slice(None)] * 3
        parts = []
        for k in range(3):
            sl[axis] = slice(k, n - 2 + k)
            parts.append(out[tuple(sl)])
        out = parts[0] + parts[1] + parts[2]
    return out


def _neighbour_sums(roi: CodedROI, settings: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Code (1-based), sum of the neighbours' grey levels and neighbour count of every ROI voxel."""
    distances = tuple(int(d) for d in setting(settings, "distances"))
    force2d = bool(setting(settings, "force2D"))
    dim = int(setting(settings, "force2Ddimension"))
    p = roi.pad
    nz, ny, nx = roi.size
    centre, _ = roi.shifted((0, 0, 0))
    inside = centre > 0
    integral = bool(np.all(roi.grey == np.round(roi.grey))) and roi.grey[-1] < 2**40
    if distances == (1,) and integral:
        # neighbours at Chebyshev distance 1 = the 3x3x3 (3x3 in-plane) window minus the centre,
        # summed exactly in integers
        window = roi.small[p - 1:p + nz + 1, p - 1:p + ny + 1, p - 1:p + nx + 1]
        top = roi.grey[-1] * 27
        dtype = np.int16 if top < 2**15 else np.int32 if top < 2**31 else np.int64
        grey = np.concatenate([[0], roi.grey]).astype(dtype)[window]
        ins = (window > 0).view(np.int8)
        axes = [a for a in range(3) if not (force2d and a == dim)]
        trim = [slice(None) if a in axes else slice(1, -1) for a in range(3)]
        total = _box_sum(grey, axes)[tuple(trim)] - grey[1:-1, 1:-1, 1:-1]
        count = _box_sum(ins, axes)[tuple(trim)] - ins[1:-1, 1:-1, 1:-1]
        return centre[inside], total[inside].astype(np.float64), count[inside].astype(np.float64)
    if roi.pad < max(distances):
        raise ValueError("the coded ROI needs a border of at least the largest distance")
    offsets = generate_angles(roi.size, distances, force2d=force2d, force2d_dimension=dim, bidirectional=True)
    code = roi.codes.ravel()[roi.index]
    grey_ext = np.concatenate([[0.0], roi.grey])  # code 0 (outside the ROI) adds nothing
    total = np.zeros(code.size)
    count = np.zeros(code.size)
    for offset in offsets:  # one whole-ROI lookup per neighbour offset; integer-exact sums
        nb = neighbour_codes(roi, offset[None, :])[0]
        total += grey_ext[nb]
        count += nb > 0
    return code, total, count


def _matrix(roi: CodedROI, settings: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    code, total, count = _neighbour_sums(roi, settings)
    grey = roi.grey[code - 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.where(count > 0, np.abs(grey - total / np.where(count > 0, count, 1.0)), 0.0)
    n = np.bincount(code - 1, minlength=roi.n_grey).astype(np.float64)
    s = np.bincount(code - 1, weights=diff, minlength=roi.n_grey)
    return roi.grey.copy(), n, s


def ngtdm_matrix(levels: np.ndarray, mask: np.ndarray, settings: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""PyRadiomics' NGTDM: grey levels present, :math:`n_i` and :math:`s_i`.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 2], [3, 4]]])
    >>> grey, n, s = ngtdm_matrix(lv, lv > 0, None)
    >>> grey.tolist(), n.tolist(), [round(v, 4) for v in s.tolist()]
    ([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0], [2.0, 0.6667, 0.6667, 2.0])
    """
    distances = tuple(int(d) for d in setting(settings, "distances"))
    return _matrix(code_roi(levels, mask, pad=max(distances)), settings)


def compute(
    levels: np.ndarray, mask: np.ndarray, spacing_zyx: tuple[float, float, float], settings: Any
) -> dict[str, float]:
    """PyRadiomics NGTDM features of a discretised ROI.

    Parameters
    ----------
    levels : ndarray of int, (z, y, x)
        PyRadiomics-discretised grey levels (1..N inside ``mask``).
    mask : ndarray of bool, (z, y, x)
    spacing_zyx : tuple of float
        Voxel spacing in mm (not used).
    settings : PyRadiomicsSettings or mapping
        Reads ``distances``, ``force2D``, ``force2Ddimension``.

    Returns
    -------
    dict
        ``{PyRadiomics feature name: value}`` for the 5 features of :data:`FEATURES`.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 1], [1, 1]]])
    >>> compute(lv, lv > 0, (1.0, 1.0, 1.0), None)
    {'Coarseness': 1000000.0, 'Contrast': 0.0, 'Busyness': 0.0, 'Complexity': 0.0, 'Strength': 0.0}
    """
    distances = tuple(int(d) for d in setting(settings, "distances"))
    return features(code_roi(levels, mask, pad=max(distances)), spacing_zyx, settings)


def features(roi: CodedROI, spacing_zyx: Sequence[float], settings: Any) -> dict[str, float]:
    """PyRadiomics NGTDM features of a coded ROI (``pad`` at least the largest distance)."""
    i, n, s = _matrix(roi, settings)
    nvp = n.sum()
    p = n / nvp
    ngp = i.size
    ps = p * s
    sum_ps = ps.sum()
    coarseness = 1e6 if sum_ps == 0 else 1.0 / sum_ps
    di = i[:, None] - i[None, :]
    if ngp <= 1:
        contrast = 0.0
    else:
        contrast = (np.sum(p[:, None] * p[None, :] * di**2) / (ngp * (ngp - 1))) * (np.sum(s) / nvp)
    ip = i * p
    absdiff = np.sum(np.abs(ip[:, None] - ip[None, :]))
    busyness = 0.0 if absdiff == 0 else sum_ps / absdiff
    complexity = np.sum(np.abs(di) * ((ps[:, None] + ps[None, :]) / (p[:, None] + p[None, :]))) / nvp
    sum_s = np.sum(s)
    strength = 0.0 if sum_s == 0 else np.sum((p[:, None] + p[None, :]) * di**2) / sum_s
    return {
        "Coarseness": float(coarseness),
        "Contrast": float(contrast),
        "Busyness": float(busyness),
        "Complexity": float(complexity),
        "Strength": float(strength),
    }
