from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path

from docx.enum.section import WD_SECTION

from secreview.cli import main
from secreview.config import Config, Limits
from secreview.extract import docx as docx_extract
from secreview.extract import extract_bytes
from secreview.model import Document, Segment
from secreview.pipeline import scan_bytes, scan_file
from tests.helpers import docx_builder as B

LIMITS = Limits()


def extract(data: bytes) -> Document:
    return extract_bytes(data, "t.docx", LIMITS)


def part(doc: Document, name: str) -> list[Segment]:
    return [s for s in doc.segments if s.location.part == name]


def texts(doc: Document, name: str) -> list[str]:
    return [s.text for s in part(doc, name)]


def note(doc: Document, kind: str):  # noqa: ANN201
    found = [n for n in doc.residue if n.kind == kind]
    assert len(found) == 1, doc.residue
    return found[0]


# --- text -------------------------------------------------------------------------------
def test_body_paragraphs_and_tables_in_document_order() -> None:
    d = B.new_document()
    d.add_paragraph("关于开展检查的通知")
    table = d.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "姓名"
    table.cell(0, 2).text = "单位"
    table.cell(1, 0).text = "王五"
    table.cell(1, 1).text = "第一行\n第二行"
    d.add_paragraph("")  # empty paragraphs are counted but yield no segment
    d.add_paragraph("此件主动公开")
    doc = extract(B.to_bytes(d))
    body_and_table = [(s.location.part, s.text) for s in doc.segments[:4]]
    assert body_and_table == [
        ("body", "关于开展检查的通知"),
        ("table", "姓名\t单位"),
        ("table", "王五\t第一行\n第二行"),
        ("body", "此件主动公开"),
    ]
    assert [s.location.paragraph for s in part(doc, "body")] == [1, 3]
    row2 = part(doc, "table")[1]
    assert (row2.location.row, row2.location.paragraph, row2.location.cell) == (2, 1, None)
    cell = row2.location_at(row2.text.index("第二行"))
    assert (cell.part, cell.row, cell.col, cell.cell) == ("table", 2, 2, None)
    first = part(doc, "table")[0]
    assert first.location_at(first.text.index("单位")).col == 3
    assert doc.facts["paragraphs"] == 3 and doc.facts["tables"] == 1


def test_breaks_tabs_and_inline_wrappers_are_kept() -> None:
    d = B.new_document()
    B.append_xml_paragraph(
        d,
        B.run("甲")
        + "<w:r><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t><w:cr/></w:r>"
        + f'<w:hyperlink r:id="rIdX">{B.run("链接")}</w:hyperlink>'
        + f'<w:smartTag w:uri="u" w:element="place">{B.run("智能")}</w:smartTag>'
        + f'<w:sdt><w:sdtPr><w:alias w:val="控件"/></w:sdtPr><w:sdtContent>{B.run("控件")}'
        + "</w:sdtContent></w:sdt>"
        + f'<w:fldSimple w:instr=" PAGE ">{B.run("7")}</w:fldSimple>'
        # a complex field: the instruction is not text, the result is
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + '<w:r><w:instrText xml:space="preserve"> DATE \\@ "yyyy" </w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + B.run("2024")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    )
    doc = extract(B.to_bytes(d))
    assert texts(doc, "body") == ["甲\t乙\n丙\n链接智能控件72024"]


def test_tab_stops_in_paragraph_properties_are_not_text() -> None:
    d = B.new_document()
    B.append_xml_paragraph(
        d, '<w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>' + B.run("正文")
    )
    assert texts(extract(B.to_bytes(d)), "body") == ["正文"]


def test_nested_table_rows_are_their_own_segments() -> None:
    d = B.new_document()
    B.nested_table(d, [["外一", "外二"], ["外三", "外四"]], [["内甲", "内乙"], ["内丙", ""]])
    doc = extract(B.to_bytes(d))
    rows = [(s.text, s.location.paragraph, s.location.row) for s in part(doc, "table")]
    assert rows == [
        ("外一\t外二", 1, 1),
        ("内甲\t内乙", 2, 1),
        ("内丙", 2, 2),
        ("外三\t外四", 1, 2),
    ]
    inner = part(doc, "table")[1]
    loc = inner.location_at(inner.text.index("内乙"))
    assert (loc.paragraph, loc.row, loc.col) == (2, 1, 2)


def test_merged_cells_keep_grid_columns() -> None:
    d = B.new_document()
    table = d.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "合并"
    table.cell(0, 2).text = "第三列"
    seg = part(extract(B.to_bytes(d)), "table")[0]
    assert seg.text == "合并\t第三列"
    assert seg.location_at(seg.text.index("第三列")).col == 3


def test_headers_and_footers_per_section_deduplicated() -> None:
    d = B.new_document()
    d.sections[0].header.paragraphs[0].text = "秘密★1年"
    d.sections[0].footer.paragraphs[0].text = "第一节页脚"
    d.add_paragraph("第一节正文")
    d.add_section(WD_SECTION.NEW_PAGE)  # linked to previous: shares the same parts
    d.add_paragraph("第二节正文")
    third = d.add_section(WD_SECTION.NEW_PAGE)
    third.header.is_linked_to_previous = False
    third.header.paragraphs[0].text = "第三节页眉"
    doc = extract(B.to_bytes(d))
    headers = part(doc, "header")
    assert [s.text for s in headers] == ["秘密★1年", "第三节页眉"]
    assert [s.location.field for s in headers] == ["第1节", "第3节"]
    assert texts(doc, "footer") == ["第一节页脚"]
    assert part(doc, "footer")[0].location.field is None
    assert "秘密★1年" not in "".join(texts(doc, "body"))


def test_footnotes_skip_separators() -> None:
    d = B.new_document()
    B.append_xml_paragraph(d, B.run("正文引用") + B.footnote_ref(1))
    data = B.with_footnotes(B.to_bytes(d), ["注释一：内部资料", "注释二"])
    doc = extract(data)
    notes = part(doc, "footnote")
    assert [s.text for s in notes] == ["注释一：内部资料", "注释二"]
    assert [s.location.field for s in notes] == ["脚注1", "脚注2"]
    assert texts(doc, "body") == ["正文引用"]


def test_textbox_text_once_and_not_in_host_paragraph() -> None:
    d = B.new_document()
    B.append_xml_paragraph(d, B.run("宿主段落") + B.textbox_run("框内机密★5年"))
    d.add_paragraph("下一段")
    doc = extract(B.to_bytes(d))
    assert texts(doc, "textbox") == ["框内机密★5年"]
    assert texts(doc, "body") == ["宿主段落", "下一段"]
    order = [s.location.part for s in doc.segments[:3]]
    assert order == ["body", "textbox", "body"]


# --- residue ----------------------------------------------------------------------------
def test_revisions_deleted_text_only_as_revision_delete() -> None:
    d = B.new_document()
    d.add_paragraph("第一段")
    B.append_xml_paragraph(
        d,
        B.run("联系人")
        + B.ins("李四", 1)
        + B.dele("身份证号370402198001011234", 2)
        + B.run("。")
        + B.dele("旧", 3, author="王五")
        + B.dele("地址", 4, author="王五"),  # adjacent deletions form one piece
    )
    B.append_xml_paragraph(
        d,
        f'<w:moveFrom w:id="5" w:author="张三" w:date="{B.DATE}">{B.run("挪走的话")}</w:moveFrom>'
        f'<w:moveTo w:id="6" w:author="张三" w:date="{B.DATE}">{B.run("挪来的话")}</w:moveTo>',
    )
    doc = extract(B.to_bytes(d))
    body = texts(doc, "body")
    assert body == ["第一段", "联系人李四。", "挪来的话"]
    assert all("身份证" not in t and "挪走" not in t for t in body)
    deletes = part(doc, "revision_delete")
    assert [(s.text, s.location.paragraph) for s in deletes] == [
        ("身份证号370402198001011234", 2),
        ("旧地址", 2),
        ("挪走的话", 3),
    ]
    inserts = part(doc, "revision_insert")
    assert [(s.text, s.location.paragraph) for s in inserts] == [("李四", 2), ("挪来的话", 3)]
    n = note(doc, "revisions")
    assert n.count == 5 and n.severity == "review"
    assert "插入 2 处，删除 3 处" in n.message and "请接受或拒绝全部修订" in n.message
    assert "张三" in n.message and "王五" in n.message


def test_revision_in_table_cell_keeps_row_and_col() -> None:
    d = B.new_document()
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "甲"
    cell_p = table.cell(0, 1).paragraphs[0]._p
    cell_p.append(
        B.parse_xml(
            f"<w:del {B.NSDECL} w:id='9' w:author='x'><w:r><w:delText>删掉</w:delText></w:r></w:del>"
        )
    )
    doc = extract(B.to_bytes(d))
    (seg,) = part(doc, "revision_delete")
    assert (seg.text, seg.location.row, seg.location.col, seg.location.field) == (
        "删掉",
        1,
        2,
        "table",
    )
    assert texts(doc, "table") == ["甲"]


def test_comments_with_author_and_resolved_state() -> None:
    d = B.new_document()
    p1 = d.add_paragraph("需要核实的数字")
    p2 = d.add_paragraph("第二处")
    d.add_comment(p1.runs, text="此数据来自内部统计，不宜公开", author="赵六", initials="ZL")
    d.add_comment(p2.runs, text="请再确认", author="Administrator", initials="A")
    doc = extract(B.to_bytes(d))
    comments = part(doc, "comment")
    assert [s.text for s in comments] == ["此数据来自内部统计，不宜公开", "请再确认"]
    assert comments[0].location.paragraph == 1
    assert comments[0].location.field.startswith("作者：赵六，20")
    n = note(doc, "comments")
    assert n.count == 2 and "文档含批注（2 条）" in n.message and "请删除全部批注" in n.message
    assert n.sample == "赵六：此数据来自内部统计，不宜公开"
    assert doc.facts["comments"] == 2
    resolved = extract(B.mark_comment_resolved(B.to_bytes(d)))
    assert "其中 2 条已标记为“已解决”" in note(resolved, "comments").message


def test_hidden_runs_are_residue_not_body() -> None:
    d = B.new_document()
    B.append_xml_paragraph(
        d,
        B.run("可见")
        + B.hidden_run("隐藏的电话13800138000")
        + B.run("显示", '<w:vanish w:val="0"/>')
        + B.run("网页隐藏", "<w:webHidden/>"),
    )
    doc = extract(B.to_bytes(d))
    assert texts(doc, "body") == ["可见显示"]
    (hidden,) = part(doc, "hidden")
    assert hidden.text == "隐藏的电话13800138000网页隐藏"
    assert hidden.location.paragraph == 1
    n = note(doc, "hidden_text")
    assert n.count == 1 and "隐藏文字" in n.message


def test_hidden_character_style() -> None:
    d = B.new_document()
    styles = d.styles.element
    styles.append(
        B.parse_xml(
            f'<w:style {B.NSDECL} w:type="character" w:styleId="Secret"><w:name w:val="Secret"/>'
            "<w:rPr><w:vanish/></w:rPr></w:style>"
        )
    )
    B.append_xml_paragraph(d, B.run("明") + B.run("暗", '<w:rStyle w:val="Secret"/>'))
    doc = extract(B.to_bytes(d))
    assert texts(doc, "body") == ["明"] and texts(doc, "hidden") == ["暗"]


def test_plain_document_has_only_info_metadata_note() -> None:
    d = B.new_document()
    d.add_paragraph("普通通知")
    d.core_properties.author = "Administrator"
    d.core_properties.last_modified_by = "user"
    doc = extract(B.to_bytes(d))
    assert [n.kind for n in doc.residue] == ["metadata"]
    assert doc.residue[0].severity == "info"
    assert doc.facts["images"] == 0
    report = scan_bytes(B.to_bytes(d), "plain.docx", Config())
    assert report.verdict == "pass"


def test_metadata_segments_and_person_name() -> None:
    d = B.new_document()
    d.add_paragraph("正文")
    cp = d.core_properties
    cp.author = "张三"
    cp.last_modified_by = "办公室"
    cp.title = "征求意见稿"
    cp.keywords = "内部"
    data = B.with_app_properties(B.to_bytes(d), company="某某县人民政府", manager="李四")
    data = B.with_custom_properties(data, {"承办人": "王小明", "密级": "秘密"})
    doc = extract(data)
    fields = {s.location.field: s.text for s in part(doc, "metadata")}
    assert fields["creator"] == "张三"
    assert fields["lastModifiedBy"] == "办公室"
    assert fields["title"] == "征求意见稿"
    assert fields["company"] == "某某县人民政府"
    assert fields["manager"] == "李四"
    assert fields["custom:承办人"] == "承办人=王小明"  # name=value: rules see the field name
    assert fields["custom:密级"] == "密级=秘密"
    assert doc.metadata["creator"] == "张三" and doc.metadata["custom:密级"] == "秘密"
    n = note(doc, "metadata")
    assert n.severity == "review"
    assert n.message.startswith("文档属性含个人姓名（作者「张三」、经理「李四」）")
    assert "检查文档" in n.message and "办公室" not in n.message


def test_embedded_docx_is_extracted_with_its_name() -> None:
    inner = B.new_document()
    inner.add_paragraph("附件里的机密★10年")
    inner.add_paragraph("附件第二段")
    outer = B.new_document()
    outer.add_paragraph("主文档")
    data = B.with_embedded(B.to_bytes(outer), "Microsoft_Word_Document.docx", B.to_bytes(inner))
    doc = extract(data)
    embedded = [s for s in doc.segments if (s.location.field or "").startswith("embedded:")]
    body = [s for s in embedded if s.location.part == "body"]
    assert [s.text for s in body] == ["附件里的机密★10年", "附件第二段"]
    assert body[0].location.field == "embedded:Microsoft_Word_Document.docx"
    assert body[0].location.paragraph == 1
    n = note(doc, "embedded")
    assert n.count == 1 and "已一并审查：Microsoft_Word_Document.docx" in n.message
    assert doc.facts["embedded"] == ["Microsoft_Word_Document.docx"]
    assert texts(doc, "body")[0] == "主文档"
    report = scan_bytes(data, "outer.docx", Config())
    assert report.verdict == "block"
    hit = next(f for f in report.findings if f.rule == "marking.secret_level")
    assert hit.location.field == "embedded:Microsoft_Word_Document.docx"


def test_embedding_depth_is_limited() -> None:
    level3 = B.new_document()
    level3.add_paragraph("第三层")
    level2 = B.with_embedded(B.to_bytes(B.new_document()), "c.docx", B.to_bytes(level3))
    level1 = B.with_embedded(B.to_bytes(B.new_document()), "b.docx", level2)
    top = B.with_embedded(B.to_bytes(B.new_document()), "a.docx", level1)
    doc = extract(top)
    assert "第三层" not in [s.text for s in doc.segments]
    messages = " ".join(n.message for n in doc.residue if n.kind == "embedded")
    assert "c.docx（嵌套过深）" in messages


def test_embedded_xlsx_read_or_noted() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "表格里的秘密★1年"
    buf = io.BytesIO()
    wb.save(buf)
    outer = B.new_document()
    outer.add_paragraph("含图表")
    doc = extract(
        B.with_embedded(B.to_bytes(outer), "Microsoft_Excel_Worksheet.xlsx", buf.getvalue())
    )
    n = note(doc, "embedded")
    try:
        import secreview.extract.xlsx  # noqa: F401
    except ImportError:
        assert "Microsoft_Excel_Worksheet.xlsx（缺少 XLSX 解析模块）" in n.message
    else:
        hits = [s for s in doc.segments if "表格里的秘密★1年" in s.text]
        assert hits and hits[0].location.field == "embedded:Microsoft_Excel_Worksheet.xlsx"


def test_embedded_bomb_is_noted_not_fatal() -> None:
    outer = B.new_document()
    outer.add_paragraph("主文档")
    small = Limits(max_member_bytes=1024 * 1024)
    big = B.new_document()
    big.add_paragraph("字" * 1_000_000)  # 3 MB of XML, compressed small
    packed = B.to_bytes(big)
    assert len(packed) < 1024 * 1024
    data = B.with_embedded(B.to_bytes(outer), "big.docx", packed)
    doc = docx_extract.extract(data, "t.docx", small)
    assert "big.docx（文档部件 word/document.xml" in note(doc, "embedded").message
    assert texts(doc, "body") == ["主文档"]


def test_images_are_counted() -> None:
    from PIL import Image

    img = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(img, "PNG")
    d = B.new_document()
    d.add_picture(io.BytesIO(img.getvalue()))
    d.add_picture(io.BytesIO(img.getvalue()))  # same image stored once
    other = io.BytesIO()
    Image.new("RGB", (5, 5), "blue").save(other, "PNG")
    d.add_picture(other)
    doc = extract(B.to_bytes(d))
    assert doc.facts["images"] == 2
    assert not [n for n in doc.residue if n.kind not in ("metadata",)]


# --- pipeline and hostile input -----------------------------------------------------------
def test_marking_in_header_blocks(tmp_path: Path, config: Config) -> None:
    d = B.new_document()
    d.sections[0].header.paragraphs[0].text = "秘密★1年"
    d.add_paragraph("关于做好有关工作的通知")
    path = tmp_path / "notice.docx"
    path.write_bytes(B.to_bytes(d))
    report = scan_file(path, config)
    assert report.verdict == "block" and report.format == "docx"
    hits = [f for f in report.findings if f.rule == "marking.secret_level"]
    assert len(hits) == 1 and hits[0].location.part == "header" and hits[0].text == "秘密★1年"


def test_residue_findings_through_pipeline(config: Config) -> None:
    d = B.new_document()
    B.append_xml_paragraph(d, B.run("正文") + B.dele("秘密★1年", 1))
    report = scan_bytes(B.to_bytes(d), "rev.docx", config)
    marking = [f for f in report.findings if f.rule == "marking.secret_level"]
    assert [f.location.part for f in marking] == ["revision_delete"]
    assert "residue.revisions" in {f.rule for f in report.findings}
    assert report.verdict == "block"


def _scan_timed(tmp_path: Path, name: str, data: bytes, config: Config) -> tuple[str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    start = time.monotonic()
    report = scan_file(path, config)
    assert time.monotonic() - start < 10
    assert report.verdict == "error" and report.error is not None
    return report.error.code, report.error.message


def test_random_bytes_named_docx(tmp_path: Path, config: Config) -> None:
    code, _ = _scan_timed(tmp_path, "x.docx", os.urandom(20_000), config)
    assert code in ("corrupt_file", "unsupported_format")


def test_random_bytes_inside_a_zip_named_docx(tmp_path: Path, config: Config) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", os.urandom(5000))
    code, _ = _scan_timed(tmp_path, "x.docx", buf.getvalue(), config)
    assert code == "corrupt_file"


def test_zip_bomb_docx(tmp_path: Path, config: Config) -> None:
    bomb = B.zip_bomb()
    assert len(bomb) < 8 * 1024 * 1024
    code, message = _scan_timed(tmp_path, "bomb.docx", bomb, config)
    assert code == "too_large" and "压缩炸弹" in message


def test_billion_laughs_docx(tmp_path: Path, config: Config) -> None:
    code, message = _scan_timed(tmp_path, "lol.docx", B.billion_laughs(), config)
    assert code == "corrupt_file" and "DTD" in message


def test_truncated_docx(tmp_path: Path, config: Config) -> None:
    d = B.new_document()
    d.add_paragraph("内容" * 500)
    data = B.to_bytes(d)
    code, _ = _scan_timed(tmp_path, "cut.docx", data[: len(data) // 2], config)
    assert code == "corrupt_file"


def test_corrupt_deflate_stream(tmp_path: Path, config: Config) -> None:
    d = B.new_document()
    d.add_paragraph("内容" * 2000)
    data = bytearray(B.to_bytes(d))
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 10, start + 60):
        data[i] ^= 0xFF
    code, _ = _scan_timed(tmp_path, "bad.docx", bytes(data), config)
    assert code == "corrupt_file"


def test_docx_without_document_part(tmp_path: Path, config: Config) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/styles.xml", "<styles/>")
    code, message = _scan_timed(tmp_path, "empty.docx", buf.getvalue(), config)
    assert code == "corrupt_file" and "word/document.xml" in message


def test_cli_scan_docx_json(tmp_path: Path, runner) -> None:  # noqa: ANN001
    d = B.new_document()
    d.add_paragraph("秘密★1年")
    d.add_paragraph("通知正文")
    path = tmp_path / "x.docx"
    path.write_bytes(B.to_bytes(d))
    result = runner.invoke(
        main,
        ["--db", str(tmp_path / "l.db"), "scan", str(path), "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    reports = json.loads(result.stdout)
    assert reports[0]["format"] == "docx" and reports[0]["verdict"] == "block"
    finding = next(f for f in reports[0]["findings"] if f["rule"] == "marking.secret_level")
    assert finding["location"] == {"part": "body", "paragraph": 1}


def test_alt_chunk_html_is_read_as_embedded() -> None:
    d = B.new_document()
    d.add_paragraph("主文档")
    html = "<html><body><p>导入的网页内容 秘密★1年</p></body></html>".encode()
    data = B.with_alt_chunk(B.to_bytes(d), "afchunk.htm", html)
    doc = extract(data)
    hits = [s for s in doc.segments if "导入的网页内容" in s.text]
    assert [(s.location.part, s.location.field) for s in hits] == [("body", "embedded:afchunk.htm")]
    assert "已一并审查：afchunk.htm" in note(doc, "embedded").message


def test_unreadable_embedding_is_listed_for_manual_review() -> None:
    d = B.new_document()
    d.add_paragraph("含公式对象")
    data = B.with_embedded(B.to_bytes(d), "oleObject1.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    n = note(extract(data), "embedded")
    assert n.severity == "review" and "无法自动审查，请人工检查：oleObject1.bin" in n.message


def test_deeply_nested_xml_is_corrupt_not_a_crash(tmp_path: Path, config: Config) -> None:
    depth = 5000
    inner = (
        "<w:sdt><w:sdtContent>" * depth
        + B.run("深处").join(["<w:p>", "</w:p>"])
        + "</w:sdtContent></w:sdt>" * depth
    )
    xml = f'<?xml version="1.0"?><w:document {B.NSDECL}><w:body>{inner}</w:body></w:document>'
    data = B.repackage(B.to_bytes(B.new_document()), replace={"word/document.xml": xml.encode()})
    code, _ = _scan_timed(tmp_path, "deep.docx", data, config)
    assert code == "corrupt_file"
