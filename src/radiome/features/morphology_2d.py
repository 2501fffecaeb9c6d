r"""A 2D shape feature set for single-slice images (not defined by IBSI).

IBSI 1 defines morphology in 3D only (DHQ4). For a single-slice image radiome computes the
2D counterparts below instead, from a marching-squares contour of the morphological mask
(scikit-image ``find_contours`` at level 0.5 on the mask padded by one pixel of zeros, scaled
by the pixel spacing), so that the contour closes where the ROI touches the image edge.
Ambiguous saddle configurations are resolved with the background fully connected (pixels
that touch only at a corner are separate). The area is the signed polygon area summed over
all contours, so holes are subtracted; the perimeter is the total length of all contours,
holes included. None of these has an IBSI code; each spec says so in ``deviation``.

Written by hand because no library computes this documented set with IBSI-style mesh
conventions (PyRadiomics' 2D shape class is close but reads its own image objects).
"""

from __future__ import annotations

import numpy as np

from radiome.errors import DimensionalityError, EmptyMaskError
from radiome.features.mesh import max_diameter, pca_eigenvalues, voxel_positions
from radiome.features.registry import FeatureSpec

__all__ = ["FEATURES_2D", "shape_features_2d", "mask_contours"]

_DEVIATION = (
    "Not IBSI-defined: IBSI 1 defines morphology in 3D only. radiome's 2D shape set for "
    "single-slice images (marching-squares contour at level 0.5 of the zero-padded mask)."
)

FEATURES_2D = (
    FeatureSpec("morph_2d_area_mesh", "area_2d", None,
                r"A = \left|\sum_c \frac{1}{2}\sum_k (x_k y_{k+1} - x_{k+1} y_k)\right|",
                _DEVIATION),
    FeatureSpec("morph_2d_area_approx", "area_pixel_counting_2d", None,
                r"A_{approx} = N_v\,\Delta_x\Delta_y", _DEVIATION),
    FeatureSpec("morph_2d_perimeter", "perimeter_2d", None,
                r"P = \sum_c \sum_k \|\vec{p}_{k+1} - \vec{p}_k\|_2", _DEVIATION),
    FeatureSpec("morph_2d_perimeter_to_area", "perimeter_to_area_ratio_2d", None,
                r"F = \frac{P}{A}", _DEVIATION),
    FeatureSpec("morph_2d_circularity", "circularity_2d", None,
                r"F = \frac{4\pi A}{P^2}", _DEVIATION),
    FeatureSpec("morph_2d_sphericity", "sphericity_2d", None,
                r"F = \frac{2\sqrt{\pi A}}{P}", _DEVIATION),
    FeatureSpec("morph_2d_diam", "maximum_diameter_2d", None,
                r"F = \max_{k_1,k_2}\|\vec{p}_{k_1} - \vec{p}_{k_2}\|_2", _DEVIATION),
    FeatureSpec("morph_2d_major_axis", "major_axis_length_2d", None,
                r"F = 4\sqrt{\lambda_{major}}", _DEVIATION),
    FeatureSpec("morph_2d_minor_axis", "minor_axis_length_2d", None,
                r"F = 4\sqrt{\lambda_{minor}}", _DEVIATION),
    FeatureSpec("morph_2d_elongation", "elongation_2d", None,
                r"F = \sqrt{\frac{\lambda_{minor}}{\lambda_{major}}}", _DEVIATION),
)


def _as_slice(mask: np.ndarray) -> np.ndarray:
    m = np.asarray(mask, dtype=bool)
    if m.ndim == 3:
        if m.shape[0] != 1:
            raise DimensionalityError(
                f"The 2D shape set needs a single slice; the mask has {m.shape[0]} slices. "
                "Use the 3D morphology (roi.is_2d=False) for volumes."
            )
        m = m[0]
    if m.ndim != 2:
        raise DimensionalityError(f"Expected a 2D mask (y, x) or (1, y, x); got shape {m.shape}.")
    return m


def mask_contours(mask: np.ndarray, spacing_yx: tuple[float, float]) -> list[np.ndarray]:
    """Closed iso-contours (level 0.5) of a 2D mask, as (n, 2) arrays of ``(y, x)`` in mm.

    The mask is padded by one pixel of zeros, so every contour is closed (its last point
    repeats its first). Outer boundaries and hole boundaries wind in opposite directions.
    """
    from skimage.measure import find_contours

    padded = np.pad(np.asarray(mask, dtype=np.float64), 1)
    step = np.asarray(spacing_yx, dtype=np.float64)
    return [(c - 1.0) * step for c in find_contours(padded, 0.5, fully_connected="low")]


def _signed_area(c: np.ndarray) -> float:
    y, x = c[:, 0], c[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def shape_features_2d(mask: np.ndarray, spacing: tuple[float, ...]) -> dict[str, float]:
    """radiome's 2D shape features of a single-slice morphological mask (no IBSI code).

    Parameters
    ----------
    mask : ndarray of bool, (y, x) or (1, y, x)
    spacing : tuple of float
        ``(z, y, x)`` or ``(y, x)`` pixel spacing in mm; ``z`` is ignored.

    Returns
    -------
    dict
        ``{tag: value}`` for :data:`FEATURES_2D`.

    Examples
    --------
    A disc of radius 20 pixels of 1 mm: the contour area is close to :math:`\\pi r^2`, while
    the perimeter of the digitised edge is ~7 % longer than :math:`2\\pi r`.

    >>> yy, xx = np.mgrid[-30:31, -30:31]
    >>> f = shape_features_2d(yy**2 + xx**2 <= 400, (1.0, 1.0))
    >>> round(f["morph_2d_area_mesh"] / (np.pi * 400), 3)
    1.0
    """
    m = _as_slice(mask)
    if not m.any():
        raise EmptyMaskError("The morphological mask is empty: no shape feature exists.")
    sy, sx = (float(s) for s in tuple(spacing)[-2:])
    contours = mask_contours(m, (sy, sx))
    area = abs(sum(_signed_area(c) for c in contours))
    perimeter = float(sum(np.linalg.norm(np.diff(c, axis=0), axis=1).sum() for c in contours))
    points = np.concatenate(contours)

    lam = pca_eigenvalues(voxel_positions(m, (sy, sx)))

    def div(a: float, b: float) -> float:
        return float(a / b) if b != 0 else float("nan")

    return {
        "morph_2d_area_mesh": area,
        "morph_2d_area_approx": float(m.sum()) * sy * sx,
        "morph_2d_perimeter": perimeter,
        "morph_2d_perimeter_to_area": div(perimeter, area),
        "morph_2d_circularity": div(4.0 * np.pi * area, perimeter**2),
        "morph_2d_sphericity": div(2.0 * np.sqrt(np.pi * area), perimeter),
        "morph_2d_diam": max_diameter(points),
        "morph_2d_major_axis": float(4.0 * np.sqrt(lam[0])),
        "morph_2d_minor_axis": float(4.0 * np.sqrt(lam[1])),
        "morph_2d_elongation": float(np.sqrt(div(lam[1], lam[0]))),
    }
