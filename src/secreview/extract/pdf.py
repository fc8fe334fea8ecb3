"""PDF: text per page in reading order, plus residue a reader can recover (DESIGN.md §1).

Segments:

- ``body`` — one segment per paragraph, ``page`` 1-based, ``paragraph`` = paragraph index on
  that page (lines are grouped into paragraphs by pdf_layout.paragraphs).
- ``under_redaction`` — the text under each dark box / opaque image drawn over it, with the
  box as ``bbox`` (x0, top, x1, bottom in pt from the page's top-left corner).
- ``invisible`` — render mode 3/7, white-on-white, sub-1pt or off-page text, per line.
- ``annotation`` — annotation contents and authors (per page).
- ``form_field`` — AcroForm field values (``field`` = ``form:NAME``).
- ``hidden`` — text in optional-content layers that are OFF by default (``field`` = ``layer``)
  and JavaScript code (``field`` = ``javascript:WHERE``).
- ``earlier_revision`` — text an earlier revision (left in the file by an incremental update)
  holds and the current one does not.
- ``metadata`` — Info dictionary and XMP properties (``field`` = property name).
- embedded files of a supported format are extracted too (up to ``MAX_EMBED_DEPTH`` levels),
  their segments keep their own part with ``field`` = ``embedded:NAME``.

Each kind of residue present adds one ``ResidueNote``. The document is opened with
pdfplumber (pdfminer underneath); pages are interpreted by pdf_layout, which keeps the
painting order and text render mode that pdfplumber's object lists drop.
"""

from __future__ import annotations

import io
import logging
from contextvars import ContextVar
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfpage import PDFPage

from secreview.config import Limits
from secreview.errors import CorruptFile, EncryptedPdf, SecreviewError, TooLarge
from secreview.extract import pdf_extras as extras
from secreview.extract.pdf_layout import PageContent, interpret_page, lines, paragraphs
from secreview.extract.pdf_ocr import ocr_image_pages
from secreview.extract.people import looks_like_person_name
from secreview.model import Document, Location, ResidueNote, Segment, Span

log = logging.getLogger(__name__)
# pdfminer logs a warning for every oddity of a real-world PDF; users cannot act on them.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

MAX_EMBED_DEPTH = 2
_embed_depth: ContextVar[int] = ContextVar("secreview_pdf_embed_depth", default=0)
# set while an earlier revision of a PDF is being read (its own revisions are not searched)
_in_revision: ContextVar[bool] = ContextVar("secreview_pdf_in_revision", default=False)
MAX_REVISIONS = 10


def _cause(e: BaseException) -> BaseException:
    """pdfplumber wraps pdfminer errors in PdfminerException(original)."""
    if type(e).__name__ == "PdfminerException" and e.args and isinstance(e.args[0], BaseException):
        return e.args[0]
    return e


def _open(stream: io.BytesIO) -> pdfplumber.PDF:
    try:
        return pdfplumber.PDF(stream, stream_is_external=True)
    except Exception as e:
        cause = _cause(e)
        if isinstance(cause, SecreviewError):  # Timeout from the pipeline's deadline
            raise cause from None
        if isinstance(cause, MemoryError):
            raise cause from None
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise EncryptedPdf(
                "PDF 已加密（需要密码才能打开），无法审查，请解除密码后重新提交"
            ) from e
        raise CorruptFile(f"PDF 文件已损坏或格式异常，无法读取（{type(cause).__name__}）") from e


def _pages(pdf: pdfplumber.PDF, limits: Limits) -> list[PDFPage]:
    """All page objects, refusing more than ``limits.max_pages`` before any text is read."""
    pages: list[PDFPage] = []
    for page in PDFPage.create_pages(pdf.doc):
        pages.append(page)
        if len(pages) > limits.max_pages:
            raise TooLarge(f"PDF 页数超过上限 {limits.max_pages} 页，请拆分后提交")
    if not pages:
        raise CorruptFile("PDF 中没有任何页面，文件可能已损坏")
    return pages


def _guard(what: str, fn: Any, *args: Any) -> Any:
    """Run a pdfminer call; anything it raises becomes CorruptFile (our own errors pass)."""
    try:
        return fn(*args)
    except (SecreviewError, MemoryError):
        raise
    except Exception as e:
        raise CorruptFile(f"PDF 文件结构异常，{what}失败（{type(e).__name__}）") from e


def extract(data: bytes, path: str, limits: Limits) -> Document:
    doc = Document(path=path, format="pdf")
    with io.BytesIO(data) as stream:
        pdf = _open(stream)
        pages = _guard("读取页面目录", _pages, pdf, limits)
        doc.facts["pages"] = len(pages)
        catalog = pdf.doc.catalog if isinstance(pdf.doc.catalog, dict) else {}
        hidden_groups, layer_names = _guard("读取图层", extras.hidden_layers, catalog)
        chars = 0
        contents: list[PageContent] = []
        for number, page in enumerate(pages, start=1):
            content = _guard(
                f"解析第{number}页", interpret_page, pdf.rsrcmgr, page, number, hidden_groups
            )
            contents.append(content)
            before = len(doc.segments)
            _page_segments(doc, content)
            chars += sum(len(s.text) for s in doc.segments[before:])
            if chars > limits.max_text_chars:
                raise TooLarge(f"PDF 文本过长，超过上限 {limits.max_text_chars} 字符")
            annots = _guard(f"读取第{number}页注释", extras.page_annotations, page.annots)
            for k, (label, text) in enumerate(annots, start=1):
                doc.segments.append(
                    Segment(
                        text, Location(part="annotation", page=number, paragraph=k, field=label)
                    )
                )
        _page_notes(doc, contents)
        if not _in_revision.get():  # an earlier revision's scans are the same pictures
            ocr_image_pages(doc, data, limits)
        _layer_note(doc, contents, layer_names)
        forms = _guard("读取表单", extras.form_fields, catalog)
        for name, value in forms:
            doc.segments.append(Segment(value, Location(part="form_field", field=f"form:{name}")))
        _annotation_note(doc)
        _javascript(doc, _guard("读取脚本", extras.javascript, catalog, [p.annots for p in pages]))
        _metadata(doc, _guard("读取文档属性", extras.info_fields, pdf.doc.info), catalog)
        _embedded(doc, catalog, limits)
    if not _in_revision.get():
        _earlier_revisions(doc, data, limits)
    return doc


def _layer_note(doc: Document, contents: list[PageContent], names: list[str]) -> None:
    pages = [c.number for c in contents if c.hidden_layer]
    if not pages:
        return
    first = _first(doc, "hidden")
    count = sum(len(lines(c.hidden_layer)) for c in contents)
    layers = "、".join(f"「{n}」" for n in names[:5])
    doc.residue.append(
        ResidueNote(
            "hidden_layer",
            f"第{_page_list(pages)}页含隐藏图层{layers}中的文字（{count} 行）：阅读器默认不显示，"
            "但打开图层面板或复制即可得到，请删除隐藏图层后重新生成PDF",
            Location(part="hidden", page=pages[0]),
            count=count,
            sample=first.text if first else "",
        )
    )


def _javascript(doc: Document, scripts: list[tuple[str, str]]) -> None:
    if not scripts:
        return
    for k, (where, code) in enumerate(scripts, start=1):
        doc.segments.append(
            Segment(code[:4000], Location(part="hidden", paragraph=k, field=f"javascript:{where}"))
        )
    doc.residue.append(
        ResidueNote(
            "javascript",
            f"PDF含 JavaScript 脚本（{len(scripts)} 处，如打开文件或点击时自动运行），"
            "公开发布的文件不应包含脚本，请用“打印为PDF”或另存为PDF/A重新生成",
            Location(part="hidden", field=f"javascript:{scripts[0][0]}"),
            count=len(scripts),
            severity="review",
            sample=scripts[0][1][:80],
        )
    )


def _earlier_revisions(doc: Document, data: bytes, limits: Limits) -> None:
    """Text that earlier revisions (left by incremental updates) hold and this one does not.

    Each earlier revision is read as the PDF it was; any of its text that the current
    revision no longer shows (a deleted ID number, a replaced page) becomes an
    ``earlier_revision`` segment for the rules, and one residue note tells the drafter.
    """
    from secreview.normalize import normalize

    ends = extras.earlier_revisions(data, MAX_REVISIONS)
    if not ends:
        return
    current = {normalize(s.text).text for s in doc.segments}
    token = _in_revision.set(True)
    found: list[tuple[int, Segment]] = []
    read = 0
    try:
        for k, end in enumerate(ends, start=1):
            try:
                old = extract(data[:end], f"{doc.path}#revision{k}", limits)
            except (TooLarge, CorruptFile, EncryptedPdf):
                continue  # e.g. a linearized file's first section is no whole document
            read += 1
            for seg in old.segments:
                norm = normalize(seg.text).text
                if norm.strip() and norm not in current:
                    current.add(norm)
                    found.append((k, seg))
    finally:
        _in_revision.reset(token)
    doc.facts["earlier_revisions"] = read
    if not read:
        return
    for k, seg in found:
        loc = seg.location
        doc.segments.append(
            Segment(
                seg.text,
                Location(
                    part="earlier_revision",
                    page=loc.page,
                    paragraph=loc.paragraph,
                    field=f"revision{k}:{loc.part}" + (f":{loc.field}" if loc.field else ""),
                ),
            )
        )
    if found:
        doc.residue.append(
            ResidueNote(
                "earlier_revision",
                f"PDF经过增量保存，文件中仍保留 {read} 个早期版本，其中 {len(found)} 段文字在当前"
                f"版本中已看不到（如「{found[0][1].text[:30]}」），但用工具即可恢复；"
                "请“另存为”或重新导出生成一个新文件（不要增量保存）后再提交",
                Location(part="earlier_revision", page=found[0][1].location.page),
                count=len(found),
                severity="review",
                sample=found[0][1].text,
            )
        )
    else:
        doc.residue.append(
            ResidueNote(
                "earlier_revision",
                f"PDF经过增量保存，文件中保留 {read} 个早期版本（文字与当前版本相同）",
                Location(part="earlier_revision"),
                count=read,
                severity="info",
            )
        )


def _page_segments(doc: Document, content: PageContent) -> None:
    n = content.number
    for k, para in enumerate(paragraphs(lines(content.visible), content.width), start=1):
        doc.segments.append(Segment(para.text, Location(part="body", page=n, paragraph=k)))
    for k, (box, glyphs) in enumerate(content.covered, start=1):
        text = "\n".join(ln.text for ln in lines(glyphs))
        if text:
            doc.segments.append(
                Segment(text, Location(part="under_redaction", page=n, paragraph=k, bbox=box.bbox))
            )
    for k, ln in enumerate(lines(content.invisible), start=1):
        bbox = (round(ln.x0, 1), round(ln.top, 1), round(ln.x1, 1), round(ln.bottom, 1))
        doc.segments.append(
            Segment(ln.text, Location(part="invisible", page=n, paragraph=k, bbox=bbox))
        )
    for k, ln in enumerate(lines(content.hidden_layer), start=1):
        doc.segments.append(
            Segment(ln.text, Location(part="hidden", page=n, paragraph=k, field="layer"))
        )


def _first(doc: Document, part: str) -> Segment | None:
    return next((s for s in doc.segments if s.location.part == part), None)


def _page_list(pages: list[int]) -> str:
    shown = "、".join(str(p) for p in pages[:20])
    return shown + (f" 等（共 {len(pages)} 页）" if len(pages) > 20 else "")


def _page_notes(doc: Document, contents: list[PageContent]) -> None:
    for c in contents:
        if not c.covered:
            continue
        sample = "；".join(
            s.text
            for s in doc.segments
            if s.location.part == "under_redaction" and s.location.page == c.number
        )
        doc.residue.append(
            ResidueNote(
                "redaction",
                f"第{c.number}页有 {len(c.covered)} 处黑框遮盖，但遮盖下的文字仍可复制"
                f"（如「{sample[:30]}」），请用专门的脱敏工具删除文字后重新生成PDF",
                Location(part="under_redaction", page=c.number, bbox=c.covered[0][0].bbox),
                count=len(c.covered),
                severity="block",
                sample=sample,
            )
        )
    invisible_pages = [c.number for c in contents if c.invisible]
    if invisible_pages:
        count = sum(len(lines(c.invisible)) for c in contents if c.invisible)
        first = _first(doc, "invisible")
        doc.residue.append(
            ResidueNote(
                "invisible_text",
                f"第{_page_list(invisible_pages)}页含不可见文字（{count} 行：白色、透明、极小字号"
                "或页面外的文字），读者复制或搜索即可得到，请删除这些文字后重新生成PDF",
                Location(part="invisible", page=invisible_pages[0]),
                count=count,
                sample=first.text if first else "",
            )
        )
    image_pages = [c.number for c in contents if not c.has_text and (c.images or c.paths >= 100)]
    doc.facts["image_only_pages"] = image_pages
    if image_pages:
        doc.residue.append(
            ResidueNote(
                "image_only_page",
                f"第{_page_list(image_pages)}页为图片，无法自动审查，需人工核对"
                f"（共 {len(image_pages)} 页没有文字层）",
                Location(part="image_only_page", page=image_pages[0]),
                count=len(image_pages),
            )
        )
    garbled = [c.number for c in contents if c.undecodable]
    if garbled:
        doc.residue.append(
            ResidueNote(
                "undecodable_text",
                f"第{_page_list(garbled)}页的文字无法解码（字体缺少 Unicode 映射，提取结果为乱码），"
                "无法自动审查，需人工核对或重新导出PDF",
                Location(part="body", page=garbled[0]),
                count=len(garbled),
            )
        )
    ocr = [c.number for c in contents if c.ocr_layer]
    if ocr:
        doc.facts["ocr_pages"] = ocr


def _annotation_note(doc: Document) -> None:
    found = [s for s in doc.segments if s.location.part in ("annotation", "form_field")]
    if not found:
        return
    forms = sum(1 for s in found if s.location.part == "form_field")
    doc.residue.append(
        ResidueNote(
            "annotations",
            f"PDF含注释/批注 {len(found) - forms} 项、表单填写内容 {forms} 项，读者在阅读器中"
            "即可看到，请删除注释、清空或扁平化表单后重新生成PDF",
            Location(part="annotation", page=found[0].location.page),
            count=len(found),
            sample=found[0].text,
        )
    )


def _metadata(doc: Document, info: list[tuple[str, str]], catalog: dict[str, Any]) -> None:
    fields = list(info)
    seen = {v for _, v in fields}
    for label, value in _guard("读取XMP属性", extras.xmp_fields, catalog):
        if value not in seen:
            fields.append((label, value))
            seen.add(value)
    if not fields:
        return
    for label, value in fields:
        doc.metadata.setdefault(label, value)
        doc.segments.append(Segment(value, Location(part="metadata", field=label)))
    authors = [
        (label, v)
        for label, v in fields
        if label in ("Author", "XMP dc:creator") and looks_like_person_name(v)
    ]
    if authors:
        label, value = authors[0]
        doc.residue.append(
            ResidueNote(
                "metadata",
                f"PDF文档属性「{label}」为「{value}」，像是个人姓名，发布前请在文档属性中清除"
                "作者等信息后重新生成PDF",
                Location(part="metadata", field=label),
                count=len(fields),
                severity="review",
                sample=value,
            )
        )
    else:
        names = "、".join(label for label, _ in fields[:6])
        doc.residue.append(
            ResidueNote(
                "metadata",
                f"PDF文档属性含 {len(fields)} 项信息（{names}），发布前请核对是否需要清除",
                Location(part="metadata", field=fields[0][0]),
                count=len(fields),
                severity="info",
                sample=fields[0][1],
            )
        )


def _embedded(doc: Document, catalog: dict[str, Any], limits: Limits) -> None:
    from secreview.extract import extract_bytes  # late: extract/__init__ imports lazily

    files = _guard(
        "读取附件", lambda: list(extras.embedded_files(catalog, limits.max_member_bytes))
    )
    if not files:
        return
    depth = _embed_depth.get()
    read: list[str] = []
    unread: list[str] = []
    for name, data in files:
        if data is None or depth >= MAX_EMBED_DEPTH:
            unread.append(name)
            continue
        token = _embed_depth.set(depth + 1)
        try:
            inner = extract_bytes(data, f"{doc.path}#{name}", limits)
        except TooLarge:
            unread.append(name)
            continue
        except SecreviewError as e:
            if e.code == "timeout":
                raise
            unread.append(name)
            continue
        finally:
            _embed_depth.reset(token)
        read.append(name)
        for seg in inner.segments:
            doc.segments.append(
                Segment(
                    seg.text,
                    _embedded_location(seg.location, name),
                    tuple(
                        Span(sp.start, sp.end, _embedded_location(sp.location, name))
                        for sp in seg.spans
                    ),
                )
            )
        for note in inner.residue:
            doc.residue.append(
                ResidueNote(
                    note.kind,
                    f"附件「{name}」：{note.message}",
                    _embedded_location(note.location, name),
                    note.count,
                    note.severity,
                    note.sample,
                )
            )
    parts = []
    if read:
        parts.append(f"已一并审查：{'、'.join(read[:10])}")
    if unread:
        parts.append(
            f"无法自动审查（格式不支持、过大或已损坏），需人工核对：{'、'.join(unread[:10])}"
        )
    doc.residue.append(
        ResidueNote(
            "embedded",
            f"PDF内嵌附件 {len(files)} 个（{'；'.join(parts)}），如无必要请删除附件后重新生成PDF",
            Location(part="body", field=f"embedded:{files[0][0]}"),
            count=len(files),
            severity="review",
            sample="、".join(name for name, _ in files[:5]),
        )
    )


def _embedded_location(loc: Location, name: str) -> Location:
    field = f"embedded:{name}" + (f":{loc.field}" if loc.field else "")
    return loc.with_(field=field)
