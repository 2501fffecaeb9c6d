"""Property tests: invariances that IBSI defines, and range/count properties of discretisation.

Features must not change when image and mask are translated together, or rotated by 90
degrees (in-plane for 2D/2.5D aggregation; about any axis for 3D with isotropic voxels).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radiome.extraction import extract
from radiome.io.image import Image, Mask
from radiome.preprocess.discretise import discretise

SETTINGS = {
    "discretisation": {"method": "fbn", "n_bins": 8},
    "texture": {"dimensions": ["2D", "2_5D", "3D"]},
}


def _volume(seed: int, shape=(6, 9, 9)):
    rng = np.random.default_rng(seed)
    img = np.round(rng.normal(50, 20, size=shape))
    mask = rng.random(shape) < 0.75
    mask[shape[0] // 2, shape[1] // 2, shape[2] // 2] = True
    # keep one connected, reasonably solid blob so the mesh is meaningful
    from scipy import ndimage

    lab, n = ndimage.label(mask)
    sizes = ndimage.sum(mask, lab, range(1, n + 1))
    mask = lab == (int(np.argmax(sizes)) + 1)
    return img, mask


def _features(img: np.ndarray, mask: np.ndarray, spacing=(1.0, 1.0, 1.0)) -> dict[str, float]:
    res = extract(Image(img, spacing=spacing), Mask(mask, spacing=spacing), SETTINGS, naming="ibsi")
    return dict(res.values)


def _assert_same(a: dict[str, float], b: dict[str, float], skip: tuple[str, ...] = ()):
    assert a.keys() == b.keys()
    for k in a:
        if k.startswith(skip):
            continue
        va, vb = a[k], b[k]
        if math.isnan(va) and math.isnan(vb):
            continue
        assert vb == pytest.approx(va, rel=1e-7, abs=1e-9), k


PROP = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROP
@given(seed=st.integers(0, 10_000), shift=st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)))
def test_translation_invariance(seed, shift):
    img, mask = _volume(seed)
    base = _features(img, mask)
    pad = [(s, 4 - s) for s in shift]
    img2 = np.pad(img, pad, mode="constant", constant_values=50)
    mask2 = np.pad(mask, pad)
    # the local intensity peak sees voxels around the ROI, which translation with new
    # background changes; everything else must be identical
    _assert_same(base, _features(img2, mask2), skip=("loc_",))


@PROP
@given(seed=st.integers(0, 10_000), k=st.integers(1, 3))
def test_in_plane_rotation_invariance(seed, k):
    img, mask = _volume(seed)
    base = _features(img, mask)
    rot = _features(np.rot90(img, k, axes=(1, 2)).copy(), np.rot90(mask, k, axes=(1, 2)).copy())
    _assert_same(base, rot)


@PROP
@given(seed=st.integers(0, 10_000), axes=st.sampled_from([(0, 1), (0, 2)]))
def test_out_of_plane_rotation_invariance_3d(seed, axes):
    img, mask = _volume(seed, shape=(8, 8, 8))
    base = _features(img, mask)
    rot = _features(np.rot90(img, 1, axes=axes).copy(), np.rot90(mask, 1, axes=axes).copy())
    # slice-wise (2D, 2.5D) aggregation depends on which axis is the slice axis
    three_d = {k: v for k, v in base.items() if not ("_2D" in k or "_2_5D" in k)}
    rot3 = {k: v for k, v in rot.items() if k in three_d}
    _assert_same(three_d, rot3)


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    method=st.sampled_from(["fbn", "fbs"]),
    n_bins=st.integers(1, 64),
    width=st.floats(0.1, 50),
)
def test_discretised_values_in_range(seed, method, n_bins, width):
    rng = np.random.default_rng(seed)
    img = rng.normal(0, 100, size=(4, 5, 6))
    mask = rng.random(img.shape) < 0.6
    mask[0, 0, 0] = True
    d = discretise(img, mask, method, n_bins=n_bins, bin_width=width)
    inside = d.levels[mask]
    assert inside.min() >= 1 and inside.max() <= d.n_levels
    assert np.all(d.levels[~mask] == 0)
    if method == "fbn":
        assert d.n_levels == n_bins
    # order preserving
    order = np.argsort(img[mask], kind="stable")
    assert np.all(np.diff(inside[order]) >= 0)
