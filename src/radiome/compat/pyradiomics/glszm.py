r"""PyRadiomics' grey level size zone matrix (GLSZM) features, reproduced exactly.

A zone is a connected set of ROI voxels of one grey level; :math:`\mathbf{P}(i,j)` counts the
zones of grey level :math:`i` and size :math:`j` voxels. PyRadiomics (``radiomics.glszm``)
links voxels at Chebyshev distance 1: 26-connectivity in 3D and, with ``force2D``,
8-connectivity within the planes normal to ``force2Ddimension``, all planes counted in one
matrix (IBSI "2.5D", 62GR; 3D is IBSI KOBO). ``distances`` and ``weightingNorm`` do not
apply. :math:`i` is the discretised grey level (levels absent from the ROI dropped) and the
entropy uses :math:`\log_2(p+\epsilon)`.

With :math:`N_z=\sum_{ij}\mathbf{P}` zones, :math:`N_p` ROI voxels,
:math:`p_g(i)=\sum_j\mathbf{P}`, :math:`p_s(j)=\sum_i\mathbf{P}`, :math:`p=\mathbf{P}/N_z`
(IBSI code of the same quantity in brackets):

* SmallAreaEmphasis :math:`\sum_{ij}\mathbf{P}/j^2/N_z` (5QRC); LargeAreaEmphasis
  :math:`\sum_{ij}\mathbf{P}j^2/N_z` (48P8)
* GrayLevelNonUniformity :math:`\sum_i p_g^2/N_z` (JNSA); ...Normalized :math:`/N_z^2` (Y1RO)
* SizeZoneNonUniformity :math:`\sum_j p_s^2/N_z` (4JP3); ...Normalized :math:`/N_z^2` (VB3A)
* ZonePercentage :math:`N_z/N_p` (P30P)
* GrayLevelVariance :math:`\sum_{ij}p(i-\mu_i)^2` (BYLV); ZoneVariance
  :math:`\sum_{ij}p(j-\mu_j)^2` (3NSA)
* ZoneEntropy :math:`-\sum_{ij}p\log_2(p+\epsilon)` (GU8N)
* Low/HighGrayLevelZoneEmphasis :math:`\sum\mathbf{P}i^{\mp2}/N_z` (XMSY, 5GN9)
* SmallAreaLow/HighGrayLevelEmphasis :math:`\sum\mathbf{P}i^{\mp2}j^{-2}/N_z` (5RAI, HW1V)
* LargeAreaLow/HighGrayLevelEmphasis :math:`\sum\mathbf{P}i^{\mp2}j^{2}/N_z` (YH51, J17V)

Why hand-written: no library computes PyRadiomics' GLSZM. The zones are scikit-image's
connected-component labelling of the coded ROI (it links only equal values); for ``force2D``
every plane gets its own value range so zones never cross planes. No loop over voxels.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from radiome.compat.pyradiomics.glcm import CodedROI, code_roi, setting
from radiome.compat.pyradiomics.glrlm import dense_matrix, matrix_features

__all__ = ["FEATURES", "size_zones", "compute", "features"]

#: PyRadiomics GLSZM feature names with the IBSI code of the same quantity.
FEATURES: dict[str, str] = {
    "SmallAreaEmphasis": "5QRC", "LargeAreaEmphasis": "48P8", "GrayLevelNonUniformity": "JNSA",
    "GrayLevelNonUniformityNormalized": "Y1RO", "SizeZoneNonUniformity": "4JP3",
    "SizeZoneNonUniformityNormalized": "VB3A", "ZonePercentage": "P30P",
    "GrayLevelVariance": "BYLV", "ZoneVariance": "3NSA", "ZoneEntropy": "GU8N",
    "LowGrayLevelZoneEmphasis": "XMSY", "HighGrayLevelZoneEmphasis": "5GN9",
    "SmallAreaLowGrayLevelEmphasis": "5RAI", "SmallAreaHighGrayLevelEmphasis": "HW1V",
    "LargeAreaLowGrayLevelEmphasis": "YH51", "LargeAreaHighGrayLevelEmphasis": "J17V",
}


def size_zones(
    codes: np.ndarray, *, force2d: bool = False, force2d_dimension: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Grey-level code and size of every zone of a coded ROI.

    Parameters
    ----------
    codes : ndarray of int, (z, y, x)
        0 outside the ROI, grey-level codes >= 1 inside.
    force2d, force2d_dimension
        Link voxels only within planes normal to axis ``force2d_dimension``.

    Returns
    -------
    code, size : ndarray of int64
        One entry per zone.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[[1, 1, 0, 2]], [[0, 0, 1, 2]]])
    >>> code, size = size_zones(c)
    >>> sorted(zip(code.tolist(), size.tolist()))
    [(1, 3), (2, 2)]
    >>> sorted(zip(*(a.tolist() for a in size_zones(c, force2d=True))))
    [(1, 1), (1, 2), (2, 1), (2, 1)]
    """
    try:  # scikit-image's union-find labelling itself, without the SciPy import of its wrapper
        from skimage.measure._ccomp import label_cython as label
    except ImportError:  # pragma: no cover - another scikit-image layout
        from skimage.measure import label

    codes = np.asarray(codes)
    inside = codes > 0
    values = codes
    if force2d:
        codes = codes.astype(np.int64)
        n_codes = int(codes.max()) + 1
        shape = [1, 1, 1]
        shape[int(force2d_dimension)] = codes.shape[int(force2d_dimension)]
        plane = np.arange(codes.shape[int(force2d_dimension)], dtype=np.int64).reshape(shape)
        values = np.where(inside, codes + plane * n_codes, 0)
    labels = label(values, background=0, return_num=False, connectivity=3)
    index = np.flatnonzero(inside)  # one pass over the box, then gathers of the ROI voxels only
    lab = labels.reshape(-1).take(index)
    size = np.bincount(lab)[1:]
    code = np.zeros(size.size, dtype=np.int64)
    code[lab - 1] = codes.reshape(-1).take(index)
    return code, size.astype(np.int64)


def compute(
    levels: np.ndarray, mask: np.ndarray, spacing_zyx: tuple[float, float, float], settings: Any
) -> dict[str, float]:
    """PyRadiomics GLSZM features of a discretised ROI.

    Parameters
    ----------
    levels : ndarray of int, (z, y, x)
        PyRadiomics-discretised grey levels (1..N inside ``mask``).
    mask : ndarray of bool, (z, y, x)
    spacing_zyx : tuple of float
        Voxel spacing in mm (not used: zones do not depend on it).
    settings : PyRadiomicsSettings or mapping
        Reads ``force2D`` and ``force2Ddimension``.

    Returns
    -------
    dict
        ``{PyRadiomics feature name: value}`` for the 16 features of :data:`FEATURES`.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 1, 2]]])
    >>> f = compute(lv, lv > 0, (1.0, 1.0, 1.0), None)
    >>> f["SmallAreaEmphasis"], round(f["ZonePercentage"], 4)
    (0.625, 0.6667)
    """
    return features(code_roi(levels, mask, pad=1), spacing_zyx, settings)


def features(roi: CodedROI, spacing_zyx: Sequence[float], settings: Any) -> dict[str, float]:
    """PyRadiomics GLSZM features of a coded ROI (see :func:`compute`)."""
    p = roi.pad
    nz, ny, nx = roi.size
    code, size = size_zones(
        roi.small[p - 1:p + nz + 1, p - 1:p + ny + 1, p - 1:p + nx + 1] if p > 1 else roi.small,
        force2d=bool(setting(settings, "force2D")),
        force2d_dimension=int(setting(settings, "force2Ddimension")),
    )
    mat, sizes = dense_matrix(np.zeros(code.size, np.int64), code - 1, size, 1, roi.n_grey)
    f = matrix_features(mat, roi.grey, sizes)
    values = {
        "SmallAreaEmphasis": f["se"], "LargeAreaEmphasis": f["le"],
        "GrayLevelNonUniformity": f["gln"], "GrayLevelNonUniformityNormalized": f["glnn"],
        "SizeZoneNonUniformity": f["jn"], "SizeZoneNonUniformityNormalized": f["jnn"],
        "ZonePercentage": f["n"] / roi.n_voxels, "GrayLevelVariance": f["glv"],
        "ZoneVariance": f["jv"], "ZoneEntropy": f["entropy"],
        "LowGrayLevelZoneEmphasis": f["lge"], "HighGrayLevelZoneEmphasis": f["hge"],
        "SmallAreaLowGrayLevelEmphasis": f["slge"], "SmallAreaHighGrayLevelEmphasis": f["shge"],
        "LargeAreaLowGrayLevelEmphasis": f["llge"], "LargeAreaHighGrayLevelEmphasis": f["lhge"],
    }
    return {name: float(v[0]) for name, v in values.items()}
