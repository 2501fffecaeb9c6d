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
