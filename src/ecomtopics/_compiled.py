"""The optional compiled modules, built at install time when a C compiler is found.

``_native`` (``_native.c``) counts the classifier's features; ``_zhseg``
(``_zhseg.c``) segments Chinese as rjieba does. :func:`compiled` returns one
of them, or ``None`` when it was not built, when ``ECOMTOPICS_NO_NATIVE`` is
set, or when it is stale (an editable install whose C source changed since it
was compiled: the module is then ignored with a warning until the package is
reinstalled). Every caller has a pure-Python (or rjieba) path with the same
results; the tests compare the two.

>>> native() is None or hasattr(native(), "CharCounter")
True
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import warnings
from pathlib import Path
from types import ModuleType

__all__ = ["compiled", "native", "zhseg"]


@functools.cache
def compiled(name: str) -> ModuleType | None:
    """The compiled module ``ecomtopics.<name>`` if it is built, current and not turned off."""
    if os.environ.get("ECOMTOPICS_NO_NATIVE"):
        return None
    try:
        module = importlib.import_module(f"ecomtopics.{name}")
    except ImportError:
        return None
    source = Path(__file__).with_name(f"{name}.c")
    if source.is_file():  # a checkout (editable install): the module must match its source
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if digest != module.SOURCE_SHA256:
            warnings.warn(
                f"ecomtopics/{name}.c changed since it was compiled; using the pure-Python "
                "paths until the package is reinstalled (pip install -e .)",
                RuntimeWarning,
                stacklevel=3,
            )
            return None
    return module


def native() -> ModuleType | None:
    """The compiled featurizer (``_native``), or ``None``."""
    return compiled("_native")


def zhseg() -> ModuleType | None:
    """The compiled Chinese segmenter (``_zhseg``), or ``None``."""
    return compiled("_zhseg")
