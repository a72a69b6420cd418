"""Versioned model store: plain files, checksums, atomic writes.

A store is a folder; each model name has numbered versions, each version a
folder of plain, readable files::

    models/
      theme-classifier/
        promoted.json        {"version": "v2"}: what load_model("theme-classifier") returns
        .lock                taken while a version number is chosen
        v1/
          manifest.json      what, when, from what data, params, metrics,
                             library versions, sha256 of every other file
          README.md          model card generated from the manifest
          config.json        the model's JSON configuration
          arrays/coef_.npy   one ``numpy.save`` file per array (never pickled)
          lexicons/ ...      files the model stores with itself (``model_files``)
          report.json ...    extra files given to ``save(files=...)``
        v2/ ...

Principles (see docs/design.md): a version, once written, never changes (a
migration may only add files its model is rebuilt from); writes
are atomic (a temporary ``.tmp-*`` folder renamed into place, so a crash
leaves no half version); loading verifies every checksum and never unpickles,
reads only regular files inside the store, each once (:mod:`._files`),
and checks the built-in kinds' numbers (:mod:`._sanity`); ``verify``
loads each version the same way.

Models take part through the :class:`StorableModel` protocol; the class that
rebuilds a stored model is found from the manifest's ``kind`` through a
registry (:func:`register_kind`, :mod:`._kinds`), never from anything importable named by the
files themselves.

Modules, one job each:

- :mod:`._store` — :class:`ModelStore`: save, list, promote, load, verify;
  version folders and the atomic write into place;
- :mod:`._reading` — one version read back: manifest and checksums checked,
  the model rebuilt from the checked bytes and sanity-checked;
- :mod:`._locking` — the file lock of a model folder, stale temporaries removed;
- :mod:`._manifest` — names, the manifest and its checks, what a model gives to save;
- :mod:`._card` — the model card (``README.md``) generated from the manifest;
- :mod:`._kinds` — the one table of built-in model kinds, the kind registry,
  the :class:`StorableModel` protocol;
- :mod:`._files` — reading store files safely, writing them durably;
- :mod:`._sanity` — the checks of the built-in kinds' numbers on load and verify;
- :mod:`._defaults` — the bundled store, ``$ECOMTOPICS_MODELS`` and :func:`load_model`.

Examples
--------
>>> import tempfile
>>> from ecomtopics.store import ModelStore
>>> ModelStore(tempfile.mkdtemp()).names()
[]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr as _lazy_getattr

# public name -> module that defines it; loaded on first use, so reading the
# kinds table (``ecomtopics.store._kinds``) does not import numpy
_LAZY: dict[str, str] = {
    "BUILTIN_KINDS": "._kinds",
    "ENV_VAR": "._store",
    "STORE_FORMAT": "._manifest",
    "KindSpec": "._kinds",
    "ModelStore": "._store",
    "StorableModel": "._kinds",
    "bundled_store_path": "._defaults",
    "default_store": "._defaults",
    "key_metric": "._manifest",
    "load_model": "._defaults",
    "register_kind": "._kinds",
    "registered_kinds": "._kinds",
}

__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._defaults import bundled_store_path, default_store, load_model
    from ._kinds import BUILTIN_KINDS, KindSpec, StorableModel, register_kind, registered_kinds
    from ._manifest import STORE_FORMAT, key_metric
    from ._store import ENV_VAR, ModelStore

__getattr__, __dir__ = _lazy_getattr(__name__, globals(), _LAZY)
