"""``ecomtopics keywords``: the TF-IDF keywords of each document."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._common import Problems, positive_int

EXAMPLES = """
examples:
  ecomtopics keywords seeds/
  ecomtopics keywords report.txt --top-n 20 --format json
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "keywords",
        help="TF-IDF keywords of each document (one a line)",
        description="Keywords of each document by TF-IDF over our bilingual tokens; document frequencies "
        "come from the paragraphs of all the given documents. Noise is left out (single Chinese "
        "characters, number words, stubs of a longer word, parts of romanised names) and ties go "
        "to the term the text uses first. Table and CSV: one keyword a line (source, rank, "
        "keyword, score); JSON Lines: one record a document.",
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
    if args.format == "json":  # one record a document
        for (name, _), kw in zip(docs, keywords):
            print(json.dumps({"source": name, "keywords": kw}, ensure_ascii=False))
        return problems.exit_code()
    # one keyword a line, however many are asked for: nothing is cut off
    rows: list[dict[str, Any]] = [
        {"source": name, "rank": rank, "keyword": word, "score": f"{score:.4f}"}
        for (name, _), kw in zip(docs, keywords)
        for rank, (word, score) in enumerate(kw, start=1)
    ]
    if args.format == "table":  # the source on its document's first line only
        for row in rows:
            if row["rank"] > 1:
                row["source"] = ""
    write_rows(rows, args.format, ["source", "rank", "keyword", "score"])
    return problems.exit_code()
