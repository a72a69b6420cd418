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
          report.json ...    extra files given to ``save(files=...)``
        v2/ ...

Principles (see DESIGN.md): a version, once written, never changes; writes
are atomic (a temporary ``.tmp-*`` folder renamed into place, so a crash
leaves no half version); loading verifies every checksum and never unpickles,
reads only regular files inside the store, each once (:mod:`._store_files`),
and checks the built-in kinds' numbers (:mod:`._store_sanity`); ``verify``
loads each version the same way.

Models take part through the :class:`StorableModel` protocol; the class that
rebuilds a stored model is found from the manifest's ``kind`` through a
registry (:func:`register_kind`), never from anything importable named by the
files themselves.

Examples
--------
>>> import tempfile
>>> store = ModelStore(tempfile.mkdtemp())
>>> store.names()
[]
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import importlib
import io
import json
import logging
import math
import os
import platform
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np

from ._errors import InputError, InputTypeError, ModelIntegrityError, ModelNotFoundError, ModelStoreError
from ._store_files import read_store_file
from ._store_sanity import check_arrays, check_model

__all__ = [
    "STORE_FORMAT",
    "ModelStore",
    "StorableModel",
    "bundled_store_path",
    "default_store",
    "key_metric",
    "load_model",
    "register_kind",
    "registered_kinds",
]

logger = logging.getLogger(__name__)

#: Format of the store layout and manifest written by this code; newer ones are refused.
STORE_FORMAT = 1

#: Environment variable naming the default store folder.
ENV_VAR = "ECOMTOPICS_MODELS"

#: Entry-point group through which installed packages can add model kinds.
ENTRY_POINT_GROUP = "ecomtopics.model_kinds"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_VERSION_RE = re.compile(r"^v([1-9][0-9]*)$")
_ARRAY_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_FILE_PART_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")

_MANIFEST = "manifest.json"
_CONFIG = "config.json"
_CARD = "README.md"
_ARRAYS = "arrays"
_PROMOTED = "promoted.json"
_LOCK = ".lock"
_TMP_PREFIX = ".tmp-"
_STALE_SECONDS = 3600.0
_LOCK_TIMEOUT = 600.0

_LIBRARIES = ("numpy", "scikit-learn", "gensim", "jieba", "rjieba", "ecomtopics")

# kind -> "module:ClassName" (imported only when that kind is loaded) or the class itself
_KINDS: dict[str, str | type] = {
    "theme-classifier": "ecomtopics.classify:ThemeClassifier",
    "topic-model": "ecomtopics.topics:TopicModel",
    "tfidf": "ecomtopics.features:Tfidf",
}

# what each built-in kind is for, used in the model card
_KIND_CARDS: dict[str, tuple[str, str]] = {
    "theme-classifier": (
        "A classifier that labels paragraphs with a theme (operations, o2o, channel, "
        "merchant_services or other), with probabilities and the terms behind each label.",
        "Labelling paragraphs of reports, articles and notes about Chinese e-commerce "
        "platforms (Tmall, Taobao, Alibaba and their merchants) by theme.",
    ),
    "topic-model": (
        "An LDA topic model: topics as weighted terms and, for each document, its mix of topics.",
        "Exploring what a collection of texts about Chinese e-commerce platforms is about.",
    ),
    "tfidf": (
        "A TF-IDF vectorizer over the ecomtopics bilingual tokenizer.",
        "Keywords and document vectors for texts about Chinese e-commerce platforms.",
    ),
}

_PREFERRED_METRICS = ("macro_f1", "f1_macro", "accuracy", "coherence", "c_v", "u_mass", "log_perplexity")


# --------------------------------------------------------------------------- protocol


@runtime_checkable
class StorableModel(Protocol):
    """What a model class implements to be saved in a :class:`ModelStore`.

    Attributes
    ----------
    _store_kind : str
        Kind name, e.g. ``"theme-classifier"``; must be registered with
        :func:`register_kind` (the built-in kinds are pre-registered).
    _store_format : int
        Version of this kind's ``config``/``arrays`` layout, starting at 1.
        Bump it when the layout changes; the store then refuses to load a
        newer format with older code. A class that still reads older formats
        must tell them apart from ``config`` itself.

    Methods
    -------
    _to_store()
        Return ``(config, arrays)``: a JSON-able dict (str keys; str, int,
        float, bool, None, lists and dicts) and a dict of name -> numpy array
        (no object dtype). The same model must give the same output, so the
        stored files are byte-identical.
    _from_store(config, arrays)
        Class method rebuilding the model from what ``_to_store`` returned.

    Examples
    --------
    >>> import numpy as np
    >>> class Scale:
    ...     _store_kind = "doc-scale"
    ...     _store_format = 1
    ...     def __init__(self, factor=1.0):
    ...         self.factor = factor
    ...     def _to_store(self):
    ...         return {"factor": self.factor}, {"ones": np.ones(2)}
    ...     @classmethod
    ...     def _from_store(cls, config, arrays):
    ...         return cls(config["factor"])
    >>> isinstance(Scale(), StorableModel)
    True
    """

    _store_kind: ClassVar[str]
    _store_format: ClassVar[int]

    def _to_store(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]: ...

    @classmethod
    def _from_store(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self: ...


def register_kind(kind: str, cls: type | str) -> None:
    """Register the class that stores and loads models of ``kind``.

    Parameters
    ----------
    kind : str
        Kind name as written in manifests, e.g. ``"theme-classifier"``.
    cls : type or str
        The class (implementing :class:`StorableModel`), or a lazy
        ``"module:ClassName"`` string imported only when that kind is loaded.

    Installed packages can also declare kinds as entry points in the group
    ``ecomtopics.model_kinds`` (``kind = "module:ClassName"``), which makes
    them known to every process, including the ``ecomtopics`` command line.

    Examples
    --------
    >>> class Dummy:
    ...     _store_kind = "doc-dummy"
    ...     _store_format = 1
    >>> register_kind("doc-dummy", Dummy)
    >>> "doc-dummy" in registered_kinds()
    True
    """
    if not isinstance(kind, str) or not _NAME_RE.fullmatch(kind):
        raise InputError(
            f"model kind must be lowercase letters, digits, '.', '_' or '-' "
            f"(at most 64, starting with a letter or digit), got {kind!r}"
        )
    if isinstance(cls, str):
        if cls.count(":") != 1 or not all(cls.split(":")):
            raise InputError(f"a lazy model class must be written 'module:ClassName', got {cls!r}")
    elif isinstance(cls, type):
        declared = getattr(cls, "_store_kind", None)
        if declared != kind:
            raise InputError(
                f"cannot register {cls.__qualname__} as kind {kind!r}: its _store_kind is "
                f"{declared!r}; saved models record _store_kind, so the two must match"
            )
        _check_format_attr(cls)
    else:
        raise InputError(f"cls must be a class or a 'module:ClassName' string, got {type(cls).__name__}")
    previous = _KINDS.get(kind)
    if previous is not None and previous is not cls:
        logger.debug("model kind %r re-registered: %r -> %r", kind, previous, cls)
    _KINDS[kind] = cls


def registered_kinds() -> dict[str, str]:
    """Return the known kinds as ``{kind: "module:ClassName"}`` (without importing them).

    Examples
    --------
    >>> registered_kinds()["theme-classifier"]
    'ecomtopics.classify:ThemeClassifier'
    """
    out = {kind: _describe_cls(target) for kind, target in _entry_point_kinds().items()}
    out.update({kind: _describe_cls(target) for kind, target in _KINDS.items()})
    return dict(sorted(out.items()))


def _describe_cls(target: str | type) -> str:
    return target if isinstance(target, str) else f"{target.__module__}:{target.__qualname__}"


def _entry_point_kinds() -> dict[str, str]:
    import importlib.metadata  # only for kinds the built-in registry lacks (slow to import)

    try:
        eps = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    except Exception:  # pragma: no cover - a broken installed distribution
        logger.debug("could not read entry points of %s", ENTRY_POINT_GROUP, exc_info=True)
        return {}
    return {ep.name: ep.value for ep in eps}


def _check_format_attr(cls: type) -> int:
    fmt = getattr(cls, "_store_format", None)
    if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
        raise InputError(f"{cls.__qualname__}._store_format must be an int >= 1, got {fmt!r}")
    return fmt


def _resolve_kind(kind: str, where: Path) -> type:
    """Return the class for ``kind``; ModelIntegrityError naming ``where`` if unknown."""
    target: str | type | None = _KINDS.get(kind)
    if target is None:
        target = _entry_point_kinds().get(kind)
    if target is None:
        known = ", ".join(sorted(registered_kinds())) or "none"
        raise ModelIntegrityError(
            f"{where}: unknown model kind {kind!r} (known kinds: {known}); the model was saved "
            f"by code this installation lacks: upgrade ecomtopics or install the package that "
            f"provides the kind (or register it with ecomtopics._store.register_kind)"
        )
    if isinstance(target, type):
        return target
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ModelIntegrityError(
            f"{where}: model kind {kind!r} needs {target}, which cannot be imported "
            f"({type(exc).__name__}: {exc}); upgrade or reinstall ecomtopics"
        ) from exc
    if not isinstance(cls, type):
        raise ModelIntegrityError(
            f"{where}: {target} for model kind {kind!r} is not a class; upgrade ecomtopics"
        )
    return cls


# --------------------------------------------------------------------------- helpers


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise (InputError if isinstance(name, str) else InputTypeError)(
            f"model name must match ^[a-z0-9][a-z0-9._-]{{0,63}}$ (lowercase letters, digits, "
            f"'.', '_', '-', at most 64, starting with a letter or digit), got {name!r}; "
            f"e.g. 'theme-classifier'"
        )
    return name


def _check_version(version: object) -> str:
    if isinstance(version, int) and not isinstance(version, bool) and version >= 1:
        return f"v{version}"
    if isinstance(version, str) and _VERSION_RE.fullmatch(version):
        return version
    error = InputError if isinstance(version, (str, int)) else InputTypeError
    raise error(f"version must look like 'v1', 'v2', ... (or None for the default), got {version!r}")


def _version_number(version: str) -> int:
    match = _VERSION_RE.fullmatch(version)
    assert match is not None
    return int(match.group(1))


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2, default=_json_default) + "\n"


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic) and not isinstance(obj, np.object_):
        return obj.item()
    if isinstance(obj, np.ndarray):
        raise TypeError(
            f"a numpy array of shape {obj.shape} is not JSON; return arrays among the model's "
            f"arrays, not in its config, metrics or params"
        )
    raise TypeError(f"object of type {type(obj).__name__} is not JSON-serializable")


def _check_json(value: Any, what: str) -> Any:
    """Check ``value`` is a JSON tree with str keys; return it after a JSON round trip."""

    def walk(obj: Any, path: str) -> None:
        if isinstance(obj, Mapping):
            for key, item in obj.items():
                if not isinstance(key, str):
                    raise InputError(
                        f"{path} has a key {key!r} of type {type(key).__name__}; JSON keys must be str"
                    )
                walk(item, f"{path}[{key!r}]")
        elif isinstance(obj, (list, tuple)):
            for i, item in enumerate(obj):
                walk(item, f"{path}[{i}]")

    walk(value, what)
    try:
        return json.loads(_dumps(value))
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{what} cannot be written as JSON: {exc}; use str, int, float, bool, None, lists and dicts"
        ) from exc


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":  # pragma: no cover - directories cannot be opened on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _write_array(path: Path, array: np.ndarray, key: str) -> None:
    with open(path, "xb") as fh:
        try:
            np.save(fh, array, allow_pickle=False)
        except ValueError as exc:
            raise InputError(
                f"array {key!r} (dtype {array.dtype}) cannot be saved without pickle: {exc}"
            ) from exc
        fh.flush()
        os.fsync(fh.fileno())


def _library_versions() -> dict[str, str | None]:
    import importlib.metadata

    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in _LIBRARIES:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def _lexicon_hashes() -> dict[str, str]:
    from .tokenize import lexicon_hashes

    return dict(lexicon_hashes())


def _warn_if_lexicons_changed(manifest: Mapping[str, Any], vdir: Path) -> None:
    """Models read text through the bundled lexicons: say so if they changed since training."""
    recorded = manifest.get("lexicons")
    if not isinstance(recorded, Mapping):  # saved before lexicons were recorded
        return
    current = _lexicon_hashes()
    changed = sorted(n for n in set(recorded) | set(current) if recorded.get(n) != current.get(n))
    if changed:
        logger.warning(
            "%s was trained with other versions of the lexicons %s; it loads, but its scores may "
            "differ from its report: retrain it with this ecomtopics", vdir, ", ".join(changed)
        )


def _check_arrays(arrays: object, model_name: str) -> dict[str, np.ndarray]:
    if not isinstance(arrays, Mapping):
        raise InputError(
            f"{model_name}._to_store() must return (config, arrays) with arrays a dict, "
            f"got {type(arrays).__name__}"
        )
    out: dict[str, np.ndarray] = {}
    seen: dict[str, str] = {}
    for key, array in arrays.items():
        if not isinstance(key, str) or not _ARRAY_KEY_RE.fullmatch(key):
            raise InputError(
                f"array name {key!r} from {model_name}._to_store() is not usable as a file name; "
                f"use letters, digits, '.', '_', '-' (at most 128, not starting with '.' or '-')"
            )
        if key.lower() in seen:
            raise InputError(
                f"arrays {seen[key.lower()]!r} and {key!r} differ only in case; their files would "
                f"collide on case-insensitive file systems"
            )
        seen[key.lower()] = key
        if isinstance(array, np.ma.MaskedArray):
            raise InputError(
                f"array {key!r} is a masked array, whose mask would be lost; store data and mask as two arrays"
            )
        if not isinstance(array, np.ndarray):
            raise InputError(
                f"array {key!r} must be a numpy array, got {type(array).__name__}; wrap it with numpy.asarray"
            )
        if array.dtype.hasobject:
            raise InputError(
                f"array {key!r} has dtype {array.dtype}, which holds Python objects and could only be "
                f"saved with pickle (the store never pickles); convert it, e.g. strings to a fixed-width "
                f"unicode array with numpy.asarray(values, dtype=str), or put lists in the config"
            )
        out[key] = array
    return out


def _check_files(files: object) -> dict[str, bytes]:
    if files is None:
        return {}
    if not isinstance(files, Mapping):
        raise InputError(f"files must be a dict of file name -> str or bytes, got {type(files).__name__}")
    reserved = {_MANIFEST, _CONFIG, _CARD}
    out: dict[str, bytes] = {}
    for rel, content in files.items():
        parts = rel.split("/") if isinstance(rel, str) else []
        if not parts or not all(_FILE_PART_RE.fullmatch(p) for p in parts) or ".." in parts:
            raise InputError(
                f"extra file name {rel!r} is not allowed; use a relative path of letters, digits, "
                f"'.', '_', '-' (folders separated by '/'), e.g. 'report.json'"
            )
        if rel in reserved or parts[0] == _ARRAYS:
            raise InputError(
                f"extra file name {rel!r} is reserved by the store "
                f"({', '.join(sorted(reserved))}, {_ARRAYS}/); "
                f"choose another name, e.g. 'report.md'"
            )
        if isinstance(content, str):
            out[rel] = content.encode("utf-8")
        elif isinstance(content, (bytes, bytearray, memoryview)):
            out[rel] = bytes(content)
        else:
            raise InputError(f"extra file {rel!r} must be str or bytes, got {type(content).__name__}")
    return out


def _flatten(tree: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(tree, dict):
        for key in sorted(tree):
            yield from _flatten(tree[key], f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, tree


def _fmt_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 80 else text[:77] + "..."
    return "null" if value is None else str(value)


def key_metric(metrics: Any, prefer: str | None = None) -> tuple[str, Any] | None:
    """Return the headline ``(name, value)`` of a manifest's metrics, or None.

    ``prefer`` names it by its dotted path (a retraining job's metric);
    otherwise ``macro_f1``, ``accuracy``, ``coherence`` and similar are
    preferred, else the first numeric metric by name.

    Examples
    --------
    >>> key_metric({"accuracy": 0.9, "macro_f1": 0.8})
    ('macro_f1', 0.8)
    """
    if not isinstance(metrics, dict):
        return None
    flat = [(k, v) for k, v in _flatten(metrics) if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if prefer:
        for k, v in flat:
            if k == prefer:
                return k, v
    for preferred in _PREFERRED_METRICS:
        for k, v in flat:
            if k == preferred:
                return k, v
    return flat[0] if flat else None


def _model_card(manifest: dict[str, Any], file_names: list[str]) -> str:
    """Render the README.md model card of a version from its manifest."""
    name, version, kind = manifest["name"], manifest["version"], manifest["kind"]
    what, use = _KIND_CARDS.get(
        kind,
        (
            f"A model of kind `{kind}`, stored by ecomtopics.",
            "As documented by the package that provides this kind.",
        ),
    )
    lines = [f"# {name} {version}", ""]
    if manifest.get("description"):
        lines += [str(manifest["description"]), ""]
    lines += [
        f"- kind: `{kind}` (format {manifest['kind_format']})",
        f"- created: {manifest['created']}",
        f"- store format: {manifest['store_format']}",
        "",
        "## What it is",
        "",
        what,
        "",
        "## Intended use",
        "",
        use,
        "",
        "Load it with:",
        "",
        "```python",
        "import ecomtopics as et",
        f'model = et.load_model("{name}", version="{version}")',
        "```",
        "",
        "## Training data",
        "",
    ]
    data = manifest.get("training_data")
    if not data:
        lines += ["Not recorded.", ""]
    else:
        data = dict(data)
        by_label = data.pop("by_label", None)
        paths = data.pop("paths", None)
        lines += [f"- {key}: {_fmt_value(value)}" for key, value in _flatten(data)]
        if paths:
            lines += ["- files:"] + [f"  - `{p}`" for p in paths]
        if isinstance(by_label, dict) and by_label:
            lines += ["", "| label | rows |", "|---|---|"]
            lines += [f"| {label} | {_fmt_value(count)} |" for label, count in sorted(by_label.items())]
        lines.append("")
    for title, key in (("Metrics", "metrics"), ("Parameters", "params")):
        lines += [f"## {title}", ""]
        tree = manifest.get(key)
        rows = list(_flatten(tree)) if isinstance(tree, dict) and tree else []
        if not rows:
            lines += ["Not recorded.", ""]
        else:
            lines += ["| name | value |", "|---|---|"]
            lines += [f"| {k} | {_fmt_value(v)} |" for k, v in rows]
            lines.append("")
    languages = None
    for source in (manifest.get("params"), manifest.get("training_data")):
        if isinstance(source, dict) and source.get("languages"):
            languages = source["languages"]
            break
    lines += ["## Languages", ""]
    if languages:
        lines += [", ".join(map(str, languages)) if isinstance(languages, list) else str(languages), ""]
    else:
        lines += [
            "Chinese (zh) and English (en), including mixed paragraphs, as tokenized by ecomtopics.",
            "",
        ]
    lines += [
        "## Limitations",
        "",
        "- Trained on text about Chinese e-commerce platforms; expect weaker results on other "
        "domains, other languages, or very short texts.",
        "- The training data is small and hand-labelled; labels and topics reflect its coverage "
        "and period (see the training data above).",
        "- Machine-translated text with artefacts the cleaner does not know may be tokenized poorly.",
        "- Scores are evidence, not ground truth: review decisions that matter.",
        "",
        "## Software",
        "",
    ]
    versions = manifest.get("library_versions") or {}
    lines += [f"- {lib}: {ver or 'not installed'}" for lib, ver in versions.items()]
    lines += [
        "",
        "## Files",
        "",
        f"`{_MANIFEST}` holds the sha256 of every file; loading refuses a version whose files do "
        f"not match. Arrays are plain `.npy` files read without pickle.",
        "",
    ]
    lines += [f"- `{rel}`" for rel in [_MANIFEST, *file_names]]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the store


class ModelStore:
    """A folder of named, versioned, checksummed models.

    Parameters
    ----------
    root : str or os.PathLike
        The store folder; created on the first :meth:`save`.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> class Mean:
    ...     _store_kind = "doc-mean"
    ...     _store_format = 1
    ...     def __init__(self, mean_=None):
    ...         self.mean_ = mean_
    ...     def _to_store(self):
    ...         return {}, {"mean_": self.mean_}
    ...     @classmethod
    ...     def _from_store(cls, config, arrays):
    ...         return cls(arrays["mean_"])
    >>> register_kind("doc-mean", Mean)
    >>> store = ModelStore(tempfile.mkdtemp())
    >>> store.save(Mean(np.array([0.5, 1.5])), "mean", metrics={"mae": 0.1})
    'v1'
    >>> store.save(Mean(np.array([0.6, 1.4])), "mean")
    'v2'
    >>> store.promote("mean", "v1")
    >>> store.load("mean").mean_        # the promoted version
    array([0.5, 1.5])
    >>> store.versions("mean"), store.promoted("mean")
    (['v1', 'v2'], 'v1')
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        if not isinstance(root, (str, os.PathLike)):
            raise InputTypeError(f"store root must be a path (str or Path), got {type(root).__name__}: {root!r:.60}")
        self.root = Path(root).expanduser().absolute()

    def __repr__(self) -> str:
        return f"ModelStore({str(self.root)!r})"

    # ----------------------------------------------------------------- listing

    def names(self) -> list[str]:
        """Return the names of the stored models (with at least one version), sorted.

        Examples
        --------
        >>> import tempfile
        >>> ModelStore(tempfile.mkdtemp()).names()
        []
        """
        if not self.root.is_dir():
            return []
        return sorted(
            entry.name
            for entry in self.root.iterdir()
            if _NAME_RE.fullmatch(entry.name) and entry.is_dir() and self._version_dirs(entry.name)
        )

    def versions(self, name: str) -> list[str]:
        """Return the versions of ``name``, oldest to newest (``['v1', 'v2', ...]``).

        Raises
        ------
        ModelNotFoundError
            If the store has no model called ``name``.

        Examples
        --------
        >>> store.versions("theme-classifier")  # doctest: +SKIP
        ['v1', 'v2']
        """
        _check_name(name)
        found = self._version_dirs(name)
        if not found:
            raise ModelNotFoundError(self._no_name_message(name))
        return found

    def path(self, name: str, version: str | None = None) -> Path:
        """Return the folder of a version (``None``: the promoted one, else the newest).

        Examples
        --------
        >>> store.path("theme-classifier", "v1")  # doctest: +SKIP
        PosixPath('/.../models/theme-classifier/v1')
        """
        return self._model_dir(name) / self._resolve_version(name, version)

    def promoted(self, name: str) -> str | None:
        """Return the promoted version of ``name``, or None if none was promoted.

        Raises
        ------
        ModelIntegrityError
            If ``promoted.json`` is unreadable or names a version that does not exist.

        Examples
        --------
        >>> store.promoted("theme-classifier")  # doctest: +SKIP
        'v2'
        """
        available = self.versions(name)
        pointer = self._model_dir(name) / _PROMOTED
        fix = f"fix it with: ecomtopics models promote {name} VERSION (available: {', '.join(available)})"
        try:
            text = read_store_file(pointer, self.root, fix).decode("utf-8", errors="replace")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ModelIntegrityError(f"{pointer}: not valid JSON ({exc}); {fix}") from exc
        version = data.get("version") if isinstance(data, dict) else None
        if not isinstance(version, str) or not _VERSION_RE.fullmatch(version):
            raise ModelIntegrityError(
                f'{pointer}: expected {{"version": "vN"}}, found {text.strip()[:80]!r}; {fix}'
            )
        if version not in available:
            raise ModelIntegrityError(f"{pointer}: promoted version {version!r} does not exist; {fix}")
        return version

    def manifest(self, name: str, version: str | None = None) -> dict[str, Any]:
        """Return the manifest of a version (``None``: the promoted one, else the newest).

        The manifest is parsed and its format checked; file checksums are not
        (use :meth:`verify` or :meth:`load` for that).

        Examples
        --------
        >>> store.manifest("theme-classifier")["metrics"]  # doctest: +SKIP
        {'macro_f1': 0.81}
        """
        version = self._resolve_version(name, version)
        return self._read_manifest(name, version)

    # ----------------------------------------------------------------- saving

    def save(
        self,
        model: StorableModel,
        name: str,
        *,
        metrics: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        training_data: dict[str, Any] | None = None,
        files: dict[str, str | bytes] | None = None,
        description: str | None = None,
    ) -> str:
        """Save ``model`` as a new version of ``name`` and return that version.

        The version is written to a hidden temporary folder, synced to disk and
        renamed into place under a file lock, so concurrent savers get distinct
        versions and a crash leaves no half version. Existing versions are
        never overwritten.

        Parameters
        ----------
        model : StorableModel
            A model implementing ``_store_kind``, ``_store_format``,
            ``_to_store`` and ``_from_store``.
        name : str
            Model name, matching ``^[a-z0-9][a-z0-9._-]{0,63}$``.
        metrics, params : dict, optional
            JSON-able evaluation results and training parameters. ``params``
            defaults to ``model.get_params(deep=False)`` (its JSON-able values)
            when the model has that method.
        training_data : dict, optional
            What the model was trained on, e.g. ``{"sha256": ..., "rows": 412,
            "by_label": {"o2o": 80, ...}, "paths": ["data/..."]}``.
        files : dict, optional
            Extra files for the version folder, name -> str (UTF-8) or bytes,
            e.g. ``{"report.md": text}``.
        description : str, optional
            One line for the manifest and the model card.

        Returns
        -------
        str
            The new version, e.g. ``"v3"``.

        Examples
        --------
        >>> version = store.save(clf, "theme-classifier", metrics={"macro_f1": 0.81})  # doctest: +SKIP
        """
        _check_name(name)
        kind, kind_format, config, arrays = self._unpack_model(model)
        if params is None and callable(getattr(model, "get_params", None)):
            params = self._default_params(model)
        header = {
            "store_format": STORE_FORMAT,
            "name": name,
            "kind": kind,
            "kind_format": kind_format,
            "params": _check_json(params, "params"),
            "training_data": _check_json(training_data, "training_data"),
            "metrics": _check_json(metrics, "metrics"),
            "description": _check_json(description, "description"),
            "lexicons": _lexicon_hashes(),
        }
        if header["description"] is not None and not isinstance(header["description"], str):
            raise InputError(f"description must be a str or None, got {type(description).__name__}")
        extra = _check_files(files)
        config_text = _dumps(config)

        model_dir = self._model_dir(name)
        model_dir.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temporaries(model_dir)
        tmp = model_dir / f"{_TMP_PREFIX}{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            _write_bytes(tmp / _CONFIG, config_text.encode("utf-8"))
            if arrays:
                (tmp / _ARRAYS).mkdir()
                for key, array in arrays.items():
                    _write_array(tmp / _ARRAYS / f"{key}.npy", array, key)
                _fsync_dir(tmp / _ARRAYS)
            for rel, content in extra.items():
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                _write_bytes(target, content)
            # checksums of what is on disk, read back outside the lock (arrays can be large)
            hashes = {p.relative_to(tmp).as_posix(): _sha256(p) for p in tmp.rglob("*") if p.is_file()}
            library_versions = _library_versions()
            # only the version number, the card, the manifest and the rename happen under the lock
            with self._lock(model_dir):
                version = self._next_version(name)
                manifest = {
                    **header,
                    "version": version,
                    "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                    "library_versions": library_versions,
                }
                _write_bytes(tmp / _CARD, _model_card(manifest, sorted([*hashes, _CARD])).encode("utf-8"))
                hashes[_CARD] = _sha256(tmp / _CARD)
                manifest["files"] = dict(sorted(hashes.items()))
                _write_bytes(tmp / _MANIFEST, _dumps(manifest).encode("utf-8"))
                for folder in {(tmp / rel).parent for rel in manifest["files"]}:
                    _fsync_dir(folder)
                target = model_dir / version
                if target.exists():  # pragma: no cover - guarded by the lock and _next_version
                    raise ModelStoreError(f"{target} already exists; refusing to overwrite a stored version")
                os.rename(tmp, target)
                _fsync_dir(model_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        logger.info("saved %s %s (%s, %d arrays) in %s", name, version, kind, len(arrays), self.root)
        return version

    def promote(self, name: str, version: str) -> None:
        """Make ``version`` the one :meth:`load` and :func:`load_model` return by default.

        The version is verified first; the pointer ``promoted.json`` is
        replaced atomically.

        Examples
        --------
        >>> store.promote("theme-classifier", "v2")  # doctest: +SKIP
        """
        _check_name(name)
        version = _check_version(version)
        self.verify(name, version)
        model_dir = self._model_dir(name)
        with self._lock(model_dir):
            tmp = model_dir / f".promoted-{uuid.uuid4().hex}.tmp"
            try:
                _write_bytes(tmp, _dumps({"version": version}).encode("utf-8"))
                os.replace(tmp, model_dir / _PROMOTED)
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
            _fsync_dir(model_dir)
        logger.info("promoted %s %s in %s", name, version, self.root)

    # ----------------------------------------------------------------- loading

    def load(self, name: str, version: str | None = None) -> Any:
        """Load a model, verifying every checksum first.

        Parameters
        ----------
        name : str
            Model name.
        version : str, optional
            ``"v3"``; None loads the promoted version, or the newest if none
            was promoted.

        Raises
        ------
        ModelNotFoundError
            Unknown name or version (the message lists the available ones).
        ModelIntegrityError
            A file is missing, changed or truncated, the manifest is missing or
            unreadable, or the format or kind is newer than this code.

        Examples
        --------
        >>> clf = store.load("theme-classifier")  # doctest: +SKIP
        """
        version = self._resolve_version(name, version)
        model, manifest = self._load_version(name, version, probe=False)
        vdir = self._model_dir(name) / version
        _warn_if_lexicons_changed(manifest, vdir)
        try:  # where it came from, so worker processes can load it again instead of unpickling
            model.source_ = {"store": str(self.root), "name": name, "version": version}
        except AttributeError:  # pragma: no cover - models with __slots__
            pass
        logger.debug("loaded %s %s from %s", name, version, self.root)
        return model

    def verify(self, name: str | None = None, version: str | None = None) -> list[tuple[str, str]]:
        """Check that versions load and are sane: manifests, formats, kinds, every file's sha256, the model.

        Each version is loaded as :meth:`load` would (regular files inside the
        store only, arrays without pickle, shapes, finite numbers, classes) and,
        for the built-in kinds, scores a probe text.

        Parameters
        ----------
        name : str, optional
            Only this model (default: every model in the store).
        version : str, optional
            Only this version of ``name`` (default: all its versions, and its
            ``promoted.json``).

        Returns
        -------
        list of (name, version)
            The versions checked, in order.

        Raises
        ------
        ModelIntegrityError
            On the first problem found; the message names the file, what is
            wrong and what to do.

        Examples
        --------
        >>> store.verify("theme-classifier")  # doctest: +SKIP
        [('theme-classifier', 'v1'), ('theme-classifier', 'v2')]
        """
        if name is None:
            if version is not None:
                raise InputError(f"verify got version {version!r} without a name; give both, or neither")
            names = self.names()
        else:
            names = [_check_name(name)]
        checked: list[tuple[str, str]] = []
        for model_name in names:
            if version is not None:
                wanted = [self._resolve_version(model_name, version)]
            else:
                wanted = self.versions(model_name)
                self.promoted(model_name)
            for ver in wanted:
                self._load_version(model_name, ver, probe=True)
                checked.append((model_name, ver))
                logger.debug("verified %s %s", model_name, ver)
        return checked

    # ----------------------------------------------------------------- internals

    def _load_version(self, name: str, version: str, *, probe: bool) -> tuple[Any, dict[str, Any]]:
        """Verify one version and build its model from the bytes checked; ``probe`` also scores a text."""
        manifest, cls, contents = self._verified(name, version)
        vdir = self._model_dir(name) / version
        fix = f"retrain the model or restore {vdir} from a backup"
        try:
            config = json.loads(contents[_CONFIG].decode("utf-8"))
        except ValueError as exc:
            raise ModelIntegrityError(
                f"{vdir / _CONFIG}: not valid JSON although its checksum matches ({exc}); the version "
                f"was written by faulty code: retrain the model"
            ) from exc
        arrays: dict[str, np.ndarray] = {}
        prefix = f"{_ARRAYS}/"
        for rel, data in contents.items():
            if rel.startswith(prefix) and rel.endswith(".npy") and "/" not in rel[len(prefix) :]:
                try:
                    arrays[rel[len(prefix) : -4]] = np.load(io.BytesIO(data), allow_pickle=False)
                except ValueError as exc:
                    raise ModelIntegrityError(
                        f"{vdir / rel}: not a plain numpy array file ({exc}); it is never unpickled: "
                        f"retrain the model or restore it from a backup"
                    ) from exc
        check_arrays(manifest["kind"], arrays, vdir, fix)
        try:
            model = cls._from_store(config, arrays)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ModelIntegrityError(
                f"{vdir}: {cls.__qualname__}._from_store could not rebuild the model "
                f"({type(exc).__name__}: {exc}); the files match their checksums, so they were written "
                f"by an incompatible version of {cls.__qualname__}, or an entry was dropped from the "
                f"manifest: retrain the model"
            ) from exc
        check_model(manifest["kind"], model, vdir, fix, probe=probe)
        return model, manifest

    def _model_dir(self, name: str) -> Path:
        return self.root / _check_name(name)

    def _version_dirs(self, name: str) -> list[str]:
        model_dir = self.root / name
        if not model_dir.is_dir():
            return []
        found = [e.name for e in model_dir.iterdir() if _VERSION_RE.fullmatch(e.name) and e.is_dir()]
        return sorted(found, key=_version_number)

    def _no_name_message(self, name: str) -> str:
        if not self.root.is_dir():
            return (
                f"no model named {name!r}: the store {self.root} does not exist; "
                f"set {ENV_VAR} or pass store=..."
            )
        available = self.names()
        listing = ", ".join(available) if available else "none (the store is empty)"
        return f"no model named {name!r} in store {self.root}; available: {listing}"

    def _resolve_version(self, name: str, version: str | None) -> str:
        available = self.versions(name)
        if version is None:
            return self.promoted(name) or available[-1]
        version = _check_version(version)
        if version not in available:
            raise ModelNotFoundError(
                f"model {name!r} has no version {version!r} in store {self.root}; "
                f"available: {', '.join(available)}"
            )
        return version

    def _next_version(self, name: str) -> str:
        existing = self._version_dirs(name)
        return f"v{_version_number(existing[-1]) + 1 if existing else 1}"

    @contextlib.contextmanager
    def _lock(self, model_dir: Path) -> Iterator[None]:
        from filelock import FileLock, Timeout

        lock = FileLock(str(model_dir / _LOCK), timeout=_LOCK_TIMEOUT)
        try:
            lock.acquire()
        except Timeout as exc:
            raise ModelStoreError(
                f"{model_dir / _LOCK}: could not take the store lock within {_LOCK_TIMEOUT:.0f} s; "
                f"another process is saving {model_dir.name}, or is stuck: stop it and retry"
            ) from exc
        try:
            yield
        finally:
            lock.release()

    @staticmethod
    def _remove_stale_temporaries(model_dir: Path) -> None:
        cutoff = time.time() - _STALE_SECONDS
        for entry in model_dir.iterdir():
            if not (entry.name.startswith(_TMP_PREFIX) or entry.name.startswith(".promoted-")):
                continue
            try:
                if entry.stat().st_mtime >= cutoff:
                    continue
            except FileNotFoundError:
                continue
            logger.debug("removing stale temporary %s", entry)
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()

    @staticmethod
    def _unpack_model(model: Any) -> tuple[str, int, dict[str, Any], dict[str, np.ndarray]]:
        cls = type(model)
        label = cls.__qualname__
        kind = getattr(model, "_store_kind", None)
        if not isinstance(kind, str) or not callable(getattr(model, "_to_store", None)):
            raise InputError(
                f"cannot save a {label}: it does not implement the store protocol "
                f"(_store_kind, _store_format, _to_store, _from_store; see ecomtopics._store.StorableModel)"
            )
        if kind not in _KINDS and kind not in _entry_point_kinds():
            raise InputError(
                f"cannot save a {label}: its kind {kind!r} is not registered, so it could not be loaded "
                f"again; register it first with ecomtopics._store.register_kind({kind!r}, {label})"
            )
        kind_format = _check_format_attr(cls)
        result = model._to_store()
        if not (isinstance(result, tuple) and len(result) == 2):
            raise InputError(
                f"{label}._to_store() must return a (config, arrays) tuple, got {type(result).__name__}"
            )
        config, arrays = result
        if not isinstance(config, Mapping):
            raise InputError(
                f"{label}._to_store() must return (config, arrays) with config a dict, "
                f"got {type(config).__name__}"
            )
        _check_json(config, f"{label} config")
        return kind, kind_format, dict(config), _check_arrays(arrays, label)

    @staticmethod
    def _default_params(model: Any) -> dict[str, Any] | None:
        try:
            raw = model.get_params(deep=False)
        except Exception:  # noqa: BLE001 - a best-effort record only
            logger.debug("get_params failed on %r", type(model), exc_info=True)
            return None
        params: dict[str, Any] = {}
        for key, value in raw.items():
            try:
                params[key] = json.loads(json.dumps(value, default=_json_default))
            except (TypeError, ValueError):
                logger.debug("param %r of %s is not JSON; not recorded", key, type(model).__qualname__)
        return params

    def _read_manifest(self, name: str, version: str) -> dict[str, Any]:
        vdir = self._model_dir(name) / version
        path = vdir / _MANIFEST
        fix = f"restore {vdir} from a backup or retrain the model"
        try:
            text = read_store_file(path, self.root, fix).decode("utf-8")
        except FileNotFoundError:
            raise ModelIntegrityError(
                f"{path}: manifest is missing, so this version cannot be checked or loaded; {fix}"
            ) from None
        except UnicodeDecodeError as exc:
            raise ModelIntegrityError(f"{path}: manifest is not UTF-8 text ({exc}); {fix}") from exc
        try:
            manifest = json.loads(text)
        except ValueError as exc:
            raise ModelIntegrityError(f"{path}: manifest is not valid JSON ({exc}); {fix}") from exc
        if not isinstance(manifest, dict):
            raise ModelIntegrityError(
                f"{path}: manifest must be a JSON object, found {type(manifest).__name__}; {fix}"
            )
        store_format = manifest.get("store_format")
        if not isinstance(store_format, int) or isinstance(store_format, bool) or store_format < 1:
            raise ModelIntegrityError(
                f"{path}: store_format must be an int >= 1, found {store_format!r}; {fix}"
            )
        if store_format > STORE_FORMAT:
            from . import __version__

            raise ModelIntegrityError(
                f"{path}: store_format {store_format} is newer than this ecomtopics ({__version__}) "
                f"reads (up to {STORE_FORMAT}); upgrade ecomtopics: pip install -U ecomtopics"
            )
        expected_types: dict[str, type | tuple[type, ...]] = {
            "name": str,
            "version": str,
            "kind": str,
            "kind_format": int,
            "created": str,
            "files": dict,
        }
        for key, typ in expected_types.items():
            if not isinstance(manifest.get(key), typ) or isinstance(manifest.get(key), bool):
                raise ModelIntegrityError(
                    f"{path}: manifest field {key!r} is missing or malformed "
                    f"({manifest.get(key)!r:.60}); {fix}"
                )
        if manifest["name"] != name or manifest["version"] != version:
            raise ModelIntegrityError(
                f"{path}: manifest describes {manifest['name']} {manifest['version']} but sits in "
                f"{name}/{version}; versions must not be copied or renamed: {fix}"
            )
        for rel, digest in manifest["files"].items():
            parts = rel.split("/")
            if (
                not isinstance(digest, str)
                or not re.fullmatch(r"[0-9a-f]{64}", digest)
                or not all(_FILE_PART_RE.fullmatch(p) for p in parts)
                or rel == _MANIFEST
            ):
                raise ModelIntegrityError(
                    f"{path}: manifest entry {rel!r}: {digest!r:.70} is not a file name with a sha256; {fix}"
                )
        if _CONFIG not in manifest["files"]:
            raise ModelIntegrityError(f"{path}: manifest does not list {_CONFIG}; {fix}")
        return manifest

    def _verified(self, name: str, version: str) -> tuple[dict[str, Any], type, dict[str, bytes]]:
        """Check one version's manifest and files; return its manifest, model class and file contents."""
        manifest = self._read_manifest(name, version)
        vdir = self._model_dir(name) / version
        mpath = vdir / _MANIFEST
        cls = _resolve_kind(manifest["kind"], mpath)
        supported = getattr(cls, "_store_format", 1)
        if manifest["kind_format"] < 1:
            raise ModelIntegrityError(
                f"{mpath}: kind_format must be >= 1, found {manifest['kind_format']}; "
                f"restore {vdir} from a backup or retrain the model"
            )
        if manifest["kind_format"] > supported:
            raise ModelIntegrityError(
                f"{mpath}: {manifest['kind']!r} format {manifest['kind_format']} is newer than "
                f"{cls.__qualname__} reads (up to {supported}); upgrade ecomtopics: pip install -U ecomtopics"
            )
        fix = f"retrain the model or restore {vdir} from a backup (a stored version never changes)"
        contents: dict[str, bytes] = {}
        for rel, expected in manifest["files"].items():
            file_path = vdir / rel
            try:
                data = read_store_file(file_path, self.root, fix)
            except FileNotFoundError:
                raise ModelIntegrityError(
                    f"{file_path}: file is missing (the manifest lists it); {fix}"
                ) from None
            actual = hashlib.sha256(data).hexdigest()
            if actual != expected:
                raise ModelIntegrityError(
                    f"{file_path}: checksum mismatch (manifest sha256 {expected[:12]}..., file "
                    f"{actual[:12]}..., {len(data)} bytes): the file was changed, "
                    f"truncated or damaged after saving; {fix}"
                )
            contents[rel] = data
        return manifest, cls, contents


# --------------------------------------------------------------------------- defaults


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
    repo_models = Path(__file__).resolve().parents[2] / "models"
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
