"""The PyRadiomics mode's shortcuts give what the plain definitions give.

Each fast path of ``radiome.compat.pyradiomics`` is checked on small random ROIs against a
direct (slow) evaluation of the same definition: PyRadiomics' binning (``numpy.digitize``),
the marching-cubes surface and volume summed per triangle, the maximum diameters over every
pair of mesh vertices, the axis eigenvalues from voxel coordinates, the NGTDM neighbour sums
voxel by voxel, and SimpleITK's image hash. Values from real patients are checked against
PyRadiomics itself in ``test_pyradiomics_sts.py``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from radiome.compat.pyradiomics import shape
from radiome.compat.pyradiomics.glcm import code_roi
from radiome.compat.pyradiomics.ngtdm import _neighbour_sums
from radiome.compat.pyradiomics.params import PyRadiomicsSettings, _digitize, bin_edges


def _random_mask(seed: int, shape_zyx=(9, 11, 10), p: float = 0.55) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = rng.random(shape_zyx) < p
    # a few solid blobs so that planes hold many vertices
    m[2:6, 3:8, 2:7] = True
    return m


@pytest.mark.parametrize("seed", range(6))
def test_digitize_equals_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for dtype in (np.float32, np.float64, np.int16):
        x = (rng.normal(0, 1, 20_000) * rng.uniform(0.5, 400)).astype(dtype)
        for s in (PyRadiomicsSettings(binWidth=25), PyRadiomicsSettings(binWidth=0.5), PyRadiomicsSettings(binCount=32)):
            edges = bin_edges(x, s)
            x[:300] = edges[rng.integers(0, len(edges), 300)].astype(dtype)  # values on the edges
            np.testing.assert_array_equal(_digitize(x, bin_edges(x, s)), np.digitize(x, bin_edges(x, s)))


def _vertices(m: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    """Every mesh vertex: mid-points of the edges between an ROI and a background voxel."""
    out = []
    for axis in range(3):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis], hi[axis] = slice(0, -1), slice(1, None)
        idx = np.argwhere(m[tuple(lo)] != m[tuple(hi)]).astype(np.float64)
        idx[:, axis] += 0.5
        out.append(idx * spacing)
    return np.concatenate(out)


def _brute_diameters(mask: np.ndarray, spacing) -> tuple[float, float, float, float]:
    v = _vertices(np.pad(mask, 1), np.asarray(spacing, dtype=np.float64))
    d = v[:, None, :] - v[None, :, :]
    d2 = (d**2).sum(axis=2)
    out = []
    for axis in range(3):
        same = v[:, None, axis] == v[None, :, axis]
        out.append(float(np.sqrt(np.where(same, d2, 0.0).max())))
    return out[0], out[1], out[2], float(np.sqrt(d2.max()))


@pytest.mark.parametrize("seed", range(8))
def test_mesh_diameters_equal_all_pairs(seed: int) -> None:
    m = _random_mask(seed)
    spacing = (1.0, 0.8, 1.3) if seed % 2 else (3.27, 0.977, 0.977)
    got = shape.mesh_diameters(m, spacing)
    want = _brute_diameters(m, spacing)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def _special_masks() -> list[np.ndarray]:
    """Shapes where few vertices, ties or one dominant plane test the pruning of the diameters."""
    out = []
    one = np.zeros((3, 3, 3), bool)
    one[1, 1, 1] = True
    out.append(one)  # one voxel: an octahedron of 6 vertices
    line = np.zeros((1, 1, 9), bool)
    line[0, 0, [0, 1, 2, 5, 8]] = True
    out.append(line)  # collinear voxels with gaps
    out.append(np.ones((1, 7, 5), bool))  # one slice
    zz, yy, xx = np.mgrid[:13, :15, :14]
    out.append((zz - 6) ** 2 + (yy - 7) ** 2 + (xx - 6.5) ** 2 <= 36)  # a ball: many near-ties
    out.append((zz - 6) ** 2 / 36 + (yy - 7) ** 2 / 4 + (xx - 6.5) ** 2 / 9 <= 1)  # an ellipsoid
    bar = np.zeros((12, 6, 5), bool)
    bar[:, 2:4, 1:4] = True
    bar[0, 0, 0] = bar[11, 5, 4] = True  # far corners joined to a bar only diagonally
    out.append(bar)
    rng = np.random.default_rng(7)
    for _ in range(3):  # sparse scatter: many small planes of similar size
        out.append(rng.random((10, 12, 11)) < 0.08)
    return out


@pytest.mark.parametrize("index", range(9))
def test_mesh_diameters_of_special_shapes_equal_all_pairs(index: int) -> None:
    m = _special_masks()[index]
    for spacing in ((1.0, 1.0, 1.0), (2.5, 0.7, 1.1)):
        np.testing.assert_allclose(shape.mesh_diameters(m, spacing), _brute_diameters(m, spacing), rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_far_points_keep_every_end_of_a_largest_distance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    count = rng.integers(1, 60, 25)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    pts = rng.normal(size=(int(count.sum()), 2)) * rng.uniform(0.5, 3.0, (len(count), 1)).repeat(count, axis=0)
    kept = shape._far_points(pts, start, count)
    best = max(shape._plane_maxima(pts[s:s + c][None])[0] for s, c in zip(start, count))
    sub = np.isin(np.arange(len(pts)), kept)
    got = max((shape._plane_maxima(pts[s:s + c][sub[s:s + c]][None])[0] if sub[s:s + c].sum() > 1 else 0.0)
              for s, c in zip(start, count))
    assert got == best


def _brute_mesh(mask: np.ndarray, spacing) -> tuple[float, float]:
    """Surface and volume summed triangle by triangle over every cube (PyRadiomics' loop)."""
    m = np.pad(np.asarray(mask, bool), 1)
    sp = np.asarray(spacing, dtype=np.float64)
    area = volume = 0.0
    for z, y, x in itertools.product(*(range(n - 1) for n in m.shape)):
        index = 0
        for bit, (dz, dy, dx) in enumerate(shape._CORNERS):
            index |= int(m[z + dz, y + dy, x + dx]) << bit
        sign = 1.0
        if index & 0x80:
            index ^= 0xFF
            sign = -1.0
        for tri in shape._TABLE[index]:
            if tri[0] < 0:
                continue
            a, b, c = ((np.array([z, y, x], float) + shape._EDGE_POINTS[e]) * sp for e in tri)
            volume += sign * float(np.dot(np.cross(a, b), c))
            area += 0.5 * float(np.linalg.norm(np.cross(a - c, b - c)))
    return area, volume / 6.0


@pytest.mark.parametrize("seed", range(3))
def test_mesh_coefficients_equal_triangle_sums(seed: int) -> None:
    m = _random_mask(seed, shape_zyx=(5, 6, 7))
    spacing = (2.0, 0.7, 1.1)
    np.testing.assert_allclose(shape.mesh_coefficients(m, spacing), _brute_mesh(m, spacing), rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_axis_eigenvalues_equal_coordinate_covariance(seed: int) -> None:
    m = _random_mask(seed)
    spacing = (3.27, 0.977, 0.977)
    coords = np.argwhere(m) * np.asarray(spacing)
    want = np.sort(np.linalg.eigvalsh(np.cov(coords.T, bias=True)))
    np.testing.assert_allclose(shape.axis_eigenvalues(m, spacing), want, rtol=1e-10)


def test_axis_eigenvalues_of_a_flat_roi_follow_pyradiomics_rounding() -> None:
    m = np.zeros((1, 6, 7), bool)
    m[0, 1:5, 2:6] = True
    eig = shape.axis_eigenvalues(np.pad(m, 1), (2.0, 1.0, 1.0))
    assert eig[0] == 0.0 and eig[1] > 0 and eig[2] > 0


@pytest.mark.parametrize(("seed", "force2d"), [(0, False), (1, False), (2, True)])
def test_ngtdm_box_sums_equal_voxel_by_voxel(seed: int, force2d: bool) -> None:
    rng = np.random.default_rng(seed)
    mask = _random_mask(seed)
    levels = rng.integers(1, 7, mask.shape)
    roi = code_roi(levels, mask, pad=1)
    settings = {"force2D": force2d, "force2Ddimension": 0}
    code, total, count = _neighbour_sums(roi, settings)
    grey = np.concatenate([[0.0], roi.grey])[roi.codes]
    inside = np.argwhere(roi.codes > 0)
    offsets = [o for o in itertools.product((-1, 0, 1), repeat=3) if any(o) and not (force2d and o[0])]
    want_total = np.array([sum(grey[tuple(k + o)] for o in offsets) for k in inside])
    want_count = np.array([sum(roi.codes[tuple(k + o)] > 0 for o in offsets) for k in inside])
    np.testing.assert_array_equal(code, roi.codes[roi.codes > 0])
    np.testing.assert_array_equal(total, want_total)
    np.testing.assert_array_equal(count, want_count)


def _brute_dependence(codes: np.ndarray, pad: int, size, offsets: np.ndarray, grey: np.ndarray, alpha: float) -> np.ndarray:
    """Dependence of every ROI voxel, one 3D neighbour view per offset (both directions)."""
    nz, ny, nx = size
    value = np.concatenate([[np.nan], grey])[codes]
    centre = value[pad:pad + nz, pad:pad + ny, pad:pad + nx]
    dep = np.ones(centre.shape, dtype=np.int64)
    for a in np.concatenate([offsets, -offsets]):
        dz, dy, dx = (int(v) for v in a)
        nb = value[pad + dz:pad + dz + nz, pad + dy:pad + dy + ny, pad + dx:pad + dx + nx]
        dep += np.abs(centre - nb) <= alpha
    return dep[codes[pad:pad + nz, pad:pad + ny, pad:pad + nx] > 0]


@pytest.mark.parametrize(
    ("seed", "n_levels", "settings"),
    [(0, 5, {}), (1, 255, {}), (2, 256, {}), (3, 40, {"distances": [1, 2]}), (4, 7, {"gldm_a": 1}),
     (5, 12, {"force2D": True, "force2Ddimension": 1}), (6, 3, {"gldm_a": 2, "distances": [2]})],
)
def test_gldm_dependence_on_the_flat_array_equals_3d_views(seed: int, n_levels: int, settings: dict) -> None:
    from radiome.compat.pyradiomics.gldm import _dependence, _dependence_matrix
    from radiome.compat.pyradiomics.glcm import generate_angles

    rng = np.random.default_rng(seed)
    m = _random_mask(seed, (7, 9, 8), 0.7)
    levels = np.zeros(m.shape, dtype=np.int64)
    levels[m] = rng.integers(1, n_levels + 1, int(m.sum()))
    levels[m] = np.where(rng.random(int(m.sum())) < 0.3, 1, levels[m])  # some equal neighbours
    levels[m] = np.where(rng.random(int(m.sum())) < 0.2, n_levels, levels[m])  # the top code at the border too
    inside = levels[m]
    inside[rng.permutation(inside.size)[:n_levels]] = np.arange(1, n_levels + 1)  # every level present
    levels[m] = inside
    s = PyRadiomicsSettings(**settings)
    roi = code_roi(levels, m, pad=max(s.distances))
    offsets = generate_angles(roi.size, s.distances, force2d=s.force2D, force2d_dimension=s.force2Ddimension)
    code, dep = _dependence(roi, s)
    want = _brute_dependence(roi.codes, roi.pad, roi.size, offsets, roi.grey, float(s.gldm_a))
    np.testing.assert_array_equal(dep, want)
    mat, sizes = _dependence_matrix(roi, s)
    dense = np.zeros((roi.n_grey, int(want.max()) + 1))
    np.add.at(dense, (code, want), 1.0)
    np.testing.assert_array_equal(mat[0], dense[:, sizes.astype(int)])
    assert set(sizes.astype(int)) == set(want.tolist())


@pytest.mark.parametrize(("seed", "force2d"), [(0, False), (1, False), (2, True)])
def test_size_zones_equal_labelling_level_by_level(seed: int, force2d: bool) -> None:
    from skimage.measure import label

    from radiome.compat.pyradiomics.glszm import size_zones

    rng = np.random.default_rng(seed)
    m = _random_mask(seed, (6, 9, 8), 0.8)
    codes = np.zeros(m.shape, dtype=np.uint8)
    codes[m] = rng.integers(1, 4, int(m.sum()))
    got = sorted(zip(*(a.tolist() for a in size_zones(codes, force2d=force2d, force2d_dimension=0))))
    want = []
    for c in range(1, 4):
        planes = [codes[k:k + 1] == c for k in range(codes.shape[0])] if force2d else [codes == c]
        for plane in planes:
            lab = label(plane, connectivity=3)
            want += [(c, int(n)) for n in np.bincount(lab.ravel())[1:] if n]
    assert got == sorted(want)


def test_mesh_diameters_along_an_axis_longer_than_255_voxels() -> None:
    m = np.zeros((2, 3, 300), dtype=bool)
    m[0, 1, 5:290] = True
    m[1, :, 100:120] = True
    got = shape.mesh_diameters(m, (2.0, 1.0, 0.5))
    np.testing.assert_allclose(got, _brute_diameters(m, (2.0, 1.0, 0.5)), rtol=1e-12)


def test_diagnostics_hash_is_simpleitk_hash() -> None:
    sitk = pytest.importorskip("SimpleITK")
    from radiome.compat.pyradiomics.diagnostics import _hash

    rng = np.random.default_rng(0)
    for arr in (rng.normal(size=(4, 5, 6)).astype(np.float32), rng.integers(0, 3, (3, 7, 2)).astype(np.uint32)):
        img = sitk.GetImageFromArray(arr)
        assert _hash(img) == sitk.Hash(img)


def test_pyradiomics_mode_imports_stay_light() -> None:
    """Extracting loads neither pydantic, SciPy, pandas nor radiome's I/O stack (memory)."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, SimpleITK as sitk\n"
        "from radiome.compat.pyradiomics.extractor import extract_pyradiomics\n"
        "a = np.random.default_rng(0).normal(50, 20, (12, 12, 12)).round()\n"
        "m = np.zeros(a.shape, np.uint8); m[3:9, 3:9, 3:9] = 1\n"
        "p = {'setting': {'resampledPixelSpacing': [1, 1, 1]}, 'imageType': {'Original': {}, 'LoG': {'sigma': [1]},"
        " 'Wavelet': {}}}\n"
        "extract_pyradiomics(sitk.GetImageFromArray(a), sitk.GetImageFromArray(m), p)\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'pydantic', 'scipy', 'pandas'}),"
        " 'radiome.io' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[] False"


def test_settings_check_like_the_schema() -> None:
    s = PyRadiomicsSettings(resampledPixelSpacing=[1, 1, 0], distances=[1, 2.0], sigma=[1, 2.5], binWidth=5)
    assert s.resampledPixelSpacing == (1.0, 1.0, 0.0) and s.distances == (1, 2)
    assert s.sigma == (1, 2.5) and isinstance(s.sigma[0], int) and s.binWidth == 5
    for bad in ({"binwidth": 3}, {"label": True}, {"distances": [1.5]}, {"resegmentMode": "abs"}):
        with pytest.raises(ValueError):
            PyRadiomicsSettings(**bad)
