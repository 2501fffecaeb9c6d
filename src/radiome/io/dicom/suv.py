"""Body-weight standardised uptake value (SUVbw) from PET DICOM headers.

Why hand-written: neither pydicom nor SimpleITK converts PET to SUV, and the conversion
depends on a handful of header rules (units, decay-correction reference, dates that may be
missing) that must be stated and checked rather than guessed. The rules follow the
vendor-neutral pseudo-code of the QIBA/UPICT SUV working group and DICOM PS3.3 C.8.9.1
(Units, Decay Correction). No IBSI code applies (SUV conversion precedes the IBSI image
processing chain; IBSI 1 section 2.1 assumes PET already in SUV).

.. math::

    \\mathrm{SUV_{bw}} = A_c \\, \\frac{W}{D_{\\mathrm{ref}}}, \\qquad
    D_{\\mathrm{ref}} = D_0 \\, 2^{-\\Delta t / T_{1/2}}

with :math:`A_c` the activity concentration (Bq/ml, after Rescale Slope/Intercept),
:math:`W` the patient weight in g, :math:`D_0` the injected activity (Radionuclide Total
Dose, Bq), :math:`T_{1/2}` the half-life (s) and :math:`\\Delta t` the time from
administration to the time the pixel values refer to:

* ``DecayCorrection = START``: pixels are decay-corrected to the acquisition start, taken as
  Series Date/Time (Acquisition Date/Time when the series time is missing); the dose is
  decayed to that time.
* ``ADMIN``: pixels are decay-corrected to the administration time: :math:`\\Delta t = 0`.
* ``NONE``: pixels are not decay-corrected, so they hold the activity present while the image
  was acquired; the dose is decayed to that image's Acquisition Date/Time (Series Date/Time
  when absent). Averaging of decay over the frame duration is neglected.

The administration time is Radiopharmaceutical Start DateTime when present, else
Radiopharmaceutical Start Time on the date of the reference time; when only times are known
and the start time is later than the reference time, the injection is taken to be on the
previous day (a scan that crosses midnight), i.e. the injection is assumed to precede the
scan by less than 24 h. Units ``GML`` (g/ml) are SUVbw already (factor 1).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from radiome.errors import SUVError

__all__ = ["suv_factor"]

_FIX = (
    "Read the raw values with read_dicom_series(path, suv=False), or supply the missing "
    "values with read_dicom_series(path, weight_kg=..., injected_dose_bq=...) "
    "(suv_factor(ds, weight_kg=..., injected_dose_bq=...))."
)


def _float(ds: Any, keyword: str) -> float | None:
    if ds is None:
        return None
    v = ds.get(keyword, None)
    if v is None or v == "":
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _parse_date(v: Any) -> date | None:
    s = str(v or "").strip().replace(".", "").replace("-", "")
    if len(s) < 8:
        return None
    try:
        return date(int(s[0:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return None


def _parse_time(v: Any) -> time | None:
    """DICOM TM ``HHMMSS.FFFFFF`` (also ``HH:MM:SS``, and shorter forms)."""
    s = str(v or "").strip().replace(":", "")
    if not s:
        return None
    whole, _, frac = s.partition(".")
    if len(whole) < 2 or not whole.isdigit():
        return None
    try:
        hh = int(whole[0:2])
        mm = int(whole[2:4]) if len(whole) >= 4 else 0
        ss = int(whole[4:6]) if len(whole) >= 6 else 0
        us = int((frac + "000000")[:6]) if frac.isdigit() else 0
        return time(hh, mm, min(ss, 59), us)
    except ValueError:
        return None


def _parse_datetime(v: Any) -> datetime | None:
    """DICOM DT ``YYYYMMDDHHMMSS.FFFFFF&ZZXX``; the UTC offset is ignored."""
    s = str(v or "").strip()
    if not s:
        return None
    for sign in ("+", "-"):
        if sign in s[8:]:
            s = s[: 8 + s[8:].index(sign)]
    d = _parse_date(s[:8])
    if d is None:
        return None
    t = _parse_time(s[8:]) if len(s) > 8 else time(0)
    return datetime.combine(d, t or time(0))


def _reference(ds: Any, which: str) -> tuple[date | None, time | None, str]:
    """Date and time that the pixel values refer to, and the tags they came from."""
    order = ("Series", "Acquisition") if which == "series" else ("Acquisition", "Series")
    if which != "series":
        dt = _parse_datetime(ds.get("AcquisitionDateTime", None))
        if dt is not None:
            return dt.date(), dt.time(), "AcquisitionDateTime"
    for prefix in order:
        t = _parse_time(ds.get(f"{prefix}Time", None))
        if t is not None:
            d = _parse_date(ds.get(f"{prefix}Date", None))
            return d, t, f"{prefix}Date/{prefix}Time"
    return None, None, ""


def suv_factor(
    dataset: Any,
    *,
    weight_kg: float | None = None,
    injected_dose_bq: float | None = None,
) -> float:
    """Factor that turns PET activity concentration (after rescale) into SUVbw.

    .. math::

        f = \\frac{1000\\,W_{\\mathrm{kg}}}{D_0 \\, 2^{-\\Delta t / T_{1/2}}},
        \\qquad \\mathrm{SUV_{bw}} = f \\, (m\\,s + b)

    The reference time of :math:`\\Delta t` depends on Decay Correction (0054,1102); see the
    module docstring for the rules (START: series start; ADMIN: no correction; NONE: the
    image's acquisition time). No IBSI code (conversion precedes IBSI processing).

    Parameters
    ----------
    dataset : pydicom.Dataset
        Header of one PET image (pixel data not needed).
    weight_kg, injected_dose_bq : float, optional
        Override Patient's Weight (0010,1030) in kg and Radionuclide Total Dose
        (0018,1074) in Bq.

    Returns
    -------
    float
        The factor :math:`f` in g/Bq (1.0 when Units are GML, already SUVbw).

    Raises
    ------
    SUVError
        Units CNTS, missing or not convertible; weight, dose, half-life or times missing;
        injection after the scan; unknown Decay Correction. The message names the tags.

    Examples
    --------
    >>> from pydicom import Dataset
    >>> ds = Dataset(); ds.Units = "BQML"; ds.DecayCorrection = "ADMIN"
    >>> ds.PatientWeight = 70; rp = Dataset(); rp.RadionuclideTotalDose = 350e6
    >>> rp.RadionuclideHalfLife = 6586.2; ds.RadiopharmaceuticalInformationSequence = [rp]
    >>> round(suv_factor(ds) * 1e6, 6)
    200.0
    """
    units = str(dataset.get("Units", "") or "").strip().upper()
    if units == "GML":
        return 1.0
    if units != "BQML":
        shown = units or "missing"
        raise SUVError(
            f"cannot convert PET to SUV: Units (0054,1001) is {shown}; only BQML (Bq/ml) and "
            "GML (already SUVbw) are supported (CNTS needs vendor calibration factors). "
            "Read the raw values with read_dicom_series(path, suv=False) and convert them "
            "yourself, or export the series in Bq/ml from the scanner."
        )
    missing: list[str] = []
    weight = float(weight_kg) if weight_kg is not None else _float(dataset, "PatientWeight")
    if weight is None or weight <= 0:
        missing.append("Patient's Weight (0010,1030)")
    seq = dataset.get("RadiopharmaceuticalInformationSequence", None)
    rp = seq[0] if seq else None
    dose = float(injected_dose_bq) if injected_dose_bq is not None else _float(rp, "RadionuclideTotalDose")
    if dose is None or dose <= 0:
        missing.append("Radionuclide Total Dose (0018,1074) in Radiopharmaceutical Information Sequence")
    decay = str(dataset.get("DecayCorrection", "") or "").strip().upper()
    if decay not in ("START", "ADMIN", "NONE"):
        missing.append(f"Decay Correction (0054,1102) as START, ADMIN or NONE (found {decay or 'nothing'!r})")
    elapsed = 0.0
    if decay in ("START", "NONE"):
        half_life = _float(rp, "RadionuclideHalfLife")
        if half_life is None or half_life <= 0:
            missing.append("Radionuclide Half Life (0018,1075)")
        ref_d, ref_t, ref_src = _reference(dataset, "series" if decay == "START" else "acquisition")
        if ref_t is None:
            missing.append("Series Time (0008,0031) or Acquisition Time (0008,0032)")
        inj = _parse_datetime(rp.get("RadiopharmaceuticalStartDateTime", None)) if rp is not None else None
        inj_t = _parse_time(rp.get("RadiopharmaceuticalStartTime", None)) if rp is not None else None
        if inj is None and inj_t is None:
            missing.append(
                "Radiopharmaceutical Start DateTime (0018,1078) or Start Time (0018,1072)"
            )
        if not missing:
            assert ref_t is not None and half_life is not None
            elapsed = _elapsed(inj, inj_t, ref_d, ref_t, ref_src)
            dose = dose * 2.0 ** (-elapsed / half_life)  # type: ignore[operator]
    if missing:
        raise SUVError(
            "cannot convert PET (Units BQML) to SUV: missing or invalid "
            + "; ".join(missing)
            + ". "
            + _FIX
        )
    return float(weight) * 1000.0 / float(dose)  # type: ignore[arg-type]


def _elapsed(
    inj: datetime | None, inj_t: time | None, ref_d: date | None, ref_t: time, ref_src: str
) -> float:
    """Seconds from administration to the reference time (midnight rollover handled)."""
    if inj is not None and ref_d is not None:
        seconds = (datetime.combine(ref_d, ref_t) - inj).total_seconds()
        if seconds < 0:
            raise SUVError(
                f"Radiopharmaceutical Start DateTime {inj.isoformat()} is after the reference "
                f"time {ref_d.isoformat()} {ref_t.isoformat()} ({ref_src}); check the headers. "
                + _FIX
            )
        return seconds
    t_inj = inj.time() if inj is not None else inj_t
    assert t_inj is not None
    day = date(2000, 1, 1)
    seconds = (datetime.combine(day, ref_t) - datetime.combine(day, t_inj)).total_seconds()
    if seconds < 0:  # only times known: the scan crossed midnight after the injection
        seconds += timedelta(days=1).total_seconds()
    return seconds
