"""Evaluation of theme classifiers, with two baselines computed in the same run.

Metrics: macro-F1, accuracy, per-class precision/recall/F1, the confusion
matrix, the same per language, and the expected calibration error of the
probabilities. Baselines: a plain scikit-learn pipeline (``TfidfVectorizer`` +
``LogisticRegression`` on the raw text, what a user would write first) and a
keyword-lexicon rule (the theme whose lexicon words occur most; ``other`` when
none occurs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._errors import InputError
from ._themes import THEMES
from .data import LabelledParagraph
from .tokenize import Tokenizer, concept_themes, concepts

__all__ = [
    "LexiconRule",
    "evaluate",
    "expected_calibration_error",
    "format_report",
    "plain_baseline",
    "score_predictions",
]


def score_predictions(
    y_true: Sequence[str], y_pred: Sequence[str], langs: Sequence[str] | None = None
) -> dict[str, Any]:
    """Macro-F1, accuracy, per-class scores and confusion matrix (and per language).

    >>> score_predictions(["o2o", "other"], ["o2o", "o2o"])["accuracy"]
    0.5
    """
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    if len(y_true) != len(y_pred):
        raise InputError(f"{len(y_true)} true labels but {len(y_pred)} predictions")
    if not y_true:
        raise InputError("nothing to evaluate: no labelled rows")
    labels = [t for t in THEMES if t in set(y_true) | set(y_pred)] + sorted((set(y_true) | set(y_pred)) - set(THEMES))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    out: dict[str, Any] = {
        "n": len(y_true),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)), 4),
        "accuracy": round(float(np.mean([a == b for a, b in zip(y_true, y_pred)])), 4),
        "per_class": {
            label: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                    "f1": round(float(f[i]), 4), "support": int(s[i])}  # fmt: skip
            for i, label in enumerate(labels)
        },
        "confusion": {"labels": labels, "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()},
    }
    if langs is not None:
        out["per_language"] = {}
        for lang in sorted(set(langs)):
            idx = [i for i, x in enumerate(langs) if x == lang]
            t, q = [y_true[i] for i in idx], [y_pred[i] for i in idx]
            present = [x for x in labels if x in set(t) | set(q)]
            out["per_language"][lang] = {
                "n": len(idx),
                "macro_f1": round(float(f1_score(t, q, labels=present, average="macro", zero_division=0)), 4),
                "accuracy": round(float(np.mean([a == b for a, b in zip(t, q)])), 4),
            }
    return out


def expected_calibration_error(proba: np.ndarray, y_true: Sequence[str], classes: Sequence[str], n_bins: int = 10) -> float:
    """Expected calibration error of the top-class probability (equal-width bins).

    >>> round(expected_calibration_error(np.array([[0.9, 0.1], [0.6, 0.4]]), ["a", "b"], ["a", "b"]), 3)
    0.35
    """
    proba = np.asarray(proba, dtype=np.float64)
    confidence = proba.max(axis=1)
    correct = np.array([classes[i] == t for i, t in zip(proba.argmax(axis=1), y_true)], dtype=float)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


def plain_baseline(texts: Sequence[str], labels: Sequence[str], random_state: int | None = 0) -> Any:
    """The plain scikit-learn pipeline a user would try first, fitted on raw text."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000, random_state=random_state)).fit(
        list(texts), list(labels)
    )


class LexiconRule:
    """Keyword baseline: the theme whose concept-lexicon words occur most often."""

    def __init__(self) -> None:
        self._tokenizer = Tokenizer()
        theme_of = concept_themes()
        self._token_themes = {t: [theme_of[c] for c in cs] for t, cs in concepts().items()}

    def predict(self, texts: Sequence[str]) -> list[str]:
        out = []
        for text in texts:
            hits = Counter(th for tok in self._tokenizer(text) for th in self._token_themes.get(tok, ()))
            out.append(min(hits, key=lambda th: (-hits[th], th)) if hits else "other")
        return out


def evaluate(
    model: Any,
    rows: Sequence[LabelledParagraph],
    *,
    train_rows: Sequence[LabelledParagraph] | None = None,
    random_state: int | None = 0,
) -> dict[str, Any]:
    """Score ``model`` on labelled ``rows``; with ``train_rows``, the baselines too.

    Returns a dict with ``model`` (scores, ``ece``), and when ``train_rows``
    is given ``plain_sklearn`` and ``lexicon_rule`` (scores of the baselines
    trained on the same rows) and ``margin_over_plain`` (macro-F1 difference).
    """
    rows = list(rows)
    if not rows:
        raise InputError("nothing to evaluate: no labelled rows")
    texts = [r.text for r in rows]
    truth = [r.label for r in rows]
    langs = [r.lang for r in rows]
    proba = model.predict_proba(texts)
    predicted = [model.classes_[i] for i in proba.argmax(axis=1)]
    result: dict[str, Any] = {"model": score_predictions(truth, predicted, langs)}
    result["model"]["ece"] = round(expected_calibration_error(proba, truth, model.classes_), 4)
    result["predictions"] = [{"id": r.id, "label": r.label, "predicted": p} for r, p in zip(rows, predicted)]
    if train_rows is not None:
        plain = plain_baseline([r.text for r in train_rows], [r.label for r in train_rows], random_state)
        result["plain_sklearn"] = score_predictions(truth, list(plain.predict(texts)), langs)
        result["lexicon_rule"] = score_predictions(truth, LexiconRule().predict(texts), langs)
        result["margin_over_plain"] = round(result["model"]["macro_f1"] - result["plain_sklearn"]["macro_f1"], 4)
    return result


def format_report(title: str, sections: dict[str, dict[str, Any]]) -> str:
    """A Markdown report of evaluation sections (each from :func:`evaluate`)."""
    lines = [f"# {title}", ""]
    for name, result in sections.items():
        lines += [f"## {name}", "", "| system | n | macro-F1 | accuracy | en macro-F1 | zh macro-F1 |", "|---|---|---|---|---|---|"]
        for system in ("model", "plain_sklearn", "lexicon_rule"):
            if system not in result:
                continue
            s = result[system]
            per = s.get("per_language", {})
            lines.append(
                f"| {system} | {s['n']} | {s['macro_f1']:.3f} | {s['accuracy']:.3f} | "
                f"{per.get('en', {}).get('macro_f1', float('nan')):.3f} | {per.get('zh', {}).get('macro_f1', float('nan')):.3f} |"
            )
        model = result["model"]
        if "ece" in model:
            lines += ["", f"Expected calibration error of the model: {model['ece']:.3f}"]
        lines += ["", "| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for label, s in model["per_class"].items():
            lines.append(f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
        labels = model["confusion"]["labels"]
        lines += ["", "Confusion (rows: truth, columns: predicted)", "", "| | " + " | ".join(labels) + " |",
                  "|---" * (len(labels) + 1) + "|"]  # fmt: skip
        for label, row in zip(labels, model["confusion"]["matrix"]):
            lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
        lines.append("")
    return "\n".join(lines)
