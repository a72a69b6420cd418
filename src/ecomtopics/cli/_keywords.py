"""``ecomtopics keywords``: the TF-IDF keywords of each document."""

from __future__ import annotations

import argparse
import json

from ._common import Problems, positive_int

EXAMPLES = """
examples:
  ecomtopics keywords seeds/
  ecomtopics keywords report.txt --top-n 20 --format json
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "keywords",
        help="TF-IDF keywords of each document",
        description="Keywords of each document by TF-IDF over our bilingual tokens; document frequencies "
        "come from the paragraphs of all the given documents.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="PATH", help="text files, folders, or - for stdin")
    p.add_argument(
        "--top-n", type=positive_int, default=10, help="keywords per document (default 10)"
    )
    p.add_argument(
        "--format", choices=["table", "json", "csv"], default="table", help="output format"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._errors import InputError
    from ..features import Tfidf
    from ..text import split_paragraphs
    from ._common import write_rows

    problems = Problems(args)
    docs = [
        (name, [p.text for p in split_paragraphs(text)])
        for name, text in problems.documents(args.inputs)
    ]
    paragraphs = [t for _, ts in docs for t in ts]
    if not docs and problems.count:  # each bad input was reported
        return problems.exit_code()
    if not paragraphs:
        raise InputError("no paragraphs with text in the inputs")
    tfidf = Tfidf().fit(paragraphs)
    keywords = tfidf.keywords_many(["\n".join(ts) for _, ts in docs], args.top_n)
    rows = [
        {"source": name, "keywords": " ".join(t for t, _ in kw), "scores": kw}
        for (name, _), kw in zip(docs, keywords)
    ]
    if args.format == "json":
        for row in rows:
            print(
                json.dumps({"source": row["source"], "keywords": row["scores"]}, ensure_ascii=False)
            )
    else:
        write_rows(rows, args.format, ["source", "keywords"])
    return problems.exit_code()
