"""Counts, numbers and dates in words, the one way every view writes them.

A count takes the singular only for exactly one ("1 check-in", "0 check-ins", "2 check-ins");
a date reads as the pages write it, day month year with the month's name and no leading zero
("6 January 2025"), and a missing date is "".  A number is rounded half away from zero on its
decimal value as written (the shortest decimal that reads back as the same float: 7.25 -> "7.3",
-2.25 -> "-2.3", 2.675 -> "2.68"), the rule a reader with a calculator applies and the one the
importers use for a day's mean; it never prints a signed zero.  Scalar helpers (:func:`plural`,
:func:`day`, :func:`number`) serve single values; the vectorised ones (:func:`plurals`,
:func:`days`, :func:`numbers`, :func:`rounded`) build whole columns of evidence sentences or
hover text at once.

Examples
--------
>>> plural(1, "check-in"), plural(3, "check-in"), plural(1, "entry", "entries")
('1 check-in', '3 check-ins', '1 entry')
>>> day(pd.Timestamp("2025-01-06 20:15"))
'6 January 2025'
>>> days(pd.Series(pd.to_datetime(["2025-03-01", None]))).tolist()
['1 March 2025', '']
>>> number(7.25), number(4.75), number(2.675, 2), number(-0.04), number(0.25, signed=True)
('7.3', '4.8', '2.68', '0.0', '+0.3')
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

__all__ = [
    "plural",
    "plurals",
    "day",
    "days",
    "number",
    "numbers",
    "rounded",
    "slopes",
    "line_numbers",
    "LINES_SHOWN",
]

#: How many line numbers or ranges of them :func:`line_numbers` writes before "and N more".
LINES_SHOWN = 10


def plural(n: object, word: str, many: str | None = None) -> str:
    """``n`` followed by ``word``, or by its plural (``many``, else ``word + "s"``) unless n is 1.

    Parameters
    ----------
    n : int-like
        The count (a float holding a whole number is accepted; it is written as an integer).
    word : str
        The singular.
    many : str, optional
        The plural when it is not the regular one (``word + "s"``, or ``"ies"`` for a final
        consonant + "y").

    Returns
    -------
    str

    Examples
    --------
    >>> plural(0, "week"), plural(1, "week"), plural(2.0, "couple")
    ('0 weeks', '1 week', '2 couples')
    >>> plural(2, "entry"), plural(2, "day")
    ('2 entries', '2 days')
    """
    k = int(n)
    return f"{k} {word if k == 1 else (many or _many(word))}"


def line_numbers(lines: Sequence[object] | pd.Series, shown: int | None = LINES_SHOWN) -> str:
    """File line numbers in words, consecutive ones as ranges: "lines 2-4, 7, 9-10".

    The messages that list records of a file by their line (``trustdata validate``, the
    stderr notes of ``trustdata report``) write them so: one line is "line 7"; several are
    sorted, repeats dropped, each run of consecutive numbers written ``first-last``; after
    ``shown`` numbers or ranges the rest is counted ("and 42 more": line numbers, not ranges).
    Missing ones (a record read from a frame has no line) are counted last ("1 without a line
    number").

    Parameters
    ----------
    lines : sequence of int-like
        The line numbers (any order; missing values allowed).
    shown : int or None, default :data:`LINES_SHOWN`
        Most numbers or ranges written; None writes them all.

    Returns
    -------
    str

    Examples
    --------
    >>> line_numbers([7])
    'line 7'
    >>> line_numbers([10, 9, 2, 3, 4, 7])
    'lines 2-4, 7, 9-10'
    >>> line_numbers(range(2, 65))
    'lines 2-64'
    >>> line_numbers(range(2, 40, 2), shown=3)
    'lines 2, 4, 6 and 16 more'
    >>> line_numbers(pd.Series([3, None], dtype="Int64"))
    'line 3 and 1 without a line number'
    """
    if shown is not None and (isinstance(shown, bool) or not isinstance(shown, int) or shown < 1):
        raise ValueError(
            f"The value for `shown` must be 1 or more, or None, but {shown!r} was passed."
        )
    values = pd.Series(lines, dtype="Int64") if not isinstance(lines, pd.Series) else lines
    missing = int(values.isna().sum())
    numbers_ = np.unique(values.dropna().to_numpy(dtype="int64"))
    # runs of consecutive numbers: a new run where the step is not 1
    cut = np.flatnonzero(np.diff(numbers_) != 1) + 1
    firsts = np.split(numbers_, cut) if len(numbers_) else []
    items = [str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in firsts]
    rest = firsts[shown:] if shown is not None else []
    items = items[:shown] if shown is not None else items
    text = ""
    if items:
        one = len(numbers_) == 1
        text = ("line " if one else "lines ") + ", ".join(items)
    more = sum(len(r) for r in rest)
    if more:
        text += f" and {more} more"
    if missing:
        text += f"{' and ' if text else ''}{missing} without a line number"
    return text


def _many(word: str) -> str:
    """The regular plural: "entry" -> "entries", "day" -> "days", "week" -> "weeks"."""
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return word[:-1] + "ies"
    return word + "s"


def plurals(n: pd.Series | np.ndarray | Sequence[object], word: str, many: str | None = None):
    """:func:`plural` for every value of ``n`` at once; missing counts give "".

    Returns
    -------
    numpy.ndarray of str (object dtype), the same length as ``n``.

    Examples
    --------
    >>> plurals(pd.Series([1, 2, None]), "time").tolist()
    ['1 time', '2 times', '']
    """
    values = pd.to_numeric(pd.Series(np.asarray(n, dtype=object)), errors="coerce")
    missing = values.isna().to_numpy()
    k = values.fillna(0).astype("int64")
    text = k.astype(str).to_numpy(dtype=object) + " "
    text = text + np.where(k.to_numpy() == 1, word, many or _many(word))
    return np.where(missing, "", text).astype(object)


def day(value: object) -> str:
    """A date in words, as the pages write them: ``"6 January 2025"`` ("" when missing).

    Examples
    --------
    >>> day("2024-07-06"), day(None), day(pd.NaT)
    ('6 July 2024', '', '')
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp:%B %Y}"


def days(values: pd.Series | Sequence[object]) -> np.ndarray:
    """:func:`day` for every value at once.

    Returns
    -------
    numpy.ndarray of str (object dtype), "" where a date is missing.

    Examples
    --------
    >>> days(pd.to_datetime(pd.Series(["2025-01-06", "2025-12-31"]))).tolist()
    ['6 January 2025', '31 December 2025']
    """
    stamps = pd.Series(pd.to_datetime(pd.Series(values, dtype=object)))
    text = stamps.dt.day.astype("Int64").astype(str) + " " + stamps.dt.strftime("%B %Y")
    return np.where(stamps.isna().to_numpy(), "", text.to_numpy(dtype=object)).astype(object)


def rounded(values: pd.Series | np.ndarray | Sequence[object], digits: int = 1) -> np.ndarray:
    """Values rounded to ``digits`` decimals half away from zero, on the decimal as written.

    ``numpy.round`` and Python's ``round`` take the even neighbour of a half (7.25 -> 7.2);
    this takes the one away from zero (7.25 -> 7.3, -7.25 -> -7.3), judging a half on the
    shortest decimal that reads back as the value (``repr``: 2.675 is a half at 2 decimals,
    although its float lies just below).  Only values within a hair of a half go through
    :class:`decimal.Decimal`; every other one is already nearest either way.

    Returns
    -------
    numpy.ndarray of float, the same length as ``values``; NaN stays NaN, infinities stay,
    and a result of zero is +0.0 (never -0.0).

    Examples
    --------
    >>> rounded([7.25, -7.25, 4.75, 2.675, 1/3, None], 2).tolist()
    [7.25, -7.25, 4.75, 2.68, 0.33, nan]
    >>> rounded([7.25, -0.04, 0.05], 1).tolist()
    [7.3, 0.0, 0.1]
    """
    v = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce")
    v = v.to_numpy(dtype=float)
    scale = 10.0**digits
    scaled = v * scale
    out = np.round(scaled)
    with np.errstate(invalid="ignore"):
        frac = np.abs(scaled - np.trunc(scaled))
        near = np.isfinite(scaled) & (np.abs(frac - 0.5) < 1e-6)
    step = Decimal(1).scaleb(-digits)
    for k in np.flatnonzero(near):
        exact = Decimal(repr(float(v[k]))).quantize(step, rounding=ROUND_HALF_UP)
        out[k] = float(exact.scaleb(digits))
    with np.errstate(invalid="ignore"):
        result = np.where(np.isfinite(v), out / scale, v)
    return result + 0.0  # + 0.0: no signed zero


def number(value: object, digits: int = 1, *, signed: bool = False) -> str:
    """One number in words: ``digits`` decimals, half away from zero (:func:`rounded`).

    ``signed`` writes a leading "+" on positive values (``"+0.4"``, ``"-0.4"``); a value that
    rounds to zero has no sign either way (``"0.0"``: neither a rise nor a fall).  A missing
    value gives "", an infinite one "∞" or "-∞".

    Examples
    --------
    >>> number(4.25), number(2.25), number(-2.25), number(7.0, 2), number(None)
    ('4.3', '2.3', '-2.3', '7.00', '')
    >>> number(-0.2, signed=True), number(-0.04, signed=True), number(float("inf"))
    ('-0.2', '0.0', '∞')
    """
    return str(numbers([value], digits, signed=signed)[0])


def numbers(
    values: pd.Series | np.ndarray | Sequence[object], digits: int = 1, *, signed: bool = False
) -> np.ndarray:
    """:func:`number` for every value at once.

    Returns
    -------
    numpy.ndarray of str (object dtype), the same length as ``values``; "" where one is missing.

    Examples
    --------
    >>> numbers(pd.Series([7.25, 6.65, None, 10.0])).tolist()
    ['7.3', '6.7', '', '10.0']
    """
    v = rounded(values, digits)
    form = f"{{:{'+' if signed else ''}.{digits}f}}"
    text = [
        ""
        if np.isnan(x)
        else ("∞" if x > 0 else "-∞")
        if np.isinf(x)
        else form.format(x)
        if x
        else f"{0:.{digits}f}"  # no sign on a zero (a fall that rounds to it included)
        for x in v.tolist()
    ]
    return np.asarray(text, dtype=object)


def slopes(
    values: pd.Series | np.ndarray | Sequence[object],
    digits: int = 2,
    unit: str = "points a month",
) -> np.ndarray:
    """Slopes in words: ``"0.07 points a month"``, never a signed zero nor a 0.00 slope.

    A slope that rounds to zero at ``digits`` decimals is "about flat" with its bound
    (``"about flat (under 0.01 points a month either way)"``); a missing one gives "".

    Returns
    -------
    numpy.ndarray of str (object dtype), the same length as ``values``.

    Examples
    --------
    >>> slopes([0.0712, -0.0031, -0.25, None]).tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['0.07 points a month', 'about flat (under 0.01 points a month either way)',
     '-0.25 points a month', '']
    """
    v = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce").astype(float)
    shown = rounded(v, digits)
    text = numbers(v, digits) + f" {unit}"
    flat = f"about flat (under {number(10.0**-digits, digits)} {unit} either way)"
    text = np.where(shown == 0, flat, text)
    return np.where(v.isna().to_numpy(), "", text).astype(object)
