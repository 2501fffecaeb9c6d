"""Helpers for the IBSI-2 phase 1 (response map) tests.

``load_phantom(name)`` reads an IBSI-2 digital phantom as a radiome :class:`Image`,
``load_reference_map(test_id)`` reads a reference response map as a ``(z, y, x)`` float64
array, and ``assert_response_map(result, reference)`` applies the IBSI-2 acceptance rule:
every voxel within 1% of the reference map's intensity range.

Both loaders skip the calling test cleanly when the shared data is absent (through
``conftest.shared_data``). Import with ``from ibsi2_helpers import ...``.
"""

from __future__ import annotations

import re

import numpy as np

from conftest import shared_data
from radiome.io import Image, read_image

__all__ = [
    "IBSI2_TOLERANCE",
    "load_phantom",
    "load_reference_map",
    "reference_map_name",
    "max_relative_deviation",
    "assert_response_map",
]

#: IBSI-2 tolerance: a fraction of the reference response map's range (max - min).
IBSI2_TOLERANCE = 0.01


def load_phantom(name: str) -> Image:
    """The IBSI-2 digital phantom ``name`` (``'checkerboard'``, ``'impulse'``, ``'sphere'``, ...).

    Returns the image as read by :func:`radiome.io.read_image`: float64 ``(z, y, x)``,
    spacing 2 mm, identity direction.
    """
    path = shared_data("ibsi", "ibsi_2_digital_phantom", "nifti", name, "image", f"{name}.nii.gz")
    return read_image(path)


def reference_map_name(test_id: str) -> str:
    """The file name of the reference map of ``test_id``: ``'1.A1'`` -> ``'1_a_1-ValidCRM.nii'``.

    Accepts ``'1.A1'``, ``'1A1'``, ``'2.A'``, ``'10.B1'`` (case-insensitive).
    """
    m = re.fullmatch(r"\s*(\d+)\.?([A-Za-z])(\d*)\s*", test_id)
    if m is None:
        raise ValueError(f"test_id must look like '1.A1' or '2.A', got {test_id!r}")
    number, letter, variant = m.groups()
    parts = [number, letter.lower()] + ([variant] if variant else [])
    return "_".join(parts) + "-ValidCRM.nii"


def load_reference_map(test_id: str) -> np.ndarray:
    """The IBSI-2 reference response map of ``test_id`` (e.g. ``'1.A1'``) as float64 (z, y, x)."""
    path = shared_data("ibsi", "reference", "ibsi_2", "response_maps", reference_map_name(test_id))
    return np.asarray(read_image(path).array, dtype=np.float64)


def max_relative_deviation(result: np.ndarray, reference: np.ndarray) -> float:
    """The largest absolute voxel difference as a fraction of the reference map's range."""
    result = np.asarray(result, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if result.shape != reference.shape:
        raise AssertionError(f"response map shape {result.shape} differs from reference {reference.shape}")
    span = float(reference.max() - reference.min())
    diff = float(np.max(np.abs(result - reference)))
    if span == 0.0:
        return 0.0 if diff == 0.0 else float("inf")
    return diff / span


def assert_response_map(result: np.ndarray, reference: np.ndarray) -> None:
    """Assert the IBSI-2 rule: every voxel within 1% of the reference map's range (max - min)."""
    result = np.asarray(result, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    dev = max_relative_deviation(result, reference)
    if not dev <= IBSI2_TOLERANCE:
        span = float(reference.max() - reference.min())
        bad = np.abs(result - reference) > IBSI2_TOLERANCE * span
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(
            f"response map deviates by up to {dev:.3%} of the reference range {span:.6g} "
            f"(tolerance {IBSI2_TOLERANCE:.0%}); {int(bad.sum())} voxels out of tolerance, "
            f"first at (z, y, x) {first}: {result[first]:.6g} vs reference {reference[first]:.6g}"
        )
