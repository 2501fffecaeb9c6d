"""Feature extraction for one image and one region of interest.

``extract`` is the single entry point that the CLI, the cohort runner and users call:

    image + mask  ->  geometry and intensity checks  ->  preprocess (IBSI 1, chapter 2)
                  ->  every requested feature family  ->  named values with provenance

Nothing here computes a feature; it only wires the stages together and names the output.
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
from radiome.io.image import Image, Mask, ProcessingStep

__all__ = ["FeatureRecord", "FeatureResult", "extract", "extract_files"]

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


@dataclass(frozen=True)
class FeatureResult:
    """The outcome of one extraction: values, diagnostics and the provenance behind them.

    ``values`` maps output column names (per ``naming``) to values, in registry order.
    ``diagnostics`` holds the IBSI diagnostic tags (image and ROI size and intensity at each
    preprocessing stage). ``history`` is the processing history of the case.
    """

    values: Mapping[str, float]
    records: tuple[FeatureRecord, ...]
    diagnostics: Mapping[str, float]
    settings: ExtractionSettings
    history: tuple[ProcessingStep, ...]
    naming: Naming = "radiome"
    timings: Mapping[str, float] = field(default_factory=dict)

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

    Returns
    -------
    FeatureResult

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
    t0 = time.perf_counter()
    case = prepare(img, msk, cfg)
    timings["preprocess"] = time.perf_counter() - t0

    records: list[FeatureRecord] = []
    for name in cfg.families:
        fam = family(name)
        t0 = time.perf_counter()
        values = fam.compute(case.roi, cfg)
        timings[name] = time.perf_counter() - t0
        for tag, value in values.items():
            found = spec_for_tag(tag)
            base, suffix = split_tag(tag)
            spec = found[1] if found else None
            records.append(
                FeatureRecord(
                    column=column_name(tag, naming),
                    tag=tag,
                    family=name,
                    feature=spec.name if spec else base,
                    ibsi_code=spec.ibsi_code if spec else None,
                    aggregation=suffix.lstrip("_"),
                    value=float(value) if value is not None else math.nan,
                )
            )
    values_map = {r.column: r.value for r in records}
    return FeatureResult(
        values=MappingProxyType(values_map),
        records=tuple(records),
        diagnostics=MappingProxyType(dict(case.diagnostics)),
        settings=cfg,
        history=case.history,
        naming=naming,
        timings=MappingProxyType(timings),
    )


def extract_files(
    image_path: str | Path,
    mask_path: str | Path,
    settings: ExtractionSettings | dict[str, Any] | str | Path | None = None,
    *,
    naming: Naming = "radiome",
    roi_name: str | None = None,
    label: int | None = None,
) -> FeatureResult:
    """:func:`extract` for an image path and a mask path (read and checked by ``load_case``)."""
    return extract(Path(image_path), Path(mask_path), settings, naming=naming, roi_name=roi_name, label=label)


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
