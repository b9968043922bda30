"""Tests for the Chinese identifier validators (no database, no settings)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from anjian.core.validators import (
    CREDIT_CODE_WEIGHTS,
    credit_code_check_char,
    make_credit_code,
    normalize_credit_code,
    parse_permit_number,
    validate_credit_code,
    validate_permit_number,
    validate_phone,
)

# Published codes of well-known companies; each one's check character was recomputed here.
REAL_CREDIT_CODES = [
    "914403001922038216",  # 华为技术有限公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "9144030071526726XG",  # 腾讯科技（深圳）有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91110000802100433B",  # 北京百度网讯科技有限公司
    "91350100M000100Y43",  # the sample code quoted in many GB 32100 write-ups
]


def refusal_message(validator, value) -> str:
    """Return the single message the validator raises for the value."""
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value.messages[0]


def test_credit_code_weights_are_powers_of_three_mod_31():
    assert list(CREDIT_CODE_WEIGHTS) == [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ]  # fmt: skip


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_check_char_of_real_published_codes_is_recomputed(code):
    assert credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_published_credit_codes_are_accepted(code):
    validate_credit_code(code)


def test_check_char_31_wraps_to_zero():
    # The weighted sum of seventeen zeros is 0, so 31 - 0 = 31 becomes "0".
    assert credit_code_check_char("0" * 17) == "0"


def test_make_credit_code_appends_a_check_char_that_validates():
    code = make_credit_code("91110112MA01abcd1")
    assert code.startswith("91110112MA01ABCD1")
    validate_credit_code(code)


def test_credit_code_in_lower_case_or_full_width_with_spaces_is_accepted():
    validate_credit_code(" 91330100799655058b ")
    validate_credit_code("９１３３０１００７９９６５５０５８Ｂ")
    assert normalize_credit_code(" 9144030071526726xg ") == "9144030071526726XG"


@pytest.mark.parametrize("value", ["", "91330100799655058", "91330100799655058BB", None])
def test_credit_code_of_wrong_length_is_refused_in_chinese(value):
    assert refusal_message(validate_credit_code, value) == "统一社会信用代码应为18位"


@pytest.mark.parametrize(
    "value", ["91330100799655O58B", "9133010079965505IB", "91330100-99655058B"]
)
def test_credit_code_with_letters_i_o_z_s_v_or_symbols_is_refused_in_chinese(value):
    assert refusal_message(validate_credit_code, value) == (
        "统一社会信用代码含有非法字符（不使用I、O、Z、S、V）"
    )


def test_credit_code_with_unknown_registration_authority_is_refused_in_chinese():
    code = make_credit_code("B1330100799655058")
    assert refusal_message(validate_credit_code, code) == (
        "统一社会信用代码首位（登记管理部门代码）不正确"
    )


def test_credit_code_with_wrong_check_char_is_refused_in_chinese():
    assert refusal_message(validate_credit_code, "914403001922038217") == (
        "统一社会信用代码校验位不正确"
    )


def test_credit_code_with_two_digits_swapped_is_refused():
    with pytest.raises(ValidationError):
        validate_credit_code("914403001922038126")


def test_check_char_refuses_a_body_of_the_wrong_length():
    with pytest.raises(ValueError):
        credit_code_check_char("9144030019220382")


@pytest.mark.parametrize(
    "value",
    [
        "110112202305120201",  # 2023-05-12, 2nd that day, 一般工业与民用建筑
        "110112202402290118",  # leap day, 市政桥梁
        "110112202111300119",  # 其他工程
        "110112201912310117",  # 给排水
    ],
)
def test_structured_permit_numbers_are_accepted(value):
    validate_permit_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "BJ-TZ-2023-000125",
        "11011220230512A001",
        "1101122023051201010",  # 19 digits: not the structured form
        "ZJ2023-0456-01",
    ],
)
def test_other_e_licence_formats_are_accepted_loosely(value):
    validate_permit_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "110112202302300101",  # 30 February
        "110112202313010101",  # month 13
        "110112202304310101",  # 31 April
        "110112198905120101",  # before permits existed
    ],
)
def test_permit_number_with_an_impossible_date_is_refused_in_chinese(value):
    assert refusal_message(validate_permit_number, value) == "施工许可证编号中的日期不正确"


@pytest.mark.parametrize(
    "value", ["110112202305120100", "110112202305120120", "110112202305120199"]
)
def test_permit_number_with_class_outside_01_to_19_is_refused_in_chinese(value):
    assert refusal_message(validate_permit_number, value) == "施工许可证编号的专业分类码应为01–19"


@pytest.mark.parametrize(
    "value", ["", "12345", "京建施〔2023〕12号", "-110112202305120-", "A" * 31]
)
def test_malformed_permit_number_is_refused_in_chinese(value):
    assert refusal_message(validate_permit_number, value) == "施工许可证编号格式不正确"


def test_parse_permit_number_splits_area_date_sequence_and_class():
    assert parse_permit_number(" 110112202305120218 ") == {
        "area": "110112",
        "date": datetime.date(2023, 5, 12),
        "seq": "02",
        "klass": "18",
    }


@pytest.mark.parametrize("value", ["BJ-TZ-2023-000125", "110112202302300101", "110112202305120120"])
def test_parse_permit_number_returns_none_for_other_or_invalid_forms(value):
    assert parse_permit_number(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "19912345678",
        "010-69541234",
        "01069541234",
        "0316-2345678",
        "010-69541234-801",
    ],
)
def test_mobile_and_landline_numbers_are_accepted(value):
    validate_phone(value)


@pytest.mark.parametrize(
    "value",
    [
        "12812345678",
        "1381234567",
        "138123456789",
        "69541234",
        "010-695412",
        "+86 13812345678",
        "电话",
    ],
)
def test_malformed_phone_number_is_refused_in_chinese(value):
    assert refusal_message(validate_phone, value) == "电话号码格式不正确"
