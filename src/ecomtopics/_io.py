"""Reading documents from files, folders and standard input, with clear errors."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from ._errors import InputError

__all__ = ["decode_bytes", "iter_document_paths", "read_document", "read_documents"]

logger = logging.getLogger(__name__)

#: File name endings read when a folder is given.
TEXT_SUFFIXES = (".txt", ".md", ".text")


def decode_bytes(data: bytes, *, name: str = "<bytes>") -> str:
    """Decode a document: UTF-8 (with or without BOM), else GB18030 for older Chinese files.

    Binary data (NUL bytes) and text that is neither are refused with an
    :class:`~ecomtopics.InputError` naming the file.

    >>> decode_bytes("天猫".encode("gb18030"))
    '天猫'
    """
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: looks like a binary file (it contains NUL bytes); give a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        first_bad = utf8_error.start
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise InputError(
            f"{name}: not UTF-8 (first bad byte at offset {first_bad}) and not GB18030 text; "
            "convert it to UTF-8 first"
        ) from None
    logger.info("%s: decoded as GB18030", name)
    return text


def read_document(path: str | Path) -> str:
    """Read one text document, refusing missing, binary, undecodable and empty files."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give files, or use a command that takes folders")
    text = decode_bytes(path.read_bytes(), name=str(path))
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    return text


def iter_document_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Expand folders into their text files (sorted); ``-`` stands for standard input."""
    for raw in paths:
        path = Path(raw)
        if str(raw) == "-":
            yield path
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
            if not files:
                raise InputError(f"{path}: no {'/'.join(TEXT_SUFFIXES)} files in this folder")
            yield from files
        elif not path.exists():
            raise InputError(f"{path}: no such file or folder")
        else:
            yield path


def read_documents(paths: Iterable[str | Path]) -> Iterator[tuple[str, str]]:
    """Yield (name, text) for each file, each text file in a folder, and ``-`` (stdin)."""
    for path in iter_document_paths(paths):
        if str(path) == "-":
            data = sys.stdin.buffer.read()
            text = decode_bytes(data, name="<stdin>")
            if not text.strip():
                raise InputError("<stdin>: no text on standard input")
            yield "<stdin>", text
        else:
            yield str(path), read_document(path)
