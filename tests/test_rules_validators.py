"""Validators on good and bad numbers (DOMAIN.md §5), and the ID checksum against the weights."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secreview.normalize import normalize
from secreview.rules import validators as v


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("11010519491231002X", True),  # GB 11643 example
        ("440524188001010014", True),  # GB 11643 example, area code of 1983–1993
        ("360426199101010071", True),  # python-stdnum doctest
        ("11010519491231002x", True),  # lowercase x accepted
        ("110105194912310021", False),  # check digit wrong
        ("110105194912310020", False),  # checksum off by one
        ("360426199101010072", False),  # checksum off by one
        ("110105199902300021", False),  # 1999-02-30 does not exist
        ("110105199913010021", False),  # month 13
        ("999999194912310028", False),  # unknown area code
        ("01010519491231002X", False),  # first digit 0
        ("1101051949123100XX", False),  # X only as the check character
        ("11010519491231002", False),  # 17 characters
        ("110105294912310023", False),  # born in 2949
    ],
)
def test_resident_id(number: str, valid: bool) -> None:
    assert v.resident_id(number) is valid


def test_unknown_area_code_has_valid_checksum_but_fails() -> None:
    first17 = "99999919491231002"
    number = first17 + v.id_check_char(first17)
    assert v.id_check_char(first17) == number[-1]
    assert not v.resident_id(number)
    assert v.resident_id_probable(number)


def test_full_width_digits() -> None:
    full = "１１０１０５１９４９１２３１００２Ｘ"
    assert v.resident_id(full)
    assert v.resident_id(normalize(full).text)
    assert normalize(full).text == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "probable"),
    [
        ("110105194912310021", True),  # checksum off, date fine
        ("11010519491231002X", False),  # valid → not "probable"
        ("110105199902300021", False),  # impossible date
        ("11010519491231002", False),  # wrong length
    ],
)
def test_resident_id_probable(number: str, probable: bool) -> None:
    assert v.resident_id_probable(number) is probable


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("110105491231002", True),
        ("440524800101001", True),
        ("110105491331002", False),  # month 13
        ("999999491231002", False),  # unknown area code
        ("11010549123100", False),  # 14 digits
    ],
)
def test_resident_id_15(number: str, valid: bool) -> None:
    assert v.resident_id_15(number) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("6217000000000000004", True),  # 19 digits, UnionPay
        ("6222000000000009", True),  # 16 digits
        ("4111111111111111", True),  # Visa test number
        ("4111 1111 1111 1111", True),  # grouped
        ("6217000000000000005", False),  # last digit changed
        ("6222000000000008", False),
        ("4111111111111112", False),
        ("1234567812345670", False),  # Luhn ok, but no 62/4/5 issuer prefix
        ("622200000000009", False),  # 15 digits
        ("440524188001010014", False),  # a valid ID is not a card even if Luhn passed
    ],
)
def test_bank_card(number: str, valid: bool) -> None:
    assert v.bank_card(number) is valid


def test_valid_id_that_passes_luhn_is_not_a_card() -> None:
    # find a real ID (valid checksum/date/area) that also passes Luhn: it must stay an ID
    from stdnum import luhn

    for seq in range(100, 1000):
        first17 = f"44052419800101{seq:03d}"
        number = first17 + v.id_check_char(first17)
        if number[-1] != "X" and luhn.is_valid(number):
            break
    assert v.resident_id(number)
    assert not v.bank_card(number)
    assert not v.luhn_number(number)


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("91110000600037341L", True),
        ("91110000600037341l", True),
        ("91110000600037341M", False),
        ("9111000060003734", False),
    ],
)
def test_uscc(code: str, valid: bool) -> None:
    assert v.uscc_code(code) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("13812345678", True),
        ("138-1234-5678", True),
        ("138 1234 5678", True),
        ("+86 138 1234 5678", True),
        ("+8613812345678", True),
        ("8619912345678", True),
        ("１３８１２３４５６７８", True),
        ("12812345678", False),  # 12x is not a mobile segment
        ("1381234567", False),  # 10 digits
        ("14012345678", False),  # 140 IoT/data segment
        ("+87 138 1234 5678", False),
    ],
)
def test_mobile(number: str, valid: bool) -> None:
    assert v.mobile(number) is valid


@pytest.mark.parametrize(
    ("plate", "valid"),
    [
        ("鲁D12345", True),
        ("京A·D12345", True),  # new energy, small
        ("粤B12345D", True),  # new energy, large
        ("鲁DABCDE", False),  # no digit
        ("鲁D1234", False),
        ("鲁DI2345", False),  # I is not used
    ],
)
def test_plate(plate: str, valid: bool) -> None:
    assert v.plate(plate) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("E12345678", True),
        ("EA1234567", True),
        ("G12345678", True),
        ("PE1234567", True),
        ("EI1234567", False),
        ("E1234567", False),
        ("X12345678", False),
    ],
)
def test_passport(number: str, valid: bool) -> None:
    assert v.passport(number) is valid


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("zhangsan123@163.com", True),
        ("li.si@qq.com", True),
        ("xxgk@tez.gov.cn", False),
        ("a@b", False),
        ("no-at-sign.com", False),
    ],
)
def test_email(address: str, valid: bool) -> None:
    assert v.email(address) is valid


@pytest.mark.parametrize(
    ("masked", "nonstandard"),
    [
        ("370402********123X", False),  # first 6, last 4, birth date hidden
        ("35*************123", False),  # first 2, last 3
        ("37040219******123X", True),  # birth year visible
        ("3704021949********", True),
        ("3*****************", False),
        ("11010519491231002X", False),  # not masked at all: not this validator's business
    ],
)
def test_masked_id_norm(masked: str, nonstandard: bool) -> None:
    assert bool(v.masked_id_nonstandard(masked)) is nonstandard


@pytest.mark.parametrize(
    ("masked", "nonstandard"),
    [("138****5678", False), ("138*****678", False), ("1381234*678", True), ("13812**5678", True)],
)
def test_masked_mobile_norm(masked: str, nonstandard: bool) -> None:
    assert bool(v.masked_mobile_nonstandard(masked)) is nonstandard


def test_registry_is_names_only() -> None:
    assert all(callable(f) and "." not in name for name, f in v.REGISTRY.items())


# --- hypothesis: the validator against our own GB 11643 weight formula ----------------------

WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2


def reference_check(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31))
areas = st.sampled_from(["110105", "440524", "360426", "370402", "320102", "510107"])


def test_weights_are_the_published_table() -> None:
    assert WEIGHTS == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


@settings(max_examples=300, deadline=None)
@given(area=areas, born=dates, seq=st.integers(0, 999))
def test_valid_ids_agree_with_weight_formula(area: str, born: datetime.date, seq: int) -> None:
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    check = reference_check(first17)
    assert v.id_check_char(first17) == check
    assert v.resident_id(first17 + check)
    assert v.resident_id(first17 + check.lower())
    for wrong in "0123456789X":
        if wrong != check:
            assert not v.resident_id(first17 + wrong)
            assert v.resident_id_probable(first17 + wrong)


@settings(max_examples=300, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=17, max_size=17),
    last=st.sampled_from("0123456789X"),
)
def test_random_numbers_valid_only_if_formula_says_so(digits: str, last: str) -> None:
    number = digits + last
    if v.resident_id(number):
        assert reference_check(digits) == last
        assert v.id_shape_and_date(number)
