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

# A validator confirms (True, or a non-empty str: the confirmation plus a detail the finding's
# reason shows through "{detail}", e.g. which part of a masked number is exposed) or drops
# (False, None, "").
Validator = Callable[[str], bool | str | None]

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
    """A full 18-character 公民身份号码: checksum, birth date and a known area code.

    The codes of the 港澳台居民居住证 (810000/820000/830000) are ``residence_permit``'s.
    """
    v = compact(value)
    if not id_shape_and_date(v) or v[:6] in HMT_PERMIT_CODES:
        return False
    try:
        ric.get_birth_date(v)
        if ric.calc_check_digit(v) != v[17]:
            return False
    except ValidationError:
        return False
    return known_area_code(v[:6])


# 港澳台居民居住证 (2018): the 公民身份号码 scheme with these address codes.
HMT_PERMIT_CODES = frozenset(("810000", "820000", "830000"))


def _mod11_2_ok(v: str) -> bool:
    return v[:17].isdigit() and id_check_char(v[:17]) == v[17]


def residence_permit(value: str) -> bool:
    """港澳台居民居住证 number: 810000/820000/830000 + birth date + sequence + GB 11643 check."""
    v = compact(value)
    return len(v) == 18 and v[:6] in HMT_PERMIT_CODES and id_shape_and_date(v) and _mod11_2_ok(v)


@lru_cache(maxsize=1)
def _province_codes() -> frozenset[str]:
    from stdnum import numdb

    db = numdb.get("cn/loc")
    return frozenset(
        code for code in (f"{n:02d}" for n in range(10, 100)) if db.info(code + "0000")[0][1]
    )


def foreign_permanent_id(value: str) -> bool:
    """外国人永久居留身份证, 2023 edition: 18 digits modelled on the 公民身份号码 — "9" (the
    foreigner marker: resident IDs start with 1–8), 2-digit 受理地 (a province code), 3-digit
    nationality code, 8-digit birth date (positions 7–14), 3-digit sequence, MOD 11-2 check."""
    v = compact(value)
    return (
        len(v) == 18
        and v[0] == "9"
        and v[1:3] in _province_codes()
        and _birth_date(v[6:14]) is not None
        and _mod11_2_ok(v)
    )


_FOREIGN_2017 = re.compile(r"[A-Z]{3}(\d{2})(\d{6})\d{4}")


def foreign_permanent_id_old(value: str) -> bool:
    """外国人永久居留身份证 before 2023 (2004 and 2017 editions): 15 characters, a 3-letter
    nationality code + 12 digits (2-digit 受理地 province code, YYMMDD birth date, 4 more
    digits). No public check-digit rule: use with context words."""
    m = _FOREIGN_2017.fullmatch(compact(value))
    if m is None or m.group(1) not in _province_codes():
        return False
    yymmdd = m.group(2)
    return any(_birth_date(c + yymmdd) is not None for c in ("19", "20"))


_HK_MACAU_PERMIT = re.compile(r"[HM]\d{8}(?:\d{2})?")


def hk_macau_permit(value: str) -> bool:
    """港澳居民来往内地通行证: H (香港) / M (澳门) + 8-digit lifelong number (+ 2-digit count)."""
    return _HK_MACAU_PERMIT.fullmatch(compact(value)) is not None


def taiwan_permit(value: str) -> bool:
    """台湾居民来往大陆通行证: 8 digits since the 2015 card (older booklets: 10 digits)."""
    v = compact(value)
    return v.isdigit() and len(v) in (8, 10)


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


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def organization_code_ok(code9: str) -> bool:
    """组织机构代码 (GB 11714): 8 body characters + check character (0–9 or X)."""
    if len(code9) != 9 or any(c not in _ORG_CHARS for c in code9[:8]):
        return False
    total = sum(_ORG_CHARS.index(c) * w for c, w in zip(code9[:8], _ORG_WEIGHTS, strict=True))
    check = (11 - total % 11) % 11
    return code9[8] == ("X" if check == 10 else str(check))


def personal_number(value: str) -> bool:
    """The number validates as a personal number: a resident ID, a 港澳台 residence permit, a
    foreign permanent-residence ID or a bank card — whatever else it may also pass."""
    v = compact(value)
    return resident_id(v) or residence_permit(v) or foreign_permanent_id(v) or bank_card(v)


def uscc_organization(value: str) -> bool:
    """An organisation's 统一社会信用代码 and not a personal number.

    GB 32100 checksum, and the number is no valid resident ID / permit / bank card (one in 31
    valid all-digit resident IDs also passes the USCC check). An all-digit code must also carry
    a valid embedded 组织机构代码 (positions 9–17, GB 11714): a number that merely happens to
    pass the USCC checksum does not. Labelled codes ("统一社会信用代码：…") use
    ``uscc_labelled``.
    """
    v = compact(value)
    if not uscc_code(v) or personal_number(v):
        return False
    return not v.isdigit() or organization_code_ok(v[8:17])


def uscc_labelled(value: str) -> bool:
    """A code after a 信用代码 label: the GB 32100 checksum and not a personal number."""
    v = compact(value)
    return uscc_code(v) and not personal_number(v)


def luhn_number(value: str) -> bool:
    """16–19 digits passing Luhn (any issuer)."""
    v = compact(value)
    return (
        v.isdigit()
        and 16 <= len(v) <= 19
        and luhn.is_valid(v)
        and not _looks_like_id(v)
        and not (len(v) == 18 and (residence_permit(v) or foreign_permanent_id(v)))
    )


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


MASK_CHARS = "*×xX●○■□#"
_MASK_TABLE = str.maketrans({c: "*" for c in "×●○■□#"})


def _masked(value: str) -> str:
    """Compact form with every masking character as "*" (x/X only where not a check digit)."""
    v = compact(value).translate(_MASK_TABLE)
    # "x"/"X" as a mask ("110105xxxxxxxx002X"): a run of them, not a lone final check digit
    return re.sub(r"X{2,}", lambda m: "*" * len(m.group()), v)


def _exposed(v: str, date_slice: slice, lead_max: int, trail_max: int, what: str) -> str:
    """Which part of a masked number ``v`` ("*" = hidden) is still readable, "" if none."""
    lead = len(v) - len(v.lstrip("0123456789X"))
    trail = len(v) - len(v.rstrip("0123456789X"))
    hidden = v.count("*")
    shown = len(v) - hidden
    problems: list[str] = []
    birth = v[date_slice]
    if date_slice.stop and any(c != "*" for c in birth):
        visible = "".join(c if c != "*" else "*" for c in birth)
        full = "*" not in birth
        problems.append(
            f"出生日期（第{date_slice.start + 1}–{date_slice.stop}位）"
            + ("完整可见" if full else f"部分可见（{visible}）")
        )
    if lead > lead_max:
        problems.append(f"保留了前 {lead} 位（至多 {lead_max} 位）")
    if trail > trail_max:
        problems.append(f"保留了后 {trail} 位（至多 {trail_max} 位）")
    if not problems and shown > lead_max + trail_max:
        problems.append(f"可见 {shown} 位")
    if not problems:
        return ""
    return f"{what}：" + "；".join(problems) + f"，仅遮盖了 {hidden} 位"


def masked_id_nonstandard(value: str) -> str:
    """A masked 18-character ID whose masking does not hide what DOMAIN.md §5 requires.

    Already masked = the birth date (positions 7–14) wholly hidden and at most the first 6 +
    last 4 characters visible. Returns what is exposed ("" when the masking is fine).
    """
    v = _masked(value)
    if len(v) != 18 or "*" not in v or not v.replace("*", "").isalnum():
        return ""
    if v.count("*") == 18:
        return ""
    return _exposed(v, slice(6, 14), 6, 4, "身份证号遮盖不足")


def masked_mobile_nonstandard(value: str) -> str:
    """A masked 11-digit mobile showing more than the first 3 + last 4 digits."""
    v = _masked(value)
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("86") and len(v) == 13:
        v = v[2:]
    if len(v) != 11 or "*" not in v or not v.startswith("1") or v.count("*") >= 4:
        return ""  # 138****5678 and stricter: fine
    return f"手机号遮盖不足：仅遮盖了 {v.count('*')} 位（应至少遮盖中间 4 位），可见 {11 - v.count('*')} 位"


def masked_card_nonstandard(value: str) -> str:
    """A masked 16–19 digit bank card showing more than the first 6 + last 4 digits."""
    v = _masked(value)
    if not 16 <= len(v) <= 19 or "*" not in v or not v.replace("*", "").isdigit():
        return ""
    if v.count("*") == len(v):
        return ""
    return _exposed(v, slice(0, 0), 6, 4, "银行卡号遮盖不足")


_LANDLINE = re.compile(r"\(?(0\d{2,3})\)?[- ]?([1-9]\d{6,7})(?:-\d{1,6})?")


def landline(value: str) -> bool:
    """区号 (010, 02x, 0xxx; not 0 followed by 0) + 7–8 digit local number (not 0/1 first)."""
    m = _LANDLINE.fullmatch(compact(value))
    if m is None:
        return False
    area, local = m.group(1), m.group(2)
    if area[1] == "0":
        return False
    # 010 and 02x are the 3-digit codes (with 8-digit numbers); the rest have 4 digits
    if len(area) == 3 and (area != "010" and area[1] != "2" or len(local) != 8):
        return False
    return local[0] not in "01"


_MILITARY = re.compile(r"(?:[\u4e00-\u9fff]{1,2}字第)?\d{6,8}号?")


def military_id(value: str) -> bool:
    """军官证/士兵证/文职干部证 number: "军字第 1234567 号" or 6–8 digits."""
    return _MILITARY.fullmatch(compact(value)) is not None


def social_security_card(value: str) -> bool:
    """社会保障卡 card number (卡号): a letter + 8 digits or 9 digits."""
    v = compact(value)
    return len(v) == 9 and v[1:].isdigit() and (v[0].isdigit() or "A" <= v[0] <= "Z")


REGISTRY: dict[str, Validator] = {
    "resident_id": resident_id,
    "resident_id_probable": resident_id_probable,
    "resident_id_15": resident_id_15,
    "residence_permit": residence_permit,
    "foreign_permanent_id": foreign_permanent_id,
    "foreign_permanent_id_old": foreign_permanent_id_old,
    "hk_macau_permit": hk_macau_permit,
    "taiwan_permit": taiwan_permit,
    "uscc": uscc_code,
    "uscc_organization": uscc_organization,
    "uscc_labelled": uscc_labelled,
    "luhn": luhn_number,
    "bank_card": bank_card,
    "mobile": mobile,
    "plate": plate,
    "passport": passport,
    "email": email,
    "masked_id_nonstandard": masked_id_nonstandard,
    "masked_mobile_nonstandard": masked_mobile_nonstandard,
    "masked_card_nonstandard": masked_card_nonstandard,
    "landline": landline,
    "military_id": military_id,
    "social_security_card": social_security_card,
}
