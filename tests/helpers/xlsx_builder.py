"""Builders for XLSX fixtures, made with openpyxl (and zipfile where openpyxl cannot write a part).

All names, numbers and sentences here are invented for the tests.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName

# A made-up person (the ID number is the example the task names; not a real person).
PERSON = ("张三", "110105194912310021", "13812345678")

APP_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
 xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
<Application>Microsoft Excel</Application><Company>{company}</Company><Manager>{manager}</Manager>
</Properties>"""


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    """Rewrite one part of a package (adds it when missing)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info.filename))
        dst.writestr(name, content)
    return out.getvalue()


def with_company(data: bytes, company: str, manager: str = "") -> bytes:
    xml = APP_XML.format(company=company, manager=manager).encode("utf-8")
    return replace_member(data, "docProps/app.xml", xml)


def plain_workbook(creator: str = "Administrator") -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(["姓名", "身份证号", "手机"])
    ws.append(list(PERSON))
    wb.properties.creator = creator
    wb.properties.lastModifiedBy = creator
    return wb


def residue_workbook() -> bytes:
    """A workbook with every kind of XLSX residue, each at a known place.

    - sheet 公开 (visible): row 1 header, row 2 data, row 3 hidden (秘密行), column D hidden
      (D2 = 隐藏列内容), B4 white-on-white text, C4 yellow-on-yellow, A5 with ";;;" format,
      comment on A2, a normal cell E2 with font colour red on white (visible).
    - sheet 名单 (hidden): A1 = 李四.
    - sheet 深藏 (veryHidden): A1 = 王五.
    - defined names: 联系人 = "赵六 13900001111" (text constant), 区域 = 公开!$A$1:$B$2 (a ref),
      _xlnm.Print_Area (built-in, skipped).
    - properties: creator 张三, lastModifiedBy 李明, title 关于某事的通知, company 某某区人民政府办公室.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "公开"
    ws.append(["项目", "金额", "备注"])
    ws.append(["办公用品", 1200, "已采购", "隐藏列内容", "红色可见"])
    ws.append(["秘密行", "不应公开的内容"])
    ws["A4"] = "可见"
    ws["B4"] = "白色文字"
    ws["B4"].font = Font(color="FFFFFFFF")
    ws["C4"] = "黄底黄字"
    ws["C4"].font = Font(color="FFFFFF00")
    ws["C4"].fill = PatternFill("solid", fgColor="FFFFFF00")
    ws["A5"] = "格式隐藏"
    ws["A5"].number_format = ";;;"
    ws["E2"].font = Font(color="FFFF0000")
    ws.row_dimensions[3].hidden = True
    ws.column_dimensions["D"].hidden = True
    ws["A2"].comment = Comment("请核实采购人王小明的电话", "李明")
    ws.print_area = "A1:C4"

    hidden = wb.create_sheet("名单")
    hidden["A1"] = "李四"
    hidden.sheet_state = "hidden"
    very = wb.create_sheet("深藏")
    very["A1"] = "王五"
    very.sheet_state = "veryHidden"

    wb.defined_names["联系人"] = DefinedName("联系人", attr_text='"赵六 13900001111"')
    wb.defined_names["区域"] = DefinedName("区域", attr_text="公开!$A$1:$B$2")

    wb.properties.creator = "张三"
    wb.properties.lastModifiedBy = "李明"
    wb.properties.title = "关于某事的通知"
    return with_company(to_bytes(wb), "某某区人民政府办公室")


def roster(rows: int) -> bytes:
    """A roster of ``rows`` invented people: name, ID number (as text), phone, date, amount."""
    from datetime import date

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["序号", "姓名", "身份证号", "手机", "登记日期", "补贴金额"])
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    for i in range(1, rows + 1):
        name = surnames[i % len(surnames)] + given[i % len(given)] + given[(i * 7) % len(given)]
        body = f"3704021980{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i % 1000:03d}"
        ws.append(
            [
                i,
                name,
                body + id_check_digit(body),
                f"138{i:08d}",
                date(2023, (i % 12) + 1, (i % 28) + 1),
                1000 + i * 0.5,
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def id_check_digit(body17: str) -> str:
    """GB 11643 check character for the first 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return "10X98765432"[total % 11]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


def with_text_box(data: bytes, text: str, *, col: int, row: int, alt: str = "") -> bytes:
    """Add a text box (xdr:sp with a txBody, as Excel's Insert → Text Box writes it) to the
    first sheet's drawing, anchored at 0-based (col, row); ``alt`` is its descr. The
    workbook must already have a drawing (a picture added with openpyxl)."""
    import lxml.etree

    name = "xl/drawings/drawing1.xml"
    root = lxml.etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(name))
    anchor = lxml.etree.fromstring(
        f'<xdr:twoCellAnchor xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}">'
        f"<xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row}</xdr:row>"
        "<xdr:rowOff>0</xdr:rowOff></xdr:from>"
        f"<xdr:to><xdr:col>{col + 3}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row + 2}"
        "</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
        f'<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="9" name="文本框 1" descr="{alt}"/>'
        '<xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr><a:prstGeom prst="rect"><a:avLst/>'
        "</a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/><a:lstStyle/>"
        f'<a:p><a:r><a:rPr lang="zh-CN"/><a:t>{text}</a:t></a:r></a:p></xdr:txBody></xdr:sp>'
        "<xdr:clientData/></xdr:twoCellAnchor>"
    )
    root.append(anchor)
    return replace_member(data, name, lxml.etree.tostring(root, xml_declaration=True))
