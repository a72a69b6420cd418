"""The command line on careless input: records ids, output files, option values, bad files among good ones."""

from __future__ import annotations

import json
import os

import pytest

import ecomtopics as et
from conftest import ROOT
from test_cli import SEED_003, run


def _jsonl(path, records, bom=False):
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --------------------------------------------------------------------------- records mode (item 3)


def test_a_repeated_record_id_is_refused_naming_the_id_and_both_lines(tmp_path):
    src = _jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": 1, "text": "天猫线下门店"},
            {"id": 2, "text": "服务商"},
            {"id": 1, "text": "下沉市场"},
        ],
    )
    dst = tmp_path / "out.jsonl"
    _, _, err = run("classify", str(src), "-o", str(dst), check_code=1)
    assert f"{src}:3: id 1 repeats the id of {src}:1" in err and len(err.strip().splitlines()) == 1
    assert not dst.exists() or dst.read_text() == ""  # refused before any work


def test_record_ids_keep_their_json_type_and_resume_knows_them(tmp_path):
    records = [
        {"id": 5, "text": "天猫线下门店"},
        {"id": "5", "text": "服务商培训商家"},
        {"text": "下沉市场渠道"},
    ]
    src, dst = _jsonl(tmp_path / "in.jsonl", records, bom=True), tmp_path / "out.jsonl"
    _, _, err = run("classify", str(src), "-o", str(dst), check_code=0)
    assert "skipped" not in err  # "already done" is only for --resume
    rows = _rows(dst)
    assert [r["id"] for r in rows] == [5, "5", "in.jsonl:3"] and not any("error" in r for r in rows)
    _jsonl(src, [*records, {"id": 6, "text": "会员运营"}], bom=True)
    _, _, err = run(
        "-v", "classify", str(src), "-o", str(dst), "--resume", check_code=0
    )  # the summary is INFO
    assert [r["id"] for r in _rows(dst)] == [5, "5", "in.jsonl:3", 6]
    assert "3 skipped (already done)" in err


def test_a_record_id_that_is_not_a_string_or_integer_is_an_error_row(tmp_path):
    src = _jsonl(tmp_path / "in.jsonl", [{"id": [1], "text": "天猫"}, {"id": True, "text": "天猫"}])
    _, out, _ = run("classify", str(src), check_code=0)
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["in.jsonl:1", "in.jsonl:2"]
    assert all("'id' must be a string or an integer" in r["error"] for r in rows)


# --------------------------------------------------------------------------- output files (item 8)


@pytest.mark.parametrize(
    "args",
    [["classify", SEED_003], ["classify", "RECORDS"], ["report", SEED_003, "--no-topics"]],
    ids=["documents", "records", "report"],
)
def test_a_folder_as_output_is_refused_up_front(tmp_path, args):
    records = _jsonl(tmp_path / "in.jsonl", [{"id": 1, "text": "天猫"}])
    folder = tmp_path / "out"
    folder.mkdir()
    args = [str(records) if a == "RECORDS" else a for a in args]
    _, _, err = run(*args, "-o", str(folder), check_code=1)
    assert (
        f"{folder}: is a folder" in err
        and "Errno" not in err
        and len(err.strip().splitlines()) == 1
    )
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl", "out"] and os.listdir(folder) == []


@pytest.mark.parametrize("command", ["classify", "report"])
def test_output_goes_through_a_unique_temporary_file(tmp_path, command):
    out = tmp_path / "out.html"
    unrelated = tmp_path / "out.html.tmp"
    unrelated.write_text("someone else's file\n")
    extra = ["--no-topics"] if command == "report" else []
    run(command, SEED_003, "-o", str(out), *extra, check_code=0)
    assert unrelated.read_text() == "someone else's file\n"
    assert out.stat().st_size > 0 and sorted(os.listdir(tmp_path)) == ["out.html", "out.html.tmp"]


# --------------------------------------------------------------------------- option values (item 10)


@pytest.mark.parametrize(
    "option",
    [
        ["--n-jobs", "0"],
        ["--n-jobs", "-5"],
        ["--n-jobs", "x"],
        ["--batch-size", "0"],
        ["--batch-size", "-1"],
    ],
)
def test_bad_worker_options_are_usage_errors(tmp_path, option):
    src = _jsonl(tmp_path / "in.jsonl", [{"id": 1, "text": "天猫"}])
    _, _, err = run("classify", str(src), *option, check_code=2)
    assert f"argument {option[0]}" in err and "Traceback" not in err


def test_more_topics_than_paragraphs_is_refused():
    _, _, err = run("topics", SEED_003, "--n-topics", "1000", check_code=1)
    assert (
        "--n-topics 1000 is more than the 23 paragraphs" in err
        and len(err.strip().splitlines()) == 1
    )
    run("topics", SEED_003, "--n-topics", "0", check_code=2)


# --------------------------------------------------------------------------- bad files among good ones (item 10)


@pytest.fixture
def mixed_folder(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("天猫线下门店与会员打通。\n", encoding="utf-8")
    (folder / "b.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "c.txt").write_text("Service providers train merchants on Tmall.\n", encoding="utf-8")
    (folder / "d.txt").write_bytes(
        "天猫服务商\nTmall service providers\n".encode("utf-16")
    )  # with a BOM
    return folder


@pytest.mark.parametrize("command", ["classify", "split", "keywords", "topics"])
def test_a_bad_file_in_a_folder_is_reported_and_the_rest_done(mixed_folder, command):
    extra = ["--n-topics", "2"] if command == "topics" else []
    _, out, err = run("-q", command, str(mixed_folder), "--format", "json", *extra, check_code=1)
    errors = [
        line for line in err.strip().splitlines() if not line.startswith("WARNING ")
    ]  # e.g. "corpus too small"
    assert errors == [
        f"ecomtopics {command}: error: {mixed_folder / 'b.txt'}: looks like a binary "
        f"file (it contains NUL bytes); give a text file"
    ]
    if command == "topics":
        sources = set(json.loads(out)["documents"])
    else:
        sources = {json.loads(line)["source"] for line in out.splitlines()}
    assert sources == {str(mixed_folder / name) for name in ("a.txt", "c.txt", "d.txt")}


def test_a_bad_file_among_good_ones_still_gives_the_report_and_the_output_file(
    mixed_folder, tmp_path
):
    out = tmp_path / "labels.json"
    _, _, err = run("classify", str(mixed_folder), "--format", "json", "-o", str(out), check_code=1)
    assert "b.txt" in err and {r["source"][-5:] for r in _rows(out)} == {"a.txt", "c.txt", "d.txt"}
    _, stdout, err = run(
        "report", str(mixed_folder), "-o", str(tmp_path / "r.html"), "--no-topics", check_code=1
    )
    assert "b.txt" in err and "(3 documents)" in stdout


def test_utf16_and_utf32_with_a_bom_are_decoded():
    from ecomtopics._io import decode_bytes

    for codec in ("utf-16", "utf-16-be", "utf-32", "utf-32-be"):
        data = "天猫 Tmall\n".encode(codec)
        if not codec.endswith("be"):
            assert decode_bytes(data) == "天猫 Tmall\n"
        else:
            assert decode_bytes("\ufeff天猫 Tmall\n".encode(codec)) == "天猫 Tmall\n"


def test_labelled_jsonl_with_a_utf8_bom_is_accepted(tmp_path):
    rows = et.read_labelled(ROOT / "data" / "gold")[:12]
    path = _jsonl(tmp_path / "gold.jsonl", [r.to_json() for r in rows], bom=True)
    assert [r.id for r in et.read_labelled(path)] == [r.id for r in rows]
    _, out, err = run("evaluate", "--data", str(path), check_code=0)
    assert "macro" in out.lower()
    assert list(et.TextStream([path])) == [r.text for r in rows]


def test_bench_results_go_through_a_unique_temporary_file(tmp_path):
    from ecomtopics.bench import write_results

    (tmp_path / "quick.json.tmp").write_text("someone else's file\n")
    path = write_results({"quick": True, "created": "now"}, tmp_path)
    assert json.loads(path.read_text())["quick"] is True
    assert sorted(os.listdir(tmp_path)) == ["quick.json", "quick.json.tmp"]
    assert (tmp_path / "quick.json.tmp").read_text() == "someone else's file\n"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_written_files_get_the_permissions_open_would_give(tmp_path):
    from ecomtopics.bench import write_results

    previous = os.umask(0o027)
    try:
        results = write_results({"quick": True, "created": "now"}, tmp_path)
        out = tmp_path / "mix.json"
        run(
            "classify",
            str(ROOT / "seeds" / "001_c9ec350ed7a5fe12.txt"),
            "-o",
            str(out),
            check_code=0,
        )
    finally:
        os.umask(previous)
    assert results.stat().st_mode & 0o777 == 0o640
    assert out.stat().st_mode & 0o777 == 0o640
