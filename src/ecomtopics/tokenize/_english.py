"""English tokenization for the domain: phrases, machine-translation artefacts, plurals."""

from __future__ import annotations

import functools
import re

from ._lexicons import en_mt_artefacts, en_phrases, en_stopwords

__all__ = ["EnglishTokenizer", "singular"]

_WORD = re.compile(r"[^\W_](?:[\w&]|['’\-.](?=[^\W_]))*")
_POSSESSIVE = re.compile(r"['’]s$")
_NO_PLURAL = re.compile(r"(ss|us|is|ics|ous|ess|ness|[^a-z])$")
_IRREGULAR = {"people": "people", "news": "news", "goods": "goods", "series": "series", "sales": "sales"}
_MAX_NGRAM = 8


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


def _words(text: str) -> list[str]:
    return [_POSSESSIVE.sub("", w) for w in _WORD.findall(text)]


@functools.cache
def _ngram_table(artefacts: bool, phrases: bool) -> tuple[dict[tuple[str, ...], tuple[str, ...]], frozenset[str]]:
    """Word n-gram -> replacement tokens, for artefacts and phrases together."""
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    phrase_table: dict[tuple[str, ...], str] = {}
    if phrases:
        for phrase in en_phrases():
            words = tuple(_words(phrase))
            if words:
                key = tuple(singular(w) for w in words)
                phrase_table.setdefault(key, "_".join(words))  # first spelling listed wins
                table.setdefault(key, (phrase_table[key],))

    def merge(words: list[str]) -> tuple[str, ...]:
        words = [singular(w) for w in words]
        out, i = [], 0
        while i < len(words):
            for n in range(min(_MAX_NGRAM, len(words) - i), 0, -1):
                hit = phrase_table.get(tuple(words[i : i + n]))
                if hit is not None and (n > 1 or "_" in hit or hit != words[i]):
                    out.append(hit)
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return tuple(out)

    if artefacts:
        for artefact, canonical in en_mt_artefacts().items():
            key = tuple(singular(w) for w in _words(artefact))
            if key:
                table[key] = merge(_words(canonical))
    first_words = frozenset(k[0] for k in table)
    return table, first_words


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
    ) -> None:
        self.lowercase = lowercase
        self.artefacts = artefacts
        self.phrases = phrases
        self.stopwords = stopwords
        self.plurals = plurals
        self.drop_numbers = drop_numbers

    def __call__(self, text: str) -> list[str]:
        words = _words(text.lower() if self.lowercase else text)
        stop = en_stopwords() if self.stopwords else frozenset()
        drop_numbers = self.drop_numbers
        fold = singular if self.plurals else _same
        if self.artefacts or self.phrases:
            table, first_words = _ngram_table(self.artefacts, self.phrases)
        else:
            table, first_words = {}, frozenset()
        keys = [fold(w.lower()) for w in words]
        out: list[str] = []
        i, n_words = 0, len(words)
        while i < n_words:
            key = keys[i]
            if key in first_words:
                for n in range(min(_MAX_NGRAM, n_words - i), 0, -1):
                    hit = table.get(tuple(keys[i : i + n]))
                    if hit is not None:
                        out.extend(hit)
                        i += n
                        break
                else:
                    hit = None
                if hit is not None:
                    continue
            word = words[i]
            i += 1
            if word.lower() in stop or (drop_numbers and word.replace(".", "").isdigit()):
                continue
            out.append(fold(word) if self.lowercase else word)
        return out


def _same(word: str) -> str:
    return word
