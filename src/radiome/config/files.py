"""Reading and writing extraction settings as YAML (safe loading only: no code runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from radiome.config.settings import ExtractionSettings, settings_from_dict, settings_hash
from radiome.errors import ConfigError

__all__ = ["load_settings", "save_settings", "resolve_settings"]


def load_settings(path: str | Path) -> ExtractionSettings:
    """Read settings from a YAML (or JSON) file; unknown keys raise :class:`ConfigError`."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"settings file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot parse settings file {p}: {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"settings file {p} must hold a mapping of settings, got {type(data).__name__}")
    return settings_from_dict(data)


def save_settings(settings: ExtractionSettings, path: str | Path) -> Path:
    """Write the resolved settings, with their hash as a comment, to a YAML file."""
    p = Path(path)
    text = f"# radiome extraction settings, hash {settings_hash(settings)}\n"
    text += yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False)
    p.write_text(text)
    return p


def resolve_settings(settings: ExtractionSettings | dict[str, Any] | str | Path | None) -> ExtractionSettings:
    """Turn what a user passes (settings, dict, preset name or YAML path, or None) into settings."""
    if settings is None:
        return ExtractionSettings()
    if isinstance(settings, ExtractionSettings):
        return settings
    if isinstance(settings, dict):
        return settings_from_dict(settings)
    text = str(settings)
    from radiome.config.presets import PRESETS, preset

    if text in PRESETS:
        return preset(text)
    if Path(text).suffix.lower() in (".yaml", ".yml", ".json") or Path(text).exists():
        return load_settings(text)
    return preset(text)  # raises ConfigError with a suggestion
