"""Character n-grams: the classifier's second view, which needs no token list.

Words the lexicons and the segmenter do not know (a new tool's name, an odd
machine translation, a Chinese compound cut in the wrong place) still share
character n-grams with words the model has seen.

A text is normalised (NFKC, lower case, runs of whitespace to one space, one
space at each end); its n-grams are every ``n`` consecutive characters
(``low <= n <= high``) except the lone space and n-grams with a space inside,
so they never span two words. Each n-gram is packed exactly into one
integer (21 bits a code point), so a whole batch is counted with a few numpy
calls and no Python loop over characters.

>>> char_ngrams("Tmall 线下", (2, 3))
[' t', 'tm', 'ma', 'al', 'll', 'l ', ' 线', '线下', '下 ', ' tm', 'tma', 'mal', 'all', 'll ', ' 线下', '线下 ']
>>> vectorizer = CharNgrams((1, 2), min_df=1).fit(["线下门店", "offline store"])
>>> counts = vectorizer.transform(["线下 offline"])
>>> sorted(vectorizer.feature_names()[j] for j in counts.indices)[:4]
[' o', ' 线', 'e', 'e ']
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._errors import InputError

__all__ = ["CharNgrams", "char_ngrams", "normalise_for_chars"]

_BITS = 21  # every Unicode code point fits in 21 bits, so 3 characters fit in 63
_SPACE = 32


def normalise_for_chars(text: str) -> str:
    """NFKC, lower case, runs of white space to one space, one space at each end.

    >>> normalise_for_chars("  Ｔｍａｌｌ   天猫 ")
    ' tmall 天猫 '
    """
    return " " + " ".join(unicodedata.normalize("NFKC", text).lower().split()) + " "


def _codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of the normalised texts, concatenated, and the text each belongs to."""
    joined = [normalise_for_chars(t) for t in texts]
    codes = np.frombuffer("".join(joined).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), [len(s) for s in joined])
    return codes, owner


def _keys(codes: np.ndarray, owner: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Packed n-grams and their text, dropping n-grams across texts, with an inner space, or a lone space."""
    size = len(codes) - n + 1
    if size <= 0:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    keys = codes[:size].copy()
    for k in range(1, n):
        keys = (keys << np.uint64(_BITS)) | codes[k : k + size]
    keep = owner[:size] == owner[n - 1 : n - 1 + size]
    if n == 1:
        keep &= codes[:size] != _SPACE
    for k in range(1, n - 1):
        keep &= codes[k : k + size] != _SPACE
    return keys[keep], owner[:size][keep]


def _decode(key: int, n: int) -> str:
    mask = (1 << _BITS) - 1
    return "".join(chr((key >> (_BITS * (n - 1 - k))) & mask) for k in range(n))


def char_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """The character n-grams of ``text``: all of size ``low``, then ``low + 1`` … (for reading and tests)."""
    codes, owner = _codes([text])
    return [
        _decode(int(key), n)
        for n in range(ngram_range[0], ngram_range[1] + 1)
        for key in _keys(codes, owner, n)[0]
    ]


class CharNgrams:
    """Count character n-grams of a fixed vocabulary (learnt by :meth:`fit`) in batches.

    Parameters
    ----------
    ngram_range : (int, int)
        Sizes of the n-grams, ``1 <= low <= high <= 3``.
    min_df : int
        Keep n-grams seen in at least this many training texts.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 3), min_df: int = 2) -> None:
        low, high = ngram_range
        if not 1 <= low <= high <= 3:
            raise InputError(f"char_ngrams must satisfy 1 <= low <= high <= 3, got {ngram_range!r}")
        self.ngram_range = (int(low), int(high))
        self.min_df = int(min_df)
        self.keys_: dict[int, np.ndarray] = {}

    def fit(self, texts: Sequence[str]) -> CharNgrams:
        codes, owner = _codes(texts)
        self.keys_ = {}
        for n in range(self.ngram_range[0], self.ngram_range[1] + 1):
            keys, rows = _keys(codes, owner, n)
            pairs = np.unique(
                np.stack([keys, rows.astype(np.uint64)]), axis=1
            )  # one per (n-gram, text)
            unique, df = np.unique(pairs[0], return_counts=True)
            self.keys_[n] = unique[df >= self.min_df]
        return self

    @classmethod
    def from_keys(
        cls, ngram_range: tuple[int, int], keys: np.ndarray, sizes: np.ndarray
    ) -> CharNgrams:
        """Rebuild a fitted vocabulary from :meth:`vocabulary_arrays`."""
        out = cls(tuple(ngram_range), min_df=1)  # type: ignore[arg-type]
        keys = np.asarray(keys, dtype=np.uint64)
        sizes = np.asarray(sizes, dtype=np.int64)
        out.keys_ = {n: keys[sizes == n] for n in range(out.ngram_range[0], out.ngram_range[1] + 1)}
        for n, k in out.keys_.items():
            if len(k) > 1 and not np.all(k[1:] > k[:-1]):
                raise InputError(
                    f"stored character {n}-grams are not sorted and unique; the model files are damaged"
                )
        return out

    def vocabulary_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(packed keys, n-gram sizes), in column order."""
        keys = (
            np.concatenate([self.keys_[n] for n in sorted(self.keys_)])
            if self.keys_
            else np.empty(0, np.uint64)
        )
        sizes = (
            np.concatenate([np.full(len(self.keys_[n]), n, np.int64) for n in sorted(self.keys_)])
            if self.keys_
            else np.empty(0, np.int64)
        )
        return keys, sizes

    def __len__(self) -> int:
        return sum(len(k) for k in self.keys_.values())

    def feature_names(self) -> list[str]:
        return [_decode(int(k), n) for n in sorted(self.keys_) for k in self.keys_[n]]

    def counts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, count) of every known n-gram in ``texts``, sorted by row then column."""
        codes, owner = _codes(texts)
        rows_all, cols_all = [], []
        offset = 0
        for n in sorted(self.keys_):
            vocab = self.keys_[n]
            keys, rows = _keys(codes, owner, n)
            if len(vocab) and len(keys):
                pos = np.searchsorted(vocab, keys)
                pos[pos == len(vocab)] = 0
                hit = vocab[pos] == keys
                rows_all.append(rows[hit])
                cols_all.append(pos[hit] + offset)
            offset += len(vocab)
        if not rows_all:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
        rows = np.concatenate(rows_all)
        cols = np.concatenate(cols_all).astype(np.int64)
        cells, counts = np.unique(rows * max(offset, 1) + cols, return_counts=True)
        return cells // max(offset, 1), cells % max(offset, 1), counts.astype(np.float64)

    def transform(self, texts: Sequence[str]) -> Any:
        """Counts as a scipy CSR matrix (texts x n-grams)."""
        from scipy.sparse import csr_matrix

        rows, cols, counts = self.counts(texts)
        return csr_matrix((counts, (rows, cols)), shape=(len(texts), len(self)))
