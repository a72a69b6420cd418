"""From texts to what LDA reads: token streams kept on disk, bags of words, and coherence helpers.

A corpus is tokenized once into a temporary JSON Lines file (memory stays flat
as the corpus grows) and re-read for each pass; the file is removed when its
corpus is closed or dropped, or when the process exits. :class:`TextStream`
reads the texts themselves lazily from files.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import InputError, InputTypeError
from ..tokenize import Tokenizer

__all__ = ["TextStream", "coherence_on"]

#: Coherence measures of gensim's ``CoherenceModel`` that :meth:`TopicModel.coherence` accepts.
COHERENCE_MEASURES = ("c_v", "u_mass", "c_npmi", "c_uci")


class TextStream:
    """A re-iterable stream of texts read lazily from files: memory stays flat.

    ``.txt`` files give one text per non-empty line; ``.jsonl`` files one per
    row (its ``text`` field). Iterating again re-reads the files.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_text("天猫\\n\\nTmall\\n", encoding="utf-8")
    >>> list(TextStream([path]))
    ['天猫', 'Tmall']
    """

    def __init__(self, paths: Iterable[str | Path]) -> None:
        self.paths = [Path(p) for p in paths]
        for path in self.paths:
            if not path.is_file():
                raise InputError(f"{path}: no such file")

    def __iter__(self) -> Iterator[str]:
        for path in self.paths:
            with path.open(encoding="utf-8-sig") as handle:  # a byte order mark is not text
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    if path.suffix == ".jsonl":
                        try:
                            text = json.loads(line)["text"]
                        except (ValueError, KeyError, TypeError):
                            raise InputError(
                                f"{path}:{number}: not a JSON object with a 'text' field"
                            ) from None
                        yield text
                    else:
                        yield line.rstrip("\n")


class _ConstantStart:
    """Stands in for gensim's random state during inference: every document starts from gamma = 1."""

    def gamma(self, shape: float, scale: float, size: tuple[int, int]) -> np.ndarray:
        return np.full(size, shape * scale)


def _text_of(item: Any) -> str:
    text = getattr(item, "text", item)  # a Paragraph, or a str
    if not isinstance(text, str):
        raise InputTypeError(f"texts must be str (or Paragraph), got {type(item).__name__}")
    return text


def _script(token: str) -> str:
    """'zh' for a token with Chinese characters, 'en' for one with Latin letters, else ''."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in token):
        return "zh"
    return "en" if any("a" <= ch.lower() <= "z" for ch in token) else ""


class _TokenCorpus:
    """Tokenized texts kept on disk (JSON Lines in a temporary file), re-iterable.

    With a ``mapper``, tokens are mapped to shared units; ``surfaces`` counts
    which written token stood for each unit (to show a unit in either language).
    The file goes with the corpus: :meth:`close`, garbage collection or the
    end of the process removes it (``weakref.finalize``, as ``tempfile``'s
    own ``TemporaryDirectory`` does).
    """

    def __init__(self, texts: Iterable[Any], tokenizer: Tokenizer, mapper: Any = None) -> None:
        handle, name = tempfile.mkstemp(prefix="ecomtopics-tokens-", suffix=".jsonl")
        self.path = Path(name)
        self._remove = weakref.finalize(self, _unlink, name)
        self.n_docs = 0
        self.surfaces: Counter[tuple[str, str]] = Counter()
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            for item in texts:
                tokens = tokenizer(_text_of(item))
                if mapper is not None:
                    pairs = [(mapper(t), t) for t in tokens]
                    pairs = [(u, t) for u, t in pairs if u]
                    self.surfaces.update(pairs)
                    tokens = [u for u, _ in pairs]
                out.write(json.dumps(tokens, ensure_ascii=False) + "\n")
                self.n_docs += 1

    def __iter__(self) -> Iterator[list[str]]:
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)

    def close(self) -> None:
        remove = self.__dict__.get("_remove")
        if remove is not None:  # a copy has none: only the original removes the file
            remove()

    def __getstate__(self) -> dict[str, Any]:
        # a copy (pickled with its model) reads the file while the original keeps it
        state = dict(self.__dict__)
        state.pop("_remove", None)
        return state


def _unlink(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)


class _BowCorpus:
    def __init__(self, docs: _TokenCorpus, dictionary: Any, progress: Any = None) -> None:
        self.docs, self.dictionary, self.progress = docs, dictionary, progress

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for tokens in self.docs:
            if self.progress is not None:
                self.progress.update(1)
            yield self.dictionary.doc2bow(tokens)

    def __len__(self) -> int:  # gensim counts the stream otherwise (one more pass)
        return self.docs.n_docs


def coherence_on(topics: list[list[str]], docs: list[list[str]], measure: str = "c_v") -> float:
    """Coherence of ``topics`` (lists of words) on tokenized ``docs``, by gensim's ``CoherenceModel``."""
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    dictionary = Dictionary(docs)
    topics = [[w for w in t if w in dictionary.token2id] for t in topics]
    topics = [t for t in topics if len(t) >= 2]
    if not topics:
        raise InputError("no topic has two words in these texts: coherence is undefined")
    model = CoherenceModel(
        topics=topics,
        texts=docs,
        dictionary=dictionary,
        coherence=measure,
        corpus=[dictionary.doc2bow(d) for d in docs] if measure == "u_mass" else None,
        processes=1,
    )
    return round(float(model.get_coherence()), 4)
