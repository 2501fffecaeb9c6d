"""The extraction API: results, provenance, and errors at the boundary."""

from __future__ import annotations

import math

import numpy as np
import pytest

from radiome.errors import ConfigError, DimensionalityError
from radiome.extraction import extract
from radiome.io.image import Image, Mask
from radiome.io.synthetic import sphere_phantom


@pytest.fixture(scope="module")
def small_phantom():
    return sphere_phantom(seed=1, shape=(16, 40, 40), spacing=(2.0, 1.0, 1.0), radius_mm=10)


def test_extract_all_families(small_phantom):
    img, msk = small_phantom
    res = extract(img, msk, {"discretisation": {"method": "fbs", "bin_width": 10}})
    assert len(res) > 150
    assert all(isinstance(v, float) for v in res.values.values())
    assert res["morphology_volume"] == pytest.approx(res["morphology_volume"])
    frame = res.to_frame(case_id="p1")
    assert frame.shape[0] == 1 and frame["case_id"].iloc[0] == "p1"
    long = res.to_long()
    assert {"family", "feature", "ibsi_code", "aggregation", "value"} <= set(long.columns)
    assert len(res.settings_hash) == 16
    assert any(step.name for step in res.history)


def test_inputs_unchanged(small_phantom):
    img, msk = small_phantom
    before = img.array.copy()
    extract(img, msk, {"interpolation": {"spacing_xyz": [1.5, 1.5, 1.5]}})
    assert np.array_equal(before, img.array)


def test_unknown_key_in_api(small_phantom):
    img, msk = small_phantom
    with pytest.raises(ConfigError, match="n_bins"):
        extract(img, msk, {"discretisation": {"nbins": 16}})


def test_3d_setting_on_2d_image():
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 100, size=(30, 30)).astype(float)
    m = np.zeros((30, 30), bool)
    m[8:22, 6:25] = True
    img, msk = Image(arr, spacing=(1, 0.5, 0.5)), Mask(m, spacing=(1, 0.5, 0.5))
    assert img.is_2d
    res = extract(img, msk)  # defaults adapt to 2D
    assert any(k.endswith("_2d_avg") for k in res.values)
    with pytest.raises(DimensionalityError, match="3D"):
        extract(img, msk, {"texture": {"dimensions": ["3D"]}})
    with pytest.raises(DimensionalityError):
        extract(img, msk, {"interpolation": {"spacing_xyz": [1, 1, 1]}})


def test_2d_shape_features():
    m = np.zeros((64, 64), bool)
    yy, xx = np.mgrid[:64, :64]
    m[(yy - 32) ** 2 + (xx - 32) ** 2 <= 20**2] = True
    img = Image(np.where(m, 100.0, 0.0) + np.arange(64)[None, :], spacing=(1, 0.5, 0.5))
    res = extract(img, Mask(m, spacing=(1, 0.5, 0.5)), {"families": ["morphology"]}, naming="ibsi")
    area = res["morph_2d_area_mesh"]
    assert area == pytest.approx(math.pi * 10**2, rel=0.02)
    # a mesh (marching-squares) perimeter of a digitised disc is a few per cent longer than the
    # true circle (the 0.5 contour follows the pixel staircase), so circularity sits near 0.87-0.9
    assert 0.85 < res["morph_2d_circularity"] < 1.0
    assert res["morph_2d_elongation"] == pytest.approx(1.0, abs=0.02)
