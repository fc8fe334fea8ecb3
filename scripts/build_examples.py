"""Build the sample documents in examples/ (run by hand; the outputs are committed).

All text here is written for secreview's demo; names, numbers and places are fictional.
Usage: .venv/bin/python scripts/build_examples.py
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
from docx import Document
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

HERE = Path(__file__).resolve().parent.parent / "examples"

NOTICE = """关于做好2026年冬季供暖服务保障工作的通知
各街道办事处、区直有关部门：
为保障群众温暖过冬，现就做好今冬供暖服务保障工作通知如下。
一、供暖期自2026年11月15日起至2027年3月15日止，各供热企业要提前完成管网检修和试压注水。
二、区住建局设立供暖服务热线，咨询电话：0632-5512345，受理时间为每日8:00至20:00。
三、对群众反映的供暖问题，各单位要做到当日受理、三日内答复。
（此件主动公开）
"""


def build_txt() -> None:
    (HERE / "供暖服务通知.txt").write_text(NOTICE, encoding="utf-8")


def build_docx_minutes() -> None:
    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "秘密★1年"
    doc.add_paragraph("区安全生产委员会第四次全体会议纪要")
    doc.add_paragraph("会议听取了各成员单位关于重点行业领域安全隐患排查情况的汇报。")
    doc.add_paragraph("会议对下一阶段危化品企业专项整治的分工进行了研究，形成如下意见。")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "牵头单位"
    table.cell(0, 1).text = "区应急管理局"
    table.cell(1, 0).text = "完成时限"
    table.cell(1, 1).text = "2026年12月31日前"
    doc.save(HERE / "安委会会议纪要.docx")


def build_docx_with_deleted_revision() -> None:
    """A clean-looking notice whose tracked deletion still holds a full ID number."""
    doc = Document()
    doc.add_paragraph("关于2026年度城乡居民医疗救助对象审核结果的公示")
    doc.add_paragraph("经个人申请、街道初审、区民政局审核，拟确定以下人员为医疗救助对象。")
    doc.add_paragraph("王某某，东城街道，救助金额3000元。")
    buf = io.BytesIO()
    doc.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    xml = src.read("word/document.xml").decode("utf-8")
    deleted = (
        '<w:del w:id="90" w:author="录入员" w:date="2026-11-20T09:00:00Z"><w:r>'
        "<w:delText>身份证号110105196503120216，</w:delText></w:r></w:del>"
    )
    xml = xml.replace("<w:r><w:t>王某某，东城街道", deleted + "<w:r><w:t>王某某，东城街道", 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = xml.encode("utf-8") if item.filename == "word/document.xml" else src.read(item)
            dst.writestr(item, data)
    (HERE / "医疗救助公示-含修订痕迹.docx").write_bytes(out.getvalue())


def build_xlsx_roster() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "发放名单"
    ws.append(["序号", "姓名", "身份证号码", "联系电话", "补贴金额（元）"])
    ws.append([1, "赵某华", "110108197808051163", "13912345678", 1200])
    ws.append([2, "钱某英", "320102198911222085", "13687654321", 1200])
    ws.append([3, "孙某", "110105196503120216", "15805321234", 800])
    wb.save(HERE / "创业补贴发放名单.xlsx")


def build_xlsx_roster_masked() -> None:
    """The corrected roster the drafter submits as a revision: numbers masked per DOMAIN §4."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "发放名单"
    ws.append(["序号", "姓名", "身份证号码", "联系电话", "补贴金额（元）"])
    ws.append([1, "赵某华", "110108********1163", "139****5678", 1200])
    ws.append([2, "钱某英", "320102********2085", "136****4321", 1200])
    ws.append([3, "孙某", "110105********0216", "158****1234", 800])
    wb.properties.creator = "县人社局"
    wb.save(HERE / "revised" / "创业补贴发放名单.xlsx")


def build_csv_masked() -> None:
    rows = [
        "序号,姓名,身份证号码,家庭人口,月保障金额（元）",
        "1,周某某,110105********0216,3,1560",
        "2,吴某,320102********2085,1,620",
        "3,郑某某,110108********1163,2,1040",
    ]
    (HERE / "低保公示-已脱敏.csv").write_text("\n".join(rows) + "\n", encoding="utf-8-sig")


def build_pdf_internal() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(HERE / "内部情况通报.pdf"), pagesize=A4)
    c.setFont("STSong-Light", 14)
    c.drawString(72, 800, "秘密★6个月")
    c.setFont("STSong-Light", 18)
    c.drawString(150, 760, "关于近期网络舆情处置情况的内部通报")
    c.setFont("STSong-Light", 12)
    lines = [
        "一、近期舆情总体情况：本月共监测到涉及我区的网络信息若干条。",
        "二、处置中暴露的问题：个别单位回应不及时，口径不统一。",
        "三、下一步工作：各单位要落实专人值守，此件不得外传。",
    ]
    for i, line in enumerate(lines):
        c.drawString(72, 720 - i * 24, line)
    c.showPage()
    c.save()


def build_html() -> None:
    html = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>区政府召开2026年政务公开工作推进会</title>
<meta name="author" content="区政府办公室"></head>
<body>
<h1>区政府召开2026年政务公开工作推进会</h1>
<p>11月20日，区政府召开政务公开工作推进会，总结前三季度工作，部署下一阶段任务。</p>
<p>会议强调，要严格落实信息发布保密审查制度，坚持先审查、后公开，确保涉密信息不公开、公开信息不涉密。</p>
<p>会议要求各部门加强政府网站和政务新媒体日常监管，及时更新重点领域信息。</p>
<!-- 编辑备注：第三段待分管领导确认后再发 -->
</body></html>
"""
    (HERE / "政务公开推进会.html").write_text(html, encoding="utf-8")


if __name__ == "__main__":
    build_txt()
    build_docx_minutes()
    build_docx_with_deleted_revision()
    build_xlsx_roster()
    (HERE / "revised").mkdir(exist_ok=True)
    build_xlsx_roster_masked()
    build_csv_masked()
    build_pdf_internal()
    build_html()
    print("examples written to", HERE)
