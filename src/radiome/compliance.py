"""The built-in IBSI compliance check.

IBSI 1: runs radiome on the IBSI-1 digital phantom and on the IBSI-1 CT phantom under
configurations A to E, and compares every value with the IBSI reference tables
(``reference value;tolerance;tag``). A value matches when it lies within the tolerance of the
reference after rounding to three significant digits, the precision of the reference values.

IBSI 2 (convolutional filters, arXiv:2006.05470):

* phase 1 (:func:`check_ibsi2_phase1`): the response map of each test filter on its digital
  phantom must match the reference response map ``<id>-ValidCRM.nii`` in every voxel within
  1% of the reference map's range (max - min), for every reference map the data set holds
  (1.A1 ... 10.B1, the Riesz-transformed filters 9.A, 9.B1 and 10.B1 included). A test whose
  filter function is missing is reported as not implemented, never left out.
* phase 2 (:func:`check_ibsi2_phase2`): intensity statistics of the response maps of the
  IBSI-2 CT phantom under configurations ``<n>.A`` (2D: slice-by-slice filters, no
  interpolation) and ``<n>.B`` (3D: 1 mm tricubic-spline interpolation), every value within the
  tolerance of ``reference_values.csv`` (``filter_id;feature;feature_tag;consensus_value;
  tolerance``). Filter 1 is no filter (the original image).

The IBSI-2 test parameters (phantom, filter, boundary condition, configuration) are those of
the manual's test tables, as reproduced by MIRP (oncoray/mirp, test/ibsi_2_*_test.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from radiome.config.filters import (
    FilterSettings,
    GaborFilterSettings,
    LawsFilterSettings,
    LoGFilterSettings,
    MeanFilterSettings,
    SimoncelliFilterSettings,
    WaveletFilterSettings,
)
from radiome.config.settings import ExtractionSettings, InterpolationSettings, ResegmentationSettings
from radiome.errors import InputError

__all__ = [
    "IBSI1_CASES", "Miss", "CaseReport", "find_ibsi_data", "read_reference", "within_tolerance",
    "check_case", "run_ibsi1",
    "compare", "family_of",
    "ResponseMapCase", "ResponseMapReport", "IBSI2_PHASE1_CASES", "IBSI2_PHASE1_TOLERANCE", "check_ibsi2_phase1",
    "FilteredFeatureCase", "IBSI2_PHASE2_CASES", "IBSI2_PHASE2_SETTINGS", "read_ibsi2_reference",
    "check_ibsi2_phase2", "filter_available",
]

#: case name -> (reference table, preset, image path, mask path) relative to the ibsi folder.
IBSI1_CASES: dict[str, tuple[str, str, str, str]] = {
    "digital-phantom": (
        "ibsi_1_dig_phantom", "ibsi1-digital-phantom",
        "ibsi_1_digital_phantom/nifti/image/phantom.nii.gz", "ibsi_1_digital_phantom/nifti/mask/mask.nii.gz",
    ),
    **{
        f"config-{c}": (
            f"ibsi_1_chest_config_{c}", f"ibsi1-config-{c}",
            "ibsi_1_ct_radiomics_phantom/nifti/image/phantom.nii.gz",
            "ibsi_1_ct_radiomics_phantom/nifti/mask/mask.nii.gz",
        )
        for c in "abcde"
    },
}

_FAMILY_OF_PREFIX = {
    "morph_mask": "diagnostics", "morph": "morphology", "loc": "local intensity",
    "stat": "intensity statistics", "ih": "intensity histogram", "ivh": "intensity-volume histogram",
    "cm": "GLCM", "rlm": "GLRLM", "szm": "GLSZM", "dzm": "GLDZM", "ngt": "NGTDM", "ngl": "NGLDM",
}


def family_of(tag: str) -> str:
    """Reporting group of a compliance tag (diagnostic tags go to 'diagnostics')."""
    for prefix, name in _FAMILY_OF_PREFIX.items():
        if tag.startswith(prefix + "_"):
            return name
    return "diagnostics"


@dataclass(frozen=True)
class Miss:
    """A reference value not reproduced: computed value None means not computed."""

    tag: str
    value: float | None
    reference: float
    tolerance: float


@dataclass(frozen=True)
class CaseReport:
    """Per-family counts (reference values, computed, within tolerance) and every miss."""

    case: str
    counts: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    misses: tuple[Miss, ...] = ()
    note: str = ""
    """Why values were not computed (e.g. a filter radiome does not provide), else empty."""

    @property
    def total(self) -> tuple[int, int, int]:
        n = [sum(c[i] for c in self.counts.values()) for i in range(3)]
        return n[0], n[1], n[2]

    @property
    def passed(self) -> bool:
        n, _, ok = self.total
        return n == ok


def find_ibsi_data(data: str | Path) -> Path:
    """Locate the IBSI data folder from DIR, DIR/data/ibsi or DIR/ibsi."""
    base = Path(data)
    for cand in (base, base / "ibsi", base / "data" / "ibsi"):
        if (cand / "reference" / "ibsi_1").is_dir() or (cand / "reference" / "ibsi_2").is_dir():
            return cand
    raise InputError(
        f"no IBSI data under {base}: expected a folder with reference/ibsi_1/*.csv and/or "
        "reference/ibsi_2/ and the phantoms (the IBSI data sets from "
        "https://github.com/theibsi/data_sets)"
    )


def read_reference(path: str | Path) -> dict[str, tuple[float, float]]:
    """An IBSI reference table as {tag: (value, tolerance)}; tags without consensus left out."""
    out: dict[str, tuple[float, float]] = {}
    for line in Path(path).read_text().splitlines()[1:]:
        parts = line.strip().split(";")
        if len(parts) != 3 or parts[0].strip() == "":
            continue
        out[parts[2]] = (float(parts[0]), float(parts[1] or 0.0))
    return out


def within_tolerance(value: float | None, reference: float, tolerance: float) -> bool:
    """IBSI match: within tolerance as computed, or after rounding to 3 significant digits."""
    if value is None or not math.isfinite(value):
        return False
    if abs(value - reference) <= tolerance:
        return True
    if value == 0:
        return False
    digits = 2 - int(math.floor(math.log10(abs(value))))
    return abs(round(value, digits) - reference) <= tolerance + 1e-12


def check_case(name: str, ibsi_dir: Path) -> CaseReport:
    """Run one IBSI-1 case and compare it with its reference table."""
    from radiome.extraction import extract_files

    table, preset_name, image, mask = IBSI1_CASES[name]
    reference = read_reference(ibsi_dir / "reference" / "ibsi_1" / f"{table}.csv")
    result = extract_files(ibsi_dir / image, ibsi_dir / mask, preset_name, naming="ibsi", image_diagnostics=True)
    return compare(name, reference, result.as_dict(diagnostics=True))


def compare(
    name: str, reference: dict[str, tuple[float, float]], computed: dict[str, float], note: str = ""
) -> CaseReport:
    """Compare computed values with a reference table {tag: (value, tolerance)}, per family."""
    counts: dict[str, list[int]] = {}
    misses = []
    for tag, (ref, tol) in reference.items():
        fam = family_of(tag)
        c = counts.setdefault(fam, [0, 0, 0])
        c[0] += 1
        value = computed.get(tag)
        if value is not None and math.isfinite(value):
            c[1] += 1
        if within_tolerance(value, ref, tol):
            c[2] += 1
        else:
            misses.append(Miss(tag, value, ref, tol))
    return CaseReport(name, {k: (v[0], v[1], v[2]) for k, v in counts.items()}, tuple(misses), note)


def run_ibsi1(data: str | Path, cases: list[str] | None = None) -> list[CaseReport]:
    """Run the IBSI-1 compliance cases (all by default) on the data in ``data``."""
    ibsi_dir = find_ibsi_data(data)
    return [check_case(name, ibsi_dir) for name in (cases or list(IBSI1_CASES))]


# ---------------------------------------------------------------------------------------------
# IBSI 2: convolutional filters
# ---------------------------------------------------------------------------------------------


def filter_available(settings: FilterSettings) -> bool:
    """Whether the filter function of ``settings`` can be imported (:mod:`radiome.filters.variants`)."""
    import importlib

    from radiome.filters.variants import filter_function

    module, name = filter_function(settings)
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


@dataclass(frozen=True)
class ResponseMapCase:
    """One IBSI-2 phase-1 test: a digital phantom, a filter and its reference response map.

    ``filter`` is ``None`` for a test of a filter radiome does not provide; ``note`` says which.
    """

    test_id: str
    phantom: str
    filter: FilterSettings | None
    note: str = ""

    @property
    def reference_file(self) -> str:
        """File name of the reference map: ``'1.A1'`` -> ``'1_a_1-ValidCRM.nii'``."""
        number, rest = self.test_id.split(".")
        parts = [number, rest[0].lower()] + ([rest[1:]] if rest[1:] else [])
        return "_".join(parts) + "-ValidCRM.nii"


def _p1(test_id: str, phantom: str, flt: FilterSettings | None, note: str = "") -> tuple[str, ResponseMapCase]:
    return test_id, ResponseMapCase(test_id, phantom, flt, note)


#: IBSI-2 phase 1: test id -> phantom and filter (IBSI 2 manual, phase 1 test table).
IBSI2_PHASE1_CASES: dict[str, ResponseMapCase] = dict([
    *(
        _p1(f"1.A{i}", "checkerboard", MeanFilterSettings(support=15, dimensions="3D", boundary=b))
        for i, b in enumerate(("constant", "nearest", "periodic", "mirror"), start=1)
    ),
    _p1("1.B1", "impulse", MeanFilterSettings(support=15, dimensions="2D", boundary="constant")),
    _p1("2.A", "impulse", LoGFilterSettings(sigma_mm=3.0, truncate=4.0, dimensions="3D", boundary="constant")),
    _p1("2.B", "checkerboard", LoGFilterSettings(sigma_mm=5.0, truncate=4.0, dimensions="3D", boundary="mirror")),
    _p1("2.C", "checkerboard", LoGFilterSettings(sigma_mm=5.0, truncate=4.0, dimensions="2D", boundary="mirror")),
    *(
        _p1(
            f"3.{letter}{i}", phantom,
            LawsFilterSettings(
                kernels=kernels, boundary=boundary, rotation_invariant=i > 1, pooling="max",
                energy_distance=7 if i == 3 else None,
            ),
        )
        for letter, kernels, boundary, phantom in (
            ("A", "E5L5S5", "constant", "impulse"),
            ("B", "E3W5R5", "mirror", "checkerboard"),
            ("C", "L5S5", "mirror", "checkerboard"),
        )
        for i in (1, 2, 3)
    ),
    _p1("4.A1", "impulse", GaborFilterSettings(
        sigma_mm=10.0, lambda_mm=4.0, gamma=0.5, theta_deg=60.0, dimensions="2D", boundary="constant",
    )),
    _p1("4.A2", "impulse", GaborFilterSettings(
        sigma_mm=10.0, lambda_mm=4.0, gamma=0.5, rotation_invariant=True, theta_step_deg=45.0,
        pooling="mean", dimensions="3D", boundary="constant",
    )),
    _p1("4.B1", "sphere", GaborFilterSettings(
        sigma_mm=20.0, lambda_mm=8.0, gamma=2.5, theta_deg=225.0, dimensions="2D", boundary="mirror",
    )),
    _p1("4.B2", "sphere", GaborFilterSettings(
        sigma_mm=20.0, lambda_mm=8.0, gamma=2.5, rotation_invariant=True, theta_step_deg=22.5,
        pooling="mean", dimensions="3D", boundary="mirror",
    )),
    _p1("5.A1", "impulse", WaveletFilterSettings(wavelet="db2", response="LHL", level=1, boundary="constant")),
    _p1("5.A2", "impulse", WaveletFilterSettings(
        wavelet="db2", response="LHL", level=1, rotation_invariant=True, pooling="mean", boundary="constant",
    )),
    _p1("6.A1", "sphere", WaveletFilterSettings(wavelet="coif1", response="HHL", level=1, boundary="periodic")),
    _p1("6.A2", "sphere", WaveletFilterSettings(
        wavelet="coif1", response="HHL", level=1, rotation_invariant=True, pooling="mean", boundary="periodic",
    )),
    _p1("7.A1", "checkerboard", WaveletFilterSettings(
        wavelet="haar", response="LLL", level=2, rotation_invariant=True, pooling="mean", boundary="mirror",
    )),
    _p1("7.A2", "checkerboard", WaveletFilterSettings(
        wavelet="haar", response="HHH", level=2, rotation_invariant=True, pooling="mean", boundary="mirror",
    )),
    *(
        _p1(f"8.A{level}", "checkerboard", SimoncelliFilterSettings(level=level, dimensions="3D", boundary="periodic"))
        for level in (1, 2, 3)
    ),
    _p1("9.A", "impulse", LoGFilterSettings(
        sigma_mm=3.0, truncate=4.0, riesz_order=(1, 0, 0), dimensions="3D", boundary="constant",
    )),
    _p1("9.B1", "sphere", LoGFilterSettings(
        sigma_mm=3.0, truncate=4.0, riesz_order=(0, 2, 0), dimensions="3D", boundary="constant",
    )),
    _p1("10.B1", "pattern_1", SimoncelliFilterSettings(
        level=1, riesz_order=(0, 2, 0), dimensions="3D", boundary="nearest",
    )),
])

#: Fraction of the reference map's range within which every voxel must lie (IBSI 2).
IBSI2_PHASE1_TOLERANCE = 0.01

Status = Literal["pass", "fail", "not implemented", "missing data"]


@dataclass(frozen=True)
class ResponseMapReport:
    """The outcome of one IBSI-2 phase-1 test.

    ``deviation`` is the largest absolute voxel difference divided by the reference map's
    range; the test passes when it is at most ``tolerance`` (0.01). It is ``None`` when the
    map was not computed (``status`` 'not implemented' or 'missing data', see ``detail``).
    """

    test_id: str
    phantom: str
    variant: str | None
    status: Status
    deviation: float | None = None
    tolerance: float = IBSI2_PHASE1_TOLERANCE
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def check_ibsi2_phase1(ibsi_dir: str | Path, test_ids: list[str] | None = None) -> list[ResponseMapReport]:
    """Run IBSI-2 phase-1 tests (all by default) and compare each map with its reference.

    Parameters
    ----------
    ibsi_dir : path
        The IBSI data folder (with ``ibsi_2_digital_phantom`` and ``reference/ibsi_2``), or a
        folder containing it (see :func:`find_ibsi_data`).
    test_ids : list of str, optional
        Ids of :data:`IBSI2_PHASE1_CASES` (``'1.A1'``, ``'2.B'``, ...).

    Returns
    -------
    list of ResponseMapReport
        One per test, in the order asked; tests of filters radiome lacks are reported with
        status 'not implemented', never left out.
    """
    import numpy as np

    from radiome.errors import ConfigError
    from radiome.filters.variants import apply_filter
    from radiome.io import read_image

    base = find_ibsi_data(ibsi_dir)
    ids = list(test_ids) if test_ids else list(IBSI2_PHASE1_CASES)
    unknown = [t for t in ids if t not in IBSI2_PHASE1_CASES]
    if unknown:
        raise ConfigError(f"unknown IBSI-2 phase-1 test id(s) {unknown}; valid: {', '.join(IBSI2_PHASE1_CASES)}")
    reports = []
    for test_id in ids:
        case = IBSI2_PHASE1_CASES[test_id]
        variant = case.filter.name if case.filter is not None else None
        if case.filter is None or not filter_available(case.filter):
            kind = case.filter.kind if case.filter is not None else "?"
            detail = case.note or f"the '{kind}' filter is not available in this radiome"
            reports.append(ResponseMapReport(test_id, case.phantom, variant, "not implemented", detail=detail))
            continue
        phantom = base / "ibsi_2_digital_phantom" / "nifti" / case.phantom / "image" / f"{case.phantom}.nii.gz"
        reference_path = base / "reference" / "ibsi_2" / "response_maps" / case.reference_file
        missing = [str(p) for p in (phantom, reference_path) if not p.is_file()]
        if missing:
            reports.append(ResponseMapReport(
                test_id, case.phantom, variant, "missing data", detail=f"not found: {', '.join(missing)}",
            ))
            continue
        result = apply_filter(read_image(phantom), case.filter).array
        reference = np.asarray(read_image(reference_path).array, dtype=np.float64)
        if result.shape != reference.shape:
            reports.append(ResponseMapReport(
                test_id, case.phantom, variant, "fail",
                detail=f"response map shape {result.shape} differs from the reference {reference.shape}",
            ))
            continue
        span = float(reference.max() - reference.min())
        diff = float(np.max(np.abs(result - reference)))
        deviation = diff / span if span > 0 else (0.0 if diff == 0 else math.inf)
        status: Status = "pass" if deviation <= IBSI2_PHASE1_TOLERANCE else "fail"
        detail = f"max |difference| {diff:.4g}, reference range {span:.4g}"
        reports.append(ResponseMapReport(test_id, case.phantom, variant, status, deviation, detail=detail))
    return reports



@dataclass(frozen=True)
class FilteredFeatureCase:
    """One IBSI-2 phase-2 configuration: a filter (``None``: the original image) and 2D/3D."""

    filter_id: str
    configuration: Literal["A", "B"]
    filter: FilterSettings | None


_RESEG = ResegmentationSettings(range=(-1000.0, 400.0))

#: IBSI-2 phase-2 processing: 'A' 2D (no interpolation, filters slice by slice) and 'B' 3D
#: (1 x 1 x 1 mm, tricubic spline image, trilinear mask with partial-volume threshold 0.5,
#: intensities rounded); CT read as float and rounded; re-segmentation [-1000, 400] HU;
#: intensity statistics of the image (filter 1) and of every response map.
IBSI2_PHASE2_SETTINGS: dict[str, ExtractionSettings] = {
    "A": ExtractionSettings(
        round_input=True,
        interpolation=InterpolationSettings(),
        resegmentation=_RESEG,
        families=("intensity_statistics",),
        response_map_families=("intensity_statistics",),
    ),
    "B": ExtractionSettings(
        round_input=True,
        interpolation=InterpolationSettings(
            spacing_xyz=(1.0, 1.0, 1.0), image_method="cubic", mask_method="linear",
            mask_threshold=0.5, round_intensities=True,
        ),
        resegmentation=_RESEG,
        families=("intensity_statistics",),
        response_map_families=("intensity_statistics",),
    ),
}


def _phase2_filter(number: int, configuration: str) -> FilterSettings | None:
    two_d = configuration == "A"
    dims = "2D" if two_d else "3D"
    if number == 1:
        return None
    if number == 2:
        return MeanFilterSettings(support=5, dimensions=dims)
    if number == 3:
        return LoGFilterSettings(sigma_mm=1.5, truncate=4.0, dimensions=dims)
    if number == 4:
        return LawsFilterSettings(
            kernels="L5E5" if two_d else "L5E5E5", rotation_invariant=True, pooling="max", energy_distance=7,
        )
    if number == 5:
        return GaborFilterSettings(
            sigma_mm=5.0, lambda_mm=2.0, gamma=1.5, rotation_invariant=True, theta_step_deg=22.5,
            pooling="mean", dimensions=dims,
        )
    if number in (6, 7):
        response = ("LH" if two_d else "LLH") if number == 6 else ("HH" if two_d else "HHH")
        return WaveletFilterSettings(
            wavelet="db3", response=response, level=number - 5, rotation_invariant=True, pooling="mean",
        )
    # Fourier-domain filter on the image grid itself (periodic): MIRP, whose values are within
    # the consensus, does not pad for it; mirror padding misses 8.A stat_qcod and 9.B stat_median.
    return SimoncelliFilterSettings(level=number - 7, dimensions=dims, boundary="periodic")


#: IBSI-2 phase 2: filter id -> configuration and filter (IBSI 2 manual, phase 2 test table);
#: the mirror boundary condition for all but the Simoncelli wavelets (periodic, see above).
IBSI2_PHASE2_CASES: dict[str, FilteredFeatureCase] = {
    f"{n}.{c}": FilteredFeatureCase(f"{n}.{c}", c, _phase2_filter(n, c))  # type: ignore[arg-type]
    for n in range(1, 10)
    for c in "AB"
}


def read_ibsi2_reference(path: str | Path) -> dict[str, dict[str, tuple[float, float]]]:
    """IBSI-2 phase-2 reference values as {filter_id: {tag: (value, tolerance)}}.

    Reads ``filter_id;feature;feature_tag;consensus_value;tolerance``; values without a
    consensus (empty cells) are left out.
    """
    out: dict[str, dict[str, tuple[float, float]]] = {}
    lines = Path(path).read_text().splitlines()
    header = [h.strip() for h in lines[0].split(";")]
    try:
        i_id, i_tag = header.index("filter_id"), header.index("feature_tag")
        i_val, i_tol = header.index("consensus_value"), header.index("tolerance")
    except ValueError:
        raise InputError(
            f"{path} is not an IBSI-2 reference table: expected the columns "
            f"filter_id;feature;feature_tag;consensus_value;tolerance, got {header}"
        ) from None
    for line in lines[1:]:
        parts = line.strip().split(";")
        if len(parts) < len(header) or parts[i_val].strip() == "":
            continue
        out.setdefault(parts[i_id], {})[parts[i_tag]] = (float(parts[i_val]), float(parts[i_tol] or 0.0))
    return out


def check_ibsi2_phase2(ibsi_dir: str | Path, filter_ids: list[str] | None = None) -> list[CaseReport]:
    """Run IBSI-2 phase-2 configurations (all by default) on the IBSI-2 CT phantom.

    The filters of one configuration (A or B) run as the filtered variants of a single
    :func:`radiome.extraction.extract` call, exactly as a user would configure them.

    Parameters
    ----------
    ibsi_dir : path
        The IBSI data folder (with ``ibsi_2_ct_radiomics_phantom`` and ``reference/ibsi_2``),
        or a folder containing it.
    filter_ids : list of str, optional
        Ids of :data:`IBSI2_PHASE2_CASES` (``'1.A'`` ... ``'9.B'``).

    Returns
    -------
    list of CaseReport
        One per filter id (``case`` is the id), in the order asked; a filter radiome lacks
        gives a report whose values are all 'not computed' and whose ``note`` says why.
    """
    from radiome.errors import ConfigError
    from radiome.extraction import extract_files, variant_column

    base = find_ibsi_data(ibsi_dir)
    ids = list(filter_ids) if filter_ids else list(IBSI2_PHASE2_CASES)
    unknown = [i for i in ids if i not in IBSI2_PHASE2_CASES]
    if unknown:
        raise ConfigError(f"unknown IBSI-2 phase-2 filter id(s) {unknown}; valid: {', '.join(IBSI2_PHASE2_CASES)}")
    reference = read_ibsi2_reference(base / "reference" / "ibsi_2" / "reference_values.csv")
    image = base / "ibsi_2_ct_radiomics_phantom" / "nifti" / "image" / "phantom.nii.gz"
    mask = base / "ibsi_2_ct_radiomics_phantom" / "nifti" / "mask" / "mask.nii.gz"
    computed: dict[str, dict[str, float]] = {}
    notes: dict[str, str] = {}
    for configuration in ("A", "B"):
        cases = [IBSI2_PHASE2_CASES[i] for i in ids if IBSI2_PHASE2_CASES[i].configuration == configuration]
        if not cases:
            continue
        filters = []
        for c in cases:
            if c.filter is not None and not filter_available(c.filter):
                notes[c.filter_id] = f"the '{c.filter.kind}' filter is not available in this radiome"
            elif c.filter is not None:
                filters.append(c.filter)
        include_original = any(c.filter is None for c in cases)
        if not filters and not include_original:
            continue
        settings = IBSI2_PHASE2_SETTINGS[configuration].model_copy(
            update={"filters": tuple(filters), "include_original": include_original}
        )
        values = extract_files(image, mask, settings, naming="ibsi").as_dict()
        for c in cases:
            if c.filter_id in notes:
                continue
            variant = "original" if c.filter is None else c.filter.name
            computed[c.filter_id] = {
                tag: values[variant_column(variant, tag)]
                for tag in reference.get(c.filter_id, {})
                if variant_column(variant, tag) in values
            }
    return [
        compare(i, reference.get(i, {}), computed.get(i, {}), notes.get(i, ""))
        for i in ids
    ]
