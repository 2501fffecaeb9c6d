"""The same cohort run on 2 local processes and on a real Dask scheduler with 2 workers
(started on loopback by the test) gives identical tables."""

from __future__ import annotations

import pytest

from radiome.cohort.manifest import Job, Manifest
from radiome.cohort.record import read_record
from radiome.cohort.runner import run_cohort
from test_cohort_runner import CHEAP, assert_same_tables, reference_study, sts_manifest

distributed = pytest.importorskip("distributed", reason="the Dask tests need radiome[dask]")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as c:
        yield c


def test_dask_equals_local(cluster, tmp_path, tmp_path_factory):
    manifest = sts_manifest()
    local = reference_study(tmp_path_factory)
    study = tmp_path / "dask"
    summary = run_cohort(manifest, CHEAP, study, scheduler=cluster.scheduler_address)
    assert (summary.n_done, summary.n_failed) == (len(manifest.jobs), 0)
    assert_same_tables(local, study)
    rec = read_record(study)
    assert rec["execution"]["backend"] == "dask" and rec["execution"]["n_workers"] == 2
    assert rec["versions"]["distributed"] != "not installed"
    local_rec = read_record(local)
    assert [j["checksums"] for j in rec["jobs"]] == [j["checksums"] for j in local_rec["jobs"]]

    again = run_cohort(manifest, CHEAP, study, scheduler=cluster.scheduler_address)  # resume on Dask
    assert again.n_skipped == len(manifest.jobs) and again.n_done == 0


def test_dask_failure_isolation_with_client(cluster, tmp_path):
    good = sts_manifest().jobs[:2]
    missing = Job("STS_X", "PET", tmp_path / "nope.nii.gz", "GTV", good[0].mask)
    with distributed.Client(cluster, set_as_default=False) as client:
        summary = run_cohort(Manifest((*good, missing)), CHEAP, tmp_path / "s", scheduler=client)
    assert (summary.n_done, summary.n_failed) == (2, 1)
    assert summary.failures[0].case_id == "STS_X" and summary.failures[0].error_class == "InputError"


def test_unreachable_scheduler(monkeypatch, tmp_path):
    from radiome.cohort import runner
    from radiome.errors import InputError

    monkeypatch.setattr(runner, "DASK_CONNECT_TIMEOUT", "1s")
    job = sts_manifest().jobs[0]
    with pytest.raises(InputError, match="cannot connect to the Dask scheduler"):
        run_cohort(Manifest((job,)), CHEAP, tmp_path / "s", scheduler="tcp://127.0.0.1:9")
