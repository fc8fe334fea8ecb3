"""E-mail (.eml) and saved web pages (.mht/.mhtml): MIME messages read with the stdlib.

EML: the sender and recipients (From/To/Cc/Bcc/Reply-To/Sender) become ``metadata``
segments, so the personal-data rules see names, addresses and numbers in them, and a
``review`` residue note names them; the subject is metadata too; the body parts are read
as text or HTML; attachments (and attached messages) are extracted as documents of their
own and located as ``attachment``.

MHT: decoded part by part; each HTML or text part goes through the HTML/text extractor
(the first one keeps its own locations, later ones carry ``field`` = the part's
Content-Location); images and other files inside are extracted like attachments.
"""

from __future__ import annotations

import email
import email.policy
import posixpath
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

from secreview.config import Limits
from secreview.errors import CorruptFile, TooLarge
from secreview.extract import nested
from secreview.model import Document, Location, ResidueNote, Segment, Span

ADDRESS_HEADERS = ("From", "Sender", "Reply-To", "To", "Cc", "Bcc")
HEADER_NAMES_ZH = {
    "From": "发件人",
    "Sender": "代发人",
    "Reply-To": "回复地址",
    "To": "收件人",
    "Cc": "抄送",
    "Bcc": "密送",
}
MAX_PARTS = 1000
_PAGE_RESOURCES = frozenset(
    "text/css text/javascript application/javascript application/x-javascript "
    "application/font-woff application/x-font-woff font/woff font/woff2 font/ttf "
    "application/vnd.ms-fontobject image/x-icon image/vnd.microsoft.icon".split()
)
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}


def _charset(part: Message) -> str | None:
    cs = part.get_content_charset()
    if not cs:
        return None
    return _CHARSET_ALIASES.get(cs.lower(), cs)


def _payload(part: Message, limits: Limits) -> bytes:
    raw = part.get_payload(decode=True)
    data = raw if isinstance(raw, bytes) else b""
    if len(data) > limits.max_member_bytes:
        raise TooLarge("邮件中的部分解码后过大")
    return data


def _text_bytes(part: Message, limits: Limits) -> bytes:
    """A text part as UTF-8 bytes: decoded with its declared charset when that works."""
    data = _payload(part, limits)
    cs = _charset(part)
    if cs:
        try:
            return data.decode(cs).encode("utf-8")
        except (LookupError, UnicodeDecodeError):
            pass
    return data  # let the text extractor's detection decide


def decode_header_value(raw: object) -> str:
    """An RFC 2047 header ("=?gb2312?B?...?=") as text; GB2312 read as GB18030."""
    pieces: list[str] = []
    try:
        parts = decode_header(str(raw))
    except (ValueError, TypeError):
        return " ".join(str(raw).split())
    for value, charset in parts:
        if isinstance(value, str):
            pieces.append(value)
            continue
        cs = _CHARSET_ALIASES.get((charset or "").lower(), charset or "utf-8")
        try:
            pieces.append(value.decode(cs))
        except (LookupError, UnicodeDecodeError):
            pieces.append(value.decode("utf-8", "replace"))
    return " ".join("".join(pieces).split())


def _header(msg: Message, name: str) -> list[str]:
    return [decode_header_value(raw) for raw in msg.get_all(name, []) or []]


def _filename(part: Message, n: int, suffix: str = "") -> str:
    try:
        name = decode_header_value(part.get_filename() or "")
    except (ValueError, TypeError):
        name = ""
    if not name:
        loc = part.get("Content-Location") or ""
        name = posixpath.basename(loc.split("?")[0]) or loc
    return name.strip() or f"part{n}{suffix}"


class _Reader:
    def __init__(self, doc: Document, limits: Limits, is_web_page: bool) -> None:
        self.doc = doc
        self.limits = limits
        self.is_web_page = is_web_page
        self.bodies = 0
        self.parts = 0
        self.files: list[tuple[str, bytes]] = []

    def walk(self, part: Message) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise TooLarge(f"邮件包含的部分过多（超过 {MAX_PARTS} 个）")
        ctype = part.get_content_type()
        if ctype == "message/rfc822":  # an attached message: a document of its own
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            data = inner.as_bytes() if isinstance(inner, Message) else _payload(part, self.limits)
            if data:
                self.files.append((_filename(part, self.parts, ".eml"), data))
            return
        if part.is_multipart():
            payload = part.get_payload()
            children = (
                [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []
            )
            if ctype == "multipart/alternative":
                children = self._alternatives(children)
            for child in children:
                self.walk(child)
            return
        disposition = (part.get_content_disposition() or "").lower()
        if ctype in ("text/plain", "text/html") and disposition != "attachment":
            self.body(part, ctype)
        elif self.is_web_page and ctype in _PAGE_RESOURCES:
            return  # style sheets, scripts and fonts of a saved page hold no text
        else:
            data = _payload(part, self.limits)
            if data:
                self.files.append((_filename(part, self.parts), data))

    def _alternatives(self, children: list[Message]) -> list[Message]:
        """The same body as text and as HTML: read the HTML, and the text only when it says
        something the HTML does not (a reader can open either)."""
        html = [c for c in children if c.get_content_type() == "text/html"]
        plain = [c for c in children if c.get_content_type() == "text/plain"]
        if len(html) != 1 or len(plain) != 1:
            return children
        import lxml.html

        try:
            shown = lxml.html.document_fromstring(
                _text_bytes(html[0], self.limits).decode("utf-8", "replace")
            ).text_content()
        except (lxml.etree.ParserError, ValueError):
            return children
        said = _text_bytes(plain[0], self.limits).decode("utf-8", "replace")
        if "".join(said.split()) in "".join(shown.split()):
            return [c for c in children if c is not plain[0]]
        return children

    def body(self, part: Message, ctype: str) -> None:
        from secreview.extract import html, text

        data = _text_bytes(part, self.limits)
        if not data.strip():
            return
        module = html if ctype == "text/html" else text
        name = f"{'网页' if self.is_web_page else '正文'}{self.bodies + 1}"
        inner: Document = module.extract(data, f"{self.doc.path}#{name}", self.limits)
        self.bodies += 1
        if self.bodies == 1:  # the message body / the page itself keeps its locations
            self.doc.segments.extend(inner.segments)
            self.doc.residue.extend(inner.residue)
            return
        label = part.get("Content-Location") or name
        tag = f"{label}" if self.is_web_page else f"{name}（{ctype}）"

        def relocate(loc: Location) -> Location:
            return loc.with_(field=f"{tag}|{loc.field}" if loc.field else tag)

        for seg in inner.segments:
            self.doc.segments.append(
                Segment(
                    seg.text,
                    relocate(seg.location),
                    tuple(Span(s.start, s.end, relocate(s.location)) for s in seg.spans),
                )
            )
        for note in inner.residue:
            note.location = relocate(note.location)
            self.doc.residue.append(note)


def _headers(doc: Document, msg: Message) -> None:
    people: list[str] = []
    for name in ADDRESS_HEADERS:
        for value in _header(msg, name):
            doc.segments.append(Segment(value, Location(part="metadata", field=name)))
            doc.metadata.setdefault(name, value)
            for display, addr in getaddresses([value]):
                who = " ".join(x for x in (display.strip(), f"<{addr}>" if addr else "") if x)
                if who and who not in people:
                    people.append(who)
    for value in _header(msg, "Subject"):
        doc.segments.append(Segment(value, Location(part="metadata", field="Subject")))
        doc.metadata.setdefault("Subject", value)
    if people:
        listed = "、".join(people[:5]) + (f" 等 {len(people)} 人" if len(people) > 5 else "")
        doc.residue.append(
            ResidueNote(
                "email_headers",
                f"邮件头含发件人、收件人的姓名和邮箱（{listed}），属于个人信息；"
                "公开时请只发布正文或附件，不要发布整封邮件",
                Location(part="metadata", field="From"),
                count=len(people),
                severity="review",
                sample=people[0],
            )
        )


def extract(data: bytes, path: str, limits: Limits) -> Document:
    from secreview.extract.detect import detect_format

    fmt = detect_format(data, path)
    try:
        msg = email.message_from_bytes(data, policy=email.policy.compat32)
    except (ValueError, TypeError, IndexError) as e:
        raise CorruptFile(f"邮件/网页存档格式错误，无法解析（{e}）") from e
    is_web_page = fmt == "mht"
    doc = Document(path=path, format=fmt)
    if not is_web_page:
        _headers(doc, msg)
    reader = _Reader(doc, limits, is_web_page)
    try:
        reader.walk(msg)
    except (LookupError, ValueError, AssertionError) as e:
        raise CorruptFile(f"邮件/网页存档中的部分无法解码（{e}）") from e
    if reader.bodies == 0 and not reader.files:
        raise CorruptFile("邮件/网页存档中没有正文内容")
    label = "网页中的文件" if is_web_page else "邮件附件"
    outcome = nested.extract_inner(doc, reader.files, limits, label=label)
    doc.facts["attachments"] = outcome.read + [n for n, _ in outcome.unread]
    nested.unread_note(doc, outcome, "网页存档" if is_web_page else "邮件附件")
    if outcome.read and not is_web_page:
        doc.residue.append(
            ResidueNote(
                "email_attachments",
                f"邮件带有附件 {len(outcome.read)} 个（{'、'.join(outcome.read[:10])}），"
                "已一并审查；公开时请确认附件均可公开",
                Location(part="attachment", field=outcome.read[0]),
                count=len(outcome.read),
                severity="info",
                sample="、".join(outcome.read[:5]),
            )
        )
    return doc
