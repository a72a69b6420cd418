"""Cross-validation grouped by source page: an honest development score on whole passages.

Paragraphs written from one page share facts, names and wording, and the
paragraphs of a passage share their context, so a random split of paragraphs
would let a model be tested on text it has half seen. Here every fold holds
out whole source pages; the model is scored on each held-out paragraph alone
and in the context of its passage, against a plain character n-gram logistic
regression trained on the same folds (:func:`~ecomtopics.evaluate.char_baseline`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._errors import InputError
from .data import LabelledParagraph
from .evaluate import (
    any_label_truth,
    char_baseline,
    expected_calibration_error,
    macro_f1_interval,
    passage_order,
    predict_proba_in_context,
    score_predictions,
)

__all__ = ["grouped_cross_validation"]

logger = logging.getLogger(__name__)

Fit = Callable[[Sequence[LabelledParagraph]], Any]


def grouped_cross_validation(
    fit: Fit,
    rows: Sequence[LabelledParagraph],
    *,
    extra_train: Sequence[LabelledParagraph] = (),
    n_splits: int = 5,
    n_resamples: int = 2000,
    random_state: int | None = 0,
) -> dict[str, Any]:
    """Score a classifier by cross-validation that holds out whole source pages.

    Parameters
    ----------
    fit : callable
        ``fit(training_rows) -> fitted model`` (rows in passage order).
    rows : labelled paragraphs
        The passages to cross-validate (each row's ``source`` is its page).
    extra_train : labelled paragraphs
        Rows added to every fold's training data and never tested (for
        example single authored paragraphs).
    n_splits : int
        Number of folds (``GroupKFold``).

    Returns
    -------
    dict
        ``alone``, ``in_context`` and ``char_baseline``, each with
        :func:`~ecomtopics.evaluate.score_predictions` scores, ``any_label``
        scores, and per-language 95% bootstrap intervals of the any-label
        macro-F1; ``ece`` for the model's two views; ``margin`` of the
        in-context any-label macro-F1 over the baseline, per language.
    """
    from sklearn.model_selection import GroupKFold

    rows = passage_order(rows)
    pages = sorted({r.source for r in rows})
    if isinstance(n_splits, bool) or not isinstance(n_splits, int) or n_splits < 2:
        raise InputError(f"n_splits must be an integer >= 2, got {n_splits!r}")
    if len(pages) < n_splits:
        raise InputError(
            f"grouped cross-validation needs at least {n_splits} source pages, got {len(pages)}"
        )
    groups = [r.source for r in rows]
    extra = list(extra_train)
    n = len(rows)
    proba_alone: np.ndarray | None = None
    proba_context: np.ndarray | None = None
    baseline = [""] * n
    classes: list[str] = []
    for fold, (train, test) in enumerate(
        GroupKFold(n_splits=n_splits).split(rows, groups=groups), start=1
    ):
        train_rows = passage_order(extra + [rows[i] for i in train])
        test_rows = [rows[i] for i in test]
        model = fit(train_rows)
        if proba_alone is None or proba_context is None:
            classes = list(model.classes_)
            proba_alone, proba_context = np.zeros((n, len(classes))), np.zeros((n, len(classes)))
        if list(model.classes_) != classes:
            raise InputError(f"fold {fold} learnt themes {list(model.classes_)}, others {classes}")
        proba_alone[test] = model.predict_proba([r.text for r in test_rows])
        proba_context[test] = predict_proba_in_context(model, test_rows)
        plain = char_baseline(
            [r.text for r in train_rows], [r.label for r in train_rows], random_state
        )
        for i, label in zip(test, plain.predict([r.text for r in test_rows])):
            baseline[i] = str(label)
        logger.info("grouped cross-validation: fold %d of %d done", fold, n_splits)
    assert proba_alone is not None and proba_context is not None
    truth = [r.label for r in rows]
    langs = [r.lang for r in rows]
    out: dict[str, Any] = {
        "n_splits": n_splits,
        "pages": len(pages),
        "passages": len({r.doc for r in rows}),
    }
    predictions = {
        "alone": [classes[i] for i in proba_alone.argmax(axis=1)],
        "in_context": [classes[i] for i in proba_context.argmax(axis=1)],
        "char_baseline": baseline,
    }
    for system, predicted in predictions.items():
        scores = score_predictions(truth, predicted, langs)
        lenient = any_label_truth(rows, predicted)
        any_scores = score_predictions(lenient, predicted, langs)
        intervals = {}
        for lang in sorted(set(langs)):
            idx = [i for i, x in enumerate(langs) if x == lang]
            intervals[lang] = macro_f1_interval(
                [lenient[i] for i in idx],
                [predicted[i] for i in idx],
                n_resamples=n_resamples,
                random_state=random_state,
            )
        out[system] = {
            "macro_f1": scores["macro_f1"],
            "accuracy": scores["accuracy"],
            "per_language": scores["per_language"],
            "per_class": scores["per_class"],
            "confusion": scores["confusion"],
            "any_label": {
                "macro_f1": any_scores["macro_f1"],
                "per_language": any_scores["per_language"],
                "macro_f1_ci": intervals,
            },
        }
    out["ece"] = {
        "alone": round(expected_calibration_error(proba_alone, truth, classes), 4),
        "in_context": round(expected_calibration_error(proba_context, truth, classes), 4),
    }
    out["margin"] = {
        lang: round(
            out["in_context"]["any_label"]["per_language"][lang]["macro_f1"]
            - out["char_baseline"]["any_label"]["per_language"][lang]["macro_f1"],
            4,
        )
        for lang in sorted(set(langs))
    }
    return out


def format_grouped_cv(result: dict[str, Any]) -> str:
    """A Markdown section for :func:`grouped_cross_validation`'s result."""
    lines = [
        f"## Grouped cross-validation ({result['n_splits']} folds by source page; "
        f"{result['pages']} pages, {result['passages']} passages)",
        "",
        "Macro-F1 where a paragraph between two themes counts as right for either (strict macro-F1 in brackets); "
        "95% bootstrap intervals over paragraphs.",
        "",
        "| system | en | zh | all |",
        "|---|---|---|---|",
    ]
    names = {
        "in_context": "ours, in context (classify_document)",
        "alone": "ours, each paragraph alone",
        "char_baseline": "plain char 1-3-gram TF-IDF + LR, same folds",
    }
    for system, name in names.items():
        s = result[system]
        cells = []
        for lang in ("en", "zh"):
            if lang in s["any_label"]["per_language"]:
                low, high = s["any_label"]["macro_f1_ci"][lang]
                cells.append(
                    f"{s['any_label']['per_language'][lang]['macro_f1']:.3f} [{low:.3f}, {high:.3f}] "
                    f"({s['per_language'][lang]['macro_f1']:.3f})"
                )
            else:
                cells.append("-")
        cells.append(f"{s['any_label']['macro_f1']:.3f} ({s['macro_f1']:.3f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Margin of ours in context over the plain baseline: "
        + ", ".join(f"{lang} {v:+.3f}" for lang, v in result["margin"].items()),
        f"Expected calibration error: alone {result['ece']['alone']:.3f}, in context {result['ece']['in_context']:.3f}",
        "",
    ]
    return "\n".join(lines)
