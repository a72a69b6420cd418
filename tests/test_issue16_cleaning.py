"""Issue 16, item 4: page furniture removed alike in both languages; the source wording shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ecomtopics as et
from ecomtopics.report import render_report

ARTICLE = "Tmall opened 100 offline stores with its brand partners this spring."
ARTICLE_ZH = "天猫今年春天与品牌伙伴开设了一百家线下门店。"

FURNITURE = [
    # (English, Chinese) versions of the same page furniture
    ("2024-03-19 09:15 Source: Ebrun", "2024-03-19 09:15 来源：亿邦动力"),
    ("Source: Xinhua", "来源：新华网"),
    ("Editor: Zhang Wei", "编辑：张伟"),
    ("Responsible editor: Li Na", "责任编辑：李娜"),
    ("Author: Wang Fang", "作者：王芳"),
    ("Share to: WeChat Weibo", "分享到：微信 微博"),
    ("Share to: WeChat, Weibo, QQ", "分享到：微信、微博、QQ空间"),
]


@pytest.mark.parametrize(("english", "chinese"), FURNITURE)
def test_furniture_is_removed_in_both_languages(english, chinese):
    for line, body in ((english, ARTICLE), (chinese, ARTICLE_ZH)):
        paras = et.split_paragraphs(f"{line}\n{body}\n{line}")
        assert [p.text for p in paras] == [et.clean_text(body)], line


@pytest.mark.parametrize(
    "prose",
    [
        "Source of growth: the lower-tier markets, where rural buyers spend more on Taobao every year than before.",
        "Share price of the retailer fell 10% after Tmall cut its fees.",
        "The editor of the trade paper said Tmall's offline stores were a turning point for brands.",
        "分享经济的模式让更多中小商家在天猫上找到了新的增长点，服务商也因此受益。",
    ],
)
def test_prose_that_starts_alike_is_kept(prose):
    assert [p.text for p in et.split_paragraphs(prose)] == [et.clean_text(prose)]


RAW = "天猫：线下门店，与会员打通！\n\nＴｍａｌｌ said “new retail” is here．\n分享到：微信 微博"


def test_original_texts_keep_the_source_wording():
    paras = et.split_paragraphs(RAW)
    assert [p.text for p in paras] == [
        "天猫:线下门店,与会员打通!",
        "Tmall said “new retail” is here.",
    ]
    assert et.original_texts(RAW, paras) == [
        "天猫：线下门店，与会员打通！",
        "Ｔｍａｌｌ said “new retail” is here．",
    ]


def test_original_texts_of_windows_cover_the_source_once():
    raw = "线上线下融合，门店库存共享。" * 60 + "\n" + "Short line."
    paras = et.split_paragraphs(raw)
    assert sum(p.line == 1 for p in paras) > 1  # split into windows
    originals = et.original_texts(raw, paras)
    assert (
        "".join(o for o, p in zip(originals, paras) if p.line == 1).replace(" ", "")
        == raw.split("\n")[0]
    )
    assert originals[-1] == "Short line."


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("天猫门店，。！：ab Ｔｍ.,\n")), max_size=40),
        max_size=4,
    )
)
def test_original_texts_never_fail_and_match_after_normalising(lines):
    raw = "\n".join(lines)
    paras = et.split_paragraphs(raw)
    originals = et.original_texts(raw, paras)
    assert len(originals) == len(paras)
    for p, o in zip(paras, originals):  # the same text up to NFKC and white space
        assert "".join(et.clean_text(o).split()) == "".join(p.text.split())


def _cli(*args):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "ecomtopics.cli", *args], capture_output=True, timeout=300, env=env
    )
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def test_tables_and_report_show_the_source_wording(tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text(RAW, encoding="utf-8")
    code, out, err = _cli("classify", str(doc))
    assert code == 0, err
    assert "天猫：线下门店，与会员打通！" in out and "分享到" not in out
    code, out, err = _cli("classify", str(doc), "--format", "json")
    assert [json.loads(line)["text"] for line in out.splitlines()][
        0
    ] == "天猫：线下门店，与会员打通！"
    code, out, err = _cli("split", str(doc))
    assert "天猫：线下门店" in out
    page = render_report([("a.txt", RAW)], et.load_model("theme-classifier"))
    assert "天猫：线下门店，与会员打通！" in page and "天猫:线下门店,与会员打通!" not in page
