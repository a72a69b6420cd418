"""Labelled paragraphs: read, validate and summarise JSON Lines files (see taxonomy.md).

Each line is one object::

    {"id": "seed-003-p07", "text": "...", "lang": "zh", "label": "o2o",
     "labels": ["o2o", "channel"], "source": "003_3d90cc2468adc228.txt"}

``label`` is the paragraph's main theme; ``labels`` every theme it
substantially discusses (contains ``label``; empty only for ``other``).
Paragraphs of a whole passage also carry ``doc`` (the passage's id) and
``position`` (0, 1, … in reading order), which context-aware training uses,
and may carry ``register`` (news, forum post, machine-translated …).

>>> rows = parse_labelled_lines(['{"id": "a", "text": "天猫", "lang": "zh", '
...     '"label": "other", "labels": [], "source": "authored"}'])
>>> rows[0].label, summarize(rows)["by_label"]["other"]
('other', 1)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ._errors import DataError, InputError, InputTypeError
from ._themes import THEMES, TOPICAL_THEMES

__all__ = [
    "LabelledParagraph",
    "dataset_hash",
    "iter_labelled",
    "parse_labelled_lines",
    "read_labelled",
    "summarize",
]

logger = logging.getLogger(__name__)

_FIELDS = ("id", "text", "lang", "label", "labels", "source")
_OPTIONAL = ("doc", "position", "register")
_LANGS = ("en", "zh")

OnError = Literal["raise", "skip"]


@dataclass(frozen=True, slots=True)
class LabelledParagraph:
    """One labelled paragraph."""

    id: str
    text: str
    lang: str
    label: str
    labels: tuple[str, ...]
    source: str
    doc: str | None = None
    position: int | None = None
    register: str | None = None
    path: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The row as it is written in the data files (optional fields only when set)."""
        out: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "lang": self.lang,
            "label": self.label,
            "labels": list(self.labels),
            "source": self.source,
        }
        for name in _OPTIONAL:
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out


def _validate(obj: Any, path: str, line: int) -> LabelledParagraph:
    def fail(message: str) -> DataError:
        return DataError(message, path=path, line=line)

    if not isinstance(obj, dict):
        raise fail(f"a row must be a JSON object, got {type(obj).__name__}")
    missing = [f for f in _FIELDS if f not in obj]
    if missing:
        raise fail(f"missing field(s) {missing}; every row needs {list(_FIELDS)}")
    extra = sorted(set(obj) - set(_FIELDS) - set(_OPTIONAL))
    if extra:
        raise fail(f"unknown field(s) {extra}; allowed: {list(_FIELDS + _OPTIONAL)}")
    for name in ("id", "text", "lang", "label", "source"):
        if not isinstance(obj[name], str):
            raise fail(f"{name!r} must be a string, got {type(obj[name]).__name__}")
    if not obj["id"].strip():
        raise fail("'id' is empty")
    if not obj["text"].strip():
        raise fail(f"'text' is empty (id {obj['id']!r})")
    if obj["lang"] not in _LANGS:
        raise fail(f"'lang' must be one of {list(_LANGS)}, got {obj['lang']!r}")
    if obj["label"] not in THEMES:
        raise fail(f"'label' must be one of {list(THEMES)}, got {obj['label']!r}")
    labels = obj["labels"]
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise fail(f"'labels' must be a list of strings, got {labels!r}")
    unknown = [x for x in labels if x not in TOPICAL_THEMES]
    if unknown:
        raise fail(f"'labels' may hold only {list(TOPICAL_THEMES)}, got {unknown}")
    if len(set(labels)) != len(labels):
        raise fail(f"'labels' repeats a theme: {labels}")
    if obj["label"] == "other" and labels:
        raise fail(f"label 'other' needs empty 'labels', got {labels}")
    if obj["label"] != "other" and obj["label"] not in labels:
        raise fail(f"'labels' {labels} must contain the main label {obj['label']!r}")
    doc, position, register = obj.get("doc"), obj.get("position"), obj.get("register")
    if doc is not None and (not isinstance(doc, str) or not doc.strip()):
        raise fail(f"'doc' must be a non-empty string, got {doc!r}")
    if position is not None and (
        isinstance(position, bool) or not isinstance(position, int) or position < 0
    ):
        raise fail(f"'position' must be an integer >= 0, got {position!r}")
    if (doc is None) != (position is None):
        raise fail("'doc' and 'position' go together: give both or neither")
    if register is not None and not isinstance(register, str):
        raise fail(f"'register' must be a string, got {type(register).__name__}")
    return LabelledParagraph(
        id=obj["id"],
        text=obj["text"],
        lang=obj["lang"],
        label=obj["label"],
        labels=tuple(labels),
        source=obj["source"],
        doc=doc,
        position=position,
        register=register,
        path=path,
        line=line,
    )


def parse_labelled_lines(
    lines: Iterable[str], *, path: str = "<lines>", on_error: OnError = "raise"
) -> list[LabelledParagraph]:
    """Parse and validate JSON Lines; blank lines are ignored."""
    return list(_parse(lines, path=path, on_error=on_error, seen={}))


def _parse(
    lines: Iterable[str], *, path: str, on_error: OnError, seen: dict[str, str]
) -> Iterator[LabelledParagraph]:
    if on_error not in ("raise", "skip"):
        raise InputError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DataError(
                    f"not valid JSON ({exc.msg} at column {exc.colno})", path=path, line=number
                ) from None
            row = _validate(obj, path, number)
            if row.id in seen:
                raise DataError(
                    f"duplicate id {row.id!r} (first seen at {seen[row.id]})",
                    path=path,
                    line=number,
                )
        except DataError as exc:
            if on_error == "raise":
                raise
            logger.warning("skipping bad row: %s", exc)
            continue
        seen[row.id] = f"{path}:{number}"
        yield row


def iter_labelled(
    paths: Iterable[str | Path], *, on_error: OnError = "raise"
) -> Iterator[LabelledParagraph]:
    """Lazily read labelled rows from files and folders (``*.jsonl``, sorted); ids must be unique."""
    seen: dict[str, str] = {}
    for path in _expand(paths):
        try:
            handle = path.open(
                encoding="utf-8-sig"
            )  # a byte order mark (Windows editors) is not part of the text
        except OSError as exc:
            raise DataError(f"cannot read: {exc.strerror}", path=str(path)) from None
        with handle:
            try:
                yield from _parse(handle, path=str(path), on_error=on_error, seen=seen)
            except UnicodeDecodeError:
                raise DataError("not UTF-8 text", path=str(path)) from None


def read_labelled(
    paths: str | Path | Iterable[str | Path], *, on_error: OnError = "raise"
) -> list[LabelledParagraph]:
    """Read and validate labelled rows from files or folders.

    Parameters
    ----------
    paths : path or list of paths
        JSON Lines files, or folders whose ``*.jsonl`` files (recursively,
        sorted) are read.
    on_error : {"raise", "skip"}
        A bad row raises :class:`~ecomtopics.DataError` naming the file and
        line, or is logged as a warning and skipped.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    rows = list(iter_labelled(paths, on_error=on_error))
    if not rows:
        raise DataError(f"no labelled rows found in {[str(p) for p in paths]}")
    return rows


def _expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not isinstance(paths, Iterable) or isinstance(paths, (bytes, bytearray)):
        raise InputTypeError(
            f"paths must be a path or an iterable of paths, got {type(paths).__name__}"
        )
    for raw in paths:
        if not isinstance(raw, (str, os.PathLike)):
            raise InputTypeError(
                f"each path must be a str or a Path, got {type(raw).__name__}: {raw!r:.60}"
            )
        path = Path(raw)
        if path.is_dir():
            files = sorted(path.rglob("*.jsonl"))
            if not files:
                raise DataError("no *.jsonl files in this folder", path=str(path))
            yield from files
        elif path.exists():
            yield path
        else:
            raise DataError("no such file or folder", path=str(path))


def summarize(rows: Iterable[LabelledParagraph]) -> dict[str, Any]:
    """Counts per label, language, label × language and source kind."""
    rows = list(rows)
    return {
        "rows": len(rows),
        "by_label": dict(sorted(Counter(r.label for r in rows).items())),
        "by_lang": dict(sorted(Counter(r.lang for r in rows).items())),
        "by_label_lang": {
            f"{label}/{lang}": n
            for (label, lang), n in sorted(Counter((r.label, r.lang) for r in rows).items())
        },
        "multi_label": sum(len(r.labels) > 1 for r in rows),
        "by_source": dict(sorted(Counter(_source_kind(r.source) for r in rows).items())),
        "passages": len({r.doc for r in rows if r.doc is not None}),
    }


def _source_kind(source: str) -> str:
    if source == "authored":
        return "authored"
    return "web page" if "://" in source else "seed"


def dataset_hash(rows: Iterable[LabelledParagraph]) -> str:
    """SHA-256 over the rows' content in order, recorded in model manifests."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row.to_json(), ensure_ascii=False, sort_keys=True).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
