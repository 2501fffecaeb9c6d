"""Filtered image variants: response maps and the ROI their features are computed from (IBSI 2).

IBSI 2 (arXiv:2006.05470, chapter "Image processing" and phase 2) places filtering inside the
IBSI 1 processing chain as follows, and :func:`radiome.extraction.extract` follows it:

::

    image, mask  ->  interpolate image (+ round CT intensities), interpolate and threshold mask
                 ->  re-segment the intensity mask on the ORIGINAL (interpolated) intensities
                 ->  filter the interpolated image (around the ROI): response map
                 ->  features of the response map inside the same (re-segmented) ROI

* Each filter sees the interpolated image around the ROI with enough context that voxels
  in the ROI's crop get the same response as in a tool that filters the full image: the
  preprocessing (:func:`radiome.preprocess.pipeline.prepare`) interpolates only the ROI's
  box plus :data:`~radiome.preprocess.pipeline.CROP_MARGIN_MM` plus the largest filter
  support (:func:`filter_margin_voxels`), and takes an axis whole where that reaches the
  image border (boundary conditions then act on the true border). Fourier-domain filters
  (Simoncelli, Riesz) depend on the whole image and get it. The response map is then cropped
  to the ROI's box (:func:`response_map_roi`). The filters should run on
  ``PreparedCase.working_image``; a response of the whole image (``PreparedCase.image``, an
  interpolation of the whole grid on first access) gives the same ROI, more slowly. Values are
  bit for bit those of filtering the whole image for the LoG, separable wavelets and plain
  Laws kernels; the mean filter and Laws energy maps (running sums) and Gabor (FFT) agree to
  rounding (about 1e-13 relative).
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
    "filter_margin_voxels",
    "filters_margin_voxels",
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


def filter_margin_voxels(settings: "FilterSettings", spacing_zyx: tuple[float, float, float]) -> tuple[int, int, int] | None:
    """Voxels ``(z, y, x)`` of context on each side that a filter's response at a voxel depends on.

    The response of a convolution filter at a voxel depends only on the voxels within half
    its support; cascades (separable 1D passes, wavelet levels, a Laws energy map after the
    Laws response) add their half-supports:

    .. math::

        m_a = \\sum_{k} \\left\\lfloor \\frac{M_{k,a}}{2} \\right\\rfloor

    per filter kind (all in voxels of the image grid, ``s_a`` the spacing along axis ``a``):
    mean: :math:`(M - 1)/2`; LoG: :math:`\\lfloor t \\sigma / s_a + 0.5 \\rfloor`
    (:func:`radiome.filters.log.log_support`); Laws: the longest 1D kernel's half-length
    (all axes, as rotations move kernels between axes) plus the energy distance
    :math:`\\delta`; Gabor: :math:`\\max(1, \\lceil t \\sigma \\max(1, 1/\\gamma) / s_a \\rceil)`
    (:func:`radiome.filters.gabor.gabor_kernel`); separable wavelets at level :math:`J`:
    :math:`h (2^{J} - 1)` with :math:`h` the centred filter's half-length (a trous levels
    double the reach). Slice-by-slice (2D) filters need no context along ``z``.

    Parameters
    ----------
    settings : FilterSettings
    spacing_zyx : tuple of 3 float
        Voxel size of the image the filter runs on, in mm.

    Returns
    -------
    tuple of 3 int, or None
        ``None`` for the Fourier-domain filters (Simoncelli wavelets, Riesz transforms), whose
        response at every voxel depends on the whole image.

    Examples
    --------
    >>> from radiome.config.filters import LoGFilterSettings, MeanFilterSettings
    >>> filter_margin_voxels(LoGFilterSettings(sigma_mm=3.0), (1.0, 1.0, 1.0))
    (12, 12, 12)
    >>> filter_margin_voxels(MeanFilterSettings(support=5, dimensions="2D"), (3.0, 1.0, 1.0))
    (0, 2, 2)
    """
    import math

    from radiome.filters.boundary import filter_axes

    s = settings
    if s.kind == "simoncelli" or getattr(s, "riesz_order", None) is not None:
        return None
    axes = filter_axes(s.dimensions)
    margin = [0, 0, 0]
    for a in axes:
        sp = float(spacing_zyx[a])
        if s.kind == "mean":
            m = (s.support - 1) // 2
        elif s.kind == "log":
            from radiome.filters.log import log_support

            m = (log_support(s.sigma_mm / sp, s.truncate) - 1) // 2
        elif s.kind == "laws":
            from radiome.filters.laws import laws_kernel_1d

            m = max(len(laws_kernel_1d(k)) // 2 for k in s.kernel_list) + (s.energy_distance or 0)
        elif s.kind == "gabor":
            reach = s.truncate * s.sigma_mm * max(1.0, 1.0 / s.gamma)
            m = max(1, int(math.ceil(reach / sp - 1e-9)))
        elif s.kind == "wavelet":
            from radiome.filters.wavelets import wavelet_taps

            half = max(len(wavelet_taps(s.wavelet, "L")), len(wavelet_taps(s.wavelet, "H"))) // 2
            m = half * (2**s.level - 1)
        else:  # pragma: no cover - the settings union admits no other kind
            return None
        margin[a] = int(m)
    return margin[0], margin[1], margin[2]


def filters_margin_voxels(
    filters: "tuple[FilterSettings, ...]", spacing_zyx: tuple[float, float, float]
) -> tuple[int, int, int] | None:
    """The largest :func:`filter_margin_voxels` of ``filters`` per axis; ``None`` if any needs the whole image.

    ``(0, 0, 0)`` when there is no filter.
    """
    out = [0, 0, 0]
    for f in filters:
        m = filter_margin_voxels(f, spacing_zyx)
        if m is None:
            return None
        out = [max(a, b) for a, b in zip(out, m)]
    return out[0], out[1], out[2]


def response_map_roi(case: "PreparedCase", response: Image, settings: "ExtractionSettings") -> "ROI":
    """The ROI of a response map: the case's ROI with the response map's intensities.

    The response map (of ``case.working_image``, the interpolated image around the ROI, or of
    the whole interpolated image ``case.image``) is cropped to the box of ``case.roi`` (the
    morphological mask plus :data:`radiome.preprocess.pipeline.CROP_MARGIN_MM`); the
    intensity and morphological masks are the case's (re-segmented on the original
    intensities); the grey levels are re-discretised inside the intensity mask with
    ``settings.response_map_discretisation``; the re-segmentation range is dropped (it is in
    units of the original image).

    Raises
    ------
    GeometryError
        When ``response`` is on neither the grid of ``case.working_image`` nor that of
        ``case.image``.
    """
    from radiome.errors import GeometryError
    from radiome.io.image import check_same_grid
    from radiome.preprocess.discretise import discretise

    if response.same_grid(case.working_image):
        box = case.roi_box
    elif response.same_grid(case.grid):  # type: ignore[arg-type]
        box = case.roi_box_full
    else:
        try:
            check_same_grid(case.working_image, response, what="response map")
        except GeometryError as err:
            raise GeometryError(
                f"{err} (a response map must be computed from case.working_image or case.image)"
            ) from None
        box = case.roi_box  # pragma: no cover - same_grid and check_same_grid agree
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
