"""Reading a model store's files safely: regular files inside the store, never anything else.

A store is read by ``load`` and ``verify`` and must not hang, nor read content
from outside itself: a FIFO would block ``open`` until a writer comes, a
device such as ``/dev/zero`` never ends, and a symbolic link leaving the store
would let a version's content change behind its back. Every file is opened
once, without blocking, checked to be a regular file inside the store, and
read whole; the bytes read are the bytes checked and the bytes used.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ._errors import ModelIntegrityError

__all__ = ["read_store_file"]

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)

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
        raise ModelIntegrityError(f"{path}: cannot be opened as a plain file ({exc.strerror}); {fix}") from exc
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
