"""The document level of the theme classifier: passages, calibration on them, and the context stage.

Training keeps a passage's paragraphs in one cross-validation fold: the
out-of-fold scores calibrate the probabilities (a temperature) and teach the
second stage (:mod:`._context`), which relabels each paragraph of a document
from the paragraphs around it. :class:`DocumentStage` holds the methods that
do this; the :class:`~ecomtopics.classify.ThemeClassifier` inherits them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._errors import InputError
from .._validation import check_texts
from ._context import MIN_PARAGRAPHS, context_features
from ._scorer import OTHER, LinearScorer, _multinomial_form, _softmax_rows

__all__ = ["DocumentStage"]

logger = logging.getLogger(__name__)


class DocumentStage(LinearScorer):
    """Fit and apply the context stage over the paragraphs of one document."""

    # fitted by the classifier (annotations only: these are not class attributes)
    context_coef_: Any  # ndarray, or None without a context stage
    context_intercept_: Any  # ndarray, or None without a context stage
    context_C: float
    secondary_weight: float
    max_iter: int
    random_state: int | None
    C: float
    class_weight: str | None

    def predict_proba_in_context(self, paragraphs: Iterable[str]) -> np.ndarray:
        """Probabilities of the paragraphs of ONE document, each read in the context of the others.

        The paragraphs must be in reading order. Without a trained context
        stage (``context_coef_`` is None) this equals :meth:`predict_proba`.

        >>> from ecomtopics.classify import ThemeClassifier
        >>> clf = ThemeClassifier(calibrate=False, char_ngrams=None).fit(
        ...     ["线下门店与天猫打通", "offline stores join Tmall", "服务商帮助商家", "service providers help"],
        ...     ["o2o", "o2o", "merchant_services", "merchant_services"])
        >>> clf.predict_proba_in_context(["线下门店", "服务商"]).shape
        (2, 2)
        """
        self._ensure_ready()
        matrix, n_tokens, counts = self._features_and_counts(
            check_texts(paragraphs, name="paragraphs"), with_counts=self._reads_rest_of_document
        )
        return self._in_context(self._proba_of_matrix(matrix, n_tokens == 0), n_tokens, counts)

    @property
    def _reads_rest_of_document(self) -> bool:
        """Whether the context stage reads the rest of the document (and so needs its counts)."""
        return self.context_coef_ is not None and bool(getattr(self, "context_document", False))

    def _fit_context(
        self,
        oof: np.ndarray,
        y: list[str],
        n_tokens: np.ndarray,
        group_of: list[Any],
        rest_oof: np.ndarray | None = None,
    ) -> None:
        """The second stage, on out-of-fold probabilities of the paragraphs that belong to a passage
        (and, with ``rest_oof``, out-of-fold scores of the rest of each paragraph's passage)."""
        from sklearn.linear_model import LogisticRegression

        proba = _softmax_rows(oof / self.temperature_)
        rest = _softmax_rows(rest_oof / self.temperature_) if rest_oof is not None else None
        features: list[np.ndarray] = []
        targets: list[str] = []
        for rows in _passages(group_of):
            features.append(
                context_features(
                    proba[rows], n_tokens[rows], rest[rows] if rest is not None else None
                )
            )
            targets.extend(y[i] for i in rows)
        if len(set(targets)) != len(self.classes_):
            logger.warning("the passages do not cover every theme; no context stage is trained")
            return
        stage = LogisticRegression(
            C=self.context_C, max_iter=self.max_iter, random_state=self.random_state
        )
        stage.fit(np.vstack(features), targets)
        if [str(c) for c in stage.classes_] != self.classes_.tolist():  # pragma: no cover
            raise InputError("the context stage learnt other themes than the paragraph model")
        self.context_coef_, self.context_intercept_ = _multinomial_form(
            stage.coef_, stage.intercept_
        )

    def _in_context(self, proba: np.ndarray, n_tokens: np.ndarray, counts: Any) -> np.ndarray:
        """The context stage over one document (``counts``: its raw counts, for the rest-of-document view)."""
        if self.context_coef_ is None or len(proba) < MIN_PARAGRAPHS:
            return proba
        rest = None
        if self._reads_rest_of_document:
            rest = _softmax_rows(self._rest_scores(counts) / self.temperature_)
        features = context_features(proba, n_tokens, rest)
        return _softmax_rows(features @ self.context_coef_.T + self.context_intercept_)

    def _out_of_fold_scores(
        self,
        matrix: Any,
        y: list[str],
        prior: np.ndarray,
        group_of: list[Any],
        multi: list[list[str]] | None = None,
        counts: Any = None,
    ) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Uncalibrated scores of every training paragraph from a model that did not see its passage.

        With ``counts`` (raw counts of the training paragraphs), also the scores
        of the rest of each passage for each of its paragraphs, from the same
        models (zeros for paragraphs outside a passage).
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

        n_splits = min(5, min(y.count(c) for c in set(y)))
        if n_splits < 2:
            logger.warning("a theme has a single example: probabilities are not calibrated")
            return None
        grouped = any(g is not None for g in group_of)
        folds = (StratifiedGroupKFold if grouped else StratifiedKFold)(
            n_splits=n_splits, shuffle=True, random_state=self.random_state
        )
        codes: dict[Any, int] = {}
        group_ids = [
            codes.setdefault(("row", i) if g is None else ("group", g), len(codes))
            for i, g in enumerate(group_of)
        ]
        target = np.asarray(y)
        scores = np.zeros((len(y), len(self.classes_)))
        rest = np.zeros_like(scores) if counts is not None else None
        passages = _passages(group_of) if counts is not None else []
        weight = float(self.secondary_weight)
        for train, test in folds.split(matrix, target, group_ids if grouped else None):
            rows, targets, weights = _with_secondary(
                [y[i] for i in train],
                [multi[i] for i in train] if multi is not None else [[] for _ in train],
                weight if multi is not None else 0.0,
            )
            model = LogisticRegression(
                C=self.C,
                max_iter=self.max_iter,
                class_weight=self.class_weight,
                random_state=self.random_state,
            ).fit(matrix[train[rows]], targets, sample_weight=weights)
            fold_coef, fold_intercept = _multinomial_form(model.coef_, model.intercept_)
            fold_scores = np.asarray(matrix[test] @ fold_coef.T) + fold_intercept
            # a theme missing from this fold's training passages gets a score well below the others
            full = np.repeat(
                fold_scores.min(axis=1, keepdims=True) - 10.0, len(self.classes_), axis=1
            )
            where = np.searchsorted(self.classes_, model.classes_)
            full[:, where] = fold_scores
            scores[test] = full
            if rest is not None:
                in_test = set(test.tolist())
                coef_t = (fold_coef + prior[where]).T
                for members in passages:
                    if members[0] in in_test:
                        part = self._rest_scores(counts[members], coef_t, fold_intercept)
                        block = np.repeat(
                            part.min(axis=1, keepdims=True) - 10.0, len(self.classes_), axis=1
                        )
                        block[:, where] = part
                        rest[members] = block
        return np.asarray(scores + np.asarray(matrix @ prior.T)), rest


def _check_groups(groups: Iterable[Any] | None, n: int) -> list[Any]:
    """One passage id (or None) per paragraph; a passage's paragraphs must be consecutive."""
    if groups is None:
        return [None] * n
    if isinstance(groups, (str, bytes)):
        raise InputError("groups must be one passage id per paragraph, not a single string")
    group_of = list(groups)
    if len(group_of) != n:
        raise InputError(f"X has {n} texts but groups has {len(group_of)} entries")
    seen, previous = set(), object()
    for i, g in enumerate(group_of):
        if g is not None and g != previous and g in seen:
            raise InputError(
                f"groups: the paragraphs of passage {g!r} are not consecutive (again at position {i}); "
                "give each passage's paragraphs together, in reading order"
            )
        seen.add(g)
        previous = g
    return group_of


def _passages(group_of: list[Any]) -> list[list[int]]:
    """Row indices of each passage (consecutive runs of the same id, None excluded)."""
    out: list[list[int]] = []
    for i, g in enumerate(group_of):
        if g is None:
            continue
        if out and group_of[out[-1][-1]] == g and out[-1][-1] == i - 1:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _fit_temperature(
    scores: np.ndarray, y: list[str], classes: Sequence[str] | np.ndarray
) -> float:
    """Temperature minimising the log loss of out-of-fold scores."""
    from scipy.optimize import minimize_scalar

    target = np.searchsorted(classes, y)

    def loss(t: float) -> float:
        z = scores / t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(y)), target].mean())

    return float(minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded").x)


def _with_secondary(
    y: list[str], multi: list[list[str]], weight: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training rows, targets and weights: every paragraph once with its main theme
    (weight 1), plus once per other listed theme with ``weight`` shared among them.

    >>> rows, targets, weights = _with_secondary(["o2o", "other"], [["o2o", "channel"], []], 0.25)
    >>> rows.tolist(), targets.tolist(), weights.tolist()
    ([0, 1, 0], ['o2o', 'other', 'channel'], [1.0, 1.0, 0.25])
    """
    rows, targets, weights = list(range(len(y))), list(y), [1.0] * len(y)
    if weight > 0:
        for i, (main, listed) in enumerate(zip(y, multi)):
            extra = [t for t in dict.fromkeys(listed) if t != main and t != OTHER]
            for theme in extra:
                rows.append(i)
                targets.append(theme)
                weights.append(weight / len(extra))
    return np.asarray(rows), np.asarray(targets), np.asarray(weights)
