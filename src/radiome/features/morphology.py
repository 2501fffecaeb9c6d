r"""Morphological features (IBSI 1, section 3.1, family HCUG).

Shape, size and spatial-autocorrelation features of the region of interest, computed in 3D
from the morphological mask (mesh, voxel point set) and, for the intensity-dependent ones
(centre-of-mass shift, integrated intensity, Moran's I, Geary's C), from the intensity mask.
For a single-slice image (``roi.is_2d``), for which IBSI defines no morphology, a documented
2D shape set is computed instead (:mod:`radiome.features.morphology_2d`).

Why hand-written: no library computes the IBSI definitions as a set. scikit-image supplies
the marching-cubes mesh and SciPy the convex hull; the mesh volume, the enclosing-shape
densities, the IBSI ellipsoid-area series and Khachiyan's MVEE are in
:mod:`radiome.features.mesh`. Moran's I and Geary's C are exact over all voxel pairs, but
computed in :math:`O(N \log N)` by FFT convolution with the inverse-distance kernel instead of
the :math:`O(N^2)` pair sum (see :func:`spatial_autocorrelation`).

Not computed: the oriented minimum bounding box densities (ZH1A, IQYR). An exact 3D
minimum-volume box needs O'Rourke's rotating-callipers algorithm; the common shortcuts (box
aligned with a hull face, or with the PCA axes) are approximations that can miss the minimum,
and IBSI has no consensus reference value to validate them against for the CT phantom, so
radiome leaves them out rather than report a value that is not the defined one.

Undefined values are ``nan`` and say why in the docstrings: ratios with a zero denominator
(e.g. elongation of a single voxel, Moran's I of a constant ROI).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import fft as sfft

from radiome.errors import EmptyMaskError
from radiome.features import morphology_2d
from radiome.features.mesh import (
    convex_hull,
    ellipsoid_area,
    mask_mesh,
    max_diameter,
    mesh_area,
    mesh_volume,
    mvee_semi_axes,
    pca_eigenvalues,
    voxel_positions,
)
from radiome.features.registry import FamilySpec, FeatureSpec
from radiome.preprocess.crop import bounding_box

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = ["FAMILY", "compute", "morphology_features", "spatial_autocorrelation", "pca_eigenvalues"]

_MVEE_NOTE = (
    "IBSI reached no consensus reference value. The MVEE of the convex hull vertices is found by "
    "Khachiyan's algorithm with Todd-Yildirim away steps, run to convergence (epsilon 1e-4) "
    "instead of IBSI's stop at a weight change below 0.001, which leaves the ellipsoid ~0.4 % "
    "smaller than the enclosing one. The MVEE area uses IBSI's Legendre series (as for the AEE)."
)

_FEATURES_3D = (
    FeatureSpec("morph_volume", "volume", "RNU0",
                r"V = \left|\sum_{k=1}^{N_{fc}} "
                r"\frac{\mathbf{a}_k\cdot(\mathbf{b}_k\times\mathbf{c}_k)}{6}\right|"),
    FeatureSpec("morph_vol_approx", "volume_voxel_counting", "YEKZ",
                r"F_{morph.approx.vol} = \sum_{k=1}^{N_v} V_k"),
    FeatureSpec("morph_area_mesh", "surface_area", "C0JK",
                r"A = \sum_{k=1}^{N_{fc}} \frac{|\mathbf{ab}_k \times \mathbf{ac}_k|}{2}"),
    FeatureSpec("morph_av", "surface_to_volume_ratio", "2PR5", r"F_{morph.av} = \frac{A}{V}"),
    FeatureSpec("morph_comp_1", "compactness_1", "SKGS",
                r"F_{morph.comp.1} = \frac{V}{\pi^{1/2} A^{3/2}}"),
    FeatureSpec("morph_comp_2", "compactness_2", "BQWJ",
                r"F_{morph.comp.2} = 36\pi\frac{V^2}{A^3}"),
    FeatureSpec("morph_sph_dispr", "spherical_disproportion", "KRCK",
                r"F_{morph.sph.dispr} = \frac{A}{\left(36\pi V^2\right)^{1/3}}"),
    FeatureSpec("morph_sphericity", "sphericity", "QCFX",
                r"F_{morph.sphericity} = \frac{\left(36\pi V^2\right)^{1/3}}{A}"),
    FeatureSpec("morph_asphericity", "asphericity", "25C7",
                r"F_{morph.asphericity} = \left(\frac{1}{36\pi}\frac{A^3}{V^2}\right)^{1/3}-1"),
    FeatureSpec("morph_com", "centre_of_mass_shift", "KLMA",
                r"F_{morph.com} = \left\|\frac{1}{N_{v,m}}\sum_k \vec{X}_{c,k} - "
                r"\frac{\sum_k X_{gl,k}\vec{X}_{c,gl,k}}{\sum_k X_{gl,k}}\right\|_2"),
    FeatureSpec("morph_diam", "maximum_3d_diameter", "L0JK",
                r"F_{morph.diam} = \max_{k_1,k_2} \|\vec{X}_{vx,k_1}-\vec{X}_{vx,k_2}\|_2"),
    FeatureSpec("morph_pca_maj_axis", "major_axis_length", "TDIC",
                r"F_{morph.pca.major} = 4\sqrt{\lambda_{major}}"),
    FeatureSpec("morph_pca_min_axis", "minor_axis_length", "P9VJ",
                r"F_{morph.pca.minor} = 4\sqrt{\lambda_{minor}}"),
    FeatureSpec("morph_pca_least_axis", "least_axis_length", "7J51",
                r"F_{morph.pca.least} = 4\sqrt{\lambda_{least}}"),
    FeatureSpec("morph_pca_elongation", "elongation", "Q3CK",
                r"F_{morph.pca.elongation} = \sqrt{\frac{\lambda_{minor}}{\lambda_{major}}}"),
    FeatureSpec("morph_pca_flatness", "flatness", "N17B",
                r"F_{morph.pca.flatness} = \sqrt{\frac{\lambda_{least}}{\lambda_{major}}}"),
    FeatureSpec("morph_vol_dens_aabb", "volume_density_aabb", "PBX1",
                r"F_{morph.v.dens.aabb} = \frac{V}{V_{aabb}}"),
    FeatureSpec("morph_area_dens_aabb", "area_density_aabb", "R59B",
                r"F_{morph.a.dens.aabb} = \frac{A}{A_{aabb}}"),
    FeatureSpec("morph_vol_dens_aee", "volume_density_aee", "6BDE",
                r"F_{morph.v.dens.aee} = \frac{3V}{4\pi abc}"),
    FeatureSpec("morph_area_dens_aee", "area_density_aee", "RDD2",
                r"F_{morph.a.dens.aee} = \frac{A}{A_{aee}},\quad A_{aee} = 4\pi ab\sum_{\nu=0}^{20}"
                r"\frac{(\alpha\beta)^\nu}{1-4\nu^2}"
                r"P_\nu\left(\frac{\alpha^2+\beta^2}{2\alpha\beta}\right)"),
    FeatureSpec("morph_vol_dens_mvee", "volume_density_mvee", "SWZ1",
                r"F_{morph.v.dens.mvee} = \frac{V}{V_{mvee}},\quad V_{mvee} = \frac{4\pi abc}{3}",
                _MVEE_NOTE),
    FeatureSpec("morph_area_dens_mvee", "area_density_mvee", "BRI8",
                r"F_{morph.a.dens.mvee} = \frac{A}{A_{mvee}}", _MVEE_NOTE),
    FeatureSpec("morph_vol_dens_conv_hull", "volume_density_convex_hull", "R3ER",
                r"F_{morph.v.dens.conv.hull} = \frac{V}{V_{convex}}"),
    FeatureSpec("morph_area_dens_conv_hull", "area_density_convex_hull", "7T7F",
                r"F_{morph.a.dens.conv.hull} = \frac{A}{A_{convex}}"),
    FeatureSpec("morph_integ_int", "integrated_intensity", "99N0",
                r"F_{morph.integ.int} = V\,\frac{1}{N_{v,gl}}\sum_{k=1}^{N_{v,gl}} X_{gl,k}"),
    FeatureSpec("morph_moran_i", "morans_i", "N365",
                r"F_{morph.moran.i} = \frac{N_{v,gl}}{\sum_{k_1\neq k_2} w_{k_1k_2}}"
                r"\frac{\sum_{k_1\neq k_2} w_{k_1k_2}(X_{gl,k_1}-\mu)(X_{gl,k_2}-\mu)}"
                r"{\sum_k (X_{gl,k}-\mu)^2},\quad "
                r"w_{k_1k_2} = \|\vec{X}_{c,k_1}-\vec{X}_{c,k_2}\|_2^{-1}"),
    FeatureSpec("morph_geary_c", "gearys_c", "NPT7",
                r"F_{morph.geary.c} = \frac{N_{v,gl}-1}{2\sum_{k_1\neq k_2} w_{k_1k_2}}"
                r"\frac{\sum_{k_1\neq k_2} w_{k_1k_2}(X_{gl,k_1}-X_{gl,k_2})^2}"
                r"{\sum_k (X_{gl,k}-\mu)^2},\quad "
                r"w_{k_1k_2} = \|\vec{X}_{c,k_1}-\vec{X}_{c,k_2}\|_2^{-1}"),
)


def _div(num: float, den: float) -> float:
    return float(num / den) if den != 0 else float("nan")


def _even_fft_length(n: int) -> int:
    """Smallest even FFT-friendly length >= 2n - 1 (even, so the kernel is a DCT-I extension)."""
    length = sfft.next_fast_len(max(2 * n - 1, 2), real=True)
    while length % 2:
        length = sfft.next_fast_len(length + 1, real=True)
    return length


def _inverse_distance_spectrum(grid: tuple[int, ...], spacing: tuple[float, ...]) -> np.ndarray:
    """Real DFT (``rfftn`` layout) of the circular inverse-distance kernel :math:`1/d`, K(0)=0.

    Index ``k`` along an axis of even length ``L`` stands for the offset ``min(k, L - k)``
    voxels; with ``L >= 2n - 1`` every offset between two voxels of an ``n``-long box is
    represented once, so circular convolution equals linear convolution on the box. The kernel
    is even in every axis, so its DFT is real and equals the type-I DCT of one octant
    (offsets ``0 .. L/2``), which costs an eighth of a full transform.
    """
    axes = [(np.arange(length // 2 + 1) * step) ** 2 for length, step in zip(grid, spacing)]
    d2 = axes[0][:, None, None] + axes[1][None, :, None] + axes[2][None, None, :]
    d2[0, 0, 0] = np.inf
    octant = sfft.dctn(1.0 / np.sqrt(d2), type=1)
    # Mirror axes 0 and 1 to the full length (K^(k) = K^(L - k)); axis 2 is the rfft half.
    octant = np.concatenate([octant, octant[-2:0:-1]], axis=0)
    return np.concatenate([octant, octant[:, -2:0:-1]], axis=1)


def _half_spectrum_weights(length: int) -> np.ndarray:
    """Weights that turn a sum over the ``rfft`` half of the last axis into a full sum."""
    w = np.full(length // 2 + 1, 2.0)
    w[0] = 1.0
    if length % 2 == 0:
        w[-1] = 1.0
    return w


def spatial_autocorrelation(
    image: np.ndarray, mask: np.ndarray, spacing: tuple[float, float, float]
) -> tuple[float, float]:
    """Moran's I (N365) and Geary's C (NPT7) over all voxel pairs of ``mask``.

    With inverse-distance weights :math:`w_{ij} = 1/\\|\\vec{X}_i - \\vec{X}_j\\|` (mm,
    :math:`i \\neq j`), :math:`z_i = X_i - \\mu` on the ROI and 0 outside, :math:`m` the mask
    indicator and :math:`K` the kernel :math:`1/d` with :math:`K(0) = 0`:

    .. math::

        \\sum_{i\\neq j} w_{ij} z_i z_j = z\\cdot(K * z),\\qquad
        W = \\sum_{i\\neq j} w_{ij} = m\\cdot(K * m),

        \\sum_{i\\neq j} w_{ij}(X_i - X_j)^2 = 2\\sum_i z_i^2 (K*m)_i - 2\\,z\\cdot(K*z),

        I = \\frac{N}{W}\\frac{z\\cdot(K*z)}{\\sum_i z_i^2},\\qquad
        C = \\frac{N-1}{2W}\\frac{2\\sum_i z_i^2 (K*m)_i - 2\\,z\\cdot(K*z)}{\\sum_i z_i^2}

    The convolutions are exact circular convolutions over the mask's bounding box, padded to
    an even length of at least :math:`2n-1` voxels per axis, in float64, and the dot products
    are taken in the Fourier domain (Parseval), so three forward real FFTs do all the work.
    Geary's numerator uses the centred :math:`z` (it is translation invariant), which avoids
    cancellation for large intensities. The FFTs honour ``scipy.fft.set_workers``.

    Parameters
    ----------
    image : ndarray, (z, y, x)
        Intensities.
    mask : ndarray of bool, (z, y, x)
        The intensity mask.
    spacing : tuple of 3 float
        Voxel size ``(z, y, x)`` in mm.

    Returns
    -------
    (float, float)
        Moran's I and Geary's C; ``nan`` if the ROI has one voxel or constant intensities.
    """
    mask = np.asarray(mask, dtype=bool)
    box = bounding_box(mask)
    if box is None:
        raise EmptyMaskError("The intensity mask is empty: Moran's I and Geary's C are undefined.")
    m = mask[box].astype(np.float64)
    x = np.asarray(image, dtype=np.float64)[box]
    n_vox = float(m.sum())
    mu = float(x[mask[box]].mean())
    z = np.where(mask[box], x - mu, 0.0)
    sum_z2 = float((z * z).sum())

    grid = tuple(_even_fft_length(k) for k in m.shape)
    kernel_f = _inverse_distance_spectrum(grid, spacing) * _half_spectrum_weights(grid[2])
    kernel_f /= float(np.prod(grid))
    z_f = sfft.rfftn(z, s=grid)
    m_f = sfft.rfftn(m, s=grid)
    # Parseval: a . (K * b) = (1/L) sum_f conj(a^_f) K^_f b^_f (K^ real and even).
    s_zz = float(np.sum(kernel_f * (z_f.real**2 + z_f.imag**2)))
    w_sum = float(np.sum(kernel_f * (m_f.real**2 + m_f.imag**2)))
    del z_f
    z2_f = sfft.rfftn(z * z, s=grid)
    cross = float(np.sum(kernel_f * (z2_f.real * m_f.real + z2_f.imag * m_f.imag)))
    geary_num = 2.0 * cross - 2.0 * s_zz
    if w_sum <= 0 or sum_z2 == 0:
        return float("nan"), float("nan")
    moran = n_vox / w_sum * s_zz / sum_z2
    geary = (n_vox - 1.0) / (2.0 * w_sum) * geary_num / sum_z2
    return float(moran), float(geary)


def morphology_features(
    image: np.ndarray,
    intensity_mask: np.ndarray,
    morphology_mask: np.ndarray,
    spacing: tuple[float, float, float],
) -> dict[str, float]:
    """All IBSI 3D morphological features that radiome computes (family HCUG).

    Parameters
    ----------
    image : ndarray, (z, y, x)
        Intensities (used inside ``intensity_mask`` only).
    intensity_mask, morphology_mask : ndarray of bool, (z, y, x)
        The ROI after and before re-segmentation.
    spacing : tuple of 3 float
        Voxel size ``(z, y, x)`` in mm.

    Returns
    -------
    dict
        ``{ibsi_tag: value}`` for the features of :data:`FAMILY` (3D ones), lengths in mm.

    Raises
    ------
    EmptyMaskError
        If either mask is empty.
    """
    morph = np.asarray(morphology_mask, dtype=bool)
    inten = np.asarray(intensity_mask, dtype=bool)
    if not morph.any():
        raise EmptyMaskError("The morphological mask is empty: no morphological feature exists.")
    if not inten.any():
        raise EmptyMaskError(
            "The intensity mask is empty (re-segmentation removed every voxel): check the "
            "re-segmentation range."
        )
    spacing = tuple(float(s) for s in spacing)
    mesh = mask_mesh(morph, spacing)
    vol = mesh_volume(mesh)
    area = mesh_area(mesh)
    voxel_volume = float(np.prod(spacing))
    out: dict[str, float] = {
        "morph_volume": vol,
        "morph_vol_approx": float(morph.sum()) * voxel_volume,
        "morph_area_mesh": area,
        "morph_av": _div(area, vol),
        "morph_comp_1": _div(vol, np.sqrt(np.pi) * area**1.5),
        "morph_comp_2": _div(36.0 * np.pi * vol**2, area**3),
        "morph_sph_dispr": _div(area, (36.0 * np.pi * vol**2) ** (1.0 / 3.0)),
        "morph_sphericity": _div((36.0 * np.pi * vol**2) ** (1.0 / 3.0), area),
        "morph_asphericity": _div(area**3, 36.0 * np.pi * vol**2) ** (1.0 / 3.0) - 1.0,
    }

    # Centre of mass shift: geometric centre of the morphological mask vs intensity-weighted.
    pos_morph = voxel_positions(morph, spacing)
    pos_int = voxel_positions(inten, spacing)
    values = np.asarray(image, dtype=np.float64)[inten]
    weight = float(values.sum())
    com_gl = (pos_int * values[:, None]).sum(axis=0) / weight if weight != 0 else np.nan
    out["morph_com"] = float(np.linalg.norm(pos_morph.mean(axis=0) - com_gl))

    hull = convex_hull(mesh.vertices)
    hull_points = mesh.vertices[hull.vertices]
    out["morph_diam"] = max_diameter(hull_points, on_hull=True)

    lam = pca_eigenvalues(pos_morph)
    axes = 4.0 * np.sqrt(lam)
    out["morph_pca_maj_axis"] = float(axes[0])
    out["morph_pca_min_axis"] = float(axes[1])
    out["morph_pca_least_axis"] = float(axes[2])
    out["morph_pca_elongation"] = float(np.sqrt(_div(lam[1], lam[0])))
    out["morph_pca_flatness"] = float(np.sqrt(_div(lam[2], lam[0])))

    extent = hull_points.max(axis=0) - hull_points.min(axis=0)
    out["morph_vol_dens_aabb"] = _div(vol, float(np.prod(extent)))
    out["morph_area_dens_aabb"] = _div(
        area, 2.0 * float(extent[0] * extent[1] + extent[1] * extent[2] + extent[0] * extent[2])
    )

    semi = axes / 2.0
    out["morph_vol_dens_aee"] = _div(3.0 * vol, 4.0 * np.pi * float(np.prod(semi)))
    out["morph_area_dens_aee"] = _div(area, ellipsoid_area(*semi))

    mvee = mvee_semi_axes(hull_points)
    out["morph_vol_dens_mvee"] = _div(3.0 * vol, 4.0 * np.pi * float(np.prod(mvee)))
    out["morph_area_dens_mvee"] = _div(area, ellipsoid_area(*mvee))

    out["morph_vol_dens_conv_hull"] = _div(vol, float(hull.volume))
    out["morph_area_dens_conv_hull"] = _div(area, float(hull.area))

    out["morph_integ_int"] = vol * float(values.mean())
    out["morph_moran_i"], out["morph_geary_c"] = spatial_autocorrelation(image, inten, spacing)
    return out


def compute(roi: "ROI", settings: "ExtractionSettings") -> dict[str, float]:
    """Morphological features of ``roi``: the IBSI 3D set, or the 2D shape set if ``is_2d``.

    ``settings`` is not used: morphology depends on no extraction setting beyond the
    preprocessing that produced ``roi``.
    """
    del settings
    if roi.is_2d:
        return morphology_2d.shape_features_2d(roi.morphology_mask, roi.spacing)
    return morphology_features(roi.image, roi.intensity_mask, roi.morphology_mask, roi.spacing)


FAMILY = FamilySpec(
    name="morphology",
    ibsi_code="HCUG",
    features=_FEATURES_3D + morphology_2d.FEATURES_2D,
    compute=compute,
)
