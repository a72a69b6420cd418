"""Recognise page boilerplate in scraped articles: navigation, lists, notices, adverts."""

from __future__ import annotations

import re

__all__ = ["is_boilerplate_line", "is_end_marker"]

# A line that starts the tail of a page: everything after it is other articles.
_END_MARKERS = re.compile(
    r"^[\s\-•·*|>]*(related reading|related articles|related news|recommended reading|"
    r"read the next article|next article|previous article|you may also like|more news|"
    r"相关阅读|相关文章|相关新闻|推荐阅读|延伸阅读|阅读下一篇|下一篇|上一篇|猜你喜欢|更多新闻)"
    r"[\s:：>»]*$",
    re.IGNORECASE,
)

# Prose longer than this is kept even if it contains a notice-like phrase.
_MAX_BOILERPLATE_CHARS = 300

_PATTERNS = [
    # navigation: "Home >", "Home > News > Retail", "首页 > 资讯"
    re.compile(r"^(home|homepage|首页|当前位置[:：]?)\s*[>›»]", re.IGNORECASE),
    re.compile(r"^[^>\n]{1,30}(\s[>›»]\s[^>\n]{1,30}){2,}$"),
    # lone separators and bullets
    re.compile(r"^[\s|\-–—•·*_=~>]*$"),
    # date / time / view-count lines: "2015/2/9 22:42:00 25", "2019-06-25 10:12 阅读 1024"
    re.compile(
        r"^(发布时间[:：]?\s*)?\d{4}[/\-.年]\d{1,2}[/\-.月]\d{1,2}日?"
        r"(\s+\d{1,2}:\d{2}(:\d{2})?)?(\s*(阅读|浏览|views?|reads?)?[:：]?\s*\d+\s*(次|views?)?)?$",
        re.IGNORECASE,
    ),
    re.compile(r"^(views?|reads?|阅读|浏览|阅读量|点击)[:：]?\s*\d+\s*(次)?$", re.IGNORECASE),
    # "category | headline" rows of link lists
    re.compile(r"^[|\-•·*\s]*[^|\n]{1,30}\s\|\s?.{1,160}$"),
    re.compile(r"^\|"),
    # reprint and copyright notices, sources
    re.compile(
        r"(please indicate the source|reprint(ed|ing)? (from|with|website|please)|"
        r"all rights reserved|copyright ©|©\s*\d{4}|source of the reprint|"
        r"转载请注明|未经授权|禁止转载|版权所有|版权归|本文来源[:：]|来源[:：]\s*\S{1,20}$|"
        r"责任编辑[:：]|编辑[:：]\s*\S{1,8}$)",
        re.IGNORECASE,
    ),
    # sign-up adverts and follow-us lines
    re.compile(
        r"(click (here )?to (register|subscribe|follow|join|download)|apply to join|"
        r"scan the (qr )?code|follow (us|our) (on|official)|sign up (now|today|for)|"
        r"thank you for your attention and support|"
        r"点击注册|申请加入|扫码关注|扫描二维码|关注公众号|关注我们|长按识别|点击关注)",
        re.IGNORECASE,
    ),
    # the same page furniture in English and Chinese alike: dateline with its source,
    # byline and editor lines, share buttons
    re.compile(
        r"^(\d{4}[/\-.年]\d{1,2}[/\-.月]\d{1,2}日?(\s*\d{1,2}:\d{2}(:\d{2})?)?\s*)?"
        r"(source|来源|出处)\s*[:：]\s*\S.{0,60}$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(\d{4}[/\-.年]\d{1,2}[/\-.月]\d{1,2}日?(\s*\d{1,2}:\d{2}(:\d{2})?)?\s*)?"
        r"((responsible |executive |chief )?editors?|edited by|editor in charge|author|reporter|writer|"
        r"责任编辑|编辑|作者|记者|撰稿|原标题)\s*[:：]\s*\S.{0,40}$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(share (to|on|this( article)?)|分享到|分享至|分享)\s*[:：]?\s*"
        r"((wechat|weibo|sina weibo|qq|qzone|douban|facebook|twitter|linkedin|email|moments|"
        r"微信|微博|新浪微博|朋友圈|qq空间|豆瓣|复制链接)[\s,，、|/·]*)*$",
        re.IGNORECASE,
    ),
    # bare URLs
    re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE),
    # page tag lines glued from keywords: "TaobaoCrazyO2OMode"
    re.compile(r"^(?=\S{12,60}$)(?:[A-Z0-9][a-z0-9]*){3,}$"),
]


def is_end_marker(line: str) -> bool:
    """True for a line such as "Related reading" after which a page holds no article text.

    >>> is_end_marker("  • Related reading")
    True
    >>> is_end_marker("Related reading matters to analysts, who read widely.")
    False
    """
    return len(line) <= 40 and _END_MARKERS.match(line) is not None


def is_boilerplate_line(line: str) -> bool:
    """True for a cleaned line that is page furniture rather than article text.

    Long lines of prose are never boilerplate unless they carry a reprint
    notice or a sign-up advert.

    >>> is_boilerplate_line("Home >")
    True
    >>> is_boilerplate_line("2015/2/9 22:42:00 25")
    True
    >>> is_boilerplate_line("- Company news | Bellison Won The Outstanding Contribution Award.")
    True
    >>> is_boilerplate_line("Tmall will open its O2O mode to 38 festival shoppers.")
    False
    >>> [is_boilerplate_line(s) for s in ("2024-03-19 09:15 Source: Xinhua", "Share to: WeChat Weibo", "分享到：微信 微博")]
    [True, True, True]
    """
    stripped = line.strip()
    if not stripped:
        return True
    if len(stripped) > _MAX_BOILERPLATE_CHARS:
        return False
    return any(p.search(stripped) for p in _PATTERNS)
