"""Normalise raw text: Unicode, invisible characters, HTML remnants, broken words."""

from __future__ import annotations

import html
import re
import unicodedata

from .._typing import check_text

__all__ = ["clean_line", "clean_text", "repair_artefacts"]

_SURROGATES = re.compile(r"[\ud800-\udfff]")
# zero-width and bidi marks, BOM, soft hyphen, word joiner, variation selectors
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe00-\ufe0f]")
# C0/C1 control characters except tab and newline (handled as white space)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BREAK_TAGS = re.compile(r"<\s*(?:br|/p|p|/div|div|/li|li|/h[1-6]|h[1-6])\b[^<>]{0,200}>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]{0,20}(?:\s[^<>]{0,500})?/?>")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+(?=[,.;:!?)\]](?:\s|$))")

# "trans" eaten by a broken <span> in the corpus: spanaction -> transaction ...
_SPAN_ARTEFACT = re.compile(
    r"\b([Ss])pan(action|actions|ition|itions|itional|formation|formations|form|formed|forming"
    r"|fer|ferred|fers|port|portation|lation|late|lated|mission|parent|parency|it)\b"
)


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
    TypeError: text must be str, got NoneType: None
    """
    return _clean(check_text(text), keep_newlines=True)


def _clean(text: str, *, keep_newlines: bool) -> str:
    text = _SURROGATES.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BREAK_TAGS.sub(" " if not keep_newlines else "\u2028", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _SURROGATES.sub("", text)  # entities such as &#xD800; decode to surrogates
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = text.replace("\u2028", "\n" if keep_newlines else " ").replace("\u2029", "\n" if keep_newlines else " ")
    text = _CONTROL.sub(" ", text)
    if not keep_newlines:
        text = text.replace("\n", " ")
    text = repair_artefacts(text)
    text = _HORIZONTAL_SPACE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub("", text)
    return "\n".join(line.strip() for line in text.split("\n")) if keep_newlines else text.strip()
