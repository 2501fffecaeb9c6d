"""What a study writes, and the fitted pipeline it saves.

* :class:`Collector` gathers the outputs of a run while the analysis proceeds: every table is
  written at once to ``tables/<key>.csv``, every figure to ``figures/<key>.png`` (``dpi``) and
  ``.svg``, and registered with its caption; sections, warnings and checklist facts are kept
  for ``results.json`` (:meth:`Collector.results`).
* :func:`write_json` writes JSON with plain floats (NumPy scalars converted, NaN and infinities
  written as ``null``), atomically.
* :class:`FeaturePrep` and :class:`StudyModel` are the fitted pipeline that scores a case:
  feature filtering and training-set z-scores, the Rad-score coefficients, the clinical
  imputation values and the fitted models. :func:`save_models` writes it with joblib plus a
  ``model.json`` (feature config hash, feature names, outcome, radiome version), read back by
  :func:`load_models`.

Hand-written: the output layout is radiome's own; CSV is pandas', pickling joblib's.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
import pandas as pd

from radiome.errors import ConfigError, DataError, InputError

if TYPE_CHECKING:  # pragma: no cover
    from radiome.study.config import StudyConfig
    from radiome.study.runner import PreparedData

__all__ = [
    "RESULTS_SCHEMA",
    "MODEL_SCHEMA",
    "Collector",
    "FeaturePrep",
    "StudyModel",
    "write_json",
    "jsonable",
    "file_sha256",
    "save_models",
    "load_models",
    "versions",
    "table1_section",
    "checklist_section",
    "summary_section",
    "methods_section",
    "provenance_section",
    "input_checksums",
]

RESULTS_SCHEMA = "radiome-study-results/1"
MODEL_SCHEMA = "radiome-study-model/1"
_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")


# --------------------------------------------------------------------------- JSON

def jsonable(value: Any) -> Any:
    """``value`` with NumPy scalars/arrays as Python values, paths as text, NaN/inf as None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return str(value)


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as UTF-8 JSON (plain floats, NaN as null), atomically."""
    from radiome.cohort.store import atomic_write_text

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(p, json.dumps(jsonable(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    return p


def file_sha256(path: str | Path) -> str | None:
    """SHA-256 of a file's bytes (None when it does not exist)."""
    p = Path(path)
    if not p.is_file():
        return None
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- outputs

@dataclass
class Collector:
    """Collects the tables, figures, sections, warnings and facts of one study run.

    A builder (mutable while the run goes on), not a result: :meth:`results` returns the
    JSON-ready ``results.json`` payload at the end. Creating it removes the CSV, PNG and SVG
    files an earlier run left in ``tables/`` and ``figures/``, so the folder holds exactly
    what ``results.json`` lists.

    Attributes
    ----------
    out_dir : Path
        The study's output folder; tables go to ``tables/``, figures to ``figures/``.
    dpi : int
        Resolution of the PNG figures.
    synthetic : bool
        The data are synthetic: every figure carries a "synthetic data" mark and every caption
        starts with "Synthetic data." (the CSV files keep their header as the first row).
    """

    out_dir: Path
    dpi: int = 200
    synthetic: bool = False
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    sections: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        for sub, patterns in (("tables", ("*.csv",)), ("figures", ("*.png", "*.svg"))):
            folder = self.out_dir / sub
            folder.mkdir(parents=True, exist_ok=True)
            for pattern in patterns:  # outputs of an earlier run into the same folder
                for stale in folder.glob(pattern):
                    stale.unlink()

    @staticmethod
    def _check_key(key: str) -> None:
        if not _KEY.match(key):
            raise ConfigError(f"output key {key!r} must use only letters, digits, '_', '-' and '.'")

    def table(self, key: str, frame: pd.DataFrame, caption: str, *, float_format: int | None = 3,
              index: bool = False) -> pd.DataFrame:
        """Write ``frame`` to ``tables/<key>.csv`` (UTF-8, full precision) and register it.

        ``float_format`` is the number of decimals the report shows, or None to show the CSV
        text as it is (tables of preformatted cells such as Table 1)."""
        self._check_key(key)
        caption = ("Synthetic data. " + caption) if self.synthetic else caption
        frame = frame.reset_index() if index else frame
        path = self.out_dir / "tables" / f"{key}.csv"
        frame.to_csv(path, index=False, encoding="utf-8")
        self.tables[key] = {"csv": f"tables/{key}.csv", "caption": caption, "float_format": None if float_format is None else int(float_format)}
        return frame

    def figure(self, key: str, fig_or_ax: Any, caption: str) -> None:
        """Save a matplotlib figure (or the figure of an Axes) as PNG and SVG, then close it."""
        import matplotlib.pyplot as plt

        self._check_key(key)
        fig = fig_or_ax.figure if hasattr(fig_or_ax, "figure") and not hasattr(fig_or_ax, "savefig") else fig_or_ax
        while hasattr(fig, "figure") and not hasattr(fig, "savefig"):  # pragma: no cover - subfigures
            fig = fig.figure
        if self.synthetic:
            fig.text(0.995, 0.005, "synthetic data", ha="right", va="bottom", fontsize=7, color="0.45",
                     style="italic")
            caption = "Synthetic data. " + caption
        png = self.out_dir / "figures" / f"{key}.png"
        svg = self.out_dir / "figures" / f"{key}.svg"
        try:
            fig.savefig(png, dpi=self.dpi, bbox_inches="tight", metadata={"Software": "radiome"})
            fig.savefig(svg, bbox_inches="tight")
        finally:
            plt.close(fig)
        self.figures[key] = {"png": f"figures/{key}.png", "svg": f"figures/{key}.svg", "caption": caption}

    def section(self, sid: str, title: str, text: Sequence[str] = (), figures: Sequence[str] = (),
                tables: Sequence[str] = ()) -> None:
        """Register a report section (figure and table keys must be registered already)."""
        missing = [k for k in figures if k not in self.figures] + [k for k in tables if k not in self.tables]
        if missing:
            raise DataError(f"section {sid!r} names outputs that were not written: {missing}")
        for s in self.sections:
            if s["id"] == sid:  # extend an existing section
                s["text"].extend(text)
                s["figures"].extend(figures)
                s["tables"].extend(tables)
                return
        self.sections.append({"id": sid, "title": title, "text": list(text), "figures": list(figures),
                              "tables": list(tables)})

    def warn(self, message: str) -> None:
        """Add a warning for the report (duplicates are dropped)."""
        if message not in self.warnings:
            self.warnings.append(message)

    def results(self, **head: Any) -> dict[str, Any]:
        """The ``results.json`` payload: ``head`` (title, summary, ...), sections, outputs, facts."""
        order = ["summary", "table1", "selection", "radscore", "roc", "threshold", "calibration", "dca", "delong",
                 "nomogram", "survival", "shap", "correlation", "checklist", "methods", "provenance"]
        rank = {sid: i for i, sid in enumerate(order)}
        sections = sorted(self.sections, key=lambda s: rank.get(s["id"], len(order)))
        out = {"schema": RESULTS_SCHEMA, **head, "warnings": list(self.warnings), "sections": sections,
               "figures": self.figures, "tables": self.tables, "facts": self.facts}
        return jsonable(out)


# --------------------------------------------------------------------------- the fitted pipeline

class FeaturePrep:
    """Feature filtering and z-scoring learned on the training set.

    ``fit`` drops columns with a non-finite value in a training case (after imputing the
    cases that the missing-modality rule ``impute`` marks), constant columns, and optionally
    the later of each pair with :math:`|r_s| >` ``correlation_threshold`` (Spearman); the rest
    are z-scored, :math:`z = (x - \\bar x_{train}) / s_{train}` (SD with divisor n - 1).
    ``transform`` fills a non-finite value with the training median before z-scoring.

    Attributes (after ``fit``)
    --------------------------
    columns_ : list of str
        The kept features, in input order.
    mean_, sd_, median_ : pandas.Series
        Training mean, SD and median of each kept feature.
    dropped_ : pandas.DataFrame
        ``feature, reason`` of every dropped column.
    """

    def __init__(self, correlation_threshold: float | None = None) -> None:
        self.correlation_threshold = correlation_threshold

    def fit(self, X: pd.DataFrame, impute_rows: pd.Series | None = None) -> "FeaturePrep":
        X = X.astype(float)
        if impute_rows is not None and impute_rows.any():
            X = X.copy()
            med = X.loc[~impute_rows].median()
            X.loc[impute_rows] = X.loc[impute_rows].fillna(med)
        dropped: list[tuple[str, str]] = []
        arr = X.to_numpy()
        finite = np.isfinite(arr)
        keep = []
        for j, c in enumerate(X.columns):
            n_bad = int((~finite[:, j]).sum())
            if n_bad:
                dropped.append((c, f"non-finite in {n_bad} training case(s)"))
            elif np.nanstd(arr[:, j]) == 0 or np.unique(arr[:, j]).size < 2:
                dropped.append((c, "constant in the training set"))
            else:
                keep.append(c)
        if len(keep) == 0:
            raise DataError("no usable feature: every feature column is non-finite or constant in the training set.")
        if self.correlation_threshold is not None and len(keep) > 1:
            ranks = X[keep].rank().to_numpy()
            r = np.abs(np.corrcoef(ranks, rowvar=False))
            kept_idx: list[int] = []
            for j in range(len(keep)):
                hit = next((i for i in kept_idx if r[i, j] > self.correlation_threshold), None)
                if hit is None:
                    kept_idx.append(j)
                else:
                    dropped.append((keep[j], f"|Spearman r| = {r[hit, j]:.3f} with {keep[hit]} "
                                             f"(> {self.correlation_threshold})"))
            keep = [keep[i] for i in kept_idx]
        self.columns_ = keep
        self.mean_ = X[keep].mean()
        self.sd_ = X[keep].std(ddof=1)
        self.median_ = X[keep].median()
        self.dropped_ = pd.DataFrame(dropped, columns=["feature", "reason"])
        return self

    def impute(self, X: pd.DataFrame) -> pd.DataFrame:
        """The kept features as they are, non-finite values filled with the training median."""
        missing = [c for c in self.columns_ if c not in X.columns]
        if missing:
            raise DataError(f"the feature table lacks {len(missing)} feature(s) the model needs, e.g. {missing[:3]}.")
        V = X[self.columns_].astype(float).replace([np.inf, -np.inf], np.nan)
        return V.fillna(self.median_)

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """z-scores of the kept features (non-finite values filled with the training median)."""
        return (self.impute(X) - self.mean_) / self.sd_


class StudyModel:
    """The fitted study pipeline: from a case's features and clinical values to each model's score.

    Binary studies score a probability per model; survival studies a risk score (the Cox
    linear predictor, higher = worse). The Rad-score is the fitted
    :class:`~radiome.model.radscore.RadScore` (z-scores inside, LASSO selector) applied to the
    kept features, non-finite values filled with training medians:
    :math:`\\text{Rad-score} = b_0 + \\sum_j \\beta_j z_j` (:math:`b_0 = 0` for Cox).

    Attributes
    ----------
    outcome_type : {'binary', 'survival'}
    prep : FeaturePrep
    radscore_model : radiome.model.radscore.RadScore
    clinical : list of str
        Clinical predictor columns the models may use.
    categorical : list of str
        Clinical predictors treated as categorical (text).
    impute : dict
        Clinical column -> training value used for a missing value (``missing.clinical: impute``).
    models : dict
        Model name -> fitted estimator; each takes :meth:`design` columns.
    inputs : dict
        Model name -> the design columns it reads.
    thresholds : dict
        Binary: model name -> the Youden cut-off chosen on the training set. Survival: the
        Rad-score risk-group cut-off (``'Rad-score'``: training median).
    """

    def __init__(self, outcome_type: str, prep: FeaturePrep, radscore_model: Any, clinical: Sequence[str],
                 categorical: Sequence[str], impute: Mapping[str, Any]) -> None:
        self.outcome_type = outcome_type
        self.prep = prep
        self.radscore_model = radscore_model
        self.clinical = list(clinical)
        self.categorical = list(categorical)
        self.impute = dict(impute)
        self.models: dict[str, Any] = {}
        self.inputs: dict[str, list[str]] = {}
        self.thresholds: dict[str, float] = {}

    @property
    def radscore_coef(self) -> dict[str, float]:
        """Selected feature -> coefficient (z-score scale)."""
        return {str(k): float(v) for k, v in self.radscore_model.coefficients_.items()}

    @property
    def radscore_intercept(self) -> float:
        return float(self.radscore_model.intercept_)

    @property
    def feature_names(self) -> list[str]:
        """The feature columns a case must have (after the training filters)."""
        return list(self.prep.columns_)

    def clinical_frame(self, frame: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Clinical predictors (all, or ``columns``), typed and imputed as in training."""
        out = pd.DataFrame(index=frame.index)
        for c in (self.clinical if columns is None else columns):
            if c not in frame.columns:
                raise DataError(f"the clinical data lack the predictor column {c!r} that the model uses.")
            s = frame[c]
            if c in self.categorical:
                s = s.map(lambda v: None if _missing(v) else _level(v)).astype(object)
            else:
                s = pd.to_numeric(s, errors="coerce")
            if c in self.impute:
                s = s.where(~s.isna(), self.impute[c])
            out[c] = s
        return out

    def radscore(self, frame: pd.DataFrame) -> pd.Series:
        """The Rad-score of each case of a feature table."""
        score = self.radscore_model.decision_function(self.prep.impute(frame))
        return pd.Series(np.asarray(score, float), index=frame.index, name="rad_score")

    def design(self, frame: pd.DataFrame) -> pd.DataFrame:
        """z-scored features, the Rad-score and the clinical predictors of each case."""
        z = self.prep.transform(frame)
        return pd.concat([z, self.radscore(frame).to_frame(), self.clinical_frame(frame)], axis=1)

    def score(self, name: str, design: pd.DataFrame) -> np.ndarray:
        """Model ``name``'s probability (binary) or risk score (survival)."""
        model = self.models[name]
        X = design[self.inputs[name]]
        if self.outcome_type == "binary":
            return np.asarray(model.predict_proba(X))[:, 1]
        return np.asarray(model.predict(X), float)

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """One row per case: ``rad_score`` and one column per model."""
        d = self.design(frame)
        out = pd.DataFrame({"rad_score": d["rad_score"]}, index=frame.index)
        for name in self.models:
            out[name] = self.score(name, d)
        return out


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v.strip() == "")


def _level(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


# --------------------------------------------------------------------------- saving models

def save_models(models_dir: str | Path, model: StudyModel, meta: Mapping[str, Any]) -> Path:
    """Write ``model.joblib`` and ``model.json`` (``meta`` plus schema, feature names, models)."""
    import joblib

    from radiome import __version__

    d = Path(models_dir)
    d.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, d / "model.joblib", compress=3)
    info = {"schema": MODEL_SCHEMA, "radiome_version": __version__, "outcome_type": model.outcome_type,
            "models": list(model.models), "inputs": model.inputs, "thresholds": model.thresholds,
            "feature_names": model.feature_names, "radscore": model.radscore_model.to_dict(),
            "clinical": model.clinical, "categorical": model.categorical, "impute": model.impute,
            "joblib_sha256": file_sha256(d / "model.joblib"), **dict(meta)}
    write_json(d / "model.json", info)
    return d


def load_models(model_dir: str | Path) -> tuple[StudyModel, dict[str, Any]]:
    """Read a saved study model: ``(StudyModel, model.json contents)``.

    ``model_dir`` is a study's ``OUT/models`` folder or the study's ``OUT`` folder itself.

    Raises
    ------
    InputError
        No model there, or ``model.joblib`` does not match the checksum in ``model.json``.
    """
    import joblib

    d = Path(model_dir)
    if not (d / "model.json").is_file() and (d / "models" / "model.json").is_file():
        d = d / "models"
    if not (d / "model.json").is_file() or not (d / "model.joblib").is_file():
        raise InputError(f"no saved study model in {model_dir} (expected model.json and model.joblib; "
                         "give a study's OUT/models folder)")
    info = json.loads((d / "model.json").read_text(encoding="utf-8"))
    if info.get("schema") != MODEL_SCHEMA:
        raise InputError(f"{d / 'model.json'} is not a radiome study model ({info.get('schema')!r})")
    if info.get("joblib_sha256") and file_sha256(d / "model.joblib") != info["joblib_sha256"]:
        raise InputError(f"{d / 'model.joblib'} does not match the checksum in model.json: it was changed "
                         "or damaged; re-run the study")
    model = joblib.load(d / "model.joblib")
    if not isinstance(model, StudyModel):
        raise InputError(f"{d / 'model.joblib'} does not hold a radiome StudyModel")
    return model, info


# --------------------------------------------------------------------------- sections both outcomes share
# (cfg: StudyConfig, data: radiome.study.runner.PreparedData, feats: the runner's feature source)

def table1_section(data: PreparedData, cfg: StudyConfig, col: Collector) -> None:
    from radiome.report.table1 import table_one

    o = cfg.outcome
    variables = list(cfg.predictors.table1) if cfg.predictors.table1 is not None else (
        list(cfg.predictors.clinical) + ([cfg.predictors.centre] if cfg.predictors.centre else []))
    variables = list(dict.fromkeys(v for v in variables if v not in cfg.outcome_columns))
    group_name = o.name if o.type == "binary" else f"{o.event}"
    f = data.frame
    t1 = pd.DataFrame({v: f[v] for v in variables}, index=f.index)
    if o.type == "survival":
        t1[f"follow-up ({o.time_unit})"] = f["_time"]
    t1["Set"] = f["set"]
    t1[group_name] = f["_y" if o.type == "binary" else "_event"].astype(int)
    by = [b for b in ("Set", group_name) if t1[b].nunique() >= 2]
    if "Set" not in by:
        t1 = t1.drop(columns="Set")
    if t1.shape[1] == len(by):
        t1["n cases"] = 1
    cats = [c for c in cfg.predictors.categorical if c in t1.columns]
    try:
        tab = table_one(t1, by=by, categorical=cats, random_state=cfg.design.seed)
    except (DataError, ConfigError) as exc:
        col.warn(f"Table 1 by {by} failed ({exc}); it is given overall only.")
        tab = table_one(t1.drop(columns=by), categorical=cats, random_state=cfg.design.seed)
        by = []
    frame = tab.to_frame()
    frame.columns = [g if b == "" else f"{b}: {g}" for b, g in frame.columns]
    col.table("table1", frame.reset_index(), "Table 1. Characteristics of the analysed cases"
              + (f" by {' and by '.join(by)}" if by else "") + " (mean ± SD or median (IQR) by normality; n (%)).",
              float_format=None)
    col.table("table1_numeric", tab.to_numeric_frame(), "Table 1, the numbers behind every cell.", float_format=4)
    text = [f"Table 1 describes the {len(f)} analysed cases" + (f" by {' and by '.join(by)}" if by else "")
            + ". Continuous variables are mean ± SD when normal (Shapiro-Wilk) and median (Q1, Q3) otherwise; "
            "p-values: t-test or Mann-Whitney U, chi-square or Fisher's exact test."]
    col.section("table1", "Table 1: characteristics", text, tables=["table1", "table1_numeric"])



def versions() -> dict[str, str]:
    import importlib.metadata as md

    from radiome.extraction import provenance

    out = dict(provenance())
    for pkg in ("pandas", "scikit-learn", "statsmodels", "lifelines", "scikit-survival", "matplotlib", "shap",
                "joblib", "lightgbm", "pyarrow", "pyyaml"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out



def checklist_section(col: Collector, cfg: StudyConfig) -> None:
    facts = col.facts
    try:
        from radiome.report.checklist import build_checklist
    except ImportError:
        build_checklist = None
    if build_checklist is not None:
        table = build_checklist(facts)
        if not isinstance(table, pd.DataFrame):
            table = table.to_frame() if hasattr(table, "to_frame") else pd.DataFrame(table)
        note = "Filled in by radiome.report.checklist from what this run did."
    else:
        rows = []
        for k, v in facts.items():
            status = "not known" if v is None else "reported"
            rows.append({"item": k, "source": "radiome study run", "status": status,
                         "evidence": json.dumps(jsonable(v)) if v is not None else "for the author to state"})
        table = pd.DataFrame(rows, columns=["item", "source", "status", "evidence"])
        note = ("radiome.report.checklist is not available in this installation: the table lists the facts the "
                "checklist is filled from (TRIPOD-AI / RQS mapping not applied).")
        col.skipped.append("checklist: radiome.report.checklist missing, facts listed instead")
    col.table("checklist", table, "TRIPOD-AI / RQS checklist: what this run did, and what only the author can state.")
    col.section("checklist", "Reporting checklist (TRIPOD-AI / RQS)", [note], tables=["checklist"])



def summary_section(col: Collector, cfg: StudyConfig, summary: Mapping[str, Any], n_ev: int) -> None:
    text = [summary.get("text", "")]
    if cfg.description:
        text.insert(0, cfg.description)
    if cfg.data.synthetic:
        text.insert(0, "These are SYNTHETIC data generated by radiome from a seed: no patient is involved, and "
                       "the numbers illustrate the method only.")
    if col.warnings:
        text.append(f"{len(col.warnings)} warning(s) were raised; read them before the results.")
    col.section("summary", "Study summary", text, tables=["missing_data"])



def methods_section(col: Collector, cfg: StudyConfig, data: PreparedData, feats: Any) -> None:
    o = cfg.outcome
    src = ("features extracted from the images of the manifest with radiome (IBSI-compliant), "
           f"feature config hash {feats.config.get('hash')}") if cfg.data.manifest else (
        f"features read from the table {Path(cfg.data.features).name} (feature config hash "  # type: ignore[arg-type]
        f"{feats.config.get('hash')})")
    sel = cfg.selection
    text = [
        f"Data: {src}; {len(feats.columns)} feature columns; clinical data joined on the case id.",
        f"Missing data: modalities rule '{cfg.missing.modalities}', clinical rule '{cfg.missing.clinical}'; "
        f"{data.n_excluded} case(s) excluded (table missing_data lists every case a rule touched).",
        f"Design: {data.design_text}.",
        "Features: columns with a non-finite value or no variation in the training set were dropped; the rest were "
        "z-scored with the training mean and SD"
        + (f", and pairs with |Spearman r| > {sel.correlation_threshold} pruned" if sel.correlation_threshold else "")
        + ".",
        f"Selection: {'LASSO logistic regression' if o.type == 'binary' else 'LASSO Cox regression'} "
        f"(glmnet-compatible, alpha {sel.alpha:g}) with {sel.cv_folds}-fold cross-validated deviance on the training "
        f"set, lambda.{sel.lambda_rule}; the selected features and coefficients define the Rad-score.",
        ("Models: Rad-score (logistic recalibration), clinical (univariable screen p < "
         f"{cfg.models.screen_p:g}, then multivariable, '{cfg.models.clinical_method}'), combined (clinical model "
         "predictors + Rad-score)" + (", auto-model (inner-CV search)" if cfg.models.auto else "") + ".")
        if o.type == "binary" else
        ("Models: Cox proportional hazards on the Rad-score, on the clinical predictors (univariable screen p < "
         f"{cfg.models.screen_p:g}) and on both (combined)."),
        ("Evaluation per model and set: ROC AUC with DeLong 95% CI; sensitivity, specificity, accuracy, PPV, NPV, "
         "F1 and Youden's J at the Youden cut-off chosen on the training set; calibration curve, calibration "
         "intercept and slope, Brier score and Hosmer-Lemeshow test; decision curves; DeLong tests between models.")
        if o.type == "binary" else
        ("Evaluation per model and set: Harrell's C-index with 95% CI, time-dependent AUC (IPCW), Kaplan-Meier "
         "curves of Rad-score risk groups split at the training median, log-rank test and hazard ratio."),
    ]
    col.section("methods", "Methods", text, tables=[k for k in ("missing_data", "dropped_features") if k in col.tables])



def provenance_section(col: Collector, cfg: StudyConfig, feats: Any, out: Path) -> None:
    from radiome import __version__
    from radiome.study.config import study_hash

    rows = [("radiome version", __version__), ("study hash", study_hash(cfg)),
            ("feature config hash", feats.config.get("hash")), ("seed", cfg.design.seed)]
    for name, info in input_checksums(cfg).items():
        rows.append((f"{name} file", info["path"]))
        rows.append((f"{name} SHA-256", info["sha256"]))
    for m, c in (feats.config.get("by_modality") or {}).items():
        rows.append((f"extraction config {m}", f"{c.get('kind')} {c.get('hash')}"))
    for k, v in versions().items():
        rows.append((f"version: {k}", v))
    frame = pd.DataFrame(rows, columns=["item", "value"]).astype(str)
    col.table("provenance", frame, "Provenance: versions, hashes and input checksums (record.json has all).")
    col.section("provenance", "Provenance", [
        "study.yaml (resolved), record.json (versions, hashes, input checksums, timings, missing-data record), "
        "the extraction run record(s) and the fitted models (models/model.joblib with models/model.json) are in the "
        "output folder; `radiome study predict OUT/models --manifest NEW.csv -o PRED` scores new cases."],
        tables=["provenance"])


def input_checksums(cfg: StudyConfig) -> dict[str, Any]:
    out = {}
    for name in ("manifest", "features", "clinical"):
        p = getattr(cfg.data, name)
        if p is not None:
            out[name] = {"path": str(p), "sha256": file_sha256(p)}
    return out
