"""The compiled featurizer (``_native.c``) gives what the Python paths give, and refuses bad input.

CI compiles it (``pip install -e .`` runs the build hook), so these tests
require it; ``ECOMTOPICS_NO_NATIVE=1`` turns it off and skips them.
"""

from __future__ import annotations

import os
import pickle
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ecomtopics as et
from conftest import ROOT
from ecomtopics import _compiled
from ecomtopics.classify import _chars, _scorer, _words
from ecomtopics.classify._chars import CharNgrams
from ecomtopics.data import read_labelled
from test_fast_paths import ENGLISH, PHRASE_WORDS, TEXT

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("ECOMTOPICS_NO_NATIVE")), reason="compiled featurizer turned off"
)

# English-looking text with what the compiled path must get right: case, possessives, dots,
# separating punctuation, every kind of ASCII white space, texts it must hand back to Python
ASCII_PIECES = st.sampled_from(
    [" ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x00", "\x7f", "'s", "'S", "’s",
     ",", ".", "...", "!", "(", ")", '"', "/", "\\", "*", "+", "=", "#", "@", "$", "%", "^", "~",
     "`", "-", "_", "&", "&amp;", "<b>", "<", ">", "span", "Spanaction", "expansion", "é", "—",
     "12", "3.5", "1,000", "A", "z", "spanactions", "spanition", "Spanformation", "spanit", " .",
     ". ", " . ", "\x01", "\x1b", "\x0e", "spanaction's"]
)  # fmt: skip
MIXED = st.lists(PHRASE_WORDS | ASCII_PIECES | st.text(max_size=6), max_size=30).map("".join)
SPACED = ENGLISH | MIXED | TEXT


def real_rows():
    return read_labelled([ROOT / "data" / d for d in ("authored", "grounded", "gold")])


@pytest.fixture(scope="module")
def clf():
    model = et.load_model("theme-classifier")
    model._ensure_ready()
    return model


@pytest.fixture(scope="module")
def python_clf():
    """The shipped classifier with every compiled path turned off (the reference)."""
    patch = pytest.MonkeyPatch()
    for module in (_scorer, _words, _chars):
        patch.setattr(module, "native", lambda: None)
    model = et.load_model("theme-classifier")
    model._ensure_ready()
    assert model._native is None and model._word_counter() is None
    assert model._chars._lookup_table().compiled() is None
    patch.undo()
    return model


@pytest.fixture(scope="module")
def real_texts():
    return [r.text for r in real_rows()]


def as_dict(indptr, columns, counts, row):
    out: Counter = Counter()
    for c, v in zip(columns[indptr[row] : indptr[row + 1]], counts[indptr[row] : indptr[row + 1]]):
        out[int(c)] += float(v)
    return dict(out)


@pytest.mark.parametrize("name", ["_native", "_zhseg"])
def test_the_modules_are_built_and_current(name):
    module = _compiled.compiled(name)
    assert module is not None, f"the build hook did not compile {name}.c (is a C compiler there?)"
    assert len(module.SOURCE_SHA256) == 64


def test_a_stale_module_is_ignored_with_a_warning(monkeypatch):
    module = _compiled.native()
    monkeypatch.setattr(module, "SOURCE_SHA256", "0" * 64)
    with pytest.warns(RuntimeWarning, match="changed since it was compiled"):
        assert _compiled.compiled.__wrapped__("_native") is None


def test_the_environment_variable_turns_it_off(monkeypatch):
    monkeypatch.setenv("ECOMTOPICS_NO_NATIVE", "1")
    assert _compiled.compiled.__wrapped__("_native") is None
    assert _compiled.compiled.__wrapped__("_zhseg") is None


def test_the_shipped_model_takes_the_compiled_paths(clf):
    assert clf._word_counter() is not None
    assert clf._chars._lookup_table().compiled() is not None


# -- words -------------------------------------------------------------------------------


def check_words(clf, texts):
    indptr, columns, counts = clf._word_counter().counts(texts, clf._pairs)
    assert len(indptr) == len(texts) + 1
    for i, text in enumerate(texts):
        want = {k: float(v) for k, v in clf._counts(text).items()}
        assert as_dict(indptr, columns, counts, i) == want, text


@given(st.lists(SPACED, max_size=6))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_word_counts_equal_the_python_path_on_random_text(clf, texts):
    check_words(clf, texts)


def test_word_counts_equal_the_python_path_on_real_text(clf, real_texts):
    check_words(clf, real_texts)


@given(ENGLISH | MIXED)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_tokens_of_accepted_texts_are_the_tokenizers(clf, text):
    words = clf._word_counter()
    if words.accepts(text):
        ids = words.token_ids(text)  # registers new words first
        names = words.token_of_id()
        assert [names[i] for i in ids] == clf._tokenizer_(text)


def test_accepts_ascii_text_without_html_marks(clf):
    words = clf._word_counter()
    assert words.accepts("Tmall's flagship stores, 2024.")
    for text in ("天猫", "café", "a &amp; b", "<b>x</b>", "Q&A"):
        assert not words.accepts(text), text
    for text in ("tab\tand\nnewline", "spanaction", "a\x00b", "a\rb", "a\x7f", "stores ."):
        assert words.accepts(text), text


@pytest.mark.parametrize(
    "text",
    [
        "physical spanactions and Spanformation, span it",
        "a spanaction.spanition _spanfer 3spanport spanporter Spanish SPANACTION",
        "flagship stores . next . . end .",
        "stores\x00. x\x7f.\x01 y\x0b.",
        "Tmall flagship\x1cstores . spanactions .",
        "  . leading dot, trailing ..",
    ],
)
def test_ascii_text_is_cleaned_in_c_as_the_tokenizer_cleans_it(clf, text):
    """Control characters, span artefacts and white space before a final dot: C cleans them as
    text.clean_line does, so the tokens are the tokenizer's."""
    words = clf._word_counter()
    ids = words.token_ids(text)
    names = words.token_of_id()
    assert [names[i] for i in ids] == clf._tokenizer_(text)
    check_words(clf, [text])


def test_a_counter_forgets_words_past_its_bound(clf):
    module = _compiled.native()
    words = clf._word_counter()
    small = module.WordCounter(
        words._resolve, {}, {}, len(clf._index), words._ids, words._item, max_words=3
    )
    texts = ["alpha beta gamma delta epsilon", "alpha beta", "zeta eta theta"]
    first = small.counts(texts, False, True, clf._counts)
    assert small.n_words() <= 3 + 5
    assert small.counts(texts, False, True, clf._counts) == first


def test_token_lists_count_the_same_whatever_the_token_objects(clf):
    """The counter remembers token objects it has seen (a pointer lookup); equal tokens that are
    other objects, or str subclasses, must count the same."""

    class Token(str):
        pass

    counter = clf._word_counter()._counter
    tokens = clf._tokenizer_("天猫线下门店与服务商")
    fresh = ["".join(list(t)) for t in tokens]
    assert any(a is not b for a, b in zip(tokens, fresh))
    lists = [tokens, fresh, [Token(t) for t in tokens], tokens]
    got = [counter.counts(["天猫"], True, True, lambda text, x=x: x) for x in lists]
    assert all(g == got[0] for g in got) and len(got[0][1]) > 0


def test_callbacks_that_change_the_lists_being_counted_do_no_harm(clf):
    """The fallback and the tokens' own __hash__ run Python code while C counts: the counter
    reads private copies, so a list that grows or empties meanwhile is no danger (found by a
    run under AddressSanitizer)."""
    counter = clf._word_counter()._counter
    texts = ["天猫门店", "Tmall stores"]

    def growing(text):
        texts.append("more text")
        return clf._tokenizer_("线下门店与服务商")

    n = len(texts)
    spec = (clf.idf_, clf._split_coef_t[0], True, 1.0, None, np.zeros((n, 5)), np.zeros(n))
    counter.counts(texts, True, True, growing, spec)
    assert spec[6][0] > 0 and len(texts) == n + 1

    tokens: list = []

    class Meddling(str):
        def __hash__(self):
            tokens.clear()  # empties the list C is reading
            return str.__hash__(self)

        __eq__ = str.__eq__

    tokens.extend([Meddling("天猫"), Meddling("门店")])
    held = list(tokens)
    counter.counts(["天猫"], True, True, lambda text: tokens)
    assert held  # the tokens C read were its own references


def test_c_repairs_the_span_artefacts_the_python_cleaning_repairs():
    from ecomtopics.text._clean import _SPAN_SUFFIXES

    assert _compiled.native().SPAN_SUFFIXES == _SPAN_SUFFIXES


def test_misaligned_arrays_are_refused():
    f = _compiled.native().tfidf_scores
    raw = np.frombuffer(bytearray(8 * 3 + 1), dtype=np.int64, offset=1, count=3)
    with pytest.raises(ValueError, match="aligned"):
        f(raw[:2], raw[:1], np.ones(1), np.ones(2), np.ones((2, 2)), True, 1.0, None,
          np.zeros((1, 2)), np.zeros(1))  # fmt: skip


def test_word_counter_refuses_bad_input(clf):
    counter = clf._word_counter()._counter
    with pytest.raises(TypeError, match="item 1 is int"):
        counter.counts(["a", 3], True, True, clf._counts)
    with pytest.raises(TypeError, match="fallback must return ASCII text, a list of tokens or a"):
        counter.counts(["天猫"], True, True, lambda text: 3)
    with pytest.raises(ValueError, match="outside the view"):
        counter.counts(["天猫"], True, True, lambda text: {10**9: 1})
    with pytest.raises(ValueError, match="is not a count"):
        counter.counts(["天猫"], True, True, lambda text: {0: -1})
    with pytest.raises(TypeError):  # counts are whole numbers
        counter.counts(["天猫"], True, True, lambda text: {0: 1.5})
    module = _compiled.native()
    with pytest.raises(ValueError, match="token columns"):
        module.WordCounter(lambda w: (0, ((0, (5,), False),)), {}, {}, 3, {}, len).counts(
            ["x"], 0, 1, None
        )
    with pytest.raises(TypeError, match="callable"):
        module.WordCounter(3, {}, {}, 3, {}, len)
    with pytest.raises(TypeError, match="token_item must be callable"):
        module.WordCounter(len, {}, {}, 3, {}, 3)
    with pytest.raises(ValueError, match="pairs"):
        module.WordCounter(len, {}, {(0, 1): 7}, 3, {}, len)
    with pytest.raises(ValueError, match="token columns"):  # a token of a Python-side list
        module.WordCounter(len, {}, {}, 3, {}, lambda t: (0, (9,), False)).counts(
            ["天猫"], 0, 1, lambda text: ["天猫"]
        )


def test_an_error_in_resolve_propagates_and_leaves_the_counter_usable(clf):
    module = _compiled.native()

    def resolve(word):
        if word == "boom":
            raise RuntimeError("resolve failed")
        return clf._word_counter()._resolve(word)

    words = clf._word_counter()
    counter = module.WordCounter(resolve, {}, {}, len(clf._index), words._ids, words._item)
    plain = module.WordCounter(words._resolve, {}, {}, len(clf._index), words._ids, words._item)
    with pytest.raises(RuntimeError, match="resolve failed"):
        counter.counts(["online stores boom"], True, True, clf._counts)
    texts = ["online stores", "stores online online"]
    assert counter.counts(texts, True, True, None) == plain.counts(texts, True, True, None)


# -- characters --------------------------------------------------------------------------


def check_chars(vectorizer, texts):
    rows, cols, counts = vectorizer._counts_exact(texts)  # the definition
    indptr, c_cols, c_counts = vectorizer.csr(texts)
    for i in range(len(texts)):
        want = {int(c): float(v) for c, v in zip(cols[rows == i], counts[rows == i])}
        assert as_dict(indptr, c_cols, c_counts, i) == want


def test_char_counts_equal_the_definition_on_real_text(clf, real_texts):
    check_chars(clf._chars, real_texts[:3000])


@given(st.lists(TEXT | SPACED, max_size=10))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_char_counts_equal_the_definition_on_random_text(clf, texts):
    check_chars(clf._chars, texts)


@given(
    st.lists(TEXT | SPACED, min_size=1, max_size=8),
    st.lists(TEXT | SPACED, max_size=6),
    st.sampled_from([(1, 1), (1, 2), (2, 3), (3, 3), (1, 3)]),
)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_fitted_vocabulary_counts_as_the_definition(train, texts, ngram_range):
    vectorizer = CharNgrams(ngram_range, min_df=1).fit(train)
    if len(vectorizer):
        check_chars(vectorizer, texts)


@pytest.mark.parametrize("train", [["ab", "b c"], ["天猫 tmall", "门店"]])
def test_rows_longer_than_the_view_count_right(train):
    """A row lists each count as it comes and compacts the list when it outgrows the view's
    columns: long texts over a small vocabulary (many compactions) still count as defined."""
    vectorizer = CharNgrams((1, 3), min_df=1).fit(train)
    texts = ["ab " * 5000, "x" * 9000, "天猫门店 tmall " * 3000 + "b c", ""]
    check_chars(vectorizer, texts)
    indptr, _, counts = vectorizer.csr(texts)
    assert counts[: indptr[1]].max() >= 5000  # counts beyond one list's worth


def test_long_token_lists_count_right(clf):
    text = "Tmall flagship stores serve offline shoppers. " * 800 + "天猫 门店 服务商 " * 900
    check_words(clf, [text, text.lower(), "spanaction " * 6000])


def test_a_vocabulary_of_many_ascii_characters_uses_the_hash_table():
    # more than 63 distinct ASCII characters: the direct tables are off, the hash table serves
    train = ["".join(chr(c) for c in range(33, 127)), "".join(chr(c) for c in range(126, 32, -1))]
    vectorizer = CharNgrams((1, 3), min_df=1).fit(train)
    check_chars(vectorizer, train + ["abc xyz", "~}|{ 0123"])


def test_char_counter_refuses_an_inconsistent_table(clf):
    module = _compiled.native()
    table = clf._chars._lookup_table()
    with pytest.raises(ValueError, match="inconsistent"):
        module.CharCounter(table.table_keys[:-1], table.table_cols[:-1], 3, table.lut1, 14, 10)
    with pytest.raises(ValueError, match="outside n_columns"):
        module.CharCounter(table.table_keys, table.table_cols, int(table.shift), table.lut1, 14, 10)
    with pytest.raises(TypeError, match="not str"):
        table.compiled().counts([b"bytes"])


# -- scores ------------------------------------------------------------------------------


@given(st.integers(0, 12), st.integers(1, 6), st.booleans(), st.integers(0, 2**32 - 1))
@settings(max_examples=100, deadline=None)
def test_tfidf_scores_equal_numpy(n_rows, n_classes, sublinear, seed):
    from scipy.sparse import random as sparse_random

    rng = np.random.default_rng(seed)
    n_features = 30
    counts = sparse_random(n_rows, n_features, density=0.3, random_state=rng, format="csr")
    counts.data = np.ceil(counts.data * 80)  # whole counts, some above the table of small ones
    idf = rng.uniform(1, 5, n_features)
    coef_t = rng.normal(size=(n_features, n_classes))
    mask = rng.integers(0, 2, n_rows).astype(np.uint8)
    out = np.zeros((n_rows, n_classes))
    totals = np.zeros(n_rows)
    _compiled.native().tfidf_scores(
        counts.indptr.astype(np.int64), counts.indices.astype(np.int64), counts.data, idf,
        coef_t, sublinear, 0.5, mask, out, totals,
    )  # fmt: skip
    tf = counts.copy()
    if sublinear:
        tf.data = np.log(tf.data) + 1
    tf = tf.multiply(idf).tocsr().toarray()
    norms = np.linalg.norm(tf, axis=1, keepdims=True)
    want = np.where(norms > 0, 0.5 * tf / np.where(norms > 0, norms, 1), 0) @ coef_t
    want[mask == 0] = 0
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(totals, np.asarray(counts.sum(axis=1)).ravel())


def test_tfidf_scores_refuses_bad_arrays():
    f = _compiled.native().tfidf_scores
    ip, cols, counts = np.array([0, 1], np.int64), np.array([5], np.int64), np.ones(1)
    idf, coef, out, totals = np.ones(3), np.ones((3, 2)), np.zeros((1, 2)), np.zeros(1)
    with pytest.raises(ValueError, match="column out of range"):
        f(ip, cols, counts, idf, coef, True, 1.0, None, out, totals)
    with pytest.raises(ValueError, match="rows x classes"):
        f(ip, cols - 5, counts, idf, coef, True, 1.0, None, np.zeros((1, 3)), totals)
    with pytest.raises(ValueError, match="inconsistent"):
        f(ip, cols - 5, counts, idf, coef, True, 1.0, None, out, np.zeros(2))
    with pytest.raises(ValueError, match="indptr"):
        f(np.array([0, 2], np.int64), cols - 5, counts, idf, coef, True, 1.0, None, out, totals)
    with pytest.raises(ValueError, match="inconsistent"):
        f(ip, cols - 5, counts, idf, coef, True, 1.0, None, out.copy(), totals[:0])


def _spec(idf, coef_t, n_rows, mask=None, scale=1.0):
    return (idf, coef_t, True, scale, mask, np.zeros((n_rows, coef_t.shape[1])), np.zeros(n_rows))


def test_counting_and_scoring_in_one_pass_equals_scoring_the_counts(clf, real_texts):
    """Each counter's ``scoring`` argument scores a row as it is counted: the same sums in the
    same order as tfidf_scores over the counter's CSR block, so equal to the last bit."""
    texts = real_texts[:3000] + ["", "   ", "<b>Tmall</b> &amp;", "天猫 flagship\nstores"]
    module, n = _compiled.native(), len(texts)
    words, chars = clf._word_counter(), clf._chars
    word_coef, char_coef = clf._split_coef_t
    fused, counted = _spec(clf.idf_, word_coef, n), _spec(clf.idf_, word_coef, n)
    words.score(texts, clf._pairs, fused)
    module.tfidf_scores(*words.counts_raw(texts, clf._pairs), *counted)
    np.testing.assert_array_equal(fused[5], counted[5])
    np.testing.assert_array_equal(fused[6], counted[6])
    assert fused[5].any() and (fused[6] > 0).sum() > n // 2
    mask = (fused[6] > 0).view(np.uint8)
    fused, counted = (_spec(clf.char_idf_, char_coef, n, mask, 0.7) for _ in range(2))
    assert chars.score(texts, fused)
    module.tfidf_scores(*chars.csr_raw(texts), *counted)
    np.testing.assert_array_equal(fused[5], counted[5])
    np.testing.assert_array_equal(fused[6], counted[6])
    assert not fused[5][mask == 0].any() and fused[5][mask == 1].any()


def test_counting_with_a_bad_scoring_spec_is_refused(clf):
    words, chars = clf._word_counter(), clf._chars
    idf, coef = clf.char_idf_, clf._split_coef_t[1]
    for bad, error, match in [
        ((idf, coef), TypeError, "scoring must be|takes exactly"),
        (_spec(idf, coef, 3), ValueError, "inconsistent"),  # rows for 3 texts, 2 given
        (_spec(idf[:10], coef, 2), ValueError, "inconsistent"),
        (_spec(idf, coef, 2, mask=np.ones(5, np.uint8)), ValueError, "inconsistent"),
    ]:
        with pytest.raises(error, match=match):
            chars.score(["tmall store", "o2o"], bad)
    own_idf = idf.copy()
    shared = (own_idf, coef, True, 1.0, None, np.zeros((2, coef.shape[1])), own_idf[:2])
    with pytest.raises(ValueError, match="share memory"):  # totals inside idf
        chars.score(["tmall store", "o2o"], shared)
    spec = _spec(idf, coef, 2)
    with pytest.raises(ValueError, match="column out of range"):  # a word view spec too narrow
        words.score(["tmall store"], clf._pairs, _spec(np.ones(1), np.ones((1, 5)), 1))
    assert chars.score(["tmall store", "o2o"], spec) and spec[5].any()  # still usable


# -- the classifier end to end -----------------------------------------------------------


def test_predictions_equal_the_python_paths_on_real_text(clf, python_clf, real_texts):
    texts = real_texts[:4000]
    np.testing.assert_allclose(
        clf.predict_proba(texts), python_clf.predict_proba(texts), atol=1e-12
    )
    assert clf.predict(texts) == python_clf.predict(texts)
    np.testing.assert_allclose(
        clf.decision_function(texts), python_clf.decision_function(texts), atol=1e-11
    )
    assert clf.predict_labels(texts) == python_clf.predict_labels(texts)
    proba, labels = clf.predict_proba_and_labels(texts[:300], in_context=True)
    want_proba, want_labels = python_clf.predict_proba_and_labels(texts[:300], in_context=True)
    np.testing.assert_allclose(proba, want_proba, atol=1e-12)
    assert labels == want_labels
    mine, theirs = clf.transform(texts[:200]), python_clf.transform(texts[:200])
    assert mine.has_sorted_indices
    np.testing.assert_allclose(mine.toarray(), theirs.toarray(), atol=1e-15)


@given(st.lists(SPACED, min_size=5, max_size=12))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_predictions_equal_the_python_paths_on_random_text(clf, python_clf, texts):
    np.testing.assert_allclose(
        clf.predict_proba(texts), python_clf.predict_proba(texts), atol=1e-12
    )
    assert clf.predict_labels(texts) == python_clf.predict_labels(texts)


def test_a_pickled_classifier_rebuilds_its_compiled_paths(clf, real_texts):
    texts = real_texts[:300]
    again = pickle.loads(pickle.dumps(clf))
    assert again.__dict__["_index"] is None  # prepared again on first use
    np.testing.assert_array_equal(again.predict_proba(texts), clf.predict_proba(texts))
    assert again._word_counter() is not None and again._word_counter() is not clf._word_counter()


# -- the tokenizer's first look and the Chinese segmenter ---------------------------------

CJK = st.text(
    alphabet=st.sampled_from(
        list("天猫淘宝线上线下双十一服务商人货场的了是在新零售门店品牌商家数字化运营渠道")
        + list("㐀䶵\uf900\ufa2d\U00020000，。！？、（）《》 \u3000ＡＢｃ１２％．－")
        + list("abcXYZ019+#&._%-' \t\n")
    ),
    max_size=40,
)
ANY_TEXT = SPACED | CJK | TEXT


@given(ANY_TEXT)
@settings(max_examples=500, deadline=None)
def test_scan_text_agrees_with_the_regexes(text):
    from ecomtopics.text._clean import _FULL_WIDTH, _NEEDS_CLEANING
    from ecomtopics.tokenize._tokenizer import _HAS_HAN

    mapped, needs, han, letter = _compiled.native().scan_text(text)
    assert mapped == "".join(_FULL_WIDTH.get(ch, ch) for ch in text)
    assert needs == (_NEEDS_CLEANING.search(text) is not None)
    assert han == (_HAS_HAN.search(mapped) is not None)
    assert letter == any("a" <= ch.lower() <= "z" and ch.isascii() for ch in mapped)


@pytest.fixture(scope="module")
def segmenters():
    import rjieba

    from ecomtopics.tokenize._chinese import ChineseSegmenter

    ours = ChineseSegmenter()._seg()
    assert type(ours).__module__ == "ecomtopics._zhseg"
    reference = rjieba.Jieba()
    for word, freq, tag in ChineseSegmenter().lexicons.zh_domain_words():
        reference.add_word(word, freq, tag)
    return ours, reference


def test_the_segmenter_cuts_as_rjieba_on_real_text(segmenters, real_texts):
    ours, reference = segmenters
    for text in real_texts:
        assert ours.cut(text, True) == reference.cut(text, True)
        assert ours.cut(text, False) == reference.cut(text, False)


@given(ANY_TEXT | st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30))
@settings(max_examples=500, deadline=None)
def test_the_segmenter_cuts_as_rjieba_on_random_text(segmenters, text):
    ours, reference = segmenters
    assert ours.cut(text, True) == reference.cut(text, True)
    assert ours.cut(text, False) == reference.cut(text, False)


def test_cut_with_forms_maps_and_drops(segmenters):
    ours, _ = segmenters
    text = "天猫双十一的线上线下融合"
    forms = {w: ("" if w == "的" else w.upper()) for w in ours.cut(text)}
    assert ours.cut(text, True, forms=forms) == [f for f in map(forms.get, ours.cut(text)) if f]
    with pytest.raises(KeyError):
        ours.cut(text, True, forms={})
    with pytest.raises(TypeError, match="forms must give str"):
        ours.cut(text, True, forms={w: 1 for w in ours.cut(text)})


@given(st.lists(ANY_TEXT, max_size=5))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_tokens_equal_the_python_scan(monkeypatch_module, texts):
    from ecomtopics.text import _clean
    from ecomtopics.tokenize import Tokenizer

    tokenizer = Tokenizer()
    fast = [tokenizer(t) for t in texts]
    monkeypatch_module.setattr(_clean, "native", lambda: None)
    try:
        assert [tokenizer(t) for t in texts] == fast
    finally:
        monkeypatch_module.undo()


@pytest.fixture(scope="module")
def monkeypatch_module():
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


def test_the_pickled_hmm_tables_equal_jiebas_modules():
    import importlib.util
    import os

    from jieba.finalseg import prob_emit, prob_start, prob_trans

    from ecomtopics.tokenize._chinese import _hmm_tables

    folder = os.path.dirname(importlib.util.find_spec("jieba").origin)
    start, trans, emit = _hmm_tables(folder)
    assert (start, trans, emit) == (prob_start.P, prob_trans.P, prob_emit.P)


# -- misuse gets a Python exception, not a crash (found under AddressSanitizer) ------------


def test_objects_that_were_never_initialised_refuse_work():
    module, segmenter = _compiled.native(), _compiled.zhseg()
    with pytest.raises(RuntimeError, match="not initialised"):
        module.WordCounter.__new__(module.WordCounter).counts(["a"], True, True, None)
    with pytest.raises(RuntimeError, match="not initialised"):
        module.CharCounter.__new__(module.CharCounter).counts(["a"])
    with pytest.raises(RuntimeError, match="not initialised"):
        segmenter.Segmenter.__new__(segmenter.Segmenter).cut("天猫")


def test_a_failed_initialisation_leaves_an_unusable_object(clf):
    module = _compiled.native()
    table = clf._chars._lookup_table()
    counter = module.CharCounter.__new__(module.CharCounter)
    with pytest.raises(ValueError, match="outside n_columns"):
        counter.__init__(table.table_keys, table.table_cols, int(table.shift), table.lut1, 14, 10)
    with pytest.raises(RuntimeError, match="not initialised"):
        counter.counts(["abc"])


def test_a_callback_cannot_call_the_counter_back(clf):
    module = _compiled.native()
    words = clf._word_counter()
    counter = None

    def resolve(word):
        counter.counts(["again"], True, True, None)  # refused: the counter is counting
        return words._resolve(word)

    counter = module.WordCounter(resolve, {}, {}, len(clf._index), words._ids, words._item)
    with pytest.raises(RuntimeError, match="counting already"):
        counter.counts(["brand new words here"], True, True, None)
    assert counter.counts([], True, True, None)[0] == np.zeros(1, np.int64).tobytes()


def test_tfidf_scores_refuses_outputs_sharing_memory_with_inputs():
    f = _compiled.native().tfidf_scores
    buffer = np.zeros(8)
    indptr, cols = np.array([0, 1], np.int64), np.array([0], np.int64)
    with pytest.raises(ValueError, match="share memory"):
        f(indptr, cols, buffer[:1], np.ones(2), np.ones((2, 2)), True, 1.0, None,
          buffer[:2].reshape(1, 2), np.zeros(1))  # fmt: skip


def test_an_empty_text_and_a_text_without_known_ngrams_count_nothing(clf):
    cc = clf._chars._lookup_table().compiled()
    indptr, cols, counts = cc.counts(["", "\x01\x02"])
    assert np.frombuffer(indptr, np.int64).tolist() == [0, 0, 0] and cols == counts == b""


# -- settings beyond the shipped model's, bounds ------------------------------------------


def python_copy(model):
    """A copy of ``model`` whose compiled paths are off (prepared under a patch)."""
    patch = pytest.MonkeyPatch()
    for module in (_scorer, _words, _chars):
        patch.setattr(module, "native", lambda: None)
    copy = pickle.loads(pickle.dumps(model))
    copy._ensure_ready()
    if copy._chars is not None:
        copy._chars._lookup_table().compiled()
    patch.undo()
    assert copy._native is None
    return copy


def test_more_score_columns_than_one_compiled_pass_takes(clf, python_clf, real_texts):
    texts = real_texts[:200]
    coef_t = np.random.default_rng(0).normal(size=(clf._coef_t.shape[0], 150))
    mine, n_mine = clf._batch_scores(texts, coef_t)
    theirs, n_theirs = python_clf._batch_scores(texts, coef_t)
    np.testing.assert_allclose(mine, theirs, atol=1e-11)
    np.testing.assert_array_equal(n_mine, n_theirs)


@pytest.mark.parametrize(
    "settings",
    [
        {"ngram_range": (1, 1), "concepts": False, "char_ngrams": None},
        {"ngram_range": (1, 2), "ignore_platform_names": False, "char_ngrams": (2, 3)},
        {"tokenizer_params": {"lang": "en", "normalize": False, "plurals": False}},
    ],
)
def test_other_classifier_settings_match_the_python_paths(settings, real_texts):
    from ecomtopics.classify import ThemeClassifier

    rows = real_rows()[::6]
    model = ThemeClassifier(calibrate=False, context=False, **settings).fit(
        [r.text for r in rows], [r.label for r in rows]
    )
    reference = python_copy(model)
    texts = real_texts[1::7]
    np.testing.assert_allclose(
        model.predict_proba(texts), reference.predict_proba(texts), atol=1e-12
    )
    assert model.predict_labels(texts) == reference.predict_labels(texts)


def test_the_word_memos_stay_bounded_and_right(clf, real_texts, monkeypatch):
    words = clf._word_counter()
    from ecomtopics.tokenize import _english

    monkeypatch.setattr(_words, "_MAX_FORMS", 50)
    monkeypatch.setattr(_english, "_MAX_FORMS", 50)  # the reference path's bound, the same
    monkeypatch.setattr(_words, "_MAX_TOKENS", 300)
    texts = [t for t in real_texts if t.isascii()][:400]
    clf._tokenizer_._en._forms.clear()
    for text in texts:  # the compiled path alone: the memo is cleared past its bound
        words.counts([text], True)
        assert len(clf._tokenizer_._en._forms) <= 50 + 200
    check_words(clf, texts)
    counter = words._counter
    check_words(clf, texts)
    assert words._counter is not counter  # started over past _MAX_TOKENS
    assert len(words._ids) <= words._registered + 300 + 2000
