"""Helpers shared by the subcommands: model options and output formats."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO


def add_model_options(p: argparse.ArgumentParser, default: str = "theme-classifier") -> None:
    p.add_argument("--model", default=default, help=f"model name in the store (default: {default})")
    p.add_argument("--version", default=None, help="model version, e.g. v2 (default: the promoted one)")
    p.add_argument("--store", default=None, help="model store folder (default: $ECOMTOPICS_MODELS or the bundled one)")


def load(args: argparse.Namespace, kind: str = "theme-classifier", name: str | None = None) -> Any:
    """Load ``--model``/``--version`` (or the promoted ``name``) from ``--store``, checking it is a ``kind``."""
    from .._errors import InputError
    from .._store import load_model

    version = args.version if name is None else None
    name = args.model if name is None else name
    model = load_model(name, version, store=args.store)
    found = getattr(model, "_store_kind", type(model).__name__)
    if found != kind:
        raise InputError(f"model {name!r} is a {found}; this command needs a {kind}")
    return model


def add_format(p: argparse.ArgumentParser, choices: Sequence[str] = ("table", "json", "csv")) -> None:
    p.add_argument("--format", choices=list(choices), default="table", help="output format (default: table)")


def write_rows(rows: list[dict[str, Any]], fmt: str, columns: list[str], out: TextIO = sys.stdout) -> None:
    """Write rows as a terminal table, JSON Lines or CSV."""
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
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cut(text: str, limit: int) -> str:
    out, used = [], 0
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
