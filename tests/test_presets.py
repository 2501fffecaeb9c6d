"""The IBSI-1 presets are the manual's configurations, exactly."""

from __future__ import annotations

import pytest

from radiome.config.presets import PRESETS, preset
from radiome.config.settings import FAMILIES, ExtractionSettings
from radiome.errors import ConfigError

NAMES = ["ibsi1-digital-phantom"] + [f"ibsi1-config-{c}" for c in "abcde"]


def test_names():
    assert sorted(PRESETS) == sorted(NAMES)
    for name in NAMES:
        assert isinstance(preset(name), ExtractionSettings)
        assert preset(name).families == FAMILIES


def test_lookup_is_forgiving_about_case_and_underscores():
    assert preset("IBSI1_Config_C") is preset("ibsi1-config-c")


def test_unknown_preset_suggests():
    with pytest.raises(ConfigError, match="ibsi1-config-c") as exc:
        preset("ibsi-config-c")
    assert "Known presets" in str(exc.value)
    with pytest.raises(ConfigError, match="unknown preset"):
        preset("zzz")


def test_resolve_settings_accepts_preset_names():
    from radiome.config.files import resolve_settings

    assert resolve_settings("ibsi1-config-e") is preset("ibsi1-config-e")


def test_presets_are_frozen():
    with pytest.raises(Exception):
        preset("ibsi1-config-a").round_input = False  # type: ignore[misc]


def test_digital_phantom():
    s = preset("ibsi1-digital-phantom")
    assert s.interpolation.spacing_xyz is None and not s.round_input
    assert s.resegmentation.range is None and s.resegmentation.outlier_sigma is None
    assert s.discretisation.method == "none" and s.ivh_discretisation.method == "none"
    assert s.texture.dimensions == ("2D", "2_5D", "3D")
    assert s.texture.distance == 1 and s.texture.ngldm_coarseness == 0


# config: (texture dims, spacing_xyz, in_plane, image method, range, outlier, discretisation, IVH)
TABLE = {
    "a": (("2D", "2_5D"), None, False, None, (-500.0, 400.0), None, ("fbs", 25.0), ("none", None)),
    "b": (("2D", "2_5D"), (2.0, 2.0), True, "linear", (-500.0, 400.0), None, ("fbn", 32), ("none", None)),
    "c": (("3D",), (2.0, 2.0, 2.0), False, "linear", (-1000.0, 400.0), None, ("fbs", 25.0), ("fbs", 2.5)),
    "d": (("3D",), (2.0, 2.0, 2.0), False, "linear", None, 3.0, ("fbn", 32), ("none", None)),
    "e": (("3D",), (2.0, 2.0, 2.0), False, "cubic", (-1000.0, 400.0), 3.0, ("fbn", 32), ("fbn", 1000)),
}


def _disc(d):
    if d.method == "fbn":
        return ("fbn", d.n_bins)
    if d.method == "fbs":
        return ("fbs", d.bin_width)
    return ("none", None)


@pytest.mark.parametrize("config", "abcde")
def test_ct_configuration_table(config):
    dims, spacing, in_plane, method, rng, outlier, disc, ivh = TABLE[config]
    s = preset(f"ibsi1-config-{config}")
    assert s.round_input  # the NIfTI phantom is read as float and rounded
    assert s.texture.dimensions == dims
    assert s.texture.distance == 1 and s.texture.ngldm_coarseness == 0
    it = s.interpolation
    if spacing is None:
        assert it.spacing_xyz is None
    else:
        assert it.spacing_xyz[: len(spacing)] == spacing
        assert it.in_plane_only is in_plane
        assert it.image_method == method and it.mask_method == "linear"
        assert it.mask_threshold == 0.5 and it.round_intensities
    assert s.resegmentation.range == rng
    assert s.resegmentation.outlier_sigma == outlier
    assert _disc(s.discretisation) == disc
    assert _disc(s.ivh_discretisation) == ivh


@pytest.mark.parametrize("config", "abcde")
def test_texture_dimensions_match_reference_tags(config):
    from conftest import shared_data

    path = shared_data("ibsi", "reference", "ibsi_1", f"ibsi_1_chest_config_{config}.csv")
    tags = [line.split(";")[2] for line in path.read_text().splitlines()[1:]]
    suffixes = {d for t in tags if t.startswith("szm_") for d in ("2D", "2_5D", "3D") if t.endswith("_" + d)}
    assert set(preset(f"ibsi1-config-{config}").texture.dimensions) == suffixes
