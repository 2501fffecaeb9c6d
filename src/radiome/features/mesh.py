"""Surface meshes and enclosing shapes for the morphological features (IBSI 1, section 3.1).

The triangle mesh comes from scikit-image's marching cubes (Lewiner variant), which IBSI
suggests. What no library provides in the form IBSI defines is written here: the mesh volume
by signed tetrahedra, the maximum vertex distance over the convex hull, the ellipsoid surface
area by the Legendre series that IBSI prescribes (20 terms), and the minimum-volume enclosing
ellipsoid by Khachiyan's algorithm with Todd and Yildirim's away steps. The voxel positions and
their PCA eigenvalues (the axes of the approximate enclosing ellipsoid) serve both the 3D
morphology and the 2D shape set.

All coordinates are in mm, in the axis order of the input arrays, ``(z, y, x)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.polynomial import legendre as _legendre
from scipy.spatial import ConvexHull
from scipy.spatial.distance import cdist

from radiome.errors import EmptyMaskError, FeatureError
from radiome.preprocess.crop import bounding_box

__all__ = [
    "Mesh",
    "voxel_positions",
    "pca_eigenvalues",
    "mask_mesh",
    "mesh_volume",
    "mesh_area",
    "convex_hull",
    "max_diameter",
    "ellipsoid_area",
    "mvee_semi_axes",
]


@dataclass(frozen=True, eq=False)
class Mesh:
    """A closed triangle mesh.

    Attributes
    ----------
    vertices : ndarray of float64, (n_vertices, 3)
        Vertex positions in mm, ``(z, y, x)``, relative to the centre of the first voxel of
        the mask's bounding box.
    faces : ndarray of int, (n_faces, 3)
        Vertex indices of each triangle, consistently oriented.
    """

    vertices: np.ndarray
    faces: np.ndarray


def mask_mesh(mask: np.ndarray, spacing: tuple[float, float, float]) -> Mesh:
    """Marching-cubes mesh of a 3D binary mask (IBSI mesh representation, WRJH).

    The mask is cropped to its bounding box and padded by one voxel of zeros so that the
    surface closes where the ROI touches the array edge; the iso-surface is drawn at level 0.5,
    half-way between voxel centres.

    Parameters
    ----------
    mask : ndarray of bool, (z, y, x)
    spacing : tuple of 3 float
        Voxel size ``(z, y, x)`` in mm.

    Returns
    -------
    Mesh

    Raises
    ------
    EmptyMaskError
        If ``mask`` has no voxel.
    """
    from skimage.measure import marching_cubes

    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 3:
        raise FeatureError(f"mask_mesh needs a 3D mask (z, y, x); got {mask.ndim} dimensions.")
    box = bounding_box(mask)
    if box is None:
        raise EmptyMaskError("The morphological mask is empty: no mesh can be drawn.")
    padded = np.pad(mask[box], 1).astype(np.float32)
    verts, faces, _, _ = marching_cubes(
        padded, level=0.5, spacing=tuple(float(s) for s in spacing), method="lewiner"
    )
    verts = verts.astype(np.float64) - np.asarray(spacing, dtype=np.float64)  # undo the pad
    return Mesh(vertices=verts, faces=faces.astype(np.int64))


def _triangles(mesh: Mesh) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    v = mesh.vertices
    f = mesh.faces
    return v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]


def mesh_volume(mesh: Mesh) -> float:
    """Volume enclosed by a closed, consistently oriented mesh (IBSI RNU0).

    .. math::

        V = \\left|\\sum_{k=1}^{N_{fc}} \\frac{\\mathbf{a}_k\\cdot(\\mathbf{b}_k\\times
        \\mathbf{c}_k)}{6}\\right|

    The vertices are first centred on their mean, which leaves the sum unchanged for a closed
    mesh and keeps the round-off small. The absolute value makes the result independent of
    the face orientation (inward or outward normals).
    """
    centre = mesh.vertices.mean(axis=0)
    a, b, c = (t - centre for t in _triangles(mesh))
    return float(abs(np.einsum("ij,ij->", a, np.cross(b, c))) / 6.0)


def mesh_area(mesh: Mesh) -> float:
    """Surface area of a triangle mesh (IBSI C0JK).

    .. math:: A = \\sum_{k=1}^{N_{fc}} \\frac{|\\mathbf{ab}_k \\times \\mathbf{ac}_k|}{2}
    """
    a, b, c = _triangles(mesh)
    return float(np.linalg.norm(np.cross(b - a, c - a), axis=1).sum() / 2.0)


def convex_hull(points: np.ndarray) -> ConvexHull:
    """Convex hull of a point set (Qhull), with an error that says what to do when flat.

    Raises
    ------
    FeatureError
        If the points span fewer dimensions than their coordinates (a flat point set).
    """
    from scipy.spatial import QhullError

    try:
        return ConvexHull(points)
    except QhullError as exc:  # coplanar/collinear point sets
        raise FeatureError(
            f"The convex hull of {len(points)} points cannot be formed (the points are flat or "
            "degenerate); a closed marching-cubes mesh never is, so check the input mask."
        ) from exc


def max_diameter(points: np.ndarray, block: int = 2048, *, on_hull: bool = False) -> float:
    """Largest Euclidean distance between two points (IBSI L0JK when given mesh vertices).

    .. math:: F = \\max_{k_1, k_2} \\|\\mathbf{X}_{k_1} - \\mathbf{X}_{k_2}\\|_2

    Only the convex hull vertices can be the two most distant points, so the pairwise search
    runs over those, in blocks of ``block`` rows to bound memory.

    Parameters
    ----------
    points : ndarray, (n, d)
        Points in mm; ``d`` is 2 or 3.
    block : int
        Rows per block of the pairwise distance computation.
    on_hull : bool
        ``points`` are already the convex hull vertices (the hull is not formed again).
    """
    pts = np.asarray(points, dtype=np.float64)
    if len(pts) < 2:
        return 0.0
    if not on_hull:
        try:
            pts = pts[convex_hull(pts).vertices]
        except FeatureError:
            pass  # flat point set: search all points
    best = 0.0
    for start in range(0, len(pts), block):  # blocks of rows, not a loop per point
        d2 = cdist(pts[start : start + block], pts[start:], metric="sqeuclidean")
        best = max(best, float(d2.max()))
    return float(np.sqrt(best))


def voxel_positions(mask: np.ndarray, spacing: tuple[float, ...]) -> np.ndarray:
    """Voxel-centre positions in mm of the voxels in ``mask``, shape (n, ndim), axis order of ``mask``."""
    return np.argwhere(mask).astype(np.float64) * np.asarray(spacing, dtype=np.float64)


def pca_eigenvalues(positions: np.ndarray) -> np.ndarray:
    """Eigenvalues of the covariance of a point set, largest first (IBSI PCA, TDIC/P9VJ/7J51).

    The covariance is the unbiased sample covariance (divisor :math:`N-1`), as NumPy's
    ``cov``; a single point gives zeros.

    .. math:: \\Sigma = \\frac{1}{N-1}\\sum_k (\\vec{X}_k - \\bar{X})(\\vec{X}_k - \\bar{X})^T
    """
    n = len(positions)
    if n < 2:
        return np.zeros(positions.shape[1])
    centred = positions - positions.mean(axis=0)
    cov = centred.T @ centred / (n - 1)
    return np.clip(np.linalg.eigvalsh(cov)[::-1], 0.0, None)


def _legendre_scaled(nu: int, s: float, p: float) -> float:
    """:math:`p^{\\nu} P_{\\nu}(s/p)` evaluated as a polynomial, finite also at ``p = 0``.

    :math:`P_\\nu(x) = \\sum_k c_k x^k` has only terms of the parity of :math:`\\nu`, so
    :math:`p^\\nu P_\\nu(s/p) = \\sum_k c_k s^k p^{\\nu-k}`.
    """
    coeffs = _legendre.leg2poly([0] * nu + [1])
    k = np.arange(nu + 1)
    return float(np.sum(coeffs * s**k * p ** (nu - k)))


def ellipsoid_area(a: float, b: float, c: float, n_terms: int = 20) -> float:
    """Surface area of an ellipsoid with semi-axes ``a >= b >= c``, IBSI's Legendre series.

    .. math::

        A(a,b,c) = 4\\pi a b \\sum_{\\nu=0}^{20}\\frac{(\\alpha\\beta)^\\nu}{1-4\\nu^2}
        P_\\nu\\left(\\frac{\\alpha^2+\\beta^2}{2\\alpha\\beta}\\right),\\quad
        \\alpha=\\sqrt{1-b^2/a^2},\\ \\beta=\\sqrt{1-c^2/a^2}

    (IBSI 1, RDD2; the series is stopped after :math:`\\nu = 20`.) The terms are evaluated as
    polynomials in :math:`\\alpha\\beta` and :math:`(\\alpha^2+\\beta^2)/2`, so a sphere
    (:math:`\\alpha=\\beta=0`) gives :math:`4\\pi a^2` without a division by zero.

    This is the series exactly as the IBSI manual writes it, and it is *not* the exact
    ellipsoid area except for spheres (the exact one, :math:`4\\pi abc\\,R_G(a^{-2}, b^{-2},
    c^{-2})`, takes :math:`a, b` as the two largest semi-axes and the eccentricities relative
    to :math:`c`). For the digital phantom's PCA ellipsoid it gives 286.4 mm\\ :sup:`2`
    against an exact 297.5 mm\\ :sup:`2`. IBSI's reference values were produced with this
    series (area density 1.36 for the digital phantom; the exact area would give 1.30), so
    radiome keeps it for compliance.

    Examples
    --------
    >>> round(ellipsoid_area(1.0, 1.0, 1.0) / (4 * 3.141592653589793), 12)
    1.0
    """
    a, b, c = sorted((float(a), float(b), float(c)), reverse=True)
    if a <= 0:
        return 0.0
    alpha = np.sqrt(max(0.0, 1.0 - (b / a) ** 2))
    beta = np.sqrt(max(0.0, 1.0 - (c / a) ** 2))
    p = alpha * beta
    s = (alpha**2 + beta**2) / 2.0
    total = sum(_legendre_scaled(nu, s, p) / (1.0 - 4.0 * nu**2) for nu in range(n_terms + 1))
    return float(4.0 * np.pi * a * b * total)


def _mvee_state(q: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse moment matrix and :math:`M_j = q_j^T X^{-1} q_j` for weights ``u``."""
    try:
        x_inv = np.linalg.inv((q * u) @ q.T)
    except np.linalg.LinAlgError as exc:
        raise FeatureError("The MVEE points are flat: no enclosing ellipsoid volume.") from exc
    return x_inv, np.einsum("ij,ij->j", q, x_inv @ q)


def mvee_semi_axes(
    points: np.ndarray, tolerance: float = 1e-4, max_iter: int = 200_000
) -> np.ndarray:
    r"""Semi-axis lengths of the minimum-volume enclosing ellipsoid (MVEE) of a point set.

    Khachiyan's barycentric coordinate ascent with the away steps of Todd and Yildirim
    (2007), both cited by IBSI (SWZ1, BRI8). With weights :math:`u` on the points,
    :math:`Q = [X; \mathbf{1}]`, :math:`X_u = Q\,\mathrm{diag}(u)\,Q^T` and
    :math:`M_j = Q_j^T X_u^{-1} Q_j`, each step moves weight to the point with the largest
    :math:`M_j` or away from the supporting point with the smallest, by
    :math:`\beta = (M_j - d - 1)/((d+1)(M_j - 1))` (an away step stops at zero weight),
    until :math:`\max_j M_j \le (1+\epsilon)(d+1)` and
    :math:`\min_{u_j>0} M_j \ge (1-\epsilon)(d+1)`. :math:`X_u^{-1}` and :math:`M` follow
    each step by a rank-one (Sherman-Morrison) update, refreshed every 500 steps. With
    :math:`c = Xu` and :math:`\Sigma = X\,\mathrm{diag}(u)X^T - cc^T` the ellipsoid is
    :math:`(x-c)^T\Sigma^{-1}(x-c) \le \max_j M_j - 1`, which encloses every point; its
    semi-axes are :math:`\sqrt{(\max_j M_j - 1)\,\mathrm{eig}(\Sigma)}`.

    IBSI suggests Khachiyan's plain iteration stopped when the weights change by less than
    :math:`\tau = 0.001`; that ellipsoid need not enclose every point and, for ROI mesh hulls,
    was about 0.4 % smaller in volume than the converged one. radiome converges instead: with
    the default :math:`\epsilon = 10^{-4}` the volume was within 0.02 % of the minimum on the
    IBSI phantoms and on a voxelised ellipsoid.

    Parameters
    ----------
    points : ndarray, (n, d)
        Points in mm, typically the convex hull vertices of the ROI mesh.
    tolerance : float
        :math:`\epsilon` of the stopping rule above.
    max_iter : int
        Safety bound on the number of iterations.

    Returns
    -------
    ndarray, (d,)
        Semi-axis lengths in mm, largest first.

    Raises
    ------
    FeatureError
        If the points are degenerate (flat) or the iteration does not converge.

    Examples
    --------
    The 8 corners of a 4 x 2 x 1 box lie on an ellipsoid with semi-axes
    :math:`\sqrt{3}\,(2, 1, 0.5)`:

    >>> import itertools
    >>> box = np.array(list(itertools.product([0, 4], [0, 2], [0, 1])), float)
    >>> np.round(mvee_semi_axes(box) / np.sqrt(3), 6).tolist()
    [2.0, 1.0, 0.5]
    """
    x = np.asarray(points, dtype=np.float64)
    n, d = x.shape
    if n <= d:
        raise FeatureError(f"The MVEE needs more than {d} points in {d}D; got {n}.")
    x = x - x.mean(axis=0)  # translation-invariant; better conditioned
    q = np.vstack([x.T, np.ones(n)])  # (d+1, n)
    u = np.full(n, 1.0 / n)
    target = d + 1.0
    x_inv, m = _mvee_state(q, u)
    for step in range(1, max_iter + 1):  # iterations of the optimiser, not a loop over voxels
        j = int(np.argmax(m))
        k = int(np.argmin(np.where(u > 0, m, np.inf)))
        if max(m[j] / target - 1.0, 1.0 - m[k] / target) <= tolerance:
            x_inv, m = _mvee_state(q, u)  # confirm without accumulated update round-off
            j = int(np.argmax(m))
            k = int(np.argmin(np.where(u > 0, m, np.inf)))
            if max(m[j] / target - 1.0, 1.0 - m[k] / target) <= tolerance:
                break
        if m[j] / target - 1.0 >= 1.0 - m[k] / target:
            i, beta = j, (m[j] - target) / (target * (m[j] - 1.0))
        else:
            i = k
            beta = max((m[k] - target) / (target * (m[k] - 1.0)), -u[k] / (1.0 - u[k]))
        # X' = (1 - beta) (X + a q_i q_i^T), a = beta / (1 - beta): Sherman-Morrison.
        v = x_inv @ q[:, i]
        g = v @ q
        a = beta / (1.0 - beta)
        scale = a / (1.0 + a * m[i])
        m = (m - scale * g * g) / (1.0 - beta)
        x_inv = (x_inv - scale * np.outer(v, v)) / (1.0 - beta)
        u *= 1.0 - beta
        u[i] = max(u[i] + beta, 0.0)
        if step % 500 == 0:
            x_inv, m = _mvee_state(q, u)
    else:
        raise FeatureError(f"The MVEE iteration did not converge in {max_iter} iterations.")
    centre = x.T @ u
    cov = (x.T * u) @ x - np.outer(centre, centre)
    eig = np.clip(np.linalg.eigvalsh(cov), 0.0, None)
    return np.sqrt((m.max() - 1.0) * eig)[::-1]
