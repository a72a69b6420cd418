"""The bilingual tokenizer: routes each run of text to the Chinese or English tokenizer."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from .._errors import InputError
from .._validation import LazyPattern, Memo, check_text
from ..text._clean import clean_and_scan
from ._chinese import ENGINES, ChineseSegmenter, Engine
from ._english import EnglishTokenizer
from ._lexicons import Lexicons, package_lexicons

__all__ = ["Tokenizer"]

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# An English run inside Chinese text: two or more Latin words separated by spaces
# ("Double 11", "service providers help"). Single Latin words glued to Chinese
# ("O2O", "集团CEO张勇") stay with the Chinese segmenter and are normalised as English.
_EN_RUN = LazyPattern(r"[A-Za-z][A-Za-z0-9'’&.\-]*(?:\s+[A-Za-z0-9][A-Za-z0-9'’&.\-]*)+")
_HAS_HAN = LazyPattern(rf"[{_HAN}]")
_ZH_TOKEN = LazyPattern(r"\w", re.UNICODE)
_NUMBER = LazyPattern(r"^[\d.,%]+$")

Lang = Literal["auto", "zh", "en"]


class Tokenizer:
    """Bilingual tokenizer for Chinese and English e-commerce text.

    Calling it on a text returns its tokens. Chinese runs go to a jieba-style
    segmenter with the domain dictionary; everything else to the English
    tokenizer (machine-translation artefacts, phrases, stopwords, plurals).
    A mixed paragraph is handled run by run. Latin words inside Chinese runs
    ("O2O", "CEO") are lower-cased like English ones, so both languages share
    tokens where they can.

    Parameters
    ----------
    lang : {"auto", "zh", "en"}
        ``auto`` routes by script; ``zh`` sends everything to the Chinese
        segmenter; ``en`` everything to the English tokenizer.
    engine : {"rjieba", "jieba"}
        Chinese segmentation engine. ``rjieba`` (jieba-rs) is the default:
        about 30 times faster than ``jieba`` with near-identical output on
        the seeds (see the project README).
    user_dict, hmm : bool
        Chinese: use the domain dictionary; let the HMM join unknown words.
    stopwords, phrases, artefacts, plurals, lowercase, drop_numbers : bool
        Turn the steps of the pipeline on or off (stopwords and number
        dropping apply to both languages).
    normalize : bool
        Clean the text first (NFKC, invisible characters, HTML remnants).
    lexicons : Lexicons, optional
        The lexicon files to read (default: the package's). A loaded model
        passes the copy it was trained with. Not one of :meth:`get_params`.

    Examples
    --------
    >>> tok = Tokenizer()
    >>> tok("天猫双十一线上线下融合")
    ['天猫', '双十一', '线上线下', '融合']
    >>> tok("The electricity supplier joins Double 11 with 人货场")
    ['e-commerce', 'join', 'double_11', '人货场']
    >>> tok.tokenize_many(["服务商", "TP partners"])
    [['服务商'], ['service_provider', 'partner']]
    """

    def __init__(
        self,
        lang: Lang = "auto",
        *,
        engine: Engine = "rjieba",
        user_dict: bool = True,
        hmm: bool = True,
        stopwords: bool = True,
        phrases: bool = True,
        artefacts: bool = True,
        plurals: bool = True,
        lowercase: bool = True,
        drop_numbers: bool = True,
        normalize: bool = True,
        lexicons: Lexicons | None = None,
    ) -> None:
        if lang not in ("auto", "zh", "en"):
            raise InputError(f"lang must be 'auto', 'zh' or 'en', got {lang!r}")
        if engine not in ENGINES:
            raise InputError(f"engine must be one of {ENGINES}, got {engine!r}")
        self.lang = lang
        self.engine = engine
        self.user_dict = user_dict
        self.hmm = hmm
        self.stopwords = stopwords
        self.phrases = phrases
        self.artefacts = artefacts
        self.plurals = plurals
        self.lowercase = lowercase
        self.drop_numbers = drop_numbers
        self.normalize = normalize
        self.lexicons = lexicons if lexicons is not None else package_lexicons()
        self._zh_stopwords = self.lexicons.zh_stopwords()
        self._zh = ChineseSegmenter(engine, user_dict, hmm, self.lexicons)
        self._en = EnglishTokenizer(
            lowercase=lowercase,
            artefacts=artefacts,
            phrases=phrases,
            stopwords=stopwords,
            plurals=plurals,
            drop_numbers=drop_numbers,
            lexicons=self.lexicons,
        )

    _PARAMS = (
        "lang",
        "engine",
        "user_dict",
        "hmm",
        "stopwords",
        "phrases",
        "artefacts",
        "plurals",
        "lowercase",
        "drop_numbers",
        "normalize",
    )

    def get_params(self) -> dict[str, Any]:
        """The settings, enough to rebuild an identical tokenizer: ``Tokenizer(**params)``."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def __repr__(self) -> str:
        import inspect

        defaults = {
            n: p.default for n, p in inspect.signature(Tokenizer.__init__).parameters.items()
        }
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        if self.lexicons != package_lexicons():
            changed["lexicons"] = self.lexicons
        return f"Tokenizer({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Tokenizer)
            and self.get_params() == other.get_params()
            and self.lexicons == other.lexicons
        )

    def __hash__(self) -> int:
        return hash(tuple(self.get_params().items()))

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from settings: segmenters hold locks and load per process
        return (_rebuild, (self.get_params(), self.lexicons))

    def __call__(self, text: str) -> list[str]:
        """Tokens of one text. ``None`` or bytes raise ``TypeError``."""
        check_text(text)
        return self._tokens(*self._cleaned(text))

    def _cleaned(self, text: str) -> tuple[str, bool | None, bool | None]:
        """The text the tokenizers read, and whether it has Chinese characters and Latin
        letters (``None``: not known; see :func:`~ecomtopics.text._clean.clean_and_scan`)."""
        return clean_and_scan(text) if self.normalize else (text, None, None)

    def _tokens(self, text: str, has_han: bool | None, has_letter: bool | None) -> list[str]:
        """Tokens of a cleaned text (:meth:`_cleaned`), routed by script."""
        if self.lang == "en" or (
            self.lang == "auto"
            and (
                not has_han
                if has_han is not None
                else (text.isascii() or not _HAS_HAN.search(text))
            )
        ):
            return self._en(text)
        if self.lang == "zh" or not (
            has_letter if has_letter is not None else _EN_RUN.search(text)
        ):
            return self._chinese(text)
        tokens: list[str] = []
        start = 0
        for m in _EN_RUN.finditer(text):
            tokens += self._chinese(text[start : m.start()])
            tokens += self._en(m.group())
            start = m.end()
        tokens += self._chinese(text[start:])
        return tokens

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        """Tokens of each text, in order."""
        return [self(t) for t in texts]

    def iter_tokenize(self, texts: Iterable[str]) -> Iterator[list[str]]:
        """Lazily yield the tokens of each text (for streams)."""
        for t in texts:
            yield self(t)

    def _chinese(self, text: str) -> list[str]:
        forms = self._zh_forms
        if len(forms) > 500_000:  # bound the memo on endless streams of new words
            forms.clear()
        return self._zh.cut_mapped(text, forms)

    @functools.cached_property
    def _zh_forms(self) -> dict[str, str]:
        """segment -> output tokens (empty when dropped); each distinct segment is handled once."""
        return Memo(self._zh_form)

    def _zh_form(self, token: str) -> str:
        if not _ZH_TOKEN.search(token) or (self.stopwords and token in self._zh_stopwords):
            return ""
        if self.drop_numbers and _NUMBER.match(token):
            return ""
        if token.isascii() and token[:1].isalpha():  # a Latin word inside Chinese: as English
            return "_".join(self._en(token))
        if self.lowercase and token.isascii():
            token = token.lower()
        return token if token.isprintable() and " " not in token else "".join(token.split())


def _rebuild(params: dict[str, Any], lexicons: Lexicons | None = None) -> Tokenizer:
    return Tokenizer(**params, lexicons=lexicons)
