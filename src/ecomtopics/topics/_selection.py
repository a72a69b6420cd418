"""Choosing and judging topic models: the number of topics, plain gensim baselines, cross-language agreement."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._errors import InputError, InputTypeError
from ..tokenize import Tokenizer
from ._corpus import _script, _text_of, coherence_on
from ._inspect import _js
from ._model import TopicModel

__all__ = [
    "parallel_divergence",
    "plain_gensim_by_language",
    "plain_gensim_coherence",
    "select_n_topics",
]

logger = logging.getLogger(__name__)


def parallel_divergence(model: TopicModel, pairs: Sequence[tuple[Any, Any]]) -> dict[str, float]:
    """How alike the topic mixes of the two versions of each pair are, against unrelated pairs.

    ``pairs`` holds the same content written twice (e.g. Chinese, English).
    Returns the mean Jensen-Shannon divergence (bits) of the paired mixes,
    the mean over every unrelated combination (first text of one pair with
    the second of another), their ratio (lower is better: 1 means the model
    cannot tell a translation from an unrelated text), and the share of pairs
    whose two versions have the same top topic.
    """
    if len(pairs) < 2:
        raise InputError(f"need at least 2 pairs to compare with unrelated ones, got {len(pairs)}")
    a = model.transform([x for x, _ in pairs])
    b = model.transform([y for _, y in pairs])
    n = len(pairs)
    paired = [_js(a[i], b[i]) for i in range(n)]
    unrelated = [_js(a[i], b[j]) for i in range(n) for j in range(n) if i != j]
    mean_paired, mean_unrelated = float(np.mean(paired)), float(np.mean(unrelated))
    return {
        "paired": round(mean_paired, 4),
        "unrelated": round(mean_unrelated, 4),
        "ratio": round(mean_paired / mean_unrelated, 4) if mean_unrelated > 0 else float("nan"),
        "same_top_topic": round(float(np.mean(a.argmax(axis=1) == b.argmax(axis=1))), 4),
    }


def plain_gensim_by_language(
    texts: Sequence[Any],
    langs: Sequence[str],
    n_topics: int,
    *,
    random_state: int | None = 0,
    top_n: int = 10,
    measure: str = "c_v",
    tokenizer_params: dict[str, Any] | None = None,
) -> dict[str, float]:
    """Coherence per language of a plain gensim ``LdaModel`` (its defaults) on the same bilingual corpus.

    Tokens as written (no shared units), pruned as :class:`TopicModel` prunes;
    each topic's words are split by language and scored on that language's texts.
    """
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    tokenizer = Tokenizer(**(tokenizer_params or {}))
    docs = [tokenizer(_text_of(t)) for t in texts]
    dictionary = Dictionary(docs)
    dictionary.filter_extremes(no_below=2, no_above=0.5, keep_n=50_000)
    plain = LdaModel(
        [dictionary.doc2bow(d) for d in docs],
        num_topics=n_topics,
        id2word=dictionary,
        random_state=random_state,
    )
    out = {}
    for lang in ("zh", "en"):
        ref = [d for d, l in zip(docs, langs) if l == lang]
        if not ref:
            continue
        topics = []
        for k in range(n_topics):
            ranked = [dictionary[i] for i, _ in plain.get_topic_terms(k, topn=len(dictionary))]
            topics.append([w for w in ranked if _script(w) == lang][:top_n])
        out[lang] = coherence_on(topics, ref, measure)
    return out


def _stability(a: list[list[str]], b: list[list[str]]) -> float:
    """Mean best-match Jaccard similarity between two sets of topics' top words."""
    scores = []
    for words in a:
        s = set(words)
        scores.append(max(len(s & set(other)) / len(s | set(other)) for other in b))
    return float(np.mean(scores))


def select_n_topics(
    texts: Iterable[Any],
    candidates: Sequence[int] = (4, 6, 8, 10, 12),
    *,
    seeds: Sequence[int] = (0, 1, 2),
    measure: str = "c_v",
    top_n: int = 10,
    **params: Any,
) -> tuple[int, list[dict[str, Any]]]:
    """Choose the number of topics by coherence, with stability across seeds.

    Trains one model per candidate and seed; the best candidate has the
    highest mean coherence. Stability is the mean best-match Jaccard overlap
    of top words between the models of different seeds (1 = identical).

    Returns
    -------
    (best n_topics, table)
        ``table`` has one row per candidate: ``n_topics``, ``coherence``
        (mean), ``coherence_std``, ``stability``.
    """
    if isinstance(texts, (str, bytes)):
        raise InputTypeError(
            "texts must be an iterable of str, not a single string; wrap it in a list"
        )
    texts = [_text_of(t) for t in texts]
    if not texts:
        raise InputError("no texts to choose the number of topics on")
    candidates = list(candidates)
    if not candidates or any(not isinstance(c, int) or c < 1 for c in candidates):
        raise InputError(f"candidates must be positive integers, got {candidates!r}")
    from tqdm.auto import tqdm

    table = []
    bar = tqdm(
        total=len(candidates) * len(seeds),
        desc="select_n_topics",
        unit=" models",
        leave=False,
        disable=params.get("progress")
        if params.get("progress") is None
        else not params["progress"],
    )
    for n in candidates:
        scores, word_sets = [], []
        for seed in seeds:
            model = TopicModel(n_topics=n, random_state=seed, **params).fit(texts)
            scores.append(model.coherence(measure, texts=texts, top_n=top_n))
            word_sets.append([[w for w, _ in t] for t in model.topics(top_n)])
            bar.update(1)
        pairs = [(i, j) for i in range(len(seeds)) for j in range(i + 1, len(seeds))]
        stability = (
            float(np.mean([_stability(word_sets[i], word_sets[j]) for i, j in pairs]))
            if pairs
            else 1.0
        )
        table.append(
            {
                "n_topics": n,
                "coherence": round(float(np.mean(scores)), 4),
                "coherence_std": round(float(np.std(scores)), 4),
                "stability": round(stability, 4),
            }
        )
        logger.info("select_n_topics: %s", table[-1])
    bar.close()
    best = max(table, key=lambda row: (row["coherence"], row["stability"], -row["n_topics"]))
    return int(best["n_topics"]), table


def plain_gensim_coherence(
    texts: Sequence[Any], model: TopicModel, *, random_state: int | None = 0, top_n: int = 10
) -> dict[str, float]:
    """Coherence of a plain gensim ``LdaModel`` (its defaults) on the same tokens and number of topics.

    The baseline a user would write: ``LdaModel(corpus, num_topics=k, id2word=dictionary)``
    on ``model``'s tokens and vocabulary.
    """
    from gensim.models import CoherenceModel, LdaModel

    dictionary = model.dictionary
    docs = model.tokens(texts)
    corpus = [dictionary.doc2bow(d) for d in docs]
    plain = LdaModel(
        corpus, num_topics=model.n_topics, id2word=dictionary, random_state=random_state
    )
    topics = [
        [dictionary[i] for i, _ in plain.get_topic_terms(k, topn=top_n)]
        for k in range(model.n_topics)
    ]
    out = {}
    for measure in ("c_v", "u_mass", "c_npmi"):
        cm = CoherenceModel(
            topics=topics,
            texts=docs,
            dictionary=dictionary,
            coherence=measure,
            corpus=corpus if measure == "u_mass" else None,
            processes=1,
        )
        out[measure] = round(float(cm.get_coherence()), 4)
    return out
