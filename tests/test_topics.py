"""Topic models and TF-IDF keywords: bad input, streaming, seeded topics, selection."""

from __future__ import annotations

import json

import numpy as np
import pytest

import ecomtopics as et
from conftest import ROOT

TEXTS = [
    "天猫线下门店与线上会员打通，门店库存共享",
    "线下门店的导购用支付宝扫码支付",
    "服务商为商家提供代运营和培训",
    "服务商 淘拍档 商家 培训 工具",
    "Offline stores share inventory with the online flagship store",
    "Service providers train merchants and sell them tools",
] * 4


def test_no_texts_is_a_clear_error():
    with pytest.raises(et.InputError, match="no texts"):
        et.TopicModel(n_topics=2).fit([])
    with pytest.raises(TypeError, match="single string"):
        et.TopicModel(n_topics=2).fit("天猫")


def test_all_stopword_texts_are_a_clear_error():
    with pytest.raises(et.InputError, match="empty vocabulary"):
        et.TopicModel(n_topics=2).fit(["的了吗", "the and of", "，。"])
    with pytest.raises(et.InputError, match="empty vocabulary"):
        et.Tfidf().fit(["的了吗", "the and of"])


def test_a_single_word_gives_a_defined_model():
    model = et.TopicModel(n_topics=2, passes=2).fit(["天猫"])
    mix = model.transform(["天猫", "", "unknown words only"])
    assert np.isfinite(mix).all()
    np.testing.assert_allclose(mix.sum(axis=1), 1.0)
    np.testing.assert_allclose(mix[1], mix[2])  # no known word: the prior mix
    try:  # one word has no co-occurrences: a finite value or a clear error, never NaN
        value = model.coherence("c_v")
    except et.InputError as exc:
        assert "coherence" in str(exc)
    else:
        assert np.isfinite(value)


def test_transform_is_the_same_on_every_call_and_any_batch():
    model = et.TopicModel(n_topics=3, passes=3, random_state=1).fit(TEXTS)
    first = model.transform(TEXTS[:6])
    again = model.transform(list(reversed(TEXTS[:6])))[::-1]
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, model.transform(TEXTS[:6]))


def test_fit_streams_from_files(tmp_path):
    path = tmp_path / "texts.jsonl"
    path.write_text(
        "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in TEXTS), encoding="utf-8"
    )
    stream = et.TextStream([path])
    assert list(stream) == TEXTS and list(stream) == TEXTS  # re-iterable
    from_files = et.TopicModel(n_topics=2, passes=2).fit(stream)
    from_list = et.TopicModel(n_topics=2, passes=2).fit(TEXTS)
    np.testing.assert_array_equal(from_files.transform(TEXTS), from_list.transform(TEXTS))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"no_text": 1}\n', encoding="utf-8")
    with pytest.raises(et.InputError, match=r"bad\.jsonl:1"):
        list(et.TextStream([bad]))
    with pytest.raises(et.InputError, match="no such file"):
        et.TextStream([tmp_path / "missing.txt"])


def test_one_shot_generator_is_accepted():
    model = et.TopicModel(n_topics=2, passes=2).fit(t for t in TEXTS)
    assert model.transform(["门店"]).shape == (1, 2)


def test_topics_coherence_describe():
    model = et.TopicModel(n_topics=2, passes=5).fit(TEXTS)
    topics = model.topics(top_n=4)
    assert len(topics) == 2 and all(len(t) == 4 for t in topics)
    for measure in ("c_v", "u_mass", "c_npmi"):
        assert np.isfinite(model.coherence(measure, texts=TEXTS))
    with pytest.raises(et.InputError, match="measure must be"):
        model.coherence("c_nonsense")
    rows = model.describe(top_n=4)
    assert abs(sum(r["share"] for r in rows) - 1) < 0.01
    assert {r["theme"] for r in rows} <= set(et.THEMES)


def test_lexicon_anchors_pull_topics_to_their_themes():
    rows = et.read_labelled(ROOT / "data" / "authored")[::3]
    texts = [r.text for r in rows]
    seeded = et.TopicModel(n_topics=6, passes=5, anchors="lexicon", anchor_weight=5.0).fit(texts)
    themes = [row["theme"] for row in seeded.describe()][:4]
    # topics 0-3 are seeded with channel, merchant_services, o2o, operations (sorted)
    matches = sum(
        t == want for t, want in zip(themes, ["channel", "merchant_services", "o2o", "operations"])
    )
    assert matches >= 2, themes
    # one anchored topic per theme; the concepts of other (results, personnel …) anchor none
    assert sorted(seeded._anchor_words()) == ["channel", "merchant_services", "o2o", "operations"]
    with pytest.raises(et.InputError, match="anchors must be"):
        et.TopicModel(anchors="everything").fit(texts)


def test_select_n_topics_table():
    best, table = et.select_n_topics(TEXTS, [2, 3], seeds=(0, 1), passes=2)
    assert best in (2, 3)
    assert [row["n_topics"] for row in table] == [2, 3]
    assert all(0 <= row["stability"] <= 1 and np.isfinite(row["coherence"]) for row in table)
    with pytest.raises(et.InputError, match="candidates"):
        et.select_n_topics(TEXTS, [0])


def test_tfidf_keywords_and_groups():
    tfidf = et.Tfidf().fit(TEXTS)
    words = [w for w, _ in tfidf.keywords("天猫线下门店与线上会员打通", top_n=3)]
    assert len(words) == 3 and all(" " not in w for w in words)
    groups = tfidf.group_keywords(TEXTS, ["o2o", "o2o", "ms", "ms", "o2o", "ms"] * 4, top_n=3)
    assert set(groups) == {"o2o", "ms"}
    assert "服务商" in [w for w, _ in groups["ms"]] or "service_provider" in [
        w for w, _ in groups["ms"]
    ]
    with pytest.raises(et.InputError, match="top_n"):
        tfidf.keywords("x", top_n=0)


def test_fit_leaves_no_temporary_file(tmp_path, monkeypatch):
    import gc
    import os
    import pickle
    import subprocess
    import sys
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    model = et.TopicModel(n_topics=2, passes=1, random_state=0).fit(TEXTS)
    assert np.isfinite(model.coherence("u_mass"))  # the training tokens serve coherence() ...
    twin = pickle.loads(pickle.dumps(model))
    del twin
    gc.collect()
    assert np.isfinite(model.coherence("u_mass"))  # ... a dropped copy does not remove them
    model.fit(TEXTS[:12])  # a refit drops the first run's tokens
    assert len(list(tmp_path.iterdir())) == 1
    del model
    gc.collect()
    assert list(tmp_path.iterdir()) == []  # ... and they go with the model
    with pytest.raises(et.InputTypeError):  # a bad text half-way: nothing left either
        et.TopicModel(n_topics=2).fit(["天猫", None])
    gc.collect()
    assert list(tmp_path.iterdir()) == []
    # a model alive when the process ends
    code = f"import ecomtopics as et; m = et.TopicModel(n_topics=2, passes=1).fit({TEXTS!r})"
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_tfidf_versions_that_recorded_random_state_still_load():
    tfidf = et.Tfidf().fit(TEXTS)
    config, arrays, files = tfidf._to_store()
    assert "random_state" not in config["params"]  # no dead parameter any more
    config["params"]["random_state"] = 0  # as versions saved before its removal have it
    old = et.Tfidf._from_store(config, arrays, files)
    np.testing.assert_array_equal(old.transform(TEXTS).toarray(), tfidf.transform(TEXTS).toarray())
