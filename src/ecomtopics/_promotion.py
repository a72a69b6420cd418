"""The promotion gate of retraining jobs: promote only a model that is not worse on the same data.

A job's own scores cannot be compared with the numbers in the promoted
version's manifest: those were computed on other data (another held-out
split, another gold set). The gate therefore scores the promoted version in
the same run, on this run's evaluation rows, leaving out the rows it was
trained on (its ``training_ids.txt``), and compares the two models on exactly
those rows. It never promotes when:

- the new model's classes differ from the promoted version's (data without a
  theme would make the default model unable to say it);
- this run has no value of the metric, or the promoted version cannot be
  loaded or scored on it (a missing number is not a reason to promote);
- no evaluation row is left that the promoted version did not train on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import EcomtopicsError
from .data import LabelledParagraph
from .store import ModelStore
from .store._files import read_store_file

__all__ = ["Evaluation", "Verdict", "decide", "normalized_text"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluation:
    """Rows a job scored its evaluated model on, and that model's predicted labels (in order)."""

    rows: Sequence[LabelledParagraph]
    predicted: Sequence[str]
    in_context: bool = (
        False  # each passage's paragraphs were labelled together (the promoted one is too)
    )


@dataclass(frozen=True)
class Verdict:
    """What the gate decided, and on what: both scores are on the same ``compared_on`` rows."""

    promote: bool
    reason: str
    value: float | None = None
    previous_value: float | None = None
    compared_on: int | None = None


def normalized_text(text: str) -> str:
    """The form in which two texts count as duplicates (white space and case folded).

    >>> normalized_text("  Tmall  opens\\nstores ") == normalized_text("tmall opens stores")
    True
    """
    return " ".join(text.split()).casefold()


def decide(
    store: ModelStore,
    name: str,
    metric: str,
    model: Any,
    evaluations: dict[str, Evaluation],
    texts: Sequence[str] = (),
) -> Verdict:
    """Promote ``model`` only if it is not worse than the promoted version on the same rows.

    Parameters
    ----------
    store, name
        Where the promoted version lives.
    metric : str
        Dotted metric path of the job: ``"<set>.model.<score>"`` for a
        classifier (``set`` a key of ``evaluations``), ``"coherence.<measure>"``
        for a topic model.
    model
        The model this run trained (classes are compared).
    evaluations : dict
        Classifier jobs: the evaluation sets of this run by name.
    texts : sequence of str
        Topic-model jobs: the texts coherence is computed on.
    """
    try:
        previous = store.promoted(name)
    except EcomtopicsError as exc:
        return Verdict(False, f"the promoted version cannot be read ({exc})")
    if previous is None:
        return Verdict(True, "no version was promoted yet")
    try:
        old = store.load(name, previous)
    except EcomtopicsError as exc:
        return Verdict(
            False, f"the promoted version {previous} cannot be loaded to be compared ({exc})"
        )
    if type(old) is not type(model):
        return Verdict(
            False,
            f"the promoted version {previous} is a {type(old).__name__}, this run a {type(model).__name__}",
        )
    if hasattr(model, "classes_"):
        return _compare_classifiers(store, name, previous, old, model, metric, evaluations)
    return _compare_topic_models(previous, old, model, metric, texts)


def _compare_classifiers(
    store: ModelStore,
    name: str,
    previous: str,
    old: Any,
    new: Any,
    metric: str,
    evaluations: dict[str, Evaluation],
) -> Verdict:
    from .evaluate import score_predictions

    if list(old.classes_) != list(new.classes_):
        return Verdict(
            False,
            f"classes differ: promoted {previous} has {list(old.classes_)}, "
            f"this run {list(new.classes_)}",
        )
    section, _, rest = metric.partition(".")
    if section not in evaluations or not rest.startswith("model."):
        return Verdict(
            False,
            f"metric {metric!r} cannot be computed for the promoted version "
            f"(use '<{'|'.join(sorted(evaluations))}>.model.<score>')",
        )
    evaluation = evaluations[section]
    seen = _training_ids(store, name, previous)
    keep = [i for i, r in enumerate(evaluation.rows) if r.id not in seen]
    if not keep:
        return Verdict(
            False,
            f"the promoted version {previous} was trained on all {len(evaluation.rows)} "
            f"{section} rows, so the two cannot be compared on the same data",
        )
    rows = [evaluation.rows[i] for i in keep]
    truth, langs = [r.label for r in rows], [r.lang for r in rows]
    if evaluation.in_context:
        from .evaluate import predict_proba_in_context

        old_predicted = [
            old.classes_[i] for i in predict_proba_in_context(old, rows).argmax(axis=1)
        ]
    else:
        old_predicted = list(old.predict([r.text for r in rows]))
    value = _lookup(score_predictions(truth, [evaluation.predicted[i] for i in keep], langs), rest)
    previous_value = _lookup(score_predictions(truth, old_predicted, langs), rest)
    return _verdict(previous, value, previous_value, len(rows), f"{section} rows")


def _compare_topic_models(
    previous: str, old: Any, new: Any, metric: str, texts: Sequence[str]
) -> Verdict:
    section, _, measure = metric.partition(".")
    if section != "coherence" or not texts:
        return Verdict(
            False,
            f"metric {metric!r} cannot be computed for the promoted version (use 'coherence.<measure>')",
        )
    try:
        value = round(new.coherence(measure, texts=list(texts)), 4)
        previous_value = round(old.coherence(measure, texts=list(texts)), 4)
    except EcomtopicsError as exc:
        return Verdict(False, f"coherence {measure!r} cannot be computed ({exc})")
    return _verdict(previous, value, previous_value, len(texts), "texts")


def _verdict(
    previous: str, value: float | None, previous_value: float | None, n: int, what: str
) -> Verdict:
    if value is None or previous_value is None:
        return Verdict(
            False, "the metric is missing for one of the two models", value, previous_value, n
        )
    better = value >= previous_value
    reason = (
        f"on the same {n} {what}: this run {value:.4f}, promoted {previous} {previous_value:.4f}"
        f" ({'not worse' if better else 'worse'})"
    )
    return Verdict(better, reason, value, previous_value, n)


def _training_ids(store: ModelStore, name: str, version: str) -> set[str]:
    """Ids of the rows ``version`` was trained on (empty if it does not record them)."""
    path = store.path(name, version) / "training_ids.txt"
    try:
        data = read_store_file(path, store.root, f"restore {path.parent} from a backup")
    except FileNotFoundError:
        return set()
    return set(data.decode("utf-8", errors="replace").splitlines())


def _lookup(tree: dict[str, Any], dotted: str) -> float | None:
    node: Any = {"model": tree}
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else None
