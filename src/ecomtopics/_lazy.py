"""One lazy ``__getattr__`` for the packages whose public names load on first use.

A package lists ``{public name: module}`` and gets back the module-level
``__getattr__`` and ``__dir__`` (PEP 562): a name is imported from its module
the first time it is used, then cached in the package's namespace, so
``import ecomtopics`` stays fast and heavy libraries load only when needed.

>>> import types
>>> ns = types.ModuleType("demo")
>>> ns.__getattr__, ns.__dir__ = lazy_getattr("demo", ns.__dict__, {"dumps": "json"})
>>> ns.dumps({"a": 1})
'{"a": 1}'
>>> "dumps" in ns.__dir__()
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(
    package: str, namespace: MutableMapping[str, Any], names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for ``package`` loading ``names`` lazily.

    Parameters
    ----------
    package : str
        The package's ``__name__``, used in the error message and to resolve
        relative module names such as ``"._segment"``.
    namespace : dict
        The package's ``globals()``; each name is cached there once loaded.
    names : dict
        Public name -> module that defines it (absolute, or relative to ``package``).
    """

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
