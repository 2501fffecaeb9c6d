"""``run_study``: one study file to a complete, reproducible output folder.

:func:`run_study` does, in order (timings of each stage go to ``record.json``):

1. **study**: validate the study (:mod:`radiome.study.config`); write the resolved
   ``OUT/study.yaml``;
2. **extraction**: run :func:`radiome.cohort.run_cohort` on the manifest into
   ``OUT/extraction`` (one store per distinct extraction config when ``by_modality`` differs),
   which reuses every finished job, so a rerun is instant (``force=True`` recomputes); or read
   the feature table;
3. **data**: join the features with the clinical table on the case id; apply the declared
   missing-data rules (``missing.modalities``: drop-case, drop-modality or impute;
   ``missing.clinical``: impute or drop-case), recording per case which rule touched it and
   why (table ``missing_data``, ``record.json``); split the cases (stratified random split,
   a given split column, external validation by centre, or K-fold CV);
4. **analysis**: :func:`radiome.study.binary.analyse_binary` or
   :func:`radiome.study.survival.analyse_survival` (selection, Rad-score, models, evaluation,
   tables, figures);
5. **report**: Table 1, the checklist facts, methods and provenance sections,
   ``results.json``, ``record.json``, the fitted models (``OUT/models``) and
   ``OUT/report.html`` (:func:`radiome.report.html.render_report`).

Hand-written: the orchestration is radiome's own; every statistic comes from the library.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from radiome.errors import ConfigError, DataError, InputError
from radiome.study.artifacts import (
    Collector,
    checklist_section,
    input_checksums,
    methods_section,
    provenance_section,
    save_models,
    summary_section,
    table1_section,
    versions,
    write_json,
)
from radiome.study.config import StudyConfig, dump_study, load_study, study_from_dict, study_hash

__all__ = ["StudyRun", "StageEvent", "PreparedData", "run_study", "feature_source_config"]

RECORD_SCHEMA = "radiome-study-record/1"
SMALL_N = 100


@dataclass(frozen=True)
class StageEvent:
    """A study stage started (``progress`` receives these besides extraction's ProgressEvent)."""

    stage: str
    message: str
    elapsed_s: float


@dataclass(frozen=True)
class StudyRun:
    """The outcome of :func:`run_study`.

    Attributes
    ----------
    out_dir : Path
    results : Path
        ``results.json``.
    record : Path
        ``record.json``.
    report : Path or None
        ``report.html``; None when not written (see ``report_note``).
    report_note : str
        Why the report was not written ('' when it was).
    summary : Mapping
        The ``summary`` block of ``results.json``.
    warnings : tuple of str
    timings : Mapping[str, float]
        Seconds per stage.
    wall_s : float
    """

    out_dir: Path
    results: Path
    record: Path
    report: Path | None
    report_note: str
    summary: Mapping[str, Any]
    warnings: tuple[str, ...]
    timings: Mapping[str, float]
    wall_s: float


@dataclass(frozen=True)
class PreparedData:
    """The analysed cases after joining, missing-data rules and the split.

    ``frame`` is indexed by case id and holds the feature columns, the raw clinical columns,
    ``set`` and the outcome as ``_y`` (0/1) or ``_time`` / ``_event`` (0/1). ``impute_rows``
    marks cases whose missing-modality features are imputed (rule ``impute``). ``folds``
    (design ``cv``) gives each case's fold.
    """

    frame: pd.DataFrame
    feature_columns: list[str]
    clinical: list[str]
    categorical: list[str]
    sets: tuple[str, ...]
    impute_rows: pd.Series
    design_text: str
    missing: pd.DataFrame
    n_excluded: int
    folds: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- features

@dataclass
class _Features:
    frame: pd.DataFrame  # index case_id
    columns: list[str]
    groups: dict[str, list[str]]
    config: dict[str, Any]
    failures: pd.DataFrame
    records: list[str]
    carried: list[str]
    n_jobs: int = 0
    n_failed: int = 0
    n_reused: int = 0


def _cohort_config(spec: Any) -> Any:
    from radiome.cohort.worker import CohortConfig

    if spec.pyradiomics_params is not None:
        return CohortConfig.from_pyradiomics(spec.pyradiomics_params)
    if spec.settings is not None:
        return CohortConfig.from_settings(dict(spec.settings))
    if spec.settings_file is not None:
        return CohortConfig.from_settings(Path(spec.settings_file))
    return CohortConfig.from_settings(spec.preset)


def _combined_hash(by_modality: Mapping[str, Mapping[str, Any]]) -> str:
    hashes = sorted({v["hash"] for v in by_modality.values()})
    if len(hashes) == 1:
        return hashes[0]
    text = ";".join(f"{m}:{by_modality[m]['hash']}" for m in sorted(by_modality))
    return "multi-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _safe(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "_", text) or "_"


def _extract(cfg: StudyConfig, out: Path, jobs: int | None, force: bool, progress: Any) -> _Features:
    from radiome.cohort.manifest import Manifest, read_manifest
    from radiome.cohort.runner import run_cohort

    manifest = read_manifest(cfg.data.manifest)
    selected = [j for j in manifest.jobs
                if (cfg.data.modalities is None or j.modality in cfg.data.modalities)
                and (cfg.data.rois is None or j.roi in cfg.data.rois)]
    if not selected:
        raise ConfigError(f"no job of {cfg.data.manifest} matches data.modalities={cfg.data.modalities} and "
                          f"data.rois={cfg.data.rois}; modalities there: {list(manifest.modalities)}, "
                          f"ROIs: {list(manifest.rois)}")
    unknown = sorted(set(cfg.extraction.by_modality) - set(manifest.modalities))
    if unknown:
        raise ConfigError(f"extraction.by_modality names modalities {unknown} that the manifest lacks "
                          f"(it has {list(manifest.modalities)})")
    by_mod: dict[str, Any] = {}
    for m in dict.fromkeys(j.modality for j in selected):
        spec = cfg.extraction.by_modality.get(m)
        by_mod[m] = _cohort_config(spec if spec is not None and spec.given else cfg.extraction)
    groups: dict[str, list[str]] = {}
    for m, c in by_mod.items():
        groups.setdefault(c.hash, []).append(m)
    frames, failures, records = [], [], []
    n_jobs = n_failed = n_reused = 0
    extra = {c: dict(v) for c, v in manifest.extra.items()}
    for h, mods in groups.items():
        sub = Manifest(tuple(j for j in selected if j.modality in mods), {c: v for c, v in extra.items()
                                                                          if any(j.case_id == c and j.modality in mods for j in selected)},
                       manifest.source)
        store = out / "extraction" if len(groups) == 1 else out / "extraction" / _safe("+".join(mods))
        summary = run_cohort(sub, by_mod[mods[0]], store, jobs=jobs, force=force, progress=progress,
                             memory_limit_mb=cfg.extraction.memory_limit_mb)
        n_jobs += summary.n_total
        n_failed += summary.n_failed
        n_reused += summary.n_skipped
        frames.append(pd.read_parquet(store / "features_wide.parquet"))
        fail = pd.read_csv(store / "failures.csv", dtype=str) if (store / "failures.csv").is_file() else pd.DataFrame()
        failures.append(fail)
        records.append(str(store / "run.json"))
    carried = list(manifest.extra_columns)
    wide = frames[0]
    for f in frames[1:]:
        wide = wide.merge(f.drop(columns=[c for c in carried if c in f.columns]), on="case_id", how="outer")
    wide["case_id"] = wide["case_id"].astype(str)
    wide = wide.set_index("case_id")
    col_groups: dict[str, list[str]] = {}
    for mod, roi in dict.fromkeys((j.modality, j.roi) for j in selected):
        prefix = f"{mod}_{roi}_"
        col_groups[f"{mod}/{roi}"] = [c for c in wide.columns if c.startswith(prefix) and c not in carried]
    columns = [c for g in col_groups.values() for c in g]
    cfg_record = {"source": "manifest", "by_modality": {m: {"kind": c.kind, "hash": c.hash, "data": dict(c.data)}
                                                        for m, c in by_mod.items()}}
    cfg_record["hash"] = _combined_hash(cfg_record["by_modality"])
    fail = pd.concat(failures, ignore_index=True) if failures else pd.DataFrame()
    return _Features(wide, columns, col_groups, cfg_record, fail, records, carried, n_jobs, n_failed, n_reused)


def _read_table(path: Path, id_col: str, what: str) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{what} not found: {p}")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            df = pd.read_parquet(p)
        else:
            df = pd.read_csv(p, sep=None, engine="python", comment="#", dtype={id_col: str})
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {what} {p}: {exc}") from None
    if id_col not in df.columns:
        raise ConfigError(f"{what} {p.name} has no case-id column {id_col!r}{_near(id_col, df.columns)}; "
                          f"set the id column in the study (columns: {list(df.columns)[:12]})")
    df[id_col] = df[id_col].astype(str).str.strip()
    dup = df[id_col][df[id_col].duplicated()].tolist()
    if dup:
        raise DataError(f"{what} {p.name} lists case(s) {dup[:5]} more than once; keep one row per case")
    return df.set_index(id_col)


def _near(name: str, valid: Any) -> str:
    import difflib

    m = difflib.get_close_matches(str(name), [str(v) for v in valid], n=1, cutoff=0.6)
    return f" (did you mean {m[0]!r}?)" if m else ""


def feature_source_config(path: Path, hint: str | None = None) -> dict[str, Any]:
    """The extraction config behind a feature table: ``{'hash', 'by_modality' | 'settings', ...}``.

    ``hint`` is a cohort ``run.json``, a settings YAML or a preset name; without it, a
    ``run.json`` beside the table (a cohort store) is used. ``{'hash': 'unknown'}`` when none.
    """
    from radiome.cohort.worker import CohortConfig

    candidates = [Path(hint)] if hint and Path(hint).suffix.lower() == ".json" else []
    if hint is None:
        candidates = [Path(path).parent / "run.json"]
    for c in candidates:
        if c.is_file():
            rec = json.loads(c.read_text(encoding="utf-8"))
            conf = rec.get("config") or {}
            if "hash" in conf:
                jobs = [j for j in (rec.get("manifest") or {}).get("jobs", []) if isinstance(j, dict)]
                mods = list(dict.fromkeys(j.get("modality") for j in jobs))
                pairs = list(dict.fromkeys((j.get("modality"), j.get("roi")) for j in jobs))
                entry = {"kind": conf.get("kind"), "hash": conf["hash"], "data": conf.get("data")}
                by_mod = {m: entry for m in mods if m} or {"*": entry}
                return {"source": "features", "record": str(c), "by_modality": by_mod, "hash": _combined_hash(by_mod),
                        "groups": [list(p) for p in pairs if all(p)]}
    if hint is not None and Path(hint).suffix.lower() != ".json":
        c = CohortConfig.from_settings(hint)
        entry = {"kind": c.kind, "hash": c.hash, "data": dict(c.data)}
        return {"source": "features", "settings": hint, "by_modality": {"*": entry}, "hash": c.hash}
    if hint is not None:
        raise ConfigError(f"data.feature_config {hint} not found")
    return {"source": "features", "hash": "unknown"}


def _feature_table(cfg: StudyConfig) -> _Features:
    d = cfg.data
    table = _read_table(d.features, d.features_id, "feature table")  # type: ignore[arg-type]
    reserved = set(cfg.outcome_columns) | set(cfg.predictors.clinical) | {cfg.predictors.centre, cfg.design.split_column}
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    if d.feature_columns:
        cols = [c for c in table.columns if any(fnmatch.fnmatchcase(str(c), pat) for pat in d.feature_columns)]
        if not cols:
            raise ConfigError(f"data.feature_columns {d.feature_columns} match no column of {d.features}")
        bad = [c for c in cols if c not in numeric]
        if bad:
            raise DataError(f"feature column(s) {bad[:5]} of {d.features} are not numeric")
    else:
        cols = [c for c in numeric if c not in reserved]
    if not cols:
        raise DataError(f"the feature table {d.features} has no numeric feature column")
    conf = feature_source_config(Path(d.features), d.feature_config)  # type: ignore[arg-type]
    groups: dict[str, list[str]] = {}
    for mod, roi in conf.get("groups", []):
        groups[f"{mod}/{roi}"] = [c for c in cols if str(c).startswith(f"{mod}_{roi}_")]
    rest = [c for c in cols if not any(c in g for g in groups.values())]
    if rest:
        groups["features"] = rest
    groups = {k: v for k, v in groups.items() if v}
    carried = [c for c in table.columns if c not in cols]
    table.index = table.index.astype(str)
    fail_csv = Path(d.features).parent / "failures.csv"  # type: ignore[arg-type]
    failures = pd.read_csv(fail_csv, dtype=str) if conf.get("record") and fail_csv.is_file() else pd.DataFrame()
    records = [conf["record"]] if conf.get("record") else []
    return _Features(table, list(cols), groups, conf, failures, records, carried)


# --------------------------------------------------------------------------- data preparation

def _check_columns(frame: pd.DataFrame, cfg: StudyConfig) -> None:
    needed = [("outcome", c) for c in cfg.outcome_columns] + [("predictors.clinical", c) for c in cfg.predictors.clinical]
    if cfg.predictors.centre:
        needed.append(("predictors.centre", cfg.predictors.centre))
    if cfg.design.kind == "column":
        needed.append(("design.split_column", cfg.design.split_column))
    for c in cfg.predictors.table1 or []:
        needed.append(("predictors.table1", c))
    for where, c in needed:
        if c not in frame.columns:
            raise ConfigError(f"{where}: column {c!r} is not in the clinical data{_near(c, frame.columns)}; "
                              f"columns: {[x for x in frame.columns][:15]}")


def _as_value(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def _numeric(s: pd.Series) -> bool:
    """True when every non-missing value of ``s`` reads as a number."""
    num = pd.to_numeric(s, errors="coerce")
    return bool((num.notna() | s.isna()).all())


def _outcome(frame: pd.DataFrame, cfg: StudyConfig) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    o = cfg.outcome
    dropped: list[tuple[str, str]] = []
    out = frame.copy()
    if o.type == "binary":
        raw = out[o.column]
        miss = raw.isna() | raw.astype(str).str.strip().isin(["", "nan", "NA", "None"])
        vals = raw[~miss].map(_as_value)
        levels = sorted(set(vals))
        pos = _as_value(o.positive)
        if pos not in levels:
            raise DataError(f"outcome.positive {o.positive!r} does not occur in column {o.column!r} "
                            f"(values: {levels[:10]}); set outcome.positive")
        if len(levels) > 2:
            raise DataError(f"outcome column {o.column!r} has {len(levels)} values {levels[:10]}; a binary outcome "
                            "needs two (recode it, or use outcome.type: survival)")
        out["_y"] = np.nan
        out.loc[~miss, "_y"] = (vals == pos).astype(float)
        dropped += [(c, f"outcome {o.column!r} missing") for c in out.index[miss]]
    else:
        t = pd.to_numeric(out[o.time], errors="coerce")
        ev_raw = out[o.event]
        ev_miss = ev_raw.isna()
        ev = ev_raw.map(lambda v: np.nan if pd.isna(v) else float(_as_value(v) == _as_value(o.event_value)))
        bad_t = t.isna() | (t < 0)
        for c in out.index[bad_t | ev_miss]:
            dropped.append((c, f"survival time {o.time!r} missing or negative" if bad_t[c] else f"event {o.event!r} missing"))
        out["_time"], out["_event"] = t, ev
        miss = bad_t | ev_miss
    return out.loc[~miss], dropped


def _prepare(cfg: StudyConfig, feats: _Features, col: Collector) -> PreparedData:
    d = cfg.data
    records: list[dict[str, str]] = []

    def rec(case: str, stage: str, rule: str, action: str, detail: str) -> None:
        records.append({"case_id": case, "stage": stage, "rule": rule, "action": action, "detail": detail})

    if d.clinical is not None:
        clin = _read_table(d.clinical, d.clinical_id, "clinical table")
        clin.index = clin.index.astype(str)
    else:
        clin = feats.frame[[c for c in feats.carried if c in feats.frame.columns]]
    fcases, ccases = list(feats.frame.index), set(clin.index)
    for c in clin.index:
        if c not in set(fcases):
            rec(c, "join", "join on case id", "excluded", "in the clinical table but not in the manifest / feature table")
    for c in fcases:
        if c not in ccases:
            rec(c, "join", "join on case id", "excluded", "no row in the clinical table")
    cases = [c for c in fcases if c in ccases]
    frame = pd.concat([feats.frame.loc[cases, feats.columns], clin.loc[cases]], axis=1)
    _check_columns(frame, cfg)
    frame, dropped = _outcome(frame, cfg)
    for c, why in dropped:
        rec(c, "outcome", "outcome required", "excluded", why)

    # missing modalities
    rule = cfg.missing.modalities
    columns = list(feats.columns)
    lacking: dict[str, list[str]] = {}
    for g, cols in feats.groups.items():
        if not cols:
            continue
        empty = frame[cols].isna().all(axis=1)
        lacking[g] = list(frame.index[empty])
    reasons = {}
    if not feats.failures.empty:
        for _, r in feats.failures.iterrows():
            reasons[(str(r.get("case_id")), f"{r.get('modality')}/{r.get('roi')}")] = f"{r.get('error_class')}: {r.get('message')}"
    impute_rows = pd.Series(False, index=frame.index)
    dropped_groups = []
    for g, cases_g in lacking.items():
        if not cases_g:
            continue
        if rule == "drop-modality":
            dropped_groups.append(g)
            columns = [c for c in columns if c not in feats.groups[g]]
        for c in cases_g:
            why = reasons.get((c, g), "no features (not in the manifest, or the extraction failed)")
            if rule == "drop-case":
                rec(c, "modalities", "missing.modalities: drop-case", "excluded", f"{g} missing: {why}")
            elif rule == "drop-modality":
                rec(c, "modalities", "missing.modalities: drop-modality", f"modality {g} dropped for all cases",
                    f"{g} missing: {why}")
            else:
                rec(c, "modalities", "missing.modalities: impute", f"{g} features imputed (training medians)",
                    f"{g} missing: {why}")
                impute_rows[c] = True
    if rule == "drop-case":
        gone = sorted({c for cs in lacking.values() for c in cs})
        frame = frame.drop(index=gone)
        impute_rows = impute_rows.drop(index=gone)
    if not columns:
        raise DataError("the missing-modality rule 'drop-modality' left no feature: every modality is missing "
                        "in some case; use missing.modalities: drop-case or impute")
    if dropped_groups:
        col.warn(f"Modalities {', '.join(dropped_groups)} were dropped from the analysis because some cases lack "
                 "them (missing.modalities: drop-modality); see the missing_data table.")

    # clinical predictors
    clinical = list(cfg.predictors.clinical)
    for c in clinical:
        miss = frame[c].isna() | frame[c].astype(str).str.strip().isin(["", "nan", "NA"])
        frame.loc[miss, c] = np.nan
        for case in frame.index[miss]:
            if cfg.missing.clinical == "drop-case":
                rec(case, "clinical", "missing.clinical: drop-case", "excluded", f"{c} missing")
            else:
                rec(case, "clinical", "missing.clinical: impute", f"{c} imputed",
                    f"{c} missing: filled with the training-set median (numeric) or most frequent level")
    if cfg.missing.clinical == "drop-case" and clinical:
        frame = frame[~frame[clinical].isna().any(axis=1)]
        impute_rows = impute_rows.loc[frame.index]
    if len(frame) < 4:
        raise DataError(f"only {len(frame)} case(s) remain after the missing-data rules; a study needs more "
                        "(see OUT/tables/missing_data.csv)")

    frame, sets, design_text, folds, excluded_split = _split(frame, cfg, col)
    for c, why in excluded_split:
        rec(c, "design", f"design: {cfg.design.kind}", "excluded", why)
    impute_rows = impute_rows.loc[frame.index]
    missing = pd.DataFrame(records, columns=["case_id", "stage", "rule", "action", "detail"])
    n_excl = int(missing.loc[missing["action"] == "excluded", "case_id"].nunique()) if len(missing) else 0
    categorical = list(cfg.predictors.categorical) + [c for c in clinical if c not in cfg.predictors.categorical
                                                      and not _numeric(frame[c])]
    return PreparedData(frame, columns, clinical, categorical, sets, impute_rows, design_text, missing, n_excl, folds)


def _split(frame: pd.DataFrame, cfg: StudyConfig, col: Collector):
    from sklearn.model_selection import StratifiedKFold, KFold, train_test_split

    ds = cfg.design
    strat = frame["_y"] if cfg.outcome.type == "binary" else frame["_event"]
    excluded: list[tuple[str, str]] = []
    folds = None
    if ds.kind == "split":
        try:
            tr, te = train_test_split(list(frame.index), test_size=ds.test_size, random_state=ds.seed,
                                      stratify=strat if ds.stratify else None)
        except ValueError:
            col.warn("The stratified split failed (too few cases in a class); the split is not stratified.")
            tr, te = train_test_split(list(frame.index), test_size=ds.test_size, random_state=ds.seed)
        frame = frame.assign(set=["train" if c in set(tr) else "test" for c in frame.index])
        n_tr = len(tr)
        ratio = f"{n_tr}:{len(te)}"
        text = (f"random {'stratified ' if ds.stratify else ''}split, {ratio} train:test "
                f"(test fraction {ds.test_size:.2f}), seed {ds.seed}")
        sets: tuple[str, ...] = ("train", "test")
    elif ds.kind == "column":
        v = frame[ds.split_column].map(lambda x: _as_value(x) if not pd.isna(x) else "")
        is_tr, is_te = v.isin(ds.train_values), v.isin(ds.test_values)
        for c in frame.index[~(is_tr | is_te)]:
            excluded.append((c, f"{ds.split_column} = {v[c]!r} is neither a train value {ds.train_values} nor a test "
                                f"value {ds.test_values}"))
        frame = frame.loc[is_tr | is_te].assign(set=np.where(is_tr[is_tr | is_te], "train", "test"))
        text = f"split given by column {ds.split_column!r}"
        sets = ("train", "test")
    elif ds.kind == "external":
        centre = frame[cfg.predictors.centre].map(lambda x: _as_value(x) if not pd.isna(x) else "")
        test = centre.isin(ds.external_centres)
        frame = frame.assign(set=np.where(test, "test", "train"))
        text = f"external validation: train on centres other than {', '.join(ds.external_centres)}, test on them"
        sets = ("train", "test")
    else:
        k = ds.cv_folds
        n_min = int(min(strat.sum(), len(strat) - strat.sum()))
        if ds.stratify and n_min >= k:
            splitter: Any = StratifiedKFold(k, shuffle=True, random_state=ds.seed)
        else:
            if ds.stratify:
                col.warn(f"Too few cases in a class ({n_min}) for {k} stratified folds; the folds are not stratified.")
            splitter = KFold(k, shuffle=True, random_state=ds.seed)
        folds = np.zeros(len(frame), dtype=int)
        for f, (_, te) in enumerate(splitter.split(np.zeros(len(frame)), strat)):
            folds[te] = f
        frame = frame.assign(set="train")
        text = (f"{k}-fold cross-validation of the whole pipeline (seed {ds.seed}); 'train' = apparent "
                "performance of the models fitted on all cases, 'cv' = pooled out-of-fold predictions")
        sets = ("train", "cv")
    for s in ("train", "test"):
        if s in sets and s != "cv" and not (frame["set"] == s).any():
            raise DataError(f"the {s} set is empty under design {ds.kind!r}; check the design settings")
    return frame, sets, text, folds, excluded


def _render(out: Path) -> tuple[Path | None, str]:
    try:
        from radiome.report.html import render_report
    except ImportError as exc:
        return None, (f"report.html NOT written: the renderer radiome.report.html is not available ({exc}); "
                      "results.json, tables and figures are complete")
    return Path(render_report(out)), ""


def _resolve(config_or_path: Any) -> tuple[StudyConfig, Path | None]:
    if isinstance(config_or_path, StudyConfig):
        return config_or_path, None
    if isinstance(config_or_path, Mapping):
        return study_from_dict(dict(config_or_path)), None
    return load_study(config_or_path), Path(config_or_path)


def run_study(config_or_path: StudyConfig | Mapping[str, Any] | str | Path, out_dir: str | Path, *,
              jobs: int | None = None, force: bool = False,
              progress: Callable[[Any], None] | None = None) -> StudyRun:
    """Run a whole study: extraction, selection, models, evaluation, tables, figures, report.

    Parameters
    ----------
    config_or_path : StudyConfig, mapping or path of a study.yaml
    out_dir : path
        Output folder (created); see docs/study.md for its layout.
    jobs : int, optional
        Extraction worker processes (default: the usable cores).
    force : bool
        Recompute every extraction job instead of reusing the store.
    progress : callable, optional
        Receives a :class:`radiome.cohort.ProgressEvent` per extraction job and a
        :class:`StageEvent` when a stage starts.

    Returns
    -------
    StudyRun

    Raises
    ------
    ConfigError
        Invalid study file or a column it names that the data lack.
    InputError, DataError
        Unreadable inputs; data no analysis can use (e.g. too few cases).
    """
    t0 = time.perf_counter()
    cfg, study_path = _resolve(config_or_path)
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    def stage(name: str, message: str) -> float:
        if progress is not None:
            progress(StageEvent(name, message, time.perf_counter() - t0))
        return time.perf_counter()

    dump_study(cfg, out / "study.yaml")
    col = Collector(out, dpi=cfg.report.dpi, synthetic=cfg.data.synthetic)
    s = stage("extraction", "extracting features" if cfg.data.manifest else "reading the feature table")
    feats = _extract(cfg, out, jobs, force, progress) if cfg.data.manifest else _feature_table(cfg)
    timings["extraction"] = time.perf_counter() - s
    s = stage("data", "joining clinical data, missing-data rules, split")
    data = _prepare(cfg, feats, col)
    col.table("missing_data", data.missing, "Cases touched by a missing-data rule, the rule and why.")
    timings["data"] = time.perf_counter() - s
    s = stage("analysis", "selection, models and evaluation")
    if cfg.outcome.type == "binary":
        from radiome.study.binary import analyse_binary as analyse
    else:
        from radiome.study.survival import analyse_survival as analyse
    model, summary = analyse(data, cfg, col)
    timings["analysis"] = time.perf_counter() - s
    s = stage("report", "Table 1, checklist, results.json, report")
    table1_section(data, cfg, col)
    _facts(col, cfg, data, feats)
    checklist_section(col, cfg)
    model_meta = {"feature_config": feats.config, "outcome": cfg.outcome.model_dump(mode="json"),
                  "study_hash": study_hash(cfg), "title": cfg.title, "synthetic": cfg.data.synthetic}
    save_models(out / "models", model, model_meta)
    methods_section(col, cfg, data, feats)
    provenance_section(col, cfg, feats, out)
    created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    from radiome import __version__

    summary = dict(summary)
    n_ev = summary.get("n_events", 0)
    summary.update({"design": data.design_text, "n_excluded": data.n_excluded})
    if cfg.data.synthetic:
        summary["text"] = "SYNTHETIC DATA (not patients). " + summary.get("text", "")
    title = cfg.title + (" [synthetic data]" if cfg.data.synthetic and "synthetic" not in cfg.title.lower() else "")
    summary_section(col, cfg, summary, n_ev)
    results = col.results(title=title, description=cfg.description, synthetic=cfg.data.synthetic, created=created,
                          radiome_version=__version__, summary=summary)
    write_json(out / "results.json", results)
    timings["report_data"] = time.perf_counter() - s
    record = {
        "schema": RECORD_SCHEMA, "created": created, "radiome_version": __version__, "versions": versions(),
        "study_file": str(study_path) if study_path else None, "study_hash": study_hash(cfg),
        "feature_config_hash": feats.config.get("hash"), "feature_config": feats.config,
        "inputs": input_checksums(cfg), "extraction": {"run_records": feats.records, "n_jobs": feats.n_jobs,
                                               "n_failed": feats.n_failed, "n_reused": feats.n_reused, "force": force},
        "seed": cfg.design.seed, "timings_s": dict(timings),
        "missing_data": _missing_record(cfg, data), "warnings": col.warnings, "skipped": col.skipped,
        "report": str(out / "report.html") if cfg.report.html else None,
    }
    write_json(out / "record.json", record)  # the renderer reads it
    s = time.perf_counter()
    report, note = (None, "report.html not requested (report.html: false)")
    if cfg.report.html:
        report, note = _render(out)
    timings["render"] = time.perf_counter() - s
    wall = time.perf_counter() - t0
    record.update({"timings_s": {**timings, "total": wall}, "report": str(report) if report else None,
                   "report_note": note})
    write_json(out / "record.json", record)
    return StudyRun(out, out / "results.json", out / "record.json", report, note, results["summary"],
                    tuple(col.warnings), timings, wall)


def _missing_record(cfg: StudyConfig, data: PreparedData) -> dict[str, Any]:
    cases: dict[str, list[dict[str, str]]] = {}
    for r in data.missing.to_dict(orient="records"):
        cases.setdefault(r["case_id"], []).append({k: r[k] for k in ("stage", "rule", "action", "detail")})
    return {"rules": cfg.missing.model_dump(), "n_excluded": data.n_excluded, "cases": cases}


def _facts(col: Collector, cfg: StudyConfig, data: PreparedData, feats: _Features) -> None:
    f = col.facts
    ds = cfg.design
    f.update({
        "missing_data_rule": f"modalities: {cfg.missing.modalities}; clinical: {cfg.missing.clinical}",
        "n_cases_excluded": data.n_excluded, "design": data.design_text,
        "has_test_set": ds.kind in ("split", "column", "external"), "has_external_validation": ds.kind == "external",
        "has_cv": ds.kind == "cv", "feature_reproducibility_assessed": False, "harmonisation_applied": False,
        "multiple_segmentation": None, "software_versions": versions(), "seed": ds.seed,
        "open_data": cfg.report.open_data, "prospective": cfg.report.prospective,
        "image_protocol_reported": cfg.report.image_protocol, "segmentation_method": cfg.report.segmentation_method,
        "synthetic_data": cfg.data.synthetic, "feature_config_hash": feats.config.get("hash"),
        "n_external_sets": len(ds.external_centres) if ds.kind == "external" else 0,
        "resampling": ds.kind == "cv", "table1_reported": "table1" in col.tables,
        "threshold_metrics_reported": "threshold_metrics" in col.tables,
        "model_specification_reported": "radscore_formula" in col.tables,
        "non_radiomics_features": bool(cfg.predictors.clinical),
        "comparison_with_clinical": "delong" in col.tables and "Clinical" in (f.get("models") or []),
        "n_centres": int(data.frame[cfg.predictors.centre].nunique()) if cfg.predictors.centre else None,
        "class_imbalance_method": "none", "outcome": cfg.outcome.name, "outcome_type": cfg.outcome.type,
        "open_code": None, "public_protocol": None, "phantom_study": None, "multiple_time_points": None,
    })


