"""``ecomtopics bench``: throughput benchmarks against the plain tools, ratios in one run."""

from __future__ import annotations

import argparse
from pathlib import Path

EXAMPLES = """
examples:
  ecomtopics bench --quick                  # smoke run, under a minute
  ecomtopics bench --sizes 1000 10000 100000 --out benchmarks/results
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="throughput benchmarks (ours vs plain jieba / scikit-learn / gensim)",
        description="Measure throughput of tokenization, TF-IDF, topic inference and classification against "
        "the plain tools in the same run; print a table of ratios and write JSON.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="small sizes, one repeat (a smoke test)")
    p.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1000, 10_000, 100_000],
        help="paragraphs per language",
    )
    p.add_argument("--repeats", type=int, default=3, help="repeats per measurement (best is kept)")
    p.add_argument("--out", default="benchmarks/results", help="folder for the JSON results")
    p.add_argument(
        "--data",
        default=None,
        help="labelled data folder with authored/ and gold/ (default: the checkout's data/, else ./data)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bench import format_table, run_benchmarks, write_results

    results = run_benchmarks(args.sizes, quick=args.quick, repeats=args.repeats, data=args.data)
    print(format_table(results), end="")
    path = write_results(results, Path(args.out))
    print(f"results: {path}")
    return 0
