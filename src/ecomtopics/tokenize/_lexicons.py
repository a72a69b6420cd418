"""The tokenizers' data files, read once per process on first use."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = [
    "concept_themes",
    "concepts",
    "en_mt_artefacts",
    "en_phrases",
    "en_stopwords",
    "lexicon_hashes",
    "platform_names",
    "topic_stopwords",
    "topic_units",
    "zh_domain_words",
    "zh_stopwords",
]

# The package is always installed unpacked (wheel or editable), so a plain path
# works; importlib.resources would add about 3 ms to the first read (and to load_model).
_FOLDER = Path(__file__).with_name("lexicons")


def _read(name: str) -> str:
    return (_FOLDER / name).read_text(encoding="utf-8")


def _lines(name: str) -> list[str]:
    return [
        line.strip()
        for line in _read(name).splitlines()
        if line.strip() and not line.startswith("#")
    ]


@functools.cache
def zh_domain_words() -> tuple[tuple[str, int | None, str | None], ...]:
    """Entries of the Chinese domain dictionary as (word, frequency, tag)."""
    entries = []
    for line in _lines("zh_domain_words.txt"):
        parts = line.split()
        word = parts[0]
        freq = int(parts[1]) if len(parts) > 1 else None
        tag = parts[2] if len(parts) > 2 else None
        entries.append((word, freq, tag))
    return tuple(entries)


@functools.cache
def zh_stopwords() -> frozenset[str]:
    """Chinese stopwords."""
    return frozenset(_lines("zh_stopwords.txt"))


@functools.cache
def topic_stopwords() -> frozenset[str]:
    """Domain-generic words left out of topic models' vocabularies."""
    return frozenset(_lines("topic_stopwords.txt"))


@functools.cache
def platform_names() -> frozenset[str]:
    """Platform names (and "platform") the theme classifier ignores by default."""
    return frozenset(_lines("platform_names.txt"))


@functools.cache
def en_stopwords() -> frozenset[str]:
    """English stopwords."""
    return frozenset(_lines("en_stopwords.txt"))


@functools.cache
def en_phrases() -> tuple[str, ...]:
    """English domain phrases, lower case, words separated by one space."""
    return tuple(_lines("en_phrases.txt"))


@functools.cache
def en_mt_artefacts() -> dict[str, str]:
    """Machine-translation artefact (lower case) -> canonical English."""
    table = {}
    for line in _lines("en_mt_artefacts.tsv"):
        artefact, _, canonical = line.partition("\t")
        table[artefact.strip()] = canonical.strip()
    return table


@functools.cache
def lexicon_hashes() -> dict[str, str]:
    """SHA-256 of every lexicon file, to record in model manifests."""
    names = [
        "concepts.tsv",
        "en_mt_artefacts.tsv",
        "en_phrases.txt",
        "en_stopwords.txt",
        "platform_names.txt",
        "topic_stopwords.txt",
        "zh_domain_words.txt",
        "zh_stopwords.txt",
    ]
    return {n: hashlib.sha256(_read(n).encode("utf-8")).hexdigest() for n in names}


@functools.cache
def _concept_rows() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    rows = []
    for line in _lines("concepts.tsv"):
        concept, theme, terms = line.split("\t")
        rows.append((concept.strip(), theme.strip(), tuple(terms.split())))
    return tuple(rows)


@functools.cache
def concepts() -> dict[str, tuple[str, ...]]:
    """Token -> the bilingual concepts it expresses (e.g. ``线下`` and ``offline`` -> ``offline_retail``)."""
    table: dict[str, list[str]] = {}
    for concept, _, terms in _concept_rows():
        for term in terms:
            if concept not in table.setdefault(term, []):
                table[term].append(concept)
    return {term: tuple(names) for term, names in table.items()}


@functools.cache
def concept_themes() -> dict[str, str]:
    """Concept -> the theme it mostly signals."""
    return {concept: theme for concept, theme, _ in _concept_rows()}


@functools.cache
def topic_units() -> dict[str, str]:
    """Token (Chinese or English) -> the shared unit the topic model counts it as (``topic_units.tsv``).

    Read by topic models only, never by the theme classifier.
    """
    table: dict[str, str] = {}
    for line in _lines("topic_units.tsv"):
        unit, _, terms = line.partition("\t")
        for term in terms.split():
            table.setdefault(term, unit.strip())
    return table


def topic_units_hash() -> str:
    """SHA-256 of ``topic_units.tsv`` (recorded by topic models that use it)."""
    return hashlib.sha256(_read("topic_units.tsv").encode("utf-8")).hexdigest()
