"""``ecomtopics classify``: label paragraphs of documents, or JSON Lines records at scale."""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import logging
import os
import sys
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
        "--batch-size", type=positive_int, default=1000, help="records per batch (default 1000)"
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


def _id_key(rid: Any) -> str:
    """How ids are compared: as JSON, so the id 5 and the id "5" stay two ids."""
    return json.dumps(rid, ensure_ascii=False)


def _read_done(path: Path) -> set[str]:
    """Ids already written (as :func:`_id_key`); a torn last line (from a killed job) is cut off."""
    done: set[str] = set()
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
                done.add(_id_key(json.loads(line)["id"]))
            except (ValueError, KeyError, TypeError):
                logger.warning("%s: ignoring an unreadable line", path)
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
            if isinstance(rid, bool) or not isinstance(rid, (str, int)):
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

    first: dict[str, str] = {}
    for path in paths:
        for rid, _, _, number in _iter_lines(path):
            key, where = _id_key(rid), f"{path}:{number}"
            if key in first:
                raise InputError(
                    f"{where}: id {rid!r} repeats the id of {first[key]}; ids must be unique "
                    f"(each output row is matched to its record by id)"
                )
            first[key] = where


def _predict(
    args: argparse.Namespace, model: Any, texts: list[str]
) -> Iterator[tuple[str, str, list[str], dict[str, float]]]:
    """(language, theme, every theme discussed, probabilities) of each record text, in order."""
    from ..batch import _n_processes, _scored_batches
    from ..text import clean_line, detect_language

    langs = [detect_language(clean_line(t)) for t in texts]
    if args.n_jobs == 1:  # one pass: probabilities and themes from the same features
        proba, labels = model.predict_proba_and_labels(texts) if texts else ([], [])
        classes = list(model.classes_)
        for lang, row, themes in zip(langs, proba, labels):
            probabilities = dict(zip(classes, row.tolist()))
            yield lang, max(probabilities, key=probabilities.__getitem__), themes, probabilities
        return
    # one batch for each process (this one included): the workers send back the themes too
    share = max(1, -(-len(texts) // _n_processes(args.n_jobs)))
    classes = list(model.classes_)
    scored = _scored_batches(texts, model, args.n_jobs, share, "loky", themes=True)
    each_lang = iter(langs)
    for main, proba, discussed in scored:
        for label, row, themes in zip(main, proba.tolist(), discussed or []):
            yield next(each_lang), label, themes, dict(zip(classes, row))


def _records(args: argparse.Namespace, model: Any, paths: list[Path]) -> int:
    from tqdm.auto import tqdm

    output = refuse_folder(args.output) if args.output else None
    _refuse_duplicate_ids(paths)
    done = _read_done(output) if output and args.resume else set()
    if output and not args.resume and output.exists() and output.stat().st_size:
        from .._errors import InputError

        raise InputError(f"{output} exists; use --resume to continue it, or remove it")
    out = output.open("a", encoding="utf-8") if output else sys.stdout
    written = errors = skipped = 0
    try:
        progress = tqdm(desc="classify", unit=" records", disable=None, file=sys.stderr)
        batch: list[tuple[str, str | None, str | None]] = []

        def flush_batch() -> None:
            nonlocal written, errors
            good = [(rid, text) for rid, text, err in batch if err is None and text is not None]
            predictions = iter(_predict(args, model, [t for _, t in good]))
            for rid, _text, err in batch:
                row: dict[str, Any]
                if err is not None:
                    row = {"id": rid, "error": err}
                    errors += 1
                else:
                    lang, label, labels, probabilities = next(predictions)
                    row = {
                        "id": rid,
                        "lang": lang,
                        "label": label,
                        "labels": labels,
                        "probabilities": {k: round(v, 6) for k, v in probabilities.items()},
                    }
                    written += 1
                out.write(json.dumps(row, ensure_ascii=False) + "\n")  # one whole line per write
                out.flush()
            if out is not sys.stdout:
                os.fsync(out.fileno())
            progress.update(len(batch))
            batch.clear()

        for record in _iter_records(paths):
            if _id_key(record[0]) in done:  # written by the run being resumed
                skipped += 1
                continue
            batch.append(record)
            if len(batch) >= args.batch_size:
                flush_batch()
        if batch:
            flush_batch()
        progress.close()
    finally:
        if out is not sys.stdout:
            out.close()
    resumed = f", {skipped} skipped (already done)" if args.resume else ""
    logger.info("classified %d records, %d error rows%s", written, errors, resumed)
    return 0
