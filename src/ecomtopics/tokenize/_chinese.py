"""Chinese word segmentation with the domain dictionary, isolated from global jieba state."""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import threading
from collections.abc import Mapping
from typing import Literal

from .._compiled import zhseg
from .._errors import InputError
from ._lexicons import Lexicons, package_lexicons

__all__ = ["ENGINES", "ChineseSegmenter"]

logger = logging.getLogger(__name__)

Engine = Literal["rjieba", "jieba"]
ENGINES: tuple[str, ...] = ("rjieba", "jieba")

# One segmenter per (engine, domain dictionary) in the process: dictionaries are big.
_CACHE: dict[tuple[str, Lexicons | None], object] = {}
_LOCK = threading.Lock()


def _build(engine: str, lexicons: Lexicons | None) -> object:
    if engine == "rjieba":
        compiled = _compiled_segmenter(lexicons)
        if compiled is not None:
            return compiled
        import rjieba

        seg = rjieba.Jieba()
        if lexicons is not None:
            for word, freq, tag in lexicons.zh_domain_words():
                seg.add_word(word, freq, tag)
        return seg
    import jieba

    jieba_logger = logging.getLogger("jieba")
    old_level = jieba_logger.level
    jieba_logger.setLevel(logging.WARNING)  # jieba logs to stderr on load; keep it quiet
    try:
        seg = jieba.Tokenizer()  # a private instance: jieba.dt, the global one, is untouched
        seg.initialize()
        if lexicons is not None:
            for word, freq, tag in lexicons.zh_domain_words():
                seg.add_word(word, freq, tag)
    finally:
        jieba_logger.setLevel(old_level)
    return seg


def _compiled_segmenter(lexicons: Lexicons | None) -> object | None:
    """rjieba's segmentation by the compiled ``_zhseg`` module (same words as rjieba 0.2.2,
    i.e. jieba-rs 0.11; two to three times as fast at segmenting), or ``None`` when it is not
    built.

    It is given what jieba-rs embeds: jieba's dictionary (its ``dict.txt``, the
    file jieba-rs ships), the domain words after it (as ``add_word`` adds
    them), and jieba's HMM with its emission values rounded to six decimals
    (jieba-rs's model is cppjieba's, which stores them so). The tests compare
    its words with rjieba's on the labelled data and on random text.
    """
    module = zhseg()
    spec = importlib.util.find_spec("jieba")
    if module is None or spec is None or spec.origin is None:
        return None
    # jieba's files, read without importing jieba (its import costs 0.2 s: pkg_resources)
    folder = os.path.dirname(spec.origin)
    with open(os.path.join(folder, "dict.txt"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    fields = " ".join(lines).split()
    entries: list[tuple[str, int]]
    if (  # "word freq tag" on every line: split once, in C (checked: frequencies where expected)
        len(fields) == 3 * len(lines)
        and all(map(str.isdigit, fields[1::3]))
        and not any(map(str.isdigit, fields[2::3]))
    ):
        entries = list(zip(fields[0::3], map(int, fields[1::3])))
    else:
        entries = []
        for line in lines:
            parts = line.split()
            if parts:
                entries.append((parts[0], int(parts[1]) if len(parts) > 1 else 0))
    if lexicons is not None:
        for word, freq, _tag in lexicons.zh_domain_words():
            if freq is None:  # rjieba would suggest a frequency: only rjieba itself can do that
                return None
            entries.append((word, int(freq)))
    start, trans, emit = _hmm_tables(folder)
    emit = {
        state: {ch: float(f"{p:.6f}") for ch, p in table.items()} for state, table in emit.items()
    }
    return module.Segmenter(entries, start, trans, emit)


def _hmm_tables(folder: str) -> tuple[dict, dict, dict]:
    """jieba's HMM (start, transition, emission): its pickled copies (``finalseg/prob_*.p``, part
    of the installed package, equal to the ``.py`` tables: a test checks) load in 0.03 s where
    importing the ``.py`` modules takes 0.2 s; the modules when the copies are missing."""
    import pickle

    tables = []
    for name in ("start", "trans", "emit"):
        path = os.path.join(folder, "finalseg", f"prob_{name}.p")
        if not os.path.isfile(path):
            from jieba.finalseg import prob_emit, prob_start, prob_trans

            return prob_start.P, prob_trans.P, prob_emit.P
        with open(path, "rb") as f:
            tables.append(pickle.load(f))  # jieba's own data, installed with its code
    return tables[0], tables[1], tables[2]


@functools.cache
def _domain_only(lexicons: Lexicons) -> Lexicons | None:
    """Just the domain dictionary of ``lexicons``, so sets that share it share a segmenter."""
    domain = lexicons.text("zh_domain_words.txt")
    return Lexicons({"zh_domain_words.txt": domain}, lexicons.origin) if domain else None


def _segmenter(engine: str, lexicons: Lexicons | None) -> object:
    key = (engine, lexicons)
    seg = _CACHE.get(key)
    if seg is None:
        with _LOCK:
            seg = _CACHE.get(key)
            if seg is None:
                logger.debug("loading %s dictionary (domain words: %s)", engine, lexicons)
                seg = _CACHE[key] = _build(engine, lexicons)
    return seg


class ChineseSegmenter:
    """Segment Chinese text into words with jieba's dictionary plus the domain dictionary.

    Parameters
    ----------
    engine : {"rjieba", "jieba"}
        ``rjieba`` (jieba-rs's segmentation, the default: 15 to 30 times
        faster than jieba, same dictionary format) or the pure-Python
        ``jieba``. With ``rjieba``, the package's compiled segmenter
        (``_zhseg``, built at install time) cuts the same words as rjieba
        itself (tested against rjieba 0.2.2), two to three times as fast at
        segmenting; without a C compiler at install, rjieba does.
    user_dict : bool
        Add the domain dictionary (双十一, 线上线下, 人货场, 服务商 ...).
    hmm : bool
        Let the HMM join unknown words.
    lexicons : Lexicons, optional
        Where the domain dictionary comes from (default: the package's).

    The dictionary loads on first use, once per process and engine, and the
    global ``jieba`` segmenter of the caller's process is never changed.

    >>> ChineseSegmenter().cut("天猫双十一线上线下融合")
    ['天猫', '双十一', '线上线下', '融合']
    """

    def __init__(
        self,
        engine: Engine = "rjieba",
        user_dict: bool = True,
        hmm: bool = True,
        lexicons: Lexicons | None = None,
    ) -> None:
        if engine not in ENGINES:
            raise InputError(f"engine must be one of {ENGINES}, got {engine!r}")
        self.engine = engine
        self.user_dict = user_dict
        self.hmm = hmm
        self.lexicons = lexicons if lexicons is not None else package_lexicons()
        self._domain = _domain_only(self.lexicons) if user_dict else None

    def _seg(self) -> object:
        seg = self.__dict__.get("_segmenter")
        if seg is None:  # looked up once per instance (the cache's key hashes the lexicons)
            seg = self.__dict__["_segmenter"] = _segmenter(self.engine, self._domain)
        return seg

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_segmenter"}

    def cut(self, text: str) -> list[str]:
        """Words of ``text`` in order, white space and punctuation included."""
        seg = self._seg()
        if self.engine == "rjieba":
            return seg.cut(text, self.hmm)  # type: ignore[attr-defined]
        return seg.lcut(text, HMM=self.hmm)  # type: ignore[attr-defined]

    def cut_mapped(self, text: str, forms: Mapping[str, str]) -> list[str]:
        """``forms[word]`` for each word of ``text``, empty strings left out (one pass in C when
        the compiled segmenter is built)."""
        seg = self._seg()
        if self.engine == "rjieba" and type(seg).__module__ == "ecomtopics._zhseg":
            return seg.cut(text, self.hmm, forms=forms)  # type: ignore[attr-defined]
        return list(filter(None, map(forms.__getitem__, self.cut(text))))
