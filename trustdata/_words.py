"""Counts and dates in words, the one way every view writes them.

A count takes the singular only for exactly one ("1 check-in", "0 check-ins", "2 check-ins");
a date reads as the pages write it, day month year with the month's name and no leading zero
("6 January 2025"), and a missing date is "".  Scalar helpers (:func:`plural`, :func:`day`)
serve single values; the vectorised ones (:func:`plurals`, :func:`days`) build whole columns
of evidence sentences or hover text at once.

Examples
--------
>>> plural(1, "check-in"), plural(3, "check-in"), plural(1, "entry", "entries")
('1 check-in', '3 check-ins', '1 entry')
>>> day(pd.Timestamp("2025-01-06 20:15"))
'6 January 2025'
>>> days(pd.Series(pd.to_datetime(["2025-03-01", None]))).tolist()
['1 March 2025', '']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["plural", "plurals", "day", "days", "slopes"]


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
    shown = v.round(digits)
    text = shown.map(lambda x: f"{x:.{digits}f} {unit}").to_numpy(dtype=object)
    flat = f"about flat (under {10.0**-digits:.{digits}f} {unit} either way)"
    text = np.where(shown.to_numpy() == 0, flat, text)
    return np.where(v.isna().to_numpy(), "", text).astype(object)
