"""The command line: success and bad-input paths for each subcommand.

Most calls run in this process through ``ecomtopics.cli.main`` (:func:`conftest.run_cli`);
a few run the real entry point as a subprocess: exit codes, stdin, logging, a killed job.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SEEDS, run_cli

SEED_003 = str(SEEDS / "003_3d90cc2468adc228.txt")

run = run_cli


def test_help_on_every_subcommand():
    for command in (
        "classify",
        "split",
        "topics",
        "keywords",
        "train",
        "evaluate",
        "models",
        "report",
        "bench",
    ):
        code, out, _ = run(command, "--help", check_code=0)
        assert "examples:" in out or "example" in out.lower(), command


def test_usage_error_is_exit_2():
    code, _, err = run("classify", check_code=2, subprocess=True)
    assert "usage" in err
    run("no-such-command", check_code=2, subprocess=True)
    code, _, err = run("classify", check_code=2)  # the same in process
    assert "usage" in err


def test_classify_table_json_csv():
    _, out, _ = run("classify", SEED_003, check_code=0)
    assert "theme shares" in out and "o2o" in out
    _, out, _ = run("classify", SEED_003, "--format", "json", check_code=0)
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 23 and all(
        r["label"] in ("channel", "merchant_services", "o2o", "operations", "other") for r in rows
    )
    assert abs(sum(rows[0]["probabilities"].values()) - 1) < 1e-3
    _, out, _ = run("classify", SEED_003, "--format", "csv", check_code=0)
    assert out.splitlines()[0].startswith("source,index,line,lang,label")
    import csv

    cells = list(csv.DictReader(out.splitlines()))
    assert [c["labels"] for c in cells] == [
        ";".join(r["labels"]) for r in rows
    ]  # o2o;channel, not JSON


def test_classify_stdin_and_gb18030():
    _, out, _ = run(
        "classify",
        "-",
        "--format",
        "json",
        stdin="天猫线下门店与会员打通。".encode("gb18030"),
        check_code=0,
    )
    assert json.loads(out.splitlines()[0])["source"] == "<stdin>"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"\xff\xfe\xfa\xfb\xfc" * 10, "not UTF-8"),
    ],
)
def test_classify_bad_files(tmp_path, content, message):
    path = tmp_path / "doc.txt"
    path.write_bytes(content)
    code, out, err = run("classify", str(path), check_code=1)
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_and_unknown_model(tmp_path):
    code, _, err = run("classify", str(tmp_path / "nope.txt"), check_code=1, subprocess=True)
    assert "no such file" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("classify", str(tmp_path / "nope.txt"), check_code=1)
    assert "no such file" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("classify", SEED_003, "--model", "nope", check_code=1)
    assert "nope" in err and "Traceback" not in err
    code, _, err = run("classify", SEED_003, "--version", "v99", check_code=1)
    assert "v99" in err
    code, _, err = run("--debug", "classify", str(tmp_path / "nope.txt"), subprocess=True)
    assert code != 0 and "Traceback" in err


def _records(path, n, bad=()):
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            if i in bad:
                out.write(f'{{"id": "r{i}", "text": 12}}\n' if i % 2 else "not json at all\n")
            else:
                text = [
                    "天猫线下门店与会员打通",
                    "Service providers train merchants",
                    "下沉市场渠道",
                ][i % 3]
                out.write(
                    json.dumps({"id": f"r{i}", "text": f"{text} {i}"}, ensure_ascii=False) + "\n"
                )


def test_classify_records_with_error_rows(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _records(src, 30, bad={3, 8})
    run("classify", str(src), "-o", str(dst), check_code=0)
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 30
    errors = [r for r in rows if "error" in r]
    assert {r["id"] for r in errors} == {"r3", "in.jsonl:9"}
    assert "must be a string" in errors[0]["error"] and "not valid JSON" in errors[1]["error"]
    code, _, err = run("classify", str(src), "-o", str(dst), check_code=1)
    assert "--resume" in err


@pytest.mark.parametrize("bad", [{0, 3, 4, 8, 29}, set(range(10))], ids=["ends", "all"])
def test_record_rows_keep_file_order_with_errors_anywhere(tmp_path, bad):
    """Error rows come out where their records are: first, last, across batches, or all."""
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    n = max(bad) + 1 if len(bad) == 10 else 30
    _records(src, n, bad=bad)
    run("classify", str(src), "-o", str(dst), "--batch-size", "4", check_code=0)
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    expected = [f"in.jsonl:{i + 1}" if i in bad and i % 2 == 0 else f"r{i}" for i in range(n)]
    assert [r["id"] for r in rows] == expected
    assert [("error" in r) for r in rows] == [i in bad for i in range(n)]
    scored = [r for r in rows if "error" not in r]
    assert all(
        r["lang"] in ("zh", "en", "mixed") and r["label"] in r["probabilities"] for r in scored
    )


@pytest.mark.slow  # three command runs, two with a worker process
def test_records_get_the_same_rows_from_one_process_or_several(tmp_path):
    src = tmp_path / "in.jsonl"
    _records(src, 90, bad={0, 5, 40, 41, 89})  # first, in a batch, at its edges, last
    outputs = {}
    for jobs in ("1", "2", "-1"):
        dst = tmp_path / f"out{jobs}.jsonl"
        run("classify", str(src), "-o", str(dst), "--n-jobs", jobs, "--batch-size", "40")
        outputs[jobs] = dst.read_text(encoding="utf-8").splitlines()
    assert len(outputs["1"]) == 90
    assert outputs["2"] == outputs["1"] and outputs["-1"] == outputs["1"]
    assert all(json.loads(line).get("labels") for line in outputs["1"] if "error" not in line)


@pytest.mark.slow
def test_killed_job_resumes_with_each_id_once(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _records(src, 6000)
    env = {**os.environ}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ecomtopics.cli",
            "-q",
            "classify",
            str(src),
            "-o",
            str(dst),
            "--batch-size",
            "100",
        ],
        env=env,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 120
    while time.time() < deadline and (not dst.exists() or dst.stat().st_size < 20_000):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = dst.read_text(encoding="utf-8").count("\n")
    assert 0 < partial < 6000, partial
    with dst.open("a", encoding="utf-8") as out:  # a torn record, as a kill mid-write would leave
        out.write('{"id": "r5999", "lab')
    run("classify", str(src), "-o", str(dst), "--resume", check_code=0)
    ids = [json.loads(line)["id"] for line in dst.read_text(encoding="utf-8").splitlines()]
    assert len(ids) == 6000 and set(ids) == {f"r{i}" for i in range(6000)}


def test_split_keywords_topics(tmp_path):
    _, out, _ = run("split", str(SEEDS), check_code=0)
    assert out.count("== ") == 5
    _, out, _ = run("keywords", str(SEEDS), "--format", "json", check_code=0)
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 5 and all(len(r["keywords"]) == 10 for r in rows)
    _, out, _ = run("topics", str(SEEDS), "--n-topics", "3", "--format", "json", check_code=0)
    result = json.loads(out)
    assert len(result["topics"]) == 3 and len(result["documents"]) == 5
    _, out, _ = run("topics", str(SEEDS), "--n-topics", "3", "--format", "csv", check_code=0)
    assert (
        out.splitlines()[0] == "topic,name,theme,share,words,words_zh,words_en"
        and len(out.splitlines()) == 4
    )
    _, out, _ = run("topics", str(SEEDS), "--stored", check_code=0)
    assert "topic mix per document" in out
    code, _, err = run("topics", str(tmp_path), check_code=1)
    assert "no .txt" in err


def test_train_and_evaluate(tmp_path):
    rows = [
        json.loads(line)
        for line in (ROOT / "data" / "authored" / "o2o.jsonl").read_text().splitlines()
    ][:40]
    rows += [
        json.loads(line)
        for line in (ROOT / "data" / "authored" / "channel.jsonl").read_text().splitlines()
    ][:40]
    data = tmp_path / "rows.jsonl"
    data.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    store = tmp_path / "store"
    _, out, _ = run(
        "train", "theme-classifier", "--data", str(data), "--store", str(store), check_code=0
    )
    assert "v1" in out and "promoted" in out
    _, out, _ = run(
        "evaluate", "--data", str(data), "--train", str(data), "--store", str(store), check_code=0
    )
    assert "plain_sklearn" in out and "lexicon_rule" in out
    _, out, _ = run(
        "evaluate",
        "--data",
        str(data),
        "--train",
        str(data),
        "--store",
        str(store),
        "--format",
        "csv",
        check_code=0,
    )
    assert (
        out.splitlines()[0] == "system,class,precision,recall,f1,support"
        and "lexicon_rule,o2o" in out
    )
    _, out, _ = run("models", "list", "--store", str(store), check_code=0)
    assert "theme-classifier" in out
    code, _, err = run("train", "theme-classifier", "--store", str(store), check_code=1)
    assert "--data" in err
    code, _, err = run(
        "evaluate", "--data", str(tmp_path / "missing.jsonl"), "--store", str(store), check_code=1
    )
    assert "no such file" in err


@pytest.mark.slow
def test_bench_quick_runs_and_writes_results(tmp_path):
    code, out, err = run("bench", "--quick", "--out", str(tmp_path), timeout=600)
    assert code == 0, err[-2000:]
    assert "| benchmark |" in out and "Chinese tokenization" in out
    results = json.loads((tmp_path / "quick.json").read_text())
    names = {r["benchmark"] for r in results["rows"]}
    assert any("One paragraph per call" in n for n in names) and "import ecomtopics" in names
    assert any("Topic inference alone" in n for n in names)
    assert any("tomotopy" in n for n in names)  # measured, or a row saying it was skipped
    assert all(r["ours"] > 0 for r in results["rows"] if "skipped" not in r["note"])
    assert results["machine"]["cpus"] >= 1


def test_wrong_kind_empty_records_and_seen_rows(tmp_path):
    code, _, err = run("classify", SEED_003, "--model", "topic-model", check_code=1)
    assert "is a topic-model; this command needs a theme-classifier" in err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    code, _, err = run("classify", str(empty), check_code=1)
    assert "empty" in err and "empty.jsonl" in err
    code, out, err = run(
        "evaluate", "--data", str(ROOT / "data" / "gold"), "--version", "v4", check_code=0
    )
    assert (
        "88 of 88 evaluation rows were in this model's training data" in err
    )  # v4 learnt the gold set
    assert "seen in training" in out
    code, out, err = run("evaluate", "--data", str(ROOT / "data" / "gold"), check_code=0)
    assert (
        "training data" not in err and "seen in training" not in out
    )  # the shipped v5 never saw it


def test_cli_logging_keeps_other_libraries_quiet():
    code, _, err = run("topics", str(SEEDS), "--n-topics", "2", check_code=0, subprocess=True)
    assert "gensim" not in err


@pytest.mark.parametrize(
    "args",
    [["split"], ["keywords"], ["topics"], ["report", "-o", "OUT"], ["classify"]],
)
def test_missing_input_is_one_clear_line_for_each_subcommand(tmp_path, args):
    args = [str(tmp_path / "r.html") if a == "OUT" else a for a in args]
    code, out, err = run(*args[:1], str(tmp_path / "missing.txt"), *args[1:], check_code=1)
    assert "missing.txt: no such file" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bench_and_models_bad_input(tmp_path):
    code, _, err = run("bench", "--sizes", "x", check_code=2)
    assert "invalid int value" in err
    code, _, err = run("models", "show", "no-such-model", "--store", str(tmp_path), check_code=1)
    assert "no-such-model" in err and "Traceback" not in err


def test_a_failed_classify_leaves_an_existing_output_file_alone(tmp_path):
    keep = tmp_path / "keep.txt"
    keep.write_text("earlier results\n", encoding="utf-8")
    _, _, err = run("classify", str(tmp_path / "missing.txt"), "-o", str(keep), check_code=1)
    assert "missing.txt" in err and keep.read_text(encoding="utf-8") == "earlier results\n"
    assert not list(tmp_path.glob("*.tmp"))
    _, _, err = run("classify", SEED_003, "-o", str(keep), "--resume", check_code=1)
    assert (
        "--resume is for .jsonl" in err and keep.read_text(encoding="utf-8") == "earlier results\n"
    )
    run("classify", SEED_003, "-o", str(keep), "--format", "json", check_code=0)
    assert len(keep.read_text(encoding="utf-8").splitlines()) == 23


def test_a_model_of_the_wrong_kind_is_one_line_for_topics_and_report(tmp_path):
    _, _, err = run("topics", SEED_003, "--stored", "--model", "theme-classifier", check_code=1)
    assert err.strip().count("\n") == 0 and "needs a topic-model" in err
    _, _, err = run(
        "report",
        SEED_003,
        "-o",
        str(tmp_path / "r.html"),
        "--topic-model",
        "theme-classifier",
        check_code=1,
    )
    assert (
        err.strip().count("\n") == 0
        and "needs a topic-model" in err
        and not (tmp_path / "r.html").exists()
    )
