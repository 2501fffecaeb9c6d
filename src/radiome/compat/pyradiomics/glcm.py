r"""PyRadiomics' grey level co-occurrence matrix (GLCM) features, reproduced exactly.

PyRadiomics (``radiomics.glcm``) differs from radiome's IBSI GLCM
(:mod:`radiome.features.glcm`) in the choices below; this module reproduces PyRadiomics':

* **Angles.** For every distance :math:`\delta` in ``distances`` the angles are the offsets
  :math:`\mathbf{a}=(a_z, a_y, a_x)` with :math:`\|\mathbf{a}\|_\infty = \delta` (only those
  norms, not every norm up to :math:`\delta`): 13 for :math:`\delta=1` in 3D, 49 for
  :math:`\delta=2`; one of each opposite pair (the first non-zero component positive). With
  ``force2D`` the offsets along ``force2Ddimension`` are 0 (4 angles for :math:`\delta=1`).
  Offsets at least as long as the ROI's bounding box along an axis are not generated.
* **One matrix per angle**, :math:`\mathbf{P}(i,j|\mathbf{a})` counting voxel pairs
  :math:`(\mathbf{k}, \mathbf{k}+\mathbf{a})` both in the ROI; with ``symmetricalGLCM``
  (default) :math:`\mathbf{P}+\mathbf{P}^T`. Angles without any pair are dropped, every
  feature is computed per angle and averaged over the angles (IBSI "3D averaged", ITBB, for
  :math:`\delta=1`; with ``force2D`` the 4 in-plane matrices are merged over slices before the
  features, IBSI "2.5D averaged", JJUI).
* **Distance weighting** (``weightingNorm``): the angle matrices are summed with weights
  :math:`w_\mathbf{a}=e^{-\|\mathbf{a}\odot\mathbf{s}\|^2}` (:math:`\mathbf{s}` the voxel
  spacing; norm ``manhattan``, ``euclidean``, ``infinity``; ``no_weighting`` gives
  :math:`w=1`, IBSI "3D merged", IAZD) and the features come from the one summed matrix.
* **Grey levels.** Rows and columns of grey levels absent from the ROI are removed, but
  :math:`i, j` keep their discretised values and :math:`N_g` is the *largest* grey level in
  the ROI (not the number of levels present), which is what Idmn and Idn divide by.
* **Entropies** use :math:`\log_2(p+\epsilon)` with :math:`\epsilon` the machine epsilon,
  and PyRadiomics' values for degenerate matrices: Correlation 1 where
  :math:`\sigma_x\sigma_y=0`, Imc1 0 where :math:`\max(HX,HY)=0`, Imc2 0 where
  :math:`HXY_2=HXY` (NaN, skipped in the average, where :math:`HXY>HXY_2`), MCC 1 for a
  single grey level.

Let :math:`p(i,j)=\mathbf{P}(i,j)/\sum\mathbf{P}`, :math:`p_x(i)=\sum_j p(i,j)`,
:math:`p_y(j)=\sum_i p(i,j)`, :math:`\mu_x=\sum_{ij} i\,p(i,j)`,
:math:`\mu_y=\sum_{ij} j\,p(i,j)`, :math:`p_{x+y}(k)=\sum_{i+j=k}p(i,j)`,
:math:`p_{x-y}(k)=\sum_{|i-j|=k}p(i,j)`, :math:`HX=-\sum_i p_x\log_2(p_x+\epsilon)` (and
:math:`HY` alike), :math:`HXY=-\sum_{ij}p\log_2(p+\epsilon)`,
:math:`HXY_1=-\sum_{ij}p\log_2(p_xp_y+\epsilon)`,
:math:`HXY_2=-\sum_{ij}p_xp_y\log_2(p_xp_y+\epsilon)`. Features (IBSI code where IBSI has the
same quantity; PyRadiomics computes them for the matrices described above):

* Autocorrelation :math:`\sum_{ij} ij\,p(i,j)` (QWB0)
* JointAverage :math:`\mu_x` (60VM)
* ClusterProminence :math:`\sum_{ij}(i+j-\mu_x-\mu_y)^4p(i,j)` (AE86)
* ClusterShade :math:`\sum_{ij}(i+j-\mu_x-\mu_y)^3p(i,j)` (7NFM)
* ClusterTendency :math:`\sum_{ij}(i+j-\mu_x-\mu_y)^2p(i,j)` (DG8W)
* Contrast :math:`\sum_{ij}(i-j)^2p(i,j)` (ACUI)
* Correlation :math:`\frac{\sum_{ij}(i-\mu_x)(j-\mu_y)p(i,j)}{\sigma_x\sigma_y+\epsilon}` (NI2N)
* DifferenceAverage :math:`\sum_k k\,p_{x-y}(k)` (TF7R)
* DifferenceEntropy :math:`-\sum_k p_{x-y}(k)\log_2(p_{x-y}(k)+\epsilon)` (NTRS)
* DifferenceVariance :math:`\sum_k (k-DA)^2p_{x-y}(k)` (D3YU)
* JointEnergy :math:`\sum_{ij}p(i,j)^2` (8ZQL)
* JointEntropy :math:`HXY` (TU9B)
* Imc1 :math:`\frac{HXY-HXY_1}{\max(HX,HY)}` (R8DG)
* Imc2 :math:`\sqrt{1-e^{-2(HXY_2-HXY)}}` (JN9H)
* Idm :math:`\sum_k \frac{p_{x-y}(k)}{1+k^2}` (WF0Z)
* MCC :math:`\sqrt{\lambda_2(Q)},\ Q(i,j)=\sum_k\frac{p(i,k)p(j,k)}{p_x(i)p_y(k)+\epsilon}` (no IBSI code)
* Idmn :math:`\sum_k \frac{p_{x-y}(k)}{1+k^2/N_g^2}` (1QCO)
* Id :math:`\sum_k \frac{p_{x-y}(k)}{1+k}` (IB1Z)
* Idn :math:`\sum_k \frac{p_{x-y}(k)}{1+k/N_g}` (NDRX)
* InverseVariance :math:`\sum_{k\ge1} \frac{p_{x-y}(k)}{k^2}` (E8JP)
* MaximumProbability :math:`\max p(i,j)` (GYBY)
* SumAverage :math:`\sum_k k\,p_{x+y}(k)` (ZGXS)
* SumEntropy :math:`-\sum_k p_{x+y}(k)\log_2(p_{x+y}(k)+\epsilon)` (P6QZ)
* SumSquares :math:`\sum_{ij}(i-\mu_x)^2p(i,j)` (UR99)

The shared machinery of the PyRadiomics texture classes (angle generation, reading the
settings, cropping and recoding the ROI) lives here too and is imported by the GLRLM, GLSZM,
GLDM and NGTDM modules.

Why hand-written: PyRadiomics' definitions exist only inside PyRadiomics (its C extension);
radiome's IBSI matrix builders always symmetrise, use every direction up to the distance and
IBSI's aggregations, so they cannot give PyRadiomics' numbers. Matrices are built with one
``np.bincount`` of (i, j) keys per angle, neighbours looked up in a flat padded array; no loop
over voxels.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Mapping, Protocol, Sequence

import numpy as np

from radiome.errors import ConfigError, EmptyMaskError

__all__ = [
    "FEATURES",
    "PyRadiomicsTextureSettings",
    "CodedROI",
    "setting",
    "generate_angles",
    "code_roi",
    "code_inside",
    "neighbour_codes",
    "nan_mean",
    "angle_weights",
    "EPS",
    "glcm_matrices",
    "compute",
    "features",
]

EPS = float(np.spacing(1))

#: PyRadiomics GLCM feature names with the IBSI code of the same quantity ("" if none).
FEATURES: dict[str, str] = {
    "Autocorrelation": "QWB0", "JointAverage": "60VM", "ClusterProminence": "AE86",
    "ClusterShade": "7NFM", "ClusterTendency": "DG8W", "Contrast": "ACUI",
    "Correlation": "NI2N", "DifferenceAverage": "TF7R", "DifferenceEntropy": "NTRS",
    "DifferenceVariance": "D3YU", "JointEnergy": "8ZQL", "JointEntropy": "TU9B",
    "Imc1": "R8DG", "Imc2": "JN9H", "Idm": "WF0Z", "MCC": "", "Idmn": "1QCO", "Id": "IB1Z",
    "Idn": "NDRX", "InverseVariance": "E8JP", "MaximumProbability": "GYBY",
    "SumAverage": "ZGXS", "SumEntropy": "P6QZ", "SumSquares": "UR99",
}

_WEIGHTING_NORMS = ("manhattan", "euclidean", "infinity", "no_weighting")


class PyRadiomicsTextureSettings(Protocol):
    """The PyRadiomics ``setting`` keys the texture classes read (PyRadiomics' names)."""

    distances: Sequence[int]
    symmetricalGLCM: bool
    weightingNorm: str | None
    gldm_a: int
    force2D: bool
    force2Ddimension: int


_DEFAULTS: dict[str, Any] = {
    "distances": (1,),
    "symmetricalGLCM": True,
    "weightingNorm": None,
    "gldm_a": 0,
    "force2D": False,
    "force2Ddimension": 0,
}


def setting(settings: Any, key: str) -> Any:
    """One PyRadiomics setting from a settings object or mapping, with PyRadiomics' default.

    Examples
    --------
    >>> setting({"force2D": True}, "force2D"), setting(None, "distances")
    (True, (1,))
    """
    if settings is None:
        return _DEFAULTS[key]
    if isinstance(settings, Mapping):
        value = settings.get(key, _DEFAULTS[key])
    else:
        value = getattr(settings, key, _DEFAULTS[key])
    return _DEFAULTS[key] if value is None and key != "weightingNorm" else value


def generate_angles(
    size_zyx: Sequence[int],
    distances: Sequence[int] = (1,),
    *,
    force2d: bool = False,
    force2d_dimension: int = 0,
    bidirectional: bool = False,
) -> np.ndarray:
    r"""PyRadiomics' neighbour offsets ("angles") ``(dz, dy, dx)``.

    All offsets :math:`\mathbf{a}` with :math:`\|\mathbf{a}\|_\infty \in` ``distances``,
    :math:`|a_d| <` ``size_zyx[d]`` on every axis, and :math:`a_d = 0` on the axis
    ``force2d_dimension`` when ``force2d``; ordered as PyRadiomics orders them (first axis
    slowest, offsets descending). Unless ``bidirectional``, only the first half is returned,
    which is one offset of every opposite pair (first non-zero component positive).

    Examples
    --------
    >>> len(generate_angles((5, 5, 5))), len(generate_angles((5, 5, 5), (2,)))
    (13, 49)
    >>> generate_angles((5, 5, 5), force2d=True).tolist()
    [[0, 1, 1], [0, 1, 0], [0, 1, -1], [0, 0, 1]]
    >>> len(generate_angles((1, 5, 5), bidirectional=True))
    8
    """
    dist = np.unique(np.asarray(distances, dtype=np.int64))
    if dist.size == 0 or dist.min() < 1:
        raise ConfigError(f"distances must be positive integers, got {list(distances)}")
    if not 0 <= int(force2d_dimension) <= 2:
        raise ConfigError(f"force2Ddimension must be 0, 1 or 2, got {force2d_dimension}")
    dmax = int(dist.max())
    steps = np.arange(dmax, -dmax - 1, -1)
    grid = np.stack(np.meshgrid(steps, steps, steps, indexing="ij"), axis=-1).reshape(-1, 3)
    norm = np.abs(grid).max(axis=1)
    valid = np.isin(norm, dist) & np.all(np.abs(grid) < np.asarray(size_zyx)[None, :], axis=1)
    if force2d:
        valid &= grid[:, int(force2d_dimension)] == 0
    out = grid[valid]
    if not bidirectional:
        out = out[: len(out) // 2]
    return out


@dataclass(frozen=True, eq=False)
class CodedROI:
    """The ROI cropped to its bounding box, grey levels recoded, zero-padded.

    Attributes
    ----------
    codes : ndarray of int32, (z, y, x)
        0 outside the ROI and in the padding; ``c`` (1-based) for grey level ``grey[c - 1]``.
    grey : ndarray of float64
        The grey levels present in the ROI, ascending.
    pad : int
        Width of the zero border.
    size : tuple of int
        Bounding-box size ``(z, y, x)`` of the ROI.
    """

    codes: np.ndarray
    grey: np.ndarray
    pad: int
    size: tuple[int, int, int]

    @property
    def n_grey(self) -> int:
        return int(self.grey.size)

    @cached_property
    def index(self) -> np.ndarray:
        """Flat indices (into ``codes``) of the ROI voxels, in C order."""
        return np.flatnonzero(self.codes)

    @cached_property
    def n_voxels(self) -> int:
        return int(np.count_nonzero(self.codes))

    @cached_property
    def small(self) -> np.ndarray:
        """``codes`` in the smallest unsigned type that holds them (uint8 or uint16 or int32)."""
        for dtype in (np.uint8, np.uint16):
            if self.n_grey <= np.iinfo(dtype).max:
                return self.codes.astype(dtype)
        return self.codes

    @property
    def max_grey(self) -> int:
        """PyRadiomics' :math:`N_g`: the largest grey level in the ROI."""
        return int(self.grey[-1])

    def strides(self, offsets: np.ndarray) -> np.ndarray:
        """Flat steps in ``codes`` for offsets ``(dz, dy, dx)``."""
        _, ny, nx = self.codes.shape
        return np.asarray(offsets, dtype=np.int64) @ np.array([ny * nx, nx, 1], dtype=np.int64)

    def shifted(self, offset: Sequence[int], dtype: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Views ``(centre, neighbour)`` of the codes: the bounding box and the box moved by ``offset``.

        ``neighbour[k] = codes[k + offset]`` for every voxel ``k`` of the box; the offset must
        not exceed ``pad`` (the neighbours then lie in the padded array).
        """
        arr = self.codes if dtype is None else self.small
        p = self.pad
        nz, ny, nx = self.size
        dz, dy, dx = (int(v) for v in offset)
        centre = arr[p:p + nz, p:p + ny, p:p + nx]
        return centre, arr[p + dz:p + dz + nz, p + dy:p + dy + ny, p + dx:p + dx + nx]


def _box(mask: np.ndarray) -> tuple[slice, slice, slice]:
    """Bounding box of a non-empty boolean (z, y, x) array, from its three projections."""
    out = []
    for axis in range(3):
        other = tuple(a for a in range(3) if a != axis)
        hit = np.flatnonzero(mask.any(axis=other))
        out.append(slice(int(hit[0]), int(hit[-1]) + 1))
    return tuple(out)


def code_roi(levels: np.ndarray, mask: np.ndarray, pad: int = 1) -> CodedROI:
    """Crop ``levels`` to the bounding box of ``mask``, recode to 1..n and zero-pad.

    Parameters
    ----------
    levels : ndarray of int, (z, y, x)
        Discretised grey levels (>= 1 inside ``mask``; anything outside).
    mask : ndarray of bool, (z, y, x)
    pad : int
        Border width, at least the largest neighbour distance used.

    Raises
    ------
    EmptyMaskError
        If ``mask`` has no voxel.
    """
    mask = np.asarray(mask, dtype=bool)
    levels = np.asarray(levels)
    if levels.shape != mask.shape or mask.ndim != 3:
        raise ValueError(f"levels {levels.shape} and mask {mask.shape} must be 3D arrays of one shape")
    if not mask.any():
        raise EmptyMaskError("the ROI is empty; PyRadiomics texture features need at least one voxel")
    box = _box(mask)
    return code_inside(levels[box][mask[box]], mask[box], pad)


def code_inside(inside: np.ndarray, mask: np.ndarray, pad: int = 1) -> CodedROI:
    """:func:`code_roi` from the grey levels of the ROI voxels (``levels[mask]``, C order) and a
    non-empty ``mask`` already cropped to its bounding box."""
    m = np.asarray(mask, dtype=bool)
    inside = np.asarray(inside)
    if not np.issubdtype(inside.dtype, np.integer):
        rounded = np.rint(inside)
        if np.any(rounded != inside):
            raise ValueError("levels must be integer grey levels (discretise first)")
        inside = rounded.astype(np.int64)
    low, high = int(inside.min()), int(inside.max())
    if low < 1:
        raise ValueError(f"grey levels must be >= 1 inside the mask, found {low}")
    if high <= 1 << 22:  # recode through a lookup table of the levels present
        present = np.bincount(inside, minlength=high + 1) > 0
        grey = np.flatnonzero(present)
        lut = np.cumsum(present, dtype=np.int32)
        codes_in = lut[inside]
    else:
        grey, codes_in = np.unique(inside, return_inverse=True)
        codes_in = codes_in.reshape(-1).astype(np.int32) + 1
    codes = np.zeros(tuple(s + 2 * pad for s in m.shape), dtype=np.int32)
    inner = codes[pad:codes.shape[0] - pad, pad:codes.shape[1] - pad, pad:codes.shape[2] - pad]
    inner[m] = codes_in
    return CodedROI(codes, grey.astype(np.float64), int(pad), tuple(int(s) for s in m.shape))


def neighbour_codes(roi: CodedROI, offsets: np.ndarray) -> np.ndarray:
    """Codes of the neighbour at every offset of every ROI voxel, ``(n_offsets, n_voxels)``.

    0 where the neighbour is outside the ROI. Offsets must not exceed ``roi.pad``.
    """
    offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 3)
    if offsets.size and np.abs(offsets).max() > roi.pad:
        raise ValueError("offset longer than the padding of the coded ROI")
    flat = roi.codes.ravel()
    return flat[roi.index[None, :] + roi.strides(offsets)[:, None]]


def nan_mean(values: np.ndarray) -> float:
    """Mean over the finite-or-infinite (non-NaN) entries; NaN when there are none
    (``numpy.nanmean`` without its warning)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[~np.isnan(v)]
    return float(v.mean()) if v.size else float("nan")


def angle_weights(offsets: np.ndarray, spacing_zyx: Sequence[float], norm: str, *, squared_exp: bool) -> np.ndarray:
    r"""PyRadiomics' distance weights of the angles.

    With ``squared_exp`` (GLCM) :math:`w = e^{-\|\mathbf{a}\odot\mathbf{s}\|^2}`, otherwise
    (GLRLM) :math:`w = \|\mathbf{a}\odot\mathbf{s}\|`, for the ``manhattan``, ``euclidean``
    or ``infinity`` norm; ``no_weighting`` gives 1.
    """
    if norm not in _WEIGHTING_NORMS:
        raise ConfigError(
            f"weightingNorm must be one of {list(_WEIGHTING_NORMS)} or None, got {norm!r}"
        )
    d = np.abs(np.asarray(offsets, dtype=np.float64)) * np.asarray(spacing_zyx, dtype=np.float64)[None, :]
    if norm == "no_weighting":
        return np.ones(len(d))
    if norm == "infinity":
        length = d.max(axis=1)
        return np.exp(-(length**2)) if squared_exp else length
    if norm == "euclidean":
        sq = (d**2).sum(axis=1)
        return np.exp(-sq) if squared_exp else np.sqrt(sq)
    length = d.sum(axis=1)  # manhattan
    return np.exp(-(length**2)) if squared_exp else length


def glcm_matrices(roi: CodedROI, settings: Any, spacing_zyx: Sequence[float]) -> np.ndarray:
    """PyRadiomics' normalised co-occurrence matrices, ``(n_angles, n_grey, n_grey)``.

    One matrix per non-empty angle (or one weighted sum when ``weightingNorm`` is set), over
    the grey levels present in the ROI, each divided by its sum.
    """
    distances = tuple(int(d) for d in setting(settings, "distances"))
    offsets = generate_angles(
        roi.size, distances,
        force2d=bool(setting(settings, "force2D")),
        force2d_dimension=int(setting(settings, "force2Ddimension")),
    )
    n_ang, g = len(offsets), roi.n_grey
    if n_ang == 0:
        return np.zeros((0, g, g))
    g1 = g + 1
    flat = roi.small.reshape(-1)
    index = roi.index
    scaled = flat.take(index).astype(np.intp) * g1
    key = np.empty_like(scaled)
    p = np.empty((n_ang, g, g))
    for a, step in enumerate(roi.strides(offsets)):  # one lookup of the ROI voxels' neighbours per angle
        nb = flat[step:].take(index) if step >= 0 else flat.take(index + step)
        np.add(scaled, nb, out=key)
        # (centre, neighbour) codes; column 0 (neighbour outside the ROI) dropped
        p[a] = np.bincount(key, minlength=g1 * g1).reshape(g1, g1)[1:, 1:]
    if bool(setting(settings, "symmetricalGLCM")):
        p = p + p.transpose(0, 2, 1)
    norm = setting(settings, "weightingNorm")
    if norm is not None:
        w = angle_weights(offsets, spacing_zyx, norm, squared_exp=True)
        p = np.tensordot(w, p, axes=(0, 0))[None]
    totals = p.sum(axis=(1, 2))
    if p.shape[0] > 1:
        p, totals = p[totals > 0], totals[totals > 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return p / np.where(totals > 0, totals, np.nan)[:, None, None]


def _mcc(p: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Second largest eigenvalue's square root of :math:`Q` per angle (complex, as PyRadiomics)."""
    # Q(i, j) = sum_k [p(i,k) / (px(i) py(k) + eps)] p(j,k): a matrix product per angle.
    w = p / (px[:, :, None] * py[:, None, :] + EPS)
    q = np.matmul(w, p.transpose(0, 2, 1))
    eig = np.linalg.eigvals(q)
    eig.sort(axis=-1)
    with np.errstate(invalid="ignore"):  # a negative real eigenvalue gives NaN, as in PyRadiomics
        return np.sqrt(eig[:, -2])


def compute(
    levels: np.ndarray, mask: np.ndarray, spacing_zyx: tuple[float, float, float], settings: Any
) -> dict[str, float]:
    """PyRadiomics GLCM features of a discretised ROI.

    Parameters
    ----------
    levels : ndarray of int, (z, y, x)
        PyRadiomics-discretised grey levels (1..N inside ``mask``).
    mask : ndarray of bool, (z, y, x)
        The ROI.
    spacing_zyx : tuple of float
        Voxel spacing in mm (used by ``weightingNorm``).
    settings : PyRadiomicsSettings or mapping
        Reads ``distances``, ``symmetricalGLCM``, ``weightingNorm``, ``force2D``,
        ``force2Ddimension``.

    Returns
    -------
    dict
        ``{PyRadiomics feature name: value}`` for the 24 features of :data:`FEATURES`.

    Examples
    --------
    >>> import numpy as np
    >>> lv = np.array([[[1, 2], [2, 1]]])
    >>> f = compute(lv, lv > 0, (1.0, 1.0, 1.0), None)
    >>> round(f["Contrast"], 6), round(f["JointAverage"], 6)
    (0.5, 1.5)
    """
    return features(code_roi(levels, mask, pad=max(int(d) for d in setting(settings, "distances"))),
                    spacing_zyx, settings)


def features(roi: CodedROI, spacing_zyx: Sequence[float], settings: Any) -> dict[str, float]:
    """PyRadiomics GLCM features of a coded ROI (see :func:`compute`); ``roi.pad`` must be at
    least the largest distance."""
    p = glcm_matrices(roi, settings, spacing_zyx)
    if p.shape[0] == 0 or np.all(np.isnan(p)):
        return {name: float("nan") for name in FEATURES}
    ng = roi.max_grey
    gv = roi.grey
    i = gv[None, :, None]
    j = gv[None, None, :]
    px = p.sum(axis=2)  # (a, i)
    py = p.sum(axis=1)  # (a, j)
    ux = (p * i).sum(axis=(1, 2))
    uy = (p * j).sum(axis=(1, 2))
    n_ang = p.shape[0]
    # p_{x+y} and p_{x-y} over k = i + j (2..2Ng) and k = |i - j| (0..Ng-1)
    ksum = (gv[:, None] + gv[None, :]).astype(np.int64)
    kdiff = np.abs(gv[:, None] - gv[None, :]).astype(np.int64)
    flat_p = p.reshape(n_ang, -1)
    a_idx = np.repeat(np.arange(n_ang), ksum.size)
    pxpy_sum = np.bincount(a_idx * (2 * ng + 1) + np.tile(ksum.ravel(), n_ang), weights=flat_p.ravel(),
                           minlength=n_ang * (2 * ng + 1)).reshape(n_ang, 2 * ng + 1)[:, 2:]
    pxpy_diff = np.bincount(a_idx * ng + np.tile(kdiff.ravel(), n_ang), weights=flat_p.ravel(),
                            minlength=n_ang * ng).reshape(n_ang, ng)
    k_sum = np.arange(2, 2 * ng + 1, dtype=np.float64)[None, :]
    k_diff = np.arange(0, ng, dtype=np.float64)[None, :]

    hxy = -(p * np.log2(p + EPS)).sum(axis=(1, 2))
    hx = -(px * np.log2(px + EPS)).sum(axis=1)
    hy = -(py * np.log2(py + EPS)).sum(axis=1)
    pxy = px[:, :, None] * py[:, None, :]
    hxy1 = -(p * np.log2(pxy + EPS)).sum(axis=(1, 2))
    hxy2 = -(pxy * np.log2(pxy + EPS)).sum(axis=(1, 2))

    centred = i + j - ux[:, None, None] - uy[:, None, None]
    dx = i - ux[:, None, None]
    dy = j - uy[:, None, None]
    sigx = np.sqrt((p * dx**2).sum(axis=(1, 2)))
    sigy = np.sqrt((p * dy**2).sum(axis=(1, 2)))
    corr = (p * dx * dy).sum(axis=(1, 2)) / (sigx * sigy + EPS)
    corr[sigx * sigy == 0] = 1.0

    div = np.fmax(hx, hy)
    imc1 = hxy - hxy1
    imc1 = np.where(div != 0, imc1 / np.where(div != 0, div, 1.0), 0.0)
    with np.errstate(invalid="ignore"):
        imc2 = (1 - np.e ** (-2 * (hxy2 - hxy))) ** 0.5
    imc2[hxy2 == hxy] = 0.0

    diff_avg = (k_diff * pxpy_diff).sum(axis=1)
    mcc = 1.0 if roi.n_grey < 2 else nan_mean(_mcc(p, px, py).real)

    out = {
        "Autocorrelation": (p * (i * j)).sum(axis=(1, 2)),
        "JointAverage": ux,
        "ClusterProminence": (p * centred**4).sum(axis=(1, 2)),
        "ClusterShade": (p * centred**3).sum(axis=(1, 2)),
        "ClusterTendency": (p * centred**2).sum(axis=(1, 2)),
        "Contrast": (p * (i - j) ** 2).sum(axis=(1, 2)),
        "Correlation": corr,
        "DifferenceAverage": diff_avg,
        "DifferenceEntropy": -(pxpy_diff * np.log2(pxpy_diff + EPS)).sum(axis=1),
        "DifferenceVariance": (pxpy_diff * (k_diff - diff_avg[:, None]) ** 2).sum(axis=1),
        "JointEnergy": (p**2).sum(axis=(1, 2)),
        "JointEntropy": hxy,
        "Imc1": imc1,
        "Imc2": imc2,
        "Idm": (pxpy_diff / (1 + k_diff**2)).sum(axis=1),
        "MCC": mcc,
        "Idmn": (pxpy_diff / (1 + k_diff**2 / ng**2)).sum(axis=1),
        "Id": (pxpy_diff / (1 + k_diff)).sum(axis=1),
        "Idn": (pxpy_diff / (1 + k_diff / ng)).sum(axis=1),
        "InverseVariance": (pxpy_diff[:, 1:] / k_diff[:, 1:] ** 2).sum(axis=1),
        "MaximumProbability": p.max(axis=(1, 2)),
        "SumAverage": (k_sum * pxpy_sum).sum(axis=1),
        "SumEntropy": -(pxpy_sum * np.log2(pxpy_sum + EPS)).sum(axis=1),
        "SumSquares": (p * dx**2).sum(axis=(1, 2)),
    }
    return {name: nan_mean(value) for name, value in out.items()}
