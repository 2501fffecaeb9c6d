"""The cohort runner: failure isolation, resume rules, reproduce, store primitives, CLI exit codes.

Also holds the helpers that the other cohort test files import (the STS manifest, the cheap
settings and the once-per-session reference run).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import shared_data
from radiome.cohort import store
from radiome.cohort.manifest import Job, Manifest, write_manifest
from radiome.cohort.record import read_record
from radiome.cohort.runner import _run_local, reproduce, run_cohort
from radiome.cohort.worker import CohortConfig, run_job
from radiome.io.synthetic import sphere_phantom
from radiome.io.writers import write_image, write_mask

#: Cheap CI settings: two families, no interpolation.
CHEAP = {"families": ["intensity_statistics", "glcm"]}
MODALITIES = ("CT", "MR_T1", "PET")
_REFERENCE: dict[str, Path] = {}


# --------------------------------------------------------------------------- helpers (shared)

def sts_manifest(root: Path | None = None) -> Manifest:
    """Every shared STS NIfTI patient x modality with an image (51 jobs), ROI 'GTV', and two
    clinical columns carried through."""
    root = root or shared_data("sts", "nifti")
    clinical = pd.read_csv(shared_data("sts", "clinical.csv"), dtype=str, keep_default_na=False)
    clinical = clinical.set_index("patient_id")
    jobs = []
    for case in sorted(p.name for p in root.iterdir() if p.is_dir()):
        for mod in MODALITIES:
            image = root / case / f"{mod}_image.nii.gz"
            if image.exists():
                jobs.append(Job(case, mod, image, "GTV", root / case / f"{mod}_mask.nii.gz"))
    cases = dict.fromkeys(j.case_id for j in jobs)
    extra = {c: {"lung_mets": clinical.loc[c, "lung_mets"], "grade": clinical.loc[c, "grade"]} for c in cases}
    return Manifest(tuple(jobs), extra)


def reference_study(tmp_path_factory) -> Path:
    """An uninterrupted run of :func:`sts_manifest` with :data:`CHEAP` on 2 local processes,
    made once per test session."""
    if "dir" not in _REFERENCE:
        d = tmp_path_factory.mktemp("sts_reference") / "study"
        t0 = time.perf_counter()
        summary = run_cohort(sts_manifest(), CHEAP, d, jobs=2)
        _REFERENCE["seconds"] = time.perf_counter() - t0  # type: ignore[assignment]
        assert summary.n_failed == 0 and summary.n_done == summary.n_total == 51
        _REFERENCE["dir"] = d
    return _REFERENCE["dir"]


def read_tables(study: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(wide, long) feature tables of a study folder."""
    return pd.read_parquet(study / "features_wide.parquet"), pd.read_parquet(study / "features_long.parquet")


def assert_same_tables(a: Path, b: Path) -> None:
    wa, la = read_tables(a)
    wb, lb = read_tables(b)
    pd.testing.assert_frame_equal(wa, wb)
    pd.testing.assert_frame_equal(la, lb)


def small_case(folder: Path, seed: int, shape=(10, 20, 20), radius_mm: float = 5.0) -> tuple[Path, Path]:
    """A small synthetic image + mask pair written as NIfTI."""
    img, msk = sphere_phantom(seed=seed, shape=shape, radius_mm=radius_mm)
    folder.mkdir(parents=True, exist_ok=True)
    return write_image(img, folder / "image.nii.gz"), write_mask(msk, folder / "mask.nii.gz")


def small_manifest(root: Path, n: int = 3) -> Manifest:
    jobs = []
    for i in range(n):
        image, mask = small_case(root / f"case{i}", seed=i)
        jobs.append(Job(f"case{i}", "CT", image, "GTV", mask))
    return Manifest(tuple(jobs), {f"case{i}": {"centre": f"c{i % 2}"} for i in range(n)})


def computed_at(study: Path, key: str) -> str:
    return json.loads((study / "results" / f"{key}.json").read_text())["computed_at"]


# --------------------------------------------------------------------------- failure isolation

@pytest.fixture(scope="module")
def broken_cohort(tmp_path_factory):
    """Good STS cases plus one corrupt image, one missing file and one empty mask, as a CSV manifest."""
    root = shared_data("sts", "nifti")
    d = tmp_path_factory.mktemp("broken")
    jobs = [Job(c, m, root / c / f"{m}_image.nii.gz", "GTV", root / c / f"{m}_mask.nii.gz")
            for c in ("STS_002", "STS_004") for m in MODALITIES]
    corrupt = d / "corrupt_image.nii.gz"
    corrupt.write_bytes(np.random.default_rng(0).bytes(4096))
    import nibabel as nib

    ref = nib.load(root / "STS_005" / "PET_mask.nii.gz")
    empty = d / "empty_mask.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros(ref.shape, np.uint8), ref.affine), empty)
    jobs += [
        Job("STS_003", "PET", corrupt, "GTV", root / "STS_003" / "PET_mask.nii.gz"),
        Job("STS_005", "PET", root / "STS_005" / "PET_image.nii.gz", "GTV", empty),
        Job("STS_006", "PET", d / "no_such_image.nii.gz", "GTV", root / "STS_006" / "PET_mask.nii.gz"),
    ]
    manifest = Manifest(tuple(jobs), {c: {"centre": "A"} for c in dict.fromkeys(j.case_id for j in jobs)})
    path = write_manifest(manifest, d / "manifest.csv")
    config = d / "cheap.yaml"
    config.write_text("families: [intensity_statistics, glcm]\n")
    return path, config, d


def test_failures_isolated_and_reported(broken_cohort):
    from radiome.cli.cohort import app

    manifest, config, d = broken_cohort
    study = d / "study"
    r = CliRunner().invoke(app, ["extract", str(manifest), "--config", str(config), "-o", str(study), "--jobs", "2"])
    assert r.exit_code == 1, r.output
    assert "3 failed" in r.output and "failures.csv" in r.output
    failures = pd.read_csv(study / "failures.csv")
    got = {row.case_id: (row.error_class, row.message) for row in failures.itertuples()}
    assert set(got) == {"STS_003", "STS_005", "STS_006"}
    assert got["STS_003"][0] == "InputError" and "cannot be read" in got["STS_003"][1]
    assert got["STS_005"][0] == "EmptyMaskError" and "no voxel" in got["STS_005"][1]
    assert got["STS_006"][0] == "InputError" and "not found" in got["STS_006"][1]
    wide, long = read_tables(study)
    assert list(wide["case_id"]) == ["STS_002", "STS_004", "STS_003", "STS_005", "STS_006"]
    for case in ("STS_002", "STS_004"):  # every good job extracted
        row = wide.set_index("case_id").loc[case]
        for m in MODALITIES:
            assert np.isfinite(row[f"{m}_GTV_intensity_statistics_mean"])
    assert wide.set_index("case_id").loc["STS_003"].filter(like="PET_GTV").isna().all()
    assert set(long["case_id"]) == {"STS_002", "STS_004"}
    rec = read_record(study / "run.json")
    assert rec["summary"] == {"n_total": 9, "n_done": 6, "n_skipped": 0, "n_failed": 3}
    status = {j["key"]: (j["status"], j["error_class"]) for j in rec["jobs"]}
    assert status["STS_005__PET__GTV"] == ("failed", "EmptyMaskError")
    assert rec["jobs"][0]["checksums"]["image"].startswith("sha256:")
    assert rec["config"]["kind"] == "radiome" and rec["config"]["data"]["families"] == ["intensity_statistics", "glcm"]
    assert rec["versions"]["radiome"] and rec["manifest"]["extra"]["STS_002"] == {"centre": "A"}

    # a rerun retries the failed jobs only, and still exits 1
    r2 = CliRunner().invoke(app, ["extract", str(manifest), "--config", str(config), "-o", str(study), "--jobs", "2"])
    assert r2.exit_code == 1, r2.output
    rec2 = read_record(study / "run.json")
    assert rec2["summary"] == {"n_total": 9, "n_done": 0, "n_skipped": 6, "n_failed": 3}


def test_reproduce_from_record_alone(broken_cohort, tmp_path):
    """The record alone (config + manifest) reproduces the tables and the failures."""
    manifest, config, d = broken_cohort
    study = d / "study"
    if not (study / "run.json").exists():
        summary = run_cohort(manifest, CohortConfig.from_settings(config), study, jobs=2)
        assert summary.n_failed == 3
    from radiome.cli.cohort import app

    r = CliRunner().invoke(app, ["reproduce", str(study / "run.json"), "-o", str(tmp_path / "again"), "--jobs", "2"])
    assert r.exit_code == 1, r.output  # the same three jobs fail again
    assert_same_tables(study, tmp_path / "again")
    pd.testing.assert_frame_equal(pd.read_csv(study / "failures.csv"), pd.read_csv(tmp_path / "again" / "failures.csv"))
    rec = read_record(tmp_path / "again")
    assert rec["reproduced_from"]["config_hash"] == read_record(study)["config"]["hash"] == rec["config"]["hash"]
    assert "notes" not in rec  # inputs unchanged since the recorded run


def test_reproduce_refuses_own_folder(broken_cohort):
    from radiome.errors import InputError

    _manifest, _config, d = broken_cohort
    if (d / "study" / "run.json").exists():
        with pytest.raises(InputError, match="new folder"):
            reproduce(d / "study" / "run.json", d / "study")


# --------------------------------------------------------------------------- resume rules

def test_resume_skips_done_and_recomputes_changes(tmp_path):
    m = small_manifest(tmp_path / "data", n=3)
    study = tmp_path / "study"
    s1 = run_cohort(m, CHEAP, study, jobs=2)
    assert (s1.n_done, s1.n_skipped, s1.n_failed) == (3, 0, 0)
    first = {j.key: computed_at(study, j.key) for j in m.jobs}

    s2 = run_cohort(m, CHEAP, study, jobs=2)  # same config, same inputs: nothing recomputed
    assert (s2.n_done, s2.n_skipped) == (0, 3)
    assert {j.key: computed_at(study, j.key) for j in m.jobs} == first

    changed = {"families": ["intensity_statistics"]}  # config change: everything recomputed
    s3 = run_cohort(m, changed, study, jobs=2)
    assert (s3.n_done, s3.n_skipped) == (3, 0) and s3.config_hash != s1.config_hash
    assert all(computed_at(study, j.key) > first[j.key] for j in m.jobs)
    wide, _ = read_tables(study)
    assert not any(c.startswith("CT_GTV_glcm") for c in wide.columns)
    third = {j.key: computed_at(study, j.key) for j in m.jobs}

    img, _ = sphere_phantom(seed=99, shape=(10, 20, 20), radius_mm=5.0)  # input change: that job only
    write_image(img, m.jobs[1].image)
    s4 = run_cohort(m, changed, study, jobs=2)
    assert (s4.n_done, s4.n_skipped) == (1, 2)
    assert [o.status for o in s4.outcomes] == ["skipped", "ok", "skipped"]
    assert computed_at(study, m.jobs[0].key) == third[m.jobs[0].key]

    s5 = run_cohort(m, changed, study, jobs=1, force=True)  # force: everything
    assert (s5.n_done, s5.n_skipped) == (3, 0)

    renamed = Manifest((m.jobs[0], Job("case1", "CT", m.jobs[1].image, "GTV", m.jobs[1].mask, label=1), m.jobs[2]), m.extra)
    s6 = run_cohort(renamed, changed, study, jobs=1)  # job identity (label) changed: recomputed
    assert [o.status for o in s6.outcomes] == ["skipped", "ok", "skipped"]


def test_failed_jobs_are_retried(tmp_path):
    m = small_manifest(tmp_path / "data", n=2)
    m.jobs[1].mask.rename(tmp_path / "moved.nii.gz")
    study = tmp_path / "study"
    s1 = run_cohort(m, CHEAP, study, jobs=1)
    assert (s1.n_done, s1.n_failed) == (1, 1) and s1.failures[0].error_class == "InputError"
    (tmp_path / "moved.nii.gz").rename(m.jobs[1].mask)
    s2 = run_cohort(m, CHEAP, study, jobs=1)
    assert (s2.n_done, s2.n_skipped, s2.n_failed) == (1, 1, 0)
    assert pd.read_csv(study / "failures.csv").empty


def test_tables_and_extra_columns(tmp_path):
    m = small_manifest(tmp_path / "data", n=2)
    study = tmp_path / "study"
    s = run_cohort(m, CHEAP, study, jobs=1, csv=True)
    wide, long = read_tables(study)
    assert list(wide.columns[:2]) == ["case_id", "centre"] and list(wide["centre"]) == ["c0", "c1"]
    assert all(c.startswith("CT_GTV_") for c in wide.columns[2:])
    assert list(long.columns) == list(store.LONG_COLUMNS)
    assert long["ibsi_code"].notna().all() and set(long["variant"]) == {"original"}
    one = long[(long.case_id == "case1") & (long.column == "intensity_statistics_mean")]
    assert one["value"].iloc[0] == wide.loc[1, "CT_GTV_intensity_statistics_mean"]
    pd.testing.assert_frame_equal(pd.read_csv(study / "features_wide.csv"), wide)
    assert s.tables["features_long_csv"].exists()


def test_progress_events(tmp_path):
    m = small_manifest(tmp_path / "data", n=2)
    events = []
    run_cohort(m, CHEAP, tmp_path / "study", jobs=1, progress=events.append)
    assert [e.done for e in events] == [1, 2] and all(e.total == 2 for e in events)
    events.clear()
    run_cohort(m, CHEAP, tmp_path / "study", jobs=1, progress=events.append)
    assert [e.outcome.status for e in events] == ["skipped", "skipped"]
    from io import StringIO

    from radiome.cohort.progress import LogProgress

    buf = StringIO()
    for e in events:
        LogProgress(buf)(e)
    assert "[2/2] skipped case1__CT__GTV" in buf.getvalue()


# --------------------------------------------------------------------------- memory and crashes

def test_memory_limit_records_out_of_memory(tmp_path):
    """A case that needs more memory than the worker's limit fails alone with MemoryError."""
    si, sm = small_case(tmp_path / "small", 0, shape=(4, 8, 8), radius_mm=2.0)
    bi, bm = small_case(tmp_path / "big", 1, shape=(40, 96, 96), radius_mm=22.0)
    small, big = Job("small", "CT", si, "GTV", sm), Job("big", "CT", bi, "GTV", bm)
    settings = {"families": ["intensity_statistics"], "interpolation": {"spacing_xyz": [0.1, 0.1, 0.1]}}
    s = run_cohort(Manifest((small, big)), settings, tmp_path / "study", jobs=1, memory_limit_mb=1024)
    status = {o.case_id: o for o in s.outcomes}
    assert status["small"].status == "ok"
    assert status["big"].status == "failed" and status["big"].error_class == "MemoryError"
    assert "out of memory" in status["big"].error_message and "1024 MB" in status["big"].error_message


def die_on_bad(job, payload, store_dir, **kwargs):
    """A job function that kills its own worker process for case 'bad' (as the OOM killer would)."""
    if job.case_id == "bad":
        store.running_marker(store_dir, job).parent.mkdir(parents=True, exist_ok=True)
        store.running_marker(store_dir, job).write_text("dying")
        os.kill(os.getpid(), signal.SIGKILL)
    return run_job(job, payload, store_dir, **kwargs)


def test_killed_worker_fails_its_job_only(tmp_path):
    m = small_manifest(tmp_path / "data", n=3)
    jobs = list(m.jobs)
    jobs.insert(1, Job("bad", "CT", jobs[0].image, "GTV", jobs[0].mask))
    cfg = CohortConfig.from_settings(CHEAP)
    study = tmp_path / "study"
    checksums = store.job_checksums(jobs)
    outcomes = {}
    _run_local(jobs, 2, cfg.to_dict(), study, checksums, None, lambda o: outcomes.__setitem__(o.key, o),
               "0000", fn=die_on_bad)
    assert set(outcomes) == {j.key for j in jobs}
    assert outcomes["bad__CT__GTV"].status == "failed"
    assert outcomes["bad__CT__GTV"].error_class == "BrokenProcessPool"
    assert "retried alone" in outcomes["bad__CT__GTV"].error_message
    assert all(o.status == "ok" for k, o in outcomes.items() if k != "bad__CT__GTV")
    assert store.read_result(study / "results" / "bad__CT__GTV.json")["status"] == "failed"


# --------------------------------------------------------------------------- store primitives

def test_atomic_write_leaves_old_file_on_crash(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    store.atomic_write_json(target, {"v": 1})

    def crash(*args, **kwargs):
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated"):
        store.atomic_write_json(target, {"v": 2})
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left


def test_atomic_write_survives_sigkill(tmp_path):
    """A process killed in the middle of a write leaves the old file whole; the stray temporary
    file is ignored and cleaned up by the next run."""
    target = tmp_path / "results" / "k.json"
    store.atomic_write_json(target, {"format": store.RESULT_FORMAT, "v": 1})
    code = textwrap.dedent(f"""
        import os, signal
        from radiome.cohort import store
        os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
        store.atomic_write_bytes({str(target)!r}, b'{{"v": 2' + b' ' * 10_000_000)
    """)
    proc = subprocess.run([sys.executable, "-c", code])
    assert proc.returncode == -signal.SIGKILL
    assert store.read_result(target)["v"] == 1
    leftovers = [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1
    store.clean_stale_files(tmp_path)
    assert [p.name for p in target.parent.iterdir()] == ["k.json"]


def test_checksums_of_files_and_dicom_folders(tmp_path):
    series = tmp_path / "series"
    series.mkdir()
    for i in range(4):
        (series / f"IM{i:04d}.dcm").write_bytes(bytes([i]) * 1000)
    (series / ".DS_Store").write_bytes(b"ignored")
    h = store.input_checksum(series)
    assert h.startswith("sha256-dir:4:")
    copy = tmp_path / "elsewhere" / "copy"
    copy.parent.mkdir()
    os.rename(series, copy)
    assert store.input_checksum(copy) == h  # location-independent
    (copy / "IM0002.dcm").write_bytes(bytes([9]) * 1000)
    changed = store.input_checksum(copy)
    assert changed != h  # content
    (copy / "IM0002.dcm").rename(copy / "IM0009.dcm")
    assert store.input_checksum(copy) not in (h, changed)  # names
    (copy / "extra.dcm").write_bytes(b"x")
    assert store.input_checksum(copy).startswith("sha256-dir:5:")
    f = copy / "IM0000.dcm"
    import hashlib

    assert store.input_checksum(f) == "sha256:" + hashlib.sha256(f.read_bytes()).hexdigest()
    assert store.input_checksum(tmp_path / "missing") is None


def test_checksum_of_real_dicom_series():
    folder = shared_data("sts", "dicom", "STS_001", "PET", "image")
    h = store.input_checksum(folder)
    n = sum(1 for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert h == store.input_checksum(folder) and h.startswith(f"sha256-dir:{n}:")


def test_dicom_rtstruct_job(tmp_path):
    """A DICOM series + RTSTRUCT job runs through the store with folder checksums."""
    root = shared_data("sts", "dicom", "STS_001", "PET")
    rs = next((root / "mask").glob("*.dcm"))
    job = Job("STS_001", "PET", root / "image", "GTV", rs, roi_name="GTV_Mass")
    s = run_cohort(Manifest((job,)), CHEAP, tmp_path / "study", jobs=1)
    assert s.n_done == 1, s.failures
    res = store.read_result(tmp_path / "study" / "results" / "STS_001__PET__GTV.json")
    assert res["checksums"]["image"].startswith("sha256-dir:")


# --------------------------------------------------------------------------- CLI and config

def test_cli_config_errors_exit_2(tmp_path):
    from radiome.cli.cohort import app

    m = write_manifest(small_manifest(tmp_path / "data", n=1), tmp_path / "m.csv")
    runner = CliRunner()
    r = runner.invoke(app, ["extract", str(m), "-o", str(tmp_path / "s")])
    assert r.exit_code == 2 and "exactly one of" in r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("families: [glcmm]\n")
    r = runner.invoke(app, ["extract", str(m), "--config", str(bad), "-o", str(tmp_path / "s")])
    assert r.exit_code == 2 and "glcm" in r.output
    r = runner.invoke(app, ["extract", str(tmp_path / "nope.csv"), "--preset", "ibsi1-config-a", "-o", str(tmp_path / "s")])
    assert r.exit_code == 2 and "manifest not found" in r.output
    r = runner.invoke(app, ["extract", str(m), "--preset", "ibsi1-config-a", "-o", str(tmp_path / "s"),
                            "--scheduler", "tcp://127.0.0.1:9", "--memory-limit", "2000"])
    assert r.exit_code == 2 and "dask worker --memory-limit" in r.output


def test_cli_success_exit_0(tmp_path):
    from radiome.cli.cohort import app

    m = write_manifest(small_manifest(tmp_path / "data", n=2), tmp_path / "m.csv")
    cfg = tmp_path / "c.yaml"
    cfg.write_text("families: [intensity_statistics]\n")
    r = CliRunner().invoke(app, ["extract", str(m), "--config", str(cfg), "-o", str(tmp_path / "s"), "-j", "1", "--csv"])
    assert r.exit_code == 0, r.output
    assert "2 computed, 0 reused, 0 failed" in r.output
    assert (tmp_path / "s" / "features_wide.csv").exists()
    assert isinstance(read_record(tmp_path / "s")["command"], list)


def test_pyradiomics_params(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("setting: {binWidth: 25}\nimageType: {Original: {}}\nfeatureClass: {firstorder: [Mean, Energy]}\n")
    m = small_manifest(tmp_path / "data", n=1)
    cfg = CohortConfig.from_pyradiomics(params)
    assert cfg.kind == "pyradiomics" and cfg.hash.startswith("pyradiomics-")
    s = run_cohort(m, cfg, tmp_path / "study", jobs=1)
    assert s.n_done == 1, s.failures
    wide, long = read_tables(tmp_path / "study")
    assert "CT_GTV_original_firstorder_Mean" in wide.columns
    assert set(long["family"]) == {"firstorder"} and set(long["variant"]) == {"original"}
    from radiome.compat.pyradiomics.extractor import extract_pyradiomics

    direct = extract_pyradiomics(m.jobs[0].image, m.jobs[0].mask, str(params))
    assert wide.loc[0, "CT_GTV_original_firstorder_Mean"] == direct["original_firstorder_Mean"]
    assert CohortConfig.from_record(cfg.to_dict()) == cfg


def test_reproduce_notes_changed_inputs(tmp_path):
    m = small_manifest(tmp_path / "data", n=2)
    run_cohort(m, CHEAP, tmp_path / "study", jobs=1)
    img, _ = sphere_phantom(seed=42, shape=(10, 20, 20), radius_mm=5.0)
    write_image(img, m.jobs[0].image)
    s = reproduce(tmp_path / "study", tmp_path / "again", jobs=1)
    assert s.n_done == 2 and len(s.notes) == 1 and "case0__CT__GTV" in s.notes[0]
    assert read_record(tmp_path / "again")["notes"] == list(s.notes)


def test_memory_limit_below_worker_size_is_explained(tmp_path):
    m = small_manifest(tmp_path / "data", n=1)
    s = run_cohort(m, CHEAP, tmp_path / "study", jobs=1, memory_limit_mb=64)
    assert s.n_failed == 1 and s.failures[0].error_class == "ConfigError"
    assert "--memory-limit 64 MB is too low" in s.failures[0].error_message
