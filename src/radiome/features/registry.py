"""The feature registry: every feature radiome computes, with its IBSI code and formula.

Each family module (``radiome.features.morphology``, ``...glcm`` and so on) declares one
:class:`FamilySpec` named ``FAMILY`` listing its :class:`FeatureSpec` entries and the function
that computes them. This module lists the families explicitly (no discovery by name), and
:func:`column_name` is the one place where output column names are made.

Keys returned by a family's ``compute`` are IBSI compliance tags: the feature tag
(``cm_joint_max``) followed, for texture families, by the aggregation suffix
(``_2D_avg``, ``_2D_comb``, ``_2_5D_avg``, ``_2_5D_comb``, ``_3D_avg``, ``_3D_comb`` for GLCM
and GLRLM; ``_2D``, ``_2_5D``, ``_3D`` for the others).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Literal

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = [
    "FeatureSpec",
    "FamilySpec",
    "families",
    "family",
    "feature_specs",
    "spec_for_tag",
    "split_tag",
    "column_name",
    "AGGREGATION_SUFFIXES",
]

#: IBSI aggregation suffixes, longest first so that parsing is unambiguous.
AGGREGATION_SUFFIXES = (
    "_2_5D_avg", "_2_5D_comb", "_2D_avg", "_2D_comb", "_3D_avg", "_3D_comb", "_2_5D", "_2D", "_3D",
)

_RADIOME_SUFFIX = {
    "_2D_avg": "_2d_avg", "_2D_comb": "_2d_merged", "_2_5D_avg": "_2.5d_avg",
    "_2_5D_comb": "_2.5d_merged", "_3D_avg": "_3d_avg", "_3D_comb": "_3d_merged",
    "_2D": "_2d", "_2_5D": "_2.5d", "_3D": "_3d",
}


@dataclass(frozen=True)
class FeatureSpec:
    """One feature.

    Attributes
    ----------
    tag : str
        IBSI short name without aggregation suffix, e.g. ``"cm_joint_max"``.
    name : str
        radiome's readable name within the family, e.g. ``"joint_maximum"``.
    ibsi_code : str or None
        The four-letter IBSI identifier (e.g. ``"GYBY"``); ``None`` only with ``deviation``.
    formula : str
        The definition, in LaTeX, as in the IBSI manual.
    deviation : str or None
        Any departure from IBSI in words, or why there is no IBSI code.
    """

    tag: str
    name: str
    ibsi_code: str | None
    formula: str
    deviation: str | None = None


@dataclass(frozen=True)
class FamilySpec:
    """A feature family: its features and the function that computes them all at once."""

    name: str
    """Family key used in settings (``"glcm"``)."""
    ibsi_code: str
    """IBSI identifier of the family."""
    features: tuple[FeatureSpec, ...]
    compute: "Callable[[ROI, ExtractionSettings], dict[str, float]]"
    """Returns ``{ibsi_tag_with_suffix: value}`` for every feature and requested aggregation."""


@lru_cache(maxsize=1)
def families() -> tuple[FamilySpec, ...]:
    """All registered families, in IBSI order."""
    from radiome.features import (
        glcm,
        gldzm,
        glrlm,
        glszm,
        intensity_histogram,
        intensity_statistics,
        intensity_volume_histogram,
        local_intensity,
        morphology,
        ngldm,
        ngtdm,
    )

    return tuple(
        m.FAMILY
        for m in (
            morphology, local_intensity, intensity_statistics, intensity_histogram,
            intensity_volume_histogram, glcm, glrlm, glszm, gldzm, ngtdm, ngldm,
        )
    )


def family(name: str) -> FamilySpec:
    """The family registered under ``name``."""
    for f in families():
        if f.name == name:
            return f
    raise KeyError(name)


def feature_specs() -> tuple[tuple[FamilySpec, FeatureSpec], ...]:
    """Every (family, feature) pair."""
    return tuple((fam, spec) for fam in families() for spec in fam.features)


@lru_cache(maxsize=1)
def _by_tag() -> dict[str, tuple[FamilySpec, FeatureSpec]]:
    return {spec.tag: (fam, spec) for fam, spec in feature_specs()}


def split_tag(key: str) -> tuple[str, str]:
    """Split an IBSI compliance tag into (feature tag, aggregation suffix or '')."""
    for suf in AGGREGATION_SUFFIXES:
        if key.endswith(suf) and key[: -len(suf)] in _by_tag():
            return key[: -len(suf)], suf
    return key, ""


def spec_for_tag(key: str) -> tuple[FamilySpec, FeatureSpec] | None:
    """The family and spec of a compliance tag such as ``cm_joint_max_3D_comb``."""
    return _by_tag().get(split_tag(key)[0])


def column_name(key: str, naming: Literal["ibsi", "radiome"] = "radiome") -> str:
    """The output column name of a compliance tag.

    ``ibsi`` keeps the IBSI compliance tag; ``radiome`` gives ``<family>_<name><suffix>``, e.g.
    ``glcm_joint_maximum_3d_merged``. Diagnostic tags (not features) are kept as they are.
    """
    if naming == "ibsi":
        return key
    found = spec_for_tag(key)
    if found is None:
        return key
    fam, spec = found
    suffix = split_tag(key)[1]
    return f"{fam.name}_{spec.name}{_RADIOME_SUFFIX.get(suffix, suffix)}"
