"""Tokenizers for Chinese and English e-commerce text, and their lexicons."""

from ._chinese import ENGINES, ChineseSegmenter
from ._english import EnglishTokenizer, singular
from ._lexicons import (
    concept_themes,
    concepts,
    en_mt_artefacts,
    en_phrases,
    en_stopwords,
    lexicon_hashes,
    platform_names,
    topic_stopwords,
    zh_domain_words,
    zh_stopwords,
)
from ._tokenizer import Tokenizer

__all__ = [
    "ENGINES",
    "ChineseSegmenter",
    "EnglishTokenizer",
    "Tokenizer",
    "concept_themes",
    "concepts",
    "en_mt_artefacts",
    "en_phrases",
    "en_stopwords",
    "lexicon_hashes",
    "platform_names",
    "singular",
    "topic_stopwords",
    "zh_domain_words",
    "zh_stopwords",
]
