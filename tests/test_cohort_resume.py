"""Kill a cohort run with SIGKILL midway, rerun it: it resumes, recomputes nothing finished,
and its tables equal an uninterrupted run's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from radiome.cohort import store
from radiome.cohort.manifest import write_manifest
from radiome.cohort.runner import run_cohort
from radiome.cohort.worker import CohortConfig
from test_cohort_runner import assert_same_tables, reference_study, sts_manifest


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
def test_sigkill_midway_then_resume(tmp_path, tmp_path_factory):
    manifest = sts_manifest()
    reference = reference_study(tmp_path_factory)
    manifest_csv = write_manifest(manifest, tmp_path / "manifest.csv")
    config = tmp_path / "cheap.yaml"
    config.write_text("families: [intensity_statistics, glcm]\n")
    study = tmp_path / "study"
    results = store.results_dir(study)
    cmd = [sys.executable, "-m", "radiome.cli.cohort", "extract", str(manifest_csv), "--config", str(config),
           "-o", str(study), "--jobs", "2"]
    with open(tmp_path / "log.txt", "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and proc.poll() is None:
                if results.is_dir() and len(list(results.glob("*.json"))) >= 5:
                    break
                time.sleep(0.02)
            assert proc.poll() is None, "the run ended before it could be killed:\n" + (tmp_path / "log.txt").read_text()
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, mid-write or not
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (study / "run.json").exists()

    done = {}
    for path in results.glob("*.json"):
        res = store.read_result(path)
        assert res is not None, f"partial result file {path.name}"  # atomic writes: whole or absent
        assert res["status"] == "ok"
        done[path.name] = (path.stat().st_mtime_ns, res["computed_at"])
    assert 5 <= len(done) < len(manifest.jobs)

    summary = run_cohort(manifest_csv, CohortConfig.from_settings(config), study, jobs=2)
    assert summary.n_failed == 0
    assert summary.n_skipped == len(done)
    assert summary.n_done == len(manifest.jobs) - len(done)
    for name, (mtime, computed) in done.items():  # nothing finished was recomputed
        path = results / name
        assert path.stat().st_mtime_ns == mtime
        assert json.loads(path.read_text())["computed_at"] == computed
    assert not list(results.glob(".*.tmp")) and not list((results / ".running").iterdir())
    assert_same_tables(study, reference)
