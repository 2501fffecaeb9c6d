r"""PyRadiomics' grey level run length matrix (GLRLM) features, reproduced exactly.

A run is a maximal line of consecutive ROI voxels of one grey level along an angle;
:math:`\mathbf{P}(i,j|\theta)` counts the runs of grey level :math:`i` and length :math:`j`.
PyRadiomics' choices (``radiomics.glrlm``), which this module reproduces:

* **Angles**: the 13 offsets of :math:`\|\mathbf{a}\|_\infty=1` in 3D (4 in-plane ones with
  ``force2D``), whatever ``distances`` says; one matrix per angle, features averaged over the
  angles (IBSI "3D averaged", ITBB; with ``force2D`` the in-plane runs of all slices form one
  matrix per angle, IBSI "2.5D averaged", JJUI).
* An angle along which no line through the bounding box holds two ROI voxels (e.g. the
  out-of-plane angles of a single-slice ROI) is emptied, and empty angles are dropped.
* **Distance weighting** (``weightingNorm``): the angle matrices are summed with weights
  equal to the angle's length :math:`\|\mathbf{a}\odot\mathbf{s}\|` (norm ``manhattan``,
  ``euclidean``, ``infinity``; ``no_weighting``: 1) and the features come from the summed
  matrix (IBSI "3D merged", IAZD, for ``no_weighting``); :math:`N_p` is then the weighted
  number of voxels, :math:`\sum_j j\,p_r(j)`.
* :math:`i` is the discretised grey level (levels absent from the ROI dropped) and
  entropies use :math:`\log_2(p+\epsilon)`.

With :math:`N_r(\theta)=\sum_{ij}\mathbf{P}(i,j|\theta)`, :math:`p_g(i)=\sum_j\mathbf{P}`,
:math:`p_r(j)=\sum_i\mathbf{P}`, :math:`p=\mathbf{P}/N_r`,
:math:`N_p(\theta)=\sum_j j\,p_r(j)` (IBSI code of the same quantity in brackets):

* ShortRunEmphasis :math:`\sum_{ij}\mathbf{P}/j^2/N_r` (22OV); LongRunEmphasis
  :math:`\sum_{ij}\mathbf{P}j^2/N_r` (W4KF)
* GrayLevelNonUniformity :math:`\sum_i p_g^2/N_r` (R5YN); ...Normalized :math:`/N_r^2` (OVBL)
* RunLengthNonUniformity :math:`\sum_j p_r^2/N_r` (W92Y); ...Normalized :math:`/N_r^2` (IC23)
* RunPercentage :math:`N_r/N_p` (9ZK5)
* GrayLevelVariance :math:`\sum_{ij}p(i-\mu_i)^2` (8CE5); RunVariance
  :math:`\sum_{ij}p(j-\mu_j)^2` (SXLW)
* RunEntropy :math:`-\sum_{ij}p\log_2(p+\epsilon)` (HJ9O)
* Low/HighGrayLevelRunEmphasis :math:`\sum\mathbf{P}i^{\mp2}/N_r` (V3SW, G3QZ)
* ShortRunLow/HighGrayLevelEmphasis :math:`\sum\mathbf{P}i^{\mp2}j^{-2}/N_r` (HTZT, GD3A)
* LongRunLow/HighGrayLevelEmphasis :math:`\sum\mathbf{P}i^{\mp2}j^{2}/N_r` (IVPO, 3KUM)

The same statistics of a sparse count matrix serve the GLSZM and GLDM modules
(:func:`count_matrix_features`).

Why hand-written: no library builds PyRadiomics' run-length matrices (its angle set, the
empty-angle rule, the weighting). Runs are found without a loop over voxels: per angle the padded
array is reordered so that every line is contiguous, and runs are its segments of one code.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from radiome.compat.pyradiomics.glcm import (
    EPS,
    CodedROI,
    angle_weights,
    code_roi,
    generate_angles,
    nan_mean,
    setting,
)

__all__ = ["FEATURES", "run_lengths", "count_matrix_features", "compute"]

# Dense bincount while the key space has at most this many cells; np.unique beyond.
_DENSE_LIMIT = 1 << 24

#: PyRadiomics GLRLM feature names with the IBSI code of the same quantity.
FEATURES: dict[str, str] = {
    "ShortRunEmphasis": "22OV", "LongRunEmphasis": "W4KF", "GrayLevelNonUniformity": "R5YN",
    "GrayLevelNonUniformityNormalized": "OVBL", "RunLengthNonUniformity": "W92Y",
    "RunLengthNonUniformityNormalized": "IC23", "RunPercentage": "9ZK5",
    "GrayLevelVariance": "8CE5", "RunVariance": "SXLW", "RunEntropy": "HJ9O",
    "LowGrayLevelRunEmphasis": "V3SW", "HighGrayLevelRunEmphasis": "G3QZ",
    "ShortRunLowGrayLevelEmphasis": "HTZT", "ShortRunHighGrayLevelEmphasis": "GD3A",
    "LongRunLowGrayLevelEmphasis": "IVPO", "LongRunHighGrayLevelEmphasis": "3KUM",
}


def run_lengths(roi: CodedROI, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """The runs of the ROI along one angle.

    The flat padded array is reshaped to ``(-1, stride)`` and transposed, which puts the
    voxels ``p, p + stride, p + 2 stride, ...`` of every line next to each other; lines are
    separated by the border (marked -1), so runs are the segments of equal positive codes.

    Parameters
    ----------
    roi : CodedROI
        Coded ROI with a zero border of at least 1.
    offset : ndarray (3,)
        Unit angle ``(dz, dy, dx)``, components in {-1, 0, 1}; the sign does not matter.

    Returns
    -------
    code : ndarray of int64
        Grey-level code (1-based) of every run.
    length : ndarray of int64
        Length of every run in voxels.
    multi_element : bool
        Whether some line along the angle through the bounding box holds two ROI voxels
        (PyRadiomics empties the angle otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> from radiome.compat.pyradiomics.glcm import code_roi
    >>> roi = code_roi(np.array([[[1, 1, 2, 2, 2]]]), np.ones((1, 1, 5), bool))
    >>> code, length, multi = run_lengths(roi, np.array([0, 0, 1]))
    >>> code.tolist(), length.tolist(), multi
    ([1, 2], [2, 3], True)
    """
    if roi.pad < 1:
        raise ValueError("run_lengths needs a coded ROI with a border (pad >= 1)")
    marked = roi.codes.copy()
    for axis in range(3):
        edge = [slice(None)] * 3
        edge[axis] = np.r_[0:roi.pad, marked.shape[axis] - roi.pad:marked.shape[axis]]
        marked[tuple(edge)] = -1
    stride = int(abs(roi.strides(np.asarray(offset)[None, :])[0]))
    flat = marked.ravel()
    rows = flat.size // stride
    seq = np.ascontiguousarray(flat[: rows * stride].reshape(rows, stride).T).ravel()
    seq = np.concatenate([[-1], seq, [-1]])
    inside = seq > 0
    change = seq[1:] != seq[:-1]
    start = np.flatnonzero(inside[1:] & change) + 1  # first voxel of each run
    end = np.flatnonzero(inside[:-1] & change)  # last voxel of each run
    length = end - start + 1
    multi = bool(length.size and length.max() >= 2)
    if not multi and length.size > 1:  # all runs single: does some line still hold two voxels?
        line = np.cumsum(seq == -1)[inside]
        multi = bool(np.bincount(line).max() >= 2)
    return seq[start].astype(np.int64), length.astype(np.int64), multi


def _group_sums(
    group: np.ndarray, sub: np.ndarray, weights: np.ndarray, n_sub: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum ``weights`` per distinct (group, sub) pair; returns group, sub, sum (sorted)."""
    key = group.astype(np.int64) * n_sub + sub.astype(np.int64)
    size = (int(group.max()) + 1) * n_sub if key.size else 0
    if size <= _DENSE_LIMIT:
        present = np.bincount(key, minlength=size) > 0
        uniq = np.flatnonzero(present)
        sums = np.bincount(key, weights=weights, minlength=size)[uniq]
    else:
        uniq, inv = np.unique(key, return_inverse=True)
        sums = np.bincount(inv.reshape(-1), weights=weights)
    return uniq // n_sub, uniq % n_sub, sums


def count_matrix_features(
    group: np.ndarray, code: np.ndarray, j: np.ndarray, count: np.ndarray, n_groups: int,
    grey: np.ndarray,
) -> dict[str, np.ndarray]:
    r"""Statistics of sparse count matrices (runs, zones, dependences), one set per matrix.

    Matrix ``group[e]`` holds ``count[e]`` at grey level ``grey[code[e]]`` and size ``j[e]``
    (entries may repeat; they are summed). With :math:`N=\sum\mathbf{P}` per matrix,
    :math:`p_g(i)`, :math:`p_j(j)` the marginals and :math:`p=\mathbf{P}/N`, returns
    (arrays of length ``n_groups``; NaN for an empty matrix):

    ``n`` :math:`N`; ``np`` :math:`\sum_j j\,p_j(j)`; ``se`` :math:`\sum p_j/j^2/N`;
    ``le`` :math:`\sum p_j j^2/N`; ``gln`` :math:`\sum p_g^2/N`; ``glnn`` :math:`/N^2`;
    ``jn`` :math:`\sum p_j^2/N`; ``jnn`` :math:`/N^2`; ``glv``
    :math:`\sum p_g/N\,(i-\mu_i)^2`; ``jv`` :math:`\sum p_j/N\,(j-\mu_j)^2`; ``entropy``
    :math:`-\sum p\log_2(p+\epsilon)`; ``lge``, ``hge`` :math:`\sum p_g i^{\mp2}/N`;
    ``slge``, ``shge`` :math:`\sum\mathbf{P}i^{\mp2}j^{-2}/N`; ``llge``, ``lhge``
    :math:`\sum\mathbf{P}i^{\mp2}j^2/N`.

    Parameters
    ----------
    group, code, j : ndarray of int
        Matrix, grey-level index (0-based, into ``grey``) and size of every entry.
    count : ndarray of float
        Entry counts (or weights).
    n_groups : int
        Number of matrices.
    grey : ndarray of float
        Grey level of each index.

    Examples
    --------
    >>> import numpy as np
    >>> f = count_matrix_features(np.array([0, 0]), np.array([0, 1]), np.array([1, 2]),
    ...                           np.array([2., 1.]), 1, np.array([1., 2.]))
    >>> float(f["n"][0]), float(f["np"][0]), round(float(f["se"][0]), 4)
    (3.0, 4.0, 0.75)
    """
    group = np.asarray(group, dtype=np.int64)
    code = np.asarray(code, dtype=np.int64)
    levels = np.asarray(grey, dtype=np.float64)
    j = np.asarray(j, dtype=np.int64)
    count = np.asarray(count, dtype=np.float64)
    # merge repeated (group, grey, j) entries first: the entropy needs the matrix elements
    n_j = int(j.max()) + 1 if j.size else 1
    gk, rest, cnt = _group_sums(group, code * n_j + j, count, len(levels) * n_j)
    gi = levels[rest // n_j]
    jj = (rest % n_j).astype(np.float64)
    n = np.bincount(gk, weights=cnt, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_safe = np.where(n > 0, n, np.nan)
        # marginals
        pg_group, pg_level, pg = _group_sums(gk, rest // n_j, cnt, len(levels))
        pj_group, pj_size, pj = _group_sums(gk, rest % n_j, cnt, n_j)
        pg_i = levels[pg_level]
        pj_j = pj_size.astype(np.float64)

        def per_group(gidx: np.ndarray, values: np.ndarray) -> np.ndarray:
            return np.bincount(gidx, weights=values, minlength=n_groups)

        mu_i = per_group(pg_group, pg / n_safe[pg_group] * pg_i)
        mu_j = per_group(pj_group, pj / n_safe[pj_group] * pj_j)
        p = cnt / n_safe[gk]
        out = {
            "n": n,
            "np": per_group(pj_group, pj * pj_j),
            "se": per_group(pj_group, pj / pj_j**2) / n_safe,
            "le": per_group(pj_group, pj * pj_j**2) / n_safe,
            "gln": per_group(pg_group, pg**2) / n_safe,
            "glnn": per_group(pg_group, pg**2) / n_safe**2,
            "jn": per_group(pj_group, pj**2) / n_safe,
            "jnn": per_group(pj_group, pj**2) / n_safe**2,
            "glv": per_group(pg_group, pg / n_safe[pg_group] * (pg_i - mu_i[pg_group]) ** 2),
            "jv": per_group(pj_group, pj / n_safe[pj_group] * (pj_j - mu_j[pj_group]) ** 2),
            "entropy": -per_group(gk, p * np.log2(p + EPS)),
            "lge": per_group(pg_group, pg / pg_i**2) / n_safe,
            "hge": per_group(pg_group, pg * pg_i**2) / n_safe,
            "slge": per_group(gk, cnt / (gi**2 * jj**2)) / n_safe,
            "shge": per_group(gk, cnt * gi**2 / jj**2) / n_safe,
            "llge": per_group(gk, cnt * jj**2 / gi**2) / n_safe,
            "lhge": per_group(gk, cnt * gi**2 * jj**2) / n_safe,
        }
    empty = ~(n > 0)
    for key in out:
        if key != "n":
            out[key][empty] = np.nan
    return out


def compute(
    levels: np.ndarray, mask: np.ndarray, spacing_zyx: tuple[float, float, float], settings: Any
) -> dict[str, float]:
    """PyRadiomics GLRLM features of a discretised ROI.

    Parameters
    ----------
    levels : ndarray of int, (z, y, x)
        PyRadiomics-discretised grey levels (1..N inside ``mask``).
    mask : ndarray of bool, (z, y, x)
    spacing_zyx : tuple of float
        Voxel spacing in mm (used by ``weightingNorm``).
    settings : PyRadiomicsSettings or mapping
        Reads ``weightingNorm``, ``force2D``, ``force2Ddimension``.

    Returns
    -------
    dict
        ``{PyRadiomics feature name: value}`` for the 16 features of :data:`FEATURES`.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 1, 2]]])
    >>> f = compute(lv, lv > 0, (1.0, 1.0, 1.0), None)
    >>> round(f["ShortRunEmphasis"], 4), round(f["RunPercentage"], 4)
    (0.625, 0.6667)
    """
    roi = code_roi(levels, mask, pad=1)
    offsets = generate_angles(
        roi.size, (1,),
        force2d=bool(setting(settings, "force2D")),
        force2d_dimension=int(setting(settings, "force2Ddimension")),
    )
    groups, codes, lengths = [], [], []
    for a, offset in enumerate(offsets):
        code, length, multi = run_lengths(roi, offset)
        if not multi:
            continue  # PyRadiomics empties such an angle
        groups.append(np.full(code.size, a, dtype=np.int64))
        codes.append(code)
        lengths.append(length)
    if not groups:
        return {name: float("nan") for name in FEATURES}
    group = np.concatenate(groups)
    code = np.concatenate(codes)
    length = np.concatenate(lengths)
    count = np.ones(group.size)
    n_groups = len(offsets)
    norm = setting(settings, "weightingNorm")
    if norm is not None:
        count = angle_weights(offsets, spacing_zyx, norm, squared_exp=False)[group]
        group = np.zeros_like(group)
        n_groups = 1
    f = count_matrix_features(group, code - 1, length, count, n_groups, roi.grey)
    keep = f["n"] > 0 if n_groups > 1 else np.ones(1, bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        rp = f["n"] / f["np"]
    values = {
        "ShortRunEmphasis": f["se"], "LongRunEmphasis": f["le"],
        "GrayLevelNonUniformity": f["gln"], "GrayLevelNonUniformityNormalized": f["glnn"],
        "RunLengthNonUniformity": f["jn"], "RunLengthNonUniformityNormalized": f["jnn"],
        "RunPercentage": rp, "GrayLevelVariance": f["glv"], "RunVariance": f["jv"],
        "RunEntropy": f["entropy"], "LowGrayLevelRunEmphasis": f["lge"],
        "HighGrayLevelRunEmphasis": f["hge"], "ShortRunLowGrayLevelEmphasis": f["slge"],
        "ShortRunHighGrayLevelEmphasis": f["shge"], "LongRunLowGrayLevelEmphasis": f["llge"],
        "LongRunHighGrayLevelEmphasis": f["lhge"],
    }
    return {name: nan_mean(v[keep]) for name, v in values.items()}
