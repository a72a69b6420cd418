"""From raw documents to clean paragraphs: cleaning, segmentation, language."""

from ._boilerplate import is_boilerplate_line, is_end_marker
from ._clean import clean_line, clean_text, repair_artefacts
from ._lang import Language, detect_language
from ._segment import Paragraph, split_paragraphs, split_sentences, split_windows

__all__ = [
    "Language",
    "Paragraph",
    "clean_line",
    "clean_text",
    "detect_language",
    "is_boilerplate_line",
    "is_end_marker",
    "repair_artefacts",
    "split_paragraphs",
    "split_sentences",
    "split_windows",
]
