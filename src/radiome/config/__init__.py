"""Typed, frozen settings; presets; YAML load and save."""

from radiome.config.files import load_settings, resolve_settings, save_settings
from radiome.config.settings import (
    FAMILIES,
    DiscretisationSettings,
    ExtractionSettings,
    InterpolationSettings,
    ResegmentationSettings,
    TextureSettings,
    settings_from_dict,
    settings_hash,
)

__all__ = [
    "FAMILIES",
    "DiscretisationSettings",
    "ExtractionSettings",
    "InterpolationSettings",
    "ResegmentationSettings",
    "TextureSettings",
    "settings_from_dict",
    "settings_hash",
    "load_settings",
    "save_settings",
    "resolve_settings",
]
