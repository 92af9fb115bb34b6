"""The personal-data scan: what it finds, what it leaves alone, where it says it found it."""

from __future__ import annotations

import itertools
import re
import sys
import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.domain import privacy as privacy_module
from generator.domain.checksums import id_card_check_char, id_card_valid, luhn_valid
from generator.domain.privacy import BANK_CARD, DIGIT_CHARS, ID_CARD, MOBILE, Finding, mask, scan

ID_X = "11010519491231002X"  # GB 11643's example; valid
ID_DIGIT = "440308199901101512"  # computed check digit "2"
ID_AND_LUHN = "370702198099095143"  # valid ID check digit and also Luhn-valid
LUHN_18_NOT_ID = "370702198081454217"  # Luhn-valid, wrong ID check digit
CARD = "4111111111111111"


def kinds(text, **kw):
    return [(f.kind, f.text) for f in scan(text, **kw)]


# --- what is found ------------------------------------------------------------------------------


def test_mobile_between_chinese():
    text = "请联系13812345678谢谢"
    assert scan(text) == [Finding(MOBILE, 3, 14, "13812345678", "1381234****")]


def test_id_between_chinese():
    text = f"身份证号{ID_X}。"
    assert scan(text) == [Finding(ID_CARD, 4, 22, ID_X, "110105************")]


def test_id_with_lowercase_x():
    assert kinds("证件：11010519491231002x") == [(ID_CARD, "11010519491231002x")]


def test_card():
    assert scan(f"卡号{CARD}") == [Finding(BANK_CARD, 2, 18, CARD, "4111********1111")]


def test_fifteen_digits_are_always_an_id():
    assert scan("旧证370702800101123号") == [Finding(ID_CARD, 2, 17, "370702800101123", "370702*********")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话：138-1234-5678。", (MOBILE, "138-1234-5678")),
        ("电话：138 1234 5678。", (MOBILE, "138 1234 5678")),
        ("电话：+86 138 1234 5678", (MOBILE, "138 1234 5678")),
        ("电话：+86-138-1234-5678", (MOBILE, "138-1234-5678")),
        ("电话：+8613812345678", (MOBILE, "13812345678")),
        ("电话：8613812345678", (MOBILE, "13812345678")),
        ("电话（+86）13812345678", (MOBILE, "13812345678")),
        ("2025-07-15 138 1234 5678", (MOBILE, "138 1234 5678")),
        ("Tel13812345678", (MOBILE, "13812345678")),
        ("身份证 110105 19491231 002X 已核验", (ID_CARD, "110105 19491231 002X")),
        ("身份证 110105 1949 1231 002X", (ID_CARD, "110105 1949 1231 002X")),
        ("身份证 110105-19491231-002X", (ID_CARD, "110105-19491231-002X")),
        ("卡号 4111 1111 1111 1111。", (BANK_CARD, "4111 1111 1111 1111")),
        ("卡号 4111-1111-1111-1111。", (BANK_CARD, "4111-1111-1111-1111")),
        ("卡号 4111 1111 1111 1111 3", (BANK_CARD, "4111 1111 1111 1111 3")),  # 17 digits, Luhn-valid
        ("电话１３８１２３４５６７８", (MOBILE, "１３８１２３４５６７８")),
        ("电话１３８　１２３４　５６７８", (MOBILE, "１３８　１２３４　５６７８")),
        ("电话１３８－１２３４－５６７８", (MOBILE, "１３８－１２３４－５６７８")),
        ("证号１１０１０５１９４９１２３１００２Ｘ", (ID_CARD, "１１０１０５１９４９１２３１００２Ｘ")),
    ],
)
def test_written_forms(text, expected):
    assert kinds(text) == [expected]


def test_written_forms_mask_to_digits_only():
    (finding,) = scan("电话：１３８－１２３４－５６７８")
    assert finding.masked == "1381234****"
    (finding,) = scan("身份证 110105 1949 1231 002X")
    assert finding.masked == "110105************"
    (finding,) = scan("卡号 4111-1111-1111-1111")
    assert finding.masked == "4111********1111"


def test_several_findings_in_order():
    text = f"张三，13812345678，身份证{ID_X}，卡号{CARD}；李四 139 8765 4321。"
    found = scan(text)
    assert [f.kind for f in found] == [MOBILE, ID_CARD, BANK_CARD, MOBILE]
    assert [f.start for f in found] == sorted(f.start for f in found)
    for f in found:
        assert text[f.start : f.end] == f.text


def test_offsets_index_the_original_text_after_full_width_and_astral_characters():
    # 𝟏 (U+1D7CF) is one code point; the offsets count code points of the text as given.
    text = "𝟏号楼，联系人：１３８１２３４５６７８，备用13912345678"
    found = scan(text)
    assert [f.text for f in found] == ["１３８１２３４５６７８", "13912345678"]
    for f in found:
        assert text[f.start : f.end] == f.text


# --- precedence ---------------------------------------------------------------------------------


def test_eighteen_digits_valid_as_id_and_luhn_is_an_id():
    assert id_card_valid(ID_AND_LUHN) and luhn_valid(ID_AND_LUHN)
    assert kinds(f"号码{ID_AND_LUHN}") == [(ID_CARD, ID_AND_LUHN)]


def test_eighteen_digits_luhn_but_not_id_is_a_card():
    assert not id_card_valid(LUHN_18_NOT_ID) and luhn_valid(LUHN_18_NOT_ID)
    (finding,) = scan(f"号码{LUHN_18_NOT_ID}")
    assert (finding.kind, finding.masked) == (BANK_CARD, "3707**********4217")


def test_long_runs_failing_both_checks_are_not_findings():
    for number in ["4111111111111112", "61111111111111112", "110105194912310021", "6222021234567890123"]:
        assert not luhn_valid(number) and not id_card_valid(number)
        assert scan(f"编号{number}") == []


# --- what is left alone -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "编号138123456789号",  # 12 digits starting 13: not a mobile
        "编号913812345678号",  # 11 digits inside a 12-digit run
        "电话0536-8123456",  # a landline
        "服务热线 0536-8123456，400-123-4567",
        "预算1250000元",
        "2025年7月15日，20250715",
        "2025-07-15 10:30",
        "户数 1234 5678 9012",
        "年份 2019 2020 2021 2022 2023",
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19",
        f"2019 {CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]}",  # part of a longer list
        f"{CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]} 2020",
        f"{CARD[:4]}-{CARD[4:8]} {CARD[8:12]} {CARD[12:]}",  # mixed separators
        "41111111111111110000",  # 20 digits: no kind is that long
        "统一社会信用代码 91350100M000100Y43",
        "卡号 4111 1111 1111 1111 2",  # 17 digits, not Luhn-valid
        f"订单号SN{ID_X}",  # the ID form next to letters is part of some code…
        f"{ID_X}B",
        f"SN{ID_DIGIT}",
        f"{ID_DIGIT}b",
        f"ＳＮ{ID_DIGIT}",
        "138-1234-567",
        "1381234 5678",
        "",
    ],
)
def test_not_flagged(text):
    assert scan(text) == []


def test_eighteen_digits_next_to_letters_can_still_be_a_card():
    # …but the Luhn rule for cards has no letter boundary.
    assert kinds(f"SN{ID_AND_LUHN}") == [(BANK_CARD, ID_AND_LUHN)]
    assert kinds(f"{ID_AND_LUHN}ab") == [(BANK_CARD, ID_AND_LUHN)]


# --- allow list ---------------------------------------------------------------------------------


def test_allow_exact():
    assert scan("热线13812345678", allow=["13812345678"]) == []


def test_allow_ignores_separators_either_way():
    assert scan("热线138-1234-5678", allow=["13812345678"]) == []
    assert scan("热线13812345678", allow=["138 1234 5678"]) == []
    assert scan("热线１３８１２３４５６７８", allow=["138-1234-5678"]) == []


def test_allow_with_country_code():
    assert scan("热线+86 138 1234 5678", allow=["+86 138 1234 5678"]) == []
    assert scan("热线13812345678", allow=["+8613812345678"]) == []


def test_allow_only_suppresses_its_own_number():
    found = scan("热线13812345678，私人13912345678", allow=["13812345678"])
    assert [f.text for f in found] == ["13912345678"]


def test_allow_is_literal_not_a_substring():
    assert kinds("热线13812345678", allow=["热线13812345678", "1381234567"]) == [(MOBILE, "13812345678")]


def test_allow_given_as_a_single_string():
    assert scan("热线13812345678", allow="13812345678") == []


# --- mask ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "masked"),
    [
        (MOBILE, "13812345678", "1381234****"),
        (MOBILE, "138-1234-5678", "1381234****"),
        (ID_CARD, "370702198001011234", "370702************"),
        (ID_CARD, ID_X, "110105************"),
        (ID_CARD, "110105 1949 1231 002X", "110105************"),
        (ID_CARD, "370702800101123", "370702*********"),
        (BANK_CARD, CARD, "4111********1111"),
        (BANK_CARD, "6222 0212 3456 7890 123", "6222***********0123"),
    ],
)
def test_mask(kind, text, masked):
    assert mask(kind, text) == masked


def test_mask_unknown_kind():
    with pytest.raises(ValueError):
        mask("邮箱", "someone@example.org")


# --- the digit set ------------------------------------------------------------------------------


def test_digit_chars_are_exactly_the_decimal_digits_nfkc_folds_to_ascii():
    derived = {
        chr(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) == "Nd" and unicodedata.normalize("NFKC", chr(c)) in set("0123456789")
    }
    assert set(DIGIT_CHARS) == derived


def test_other_scripts_digits_are_not_read_as_numbers():
    # Arabic-Indic digits are decimal digits but NFKC keeps them; they are not the contract's digits.
    arabic = "".join(chr(0x660 + int(c)) for c in "13812345678")
    assert scan(arabic) == []


def test_large_text_is_fast():
    paragraph = "各小区物业服务企业于2025年7月15日前完成自查，预算1250000元，咨询电话0536-8123456。"
    text = paragraph * (2_000_000 // len(paragraph)) + "联系13812345678"
    started = time.perf_counter()
    found = scan(text)
    elapsed = time.perf_counter() - started
    assert [f.text for f in found] == ["13812345678"]
    assert elapsed < 5, f"scanning 2 MB took {elapsed:.2f}s"


# --- properties ---------------------------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
numberish = st.text(alphabet="0123456789０１３８ -－+Xx中号A\u3000", max_size=80)
chinese = st.text(
    alphabet="的一是在不了有和人这中大为上个国我以要他时来用们生到作地社区小区物业红黑榜公示号楼单元室",
    min_size=1,
    max_size=5,
)


def visible_digits(s: str) -> int:
    return sum(c.isdigit() or c in "Xx" for c in unicodedata.normalize("NFKC", s))


@given(st.text())
def test_scan_never_raises_and_findings_are_consistent(text):
    found = scan(text)
    assert found == sorted(found, key=lambda f: f.start)
    for earlier, later in itertools.pairwise(found):
        assert earlier.end <= later.start
    for f in found:
        assert text[f.start : f.end] == f.text


@settings(max_examples=300)
@given(
    st.lists(st.one_of(numberish, chinese, st.sampled_from([ID_X, CARD, "13812345678", "138 1234 5678"])), max_size=6)
)
def test_masks_show_fewer_digits_than_the_match(parts):
    text = "".join(parts)
    for f in scan(text):
        assert text[f.start : f.end] == f.text
        assert set(f.masked) <= set("0123456789*")
        assert f.masked.count("*") > 0
        assert len(f.masked) - f.masked.count("*") < visible_digits(f.text)
        assert len(f.masked) == visible_digits(f.text)


@given(chinese, st.text(alphabet="0123456789", min_size=17, max_size=17), chinese)
def test_valid_ids_between_chinese_are_always_found(before, body, after):
    number = body + id_card_check_char(body)
    text = before + number + after
    assert scan(text) == [Finding(ID_CARD, len(before), len(before) + 18, number, number[:6] + "*" * 12)]


@given(chinese, st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9), chinese)
def test_mobiles_between_chinese_are_always_found(before, second, rest, after):
    number = "1" + second + rest
    assert kinds(before + number + after) == [(MOBILE, number)]


@given(chinese, st.text(alphabet="0123456789", min_size=15, max_size=18), chinese)
def test_luhn_numbers_between_chinese_are_always_found(before, body, after):
    number = body + next(d for d in "0123456789" if luhn_valid(body + d))
    expected = ID_CARD if len(number) == 18 and id_card_valid(number) else BANK_CARD
    assert kinds(before + number + after) == [(expected, number)]


FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


@given(st.lists(st.one_of(numberish, chinese, st.sampled_from([ID_X, CARD, "13812345678"])), max_size=6))
def test_full_width_text_gives_the_same_findings(parts):
    text = "".join(parts)
    wide = text.translate(FULL_WIDTH)
    assert [(f.kind, f.start, f.end, f.masked) for f in scan(wide)] == [
        (f.kind, f.start, f.end, f.masked) for f in scan(text)
    ]


@given(st.text(alphabet=DIGIT_CHARS + "xX+ -\u3000\uff0d", max_size=40))
def test_nothing_shorter_than_shortest_is_ever_a_finding(text):
    # scan() skips texts shorter than SHORTEST without matching: the pattern itself never finds
    # a number in fewer characters.
    from generator.domain import privacy

    original = privacy.SHORTEST
    privacy.SHORTEST = 0
    try:
        found = scan(text)
    finally:
        privacy.SHORTEST = original
    assert all(f.end - f.start >= original for f in found)
    assert found == scan(text)


SCANNED = DIGIT_CHARS + privacy_module.SPACE_CHARS + privacy_module.HYPHEN_CHARS + "xXＸｘ+a中号\n"


@settings(max_examples=400)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=SCANNED, max_size=30),
            chinese,
            st.sampled_from([ID_X, CARD, "13812345678", "138 1234 5678", "86-138-1234-5678"]),
        ),
        max_size=8,
    )
)
def test_searching_runs_first_finds_what_the_whole_pattern_finds(parts):
    # scan() runs the pattern only inside runs of digits and separators (and two characters past
    # each): it must find exactly what the pattern finds over the whole text.
    text = "".join(parts)
    whole = [(m.span(), m.lastgroup) for m in privacy_module._PATTERN.finditer(text)]
    assert [(m.span(), m.lastgroup) for m in privacy_module._matches(text)] == whole


def test_character_classes_written_as_ranges_hold_exactly_their_characters():
    chars = DIGIT_CHARS + privacy_module.SPACE_CHARS + privacy_module.HYPHEN_CHARS + "Xx\uff38\uff58"
    cls = re.compile(privacy_module._class(chars))
    near = {chr(c + d) for c in map(ord, chars) for d in (-1, 0, 1) if 0 <= c + d < 0x110000}
    assert {c for c in near if cls.fullmatch(c)} == set(chars)


PIECES = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=12),
    st.sampled_from(
        [
            " ",
            "-",
            "\n  ",
            "\t\n  ",
            "\n\n  ",
            "中文",
            "\u200b",
            "\\x31",
            "\\u0033",
            "\\\n  ",
            "''",
            "X",
            "ｘ",
            "：",
            "13812345678",
        ]
    ),
)
STYLES = st.sampled_from(["plain", "single", "double", "folded", "literal", "item"])


def _candidates_both_ways(text: str, name: str = "n.md"):
    """file_candidates of `text` read as a file, and what scanning every scalar gives."""
    import tempfile
    from pathlib import Path

    from generator.content.errors import Problems
    from generator.content.sources import read_source

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_text(text, encoding="utf-8")
        src = read_source(Path(folder), name, "content", Problems(), markdown=name.endswith(".md"))
    found = privacy_module.file_candidates(src)
    original = privacy_module._may_hold_numbers
    privacy_module._may_hold_numbers = lambda src: src.scalars
    try:
        return found, privacy_module.file_candidates(src)
    finally:
        privacy_module._may_hold_numbers = original


@pytest.mark.parametrize(
    "text",
    [
        "k: >\n  电话138 0013\n  8000\n",  # folded: the line break becomes a space
        "k: 电话138 0013\n  8000 号\n",  # a plain scalar over two lines
        "k: 电话138 0013\t\n  8000 号\n",  # a tab before the line break is dropped
        'k: "电话138 0013\n  8000"\n',  # double-quoted over two lines
        'k: "电话\\x31\\x33\\x38 \\x30\\x30\\x31\\x33 8000"\n',  # digits written as escapes
        "k: 电话138\u200b0013\u200b8000\n",  # invisible characters between the digits
        "a: 1\nk:\n  - 2\n  - 电话13800138000\n",
    ],
)
def test_numbers_hidden_by_folding_escapes_or_invisibles_are_candidates(text):
    found, everywhere = _candidates_both_ways(text, "x.yaml")
    assert found and found == everywhere


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(STYLES, st.lists(PIECES, min_size=1, max_size=6)), min_size=1, max_size=5), chinese)
def test_only_scalars_near_a_run_are_scanned_and_nothing_is_missed(scalars, body):
    # file_candidates scans only the scalars that overlap a run of digits and separators in the
    # file's whole text (or every scalar when the text has an escape or an invisible character):
    # what it finds must be what scanning every scalar finds, whatever the quoting and folding.
    lines = []
    for i, (style, pieces) in enumerate(scalars):
        value = "".join(pieces)
        if style == "plain":
            lines.append(f"k{i}: a{value}")
        elif style == "single":
            lines.append(f"k{i}: '{value}'")
        elif style == "double":
            lines.append(f'k{i}: "{value}"')
        elif style in ("folded", "literal"):
            lines.append(f"k{i}: {'>' if style == 'folded' else '|'}\n  " + value.replace("\n", "\n  "))
        else:
            lines.append(f"k{i}:\n  - {value}\n  - {value[::-1]}")
    found, everywhere = _candidates_both_ways("---\n" + "\n".join(lines) + "\n---\n" + body + "\n")
    assert found == everywhere
