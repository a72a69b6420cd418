"""The labelled corpus under data/: schema, counts, duplicates, leakage, gold set."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter

import pytest

import ecomtopics as et
from conftest import ROOT
from ecomtopics.data import dataset_hash, parse_labelled_lines, read_labelled, summarize

DATA = ROOT / "data"


@pytest.fixture(scope="module")
def authored():
    return read_labelled(DATA / "authored")


@pytest.fixture(scope="module")
def gold():
    return read_labelled(DATA / "gold")


def test_authored_counts(authored):
    counts = summarize(authored)
    for theme in ("operations", "o2o", "channel", "merchant_services"):
        assert counts["by_label"][theme] >= 120, theme
    assert counts["by_label"]["other"] >= 60
    for lang in ("en", "zh"):
        assert counts["by_lang"][lang] / counts["rows"] >= 0.40, lang
    assert all(r.source == "authored" for r in authored)


def test_ids_unique_across_all_files(authored, gold, grounded):
    ids = [r.id for r in authored + gold + grounded]
    assert len(ids) == len(set(ids))
    read_labelled(DATA)  # reading everything at once also checks uniqueness


def _shingles(text: str, lang: str) -> set:
    text = text.lower()
    if lang == "zh":
        text = re.sub(r"\s+", "", text)
        return {text[i : i + 6] for i in range(len(text) - 5)}
    words = re.findall(r"\w+", text)
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def test_no_near_duplicates(authored):
    shingles = [_shingles(r.text, r.lang) for r in authored]
    near = [
        (authored[i].id, authored[j].id)
        for i, j in itertools.combinations(range(len(authored)), 2)
        if shingles[i]
        and shingles[j]
        and len(shingles[i] & shingles[j]) / min(len(shingles[i]), len(shingles[j])) > 0.5
    ]
    assert len(near) <= 0.01 * len(authored), near[:10]


def _seed_sentences(seed_texts: dict[str, str]) -> set[str]:
    """Every seed sentence of 20 or more characters, lower-cased, without punctuation or spaces."""
    out = set()
    for text in seed_texts.values():
        for sentence in re.split(r"[。！？!?.;；\n]", et.clean_text(text)):
            squashed = re.sub(r"\W", "", sentence.lower())
            if len(squashed) >= 20:
                out.add(squashed)
    return out


def test_no_authored_row_reuses_seed_sentences(authored, seed_texts):
    seed_sentences = _seed_sentences(seed_texts)
    for row in authored:
        body = re.sub(r"\W", "", et.clean_text(row.text).lower())
        reused = [s for s in seed_sentences if s in body]
        assert not reused, (row.id, reused[:1])


def test_gold_covers_every_seed_paragraph(gold, seed_texts):
    expected = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for p in et.split_paragraphs(path.read_text(encoding="utf-8")):
            expected.append((f"seed-{path.name[:3]}-p{p.index:02d}", p.text, p.lang, path.name))
    assert [(r.id, r.text, r.lang, r.source) for r in gold] == expected


def test_second_read_agreement_matches_data_card(gold):
    from sklearn.metrics import cohen_kappa_score

    def read(name):
        rows = [
            json.loads(line)
            for line in (DATA / "annotation" / name).read_text(encoding="utf-8").splitlines()
        ]
        return {r["id"]: r["label"] for r in rows}

    first, second = read("first_read.ndjson"), read("second_read.ndjson")
    assert set(first) == set(second) == {r.id for r in gold}
    ids = sorted(first)
    kappa = cohen_kappa_score([first[i] for i in ids], [second[i] for i in ids])
    card = (DATA / "README.md").read_text(encoding="utf-8")
    assert f"{kappa:.3f}" in card
    assert kappa >= 0.6  # below this the gold set would not be a usable yardstick


def test_data_card_counts_match(authored, gold):
    card = (DATA / "README.md").read_text(encoding="utf-8")
    counts = summarize(authored)
    assert f"| authored | {counts['rows']} |" in card
    assert f"| gold | {len(gold)} |" in card


def test_bad_rows_are_reported_with_file_and_line(tmp_path):
    good = {
        "id": "x1",
        "text": "天猫",
        "lang": "zh",
        "label": "o2o",
        "labels": ["o2o"],
        "source": "authored",
    }
    cases = {
        "not json": ("{oops", r"bad\.jsonl:2: not valid JSON"),
        "bad label": (
            json.dumps({**good, "id": "x2", "label": "sales"}),
            r"bad\.jsonl:2: 'label' must be one of",
        ),
        "missing": (
            json.dumps({k: v for k, v in good.items() if k != "lang"} | {"id": "x2"}),
            r":2: missing field",
        ),
        "labels": (
            json.dumps({**good, "id": "x2", "labels": ["channel"]}),
            r":2: 'labels' \['channel'\] must contain",
        ),
        "other": (
            json.dumps({**good, "id": "x2", "label": "other"}),
            r":2: label 'other' needs empty",
        ),
        "duplicate": (json.dumps(good), r":2: duplicate id 'x1'"),
        "empty text": (json.dumps({**good, "id": "x2", "text": "  "}), r":2: 'text' is empty"),
        "lang": (json.dumps({**good, "id": "x2", "lang": "fr"}), r":2: 'lang' must be one of"),
    }
    for name, (line, message) in cases.items():
        path = tmp_path / "bad.jsonl"
        path.write_text(json.dumps(good, ensure_ascii=False) + "\n" + line + "\n", encoding="utf-8")
        with pytest.raises(et.DataError, match=message):
            read_labelled(path)
        assert len(read_labelled(path, on_error="skip")) == 1, name


def test_missing_and_empty_inputs(tmp_path):
    with pytest.raises(et.DataError, match="no such file"):
        read_labelled(tmp_path / "nope.jsonl")
    with pytest.raises(et.DataError, match=r"no \*\.jsonl files"):
        read_labelled(tmp_path)
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(et.DataError, match="no labelled rows"):
        read_labelled(tmp_path)


def test_hash_is_stable_and_content_sensitive():
    line = '{"id": "a", "text": "天猫", "lang": "zh", "label": "other", "labels": [], "source": "authored"}'
    rows = parse_labelled_lines([line])
    changed = parse_labelled_lines([line.replace("天猫", "淘宝")])
    assert dataset_hash(rows) == dataset_hash(parse_labelled_lines([line]))
    assert dataset_hash(rows) != dataset_hash(changed)


def test_language_field_agrees_with_detection(authored):
    disagreements = Counter(
        r.lang for r in authored if et.detect_language(r.text) not in (r.lang, "mixed")
    )
    assert sum(disagreements.values()) == 0, disagreements


# -- grounded passages ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def grounded():
    return read_labelled(DATA / "grounded")


def _site(url: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url).netloc.lower()
    for prefix in ("www.", "m.", "en.", "wap."):
        host = host.removeprefix(prefix)
    return host


def test_grounded_counts_and_sources(grounded):
    counts = summarize(grounded)
    assert counts["rows"] >= 2000
    for lang in ("en", "zh"):
        assert counts["by_lang"][lang] / counts["rows"] >= 0.40, lang
    for theme in ("operations", "o2o", "channel", "merchant_services", "other"):
        assert counts["by_label"][theme] >= 300, theme
    pages = {r.source for r in grounded}
    assert len(pages) >= 300
    assert all(p.startswith(("http://", "https://")) for p in pages)
    per_site = Counter(_site(p) for p in pages)
    assert max(per_site.values()) <= 3, per_site.most_common(3)


def test_grounded_passages_are_whole_and_ordered(grounded):
    passages: dict[str, list] = {}
    for row in grounded:
        assert row.doc is not None and row.position is not None and row.register, row.id
        passages.setdefault(row.doc, []).append(row)
    for doc, rows in passages.items():
        assert [r.position for r in rows] == list(range(len(rows))), doc  # in file order, no gaps
        assert 4 <= len(rows) <= 12, doc
        assert len({r.source for r in rows}) == 1, doc
        assert len({r.lang for r in rows}) == 1, doc
    assert len({r.source for r in grounded}) == len(passages)  # one passage a page


def test_grounded_rows_reuse_no_seed_sentence(grounded, seed_texts):
    seed_sentences = _seed_sentences(seed_texts)
    for row in grounded:
        body = re.sub(r"\W", "", et.clean_text(row.text).lower())
        assert not [s for s in seed_sentences if s in body], row.id


def test_grounded_reads_match_labels_and_card(grounded):
    from sklearn.metrics import cohen_kappa_score

    lines = (DATA / "annotation" / "grounded_reads.ndjson").read_text(encoding="utf-8").splitlines()
    reads = {r["id"]: r for r in map(json.loads, lines)}
    assert set(reads) == {r.id for r in grounded}
    for row in grounded:
        final = reads[row.id]["final"]
        assert (final["label"], final["labels"]) == (row.label, list(row.labels)), row.id
        first, second = reads[row.id]["first_read"]["label"], reads[row.id]["second_read"]["label"]
        if first == second:  # where the blind reads agree, their label is final
            assert row.label == first, row.id
    ids = sorted(reads)
    kappa = cohen_kappa_score(
        [reads[i]["first_read"]["label"] for i in ids],
        [reads[i]["second_read"]["label"] for i in ids],
    )
    card = (DATA / "README.md").read_text(encoding="utf-8")
    assert f"kappa {kappa:.3f}" in card
    assert f"| grounded | {len(grounded)} |" in card


def test_passage_fields_are_validated(tmp_path):
    good = {
        "id": "x1",
        "text": "天猫",
        "lang": "zh",
        "label": "other",
        "labels": [],
        "source": "https://a.b/c",
        "doc": "d1",
        "position": 0,
        "register": "news",
    }
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n", encoding="utf-8")
    row = read_labelled(path)[0]
    assert (row.doc, row.position, row.register) == ("d1", 0, "news")
    assert row.to_json() == good
    for bad, message in [
        ({"position": -1}, "'position' must be an integer"),
        ({"position": True}, "'position'"),
        ({"doc": ""}, "'doc' must be a non-empty string"),
        ({"position": None}, "go together"),
        ({"register": 3}, "'register' must be a string"),
    ]:
        row = {**good, **bad}
        if row.get("position") is None:
            row.pop("position")
        path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
        with pytest.raises(et.DataError, match=message):
            read_labelled(path)
