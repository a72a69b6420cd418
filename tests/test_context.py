"""The character view, the context stage and classify_document on given paragraphs."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ecomtopics as et
from conftest import ROOT
from ecomtopics.classify._chars import CharNgrams, char_ngrams
from ecomtopics.classify._context import context_features, n_context_features
from ecomtopics.data import read_labelled
from ecomtopics.evaluate import passage_order


@pytest.fixture(scope="module")
def passages():
    rows = read_labelled(ROOT / "data" / "grounded")
    # a twelfth of the passages (about 80) keeps the fit quick
    docs = sorted({r.doc for r in rows})[::12]
    return passage_order([r for r in rows if r.doc in set(docs)])


@pytest.fixture(scope="module")
def clf(passages):
    return et.ThemeClassifier(random_state=0).fit(
        [r.text for r in passages],
        [r.label for r in passages],
        labels=[r.labels for r in passages],
        groups=[r.doc for r in passages],
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_char_counts_equal_the_plain_definition(texts):
    vectorizer = CharNgrams((1, 3), min_df=1).fit(texts + ["天猫 tmall"])
    names = vectorizer.feature_names()
    matrix = vectorizer.transform(texts)
    for i, text in enumerate(texts):
        row = matrix.getrow(i)
        got = Counter({names[j]: int(v) for j, v in zip(row.indices, row.data)})
        assert got == Counter(char_ngrams(text, (1, 3)))
        assert all(g != " " and " " not in g[1:-1] for g in got)


def test_char_vocabulary_round_trips():
    fitted = CharNgrams((2, 3), min_df=1).fit(["线下门店", "offline store"])
    keys, sizes = fitted.vocabulary_arrays()
    again = CharNgrams.from_keys((2, 3), keys, sizes)
    assert again.feature_names() == fitted.feature_names()
    with pytest.raises(et.InputError, match="not sorted"):
        CharNgrams.from_keys((2, 3), keys[::-1], sizes[::-1])


def test_context_features_shape_and_neighbours():
    proba = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
    f = context_features(proba, np.array([2, 30, 30]))
    assert f.shape == (3, n_context_features(2))
    np.testing.assert_allclose(f[1, 2:4], proba[0])  # previous
    np.testing.assert_allclose(f[1, 4:6], proba[2])  # next
    np.testing.assert_allclose(f[0, 6:8], proba[1:].mean(axis=0))  # the rest of the document
    single = context_features(proba[:1], np.array([5]))
    assert np.all(single[0, 2:8] == 0)


def test_fit_with_groups_trains_the_context_stage(clf, passages):
    assert clf.context_coef_ is not None
    assert clf.context_document  # the default: the rest of the document is read as one text
    assert clf.context_coef_.shape == (5, n_context_features(5, document=True))
    doc = [r.text for r in passages if r.doc == passages[0].doc]
    proba = clf.predict_proba_in_context(doc)
    assert proba.shape == (len(doc), 5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert not np.allclose(proba, clf.predict_proba(doc))  # the context changes the scores
    alone = et.ThemeClassifier(context=False).set_params(**{})
    assert alone.context is False


@pytest.mark.slow  # trains the two-stage model a second time
def test_context_stage_is_reproducible(clf, passages):
    again = et.ThemeClassifier(random_state=0).fit(
        [r.text for r in passages],
        [r.label for r in passages],
        labels=[r.labels for r in passages],
        groups=[r.doc for r in passages],
    )
    np.testing.assert_array_equal(again.context_coef_, clf.context_coef_)
    np.testing.assert_array_equal(again.coef_, clf.coef_)


def test_context_stage_is_stored(clf, passages, tmp_path):
    store = et.ModelStore(tmp_path)
    version = store.save(clf, "tc")
    loaded = store.load("tc", version)
    doc = [r.text for r in passages[:30]]
    np.testing.assert_array_equal(
        loaded.predict_proba_in_context(doc), clf.predict_proba_in_context(doc)
    )
    np.testing.assert_array_equal(loaded.predict_proba(doc), clf.predict_proba(doc))
    assert loaded.explain(doc[0]) == clf.explain(doc[0])


def test_one_paragraph_path_equals_batch_path(clf, passages):
    texts = [r.text for r in passages[:40]] + ["天猫", "", "线下 stores 服务商"]
    one = np.vstack([clf.predict_one(t)[1] for t in texts])
    np.testing.assert_allclose(one, clf.predict_proba(texts), rtol=0, atol=1e-12)
    assert clf.predict(["天猫"]) == ["other"]  # no word feature: other, whatever the characters say


def test_groups_must_be_consecutive_and_sized(passages):
    texts, labels = [r.text for r in passages[:20]], [r.label for r in passages[:20]]
    with pytest.raises(et.InputError, match="groups has 3 entries"):
        et.ThemeClassifier().fit(texts, labels, groups=["a", "b", "c"])
    with pytest.raises(et.InputError, match="not consecutive"):
        et.ThemeClassifier().fit(texts, labels, groups=["a", "b"] * 10)


@pytest.mark.parametrize(
    "bad",
    [
        {"char_ngrams": (0, 3)},
        {"char_ngrams": (1, 4)},
        {"char_ngrams": "13"},
        {"char_weight": 0},
        {"char_weight": True},
        {"context_C": -1.0},
        {"char_min_df": 0},
        {"context": "yes"},
        {"context_document": 1},
    ],
)
def test_bad_settings_are_refused(bad):
    with pytest.raises(et.InputError):
        et.ThemeClassifier(**bad).fit(["线下门店", "服务商"], ["o2o", "merchant_services"])


def test_classify_document_takes_split_paragraphs(clf):
    given = ["双十一 天猫 会员运营", "", "Share to: WeChat", "线下门店\n与天猫打通"]
    result = et.classify_document(given, clf)
    assert len(result.paragraphs) == len(given)
    assert [p.paragraph.index for p in result.paragraphs] == [0, 1, 2, 3]
    assert result.paragraphs[3].text == "线下门店 与天猫打通"  # cleaned, never split again
    assert result.paragraphs[1].label == "other"
    in_context = clf.predict_proba_in_context([p.text for p in result.paragraphs])
    assert [p.label for p in result.paragraphs] == [
        clf.classes_[i] for i in in_context.argmax(axis=1)
    ]
    alone = et.classify_document(given, clf, context=False)
    assert [p.label for p in alone.paragraphs] == clf.predict([p.text for p in alone.paragraphs])
    for p in result.paragraphs:
        assert p.label == "other" or p.labels[0] == p.label


def test_shares_by_paragraph_or_length(clf):
    given = ["天猫线下门店与会员打通，门店数字化。" * 6, "服务商"]
    by_paragraph = et.classify_document(given, clf).shares
    by_length = et.classify_document(given, clf, weight="length").shares
    proba = clf.predict_proba_in_context(
        [p.text for p in et.classify_document(given, clf).paragraphs]
    )
    np.testing.assert_allclose(list(by_paragraph.values()), proba.mean(axis=0), atol=1e-6)
    assert by_length != by_paragraph
    with pytest.raises(et.InputError, match="weight"):
        et.classify_document(given, clf, weight="words")
    with pytest.raises(TypeError, match="decode it first"):
        et.classify_document(b"bytes", clf)


REAL = st.sampled_from(
    [
        "天猫线下门店与会员打通",
        "服务商帮助商家做精细化运营",
        "Offline stores and online members are connected",
        "Service providers help merchants run their flagship stores",
        "天猫",
        "",
        "Related reading",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.tuples(REAL | st.text(max_size=30), REAL | st.text(max_size=30)))
def test_the_rest_of_a_two_paragraph_document_is_the_other_paragraph(clf, pair):
    matrix, n_tokens, counts = clf._features_and_counts(list(pair))
    rest = clf._rest_scores(counts)
    own = clf._scores_of_matrix(matrix)
    for i, other in ((0, 1), (1, 0)):
        expected = own[other] if n_tokens[other] > 0 else clf.intercept_  # featureless: no view
        np.testing.assert_allclose(rest[i], expected, rtol=0, atol=1e-12)


def test_rest_scores_do_not_depend_on_the_block_size(clf, passages, monkeypatch):
    from ecomtopics.classify import _scorer

    texts = [r.text for r in passages[:70]]
    _, _, counts = clf._features_and_counts(texts)
    whole = clf._rest_scores(counts)
    monkeypatch.setattr(_scorer, "_REST_BLOCK", 3)
    np.testing.assert_allclose(clf._rest_scores(counts), whole, rtol=0, atol=1e-12)
    # the rest of paragraph 0 is the document without it: adding a copy of paragraph 0 changes it
    _, _, more = clf._features_and_counts([texts[0], *texts])
    assert not np.allclose(clf._rest_scores(more)[0], whole[0])


def test_without_the_document_view_the_stage_reads_other_paragraphs_only(passages):
    few = passages[: len(passages) // 4]
    model = et.ThemeClassifier(context_document=False).fit(
        [r.text for r in few],
        [r.label for r in few],
        labels=[r.labels for r in few],
        groups=[r.doc for r in few],
    )
    assert model.context_coef_.shape == (5, n_context_features(5))
    doc = [r.text for r in few if r.doc == few[0].doc]
    assert model.predict_proba_in_context(doc).shape == (len(doc), 5)


def test_versions_before_the_document_view_load_without_it():
    v7 = et.load_model("theme-classifier", version="v7")
    assert v7.context_document is False
    assert v7.context_coef_.shape == (5, n_context_features(5))


@pytest.mark.parametrize("min_df", [1, 2])
def test_training_counts_are_the_counts_scoring_sees(passages, min_df):
    texts = [r.text for r in passages[:80]] + ["天猫", "的 了 。"]
    labels = [r.label for r in passages[:80]] + ["other", "other"]
    model = et.ThemeClassifier(calibrate=False, min_df=min_df).fit(texts, labels)
    _, n_tokens, counts = model._fit_features(texts)  # refits the same vocabulary
    _, scored_tokens, scored_counts = model._features_and_counts(texts)
    np.testing.assert_array_equal(n_tokens, scored_tokens)  # lengths the context stage reads
    assert abs(counts - scored_counts).max() == 0  # the rest-of-document view's counts
