"""The study file: validation, nearest-key errors, path resolution, template, resolved dump."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from radiome.errors import ConfigError
from radiome.study.config import (
    StudyConfig,
    dump_study,
    load_study,
    study_from_dict,
    study_hash,
    study_keys,
    template_yaml,
)

MINIMAL = {"data": {"manifest": "m.csv"}, "outcome": {"column": "y"}}


def _write(tmp_path: Path, data: dict, name: str = "study.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def test_minimal_study_fills_defaults_and_resolves_paths(tmp_path):
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    p = _write(sub, {"data": {"manifest": "../m.csv", "clinical": "c.csv"}, "outcome": {"column": "y"},
                     "extraction": {"settings_file": "s.yaml", "by_modality": {"PET": {"settings_file": "pet.yaml"}}}})
    cfg = load_study(p)
    assert cfg.data.manifest == (tmp_path / "a" / "m.csv").resolve()
    assert cfg.data.clinical == (sub / "c.csv").resolve()
    assert cfg.extraction.settings_file == (sub / "s.yaml").resolve()
    assert cfg.extraction.by_modality["PET"].settings_file == (sub / "pet.yaml").resolve()
    assert cfg.design.kind == "split" and cfg.design.seed == 0
    assert cfg.selection.lambda_rule == "1se" and cfg.selection.cv_folds == 10
    assert cfg.missing.modalities == "drop-case"
    assert cfg.models.auto is False and cfg.outcome.type == "binary"


@pytest.mark.parametrize(
    "data, key, near",
    [
        ({**MINIMAL, "outcome": {"colum": "y"}}, "outcome.colum", "outcome.column"),
        ({**MINIMAL, "desing": {"seed": 1}}, "desing", "design"),
        ({**MINIMAL, "design": {"seeed": 1}}, "design.seeed", "design.seed"),
        ({**MINIMAL, "selection": {"lambda": "min"}}, "selection.lambda", "selection.lambda_rule"),
        ({**MINIMAL, "missing": {"modality": "impute"}}, "missing.modality", "missing.modalities"),
    ],
)
def test_unknown_key_names_the_nearest_valid_key(data, key, near):
    with pytest.raises(ConfigError) as err:
        study_from_dict(data)
    msg = str(err.value)
    assert f"unknown key '{key}'" in msg
    assert f"Did you mean '{near}'" in msg


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({"data": {"manifest": "m.csv", "features": "f.csv"}, "outcome": {"column": "y"}}, "exactly one of data.manifest"),
        ({"data": {}, "outcome": {"column": "y"}}, "exactly one of data.manifest"),
        ({"data": {"manifest": "m.csv"}, "outcome": {"type": "binary"}}, "needs outcome.column"),
        ({"data": {"manifest": "m.csv"}, "outcome": {"type": "survival", "time": "t"}}, "needs outcome.time and outcome.event"),
        ({**MINIMAL, "design": {"kind": "external"}}, "external_centres"),
        ({**MINIMAL, "design": {"test_size": 1.5}}, "design.test_size"),
        ({**MINIMAL, "missing": {"modalities": "drop"}}, "missing.modalities"),
        ({**MINIMAL, "predictors": {"clinical": ["age"], "categorical": ["grade"]}}, "not in predictors.clinical"),
        ({**MINIMAL, "extraction": {"preset": "ibsi1-config-c", "settings": {}}}, "give one of preset"),
        ({"outcome": {"column": "y"}}, "missing key 'data'"),
    ],
)
def test_invalid_studies_are_refused_with_the_reason(data, fragment):
    with pytest.raises(ConfigError) as err:
        study_from_dict(data)
    assert fragment in str(err.value)


def test_load_study_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_study(tmp_path / "nope.yaml")
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(ConfigError, match="empty"):
        load_study(tmp_path / "empty.yaml")
    (tmp_path / "bad.yaml").write_text("data: [unclosed\n")
    with pytest.raises(ConfigError, match="cannot parse"):
        load_study(tmp_path / "bad.yaml")


def test_every_key_is_documented():
    keys = study_keys()
    assert len(keys) > 50
    for key, typ, _default, desc in keys:
        assert desc.strip(), f"key {key} has no description"
        assert typ
    names = [k for k, *_ in keys]
    for expected in ("data.manifest", "data.features", "outcome.time", "missing.modalities", "design.kind",
                     "design.external_centres", "selection.lambda_rule", "models.auto", "evaluation.times",
                     "report.segmentation_method", "extraction.by_modality"):
        assert expected in names


def test_docs_page_lists_every_key():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "study.md").read_text(encoding="utf-8")
    missing = [k for k, typ, *_ in study_keys() if typ != "section" and f"`{k}`" not in doc]
    assert not missing, f"docs/study.md lacks {missing}"


def test_template_is_valid_yaml_that_loads_to_the_defaults(tmp_path):
    text = template_yaml({"data": {"manifest": "m.csv"}, "outcome": {"column": "y"}})
    for key, typ, *_ in study_keys():
        if typ != "section":
            assert key.split(".")[-1] in text
    p = tmp_path / "study.yaml"
    p.write_text(text, encoding="utf-8")
    cfg = load_study(p)
    assert cfg == study_from_dict(MINIMAL, tmp_path)


def test_dump_round_trip_and_hash(tmp_path):
    cfg = study_from_dict({**MINIMAL, "design": {"seed": 7}, "evaluation": {"times": [12, 24]}}, tmp_path)
    text = dump_study(cfg, tmp_path / "resolved.yaml")
    assert text.startswith("# radiome-study/1")
    again = load_study(tmp_path / "resolved.yaml")
    assert again == cfg
    assert study_hash(again) == study_hash(cfg)
    other = study_from_dict({**MINIMAL, "design": {"seed": 8}}, tmp_path)
    assert study_hash(other) != study_hash(cfg)
    assert isinstance(cfg, StudyConfig)
    with pytest.raises(Exception):
        cfg.title = "changed"  # frozen


def test_cli_init_writes_a_template_and_refuses_to_overwrite(tmp_path):
    from radiome.cli.main import app

    runner = CliRunner()
    out = tmp_path / "s.yaml"
    res = runner.invoke(app, ["study", "init", "-o", str(out)])
    assert res.exit_code == 0, res.output
    cfg = load_study(out)
    assert cfg.data.manifest == (tmp_path / "manifest.csv").resolve()
    res = runner.invoke(app, ["study", "init", "-o", str(out)])
    assert res.exit_code == 2
    assert "exists" in res.output


def test_cli_run_reports_a_bad_study_in_one_line(tmp_path):
    from radiome.cli.main import app

    p = _write(tmp_path, {**MINIMAL, "outcome": {"colum": "y"}})
    res = CliRunner().invoke(app, ["study", "run", str(p), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "Did you mean 'outcome.column'" in res.output
    assert "Traceback" not in res.output
