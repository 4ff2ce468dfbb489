"""The HTML report: escaping, offline embedding, the safety notice, the sections per audience."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from trustdata import report
from trustdata.logs import Logs, as_table

INJECT = "<script>alert('x')</script>"
INJECT_IMG = '<img src="http://example.invalid/x.png" onerror="alert(1)">'


def make_logs(*, abuse: bool = False, couple_id: str = "couple-01", seed: int = 4) -> Logs:
    """A small couple with a planted dip, fewer triggers over time and hostile free text.

    Thirty weeks of weekly check-ins for partners A and B: connection rises from about 4 to
    about 7, with a dip of three points in weeks 12-14.  Triggers get rarer.  Notes and answers
    carry ``<script>`` and ``<img>`` strings that must never reach the page unescaped.
    """
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-06")
    rows = []
    for partner, offset in (("A", 0), ("B", 1)):
        for w in range(30):
            level = 4 + 3 * w / 29 - (3 if 12 <= w <= 14 else 0)
            score = int(np.clip(round(level + rng.normal(0, 0.5)), 1, 10))
            rows.append(
                {
                    "couple_id": couple_id,
                    "partner": partner,
                    "role": "hurt" if partner == "A" else "involved",
                    "date": start + pd.Timedelta(days=7 * w + offset),
                    "connection": score,
                    "trust": max(1, score - 1),
                    "increased_trust": f"talked at dinner {w} {INJECT}" if w % 3 == 0 else None,
                    "decreased_trust": INJECT_IMG if w == 28 else None,
                    "need": "more walks & <b>time</b>" if w % 4 == 0 else None,
                }
            )
    checkins = as_table("checkins", rows)
    trig = []
    for partner in ("A", "B"):
        for day in range(0, 210):
            p = 0.5 * np.exp(-day / 60)
            if rng.random() < p:
                trig.append(
                    {
                        "couple_id": couple_id,
                        "partner": partner,
                        "timestamp": start + pd.Timedelta(days=day, hours=20),
                        "time_known": True,
                        "category": ["location", "media", "date_or_anniversary"][day % 3],
                        "intensity": int(rng.integers(3, 10)),
                        "used_plan": bool(day % 2),
                        "minutes": 15.0,
                        "note": INJECT if day % 5 == 0 else "song on the radio",
                    }
                )
    triggers = as_table("triggers", trig)
    ev = [
        {"couple_id": couple_id, "date": start - pd.Timedelta(days=10), "kind": "discovery"},
        {"couple_id": couple_id, "date": start + pd.Timedelta(days=20), "kind": "couples_therapy"},
        {
            "couple_id": couple_id,
            "date": start + pd.Timedelta(days=84),
            "kind": "new_information",
            "note": INJECT,
        },
        {
            "couple_id": couple_id,
            "date": start + pd.Timedelta(days=150),
            "kind": "small_win",
            "partner": "A",
            "note": "a whole weekend away <3",
        },
    ]
    if abuse:
        ev.append(
            {
                "couple_id": couple_id,
                "date": start + pd.Timedelta(days=160),
                "kind": "abuse",
                "partner": "A",
                "note": "shouted and threw a plate",
            }
        )
    events = as_table("events", ev)
    couples = as_table("couples", [{"couple_id": couple_id}])
    return Logs(checkins=checkins, triggers=triggers, events=events, couples=couples)


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<script>", "&lt;script&gt;"),
        ("a \"b\" & 'c'", "a &quot;b&quot; &amp; &#x27;c&#x27;"),
        (None, ""),
        (float("nan"), ""),
        (pd.NA, ""),
        (pd.NaT, ""),
        (3, "3"),
    ],
)
def test_esc_escapes_markup_and_blanks_missing_values(value, expected):
    assert report.esc(value) == expected


def test_html_table_escapes_every_cell_and_heading():
    df = pd.DataFrame({"<th>": [INJECT], "n": [2.3456]})
    out = report.html_table(df, digits=2)
    assert "<script" not in out and "&lt;script&gt;" in out
    assert "&lt;th&gt;" in out
    assert '<td class="num">2.35</td>' in out


def test_html_table_formats_dates_booleans_and_missing():
    df = pd.DataFrame(
        {
            "day": pd.to_datetime(["2025-01-06 00:00", "2025-01-07 20:30"]),
            "ok": pd.array([True, pd.NA], dtype="boolean"),
            "x": pd.array([1, pd.NA], dtype="Int64"),
        }
    )
    out = report.html_table(df)
    assert "<td>2025-01-06</td>" in out and "<td>2025-01-07 20:30</td>" in out
    assert "<td>yes</td>" in out
    assert out.count("<tr>") == 3


def test_html_table_of_an_empty_frame_is_a_sentence():
    out = report.html_table(pd.DataFrame({"a": []}), empty="No setbacks.")
    assert out == '<p class="note">No setbacks.</p>'


def test_render_page_has_csp_viewport_and_no_network_reference():
    page = report.render_page("T", [report.Section("a", "A", "<p>x</p>")], charts=False)
    assert f'content="{report.CSP}"' in page
    assert "default-src 'none'" in report.CSP and "unsafe-eval" not in report.CSP
    assert 'name="viewport"' in page
    assert "://" not in page
    assert "@media print" in page


def test_render_page_marks_page_breaks_after_the_first_section():
    secs = [report.Section(k, k, "") for k in ("a", "b", "c")]
    page = report.render_page("T", secs, charts=False)
    assert '<section id="a" class="block">' in page
    assert '<section id="b" class="block page">' in page


def test_figure_html_does_not_change_the_callers_figure():
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout={"width": 500})
    out = report.figure_html(fig, "chart-1")
    assert fig.layout.width == 500
    assert 'id="chart-1"' in out and "<script" in out and "cdn" not in out


# --------------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------------


def test_unknown_couple_is_a_clear_error():
    with pytest.raises(ValueError, match="No couple 'nobody'"):
        report.build(make_logs(), "nobody")


def test_unknown_audience_is_a_sentence():
    with pytest.raises(ValueError, match=r"`audience` must be one of \['couple', 'therapist'\]"):
        report.build(make_logs(), "couple-01", audience="doctor")


def test_bad_since_is_a_sentence():
    with pytest.raises(ValueError, match="`since` must be a date"):
        report.build(make_logs(), "couple-01", audience="therapist", since="last tuesday")


_ = re
