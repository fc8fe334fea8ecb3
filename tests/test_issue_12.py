"""Issue 12: every real leak in the form it really takes — markings, personal data, residue.

Each test builds its document with the real libraries (tests/helpers) and scans it through
the pipeline (rules + residue; the classifier is off so a verdict is the rules' own). All
names, numbers and sentences are invented for these tests.
"""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from secreview.config import Config
from secreview.model import Report
from secreview.pipeline import scan_bytes
from secreview.rules import validators as v
from tests.helpers import docx_builder as db
from tests.helpers import pdf_builder as pb
from tests.helpers import xlsx_builder as xb

CONFIG = Config(use_classifier=False)

# A valid all-digit resident ID that ALSO passes the 统一社会信用代码 checksum (1 in 31 do):
# allow.uscc used to drop it, so a 公示 sentence with it came out "pass".
ID_ALSO_USCC = "110105195001185445"


def scan(data: bytes, name: str) -> Report:
    return scan_bytes(data, name, CONFIG)


def scan_text(text: str, name: str = "t.txt") -> Report:
    return scan(text.encode("utf-8"), name)


def rules_at(report: Report, severity: str | None = None) -> set[str]:
    return {f.rule for f in report.findings if severity is None or f.severity == severity}


def docx_of(*paragraphs: str) -> bytes:
    d = db.new_document()
    for p in paragraphs:
        d.add_paragraph(p)
    return db.to_bytes(d)


def xlsx_of(rows: list[list[object]], **sheet_kw: object) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    for row in rows:
        ws.append(row)
    return xb.to_bytes(wb)


def id_with(body17: str) -> str:
    return body17 + v.id_check_char(body17)


# ------------------------------------------------------------------------------ markings


def test_bare_top_secret_alone_at_top_of_pdf_page_1_blocks() -> None:
    report = scan(pb.head_lines_pdf(["绝密"]), "a.pdf")
    assert report.verdict == "block"
    assert "marking.bare_level" in rules_at(report, "block")


def test_bare_secret_in_a_sentence_does_not_block() -> None:
    report = scan(pb.head_lines_pdf(["关于保守秘密的宣传提纲"]), "a.pdf")
    assert report.verdict == "pass"


@pytest.mark.parametrize(
    "lines", [["秘", "密★", "5年"], ["机", "密", "★", "10年"], ["绝密", "★长期"]]
)
def test_marking_broken_over_lines_in_pdf_and_txt(lines: list[str]) -> None:
    pdf = scan(pb.head_lines_pdf(lines), "a.pdf")
    txt = scan_text("\n".join([*lines, "关于做好春季防汛准备工作的通知", "各乡镇：现通知如下。"]))
    for report in (pdf, txt):
        got = rules_at(report, "block")
        assert got & {"marking.secret_level", "marking.bare_level"}, report.findings


def test_per_character_positioned_marking_in_pdf() -> None:
    report = scan(pb.spaced_glyphs_pdf("机密★10年", gap=14), "a.pdf")
    assert "marking.secret_level" in rules_at(report, "block")


def test_marking_split_over_docx_runs_and_ideographic_spaces() -> None:
    d = db.new_document()
    db.append_xml_paragraph(
        d, db.run("秘") + db.run("\u3000密") + db.run("\u3000★") + db.run("1年")
    )
    report = scan(db.to_bytes(d), "a.docx")
    assert "marking.secret_level" in rules_at(report, "block")


@pytest.mark.parametrize("mark", ["機密★1年", "絕密★長期", "祕密★5年", "絶密★10年", "秘密★６個月"])
def test_traditional_and_variant_characters(mark: str) -> None:
    report = scan(docx_of(mark, "关于印发工作方案的通知"), "a.docx")
    assert "marking.secret_level" in rules_at(report, "block")


@pytest.mark.parametrize("star", list("★☆✭✩✯✪✫✬✮✰⭐*＊"))
def test_star_variants(star: str) -> None:
    report = scan_text(f"秘密{star}1年\n关于做好安全生产检查的通知")
    assert "marking.secret_level" in rules_at(report, "block")


def test_word_symbol_font_star() -> None:
    d = db.new_document()
    sym = '<w:r><w:sym w:font="Wingdings" w:char="F0AB"/></w:r>'
    db.append_xml_paragraph(d, db.run("机密") + sym + db.run("10年"))
    assert "marking.secret_level" in rules_at(scan(db.to_bytes(d), "a.docx"), "block")


@pytest.mark.parametrize(
    "banner",
    [
        "TOP SECRET",
        "SECRET//NOFORN",
        "CONFIDENTIAL",
        "RESTRICTED",
        "FOR OFFICIAL USE ONLY",
        "ТОР ЅЕСRЕТ",  # Cyrillic look-alikes
        "CΟΝFΙDΕΝTΙΑL",  # Greek look-alikes
    ],
)
def test_foreign_markings_standalone_block(banner: str) -> None:
    report = scan_text(f"{banner}\nMemorandum on the joint exercise schedule")
    assert "marking.foreign" in rules_at(report, "block")


def test_secret_in_english_prose_does_not_block() -> None:
    text = (
        "The secret of a good harvest is careful planning.\n"
        "Confidential counselling is available to every student.\n"
        "Secretary of the committee"
    )
    assert scan_text(text).verdict == "pass"


def test_marking_only_in_xlsx_print_header() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["项目", "金额"])
    ws.append(["办公用品", 1200])
    ws.oddHeader.left.text = "秘密★1年"
    report = scan(xb.to_bytes(wb), "a.xlsx")
    hit = [f for f in report.findings if f.rule == "marking.secret_level"]
    assert hit and hit[0].location.part == "header" and report.verdict == "block"


def test_bare_level_only_in_xlsx_first_page_footer() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["项目", "金额"])
    ws.firstFooter.center.text = "机密"
    assert "marking.bare_level_header" in rules_at(scan(xb.to_bytes(wb), "a.xlsx"), "block")


@pytest.mark.parametrize(
    ("phrase", "rule"),
    [
        ("（仅供领导参阅）", "marking.leaders_only"),
        ("请勿外传", "marking.no_distribution"),
        ("（不宜公开）", "marking.not_for_release"),
        ("注意保存", "marking.internal_material"),
        ("僅供領導參閱", "marking.leaders_only"),
    ],
)
def test_restricted_distribution_phrases(phrase: str, rule: str) -> None:
    report = scan(docx_of(phrase, "关于全县重点项目推进情况的汇报"), "a.docx")
    assert rule in rules_at(report, "block")


def test_oa_custom_xml_level_field_blocks() -> None:
    data = db.with_custom_xml(
        docx_of("关于做好节日值班工作的通知"),
        '<?xml version="1.0"?><公文 xmlns="urn:oa"><密级>秘密</密级><拟稿人>周明</拟稿人></公文>',
    )
    report = scan(data, "a.docx")
    hit = [f for f in report.findings if f.rule == "marking.level_field"]
    assert hit and hit[0].location.part == "custom_xml" and report.verdict == "block"


# ------------------------------------------------------------------------- personal data


def test_id_that_also_passes_uscc_check_is_not_allowed() -> None:
    assert v.resident_id(ID_ALSO_USCC) and v.uscc_code(ID_ALSO_USCC)
    report = scan_text(f"经公示无异议，申请人刘某（{ID_ALSO_USCC}）列入救助名单。")
    assert "pii.resident_id" in rules_at(report, "block")


def test_real_uscc_still_allowed_and_all_digit_needs_org_code() -> None:
    assert scan_text("统一社会信用代码：91110000600037341L").verdict == "pass"
    assert v.uscc_organization("121000001000000249")  # embedded 组织机构代码 holds
    assert not v.uscc_organization("121000001000000337")  # USCC check only: not enough
    assert v.uscc_labelled("121000001000000337")  # …unless labelled 信用代码


@pytest.mark.parametrize(
    "written",
    [
        "110105 19500118 5445",  # 6-8-4
        "1101 0519 5001 1854 45",  # groups of four
        "110105-19500118-5445",
        "１１０１０５１９５００１１８５４４５",  # full-width digits
        "110105　19500118　5445",  # ideographic spaces
    ],
)
def test_id_written_in_groups_or_full_width(written: str) -> None:
    report = scan_text(f"申请人身份证号码：{written}，已审核。")
    assert "pii.resident_id" in rules_at(report, "block")


def test_id_split_across_adjacent_xlsx_cells() -> None:
    rows = [["姓名", "证件号码", "", ""], ["刘明", "110105", "19500118", "5445"]]
    report = scan(xlsx_of(rows), "a.xlsx")
    assert "pii.resident_id" in rules_at(report, "block")


def test_card_in_groups() -> None:
    report = scan_text("补贴发放账户：6217 0000 0000 0000 004")
    assert "pii.bank_card" in rules_at(report)


def test_future_birth_date_with_correct_check_digit_is_never_valid() -> None:
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    future = id_with(f"110105{tomorrow:%Y%m%d}001")
    far = id_with("11010520991231001")
    past = id_with("11010519991231001")
    for number in (future, far):
        assert v.id_check_char(number[:17]) == number[17]  # the check digit is right
        assert not v.resident_id(number)
        assert not v.resident_id_probable(number)
        assert "pii.resident_id" not in rules_at(scan_text(f"身份证号 {number}"))
    assert v.resident_id(past)  # the same number with a past date is valid


@pytest.mark.parametrize(
    ("text", "rule", "severity"),
    [
        ("身份证号码：110105501118544", "pii.resident_id_15", "review"),
        (f"港澳台居民居住证：{id_with('81000019940823002')}", "pii.residence_permit", "block"),
        (f"居住证号码 {id_with('83000019900101001')}", "pii.residence_permit", "block"),
        (f"永居证号码 {id_with('93184019800101001')}", "pii.foreign_permanent_id", "block"),
        ("外国人永久居留身份证 USA118001011234", "pii.foreign_permanent_id_old", "review"),
        ("港澳居民来往内地通行证号码：H12345678", "pii.hk_macau_permit", "review"),
        ("台湾居民来往大陆通行证：01234567", "pii.taiwan_permit", "review"),
        ("护照号码：EA1234567", "pii.passport", "review"),
        ("军官证号：南字第2019001号", "pii.military_id", "review"),
        ("社会保障卡卡号 A12345678", "pii.social_security_card", "review"),
    ],
)
def test_each_identifier_kind_with_its_context(text: str, rule: str, severity: str) -> None:
    assert rule in rules_at(scan_text(text), severity)


@pytest.mark.parametrize(
    "text",
    [
        "港澳居民来往内地通行证号码：H1234567",  # one digit short
        "居住证号码 810000199408230022",  # wrong check digit
        "型号H12345678",  # no permit context
        "批准文号：国药准字H12345678",
        "社保卡办理点共12345678人次",
    ],
)
def test_identifier_look_alikes_do_not_fire(text: str) -> None:
    assert not {r for r in rules_at(scan_text(text)) if r.startswith("pii.")}


@pytest.mark.parametrize(
    ("masked", "exposed"),
    [
        ("44052419800101****", "出生日期（第7–14位）完整可见"),
        ("11****19491231**2X", "出生日期（第7–14位）完整可见"),
        ("1101051949****002X", "部分可见"),
        ("110105********00226", None),  # 19 characters: not an ID shape
    ],
)
def test_masking_that_is_not_masking_says_what_is_exposed(masked: str, exposed: str | None) -> None:
    got = [f for f in scan_text(f"身份证号 {masked}").findings if f.rule.startswith("pii.masked")]
    if exposed is None:
        assert got == []
    else:
        assert [f.severity for f in got] == ["review"] and exposed in got[0].reason


def test_mobile_with_too_few_stars_is_review() -> None:
    got = [f for f in scan_text("联系人手机 13812**5678").findings if f.rule.startswith("pii.")]
    assert [(f.rule, f.severity) for f in got] == [("pii.masked_mobile_nonstandard", "review")]
    assert "仅遮盖了 2 位" in got[0].reason
    assert scan_text("联系人手机 138****5678").verdict == "pass"


def test_relief_roster_with_landlines_and_home_addresses() -> None:
    rows = [
        ["序号", "户主姓名", "家庭住址", "住宅电话", "保障人数"],
        [1, "周建华", "幸福路12号3单元502室", "0632-6611582", 3],
        [2, "吴秀兰", "东风村3组15号", "(0632)7723419", 2],
    ]
    report = scan(xlsx_of(rows), "低保名单.xlsx")
    assert report.verdict == "block"
    got = {(f.rule, f.severity) for f in report.findings}
    assert ("pii.address_in_roster", "block") in got
    assert ("pii.landline_private", "block") in got  # 住宅电话 column + a name in the row
    rows[0][3] = "电话"
    got = {(f.rule, f.severity) for f in scan(xlsx_of(rows), "b.xlsx").findings}
    assert ("pii.landline_in_roster", "review") in got  # any landline beside a name


def test_office_contact_numbers_stay_allowed() -> None:
    rows = [
        ["单位", "联系人", "办公电话"],
        ["区民政局", "周建华", "0632-6611582"],
        ["区财政局", "吴秀兰", "0632-7723419"],
    ]
    report = scan(xlsx_of(rows), "通讯录.xlsx")
    assert not [f for f in report.findings if f.severity != "info" and f.rule.startswith("pii.")]
    prose = scan_text("咨询电话：0632-6611582；办公地址：幸福路12号。")
    assert prose.verdict == "pass"


def test_private_landline_and_home_address_in_prose() -> None:
    report = scan_text("经核实，申请人家庭住址：幸福路12号3单元502室，家庭电话：0632-6611582。")
    assert {"pii.home_address", "pii.landline_private"} <= rules_at(report, "review")


# ------------------------------------------------------------------------------ residue


def test_pdf_earlier_revision_holds_a_full_id() -> None:
    original = pb.text_pdf([[f"经审核，申请人刘某（身份证号{ID_ALSO_USCC}）符合条件。"]])
    cleaned = pb.text_pdf([["经审核，申请人刘某符合条件。"]])
    report = scan(pb.incremental_update(original, cleaned), "a.pdf")
    hit = [f for f in report.findings if f.rule == "pii.resident_id"]
    assert hit and hit[0].location.part == "earlier_revision" and report.verdict == "block"
    assert "residue.earlier_revision" in rules_at(report, "review")
    # the current revision alone is clean
    assert scan(cleaned, "b.pdf").verdict == "pass"


def test_pdf_javascript_is_a_finding() -> None:
    report = scan(pb.with_javascript(pb.text_pdf([["本通知自发布之日起施行。"]])), "a.pdf")
    assert "residue.javascript" in rules_at(report, "review")


@pytest.mark.parametrize("base_off", [False, True])
def test_pdf_hidden_optional_content_layer(base_off: bool) -> None:
    pdf = pb.hidden_layer_pdf("Public notice", f"ID {ID_ALSO_USCC}", base_off=base_off)
    report = scan(pdf, "a.pdf")
    hit = [f for f in report.findings if f.rule == "pii.resident_id"]
    assert hit and hit[0].location.part == "hidden"
    assert "residue.hidden_layer" in rules_at(report, "review")


def test_pdf_attachment_scanned_like_a_document() -> None:
    inner = docx_of("秘密★1年", "关于调整工作安排的通知")
    pdf = pb.with_attachment(pb.text_pdf([["附件见文件。"]]), "附件1.docx", inner)
    assert "marking.secret_level" in rules_at(scan(pdf, "a.pdf"), "block")


def test_docx_photo_exif_author_and_gps() -> None:
    d = db.new_document()
    d.add_paragraph("现场检查照片如下。")
    data = db.with_photo(d, db.photo_jpeg("周建华", (39.90421, 116.40739)))
    report = scan(data, "a.docx")
    (note,) = [f for f in report.findings if f.rule == "residue.image_metadata"]
    assert note.severity == "review"
    assert "39.90421" in note.reason and "周建华" in note.reason


def test_docx_endnotes_are_scanned() -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<w:endnotes {db.NSDECL}>"
        '<w:endnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:endnote>'
        f'<w:endnote w:id="1"><w:p>{db.run("联系人刘明，身份证号" + ID_ALSO_USCC)}</w:p></w:endnote>'
        "</w:endnotes>"
    )
    data = db.repackage(
        docx_of("正文"),
        add={"word/endnotes.xml": xml.encode()},
        overrides=[
            (
                "/word/endnotes.xml",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml",
            )
        ],
        rels=[("word/_rels/document.xml.rels", "rIdEn1", "endnotes", "endnotes.xml")],
    )
    hit = [f for f in scan(data, "a.docx").findings if f.rule == "pii.resident_id"]
    assert hit and hit[0].location.part == "footnote"


def test_xlsx_zero_height_row_zero_width_column_and_white_text() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["项目", "金额", "备注"])
    ws.append(["办公用品", 1200, "已采购"])
    ws.append(["联系人", "刘明", ID_ALSO_USCC])
    ws["E2"] = "13812345678"
    ws.column_dimensions["E"].width = 5
    ws["A5"] = "内部资料"
    ws["A5"].font = Font(color="FFFFFFFF")
    data = xb.to_bytes(wb)
    # openpyxl writes no zero sizes: set them in the XML as Excel does when a row or column
    # is dragged shut (ht="0" / width="0", without hidden="1")
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    sheet = sheet.replace('<row r="3"', '<row r="3" ht="0" customHeight="1"', 1)
    sheet = sheet.replace('width="5"', 'width="0"', 1)
    report = scan(xb.replace_member(data, "xl/worksheets/sheet1.xml", sheet.encode()), "a.xlsx")
    parts = {f.rule: f.location.part for f in report.findings}
    assert parts.get("pii.resident_id") == "hidden"
    assert parts.get("pii.mobile") == "hidden"
    assert parts.get("marking.internal_material") == "hidden"
    assert "residue.hidden_cells" in parts


# --------------------------------------------------------------------------- size limits


def test_html_text_node_over_10_mb_is_scanned_whole() -> None:
    node = f"秘密★1年 身份证号 {ID_ALSO_USCC} " + "这是正文内容。" * 1_500_000
    report = scan(f"<html><body><p>{node}</p></body></html>".encode(), "a.html")
    assert {"marking.secret_level", "pii.resident_id"} <= rules_at(report, "block")


def test_text_beyond_the_limit_is_too_large_never_a_pass() -> None:
    from dataclasses import replace

    from secreview.config import Limits

    small = replace(CONFIG, limits=Limits(max_text_chars=200_000))
    node = "这是正文内容。" * 40_000
    for name, data in (
        ("a.html", f"<html><body><p>{node}</p></body></html>".encode()),
        ("a.txt", node.encode()),
    ):
        report = scan_bytes(data, name, small)
        assert report.verdict == "error" and report.error is not None
        assert report.error.code == "too_large"


def test_fixture_builders_make_real_files() -> None:
    # the PDF builders produce files pdfplumber opens as PDFs
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pb.hidden_layer_pdf("a", "b"))) as pdf:
        assert len(pdf.pages) == 1


def test_roster_with_health_conditions_and_minors() -> None:
    rows = [
        ["序号", "姓名", "病种", "年龄", "救助金额"],
        [1, "周建华", "尿毒症", 45, 3000],
        [2, "吴小兰", "白血病", 9, 5000],
    ]
    report = scan(xlsx_of(rows), "医疗救助名单.xlsx")
    got = {(f.rule, f.severity, f.location.cell) for f in report.findings}
    assert ("pii.health_in_roster", "block", "C2") in got
    assert ("pii.minor_in_roster", "review", "D3") in got
    assert ("pii.minor_in_roster", "review", "D2") not in got  # 45 is no minor


def test_statistics_table_with_a_disease_column_is_no_roster() -> None:
    rows = [["项目", "病种", "金额"], ["门诊统筹", "慢性病", 3000], ["住院", "无", 12000]]
    report = scan(xlsx_of(rows), "统计表.xlsx")
    assert report.verdict == "pass"


def test_docx_roster_table_with_disability_column() -> None:
    d = db.new_document()
    d.add_paragraph("残疾人两项补贴发放公示")
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [
            ["户主姓名", "残疾类别", "金额"],
            ["周建华", "肢体二级", "120"],
            ["吴秀兰", "视力一级", "120"],
        ]
    ):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    assert "pii.health_in_roster" in rules_at(scan(db.to_bytes(d), "a.docx"), "block")
