"""Filtered image variants: response maps and the ROI their features are computed from (IBSI 2).

IBSI 2 (arXiv:2006.05470, chapter "Image processing" and phase 2) places filtering inside the
IBSI 1 processing chain as follows, and :func:`radiome.extraction.extract` follows it:

::

    image, mask  ->  interpolate image (+ round CT intensities), interpolate and threshold mask
                 ->  re-segment the intensity mask on the ORIGINAL (interpolated) intensities
                 ->  filter the whole interpolated image: response map
                 ->  features of the response map inside the same (re-segmented) ROI

* The filter sees the whole interpolated image (:attr:`PreparedCase.image`), not the crop
  around the ROI, so that voxels near the ROI get the same response as in a tool that filters
  the full image; only then is the response map cropped to the ROI's box.
* Re-segmentation ranges are intensities of the original image (HU for CT): the intensity mask
  of a response map is the one of the original image (IBSI 2 phase 2 re-segments the CT to
  [-1000, 400] HU before any filter; MIRP and others do the same).
* Morphology is never computed from a response map (mask-based, unchanged by filtering).
  Response maps have arbitrary units, so the intensity histogram and texture families use
  ``settings.response_map_discretisation`` (fixed bin number by default) and the
  intensity-volume histogram a fixed bin number; the IVH range is the ROI's, not the
  re-segmentation range.

Hand-written: this is bookkeeping between radiome's preprocessing and its filter functions.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from radiome.errors import ConfigError, DimensionalityError
from radiome.io.image import Image

if TYPE_CHECKING:
    from radiome.config.filters import FilterSettings
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI
    from radiome.preprocess.pipeline import PreparedCase

__all__ = [
    "apply_filter",
    "filter_for_image",
    "filters_for_image",
    "response_map_settings",
    "response_map_roi",
    "filter_function",
    "FILTER_FUNCTIONS",
    "RIESZ_LOG_FUNCTION",
]

#: Filter kind -> (module, function) that computes its response map.
FILTER_FUNCTIONS: dict[str, tuple[str, str]] = {
    "mean": ("radiome.filters.mean", "mean_filter"),
    "log": ("radiome.filters.log", "laplacian_of_gaussian"),
    "laws": ("radiome.filters.laws", "laws_filter"),
    "gabor": ("radiome.filters.gabor", "gabor_filter"),
    "wavelet": ("radiome.filters.wavelets", "wavelet_filter"),
    "simoncelli": ("radiome.filters.simoncelli", "simoncelli_filter"),
}


#: The Riesz-transformed Laplacian of Gaussian (a LoG with ``riesz_order``).
RIESZ_LOG_FUNCTION: tuple[str, str] = ("radiome.filters.simoncelli", "riesz_log_filter")


def filter_function(settings: "FilterSettings") -> tuple[str, str]:
    """(module, function) that computes the response map of ``settings``."""
    if settings.kind == "log" and settings.riesz_order is not None:
        return RIESZ_LOG_FUNCTION
    return FILTER_FUNCTIONS[settings.kind]


def _function(settings: "FilterSettings"):  # type: ignore[no-untyped-def]
    import importlib

    module, name = filter_function(settings)
    return getattr(importlib.import_module(module), name)


def apply_filter(image: Image, settings: "FilterSettings") -> Image:
    """The response map of ``image`` under one filter of the extraction settings.

    Dispatches to the filter function of ``settings.kind`` (:mod:`radiome.filters.mean`,
    ``log``, ``laws``, ``gabor``, ``wavelets``, ``simoncelli``) with every option of the
    settings; see those functions for the definitions (IBSI 2).

    Parameters
    ----------
    image : Image
        Input ``(z, y, x)``; not modified.
    settings : FilterSettings
        One entry of ``ExtractionSettings.filters`` (or a filter model built directly).

    Returns
    -------
    Image
        The response map on the grid of ``image``; its history ends with the filter's step
        and ``metadata['variant']`` holds the variant name (``settings.name``).

    Raises
    ------
    DimensionalityError
        A 3D filter asked of a single-slice image.
    ConfigError
        Parameters the filter function refuses.

    Examples
    --------
    >>> import numpy as np
    >>> from radiome.config.filters import MeanFilterSettings
    >>> img = Image(np.arange(27.0).reshape(3, 3, 3))
    >>> float(apply_filter(img, MeanFilterSettings(support=3)).array[1, 1, 1])
    13.0
    """
    s = settings
    kind = s.kind
    fn = _function(s)
    if kind == "mean":
        out = fn(image, s.support, dimensions=s.dimensions, boundary=s.boundary)
    elif kind == "log" and s.riesz_order is not None:
        out = fn(image, s.sigma_mm, s.riesz_order, truncate=s.truncate, dimensions=s.dimensions, boundary=s.boundary)
    elif kind == "log":
        out = fn(image, s.sigma_mm, truncate=s.truncate, dimensions=s.dimensions, boundary=s.boundary)
    elif kind == "laws":
        out = fn(
            image, s.kernels, dimensions=s.dimensions, boundary=s.boundary,
            rotation_invariant=s.rotation_invariant, pooling=s.pooling, energy_distance=s.energy_distance,
        )
    elif kind == "gabor":
        out = fn(
            image, s.sigma_mm, s.lambda_mm, gamma=s.gamma, theta_deg=s.theta_deg,
            rotation_invariant=s.rotation_invariant, theta_step_deg=s.theta_step_deg, pooling=s.pooling,
            response=s.response, dimensions=s.dimensions, boundary=s.boundary, truncate=s.truncate,
        )
    elif kind == "wavelet":
        out = fn(
            image, s.wavelet, s.response, level=s.level, rotation_invariant=s.rotation_invariant,
            pooling=s.pooling, dimensions=s.dimensions, boundary=s.boundary,
        )
    elif kind == "simoncelli":
        out = fn(image, s.level, dimensions=s.dimensions, boundary=s.boundary, riesz_order=s.riesz_order)
    else:  # pragma: no cover - the settings union admits no other kind
        raise ValueError(f"unknown filter kind {kind!r}")
    metadata = dict(out.metadata)
    metadata["variant"] = s.name
    return replace(out, metadata=metadata)


def filter_for_image(settings: "FilterSettings", image: Image) -> "FilterSettings":
    """``settings`` checked against the image's dimensionality.

    For a single-slice (2D) image, a filter whose ``dimensions`` were not set explicitly
    becomes ``'2D'`` (as texture dimensions do); an explicit ``'3D'`` filter, or a Laws kernel
    or wavelet written for 3D (three 1D kernels or letters), raises.

    Raises
    ------
    DimensionalityError
        A 3D filter asked of a 2D image, with what to change.
    """
    if not image.is_2d or settings.dimensions == "2D":
        return settings
    riesz = getattr(settings, "riesz_order", None)
    explicit = "dimensions" in settings.model_fields_set
    if "dimensions" in type(settings).model_fields and not explicit and riesz is None:
        return settings.model_copy(update={"dimensions": "2D"})
    if settings.kind == "laws":
        fix = "use two 1D kernels (e.g. 'L5E5') for a 2D Laws filter"
    elif settings.kind == "wavelet":
        fix = "use a two-letter response (e.g. 'LH') for a 2D wavelet"
    elif riesz is not None and not explicit:
        fix = "set dimensions: '2D' and a two-entry riesz_order (l_x, l_y)"
    else:
        fix = "set dimensions: '2D'"
    raise DimensionalityError(
        f"filter '{settings.name}' is 3D but the image is 2D (a single slice); {fix}"
    )


def filters_for_image(settings: "ExtractionSettings", image: Image) -> tuple["FilterSettings", ...]:
    """Every filter of ``settings`` checked by :func:`filter_for_image` (before any work starts).

    Raises
    ------
    DimensionalityError
        A 3D filter asked of a 2D image.
    ConfigError
        Two filters that name the same variant once adapted to a 2D image.
    """
    out = tuple(filter_for_image(f, image) for f in settings.filters)
    names = [f.name for f in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(
            f"on this 2D image several filters become the same variant {dup}: remove the duplicates "
            "or set column_prefix on them"
        )
    return out


def response_map_settings(settings: "ExtractionSettings") -> "ExtractionSettings":
    """The settings the feature families see for a response map.

    ``discretisation`` becomes ``settings.response_map_discretisation`` and
    ``ivh_discretisation`` a fixed bin number (``ivh_discretisation.n_bins`` when it is
    already 'fbn', else 1000): response maps have arbitrary units (IBSI 1, section 3.5).
    """
    from radiome.config.settings import DiscretisationSettings

    ivh = settings.ivh_discretisation
    n_ivh = ivh.n_bins if ivh.method == "fbn" and ivh.n_bins else 1000
    return settings.model_copy(update={
        "discretisation": settings.response_map_discretisation,
        "ivh_discretisation": DiscretisationSettings(method="fbn", n_bins=n_ivh),
    })


def response_map_roi(case: "PreparedCase", response: Image, settings: "ExtractionSettings") -> "ROI":
    """The ROI of a response map: the case's ROI with the response map's intensities.

    The response map (on the grid of ``case.image``) is cropped to the box of ``case.roi``
    (the morphological mask plus :data:`radiome.preprocess.pipeline.CROP_MARGIN_MM`); the
    intensity and morphological masks are the case's (re-segmented on the original
    intensities); the grey levels are re-discretised inside the intensity mask with
    ``settings.response_map_discretisation``; the re-segmentation range is dropped (it is in
    units of the original image).

    Raises
    ------
    GeometryError
        When ``response`` is not on the grid of ``case.image``.
    """
    from radiome.io.image import check_same_grid
    from radiome.preprocess.crop import crop_box, margin_voxels
    from radiome.preprocess.discretise import discretise
    from radiome.preprocess.pipeline import CROP_MARGIN_MM

    check_same_grid(case.image, response, what="response map")
    box = crop_box(case.morphology_mask.array, margin_voxels(case.image.spacing, CROP_MARGIN_MM))
    values = np.array(response.array[box], dtype=np.float64)
    if values.shape != case.roi.image.shape:  # pragma: no cover - guards a change in prepare()
        raise AssertionError(f"response map crop {values.shape} differs from the ROI crop {case.roi.image.shape}")
    values.setflags(write=False)
    disc = settings.response_map_discretisation
    d = discretise(
        values, case.roi.intensity_mask, disc.method,
        n_bins=disc.n_bins, bin_width=disc.bin_width, lower_bound=disc.lower_bound,
    )
    levels = d.levels
    levels.setflags(write=False)
    return replace(case.roi, image=values, levels=levels, n_levels=int(d.n_levels), resegmentation_range=None)
