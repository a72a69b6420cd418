"""The theme labels of the taxonomy (see the project's taxonomy.md)."""

from __future__ import annotations

__all__ = ["THEMES", "TOPICAL_THEMES"]

#: Every label a paragraph can get, in the fixed order used for model columns.
THEMES: tuple[str, ...] = ("channel", "merchant_services", "o2o", "operations", "other")

#: The four substantive themes (``other`` means none of them).
TOPICAL_THEMES: tuple[str, ...] = tuple(t for t in THEMES if t != "other")
