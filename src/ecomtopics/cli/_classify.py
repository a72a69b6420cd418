"""``ecomtopics classify``: label paragraphs of documents, or JSON Lines records at scale."""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import logging
import os
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._common import (
    Problems,
    add_format,
    add_model_options,
    atomic_output,
    load,
    n_jobs,
    positive_int,
    refuse_folder,
    write_rows,
)

logger = logging.getLogger(__name__)

EXAMPLES = """
examples:
  ecomtopics classify seeds/                      # every paragraph of every seed, as a table
  ecomtopics classify report.txt --format json
  cat speech.txt | ecomtopics classify -
  ecomtopics classify archive.jsonl -o labels.jsonl --n-jobs 2 --resume
      # JSON Lines in ({"id": ..., "text": ...} per line), JSON Lines out; --resume skips ids
      # already in labels.jsonl; a bad record becomes an error row and the job goes on;
      # ids must be unique (a repeated id is refused, naming both lines)
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "classify",
        help="label each paragraph by theme",
        description="Label each paragraph by theme.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="PATH",
        help="text files, folders, - for stdin, or .jsonl records",
    )
    add_model_options(p)
    add_format(p)
    p.add_argument(
        "-o",
        "--output",
        default=None,
        help="write the output here (documents: written whole, through a temporary file beside it; "
        "records: JSON Lines, appended)",
    )
    p.add_argument(
        "--resume", action="store_true", help="skip records whose id is already in --output"
    )
    p.add_argument(
        "--n-jobs",
        type=n_jobs,
        default=1,
        help="processes that score records, this one included (default 1; -1: one per core)",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=1000,
        help="records scored per batch, and rows written to disk at a time (default 1000)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._errors import InputError

    records = [p for p in args.inputs if p.endswith(".jsonl")]
    if records and len(records) != len(args.inputs):
        raise InputError("give either documents or .jsonl record files, not both")
    if args.resume and not args.output:
        raise InputError("--resume needs --output FILE (the file to resume)")
    if args.resume and not records:
        raise InputError("--resume is for .jsonl record files; documents are classified in one go")
    model = load(args)
    if records:
        return _records(args, model, [Path(p) for p in records])
    return _documents(args, model)


def _documents(args: argparse.Namespace, model: Any) -> int:
    problems = Problems(args)
    try:
        with (
            atomic_output(args.output) if args.output else contextlib.nullcontext(sys.stdout) as out
        ):
            _write_documents(args, model, problems, out)
    except _NothingRead:  # each bad input was reported; an existing output file stays as it was
        pass
    return problems.exit_code()


class _NothingRead(Exception):
    """No input could be read: the output is not written."""


def _write_documents(args: argparse.Namespace, model: Any, problems: Problems, out: Any) -> None:
    """Classify every readable document into ``out`` (a table as it goes, JSON or CSV at the end)."""
    from ..batch import classify_document
    from ..text import original_texts

    rows, read = [], 0
    for name, text in problems.documents(args.inputs):
        read += 1
        result = classify_document(text, model)
        originals = original_texts(
            text, [p.paragraph for p in result.paragraphs]
        )  # the source wording
        doc_rows = [
            {
                "source": name,
                "index": p.paragraph.index,
                "line": p.paragraph.line,
                "lang": p.paragraph.lang,
                "label": p.label,
                "probability": round(p.probabilities[p.label], 3),
                "labels": p.labels,
                "probabilities": {k: round(v, 4) for k, v in p.probabilities.items()},
                "text": original,
            }
            for p, original in zip(result.paragraphs, originals)
        ]
        if args.format == "table":
            shares = ", ".join(
                f"{k} {v:.0%}" for k, v in sorted(result.shares.items(), key=lambda kv: -kv[1])
            )
            noun = "paragraph" if len(doc_rows) == 1 else "paragraphs"
            out.write(f"== {name}: {len(doc_rows)} {noun}; theme shares: {shares}\n")
            write_rows(
                doc_rows, "table", ["index", "line", "lang", "label", "probability", "text"], out
            )
            out.write("\n")
        else:
            rows.extend(doc_rows)
    if not read and problems.count:
        raise _NothingRead
    if args.format != "table":
        write_rows(
            rows,
            args.format,
            ["source", "index", "line", "lang", "label", "probability", "labels", "text"],
            out,
        )


def _is_record_id(rid: Any) -> bool:
    """A record's id is a string or an int (not a bool), kept as it is: 5 and "5" are two ids."""
    return isinstance(rid, (str, int)) and not isinstance(rid, bool)


def _read_done(path: Path) -> set[Any]:
    """Ids already written; a torn last line (from a killed job) is cut off.

    Ids are kept as they are (:func:`_is_record_id`).
    """
    done: set[Any] = set()
    if not path.exists():
        return done
    with path.open("r+b") as handle:
        data = handle.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            logger.warning("%s: dropping a torn last line (%d bytes)", path, len(data) - end)
            handle.truncate(end)
        for line in data[:end].splitlines():
            try:
                rid = json.loads(line)["id"]
            except (ValueError, KeyError, TypeError):
                rid = None
            if not _is_record_id(rid):
                logger.warning("%s: ignoring an unreadable line", path)
                continue
            done.add(rid)
    return done


def _iter_records(paths: list[Path]) -> Iterator[tuple[Any, str | None, str | None]]:
    """(id, text, error) for every line of the record files; an id keeps its JSON type."""
    for path in paths:
        for rid, obj, error, _ in _iter_lines(path):
            if error is not None:
                yield rid, None, error
                continue
            text = obj.get("text")
            if not isinstance(text, str):
                yield rid, None, f"'text' must be a string, got {type(text).__name__}"
            elif not text.strip():
                yield rid, None, "'text' is empty"
            else:
                yield rid, text, None


def _iter_lines(path: Path) -> Iterator[tuple[Any, dict[str, Any], str | None, int]]:
    """(id, object, error, line number) for every non-empty line of one record file."""
    from .._errors import InputError

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    seen_any = False
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[
                    len(codecs.BOM_UTF8) :
                ]  # a byte order mark is not part of the first record
            if not raw.strip():
                continue
            seen_any = True
            fallback = f"{path.name}:{number}"
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield fallback, {}, f"not UTF-8 (byte {exc.start})", number
                continue
            except ValueError as exc:
                yield fallback, {}, f"not valid JSON: {exc}", number
                continue
            if not isinstance(obj, dict):
                yield (
                    fallback,
                    {},
                    f"a record must be a JSON object, got {type(obj).__name__}",
                    number,
                )
                continue
            rid = obj.get("id", fallback)
            if not _is_record_id(rid):
                yield (
                    fallback,
                    {},
                    f"'id' must be a string or an integer, got {type(rid).__name__}",
                    number,
                )
                continue
            yield rid, obj, None, number
    if not seen_any:
        raise InputError(f"{path}: the file is empty (no records)")


def _refuse_duplicate_ids(paths: list[Path]) -> None:
    """Refuse record files in which an id repeats, naming the id and both lines (before any work)."""
    from .._errors import InputError

    first: dict[Any, str] = {}  # id (a string or an int, as _read_done keeps them) -> where
    for path in paths:
        for rid, _, _, number in _iter_lines(path):
            where = f"{path}:{number}"
            if rid in first:
                raise InputError(
                    f"{where}: id {rid!r} repeats the id of {first[rid]}; ids must be unique "
                    f"(each output row is matched to its record by id)"
                )
            first[rid] = where


def _records(args: argparse.Namespace, model: Any, paths: list[Path]) -> int:
    from tqdm.auto import tqdm

    output = refuse_folder(args.output) if args.output else None
    _refuse_duplicate_ids(paths)
    done = _read_done(output) if output and args.resume else set()
    if output and not args.resume and output.exists() and output.stat().st_size:
        from .._errors import InputError

        raise InputError(f"{output} exists; use --resume to continue it, or remove it")
    out = output.open("a", encoding="utf-8") if output else sys.stdout
    counts = {"written": 0, "errors": 0, "skipped": 0}
    try:
        with tqdm(desc="classify", unit=" records", disable=None, file=sys.stderr) as progress:
            lines: list[str] = []
            for line in _output_lines(args, model, paths, done, counts):
                lines.append(line)
                if len(lines) >= args.batch_size:
                    _write_lines(out, lines)
                    progress.update(len(lines))
                    lines.clear()
            _write_lines(out, lines)
            progress.update(len(lines))
    finally:
        if out is not sys.stdout:
            out.close()
    resumed = f", {counts['skipped']} skipped (already done)" if args.resume else ""
    logger.info(
        "classified %d records, %d error rows%s", counts["written"], counts["errors"], resumed
    )
    return 0


def _write_lines(out: Any, lines: list[str]) -> None:
    """Whole lines in one write, then to disk: a killed job leaves at most one torn last line,
    which ``--resume`` cuts off."""
    if not lines:
        return
    out.write("".join(lines))
    out.flush()
    if out is not sys.stdout:
        os.fsync(out.fileno())


def _output_lines(
    args: argparse.Namespace,
    model: Any,
    paths: list[Path],
    done: set[Any],
    counts: dict[str, int],
) -> Iterator[str]:
    """One JSON line for each record not in ``done``, in file order: its theme, themes,
    language and probabilities, or its error.

    The texts stream through :func:`~ecomtopics.batch._scored_batches` (``--n-jobs``
    processes, this one included, languages found where the texts are scored); the
    records read for them wait in a queue, error records among them, until their turn.
    """
    from ..batch import _scored_batches

    waiting: deque[tuple[Any, str | None]] = deque()  # (id, error) of records read

    def texts() -> Iterator[str]:
        for rid, text, err in _iter_records(paths):
            if rid in done:  # written by the run being resumed
                counts["skipped"] += 1
                continue
            waiting.append((rid, err))
            if err is None and text is not None:
                yield text

    def error_line(rid: Any, err: str) -> str:
        counts["errors"] += 1
        return json.dumps({"id": rid, "error": err}, ensure_ascii=False) + "\n"

    classes = list(model.classes_)
    with contextlib.closing(
        _scored_batches(texts(), model, args.n_jobs, args.batch_size, "loky", details=True)
    ) as scored:
        for labels, proba, details in scored:
            assert details is not None  # asked for
            for label, row, themes, lang in zip(labels, proba.tolist(), *details):
                rid, err = waiting.popleft()
                while err is not None:  # the error records before this text
                    yield error_line(rid, err)
                    rid, err = waiting.popleft()
                counts["written"] += 1
                record = {
                    "id": rid,
                    "lang": lang,
                    "label": label,
                    "labels": themes,
                    "probabilities": {k: round(v, 6) for k, v in zip(classes, row)},
                }
                yield json.dumps(record, ensure_ascii=False) + "\n"
    while waiting:  # error records after the last text
        rid, err = waiting.popleft()
        assert err is not None  # every text was scored
        yield error_line(rid, err)
