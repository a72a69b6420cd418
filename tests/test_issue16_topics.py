"""Issue 16, items 1-2: topics that cross languages, and topics worth reading."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

import ecomtopics as et
from conftest import ROOT
from ecomtopics.topics import TopicModel, parallel_divergence, plain_gensim_by_language

PAIRS = [
    json.loads(line)
    for line in (ROOT / "tests" / "data" / "parallel_pairs.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
]
BILINGUAL = {"shared_units": "table", "untranslated": "drop", "ignore_platform_names": True}


@pytest.fixture(scope="module")
def corpus():
    rows = et.read_labelled([ROOT / "data" / "authored", ROOT / "data" / "gold"])
    return [r.text for r in rows], [r.lang for r in rows]


@pytest.fixture(scope="module")
def shipped():
    return et.load_model("topic-model")


def test_parallel_set_is_what_it_says():
    assert len(PAIRS) >= 40
    for p in PAIRS:
        assert et.detect_language(p["zh"]) == "zh" and et.detect_language(p["en"]) == "en", p["id"]


def test_shipped_topics_cross_languages(shipped):
    score = parallel_divergence(shipped, [(p["zh"], p["en"]) for p in PAIRS])
    assert score["paired"] <= 0.5 * score["unrelated"], score
    assert score["same_top_topic"] >= 0.6, score


def test_the_old_version_did_not_and_still_loads(shipped):
    old = et.load_model("topic-model", "v2")
    score = parallel_divergence(old, [(p["zh"], p["en"]) for p in PAIRS])
    assert score["ratio"] > 0.9  # the before: a translation looked like any unrelated paragraph
    assert len(old.topic_names()) == old.n_topics
    np.testing.assert_allclose(old.transform(["天猫线下门店"]).sum(), 1.0)
    assert et.load_model("topic-model", "v1").transform(["门店"]).shape == (
        1,
        et.load_model("topic-model", "v1").n_topics,
    )


def test_shipped_topics_show_both_languages_and_no_platform_names(shipped):
    rows = shipped.describe(top_n=10)
    platforms = et.tokenize.platform_names()
    for row in rows:
        assert row["words_zh"] and row["words_en"], row
        assert not set(row["words_zh"] + row["words_en"] + row["words"]) & platforms, row
    names = shipped.topic_names()
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in n) and " / " in n for n in names)
    assert all(n.split(":")[0].split()[1].split(" ")[0] in (*et.THEMES,) for n in names)


def test_coherence_per_language_no_worse_than_plain_gensim(corpus, shipped):
    texts, langs = corpus
    ours = shipped.coherence_by_language(texts, langs)
    plain = plain_gensim_by_language(texts, langs, shipped.n_topics, random_state=0)
    assert set(ours) == {"zh", "en"}
    for lang in ours:
        assert ours[lang] >= plain[lang] - 0.005, (lang, ours, plain)


def test_shared_units_round_trip_keeps_its_own_map(tmp_path, corpus):
    texts, _ = corpus
    model = TopicModel(n_topics=3, passes=2, random_state=0, **BILINGUAL).fit(texts[:300])
    store = et.ModelStore(tmp_path)
    version = store.save(model, "tm")
    back = store.load("tm", version)
    assert back._unit_map == model._unit_map and "门店" in back._unit_map
    np.testing.assert_array_equal(back.transform(texts[:20]), model.transform(texts[:20]))
    assert back.topics_bilingual(5) == model.topics_bilingual(5)
    # one unit for the two languages
    assert model._analyse("门店") == model._analyse("store") == ["store"]
    assert model._analyse("天猫 Tmall") == []


def test_too_small_a_corpus_warns(caplog):
    texts = ["天猫线下门店与会员打通", "服务商为商家提供培训", "Offline stores share inventory"] * 2
    with caplog.at_level(logging.WARNING, logger="ecomtopics"):
        TopicModel(n_topics=8, passes=1).fit(texts)
    assert "too small for 8 topics" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ecomtopics"):
        TopicModel(n_topics=1, passes=1).fit(texts * 10)
    assert "too small" not in caplog.text


def test_dead_and_duplicate_topics_are_found(caplog):
    texts = ["服务商 培训 商家 工具 服务商", "Service providers train merchants with tools"] * 30
    with caplog.at_level(logging.WARNING, logger="ecomtopics"):
        model = TopicModel(n_topics=6, passes=5, random_state=0).fit(texts)
    quality = model.topic_quality()
    assert quality["dead"] or quality["duplicates"]
    assert "dead topics" in caplog.text or "duplicate topics" in caplog.text
    flagged = [r for r in model.describe() if r["dead"] or r["duplicate_of"] is not None]
    assert flagged
    distinct = TopicModel(n_topics=2, passes=10, random_state=0).fit(
        ["服务商 培训 工具 服务商 培训", "门店 会员 导购 门店 会员"] * 30
    )
    assert distinct.topic_quality() == {"dead": [], "duplicates": []}


def test_progress_on_fits_and_selection(capsys):
    texts = ["服务商 培训 工具", "门店 会员 导购"] * 10
    TopicModel(n_topics=2, passes=2, progress=True).fit(texts)
    assert "LDA 2 topics" in capsys.readouterr().err
    TopicModel(n_topics=2, passes=2, progress=False).fit(texts)
    assert capsys.readouterr().err == ""
    et.select_n_topics(texts, [2, 3], seeds=(0,), progress=True, passes=1)
    assert "select_n_topics" in capsys.readouterr().err


def test_topic_names_are_shown_in_cli_report_and_plot(tmp_path, shipped):
    import os
    import subprocess
    import sys

    from conftest import SEEDS
    from ecomtopics.report import render_report

    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "ecomtopics.cli", "topics", str(SEEDS), "--stored"],
        capture_output=True,
        timeout=300,
        env=env,
    )
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, proc.stderr.decode()
    assert "中文" in out and "English" in out
    names = shipped.topic_names(3)
    assert any(name in out for name in names)  # the documents' topic mixes are named
    page = render_report(
        [("a.txt", "天猫线下门店与会员打通。")], et.load_model("theme-classifier"), shipped
    )
    assert sum(name.split(":")[0] in page for name in names) == len(names)
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from ecomtopics import viz

    captured = {}
    original = Figure.savefig

    def spy(self, *args, **kwargs):
        captured["fig"] = self
        return original(self, *args, **kwargs)

    Figure.savefig = spy
    try:
        viz.plot_topics(shipped, tmp_path / "t.png", top_n=5)
    finally:
        Figure.savefig = original
    fig = captured["fig"]
    assert len(fig.axes) == shipped.n_topics  # no empty panels
    assert fig._suptitle is not None and fig._suptitle.get_text()
    titles = [ax.get_title() for ax in fig.axes]
    assert all(any(theme in t for theme in et.THEMES) for t in titles)
    assert all(ax.get_xlabel() for ax in fig.axes)
