"""DICOM image series to :class:`~radiome.io.image.Image`.

Why hand-written: pydicom decodes single files but does not assemble a volume, and
SimpleITK/GDCM assemble one silently, without rescaling PET to SUV, without refusing series
with missing slices and without saying which slice is missing. Radiomics needs all three
(a gap changes every texture feature), so the stacking, the geometry and the checks are
done here on top of pydicom, with errors that say where the problem is and what to do.

Conventions (shared with the rest of radiome):

* the array is indexed ``(z, y, x)``: slice, row, column;
* ``spacing`` and ``origin`` are ``(z, y, x)`` in mm; ``origin`` is the centre of voxel
  ``(0, 0, 0)`` in the DICOM patient coordinate system (LPS, the one ITK uses);
* ``direction`` holds, in ITK row-major order, the 3x3 matrix whose columns are the
  physical directions of the ``x`` (row direction, first triplet of Image Orientation
  (Patient)), ``y`` (column direction, second triplet) and ``z`` (slice normal
  :math:`\\mathbf{n} = \\mathbf{r} \\times \\mathbf{c}`) array axes.

A voxel ``(k, j, i)`` therefore lies at

.. math::

    \\mathbf{p}(k, j, i) = \\mathbf{o} + i\\,\\Delta_x \\mathbf{r} + j\\,\\Delta_y \\mathbf{c}
    + k\\,\\Delta_z \\mathbf{n}

with :math:`\\mathbf{o}` the Image Position (Patient) of the first slice along
:math:`\\mathbf{n}`. No IBSI code applies: reading is outside the IBSI feature definitions
(IBSI 1 chapter 2 starts from a voxel grid).
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from radiome.errors import DicomError, InputError, LabelError, MissingSliceError
from radiome.io.image import IDENTITY_DIRECTION, Image

__all__ = ["SeriesInfo", "list_series", "read_dicom_series", "dicom_kind"]

#: SOP classes and modalities that hold no image to read as a volume.
SEG_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
RTSTRUCT_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.481.3"
NON_IMAGE_MODALITIES = frozenset(
    {"RTSTRUCT", "SEG", "RTPLAN", "RTRECORD", "RTDOSE", "RTIMAGE", "SR", "PR", "KO", "REG",
     "DOC", "RWV", "FID", "PLAN", "AU", "ECG", "HD"}
)
#: Modalities read as single 2D images even when several share a series.
PROJECTION_MODALITIES = frozenset({"CR", "DX", "MG", "IO", "PX", "XA", "RF", "US", "OP", "XC"})

#: Default relative tolerance on slice steps (1 % of the median step).
SPACING_TOLERANCE = 0.01
#: ITU-R BT.601 luma weights used to turn RGB into grey.
BT601_LUMA = (0.299, 0.587, 0.114)


def _pydicom_major() -> int:
    import pydicom

    return int(pydicom.__version__.split(".")[0])


@dataclass(frozen=True)
class SeriesInfo:
    """One DICOM series found under a folder.

    Attributes
    ----------
    series_uid : str
        Series Instance UID (0020,000E).
    modality : str
        Modality (0008,0060), e.g. ``"CT"``, ``"PT"``, ``"MR"``, ``"RTSTRUCT"``.
    description : str
        Series Description (0008,103E), empty when absent.
    n_files : int
        Number of files (instances) in the series.
    files : tuple of Path
        The files, sorted by path.
    """

    series_uid: str
    modality: str
    description: str
    n_files: int
    files: tuple[Path, ...] = field(repr=False)

    def __str__(self) -> str:
        desc = f" '{self.description}'" if self.description else ""
        return f"{self.modality}{desc}: {self.n_files} file(s), series_uid={self.series_uid}"


# --------------------------------------------------------------------------- scanning


@contextmanager
def _quiet_pydicom() -> Iterator[None]:
    """Silence pydicom's value-validation warnings (over-long strings in real data)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom(\.|$)")
        yield


def _files(path: str | Path) -> list[Path]:
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        return sorted(f for f in p.rglob("*") if f.is_file())
    raise InputError(f"DICOM path not found: {str(p)!r}. Give an existing folder or file.")


def read_header(path: Path) -> Any | None:
    """The header of ``path`` (no pixel data), or None when it is not a DICOM file.

    Only files with the DICOM preamble (``DICM`` at byte 128) are read, so other files in
    the folder (NIfTI, text, DICOMDIR indexes without series) are skipped.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        with _quiet_pydicom():
            return pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, EOFError, OSError, ValueError, KeyError, TypeError):
        return None


def _is_image(ds: Any) -> bool:
    sop = str(ds.get("SOPClassUID", ""))
    modality = str(ds.get("Modality", "")).upper()
    if sop in (SEG_SOP_CLASS, RTSTRUCT_SOP_CLASS) or modality in NON_IMAGE_MODALITIES:
        return False
    return "Rows" in ds and "Columns" in ds


def _kind_of(ds: Any) -> str | None:
    sop = str(ds.get("SOPClassUID", ""))
    modality = str(ds.get("Modality", "")).upper()
    if sop == RTSTRUCT_SOP_CLASS or modality == "RTSTRUCT":
        return "RTSTRUCT"
    if sop == SEG_SOP_CLASS or modality == "SEG":
        return "SEG"
    return "image" if _is_image(ds) else None


def scan(path: str | Path) -> list[tuple[Path, Any]]:
    """Every DICOM file under ``path`` (recursive) with its header, sorted by path."""
    out = []
    for f in _files(path):
        ds = read_header(f)
        if ds is not None and "SeriesInstanceUID" in ds:
            out.append((f, ds))
    return out


def dicom_kind(path: str | Path) -> str | None:
    """What a DICOM file or folder holds: ``'image'``, ``'RTSTRUCT'``, ``'SEG'`` or None.

    Headers are read without pixel data. For a folder, ``'image'`` wins as soon as one
    image file is found (a series folder may also hold its RTSTRUCT); otherwise
    ``'RTSTRUCT'``, then ``'SEG'``; None when no DICOM file of these kinds is present
    (or the path does not exist / is not DICOM).

    Parameters
    ----------
    path : str or Path
        A file or a folder (searched recursively).

    Returns
    -------
    str or None
    """
    p = Path(path)
    if not p.exists():
        return None
    kinds: set[str] = set()
    for f in _files(p):
        ds = read_header(f)
        if ds is None:
            continue
        k = _kind_of(ds)
        if k == "image":
            return "image"
        if k is not None:
            kinds.add(k)
    for k in ("RTSTRUCT", "SEG"):
        if k in kinds:
            return k
    return None


def _group(headers: Sequence[tuple[Path, Any]]) -> list[SeriesInfo]:
    groups: dict[str, list[tuple[Path, Any]]] = defaultdict(list)
    for f, ds in headers:
        groups[str(ds.SeriesInstanceUID)].append((f, ds))
    out = []
    for uid, items in groups.items():
        ds0 = items[0][1]
        out.append(
            SeriesInfo(
                series_uid=uid,
                modality=str(ds0.get("Modality", "")),
                description=str(ds0.get("SeriesDescription", "")),
                n_files=len(items),
                files=tuple(f for f, _ in items),
            )
        )
    return sorted(out, key=lambda s: (s.modality, s.description, s.series_uid))


def list_series(path: str | Path) -> list[SeriesInfo]:
    """All DICOM series under ``path`` (a folder, searched recursively, or one file).

    Every series is listed, RTSTRUCT and SEG included (their ``modality`` says so);
    :func:`read_dicom_series` only reads the image series among them.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    list of SeriesInfo
        Sorted by modality, description and UID.
    """
    return _group(scan(path))


# --------------------------------------------------------------------------- helpers


def _f(ds: Any, keyword: str, default: float | None = None) -> float | None:
    v = ds.get(keyword, None) if ds is not None else None
    if v is None or v == "":
        return default
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def _vec(ds: Any, keyword: str, n: int) -> np.ndarray | None:
    v = ds.get(keyword, None)
    if v is None:
        return None
    try:
        a = np.array([float(x) for x in v], dtype=float)
    except (TypeError, ValueError):
        return None
    return a if a.size == n else None


def orientation(iop: np.ndarray) -> np.ndarray:
    """3x3 matrix with columns row direction, column direction, slice normal (unit vectors)."""
    r = np.asarray(iop[:3], float)
    c = np.asarray(iop[3:], float)
    r = r / np.linalg.norm(r)
    c = c / np.linalg.norm(c)
    return np.column_stack([r, c, np.cross(r, c)])


def physical_to_index(points_xyz: np.ndarray, image: Any) -> np.ndarray:
    """Continuous indices (x, y, z order) of physical points (N, 3) in mm on ``image``'s grid.

    .. math:: \\mathbf{u} = \\mathrm{diag}(\\Delta)^{-1} D^{-1} (\\mathbf{p} - \\mathbf{o})
    """
    d = np.array(image.direction, dtype=float).reshape(3, 3)
    origin = np.array(image.origin[::-1], dtype=float)
    spacing = np.array(image.spacing[::-1], dtype=float)
    rel = np.asarray(points_xyz, dtype=float) - origin
    return np.linalg.solve(d, rel.T).T / spacing


def choose_name(names: Sequence[str], query: str | None, what: str, hint: str) -> int:
    """Index of the name matching ``query``: case-insensitive exact, then unique substring.

    Raises :class:`LabelError` listing the names when nothing or several match, or when
    ``query`` is None and there are several names.
    """
    listing = ", ".join(repr(n) for n in names) or "none"
    if query is None:
        if len(names) == 1:
            return 0
        raise LabelError(f"several {what}s found ({listing}) and none chosen: {hint}")
    q = str(query).strip().lower()
    exact = [i for i, n in enumerate(names) if n.strip().lower() == q]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise LabelError(f"{what} name {query!r} matches several {what}s exactly ({listing})")
    sub = [i for i, n in enumerate(names) if q in n.lower()]
    if len(sub) == 1:
        return sub[0]
    if len(sub) > 1:
        cands = ", ".join(repr(names[i]) for i in sub)
        raise LabelError(f"{what} name {query!r} matches several {what}s ({cands}); give the full name")
    raise LabelError(f"no {what} named {query!r}; available: {listing}")


def _describe(ds: Any, path: Path) -> str:
    inst = ds.get("InstanceNumber", None)
    return f"{path.name} (instance {inst})" if inst not in (None, "") else path.name


def _metadata(ds: Any, path: Path, n_files: int) -> dict[str, Any]:
    keys = {
        "patient_id": "PatientID",
        "study_instance_uid": "StudyInstanceUID",
        "series_instance_uid": "SeriesInstanceUID",
        "series_description": "SeriesDescription",
        "series_number": "SeriesNumber",
        "study_date": "StudyDate",
        "frame_of_reference_uid": "FrameOfReferenceUID",
        "sop_class_uid": "SOPClassUID",
        "manufacturer": "Manufacturer",
        "photometric_interpretation": "PhotometricInterpretation",
        "slice_thickness": "SliceThickness",
    }
    md: dict[str, Any] = {"source": str(path), "format": "DICOM", "n_files": n_files}
    for out, kw in keys.items():
        v = ds.get(kw, None)
        if v not in (None, ""):
            md[out] = str(v)
    if "series_number" in md:
        md["series_number"] = int(float(md["series_number"]))
    if "slice_thickness" in md:
        md["slice_thickness"] = float(md["slice_thickness"])
    return md


def _stored_range(ds: Any) -> tuple[int, int]:
    bits = int(ds.get("BitsStored", ds.get("BitsAllocated", 16)))
    if int(ds.get("PixelRepresentation", 0)) == 1:
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1


def _pixel_util(name: str) -> Any:
    """A pixel helper from pydicom.pixels (pydicom 3) or pixel_data_handlers.util (2.x)."""
    try:
        import pydicom.pixels as mod
    except ImportError:  # pragma: no cover - pydicom 2.x
        import pydicom.pixel_data_handlers.util as mod  # type: ignore[no-redef]
    return getattr(mod, name)


def _pixels(path: Path) -> tuple[Any, np.ndarray]:
    """Full dataset and its decoded stored pixel values (no rescale)."""
    import pydicom

    with _quiet_pydicom():
        ds = pydicom.dcmread(path)
        try:
            arr = np.asarray(ds.pixel_array)
        except Exception as exc:  # decoders raise many types; turn them into one clear error
            ts = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "unknown")
            raise DicomError(
                f"cannot decode the pixel data of {path} (transfer syntax {ts}): {exc}. "
                "Compressed DICOM needs a decoder: pip install pylibjpeg pylibjpeg-libjpeg "
                "pylibjpeg-openjpeg (or python-gdcm), or decompress the files first "
                "(e.g. gdcmconv --raw)."
            ) from exc
    return ds, arr


def _rescale(ds: Any, arr: np.ndarray) -> np.ndarray:
    """Modality LUT: :math:`v = m\\,s + b` (Rescale Slope m, Intercept b), or the LUT table."""
    if "ModalityLUTSequence" in ds and "RescaleSlope" not in ds:
        return np.asarray(_pixel_util("apply_modality_lut")(arr, ds), dtype=np.float64)
    slope = _f(ds, "RescaleSlope", 1.0) or 1.0
    intercept = _f(ds, "RescaleIntercept", 0.0) or 0.0
    return arr.astype(np.float64) * slope + intercept


def _monochrome1_to_2(ds: Any, arr: np.ndarray) -> np.ndarray:
    """Invert stored values so that larger means brighter (MONOCHROME2 convention).

    .. math:: s' = s_{\\min} + s_{\\max} - s

    with :math:`[s_{\\min}, s_{\\max}]` the range representable in Bits Stored (signed or
    unsigned per Pixel Representation); the rescale is applied afterwards. The rule uses
    only the header, never the image content, so every file of a series maps alike.
    """
    lo, hi = _stored_range(ds)
    return (lo + hi) - arr.astype(np.int64)


def _to_grey(ds: Any, arr: np.ndarray) -> tuple[np.ndarray, str]:
    """Colour pixels (rows, cols, 3) to grey with ITU-R BT.601 luma.

    .. math:: Y = 0.299\\,R + 0.587\\,G + 0.114\\,B
    """
    pi = str(ds.get("PhotometricInterpretation", "")).upper()
    if pi == "PALETTE COLOR":
        arr = np.asarray(_pixel_util("apply_color_lut")(arr, ds))
    elif pi.startswith("YBR") and _pydicom_major() < 3:  # pydicom 3 returns RGB already
        arr = _pixel_util("convert_color_space")(arr, pi, "RGB")
    if arr.ndim != 3 or arr.shape[-1] != 3:
        raise DicomError(f"expected colour pixels (rows, columns, 3), got shape {arr.shape}")
    w = np.array(BT601_LUMA)
    return arr.astype(np.float64) @ w, f"{pi} to grey (ITU-R BT.601 luma)"


# --------------------------------------------------------------------------- selection


def _choose_series(
    series: list[SeriesInfo], series_uid: str | None, modality: str | None, path: Path
) -> SeriesInfo:
    listing = "; ".join(str(s) for s in series)
    cand = series
    if series_uid is not None:
        cand = [s for s in cand if s.series_uid == str(series_uid)]
        if not cand:
            raise InputError(
                f"no image series with series_uid={series_uid!r} under {path}; "
                f"image series found: {listing}"
            )
    if modality is not None:
        m = str(modality).upper()
        m = "PT" if m == "PET" else m
        cand = [s for s in cand if s.modality.upper() == m]
        if not cand:
            raise InputError(
                f"no image series with modality={modality!r} under {path}; "
                f"image series found: {listing}"
            )
    if len(cand) > 1:
        raise InputError(
            f"{len(cand)} image series found under {path}: "
            + "; ".join(str(s) for s in cand)
            + ". Choose one with read_dicom_series(path, series_uid=...) or modality=..."
        )
    return cand[0]


def _image_series(path: str | Path) -> tuple[list[SeriesInfo], dict[Path, Any]]:
    headers = scan(path)
    images = [(f, ds) for f, ds in headers if _is_image(ds)]
    if not images:
        other = sorted({str(ds.get("Modality", "?")) for _, ds in headers})
        raise DicomError(
            f"no DICOM image found under {path}: {len(headers)} DICOM file(s) (modalities: "
            f"{', '.join(other) or 'none'}). Point to the folder of the image series; "
            "RTSTRUCT and SEG files are read with read_rtstruct / read_seg."
        )
    return _group(images), dict(images)


# --------------------------------------------------------------------------- reading


def read_dicom_series(
    path: str | Path,
    *,
    series_uid: str | None = None,
    modality: str | None = None,
    suv: bool = True,
    weight_kg: float | None = None,
    injected_dose_bq: float | None = None,
    spacing_tolerance: float = SPACING_TOLERANCE,
) -> Image:
    """Read a DICOM image series (or a single 2D image) as an :class:`Image`.

    Parameters
    ----------
    path : str or Path
        A folder (searched recursively) or a single file. Non-image DICOM (RTSTRUCT, SEG,
        RT plans, reports) and non-DICOM files are ignored.
    series_uid, modality : str, optional
        Choose the series when several image series are present (``modality`` is the
        DICOM Modality, e.g. ``"CT"``, ``"PT"`` (``"PET"`` accepted), ``"MR"``).
    suv : bool
        PET only: convert to body-weight SUV with :func:`radiome.io.dicom.suv_factor`
        (Units BQML; GML is already SUV). ``False`` keeps the activity concentration.
    weight_kg, injected_dose_bq : float, optional
        PET only: override Patient's Weight / Radionuclide Total Dose when the headers lack
        them or are known to be wrong.
    spacing_tolerance : float
        Largest relative deviation of a slice step from the median step (default 1 %).

    Returns
    -------
    Image
        Intensities after the modality rescale (:math:`v = m s + b`: HU for CT, SUV for
        PET when ``suv``), float64 ``(z, y, x)``, geometry from Image Position / Orientation
        (Patient) as described in the module docstring. A single file, or a series of
        projection images (CR, DX, MG, US, ...), gives a 2D image (``is_2d``). Metadata
        hold the patient, study and series identifiers, ``units`` and the conversions made.

    Raises
    ------
    InputError
        Path missing, or several image series and none chosen (the message lists them).
    MissingSliceError
        A slice is missing or the slice spacing is irregular (positions and instance
        numbers of the gap in the message).
    DicomError
        Duplicate slice positions, inconsistent orientation or size, sheared (tilted)
        series, undecodable pixel data, multi-frame files.
    SUVError
        PET without the tags SUV needs (pass ``suv=False`` or the overrides).

    Notes
    -----
    MONOCHROME1 images (bright = low value) are converted to the MONOCHROME2 convention by
    :math:`s' = s_{\\min} + s_{\\max} - s` over the Bits Stored range, before rescale. Colour
    images (RGB, YBR, palette) are converted to grey with ITU-R BT.601 luma
    :math:`Y = 0.299R + 0.587G + 0.114B`.
    """
    p = Path(path)
    series, headers = _image_series(p)
    chosen = _choose_series(series, series_uid, modality, p)
    items = [(f, headers[f]) for f in chosen.files]
    for f, ds in items:
        n_frames = int(ds.get("NumberOfFrames", 1) or 1)
        if n_frames > 1:
            raise DicomError(
                f"{f} is a multi-frame file ({n_frames} frames); radiome reads single-frame "
                "series only. Convert it first (e.g. dcm2niix to NIfTI, then "
                "radiome.io.read_image), or extract the frame you need."
            )
    modality_u = chosen.modality.upper()
    if len(items) == 1 or modality_u in PROJECTION_MODALITIES:
        if len(items) > 1:
            raise InputError(
                f"series {chosen.series_uid} holds {len(items)} {chosen.modality} projection "
                "images, which do not form a volume; read one file at a time: "
                + ", ".join(f.name for f, _ in items[:5])
                + (" ..." if len(items) > 5 else "")
            )
        return _read_2d(items[0][0], p, suv, weight_kg, injected_dose_bq)
    return _read_volume(items, chosen, p, suv, weight_kg, injected_dose_bq, spacing_tolerance)


def _apply_suv(
    dss: Sequence[Any], vol: np.ndarray, md: dict[str, Any], suv: bool,
    weight_kg: float | None, injected_dose_bq: float | None,
) -> np.ndarray:
    from radiome.io.dicom.suv import suv_factor

    units = str(dss[0].get("Units", "")).upper()
    md["decay_correction"] = str(dss[0].get("DecayCorrection", ""))
    if not suv:
        md["units"] = units or "unknown"
        return vol
    factors = np.array(
        [suv_factor(ds, weight_kg=weight_kg, injected_dose_bq=injected_dose_bq) for ds in dss]
    )
    md["units"] = "SUVbw (g/ml)"
    md["source_units"] = units
    md["suv_factor"] = float(factors[0]) if np.allclose(factors, factors[0], rtol=1e-12) else tuple(
        float(x) for x in factors
    )
    return vol * factors.reshape((-1,) + (1,) * (vol.ndim - 1))


def _read_2d(
    f: Path, root: Path, suv: bool, weight_kg: float | None, injected_dose_bq: float | None
) -> Image:
    ds, arr = _pixels(f)
    md = _metadata(ds, root, 1)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    pi = str(ds.get("PhotometricInterpretation", "")).upper()
    conversions = []
    if samples > 1 or pi == "PALETTE COLOR":
        grey, note = _to_grey(ds, arr)
        conversions.append(note)
        values = grey
    else:
        if arr.ndim != 2:
            raise DicomError(f"expected one 2D frame in {f}, got pixel array shape {arr.shape}")
        if pi == "MONOCHROME1":
            arr = _monochrome1_to_2(ds, arr)
            conversions.append("MONOCHROME1 inverted to MONOCHROME2")
        values = _rescale(ds, arr)
    modality = str(ds.get("Modality", "OT")) or "OT"
    if modality.upper() == "CT":
        md["units"] = "HU"
    if modality.upper() == "PT":
        values = _apply_suv([ds], values[np.newaxis], md, suv, weight_kg, injected_dose_bq)[0]
    spacing_yx, source = _spacing_2d(ds)
    md["pixel_spacing_source"] = source
    if conversions:
        md["conversions"] = tuple(conversions)
    iop, ipp = _vec(ds, "ImageOrientationPatient", 6), _vec(ds, "ImagePositionPatient", 3)
    if iop is not None and ipp is not None:
        direction = tuple(orientation(iop).ravel())
        origin = (float(ipp[2]), float(ipp[1]), float(ipp[0]))
    else:
        direction, origin = IDENTITY_DIRECTION, (0.0, 0.0, 0.0)
    thickness = _f(ds, "SliceThickness", None)
    sz = thickness if thickness and thickness > 0 else 1.0
    return Image(
        array=values[np.newaxis],
        spacing=(sz, spacing_yx[0], spacing_yx[1]),
        origin=origin,
        direction=direction,
        is_2d=True,
        modality=modality,
        metadata=md,
    )


def _spacing_2d(ds: Any) -> tuple[tuple[float, float], str]:
    """Pixel spacing (row, column) in mm and the tag it came from."""
    for kw in ("PixelSpacing", "ImagerPixelSpacing", "NominalScannedPixelSpacing"):
        v = _vec(ds, kw, 2)
        if v is not None and np.all(v > 0):
            return (float(v[0]), float(v[1])), kw
    for region in ds.get("SequenceOfUltrasoundRegions", []) or []:
        # Physical Units 3 = cm; Physical Delta X/Y are cm per pixel.
        ux, uy = region.get("PhysicalUnitsXDirection", None), region.get("PhysicalUnitsYDirection", None)
        dx, dy = _f(region, "PhysicalDeltaX"), _f(region, "PhysicalDeltaY")
        if ux == 3 and uy == 3 and dx and dy and dx > 0 and dy > 0:
            return (10.0 * abs(dy), 10.0 * abs(dx)), "SequenceOfUltrasoundRegions"
    return (1.0, 1.0), "none (1 mm assumed: no pixel spacing tag)"


def _read_volume(
    items: list[tuple[Path, Any]],
    info: SeriesInfo,
    root: Path,
    suv: bool,
    weight_kg: float | None,
    injected_dose_bq: float | None,
    rtol: float,
) -> Image:
    files = [f for f, _ in items]
    dss = [ds for _, ds in items]
    missing = [f.name for f, ds in items if _vec(ds, "ImagePositionPatient", 3) is None
               or _vec(ds, "ImageOrientationPatient", 6) is None]
    if missing:
        raise DicomError(
            f"{len(missing)} file(s) of series {info.series_uid} lack Image Position/Orientation "
            f"(Patient) ({', '.join(missing[:5])}), so the slices cannot be stacked; read a "
            "single file as a 2D image instead."
        )
    iops = np.array([_vec(ds, "ImageOrientationPatient", 6) for ds in dss])
    if np.abs(iops - iops[0]).max() > 1e-4:
        bad = int(np.argmax(np.abs(iops - iops[0]).max(axis=1)))
        raise DicomError(
            f"series {info.series_uid} mixes slice orientations ({files[0].name}: "
            f"{iops[0].round(4).tolist()} vs {files[bad].name}: {iops[bad].round(4).tolist()}); "
            "it holds several stacks (e.g. localisers). Move the files of one stack to their "
            "own folder and read that."
        )
    sizes = {(int(ds.Rows), int(ds.Columns)) for ds in dss}
    ps = np.array([_vec(ds, "PixelSpacing", 2) if _vec(ds, "PixelSpacing", 2) is not None
                   else (np.nan, np.nan) for ds in dss])
    if len(sizes) > 1 or not np.allclose(ps, ps[0], rtol=1e-4, equal_nan=True):
        raise DicomError(
            f"series {info.series_uid} mixes image sizes {sorted(sizes)} or pixel spacings; "
            "move the files of one stack to their own folder and read that."
        )
    d = orientation(iops[0])
    normal = d[:, 2]
    ipps = np.array([_vec(ds, "ImagePositionPatient", 3) for ds in dss])
    pos = ipps @ normal
    order = np.argsort(pos, kind="stable")
    files = [files[i] for i in order]
    dss = [dss[i] for i in order]
    ipps, pos = ipps[order], pos[order]
    steps = np.diff(pos)
    labels = [_describe(ds, f) for f, ds in zip(files, dss)]
    median = float(np.median(steps))
    dup = np.flatnonzero(steps <= max(1e-4, 1e-3 * abs(median)))
    if dup.size:
        pairs = "; ".join(f"{labels[i]} and {labels[i + 1]} at {pos[i]:.3f} mm" for i in dup[:5])
        raise DicomError(
            f"series {info.series_uid} has {dup.size} duplicate slice position(s): {pairs}. "
            "The series holds several images per position (repeated acquisitions, echoes, "
            "time points or phases). Split it by Acquisition Number / Echo Number / "
            "Temporal Position into separate folders and read one."
        )
    bad = np.flatnonzero(np.abs(steps - median) > rtol * median)
    if bad.size:
        raise MissingSliceError(_gap_message(info, pos, steps, median, bad, labels, rtol))
    sz = float((pos[-1] - pos[0]) / (len(pos) - 1))
    inplane = (ipps - ipps[0]) - np.outer(pos - pos[0], normal)
    shear = float(np.linalg.norm(inplane, axis=1).max())
    psx = ps[0] if not np.isnan(ps[0]).any() else np.array([1.0, 1.0])
    if shear > 0.1 * float(min(psx)) + 1e-3:
        raise DicomError(
            f"series {info.series_uid} is sheared: slice positions drift {shear:.2f} mm within "
            "the slice plane (gantry tilt or oblique stacking), which a voxel grid with "
            "orthogonal axes cannot represent. Correct the tilt first (e.g. dcm2niix, which "
            "resamples tilted CT) and read the result as NIfTI."
        )
    vol = np.empty((len(files), int(dss[0].Rows), int(dss[0].Columns)), dtype=np.float64)
    full = []
    for k, f in enumerate(files):
        ds, arr = _pixels(f)
        if arr.ndim != 2:
            raise DicomError(f"expected a single grey 2D frame in {f}, got shape {arr.shape}")
        if str(ds.get("PhotometricInterpretation", "")).upper() == "MONOCHROME1":
            arr = _monochrome1_to_2(ds, arr)
        vol[k] = _rescale(ds, arr)
        full.append(ds)
    md = _metadata(dss[0], root, len(files))
    modality = info.modality or "OT"
    if modality.upper() == "CT":
        md["units"] = "HU"
    if modality.upper() == "PT":
        vol = _apply_suv(full, vol, md, suv, weight_kg, injected_dose_bq)
    if str(dss[0].get("PhotometricInterpretation", "")).upper() == "MONOCHROME1":
        md["conversions"] = ("MONOCHROME1 inverted to MONOCHROME2",)
    md["pixel_spacing_source"] = "PixelSpacing" if not np.isnan(ps[0]).any() else "none (1 mm assumed)"
    return Image(
        array=vol,
        spacing=(sz, float(psx[0]), float(psx[1])),
        origin=(float(ipps[0, 2]), float(ipps[0, 1]), float(ipps[0, 0])),
        direction=tuple(float(x) for x in d.ravel()),
        is_2d=False,
        modality=modality,
        metadata=md,
    )


def _gap_message(
    info: SeriesInfo, pos: np.ndarray, steps: np.ndarray, median: float, bad: np.ndarray,
    labels: list[str], rtol: float,
) -> str:
    parts = []
    for i in bad[:5]:
        ratio = steps[i] / median
        n = int(round(ratio))
        where = f"between {labels[i]} at {pos[i]:.3f} mm and {labels[i + 1]} at {pos[i + 1]:.3f} mm"
        if n >= 2 and abs(ratio - n) <= rtol * n:
            parts.append(f"{n - 1} slice(s) missing {where}")
        else:
            parts.append(f"irregular step of {steps[i]:.3f} mm {where}")
    more = f" (and {bad.size - 5} more)" if bad.size > 5 else ""
    return (
        f"series {info.series_uid} ({info.modality}, {info.n_files} files) is not a regular "
        f"stack (positions along the slice normal): the usual slice step is {median:.3f} mm, "
        "but " + "; ".join(parts) + more
        + ". Check that the folder holds every file of the series (re-export it complete from "
        "the PACS); radiome does not interpolate missing slices. If the spacing is irregular "
        "by design, convert the series with a tool that resamples it (e.g. dcm2niix) and read "
        "the NIfTI, or raise spacing_tolerance if the deviation is only rounding."
    )
