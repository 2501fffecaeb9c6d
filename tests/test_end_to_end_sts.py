"""End to end on real patients: the same features from NIfTI files and from DICOM + RTSTRUCT.

The shared soft-tissue-sarcoma cohort has each patient as NIfTI and (for three patients) as
DICOM series with an RTSTRUCT. Reading either must give the same image (CT in HU, PET in
SUV) and mask, hence the same features.
"""

from __future__ import annotations

import math

import pytest

from conftest import shared_data
from radiome.extraction import extract_files

# No interpolation here: NIfTI stores spacing and origin in float32 (3.2699999809 mm for
# 3.27 mm), which moves an interpolated grid by ~1e-8 mm and can flip the rounding of a voxel
# or two; without interpolation the only difference left is how the files are read.
SETTINGS = {
    "CT": {
        "resegmentation": {"range": [-1000, 3000]},
        "discretisation": {"method": "fbs", "bin_width": 25},
        "texture": {"dimensions": ["2D", "3D"]},
    },
    "PET": {
        "discretisation": {"method": "fbs", "bin_width": 0.5, "lower_bound": 0.0},
    },
    "MR_T1": {
        "discretisation": {"method": "fbn", "n_bins": 32},
    },
}


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("modality", ["CT", "PET", "MR_T1"])
def test_nifti_and_dicom_give_the_same_features(modality):
    nifti = shared_data("sts", "nifti", "STS_001")
    dicom = shared_data("sts", "dicom", "STS_001", modality)
    from_nifti = extract_files(nifti / f"{modality}_image.nii.gz", nifti / f"{modality}_mask.nii.gz", SETTINGS[modality])
    from_dicom = extract_files(dicom / "image", dicom / "mask" / "RS.dcm", SETTINGS[modality], roi_name="GTV_Mass")
    assert from_nifti.values.keys() == from_dicom.values.keys()
    assert len(from_nifti) > 180
    for name, a in from_nifti.values.items():
        b = from_dicom.values[name]
        if math.isnan(a):
            assert math.isnan(b), name
            continue
        # NIfTI stores spacing in float32 (relative error ~1e-7, seen in volume-like features)
        # and PET voxels in float32 while DICOM gives float64 SUV (relative ~1e-6)
        rel = 1e-5 if modality == "PET" else 1e-6
        assert b == pytest.approx(a, rel=rel, abs=1e-9), name
    if modality == "PET":
        assert 0 < from_nifti["intensity_statistics_mean"] < 50  # SUV, not Bq/ml
    if modality == "CT":
        assert -200 < from_nifti["intensity_statistics_mean"] < 300  # HU
