"""The DOCX walker's fast path for plain paragraphs (``_Walker._plain``) gives exactly what the
full inline walk gives: the same segments, revisions, hidden text, pictures and counters, on
paragraphs built from every inline construct the walker knows (and some it ignores), in the
body and in table cells, with and without hiding styles; and on whole documents."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any
from unittest.mock import patch

import lxml.etree
from hypothesis import given, settings
from hypothesis import strategies as st

from secreview.config import Limits
from secreview.extract import docx as docx_extract
from secreview.model import Segment
from tests.helpers import docx_builder as B

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
M_NS = 'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"'
PIC_NS = 'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"'

PIECES = [
    B.run("正文"),
    B.run("加粗 ", "<w:b/><w:sz w:val='32'/>"),
    B.run("  "),
    B.run(""),
    "<w:r><w:t/></w:r>",
    "<w:r><w:t>甲</w:t><w:t>乙</w:t></w:r>",
    "<w:r><w:t>后</w:t><w:rPr><w:vanish/></w:rPr><w:t>藏</w:t></w:r>",
    B.hidden_run("隐藏"),
    B.run("不藏", '<w:vanish w:val="0"/>'),
    B.run("网页隐藏", "<w:webHidden/>"),
    B.run("样式隐藏", '<w:rStyle w:val="Hid"/>'),
    B.run("样式", '<w:rStyle w:val="Emph"/>'),
    B.ins("插入", 1),
    B.dele("删除", 2),
    '<w:moveTo w:id="3" w:author="李四">' + B.run("移入") + "</w:moveTo>",
    '<w:moveFrom w:id="4" w:author="李四">' + B.run("移出") + "</w:moveFrom>",
    "<w:r><w:tab/></w:r>",
    "<w:r><w:t>换</w:t><w:br/><w:t>行</w:t></w:r>",
    "<w:r><w:cr/><w:noBreakHyphen/><w:ptab/></w:r>",
    '<w:r><w:sym w:font="Wingdings" w:char="F0AB"/></w:r>',
    '<w:r><w:sym w:font="Symbol" w:char="F041"/></w:r>',
    '<w:hyperlink r:id="rId9">' + B.run("链接") + "</w:hyperlink>",
    "<w:smartTag>" + B.run("标记") + "</w:smartTag>",
    '<w:fldSimple w:instr="PAGE">' + B.run("3") + "</w:fldSimple>",
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r>',
    '<w:bookmarkStart w:id="0" w:name="a"/><w:bookmarkEnd w:id="0"/><w:proofErr/>',
    "<w:t>段内裸文字</w:t>",
    "<w:r><w:r><w:t>嵌套</w:t></w:r></w:r>",
    "<w:r><w:ruby><w:rt><w:r><w:t>pin</w:t></w:r></w:rt>"
    "<w:rubyBase><w:r><w:t>拼</w:t></w:r></w:rubyBase></w:ruby></w:r>",
    "<w:r><w:lastRenderedPageBreak/><w:t>页</w:t></w:r>",
    B.textbox_run("框内"),
    '<w:r><w:drawing><wp:inline><wp:docPr id="2" name="图" descr="说明文字"/>'
    '<a:graphic><a:graphicData><pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="p" title="标题"/>'
    '</pic:nvPicPr><pic:blipFill><a:blip r:embed="rId7"/></pic:blipFill></pic:pic>'
    "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>",
    '<w:r><w:pict><v:shape alt="替代"><v:imagedata r:id="rId8" o:title="题"/></v:shape>'
    '<v:textpath string="水印"/></w:pict></w:r>',
    # revisions with no text still name their author; an empty text box still counts
    '<w:ins w:id="5" w:author="王五"/>',
    '<w:moveFrom w:id="6" w:author="孙八"/>',
    '<w:del w:id="7" w:author="赵六"/>',
    '<w:moveTo w:id="8" w:author="钱七"/>',
    "<w:r><w:delText>孤立删除</w:delText></w:r>",
    "<w:r><w:pict><w:txbxContent><w:p/></w:txbxContent></w:pict></w:r>",
    # each picture or alternative-text element alone
    '<w:r><w:pict><v:textpath string="水印"/></w:pict></w:r>',
    '<w:r><w:pict><v:group><v:imagedata r:id="rId8" o:title="题"/></v:group></w:pict></w:r>',
    '<w:r><w:pict><v:shape alt="替代"/></w:pict></w:r>',
    '<w:r><w:drawing><wp:inline><wp:docPr id="3" name="图" title="图题"/></wp:inline></w:drawing></w:r>',
    '<w:r><w:drawing><pic:cNvPr id="0" name="p" descr="描述"/></w:drawing></w:r>',
    '<w:r><w:drawing><a:blip r:embed="rId7"/></w:drawing></w:r>',
    "<w:r><w:object><w:txbxContent><w:p>"
    + B.run("对象框")
    + "</w:p></w:txbxContent></w:object></w:r>",
    "<w:r><mc:AlternateContent><mc:Fallback>"
    + B.run("备选")
    + "</mc:Fallback></mc:AlternateContent></w:r>",
    "<mc:AlternateContent><mc:Choice>" + B.run("选择") + "</mc:Choice></mc:AlternateContent>",
    "<m:oMath><m:r><m:t>x=1</m:t></m:r></m:oMath>",
    "<w:sdt><w:sdtPr><w:alias w:val='别名'/></w:sdtPr><w:sdtContent>"
    + B.run("控件")
    + "</w:sdtContent></w:sdt>",
    "<w:customXml>" + B.run("自定义") + "</w:customXml>",
    "<w:r><w:rPr><w:rPrChange><w:rPr><w:b/></w:rPr></w:rPrChange></w:rPr><w:t>改</w:t></w:r>",
]
PPR = [
    "",
    "<w:pPr><w:jc w:val='center'/></w:pPr>",
    "<w:pPr><w:rPr><w:vanish/></w:rPr></w:pPr>",
    '<w:pPr><w:pStyle w:val="HidP"/></w:pPr>',
    '<w:pPr><w:pStyle w:val="Title"/></w:pPr>',
]
NS = B.NSDECL + f" {M_NS} {PIC_NS}" + ' xmlns:o="urn:schemas-microsoft-com:office:office"'

# one construct next to plain runs (where a wrong fast path shows), or several mixed
plain = st.sampled_from(PIECES[:3])
pieces = st.one_of(
    st.tuples(st.lists(plain, max_size=2), st.sampled_from(PIECES)).map(lambda t: [*t[0], t[1]]),
    st.lists(st.sampled_from(PIECES), max_size=5),
)
paragraph = st.tuples(st.sampled_from(PPR), pieces).map(
    lambda t: f"<w:p>{t[0]}{''.join(t[1])}</w:p>"
)


def _table(rows: list[list[list[str]]]) -> str:
    return (
        "<w:tbl>"
        + "".join(
            "<w:tr>" + "".join(f"<w:tc>{''.join(c) or '<w:p/>'}</w:tc>" for c in r) + "</w:tr>"
            for r in rows
        )
        + "</w:tbl>"
    )


table = st.lists(
    st.lists(st.lists(paragraph, min_size=1, max_size=2), min_size=1, max_size=3),
    min_size=1,
    max_size=2,
).map(_table)
body = st.lists(st.one_of(paragraph, paragraph, table), max_size=6)


def _walk(xml: str, hidden: set[str], hidden_para: set[str]) -> dict[str, Any]:
    root = lxml.etree.fromstring(f"<w:body {NS}>{xml}</w:body>")
    walker = docx_extract._Walker(hidden, hidden_para)
    segments: list[Segment] = []
    walker.blocks(root, "body", [0], segments.append)
    return {
        "segments": segments,
        "revisions": walker.revisions,
        "hidden": walker.hidden,
        "pictures": walker.pictures,
        "authors": walker.authors,
        "tables": walker.tables,
        "boxes": walker.box_paragraphs,
    }


def _full_walk(*args: Any) -> Any:
    with patch.object(docx_extract._Walker, "_plain", lambda self, p: None):
        return args[0](*args[1:])


@settings(max_examples=400, deadline=None)
@given(body, st.booleans(), st.booleans())
def test_plain_path_gives_what_the_full_walk_gives(
    parts: list[str], hide_runs: bool, hide_paras: bool
) -> None:
    xml = "".join(parts)
    hidden = {"Hid"} if hide_runs else set()
    hidden_para = {"HidP"} if hide_paras else set()
    fast = _walk(xml, hidden, hidden_para)
    full = _full_walk(_walk, xml, hidden, hidden_para)
    assert fast == full


def test_plain_path_is_taken_for_plain_paragraphs() -> None:
    """Not vacuous: python-docx's own paragraphs take the fast path."""
    root = lxml.etree.fromstring(f"<w:p {NS}>{B.run('正文', '<w:b/>')}{B.run('二')}</w:p>")
    assert docx_extract._Walker(set(), set())._plain(root) == "正文二"
    hyperlink = f'<w:p {NS}><w:hyperlink r:id="rId9">{B.run("链接")}</w:hyperlink></w:p>'
    assert docx_extract._Walker(set(), set())._plain(lxml.etree.fromstring(hyperlink)) is None


def _document_bytes() -> list[bytes]:
    d = B.new_document()
    d.sections[0].header.paragraphs[0].text = "某某县人民政府办公室"
    for i in range(5):
        d.add_paragraph(f"第{i + 1}段：为进一步做好政府信息公开工作。")
    B.append_xml_paragraph(d, B.run("本段") + B.ins("新增", 10) + B.dele("删去", 11))
    B.append_xml_paragraph(d, B.hidden_run("隐藏内容") + B.textbox_run("文本框"))
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text = "单元格"
    t.cell(1, 1).text = "身份证号"
    p = d.add_paragraph("批注处")
    d.add_comment(p.runs, text="请核实", author="李四", initials="LS")
    B.watermark(d, "内部资料")
    return [B.to_bytes(d)] + [p.read_bytes() for p in sorted(EXAMPLES.glob("*.docx"))]


def test_whole_documents_extract_the_same() -> None:
    for data in _document_bytes():
        fast = docx_extract.extract(data, "x.docx", Limits())
        full = _full_walk(docx_extract.extract, data, "x.docx", Limits())
        assert dataclasses.asdict(fast) == dataclasses.asdict(full)
