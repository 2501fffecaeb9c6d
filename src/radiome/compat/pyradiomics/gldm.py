r"""PyRadiomics' grey level dependence matrix (GLDM) features, reproduced exactly.

:math:`\mathbf{P}(i,j)` counts the ROI voxels of grey level :math:`i` with :math:`j-1`
dependent neighbours. PyRadiomics (``radiomics.gldm``) differs from IBSI's NGLDM
(:mod:`radiome.features.ngldm`, IBSI REK0) as follows; this module reproduces PyRadiomics':

* **Neighbours** are the offsets of the angles, in both directions, with
  :math:`\|\mathbf{a}\|_\infty \in` ``distances`` (only those norms: ``distances: [2]``
  skips the 26 nearest voxels) and, with ``force2D``, no offset along ``force2Ddimension``.
* A neighbour in the ROI is **dependent** when :math:`|X(\mathbf{k})-X(\mathbf{k}+\mathbf{a})|
  \le\alpha` (``gldm_a``, default 0), comparing discretised grey levels; the centre voxel is
  counted, so :math:`j\ge1` (as IBSI).
* One matrix for the whole ROI (with ``force2D`` all planes together, IBSI "2.5D"); every
  voxel has an entry, so :math:`N_z=N_p`. Dependence percentage and the normalised grey
  level non-uniformity are not computed (PyRadiomics deprecates them: 1 and first-order
  Uniformity).

With :math:`p_g(i)=\sum_j\mathbf{P}`, :math:`p_d(j)=\sum_i\mathbf{P}`,
:math:`p=\mathbf{P}/N_z` (IBSI code of the same NGLDM quantity in brackets):

* SmallDependenceEmphasis :math:`\sum_{ij}\mathbf{P}/j^2/N_z` (SODN); LargeDependenceEmphasis
  :math:`\sum_{ij}\mathbf{P}j^2/N_z` (IMOQ)
* GrayLevelNonUniformity :math:`\sum_i p_g^2/N_z` (FP8K)
* DependenceNonUniformity :math:`\sum_j p_d^2/N_z` (Z87G); ...Normalized :math:`/N_z^2` (OKJI)
* GrayLevelVariance :math:`\sum_{ij}p(i-\mu_i)^2` (1PFV); DependenceVariance
  :math:`\sum_{ij}p(j-\mu_j)^2` (DNX2)
* DependenceEntropy :math:`-\sum_{ij}p\log_2(p+\epsilon)` (FCBV)
* Low/HighGrayLevelEmphasis :math:`\sum\mathbf{P}i^{\mp2}/N_z` (TL9H, OAE7)
* SmallDependenceLow/HighGrayLevelEmphasis :math:`\sum\mathbf{P}i^{\mp2}j^{-2}/N_z` (EQ3F, JA6D)
* LargeDependenceLow/HighGrayLevelEmphasis :math:`\sum\mathbf{P}i^{\mp2}j^{2}/N_z` (NBZI, 9QMG)

Why hand-written: no library implements PyRadiomics' dependence counts; radiome's IBSI
helper (:func:`radiome.features.texture.neighbourhood.dependence_counts`) uses every offset
up to the distance, which differs for ``distances`` other than ``[1]``. The counts are one
whole-box comparison per pair of opposite offsets, counted for both voxels; no loop over
voxels.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from radiome.compat.pyradiomics.glcm import CodedROI, code_roi, generate_angles, setting
from radiome.compat.pyradiomics.glrlm import matrix_features

__all__ = ["FEATURES", "dependence_counts", "compute", "features"]

#: PyRadiomics GLDM feature names with the IBSI code of the same (NGLDM) quantity.
FEATURES: dict[str, str] = {
    "SmallDependenceEmphasis": "SODN", "LargeDependenceEmphasis": "IMOQ",
    "GrayLevelNonUniformity": "FP8K", "DependenceNonUniformity": "Z87G",
    "DependenceNonUniformityNormalized": "OKJI", "GrayLevelVariance": "1PFV",
    "DependenceVariance": "DNX2", "DependenceEntropy": "FCBV",
    "LowGrayLevelEmphasis": "TL9H", "HighGrayLevelEmphasis": "OAE7",
    "SmallDependenceLowGrayLevelEmphasis": "EQ3F", "SmallDependenceHighGrayLevelEmphasis": "JA6D",
    "LargeDependenceLowGrayLevelEmphasis": "NBZI", "LargeDependenceHighGrayLevelEmphasis": "9QMG",
}


def _dependence(roi: CodedROI, settings: Any) -> tuple[np.ndarray, np.ndarray]:
    """Code (0-based) and dependence of every ROI voxel, in C order of the bounding box.

    Each pair ``(k, k + a)`` over one half of the offsets is compared once and counted for
    both voxels (the offsets come in opposite pairs). The comparisons run on the flat padded
    array: with a border of at least the offset's length, the flat step of an offset reaches
    the true neighbour of every ROI voxel, so contiguous slices replace 3D strided views.
    """
    distances = tuple(int(d) for d in setting(settings, "distances"))
    if roi.pad < max(distances):
        raise ValueError("the coded ROI needs a border of at least the largest distance")
    offsets = generate_angles(
        roi.size, distances,
        force2d=bool(setting(settings, "force2D")),
        force2d_dimension=int(setting(settings, "force2Ddimension")),
    )
    alpha = float(setting(settings, "gldm_a"))
    size = roi.codes.size
    counts = np.zeros(size, dtype=np.uint8 if len(offsets) < 128 else np.int32)
    if alpha > 0:
        value = np.concatenate([[np.nan], roi.grey])[roi.codes.reshape(-1)]  # NaN outside: never dependent
        centre = value
    else:
        # centre codes get a value no neighbour code takes outside the ROI: one comparison
        value = roi.small.reshape(-1)
        if roi.n_grey >= np.iinfo(value.dtype).max:
            value = value.astype(np.int32)
        outside = np.iinfo(value.dtype).max if value.dtype.kind == "u" else -1
        centre = np.where(value > 0, value, value.dtype.type(outside))
    same = np.empty(size, dtype=bool)
    for step in roi.strides(offsets):
        step = int(abs(step))  # voxels k and k + step: the same pair for an offset and its opposite
        if step == 0:
            continue
        part = same[:size - step]
        if alpha > 0:
            np.less_equal(np.abs(centre[:size - step] - value[step:]), alpha, out=part)
        else:
            np.equal(centre[:size - step], value[step:], out=part)
        counts[:size - step] += part
        counts[step:] += part
    index = roi.index
    return roi.codes.reshape(-1).take(index).astype(np.int64) - 1, counts.take(index).astype(np.int64) + 1


def _dependence_matrix(roi: CodedROI, settings: Any) -> tuple[np.ndarray, np.ndarray]:
    """The GLDM ``(1, n_grey, n_dependences)`` over the dependences present (ascending), and
    those dependences: one ``np.bincount`` of ``code * width + dependence`` keys."""
    code, dep = _dependence(roi, settings)
    width = int(dep.max()) + 1
    key = code  # reused in place: both arrays are fresh
    key *= width
    key += dep
    hist = np.bincount(key, minlength=roi.n_grey * width).reshape(roi.n_grey, width)
    used = np.flatnonzero(hist.any(axis=0))
    return hist[:, used][None].astype(np.float64), used.astype(np.float64)


def dependence_counts(
    levels: np.ndarray, mask: np.ndarray, settings: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Dependence :math:`j` (centre voxel included) of every ROI voxel, in C order.

    Returns
    -------
    grey : ndarray of float
        The grey levels present in the ROI, ascending.
    code : ndarray of int64
        Index into ``grey`` of every ROI voxel.
    dependence : ndarray of int64
        :math:`j = 1 + \#\{\mathbf{a}: \mathbf{k}+\mathbf{a}\in\text{ROI},\
        |X(\mathbf{k})-X(\mathbf{k}+\mathbf{a})|\le\alpha\}` of every ROI voxel.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 1], [1, 2]]])
    >>> grey, code, dep = dependence_counts(lv, lv > 0, None)
    >>> grey[code].tolist(), dep.tolist()
    ([1.0, 1.0, 1.0, 2.0], [3, 3, 3, 1])
    """
    distances = tuple(int(d) for d in setting(settings, "distances"))
    roi = code_roi(levels, mask, pad=max(distances))
    code, dep = _dependence(roi, settings)
    return roi.grey.copy(), code, dep


def compute(
    levels: np.ndarray, mask: np.ndarray, spacing_zyx: tuple[float, float, float], settings: Any
) -> dict[str, float]:
    """PyRadiomics GLDM features of a discretised ROI.

    Parameters
    ----------
    levels : ndarray of int, (z, y, x)
        PyRadiomics-discretised grey levels (1..N inside ``mask``).
    mask : ndarray of bool, (z, y, x)
    spacing_zyx : tuple of float
        Voxel spacing in mm (not used).
    settings : PyRadiomicsSettings or mapping
        Reads ``distances``, ``gldm_a``, ``force2D``, ``force2Ddimension``.

    Returns
    -------
    dict
        ``{PyRadiomics feature name: value}`` for the 14 features of :data:`FEATURES`.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 1, 2]]])
    >>> f = compute(lv, lv > 0, (1.0, 1.0, 1.0), None)
    >>> round(f["SmallDependenceEmphasis"], 4), round(f["DependenceNonUniformity"], 4)
    (0.5, 1.6667)
    """
    distances = tuple(int(d) for d in setting(settings, "distances"))
    return features(code_roi(levels, mask, pad=max(distances)), spacing_zyx, settings)


def features(roi: CodedROI, spacing_zyx: Sequence[float], settings: Any) -> dict[str, float]:
    """PyRadiomics GLDM features of a coded ROI (``pad`` at least the largest distance)."""
    mat, sizes = _dependence_matrix(roi, settings)
    f = matrix_features(mat, roi.grey, sizes)
    values = {
        "SmallDependenceEmphasis": f["se"], "LargeDependenceEmphasis": f["le"],
        "GrayLevelNonUniformity": f["gln"], "DependenceNonUniformity": f["jn"],
        "DependenceNonUniformityNormalized": f["jnn"], "GrayLevelVariance": f["glv"],
        "DependenceVariance": f["jv"], "DependenceEntropy": f["entropy"],
        "LowGrayLevelEmphasis": f["lge"], "HighGrayLevelEmphasis": f["hge"],
        "SmallDependenceLowGrayLevelEmphasis": f["slge"],
        "SmallDependenceHighGrayLevelEmphasis": f["shge"],
        "LargeDependenceLowGrayLevelEmphasis": f["llge"],
        "LargeDependenceHighGrayLevelEmphasis": f["lhge"],
    }
    return {name: float(v[0]) for name, v in values.items()}
