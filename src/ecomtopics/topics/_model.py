"""The :class:`TopicModel`: LDA (gensim) over the bilingual tokens, stored without pickle."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any, ClassVar, cast

import numpy as np

from .._errors import InputError, InputTypeError
from .._estimator import EstimatorMixin
from .._validation import Interval, Memo, Options
from ..tokenize import Tokenizer
from ..tokenize._lexicons import (
    CarriesLexicons,
    Lexicons,
    lexicons_from_store,
    lexicons_to_store,
    package_lexicons,
)
from ._corpus import (
    COHERENCE_MEASURES,
    _BowCorpus,
    _ConstantStart,
    _script,
    _text_of,
    _TokenCorpus,
    coherence_on,
)
from ._inference import BLOCK_DOCS, lda_gamma
from ._inspect import TopicInspection

__all__ = ["TopicModel"]

logger = logging.getLogger(__name__)


class TopicModel(TopicInspection, CarriesLexicons, EstimatorMixin):
    """LDA topics of a corpus, in Chinese and English.

    Parameters
    ----------
    n_topics : int
        Number of topics.
    passes, iterations : int
        Training passes over the corpus; inference iterations per document.
    alpha : {"symmetric", "asymmetric", "auto"}
        Document-topic prior (gensim's).
    eta : float, optional
        Topic-word prior (None: 1 / n_topics).
    anchors : dict or "lexicon", optional
        Theme -> seed words, or ``"lexicon"`` for the words of the bilingual
        concept lexicon of each of the four themes. Topic ``i`` gets a prior
        that favours the words of the i-th theme in sorted order (seeded LDA),
        so those topics line up with the themes.
    anchor_weight : float
        Prior mass added to each anchor word of its topic.
    domain_stopwords : bool
        Leave out words too common in this domain to characterise a topic
        (platform names, 平台, 商家, brand, merchant …; the shipped list
        ``topic_stopwords.txt``). Off by default: on the project's corpus it
        lowered coherence (c_v 0.697 to 0.619) without clearer topics.
    no_below, no_above, keep_n : int, float, int
        Vocabulary pruning: drop words in fewer than ``no_below`` texts or in
        more than ``no_above`` of them; keep the ``keep_n`` most frequent.
    chunksize : int
        Documents per training chunk.
    tokenizer_params : dict, optional
        Settings of the :class:`~ecomtopics.Tokenizer`.
    random_state : int
        Seed of training. Same data and seed give the same model.
    shared_units : bool or "table"
        Count Chinese and English words that say the same thing as one unit
        before LDA (``topic_units.tsv``, a translation table of the domain
        vocabulary, then the bilingual concept lexicon; ``"table"``: the table
        only), so that topics are
        about content whatever the language. Each topic's words can then be
        shown in both languages (:meth:`topics_bilingual`).
    untranslated : {"keep", "drop"}
        With ``shared_units``: what to do with words that have no shared unit.
    ignore_platform_names : bool
        Leave platform names (Tmall, 淘宝, "platform" …) out of the
        vocabulary: real text names a platform whatever it is about.
    progress : bool or None
        Progress bar of training passes on stderr (None: only on a terminal).
    """

    _store_kind: ClassVar[str] = "topic-model"
    _store_format: ClassVar[int] = 2
    #: token -> term id of the fitted dictionary (-1: not counted), built as texts arrive
    _term_id_memo: Memo | None = None
    #: (tokenizer_params, lexicons, the tokenizer they make): see _tokenizer
    _tokenizer_cache: tuple[dict[str, Any], Lexicons, Tokenizer] | None = None

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_topics": [Interval("int", 1, None)],
        "passes": [Interval("int", 1, None)],
        "iterations": [Interval("int", 1, None)],
        "alpha": [Options({"symmetric", "asymmetric", "auto"})],
        "eta": [Interval("real", 0, None, closed="neither"), None],
        "anchors": [dict, Options({"lexicon"}), None],
        "anchor_weight": [Interval("real", 0, None)],
        "domain_stopwords": [bool],
        "no_below": [Interval("int", 0, None)],
        "no_above": [Interval("real", 0, 1, closed="right")],
        "keep_n": [Interval("int", 1, None), None],
        "chunksize": [Interval("int", 1, None)],
        "tokenizer_params": [dict, None],
        "random_state": [Interval("int", 0, 2**32 - 1), None],
        "shared_units": [bool, Options({"table"})],
        "untranslated": [Options({"keep", "drop"})],
        "ignore_platform_names": [bool],
        "progress": [bool, None],
    }

    def __init__(
        self,
        n_topics: int = 8,
        passes: int = 10,
        iterations: int = 100,
        alpha: str = "symmetric",
        eta: float | None = None,
        anchors: dict[str, list[str]] | str | None = None,
        anchor_weight: float = 1.0,
        domain_stopwords: bool = False,
        no_below: int = 2,
        no_above: float = 0.5,
        keep_n: int = 50_000,
        chunksize: int = 2000,
        tokenizer_params: dict[str, Any] | None = None,
        random_state: int | None = 0,
        shared_units: bool | str = False,
        untranslated: str = "keep",
        ignore_platform_names: bool = False,
        progress: bool | None = None,
    ) -> None:
        self.n_topics = n_topics
        self.passes = passes
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.anchors = anchors
        self.anchor_weight = anchor_weight
        self.domain_stopwords = domain_stopwords
        self.no_below = no_below
        self.no_above = no_above
        self.keep_n = keep_n
        self.chunksize = chunksize
        self.tokenizer_params = tokenizer_params
        self.random_state = random_state
        self.shared_units = shared_units
        self.untranslated = untranslated
        self.ignore_platform_names = ignore_platform_names
        self.progress = progress

    def _check_params(self) -> None:
        self._validate_params()
        if self.anchors is not None and len(self._anchor_words()) > self.n_topics:
            raise InputError(
                f"TopicModel: {len(self._anchor_words())} anchor themes but only "
                f"{self.n_topics} topics (n_topics)"
            )

    def _lexicons(self) -> Lexicons:
        """The lexicons this model reads text with: its own copy once fitted or loaded."""
        return getattr(self, "lexicons_", None) or package_lexicons()

    def _tokenizer(self) -> Tokenizer:
        """The tokenizer of this model's settings, kept between calls (its memos of segments and
        word forms with it: a new one on every ``transform`` had cost a small batch as much as
        its tokenization)."""
        params, lexicons = self.tokenizer_params or {}, self._lexicons()
        cached = self._tokenizer_cache
        if cached is not None and cached[0] == params and cached[1] is lexicons:
            return cached[2]
        tokenizer = Tokenizer(**params, lexicons=lexicons)
        self._tokenizer_cache = (dict(params), lexicons, tokenizer)
        return tokenizer

    # -- shared units -----------------------------------------------------------------
    def _uses_units(self) -> bool:
        return bool(self.shared_units or self.ignore_platform_names)

    def _build_unit_map(self) -> dict[str, str]:
        """Token -> unit ("" drops the token), from the lexicons (at fit time)."""
        table: dict[str, str] = {}
        lexicons = self._lexicons()
        if self.shared_units:
            if self.shared_units != "table":  # the concept lexicon fills what the table leaves out
                for token, names in lexicons.concepts().items():
                    table[token] = "@" + names[0]
            table.update(lexicons.topic_units())
        if self.ignore_platform_names:
            table.update({name: "" for name in lexicons.platform_names()})
        return table

    def _mapper(self) -> Any:
        table = getattr(self, "_unit_map", None)
        if table is None:
            table = self._build_unit_map()
        drop = self.shared_units and self.untranslated == "drop"
        units = set(table.values())

        def mapper(token: str) -> str:
            unit = table.get(token)
            if unit is not None:
                return unit
            return "" if drop and token not in units else token

        return mapper

    def _analyse(self, text: str, tokenizer: Tokenizer | None = None) -> list[str]:
        """Tokens of ``text`` as this model counts them (shared units, platform names out)."""
        tokens = (tokenizer or self._tokenizer())(text)
        if not self._uses_units():
            return tokens
        mapper = self._mapper()
        return [u for u in map(mapper, tokens) if u]

    # -- training ---------------------------------------------------------------------
    def fit(self, texts: Iterable[Any], y: Any = None) -> TopicModel:
        """Train on ``texts`` (strings or paragraphs; any iterable, read once and kept on disk)."""
        from gensim.corpora import Dictionary

        from ._batch_lda import BatchLdaModel

        self._check_params()
        self._forget_source()
        self._term_id_memo = None  # a failed fit must not leave the old mapping behind
        if isinstance(texts, (str, bytes)):
            raise InputTypeError(
                "texts must be an iterable of str, not a single string; wrap it in a list"
            )
        self.lexicons_ = package_lexicons()
        tokenizer = self._tokenizer()
        self._unit_map = self._build_unit_map() if self._uses_units() else None
        corpus = _TokenCorpus(texts, tokenizer, self._mapper() if self._uses_units() else None)
        try:
            if corpus.n_docs == 0:
                raise InputError("no texts to learn topics from")
            dictionary = Dictionary(corpus)
            if self.domain_stopwords:
                dictionary.filter_tokens(
                    bad_ids=[
                        i
                        for w, i in dictionary.token2id.items()
                        if w in self.lexicons_.topic_stopwords()
                    ]
                )
            no_below = min(self.no_below, max(1, corpus.n_docs // 2))
            dictionary.filter_extremes(
                no_below=no_below,
                no_above=self.no_above if corpus.n_docs > 2 else 1.0,
                keep_n=self.keep_n,
            )
            dictionary.compactify()
            if len(dictionary) == 0:
                raise InputError(
                    f"empty vocabulary after pruning {corpus.n_docs} texts (no_below={self.no_below}, "
                    f"no_above={self.no_above}); perhaps the texts contain only stopwords, or too few texts"
                )
            self._warn_if_too_small(corpus.n_docs, len(dictionary))
            eta = self._eta(dictionary)
            from tqdm.auto import tqdm

            with tqdm(
                total=corpus.n_docs * self.passes,
                desc=f"LDA {self.n_topics} topics",
                unit=" texts",
                disable=self.progress if self.progress is None else not self.progress,
                leave=False,
            ) as bar:
                lda = BatchLdaModel(
                    corpus=_BowCorpus(corpus, dictionary, bar),
                    id2word=dictionary,
                    num_topics=self.n_topics,
                    passes=self.passes,
                    iterations=self.iterations,
                    alpha=self.alpha,
                    eta=eta,
                    chunksize=self.chunksize,
                    random_state=self.random_state,
                    eval_every=None,
                    dtype=np.float64,
                )
            self._set_state(lda, dictionary)
            self._set_surfaces(corpus.surfaces)
            self.topic_shares_ = self._shares(_BowCorpus(corpus, dictionary))
            self._train_tokens = corpus  # kept for coherence() until the model is saved or dropped
        except BaseException:
            corpus.close()
            raise
        logger.info(
            "LDA: %d topics over %d texts, %d words", self.n_topics, corpus.n_docs, len(dictionary)
        )
        quality = self.topic_quality()
        if quality["dead"] or quality["duplicates"]:
            found = []
            if quality["dead"]:
                found.append(f"dead topics (almost no share of the corpus): {quality['dead']}")
            if quality["duplicates"]:
                found.append(
                    f"duplicate topics (same top words): {[(a, b) for a, b, _ in quality['duplicates']]}"
                )
            logger.warning(
                "%d topics: %s; fewer topics would read better", self.n_topics, "; ".join(found)
            )
        return self

    #: Fewest texts per topic, and words per topic, for topics worth reading.
    MIN_TEXTS_PER_TOPIC: ClassVar[int] = 10
    MIN_WORDS_PER_TOPIC: ClassVar[int] = 10

    def _warn_if_too_small(self, n_docs: int, n_words: int) -> None:
        limit = max(1, min(n_docs // self.MIN_TEXTS_PER_TOPIC, n_words // self.MIN_WORDS_PER_TOPIC))
        if self.n_topics > limit:
            logger.warning(
                "corpus too small for %d topics: %d texts and %d words (about %d texts and %d words a topic "
                "are needed); expect dead or duplicate topics, or ask for at most %d",
                self.n_topics,
                n_docs,
                n_words,
                self.MIN_TEXTS_PER_TOPIC,
                self.MIN_WORDS_PER_TOPIC,
                limit,
            )

    def _anchor_words(self) -> dict[str, list[str]]:
        if self.anchors == "lexicon":
            themes = self._lexicons().topical_concept_themes()  # a topic per theme, none for other
            words: dict[str, set[str]] = {}
            for token, names in self._lexicons().concepts().items():
                for concept in names & themes.keys():
                    words.setdefault(themes[concept], set()).add(token)
            return {theme: sorted(ws) for theme, ws in words.items()}
        return dict(cast("dict[str, list[str]] | None", self.anchors) or {})

    def _eta(self, dictionary: Any) -> Any:
        base = self.eta if self.eta is not None else 1.0 / self.n_topics
        if not self.anchors:
            return base
        eta = np.full((self.n_topics, len(dictionary)), base, dtype=np.float64)
        tokenizer = self._tokenizer()
        for topic, (theme, words) in enumerate(sorted(self._anchor_words().items())):
            found = 0
            for word in words:
                for token in self._analyse(word, tokenizer) or [word]:
                    if token in dictionary.token2id:
                        eta[topic, dictionary.token2id[token]] += self.anchor_weight
                        found += 1
            if not found:
                logger.warning("anchor words of %r are not in the vocabulary", theme)
        return eta

    def _set_state(self, lda: Any, dictionary: Any) -> None:
        self._lda = lda
        self._dictionary = dictionary
        self._term_id_memo = None
        lda.random_state = _ConstantStart()
        self.vocabulary_ = [dictionary[i] for i in range(len(dictionary))]
        self.alpha_ = np.asarray(lda.alpha, dtype=np.float64)

    def _set_surfaces(self, counts: Counter[tuple[str, str]] | None) -> None:
        """For each vocabulary unit, its most frequent written word in Chinese and in English."""
        best: dict[tuple[str, str], tuple[int, str]] = {}
        for (unit, token), n in (counts or {}).items():
            lang = _script(token)
            key = (unit, lang)
            if lang and (key not in best or (n, token) > best[key]):
                best[key] = (n, token)
        zh, en = [], []
        for unit in self.vocabulary_:
            script = _script(unit) if not unit.startswith("@") else ""
            zh.append(
                best[(unit, "zh")][1] if (unit, "zh") in best else unit if script == "zh" else ""
            )
            en.append(
                best[(unit, "en")][1] if (unit, "en") in best else unit if script == "en" else ""
            )
        self.words_zh_, self.words_en_ = zh, en

    def _check(self) -> None:
        self._check_fitted("vocabulary_")

    def _shares(self, bows: Iterable[list[tuple[int, int]]]) -> np.ndarray:
        total, n = np.zeros(self.n_topics), 0
        batch: list[list[tuple[int, int]]] = []
        for bow in bows:
            batch.append(bow)
            if len(batch) == BLOCK_DOCS:
                total += self._mix(batch).sum(axis=0)
                n, batch = n + len(batch), []
        if batch:
            total += self._mix(batch).sum(axis=0)
            n += len(batch)
        return total / max(n, 1)

    # -- inference --------------------------------------------------------------------
    def _mix(self, bows: Sequence[list[tuple[int, int]]] | Any) -> np.ndarray:
        """Normalised gamma of gensim's ``inference``, computed for the whole batch at once
        (``bows``: bags of words, or a sparse document-term count matrix)."""
        gamma = lda_gamma(self._lda, bows)
        return gamma / gamma.sum(axis=1, keepdims=True)

    def transform(self, texts: Iterable[Any]) -> np.ndarray:
        """Topic mix of each text: rows sum to 1, the same on every call.

        A text with no known word gets the prior mix (``alpha`` normalised).
        """
        self._check()
        if isinstance(texts, (str, bytes)):
            raise InputTypeError(
                "texts must be an iterable of str, not a single string; wrap it in a list"
            )
        matrix = self._term_counts(texts)
        if matrix.shape[0] == 0:
            return np.empty((0, self.n_topics))
        return self._mix(matrix)

    def _term_counts(self, texts: Iterable[Any]) -> Any:
        """Document-term counts of ``texts`` (scipy CSR, canonical): the bags of words
        ``dictionary.doc2bow(self._analyse(text))`` gives, built for the whole batch at once.

        Each distinct token is mapped to its term id once (a memo kept between calls);
        every other token costs one dict lookup in C.
        """
        import scipy.sparse as sp

        tokenizer = self._tokenizer()
        docs = [tokenizer(_text_of(t)) for t in texts]
        term_ids = self._term_ids()
        if len(term_ids) > 1_000_000:
            term_ids.clear()
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        ids = np.fromiter(
            map(term_ids.__getitem__, chain.from_iterable(docs)),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        rows = np.repeat(np.arange(len(docs)), lengths)
        kept = ids >= 0
        matrix = sp.csr_matrix(
            (np.ones(int(kept.sum()), dtype=self._lda.dtype), (rows[kept], ids[kept])),
            shape=(len(docs), self._lda.num_terms),
        )
        matrix.sum_duplicates()  # canonical: sorted ids, one entry per term, as doc2bow's bags
        return matrix

    def _term_ids(self) -> Memo:
        """Token -> term id of the fitted dictionary, or -1 for a token not counted."""
        memo = self._term_id_memo
        if memo is None:
            token2id = self._dictionary.token2id
            mapper = self._mapper() if self._uses_units() else None

            def term_id(token: str) -> int:
                unit = mapper(token) if mapper is not None else token
                return int(token2id.get(unit, -1))

            memo = Memo(term_id)
            self._term_id_memo = memo
        return memo

    def set_params(self, **params: Any) -> TopicModel:
        self._term_id_memo = None  # how tokens map to terms depends on the parameters
        return super().set_params(**params)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_term_id_memo", None)  # caches (closures, memos): rebuilt on first use
        state.pop("_tokenizer_cache", None)
        return state

    def fit_transform(self, texts: Iterable[Any], y: Any = None) -> np.ndarray:
        texts = list(texts)
        return self.fit(texts).transform(texts)

    # -- inspection -------------------------------------------------------------------
    @property
    def dictionary(self) -> Any:
        """The fitted vocabulary as a gensim ``Dictionary`` (word <-> id, document frequencies).

        Word ``i`` is ``vocabulary_[i]``. For gensim tools such as
        ``CoherenceModel`` or ``LdaModel(id2word=...)``; treat it as read-only,
        since the model scores texts through it.
        """
        self._check()
        return self._dictionary

    def tokens(self, texts: Iterable[Any]) -> list[list[str]]:
        """Tokens of each text as this model counts them, keeping only words of its vocabulary.

        The model's tokenizer settings, shared units and platform-name removal
        apply, so these are the words LDA sees (e.g. for coherence or pyLDAvis).
        """
        self._check()
        tokenizer = self._tokenizer()
        index = self._dictionary.token2id
        return [[w for w in self._analyse(_text_of(t), tokenizer) if w in index] for t in texts]

    def topic_word_matrix(self) -> np.ndarray:
        """Topic-word probabilities, shape (n_topics, n_words), rows sum to 1."""
        self._check()
        return self._lda.get_topics()

    def coherence_by_language(
        self, texts: Sequence[Any], langs: Sequence[str], measure: str = "c_v", top_n: int = 10
    ) -> dict[str, float]:
        """Coherence of each topic's words in each language, on that language's texts.

        The texts are tokenized as written (no shared units), so the score is
        comparable with a plain LDA's (:func:`plain_gensim_by_language`).
        """
        tokenizer = self._tokenizer()
        out = {}
        for lang in ("zh", "en"):
            docs = [tokenizer(_text_of(t)) for t, l in zip(texts, langs) if l == lang]
            if docs:
                out[lang] = coherence_on(self.topic_words(lang, top_n), docs, measure)
        return out

    def coherence(
        self, measure: str = "c_v", texts: Iterable[Any] | None = None, top_n: int = 10
    ) -> float:
        """Topic coherence by gensim's ``CoherenceModel`` on ``texts`` (default: the training texts)."""
        from gensim.models import CoherenceModel

        self._check()
        if measure not in COHERENCE_MEASURES:
            raise InputError(f"measure must be one of {COHERENCE_MEASURES}, got {measure!r}")
        if texts is None:
            corpus = getattr(self, "_train_tokens", None)
            if corpus is None or not corpus.path.exists():
                raise InputError(
                    "this model was loaded or its training texts are gone: pass texts=..."
                )
            docs = list(corpus)
        else:
            tokenizer = self._tokenizer()
            docs = [self._analyse(_text_of(t), tokenizer) for t in texts]
        docs = [[w for w in d if w in self._dictionary.token2id] for d in docs]
        if not any(docs):
            raise InputError("no known words in the texts: coherence is undefined")
        topics = [[w for w, _ in topic] for topic in self.topics(top_n)]
        model = CoherenceModel(
            topics=topics,
            texts=docs,
            dictionary=self._dictionary,
            coherence=measure,
            corpus=[self._dictionary.doc2bow(d) for d in docs] if measure == "u_mass" else None,
            processes=1,
        )
        value = float(model.get_coherence())
        if not np.isfinite(value):
            raise InputError(
                f"{measure} coherence is not finite on these texts (too few co-occurrences)"
            )
        return value

    # -- model store ------------------------------------------------------------------
    def _to_store(
        self,
    ) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        self._check()
        params = {k: v for k, v in self.get_params().items()}
        lexicons = self._lexicons()
        config = {
            "params": params,
            "eta_is_matrix": bool(np.ndim(self._lda.eta) == 2),
            "lexicons": lexicons.hashes(),
        }
        arrays = {
            "vocabulary": np.asarray(self.vocabulary_, dtype=np.str_),
            "document_frequency": np.asarray(
                [self._dictionary.dfs.get(i, 0) for i in range(len(self.vocabulary_))],
                dtype=np.int64,
            ),
            "sstats": np.asarray(self._lda.state.sstats, dtype=np.float64),
            "eta": np.asarray(self._lda.eta, dtype=np.float64),
            "alpha": self.alpha_,
            "topic_shares": np.asarray(self.topic_shares_, dtype=np.float64),
            "words_zh": np.asarray(self.words_zh_, dtype=np.str_),
            "words_en": np.asarray(self.words_en_, dtype=np.str_),
        }
        params.pop("progress", None)
        if (
            self._unit_map is not None
        ):  # the model carries its own map: later lexicon edits do not change it
            pairs = sorted(self._unit_map.items())
            arrays["unit_tokens"] = np.asarray([t for t, _ in pairs], dtype=np.str_)
            arrays["unit_names"] = np.asarray([u for _, u in pairs], dtype=np.str_)
            config["topic_units_sha256"] = lexicons.hashes().get("topic_units.tsv")
        return config, arrays, lexicons_to_store(lexicons)

    @classmethod
    def _from_store(
        cls,
        config: dict[str, Any],
        arrays: dict[str, np.ndarray],
        files: dict[str, bytes] | None = None,
    ) -> TopicModel:
        from gensim.corpora import Dictionary
        from gensim.models import LdaModel

        model = cls(**config["params"])
        model.lexicons_ = (
            lexicons_from_store(files, cls._store_kind) if files is not None else package_lexicons()
        )
        model._unit_map = None
        if "unit_tokens" in arrays:
            model._unit_map = {
                str(t): str(u) for t, u in zip(arrays["unit_tokens"], arrays["unit_names"])
            }
        vocabulary = [str(w) for w in arrays["vocabulary"]]
        dictionary = Dictionary()
        dictionary.token2id = {w: i for i, w in enumerate(vocabulary)}
        dictionary.dfs = {i: int(n) for i, n in enumerate(arrays["document_frequency"])}
        sstats = np.asarray(arrays["sstats"], dtype=np.float64)
        if sstats.shape != (model.n_topics, len(vocabulary)):
            raise InputError(
                f"stored sstats has shape {sstats.shape}, expected {(model.n_topics, len(vocabulary))}"
            )
        lda = LdaModel(
            id2word=dictionary,
            num_topics=model.n_topics,
            alpha=np.asarray(arrays["alpha"], dtype=np.float64),
            eta=np.asarray(arrays["eta"], dtype=np.float64),
            iterations=model.iterations,
            random_state=model.random_state,
            dtype=np.float64,
        )
        lda.state.sstats = sstats
        lda.sync_state()
        model._set_state(lda, dictionary)
        model.topic_shares_ = np.asarray(arrays["topic_shares"], dtype=np.float64)
        if "words_zh" in arrays:
            model.words_zh_ = [str(w) for w in arrays["words_zh"]]
            model.words_en_ = [str(w) for w in arrays["words_en"]]
        else:  # format 1: each word is in one language
            model._set_surfaces(None)
        return model
