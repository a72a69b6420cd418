"""Evaluation of theme classifiers, with two baselines computed in the same run.

Metrics: macro-F1, accuracy, per-class precision/recall/F1, the confusion
matrix, the same per language, the expected calibration error of the
probabilities, and bootstrap confidence intervals of the model's macro-F1 and
of its margin over the plain baseline (small test sets move a lot with one
paragraph; the interval says how much). Baselines: a plain scikit-learn pipeline (``TfidfVectorizer`` +
``LogisticRegression`` on the raw text, what a user would write first) and a
keyword-lexicon rule (the theme whose lexicon words occur most; ``other`` when
none occurs).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._errors import InputError
from ._themes import THEMES
from .data import LabelledParagraph
from .tokenize import Tokenizer, concepts
from .tokenize._lexicons import package_lexicons

__all__ = [
    "LexiconRule",
    "any_label_truth",
    "char_baseline",
    "evaluate",
    "expected_calibration_error",
    "format_report",
    "macro_f1_interval",
    "passage_order",
    "plain_baseline",
    "predict_proba_in_context",
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
    labels = [t for t in THEMES if t in set(y_true) | set(y_pred)] + sorted(
        (set(y_true) | set(y_pred)) - set(THEMES)
    )
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    with (
        warnings.catch_warnings()
    ):  # "a single label was found": we pass labels, so the shape is right
        warnings.simplefilter("ignore", UserWarning)
        matrix = confusion_matrix(y_true, y_pred, labels=labels).tolist()
    out: dict[str, Any] = {
        "n": len(y_true),
        "macro_f1": round(
            float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)), 4
        ),
        "accuracy": round(float(np.mean([a == b for a, b in zip(y_true, y_pred)])), 4),
        "per_class": {
            label: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": {"labels": labels, "matrix": matrix},
    }
    if langs is not None:
        out["per_language"] = {}
        for lang in sorted(set(langs)):
            idx = [i for i, x in enumerate(langs) if x == lang]
            t, q = [y_true[i] for i in idx], [y_pred[i] for i in idx]
            present = [x for x in labels if x in set(t) | set(q)]
            out["per_language"][lang] = {
                "n": len(idx),
                "macro_f1": round(
                    float(f1_score(t, q, labels=present, average="macro", zero_division=0)), 4
                ),
                "accuracy": round(float(np.mean([a == b for a, b in zip(t, q)])), 4),
            }
    return out


def _macro_f1_rows(truth: np.ndarray, predicted: np.ndarray, n_labels: int) -> np.ndarray:
    """Macro-F1 of each row of integer-coded ``truth``/``predicted`` (shape ``(..., n)``).

    Averages ``2tp / (2tp + fp + fn)`` over the labels present in that row's
    truth or predictions, as :func:`score_predictions` does for one sample.
    """
    total = np.zeros(truth.shape[:-1])
    present = np.zeros(truth.shape[:-1])
    for c in range(n_labels):
        t, p = truth == c, predicted == c
        tp = (t & p).sum(axis=-1)
        denominator = t.sum(axis=-1) + p.sum(axis=-1)
        total += np.divide(2.0 * tp, denominator, out=np.zeros(total.shape), where=denominator > 0)
        present += denominator > 0
    return total / np.maximum(present, 1)


def macro_f1_interval(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    baseline_pred: Sequence[str] | None = None,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    random_state: int | None = 0,
) -> tuple[float, float]:
    """Bootstrap confidence interval of macro-F1 (``scipy.stats.bootstrap``, percentile).

    Paragraphs are resampled with replacement, so the interval shows how much
    the score depends on which paragraphs happened to be in the test set. With
    ``baseline_pred`` it is the interval of the paired difference
    ``macro-F1(y_pred) - macro-F1(baseline_pred)`` on the same resamples.
    Each resample averages over the labels present in it, as
    :func:`score_predictions` does, so on a small set a rare class that drops
    out of some resamples widens the interval. The interval covers sampling
    noise only: it cannot correct for choices made while looking at the same
    test set.

    >>> macro_f1_interval(["o2o", "other", "o2o"], ["o2o", "other", "o2o"])
    (1.0, 1.0)
    """
    from scipy.stats import bootstrap

    if not 0.0 < confidence < 1.0:
        raise InputError(f"confidence must be in (0, 1), got {confidence!r}")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 10:
        raise InputError(f"n_resamples must be an integer >= 10, got {n_resamples!r}")
    columns = [list(y_true), list(y_pred)] + (
        [list(baseline_pred)] if baseline_pred is not None else []
    )
    if len({len(c) for c in columns}) != 1:
        raise InputError(f"label sequences differ in length: {[len(c) for c in columns]}")
    if not columns[0]:
        raise InputError("nothing to evaluate: no labelled rows")
    labels = sorted(set().union(*columns))
    code = {label: i for i, label in enumerate(labels)}
    coded = [np.array([code[v] for v in c]) for c in columns]
    if len(coded[0]) < 2:
        score = _macro_f1_rows(coded[0], coded[1], len(labels))
        if baseline_pred is not None:
            score = score - _macro_f1_rows(coded[0], coded[2], len(labels))
        return float(score), float(score)

    def statistic(
        truth: np.ndarray, predicted: np.ndarray, *baseline: np.ndarray, axis: int = -1
    ) -> np.ndarray:
        score = _macro_f1_rows(truth, predicted, len(labels))
        return score - _macro_f1_rows(truth, baseline[0], len(labels)) if baseline else score

    with np.errstate(invalid="ignore"):
        result = bootstrap(
            tuple(coded),
            statistic,
            paired=True,
            vectorized=True,
            n_resamples=n_resamples,
            batch=max(
                1, 2_000_000 // len(coded[0])
            ),  # bounds memory: resamples x paragraphs per batch
            confidence_level=confidence,
            method="percentile",
            random_state=np.random.default_rng(random_state),
        )
    low, high = result.confidence_interval
    return round(float(low), 4), round(float(high), 4)


def expected_calibration_error(
    proba: np.ndarray, y_true: Sequence[str], classes: Sequence[str], n_bins: int = 10
) -> float:
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


def plain_baseline(
    texts: Sequence[str], labels: Sequence[str], random_state: int | None = 0
) -> Any:
    """The plain scikit-learn pipeline a user would try first, fitted on raw text."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(), LogisticRegression(max_iter=2000, random_state=random_state)
    ).fit(list(texts), list(labels))


def char_baseline(texts: Sequence[str], labels: Sequence[str], random_state: int | None = 0) -> Any:
    """A plain character 1-3-gram TF-IDF + logistic regression, fitted on raw text (no tokenizer, no lexicon)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    model = LogisticRegression(C=10.0, max_iter=3000, random_state=random_state)
    return make_pipeline(vectorizer, model).fit(list(texts), list(labels))


def any_label_truth(rows: Sequence[LabelledParagraph], predicted: Sequence[str]) -> list[str]:
    """Truth where a paragraph between themes counts as right for any theme in its ``labels``.

    >>> from ecomtopics.data import parse_labelled_lines
    >>> rows = parse_labelled_lines(['{"id": "a", "text": "x", "lang": "en", "label": "o2o", '
    ...     '"labels": ["o2o", "channel"], "source": "authored"}'])
    >>> any_label_truth(rows, ["channel"]), any_label_truth(rows, ["other"])
    (['channel'], ['o2o'])
    """
    return [p if p == r.label or p in r.labels else r.label for r, p in zip(rows, predicted)]


def passage_order(rows: Sequence[LabelledParagraph]) -> list[LabelledParagraph]:
    """Rows with each passage's paragraphs together, in reading order (rows without a passage keep their order)."""
    indexed = list(enumerate(rows))
    indexed.sort(key=lambda ir: (ir[1].doc is None, ir[1].doc or "", ir[1].position or 0, ir[0]))
    return [r for _, r in indexed]


def predict_proba_in_context(model: Any, rows: Sequence[LabelledParagraph]) -> np.ndarray:
    """Probabilities of ``rows``, each passage's paragraphs read together (in order of ``position``).

    Rows without a passage (``doc`` is None) are scored alone. Models
    without :meth:`~ecomtopics.ThemeClassifier.predict_proba_in_context`
    score every row alone.
    """
    rows = list(rows)
    if not hasattr(model, "predict_proba_in_context"):
        return np.asarray(model.predict_proba([r.text for r in rows]))
    proba = np.zeros((len(rows), len(model.classes_)))
    passages: dict[str, list[int]] = {}
    alone = []
    for i, r in enumerate(rows):
        if r.doc is None:
            alone.append(i)
        else:
            passages.setdefault(r.doc, []).append(i)
    if alone:
        proba[alone] = model.predict_proba([rows[i].text for i in alone])
    for members in passages.values():
        members.sort(key=lambda i: rows[i].position or 0)
        proba[members] = model.predict_proba_in_context([rows[i].text for i in members])
    return proba


class LexiconRule:
    """Keyword baseline: the theme whose concept-lexicon words occur most often (``other`` when none do).

    Only the concepts of the four themes vote; the concepts of ``other``
    (results, personnel, regulation) leave the rule as it was before they existed.
    """

    def __init__(self) -> None:
        self._tokenizer = Tokenizer()
        theme_of = package_lexicons().topical_concept_themes()
        self._token_themes = {
            t: [theme_of[c] for c in cs if c in theme_of] for t, cs in concepts().items()
        }

    def predict(self, texts: Sequence[str]) -> list[str]:
        out = []
        for text in texts:
            hits = Counter(
                th for tok in self._tokenizer(text) for th in self._token_themes.get(tok, ())
            )
            out.append(min(hits, key=lambda th: (-hits[th], th)) if hits else "other")
        return out


def evaluate(
    model: Any,
    rows: Sequence[LabelledParagraph],
    *,
    train_rows: Sequence[LabelledParagraph] | None = None,
    random_state: int | None = 0,
    in_context: bool = False,
) -> dict[str, Any]:
    """Score ``model`` on labelled ``rows``; with ``train_rows``, the baselines too.

    With ``in_context``, the paragraphs of each passage (``doc``) are
    labelled together, as :func:`~ecomtopics.classify_document` does.
    Returns a dict with ``model`` (scores, ``ece``, ``macro_f1_ci``, a 95%
    bootstrap interval, also per language, and ``any_label``: the same
    scores when a paragraph between themes counts as right for any theme in
    its ``labels``), and when ``train_rows`` is given
    ``plain_sklearn`` and ``lexicon_rule`` (scores of the baselines trained on
    the same rows), ``margin_over_plain`` (macro-F1 difference) and
    ``margin_over_plain_ci`` (its paired bootstrap interval).
    """
    rows = list(rows)
    if not rows:
        raise InputError("nothing to evaluate: no labelled rows")
    texts = [r.text for r in rows]
    truth = [r.label for r in rows]
    langs = [r.lang for r in rows]
    proba = predict_proba_in_context(model, rows) if in_context else model.predict_proba(texts)
    predicted = [model.classes_[i] for i in proba.argmax(axis=1)]
    result: dict[str, Any] = {"model": score_predictions(truth, predicted, langs)}
    any_label = score_predictions(any_label_truth(rows, predicted), predicted, langs)
    result["model"]["any_label"] = {
        "macro_f1": any_label["macro_f1"],
        "accuracy": any_label["accuracy"],
        "per_language": any_label["per_language"],
    }
    result["model"]["ece"] = round(expected_calibration_error(proba, truth, model.classes_), 4)
    result["model"]["macro_f1_ci"] = macro_f1_interval(truth, predicted, random_state=random_state)
    for lang, scores in result["model"].get("per_language", {}).items():
        idx = [i for i, x in enumerate(langs) if x == lang]
        scores["macro_f1_ci"] = macro_f1_interval(
            [truth[i] for i in idx], [predicted[i] for i in idx], random_state=random_state
        )
    result["predictions"] = [
        {"id": r.id, "label": r.label, "predicted": p} for r, p in zip(rows, predicted)
    ]
    if train_rows is not None:
        plain = plain_baseline(
            [r.text for r in train_rows], [r.label for r in train_rows], random_state
        )
        plain_predicted = [str(v) for v in plain.predict(texts)]
        result["plain_sklearn"] = score_predictions(truth, plain_predicted, langs)
        result["lexicon_rule"] = score_predictions(truth, LexiconRule().predict(texts), langs)
        result["margin_over_plain"] = round(
            result["model"]["macro_f1"] - result["plain_sklearn"]["macro_f1"], 4
        )
        result["margin_over_plain_ci"] = macro_f1_interval(
            truth, predicted, plain_predicted, random_state=random_state
        )
    return result


def format_report(title: str, sections: dict[str, dict[str, Any]]) -> str:
    """A Markdown report of evaluation sections (each from :func:`evaluate`)."""
    lines = [f"# {title}", ""]
    for name, result in sections.items():
        lines += [
            f"## {name}",
            "",
            "| system | n | macro-F1 | accuracy | en macro-F1 | zh macro-F1 |",
            "|---|---|---|---|---|---|",
        ]
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
        if "macro_f1_ci" in model:
            per = model.get("per_language", {})
            intervals = [f"all {_interval(model['macro_f1_ci'])}"] + [
                f"{lang} {_interval(s['macro_f1_ci'])}"
                for lang, s in per.items()
                if "macro_f1_ci" in s
            ]
            lines += ["", "95% bootstrap interval of the model's macro-F1: " + ", ".join(intervals)]
            if "margin_over_plain_ci" in result:
                lines.append(
                    f"Margin over plain_sklearn: {result['margin_over_plain']:+.3f}, "
                    f"95% interval {_interval(result['margin_over_plain_ci'], signed=True)}"
                )
        if "ece" in model:
            lines += ["", f"Expected calibration error of the model: {model['ece']:.3f}"]
        lines += ["", "| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for label, s in model["per_class"].items():
            lines.append(
                f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |"
            )
        labels = model["confusion"]["labels"]
        lines += [
            "",
            "Confusion (rows: truth, columns: predicted)",
            "",
            "| | " + " | ".join(labels) + " |",
            "|---" * (len(labels) + 1) + "|",
        ]
        for label, row in zip(labels, model["confusion"]["matrix"]):
            lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
        lines.append("")
    return "\n".join(lines)


def _interval(bounds: Sequence[float], signed: bool = False) -> str:
    low, high = bounds
    return f"[{low:+.3f}, {high:+.3f}]" if signed else f"[{low:.3f}, {high:.3f}]"
