"""Generated sets of valid and invalid personal numbers (ID, bank card, permit), written in
the forms they take in real documents, with and without context words.

Used by tests/test_identifier_sets.py (a small sample) and bench/bench_identifiers.py (≥ 10,000
of each). Every number is synthetic: random area codes from python-stdnum's GB/T 2260 table,
random dates, sequence numbers and Luhn bodies.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from secreview.rules.validators import id_check_char

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@dataclass(frozen=True)
class Case:
    kind: str  # id | card | permit
    valid: bool
    context: bool
    number: str  # as written
    text: str  # the sentence around it


@lru_cache(maxsize=1)
def county_codes() -> tuple[str, ...]:
    from stdnum import numdb

    codes = []
    for _len, lo, hi, _props, children in numdb.get("cn/loc").prefixes:
        for prov in range(int(lo), int(hi) + 1):
            if prov in (81, 82, 83):
                continue  # 港澳台: residence permits, not resident IDs
            for _clen, clo, chi, props, _c in children:
                if "county" not in props or clo.endswith("00"):
                    continue
                codes.extend(f"{prov:02d}{c:04d}" for c in range(int(clo), int(chi) + 1))
    return tuple(codes)


def _date(rng: random.Random, lo: datetime.date, hi: datetime.date) -> datetime.date:
    return lo + datetime.timedelta(days=rng.randrange((hi - lo).days))


def _spell(rng: random.Random, digits: str, groups: tuple[tuple[int, ...], ...]) -> str:
    """The number plain, grouped with spaces or hyphens, or in full-width digits."""
    form = rng.randrange(5)
    if form == 0:
        return digits
    if form == 4:
        return digits.translate(FULL_WIDTH)
    sizes = rng.choice(groups)
    sep = " " if form in (1, 2) else "-"
    out, pos = [], 0
    for size in sizes:
        out.append(digits[pos : pos + size])
        pos += size
    if pos < len(digits):
        out.append(digits[pos:])
    return sep.join(out)


def resident_id(rng: random.Random, valid: bool) -> str:
    area = rng.choice(county_codes())
    today = datetime.date.today()
    born = _date(rng, datetime.date(1930, 1, 1), today)
    mode = 0 if valid else rng.randrange(3)
    if mode == 2:  # a date in the future with a CORRECT check digit
        born = _date(rng, today + datetime.timedelta(days=1), datetime.date(2099, 12, 31))
    body = f"{area}{born:%Y%m%d}{rng.randrange(1000):03d}"
    if mode == 1:  # an impossible month
        body = body[:10] + f"{rng.randrange(13, 100):02d}" + body[12:]
    check = id_check_char(body)
    if not valid and mode == 0:
        check = rng.choice([c for c in "0123456789X" if c != check])
    return _spell(rng, body + check, ((6, 8, 4), (6, 4, 4, 4), (4, 4, 4, 4, 2), (3, 3, 4, 4, 4)))


def _luhn_check(body: str) -> str:
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d)
        if i % 2 == 0:
            n *= 2
            n = n - 9 if n > 9 else n
        total += n
    return str((10 - total % 10) % 10)


def bank_card(rng: random.Random, valid: bool) -> str:
    length = rng.choice((16, 16, 17, 18, 19, 19))
    prefix = rng.choice(("62", "62", "62", "4", "5"))
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - 1 - len(prefix)))
    check = _luhn_check(body)
    if not valid:
        check = str((int(check) + rng.randrange(1, 10)) % 10)
    return _spell(rng, body + check, ((4, 4, 4, 4), (6, 13), (4, 4, 4, 4, 3)))


def permit(rng: random.Random, valid: bool) -> str:
    """港澳台居民居住证 (810000/820000/830000) or 2023 外国人永久居留身份证 (9 …)."""
    born = _date(rng, datetime.date(1930, 1, 1), datetime.date.today())
    if rng.random() < 0.5:
        head = rng.choice(("810000", "820000", "830000"))
    else:
        head = (
            "9" + rng.choice(("11", "31", "44", "32", "33", "51")) + f"{rng.randrange(4, 900):03d}"
        )
    body = f"{head}{born:%Y%m%d}{rng.randrange(1000):03d}"
    check = id_check_char(body)
    if not valid:
        check = rng.choice([c for c in "0123456789X" if c != check])
    return _spell(rng, body + check, ((6, 8, 4),))


CONTEXT = {
    "id": ("身份证号码：{n}", "申请人 张某，公民身份号码 {n}。", "证件号码 {n}"),
    "card": ("代发银行卡号：{n}", "收款账号 {n}（某农商银行）", "开户行账号：{n}"),
    "permit": ("居住证号码：{n}", "证件号码 {n}（永久居留身份证）", "港澳台居民居住证 {n}"),
}
NEUTRAL = ("第三栏 {n} 已核对。", "{n}", "编列 {n} 备查")
MAKERS: dict[str, Callable[[random.Random, bool], str]] = {
    "id": resident_id,
    "card": bank_card,
    "permit": permit,
}


def cases(kind: str, n: int, seed: int = 12) -> Iterator[Case]:
    """``n`` valid and ``n`` invalid numbers of ``kind``, each with and without context."""
    rng = random.Random(f"{kind}:{seed}")
    for valid in (True, False):
        for _ in range(n):
            number = MAKERS[kind](rng, valid)
            yield Case(kind, valid, True, number, rng.choice(CONTEXT[kind]).format(n=number))
            yield Case(kind, valid, False, number, rng.choice(NEUTRAL).format(n=number))
