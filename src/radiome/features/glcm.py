"""Grey level co-occurrence matrix (GLCM) features (IBSI 1, section 3.6; family code LFYI).

For each direction :math:`\\mathbf{m}` (4 in-plane directions per slice in 2D, 13 in 3D,
multiplied by the Chebyshev distance :math:`\\delta`), element :math:`(i, j)` of
:math:`\\mathbf{M}_\\mathbf{m}` counts neighbouring voxel pairs of the intensity mask with grey
levels :math:`i` and :math:`j`; the matrix is symmetric,
:math:`\\mathbf{M}_\\mathbf{m} = \\mathbf{M}_{\\mathbf{m}_+} + \\mathbf{M}_{\\mathbf{m}_+}^T`, and
:math:`p_{ij}` is :math:`\\mathbf{M}_\\mathbf{m}` divided by its sum. Marginals
:math:`p_{i.} = \\sum_j p_{ij}`, diagonal probabilities
:math:`p_{i-j,k} = \\sum_{ij} p_{ij} [k = |i-j|]` and cross-diagonal probabilities
:math:`p_{i+j,k} = \\sum_{ij} p_{ij} [k = i+j]`; :math:`\\mu = \\sum_{ij} i\\,p_{ij}`;
:math:`N_g` is the number of grey levels of the discretisation (``roi.n_levels``).

Matrices are aggregated as described in :mod:`radiome.features.texture.directions` and
returned as ``cm_<feature>_<2D_avg|2D_comb|2_5D_avg|2_5D_comb|3D_avg|3D_comb>``.

Why hand-written: the IBSI slice/direction aggregations over a masked volume are not
available in any maintained library; the matrices are built with one grouped count
(:func:`~radiome.features.texture.directions.sum_by_key`) over (slice, i, j) keys per
direction, looking up each ROI voxel's neighbour in the flat padded array, and all features
are computed from the sparse entries with grouped sums, without a loop over voxels or
matrices.

Edge cases IBSI leaves open: correlation of a matrix with a single grey level (zero
marginal variance) is 1 (as in MIRP and PyRadiomics); information correlation 1 with zero
marginal entropy is 0 (no shared information); inverse variance without off-diagonal
elements is 0 (empty sum).
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
    pool,
    sum_by_key,
    symmetrise,
)

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = ["FAMILY", "compute", "cooccurrence_matrices", "glcm_features"]

_P = r"\sum_{i=1}^{N_g}\sum_{j=1}^{N_g}"

FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("cm_joint_max", "joint_maximum", "GYBY", r"F_{cm.joint.max} = \max(p_{ij})"),
    FeatureSpec("cm_joint_avg", "joint_average", "60VM", rf"F_{{cm.joint.avg}} = {_P} i\,p_{{ij}}"),
    FeatureSpec("cm_joint_var", "joint_variance", "UR99", rf"F_{{cm.joint.var}} = {_P} (i-\mu)^2 p_{{ij}}"),
    FeatureSpec("cm_joint_entr", "joint_entropy", "TU9B", rf"F_{{cm.joint.entr}} = -{_P} p_{{ij}} \log_2 p_{{ij}}"),
    FeatureSpec("cm_diff_avg", "difference_average", "TF7R", r"F_{cm.diff.avg} = \sum_{k=0}^{N_g-1} k\,p_{i-j,k}"),
    FeatureSpec(
        "cm_diff_var", "difference_variance", "D3YU",
        r"F_{cm.diff.var} = \sum_{k=0}^{N_g-1} (k-\mu_{i-j})^2 p_{i-j,k},\ \mu_{i-j} = F_{cm.diff.avg}",
    ),
    FeatureSpec(
        "cm_diff_entr", "difference_entropy", "NTRS",
        r"F_{cm.diff.entr} = -\sum_{k=0}^{N_g-1} p_{i-j,k} \log_2 p_{i-j,k}",
    ),
    FeatureSpec("cm_sum_avg", "sum_average", "ZGXS", r"F_{cm.sum.avg} = \sum_{k=2}^{2N_g} k\,p_{i+j,k}"),
    FeatureSpec(
        "cm_sum_var", "sum_variance", "OEEB",
        r"F_{cm.sum.var} = \sum_{k=2}^{2N_g} (k-\mu_{i+j})^2 p_{i+j,k},\ \mu_{i+j} = F_{cm.sum.avg}",
    ),
    FeatureSpec(
        "cm_sum_entr", "sum_entropy", "P6QZ", r"F_{cm.sum.entr} = -\sum_{k=2}^{2N_g} p_{i+j,k} \log_2 p_{i+j,k}"
    ),
    FeatureSpec("cm_energy", "angular_second_moment", "8ZQL", rf"F_{{cm.energy}} = {_P} p_{{ij}}^2"),
    FeatureSpec("cm_contrast", "contrast", "ACUI", rf"F_{{cm.contrast}} = {_P} (i-j)^2 p_{{ij}}"),
    FeatureSpec("cm_dissimilarity", "dissimilarity", "8S9J", rf"F_{{cm.dissimilarity}} = {_P} |i-j|\,p_{{ij}}"),
    FeatureSpec("cm_inv_diff", "inverse_difference", "IB1Z", rf"F_{{cm.inv.diff}} = {_P} \frac{{p_{{ij}}}}{{1+|i-j|}}"),
    FeatureSpec(
        "cm_inv_diff_norm", "normalised_inverse_difference", "NDRX",
        rf"F_{{cm.inv.diff.norm}} = {_P} \frac{{p_{{ij}}}}{{1+|i-j|/N_g}}",
    ),
    FeatureSpec(
        "cm_inv_diff_mom", "inverse_difference_moment", "WF0Z",
        rf"F_{{cm.inv.diff.mom}} = {_P} \frac{{p_{{ij}}}}{{1+(i-j)^2}}",
    ),
    FeatureSpec(
        "cm_inv_diff_mom_norm", "normalised_inverse_difference_moment", "1QCO",
        rf"F_{{cm.inv.diff.mom.norm}} = {_P} \frac{{p_{{ij}}}}{{1+(i-j)^2/N_g^2}}",
    ),
    FeatureSpec(
        "cm_inv_var", "inverse_variance", "E8JP",
        r"F_{cm.inv.var} = 2\sum_{i=1}^{N_g}\sum_{j>i}^{N_g} \frac{p_{ij}}{(i-j)^2}",
    ),
    FeatureSpec(
        "cm_corr", "correlation", "NI2N",
        rf"F_{{cm.corr}} = \frac{{1}}{{\sigma_{{i.}}^2}}\left(-\mu_{{i.}}^2 + {_P} i\,j\,p_{{ij}}\right),\ "
        r"\mu_{i.} = \sum_i i\,p_{i.},\ \sigma_{i.}^2 = \sum_i (i-\mu_{i.})^2 p_{i.}",
    ),
    FeatureSpec("cm_auto_corr", "autocorrelation", "QWB0", rf"F_{{cm.auto.corr}} = {_P} i\,j\,p_{{ij}}"),
    FeatureSpec(
        "cm_clust_tend", "cluster_tendency", "DG8W", rf"F_{{cm.clust.tend}} = {_P} (i+j-2\mu_{{i.}})^2 p_{{ij}}"
    ),
    FeatureSpec(
        "cm_clust_shade", "cluster_shade", "7NFM", rf"F_{{cm.clust.shade}} = {_P} (i+j-2\mu_{{i.}})^3 p_{{ij}}"
    ),
    FeatureSpec(
        "cm_clust_prom", "cluster_prominence", "AE86", rf"F_{{cm.clust.prom}} = {_P} (i+j-2\mu_{{i.}})^4 p_{{ij}}"
    ),
    FeatureSpec(
        "cm_info_corr1", "information_correlation_1", "R8DG",
        r"F_{cm.info.corr.1} = \frac{HXY - HXY_1}{HX},\ HXY = -\sum_{ij} p_{ij}\log_2 p_{ij},\ "
        r"HX = -\sum_i p_{i.}\log_2 p_{i.},\ HXY_1 = -\sum_{ij} p_{ij}\log_2(p_{i.}p_{.j})",
    ),
    FeatureSpec(
        "cm_info_corr2", "information_correlation_2", "JN9H",
        r"F_{cm.info.corr.2} = \sqrt{1-\exp(-2(HXY_2 - HXY))},\ "
        r"HXY_2 = -\sum_{ij} p_{i.}p_{.j}\log_2(p_{i.}p_{.j})",
    ),
)


def cooccurrence_matrices(vol: CodedVolume, offsets: np.ndarray, by_slice: bool) -> SparseMatrices:
    """Symmetric co-occurrence matrices of a coded volume, one per offset (and slice).

    Parameters
    ----------
    vol : CodedVolume
        Recoded levels, padded by at least the largest offset component.
    offsets : ndarray, (n, 3)
        Direction vectors ``(dz, dy, dx)`` times the distance, first non-zero component > 0.
    by_slice : bool
        One matrix per slice and offset (group ``k * n + d``; offsets must be in-plane), else
        one per offset (group ``d``).

    Returns
    -------
    SparseMatrices
        Rows and columns are codes ``0 .. n_codes - 1`` (grey level ``vol.values[code]``).
        Each matrix sums to twice the number of neighbour pairs along its direction.
    """
    flat = vol.codes.ravel()
    n_codes = vol.n_codes
    n_off = len(offsets)
    plane = vol.codes.shape[1] * vol.codes.shape[2]
    n_slices = vol.n_slices if by_slice else 1
    # Each ROI voxel's key without its neighbour: (slice, own code); the neighbour's code
    # (0 outside the ROI) is added per direction and column 0 is dropped afterwards.
    roi_idx = np.flatnonzero(flat)
    base = (flat[roi_idx].astype(np.int64) - 1) * (n_codes + 1)
    if by_slice:
        base += (roi_idx // plane - vol.pad) * (n_codes * (n_codes + 1))
    size = n_slices * n_codes * (n_codes + 1)
    groups, rows, cols, counts = [], [], [], []
    for d, off in enumerate(np.asarray(offsets)):
        if by_slice and off[0] != 0:
            raise ValueError("per-slice matrices need in-plane offsets (dz = 0)")
        stride = vol.flat_stride(off)
        if stride <= 0:
            raise ValueError(f"offset {tuple(off)} must have its first non-zero component > 0")
        uniq, cnt = sum_by_key(base + flat[roi_idx + stride], None, size)
        k, rest = np.divmod(uniq, n_codes * (n_codes + 1))
        i, j = np.divmod(rest, n_codes + 1)
        keep = j > 0
        groups.append(k[keep] * n_off + d)
        rows.append(i[keep])
        cols.append(j[keep] - 1)
        counts.append(cnt[keep])
    m = SparseMatrices(
        group=np.concatenate(groups), row=np.concatenate(rows), col=np.concatenate(cols),
        count=np.concatenate(counts), n_groups=n_slices * n_off,
    )
    return symmetrise(m, n_codes)


def _entropy_terms(p: np.ndarray) -> np.ndarray:
    out = np.zeros_like(p)
    pos = p > 0
    out[pos] = p[pos] * np.log2(p[pos])
    return out


def glcm_features(m: SparseMatrices, values: np.ndarray, n_levels: int) -> dict[str, np.ndarray]:
    """All GLCM features of every matrix in a stack.

    Parameters
    ----------
    m : SparseMatrices
        Symmetric co-occurrence counts; rows/columns are indices into ``values``.
    values : ndarray
        Grey level of each row/column index.
    n_levels : int
        :math:`N_g` used by the normalised inverse difference (moment).

    Returns
    -------
    dict
        ``{tag: array of n_groups values}`` (tags without the ``cm_`` prefix); entries of
        empty matrices are meaningless and must be dropped (see ``m.totals``).
    """
    n_groups, g = m.n_groups, m.group
    tot = m.totals
    p = m.count / tot[g]
    i = values[m.row]
    j = values[m.col]

    def gsum(w: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=w, minlength=n_groups)

    out: dict[str, np.ndarray] = {}
    joint_max = np.zeros(n_groups)
    if g.size:
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        joint_max[g[starts]] = np.maximum.reduceat(p, starts)
    out["joint_max"] = joint_max
    mu = gsum(i * p)
    out["joint_avg"] = mu
    out["joint_var"] = gsum((i - mu[g]) ** 2 * p)
    hxy = -gsum(_entropy_terms(p))
    out["joint_entr"] = hxy

    # diagonal and cross-diagonal probabilities, dense per matrix
    kmax = int(values.max()) + 1
    diff = np.abs(i - j)
    p_diff = np.bincount(g * kmax + diff.astype(np.int64), weights=p, minlength=n_groups * kmax)
    p_diff = p_diff.reshape(n_groups, kmax)
    k = np.arange(kmax, dtype=np.float64)
    diff_avg = p_diff @ k
    out["diff_avg"] = diff_avg
    out["diff_var"] = ((k[None, :] - diff_avg[:, None]) ** 2 * p_diff).sum(axis=1)
    out["diff_entr"] = -_entropy_terms(p_diff).sum(axis=1)
    smax = 2 * kmax
    p_sum = np.bincount(g * smax + (i + j).astype(np.int64), weights=p, minlength=n_groups * smax)
    p_sum = p_sum.reshape(n_groups, smax)
    ks = np.arange(smax, dtype=np.float64)
    sum_avg = p_sum @ ks
    out["sum_avg"] = sum_avg
    out["sum_var"] = ((ks[None, :] - sum_avg[:, None]) ** 2 * p_sum).sum(axis=1)
    out["sum_entr"] = -_entropy_terms(p_sum).sum(axis=1)

    out["energy"] = gsum(p * p)
    out["contrast"] = gsum(diff**2 * p)
    out["dissimilarity"] = gsum(diff * p)
    out["inv_diff"] = gsum(p / (1.0 + diff))
    out["inv_diff_norm"] = gsum(p / (1.0 + diff / n_levels))
    out["inv_diff_mom"] = gsum(p / (1.0 + diff**2))
    out["inv_diff_mom_norm"] = gsum(p / (1.0 + diff**2 / float(n_levels) ** 2))
    off_diag = diff > 0
    inv_var_terms = np.zeros_like(p)
    inv_var_terms[off_diag] = p[off_diag] / diff[off_diag] ** 2
    out["inv_var"] = gsum(inv_var_terms)

    # marginal probabilities (row = column marginal by symmetry)
    n_codes = values.size
    p_marg = np.bincount(g * n_codes + m.row, weights=p, minlength=n_groups * n_codes).reshape(n_groups, n_codes)
    mu_marg = p_marg @ values
    var_marg = ((values[None, :] - mu_marg[:, None]) ** 2 * p_marg).sum(axis=1)
    auto_corr = gsum(i * j * p)
    out["auto_corr"] = auto_corr
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = (auto_corr - mu_marg**2) / var_marg
    out["corr"] = np.where(var_marg > 0, corr, 1.0)
    centred = i + j - 2.0 * mu_marg[g]
    out["clust_tend"] = gsum(centred**2 * p)
    out["clust_shade"] = gsum(centred**3 * p)
    out["clust_prom"] = gsum(centred**4 * p)

    hx = -_entropy_terms(p_marg).sum(axis=1)
    pi_pj = p_marg[g, m.row] * p_marg[g, m.col]
    hxy1 = -gsum(p * np.log2(pi_pj))
    # HXY_2 = -sum_ij p_i p_j log2(p_i p_j) = HX + HY = 2 HX for a symmetric matrix
    hxy2 = 2.0 * hx
    with np.errstate(divide="ignore", invalid="ignore"):
        ic1 = (hxy - hxy1) / hx
    out["info_corr1"] = np.where(hx > 0, ic1, 0.0)
    out["info_corr2"] = np.sqrt(np.clip(1.0 - np.exp(-2.0 * (hxy2 - hxy)), 0.0, None))

    order = [f.tag[3:] for f in FEATURES]
    return {name: out[name] for name in order}


def compute(roi: "ROI", settings: "ExtractionSettings") -> dict[str, float]:
    """GLCM features of ``roi`` for every aggregation of ``settings.texture.dimensions``.

    Uses ``roi.levels`` inside ``roi.intensity_mask``, :math:`N_g` = ``roi.n_levels`` and the
    Chebyshev distance ``settings.texture.distance``.

    Returns
    -------
    dict
        ``{"cm_<feature>_<suffix>": value}``; NaN where every matrix of an aggregation is
        empty (e.g. a single-voxel ROI).

    Raises
    ------
    EmptyMaskError
        If the intensity mask is empty.
    DimensionalityError
        If '3D' is requested for a single-slice image.
    """
    dims = tuple(settings.texture.dimensions)
    check_dimensions(dims, roi.is_2d, "glcm")
    if not np.any(roi.intensity_mask):
        raise EmptyMaskError("GLCM: the intensity mask is empty; check the mask and re-segmentation range")
    delta = int(settings.texture.distance)
    vol = code_levels(roi.levels, roi.intensity_mask, pad=delta)
    n = vol.n_codes
    by_slice = "2D" in dims or "2_5D" in dims
    planar = cooccurrence_matrices(vol, IN_PLANE_OFFSETS * delta, by_slice=by_slice)
    out_of_plane = cooccurrence_matrices(vol, OUT_OF_PLANE_OFFSETS * delta, by_slice=False) if "3D" in dims else None
    n_slices = vol.n_slices if by_slice else 1
    result: dict[str, float] = {}
    for suffix, stack in aggregate(planar, out_of_plane, n_slices, n, n, dims).items():
        pooled = pool(glcm_features(stack, vol.values, roi.n_levels), stack.totals > 0)
        result.update({f"cm_{name}_{suffix}": value for name, value in pooled.items()})
    return result


FAMILY = FamilySpec(name="glcm", ibsi_code="LFYI", features=FEATURES, compute=compute)
