"""Where models are found by default: ``$ECOMTOPICS_MODELS``, else the models shipped with ecomtopics."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .._errors import InputError
from ._store import ENV_VAR, ModelStore

__all__ = ["bundled_store_path", "default_store", "load_model"]


def bundled_store_path() -> Path:
    """Return the folder of the models shipped with ecomtopics.

    In an installed wheel that is ``ecomtopics/_bundled_models``; in an
    editable install, the repository's ``models/`` folder.

    Examples
    --------
    >>> bundled_store_path().name in {"_bundled_models", "models"}
    True
    """
    import ecomtopics

    bundled = Path(ecomtopics.__file__).resolve().parent / "_bundled_models"
    if bundled.is_dir():
        return bundled
    repo_models = Path(__file__).resolve().parents[3] / "models"
    if repo_models.is_dir():
        return repo_models
    return bundled


def default_store() -> ModelStore:
    """Return the store named by ``$ECOMTOPICS_MODELS``, else the bundled store.

    Examples
    --------
    >>> isinstance(default_store(), ModelStore)
    True
    """
    env = os.environ.get(ENV_VAR)
    return ModelStore(env if env else bundled_store_path())


def load_model(
    name: str,
    version: str | None = None,
    *,
    store: ModelStore | str | os.PathLike[str] | None = None,
) -> Any:
    """Load a stored model, verifying its checksums.

    Parameters
    ----------
    name : str
        Model name, e.g. ``"theme-classifier"``.
    version : str, optional
        ``"v3"``; None loads the promoted version, or the newest if none was promoted.
    store : ModelStore or path, optional
        Where to look; default ``$ECOMTOPICS_MODELS`` if set, else the models
        shipped with ecomtopics (:func:`bundled_store_path`).

    Examples
    --------
    >>> import ecomtopics as et
    >>> clf = et.load_model("theme-classifier")  # doctest: +SKIP
    >>> clf = et.load_model("theme-classifier", "v1", store="models")  # doctest: +SKIP
    """
    if store is None:
        resolved = default_store()
    elif isinstance(store, ModelStore):
        resolved = store
    elif isinstance(store, (str, os.PathLike)):
        resolved = ModelStore(store)
    else:
        raise InputError(f"store must be a ModelStore, a path or None, got {type(store).__name__}")
    return resolved.load(name, version)
