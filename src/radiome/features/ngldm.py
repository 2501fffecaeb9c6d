r"""Neighbouring grey level dependence matrix features (IBSI 1, section 3.11, family REK0).

For every voxel :math:`\mathbf{k}` of the intensity mask, the dependence count

.. math::

    j_k = \sum_{\|\mathbf{m}\|_\infty\le\delta}
        \big[|X_d(\mathbf{k})-X_d(\mathbf{k}+\mathbf{m})|\le\alpha
        \text{ and } \mathbf{k}+\mathbf{m}\in\text{ROI}\big]

counts the voxels within Chebyshev distance :math:`\delta` (``settings.texture.distance``),
centre included, whose grey level differs by at most the coarseness :math:`\alpha`
(``settings.texture.ngldm_coarseness``); neighbours outside the intensity mask do not count.
Element :math:`s_{ij}` of the :math:`N_g\times N_n` matrix counts the voxels of grey level
:math:`i` with dependence :math:`j`. Every voxel has a neighbourhood, so
:math:`N_s=\sum_{ij}s_{ij}=N_v` and the dependence count percentage is 1.

Aggregation (``settings.texture.dimensions``): ``2D`` neighbourhoods within the slice, one
matrix per slice, features averaged over slices (8QNN); ``2_5D`` the slices' matrices and
their :math:`N_v` summed (62GR); ``3D`` 3D neighbourhoods (KOBO).

Why hand-written: no library computes IBSI's NGLDM with partial neighbourhoods and its
aggregation rules. Dependence counts compare the level array with shifted views of itself
(:func:`radiome.features.texture.neighbourhood.dependence_counts`), one whole-array comparison
per neighbour offset; the features of all slices come from ``np.bincount``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from radiome.features.registry import FamilySpec
from radiome.features.texture.neighbourhood import dependence_counts, voxel_slices
from radiome.features.texture.zones import (
    count_family_features,
    count_feature_specs,
    crop_to,
    requested_dimensions,
)

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = ["FAMILY", "compute", "dependence_entries"]

# (IBSI tag, radiome name, IBSI code, generic count-matrix feature, formula)
_FEATURES = (
    ("ngl_lde", "low_dependence_emphasis", "SODN", "se",
     r"F_{ngl.lde} = \frac{1}{N_s}\sum_{j=1}^{N_n}\frac{s_{.j}}{j^2}"),
    ("ngl_hde", "high_dependence_emphasis", "IMOQ", "le",
     r"F_{ngl.hde} = \frac{1}{N_s}\sum_{j=1}^{N_n} j^2 s_{.j}"),
    ("ngl_lgce", "low_grey_level_count_emphasis", "TL9H", "lge",
     r"F_{ngl.lgce} = \frac{1}{N_s}\sum_{i=1}^{N_g}\frac{s_{i.}}{i^2}"),
    ("ngl_hgce", "high_grey_level_count_emphasis", "OAE7", "hge",
     r"F_{ngl.hgce} = \frac{1}{N_s}\sum_{i=1}^{N_g} i^2 s_{i.}"),
    ("ngl_ldlge", "low_dependence_low_grey_level_emphasis", "EQ3F", "slge",
     r"F_{ngl.ldlge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_n}\frac{s_{ij}}{i^2 j^2}"),
    ("ngl_ldhge", "low_dependence_high_grey_level_emphasis", "JA6D", "shge",
     r"F_{ngl.ldhge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_n}\frac{i^2 s_{ij}}{j^2}"),
    ("ngl_hdlge", "high_dependence_low_grey_level_emphasis", "NBZI", "llge",
     r"F_{ngl.hdlge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_n}\frac{j^2 s_{ij}}{i^2}"),
    ("ngl_hdhge", "high_dependence_high_grey_level_emphasis", "9QMG", "lhge",
     r"F_{ngl.hdhge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_n} i^2 j^2 s_{ij}"),
    ("ngl_glnu", "grey_level_non_uniformity", "FP8K", "glnu",
     r"F_{ngl.glnu} = \frac{1}{N_s}\sum_{i=1}^{N_g} s_{i.}^2"),
    ("ngl_glnu_norm", "normalised_grey_level_non_uniformity", "5SPA", "glnu_norm",
     r"F_{ngl.glnu.norm} = \frac{1}{N_s^2}\sum_{i=1}^{N_g} s_{i.}^2"),
    ("ngl_dcnu", "dependence_count_non_uniformity", "Z87G", "jnu",
     r"F_{ngl.dcnu} = \frac{1}{N_s}\sum_{j=1}^{N_n} s_{.j}^2"),
    ("ngl_dcnu_norm", "normalised_dependence_count_non_uniformity", "OKJI", "jnu_norm",
     r"F_{ngl.dcnu.norm} = \frac{1}{N_s^2}\sum_{j=1}^{N_n} s_{.j}^2"),
    ("ngl_dc_perc", "dependence_count_percentage", "6XV8", "perc",
     r"F_{ngl.dc.perc} = \frac{N_s}{N_v}"),
    ("ngl_gl_var", "grey_level_variance", "1PFV", "gl_var",
     r"F_{ngl.gl.var} = \sum_{i=1}^{N_g}\sum_{j=1}^{N_n}(i-\mu)^2 p_{ij},\quad "
     r"\mu=\sum_{i,j} i\,p_{ij},\ p_{ij}=s_{ij}/N_s"),
    ("ngl_dc_var", "dependence_count_variance", "DNX2", "j_var",
     r"F_{ngl.dc.var} = \sum_{i=1}^{N_g}\sum_{j=1}^{N_n}(j-\mu)^2 p_{ij},\quad "
     r"\mu=\sum_{i,j} j\,p_{ij}"),
    ("ngl_dc_entr", "dependence_count_entropy", "FCBV", "entr",
     r"F_{ngl.dc.entr} = -\sum_{i=1}^{N_g}\sum_{j=1}^{N_n} p_{ij}\log_2 p_{ij}"),
    ("ngl_dc_energy", "dependence_count_energy", "CAS9", "energy",
     r"F_{ngl.dc.energy} = \sum_{i=1}^{N_g}\sum_{j=1}^{N_n} p_{ij}^2"),
)


def dependence_entries(
    levels: np.ndarray,
    mask: np.ndarray,
    distance: int = 1,
    coarseness: int = 0,
    *,
    by_slice: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The NGLDM as one entry per voxel of ``mask``: ``(slice_index, grey_level, dependence)``.

    ``slice_index`` is the voxel's ``z`` index when ``by_slice`` (2D, 2.5D) and 0 otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 1], [1, 2]]])
    >>> _, i, j = dependence_entries(lv, lv > 0, by_slice=True)
    >>> list(zip(i.tolist(), j.tolist()))
    [(1, 3), (1, 3), (1, 3), (2, 1)]
    """
    mask = np.asarray(mask, dtype=bool)
    j = dependence_counts(levels, mask, distance, coarseness, by_slice=by_slice)
    i = np.asarray(levels)[mask].astype(np.int64)
    return voxel_slices(mask, by_slice), i, j


def compute(roi: "ROI", settings: "ExtractionSettings") -> dict[str, float]:
    """NGLDM features of ``roi`` for every aggregation in ``settings.texture.dimensions``.

    Returns
    -------
    dict
        ``{'ngl_<feature>_<2D|2_5D|3D>': value}``.
    """
    dims = requested_dimensions(roi, settings, "ngldm")
    mask, levels = crop_to(np.asarray(roi.intensity_mask, dtype=bool), roi.levels)
    delta, alpha = settings.texture.distance, settings.texture.ngldm_coarseness
    return count_family_features(
        dims, mask, lambda by_slice: dependence_entries(levels, mask, delta, alpha, by_slice=by_slice), _FEATURES
    )


FAMILY = FamilySpec(
    name="ngldm",
    ibsi_code="REK0",
    features=count_feature_specs(_FEATURES),
    compute=compute,
)
