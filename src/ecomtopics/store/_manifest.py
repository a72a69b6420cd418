"""What a stored version holds: names, the manifest and its checks, and what a model gives to save.

A version folder holds ``manifest.json`` (what, when, from what data, params,
metrics, library versions, sha256 of every other file), ``config.json``,
``arrays/*.npy`` and extra files. This module knows their names, checks what
a model's ``_to_store`` returns before anything is written, and reads a
manifest back, refusing one it cannot trust with a message naming the file,
what is wrong and what to do.
"""

from __future__ import annotations

import json
import logging
import platform
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import InputError, InputTypeError, ModelIntegrityError
from ._files import read_store_file
from ._kinds import NAME_RE, check_format_attr, is_registered

__all__ = ["STORE_FORMAT", "key_metric", "read_manifest", "unpack_model"]

logger = logging.getLogger(__name__)

#: Format of the store layout and manifest written by this code; newer ones are refused.
#: 2: ``model_files``, files a model stores with itself (e.g. its lexicons) and is rebuilt from.
STORE_FORMAT = 2

VERSION_RE = re.compile(r"^v([1-9][0-9]*)$")
ARRAY_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
FILE_PART_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")

MANIFEST = "manifest.json"
CONFIG = "config.json"
CARD = "README.md"
ARRAYS = "arrays"
#: Manifest field listing the files a model stores with itself (store format 2).
MODEL_FILES = "model_files"

_LIBRARIES = ("numpy", "scikit-learn", "gensim", "jieba", "rjieba", "ecomtopics")

_PREFERRED_METRICS = (
    "macro_f1",
    "f1_macro",
    "accuracy",
    "coherence",
    "c_v",
    "u_mass",
    "log_perplexity",
)


# --------------------------------------------------------------------------- names


def check_name(name: object) -> str:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise (InputError if isinstance(name, str) else InputTypeError)(
            f"model name must match ^[a-z0-9][a-z0-9._-]{{0,63}}$ (lowercase letters, digits, "
            f"'.', '_', '-', at most 64, starting with a letter or digit), got {name!r}; "
            f"e.g. 'theme-classifier'"
        )
    return name


def check_version(version: object) -> str:
    if isinstance(version, int) and not isinstance(version, bool) and version >= 1:
        return f"v{version}"
    if isinstance(version, str) and VERSION_RE.fullmatch(version):
        return version
    error = InputError if isinstance(version, (str, int)) else InputTypeError
    raise error(
        f"version must look like 'v1', 'v2', ... (or None for the default), got {version!r}"
    )


def version_number(version: str) -> int:
    match = VERSION_RE.fullmatch(version)
    assert match is not None
    return int(match.group(1))


# --------------------------------------------------------------------------- JSON


def dumps(obj: Any) -> str:
    return (
        json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2, default=json_default) + "\n"
    )


def json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic) and not isinstance(obj, np.object_):
        return obj.item()
    if isinstance(obj, np.ndarray):
        raise TypeError(
            f"a numpy array of shape {obj.shape} is not JSON; return arrays among the model's "
            f"arrays, not in its config, metrics or params"
        )
    raise TypeError(f"object of type {type(obj).__name__} is not JSON-serializable")


def check_json(value: Any, what: str) -> Any:
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
        return json.loads(dumps(value))
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{what} cannot be written as JSON: {exc}; use str, int, float, bool, None, lists and dicts"
        ) from exc


# --------------------------------------------------------------------------- what a model gives to save


def unpack_model(
    model: Any,
) -> tuple[str, int, dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
    cls = type(model)
    label = cls.__qualname__
    kind = getattr(model, "_store_kind", None)
    if not isinstance(kind, str) or not callable(getattr(model, "_to_store", None)):
        raise InputError(
            f"cannot save a {label}: it does not implement the store protocol "
            f"(_store_kind, _store_format, _to_store, _from_store; see ecomtopics.StorableModel)"
        )
    if not is_registered(kind):
        raise InputError(
            f"cannot save a {label}: its kind {kind!r} is not registered, so it could not be loaded "
            f"again; register it first with ecomtopics.register_kind({kind!r}, {label})"
        )
    kind_format = check_format_attr(cls)
    result = model._to_store()
    if not (isinstance(result, tuple) and len(result) in (2, 3)):
        raise InputError(
            f"{label}._to_store() must return a (config, arrays) or (config, arrays, files) tuple, "
            f"got {type(result).__name__}"
        )
    config, arrays = result[:2]
    files = check_files(result[2], f"{label}._to_store() file") if len(result) == 3 else {}
    if not isinstance(config, Mapping):
        raise InputError(
            f"{label}._to_store() must return (config, arrays) with config a dict, "
            f"got {type(config).__name__}"
        )
    check_json(config, f"{label} config")
    return kind, kind_format, dict(config), check_saved_arrays(arrays, label), files


def default_params(model: Any) -> dict[str, Any] | None:
    try:
        raw = model.get_params(deep=False)
    except Exception:  # noqa: BLE001 - a best-effort record only
        logger.debug("get_params failed on %r", type(model), exc_info=True)
        return None
    params: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            params[key] = json.loads(json.dumps(value, default=json_default))
        except (TypeError, ValueError):
            logger.debug("param %r of %s is not JSON; not recorded", key, type(model).__qualname__)
    return params


def check_saved_arrays(arrays: object, model_name: str) -> dict[str, np.ndarray]:
    if not isinstance(arrays, Mapping):
        raise InputError(
            f"{model_name}._to_store() must return (config, arrays) with arrays a dict, "
            f"got {type(arrays).__name__}"
        )
    out: dict[str, np.ndarray] = {}
    seen: dict[str, str] = {}
    for key, array in arrays.items():
        if not isinstance(key, str) or not ARRAY_KEY_RE.fullmatch(key):
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


def check_files(files: object, what: str = "extra file") -> dict[str, bytes]:
    if files is None:
        return {}
    if not isinstance(files, Mapping):
        raise InputError(
            f"{what}s must be a dict of file name -> str or bytes, got {type(files).__name__}"
        )
    reserved = {MANIFEST, CONFIG, CARD}
    out: dict[str, bytes] = {}
    for rel, content in files.items():
        parts = rel.split("/") if isinstance(rel, str) else []
        if not parts or not all(FILE_PART_RE.fullmatch(p) for p in parts) or ".." in parts:
            raise InputError(
                f"{what} name {rel!r} is not allowed; use a relative path of letters, digits, "
                f"'.', '_', '-' (folders separated by '/'), e.g. 'report.json'"
            )
        if rel in reserved or parts[0] == ARRAYS:
            raise InputError(
                f"{what} name {rel!r} is reserved by the store "
                f"({', '.join(sorted(reserved))}, {ARRAYS}/); "
                f"choose another name, e.g. 'report.md'"
            )
        if isinstance(content, str):
            out[rel] = content.encode("utf-8")
        elif isinstance(content, (bytes, bytearray, memoryview)):
            out[rel] = bytes(content)
        else:
            raise InputError(f"{what} {rel!r} must be str or bytes, got {type(content).__name__}")
    return out


def library_versions() -> dict[str, str | None]:
    import importlib.metadata  # here, not at import: it takes longer to import than a model to load

    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in _LIBRARIES:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


# --------------------------------------------------------------------------- reading a manifest


def read_manifest(root: Path, name: str, version: str) -> dict[str, Any]:
    """Read, parse and check the manifest of ``root/name/version`` (not the files' checksums)."""
    vdir = root / name / version
    path = vdir / MANIFEST
    fix = f"restore {vdir} from a backup or retrain the model"
    try:
        text = read_store_file(path, root, fix).decode("utf-8")
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
        from .. import __version__

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
            or not all(FILE_PART_RE.fullmatch(p) for p in parts)
            or rel == MANIFEST
        ):
            raise ModelIntegrityError(
                f"{path}: manifest entry {rel!r}: {digest!r:.70} is not a file name with a sha256; {fix}"
            )
    if CONFIG not in manifest["files"]:
        raise ModelIntegrityError(f"{path}: manifest does not list {CONFIG}; {fix}")
    model_files = manifest.get(MODEL_FILES)
    if model_files is not None and (
        not isinstance(model_files, list)
        or not all(isinstance(rel, str) and rel in manifest["files"] for rel in model_files)
    ):
        raise ModelIntegrityError(
            f"{path}: manifest field {MODEL_FILES!r} must list files of the manifest, found "
            f"{model_files!r:.80}; {fix}"
        )
    return manifest


# --------------------------------------------------------------------------- metrics


def flatten(tree: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(tree, dict):
        for key in sorted(tree):
            yield from flatten(tree[key], f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, tree


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
    flat = [
        (k, v)
        for k, v in flatten(metrics)
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    if prefer:
        for k, v in flat:
            if k == prefer:
                return k, v
    for preferred in _PREFERRED_METRICS:
        for k, v in flat:
            if k == preferred:
                return k, v
    return flat[0] if flat else None
