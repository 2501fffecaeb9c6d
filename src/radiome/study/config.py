"""The study file (``study.yaml``): one typed, validated description of a radiomics study.

:class:`StudyConfig` is a frozen pydantic model (unknown keys are rejected with the nearest
valid key); every key has a default and a description, and the descriptions are the
documentation: :func:`study_keys` lists them (``docs/study.md`` and ``radiome study init``
are written from it). :func:`load_study` reads a YAML file safely (no code runs), resolves
relative paths against the study file's folder and validates;
:func:`dump_study` writes the resolved study (every default filled in) back as YAML.

The study is hashed (:func:`study_hash`) over its canonical JSON form, so the run record
ties every output to the exact study that produced it.

Hand-written: the study schema is radiome's own; validation is pydantic's, YAML parsing
PyYAML's ``safe_load``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from radiome.errors import ConfigError

__all__ = [
    "StudyConfig",
    "DataSpec",
    "OutcomeSpec",
    "PredictorsSpec",
    "ExtractionSpec",
    "ModalityExtraction",
    "MissingSpec",
    "DesignSpec",
    "SelectionSpec",
    "ModelsSpec",
    "EvaluationSpec",
    "ReportSpec",
    "load_study",
    "study_from_dict",
    "dump_study",
    "study_hash",
    "study_keys",
    "template_yaml",
    "STUDY_SCHEMA",
]

#: Identifies the layout of a study file (written at the top of a resolved study.yaml).
STUDY_SCHEMA = "radiome-study/1"

_PATH_KEYS = (
    ("data", "manifest"), ("data", "features"), ("data", "clinical"),
    ("extraction", "settings_file"), ("extraction", "pyradiomics_params"),
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Scalar = Union[int, float, str, bool]


class DataSpec(_Frozen):
    """Where the images (or a feature table) and the clinical data are."""

    manifest: Path | None = Field(
        None, description="Cohort manifest (CSV or YAML, see docs/cohort.md) listing each case's images and "
        "masks; features are extracted from it into OUT/extraction. Give this or `features`.")
    features: Path | None = Field(
        None, description="A feature table (CSV or Parquet, one row per case) from any extractor, used instead "
        "of `manifest` (no extraction).")
    features_id: str = Field("case_id", description="Case-id column of the feature table.")
    feature_columns: list[str] | None = Field(
        None, description="Feature table: the feature columns, as exact names or shell patterns such as "
        "'CT_*'; default every numeric column that is not the id, the outcome, a predictor, the centre or "
        "the split column.")
    feature_config: str | None = Field(
        None, description="Feature table: the extraction settings that produced it (a cohort run.json, a radiome "
        "settings YAML or a preset name); recorded, and checked against new cases by `radiome study "
        "predict`. Default: the run.json beside the table, if there is one.")
    clinical: Path | None = Field(
        None, description="Clinical table (CSV or Parquet, one row per case) with the outcome and the "
        "predictors. Default: the columns the manifest (or feature table) carries.")
    clinical_id: str = Field("case_id", description="Case-id column of the clinical table.")
    modalities: list[str] | None = Field(
        None, description="Use only these modalities of the manifest (default: all).")
    rois: list[str] | None = Field(None, description="Use only these ROIs of the manifest (default: all).")
    synthetic: bool = Field(
        False, description="The data are synthetic (not patient data); the report says so everywhere.")

    @model_validator(mode="after")
    def _one_source(self) -> "DataSpec":
        if (self.manifest is None) == (self.features is None):
            raise ValueError("give exactly one of data.manifest (images to extract) or data.features "
                             "(a feature table)")
        return self


class OutcomeSpec(_Frozen):
    """What is predicted: a binary outcome, or time to an event."""

    type: Literal["binary", "survival"] = Field(
        "binary", description="'binary' (logistic models, ROC, calibration, decision curves) or 'survival' "
        "(Cox models, C-index, time-dependent AUC, Kaplan-Meier risk groups).")
    column: str | None = Field(None, description="Binary outcome column of the clinical table.")
    positive: Scalar = Field(1, description="Value of `column` that marks the positive class (the event).")
    time: str | None = Field(None, description="Survival: follow-up time column (time to event or censoring).")
    event: str | None = Field(None, description="Survival: event column (1 = event, 0 = censored).")
    event_value: Scalar = Field(1, description="Survival: value of `event` that marks an event.")
    time_unit: str = Field("days", description="Survival: unit of `time`, shown on axes and in tables.")
    label: str | None = Field(None, description="Name of the outcome in the report (default: the column name).")

    @model_validator(mode="after")
    def _columns(self) -> "OutcomeSpec":
        if self.type == "binary" and not self.column:
            raise ValueError("outcome.type 'binary' needs outcome.column (the 0/1 outcome column)")
        if self.type == "survival" and not (self.time and self.event):
            raise ValueError("outcome.type 'survival' needs outcome.time and outcome.event (time and 0/1 event columns)")
        return self

    @property
    def name(self) -> str:
        """The outcome's name in the report."""
        return self.label or (self.column if self.type == "binary" else f"{self.event} ({self.time})") or "outcome"


class PredictorsSpec(_Frozen):
    """Clinical predictors and the centre."""

    clinical: list[str] = Field(
        default_factory=list, description="Clinical predictors of the clinical and combined models "
        "(columns of the clinical table; text columns are categorical).")
    categorical: list[str] = Field(
        default_factory=list, description="Predictors to treat as categorical although numeric (e.g. a "
        "grade coded 1-3).")
    centre: str | None = Field(
        None, description="Centre / scanner column: in Table 1, and the grouping of external validation.")
    table1: list[str] | None = Field(
        None, description="Variables of Table 1 (default: the clinical predictors and the centre).")


class ModalityExtraction(_Frozen):
    """Extraction settings of one modality (one of the four keys)."""

    preset: str | None = Field(None, description="Named radiome settings (see `radiome presets`).")
    settings: dict[str, Any] | None = Field(None, description="radiome extraction settings, inline (docs/features.md).")
    settings_file: Path | None = Field(None, description="radiome extraction settings YAML file.")
    pyradiomics_params: Path | None = Field(None, description="PyRadiomics parameter file (PyRadiomics-compatible mode).")

    @model_validator(mode="after")
    def _at_most_one(self) -> "ModalityExtraction":
        given = [k for k in ("preset", "settings", "settings_file", "pyradiomics_params") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of preset, settings, settings_file, pyradiomics_params; got {', '.join(given)}")
        return self

    @property
    def given(self) -> bool:
        return any(getattr(self, k) is not None for k in ("preset", "settings", "settings_file", "pyradiomics_params"))


class ExtractionSpec(ModalityExtraction):
    """How features are extracted from the manifest's images (ignored for a feature table)."""

    by_modality: dict[str, ModalityExtraction] = Field(
        default_factory=dict, description="Per-modality settings that replace the ones above for that "
        "modality, e.g. {CT: {preset: ibsi1-config-c}, PET: {settings: {...}}}.")
    memory_limit_mb: int | None = Field(
        None, ge=64, description="Memory limit per extraction worker process, in MB (default: none).")


class MissingSpec(_Frozen):
    """Declared rules for missing data; every case a rule touches is recorded."""

    modalities: Literal["drop-case", "drop-modality", "impute"] = Field(
        "drop-case", description="A case without one of the study's image modalities (missing file, failed "
        "extraction): 'drop-case' leaves the case out; 'drop-modality' leaves out every modality that any "
        "case lacks; 'impute' fills its features with the training-set medians.")
    clinical: Literal["impute", "drop-case"] = Field(
        "impute", description="A missing clinical predictor: 'impute' (training-set median, or most frequent "
        "level) or 'drop-case'.")


class DesignSpec(_Frozen):
    """How cases are split into the data that fit the models and the data that test them."""

    kind: Literal["split", "column", "external", "cv"] = Field(
        "split", description="'split': random (stratified) train/test split; 'column': the split given in "
        "`split_column`; 'external': train on some centres, test on `external_centres`; 'cv': no test "
        "set, the whole pipeline repeated in K folds (out-of-fold predictions form the 'cv' set).")
    test_size: float = Field(1 / 3, gt=0, lt=1, description="'split': fraction of cases in the test set.")
    seed: int = Field(0, ge=0, description="Seed of every random step (split, folds, bootstrap, auto-model).")
    stratify: bool = Field(True, description="'split'/'cv': keep the outcome (event) rate equal across sets/folds.")
    split_column: str = Field("split", description="'column': column of the clinical table naming each case's set.")
    train_values: list[str] = Field(default_factory=lambda: ["train"], description="'column': values of "
                                    "`split_column` that mark training cases.")
    test_values: list[str] = Field(default_factory=lambda: ["test"], description="'column': values that mark test cases.")
    external_centres: list[str] = Field(
        default_factory=list, description="'external': centres (values of predictors.centre) that form the "
        "external test set.")
    cv_folds: int = Field(5, ge=2, description="'cv': number of folds.")

    @field_validator("train_values", "test_values", "external_centres", mode="before")
    @classmethod
    def _strings(cls, v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return [str(x) for x in v]
        return v


class SelectionSpec(_Frozen):
    """Feature selection and the Rad-score."""

    method: Literal["lasso"] = Field(
        "lasso", description="'lasso': LASSO logistic (binary) or LASSO-Cox (survival) with cross-validated "
        "lambda, glmnet-compatible; the selected features and coefficients make the Rad-score.")
    cv_folds: int = Field(10, ge=3, description="Folds of the cross-validation that chooses lambda (fewer "
                          "when the training set is small).")
    lambda_rule: Literal["1se", "min"] = Field(
        "1se", description="'1se': the largest lambda within one standard error of the minimum CV deviance "
        "(sparser, glmnet's lambda.1se); 'min': the minimum (lambda.min).")
    alpha: float = Field(1.0, gt=0, le=1, description="Elastic-net mixing: 1 = LASSO, below 1 adds a ridge part.")
    correlation_threshold: float | None = Field(
        None, gt=0, le=1, description="Before the LASSO, drop the later of each pair of features whose "
        "|Spearman correlation| on the training set exceeds this (default: no pruning).")


class ModelsSpec(_Frozen):
    """Which models are fitted (the clinical template: Rad-score, clinical, combined)."""

    radscore: bool = Field(True, description="The Rad-score model (the Rad-score alone, recalibrated by a "
                           "logistic / Cox model). The Rad-score itself is always built (the combined model "
                           "needs it).")
    clinical: bool = Field(True, description="The clinical model (univariable screen, then multivariable).")
    combined: bool = Field(True, description="The combined model: the clinical model's predictors plus the Rad-score.")
    auto: bool = Field(False, description="Binary outcomes: also search an auto-model (AutoModel: pipelines "
                       "and ensembles by inner CV) on the features; a SHAP summary is drawn for it.")
    auto_budget: Union[Literal["tiny", "small", "medium", "large"], int] = Field(
        "tiny", description="Auto-model search budget: tiny, small, medium, large, or a number n (the first n "
        "candidate families of 'large', one inner repeat).")
    screen_p: float = Field(0.05, gt=0, le=1, description="Clinical model: univariable p-value below which a "
                            "predictor enters the multivariable model.")
    clinical_method: Literal["enter", "backward"] = Field(
        "enter", description="Clinical model: 'enter' keeps every screened predictor, 'backward' eliminates "
        "by Wald p-value.")


class EvaluationSpec(_Frozen):
    """How the models are evaluated."""

    level: float = Field(0.95, gt=0, lt=1, description="Confidence level of every interval.")
    n_bootstrap: int = Field(1000, ge=100, description="Bootstrap resamples (F1 interval).")
    calibration_curve: Literal["loess", "binned"] = Field(
        "loess", description="Calibration curve: 'loess' (R's lowess, as rms::val.prob) or 'binned' (deciles).")
    hl_groups: int = Field(10, ge=3, description="Hosmer-Lemeshow test: number of risk groups.")
    dca_max_threshold: float = Field(0.99, gt=0, lt=1, description="Decision curves: the largest threshold "
                                     "probability (steps of 0.01 from 0.01).")
    times: list[float] = Field(
        default_factory=list, description="Survival: times of the time-dependent AUC and of the nomogram's "
        "survival axes (default: the quartiles of the training event times).")


class ReportSpec(_Frozen):
    """The report, and what the run cannot know (for the checklist)."""

    html: bool = Field(True, description="Write OUT/report.html (self-contained, opens offline).")
    dpi: int = Field(200, ge=72, description="Resolution of the PNG figures (SVG copies are vector).")
    segmentation_method: str | None = Field(
        None, description="How the ROIs were segmented (e.g. 'manual, one radiologist'); for the checklist.")
    image_protocol: str | None = Field(None, description="Image acquisition protocol, in words; for the checklist.")
    open_data: bool | None = Field(None, description="Are the data openly available? (checklist; unknown if not given)")
    prospective: bool | None = Field(None, description="Was the study prospective? (checklist; unknown if not given)")


class StudyConfig(_Frozen):
    """A complete radiomics study: data, outcome, extraction, design, models, evaluation, report."""

    title: str = Field("Radiomics study", description="Title of the report.")
    description: str | None = Field(None, description="One paragraph shown under the title.")
    data: DataSpec = Field(description="Inputs: manifest or feature table, and the clinical table.")
    outcome: OutcomeSpec = Field(description="The outcome: binary, or time + event.")
    predictors: PredictorsSpec = Field(default_factory=PredictorsSpec, description="Clinical predictors and centre.")
    extraction: ExtractionSpec = Field(default_factory=ExtractionSpec, description="Feature extraction settings.")
    missing: MissingSpec = Field(default_factory=MissingSpec, description="Missing-data rules.")
    design: DesignSpec = Field(default_factory=DesignSpec, description="Validation design.")
    selection: SelectionSpec = Field(default_factory=SelectionSpec, description="Feature selection / Rad-score.")
    models: ModelsSpec = Field(default_factory=ModelsSpec, description="Models to fit.")
    evaluation: EvaluationSpec = Field(default_factory=EvaluationSpec, description="Evaluation settings.")
    report: ReportSpec = Field(default_factory=ReportSpec, description="Report settings and checklist facts.")

    @model_validator(mode="after")
    def _consistent(self) -> "StudyConfig":
        if self.design.kind == "external" and not (self.predictors.centre and self.design.external_centres):
            raise ValueError("design.kind 'external' needs predictors.centre and design.external_centres")
        unknown = [c for c in self.predictors.categorical if c not in self.predictors.clinical]
        if unknown:
            raise ValueError(f"predictors.categorical names {unknown}, which are not in predictors.clinical")
        return self

    # ------------------------------------------------------------------ helpers
    @property
    def outcome_columns(self) -> list[str]:
        """The clinical-table columns of the outcome."""
        o = self.outcome
        return [o.column] if o.type == "binary" else [o.time, o.event]  # type: ignore[list-item]


# --------------------------------------------------------------------------- keys, errors

def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        m = _model_of(arg)
        if m is not None:
            return m
    return None


def _type_text(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return " | ".join(repr(a) for a in get_args(annotation))
    if origin is Union or origin is types.UnionType:
        return " | ".join(_type_text(a) for a in get_args(annotation) if a is not type(None)) + (
            " | null" if type(None) in get_args(annotation) else "")
    if origin in (list, tuple):
        return f"list of {_type_text(get_args(annotation)[0])}" if get_args(annotation) else "list"
    if origin is dict:
        return "mapping"
    if annotation is Any:
        return "any"
    if isinstance(annotation, type):
        return {"str": "text", "int": "integer", "float": "number", "bool": "true/false", "PosixPath": "path",
                "Path": "path"}.get(annotation.__name__, annotation.__name__)
    return str(annotation)


def study_keys(model: type[BaseModel] = StudyConfig, prefix: str = "") -> list[tuple[str, str, Any, str]]:
    """Every key of the study file: ``(dotted key, type, default, description)``, in file order.

    Sections (nested models) come with their description and default ``None``; the keys of
    ``extraction.by_modality.<MODALITY>`` are those of ``extraction`` without ``by_modality``.
    """
    out: list[tuple[str, str, Any, str]] = []
    for name, fld in model.model_fields.items():
        key = prefix + name
        sub = _model_of(fld.annotation)
        if sub is not None and get_origin(fld.annotation) is not dict:
            out.append((key, "section", None, fld.description or ""))
            out.extend(study_keys(sub, key + "."))
            continue
        if fld.is_required():
            default: Any = "(required)"
        elif fld.default_factory is not None:
            default = fld.default_factory()
        else:
            default = fld.default
        if isinstance(default, Path):
            default = str(default)
        out.append((key, _type_text(fld.annotation), default, fld.description or ""))
    return out


def _valid_keys() -> list[str]:
    return [k for k, *_ in study_keys()]


def _message(exc: ValidationError) -> str:
    valid = _valid_keys()
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            near = difflib.get_close_matches(loc, valid, n=1, cutoff=0.6)
            if not near:
                leaf = loc.split(".")[-1]
                parent = loc.rsplit(".", 1)[0] + "." if "." in loc else ""
                siblings = [k for k in valid if k.startswith(parent) and "." not in k[len(parent):]]
                near = difflib.get_close_matches(parent + leaf, siblings, n=1, cutoff=0.5)
                if not near:
                    near = difflib.get_close_matches(leaf, [k.split(".")[-1] for k in valid], n=1, cutoff=0.6)
                    near = [k for k in valid if k.split(".")[-1] == near[0]][:1] if near else []
            hint = f" Did you mean '{near[0]}'?" if near else ""
            lines.append(f"unknown key '{loc}'.{hint} (every key: `radiome study init` or docs/study.md)")
        elif err["type"] == "missing":
            lines.append(f"missing key '{loc}'")
        elif not loc:
            lines.append(str(err["msg"]).removeprefix("Value error, "))
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"key '{loc}': {msg} (got {err.get('input')!r})")
    return "invalid study file:\n  " + "\n  ".join(lines)


def _resolve_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Relative paths of the study file made absolute against ``base`` (its folder)."""
    out = json.loads(json.dumps(data, default=str)) if data else {}

    def fix(section: dict[str, Any] | None, key: str) -> None:
        if isinstance(section, dict) and section.get(key) not in (None, ""):
            p = Path(str(section[key])).expanduser()
            section[key] = str(p if p.is_absolute() else (base / p).resolve())

    for sec, key in _PATH_KEYS:
        fix(out.get(sec), key)
    ext = out.get("extraction")
    if isinstance(ext, dict) and isinstance(ext.get("by_modality"), dict):
        for spec in ext["by_modality"].values():
            fix(spec, "settings_file")
            fix(spec, "pyradiomics_params")
    data_sec = out.get("data")
    if isinstance(data_sec, dict) and isinstance(data_sec.get("feature_config"), str):
        fc = Path(data_sec["feature_config"]).expanduser()
        if fc.suffix.lower() in (".json", ".yaml", ".yml") and not fc.is_absolute():
            data_sec["feature_config"] = str((base / fc).resolve())
    return out


def study_from_dict(data: dict[str, Any], base_dir: str | Path | None = None) -> StudyConfig:
    """Validate a mapping into a :class:`StudyConfig`; relative paths resolve against ``base_dir``.

    Raises
    ------
    ConfigError
        Unknown keys (with the nearest valid key), missing required keys, invalid values.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"a study must be a mapping of keys (data, outcome, ...); got {type(data).__name__}")
    data = dict(data)
    data.pop("schema", None)
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    try:
        return StudyConfig.model_validate(_resolve_paths(data, base.resolve()))
    except ValidationError as exc:
        raise ConfigError(_message(exc)) from None


def load_study(path: str | Path) -> StudyConfig:
    """Read and validate a study file; relative paths are relative to the file's folder.

    Raises
    ------
    ConfigError
        File missing or not YAML, unknown keys (with the nearest valid key), invalid values.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d, "study.yaml")
    ...     _ = p.write_text("data: {features: f.csv}\\noutcome: {column: y}\\n")
    ...     load_study(p).data.features.name
    'f.csv'
    """
    import yaml

    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"study file not found: {p}; write one with `radiome study init`")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot parse study file {p}: {exc}") from None
    if data is None:
        raise ConfigError(f"study file {p} is empty; start from `radiome study init`")
    return study_from_dict(data, p.parent)


def _jsonable(cfg: StudyConfig) -> dict[str, Any]:
    return cfg.model_dump(mode="json")


def study_hash(cfg: StudyConfig) -> str:
    """SHA-256 (first 16 hex digits) of the canonical JSON of the resolved study."""
    payload = json.dumps(_jsonable(cfg), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def dump_study(cfg: StudyConfig, path: str | Path | None = None) -> str:
    """The resolved study as YAML (every default filled in); written to ``path`` when given."""
    import yaml

    text = (f"# {STUDY_SCHEMA}: resolved study (every default filled in), hash {study_hash(cfg)}\n"
            + yaml.safe_dump(_jsonable(cfg), sort_keys=False, allow_unicode=True))
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def _wrap(text: str, width: int = 92, indent: str = "") -> list[str]:
    import textwrap

    return [indent + "# " + line for line in textwrap.wrap(text, width - len(indent) - 2)]


def template_yaml(values: dict[str, Any] | None = None) -> str:
    """A documented ``study.yaml``: every key with its description as a comment.

    ``values`` (nested mapping) overrides defaults (the demo fills in its files); keys left
    at ``None`` are written commented out.
    """
    import yaml

    values = values or {}

    def lookup(dotted: str) -> tuple[bool, Any]:
        node: Any = values
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return False, None
            node = node[part]
        return True, node

    lines = [f"# radiome study file ({STUDY_SCHEMA}). Run: radiome study run study.yaml -o OUT",
             "# Relative paths are relative to this file. Every key is optional unless marked required."]
    sections: dict[str, int] = {}  # section key -> its line, while none of its keys is written
    for key, typ, default, desc in study_keys():
        depth = key.count(".")
        indent = "  " * depth
        leaf = key.split(".")[-1]
        if typ == "section":
            lines.append("")
            lines.extend(_wrap(desc, indent=indent))
            lines.append(f"{indent}{leaf}:")
            sections[key] = len(lines) - 1
            continue
        found, value = lookup(key)
        if not found:
            value = default
        lines.extend(_wrap(f"{desc} [{typ}]", indent=indent))
        if value == "(required)" or value is None or (key == "extraction.by_modality" and not value):
            example = "" if value in (None, "(required)") else " {}"
            lines.append(f"{indent}# {leaf}:{example}")
            continue
        dumped = yaml.safe_dump({leaf: value}, sort_keys=False, default_flow_style=True, width=1000).strip()
        if dumped.startswith("{") and dumped.endswith("}"):
            dumped = dumped[1:-1]
        lines.append(f"{indent}{dumped}")
        sections.pop(key.rsplit(".", 1)[0], None)
    for i in sections.values():  # a section whose keys are all commented out: an empty mapping
        lines[i] += " {}"
    return "\n".join(lines) + "\n"
