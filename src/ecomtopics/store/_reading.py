"""Reading one stored version: check its manifest and every file's checksum, then rebuild and sanity-check the model."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ModelIntegrityError
from ._files import read_store_file
from ._kinds import resolve_kind
from ._manifest import ARRAYS, CONFIG, MANIFEST, MODEL_FILES, check_name, read_manifest
from ._sanity import check_arrays, check_model

__all__ = ["load_version", "verified"]


def verified(
    root: Path, name: str, version: str
) -> tuple[dict[str, Any], type[Any], dict[str, bytes]]:
    """Check one version's manifest and files; return its manifest, model class and file contents."""
    manifest = read_manifest(root, check_name(name), version)
    vdir = root / check_name(name) / version
    mpath = vdir / MANIFEST
    cls = resolve_kind(manifest["kind"], mpath)
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
            data = read_store_file(file_path, root, fix)
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


def load_version(root: Path, name: str, version: str, *, probe: bool) -> tuple[Any, dict[str, Any]]:
    """Verify one version and build its model from the bytes checked; ``probe`` also scores a text."""
    manifest, cls, contents = verified(root, name, version)
    vdir = root / check_name(name) / version
    fix = f"retrain the model or restore {vdir} from a backup"
    try:
        config = json.loads(contents[CONFIG].decode("utf-8"))
    except ValueError as exc:
        raise ModelIntegrityError(
            f"{vdir / CONFIG}: not valid JSON although its checksum matches ({exc}); the version "
            f"was written by faulty code: retrain the model"
        ) from exc
    arrays: dict[str, np.ndarray] = {}
    prefix = f"{ARRAYS}/"
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
    model_files = manifest.get(MODEL_FILES)
    try:
        if model_files:
            model = cls._from_store(config, arrays, {rel: contents[rel] for rel in model_files})
        else:
            # saved without the files the model is rebuilt from (store format 1): the
            # class decides whether it can stand in for them (e.g. matching lexicons)
            check_without = getattr(cls, "_check_stored_without_files", None)
            if check_without is not None:
                check_without(manifest, str(vdir))
            model = cls._from_store(config, arrays)
    except (KeyError, IndexError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise ModelIntegrityError(
            f"{vdir}: {cls.__qualname__}._from_store could not rebuild the model "
            f"({type(exc).__name__}: {exc}); the files match their checksums, so they were written "
            f"by an incompatible version of {cls.__qualname__}, or an entry was dropped from the "
            f"manifest: retrain the model"
        ) from exc
    check_model(manifest["kind"], model, vdir, fix, probe=probe)
    return model, manifest
