"""Seeded synthetic phantoms for demos, tests and benchmarks.

Nothing here is patient data: every image is generated from a seed, so a demo or a test is
reproducible on any machine without downloads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from radiome.io.image import Image, Mask

__all__ = ["sphere_phantom", "write_phantom"]


def sphere_phantom(
    seed: int = 0,
    shape: tuple[int, int, int] = (40, 96, 96),
    spacing: tuple[float, float, float] = (2.5, 0.8, 0.8),
    radius_mm: float = 22.0,
    modality: str = "CT",
) -> tuple[Image, Mask]:
    """A CT-like phantom: a lobulated, heterogeneous lesion in soft tissue.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives the same phantom.
    shape : tuple of int
        Array shape (z, y, x).
    spacing : tuple of float
        Voxel size (z, y, x) in mm (anisotropic by default, as in clinical CT).
    radius_mm : float
        Mean radius of the lesion in mm.
    modality : str
        Stored modality; intensities are in HU-like units.

    Returns
    -------
    (Image, Mask)
        The image (background ~40 HU with noise, lesion ~ -50..150 HU with a necrotic core)
        and the lesion mask.
    """
    rng = np.random.default_rng(seed)
    zz, yy, xx = np.meshgrid(*[(np.arange(n) - (n - 1) / 2) * s for n, s in zip(shape, spacing)], indexing="ij")
    r = np.sqrt(zz**2 + yy**2 + xx**2)
    theta = np.arctan2(yy, xx)
    phi = np.arccos(np.clip(zz / np.maximum(r, 1e-9), -1, 1))
    a = rng.uniform(0.05, 0.15, size=3)
    k = rng.integers(2, 6, size=3)
    boundary = radius_mm * (1 + a[0] * np.sin(k[0] * theta) + a[1] * np.cos(k[1] * phi) + a[2] * np.sin(k[2] * (theta + phi)))
    lesion = r <= boundary
    texture = ndimage.gaussian_filter(rng.normal(0, 1, shape), sigma=(1.0, 2.0, 2.0))
    texture /= texture.std() + 1e-12
    image = 40.0 + 12.0 * rng.normal(0, 1, shape)
    core = r <= 0.45 * boundary
    image = np.where(lesion, 70.0 + 35.0 * texture - 0.8 * r, image)
    image = np.where(core, 15.0 + 10.0 * texture, image)
    image = np.round(image)
    img = Image(image, spacing=spacing, origin=(0.0, 0.0, 0.0), modality=modality,
                metadata={"source": f"radiome synthetic phantom, seed {seed}"})
    msk = Mask(lesion, spacing=spacing, origin=(0.0, 0.0, 0.0), name="lesion",
               metadata={"source": f"radiome synthetic phantom, seed {seed}"})
    return img, msk


def write_phantom(folder: str | Path, seed: int = 0) -> tuple[Path, Path]:
    """Write :func:`sphere_phantom` as ``image.nii.gz`` and ``mask.nii.gz`` into ``folder``."""
    from radiome.io.writers import write_image, write_mask

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    img, msk = sphere_phantom(seed=seed)
    ip, mp = out / "image.nii.gz", out / "mask.nii.gz"
    write_image(img, ip)
    write_mask(msk, mp)
    return ip, mp
