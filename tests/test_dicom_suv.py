"""radiome.io.dicom.suv: SUVbw factor rules, checked against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from dicom_factory import PetTags, elapsed_seconds, pet_dataset, write_pet

from radiome.errors import SUVError
from radiome.io.dicom import read_dicom_series, suv_factor

HALF_LIFE = 6586.2  # 18F, s


def hand_factor(weight_kg: float, dose_bq: float, seconds: float, half_life: float = HALF_LIFE) -> float:
    """SUVbw factor written out: weight (g) over the dose decayed by ``seconds``."""
    decayed = dose_bq * math.exp(-math.log(2.0) * seconds / half_life)
    return weight_kg * 1000.0 / decayed


def test_start_decays_dose_to_series_time() -> None:
    tags = PetTags(weight_kg=75.0, dose_bq=370.0e6, injection_time="081500.00", series_time="092730.00")
    seconds = elapsed_seconds("081500.00", "092730.00")
    assert seconds == 4350.0
    # 2^(-4350/6586.2) = 0.632662; 75 000 g / (370e6 Bq * 0.632662) = 3.20392e-4 g/Bq
    expected = 75_000.0 / (370.0e6 * 2.0 ** (-4350.0 / 6586.2))
    assert suv_factor(pet_dataset(tags)) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(hand_factor(75.0, 370.0e6, 4350.0), rel=1e-12)
    assert expected == pytest.approx(3.20392e-4, rel=1e-5)


def test_admin_means_no_decay() -> None:
    tags = PetTags(decay_correction="ADMIN", weight_kg=80.0, dose_bq=400.0e6)
    assert suv_factor(pet_dataset(tags)) == pytest.approx(80_000.0 / 400.0e6, rel=1e-12)


def test_none_decays_to_acquisition_time() -> None:
    tags = PetTags(decay_correction="NONE", series_time="090000.00", acquisition_time="094500.00")
    seconds = elapsed_seconds("081500.00", "094500.00")
    assert suv_factor(pet_dataset(tags)) == pytest.approx(hand_factor(75.0, 370.0e6, seconds), rel=1e-12)


def test_midnight_rollover_with_times_only() -> None:
    tags = PetTags(injection_time="233000", series_time="004500", series_date="20240103")
    # 23:30 -> 00:45 next day = 75 min
    assert suv_factor(pet_dataset(tags)) == pytest.approx(hand_factor(75.0, 370.0e6, 4500.0), rel=1e-12)


def test_start_datetime_is_preferred() -> None:
    tags = PetTags(
        injection_time="120000",  # contradicts the DateTime, which wins
        injection_datetime="20240101233000.000000+0100",
        series_date="20240102",
        series_time="004500",
    )
    assert suv_factor(pet_dataset(tags)) == pytest.approx(hand_factor(75.0, 370.0e6, 4500.0), rel=1e-12)


def test_injection_after_scan_raises() -> None:
    tags = PetTags(injection_datetime="20240102100000", series_time="092730")
    with pytest.raises(SUVError, match="after the reference time"):
        suv_factor(pet_dataset(tags))


def test_gml_is_already_suv() -> None:
    assert suv_factor(pet_dataset(PetTags(units="GML", weight_kg=None, dose_bq=None))) == 1.0


@pytest.mark.parametrize("units", ["CNTS", ""])
def test_counts_or_missing_units_raise(units: str) -> None:
    with pytest.raises(SUVError, match="suv=False"):
        suv_factor(pet_dataset(PetTags(units=units)))


def test_missing_weight_and_dose_are_named() -> None:
    with pytest.raises(SUVError) as err:
        suv_factor(pet_dataset(PetTags(weight_kg=None, dose_bq=None)))
    msg = str(err.value)
    assert "Patient's Weight (0010,1030)" in msg and "Radionuclide Total Dose (0018,1074)" in msg
    assert "suv=False" in msg and "weight_kg=" in msg
    with pytest.raises(SUVError, match=r"Radionuclide Half Life \(0018,1075\)"):
        suv_factor(pet_dataset(PetTags(half_life_s=None)))
    with pytest.raises(SUVError, match="Start Time"):
        suv_factor(pet_dataset(PetTags(injection_time=None)))
    # the overrides supply what the header lacks
    f = suv_factor(pet_dataset(PetTags(weight_kg=None, dose_bq=None)), weight_kg=60.0, injected_dose_bq=300e6)
    assert f == pytest.approx(hand_factor(60.0, 300e6, 4350.0), rel=1e-12)


def _activity(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 40_000.0, size=(8, 16, 16))  # Bq/ml


def test_read_pet_series_in_suv(tmp_path) -> None:
    tags = PetTags()
    _, stored_activity = write_pet(tmp_path / "pet", _activity(), tags)
    image = read_dicom_series(tmp_path / "pet")
    factor = hand_factor(75.0, 370.0e6, 4350.0)
    assert image.modality == "PT" and image.metadata["units"] == "SUVbw (g/ml)"
    assert image.metadata["suv_factor"] == pytest.approx(factor, rel=1e-12)
    np.testing.assert_allclose(image.array, stored_activity * factor, rtol=1e-12)
    raw = read_dicom_series(tmp_path / "pet", suv=False)
    assert raw.metadata["units"] == "BQML"
    np.testing.assert_allclose(raw.array, stored_activity, rtol=1e-12)


def test_read_pet_without_weight_raises_then_overrides(tmp_path) -> None:
    write_pet(tmp_path / "pet", _activity(1), PetTags(weight_kg=None))
    with pytest.raises(SUVError, match="Patient's Weight"):
        read_dicom_series(tmp_path / "pet")
    image = read_dicom_series(tmp_path / "pet", weight_kg=75.0)
    assert image.metadata["suv_factor"] == pytest.approx(hand_factor(75.0, 370.0e6, 4350.0), rel=1e-12)
