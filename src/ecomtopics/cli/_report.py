"""``ecomtopics report``: one self-contained HTML page for a set of documents."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

EXAMPLES = """
examples:
  ecomtopics report seeds/ -o report.html
  ecomtopics report speech.txt news.txt -o out.html --no-topics
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="HTML page: paragraphs coloured by theme, shares, keywords, topic mix",
        description="Write one self-contained HTML page (no network fetches) showing each paragraph coloured "
        "by theme with its probabilities on hover, each document's theme shares, keywords and topic mix.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument("inputs", nargs="+", metavar="PATH", help="text files, folders, or - for stdin")
    p.add_argument("-o", "--output", required=True, help="the HTML file to write")
    p.add_argument("--model", default="theme-classifier", help="classifier name in the store")
    p.add_argument("--topic-model", default="topic-model", help="topic model name in the store")
    p.add_argument("--no-topics", action="store_true", help="leave out the topic mix")
    p.add_argument("--store", default=None, help="model store folder")
    p.add_argument("--title", default="ecomtopics report", help="page title")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._io import read_documents
    from .._store import load_model
    from ..report import render_report

    documents = list(read_documents(args.inputs))
    classifier = load_model(args.model, store=args.store)
    topics = None if args.no_topics else load_model(args.topic_model, store=args.store)
    page = render_report(documents, classifier, topics, title=args.title)
    out = Path(args.output)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)  # never a half-written page
    print(f"report: {out} ({len(documents)} documents)")
    return 0
