"""Features of text: the analyzer our models share, and TF-IDF keywords (scikit-learn).

>>> tfidf = Tfidf().fit(["天猫双十一线上线下融合", "天猫 flagship stores", "天猫服务商与商家"])
>>> [term for term, _ in tfidf.keywords("天猫线上线下融合", top_n=2)]
['线上线下', '融合']
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, cast

import numpy as np

from ._errors import InputError
from ._estimator import EstimatorMixin
from ._validation import Interval, IntPair, check_text, check_texts
from .tokenize import Tokenizer, concepts, platform_names
from .tokenize._lexicons import (
    CarriesLexicons,
    Lexicons,
    lexicons_from_store,
    lexicons_to_store,
    package_lexicons,
    topic_units,
)

__all__ = ["Analyzer", "Tfidf", "keyword_noise"]

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
    lexicons : Lexicons, optional
        The lexicon files to read (default: the package's); a loaded model
        passes the copy it was trained with.

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
        lexicons: Lexicons | None = None,
    ) -> None:
        low, high = ngram_range
        if not 1 <= low <= high <= 4:
            raise InputError(f"ngram_range must satisfy 1 <= low <= high <= 4, got {ngram_range!r}")
        self.tokenizer_params = dict(tokenizer_params or {})
        self.ngram_range = (int(low), int(high))
        self.concepts = concepts
        self.ignore_platform_names = ignore_platform_names
        self.lexicons = lexicons if lexicons is not None else package_lexicons()
        self.tokenizer = Tokenizer(**self.tokenizer_params, lexicons=self.lexicons)
        self._ignored = self.lexicons.platform_names() if ignore_platform_names else frozenset()
        self._concepts = self.lexicons.concepts()

    def __call__(self, text: str) -> list[str]:
        tokens = self.tokenizer(text)
        if self._ignored:
            tokens = [t for t in tokens if t not in self._ignored]
        low, high = self.ngram_range
        features = tokens if low == 1 else []
        for n in range(max(2, low), high + 1):
            features = features + [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        if self.concepts:
            table = self._concepts
            features = features + [CONCEPT_PREFIX + c for t in tokens for c in table.get(t, ())]
        return features

    @property
    def ignored_tokens(self) -> frozenset[str]:
        """Tokens left out before features and word n-grams are made (platform names, if set)."""
        return self._ignored

    def features_of_token(self, token: str) -> list[str]:
        """The unigram features one token gives: itself and its concepts (none if ignored)."""
        if token in self._ignored:
            return []
        if self.concepts:
            return [token, *(CONCEPT_PREFIX + c for c in self._concepts.get(token, ()))]
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
            (
                self.tokenizer_params,
                self.ngram_range,
                self.concepts,
                self.ignore_platform_names,
                self.lexicons,
            ),
        )


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class Tfidf(CarriesLexicons, EstimatorMixin):
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
    # 2: stored with its lexicons (lexicons/*); 1 loads with the package's if they match
    _store_format: ClassVar[int] = 2
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
        lexicons = getattr(self, "lexicons_", None)
        return Analyzer(self.tokenizer_params, ngram_range, concepts=False, lexicons=lexicons)

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
        self.lexicons_ = package_lexicons()
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

    def keywords(
        self, text: str, top_n: int = 10, *, clean: bool = True
    ) -> list[tuple[str, float]]:
        """The ``top_n`` terms of ``text`` by TF-IDF weight, best first.

        With ``clean`` (the default) terms that are noise as keywords are left
        out (see :func:`keyword_noise`: one Chinese character, number words,
        fragments of a longer term of the text, romanised person names), and
        ties are broken by where the term first occurs in the text (earlier
        first), then by the term itself, so the order is deterministic.
        """
        check_text(text)
        return self.keywords_many([text], top_n=top_n, clean=clean)[0]

    def keywords_many(
        self, texts: Iterable[str], top_n: int = 10, *, clean: bool = True
    ) -> list[list[tuple[str, float]]]:
        """Keywords of each text (see :meth:`keywords`)."""
        if top_n < 1:
            raise InputError(f"top_n must be at least 1, got {top_n}")
        texts = check_texts(texts)
        vectorizer = self._fitted_vectorizer()
        docs = [self._analyzer_(t) for t in texts]
        matrix = vectorizer.transform(docs)
        out = []
        for row, (text, tokens) in enumerate(zip(texts, docs)):
            start, end = matrix.indptr[row], matrix.indptr[row + 1]
            cols, vals = matrix.indices[start:end], matrix.data[start:end]
            first: dict[str, int] = {}
            for i, token in enumerate(tokens):
                first.setdefault(token, i)
            scored = [(self.vocabulary_[c], round(float(v), 6)) for c, v in zip(cols, vals)]
            if clean:
                present = {t for t, _ in scored}
                scored = [(t, v) for t, v in scored if keyword_noise(t, text, present) is None]
            scored.sort(key=lambda tv: (-tv[1], first.get(tv[0], len(tokens)), tv[0]))
            out.append(scored[:top_n])
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
            order = np.lexsort((np.arange(len(mean)), -mean))
            out[group] = [
                (self.vocabulary_[j], round(float(mean[j]), 6))
                for j in order
                if mean[j] > 0 and keyword_noise(self.vocabulary_[j]) is None
            ][:top_n]
        return out

    # -- model store -----------------------------------------------------------------
    def _to_store(
        self,
    ) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        self._check_fitted("vocabulary_")
        lexicons = getattr(self, "lexicons_", None) or package_lexicons()
        config = {"params": _jsonable(self.get_params()), "lexicons": lexicons.hashes()}
        arrays = {"vocabulary": np.asarray(self.vocabulary_, dtype=np.str_), "idf": self.idf_}
        return config, arrays, lexicons_to_store(lexicons)

    @classmethod
    def _from_store(
        cls,
        config: dict[str, Any],
        arrays: dict[str, np.ndarray],
        files: dict[str, bytes] | None = None,
    ) -> Tfidf:
        params = _params_from_json(config["params"])
        # versions saved while Tfidf had a (dead) random_state recorded it: ignored
        params.pop("random_state", None)
        model = cls(**params)
        model.lexicons_ = (
            lexicons_from_store(files, "tfidf") if files is not None else package_lexicons()
        )
        model.vocabulary_ = [str(t) for t in arrays["vocabulary"]]
        model.idf_ = np.asarray(arrays["idf"], dtype=np.float64)
        return model


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_ONE_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# English number words: in machine-translated Chinese they are mostly the
# remains of idioms and counts (千人千面 -> "thousand", 1千200 -> "1 thousand 200").
_NUMBER_WORDS = _wordset(
    "zero one two three four five six seven eight nine ten eleven twelve twenty "
    "thirty forty fifty sixty seventy eighty ninety hundred thousand million billion "
    "trillion dozen half"
)
# A whole word made of pinyin (or Wade-Giles "chiang") syllables: how Chinese
# person and place names come out of translation ("Wang Yulei", "Jiang Fan").
_PINYIN = re.compile(
    r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|in|un|"
    r"ia|ie|iu|ua|uo|ui|ue|er|a|o|e|i|u|v))+"
)
# The commonest Chinese surnames, romanised (pinyin, and Wade-Giles or Cantonese forms
# that translations use): a capitalised pinyin word beside one of them is a name.
_SURNAMES = _wordset(
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin "
    "luo zheng liang xie song tang han feng deng cao peng zeng xiao tian dong yuan "
    "pan yu jiang cai jia ding wei xue ye yan lu du dai fu zhong wan shen qian jin "
    "qin ren lei bai kong mao qiu shi tan cui fan fang yao lv meng xiong hou zou bi "
    "duan chiang chang wong lee cheung chan kwok tsai hsu"
)
# English endings: "clearing" and "payment" are not longer words that "clear" and "pay" are stubs of
_SUFFIX = re.compile(
    r"[a-z]?(?:ing|ings|ed|er|ers|ment|ments|ship|ance|ence|ation|ations|ization|isation|ize|ise|"
    r"ized|ised|ity|ities|able|ably|al|ally|ion|ions|or|ors|ist|ists|ness|ful|less|ly|ee|ees|es|s|y)"
)
# romanised words that are keywords, not names
_NOT_NAMES = frozenset({"china", "chinese"})
_CAPITALISED_PAIR = re.compile(r"\b([A-Z][a-z]+)[ -](?=([A-Z][a-z]+)\b)")


@functools.lru_cache(maxsize=16)
def _name_words(text: str) -> frozenset[str]:
    """Lower-cased words of romanised names in ``text``: pairs of capitalised pinyin words
    one of which is a common surname (``Wang Yulei``, ``Jiang Fan``)."""
    words: set[str] = set()
    for a, b in _CAPITALISED_PAIR.findall(text):
        a, b = a.lower(), b.lower()
        if (a in _SURNAMES or b in _SURNAMES) and _PINYIN.fullmatch(a) and _PINYIN.fullmatch(b):
            words.update((a, b))
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def _known_terms() -> frozenset[str]:
    """Terms of the lexicons (concepts, platform names, topic units): never dropped as names."""
    return frozenset(concepts()) | platform_names() | frozenset(topic_units()) | _NOT_NAMES


def keyword_noise(term: str, text: str | None = None, others: Iterable[str] = ()) -> str | None:
    """Why ``term`` is noise as a keyword of ``text``, or None if it is a keyword worth showing.

    - ``"one_character"``: a single Chinese character (``钉`` from 钉钉 cut in
      two, ``多``) or Latin letter, which says nothing alone;
    - ``"number_word"``: an English number word (``thousand``);
    - ``"fragment"``: a Latin stub of at most four letters that begins a
      longer word of ``others`` (the other terms of the same text) by at
      least three letters that are not an English ending: ``ding`` beside
      ``dingtalk``, ``ali`` beside ``alibaba`` (``pay`` beside ``payment`` stays);
    - ``"name"``: with ``text``, part of a romanised Chinese person's name: a
      capitalised pinyin word beside another, one of them a common surname
      (``Wang Yulei``), written with a capital wherever it occurs in ``text``,
      and no term of the lexicons (``tmall``, ``taobao``, ``juhuasuan`` stay).

    >>> keyword_noise("钉"), keyword_noise("thousand"), keyword_noise("ding", others=["dingtalk"])
    ('one_character', 'number_word', 'fragment')
    >>> keyword_noise("wang", "Tmall President Wang Yulei said"), keyword_noise("tmall", "Tmall")
    ('name', None)
    """
    if " " in term:  # a word n-gram: kept
        return None
    if len(term) == 1 and _ONE_HAN.fullmatch(term):
        return "one_character"  # (a single Latin letter too, below)
    if term in _NUMBER_WORDS:
        return "number_word"
    if not term.isascii() or not term.isalpha():
        return None
    if len(term) == 1:
        return "one_character"
    if len(term) <= 4 and any(
        o.isascii()
        and o.isalpha()
        and o.startswith(term)
        and len(o) >= len(term) + 3
        and not _SUFFIX.fullmatch(o[len(term) :])
        for o in others
    ):
        return "fragment"
    if text is not None and term not in _known_terms() and term in _name_words(text):
        found = re.findall(rf"\b{re.escape(term)}(?:e?s)?\b", text, flags=re.IGNORECASE)
        if found and all(w[0].isupper() for w in found):
            return "name"
    return None


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}


def _params_from_json(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (tuple(v) if k == "ngram_range" else v) for k, v in params.items()}
