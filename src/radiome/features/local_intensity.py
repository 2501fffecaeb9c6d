r"""Local intensity features (IBSI 1, section 3.2, family 9ST6): local and global peak.

Both are means over a 1 cm\ :sup:`3` sphere in world coordinates, radius
:math:`r = (3/(4\pi))^{1/3}` cm :math:`\approx 6.2035` mm: the sphere holds every voxel whose
centre lies within :math:`r` (Euclidean distance in mm, anisotropic spacing allowed) of the
centre voxel, inside or outside the ROI. Only the centre voxels come from the intensity mask.
Where the sphere reaches past the edge of the image, only voxels that exist count: the mean
is the sum over the existing voxels divided by their number. For a single-slice image that
leaves the disc of radius :math:`r` in the slice.

Why hand-written: the spherical mean filter is a plain convolution (SciPy's
``fftconvolve``), but no library applies IBSI's sphere, border rule and peak selection. The
:class:`~radiome.features.roi.ROI` image must include the voxels around the ROI: the
pipeline crops it with a margin of at least 10 mm (> :math:`r`) around the morphological mask,
clipped at the image border, so the crop edge is never mistaken for the image edge except
where it is the image edge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.signal import fftconvolve

from radiome.errors import EmptyMaskError
from radiome.features.registry import FamilySpec, FeatureSpec
from radiome.preprocess.crop import crop_box

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = [
    "FAMILY", "PEAK_RADIUS_MM", "compute", "sphere_kernel", "local_mean_map", "peak_features",
]

#: Radius in mm of a 1 cm^3 sphere: 10 (3 / (4 pi))^(1/3).
PEAK_RADIUS_MM = 10.0 * (3.0 / (4.0 * np.pi)) ** (1.0 / 3.0)

_SPHERE = (
    r"S_r(k) = \{j : \|\vec{X}_{c,j} - \vec{X}_{c,k}\|_2 \le r\},\ "
    r"r = (3/(4\pi))^{1/3}\,\mathrm{cm}"
)
_BORDER = (
    "Where the sphere reaches past the image edge only existing voxels count (mean over them); "
    "for a single-slice image the sphere is the disc of radius r in the slice."
)

_FEATURES = (
    FeatureSpec(
        "loc_peak_loc", "local_intensity_peak", "VJGA",
        r"F_{loc.peak.local} = \max_{k:\,X_k = \max X_{gl}} "
        r"\frac{1}{|S_r(k)|}\sum_{j\in S_r(k)} X_j,\quad " + _SPHERE,
        _BORDER,
    ),
    FeatureSpec(
        "loc_peak_glob", "global_intensity_peak", "0F91",
        r"F_{loc.peak.global} = \max_{k \in \mathrm{ROI}} "
        r"\frac{1}{|S_r(k)|}\sum_{j\in S_r(k)} X_j,\quad " + _SPHERE,
        _BORDER,
    ),
)


def sphere_kernel(
    spacing: tuple[float, float, float], radius: float = PEAK_RADIUS_MM
) -> np.ndarray:
    """Boolean kernel of the voxels whose centres lie within ``radius`` mm of the centre voxel.

    Parameters
    ----------
    spacing : tuple of 3 float
        Voxel size ``(z, y, x)`` in mm.
    radius : float
        Sphere radius in mm (default: that of a 1 cm\\ :sup:`3` sphere).

    Returns
    -------
    ndarray of bool, shape ``(2 h_z + 1, 2 h_y + 1, 2 h_x + 1)`` with
    ``h = floor(radius / spacing)``.

    Examples
    --------
    >>> int(sphere_kernel((2.0, 2.0, 2.0)).sum())  # offsets with |m| <= 3.10 voxels
    123
    """
    half = [int(np.floor(radius / s + 1e-9)) for s in spacing]
    axes = [np.arange(-h, h + 1) * s for h, s in zip(half, spacing)]
    d2 = axes[0][:, None, None] ** 2 + axes[1][None, :, None] ** 2 + axes[2][None, None, :] ** 2
    return d2 <= radius**2 * (1.0 + 1e-12)


def local_mean_map(
    image: np.ndarray, mask: np.ndarray, spacing: tuple[float, float, float]
) -> np.ndarray:
    """Spherical mean around every voxel of ``mask``; ``nan`` outside it.

    .. math:: \\bar{X}_k = \\frac{\\sum_{j \\in S_r(k)} X_j}{|S_r(k)|}

    with :math:`S_r(k)` the existing image voxels within :math:`r` of voxel :math:`k`. Sums and
    counts are FFT convolutions over the mask's bounding box grown by the kernel's half-width
    (clipped at the array), so voxels beyond the array count as absent.
    """
    img = np.asarray(image, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        raise EmptyMaskError("The intensity mask is empty: local intensity peaks are undefined.")
    kernel = sphere_kernel(spacing).astype(np.float64)
    box = crop_box(mask, [h // 2 for h in kernel.shape])
    sums = fftconvolve(img[box], kernel, mode="same")
    counts = np.rint(fftconvolve(np.ones(img[box].shape), kernel, mode="same"))
    out = np.full(img.shape, np.nan)
    sub = mask[box]
    out[box][sub] = sums[sub] / counts[sub]
    return out


def peak_features(
    image: np.ndarray, mask: np.ndarray, spacing: tuple[float, float, float]
) -> dict[str, float]:
    """Local (VJGA) and global (0F91) intensity peaks.

    The local peak is the spherical mean around the voxel of maximum intensity in ``mask``
    (the highest such mean if several voxels share the maximum); the global peak is the
    highest spherical mean around any voxel of ``mask``.

    Parameters
    ----------
    image : ndarray, (z, y, x)
        All intensities of the (cropped) image, also outside the ROI.
    mask : ndarray of bool, (z, y, x)
        The intensity mask.
    spacing : tuple of 3 float
        Voxel size ``(z, y, x)`` in mm.
    """
    means = local_mean_map(image, mask, spacing)
    mask = np.asarray(mask, dtype=bool)
    img = np.asarray(image, dtype=np.float64)
    at_max = mask & (img == img[mask].max())
    return {
        "loc_peak_loc": float(means[at_max].max()),
        "loc_peak_glob": float(means[mask].max()),
    }


def compute(roi: "ROI", settings: "ExtractionSettings") -> dict[str, float]:
    """Local intensity features of ``roi`` (``settings`` is not used)."""
    del settings
    return peak_features(roi.image, roi.intensity_mask, roi.spacing)


FAMILY = FamilySpec(name="local_intensity", ibsi_code="9ST6", features=_FEATURES, compute=compute)
