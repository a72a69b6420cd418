"""Helpers shared by the subcommands: model options and output formats."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1 (anything else is a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def n_jobs(text: str) -> int:
    """An argparse type for ``--n-jobs``: a number of processes, or -1 for all cores."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1 and value != -1:
        raise argparse.ArgumentTypeError(
            f"must be a number of processes (1 or more) or -1 for all cores, got {value}"
        )
    return value


def refuse_folder(path: str | os.PathLike[str], option: str = "-o") -> Path:
    """``path`` as a Path, refused up front if it is a folder (the output must be a file)."""
    from .._errors import InputError

    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; {option} takes the file to write")
    return path


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], option: str = "-o") -> Iterator[TextIO]:
    """Write a text file whole or not at all, through a unique temporary file beside it.

    The temporary file (``.NAME.*.tmp`` in the target's folder, so the final
    rename stays on one file system) is removed on failure; an existing file
    at ``path`` stays as it was, and no other file is touched; the new file
    gets the permissions a plain ``open`` would give it.
    """
    from .._atomic import atomic_text_file

    with atomic_text_file(refuse_folder(path, option)) as handle:
        yield handle


class Problems:
    """Input files a command could not read: one line each on stderr as they happen, the rest go on.

    The command ends with :meth:`exit_code` (1 if any file was bad). With
    ``--debug`` the first bad file stops the command with its traceback.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.command = args.command
        self.debug = bool(getattr(args, "debug", False))
        self.count = 0

    def report(self, error: Exception) -> None:
        if self.debug:
            raise error
        self.count += 1
        print(f"ecomtopics {self.command}: error: {error}", file=sys.stderr, flush=True)

    def documents(self, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(name, text) of every readable document; each bad one is reported and skipped."""
        from .._io import read_documents

        return read_documents(paths, on_error=self.report)

    def exit_code(self) -> int:
        return 1 if self.count else 0


class _DeprecatedModelVersion(argparse.Action):
    """``--version`` after a subcommand: the old spelling of ``--model-version``, with a warning."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(
            f"{parser.prog}: warning: --version after a subcommand is deprecated, use "
            f"--model-version {values} (ecomtopics --version shows the package version)",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, values)


def add_model_options(p: argparse.ArgumentParser, default: str = "theme-classifier") -> None:
    p.add_argument("--model", default=default, help=f"model name in the store (default: {default})")
    p.add_argument(
        "--model-version",
        default=None,
        metavar="VERSION",
        help="model version, e.g. v2 (default: the promoted one)",
    )
    p.add_argument(  # the spelling before 0.x: still accepted, not shown
        "--version", dest="model_version", action=_DeprecatedModelVersion, help=argparse.SUPPRESS
    )
    p.add_argument(
        "--store",
        default=None,
        help="model store folder (default: $ECOMTOPICS_MODELS or the bundled one)",
    )


def load(args: argparse.Namespace, kind: str = "theme-classifier", name: str | None = None) -> Any:
    """Load ``--model``/``--model-version`` (or the promoted ``name``) from ``--store``, checking it is a ``kind``."""
    from .._errors import InputError
    from ..store import load_model

    version = args.model_version if name is None else None
    name = args.model if name is None else name
    model = load_model(name, version, store=args.store)
    found = getattr(model, "_store_kind", type(model).__name__)
    if found != kind:
        raise InputError(f"model {name!r} is a {found}; this command needs a {kind}")
    return model


# extra -> (module it provides, what needs it)
EXTRAS = {"viz": ("matplotlib", "plots"), "ldavis": ("pyLDAvis", "pyLDAvis pages")}


def require_extra(extra: str) -> None:
    """Fail up front, before any work, if the optional ``extra`` is not installed."""
    import importlib.util

    module, what = EXTRAS[extra]
    if importlib.util.find_spec(module) is None:
        raise MissingExtra(f'{what} need {module}: pip install "ecomtopics[{extra}]"')


class MissingExtra(Exception):
    """An optional dependency is missing (reported as one line, exit 1)."""


def add_format(
    p: argparse.ArgumentParser, choices: Sequence[str] = ("table", "json", "csv")
) -> None:
    p.add_argument(
        "--format", choices=list(choices), default="table", help="output format (default: table)"
    )


def write_rows(
    rows: list[dict[str, Any]], fmt: str, columns: list[str], out: TextIO | None = None
) -> None:
    """Write rows as a terminal table, JSON Lines or CSV (to ``sys.stdout`` as it is when called)."""
    out = sys.stdout if out is None else out
    if fmt == "json":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _flat(row.get(k)) for k in columns})
    else:
        out.write(table(rows, columns))


def _flat(value: Any) -> Any:
    """A CSV cell: a list of words or themes joined by ";" (``o2o;channel``), a mapping as JSON."""
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return ";".join(str(v) for v in value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cut(text: str, limit: int) -> str:
    out: list[str] = []
    used = 0
    for ch in text:
        w = _width(ch)
        if used + w > limit - 1:
            return "".join(out) + "…"
        out.append(ch)
        used += w
    return "".join(out)


def table(rows: list[dict[str, Any]], columns: list[str], max_width: int = 60) -> str:
    """A plain-text table that lines up with Chinese (double-width) characters."""
    cells = [[_cut(str(_flat(r.get(c, ""))), max_width) for c in columns] for r in rows]
    widths = [max([_width(c)] + [_width(row[i]) for row in cells]) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip() + "\n"

    return line(columns) + line(["-" * w for w in widths]) + "".join(line(row) for row in cells)
