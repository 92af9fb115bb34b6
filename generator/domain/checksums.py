"""Check-character arithmetic for the identifiers the content carries.

Pure functions, no I/O. Three schemes:

- 统一社会信用代码 (unified social credit code, GB 32100-2015): 18 characters from
  `CREDIT_CODE_CHARS` (digits and upper-case letters without I, O, Z, S, V). The 18th character
  is a check character over the first 17: each character's index in `CREDIT_CODE_CHARS` times its
  weight (3^i mod 31), c = 31 - (sum mod 31), and c == 31 means index 0.
  `credit_code_problem(code)` is what validation reports to an editor: None for a valid code,
  otherwise one short Chinese sentence saying what is wrong and where. It checks the character
  set (every position, including 登记管理部门 and 机构类别 in positions 1 and 2), the length and
  the check character, and nothing more: which departments and categories exist is not ours to
  police.
- 居民身份证号码 (GB 11643-1999): 17 digits and a check character from "10X98765432" indexed by
  the weighted sum (2^(17-i) mod 11) mod 11. `id_card_valid` accepts an upper- or lower-case X.
- Luhn (bank cards): `luhn_valid` over ASCII digits.

Input is taken as written: these functions never normalise full-width characters or strip
spaces (the privacy scan normalises before it calls them); a non-ASCII digit simply fails.
"""

from __future__ import annotations

import unicodedata

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_LENGTH = 18
# Letters GB 32100 leaves out because they are easily mistaken for digits (I/1, O/0, Z/2, S/5)
# or for each other (V/U).
CREDIT_CODE_UNUSED_LETTERS = "IOZSV"

ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CARD_CHECK_CHARS = "10X98765432"

_ASCII_DIGITS = frozenset("0123456789")
_CREDIT_CODE_INDEX = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARS)}
_LOOKALIKE_DIGIT = {"I": "1", "O": "0", "Z": "2", "S": "5"}


def _ascii_digits(s: str) -> bool:
    return bool(s) and all(c in _ASCII_DIGITS for c in s)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a credit code whose first 17 characters are `first17`.

    Raises ValueError unless `first17` is 17 characters from `CREDIT_CODE_CHARS`.
    """
    if len(first17) != CREDIT_CODE_LENGTH - 1 or any(c not in _CREDIT_CODE_INDEX for c in first17):
        raise ValueError(f"not the first 17 characters of a credit code: {first17!r}")
    total = sum(_CREDIT_CODE_INDEX[c] * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None when `code` is a valid credit code, else a short Chinese explanation for the editor.

    Reports the first of: a character that is not allowed (with its 1-based position), a wrong
    length, a wrong check character.
    """
    for position, ch in enumerate(code, start=1):
        if ch not in _CREDIT_CODE_INDEX:
            return f"第{position}位{_why_not_allowed(ch)}"
    if len(code) != CREDIT_CODE_LENGTH:
        return f"统一社会信用代码应为{CREDIT_CODE_LENGTH}位，实际为{len(code)}位，请核对是否漏抄或多抄"
    expected = credit_code_check_char(code[:-1])
    if code[-1] != expected:
        return f"校验位应为“{expected}”，实际为“{code[-1]}”，请核对代码是否抄错"
    return None


def _why_not_allowed(ch: str) -> str:
    if ch.isspace():
        return "是空格，统一社会信用代码中间和前后都不能有空格"
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch and (folded in _CREDIT_CODE_INDEX or folded.upper() in _CREDIT_CODE_INDEX):
        return f"“{ch}”是全角字符，请改用半角“{folded.upper()}”"
    upper = ch.upper()
    if upper in CREDIT_CODE_UNUSED_LETTERS and ch.isascii():
        guess = _LOOKALIKE_DIGIT.get(upper)
        maybe = f"，这里可能是数字“{guess}”" if guess else ""
        return f"“{ch}”不是允许的字符：统一社会信用代码从不使用字母{'、'.join(CREDIT_CODE_UNUSED_LETTERS)}{maybe}"
    if ch.isascii() and ch.islower() and upper in _CREDIT_CODE_INDEX:
        return f"“{ch}”是小写字母，请使用大写“{upper}”"
    return f"“{ch}”不是允许的字符：统一社会信用代码只由数字和大写英文字母组成"


def id_card_check_char(first17: str) -> str:
    """The 18th character of an ID-card number whose first 17 characters are `first17`.

    Raises ValueError unless `first17` is 17 ASCII digits.
    """
    if len(first17) != 17 or not _ascii_digits(first17):
        raise ValueError(f"not the first 17 digits of an ID-card number: {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, ID_CARD_WEIGHTS))
    return ID_CARD_CHECK_CHARS[total % 11]


def id_card_valid(s: str) -> bool:
    """True for an 18-character ID-card number (17 ASCII digits, then a digit or X/x) whose check
    character is right. Never raises."""
    if len(s) != 18 or not _ascii_digits(s[:17]):
        return False
    return s[17].upper() == id_card_check_char(s[:17])


def luhn_valid(digits: str) -> bool:
    """True when `digits` is a non-empty string of ASCII digits that passes the Luhn check."""
    if not _ascii_digits(digits):
        return False
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
