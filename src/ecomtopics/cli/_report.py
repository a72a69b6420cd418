"""``ecomtopics report``: one self-contained HTML page for a set of documents."""

from __future__ import annotations

import argparse

from ._common import Problems, add_model_options, atomic_output, load, refuse_folder

EXAMPLES = """
examples:
  ecomtopics report seeds/ -o report.html
  ecomtopics report speech.txt news.txt -o out.html --no-topics
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="HTML page: paragraphs coloured by theme, shares, keywords, topic mix",
        description="Write one self-contained HTML page (no network fetches) showing each paragraph coloured "
        "by theme with its probabilities on hover, each document's theme shares, keywords and topic mix.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="PATH", help="text files, folders, or - for stdin")
    p.add_argument("-o", "--output", required=True, help="the HTML file to write")
    add_model_options(p)
    p.add_argument(
        "--topic-model",
        default="topic-model",
        help="topic model name in the store (its promoted version)",
    )
    p.add_argument("--no-topics", action="store_true", help="leave out the topic mix")
    p.add_argument("--title", default="ecomtopics report", help="page title")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..report import render_report

    refuse_folder(args.output)
    problems = Problems(args)
    documents = list(problems.documents(args.inputs))
    if not documents:  # each bad input was reported; nothing to write
        return problems.exit_code()
    classifier = load(args)
    topics = None if args.no_topics else load(args, "topic-model", name=args.topic_model)
    page = render_report(documents, classifier, topics, title=args.title)
    with atomic_output(args.output) as out:  # never a half-written page
        out.write(page)
    print(f"report: {args.output} ({len(documents)} documents)")
    return problems.exit_code()
