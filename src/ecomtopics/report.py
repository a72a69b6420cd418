"""A self-contained HTML report of documents: paragraphs coloured by theme, shares, keywords, topics.

One page, no network fetches: styles inline, charts as inline SVG, the
probabilities of each paragraph in its hover text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from .batch import classify_document

__all__ = ["THEME_COLOURS", "render_report"]

THEME_COLOURS = {
    "operations": "#4c78a8",
    "o2o": "#f58518",
    "channel": "#54a24b",
    "merchant_services": "#b279a2",
    "other": "#9d9d9d",
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;
margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
h3{font-size:1rem;margin:1.2rem 0 .4rem}.legend span{display:inline-block;margin-right:1rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;vertical-align:middle;margin-right:.3rem}
.para{border-left:.4rem solid #ccc;padding:.3rem .7rem;margin:.5rem 0;background:#fafafa;cursor:help}
.para .meta{font-size:.75rem;color:#666}.kw{display:inline-block;background:#eef;border-radius:3px;
padding:0 .4rem;margin:.15rem;font-size:.85rem}svg text{font-size:12px;font-family:inherit}
"""


def _bars(values: dict[str, float], colours: dict[str, str] | None = None, width: int = 420) -> str:
    """A horizontal bar chart as inline SVG."""
    row = 22
    # room for the longest label: about 7 px a Latin character, 13 px a Chinese one
    label_w = 12 + max(
        (sum(13 if ord(ch) > 0x2E80 else 7 for ch in name) for name in values), default=100
    )
    height = row * len(values) + 4
    parts = [
        f'<svg role="img" width="{label_w + width + 60}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (name, value) in enumerate(values.items()):
        y = i * row + 2
        colour = (colours or {}).get(name, "#4c78a8")
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{html.escape(name)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{max(0.0, value) * width:.1f}" height="{row - 8}" fill="{colour}">'
            f"<title>{html.escape(name)}: {value:.1%}</title></rect>"
            f'<text x="{label_w + max(0.0, value) * width + 6:.1f}" y="{y + 15}">{value:.0%}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_report(
    documents: Sequence[tuple[str, str]],
    classifier: Any,
    topic_model: Any | None = None,
    *,
    keywords_top_n: int = 12,
    title: str = "ecomtopics report",
) -> str:
    """The HTML page for ``documents`` (name, raw text) as a string.

    Examples
    --------
    >>> import ecomtopics as et
    >>> page = render_report([("a.txt", "天猫线下门店与会员打通。")], et.load_model("theme-classifier"))
    >>> page.startswith("<!DOCTYPE html>") and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    True
    """
    from .features import Tfidf
    from .text import original_texts

    results = [(name, classify_document(text, classifier)) for name, text in documents]
    sources = [text for _, text in documents]
    paragraphs = [p.text for _, r in results for p in r.paragraphs]
    tfidf = Tfidf().fit(paragraphs) if paragraphs else None
    legend = "".join(
        f'<span><i class="swatch" style="background:{c}"></i>{html.escape(t)}</span>'
        for t, c in THEME_COLOURS.items()
    )
    body = [f"<h1>{html.escape(title)}</h1>", f'<p class="legend">{legend}</p>']
    topic_names = []  # worked out once: "topic k: its three top words"
    if topic_model is not None:
        topic_names = topic_model.topic_names(3)  # nearest theme and words in both languages
    for (name, result), source in zip(results, sources):
        body.append(f"<h2>{html.escape(name)}</h2>")
        if not result.paragraphs:
            body.append("<p>No paragraphs with text.</p>")
            continue
        shares = dict(sorted(result.shares.items(), key=lambda kv: -kv[1]))
        body.append("<h3>Theme shares</h3>" + _bars(shares, THEME_COLOURS))
        if tfidf is not None:
            words = tfidf.keywords(
                "\n".join(p.text for p in result.paragraphs), top_n=keywords_top_n
            )
            body.append(
                "<h3>Keywords</h3><p>"
                + "".join(f'<span class="kw">{html.escape(w)}</span>' for w, _ in words)
                + "</p>"
            )
        if topic_model is not None:
            mix = topic_model.transform([p.text for p in result.paragraphs]).mean(axis=0)
            labels = {topic_names[k]: float(v) for k, v in enumerate(mix)}
            body.append("<h3>Topic mix</h3>" + _bars(labels))
        body.append("<h3>Paragraphs</h3>")
        for p, original in zip(
            result.paragraphs, original_texts(source, [p.paragraph for p in result.paragraphs])
        ):
            hover = " | ".join(
                f"{t} {v:.2f}" for t, v in sorted(p.probabilities.items(), key=lambda kv: -kv[1])
            )
            colour = THEME_COLOURS.get(p.label, "#ccc")
            body.append(
                f'<div class="para" style="border-color:{colour}" title="{html.escape(hover)}" data-label="{p.label}">'
                f'<div class="meta">{html.escape(p.label)} ({p.probabilities[p.label]:.0%}) · line {p.paragraph.line}'
                f" · {p.paragraph.lang}</div>{html.escape(original)}</div>"
            )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
