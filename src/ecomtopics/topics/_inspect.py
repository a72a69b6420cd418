"""Reading a fitted topic model: its topics as words (in either language), their quality, their themes.

:class:`TopicInspection` holds these methods; :class:`~ecomtopics.topics.TopicModel`
inherits them and provides the fitted attributes they read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import InputError
from .._themes import TOPICAL_THEMES

if TYPE_CHECKING:  # pragma: no cover
    from ..tokenize._lexicons import Lexicons

__all__ = ["TopicInspection"]


def _js(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence (bits, 0..1) between two distributions."""
    p = np.asarray(p, dtype=np.float64) / np.sum(p)
    q = np.asarray(q, dtype=np.float64) / np.sum(q)
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / m[mask])))

    return max(0.0, (kl(p) + kl(q)) / 2)


class TopicInspection:
    """The topics of a fitted model, as words, quality checks and themes."""

    # fitted by TopicModel (annotations only: these are not class attributes)
    n_topics: int
    vocabulary_: list[str]
    words_zh_: list[str]
    words_en_: list[str]
    topic_shares_: np.ndarray
    _unit_map: dict[str, str] | None

    if TYPE_CHECKING:  # provided by TopicModel

        def _check(self) -> None: ...

        def _lexicons(self) -> Lexicons: ...

        def topic_word_matrix(self) -> np.ndarray: ...

    def topics(self, top_n: int = 10) -> list[list[tuple[str, float]]]:
        """Each topic's ``top_n`` words with their probabilities."""
        self._check()
        if top_n < 1:
            raise InputError(f"top_n must be at least 1, got {top_n}")
        matrix = self.topic_word_matrix()
        out = []
        for row in matrix:
            order = np.lexsort((np.arange(len(row)), -row))[:top_n]
            out.append([(self.vocabulary_[j], round(float(row[j]), 6)) for j in order])
        return out

    def topics_bilingual(self, top_n: int = 10) -> list[list[tuple[str, str, str, float]]]:
        """Each topic's ``top_n`` units as (unit, Chinese word, English word, probability).

        A word is "" where the unit was never written in that language.
        """
        index = {w: j for j, w in enumerate(self.vocabulary_)}
        return [
            [(w, self.words_zh_[index[w]], self.words_en_[index[w]], p) for w, p in topic]
            for topic in self.topics(top_n)
        ]

    def topic_words(self, lang: str, top_n: int = 10) -> list[list[str]]:
        """Each topic's ``top_n`` words written in ``lang`` ("zh" or "en"), best first."""
        self._check()
        if lang not in ("zh", "en"):
            raise InputError(f"lang must be 'zh' or 'en', got {lang!r}")
        words = self.words_zh_ if lang == "zh" else self.words_en_
        out = []
        for row in self.topic_word_matrix():
            picked: list[str] = []
            for j in np.lexsort((np.arange(len(row)), -row)):
                if words[j] and words[j] not in picked:
                    picked.append(words[j])
                    if len(picked) == top_n:
                        break
            out.append(picked)
        return out

    def topic_quality(self, top_n: int = 10) -> dict[str, Any]:
        """Dead topics (share of the corpus under a tenth of an even share) and duplicate pairs.

        Two topics are duplicates when their top-``top_n`` words overlap by at
        least half (Jaccard) or their word distributions are almost the same
        (Jensen-Shannon divergence under 0.1 bits).
        """
        self._check()
        shares = np.asarray(self.topic_shares_)
        dead = [int(k) for k in np.flatnonzero(shares < 0.1 / self.n_topics)]
        # with a small vocabulary every topic's top words are all the words: compare fewer
        tops = [
            set(w for w, _ in t)
            for t in self.topics(max(1, min(top_n, len(self.vocabulary_) // 2)))
        ]
        matrix = self.topic_word_matrix()
        duplicates = []
        for a in range(self.n_topics):
            for b in range(a + 1, self.n_topics):
                jaccard = len(tops[a] & tops[b]) / len(tops[a] | tops[b])
                if jaccard >= 0.5 or _js(matrix[a], matrix[b]) < 0.1:
                    duplicates.append((a, b, round(jaccard, 3)))
        return {"dead": dead, "duplicates": duplicates}

    def topic_names(self, top_n: int = 3) -> list[str]:
        """A name for each topic: its nearest theme and its top words in both languages.

        e.g. ``"T2 o2o: 门店 线下 会员 / store offline member"``.
        """
        out = []
        for row in self.describe(top_n=max(top_n, 1)):
            zh = " ".join(row["words_zh"][:top_n])
            en = " ".join(row["words_en"][:top_n])
            words = " / ".join(part for part in (zh, en) if part)
            flag = (
                " (dead)"
                if row["dead"]
                else f" (≈T{row['duplicate_of']})"
                if row["duplicate_of"] is not None
                else ""
            )
            out.append(f"T{row['topic']} {row['theme']}{flag}: {words}")
        return out

    def describe(self, top_n: int = 10) -> list[dict[str, Any]]:
        """Each topic: top words, share of the corpus, and nearest theme by the theme lexicons.

        A topic's affinity to a theme is the probability mass its words put on
        the concept lexicon's words of that theme; ``theme`` is ``other`` when
        no theme gets at least 2% of the mass.
        """
        self._check()
        matrix = self.topic_word_matrix()
        lexicons = self._lexicons()
        theme_of = lexicons.topical_concept_themes()
        table = lexicons.concepts()
        word_theme = np.zeros((len(self.vocabulary_), len(TOPICAL_THEMES)))
        for j, word in enumerate(self.vocabulary_):
            for concept in table.get(word, ()):
                if concept in theme_of:
                    word_theme[j, TOPICAL_THEMES.index(theme_of[concept])] = 1.0
        members = self._unit_members()
        for j, word in enumerate(self.vocabulary_):
            names = set(table.get(word, ()))
            if word.startswith("@") and word[1:] in theme_of:
                names.add(word[1:])
            for token in members.get(word, ()):
                names.update(table.get(token, ()))
            for concept in names & theme_of.keys():
                word_theme[j, TOPICAL_THEMES.index(theme_of[concept])] = 1.0
        affinity = matrix @ word_theme
        quality = self.topic_quality(top_n)
        duplicate_of = {b: a for a, b, _ in reversed(quality["duplicates"])}
        rows = []
        for k, topic in enumerate(self.topics_bilingual(top_n)):
            best = int(affinity[k].argmax())
            rows.append(
                {
                    "topic": k,
                    "words": [w for w, _, _, _ in topic],
                    "words_zh": [zh for _, zh, _, _ in topic if zh],
                    "words_en": [en for _, _, en, _ in topic if en],
                    "share": round(float(self.topic_shares_[k]), 4),
                    "theme": TOPICAL_THEMES[best] if affinity[k, best] >= 0.02 else "other",
                    "affinity": {
                        t: round(float(a), 4) for t, a in zip(TOPICAL_THEMES, affinity[k])
                    },
                    "dead": k in quality["dead"],
                    "duplicate_of": duplicate_of.get(k),
                }
            )
        return rows

    def _unit_members(self) -> dict[str, list[str]]:
        members: dict[str, list[str]] = {}
        for token, unit in (getattr(self, "_unit_map", None) or {}).items():
            if unit:
                members.setdefault(unit, []).append(token)
        return members
