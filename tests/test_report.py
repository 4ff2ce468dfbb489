"""The HTML report: escaping, offline embedding, the safety notice, the sections per audience."""

from __future__ import annotations

import datetime
import re

import numpy as np
import pandas as pd
import pytest

from trustdata import report, trends, triggers
from trustdata.logs import Logs, as_table

INJECT = "<script>alert('x')</script>"
INJECT_IMG = '<img src="http://example.invalid/x.png" onerror="alert(1)">'


def make_logs(
    *,
    abuse: bool = False,
    couple_id: str = "couple-01",
    seed: int = 4,
    partners: tuple[str, str] = ("A", "B"),
) -> Logs:
    """A small couple with a planted dip, fewer triggers over time and hostile free text.

    Thirty weeks of weekly check-ins for partners A and B: connection rises from about 4 to
    about 7, with a dip of three points in weeks 12-14.  Triggers get rarer.  Notes and answers
    carry ``<script>`` and ``<img>`` strings that must never reach the page unescaped.
    """
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-06")
    rows = []
    for partner, offset in ((partners[0], 0), (partners[1], 1)):
        for w in range(30):
            level = 4 + 3 * w / 29 - (3 if 12 <= w <= 14 else 0)
            score = int(np.clip(round(level + rng.normal(0, 0.5)), 1, 10))
            rows.append(
                {
                    "couple_id": couple_id,
                    "partner": partner,
                    "role": "hurt" if partner == partners[0] else "involved",
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
    for partner in partners:
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
            "partner": partners[0],
            "note": "a whole weekend away <3",
        },
    ]
    if abuse:
        ev.append(
            {
                "couple_id": couple_id,
                "date": start + pd.Timedelta(days=160),
                "kind": "abuse",
                "partner": partners[0],
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
    assert "<td>6 January 2025</td>" in out and "<td>7 January 2025, 20:30</td>" in out
    assert "<td>yes</td>" in out
    assert out.count("<tr>") == 3


def test_html_table_of_an_empty_frame_is_a_sentence():
    out = report.html_table(pd.DataFrame({"a": []}), empty="No setbacks.")
    assert out == '<p class="note">No setbacks.</p>'


def _csp(page: str) -> str:
    return re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)


def test_render_page_has_csp_viewport_and_no_network_reference():
    page = report.render_page("T", [report.Section("a", "A", "<p>x</p>")])
    csp = _csp(page)
    assert csp.startswith("default-src 'none'; script-src 'unsafe-inline' 'sha256-")
    assert "unsafe-eval" not in csp and "connect-src 'none'" in csp
    assert 'name="viewport"' in page
    assert "://" not in page
    assert "@media print" in page


def test_csp_lists_exactly_the_hashes_of_the_pages_own_scripts(pages):
    import base64
    import hashlib

    page = pages["couple"]  # report.build(logs, "couple-01"), made once for the module
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 2  # plotly.js and the one that draws the charts
    expected = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    }
    assert set(re.findall(r"'sha256-[^']+'", _csp(page))) == expected


def test_sections_flow_on_unless_a_page_break_is_asked_for():
    secs = [report.Section(k, k, "") for k in ("a", "b")]
    secs.append(report.Section("c", "c", "", page_break=True))
    page = report.render_page("T", secs)
    assert '<section id="a" class="block">' in page
    assert '<section id="b" class="block">' in page
    assert '<section id="c" class="block page">' in page


def test_charts_add_copies_the_figure_and_escapes_the_caption():
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], name=INJECT), layout={"width": 500})
    fig.update_layout(title_text="Weeks of <b>&lt;us&gt;</b>")
    charts = report.Charts()
    out = charts.add(fig)
    assert fig.layout.width == 500 and fig.layout.title.text  # the caller's figure is unchanged
    assert '<p class="chart-title">Weeks of &lt;us&gt;</p>' in out
    assert 'id="chart-1"' in out and "<script" not in out
    script = charts.script()
    assert "</script" not in script.lower() and "<script" not in script.lower()
    assert "\\u003cscript\\u003e" in script  # the trace name, escaped inside the JSON
    assert '"id":"chart-1"' in script and "Plotly.newPlot" in script


def test_render_page_with_charts_has_plotly_once_and_one_drawing_script():
    import plotly.graph_objects as go

    charts = report.Charts()
    body = charts.add(go.Figure(go.Bar(x=[1], y=[1]))) + charts.add(go.Figure(go.Bar(y=[2])))
    page = report.render_page("T", [report.Section("a", "A", body)], charts=charts)
    rest = _without_plotly_js(page)
    assert rest.count("<script>") == 2
    drawing = re.findall(r"<script>(.*?)</script>", rest, flags=re.S)[1]
    assert "Plotly.newPlot" in drawing and '"id":"chart-2"' in drawing
    # each chart has its place on screen and a static copy at paper width for print
    assert 'id="chart-1"' in body and 'id="chart-1-print"' in body
    assert f"width:{report.PRINT_WIDTH}px" in body


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


# --------------------------------------------------------------------------------------------
# The page as a whole
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logs():
    return make_logs()


@pytest.fixture(scope="module")
def pages_day():
    # the day the module's pages are made on, so a test run across midnight compares like pages
    return datetime.date.today()


@pytest.fixture(scope="module")
def pages(logs, pages_day):
    day = {"today": pages_day}
    abuse = make_logs(abuse=True)
    return {
        "couple": report.build(logs, "couple-01", **day),
        "therapist": report.build(
            logs, "couple-01", audience="therapist", since="2025-06-01", **day
        ),
        "abuse": report.build(abuse, "couple-01", **day),
        "abuse_therapist": report.build(abuse, "couple-01", audience="therapist", **day),
    }


def _without_plotly_js(page: str) -> str:
    from trustdata._plotlyjs import plotly_js

    js = plotly_js()  # the vendored partial bundle (tests/test_plotlyjs.py checks it)
    assert page.count(js) == 1, "plotly.js must be embedded exactly once"
    return page.replace(js, "")


def _sections(page: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', page)


@pytest.mark.parametrize("name", ["couple", "therapist", "abuse", "abuse_therapist"])
def test_plotly_js_is_embedded_exactly_once_and_inline(pages, name):
    rest = _without_plotly_js(pages[name])
    assert "plotly.js v" not in rest
    assert not re.search(r"<script[^>]*\bsrc=", pages[name])


@pytest.mark.parametrize("name", ["couple", "therapist", "abuse", "abuse_therapist"])
def test_page_references_nothing_outside_itself(pages, name):
    # the only "://" allowed is inside text a person typed, shown escaped
    from markupsafe import escape

    rest = _without_plotly_js(pages[name]).replace(str(escape(INJECT_IMG)), "")
    assert "://" not in rest  # no http(s), no CDN, no file links
    assert "<link" not in rest and "@import" not in rest and "url(" not in rest
    assert "<img" not in rest and "<iframe" not in rest
    assert _csp(rest).startswith("default-src 'none';")


@pytest.mark.parametrize("name", ["couple", "therapist", "abuse", "abuse_therapist"])
def test_free_text_is_escaped_everywhere(pages, name):
    rest = _without_plotly_js(pages[name])
    assert INJECT not in rest and "<script>alert" not in rest
    assert INJECT_IMG not in rest and "<img" not in rest
    assert not re.search(r"onerror=[\"']", rest)
    # the only scripts: plotly.js and the one that draws the charts
    assert rest.count("<script") == 2


def test_therapist_page_shows_the_answers_escaped(pages):
    from markupsafe import escape

    page = pages["therapist"]
    assert f"<bdi>talked at dinner 27 {escape(INJECT)}</bdi>" in page
    assert "<bdi>more walks &amp; &lt;b&gt;time&lt;/b&gt;</bdi>" in page


def _ahead(logs, pages_day) -> list[str]:
    """["anniversaries"] when the discovery (27 December 2024) returns within 6 weeks of the day
    the pages are made (from 15 November to 27 December each year), else []."""
    ahead = triggers.upcoming_anniversaries(logs.events, logs.triggers, on=pages_day)
    return ["anniversaries"] if len(ahead) else []


def test_couple_page_sections_in_order(pages, logs, pages_day):
    assert _sections(pages["couple"]) == [
        "summary",
        "connection",
        "triggers",
        "setbacks",
        "words",
        *_ahead(logs, pages_day),
        "events",
        "wins",
    ]


def test_therapist_page_sections_in_order(pages, logs, pages_day):
    assert _sections(pages["therapist"]) == [
        "summary",
        "flags",
        "since",
        "answers",
        "connection",
        "triggers",
        "setbacks",
        "plan",  # issue 14: triggers with and without the plan, always on the therapist page
        *_ahead(logs, pages_day),
        "events",
        "wins",
    ]


@pytest.mark.parametrize("name", ["abuse", "abuse_therapist"])
def test_abuse_opens_with_the_safety_notice_and_no_encouragement(pages, name):
    from trustdata import milestones

    page = pages[name]
    sections = _sections(page)
    assert sections[0] == "safety" and "wins" not in sections
    body = page[page.index("<body>") :]
    assert body.index('id="safety"') < body.index("<h2>")
    for line in milestones.SAFETY_RESOURCES:
        assert report.esc(line) in page
    assert "keep working on trust" not in page.lower()
    assert "every check-in you write is part of the work" not in page.lower()


def test_no_safety_notice_without_abuse(pages):
    assert 'id="safety"' not in pages["couple"] and 'id="safety"' not in pages["therapist"]


def test_therapist_summary_shows_trend_summary_numbers(logs, pages):
    from trustdata import trends

    summary = trends.trend_summary(logs.checkins)
    for row in summary.itertuples():
        expected = (
            f"connection {row.first_month_mean:.1f} in the first 4 weeks, "
            f"{row.latest_month_mean:.1f} in the latest 4"
        )
        assert expected in pages["therapist"]


def test_couple_summary_counts_the_setbacks_it_lists(logs, pages):
    from trustdata import setbacks

    found = setbacks.find_setbacks(logs.checkins)
    page = pages["couple"]
    table = page[page.index('<section id="setbacks"') :]
    table = table[: table.index("</section>")]
    assert table.count("<tr>") - 1 == len(found)


def _built(logs: Logs, couple: str, **options) -> dict[str, str]:
    """``report.build(logs, couple, audience=audience, **options)`` for both audiences: build is
    ``report.render`` of ``review(logs, couple, **options)``, so both pages are rendered from
    one review rather than reviewing the logs once per page."""
    r = report.review(logs, couple, **options)
    return {audience: report.render(r, audience=audience) for audience in report.AUDIENCES}


HOSTILE_COUPLE = "<script>alert('couple')</script>"
HOSTILE_PARTNERS = ("<b onmouseover=alert(1)>Ann</b>", "Bob & <i>co</i>")


def test_hostile_ids_are_escaped_in_text_and_charts():
    logs = make_logs(couple_id=HOSTILE_COUPLE, partners=HOSTILE_PARTNERS)
    built = _built(logs, HOSTILE_COUPLE)
    for audience in report.AUDIENCES:
        rest = _without_plotly_js(built[audience])
        assert HOSTILE_COUPLE not in rest and "<b onmouseover" not in rest and "<i>co" not in rest
        assert report.esc(HOSTILE_PARTNERS[1]) in rest


@pytest.mark.parametrize("audience", ["couple", "therapist"])
@pytest.mark.parametrize(
    "rows",
    [
        [("A", "2025-01-06", 5)],
        [(p, d, 5) for p in "AB" for d in ("2025-01-06", "2025-01-13", "2025-01-20")],
    ],
    ids=["one check-in", "three flat weeks"],
)
def test_a_short_log_gives_a_page_that_says_it_is_early(rows, audience):
    checkins = as_table(
        "checkins",
        [{"couple_id": "c1", "partner": p, "date": d, "connection": x} for p, d, x in rows],
    )
    page = _text(report.build(Logs(checkins=checkins), "c1", audience=audience))
    assert "a few more weeks are needed to see a direction" in page
    assert "No triggers were logged." in page


@pytest.mark.parametrize(
    ("scores", "says"),
    [
        # one setback: a single sharp fall (7 -> 3) back at 7 the next week: 1 week to recover
        ([7] * 8 + [3] + [7] * 8, "getting back took about 1 week."),
        # two setbacks of 1 week each: the same figure, and no "half took less"
        ([7] * 8 + [3] + [7] * 8 + [3] + [7] * 8, "getting back took about 1 week each time."),
    ],
)
def test_couple_setback_sentence_does_not_claim_half_took_less(scores, says):
    from trustdata import setbacks

    checkins = as_table(
        "checkins",
        [
            {"couple_id": "c1", "partner": "A", "date": d, "connection": x}
            for d, x in zip(
                pd.date_range("2025-01-06", periods=len(scores), freq="7D"), scores, strict=True
            )
        ],
    )
    assert setbacks.find_setbacks(checkins)["weeks_to_recover"].tolist() == [1] * scores.count(3)
    page = _text(report.build(Logs(checkins=checkins), "c1"))
    assert "half took less" not in page
    assert says in page


def _text(page: str) -> str:
    """The page's words as a reader sees them: tags removed, entities decoded, spaces joined."""
    import html

    body = page[page.index("<body>") :]
    body = re.sub(r"<script>.*?</script>", "", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())


def _section_text(page: str, key: str) -> str:
    part = page[page.index(f'<section id="{key}"') :]
    return _text("<body>" + part[: part.index("</section>")])


def _since_text(page: str) -> str:
    return _section_text(page, "since")


def _three_weeks() -> Logs:
    # A checks in on Mondays 2025-01-06, 01-13, 01-20 (scores 4, 5, 6)
    rows = [("2025-01-06", 4), ("2025-01-13", 5), ("2025-01-20", 6)]
    checkins = as_table(
        "checkins",
        [{"couple_id": "c1", "partner": "A", "date": d, "connection": x} for d, x in rows],
    )
    return Logs(checkins=checkins)


def test_since_after_the_logs_end_says_nothing_was_logged_since():
    # the therapist page; the couple page refuses since (tests/test_couple_page_since.py)
    with pytest.raises(ValueError, match="`since` is for the therapist page"):
        report.build(_three_weeks(), "c1", audience="couple", since="2027-01-01")
    text = _since_text(report.build(_three_weeks(), "c1", audience="therapist", since="2027-01-01"))
    says = (
        "Nothing was logged on or after 1 January 2027; the latest record is from 20 January 2025."
    )
    assert says in text
    assert "From 1 January 2027 to 1 January 2027" not in text and "December 2026" not in text


def test_since_before_the_logs_start_does_not_compare_with_an_empty_span():
    text = _since_text(report.build(_three_weeks(), "c1", audience="therapist", since="2024-12-01"))
    says = (
        "The check-ins and triggers start on 6 January 2025, after 1 December 2024: "
        "there is nothing before"
    )
    assert says in text
    assert "same length of time before" not in text and "n/a" not in text
    assert "A: connection 5.0 over 3 check-ins since; 0 triggers since (0 major)." in text


def test_since_on_the_first_day_of_the_logs_does_not_say_after():
    text = _since_text(report.build(_three_weeks(), "c1", audience="therapist", since="2025-01-06"))
    assert (
        "The check-ins and triggers start on 6 January 2025: "
        "there is nothing before to compare with." in text
    )
    assert "after 6 January 2025" not in text


def test_since_whose_span_before_reaches_past_the_start_says_the_logs_start_later():
    # since 2025-01-13: 8 days since (to 2025-01-20 inclusive), 28 days before -> 2024-12-16,
    # but the logs start on 2025-01-06
    text = _since_text(report.build(_three_weeks(), "c1", audience="therapist", since="2025-01-13"))
    assert (
        "(16 December 2024 to 12 January 2025; check-ins and triggers start on 6 January 2025, "
        "so only its "
        "last 7 days, 1 week, are logged)" in text
    )
    # 1 check-in before (score 4), 2 since (5, 6): singular and plural
    assert "A: connection 5.5 over 2 check-ins since (vs 4.0 over 1 check-in before" in text


def _stopped_logs() -> Logs:
    # A checks in every Monday for 20 weeks (2025-01-06 .. 2025-05-19); B for the first 10
    # weeks only (last check-in 2025-03-10, 10 weeks before A's last).
    days = pd.date_range("2025-01-06", periods=20, freq="7D")
    rows = [{"partner": "A", "date": d, "connection": 5 + i % 2} for i, d in enumerate(days)]
    rows += [{"partner": "B", "date": d, "connection": 4 + i % 3} for i, d in enumerate(days[:10])]
    return Logs(checkins=as_table("checkins", [{"couple_id": "c1", **row} for row in rows]))


@pytest.mark.parametrize(
    ("audience", "says"),
    [
        ("couple", "B's latest check-in was on 10 March 2025."),
        ("therapist", "B: last check-in 10 March 2025, 10 weeks before the latest record."),
    ],
)
def test_a_partner_who_stopped_checking_in_is_named_with_the_date(audience, says):
    page = report.build(_stopped_logs(), "c1", audience=audience)
    summary = _section_text(page, "summary")
    assert says in summary
    assert "A's latest check-in" not in summary and "A: last check-in" not in summary


@pytest.mark.parametrize(
    ("audience", "says"),
    [
        ("couple", "B felt on average 4.8 out of 10 connected in the first 4 weeks and 4.8 in "
                   "their last 4 weeks of check-ins."),
        ("therapist", "B: connection 4.8 in the first 4 weeks, 4.8 in their last 4 weeks of "
                      "check-ins ("),
    ],
)  # fmt: skip
def test_the_latest_weeks_of_a_partner_who_stopped_are_their_last_weeks(audience, says):
    # B's "latest 4 weeks" are 17 February .. 10 March 2025, ten weeks before the logs end: not
    # "the latest 4 weeks" of the couple's logs
    summary = _section_text(report.build(_stopped_logs(), "c1", audience=audience), "summary")
    assert says in summary
    a = "in the latest 4 weeks." if audience == "couple" else "in the latest 4 ("
    assert a in summary  # A, who still checks in, keeps the plain words
    if audience == "therapist":  # the partners side by side
        assert "10 check-ins; first / last 4 weeks 4.8 / 4.8" in summary
        assert "20 check-ins; first / latest 4 weeks" in summary


@pytest.mark.parametrize(
    ("audience", "says"),
    [
        ("couple", "A felt on average 5.0 out of 10 connected in the first 4 weeks and 6.0 in "
                   "the latest 4 weeks."),
        ("therapist", "A: connection 5.0 in the first 4 weeks, 6.0 in the latest 4 ("),
    ],
)  # fmt: skip
def test_first_and_latest_levels_are_named_as_the_four_weeks_they_are(audience, says):
    # Mondays 2025-01-06 .. 2025-04-21 (16 weeks): 5 every week but 7 on Apr 14 and Apr 21.  The
    # latest four weeks (Mar 31, Apr 7, 14, 21) average 6.0, while April (the month table's last
    # row) averages 6.3: the sentence must not call 6.0 "the latest month".
    days = pd.date_range("2025-01-06", periods=16, freq="7D")
    scores = [5] * 14 + [7, 7]
    checkins = as_table(
        "checkins",
        [
            {"couple_id": "c1", "partner": "A", "date": d, "connection": x}
            for d, x in zip(days, scores, strict=True)
        ],
    )
    page = _text(report.build(Logs(checkins=checkins), "c1", audience=audience))
    assert says in page
    assert "in the latest month" not in page and "6.0 in the latest," not in page


def test_therapist_card_gives_no_monthly_trigger_rate_for_a_few_days_of_triggers():
    # one trigger on one day: trigger_trend's rate over half a day is 60.9 a month, which the
    # card must not show as if it were a rate (the verdict is insufficient_data)
    triggers = as_table(
        "triggers",
        [{"couple_id": "c1", "partner": "A", "timestamp": "2025-01-07 10:00",
          "category": "other", "intensity": 8}],
    )  # fmt: skip
    page = report.build(Logs(triggers=triggers), "c1", audience="therapist")
    summary = _section_text(page, "summary")
    assert "triggers: 1 (under 14 days of logs: no monthly rate yet)" in summary
    assert "60.9" not in summary


def test_events_only_with_abuse_still_opens_with_safety():
    events = as_table("events", [{"couple_id": "c1", "date": "2025-01-06", "kind": "abuse"}])
    page = report.build(Logs(events=events), "c1")
    assert _sections(page)[0] == "safety"


def test_same_input_gives_the_same_page(logs, pages, pages_day):
    assert report.build(logs, "couple-01", today=pages_day) == pages["couple"]


def test_write_returns_the_path_and_writes_utf8(tmp_path, logs):
    out = report.write(logs, "couple-01", tmp_path / "r.html")
    assert out == tmp_path / "r.html"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --------------------------------------------------------------------------------------------
# Presentation helpers
# --------------------------------------------------------------------------------------------


def test_monthly_scores_equal_a_groupby_mean(logs):
    out = trends.monthly_scores(logs.checkins)
    ci = logs.checkins
    ref = ci.groupby(["partner", ci["date"].dt.strftime("%Y-%m")])["connection"].mean()
    got = out.set_index(["partner", out["month"].dt.strftime("%Y-%m")])["mean"]
    pd.testing.assert_series_equal(got, ref.astype("float64"), check_names=False)
    assert tuple(out.columns) == trends.MONTHLY_COLUMNS


def test_monthly_scores_of_nothing_is_empty_with_the_columns():
    out = trends.monthly_scores(as_table("checkins", []))
    assert out.empty and tuple(out.columns) == trends.MONTHLY_COLUMNS


def test_latest_answers_are_the_newest_answered_checkins(logs):
    out = report.latest_answers(logs.checkins, n=2)
    assert out.groupby("partner").size().tolist() == [2, 2]
    a = out.loc[out["partner"] == "A"]
    assert a["date"].is_monotonic_decreasing
    assert a["decreased_trust"].iloc[0] == INJECT_IMG  # week 28 is the newest answered one
    assert tuple(out.columns) == report.ANSWER_COLUMNS


def test_changes_since_matches_a_hand_computation(logs):
    since = pd.Timestamp("2025-06-01")
    out = trends.changes_since(logs, since).set_index("partner")
    ci = logs.checkins
    last = max(ci["date"].max(), logs.triggers["timestamp"].max(), logs.events["date"].max())
    until = last.normalize()
    before = since - (until + pd.Timedelta(days=1) - pd.Timedelta(1, "ns") - since)
    for p in ("A", "B"):
        rows = ci.loc[ci["partner"] == p]
        after = rows.loc[rows["date"] >= since, "connection"]
        prior = rows.loc[(rows["date"] >= before.normalize()) & (rows["date"] < since)]
        assert out.loc[p, "checkins_since"] == len(after)
        assert out.loc[p, "mean_since"] == pytest.approx(after.mean())
        assert out.loc[p, "mean_before"] == pytest.approx(prior["connection"].mean())
        tr = logs.triggers.loc[logs.triggers["partner"] == p]
        assert out.loc[p, "triggers_since"] == int((tr["timestamp"] >= since).sum())
    assert tuple(trends.changes_since(logs, since).columns) == trends.SINCE_COLUMNS


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def test_cli_report_writes_the_page_and_says_where(tmp_path, logs, capsys):
    from trustdata import cli, io

    folder = io.write(logs, tmp_path / "logs")
    out = tmp_path / "r.html"
    code = cli.main(
        [
            "report",
            str(folder),
            "--couple",
            "couple-01",
            "--audience",
            "therapist",
            "--since",
            "2025-06-01",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert out.exists() and out.resolve().as_uri() in printed
    assert 'id="since"' in out.read_text(encoding="utf-8")


def test_cli_report_unknown_couple_exits_2(tmp_path, logs, capsys):
    from trustdata import cli, io

    folder = io.write(logs, tmp_path / "logs")
    code = cli.main(["report", str(folder), "--couple", "nobody", "-o", str(tmp_path / "x.html")])
    assert code == 2
    assert "no couple 'nobody'" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_cli_report_bad_since_exits_2_with_a_sentence(tmp_path, logs, capsys):
    from trustdata import cli, io

    folder = io.write(logs, tmp_path / "logs")
    argv = ["report", str(folder), "--couple", "couple-01", "--audience", "therapist"]
    code = cli.main([*argv, "--since", "soon", "-o", str(tmp_path / "x.html")])
    assert code == 2
    assert "`since` must be a date" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["a folder", "a missing folder"])
def test_cli_report_output_that_cannot_be_written_exits_2_with_a_sentence(
    tmp_path, logs, capsys, where
):
    from trustdata import cli, io

    folder = io.write(logs, tmp_path / "logs")
    out = tmp_path if where == "a folder" else tmp_path / "nowhere" / "r.html"
    code = cli.main(["report", str(folder), "--couple", "couple-01", "-o", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert f"could not write the report to {out}" in err and "Traceback" not in err
    assert ("is a folder" in err) == (where == "a folder")
    assert ("does not exist" in err) == (where == "a missing folder")


# --- the trigger sentence for each trigger_trend verdict --------------------------------------


def _trend_row(verdict: str, **changes) -> pd.Series:
    row = {
        "partner": "A",
        "verdict": verdict,
        "first_rate_per_month": 6.0,
        "latest_rate_per_month": 2.0,
        "rate_ratio": 1 / 3,
        "rate_ratio_low": 0.15,
        "rate_ratio_high": 0.7,
        "rate_p": 0.002,
        "lessening": verdict == "lessening",
        "intensity_slope_per_month": 0.8,
        "intensity_p": 0.01,
        "intensity_verdict": "worsening",
        "could_be_chance": False,
    }
    return pd.Series(row | changes)


def _trigger_sentence(who: str, row: pd.Series, *, therapist: bool) -> str:
    return str(report._macros().trigger_item(who, row, therapist))


@pytest.mark.parametrize(
    ("verdict", "changes", "says", "never"),
    [
        ("lessening", {}, "have been coming less often: about 6.0 a month at first", "harder"),
        (
            "lessening",  # the rate did not fall reliably; the intensity did
            {"lessening": False, "latest_rate_per_month": 5.5, "intensity_slope_per_month": -1},
            "have felt milder lately (about 6.0 a month at first, about 5.5",
            "less often",
        ),
        ("worsening", {"rate_ratio": 3.0}, "more often or harder lately", "rarer"),
        (
            "mixed",  # fewer, but stronger
            {},
            "coming less often (about 6.0 a month at first, about 2.0 a month lately), but the "
            "ones that still come have felt stronger",
            "no clear change",
        ),
        (
            "mixed",  # more often, but milder
            {"rate_ratio": 3.0, "first_rate_per_month": 2.0, "latest_rate_per_month": 6.0},
            "coming more often lately (about 2.0 a month at first, about 6.0 a month lately), "
            "but they have felt milder",
            "no clear change",
        ),
        (
            "no_clear_change",
            {"rate_p": 0.4, "intensity_p": 0.6, "intensity_verdict": "no_clear_change"},
            "show no clear change yet (about 6.0 a month at first, about 2.0 a month lately)",
            "as often as before",
        ),
        (
            "no_clear_change",  # the rate did not move reliably; the intensity fell reliably
            {"rate_p": 0.4, "intensity_slope_per_month": -0.5, "intensity_verdict": "lessening"},
            "have not clearly become rarer (about 6.0 a month at first, about 2.0 a month "
            "lately), but the ones that still come have felt milder",
            "nor how strong",
        ),
        (
            "no_clear_change",  # the rate did not move reliably; the intensity rose reliably
            {"rate_p": 0.4},
            "but the ones that come have felt stronger lately",
            "nor how strong",
        ),
        (
            "insufficient_data",
            {"first_rate_per_month": 1.0},
            "not enough trigger logs yet to see a direction",
            "a month",
        ),
    ],
    ids=[
        "lessening",
        "lessening-milder",
        "worsening",
        "mixed-fewer",
        "mixed-more",
        "none",
        "rate-none-milder",
        "rate-none-stronger",
        "few",
    ],
)
def test_each_trigger_verdict_gets_its_own_gentle_sentence(verdict, changes, says, never):
    text = _trigger_sentence("A", _trend_row(verdict, **changes), therapist=False)
    assert text.startswith("A") and says in text
    assert never not in text


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({}, "mixed (rate down, intensity up: Theil-Sen slope 0.80 points/month, p = 0.010)."),
        ({"rate_ratio": 2.5, "intensity_slope_per_month": -0.5}, "mixed (rate up, intensity down"),
    ],
)
def test_therapist_mixed_sentence_says_which_way_each_moved(changes, says):
    text = _trigger_sentence("A", _trend_row("mixed", **changes), therapist=True)
    assert "rate ratio" in text and says in text


_BURSTS_THERAPIST = (
    "; triggers came in bursts (dispersion 1.71): allowing for that, the change could be "
    "chance (p = 0.136)."
)
_BURSTS_COUPLE = "They tend to come in bursts, so this may partly be chance."


@pytest.mark.parametrize(
    ("verdict", "changes", "said"),
    [
        ("lessening", {}, True),
        ("worsening", {"rate_ratio": 3.0}, True),
        # the p-value allowing for the bursts is still below alpha: the change stands
        ("lessening", {"rate_p_bursts": 0.03}, False),
        # independent-looking triggers: never
        ("lessening", {"bursty": False, "dispersion": 1.0, "rate_p_bursts": 0.002}, False),
        ("mixed", {}, False),
        ("no_clear_change", {"rate_p": 0.4, "rate_p_bursts": 0.6}, False),
    ],
    ids=["lessening", "worsening", "still-clear", "independent", "mixed", "none"],
)
def test_a_change_from_bursts_of_triggers_is_said_to_be_possibly_chance(verdict, changes, said):
    from trustdata import triggers

    row = _trend_row(verdict, alpha=0.05, bursty=True, dispersion=1.713064, rate_p_bursts=0.1356103)
    row = pd.Series(row.to_dict() | changes)
    # the decision is trigger_trend's column (its rule, triggers.could_be_chance); the page
    # only reads it
    row["could_be_chance"] = bool(
        triggers.could_be_chance([row["verdict"]], [row["bursty"]], [row["rate_p_bursts"]], 0.05)[0]
    )
    assert row["could_be_chance"] == said
    therapist = _trigger_sentence("A", row, therapist=True)
    couple = _trigger_sentence("A", row, therapist=False)
    assert (_BURSTS_THERAPIST in therapist) == said and therapist.endswith(".")
    assert (_BURSTS_COUPLE in couple) == said
    assert "burst" not in therapist + couple or said


def test_on_the_sample_only_couple_04_a_hears_its_change_could_be_chance(
    sample_logs, sample_review, sample_page
):
    # the verdict stays the exact test's (p 0.042: "lessening"); its triggers came in bursts
    # (dispersion 1.71) and allowing for that p is 0.136; couple-01 A and couple-03 A are bursty
    # too, but their falls stay clear (p 6e-6 and 1e-6): no words
    for couple in sample_logs.couple_ids:
        for audience in report.AUDIENCES:
            page = _text(sample_page(couple, audience))
            n = page.count("in bursts")
            if couple != "couple-04":
                assert n == 0, (couple, audience)
            elif audience == "therapist":
                # in the summary and in the triggers section, after A's sentence
                assert page.count("p = 0.042: lessening" + _BURSTS_THERAPIST) == 2 == n
            else:
                assert page.count("about 11 a month lately. " + _BURSTS_COUPLE) == 2 == n
    a = sample_review("couple-04").trigger_trend.set_index("partner").loc["A"]
    assert a["verdict"] == "lessening" and a["bursty"] and a["could_be_chance"]
    assert (round(a["rate_p"], 3), round(a["dispersion"], 2), round(a["rate_p_bursts"], 3)) == (
        0.042,
        1.71,
        0.136,
    )


def test_a_mixed_trend_is_not_called_no_change_in_the_page():
    # first three months: many mild triggers; then fewer strong ones (rate down, intensity up):
    # the real trigger_trend calls this "mixed" (no mock)
    from trustdata import triggers

    start = pd.Timestamp("2025-01-06")
    days = [*range(0, 90, 2), *range(92, 180, 5)]
    trig = [
        {
            "couple_id": "c1",
            "partner": "A",
            "timestamp": start + pd.Timedelta(days=d, hours=20),
            "time_known": True,
            "category": "location",
            "intensity": 2 if d < 90 else 9,
            "note": "",
        }
        for d in days
    ]
    logs = Logs(triggers=as_table("triggers", trig))
    assert triggers.trigger_trend(logs.triggers)["verdict"].tolist() == ["mixed"]
    page = _text(report.build(logs, "c1"))
    assert "coming less often (about 15 a month at first, about 6.2 a month lately)" in page
    assert "but the ones that still come have felt stronger" in page
    assert "no clear change" not in page and "as often as before" not in page


# --------------------------------------------------------------------------------------------
# Every number on the page is a value of the review
# --------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _review_values(r) -> set[str]:
    """Every way the page may print a value of the review: numbers at 0-3 decimals, dates'
    day and year, and the numbers inside the review's own text (evidence, notes, answers)."""
    import dataclasses
    from decimal import ROUND_HALF_UP, Decimal

    out: set[str] = set()

    def number(x: float) -> None:
        if x != x or x in (float("inf"), float("-inf")):
            return
        for d in range(4):  # halves away from zero on the decimal as written, as pages print
            step = Decimal(1).scaleb(-d)
            out.add(format(Decimal(repr(abs(float(x)))).quantize(step, ROUND_HALF_UP), "f"))
        if float(x).is_integer():
            out.add(str(abs(int(x))))

    def visit(value) -> None:
        if value is None or value is pd.NaT or value is pd.NA:
            return
        if isinstance(value, pd.DataFrame):
            for col in value.columns:
                for v in value[col].tolist():
                    visit(v)
            return
        if isinstance(value, dict):
            for v in value.values():
                visit(v)
            return
        if isinstance(value, list | tuple | set):
            for v in value:
                visit(v)
            return
        if isinstance(value, pd.Timestamp):
            out.update({str(value.day), str(value.year), f"{value:%H}", f"{value:%M}"})
            return
        if isinstance(value, bool | np.bool_):
            return
        if isinstance(value, int | float | np.integer | np.floating):
            number(float(value))
            return
        if isinstance(value, str):
            out.update(_NUMBER.findall(value))
            return
        if isinstance(value, Logs):
            return  # the raw logs are not a value the page may print
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                visit(getattr(value, f.name))

    visit(r)
    return out


def _printed_numbers(page: str) -> list[str]:
    body = page[page.index("<body>") :]
    body = re.sub(r"<script>.*?</script>", "", body, flags=re.S)
    import html

    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return _NUMBER.findall(text)


@pytest.fixture(scope="module")
def dated_reviews(sample_review):
    """``review(..., today="2026-01-05")`` of a couple, computed once for both audiences' pages."""
    from trustdata.review import review

    done = {}

    def get(couple):
        if couple == "abuse":
            if couple not in done:
                done[couple] = review(make_logs(abuse=True), "couple-01", today="2026-01-05")
            return done[couple]
        return sample_review(couple, today="2026-01-05")

    return get


@pytest.fixture(scope="module")
def dated_pages(dated_reviews, sample_page):
    """``report.render(dated_reviews(couple), audience=audience)``, made once."""
    done = {}

    def get(couple, audience):
        if couple != "abuse":
            return sample_page(couple, audience, today="2026-01-05")
        if audience not in done:
            done[audience] = report.render(dated_reviews(couple), audience=audience)
        return done[audience]

    return get


@pytest.mark.parametrize("audience", ["couple", "therapist"])
@pytest.mark.parametrize("couple", ["couple-01", "couple-02", "couple-04", "abuse"])
def test_every_number_on_the_page_is_a_value_of_the_review(
    audience, couple, dated_reviews, dated_pages
):
    r = dated_reviews(couple)
    page = dated_pages(couple, audience)
    allowed = _review_values(r)
    printed = _printed_numbers(page)
    assert len(printed) > 50
    strays = sorted({n for n in printed if n not in allowed})
    assert strays == []


def test_a_slope_clear_of_0_without_a_clear_change_says_why(dated_pages):
    # couple-02 A: 95% CI 0.04 to 0.12 and Mann-Kendall p < 0.001, yet no clear change: the
    # change's size the trend route reads (trend_points) is 1.17 points, under 1.25
    therapist = _section_text(dated_pages("couple-02", "therapist"), "summary")
    assert (
        "95% CI 0.04 to 0.12; Mann-Kendall tau 0.64, p < 0.001; RCI 1.19: no clear change, "
        "though the slope's 95% interval is above 0: a small steady rise; its size (the mean of "
        "the ends' difference, 1.00 points, and the line's change, 1.34) is 1.17 points, under "
        "the 1.25 a clear change needs)"
    ) in therapist
    # B too (1.12 points), and never for trust, whose interval reaches 0; B's ends differ by
    # 1.25 points, as its flag says, so the line reads which 1.25 is under which: a reader saw
    # "1.12 points, under the 1.25" beside a flag's "(1.25 points; ...)"
    assert (
        "its size (the mean of the ends' difference, 1.25 points, and the line's change, 0.99) is "
        "1.12 points, under the 1.25 a clear change needs"
    ) in therapist
    assert "5.75 in the latest 4 (1.25 points;" in _section_text(
        dated_pages("couple-02", "therapist"), "flags"
    )
    assert therapist.count("though the slope's") == 4  # A and B, in the line and the card
    couple = _section_text(dated_pages("couple-02", "couple"), "summary")
    said = "Over the months it has edged up, though by less than a clear rise: no clear change yet."
    assert couple.count(said) == 2
    assert "clear rise:" not in couple.replace(said, "")  # no rise claimed beyond that


def test_what_the_trend_route_lacked_in_both_ways(dated_pages):
    # couple-03 B: the interval is above 0 but the RCI (0.54) and the size (0.86) both fall short
    page = _section_text(dated_pages("couple-03", "therapist"), "summary")
    assert (
        "RCI 0.54: no clear change, though the slope's 95% interval is above 0: the RCI is within "
        "±0.75 and its size (the mean of the ends' difference, 0.50 points, and the line's "
        "change, 1.23) is 0.86 points, where a clear change needs an RCI beyond ±0.75 and at "
        "least 1.25 points"
    ) in page


def _chart_specs(page: str) -> list[dict]:
    """The charts the page's drawing script holds (id, print height, figure JSON)."""
    import json

    return json.loads(re.search(r"var charts = (\[.*?\]);\n", page, flags=re.S).group(1))


@pytest.mark.parametrize("audience", ["couple", "therapist"])
def test_a_partner_without_triggers_gets_words_not_an_empty_panel(
    audience, dated_reviews, dated_pages
):
    # couple-01 B logged no triggers: their panel of the trigger charts was a row of zeros
    r = dated_reviews("couple-01")
    assert r.partners == ("A", "B") and r.partners_with_triggers == ("A",)
    page = dated_pages("couple-01", audience)
    text = _section_text(page, "triggers")
    assert re.search(r"\bB( \(involved partner\))? has not logged any triggers\.", text)
    assert "Only A's triggers are drawn: B logged none." in text
    # the trigger bars (a meta category) and the therapist's heat map, by partner
    drawn = [
        t
        for spec in _chart_specs(page)
        for t in spec["figure"]["data"]
        if t.get("type") == "heatmap" or "category" in (t.get("meta") or {})
    ]
    assert len({t["type"] for t in drawn}) == 1 + (audience == "therapist")
    assert {(t.get("meta") or {}).get("partner", t.get("name")) for t in drawn} == {"A"}
    # both partners with triggers: both panels, no such sentence
    both = dated_pages("couple-04", audience)
    assert "triggers are drawn" not in _section_text(both, "triggers")
    assert {
        (t.get("meta") or {}).get("partner", t.get("name"))
        for spec in _chart_specs(both)
        for t in spec["figure"]["data"]
        if t.get("type") == "heatmap" or "category" in (t.get("meta") or {})
    } == {"A", "B"}


@pytest.fixture(scope="module")
def sample_logs(bundled_sample):
    """``trustdata.load`` of the bundled sample (tests/conftest.py: loaded once per worker)."""
    return bundled_sample.logs()


@pytest.fixture(scope="module")
def sample_review(bundled_sample):
    """``review(sample_logs, couple, **options)``, computed once per couple and options
    (tests/conftest.py): each call a copy, so no test can change what another reads."""
    return bundled_sample.review


@pytest.fixture(scope="module")
def sample_page(bundled_sample):
    """``report.render(sample_review(couple, **options), audience=audience)``, made once (the
    same page ``report.build(sample_logs, couple, audience=audience, **options)`` returns)."""

    def get(couple, audience="couple", **options):
        return bundled_sample.page(couple, audience, **options)

    return get


# --------------------------------------------------------------------------------------------
# Issue 11 on the page
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def couple04(sample_page):
    # report.build(sample_logs, "couple-04", audience=a, today="2026-01-05"), made once
    return {a: sample_page("couple-04", a, today="2026-01-05") for a in report.AUDIENCES}


def test_couple_page_names_the_repeat_betrayal_kindly_and_counts_from_it(couple04):
    from trustdata.review import HARD_NEWS_MESSAGES

    text = _section_text(couple04["couple"], "summary")
    assert "On 6 July 2024, a repeat betrayal was recorded" in text
    assert HARD_NEWS_MESSAGES["repeat_betrayal"] in text
    assert text.count("betrayal was recorded") == 1  # said once, not twice
    assert "Since 6 July 2024:" in text
    page = _text(couple04["couple"])
    assert "came through 0" not in page
    assert "Every check-in you write is part of the work" not in page
    assert "normal part of recovery" not in page


def test_no_small_win_from_before_the_hard_news(sample_review):
    r = sample_review("couple-04")
    assert len(r.small_wins) and (r.small_wins["date"] >= r.latest_hard_news).all()


def test_therapist_flags_speak_about_the_couple_not_to_them(couple04):
    from trustdata import milestones

    flags = _section_text(couple04["therapist"], "flags")
    assert "For the therapist:" in flags
    for message in milestones.FLAG_MESSAGES.values():
        assert message not in flags
    assert "please consider" not in flags.lower() and "your scores" not in flags.lower()


def test_pages_speak_in_one_voice(couple04):
    therapist = _text(couple04["therapist"])
    for phrase in (" you came through", "each of you", "Your logs", " your "):
        assert phrase not in therapist
    couple = _text(couple04["couple"])
    assert "Your logs run from" in couple and "the couple's" not in couple


def test_dates_are_in_words_and_event_names_too(couple04):
    for page in couple04.values():
        text = _text(page)
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)
        assert "repeat_betrayal" not in text and "couples_therapy" not in text
        assert "couples therapy" in text


def test_generation_date_and_rejected_records_are_on_the_page(tmp_path):
    import trustdata

    (tmp_path / "checkins.csv").write_text(
        "couple_id,partner,date,connection\nc1,A,2025-01-06,5\nc1,A,2025-01-13,11\n"
    )
    logs = trustdata.load(tmp_path)
    built = _built(logs, "c1", today="2026-02-03")
    for audience in report.AUDIENCES:
        text = _text(built[audience])
        assert "Made on 3 February 2026" in text
        assert "1 record in the files could not be read and is not in this page" in text


def test_display_names_are_used_in_every_view_and_roles_keep_their_order():
    logs = make_logs()
    named = Logs(
        checkins=logs.checkins,
        triggers=logs.triggers,
        events=logs.events,
        couples=as_table("couples", [{"couple_id": "couple-01", "name_A": "Ann", "name_B": "Bo"}]),
    )
    pages = _built(named, "couple-01")
    for audience in report.AUDIENCES:
        page = pages[audience]
        text = _text(page)
        assert "Ann" in text and "Bo" in text
        assert text.index("Ann") < text.index("Bo")
        assert "<bdi>Ann</bdi>" in page
        summary = _section_text(page, "summary")
        assert not re.search(r"\bA\b felt|\bA\b:|\bB\b:", summary)
        # the legend of the trend chart uses the names too
        assert '"name":"Ann: weekly score"' in page or "Ann: weekly score" in page
    therapist = _text(pages["therapist"])  # the page the loop built
    assert "Ann (hurt partner)" in therapist and "Bo (involved partner)" in therapist


def test_typed_text_is_isolated_in_bdi():
    rlo = "\u202eevil\u202c"
    logs = make_logs(partners=(f"Ann{rlo}", "Bob"))
    built = _built(logs, "couple-01")
    for audience in report.AUDIENCES:
        page = _without_plotly_js(built[audience])
        body = page[page.index("<main>") : page.index("<script>", page.index("<main>"))]
        # every occurrence of the typed name in the HTML is inside a <bdi> element
        outside = re.sub(r"<bdi>.*?</bdi>", "", body, flags=re.S)
        assert "\u202e" not in outside
        assert body.count("\u202e") > 3


def test_abuse_note_is_nowhere_on_the_couple_page_and_listed_for_the_therapist(pages):
    note = "shouted and threw a plate"
    assert note not in pages["abuse"]  # text, chart JSON and hover included
    page = pages["abuse"]
    rest = page[: page.index('<section id="safety"')] + page[page.index('<section id="summary"') :]
    assert "abuse" not in _text(rest).lower()  # only the safety notice speaks of it
    therapist = pages["abuse_therapist"]
    assert note in therapist
    text = _section_text(therapist, "safety")
    assert "recorded by A (hurt partner)" in text
    assert "See each partner alone" in text and "safety plan" in text
    assert "Conjoint work is usually paused" in text


def test_a_partner_who_stopped_checking_in_raises_a_note_for_the_therapist():
    page = report.build(_stopped_logs(), "c1", audience="therapist")
    flags = _section_text(page, "flags")
    assert "stopped checking in · B" in flags and "10 March 2025" in flags
    assert "No red flags" not in flags


def test_therapist_sees_every_answer_since_and_who_wrote_none():
    rows = [
        {"couple_id": "c1", "partner": p, "date": d, "connection": 5,
         "need": "time" if p == "A" else None}
        for p in "AB"
        for d in pd.date_range("2025-01-06", periods=6, freq="7D")
    ]  # fmt: skip
    page = report.build(
        Logs(checkins=as_table("checkins", rows)), "c1", audience="therapist", since="2025-01-27"
    )
    text = _section_text(page, "answers")
    assert text.count("time") == 3  # Jan 27, Feb 3, Feb 10
    assert "B wrote no answers since 27 January 2025." in text


def test_couple_page_shows_what_helped_in_their_own_words(pages):
    text = _section_text(pages["couple"], "words")
    assert "talked at dinner 27" in text  # the latest answer of June for A
    assert "What decreased trust" not in text


def test_pdf_needs_chromium_and_says_how_to_install_it(tmp_path, monkeypatch):
    from trustdata.errors import TrustDataError

    monkeypatch.setenv("TRUSTDATA_CHROMIUM", str(tmp_path / "none"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(report, "_FALLBACK_CHROMIUM", str(tmp_path / "none"))
    with pytest.raises(TrustDataError, match="apt-get install chromium"):
        report.write_pdf("<p>x</p>", tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.browser
def test_pdf_is_a_real_pdf(tmp_path):
    if report.find_chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    out = report.write(make_logs(), "couple-01", tmp_path / "r.pdf", audience="therapist")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 1


def test_cli_report_pdf_without_chromium_exits_2_saying_how_to_install(
    tmp_path, logs, capsys, monkeypatch
):
    from trustdata import cli, io

    folder = io.write(logs, tmp_path / "logs")
    monkeypatch.setenv("TRUSTDATA_CHROMIUM", str(tmp_path / "none"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(report, "_FALLBACK_CHROMIUM", str(tmp_path / "none"))
    code = cli.main(["report", str(folder), "--couple", "couple-01", "-o", str(tmp_path / "r.pdf")])
    assert code == 2
    assert "apt-get install chromium" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.browser
def test_cli_report_writes_a_real_pdf(tmp_path, logs, capsys):
    from trustdata import cli, io

    if report.find_chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    folder = io.write(logs, tmp_path / "logs")
    out = tmp_path / "r.pdf"
    code = cli.main(["report", str(folder), "--couple", "couple-01", "-o", str(out)])
    assert code == 0 and out.read_bytes().startswith(b"%PDF-")
    assert "A PDF of the page" in capsys.readouterr().out


def test_couple_page_tells_its_red_flags_in_the_couples_own_words(sample_review, sample_page):
    from trustdata import review as rv

    r = sample_review("couple-02")
    assert "no_reliable_improvement_12m" in r.couple_notes["flag"].tolist()
    page = sample_page("couple-02", "couple")
    text = _section_text(page, "notes")
    assert rv.COUPLE_NOTE_MESSAGES["no_reliable_improvement_12m"] in text
    assert "For the therapist" not in text


def test_couple_04_cut_four_weeks_after_the_betrayal_reads_true(sample_logs):
    # issue 11: cut at four weeks after the repeat betrayal (6 July 2024) the page said "You came
    # through 0 harder stretches ... setbacks are a normal part of recovery" and celebrated a
    # best week from before the betrayal
    from trustdata.review import review

    end = pd.Timestamp("2024-08-03")
    one = sample_logs.couple("couple-04")
    cut = Logs(
        checkins=one.checkins.loc[one.checkins["date"] <= end],
        triggers=one.triggers.loc[one.triggers["timestamp"] <= end],
        events=one.events.loc[one.events["date"] <= end],
        couples=one.couples,
    )
    r = review(cut, "couple-04")
    text = _text(report.render(r, audience="couple"))
    assert "On 6 July 2024, a repeat betrayal was recorded" in text
    assert "came through 0" not in text and "normal part of recovery" not in text
    assert "Every check-in you write is part of the work" not in text
    assert (r.small_wins["date"] >= pd.Timestamp("2024-07-06")).all()
    assert r.logged_wins.empty or (r.logged_wins["date"] >= pd.Timestamp("2024-07-06")).all()


def test_no_clear_change_in_the_rate_does_not_deny_a_reliable_fall_in_intensity(
    sample_review, sample_page
):
    # couple-03: B's trigger rate did not change reliably (p = 0.73) but the intensity fell
    # reliably (Kendall p = 0.003); the page said "neither how often they come nor how strong
    # they feel has moved"
    r = sample_review("couple-03")
    row = r.trigger_trend.set_index("partner").loc["B"]
    assert row["verdict"] == "no_clear_change" and row["intensity_verdict"] == "lessening"
    couple = _text(sample_page("couple-03", "couple"))
    assert "nor how strong they feel" not in couple
    assert "B's triggers have not clearly become rarer" in couple
    assert "but the ones that still come have felt milder" in couple
    therapist = _section_text(sample_page("couple-03", "therapist"), "summary")
    assert "no clear change in the rate; intensity down (Theil-Sen slope -0.14" in therapist


def test_a_rise_by_the_trend_rule_is_not_called_bigger_than_the_ups_and_downs(sample_page):
    # couple-01 B: "improved" by the slope rule with RCI 1.78 (under 1.96): the page said "bigger
    # than the usual ups and downs" (the words of a reliable change, RCI beyond 1.96) and the
    # therapist's "RCI 1.78: improved" read as if the index had decided
    couple = _section_text(sample_page("couple-01", "couple"), "summary")
    b = couple[couple.index("B felt") :]
    b = b[: b.index("B's latest check-in")]
    assert "bigger than the usual ups and downs" not in b
    assert "a steady climb over the months" in b
    a = couple[couple.index("A felt") : couple.index("B felt")]
    assert "bigger than the usual ups and downs" in a
    therapist = _section_text(sample_page("couple-01", "therapist"), "summary")
    assert (
        "RCI 1.78: improved as a steady trend: the slope's 95% interval is above 0; the RCI "
        "alone is within ±1.96"
    ) in therapist
    assert "RCI 3.29: improved)" in therapist
    assert (
        "or as a clear change: the slope's 95% interval above (below) 0 (a trend over the "
        "months), or the "
        "latest 4 weeks' mean beyond its own 95% interval from the first's (by the ends)"
    ) in therapist


def test_ends_apart_against_the_slope_is_not_within_the_ups_and_downs():
    # the latest four weeks far above the first (RCI beyond 1.96) but the line through the
    # months falls (a high middle): no clear change, yet not "within the usual ups and downs"
    scores = [2] * 4 + [9] * 20 + [4] * 12 + [5] * 4
    days = pd.date_range("2025-01-06", periods=len(scores), freq="7D")
    rows = [
        {"couple_id": "c1", "partner": "A", "date": d, "connection": s}
        for d, s in zip(days, scores, strict=True)
    ]
    from trustdata.review import review

    r = review(Logs(checkins=as_table("checkins", rows)), "c1")
    v = r.trend_verdicts.iloc[0]
    assert v["verdict"] == "no_clear_change" and v["ends_reliable"] and v["slope_per_month"] < 0
    text = _section_text(report.render(r, audience="couple"), "summary")
    assert "within the usual ups and downs" not in text
    assert "differ from the first by more than the usual ups and downs" in text
    therapist = _section_text(report.render(r, audience="therapist"), "summary")
    assert "no clear change, the RCI beyond ±1.96 but the slope not rising" in therapist


def test_trigger_table_never_prints_a_p_value_of_zero(sample_page):
    # couple-01 A: p = 1e-16; the sentence said "p < 0.001", the table "0.000"
    page = sample_page("couple-01", "therapist", today="2026-01-05")
    section = page[page.index('<section id="triggers"') :]
    table = section[section.index("<table") : section.index("</table>")]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table, flags=re.S)
    assert "0.000" not in cells
    assert "&lt;\u00a00.001" in cells  # a no-break space: the cell never breaks in two


def test_new_information_is_told_to_both_partners_not_about_the_hurt_one(sample_page):
    # couple-03: "new information came out (B). New information came out during the recovery.
    # New disclosures often shake how safe the hurt partner feels"
    text = _section_text(sample_page("couple-03", today="2026-01-05"), "summary")
    assert "On 28 April 2024, new information came out" in text
    assert "the hurt partner" not in text
    assert text.count("ew information came out") == 1
    assert "New disclosures often shake the feeling of safety" in text


@pytest.mark.parametrize(
    ("n", "m", "says"),
    [
        (2, 1, "2 setbacks began; you came through 1 of them, and the other is still going on."),
        (3, 1, "3 setbacks began; you came through 1 of them, and the others are still going on."),
    ],
)
def test_setbacks_since_hard_news_agree_in_number(n, m, says):
    from types import SimpleNamespace

    r = SimpleNamespace(
        hard_news=pd.DataFrame(columns=["date", "kind", "partner", "note", "message"]),
        latest_hard_news=pd.Timestamp("2024-07-06"),
        setbacks_since_hard_news=n,
        recovered_since_hard_news=m,
    )
    text = " ".join(str(report._macros().news_items(r, "couple")).split())
    assert says in text


def test_therapist_card_of_a_short_log_gives_no_empty_evidence():
    # one check-in, no trigger: the card said "1 check-ins; first / latest 0 weeks n/a / n/a;
    # slope/month n/a [n/a, n/a]; RCI n/a" and "triggers/month first / latest: 0.0 / 0.0"
    ci = as_table("checkins", [{"couple_id": "c1", "partner": "A", "date": "2025-01-06",
                                "connection": 5}])  # fmt: skip
    text = _section_text(report.build(Logs(checkins=ci), "c1", audience="therapist"), "summary")
    assert "connection: 1 check-in, on average 5.0 (too short to tell)" in text
    assert "triggers: none logged" in text
    assert "n/a" not in text and "1 check-ins" not in text and "0 weeks" not in text


def test_the_setbacks_heading_says_came_through_only_when_they_did(sample_page):
    def heading(page: str) -> str:
        section = page[page.index('<section id="setbacks"') :]
        return re.search(r"<h2>(.*?)</h2>", section).group(1)

    # couple-01: one setback, ended
    assert heading(sample_page("couple-01")) == "Setbacks you came through"
    # no setback at all: the heading does not claim one
    ci = as_table("checkins", _weekly_rows([5, 6] * 8))
    page = report.build(Logs(checkins=ci), "c1")
    assert "No setbacks stand out" in _section_text(page, "setbacks")
    assert heading(page) == "Setbacks"
    # a setback still going on at the end of the logs
    ci = as_table("checkins", _weekly_rows([7] * 14 + [2, 2, 2]))
    page = report.build(Logs(checkins=ci), "c1")
    assert "still going on" in _section_text(page, "setbacks")
    assert heading(page) == "Setbacks"


def _weekly_rows(scores: list[int]) -> list[dict]:
    days = pd.date_range("2025-01-06", periods=len(scores), freq="7D")
    return [
        {"couple_id": "c1", "partner": "A", "date": d, "connection": s}
        for d, s in zip(days, scores, strict=True)
    ]


def test_the_diverging_flag_names_both_partners_by_their_names():
    # A rises, B drifts down: milestones' evidence says "the gap between A's and B's connection
    # scores"; the page showed the ids although the couples table names them Ann and Bo
    days = pd.date_range("2025-01-06", periods=20, freq="7D")
    a = [5, 5, 6, 5, 6, 6, 7, 6, 7, 7, 8, 7, 8, 8, 9, 8, 9, 9, 10, 9]
    b = [5, 5, 5, 4, 5, 4, 4, 5, 4, 4, 3, 4, 3, 4, 3, 3, 4, 3, 3, 3]
    rows = [
        {"couple_id": "c1", "partner": p, "date": d, "connection": x}
        for p, scores in (("A", a), ("B", b))
        for d, x in zip(days, scores, strict=True)
    ]
    logs = Logs(
        checkins=as_table("checkins", rows),
        couples=as_table("couples", [{"couple_id": "c1", "name_A": "Ann", "name_B": "Bo"}]),
    )
    page = report.build(logs, "c1", audience="therapist")
    flags = _section_text(page, "flags")
    assert "partners drifting apart" in flags
    assert "the gap between Ann's and Bo's connection scores" in flags
    assert "A's" not in flags and "B's" not in flags
    assert "between <bdi>Ann</bdi>'s and <bdi>Bo</bdi>'s connection" in page


def test_the_couples_month_table_says_it_is_connection(sample_page):
    # the table of monthly connection means follows the trust and layers charts; its heading
    # "Month by month, on average" did not say which score it holds
    text = _section_text(sample_page("couple-01"), "connection")
    assert "How connected each of you felt, month by month (on average)" in text
    assert "Month by month, on average" not in text


def test_setbacks_are_named_as_falls_of_the_connection_score(sample_page):
    # find_setbacks runs on the connection score only; the words said "a score", which a reader
    # of the trust chart above could take for trust
    text = _section_text(sample_page("couple-03"), "setbacks")
    assert "stretches when the connection score fell clearly below its usual level" in text
    assert "when the connection score fell clearly below its own recent level" in text
    assert "a score fell" not in text


def test_while_abuse_is_logged_the_couple_page_suggests_no_joint_talk(pages):
    # make_logs(abuse=True): B's triggers are "mixed" (fewer, stronger); the sentence ended
    # "the hard moments may be worth talking through together", advice for joint work that
    # the safety notice above it says can wait
    text = _text(pages["abuse"])
    assert "have felt stronger" in text
    assert "talking through together" not in text and "talk about it together" not in text
    assert "worth talking through with someone you trust" in text
    # without abuse the words are unchanged
    row = _trend_row("mixed")
    assert "talking through together" in _trigger_sentence("A", row, therapist=False)


def test_a_fall_under_the_safety_notice_is_not_told_to_talk_it_over_together():
    from types import SimpleNamespace

    v = SimpleNamespace(verdict="deteriorated", route="reliable_change", shape="steady")
    words = str(report._macros().verdict_words(v, False))
    assert "together" not in words and "with someone you trust" in words
    assert "together or with someone you trust" in str(report._macros().verdict_words(v))


# --------------------------------------------------------------------------------------------
# Fresh eyes, third read: sentences checked against the data
# --------------------------------------------------------------------------------------------


def _abuse_last_logs() -> Logs:
    # two check-ins a week for ten weeks, one agreement, then an abuse event as the very
    # latest record of the couple
    rows = _partner_weeks("A", [5] * 10) + _partner_weeks("B", [6] * 10, offset=1)
    ev = [
        {"couple_id": "c1", "date": "2025-01-08", "kind": "agreement", "note": "phones"},
        {"couple_id": "c1", "date": "2025-04-02", "kind": "abuse", "partner": "A", "note": "hit"},
    ]
    return Logs(checkins=as_table("checkins", rows), events=as_table("events", ev))


def _partner_weeks(partner: str, scores, *, start: str = "2025-01-06", offset: int = 0, **extra):
    days = pd.date_range(pd.Timestamp(start) + pd.Timedelta(days=offset), periods=len(scores),
                         freq="7D")  # fmt: skip
    return [
        {"couple_id": "c1", "partner": partner, "date": d, "connection": int(s), **extra}
        for d, s in zip(days, scores, strict=True)
    ]


def test_the_couple_page_neither_counts_nor_dates_a_hidden_abuse_event():
    # the page said "logs from 6 January 2025 to 2 April 2025 ... 2 events" above a list of
    # one event: the abuse event, kept out of the shared page, was counted, and its date was
    # the end of "your logs run from ... to ..."
    page = report.build(_abuse_last_logs(), "c1", audience="couple", today="2025-05-01")
    text = _text(page)
    assert "2 April 2025" not in text
    assert "Your logs run from 6 January 2025 to 11 March 2025" in text
    assert "1 event." in text and "2 events" not in text
    therapist = _text(report.build(_abuse_last_logs(), "c1", audience="therapist"))
    assert "These logs run from 6 January 2025 to 2 April 2025" in therapist
    assert "and 2 events." in therapist


def test_a_change_shown_by_the_ends_is_not_called_steady():
    # a fall of 2 points after 4 weeks, then 44 weeks of a noisy plateau: trend_summary calls it
    # by the ends' own interval (RCI -1.47, the slope's 95 % interval -0.21 to 0.05); "come down
    # steadily over the months" and "as a steady trend" would not be true of it
    scores = [7, 6, 7, 7] + [5, 4, 5, 6, 4, 5, 6, 5] * 5 + [5, 5, 5, 4]
    logs = Logs(checkins=as_table("checkins", _partner_weeks("A", scores)))
    built = _built(logs, "c1")
    couple, therapist = _text(built["couple"]), _text(built["therapist"])
    said = couple[couple.index("4.8 in the latest 4 weeks.") :][:300]
    assert "steadily" not in said and "deteriorated as a steady trend" not in therapist
    assert (
        "4.8 in the latest 4 weeks. The latest weeks sit lower than the first, more than the usual "
        "ups and downs of a few weeks would explain." in couple
    )
    assert (
        "RCI -1.47: deteriorated by the ends: the latest 4 weeks' mean is below the first's "
        "beyond its 95% interval; the slope's interval includes 0; the RCI alone is within "
        "±1.96)" in therapist
    )


@pytest.mark.parametrize("route", ["reliable_change", "trend"])
def test_a_fall_under_the_safety_notice_is_not_called_part_of_recovery(route):
    # abuse then a fall: "That happens in recovery" told a partner whose score fell after
    # abuse that the fall was part of recovery; under the safety notice it is not said
    from types import SimpleNamespace

    v = SimpleNamespace(verdict="deteriorated", route=route, shape="steady")
    words = str(report._macros().verdict_words(v, False))
    assert "recovery" not in words
    assert "It may help to talk about it with someone you trust." in words
    assert "That happens in recovery; it may help" in str(report._macros().verdict_words(v))


def test_no_difference_is_not_called_within_the_usual_ups_and_downs():
    # every score 10 (A) and every score 6 (B): the page said "The difference is within the
    # usual ups and downs from week to week: no clear change yet" of a difference of 0 and
    # of scores that never moved; at the scale's top no rise can show at all
    rows = _partner_weeks("A", [10] * 12) + _partner_weeks("B", [6] * 12, offset=1)
    logs = Logs(checkins=as_table("checkins", rows))
    built = _built(logs, "c1")
    text = _text(built["couple"])
    assert "within the usual ups and downs" not in text
    assert (
        "10.0 in the latest 4 weeks. That is the top of the scale, at the start and now: there "
        "is no room on it to show a rise." in text
    )
    assert (
        "6.0 in the latest 4 weeks. That is the same level as in the first weeks: no clear change "
        "yet." in text
    )
    therapist = _text(built["therapist"])
    assert "both at the scale's top (10): a ceiling, no rise can show" in therapist
    assert therapist.count("a ceiling") == 1  # A only
    # a difference within the noise keeps its words
    rows = _partner_weeks("A", [4, 6, 5, 5, 6, 4, 5, 6, 5, 6, 5, 6])
    text = _text(report.build(Logs(checkins=as_table("checkins", rows)), "c1"))
    assert "The difference is within the usual ups and downs from week to week" in text


def test_a_partner_who_never_checks_in_is_named_on_both_pages():
    rows = _partner_weeks("A", [4, 5, 5, 6, 6, 6, 7, 7, 7, 7])
    tr = [{"couple_id": "c1", "partner": "B", "timestamp": f"2025-01-{d:02d} 20:00",
           "intensity": 5, "category": "media"} for d in (8, 15, 22)]  # fmt: skip
    logs = Logs(checkins=as_table("checkins", rows), triggers=as_table("triggers", tr))
    built = _built(logs, "c1")
    couple = _section_text(built["couple"], "summary")
    assert "B has not checked in yet: every score on this page is A's." in couple
    therapist = built["therapist"]
    flags = _section_text(therapist, "flags")
    assert "No red flags" not in flags
    assert "no check-ins · B: no check-in in these logs (3 triggers logged)." in flags
    assert "B has no check-ins, so no answers." in _section_text(therapist, "answers")
    card = therapist[therapist.index('<div class="side-by-side') :]
    assert _text("<body>" + card[: card.index("</div></div>")]).count("check-ins: none") == 1


@pytest.mark.parametrize("audience", ["couple", "therapist"])
def test_three_check_ins_are_too_early_to_say_no_setback_stands_out(audience):
    # 2 check-ins of A and 1 of B: "No setbacks stand out in the check-ins: no stretch fell
    # clearly below its recent level" claimed a search that three check-ins cannot make
    rows = _partner_weeks("A", [4, 5]) + _partner_weeks("B", [6], offset=1)
    page = report.build(Logs(checkins=as_table("checkins", rows)), "c1", audience=audience)
    text = _section_text(page, "summary")
    assert "No setbacks stand out" not in _text(page)
    assert "It is too early to look for setbacks" in text
    # one partner with a long enough log: the search was made, and found nothing
    rows = _partner_weeks("A", [5, 6] * 6) + _partner_weeks("B", [6], offset=1)
    page = report.build(Logs(checkins=as_table("checkins", rows)), "c1", audience=audience)
    assert "No setbacks stand out in the check-ins" in _section_text(page, "summary")


@pytest.mark.parametrize(
    ("audience", "says"),
    [
        ("couple", "Nothing has been logged since 10 March 2025, 52 weeks before this page was "
         "made, so \"lately\" and \"the latest weeks\" here mean the weeks up to then, not now."),
        ("therapist", "Nothing was logged in the 52 weeks after 11 March 2025 up to 10 March 2026, "
         "the day this page was made: \"latest\" and \"lately\" below mean the weeks up to 11 "
         "March 2025."),
    ],
)  # fmt: skip
def test_a_year_old_log_says_its_latest_weeks_are_not_now(audience, says):
    # the last check-in a year before the page was made: "in the latest 4 weeks", "lately",
    # "best week so far" read as now; the page now says when the logs stop
    rows = _partner_weeks("A", [4, 5, 5, 6, 6, 6, 7, 7, 7, 7])
    rows += _partner_weeks("B", [5] * 10, offset=1)
    logs = Logs(checkins=as_table("checkins", rows))
    if audience == "couple":  # the couple's page ends at the latest record it may show
        logs = Logs(checkins=logs.checkins[logs.checkins["partner"] == "A"])
    page = report.build(logs, "c1", audience=audience, today="2026-03-10")
    assert says in _section_text(page, "summary")
    fresh = report.build(logs, "c1", audience=audience, today="2025-04-07")  # 4 weeks on
    assert "Nothing has been logged since" not in fresh and "Nothing was logged in" not in fresh


def test_the_therapist_reads_which_weeks_at_first_and_lately_are(sample_review, sample_page):
    # "21.1 triggers/month at first, 0.7 lately": which months? couple-01 A's windows are the
    # first and the latest 91 days of A's span (trigger_trend), 63 and 2 triggers
    r = sample_review("couple-01")
    row = r.trigger_trend.set_index("partner").loc["A"]
    assert (row["first_count"], row["latest_count"]) == (63, 2)
    assert row["latest_until"] == pd.Timestamp("2025-05-26")  # the end is exclusive
    text = _section_text(sample_page("couple-01", "therapist"), "summary")
    assert (
        "A (hurt partner): 63 triggers from 29 January 2024 to 28 April 2024 (21.1/month), 2 from "
        "25 February 2025 to 26 May 2025 (0.7/month); rate ratio 0.03, 95% CI 0.00 to 0.12, "
        "p < 0.001: lessening." in text
    )


def test_the_therapist_sees_which_flags_are_new_since_the_last_session(couple04, sample_logs):
    # couple-04 since 9 February 2025: the two year-without-improvement flags (6 and 9 March
    # 2025) came up since the last session, the repeat betrayal (6 July 2024) did not; the
    # flags read all alike, so what is new had to be worked out from their dates
    flags = _section_text(couple04["therapist"], "flags")
    assert flags.count("new since 9 February 2025") == 2
    assert "(6 March 2025, new since 9 February 2025)" in flags
    assert "(9 March 2025, new since 9 February 2025)" in flags
    assert "(6 July 2024):" in flags
    # new means not raised at the last session: B's flag holds from its check-in of 13 February
    # 2025 (a year after its first), A's from that of 16 February; a flag dated after the
    # session by its latest check-in is not new for that (it read "new" for any date after)
    page = report.build(sample_logs, "couple-04", audience="therapist", since="2025-02-15")
    assert _section_text(page, "flags").count("new since 15 February 2025") == 1
    assert "(9 March 2025, new since 15 February 2025)" in _section_text(page, "flags")
    page = report.build(sample_logs, "couple-04", audience="therapist", since="2025-03-07")
    assert "new since" not in _section_text(page, "flags")


def _notebook_cell(name: str, marker: str) -> str:
    import json

    nb = json.loads((report.resolve_path("notebooks") / name).read_text(encoding="utf-8"))
    (cell,) = [c for c in nb["cells"] if marker in "".join(c["source"])]
    return "".join(cell["source"])


def test_the_therapist_notebook_gives_the_stopped_note_not_no_red_flags():
    # the therapist notebook said "No red flags in these logs." for couple-01, whose B had
    # stopped checking in 32 weeks before (the page's note); the cell now runs on a review
    # with a partner who stopped, and what it displays is read back
    from IPython.display import Markdown

    from trustdata.review import review

    shown: list[str] = []
    r = review(_stopped_logs(), "c1")
    assert r.red_flags.empty and len(r.stopped) == 1
    env = {
        "r": r,
        "report": report,
        "Markdown": Markdown,
        "display": lambda m: shown.append(m.data),
    }
    exec(_notebook_cell("therapist_review.ipynb", "flags = r.red_flags"), env)  # our own notebook
    text = " ".join(shown)
    assert "No red flags" not in text
    assert "**Note: stopped checking in** · B: last check-in 10 March 2025" in text


def test_the_couple_notebook_gives_small_wins_with_dates_in_words(sample_review):
    # our_progress printed milestones' evidence as it is: "since the week of 2025-01-13",
    # "weeks of 2024-08-19 to 2024-12-30"; the page writes those dates in words
    from IPython.display import Markdown

    shown: list[str] = []
    r = sample_review("couple-01")
    env = {
        "r": r,
        "report": report,
        "Markdown": Markdown,
        "display": lambda m: shown.append(m.data),
    }
    exec(_notebook_cell("our_progress.ipynb", "Small wins are left out"), env)  # our notebook
    (text,) = shown
    assert re.search(r"\d{4}-\d{2}-\d{2}", text) is None
    assert "since the week of 13 January 2025" in text


@pytest.mark.parametrize("audience", ["couple", "therapist"])
def test_no_setback_found_is_not_told_as_no_fall_at_all(audience):
    # "No setbacks stand out in the check-ins: no stretch fell clearly below its recent level"
    # stated as fact what the detector only failed to find: on planted dips its recall is
    # about 0.82, 0.68 for two-week dips (docs/setbacks.md)
    rows = _partner_weeks("A", [5, 6] * 6)
    page = report.build(Logs(checkins=as_table("checkins", rows)), "c1", audience=audience)
    text = _section_text(page, "summary")
    assert "No setbacks stand out in the check-ins" in text
    assert "no stretch fell" not in _text(page)
    if audience == "therapist":
        assert "the detector misses some dips, two-week ones most often" in text


def test_a_setback_inside_the_compared_weeks_is_named_beside_the_verdict():
    # B starts with a slide (7, 5, 3, 3) and A ends in six weeks at 2: the ends the verdicts
    # compare hold a setback, and their means (4.5 and 2.0) count it; the page gave them like
    # any other level
    rows = _partner_weeks("A", [6, 7] * 8 + [2] * 6)
    rows += _partner_weeks("B", [7, 5, 3, 3, 6, 7] + [6, 7] * 6, offset=1)
    from trustdata.review import review

    r = review(Logs(checkins=as_table("checkins", rows)), "c1")
    ends = r.trend_verdicts.set_index("partner")["setback_at_end"]
    assert ends.to_dict() == {"A": "latest", "B": "first"}
    couple = _section_text(report.render(r, audience="couple"), "summary")
    assert "The latest weeks include a setback, which pulls their average down." in couple
    assert (
        "The first weeks include a setback, so the starting average is lower than the usual "
        "level then." in couple
    )
    therapist = _section_text(report.render(r, audience="therapist"), "summary")
    assert "; the latest 4 weeks hold a setback, counted in their mean" in therapist
    assert "; the first 4 weeks hold a setback, counted in their mean" in therapist
    # a sudden dip at the end that trend_summary sets aside from the latest mean (6.5, not
    # 2.0) does not pull it down: nothing is said
    rows = _partner_weeks("A", [6, 7] * 8 + [2, 2, 2])
    r = review(Logs(checkins=as_table("checkins", rows)), "c1")
    assert len(r.setbacks) == 1 and r.trend_verdicts["setback_at_end"].tolist() == [""]
    assert "include a setback" not in report.render(r, audience="couple")
    # no setback at an end: nothing is added
    plain = report.build(Logs(checkins=as_table("checkins", _partner_weeks("A", [5, 6] * 8))), "c1")
    assert "include a setback" not in plain


def test_the_couple_notebook_names_setbacks_as_the_page_does():
    # its fixed text said "Setbacks you came through" over setbacks still going on, "a score
    # fell" (setbacks are found in the connection score only) and "Setbacks are a normal part
    # of recovery" under the safety notice too (the text shows whatever the logs hold)
    text = _notebook_cell("our_progress.ipynb", "A **setback** is")
    assert text.startswith("## Setbacks\n")
    assert "when the connection score fell clearly below" in " ".join(text.split())
    assert "a score fell" not in text and "normal part of" not in text


def test_the_couple_notebook_says_when_its_logs_stopped(monkeypatch):
    # the notebook reviews the logs as of today; the sample's latest record (couple-01: 26 May
    # 2025) is long past, and "the latest 4 weeks" below read as now
    import IPython.display

    shown: list[str] = []
    # the cell imports display itself: what it displays is caught where it goes
    monkeypatch.setattr(IPython.display, "display", lambda m: shown.append(m.data))
    # the notebook's parameters (TODAY None: the day it is read, as here)
    env = {"LOGS": "data/sample/couples", "COUPLE": "couple-01", "TODAY": None}
    exec(_notebook_cell("our_progress.ipynb", "logs = trustdata.load("), env)  # our notebook
    r = env["r"]
    assert r.weeks_since_couple_last is not None  # the sample ends in 2025
    assert (
        f"Nothing has been logged since 26 May 2025, {r.weeks_since_couple_last} weeks before "
        'today, so "lately" and "the latest weeks" below mean the weeks up to then, not now.'
    ) in shown


@pytest.mark.parametrize(
    ("audience", "says"),
    [
        ("couple", "in the first 4 weeks and 6.5 in the 4 weeks before a sudden dip. That is"),
        ("therapist", "6.5 in the first 4 weeks, 6.5 in the latest 4 outside a sudden dip ("),
    ],
)  # fmt: skip
def test_an_end_that_leaves_a_sudden_dip_out_is_not_called_the_latest_weeks(audience, says):
    # A ends 7, 2, 2, 2: trend_summary sets the dip aside from its latest mean (6.5); the page
    # said "6.5 in the latest 4 weeks", whose scores average 3.25
    from trustdata.review import review

    r = review(
        Logs(checkins=as_table("checkins", _partner_weeks("A", [6, 7] * 8 + [2, 2, 2]))), "c1"
    )
    v = r.trend_verdicts.iloc[0]
    assert v["latest_mean"] == 6.5 and bool(v["latest_aside"]) and not bool(v["first_aside"])
    text = _section_text(report.render(r, audience=audience), "summary")
    assert says in text
    assert "6.5 in the latest 4 weeks." not in text and "6.5 in the latest 4 (" not in text
    if audience == "couple":  # the dip is now: the page says the latest weeks are lower
        assert "yet. Since the week of 28 April 2025 it has been lower: 2.0 on average." in text


def test_couple_page_names_the_weeks_of_a_sudden_dip_left_out_of_an_end(sample_page):
    # couple-04: "5.5 in the latest 4 weeks outside a sudden dip" did not say which weeks
    text = _section_text(sample_page("couple-04", "couple"), "summary")
    # the dip's mean, (1 + 3 + 2 + 3) / 4 = 2.25, prints 2.3: a half rounds away from zero;
    # the 4 weeks averaged (trend_weeks, not set aside) are 16 December 2024 (6), 6 January
    # (5), 17 February (6) and 24 February 2025 (5): "the latest 4 weeks" reached back months
    # to a week before the dip, and A's actual latest 4 weeks average 4.0 (reader13 F3)
    assert (
        "A's trust was on average 4.0 out of 10 in the first 4 weeks and 5.5 in 4 weeks from "
        "16 December 2024 to 24 February 2025, leaving out a sudden dip (to 2.3 on average) "
        "in the weeks of 13 January 2025 to 10 February 2025."
    ) in text
    assert "outside a sudden dip" not in text and "in the latest 4 weeks, leaving" not in text
    therapist = _section_text(sample_page("couple-04", "therapist"), "summary")
    # the therapist's line is terse (the PDF must keep to 4 pages): its 4 weeks run from 16
    # December 2024 to the latest, and its evidence says "the latest mean", not "the latest 4
    # weeks' mean"
    assert "5.5 in 4 from 16 December 2024 outside a sudden dip (slope" in therapist
    assert "improved by the ends: the latest mean is above the first's" in therapist
    assert "5.5 in the latest 4 outside" not in therapist


def _two_dip_logs() -> Logs:
    """A's weekly trust (and connection) rises 4 -> 8, then 8, 8, 3, 6, 8, 3, 4: two sudden
    dips (3, 6 and 3, 4) with a week back at 8 between them, the second at the very end."""
    scores = [4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 8, 8, 3, 6, 8, 3, 4]
    days = pd.date_range("2025-01-06", periods=len(scores), freq="7D")
    rows = [
        {"couple_id": "c1", "partner": "A", "date": d, "connection": s, "trust": s}
        for d, s in zip(days, scores, strict=True)
    ]
    return Logs(checkins=as_table("checkins", rows))


def test_two_sudden_dips_are_two_dips_not_one_span_over_a_kept_week():
    # reader13 F8: _ends_aside took the first to the last set-aside week of the latest weeks,
    # so the two dips merged into one "since the week of 31 March 2025" (week 12) at 4.8, the
    # kept 8 of week 14 counted both "before the dip" and "since" it
    from trustdata.review import review

    logs = _two_dip_logs()
    weeks = trends.trend_weeks(logs.checkins, measure="trust")  # the real rule, no mocks
    assert weeks["set_aside"].tolist() == [False] * 12 + [True, True, False, True, True]
    r = review(logs, "c1", today="2025-05-05")
    v = r.trend_verdicts.set_index("measure").loc["trust"]
    week = pd.Timestamp("2025-01-06") + pd.to_timedelta(np.arange(17), unit="W")
    # the latest dip: the run at the end only, its mean over its own two weeks, (3 + 4) / 2
    assert bool(v["latest_aside"]) and bool(v["latest_dip_at_end"])
    assert (v["latest_dip_from"], v["latest_dip_to"]) == (week[15], week[16])
    assert v["latest_dip_mean"] == 3.5
    # the latest mean's weeks: 8, 8, 8 (weeks 9-11) and 8 (week 14), the earlier dip among them
    assert v["latest_mean"] == 8.0 and v["latest_dips"] == 1
    assert (v["latest_from"], v["latest_to"]) == (week[9], week[14])
    assert not bool(v["first_aside"]) and v["first_dips"] == 0
    text = _section_text(report.render(r, audience="couple"), "summary")
    assert (
        "A's trust was on average 4.5 out of 10 in the first 4 weeks and 8.0 in 4 weeks from "
        "10 March 2025 to 14 April 2025 before a sudden dip, leaving out an earlier one."
    ) in text
    assert "Since the week of 21 April 2025 it has been lower: 3.5 on average." in text
    assert "Since the week of 31 March 2025" not in text
    therapist = _section_text(report.render(r, audience="therapist"), "summary")
    assert (
        "trust 4.5 in the first 4 weeks, 8.0 in 4 from 10 March 2025 before a sudden dip, "
        "outside an earlier one (slope"
    ) in therapist
    # the layers chart's "recently" (weeks 9-16) leaves out the earlier dip the trust mean
    # leaves out, not the one at the end, which the sentence tells as now
    left = r.layers_left_out
    assert left[["end", "dip_from", "dip_to"]].values.tolist() == [["latest", week[12], week[13]]]


def test_an_end_with_a_dip_among_its_weeks_names_its_latest_dip_only_when_not_at_the_end():
    # the same two dips, then A back at 8 for 2 weeks: the latest mean's weeks (8, 8, 8, 8:
    # weeks 11, 14, 17, 18) hold both dips; the page names the latest and counts them
    from trustdata.review import review

    logs = _two_dip_logs()
    last = logs.checkins["date"].max()
    more = as_table("checkins", [
        {"couple_id": "c1", "partner": "A", "date": last + pd.Timedelta(weeks=k),
         "connection": 8, "trust": 8} for k in (1, 2)])  # fmt: skip
    logs = Logs(checkins=as_table("checkins", pd.concat([logs.checkins, more])))
    r = review(logs, "c1", today="2025-05-19")
    v = r.trend_verdicts.set_index("measure").loc["trust"]
    week = pd.Timestamp("2025-01-06") + pd.to_timedelta(np.arange(19), unit="W")
    assert not bool(v["latest_dip_at_end"]) and v["latest_dips"] == 2
    assert (v["latest_dip_from"], v["latest_dip_to"], v["latest_dip_mean"]) == (
        week[15], week[16], 3.5)  # fmt: skip
    text = _section_text(report.render(r, audience="couple"), "summary")
    assert (
        "and 8.0 in 4 weeks from 24 March 2025 to 12 May 2025, leaving out 2 sudden dips, the "
        "latest (to 3.5 on average) in the weeks of 21 April 2025 to 28 April 2025."
    ) in text


def test_synthetic_couple_02_trust_names_its_latest_dip_apart_from_the_earlier_one():
    # the README's sample (`trustdata sample ... --couples 20 --seed 3`), couple-02 A: planted
    # setbacks from 13 January 2025 (to 3 March) and from 15 April 2025; weekly trust 9 Dec 9,
    # 16 Dec 8, 6 Jan 8, 13 Jan 3 and 24 Feb 6 (set aside), 7 Apr 8 (kept), 5 May 3, 19 May 4
    # (set aside).  The page said "8.3 in the 4 weeks before a sudden dip ... Since the week
    # of 13 January 2025 it has been lower: 4.8", 7 April in both means (reader13 F8)
    from trustdata import synth
    from trustdata.review import review

    r = review(synth.generate(20, seed=3).logs, "couple-02")
    v = r.trend_verdicts.set_index(["partner", "measure"]).loc[("A", "trust")]
    assert (v["latest_dip_from"], v["latest_dip_to"]) == (
        pd.Timestamp("2025-05-05"), pd.Timestamp("2025-05-19"))  # fmt: skip
    assert v["latest_dip_mean"] == 3.5  # (3 + 4) / 2
    text = _section_text(report.render(r, audience="couple"), "summary")
    assert (
        "8.3 in 4 weeks from 9 December 2024 to 7 April 2025 before a sudden dip, leaving out "
        "an earlier one (no trust score from 25 February 2025 to 7 April 2025)."
    ) in text
    assert "Since the week of 5 May 2025 it has been lower: 3.5 on average." in text
    assert "Since the week of 13 January 2025" not in text


def test_couple_page_says_a_note_both_partners_share_once_to_both(sample_review, sample_page):
    # couple-04: both partners have both score flags; the page said each hard sentence twice,
    # four bullets "A: ..." / "B: ..." with the same words
    from trustdata import review as rv

    r = sample_review("couple-04")
    shared = r.couple_notes.groupby("flag")["partner"].nunique()
    assert (shared == 2).sum() == 2  # the case this test is about
    text = _section_text(sample_page("couple-04", "couple"), "notes")
    for flag in shared.index:
        message = rv.COUPLE_NOTE_MESSAGES[flag]
        assert text.count(message) == 1
        assert f"A and B: {message}" in text
    # a note only one partner has still names that partner alone
    three = _section_text(sample_page("couple-03", "couple"), "notes")
    assert "B: " + rv.COUPLE_NOTE_MESSAGES["no_reliable_improvement_12m"] in three
    assert "A and B" not in three


def test_couple_page_against_expected_says_whose_last_weeks_a_stopped_partner_is_compared_on(
    sample_logs,
):
    # couple-01 with --reference --include-expected: B stopped checking in on 14 October 2024,
    # 32 weeks before the couple's latest record, yet the page said "B's recent average is
    # within the usual range" as if about now
    import trustdata
    from trustdata.review import review

    cohort = trustdata.load(report.resolve_path("data/sample/cohort"))
    r = review(sample_logs, "couple-01", reference=cohort)
    assert r.stopped["partner"].tolist() == ["B"] and r.expected_couple["B"] == "within"
    text = _section_text(report.render(r, audience="couple", include_expected=True), "expected")
    assert (
        "B's recent average is within the usual range: the range where most people who "
        "started at a similar level were at this point. This is about B's last weeks of "
        "check-ins, up to the week of 14 October 2024."
    ) in text
    assert text.count("last weeks of check-ins") == 1  # A, still checking in, is not told so


def test_therapist_plan_table_says_its_difference_is_not_the_medians_difference(
    sample_review, sample_page
):
    # couple-01, A's intensity: median with 5.00, without 6.00, "difference 0.00": the column is
    # the Hodges-Lehmann shift, and the page did not say so
    r = sample_review("couple-01")
    plan = r.plan_effect
    row = plan.loc[(plan["partner"] == "A") & (plan["measure"] == "intensity")].iloc[0]
    assert row["median_plan"] - row["median_no_plan"] != row["difference"]  # the confusing case
    text = _section_text(sample_page("couple-01", "therapist"), "plan")
    assert "Difference: with the plan minus without, the Hodges-Lehmann shift" in text
    assert "need not equal the difference of the two medians" in text


@pytest.mark.parametrize(("couple", "panels"), [("couple-01", 1), ("couple-04", 2)])
def test_the_printed_trigger_bars_give_each_partner_a_panel_tall_enough(
    couple, panels, dated_pages
):
    # reader13 F9: the print copy was 260 px whatever the panels: two partners' panels got
    # about 50 px each in the therapist PDF, their ticks and axis titles overlapping
    from trustdata.report import PRINT_BARS_PANEL_PX, PRINT_BARS_PX

    for audience in ("couple", "therapist"):
        (bars,) = [
            spec
            for spec in _chart_specs(dated_pages(couple, audience))
            if any("category" in (t.get("meta") or {}) for t in spec["figure"]["data"])
        ]
        assert bars["ph"] == PRINT_BARS_PX + PRINT_BARS_PANEL_PX * panels
        # what is left for the panels once the frame (x axis, legend) is taken: >= 90 px each
        assert (bars["ph"] - PRINT_BARS_PX) / panels >= 90
