"""Word, concept and word-pair counts of plain English paragraphs, by the compiled featurizer.

The classifier's word view counts, for each token of a paragraph, the token's
columns (itself and its concepts) and the column of each pair of consecutive
tokens. For ASCII text, ``_native.WordCounter`` does the English tokenizer's
steps on bytes and counts in C: the cleaning that can change tokens (control
characters, the corpus's ``spanaction`` artefacts, white space before a final
dot), then every distinct word is resolved once by :meth:`NativeWords._resolve`,
which asks the tokenizer itself (its phrase table, its memo of word forms), so
the tokens are the tokenizer's. Any other paragraph (not ASCII, or with the HTML
marks ``<`` and ``&``) is cleaned and tokenized by the tokenizer, and C counts
its tokens.
The tests compare both paths on real and random text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .._compiled import native
from ..tokenize import Tokenizer
from ..tokenize._english import _MAX_FORMS

__all__ = ["NativeWords"]

#: Tokens one counter learns from texts before it starts over (bounds memory on endless streams).
_MAX_TOKENS = 2_000_000
#: Longest phrase key the compiled matcher tries, in words.
_MAX_PHRASE = 16


class NativeWords:
    """Counts of the word view of many paragraphs, in one CSR block (compiled path).

    Build with :meth:`for_scorer`, which returns ``None`` when the compiled
    module is missing or the tokenizer's settings are ones it does not cover.
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        token_columns: Callable[[str], tuple[int, ...]],
        index: dict[str, int],
        ignored: frozenset[str],
    ) -> None:
        self._tokenizer = tokenizer
        self._token_columns = token_columns
        self._index = index
        self._ignored = ignored
        # reentrant: a callback calling back in gets an error from C, not a deadlock
        self._lock = threading.RLock()
        self._start()

    @classmethod
    def for_scorer(
        cls,
        tokenizer: Any,
        token_columns: Callable[[str], tuple[int, ...]],
        index: dict[str, int],
        ignored: frozenset[str],
    ) -> NativeWords | None:
        """A counter for these settings, or ``None`` when only the Python path applies."""
        if native() is None or type(tokenizer) is not Tokenizer:
            return None
        if tokenizer.lang not in ("auto", "en") or not tokenizer.lowercase:
            return None
        en = tokenizer._en
        if (en.artefacts or en.phrases) and max(
            (n for lengths in en._table[1].values() for n in lengths), default=0
        ) > _MAX_PHRASE:
            return None
        return cls(tokenizer, token_columns, index, ignored)

    def _start(self) -> None:
        module = native()
        assert module is not None
        self._ids: dict[str, int] = {}
        en = self._tokenizer._en
        replacements, self._first = en._table if (en.artefacts or en.phrases) else ({}, {})
        forms = en._forms
        phrases = {
            key: tuple(self._item(t) for t in map(forms.__getitem__, hit) if t)
            for key, hit in replacements.items()
            if " " in key
        }
        pairs = {}
        for feature, column in self._index.items():
            parts = feature.split(" ")
            if len(parts) == 2:
                pairs[(self._id(parts[0]), self._id(parts[1]))] = column
        self._counter = module.WordCounter(
            self._resolve, phrases, pairs, len(self._index), self._ids, self._item
        )
        self._registered = len(self._ids)  # the tokens of phrases and pairs, always there

    def _id(self, token: str) -> int:
        found = self._ids.get(token)
        if found is None:
            found = self._ids[token] = len(self._ids)
        return found

    def _item(self, token: str) -> tuple[int, tuple[int, ...], bool]:
        return self._id(token), tuple(self._token_columns(token)), token in self._ignored

    def _resolve(self, word: str) -> tuple[int, tuple[tuple[int, tuple[int, ...], bool], ...]]:
        """What the tokenizer makes of ``word`` when it starts no phrase: its tokens, and the
        lengths (bit n) of the phrases of two or more words it may start."""
        en = self._tokenizer._en
        if len(en._forms) > _MAX_FORMS:  # the tokenizer's own bound on its memo of word forms
            en._forms.clear()
        lengths = self._first.get(word, ())
        surface: list[str] = [word]
        if 1 in lengths:
            hit = en._table[0].get(word.rstrip("."))
            if hit is not None:
                surface = hit
        tokens = [t for t in map(en._forms.__getitem__, surface) if t]
        mask = sum(1 << n for n in lengths if n >= 2)
        return mask, tuple(self._item(t) for t in tokens)

    def accepts(self, text: str) -> bool:
        """True when the compiled path gives this text's tokens: ASCII text, without the HTML
        marks (``<``, ``&``) only the Python cleaning handles."""
        return bool(self._counter.accepts(text, self._tokenizer.normalize))

    def counts(self, texts: list[str], pairs: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, columns, counts) of the word view of ``texts``. Columns within a row are in
        the order they were first counted (not sorted)."""
        indptr, columns, counts = self.counts_raw(texts, pairs)
        return (
            np.frombuffer(indptr, dtype=np.int64),
            np.frombuffer(columns, dtype=np.int64),
            np.frombuffer(counts, dtype=np.float64),
        )

    def counts_raw(self, texts: list[str], pairs: bool) -> tuple[bytes, bytes, bytes]:
        """:meth:`counts` as the bytes of the three arrays (int64, int64, float64)."""
        result: tuple[bytes, bytes, bytes] = self._count(texts, pairs, None)
        return result

    def score(self, texts: list[str], pairs: bool, scoring: tuple[Any, ...]) -> None:
        """Score each text's word view as it is counted: ``scoring`` is ``(idf, coef_t,
        sublinear, scale, row_mask, out, totals)``, the last arguments of
        ``_native.tfidf_scores``, which fill ``out`` and ``totals`` the same way."""
        self._count(texts, pairs, scoring)

    def _count(self, texts: list[str], pairs: bool, scoring: tuple[Any, ...] | None) -> Any:
        with self._lock:
            if len(self._ids) > self._registered + _MAX_TOKENS:
                self._start()
            return self._counter.counts(
                texts, pairs, self._tokenizer.normalize, self._fallback, scoring
            )

    def _fallback(self, text: str) -> str | list[str]:
        """A text C does not tokenize itself: its cleaned form when that is plain ASCII (C takes
        it), else the tokenizer's tokens of it (C counts them)."""
        cleaned = self._tokenizer._cleaned(text)
        return cleaned[0] if cleaned[0].isascii() else self._tokenizer._tokens(*cleaned)

    def token_ids(self, text: str) -> list[int]:
        """Token ids of one accepted text (for tests: compare with the tokenizer's tokens)."""
        with self._lock:
            return list(self._counter.token_ids(text, self._tokenizer.normalize))

    def token_of_id(self) -> dict[int, str]:
        return {i: t for t, i in self._ids.items()}
