r"""Neighbourhood grey tone difference matrix features (IBSI 1, section 3.10, family IPET).

For every voxel :math:`\mathbf{k}` of the intensity mask, :math:`\overline{X}_k` is the mean
grey level of its neighbours within Chebyshev distance :math:`\delta`
(``settings.texture.distance``), centre excluded, counting only neighbours inside the
intensity mask; :math:`W_k` is their number. Voxels without any such neighbour
(:math:`W_k=0`) have no valid neighbourhood and are left out, as IBSI prescribes. Then

.. math::

    s_i = \sum_k |i-\overline{X}_k|\,[X_d(\mathbf{k})=i \text{ and } W_k\neq 0],\qquad
    n_i = \sum_k [X_d(\mathbf{k})=i \text{ and } W_k\neq 0],

:math:`N_{v,c}=\sum_i n_i`, :math:`p_i=n_i/N_{v,c}` and :math:`N_{g,p}` the number of grey
levels with :math:`p_i>0`. Pair sums run over grey levels with non-zero probability.

Aggregation (``settings.texture.dimensions``): ``2D`` neighbourhoods within the slice, one
NGTDM per slice, features averaged over slices that have a voxel with a valid neighbourhood
(8QNN); ``2_5D`` the slices' :math:`s_i` and :math:`n_i` summed and :math:`p_i`,
:math:`N_{v,c}` recomputed from the merged matrix (62GR); ``3D`` 3D neighbourhoods (KOBO).

Edge cases follow IBSI: coarseness is capped at :math:`10^6` (also when
:math:`\sum_i p_i s_i=0`); contrast and busyness are 0 when :math:`N_{g,p}=1`; strength is 0
when :math:`\sum_i s_i = 0`.

Why hand-written: no library computes IBSI's NGTDM with partial neighbourhoods and its
aggregation rules. Neighbourhood sums are separable box sums of the masked level array
(:func:`radiome.features.texture.neighbourhood.neighbourhood_sums`); :math:`s_i`, :math:`n_i`
of every slice come from one ``np.bincount``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from radiome.features.registry import FamilySpec, FeatureSpec
from radiome.features.texture.directions import pool
from radiome.features.texture.neighbourhood import neighbourhood_sums, voxel_slices
from radiome.features.texture.zones import crop_to, requested_dimensions

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = ["FAMILY", "compute", "ngtdm_matrix", "ngtdm_features", "MAX_COARSENESS"]

#: IBSI's arbitrary cap on coarseness, used when :math:`\sum_i p_i s_i` is (near) zero.
MAX_COARSENESS = 1.0e6

_FEATURES = (
    FeatureSpec("ngt_coarseness", "coarseness", "QCDE",
                r"F_{ngt.coarseness} = \frac{1}{\sum_{i=1}^{N_g} p_i\,s_i}"),
    FeatureSpec("ngt_contrast", "contrast", "65HE",
                r"F_{ngt.contrast} = \left(\frac{1}{N_{g,p}(N_{g,p}-1)}\sum_{i_1=1}^{N_g}"
                r"\sum_{i_2=1}^{N_g} p_{i_1}p_{i_2}(i_1-i_2)^2\right)"
                r"\left(\frac{1}{N_{v,c}}\sum_{i=1}^{N_g} s_i\right)"),
    FeatureSpec("ngt_busyness", "busyness", "NQ30",
                r"F_{ngt.busyness} = \frac{\sum_{i=1}^{N_g} p_i\,s_i}{\sum_{i_1=1}^{N_g}"
                r"\sum_{i_2=1}^{N_g}\left|i_1 p_{i_1} - i_2 p_{i_2}\right|},"
                r"\quad p_{i_1}\neq 0,\ p_{i_2}\neq 0"),
    FeatureSpec("ngt_complexity", "complexity", "HDEZ",
                r"F_{ngt.complexity} = \frac{1}{N_{v,c}}\sum_{i_1=1}^{N_g}\sum_{i_2=1}^{N_g}"
                r"|i_1-i_2|\frac{p_{i_1}s_{i_1}+p_{i_2}s_{i_2}}{p_{i_1}+p_{i_2}},"
                r"\quad p_{i_1}\neq 0,\ p_{i_2}\neq 0"),
    FeatureSpec("ngt_strength", "strength", "1X9X",
                r"F_{ngt.strength} = \frac{\sum_{i_1=1}^{N_g}\sum_{i_2=1}^{N_g}"
                r"(p_{i_1}+p_{i_2})(i_1-i_2)^2}{\sum_{i=1}^{N_g} s_i},"
                r"\quad p_{i_1}\neq 0,\ p_{i_2}\neq 0"),
)

_NAMES = tuple(f.name for f in _FEATURES)


def ngtdm_matrix(
    levels: np.ndarray, mask: np.ndarray, n_levels: int, distance: int = 1, *, by_slice: bool
) -> tuple[np.ndarray, np.ndarray]:
    r"""The NGTDM columns :math:`s_i` and :math:`n_i`, per slice or for the volume.

    Parameters
    ----------
    levels : ndarray of int, (z, y, x)
        Discretised grey levels ``1 .. n_levels`` inside ``mask``.
    mask : ndarray of bool, (z, y, x)
        The intensity mask.
    n_levels : int
        :math:`N_g`.
    distance : int
        Chebyshev distance :math:`\delta`.
    by_slice : bool
        One matrix per slice with in-slice neighbourhoods (2D, 2.5D), else one 3D matrix.

    Returns
    -------
    s, n : ndarray, (n_slices or 1, n_levels)
        Row ``z`` holds :math:`s_i` and :math:`n_i` for ``i = 1 .. n_levels`` of slice ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 2], [3, 4]]])
    >>> s, n = ngtdm_matrix(lv, lv > 0, 4, by_slice=True)
    >>> np.round(s, 3).tolist(), n.tolist()
    ([[2.0, 0.667, 0.667, 2.0]], [[1, 1, 1, 1]])
    """
    mask = np.asarray(mask, dtype=bool)
    sums, counts = neighbourhood_sums(levels, mask, distance, by_slice=by_slice)
    i = np.asarray(levels)[mask].astype(np.int64)
    valid = counts > 0
    n_groups = mask.shape[0] if by_slice else 1
    key = (voxel_slices(mask, by_slice) * (n_levels + 1) + i)[valid]
    diff = np.abs(i[valid] - sums[valid] / counts[valid])
    size = n_groups * (n_levels + 1)
    s = np.bincount(key, weights=diff, minlength=size).reshape(n_groups, n_levels + 1)[:, 1:]
    n = np.bincount(key, minlength=size).reshape(n_groups, n_levels + 1)[:, 1:]
    return s, n


def ngtdm_features(s: np.ndarray, n: np.ndarray) -> dict[str, float]:
    """The five NGTDM features of one matrix (``s``, ``n`` over grey levels ``1 .. N_g``).

    Returns ``nan`` for every feature when no voxel has a valid neighbourhood.

    Examples
    --------
    The 2D example of the IBSI manual (:math:`s = (0, 1, 0.625, 1.875)`, :math:`n = (0, 2, 1, 1)`):

    >>> f = ngtdm_features(np.array([0, 1, 0.625, 1.875]), np.array([0, 2, 1, 1]))
    >>> round(f["coarseness"], 4), round(f["strength"], 4)
    (0.8889, 2.4286)
    """
    s = np.asarray(s, dtype=float)
    n = np.asarray(n, dtype=float)
    n_vc = float(n.sum())
    if n_vc == 0:
        return {k: float("nan") for k in _NAMES}
    p = n / n_vc
    present = p > 0
    lv = np.arange(1, n.size + 1, dtype=float)[present]
    pp, sp = p[present], s[present]
    n_gp = lv.size
    ps = float(np.sum(pp * sp))
    s_sum = float(s.sum())
    di = lv[:, None] - lv[None, :]
    coarseness = MAX_COARSENESS if ps * MAX_COARSENESS <= 1.0 else 1.0 / ps
    if n_gp > 1:
        contrast = float(np.sum(pp[:, None] * pp[None, :] * di**2)) / (n_gp * (n_gp - 1)) * s_sum / n_vc
        ip = lv * pp
        denominator = float(np.sum(np.abs(ip[:, None] - ip[None, :])))
        busyness = ps / denominator if denominator > 0 else 0.0
    else:
        contrast = 0.0
        busyness = 0.0
    psum = pp[:, None] + pp[None, :]
    complexity = float(np.sum(np.abs(di) * ((pp * sp)[:, None] + (pp * sp)[None, :]) / psum)) / n_vc
    strength = float(np.sum(psum * di**2)) / s_sum if s_sum > 0 else 0.0
    return {
        "coarseness": float(coarseness),
        "contrast": float(contrast),
        "busyness": float(busyness),
        "complexity": float(complexity),
        "strength": float(strength),
    }


def compute(roi: "ROI", settings: "ExtractionSettings") -> dict[str, float]:
    """NGTDM features of ``roi`` for every aggregation in ``settings.texture.dimensions``.

    Returns
    -------
    dict
        ``{'ngt_<feature>_<2D|2_5D|3D>': value}``.
    """
    dims = requested_dimensions(roi, settings, "ngtdm")
    mask, levels = crop_to(np.asarray(roi.intensity_mask, dtype=bool), roi.levels)
    delta = settings.texture.distance
    out: dict[str, float] = {}
    results: dict[str, dict[str, float]] = {}
    if "2D" in dims or "2_5D" in dims:
        s, n = ngtdm_matrix(levels, mask, roi.n_levels, delta, by_slice=True)
        if "2D" in dims:
            per_slice = [ngtdm_features(s[z], n[z]) for z in range(s.shape[0])]
            results["2D"] = pool({k: np.array([f[k] for f in per_slice]) for k in _NAMES}, n.sum(axis=1) > 0)
        if "2_5D" in dims:
            results["2_5D"] = ngtdm_features(s.sum(axis=0), n.sum(axis=0))
    if "3D" in dims:
        s, n = ngtdm_matrix(levels, mask, roi.n_levels, delta, by_slice=False)
        results["3D"] = ngtdm_features(s[0], n[0])
    for dim in dims:
        for name, value in results[dim].items():
            out[f"ngt_{name}_{dim}"] = value
    return out


FAMILY = FamilySpec(name="ngtdm", ibsi_code="IPET", features=_FEATURES, compute=compute)
