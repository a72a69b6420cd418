"""Retraining jobs: determinism, reports, promotion only when not worse, bad rows.

A job trains, evaluates and bootstraps, which takes a while: one run is shared by
the tests that only read it (``first_run``), tests that run more jobs start from
a copy of its store, and every job here draws few bootstrap resamples
(``n_resamples``).
"""

from __future__ import annotations

import json
import shutil

import pytest

import ecomtopics as et
from conftest import ROOT
from ecomtopics.jobs import JobConfig, load_job_config, run_job

AUTHORED = ROOT / "data" / "authored"


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """A quarter of the authored rows (fast), and a few as a gold set."""
    rows = et.read_labelled(AUTHORED)
    folder = tmp_path_factory.mktemp("data")
    train = [r for i, r in enumerate(rows) if i % 6 == 0]
    gold = [r for i, r in enumerate(rows) if i % 31 == 1]
    (folder / "train.jsonl").write_text(
        "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in train)
    )
    (folder / "gold.jsonl").write_text(
        "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in gold)
    )
    return folder


#: Bootstrap resamples of the confidence intervals in these tests (the default is 2000).
FEW_RESAMPLES = 10
#: A cheaper model (words only, no calibration, no context stage) for jobs whose
#: model quality does not matter to the test.
QUICK = {"C": 10.0, "calibrate": False, "context": False, "char_ngrams": None}


def _config(folder, params=None, **kw):
    return JobConfig(
        model="theme-classifier",
        data=[str(folder / "train.jsonl")],
        gold=[str(folder / "gold.jsonl")],
        params=params or QUICK,
        n_resamples=FEW_RESAMPLES,
        **kw,
    )


@pytest.fixture(scope="module")
def first_run(small_data, tmp_path_factory):
    """One job into an empty store, shared: (store root, result). Read it; do not write to it."""
    root = tmp_path_factory.mktemp("first-run")
    return root, run_job(_config(small_data), et.ModelStore(root))


def _copy_of(first_run, tmp_path):
    """A store of its own holding the first run's v1 (promoted), for tests that run more jobs."""
    shutil.copytree(first_run[0], tmp_path / "store")
    return et.ModelStore(tmp_path / "store")


def test_job_writes_version_report_and_promotes(first_run):
    root, result = first_run
    store = et.ModelStore(root)
    assert result.version == "v1" and result.promoted
    folder = store.path("theme-classifier", "v1")
    report = json.loads((folder / "report.json").read_text())
    assert {"holdout", "gold", "transfer"} <= set(report)
    assert report["gold"]["plain_sklearn"]["macro_f1"] >= 0
    assert "macro-F1" in (folder / "report.md").read_text()
    manifest = store.manifest("theme-classifier", "v1")
    assert manifest["training_data"]["rows"] > 0 and len(manifest["training_data"]["sha256"]) == 64
    assert et.load_model("theme-classifier", store=root).predict(["线下门店"])[0] in et.THEMES


@pytest.mark.slow  # a second full job
def test_same_data_and_seed_give_identical_model_files(first_run, small_data, tmp_path):
    store = _copy_of(first_run, tmp_path)
    assert run_job(_config(small_data), store).version == "v2"
    files = [store.manifest("theme-classifier", v)["files"] for v in ("v1", "v2")]
    model_files = [
        {k: v for k, v in f.items() if k.startswith("arrays/") or k == "config.json"} for f in files
    ]
    assert model_files[0] == model_files[1]
    assert len(model_files[0]) >= 6


def test_a_worse_model_is_not_promoted(first_run, small_data, tmp_path):
    store = _copy_of(first_run, tmp_path)
    good = first_run[1]
    worse_params = {**QUICK, "C": 0.001}
    worse = run_job(_config(small_data, params=worse_params), store)
    assert worse.value < good.value
    assert not worse.promoted
    assert store.promoted("theme-classifier") == good.version
    assert et.load_model("theme-classifier", store=store.root).C == 10.0
    forced = run_job(_config(small_data, params=worse_params), store, promote="force")
    assert forced.promoted and store.promoted("theme-classifier") == forced.version


def test_bad_rows_fail_or_are_skipped(small_data, tmp_path):
    bad = tmp_path / "bad.jsonl"
    lines = (small_data / "train.jsonl").read_text().splitlines()
    lines.insert(
        3,
        '{"id": "broken", "text": 5, "lang": "en", "label": "o2o", "labels": ["o2o"], "source": "x"}',
    )
    bad.write_text("\n".join(lines) + "\n")
    config = JobConfig(
        model="theme-classifier", data=[str(bad)], params=QUICK, n_resamples=FEW_RESAMPLES
    )
    with pytest.raises(et.DataError, match=r"bad\.jsonl:4: 'text' must be a string"):
        run_job(config, tmp_path / "store")
    assert not (tmp_path / "store" / "theme-classifier").exists() or not et.ModelStore(
        tmp_path / "store"
    ).versions("theme-classifier")
    config.on_bad_row = "skip"
    assert run_job(config, tmp_path / "store").version == "v1"


def test_job_config_file(tmp_path, small_data):
    job = tmp_path / "job.toml"
    job.write_text(
        f'model = "theme-classifier"\ndata = ["{small_data / "train.jsonl"}"]\n[params]\nC = 3.0\n'
    )
    config = load_job_config(job)
    assert config.params == {"C": 3.0} and config.metric == "holdout.model.macro_f1"
    job.write_text('model = "theme-classifier"\ndata = ["x"]\ncolour = "red"\n')
    with pytest.raises(et.InputError, match="unknown key"):
        load_job_config(job)
    job.write_text("model = ")
    with pytest.raises(et.InputError, match="not valid TOML"):
        load_job_config(job)
    with pytest.raises(et.InputError, match="model must be one of"):
        JobConfig(model="svm", data=["x"])


def test_topic_job(small_data, tmp_path):
    config = JobConfig(
        model="topic-model",
        data=[str(small_data / "train.jsonl")],
        params={"n_topics": 4, "passes": 2},
        n_resamples=FEW_RESAMPLES,
    )
    result = run_job(config, tmp_path)
    assert result.promoted and result.metric == "coherence.c_v"
    assert set(result.metrics["plain_gensim"]) == {"c_v", "u_mass", "c_npmi"}
    mix = et.load_model("topic-model", store=tmp_path).transform(["线下门店"])
    assert mix.shape == (1, 4)


@pytest.fixture
def v4_store(tmp_path):
    """A store whose promoted theme-classifier is a copy of the shipped v4."""
    import shutil

    from ecomtopics.store import bundled_store_path

    source = bundled_store_path() / "theme-classifier"
    shutil.copytree(source / "v4", tmp_path / "store" / "theme-classifier" / "v4")
    store = et.ModelStore(tmp_path / "store")
    store.promote("theme-classifier", "v4")
    assert store.promoted("theme-classifier") == "v4"
    return store


def _write_rows(path, rows):
    path.write_text(
        "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


@pytest.mark.slow  # a full job against the shipped v4
def test_a_run_missing_a_theme_is_never_promoted(small_data, v4_store, tmp_path, caplog):
    rows = [r for r in et.read_labelled(small_data / "train.jsonl") if r.label != "channel"]
    data = _write_rows(tmp_path / "no-channel.jsonl", rows)
    with caplog.at_level("WARNING", logger="ecomtopics"):
        result = run_job(
            JobConfig(
                model="theme-classifier",
                data=[str(data)],
                params={"C": 10.0},
                n_resamples=FEW_RESAMPLES,
            ),
            v4_store,
        )
    assert "no training row has the theme(s) channel" in caplog.text
    # refused either for its classes or because the promoted version saw every held-out row
    assert not result.promoted
    assert "classes differ" in result.reason or "cannot be compared" in result.reason
    assert v4_store.promoted("theme-classifier") == "v4"
    assert "channel" in et.load_model("theme-classifier", store=v4_store.root).classes_


@pytest.mark.slow  # a full job against the shipped v4
def test_copied_rows_do_not_win_a_perfect_held_out_score(v4_store, tmp_path, caplog):
    import dataclasses

    rows = [r for i, r in enumerate(et.read_labelled(AUTHORED)) if i % 11 == 3][:120]
    copies = [dataclasses.replace(r, id=f"copy{k}-{r.id}") for k in range(4) for r in rows]
    data = _write_rows(tmp_path / "copies.jsonl", copies)
    with caplog.at_level("WARNING", logger="ecomtopics"):
        result = run_job(
            JobConfig(
                model="theme-classifier",
                data=[str(data)],
                params={"C": 10.0},
                n_resamples=FEW_RESAMPLES,
            ),
            v4_store,
        )
    assert "360 row(s) repeat the text of another row" in caplog.text
    assert (
        result.metrics["holdout"]["model"]["n"] == 24
    )  # each text held out once, never also trained on
    assert result.value < 0.95
    assert not result.promoted and "on the same 24 holdout rows" in result.reason
    assert result.compared_on == 24 and result.previous_value > result.compared_value
    assert v4_store.promoted("theme-classifier") == "v4"


def test_a_missing_metric_in_the_promoted_manifest_does_not_mean_promote(small_data, v4_store):
    path = v4_store.path("theme-classifier", "v4") / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["metrics"]
    path.write_text(json.dumps(manifest))
    result = run_job(
        JobConfig(
            model="theme-classifier",
            data=[str(small_data / "train.jsonl")],
            params=QUICK,
            n_resamples=FEW_RESAMPLES,
        ),
        v4_store,
    )
    # v4 was trained on every row of this run, so there is nothing to compare on: not promoted
    assert not result.promoted and "trained on all" in result.reason
    assert v4_store.promoted("theme-classifier") == "v4"


def test_the_gate_compares_both_models_on_the_same_rows(v4_store):
    import dataclasses

    from ecomtopics._promotion import Evaluation, decide

    v4 = v4_store.load("theme-classifier")
    gold = [
        dataclasses.replace(r, id=f"new-{r.id}") for r in et.read_labelled(ROOT / "data" / "gold")
    ]
    truth = [r.label for r in gold]
    worse = decide(
        v4_store,
        "theme-classifier",
        "gold.model.macro_f1",
        v4,
        {"gold": Evaluation(gold, ["other"] * len(gold))},
    )
    assert (
        not worse.promote and worse.compared_on == len(gold) and worse.value < worse.previous_value
    )
    better = decide(
        v4_store, "theme-classifier", "gold.model.macro_f1", v4, {"gold": Evaluation(gold, truth)}
    )
    assert better.promote and better.value == 1.0 and "not worse" in better.reason
    seen = decide(
        v4_store,
        "theme-classifier",
        "gold.model.macro_f1",
        v4,
        {"gold": Evaluation(et.read_labelled(ROOT / "data" / "gold"), truth)},
    )
    assert not seen.promote and "trained on all 88 gold rows" in seen.reason
    odd = decide(
        v4_store, "theme-classifier", "transfer.en_to_zh", v4, {"gold": Evaluation(gold, truth)}
    )
    assert not odd.promote and "cannot be computed" in odd.reason
