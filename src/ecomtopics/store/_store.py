"""The :class:`ModelStore`: save, list, promote, load and verify the versions in a store folder.

A version is written into a hidden temporary folder, synced, and renamed into
place under a file lock (:mod:`._locking`, so concurrent savers get distinct
versions and a crash leaves no half version); loading (:mod:`._reading`)
verifies every checksum, reads only regular files inside the store
(:mod:`._files`), never unpickles, and checks the built-in kinds' numbers
(:mod:`._sanity`).

Examples
--------
>>> import tempfile
>>> store = ModelStore(tempfile.mkdtemp())
>>> store.names()
[]
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from .._errors import (
    InputError,
    InputTypeError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelStoreError,
)
from ._card import model_card
from ._files import fsync_dir, read_store_file, sha256_file, write_array, write_bytes
from ._kinds import NAME_RE, StorableModel
from ._locking import TMP_PREFIX, remove_stale_temporaries, store_lock
from ._manifest import (
    ARRAYS,
    CARD,
    CONFIG,
    MANIFEST,
    MODEL_FILES,
    STORE_FORMAT,
    VERSION_RE,
    check_files,
    check_json,
    check_name,
    check_version,
    default_params,
    dumps,
    library_versions,
    read_manifest,
    unpack_model,
    version_number,
)
from ._reading import load_version, verified

__all__ = ["ENV_VAR", "ModelStore"]

logger = logging.getLogger(__name__)

#: Environment variable naming the default store folder.
ENV_VAR = "ECOMTOPICS_MODELS"

_PROMOTED = "promoted.json"

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
    >>> from ecomtopics.store import register_kind
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
            raise InputTypeError(
                f"store root must be a path (str or Path), got {type(root).__name__}: {root!r:.60}"
            )
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
            if NAME_RE.fullmatch(entry.name) and entry.is_dir() and self._version_dirs(entry.name)
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
        check_name(name)
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
        if not isinstance(version, str) or not VERSION_RE.fullmatch(version):
            raise ModelIntegrityError(
                f'{pointer}: expected {{"version": "vN"}}, found {text.strip()[:80]!r}; {fix}'
            )
        if version not in available:
            raise ModelIntegrityError(
                f"{pointer}: promoted version {version!r} does not exist; {fix}"
            )
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
        return read_manifest(self.root, check_name(name), version)

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
        check_name(name)
        kind, kind_format, config, arrays, model_files = unpack_model(model)
        if params is None and callable(getattr(model, "get_params", None)):
            params = default_params(model)
        header = {
            "store_format": STORE_FORMAT,
            "name": name,
            "kind": kind,
            "kind_format": kind_format,
            "params": check_json(params, "params"),
            "training_data": check_json(training_data, "training_data"),
            "metrics": check_json(metrics, "metrics"),
            "description": check_json(description, "description"),
        }
        if model_files:
            header[MODEL_FILES] = sorted(model_files)
        if header["description"] is not None and not isinstance(header["description"], str):
            raise InputError(f"description must be a str or None, got {type(description).__name__}")
        extra = check_files(files)
        clash = sorted(set(extra) & set(model_files))
        if clash:
            raise InputError(
                f"extra file(s) {', '.join(clash)} would replace files the model stores with "
                f"itself; choose other names"
            )
        extra.update(model_files)
        config_text = dumps(config)

        model_dir = self._model_dir(name)
        model_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(model_dir)
        tmp = model_dir / f"{TMP_PREFIX}{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            write_bytes(tmp / CONFIG, config_text.encode("utf-8"))
            if arrays:
                (tmp / ARRAYS).mkdir()
                for key, array in arrays.items():
                    write_array(tmp / ARRAYS / f"{key}.npy", array, key)
                fsync_dir(tmp / ARRAYS)
            for rel, content in extra.items():
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                write_bytes(target, content)
            # checksums of what is on disk, read back outside the lock (arrays can be large)
            hashes = {
                p.relative_to(tmp).as_posix(): sha256_file(p) for p in tmp.rglob("*") if p.is_file()
            }
            versions = library_versions()
            # only the version number, the card, the manifest and the rename happen under the lock
            with store_lock(model_dir):
                version = self._next_version(name)
                manifest = {
                    **header,
                    "version": version,
                    "created": _now_utc(),
                    "library_versions": versions,
                }
                _write_card_and_manifest(tmp, manifest, hashes)
                target = model_dir / version
                if target.exists():  # pragma: no cover - guarded by the lock and _next_version
                    raise ModelStoreError(
                        f"{target} already exists; refusing to overwrite a stored version"
                    )
                os.rename(tmp, target)
                fsync_dir(model_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        logger.info(
            "saved %s %s (%s, %d arrays) in %s", name, version, kind, len(arrays), self.root
        )
        return version

    def promote(self, name: str, version: str) -> None:
        """Make ``version`` the one :meth:`load` and :func:`load_model` return by default.

        The version is verified first; the pointer ``promoted.json`` is
        replaced atomically.

        Examples
        --------
        >>> store.promote("theme-classifier", "v2")  # doctest: +SKIP
        """
        check_name(name)
        version = check_version(version)
        self.verify(name, version)
        model_dir = self._model_dir(name)
        with store_lock(model_dir):
            tmp = model_dir / f".promoted-{uuid.uuid4().hex}.tmp"
            try:
                write_bytes(tmp, dumps({"version": version}).encode("utf-8"))
                os.replace(tmp, model_dir / _PROMOTED)
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
            fsync_dir(model_dir)
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
        model, manifest = load_version(self.root, name, version, probe=False)
        # where it came from, so worker processes can load it again instead of unpickling
        with contextlib.suppress(AttributeError):  # models with __slots__
            model.source_ = {"store": str(self.root), "name": name, "version": version}
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
                raise InputError(
                    f"verify got version {version!r} without a name; give both, or neither"
                )
            names = self.names()
        else:
            names = [check_name(name)]
        checked: list[tuple[str, str]] = []
        for model_name in names:
            if version is not None:
                wanted = [self._resolve_version(model_name, version)]
            else:
                wanted = self.versions(model_name)
                self.promoted(model_name)
            for ver in wanted:
                load_version(self.root, model_name, ver, probe=True)
                checked.append((model_name, ver))
                logger.debug("verified %s %s", model_name, ver)
        return checked

    def _add_model_files(
        self,
        name: str,
        version: str,
        files: dict[str, bytes],
        *,
        note: str,
        metrics: dict[str, Any] | None = None,
    ) -> None:
        """Give a version saved by store format 1 the files its model is rebuilt from.

        For migrations only (the shipped versions got their lexicons this way):
        the version is verified first; its existing files are kept byte for
        byte, the new ones are added and listed in ``model_files``, ``metrics``
        (if given) replace the manifest's, the card is rendered again, and the
        manifest records ``note``. The new folder is written aside, checked,
        and swapped in under the lock.
        """
        check_name(name)
        version = check_version(version)
        manifest, _, _ = verified(self.root, name, version)
        if manifest.get(MODEL_FILES):
            raise ModelStoreError(f"{name} {version} already carries its model files")
        model_files = check_files(files, "model file")
        clash = sorted(set(model_files) & set(manifest["files"]))
        if clash:
            raise ModelStoreError(f"{name} {version} already has {', '.join(clash)}")
        model_dir = self._model_dir(name)
        vdir = model_dir / version
        tmp = model_dir / f"{TMP_PREFIX}{uuid.uuid4().hex}"
        old = model_dir / f"{TMP_PREFIX}{uuid.uuid4().hex}"
        with store_lock(model_dir):
            try:
                shutil.copytree(vdir, tmp)
                for rel, content in model_files.items():
                    (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                    write_bytes(tmp / rel, content)
                manifest = dict(manifest)
                hashes = dict(manifest["files"])
                hashes.update({rel: sha256_file(tmp / rel) for rel in model_files})
                manifest.update(store_format=STORE_FORMAT, amended=note)
                manifest[MODEL_FILES] = sorted(model_files)
                if metrics is not None:
                    manifest["metrics"] = check_json(metrics, "metrics")
                hashes.pop(CARD, None)
                (tmp / CARD).unlink()
                (tmp / MANIFEST).unlink()
                _write_card_and_manifest(tmp, manifest, hashes)
                os.rename(vdir, old)
                os.rename(tmp, vdir)
                fsync_dir(model_dir)
            except BaseException:
                if old.exists() and not vdir.exists():
                    os.rename(old, vdir)
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            shutil.rmtree(old, ignore_errors=True)
        load_version(self.root, name, version, probe=True)
        logger.info(
            "added %d model files to %s %s in %s", len(model_files), name, version, self.root
        )

    # ----------------------------------------------------------------- internals

    def _model_dir(self, name: str) -> Path:
        return self.root / check_name(name)

    def _version_dirs(self, name: str) -> list[str]:
        model_dir = self.root / name
        if not model_dir.is_dir():
            return []
        found = [e.name for e in model_dir.iterdir() if VERSION_RE.fullmatch(e.name) and e.is_dir()]
        return sorted(found, key=version_number)

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
        version = check_version(version)
        if version not in available:
            raise ModelNotFoundError(
                f"model {name!r} has no version {version!r} in store {self.root}; "
                f"available: {', '.join(available)}"
            )
        return version

    def _next_version(self, name: str) -> str:
        existing = self._version_dirs(name)
        return f"v{version_number(existing[-1]) + 1 if existing else 1}"


def _write_card_and_manifest(
    folder: Path, manifest: dict[str, Any], hashes: dict[str, str]
) -> None:
    """Write the model card, then the manifest listing every file's checksum (card included),
    and make the folder durable. ``hashes`` gains the card's checksum."""
    write_bytes(folder / CARD, model_card(manifest, sorted([*hashes, CARD])).encode("utf-8"))
    hashes[CARD] = sha256_file(folder / CARD)
    manifest["files"] = dict(sorted(hashes.items()))
    write_bytes(folder / MANIFEST, dumps(manifest).encode("utf-8"))
    for sub in {(folder / rel).parent for rel in manifest["files"]}:
        fsync_dir(sub)


def _now_utc() -> str:
    """The time now in UTC, ISO 8601 to the second (``datetime`` is imported only for saving)."""
    import datetime

    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
