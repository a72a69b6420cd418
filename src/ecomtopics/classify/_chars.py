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

from .._compiled import native
from .._errors import InputError

__all__ = ["CharNgrams", "CharTable", "char_ngrams", "normalise_fast", "normalise_for_chars"]

_BITS = 21  # every Unicode code point fits in 21 bits, so 3 characters fit in 63
_SPACE = 32


def normalise_for_chars(text: str) -> str:
    """NFKC, lower case, runs of white space to one space, one space at each end.

    >>> normalise_for_chars("  Ｔｍａｌｌ   天猫 ")
    ' tmall 天猫 '
    """
    return " " + " ".join(unicodedata.normalize("NFKC", text).lower().split()) + " "


# Full-width ASCII forms and the ideographic space: the NFKC of each is one ASCII character,
# which is also its whole compatibility decomposition, so NFKC(s) == NFKC(translate(s)); when
# translate(s) is already NFKC (a quick check), that is the answer without a full normalisation.
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20


def normalise_fast(text: str) -> str:
    """The same string as :func:`normalise_for_chars`, skipping NFKC when the text is already NFKC.

    >>> normalise_fast("  Ｔｍａｌｌ   天猫 ") == normalise_for_chars("  Ｔｍａｌｌ   天猫 ")
    True
    """
    return " " + " ".join(_nfkc_lower(text).split()) + " "


def _nfkc_lower(text: str) -> str:
    """NFKC, lower case: :func:`normalise_fast` without its white-space steps (which the
    compiled counter does itself). The full-width forms are mapped first, by the compiled
    ``scan_text`` when it is built (``str.translate`` with a dict looks up every character)."""
    if not unicodedata.is_normalized("NFKC", text):
        module = native()
        text = module.scan_text(text)[0] if module is not None else text.translate(_FULL_WIDTH)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    return text.lower()


def _codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of the normalised texts, concatenated, and the text each belongs to."""
    joined = [normalise_fast(t) for t in texts]
    codes = np.frombuffer(
        "".join(joined).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    ).astype(np.uint64)
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


_MASK = (1 << _BITS) - 1
_EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)  # never a key: 3-grams use bits 0..62, the tags bits 62, 63
_TAG2 = np.uint64(1 << 63)  # 2-grams (< 2**42) tagged with bit 63
_TAG1 = np.uint64((1 << 63) | (1 << 62))  # 1-grams (< 2**21) tagged with bits 63 and 62
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _tagged(keys: np.ndarray, n: int) -> np.ndarray:
    keys = np.asarray(keys, dtype=np.uint64)
    return keys | _TAG1 if n == 1 else keys | _TAG2 if n == 2 else keys


def _hash(keys: np.ndarray, shift: np.uint64) -> np.ndarray:
    return ((keys ^ (keys >> np.uint64(29))) * _GOLDEN) >> shift


def _filters_redundant(keys_: dict[int, np.ndarray]) -> bool:
    """True when no n-gram the exact path drops (across two texts, with an inner space, the lone
    space) can be in the vocabulary, so looking up every position finds the same n-grams.

    Holds for every vocabulary :meth:`CharNgrams.fit` learns from texts with no empty or
    all-space text (those give the 2-gram of two spaces); checked, not assumed.
    """
    space = np.uint64(_SPACE)
    if 1 in keys_ and np.any(keys_[1] == space):
        return False
    if 2 in keys_ and np.any(keys_[2] == np.uint64((_SPACE << _BITS) | _SPACE)):
        return False
    return not (3 in keys_ and np.any(((keys_[3] >> np.uint64(_BITS)) & np.uint64(_MASK)) == space))


class CharTable:
    """The fitted n-grams of every size in one open-addressing hash table: packed key -> column.

    Keys are tagged with their size, so the n-grams of a batch are looked up with a few
    numpy calls, with no sort and no binary search. Columns follow :meth:`CharNgrams.counts`.
    """

    def __init__(self, keys_: dict[int, np.ndarray], load: float = 0.25) -> None:
        self.sizes = sorted(keys_)
        self.exact = _filters_redundant(keys_)
        parts, cols, offset = [], [], 0
        for n in self.sizes:
            parts.append(_tagged(keys_[n], n))
            cols.append(np.arange(offset, offset + len(keys_[n]), dtype=np.int64))
            offset += len(keys_[n])
        self.n_columns = offset
        keys = np.concatenate(parts) if parts else np.empty(0, np.uint64)
        columns = np.concatenate(cols) if cols else np.empty(0, np.int64)
        bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) / load))))
        self.mask = np.uint64((1 << bits) - 1)
        self.shift = np.uint64(64 - bits)
        self.table_keys = np.full(1 << bits, _EMPTY, dtype=np.uint64)
        self.table_cols = np.full(1 << bits, -1, dtype=np.int64)
        slot = _hash(keys, self.shift)
        pending = np.arange(len(keys))
        while len(pending):  # linear probing, one round of insertions at a time
            s = slot[pending]
            free = self.table_keys[s] == _EMPTY
            s_free, first = np.unique(s[free], return_index=True)
            winners = pending[free][first]
            self.table_keys[s_free] = keys[winners]
            self.table_cols[s_free] = columns[winners]
            placed = np.zeros(len(keys), bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + np.uint64(1)) & self.mask
        # the longest displacement of a stored key: a lookup needs at most max_probe + 1 slots
        home = _hash(keys, self.shift).astype(np.int64)
        where = np.empty(len(keys), np.int64)
        occupied = np.flatnonzero(self.table_keys != _EMPTY)
        where[self.table_cols[occupied]] = occupied
        self.max_probe = int(((where - home) % (1 << bits)).max()) if len(keys) else 0
        self._probe = np.arange(self.max_probe + 1, dtype=np.uint64)
        # 1-grams: a direct table over code points (its last entry, -1, catches larger ones)
        k1 = keys_.get(1, np.empty(0, np.uint64))
        self.lut1 = np.full(int(k1.max()) + 2 if len(k1) else 1, -1, dtype=np.int64)
        if len(k1):
            self.lut1[k1.astype(np.int64)] = np.arange(len(k1))  # 1-grams come first

    def compiled(self) -> Any:
        """The compiled counter over this table (``_native.CharCounter``), or ``None`` without it."""
        if not hasattr(self, "_compiled"):
            module = native()
            self._compiled = (
                module.CharCounter(
                    self.table_keys,
                    self.table_cols,
                    int(self.shift),
                    self.lut1,
                    sum(1 << n for n in self.sizes),
                    self.n_columns,
                )
                if module is not None
                else None
            )
        return self._compiled

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Column of each tagged key, -1 when it is not a fitted n-gram."""
        tk, tc, mask = self.table_keys, self.table_cols, self.mask
        slot = _hash(keys, self.shift)
        found = tk[slot]
        out = np.where(found == keys, tc[slot], -1)
        todo = np.flatnonzero((found != keys) & (found != _EMPTY))
        while len(todo):
            s = (slot[todo] + np.uint64(1)) & mask
            slot[todo] = s
            found = tk[s]
            hit = found == keys[todo]
            out[todo[hit]] = tc[s[hit]]
            todo = todo[(~hit) & (found != _EMPTY)]
        return out

    def positions(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position of the first character, column) of every fitted n-gram in ``codes``."""
        size = len(codes)
        parts_p, parts_c = [], []
        for n in self.sizes:
            m = size - n + 1
            if m <= 0:
                continue
            if n == 1:
                cols = self.lut1[np.minimum(codes, np.uint64(len(self.lut1) - 1))]
            else:
                keys = (codes[:m] << np.uint64(_BITS)) | codes[1 : 1 + m]
                if n == 2:
                    keys |= _TAG2
                else:
                    keys = (keys << np.uint64(_BITS)) | codes[2 : 2 + m]
                cols = self.lookup(keys)
            hit = np.flatnonzero(cols >= 0)
            parts_p.append(hit)
            parts_c.append(cols[hit])
        if not parts_p:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(parts_p), np.concatenate(parts_c)

    def counts_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns ascending, counts) of one text, n-grams of sizes 1 to 3 (the ``exact`` case):
        every n-gram in one key array and one fixed-width probe of the table."""
        c = np.frombuffer(
            normalise_fast(text).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        ).astype(np.uint64)
        k2 = (c[:-1] << np.uint64(_BITS)) | c[1:]
        keys = np.concatenate([c | _TAG1, k2 | _TAG2, (k2[:-1] << np.uint64(_BITS)) | c[2:]])
        slot = _hash(keys, self.shift)
        found = self.table_keys[slot]
        home = found == keys
        cols = self.table_cols[slot[home]]  # most keys are found, or ruled out, in their own slot
        displaced = np.flatnonzero(~home & (found != _EMPTY))
        if len(displaced):  # the rest: every later slot a stored key can have moved to, at once
            slots = (slot[displaced, None] + self._probe[1:]) & self.mask
            match = self.table_keys[slots] == keys[displaced, None]  # one match at most
            cols = np.concatenate([cols, self.table_cols[slots[match]]])
        cols, counts = np.unique(cols, return_counts=True)
        return cols, counts.astype(np.float64)


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
        self._table: CharTable | None = (
            None  # built on the first count, for the keys it was built from
        )
        self._table_keys: dict[int, np.ndarray] | None = None

    def _lookup_table(self) -> CharTable:
        if self._table is None or self._table_keys is not self.keys_:
            self._table = CharTable(self.keys_)
            self._table_keys = self.keys_
        return self._table

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

    def counts(
        self, texts: Sequence[str], chunk_chars: int = 6_000
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, count) of every known n-gram in ``texts``, sorted by row then column.

        Texts are counted in chunks of about ``chunk_chars`` characters through the
        hash table (no sort): the columns present in a chunk are renumbered densely, in
        order, and the (row, column) pairs counted with one ``bincount``.
        """
        table = self._lookup_table()
        if not table.exact:
            return self._counts_exact(texts)
        out_r, out_c, out_v = [], [], []
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        i = 0
        while i < len(texts):
            j = int(np.searchsorted(np.cumsum(lengths[i:]), chunk_chars, side="right")) + i + 1
            j = min(max(j, i + 1), len(texts))
            r, c, v = self._counts_chunk(table, texts[i:j])
            out_r.append(r + i)
            out_c.append(c)
            out_v.append(v)
            i = j
        if not out_r:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
        return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_v)

    @staticmethod
    def _counts_chunk(
        table: CharTable, texts: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        joined = [normalise_fast(t) for t in texts]
        codes = np.frombuffer(
            "".join(joined).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        ).astype(np.uint64)
        n_cols = table.n_columns
        if not len(codes) or not n_cols:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
        owner = np.repeat(
            np.arange(len(texts), dtype=np.int64),
            np.fromiter(map(len, joined), dtype=np.int64, count=len(joined)),
        )
        pos, cols = table.positions(codes)
        rows = owner[pos]
        present = np.bincount(cols, minlength=n_cols) > 0
        columns = np.flatnonzero(present)
        local = np.cumsum(present) - 1
        width = len(columns)
        cells = np.bincount(rows * width + local[cols], minlength=len(texts) * width)
        nz = np.flatnonzero(cells)
        return nz // width, columns[nz % width], cells[nz].astype(np.float64)

    def csr(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(indptr, columns, counts) of ``texts`` by the compiled featurizer, columns of a row in
        order of first occurrence; ``None`` when it is not built (use :meth:`counts`)."""
        raw = self.csr_raw(texts)
        if raw is None:
            return None
        return (
            np.frombuffer(raw[0], dtype=np.int64),
            np.frombuffer(raw[1], dtype=np.int64),
            np.frombuffer(raw[2], dtype=np.float64),
        )

    def csr_raw(self, texts: Sequence[str]) -> tuple[bytes, bytes, bytes] | None:
        """:meth:`csr` as the bytes of the three arrays (int64, int64, float64)."""
        counter = self._compiled_counter()
        if counter is None:
            return None
        result: tuple[bytes, bytes, bytes] = counter.counts(self._prepared(texts))
        return result

    def score(self, texts: Sequence[str], scoring: tuple[Any, ...]) -> bool:
        """Score each text's n-grams as they are counted, by the compiled featurizer:
        ``scoring`` is ``(idf, coef_t, sublinear, scale, row_mask, out, totals)``, the last
        arguments of ``_native.tfidf_scores``, which fill ``out`` and ``totals`` the same way.
        ``False`` (nothing done) when it is not built."""
        counter = self._compiled_counter()
        if counter is None:
            return False
        counter.counts(self._prepared(texts), scoring)
        return True

    def _compiled_counter(self) -> Any:
        table = self._lookup_table() if self.keys_ else None
        return table.compiled() if table is not None else None

    @staticmethod
    def _prepared(texts: Sequence[str]) -> list[str]:
        """What the compiled counter takes: ASCII text as it is (it folds the case itself),
        any other text in NFKC and lower case."""
        return [t if t.isascii() else _nfkc_lower(t) for t in texts]

    def counts_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns ascending, counts) of the known n-grams of one text (one-paragraph calls)."""
        table = self._lookup_table()
        if not table.exact or table.sizes != [1, 2, 3]:
            _, cols, counts = self.counts([text])
            return cols, counts
        return table.counts_one(text)

    def _counts_exact(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`counts` by the definition: every n-gram filtered, looked up by binary search."""
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
