r"""Grey level size zone matrix features (IBSI 1, section 3.8, family 9SAK).

A zone is a group of linked voxels of the intensity mask with the same discretised grey
level: 26-connected in 3D, 8-connected within the slice in 2D. Element :math:`s_{ij}` of the
:math:`N_g\times N_z` matrix counts the zones of grey level :math:`i` and size :math:`j`;
:math:`N_s=\sum_{ij}s_{ij}` is the number of zones and :math:`N_v` the number of voxels of
the intensity mask.

Aggregation (``settings.texture.dimensions``): ``2D`` computes a matrix per slice and
averages the features over slices (8QNN); ``2_5D`` sums the slices' matrices and their
:math:`N_v` into one (62GR); ``3D`` uses one volumetric matrix (KOBO). Keys carry the IBSI
suffixes ``_2D``, ``_2_5D``, ``_3D``.

Why hand-written: no library builds the GLSZM with IBSI's aggregation rules. Zones come from
one connected-component labelling of the whole ROI (:func:`radiome.features.texture.zones.label_zones`)
and the matrix is kept sparse, as ``(slice, level, size)`` entries, because zone sizes can
reach the ROI size; features of all slices are computed at once with ``np.bincount``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from radiome.features.registry import FamilySpec
from radiome.features.texture.zones import (
    count_family_features,
    count_feature_specs,
    crop_to,
    label_zones,
    requested_dimensions,
)

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = ["FAMILY", "compute", "size_zone_entries"]

# (IBSI tag, radiome name, IBSI code, generic count-matrix feature, formula)
_FEATURES = (
    ("szm_sze", "small_zone_emphasis", "5QRC", "se",
     r"F_{szm.sze} = \frac{1}{N_s}\sum_{j=1}^{N_z}\frac{s_{.j}}{j^2}"),
    ("szm_lze", "large_zone_emphasis", "48P8", "le",
     r"F_{szm.lze} = \frac{1}{N_s}\sum_{j=1}^{N_z} j^2 s_{.j}"),
    ("szm_lgze", "low_grey_level_zone_emphasis", "XMSY", "lge",
     r"F_{szm.lgze} = \frac{1}{N_s}\sum_{i=1}^{N_g}\frac{s_{i.}}{i^2}"),
    ("szm_hgze", "high_grey_level_zone_emphasis", "5GN9", "hge",
     r"F_{szm.hgze} = \frac{1}{N_s}\sum_{i=1}^{N_g} i^2 s_{i.}"),
    ("szm_szlge", "small_zone_low_grey_level_emphasis", "5RAI", "slge",
     r"F_{szm.szlge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_z}\frac{s_{ij}}{i^2 j^2}"),
    ("szm_szhge", "small_zone_high_grey_level_emphasis", "HW1V", "shge",
     r"F_{szm.szhge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_z}\frac{i^2 s_{ij}}{j^2}"),
    ("szm_lzlge", "large_zone_low_grey_level_emphasis", "YH51", "llge",
     r"F_{szm.lzlge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_z}\frac{j^2 s_{ij}}{i^2}"),
    ("szm_lzhge", "large_zone_high_grey_level_emphasis", "J17V", "lhge",
     r"F_{szm.lzhge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_z} i^2 j^2 s_{ij}"),
    ("szm_glnu", "grey_level_non_uniformity", "JNSA", "glnu",
     r"F_{szm.glnu} = \frac{1}{N_s}\sum_{i=1}^{N_g} s_{i.}^2"),
    ("szm_glnu_norm", "normalised_grey_level_non_uniformity", "Y1RO", "glnu_norm",
     r"F_{szm.glnu.norm} = \frac{1}{N_s^2}\sum_{i=1}^{N_g} s_{i.}^2"),
    ("szm_zsnu", "zone_size_non_uniformity", "4JP3", "jnu",
     r"F_{szm.zsnu} = \frac{1}{N_s}\sum_{j=1}^{N_z} s_{.j}^2"),
    ("szm_zsnu_norm", "normalised_zone_size_non_uniformity", "VB3A", "jnu_norm",
     r"F_{szm.zsnu.norm} = \frac{1}{N_s^2}\sum_{j=1}^{N_z} s_{.j}^2"),
    ("szm_z_perc", "zone_percentage", "P30P", "perc",
     r"F_{szm.z.perc} = \frac{N_s}{N_v}"),
    ("szm_gl_var", "grey_level_variance", "BYLV", "gl_var",
     r"F_{szm.gl.var} = \sum_{i=1}^{N_g}\sum_{j=1}^{N_z}(i-\mu)^2 p_{ij},\quad "
     r"\mu=\sum_{i,j} i\,p_{ij},\ p_{ij}=s_{ij}/N_s"),
    ("szm_zs_var", "zone_size_variance", "3NSA", "j_var",
     r"F_{szm.zs.var} = \sum_{i=1}^{N_g}\sum_{j=1}^{N_z}(j-\mu)^2 p_{ij},\quad "
     r"\mu=\sum_{i,j} j\,p_{ij}"),
    ("szm_zs_entr", "zone_size_entropy", "GU8N", "entr",
     r"F_{szm.zs.entr} = -\sum_{i=1}^{N_g}\sum_{j=1}^{N_z} p_{ij}\log_2 p_{ij}"),
)


def size_zone_entries(
    levels: np.ndarray, mask: np.ndarray, n_levels: int, *, by_slice: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The GLSZM as one entry per zone: ``(slice_index, grey_level, size)``.

    ``slice_index`` is the ``z`` index of the zone's slice when ``by_slice`` (2D, 2.5D)
    and 0 otherwise. ``np.add.at(M, (level, size), 1)`` rebuilds a dense matrix.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 2, 2, 3], [1, 2, 3, 3], [4, 2, 4, 1], [4, 1, 2, 3]]])
    >>> _, i, j = size_zone_entries(lv, lv > 0, 4, by_slice=True)
    >>> M = np.zeros((5, 6), int); np.add.at(M, (i, j), 1); M[1:, 1:].tolist()
    [[2, 1, 0, 0, 0], [0, 0, 0, 0, 1], [1, 0, 1, 0, 0], [1, 1, 0, 0, 0]]
    """
    zones = label_zones(levels, mask, n_levels, by_slice=by_slice)
    return zones.slice_index, zones.level, zones.size


def compute(roi: "ROI", settings: "ExtractionSettings") -> dict[str, float]:
    """GLSZM features of ``roi`` for every aggregation in ``settings.texture.dimensions``.

    Returns
    -------
    dict
        ``{'szm_<feature>_<2D|2_5D|3D>': value}``.
    """
    dims = requested_dimensions(roi, settings, "glszm")
    mask, levels = crop_to(np.asarray(roi.intensity_mask, dtype=bool), roi.levels)
    return count_family_features(
        dims, mask, lambda by_slice: size_zone_entries(levels, mask, roi.n_levels, by_slice=by_slice), _FEATURES
    )


FAMILY = FamilySpec(
    name="glszm",
    ibsi_code="9SAK",
    features=count_feature_specs(_FEATURES),
    compute=compute,
)
