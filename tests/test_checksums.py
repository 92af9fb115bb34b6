"""Check-character arithmetic: credit codes (GB 32100), ID-card numbers (GB 11643), Luhn."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.domain.checksums import (
    CREDIT_CODE_CHARS,
    credit_code_check_char,
    credit_code_problem,
    id_card_check_char,
    id_card_valid,
    luhn_valid,
)

# --- credit codes -------------------------------------------------------------------------------


def test_charset_is_the_31_characters_of_the_standard():
    assert CREDIT_CODE_CHARS == "0123456789ABCDEFGHJKLMNPQRTUWXY"
    assert len(CREDIT_CODE_CHARS) == 31  # the check is mod 31: one character per residue
    assert not set("IOZSV") & set(CREDIT_CODE_CHARS)


def test_check_char_worked_by_hand():
    # 9 1 3 5 0 1 0 0 M(21) 0 0 0 1 0 0 Y(30) 4, weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
    # 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 = 1640; 1640 mod 31 = 28; 31 - 28 = 3.
    assert credit_code_check_char("91350100M000100Y4") == "3"


def test_check_char_31_means_0():
    # A weighted sum that is a multiple of 31 gives c = 31, which the standard writes as "0".
    assert credit_code_check_char("0" * 17) == "0"
    assert credit_code_problem("0" * 18) is None


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the example used in GB 32100 explanations
        "12100000400000624D",  # a 事业单位 code (registration department 1, category 2)
        "91370700MA3C8UXA1G",  # computed: MA-series enterprise code, check "G"
        "000000000000000000",
    ],
)
def test_valid_codes(code):
    assert credit_code_problem(code) is None
    assert credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y4", "统一社会信用代码应为18位，实际为17位，请核对是否漏抄或多抄"),
        ("91350100M000100Y433", "统一社会信用代码应为18位，实际为19位，请核对是否漏抄或多抄"),
        ("", "统一社会信用代码应为18位，实际为0位，请核对是否漏抄或多抄"),
        ("91350100M000100Y44", "校验位应为“3”，实际为“4”，请核对代码是否抄错"),
        ("91370700MA3C8UXA1E", "校验位应为“G”，实际为“E”，请核对代码是否抄错"),
        ("91350100m000100Y43", "第9位“m”是小写字母，请使用大写“M”"),
        ("a1350100M000100Y43", "第1位“a”是小写字母，请使用大写“A”"),
        (
            "9O350100M000100Y43",
            "第2位“O”不是允许的字符：统一社会信用代码从不使用字母I、O、Z、S、V，这里可能是数字“0”",
        ),
        (
            "91350100M000I00Y43",
            "第13位“I”不是允许的字符：统一社会信用代码从不使用字母I、O、Z、S、V，这里可能是数字“1”",
        ),
        (
            "Z1350100M000100Y43",
            "第1位“Z”不是允许的字符：统一社会信用代码从不使用字母I、O、Z、S、V，这里可能是数字“2”",
        ),
        (
            "9S350100M000100Y43",
            "第2位“S”不是允许的字符：统一社会信用代码从不使用字母I、O、Z、S、V，这里可能是数字“5”",
        ),
        ("V1350100M000100Y43", "第1位“V”不是允许的字符：统一社会信用代码从不使用字母I、O、Z、S、V"),
        (
            "o1350100M000100Y43",
            "第1位“o”不是允许的字符：统一社会信用代码从不使用字母I、O、Z、S、V，这里可能是数字“0”",
        ),
        ("9135 0100M000100Y43", "第5位是空格，统一社会信用代码中间和前后都不能有空格"),
        ("９1350100M000100Y43", "第1位“９”是全角字符，请改用半角“9”"),
        ("91350100Ｍ000100Y43", "第9位“Ｍ”是全角字符，请改用半角“M”"),
        ("9135010中M000100Y43", "第8位“中”不是允许的字符：统一社会信用代码只由数字和大写英文字母组成"),
        ("91350100M000100Y4-", "第18位“-”不是允许的字符：统一社会信用代码只由数字和大写英文字母组成"),
    ],
)
def test_problem_messages(code, message):
    assert credit_code_problem(code) == message


def test_a_bad_character_is_reported_before_the_length():
    # "9135 0100…" is 19 characters only because of the space; naming the space helps more.
    assert credit_code_problem("9135 0100M000100Y43").startswith("第5位")


@pytest.mark.parametrize(
    "first17", ["91350100M000100Y", "91350100M000100Y43", "91350100O000100Y4", "9135010０M000100Y4"]
)
def test_check_char_rejects_bad_input(first17):
    with pytest.raises(ValueError):
        credit_code_check_char(first17)


credit_bodies = st.text(alphabet=CREDIT_CODE_CHARS, min_size=17, max_size=17)


@given(credit_bodies)
def test_completed_codes_are_valid(body):
    assert credit_code_problem(body + credit_code_check_char(body)) is None


@given(credit_bodies, st.integers(0, 17), st.integers(1, 30))
def test_any_single_substitution_is_caught(body, position, shift):
    # 31 is prime and no weight is 0 mod 31, so changing any one character changes the check.
    code = body + credit_code_check_char(body)
    wrong_char = CREDIT_CODE_CHARS[(CREDIT_CODE_CHARS.index(code[position]) + shift) % 31]
    wrong = code[:position] + wrong_char + code[position + 1 :]
    problem = credit_code_problem(wrong)
    assert problem is not None and problem.startswith("校验位应为")


# --- ID-card numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),  # the standard's own example
        ("37070219800101123", "X"),
        ("44030819990110151", "2"),
        ("37070219809909514", "3"),
    ],
)
def test_id_check_char(first17, check):
    assert id_card_check_char(first17) == check
    assert id_card_valid(first17 + check)


def test_id_check_char_worked_by_hand():
    # 1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 1*7 + 2*9 + 3*10 + 1*5
    # + 0*8 + 0*4 + 2*2 = 167; 167 mod 11 = 2; "10X98765432"[2] = "X".
    assert id_card_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("110105194912310021", False),
        ("11010519491231002", False),
        ("11010519491231002XX", False),
        ("1101051949123100X2", False),
        ("１1010519491231002X", False),  # full-width: callers normalise first
        ("", False),
    ],
)
def test_id_card_valid(number, valid):
    assert id_card_valid(number) is valid


@pytest.mark.parametrize(
    "first17", ["1101051949123100", "1101051949123100X", "11010519491231002X", "1101051949123100a"]
)
def test_id_check_char_rejects_bad_input(first17):
    with pytest.raises(ValueError):
        id_card_check_char(first17)


id_bodies = st.text(alphabet="0123456789", min_size=17, max_size=17)


@given(id_bodies, st.integers(0, 16), st.integers(1, 9))
def test_id_single_digit_change_is_caught(body, position, shift):
    number = body + id_card_check_char(body)
    assert id_card_valid(number)
    wrong = body[:position] + str((int(body[position]) + shift) % 10) + body[position + 1 :] + number[17]
    assert not id_card_valid(wrong)


# --- Luhn ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),
        ("4111111111111112", False),
        ("79927398713", True),
        ("79927398710", False),
        ("6222021234567890", False),
        ("0", True),
        ("", False),
        ("4111 1111 1111 1111", False),  # digits only; the privacy scan strips separators
        ("４111111111111111", False),
    ],
)
def test_luhn(digits, valid):
    assert luhn_valid(digits) is valid


@given(st.text(alphabet="0123456789", min_size=15, max_size=18), st.data())
def test_luhn_catches_single_digit_errors(body, data):
    check = next(d for d in "0123456789" if luhn_valid(body + d))
    number = body + check
    assert sum(luhn_valid(body + d) for d in "0123456789") == 1
    position = data.draw(st.integers(0, len(number) - 1))
    shift = data.draw(st.integers(1, 9))
    wrong = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert not luhn_valid(wrong)
