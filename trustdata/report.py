"""The offline report: one couple's :class:`~trustdata.review.CoupleReview` as one page.

:func:`build` reviews a couple (:func:`trustdata.review.review`) and :func:`render` turns the
review into one self-contained HTML page; :func:`write` writes it (HTML, or PDF through Debian's
Chromium when the file name ends in ``.pdf``).  The command
``trustdata report PATH --couple ID [--audience couple|therapist] [--since DATE] -o FILE`` chains
:func:`trustdata.load` and :func:`write`.  This module computes nothing: every number and verdict
on the page is a value of the review, formatted (dates in words, counts as whole numbers).

The page is made for two readers:

``couple``
    The couple's shared page, speaking to "you": a summary in plain, gentle words, hard news named
    kindly, how connected (and trusting) each of them has felt, whether triggers are getting
    rarer, the setbacks they came through, what helped in their own words and their small wins.
``therapist``
    A therapist before a session, speaking about "the couple": the same charts with numbers, both
    partners side by side, red flags with guidance for a clinician, what changed since the last
    session (``since``), every answer since then per partner, setbacks with their context.

Pages are rendered from Jinja2 templates (``trustdata/templates/*.html.j2``) with autoescape on:
every value is escaped, and every piece of typed text (names, notes, answers, ids) is wrapped in
``<bdi>`` so that right-to-left or bidi-override characters cannot reorder the text around it.

Privacy
-------
The page makes **no network request at all**: plotly.js is embedded once, inline; there are no
web fonts, no external images and no links to fetch, and a ``Content-Security-Policy`` meta tag
(:data:`CSP`) forbids the browser to load anything and lists the page's two scripts by hash.
While the logs hold an ``abuse`` event the couple's page opens with a safety notice, shows no
abuse event or note anywhere (charts and hover included) and no encouragement to keep working on
the relationship; the therapist's page lists the event with guidance for a clinician.

Print
-----
Each chart is drawn twice: once to fit the window, once at paper width (:data:`PRINT_WIDTH`
pixels, static) for print, so a printed or PDF page shows every chart whole whatever the window
width was.  Sections flow on (no page break before each); tables wrap.

Examples
--------
>>> from trustdata.report import esc
>>> esc("<b>us & them</b>")
'&lt;b&gt;us &amp; them&lt;/b&gt;'
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup

from trustdata import _words, schemas
from trustdata.errors import TrustDataError
from trustdata.logs import Logs
from trustdata.review import ANNIVERSARY_WEEKS, CoupleReview, default_since, review

__all__ = [
    "AUDIENCES",
    "ANSWER_COLUMNS",
    "CSP",
    "FONT_STACK",
    "PRINT_WIDTH",
    "EVENT_WORDS",
    "Section",
    "Charts",
    "build",
    "render",
    "write",
    "write_pdf",
    "find_chromium",
    "render_page",
    "html_table",
    "esc",
    "day",
    "num",
    "rounded",
    "events_around",
    "latest_answers",
    "default_since",
    "plain_summary",
    "safety_markdown",
    "couple_section_markdown",
    "COUPLE_TEXT_SECTIONS",
    "resolve_path",
]

#: The readers a report can be made for.
AUDIENCES: tuple[str, ...] = ("couple", "therapist")

#: The page's Content-Security-Policy: nothing may be fetched from anywhere.  The page adds the
#: hashes of its own two scripts to ``script-src`` (browsers then ignore ``'unsafe-inline'``, kept
#: only for those too old to know hashes), so no other script, inline handler or ``eval`` runs.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'"
)

#: Width in CSS pixels of the print copy of each chart: A4 (210 mm) and US Letter less the
#: page's 12 mm margins, at 96 px per inch.
PRINT_WIDTH = 700
# Of a print copy's height, what is not its plot: the top margin (40 px, without a key of
# events), the x axis and the legend in rows under it (about 105 px, measured in headless
# Chromium on the bundled sample's trend charts).
_PRINT_FRAME_PX = 145
#: The print copy of the trigger bars (one panel per partner): this many px for its frame (the
#: x axis and the two-row legend under it) plus PRINT_BARS_PANEL_PX per panel; a fixed 260 px
#: squashed two panels into 50 px each, their ticks and axis titles overlapping (reader13 F9).
PRINT_BARS_PX = 170
PRINT_BARS_PANEL_PX = 95
# The least height in px a print copy's scores keep under its rows of event names: the copy
# grows by what the rows would take from them (a short copy with many events kept 40 px).
_PRINT_SCORES_PX = 120
# The top margin of a print copy whose event names all sit on rows inside its plot.
_PRINT_TOP_PX = 12

_PLOTLY_CONFIG = {
    "responsive": True,
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage"],
}

#: Fonts the page (and its charts) use: whatever the reader's system has, nothing downloaded.
FONT_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

#: Event kinds in words.
EVENT_WORDS: dict[str, str] = {
    "discovery": "discovery",
    "disclosure": "disclosure",
    "no_contact": "no contact with the affair partner",
    "individual_therapy": "individual therapy",
    "couples_therapy": "couples therapy",
    "agreement": "agreement",
    "new_information": "new information",
    "repeat_betrayal": "repeat betrayal",
    "abuse": "abuse",
    "separation": "separation",
    "small_win": "small win",
    "other": "other",
    "anniversary_of_discovery": "anniversary of the discovery",
    "anniversary_of_disclosure": "anniversary of the disclosure",
}

_NEWS_PHRASES = {
    "repeat_betrayal": "a repeat betrayal was recorded",
    "new_information": "new information came out",
    "separation": "a separation was recorded",
}

_VERDICT_WORDS = {
    "improved": "improved",
    "deteriorated": "deteriorated",
    "unchanged": "no clear change",
    "up_then_down": "up, then down",
    "down_then_up": "down, then up",
    "insufficient_data": "not enough data",
    "too_short": "too short to tell",
    "lessening": "lessening",
    "worsening": "worsening",
    "mixed": "mixed",
    "no_clear_change": "no clear change",
}

_MEASURE_WORDS = {"connection": "connection", "trust": "trust"}

_FLAG_WORDS = {
    "abuse": "abuse recorded",
    "repeat_betrayal": "repeat betrayal",
    "new_information": "new information",
    "worse_after_6_months": "worse six months in",
    "no_reliable_improvement_12m": "no reliable improvement after a year",
    "no_reliable_improvement_24m": "no reliable improvement after two years",
    "diverging_partners": "partners drifting apart",
}

_ANSWER_LABELS = (
    ("increased_trust", "What increased trust"),
    ("decreased_trust", "What decreased trust"),
    ("need", "What I need"),
)

# Print-media listener: plotly re-fits the on-screen copies after printing.
_PRINT_SCRIPT = """
(function () {
  function fit() {
    if (!window.Plotly) { return; }
    var plots = document.querySelectorAll('.chart-screen.js-plotly-plot');
    for (var i = 0; i < plots.length; i++) { window.Plotly.Plots.resize(plots[i]); }
  }
  window.addEventListener('afterprint', fit);
})();
"""


# ---------------------------------------------------------------------------------------------
# Formatting (presentation only)
# ---------------------------------------------------------------------------------------------


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def esc(value: object) -> str:
    """Escape any value for HTML text or an attribute (missing values become an empty string).

    Examples
    --------
    >>> esc('"quoted" <script>')
    '&quot;quoted&quot; &lt;script&gt;'
    >>> esc(None), esc(float("nan")), esc(pd.NA)
    ('', '', '')
    """
    if _missing(value):
        return ""
    return html.escape(str(value), quote=True)


def day(value: object) -> str:
    """A date in words: ``6 January 2025`` ("" when missing).

    Examples
    --------
    >>> day(pd.Timestamp("2025-01-06 20:15"))
    '6 January 2025'
    """
    return "" if _missing(value) else _words.day(value)


def _month(value: object) -> str:
    return "" if _missing(value) else f"{pd.Timestamp(value):%B %Y}"


def num(value: object, digits: int = 1) -> str:
    """A number as every page prints it, for notebooks and scripts: ``digits`` decimals, half
    away from zero on the decimal as written, no "-0.0" ("n/a" when missing).

    Examples
    --------
    >>> num(4.25), num(2.675, 2), num(-0.04), num(None)
    ('4.3', '2.68', '0.0', 'n/a')
    """
    return _num(value, digits)


def rounded(values: object, digits: int = 1) -> np.ndarray:
    """Values rounded as every page prints them (half away from zero, not numpy's half to
    even): a column for a notebook's table that must agree with the page.

    Examples
    --------
    >>> rounded(pd.Series([4.25, 7.35, None])).tolist()
    [4.3, 7.4, nan]
    """
    return _words.rounded(values, digits)


def _num(value: object, digits: int = 1) -> str:
    """A number as every page prints it: half away from zero, no "-0.0" (:func:`_words.number`)."""
    return "n/a" if _missing(value) else _words.number(float(value), digits)


def _signed(value: object) -> str:
    return "n/a" if _missing(value) else _words.number(float(value), 1, signed=True)


def _rate(value: object) -> str:
    """A monthly rate: a whole number from 10 up, one decimal below."""
    if _missing(value):
        return "n/a"
    value = float(value)
    return _words.number(value, 0 if value >= 10 else 1)


def _pvalue(value: object) -> str:
    # a no-break space after "<": a narrow table column must not break "< 0.001" in two
    if _missing(value):
        return "p n/a"
    return "p <\u00a00.001" if float(value) < 0.001 else f"p = {_words.number(float(value), 3)}"


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _dates_in_words(text: object) -> str:
    """Rewrite ISO dates inside an analysis' evidence sentence as words."""
    if _missing(text):
        return ""
    return _ISO_DATE.sub(lambda m: day(pd.Timestamp(m.group(0))), str(text))


def _bdi(value: object) -> Markup:
    """Typed text, escaped and isolated from the text around it."""
    return Markup("<bdi>{}</bdi>").format("" if _missing(value) else str(value))


def _who(r: CoupleReview, partner: object, audience: str) -> Markup:
    """A partner's display name (in ``<bdi>``), with their role on the therapist page."""
    label = _bdi(r.name(partner))
    role = r.roles.get(str(partner))
    if audience == "therapist" and role:
        suffix = " (both roles)" if role == "both" else f" ({role} partner)"
        label = label + suffix
    return label


def _evidence(r: CoupleReview, text: object, partner: object = None) -> Markup:
    """An analysis' evidence sentence: dates in words, the partner's id (where the sentence
    starts with it, or says "partner X") as their display name in ``<bdi>``."""
    words = _dates_in_words(text)
    ids = [str(partner)] if isinstance(partner, str) else []
    ids += [p for p in r.partners if p not in ids]
    for p in ids:
        for prefix in (f"{p}'s ", f"{p}: ", f"{p} "):
            if words.startswith(prefix):
                rest = words[len(p) :]
                return _bdi(r.name(p)) + _evidence_rest(r, rest)
    return _evidence_rest(r, words)


def _evidence_rest(r: CoupleReview, words: str) -> Markup:
    out = Markup("")
    # the couple-level flag names both partners: "the gap between A's and B's ... scores"
    for a in r.partners:
        for b in r.partners:
            marker = f"between {a}'s and {b}'s "
            if a != b and marker in words:
                before, after = words.split(marker, 1)
                return Markup("{}between {}'s and {}'s {}").format(
                    before, _bdi(r.name(a)), _bdi(r.name(b)), after
                )
    for p in r.partners:
        marker = f"(partner {p})"
        if marker in words:
            before, after = words.split(marker, 1)
            return Markup("{}(partner {}){}").format(before, _bdi(r.name(p)), after)
    return out + words


def _first_row(frame: pd.DataFrame, partner: str):
    rows = frame.loc[frame["partner"] == partner]
    return None if rows.empty else next(rows.itertuples(index=False))


def _day_month(value: object) -> str:
    """A day of the year in words: ``14 March`` (an anniversary)."""
    when = pd.Timestamp(value)
    return f"{when.day} {when:%B}"


#: The templates compiled ahead of time (package resource; see :func:`compiled_templates`).
COMPILED_TEMPLATES = "templates.compiled.json"


def _template_source(name: str) -> str | None:
    path = resources.files("trustdata").joinpath("templates", name)
    return path.read_text("utf-8") if path.is_file() else None


def _source_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _precompiled_cache(jinja2):
    """A jinja2 bytecode cache that only reads the templates compiled ahead of time.

    Compiling ``sections.html.j2`` to Python takes jinja2 about 0.15 s, in every process that
    writes a report.  :func:`compiled_templates` stores that Python (what jinja2 generates,
    as text) in a package resource; a template whose source has the digest stored with it,
    under the jinja2 version that generated it, is taken from there (Python compiles it in a
    hundredth of the time), and any other is compiled from its source as before.  Nothing is
    ever written: the cache's ``set_bucket`` does nothing.
    """
    try:
        text = resources.files("trustdata").joinpath("resources", COMPILED_TEMPLATES)
        shipped = json.loads(text.read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        shipped = {}
    table = shipped.get("templates", {}) if shipped.get("jinja2") == jinja2.__version__ else {}

    class Precompiled(jinja2.BytecodeCache):
        def get_bucket(self, environment, name, filename, source):
            bucket = jinja2.bccache.Bucket(environment, name, _source_digest(source))
            entry = table.get(name)
            if entry is not None and entry["sha256"] == bucket.checksum:
                bucket.code = compile(entry["python"], filename or "<template>", "exec")
            return bucket

        def set_bucket(self, bucket) -> None:  # read-only: nothing is written anywhere
            return None

        def load_bytecode(self, bucket) -> None:
            return None

        def dump_bytecode(self, bucket) -> None:
            return None

    return Precompiled()


def compiled_templates() -> str:
    """The text of the ``resources/templates.compiled.json`` resource, made afresh.

    For each template, the digest of its source and the Python that jinja2 compiles it to,
    with jinja2's version.  ``python scripts/compile_templates.py`` writes it; a test checks
    that the shipped file is this text, so a template edited without running the script is
    caught (and until then compiled from its source, so the page stays right).

    Examples
    --------
    >>> sorted(json.loads(compiled_templates())["templates"])[0]
    'blocks.html.j2'
    """
    import jinja2

    env = _env()
    folder = resources.files("trustdata").joinpath("templates")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".html.j2"))
    table = {}
    for name in names:
        source = _template_source(name)
        table[name] = {
            "sha256": _source_digest(source),
            "python": env.compile(source, name, None, raw=True),
        }
    return json.dumps({"jinja2": jinja2.__version__, "templates": table}, indent=1) + "\n"


@lru_cache(maxsize=1)
def _env():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        bytecode_cache=_precompiled_cache(jinja2),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters.update(
        day=day,
        month=_month,
        num=_num,
        signed=_signed,
        rate=_rate,
        pvalue=_pvalue,
        plural=_words.plural,
        bdi=_bdi,
        verdict=lambda v: _VERDICT_WORDS.get(str(v), str(v).replace("_", " ")),
        measure=lambda m: _MEASURE_WORDS.get(str(m), str(m).replace("_", " ")),
        flag=lambda f: _FLAG_WORDS.get(str(f), str(f).replace("_", " ")),
        kind=lambda k: EVENT_WORDS.get(str(k), str(k).replace("_", " ")),
        news_phrase=lambda k: _NEWS_PHRASES.get(str(k), str(k).replace("_", " ")),
        dates_in_words=_dates_in_words,
        day_month=_day_month,
    )
    env.tests.update(
        nan=_missing,
        true_=lambda v: (not _missing(v)) and bool(v),
    )
    from trustdata.review import ABUSE_GUIDANCE, THERAPIST_GUIDANCE

    env.globals.update(
        who=_who,
        evidence=_evidence,
        first_row=_first_row,
        answer_labels=_ANSWER_LABELS,
        abuse_guidance=ABUSE_GUIDANCE,
        guidance=THERAPIST_GUIDANCE,
    )
    return env


def _macros():
    return _env().get_template("sections.html.j2").module


def _blocks():
    return _env().get_template("blocks.html.j2").module


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One section of the page.

    Attributes
    ----------
    key : str
        The section's HTML id (letters, digits and ``-``).
    title : str
        Its heading (plain text; escaped when rendered).
    body : str
        Its content, **already safe HTML** (rendered from the templates).
    css_class : str
        Extra CSS classes (``"safety"`` for the safety notice).
    page_break : bool
        Start the section on a new page when printed (default False: sections flow on).
    """

    key: str
    title: str
    body: str
    css_class: str = ""
    page_break: bool = False


def _cell(value: object, digits: int, typed: bool) -> dict:
    if _missing(value):
        return {"text": "", "num": False, "typed": False}
    if isinstance(value, bool | np.bool_):
        return {"text": "yes" if value else "no", "num": False, "typed": False}
    if isinstance(value, pd.Timestamp):
        text = day(value) if value == value.normalize() else f"{day(value)}, {value:%H:%M}"
        return {"text": text, "num": False, "typed": False}
    if isinstance(value, int | np.integer):
        return {"text": str(int(value)), "num": True, "typed": False}
    if isinstance(value, float | np.floating):
        return {"text": _num(value, digits), "num": True, "typed": False}
    return {"text": str(value), "num": False, "typed": typed}


def html_table(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    labels: dict[str, str] | None = None,
    digits: int | dict[str, int] = 1,
    empty: str = "Nothing to show.",
    typed: Sequence[str] = (),
    typed_headings: Sequence[str] = (),
) -> Markup:
    """An HTML table of a frame (rendered by the ``table`` template; every cell escaped).

    Dates are written in words; ``typed`` columns (text a person typed) are wrapped in
    ``<bdi>``, as are the headings of ``typed_headings`` columns (e.g. partner names); a
    whole-number column prints whole numbers.

    Examples
    --------
    >>> df = pd.DataFrame({"partner": ["<A>"], "depth": [2.25]})
    >>> out = html_table(df, labels={"depth": "How deep"}, typed=["partner"])
    >>> "<td><bdi>&lt;A&gt;</bdi></td>" in out, '<th class="num">How deep</th>' in out
    (True, True)
    """
    columns = list(frame.columns if columns is None else columns)
    labels = labels or {}
    numeric = {
        c: pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        for c in columns
    }
    head = [
        {
            "text": labels.get(c, c.replace("_", " ")),
            "num": numeric[c],
            "typed": c in typed_headings,
        }
        for c in columns
    ]
    rows = []
    for record in frame[columns].itertuples(index=False, name=None):
        row = []
        for col, value in zip(columns, record, strict=True):
            d = digits.get(col, 1) if isinstance(digits, dict) else digits
            cell = _cell(value, d, col in typed)
            cell["num"] = cell["num"] or numeric[col]
            row.append(cell)
        rows.append(row)
    return Markup(_blocks().table(head, rows, empty))


class Charts:
    """The charts of one page: each :meth:`add` returns the chart's place in the page.

    The charts are drawn by **one** script at the end of the page (see :func:`render_page`), so
    the page holds exactly two scripts (plotly.js and that one), both listed by hash in the
    page's Content-Security-Policy.  Each chart is drawn twice: ``chart-N`` fits the window,
    ``chart-N-print`` is a static copy :data:`PRINT_WIDTH` pixels wide that only print shows.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> charts = Charts()
    >>> charts.add(go.Figure(go.Bar(x=[1], y=[2]), layout={"title": "Per &lt;week&gt;"}))
    Markup('<figure class="chart"><p class="chart-title">Per &lt;week&gt;</p><div id="chart-1" ...')
    >>> len(charts)
    1
    """

    def __init__(self) -> None:
        self._specs: list[str] = []

    def __len__(self) -> int:
        return len(self._specs)

    def add(self, fig, *, height: int | None = None, print_height: int | None = None) -> Markup:
        """Add a plotly figure; return its ``<figure>`` block (caption and two empty ``<div>``).

        The figure is copied (the caller's figure is not changed), set to fit the width of the
        page, to use the system fonts and to put its legend in a row under the plot
        (:data:`trustdata.charts.LEGEND`); its title becomes an HTML caption.

        Parameters
        ----------
        fig : plotly.graph_objects.Figure
            The chart.
        height : int, optional
            Height in pixels on screen (default: the figure's own, else 420).
        print_height : int, optional
            Height in pixels of the print copy (default: three quarters of ``height``).
        """
        from plotly.io.json import to_json_plotly
        from plotly.utils import PlotlyJSONEncoder

        from trustdata.charts import (
            LEGEND,
            _annotations,
            _copy_figure,
            _figure_of,
            _has_events,
            _relabel,
            _spec_in_order,
            event_key_px,
            event_rows_px,
        )

        # go.Figure(fig).to_dict(), faster; the figure itself is only read from here on (the
        # caller's is not changed), and the print copy is made from that dict
        spec_dict = _spec_in_order(fig)
        if spec_dict is None:
            fig = _copy_figure(fig)  # go.Figure(fig)
            spec_dict = fig.to_dict()
        # a trend chart names its events for a phone, maybe in a key above the plot that the
        # chart grows by; the print copy names them for its own, wider and shorter plot, each
        # row of names EVENT_ROW_PX px tall, taken from its plot (the printed pages stay few)
        key = event_key_px(fig)
        height = int(height or (None if key else fig.layout.height) or 420) + key
        print_height = int(print_height or max(200, round((height - key) * 0.75)))
        plot_px = max(40, print_height - _PRINT_FRAME_PX)
        # relabel_events(fig, ..., scores_px), without validating the copy of the copy again;
        # a figure without events would be relabelled to itself: it is its own print copy (only
        # read from here on)
        printed = fig
        if _has_events(fig):
            printed = _relabel(_figure_of(spec_dict, fig), PRINT_WIDTH - 80, plot_px)
        rows = event_rows_px(printed)  # the rows do not depend on the height
        if rows:
            _relabel(printed, PRINT_WIDTH - 80, max(_PRINT_SCORES_PX, plot_px - rows))
            print_height += max(0, _PRINT_SCORES_PX - (plot_px - rows))  # the scores keep theirs
        print_key = event_key_px(printed)
        print_height += print_key
        # a print copy whose only annotations are event names on rows inside its plot needs
        # no room above the plot for them: it is that much shorter, its plot as tall
        print_top = 40 if _annotations(printed) else 20
        tight = bool(rows) and not print_key
        tight = tight and all(a.get("name") == "event" for a in _annotations(printed))
        if tight:
            print_height -= print_top - _PRINT_TOP_PX
            print_top = _PRINT_TOP_PX
        title = fig.layout.title.text or ""
        caption = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", title)).split())
        # fig.update_layout(...) and pio.to_json(fig, validate=False), on the figure's dict:
        # its values are plotly's already, and these are valid (see _update_layout_props)
        _update_layout_props(
            spec_dict["layout"],
            {
                "title": {"text": None},
                "width": None,
                "height": height,
                "autosize": True,
                "font": {"family": FONT_STACK},
                "margin": {"t": (40 if _annotations(fig) else 20) + key, "autoexpand": True},
                "legend": dict(LEGEND),
            },
        )
        for trace in spec_dict.get("data", []):
            trace.pop("uid", None)
        div_id = f"chart-{len(self._specs) + 1}"
        figure = _script_safe(to_json_plotly(spec_dict))
        spec = f'{{"id":"{div_id}","ph":{print_height},"figure":{figure}'
        # the layouts' own properties, read (layout.to_plotly_json() deep-copies the template)
        own = printed.layout._props
        if tight or own.get("annotations") != fig.layout._props.get("annotations"):
            # the print copy's events, named anew for its wider plot; its margin as the update
            # above makes the figure's
            margin = dict(own.get("margin") or {})
            _update_layout_props(margin, {"t": print_top + print_key, "autoexpand": True})
            keep = {"annotations": own["annotations"], "margin": margin,
                    "yrange": list(printed.layout.yaxis.range)}  # fmt: skip
            spec += ',"pl":' + _script_safe(json.dumps(keep, cls=PlotlyJSONEncoder))
        self._specs.append(spec + "}")
        return Markup(_blocks().chart(div_id, caption, height, print_height, PRINT_WIDTH))

    def script(self) -> str:
        """The JavaScript that draws every chart added (plotly.js must be loaded first)."""
        from trustdata.charts import NARROW_STACK_PX

        config = json.dumps(_PLOTLY_CONFIG)
        static = json.dumps({"staticPlot": True, "displayModeBar": False})
        return (
            "(function () {\n"
            f"  var charts = [{','.join(self._specs)}];\n"
            f"  var config = {config};\n"
            f"  var still = {static};\n"
            f"  var paper = {PRINT_WIDTH};\n"
            "  if (!window.Plotly) { return; }\n"
            "  for (var i = 0; i < charts.length; i++) {\n"
            "    var c = charts[i];\n"
            "    var el = document.getElementById(c.id);\n"
            "    if (el) {\n"
            # a figure with a narrow layout (charts.NARROW_STACK_PX) takes it on a phone
            "      var lay = c.figure.layout, nar = lay.meta && lay.meta.narrow;\n"
            f"      if (nar && el.clientWidth < {NARROW_STACK_PX}) {{\n"
            "        lay = JSON.parse(JSON.stringify(lay));\n"
            "        for (var k in nar) {\n"
            "          var o = nar[k] && typeof nar[k] === 'object' && !Array.isArray(nar[k]);\n"
            "          lay[k] = o && lay[k] ? Object.assign({}, lay[k], nar[k]) : nar[k];\n"
            "        }\n"
            "        el.style.height = lay.height + 'px';\n"
            "      }\n"
            "      window.Plotly.newPlot(c.id, c.figure.data, lay, config);\n"
            "    }\n"
            "    var p = document.getElementById(c.id + '-print');\n"
            "    if (p) {\n"
            "      var layout = JSON.parse(JSON.stringify(c.figure.layout));\n"
            "      if (c.pl) {\n"
            "        layout.annotations = c.pl.annotations; layout.margin = c.pl.margin;\n"
            "        layout.yaxis.range = c.pl.yrange;\n"
            "      }\n"
            "      layout.autosize = false; layout.width = paper; layout.height = c.ph;\n"
            "      window.Plotly.newPlot(p, JSON.parse(JSON.stringify(c.figure.data)),"
            " layout, still);\n"
            "    }\n"
            "  }\n"
            "})();\n"
        )


def _merge_props(props: dict, update: dict) -> None:
    """``obj.update(update)`` of a plotly object, on its properties' dict ``props`` (in place).

    As plotly does: a dict updates the property's own properties (made when first set), None
    removes a property, any other value replaces it (in its place) or comes last.
    """
    for name, value in update.items():
        if isinstance(value, dict):
            child = props.get(name)
            if isinstance(child, dict):
                _merge_props(child, value)
            else:
                child = {}
                _merge_props(child, value)
                if child:
                    props[name] = child
        elif value is None:
            props.pop(name, None)
        else:
            props[name] = value


def _update_layout_props(props: dict, update: dict) -> None:
    """``fig.update_layout(**update)`` on the layout's properties' dict ``props`` (in place).

    For values already valid (plotly's own, or ints, bools and strings it keeps as they are),
    in plotly's order: plotly sets the properties of the layout's objects (``font``,
    ``margin``, ...) at once and its own plain properties (``height``, ...) after them, in
    turn (``update_layout`` runs in ``batch_update``; its plain properties are set when the
    batch ends).
    """
    plain = {}
    for name, value in update.items():
        if isinstance(value, dict):
            _merge_props(props, {name: value})
        else:
            plain[name] = value
    _merge_props(props, plain)


def _script_safe(text: str) -> str:
    """JSON text that cannot end or confuse the ``<script>`` element it sits in."""
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _sha256(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def _plotly_js() -> str:
    from trustdata._plotlyjs import plotly_js

    return plotly_js()


def _css() -> str:
    return resources.files("trustdata").joinpath("resources", "report.css").read_text("utf-8")


def render_page(
    title: str,
    sections: Sequence[Section],
    *,
    subtitle: str = "",
    footer: str | Sequence[str] = "",
    charts: Charts | None = None,
) -> str:
    """Assemble sections into one self-contained HTML page (no network request of any kind).

    Parameters
    ----------
    title : str
        Plain text (escaped).
    subtitle : str or Markup
        Plain text, or safe HTML (:class:`markupsafe.Markup`).
    footer : str or sequence of str
        Lines of plain text (escaped).
    sections : sequence of Section
        In the order they appear.
    charts : Charts, optional
        The charts the sections hold; plotly.js is then embedded once, inline in ``<head>``,
        and one script at the end of the page draws them.

    Examples
    --------
    >>> page = render_page("Us", [Section("s", "Hello <you>", "<p>hi</p>")])
    >>> "<h2>Hello &lt;you&gt;</h2>" in page, "://" in page, page.count("<script")
    (True, False, 1)
    """
    scripts = []
    if charts is not None and len(charts):
        scripts.append(_plotly_js())
        tail = charts.script() + _PRINT_SCRIPT
    else:
        tail = _PRINT_SCRIPT
    scripts.append(tail)
    hashes = " ".join(_sha256(text) for text in scripts)
    csp = CSP.replace("script-src 'unsafe-inline'", f"script-src 'unsafe-inline' {hashes}")
    shown = []
    for i, s in enumerate(sections):
        classes = " ".join(
            c for c in ("block", s.css_class, "page" if (s.page_break and i > 0) else "") if c
        )
        shown.append(
            {
                "key": s.key,
                "title": s.title,
                "body": Markup(s.body),
                "classes": classes,
                "alert": "safety" in s.css_class.split(),
            }
        )
    lines = [footer] if isinstance(footer, str) else list(footer)
    return (
        _env()
        .get_template("page.html.j2")
        .render(
            csp=Markup(csp),  # our own constant and hashes: no typed text
            title=title,
            subtitle=subtitle,
            css=Markup(_css()),
            head_script=Markup(scripts[0]) if len(scripts) == 2 else "",
            sections=shown,
            footer=[line for line in lines if line],
            tail=Markup(tail),
        )
    )


def _check_audience(audience: str) -> None:
    if audience not in AUDIENCES:
        raise ValueError(
            f"The value for `audience` must be one of {list(AUDIENCES)}, but {audience!r} was "
            "passed."
        )


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


def build(
    logs: Logs,
    couple_id: str,
    *,
    audience: str = "couple",
    since: object = None,
    today: object = None,
    reference: object = None,
    include_expected: bool = False,
) -> str:
    """The report of one couple as one self-contained HTML page.

    Parameters
    ----------
    logs : Logs
        Validated logs (one couple or many).
    couple_id : str
        The couple to report on.
    audience : {"couple", "therapist"}
        Who will read it.
    since : date-like, optional
        The last session (default: :func:`trustdata.review.default_since`): the therapist page
        shows what changed since then.  Refused for the couple page, which always shows the
        couple's whole logs (as ``trustdata report --since`` is).
    today : date-like, optional
        The generation date printed on the page (default: today).
    reference : Logs or path, optional
        A reference cohort for the expected-recovery band (see
        :func:`trustdata.review.review`); the therapist page then shows the band and status.
    include_expected : bool
        The couple page says where they stand against the reference only when this is True
        (the therapist's choice); ignored without a reference.

    Returns
    -------
    str
        The page (UTF-8 text; about 5 MB, most of it plotly.js).

    Raises
    ------
    ValueError
        When the couple is not in the logs, an argument is not one of the allowed values, or
        ``since`` is given for the couple page.
    """
    _check_audience(audience)
    if since is not None and audience == "couple":
        raise ValueError(
            "`since` is for the therapist page (what changed since the last session); the "
            "couple page always shows the couple's whole logs. Leave out `since`, or pass "
            'audience="therapist".'
        )
    r = review(logs, couple_id, since=since, today=today, reference=reference)
    return render(r, audience=audience, include_expected=include_expected)


def events_around(r: CoupleReview, audience: str = "therapist") -> pd.Series:
    """What happened around each setback, as the page's "events around" column says it.

    The review's ``setback_events_all`` (therapist) or ``setback_events`` (couple: no abuse
    event), the yearly returns of the discovery or disclosure included, each as "date kind"
    in words, joined with "; " by date.

    Returns
    -------
    pandas.Series
        str, indexed by ``setback_id``; a setback with nothing around it has no entry.
    """
    _check_audience(audience)
    events = r.setback_events if audience == "couple" else r.setback_events_all
    words = events.assign(
        text=events["date"].map(day) + " " + events["kind"].map(lambda k: EVENT_WORDS.get(k, k))
    )
    return words.groupby("setback_id")["text"].agg("; ".join).rename("events_around")


def _setback_tables(r: CoupleReview, audience: str) -> dict[str, Markup]:
    sb = r.setbacks.copy()
    around = events_around(r, audience)
    sb["who"] = sb["partner"].map(r.name)
    sb["back"] = sb["end"].map(lambda d: day(d) if not _missing(d) else "not yet")
    tables = {}
    if audience == "therapist":
        ctx = r.setback_context.set_index("setback_id")
        sb["triggers_around"] = sb["setback_id"].map(ctx["n_triggers"]).astype("Int64")
        sb["major"] = sb["setback_id"].map(ctx["n_major_triggers"]).astype("Int64")
        sb["top_category"] = [
            _top_categories(ctx.at[i, "top_categories"], ctx.at[i, "top_count"])
            for i in sb["setback_id"]
        ]
        sb["events_around"] = sb["setback_id"].map(lambda i: around.get(i, ""))
        tables["setbacks"] = html_table(
            sb,
            ["who", "start", "trough_date", "back", "depth", "weeks", "weeks_to_recover",
             "triggers_around", "major", "top_category", "events_around"],
            labels={"who": "partner", "trough_date": "lowest week", "back": "back near level",
                    "weeks_to_recover": "weeks to recover", "triggers_around": "triggers",
                    "top_category": "most common trigger", "events_around": "events around"},
            digits={"weeks_to_recover": 0, "weeks": 0, "depth": 1},
            typed=["who"],
        )  # fmt: skip
    else:
        tables["setbacks"] = html_table(
            sb,
            ["who", "start", "trough_date", "back", "depth", "weeks_to_recover"],
            labels={
                "who": "Who",
                "start": "Started (week of)",
                "trough_date": "Lowest week",
                "back": "Back near the usual level",
                "depth": "How far it fell (points)",
                "weeks_to_recover": "Weeks from lowest to back",
            },
            digits={"depth": 1, "weeks_to_recover": 0},
            typed=["who"],
        )
    since_sb = r.since_setbacks.assign(
        who=r.since_setbacks["partner"].map(r.name),
        back=r.since_setbacks["end"].map(lambda d: day(d) if not _missing(d) else "not yet"),
    )
    tables["since_setbacks"] = html_table(
        since_sb,
        ["who", "start", "trough_date", "back", "depth", "weeks"],
        labels={"who": "partner", "trough_date": "lowest week", "back": "back near level"},
        digits={"weeks": 0, "depth": 1},
        typed=["who"],
    )
    tables["since_events"] = _events_table(r, r.since_events)
    return tables


def _answer_table(rows: pd.DataFrame) -> Markup:
    return html_table(
        rows,
        ["date", *[c for c, _ in _ANSWER_LABELS]],
        labels={"date": "Date", **dict(_ANSWER_LABELS)},
        typed=[c for c, _ in _ANSWER_LABELS],
    )


def _top_categories(codes: str, count: int) -> str:
    """The most common trigger category in words; a tie names every tied one and the count
    they share ("A change in behaviour / TV, film, music or media (9 each)"), so no one of
    them reads as *the* most common (``setback_context``'s ``top_categories``, ``top_count``).
    """
    names = [_category(c) for c in str(codes).split("; ") if c]
    if len(names) < 2:
        return "".join(names)
    return " / ".join(names) + f" ({count} each)"


def _category(code: object) -> str:
    from trustdata.charts import CATEGORY_LABELS

    return "" if _missing(code) else CATEGORY_LABELS.get(str(code), str(code).replace("_", " "))


def _events_table(r: CoupleReview, events: pd.DataFrame) -> Markup:
    shown = events.assign(
        what=events["kind"].astype(object).map(lambda k: EVENT_WORDS.get(str(k), str(k))),
        who=events["partner"].map(lambda p: "" if _missing(p) else r.name(p)),
    )
    return html_table(
        shown,
        ["date", "what", "who", "note"],
        labels={"date": "Date", "what": "What", "who": "Who", "note": "Note"},
        typed=["who", "note"],
        empty="No events were logged.",
    )


def _month_table(r: CoupleReview, measure: str) -> Markup:
    monthly = r.monthly[measure]
    if monthly.empty:
        return Markup("")
    table = monthly.pivot(index="month", columns="partner", values="mean").reset_index()
    partners = [p for p in r.partners if p in table.columns]
    table = table.rename(columns={p: r.name(p) for p in partners})
    table["month"] = table["month"].map(_month)
    return html_table(
        table,
        ["month", *[r.name(p) for p in partners]],
        labels={"month": "Month"},
        digits=1,
        typed_headings=[r.name(p) for p in partners],
    )


def _each_of_you(r: CoupleReview, partners: Iterable[object]) -> str:
    """Whom a couple page's heading is about: "each of you", or the one partner it shows.

    ``partners`` are those the review found in what the heading is over (``partners_scoring``
    of a measure, ``partners_with_triggers``): with one of them, "each of you" would speak of a
    second partner who is not in it (reader14 F7), so the heading names that one (plain text:
    headings and chart titles are escaped where they are drawn).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> r = SimpleNamespace(name=lambda p: {"A": "Sam"}.get(p, p))
    >>> _each_of_you(r, ["A", "B"]), _each_of_you(r, ["A"])
    ('each of you', 'Sam')
    """
    shown = list(dict.fromkeys(str(p) for p in partners))
    return r.name(shown[0]) if len(shown) == 1 else "each of you"


def _scorers(r: CoupleReview, *keys: str) -> list[str]:
    """The partners with a score of any of ``keys`` (the review's ``partners_scoring``)."""
    return [p for p in r.partners if any(p in r.partners_scoring.get(k, ()) for k in keys)]


def _trend_caption(r: CoupleReview, measure: str, audience: str) -> str:
    if audience == "therapist":
        low, high = r.constants["scale_min"], r.constants["scale_max"]
        return f"Weekly {measure} ({low}-{high}) per partner"
    who = _each_of_you(r, _scorers(r, measure))
    return {
        "connection": f"How connected {who} felt, week by week",
        "trust": f"How much {who} trusted, week by week",
    }.get(measure, f"Weekly {measure}")


def _only_some_rated(r: CoupleReview, key: str, what: str, optional: str = "it is") -> Markup:
    """A note under a chart that shows fewer partners than the couple has: who never rated it
    (a partner with check-ins left an optional score out; one without has not checked in, which
    is the only way to leave out connection, the score every check-in has)."""
    rated = r.partners_scoring.get(key, ())
    silent = [p for p in r.partners if p not in rated]
    if not silent or not rated:
        return Markup("")
    names = Markup(" and ").join
    absent = [p for p in silent if p in r.no_checkins]
    skipped = [p for p in silent if p not in r.no_checkins]
    clauses = []
    if skipped:
        clauses.append(
            Markup("{} has not ({} optional)").format(
                names(_bdi(r.name(p)) for p in skipped), optional
            )
        )
    if absent:
        clauses.append(
            Markup("{} has not checked in").format(names(_bdi(r.name(p)) for p in absent))
        )
    return Markup('<p class="note">Only {} rated {}; {}.</p>').format(
        names(_bdi(r.name(p)) for p in rated), what, Markup("; ").join(clauses)
    )


def _sections(r: CoupleReview, audience: str, chart: Charts) -> list[Section]:
    from trustdata import charts

    m = _macros()
    therapist = audience == "therapist"
    events = r.events if therapist else r.couple_events
    tables = _setback_tables(r, audience)
    out: list[Section] = []
    if r.safety is not None:
        if therapist:
            out.append(
                Section("safety", "Abuse recorded: safety first", m.safety_therapist(r), "safety")
            )
        else:
            out.append(Section("safety", r.safety.title, m.safety_couple(r), "safety"))
    out.append(Section("summary", "Summary" if therapist else "In short", m.summary(r, audience)))
    if not therapist and (notes := _couple_notes_section(r)) is not None:
        out.append(notes)
    if therapist:
        out.append(Section("flags", "Red flags and notes for the therapist", m.flags(r)))
        if r.since is not None:
            out.append(Section("since", f"What changed since {day(r.since)}",
                               m.since(r, tables)))  # fmt: skip
        out.append(Section("answers", "The partners' own words", m.answers(r, _answer_table)))

    # scores: connection, trust (and the layers when the review has them)
    body = Markup("")
    w = r.constants["window_weeks"]
    body += Markup("<p>{}</p>").format(
        f"Weekly scores ({r.constants['scale_min']}-{r.constants['scale_max']}) per partner, "
        f"{w}-week trailing mean ± {r.constants['band_sd']} SD; setbacks shaded; events marked."
        if therapist
        else "Each dot is a week's score; the line is the average of the last four weeks and "
        "the band around it shows how much the weeks varied. Setbacks are shaded."
    )
    for measure in r.measures:
        fig = charts.plot_trend(
            r.trends[measure],
            setbacks=r.setbacks if measure == "connection" else None,
            events=events,
            partners=list(r.partners),
            measure=measure,
            names=r.names,
            audience=audience,
            title=_trend_caption(r, measure, audience),
        )
        body += chart.add(fig, print_height=230)
        body += _only_some_rated(r, measure, measure)
    rated_layers = bool(r.partners_scoring.get("layers"))
    if r.layers_profile is not None and (therapist or rated_layers):
        # the couple page's trust is the summary's (its first and latest weeks) and its own
        # chart's: its layers chart draws the six layers alone, so no second "trust at the
        # start" (of other weeks) stands beside the summary's (reader14 F10); the therapist
        # page keeps trust in it, with the note naming the windows
        profile = (
            r.layers_profile if therapist else r.layers_profile.loc[r.layers_profile["is_layer"]]
        )
        fig = charts.plot_layers(
            profile,
            partners=list(r.partners),
            names=r.names,
            audience=audience,
            title="Trust and its layers: at the start and recently, per partner"
            if therapist
            else f"The layers of trust for {_each_of_you(r, _scorers(r, 'layers'))}: "
            "at the start and recently",
        )
        body += chart.add(fig, print_height=300)
        body += Markup(m.layers_note(r, audience))
        if rated_layers:
            body += _only_some_rated(r, "layers", "the layers of trust", "they are")
    if r.layers_profile is not None and not rated_layers:
        body += Markup(
            '<p class="note">No one rated any of the six layers of trust (they are optional){}.</p>'
        ).format(": the chart shows trust alone" if therapist else "")
    if therapist and not r.partner_gap.empty:
        # on screen only: in print the cards and sentences give both partners side by side
        body += Markup('<div class="screen-only">')
        body += Markup("<h3>The two partners side by side</h3>")
        body += Markup("<p>{}</p>").format(
            f"Difference between the partners' weekly connection scores ({w}-week trailing "
            "mean); a gap that keeps widening means they are experiencing the recovery "
            "differently."
        )
        fig = charts.plot_partner_gap(
            r.partner_gap, title="How far apart the partners' scores were each week"
        )
        body += chart.add(fig, print_height=200)
        body += Markup("</div>")
    body += Markup('<h3 class="screen-only">{}</h3>').format(
        "Connection month by month"
        if therapist
        else f"How connected {_each_of_you(r, _scorers(r, 'connection'))} felt, month by month "
        "(on average)"
    )
    body += Markup('<div class="screen-only narrow">{}</div>').format(_month_table(r, "connection"))
    title = (
        "Scores over time"
        if therapist
        else f"How {_each_of_you(r, _scorers(r, *r.measures))} has felt"
    )
    out.append(Section("connection", title, body))

    # triggers
    if r.n_triggers == 0:
        out.append(Section("triggers", "Triggers", Markup("<p>No triggers were logged.</p>")))
    else:
        body = Markup('<ul class="plain">')
        for p in r.partners:
            row = _first_row(r.trigger_trend, p)
            if row is None:
                continue
            if p not in r.partners_with_triggers:
                body += Markup("<li>{} has not logged any triggers.</li>").format(
                    _who(r, p, audience)
                )
            else:
                body += Markup("<li>{}</li>").format(
                    m.trigger_item(
                        _who(r, p, audience),
                        row,
                        therapist,
                        r.constants["ci_percent"],
                        r.safety is None,
                    )
                )
        body += Markup("</ul>")
        # a partner who logged no triggers gets no panel of zeros: the words below say so
        freq = r.trigger_frequency
        silent = [p for p in r.partners if p not in r.partners_with_triggers]
        if silent:
            freq = freq.loc[freq["partner"].isin(r.partners_with_triggers)]
        fig = charts.plot_trigger_bars(
            freq,
            title="Triggers per month, by kind"
            if therapist
            else f"How many triggers {_each_of_you(r, r.partners_with_triggers)} logged each "
            "month, by kind",
        )
        _rename_partners(fig, r)
        # one panel per partner, each tall enough in print for its ticks and axis title
        panels = max(1, len(r.partners_with_triggers))
        body += chart.add(fig, print_height=PRINT_BARS_PX + PRINT_BARS_PANEL_PX * panels)
        if silent:
            named = [_bdi(r.name(p)) for p in r.partners_with_triggers]
            body += Markup(
                '<p class="note">Only {}\'s triggers are drawn: {} logged none.</p>'
            ).format(
                Markup(" and ").join(named), Markup(" and ").join(_bdi(r.name(p)) for p in silent)
            )
        if therapist:
            cols = ["who", "first_count", "latest_count", "first_rate_per_month",
                    "latest_rate_per_month", "rate_ratio", "rate_ratio_low", "rate_ratio_high",
                    "p_shown", "intensity_slope_per_month", "verdict_words"]  # fmt: skip
            tt = r.trigger_trend.assign(
                who=r.trigger_trend["partner"].map(r.name),
                # as in the sentences: a p-value under 0.001 is "< 0.001", never "0.000"
                p_shown=r.trigger_trend["rate_p"].map(
                    lambda p: "" if _missing(p) else _pvalue(p).removeprefix("p ").lstrip("= ")
                ),
                # a partner who logged no trigger has none, not "not enough data"
                verdict_words=r.trigger_trend["verdict"]
                .map(lambda v: _VERDICT_WORDS.get(str(v), str(v)))
                .where(r.trigger_trend["partner"].isin(r.partners_with_triggers), "none logged"),
            )
            body += html_table(
                tt,
                cols,
                labels={
                    "who": "partner",
                    "first_count": "first n",
                    "latest_count": "latest n",
                    "first_rate_per_month": "first /month",
                    "latest_rate_per_month": "latest /month",
                    "rate_ratio_low": "ratio low",
                    "rate_ratio_high": "ratio high",
                    "p_shown": "p",
                    "intensity_slope_per_month": "intensity slope /month",
                    "verdict_words": "verdict",
                },
                digits=2,
                typed=["who"],
            )
            body += Markup('<h3 class="screen-only">Trigger categories over time</h3>')
            fig = charts.plot_trigger_heatmap(freq, title="Triggers per month and category")
            _rename_partners(fig, r)
            body += Markup('<div class="screen-only">{}</div>').format(chart.add(fig))
        else:
            body += Markup("<p>{}</p>").format(
                "A trigger is a moment when something brought the hurt back. Fewer or milder "
                "triggers over the months is one sign that healing is happening."
            )
        out.append(Section("triggers", "Triggers" if therapist else "Are triggers getting rarer?",
                           body))  # fmt: skip

    # setbacks
    body = Markup('<ul class="plain"><li>{}</li></ul>').format(m.setback_item(r, audience))
    if not therapist:
        body += Markup("<p>{}</p>").format(
            "A setback is a stretch of weeks when the connection score fell clearly below its "
            "own recent level, more than the usual ups and downs, until it came back near that "
            "level."
        )
    if not r.setbacks.empty:
        fig = charts.plot_setback_timeline(
            r.setbacks,
            as_of=r.last if therapist else r.couple_last,
            partners=list(r.partners),
            # setbacks are found in the connection score: the partners who scored it
            title="Setbacks per partner"
            if therapist
            else f"When {_each_of_you(r, _scorers(r, 'connection'))} had a harder stretch",
        )
        if r.first is not None:
            fig.update_xaxes(
                range=[r.first, r.last] if therapist else [r.couple_first, r.couple_last]
            )
        _rename_partners(fig, r)
        rows = r.setbacks["partner"].nunique()
        body += chart.add(fig, height=170 + 70 * rows, print_height=90 + 40 * rows)
        body += tables["setbacks"]
    if therapist and not r.setbacks.empty:
        body += Markup('<p class="note">{}</p>').format(
            f"Context window: {r.constants['context_days']} days before the start to the end "
            "of each setback, triggers and events of both partners."
        )
    # "came through" only when there were setbacks and every one of them ended
    came_through = len(r.setbacks) and r.n_recovered == len(r.setbacks)
    out.append(Section("setbacks", "Setbacks and what happened around them" if therapist
                       else "Setbacks you came through" if came_through else "Setbacks",
                       body))  # fmt: skip

    if not therapist:
        out.append(
            Section(
                "words",
                "What helped, in your own words",
                m.helped(r, _each_of_you(r, r.helped["partner"])),
            )
        )
    out.append(
        Section(
            "events",
            "Events" if therapist else "The dates you logged",
            _events_table(r, events),
        )
    )
    if r.safety is None:
        out.append(Section("wins", "Small wins", m.wins(r)))
    return out


#: Status words of :func:`trustdata.expected.track_status` on the therapist's card.
_STATUS_WORDS = {
    "on_track": "on track",
    "watch": "watch (below the expected range, fewer than {n} weeks running)",
    "not_on_track": "not on track (below the expected range {n} weeks or more running)",
    "not_assessed": "not assessed",
}

#: Plan-effect verdicts in words (therapist table).
_PLAN_WORDS = {
    "lower_with_plan": "lower with the plan",
    "higher_with_plan": "higher with the plan",
    "no_clear_difference": "no clear difference",
    "insufficient_data": "too few to compare",
}

#: The couple page's sentence when the therapist chose to include the expected range.
EXPECTED_COUPLE_BELOW = (
    "Your therapist chose to show this: for four weeks or more, {who}'s recent average has "
    "been lower than most people who started at a similar level had at this point. It does "
    "not say how "
    "things will go; it may be worth talking about with your therapist."
)
EXPECTED_COUPLE_WITHIN = (
    "Your therapist chose to show this: {who}'s recent average is within the usual range: "
    "the range where most people who started at a similar level were at this point."
)
EXPECTED_COUPLE_ABOVE = (
    "Your therapist chose to show this: {who}'s recent average is above the usual range: "
    "higher than most people who started at a similar level had at this point."
)
#: The couple page's sentence per ``CoupleReview.expected_couple`` value.
EXPECTED_COUPLE_WORDS = {
    "below": EXPECTED_COUPLE_BELOW,
    "within": EXPECTED_COUPLE_WITHIN,
    "above": EXPECTED_COUPLE_ABOVE,
}
#: Who the couple is compared with when the review finds the reference synthetic
#: (``CoupleReview.reference_synthetic``): not "most people" but made-up couples.
EXPECTED_COUPLE_SYNTHETIC_MOST = "most partners in made-up example couples (not real people)"
#: :data:`EXPECTED_COUPLE_WORDS` against a synthetic reference: the same sentences, each saying
#: who the comparison is with.
EXPECTED_COUPLE_WORDS_SYNTHETIC = {
    told: sentence.replace("most people", EXPECTED_COUPLE_SYNTHETIC_MOST)
    for told, sentence in EXPECTED_COUPLE_WORDS.items()
}


def _issue14():
    return _env().get_template("expected.html.j2").module


def _add_issue14(sections, r: CoupleReview, audience: str, chart, include_expected: bool) -> None:
    """Expected recovery, plan effect and anniversaries ahead (issue 14), before the events.

    The sections are the macros of ``templates/expected.html.j2``; the band charts and the
    tables are built here (in the page's chart order), as for the other sections.
    """
    from trustdata import charts

    therapist = audience == "therapist"
    m = _issue14()
    at = next((i for i, s in enumerate(sections) if s.key == "events"), len(sections))
    new: list[Section] = []
    if r.reference_given and therapist:
        figures: dict[str, Markup | None] = {}
        if r.expected_refusal is None:
            for p in r.partners:
                rows = r.track.loc[r.track["partner"] == p]
                if rows.empty or rows["expected_low"].isna().all():
                    figures[p] = None
                    continue
                fig = charts.plot_expected_band(
                    rows,
                    names=r.names,
                    title=f"{r.name(p)}: 4-week mean against the expected range",
                )
                figures[p] = chart.add(fig, print_height=230)
        body = Markup(m.expected_therapist(r, figures, _STATUS_WORDS))
        new.append(Section("expected", "Against expected recovery", body))
    elif r.reference_given and include_expected and r.expected_couple:
        words = EXPECTED_COUPLE_WORDS_SYNTHETIC if r.reference_synthetic else EXPECTED_COUPLE_WORDS
        body = Markup(m.expected_couple(r, words))
        new.append(Section("expected", "Compared with others", body))
    # plan effect
    plan = r.plan_effect
    if therapist and len(plan):

        def shown_p(col: str):
            return plan[col].map(
                lambda p: "" if _missing(p) else _pvalue(p).removeprefix("p ").lstrip("= ")
            )

        body = html_table(
            plan.assign(
                who=plan["partner"].map(r.name),
                p_shown=shown_p("p"),
                month_p_shown=shown_p("month_p"),
                verdict_words=plan["verdict"].map(lambda v: _PLAN_WORDS.get(str(v), str(v)))
                + np.where(
                    plan["verdict"] == "no_clear_difference",
                    " (" + plan["verdict_reason"].astype(str) + ")",
                    "",
                ),
            ),
            [
                "who",
                "measure",
                "n_plan",
                "n_no_plan",
                "median_plan",
                "median_no_plan",
                "difference",
                "ci_low",
                "ci_high",
                "p_shown",
                "month_p_shown",
                "verdict_words",
            ],
            labels={
                "who": "partner",
                "n_plan": "n with plan",
                "n_no_plan": "n without",
                "median_plan": "median with",
                "median_no_plan": "median without",
                "ci_low": "CI low",
                "ci_high": "CI high",
                "p_shown": "p",
                "month_p_shown": "within-month p",
                "verdict_words": "verdict",
            },
            digits=2,
            typed=["who"],
        )
        body = Markup(m.plan_therapist(r, body))
        new.append(Section("plan", "Triggers with and without the plan", body))
    elif not therapist and (plan_section := _couple_plan_section(r)) is not None:
        new.append(plan_section)
    # anniversaries ahead
    ahead = r.anniversaries
    if not therapist:
        if (ahead_section := _couple_anniversaries_section(r)) is not None:
            new.append(ahead_section)
    elif len(ahead):
        body = html_table(
            ahead.assign(who=ahead["partner"].map(r.name)),
            [
                "label",
                "anniversary",
                "years_since",
                "who",
                "last_year_ratio",
                "last_year_p",
                "last_year_more_often",
            ],
            labels={
                "who": "partner",
                "last_year_ratio": "last year ratio",
                "last_year_p": "p",
                "last_year_more_often": "more often",
            },
            digits=2,
            typed=["who"],
        )
        body += Markup(
            '<p class="note">The coming {} weeks from {}, the day this page was made.</p>'
        ).format(ANNIVERSARY_WEEKS, day(r.generated))
        new.append(Section("anniversaries", "Anniversaries ahead", body))
    sections[at:at] = new


# The couple page's sections of sentences, each built in one place: the page and the couple's
# notebook (through couple_section_markdown) show the same section, or neither does.


def _couple_notes_section(r: CoupleReview) -> Section | None:
    """The section "Worth talking about": the red flags in the couple's words."""
    if r.safety is not None or not len(r.couple_notes):
        return None
    return Section("notes", "Worth talking about", _macros().couple_notes(r))


def _couple_plan_section(r: CoupleReview) -> Section | None:
    """The section "Your plan for triggers": a sentence per partner whose plan was milder."""
    if r.safety is not None or not r.plan_clear_partners:
        return None
    return Section("plan", "Your plan for triggers", Markup(_issue14().plan_couple(r)))


def _couple_anniversaries_section(r: CoupleReview) -> Section | None:
    """The couple's section "Anniversaries ahead": the coming dates."""
    if r.safety is not None or not len(r.anniversaries):
        return None
    body = Markup(_issue14().anniversaries_couple(r))
    return Section("anniversaries", "Anniversaries ahead", body) if body else None


_COUPLE_SECTION_BUILDERS = {
    "notes": _couple_notes_section,
    "plan": _couple_plan_section,
    "anniversaries": _couple_anniversaries_section,
}

#: The couple page's sections of sentences a notebook can show (:func:`couple_section_markdown`),
#: by key, in the page's order.
COUPLE_TEXT_SECTIONS: tuple[str, ...] = tuple(_COUPLE_SECTION_BUILDERS)


def couple_section_markdown(r: CoupleReview, key: str) -> str:
    """One of the couple page's sections of sentences as Markdown, for the couple's notebook.

    The same section the couple's page shows for the review ``r`` (the same rule decides whether
    it is shown, the same templates write it): its heading (``## ...``), then its paragraphs and
    list items in order, escaped HTML that Markdown shows as written (names in ``<bdi>``).  ""
    when the page leaves the section out (no such note, an abuse event logged, ...).

    Parameters
    ----------
    r : CoupleReview
        The review the notebook shows (:func:`trustdata.review.review`).
    key : str
        One of :data:`COUPLE_TEXT_SECTIONS`: ``"notes"`` ("Worth talking about"), ``"plan"``
        ("Your plan for triggers"), ``"anniversaries"`` ("Anniversaries ahead").

    Returns
    -------
    str

    Raises
    ------
    ValueError
        When ``key`` is not one of :data:`COUPLE_TEXT_SECTIONS`.

    Examples
    --------
    >>> from trustdata.logs import Logs, as_table
    >>> from trustdata.review import review
    >>> ci = as_table("checkins", [{"couple_id": "c1", "partner": "A", "date": "2025-01-06",
    ...                             "connection": 5}])
    >>> couple_section_markdown(review(Logs(checkins=ci), "c1"), "notes")
    ''
    """
    if key not in _COUPLE_SECTION_BUILDERS:
        raise ValueError(
            f"The value for `key` must be one of {list(COUPLE_TEXT_SECTIONS)}, but {key!r} was "
            "passed."
        )
    section = _COUPLE_SECTION_BUILDERS[key](r)
    if section is None:
        return ""
    blocks = [f"## {esc(section.title)}"]
    for tag, text in re.findall(r"<(p|li)\b[^>]*>(.*?)</\1>", str(section.body), flags=re.S):
        text = " ".join(text.split())
        if tag == "li" and blocks[-1].startswith("- "):
            blocks[-1] += f"\n- {text}"  # the items of one list, one a line
        else:
            blocks.append(f"- {text}" if tag == "li" else text)
    return "\n\n".join(blocks) + "\n"


def _rename_partners(fig, r: CoupleReview) -> None:
    """Show display names in a chart's legend (trace names are partner ids, escaped)."""
    if all(r.name(p) == p for p in r.partners):
        return
    from trustdata.charts import escape

    for trace in fig.data:
        name = trace.name
        if not isinstance(name, str):
            continue
        for p in r.partners:
            shown = escape(p)
            if name == shown or name.startswith((shown + " ", shown + ":")):
                trace.name = escape(r.name(p)) + name[len(shown) :]
                break


def render(r: CoupleReview, *, audience: str = "couple", include_expected: bool = False) -> str:
    """Render a :class:`~trustdata.review.CoupleReview` as one self-contained HTML page.

    Parameters
    ----------
    r : CoupleReview
        From :func:`trustdata.review.review`.
    audience : {"couple", "therapist"}
    include_expected : bool
        The couple page shows the expected-recovery sentence (when the review has a reference).

    Returns
    -------
    str
        The page.
    """
    _check_audience(audience)
    chart = Charts()
    sections = _sections(r, audience, chart)
    _add_issue14(sections, r, audience, chart, include_expected)
    names = [r.name(p) for p in r.partners]
    together = Markup(" and ").join(_bdi(n) for n in names) if names else Markup("")
    if audience == "therapist":
        title = "Therapist review"
        subtitle = Markup("{} · couple {}").format(together, _bdi(r.couple_id))
    else:
        title = "Your progress" if r.safety is None else "Your logs"
        subtitle = Markup("{}").format(together)
    # the couple's shared page never shows an abuse event's date, not even as the logs' end
    first, last = (r.first, r.last) if audience == "therapist" else (r.couple_first, r.couple_last)
    if first is not None:
        subtitle += Markup(" · logs from {} to {}").format(day(first), day(last))
    footer = [
        f"Made on {day(r.generated)} by trustdata on this computer from these logs; the page "
        "loads nothing from the internet and sends nothing anywhere. The numbers describe the "
        "logs, not the people.",
    ]
    return render_page(title, sections, subtitle=subtitle, footer=footer, charts=chart)


#: How an HTML page trustdata wrote is known again: the first line of its style sheet
#: (``resources/report.css``), inside the ``<style>`` of every report page since the first.
HTML_MARK = b"/* trustdata report: one offline page."

#: How a PDF trustdata wrote is known again: the document information's ``/Creator`` (the
#: program that made the page it was printed from), set by :func:`_mark_pdf`.
PDF_MARK = b"/Creator (trustdata report)"


def is_report_file(path: str | Path) -> bool:
    """Whether ``path`` is a report page or PDF that trustdata wrote (:data:`HTML_MARK`,
    :data:`PDF_MARK`): the only existing files ``trustdata report -o`` replaces unasked.

    Examples
    --------
    >>> import tempfile
    >>> own = Path(tempfile.mkdtemp()) / "journal.html"
    >>> _ = own.write_text("<p>my private journal</p>")
    >>> is_report_file(own)
    False
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
            if head.startswith(b"%PDF-"):
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - 4096))
                return PDF_MARK in fh.read()
    except OSError:
        return False
    return head.lstrip()[:15].lower() == b"<!doctype html>" and HTML_MARK in head


def _mark_pdf(data: bytes) -> bytes:
    """Chromium's PDF with :data:`PDF_MARK` as its ``/Creator``, by an incremental update.

    A PDF may be updated by appending a new version of an object, a cross-reference section
    for it and a trailer pointing back at the previous one (ISO 32000-1, 7.5.6); nothing
    before is changed.  The new document information is Chromium's (title, producer, dates)
    with the ``/Creator`` replaced.  A PDF of another layout (no classic cross-reference table,
    no document information) is returned unchanged: it is then written unmarked, and an
    unmarked PDF is never replaced without ``--force``.
    """
    end = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data[-1024:])
    if end is None:
        return data
    prev = int(end.group(1))
    at = data.rfind(b"trailer", prev)
    if not data.startswith(b"xref", prev) or at < 0:
        return data
    found = re.match(rb"trailer\s*<<(.*?)>>\s*startxref", data[at:], re.S)
    if found is None:
        return data
    trailer = found.group(1)
    info = re.search(rb"/Info\s+(\d+)\s+(\d+)\s+R", trailer)
    if info is None:
        return data
    num, gen = int(info.group(1)), int(info.group(2))
    offset = None
    lines = iter(data[prev + 4 : at].split())
    try:
        while offset is None:
            first, count = int(next(lines)), int(next(lines))
            for i in range(first, first + count):
                where, _, kind = next(lines), next(lines), next(lines)
                if i == num and kind == b"n":
                    offset = int(where)
    except (StopIteration, ValueError):
        return data
    obj = re.match(rb"%d %d obj\s*<<(.*?)>>\s*endobj" % (num, gen), data[offset:], re.S)
    if obj is None:
        return data
    fields = obj.group(1)
    creator = re.compile(rb"\s*/Creator\s*\((?:\\.|[^\\()])*\)")
    if b"/Creator" in fields and not creator.search(fields):
        return data  # a /Creator this parser does not follow: leave the PDF as it is
    fields = creator.sub(b"", fields).rstrip() + b"\n" + PDF_MARK
    body = data if data.endswith(b"\n") else data + b"\n"
    new_obj = b"%d %d obj\n<<%s>>\nendobj\n" % (num, gen, fields)
    xref_at = len(body) + len(new_obj)
    xref = b"xref\n%d 1\n%010d %05d n \n" % (num, len(body), gen)
    kept = re.sub(rb"\s*/Prev\s+\d+", b"", trailer).rstrip()
    tail = b"trailer\n<<%s\n/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (kept, prev, xref_at)
    return body + new_obj + xref + tail


def _atomic_write(path: Path, data: bytes) -> None:
    """Write through :func:`trustdata._atomic.write_bytes` (temporary file, then rename)."""
    from trustdata._atomic import write_bytes

    write_bytes(path, data)


def write(
    logs: Logs,
    couple_id: str,
    path: str | Path,
    *,
    audience: str = "couple",
    since: object = None,
    today: object = None,
    reference: object = None,
    include_expected: bool = False,
) -> Path:
    """Write the report of one couple to ``path`` and return the path.

    A path ending in ``.pdf`` is written as a PDF through Chromium (:func:`write_pdf`); any
    other as the HTML page (UTF-8).  The file is written atomically (a temporary file in the
    same folder, then renamed).  See :func:`build` for the parameters.
    """
    page = build(
        logs,
        couple_id,
        audience=audience,
        since=since,
        today=today,
        reference=reference,
        include_expected=include_expected,
    )
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        return write_pdf(page, path)
    _atomic_write(path, page.encode("utf-8"))
    return path


#: How to get Chromium, in the error raised when it is missing.
INSTALL_CHROMIUM = (
    "Writing a PDF needs Chromium, which was not found (set TRUSTDATA_CHROMIUM to its path, or "
    "install it: `sudo apt-get install chromium` on Debian or Ubuntu). Or write the HTML page "
    "(-o report.html) and print it to PDF from any browser."
)


_FALLBACK_CHROMIUM = "/usr/bin/chromium"


def find_chromium() -> str | None:
    """The Chromium to print PDFs with: ``$TRUSTDATA_CHROMIUM``, ``chromium`` on the PATH, or
    ``/usr/bin/chromium``; None when there is none."""
    for candidate in (
        os.environ.get("TRUSTDATA_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        _FALLBACK_CHROMIUM,
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def write_pdf(page: str, path: str | Path, *, timeout: float = 120.0) -> Path:
    """Print a report page to a PDF file (A4) with headless Chromium; return the path.

    Raises
    ------
    TrustDataError
        When Chromium is not installed (the message says how to install it) or fails.
    """
    path = Path(path)
    browser = find_chromium()
    if browser is None:
        raise TrustDataError(INSTALL_CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="trustdata-pdf-") as work:
        src = Path(work) / "report.html"
        src.write_text(page, encoding="utf-8")
        out = Path(work) / "report.pdf"
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={Path(work) / 'profile'}",
            "--no-pdf-header-footer",
            "--virtual-time-budget=10000",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TrustDataError(f"Chromium could not print the PDF: {exc}") from exc
        if not out.is_file() or out.stat().st_size == 0:
            raise TrustDataError(f"Chromium ({browser}) did not write a PDF.")
        _atomic_write(path, _mark_pdf(out.read_bytes()))
    return path


# ---------------------------------------------------------------------------------------------
# Presentation helpers (also used by the notebooks)
# ---------------------------------------------------------------------------------------------

#: Columns of :func:`latest_answers`.
ANSWER_COLUMNS: tuple[str, ...] = ("couple_id", "partner", "date", *schemas.CHECKIN_TEXT_COLUMNS)


def latest_answers(checkins: pd.DataFrame, *, n: int = 3) -> pd.DataFrame:
    """The latest ``n`` check-ins of each partner that hold any free-text answer, newest first.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins.  Not modified.
    n : int, default 3
        How many answered check-ins per partner.

    Returns
    -------
    pandas.DataFrame
        Sorted by couple, partner and date (newest first).

        - ``couple_id``, ``partner`` (str)
        - ``date`` (datetime64[ns])
        - ``increased_trust``, ``decreased_trust``, ``need`` (str, missing when not answered):
          the answers exactly as typed (escape them before writing HTML).

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-06", "connection": 4,
    ...      "need": "time"},
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-13", "connection": 5},
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-20", "connection": 6,
    ...      "need": "a walk"}])
    >>> latest_answers(ci, n=1)["need"].tolist()
    ['a walk']
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(
            f"The value for `n` must be a positive whole number, but {n!r} was passed."
        )
    text = list(schemas.CHECKIN_TEXT_COLUMNS)
    answered = checkins[text].apply(lambda col: col.notna() & (col.astype(str).str.strip() != ""))
    rows = checkins.loc[answered.any(axis=1), list(ANSWER_COLUMNS)]
    rows = rows.sort_values(["couple_id", "partner", "date"], ascending=[True, True, False])
    return rows.groupby(["couple_id", "partner"], sort=False).head(n).reset_index(drop=True)


def resolve_path(path: str | Path, *, start: str | Path | None = None) -> Path:
    """Find a data path given relative to the repository root, from any working directory.

    An absolute path, or a relative one that exists from ``start`` (default: the working
    directory), is returned as it is; otherwise each parent of ``start`` is tried in turn (so a
    notebook run from ``notebooks/`` finds ``data/sample/couples``).

    Raises
    ------
    FileNotFoundError
        When no parent holds the path.

    Examples
    --------
    >>> resolve_path("trustdata/report.py").name
    'report.py'
    """
    path = Path(path)
    here = Path.cwd() if start is None else Path(start)
    if path.is_absolute():
        if path.exists():
            return path
        raise FileNotFoundError(f"No such file or folder: {path}")
    for folder in (here.resolve(), *here.resolve().parents):
        if (folder / path).exists():
            return folder / path
    raise FileNotFoundError(
        f"Could not find {str(path)!r} in {here.resolve()} or any folder above it."
    )


def safety_markdown(notice) -> str:
    """The safety notice of :func:`trustdata.milestones.safety_notice` as Markdown ("" if None).

    Notebooks show it first, with ``display(Markdown(...))``, before anything else.
    """
    if notice is None:
        return ""
    lines = "\n".join(f"- {esc(line)}" for line in notice.resources)
    return f"## ⚠️ {esc(notice.title)}\n\n**{esc(notice.text)}**\n\n{lines}\n"


def plain_summary(
    logs: Logs,
    couple_id: str,
    *,
    audience: str = "couple",
    since: object = None,
    today: object = None,
) -> list[str]:
    """The report's summary sentences (escaped HTML, Markdown-safe): news, trend, triggers,
    setbacks; the same words as the "In short" / "Summary" section of :func:`build` (``since``
    and ``today`` as there: the last session, and the day the page is made, default today).

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [{"couple_id": "c1", "partner": "A", "date": "2025-01-06",
    ...                             "connection": 5}])
    >>> plain_summary(Logs(checkins=ci), "c1")[0]
    '<bdi>A</bdi>: 1 check-in so far, on average 5.0 out of 10; a few more weeks are needed ...'
    """
    _check_audience(audience)
    body = str(_macros().summary(review(logs, couple_id, since=since, today=today), audience))
    items = re.findall(r"<li[^>]*>(.*?)</li>", body, flags=re.S)
    return [" ".join(item.split()) for item in items]
