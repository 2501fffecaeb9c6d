"""Build a study manifest from a folder tree: :func:`scan_directory`.

Recognised layouts (``<root>`` is the folder scanned; hidden files and folders are skipped):

(a) ``modality-files``: ``<root>/<case>/<MOD>_image.nii.gz`` with ``<MOD>_mask.nii.gz``,
    ``<MOD>_<ROI>_mask.nii.gz`` or ``<MOD>_mask_<ROI>.nii.gz`` (also ``.nii``, ``.nrrd``,
    ``.nhdr``, ``.mha``, ``.mhd``, ``.seg.nrrd``; ``label``/``seg`` for ``mask``).
(b) ``modality-folders``: ``<root>/<case>/<MOD>/image/`` (a DICOM series, or one image file)
    with ``<MOD>/mask/`` holding RTSTRUCT or SEG files (one job per ROI or segment) or mask
    files; ``<root>/<case>/<MOD>/image.nii.gz`` + ``mask.nii.gz`` is read the same way.
(c) ``case-files``: ``<root>/<case>/image.nii.gz`` with ``mask.nii.gz`` (or ``label``,
    ``seg``; ``<ROI>_mask`` / ``mask_<ROI>`` for several ROIs); the modality is ``image``.
(d) ``nnunet``: ``<root>/images*/<case>_0000.nii.gz`` with ``<root>/labels*/<case>.nii.gz``
    (``imagesTr`` pairs with ``labelsTr``); channel names and label names come from
    ``<root>/dataset.json`` when present (one job per named label), else ``ch0``, ``ch1``...
(e) ``dicom-case``: ``<root>/<case>/`` holding DICOM series in any sub-folders and
    RTSTRUCT / SEG objects that reference one of them (by Series Instance UID, else by a
    Frame of Reference UID that only one series has); the modality is the series' (``PT``
    is named ``PET``; several series of one modality are told apart by their description).

A mask without a modality (``mask.nii.gz`` beside ``CT_image`` and ``PET_image``) pairs with
every image of the case (the runner checks the geometry). A mask without an ROI name gets
the ROI ``default_roi`` (``'ROI'``). An RTSTRUCT ROI or SEG segment keeps its name in
``roi_name``; the manifest's ROI is that name without a trailing ``_<MOD>`` (the STS ROIs
``GTV_Mass_CT``, ``GTV_Mass_PET`` both become ``GTV_Mass``). Files are not opened except
DICOM headers (to tell series, RTSTRUCT and SEG apart) and ``dataset.json``.

Every file or series that could not be paired is reported with the reason in
:attr:`ScanResult.unpaired` (e.g. a CT mask whose CT image is missing).

Why hand-written: folder conventions are a cohort's, not a format's; no imaging library
pairs images with masks. No IBSI code applies.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from radiome.cohort.manifest import Job, Manifest, ManifestError
from radiome.errors import InputError

__all__ = ["ScanResult", "scan_directory", "LAYOUTS", "DEFAULT_ROI"]

#: Names of the recognised layouts, by letter of the module docstring.
LAYOUTS = MappingProxyType(
    {
        "a": "modality-files",
        "b": "modality-folders",
        "c": "case-files",
        "d": "nnunet",
        "e": "dicom-case",
    }
)
#: ROI name given to masks whose file name carries none.
DEFAULT_ROI = "ROI"
#: Modality name of an image whose file name carries none (layout c).
DEFAULT_MODALITY = "image"

_VOLUME_SUFFIXES = (".seg.nrrd", ".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd")
_IMAGE_WORDS = ("image", "img")
_MASK_WORDS = ("mask", "label", "labels", "seg", "segmentation")
_IMAGE_DIRS = ("image", "images")
_MASK_DIRS = ("mask", "masks", "label", "labels", "seg", "segmentation", "rtstruct")
_MODALITY_ALIASES = {"PT": "PET"}
_NNUNET_IMAGE = re.compile(r"^(?P<case>.+)_(?P<channel>\d{4})$")


@dataclass(frozen=True)
class ScanResult:
    """What :func:`scan_directory` found.

    Attributes
    ----------
    manifest : Manifest
        The jobs that could be paired (possibly none); ``extra`` is empty per case.
    unpaired : tuple of str
        One line per file, folder or series left out: ``'<path relative to root>: <reason>'``.
    layouts : Mapping[str, str]
        ``case_id -> layout name`` (see :data:`LAYOUTS`; ``+`` joins several).
    """

    manifest: Manifest
    unpaired: tuple[str, ...]
    layouts: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def _natural(text: str) -> list[Any]:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", text)]


def _visible(folder: Path) -> list[Path]:
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    return sorted(
        (e for e in entries if not e.name.startswith((".", "__MACOSX"))), key=lambda e: _natural(e.name)
    )


def _volume_suffix(path: Path) -> str | None:
    name = path.name.lower()
    return next((s for s in _VOLUME_SUFFIXES if name.endswith(s)), None)


def _stem(path: Path) -> str:
    suffix = _volume_suffix(path) or ""
    return path.name[: len(path.name) - len(suffix)]


class _Found:
    """Jobs and unpaired lines of one scan, with duplicate detection."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.jobs: dict[tuple[str, str, str], Job] = {}
        self.unpaired: list[str] = []
        self.layouts: dict[str, list[str]] = {}

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix() or "."
        except ValueError:
            return path.as_posix()

    def miss(self, path: Path, reason: str) -> None:
        self.unpaired.append(f"{self.rel(path)}: {reason}")

    def add(self, source: Path, layout: str, *fields: Any) -> None:
        """Add ``Job(*fields)``, or report ``source`` when the job is a duplicate or invalid."""
        try:
            job = Job(*fields)
        except ManifestError as exc:
            self.miss(source, f"cannot make a job from it: {exc}")
            return
        ident = (job.case_id, job.modality, job.roi)
        if ident in self.jobs:
            self.miss(
                source,
                f"second mask for case {job.case_id}, modality {job.modality}, ROI {job.roi} (first: "
                f"{self.rel(self.jobs[ident].mask)}); rename one to give its ROI another name",
            )
            return
        self.jobs[ident] = job
        names = self.layouts.setdefault(job.case_id, [])
        if layout not in names:
            names.append(layout)


def _roi_labels(names: list[str], modality: str) -> list[str]:
    """Manifest ROI names: RTSTRUCT/SEG names without a trailing ``_<MOD>`` (kept when that collides)."""
    suffixes = {modality.lower()} | {k.lower() for k, v in _MODALITY_ALIASES.items() if v == modality}
    suffixes |= {v.lower() for k, v in _MODALITY_ALIASES.items() if k == modality}
    out = []
    for n in names:
        label = n
        for s in suffixes:
            if n.lower().endswith("_" + s) and len(n) > len(s) + 1:
                label = n[: -len(s) - 1]
                break
        out.append(label)
    return [lab if out.count(lab) == 1 else n for lab, n in zip(out, names)]


# --------------------------------------------------------------------------- image / mask files (a, c)


def _classify(path: Path) -> tuple[str, str | None, str | None] | None:
    """('image', modality, None) / ('mask', prefix, rest) from the file name, or None."""
    kind = _classify_stem(path)
    if kind is None:
        return None
    return kind[0], kind[1] or None, kind[2] or None


def _classify_stem(path: Path) -> tuple[str, str | None, str | None] | None:
    stem = _stem(path)
    low = stem.lower()
    for w in _IMAGE_WORDS:
        if low == w:
            return "image", None, None
        if low.endswith("_" + w):
            return "image", stem[: -len(w) - 1], None
    for w in _MASK_WORDS:
        if low == w:
            return "mask", None, None
        if low.endswith("_" + w):
            return "mask", stem[: -len(w) - 1], None
        if low.startswith(w + "_"):
            return "mask", None, stem[len(w) + 1:]
        i = low.find("_" + w + "_")
        if i > 0:
            return "mask", stem[:i], stem[i + len(w) + 2:]
    if path.name.lower().endswith(".seg.nrrd"):
        return "mask", stem, None
    return None


def _resolve_mask(
    prefix: str | None, rest: str | None, named: list[str], has_unnamed: bool, default_roi: str, where: str
) -> tuple[str | None, str] | str:
    """(modality or None for every image, ROI) of a mask, or the reason it has no image."""
    if prefix is None:
        if rest is not None:
            match = [m for m in named if m.lower() == rest.lower()]
            if match:
                return match[0], default_roi
        return None, rest or default_roi
    by_length = sorted(named, key=len, reverse=True)
    for m in by_length:
        if prefix.lower() == m.lower():
            return m, rest or default_roi
        if prefix.lower().startswith(m.lower() + "_"):
            roi = prefix[len(m) + 1:] + (f"_{rest}" if rest else "")
            return m, roi.strip("_") or default_roi
    if has_unnamed and not named:
        return None, prefix + (f"_{rest}" if rest else "")
    images = ", ".join(named) or "none"
    return (f"mask without image: no {prefix} image in {where} (images found: {images}); add {prefix}_image.<ext> "
            "or rename the mask")


def _scan_files(
    found: _Found, case_id: str, folder: Path, files: list[Path], default_modality: str | None, default_roi: str
) -> bool:
    """Pair image and mask files of one folder; True when any file was recognised."""
    images: dict[str | None, Path] = {}
    masks: list[tuple[Path, str | None, str | None]] = []
    recognised = False
    for f in files:
        kind = _classify(f)
        if kind is None:
            found.miss(f, "not recognised as an image or a mask; name it <MOD>_image.<ext> or <MOD>_mask.<ext>")
            continue
        recognised = True
        if kind[0] == "image":
            mod = kind[1]
            if mod in images:
                first = images[mod].name
                found.miss(f, f"second {mod or 'unnamed'} image in {found.rel(folder)} (first: {first}); keep one")
                continue
            images[mod] = f
        else:
            masks.append((f, kind[1], kind[2]))
    if not recognised:
        return False
    has_unnamed = None in images
    named = [m for m in images if m is not None]
    unnamed_name = default_modality if default_modality is not None else DEFAULT_MODALITY
    layout = LAYOUTS["b"] if default_modality is not None else (LAYOUTS["a"] if named else LAYOUTS["c"])
    used: set[str | None] = set()
    for f, prefix, rest in masks:
        res = _resolve_mask(prefix, rest, named, has_unnamed, default_roi, found.rel(folder))
        if isinstance(res, str):
            found.miss(f, res)
            continue
        mod, roi = res
        if mod is None:
            targets = list(images)
        else:
            targets = [mod]
        if not targets:
            found.miss(f, f"mask without image: no image in {found.rel(folder)}; add <MOD>_image.<ext>")
            continue
        for t in targets:
            name = t if t is not None else unnamed_name
            found.add(f, layout, case_id, name, images[t], roi, f)
            used.add(t)
    for mod, f in images.items():
        if mod not in used:
            hint = f"{mod}_mask.<ext>" if mod else "mask.<ext>"
            found.miss(f, f"image without mask: no mask for {mod or 'this image'}; add {hint}")
    return True


# --------------------------------------------------------------------------- DICOM masks (b, e)


def _header(path: Path) -> Any | None:
    from radiome.io.dicom.series import read_header

    return read_header(path)


def _dicom_kind_of(ds: Any) -> str | None:
    from radiome.io.dicom.series import RTSTRUCT_SOP_CLASS, SEG_SOP_CLASS

    sop = str(ds.get("SOPClassUID", ""))
    modality = str(ds.get("Modality", "")).upper()
    if sop == RTSTRUCT_SOP_CLASS or modality == "RTSTRUCT":
        return "RTSTRUCT"
    if sop == SEG_SOP_CLASS or modality == "SEG":
        return "SEG"
    return None


def _mask_regions(found: _Found, path: Path, ds: Any, kind: str) -> list[tuple[str, str | None, int | None]]:
    """(name, roi_name, label) of every ROI / segment of an RTSTRUCT or SEG file."""
    if kind == "RTSTRUCT":
        # The ROI names that radiome.io.dicom.list_rtstruct_rois returns, taken from the header
        # already read (list_rtstruct_rois reads the file, contours included, twice more).
        names = [str(item.get("ROIName", "")) for item in ds.get("StructureSetROISequence", []) or []]
        if not names:
            found.miss(path, "RTSTRUCT without ROIs")
        return [(n, n, None) for n in names]
    segments = [(int(s.get("SegmentNumber", i + 1)), str(s.get("SegmentLabel", "")))
                for i, s in enumerate(ds.get("SegmentSequence", []) or [])]
    if not segments:
        found.miss(path, "DICOM SEG without segments")
    labels = [lab for _, lab in segments]
    out = []
    for number, lab in segments:
        if lab and labels.count(lab) == 1:
            out.append((lab, lab, None))
        else:
            out.append((f"{lab or 'segment'}_{number}", None, number))
    return out


def _add_dicom_masks(
    found: _Found, case_id: str, modality: str, image: Path, masks: list[tuple[Path, Any, str]], layout: str
) -> int:
    regions = []
    for f, ds, kind in masks:
        regions.extend((f, name, roi_name, label) for name, roi_name, label in _mask_regions(found, f, ds, kind))
    labels = _roi_labels([r[1] for r in regions], modality)
    before = len(found.jobs)
    for (f, _, roi_name, label), roi in zip(regions, labels):
        found.add(f, layout, case_id, modality, image, roi, f, roi_name, label)
    return len(found.jobs) - before


def _scan_modality_folder(found: _Found, case_id: str, folder: Path, image_dir: Path, default_roi: str) -> None:
    """Layout (b): ``<MOD>/image/`` with ``<MOD>/mask/``."""
    from radiome.io.dicom import dicom_kind

    modality = folder.name
    mask_dir = next((d for d in _visible(folder) if d.is_dir() and d.name.lower() in _MASK_DIRS), None)
    image: Path | None = None
    if dicom_kind(image_dir) == "image":
        image = image_dir
    else:
        vols = [f for f in _visible(image_dir) if f.is_file() and _volume_suffix(f)]
        if len(vols) == 1:
            image = vols[0]
        elif len(vols) > 1:
            found.miss(image_dir, f"{len(vols)} image files in one image folder; keep one (or one DICOM series)")
            return
    if image is None:
        found.miss(image_dir, "no DICOM image series or image file in the image folder")
        if mask_dir is not None:
            found.miss(mask_dir, f"mask without image: the {modality} image folder is empty")
        return
    if mask_dir is None:
        where = found.rel(image_dir)
        found.miss(image, f"image without mask: no mask folder beside {where} (expected {modality}/mask/)")
        return
    dicom_masks: list[tuple[Path, Any, str]] = []
    n_jobs = 0
    mask_files = [p for p in mask_dir.rglob("*") if p.is_file() and not p.name.startswith(".")]
    for f in sorted(mask_files, key=lambda p: _natural(str(p))):
        if _volume_suffix(f):
            kind = _classify(f)
            if kind is not None and kind[0] == "mask":
                parts = [p for p in (kind[1], kind[2]) if p and p.lower() != modality.lower()]
                if parts and parts[0].lower().startswith(modality.lower() + "_"):
                    parts[0] = parts[0][len(modality) + 1:]
                roi = "_".join(parts) or default_roi
            else:
                roi = _stem(f)
            before = len(found.jobs)
            found.add(f, LAYOUTS["b"], case_id, modality, image, roi, f)
            n_jobs += len(found.jobs) - before
            continue
        ds = _header(f)
        kind_d = _dicom_kind_of(ds) if ds is not None else None
        if kind_d is None:
            continue
        dicom_masks.append((f, ds, kind_d))
    n_jobs += _add_dicom_masks(found, case_id, modality, image, dicom_masks, LAYOUTS["b"])
    if n_jobs == 0 and not any(u.startswith(found.rel(mask_dir)) for u in found.unpaired):
        found.miss(image, f"image without mask: no mask file, RTSTRUCT or SEG in {found.rel(mask_dir)}")


def _references(ds: Any, kind: str) -> tuple[set[str], set[str]]:
    """(referenced Series Instance UIDs, Frame of Reference UIDs) of an RTSTRUCT or SEG."""
    series: set[str] = set()
    frames: set[str] = set()
    if kind == "RTSTRUCT":
        for fr in ds.get("ReferencedFrameOfReferenceSequence", []) or []:
            if fr.get("FrameOfReferenceUID"):
                frames.add(str(fr.FrameOfReferenceUID))
            for st in fr.get("RTReferencedStudySequence", []) or []:
                for se in st.get("RTReferencedSeriesSequence", []) or []:
                    if se.get("SeriesInstanceUID"):
                        series.add(str(se.SeriesInstanceUID))
        for roi in ds.get("StructureSetROISequence", []) or []:
            if roi.get("ReferencedFrameOfReferenceUID"):
                frames.add(str(roi.ReferencedFrameOfReferenceUID))
    else:
        for se in ds.get("ReferencedSeriesSequence", []) or []:
            if se.get("SeriesInstanceUID"):
                series.add(str(se.SeriesInstanceUID))
        if ds.get("FrameOfReferenceUID"):
            frames.add(str(ds.FrameOfReferenceUID))
    return series, frames


def _scan_dicom_case(found: _Found, case_id: str, folder: Path) -> bool:
    """Layout (e): DICOM series and RTSTRUCT/SEG objects anywhere under the case folder."""
    from radiome.io.dicom import list_series

    series = list_series(folder)
    if not series:
        return False
    images = [s for s in series if _is_image(s)]
    mask_series = [s for s in series if s.modality.upper() in ("RTSTRUCT", "SEG")]
    if not images and not mask_series:
        return False
    info = {}
    for s in images:
        ds0 = _header(s.files[0])
        parent = Path(os.path.commonpath([str(f.parent) for f in s.files]))
        others = [o for o in images if o is not s and any(Path(f).is_relative_to(parent) for f in o.files)]
        info[s.series_uid] = (s, str(ds0.get("FrameOfReferenceUID", "")), parent, others)
    pairs: dict[str, list[tuple[Path, Any, str]]] = {}
    for ms in mask_series:
        for f in ms.files:
            ds = _header(f)
            kind = _dicom_kind_of(ds) if ds is not None else None
            if kind is None:
                continue
            ref_series, frames = _references(ds, kind)
            target = [uid for uid in ref_series if uid in info]
            if not target:
                target = [uid for uid, (_, fr, _, _) in info.items() if fr and fr in frames]
                if len(target) > 1:
                    listing = ", ".join(f"{info[u][0].modality} '{info[u][0].description}'" for u in target)
                    found.miss(f, f"{kind} references a frame of reference shared by {len(target)} series ({listing}) "
                                  "and no series UID; list it in a manifest by hand")
                    continue
            if not target:
                found.miss(f, f"{kind} without image: the series it references is not under {found.rel(folder)}")
                continue
            pairs.setdefault(target[0], []).append((f, ds, kind))
    names = _series_names([info[u][0] for u in pairs])
    for uid, (s, _, parent, others) in info.items():
        where = parent
        if uid not in pairs:
            found.miss(where, f"image without mask: {s.modality} series '{s.description}' ({s.n_files} files) has no "
                              "RTSTRUCT or SEG referencing it")
            continue
        if others:
            found.miss(where, f"{s.modality} series '{s.description}' shares its folder with other series "
                              f"({', '.join(o.modality for o in others)}); put each series in its own folder")
            continue
        _add_dicom_masks(found, case_id, names[uid], parent, pairs[uid], LAYOUTS["e"])
    return True


def _is_image(s: Any) -> bool:
    from radiome.io.dicom.series import NON_IMAGE_MODALITIES

    return s.modality.upper() not in NON_IMAGE_MODALITIES


def _series_names(series: list[Any]) -> dict[str, str]:
    base = {s.series_uid: _MODALITY_ALIASES.get(s.modality.upper(), s.modality.upper() or "image") for s in series}
    out = {}
    for s in series:
        same = [o for o in series if base[o.series_uid] == base[s.series_uid]]
        if len(same) == 1:
            out[s.series_uid] = base[s.series_uid]
            continue
        descs = [re.sub(r"[^A-Za-z0-9]+", "_", o.description).strip("_") for o in same]
        mine = descs[same.index(s)]
        if mine and descs.count(mine) == 1:
            out[s.series_uid] = f"{base[s.series_uid]}_{mine}"
        else:
            out[s.series_uid] = f"{base[s.series_uid]}_{same.index(s) + 1}"
    return out


# --------------------------------------------------------------------------- nnU-Net (d)


def _nnunet_names(root: Path) -> tuple[dict[int, str], list[tuple[str, int]]]:
    """Channel names and (label name, value) pairs (background left out) from dataset.json."""
    path = root / "dataset.json"
    if not path.is_file():
        return {}, []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} is not valid JSON ({exc}); fix it or move it away to scan without it.") from None
    channels_raw = data.get("channel_names") or data.get("modality") or {}
    channels = {}
    for k, v in channels_raw.items():
        try:
            channels[int(k)] = str(v)
        except ValueError:
            continue
    labels_raw = data.get("labels") or {}
    labels: list[tuple[str, int]] = []
    for k, v in labels_raw.items():
        if isinstance(v, bool):
            return channels, []
        if isinstance(v, int):  # nnU-Net v2: name -> value
            name, value = str(k), v
        elif isinstance(v, str) and str(k).isdigit():  # v1: "value" -> name
            name, value = v, int(k)
        else:  # region-based training (lists): one job per file
            return channels, []
        if value != 0:
            labels.append((name, value))
    return channels, labels


def _scan_nnunet(found: _Found, root: Path, image_dirs: list[Path], label_dirs: list[Path], default_roi: str) -> None:
    channels, labels = _nnunet_names(root)
    by_suffix = {d.name[len("labels"):].lower(): d for d in label_dirs}
    used_labels: set[Path] = set()
    for idir in image_dirs:
        ldir = by_suffix.get(idir.name[len("images"):].lower())
        if ldir is None and len(label_dirs) == 1:
            ldir = label_dirs[0]
        label_files = {}
        if ldir is not None:
            label_files = {_stem(f): f for f in _visible(ldir) if f.is_file() and _volume_suffix(f)}
        for f in _visible(idir):
            if not f.is_file() or not _volume_suffix(f):
                continue
            m = _NNUNET_IMAGE.match(_stem(f))
            if m is None:
                found.miss(f, "not an nnU-Net image name (<case>_0000.<ext>)")
                continue
            case, ch = m.group("case"), int(m.group("channel"))
            label = label_files.get(case)
            if label is None:
                where = found.rel(ldir) if ldir is not None else f"a labels{idir.name[len('images'):]} folder"
                found.miss(f, f"image without mask: no {case}.<ext> in {where}")
                continue
            used_labels.add(label)
            modality = channels.get(ch, f"ch{ch}")
            for roi, value in labels or [(default_roi, None)]:
                found.add(label, LAYOUTS["d"], case, modality, f, roi, label, None, value)
    for ldir in label_dirs:
        for f in _visible(ldir):
            if f.is_file() and _volume_suffix(f) and f not in used_labels:
                found.miss(f, f"mask without image: no {_stem(f)}_0000.<ext> in an images folder")


# --------------------------------------------------------------------------- driver


def _scan_case(found: _Found, folder: Path, default_roi: str) -> None:
    case_id = folder.name
    entries = _visible(folder)
    files = [e for e in entries if e.is_file() and _volume_suffix(e)]
    recognised = _scan_files(found, case_id, folder, files, None, default_roi) if files else False
    for d in (e for e in entries if e.is_dir()):
        children = _visible(d)
        image_dir = next((c for c in children if c.is_dir() and c.name.lower() in _IMAGE_DIRS), None)
        if image_dir is not None:
            _scan_modality_folder(found, case_id, d, image_dir, default_roi)
            recognised = True
            continue
        sub_files = [c for c in children if c.is_file() and _volume_suffix(c)]
        if sub_files and any(_classify(c) is not None for c in sub_files):
            _scan_files(found, case_id, d, sub_files, d.name, default_roi)
            recognised = True
    if not recognised and not _scan_dicom_case(found, case_id, folder):
        found.miss(folder, "no image or mask recognised in this case folder")


def scan_directory(root: str | os.PathLike[str], *, default_roi: str = DEFAULT_ROI) -> ScanResult:
    """Build a manifest from a folder tree of NIfTI/NRRD/MHA files or DICOM.

    Parameters
    ----------
    root : str or Path
        The study folder: one sub-folder per case (layouts a, b, c, e of the module
        docstring), or an nnU-Net dataset folder (``imagesTr``, ``labelsTr``, ...; layout d).
    default_roi : str
        ROI name of masks whose file name carries none (``CT_mask.nii.gz``).

    Returns
    -------
    ScanResult
        The manifest of the paired jobs (sorted by case, modality and ROI; cases in natural
        order, ``STS_2`` before ``STS_10``), what could not be paired and why, and the layout
        recognised per case.

    Raises
    ------
    InputError
        ``root`` is not a folder, or its ``dataset.json`` is not valid JSON.

    Examples
    --------
    >>> result = scan_directory("shared/data/sts/nifti")   # doctest: +SKIP
    >>> len(result.manifest), len(result.unpaired)          # doctest: +SKIP
    (51, 9)
    """
    base = Path(os.path.normpath(Path(root).expanduser().absolute()))
    if not base.is_dir():
        raise InputError(f"cannot scan {base}: not a folder. Give the study folder (one sub-folder per case).")
    found = _Found(base)
    entries = _visible(base)
    dirs = [e for e in entries if e.is_dir()]

    def nnunet_images(d: Path) -> bool:
        return d.name.lower().startswith("images") and any(
            f.is_file() and _volume_suffix(f) and _NNUNET_IMAGE.match(_stem(f)) for f in _visible(d)
        )

    image_dirs = [d for d in dirs if nnunet_images(d)]
    label_dirs = [d for d in dirs if d.name.lower().startswith("labels")] if image_dirs else []
    if image_dirs:
        _scan_nnunet(found, base, image_dirs, label_dirs, default_roi)
    for d in dirs:
        if d not in image_dirs and d not in label_dirs:
            _scan_case(found, d, default_roi)
    for f in (e for e in entries if e.is_file() and _volume_suffix(e)):
        found.miss(f, "image or mask directly under the scanned folder; put each case in its own folder")
    jobs = sorted(found.jobs.values(), key=lambda j: (_natural(j.case_id), _natural(j.modality), _natural(j.roi)))
    layouts = {c: "+".join(found.layouts[c]) for c in dict.fromkeys(j.case_id for j in jobs)}
    return ScanResult(Manifest(tuple(jobs)), tuple(found.unpaired), MappingProxyType(layouts))
