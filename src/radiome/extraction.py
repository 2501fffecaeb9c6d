"""Feature extraction for one image and one region of interest.

``extract`` is the single entry point that the CLI, the cohort runner and users call:

    image + mask  ->  geometry and intensity checks  ->  preprocess (IBSI 1, chapter 2)
                  ->  every requested feature family  ->  named values with provenance
                  ->  each filter (IBSI 2): response map  ->  its families in the same ROI

Nothing here computes a feature; it only wires the stages together and names the output.
Columns of the original image are named by :func:`radiome.features.registry.column_name`;
columns of a filtered variant carry the variant's name in front: ``<variant>_<column>``, e.g.
``log_sigma_3mm_intensity_statistics_mean`` (naming 'radiome') or ``log_sigma_3mm_stat_mean``
(naming 'ibsi').
"""

from __future__ import annotations

import math
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, Mapping

from radiome.config.files import resolve_settings
from radiome.config.settings import ExtractionSettings, settings_hash
from radiome.errors import DimensionalityError, InputError
from radiome.features.registry import column_name, family, spec_for_tag, split_tag
from radiome.filters.variants import apply_filter, filters_for_image, response_map_roi, response_map_settings
from radiome.io.image import Image, Mask, ProcessingStep

__all__ = ["FeatureRecord", "FeatureResult", "extract", "extract_files", "variant_column"]

Naming = Literal["ibsi", "radiome"]


@dataclass(frozen=True)
class FeatureRecord:
    """One computed value in long form."""

    column: str
    tag: str
    family: str
    feature: str
    ibsi_code: str | None
    aggregation: str
    value: float
    variant: str = "original"
    """``'original'`` or the name of the filtered variant (the column prefix)."""


def variant_column(variant: str, column: str) -> str:
    """The output column of ``column`` for an image variant: unchanged for ``'original'``.

    Examples
    --------
    >>> variant_column("log_sigma_3mm", "stat_mean")
    'log_sigma_3mm_stat_mean'
    >>> variant_column("original", "stat_mean")
    'stat_mean'
    """
    return column if variant == "original" else f"{variant}_{column}"


@dataclass(frozen=True)
class FeatureResult:
    """The outcome of one extraction: values, diagnostics and the provenance behind them.

    ``values`` maps output column names (per ``naming``) to values, in registry order.
    ``diagnostics`` holds the IBSI diagnostic tags (image and ROI size and intensity at each
    preprocessing stage). ``history`` is the processing history of the case;
    ``variant_history`` maps each filtered variant to the history of its response map (the
    case's interpolation steps followed by the filter).
    """

    values: Mapping[str, float]
    records: tuple[FeatureRecord, ...]
    diagnostics: Mapping[str, float]
    settings: ExtractionSettings
    history: tuple[ProcessingStep, ...]
    naming: Naming = "radiome"
    timings: Mapping[str, float] = field(default_factory=dict)
    variant_history: Mapping[str, tuple[ProcessingStep, ...]] = field(default_factory=dict)

    @property
    def variants(self) -> tuple[str, ...]:
        """The image variants in the output, in order (``'original'`` first when computed)."""
        return tuple(dict.fromkeys(r.variant for r in self.records))

    @property
    def settings_hash(self) -> str:
        """Hash of the resolved settings (see :func:`radiome.config.settings_hash`)."""
        return settings_hash(self.settings)

    def __getitem__(self, column: str) -> float:
        return self.values[column]

    def __len__(self) -> int:
        return len(self.values)

    def as_dict(self, diagnostics: bool = False) -> dict[str, float]:
        """Columns and values (diagnostic tags first when ``diagnostics``)."""
        out: dict[str, float] = dict(self.diagnostics) if diagnostics else {}
        out.update(self.values)
        return out

    def to_frame(self, diagnostics: bool = False, case_id: str | None = None):
        """A one-row wide :class:`pandas.DataFrame`."""
        import pandas as pd

        row = self.as_dict(diagnostics)
        frame = pd.DataFrame([row])
        if case_id is not None:
            frame.insert(0, "case_id", case_id)
        return frame

    def to_long(self):
        """A long :class:`pandas.DataFrame` with one row per feature value."""
        import pandas as pd

        return pd.DataFrame([r.__dict__ for r in self.records])


def _adapt_to_2d(settings: ExtractionSettings, image: Image) -> ExtractionSettings:
    """For a 2D image, default (not user-set) texture dimensions and interpolation become 2D."""
    if not image.is_2d:
        return settings
    tex = settings.texture
    if "dimensions" not in tex.model_fields_set and "texture" not in settings.model_fields_set:
        tex = tex.model_copy(update={"dimensions": ("2D",)})
    interp = settings.interpolation
    if interp.spacing_xyz is not None and not interp.in_plane_only:
        raise DimensionalityError(
            "interpolation.spacing_xyz asks for 3D interpolation of a 2D image; set "
            "interpolation.in_plane_only: true (the z spacing is then ignored)"
        )
    return settings.model_copy(update={"texture": tex})


def extract(
    image: Image | str | Path,
    mask: Mask | str | Path,
    settings: ExtractionSettings | dict[str, Any] | str | Path | None = None,
    *,
    naming: Naming = "radiome",
    roi_name: str | None = None,
    label: int | None = None,
    image_diagnostics: bool = False,
) -> FeatureResult:
    """Compute every requested IBSI feature of one ROI.

    Parameters
    ----------
    image : Image or path
        The image, or a file / DICOM series folder to read.
    mask : Mask or path
        The ROI, or a mask file (label map, .seg.nrrd, RTSTRUCT, SEG) to read.
    settings : ExtractionSettings, dict, preset name or YAML path, optional
        Default: :class:`ExtractionSettings` defaults.
    naming : {'radiome', 'ibsi'}
        Column names: radiome's readable names or the IBSI compliance tags.
    roi_name, label : optional
        Which ROI to use in an RTSTRUCT/SEG/.seg.nrrd, or which label in a label map; they
        override ``settings.roi_name`` / ``settings.label``.
    image_diagnostics : bool
        Also compute the IBSI diagnostics of the whole interpolated image (mean, minimum,
        maximum), which needs the whole image interpolated (slower on large images).

    Returns
    -------
    FeatureResult
        Features of the original image (unless ``settings.include_original`` is false) and of
        every filtered variant of ``settings.filters`` (IBSI 2: the filter runs on the whole
        interpolated image; ``settings.response_map_families`` are computed from the response
        map inside the ROI re-segmented on the original intensities; see
        :mod:`radiome.filters.variants`).

    Raises
    ------
    DimensionalityError
        A 3D setting (texture dimension, interpolation, filter) asked of a 2D image.

    Examples
    --------
    >>> from radiome.io.synthetic import sphere_phantom
    >>> img, roi = sphere_phantom(seed=0)
    >>> result = extract(img, roi, {"families": ["intensity_statistics"]})
    >>> round(result["intensity_statistics_mean"], 1) > 0
    True
    """
    from radiome.io.case import align_mask_to_image, check_intensities, check_mask, load_case
    from radiome.preprocess.pipeline import prepare

    cfg = resolve_settings(settings)
    roi_name = roi_name if roi_name is not None else cfg.roi_name
    label = label if label is not None else cfg.label
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if isinstance(image, Image):
        from radiome.io.readers import read_mask

        img = image
        msk = mask if isinstance(mask, Mask) else read_mask(mask, reference=img, roi_name=roi_name, label=label)
        check_mask(img, msk)
        msk = align_mask_to_image(img, msk)
        check_intensities(img, msk)
    elif isinstance(mask, Mask):
        raise InputError("pass the image as an Image too when the mask is a Mask, or both as paths")
    else:
        img, msk = load_case(image, mask, roi_name=roi_name, label=label)
    timings["load"] = time.perf_counter() - t0

    cfg = _adapt_to_2d(cfg, img)
    filters = filters_for_image(cfg, img)
    if filters != cfg.filters:
        cfg = cfg.model_copy(update={"filters": filters})
    t0 = time.perf_counter()
    case = prepare(img, msk, cfg, image_diagnostics=image_diagnostics)
    timings["preprocess"] = time.perf_counter() - t0

    records: list[FeatureRecord] = []
    if cfg.include_original:
        for name in cfg.families:
            t0 = time.perf_counter()
            values = family(name).compute(case.roi, cfg)
            timings[name] = time.perf_counter() - t0
            records.extend(_records(name, values, naming, "original"))
    variant_history: dict[str, tuple[ProcessingStep, ...]] = {}
    if cfg.filters:
        rm_cfg = response_map_settings(cfg)
        for flt in cfg.filters:
            t0 = time.perf_counter()
            response = apply_filter(case.working_image, flt)
            roi = response_map_roi(case, response, cfg)
            timings[f"{flt.name}/filter"] = time.perf_counter() - t0
            variant_history[flt.name] = response.history
            for name in cfg.response_map_families:
                t0 = time.perf_counter()
                values = family(name).compute(roi, rm_cfg)
                timings[f"{flt.name}/{name}"] = time.perf_counter() - t0
                records.extend(_records(name, values, naming, flt.name))
    values_map = {r.column: r.value for r in records}
    return FeatureResult(
        values=MappingProxyType(values_map),
        records=tuple(records),
        diagnostics=MappingProxyType(dict(case.diagnostics)),
        settings=cfg,
        history=case.history,
        naming=naming,
        timings=MappingProxyType(timings),
        variant_history=MappingProxyType(variant_history),
    )


def _records(family_name: str, values: Mapping[str, float], naming: Naming, variant: str) -> list[FeatureRecord]:
    """Long-form records of one family's values for one image variant."""
    out = []
    for tag, value in values.items():
        found = spec_for_tag(tag)
        base, suffix = split_tag(tag)
        spec = found[1] if found else None
        out.append(
            FeatureRecord(
                column=variant_column(variant, column_name(tag, naming)),
                tag=tag,
                family=family_name,
                feature=spec.name if spec else base,
                ibsi_code=spec.ibsi_code if spec else None,
                aggregation=suffix.lstrip("_"),
                value=float(value) if value is not None else math.nan,
                variant=variant,
            )
        )
    return out


def extract_files(
    image_path: str | Path,
    mask_path: str | Path,
    settings: ExtractionSettings | dict[str, Any] | str | Path | None = None,
    *,
    naming: Naming = "radiome",
    roi_name: str | None = None,
    label: int | None = None,
    image_diagnostics: bool = False,
) -> FeatureResult:
    """:func:`extract` for an image path and a mask path (read and checked by ``load_case``)."""
    return extract(
        Path(image_path), Path(mask_path), settings, naming=naming, roi_name=roi_name, label=label,
        image_diagnostics=image_diagnostics,
    )


def provenance() -> dict[str, str]:
    """radiome and key dependency versions, for the record beside every output."""
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("radiome", "numpy", "scipy", "SimpleITK", "scikit-image", "pydicom", "pydantic"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out
