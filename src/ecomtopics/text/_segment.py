"""Split a document into cleaned paragraphs, and over-long paragraphs into windows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .._validation import Interval, check_text, validate_params
from ._boilerplate import is_boilerplate_line, is_end_marker
from ._clean import clean_text
from ._lang import HAN, LATIN_WORD, Language, detect_language

__all__ = ["Paragraph", "split_paragraphs", "split_sentences"]

#: Default window limits: about 250 English words or 400 Chinese characters.
MAX_WORDS = 250
MAX_CHARS = 400

_ZH_SENTENCE_END = re.compile(r"(?<=[。!?;！？；…])[\"'”’」』)]*")
_EN_SENTENCE_END = re.compile(r"(?<=[.!?;])([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9\u4e00-\u9fff])")
_ABBREVIATIONS = re.compile(
    r"\b(mr|mrs|ms|dr|prof|no|vs|etc|e\.g|i\.e|u\.s|u\.k|inc|ltd|co|corp|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|st)\.$",
    re.IGNORECASE,
)
#: Characters before a sentence end that can hold an abbreviation, with room for the "\b" before it.
_ABBREVIATION_TAIL = 16
_TERMINAL = re.compile(r"[。!?;:.！？；：…\"'”’」』)]$")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph, or one window of an over-long paragraph, of a document.

    Attributes
    ----------
    text : str
        The cleaned text.
    lang : {"zh", "en", "mixed", "und"}
        Its language by script share (:func:`ecomtopics.detect_language`).
    index : int
        Position among the paragraphs returned for the document (0-based).
    line : int
        Line of the source text where the paragraph starts (1-based).
    window : int
        Which window of its source paragraph this is (0-based).
    n_windows : int
        How many windows its source paragraph was split into (1 if not split).
    """

    text: str
    lang: Language
    index: int
    line: int
    window: int = 0
    n_windows: int = 1


def split_sentences(text: str) -> list[str]:
    """Split text into sentences: Chinese on 。！？；, English on . ! ? ; before a capital.

    Closing quotes stay with their sentence; common abbreviations (Mr., U.S.,
    e.g.) do not end one. Nothing is lost: joining the sentences with the
    white space between them gives the text back.

    >>> split_sentences("天猫升级。商家受益!Mr. Zhang spoke. He left.")
    ['天猫升级。', '商家受益!', 'Mr. Zhang spoke.', 'He left.']
    """
    check_text(text)
    pieces: list[str] = []
    for chunk in _split_keep(text, _ZH_SENTENCE_END):
        pieces.extend(_split_english(chunk))
    return [p.strip() for p in pieces if p.strip()]


def _split_keep(text: str, pattern: re.Pattern[str]) -> list[str]:
    out, start = [], 0
    for m in pattern.finditer(text):
        if m.end() > start:
            out.append(text[start : m.end()])
            start = m.end()
    out.append(text[start:])
    return out


def _split_english(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _EN_SENTENCE_END.finditer(text):
        candidate = text[start : m.end(1)]
        # only the tail can match (both patterns end in "\.$" and are shorter than it); searching
        # the whole candidate, which grows while abbreviations continue it, was quadratic
        tail = text[max(start, m.end(1) - _ABBREVIATION_TAIL) : m.end(1)]
        if _ABBREVIATIONS.search(tail) or re.search(r"\b[A-Z]\.$", tail):
            continue
        out.append(candidate)
        start = m.end()
    out.append(text[start:])
    return out


def _size(text: str) -> tuple[int, int]:
    """(English words, Chinese characters) in ``text``."""
    return len(LATIN_WORD.findall(text)), len(HAN.findall(text))


def _too_big(words: int, chars: int, max_words: int, max_chars: int) -> bool:
    # a mixed window is limited by the share of each limit it uses
    return words / max_words + chars / max_chars > 1.0


def _hard_split(sentence: str, max_words: int, max_chars: int) -> list[str]:
    """Cut a sentence that alone exceeds the limits at commas, then spaces, then characters."""
    parts = [p for p in re.split(r"(?<=[,，、:：])", sentence) if p]
    units: list[str] = []
    for part in parts:
        if not _too_big(*_size(part), max_words, max_chars):
            units.append(part)
            continue
        for token in re.split(r"(?<=\s)", part):
            if not _too_big(*_size(token), max_words, max_chars) and len(token) <= 4 * max_chars:
                units.append(token)
            else:  # a run with no breaks at all: cut by characters
                step = max(1, max_chars // 2)
                units.extend(token[i : i + step] for i in range(0, len(token), step))
    return _pack(units, max_words, max_chars, joiner="")


def _pack(units: list[str], max_words: int, max_chars: int, *, joiner: str) -> list[str]:
    windows: list[str] = []
    current: list[str] = []
    words = chars = 0
    for unit in units:
        w, c = _size(unit)
        if current and _too_big(words + w, chars + c, max_words, max_chars):
            windows.append(joiner.join(current))
            current, words, chars = [], 0, 0
        current.append(unit)
        words, chars = words + w, chars + c
    if current:
        windows.append(joiner.join(current))
    return windows


def split_windows(text: str, max_words: int = MAX_WORDS, max_chars: int = MAX_CHARS) -> list[str]:
    """Split an over-long paragraph into windows of whole sentences.

    A window holds at most about ``max_words`` English words or ``max_chars``
    Chinese characters; a single longer sentence is cut at commas or spaces.
    """
    if not _too_big(*_size(text), max_words, max_chars):
        return [text]
    units: list[str] = []
    for sentence in split_sentences(text):
        if _too_big(*_size(sentence), max_words, max_chars):
            units.extend(_hard_split(sentence, max_words, max_chars))
        else:
            units.append(sentence)
    windows = _pack(units, max_words, max_chars, joiner=" ")
    return [_join_mixed(w) for w in windows if w.strip()]


def _join_mixed(text: str) -> str:
    # sentences were joined with spaces; Chinese needs none between them
    text = re.sub(
        r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\"”’」』)]) (?=[\u4e00-\u9fff“‘「『(])",
        "",
        text,
    )
    return re.sub(r"\s+", " ", text).strip()


def _continues(previous: str, line: str, han: int | None = None) -> bool:
    """True when ``line`` continues ``previous`` (a hard-wrapped paragraph).

    ``han`` is the number of Han characters in ``previous``, if already known.
    """
    if _TERMINAL.search(previous[-1:]):
        return False
    if line[:1].islower():
        return True
    if han is None:
        han = len(HAN.findall(previous))
    return han >= 40 and HAN.match(line) is not None


# Where _join_mixed drops the space between two joined lines.
_JOIN_LEFT = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\"”’」』)]")
_JOIN_RIGHT = re.compile(r"[\u4e00-\u9fff“‘「『(]")


class _Block:
    """Cleaned lines joined into one paragraph, in time linear in their length.

    Joining with ``_join_mixed(previous + " " + line)`` again and again copied
    and rescanned the whole paragraph for every line (quadratic on hard-wrapped
    text). Cleaned lines hold single spaces only and no leading or trailing
    white space, so ``_join_mixed`` acts on each line by itself and on the one
    space between two lines: the same text, built piece by piece.
    """

    __slots__ = ("han", "line", "parts")

    def __init__(self, line: int, text: str) -> None:
        self.line = line
        self.parts = [text]
        self.han = len(HAN.findall(text))

    def continued_by(self, line: str) -> bool:
        return _continues(self.parts[-1], line, self.han)

    def append(self, line: str) -> None:
        if len(self.parts) == 1:
            self.parts[0] = _join_mixed(self.parts[0])
        joined = _join_mixed(line)
        left, right = self.parts[-1][-1:], joined[:1]
        self.parts.append(
            joined if _JOIN_LEFT.match(left) and _JOIN_RIGHT.match(right) else " " + joined
        )
        self.han += len(HAN.findall(line))

    def text(self) -> str:
        return "".join(self.parts)


_SPLIT_CONSTRAINTS: dict[str, list[Any]] = {
    "max_words": [Interval("int", 1, None)],
    "max_chars": [Interval("int", 1, None)],
}


def split_paragraphs(
    text: str,
    *,
    max_words: int = MAX_WORDS,
    max_chars: int = MAX_CHARS,
    drop_boilerplate: bool = True,
) -> list[Paragraph]:
    """Clean a raw document and split it into paragraphs with their language.

    Each non-empty line is a paragraph, except that hard-wrapped lines (no
    closing punctuation, next line continues the sentence) are joined. With
    ``drop_boilerplate`` page furniture is removed: navigation ("Home >"),
    "Related reading" and everything after it, "category | headline" rows,
    date and view-count lines, reprint notices and sign-up adverts. Paragraphs
    longer than about ``max_words`` English words or ``max_chars`` Chinese
    characters are split into windows of whole sentences. Paragraphs with no
    letters or digits at all are dropped.

    Parameters
    ----------
    text : str
        The raw document (a web page's text, a speech, a report).
    max_words, max_chars : int
        Window limits for English words and Chinese characters.
    drop_boilerplate : bool
        Remove page furniture (default True).

    Returns
    -------
    list of Paragraph

    Examples
    --------
    >>> paras = split_paragraphs("Home >\\n\\n天猫双十一线上线下融合。\\nTmall upgrades stores.")
    >>> [(p.text, p.lang, p.line) for p in paras]
    [('天猫双十一线上线下融合。', 'zh', 3), ('Tmall upgrades stores.', 'en', 4)]
    """
    check_text(text, name="text")
    validate_params(
        {"max_words": max_words, "max_chars": max_chars},
        _SPLIT_CONSTRAINTS,
        "split_paragraphs",
    )
    lines = clean_text(text).split("\n")
    blocks: list[_Block] = []
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        if drop_boilerplate and is_end_marker(line):
            break
        if drop_boilerplate and is_boilerplate_line(line):
            continue
        if blocks and lines[number - 2] and blocks[-1].continued_by(line):
            blocks[-1].append(line)
        else:
            blocks.append(_Block(number, line))
    paragraphs: list[Paragraph] = []
    for line_number, block in ((b.line, b.text()) for b in blocks):
        if not re.search(r"\w", block):
            continue
        windows = split_windows(block, max_words, max_chars)
        for i, window in enumerate(windows):
            paragraphs.append(
                Paragraph(
                    text=window,
                    lang=detect_language(window),
                    index=len(paragraphs),
                    line=line_number,
                    window=i,
                    n_windows=len(windows),
                )
            )
    return paragraphs
