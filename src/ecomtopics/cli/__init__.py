"""The ``ecomtopics`` command line: one small module per subcommand.

Only the CLI configures logging and progress output. Exit codes: 0 ok,
1 bad input (one clear line on stderr, the traceback only with ``--debug``),
2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

__all__ = ["main"]

# subcommand -> module defining ``add_parser(subparsers)``
_COMMANDS: dict[str, str] = {
    "classify": "ecomtopics.cli._classify",
    "split": "ecomtopics.cli._split",
    "topics": "ecomtopics.cli._topics",
    "keywords": "ecomtopics.cli._keywords",
    "train": "ecomtopics.cli._train",
    "evaluate": "ecomtopics.cli._evaluate",
    "models": "ecomtopics.cli._models",
    "report": "ecomtopics.cli._report",
    "bench": "ecomtopics.cli._bench",
}


class _Parser(argparse.ArgumentParser):
    """argparse with a hint for a misspelt option or choice ("did you mean --top-n?").

    Subcommand parsers are of this class too (``add_subparsers`` uses the
    parent's class). Unknown options of a subcommand reach the top parser,
    which looks for the closest option of that subcommand.
    """

    _argv: list[str] = []

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        hint = _hint(self, message)
        super().error(message + (f"; did you mean {hint}?" if hint else ""))


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    return [
        o
        for a in parser._actions
        if a.help != argparse.SUPPRESS
        for o in a.option_strings
        if o.startswith("--")
    ]


def _hint(parser: _Parser, message: str) -> str | None:
    """The closest valid spelling of what ``message`` says was wrong, if one is close."""
    import difflib

    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if choice:
        options = re.findall(r"'([^']*)'", choice.group(2))
        close = difflib.get_close_matches(choice.group(1), options, n=1, cutoff=0.6)
        return repr(close[0]) if close else None
    unknown = re.search(r"unrecognized arguments: (.*)", message)
    if not unknown:
        return None
    candidates = _option_strings(parser)
    for action in parser._actions:  # the options of the subcommand given
        if isinstance(action, argparse._SubParsersAction):
            command = next((a for a in parser._argv if a in action.choices), None)
            if command is not None:
                candidates += _option_strings(action.choices[command])
    for word in unknown.group(1).split():
        if word.startswith("-"):
            close = difflib.get_close_matches(word.split("=")[0], candidates, n=1, cutoff=0.6)
            if close:
                return close[0]
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ecomtopics",
        description="Themes, keywords and topics of Chinese and English e-commerce text.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"ecomtopics {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="only warnings and errors (the default)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also informational messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in _COMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = (
        logging.DEBUG
        if args.debug
        else logging.INFO
        if args.verbose and not args.quiet
        else logging.WARNING
    )
    # other libraries (gensim, numexpr) stay at WARNING; our own messages at the chosen level
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("ecomtopics").setLevel(level)
    from tqdm.contrib.logging import logging_redirect_tqdm

    from .._errors import EcomtopicsError
    from ._common import MissingExtra

    try:
        with logging_redirect_tqdm():  # log lines never land inside a progress bar
            return int(args.func(args) or 0)
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (EcomtopicsError, MissingExtra, OSError, UnicodeError, TypeError, ValueError) as exc:
        if args.debug:
            raise
        print(f"ecomtopics {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
