"""The one person-name check used for author fields of DOCX, XLSX and PDF files."""

from __future__ import annotations

import pytest

from secreview.extract.people import looks_like_person_name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", True),
        ("王小明", True),
        ("欧阳明华", True),
        ("张 三", True),
        ("办公室", False),
        ("财政局", False),
        ("区教育局", False),
        ("区政府办", False),
        ("某某公司", False),
        ("某某科技有限公司", False),
        ("信息中心", False),
        ("区人民政府", False),
        ("人民政府", False),
        ("综合科", False),
        ("管理员", False),
        ("用户", False),
        ("微软用户", False),
        ("Administrator", False),
        ("anonymous", False),
        ("user", False),
        ("张", False),
        ("张三丰李四", False),
        ("台儿庄区政府信息公开办", False),
        ("", False),
    ],
)
def test_looks_like_person_name(value: str, expected: bool) -> None:
    assert looks_like_person_name(value) is expected
