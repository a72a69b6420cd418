"""Features of text: the analyzer our models share, and TF-IDF keywords (scikit-learn).

>>> tfidf = Tfidf().fit(["天猫双十一线上线下融合", "天猫 flagship stores", "天猫服务商与商家"])
>>> [term for term, _ in tfidf.keywords("天猫线上线下融合", top_n=2)]
['线上线下', '融合']
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, cast

import numpy as np

from ._errors import InputError
from ._estimator import EstimatorMixin
from ._validation import Interval, IntPair, check_text, check_texts
from .tokenize import Tokenizer, concepts, platform_names

__all__ = ["Analyzer", "Tfidf"]

logger = logging.getLogger(__name__)

#: Prefix of the bilingual concept features, so they never clash with words.
CONCEPT_PREFIX = "@"


class Analyzer:
    """Text -> features: our tokens, optional word n-grams, optional bilingual concepts.

    Parameters
    ----------
    tokenizer_params : dict, optional
        Settings for :class:`~ecomtopics.Tokenizer` (defaults if None).
    ngram_range : (int, int)
        Word n-grams of the tokens, joined by a space (``(1, 1)``: tokens only).
    concepts : bool
        Add one ``@concept`` feature per token that expresses a concept of the
        bilingual lexicon (``线下`` and ``offline`` both give ``@offline_retail``).
    ignore_platform_names : bool
        Leave out the platform names of the ``platform_names.txt`` lexicon
        (Tmall, 淘宝, "platform" …), which real text uses whatever its theme.

    >>> Analyzer(concepts=True)("线下门店 and offline stores")
    ['线下门店', 'offline_store', '@offline_retail', '@offline_retail']
    >>> Analyzer(ignore_platform_names=True)("天猫的线下门店")
    ['线下门店']
    """

    def __init__(
        self,
        tokenizer_params: dict[str, Any] | None = None,
        ngram_range: tuple[int, int] = (1, 1),
        concepts: bool = False,
        ignore_platform_names: bool = False,
    ) -> None:
        low, high = ngram_range
        if not 1 <= low <= high <= 4:
            raise InputError(f"ngram_range must satisfy 1 <= low <= high <= 4, got {ngram_range!r}")
        self.tokenizer_params = dict(tokenizer_params or {})
        self.ngram_range = (int(low), int(high))
        self.concepts = concepts
        self.ignore_platform_names = ignore_platform_names
        self.tokenizer = Tokenizer(**self.tokenizer_params)
        self._ignored = platform_names() if ignore_platform_names else frozenset()

    def __call__(self, text: str) -> list[str]:
        tokens = self.tokenizer(text)
        if self._ignored:
            tokens = [t for t in tokens if t not in self._ignored]
        low, high = self.ngram_range
        features = tokens if low == 1 else []
        for n in range(max(2, low), high + 1):
            features = features + [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        if self.concepts:
            table = concepts()
            features = features + [CONCEPT_PREFIX + c for t in tokens for c in table.get(t, ())]
        return features

    def features_of_token(self, token: str) -> list[str]:
        """The unigram features one token gives: itself and its concepts (none if ignored)."""
        if token in self._ignored:
            return []
        if self.concepts:
            return [token, *(CONCEPT_PREFIX + c for c in concepts().get(token, ()))]
        return [token]

    def get_params(self) -> dict[str, Any]:
        return {
            "tokenizer_params": self.tokenizer_params,
            "ngram_range": list(self.ngram_range),
            "concepts": self.concepts,
            "ignore_platform_names": self.ignore_platform_names,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            Analyzer,
            (self.tokenizer_params, self.ngram_range, self.concepts, self.ignore_platform_names),
        )


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class Tfidf(EstimatorMixin):
    """TF-IDF over our bilingual tokenizer (scikit-learn's ``TfidfVectorizer``).

    scikit-learn's default ``token_pattern`` would make a whole Chinese clause
    one token and drop one-character words; here every text goes through
    :class:`~ecomtopics.Tokenizer` instead (``token_pattern=None``).

    Parameters
    ----------
    tokenizer_params : dict, optional
        Settings for the tokenizer.
    ngram_range : (int, int)
        Word n-grams over our tokens.
    min_df, max_df : int or float
        As in ``TfidfVectorizer``: ignore rarer or more common terms.
    sublinear_tf : bool
        Use 1 + log(tf).
    max_features : int, optional
        Keep the most frequent terms only.

    Attributes
    ----------
    vocabulary_ : list of str
        Terms, in column order.
    idf_ : ndarray of shape (n_terms,)
    """

    _store_kind: ClassVar[str] = "tfidf"
    _store_format: ClassVar[int] = 1
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "tokenizer_params": [dict, None],
        "ngram_range": [IntPair(1, 4)],
        "min_df": [Interval("int", 1, None), Interval("float", 0, 1)],
        "max_df": [Interval("int", 1, None), Interval("float", 0, 1)],
        "sublinear_tf": [bool],
        "max_features": [Interval("int", 1, None), None],
    }

    def __init__(
        self,
        tokenizer_params: dict[str, Any] | None = None,
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int | float = 1,
        max_df: int | float = 1.0,
        sublinear_tf: bool = True,
        max_features: int | None = None,
    ) -> None:
        self.tokenizer_params = tokenizer_params
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf
        self.max_features = max_features

    def _analyzer(self) -> Analyzer:
        ngram_range = cast("tuple[int, int]", tuple(self.ngram_range))
        return Analyzer(self.tokenizer_params, ngram_range, concepts=False)

    def _vectorizer(self, vocabulary: Sequence[str] | None = None) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer=_identity,
            token_pattern=None,
            lowercase=False,
            min_df=self.min_df if vocabulary is None else 1,
            max_df=self.max_df if vocabulary is None else 1.0,
            sublinear_tf=self.sublinear_tf,
            max_features=self.max_features if vocabulary is None else None,
            vocabulary=vocabulary,
        )

    def fit(self, texts: Iterable[str], y: Any = None) -> Tfidf:
        """Learn the vocabulary and IDF weights from ``texts``."""
        self._validate_params()
        texts = check_texts(texts, allow_empty=False)
        self._forget_source()
        analyzer = self._analyzer()
        docs = [analyzer(t) for t in texts]
        if not any(docs):
            raise InputError(
                f"empty vocabulary: none of the {len(texts)} texts has a token; "
                "perhaps they contain only stopwords, numbers or punctuation"
            )
        vectorizer = self._vectorizer()
        try:
            vectorizer.fit(docs)
        except ValueError as exc:  # e.g. min_df/max_df leave no terms
            raise InputError(
                f"no terms left after pruning (min_df={self.min_df}, max_df={self.max_df}): {exc}"
            ) from None
        self.vocabulary_ = list(vectorizer.get_feature_names_out())
        self.idf_ = vectorizer.idf_.astype(np.float64)
        self._vectorizer_ = vectorizer
        self._analyzer_ = analyzer
        return self

    def _fitted_vectorizer(self) -> Any:
        self._check_fitted("vocabulary_")
        if getattr(self, "_vectorizer_", None) is None:
            vectorizer = self._vectorizer(self.vocabulary_)
            vectorizer.fit([self.vocabulary_])  # sets the fixed vocabulary up
            vectorizer.idf_ = self.idf_
            self._vectorizer_ = vectorizer
        if getattr(self, "_analyzer_", None) is None:
            self._analyzer_ = self._analyzer()
        return self._vectorizer_

    def transform(self, texts: Iterable[str]) -> Any:
        """TF-IDF matrix (scipy CSR, rows L2-normalised) of ``texts``."""
        vectorizer = self._fitted_vectorizer()
        return vectorizer.transform([self._analyzer_(t) for t in check_texts(texts)])

    def fit_transform(self, texts: Iterable[str], y: Any = None) -> Any:
        texts = check_texts(texts, allow_empty=False)
        return self.fit(texts).transform(texts)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        self._check_fitted("vocabulary_")
        return np.asarray(self.vocabulary_, dtype=object)

    def keywords(self, text: str, top_n: int = 10) -> list[tuple[str, float]]:
        """The ``top_n`` terms of ``text`` by TF-IDF weight, best first (ties by term)."""
        check_text(text)
        return self.keywords_many([text], top_n=top_n)[0]

    def keywords_many(self, texts: Iterable[str], top_n: int = 10) -> list[list[tuple[str, float]]]:
        """Keywords of each text."""
        if top_n < 1:
            raise InputError(f"top_n must be at least 1, got {top_n}")
        matrix = self.transform(texts)
        out = []
        for row in range(matrix.shape[0]):
            start, end = matrix.indptr[row], matrix.indptr[row + 1]
            cols, vals = matrix.indices[start:end], matrix.data[start:end]
            order = sorted(range(len(cols)), key=lambda i: (-vals[i], self.vocabulary_[cols[i]]))[
                :top_n
            ]
            out.append([(self.vocabulary_[cols[i]], round(float(vals[i]), 6)) for i in order])
        return out

    def group_keywords(
        self, texts: Iterable[str], groups: Iterable[str], top_n: int = 10
    ) -> dict[str, list[tuple[str, float]]]:
        """Keywords of each group of texts (e.g. per theme): mean TF-IDF within the group."""
        texts = check_texts(texts)
        groups = list(groups)
        if len(groups) != len(texts):
            raise InputError(f"got {len(texts)} texts but {len(groups)} group labels")
        matrix = self.transform(texts)
        out = {}
        for group in sorted(set(groups)):
            rows = [i for i, g in enumerate(groups) if g == group]
            mean = np.asarray(matrix[rows].mean(axis=0)).ravel()
            order = np.lexsort((np.arange(len(mean)), -mean))[:top_n]
            out[group] = [
                (self.vocabulary_[j], round(float(mean[j]), 6)) for j in order if mean[j] > 0
            ]
        return out

    # -- model store -----------------------------------------------------------------
    def _to_store(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        self._check_fitted("vocabulary_")
        config = {"params": _jsonable(self.get_params())}
        arrays = {"vocabulary": np.asarray(self.vocabulary_, dtype=np.str_), "idf": self.idf_}
        return config, arrays

    @classmethod
    def _from_store(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Tfidf:
        params = _params_from_json(config["params"])
        # versions saved while Tfidf had a (dead) random_state recorded it: ignored
        params.pop("random_state", None)
        model = cls(**params)
        model.vocabulary_ = [str(t) for t in arrays["vocabulary"]]
        model.idf_ = np.asarray(arrays["idf"], dtype=np.float64)
        return model


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}


def _params_from_json(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (tuple(v) if k == "ngram_range" else v) for k, v in params.items()}
