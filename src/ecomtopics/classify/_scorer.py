"""The lean scoring path of the theme classifier: its fitted linear TF-IDF model, compiled for numpy.

Scoring runs on the fitted arrays with numpy only (no scikit-learn import):
the TF-IDF rows of both views (words and concepts; character n-grams) are
built directly as a sparse matrix and multiplied by the coefficients, and a
call with a few paragraphs is scored one paragraph at a time with a handful of
numpy calls on small arrays (no scipy), which beats building a sparse matrix. :class:`LinearScorer` holds these methods; the
:class:`~ecomtopics.classify.ThemeClassifier` inherits them and provides the
fitted attributes they read.
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

from .._compiled import native
from .._validation import Memo
from ._chars import CharNgrams
from ._words import NativeWords

if TYPE_CHECKING:  # pragma: no cover
    from ..features import Analyzer

__all__ = ["CHAR_PREFIX", "OTHER", "LinearScorer"]

OTHER = "other"
#: Prefix of character n-gram features in :meth:`ThemeClassifier.explain` and ``feature_names_``.
CHAR_PREFIX = "~"

#: Two tokens as the analyzer joins them into a word-pair feature.
_pair = "{} {}".format


class LinearScorer:
    """Scores paragraphs with a fitted linear model over TF-IDF features (the classifier's lean path).

    The class using it sets the fitted attributes below and ``_analyzer()``;
    :meth:`_prepare` compiles them into the lookups scoring uses.
    """

    # fitted by the classifier (annotations only: these are not class attributes)
    classes_: np.ndarray  # of str
    vocabulary_: list[str]
    idf_: np.ndarray
    coef_: np.ndarray
    intercept_: np.ndarray
    char_keys_: Any  # ndarray, or None without the character view
    char_sizes_: Any  # ndarray, or None without the character view
    char_idf_: Any  # ndarray, or None without the character view
    temperature_: float
    char_ngrams: tuple[int, int] | None
    char_weight: float
    ngram_range: tuple[int, int]
    sublinear_tf: bool
    C: float

    if TYPE_CHECKING:  # provided by the classifier and EstimatorMixin

        def _analyzer(self) -> Analyzer: ...

        def _check_fitted(self, attribute: str) -> None: ...

    def _prepare(self) -> None:
        self._index = dict(zip(self.vocabulary_, range(len(self.vocabulary_))))
        self._analyzer_ = self._analyzer()
        self._tokenizer_ = self._analyzer_.tokenizer
        classes = self.classes_.tolist()
        self._other = classes.index(OTHER) if OTHER in classes else None
        self._coef_t = np.ascontiguousarray(self.coef_.T)
        n_words = len(self.vocabulary_)  # the two views' rows, each contiguous
        self._split_coef_t = (self._coef_t[:n_words], self._coef_t[n_words:])
        low, high = self.ngram_range
        # the fast path (a memo of each token's columns) covers tokens and word pairs
        self._columns = Memo(self._token_columns) if low == 1 and high <= 2 else None
        self._pairs = high == 2
        self._ignored = self._analyzer_.ignored_tokens
        keys = getattr(self, "char_keys_", None)
        self._chars = (
            CharNgrams.from_keys(tuple(self.char_ngrams), keys, self.char_sizes_)  # type: ignore[arg-type]
            if keys is not None and len(keys)
            else None
        )
        self._idf_all = (  # idf of every column: words and concepts, then character n-grams
            np.concatenate([self.idf_, self.char_idf_]) if self._chars is not None else self.idf_
        )
        self._feature_names: list[str] | None = None
        self._both_coef_t: np.ndarray | None = None
        # the compiled featurizer (None: Python only); its word counter is built on first use
        self._native = native()
        self._native_words: NativeWords | None | bool = False

    def _word_counter(self) -> NativeWords | None:
        """The compiled word counter, built on first use (``None``: the Python path counts)."""
        words = self._native_words
        if words is False:
            words = self._native_words = (
                NativeWords.for_scorer(
                    self._tokenizer_, self._token_columns, self._index, self._ignored
                )
                if self._columns is not None and self._native is not None
                else None
            )
        return words  # type: ignore[return-value]

    #: What :meth:`_prepare` compiles from the fitted attributes (rebuilt after unpickling).
    _PREPARED = (
        "_index",
        "_analyzer_",
        "_tokenizer_",
        "_other",
        "_coef_t",
        "_split_coef_t",
        "_columns",
        "_pairs",
        "_ignored",
        "_chars",
        "_idf_all",
        "_feature_names",
        "_native",
        "_native_words",
        "_both_coef_t",
    )

    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in self._PREPARED}
        state["_index"] = None  # prepared again on first use
        return state

    def _token_columns(self, token: str) -> tuple[int, ...]:
        """Columns a token feeds: itself and, with concepts, its concept features."""
        features = self._analyzer_.features_of_token(token)
        return tuple(self._index[f] for f in features if f in self._index)

    def _ensure_ready(self) -> None:
        self._check_fitted("coef_")
        if getattr(self, "_index", None) is None:
            self._prepare()

    @property
    def feature_names_(self) -> list[str]:
        """Names of the columns of ``coef_``: words and concepts, then ``~`` + character n-gram."""
        self._ensure_ready()
        if self._feature_names is None:
            chars = (
                [CHAR_PREFIX + g for g in self._chars.feature_names()]
                if self._chars is not None
                else []
            )
            self._feature_names = list(self.vocabulary_) + chars
        return self._feature_names

    def _counts(self, text: str) -> dict[int, int]:
        """Column -> count of the word and concept features of ``text``."""
        if self._columns is not None:  # the fast path: per-token memo, counting in C
            columns = self._columns
            if len(columns) > 1_000_000:
                columns.clear()
            tokens = self._tokenizer_(text)
            counts = Counter(chain.from_iterable(map(columns.__getitem__, tokens)))
            if self._pairs:  # word pairs of the tokens left once ignored names are out
                if self._ignored:
                    tokens = [t for t in tokens if t not in self._ignored]
                counts.update(map(self._index.get, map(_pair, tokens, tokens[1:])))
                counts.pop(None, None)
            return counts
        index = self._index
        return Counter(j for j in map(index.get, self._analyzer_(text)) if j is not None)

    def _scores_one(self, text: str) -> tuple[np.ndarray, bool]:
        """Uncalibrated scores of one text: by the compiled featurizer when it is built, else both
        views' TF-IDF values in one small array, one gather of coefficient rows and one product
        (a handful of numpy calls, no scipy)."""
        if self._native is not None:
            scores, n_tokens = self._batch_scores([text], self._coef_t)
            return scores[0] + self.intercept_, bool(n_tokens[0] == 0)
        counts = self._counts(text)
        if not counts:
            return self.intercept_.copy(), True
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self.sublinear_tf:
            values = np.log(values) + 1.0
        values *= self._idf_all[columns]
        values *= 1.0 / math.sqrt(values @ values)
        if self._chars is not None:
            char_columns, char_values = self._chars.counts_one(text)
            if len(char_columns):
                char_columns = char_columns + len(self.vocabulary_)
                if self.sublinear_tf:
                    char_values = np.log(char_values) + 1.0
                char_values = char_values * self._idf_all[char_columns]
                char_values *= float(self.char_weight) / math.sqrt(char_values @ char_values)
                columns = np.concatenate([columns, char_columns])
                values = np.concatenate([values, char_values])
        return values @ self._coef_t[columns] + self.intercept_, False

    def _proba_one(self, text: str) -> np.ndarray:
        scores, empty = self._scores_one(text)
        if empty:
            k = len(self.classes_)
            if self._other is None:
                return np.full(k, 1.0 / k)
            proba = np.zeros(k)
            proba[self._other] = 1.0
            return proba
        z = scores / self.temperature_
        z -= z.max()
        e = np.exp(z)
        return e / e.sum()

    def _features(self, texts: list[str]) -> tuple[Any, np.ndarray]:
        """TF-IDF rows of ``texts`` (scipy CSR, both views) and each text's count of word features."""
        matrix, n_tokens, _ = self._features_and_counts(texts, with_counts=False)
        return matrix, n_tokens

    def _word_csr(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, columns, counts) of the word and concept features of ``texts``."""
        words = self._word_counter()
        if words is not None:
            return words.counts(texts, self._pairs)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        columns: list[int] = []
        counts: list[int] = []
        for i, text in enumerate(texts):
            c = self._counts(text)
            columns.extend(c.keys())
            counts.extend(c.values())
            indptr[i + 1] = len(columns)
        return indptr, np.asarray(columns, dtype=np.int64), np.asarray(counts, dtype=np.float64)

    def _char_csr(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, columns, counts) of the character n-grams of ``texts`` (the view must exist)."""
        assert self._chars is not None
        compiled = self._chars.csr(texts)
        if compiled is not None:
            return compiled
        rows, columns, counts = self._chars.counts(texts)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
        return indptr, columns, counts

    def _batch_scores(self, texts: list[str], coef_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(TF-IDF rows of ``texts`` @ ``coef_t``, each text's count of word features).

        With the compiled featurizer, the TF-IDF rows are never built: each text's counts of a
        view are weighted, normalised and multiplied by their coefficient rows as soon as they
        are counted, in one C loop (nothing the size of the batch is kept but the scores).
        """
        module = self._native
        if module is None:
            matrix, n_tokens = self._features(texts)
            return np.asarray(matrix @ coef_t), n_tokens
        n_words = len(self.vocabulary_)
        split = self._split_coef_t if coef_t is self._coef_t else None
        if split is None:
            split = (np.ascontiguousarray(coef_t[:n_words]), np.ascontiguousarray(coef_t[n_words:]))
        n_tokens = np.zeros(len(texts))
        if coef_t.shape[1] <= _MAX_SCORED:
            return self._scored(module, texts, None, split, n_tokens), n_tokens
        # the C loop scores at most _MAX_SCORED columns at a time: count once, score in blocks
        words = self._word_counter()  # both counters' bytes go to C as they are
        word_counts: Any = (
            words.counts_raw(texts, self._pairs) if words is not None else self._word_csr(texts)
        )
        char_counts: Any = None
        if self._chars is not None:
            char_counts = self._chars.csr_raw(texts) or self._char_csr(texts)
        blocks = []
        for start in range(0, coef_t.shape[1], _MAX_SCORED):
            block = tuple(np.ascontiguousarray(c[:, start : start + _MAX_SCORED]) for c in split)
            n_tokens[:] = 0.0
            blocks.append(self._scored(module, texts, (word_counts, char_counts), block, n_tokens))
        return np.hstack(blocks), n_tokens

    def _scored(
        self,
        module: Any,
        texts: list[str],
        counted: tuple[Any, Any] | None,
        split: Any,
        n_tokens: np.ndarray,
    ) -> np.ndarray:
        """Both views' TF-IDF rows times their coefficient rows (``split``), in C; fills
        ``n_tokens`` with each text's count of word features. ``counted``: both views' CSR
        blocks of ``texts`` when they are counted already, else ``None`` (each view's counter
        scores the texts as it counts them)."""
        scores = np.zeros((len(n_tokens), split[0].shape[1]))
        word_spec = (self.idf_, split[0], self.sublinear_tf, 1.0, None, scores, n_tokens)
        words = self._word_counter()
        if counted is not None:
            module.tfidf_scores(*counted[0], *word_spec)
        elif words is not None:
            words.score(texts, self._pairs, word_spec)
        else:
            module.tfidf_scores(*self._word_csr(texts), *word_spec)
        if self._chars is None:
            return scores
        # a text without word features stays featureless (other)
        char_spec = (
            self.char_idf_,
            split[1],
            self.sublinear_tf,
            float(self.char_weight),
            (n_tokens > 0).view(np.uint8),
            scores,
            np.zeros(len(n_tokens)),
        )
        if counted is not None:
            module.tfidf_scores(*counted[1], *char_spec)
        elif not self._chars.score(texts, char_spec):
            module.tfidf_scores(*self._char_csr(texts), *char_spec)
        return scores

    def _features_and_counts(
        self, texts: list[str], with_counts: bool = True
    ) -> tuple[Any, np.ndarray, Any]:
        """:meth:`_features`, and with ``with_counts`` the raw counts behind them (CSR, same columns).

        Within a row, columns are in the order they were counted (not sorted).
        """
        from scipy.sparse import csr_matrix, hstack

        n = len(texts)
        n_words = len(self.vocabulary_)
        indptr, columns, tf = self._word_csr(texts)
        rows = np.repeat(np.arange(n), np.diff(indptr))
        n_tokens = np.bincount(rows, weights=tf, minlength=n)
        values = _tfidf_values(tf, self.idf_[columns], rows, n, self.sublinear_tf, 1.0)
        views = [csr_matrix((values, columns, indptr), shape=(n, n_words))]
        raws = [csr_matrix((tf, columns, indptr), shape=(n, n_words))] if with_counts else []
        if self._chars is not None:
            indptr, columns, tf = self._char_csr(texts)
            rows = np.repeat(np.arange(n), np.diff(indptr))
            keep = n_tokens[rows] > 0  # a text without word features stays featureless (other)
            if not keep.all():
                rows, columns, tf = rows[keep], columns[keep], tf[keep]
                indptr = np.zeros(n + 1, dtype=np.int64)
                np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
            values = _tfidf_values(
                tf,
                self.char_idf_[columns],
                rows,
                n,
                self.sublinear_tf,
                float(self.char_weight),
            )
            shape = (n, len(self._chars))
            views.append(csr_matrix((values, columns, indptr), shape=shape))
            if with_counts:
                raws.append(csr_matrix((tf, columns, indptr), shape=shape))
        matrix = views[0] if len(views) == 1 else hstack(views, format="csr")
        raw = None
        if with_counts:
            raw = raws[0] if len(raws) == 1 else hstack(raws, format="csr")
        return matrix, n_tokens, raw

    def _rest_scores(self, counts: Any, coef_t: Any = None, intercept: Any = None) -> np.ndarray:
        """Uncalibrated scores of the rest of the document for each paragraph.

        ``counts`` are the raw counts of the paragraphs of ONE document; row
        ``i`` is scored as one text whose counts are the document's minus
        paragraph ``i``'s, through the same TF-IDF as a paragraph. Rows are
        scored in blocks over the document's columns only. ``coef_t`` and
        ``intercept`` default to the fitted model's (training passes a
        fold's).
        """
        coef_t = self._coef_t if coef_t is None else coef_t
        intercept = self.intercept_ if intercept is None else intercept
        n = counts.shape[0]
        total = np.asarray(counts.sum(axis=0)).ravel()
        columns = np.flatnonzero(total)
        out = np.tile(np.asarray(intercept, dtype=np.float64), (n, 1))
        if n < 2 or not len(columns):
            return out
        is_char = columns >= len(self.vocabulary_)
        idf = self._idf_all[columns]
        weights = coef_t[columns]
        for start in range(0, n, _REST_BLOCK):
            block = counts[start : start + _REST_BLOCK][:, columns].toarray()
            rest = total[columns] - block
            values = _tf(rest, self.sublinear_tf) * idf
            word_norm = np.sqrt((values[:, ~is_char] ** 2).sum(axis=1))
            char_norm = np.sqrt((values[:, is_char] ** 2).sum(axis=1))
            has_words = word_norm > 0  # as for a paragraph: no word features, no character view
            scale = np.where(
                is_char,
                float(self.char_weight) / np.where(char_norm > 0, char_norm, 1.0)[:, None],
                1.0 / np.where(has_words, word_norm, 1.0)[:, None],
            )
            scores = (values * scale * has_words[:, None]) @ weights + intercept
            out[start : start + len(block)] = scores
        return out

    def _matrix(self, texts: list[str]) -> Any:
        return self._features(texts)[0]

    def _scores_of_matrix(self, matrix: Any) -> np.ndarray:
        return np.asarray(matrix @ self._coef_t) + self.intercept_

    def _proba_of_matrix(self, matrix: Any, empty: np.ndarray) -> np.ndarray:
        return self._softmax(self._scores_of_matrix(matrix), empty)

    def _softmax(self, scores: np.ndarray, empty: np.ndarray) -> np.ndarray:
        z = scores / self.temperature_
        z = z - z.max(axis=1, keepdims=True)
        proba = np.exp(z)
        proba /= proba.sum(axis=1, keepdims=True)
        if empty.any():
            proba[empty] = 0.0
            if self._other is not None:
                proba[empty, self._other] = 1.0
            else:
                proba[empty] = 1.0 / len(self.classes_)
        return proba

    def to_sklearn(self) -> Any:
        """The equivalent scikit-learn ``Pipeline`` (TF-IDF + logistic regression, uncalibrated).

        With the character view, the features are a ``FeatureUnion`` of the
        word and the character ``TfidfVectorizer`` (weighted by
        ``char_weight``). Its ``decision_function`` equals ours; its
        ``predict_proba`` equals ours when ``temperature_`` is 1, except for
        paragraphs with no known word or concept feature (empty, only
        stopwords or platform names), which we define as ``other`` and the
        pipeline scores by their character n-grams and the intercepts. The
        context stage has no scikit-learn counterpart here: the pipeline
        scores paragraphs one by one, as :meth:`predict_proba` does.
        """
        from functools import partial

        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, Pipeline

        from ._chars import char_ngrams

        self._ensure_ready()
        vectorizer = TfidfVectorizer(
            analyzer=self._analyzer(),
            lowercase=False,
            token_pattern=None,
            vocabulary=self.vocabulary_,
            sublinear_tf=self.sublinear_tf,
            dtype=np.float64,
        )
        vectorizer.fit(["placeholder"])  # fixed vocabulary: sets it up without learning
        vectorizer.idf_ = self.idf_
        features: Any = vectorizer
        if self._chars is not None:
            chars = TfidfVectorizer(
                analyzer=partial(char_ngrams, ngram_range=self._chars.ngram_range),
                lowercase=False,
                token_pattern=None,
                vocabulary=self._chars.feature_names(),
                sublinear_tf=self.sublinear_tf,
                dtype=np.float64,
            )
            chars.fit(["placeholder"])
            chars.idf_ = self.char_idf_
            features = FeatureUnion(
                [("words", vectorizer), ("chars", chars)],
                transformer_weights={"chars": float(self.char_weight)},
            )
        model = LogisticRegression(C=self.C)
        model.classes_ = np.asarray(self.classes_.tolist())
        if len(self.classes_) == 2:  # scikit-learn's binary form: one row, class 1 vs class 0
            model.coef_ = (self.coef_[1] - self.coef_[0]).reshape(1, -1)
            model.intercept_ = np.array([self.intercept_[1] - self.intercept_[0]])
        else:
            model.coef_ = self.coef_.copy()
            model.intercept_ = self.intercept_.copy()
        model.n_features_in_ = self.coef_.shape[1]
        return Pipeline([("tfidf", features), ("model", model)])


#: Columns of scores the compiled TF-IDF product computes in one pass (its fixed accumulator).
_MAX_SCORED = 64

#: Paragraphs scored together by :meth:`LinearScorer._rest_scores` (bounds its memory).
_REST_BLOCK = 64


def _tf(counts: np.ndarray, sublinear: bool) -> np.ndarray:
    """Term frequencies as TF-IDF uses them: 1 + log(count) for counts above 0 when ``sublinear``."""
    if not sublinear:
        return counts
    positive = counts > 0
    return np.where(positive, np.log(np.where(positive, counts, 1.0)) + 1.0, 0.0)


def _tfidf_values(
    tf: np.ndarray, idf: np.ndarray, rows: np.ndarray, n_rows: int, sublinear: bool, scale: float
) -> np.ndarray:
    """TF-IDF values of one view, each row L2-normalised and multiplied by ``scale``."""
    if sublinear:
        tf = np.log(tf) + 1.0
    values = tf * idf
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_rows))
    return values * (scale / norms[rows]) if len(values) else values


def _softmax_rows(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _multinomial_form(coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row of coefficients per class, also for scikit-learn's binary (one-row) form."""
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64)
    if coef.shape[0] == 1:
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return np.ascontiguousarray(coef), intercept
