"""``ecomtopics split``: clean documents, split them into paragraphs, show tokens."""

from __future__ import annotations

import argparse
import json
import sys

from ._common import Problems

EXAMPLES = """
examples:
  ecomtopics split seeds/
  ecomtopics split report.txt --format json
  cat speech.txt | ecomtopics split - --tokens
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "split",
        help="split documents into clean paragraphs with their language (and tokens)",
        description="Clean documents, drop page boilerplate, split them into paragraphs "
        "(long ones into windows) and detect each paragraph's language.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "inputs", nargs="+", metavar="PATH", help="files, folders of .txt files, or - for stdin"
    )
    p.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="output format (default: table)",
    )
    p.add_argument("--tokens", action="store_true", help="also show each paragraph's tokens")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..text import original_texts, split_paragraphs
    from ..tokenize import Tokenizer

    tok = Tokenizer() if args.tokens or args.format == "json" else None
    out = sys.stdout
    problems = Problems(args)
    for name, text in problems.documents(args.inputs):
        paragraphs = split_paragraphs(text)
        if args.format == "json":
            for p, original in zip(paragraphs, original_texts(text, paragraphs)):
                row = {
                    "source": name,
                    "index": p.index,
                    "line": p.line,
                    "window": p.window,
                    "lang": p.lang,
                    "text": p.text,
                    "original": original,
                    "tokens": tok(p.text) if tok is not None else None,
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            continue
        langs = {
            lang: sum(p.lang == lang for p in paragraphs) for lang in ("zh", "en", "mixed", "und")
        }
        summary = ", ".join(f"{n} {lang}" for lang, n in langs.items() if n)
        out.write(f"== {name}: {len(paragraphs)} paragraphs ({summary})\n")
        for p, original in zip(paragraphs, original_texts(text, paragraphs)):  # the source wording
            text = original if len(original) <= 70 else original[:67] + "..."
            out.write(f"{p.index:4d}  line {p.line:<4d} {p.lang:<5s} {text}\n")
            if tok is not None:
                out.write(f"      tokens: {' '.join(tok(p.text)[:30])}\n")
    return problems.exit_code()
