"""``--keep-text`` loses month-name dates written with hyphens, months with their year and
years (reader8 F2).

``12-Mar-2025`` (Excel's and many apps' export format), ``2025-Mar-12``, ``Mar-12``, ``March
2025``, ``Jan '25``, ``since 2019`` and ``Christmas 2024`` were kept as written: one real date
gives the date shift whole, a month and year give it to within a month, a year to within a
year (every shifted timeline starts in 2000).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustdata.anonymize import anonymize
from trustdata.logs import Logs, as_table

KEY = b"a-test-key-of-thirty-two-bytes!!"
ROOT = Path(__file__).resolve().parents[1]
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
#: What no kept text may hold afterwards: a 19xx/20xx year, or a month name beside a number.
LEFT = re.compile(
    r"(?<!\d)(?:19|20)\d\d(?!\d)"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[\s,./'’-]*\d"
    r"|\d[\s,./-]*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
    re.IGNORECASE,
)


def _kept_all(texts: list[str]) -> list[str]:
    logs = Logs(checkins=as_table("checkins", [{"couple_id": "c1", "partner": "A",
                "date": f"2025-01-{i % 28 + 1:02d}", "connection": 5, "need": text,
                "increased_trust": "ok"} for i, text in enumerate(texts)]))  # fmt: skip
    anon, _ = anonymize(logs, key=KEY, keep_text=True, k=1)
    return anon.checkins.sort_values("date")["need"].tolist()


def _kept(text: str) -> str:
    return _kept_all([text])[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # reader8 F2, as found
        ("12-Mar-2025 and 2025-Mar-12 and March 12 2025", "[date] and [date] and [date]"),
        ("Mar-12 was hard", "[date] was hard"),
        ("March 2025 was rough", "[date] was rough"),
        ("since Jan '25, and Dec ’24", "since [date], and [date]"),
        ("since 2019", "since [year]"),
        ("Christmas 2024 with her family", "Christmas [year] with her family"),
        # their neighbours
        ("12-Mar-25, 3-jan, 12/Mar/2025, 12.Mar.2025", "[date], [date], [date], [date]"),
        ("2025 March, March of 2024, Mar, 2025", "[date], [date], [date]"),
        ("Mar-12-2025 and Sept-3", "[date] and [date]"),
        (
            "since 12/2025, in 3.2025, by 2025-03, Q1 2025",
            "since [date], in [date], by [date], Q1 [year]",
        ),
        ("the 1990s, summer of '24, in 2019, we", "the [year], summer of [year], in [year], we"),
        # still replaced as before
        ("12 mar, Sept 3, 31.12.2024, 20250312", "[date], [date], [date], [date]"),
        # left as they are: no year, no date
        ("we sat down, wed in May, for the 3rd time", "we sat down, wed in May, for the 3rd time"),
        # a month.year in digits goes, whatever it was (a version number 2.2019 too)
        ("version 2.2019", "version [date]"),
        ("slept 1.5 hours, version 2.5.1", "slept 1.5 hours, version 2.5.1"),
        ("call +44 20 7946 0958", "call [number]"),
    ],
)
def test_month_name_dates_months_with_years_and_years_are_replaced(text, expected):
    assert _kept(text) == expected


def test_the_report_counts_the_years():
    row = {"couple_id": "c1", "partner": "A", "date": "2025-01-06", "connection": 5}
    logs = Logs(checkins=as_table("checkins", [{**row, "need": "12-Mar-2025, since 2019"}]))
    _, report = anonymize(logs, key=KEY, keep_text=True, k=1)
    assert "replaced: 1 date (by [date]), 1 year (by [year])" in report.to_markdown()


_DAY = st.integers(1, 28)
_YEAR = st.integers(1990, 2039)
_MONTH = st.sampled_from(MONTHS).flatmap(
    lambda m: st.sampled_from([m, m[:3], m[:3].lower(), m.upper(), m[:3] + "."])
)
_SEP = st.sampled_from(["-", "/", ".", " "])
_MONTH_YEAR = st.sampled_from([" ", ", ", "-", " of "])
_WRITTEN = st.one_of(
    st.builds(lambda d, m, y, s: f"{d}{s}{m}{s}{y}", _DAY, _MONTH, _YEAR, st.sampled_from("-/.")),
    st.builds(lambda d, m, y, s: f"{d}{s}{m}{s}{y % 100:02d}", _DAY, _MONTH, _YEAR, st.just("-")),
    st.builds(lambda y, m, d, s: f"{y}{s}{m}{s}{d}", _YEAR, _MONTH, _DAY, _SEP),
    st.builds(lambda m, d, s: f"{m}{s}{d}", _MONTH, _DAY, st.sampled_from("-/. ")),
    st.builds(lambda d, m, s: f"{d}{s}{m}", _DAY, _MONTH, st.sampled_from("-/ ")),
    st.builds(lambda m, y, s: f"{m}{s}{y}", _MONTH, _YEAR, _MONTH_YEAR),
    st.builds(lambda m, y, q: f"{m} {q}{y % 100:02d}", _MONTH, _YEAR, st.sampled_from("'’")),
    st.builds(lambda w, y: f"{w} {y}", st.sampled_from(["since", "Christmas", "in"]), _YEAR),
    st.builds(lambda m, y, s: f"{m}{s}{y}", st.integers(1, 12), _YEAR, st.sampled_from("/.-")),
    st.builds(lambda y, m, s: f"{y}{s}{m:02d}", _YEAR, st.integers(1, 12), st.sampled_from("/-")),
)  # fmt: skip
_WORDS = st.sampled_from(["", "it was ", "we met on ", "(", "hard: ", "after "])
_AFTER = st.sampled_from(["", ".", ",", " was rough", ")", "; then calm", "!"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_WORDS, _WRITTEN, _AFTER), min_size=1, max_size=28))
def test_no_written_date_or_year_survives_kept_text(cells):
    """Each generated cell is one check-in (one anonymize call per example, up to 28 cells)."""
    got = _kept_all([f"{before}{written}{after}" for before, written, after in cells])
    for (before, written, after), text in zip(cells, got, strict=True):
        assert not LEFT.search(text), (written, text)
        # an abbreviation's dot may take a sentence's full stop with it ("1-Jan." -> "[date]")
        assert text.startswith(before) and text.endswith(after.lstrip(".")), (written, text)


def test_the_command_scrubs_them_as_the_reader_ran_it(tmp_path):
    """reader8 F2's reproduction: one note per check-in, ``-k 1``."""
    logs = tmp_path / "kt2"
    logs.mkdir()
    (logs / "checkins.csv").write_text(
        "couple_id,partner,date,connection,need\n"
        "c1,A,2025-03-10,5,12-Mar-2025 and 2025-Mar-12 and March 12 2025\n"
        "c1,A,2025-03-17,6,March 2025 was rough since 2019\n",
        "utf-8",
    )
    key = tmp_path / "k.key"
    key.write_text("9f2c41d07be35a68c1e4f0b27d9a3e5c\n")
    out = tmp_path / "kto2"
    cmd = [sys.executable, "-m", "trustdata", "anonymize", str(logs), str(out)]
    cmd += ["--key-file", str(key), "--keep-text", "-k", "1"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode in (0, 1), done.stderr
    text = (out / "checkins.csv").read_text("utf-8")
    assert "[date] and [date] and [date]" in text
    assert "[date] was rough since [year]" in text
    assert not LEFT.search(text.split("\n", 1)[1].replace("2000-", "").replace("2001-", ""))
