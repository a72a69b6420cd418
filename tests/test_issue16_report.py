"""Issue 16, item 6: the report an analyst would send (overview first, models named, usable at
1,500 documents) and plots with titles, axis labels, themes and no empty panels."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import ecomtopics as et
from conftest import SEEDS, needs_chromium, screenshot
from ecomtopics.report import MIN_SHARE, render_report


@pytest.fixture(scope="module")
def models():
    return et.load_model("theme-classifier"), et.load_model("topic-model")


@pytest.fixture(scope="module")
def page(seed_texts, models):
    docs = [(name, text) for name, text in sorted(seed_texts.items())]
    return render_report(docs, *models)


def test_overview_comes_first_with_counts_shares_and_a_linked_table(page, seed_texts):
    overview, documents = page.index("<h2>Overview</h2>"), page.index("<h2>Documents</h2>")
    assert overview < documents and overview < page.index('<details class="doc"')
    head = page[overview:documents]
    n_paragraphs = sum(len(et.split_paragraphs(t)) for t in seed_texts.values())
    assert f"<b>5</b> documents · <b>{n_paragraphs}</b> paragraphs" in head
    assert "Theme shares of the corpus" in head and "Topics of the corpus" in head
    links = re.findall(r'<a href="#(doc-\d+)">([^<]+)</a>', head)
    assert [name for _, name in links] == sorted(seed_texts)
    ids = re.findall(r'<details class="doc" id="(doc-\d+)"', page)
    assert [target for target, _ in links] == ids  # every link lands on its document


def test_models_and_library_version_are_on_the_page(page, models):
    classifier, topics = models
    meta = re.search(r'<p class="meta" id="models">(.*?)</p>', page).group(1)
    for model in (classifier, topics):
        assert f"{model.source_['name']} {model.source_['version']}" in meta
    assert re.search(r"\(\d{4}-\d\d-\d\d\)", meta)  # the models' dates
    assert f"ecomtopics {et.__version__}" in meta


def test_topic_bars_are_named_in_both_languages_with_their_theme(page, models):
    names = models[1].topic_names(3)
    head = page[: page.index("<h2>Documents</h2>")]
    labels = re.findall(r'text-anchor="end">([^<]+)</text>', head)
    topic_labels = [label for label in labels if re.match(r"T\d+ ", label)]
    assert topic_labels and set(topic_labels) <= set(names)
    for label in topic_labels:
        theme = label.split(":")[0].split(" ")[1]
        assert theme in et.THEMES and " / " in label  # Chinese words / English words


def test_no_bars_for_absent_themes(models):
    # one paragraph about one thing: most themes are absent and get no bar
    page = render_report([("one.txt", "天猫线下门店与会员打通，顾客到店扫码。")], *models)
    shares = [float(v) / 100 for v in re.findall(r"<title>[^<]*: ([\d.]+)%</title>", page)]
    widths = [
        float(w) / 100 for w in re.findall(r'class="t-[a-z_0-9]+" style="width:([\d.]+)%"', page)
    ]
    assert shares and all(v >= MIN_SHARE for v in shares)
    assert widths and all(w >= MIN_SHARE for w in widths)
    assert ">0%<" not in page and " 0%" not in page


def _documents(n: int) -> list[tuple[str, str]]:
    """``n`` small documents of 2 to 4 paragraphs of the seeds."""
    paragraphs = [
        p.text
        for path in sorted(SEEDS.glob("*.txt"))
        for p in et.split_paragraphs(path.read_text(encoding="utf-8"))
    ]
    return [
        (
            f"doc{i:04d}.txt",
            "\n".join(paragraphs[(i * 7 + j * 13) % len(paragraphs)] for j in range(2 + i % 3)),
        )
        for i in range(n)
    ]


@pytest.mark.slow
@needs_chromium
def test_report_of_1500_documents_in_a_headless_browser(models, tmp_path):
    import matplotlib.image

    docs = _documents(1500)
    page = render_report(docs, *models)
    size = len(page.encode("utf-8"))
    text = sum(len(t.encode("utf-8")) for _, t in docs)
    assert size < 6_000_000 and size < 3 * text, (size, text)  # 8.6 MB before issue 16
    assert (
        page.count('<details class="doc"') == 1500
        and " open>" not in page.split("<h2>Documents")[1]
    )
    shot = screenshot(page, tmp_path, 1200, 900)  # the first screen
    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (900, 1200)
    assert pixels.std() > 0.05  # not a blank page
    # the overview's theme bars (every theme's colour) are on the first screen
    for colour in ("#4c78a8", "#f58518", "#54a24b", "#b279a2"):
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
        assert (np.abs(pixels - rgb).sum(axis=2) < 0.05).sum() > 200, colour


def _fitted(n_topics: int):
    texts = [
        p.text
        for path in sorted(SEEDS.glob("*.txt"))
        for p in et.split_paragraphs(path.read_text(encoding="utf-8"))
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return et.TopicModel(n_topics=n_topics, random_state=0).fit(texts)


@pytest.mark.parametrize("n_topics", [5, 7, 8])
def test_plot_has_titles_axis_labels_themes_and_no_empty_panels(n_topics):
    pytest.importorskip("matplotlib")
    from ecomtopics.viz import topics_figure

    model = et.load_model("topic-model") if n_topics == 8 else _fitted(n_topics)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a machine without a CJK font warns; not checked here
        fig = topics_figure(model, top_n=5)
    assert len(fig.axes) == n_topics  # one panel a topic, none empty
    assert fig._suptitle is not None and f"{n_topics} topics" in fig._suptitle.get_text()
    for ax, name in zip(fig.axes, model.topic_names(3)):
        assert ax.get_title().replace("\n", ": ", 1).startswith(name.split(":")[0])
        assert name.split(":")[0].split(" ")[1] in et.THEMES  # the topic's theme is in its title
        assert ax.get_xlabel() and len(ax.patches) == 5
