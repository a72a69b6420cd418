"""Small shared helpers for argument checking."""

from __future__ import annotations

from collections.abc import Iterable

from ._errors import InputError

__all__ = ["check_text", "check_texts"]


def check_text(text: object, *, name: str = "text") -> str:
    """Return ``text`` if it is a ``str``; raise a clear ``TypeError`` otherwise.

    >>> check_text("天猫")
    '天猫'
    """
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray)):
        raise TypeError(
            f"{name} must be str, got {type(text).__name__}; decode it first, "
            f"e.g. data.decode('utf-8') (or 'gb18030' for older Chinese files)"
        )
    raise TypeError(f"{name} must be str, got {type(text).__name__}: {text!r:.80}")


def check_texts(texts: object, *, name: str = "texts", allow_empty: bool = True) -> list[str]:
    """Turn an iterable of strings into a list, checking every item.

    A single string is refused, because iterating over it would treat each
    character as a document.

    >>> check_texts(["a", "b"])
    ['a', 'b']
    """
    if isinstance(texts, (str, bytes, bytearray)):
        raise TypeError(
            f"{name} must be an iterable of str, got a single {type(texts).__name__}; "
            f"wrap it in a list: [{name[:-1] if name.endswith('s') else name}]"
        )
    if not isinstance(texts, Iterable):
        raise TypeError(f"{name} must be an iterable of str, got {type(texts).__name__}")
    out = [check_text(t, name=f"{name}[{i}]") for i, t in enumerate(texts)]
    if not allow_empty and not out:
        raise InputError(f"{name} is empty; at least one text is needed")
    return out
