"""From raw documents to clean paragraphs: cleaning, segmentation, language.

Submodules load on first use (their regular expressions take a while to compile).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr as _lazy_getattr

_LAZY = {
    "Language": "._lang",
    "Paragraph": "._segment",
    "clean_for_tokens": "._clean",
    "clean_line": "._clean",
    "clean_text": "._clean",
    "detect_language": "._lang",
    "is_boilerplate_line": "._boilerplate",
    "is_end_marker": "._boilerplate",
    "original_texts": "._original",
    "repair_artefacts": "._clean",
    "split_paragraphs": "._segment",
    "split_sentences": "._segment",
    "split_windows": "._segment",
}

__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # pragma: no cover
    from ._boilerplate import is_boilerplate_line, is_end_marker
    from ._clean import clean_for_tokens, clean_line, clean_text, repair_artefacts
    from ._lang import Language, detect_language
    from ._original import original_texts
    from ._segment import Paragraph, split_paragraphs, split_sentences, split_windows


__getattr__, __dir__ = _lazy_getattr(__name__, globals(), _LAZY)
