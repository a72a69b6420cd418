"""The source text of each paragraph, as written (before Unicode normalisation).

:func:`split_paragraphs` works on normalised text (NFKC: full-width ``，`` becomes
``,``), which is what models need; what a person reads and quotes should be the
source. :func:`original_texts` finds each paragraph's span in the raw document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .._validation import check_text
from ._clean import _clean
from ._segment import Paragraph

__all__ = ["original_texts"]

_SPACE = re.compile(r"\s+")
_HAN_END = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\"”’」』)]$")
_HAN_START = re.compile(r"[\u4e00-\u9fff“‘「『(]")


def _light_lines(text: str) -> list[str]:
    """The lines of ``text`` cleaned as :func:`clean_text` does, but without NFKC.

    Same line numbers as ``clean_text(text).split("\\n")``: NFKC never adds or removes a line break.
    """
    return _clean(text, keep_newlines=True, normalise=False).split("\n")


def _squeeze(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def original_texts(raw: str, paragraphs: Sequence[Paragraph]) -> list[str]:
    """The source wording of each paragraph of ``split_paragraphs(raw)``.

    Punctuation and full-width characters are as in ``raw`` (HTML tags,
    invisible characters and extra white space are still removed). Where a
    paragraph cannot be matched to the source, its cleaned text is returned.

    >>> from ecomtopics.text import split_paragraphs
    >>> raw = "天猫：线下门店，与会员打通！\\nTmall ＆ stores."
    >>> [p.text for p in split_paragraphs(raw)]
    ['天猫:线下门店,与会员打通!', 'Tmall & stores.']
    >>> original_texts(raw, split_paragraphs(raw))
    ['天猫：线下门店，与会员打通！', 'Tmall ＆ stores.']
    """
    check_text(raw, name="raw")
    lines = _light_lines(raw)
    out = [p.text for p in paragraphs]
    # group the windows of one source paragraph (same start line)
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(paragraphs):
        groups.setdefault(p.line, []).append(i)
    for line, members in groups.items():
        target = "".join(_squeeze(paragraphs[i].text) for i in members)
        # the source lines of the block: from its start line until the squeezed text is covered
        chunk: list[str] = []
        squeezed = ""
        for source in lines[line - 1 :]:
            if not source:
                continue
            chunk.append(source)
            squeezed = _squeeze(" ".join(chunk))
            if len(squeezed) >= len(target):
                break
        if squeezed != target:
            continue  # not found as such: keep the cleaned text
        block = chunk[0]
        for source in chunk[1:]:  # hard-wrapped lines: Chinese joins without a space
            block += ("" if _HAN_END.search(block) and _HAN_START.match(source) else " ") + source
        # map every character of the squeezed form back to its position in the block
        positions: list[int] = []
        for pos, ch in enumerate(block):
            positions.extend([pos] * len(_squeeze(ch)))
        if len(positions) != len(target):  # composed sequences normalise differently: give up
            continue
        start = 0
        for i in members:
            size = len(_squeeze(paragraphs[i].text))
            if size == 0:
                continue
            first, last = positions[start], positions[start + size - 1]
            out[i] = " ".join(block[first : last + 1].split())
            start += size
    return out
