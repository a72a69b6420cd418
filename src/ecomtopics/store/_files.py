"""A model store's files: read safely (regular files inside the store only), written durably.

A store is read by ``load`` and ``verify`` and must not hang, nor read content
from outside itself: a FIFO would block ``open`` until a writer comes, a
device such as ``/dev/zero`` never ends, and a symbolic link leaving the store
would let a version's content change behind its back. Every file is opened
once, without blocking, checked to be a regular file inside the store, and
read whole; the bytes read are the bytes checked and the bytes used.

Writing goes the other way: each file is created exclusively (never
overwriting), flushed and synced, and folders are synced after their entries
change, so a version renamed into place is on disk whole.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import numpy as np

from .._errors import InputError, ModelIntegrityError

__all__ = ["fsync_dir", "read_store_file", "sha256_file", "write_array", "write_bytes"]

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)

_KINDS_OF_FILE = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def read_store_file(path: Path, root: Path, fix: str) -> bytes:
    """Return the bytes of ``path``, a regular file that lies inside the store ``root``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (callers say which file was expected).
    ModelIntegrityError
        If ``path`` (or a folder on its way) is a symbolic link leading out of
        the store, or ``path`` is not a regular file; the message names the
        file and ends with ``fix``.
    """
    real = Path(os.path.realpath(path))
    inside = Path(os.path.realpath(root))
    if real != inside and inside not in real.parents:
        raise ModelIntegrityError(
            f"{path}: a symbolic link to {real}, outside the store {inside}; a stored version must "
            f"hold its own files (copy them in instead of linking), or {fix}"
        )
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except IsADirectoryError:
        raise ModelIntegrityError(f"{path}: expected a file, found a folder; {fix}") from None
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ModelIntegrityError(
            f"{path}: cannot be opened as a plain file ({exc.strerror}); {fix}"
        ) from exc
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ModelIntegrityError(f"{path}: expected a file, found a folder; {fix}")
        if not stat.S_ISREG(mode):
            found = _KINDS_OF_FILE.get(stat.S_IFMT(mode), "something other than a regular file")
            raise ModelIntegrityError(f"{path}: expected a regular file, found {found}; {fix}")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    if os.name == "nt":  # pragma: no cover - directories cannot be opened on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes(path: Path, data: bytes) -> None:
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_array(path: Path, array: np.ndarray, key: str) -> None:
    with open(path, "xb") as fh:
        try:
            np.save(fh, array, allow_pickle=False)
        except ValueError as exc:
            raise InputError(
                f"array {key!r} (dtype {array.dtype}) cannot be saved without pickle: {exc}"
            ) from exc
        fh.flush()
        os.fsync(fh.fileno())
