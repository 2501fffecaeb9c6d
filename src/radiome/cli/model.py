"""``radiome model``: fit and evaluate models on a feature table from any extractor.

A thin layer over :mod:`radiome.model.validation`, :mod:`radiome.model.estimators`,
:mod:`radiome.model.auto` and :mod:`radiome.evaluate`: it reads the table, separates the
outcome, the case id and the feature columns, runs the chosen validation design for each model
(every data-dependent step fitted inside the training folds), prints the honest AUC with its
95% CI, and writes the out-of-fold predictions, the metrics and the figures.
"""

from __future__ import annotations

import json
import math
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from radiome.cli._common import console, friendly

app = typer.Typer(no_args_is_help=True, add_completion=False)

__all__ = ["app", "read_feature_table", "evaluate_table"]


class Design(str, Enum):
    nested_cv = "nested-cv"
    cv = "cv"
    split = "split"
    bootstrap = "bootstrap"
    external = "external"


def read_feature_table(path: Path) -> Any:
    """Read a CSV, TSV or Parquet feature table into a DataFrame (error if unreadable)."""
    import pandas as pd

    from radiome.errors import InputError

    if not path.exists():
        raise InputError(f"feature table {str(path)!r} does not exist")
    suffix = "".join(path.suffixes[-2:]).lower()
    try:
        if suffix.endswith(".parquet"):
            return pd.read_parquet(path)
        if suffix.endswith((".tsv", ".tsv.gz", ".txt")):
            return pd.read_csv(path, sep="\t")
        return pd.read_csv(path)
    except Exception as exc:  # pandas raises many types for a broken file
        raise InputError(f"cannot read feature table {str(path)!r}: {exc}") from exc


def _split_columns(frame: Any, target: str, id_column: str | None, drop: list[str],
                   group: str | None) -> tuple[Any, Any, list[str]]:
    """(features X, outcome y, ignored non-numeric columns) with the case id as index."""
    import pandas as pd

    from radiome.errors import ConfigError, DataError

    def need(col: str, what: str) -> None:
        if col not in frame.columns:
            import difflib

            near = difflib.get_close_matches(col, [str(c) for c in frame.columns], n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"{what} column {col!r} is not in the table{hint}")

    need(target, "--target")
    if id_column is not None:
        need(id_column, "--id")
        if frame[id_column].duplicated().any():
            dup = frame.loc[frame[id_column].duplicated(), id_column].iloc[0]
            raise DataError(f"case id {dup!r} appears more than once in column {id_column!r}")
        frame = frame.set_index(id_column)
    for col in drop:
        need(col, "--drop")
    if group is not None:
        need(group, "--group")
    y = frame[target]
    if y.isna().any():
        n = int(y.isna().sum())
        raise DataError(f"the outcome column {target!r} has {n} missing values; remove those "
                        "cases or fill in their outcome")
    excluded = {target, *drop} | ({group} if group else set())
    candidates = [c for c in frame.columns if c not in excluded]
    numeric = [c for c in candidates if pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])]
    numeric += [c for c in candidates if pd.api.types.is_bool_dtype(frame[c])]
    ignored = [str(c) for c in candidates if c not in numeric]
    if not numeric:
        raise DataError("the table has no numeric feature columns besides the outcome")
    X = frame[numeric].astype(float)
    return X, y, ignored


def _estimator(name: str, design: Design, seed: int, budget: str) -> tuple[Any, dict]:
    from radiome.model.auto import AutoModel
    from radiome.model.estimators import pipeline, search_space

    if name == "auto":
        return AutoModel(budget=budget, random_state=seed), {}
    est = pipeline(name, random_state=seed)
    space = search_space(name, prefix="model") if design is Design.nested_cv else {}
    return est, space


def evaluate_table(
    frame: Any, *, target: str, id_column: str | None = None, models: list[str],
    design: Design = Design.nested_cv, drop: list[str] | None = None, group: str | None = None,
    outer: int = 5, repeats: int = 5, test_size: float = 1 / 3, bootstrap: int = 200,
    seed: int = 0, budget: str = "small", pos_label: Any = None,
) -> tuple[dict[str, Any], list[str]]:
    """Run ``design`` for every model on a feature table; return ({model: result}, ignored)."""
    from radiome.errors import ConfigError
    from radiome.model import validation as v
    from radiome.model.estimators import model_names

    X, y, ignored = _split_columns(frame, target, id_column, list(drop or []), group)
    known = set(model_names()) | {"auto"}
    for name in models:
        if name not in known:
            import difflib

            near = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"unknown model {name!r}{hint} Known: {', '.join(sorted(known))}")
    if design is Design.external and group is None:
        raise ConfigError("--design external needs --group COLUMN (the centre of each case)")
    results: dict[str, Any] = {}
    for name in models:
        est, space = _estimator(name, design, seed, budget)
        common = dict(random_state=seed, pos_label=pos_label)
        if design is Design.nested_cv:
            if space:
                res = v.nested_cv(est, space, X, y, outer=outer, inner=5, n_repeats=repeats,
                                  **common)
            else:  # nothing to tune (or the auto-model, which tunes itself inside each fold)
                res = v.cross_validate_repeated(est, X, y, n_splits=outer, n_repeats=repeats,
                                                **common)
        elif design is Design.cv:
            res = v.cross_validate_repeated(est, X, y, n_splits=outer, n_repeats=repeats, **common)
        elif design is Design.split:
            res = v.split_validate(est, X, y, test_size=test_size, **common)
        elif design is Design.bootstrap:
            res = v.bootstrap_632plus(est, X, y, B=bootstrap, **common)
        else:
            res = v.external_validate(est, X, y, frame[group].to_numpy(), **common)
        results[name] = res
    return results, ignored


def _nan_to_none(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nan_to_none(v) for v in obj]
    return obj


def write_outputs(results: dict[str, Any], out: Path, *, source: str, target: str,
                  design: Design, ignored: list[str]) -> dict[str, Any]:
    """Write predictions.csv, metrics.json and the figures; return the metrics dict."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from radiome import __version__
    from radiome.evaluate.calibration import calibration_metrics
    from radiome.evaluate.dca import decision_curve
    from radiome.evaluate.roc import delong_test, roc_analysis
    from radiome.report.style import get_axes

    out.mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    preds = []
    for name, res in results.items():
        frame = res.predictions.copy()
        frame.insert(0, "model", name)
        preds.append(frame)
    pd.concat(preds, ignore_index=True).to_csv(out / "predictions.csv", index=False)

    metrics: dict[str, Any] = {
        "source": source, "target": target, "design": design.value,
        "radiome_version": __version__, "ignored_columns": ignored, "models": {},
        "note": ("AUC: the design's honest estimate (mean over repeats of the AUC of each "
                 "repeat's pooled out-of-fold predictions). Figures, Brier, calibration and "
                 "DeLong tests use the first repeat's pooled out-of-fold predictions."),
    }
    first: dict[str, Any] = {}
    for name, res in results.items():
        p = res.predictions
        if "repeat" in p.columns:
            p = p[p["repeat"] == p["repeat"].min()]
        p = p.sort_values("case", kind="stable")
        first[name] = p
        entry: dict[str, Any] = {
            "auc": res.auc.to_dict(), "repeat_auc": list(res.repeat_auc),
            "n_cases": res.n_cases, "n_positive": res.n_positive,
            "score_kind": res.score_kind, "settings": dict(res.settings),
        }
        if res.group_auc:
            entry["group_auc"] = dict(res.group_auc)
        if res.score_kind == "probability" and p["y"].nunique() == 2:
            try:
                cal = calibration_metrics(p["y"].to_numpy(), p["prob"].to_numpy())
                entry["calibration"] = _nan_to_none(cal.to_dict())
            except Exception as exc:  # separation and similar: report, do not fail the run
                entry["calibration"] = {"error": f"{type(exc).__name__}: {exc}"}
        metrics["models"][name] = entry

    names = list(first)
    tests = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            pa, pb = first[a], first[b]
            if len(pa) == len(pb) and (pa["case"].to_numpy() == pb["case"].to_numpy()).all():
                t = delong_test(pa["y"].to_numpy(), pa["prob"].to_numpy(), pb["prob"].to_numpy(),
                                names=(a, b))
                tests.append({"model_a": a, "model_b": b, "auc_a": t.auc_a.value,
                              "auc_b": t.auc_b.value, "difference": t.difference.to_dict(),
                              "z": t.statistic, "p": t.p_value})
    metrics["delong_first_repeat"] = tests
    (out / "metrics.json").write_text(json.dumps(_nan_to_none(metrics), indent=2) + "\n")

    ax = get_axes(figsize=(4.8, 4.4))
    for name, p in first.items():
        roc_analysis(p["y"].to_numpy(), p["prob"].to_numpy()).plot(ax=ax, label=name)
    ax.set_title("Out-of-fold ROC (first repeat)")
    _save(ax.figure, out / "figures" / "roc")
    plt.close(ax.figure)
    probs = {n: p["prob"].to_numpy() for n, p in first.items()
             if results[n].score_kind == "probability"}
    if probs:
        y0 = next(iter(first.values()))["y"].to_numpy()
        same = all(len(p) == len(y0) for p in probs.values())
        if same:
            ax = decision_curve(y0, probs).plot()
            _save(ax.figure, out / "figures" / "decision_curve")
            plt.close(ax.figure)
    return metrics


def _save(fig: Any, stem: Path) -> None:
    fig.savefig(stem.with_suffix(".png"), dpi=200)
    fig.savefig(stem.with_suffix(".svg"))


@app.command("list")
def list_models() -> None:
    """List the registered models."""
    from radiome.model.estimators import MODELS

    table = Table(title="models")
    table.add_column("name")
    table.add_column("description")
    for name, spec in MODELS.items():
        table.add_row(name, spec.description)
    table.add_row("auto", "auto-model: selection x model x hyper-parameters x ensembles by inner CV")
    console.print(table)


@app.command("evaluate")
@friendly()
def evaluate(
    features: Path = typer.Argument(..., help="Feature table (CSV, TSV or Parquet), one row per case."),
    target: str = typer.Option(..., "--target", help="Binary outcome column."),
    output: Path = typer.Option(..., "-o", "--output", help="Output folder."),
    id_column: Optional[str] = typer.Option(None, "--id", help="Case id column (kept out of the features)."),
    design: Design = typer.Option(Design.nested_cv, "--design", help="Validation design."),
    models: str = typer.Option("lr_l1,rf", "--models", help="Comma-separated models (see `radiome model list`), or 'auto'."),
    drop: list[str] = typer.Option([], "--drop", help="Further columns to keep out of the features (repeatable)."),
    group: Optional[str] = typer.Option(None, "--group", help="Centre column, for --design external."),
    outer: int = typer.Option(5, "--folds", help="Outer folds (cv, nested-cv)."),
    repeats: int = typer.Option(5, "--repeats", help="Outer repeats (cv, nested-cv)."),
    test_size: float = typer.Option(1 / 3, "--test-size", help="Test fraction (split)."),
    bootstrap: int = typer.Option(200, "--bootstrap", help="Bootstrap replicates (bootstrap .632+)."),
    budget: str = typer.Option("small", "--budget", help="Auto-model budget: tiny, small, medium, large."),
    pos_label: Optional[str] = typer.Option(None, "--pos-label", help="Outcome value taken as positive (default: the larger)."),
    seed: int = typer.Option(0, "--seed", help="Random seed of every split and model."),
) -> None:
    """Fit and evaluate models under a validation design; print the honest AUC with 95% CI."""
    frame = read_feature_table(features)
    label: Any = pos_label
    if pos_label is not None and target in frame.columns:
        values = {str(v): v for v in frame[target].dropna().unique()}
        label = values.get(pos_label, pos_label)
    names = [m.strip() for m in models.split(",") if m.strip()]
    results, ignored = evaluate_table(
        frame, target=target, id_column=id_column, models=names, design=design, drop=drop,
        group=group, outer=outer, repeats=repeats, test_size=test_size, bootstrap=bootstrap,
        seed=seed, budget=budget, pos_label=label,
    )
    write_outputs(results, output, source=str(features), target=target, design=design,
                  ignored=ignored)
    table = Table(title=f"{features.name}: {design.value}, outcome {target!r}")
    table.add_column("model")
    table.add_column("AUC (95% CI)")
    table.add_column("cases (positive)")
    for name, res in results.items():
        table.add_row(name, res.auc.format(3), f"{res.n_cases} ({res.n_positive})")
    console.print(table)
    if ignored:
        console.print(f"non-numeric columns left out: {', '.join(ignored)}", highlight=False)
    console.print(f"wrote {output}/predictions.csv, metrics.json and figures/", highlight=False)
