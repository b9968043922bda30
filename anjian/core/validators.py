"""Validators for Chinese identifiers: 统一社会信用代码, 施工许可证编号, phone numbers."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError

# GB 32100-2015: 31 characters, the letters I, O, Z, S and V are never used.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
CREDIT_CODE_LENGTH = 18
# 登记管理部门代码: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会,
# 9 工商 (市场监管), A 中央军委改革和编制办公室, N 农业, Y 其他.
CREDIT_CODE_AUTHORITIES = "123456789ANY"

# 施工许可证编号 专业分类码 (17th–18th digit), as listed by 建设部.
PERMIT_CLASSES = {
    "01": "一般工业与民用建筑工程",
    "02": "冶金有色工业建筑安装工程",
    "03": "煤炭工业建筑安装工程",
    "04": "石油工业建筑安装工程",
    "05": "化学工业建筑安装工程",
    "06": "电力工业建筑安装工程",
    "07": "建材工业建筑安装工程",
    "08": "森林工业建筑安装工程",
    "09": "轻纺工业建筑安装工程",
    "10": "水利建筑工程",
    "11": "铁路建筑工程",
    "12": "公路建筑工程",
    "13": "港口建筑工程",
    "14": "航空航天建筑安装工程",
    "15": "邮电通信电子设备安装工程",
    "16": "热力及燃气建筑安装工程",
    "17": "给排水工程",
    "18": "市政桥梁工程",
    "19": "其他工程",
}
# Permits exist since the 1998 建筑法; older dates in a structured number are typos.
PERMIT_MIN_YEAR = 1990
PERMIT_STRUCTURED_RE = re.compile(r"^(\d{6})(\d{8})(\d{2})(\d{2})$")
PERMIT_ALTERNATIVE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{8,28}[0-9A-Za-z]$")

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d+)?$")

MSG_CREDIT_LENGTH = "统一社会信用代码应为18位"
MSG_CREDIT_CHARS = "统一社会信用代码含有非法字符（不使用I、O、Z、S、V）"
MSG_CREDIT_AUTHORITY = "统一社会信用代码首位（登记管理部门代码）不正确"
MSG_CREDIT_CHECK = "统一社会信用代码校验位不正确"
MSG_PERMIT_DATE = "施工许可证编号中的日期不正确"
MSG_PERMIT_CLASS = "施工许可证编号的专业分类码应为01–19"
MSG_PERMIT_FORMAT = "施工许可证编号格式不正确"
MSG_PHONE = "电话号码格式不正确"


def _clean(value) -> str:
    """Return the value as text with full-width characters folded and outer spaces removed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def normalize_credit_code(value) -> str:
    """Return a credit code in the canonical form: half-width, trimmed, upper case."""
    return _clean(value).upper()


def credit_code_check_char(body17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a credit code."""
    body = body17.upper()
    if len(body) != CREDIT_CODE_LENGTH - 1:
        raise ValueError("body17 must have 17 characters")
    try:
        total = sum(
            CREDIT_CODE_CHARSET.index(char) * weight
            for char, weight in zip(body, CREDIT_CODE_WEIGHTS, strict=True)
        )
    except ValueError:
        raise ValueError("body17 contains a character outside the GB 32100 charset") from None
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def make_credit_code(body17: str) -> str:
    """Return the full 18-character credit code for a 17-character body."""
    body = body17.upper()
    return body + credit_code_check_char(body)


def validate_credit_code(value) -> None:
    """Raise ValidationError unless the value is a well-formed 统一社会信用代码."""
    code = normalize_credit_code(value)
    if len(code) != CREDIT_CODE_LENGTH:
        raise ValidationError(MSG_CREDIT_LENGTH, code="credit_code_length")
    if any(char not in CREDIT_CODE_CHARSET for char in code):
        raise ValidationError(MSG_CREDIT_CHARS, code="credit_code_chars")
    if code[0] not in CREDIT_CODE_AUTHORITIES:
        raise ValidationError(MSG_CREDIT_AUTHORITY, code="credit_code_authority")
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(MSG_CREDIT_CHECK, code="credit_code_check")


def normalize_permit_number(value) -> str:
    """Return a permit number half-width and trimmed, letters in upper case."""
    return _clean(value).upper()


def _permit_date(digits: str) -> datetime.date | None:
    """Return the yyyymmdd digits as a date, or None when no such day exists."""
    try:
        day = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    return day if day.year >= PERMIT_MIN_YEAR else None


def parse_permit_number(value) -> dict | None:
    """Split an 18-digit permit number into area, date, seq and klass, or return None."""
    match = PERMIT_STRUCTURED_RE.match(normalize_permit_number(value))
    if not match:
        return None
    area, digits, seq, klass = match.groups()
    day = _permit_date(digits)
    if day is None or klass not in PERMIT_CLASSES:
        return None
    return {"area": area, "date": day, "seq": seq, "klass": klass}


def validate_permit_number(value) -> None:
    """Raise ValidationError unless the value looks like a 施工许可证编号."""
    number = normalize_permit_number(value)
    match = PERMIT_STRUCTURED_RE.match(number)
    if match:
        _area, digits, _seq, klass = match.groups()
        if _permit_date(digits) is None:
            raise ValidationError(MSG_PERMIT_DATE, code="permit_date")
        if klass not in PERMIT_CLASSES:
            raise ValidationError(MSG_PERMIT_CLASS, code="permit_class")
        return
    if not PERMIT_ALTERNATIVE_RE.match(number):
        raise ValidationError(MSG_PERMIT_FORMAT, code="permit_format")


def validate_phone(value) -> None:
    """Raise ValidationError unless the value is a Chinese mobile or landline number."""
    phone = _clean(value)
    if not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        raise ValidationError(MSG_PHONE, code="phone")
