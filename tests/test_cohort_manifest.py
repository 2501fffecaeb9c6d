"""radiome.cohort.manifest: the study manifest (CSV and YAML), its validation and round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from radiome.cohort import Job, Manifest, ManifestError, read_manifest, write_manifest
from radiome.errors import InputError

HEADER = "case_id,modality,image,roi,mask,roi_name,label,age,lung_mets"


def _csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "m.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def _yaml(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _error(path: Path) -> str:
    with pytest.raises(ManifestError) as info:
        read_manifest(path)
    return str(info.value)


# --------------------------------------------------------------------------- values


def test_job_key_paths_and_types(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    job = Job(" STS 001 ", "MR/T1", "a/img.nii.gz", "GTV:1", tmp_path / "m.nii.gz", roi_name="", label=None)
    assert job.case_id == "STS 001" and job.roi_name is None
    assert job.image == tmp_path / "a" / "img.nii.gz" and job.image.is_absolute()
    assert job.key == "STS_001__MR_T1__GTV_1"
    assert Job("A", "CT", "/x/i.nii", "GTV", "/x/m.nii", label=2.0).label == 2
    with pytest.raises(ManifestError, match="case_id"):
        Job("  ", "CT", "/i", "GTV", "/m")
    with pytest.raises(ManifestError, match="not both"):
        Job("A", "CT", "/i", "GTV", "/m", roi_name="GTV", label=1)
    with pytest.raises(ManifestError, match="integer"):
        Job("A", "CT", "/i", "GTV", "/m", label=1.5)
    assert issubclass(ManifestError, InputError)


def test_manifest_checks_jobs():
    a = Job("A", "CT", "/d/ct.nii", "GTV", "/d/m.nii")
    with pytest.raises(ManifestError, match="duplicate job"):
        Manifest((a, Job("A", "CT", "/d/ct.nii", "GTV", "/d/m2.nii")))
    with pytest.raises(ManifestError, match="same file-safe key"):
        Manifest((a, Job("A", "ct", "/d/ct2.nii", "GTV", "/d/m.nii")))
    with pytest.raises(ManifestError, match="two 'CT' images"):
        Manifest((a, Job("A", "CT", "/d/other.nii", "Node", "/d/n.nii")))
    with pytest.raises(ManifestError, match="no job"):
        Manifest((a,), {"B": {"age": "3"}})
    with pytest.raises(ManifestError, match="clash"):
        Manifest((a,), {"A": {"roi": "x"}})
    m = Manifest([a, Job("B", "CT", "/d/b.nii", "GTV", "/d/bm.nii")], {"B": {"age": 3}})
    assert m.extra == {"A": {"age": ""}, "B": {"age": "3"}}
    assert m.cases == ("A", "B") and m.extra_columns == ("age",) and len(m) == 2
    with pytest.raises(TypeError):
        m.extra["A"]["age"] = "4"  # read-only


# --------------------------------------------------------------------------- CSV


def test_read_csv_relative_paths_extras_and_blank_cells(tmp_path):
    (tmp_path / "STS_001").mkdir()
    for f in ("CT_image.nii.gz", "CT_mask.nii.gz", "PET_image.nii.gz", "PET_mask.nii.gz"):
        (tmp_path / "STS_001" / f).write_bytes(b"")
    p = _csv(
        tmp_path,
        "# a comment line",
        "STS_001,CT,STS_001/CT_image.nii.gz,GTV,STS_001/CT_mask.nii.gz,,,54,1",
        "",
        "STS_001,PET,STS_001/PET_image.nii.gz,GTV,STS_001/PET_mask.nii.gz,,, ,",
        "STS_002,CT,/elsewhere/ct,GTV,/elsewhere/RS.dcm,GTV_Mass,,61,0",
        "STS_002,CT,/elsewhere/ct,Node,/elsewhere/labels.nii.gz,,2,61,",
    )
    m = read_manifest(p)
    assert m.source == p and len(m) == 4
    assert m.jobs[0].image == tmp_path / "STS_001" / "CT_image.nii.gz"
    assert m.jobs[2].roi_name == "GTV_Mass" and m.jobs[3].label == 2
    assert m.extra == {"STS_001": {"age": "54", "lung_mets": "1"}, "STS_002": {"age": "61", "lung_mets": "0"}}
    assert m.modalities == ("CT", "PET") and m.rois == ("GTV", "Node")
    assert [j.key for j in m.jobs_for("STS_002")] == ["STS_002__CT__GTV", "STS_002__CT__Node"]
    missing = m.missing_files()
    assert {(x.job.key, x.what) for x in missing} == {
        ("STS_002__CT__GTV", "image"), ("STS_002__CT__GTV", "mask"),
        ("STS_002__CT__Node", "image"), ("STS_002__CT__Node", "mask"),
    }
    assert "image not found: /elsewhere/ct" in str(missing[0])


def test_read_csv_semicolon_bom_and_header_case(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("\ufeffCase_ID;Modality;Image;ROI;Mask;centre\nA;CT;a.nii;GTV;m.nii;X\n", encoding="utf-8")
    m = read_manifest(p)
    assert m.jobs[0].case_id == "A" and m.extra == {"A": {"centre": "X"}}


def test_csv_round_trip(tmp_path):
    p = _csv(
        tmp_path,
        "A,CT,A/ct.nii.gz,GTV,A/m.nii.gz,,,54,1",
        "A,PET,A/pet.nii.gz,GTV,A/pm.nii.gz,,,54,1",
        "B,CT,/data/B/ct,GTV,/data/B/RS.dcm,GTV_Mass_CT,,\"6,1\",0",
        "B,CT,/data/B/ct,Node,/data/B/lab.nrrd,,3,,0",
    )
    m = read_manifest(p)
    out = write_manifest(m, tmp_path / "sub" / "again.csv")
    text = out.read_text()
    assert "/data/B/RS.dcm" in text and "../" not in text
    back = read_manifest(out)
    assert back.jobs == m.jobs and back.extra == m.extra
    same_dir = read_manifest(write_manifest(m, tmp_path / "copy.csv"))
    assert "A/ct.nii.gz" in (tmp_path / "copy.csv").read_text() and same_dir.jobs == m.jobs


def test_yaml_round_trip_and_cross_format(tmp_path):
    p = _csv(
        tmp_path,
        "A,CT,A/ct.nii.gz,GTV,A/m.nii.gz,,,54,1",
        "A,PET,A/pet.nii.gz,GTV,A/m.nii.gz,,,54,1",
        "A,PET,A/pet.nii.gz,Node,A/node.nii.gz,,2,54,1",
        "B,CT,B/ct,GTV,B/RS.dcm,GTV_Mass_CT,,,0",
        "B,MR,B/mr,GTV,B/RS_mr.dcm,GTV_Mass_MR,,,0",
    )
    m = read_manifest(p)
    y = write_manifest(m, tmp_path / "m.yaml")
    back = read_manifest(y)
    assert back.jobs == m.jobs and back.extra == m.extra
    assert read_manifest(write_manifest(back, tmp_path / "again.csv")).jobs == m.jobs
    with pytest.raises(ManifestError, match="unknown manifest format"):
        write_manifest(m, tmp_path / "x.csv", format="json")
    with pytest.raises(ManifestError, match="suffix"):
        write_manifest(m, tmp_path / "x.json")


# --------------------------------------------------------------------------- YAML

BRIEF_YAML = """\
cases:
  - case_id: STS_001
    images: {CT: CT_image.nii.gz, PET: PET_image.nii.gz}
    masks:                       # ROI -> mask for every image, or ROI -> {modality: mask}
      GTV: {CT: CT_mask.nii.gz, PET: PET_mask.nii.gz}
    roi_names: {GTV: GTV_Mass}   # optional, name inside RTSTRUCT/SEG
    clinical: {age: 54, lung_mets: 1}   # optional, carried through
  - case_id: 007
    images:
      MR_T1: /abs/mr
    masks:
      GTV: /abs/RS.dcm
      Node: /abs/labels.nii.gz
    labels: {Node: 2}
    clinical: {age: null, lung_mets: 0, note: 'yes: quoted'}
"""


def test_read_yaml_brief_form(tmp_path):
    m = read_manifest(_yaml(tmp_path, BRIEF_YAML))
    assert [j.key for j in m.jobs] == ["STS_001__CT__GTV", "STS_001__PET__GTV", "007__MR_T1__GTV", "007__MR_T1__Node"]
    ct = m.jobs[0]
    assert ct.image == tmp_path / "CT_image.nii.gz" and ct.mask == tmp_path / "CT_mask.nii.gz"
    assert ct.roi_name == "GTV_Mass" and m.jobs[1].roi_name == "GTV_Mass"
    assert m.jobs[2].roi_name is None and m.jobs[3].label == 2
    assert m.extra["STS_001"] == {"age": "54", "lung_mets": "1", "note": ""}
    assert m.extra["007"] == {"age": "", "lung_mets": "0", "note": "yes: quoted"}


def test_yaml_mask_for_every_image_and_per_modality_names(tmp_path):
    m = read_manifest(_yaml(tmp_path, """\
cases:
  - case_id: A
    images: {CT: ct.nii, PET: pet.nii}
    masks: {GTV: m.nii}
    roi_names: {GTV: {PET: GTV_PET}}
"""))
    assert [(j.modality, j.mask.name, j.roi_name) for j in m.jobs] == [("CT", "m.nii", None), ("PET", "m.nii", "GTV_PET")]


# --------------------------------------------------------------------------- validation errors (CSV)


def test_csv_missing_required_column(tmp_path):
    msg = _error(_csv(tmp_path, "A,CT,a.nii,GTV,m.nii", header="case_id,modalty,image,roi,mask"))
    assert "line 1" in msg and "missing required column" in msg and "'modality'" in msg
    assert "modalty" in msg  # suggests the misspelt column


def test_csv_duplicate_job(tmp_path):
    msg = _error(_csv(tmp_path, "A,CT,a.nii,GTV,m.nii,,,,", "A,PET,p.nii,GTV,m.nii,,,,", "A,CT,a.nii,GTV,m2.nii,,,,"))
    assert "line 4" in msg and "duplicate job" in msg and "line 2" in msg and "another name" in msg


def test_csv_empty_case_id(tmp_path):
    msg = _error(_csv(tmp_path, "A,CT,a.nii,GTV,m.nii,,,,", " ,CT,a.nii,GTV,m.nii,,,,"))
    assert "line 3" in msg and "empty case_id" in msg and "give every row a case id" in msg


def test_csv_empty_required_value(tmp_path):
    msg = _error(_csv(tmp_path, "A,CT,a.nii,GTV,,,,,"))
    assert "line 2" in msg and "empty mask" in msg


def test_csv_conflicting_extra_values(tmp_path):
    msg = _error(_csv(tmp_path, "A,CT,a.nii,GTV,m.nii,,,54,1", "A,PET,p.nii,GTV,m.nii,,,55,1"))
    assert "line 3" in msg and "'age'" in msg and "'55'" in msg and "'54' on line 2" in msg and "must agree" in msg


def test_csv_one_modality_two_images(tmp_path):
    msg = _error(_csv(tmp_path, "A,CT,a.nii,GTV,m.nii,,,,", "A,CT,b.nii,Node,n.nii,,,,"))
    assert "line 3" in msg and "modality 'CT'" in msg and "another modality name" in msg


def test_csv_row_length_label_and_both_names(tmp_path):
    assert "line 2" in _error(_csv(tmp_path, "A,CT,a.nii,GTV,m.nii,,"))
    msg = _error(_csv(tmp_path, "A,CT,a.nii,GTV,m.nii,,one,,"))
    assert "line 2" in msg and "label 'one'" in msg
    msg = _error(_csv(tmp_path, "A,CT,a.nii,GTV,m.nii,GTV,1,,"))
    assert "line 2" in msg and "both roi_name" in msg


def test_csv_duplicate_header_and_empty(tmp_path):
    msg = _error(_csv(tmp_path, "A,CT,a,G,m,1,2", header="case_id,modality,image,roi,mask,age,Age"))
    assert "line 1" in msg and "'Age' appears twice" in msg
    assert "lists no jobs" in _error(_csv(tmp_path))
    (tmp_path / "e.csv").write_text("\n\n")
    assert "empty" in _error(tmp_path / "e.csv")


def test_unknown_suffix_and_missing_file(tmp_path):
    (tmp_path / "m.json").write_text("{}")
    assert ".csv or .yaml" in _error(tmp_path / "m.json")
    assert "manifest not found" in _error(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- validation errors (YAML)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("- a\n", "'cases' list"),
        ("cases: []\n", "non-empty list"),
        ("cases:\n  - {case_id: A, images: {CT: a}, masks: {G: m}}\nextra: 1\n", "line 3: unknown top-level key"),
        ("cases:\n  - case_id: A\n    image: {CT: a}\n    masks: {G: m}\n", "line 3: unknown key 'image' (did you mean 'images'?)"),
        ("cases:\n  - case_id: ''\n    images: {CT: a}\n    masks: {G: m}\n", "line 2: empty or missing case_id"),
        ("cases:\n  - images: {CT: a}\n    masks: {G: m}\n", "line 2: empty or missing case_id"),
        ("cases:\n  - {case_id: A, images: {CT: a}, masks: {G: m}}\n  - {case_id: A, images: {CT: b}, masks: {G: n}}\n",
         "line 3: case 'A' is already listed on line 2"),
        ("cases:\n  - case_id: A\n    images: {CT: a}\n    masks:\n      G: m\n      G: n\n", "line 6: key 'G' appears twice"),
        ("cases:\n  - case_id: A\n    images: {CT: a}\n    masks:\n      G: {PT: m}\n", "line 5: the mask of ROI 'G' names modality 'PT'"),
        ("cases:\n  - case_id: A\n    images: {CT: a, PET: p}\n    masks:\n      G: {CT: m}\n", "image(s) PET have no mask"),
        ("cases:\n  - case_id: A\n    images: {CT: a}\n    masks: {G: m}\n    roi_names: {H: x}\n", "line 5: roi_names names ROI 'H'"),
        ("cases:\n  - case_id: A\n    images: {CT: a}\n    masks: {G: m}\n    labels: {G: x}\n", "label 'x'"),
        ("cases:\n  - case_id: A\n    images: {CT: a}\n    masks: {G: m}\n    clinical: {age: [1, 2]}\n", "single value"),
        ("cases:\n  - case_id: A\n    images: {CT: a}\n    masks: {G: m}\n    clinical: {mask: 1}\n", "clash"),
        ("cases:\n  - case_id: A\n    images: {CT: a\n", "not valid YAML"),
        ("cases:\n  - case_id: A\n    masks: {G: m}\n", "needs 'images'"),
        ("cases:\n  - case_id: A\n    images: {CT: a}\n", "needs 'masks'"),
    ],
)
def test_yaml_errors(tmp_path, text, expected):
    assert expected in _error(_yaml(tmp_path, text))
