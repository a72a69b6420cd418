"""Issue 16, item 5: keywords without noise, deterministic ties, shown whole, compared with jieba."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import SEEDS, run_cli
from ecomtopics.features import Tfidf, keyword_noise
from ecomtopics.text import split_paragraphs

SEED_ZH = SEEDS / "003_3d90cc2468adc228.txt"

NOISY_ZH = "商家通过钉钉直接触达消费者，实现千人千面的个性化推荐。"
NOISY_EN = (
    "Tmall President Wang Yulei said merchants reach consumers through DingTalk (Ding Ding), "
    "more than 1 thousand and 200 service providers joined, and payment moved to Alipay."
)
BACKGROUND = [
    "天猫线下门店与会员打通",
    "服务商帮助商家做精细化运营",
    "Offline stores and online members are connected",
    "Service providers help merchants with fine operation",
]


def _cli(*args):
    return run_cli(*args)  # in this process: the output is what the tests are about


@pytest.mark.parametrize(
    "term, text, others, reason",
    [
        ("钉", None, (), "one_character"),
        ("s", None, (), "one_character"),
        ("thousand", None, (), "number_word"),
        ("ding", None, ("dingtalk",), "fragment"),
        ("ali", None, ("alibaba",), "fragment"),
        ("pay", None, ("payment",), None),  # an English ending, not a longer word
        ("clear", None, ("clearing",), None),
        ("wang", NOISY_EN, (), "name"),
        ("yulei", NOISY_EN, (), "name"),
        ("tmall", NOISY_EN, (), None),  # lexicon terms are never names
        ("juhuasuan", "Juhuasuan grew fast", (), None),  # capitalised pinyin, but no surname pair
        ("fan", "Jiang Fan met fans", (), None),  # also written lower case: a word
        ("千人千面", None, (), None),
        ("service_provider", None, ("service",), None),
    ],
)
def test_keyword_noise(term, text, others, reason):
    assert keyword_noise(term, text, others) == reason


def test_clean_keywords_leave_out_the_noise_raw_ones_keep_it():
    tfidf = Tfidf().fit([NOISY_ZH, NOISY_EN, *BACKGROUND])
    clean = [w for w, _ in tfidf.keywords(NOISY_EN, top_n=50)]
    raw = [w for w, _ in tfidf.keywords(NOISY_EN, top_n=50, clean=False)]
    noisy = {w for w in raw if keyword_noise(w, NOISY_EN, raw)}
    assert noisy and not noisy & set(clean)
    assert set(clean) == set(raw) - noisy
    assert "dingtalk" in clean
    assert not {"wang", "yulei", "ding", "thousand"} & set(clean)


def test_domain_dictionary_keeps_real_text_words_whole():
    # 钉钉 was cut 钉 钉 and 直接触达 直 接触 达 before they were in the dictionary
    tfidf = Tfidf().fit([NOISY_ZH, *BACKGROUND])
    raw = [w for w, _ in tfidf.keywords(NOISY_ZH, top_n=50, clean=False)]
    assert {"钉钉", "直接触达", "千人千面"} <= set(raw)
    assert not [w for w in raw if len(w) == 1]
    assert raw == [w for w, _ in tfidf.keywords(NOISY_ZH, top_n=50)]


@pytest.mark.parametrize(
    "text, words",
    [
        ("前置仓和社区团购的占比", ["前置仓", "社区团购", "占比"]),
        ("小二在钉钉上回复", ["小二", "钉钉"]),
        ("站内和站外流量", ["站内", "站外"]),
        ("零售通与喵街", ["零售通", "喵街"]),
    ],
)
def test_real_text_words_are_one_token(text, words):
    from ecomtopics import Tokenizer

    tokens = Tokenizer()(text)
    assert all(w in tokens for w in words), tokens


def test_ties_go_to_the_term_used_first_and_are_deterministic():
    tfidf = Tfidf().fit(["alpha beta gamma delta", "epsilon zeta"])
    # every word once, same document frequency: equal scores, so text order decides
    words = tfidf.keywords("delta gamma beta alpha", top_n=4)
    assert len({s for _, s in words}) == 1
    assert [w for w, _ in words] == ["delta", "gamma", "beta", "alpha"]
    assert words == tfidf.keywords("delta gamma beta alpha", top_n=4)


def test_group_keywords_are_clean():
    tfidf = Tfidf().fit([NOISY_ZH, *BACKGROUND])
    groups = tfidf.group_keywords([NOISY_ZH, BACKGROUND[0]], ["a", "b"], top_n=30)
    assert not [w for ws in groups.values() for w, _ in ws if len(w) == 1]


def test_cli_table_shows_every_keyword_asked_for():
    code, out10, _ = _cli("keywords", str(SEEDS), "--top-n", "10")
    assert code == 0
    code, out20, _ = _cli("keywords", str(SEEDS), "--top-n", "20")
    assert code == 0 and out10 != out20
    body10, body20 = out10.splitlines()[2:], out20.splitlines()[2:]
    assert len(body10) == 5 * 10 and len(body20) == 5 * 20
    assert "…" not in out20  # nothing cut off
    assert out20.splitlines()[0].split() == ["source", "rank", "keyword", "score"]
    # the source on its document's first line only
    assert sum(line.startswith(str(SEEDS)) for line in body20) == 5


def test_cli_csv_is_one_keyword_a_row_and_json_one_record_a_document():
    code, out, _ = _cli("keywords", str(SEEDS), "--top-n", "15", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 75 and all(r["source"] for r in rows)
    assert list(rows[0]) == ["source", "rank", "keyword", "score"]
    assert [int(r["rank"]) for r in rows[:15]] == list(range(1, 16))
    code, out, _ = _cli("keywords", str(SEEDS), "--top-n", "15", "--format", "json")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 5 and all(len(r["keywords"]) == 15 for r in records)


def test_compared_with_jieba_extract_tags_on_the_chinese_seed():
    jieba_analyse = pytest.importorskip("jieba.analyse")
    text = SEED_ZH.read_text(encoding="utf-8")
    paragraphs = [p.text for p in split_paragraphs(text)]
    tfidf = Tfidf().fit(paragraphs)
    ours = [w for w, _ in tfidf.keywords("\n".join(paragraphs), top_n=20)]
    raw = [w for w, _ in tfidf.keywords("\n".join(paragraphs), top_n=20, clean=False)]
    theirs = jieba_analyse.extract_tags(text, topK=20)
    assert not [w for w in ours if len(w) == 1]  # jieba's idf drops them too
    assert len(set(ours) & set(theirs)) >= len(set(raw) & set(theirs))
    assert len(set(ours) & set(theirs)) >= 6
