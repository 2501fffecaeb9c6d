"""Shared pieces of the texture tests: small ROIs, seeded random cases and brute-force references.

The brute-force references walk voxel by voxel and evaluate the manual's formulas on dense
matrices; they are slow on purpose and share no code with ``radiome.features``.
"""

from __future__ import annotations

from itertools import product

import numpy as np
from conftest import within_tolerance
from scipy import ndimage as ndi

from radiome.features.roi import ROI


def texture_roi(levels, intensity_mask, morphology_mask=None, *, n_levels=None, is_2d=False) -> ROI:
    """An ROI whose image is its grey levels (0 outside the intensity mask), 1 mm voxels.

    ``n_levels`` defaults to the highest level present (at least 1); ``morphology_mask`` to the
    intensity mask.
    """
    intensity_mask = np.asarray(intensity_mask, dtype=bool)
    morphology_mask = intensity_mask if morphology_mask is None else morphology_mask
    lv = np.where(intensity_mask, levels, 0).astype(np.int32)
    return ROI(
        image=lv.astype(float), intensity_mask=intensity_mask, morphology_mask=morphology_mask,
        spacing=(1.0, 1.0, 1.0), levels=lv, n_levels=int(n_levels or max(int(lv.max()), 1)), is_2d=is_2d,
    )


def random_levels(seed: int, shape=(4, 6, 7), n_levels=4, fill=0.7):
    """Uniform random levels ``1..n_levels`` and a random mask (a fraction ``fill``, never empty)."""
    rng = np.random.default_rng(seed)
    levels = rng.integers(1, n_levels + 1, size=shape)
    mask = rng.random(shape) < fill
    mask[tuple(rng.integers(0, s) for s in shape)] = True
    return levels, mask


def zone_case(seed: int, shape=(4, 7, 8), n_levels=4, empty_slice=False, smooth=False):
    """Blob-like random case: ``(levels, intensity_mask, morphology_mask)``.

    The morphological mask is an opened random mask plus scattered voxels (slice 1 emptied when
    ``empty_slice``); levels quantise a random (``smooth``: box-filtered) field; the intensity
    mask drops ~15 % of the morphological one.
    """
    rng = np.random.default_rng(seed)
    morph = ndi.binary_opening(rng.random(shape) > 0.25) | (rng.random(shape) > 0.9)
    if empty_slice:
        morph[1] = False
    field = rng.random(shape)
    if smooth:
        field = ndi.uniform_filter(field, 3)
    levels = np.clip(np.floor((field - field.min()) / np.ptp(field) * n_levels).astype(int) + 1, 1, n_levels)
    intensity = morph & (rng.random(shape) > 0.15)
    return levels, intensity, morph


def reference_misses(out: dict, reference: dict, prefix: str | None = None) -> tuple[dict, dict]:
    """The reference values compared and the misses among them (IBSI tolerance).

    With ``prefix``: every reference tag that starts with it (one that ``out`` lacks is a miss);
    without: the reference tags that ``out`` has. Misses are ``{tag: (value, reference, tolerance)}``.
    """
    if prefix is None:
        compared = {k: reference[k] for k in out if k in reference}
    else:
        compared = {k: v for k, v in reference.items() if k.startswith(prefix)}
    missed = {k: (out.get(k), v, tol) for k, (v, tol) in compared.items() if not within_tolerance(out.get(k), v, tol)}
    return compared, missed


def split_dim(key: str) -> tuple[str, str]:
    """``'szm_sze_2_5D'`` -> ``('szm_sze', '2_5D')``."""
    for dim in ("_2_5D", "_2D", "_3D"):
        if key.endswith(dim):
            return key[: -len(dim)], dim[1:]
    raise AssertionError(key)


def bf_offsets(delta: int, by_slice: bool) -> list[tuple[int, int, int]]:
    """Every neighbour offset ``(dz, dy, dx)`` within Chebyshev distance ``delta`` (in-slice if ``by_slice``)."""
    zr = (0,) if by_slice else range(-delta, delta + 1)
    return [o for o in product(zr, range(-delta, delta + 1), range(-delta, delta + 1)) if any(o)]


def bf_count_features(M: np.ndarray, n_v: int) -> dict[str, float]:
    """The manual's count-matrix formulas on a dense matrix ``M[i-1, j-1]`` (generic names)."""
    n_s = M.sum()
    P = M / n_s
    i = np.arange(1, M.shape[0] + 1, dtype=float)[:, None]
    j = np.arange(1, M.shape[1] + 1, dtype=float)[None, :]
    nz = P > 0
    return {
        "se": (M / j**2).sum() / n_s, "le": (M * j**2).sum() / n_s,
        "lge": (M / i**2).sum() / n_s, "hge": (M * i**2).sum() / n_s,
        "slge": (M / (i**2 * j**2)).sum() / n_s, "shge": (M * i**2 / j**2).sum() / n_s,
        "llge": (M * j**2 / i**2).sum() / n_s, "lhge": (M * i**2 * j**2).sum() / n_s,
        "glnu": (M.sum(1) ** 2).sum() / n_s, "glnu_norm": (M.sum(1) ** 2).sum() / n_s**2,
        "jnu": (M.sum(0) ** 2).sum() / n_s, "jnu_norm": (M.sum(0) ** 2).sum() / n_s**2,
        "perc": n_s / n_v,
        "gl_var": ((i - (i * P).sum()) ** 2 * P).sum(),
        "j_var": ((j - (j * P).sum()) ** 2 * P).sum(),
        "entr": -(P[nz] * np.log2(P[nz])).sum(),
        "energy": (P**2).sum(),
    }


def bf_count_family(entries, n_levels: int, mask: np.ndarray, by_slice: bool) -> dict[str, dict[str, float]]:
    """Brute-force features ``{dim: {generic: value}}`` from ``(slice, level, column)`` entries.

    ``by_slice``: '2D' averages the per-slice matrices' features over slices with entries and
    '2_5D' uses their sum; else '3D' uses the single matrix. :math:`N_v` comes from ``mask``.
    """
    n_cols = max(c for _, _, c in entries)
    mats: dict = {}
    for z, g, c in entries:
        mats.setdefault(z, np.zeros((n_levels, n_cols)))[g - 1, c - 1] += 1
    if by_slice:
        per = [bf_count_features(mats[z], mask[z].sum()) for z in sorted(mats)]
        return {
            "2D": {k: np.mean([p[k] for p in per]) for k in per[0]},
            "2_5D": bf_count_features(sum(mats.values()), mask.sum()),
        }
    return {"3D": bf_count_features(mats[0], mask.sum())}
