"""The personal-data scan: find ID-card, mobile and bank-card numbers in a text.

Pure, no I/O. `scan(text, allow)` returns `Finding`s sorted by `start`, never overlapping; each
`start`/`end` indexes the text exactly as given (`text[f.start:f.end] == f.text`), and `masked` is
a form safe to print in an error message. Which fields are scanned, and which are exempt as
declared public numbers, is the caller's business.

What counts (CONTENT-MODEL.md, "Rules that protect people"):

- 身份证号码: 17 digits and a digit or X/x whose check character is right (GB 11643), or any
  15-digit number (the old first-generation format has no check digit);
- 手机号码: 11 digits starting 13–19;
- 银行卡号: 16–19 digits that pass the Luhn check.

A number is a whole run of digits: no digit directly before or after it, so a 12-digit run that
starts with 13 is not a mobile and a 20-digit run is nothing. The 18-character ID form must also
not touch an ASCII letter on either side, so the digits inside alphanumeric codes (统一社会信用
代码 like 91370700MA…, invoice and order numbers) are not read as ID numbers. When one run fits
several kinds: 18 characters with a valid ID check character → ID; else Luhn-valid 16–19 → card;
15 digits → ID; 16–19 digits failing both checks → nothing.

Written forms recognised besides the bare run:

- full-width and other compatibility digits (０–９, and the mathematical digits that NFKC folds
  to 0–9), full-width X and letters, and the NFKC spaces and hyphens (U+3000 ideographic space,
  no-break space, －). Matching is on those folded forms; offsets stay in the original text.
- a country code directly before a mobile: "+8613812345678" and "8613812345678" report the
  11-digit number part; "+86 138…" and "+86-138…" are simply a run after a non-digit.
- groups joined by one separator, the same one throughout (a space-like character or a hyphen):
  mobile 3-4-4 ("138 1234 5678", "138-1234-5678"); ID 6-8-4 and 6-4-4-4
  ("370702 19800101 123X"); card 4-4-4-4 with an optional last group of 1–3 digits.
  Grouped ID and card forms must stand alone: a further digit group joined by the same
  separator on either side makes them part of some longer list ("2019 2020 2021 2022 2023"),
  not a number. Grouped mobiles only need no adjacent digit, because 3-4-4 starting 13–19 is
  distinctive and is often written straight after a date or a country code.

`allow` holds literal strings (public hotlines). A finding is dropped when its text equals an
entry, or when both, folded to NFKC with spaces and hyphens removed, are equal; a "+86"/"86"
prefix on an 11-digit mobile entry is ignored, since findings never include it.

`mask(kind, text)` keeps only digits: a mobile shows its first 7, an ID its first 6 (the
region code), a card its first 4 and last 4; every other digit is a "*".
"""

from __future__ import annotations

import bisect
import re
import string
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .checksums import id_card_valid, luhn_valid

ID_CARD = "身份证号码"
MOBILE = "手机号码"
BANK_CARD = "银行卡号"

# Characters that NFKC folds to an ASCII digit (all category Nd); a test re-derives this list
# from the Unicode database so a new Python release cannot silently widen it.
_DIGIT_RANGES = ((0x30, 0x39), (0xFF10, 0xFF19), (0x1D7CE, 0x1D7FF), (0x1FBF0, 0x1FBF9))
DIGIT_CHARS = "".join(chr(c) for lo, hi in _DIGIT_RANGES for c in range(lo, hi + 1))
SPACE_CHARS = " \u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
HYPHEN_CHARS = "-\ufe63\uff0d"
_X_CHARS = "Xx\uff38\uff58"
_LETTER_CHARS = string.ascii_letters + "".join(chr(c) for c in (*range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)))

_FOLD = {ord(c): unicodedata.normalize("NFKC", c) for c in DIGIT_CHARS + _X_CHARS}


def _class(chars: str) -> str:
    """A character class of `chars`, consecutive code points written as ranges: the regex engine
    tests a range directly, where a long list of single characters (some outside the BMP) makes
    it test each character against a set several times slower."""
    points = sorted(set(map(ord, chars)))
    ranges = [[points[0], points[0]]]
    for c in points[1:]:
        if c == ranges[-1][1] + 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "[" + "".join(re.escape(chr(lo)) + ("" if lo == hi else "-" + re.escape(chr(hi))) for lo, hi in ranges) + "]"


def _digits_of(ascii_digits: str) -> str:
    return _class("".join(c for c in DIGIT_CHARS if _FOLD[ord(c)] in ascii_digits))


def _build_pattern() -> re.Pattern[str]:
    # Every alternative starts with a digit, and that digit is matched once, up front, outside the
    # alternation: the regex engine can then skip straight to the next digit-like character
    # instead of trying every alternative at every position, which keeps the scan of a long text
    # of prose linear and quick. So what an alternative must not follow is tested by a lookbehind
    # that spans the digit just consumed.
    d = _class(DIGIT_CHARS)
    d_or_letter = _class(DIGIT_CHARS + _LETTER_CHARS)
    d_or_x = _class(DIGIT_CHARS + _X_CHARS)
    one, three_to_nine = _digits_of("1"), _digits_of("3456789")

    def alternative(name: str, rest: str, not_after: tuple[str, ...], first: str = d) -> str:
        checks = "" if first == d else f"(?<={first})"
        checks += "".join(f"(?<!{before}{d})" for before in not_after)
        return f"(?P<{name}>{checks}{rest})"

    alternatives = []
    for name, separators in (("s", SPACE_CHARS), ("h", HYPHEN_CHARS)):
        s = _class(separators)
        alternatives += [
            alternative(
                f"gid_{name}",
                f"{d}{{5}}{s}(?:{d}{{8}}|{d}{{4}}{s}{d}{{4}}){s}{d}{{3}}{d_or_x}(?!{d_or_letter})(?!{s}{d})",
                not_after=(d_or_letter, d + s),
            ),
            alternative(
                f"gcard_{name}",
                f"{d}{{3}}(?:{s}{d}{{4}}){{3}}(?:{s}{d}{{1,3}})?(?!{d})(?!{s}{d})",
                not_after=(d, d + s),
            ),
            alternative(
                f"gmobile_{name}",
                f"{three_to_nine}{d}{s}{d}{{4}}{s}{d}{{4}}(?!{d})",
                not_after=(d,),
                first=one,
            ),
        ]
    alternatives += [
        alternative("idx", f"{d}{{16}}{_class(_X_CHARS)}(?!{d_or_letter})", not_after=(d_or_letter,)),
        alternative("run", f"{d}{{10,}}(?!{d})", not_after=(d,)),
    ]
    return re.compile(f"{d}(?:{'|'.join(alternatives)})")


_PATTERN = _build_pattern()
_LETTER = frozenset(_LETTER_CHARS)
_SEPARATORS = re.compile(_class(SPACE_CHARS + HYPHEN_CHARS))
_PREFIXED_MOBILE = re.compile(r"\+?86(1[3-9][0-9]{9})")


SHORTEST = 11  # characters: every number found has at least 11 digits (a mobile number)

# Every match of _PATTERN is made of digits, one kind of separator and the check letter X only, and
# is at least SHORTEST characters long, so it lies inside a run of such characters that long. Most
# prose has none (dates and amounts are shorter): `scan` looks for these runs first, which is
# several times faster than running _PATTERN over the whole text (it tries every alternative at
# every digit), and runs _PATTERN only within them.
_RUN = re.compile(_class(DIGIT_CHARS + SPACE_CHARS + HYPHEN_CHARS + _X_CHARS) + f"{{{SHORTEST},}}")
# The same runs in a file's text with tabs and line breaks counted as separators too: a scalar's
# value is its raw text less quotes and indentation, with line breaks folded (when the text holds
# no backslash escape and no invisible character), so a run in the value lies in one of these.
_FILE_RUN = re.compile(_class(DIGIT_CHARS + SPACE_CHARS + HYPHEN_CHARS + _X_CHARS + "\t\r\n") + f"{{{SHORTEST},}}")


@dataclass(frozen=True)
class Finding:
    kind: str  # Chinese label: "身份证号码", "手机号码", "银行卡号"
    start: int  # indexes into the scanned text
    end: int
    text: str  # the match as written
    masked: str


def scan(text: str, allow: Iterable[str] = ()) -> list[Finding]:
    """Every ID-card, mobile and bank-card number in `text`, in order, minus allowed ones."""
    if len(text) < SHORTEST:
        return []
    allowed = _allowed((allow,) if isinstance(allow, str) else allow)
    findings = []
    for m in _matches(text):
        hit = _classify(text, m)
        if hit is None:
            continue
        kind, start, end = hit
        written = text[start:end]
        if _excused(written, allowed):
            continue
        findings.append(Finding(kind, start, end, written, mask(kind, written)))
    return findings


def allowed_out(findings: Iterable[Finding], allow: Iterable[str] = ()) -> list[Finding]:
    """`findings` of `scan(text)` minus those `allow` excuses: what `scan(text, allow)` gives."""
    allowed = _allowed((allow,) if isinstance(allow, str) else allow)
    return [f for f in findings if not _excused(f.text, allowed)]


def _matches(text: str) -> Iterator[re.Match[str]]:
    """_PATTERN's matches in `text`, found within its runs of digits and separators. The search
    starts at a run (a lookbehind still sees the characters before it) and stops two characters
    after it, as far as any lookahead of _PATTERN reaches."""
    for run in _RUN.finditer(text):
        start, end = run.span()
        yield from _PATTERN.finditer(text, start, end + 2)


def _classify(text: str, m: re.Match[str]) -> tuple[str, int, int] | None:
    shape = m.lastgroup or ""
    start, end = m.span()
    digits = _compact(m.group())
    if shape == "run":
        n = len(digits)
        if n == 11:
            return (MOBILE, start, end) if _is_mobile(digits) else None
        if n == 13 and digits.startswith("86") and _is_mobile(digits[2:]):
            # The country code is not personal data; report the number an editor would recognise.
            return MOBILE, start + 2, end
        if n == 15:
            return ID_CARD, start, end
        if n == 18 and id_card_valid(digits) and not _touches_letter(text, start, end):
            return ID_CARD, start, end
        if 16 <= n <= 19 and luhn_valid(digits):
            return BANK_CARD, start, end
        return None
    if shape == "idx" or shape.startswith("gid_"):
        return (ID_CARD, start, end) if id_card_valid(digits) else None
    if shape.startswith("gcard_"):
        if len(digits) == 18 and id_card_valid(digits):
            return ID_CARD, start, end
        return (BANK_CARD, start, end) if luhn_valid(digits) else None
    if shape.startswith("gmobile_"):
        return MOBILE, start, end
    return None


def _is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def _touches_letter(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else ""
    after = text[end : end + 1]
    return before in _LETTER or after in _LETTER


def _compact(s: str) -> str:
    """`s` folded to NFKC with spaces and hyphens removed: the form allow entries compare in."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", s))


def _excused(written: str, allowed: frozenset[str]) -> bool:
    """The number as written is on the allow list (`_allowed`), as written or without separators."""
    return written in allowed or _compact(written) in allowed


def _allowed(allow: Iterable[str]) -> frozenset[str]:
    entries = set()
    for entry in allow:
        entries.add(entry)
        compact = _compact(entry)
        entries.add(compact)
        prefixed = _PREFIXED_MOBILE.fullmatch(compact)
        if prefixed:
            entries.add(prefixed.group(1))
    return frozenset(entries)


def mask(kind: str, text: str) -> str:
    """`text` (a finding of `kind`) reduced to its digits with all but a few shown as "*"."""
    digits = "".join(c for c in _compact(text) if c.isascii() and (c.isdigit() or c in "Xx"))
    if kind == MOBILE:
        shown = digits[:7]
        return shown + "*" * (len(digits) - len(shown))
    if kind == ID_CARD:
        shown = digits[:6]
        return shown + "*" * (len(digits) - len(shown))
    if kind == BANK_CARD:
        return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]
    raise ValueError(f"unknown kind of personal data: {kind!r}")


# --- one file at a time -----------------------------------------------------------------------------

PUBLIC_NUMBER_FIELDS = {"office_phone", "phone", "credit_code"}


# The Unicode format characters (category Cf); a test re-derives them from the Unicode database.
_CF_RANGES = (
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
_INVISIBLE = {c: None for lo, hi in _CF_RANGES for c in range(lo, hi + 1)}
_ANY_INVISIBLE = re.compile(_class("".join(map(chr, _INVISIBLE))))


def without_invisibles(text: str) -> str:
    """`text` without format characters (zero-width space, soft hyphen, joiners, bidi marks), which
    a reader does not see: 139\u200b1234\u200b5678 reads as a mobile number."""
    # str.translate with a mapping looks every character up in it: test for one first (fast).
    return text.translate(_INVISIBLE) if _ANY_INVISIBLE.search(text) else text


def file_candidates(src) -> tuple:
    """Every possible finding in one content file (a `sources.Source`) before the allow list,
    with its location: what `file_findings` needs later, so the loader can drop the file's text
    and scalar spans as soon as it is read (a province-sized site does not fit in memory otherwise).

    Entries are ("scalar", raw findings, findings of the constructed value) and ("body", findings),
    each finding paired with its Loc; scalars without a candidate are left out."""
    out: list[tuple] = []
    for span in _may_hold_numbers(src):
        names = [p for p in span.path if isinstance(p, str)]
        if not span.is_key and names and names[-1] in PUBLIC_NUMBER_FIELDS:
            continue
        raw = src.text[span.start : span.end]
        raw_hits = tuple((src.index_loc(span.start + f.start), f) for f in scan(raw))
        value_hits: tuple = ()
        if isinstance(span.value, str):
            # As written the number may be hidden (a YAML escape, an invisible character between
            # digits); as a reader sees it, it may not.
            visible = without_invisibles(span.value)
            for shown in (span.value if span.value != raw else None, visible if visible != span.value else None):
                if shown is not None and not value_hits:
                    value_hits = tuple(
                        (src.index_loc(span.start), Finding(f.kind, 0, 0, f.text, f.masked)) for f in scan(shown)
                    )
        if raw_hits or value_hits:
            out.append(("scalar", raw_hits, value_hits))
    if src.body:
        offset = len(src.text) - len(src.body)
        body_hits = tuple((src.index_loc(offset + f.start), f) for f in scan(src.body))
        if body_hits:
            out.append(("body", body_hits))
    return tuple(out)


def _may_hold_numbers(src) -> list:
    """The scalars of `src` that may hold a number, as written or as read: all of them when the
    text has a backslash escape or an invisible character (either can hide a number as written),
    else those that overlap a run of `_FILE_RUN` (one search of the whole text; most files have
    none outside their public numbers)."""
    text, scalars = src.text, src.scalars
    end = len(text) - len(src.body) if src.body else len(text)  # the scalars are all before a body
    if text.find("\\", 0, end) != -1 or _ANY_INVISIBLE.search(text, 0, end):
        return scalars
    chosen: list = []
    starts = None
    for run in _FILE_RUN.finditer(text, 0, end):
        if starts is None:
            starts = [span.start for span in scalars]  # in the text's order, none inside another
        low, high = run.span()
        i = max(bisect.bisect_right(starts, low) - 1, 0)
        while i < len(scalars) and scalars[i].start < high:
            if scalars[i].end > low and (not chosen or chosen[-1] is not scalars[i]):
                chosen.append(scalars[i])
            i += 1
    return chosen


def file_findings(candidates: tuple, allow: Iterable[str] = ()) -> list:
    """(Loc, Finding) for every candidate that the allow list does not excuse; exactly what
    scanning each scalar (its constructed value when the raw text has nothing) and the body with
    `allow` would report."""
    allowed = _allowed((allow,) if isinstance(allow, str) else allow)

    def keep(hits):
        return [(loc, f) for loc, f in hits if not _excused(f.text, allowed)]

    out = []
    for entry in candidates:
        if entry[0] == "scalar":
            found = keep(entry[1])
            out.extend(found if found else keep(entry[2]))
        else:
            out.extend(keep(entry[1]))
    return out
