"""Paragraph context: relabel each paragraph of a document from the document around it.

Real documents are full of paragraphs whose theme comes from their
surroundings: a short heading naming a tool, a merchant's quote inside a
dispute story, a lede. The second stage is a multinomial logistic regression
over, for each paragraph, its own first-stage probabilities (as logs), its
neighbours' probabilities, the mean probabilities of the rest of the
document, its position and length, and (``document=True``) the first
stage's probabilities for the rest of the document read as one text (the
document's word and character counts minus the paragraph's). It is trained on
out-of-fold first-stage probabilities of whole labelled passages, so it learns
how much to trust the context where the paragraph itself is unsure.

>>> proba = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
>>> context_features(proba, np.array([3, 40, 40])).shape
(3, 16)
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_PARAGRAPHS", "SHORT_TOKENS", "context_features", "n_context_features"]

#: A paragraph of at most this many features reads like a heading, byline or caption.
SHORT_TOKENS = 6
#: The stage learnt from passages of 4-12 paragraphs; a shorter document keeps
#: each paragraph's own probabilities (two themes side by side stay two themes).
MIN_PARAGRAPHS = 4
_FLOOR = 1e-3  # log-probabilities are taken of max(p, _FLOOR): a sure model does not dominate


def n_context_features(n_classes: int, document: bool = False) -> int:
    """Length of a paragraph's context feature vector (``document``: with the rest-of-document view)."""
    return (6 if document else 5) * n_classes + 6


def context_features(
    proba: np.ndarray, n_tokens: np.ndarray, rest_proba: np.ndarray | None = None
) -> np.ndarray:
    """Context features of the paragraphs of ONE document, in reading order.

    Parameters
    ----------
    proba : ndarray (paragraphs, classes)
        First-stage probabilities.
    n_tokens : ndarray (paragraphs,)
        Number of features of each paragraph (its length as the model sees it).
    rest_proba : ndarray (paragraphs, classes), optional
        First-stage probabilities of the rest of the document, for each
        paragraph; appended as logs when given.
    """
    n, k = proba.shape
    own = np.log(np.maximum(proba, _FLOOR))
    previous = np.zeros_like(proba)
    following = np.zeros_like(proba)
    if n > 1:
        previous[1:] = proba[:-1]
        following[:-1] = proba[1:]
    others = (proba.sum(axis=0, keepdims=True) - proba) / (n - 1) if n > 1 else np.zeros_like(proba)
    short = (np.asarray(n_tokens) <= SHORT_TOKENS).astype(np.float64)
    position = np.arange(n, dtype=np.float64)
    shape = np.column_stack(
        [
            position == 0,
            position == n - 1,
            position / max(n - 1, 1),
            np.log1p(np.asarray(n_tokens, dtype=np.float64)) / 5.0,
            short,
            np.full(n, float(n > 1)),
        ]
    )
    parts = [own, previous, following, others, own * short[:, None], shape]
    if rest_proba is not None:
        parts.append(np.log(np.maximum(rest_proba, _FLOOR)))
    return np.hstack(parts)
