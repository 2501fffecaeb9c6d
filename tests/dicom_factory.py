"""Small synthetic DICOM files for the radiome.io.dicom tests (pydicom; highdicom for SEG).

Everything is deterministic: UIDs come from ``uid(seed, ...)`` and pixel values from seeded
generators, and files are written under a folder the test owns (``tmp_path``). Geometry is
described by :class:`Geometry`: ``origin`` is the patient position (x, y, z) in mm of the
first voxel of the first slice, ``spacing`` is ``(z, y, x)`` in mm, ``iop`` the Image
Orientation (Patient) of every slice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
PET_IMAGE = "1.2.840.10008.5.1.4.1.1.128"
MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"
DX_IMAGE = "1.2.840.10008.5.1.4.1.1.1.1"
US_IMAGE = "1.2.840.10008.5.1.4.1.1.6.1"
RTSTRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
SOP_BY_MODALITY = {"CT": CT_IMAGE, "PT": PET_IMAGE, "MR": MR_IMAGE, "DX": DX_IMAGE, "US": US_IMAGE}


def uid(seed: int, *parts: object) -> str:
    """A deterministic UID for ``(seed, *parts)``."""
    return generate_uid(entropy_srcs=[str(seed), *map(str, parts)])


@dataclass(frozen=True)
class Geometry:
    """Voxel grid of a synthetic series (see module docstring)."""

    shape: tuple[int, int, int] = (8, 16, 16)
    spacing: tuple[float, float, float] = (2.5, 0.8, 0.7)
    origin: tuple[float, float, float] = (-30.2, 12.4, -101.3)
    iop: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)

    @property
    def axes(self) -> np.ndarray:
        """Columns: row direction, column direction, normal."""
        r, c = np.array(self.iop[:3]), np.array(self.iop[3:])
        return np.column_stack([r, c, np.cross(r, c)])

    def ipp(self, k: float) -> np.ndarray:
        """Image Position (Patient) of slice ``k`` (may be fractional)."""
        return np.array(self.origin) + k * self.spacing[0] * self.axes[:, 2]

    def to_physical(self, ijk: np.ndarray) -> np.ndarray:
        """Physical (x, y, z) mm of continuous indices given as (..., 3) in (x, y, z) order."""
        s = np.array([self.spacing[2], self.spacing[1], self.spacing[0]])
        return np.asarray(ijk, float) * s @ self.axes.T + np.array(self.origin)

    @property
    def direction(self) -> tuple[float, ...]:
        return tuple(self.axes.ravel())


@dataclass
class Study:
    """Identifiers shared by the series of one synthetic patient."""

    seed: int = 0
    patient_id: str = "SYN_001"
    study_uid: str = ""
    for_uid: str = ""
    study_date: str = "20240102"
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.study_uid = self.study_uid or uid(self.seed, "study")
        self.for_uid = self.for_uid or uid(self.seed, "for")


def _file_dataset(path: Path, sop_class: str, sop_uid: str) -> FileDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    return ds


def save(ds: Dataset, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if int(pydicom.__version__.split(".")[0]) >= 3:
        pydicom.dcmwrite(path, ds, enforce_file_format=True)
    else:  # pragma: no cover - pydicom 2.x
        pydicom.dcmwrite(path, ds, write_like_original=False)
    return path


def _patient_study(ds: Dataset, study: Study) -> None:
    ds.PatientName = "Synthetic^Patient"
    ds.PatientID = study.patient_id
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID = study.study_uid
    ds.StudyID = "1"
    ds.StudyDate = study.study_date
    ds.StudyTime = "080000"
    ds.AccessionNumber = "A1"
    ds.ReferringPhysicianName = ""
    ds.Manufacturer = "radiome-tests"


def write_series(
    folder: Path,
    stored: np.ndarray,
    *,
    study: Study | None = None,
    geometry: Geometry | None = None,
    modality: str = "CT",
    series_uid: str | None = None,
    series_number: int = 1,
    description: str = "synthetic",
    slope: float | Sequence[float] = 1.0,
    intercept: float = 0.0,
    slice_indices: Sequence[float] | None = None,
    photometric: str = "MONOCHROME2",
    extra: Callable[[Dataset, int], None] | None = None,
    shuffle_seed: int | None = 1,
) -> list[Path]:
    """Write ``stored`` (z, y, x, int16 stored values) as one file per slice.

    ``slice_indices`` gives the (possibly fractional or gapped) position of each slice in
    units of the slice spacing (default ``0..n-1``). Files are named in a shuffled order
    and instance numbers follow the file order, so readers must sort by position.
    """
    study = study or Study()
    geometry = geometry or Geometry(shape=stored.shape)
    series_uid = series_uid or uid(study.seed, "series", modality, series_number)
    nz, ny, nx = stored.shape
    ks = list(range(nz)) if slice_indices is None else list(slice_indices)
    slopes = np.broadcast_to(np.asarray(slope, dtype=float), (nz,))
    order = list(range(nz))
    if shuffle_seed is not None:
        np.random.default_rng(shuffle_seed).shuffle(order)
    sop_class = SOP_BY_MODALITY.get(modality, CT_IMAGE)
    paths = []
    for n, z in enumerate(order):
        sop_uid = uid(study.seed, series_uid, z)
        path = Path(folder) / f"IM{n:04d}.dcm"
        ds = _file_dataset(path, sop_class, sop_uid)
        _patient_study(ds, study)
        ds.Modality = modality
        ds.SeriesInstanceUID = series_uid
        ds.SeriesNumber = series_number
        ds.SeriesDescription = description
        ds.SeriesDate = study.study_date
        ds.SeriesTime = "090000"
        ds.FrameOfReferenceUID = study.for_uid
        ds.PositionReferenceIndicator = ""
        ds.InstanceNumber = n + 1
        ds.ImagePositionPatient = [round(float(v), 6) for v in geometry.ipp(ks[z])]
        ds.ImageOrientationPatient = [float(v) for v in geometry.iop]
        ds.PixelSpacing = [geometry.spacing[1], geometry.spacing[2]]
        ds.SliceThickness = geometry.spacing[0]
        ds.Rows, ds.Columns = ny, nx
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = photometric
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
        ds.PixelRepresentation = 1
        ds.RescaleSlope = f"{float(slopes[z]):.10g}"
        ds.RescaleIntercept = intercept
        ds.PixelData = np.ascontiguousarray(stored[z].astype("<i2")).tobytes()
        if extra is not None:
            extra(ds, z)
        paths.append(save(ds, path))
    return paths


def ct_volume(shape: tuple[int, int, int] = (8, 16, 16), seed: int = 0) -> np.ndarray:
    """Seeded HU values in [-1000, 1500] as int16."""
    rng = np.random.default_rng(seed)
    return rng.integers(-1000, 1500, size=shape).astype(np.int16)


def write_ct(folder: Path, hu: np.ndarray, **kw) -> list[Path]:
    """A CT series storing ``hu + 1024`` with Rescale Intercept -1024."""
    return write_series(folder, (hu.astype(np.int32) + 1024).astype(np.int16), intercept=-1024.0, **kw)


@dataclass(frozen=True)
class PetTags:
    """The PET header values that SUV depends on."""

    weight_kg: float | None = 75.0
    dose_bq: float | None = 370.0e6
    half_life_s: float | None = 6586.2
    injection_time: str | None = "081500.00"
    injection_datetime: str | None = None
    series_date: str = "20240102"
    series_time: str = "092730.00"
    acquisition_time: str | None = None
    units: str = "BQML"
    decay_correction: str = "START"


def apply_pet_tags(ds: Dataset, tags: PetTags) -> None:
    """Set Units, Decay Correction, weight and the radiopharmaceutical sequence on ``ds``."""
    ds.Units = tags.units
    ds.DecayCorrection = tags.decay_correction
    ds.SeriesDate = tags.series_date
    ds.SeriesTime = tags.series_time
    if tags.acquisition_time is not None:
        ds.AcquisitionDate = tags.series_date
        ds.AcquisitionTime = tags.acquisition_time
    if tags.weight_kg is not None:
        ds.PatientWeight = tags.weight_kg
    rp = Dataset()
    rp.Radiopharmaceutical = "Fluorodeoxyglucose"
    if tags.dose_bq is not None:
        rp.RadionuclideTotalDose = tags.dose_bq
    if tags.half_life_s is not None:
        rp.RadionuclideHalfLife = tags.half_life_s
    if tags.injection_time is not None:
        rp.RadiopharmaceuticalStartTime = tags.injection_time
    if tags.injection_datetime is not None:
        rp.RadiopharmaceuticalStartDateTime = tags.injection_datetime
    ds.RadiopharmaceuticalInformationSequence = [rp]


def pet_dataset(tags: PetTags) -> Dataset:
    """A header-only PET dataset for suv_factor tests."""
    ds = Dataset()
    ds.Modality = "PT"
    apply_pet_tags(ds, tags)
    return ds


def write_pet(folder: Path, activity: np.ndarray, tags: PetTags, **kw) -> tuple[list[Path], np.ndarray]:
    """A PET series of ``activity`` (Bq/ml) with a per-slice Rescale Slope (as scanners do).

    Returns the files and the activity exactly as stored (stored value x slope).
    """
    nz = activity.shape[0]
    slopes = np.array([float(f"{max(float(activity[k].max()), 1.0) / 32000.0:.10g}") for k in range(nz)])
    stored = np.round(activity / slopes[:, None, None]).astype(np.int16)
    paths = write_series(
        folder, stored, modality="PT", slope=slopes,
        extra=lambda ds, z: apply_pet_tags(ds, tags), **kw,
    )
    return paths, stored * slopes[:, None, None]


def elapsed_seconds(start: str, end: str, date: str = "20240102") -> float:
    """Seconds from ``start`` to ``end`` given as HHMMSS(.ff) on the same date."""
    fmt = "%Y%m%d%H%M%S.%f"
    a = datetime.strptime(date + (start if "." in start else start + ".0"), fmt)
    b = datetime.strptime(date + (end if "." in end else end + ".0"), fmt)
    return (b - a).total_seconds()


def write_2d(
    path: Path,
    stored: np.ndarray,
    *,
    modality: str = "DX",
    photometric: str = "MONOCHROME1",
    bits_stored: int = 12,
    imager_pixel_spacing: tuple[float, float] | None = (0.15, 0.2),
    pixel_spacing: tuple[float, float] | None = None,
    study: Study | None = None,
    seed: int = 0,
) -> Path:
    """A single-frame grey projection image (unsigned, ``bits_stored`` bits)."""
    study = study or Study(seed=seed)
    ds = _file_dataset(path, SOP_BY_MODALITY.get(modality, DX_IMAGE), uid(seed, "2d", path.name))
    _patient_study(ds, study)
    ds.Modality = modality
    ds.SeriesInstanceUID = uid(seed, "2d-series", path.name)
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, bits_stored, bits_stored - 1
    ds.PixelRepresentation = 0
    if imager_pixel_spacing is not None:
        ds.ImagerPixelSpacing = list(imager_pixel_spacing)
    if pixel_spacing is not None:
        ds.PixelSpacing = list(pixel_spacing)
    ds.PixelData = np.ascontiguousarray(stored.astype("<u2")).tobytes()
    return save(ds, path)


def write_rgb_us(
    path: Path, rgb: np.ndarray, *, delta_cm: tuple[float, float] = (0.02, 0.03), seed: int = 0
) -> Path:
    """A single-frame RGB ultrasound image with one calibrated region (Physical Delta X, Y)."""
    study = Study(seed=seed)
    ds = _file_dataset(path, US_IMAGE, uid(seed, "us", path.name))
    _patient_study(ds, study)
    ds.Modality = "US"
    ds.SeriesInstanceUID = uid(seed, "us-series", path.name)
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.Rows, ds.Columns = rgb.shape[:2]
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelRepresentation = 0
    region = Dataset()
    region.RegionSpatialFormat = 1
    region.RegionDataType = 1
    region.RegionLocationMinX0, region.RegionLocationMinY0 = 0, 0
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = rgb.shape[1] - 1, rgb.shape[0] - 1
    region.PhysicalUnitsXDirection = 3
    region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX, region.PhysicalDeltaY = delta_cm
    ds.SequenceOfUltrasoundRegions = [region]
    ds.PixelData = np.ascontiguousarray(rgb.astype(np.uint8)).tobytes()
    return save(ds, path)


def write_rtstruct(
    path: Path,
    rois: dict[str, list[np.ndarray]],
    *,
    study: Study | None = None,
    referenced_series_uid: str = "",
    for_uid: str | None = None,
    geometric_type: str = "CLOSED_PLANAR",
) -> Path:
    """An RTSTRUCT with one ROI per entry of ``rois``: name -> contours, each (N, 3) mm."""
    study = study or Study()
    ds = _file_dataset(path, RTSTRUCT, uid(study.seed, "rtstruct", path.name))
    _patient_study(ds, study)
    ds.Modality = "RTSTRUCT"
    ds.SeriesInstanceUID = uid(study.seed, "rtstruct-series", path.name)
    ds.SeriesNumber = 99
    ds.StructureSetLabel = "synthetic"
    ds.StructureSetDate = study.study_date
    ds.StructureSetTime = "100000"
    frame_uid = for_uid or study.for_uid
    ref_for = Dataset()
    ref_for.FrameOfReferenceUID = frame_uid
    if referenced_series_uid:
        series = Dataset()
        series.SeriesInstanceUID = referenced_series_uid
        st = Dataset()
        st.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"
        st.ReferencedSOPInstanceUID = study.study_uid
        st.RTReferencedSeriesSequence = [series]
        ref_for.RTReferencedStudySequence = [st]
    ds.ReferencedFrameOfReferenceSequence = [ref_for]
    ss, rc, obs = [], [], []
    for n, (name, contours) in enumerate(rois.items(), start=1):
        item = Dataset()
        item.ROINumber = n
        item.ReferencedFrameOfReferenceUID = frame_uid
        item.ROIName = name
        item.ROIGenerationAlgorithm = "MANUAL"
        ss.append(item)
        c_item = Dataset()
        c_item.ReferencedROINumber = n
        c_item.ROIDisplayColor = [255, 0, 0]
        seq = []
        for pts in contours:
            c = Dataset()
            c.ContourGeometricType = geometric_type
            c.NumberOfContourPoints = len(pts)
            c.ContourData = [f"{v:.6f}" for v in np.asarray(pts, float).ravel()]
            seq.append(c)
        c_item.ContourSequence = seq
        rc.append(c_item)
        o = Dataset()
        o.ObservationNumber = n
        o.ReferencedROINumber = n
        o.RTROIInterpretedType = "GTV"
        o.ROIInterpreter = ""
        obs.append(o)
    ds.StructureSetROISequence = ss
    ds.ROIContourSequence = rc
    ds.RTROIObservationsSequence = obs
    return save(ds, path)


def circle(centre_xy: tuple[float, float], radius: float, z: float, n: int = 2000) -> np.ndarray:
    """Closed polygon (n, 3) in mm approximating a circle in an axial plane at ``z``."""
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    return np.column_stack(
        [centre_xy[0] + radius * np.cos(t), centre_xy[1] + radius * np.sin(t), np.full(n, z)]
    )


def write_seg(
    path: Path,
    source_files: Sequence[Path],
    masks: dict[str, np.ndarray],
    *,
    fractional: np.ndarray | None = None,
    labelmap: bool = False,
    seed: int = 0,
) -> Path:
    """A DICOM SEG made with highdicom from ``source_files`` (sorted along the normal).

    ``masks`` maps segment labels to boolean (z, y, x) arrays in the order of the source
    slices (as sorted by position). With ``fractional`` (z, y, x, n_segments) floats in
    [0, 1] a FRACTIONAL SEG is written instead; with ``labelmap`` a LABELMAP SEG (the masks
    must not overlap).
    """
    import highdicom as hd
    from pydicom.sr.codedict import codes

    sources = [pydicom.dcmread(f) for f in source_files]
    normal = np.cross(
        np.array(sources[0].ImageOrientationPatient[:3], float),
        np.array(sources[0].ImageOrientationPatient[3:], float),
    )
    sources.sort(key=lambda d: float(np.dot(np.array(d.ImagePositionPatient, float), normal)))
    descriptions = []
    for n, label in enumerate(masks, start=1):
        descriptions.append(
            hd.seg.SegmentDescription(
                segment_number=n,
                segment_label=label,
                segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
                segmented_property_type=codes.SCT.Neoplasm,
                algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
            )
        )
    if fractional is not None:
        pixels, seg_type = fractional.astype(np.float32), hd.seg.SegmentationTypeValues.FRACTIONAL
    elif labelmap:
        pixels = sum((n * masks[k].astype(np.uint8) for n, k in enumerate(masks, start=1)))
        seg_type = hd.seg.SegmentationTypeValues.LABELMAP
    else:
        pixels = np.stack([masks[k] for k in masks], axis=-1).astype(np.uint8)
        seg_type = hd.seg.SegmentationTypeValues.BINARY
    seg = hd.seg.Segmentation(
        source_images=sources,
        pixel_array=pixels,
        segmentation_type=seg_type,
        segment_descriptions=descriptions,
        series_instance_uid=uid(seed, "seg-series", path.name),
        series_number=50,
        sop_instance_uid=uid(seed, "seg", path.name),
        instance_number=1,
        manufacturer="radiome-tests",
        manufacturer_model_name="factory",
        software_versions="0",
        device_serial_number="0",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    seg.save_as(path)
    return path
