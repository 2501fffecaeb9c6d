"""The study manifest: which image and which mask make each extraction job of a cohort.

A manifest lists cases; each case has one or more images, named by modality (``CT``,
``PET``, ``MR_T1``, ...), and masks, named by ROI (``GTV``, ...), as files or DICOM folders,
plus optional columns carried through untouched (clinical variables, outcome, centre).
One :class:`Job` is one case x image x ROI; a :class:`Manifest` is the tuple of jobs and the
carried-through values of each case.

Two file forms are read by :func:`read_manifest` (and written by :func:`write_manifest`):

* **CSV** (long form, one row per job)::

      case_id,modality,image,roi,mask,roi_name,label,age,lung_mets
      STS_001,CT,STS_001/CT_image.nii.gz,GTV,STS_001/CT_mask.nii.gz,,,54,1
      STS_001,PET,STS_001/PET_image.nii.gz,GTV,STS_001/PET_mask.nii.gz,,,54,1

  ``case_id, modality, image, roi, mask`` are required, ``roi_name`` (ROI or segment name
  inside an RTSTRUCT, SEG or ``.seg.nrrd``) and ``label`` (value in a label map) optional;
  every other column is carried through per case and must agree across the case's rows
  (a blank cell agrees with any value). ``,``, ``;`` and tab delimiters are recognised from
  the header; blank lines and lines starting with ``#`` are skipped.

* **YAML** (one entry per case)::

      cases:
        - case_id: STS_001
          images: {CT: CT_image.nii.gz, PET: PET_image.nii.gz}
          masks:                  # ROI -> mask for every image, or ROI -> {modality: mask}
            GTV: {CT: CT_mask.nii.gz, PET: PET_mask.nii.gz}
          roi_names: {GTV: GTV_Mass}   # optional: ROI -> name, or ROI -> {modality: name}
          labels: {GTV: 1}             # optional: ROI -> label value (or {modality: value})
          clinical: {age: 54, lung_mets: 1}   # optional, carried through

  Scalars are taken as written (``case_id: 001`` stays ``'001'``).

Relative paths are relative to the manifest's folder. A path that does not exist is not an
error when reading (the cohort runner records that job as failed);
:meth:`Manifest.missing_files` lists them beforehand.

Why hand-written: the manifest is radiome's own input format; the CSV and YAML parsers
(:mod:`csv`, PyYAML) are the standard ones, used node by node so that every error names the
line and the fix. No IBSI code applies (IBSI 1 starts from an image and a mask).
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping, Sequence

from radiome.errors import ManifestError

__all__ = [
    "ManifestError",
    "Job",
    "Manifest",
    "MissingFile",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "read_manifest",
    "write_manifest",
]

#: Columns every CSV manifest must have.
REQUIRED_COLUMNS = ("case_id", "modality", "image", "roi", "mask")
#: Optional job columns; every other column is carried through per case.
OPTIONAL_COLUMNS = ("roi_name", "label")
_JOB_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
_CASE_KEYS = ("case_id", "images", "masks", "roi_names", "labels", "clinical")
_KEY_SEPARATOR = "__"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


# --------------------------------------------------------------------------- values


def _safe(text: str) -> str:
    """``text`` with every run of characters outside ``[A-Za-z0-9._-]`` replaced by ``_``."""
    out = _UNSAFE.sub("_", text).lstrip(".")
    return out or "_"


def _absolute(path: str | os.PathLike[str], base: Path | None = None) -> Path:
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = (base if base is not None else Path.cwd()) / p
    return Path(os.path.normpath(p))


def _text(value: Any, what: str) -> str:
    if value is None:
        raise ManifestError(f"a job's {what} is missing; give a non-empty {what}.")
    text = str(value).strip()
    if not text:
        raise ManifestError(f"a job's {what} is empty; give a non-empty {what}.")
    return text


@dataclass(frozen=True)
class Job:
    """One extraction job: one case x image x ROI.

    Attributes
    ----------
    case_id : str
        The case (patient) identifier.
    modality : str
        The image's name in the manifest: ``CT``, ``PET``, ``MR_T1``, ...
    image : Path
        Absolute path of the image file or DICOM series folder (a relative path given here
        is made absolute against the current folder).
    roi : str
        The ROI's name in the manifest (the output label), e.g. ``GTV``.
    mask : Path
        Absolute path of the mask file, RTSTRUCT or SEG.
    roi_name : str or None
        ROI / segment name inside an RTSTRUCT, SEG or ``.seg.nrrd``.
    label : int or None
        Label value in a label map. ``roi_name`` and ``label`` exclude each other.

    Examples
    --------
    >>> Job("STS_001", "CT", "/d/ct.nii.gz", "GTV", "/d/m.nii.gz").key
    'STS_001__CT__GTV'
    """

    case_id: str
    modality: str
    image: Path
    roi: str
    mask: Path
    roi_name: str | None = None
    label: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "case_id", _text(self.case_id, "case_id"))
        object.__setattr__(self, "modality", _text(self.modality, "modality"))
        object.__setattr__(self, "roi", _text(self.roi, "roi"))
        for name in ("image", "mask"):
            value = getattr(self, name)
            if value is None or str(value).strip() == "":
                raise ManifestError(f"job {self.case_id}/{self.modality}/{self.roi}: empty {name} path.")
            object.__setattr__(self, name, _absolute(value))
        roi_name = None if self.roi_name is None else (str(self.roi_name).strip() or None)
        object.__setattr__(self, "roi_name", roi_name)
        if self.label is not None:
            if isinstance(self.label, bool) or int(self.label) != self.label:
                raise ManifestError(f"job {self}: label must be an integer, got {self.label!r}.")
            object.__setattr__(self, "label", int(self.label))
        if self.roi_name is not None and self.label is not None:
            raise ManifestError(
                f"job {self.case_id}/{self.modality}/{self.roi}: give roi_name ({self.roi_name!r}, for RTSTRUCT, "
                f"SEG, .seg.nrrd) or label ({self.label}, for label maps), not both."
            )

    @property
    def key(self) -> str:
        """Filesystem-safe unique id ``<case>__<modality>__<roi>`` (unsafe characters -> ``_``)."""
        return _KEY_SEPARATOR.join(_safe(s) for s in (self.case_id, self.modality, self.roi))

    def __str__(self) -> str:
        return f"{self.case_id} {self.modality} {self.roi}"


@dataclass(frozen=True)
class MissingFile:
    """A job whose image or mask path does not exist (see :meth:`Manifest.missing_files`)."""

    job: Job
    what: str  # "image" or "mask"
    path: Path

    def __str__(self) -> str:
        return f"{self.job}: {self.what} not found: {self.path}"


def _norm_extra(
    jobs: Sequence[Job], extra: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Mapping[str, str]]:
    cases = list(dict.fromkeys(j.case_id for j in jobs))
    unknown = [c for c in extra if str(c) not in cases]
    if unknown:
        raise ManifestError(
            f"extra values given for case(s) {unknown} that have no job; every case in extra needs "
            "at least one job (an image and a mask)."
        )
    columns: list[str] = []
    for values in extra.values():
        for col in values:
            if str(col) not in columns:
                columns.append(str(col))
    reserved = [c for c in columns if c.strip().lower() in _JOB_COLUMNS]
    if reserved:
        raise ManifestError(
            f"extra column(s) {reserved} clash with the job columns {', '.join(_JOB_COLUMNS)}; rename them."
        )
    out = {}
    for case in cases:
        given = {str(k): v for k, v in (extra.get(case) or {}).items()}
        out[case] = MappingProxyType({c: "" if given.get(c) is None else str(given.get(c)) for c in columns})
    return MappingProxyType(out)


@dataclass(frozen=True)
class Manifest:
    """The jobs of a study and the values carried through for each case.

    Attributes
    ----------
    jobs : tuple of Job
        In manifest order; (case, modality, ROI) is unique, and a case's modality names one
        image.
    extra : Mapping[str, Mapping[str, str]]
        ``case_id -> {column: value}``, one entry per case, every case with the same columns
        (``''`` where a case has no value). Read-only.
    source : Path or None
        The file the manifest was read from.

    Raises
    ------
    ManifestError
        Duplicate job or job key, one modality with two images in a case, extra values for a
        case without jobs, or an extra column named like a job column.
    """

    jobs: tuple[Job, ...]
    extra: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    source: Path | None = None

    def __post_init__(self) -> None:
        jobs = tuple(self.jobs)
        for j in jobs:
            if not isinstance(j, Job):
                raise ManifestError(f"Manifest.jobs must hold Job values, got {type(j).__name__}.")
        seen: dict[tuple[str, str, str], Job] = {}
        keys: dict[str, Job] = {}
        images: dict[tuple[str, str], Path] = {}
        for j in jobs:
            ident = (j.case_id, j.modality, j.roi)
            if ident in seen:
                raise ManifestError(
                    f"duplicate job: case {j.case_id!r}, modality {j.modality!r}, ROI {j.roi!r} is listed twice; "
                    "remove one, or give the second ROI another name."
                )
            seen[ident] = j
            k = j.key.lower()
            if k in keys:
                raise ManifestError(
                    f"jobs {keys[k]} and {j} have the same file-safe key {j.key!r} (keys ignore case and "
                    "characters outside A-Z, 0-9, '.', '_', '-'); rename one of them."
                )
            keys[k] = j
            prev = images.setdefault((j.case_id, j.modality), j.image)
            if prev != j.image:
                raise ManifestError(
                    f"case {j.case_id!r} has two {j.modality!r} images ({prev} and {j.image}); a modality "
                    "names one image per case: give the second another modality name."
                )
        object.__setattr__(self, "jobs", jobs)
        object.__setattr__(self, "extra", _norm_extra(jobs, self.extra or {}))
        if self.source is not None:
            object.__setattr__(self, "source", Path(self.source))

    def __hash__(self) -> int:
        return hash((self.jobs, tuple((c, tuple(v.items())) for c, v in self.extra.items()), self.source))

    def __len__(self) -> int:
        return len(self.jobs)

    def __iter__(self) -> Iterator[Job]:
        return iter(self.jobs)

    @property
    def cases(self) -> tuple[str, ...]:
        """Case ids in manifest order."""
        return tuple(dict.fromkeys(j.case_id for j in self.jobs))

    @property
    def modalities(self) -> tuple[str, ...]:
        """Modality names in order of first appearance."""
        return tuple(dict.fromkeys(j.modality for j in self.jobs))

    @property
    def rois(self) -> tuple[str, ...]:
        """ROI names in order of first appearance."""
        return tuple(dict.fromkeys(j.roi for j in self.jobs))

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """Names of the carried-through columns."""
        for values in self.extra.values():
            return tuple(values)
        return ()

    def jobs_for(self, case_id: str) -> tuple[Job, ...]:
        """The jobs of one case."""
        return tuple(j for j in self.jobs if j.case_id == case_id)

    def missing_files(self) -> tuple[MissingFile, ...]:
        """Jobs whose image or mask path does not exist (not an error: the runner records them).

        Returns
        -------
        tuple of MissingFile
            One entry per job and missing path, in job order (image before mask).
        """
        out = []
        exists: dict[Path, bool] = {}
        for j in self.jobs:
            for what in ("image", "mask"):
                p = getattr(j, what)
                if p not in exists:
                    exists[p] = p.exists()
                if not exists[p]:
                    out.append(MissingFile(j, what, p))
        return tuple(out)


# --------------------------------------------------------------------------- reading: CSV


def _where(path: Path, line: int | None) -> str:
    return f"{path.name}, line {line}" if line is not None else path.name


def _nearest(name: str, valid: Sequence[str]) -> str:
    match = difflib.get_close_matches(name.lower(), list(valid), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_csv(path: Path, text: str) -> Manifest:
    base = path.parent
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), None)
    if first is None:
        raise ManifestError(f"{path} is empty; a CSV manifest needs a header ({', '.join(REQUIRED_COLUMNS)}) and rows.")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(first))
    header: list[str] | None = None
    header_line = 0
    jobs: list[Job] = []
    job_lines: dict[tuple[str, str, str], int] = {}
    image_lines: dict[tuple[str, str], tuple[Path, int]] = {}
    extra: dict[str, dict[str, tuple[str, int]]] = {}
    extra_cols: list[tuple[int, str]] = []
    index: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        if header is None:
            header, header_line = [c.strip() for c in row], line
            index = _header_index(path, header, line)
            extra_cols = [(i, c) for i, c in enumerate(header) if c.lower() not in _JOB_COLUMNS]
            continue
        if len(row) != len(header):
            raise ManifestError(
                f"{_where(path, line)}: {len(row)} values but the header (line {header_line}) has {len(header)} "
                "columns; quote values that contain the delimiter and give every row every column (blank cells are fine)."
            )
        cell = {name: row[i].strip() for name, i in index.items()}
        for name in REQUIRED_COLUMNS:
            if not cell[name]:
                fix = "give every row a case id" if name == "case_id" else f"fill in the {name}"
                raise ManifestError(f"{_where(path, line)}: empty {name}; {fix}.")
        label = _parse_label(cell.get("label", ""), path, line)
        roi_name = cell.get("roi_name") or None
        if roi_name is not None and label is not None:
            raise ManifestError(
                f"{_where(path, line)}: both roi_name ({roi_name!r}) and label ({label}) given; use roi_name for "
                "RTSTRUCT, SEG and .seg.nrrd masks, label for label maps, and leave the other blank."
            )
        case, modality, roi = cell["case_id"], cell["modality"], cell["roi"]
        ident = (case, modality, roi)
        if ident in job_lines:
            raise ManifestError(
                f"{_where(path, line)}: duplicate job: case {case!r}, modality {modality!r}, ROI {roi!r} is already "
                f"on line {job_lines[ident]}; remove one row, or give the second ROI another name."
            )
        job_lines[ident] = line
        image = _absolute(cell["image"], base)
        prev = image_lines.setdefault((case, modality), (image, line))
        if prev[0] != image:
            raise ManifestError(
                f"{_where(path, line)}: case {case!r} modality {modality!r} has image {cell['image']!r} here but "
                f"{str(prev[0])!r} on line {prev[1]}; a modality names one image per case: give this image "
                "another modality name or fix the path."
            )
        jobs.append(Job(case, modality, image, roi, _absolute(cell["mask"], base), roi_name, label))
        values = extra.setdefault(case, {})
        for i, col in extra_cols:
            v = row[i]
            if v.strip() == "":
                values.setdefault(col, ("", line))
                continue
            old, old_line = values.get(col, ("", line))
            if old.strip() and old != v:
                raise ManifestError(
                    f"{_where(path, line)}: column {col!r} of case {case!r} is {v!r} here but {old!r} on line "
                    f"{old_line}; a case's extra columns must agree across its rows (blank cells are allowed): "
                    "fix the value, or give the rows different case ids."
                )
            values[col] = (v, line)
    if header is None or not jobs:
        raise ManifestError(f"{path} lists no jobs; add one row per case x image x ROI under the header.")
    return Manifest(
        tuple(jobs),
        {case: {c: v for c, (v, _) in values.items()} for case, values in extra.items()},
        source=path,
    )


def _header_index(path: Path, header: list[str], line: int) -> dict[str, int]:
    lowered = [c.lower() for c in header]
    seen: dict[str, int] = {}
    for i, c in enumerate(lowered):
        if not c:
            raise ManifestError(f"{_where(path, line)}: column {i + 1} of the header has no name; name it or delete it.")
        if c in seen:
            raise ManifestError(
                f"{_where(path, line)}: column {header[i]!r} appears twice in the header (columns {seen[c] + 1} "
                f"and {i + 1}); rename or delete one."
            )
        seen[c] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        hints = []
        for m in missing:
            near = difflib.get_close_matches(m, [c for c in lowered if c not in _JOB_COLUMNS], n=1, cutoff=0.6)
            hints.append(f"{m!r}" + (f" (is {header[lowered.index(near[0])]!r} meant to be {m!r}?)" if near else ""))
        raise ManifestError(
            f"{_where(path, line)}: missing required column(s) {', '.join(hints)}. A CSV manifest's header must "
            f"name {', '.join(REQUIRED_COLUMNS)} (optional: {', '.join(OPTIONAL_COLUMNS)}); found: {', '.join(header)}."
        )
    return {c: seen[c] for c in _JOB_COLUMNS if c in seen}


def _parse_label(text: str, path: Path, line: int | None) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value != value or value != int(value) or value < 0:
        raise ManifestError(
            f"{_where(path, line)}: label {text!r} is not a non-negative whole number; give the label value of "
            "the ROI in the label map (e.g. 1), or leave it blank."
        )
    return int(value)


# --------------------------------------------------------------------------- reading: YAML


class _Str(str):
    """A YAML scalar as written, with its line (1-based); ``null`` marks YAML nulls."""

    line: int
    null: bool


class _Map(dict):
    line: int


class _Seq(list):
    line: int


def _convert(node: Any, path: Path) -> Any:
    import yaml

    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        s = _Str(node.value)
        s.line, s.null = line, node.tag == "tag:yaml.org,2002:null"
        return s
    if isinstance(node, yaml.SequenceNode):
        seq = _Seq(_convert(n, path) for n in node.value)
        seq.line = line
        return seq
    out = _Map()
    out.line = line
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode):
            raise ManifestError(f"{_where(path, k.start_mark.line + 1)}: a key must be a plain name.")
        key = _convert(k, path)
        if key in out:
            raise ManifestError(
                f"{_where(path, key.line)}: key {str(key)!r} appears twice in the same mapping (first on line "
                f"{next(x for x in out if x == key).line}); merge the two entries."
            )
        out[key] = _convert(v, path)
    return out


def _is_null(value: Any) -> bool:
    return isinstance(value, _Str) and value.null


def _line(value: Any, default: int) -> int:
    return getattr(value, "line", default)


def _scalar(value: Any, path: Path, line: int, what: str, fix: str) -> str:
    if not isinstance(value, _Str) or value.null or not value.strip():
        raise ManifestError(f"{_where(path, _line(value, line))}: {what} must be a non-empty name or path; {fix}.")
    return value.strip()


def _read_yaml(path: Path, text: str) -> Manifest:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", exc)
        raise ManifestError(f"{_where(path, line)}: not valid YAML ({problem}); fix the syntax.") from None
    doc = _convert(node, path) if node is not None else None
    if not isinstance(doc, _Map) or "cases" not in doc:
        raise ManifestError(
            f"{path}: a YAML manifest is a mapping with a 'cases' list (each case with case_id, images, masks); "
            "see radiome.cohort.manifest for the form."
        )
    for key in doc:
        if key != "cases":
            raise ManifestError(
                f"{_where(path, key.line)}: unknown top-level key {str(key)!r}{_nearest(key, ['cases'])}; only 'cases' "
                "is allowed."
            )
    cases = doc["cases"]
    if not isinstance(cases, _Seq) or not cases:
        where = _where(path, _line(cases, doc.line))
        raise ManifestError(f"{where}: 'cases' must be a non-empty list of cases ('- case_id: ...').")
    base = path.parent
    jobs: list[Job] = []
    extra: dict[str, dict[str, str]] = {}
    case_lines: dict[str, int] = {}
    for entry in cases:
        j, case_id, values = _yaml_case(entry, path, base)
        if case_id in case_lines:
            raise ManifestError(
                f"{_where(path, entry.line)}: case {case_id!r} is already listed on line {case_lines[case_id]}; merge "
                "the two entries into one."
            )
        case_lines[case_id] = entry.line
        jobs.extend(j)
        extra[case_id] = values
    return Manifest(tuple(jobs), extra, source=path)


def _per_modality(value: Any, path: Path, line: int, what: str, modalities: Sequence[str], roi: str) -> dict[str, Any]:
    """``value`` (one thing for every image, or {modality: thing}) as {modality: thing}."""
    if isinstance(value, _Map):
        out = {}
        for mod, v in value.items():
            if mod not in modalities:
                raise ManifestError(
                    f"{_where(path, mod.line)}: {what} of ROI {roi!r} names modality {str(mod)!r}, but the case's "
                    f"images are {', '.join(modalities)}{_nearest(mod, modalities)}; add the image or fix the name."
                )
            out[str(mod)] = v
        return out
    if isinstance(value, _Seq):
        raise ManifestError(
            f"{_where(path, value.line)}: {what} of ROI {roi!r} must be one value for every image or a mapping "
            "{modality: value}, not a list."
        )
    return {m: value for m in modalities}


def _yaml_case(entry: Any, path: Path, base: Path) -> tuple[list[Job], str, dict[str, str]]:
    if not isinstance(entry, _Map):
        where = _where(path, _line(entry, 0))
        raise ManifestError(f"{where}: each case must be a mapping ('- case_id: ...', images, masks).")
    line = entry.line
    for key in entry:
        if key not in _CASE_KEYS:
            raise ManifestError(
                f"{_where(path, key.line)}: unknown key {str(key)!r}{_nearest(key, _CASE_KEYS)}; a case has "
                f"{', '.join(_CASE_KEYS)} (carried-through values go under 'clinical')."
            )
    if "case_id" not in entry or _is_null(entry["case_id"]) or not str(entry["case_id"]).strip():
        raise ManifestError(f"{_where(path, line)}: empty or missing case_id; give every case a case_id.")
    case_id = _scalar(entry["case_id"], path, line, "case_id", "give every case a case_id")
    images = entry.get("images")
    if not isinstance(images, _Map) or not images:
        raise ManifestError(
            f"{_where(path, _line(images, line))}: case {case_id!r} needs 'images', a mapping modality -> image path "
            "(e.g. {CT: CT_image.nii.gz})."
        )
    image_paths = {
        _scalar(m, path, line, "a modality name", "name each image"): _absolute(
            _scalar(p, path, m.line, f"image {str(m)!r}", "give its file or DICOM folder"), base
        )
        for m, p in images.items()
    }
    modalities = list(image_paths)
    masks = entry.get("masks")
    if not isinstance(masks, _Map) or not masks:
        raise ManifestError(
            f"{_where(path, _line(masks, line))}: case {case_id!r} needs 'masks', a mapping ROI -> mask path (for every "
            "image) or ROI -> {modality: mask path}."
        )
    options: dict[str, dict[str, dict[str, Any]]] = {}
    for key in ("roi_names", "labels"):
        given = entry.get(key)
        if given is None or _is_null(given):
            continue
        if not isinstance(given, _Map):
            raise ManifestError(f"{_where(path, _line(given, line))}: {key} must be a mapping ROI -> value.")
        for roi, v in given.items():
            if roi not in masks:
                raise ManifestError(
                    f"{_where(path, roi.line)}: {key} names ROI {str(roi)!r}, which is not under masks "
                    f"({', '.join(masks)}){_nearest(roi, list(masks))}; fix the name."
                )
            options.setdefault(key, {})[str(roi)] = _per_modality(v, path, roi.line, key, modalities, roi)
    jobs: list[Job] = []
    covered: set[str] = set()
    for roi, value in masks.items():
        roi_text = _scalar(roi, path, line, "an ROI name", "name each mask")
        for mod, mask in _per_modality(value, path, roi.line, "the mask", modalities, roi).items():
            mask_path = _absolute(_scalar(mask, path, roi.line, f"mask {roi_text!r} for {mod}", "give its file"), base)
            name = options.get("roi_names", {}).get(roi_text, {}).get(mod)
            label_text = options.get("labels", {}).get(roi_text, {}).get(mod)
            roi_name = label = None
            if name is not None and not _is_null(name):
                roi_name = _scalar(name, path, roi.line, "roi_name", "give the name")
            if label_text is not None and not _is_null(label_text):
                label = _parse_label(str(label_text), path, _line(label_text, roi.line))
            if roi_name is not None and label is not None:
                raise ManifestError(
                    f"{_where(path, roi.line)}: ROI {roi_text!r} ({mod}) has both a roi_name and a label; use roi_names "
                    "for RTSTRUCT, SEG and .seg.nrrd masks, labels for label maps."
                )
            jobs.append(Job(case_id, mod, image_paths[mod], roi_text, mask_path, roi_name, label))
            covered.add(mod)
    jobs.sort(key=lambda j: modalities.index(j.modality))  # stable: modality-major, ROIs in order
    unmasked = [m for m in modalities if m not in covered]
    if unmasked:
        raise ManifestError(
            f"{_where(path, line)}: case {case_id!r} image(s) {', '.join(unmasked)} have no mask; add a mask for "
            "them under masks, or remove the image."
        )
    clinical = entry.get("clinical")
    values: dict[str, str] = {}
    if clinical is not None and not _is_null(clinical):
        if not isinstance(clinical, _Map):
            raise ManifestError(f"{_where(path, _line(clinical, line))}: clinical must be a mapping column -> value.")
        for col, v in clinical.items():
            if not isinstance(v, _Str):
                where = _where(path, col.line)
                raise ManifestError(f"{where}: clinical value {str(col)!r} must be a single value, not a list or mapping.")
            values[str(col)] = "" if v.null else str(v)
    return jobs, case_id, values


# --------------------------------------------------------------------------- public read / write


def _format(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        f = fmt.lower().lstrip(".")
        if f in ("csv", "tsv"):
            return "csv"
        if f in ("yaml", "yml"):
            return "yaml"
        raise ManifestError(f"unknown manifest format {fmt!r}; use 'csv' or 'yaml'.")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise ManifestError(f"cannot tell the manifest format of {path} from its suffix {suffix!r}; use .csv or .yaml/.yml.")


def read_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Read a study manifest (CSV or YAML, chosen by the suffix).

    Parameters
    ----------
    path : str or Path
        ``.csv`` (``.tsv``, ``.txt``) or ``.yaml`` / ``.yml``; see the module docstring for
        both forms. Relative image and mask paths are taken relative to this file's folder.

    Returns
    -------
    Manifest
        With ``source`` set to ``path`` (absolute). Paths that do not exist are kept (see
        :meth:`Manifest.missing_files`).

    Raises
    ------
    ManifestError
        Unreadable file or unknown suffix; a missing required column; an empty case id or
        required value; a duplicate job (same case, modality and ROI); one modality with two
        images in a case; extra values that disagree within a case; malformed YAML or an
        unknown key. The message names the file and line and says how to fix it.
    """
    p = _absolute(path)
    fmt = _format(p, None)
    if not p.is_file():
        raise ManifestError(f"manifest not found: {p}. Check the path, or build one with `radiome manifest scan DIR`.")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"cannot read manifest {p}: {exc}. Save it as UTF-8 text.") from None
    return _read_csv(p, text) if fmt == "csv" else _read_yaml(p, text)


def _relative(path: Path, base: Path, relative: bool) -> str:
    if relative:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def write_manifest(
    manifest: Manifest, path: str | os.PathLike[str], *, format: str | None = None, relative: bool = True
) -> Path:
    """Write a manifest as CSV (long form, one row per job) or YAML (one entry per case).

    Parameters
    ----------
    manifest : Manifest
    path : str or Path
        Target file; the parent folder is created.
    format : {'csv', 'yaml'}, optional
        By default from the suffix (``.csv``, ``.yaml``, ``.yml``).
    relative : bool
        Write paths under the manifest's folder relative to it (default), so the study folder
        can be moved; other paths stay absolute.

    Returns
    -------
    Path
        The file written. :func:`read_manifest` gives back an equal manifest (``source`` aside).

    Raises
    ------
    ManifestError
        Unknown format.
    """
    p = _absolute(path)
    fmt = _format(p, format)
    base = p.parent
    if fmt == "csv":
        columns = list(_JOB_COLUMNS) + list(manifest.extra_columns)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for j in manifest.jobs:
            writer.writerow(
                [j.case_id, j.modality, _relative(j.image, base, relative), j.roi, _relative(j.mask, base, relative),
                 j.roi_name or "", "" if j.label is None else j.label]
                + [manifest.extra[j.case_id][c] for c in manifest.extra_columns]
            )
        text = buf.getvalue()
    else:
        text = _yaml_text(manifest, base, relative)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def _collapse(values: dict[str, Any], modalities: Sequence[str]) -> Any:
    """One value when every modality has the same, else the mapping."""
    distinct = set(values.values())
    if len(distinct) == 1 and set(values) == set(modalities):
        return next(iter(distinct))
    return dict(values)


def _yaml_text(manifest: Manifest, base: Path, relative: bool) -> str:
    import yaml

    cases = []
    for case in manifest.cases:
        jobs = manifest.jobs_for(case)
        images = {j.modality: _relative(j.image, base, relative) for j in jobs}
        entry: dict[str, Any] = {"case_id": case, "images": images, "masks": {}}
        names: dict[str, Any] = {}
        labels: dict[str, Any] = {}
        for roi in dict.fromkeys(j.roi for j in jobs):
            rj = [j for j in jobs if j.roi == roi]
            entry["masks"][roi] = _collapse({j.modality: _relative(j.mask, base, relative) for j in rj}, list(images))
            given = {j.modality: j.roi_name for j in rj if j.roi_name is not None}
            if given:
                names[roi] = _collapse(given, [j.modality for j in rj]) if len(given) == len(rj) else given
            given_l = {j.modality: j.label for j in rj if j.label is not None}
            if given_l:
                labels[roi] = _collapse(given_l, [j.modality for j in rj]) if len(given_l) == len(rj) else given_l
        if names:
            entry["roi_names"] = names
        if labels:
            entry["labels"] = labels
        if manifest.extra_columns:
            entry["clinical"] = dict(manifest.extra[case])
        cases.append(entry)
    return yaml.safe_dump({"cases": cases}, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
