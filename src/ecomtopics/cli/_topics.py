"""``ecomtopics topics``: topics of a set of documents (LDA), optionally plotted."""

from __future__ import annotations

import argparse
import json

from ._common import (
    Problems,
    add_format,
    add_model_options,
    load,
    positive_int,
    require_extra,
)

EXAMPLES = """
examples:
  ecomtopics topics seeds/ --n-topics 6
  ecomtopics topics seeds/ --stored --format json        # topic mix of each document, shipped model
  ecomtopics topics seeds/ --n-topics 6 --plot topics.png --ldavis topics.html
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "topics",
        help="LDA topics of documents (new model, or the stored one)",
        description="Train an LDA topic model on the paragraphs of the given documents and show its topics "
        "and coherence; or, with --stored, show each document's topic mix under the stored topic model.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="PATH", help="text files, folders, or - for stdin")
    p.add_argument("--n-topics", type=positive_int, default=8, help="number of topics (default 8)")
    p.add_argument("--top-n", type=positive_int, default=10, help="words per topic (default 10)")
    p.add_argument("--seed", type=int, default=0, help="random state (default 0)")
    p.add_argument(
        "--stored", action="store_true", help="use the stored topic model instead of training one"
    )
    add_model_options(p, default="topic-model")
    add_format(p)
    p.add_argument(
        "--plot", metavar="PNG", help="bar chart of each topic's top words (needs ecomtopics[viz])"
    )
    p.add_argument(
        "--ldavis", metavar="HTML", help="pyLDAvis page of the model (needs ecomtopics[ldavis])"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._errors import InputError
    from ..text import split_paragraphs
    from ..topics import TopicModel
    from ._common import table, write_rows

    if args.plot:  # a missing extra is said before any work
        require_extra("viz")
    if args.ldavis:
        require_extra("ldavis")
    problems = Problems(args)
    docs = [
        (name, [p.text for p in split_paragraphs(text)])
        for name, text in problems.documents(args.inputs)
    ]
    texts = [t for _, ts in docs for t in ts]
    if not docs and problems.count:  # each bad input was reported
        return problems.exit_code()
    if not texts:
        raise InputError("no paragraphs with text in the inputs")
    if not args.stored and args.n_topics > len(texts):
        raise InputError(
            f"--n-topics {args.n_topics} is more than the {len(texts)} paragraphs of the inputs; "
            f"a topic model cannot find more topics than it has paragraphs: give more text "
            f"or fewer topics"
        )
    model = (
        load(args, "topic-model")
        if args.stored
        else TopicModel(n_topics=args.n_topics, random_state=args.seed).fit(texts)
    )
    described = model.describe(top_n=args.top_n)
    mix, start, mixes = model.transform(texts), 0, {}
    for name, ts in docs:  # one transform for all paragraphs, sliced per document
        mixes[name] = mix[start : start + len(ts)].mean(axis=0).round(4).tolist() if ts else []
        start += len(ts)
    coherence = None if args.stored else round(model.coherence("c_v"), 4)
    names = model.topic_names(3)
    if args.format == "json":
        for d, n in zip(described, names):
            d["name"] = n
        print(
            json.dumps(
                {"topics": described, "coherence_c_v": coherence, "documents": mixes},
                ensure_ascii=False,
                indent=2,
            )
        )
    elif args.format == "csv":
        rows = [
            {
                "topic": d["topic"],
                "name": n,
                "theme": d["theme"],
                "share": d["share"],
                "words": " ".join(d["words"]),
                "words_zh": " ".join(d["words_zh"]),
                "words_en": " ".join(d["words_en"]),
            }
            for d, n in zip(described, names)
        ]
        write_rows(
            rows, "csv", ["topic", "name", "theme", "share", "words", "words_zh", "words_en"]
        )
    else:
        rows = [
            {
                "topic": d["topic"],
                "theme": d["theme"]
                + (" (dead)" if d["dead"] else "")
                + (f" (≈{d['duplicate_of']})" if d["duplicate_of"] is not None else ""),
                "share": f"{d['share']:.2f}",
                "中文": " ".join(d["words_zh"]),
                "English": " ".join(d["words_en"]),
            }
            for d in described
        ]
        print(table(rows, ["topic", "theme", "share", "中文", "English"], max_width=100), end="")
        if coherence is not None:
            print(f"\ncoherence (c_v): {coherence}")
        print("\ntopic mix per document:")
        for name, mix in mixes.items():
            print(
                f"  {name}: "
                + ", ".join(
                    f"{names[k]} {v:.0%}"
                    for k, v in sorted(enumerate(mix), key=lambda kv: -kv[1])
                    if v >= 0.05
                )
            )
    if args.plot:
        from ..viz import plot_topics

        plot_topics(model, args.plot, top_n=args.top_n)
        print(f"plot: {args.plot}")
    if args.ldavis:
        from ..viz import ldavis_html

        ldavis_html(model, texts, args.ldavis)
        print(f"pyLDAvis: {args.ldavis}")
    return problems.exit_code()
