"""Neighbour directions, padded level arrays and sparse directional matrices for texture.

Shared by the GLCM and GLRLM families (IBSI 1, sections 3.6 and 3.7). Both build one matrix
per direction (and, for the 2D and 2.5D aggregations, per slice) and then merge and average
those matrices in six ways (IBSI aggregation codes):

=============  ======  ===============================================================
suffix         code    matrices features are computed from
=============  ======  ===============================================================
``2D_avg``     BTW3    one per slice and in-plane direction; features averaged
``2D_comb``    SUJT    the 4 in-plane directions merged per slice; averaged over slices
``2_5D_avg``   JJUI    each in-plane direction merged over slices; averaged over directions
``2_5D_comb``  ZW7Z    all in-plane directions of all slices merged into one
``3D_avg``     ITBB    one per 3D direction (13); features averaged
``3D_comb``    IAZD    the 13 directional matrices merged into one
=============  ======  ===============================================================

Matrices are merged by summing their counts (for GLRLM the voxel counts :math:`N_v` are
summed too). A matrix without any count (a slice whose voxels have no neighbour along a
direction) gives no feature value and is left out of the average, as in the reference
implementation MIRP; a family returns NaN only when every matrix of an aggregation is empty.

Why hand-written: no maintained library builds IBSI's slice/direction aggregations over a
masked, discretised volume (scikit-image's ``graycomatrix`` is 2D, unmasked and per
distance/angle only). Everything here is vectorised: one pass of whole-array operations per
direction, no loop per voxel.

Matrices are kept *sparse*: a stack of matrices is the list of its non-zero entries
``(group, row, col, count)``. This keeps memory proportional to the number of distinct
co-occurrences or runs, also for many grey levels, and all features are computed from the
entries with grouped sums (``np.bincount``).

Axis order is (z, y, x) throughout; offsets are given as ``(dz, dy, dx)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from radiome.errors import DimensionalityError, FeatureError
from radiome.preprocess.crop import bounding_box

__all__ = [
    "IN_PLANE_OFFSETS",
    "OUT_OF_PLANE_OFFSETS",
    "AGGREGATIONS",
    "neighbour_offsets",
    "CodedVolume",
    "code_levels",
    "ordered_lines",
    "SparseMatrices",
    "sum_by_key",
    "sum_entries",
    "merge_groups",
    "stack_groups",
    "symmetrise",
    "aggregate",
    "pool",
    "check_dimensions",
]

#: The 4 in-plane directions (IBSI (1,0,0), (1,1,0), (0,1,0), (-1,1,0) in (x, y, z)) as (dz, dy, dx).
IN_PLANE_OFFSETS: np.ndarray = np.array([(0, 0, 1), (0, 1, 1), (0, 1, 0), (0, 1, -1)], dtype=np.int64)
IN_PLANE_OFFSETS.setflags(write=False)

#: The 9 directions that leave the slice; with :data:`IN_PLANE_OFFSETS` the 13 directions of 3D.
OUT_OF_PLANE_OFFSETS: np.ndarray = np.array(
    [(1, 0, 0), (1, 0, 1), (1, 0, -1), (1, 1, 0), (1, -1, 0), (1, 1, 1), (1, 1, -1), (1, -1, 1), (1, -1, -1)],
    dtype=np.int64,
)
OUT_OF_PLANE_OFFSETS.setflags(write=False)

#: Aggregation suffixes produced by each texture dimension setting.
AGGREGATIONS: dict[str, tuple[str, str]] = {
    "2D": ("2D_avg", "2D_comb"),
    "2_5D": ("2_5D_avg", "2_5D_comb"),
    "3D": ("3D_avg", "3D_comb"),
}

# Dense bincount is used while the key space has at most this many cells; beyond, np.unique.
_DENSE_LIMIT = 1 << 24


def neighbour_offsets(dimension: Literal["2D", "3D"], distance: int = 1) -> np.ndarray:
    """Direction vectors ``(dz, dy, dx)`` of the neighbourhood at Chebyshev distance ``distance``.

    One vector of each opposite pair is given (the first non-zero component positive): 4 in
    2D, 13 in 3D, each multiplied by ``distance`` (IBSI 1, section 3.6; norm code PVMT).

    Examples
    --------
    >>> neighbour_offsets("2D").tolist()
    [[0, 0, 1], [0, 1, 1], [0, 1, 0], [0, 1, -1]]
    >>> len(neighbour_offsets("3D", 2))
    13
    """
    if distance < 1:
        raise ValueError(f"distance must be a positive integer, got {distance}")
    if dimension == "2D":
        base = IN_PLANE_OFFSETS
    elif dimension == "3D":
        base = np.concatenate([IN_PLANE_OFFSETS, OUT_OF_PLANE_OFFSETS])
    else:
        raise ValueError(f"dimension must be '2D' or '3D', got {dimension!r}")
    return base * int(distance)


@dataclass(frozen=True, eq=False)
class CodedVolume:
    """Grey levels recoded to compact codes in a zero-padded, cropped volume.

    Attributes
    ----------
    codes : ndarray of uint8/uint16/uint32, (z, y, x)
        0 outside the intensity mask (and in the padding), ``1..n_codes`` inside; code ``c``
        stands for grey level ``values[c - 1]``.
    values : ndarray of float64
        The grey levels present in the ROI, ascending.
    pad : int
        Width of the zero border on every side.
    slice_voxels : ndarray of int64
        Number of ROI voxels in each (unpadded) slice of the crop.
    first_slice : int
        Index of the crop's first slice in the original volume.
    """

    codes: np.ndarray
    values: np.ndarray
    pad: int
    slice_voxels: np.ndarray
    first_slice: int

    @property
    def n_codes(self) -> int:
        return int(self.values.size)

    @property
    def n_slices(self) -> int:
        return int(self.slice_voxels.size)

    @property
    def n_voxels(self) -> int:
        return int(self.slice_voxels.sum())

    def flat_stride(self, offset: np.ndarray) -> int:
        """The step in the C-ordered flat padded array that moves by ``offset``."""
        _, ny, nx = self.codes.shape
        dz, dy, dx = (int(v) for v in offset)
        return dz * ny * nx + dy * nx + dx


def code_levels(levels: np.ndarray, mask: np.ndarray, pad: int = 1) -> CodedVolume:
    """Crop ``levels`` to the bounding box of ``mask``, recode and zero-pad it.

    Parameters
    ----------
    levels : ndarray of int, (z, y, x)
        Discretised grey levels (>= 1 inside the mask).
    mask : ndarray of bool, (z, y, x)
        Intensity mask; must contain at least one voxel.
    pad : int
        Border width; at least the largest neighbour distance used.
    """
    mask = np.asarray(mask, dtype=bool)
    box = bounding_box(mask)
    if box is None:
        raise ValueError("code_levels needs a non-empty mask")
    lv = np.asarray(levels)[box]
    m = mask[box]
    inside = lv[m].astype(np.int64)
    if inside.min() < 1:
        raise FeatureError(
            "texture needs discretised grey levels >= 1 inside the intensity mask; "
            f"found {int(inside.min())} (check the discretisation)"
        )
    present = np.flatnonzero(np.bincount(inside))
    lut = np.zeros(int(inside.max()) + 1, dtype=np.int64)
    lut[present] = np.arange(1, present.size + 1)
    dtype = np.uint8 if present.size < 2**8 else (np.uint16 if present.size < 2**16 else np.uint32)
    coded = np.zeros(tuple(s + 2 * pad for s in m.shape), dtype=dtype)
    inner = coded[pad:-pad, pad:-pad, pad:-pad] if pad else coded
    inner[m] = lut[inside]
    return CodedVolume(
        codes=coded,
        values=present.astype(np.float64),
        pad=int(pad),
        slice_voxels=m.sum(axis=(1, 2)).astype(np.int64),
        first_slice=int(box[0].start),
    )


def ordered_lines(vol: CodedVolume, offset: np.ndarray, per_slice: bool) -> tuple[np.ndarray, int]:
    """Reorder the codes so that neighbours along ``offset`` are adjacent in one 1D array.

    The flat padded array is reshaped to ``(-1, stride)`` and transposed (per slice when
    ``per_slice``), which puts voxels ``p, p + stride, p + 2 stride, ...`` next to each other.
    Every line starts and ends in the zero border, so consecutive lines are separated by
    zeros and runs never join across lines. Only border voxels are dropped.

    Parameters
    ----------
    vol : CodedVolume
        Coded levels with a zero border of at least 1.
    offset : ndarray (3,)
        Unit direction ``(dz, dy, dx)``, components in {-1, 0, 1}, first non-zero > 0;
        ``dz`` must be 0 when ``per_slice``.
    per_slice : bool
        Keep slices apart: each slice is one contiguous block of the result.

    Returns
    -------
    line : ndarray
        The reordered codes.
    block : int
        Length of one slice's block in ``line`` (``per_slice``), else ``line.size``.
    """
    if vol.pad < 1:
        raise ValueError("ordered_lines needs a coded volume with a zero border (pad >= 1)")
    nz, ny, nx = vol.codes.shape
    s = vol.flat_stride(offset)
    if s <= 0 or np.any(np.abs(np.asarray(offset)) > 1):
        raise ValueError(f"offset {tuple(offset)} must be a unit direction with its first non-zero component > 0")
    if per_slice:
        if offset[0] != 0:
            raise ValueError("per-slice lines need an in-plane offset (dz = 0)")
        plane = ny * nx
        if s == 1:
            return vol.codes.ravel(), plane
        rows = plane // s
        blocks = vol.codes.reshape(nz, plane)[:, : rows * s].reshape(nz, rows, s)
        return np.ascontiguousarray(blocks.transpose(0, 2, 1)).ravel(), rows * s
    flat = vol.codes.ravel()
    if s == 1:
        return flat, flat.size
    rows = flat.size // s
    return np.ascontiguousarray(flat[: rows * s].reshape(rows, s).T).ravel(), rows * s


@dataclass(frozen=True, eq=False)
class SparseMatrices:
    """A stack of ``n_groups`` count matrices held as their non-zero entries.

    Entry ``e`` adds ``count[e]`` to element ``(row[e], col[e])`` of matrix ``group[e]``.
    Entries are sorted by ``group`` (then row, col) and each position occurs once.

    Attributes
    ----------
    group, row, col : ndarray of int64
    count : ndarray of float64
    n_groups : int
    n_voxels : ndarray of float64 or None
        For run-length matrices: :math:`N_v` of each matrix (summed when merging).
    """

    group: np.ndarray
    row: np.ndarray
    col: np.ndarray
    count: np.ndarray
    n_groups: int
    n_voxels: np.ndarray | None = None

    @property
    def totals(self) -> np.ndarray:
        """Sum of the counts of each matrix (0 for an empty one)."""
        return np.bincount(self.group, weights=self.count, minlength=self.n_groups)

    def dense(self, n_rows: int, n_cols: int) -> np.ndarray:
        """The matrices as a dense ``(n_groups, n_rows, n_cols)`` array (for tests and small cases)."""
        out = np.zeros((self.n_groups, n_rows, n_cols))
        np.add.at(out, (self.group, self.row, self.col), self.count)
        return out


def sum_by_key(
    keys: np.ndarray, weights: np.ndarray | None, size: int, *, dense_limit: int = _DENSE_LIMIT
) -> tuple[np.ndarray, np.ndarray]:
    """Sum ``weights`` (or count occurrences) per distinct integer key in ``[0, size)``.

    Returns the distinct keys, ascending, and their sums. Uses one dense ``np.bincount`` while
    ``size`` is at most ``dense_limit`` cells and ``np.unique`` beyond, so memory stays bounded.
    """
    keys = np.asarray(keys, dtype=np.int64)
    if keys.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    if size <= dense_limit:
        sums = np.bincount(keys, weights=weights, minlength=size)
        nz = np.flatnonzero(sums)
        return nz, sums[nz].astype(np.float64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    if weights is None:
        return uniq, np.bincount(inverse).astype(np.float64)
    return uniq, np.bincount(inverse, weights=weights)


def sum_entries(
    keys: np.ndarray, counts: np.ndarray | None, n_groups: int, n_rows: int, n_cols: int,
    n_voxels: np.ndarray | None = None,
) -> SparseMatrices:
    """Build a :class:`SparseMatrices` from (possibly repeated) keys
    ``(group * n_rows + row) * n_cols + col`` with counts (None: 1 each)."""
    uniq, sums = sum_by_key(keys, counts, n_groups * n_rows * n_cols)
    group, rest = np.divmod(uniq, n_rows * n_cols)
    row, col = np.divmod(rest, n_cols)
    return SparseMatrices(group, row, col, sums, int(n_groups), n_voxels)


def merge_groups(m: SparseMatrices, mapping: np.ndarray, n_new: int, n_rows: int, n_cols: int) -> SparseMatrices:
    """Merge matrices by summing: matrix ``g`` is added into new matrix ``mapping[g]``.

    ``n_voxels`` (if present) is summed the same way, as IBSI asks for merged run-length
    matrices.
    """
    mapping = np.asarray(mapping, dtype=np.int64)
    keys = (mapping[m.group] * n_rows + m.row) * n_cols + m.col
    nv = None
    if m.n_voxels is not None:
        nv = np.bincount(mapping, weights=m.n_voxels, minlength=n_new).astype(np.float64)
    return sum_entries(keys, m.count, n_new, n_rows, n_cols, nv)


def stack_groups(first: SparseMatrices, second: SparseMatrices) -> SparseMatrices:
    """Concatenate two stacks of matrices of the same size (groups of ``second`` come after)."""
    nv = None
    if first.n_voxels is not None and second.n_voxels is not None:
        nv = np.concatenate([first.n_voxels, second.n_voxels])
    return SparseMatrices(
        group=np.concatenate([first.group, second.group + first.n_groups]),
        row=np.concatenate([first.row, second.row]),
        col=np.concatenate([first.col, second.col]),
        count=np.concatenate([first.count, second.count]),
        n_groups=first.n_groups + second.n_groups,
        n_voxels=nv,
    )


def symmetrise(m: SparseMatrices, n_codes: int) -> SparseMatrices:
    r"""The symmetric matrices :math:`\mathbf{M} + \mathbf{M}^T` (IBSI GLCM definition)."""
    g = np.concatenate([m.group, m.group])
    r = np.concatenate([m.row, m.col])
    c = np.concatenate([m.col, m.row])
    w = np.concatenate([m.count, m.count])
    keys = (g * n_codes + r) * n_codes + c
    return sum_entries(keys, w, m.n_groups, n_codes, n_codes, m.n_voxels)


def aggregate(
    planar: SparseMatrices,
    out_of_plane: SparseMatrices | None,
    n_slices: int,
    n_rows: int,
    n_cols: int,
    dimensions: tuple[str, ...],
) -> dict[str, SparseMatrices]:
    """The matrix stacks of each requested aggregation (see the module table).

    Parameters
    ----------
    planar : SparseMatrices
        Per-slice, per-direction matrices of the 4 in-plane directions: ``n_slices * 4``
        groups, group ``k * 4 + d`` for slice ``k`` and direction ``d``.
    out_of_plane : SparseMatrices or None
        The 9 volumetric matrices of :data:`OUT_OF_PLANE_OFFSETS` (needed for ``'3D'``).
    dimensions : tuple of {'2D', '2_5D', '3D'}

    Returns
    -------
    dict
        ``{suffix: stack}`` for the suffixes of :data:`AGGREGATIONS`, in the order requested.
    """
    n_dir = len(IN_PLANE_OFFSETS)
    g = np.arange(n_slices * n_dir)
    out: dict[str, SparseMatrices] = {}
    for dim in dimensions:
        if dim == "2D":
            out["2D_avg"] = planar
            out["2D_comb"] = merge_groups(planar, g // n_dir, n_slices, n_rows, n_cols)
        elif dim == "2_5D":
            out["2_5D_avg"] = merge_groups(planar, g % n_dir, n_dir, n_rows, n_cols)
            out["2_5D_comb"] = merge_groups(planar, np.zeros_like(g), 1, n_rows, n_cols)
        elif dim == "3D":
            if out_of_plane is None:
                raise ValueError("the '3D' aggregation needs the out-of-plane matrices")
            in_plane = merge_groups(planar, g % n_dir, n_dir, n_rows, n_cols)
            volume = stack_groups(in_plane, out_of_plane)
            out["3D_avg"] = volume
            out["3D_comb"] = merge_groups(volume, np.zeros(volume.n_groups, np.int64), 1, n_rows, n_cols)
        else:
            raise ValueError(f"unknown texture dimension {dim!r}; use '2D', '2_5D' or '3D'")
    return out


def pool(per_matrix: dict[str, np.ndarray], has_counts: np.ndarray) -> dict[str, float]:
    """Average each feature over the non-empty matrices (IBSI feature aggregation).

    Serves every texture family: the direction/slice averages of GLCM and GLRLM (BTW3, SUJT,
    JJUI, ITBB) and the slice average of the 2D GLSZM, GLDZM, NGTDM and NGLDM (8QNN).
    Matrices without any count are left out; when all are empty the value is NaN.
    """
    keep = np.asarray(has_counts, dtype=bool)
    out: dict[str, float] = {}
    for name, values in per_matrix.items():
        v = np.asarray(values, dtype=np.float64)[keep]
        out[name] = float(v.mean()) if v.size else float("nan")
    return out


def check_dimensions(dimensions: tuple[str, ...], is_2d: bool, family: str) -> None:
    """Reject a volumetric ('3D') aggregation for a single-slice image.

    Raises
    ------
    DimensionalityError
        When ``'3D'`` is asked of a 2D image.
    """
    if is_2d and "3D" in dimensions:
        raise DimensionalityError(
            f"{family}: texture dimension '3D' needs a volumetric image, but this ROI is a single "
            "2D slice; set texture.dimensions to ('2D',) (or ('2D', '2_5D'))"
        )
