from __future__ import annotations

import pickle
import threading

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ecomtopics as et
from ecomtopics.tokenize import ChineseSegmenter, EnglishTokenizer, zh_domain_words

DOMAIN_WORDS = ["双十一", "线上线下", "人货场", "服务商", "下沉市场"]


@pytest.fixture(scope="module")
def tok() -> et.Tokenizer:
    return et.Tokenizer()


@pytest.mark.parametrize("engine", ["rjieba", "jieba"])
@pytest.mark.parametrize("word", DOMAIN_WORDS)
def test_domain_words_are_single_tokens(engine, word):
    tokens = et.Tokenizer(engine=engine)(f"天猫推进{word}战略，商家积极参与。")
    assert word in tokens


def test_domain_words_in_seed_003(seed_texts, tok):
    tokens = set(tok(seed_texts["003"]))
    for word in ["双十一", "人货场", "线上线下", "潜客计划", "全渠道"]:
        assert word in tokens


def test_domain_dictionary_is_large_enough():
    words = [w for w, _, _ in zh_domain_words()]
    assert len(words) >= 200
    assert len(set(words)) == len(words)


def test_global_jieba_is_untouched():
    before = jieba.lcut("人货场线上线下")
    et.Tokenizer(engine="jieba")("人货场线上线下")
    et.Tokenizer(engine="rjieba")("人货场线上线下")
    assert jieba.lcut("人货场线上线下") == before
    assert "人货场" not in before  # the generic dictionary splits it; ours must not leak


def test_double_11_stays_one_token(tok):
    assert tok("Tmall prepares Double 11 and double eleven") == [
        "tmall",
        "prepare",
        "double_11",
        "double_11",
    ]


def test_electricity_supplier_is_e_commerce(tok, seed_texts):
    # 电商 machine-translated word by word: one token, and "said" is a stopword
    assert tok("A senior electricity supplier said") == ["senior", "e-commerce"]
    assert tok("electricity suppliers") == ["e-commerce"]
    assert "electricity" not in tok(seed_texts["004"])


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("village Amoy project", "rural_taobao"),
        ("TP partners", "service_provider"),
        ("investment promotion department", "merchant_recruitment"),
        ("the sinking market", "sinking_market"),
        ("the 38 quarter", "38_festival"),
        ("1000 people 1000 faces", "thousand_faces"),
        ("wireless Tmall", "mobile"),
        ("flagship stores", "flagship_store"),
        ("new retail", "new_retail"),
        ("O2O", "o2o"),
    ],
)
def test_english_domain_tokens(tok, text, token):
    assert token in tok(text)


def test_steps_can_be_turned_off():
    text = "The electricity suppliers open Flagship Stores"
    assert et.Tokenizer(artefacts=False, phrases=False)(text) == [
        "electricity",
        "supplier",
        "open",
        "flagship",
        "store",
    ]
    assert et.Tokenizer(stopwords=False)(text)[0] == "the"
    assert et.Tokenizer(plurals=False, phrases=False, artefacts=False)(text)[-1] == "stores"
    assert "的" in et.Tokenizer(stopwords=False)("天猫的商家")
    assert "的" not in et.Tokenizer()("天猫的商家")
    assert "人货场" not in et.Tokenizer(user_dict=False)("人货场")


def test_mixed_paragraph_routes_each_run(tok):
    tokens = tok("天猫的O2O战略: service providers help 线下门店 with Double 11")
    assert tokens == ["天猫", "o2o", "战略", "service_provider", "help", "线下门店", "double_11"]


def test_engines_agree_on_the_seeds(seed_texts):
    a = et.Tokenizer(engine="rjieba")(seed_texts["003"])
    b = et.Tokenizer(engine="jieba")(seed_texts["003"])
    shared = len(set(a) & set(b)) / len(set(a) | set(b))
    assert shared > 0.95


def test_batch_and_pickle(tok):
    texts = ["天猫双十一", "Tmall O2O", ""]
    assert tok.tokenize_many(texts) == [tok(t) for t in texts]
    assert list(tok.iter_tokenize(iter(texts))) == [tok(t) for t in texts]
    clone = pickle.loads(pickle.dumps(tok))
    assert clone == tok and clone(texts[0]) == tok(texts[0])
    assert et.Tokenizer(**tok.get_params()) == tok


@pytest.mark.parametrize("engine", ["rjieba", "jieba"])
def test_one_tokenizer_shared_by_threads(engine):
    texts = ["天猫双十一线上线下融合人货场", "Tmall flagship stores and service providers"] * 50
    expected = [et.Tokenizer(engine=engine)(t) for t in texts]
    shared = et.Tokenizer(engine=engine)  # one instance, first used by all threads at once
    start = threading.Barrier(4)
    results: list[list[list[str]]] = []
    errors: list[BaseException] = []

    def work():
        try:
            start.wait()
            results.append([shared(t) for t in texts])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [expected] * 4


@pytest.mark.parametrize("bad", [None, b"abc", 1.5])
def test_bad_input_types(tok, bad):
    with pytest.raises(TypeError, match="must be str"):
        tok(bad)


def test_bad_settings():
    with pytest.raises(ValueError, match="engine must be one of"):
        et.Tokenizer(engine="spacy")
    with pytest.raises(ValueError, match="lang must be"):
        et.Tokenizer(lang="fr")


def test_english_tokenizer_alone():
    assert EnglishTokenizer()("Categories and businesses") == ["category", "business"]


def test_segmenter_engines():
    assert ChineseSegmenter("jieba").cut("下沉市场") == ["下沉市场"]


def _check_tokens(tokens: list[str]) -> None:
    for t in tokens:
        assert t
        assert t == "".join(t.split())  # no white space of any kind


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_tokenizer_never_fails_on_any_text(text):
    tok = et.Tokenizer()
    tokens = tok(text)
    _check_tokens(tokens)
    assert tokens == tok(text)


@settings(max_examples=100, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("天猫双十一线上线下 \u3000\t\n。,.!O2Oabc\ud800\u200b😀\x00\x1c")
        ),
        max_size=300,
    )
)
def test_tokenizer_on_domain_alphabet(text):
    for engine in ("rjieba", "jieba"):
        _check_tokens(et.Tokenizer(engine=engine)(text))


def test_tokenizer_on_a_megabyte_without_punctuation():
    tok = et.Tokenizer()
    tokens = tok("天猫" * 300_000)
    assert tokens and set(tokens) <= {"天猫"}
    tokens = tok("tmall" * 200_000)
    assert len(tokens) == 1


def test_repr_shows_changed_settings_only():
    assert repr(et.Tokenizer()) == "Tokenizer()"
    assert (
        repr(et.Tokenizer(engine="jieba", stopwords=False))
        == "Tokenizer(engine='jieba', stopwords=False)"
    )
