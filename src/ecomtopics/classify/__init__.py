"""The theme classifier: each paragraph gets operations, o2o, channel, merchant_services or other.

- :mod:`._classifier` — :class:`ThemeClassifier`, the paragraph model (word +
  concept features and a character n-gram view, one calibrated logistic
  regression, scored with numpy only);
- :mod:`._chars` — the character n-grams of the second view;
- :mod:`._context` — the second stage that relabels each paragraph from the
  document around it (neighbours, the document's theme mix, position, length).
"""

from ._classifier import Explanation, ThemeClassifier

__all__ = ["Explanation", "ThemeClassifier"]
