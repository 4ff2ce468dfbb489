"""A therapist page of logs holding one partner says so (reader13 F7): "both partners side by
side" is that page's point, and nothing else on it said the second partner was missing."""

from __future__ import annotations

import pandas as pd
from _pages import page_text

from trustdata import report
from trustdata.io import from_frames

SENTENCE = (
    "Only one partner, A (hurt partner), appears in these logs: there are no check-ins or "
    "triggers of a second partner to set beside theirs."
)


def _logs(partners):
    days = pd.date_range("2025-01-06", periods=10, freq="7D").strftime("%Y-%m-%d")
    rows = [
        {"couple_id": "c1", "partner": p, "role": role, "date": d, "connection": str(4 + i % 3)}
        for p, role in partners
        for i, d in enumerate(days)
    ]
    return from_frames(checkins=pd.DataFrame(rows))


def test_the_therapist_page_says_only_one_partner_appears():
    logs = _logs([("A", "hurt")])
    assert SENTENCE in page_text(report.build(logs, "c1", audience="therapist"))
    # the couple page speaks to the couple, whoever logs: no such sentence
    assert "Only one partner" not in page_text(report.build(logs, "c1", audience="couple"))


def test_two_partners_get_no_such_sentence():
    logs = _logs([("A", "hurt"), ("B", "involved")])
    assert "Only one partner" not in page_text(report.build(logs, "c1", audience="therapist"))
