"""The feature registry: codes, formulas, names, and the public API."""

from __future__ import annotations

import radiome
from radiome.config.settings import FAMILIES
from radiome.features.registry import column_name, families, feature_specs, spec_for_tag


def test_every_family_registered_in_order():
    assert tuple(f.name for f in families()) == FAMILIES


def test_every_feature_has_code_or_stated_reason_and_formula():
    tags = set()
    for fam, spec in feature_specs():
        assert spec.ibsi_code or spec.deviation, f"{spec.tag} has neither an IBSI code nor a stated reason"
        assert spec.formula.strip(), f"{spec.tag} has no formula"
        assert spec.tag not in tags, f"{spec.tag} registered twice"
        tags.add(spec.tag)
        assert fam.ibsi_code


def test_column_names():
    assert column_name("cm_joint_max_3D_comb", "ibsi") == "cm_joint_max_3D_comb"
    fam, spec = spec_for_tag("cm_joint_max_3D_comb")
    assert fam.name == "glcm"
    assert column_name("cm_joint_max_3D_comb", "radiome") == f"glcm_{spec.name}_3d_merged"
    assert column_name("szm_sze_2_5D") .endswith("_2.5d")
    assert column_name("int_mask_vox_count_reseg_roi") == "int_mask_vox_count_reseg_roi"


def test_public_api_is_pinned():
    assert radiome.__all__ == [
        "__version__", "Image", "Mask", "ExtractionSettings", "FeatureResult", "extract",
        "extract_files", "load_case", "read_image", "read_mask", "write_image", "write_mask",
        "convert", "preset", "load_settings", "errors",
    ]
    for name in radiome.__all__:
        assert getattr(radiome, name) is not None


def test_feature_docs_page_matches_registry():
    import importlib.util
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "features.md"
    spec = importlib.util.spec_from_file_location("gen", page.with_name("generate_feature_table.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)  # type: ignore[union-attr]
    assert page.read_text() == gen.render(), "docs/features.md is stale: run python docs/generate_feature_table.py"
