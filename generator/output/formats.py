"""How a number is written, in one place for each form it takes.

- `plain(value)`: the exact decimal text of a number, without trailing zeros ("87", "86.875",
  "0.5"), never in exponent form: what a data file (CSV) holds, and a count or rate shown as
  written.
- `json_number(value)`: the same number in JSON: an integer when it is whole, otherwise the
  float whose shortest form is that text (totals have at most two decimals and annual scores
  three, so it reads back exactly). Every JSON file of the site writes its numbers this way:
  a score is `87` in the list files and in the open data alike.
- `rounded(value, places, trim=False)`: a number shown to a reader, rounded half up to `places`
  decimals ("87.50"); with `trim`, without trailing zeros ("87.5").

Ranks and lists are computed from the unrounded numbers (`domain.derive`); only what is shown is
rounded. `domain.derive.ratio` is the one ratio.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_EXACT_FLOAT = 2**53  # a whole number beyond this is written as a float, as JavaScript reads it


def plain(value: Decimal | int) -> str:
    if not isinstance(value, Decimal):
        return str(value)
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def json_number(value: Decimal | int) -> int | float:
    if not isinstance(value, Decimal):
        return value
    if value == value.to_integral_value() and abs(value) < _EXACT_FLOAT:
        return int(value)
    return float(value)


def rounded(value: Decimal, places: int, trim: bool = False) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if trim and "." in text else text
