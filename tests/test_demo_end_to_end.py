"""`radiome demo` end to end, as the README runs it: the 120-case synthetic study and its report.

Checks every report section the study promises, that the numbers printed in report.html are
those of the CSVs, and that the report opens in headless Chromium with no console error and no
missing image (skipped without Chromium unless RADIOME_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import json
import re
import time

import pandas as pd
import pytest
from typer.testing import CliRunner

from radiome.cli.main import app
from test_report_browser import IMAGES_JS, _browser_process, _png_stats, browser, chromium  # noqa: F401
from test_study_run import _check_outputs

BINARY_SECTIONS = {"summary", "table1", "selection", "radscore", "roc", "threshold", "calibration",
                   "dca", "delong", "nomogram", "correlation", "checklist", "provenance"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    started = time.perf_counter()
    r = CliRunner().invoke(app, ["demo", "-o", str(folder), "--jobs", "2"])
    wall = time.perf_counter() - started
    assert r.exit_code == 0, r.output
    reports = list(folder.rglob("report.html"))
    assert len(reports) == 1, reports
    out = reports[0].parent
    return out, json.loads((out / "results.json").read_text()), r.output, wall


def test_demo_writes_the_complete_study(demo):
    out, results, output, _ = demo
    assert "report" in output.lower()
    _check_outputs(out, results, BINARY_SECTIONS)
    assert results["synthetic"] is True
    assert results["summary"]["n_cases"] == 120
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in html
    for section in results["sections"]:
        assert f'id="{section["id"]}"' in html or f"id='{section['id']}'" in html, section["id"]
    assert "<img" in html and 'src="figures/' not in html  # figures embedded, not linked


def test_report_numbers_are_the_csv_numbers(demo):
    out, results, _, _ = demo
    html = (out / "report.html").read_text(encoding="utf-8")
    shown = set(re.findall(r'data-value="([^"]*)"', html))
    for key in ("metrics", "delong"):
        frame = pd.read_csv(out / results["tables"][key]["csv"], dtype=str, keep_default_na=False)
        numeric = [c for c in frame.columns if c not in {"model", "set", "metric", "model_a", "model_b"}]
        cells = [v for c in numeric for v in frame[c] if v not in {"", "nan", "NaN"}]
        assert cells, key
        missing = [v for v in cells if v not in shown]
        assert not missing, f"{key}: {missing[:5]} not in report.html"
    import html as html_lib

    formula = pd.read_csv(out / results["tables"]["radscore_formula"]["csv"]).iloc[0, 0]
    assert formula.startswith("Rad-score = ")
    assert html_lib.escape(formula, quote=False) in html


def test_demo_report_opens_in_chromium(demo, browser):
    out, results, _, _ = demo
    browser.load((out / "report.html").resolve().as_uri())
    time.sleep(0.3)
    browser.evaluate("document.readyState")
    assert browser.problems() == []
    images = json.loads(browser.evaluate(IMAGES_JS))
    assert len(images) >= len(results["figures"]) - 1
    assert [i for i in images if not (i["ok"] and i["w"] > 0 and i["h"] > 0)] == []
    png = browser.screenshot()
    (out / "report_screenshot.png").write_bytes(png)
    width, height, stddev, colours = _png_stats(png)
    assert width == 1280 and height > 1000
    assert stddev > 10 and colours > 50
