"""The classifier's fast paths equal the reference ones: character n-gram counts, one-call scoring."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ecomtopics as et
from conftest import ROOT
from ecomtopics.classify._chars import (
    CharNgrams,
    CharTable,
    _codes,
    normalise_fast,
    normalise_for_chars,
)
from ecomtopics.tokenize._english import (
    _POSSESSIVE,
    _PUNCT_TO_SPACE,
    EnglishTokenizer,
    _phrase_table,
)

ALPHABET = st.sampled_from(
    list(
        "abcxyz ABC  \t\n\x00\x1f\u3000，。、Ｔｍａｌｌ天猫线下门店双十一Σσς\u0301e\u00a0İﬁ①㎏O2o-_.'’&"
    )
    + ["Double 11", "flagship stores", "线上线下", "\U0001f600"]
)
TEXT = st.lists(ALPHABET, max_size=40).map("".join) | st.text(max_size=60)


def real_paragraphs(n_per_language: int = 150) -> list[str]:
    rows = []
    for path in sorted((ROOT / "data" / "grounded").glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8-sig").splitlines()]
    en = [r["text"] for r in rows if r.get("lang") == "en"][:n_per_language]
    zh = [r["text"] for r in rows if r.get("lang") == "zh"][:n_per_language]
    return en + zh


@pytest.fixture(scope="module")
def clf():
    model = et.load_model("theme-classifier")
    model._ensure_ready()
    return model


@pytest.fixture(scope="module")
def real():
    return real_paragraphs()


def same_arrays(a, b) -> bool:
    return all(np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(a, b))


# -- normalisation ----------------------------------------------------------------------------
@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_normalise_fast_equals_the_definition(text):
    assert normalise_fast(text) == normalise_for_chars(text)


@given(st.lists(TEXT, max_size=8))
@settings(max_examples=100, deadline=None)
def test_codes_use_the_normalised_texts(texts):
    codes, owner = _codes(texts)
    joined = [normalise_for_chars(t) for t in texts]
    expected = np.frombuffer("".join(joined).encode("utf-32-le"), dtype=np.uint32)
    assert np.array_equal(codes, expected)
    assert np.array_equal(owner, np.repeat(np.arange(len(texts)), [len(j) for j in joined]))


# -- character counts: hash table vs the definition (filter, binary search, sort) -------------
def test_the_table_is_built_lazily(clf):
    model = et.load_model("theme-classifier")
    model._ensure_ready()
    assert model._chars is not None and model._chars._table is None
    model.predict_proba(["天猫线下门店"])
    assert isinstance(model._chars._table, CharTable)


def test_shipped_vocabulary_takes_the_fast_path(clf):
    assert clf._chars._lookup_table().exact


@given(st.lists(TEXT, max_size=12), st.integers(1, 400))
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_counts_equal_the_definition_on_random_text(clf, texts, chunk):
    chars = clf._chars
    assert same_arrays(chars.counts(texts, chunk_chars=chunk), chars._counts_exact(texts))


def test_counts_equal_the_definition_on_real_text(clf, real):
    chars = clf._chars
    assert same_arrays(chars.counts(real), chars._counts_exact(real))
    assert same_arrays(chars.counts(real, chunk_chars=50), chars._counts_exact(real))


@given(TEXT)
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_counts_one_equals_the_definition(clf, text):
    _, cols, counts = clf._chars._counts_exact([text])
    got = clf._chars.counts_one(text)
    assert np.array_equal(got[0], cols) and np.array_equal(got[1], counts)


def test_a_vocabulary_with_spaces_falls_back_to_the_definition():
    chars = CharNgrams((1, 3), min_df=1).fit(["线下门店", "offline store", "", ""])
    assert not chars._lookup_table().exact  # the empty texts taught it the 2-gram of two spaces
    texts = ["", "线下 offline", "  ", "store"]
    assert same_arrays(chars.counts(texts), chars._counts_exact(texts))
    assert np.array_equal(chars.counts_one("")[0], chars._counts_exact([""])[1])
    chars = CharNgrams((2, 3), min_df=1).fit(["线下门店", "offline store"])
    assert chars._lookup_table().exact
    assert same_arrays(chars.counts(texts), chars._counts_exact(texts))
    assert np.array_equal(chars.counts_one("线下 offline")[0], chars._counts_exact(texts[1:2])[1])


def test_refitting_rebuilds_the_table():
    chars = CharNgrams((1, 3), min_df=1).fit(["线下门店"])
    first = chars.counts(["offline 线下"])
    chars.fit(["offline store"])
    assert not same_arrays(chars.counts(["offline 线下"]), first)
    assert same_arrays(chars.counts(["offline 线下"]), chars._counts_exact(["offline 线下"]))


@given(
    st.lists(TEXT, min_size=1, max_size=6),
    st.lists(TEXT, max_size=6),
    st.sampled_from([(1, 1), (1, 2), (1, 3), (2, 3), (3, 3)]),
)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_fitted_vocabulary_counts_as_the_definition(train, texts, ngram_range):
    chars = CharNgrams(ngram_range, min_df=1).fit(train)
    assert same_arrays(chars.counts(texts), chars._counts_exact(texts))
    for text in texts[:2]:
        _, cols, counts = chars._counts_exact([text])
        got = chars.counts_one(text)
        assert np.array_equal(got[0], cols) and np.array_equal(got[1], counts)


# -- word and concept counts: the per-token memo (with word pairs) vs the analyzer ------------
def analyzer_counts(model, text):
    """The definition: every feature the analyzer makes, counted where the vocabulary has it."""
    index = model._index
    return Counter(j for j in map(index.get, model._analyzer_(text)) if j is not None)


def test_shipped_word_pairs_take_the_memo_path(clf):
    assert tuple(clf.ngram_range) == (1, 2) and clf._columns is not None and clf._pairs
    assert any(" " in term for term in clf.vocabulary_)  # it has word pairs to find


def test_word_counts_equal_the_analyzer_on_real_text(clf, real):
    texts = real + ["", "天猫 flagship\nstores", "Tmall Tmall offline stores 天猫 线下门店"]
    assert all(clf._counts(t) == analyzer_counts(clf, t) for t in texts)
    assert sum(" " in clf.vocabulary_[j] for t in real for j in clf._counts(t)) > 100


@given(st.lists(TEXT, max_size=6))
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_word_counts_equal_the_analyzer_on_random_text(clf, texts):
    for text in texts:
        assert clf._counts(text) == analyzer_counts(clf, text)


def test_probabilities_equal_the_analyzer_path(clf, real):
    """The memo path only changes the order of a sum: labels equal, probabilities to ~1e-16."""
    reference = et.load_model("theme-classifier")
    reference._ensure_ready()
    reference._columns = None  # every text through the analyzer, as before the memo
    texts = [*real, "", "天猫 flagship\nstores"]
    fast, slow = clf.predict_proba(texts), reference.predict_proba(texts)
    assert np.abs(fast - slow).max() <= 1e-12
    assert (fast.argmax(axis=1) == slow.argmax(axis=1)).all()
    one_fast = np.array([clf.predict_proba([t])[0] for t in texts[:60]])
    one_slow = np.array([reference.predict_proba([t])[0] for t in texts[:60]])
    assert np.abs(one_fast - one_slow).max() <= 1e-12


@pytest.fixture(scope="module")
def fitted_by_ngrams(real):
    labels = ["operations", "o2o", "channel", "merchant_services", "other"]
    y = [labels[i % 5] for i in range(len(real))]
    return {
        ngrams: et.ThemeClassifier(
            ngram_range=ngrams, min_df=1, ignore_platform_names=ignore, char_ngrams=None
        ).fit(real, y)
        for ngrams, ignore in (((1, 1), True), ((1, 2), False), ((1, 2), True), ((1, 3), True))
    }


@given(st.lists(TEXT, max_size=4))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_word_ngram_setting_counts_as_the_analyzer(fitted_by_ngrams, real, texts):
    for model in fitted_by_ngrams.values():
        model._ensure_ready()
        for text in [*texts, *real[::40]]:
            assert model._counts(text) == analyzer_counts(model, text)
    assert fitted_by_ngrams[(1, 3)]._columns is None  # longer n-grams use the analyzer itself


# -- one paragraph per call vs the batch path -----------------------------------------------
def one_by_one(clf, texts):
    return np.array([clf.predict_proba([t])[0] for t in texts])


def test_one_call_equals_the_batch_path_on_real_text(clf, real):
    texts = real + ["", "the", "天猫", "Tmall 线下", "天猫 flagship\nstores"]
    batch = clf.predict_proba(texts)
    assert np.abs(one_by_one(clf, texts) - batch).max() <= 1e-9
    scores = clf._scores_of_matrix(clf._matrix(texts))
    for i in range(0, 40, 4):  # decision_function scores up to 4 texts one by one
        assert np.abs(clf.decision_function(texts[i : i + 4]) - scores[i : i + 4]).max() <= 1e-9
    label, proba = clf.predict_one(texts[0])
    assert label == clf.predict(texts[:5])[0] and np.abs(proba - batch[0]).max() <= 1e-9


@given(st.lists(TEXT, min_size=5, max_size=8))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_one_call_equals_the_batch_path_on_random_text(clf, texts):
    assert np.abs(one_by_one(clf, texts) - clf.predict_proba(texts)).max() <= 1e-9


# -- the English tokenizer vs its per-word definition ----------------------------------------
def reference_english(tokenizer: EnglishTokenizer, text: str) -> list[str]:
    """The tokenizer as first written: a Python loop over words and over phrase starts."""
    if tokenizer.lowercase:
        text = text.lower()
    if "'s" in text or "’s" in text:
        text = _POSSESSIVE.sub("", text)
    words = text.translate(_PUNCT_TO_SPACE).split()
    if tokenizer.artefacts or tokenizer.phrases:
        replacements, first = _phrase_table(
            tokenizer.artefacts, tokenizer.phrases, tokenizer.lexicons
        )
        out: list[str] = []
        done = 0
        for i, word in enumerate(words):
            if i < done or word.lower() not in first:
                continue
            for n in first[word.lower()]:
                span = words[i : i + n]
                if i + n > len(words):
                    continue
                hit = replacements.get(" ".join(span).rstrip(".").lower())
                if hit is not None and (n == 1 or "." not in " ".join(span[:-1])):
                    out += words[done:i] + hit
                    done = i + n
                    break
        words = out + words[done:]
    return [t for t in (tokenizer._form(w) for w in words) if t]


PHRASE_WORDS = st.sampled_from(
    [
        "double",
        "11",
        "Double",
        "11.",
        "DOUBLE",
        "flagship",
        "stores",
        "Flagship",
        "Store.",
        "electricity",
        "supplier",
        "village",
        "Amoy",
        "wireless",
        "online",
        "offline",
        "u.s.",
        "the",
        "of",
        "O2O",
        "new",
        "retail",
        ".",
        "..",
        "Tmall",
        "天猫",
        "线下",
        "cross-border",
        "e-commerce's",
        "store's,",
        "11.11",
        "(double)",
        "Singles'",
        "Day",
    ]
)
ENGLISH = st.lists(PHRASE_WORDS | st.text(max_size=8), max_size=20).map(" ".join)


@given(ENGLISH, st.booleans(), st.booleans(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_english_tokens_equal_the_per_word_definition(text, lowercase, artefacts, phrases):
    tokenizer = EnglishTokenizer(lowercase=lowercase, artefacts=artefacts, phrases=phrases)
    assert tokenizer(text) == reference_english(tokenizer, text)


def test_english_tokens_on_real_text(real):
    tokenizer = EnglishTokenizer()
    for text in real:
        assert tokenizer(text) == reference_english(tokenizer, text)


ENGLISH_WORDS = st.lists(
    PHRASE_WORDS.filter(lambda w: w.isascii() and w[:1].isalpha()), min_size=2, max_size=8
)


@given(ENGLISH_WORDS, st.sampled_from(["\n", "\r\n", "\t", "  "]))
@settings(max_examples=200, deadline=None)
def test_an_english_run_in_chinese_text_reads_across_line_breaks(words, gap):
    # "天猫 flagship\nstores" gave flagship, store; with a space, flagship_store
    tok = et.Tokenizer()
    for chinese in ("天猫", "线上线下融合。"):
        assert tok(f"{chinese} {gap.join(words)}") == tok(f"{chinese} {' '.join(words)}")
    assert tok("天猫 flagship\nstores") == ["天猫", "flagship_store"]


def test_a_lone_surrogate_counts_on_every_path():
    """Character n-grams of text with a lone surrogate (which NFKC leaves alone) count on the
    pure-Python paths too, as on the compiled one."""
    from ecomtopics.classify._chars import CharNgrams

    vectorizer = CharNgrams((1, 2), min_df=1).fit(["ab\ud800", "cd"])
    rows, cols, counts = vectorizer.counts(["x\ud800ab", "\ud800"])
    assert counts.sum() > 0 and set(rows.tolist()) == {0, 1}
