"""Pictures of topic models: bar charts (matplotlib, CJK fonts handled) and pyLDAvis pages.

Both are optional: ``pip install "ecomtopics[viz]"`` (matplotlib) and
``pip install "ecomtopics[ldavis]"`` (pyLDAvis).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._errors import InputError
from .report import THEME_COLOURS

__all__ = ["find_cjk_font", "ldavis_html", "plot_topics", "topics_figure"]

logger = logging.getLogger(__name__)

# Families known to carry Chinese glyphs, most common on Linux, macOS and Windows first.
_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "PingFang SC",
    "Heiti SC",
    "STHeiti",
    "Microsoft YaHei",
    "SimHei",
    "SimSun",
)


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError('plots need matplotlib: pip install "ecomtopics[viz]"') from None
    return matplotlib  # figures are drawn without pyplot, so the caller's backend is left alone


def find_cjk_font() -> str | None:
    """Path of an installed font that has Chinese glyphs, or None.

    Known CJK families are tried first; otherwise any font whose character map
    contains 中 and 线.
    """
    _matplotlib()
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    def has_chinese(path: str) -> bool:
        try:
            font = FT2Font(path)
            return all(font.get_char_index(ord(ch)) for ch in "中线")
        except (OSError, RuntimeError, ValueError):
            return False

    entries = font_manager.fontManager.ttflist
    for family in _CJK_FAMILIES:
        for entry in entries:
            if entry.name == family and has_chinese(entry.fname):
                return entry.fname
    for entry in entries:
        if any(
            key in entry.name for key in ("CJK", "Hei", "Song", "Ming", "Han", "WenQuanYi")
        ) and has_chinese(entry.fname):
            return entry.fname
    # fonts installed after matplotlib built its cache are not in ttflist: look on disk
    for path in sorted(font_manager.findSystemFonts()):
        name = Path(path).name.lower()
        if any(
            key in name for key in ("cjk", "wqy", "hei", "song", "ming", "han", "droidsansfallback")
        ) and has_chinese(path):
            return path
    return None


def plot_topics(
    model: Any,
    path: str | Path,
    *,
    top_n: int = 10,
    font: str | None = None,
    title: str | None = None,
) -> Path:
    """Bar chart of each topic's top words, written as PNG (or any format matplotlib knows by suffix).

    The figure is :func:`topics_figure`'s.
    """
    fig = topics_figure(model, top_n=top_n, font=font, title=title)
    path = Path(path)
    fig.savefig(path, dpi=110)
    return path


def topics_figure(
    model: Any, *, top_n: int = 10, font: str | None = None, title: str | None = None
) -> Any:
    """A matplotlib ``Figure`` of each topic's top words, one panel a topic.

    Each panel is titled by the topic's name (nearest theme, top words in both
    languages, :meth:`~ecomtopics.TopicModel.topic_names`) and its bars take
    the colour of that theme (as in the HTML report); each bar is
    labelled by the word in Chinese and English where the model has both.
    The grid has no empty panels: its columns divide the number of topics
    where they can, and panels left over are removed.

    Chinese words need a CJK font: ``font`` (a path), else one found by
    :func:`find_cjk_font`; without one a warning says which package to
    install, and Chinese words would show as boxes.
    """
    _matplotlib()
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    topics = [
        [(" / ".join(x for x in (zh, en) if x) or unit, p) for unit, zh, en, p in topic]
        for topic in model.topics_bilingual(top_n)
    ]
    names = model.topic_names(3)
    font_path = font or find_cjk_font()
    properties = None
    if font_path is not None:
        font_manager.fontManager.addfont(font_path)
        properties = font_manager.FontProperties(fname=font_path)
    elif any(any("\u4e00" <= ch <= "\u9fff" for ch in w) for topic in topics for w, _ in topic):
        warnings.warn(
            "no font with Chinese glyphs found: Chinese words will show as boxes; install one "
            "(Debian/Ubuntu: apt install fonts-noto-cjk or fonts-wqy-microhei) or pass font=PATH",
            RuntimeWarning,
            stacklevel=2,
        )
    columns = (
        next((c for c in (4, 3, 5, 2) if len(topics) % c == 0), min(4, len(topics)))
        if len(topics) > 3
        else len(topics)
    )
    rows = (len(topics) + columns - 1) // columns
    fig = Figure(figsize=(4.2 * columns, 0.32 * top_n * rows + 1.4))
    axes = fig.subplots(rows, columns, squeeze=False)
    for k, (ax, topic) in enumerate(zip(axes.flat, topics)):
        words = [w for w, _ in topic][::-1]
        weights = [p for _, p in topic][::-1]
        theme = names[k].split(":")[0].split(" ")[1] if " " in names[k] else ""
        ax.barh(range(len(words)), weights, color=THEME_COLOURS.get(theme, "#4c78a8"))
        ax.set_yticks(range(len(words)))
        ax.set_yticklabels(words, fontproperties=properties, fontsize=9)
        ax.set_title(_wrap(names[k], 38), fontsize=8, fontproperties=properties)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel("probability of the word in the topic", fontsize=7)
    for ax in list(axes.flat)[len(topics) :]:
        fig.delaxes(ax)  # no empty panels
    fig.suptitle(
        title or f"Topics of {type(model).__name__} ({len(topics)} topics, top {top_n} words)",
        fontsize=11,
        fontproperties=properties,
    )
    fig.supylabel("word (中文 / English)", fontsize=8, fontproperties=properties)
    fig.tight_layout()
    return fig


def _wrap(text: str, width: int) -> str:
    """Break a long panel title over two lines at the colon."""
    if len(text) <= width or ": " not in text:
        return text
    head, _, tail = text.partition(": ")
    return head + "\n" + tail


def ldavis_html(model: Any, texts: Sequence[str], path: str | Path) -> Path:
    """Write a pyLDAvis page of ``model`` over ``texts`` (pyLDAvis loads its scripts from a CDN)."""
    try:
        import pyLDAvis
    except ImportError:
        raise ImportError(
            'pyLDAvis export needs pyLDAvis: pip install "ecomtopics[ldavis]"'
        ) from None
    import numpy as np

    docs = model.tokens(texts)
    index = model.dictionary.token2id
    if not any(docs):
        raise InputError(
            f"no words of the topic model's vocabulary in the {len(docs)} texts: nothing to show"
        )
    frequency = np.zeros(len(model.vocabulary_))
    for doc in docs:
        for w in doc:
            frequency[index[w]] += 1
    data = pyLDAvis.prepare(
        topic_term_dists=model.topic_word_matrix(),
        doc_topic_dists=model.transform(texts),
        doc_lengths=[max(1, len(d)) for d in docs],
        vocab=model.vocabulary_,
        term_frequency=np.maximum(frequency, 1e-12),
        sort_topics=False,
    )
    path = Path(path)
    pyLDAvis.save_html(data, str(path))
    return path
