"""PyRadiomics 2D shape features (``original_shape2D_*``), with PyRadiomics' marching squares.

PyRadiomics computes 2D shape on a single-slice mask (``force2D`` with the out-of-plane
dimension of size 1, or a truly 2D image). Its C extension walks a 2x2 square over the
zero-padded mask, puts contour vertices half-way along square edges, and joins them by a
fixed line table oriented so that the signed areas of the triangles (origin, a, b) add up to
the enclosed area. That contour is re-implemented here with NumPy, vectorised over all
squares, because no library gives the same contour (scikit-image's ``find_contours`` uses
interpolated vertices and its own disambiguation of saddle squares).

IBSI 1 has no 2D shape family; radiome's ``morphology_2d`` follows IBSI's 3D definitions on
one slice and differs in mesh and diameter conventions.
"""

from __future__ import annotations

import numpy as np

from radiome.compat.pyradiomics.shape import max_distance_sq
from radiome.errors import EmptyMaskError, FeatureError

__all__ = ["compute", "contour_coefficients", "squeeze_to_2d"]

# Square corners (dy, dx) in PyRadiomics' bit order and the vertex on each of its 4 edges.
_CORNERS = np.array([(0, 0), (0, 1), (1, 1), (1, 0)])
_EDGE_POINTS = np.array([(0, 0.5), (0.5, 1), (1, 0.5), (0.5, 0)])
# Lines of square configurations 0..15, as pairs of edge numbers (a, b), oriented
# counter-clockwise around the ROI in PyRadiomics' convention.
_LINES = (
    (), ((3, 0),), ((0, 1),), ((3, 1),), ((1, 2),), ((1, 2), (3, 0)), ((0, 2),), ((3, 2),),
    ((2, 3),), ((2, 0),), ((0, 1), (2, 3)), ((2, 1),), ((1, 3),), ((1, 0),), ((0, 3),), (),
)


def _line_table() -> np.ndarray:
    table = np.full((16, 2, 2), -1, dtype=np.int64)
    for cfg, lines in enumerate(_LINES):
        for t, line in enumerate(lines):
            table[cfg, t] = line
    return table


_TABLE = _line_table()


def squeeze_to_2d(mask: np.ndarray, spacing_zyx: tuple[float, float, float], dimension: int) -> tuple[np.ndarray, tuple[float, float]]:
    """Drop the out-of-plane axis ``dimension`` (0 z, 1 y, 2 x) of a single-slice 3D mask.

    Raises
    ------
    FeatureError
        If the mask has more than one slice along ``dimension`` (PyRadiomics refuses too).
    """
    m = np.asarray(mask, dtype=bool)
    if m.shape[dimension] > 1:
        raise FeatureError(
            f"2D shape needs a mask of size 1 along force2Ddimension={dimension}, got size "
            f"{m.shape[dimension]}; give a single-slice mask or set force2Ddimension to its "
            "out-of-plane axis."
        )
    axes = [k for k in range(3) if k != dimension]
    return np.squeeze(m, axis=dimension), (float(spacing_zyx[axes[0]]), float(spacing_zyx[axes[1]]))


def contour_coefficients(mask2d: np.ndarray, spacing_yx: tuple[float, float]) -> tuple[float, float, float]:
    r"""Perimeter, mesh surface and maximum diameter of PyRadiomics' contour.

    .. math::
        P = \sum_l \lVert a_l - b_l \rVert, \qquad
        A = \tfrac12 \sum_l (a_{l,y} b_{l,x} - b_{l,y} a_{l,x}), \qquad
        D = \max_{i,j} \lVert v_i - v_j \rVert

    over the contour lines :math:`l` and vertices :math:`v` (mm).

    Returns
    -------
    (perimeter, surface, diameter) : tuple of float
    """
    m = np.pad(np.asarray(mask2d, dtype=bool), 1)
    if not m.any():
        raise EmptyMaskError("the mask is empty: PyRadiomics 2D shape needs at least one pixel")
    spacing = np.asarray(spacing_yx, dtype=np.float64)
    y, x = m.shape
    index = np.zeros((y - 1, x - 1), dtype=np.uint8)
    for bit, (dy, dx) in enumerate(_CORNERS):
        index |= m[dy:y - 1 + dy, dx:x - 1 + dx].astype(np.uint8) << bit
    squares = np.nonzero((index != 0) & (index != 0xF))
    lines = _TABLE[index[squares]]  # (n, 2, 2)
    sq_i, line_i = np.nonzero(lines[:, :, 0] >= 0)
    origin = np.stack(squares, axis=1).astype(np.float64)[sq_i]
    edges = lines[sq_i, line_i]
    a = (origin + _EDGE_POINTS[edges[:, 0]]) * spacing
    b = (origin + _EDGE_POINTS[edges[:, 1]]) * spacing
    surface = float(np.sum(a[:, 0] * b[:, 1] - b[:, 0] * a[:, 1])) / 2.0
    d = a - b
    perimeter = float(np.sum(np.sqrt(d[:, 0] ** 2 + d[:, 1] ** 2)))
    # vertices: mid-points of every edge between an ROI and a background pixel
    verts = []
    for axis in range(2):
        lo = [slice(None)] * 2
        hi = [slice(None)] * 2
        lo[axis] = slice(0, -1)
        hi[axis] = slice(1, None)
        idx = np.argwhere(m[tuple(lo)] != m[tuple(hi)]).astype(np.float64)
        idx[:, axis] += 0.5
        verts.append(idx * spacing)
    return perimeter, surface, float(np.sqrt(max_distance_sq(np.concatenate(verts))))


def compute(mask2d: np.ndarray, spacing_yx: tuple[float, float]) -> dict[str, float]:
    r"""All PyRadiomics 2D shape features (deprecated ones included), keyed by PyRadiomics name.

    Parameters
    ----------
    mask2d
        Boolean 2D ROI (rows, columns) cropped to its bounding box.
    spacing_yx
        Pixel size in mm of the two in-plane axes, in array order.

    Notes
    -----
    With :math:`A` the mesh surface, :math:`P` the perimeter and
    :math:`\lambda_1 \ge \lambda_2` the eigenvalues of the pixel-position covariance:

    .. math::
        \text{Sphericity} = \frac{2\sqrt{\pi A}}{P}, \quad
        \text{MajorAxisLength} = 4\sqrt{\lambda_1}, \quad
        \text{Elongation} = \sqrt{\lambda_2/\lambda_1}

    No IBSI codes: IBSI 1 defines no 2D shape family (its morphology is 3D).
    """
    m = np.asarray(mask2d, dtype=bool)
    perimeter, surface, diameter = contour_coefficients(m, spacing_yx)
    coords = np.argwhere(np.pad(m, 1)).astype(np.float64) * np.asarray(spacing_yx)[None, :]
    n = len(coords)
    coords -= coords.mean(axis=0)
    coords /= np.sqrt(n)
    eig = np.real_if_close(np.linalg.eigvals(coords.T.copy() @ coords)).astype(np.float64)
    eig[(eig < 0) & (eig > -1e-10)] = 0.0
    eig = np.sort(eig)
    sy, sx = spacing_yx
    sphericity = 2 * np.sqrt(np.pi * surface) / perimeter
    return {
        "MeshSurface": surface,
        "PixelSurface": n * (sx * sy),
        "Perimeter": perimeter,
        "PerimeterSurfaceRatio": perimeter / surface,
        "Sphericity": float(sphericity),
        "SphericalDisproportion": float(1.0 / sphericity),
        "MaximumDiameter": diameter,
        "MajorAxisLength": float(np.sqrt(eig[1]) * 4) if eig[1] >= 0 else float("nan"),
        "MinorAxisLength": float(np.sqrt(eig[0]) * 4) if eig[0] >= 0 else float("nan"),
        "Elongation": float(np.sqrt(eig[0] / eig[1])) if eig[0] >= 0 and eig[1] >= 0 else float("nan"),
    }
