"""Exceptions raised by ecomtopics.

Every error the library raises on purpose derives from :class:`EcomtopicsError`,
so ``except ecomtopics.EcomtopicsError`` catches them all. Hierarchy::

    EcomtopicsError
    ├── InputError (also ValueError)        bad text, empty corpus, bad parameter value
    │   └── InputTypeError (also TypeError) an argument of the wrong type (None, bytes, a lone str)
    ├── DataError (also ValueError)         a labelled-data file has a bad row
    ├── NotFittedError (also AttributeError, like scikit-learn's)
    └── ModelStoreError                     anything wrong in a model store
        ├── ModelNotFoundError (also LookupError)   unknown name or version
        └── ModelIntegrityError             checksum mismatch, truncated or missing
                                            file, unknown kind, newer format, a
                                            special file or a link out of the store,
                                            NaN weights, a version that cannot load

Messages say what was wrong, the value received, what is allowed, and the likely
cause, and name only public API: the classes report themselves as ``ecomtopics.X``
(where users import them from), so a traceback reads ``ecomtopics.InputError``.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "EcomtopicsError",
    "InputError",
    "InputTypeError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelStoreError",
    "NotFittedError",
]


class EcomtopicsError(Exception):
    """Base class of every error ecomtopics raises on purpose."""


class InputError(EcomtopicsError, ValueError):
    """An argument has a value the library cannot work with."""


class InputTypeError(InputError, TypeError):
    """An argument has the wrong type (``None`` or bytes for a text, one string for a list of texts).

    Also a :class:`TypeError`, which is what these raised before, so both
    ``except TypeError`` and ``except EcomtopicsError`` catch it.
    """


class DataError(EcomtopicsError, ValueError):
    """A labelled-data file is malformed; the message names file and line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
        self.path = path
        self.line = line


class NotFittedError(EcomtopicsError, AttributeError):
    """A model was used before ``fit`` (or ``load``)."""


class ModelStoreError(EcomtopicsError):
    """Something is wrong with a model store or a stored model."""


class ModelNotFoundError(ModelStoreError, LookupError):
    """The store has no model of that name, or no such version."""


class ModelIntegrityError(ModelStoreError):
    """A stored model failed verification and was refused."""


for _cls in (
    EcomtopicsError,
    InputError,
    InputTypeError,
    DataError,
    NotFittedError,
    ModelStoreError,
    ModelNotFoundError,
    ModelIntegrityError,
):
    _cls.__module__ = "ecomtopics"  # the public name, in tracebacks and reprs (pickle resolves it)
del _cls
