"""Language of a piece of text by the share of its script: no model, no download."""

from __future__ import annotations

import re
from typing import Any, Literal

from .._validation import Interval, check_text, validate_params

__all__ = ["HAN", "LATIN_WORD", "Language", "detect_language"]

Language = Literal["zh", "en", "mixed", "und"]

#: One Han character (CJK unified ideographs, extensions A-F, compatibility).
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
#: One run of Latin letters (a word, roughly).
LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f']*")


_THRESHOLD: dict[str, list[Any]] = {"threshold": [Interval("real", 0.5, 1.0)]}


def detect_language(text: str, *, threshold: float = 0.8) -> Language:
    """Say whether ``text`` is Chinese, English, a mix of both, or neither.

    Two Han characters count as much as one Latin word (a Chinese word is 1.6
    characters on average; ``O2O`` or ``Tmall's`` is one Latin word), so
    neither script swamps the other. ``zh`` when Han characters make up at least
    ``threshold`` of the units, ``en`` when Latin words do, ``mixed`` in
    between, and ``und`` (undetermined) when there are no letters of either.

    >>> detect_language("天猫双十一的O2O战略")
    'zh'
    >>> detect_language("Tmall's O2O strategy for Singles' Day (双十一)")
    'en'
    >>> detect_language("天猫 Tmall 淘宝 Taobao")
    'mixed'
    >>> detect_language("2015/2/9")
    'und'
    """
    check_text(text)
    if not (isinstance(threshold, float) and 0.5 <= threshold <= 1.0):  # the common case, fast
        validate_params({"threshold": threshold}, _THRESHOLD, "detect_language")
    han = len(HAN.findall(text)) / 2
    latin = len(LATIN_WORD.findall(text))
    total = han + latin
    if total == 0:
        return "und"
    if han / total >= threshold:
        return "zh"
    if latin / total >= threshold:
        return "en"
    return "mixed"
