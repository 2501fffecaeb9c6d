"""One frozen, validated settings model for feature extraction.

Every setting has a default, unknown keys are rejected with the nearest valid key as a
suggestion, and :func:`settings_hash` gives a stable hash of the resolved settings that is
stored beside every output.

Axis order: user-facing spacings are written ``(x, y, z)`` in mm, as in every viewer and in
the IBSI manual, and named ``*_xyz`` to say so; internally radiome works in ``(z, y, x)``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from radiome.errors import ConfigError

__all__ = [
    "InterpolationSettings",
    "ResegmentationSettings",
    "DiscretisationSettings",
    "TextureSettings",
    "ExtractionSettings",
    "FAMILIES",
    "TEXTURE_DIMENSIONS",
    "settings_from_dict",
    "settings_hash",
]

FAMILIES: tuple[str, ...] = (
    "morphology",
    "local_intensity",
    "intensity_statistics",
    "intensity_histogram",
    "intensity_volume_histogram",
    "glcm",
    "glrlm",
    "glszm",
    "gldzm",
    "ngtdm",
    "ngldm",
)

TEXTURE_DIMENSIONS = ("2D", "2_5D", "3D")

InterpMethod = Literal["nearest", "linear", "cubic"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InterpolationSettings(_Frozen):
    """Interpolation to a new voxel grid (IBSI 1, section 2.4)."""

    spacing_xyz: tuple[float, float, float] | None = None
    """Target voxel size (x, y, z) in mm; ``None`` keeps the original grid."""
    in_plane_only: bool = False
    """Interpolate within each slice only (IBSI 2D interpolation); z is kept."""
    image_method: InterpMethod = "linear"
    mask_method: InterpMethod = "linear"
    mask_threshold: float = 0.5
    """Partial-volume threshold: an interpolated mask value >= this is inside the ROI."""
    round_intensities: bool = False
    """Round interpolated intensities to the nearest integer (IBSI asks this for CT)."""

    @field_validator("spacing_xyz")
    @classmethod
    def _positive(cls, v: tuple[float, float, float] | None) -> tuple[float, float, float] | None:
        if v is not None and any(s <= 0 for s in v):
            raise ValueError(f"spacing_xyz must be positive, got {v}")
        return v

    @field_validator("mask_threshold")
    @classmethod
    def _threshold(cls, v: float) -> float:
        if not 0.0 < v <= 1.0:
            raise ValueError(f"mask_threshold must be in (0, 1], got {v}")
        return v


class ResegmentationSettings(_Frozen):
    """Re-segmentation of the intensity mask (IBSI 1, section 2.5)."""

    range: tuple[float | None, float | None] | None = None
    """Keep voxels with ``lower <= intensity <= upper``; either bound may be ``None``."""
    outlier_sigma: float | None = None
    """Remove voxels outside mean +/- ``outlier_sigma`` x SD of the ROI (IBSI uses 3)."""


class DiscretisationSettings(_Frozen):
    """Grey-level discretisation (IBSI 1, section 2.7)."""

    method: Literal["fbn", "fbs", "none"] = "fbn"
    """Fixed bin number, fixed bin size, or none (integer-valued intensities only)."""
    n_bins: int | None = 32
    bin_width: float | None = None
    lower_bound: float | None = None
    """FBS lower bound; default: the re-segmentation range's lower bound, else the ROI minimum."""

    @model_validator(mode="after")
    def _check(self) -> "DiscretisationSettings":
        if self.method == "fbn" and (self.n_bins is None or self.n_bins < 1):
            raise ValueError("method 'fbn' needs n_bins >= 1")
        if self.method == "fbs" and (self.bin_width is None or self.bin_width <= 0):
            raise ValueError("method 'fbs' needs bin_width > 0")
        return self


class TextureSettings(_Frozen):
    """How texture matrices are built and aggregated (IBSI 1, section 3.6-3.11)."""

    dimensions: tuple[Literal["2D", "2_5D", "3D"], ...] = ("3D",)
    """Aggregation: per-slice (2D), slices merged (2.5D) and/or volumetric (3D). GLCM and
    GLRLM report both the averaged (``_avg``) and the merged (``_comb``) variant of each."""
    distance: int = 1
    """Chebyshev neighbour distance for GLCM, NGTDM and NGLDM."""
    ngldm_coarseness: int = 0
    """NGLDM coarseness parameter alpha."""

    @field_validator("dimensions")
    @classmethod
    def _dims(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("dimensions needs at least one of '2D', '2_5D', '3D'")
        return tuple(dict.fromkeys(v))


class ExtractionSettings(_Frozen):
    """All settings of one feature extraction."""

    round_input: bool = False
    """Round input intensities to the nearest integer on load (IBSI CT phantom NIfTI)."""
    interpolation: InterpolationSettings = InterpolationSettings()
    resegmentation: ResegmentationSettings = ResegmentationSettings()
    discretisation: DiscretisationSettings = DiscretisationSettings()
    """Discretisation for the intensity histogram and texture families."""
    ivh_discretisation: DiscretisationSettings = DiscretisationSettings(method="fbn", n_bins=1000)
    """Discretisation for the intensity-volume histogram (IBSI: 'none' suits integer CT in HU;
    1000 fixed bins, the default, suits every modality)."""
    texture: TextureSettings = TextureSettings()
    families: tuple[str, ...] = FAMILIES
    """Feature families to compute (see :data:`FAMILIES`)."""
    label: int | None = None
    """Label value to use from a label map; required when the mask has several labels."""
    roi_name: str | None = None
    """ROI / segment name in an RTSTRUCT, SEG or Slicer .seg.nrrd."""

    @field_validator("families")
    @classmethod
    def _families(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for f in v:
            if f not in FAMILIES:
                near = difflib.get_close_matches(f, FAMILIES, n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                raise ValueError(f"unknown feature family '{f}'{hint} Valid: {', '.join(FAMILIES)}")
        return tuple(dict.fromkeys(v))


def _all_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, fld in model.model_fields.items():
        keys.append(prefix + name)
        ann = fld.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys.extend(_all_keys(ann, prefix + name + "."))
    return keys


def settings_from_dict(data: dict[str, Any] | None) -> ExtractionSettings:
    """Validate a (possibly nested) dict into :class:`ExtractionSettings`.

    Raises :class:`ConfigError` naming each bad key, with the nearest valid key.
    """
    try:
        return ExtractionSettings.model_validate(data or {})
    except ValidationError as exc:
        valid = _all_keys(ExtractionSettings)
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                near = difflib.get_close_matches(loc, valid, n=1, cutoff=0.5)
                if not near:
                    near = difflib.get_close_matches(loc.split(".")[-1], [k.split(".")[-1] for k in valid], n=1)
                hint = f" Did you mean '{near[0]}'?" if near else ""
                lines.append(f"unknown setting '{loc}'.{hint}")
            else:
                lines.append(f"setting '{loc}': {err['msg']} (got {err.get('input')!r})")
        raise ConfigError("invalid extraction settings:\n  " + "\n  ".join(lines)) from None


def settings_hash(settings: ExtractionSettings) -> str:
    """A stable SHA-256 (first 16 hex digits) of the resolved settings."""
    payload = json.dumps(settings.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
