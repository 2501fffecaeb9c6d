"""The study report: one self-contained HTML file rendered from ``OUT/results.json``.

:func:`render_report` reads ``results.json`` (schema ``radiome-study-results/1``) and the files
it names (``tables/<key>.csv``, ``figures/<key>.svg|png``, ``record.json``, ``study.yaml``) and
writes ``report.html``: inline CSS, every figure embedded as a ``data:`` URI (the SVG, text
kept as text, or the PNG when there is no SVG), no script, no external resource (a Content
Security Policy forbids any), so the file opens offline and can be mailed as is.

Layout: a header (title, date, radiome version, key numbers), a "SYNTHETIC DATA" banner and a
ribbon on every printed page when ``synthetic`` is true, the warnings, a sticky table of
contents, then the sections in the order of ``results.json`` with numbered figures
(caption below) and tables (caption above), and a provenance section built from
``record.json``. Every table cell shows its number formatted per the table's
``float_format`` and keeps the exact CSV text in ``data-value`` (and in ``title`` when the
display differs), so nothing is lost to rounding. All text is HTML-escaped. Files the
results name but that are missing are listed as problems in the warnings box instead of
breaking the page.

``float_format`` (per table): an int (decimal places, default 3), ``None`` (show the CSV text
unchanged), a format spec (``".2e"``, ``"{:.1%}"``) or a dict ``{column: any of those}`` with
an optional ``"default"``. Integers are shown as written; p-value columns (``p``,
``p_value``, ``*_p``, ``<by>: p``) show ``<0.001`` below the displayed precision; other tiny
non-zero values switch to scientific notation.
"""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import html
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from radiome.errors import InputError

__all__ = [
    "SCHEMA",
    "render_report",
    "build_html",
    "load_results",
    "render_fragment_table",
    "format_number",
]

#: The results.json schema family this renderer reads.
SCHEMA = "radiome-study-results/1"
_LONG_TABLE_ROWS = 25
_MAX_INLINE_SVG_BYTES = 2_500_000
_MISSING_TEXT = {"", "nan", "NaN", "NA", "N/A", "null", "None", "<NA>"}
_INT_RE = re.compile(r"^[+-]?\d+$")
_NAMES = {
    "summary": "Study summary", "table1": "Table 1: characteristics", "selection": "Feature selection",
    "radscore": "Rad-score", "roc": "Discrimination (ROC)", "threshold": "Threshold metrics",
    "calibration": "Calibration", "dca": "Decision curves", "delong": "Model comparison (DeLong)",
    "nomogram": "Nomogram", "survival": "Survival analysis", "shap": "Model explanation (SHAP)",
    "correlation": "Feature correlation", "checklist": "Reporting checklist", "methods": "Methods",
    "provenance": "Provenance",
}


def esc(value: Any) -> str:
    """HTML-escape any value (quotes too, so it is safe in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


# ------------------------------------------------------------------------- numbers


def _is_p_column(column: str) -> bool:
    c = column.strip().lower()
    return c in {"p", "p_value", "pvalue", "p-value", "p value", "p.value", "pr(>|z|)"} or \
        c.endswith((": p", "_p", " p")) or c.startswith(("p_", "p-value"))


def _spec_for(float_format: Any, column: str) -> Any:
    if isinstance(float_format, Mapping):
        if column in float_format:
            return float_format[column]
        return float_format.get("default", 3)
    return float_format


def format_number(text: str, float_format: Any = 3, column: str = "") -> tuple[str, bool]:
    """Display form of one CSV cell, and whether the cell is numeric.

    Parameters
    ----------
    text : str
        The cell exactly as in the CSV.
    float_format : int, str, dict or None
        See the module docstring.
    column : str
        The column's header (p-value columns get ``<0.001`` style display).

    Returns
    -------
    (str, bool)
        The text to show (not escaped) and True for a number or an empty/NaN cell.

    Examples
    --------
    >>> format_number("0.812345", 3)
    ('0.812', True)
    >>> format_number("0.00001", 3, column="p")
    ('<0.001', True)
    >>> format_number("120", 3)
    ('120', True)
    >>> format_number("male", 3)
    ('male', False)
    """
    raw = text.strip()
    if raw in _MISSING_TEXT:
        return "\u2013", True
    if _INT_RE.match(raw):
        return raw, True
    try:
        value = float(raw)
    except ValueError:
        return text, False
    if math.isnan(value):
        return "\u2013", True
    if math.isinf(value):
        return ("\u2212\u221e" if value < 0 else "\u221e"), True
    spec = _spec_for(float_format, column)
    if spec is None:
        return raw, True
    if isinstance(spec, str):
        try:
            return (spec.format(value) if "{" in spec else format(value, spec.lstrip("%"))), True
        except (ValueError, IndexError, KeyError):
            return raw, True
    digits = int(spec)
    threshold = 0.5 * 10.0 ** (-digits)
    if value != 0.0 and abs(value) < threshold:
        if _is_p_column(column) and value > 0:
            return "<" + format(10.0 ** (-digits), f".{digits}f"), True
        return format(value, f".{max(digits - 1, 1)}e"), True
    if abs(value) >= 1e7:
        return format(value, f".{max(digits, 1)}e"), True
    return format(value, f".{digits}f"), True


# --------------------------------------------------------------------------- tables


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return [], []
    header, body = rows[0], rows[1:]
    width = max([len(header)] + [len(r) for r in body])
    header = header + [""] * (width - len(header))
    body = [r + [""] * (width - len(r)) for r in body]
    return header, body


def _cell(text: str, float_format: Any, column: str, status_col: bool, numeric_col: bool) -> str:
    if not text.strip() and not numeric_col:
        return "<td></td>"
    shown, numeric = format_number(text, float_format, column)
    if status_col and text.strip().lower() in {"done", "not done", "for the author"}:
        cls = text.strip().lower().replace(" ", "-")
        return f'<td class="status"><span class="badge badge-{cls}">{esc(text)}</span></td>'
    if not numeric:
        short = ' class="short"' if len(text) <= 14 else ""
        return f"<td{short}>{esc(text)}</td>"
    title = f' title="{esc(text)}"' if shown != text else ""
    cls = ' class="num"' if numeric_col else ""
    return f'<td{cls} data-value="{esc(text)}"{title}>{esc(shown)}</td>'


def _table_html(header: Sequence[str], body: Sequence[Sequence[str]], float_format: Any) -> str:
    numeric_cols = []
    for j, name in enumerate(header):
        values = [r[j] for r in body if r[j].strip() not in _MISSING_TEXT]
        numeric_cols.append(bool(values) and all(format_number(v, 3)[1] for v in values))
    status_cols = [h.strip().lower() == "status" for h in header]
    num_attr = ' class="num"'
    head = "".join(
        f'<th scope="col"{num_attr if numeric_cols[j] else ""}>{esc(h)}</th>' for j, h in enumerate(header)
    )
    lines = [f"<table class=\"data\"><thead><tr>{head}</tr></thead><tbody>"]
    for row in body:
        lines.append("<tr>" + "".join(_cell(v, float_format, header[j], status_cols[j], numeric_cols[j])
                                      for j, v in enumerate(row)) + "</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def render_fragment_table(
    csv_path: str | Path,
    float_format: Any = 3,
    *,
    caption: str | None = None,
    number: int | None = None,
    key: str | None = None,
    source: str | None = None,
) -> str:
    """One CSV file as an HTML ``<figure class="table">`` fragment (escaped, self-contained).

    Parameters
    ----------
    csv_path : str or Path
        CSV with the header on the first row.
    float_format : int, str, dict or None
        Number display (module docstring); exact text kept in ``data-value``.
    caption : str, optional
        Caption shown above the table.
    number : int, optional
        Table number ("Table 3.").
    key : str, optional
        Table key; the fragment's id is ``tab-<key>``.
    source : str, optional
        Path shown in the note under the table (default: ``csv_path`` as given).

    Returns
    -------
    str
        HTML. A one-cell table (such as the Rad-score formula) is shown as a formula block.

    Raises
    ------
    InputError
        The CSV cannot be read.
    """
    path = Path(csv_path)
    try:
        header, body = _read_csv(path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read table CSV {path}: {exc}. Rerun the study to regenerate it.") from exc
    ident = f' id="tab-{_slug(key)}"' if key else ""
    label = f'<span class="label">Table {number}.</span> ' if number is not None else ""
    cap = f"<figcaption>{label}{esc(caption or '')}</figcaption>" if (caption or label) else ""
    n_rows = len(body)
    note = f'<p class="source">Source: {esc(source or str(csv_path))} ({n_rows} row{"s" if n_rows != 1 else ""})</p>'
    if len(header) == 1 and n_rows == 1:
        text = body[0][0]
        block = (f'<div class="formula" data-value="{esc(text)}"><span class="formula-name">{esc(header[0])}</span>'
                 f"<code>{esc(text)}</code></div>")
        return f'<figure class="table"{ident}>{cap}{block}{note}</figure>'
    if not header:
        return f'<figure class="table"{ident}>{cap}<p class="empty">(empty table)</p>{note}</figure>'
    scroll = "table-scroll long" if n_rows > _LONG_TABLE_ROWS else "table-scroll"
    return (f'<figure class="table"{ident}>{cap}<div class="{scroll}">'
            f"{_table_html(header, body, float_format)}</div>{note}</figure>")


# --------------------------------------------------------------------------- helpers

_SVG_WIDTH_RE = re.compile(rb"<svg\b[^>]*?\swidth=\"([0-9.]+)\s*(pt|px|in|cm|mm)?\"", re.S)
_PX_PER_UNIT = {b"pt": 96 / 72, b"px": 1.0, b"in": 96.0, b"cm": 96 / 2.54, b"mm": 96 / 25.4, None: 1.0}


def _display_width(data: bytes, mime: str) -> float | None:
    """The figure's intended width in CSS px (its physical size at 96 px/inch), if known.

    SVG: the root ``width`` attribute; PNG: pixel width over the ``pHYs`` resolution
    (200 dpi assumed without one).
    """
    try:
        if mime == "image/svg+xml":
            m = _SVG_WIDTH_RE.search(data[:4096])
            return float(m.group(1)) * _PX_PER_UNIT[m.group(2)] if m else None
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            width = int.from_bytes(data[16:20], "big")
            dpi = 200.0
            i = data.find(b"pHYs", 8, 4096)
            if i > 0 and data[i + 12] == 1:
                ppm = int.from_bytes(data[i + 4:i + 8], "big")
                dpi = ppm * 0.0254 if ppm > 0 else dpi
            return width * 96.0 / dpi
    except (ValueError, IndexError, KeyError):
        return None
    return None


def _slug(text: Any) -> str:
    s = re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-")
    return s or "x"


def load_results(out_dir: str | Path) -> dict[str, Any]:
    """Read and check ``<out_dir>/results.json``.

    Raises
    ------
    InputError
        Missing file, invalid JSON, another schema, or ``sections`` not a list.
    """
    path = Path(out_dir) / "results.json"
    if not path.is_file():
        raise InputError(f"{path} not found: render_report needs the study output folder written by "
                         "`radiome study run` (results.json is its index).")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not valid UTF-8 JSON ({exc}); rerun the study to rewrite it.") from exc
    if not isinstance(results, dict):
        raise InputError(f"{path} must hold a JSON object; got {type(results).__name__}.")
    schema = str(results.get("schema", ""))
    if schema.split("/")[0] != SCHEMA.split("/")[0]:
        raise InputError(f"{path} has schema {schema!r}; this radiome renders {SCHEMA!r}. "
                         "Rerun the study with this radiome version.")
    if not isinstance(results.get("sections", []), list):
        raise InputError(f"{path}: 'sections' must be a list of section objects.")
    return results


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _format_date(value: Any) -> str:
    if not value:
        return ""
    try:
        when = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    text = when.strftime("%d %B %Y, %H:%M").lstrip("0")
    return text + (" UTC" if when.utcoffset() == _dt.timedelta(0) else "")


class _Renderer:
    """Holds the numbering state of one report."""

    def __init__(self, out_dir: Path, results: dict[str, Any]):
        self.out = out_dir
        self.results = results
        figures, tables = results.get("figures") or {}, results.get("tables") or {}
        self.figures: Mapping[str, Any] = figures if isinstance(figures, Mapping) else {}
        self.tables: Mapping[str, Any] = tables if isinstance(tables, Mapping) else {}
        self.fig_no: dict[str, int] = {}
        self.tab_no: dict[str, int] = {}
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.anchor: dict[tuple[str, str], str] = {}

    # ------------------------------------------------------------------ pieces
    def unique_id(self, wanted: str) -> str:
        base = _slug(wanted)
        if base.startswith("radiome-"):
            base = "s-" + base
        ident, i = base, 2
        while ident in self.ids:
            ident = f"{base}-{i}"
            i += 1
        self.ids.add(ident)
        return ident

    def path(self, rel: Any) -> Path:
        p = Path(str(rel))
        return p if p.is_absolute() else self.out / p

    def figure(self, key: str) -> str:
        if key in self.fig_no:
            return f'<p class="xref">See <a href="#{self.anchor[("f", key)]}">Figure {self.fig_no[key]}</a>.</p>'
        meta = self.figures.get(key)
        if not isinstance(meta, Mapping):
            self.problems.append(f"Figure '{key}' is listed in a section but not in results.json 'figures'.")
            return f'<p class="missing">[Figure \u201c{esc(key)}\u201d is not available.]</p>'
        data_uri, used, width = None, [], None
        svg, png = meta.get("svg"), meta.get("png")
        for rel, mime in ((svg, "image/svg+xml"), (png, "image/png")):
            if not rel:
                continue
            p = self.path(rel)
            if not p.is_file():
                continue
            size = p.stat().st_size
            if mime == "image/svg+xml" and size > _MAX_INLINE_SVG_BYTES and png and self.path(png).is_file():
                continue
            raw = p.read_bytes()
            data_uri = f"data:{mime};base64," + base64.b64encode(raw).decode("ascii")
            width = _display_width(raw, mime)
            break
        for rel in (png, svg):
            if rel:
                used.append(str(rel))
        caption = str(meta.get("caption") or "")
        if data_uri is None:
            self.problems.append(f"Figure '{key}': no readable file ({', '.join(used) or 'no path given'}).")
            return f'<p class="missing">[Figure \u201c{esc(key)}\u201d: file missing ({esc(", ".join(used))}).]</p>'
        n = len(self.fig_no) + 1
        self.fig_no[key] = n
        ident = self.unique_id(f"fig-{key}")
        self.anchor[("f", key)] = ident
        files = f'<span class="source">Files: {esc(", ".join(used))}</span>' if used else ""
        style = f' style="width:{width:.0f}px"' if width else ""
        return (f'<figure class="figure" id="{ident}"{style}><img src="{data_uri}" alt="{esc(caption or key)}">'
                f'<figcaption><span class="label">Figure {n}.</span> {esc(caption)}{files}</figcaption></figure>')

    def table(self, key: str) -> str:
        if key in self.tab_no:
            return f'<p class="xref">See <a href="#{self.anchor[("t", key)]}">Table {self.tab_no[key]}</a>.</p>'
        meta = self.tables.get(key)
        if not isinstance(meta, Mapping):
            self.problems.append(f"Table '{key}' is listed in a section but not in results.json 'tables'.")
            return f'<p class="missing">[Table \u201c{esc(key)}\u201d is not available.]</p>'
        rel = meta.get("csv")
        p = self.path(rel) if rel else None
        if p is None or not p.is_file():
            self.problems.append(f"Table '{key}': CSV file missing ({rel}).")
            return f'<p class="missing">[Table \u201c{esc(key)}\u201d: file missing ({esc(rel)}).]</p>'
        n = len(self.tab_no) + 1
        ident = self.unique_id(f"tab-{key}")
        self.anchor[("t", key)] = ident
        try:
            frag = render_fragment_table(p, meta.get("float_format", 3), caption=str(meta.get("caption") or ""),
                                         number=n, source=str(rel))
        except InputError as exc:
            self.problems.append(str(exc))
            return f'<p class="missing">[Table \u201c{esc(key)}\u201d cannot be read.]</p>'
        self.tab_no[key] = n
        return frag.replace('<figure class="table"', f'<figure class="table" id="{ident}"', 1)

    def paragraphs(self, text: Any) -> str:
        return "\n".join(f"<p>{esc(t)}</p>" for t in _as_list(text) if str(t).strip())

    # ------------------------------------------------------------------ specials
    def checklist_extra(self, section: Mapping[str, Any]) -> str:
        from radiome.report.checklist import STATUSES, build_checklist, rqs_score

        facts = self.results.get("facts")
        if not isinstance(facts, Mapping):
            return ""
        parts = []
        score = rqs_score(facts)
        table = None
        if not _as_list(section.get("tables")):
            table = build_checklist(facts)
            counts = table["status"].value_counts()
            parts.append('<p class="rqs">' + esc(", ".join(f"{int(counts.get(s, 0))} {s}" for s in STATUSES)) + ".</p>")
        parts.append(f'<p class="rqs"><strong>{esc(score.format())}</strong> (range {score.min_points} '
                     f"to {score.max_points}).</p>")
        parts.append('<p class="legend"><span class="badge badge-done">done</span> the run did or reported '
                     'it &nbsp; <span class="badge badge-not-done">not done</span> a known fact shows it '
                     'was not done &nbsp; <span class="badge badge-for-the-author">for the author</span> '
                     "the run cannot know it</p>")
        if table is not None:
            n = len(self.tab_no) + 1
            self.tab_no["checklist"] = n
            header = list(table.columns)
            body = [[str(v) for v in row] for row in table.itertuples(index=False)]
            ident = self.unique_id("tab-checklist")
            self.anchor[("t", "checklist")] = ident
            parts.append(f'<figure class="table" id="{ident}"><figcaption><span class="label">Table {n}.</span> '
                         f'TRIPOD+AI and RQS checklist filled in from the run\u2019s facts.</figcaption>'
                         f'<div class="table-scroll long">{_table_html(header, body, None)}</div>'
                         f'<p class="source">Source: results.json facts</p></figure>')
        return "\n".join(parts)

    def provenance_extra(self) -> str:
        parts = []
        record_path = self.out / "record.json"
        if record_path.is_file():
            try:
                record = json.loads(record_path.read_text(encoding="utf-8"))
                parts.append('<h3>Run record</h3><p class="source">Source: record.json</p>')
                parts.append(_render_value(record, depth=0))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                self.problems.append(f"record.json cannot be read: {exc}")
        else:
            self.problems.append("record.json not found: versions, hashes and checksums are not shown.")
        study = self.out / "study.yaml"
        if study.is_file():
            try:
                text = study.read_text(encoding="utf-8")
                parts.append("<details><summary>Resolved study file (study.yaml)</summary>"
                             f'<pre class="code">{esc(text)}</pre></details>')
            except (OSError, UnicodeDecodeError) as exc:
                self.problems.append(f"study.yaml cannot be read: {exc}")
        return "\n".join(parts)

    # ------------------------------------------------------------------ sections
    def section(self, section: Mapping[str, Any], number: int) -> tuple[str, str, str]:
        sid = str(section.get("id") or f"section-{number}")
        ident = self.unique_id(sid)
        title = str(section.get("title") or _NAMES.get(sid, sid.replace("_", " ").capitalize()))
        body = [self.paragraphs(section.get("text"))]
        summary = self.results.get("summary")
        if sid == "summary" and not _as_list(section.get("text")) and isinstance(summary, Mapping):
            body.append(self.paragraphs(summary.get("text")))
        if sid == "checklist":
            body.append(self.checklist_extra(section))
        for key in _as_list(section.get("tables")):
            body.append(self.table(str(key)))
        figs = [self.figure(str(key)) for key in _as_list(section.get("figures"))]
        if figs:
            body.append('<div class="figures">' + "\n".join(figs) + "</div>")
        if sid == "provenance":
            body.append(self.provenance_extra())
        html_text = (f'<section class="report-section" id="{ident}"><h2><span class="secno">{number}</span> '
                     f"{esc(title)}</h2>\n" + "\n".join(b for b in body if b) + "\n</section>")
        return ident, title, html_text

    def render(self) -> str:
        r = self.results
        sections = [s for s in _as_list(r.get("sections")) if isinstance(s, Mapping)]
        if any(not isinstance(s, Mapping) for s in _as_list(r.get("sections"))):
            self.problems.append("Some entries of 'sections' are not objects and were skipped.")
        ids = {str(s.get("id")) for s in sections}
        used_f = {str(k) for s in sections for k in _as_list(s.get("figures"))}
        used_t = {str(k) for s in sections for k in _as_list(s.get("tables"))}
        extra_f = [k for k in self.figures if k not in used_f]
        extra_t = [k for k in self.tables if k not in used_t]
        if "provenance" not in ids:
            sections.append({"id": "provenance", "title": "Provenance"})
        if extra_f or extra_t:  # before the provenance section, which stays last
            where = next((i for i, s in enumerate(sections) if str(s.get("id")) == "provenance"), len(sections))
            sections.insert(where, {"id": "supplement", "title": "Supplementary figures and tables",
                                    "text": ["Figures and tables written by the run that no section above shows."],
                                    "figures": extra_f, "tables": extra_t})
        rendered = [self.section(s, i + 1) for i, s in enumerate(sections)]
        toc = "\n".join(f'<li><a href="#{esc(i)}"><span class="secno">{n}</span> {esc(t)}</a></li>'
                        for n, (i, t, _) in enumerate(rendered, 1))
        title = str(r.get("title") or "radiome study report")
        synthetic = bool(r.get("synthetic"))
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">",
            f'<meta name="generator" content="radiome {esc(r.get("radiome_version", ""))}">',
            f"<title>{esc(('[SYNTHETIC DATA] ' if synthetic else '') + title)}</title>",
            f"<style>{_CSS}</style></head>",
            f'<body class="{"synthetic" if synthetic else "real"}">',
        ]
        if synthetic:
            parts.append('<div class="synthetic-banner" id="radiome-synthetic" role="note"><strong>SYNTHETIC '
                         "DATA</strong> \u2014 every case in this report was generated by radiome\u2019s demo "
                         "(seeded simulation). The numbers illustrate the workflow; they carry no clinical "
                         "meaning.</div>")
            parts.append('<div class="synthetic-ribbon" aria-hidden="true">SYNTHETIC DATA</div>')
        parts.append(self.header(title))
        body_sections = "\n".join(h for _, _, h in rendered)  # render first: collects problems
        parts.append(self.warnings())
        parts.append('<div class="layout"><nav class="toc" id="radiome-toc" aria-label="Contents">'
                     f"<h2>Contents</h2><ol>{toc}</ol></nav><main>{body_sections}</main></div>")
        parts.append(f'<footer class="foot"><p>Generated by radiome {esc(r.get("radiome_version", ""))} from '
                     f'results.json ({esc(r.get("schema", ""))}). Self-contained: opens offline; numbers '
                     "are shown rounded, with the exact CSV value in each cell\u2019s data-value.</p></footer>")
        parts.append("</body></html>")
        return "\n".join(parts) + "\n"

    def header(self, title: str) -> str:
        r = self.results
        s = r.get("summary") if isinstance(r.get("summary"), Mapping) else {}
        outcome = s.get("outcome")
        if outcome and s.get("outcome_type"):
            outcome = f"{outcome} ({s.get('outcome_type')})"
        facts = [("Outcome", outcome),
                 ("Design", s.get("design")), ("Cases", s.get("n_cases")), ("Events", s.get("n_events")),
                 ("Training / test", (f"{s.get('n_train')} / {s.get('n_test')}"
                                      if s.get("n_train") is not None else None)),
                 ("Features", (f"{s.get('n_selected_features')} selected of {s.get('n_candidate_features')}"
                               if s.get("n_candidate_features") is not None else None)),
                 ("Models", ", ".join(map(str, _as_list(s.get("models")))) or None)]
        dl = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in facts if v not in (None, ""))
        meta = [f"radiome {esc(r.get('radiome_version', '?'))}"]
        created = _format_date(r.get("created"))
        if created:
            meta.insert(0, f'<time datetime="{esc(r.get("created"))}">{esc(created)}</time>')
        dot = " \u00b7 "
        return (f'<header class="masthead" id="radiome-header"><p class="kicker">Radiomics study report</p>'
                f'<h1>{esc(title)}</h1><p class="meta">{dot.join(meta)}</p>'
                + (f'<dl class="keyfacts">{dl}</dl>' if dl else "") + "</header>")

    def warnings(self) -> str:
        items = [str(w) for w in _as_list(self.results.get("warnings")) if str(w).strip()]
        if not items and not self.problems:
            return ""
        lis = "".join(f"<li>{esc(w)}</li>" for w in items)
        lis += "".join(f'<li class="problem">Report: {esc(p)}</li>' for p in self.problems)
        return (f'<aside class="warnings" id="radiome-warnings" aria-label="Warnings"><h2>Warnings</h2>'
                f"<ul>{lis}</ul></aside>")


def _render_value(value: Any, depth: int) -> str:
    """Generic, escaped rendering of a JSON value (record.json): key/value tables, nested."""
    if isinstance(value, Mapping):
        scalars = [(k, v) for k, v in value.items() if not isinstance(v, (Mapping, list, tuple))]
        nested = [(k, v) for k, v in value.items() if isinstance(v, (Mapping, list, tuple))]
        out = []
        if scalars:
            rows = "".join(f'<tr><th scope="row">{esc(k)}</th><td><code>{esc(_scalar(v))}</code></td></tr>'
                           for k, v in scalars)
            out.append(f'<table class="kv"><tbody>{rows}</tbody></table>')
        level = min(4 + depth, 6)
        for k, v in nested:
            out.append(f'<h{level} class="kv-title">{esc(str(k).replace("_", " "))}</h{level}>')
            out.append(_render_value(v, depth + 1))
        return "\n".join(out) if out else '<p class="empty">(empty)</p>'
    if isinstance(value, (list, tuple)):
        if not value:
            return '<p class="empty">(none)</p>'
        if all(isinstance(v, Mapping) for v in value):
            cols: list[str] = []
            for v in value:
                cols.extend(str(k) for k in v if str(k) not in cols)
            head = "".join(f'<th scope="col">{esc(c)}</th>' for c in cols)
            rows = "".join("<tr>" + "".join(f"<td>{esc(_scalar(v.get(c, '')))}</td>" for c in cols) + "</tr>"
                           for v in value)
            return (f'<div class="table-scroll"><table class="data"><thead><tr>{head}</tr></thead>'
                    f"<tbody>{rows}</tbody></table></div>")
        return "<ul class=\"plain\">" + "".join(f"<li><code>{esc(_scalar(v))}</code></li>" for v in value) + "</ul>"
    return f"<p><code>{esc(_scalar(value))}</code></p>"


def _scalar(v: Any) -> str:
    if isinstance(v, (Mapping, list, tuple)):
        return json.dumps(v, ensure_ascii=False, default=str)
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def build_html(out_dir: str | Path, results: Mapping[str, Any] | None = None) -> str:
    """The report's HTML text (``results`` defaults to ``<out_dir>/results.json``)."""
    out = Path(out_dir)
    res = dict(results) if results is not None else load_results(out)
    return _Renderer(out, res).render()


def render_report(out_dir: str | Path, *, output: str | Path | None = None) -> Path:
    """Render ``<out_dir>/results.json`` and the files it names into one self-contained HTML file.

    Parameters
    ----------
    out_dir : str or Path
        The study output folder (``OUT``).
    output : str or Path, optional
        Where to write; default ``<out_dir>/report.html``.

    Returns
    -------
    Path
        The file written (atomically: a temporary file renamed into place).

    Raises
    ------
    InputError
        ``results.json`` missing, unreadable or of another schema. Missing figure or table
        files do not raise: they are listed in the report's warnings box.
    """
    out = Path(out_dir)
    text = build_html(out)
    target = Path(output) if output is not None else out / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target


_CSS = """
:root{--ink:#1d2327;--muted:#5b6770;--rule:#d9dee2;--bg:#ffffff;--panel:#f5f7f8;--accent:#0072B2;
--warn:#8a4b00;--warnbg:#fff6e5;--done:#006d4f;--donebg:#e3f4ee;--notdone:#a13f00;--notdonebg:#fbe9df;
--author:#4a4f8a;--authorbg:#ecedf8}
*{box-sizing:border-box}
html{font-size:16px}
body{margin:0;color:var(--ink);background:var(--bg);font-family:"Source Sans 3","Segoe UI",
"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif;line-height:1.5;
font-variant-numeric:tabular-nums}
h1,h2,h3,h4,h5,h6{font-family:"Source Serif 4",Georgia,"Times New Roman",serif;line-height:1.25;
font-weight:600;margin:1.4em 0 .5em}
h1{font-size:2rem;margin:.2em 0 .3em}
h2{font-size:1.45rem;border-bottom:1px solid var(--rule);padding-bottom:.25em}
h3{font-size:1.15rem}h4,h5,h6{font-size:1rem;color:var(--muted)}
p{max-width:48rem;margin:.5em 0}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,pre{font-family:"Source Code Pro",Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.85em}
.masthead{padding:2rem 3rem 1.2rem;border-bottom:3px solid var(--ink)}
.kicker{text-transform:uppercase;letter-spacing:.12em;font-size:.78rem;color:var(--muted);margin:0}
.meta{color:var(--muted);margin:0 0 1rem}
.keyfacts{display:flex;flex-wrap:wrap;gap:.6rem 2rem;margin:0}
.keyfacts div{min-width:7rem}.keyfacts dt{font-size:.75rem;text-transform:uppercase;letter-spacing:.06em;
color:var(--muted)}.keyfacts dd{margin:0;font-weight:600}
.synthetic-banner{background:repeating-linear-gradient(135deg,#fff3c4 0 14px,#ffe68a 14px 28px);
color:#4a3b00;border-bottom:2px solid #c9a400;padding:.7rem 3rem;font-size:1rem}
.synthetic-ribbon{position:fixed;right:0;bottom:0;background:#E69F00;color:#000;font-weight:700;
letter-spacing:.12em;font-size:.75rem;padding:.3rem .9rem;z-index:10;border-top-left-radius:6px}
.warnings{margin:1.2rem 3rem 0;background:var(--warnbg);border-left:5px solid #E69F00;padding:.6rem 1.2rem;
max-width:60rem}
.warnings h2{font-size:1.05rem;border:0;margin:.3em 0;color:var(--warn)}
.warnings ul{margin:.2em 0 .5em;padding-left:1.2em}.warnings li.problem{color:var(--notdone)}
.layout{display:grid;grid-template-columns:15rem minmax(0,1fr);gap:2.5rem;padding:0 3rem 3rem}
.toc{position:sticky;top:0;align-self:start;max-height:100vh;overflow-y:auto;padding:1.2rem 0;font-size:.9rem}
.toc h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.1em;border:0;color:var(--muted);margin:.5em 0}
.toc ol{list-style:none;margin:0;padding:0}.toc li{margin:.15rem 0}
.toc a{display:block;color:var(--ink);padding:.15rem .5rem;border-left:2px solid transparent}
.toc a:hover{border-left-color:var(--accent);background:var(--panel);text-decoration:none}
.secno{color:var(--muted);font-variant-numeric:tabular-nums;margin-right:.35em}
main{min-width:0}
.report-section{padding-top:.4rem;scroll-margin-top:.5rem}
figure{margin:1.4rem 0;max-width:100%}
.figures{display:flex;flex-wrap:wrap;gap:.5rem 2rem;align-items:flex-start}
figure.figure{margin:1rem 0;max-width:100%}
figure.figure img{display:block;width:100%;height:auto;background:#fff}
figure.figure .source{display:block;margin-top:.2rem}
figcaption{font-size:.92rem;margin:.45rem 0;max-width:48rem}
figcaption .label{font-weight:700}
.source{font-size:.78rem;color:var(--muted);margin:.25rem 0}
.table-scroll{overflow-x:auto;max-width:100%}
.table-scroll.long{max-height:34rem;overflow-y:auto;border-bottom:1px solid var(--rule)}
table.data{border-collapse:collapse;font-size:.86rem;margin:0;min-width:16rem}
table.data thead th{position:sticky;top:0;background:#fff;border-bottom:2px solid var(--ink);
border-top:2px solid var(--ink);text-align:left;padding:.35rem .6rem;vertical-align:bottom;z-index:1}
table.data td{padding:.28rem .6rem;border-bottom:1px solid #eceff1;vertical-align:top}
table.data tbody tr:last-child td{border-bottom:2px solid var(--ink)}
table.data tbody tr:nth-child(even){background:#fafbfb}
table.data .num{text-align:right;white-space:nowrap}table.data td.short{white-space:nowrap}
table.kv{border-collapse:collapse;font-size:.85rem;margin:.3rem 0 1rem}
table.kv th{text-align:left;font-weight:600;padding:.2rem 1rem .2rem 0;vertical-align:top;white-space:nowrap}
table.kv td{padding:.2rem 0;word-break:break-all}
.formula{background:var(--panel);border-left:4px solid var(--accent);padding:.8rem 1rem;max-width:60rem}
.formula-name{display:block;font-size:.75rem;text-transform:uppercase;letter-spacing:.08em;color:var(--muted)}
.formula code{white-space:pre-wrap;word-break:break-word;font-size:.92rem}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.78rem;font-weight:600;
white-space:nowrap}
.badge-done{background:var(--donebg);color:var(--done)}
.badge-not-done{background:var(--notdonebg);color:var(--notdone)}
.badge-for-the-author{background:var(--authorbg);color:var(--author)}
.rqs{margin:.6rem 0}.legend{font-size:.85rem;color:var(--muted)}
.missing{color:var(--notdone);font-style:italic}
.xref{font-size:.9rem;color:var(--muted)}
pre.code{background:var(--panel);padding:.8rem 1rem;overflow-x:auto;max-width:60rem}
details{margin:.8rem 0}summary{cursor:pointer;color:var(--accent)}
ul.plain{margin:.2rem 0 1rem;padding-left:1.2rem;font-size:.85rem}
.foot{border-top:1px solid var(--rule);color:var(--muted);font-size:.8rem;padding:1rem 3rem 2.5rem}
@media (max-width:60rem){.layout{grid-template-columns:1fr;padding:0 1rem 2rem}.toc{position:static;
max-height:none}.masthead,.synthetic-banner{padding-left:1rem;padding-right:1rem}.warnings{margin:1rem}}
@media print{
@page{size:A4;margin:16mm 14mm 18mm}
html{font-size:10pt}
.toc,.xref a{display:none}
.layout{display:block;padding:0}
.masthead,.synthetic-banner,.foot{padding-left:0;padding-right:0}
.warnings{margin:1rem 0;break-inside:avoid}
.synthetic-banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.synthetic-ribbon{-webkit-print-color-adjust:exact;print-color-adjust:exact}
h2,h3,figure.table figcaption{break-after:avoid}
.figures{display:block}
figure.figure{break-inside:avoid;margin:.6rem 0}
figure.figure img{max-height:22cm;object-fit:contain}
.table-scroll,.table-scroll.long{max-height:none;overflow:visible}
table.data thead{display:table-header-group}
table.data thead th{position:static}
table.data tr{break-inside:avoid}
a{color:inherit}
.report-section{break-before:auto}
}
"""
