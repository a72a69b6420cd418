from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ecomtopics as et
from ecomtopics.text import clean_text, is_boilerplate_line, split_sentences

BOILERPLATE = [
    r"Home\s*>",
    r"Related reading",
    r"Read the next article",
    r"^\d{4}/\d{1,2}/\d{1,2} \d",
    r"\|",
    r"Mall Express",
    r"Please indicate the source",
    r"Click to register",
    r"apply to join",
    r"TaobaoCrazyO2OMode",
    r"Company news",
    r"PTA Futures",
    r"预算:业务预算",
]


@pytest.mark.parametrize("seed", ["001", "002", "004"])
def test_no_boilerplate_survives(seed_texts, seed):
    paras = et.split_paragraphs(seed_texts[seed])
    for p in paras:
        for pattern in BOILERPLATE:
            assert not re.search(pattern, p.text), (pattern, p.text[:120])


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_real_content_is_kept(seed_texts, seed):
    """Every line of article prose (long lines before the related-reading tail) survives."""
    raw_lines = seed_texts[seed].splitlines()
    end = next((i for i, line in enumerate(raw_lines) if "Related reading" in line), len(raw_lines))
    prose = [clean_text(line) for line in raw_lines[:end] if len(line) > 120]
    prose = [line for line in prose if "reprinting" not in line and "apply to join" not in line]
    joined = " ".join(p.text for p in et.split_paragraphs(seed_texts[seed]))
    squashed = re.sub(r"\s+", "", joined)
    for line in prose:
        assert re.sub(r"\s+", "", line)[:60] in squashed


def test_long_lines_of_002_become_windows(seed_texts):
    paras = et.split_paragraphs(seed_texts["002"])
    first_line = [p for p in paras if p.line == 1]
    assert len(first_line) >= 3
    assert [p.window for p in first_line] == list(range(len(first_line)))
    assert all(p.n_windows == len(first_line) for p in first_line)
    for p in paras:
        assert len(re.findall(r"[A-Za-z][A-Za-z0-9']*", p.text)) <= 260
        assert p.text.rstrip().endswith((".", "!", "?", '"', "”"))  # whole sentences


def test_windows_of_long_chinese_paragraph():
    sentence = "天猫平台持续推进线上线下融合，帮助品牌商家完成数字化转型。"
    paras = et.split_paragraphs(sentence * 40)
    assert len(paras) > 1
    assert all(len(re.findall(r"[\u4e00-\u9fff]", p.text)) <= 400 for p in paras)
    assert all(p.text.endswith("。") for p in paras)
    assert "".join(p.text for p in paras) == clean_text(sentence * 40)


@pytest.mark.parametrize(("seed", "lang"), [("003", "zh"), ("000", "en")])
def test_seed_languages(seed_texts, seed, lang):
    paras = et.split_paragraphs(seed_texts[seed])
    assert paras
    assert {p.lang for p in paras} == {lang}


def test_positions_point_at_source_lines(seed_texts):
    raw_lines = seed_texts["004"].splitlines()
    for p in et.split_paragraphs(seed_texts["004"]):
        assert clean_text(raw_lines[p.line - 1])[:30] == p.text[:30]
    assert [p.index for p in et.split_paragraphs(seed_texts["004"])] == list(
        range(len(et.split_paragraphs(seed_texts["004"])))
    )


def test_cleaning_normalises_and_repairs():
    raw = "Ｔｍａｌｌ\u200b的&amp;<span>O2O</span> spanition,\x07 Spanaction！"
    assert clean_text(raw) == "Tmall的&O2O transition, Transaction!"


def test_hard_wrapped_lines_are_joined():
    text = "Tmall said that its merchants\nwill open more stores in 2015.\nA new paragraph."
    paras = et.split_paragraphs(text)
    assert [p.text for p in paras] == [
        "Tmall said that its merchants will open more stores in 2015.",
        "A new paragraph.",
    ]


def test_sentence_splitting():
    assert split_sentences("天猫升级。商家受益！是吗？是的；好") == [
        "天猫升级。",
        "商家受益！",
        "是吗？",
        "是的；",
        "好",
    ]
    assert split_sentences('He said "yes." Then Mr. Li left. U.S. sales rose.') == [
        'He said "yes."',
        "Then Mr. Li left.",
        "U.S. sales rose.",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Home >",
        "首页 > 资讯 > 电商",
        "2015/2/9 22:42:00 25",
        "阅读 1024",
        "转载请注明出处",
        "www.example.com",
    ],
)
def test_boilerplate_lines(line):
    assert is_boilerplate_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Tmall President Wang Yulei in 2015 what is the role of service providers",
        "未来的线上线下商业",
        "The home appliance market grew 20% in 2015.",
    ],
)
def test_content_lines_are_not_boilerplate(line):
    assert not is_boilerplate_line(line)


@pytest.mark.parametrize("bad", [None, b"bytes", 3, ["list"]])
def test_non_text_is_a_clear_type_error(bad):
    with pytest.raises(TypeError, match="text must be str"):
        et.split_paragraphs(bad)
    with pytest.raises(TypeError, match="must be str"):
        et.detect_language(bad)


def test_bytes_error_says_how_to_decode():
    with pytest.raises(TypeError, match="decode"):
        et.split_paragraphs("天猫".encode())


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_split_never_fails_and_is_deterministic(text):
    first = et.split_paragraphs(text)
    assert first == et.split_paragraphs(text)
    for p in first:
        assert p.text and p.text == p.text.strip()
        assert p.lang in ("zh", "en", "mixed", "und")
        assert "\n" not in p.text


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["天猫", "线上线下", "Tmall ", "O2O", "。", ". ", "\n", "\n\n", " ", "😀"]),
        max_size=200,
    )
)
def test_split_loses_no_letters(pieces):
    text = "".join(pieces)
    kept = re.sub(
        r"\W", "", "".join(p.text for p in et.split_paragraphs(text, drop_boilerplate=False))
    )
    assert kept == re.sub(r"\W", "", clean_text(text))


def test_huge_text_without_punctuation():
    text = "天猫" * 500_000  # 1 M characters, no punctuation at all
    paras = et.split_paragraphs(text)
    assert sum(len(p.text) for p in paras) == len(text)
    assert all(len(p.text) <= 400 for p in paras)
    words = "tmall " * 170_000
    paras = et.split_paragraphs(words)
    assert all(len(p.text.split()) <= 250 for p in paras)
    assert sum(len(p.text.split()) for p in paras) == 170_000


def _best_time(function, repeat=3):
    import time

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _wrapped_english(n_words):
    import textwrap

    words = [
        "the",
        "merchant",
        "opened",
        "a",
        "store",
        "on",
        "tmall",
        "and",
        "sold",
        "more",
        "goods",
        "to",
        "buyers",
        "in",
        "small",
        "towns",
    ]
    return textwrap.fill(" ".join(words[i % len(words)] for i in range(n_words)), 72) + "\n"


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "x\n" * n,
        _wrapped_english,
        lambda n: "A. " * n,
        lambda n: "Mr. Ma said so. " * (n // 4),
    ],
    ids=["one-letter-lines", "wrapped-72", "initials", "abbreviations"],
)
def test_split_paragraphs_scales_linearly(make):
    # a ratio of times at two sizes, not a time: 8x the input must take well under 64x (quadratic)
    small, large = make(2_000), make(16_000)
    et.split_paragraphs(small)  # warm up (regex compilation, lazy imports)
    ratio = _best_time(lambda: et.split_paragraphs(large)) / _best_time(
        lambda: et.split_paragraphs(small)
    )
    assert ratio < 20, f"8x the input took {ratio:.1f}x the time"


def _reference_join(lines):
    """The joining rule as first written (quadratic): ``_join_mixed(block + " " + line)`` per line."""
    from ecomtopics.text._segment import _join_mixed

    block = lines[0]
    for line in lines[1:]:
        block = _join_mixed(block + " " + line)
    return block


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(st.sampled_from("天猫。a Tx”(“.,\u3000\t」『b"), min_size=1, max_size=12),
        min_size=2,
        max_size=6,
    )
)
def test_linear_joining_gives_the_same_text(raw_lines):
    from ecomtopics.text._segment import _Block

    lines = [line for line in clean_text("\n".join(raw_lines)).split("\n") if line]
    if len(lines) < 2:
        return
    block = _Block(1, lines[0])
    for line in lines[1:]:
        block.append(line)
    assert block.text() == _reference_join(lines)


FULL_WIDTH_MIX = st.lists(
    st.sampled_from(list("，：；？\u3000（）！／｜Ｏ２ｏ天猫线下ab 1。、\u00a0ﬁ①")), max_size=40
).map("".join)


@given(FULL_WIDTH_MIX | st.text(max_size=60))
@settings(max_examples=400, deadline=None)
def test_clean_for_tokens_is_nfkc_when_nothing_else_needs_cleaning(text):
    import unicodedata

    from ecomtopics.text._clean import _NEEDS_CLEANING, clean_for_tokens

    if not _NEEDS_CLEANING.search(text):
        assert clean_for_tokens(text) == unicodedata.normalize("NFKC", text)


# clean_line by its definition: every step applied, with the plain patterns (the library skips
# steps that cannot change the text and uses faster patterns with the same matches)
_DEF_SPAN = re.compile(
    r"\b([Ss])pan(action|actions|ition|itions|itional|formation|formations|form|formed|forming"
    r"|fer|ferred|fers|port|portation|lation|late|lated|mission|parent|parency|it)\b"
)


def _clean_line_by_definition(text: str) -> str:
    import html
    import unicodedata

    from ecomtopics.text import _clean as c

    text = re.sub("[\ud800-\udfff]", "", text).replace("\r\n", "\n").replace("\r", "\n")
    text = c._TAG.sub("", c._BREAK_TAGS.sub(" ", text))
    text = re.sub("[\ud800-\udfff]", "", html.unescape(text))
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(f"[{c._INVISIBLE_CHARS}]", "", text).replace("\u2028", " ").replace("\u2029", " ")
    text = re.sub(f"[{c._CONTROL_CHARS}]", " ", text)
    text = _DEF_SPAN.sub(lambda m: ("T" if m.group(1) == "S" else "t") + "rans" + m.group(2), text)
    return re.sub(r"[ \t]+(?=[,.;:!?)\]](?:\s|$))", "", " ".join(text.split()))


CLEANING_PIECES = st.sampled_from(
    [" ", "  ", "\t", "\n", "\r\n", "\x00", "\x0b", "\x1f", "\x7f", "\x85", "\u00ad", "\u200b",
     "\u2028", "&amp;", "&lt;b&gt;", "&", "Q&A", "<b>", "<br/>", "</p>", "<", ">", "spanaction",
     "Spanitions", "spanit", "xspanfer", "_spanport", "span", " .", ". ", ",", " ,", " ]", "?",
     "Ｔｍａｌｌ", "天猫", "a", "Z", "9", "é", "—"]
)  # fmt: skip


@given(st.lists(CLEANING_PIECES | st.text(max_size=5), max_size=25).map("".join))
@settings(max_examples=400, deadline=None)
def test_clean_line_equals_its_definition(text):
    from ecomtopics.text._clean import clean_line

    assert clean_line(text) == _clean_line_by_definition(text)


@given(
    st.lists(
        CLEANING_PIECES
        | st.text(max_size=5)
        | st.text(st.characters(max_codepoint=127), max_size=8),
        max_size=25,
    ).map("".join)
)
@settings(max_examples=400, deadline=None)
def test_record_language_is_the_language_of_the_cleaned_text(text):
    """The command line's shortcut (no cleaning for plain ASCII) gives the same language."""
    from ecomtopics.batch import _record_language
    from ecomtopics.text import clean_line, detect_language

    assert _record_language(text) == detect_language(clean_line(text))
