"""``ecomtopics evaluate``: score a stored classifier on labelled data, with baselines."""

from __future__ import annotations

import argparse
import json

from ._common import add_model_options

EXAMPLES = """
examples:
  ecomtopics evaluate --data data/gold --train data/authored
  ecomtopics evaluate --data my_gold.jsonl --model theme-classifier --model-version v1 --format json
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="macro-F1, per-class scores and confusion matrix on labelled data",
        description="Evaluate a stored theme classifier on labelled paragraphs. With --train, the two "
        "baselines (plain scikit-learn pipeline, keyword lexicon rule) are trained and scored in the same run.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--data", nargs="+", required=True, help="labelled JSON Lines files or folders to score on"
    )
    p.add_argument("--train", nargs="*", help="training rows for the baselines")
    add_model_options(p)
    p.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="table (Markdown report), json (all metrics) or csv (per-class scores)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..data import read_labelled
    from ..evaluate import evaluate, format_report
    from ._common import load

    model = load(args)
    rows = read_labelled(args.data)
    train = read_labelled(args.train) if args.train else None
    result = evaluate(model, rows, train_rows=train)
    seen = _seen_in_training(model, rows)
    if seen:
        import sys

        print(
            f"warning: {seen} of {len(rows)} evaluation rows were in this model's training data "
            "(its training_ids.txt), so these scores are not a fair test; the job's report.md has "
            "the held-out and real-text scores",
            file=sys.stderr,
        )
        result["seen_in_training"] = seen
    if args.format == "json":
        print(
            json.dumps(
                {k: v for k, v in result.items() if k != "predictions"},
                ensure_ascii=False,
                indent=2,
            )
        )
    elif args.format == "csv":
        from ._common import write_rows

        table = [
            {"system": system, "class": label, **scores}
            for system in ("model", "plain_sklearn", "lexicon_rule")
            if system in result
            for label, scores in result[system]["per_class"].items()
        ]
        write_rows(table, "csv", ["system", "class", "precision", "recall", "f1", "support"])
    else:
        title = f"{args.model} on {', '.join(args.data)}"
        if seen:
            title += f" ({seen} of {len(rows)} rows seen in training)"
        print(format_report(title, {"Evaluation": result}))
    return 0


def _seen_in_training(model, rows) -> int:
    """How many rows the stored model was trained on (by id, from its version's training_ids.txt)."""
    from pathlib import Path

    source = getattr(model, "source_", None)
    if not source:
        return 0
    path = Path(source["store"]) / source["name"] / source["version"] / "training_ids.txt"
    if not path.exists():
        return 0
    ids = set(path.read_text(encoding="utf-8").split())
    return sum(r.id in ids for r in rows)
