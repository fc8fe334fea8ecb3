"""The genre of a document, read from its head: what kind of published item it says it is.

Offices publish genres whose ordinary content looks, paragraph by paragraph, like what the
classifier must find elsewhere: a 任前公示 names people and their posts, a 行政处罚决定书 tells a
case, a 政府信息公开工作年度报告 counts withheld requests and describes its own 保密审查, a
统计公报 is economic data, a 停水通知 names a water plant. The genre says which of the
classifier's classes such a document *publishes by design* (its ``expected`` classes).

How the genre is used (classify/check.py, classify/train.py): in a document of genre G the
classifier needs a higher probability to flag a paragraph as one of G's expected classes — the
class's *genre floor*, chosen at training time so that held-out paragraphs of that class lose at
most a bounded share of recall. Nothing else changes:

- the rules never see the genre: an ID number, a bank card or a 密级 marking in a 公示 is found
  exactly as anywhere else;
- classes G does not publish keep their thresholds (a 请示 or a 会议纪要 inside a 公示 is flagged);
- content the model is sure of is still flagged (the floor stays below what held-out positives
  score: the model card gives the recall each class keeps under every genre);
- where a genre says what its paragraphs look like (a 统计公报's figures, a 停水通知's supply),
  only such paragraphs get the floor: a leader's itinerary pasted under a 统计公报 title does not;
- a title that names an internal kind of document (…的请示, …纪要, …笔录, 讨论稿, 考察材料 …) or
  says it is internal (内部, 仅供…, 不得外传) gets no genre at all, so "关于王某任前公示有关问题的
  请示" is not a 公示 and "内部通报" is not a published 通报.

Detection looks at the first ``HEAD_LINES`` non-empty lines of page 1 (masthead, 发文字号 and the
title of a 公文 come first) and takes the first line that matches a genre, genres tried in the
order of ``GENRES`` (specific before general). Replies to citizens' messages have no title; they
are recognised by their opening ("您的留言已收悉", "现将有关情况回复如下").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

HEAD_LINES = 6
TITLE_MAX_CHARS = 64
REPLY_OPENING_CHARS = 80
# A title is a short line without sentence punctuation ("一图读懂：…" keeps its colon).
_SENTENCE_MARK = re.compile(r"[。，；！？!?;]")


@dataclass(frozen=True)
class Genre:
    id: str  # stable: the model stores its floors under it
    name: str  # shown to users
    pattern: re.Pattern[str]
    expected: tuple[str, ...]  # classifier classes this genre publishes by design
    title: bool = True  # matched on a title line (False: on the opening of the first paragraph)
    # Another head line must match this too (a law's title AND its 第一章/第一条 structure).
    requires: re.Pattern[str] | None = None
    # When set, a paragraph gets the genre's floors only if it matches this: it carries the
    # genre's own kind of content (a 统计公报 paragraph has figures, a 停水通知 paragraph speaks of
    # the supply). Anything else in such a document keeps the plain thresholds.
    paragraph: re.Pattern[str] | None = None


def _p(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


GENRES: tuple[Genre, ...] = (
    Genre(
        "law",
        "法律法规",
        _p(
            r"^《?[^《》]{2,60}(?:法|条例|规定|办法|细则|规则|守则|规程|准则|解释)》?(?:[（(][^（）()]{1,24}[）)])?$"
        ),
        ("enforcement_case", "process_info", "state_secret", "personal_info"),
        requires=_p(
            r"^(?:第[一二三四五六七八九十百零〇\d]+[章条节]|[一二三四五六七八九十]+、|目录$|总则$)"
        ),
    ),
    Genre(
        "annual_report",
        "政府信息公开工作年度报告",
        _p(r"(?:政府信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)"),
        ("process_info", "enforcement_case"),
    ),
    Genre(
        "statistics",
        "统计公报",
        _p(
            r"统计公报|普查[^，。]{0,8}公报|国民经济和社会发展[^，。]{0,6}公报|状况公报|经济运行情况|主要经济指标|收支情况"
        ),
        ("state_secret",),
        paragraph=_p(
            r"\d(?:[\d.,]*)\s*(?:%|‰|万|亿|元|吨|人|户|个|家|项|亩|公里|千瓦|立方米|天|所|床|张)"
        ),
    ),
    Genre(
        "award",
        "中标结果公告",
        _p(r"中标|成交(?:结果|公告|公示|候选)|中选|采购结果|招标结果|出让结果|竞得|候选人公示"),
        ("personal_info",),
    ),
    Genre(
        "penalty",
        "行政处罚决定书",
        _p(r"处罚决定书|行政处罚决定|处罚信息公示|行政处罚[^，。]{0,6}(?:公示|公开)|处罚结果"),
        ("enforcement_case", "personal_info"),
    ),
    Genre(
        "bulletin",
        "通报曝光",
        _p(r"通报[^，。]{0,20}(?:典型|问题|案例|查处)|曝光|典型案例|警示教育"),
        ("internal_affairs", "enforcement_case", "personal_info"),
    ),
    Genre(
        "appointment_notice",
        "任前公示",
        _p(
            r"任前公示|任职前公示|拟任[^，。]{0,8}公示|考察对象的预告|考察预告|后备干部[^，。]{0,6}公示"
        ),
        ("internal_affairs", "personal_info"),
    ),
    Genre(
        "hiring_notice",
        "拟录用公示",
        _p(
            r"拟录用|拟聘用|拟招录|拟调任|拟选调|拟引进|录用[^，。]{0,4}公示|聘用[^，。]{0,4}公示|选调生"
        ),
        ("internal_affairs", "personal_info"),
    ),
    Genre(
        "list_notice",
        "公示",
        _p(r"公示"),
        ("personal_info", "internal_affairs"),
    ),
    Genre(
        "personnel",
        "人事任免",
        _p(r"任免|免职|职务任命|任职的通知|聘任[^，。]{0,8}(?:的通知|决定)"),
        ("internal_affairs", "personal_info"),
    ),
    Genre(
        "outage",
        "停水停电通知",
        _p(r"停水|停电|停气|降压供水|供水调整|计划检修"),
        ("state_secret",),
        paragraph=_p(r"停水|停电|停气|供水|供电|供气|送电|通气|降压|抢修|检修|水压|用水|用电|用气"),
    ),
    Genre(
        "warning",
        "预警信息",
        _p(
            r"预警|警报|应急响应|防御指南|健康提示|风险提示|消费提示|防灭火[^，。]{0,4}提示|防火[^，。]{0,4}提示"
        ),
        ("state_secret",),
        paragraph=_p(
            r"预警|预报|降雨|暴雨|雷电|大风|高温|低温|寒潮|地质灾害|山洪|汛|火险|防火|气象|转移|避险"
            r"|防范|中暑"
        ),
    ),
    Genre(
        "guide",
        "办事指南和问答",
        _p(
            r"办事指南|服务指南|办理指南|申请指南|操作指南|常见问题|热点问题|问题解答|政策问答|问答|百问|回复汇总"
        ),
        ("enforcement_case", "process_info", "personal_info"),
    ),
    Genre(
        "budget",
        "预决算说明",
        _p(r"预算|决算|三公经费|绩效自评"),
        ("internal_affairs",),
    ),
    Genre(
        "interpretation",
        "政策解读",
        _p(r"解读|答记者问|一图读懂|图解"),
        ("process_info",),
    ),
    Genre(
        "consultation",
        "征求意见稿说明",
        _p(
            r"起草说明|编制说明|修订说明|征求意见稿|修订草案|草案[^，。]{0,4}说明|公开征求|征求意见的(?:通知|公告)|听证"
        ),
        ("process_info",),
    ),
    Genre(
        "reply",
        "留言答复",
        _p(
            r"(?:留言|来信|函件|帖文|来电|诉求|问题)\s*(?:已|均已)?\s*收悉|现(?:将[^，。]{0,8})?(?:回复|答复)如下|您通过[^，。]{0,16}平台"
        ),
        ("enforcement_case", "process_info", "internal_affairs"),
        title=False,
    ),
)

BY_ID = {g.id: g for g in GENRES}


def relaxes(genre: str | None, paragraph: str) -> bool:
    """Whether a paragraph of a document of ``genre`` gets that genre's floors."""
    g = BY_ID.get(genre) if genre is not None else None
    return g is not None and (g.paragraph is None or g.paragraph.search(paragraph) is not None)


# A title whose head noun is an internal kind of document: no public genre, whatever it mentions.
INTERNAL_HEAD = re.compile(
    r"(?:请示|请示报告|纪要|会议记录|讨论记录|笔录|谈话记录|审批表|呈批件|批办单|汇报提纲|情况汇报"
    r"|考察材料|考察报告|讨论稿|送审稿|初稿|修改稿|草稿|审签稿)[）)]?\s*$"
)
# … or that is a report or request to a superior in 公文 form ("关于…的报告"), …
UPWARD_TITLE = re.compile(r"^关于.{2,60}的(?:请示|报告|汇报|请求)$")
# … or that says it is for internal use.
INTERNAL_ANY = re.compile(r"内部|仅供|不得外传|请勿外传|不得公开|不予公开")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Detected:
    genre: Genre
    line: str  # the head line (or opening) that named it, shown in explanations

    @property
    def id(self) -> str:
        return self.genre.id


def is_title(line: str) -> bool:
    """A short line without sentence punctuation (a table row, cells joined by tabs, is none)."""
    return 0 < len(line) <= TITLE_MAX_CHARS and not _SENTENCE_MARK.search(line)


def detect(head_lines: Sequence[str]) -> Detected | None:
    """The genre named by a document's head: ``head_lines`` are its first non-empty lines
    (normalized text), in order. None: no genre (the plain thresholds apply)."""
    # Markdown or bullet marks before a heading ("# 某某条例", "## 第一章 总则") are not its text.
    lines = [t for t in (ln.strip().lstrip("#*>·•").strip() for ln in head_lines) if t][:HEAD_LINES]
    rows = {i for i, ln in enumerate(lines) if "\t" in ln or "|" in ln}
    lines = [_SPACE.sub("", ln) for ln in lines]
    titles = [ln for i, ln in enumerate(lines) if i not in rows and is_title(ln)]
    # "关于…的请示。区人民政府：…" — a title run into its first sentence counts as a head too.
    heads = titles + [ln.split("。", 1)[0] for ln in lines[:1]]
    if any(
        INTERNAL_HEAD.search(ln) or UPWARD_TITLE.search(ln) or INTERNAL_ANY.search(ln)
        for ln in heads
    ):
        return None  # a head line says the document is an internal kind, whatever else it says
    for line in titles:
        for genre in GENRES:
            if not genre.title or not genre.pattern.search(line):
                continue
            if genre.requires is not None and not any(genre.requires.search(ln) for ln in lines):
                continue
            return Detected(genre, line)
    if lines:
        opening = lines[0][:REPLY_OPENING_CHARS]
        for genre in GENRES:
            if not genre.title and genre.pattern.search(opening):
                return Detected(genre, opening)
    return None
