"""Shared fixtures: the location of the shared reference data and small reference cases."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from radiome.compliance import within_tolerance  # noqa: F401  (re-exported for tests)

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_path() -> Path:
    """The shared data folder: $RADIOME_SHARED, else ../shared beside the repository."""
    return Path(os.environ.get("RADIOME_SHARED", REPO_ROOT.parent / "shared")).resolve()


def shared_data(*parts: str) -> Path:
    """A path under <shared>/data, skipping the calling test cleanly when it is absent."""
    p = shared_path().joinpath("data", *parts)
    if not p.exists():
        _missing(f"shared reference data not found at {p} (set RADIOME_SHARED)")
    return p


def _missing(reason: str) -> None:
    """Skip, or fail where the run requires the shared data (RADIOME_REQUIRE_SHARED=1, as in CI)."""
    if os.environ.get("RADIOME_REQUIRE_SHARED") == "1":
        pytest.fail(reason + "; this run requires it (RADIOME_REQUIRE_SHARED=1)")
    pytest.skip(reason)


def load_ibsi_reference(name: str) -> dict[str, tuple[float, float]]:
    """IBSI-1 reference table ``name`` (e.g. 'ibsi_1_dig_phantom') as {tag: (value, tolerance)}.

    Tags without a consensus value (empty cells) are left out.
    """
    path = shared_data("ibsi", "reference", "ibsi_1", f"{name}.csv")
    out: dict[str, tuple[float, float]] = {}
    for line in path.read_text().splitlines()[1:]:
        value, tol, tag = line.strip().split(";")
        if value.strip() == "":
            continue
        out[tag] = (float(value), float(tol or 0.0))
    return out


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    p = shared_path()
    if not p.exists():
        _missing(f"shared reference data not found at {p} (set RADIOME_SHARED)")
    return p


@pytest.fixture(scope="session")
def digital_phantom_roi():
    """The IBSI-1 digital phantom as an ROI: no interpolation, no discretisation (levels 1..6)."""
    import SimpleITK as sitk

    from radiome.features.roi import ROI
    from radiome.preprocess.discretise import discretise

    base = shared_data("ibsi", "ibsi_1_digital_phantom", "nifti")
    img = sitk.GetArrayFromImage(sitk.ReadImage(str(base / "image" / "phantom.nii.gz"))).astype(float)
    msk = sitk.GetArrayFromImage(sitk.ReadImage(str(base / "mask" / "mask.nii.gz"))).astype(bool)
    d = discretise(img, msk, "none")
    return ROI(
        image=img,
        intensity_mask=msk,
        morphology_mask=msk,
        spacing=(2.0, 2.0, 2.0),
        levels=d.levels,
        n_levels=d.n_levels,
        resegmentation_range=None,
        is_2d=False,
    )


@pytest.fixture(scope="session")
def digital_phantom_reference() -> dict[str, tuple[float, float]]:
    return load_ibsi_reference("ibsi_1_dig_phantom")


@pytest.fixture(scope="session")
def ct_config_a_roi():
    """The IBSI-1 CT phantom under configuration A as an ROI, built by hand (not by the pipeline).

    No interpolation; intensities rounded to integers; the image cropped to the mask's bounding
    box plus a 10 mm margin (as the pipeline does, so that the local intensity peak sees voxels
    around the ROI); intensity mask = GTV and -500 <= HU <= 400 (re-segmentation); fixed bin
    size 25 HU on [-500, 400].
    """
    import SimpleITK as sitk

    from radiome.features.roi import ROI
    from radiome.preprocess.discretise import discretise

    base = shared_data("ibsi", "ibsi_1_ct_radiomics_phantom", "nifti")
    itk = sitk.ReadImage(str(base / "image" / "phantom.nii.gz"))
    image = np.rint(sitk.GetArrayFromImage(itk).astype(np.float64))
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(base / "mask" / "mask.nii.gz"))) > 0
    spacing = tuple(float(s) for s in itk.GetSpacing()[::-1])
    idx = np.argwhere(mask)
    margin = np.ceil(10.0 / np.array(spacing)).astype(int)
    lo = np.maximum(idx.min(axis=0) - margin, 0)
    hi = np.minimum(idx.max(axis=0) + margin + 1, mask.shape)
    box = tuple(slice(a, b) for a, b in zip(lo, hi))
    image, mask = image[box], mask[box]
    intensity_mask = mask & (image >= -500) & (image <= 400)
    d = discretise(image, intensity_mask, "fbs", bin_width=25.0, lower_bound=-500.0, upper_bound=400.0)
    return ROI(
        image=image, intensity_mask=intensity_mask, morphology_mask=mask, spacing=spacing,
        levels=d.levels, n_levels=d.n_levels, resegmentation_range=(-500.0, 400.0), is_2d=False,
    )
