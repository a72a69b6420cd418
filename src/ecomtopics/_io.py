"""Reading documents from files, folders and standard input, with clear errors."""

from __future__ import annotations

import codecs
import logging
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ._errors import InputError

__all__ = ["decode_bytes", "iter_document_paths", "read_document", "read_documents"]

logger = logging.getLogger(__name__)

#: File name endings read when a folder is given.
TEXT_SUFFIXES = (".txt", ".md", ".text")


# byte order marks, UTF-32 first (its little-endian mark starts with UTF-16's)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_bytes(data: bytes, *, name: str = "<bytes>") -> str:
    """Decode a document: UTF-8 (with or without BOM), UTF-16 or UTF-32 with a BOM, else GB18030.

    Binary data (NUL bytes) and text that is neither are refused with an
    :class:`~ecomtopics.InputError` naming the file.

    >>> decode_bytes("天猫".encode("gb18030"))
    '天猫'
    """
    for bom, codec in _BOMS:  # UTF-16 and UTF-32 text is full of NUL bytes, but says what it is
        if data.startswith(bom):
            text = _decode_if_text(data[len(bom) :], codec)
            if text is not None:
                return text
            break  # binary data that happens to start like a byte order mark
    if b"\x00" in data[:8192]:
        raise InputError(
            f"{name}: looks like a binary file (it contains NUL bytes); give a text file"
        )
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


def _decode_if_text(data: bytes, codec: str) -> str | None:
    """``data`` decoded with ``codec`` if that gives text: no unassigned, private or control characters."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    head = text[:8192]  # like the NUL test below: the start of a file says what it is
    strange = (
        ch
        for ch in head
        if ch not in "\t\n\r\f" and unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
    )
    return None if next(strange, None) is not None else text


def read_document(path: str | Path) -> str:
    """Read one text document, refusing missing, binary, undecodable and empty files."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give files, or use a command that takes folders")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    text = decode_bytes(data, name=str(path))
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
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
            )
            if not files:
                raise InputError(f"{path}: no {'/'.join(TEXT_SUFFIXES)} files in this folder")
            yield from files
        elif not path.exists():
            raise InputError(f"{path}: no such file or folder")
        else:
            yield path


def read_documents(
    paths: Iterable[str | Path], *, on_error: Callable[[InputError], None] | None = None
) -> Iterator[tuple[str, str]]:
    """Yield (name, text) for each file, each text file in a folder, and ``-`` (stdin).

    A file (or path) that cannot be read raises :class:`~ecomtopics.InputError`;
    with ``on_error``, the error is handed to it instead and the other files
    are still read.
    """
    for raw in paths:
        try:
            expanded = list(iter_document_paths([raw]))
        except InputError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        for path in expanded:
            try:
                document = _read_one(path)
            except InputError as exc:
                if on_error is None:
                    raise
                on_error(exc)
                continue
            yield document


def _read_one(path: Path) -> tuple[str, str]:
    if str(path) == "-":
        text = decode_bytes(sys.stdin.buffer.read(), name="<stdin>")
        if not text.strip():
            raise InputError("<stdin>: no text on standard input")
        return "<stdin>", text
    return str(path), read_document(path)
