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

The same statistics of dense count matrices serve the GLSZM and GLDM modules
(:func:`matrix_features`).

Why hand-written: no library builds PyRadiomics' run-length matrices (its angle set, the
empty-angle rule, the weighting). Runs are found without a loop over voxels: per angle the padded
array is reordered so that every line is contiguous, and runs are its segments of one code.
"""

from __future__ import annotations

from typing import Any, Sequence

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

__all__ = ["FEATURES", "run_lengths", "matrix_features", "dense_matrix", "count_matrix_features", "compute",
           "features"]

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


def _line_sequence(roi: CodedROI, offset: np.ndarray) -> np.ndarray:
    """The padded codes reordered so that every line along ``offset`` is contiguous.

    The flat padded array is reshaped to ``(-1, stride)`` and transposed, which puts the
    voxels ``p, p + stride, p + 2 stride, ...`` of every line next to each other. A step that
    leaves the box along some axis lands in the zero border (``pad >= 1``), and so does the
    junction between two lines, so consecutive ROI voxels of the sequence are neighbours
    along ``offset`` and runs never span two lines.
    """
    flat = roi.small.reshape(-1)
    stride = int(abs(roi.strides(np.asarray(offset)[None, :])[0]))
    if stride == 1:
        return flat
    rows = flat.size // stride
    return flat[: rows * stride].reshape(rows, stride).T.reshape(-1)


def _segments(seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Code and length of the maximal segments of one positive code in ``seq`` (zero-bounded)."""
    cut = np.flatnonzero(seq[1:] != seq[:-1]) + 1
    code = seq[cut[:-1]]
    length = np.diff(cut)
    keep = code > 0
    return code[keep].astype(np.int64), length[keep]


def _holds_two(roi: CodedROI, offset: np.ndarray) -> bool:
    """Whether some line along ``offset`` through the bounding box holds two ROI voxels."""
    p = roi.pad
    nz, ny, nx = roi.size
    coords = np.argwhere(roi.codes[p:p + nz, p:p + ny, p:p + nx] > 0)
    a = np.asarray(offset, dtype=np.int64)
    d0 = int(np.flatnonzero(a)[0])
    base = coords - (coords[:, d0] * a[d0])[:, None] * a[None, :]  # the line's point at t = 0
    return len(np.unique(base, axis=0)) < len(base)


def run_lengths(roi: CodedROI, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """The runs of the ROI along one angle.

    Lines along the angle are made contiguous (:func:`_line_sequence`) and runs are the
    segments of one positive code.

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
    code, length = _segments(_line_sequence(roi, offset))
    multi = bool(length.size and length.max() >= 2)
    if not multi and length.size > 1:  # all runs single: does some line still hold two voxels?
        multi = _holds_two(roi, offset)
    return code, length.astype(np.int64), multi


def matrix_features(p: np.ndarray, grey: np.ndarray, sizes: np.ndarray) -> dict[str, np.ndarray]:
    r"""Statistics of count matrices (runs, zones, dependences), one set per matrix.

    ``p[a, i, j]`` counts the entries of grey level ``grey[i]`` and size ``sizes[j]`` in
    matrix ``a`` (zero rows and columns are allowed). With :math:`N=\sum\mathbf{P}` per
    matrix, :math:`p_g(i)`, :math:`p_j(j)` the marginals and :math:`p=\mathbf{P}/N`, returns
    (arrays of length ``p.shape[0]``; NaN for an empty matrix):

    ``n`` :math:`N`; ``np`` :math:`\sum_j j\,p_j(j)`; ``se`` :math:`\sum p_j/j^2/N`;
    ``le`` :math:`\sum p_j j^2/N`; ``gln`` :math:`\sum p_g^2/N`; ``glnn`` :math:`/N^2`;
    ``jn`` :math:`\sum p_j^2/N`; ``jnn`` :math:`/N^2`; ``glv``
    :math:`\sum p_g/N\,(i-\mu_i)^2`; ``jv`` :math:`\sum p_j/N\,(j-\mu_j)^2`; ``entropy``
    :math:`-\sum p\log_2(p+\epsilon)`; ``lge``, ``hge`` :math:`\sum p_g i^{\mp2}/N`;
    ``slge``, ``shge`` :math:`\sum\mathbf{P}i^{\mp2}j^{-2}/N`; ``llge``, ``lhge``
    :math:`\sum\mathbf{P}i^{\mp2}j^2/N`.

    Examples
    --------
    >>> import numpy as np
    >>> f = matrix_features(np.array([[[2., 0.], [0., 1.]]]), np.array([1., 2.]), np.array([1., 2.]))
    >>> float(f["n"][0]), float(f["np"][0]), round(float(f["se"][0]), 4)
    (3.0, 4.0, 0.75)
    """
    p = np.asarray(p, dtype=np.float64)
    i = np.asarray(grey, dtype=np.float64)
    j = np.asarray(sizes, dtype=np.float64)
    n = p.sum(axis=(1, 2))
    pg = p.sum(axis=2)  # (a, i)
    pj = p.sum(axis=1)  # (a, j)
    i2, j2 = i**2, j**2
    with np.errstate(invalid="ignore", divide="ignore"):
        ns = np.where(n > 0, n, np.nan)
        pgn = pg / ns[:, None]
        pjn = pj / ns[:, None]
        mu_i = pgn @ i
        mu_j = pjn @ j
        pn = p / ns[:, None, None]
        out = {
            "n": n,
            "np": pj @ j,
            "se": (pj @ (1.0 / j2)) / ns,
            "le": (pj @ j2) / ns,
            "gln": (pg**2).sum(axis=1) / ns,
            "glnn": (pg**2).sum(axis=1) / ns**2,
            "jn": (pj**2).sum(axis=1) / ns,
            "jnn": (pj**2).sum(axis=1) / ns**2,
            "glv": (pgn * (i[None, :] - mu_i[:, None]) ** 2).sum(axis=1),
            "jv": (pjn * (j[None, :] - mu_j[:, None]) ** 2).sum(axis=1),
            "entropy": -(pn * np.log2(pn + EPS)).sum(axis=(1, 2)),
            "lge": (pg @ (1.0 / i2)) / ns,
            "hge": (pg @ i2) / ns,
            "slge": np.einsum("aij,i,j->a", p, 1.0 / i2, 1.0 / j2) / ns,
            "shge": np.einsum("aij,i,j->a", p, i2, 1.0 / j2) / ns,
            "llge": np.einsum("aij,i,j->a", p, 1.0 / i2, j2) / ns,
            "lhge": np.einsum("aij,i,j->a", p, i2, j2) / ns,
        }
    empty = ~(n > 0)
    for key in out:
        if key != "n":
            out[key][empty] = np.nan
    return out


def dense_matrix(
    group: np.ndarray, code: np.ndarray, size: np.ndarray, n_groups: int, n_codes: int,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Dense count matrices ``(n_groups, n_codes, n_sizes)`` over the sizes present.

    Returns the matrices and the sizes (ascending) their last axis stands for.
    """
    size = np.asarray(size, dtype=np.int64)
    top = int(size.max()) + 1 if size.size else 1
    if top <= 4096:
        present = np.bincount(size, minlength=top) > 0
        sizes = np.flatnonzero(present)
        column = (np.cumsum(present) - 1)[size]
    else:
        sizes, column = np.unique(size, return_inverse=True)
        column = column.reshape(-1)
    n_sizes = max(len(sizes), 1)
    key = (np.asarray(group, dtype=np.int64) * n_codes + np.asarray(code, dtype=np.int64)) * n_sizes + column
    p = np.bincount(key, weights=weights, minlength=n_groups * n_codes * n_sizes)
    return p.reshape(n_groups, n_codes, n_sizes), sizes.astype(np.float64)


def count_matrix_features(
    group: np.ndarray, code: np.ndarray, j: np.ndarray, count: np.ndarray, n_groups: int,
    grey: np.ndarray,
) -> dict[str, np.ndarray]:
    """:func:`matrix_features` of sparse entries: matrix ``group[e]`` holds ``count[e]`` at
    grey level ``grey[code[e]]`` (0-based) and size ``j[e]`` (entries may repeat).

    Examples
    --------
    >>> import numpy as np
    >>> f = count_matrix_features(np.array([0, 0]), np.array([0, 1]), np.array([1, 2]),
    ...                           np.array([2., 1.]), 1, np.array([1., 2.]))
    >>> float(f["n"][0]), float(f["np"][0]), round(float(f["se"][0]), 4)
    (3.0, 4.0, 0.75)
    """
    p, sizes = dense_matrix(group, code, j, n_groups, len(grey), np.asarray(count, dtype=np.float64))
    return matrix_features(p, grey, sizes)


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
    return features(code_roi(levels, mask, pad=1), spacing_zyx, settings)


def features(roi: CodedROI, spacing_zyx: Sequence[float], settings: Any) -> dict[str, float]:
    """PyRadiomics GLRLM features of a coded ROI (``pad >= 1``; see :func:`compute`)."""
    offsets = generate_angles(
        roi.size, (1,),
        force2d=bool(setting(settings, "force2D")),
        force2d_dimension=int(setting(settings, "force2Ddimension")),
    )
    g = roi.n_grey
    longest = max(roi.codes.shape) + 1
    p = np.zeros((len(offsets), g, longest))
    for a, offset in enumerate(offsets):
        seq = _line_sequence(roi, offset)
        last = np.flatnonzero(seq[1:] != seq[:-1])  # last voxel of every segment but the final one
        # segment i + 1 ends at last[i + 1]: its code and length; code 0 (outside) lands in row 0
        length = np.diff(last)
        np.minimum(length, longest - 1, out=length)  # only segments outside the ROI are longer
        key = seq.take(last[1:]).astype(np.intp)
        key *= longest
        key += length
        hist = np.bincount(key, minlength=(g + 1) * longest).reshape(g + 1, longest)[1:]
        if not hist[:, 2:].any() and not (hist.sum() > 1 and _holds_two(roi, offset)):
            continue  # PyRadiomics empties an angle along which no line holds two ROI voxels
        p[a] = hist
    if not p.any():
        return {name: float("nan") for name in FEATURES}
    used = np.flatnonzero(p.sum(axis=(0, 1)) > 0)  # run lengths present (PyRadiomics drops the others)
    p = p[:, :, used]
    norm = setting(settings, "weightingNorm")
    if norm is not None:
        w = angle_weights(offsets, spacing_zyx, norm, squared_exp=False)
        p = np.tensordot(w, p, axes=(0, 0))[None]
    f = matrix_features(p, roi.grey, used.astype(np.float64))
    keep = f["n"] > 0 if p.shape[0] > 1 else np.ones(1, bool)
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
