"""The report in a real browser: headless Debian Chromium driven by Playwright.

Each page is opened once (module-scoped fixtures) with every request that is not the page's own
``file://`` URL aborted and recorded; the tests then read what happened.  In CI (``CI`` set) the
browser must be there; elsewhere the tests are skipped with a message when it is missing (the
``browser`` fixture, tests/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

# Read in the page: every chart's size, traces and drawn marks; the order of the sections.
_INSPECT = """() => {
  const charts = Array.from(document.querySelectorAll('.chart-screen.js-plotly-plot')).map(gd => {
    const r = gd.getBoundingClientRect();
    const svg = gd.querySelector('svg.main-svg');
    return {
      id: gd.id,
      width: r.width,
      height: r.height,
      has_svg: svg !== null,
      traces: gd.querySelectorAll('g.trace, g.hm').length,
      // drawn marks: lines, points, bars, heat-map images (not the axes or the background)
      marks: gd.querySelectorAll('path.js-line, path.point, g.point path, g.hm image').length,
      data_len: (gd.data || []).length,
      caption: (gd.closest('figure').querySelector('.chart-title') || {}).textContent || '',
      // what reads without hover: annotation texts (event names) and legend entries
      annotations: Array.from(gd.querySelectorAll('g.annotation-text-g text, g.annotation text'))
        .map(t => t.textContent),
      legend: Array.from(gd.querySelectorAll('g.legendtext, text.legendtext'))
        .map(t => t.textContent),
    };
  });
  // each table's wrapper: can it scroll sideways, and is its hint shown?
  const tables = Array.from(document.querySelectorAll('.table-wrap')).map(w => {
    const hint = w.querySelector('.scroll-hint');
    const r = hint ? hint.getBoundingClientRect() : null;
    return {section: w.closest('section').id, scroll: w.scrollWidth, client: w.clientWidth,
            hint: hint !== null && getComputedStyle(hint).display !== 'none' && r.height > 0,
            hint_text: hint ? hint.textContent : ''};
  });
  const sections = Array.from(document.querySelectorAll('main > section')).map(s => s.id);
  const first = document.querySelector('main > section');
  return {
    charts: charts,
    tables: tables,
    sections: sections,
    first_text: first ? first.innerText : '',
    scroll_width: document.documentElement.scrollWidth,
    client_width: document.documentElement.clientWidth,
    n_scripts: document.querySelectorAll('script').length,
    alerted: window.__alerted || 0,
    text: document.body.innerText,
  };
}"""

# Read in print media at A4 content width: each print copy's size and its x-axis tick labels.
_PRINT_INSPECT = """() => Array.from(document.querySelectorAll('.chart-print')).map(gd => {
  const r = gd.getBoundingClientRect();
  const ticks = Array.from(gd.querySelectorAll('g.xtick text')).map(t => {
    const b = t.getBoundingClientRect();
    return {text: t.textContent, right: b.right, left: b.left};
  });
  return {id: gd.id, left: r.left, right: r.right, width: r.width, height: r.height,
          shown: getComputedStyle(gd).display !== 'none' && r.width > 0, ticks: ticks,
          caption: (gd.closest('figure').querySelector('.chart-title') || {}).textContent || '',
          // the y axis as drawn, and how many event names the copy carries
          yaxis: gd._fullLayout && gd._fullLayout.yaxis
            ? {range: gd._fullLayout.yaxis.range, length: gd._fullLayout.yaxis._length} : null,
          events: ((gd.layout || {}).annotations || []).filter(a => a.name === 'event').length,
          screen_hidden: getComputedStyle(gd.closest('figure').querySelector('.chart-screen'))
            .visibility === 'hidden'};
})"""

#: The content width of an A4 page with the report's 12 mm margins, in CSS pixels.
A4_CONTENT_PX = (210 - 2 * 12) / 25.4 * 96


def _open(
    browser,
    path: Path,
    *,
    width: int = 1200,
    height: int = 900,
    hover: bool = True,
    pdf: bool = True,
) -> dict:
    """Open a page with every non-page request aborted; return what was seen."""
    page_url = path.resolve().as_uri()
    seen: dict = {"console": [], "errors": [], "requests": [], "aborted": []}
    context = browser.new_context(viewport={"width": width, "height": height})
    try:

        def route(r):
            if r.request.url == page_url:
                r.continue_()
            else:
                seen["aborted"].append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: seen["console"].append((m.type, m.text)))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("request", lambda r: seen["requests"].append(r.url))
        # Not part of the page: counts alert() calls an injected script would make, and reports
        # any Content-Security-Policy violation to the console.
        page.add_init_script(
            "window.__alerted = 0; window.alert = function () { window.__alerted++; };"
            "document.addEventListener('securitypolicyviolation', function (e) {"
            " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI); });"
        )
        page.goto(page_url, wait_until="load")
        # every chart placeholder has become a plotly graph with its SVG drawn
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
            ".every(gd => gd.classList.contains('js-plotly-plot')"
            " && gd.querySelector('svg.main-svg'))",
            timeout=30_000,
        )
        page.wait_for_timeout(200)
        # Hover: plotly draws hover labels from the data, and an injected on* handler would fire.
        for gd in page.query_selector_all(".chart-screen.js-plotly-plot") if hover else ():
            box = gd.bounding_box()
            if box:
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.evaluate(
            "() => document.querySelectorAll('body *:not(.js-plotly-plot *)').forEach(e =>"
            " e.dispatchEvent(new MouseEvent('mouseover', {bubbles: false})))"
        )
        seen.update(page.evaluate(_INSPECT))
        page.emulate_media(media="print")
        seen["print_nav_display"] = page.evaluate(
            "() => { const n = document.querySelector('nav.toc');"
            " return n ? getComputedStyle(n).display : 'none'; }"
        )
        if pdf:
            printed = page.pdf(format="A4", prefer_css_page_size=True)
            seen["pdf_bytes"] = len(printed)
            seen["pdf_pages"] = len(re.findall(rb"/Type\s*/Page[^s]", printed))
        page.set_viewport_size({"width": int(A4_CONTENT_PX), "height": 1100})
        seen["print"] = page.evaluate(_PRINT_INSPECT)
        seen["print_hints"] = page.evaluate(
            "() => Array.from(document.querySelectorAll('.scroll-hint'))"
            ".filter(h => getComputedStyle(h).display !== 'none').length"
        )
    finally:
        context.close()
    seen["url"] = page_url
    return seen


@pytest.fixture(scope="module")
def sample_logs():
    from test_report import make_logs  # tests/ is on sys.path (no __init__.py)

    return make_logs()


@pytest.fixture(scope="module")
def abuse_logs():
    from test_report import make_logs

    return make_logs(abuse=True, couple_id="couple-07")


@pytest.fixture(scope="module")
def hostile_logs():
    from test_report import HOSTILE_COUPLE, HOSTILE_PARTNERS, make_logs

    return make_logs(couple_id=HOSTILE_COUPLE, partners=HOSTILE_PARTNERS)


@pytest.fixture(scope="module")
def bundled(bundled_sample):
    """``trustdata.load`` of the bundled sample (tests/conftest.py: loaded once per worker)."""
    return bundled_sample.logs()


@pytest.fixture(scope="module")
def sample_pages(tmp_path_factory, browser, bundled, bundled_sample):
    """Every bundled sample couple, both audiences."""
    from trustdata import report

    out = tmp_path_factory.mktemp("sample")
    seen = {}
    for couple in bundled.couple_ids:
        # review(bundled, couple) and report.render(r, audience=...), made once per worker
        # (tests/conftest.py): the same pages other modules read as text
        r = bundled_sample.review(couple)
        for audience in report.AUDIENCES:
            path = out / f"{couple}-{audience}.html"
            path.write_text(bundled_sample.page(couple, audience), encoding="utf-8")
            # a PDF of couple-04's therapist page (the page-count test); the others are read
            # in print media at A4 width, which is what the PDF lays out
            pdf = (couple, audience) == ("couple-04", "therapist")
            seen[(couple, audience)] = _open(browser, path, hover=False, pdf=pdf)
            seen[(couple, audience)]["gap_end"] = r.partner_gap["week"].max()
    return seen


@pytest.fixture(scope="module")
def pages(tmp_path_factory, browser, sample_logs, abuse_logs, hostile_logs):
    from trustdata import report

    out = tmp_path_factory.mktemp("browser")
    couple = sample_logs.couple_ids[0]
    paths = {
        "couple": report.write(sample_logs, couple, out / "couple.html"),
        "therapist": report.write(
            sample_logs, couple, out / "therapist.html", audience="therapist"
        ),
        "abuse": report.write(abuse_logs, abuse_logs.couple_ids[0], out / "abuse.html"),
        "hostile": report.write(hostile_logs, hostile_logs.couple_ids[0], out / "hostile.html"),
    }
    seen = {name: _open(browser, path) for name, path in paths.items()}
    seen["phone"] = _open(browser, paths["therapist"], width=390, height=844)
    paths["abuse_therapist"] = report.write(
        abuse_logs, abuse_logs.couple_ids[0], out / "abuse_therapist.html", audience="therapist"
    )
    seen["abuse_therapist"] = _open(browser, paths["abuse_therapist"])
    seen["abuse_html"] = paths["abuse"].read_text(encoding="utf-8")
    return seen


@pytest.mark.parametrize("name", ["couple", "therapist", "abuse", "hostile", "phone"])
def test_every_chart_renders_with_traces_and_a_real_size(pages, name):
    seen = pages[name]
    assert len(seen["charts"]) >= 3, seen["charts"]
    for chart in seen["charts"]:
        assert chart["has_svg"], chart
        assert chart["data_len"] >= 1 and chart["traces"] >= 1, chart
        assert chart["marks"] >= 1, chart
        assert chart["width"] > 200 and chart["height"] > 150, chart


@pytest.mark.parametrize("name", ["couple", "therapist", "abuse", "hostile", "phone"])
def test_console_has_no_errors_or_warnings(pages, name):
    seen = pages[name]
    assert seen["errors"] == []
    bad = [(t, m) for t, m in seen["console"] if t in ("error", "warning", "assert")]
    assert bad == []


@pytest.mark.parametrize("name", ["couple", "therapist", "abuse", "hostile", "phone"])
def test_no_request_leaves_the_page(pages, name):
    seen = pages[name]
    assert seen["aborted"] == []
    assert set(seen["requests"]) == {seen["url"]}


def test_injected_script_in_free_text_never_runs(pages):
    # the sample logs carry a note and an answer with <script>alert(...)</script>
    # the hostile page has <script> and on* handlers in the couple and partner ids too; hover
    # over every chart so that an injected onmouseover would fire
    for name in ("couple", "therapist", "hostile"):
        assert pages[name]["alerted"] == 0, name


def test_abuse_report_opens_with_the_safety_notice(pages):
    seen = pages["abuse"]
    assert seen["sections"][0] == "safety"
    assert "safety" not in pages["couple"]["sections"]
    assert "keep working on trust" not in seen["first_text"].lower()


def test_phone_width_page_does_not_scroll_sideways(pages):
    seen = pages["phone"]
    assert seen["scroll_width"] <= seen["client_width"] + 1
    assert all(c["width"] <= 390 for c in seen["charts"])


def test_a_table_wider_than_a_phone_says_it_scrolls_sideways(pages):
    # at 390 px the therapist's wide tables (11-12 columns) scroll inside their wrapper; each
    # says so above it, and only those: a table that fits, or any table at 1200 px, does not
    phone = pages["phone"]["tables"]
    wide = [t for t in phone if t["scroll"] > t["client"] + 1]
    assert len(wide) >= 2, phone
    for t in phone:
        assert t["hint"] == (t["scroll"] > t["client"] + 1), t
    assert {t["hint_text"] for t in wide} == {"Scroll sideways to see all columns \u2192"}
    assert any(not t["hint"] for t in phone)  # the narrow tables keep no hint
    for name in ("therapist", "couple"):
        assert pages[name]["tables"] and not any(t["hint"] for t in pages[name]["tables"])
    # on paper a table never scrolls: no hint in print media
    assert pages["phone"]["print_hints"] == 0


def test_print_hides_navigation_and_makes_a_pdf(pages):
    assert pages["therapist"]["print_nav_display"] == "none"
    assert pages["therapist"]["pdf_bytes"] > 10_000


def test_a_script_that_slipped_in_would_not_run(browser, tmp_path):
    from trustdata import report

    injected = "<p><script>alert('x')</script><b onmouseover=\"alert('y')\">hover</b></p>"
    # control: without the page's CSP the detector does see both (so 0 above means something)
    bare = tmp_path / "bare.html"
    bare.write_text(f"<!DOCTYPE html><html><body>{injected}</body></html>")
    assert _open(browser, bare)["alerted"] == 2
    # in a report page, the CSP lists only the page's own scripts by hash: neither runs
    path = tmp_path / "page.html"
    path.write_text(report.render_page("T", [report.Section("a", "A", injected)]))
    seen = _open(browser, path)
    assert seen["alerted"] == 0
    assert any("Content Security Policy" in m or "CSP violation" in m for _, m in seen["console"])


# --------------------------------------------------------------------------------------------
# The bundled sample couples, both audiences (issue 11)
# --------------------------------------------------------------------------------------------

SAMPLE = [(c, a) for c in ("couple-01", "couple-02", "couple-03", "couple-04")
          for a in ("couple", "therapist")]  # fmt: skip


@pytest.mark.parametrize(("couple", "audience"), SAMPLE)
def test_trust_and_layer_charts_are_there_where_the_logs_have_the_columns(
    sample_pages, bundled, couple, audience
):
    from trustdata import schemas

    seen = sample_pages[(couple, audience)]
    ci = bundled.checkins.loc[bundled.checkins["couple_id"] == couple]
    captions = " | ".join(c["caption"].lower() for c in seen["charts"])
    assert ("trusted" in captions or "weekly trust" in captions) == bool(ci["trust"].notna().any())
    has_layers = any(ci[c].notna().any() for c in schemas.LAYERS)
    assert ("layers" in captions) == (has_layers or bool(ci["trust"].notna().any()))
    for chart in seen["charts"]:
        assert chart["has_svg"] and chart["marks"] >= 1, chart


@pytest.mark.parametrize(("couple", "audience"), SAMPLE)
def test_event_names_read_without_hover(sample_pages, bundled, couple, audience):
    from trustdata.charts import EVENT_LABELS

    seen = sample_pages[(couple, audience)]
    trend = seen["charts"][0]  # the connection trend, events marked
    kinds = bundled.events.loc[bundled.events["couple_id"] == couple, "kind"].astype(str)
    drawn = " ".join(trend["annotations"])
    for kind in set(kinds):
        assert EVENT_LABELS[kind] in drawn, (kind, trend["annotations"])


@pytest.mark.parametrize(("couple", "audience"), SAMPLE)
def test_printed_charts_are_whole_and_reach_the_logs_last_month(
    sample_pages, bundled, couple, audience
):
    import pandas as pd

    seen = sample_pages[(couple, audience)]
    one = bundled.couple(couple)
    last = max(one.checkins["date"].max(), one.triggers["timestamp"].max(),
               one.events["date"].max())  # fmt: skip
    gap_end = seen["gap_end"]
    shown = [c for c in seen["print"] if c["shown"]]
    assert shown and all(c["screen_hidden"] for c in shown)
    dated = 0
    for chart in shown:
        assert chart["left"] >= -0.5 and chart["right"] <= A4_CONTENT_PX + 0.5, chart
        for tick in chart["ticks"]:
            assert tick["left"] >= -0.5 and tick["right"] <= A4_CONTENT_PX + 0.5, (chart, tick)
        stamps = pd.to_datetime(
            [t["text"] for t in chart["ticks"]], errors="coerce", format="mixed"
        )
        stamps = stamps[stamps.notna()]
        if len(stamps) >= 2:
            dated += 1
            # the last tick is within a quarter of the logs' last month (ticks are monthly or
            # two-monthly): the chart was not cut before the end
            # (the gap chart ends with the last week both partners scored)
            end = gap_end if "apart" in chart["caption"] else last
            assert stamps.max() >= end - pd.Timedelta(days=92), (chart["caption"], stamps.max())
    assert dated >= 2


@pytest.mark.parametrize(("couple", "audience"), SAMPLE)
def test_printed_scores_keep_their_height_under_rows_of_event_names(sample_pages, couple, audience):
    # a 230 px print copy with three or four rows of event names kept 40 px for the scores;
    # they now keep _PRINT_SCORES_PX, measured on the drawn axis (the scores run from the
    # axis' bottom to SCORE_MAX + 0.8, the rows of names above them)
    from trustdata import schemas
    from trustdata.report import _PRINT_SCORES_PX

    named = [c for c in sample_pages[(couple, audience)]["print"] if c["shown"] and c["events"]]
    assert named
    for c in named:
        lo, hi = c["yaxis"]["range"]
        scores_px = (schemas.SCORE_MAX + 0.8 - lo) / (hi - lo) * c["yaxis"]["length"]
        assert scores_px >= _PRINT_SCORES_PX - 1, (c["caption"], scores_px)


def test_couple_04_therapist_pdf_is_at_most_four_a4_pages(sample_pages):
    assert 1 <= sample_pages[("couple-04", "therapist")]["pdf_pages"] <= 4


def test_couple_04_page_names_its_repeat_betrayal(sample_pages):
    text = sample_pages[("couple-04", "couple")]["text"]
    assert "On 6 July 2024, a repeat betrayal was recorded" in text
    assert "came through 0" not in text


def test_no_abuse_note_on_the_couple_page_while_abuse_is_logged(pages):
    note = "shouted and threw a plate"
    seen = pages["abuse"]
    assert note not in seen["text"] and note not in pages["abuse_html"]
    for chart in seen["charts"]:
        assert all(note not in a for a in chart["annotations"])
    # the hover of every chart was opened in _open: plotly draws hover labels from the data,
    # and the data has no abuse event at all
    assert note in pages["abuse_therapist"]["text"]


def test_therapist_page_with_the_synthetic_reference_draws_the_band(
    browser, bundled_sample, tmp_path
):
    from trustdata import report

    # report.write(bundled, "couple-02", ..., audience="therapist", reference=the cohort) on the
    # day test_report_expected reviews it, so the review against the cohort (seconds) is made
    # once per worker (tests/conftest.py); what the browser draws of it is unchanged
    path = tmp_path / "ref.html"
    reference = str(report.resolve_path("data/sample/cohort"))
    page = bundled_sample.page("couple-02", "therapist", reference=reference, today="2026-01-05")
    path.write_text(page, encoding="utf-8")
    seen = _open(browser, path)
    band = [c for c in seen["charts"] if "against the expected range" in c["caption"]]
    assert len(band) == 2
    for c in band:
        assert c["has_svg"] and c["data_len"] == 5 and c["traces"] >= 4 and c["marks"] > 0
        assert c["width"] > 200 and c["height"] > 100
    assert "expected" in seen["sections"]
    assert "Synthetic reference, not real couples." in seen["text"]
    assert seen["aborted"] == [] and seen["errors"] == []
