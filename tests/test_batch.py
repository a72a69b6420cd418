"""Batch and parallel scoring: every backend gives the same labels as predict, in order."""

from __future__ import annotations

import numpy as np
import pytest

import ecomtopics as et
from conftest import ROOT


@pytest.fixture(scope="module")
def texts():
    rows = et.read_labelled(ROOT / "data" / "authored")
    return [r.text for r in rows[:300]] + ["", "的了", "天猫"]


@pytest.fixture(scope="module")
def model():
    return et.load_model("theme-classifier")


@pytest.mark.parametrize(("backend", "n_jobs"), [("sequential", 1), ("loky", 1), ("loky", 2)])
def test_classify_many_matches_predict(model, texts, backend, n_jobs):
    predictions = list(
        et.classify_many(iter(texts), model, n_jobs=n_jobs, batch_size=37, backend=backend)
    )
    assert [p.label for p in predictions] == model.predict(texts)
    proba = np.array([[p.probabilities[c] for c in model.classes_] for p in predictions])
    np.testing.assert_allclose(proba, model.predict_proba(texts), atol=1e-12)


@pytest.mark.slow  # trains a model, then starts loky workers that load it
def test_in_memory_model_goes_to_workers_by_files(texts):
    rows = et.read_labelled(ROOT / "data" / "authored")[::5]
    fresh = et.ThemeClassifier(calibrate=False).fit([r.text for r in rows], [r.label for r in rows])
    assert not hasattr(fresh, "source_")
    labels = [p.label for p in et.classify_many(texts, fresh, n_jobs=2, batch_size=50)]
    assert labels == fresh.predict(texts)


@pytest.mark.slow  # starts a local dask cluster
def test_dask_backend_on_a_local_cluster(model, texts):
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        predictions = list(
            et.classify_many(texts, model, backend="dask", client=client, batch_size=40)
        )
    assert [p.label for p in predictions] == model.predict(texts)


def test_dask_without_client_is_a_clear_error(model):
    pytest.importorskip("dask.distributed")
    with pytest.raises(et.InputError, match="needs a dask.distributed Client"):
        list(et.classify_many(["天猫"], model, backend="dask"))


def test_classify_many_is_lazy_and_checks_input(model):
    def endless():
        while True:
            yield "天猫线下门店"

    stream = et.classify_many(endless(), model, batch_size=10)
    first = [next(stream) for _ in range(25)]
    assert {p.label for p in first} == {model.predict(["天猫线下门店"])[0]}
    with pytest.raises(TypeError, match="single string"):
        list(et.classify_many("text", model))
    with pytest.raises(TypeError, match="must be str"):
        list(et.classify_many(["ok", None], model))
    with pytest.raises(et.InputError, match="backend"):
        list(et.classify_many(["ok"], model, backend="spark"))


def test_classify_document(model, seed_texts):
    result = et.classify_document(seed_texts["004"], model)
    assert len(result.paragraphs) == len(et.split_paragraphs(seed_texts["004"]))
    assert abs(sum(result.shares.values()) - 1) < 1e-5  # shares are rounded to 6 places
    assert max(result.shares, key=result.shares.get) == "o2o"
    assert sum(result.label_counts.values()) == len(result.paragraphs)
    empty = et.classify_document("   ", model)
    assert empty.paragraphs == [] and set(empty.shares) == set(model.classes_)


def test_a_refitted_stored_model_is_not_reloaded_by_workers(texts):
    refit = et.load_model("theme-classifier")
    assert refit.source_["version"]
    rows = (
        et.read_labelled(ROOT / "data" / "authored" / "channel.jsonl")[:30]
        + et.read_labelled(ROOT / "data" / "authored" / "o2o.jsonl")[:30]
    )
    refit.fit(
        [r.text for r in rows], [r.label for r in rows]
    )  # now a two-theme model, not the stored one
    assert not hasattr(refit, "source_")
    labels = [p.label for p in et.classify_many(texts[:40], refit, n_jobs=2, batch_size=20)]
    assert labels == refit.predict(texts[:40]) and set(labels) <= {"channel", "o2o"}
    assert not hasattr(et.load_model("theme-classifier").set_params(C=1.0), "source_")


def test_a_bad_item_is_named_by_its_position_in_the_stream(model):
    stream = ["天猫门店"] * 7 + [None]
    with pytest.raises(TypeError, match=r"texts\[7\] must be str"):
        list(et.classify_many(stream, model, batch_size=3))


def _children(pid):
    """Pids of every process descended from ``pid`` (Linux /proc)."""
    import os

    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    stat = handle.read()
            except OSError:
                continue
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow  # a parent process with loky workers, killed
@pytest.mark.skipif(not __import__("os").path.isdir("/proc"), reason="needs Linux /proc")
def test_workers_exit_when_the_parent_is_killed(tmp_path):
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    rows = et.read_labelled(ROOT / "data" / "authored")
    records = tmp_path / "archive.jsonl"
    with records.open("w", encoding="utf-8") as handle:
        for i in range(40_000):
            handle.write(
                json.dumps({"id": i, "text": rows[i % len(rows)].text}, ensure_ascii=False) + "\n"
            )
    output = tmp_path / "labels.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ecomtopics.cli",
            "-q",
            "classify",
            str(records),
            "-o",
            str(output),
            "--n-jobs",
            "3",
            "--batch-size",
            "400",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:  # wait until workers are busy
            workers = _children(proc.pid)
            if len(workers) >= 2 and output.exists() and output.stat().st_size > 0:
                break
            time.sleep(0.2)
        assert proc.poll() is None and len(workers) >= 2, "the job never got its workers busy"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 60  # a liveness bound, not a speed target
        while time.monotonic() < deadline and any(map(_alive, workers)):
            time.sleep(0.2)
        left = [pid for pid in workers if _alive(pid)]
        assert not left, f"processes still running after their parent was killed: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("n_jobs", [0, -10_000, 1.5, True])
def test_bad_n_jobs_is_an_input_error(model, n_jobs):
    with pytest.raises(et.InputError, match="n_jobs must be"):
        list(et.classify_many(["天猫"], model, n_jobs=n_jobs))


@pytest.mark.parametrize("n_texts", [0, 1, 8, 9, 10, 61])
def test_two_processes_keep_the_stream_order_for_any_number_of_batches(model, texts, n_texts):
    # batches of 3: none, one, two or three batches (the read-ahead), and many
    subset = texts[:n_texts]
    stream = et.classify_many(iter(subset), model, n_jobs=2, batch_size=3)
    assert [p.label for p in stream] == (model.predict(subset) if subset else [])


def test_stopping_early_leaves_the_pool_usable(model, texts):
    stream = et.classify_many(texts * 4, model, n_jobs=2, batch_size=10)
    first = [next(stream).label for _ in range(15)]
    stream.close()  # cancels the batches still waiting
    assert first == model.predict(texts[:15])
    again = [p.label for p in et.classify_many(texts[:40], model, n_jobs=2, batch_size=10)]
    assert again == model.predict(texts[:40])


@pytest.mark.skipif(not __import__("os").path.isdir("/proc"), reason="pipe sizes are Linux's")
def test_the_pool_pipes_hold_a_whole_batch():
    import fcntl

    from ecomtopics.batch import _PIPE_BYTES, _pool

    with open("/proc/sys/fs/pipe-max-size") as handle:
        if int(handle.read()) < _PIPE_BYTES:
            pytest.skip("this system caps pipes below the size asked for")
    executor = _pool(1)
    for end in (executor._call_queue._writer, executor._result_queue._reader):
        assert fcntl.fcntl(end.fileno(), fcntl.F_GETPIPE_SZ) >= _PIPE_BYTES


def test_joblib_parallel_still_works_after_classify_many(model, texts):
    from joblib import Parallel, delayed

    list(et.classify_many(texts[:50], model, n_jobs=2, batch_size=10))
    assert Parallel(n_jobs=2, backend="loky")(delayed(abs)(-i) for i in range(4)) == [0, 1, 2, 3]
    list(et.classify_many(texts[:50], model, n_jobs=2, batch_size=10))


def _worker_state() -> tuple[int, int]:
    """(process id, models this worker has loaded): run inside a pool worker.

    It takes a moment, so that a burst of these reaches every worker of the pool.
    """
    import os
    import time

    from ecomtopics.batch import _worker_model

    time.sleep(0.05)
    return os.getpid(), _worker_model.cache_info().misses


def test_the_worker_pool_and_its_model_persist_between_calls(model, texts):
    from ecomtopics.batch import _pool

    def probe() -> set[tuple[int, int]]:
        return {f.result() for f in [_pool(1).submit(_worker_state) for _ in range(4)]}

    first = [p.label for p in et.classify_many(texts, model, n_jobs=2, batch_size=20)]
    before = probe()
    second = [p.label for p in et.classify_many(texts, model, n_jobs=2, batch_size=20)]
    after = probe()
    assert first == second == model.predict(texts)
    # the same worker (n_jobs=2: one worker besides this process), which did not load the
    # model again for the second call
    assert len({pid for pid, _ in before}) == 1
    assert {pid for pid, _ in after} <= {pid for pid, _ in before}
    assert after <= before and all(loads >= 1 for _, loads in before)
