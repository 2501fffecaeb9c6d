"""The command line, end to end."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import shared_data
from radiome.cli.main import app
from radiome.io.synthetic import write_phantom

runner = CliRunner()


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    return write_phantom(tmp_path_factory.mktemp("phantom"), seed=3)


def test_extract_csv_and_naming(phantom, tmp_path):
    image, mask = phantom
    out = tmp_path / "f.csv"
    r = runner.invoke(app, ["extract", str(image), str(mask), "--naming", "ibsi", "-o", str(out), "--diagnostics"])
    assert r.exit_code == 0, r.output
    frame = pd.read_csv(out)
    assert len(frame) == 1
    assert "morph_volume" in frame.columns and "cm_joint_max_3D_comb" in frame.columns
    assert "int_mask_vox_count_reseg_roi" in frame.columns
    assert frame["morph_volume"].iloc[0] > 0


def test_extract_parquet_radiome_names(phantom, tmp_path):
    image, mask = phantom
    out = tmp_path / "f.parquet"
    r = runner.invoke(app, ["extract", str(image), str(mask), "-o", str(out)])
    assert r.exit_code == 0, r.output
    frame = pd.read_parquet(out)
    assert any(c.startswith("glcm_") for c in frame.columns)


def test_extract_with_config_file_and_bad_key(phantom, tmp_path):
    image, mask = phantom
    cfg = tmp_path / "s.yaml"
    cfg.write_text("discretisation:\n  method: fbs\n  bin_widht: 25\n")
    r = runner.invoke(app, ["extract", str(image), str(mask), "--config", str(cfg)])
    assert r.exit_code == 2
    assert "bin_width" in r.output and "ConfigError" in r.output


def test_unknown_preset(phantom):
    image, mask = phantom
    r = runner.invoke(app, ["extract", str(image), str(mask), "--preset", "ibsi1-config-z"])
    assert r.exit_code == 2 and "ibsi1-config" in r.output


def test_presets_listed():
    r = runner.invoke(app, ["presets"])
    assert r.exit_code == 0
    for name in ("ibsi1-digital-phantom", "ibsi1-config-a", "ibsi1-config-e"):
        assert name in r.output


def test_demo_help_says_the_data_is_synthetic():
    # the full demo runs end to end in tests/test_demo_end_to_end.py
    r = runner.invoke(app, ["demo", "--help"])
    assert r.exit_code == 0, r.output
    assert "SYNTHETIC" in r.output


@pytest.mark.shared
def test_ibsi_check_digital_phantom():
    data = shared_data("ibsi")
    r = runner.invoke(app, ["ibsi", "check", "--data", str(data), "--case", "digital-phantom"])
    assert "digital-phantom" in r.output
    assert r.exit_code == 0, r.output


@pytest.mark.shared
def test_convert_dicom_series_and_rtstruct(tmp_path):
    base = shared_data("sts", "dicom", "STS_001", "CT")
    img_out, msk_out = tmp_path / "ct.nii.gz", tmp_path / "gtv.nii.gz"
    r = runner.invoke(app, ["convert", str(base / "image"), str(img_out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["convert", str(base / "mask" / "RS.dcm"), str(msk_out), "--reference", str(base / "image"), "--roi", "GTV_Mass"])
    assert r.exit_code == 0, r.output
    from radiome.io.readers import read_image, read_mask

    img = read_image(img_out)
    msk = read_mask(msk_out)
    assert img.same_grid(msk) and msk.voxel_count > 100
    r = runner.invoke(app, ["extract", str(img_out), str(msk_out), "--preset", "ibsi1-config-c", "-o", str(tmp_path / "f.csv")])
    assert r.exit_code == 0, r.output


@pytest.mark.shared
def test_extract_pyradiomics_params(tmp_path):
    from radiome.compat.pyradiomics.extractor import extract_pyradiomics

    base = shared_data("pyradiomics_reference")
    params = tmp_path / "params.yaml"
    params.write_text("setting:\n  binWidth: 25\nimageType:\n  Original: {}\nfeatureClass:\n  firstorder:\n  glcm:\n")
    out = tmp_path / "pr.csv"
    image, label = base / "breast1_image.nrrd", base / "breast1_label.nrrd"
    r = runner.invoke(app, ["extract", str(image), str(label), "--pyradiomics-params", str(params), "-o", str(out)])
    assert r.exit_code == 0, r.output
    frame = pd.read_csv(out)
    expected = extract_pyradiomics(image, label, str(params))
    assert frame["original_glcm_Contrast"].iloc[0] == pytest.approx(expected["original_glcm_Contrast"], rel=1e-12)
    assert not any(c.startswith("diagnostics_") for c in frame.columns)
    r = runner.invoke(app, ["extract", str(image), str(label), "--pyradiomics-params", str(params), "--preset", "ibsi1-config-a"])
    assert r.exit_code == 2 and "replaces" in r.output
