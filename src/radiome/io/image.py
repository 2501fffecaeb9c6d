"""Immutable image and mask values.

Every array in radiome is indexed ``(z, y, x)``: slice, row, column. Spacing and origin are
given in the same order and in millimetres; ``direction`` is the 3x3 direction-cosine matrix
whose *columns* are the physical directions of the ``x``, ``y`` and ``z`` array axes (the ITK
convention, stored row-major as 9 numbers in ITK order so that it round-trips with
SimpleITK). A 2D image is stored with a single slice (``shape[0] == 1``) and ``is_2d`` true.

The arrays held by :class:`Image` and :class:`Mask` are made read-only on construction;
every operation returns a new value.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from radiome.errors import GeometryError

__all__ = ["ProcessingStep", "Image", "Mask", "check_same_grid", "IDENTITY_DIRECTION"]

IDENTITY_DIRECTION: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


@dataclass(frozen=True)
class ProcessingStep:
    """One entry of a case's processing history: the function applied and its parameters."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"


def _frozen(a: np.ndarray, dtype: Any | None = None) -> np.ndarray:
    arr = np.array(a, dtype=dtype, copy=True) if dtype is not None else np.array(a, copy=True)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.ndim != 3:
        raise ValueError(f"expected a 2D or 3D array (z, y, x), got shape {arr.shape}")
    arr.setflags(write=False)
    return arr


def _triple(v: Any, name: str) -> tuple[float, float, float]:
    t = tuple(float(x) for x in v)
    if len(t) != 3:
        raise ValueError(f"{name} must have 3 values (z, y, x), got {v!r}")
    return t  # type: ignore[return-value]


@dataclass(frozen=True, eq=False)
class _Grid:
    array: np.ndarray
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: tuple[float, ...] = IDENTITY_DIRECTION
    is_2d: bool = False

    @property
    def shape(self) -> tuple[int, int, int]:
        """Array shape ``(z, y, x)``."""
        return self.array.shape  # type: ignore[return-value]

    @property
    def voxel_volume(self) -> float:
        """Volume of one voxel in mm^3 (area in mm^2 for 2D images)."""
        sz, sy, sx = self.spacing
        return sy * sx if self.is_2d else sz * sy * sx

    def index_to_physical(self, index_zyx: np.ndarray) -> np.ndarray:
        """Physical (x, y, z) positions in mm of continuous indices given as (..., 3) (z, y, x)."""
        idx = np.asarray(index_zyx, dtype=float)[..., ::-1] * np.array(self.spacing[::-1])
        d = np.array(self.direction, dtype=float).reshape(3, 3)
        return idx @ d.T + np.array(self.origin[::-1])

    def same_grid(self, other: "_Grid", tol: float = 1e-3) -> bool:
        """True when both values have the same shape, spacing, origin and direction."""
        try:
            check_same_grid(self, other, tol=tol)
        except GeometryError:
            return False
        return True


@dataclass(frozen=True, eq=False)
class Image(_Grid):
    """A scalar image on a voxel grid.

    Parameters
    ----------
    array : ndarray
        Intensities ``(z, y, x)``; stored as a read-only float64 copy. 2D input gets a
        leading slice axis.
    spacing, origin : tuple of 3 float
        Voxel size and position of voxel ``(0, 0, 0)``, in mm, ordered ``(z, y, x)``.
    direction : tuple of 9 float
        Direction cosines in ITK order (see module docstring).
    modality : str
        ``"CT"`` (HU), ``"PT"`` (SUV), ``"MR"``, ``"CR"``, ``"US"``, ... or ``"generic"``.
    metadata : mapping
        Free-form information from the source (patient, series, units, ...).
    history : tuple of ProcessingStep
        What has been done to the image since it was read.
    """

    modality: str = "generic"
    metadata: Mapping[str, Any] = field(default_factory=dict)
    history: tuple[ProcessingStep, ...] = ()

    def __post_init__(self) -> None:
        arr = self.array
        if arr.dtype.kind not in "fiub":
            raise ValueError(f"image array must be numeric, got dtype {arr.dtype}")
        object.__setattr__(self, "array", _frozen(arr, np.float64))
        object.__setattr__(self, "spacing", _triple(self.spacing, "spacing"))
        object.__setattr__(self, "origin", _triple(self.origin, "origin"))
        object.__setattr__(self, "direction", tuple(float(x) for x in self.direction))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))
        if self.array.shape[0] == 1 and not self.is_2d and np.ndim(arr) == 2:
            object.__setattr__(self, "is_2d", True)

    def with_array(self, array: np.ndarray, step: ProcessingStep | None = None, **changes: Any) -> "Image":
        """A new image with ``array`` (and optional geometry ``changes``), appending ``step``."""
        history = self.history + ((step,) if step is not None else ())
        return replace(self, array=array, history=history, **changes)

    def with_step(self, step: ProcessingStep) -> "Image":
        """The same image with ``step`` appended to its history."""
        return replace(self, history=self.history + (step,))


@dataclass(frozen=True, eq=False)
class Mask(_Grid):
    """A binary region of interest on a voxel grid (``True`` inside), with its name."""

    name: str = "roi"
    metadata: Mapping[str, Any] = field(default_factory=dict)
    history: tuple[ProcessingStep, ...] = ()

    def __post_init__(self) -> None:
        arr = np.asarray(self.array)
        if arr.dtype != bool:
            uniq = np.unique(arr)
            if not np.all(np.isin(uniq, (0, 1))):
                raise ValueError(
                    "Mask needs a binary array; use radiome.io.select_label() to pick one label "
                    f"from a label map (values found: {uniq[:10].tolist()})"
                )
        object.__setattr__(self, "array", _frozen(arr, bool))
        object.__setattr__(self, "spacing", _triple(self.spacing, "spacing"))
        object.__setattr__(self, "origin", _triple(self.origin, "origin"))
        object.__setattr__(self, "direction", tuple(float(x) for x in self.direction))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))
        if self.array.shape[0] == 1 and not self.is_2d and np.ndim(arr) == 2:
            object.__setattr__(self, "is_2d", True)

    @property
    def voxel_count(self) -> int:
        """Number of voxels inside the mask."""
        return int(np.count_nonzero(self.array))

    def with_array(self, array: np.ndarray, step: ProcessingStep | None = None, **changes: Any) -> "Mask":
        """A new mask with ``array`` (and optional geometry ``changes``), appending ``step``."""
        history = self.history + ((step,) if step is not None else ())
        return replace(self, array=array, history=history, **changes)


def check_same_grid(a: _Grid, b: _Grid, tol: float = 1e-3, what: str = "mask") -> None:
    """Raise :class:`GeometryError` unless ``a`` and ``b`` share shape, spacing, origin, direction.

    ``tol`` is relative for spacing and direction, and in mm (scaled by the spacing) for
    the origin.
    """
    problems = []
    if a.shape != b.shape:
        problems.append(f"size (z, y, x) {a.shape} vs {b.shape}")
    sa, sb = np.array(a.spacing), np.array(b.spacing)
    if not np.allclose(sa, sb, rtol=tol, atol=1e-6):
        problems.append(f"spacing (z, y, x) {tuple(sa.round(5))} vs {tuple(sb.round(5))} mm")
    if not np.allclose(a.origin, b.origin, rtol=0.0, atol=tol * max(float(sa.max()), 1.0) * 10):
        problems.append(
            f"origin (z, y, x) {tuple(np.round(a.origin, 3))} vs {tuple(np.round(b.origin, 3))} mm"
        )
    if not np.allclose(a.direction, b.direction, atol=tol):
        problems.append("direction cosines differ")
    if problems:
        raise GeometryError(
            f"image and {what} are not on the same voxel grid: "
            + "; ".join(problems)
            + f". Resample the {what} onto the image grid (radiome convert INPUT OUTPUT "
            "--reference IMAGE, or radiome.preprocess.resample_to_reference) or check that "
            "the right files were paired."
        )
