"""Shared argument checking: texts, and the declarative parameter checker of the estimators
(:func:`validate_params`); also two small caches (``Memo``, ``LazyPattern``)."""

from __future__ import annotations

import math
import numbers
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from ._errors import InputError, InputTypeError

__all__ = [
    "IntPair",
    "Interval",
    "LazyPattern",
    "Memo",
    "Options",
    "check_text",
    "check_texts",
    "validate_params",
]


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


# -- declarative parameter checks ------------------------------------------------------
#
# Each estimator lists, per parameter, what it accepts (``_parameter_constraints``, in the
# spirit of scikit-learn's ``utils/_param_validation``); :func:`validate_params` checks the
# values against it and names the parameter, the value received and what is allowed.
# A value of none of the accepted types raises :class:`~ecomtopics.InputTypeError` (also a
# TypeError and a ValueError); a value of the right type but out of range raises
# :class:`~ecomtopics.InputError` (a ValueError).


_CLOSED = ("both", "left", "right", "neither")


class Interval:
    """Numbers of ``kind`` between ``left`` and ``right`` (None: unbounded).

    ``kind`` is ``"int"`` (Python and numpy integers), ``"real"`` (any finite real
    number, integers too) or ``"float"`` (a finite real number that is not an
    integer, for parameters where an int means a count and a float a share); none
    accepts ``bool``. ``closed`` says which ends belong to the interval:
    ``"both"``, ``"left"``, ``"right"`` or ``"neither"``.

    >>> Interval("int", 1, None).describe()
    'an int >= 1'
    >>> Interval("real", 0, 1, closed="right").describe()
    'a number in (0, 1]'
    >>> import numpy as np
    >>> Interval("int", 1, None).contains(np.int64(3)), Interval("int", 1, None).contains(True)
    (True, False)
    """

    def __init__(
        self,
        kind: str,
        left: float | None,
        right: float | None,
        *,
        closed: str = "both",
    ) -> None:
        if kind not in ("int", "real", "float") or closed not in _CLOSED:
            raise InputError(f"Interval: bad kind {kind!r} or closed {closed!r}")
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def accepts_type(self, value: object) -> bool:
        if isinstance(value, (bool, np_bool())):
            return False
        if self.kind == "int":
            return isinstance(value, numbers.Integral)
        return isinstance(value, numbers.Real) and not (
            self.kind == "float" and isinstance(value, numbers.Integral)
        )

    def contains(self, value: Any) -> bool:
        if not self.accepts_type(value):
            return False
        if self.kind != "int" and not math.isfinite(value):
            return False
        low_ok = self.left is None or (
            value >= self.left if self.closed in ("both", "left") else value > self.left
        )
        high_ok = self.right is None or (
            value <= self.right if self.closed in ("both", "right") else value < self.right
        )
        return bool(low_ok and high_ok)

    def describe(self) -> str:
        what = {"int": "an int", "real": "a number", "float": "a float"}[self.kind]
        if self.kind != "int" and (self.left is None or self.right is None):
            what = what.replace("a ", "a finite ", 1)  # infinity and NaN are refused
        left_closed = self.closed in ("both", "left")
        right_closed = self.closed in ("both", "right")
        if self.left is not None and self.right is not None:
            return (
                f"{what} in {'[' if left_closed else '('}{self.left}, "
                f"{self.right}{']' if right_closed else ')'}"
            )
        if self.left is not None:
            return f"{what} {'>=' if left_closed else '>'} {self.left}"
        if self.right is not None:
            return f"{what} {'<=' if right_closed else '<'} {self.right}"
        return what


class Options:
    """One of a fixed set of values (strings, usually).

    >>> Options({"keep", "drop"}).describe()
    "one of 'drop', 'keep'"
    """

    def __init__(self, values: Iterable[Any]) -> None:
        self.values = frozenset(values)

    def accepts_type(self, value: object) -> bool:
        return any(type(value) is type(v) for v in self.values)

    def contains(self, value: object) -> bool:
        try:
            return value in self.values and self.accepts_type(value)
        except TypeError:  # unhashable
            return False

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in sorted(self.values, key=repr))


class IntPair:
    """A pair ``(low, high)`` of ints with ``low_min <= low <= high <= high_max`` (a tuple or list).

    >>> IntPair(1, 4).describe()
    'a pair (low, high) of ints with 1 <= low <= high <= 4'
    """

    def __init__(self, low_min: int, high_max: int) -> None:
        self.low_min, self.high_max = low_min, high_max

    def accepts_type(self, value: object) -> bool:
        return isinstance(value, (tuple, list))

    def contains(self, value: Any) -> bool:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            return False
        low, high = value
        return (
            Interval("int", None, None).accepts_type(low)
            and Interval("int", None, None).accepts_type(high)
            and self.low_min <= low <= high <= self.high_max
        )

    def describe(self) -> str:
        return f"a pair (low, high) of ints with {self.low_min} <= low <= high <= {self.high_max}"


class _TypeConstraint:
    def __init__(self, kind: Any) -> None:
        self.kind = kind

    def accepts_type(self, value: object) -> bool:
        if self.kind is bool:
            return isinstance(value, (bool, np_bool()))
        return isinstance(value, self.kind)

    contains = accepts_type

    def describe(self) -> str:
        if self.kind is bool:
            return "True or False"
        names = {dict: "a dict", str: "a str"}
        return names.get(self.kind, f"a {getattr(self.kind, '__name__', self.kind)}")


class _NoneConstraint:
    def accepts_type(self, value: object) -> bool:
        return value is None

    contains = accepts_type

    def describe(self) -> str:
        return "None"


def _make_constraint(spec: Any) -> Any:
    if spec is None:
        return _NoneConstraint()
    if isinstance(spec, type):
        return _TypeConstraint(spec)
    return spec


def np_bool() -> type:
    """numpy's bool type, or ``bool`` if numpy is not imported yet (then no value can be one)."""
    numpy = sys.modules.get("numpy")
    return numpy.bool_ if numpy is not None else bool


def validate_params(
    params: Mapping[str, Any], constraints: Mapping[str, list[Any]], owner: str
) -> None:
    """Check each of ``params`` named in ``constraints`` against its list of accepted forms.

    A value is valid when any constraint of its list accepts it. Constraints are
    :class:`Interval`, :class:`Options`, :class:`IntPair`, a type (``bool`` also
    accepts numpy bools) or ``None`` (the value None). ``owner`` names the public
    class or function in the message.

    >>> validate_params({"n": 0}, {"n": [Interval("int", 1, None)]}, "f")
    Traceback (most recent call last):
    ...
    ecomtopics.InputError: f: n must be an int >= 1, got 0
    >>> validate_params({"n": "3"}, {"n": [Interval("int", 1, None), None]}, "f")
    Traceback (most recent call last):
    ...
    ecomtopics.InputTypeError: f: n must be an int >= 1 or None, got str: '3'
    """
    for name, specs in constraints.items():
        if name not in params:
            continue
        value = params[name]
        checks = [_make_constraint(s) for s in specs]
        if any(c.contains(value) for c in checks):
            continue
        allowed = " or ".join(c.describe() for c in checks)
        if any(c.accepts_type(value) for c in checks):
            raise InputError(f"{owner}: {name} must be {allowed}, got {value!r:.80}")
        raise InputTypeError(
            f"{owner}: {name} must be {allowed}, got {type(value).__name__}: {value!r:.80}"
        )
