"""Small shared helpers for argument checking (and the small caches they need: ``Memo``, ``LazyPattern``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ._errors import InputError, InputTypeError

__all__ = ["LazyPattern", "Memo", "check_text", "check_texts"]


def check_text(text: object, *, name: str = "text") -> str:
    """Return ``text`` if it is a ``str``; raise a clear :class:`~ecomtopics.InputTypeError` otherwise.

    >>> check_text("天猫")
    '天猫'
    """
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray)):
        raise InputTypeError(
            f"{name} must be str, got {type(text).__name__}; decode it first, "
            f"e.g. data.decode('utf-8') (or 'gb18030' for older Chinese files)"
        )
    raise InputTypeError(f"{name} must be str, got {type(text).__name__}: {text!r:.80}")


def check_texts(texts: object, *, name: str = "texts", allow_empty: bool = True) -> list[str]:
    """Turn an iterable of strings into a list, checking every item.

    A single string is refused, because iterating over it would treat each
    character as a document.

    >>> check_texts(["a", "b"])
    ['a', 'b']
    """
    if isinstance(texts, (str, bytes, bytearray)):
        raise InputTypeError(
            f"{name} must be an iterable of str, got a single {type(texts).__name__}; "
            f"wrap it in a list: [{name[:-1] if name.endswith('s') else name}]"
        )
    if not isinstance(texts, Iterable):
        raise InputTypeError(f"{name} must be an iterable of str, got {type(texts).__name__}")
    out = [check_text(t, name=f"{name}[{i}]") for i, t in enumerate(texts)]
    if not allow_empty and not out:
        raise InputError(f"{name} is empty; at least one text is needed")
    return out


class LazyPattern:
    """A regular expression compiled on first use (big Unicode classes take milliseconds to compile,
    which would otherwise be paid by every ``import``).

    >>> LazyPattern(r"\\d+").findall("a1b22")
    ['1', '22']
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            compiled = self._compiled = re.compile(*self._args)
            for method in (
                "search",
                "match",
                "fullmatch",
                "sub",
                "subn",
                "findall",
                "finditer",
                "split",
            ):
                setattr(self, method, getattr(compiled, method))  # later calls skip __getattr__
        return getattr(self._compiled, name)


class Memo(dict):
    """A dict that computes a missing value with ``function`` and keeps it.

    The lookup runs in C (``__missing__`` is called only for new keys), so
    ``map(memo.__getitem__, words)`` normalises a stream of repeating words
    at the cost of a dict lookup each.

    >>> lengths = Memo(len)
    >>> [lengths[w] for w in ("天猫", "tmall", "天猫")], len(lengths)
    ([2, 5, 2], 2)
    """

    def __init__(self, function: Any) -> None:
        super().__init__()
        self._function = function

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self._function(key)
        return value
