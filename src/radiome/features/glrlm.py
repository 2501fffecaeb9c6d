"""Grey level run length matrix (GLRLM) features (IBSI 1, section 3.7; family code TP0I).

A run is a maximal sequence of consecutive voxels of the intensity mask with the same grey
level along a direction :math:`\\mathbf{m}` (4 in-plane directions per slice in 2D, 13 in
3D). Element :math:`r_{ij}` of the run length matrix counts the runs of grey level :math:`i`
and length :math:`j`. :math:`N_s = \\sum_{ij} r_{ij}` is the number of runs,
:math:`r_{i.} = \\sum_j r_{ij}`, :math:`r_{.j} = \\sum_i r_{ij}`, :math:`p_{ij} = r_{ij}/N_s`
and :math:`N_v` the number of voxels the matrix was built from; when matrices are merged their
:math:`N_v` are summed (so the run percentage of merged matrices is the mean of the
directional run percentages, as IBSI asks).

Matrices are aggregated as described in :mod:`radiome.features.texture.directions` and
returned as ``rlm_<feature>_<2D_avg|2D_comb|2_5D_avg|2_5D_comb|3D_avg|3D_comb>``.

Why hand-written: no maintained library computes masked IBSI run-length matrices with the
six slice/direction aggregations. Runs are found without a loop over voxels: the padded
volume is reordered once per direction so that each line along the direction is contiguous
(:func:`~radiome.features.texture.directions.ordered_lines`: a transpose of the flat array
reshaped to ``(-1, stride)``; the zero border separates lines), run starts and ends are the
positions where the grey level changes, and the k-th start pairs with the k-th end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from radiome.errors import EmptyMaskError
from radiome.features.registry import FamilySpec, FeatureSpec
from radiome.features.texture.directions import (
    IN_PLANE_OFFSETS,
    OUT_OF_PLANE_OFFSETS,
    CodedVolume,
    SparseMatrices,
    aggregate,
    check_dimensions,
    code_levels,
    ordered_lines,
    pool,
    sum_by_key,
    sum_entries,
)
from radiome.features.texture.zones import count_matrix_features

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = ["FAMILY", "compute", "find_runs", "run_length_matrices", "glrlm_features"]

_S = r"\frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_r}"

FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("rlm_sre", "short_runs_emphasis", "22OV", r"F_{rlm.sre} = \frac{1}{N_s}\sum_{j=1}^{N_r} \frac{r_{.j}}{j^2}"),
    FeatureSpec("rlm_lre", "long_runs_emphasis", "W4KF", r"F_{rlm.lre} = \frac{1}{N_s}\sum_{j=1}^{N_r} j^2 r_{.j}"),
    FeatureSpec(
        "rlm_lgre", "low_grey_level_run_emphasis", "V3SW", r"F_{rlm.lgre} = \frac{1}{N_s}\sum_{i=1}^{N_g} \frac{r_{i.}}{i^2}"
    ),
    FeatureSpec(
        "rlm_hgre", "high_grey_level_run_emphasis", "G3QZ", r"F_{rlm.hgre} = \frac{1}{N_s}\sum_{i=1}^{N_g} i^2 r_{i.}"
    ),
    FeatureSpec(
        "rlm_srlge", "short_run_low_grey_level_emphasis", "HTZT", rf"F_{{rlm.srlge}} = {_S} \frac{{r_{{ij}}}}{{i^2 j^2}}"
    ),
    FeatureSpec(
        "rlm_srhge", "short_run_high_grey_level_emphasis", "GD3A", rf"F_{{rlm.srhge}} = {_S} \frac{{i^2 r_{{ij}}}}{{j^2}}"
    ),
    FeatureSpec(
        "rlm_lrlge", "long_run_low_grey_level_emphasis", "IVPO", rf"F_{{rlm.lrlge}} = {_S} \frac{{j^2 r_{{ij}}}}{{i^2}}"
    ),
    FeatureSpec(
        "rlm_lrhge", "long_run_high_grey_level_emphasis", "3KUM", rf"F_{{rlm.lrhge}} = {_S} i^2 j^2 r_{{ij}}"
    ),
    FeatureSpec(
        "rlm_glnu", "grey_level_non_uniformity", "R5YN", r"F_{rlm.glnu} = \frac{1}{N_s}\sum_{i=1}^{N_g} r_{i.}^2"
    ),
    FeatureSpec(
        "rlm_glnu_norm", "normalised_grey_level_non_uniformity", "OVBL",
        r"F_{rlm.glnu.norm} = \frac{1}{N_s^2}\sum_{i=1}^{N_g} r_{i.}^2",
    ),
    FeatureSpec(
        "rlm_rlnu", "run_length_non_uniformity", "W92Y", r"F_{rlm.rlnu} = \frac{1}{N_s}\sum_{j=1}^{N_r} r_{.j}^2"
    ),
    FeatureSpec(
        "rlm_rlnu_norm", "normalised_run_length_non_uniformity", "IC23",
        r"F_{rlm.rlnu.norm} = \frac{1}{N_s^2}\sum_{j=1}^{N_r} r_{.j}^2",
    ),
    FeatureSpec("rlm_r_perc", "run_percentage", "9ZK5", r"F_{rlm.r.perc} = \frac{N_s}{N_v}"),
    FeatureSpec(
        "rlm_gl_var", "grey_level_variance", "8CE5",
        r"F_{rlm.gl.var} = \sum_{i}\sum_{j} (i-\mu)^2 p_{ij},\ \mu = \sum_{i}\sum_{j} i\,p_{ij}",
    ),
    FeatureSpec(
        "rlm_rl_var", "run_length_variance", "SXLW",
        r"F_{rlm.rl.var} = \sum_{i}\sum_{j} (j-\mu)^2 p_{ij},\ \mu = \sum_{i}\sum_{j} j\,p_{ij}",
    ),
    FeatureSpec(
        "rlm_rl_entr", "run_entropy", "HJ9O", r"F_{rlm.rl.entr} = -\sum_{i}\sum_{j} p_{ij} \log_2 p_{ij}"
    ),
)


def find_runs(line: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All runs of equal non-zero code in a 1D array whose lines are separated by zeros.

    Parameters
    ----------
    line : ndarray
        Codes as returned by :func:`~radiome.features.texture.directions.ordered_lines`
        (starts and ends with 0).

    Returns
    -------
    code : ndarray of int64
        Code (1-based) of each run.
    length : ndarray of int64
        Run length in voxels.
    start : ndarray of int64
        Index in ``line`` of the first voxel of each run.

    Examples
    --------
    >>> c, n, s = find_runs(np.array([0, 2, 2, 1, 0, 1, 1, 1, 0], dtype=np.uint8))
    >>> c.tolist(), n.tolist(), s.tolist()
    ([2, 1, 1], [2, 1, 3], [1, 3, 5])
    """
    nonzero = line != 0
    change = line[1:] != line[:-1]
    starts = np.flatnonzero(change & nonzero[1:]) + 1
    ends = np.flatnonzero(change & nonzero[:-1])
    # runs are disjoint and ordered along the array, so the k-th start belongs to the k-th end
    return line[starts].astype(np.int64), ends - starts + 1, starts


def run_length_matrices(vol: CodedVolume, offsets: np.ndarray, by_slice: bool) -> SparseMatrices:
    """Run length matrices of a coded volume, one per offset (and slice).

    Parameters
    ----------
    vol : CodedVolume
        Coded levels with a zero border of at least 1.
    offsets : ndarray, (n, 3)
        Unit directions ``(dz, dy, dx)``, first non-zero component > 0 (in-plane when
        ``by_slice``).
    by_slice : bool
        One matrix per slice and offset (group ``k * n + d``), else one per offset.

    Returns
    -------
    SparseMatrices
        Rows are codes ``0 .. n_codes - 1``, columns run length - 1; ``n_voxels`` is the number
        of ROI voxels each matrix was built from (every matrix's runs cover exactly those
        voxels: :math:`\\sum_{ij} j\\,r_{ij} = N_v`).
    """
    n_off = len(offsets)
    n_codes = vol.n_codes
    n_len = max(vol.codes.shape) - 2 * vol.pad  # no run is longer than the longest line
    n_slices = vol.n_slices if by_slice else 1
    size = n_slices * n_codes * n_len
    parts = []
    for d, off in enumerate(np.asarray(offsets)):
        line, block = ordered_lines(vol, off, per_slice=by_slice)
        code, length, start = find_runs(line)
        key = (code - 1) * n_len + (length - 1)
        if by_slice:
            key += (start // block - vol.pad) * (n_codes * n_len)
        uniq, counts = sum_by_key(key, None, size)
        k, rest = np.divmod(uniq, n_codes * n_len)
        parts.append((k * n_off + d, rest, counts))
    group = np.concatenate([p[0] for p in parts])
    rest = np.concatenate([p[1] for p in parts])
    keys = group * (n_codes * n_len) + rest
    if by_slice:
        n_vox = np.repeat(vol.slice_voxels.astype(np.float64), n_off)
    else:
        n_vox = np.full(n_off, float(vol.n_voxels))
    return sum_entries(keys, np.concatenate([p[2] for p in parts]), n_slices * n_off, n_codes, n_len, n_vox)


#: The generic count-matrix feature (:data:`~radiome.features.texture.zones.COUNT_FEATURES`)
#: that each GLRLM feature is, by tag without the ``rlm_`` prefix.
_GENERIC = {
    "sre": "se", "lre": "le", "lgre": "lge", "hgre": "hge", "srlge": "slge", "srhge": "shge",
    "lrlge": "llge", "lrhge": "lhge", "glnu": "glnu", "glnu_norm": "glnu_norm", "rlnu": "jnu",
    "rlnu_norm": "jnu_norm", "r_perc": "perc", "gl_var": "gl_var", "rl_var": "j_var", "rl_entr": "entr",
}


def glrlm_features(m: SparseMatrices, values: np.ndarray) -> dict[str, np.ndarray]:
    """All GLRLM features of every matrix in a stack.

    The GLRLM features are the count-matrix features that GLSZM, GLDZM and NGLDM share, with
    run lengths as columns (:func:`~radiome.features.texture.zones.count_matrix_features`).

    Parameters
    ----------
    m : SparseMatrices
        Run counts; rows are indices into ``values`` (grey levels), columns run length - 1;
        ``m.n_voxels`` must be set.
    values : ndarray
        Grey level of each row index.

    Returns
    -------
    dict
        ``{tag: array of n_groups values}`` (tags without the ``rlm_`` prefix); ``nan`` for
        empty matrices.
    """
    n_voxels = m.n_voxels if m.n_voxels is not None else np.full(m.n_groups, np.nan)
    feats = count_matrix_features(
        m.group, values[m.row].astype(np.int64), m.col + 1, m.count, n_voxels, m.n_groups, unique=True
    )
    return {name: feats[generic] for name, generic in _GENERIC.items()}


def compute(roi: "ROI", settings: "ExtractionSettings") -> dict[str, float]:
    """GLRLM features of ``roi`` for every aggregation of ``settings.texture.dimensions``.

    Uses ``roi.levels`` inside ``roi.intensity_mask``. Runs use unit steps (the GLCM distance
    setting does not apply to run lengths).

    Returns
    -------
    dict
        ``{"rlm_<feature>_<suffix>": value}``.

    Raises
    ------
    EmptyMaskError
        If the intensity mask is empty.
    DimensionalityError
        If '3D' is requested for a single-slice image.
    """
    dims = tuple(settings.texture.dimensions)
    check_dimensions(dims, roi.is_2d, "glrlm")
    if not np.any(roi.intensity_mask):
        raise EmptyMaskError("GLRLM: the intensity mask is empty; check the mask and re-segmentation range")
    vol = code_levels(roi.levels, roi.intensity_mask, pad=1)
    by_slice = "2D" in dims or "2_5D" in dims
    planar = run_length_matrices(vol, IN_PLANE_OFFSETS, by_slice=by_slice)
    out_of_plane = run_length_matrices(vol, OUT_OF_PLANE_OFFSETS, by_slice=False) if "3D" in dims else None
    n_len = max(vol.codes.shape) - 2 * vol.pad
    n_slices = vol.n_slices if by_slice else 1
    result: dict[str, float] = {}
    for suffix, stack in aggregate(planar, out_of_plane, n_slices, vol.n_codes, n_len, dims).items():
        pooled = pool(glrlm_features(stack, vol.values), stack.totals > 0)
        result.update({f"rlm_{name}_{suffix}": value for name, value in pooled.items()})
    return result


FAMILY = FamilySpec(name="glrlm", ibsi_code="TP0I", features=FEATURES, compute=compute)
