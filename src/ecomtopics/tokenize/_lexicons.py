"""The tokenizers' data files: a :class:`Lexicons` set, and the package's own, read once on first use.

A :class:`Lexicons` holds the text of each lexicon file. The package's set
(:func:`package_lexicons`) is read from ``tokenize/lexicons/``; a stored model
carries a copy of the set it was trained with and reads text through that copy,
so editing a lexicon in the package cannot change a model already saved. The
module-level functions (:func:`zh_stopwords`, :func:`concepts` ...) read the
package's set.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from .._errors import InputError
from .._themes import TOPICAL_THEMES

__all__ = [
    "LEXICON_FILES",
    "Lexicons",
    "concept_themes",
    "concepts",
    "en_mt_artefacts",
    "en_phrases",
    "en_stopwords",
    "lexicon_hashes",
    "package_lexicons",
    "platform_names",
    "topic_stopwords",
    "topic_units",
    "zh_domain_words",
    "zh_stopwords",
]

# The package is always installed unpacked (wheel or editable), so a plain path
# works; importlib.resources would add about 3 ms to the first read (and to load_model).
_FOLDER = Path(__file__).with_name("lexicons")

#: Every lexicon file, in the order they are listed; a set may lack some (a
#: model trained before a file existed), which then reads as empty.
LEXICON_FILES: tuple[str, ...] = (
    "concepts.tsv",
    "en_mt_artefacts.tsv",
    "en_phrases.txt",
    "en_stopwords.txt",
    "platform_names.txt",
    "topic_stopwords.txt",
    "topic_units.tsv",
    "zh_domain_words.txt",
    "zh_stopwords.txt",
)

_T = TypeVar("_T")


def _parsed(method: Callable[[Lexicons], _T]) -> Callable[[Lexicons], _T]:
    """Compute a parsed table once per :class:`Lexicons` instance."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self: Lexicons) -> _T:
        try:
            return self._cache[name]
        except KeyError:
            value = self._cache[name] = method(self)
            return value

    return wrapper


class Lexicons:
    """One set of lexicon files: name -> text, with the tables parsed from them.

    Parameters
    ----------
    texts : mapping of str to str
        File name (one of :data:`LEXICON_FILES`) -> its text.
    origin : str
        Where the set comes from, for messages (a folder).

    Two sets are equal when their files are byte for byte the same.

    Examples
    --------
    >>> lex = Lexicons({"zh_stopwords.txt": "的\\n了\\n"}, origin="example")
    >>> sorted(lex.zh_stopwords())
    ['了', '的']
    >>> lex.platform_names()  # a file the set lacks reads as empty
    frozenset()
    >>> package_lexicons() == Lexicons.from_folder(_FOLDER)
    True
    """

    def __init__(self, texts: Mapping[str, str], origin: str = "") -> None:
        unknown = sorted(set(texts) - set(LEXICON_FILES))
        if unknown:
            raise InputError(
                f"unknown lexicon file(s) {', '.join(unknown)} in {origin or 'a lexicon set'}; "
                f"known: {', '.join(LEXICON_FILES)}"
            )
        self._texts = {name: texts[name] for name in LEXICON_FILES if name in texts}
        self.origin = origin
        self._cache: dict[str, Any] = {}
        self._hashes = {
            name: hashlib.sha256(text.encode("utf-8")).hexdigest()
            for name, text in self._texts.items()
        }
        # computed once: segmenters are cached by lexicon set, looked up on every text
        self._hash = hash(tuple(sorted(self._hashes.items())))

    @classmethod
    def from_folder(cls, folder: str | Path) -> Lexicons:
        """Read the lexicon files present in ``folder``."""
        folder = Path(folder)
        texts = {
            name: (folder / name).read_text(encoding="utf-8")
            for name in LEXICON_FILES
            if (folder / name).is_file()
        }
        return cls(texts, origin=str(folder))

    @classmethod
    def from_bytes(cls, files: Mapping[str, bytes], origin: str = "") -> Lexicons:
        """Build a set from file name -> UTF-8 bytes (as stored in a model version)."""
        return cls({name: data.decode("utf-8") for name, data in files.items()}, origin)

    def names(self) -> list[str]:
        """The files in this set."""
        return list(self._texts)

    def hashes(self) -> dict[str, str]:
        """SHA-256 of each file's UTF-8 text, as recorded in model manifests."""
        return dict(self._hashes)

    def to_bytes(self) -> dict[str, bytes]:
        """File name -> UTF-8 bytes, to store with a model."""
        return {name: text.encode("utf-8") for name, text in self._texts.items()}

    def text(self, name: str) -> str:
        """The text of one file ("" if the set lacks it)."""
        if name not in LEXICON_FILES:
            raise InputError(f"unknown lexicon file {name!r}; known: {', '.join(LEXICON_FILES)}")
        return self._texts.get(name, "")

    def _lines(self, name: str) -> list[str]:
        return [
            line.strip()
            for line in self.text(name).splitlines()
            if line.strip() and not line.startswith("#")
        ]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lexicons) and self._hashes == other._hashes

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Lexicons({len(self._texts)} files from {self.origin or '?'})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Lexicons, (self._texts, self.origin))

    # -- the tables --------------------------------------------------------------------
    @_parsed
    def zh_domain_words(self) -> tuple[tuple[str, int | None, str | None], ...]:
        """Entries of the Chinese domain dictionary as (word, frequency, tag)."""
        entries = []
        for line in self._lines("zh_domain_words.txt"):
            parts = line.split()
            word = parts[0]
            freq = int(parts[1]) if len(parts) > 1 else None
            tag = parts[2] if len(parts) > 2 else None
            entries.append((word, freq, tag))
        return tuple(entries)

    @_parsed
    def zh_stopwords(self) -> frozenset[str]:
        """Chinese stopwords."""
        return frozenset(self._lines("zh_stopwords.txt"))

    @_parsed
    def topic_stopwords(self) -> frozenset[str]:
        """Domain-generic words left out of topic models' vocabularies."""
        return frozenset(self._lines("topic_stopwords.txt"))

    @_parsed
    def platform_names(self) -> frozenset[str]:
        """Platform names (and "platform") the theme classifier ignores by default."""
        return frozenset(self._lines("platform_names.txt"))

    @_parsed
    def en_stopwords(self) -> frozenset[str]:
        """English stopwords."""
        return frozenset(self._lines("en_stopwords.txt"))

    @_parsed
    def en_phrases(self) -> tuple[str, ...]:
        """English domain phrases, lower case, words separated by one space."""
        return tuple(self._lines("en_phrases.txt"))

    @_parsed
    def en_mt_artefacts(self) -> dict[str, str]:
        """Machine-translation artefact (lower case) -> canonical English."""
        table = {}
        for line in self._lines("en_mt_artefacts.tsv"):
            artefact, _, canonical = line.partition("\t")
            table[artefact.strip()] = canonical.strip()
        return table

    @_parsed
    def _concept_rows(self) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
        rows = []
        for line in self._lines("concepts.tsv"):
            concept, theme, terms = line.split("\t")
            rows.append((concept.strip(), theme.strip(), tuple(terms.split())))
        return tuple(rows)

    @_parsed
    def concepts(self) -> dict[str, tuple[str, ...]]:
        """Token -> the bilingual concepts it expresses (``线下`` and ``offline`` -> ``offline_retail``)."""
        table: dict[str, list[str]] = {}
        for concept, _, terms in self._concept_rows():
            for term in terms:
                if concept not in table.setdefault(term, []):
                    table[term].append(concept)
        return {term: tuple(names) for term, names in table.items()}

    @_parsed
    def concept_themes(self) -> dict[str, str]:
        """Concept -> the theme it mostly signals."""
        return {concept: theme for concept, theme, _ in self._concept_rows()}

    @_parsed
    def topical_concept_themes(self) -> dict[str, str]:
        """:meth:`concept_themes` of the four themes only: the concepts of ``other``
        (results, personnel, regulation) say a paragraph has no theme, so keyword rules
        and topic anchors leave them out."""
        return {c: t for c, t in self.concept_themes().items() if t in TOPICAL_THEMES}

    @_parsed
    def topic_units(self) -> dict[str, str]:
        """Token (Chinese or English) -> the shared unit the topic model counts it as (``topic_units.tsv``).

        Read by topic models only, never by the theme classifier.
        """
        table: dict[str, str] = {}
        for line in self._lines("topic_units.tsv"):
            unit, _, terms = line.partition("\t")
            for term in terms.split():
                table.setdefault(term, unit.strip())
        return table


@functools.cache
def package_lexicons() -> Lexicons:
    """The lexicons shipped in this package (``tokenize/lexicons/``), read once."""
    return Lexicons.from_folder(_FOLDER)


def zh_domain_words() -> tuple[tuple[str, int | None, str | None], ...]:
    """Entries of the package's Chinese domain dictionary as (word, frequency, tag)."""
    return package_lexicons().zh_domain_words()


def zh_stopwords() -> frozenset[str]:
    """The package's Chinese stopwords."""
    return package_lexicons().zh_stopwords()


def topic_stopwords() -> frozenset[str]:
    """The package's domain-generic words left out of topic models' vocabularies."""
    return package_lexicons().topic_stopwords()


def platform_names() -> frozenset[str]:
    """The package's platform names (and "platform") the theme classifier ignores by default."""
    return package_lexicons().platform_names()


def en_stopwords() -> frozenset[str]:
    """The package's English stopwords."""
    return package_lexicons().en_stopwords()


def en_phrases() -> tuple[str, ...]:
    """The package's English domain phrases, lower case, words separated by one space."""
    return package_lexicons().en_phrases()


def en_mt_artefacts() -> dict[str, str]:
    """The package's machine-translation artefact (lower case) -> canonical English."""
    return package_lexicons().en_mt_artefacts()


def concepts() -> dict[str, tuple[str, ...]]:
    """Token -> the bilingual concepts it expresses, from the package's ``concepts.tsv``."""
    return package_lexicons().concepts()


def concept_themes() -> dict[str, str]:
    """Concept -> the theme it mostly signals, from the package's ``concepts.tsv``."""
    return package_lexicons().concept_themes()


def topic_units() -> dict[str, str]:
    """Token -> shared topic unit, from the package's ``topic_units.tsv``."""
    return package_lexicons().topic_units()


def lexicon_hashes() -> dict[str, str]:
    """SHA-256 of the package's lexicon files that shape every model's tokens.

    ``topic_units.tsv`` is left out (topic models record it themselves), as in
    the manifests written before models carried their own lexicons.
    """
    hashes = package_lexicons().hashes()
    hashes.pop("topic_units.tsv", None)
    return hashes


def topic_units_hash() -> str:
    """SHA-256 of the package's ``topic_units.tsv`` (recorded by topic models that use it)."""
    return package_lexicons().hashes()["topic_units.tsv"]


# --------------------------------------------------------------------------- stored with a model

#: Folder of a model version that holds the lexicons it was trained with.
STORED_FOLDER = "lexicons"


def lexicons_to_store(lexicons: Lexicons) -> dict[str, bytes]:
    """The files a model stores with itself: ``lexicons/<name>`` -> bytes."""
    return {f"{STORED_FOLDER}/{name}": data for name, data in lexicons.to_bytes().items()}


def lexicons_from_store(files: Mapping[str, bytes], where: str) -> Lexicons:
    """The lexicons stored with a model version (``files`` as the store gives them)."""
    prefix = f"{STORED_FOLDER}/"
    found = {rel[len(prefix) :]: data for rel, data in files.items() if rel.startswith(prefix)}
    if not found:
        from .._errors import ModelIntegrityError

        raise ModelIntegrityError(
            f"{where}: the version lists model files but no {prefix}*; it was written by faulty "
            f"code: retrain the model"
        )
    return Lexicons.from_bytes(found, origin=f"{where}/{STORED_FOLDER}")


def check_package_lexicons(manifest: Mapping[str, Any], where: str) -> None:
    """For a version stored without its lexicons: refuse it unless the package's match its record.

    Versions saved before models carried their lexicons recorded the hashes
    of the package's files in the manifest (``lexicons``); such a version
    loads with the package's lexicons only if they are byte for byte the ones
    it was trained with.
    """
    from .._errors import ModelIntegrityError

    recorded = manifest.get("lexicons")
    fix = (
        "retrain it with this ecomtopics, or load it with the ecomtopics release it was "
        "trained with"
    )
    if not isinstance(recorded, Mapping) or not recorded:
        raise ModelIntegrityError(
            f"{where}: this version was saved without its lexicons and without their checksums, "
            f"so ecomtopics cannot tell whether the package's lexicons are the ones it was trained "
            f"with; {fix}"
        )
    current = package_lexicons().hashes()
    changed = sorted(n for n in recorded if recorded.get(n) != current.get(n))
    if changed:
        raise ModelIntegrityError(
            f"{where}: this version was saved without its lexicons, and the package's "
            f"{', '.join(changed)} differ from the ones it was trained with (sha256 in its "
            f"manifest), so its scores would silently change; {fix}"
        )


class CarriesLexicons:
    """Mixin of the models that store their lexicons: a version saved before they did
    loads only if the package's lexicons match what it recorded."""

    @classmethod
    def _check_stored_without_files(cls, manifest: Mapping[str, Any], where: str) -> None:
        check_package_lexicons(manifest, where)
