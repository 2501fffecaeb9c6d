"""The built-in IBSI compliance check.

Runs radiome on the IBSI-1 digital phantom and on the IBSI-1 CT phantom under
configurations A to E, and compares every value with the IBSI reference tables
(``reference value;tolerance;tag``). A value matches when it lies within the tolerance of the
reference after rounding to three significant digits, the precision of the reference values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from radiome.errors import InputError

__all__ = ["IBSI1_CASES", "Miss", "CaseReport", "find_ibsi_data", "read_reference", "within_tolerance", "check_case", "run_ibsi1"]

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
        if (cand / "reference" / "ibsi_1").is_dir():
            return cand
    raise InputError(
        f"no IBSI data under {base}: expected a folder with reference/ibsi_1/*.csv and the "
        "phantoms (the IBSI data sets from https://github.com/theibsi/data_sets)"
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
    result = extract_files(ibsi_dir / image, ibsi_dir / mask, preset_name, naming="ibsi")
    computed = result.as_dict(diagnostics=True)
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
    return CaseReport(name, {k: (v[0], v[1], v[2]) for k, v in counts.items()}, tuple(misses))


def run_ibsi1(data: str | Path, cases: list[str] | None = None) -> list[CaseReport]:
    """Run the IBSI-1 compliance cases (all by default) on the data in ``data``."""
    ibsi_dir = find_ibsi_data(data)
    return [check_case(name, ibsi_dir) for name in (cases or list(IBSI1_CASES))]
