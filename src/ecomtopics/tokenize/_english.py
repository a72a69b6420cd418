"""English tokenization for the domain: phrases, machine-translation artefacts, plurals.

The hot path runs mostly in C: one regular expression (a trie of every phrase
and artefact, plural forms included) rewrites phrases into single tokens, the
text is split on everything that is not part of a word, and each distinct word
is normalised once and remembered.
"""

from __future__ import annotations

import functools
import itertools

from .._validation import LazyPattern, Memo
from ._lexicons import Lexicons, package_lexicons

__all__ = ["EnglishTokenizer", "singular"]

_POSSESSIVE = LazyPattern(r"(?<=\w)['’]s\b")
_NOT_WORD = LazyPattern(r"[^\w&'’.\-]+")
# Punctuation that separates words (str.translate runs in C; rarer symbols are
# stripped from word edges when a word is first seen).
_PUNCT_TO_SPACE = str.maketrans(
    {ch: " " for ch in ',;:!?()[]{}"“”‘«»<>/\\|*+=#@$%^~`…—–·•、，。；：！？（）【】《》「」『』'}
)
_EDGE_PUNCT = "&'’.-_"
_NO_PLURAL = LazyPattern(r"(ss|us|is|ics|ous|ess|ness|[^a-z])$")
_IRREGULAR = {
    "people": "people",
    "news": "news",
    "goods": "goods",
    "series": "series",
    "sales": "sales",
}
_MAX_FORMS = 500_000


@functools.lru_cache(maxsize=65536)
def singular(word: str) -> str:
    """A light plural normaliser for nouns of this domain.

    >>> [singular(w) for w in ["stores", "categories", "businesses", "goods", "status", "o2o"]]
    ['store', 'category', 'business', 'goods', 'status', 'o2o']
    """
    if "_" in word:  # a phrase: normalise its last word
        head, _, last = word.rpartition("_")
        return f"{head}_{singular(last)}"
    if len(word) <= 3 or word in _IRREGULAR or not word.endswith("s") or _NO_PLURAL.search(word):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    return word[:-1]


def _plural_variants(word: str) -> list[str]:
    """Surface forms whose singular() is ``word``'s singular (the word itself included)."""
    base = singular(word)
    forms = {word, base}
    if base.endswith("y") and len(base) > 3:
        forms.add(base[:-1] + "ies")
    elif base.endswith(("ss", "sh", "ch", "x", "zz")):
        forms.add(base + "es")
    elif not _NO_PLURAL.search(base) and len(base) > 2:
        forms.add(base + "s")
    return sorted(f for f in forms if singular(f) == base or f == word)


def _normal(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", _POSSESSIVE.sub("", text.lower())).split())


@functools.cache
def _phrase_table(
    artefacts: bool, phrases: bool, lexicons: Lexicons
) -> tuple[dict[str, list[str]], dict[str, tuple[int, ...]]]:
    """(surface n-gram -> replacement tokens, first word -> n-gram lengths) for artefacts and phrases.

    Surface n-grams include the plural forms of each word, so matching needs
    no per-word normalisation.
    """
    canonical: dict[tuple[str, ...], str] = {}  # singular word keys -> phrase token
    if phrases:
        for phrase in lexicons.en_phrases():
            words = _normal(phrase).split()
            if words:
                canonical.setdefault(tuple(singular(w) for w in words), "_".join(words))

    def as_tokens(text: str) -> list[str]:
        words = _normal(text).split()
        out, i = [], 0
        while i < len(words):
            for n in range(len(words) - i, 0, -1):
                hit = canonical.get(tuple(singular(w) for w in words[i : i + n]))
                if hit is not None and (n > 1 or hit != words[i]):
                    out.append(hit)
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    replacements: dict[str, list[str]] = {}
    sources = [(p, p) for p in (lexicons.en_phrases() if phrases else ())]
    if artefacts:
        sources += list(lexicons.en_mt_artefacts().items())
    for surface, target in sources:
        words = _normal(surface).split()
        if not words:
            continue
        output = as_tokens(target)
        for variant in itertools.product(*(_plural_variants(w) for w in words)):
            if list(variant) != output:
                replacements.setdefault(" ".join(variant), output)
    lengths: dict[str, set[int]] = {}
    for key in replacements:
        first, *rest = key.split(" ")
        lengths.setdefault(first, set()).add(1 + len(rest))
    return replacements, {w: tuple(sorted(ns, reverse=True)) for w, ns in lengths.items()}


class EnglishTokenizer:
    """Tokenize English: lower case, MT artefacts, domain phrases, stopwords, plurals.

    Steps, each of which can be turned off: lower-casing; mapping the corpus's
    machine-translation artefacts to canonical words ("electricity supplier"
    → ``e-commerce``, "village Amoy" → ``rural_taobao``, "wireless" →
    ``mobile``); keeping domain phrases as one token joined by ``_``
    ("Double 11" → ``double_11``); removing stopwords; folding plurals.

    >>> EnglishTokenizer()("The electricity supplier opened flagship stores for Double 11.")
    ['e-commerce', 'opened', 'flagship_store', 'double_11']
    """

    def __init__(
        self,
        *,
        lowercase: bool = True,
        artefacts: bool = True,
        phrases: bool = True,
        stopwords: bool = True,
        plurals: bool = True,
        drop_numbers: bool = True,
        lexicons: Lexicons | None = None,
    ) -> None:
        self.lowercase = lowercase
        self.artefacts = artefacts
        self.phrases = phrases
        self.stopwords = stopwords
        self.plurals = plurals
        self.drop_numbers = drop_numbers
        self.lexicons = lexicons if lexicons is not None else package_lexicons()
        self._stopwords = self.lexicons.en_stopwords()

    def __call__(self, text: str) -> list[str]:
        if self.lowercase:
            text = text.lower()
        if "'s" in text or "’s" in text:
            text = _POSSESSIVE.sub("", text)
        words = text.translate(_PUNCT_TO_SPACE).split()
        if self.artefacts or self.phrases:
            replacements, first = self._table
            lowered = words if self.lowercase else list(map(str.lower, words))
            starts = list(itertools.compress(itertools.count(), map(first.__contains__, lowered)))
            if starts:
                words = _merge(
                    words,
                    lowered,
                    starts,
                    replacements,
                    first,
                    _second_words(self.artefacts, self.phrases, self.lexicons),
                )
        forms = self._forms
        if len(forms) > _MAX_FORMS:  # bound the memo on endless streams of new words
            forms.clear()
        return list(filter(None, map(forms.__getitem__, words)))

    @functools.cached_property
    def _table(self) -> tuple[dict[str, list[str]], dict[str, tuple[int, ...]]]:
        return _phrase_table(self.artefacts, self.phrases, self.lexicons)

    @functools.cached_property
    def _forms(self) -> dict[str, str]:
        """word -> output token ("" when dropped); each distinct word is normalised once."""
        return Memo(self._form)

    def _form(self, word: str) -> str:
        word = (
            word.strip(_EDGE_PUNCT) if word[0] in _EDGE_PUNCT or word[-1] in _EDGE_PUNCT else word
        )
        if not word or not any(ch.isalnum() for ch in word):
            return ""
        lower = word.lower()
        if self.stopwords and lower in self._stopwords:
            return ""
        if self.drop_numbers and lower.replace(".", "").replace(",", "").isdigit():
            return ""
        if "_" in lower:  # a phrase token: already canonical
            return lower if self.lowercase else word
        if self.plurals:
            folded = singular(lower)
            return folded if self.lowercase else (word if folded == lower else word[: len(folded)])
        return lower if self.lowercase else word


@functools.cache
def _second_words(artefacts: bool, phrases: bool, lexicons: Lexicons) -> dict[str, frozenset[str]]:
    """First word -> the second words of its n-grams of two or more words (a quick pre-check)."""
    seconds: dict[str, set[str]] = {}
    for key in _phrase_table(artefacts, phrases, lexicons)[0]:
        words = key.split(" ")
        if len(words) > 1:
            seconds.setdefault(words[0], set()).add(words[1])
    return {w: frozenset(ws) for w, ws in seconds.items()}


def _merge(
    words: list[str],
    lowered: list[str],
    starts: list[int],
    replacements: dict[str, list[str]],
    first: dict[str, tuple[int, ...]],
    seconds: dict[str, frozenset[str]],
) -> list[str]:
    """Replace phrase and artefact n-grams starting at ``starts`` by their tokens.

    ``lowered`` is ``words`` in lower case (the same list when already lower case).
    An n-gram of ``n >= 2`` words can only match when the next word (without
    trailing dots, for ``n == 2``) is one of the n-gram's second words.
    """
    out: list[str] = []
    done = 0
    n_words = len(words)
    empty: frozenset[str] = frozenset()
    for i in starts:
        if i < done:
            continue
        head = lowered[i]
        if i + 1 < n_words:
            nxt = lowered[i + 1]
            allowed = seconds.get(head, empty)
            longer = nxt in allowed or nxt.rstrip(".") in allowed
        else:
            longer = False
        for n in first[head]:
            if i + n > n_words or (n > 1 and not longer):
                continue
            span = lowered[i : i + n]
            hit = replacements.get(" ".join(span).rstrip("."))
            if hit is not None and (n == 1 or "." not in " ".join(span[:-1])):
                out.extend(words[done:i])
                out.extend(hit)
                done = i + n
                break
    out.extend(words[done:])
    return out
