"""``predict_study``: score new cases with the models a study saved.

The saved pipeline (:class:`~radiome.study.artifacts.StudyModel`) applies the training-set
filters, z-scores, Rad-score coefficients, clinical imputation values and fitted models to
new cases. Features are only comparable when they were extracted with the same settings, so
the new cases' feature configuration is checked against the model's:

* from a **manifest**, the new cases are extracted here with the model's own settings (per
  modality), into ``OUT/extraction``; the settings are re-validated and their hash must equal
  the model's (a radiome version that resolves them differently is refused);
* from a **feature table**, its cohort run record (``run.json`` beside the table) gives its
  settings; a table whose hash differs from the model's is refused with a
  :class:`~radiome.errors.ConfigError` listing the settings that differ; a table without a
  record is refused unless the model itself came from a table of unknown settings.

Outputs: ``OUT/predictions.csv`` (case id, Rad-score, each model's probability or risk, the
class at the training Youden cut-off (binary) or the Rad-score risk group (survival), and the
number of features filled with training medians) and ``OUT/prediction.json`` (model, hashes,
inputs' checksums, notes).

Security note: ``model.joblib`` is a pickle; load models only from sources you trust.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from radiome.errors import ConfigError, DataError, InputError
from radiome.study.artifacts import file_sha256, load_models, write_json

__all__ = ["PredictionRun", "predict_study", "config_differences"]


@dataclass(frozen=True)
class PredictionRun:
    """The outcome of :func:`predict_study`.

    Attributes
    ----------
    out_dir : Path
    predictions : Path
        ``predictions.csv``.
    record : Path
        ``prediction.json``.
    n_cases : int
    models : tuple of str
        The models that scored the cases.
    notes : tuple of str
        Models skipped (missing clinical columns), cases with imputed features, ...
    feature_config_hash : str
    """

    out_dir: Path
    predictions: Path
    record: Path
    n_cases: int
    models: tuple[str, ...]
    notes: tuple[str, ...]
    feature_config_hash: str


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: data}


def config_differences(model_cfg: Mapping[str, Any] | None, new_cfg: Mapping[str, Any] | None) -> list[str]:
    """``'key: model value -> new value'`` for every setting that differs (dotted keys)."""
    a, b = _flatten(model_cfg or {}), _flatten(new_cfg or {})
    out = []
    for k in sorted(set(a) | set(b)):
        if a.get(k, "<absent>") != b.get(k, "<absent>"):
            out.append(f"{k}: {a.get(k, '<absent>')!r} (model) vs {b.get(k, '<absent>')!r} (new cases)")
    return out


def _is_manifest(path: Path) -> bool:
    if path.suffix.lower() in (".yaml", ".yml"):
        return True
    if path.suffix.lower() in (".parquet", ".pq"):
        return False
    header = ""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.strip() and not line.startswith("#"):
            header = line.lower()
            break
    cols = {c.strip() for c in header.replace(";", ",").replace("\t", ",").split(",")}
    return {"image", "mask", "modality"} <= cols


def _check_features(path: Path, model_fc: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    from radiome.study.runner import feature_source_config

    notes: list[str] = []
    new = feature_source_config(path)
    mh = model_fc.get("hash", "unknown")
    if mh == "unknown":
        notes.append("the model was trained on features of unknown extraction settings: the new features' "
                     "settings cannot be checked; make sure they were computed the same way")
        return new, notes
    if new.get("hash", "unknown") == "unknown":
        raise ConfigError(
            f"cannot verify the extraction settings of {path}: no cohort run record (run.json) beside it. The model "
            f"needs features extracted with its settings (hash {mh}); extract the new cases with `radiome study "
            "predict MODEL --manifest NEW.csv`, or with `radiome cohort extract` using the model's settings")
    model_mods, new_mods = dict(model_fc.get("by_modality") or {}), dict(new.get("by_modality") or {})
    problems = []
    for mod, mc in model_mods.items():
        nc = new_mods.get(mod) or new_mods.get("*") or (next(iter(new_mods.values())) if len(new_mods) == 1 else None)
        if nc is None:
            problems.append(f"modality {mod}: not in the new features' run record")
            continue
        if nc.get("hash") != mc.get("hash"):
            diffs = config_differences(mc.get("data"), nc.get("data"))
            if mc.get("kind") != nc.get("kind"):
                diffs.insert(0, f"kind: {mc.get('kind')!r} (model) vs {nc.get('kind')!r} (new cases)")
            problems.append(f"modality {mod}: settings hash {nc.get('hash')} differs from the model's "
                            f"{mc.get('hash')}: " + ("; ".join(diffs[:12]) or "the settings differ")
                            + (f"; and {len(diffs) - 12} more" if len(diffs) > 12 else ""))
    if problems:
        raise ConfigError("the new cases' features were extracted with other settings than the model's, so the "
                          "model cannot score them:\n  " + "\n  ".join(problems)
                          + "\nRe-extract them with the model's settings (`radiome study predict MODEL --manifest NEW.csv`).")
    return new, notes


def _extract(manifest_path: Path, model_fc: Mapping[str, Any], out: Path, jobs: int | None,
             progress: Callable[[Any], None] | None) -> tuple[pd.DataFrame, list[str]]:
    from radiome.cohort.manifest import Manifest, read_manifest
    from radiome.cohort.runner import run_cohort
    from radiome.cohort.worker import CohortConfig

    by_mod = dict(model_fc.get("by_modality") or {})
    if not by_mod or "*" in by_mod and model_fc.get("hash") == "unknown":
        raise ConfigError("the model was trained on a feature table whose extraction settings are unknown, so "
                          "new images cannot be extracted the same way; give --features with a table computed "
                          "like the training one")
    manifest = read_manifest(manifest_path)
    groups: dict[str, list[str]] = {}
    configs: dict[str, Any] = {}
    for mod, rec in by_mod.items():
        cfg = CohortConfig.from_record(rec)
        if cfg.hash != rec.get("hash"):
            raise ConfigError(f"modality {mod}: this radiome resolves the model's extraction settings to hash "
                              f"{cfg.hash}, not the model's {rec.get('hash')}; use the radiome version the model "
                              "was trained with")
        groups.setdefault(cfg.hash, []).append(mod)
        configs[cfg.hash] = cfg
    notes = []
    frames = []
    for h, mods in groups.items():
        use = [m for m in mods if m != "*"]
        jobs_sel = tuple(j for j in manifest.jobs if not use or j.modality in use)
        if not jobs_sel:
            raise DataError(f"the manifest {manifest_path} has no {'/'.join(use)} image: the model needs it")
        cases = {j.case_id for j in jobs_sel}
        sub = Manifest(jobs_sel, {c: dict(v) for c, v in manifest.extra.items() if c in cases}, manifest.source)
        store = out / "extraction" if len(groups) == 1 else out / "extraction" / "+".join(use)
        summary = run_cohort(sub, configs[h], store, jobs=jobs, progress=progress)
        if summary.n_failed:
            notes.append(f"{summary.n_failed} extraction job(s) failed (see {store / 'failures.csv'}); their features "
                         "are filled with training medians")
        frames.append(pd.read_parquet(store / "features_wide.parquet"))
    wide = frames[0]
    for f in frames[1:]:
        wide = wide.merge(f.drop(columns=[c for c in manifest.extra_columns if c in f.columns]), on="case_id",
                          how="outer")
    return wide, notes


def predict_study(model_dir: str | Path, manifest_or_features: str | Path, out: str | Path, *,
                  clinical: str | Path | None = None, kind: str | None = None, id_column: str = "case_id",
                  jobs: int | None = None, progress: Callable[[Any], None] | None = None) -> PredictionRun:
    """Score new cases with a study's saved models.

    Parameters
    ----------
    model_dir : path
        A study's ``OUT/models`` folder (or ``OUT``).
    manifest_or_features : path
        A manifest of new cases (extracted here with the model's settings) or a feature table
        (CSV/Parquet; its ``run.json`` beside it gives its settings).
    out : path
        Output folder (``predictions.csv``, ``prediction.json``, ``extraction/``).
    clinical : path, optional
        Clinical table (id column ``id_column``) for models with clinical predictors; default:
        the columns the manifest / feature table carries.
    kind : {'manifest', 'features'}, optional
        What ``manifest_or_features`` is (default: guessed from its columns).
    id_column : str
        Case-id column of a feature table and of ``clinical``.
    jobs : int, optional
        Extraction worker processes.
    progress : callable, optional
        Receives a ProgressEvent per extraction job.

    Raises
    ------
    ConfigError
        The new features were extracted with other settings than the model's (the message lists
        the settings that differ), or their settings cannot be verified.
    InputError
        No saved model, or unreadable inputs.
    """
    from radiome import __version__
    from radiome.study.runner import _read_table

    model, info = load_models(model_dir)
    src = Path(manifest_or_features).expanduser().resolve()
    if not src.is_file():
        raise InputError(f"{src} not found: give a manifest or a feature table of the new cases")
    out_dir = Path(out).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    model_fc = dict(info.get("feature_config") or {"hash": "unknown"})
    kind = kind or ("manifest" if _is_manifest(src) else "features")
    if kind == "manifest":
        wide, notes = _extract(src, model_fc, out_dir, jobs, progress)
        wide["case_id"] = wide["case_id"].astype(str)
        frame = wide.set_index("case_id")
        new_hash = model_fc.get("hash", "unknown")
    elif kind == "features":
        new_fc, notes = _check_features(src, model_fc)
        frame = _read_table(src, id_column, "feature table")
        new_hash = new_fc.get("hash", "unknown")
    else:
        raise ConfigError(f"kind must be 'manifest' or 'features'; got {kind!r}")
    frame.index = frame.index.astype(str)
    if clinical is not None:
        clin = _read_table(Path(clinical), id_column, "clinical table")
        clin.index = clin.index.astype(str)
        frame = frame.join(clin[[c for c in clin.columns if c not in frame.columns]], how="left")
    missing_feats = [c for c in model.feature_names if c not in frame.columns]
    if missing_feats:
        raise DataError(f"the new cases lack {len(missing_feats)} feature(s) the model uses, e.g. "
                        f"{missing_feats[:3]}; were they extracted from the same modalities and ROIs?")
    n_imputed = (~np.isfinite(frame[model.feature_names].astype(float).to_numpy())).sum(axis=1)
    if n_imputed.any():
        notes.append(f"{int((n_imputed > 0).sum())} case(s) have missing feature values, filled with training "
                     "medians (column n_features_imputed)")
    d = model.prep.transform(frame)
    design = pd.concat([d, model.radscore(frame).to_frame()], axis=1)
    have = [c for c in model.clinical if c in frame.columns]
    if have:
        sub = model.clinical_frame(frame, have)
        design = pd.concat([design, sub], axis=1)
    result = pd.DataFrame({"rad_score": design["rad_score"]}, index=frame.index)
    used = []
    for name in model.models:
        need = [c for c in model.inputs[name] if c not in design.columns]
        if need:
            notes.append(f"model {name} skipped: the new cases lack its predictor column(s) {need}")
            continue
        if design[model.inputs[name]].isna().any().any():
            notes.append(f"model {name} skipped: missing values in {model.inputs[name]} with no imputation value")
            continue
        result[name] = model.score(name, design)
        used.append(name)
        if model.outcome_type == "binary" and name in model.thresholds:
            result[f"{name} positive"] = (result[name] >= model.thresholds[name]).astype(int)
    if model.outcome_type == "survival" and "Rad-score" in model.thresholds:
        result["risk_group"] = np.where(result["rad_score"] > model.thresholds["Rad-score"], "high", "low")
    result["n_features_imputed"] = n_imputed
    result.index.name = "case_id"
    pred_path = out_dir / "predictions.csv"
    result.reset_index().to_csv(pred_path, index=False)
    record = {
        "schema": "radiome-study-prediction/1", "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "radiome_version": __version__, "model_dir": str(Path(model_dir).resolve()),
        "model_json_sha256": info.get("joblib_sha256"), "model_title": info.get("title"),
        "synthetic": info.get("synthetic"), "feature_config_hash": new_hash,
        "model_feature_config_hash": model_fc.get("hash"), "input": {"path": str(src), "kind": kind,
                                                                       "sha256": file_sha256(src)},
        "clinical": {"path": str(clinical), "sha256": file_sha256(clinical)} if clinical else None,
        "models": used, "n_cases": len(result), "notes": notes,
    }
    rec_path = write_json(out_dir / "prediction.json", record)
    return PredictionRun(out_dir, pred_path, rec_path, len(result), tuple(used), tuple(notes), str(new_hash))
