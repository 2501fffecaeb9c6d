"""radiome.cohort.scan: building a manifest from folder trees, and `radiome manifest scan`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from conftest import shared_data
from dicom_factory import Geometry, Study, circle, ct_volume, write_ct, write_rtstruct, write_series
from radiome.cli.manifest import app as manifest_app
from radiome.cohort import ScanResult, read_manifest, scan_directory, write_manifest
from radiome.errors import InputError
from radiome.io import Image, Mask, write_image, write_mask

GEOM = Geometry(shape=(4, 8, 8), spacing=(2.0, 1.0, 1.0), origin=(-4.0, -4.0, 0.0))


def _image(path: Path) -> Path:
    return write_image(Image(np.arange(24, dtype=np.int16).reshape(2, 3, 4)), path)


def _mask(path: Path) -> Path:
    return write_mask(Mask(np.ones((2, 3, 4), dtype=bool)), path)


def _jobs(result: ScanResult) -> list[tuple[str, str, str]]:
    return [(j.case_id, j.modality, j.roi) for j in result.manifest.jobs]


def _unpaired(result: ScanResult) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in result.unpaired)


# --------------------------------------------------------------------------- (a) and (c): files


def test_layout_a_modality_files(tmp_path):
    p1, p2 = tmp_path / "P1", tmp_path / "P10"
    _image(p1 / "CT_image.nii.gz"), _mask(p1 / "CT_mask.nii.gz")
    _image(p1 / "PET_image.nrrd"), _mask(p1 / "PET_GTV_mask.nrrd"), _mask(p1 / "PET_mask_Node.nrrd")
    _image(p1 / "MR_T1_image.mha"), _mask(p1 / "MR_T1_mask.mha")
    _image(p1 / "dose.nii.gz")
    (p1 / "notes.txt").write_text("ignored")
    _mask(p2 / "CT_mask.nii.gz"), _image(p2 / "PET_image.nii.gz"), _mask(p2 / "PET_label.nii.gz")
    _image(p2 / "MR_T1_image.nii")
    _image(tmp_path / "P2" / "CT_image.nii.gz"), _mask(tmp_path / "P2" / "CT_seg.nii.gz")
    result = scan_directory(tmp_path)
    assert _jobs(result) == [
        ("P1", "CT", "ROI"), ("P1", "MR_T1", "ROI"), ("P1", "PET", "GTV"), ("P1", "PET", "Node"),
        ("P2", "CT", "ROI"), ("P10", "PET", "ROI"),
    ]
    job = result.manifest.jobs[2]
    assert job.image == p1 / "PET_image.nrrd" and job.mask == p1 / "PET_GTV_mask.nrrd"
    assert job.roi_name is None and job.label is None
    missing = _unpaired(result)
    assert set(missing) == {"P1/dose.nii.gz", "P10/CT_mask.nii.gz", "P10/MR_T1_image.nii"}
    assert "not recognised" in missing["P1/dose.nii.gz"]
    assert missing["P10/CT_mask.nii.gz"].startswith("mask without image: no CT image in P10")
    assert missing["P10/MR_T1_image.nii"].startswith("image without mask")
    assert dict(result.layouts) == {"P1": "modality-files", "P2": "modality-files", "P10": "modality-files"}
    assert result.manifest.extra == {"P1": {}, "P2": {}, "P10": {}}


def test_layout_c_case_files_and_shared_mask(tmp_path):
    _image(tmp_path / "C1" / "image.nii.gz"), _mask(tmp_path / "C1" / "mask.nii.gz")
    _image(tmp_path / "C2" / "image.nii.gz"), _mask(tmp_path / "C2" / "label.nii.gz"), _mask(tmp_path / "C2" / "mask_Node.nii.gz")
    _image(tmp_path / "C3" / "image.nrrd"), _mask(tmp_path / "C3" / "GTV_seg.nrrd")
    _mask(tmp_path / "C4" / "mask.nii.gz")
    _image(tmp_path / "C5" / "CT_image.nii.gz"), _image(tmp_path / "C5" / "PET_image.nii.gz"), _mask(tmp_path / "C5" / "mask.nii.gz")
    (tmp_path / "C6").mkdir()
    result = scan_directory(tmp_path)
    assert _jobs(result) == [
        ("C1", "image", "ROI"), ("C2", "image", "Node"), ("C2", "image", "ROI"), ("C3", "image", "GTV"),
        ("C5", "CT", "ROI"), ("C5", "PET", "ROI"),
    ]
    assert result.manifest.jobs[-1].mask == result.manifest.jobs[-2].mask == tmp_path / "C5" / "mask.nii.gz"
    missing = _unpaired(result)
    assert missing["C4/mask.nii.gz"].startswith("mask without image")
    assert missing["C6"] == "no image or mask recognised in this case folder"
    assert result.layouts["C1"] == "case-files" and result.layouts["C5"] == "modality-files"


# --------------------------------------------------------------------------- (b): <MOD>/image + <MOD>/mask


def test_layout_b_modality_folders(tmp_path):
    study = Study(seed=3, patient_id="P")
    ct_files = write_ct(tmp_path / "P" / "CT" / "image", ct_volume(GEOM.shape), geometry=GEOM, study=study)
    contour = [circle((0.0, 0.0), 2.0, z) for z in (2.0, 4.0)]
    write_rtstruct(tmp_path / "P" / "CT" / "mask" / "RS.dcm", {"GTV_CT": contour, "Node": contour[:1]}, study=study)
    write_series(tmp_path / "P" / "MR" / "image", ct_volume(GEOM.shape, seed=1), geometry=GEOM, study=study,
                 modality="MR", series_number=2)
    _mask(tmp_path / "P" / "MR" / "mask" / "mask.nii.gz")
    _image(tmp_path / "P" / "PET" / "image.nii.gz"), _mask(tmp_path / "P" / "PET" / "GTV_mask.nii.gz")
    write_ct(tmp_path / "Q" / "CT" / "image", ct_volume(GEOM.shape), geometry=GEOM, study=Study(seed=4))
    result = scan_directory(tmp_path)
    assert _jobs(result) == [("P", "CT", "GTV"), ("P", "CT", "Node"), ("P", "MR", "ROI"), ("P", "PET", "GTV")]
    gtv, node = result.manifest.jobs[:2]
    assert gtv.image == tmp_path / "P" / "CT" / "image" and gtv.mask == tmp_path / "P" / "CT" / "mask" / "RS.dcm"
    assert (gtv.roi_name, node.roi_name) == ("GTV_CT", "Node")
    assert result.manifest.jobs[3].image == tmp_path / "P" / "PET" / "image.nii.gz"
    assert result.layouts["P"] == "modality-folders"
    missing = _unpaired(result)
    assert list(missing) == ["Q/CT/image"] and "no mask folder" in missing["Q/CT/image"]
    assert ct_files  # the series was written


def test_layout_b_dicom_seg(tmp_path):
    pytest.importorskip("highdicom")
    from dicom_factory import write_seg

    files = write_ct(tmp_path / "P" / "CT" / "image", ct_volume(GEOM.shape), geometry=GEOM)
    tumour = np.zeros(GEOM.shape, bool)
    tumour[1:3, 2:5, 2:5] = True
    write_seg(tmp_path / "P" / "CT" / "mask" / "seg.dcm", files, {"Tumour": tumour, "Node": np.roll(tumour, 3, axis=2)})
    result = scan_directory(tmp_path)
    assert [(j.roi, j.roi_name, j.label) for j in result.manifest.jobs] == [("Node", "Node", None), ("Tumour", "Tumour", None)]
    assert result.unpaired == ()


# --------------------------------------------------------------------------- (d): nnU-Net


def test_layout_d_nnunet(tmp_path):
    for case in ("c1", "c2"):
        _image(tmp_path / "imagesTr" / f"{case}_0000.nii.gz"), _image(tmp_path / "imagesTr" / f"{case}_0001.nii.gz")
        _mask(tmp_path / "labelsTr" / f"{case}.nii.gz")
    _image(tmp_path / "imagesTr" / "c3_0000.nii.gz")
    _mask(tmp_path / "labelsTr" / "c4.nii.gz")
    _image(tmp_path / "imagesTs" / "c5_0000.nii.gz")
    plain = scan_directory(tmp_path)
    assert _jobs(plain)[:2] == [("c1", "ch0", "ROI"), ("c1", "ch1", "ROI")] and len(plain.manifest) == 4
    (tmp_path / "dataset.json").write_text(json.dumps(
        {"channel_names": {"0": "CT", "1": "PET"}, "labels": {"background": 0, "tumour": 1, "node": 2}}
    ))
    result = scan_directory(tmp_path)
    assert _jobs(result)[:4] == [("c1", "CT", "node"), ("c1", "CT", "tumour"), ("c1", "PET", "node"), ("c1", "PET", "tumour")]
    assert len(result.manifest) == 8 and {j.label for j in result.manifest.jobs} == {1, 2}
    assert result.manifest.jobs[0].mask == tmp_path / "labelsTr" / "c1.nii.gz"
    assert set(result.layouts.values()) == {"nnunet"}
    missing = _unpaired(result)
    assert set(missing) == {"imagesTr/c3_0000.nii.gz", "imagesTs/c5_0000.nii.gz", "labelsTr/c4.nii.gz"}
    assert missing["labelsTr/c4.nii.gz"].startswith("mask without image")
    (tmp_path / "dataset.json").write_text(json.dumps({"modality": {"0": "MR"}, "labels": {"0": "background", "1": "GTV"}}))
    v1 = scan_directory(tmp_path).manifest
    assert set(v1.modalities) == {"MR", "ch1"} and v1.rois == ("GTV",) and {j.label for j in v1.jobs} == {1}
    (tmp_path / "dataset.json").write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        scan_directory(tmp_path)


# --------------------------------------------------------------------------- (e): DICOM case folder


def test_layout_e_dicom_case_folders(tmp_path):
    contour = [circle((0.0, 0.0), 2.0, z) for z in (2.0, 4.0)]
    study = Study(seed=7, patient_id="P")
    write_ct(tmp_path / "P" / "s1", ct_volume(GEOM.shape), geometry=GEOM, study=study, series_number=1)
    pet_uid = "1.2.826.0.1.3680043.8.498.1"
    write_series(tmp_path / "P" / "s2", ct_volume(GEOM.shape), geometry=GEOM, study=study, modality="PT",
                 series_number=2, series_uid=pet_uid)
    mr_study = Study(seed=8, patient_id="P")
    write_series(tmp_path / "P" / "s3", ct_volume(GEOM.shape), geometry=GEOM, study=mr_study, modality="MR",
                 series_number=3, description="T1 AX")
    write_series(tmp_path / "P" / "s4", ct_volume(GEOM.shape), geometry=GEOM, study=mr_study, modality="MR",
                 series_number=4, description="T2")
    from radiome.io.dicom import list_series

    uids = {s.description: s.series_uid for s in list_series(tmp_path / "P")}
    write_rtstruct(tmp_path / "P" / "rt" / "RS_pet.dcm", {"GTV_PET": contour}, study=study, referenced_series_uid=pet_uid)
    write_rtstruct(tmp_path / "P" / "rt" / "RS_t1.dcm", {"GTV": contour}, study=mr_study, referenced_series_uid=uids["T1 AX"])
    write_rtstruct(tmp_path / "P" / "rt" / "RS_t2.dcm", {"GTV": contour}, study=mr_study, referenced_series_uid=uids["T2"])
    # R: no series UID in the RTSTRUCT, one series with its frame of reference
    r_study = Study(seed=9, patient_id="R")
    write_ct(tmp_path / "R" / "ct", ct_volume(GEOM.shape), geometry=GEOM, study=r_study)
    write_rtstruct(tmp_path / "R" / "RS.dcm", {"Tumour": contour}, study=r_study)
    # S: two series in one flat folder with the RTSTRUCT
    s_study = Study(seed=10, patient_id="S")
    ct_uid = "1.2.826.0.1.3680043.8.498.2"
    write_ct(tmp_path / "S", ct_volume(GEOM.shape), geometry=GEOM, study=s_study, series_uid=ct_uid)
    write_series(tmp_path / "S" / "pet", ct_volume(GEOM.shape), geometry=GEOM, study=s_study, modality="PT", series_number=2)
    write_rtstruct(tmp_path / "S" / "RS.dcm", {"GTV": contour}, study=s_study, referenced_series_uid=ct_uid)
    result = scan_directory(tmp_path)
    assert _jobs(result) == [("P", "MR_T1_AX", "GTV"), ("P", "MR_T2", "GTV"), ("P", "PET", "GTV"), ("R", "CT", "Tumour")]
    pet = result.manifest.jobs[2]
    assert pet.image == tmp_path / "P" / "s2" and pet.mask == tmp_path / "P" / "rt" / "RS_pet.dcm" and pet.roi_name == "GTV_PET"
    assert result.manifest.jobs[3].image == tmp_path / "R" / "ct"
    assert dict(result.layouts) == {"P": "dicom-case", "R": "dicom-case"}
    missing = _unpaired(result)
    assert missing["P/s1"].startswith("image without mask: CT series")
    assert "shares its folder" in missing["S"] and "S/pet" in missing


# --------------------------------------------------------------------------- the shared STS cohort


def test_sts_nifti_tree():
    root = shared_data("sts", "nifti")
    result = scan_directory(root)
    m = result.manifest
    assert len(m.cases) == 20 and len(m) == 51
    counts = {mod: sum(j.modality == mod for j in m.jobs) for mod in m.modalities}
    assert counts == {"CT": 13, "MR_T1": 18, "PET": 20}
    assert m.missing_files() == ()
    missing = _unpaired(result)
    no_ct = {"STS_007", "STS_009", "STS_011", "STS_013", "STS_016", "STS_017", "STS_020"}
    expected = {f"{c}/CT_mask.nii.gz" for c in no_ct} | {"STS_009/MR_T1_mask.nii.gz", "STS_020/MR_T1_mask.nii.gz"}
    assert set(missing) == expected
    assert all(r.startswith("mask without image") for r in missing.values())


def test_sts_dicom_tree():
    root = shared_data("sts", "dicom")
    result = scan_directory(root)
    assert result.unpaired == ()
    m = result.manifest
    assert m.cases == ("STS_001", "STS_007", "STS_009") and len(m) == 9
    assert set(m.rois) == {"GTV_Mass"}
    for j in m.jobs:
        assert j.roi_name == f"GTV_Mass_{j.modality}" and j.image == root / j.case_id / j.modality / "image"
        assert j.mask == root / j.case_id / j.modality / "mask" / "RS.dcm"


def test_scan_round_trip_and_errors(tmp_path):
    _image(tmp_path / "data" / "A" / "CT_image.nii.gz"), _mask(tmp_path / "data" / "A" / "CT_mask.nii.gz")
    result = scan_directory(tmp_path / "data")
    for name in ("m.csv", "m.yaml"):
        back = read_manifest(write_manifest(result.manifest, tmp_path / name))
        assert back.jobs == result.manifest.jobs
    with pytest.raises(InputError, match="not a folder"):
        scan_directory(tmp_path / "nope")
    _image(tmp_path / "data" / "loose_image.nii.gz")
    assert "directly under the scanned folder" in scan_directory(tmp_path / "data").unpaired[0]


# --------------------------------------------------------------------------- command line

cli = typer.Typer()
cli.add_typer(manifest_app, name="manifest")  # as radiome.cli.main registers it
runner = CliRunner()


@pytest.fixture()
def tree(tmp_path):
    _image(tmp_path / "data" / "A" / "CT_image.nii.gz"), _mask(tmp_path / "data" / "A" / "CT_mask.nii.gz")
    _mask(tmp_path / "data" / "A" / "PET_mask.nii.gz")
    _image(tmp_path / "data" / "B" / "CT_image.nii.gz"), _mask(tmp_path / "data" / "B" / "CT_mask.nii.gz")
    return tmp_path / "data"


def test_cli_scan_writes_csv_and_yaml(tree, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(cli, ["manifest", "scan", str(tree)])
    assert r.exit_code == 0, r.output
    assert "2 case(s), 2 job(s)" in r.output and "CT" in r.output
    assert "1 item(s) could not be paired" in r.output and "A/PET_mask.nii.gz: mask without image" in r.output
    assert len(read_manifest(tmp_path / "manifest.csv")) == 2
    r = runner.invoke(cli, ["manifest", "scan", str(tree)])
    assert r.exit_code == 2 and "--force" in r.output
    r = runner.invoke(cli, ["manifest", "scan", str(tree), "--force", "--format", "yaml"])
    assert r.exit_code == 0 and read_manifest(tmp_path / "manifest.yaml").cases == ("A", "B")
    r = runner.invoke(cli, ["manifest", "scan", str(tree), "-o", str(tmp_path / "out" / "m.csv"), "--format", "yaml"])
    assert r.exit_code == 2 and "disagrees" in r.output
    r = runner.invoke(cli, ["manifest", "scan", str(tree), "-o", str(tmp_path / "out" / "m.yml")])
    assert r.exit_code == 0 and (tmp_path / "out" / "m.yml").is_file()


def test_cli_scan_nothing_paired(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _mask(tmp_path / "data" / "A" / "CT_mask.nii.gz")
    r = runner.invoke(cli, ["manifest", "scan", str(tmp_path / "data")])
    assert r.exit_code == 1 and "nothing could be paired" in r.output and "A/CT_mask.nii.gz" in r.output
    assert not (tmp_path / "manifest.csv").exists()
    r = runner.invoke(cli, ["manifest", "scan", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "not a folder" in r.output
