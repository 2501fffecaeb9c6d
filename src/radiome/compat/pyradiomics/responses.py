"""PyRadiomics' LoG and wavelet responses as arrays, for the PyRadiomics-compatible extractor.

The extractor filters the pre-processed SimpleITK image directly, as PyRadiomics does, and
keeps every response in the image's pixel type (float32 for a float32 image), so no float64
copy of a response is made. :mod:`radiome.compat.pyradiomics.imagetypes` wraps these in
radiome :class:`~radiome.io.image.Image` values (``log_images``, ``wavelet_images``); the
definitions and PyRadiomics' rules (sizes that skip a sigma, odd sizes padded by wrapping)
are documented there. This module imports neither radiome's I/O stack nor SciPy.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from radiome.errors import ConfigError

__all__ = ["check_dimension", "log_name", "log_arrays", "wavelet_arrays"]


def check_dimension(value: Any, nd: int, what: str) -> int:
    """``value`` as an array axis of an ``nd``-dimensional image, else ConfigError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < nd:
        raise ConfigError(
            f"{what} must be an array axis 0..{nd - 1} (0 = slices), got {value!r}; set it in "
            "the parameter file's setting section."
        )
    return int(value)


def log_name(sigma: Any) -> str:
    """PyRadiomics' column prefix of a LoG sigma, the value kept as given (``1`` or ``1.0``)."""
    return "log-sigma-%s-mm-3D" % str(sigma).replace(".", "-")


def log_arrays(
    source: Any, shape: tuple[int, ...], spacing: tuple[float, ...], sigmas: Any
) -> Iterator[tuple[str, np.ndarray, float]]:
    """PyRadiomics' LoG (``imagetypes.log_images``) on a SimpleITK image.

    Yields ``(name, response array, sigma)`` per computed sigma.

    ``source`` is the SimpleITK image, or a function returning it (called only if some sigma
    is computed); ``shape`` and ``spacing`` are its array shape and spacing, ``(z, y, x)``.
    """
    import SimpleITK as sitk

    size = np.array(tuple(shape)[::-1])
    spacing = np.array(tuple(spacing)[::-1])
    if np.min(size) < 4:
        warnings.warn(
            f"LoG image type skipped: PyRadiomics needs at least 4 voxels along every axis, "
            f"the image has size (x, y, z) {tuple(int(s) for s in size)}.",
            UserWarning,
            stacklevel=3,
        )
        return
    if isinstance(sigmas, (int, float)):
        sigmas = [sigmas]
    sitk_image = None
    for sigma in sigmas:
        if not sigma > 0.0:
            warnings.warn(f"LoG sigma {sigma!r} skipped: sigma must be > 0 mm.", UserWarning, stacklevel=3)
            continue
        if not np.all(size >= np.ceil(sigma / spacing) + 1):
            warnings.warn(
                f"LoG sigma {sigma} mm skipped: PyRadiomics needs ceil(sigma / spacing) + 1 voxels "
                f"along every axis (spacing {tuple(spacing.round(4))} mm, size "
                f"{tuple(int(s) for s in size)}).",
                UserWarning,
                stacklevel=3,
            )
            continue
        if sitk_image is None:
            sitk_image = source() if callable(source) else source
        lrgif = sitk.LaplacianRecursiveGaussianImageFilter()
        lrgif.SetNormalizeAcrossScale(True)
        lrgif.SetSigma(float(sigma))
        yield log_name(sigma), sitk.GetArrayFromImage(lrgif.Execute(sitk_image)), sigma


def wavelet_arrays(
    data: np.ndarray, wavelet: Any, start_level: int, level: int, force2D: bool, force2Ddimension: int, nd: int
) -> Iterator[tuple[str, np.ndarray, dict[str, Any]]]:
    """PyRadiomics' wavelets (``imagetypes.wavelet_images``) on an array in the pixel type.

    Yields ``(name, response, params)`` per decomposition.
    """
    import pywt

    if isinstance(wavelet, str) and wavelet not in pywt.wavelist(kind="discrete"):
        raise ConfigError(
            f"wavelet {wavelet!r} is not a discrete PyWavelets wavelet; use one of "
            f"pywt.wavelist(kind='discrete'), e.g. 'coif1', 'haar', 'db2'."
        )
    for key, value, low in (("start_level", start_level, 0), ("level", level, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ConfigError(f"wavelet {key} must be an integer >= {low}, got {value!r}.")
    axes = list(range(nd - 1, -1, -1))
    if force2D:
        axes.remove(check_dimension(force2Ddimension, nd, "force2Ddimension"))
    axes_t = tuple(axes)
    approx_key = "a" * len(axes)

    original_shape = data.shape
    padding = tuple((0, 1 if n % 2 != 0 else 0) for n in original_shape)
    crop = tuple(slice(None, -1 if n % 2 != 0 else None) for n in original_shape)
    data = np.pad(data, padding, "wrap")
    wl = wavelet if isinstance(wavelet, pywt.Wavelet) else pywt.Wavelet(wavelet)
    params = {"wavelet": wl.name, "start_level": int(start_level), "level": int(level)}

    for _ in range(start_level):
        data = pywt.swtn(data, wl, level=1, start_level=0, axes=axes_t)[0][approx_key].copy()

    for idx in range(1, level + 1):
        dec = pywt.swtn(data, wl, level=1, start_level=0, axes=axes_t)[0]
        data = dec[approx_key].copy()
        for key, values in dec.items():
            if key == approx_key:
                continue
            combo = key.replace("a", "L").replace("d", "H")
            name = f"wavelet-{combo}" if idx == 1 else f"wavelet{idx}-{combo}"
            yield name, values[crop], {**params, "decomposition": combo}

    combo = "L" * len(axes)
    name = f"wavelet-{combo}" if level == 1 else f"wavelet{level}-{combo}"
    yield name, data[crop], {**params, "decomposition": combo}
