"""The settings model: defaults, validation, unknown keys, YAML round trip, hash."""

from __future__ import annotations

import pytest

from radiome.config import ExtractionSettings, load_settings, save_settings, settings_from_dict, settings_hash
from radiome.errors import ConfigError


def test_defaults_are_valid_and_frozen():
    s = ExtractionSettings()
    assert s.discretisation.method == "fbn" and s.discretisation.n_bins == 32
    with pytest.raises(Exception):
        s.round_input = True  # type: ignore[misc]


def test_unknown_key_names_key_and_suggests_nearest():
    with pytest.raises(ConfigError) as exc:
        settings_from_dict({"discretisation": {"bin_widht": 25, "method": "fbs"}})
    msg = str(exc.value)
    assert "discretisation.bin_widht" in msg and "bin_width" in msg


def test_unknown_top_level_key_suggests_nearest():
    with pytest.raises(ConfigError, match="resegmentation"):
        settings_from_dict({"resegmentaton": {"range": [-500, 400]}})


def test_unknown_family_suggests():
    with pytest.raises(ConfigError, match="glcm"):
        settings_from_dict({"families": ["glmc"]})


def test_invalid_value_explains():
    with pytest.raises(ConfigError, match="bin_width"):
        settings_from_dict({"discretisation": {"method": "fbs"}})


def test_yaml_round_trip_and_hash(tmp_path):
    s = settings_from_dict({"interpolation": {"spacing_xyz": [1, 1, 1]}, "discretisation": {"method": "fbs", "bin_width": 25}})
    p = save_settings(s, tmp_path / "s.yaml")
    back = load_settings(p)
    assert back == s
    assert settings_hash(back) == settings_hash(s)
    assert settings_hash(s) != settings_hash(ExtractionSettings())


def test_yaml_that_is_not_a_mapping(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(p)
