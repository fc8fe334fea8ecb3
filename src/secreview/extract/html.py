"""HTML: visible text by block element; comments, hidden elements and <meta> as own parts."""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

from secreview.config import Limits
from secreview.errors import CorruptFile
from secreview.extract.text import decode_text
from secreview.model import Document, Location, ResidueNote, Segment

BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li td th tr caption dt dd pre blockquote section article "
    "header footer aside nav title figcaption address table ul ol dl form fieldset legend br".split()
)
SKIP_TAGS = frozenset(["script", "style", "noscript", "template", "head"])
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPACE = re.compile(r"[ \t\r\n\f\v]+")


def _is_hidden(el: lxml.html.HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    if el.tag == "input" and (el.get("type") or "").lower() == "hidden":
        return True
    return bool(_HIDDEN_STYLE.search(el.get("style") or ""))


class _Walker:
    def __init__(self) -> None:
        self.body: list[str] = []
        self.hidden: list[str] = []
        self.comments: list[str] = []
        self._buf: list[str] = []

    def _flush(self) -> None:
        text = _SPACE.sub(" ", "".join(self._buf)).strip()
        if text:
            self.body.append(text)
        self._buf = []

    def walk(self, el: lxml.etree._Element, hidden: bool = False) -> None:
        if isinstance(el, lxml.etree._Comment):
            text = (el.text or "").strip()
            if text:
                self.comments.append(text)
            self._tail(el, hidden)
            return
        if not isinstance(el.tag, str):  # processing instructions, entities
            self._tail(el, hidden)
            return
        tag = el.tag.lower()
        if tag in SKIP_TAGS:
            self._tail(el, hidden)
            return
        now_hidden = hidden or _is_hidden(el)
        if now_hidden and not hidden:
            self._flush()
            text = _SPACE.sub(" ", " ".join(el.itertext())).strip()
            if el.tag == "input":
                text = el.get("value") or ""
            if text:
                self.hidden.append(text)
            # comments inside a hidden element are still comments
            for c in el.iter(lxml.etree.Comment):
                if (c.text or "").strip():
                    self.comments.append(c.text.strip())
            self._tail(el, hidden)
            return
        block = tag in BLOCK_TAGS
        if block:
            self._flush()
        if el.text:
            self._buf.append(el.text)
        for child in el:
            self.walk(child, now_hidden)
        if block:
            self._flush()
        self._tail(el, hidden)

    def _tail(self, el: lxml.etree._Element, hidden: bool) -> None:
        if el.tail and not hidden:
            self._buf.append(el.tail)


_NOT_TEXT = re.compile(
    r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.I | re.S
)
_MIN_CHECKED = 100_000


def _check_complete(text: str, walker: _Walker) -> None:
    """Refuse (rather than pass) a page whose text the parser lost: markup-stripped text far
    longer than everything extracted means a part of the page was never read."""
    if len(text) < _MIN_CHECKED:
        return
    rough = len(_SPACE.sub("", _NOT_TEXT.sub("", text)))
    got = sum(len(_SPACE.sub("", t)) for t in (*walker.body, *walker.hidden, *walker.comments))
    if rough > _MIN_CHECKED and got < rough // 2:
        raise CorruptFile(
            f"网页结构异常，约 {rough - got} 个字符的文字未能解析，无法完整审查（请另存为 TXT 或 PDF 后提交）"
        )


def extract(data: bytes, path: str, limits: Limits) -> Document:
    text = decode_text(data)
    if not text.strip():
        raise CorruptFile("HTML 文件为空")
    # Drop an XML declaration with encoding: lxml refuses it on str input.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    # huge_tree: libxml2 otherwise DROPS any text node over 10 MB without a word (a marking
    # at its start would pass); the size is bounded by Limits (file size, text length).
    parser = lxml.html.HTMLParser(remove_comments=False, huge_tree=True, no_network=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError) as e:
        raise CorruptFile(f"无法解析 HTML（{e}）") from e

    doc = Document(path=path, format="html")
    segs = doc.segments
    title = root.findtext(".//title")
    if title and title.strip():
        doc.metadata["title"] = title.strip()
        segs.append(Segment(title.strip(), Location(part="metadata", field="title")))
    for meta in root.iter("meta"):
        name = meta.get("name") or meta.get("property") or meta.get("http-equiv")
        content = (meta.get("content") or "").strip()
        if name and content and name.lower() not in ("viewport", "content-type", "charset"):
            doc.metadata[name] = content
            segs.append(Segment(content, Location(part="metadata", field=name)))

    walker = _Walker()
    body = root.find("body")
    # Comments before <html> or in <head> are comments too.
    in_body = set(body.iter(lxml.etree.Comment)) if body is not None else set()
    for c in root.iter(lxml.etree.Comment):
        if c not in in_body and (c.text or "").strip():
            walker.comments.append(c.text.strip())
    prev = root.getprevious()
    while prev is not None:
        if isinstance(prev, lxml.etree._Comment) and (prev.text or "").strip():
            walker.comments.append(prev.text.strip())
        prev = prev.getprevious()
    if body is not None:
        walker.walk(body)
        walker._flush()

    _check_complete(text, walker)
    for n, para in enumerate(walker.body, start=1):
        segs.append(Segment(para, Location(part="body", paragraph=n)))
    for n, para in enumerate(walker.hidden, start=1):
        segs.append(Segment(para, Location(part="hidden", paragraph=n)))
    for n, para in enumerate(walker.comments, start=1):
        segs.append(Segment(para, Location(part="comment", paragraph=n)))
    if walker.comments:
        doc.residue.append(
            ResidueNote(
                "html_comments",
                f"网页源代码含注释（{len(walker.comments)} 处），读者查看源代码即可看到，请删除后再发布",
                Location(part="comment"),
                len(walker.comments),
                sample=walker.comments[0],
            )
        )
    if walker.hidden:
        doc.residue.append(
            ResidueNote(
                "html_hidden",
                f"网页含隐藏内容（{len(walker.hidden)} 处，hidden/display:none），请删除后再发布",
                Location(part="hidden"),
                len(walker.hidden),
                sample=walker.hidden[0],
            )
        )
    return doc
