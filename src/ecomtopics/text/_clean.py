"""Normalise raw text: Unicode, invisible characters, HTML remnants, broken words."""

from __future__ import annotations

import html
import re
import unicodedata

from .._compiled import native
from .._validation import LazyPattern, check_text

__all__ = ["clean_for_tokens", "clean_line", "clean_text", "repair_artefacts"]

_SURROGATE_CHARS = r"\ud800-\udfff"
# zero-width and bidi marks, BOM, soft hyphen, word joiner, variation selectors
_INVISIBLE_CHARS = r"\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe00-\ufe0f"
# C0/C1 control characters except tab and newline (handled as white space)
_CONTROL_CHARS = r"\x00-\x08\x0b-\x1f\x7f-\x9f"
_SURROGATES = LazyPattern(f"[{_SURROGATE_CHARS}]")
_INVISIBLE = LazyPattern(f"[{_INVISIBLE_CHARS}]")
_CONTROL = LazyPattern(f"[{_CONTROL_CHARS}]")
_BREAK_TAGS = LazyPattern(
    r"<\s*(?:br|/p|p|/div|div|/li|li|/h[1-6]|h[1-6])\b[^<>]{0,200}>", re.IGNORECASE
)
_TAG = LazyPattern(r"</?[a-zA-Z][a-zA-Z0-9:-]{0,20}(?:\s[^<>]{0,500})?/?>")
_HORIZONTAL_SPACE = LazyPattern(r"[^\S\n]+")
_SPACE_BEFORE_PUNCT = LazyPattern(r"[ \t]+(?=[,.;:!?)\]](?:\s|$))")

# space before a mark in text whose white space is single spaces (clean_line's): the same
# matches, found faster (a literal space to look for)
_SPACE_BEFORE_PUNCT_FOLDED = LazyPattern(r" (?=[,.;:!?)\]](?: |$))")

# "trans" eaten by a broken <span> in the corpus: spanaction -> transaction ... (the word
# boundary before [Ss] written as a look-behind after it, which lets the engine skip ahead to
# the next S: two and a half times as fast as a leading \b)
# (the compiled word counter repairs the same words: _native.SPAN_SUFFIXES, kept equal by a test)
_SPAN_SUFFIXES = (
    "action", "actions", "ition", "itions", "itional", "formation", "formations", "form", "formed",
    "forming", "fer", "ferred", "fers", "port", "portation", "lation", "late", "lated", "mission",
    "parent", "parency", "it",
)  # fmt: skip
_SPAN_ARTEFACT = LazyPattern(r"([Ss])(?<!\w[Ss])pan(" + "|".join(_SPAN_SUFFIXES) + r")\b")


def _repair_span(match: re.Match[str]) -> str:
    first = "T" if match.group(1) == "S" else "t"
    return f"{first}rans{match.group(2)}"


def repair_artefacts(text: str) -> str:
    """Repair words broken by the corpus's HTML damage (``spanaction`` → ``transaction``).

    >>> repair_artefacts("O2O spanition from physical spanactions")
    'O2O transition from physical transactions'
    """
    return _SPAN_ARTEFACT.sub(_repair_span, text)


def clean_line(text: str) -> str:
    """Clean text that holds no paragraph structure worth keeping (one line or a fragment).

    Line breaks inside ``text`` become spaces.
    """
    return _clean(text, keep_newlines=False)


# Anything clean_line would change, apart from white space and NFKC.
# (built from the same character classes; "[Ss]pan" for span artefacts, not any "pan" as in
# "company", and without a \b, which would stop the regex engine from skipping ahead)
_NEEDS_CLEANING = LazyPattern(
    f"[{_SURROGATE_CHARS}{_INVISIBLE_CHARS}{_CONTROL_CHARS}<&\u2028\u2029]|[Ss]pan"
)


# Full-width ASCII forms and the ideographic space: exactly what NFKC maps them to.
_FULL_WIDTH = {chr(cp): unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFF01, 0xFF5F)} | {
    "\u3000": " "
}
_FULL_WIDTH_CHAR = LazyPattern("[\uff01-\uff5e\u3000]")
# The full-width marks most frequent in Chinese text, in that order (comma, colon, semicolon,
# question mark, ideographic space, brackets).
_COMMON_FULL_WIDTH = [(ch, _FULL_WIDTH[ch]) for ch in "，：；？\u3000（）"]


def _full_width(match: re.Match[str]) -> str:
    return _FULL_WIDTH[match.group()]


def clean_for_tokens(text: str) -> str:
    """What tokenizers need of :func:`clean_line`, fast when the text is already clean.

    White space is left alone (tokenizers split on it anyway).

    >>> clean_for_tokens("Ｏ２Ｏ")
    'O2O'
    """
    return clean_and_scan(check_text(text))[0]


def clean_and_scan(text: str) -> tuple[str, bool | None, bool | None]:
    """:func:`clean_for_tokens`, and whether the result has Chinese characters and Latin
    letters: ``True``/``False`` when the compiled ``scan_text`` found out in the same pass
    (it also maps the full-width forms), ``None`` when that is not known.

    >>> clean_and_scan("Ｏ２Ｏ门店")[0]
    'O2O门店'
    """
    module = native()
    if module is None:
        return _clean_for_tokens(text), None, None
    mapped, needs_cleaning, has_han, has_letter = module.scan_text(text)
    if needs_cleaning:
        return clean_line(text), None, None
    if unicodedata.is_normalized("NFKC", mapped):
        return mapped, has_han, has_letter
    return unicodedata.normalize("NFKC", mapped), None, None


def _clean_for_tokens(text: str) -> str:
    """:func:`clean_for_tokens` without the compiled module."""
    if text.isascii():
        return clean_line(text) if _NEEDS_CLEANING.search(text) else text
    if _NEEDS_CLEANING.search(text):
        return clean_line(text)
    if unicodedata.is_normalized("NFKC", text):
        return text
    # the usual NFKC change in Chinese text, done fast: the common marks by str.replace (a
    # C loop each), the rare rest by the regex; every mark maps to ASCII, so order is free
    for mark, plain in _COMMON_FULL_WIDTH:
        if mark in text:
            text = text.replace(mark, plain)
    text = _FULL_WIDTH_CHAR.sub(_full_width, text)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def clean_text(text: str) -> str:
    """Normalise raw text, keeping its line structure.

    Removes lone surrogates, zero-width and control characters; decodes HTML
    entities and drops tags (``<br>`` and block tags become line breaks);
    applies NFKC (full-width letters, digits and punctuation become their
    plain forms, so ``，`` becomes ``,``); repairs broken-HTML words such as
    ``spanaction``; folds runs of spaces. The number of lines never shrinks
    below the number of input lines, so line numbers stay meaningful.

    >>> clean_text("Ｔｍａｌｌ&amp;天猫\u200b<b>双十一</b>")
    'Tmall&天猫双十一'
    >>> clean_text(None)
    Traceback (most recent call last):
    ...
    ecomtopics.InputTypeError: text must be str, got NoneType: None
    """
    return _clean(check_text(text), keep_newlines=True)


def _clean(text: str, *, keep_newlines: bool, normalise: bool = True) -> str:
    # Each step runs only when its cheap test says it can change something: this
    # is on the hot path of every tokenizer call. (Surrogates and invisible marks are never
    # ASCII; control characters are never printable.)
    if not text.isascii():
        text = _SURROGATES.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "<" in text:
        text = _BREAK_TAGS.sub(" " if not keep_newlines else "\u2028", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = _SURROGATES.sub(
            "", html.unescape(text)
        )  # entities such as &#xD800; decode to surrogates
    if normalise and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
    if "\u2028" in text or "\u2029" in text:
        text = text.replace("\u2028", "\n" if keep_newlines else " ").replace(
            "\u2029", "\n" if keep_newlines else " "
        )
    if not text.isprintable():
        text = _CONTROL.sub(" ", text)
    if "pan" in text:
        text = repair_artefacts(text)
    if not keep_newlines:
        text = " ".join(text.split())
        return _SPACE_BEFORE_PUNCT_FOLDED.sub("", text) if " " in text else text
    text = _HORIZONTAL_SPACE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub("", text)
    return "\n".join(line.strip() for line in text.split("\n"))
