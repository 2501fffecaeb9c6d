"""The IBSI-1 processing chain for one image and one ROI (IBSI 1, chapter 2).

::

    round input (optional)                     IBSI CT phantom NIfTI: read as float, round
      -> diagnostics "init"
    interpolate image and mask to the IBSI grid (+ round intensities)          VTM2, 68QD
    threshold the interpolated mask (partial volume)                           E8H9
      -> morphological mask = interpolated mask                                G5KJ
      -> diagnostics "interp"
    re-segment: intensity mask = range and/or outlier filtering               IF9H, SEFI
      -> diagnostics "reseg"
    crop to the morphological mask's bounding box + 10 mm (clipped at the border)
    discretise inside the intensity mask                                       4R0B
      -> ROI handed to every feature family

This module only wires the steps (each a pure function elsewhere in
:mod:`radiome.preprocess`) in the order of the IBSI processing scheme.

Crop first (the default). Features only see the ROI's box plus a 10 mm margin, and a
filter's response there only depends on the image within the filter's support around it,
so the image is interpolated only on the **working box** of the new grid: the
morphological mask's bounding box grown by :data:`CROP_MARGIN_MM` (clipped at the border)
and then by the largest support of the requested filters
(:func:`radiome.filters.variants.filters_margin_voxels`); along an axis where that second
growth would leave the image, the axis is taken whole, so that boundary conditions act on
the true image border (for a periodic boundary, its opposite side too). Fourier-domain
filters (Simoncelli, Riesz) need the whole image and get it. The interpolation evaluates a
sub-box of the grid bit for bit as the full grid (:mod:`radiome.preprocess.resample`), the
mask is first interpolated only where it can be non-zero, and every later step is
voxel-wise or a function of the ROI's voxels in array order, so the ROI, its grey levels
and every feature are exactly those of interpolating the whole image; for a 512 x 512 x 300
CT at 1 mm this saves the interpolation (and the memory) of a volume of about 2 GB.

Whole-image diagnostics. The IBSI diagnostics ``mean_int_interp_img``, ``min_int_interp_img``
and ``max_int_interp_img`` describe the whole interpolated image and need its full
interpolation: they are computed when ``image_diagnostics`` asks for them (the compliance
check and ``radiome extract --diagnostics`` do) and left out otherwise. Every other diagnostic (dimensions, the initial image,
the masks) is computed in all cases, from the crop where it does not depend on the rest.
:attr:`PreparedCase.image` and the full-grid masks are computed on first access.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Mapping

import numpy as np

from radiome.config.settings import ExtractionSettings
from radiome.errors import DimensionalityError, EmptyMaskError
from radiome.features.roi import ROI
from radiome.io.image import Image, Mask, ProcessingStep, check_same_grid
from radiome.preprocess.crop import (
    Box,
    bounding_box,
    crop_to_box,
    grow_box,
    margin_voxels,
    relative_box,
)
from radiome.preprocess.diagnostics import diagnostics
from radiome.preprocess.discretise import discretise
from radiome.preprocess.intensity import round_intensities
from radiome.preprocess.resample import Grid, ibsi_grid, interpolate_to_grid, support_region
from radiome.preprocess.resegment import normalise_range, resegment

__all__ = ["PreparedCase", "GridGeometry", "prepare", "CROP_MARGIN_MM", "WHOLE_IMAGE_DIAGNOSTICS"]

#: Margin kept around the morphological mask after cropping, in mm on each side (the local
#: intensity peak looks up to 6.2 mm beyond the ROI).
CROP_MARGIN_MM = 10.0

#: Diagnostic tags (per image stage) that need the whole interpolated image.
WHOLE_IMAGE_DIAGNOSTICS: tuple[str, ...] = ("mean_int_{}_img", "min_int_{}_img", "max_int_{}_img")

_AXES = (("x", 2), ("y", 1), ("z", 0))


@dataclass(frozen=True)
class GridGeometry:
    """The geometry of a voxel grid without its voxels (to compare grids cheaply).

    Attributes
    ----------
    shape : tuple of 3 int
        ``(z, y, x)``.
    spacing, origin : tuple of 3 float
        ``(z, y, x)`` in mm.
    direction : tuple of 9 float
        ITK order.
    """

    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float]
    direction: tuple[float, ...]


@dataclass(frozen=True, eq=False)
class PreparedCase:
    """A preprocessed case: the ROI for the feature families and what led to it.

    Attributes
    ----------
    roi : ROI
        Cropped, discretised region of interest.
    diagnostics : mapping of str to float
        IBSI diagnostic tags of the stages init, interp and reseg (the whole-image intensity
        tags of the interpolated image only when computed, see :func:`prepare`).
    history : tuple of ProcessingStep
        The input image's history followed by every step applied here, in order.
    working_image : Image
        The image after (rounding,) interpolation and rounding on the working box: the ROI's
        box plus :data:`CROP_MARGIN_MM` plus the filters' support (whole axes where that
        reaches the border; the whole grid when not cropping first). Filters run on it.
    working_morphology_mask, working_intensity_mask : Mask
        The morphological and intensity masks on the working box.
    roi_box : tuple of 3 slices
        The box of :attr:`roi` in :attr:`working_image`.
    working_box : tuple of 3 slices
        The box of :attr:`working_image` in the full IBSI grid.
    grid : GridGeometry
        Geometry of the full IBSI grid (of :attr:`image`).
    """

    roi: ROI
    diagnostics: Mapping[str, float]
    history: tuple[ProcessingStep, ...]
    working_image: Image
    working_morphology_mask: Mask
    working_intensity_mask: Mask
    roi_box: Box
    working_box: Box
    grid: GridGeometry
    _source: Image = field(repr=False)
    _mask: Mask = field(repr=False)
    _settings: ExtractionSettings = field(repr=False)
    _ibsi_grid: Grid | None = field(repr=False)
    _full_image: Image | None = field(default=None, repr=False)
    _full_morphology: Mask | None = field(default=None, repr=False)

    @property
    def roi_box_full(self) -> Box:
        """The box of :attr:`roi` in the full IBSI grid."""
        return tuple(
            slice(w.start + r.start, w.start + r.stop) for w, r in zip(self.working_box, self.roi_box)
        )  # type: ignore[return-value]

    @cached_property
    def image(self) -> Image:
        """The image after (rounding,) interpolation and rounding on the full IBSI grid.

        Computed on first access when :func:`prepare` cropped first (a full interpolation).
        """
        if self._full_image is not None:
            return self._full_image
        if self._ibsi_grid is None:
            return self._source
        return _interpolate_image(self._source, self._ibsi_grid, self._settings)

    @cached_property
    def morphology_mask(self) -> Mask:
        """The interpolated, thresholded ROI on the full IBSI grid (IBSI G5KJ)."""
        if self._full_morphology is not None:
            return self._full_morphology
        if self._ibsi_grid is None:
            return self._mask
        interp = self._settings.interpolation
        return interpolate_to_grid(  # type: ignore[return-value]
            self._mask, self._ibsi_grid, interp.mask_method, threshold=interp.mask_threshold
        )

    @cached_property
    def intensity_mask(self) -> Mask:
        """The morphology mask after re-segmentation (IBSI SEFI), on the full IBSI grid."""
        morph = self.morphology_mask
        reseg = self._settings.resegmentation
        if reseg.range is None and reseg.outlier_sigma is None:
            return morph
        full = np.zeros(morph.shape, dtype=bool)
        full[self.working_box] = self.working_intensity_mask.array
        return morph.with_array(full, self.working_intensity_mask.history[-1])


def _check_dimensionality(image: Image, settings: ExtractionSettings) -> None:
    if not image.is_2d:
        return
    three_d = [d for d in settings.texture.dimensions if d != "2D"]
    if three_d:
        raise DimensionalityError(
            f"texture.dimensions {tuple(settings.texture.dimensions)} includes {three_d}, which need a "
            "3D image, but the image is 2D (a single slice); use texture.dimensions: ['2D']"
        )
    interp = settings.interpolation
    if interp.spacing_xyz is not None and not interp.in_plane_only:
        raise DimensionalityError(
            "interpolation.spacing_xyz asks for 3D interpolation of a 2D (single-slice) image; set "
            "interpolation.in_plane_only: true (the z spacing is then ignored)"
        )


def _discretisation_bounds(
    settings: ExtractionSettings, rng: tuple[float, float] | None
) -> tuple[float | None, float | None]:
    """FBS / 'none' bounds: the explicit lower bound, else the re-segmentation range's bounds."""
    disc = settings.discretisation
    if disc.method == "fbn":
        return None, None
    lower = disc.lower_bound
    if lower is None and rng is not None and math.isfinite(rng[0]):
        lower = rng[0]
    upper = rng[1] if rng is not None and math.isfinite(rng[1]) else None
    return lower, upper


def _interpolate_image(source: Image, grid: Grid, settings: ExtractionSettings, region: Box | None = None) -> Image:
    interp = settings.interpolation
    img = interpolate_to_grid(source, grid, interp.image_method, region=region)
    if interp.round_intensities:
        img = round_intensities(img)  # type: ignore[arg-type]
    return img  # type: ignore[return-value]


def _image_steps(source: Image, grid: Grid, settings: ExtractionSettings) -> list[ProcessingStep]:
    """History steps of interpolating (and rounding) the whole image, as a full interpolation records them."""
    interp = settings.interpolation
    steps = [ProcessingStep("interpolate_image", {
        "spacing_zyx": grid.spacing, "method": interp.image_method, "grid": "ibsi_align_centres",
        "shape_zyx": grid.shape,
    })]
    if interp.round_intensities:
        steps.append(ProcessingStep("round_intensities", {"rule": "half_to_even"}))
    return steps


def _interpolated_mask_near_roi(mask: Mask, grid: Grid, settings: ExtractionSettings) -> tuple[np.ndarray, Box]:
    """The interpolated, thresholded mask on the part of ``grid`` where it can be non-zero, and that box."""
    interp = settings.interpolation
    box = bounding_box(mask.array)
    region = support_region(box, mask.shape, grid, interp.mask_method) if box is not None else None
    if region is None:
        return np.zeros((0, 0, 0), dtype=bool), (slice(0, 0), slice(0, 0), slice(0, 0))
    part = interpolate_to_grid(mask, grid, interp.mask_method, threshold=interp.mask_threshold, region=region)
    return part.array, region


def _paste(part: np.ndarray, part_box: Box, target_box: Box) -> np.ndarray:
    """``part`` (covering ``part_box`` of a grid) on ``target_box`` of the same grid; False elsewhere."""
    out = np.zeros(tuple(t.stop - t.start for t in target_box), dtype=bool)
    src, dst = [], []
    for p, t in zip(part_box, target_box):
        lo, hi = max(p.start, t.start), min(p.stop, t.stop)
        if hi <= lo:
            return out
        src.append(slice(lo - p.start, hi - p.start))
        dst.append(slice(lo - t.start, hi - t.start))
    out[tuple(dst)] = part[tuple(src)]
    return out


def _stage_diagnostics(
    stage: str, image: Image, intensity: Mask, morph: Mask, full_shape: tuple[int, ...], whole_image: Image | None
) -> dict[str, float]:
    """IBSI diagnostics of a stage computed from crops that hold the whole ROI.

    Mask-derived tags are the same on a crop that contains the mask; the grid dimensions are
    the full grid's; the whole-image intensity tags come from ``whole_image`` (left out when
    it is None).
    """
    out = diagnostics(stage, image, intensity, morph)
    for name, axis in _AXES:
        if f"img_dim_{name}_{stage}_img" in out:
            out[f"img_dim_{name}_{stage}_img"] = float(full_shape[axis])
        out[f"int_mask_dim_{name}_{stage}_roi"] = float(full_shape[axis])
    stats = _whole_image_stats(whole_image) if whole_image is not None else None
    for pattern, stat in zip(WHOLE_IMAGE_DIAGNOSTICS, ("mean", "min", "max")):
        tag = pattern.format(stage)
        if tag in out:
            if stats is None:
                del out[tag]
            else:
                out[tag] = stats[stat]
    return out


def _whole_image_stats(image: Image) -> dict[str, float]:
    """Mean, minimum and maximum of the finite intensities of a whole image (as :func:`diagnostics`).

    Without a copy when every value is finite: the mean of a C-contiguous array is the same
    pairwise sum as that of its flattened copy.
    """
    arr = image.array
    finite = arr if arr.flags.c_contiguous and np.isfinite(arr).all() else arr[np.isfinite(arr)]
    if not finite.size:
        return {"mean": math.nan, "min": math.nan, "max": math.nan}
    return {"mean": float(finite.mean()), "min": float(finite.min()), "max": float(finite.max())}


def prepare(
    image: Image,
    mask: Mask,
    settings: ExtractionSettings,
    *,
    crop_first: bool = True,
    image_diagnostics: bool = False,
) -> PreparedCase:
    """Run the IBSI-1 processing chain on one image and ROI.

    Order (IBSI 1, figure "image processing scheme"): optional input rounding; interpolation
    of image and mask to the IBSI grid, rounding of interpolated intensities, partial-volume
    threshold; the morphological mask is the interpolated mask; re-segmentation gives the
    intensity mask; crop to the morphological mask plus :data:`CROP_MARGIN_MM`; discretisation
    with ``settings.discretisation`` (FBS lower bound: ``discretisation.lower_bound``, else the
    re-segmentation range's lower bound, else the ROI minimum; upper bound: the range's).

    Parameters
    ----------
    image : Image
        Not modified.
    mask : Mask
        Binary ROI on the image grid; not modified.
    settings : ExtractionSettings
        ``settings.filters`` set how much context the working image keeps around the ROI.
    crop_first : bool
        Interpolate only the working box (the ROI's box plus the margins, see the module
        docstring): the same ROI and features, faster and in less memory. False interpolates
        the whole image and lets the filters see all of it (the working image is the image).
    image_diagnostics : bool
        Compute the whole-image intensity diagnostics of the interpolated image
        (``mean_int_interp_img``, ``min_int_interp_img``, ``max_int_interp_img``), which need
        a full interpolation. They are always there when ``crop_first`` is False or when there
        is no interpolation (then they are the initial image's).

    Returns
    -------
    PreparedCase

    Raises
    ------
    GeometryError
        When image and mask are not on one grid.
    EmptyMaskError
        When the ROI is empty, vanishes on interpolation, or re-segmentation removes it.
    DimensionalityError
        When a 2D (single-slice) image meets a 3D-only setting (texture dimension '2_5D' or
        '3D', or 3D interpolation).

    Examples
    --------
    >>> from radiome.io.synthetic import sphere_phantom
    >>> from radiome.config.settings import ExtractionSettings
    >>> img, roi = sphere_phantom(seed=0)
    >>> case = prepare(img, roi, ExtractionSettings(interpolation={"spacing_xyz": (2, 2, 2)}))
    >>> case.roi.spacing, case.roi.n_levels
    ((2.0, 2.0, 2.0), 32)
    """
    from radiome.filters.variants import filters_margin_voxels

    check_same_grid(image, mask, what="mask")
    _check_dimensionality(image, settings)
    if not mask.array.any():
        raise EmptyMaskError(f"the mask '{mask.name}' has no voxel; check the label or ROI name")
    steps: list[ProcessingStep] = list(image.history)

    img = image
    if settings.round_input:
        img = round_intensities(img, reason="round_input")
        steps.append(img.history[-1])
    # init diagnostics from the mask's box (the masks' tags) and the whole image (its statistics)
    init_box = bounding_box(mask.array)
    c_init, m_init = crop_to_box(img, init_box), crop_to_box(mask, init_box)  # type: ignore[arg-type]
    diag = _stage_diagnostics("init", c_init, m_init, m_init, img.shape, img)  # type: ignore[arg-type]

    interp = settings.interpolation
    grid = ibsi_grid(img, interp.spacing_xyz, interp.in_plane_only) if interp.spacing_xyz is not None else None
    full_image: Image | None = None
    full_morph: Mask | None = None

    # the morphological mask near the ROI, in full-grid indices
    if grid is None:
        geometry = GridGeometry(img.shape, img.spacing, img.origin, tuple(img.direction))
        mask_part, mask_part_box = mask.array, tuple(slice(0, n) for n in mask.shape)
    else:
        geometry = GridGeometry(grid.shape, grid.spacing, grid.origin, tuple(grid.direction))
        mask_part, mask_part_box = _interpolated_mask_near_roi(mask, grid, settings)
        if not mask_part.any():
            raise EmptyMaskError(
                f"the ROI vanished on interpolation to {tuple(interp.spacing_xyz)} mm: no voxel reaches "
                f"the partial-volume threshold {interp.mask_threshold}; lower "
                "interpolation.mask_threshold or choose a finer spacing"
            )
    full_shape = geometry.shape
    tight = bounding_box(mask_part)
    assert tight is not None
    tight = tuple(slice(p.start + t.start, p.start + t.stop) for p, t in zip(mask_part_box, tight))
    roi_box_full = grow_box(tight, margin_voxels(geometry.spacing, CROP_MARGIN_MM), full_shape)  # type: ignore[arg-type]
    filter_margin = filters_margin_voxels(tuple(settings.filters), geometry.spacing) if settings.filters else (0, 0, 0)
    whole: Box = tuple(slice(0, n) for n in full_shape)  # type: ignore[assignment]
    if not crop_first or filter_margin is None or (grid is None and not settings.filters):
        # the whole grid: asked for, needed (Fourier filters), or nothing to save (no filter to
        # run and no interpolation: the ROI crop below is all that is needed)
        work_box = whole
    elif any(filter_margin):
        work_box = grow_box(roi_box_full, filter_margin, full_shape, whole_axis_at_border=True)
    else:
        work_box = roi_box_full

    # the image and morphological mask on the working box
    if grid is None:
        work_img = img if work_box == whole else crop_to_box(img, work_box)
        work_morph = mask if work_box == whole else crop_to_box(mask, work_box)
    else:
        image_steps = _image_steps(img, grid, settings)
        mask_step = ProcessingStep("interpolate_mask", {
            "spacing_zyx": grid.spacing, "method": interp.mask_method, "grid": "ibsi_align_centres",
            "shape_zyx": grid.shape, "threshold": interp.mask_threshold,
        })
        if image_diagnostics or work_box == whole:
            full_image = _interpolate_image(img, grid, settings)
            work_img = full_image if work_box == whole else crop_to_box(full_image, work_box)  # type: ignore[assignment]
        else:
            work_img = _interpolate_image(img, grid, settings, region=work_box)
        steps.extend(image_steps)
        steps.append(mask_step)
        work_morph = mask.with_array(
            _paste(mask_part, mask_part_box, work_box), mask_step,
            spacing=work_img.spacing, origin=work_img.origin, direction=work_img.direction,
        )
        if work_box == whole:
            full_morph = work_morph
    whole_img_for_diag = full_image if grid is not None else img
    diag.update(_stage_diagnostics("interp", work_img, work_morph, work_morph, full_shape, whole_img_for_diag))

    reseg = settings.resegmentation
    work_int = work_morph
    if reseg.range is not None or reseg.outlier_sigma is not None:
        work_int = resegment(work_img, work_morph, reseg.range, reseg.outlier_sigma)
        steps.append(work_int.history[-1])
    diag.update(_stage_diagnostics("reseg", work_img, work_int, work_morph, full_shape, None))

    roi_box = relative_box(roi_box_full, work_box)
    c_img, c_int, c_morph = (crop_to_box(v, roi_box) for v in (work_img, work_int, work_morph))
    steps.append(ProcessingStep("crop", {
        "box_zyx": tuple((s.start, s.stop) for s in roi_box_full), "source_shape_zyx": tuple(full_shape),
    }))

    rng = normalise_range(reseg.range)
    lower, upper = _discretisation_bounds(settings, rng)
    disc = settings.discretisation
    d = discretise(
        c_img.array, c_int.array, disc.method,
        n_bins=disc.n_bins, bin_width=disc.bin_width, lower_bound=lower, upper_bound=upper,
    )
    steps.append(ProcessingStep("discretise", {
        "method": disc.method, "n_bins": disc.n_bins, "bin_width": disc.bin_width,
        "lower_bound": lower, "upper_bound": upper, "n_levels": d.n_levels,
    }))
    levels = d.levels
    levels.setflags(write=False)
    roi = ROI(
        image=c_img.array,
        intensity_mask=c_int.array,
        morphology_mask=c_morph.array,
        spacing=work_img.spacing,
        levels=levels,
        n_levels=int(d.n_levels),
        resegmentation_range=rng,
        is_2d=image.is_2d,
    )
    return PreparedCase(
        roi=roi,
        diagnostics=MappingProxyType(diag),
        history=tuple(steps),
        working_image=work_img,
        working_morphology_mask=work_morph,
        working_intensity_mask=work_int,
        roi_box=roi_box,
        working_box=work_box,
        grid=geometry,
        _source=img,
        _mask=mask,
        _settings=settings,
        _ibsi_grid=grid,
        _full_image=full_image,
        _full_morphology=full_morph,
    )
