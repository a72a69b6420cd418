"""The theme classifier: each paragraph gets operations, o2o, channel, merchant_services or other.

- :mod:`._classifier` — :class:`ThemeClassifier`, the paragraph model (word +
  concept features and a character n-gram view, one calibrated logistic
  regression);
- :mod:`._scorer` — the lean scoring path: the fitted linear TF-IDF model
  scored with numpy only (and plain Python for a few paragraphs), and its
  scikit-learn equivalent (:meth:`ThemeClassifier.to_sklearn`);
- :mod:`._document` — passages: grouped out-of-fold scores, calibration, and
  fitting and applying the context stage;
- :mod:`._chars` — the character n-grams of the second view;
- :mod:`._context` — the second stage that relabels each paragraph from the
  document around it (neighbours, the document's theme mix, position, length).
"""

from ._classifier import Explanation, ThemeClassifier

__all__ = ["Explanation", "ThemeClassifier"]
