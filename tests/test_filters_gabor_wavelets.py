"""Gabor, separable wavelet, Simoncelli and Riesz filters: IBSI-2 phase 1 maps and properties.

Parameters of each reference map from the IBSI-2 manual (arXiv:2006.05470, test table),
cross-checked with MIRP's and Z-Rad's IBSI-2 test suites.
"""

from __future__ import annotations

import numpy as np
import pytest

from ibsi2_helpers import assert_response_map, load_phantom, load_reference_map
from radiome.errors import ConfigError, DimensionalityError
from radiome.filters.gabor import gabor_filter, gabor_kernel, gabor_orientations
from radiome.filters.simoncelli import (
    centred_frequency_grid,
    riesz_log_filter,
    riesz_transfer,
    simoncelli_filter,
    simoncelli_transfer,
)
from radiome.filters.wavelets import dilate_taps, right_angle_rotations, wavelet_filter, wavelet_taps
from radiome.io.image import Image, ProcessingStep

GABOR_A = dict(sigma_mm=10.0, lambda_mm=4.0, gamma=0.5, boundary="constant")
GABOR_B = dict(sigma_mm=20.0, lambda_mm=8.0, gamma=2.5, boundary="mirror")
ROT = dict(rotation_invariant=True, pooling="mean")
RIESZ_LOG = dict(sigma_mm=3.0, truncate=4.0, boundary="constant")

# test id -> (phantom, filter function, keyword arguments)
IBSI2_MAPS = {
    "4.A1": ("impulse", gabor_filter, dict(GABOR_A, theta_deg=60.0, dimensions="2D")),
    "4.A2": ("impulse", gabor_filter, dict(GABOR_A, rotation_invariant=True, theta_step_deg=45.0, dimensions="3D")),
    "4.B1": ("sphere", gabor_filter, dict(GABOR_B, theta_deg=225.0, dimensions="2D")),
    "4.B2": ("sphere", gabor_filter, dict(GABOR_B, rotation_invariant=True, theta_step_deg=22.5, dimensions="3D")),
    "5.A1": ("impulse", wavelet_filter, dict(wavelet="db2", response="LHL", boundary="constant")),
    "5.A2": ("impulse", wavelet_filter, dict(ROT, wavelet="db2", response="LHL", boundary="constant")),
    "6.A1": ("sphere", wavelet_filter, dict(wavelet="coif1", response="HHL", boundary="periodic")),
    "6.A2": ("sphere", wavelet_filter, dict(ROT, wavelet="coif1", response="HHL", boundary="periodic")),
    "7.A1": ("checkerboard", wavelet_filter, dict(ROT, wavelet="haar", response="LLL", level=2, boundary="mirror")),
    "7.A2": ("checkerboard", wavelet_filter, dict(ROT, wavelet="haar", response="HHH", level=2, boundary="mirror")),
    "8.A1": ("checkerboard", simoncelli_filter, dict(level=1, boundary="periodic")),
    "8.A2": ("checkerboard", simoncelli_filter, dict(level=2, boundary="periodic")),
    "8.A3": ("checkerboard", simoncelli_filter, dict(level=3, boundary="periodic")),
    "9.A": ("impulse", riesz_log_filter, dict(RIESZ_LOG, riesz_order=(1, 0, 0))),
    "9.B1": ("sphere", riesz_log_filter, dict(RIESZ_LOG, riesz_order=(0, 2, 0))),
    "10.B1": ("pattern_1", simoncelli_filter, dict(level=1, riesz_order=(0, 2, 0), boundary="nearest")),
}


@pytest.mark.parametrize("test_id", list(IBSI2_MAPS))
def test_ibsi2_reference_map(test_id: str) -> None:
    phantom, fn, kwargs = IBSI2_MAPS[test_id]
    reference = load_reference_map(test_id)
    result = fn(load_phantom(phantom), **kwargs)
    assert_response_map(result.array, reference)


# --- rotation invariance -------------------------------------------------------------------

ROTATIONS_3D = [(1, (0, 1)), (1, (1, 2)), (1, (0, 2)), (2, (1, 2)), (3, (0, 1))]


def _cube(n: int = 10, seed: int = 0) -> Image:
    return Image(np.random.default_rng(seed).normal(size=(n, n, n)), spacing=(1.0, 1.0, 1.0))


@pytest.mark.parametrize("level", [1, 2])
@pytest.mark.parametrize("boundary", ["mirror", "periodic", "constant"])
def test_wavelet_rotation_invariance_under_right_angle_rotations(level: int, boundary: str) -> None:
    img = _cube()
    kw = dict(level=level, rotation_invariant=True, boundary=boundary)
    base = wavelet_filter(img, "db2", "LHH", **kw).array
    for k, axes in ROTATIONS_3D:
        rotated = wavelet_filter(Image(np.rot90(img.array, k, axes)), "db2", "LHH", **kw).array
        np.testing.assert_allclose(rotated, np.rot90(base, k, axes), atol=1e-10)


def test_wavelet_without_rotation_invariance_is_not_invariant() -> None:
    img = _cube()
    base = wavelet_filter(img, "db2", "LHH", boundary="periodic").array
    rotated = wavelet_filter(Image(np.rot90(img.array, 1, (1, 2))), "db2", "LHH", boundary="periodic").array
    assert not np.allclose(rotated, np.rot90(base, 1, (1, 2)))


@pytest.mark.parametrize("pooling", ["mean", "max"])
def test_wavelet_2d_rotation_invariance(pooling: str) -> None:
    a = np.random.default_rng(1).normal(size=(3, 11, 11))
    kw = dict(rotation_invariant=True, pooling=pooling, boundary="mirror", dimensions="2D")
    base = wavelet_filter(Image(a), "coif1", "HL", **kw).array
    rotated = wavelet_filter(Image(np.rot90(a, 1, (1, 2))), "coif1", "HL", **kw).array
    np.testing.assert_allclose(rotated, np.rot90(base, 1, (1, 2)), atol=1e-10)


def test_wavelet_rotation_group() -> None:
    assert len(list(right_angle_rotations(3))) == 24
    assert len(list(right_angle_rotations(2))) == 4
    assert next(iter(right_angle_rotations(3))) == ((0, 1, 2), (1, 1, 1))


def test_gabor_2d_rotation_invariance_in_plane() -> None:
    a = np.random.default_rng(2).normal(size=(2, 15, 15))
    kw = dict(gamma=0.7, rotation_invariant=True, theta_step_deg=45.0, dimensions="2D", boundary="periodic")
    base = gabor_filter(Image(a), 2.0, 3.0, **kw).array
    rotated = gabor_filter(Image(np.rot90(a, 1, (1, 2))), 2.0, 3.0, **kw).array
    np.testing.assert_allclose(rotated, np.rot90(base, 1, (1, 2)), atol=1e-9)


@pytest.mark.parametrize("pooling", ["mean", "max"])
def test_gabor_3d_orthogonal_planes_rotation_invariance(pooling: str) -> None:
    img = _cube(9, seed=3)
    kw = dict(gamma=1.5, rotation_invariant=True, theta_step_deg=90.0, pooling=pooling, boundary="mirror", truncate=2.0)
    base = gabor_filter(img, 1.5, 3.0, **kw).array
    for k, axes in ROTATIONS_3D:
        rotated = gabor_filter(Image(np.rot90(img.array, k, axes)), 1.5, 3.0, **kw).array
        np.testing.assert_allclose(rotated, np.rot90(base, k, axes), atol=1e-9)


def test_gabor_half_circle_shortcut_matches_full_circle() -> None:
    """theta and theta + pi give conjugate responses: pooling over half the circle is exact."""
    a = np.random.default_rng(4).normal(size=(1, 13, 13))
    img = Image(a)
    kw = dict(gamma=0.8, dimensions="2D", boundary="nearest", truncate=3.0)
    maps = [gabor_filter(img, 2.0, 3.0, theta_deg=t, **kw).array for t in np.arange(0.0, 360.0, 60.0)]
    pooled = gabor_filter(img, 2.0, 3.0, rotation_invariant=True, theta_step_deg=60.0, **kw).array
    np.testing.assert_allclose(pooled, np.mean(maps, axis=0), atol=1e-12)
    total = gabor_filter(img, 2.0, 3.0, rotation_invariant=True, theta_step_deg=60.0, pooling="sum", **kw).array
    np.testing.assert_allclose(total, np.sum(maps, axis=0), atol=1e-11)


# --- definitions ------------------------------------------------------------------------------


def test_gabor_impulse_response_is_the_kernel_modulus() -> None:
    a = np.zeros((1, 41, 41))
    a[0, 20, 20] = 1.0
    r = gabor_filter(Image(a, spacing=(1.0, 1.0, 1.0)), 3.0, 5.0, gamma=0.5, theta_deg=30.0, dimensions="2D",
                     boundary="constant", truncate=2.0).array[0]
    k = np.abs(gabor_kernel(3.0, 5.0, 0.5, np.radians(30.0), (1.0, 1.0), truncate=2.0))
    h = k.shape[0] // 2
    np.testing.assert_allclose(r[20 - h : 21 + h, 20 - h : 21 + h], k, atol=1e-12)
    assert r.max() == pytest.approx(1.0)


def test_gabor_orientations() -> None:
    np.testing.assert_allclose(np.degrees(gabor_orientations(10.0, True, 90.0)), [10.0, 100.0, 190.0, 280.0])
    np.testing.assert_allclose(gabor_orientations(45.0, False, 1.0), [np.pi / 4])
    with pytest.raises(ConfigError, match="divide 360"):
        gabor_orientations(0.0, True, 50.0)


def test_wavelet_taps_and_dilation() -> None:
    h = wavelet_taps("db2", "L")
    assert h.size == 5 and h[-1] == 0.0
    np.testing.assert_allclose(dilate_taps(np.array([1.0, 2.0, 3.0]), 2), [1, 0, 0, 0, 2, 0, 0, 0, 3])


def test_wavelet_haar_high_pass_is_a_difference() -> None:
    a = np.random.default_rng(5).normal(size=(4, 5, 6))
    r = wavelet_filter(Image(a), "haar", "HLL", boundary="periodic").array
    # centred taps [h0, h1, 0]: R[i] = h0 I[i + 1] + h1 I[i] (a true convolution)
    lo = (a + np.roll(a, -1, axis=1)) / np.sqrt(2)
    lo = (lo + np.roll(lo, -1, axis=0)) / np.sqrt(2)
    expected = (lo - np.roll(lo, -1, axis=2)) / np.sqrt(2)
    np.testing.assert_allclose(r, expected, atol=1e-12)


def test_simoncelli_transfer_and_grid() -> None:
    np.testing.assert_allclose(centred_frequency_grid(4), [1 / 3, 1.0, -1.0, -1 / 3])
    nu = [np.linspace(0, 1, 9)]
    h1 = simoncelli_transfer(nu, 1)
    assert h1[0] == 0.0 and h1[4] == pytest.approx(1.0) and h1[-1] == pytest.approx(0.0, abs=1e-15)
    assert simoncelli_transfer([np.array(0.25)], 2) == pytest.approx(1.0)


def test_riesz_transfer() -> None:
    nu = [np.array([0.0, 0.3]), np.array([0.0, 0.4])]
    r = riesz_transfer(nu, (1, 1))
    assert r[0] == 0.0
    assert r[1] == pytest.approx(-np.sqrt(2) * 0.12 / 0.25)


def test_simoncelli_band_energy_and_zero_mean() -> None:
    img = Image(np.full((8, 8, 8), 7.0))
    for boundary in ("periodic", "mirror"):
        assert np.allclose(simoncelli_filter(img, 2, boundary=boundary).array, 0.0)


def test_riesz_order_along_an_invariant_axis_gives_zero_on_odd_grids() -> None:
    """A first-order Riesz transform along y of an image constant along y vanishes."""
    a = np.random.default_rng(6).normal(size=(7, 1, 9)).repeat(7, axis=1)
    r = simoncelli_filter(Image(a), 1, boundary="periodic", riesz_order=(0, 1, 0)).array
    np.testing.assert_allclose(r, 0.0, atol=1e-12)


def test_2d_filters_run_on_single_slice_images() -> None:
    img = Image(np.random.default_rng(7).normal(size=(16, 16)))
    assert img.is_2d
    for out in (
        gabor_filter(img, 2.0, 4.0, dimensions="2D"),
        wavelet_filter(img, "db2", "LH"),
        simoncelli_filter(img, 1, dimensions="2D"),
        simoncelli_filter(img, 1, dimensions="2D", riesz_order=(1, 1)),
        riesz_log_filter(img, 1.5, (2, 0), dimensions="2D"),
    ):
        assert out.shape == img.shape and np.isfinite(out.array).all()
    with pytest.raises(DimensionalityError):
        wavelet_filter(img, "db2", "LHL")
    with pytest.raises(DimensionalityError):
        simoncelli_filter(img, 1)


# --- purity and errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda im: gabor_filter(im, 2.0, 4.0, rotation_invariant=True, boundary="nearest"),
        lambda im: wavelet_filter(im, "coif1", "HLH", level=2, rotation_invariant=True),
        lambda im: simoncelli_filter(im, 2, boundary="mirror", riesz_order=(0, 0, 1)),
        lambda im: riesz_log_filter(im, 2.0, (1, 1, 0)),
    ],
    ids=["gabor", "wavelet", "simoncelli", "riesz_log"],
)
def test_filters_are_pure(call) -> None:  # type: ignore[no-untyped-def]
    a = np.random.default_rng(8).normal(size=(6, 9, 8))
    step = ProcessingStep("read", {"path": "x"})
    img = Image(a, spacing=(2.0, 1.0, 1.0), origin=(1.0, 2.0, 3.0), modality="CT", history=(step,))
    before = img.array.copy()
    out = call(img)
    np.testing.assert_array_equal(img.array, before)
    assert img.history == (step,)
    assert out.array.dtype == np.float64 and out.shape == img.shape
    assert out.spacing == img.spacing and out.origin == img.origin and out.direction == img.direction
    assert out.history[:-1] == (step,) and out.history[-1].name.endswith("filter")
    assert not out.array.flags.writeable
    np.testing.assert_array_equal(call(img).array, out.array)


def test_invalid_arguments_raise_config_errors() -> None:
    img = _cube(6)
    with pytest.raises(ConfigError, match="db2"):
        wavelet_filter(img, "db22x", "LHL")
    with pytest.raises(ConfigError, match="letters"):
        wavelet_filter(img, "haar", "LXH")
    with pytest.raises(ConfigError, match="dimensions"):
        wavelet_filter(img, "haar", "LH", dimensions="3D")
    with pytest.raises(ConfigError, match="level"):
        wavelet_filter(img, "haar", "LHL", level=0)
    with pytest.raises(ConfigError, match="boundary"):
        wavelet_filter(img, "haar", "LHL", boundary="reflect")
    with pytest.raises(ConfigError, match="sigma_mm"):
        gabor_filter(img, -1.0, 2.0)
    with pytest.raises(ConfigError, match="response"):
        gabor_filter(img, 1.0, 2.0, response="phase")
    with pytest.raises(ConfigError, match="pooling"):
        gabor_filter(img, 1.0, 2.0, pooling="median")
    with pytest.raises(ConfigError, match="riesz_order"):
        simoncelli_filter(img, 1, riesz_order=(1, 0))
    with pytest.raises(ConfigError, match="riesz_order"):
        riesz_log_filter(img, 1.0, (0, 0, 0))
    with pytest.raises(ConfigError, match="level"):
        simoncelli_filter(img, 0)
