"""The HTML report (checked in a real headless browser) and the topic plots."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import ecomtopics as et
from conftest import SEEDS, needs_chromium, screenshot
from ecomtopics.report import render_report


@pytest.fixture(scope="module")
def page(seed_texts):
    docs = [(name, text) for name, text in sorted(seed_texts.items())]
    return render_report(docs, et.load_model("theme-classifier"), et.load_model("topic-model"))


def test_report_is_self_contained_and_complete(page, seed_texts):
    assert page.count('<details class="doc"') == 5 and "<h2>Overview</h2>" in page
    without_svg_ns = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not re.search(
        r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", without_svg_ns
    )  # no network fetches
    assert "<script" not in page and "<link" not in page
    labels = re.findall(r'data-label="([a-z0-9_]+)"', page)
    n_paragraphs = sum(len(et.split_paragraphs(t)) for t in seed_texts.values())
    assert len(labels) == n_paragraphs and set(labels) <= set(et.THEMES)
    hovers = re.findall(r'class="para"[^>]*title="([^"]+)"', page)
    assert len(hovers) == n_paragraphs and all(h.count("|") == 4 for h in hovers)
    assert "Theme shares" in page and "Keywords" in page and "Topic mix" in page


def test_report_escapes_html(tmp_path):
    page = render_report(
        [("<b>x</b>.txt", "<script>alert(1)</script> 天猫线下门店")],
        et.load_model("theme-classifier"),
    )
    assert "<script>" not in page and "&lt;b&gt;x&lt;/b&gt;.txt" in page


def test_report_cli(tmp_path):
    out = tmp_path / "r.html"
    proc = subprocess.run(
        [sys.executable, "-m", "ecomtopics.cli", "report", str(SEEDS), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not (tmp_path / "r.html.tmp").exists()


@pytest.mark.slow  # a headless browser
@needs_chromium
def test_report_in_a_headless_browser(page, tmp_path):
    import matplotlib.image

    shot = screenshot(page, tmp_path, 1200, 1600, timeout=120)
    assert "Failed to load resource" not in (tmp_path / "screenshot.log").read_text()
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    assert pixels[..., :3].std() > 0.05  # not a blank page
    # the theme colours of the paragraph borders are on screen
    assert (np.abs(pixels[..., :3] - np.array([0xF5, 0x85, 0x18]) / 255).sum(axis=2) < 0.05).any()


def test_topic_plot_renders_chinese(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.ft2font import FT2Font

    from ecomtopics.viz import find_cjk_font, plot_topics

    font = find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (CI installs fonts-wqy-microhei)")
    assert FT2Font(font).get_char_index(ord("线")) != 0
    model = et.load_model("topic-model")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = plot_topics(model, tmp_path / "topics.png", top_n=8)
    assert not [w for w in caught if "missing from font" in str(w.message)], [
        str(w.message) for w in caught
    ]
    import matplotlib.image

    pixels = matplotlib.image.imread(str(path))
    assert pixels.std() > 0.05


def test_plotting_leaves_the_callers_matplotlib_backend_alone(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    from ecomtopics.viz import plot_topics

    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # a machine without a CJK font warns; not what this test checks
            plot_topics(et.load_model("topic-model"), tmp_path / "t.png", top_n=4)
        assert matplotlib.get_backend() == "svg" and (tmp_path / "t.png").stat().st_size > 1000
    finally:
        matplotlib.use(before)


def test_plot_warns_without_a_cjk_font(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import ecomtopics.viz as viz

    monkeypatch.setattr(viz, "find_cjk_font", lambda: None)
    warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
    with pytest.warns(RuntimeWarning, match="fonts-noto-cjk"):
        viz.plot_topics(et.load_model("topic-model"), tmp_path / "t.png", top_n=5)


def test_ldavis_export(tmp_path):
    pytest.importorskip("pyLDAvis")
    from ecomtopics.viz import ldavis_html

    rows = et.read_labelled(SEEDS.parent / "data" / "gold")
    path = ldavis_html(et.load_model("topic-model"), [r.text for r in rows], tmp_path / "lda.html")
    page = path.read_text(encoding="utf-8")
    assert "LDAvis" in page and '"topic.order"' in page
    assert page.count('"Category"') >= 1
    with pytest.raises(et.InputError, match="nothing to show"):
        ldavis_html(et.load_model("topic-model"), ["", "的了"], tmp_path / "empty.html")
