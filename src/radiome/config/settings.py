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

from radiome.config.filters import FILTER_KINDS, FilterSettings, filter_model
from radiome.errors import ConfigError

__all__ = [
    "InterpolationSettings",
    "ResegmentationSettings",
    "DiscretisationSettings",
    "TextureSettings",
    "ExtractionSettings",
    "FAMILIES",
    "RESPONSE_MAP_FAMILIES",
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

#: Families that can be computed from a response map: every intensity-based family. Morphology
#: is left out: it depends on the mask only, which filtering does not change (IBSI 2).
RESPONSE_MAP_FAMILIES: tuple[str, ...] = tuple(f for f in FAMILIES if f != "morphology")

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
    filters: tuple[FilterSettings, ...] = ()
    """Filtered image variants (IBSI 2): each entry makes a response map of the interpolated
    image whose features are computed too, in columns prefixed with the filter's name (see
    :mod:`radiome.config.filters`)."""
    include_original: bool = True
    """Compute the features of the original (unfiltered) image as well."""
    response_map_families: tuple[str, ...] = ("intensity_statistics",)
    """Families computed from each response map, within the ROI re-segmented on the original
    image (IBSI 2 phase 2 computes intensity statistics). Morphology is not allowed: filtering
    does not change the mask."""
    response_map_discretisation: DiscretisationSettings = DiscretisationSettings(method="fbn", n_bins=32)
    """Discretisation of response maps for the intensity histogram and texture families (fixed
    bin number: filter responses have arbitrary units). The intensity-volume histogram of a
    response map uses a fixed bin number too (``ivh_discretisation.n_bins`` when it is 'fbn',
    else 1000)."""

    @field_validator("families")
    @classmethod
    def _families(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for f in v:
            if f not in FAMILIES:
                near = difflib.get_close_matches(f, FAMILIES, n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                raise ValueError(f"unknown feature family '{f}'{hint} Valid: {', '.join(FAMILIES)}")
        return tuple(dict.fromkeys(v))

    @field_validator("response_map_families")
    @classmethod
    def _response_map_families(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for f in v:
            if f == "morphology":
                raise ValueError(
                    "morphology cannot be computed from a response map: it depends on the mask only, "
                    "which filtering does not change (its values are those of the original image)"
                )
            if f not in RESPONSE_MAP_FAMILIES:
                near = difflib.get_close_matches(f, RESPONSE_MAP_FAMILIES, n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                raise ValueError(
                    f"unknown feature family '{f}'{hint} Valid: {', '.join(RESPONSE_MAP_FAMILIES)}"
                )
        return tuple(dict.fromkeys(v))

    @field_validator("response_map_discretisation")
    @classmethod
    def _rm_disc(cls, v: DiscretisationSettings) -> DiscretisationSettings:
        if v.method == "none":
            raise ValueError(
                "response maps are not integer-valued: use method 'fbn' (recommended, IBSI 2) or 'fbs' "
                "for response_map_discretisation"
            )
        return v

    @model_validator(mode="after")
    def _variants(self) -> "ExtractionSettings":
        seen: dict[str, int] = {}
        for i, flt in enumerate(self.filters):
            if flt.name in seen:
                raise ValueError(
                    f"filters {seen[flt.name]} and {i} both give the column prefix '{flt.name}'; "
                    "remove the duplicate or set column_prefix on one of them"
                )
            seen[flt.name] = i
        if not self.include_original and not self.filters:
            raise ValueError("include_original is false and no filters are given: there is nothing to compute")
        return self


def _all_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, fld in model.model_fields.items():
        keys.append(prefix + name)
        ann = fld.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys.extend(_all_keys(ann, prefix + name + "."))
    return keys


def _filter_error(err: dict[str, Any]) -> str | None:
    """A readable message for an error inside ``filters[i]`` (kind missing/unknown, unknown key)."""
    loc = err["loc"]
    if len(loc) < 2 or loc[0] != "filters" or not isinstance(loc[1], int):
        return None
    where = f"filters[{loc[1]}]"
    if err["type"] == "union_tag_not_found":
        return f"setting '{where}' has no 'kind'; add kind: one of {', '.join(FILTER_KINDS)}"
    if err["type"] == "union_tag_invalid":
        kind = str((err.get("ctx") or {}).get("tag", ""))
        near = difflib.get_close_matches(kind, FILTER_KINDS, n=1)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        return f"setting '{where}.kind': unknown filter kind '{kind}'.{hint} Valid: {', '.join(FILTER_KINDS)}"
    if len(loc) < 3 or loc[2] not in FILTER_KINDS:
        return None
    model = filter_model(str(loc[2]))
    field = ".".join(str(p) for p in loc[3:])
    if err["type"] == "extra_forbidden":
        valid = [k for k in model.model_fields if k != "kind"]
        near = difflib.get_close_matches(field, valid, n=1, cutoff=0.5)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        return (
            f"unknown setting '{where}.{field}' for a '{loc[2]}' filter.{hint} "
            f"Valid: kind, {', '.join(valid)}"
        )
    target = f"{where}.{field}" if field else where
    return f"setting '{target}' ({loc[2]} filter): {err['msg']} (got {err.get('input')!r})"


def settings_from_dict(data: dict[str, Any] | None) -> ExtractionSettings:
    """Validate a (possibly nested) dict into :class:`ExtractionSettings`.

    Raises :class:`ConfigError` naming each bad key, with the nearest valid key (also inside
    the entries of ``filters``, per filter kind).
    """
    try:
        return ExtractionSettings.model_validate(data or {})
    except ValidationError as exc:
        valid = _all_keys(ExtractionSettings)
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            special = _filter_error(err)
            if special is not None:
                lines.append(special)
            elif err["type"] == "extra_forbidden":
                near = difflib.get_close_matches(loc, valid, n=1, cutoff=0.5)
                if not near:
                    near = difflib.get_close_matches(loc.split(".")[-1], [k.split(".")[-1] for k in valid], n=1)
                hint = f" Did you mean '{near[0]}'?" if near else ""
                lines.append(f"unknown setting '{loc}'.{hint}")
            elif not loc:
                lines.append(str(err["msg"]).removeprefix("Value error, "))
            else:
                lines.append(f"setting '{loc}': {err['msg']} (got {err.get('input')!r})")
        raise ConfigError("invalid extraction settings:\n  " + "\n  ".join(lines)) from None


def settings_hash(settings: ExtractionSettings) -> str:
    """A stable SHA-256 (first 16 hex digits) of the resolved settings."""
    payload = json.dumps(settings.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
