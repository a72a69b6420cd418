"""``ecomtopics models``: list, show, verify and promote stored models."""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["add_parser"]

_DESCRIPTION = """\
Inspect and manage a versioned model store (models/<name>/<version>/).

The store is --store DIR if given, else $ECOMTOPICS_MODELS if set, else the
models shipped with ecomtopics.

examples:
  ecomtopics models list
  ecomtopics models show theme-classifier          # promoted (or newest) version
  ecomtopics models show theme-classifier v2
  ecomtopics models verify                         # every version loads and is sane
  ecomtopics models promote theme-classifier v2 --store ./models
"""

_STORE_HELP = "model store folder (default: $ECOMTOPICS_MODELS, else the bundled models)"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``models`` command and its subcommands to ``subparsers``."""
    parser = subparsers.add_parser(
        "models",
        help="list, show, verify and promote stored models",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION")
    sub.required = True

    def action(name: str, help_text: str, example: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=f"{help_text[0].upper()}{help_text[1:]}.",
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("--store", metavar="DIR", default=None, help=_STORE_HELP)
        return p

    p = action(
        "list",
        "list models and versions, with the promoted one marked *",
        "ecomtopics models list --store ./models",
    )
    p.set_defaults(func=_list)

    p = action(
        "show",
        "print the manifest of a version (default: the promoted one, else the newest)",
        "ecomtopics models show theme-classifier v2",
    )
    p.add_argument("name", metavar="NAME", help="model name, e.g. theme-classifier")
    p.add_argument("version", metavar="VERSION", nargs="?", default=None, help="e.g. v2")
    p.set_defaults(func=_show)

    p = action(
        "verify",
        "check that every version loads and is sane (checksums, manifests, formats, numbers); exit 1 on the first problem",
        "ecomtopics models verify theme-classifier",
    )
    p.add_argument("name", metavar="NAME", nargs="?", default=None, help="only this model")
    p.add_argument(
        "version", metavar="VERSION", nargs="?", default=None, help="only this version of NAME"
    )
    p.set_defaults(func=_verify)

    p = action(
        "promote",
        "make VERSION the one load_model(NAME) returns (it is verified first)",
        "ecomtopics models promote theme-classifier v2",
    )
    p.add_argument("name", metavar="NAME", help="model name")
    p.add_argument("version", metavar="VERSION", help="e.g. v2")
    p.set_defaults(func=_promote)
    return parser


def _store(args: argparse.Namespace) -> Any:
    """The store of ``--store`` or the default one; a store that does not exist is an error, not "no models"."""
    from .._errors import ModelStoreError
    from ..store import ENV_VAR, ModelStore, default_store

    store = ModelStore(args.store) if args.store else default_store()
    if not store.root.is_dir():
        source = "--store" if args.store else f"${ENV_VAR}"
        what = "is not a folder" if store.root.exists() else "does not exist"
        raise ModelStoreError(f"store {store.root} {what}; check {source}")
    return store


def _list(args: argparse.Namespace) -> int:
    from .._errors import ModelStoreError
    from ..store import key_metric

    store = _store(args)
    rows: list[tuple[str, ...]] = []
    problems = 0
    for name in store.names():
        try:
            promoted = store.promoted(name)
        except ModelStoreError:
            promoted, problems = None, problems + 1
        for version in store.versions(name):
            try:
                manifest = store.manifest(name, version)
            except ModelStoreError:
                problems += 1
                rows.append((name, version, "", "?", "?", "unreadable manifest"))
                continue
            metric = key_metric(
                manifest.get("metrics"),
                prefer=(manifest.get("params") or {}).get("job", {}).get("metric"),
            )
            metric_text = f"{metric[0]}={_fmt(metric[1])}" if metric else "-"
            mark = "*" if version == promoted else ""
            rows.append((name, version, mark, manifest["kind"], manifest["created"], metric_text))
    if not rows:
        print(f"no models in {store.root}")
        return 0
    header = ("NAME", "VERSION", "PROMOTED", "KIND", "CREATED", "METRIC")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if problems:
        print(f"{problems} problem(s) found; run: ecomtopics models verify --store {store.root}")
    return 0


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _show(args: argparse.Namespace) -> int:
    store = _store(args)
    manifest = store.manifest(args.name, args.version)
    print(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from .._errors import InputError

    if (
        args.version is not None and args.name is None
    ):  # pragma: no cover - argparse fills NAME first
        raise InputError("give NAME with VERSION")
    store = _store(args)
    names = [args.name] if args.name else store.names()
    if not names:
        print(f"no models in {store.root}")
        return 0
    total = 0
    for name in names:
        versions = [args.version] if args.version else store.versions(name)
        if not args.version:
            store.promoted(name)  # checks promoted.json
        for version in versions:
            for checked_name, checked_version in store.verify(name, version):
                files = len(store.manifest(checked_name, checked_version)["files"]) + 1
                print(f"OK {checked_name} {checked_version} ({files} files)")
                total += 1
    print(f"{total} version(s) verified in {store.root}")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from .._errors import ModelIntegrityError

    store = _store(args)
    try:
        before = store.promoted(args.name)
    except ModelIntegrityError:  # a broken promoted.json: promoting repairs it
        before = None
    store.promote(args.name, args.version)
    after = store.promoted(args.name)
    was = f" (was {before})" if before and before != after else ""
    print(f"promoted {args.name} {after}{was}")
    return 0
