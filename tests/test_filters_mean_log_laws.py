"""IBSI-2 mean, Laplacian-of-Gaussian and Laws filters.

Reference response maps of IBSI-2 phase 1 (tests 1.A1-1.A4, 1.B1, 2.A-2.C, 3.A1-3.C3; every
voxel within 1% of the reference range), plus unit tests that pin the boundary conditions,
the convolution orientation and normalisation against brute-force dense kernels, purity,
by-slice independence, rotation invariance and argument checking.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from ibsi2_helpers import (
    assert_response_map,
    load_phantom,
    load_reference_map,
    max_relative_deviation,
    reference_map_name,
)
from radiome.errors import ConfigError, DimensionalityError
from radiome.filters.boundary import BOUNDARY_MODES, convolve_separable, scipy_mode
from radiome.filters.laws import LAWS_KERNELS, laws_filter, rotated_kernel_sets
from radiome.filters.log import laplacian_of_gaussian, log_support
from radiome.filters.mean import mean_filter
from radiome.io import Image

# --- IBSI-2 phase 1 reference response maps -------------------------------------------------

IBSI2_CASES = {
    "1.A1": ("checkerboard", lambda im: mean_filter(im, 15, dimensions="3D", boundary="constant")),
    "1.A2": ("checkerboard", lambda im: mean_filter(im, 15, dimensions="3D", boundary="nearest")),
    "1.A3": ("checkerboard", lambda im: mean_filter(im, 15, dimensions="3D", boundary="periodic")),
    "1.A4": ("checkerboard", lambda im: mean_filter(im, 15, dimensions="3D", boundary="mirror")),
    "1.B1": ("impulse", lambda im: mean_filter(im, 15, dimensions="2D", boundary="constant")),
    "2.A": ("impulse", lambda im: laplacian_of_gaussian(
        im, 3.0, truncate=4.0, dimensions="3D", boundary="constant")),
    "2.B": ("checkerboard", lambda im: laplacian_of_gaussian(
        im, 5.0, truncate=4.0, dimensions="3D", boundary="mirror")),
    "2.C": ("checkerboard", lambda im: laplacian_of_gaussian(
        im, 5.0, truncate=4.0, dimensions="2D", boundary="mirror")),
    "3.A1": ("impulse", lambda im: laws_filter(im, "E5L5S5", dimensions="3D", boundary="constant")),
    "3.A2": ("impulse", lambda im: laws_filter(
        im, "E5L5S5", dimensions="3D", boundary="constant", rotation_invariant=True, pooling="max")),
    "3.A3": ("impulse", lambda im: laws_filter(
        im, "E5L5S5", dimensions="3D", boundary="constant", rotation_invariant=True, pooling="max",
        energy_distance=7)),
    "3.B1": ("checkerboard", lambda im: laws_filter(im, "E3W5R5", dimensions="3D", boundary="mirror")),
    "3.B2": ("checkerboard", lambda im: laws_filter(
        im, "E3W5R5", dimensions="3D", boundary="mirror", rotation_invariant=True, pooling="max")),
    "3.B3": ("checkerboard", lambda im: laws_filter(
        im, "E3W5R5", dimensions="3D", boundary="mirror", rotation_invariant=True, pooling="max",
        energy_distance=7)),
    "3.C1": ("checkerboard", lambda im: laws_filter(im, "L5S5", dimensions="2D", boundary="mirror")),
    "3.C2": ("checkerboard", lambda im: laws_filter(
        im, "L5S5", dimensions="2D", boundary="mirror", rotation_invariant=True, pooling="max")),
    "3.C3": ("checkerboard", lambda im: laws_filter(
        im, "L5S5", dimensions="2D", boundary="mirror", rotation_invariant=True, pooling="max",
        energy_distance=7)),
}


@pytest.fixture(scope="module")
def phantoms() -> dict[str, Image]:
    return {}


@pytest.mark.parametrize("test_id", list(IBSI2_CASES))
def test_ibsi2_reference_response_map(test_id, phantoms):
    name, run = IBSI2_CASES[test_id]
    if name not in phantoms:
        phantoms[name] = load_phantom(name)
    image = phantoms[name]
    reference = load_reference_map(test_id)
    result = run(image)
    assert result.shape == reference.shape
    assert result.spacing == image.spacing and result.origin == image.origin
    assert_response_map(result.array, reference)


def test_reference_map_names():
    assert reference_map_name("1.A1") == "1_a_1-ValidCRM.nii"
    assert reference_map_name("2.A") == "2_a-ValidCRM.nii"
    assert reference_map_name("3C3") == "3_c_3-ValidCRM.nii"
    assert reference_map_name("10.B1") == "10_b_1-ValidCRM.nii"
    with pytest.raises(ValueError):
        reference_map_name("mean")


def test_assert_response_map_rule():
    ref = np.linspace(0.0, 100.0, 1000).reshape(10, 10, 10)
    assert_response_map(ref + 0.99, ref)
    assert max_relative_deviation(ref + 0.5, ref) == pytest.approx(0.005)
    with pytest.raises(AssertionError, match="tolerance"):
        assert_response_map(ref + 1.01 * np.eye(10)[None], ref)


# --- brute-force references -----------------------------------------------------------------

_NUMPY_PAD = {"constant": "constant", "nearest": "edge", "periodic": "wrap", "mirror": "symmetric"}


def _dense_convolve(array: np.ndarray, kernel: np.ndarray, boundary: str) -> np.ndarray:
    """Convolution with a dense odd-sized kernel by explicit padding (numpy.pad) and windows."""
    half = [(s - 1) // 2 for s in kernel.shape]
    padded = np.pad(array, [(h, h) for h in half], mode=_NUMPY_PAD[boundary])
    windows = sliding_window_view(padded, kernel.shape)
    flipped = kernel[tuple(slice(None, None, -1) for _ in kernel.shape)]
    return np.einsum("...ijk,ijk->...", windows, flipped)


def _random_image(shape=(9, 11, 10), seed=0, spacing=(1.0, 1.0, 1.0)) -> Image:
    rng = np.random.default_rng(seed)
    return Image(rng.normal(size=shape), spacing=spacing, origin=(3.0, -2.0, 5.0))


def test_boundary_mapping_pads_as_ibsi_defines():
    """IBSI padding of a b c d: constant 0 0, nearest a a, periodic c d, mirror b a."""
    row = np.array([1.0, 2.0, 3.0, 4.0])
    expected_left_pad = {"constant": [0, 0], "nearest": [1, 1], "periodic": [3, 4], "mirror": [2, 1]}
    for boundary, left in expected_left_pad.items():
        # Convolving with a unit impulse two taps off-centre reads the padded value directly.
        shift = np.array([0.0, 0.0, 0.0, 0.0, 1.0])  # out[i] = in[i - 2]
        out = convolve_separable(row[None, None, :], {2: shift}, scipy_mode(boundary))[0, 0]
        assert out[:2].tolist() == left, boundary
    assert set(BOUNDARY_MODES) == {"constant", "nearest", "periodic", "mirror"}


@pytest.mark.parametrize("boundary", ["constant", "nearest", "periodic", "mirror"])
@pytest.mark.parametrize("dimensions", ["2D", "3D"])
def test_mean_filter_matches_dense_box(boundary, dimensions):
    image = _random_image()
    support = 5
    shape = (1, support, support) if dimensions == "2D" else (support,) * 3
    kernel = np.full(shape, 1.0 / np.prod(shape))
    expected = _dense_convolve(image.array, kernel, boundary)
    out = mean_filter(image, support, dimensions=dimensions, boundary=boundary)
    np.testing.assert_allclose(out.array, expected, rtol=1e-12, atol=1e-12)


def _dense_log_kernel(sigma: float, truncate: float, d: int) -> np.ndarray:
    half = (log_support(sigma, truncate) - 1) // 2
    u = np.arange(-half, half + 1, dtype=float)
    grids = np.meshgrid(*([u] * d), indexing="ij")
    r2 = sum(g * g for g in grids)
    h = -1.0 / sigma**2 * (1.0 / (math.sqrt(2 * math.pi) * sigma)) ** d * (d - r2 / sigma**2)
    h = h * np.exp(-r2 / (2 * sigma**2))
    return h if d == 3 else h[None]


@pytest.mark.parametrize("boundary", ["constant", "nearest", "periodic", "mirror"])
@pytest.mark.parametrize("dimensions", ["2D", "3D"])
def test_log_matches_dense_ibsi_kernel(boundary, dimensions):
    """The separable LoG equals the dense IBSI kernel, unnormalised, with its sign."""
    spacing = 2.0
    image = _random_image(shape=(12, 13, 14), spacing=(spacing,) * 3)
    sigma_mm, truncate = 2.5, 3.0  # sigma 1.25 voxels, support 1 + 2 * floor(4.25) = 9
    assert log_support(sigma_mm / spacing, truncate) == 9
    kernel = _dense_log_kernel(sigma_mm / spacing, truncate, 3 if dimensions == "3D" else 2)
    expected = _dense_convolve(image.array, kernel, boundary)
    out = laplacian_of_gaussian(image, sigma_mm, truncate=truncate, dimensions=dimensions, boundary=boundary)
    np.testing.assert_allclose(out.array, expected, rtol=1e-10, atol=1e-12)


def test_log_sign_and_support():
    """A bright point gives a negative centre; the response vanishes beyond the support."""
    arr = np.zeros((31, 31, 31))
    arr[15, 15, 15] = 1.0
    out = laplacian_of_gaussian(Image(arr), 2.0, truncate=2.0, boundary="constant").array
    assert out[15, 15, 15] < 0
    half = (log_support(2.0, 2.0) - 1) // 2
    assert half == 4
    assert out[15, 15, 15 + half] != 0 and out[15, 15, 15 + half + 1] == 0


def test_log_anisotropic_is_physical_laplacian():
    """On f = |x|^2 (mm) the LoG is the physical Laplacian 2d, per geometric-mean voxel squared."""
    spacing = (2.0, 1.0, 0.8)
    shape = (21, 41, 49)  # the kernels (truncate 6) stay inside the image from the centre
    idx = np.indices(shape).astype(float)
    centre = [(s - 1) / 2 for s in shape]
    f = sum(((idx[a] - centre[a]) * spacing[a]) ** 2 for a in range(3))
    image = Image(f, spacing=spacing)
    out = laplacian_of_gaussian(image, 3.0, truncate=6.0, boundary="mirror").array
    s_ref = float(np.prod(spacing)) ** (1 / 3)
    assert out[10, 20, 24] == pytest.approx(6.0 * s_ref**2, rel=1e-4)
    out2d = laplacian_of_gaussian(image, 3.0, truncate=6.0, dimensions="2D", boundary="mirror").array
    assert out2d[10, 20, 24] == pytest.approx(4.0 * spacing[1] * spacing[2], rel=1e-4)


def _dense_laws_kernel(names: str) -> np.ndarray:
    parts = [names[i:i + 2] for i in range(0, len(names), 2)]
    ks = [LAWS_KERNELS[p] for p in parts]  # x, y[, z]
    if len(ks) == 3:
        return np.einsum("k,j,i->ijk", ks[0], ks[1], ks[2])  # (z, y, x)
    return np.einsum("k,j->jk", ks[0], ks[1])[None]


@pytest.mark.parametrize("boundary", ["constant", "nearest", "periodic", "mirror"])
@pytest.mark.parametrize("names", ["E5L5S5", "E3W5R5", "L5S5", "S3E3"])
def test_laws_matches_dense_kernel(boundary, names):
    """Kernel order x, y, z; true convolution (flipped); unit-norm 1D kernels."""
    dims = "3D" if len(names) == 6 else "2D"
    image = _random_image()
    expected = _dense_convolve(image.array, _dense_laws_kernel(names), boundary)
    out = laws_filter(image, names, dimensions=dims, boundary=boundary)
    np.testing.assert_allclose(out.array, expected, rtol=1e-10, atol=1e-12)


def test_laws_kernel_normalisation():
    for name, k in LAWS_KERNELS.items():
        assert np.sum(k * k) == pytest.approx(1.0), name
    assert LAWS_KERNELS["L5"] * math.sqrt(70) == pytest.approx([1, 4, 6, 4, 1])
    assert LAWS_KERNELS["E5"] * math.sqrt(10) == pytest.approx([-1, -2, 0, 2, 1])


def test_laws_rotation_sets():
    k = [LAWS_KERNELS[n] for n in ("S5", "L5", "E5")]
    assert len(rotated_kernel_sets(k, True)) == 12  # 24 rotations, each kernel reached twice
    w = [LAWS_KERNELS[n] for n in ("R5", "W5", "E3")]
    # E3 and W5 are antisymmetric: the half-turn about z flips both and leaves the kernel as is.
    assert len(rotated_kernel_sets(w, True)) == 12
    assert len(rotated_kernel_sets([LAWS_KERNELS["S5"], LAWS_KERNELS["L5"]], True)) == 2
    assert len(rotated_kernel_sets(k, False)) == 1


def _dense_rotation_pool(image: Image, names: str, boundary: str, pooling: str) -> np.ndarray:
    """Brute force: convolve with every rotation of the dense kernel (np.rot90) and pool."""
    kernel = _dense_laws_kernel(names)
    if len(names) == 6:
        # All 24 proper rotations: 6 orientations of the z axis x 4 rotations about it.
        base = [kernel] + [np.rot90(kernel, r, axes=(0, 2)) for r in (1, 2, 3)]
        base += [np.rot90(kernel, r, axes=(0, 1)) for r in (1, 3)]
        rotations = [np.rot90(b, r, axes=(1, 2)) for b in base for r in range(4)]
    else:
        rotations = [np.rot90(kernel, r, axes=(1, 2)) for r in range(4)]
    responses = np.stack([_dense_convolve(image.array, k, boundary) for k in rotations])
    return responses.max(axis=0) if pooling == "max" else responses.mean(axis=0)


@pytest.mark.parametrize("pooling", ["max", "mean"])
@pytest.mark.parametrize("names", ["E5L5S5", "E3W5R5", "E5S5"])
def test_laws_rotation_invariance_matches_brute_force(names, pooling):
    dims = "3D" if len(names) == 6 else "2D"
    image = _random_image(shape=(8, 9, 10), seed=3)
    expected = _dense_rotation_pool(image, names, "periodic", pooling)
    out = laws_filter(
        image, names, dimensions=dims, boundary="periodic", rotation_invariant=True, pooling=pooling
    )
    np.testing.assert_allclose(out.array, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("boundary", ["constant", "mirror"])
def test_laws_rotation_invariant_map_commutes_with_rotation(boundary):
    image = _random_image(shape=(10, 10, 10), seed=5)
    rotated = Image(np.rot90(image.array, 1, axes=(0, 2)).copy())
    kw = dict(boundary=boundary, rotation_invariant=True, energy_distance=1)
    a = laws_filter(image, "E5W5S3", **kw).array
    b = laws_filter(rotated, "E5W5S3", **kw).array
    np.testing.assert_allclose(np.rot90(a, 1, axes=(0, 2)), b, rtol=1e-10, atol=1e-12)


def test_laws_energy_is_local_mean_abs():
    image = _random_image(seed=7)
    response = laws_filter(image, "L5E5S5", boundary="nearest").array
    energy = laws_filter(image, "L5E5S5", boundary="nearest", energy_distance=2).array
    expected = _dense_convolve(np.abs(response), np.full((5, 5, 5), 1 / 125), "nearest")
    np.testing.assert_allclose(energy, expected, rtol=1e-12, atol=1e-12)
    zero = laws_filter(image, "L5E5S5", boundary="nearest", energy_distance=0).array
    np.testing.assert_allclose(zero, np.abs(response))


# --- purity, by-slice, errors ---------------------------------------------------------------

FILTERS = [
    ("mean_filter", lambda im, d: mean_filter(im, 3, dimensions=d)),
    ("laplacian_of_gaussian", lambda im, d: laplacian_of_gaussian(im, 1.5, dimensions=d)),
    ("laws_filter", lambda im, d: laws_filter(
        im, "E5L5S5" if d == "3D" else "E5L5", dimensions=d, rotation_invariant=True, energy_distance=1)),
]


@pytest.mark.parametrize("name, run", FILTERS, ids=[f[0] for f in FILTERS])
def test_filters_are_pure(name, run):
    image = _random_image(spacing=(2.0, 0.5, 0.5))
    before = image.array.copy()
    out = run(image, "3D")
    np.testing.assert_array_equal(image.array, before)
    assert image.history == ()
    assert out is not image and out.array.dtype == np.float64 and not out.array.flags.writeable
    assert out.shape == image.shape and out.spacing == image.spacing
    assert out.origin == image.origin and out.direction == image.direction
    assert len(out.history) == 1 and out.history[0].name == name
    assert out.history[0].params["dimensions"] == "3D"
    np.testing.assert_array_equal(run(image, "3D").array, out.array)


@pytest.mark.parametrize("name, run", FILTERS, ids=[f[0] for f in FILTERS])
def test_2d_filters_each_slice_independently(name, run):
    image = _random_image(shape=(4, 12, 13), spacing=(3.0, 1.0, 1.0))
    volume = run(image, "2D").array
    for z in range(image.shape[0]):
        single = Image(image.array[z], spacing=image.spacing)
        assert single.is_2d
        np.testing.assert_allclose(volume[z], run(single, "2D").array[0], rtol=1e-12, atol=1e-12)


def test_errors_name_the_fix():
    image = _random_image()
    with pytest.raises(ConfigError, match="odd"):
        mean_filter(image, 4)
    with pytest.raises(ConfigError, match="odd"):
        mean_filter(image, 0)
    with pytest.raises(ConfigError, match="boundary"):
        mean_filter(image, 3, boundary="reflect")  # a scipy name, not an IBSI one
    with pytest.raises(ConfigError, match="dimensions"):
        mean_filter(image, 3, dimensions="2.5D")
    with pytest.raises(DimensionalityError, match="dimensions='2D'"):
        mean_filter(Image(np.zeros((5, 5))), 3, dimensions="3D")
    with pytest.raises(ConfigError, match="sigma_mm"):
        laplacian_of_gaussian(image, 0.0)
    with pytest.raises(ConfigError, match="truncate"):
        laplacian_of_gaussian(image, 1.0, truncate=float("nan"))
    with pytest.raises(ConfigError, match="needs 3"):
        laws_filter(image, "L5S5", dimensions="3D")
    with pytest.raises(ConfigError, match="needs 2"):
        laws_filter(image, "L5S5E5", dimensions="2D")
    with pytest.raises(ConfigError, match="unknown Laws kernel"):
        laws_filter(image, "L5Q5S5")
    with pytest.raises(ConfigError, match="not a sequence"):
        laws_filter(image, "L5-S5-E5")
    with pytest.raises(ConfigError, match="pooling"):
        laws_filter(image, "L5S5E5", rotation_invariant=True, pooling="min")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="energy_distance"):
        laws_filter(image, "L5S5E5", energy_distance=-1)
    with pytest.raises(TypeError, match="Image"):
        mean_filter(image.array, 3)  # type: ignore[arg-type]
