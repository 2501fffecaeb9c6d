r"""Grey level distance zone matrix features (IBSI 1, section 3.9, family VMDZ).

Zones are those of the GLSZM (linked voxels of equal grey level in the intensity mask:
26-connected in 3D, 8-connected within the slice in 2D). The distance of a zone is the
smallest border distance of its voxels, from a distance map computed on the *morphological*
mask: the Manhattan distance to the nearest voxel outside it, 1 on the edge, with
6-connected steps in 3D and 4-connected steps within the slice in 2D
(:func:`radiome.features.texture.zones.border_distance`). Element :math:`d_{ij}` of the
:math:`N_g\times N_d` matrix counts the zones of grey level :math:`i` at distance :math:`j`;
:math:`N_s=\sum_{ij}d_{ij}`, :math:`N_v` is the number of voxels of the intensity mask.

Aggregation (``settings.texture.dimensions``): ``2D`` per-slice matrices (with per-slice
distance maps) averaged over slices (8QNN); ``2_5D`` those matrices and their :math:`N_v`
summed (62GR); ``3D`` one volumetric matrix (KOBO).

Why hand-written: no library builds the GLDZM as IBSI defines it (the distance map of the
morphological mask, minimum over the zone, IBSI aggregation). The distance map is one
chamfer distance transform instead of the manual's iterated erosions (same result), and the
per-zone minimum is one ``np.minimum.at`` over the zone labels.

Should an intensity-mask voxel lie outside the morphological mask (which re-segmentation
never produces), the distance map is taken over the union of the two masks so that every
zone has a distance of at least 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from radiome.features.registry import FamilySpec
from radiome.features.texture.zones import (
    border_distance,
    count_family_features,
    count_feature_specs,
    crop_to,
    label_zones,
    requested_dimensions,
    zone_minimum,
)

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = ["FAMILY", "compute", "distance_zone_entries"]

# (IBSI tag, radiome name, IBSI code, generic count-matrix feature, formula)
_FEATURES = (
    ("dzm_sde", "small_distance_emphasis", "0GBI", "se",
     r"F_{dzm.sde} = \frac{1}{N_s}\sum_{j=1}^{N_d}\frac{d_{.j}}{j^2}"),
    ("dzm_lde", "large_distance_emphasis", "MB4I", "le",
     r"F_{dzm.lde} = \frac{1}{N_s}\sum_{j=1}^{N_d} j^2 d_{.j}"),
    ("dzm_lgze", "low_grey_level_zone_emphasis", "S1RA", "lge",
     r"F_{dzm.lgze} = \frac{1}{N_s}\sum_{i=1}^{N_g}\frac{d_{i.}}{i^2}"),
    ("dzm_hgze", "high_grey_level_zone_emphasis", "K26C", "hge",
     r"F_{dzm.hgze} = \frac{1}{N_s}\sum_{i=1}^{N_g} i^2 d_{i.}"),
    ("dzm_sdlge", "small_distance_low_grey_level_emphasis", "RUVG", "slge",
     r"F_{dzm.sdlge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_d}\frac{d_{ij}}{i^2 j^2}"),
    ("dzm_sdhge", "small_distance_high_grey_level_emphasis", "DKNJ", "shge",
     r"F_{dzm.sdhge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_d}\frac{i^2 d_{ij}}{j^2}"),
    ("dzm_ldlge", "large_distance_low_grey_level_emphasis", "A7WM", "llge",
     r"F_{dzm.ldlge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_d}\frac{j^2 d_{ij}}{i^2}"),
    ("dzm_ldhge", "large_distance_high_grey_level_emphasis", "KLTH", "lhge",
     r"F_{dzm.ldhge} = \frac{1}{N_s}\sum_{i=1}^{N_g}\sum_{j=1}^{N_d} i^2 j^2 d_{ij}"),
    ("dzm_glnu", "grey_level_non_uniformity", "VFT7", "glnu",
     r"F_{dzm.glnu} = \frac{1}{N_s}\sum_{i=1}^{N_g} d_{i.}^2"),
    ("dzm_glnu_norm", "normalised_grey_level_non_uniformity", "7HP3", "glnu_norm",
     r"F_{dzm.glnu.norm} = \frac{1}{N_s^2}\sum_{i=1}^{N_g} d_{i.}^2"),
    ("dzm_zdnu", "zone_distance_non_uniformity", "V294", "jnu",
     r"F_{dzm.zdnu} = \frac{1}{N_s}\sum_{j=1}^{N_d} d_{.j}^2"),
    ("dzm_zdnu_norm", "normalised_zone_distance_non_uniformity", "IATH", "jnu_norm",
     r"F_{dzm.zdnu.norm} = \frac{1}{N_s^2}\sum_{j=1}^{N_d} d_{.j}^2"),
    ("dzm_z_perc", "zone_percentage", "VIWW", "perc",
     r"F_{dzm.z.perc} = \frac{N_s}{N_v}"),
    ("dzm_gl_var", "grey_level_variance", "QK93", "gl_var",
     r"F_{dzm.gl.var} = \sum_{i=1}^{N_g}\sum_{j=1}^{N_d}(i-\mu)^2 p_{ij},\quad "
     r"\mu=\sum_{i,j} i\,p_{ij},\ p_{ij}=d_{ij}/N_s"),
    ("dzm_zd_var", "zone_distance_variance", "7WT1", "j_var",
     r"F_{dzm.zd.var} = \sum_{i=1}^{N_g}\sum_{j=1}^{N_d}(j-\mu)^2 p_{ij},\quad "
     r"\mu=\sum_{i,j} j\,p_{ij}"),
    ("dzm_zd_entr", "zone_distance_entropy", "GBDU", "entr",
     r"F_{dzm.zd.entr} = -\sum_{i=1}^{N_g}\sum_{j=1}^{N_d} p_{ij}\log_2 p_{ij}"),
)


def distance_zone_entries(
    levels: np.ndarray,
    intensity_mask: np.ndarray,
    morphology_mask: np.ndarray,
    n_levels: int,
    *,
    by_slice: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The GLDZM as one entry per zone: ``(slice_index, grey_level, distance)``.

    Zones are linked in ``intensity_mask``; distances come from ``morphology_mask``
    (its union with ``intensity_mask``, see the module notes).

    Examples
    --------
    The 2D example of the IBSI manual. With IBSI's 8-connectivity the five voxels of grey
    level 2 form one zone (the manual's figure counts two, as 4-connectivity would):

    >>> import numpy as np
    >>> lv = np.array([[[1, 2, 2, 3], [1, 2, 3, 3], [4, 2, 4, 1], [4, 1, 2, 3]]])
    >>> m = lv > 0
    >>> _, i, j = distance_zone_entries(lv, m, m, 4, by_slice=True)
    >>> D = np.zeros((5, 3), int); np.add.at(D, (i, j), 1); D[1:, 1:].tolist()
    [[3, 0], [1, 0], [2, 0], [1, 1]]
    """
    intensity_mask = np.asarray(intensity_mask, dtype=bool)
    zones = label_zones(levels, intensity_mask, n_levels, by_slice=by_slice)
    dist = border_distance(np.asarray(morphology_mask, dtype=bool) | intensity_mask, by_slice=by_slice)
    return zones.slice_index, zones.level, zone_minimum(dist, zones, intensity_mask)


def compute(roi: "ROI", settings: "ExtractionSettings") -> dict[str, float]:
    """GLDZM features of ``roi`` for every aggregation in ``settings.texture.dimensions``.

    Returns
    -------
    dict
        ``{'dzm_<feature>_<2D|2_5D|3D>': value}``.
    """
    dims = requested_dimensions(roi, settings, "gldzm")
    int_mask = np.asarray(roi.intensity_mask, dtype=bool)
    morph_mask = np.asarray(roi.morphology_mask, dtype=bool)
    _, int_mask, morph_mask, levels = crop_to(int_mask | morph_mask, int_mask, morph_mask, roi.levels)
    return count_family_features(
        dims,
        int_mask,
        lambda by_slice: distance_zone_entries(levels, int_mask, morph_mask, roi.n_levels, by_slice=by_slice),
        _FEATURES,
    )


FAMILY = FamilySpec(
    name="gldzm",
    ibsi_code="VMDZ",
    features=count_feature_specs(_FEATURES),
    compute=compute,
)
