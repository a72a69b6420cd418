"""ecomtopics: what is written about Chinese e-commerce platforms, and what it is about.

Reads Chinese and English text about Tmall, Taobao, Alibaba and their merchants;
cleans and splits it into paragraphs, tokenizes both languages with a domain
dictionary, finds keywords and topics, and labels each paragraph with a theme
(``operations``, ``o2o``, ``channel``, ``merchant_services`` or ``other``).

Public names are imported lazily, so ``import ecomtopics`` stays fast and heavy
libraries (scikit-learn, gensim, jieba) load only when first used.

>>> import ecomtopics as et
>>> [p.lang for p in et.split_paragraphs("天猫双十一。\\n\\nTmall grows.")]
['zh', 'en']
"""

from __future__ import annotations

import logging
import sys
import types
from typing import TYPE_CHECKING

from ._lazy import lazy_getattr as _lazy_getattr

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "Analyzer": "ecomtopics.features",
    "DataError": "ecomtopics._errors",
    "EcomtopicsError": "ecomtopics._errors",
    "Explanation": "ecomtopics.classify",
    "InputError": "ecomtopics._errors",
    "InputTypeError": "ecomtopics._errors",
    "JobConfig": "ecomtopics.jobs",
    "JobResult": "ecomtopics.jobs",
    "LabelledParagraph": "ecomtopics.data",
    "ModelIntegrityError": "ecomtopics._errors",
    "ModelNotFoundError": "ecomtopics._errors",
    "ModelStore": "ecomtopics.store",
    "ModelStoreError": "ecomtopics._errors",
    "StorableModel": "ecomtopics.store",
    "NotFittedError": "ecomtopics._errors",
    "Paragraph": "ecomtopics.text",
    "THEMES": "ecomtopics._themes",
    "TextStream": "ecomtopics.topics",
    "Tfidf": "ecomtopics.features",
    "ThemeClassifier": "ecomtopics.classify",
    "Tokenizer": "ecomtopics.tokenize",
    "TopicModel": "ecomtopics.topics",
    "classify_document": "ecomtopics.batch",
    "classify_many": "ecomtopics.batch",
    "clean_text": "ecomtopics.text",
    "detect_language": "ecomtopics.text",
    "evaluate": "ecomtopics.evaluate",
    "load_job_config": "ecomtopics.jobs",
    "load_model": "ecomtopics.store",
    "original_texts": "ecomtopics.text",
    "read_labelled": "ecomtopics.data",
    "register_kind": "ecomtopics.store",
    "run_job": "ecomtopics.jobs",
    "select_n_topics": "ecomtopics.topics",
    "split_paragraphs": "ecomtopics.text",
}

__all__ = sorted([*_LAZY, "__version__"])

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._errors import (
        DataError,
        EcomtopicsError,
        InputError,
        InputTypeError,
        ModelIntegrityError,
        ModelNotFoundError,
        ModelStoreError,
        NotFittedError,
    )
    from ._themes import THEMES
    from .batch import classify_document, classify_many
    from .classify import Explanation, ThemeClassifier
    from .data import LabelledParagraph, read_labelled
    from .evaluate import evaluate
    from .features import Analyzer, Tfidf
    from .jobs import JobConfig, JobResult, load_job_config, run_job
    from .store import ModelStore, StorableModel, load_model, register_kind
    from .text import Paragraph, clean_text, detect_language, original_texts, split_paragraphs
    from .tokenize import Tokenizer
    from .topics import TextStream, TopicModel, select_n_topics


__getattr__, __dir__ = _lazy_getattr(__name__, globals(), _LAZY)


class _Package(types.ModuleType):
    """``ecomtopics`` itself: ``evaluate`` stays the function when its module is imported.

    Importing the submodule ``ecomtopics.evaluate`` (``from ecomtopics.evaluate
    import score_predictions``) binds it here under its name, which would hide
    the public function ``ecomtopics.evaluate`` of the same name.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.{name}":
            value = getattr(value, name, value) if _LAZY.get(name) == value.__name__ else value
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
