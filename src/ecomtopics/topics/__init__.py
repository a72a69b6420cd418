"""LDA topic models (gensim) over our bilingual tokens: topics, topic mixes, coherence.

Engine: gensim's ``LdaModel``. It is deterministic for a given ``random_state``
(``LdaMulticore`` with several workers is not), trains from a re-iterable stream
so memory stays flat as the corpus grows, computes coherence natively
(``CoherenceModel``), and its state is plain arrays, so a model is stored
without pickle. Inference starts every document from the same point (not a
random draw), so :meth:`TopicModel.transform` gives the same mix on every call,
whatever the batch.

- :mod:`._model` — :class:`TopicModel`;
- :mod:`._inspect` — reading its topics: words in either language, quality, themes;
- :mod:`._corpus` — token streams kept on disk, bags of words, :class:`TextStream`;
- :mod:`._selection` — :func:`select_n_topics`, plain gensim baselines,
  :func:`parallel_divergence`.

>>> texts = ["天猫线下门店 线上线下 融合 门店", "服务商 商家 培训 服务商", "线下门店 会员 门店"] * 5
>>> lda = TopicModel(n_topics=2, passes=5, random_state=0).fit(texts)
>>> mix = lda.transform(["门店 线下门店"])
>>> mix.shape, bool(abs(mix.sum() - 1) < 1e-9)
((1, 2), True)
"""

from ._corpus import TextStream
from ._model import TopicModel
from ._selection import (
    parallel_divergence,
    plain_gensim_by_language,
    plain_gensim_coherence,
    select_n_topics,
)

__all__ = [
    "TextStream",
    "TopicModel",
    "parallel_divergence",
    "plain_gensim_by_language",
    "plain_gensim_coherence",
    "select_n_topics",
]
