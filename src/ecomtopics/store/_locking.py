"""The store's file lock on a model folder and the clean-up of stale temporaries left by crashed writers."""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from .._errors import ModelStoreError

__all__ = ["TMP_PREFIX", "remove_stale_temporaries", "store_lock"]

logger = logging.getLogger(__name__)

LOCK = ".lock"
#: Prefix of the hidden folders a version is written into before the rename.
TMP_PREFIX = ".tmp-"
STALE_SECONDS = 3600.0
LOCK_TIMEOUT = 600.0


@contextlib.contextmanager
def store_lock(model_dir: Path) -> Iterator[None]:
    """Hold the lock of ``model_dir`` (``.lock``) for the block; a store error after the timeout."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(model_dir / LOCK), timeout=LOCK_TIMEOUT)
    try:
        lock.acquire()
    except Timeout as exc:
        raise ModelStoreError(
            f"{model_dir / LOCK}: could not take the store lock within {LOCK_TIMEOUT:.0f} s; "
            f"another process is saving {model_dir.name}, or is stuck: stop it and retry"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def remove_stale_temporaries(model_dir: Path) -> None:
    """Remove temporaries (``.tmp-*``, ``.promoted-*``) in ``model_dir`` older than an hour."""
    cutoff = time.time() - STALE_SECONDS
    for entry in model_dir.iterdir():
        if not (entry.name.startswith(TMP_PREFIX) or entry.name.startswith(".promoted-")):
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
