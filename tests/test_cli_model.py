"""`radiome model evaluate` end to end on small seeded tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from radiome.cli.model import app

runner = CliRunner()


def _table(n: int = 80, p: int = 12, seed: int = 0, signal: float = 1.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = (X[:, 0] * signal + rng.normal(size=n) > 0).astype(int)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(p)])
    frame.insert(0, "patient", [f"P{i:03d}" for i in range(n)])
    frame["centre"] = np.where(np.arange(n) % 2 == 0, "A", "B")
    frame["outcome"] = y
    return frame


def test_cv_writes_predictions_metrics_and_figures(tmp_path):
    path = tmp_path / "features.csv"
    _table().to_csv(path, index=False)
    out = tmp_path / "out"
    res = runner.invoke(app, ["evaluate", str(path), "--target", "outcome", "--id", "patient",
                              "--design", "cv", "--models", "lr_l2,nb", "--repeats", "2",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "AUC (95% CI)" in res.output
    assert "centre" in res.output  # the non-numeric column is reported as left out
    preds = pd.read_csv(out / "predictions.csv")
    assert set(preds["model"]) == {"lr_l2", "nb"}
    assert len(preds) == 2 * 2 * 80  # models x repeats x cases
    metrics = json.loads((out / "metrics.json").read_text())
    for name in ("lr_l2", "nb"):
        entry = metrics["models"][name]
        assert len(entry["repeat_auc"]) == 2
        assert entry["auc"]["value"] == pytest.approx(np.mean(entry["repeat_auc"]))
        assert entry["auc"]["lower"] <= entry["auc"]["value"] <= entry["auc"]["upper"]
        assert entry["auc"]["value"] > 0.75  # a strong signal in f0
    assert metrics["delong_first_repeat"][0]["model_a"] == "lr_l2"
    for stem in ("roc", "decision_curve"):
        assert (out / "figures" / f"{stem}.png").stat().st_size > 1000
        assert (out / "figures" / f"{stem}.svg").exists()


def test_noise_table_is_near_chance_under_nested_cv(tmp_path):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(60, 300)), columns=[f"n{i}" for i in range(300)])
    frame["y"] = np.tile([0, 1], 30)
    path = tmp_path / "noise.parquet"
    frame.to_parquet(path)
    out = tmp_path / "out"
    res = runner.invoke(app, ["evaluate", str(path), "--target", "y", "--design", "nested-cv",
                              "--models", "lr_l1", "--repeats", "1", "-o", str(out)])
    assert res.exit_code == 0, res.output
    auc = json.loads((out / "metrics.json").read_text())["models"]["lr_l1"]["auc"]["value"]
    assert abs(auc - 0.5) < 0.2


def test_external_design_by_centre(tmp_path):
    path = tmp_path / "features.csv"
    _table(n=90).to_csv(path, index=False)
    out = tmp_path / "out"
    res = runner.invoke(app, ["evaluate", str(path), "--target", "outcome", "--id", "patient",
                              "--design", "external", "--group", "centre", "--models", "lr_l2",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["models"]["lr_l2"]["group_auc"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "outcom"], "did you mean 'outcome'"),
        (["--target", "outcome", "--models", "rff"], "did you mean 'rf'"),
        (["--target", "outcome", "--design", "external"], "--group"),
    ],
)
def test_clear_errors(tmp_path, args, message):
    path = tmp_path / "features.csv"
    _table(n=30).to_csv(path, index=False)
    res = runner.invoke(app, ["evaluate", str(path), *args, "-o", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert message in res.output


def test_missing_outcome_is_refused(tmp_path):
    frame = _table(n=30)
    frame.loc[3, "outcome"] = np.nan
    path = tmp_path / "features.csv"
    frame.to_csv(path, index=False)
    res = runner.invoke(app, ["evaluate", str(path), "--target", "outcome",
                              "-o", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "missing values" in res.output
