"""Named validators for regex rules — a fixed registry looked up by name, never an import path.

A validator takes the normalized matched text (or the rule's ``value`` group) and returns
True to confirm the hit or False to drop it (presidio's semantics without scores: a rule
that wants a weaker reading of the same shape uses a second validator, e.g.
``resident_id_probable``). Algorithms per ../shared/DOMAIN.md §5; checksums come from
python-stdnum where it fits (``stdnum.cn.ric``, ``stdnum.cn.uscc``, ``stdnum.luhn``).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

Validator = Callable[[str], bool]

_SEPARATORS = re.compile(r"[\s\-–—]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_MIN_BIRTH_YEAR = 1850  # GB 11643's own example is born in 1880


def compact(value: str) -> str:
    """NFKC (full-width digits → ASCII), spaces and dashes dropped, upper-case (x → X)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def id_check_char(first17: str) -> str:
    """GB 11643 / ISO 7064 MOD 11-2 check character from the weight table (reference form)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


@lru_cache(maxsize=4096)
def known_area_code(code: str) -> bool:
    """True if python-stdnum's GB/T 2260 table has this 6-digit code at any time.

    stdnum also checks that the county existed in the birth year, but an ID keeps the code of
    the place of first registration (GB 11643's own example 440524188001010014 was born 1880
    and registered where 潮阳县 existed 1983–1993), so any year is accepted here.
    """
    from stdnum import numdb

    results = numdb.get("cn/loc").info(code)
    return any("county" in props for _part, props in results)


def _birth_date(yyyymmdd: str) -> datetime.date | None:
    try:
        born = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    if born.year < _MIN_BIRTH_YEAR or born > datetime.date.today():
        return None
    return born


def id_shape_and_date(value: str) -> bool:
    """18 characters, 17 digits + digit/X, first digit 1–9, a real birth date."""
    v = compact(value)
    return (
        len(v) == 18
        and v[:17].isdigit()
        and (v[17].isdigit() or v[17] == "X")
        and v[0] != "0"
        and _birth_date(v[6:14]) is not None
    )


def resident_id(value: str) -> bool:
    """A full 18-character 公民身份号码: checksum, birth date and a known area code."""
    v = compact(value)
    if not id_shape_and_date(v):
        return False
    try:
        ric.get_birth_date(v)
        if ric.calc_check_digit(v) != v[17]:
            return False
    except ValidationError:
        return False
    return known_area_code(v[:6])


def resident_id_probable(value: str) -> bool:
    """ID shape and a valid birth date but NOT a valid ID (checksum off, unknown area code).

    Used with context words (身份证, 证件号码): a mistyped number is still a person's number.
    """
    return id_shape_and_date(value) and not resident_id(value)


def resident_id_15(value: str) -> bool:
    """Legacy 15-digit ID: known area code + YYMMDD (19YY) + 3-digit sequence, no checksum."""
    v = compact(value)
    if len(v) != 15 or not v.isdigit() or v[0] == "0":
        return False
    return _birth_date("19" + v[6:12]) is not None and known_area_code(v[:6])


def uscc_code(value: str) -> bool:
    """统一社会信用代码 (GB 32100): checksum via python-stdnum."""
    return bool(uscc.is_valid(compact(value)))


def luhn_number(value: str) -> bool:
    """16–19 digits passing Luhn (any issuer)."""
    v = compact(value)
    return v.isdigit() and 16 <= len(v) <= 19 and luhn.is_valid(v) and not _looks_like_id(v)


def bank_card(value: str) -> bool:
    """16–19 digits, Luhn, issuer prefix 62 (UnionPay), 4 (Visa) or 5 (Mastercard)."""
    v = compact(value)
    return luhn_number(v) and (v.startswith("62") or v[0] in "45")


def _looks_like_id(v: str) -> bool:
    # An 18-digit resident ID passes Luhn one time in ten; it is an ID, not a card.
    return len(v) == 18 and id_shape_and_date(v) and known_area_code(v[:6])


_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")


def mobile(value: str) -> bool:
    """11-digit mobile 1[3-9]xxxxxxxxx, optional +86/86, separators allowed; not 10x/11x/12x."""
    m = _MOBILE.fullmatch(compact(value))
    if m is None:
        return False
    number = m.group(1)
    # 140–144 and 146 are data-only/IoT segments; 1[3-9] + 9 digits otherwise.
    return not number.startswith(("140", "141", "142", "143", "144", "146"))


_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-Z](?:[A-HJ-NP-Z0-9]{5}|[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF])[挂学警港澳领试超]?"
)


def plate(value: str) -> bool:
    """Ordinary or new-energy vehicle plate; the sequence needs at least one digit."""
    v = _SEPARATORS.sub("", value).upper().replace("·", "").replace("•", "")
    return _PLATE.fullmatch(v) is not None and any(c.isdigit() for c in v[2:])


_PASSPORT = re.compile(r"E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8}|[PSD]E\d{7}|K\d{8}|MA\d{7}")


def passport(value: str) -> bool:
    return _PASSPORT.fullmatch(compact(value)) is not None


_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
_PUBLIC_EMAIL_SUFFIXES = (".gov.cn", ".org.cn", ".edu.cn", ".ac.cn")


def email(value: str) -> bool:
    """An e-mail address; office domains (.gov.cn, .org.cn, .edu.cn) are published contacts."""
    m = _EMAIL.fullmatch(value)
    if m is None:
        return False
    domain = m.group(1).lower()
    return not domain.endswith(_PUBLIC_EMAIL_SUFFIXES) and domain.rsplit(".", 1)[-1].isalpha()


def masked_id_nonstandard(value: str) -> bool:
    """A masked 18-character ID whose masking does not follow DOMAIN.md §4.

    Norm: keep the first 2–6 and last 3–4 characters; the birth date (positions 7–14)
    is always hidden. True (= report as info) when a birth-date digit is visible or more
    than 6 leading / 4 trailing characters are shown.
    """
    v = compact(value)
    if len(v) != 18 or "*" not in v:
        return False
    lead = len(v) - len(v.lstrip("0123456789X"))
    trail = len(v) - len(v.rstrip("0123456789X"))
    birth_visible = any(c != "*" for c in v[6:14])
    return birth_visible or lead > 6 or trail > 4


def masked_mobile_nonstandard(value: str) -> bool:
    """A masked 11-digit mobile that shows more than 3 leading + 4 trailing digits."""
    v = compact(value)
    if v.startswith("+86"):
        v = v[3:]
    if len(v) != 11 or "*" not in v:
        return False
    return v.count("*") < 4


REGISTRY: dict[str, Validator] = {
    "resident_id": resident_id,
    "resident_id_probable": resident_id_probable,
    "resident_id_15": resident_id_15,
    "uscc": uscc_code,
    "luhn": luhn_number,
    "bank_card": bank_card,
    "mobile": mobile,
    "plate": plate,
    "passport": passport,
    "email": email,
    "masked_id_nonstandard": masked_id_nonstandard,
    "masked_mobile_nonstandard": masked_mobile_nonstandard,
}
