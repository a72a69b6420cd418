"""A self-contained HTML report of documents: an overview of the corpus, then each document.

One page, no network fetches and no scripts: styles inline, charts as inline
SVG or CSS bars, the probabilities of each paragraph in its hover text, each
document a collapsible ``<details>`` section linked from the overview table.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from .batch import classify_document

__all__ = ["MIN_SHARE", "THEME_COLOURS", "render_report"]

THEME_COLOURS = {
    "operations": "#4c78a8",
    "o2o": "#f58518",
    "channel": "#54a24b",
    "merchant_services": "#b279a2",
    "other": "#9d9d9d",
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;
margin:1.5rem auto;max-width:62rem;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;
margin-top:2rem}h3{font-size:1rem;margin:1rem 0 .3rem}.meta{font-size:.8rem;color:#555}
.legend span{display:inline-block;margin-right:1rem}.stats b{font-size:1.2rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;vertical-align:middle;margin-right:.3rem}
table{border-collapse:collapse;font-size:.85rem}td,th{padding:.1rem .5rem;text-align:left;vertical-align:top}
tr:nth-child(even) td{background:#f6f6f6}td.n{text-align:right}
.stack{display:flex;width:24rem;height:.9rem;border-radius:2px;overflow:hidden;background:#eee}
.stack i{display:block;height:100%}.fig{margin:.2rem 0;font-size:.85rem}
details.doc{border-top:1px solid #ddd;padding:.3rem 0}details.doc>summary{cursor:pointer;font-weight:600}
details.doc>summary .meta{font-weight:normal}
.para{border-left:.4rem solid #ccc;padding:.3rem .7rem;margin:.5rem 0;background:#fafafa;cursor:help}
.para .meta{font-size:.75rem;color:#666}.kw{font-size:.9rem;color:#335}svg text{font-size:12px;font-family:inherit}
"""
# theme colours as classes, so each bar and paragraph carries a short attribute, not a style
_CSS += "".join(
    f".t-{t}{{background:{c}}}.para[data-label={t}]{{border-color:{c}}}"
    for t, c in THEME_COLOURS.items()
)

#: Shares below this are not drawn (no 0% bars for themes a text does not discuss).
MIN_SHARE = 0.005


def _label_width(names: Sequence[str]) -> int:
    # about 7 px a Latin character, 13 px a Chinese one
    return 12 + max(
        (sum(13 if ord(ch) > 0x2E80 else 7 for ch in name) for name in names), default=100
    )


def _bars(values: dict[str, float], colours: dict[str, str] | None = None, width: int = 360) -> str:
    """A horizontal bar chart as inline SVG; values below :data:`MIN_SHARE` are left out."""
    values = {k: v for k, v in values.items() if v >= MIN_SHARE}
    row = 22
    label_w = _label_width(list(values))
    height = row * len(values) + 4
    parts = [
        f'<svg role="img" width="{label_w + width + 60}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (name, value) in enumerate(values.items()):
        y = i * row + 2
        colour = (colours or {}).get(name, "#4c78a8")
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{html.escape(name)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{value * width:.1f}" height="{row - 8}" fill="{colour}">'
            f"<title>{html.escape(name)}: {value:.1%}</title></rect>"
            f'<text x="{label_w + value * width + 6:.1f}" y="{y + 15}">{value:.0%}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _stack(shares: dict[str, float]) -> str:
    """A document's theme shares as one stacked CSS bar and a line of figures (light: one a document)."""
    ranked = [(t, v) for t, v in sorted(shares.items(), key=lambda kv: -kv[1]) if v >= MIN_SHARE]
    bar = "".join(
        f'<i class="t-{t}" style="width:{v * 100:.1f}%" title="{t} {v:.0%}"></i>' for t, v in ranked
    )
    figures = " · ".join(f"{html.escape(t)} {v:.0%}" for t, v in ranked)
    return f'<div class="stack">{bar}</div><p class="fig">{figures}</p>'


def _short(topic_name: str) -> str:
    """ "T3 operations" of "T3 operations: 推广 公司 / advertising company"."""
    return topic_name.split(":")[0]


def _model_line(model: Any, what: str) -> str:
    """ "theme classifier theme-classifier v5 (2026-12-02)" from the model's store manifest."""
    source = getattr(model, "source_", None)
    if not source:
        return f"{what} {type(model).__name__} (not from a model store)"
    created = ""
    try:
        from .store import ModelStore

        manifest = ModelStore(source["store"]).manifest(source["name"], source["version"])
        created = f" ({str(manifest.get('created', ''))[:10]})"
    except Exception:  # noqa: BLE001 - the date is a courtesy; the page is still right without it
        created = ""
    return f"{what} <b>{html.escape(source['name'])} {html.escape(source['version'])}</b>{created}"


def render_report(
    documents: Sequence[tuple[str, str]],
    classifier: Any,
    topic_model: Any | None = None,
    *,
    keywords_top_n: int = 12,
    title: str = "ecomtopics report",
    open_limit: int = 12,
) -> str:
    """The HTML page for ``documents`` (name, raw text) as a string.

    The page opens on an overview of the corpus (documents, paragraphs,
    overall theme shares, topics, a table of documents with their main themes
    linking to each document), with the models' names, versions and dates and
    the library version. Each document follows as a collapsible section
    (open when there are at most ``open_limit`` documents; a link from the
    table opens it), so a page of 1,500 documents stays light and navigable.
    Shares below 0.5% are not drawn.

    Examples
    --------
    >>> import ecomtopics as et
    >>> page = render_report([("a.txt", "天猫线下门店与会员打通。")], et.load_model("theme-classifier"))
    >>> page.startswith("<!DOCTYPE html>") and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    True
    """
    from datetime import datetime

    from . import __version__
    from .features import Tfidf
    from .text import original_texts

    results = [(name, classify_document(text, classifier)) for name, text in documents]
    sources = [text for _, text in documents]
    paragraphs = [p.text for _, r in results for p in r.paragraphs]
    n_docs, n_paras = len(results), len(paragraphs)
    keywords: list[list[tuple[str, float]]] = [[] for _ in results]
    if paragraphs:
        tfidf = Tfidf().fit(paragraphs)
        keywords = tfidf.keywords_many(
            ["\n".join(p.text for p in r.paragraphs) for _, r in results], top_n=keywords_top_n
        )
    topic_names: list[str] = []
    mixes: list[Any] = [None] * n_docs
    overall_topics: dict[str, float] = {}
    if topic_model is not None:
        topic_names = topic_model.topic_names(3)  # nearest theme and words in both languages
        if paragraphs:
            mix = topic_model.transform(paragraphs)  # one pass, sliced per document
            start = 0
            for i, (_, r) in enumerate(results):
                n = len(r.paragraphs)
                mixes[i] = mix[start : start + n].mean(axis=0) if n else None
                start += n
            overall = mix.mean(axis=0)
            overall_topics = {
                topic_names[k]: float(v)
                for k, v in sorted(enumerate(overall), key=lambda kv: -kv[1])
            }

    # each paragraph counts once in the corpus' shares, as in each document's
    theme_totals: dict[str, float] = {}
    for _, r in results:
        for t, v in r.shares.items():
            theme_totals[t] = theme_totals.get(t, 0.0) + v * len(r.paragraphs)
    overall_themes = (
        {t: v / n_paras for t, v in sorted(theme_totals.items(), key=lambda kv: -kv[1])}
        if n_paras
        else {}
    )
    langs: dict[str, int] = {}
    for _, r in results:
        for p in r.paragraphs:
            langs[p.paragraph.lang] = langs.get(p.paragraph.lang, 0) + 1

    meta = [_model_line(classifier, "theme classifier")]
    if topic_model is not None:
        meta.append(_model_line(topic_model, "topic model"))
    meta.append(f"ecomtopics {html.escape(__version__)}")
    meta.append("made " + datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    legend = "".join(
        f'<span><i class="swatch t-{t}"></i>{html.escape(t)}</span>' for t in THEME_COLOURS
    )
    body = [
        f"<header><h1>{html.escape(title)}</h1>",
        f'<p class="meta" id="models">{" · ".join(meta)}</p></header>',
        '<section id="overview"><h2>Overview</h2>',
        f'<p class="stats"><b>{n_docs:,}</b> documents · <b>{n_paras:,}</b> paragraphs ('
        + ", ".join(
            f"{v:,} {html.escape(k)}" for k, v in sorted(langs.items(), key=lambda kv: -kv[1])
        )
        + ")</p>",
        f'<p class="legend">{legend}</p>',
        "<h3>Theme shares of the corpus (each paragraph counts once)</h3>",
        _bars(overall_themes, THEME_COLOURS)
        if overall_themes
        else "<p>No paragraphs with text.</p>",
    ]
    if overall_topics:
        body.append(
            "<h3>Topics of the corpus (nearest theme: top words 中文 / English)</h3>"
            + _bars(
                overall_topics,
                {
                    n: THEME_COLOURS.get((_short(n).split(" ") + [""])[1], "#4c78a8")
                    for n in overall_topics
                },
            )
        )
    rows = []
    for i, (name, r) in enumerate(results):
        ranked = sorted(r.shares.items(), key=lambda kv: -kv[1])
        main = ", ".join(
            f'<i class="swatch t-{t}"></i>{html.escape(t)} {v:.0%}'
            for t, v in ranked[:2]
            if v >= 0.05
        )
        doc_langs = sorted({p.paragraph.lang for p in r.paragraphs})
        topic = ""
        if mixes[i] is not None:
            k = int(mixes[i].argmax())
            topic = f"<td>{html.escape(_short(topic_names[k]))} {mixes[i][k]:.0%}</td>"
        elif topic_model is not None:
            topic = "<td></td>"
        rows.append(
            f'<tr><td class=n>{i + 1}</td><td><a href="#doc-{i + 1}">{html.escape(name)}</a></td>'
            f"<td class=n>{len(r.paragraphs)}</td><td>{'/'.join(doc_langs)}</td><td>{main}</td>{topic}</tr>"
        )
    head = (
        "<tr><th>#</th><th>document</th><th>paragraphs</th><th>lang</th><th>main themes</th>"
        + ("<th>top topic</th>" if topic_model is not None else "")
        + "</tr>"
    )
    body.append(
        f'<details id="document-table"{" open" if n_docs <= 200 else ""}>'
        f"<summary><b>Documents ({n_docs:,})</b> with their main themes; a name opens its section</summary>"
        f"<table>{head}{''.join(rows)}</table></details></section>"
    )
    body.append('<section id="documents"><h2>Documents</h2>')
    is_open = " open" if n_docs <= open_limit else ""
    for i, ((name, result), source) in enumerate(zip(results, sources)):
        ranked = sorted(result.shares.items(), key=lambda kv: -kv[1])
        main = ranked[0][0] if ranked else "no text"
        body.append(
            f'<details class="doc" id="doc-{i + 1}"{is_open}><summary>{html.escape(name)} '
            f'<span class="meta">· {html.escape(main)} · {len(result.paragraphs)} paragraphs</span></summary>'
        )
        if not result.paragraphs:
            body.append("<p>No paragraphs with text.</p></details>")
            continue
        body.append("<h3>Theme shares</h3>" + _stack(result.shares))
        if keywords[i]:
            body.append(
                '<h3>Keywords</h3><p class="kw">'
                + " · ".join(html.escape(w) for w, _ in keywords[i])
                + "</p>"
            )
        if mixes[i] is not None:  # topics by number and theme; their words are in the overview
            body.append(
                '<h3>Topic mix</h3><p class="fig">'
                + " · ".join(
                    f'<span title="{html.escape(topic_names[k])}">{html.escape(_short(topic_names[k]))}'
                    f"</span> {v:.0%}"
                    for k, v in sorted(enumerate(mixes[i].tolist()), key=lambda kv: -kv[1])
                    if v >= 0.05
                )
                + "</p>"
            )
        body.append("<h3>Paragraphs</h3>")
        for p, original in zip(
            result.paragraphs, original_texts(source, [p.paragraph for p in result.paragraphs])
        ):
            hover = " | ".join(
                f"{t} {v:.2f}" for t, v in sorted(p.probabilities.items(), key=lambda kv: -kv[1])
            )
            body.append(
                f'<div class="para" title="{html.escape(hover)}" data-label="{p.label}">'
                f'<div class="meta">{html.escape(p.label)} ({p.probabilities[p.label]:.0%}) · line {p.paragraph.line}'
                f" · {p.paragraph.lang}</div>{html.escape(original)}</div>"
            )
        body.append("</details>")
    body.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
