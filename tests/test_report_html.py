"""The HTML study report: every section, table value and figure of a realistic fake OUT/."""

from __future__ import annotations

import atexit
import csv
import json
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from radiome.errors import InputError
from radiome.report.checklist import build_checklist
from radiome.report.figures import correlation_heatmap, save_figure
from radiome.report.html import build_html, format_number, load_results, render_fragment_table, render_report
from radiome.report.style import get_axes

BINARY_SECTIONS = ["summary", "table1", "selection", "radscore", "roc", "threshold", "calibration", "dca",
                   "delong", "nomogram", "shap", "correlation", "checklist", "methods", "provenance"]
NASTY = '<script>alert("x")</script> & <b>bold</b>'

FACTS = {
    "n_cases": 120, "n_events": 50, "n_non_events": 70, "n_candidate_features": 900,
    "n_selected_features": 7, "events_per_variable": 7.14, "design": "split 2:1, seed 0",
    "has_test_set": True, "has_external_validation": False, "has_cv": True,
    "calibration_reported": True, "dca_reported": True, "discrimination_ci_reported": True,
    "feature_reproducibility_assessed": False, "harmonisation_applied": False,
    "multiple_segmentation": None, "missing_data_rule": "complete cases", "n_cases_excluded": 0,
    "software_versions": {"radiome": "0.1.0"}, "seed": 0, "open_data": "unknown",
    "prospective": "unknown", "image_protocol_reported": "unknown", "synthetic_data": True,
    "table1_reported": True, "models": ["Rad-score", "Clinical", "Combined"],
}


# ------------------------------------------------------------------------ fake OUT/


def _line_figure(stem: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ax = get_axes(figsize=(4.0, 3.5))
    x = np.linspace(0, 1, 30)
    ax.plot(x, np.sort(rng.uniform(size=30)) ** (1 + seed % 3), label="Rad-score")
    ax.plot([0, 1], [0, 1], ls=":", color="0.6")
    ax.set_xlabel("1 - specificity")
    ax.set_ylabel("Sensitivity")
    ax.legend(frameon=False)
    save_figure(ax, stem, close=True)


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8")


_FIGURE_KEYS = ["lasso_path", "lasso_cv", "roc_train", "roc_test", "calibration", "dca", "nomogram", "shap",
                "unreferenced_fig"]
_FIGURE_CACHE: list[Path] = []


def _make_figures(folder: Path) -> None:
    """Draw the fake figures once per session; later OUT/ folders get copies."""
    if not (_FIGURE_CACHE and _FIGURE_CACHE[0].is_dir()):
        cache = Path(tempfile.mkdtemp(prefix="radiome-report-figs-"))
        atexit.register(shutil.rmtree, cache, True)
        _line_figure(cache / "line_a", 0)
        _line_figure(cache / "line_b", 1)
        for i, key in enumerate(_FIGURE_KEYS):  # copies: drawing ten figures would only cost time
            for ext in ("png", "svg"):
                if not (key == "calibration" and ext == "svg"):  # the calibration plot has no SVG
                    shutil.copyfile(cache / f"line_{'ab'[i % 2]}.{ext}", cache / f"{key}.{ext}")
        for ext in ("png", "svg"):
            (cache / f"line_a.{ext}").unlink()
            (cache / f"line_b.{ext}").unlink()
        rng = np.random.default_rng(1)
        feats = pd.DataFrame(rng.normal(size=(40, 5)), columns=[f"CT_GTV_glcm_f{i}" for i in range(5)])
        feats["CT_GTV_glcm_f4"] = feats["CT_GTV_glcm_f0"] * 0.8 + rng.normal(scale=0.3, size=40)
        save_figure(correlation_heatmap(feats), cache / "correlation", close=True)
        _FIGURE_CACHE[:] = [cache]
    shutil.copytree(_FIGURE_CACHE[0], folder, dirs_exist_ok=True)


def make_study_out(root: Path, *, synthetic: bool = True, title: str = "Demo study: lung metastasis") -> Path:
    """A realistic OUT/ folder as the study engine writes it (small, seeded)."""
    out = Path(root)
    rng = np.random.default_rng(0)
    _make_figures(out / "figures")
    figures = {key: {"png": f"figures/{key}.png", "svg": f"figures/{key}.svg",
                     "caption": f"{key.replace('_', ' ').capitalize()} of the models."} for key in _FIGURE_KEYS}
    figures["correlation"] = {"png": "figures/correlation.png", "svg": "figures/correlation.svg",
                              "caption": "Spearman correlation of the selected features (clustered)."}

    tables = {}
    t1 = pd.DataFrame({
        "variable": ["n", "age, mean ± SD", "sex, n (%)", "", "grade, median (IQR)"],
        "level": ["", "", "female", "male", ""],
        "Overall": ["120", "61.2 ± 9.8", "55 (45.8)", "65 (54.2)", "2.0 (1.0, 3.0)"],
        "split: train": ["80", "60.9 ± 9.5", "37 (46.2)", "43 (53.8)", "2.0 (1.0, 3.0)"],
        "split: test": ["40", "61.8 ± 10.4", "18 (45.0)", "22 (55.0)", "2.0 (1.0, 3.0)"],
        "split: p": ["", "0.634", "1.000", "", "<0.001"],
    })
    _write_csv(out / "tables" / "table1.csv", t1)
    tables["table1"] = {"csv": "tables/table1.csv", "caption": "Characteristics by set.", "float_format": None}
    coefs = pd.DataFrame({"feature": [f"CT_GTV_glcm_f{i}" for i in range(5)],
                          "coefficient": rng.normal(size=5), "lambda": [0.0123456789] * 5})
    _write_csv(out / "tables" / "lasso_coefficients.csv", coefs)
    tables["lasso_coefficients"] = {"csv": "tables/lasso_coefficients.csv",
                                    "caption": "Selected features and LASSO coefficients.", "float_format": 4}
    _write_csv(out / "tables" / "radscore_formula.csv", pd.DataFrame(
        {"formula": ["Rad-score = -0.412 + 0.537 × CT_GTV_glcm_f0 - 0.2 × CT_GTV_glcm_f3 (x < 1 & y > 2)"]}))
    tables["radscore_formula"] = {"csv": "tables/radscore_formula.csv", "caption": "Rad-score formula."}
    rows = []
    for model in ["Rad-score", "Clinical", "Combined"]:
        for set_ in ["train", "test"]:
            for metric in ["auc", "sensitivity", "specificity", "youden", "brier", "hl_p"]:
                v = float(rng.uniform(0.5, 0.95))
                rows.append({"model": model, "set": set_, "metric": metric, "value": v,
                             "lower": v - 0.1 if metric == "auc" else np.nan,
                             "upper": v + 0.05 if metric == "auc" else np.nan})
    _write_csv(out / "tables" / "metrics.csv", pd.DataFrame(rows))
    tables["metrics"] = {"csv": "tables/metrics.csv", "caption": "Performance per model and set.",
                         "float_format": 3}
    delong = pd.DataFrame({"set": ["test", "test"], "model_a": ["Combined", "Combined"],
                           "model_b": ["Rad-score", "Clinical"], "auc_a": [0.85, 0.85], "auc_b": [0.81, 0.66],
                           "difference": [0.04, 0.19], "lower": [-0.02, 0.08], "upper": [0.1, 0.3],
                           "z": [1.31, 3.9], "p": [0.1903, 9.6e-05]})
    _write_csv(out / "tables" / "delong.csv", delong)
    tables["delong"] = {"csv": "tables/delong.csv", "caption": "DeLong tests between models.", "float_format": 3}
    preds = pd.DataFrame({"case_id": [f"case_{i:03d}" for i in range(60)],
                          "set": ["train"] * 40 + ["test"] * 20, "y": rng.integers(0, 2, 60),
                          "Rad-score": rng.uniform(size=60), "Combined": rng.uniform(size=60)})
    _write_csv(out / "tables" / "predictions.csv", preds)
    tables["predictions"] = {"csv": "tables/predictions.csv", "caption": "Predicted probabilities.",
                             "float_format": 3}
    facts = dict(FACTS, synthetic_data=synthetic)
    _write_csv(out / "tables" / "checklist.csv", build_checklist(facts))
    tables["checklist"] = {"csv": "tables/checklist.csv", "caption": "TRIPOD+AI and RQS checklist.",
                           "float_format": None}
    _write_csv(out / "tables" / "nasty.csv", pd.DataFrame({"name": [NASTY], "value": [1.5]}))
    tables["nasty"] = {"csv": "tables/nasty.csv", "caption": NASTY, "float_format": 2}

    record = {
        "radiome_version": "0.1.0",
        "versions": {"python": "3.11.2", "numpy": "1.26.4", "scikit-learn": "1.9.0"},
        "study_config_hash": "sha256:aaaabbbbccccdddd",
        "feature_config_hash": "sha256:1234567890abcdef",
        "input_checksums": {"clinical.csv": "sha256:feedface", "manifest.csv": "sha256:deadbeef"},
        "timings_s": {"extraction": 12.5, "selection": 1.2, "report": 0.4},
        "seed": 0,
        "missing_data": [{"case_id": "case_007", "rule": "drop", "reason": "CT missing <none>"}],
    }
    (out / "record.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    (out / "study.yaml").write_text("outcome: metastasis\ndesign:\n  split: 0.667\n  seed: 0\n", encoding="utf-8")

    section_figs = {"selection": ["lasso_path", "lasso_cv"], "roc": ["roc_train", "roc_test"],
                    "calibration": ["calibration"], "dca": ["dca"], "nomogram": ["nomogram"],
                    "shap": ["shap"], "correlation": ["correlation"]}
    section_tabs = {"table1": ["table1"], "selection": ["lasso_coefficients"], "radscore": ["radscore_formula"],
                    "threshold": ["metrics", "predictions"], "delong": ["delong"], "checklist": ["checklist"],
                    "methods": ["nasty"]}
    sections = [{"id": sid, "title": sid.capitalize() if sid != "methods" else NASTY,
                 "text": [f"Paragraph about {sid}."] + ([NASTY] if sid == "methods" else []),
                 "figures": section_figs.get(sid, []), "tables": section_tabs.get(sid, [])}
                for sid in BINARY_SECTIONS]
    results = {
        "schema": "radiome-study-results/1", "title": title, "synthetic": synthetic,
        "created": "2025-01-02T03:04:05+00:00", "radiome_version": "0.1.0",
        "summary": {"outcome": "metastasis", "outcome_type": "binary", "n_cases": 120, "n_events": 50,
                    "n_train": 80, "n_test": 40, "design": "split 2:1, seed 0", "n_candidate_features": 900,
                    "n_selected_features": 7, "models": ["Rad-score", "Clinical", "Combined"],
                    "text": "A synthetic demonstration study."},
        "warnings": ["Only 7.1 events per variable: too few for a trustworthy model.", NASTY],
        "sections": sections, "figures": figures, "tables": tables, "facts": facts,
    }
    (out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return out


# --------------------------------------------------------------------------- parsing

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Collector(HTMLParser):
    """Strict nesting check plus everything the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.ids: list[str] = []
        self.text_by_tag: dict[str, list[str]] = {}
        self._cur: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])
        if tag not in VOID:
            self.stack.append(tag)
            self._cur.append((tag, []))

    def handle_startendtag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
            return
        self.stack.pop()
        name, parts = self._cur.pop()
        text = "".join(parts)
        self.text_by_tag.setdefault(name, []).append(text)
        if self._cur:
            self._cur[-1][1].append(text)

    def handle_data(self, data):
        if self._cur:
            self._cur[-1][1].append(data)


def parse(text: str) -> Collector:
    c = Collector()
    c.feed(text)
    c.close()
    return c


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = make_study_out(tmp_path_factory.mktemp("OUT"))
    path = render_report(out)
    text = path.read_text(encoding="utf-8")
    return out, path, text, parse(text)


# ----------------------------------------------------------------------------- tests


def test_report_written_and_well_formed(study):
    out, path, text, doc = study
    assert path == out / "report.html"
    assert text.startswith("<!DOCTYPE html>")
    assert doc.errors == []
    assert doc.stack == []
    assert len(doc.ids) == len(set(doc.ids)), "duplicate ids"


def test_every_section_renders_in_order(study):
    _, _, text, doc = study
    sections = [a["id"] for t, a in doc.tags if t == "section"]
    assert sections[: len(BINARY_SECTIONS) - 1] == BINARY_SECTIONS[:-1]
    assert "provenance" in sections and "supplement" in sections
    toc = [a["href"] for t, a in doc.tags if t == "a" and a.get("href", "").startswith("#")]
    for sid in sections:
        assert f"#{sid}" in toc


def test_every_table_value_appears(study):
    out, _, _, doc = study
    values = {a["data-value"] for _, a in doc.tags if "data-value" in a}
    cells = set(doc.text_by_tag.get("td", []))
    results = json.loads((out / "results.json").read_text())
    for key, meta in results["tables"].items():
        with open(out / meta["csv"], encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        ths = set(doc.text_by_tag.get("th", []))
        if len(rows) > 2 or len(header) > 1:
            assert set(header) <= ths, key
        for row in rows[1:]:
            for cell in row:
                assert cell in values or cell in cells, f"{key}: {cell!r} not in the report"


def test_numbers_are_formatted_with_exact_value_kept(study):
    out, _, text, doc = study
    coefs = pd.read_csv(out / "tables" / "lasso_coefficients.csv", dtype=str)
    raw = coefs["coefficient"].iloc[0]
    tds = [(a, t) for (tag, a), t in zip([x for x in doc.tags if x[0] == "td"], doc.text_by_tag["td"])]
    assert any(a.get("data-value") == raw for a, _ in tds)
    assert f">{float(raw):.4f}<" in text
    assert 'data-value="9.6e-05"' in text and ">&lt;0.001<" in text  # DeLong p


def test_images_are_embedded(study):
    _, _, text, doc = study
    imgs = [a for t, a in doc.tags if t == "img"]
    assert len(imgs) == 10  # nine referenced + the supplement one, no duplicates
    for a in imgs:
        assert a["src"].startswith(("data:image/svg+xml;base64,", "data:image/png;base64,"))
        assert a.get("alt")
    assert sum(a["src"].startswith("data:image/png") for a in imgs) == 1  # the calibration plot has no SVG
    for t, a in doc.tags:
        for attr in ("src", "href"):
            if attr in a:
                assert a[attr].startswith(("data:", "#")), (t, a[attr][:60])
    assert "<link" not in text and "<script" not in text.lower()
    assert "Content-Security-Policy" in text


def test_figures_and_tables_are_numbered(study):
    _, _, text, _ = study
    for n in range(1, 11):
        assert f'<span class="label">Figure {n}.</span>' in text
    for n in range(1, 9):
        assert f'<span class="label">Table {n}.</span>' in text
    assert "Source: tables/metrics.csv (36 rows)" in text
    assert "Files: figures/roc_test.png, figures/roc_test.svg" in text


def test_text_is_escaped(study):
    _, _, text, doc = study
    assert NASTY not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in text
    assert not any(t in {"script", "b"} for t, _ in doc.tags)
    assert any(h.endswith(NASTY) for h in doc.text_by_tag["h2"])  # the title round-trips as text
    assert "Rad-score = -0.412 + 0.537 × CT_GTV_glcm_f0 - 0.2 × CT_GTV_glcm_f3 (x &lt; 1 &amp; y &gt; 2)" in text


def test_synthetic_banner_and_header(study, tmp_path):
    _, _, text, doc = study
    assert any("synthetic-banner" in a.get("class", "") for _, a in doc.tags)
    assert "<strong>SYNTHETIC DATA</strong>" in text
    assert doc.text_by_tag["title"][0].startswith("[SYNTHETIC DATA]")
    assert "radiome 0.1.0" in text and "2 January 2025, 03:04 UTC" in text
    real = build_html(make_study_out(tmp_path / "real", synthetic=False))
    assert not any("synthetic" in a.get("class", "") for _, a in parse(real).tags)
    assert "SYNTHETIC DATA" not in real


def test_warnings_checklist_and_provenance(study):
    _, _, text, doc = study
    assert "Only 7.1 events per variable" in text
    assert 'class="badge badge-not-done"' in text and 'class="badge badge-for-the-author"' in text
    assert "RQS " in text and "of 36 points" in text
    for needle in ("sha256:1234567890abcdef", "sha256:aaaabbbbccccdddd", "scikit-learn", "1.9.0",
                   "case_007", "CT missing &lt;none&gt;", "Resolved study file (study.yaml)", "seed: 0"):
        assert needle in text, needle


def test_missing_files_become_warnings_not_errors(tmp_path):
    out = make_study_out(tmp_path)
    (out / "figures" / "roc_test.svg").unlink()
    (out / "figures" / "roc_test.png").unlink()
    (out / "tables" / "delong.csv").unlink()
    (out / "record.json").unlink()
    text = render_report(out, output=tmp_path / "elsewhere" / "r.html").read_text()
    doc = parse(text)
    assert doc.errors == []
    assert "Figure &#x27;roc_test&#x27;: no readable file" in text
    assert "Table &#x27;delong&#x27;: CSV file missing" in text
    assert "record.json not found" in text
    assert all(a["src"].startswith("data:") for t, a in doc.tags if t == "img")


def test_checklist_built_from_facts_when_engine_gives_no_table(tmp_path):
    out = make_study_out(tmp_path)
    res = json.loads((out / "results.json").read_text())
    for s in res["sections"]:
        if s["id"] == "checklist":
            s["tables"] = []
    del res["tables"]["checklist"]
    text = build_html(out, res)
    assert "TRIPOD+AI and RQS checklist filled in from the run" in text
    assert "10 Sample size" in text and "for the author" in text


def test_load_results_errors(tmp_path):
    with pytest.raises(InputError, match="results.json not found"):
        load_results(tmp_path)
    (tmp_path / "results.json").write_text("{not json")
    with pytest.raises(InputError, match="not valid UTF-8 JSON"):
        load_results(tmp_path)
    (tmp_path / "results.json").write_text(json.dumps({"schema": "other/1", "sections": []}))
    with pytest.raises(InputError, match="schema"):
        render_report(tmp_path)


def test_render_fragment_table(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("model,auc,p,n\nA,0.812345,0.00001,40\nB,,nan,7\n", encoding="utf-8")
    frag = render_fragment_table(path, 2, caption="AUCs", number=3, key="auc")
    doc = parse(frag)
    assert doc.errors == []
    assert 'id="tab-auc"' in frag and "Table 3." in frag
    assert 'data-value="0.812345" title="0.812345">0.81<' in frag
    assert ">&lt;0.01<" in frag and ">40<" in frag and ">\u2013<" in frag
    with pytest.raises(InputError):
        render_fragment_table(tmp_path / "nope.csv")


@pytest.mark.parametrize(("text", "spec", "column", "shown"), [
    ("0.5", 3, "", "0.500"), ("-1.23456", 2, "", "-1.23"), ("1e-09", 3, "coef", "1.00e-09"),
    ("0.0004", 3, "split: p", "<0.001"), ("0.0004", 3, "p_value", "<0.001"), ("12", 3, "", "12"),
    ("0.25", "{:.0%}", "", "25%"), ("0.25", ".1e", "", "2.5e-01"), ("3.14159", None, "", "3.14159"),
    ("3.14159", {"x": 1, "default": 4}, "x", "3.1"), ("3.14159", {"x": 1, "default": 4}, "y", "3.1416"),
    ("inf", 3, "", "\u221e"), ("NA", 3, "", "\u2013"), ("61.2 ± 9.8", 3, "", "61.2 ± 9.8"),
    ("123456789.0", 2, "", "1.23e+08"), ("0.0", 3, "p", "0.000"),
])
def test_format_number(text, spec, column, shown):
    assert format_number(text, spec, column)[0] == shown
