"""The offline HTML report: one couple's logs as one self-contained page.

:func:`build` returns the page as a string and :func:`write` writes it to a file; the command
``trustdata report PATH --couple ID [--audience couple|therapist] [--since DATE] -o report.html``
chains :func:`trustdata.load` and :func:`write`.

The page is made for two readers:

``couple``
    A couple looking at their own logs: a summary in plain, gentle words, how connected each of
    them has felt, whether triggers are getting rarer, the setbacks they came through and their
    small wins.
``therapist``
    A therapist before a session: the same charts with numbers, both partners side by side, what
    changed since the last session (``since``), setbacks with the triggers and events around them,
    the red flags worth raising and the latest free-text answers.

Privacy
-------
The page makes **no network request at all**: plotly.js is embedded once, inline; there are no
web fonts (a system font stack), no external images and no links to fetch, and a
``Content-Security-Policy`` meta tag (:data:`CSP`) forbids the browser to load anything.
Everything a person typed (notes, answers, ids) is escaped with :func:`html.escape`.  When the
logs hold an ``abuse`` event the page opens with a safety notice and support resources, before
anything else, and does not encourage the couple to keep working on their relationship.

Examples
--------
>>> from trustdata.report import esc, html_table
>>> esc("<b>us & them</b>")
'&lt;b&gt;us &amp; them&lt;/b&gt;'
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from trustdata import schemas
from trustdata._frames import _parse_since
from trustdata.logs import Logs
from trustdata.trends import changes_since, monthly_scores

__all__ = [
    "AUDIENCES",
    "ANSWER_COLUMNS",
    "latest_answers",
    "default_since",
    "plain_summary",
    "safety_markdown",
    "resolve_path",
    "CSP",
    "FONT_STACK",
    "Section",
    "build",
    "write",
    "render_page",
    "Charts",
    "html_table",
    "esc",
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

_PLOTLY_CONFIG = {
    "responsive": True,
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage"],
}

#: Fonts the page (and its charts) use: whatever the reader's system has, nothing downloaded.
FONT_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

# Re-fit the charts to the paper when printing (plotly sizes its SVG in pixels).
_PRINT_SCRIPT = """
(function () {
  function fit() {
    if (!window.Plotly) { return; }
    var plots = document.querySelectorAll('.js-plotly-plot');
    for (var i = 0; i < plots.length; i++) { window.Plotly.Plots.resize(plots[i]); }
  }
  if (window.matchMedia) {
    var mq = window.matchMedia('print');
    if (mq.addEventListener) { mq.addEventListener('change', fit); }
  }
  window.addEventListener('beforeprint', fit);
  window.addEventListener('afterprint', fit);
})();
"""


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
        Its content, **already safe HTML** (build it with :func:`esc`, :func:`html_table` and
        :meth:`Charts.add`).
    css_class : str
        Extra CSS classes (``"safety"`` for the safety notice).
    page_break : bool
        Start the section on a new page when printed.
    """

    key: str
    title: str
    body: str
    css_class: str = ""
    page_break: bool = True


def esc(value: object) -> str:
    """Escape any value for HTML text or an attribute (missing values become an empty string).

    Examples
    --------
    >>> esc('"quoted" <script>')
    '&quot;quoted&quot; &lt;script&gt;'
    >>> esc(None), esc(float("nan")), esc(pd.NA)
    ('', '', '')
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return html.escape(str(value), quote=True)


def _format_cell(value: object, digits: int) -> tuple[str, bool]:
    """A cell's text and whether it is a number (numbers are right-aligned)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, pd.Timestamp):
        if value == value.normalize():
            return value.strftime("%Y-%m-%d"), False
        return value.strftime("%Y-%m-%d %H:%M"), False
    if isinstance(value, float):
        if value != value:
            return "", False
        if value == int(value) and abs(value) < 1e15 and digits == 0:
            return str(int(value)), True
        return f"{value:.{digits}f}", True
    if isinstance(value, int):
        return str(value), True
    try:
        import numpy as np

        if isinstance(value, np.bool_):
            return ("yes" if value else "no"), False
        if isinstance(value, np.integer):
            return str(int(value)), True
        if isinstance(value, np.floating):
            return _format_cell(float(value), digits)
    except ImportError:  # pragma: no cover
        pass
    return str(value), False


def html_table(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    labels: dict[str, str] | None = None,
    digits: int | dict[str, int] = 1,
    empty: str = "Nothing to show.",
) -> str:
    """An HTML table of a frame, every cell escaped; wrapped so it scrolls sideways on a phone.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to show, in order.
    columns : sequence of str, optional
        The columns to show, in order (default: all).
    labels : dict, optional
        Column headings, by column name (default: the column name with ``_`` as spaces).
    digits : int or dict
        Decimals of floating-point numbers, for all columns or by column name.
    empty : str
        The sentence shown instead of an empty table.

    Examples
    --------
    >>> df = pd.DataFrame({"partner": ["<A>"], "depth": [2.25]})
    >>> out = html_table(df, labels={"depth": "How deep"})
    >>> "<td>&lt;A&gt;</td>" in out, '<th class="num">How deep</th>' in out
    (True, True)
    """
    columns = list(frame.columns if columns is None else columns)
    labels = labels or {}
    if frame.empty:
        return f'<p class="note">{esc(empty)}</p>'
    numeric = {
        c: pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        for c in columns
    }
    num = ' class="num"'
    head = "".join(
        f"<th{num if numeric[c] else ''}>{esc(labels.get(c, c.replace('_', ' ')))}</th>"
        for c in columns
    )
    rows = []
    for record in frame[columns].itertuples(index=False, name=None):
        cells = []
        for col, value in zip(columns, record, strict=True):
            d = digits.get(col, 1) if isinstance(digits, dict) else digits
            text, is_num = _format_cell(value, d)
            cls = ' class="num"' if (is_num or numeric[col]) else ""
            cells.append(f"<td{cls}>{esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<div class="table-wrap"><table class="data"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


class Charts:
    """The charts of one page: each :meth:`add` returns the chart's place in the page.

    The charts are drawn by **one** script at the end of the page (see :func:`render_page`), so
    the page holds exactly two scripts (plotly.js and that one), both listed by hash in the
    page's Content-Security-Policy: a script that slipped into the page any other way would not
    run.  Chart ids are ``chart-1``, ``chart-2``, ... in the order they are added (the same page
    on every run).

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> charts = Charts()
    >>> charts.add(go.Figure(go.Bar(x=[1], y=[2]), layout={"title": "Per &lt;week&gt;"}))
    '<figure class="chart"><p class="chart-title">Per &lt;week&gt;</p><div id="chart-1" ...'
    >>> len(charts)
    1
    """

    def __init__(self) -> None:
        self._specs: list[str] = []

    def __len__(self) -> int:
        return len(self._specs)

    def add(self, fig, *, height: int | None = None) -> str:
        """Add a plotly figure; return its ``<figure>`` block (caption and an empty ``<div>``).

        The figure is copied (the caller's figure is not changed), set to fit the width of the
        page (so it reads on a phone and prints on paper), to use the system fonts and to put
        its legend in a row under the plot and its x-axis title
        (:data:`trustdata.charts.LEGEND`); its title becomes an HTML caption (it wraps on a
        phone, SVG text does not).

        Parameters
        ----------
        fig : plotly.graph_objects.Figure
            The chart.
        height : int, optional
            Height in pixels (default: the figure's own, else 420).
        """
        import plotly.graph_objects as go
        import plotly.io as pio

        from trustdata.charts import LEGEND

        fig = go.Figure(fig)
        height = int(height or fig.layout.height or 420)
        title = fig.layout.title.text or ""
        caption = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", title)).split())
        fig.update_layout(
            title_text=None,
            width=None,
            height=height,
            autosize=True,
            font_family=FONT_STACK,
            margin={"t": 40 if fig.layout.annotations else 20, "autoexpand": True},
            legend=dict(LEGEND),
        )
        div_id = f"chart-{len(self._specs) + 1}"
        figure = _script_safe(pio.to_json(fig, validate=False))
        self._specs.append(f'{{"id":"{div_id}","figure":{figure}}}')
        head = f'<p class="chart-title">{esc(caption)}</p>' if caption else ""
        return (
            f'<figure class="chart">{head}<div id="{div_id}" class="plotly-graph-div" '
            f'style="height:{height}px; width:100%;"></div></figure>'
        )

    def script(self) -> str:
        """The JavaScript that draws every chart added (plotly.js must be loaded first)."""
        config = json.dumps(_PLOTLY_CONFIG)
        return (
            "(function () {\n"
            f"  var charts = [{','.join(self._specs)}];\n"
            f"  var config = {config};\n"
            "  if (!window.Plotly) { return; }\n"
            "  for (var i = 0; i < charts.length; i++) {\n"
            "    var c = charts[i];\n"
            "    if (document.getElementById(c.id)) {\n"
            "      window.Plotly.newPlot(c.id, c.figure.data, c.figure.layout, config);\n"
            "    }\n"
            "  }\n"
            "})();\n"
        )


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
    footer: str = "",
    charts: Charts | None = None,
) -> str:
    """Assemble sections into one self-contained HTML page (no network request of any kind).

    Parameters
    ----------
    title, subtitle, footer : str
        Plain text (escaped here).
    sections : sequence of Section
        In the order they appear; the first one is never preceded by a page break.
    charts : Charts, optional
        The charts the sections hold; plotly.js is then embedded once, inline in ``<head>``,
        and one script at the end of the page draws them.

    Examples
    --------
    >>> page = render_page("Us", [Section("s", "Hello <you>", "<p>hi</p>")])
    >>> "<h2>Hello &lt;you&gt;</h2>" in page, "://" in page, page.count("<script")
    (True, False, 1)
    """
    toc = "".join(f'<li><a href="#{esc(s.key)}">{esc(s.title)}</a></li>' for s in sections)
    parts = []
    for i, s in enumerate(sections):
        classes = " ".join(
            c for c in ("block", s.css_class, "page" if (s.page_break and i > 0) else "") if c
        )
        role = ' role="alert"' if "safety" in s.css_class.split() else ""
        parts.append(
            f'<section id="{esc(s.key)}" class="{classes}"{role}>'
            f"<h2>{esc(s.title)}</h2>{s.body}</section>"
        )
    scripts = []
    if charts is not None and len(charts):
        scripts.append(_plotly_js())
        tail = charts.script() + _PRINT_SCRIPT
    else:
        tail = _PRINT_SCRIPT
    scripts.append(tail)
    hashes = " ".join(_sha256(text) for text in scripts)
    csp = CSP.replace("script-src 'unsafe-inline'", f"script-src 'unsafe-inline' {hashes}")
    head_script = f"<script>{scripts[0]}</script>\n" if len(scripts) == 2 else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{esc(title)}</title>\n"
        f"<style>\n{_css()}</style>\n"
        f"{head_script}"
        "</head>\n<body>\n<main>\n"
        f'<header class="page-head"><h1>{esc(title)}</h1>'
        + (f"<p>{esc(subtitle)}</p>" if subtitle else "")
        + "</header>\n"
        + (
            f'<nav class="toc" aria-label="Sections"><ul>{toc}</ul></nav>\n'
            if len(sections) > 1
            else ""
        )
        + "\n".join(parts)
        + (f'\n<footer class="page-foot"><p>{esc(footer)}</p></footer>' if footer else "")
        + f"\n</main>\n<script>{tail}</script>\n</body>\n</html>\n"
    )


def _check_audience(audience: str) -> None:
    if audience not in AUDIENCES:
        raise ValueError(
            f"The value for `audience` must be one of {list(AUDIENCES)}, but {audience!r} was "
            "passed."
        )


def build(
    logs: Logs,
    couple_id: str,
    *,
    audience: str = "couple",
    since: object = None,
) -> str:
    """The report of one couple as one self-contained HTML page.

    Parameters
    ----------
    logs : Logs
        Validated logs (one couple or many).
    couple_id : str
        The couple to report on.
    audience : {"couple", "therapist"}
        Who will read it: gentle plain words for the couple; numbers, red flags, the changes
        since the last session and the latest answers for a therapist.
    since : date-like, optional
        The last session: the therapist's page shows what changed since then (default: the last
        four weeks of the logs).

    Returns
    -------
    str
        The page (UTF-8 text; about 5 MB, most of it plotly.js).

    Raises
    ------
    ValueError
        When the couple is not in the logs, or an argument is not one of the allowed values.
    """
    _check_audience(audience)
    stamp = _parse_since(since)
    one = logs.couple(couple_id)
    title, subtitle, sections, footer, charts = _assemble(
        one, couple_id, audience=audience, since=stamp
    )
    return render_page(title, sections, subtitle=subtitle, footer=footer, charts=charts)


def write(
    logs: Logs,
    couple_id: str,
    path: str | Path,
    *,
    audience: str = "couple",
    since: object = None,
) -> Path:
    """Write the report of one couple to ``path`` (UTF-8) and return the path.

    See :func:`build` for the parameters.
    """
    page = build(logs, couple_id, audience=audience, since=since)
    path = Path(path)
    path.write_text(page, encoding="utf-8")
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


# ---------------------------------------------------------------------------------------------
# The report's sections
# ---------------------------------------------------------------------------------------------


@dataclass
class _Results:
    """Everything the page shows, computed once from one couple's logs."""

    logs: Logs
    couple_id: str
    audience: str
    since: pd.Timestamp | None
    notice: object
    trend: pd.DataFrame
    summary: pd.DataFrame
    monthly: pd.DataFrame
    freq_month: pd.DataFrame
    trig_trend: pd.DataFrame
    setbacks: pd.DataFrame
    context: pd.DataFrame
    wins: pd.DataFrame
    flags: pd.DataFrame
    gap: pd.DataFrame
    partners: list[str]
    roles: dict[str, str]
    first: pd.Timestamp | None
    last: pd.Timestamp | None


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


def default_since(logs: Logs, *, days: int = 28) -> pd.Timestamp | None:
    """The default "last session": ``days`` days before the latest record (None when empty).

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [{"couple_id": "c1", "partner": "A", "date": "2025-03-31",
    ...                             "connection": 5}])
    >>> default_since(Logs(checkins=ci)).date()
    datetime.date(2025, 3, 3)
    """
    dates = pd.concat(
        [logs.checkins["date"], logs.triggers["timestamp"], logs.events["date"]]
    ).dropna()
    if dates.empty:
        return None
    return (dates.max() - pd.Timedelta(days=days)).normalize()


def safety_markdown(notice) -> str:
    """The safety notice of :func:`trustdata.milestones.safety_notice` as Markdown ("" if None).

    Notebooks show it first, with ``display(Markdown(...))``, before anything else.
    """
    if notice is None:
        return ""
    lines = "\n".join(f"- {esc(line)}" for line in notice.resources)
    return f"## ⚠️ {esc(notice.title)}\n\n**{esc(notice.text)}**\n\n{lines}\n"


def plain_summary(
    logs: Logs, couple_id: str, *, audience: str = "couple", since: object = None
) -> list[str]:
    """The report's summary sentences (escaped, HTML/Markdown-safe): trend, triggers, setbacks.

    The same words as the "In short" / "Summary" section of :func:`build`; notebooks show them
    with ``display(Markdown(...))``.
    """
    _check_audience(audience)
    r = _analyse(logs.couple(couple_id), couple_id, audience, _parse_since(since))
    return _connection_sentences(r) + _trigger_sentences(r) + _setback_sentences(r)


def _analyse(one: Logs, couple_id: str, audience: str, since: pd.Timestamp | None) -> _Results:
    from trustdata import dyad, milestones, setbacks, trends, triggers

    ci, tr, ev = one.checkins, one.triggers, one.events
    found = setbacks.find_setbacks(ci)
    dates = pd.concat([ci["date"], tr["timestamp"], ev["date"]]).dropna()
    first = dates.min() if len(dates) else None
    last = dates.max() if len(dates) else None
    if audience == "therapist" and since is None:
        since = default_since(one)
    roles = (
        ci.dropna(subset=["role"]).drop_duplicates("partner").set_index("partner")["role"].to_dict()
    )
    partners = sorted(set(ci["partner"]) | set(tr["partner"]))
    return _Results(
        logs=one,
        couple_id=couple_id,
        audience=audience,
        since=since,
        notice=milestones.safety_notice(ev),
        trend=trends.weekly_trend(ci, ev, measure="connection"),
        summary=trends.trend_summary(ci, measure="connection"),
        monthly=monthly_scores(ci, measure="connection"),
        freq_month=triggers.trigger_frequency(tr, period="month", by="category", checkins=ci),
        trig_trend=triggers.trigger_trend(tr, checkins=ci),
        setbacks=found,
        context=setbacks.setback_context(found, tr, ev, days=14),
        wins=milestones.small_wins(ci, tr),
        flags=milestones.red_flags(ci, tr, ev),
        gap=dyad.partner_gap(ci, measure="connection"),
        partners=partners,
        roles={str(k): str(v) for k, v in roles.items()},
        first=first,
        last=last,
    )


def _day(value: object) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _num(value: object, digits: int = 1) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return f"{float(value):.{digits}f}"


def _p(value: object) -> str:
    if value is None or pd.isna(value):
        return "p n/a"
    return "p < 0.001" if float(value) < 0.001 else f"p = {float(value):.3f}"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _who(r: _Results, partner: str) -> str:
    """A partner's name for the page (escaped), with their role for therapists."""
    role = r.roles.get(partner)
    label = esc(partner)
    if r.audience == "therapist" and role:
        label += f" ({esc(role)} partner)" if role != "both" else " (both roles)"
    return label


def _row(frame: pd.DataFrame, partner: str) -> pd.Series | None:
    rows = frame.loc[frame["partner"] == partner]
    return None if rows.empty else rows.iloc[0]


def _para(*sentences: str) -> str:
    return "<p>" + " ".join(s for s in sentences if s) + "</p>"


def _list(items: Sequence[str], css: str = "plain") -> str:
    return f'<ul class="{css}">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _safety_section(notice) -> Section:
    body = (
        f"<p><strong>{esc(notice.text)}</strong></p>"
        + _list([esc(line) for line in notice.resources])
        + '<p class="note">This page was made on this computer from your own logs; nothing was '
        "sent anywhere. If someone else can open this file, think about where you keep it.</p>"
    )
    return Section("safety", notice.title, body, css_class="safety", page_break=False)


#: Below this span (two four-week months) the first and the latest month overlap.
_SHORT_SPAN_DAYS = 7 * 7
#: A partner whose last check-in is more than this many days before the couple's latest record
#: is named with that date (they may have stopped checking in).
_STOPPED_DAYS = 28


def _stopped_note(r: _Results, partner: str) -> str:
    """A sentence when a partner's last check-in is well before the couple's latest record."""
    ci = r.logs.checkins
    last = ci.loc[ci["partner"] == partner, "date"].max()
    if r.last is None or pd.isna(last):
        return ""
    days = (r.last.normalize() - last.normalize()).days
    if days <= _STOPPED_DAYS:
        return ""
    weeks = days // 7
    if r.audience == "therapist":
        return (
            f" {_who(r, partner)}: last check-in {_day(last)}, "
            f"{_plural(weeks, 'week')} before the latest record."
        )
    return f" {esc(partner)}'s latest check-in was on {_day(last)}."


def _connection_sentences(r: _Results) -> list[str]:
    sentences = ((p, _connection_sentence(r, p)) for p in r.partners)
    return [text + _stopped_note(r, p) for p, text in sentences if text is not None]


def _connection_sentence(r: _Results, p: str) -> str | None:
    therapist = r.audience == "therapist"
    row = _row(r.summary, p)
    if row is None or pd.isna(row["first_month_mean"]) or pd.isna(row["latest_month_mean"]):
        if row is not None and row["n_checkins"] > 0:
            return (
                f"{_who(r, p)}: {_plural(int(row['n_checkins']), 'check-in')} so far; "
                "a few more weeks are needed to see a direction."
            )
        return None
    a, b = float(row["first_month_mean"]), float(row["latest_month_mean"])
    change = row["change"]
    if (row["last_date"] - row["first_date"]).days < _SHORT_SPAN_DAYS:
        # the first and the latest month overlap: no direction to speak of yet
        ci = r.logs.checkins
        avg = ci.loc[ci["partner"] == p, "connection"].astype("float64").mean()
        return (
            f"{_who(r, p)}: {_plural(int(row['n_checkins']), 'check-in')} so far, on average "
            f"{_num(avg)} out of 10; a few more weeks are needed to see a direction."
        )
    if therapist:
        return (
            f"{_who(r, p)}: connection {_num(a)} in the first 4 weeks, {_num(b)} in the latest 4 "
            f"(Theil-Sen slope {_num(row['slope_per_month'], 2)} points/month, 95% CI "
            f"{_num(row['slope_low'], 2)} to {_num(row['slope_high'], 2)}; Mann-Kendall "
            f"tau {_num(row['mk_tau'], 2)}, {_p(row['mk_p'])}; RCI "
            f"{_num(row['rci'], 2)}: {esc(str(change).replace('_', ' '))})."
        )
    text = (
        f"{_who(r, p)} felt on average {_num(a)} out of 10 connected in the first four weeks "
        f"and {_num(b)} in the latest four weeks."
    )
    if change == "improved":
        text += " That is a clear rise: bigger than the usual ups and downs from week to week."
    elif change == "deteriorated":
        text += (
            " Connection has been lower lately, by more than the usual week-to-week ups and "
            "downs. That happens in recovery; it may help to talk about it together or with "
            "someone you trust."
        )
    elif change == "unchanged":
        text += (
            " The difference is within the usual ups and downs from week to week, so it is "
            "too early to call it a change either way."
        )
    else:
        text += (
            " The first weeks do not yet show enough ups and downs to tell whether this is "
            "more than everyday variation."
        )
    return text


def _trigger_sentences(r: _Results) -> list[str]:
    out = []
    for p in r.partners:
        row = _row(r.trig_trend, p)
        if row is None:
            continue
        if not (r.logs.triggers["partner"] == p).any():
            out.append(f"{_who(r, p)} has not logged any triggers.")
            continue
        out.append(_trigger_sentence(_who(r, p), row, therapist=r.audience == "therapist"))
    return out


def _trigger_sentence(who: str, row: pd.Series, *, therapist: bool) -> str:
    """One partner's trigger sentence from their :func:`trustdata.triggers.trigger_trend` row.

    ``who`` is already escaped.  Each verdict gets its own words: ``"mixed"`` (rate and
    intensity moved reliably in opposite directions) says which way each went.
    """
    verdict = str(row["verdict"])
    first, latest = row["first_rate_per_month"], row["latest_rate_per_month"]
    if verdict == "insufficient_data" or pd.isna(first):
        return f"{who}: not enough trigger logs yet to see a direction."
    fewer = bool(row["rate_ratio"] < 1)  # a "mixed" rate moved reliably, so never equal
    if therapist:
        text = (
            f"{who}: {_num(first)} triggers/month at first, {_num(latest)} lately "
            f"(rate ratio {_num(row['rate_ratio'], 2)}, 95% CI "
            f"{_num(row['rate_ratio_low'], 2)} to {_num(row['rate_ratio_high'], 2)}, "
            f"{_p(row['rate_p'])}): {esc(verdict.replace('_', ' '))}"
        )
        if verdict == "mixed":
            text += (
                f" (rate {'down' if fewer else 'up'}, intensity {'up' if fewer else 'down'}: "
                f"Theil-Sen slope {_num(row['intensity_slope_per_month'], 2)} points/month, "
                f"{_p(row['intensity_p'])})"
            )
        return text + "."
    rates = f"about {_num(first)} a month at first, about {_num(latest)} a month lately"
    if verdict == "lessening":
        if pd.notna(row["lessening"]) and bool(row["lessening"]):  # the rate fell reliably
            return f"{who}'s triggers have been coming less often: {rates}."
        return f"{who}'s triggers have felt milder lately ({rates})."
    if verdict == "worsening":
        return (
            f"{who}'s triggers have come more often or harder lately ({rates}). "
            "Triggers often come in waves, around dates or new stresses."
        )
    if verdict == "mixed":
        if fewer:
            return (
                f"{who}'s triggers have been coming less often ({rates}), but the ones that "
                "still come have felt stronger. Both can be part of healing; the hard moments "
                "may be worth talking through together."
            )
        return (
            f"{who}'s triggers have been coming more often lately ({rates}), but they have "
            "felt milder. Both can be part of healing; it may help to notice what sets them off."
        )
    if verdict == "no_clear_change":
        return (
            f"{who}'s triggers show no clear change yet ({rates}): neither how often they come "
            "nor how strong they feel has moved beyond the usual ups and downs."
        )
    return f"{who}'s triggers: {rates}."


def _setback_sentences(r: _Results) -> list[str]:
    sb = r.setbacks
    if sb.empty:
        return [
            "No setbacks stand out in the check-ins: no stretch fell clearly below its "
            "recent level."
        ]
    n = len(sb)
    done = sb.loc[sb["recovered"].astype(bool)]
    ongoing = n - len(done)
    if r.audience == "therapist":
        text = f"{_plural(n, 'setback')} ({ongoing} ongoing)"
        if len(done):
            text += (
                f"; weeks from trough to recovery: median {_num(done['weeks_to_recover'].median())}"
                f", longest {_num(done['weeks_to_recover'].max(), 0)}"
            )
        return [text + "."]
    text = f"You came through {_plural(len(done), 'harder stretch', 'harder stretches')} (setbacks)"
    if len(done):
        low = int(done["weeks_to_recover"].min())
        high = int(done["weeks_to_recover"].max())
        text += "; from the lowest point, getting back took "
        if low != high:
            text += f"between {low} and {high} weeks"
        else:
            text += f"about {_plural(low, 'week')}" + (" each time" if len(done) > 1 else "")
    text += "."
    if ongoing:
        text += (
            f" {_plural(ongoing, 'harder stretch is', 'harder stretches are')} still going on; "
            "setbacks are a normal part of recovery."
        )
    return [text]


def _summary_section(r: _Results) -> Section:
    therapist = r.audience == "therapist"
    period = (
        f"These logs run from {_day(r.first)} to {_day(r.last)}: "
        f"{_plural(len(r.logs.checkins), 'check-in')}, {_plural(len(r.logs.triggers), 'trigger')}"
        f" and {_plural(len(r.logs.events), 'event')}."
    )
    items = _connection_sentences(r) + _trigger_sentences(r) + _setback_sentences(r)
    body = _para(esc(period)) + _list(items)
    if r.notice is None and not therapist:
        body += _para(
            "Recovery is rarely a straight line: good weeks and hard weeks come and go, and "
            "trust often takes many months to feel better. Every check-in you write is part of "
            "the work."
        )
    if therapist:
        cards = []
        for p in r.partners:
            s, t = _row(r.summary, p), _row(r.trig_trend, p)
            n_sb = int((r.setbacks["partner"] == p).sum())
            lines = [
                f"<strong>{_who(r, p)}</strong>",
                "check-ins: " + (str(int(s["n_checkins"])) if s is not None else "0"),
            ]
            if s is not None:
                lines += [
                    f"first / latest 4 weeks: {_num(s['first_month_mean'])} / "
                    f"{_num(s['latest_month_mean'])}",
                    f"slope/month: {_num(s['slope_per_month'], 2)} "
                    f"[{_num(s['slope_low'], 2)}, {_num(s['slope_high'], 2)}]",
                    f"RCI: {_num(s['rci'], 2)} ({esc(str(s['change']).replace('_', ' '))})",
                ]
            n_trig = int(t["first_count"] + t["latest_count"]) if t is not None else 0
            if t is not None and t["verdict"] == "insufficient_data" and n_trig:
                # trigger_trend: a span under 14 days (its rates would extrapolate a few days)
                lines.append(f"triggers: {n_trig} (under 14 days of logs: no monthly rate yet)")
            elif t is not None:
                lines.append(
                    f"triggers/month first / latest: {_num(t['first_rate_per_month'])} / "
                    f"{_num(t['latest_rate_per_month'])}"
                )
            lines.append(f"setbacks: {n_sb}")
            cards.append("<div>" + "<br>".join(lines) + "</div>")
        body += '<div class="side-by-side">' + "".join(cards) + "</div>"
        body += (
            '<p class="note">Slope: Theil-Sen (the median of all pairwise slopes, robust to odd '
            "weeks). Mann-Kendall tau: how consistently scores rise (+1) or fall (-1) over time. "
            "RCI (Reliable Change Index): latest minus first 4 weeks in units of the expected "
            "measurement noise; beyond +/-1.96 is a reliable change.</p>"
        )
    title = "Summary" if therapist else "In short"
    return Section("summary", title, body, page_break=False)


def _connection_section(r: _Results, chart: Charts) -> Section:
    from trustdata import charts

    therapist = r.audience == "therapist"
    body = _para(
        "Each dot is a week's score (1-10); the line is the average of the last four weeks and "
        "the band around it shows how much the weeks varied. Setbacks are shaded."
        if not therapist
        else "Weekly connection (1-10) per partner, 4-week trailing mean +/- 1 SD; setbacks "
        "shaded; events marked."
    )
    body += chart.add(
        charts.plot_trend(r.trend, setbacks=r.setbacks, events=r.logs.events, partners=r.partners)
    )
    if therapist and not r.gap.empty:
        body += "<h3>The two partners side by side</h3>"
        body += _para(
            "Difference between the partners' weekly scores (4-week trailing mean); a gap that "
            "keeps widening means they are experiencing the recovery differently."
        )
        body += chart.add(charts.plot_partner_gap(r.gap))
    if not r.monthly.empty:
        table = r.monthly.pivot(index="month", columns="partner", values="mean").reset_index()
        table["month"] = table["month"].dt.strftime("%Y-%m")
        body += "<h3>" + ("Month by month" if therapist else "Month by month, on average") + "</h3>"
        body += html_table(table, labels={"month": "Month"}, digits={p: 1 for p in table.columns})
    title = "Connection over time" if therapist else "How connected each of us has felt"
    return Section("connection", title, body)


def _trigger_section(r: _Results, chart: Charts) -> Section:
    from trustdata import charts

    therapist = r.audience == "therapist"
    if r.logs.triggers.empty:
        return Section("triggers", "Triggers", _para("No triggers were logged."))
    body = _list(_trigger_sentences(r))
    body += chart.add(charts.plot_trigger_bars(r.freq_month))
    if therapist:
        body += "<h3>Trigger categories over time</h3>"
        body += chart.add(charts.plot_trigger_heatmap(r.freq_month))
        cols = [
            "partner",
            "first_count",
            "latest_count",
            "first_rate_per_month",
            "latest_rate_per_month",
            "rate_ratio",
            "rate_ratio_low",
            "rate_ratio_high",
            "rate_p",
            "intensity_slope_per_month",
            "verdict",
        ]
        body += html_table(
            r.trig_trend,
            cols,
            labels={
                "first_count": "first n",
                "latest_count": "latest n",
                "first_rate_per_month": "first /month",
                "latest_rate_per_month": "latest /month",
                "rate_ratio_low": "ratio low",
                "rate_ratio_high": "ratio high",
                "rate_p": "p",
                "intensity_slope_per_month": "intensity slope /month",
            },
            digits={c: (3 if c == "rate_p" else 2) for c in cols},
        )
    else:
        body += _para(
            "A trigger is a moment when something brought the hurt back. Fewer or milder "
            "triggers over the months is one sign that healing is happening."
        )
    title = "Triggers" if therapist else "Are triggers getting rarer?"
    return Section("triggers", title, body)


def _setback_table(r: _Results) -> str:
    sb = r.setbacks.copy()
    therapist = r.audience == "therapist"
    if sb.empty:
        return _para("No setbacks found.")
    if therapist:
        ctx = r.context.set_index("setback_id")
        sb["triggers_around"] = sb["setback_id"].map(ctx["n_triggers"])
        sb["major"] = sb["setback_id"].map(ctx["n_major_triggers"])
        sb["top_category"] = sb["setback_id"].map(ctx["top_category"])
        sb["events_around"] = sb["setback_id"].map(ctx["events"])
        cols = [
            "partner",
            "start",
            "trough_date",
            "end",
            "level_before",
            "trough_score",
            "depth",
            "weeks",
            "weeks_to_recover",
            "triggers_around",
            "major",
            "top_category",
            "events_around",
        ]
        return html_table(sb, cols, digits={"weeks_to_recover": 0, "weeks": 0})
    sb["back"] = sb["end"].map(lambda d: _day(d) if pd.notna(d) else "not yet")
    cols = ["partner", "start", "trough_date", "back", "depth", "weeks_to_recover"]
    return html_table(
        sb,
        cols,
        labels={
            "partner": "Who",
            "start": "Started (week of)",
            "trough_date": "Lowest week",
            "back": "Back near the usual level",
            "depth": "How far it fell (points)",
            "weeks_to_recover": "Weeks from lowest to back",
        },
        digits={"depth": 1, "weeks_to_recover": 0},
    )


def _setback_section(r: _Results, chart: Charts) -> Section:
    from trustdata import charts

    therapist = r.audience == "therapist"
    body = _list(_setback_sentences(r))
    if not therapist:
        body += _para(
            "A setback is a stretch of weeks when a score fell clearly below its own recent "
            "level, more than the usual ups and downs, until it came back near that level."
        )
    if not r.setbacks.empty:
        fig = charts.plot_setback_timeline(r.setbacks, as_of=r.last, partners=r.partners)
        if r.first is not None:
            fig.update_xaxes(range=[r.first, r.last])
        rows = r.setbacks["partner"].nunique()
        body += chart.add(fig, height=170 + 70 * rows)
        body += _setback_table(r)
    if therapist and not r.setbacks.empty:
        body += (
            '<p class="note">Context window: 14 days before the start to the end of each '
            "setback, triggers and events of both partners.</p>"
        )
    title = "Setbacks and what happened around them" if therapist else "Setbacks we came through"
    return Section("setbacks", title, body)


def _wins_section(r: _Results) -> Section:
    ev = r.logs.events
    logged = ev.loc[ev["kind"].astype(object) == "small_win"].sort_values("date")
    items = [esc(e) for e in r.wins["evidence"]]
    for row in logged.itertuples(index=False):
        who = f" ({esc(row.partner)})" if isinstance(row.partner, str) else ""
        note = f": {esc(row.note)}" if isinstance(row.note, str) and row.note.strip() else ""
        items.append(f"{_day(row.date)}{who} logged a small win{note}")
    if not items:
        body = _para("No small wins stand out yet; they often show up after the first months.")
    else:
        body = _list(items)
    return Section("wins", "Small wins", body)


def _flags_section(r: _Results) -> Section:
    if r.flags.empty:
        return Section("flags", "Red flags", _para("No red flags in these logs."))
    items = []
    for row in r.flags.itertuples(index=False):
        who = f" {esc(row.partner)}" if isinstance(row.partner, str) else ""
        items.append(
            f'<div class="flag {esc(row.severity)}"><span class="sev">{esc(row.severity)}</span> '
            f"<strong>{esc(str(row.flag).replace('_', ' '))}</strong>{who} "
            f"({_day(row.date)}): {esc(row.evidence)}<br>"
            f'<span class="note">{esc(row.message)}</span></div>'
        )
    return Section("flags", "Red flags worth raising", "".join(items))


def _since_section(r: _Results) -> Section:
    since = r.since
    ch = changes_since(r.logs, since)
    therapist = r.audience == "therapist"
    nothing_since = r.last is None or r.last < since
    nothing_before = r.first is None or r.first >= since
    items = []
    for row in ch.itertuples(index=False) if not nothing_since else ():
        who = _who(r, row.partner)
        triggers = f"{_plural(row.triggers_since, 'trigger')} since"
        if therapist:
            triggers += f" ({row.major_triggers_since} major)"
        if not nothing_before:
            triggers += f", {row.triggers_before} before"
        if row.checkins_since == 0:
            items.append(
                f"{who}: no check-ins since ({_plural(row.checkins_before, 'check-in')} in the "
                f"span before); {triggers}."
            )
            continue
        if therapist:
            text = (
                f"{who}: connection {_num(row.mean_since)} over "
                f"{_plural(row.checkins_since, 'check-in')} since"
            )
            if row.checkins_before:
                text += (
                    f" (vs {_num(row.mean_before)} over "
                    f"{_plural(row.checkins_before, 'check-in')} before, difference "
                    f"{_num(row.difference)})"
                )
            elif not nothing_before:
                text += " (none in the span before)"
        else:
            text = f"{who}: on average {_num(row.mean_since)} out of 10 since"
            if row.checkins_before:
                text += f", {_num(row.mean_before)} in the weeks before"
        items.append(f"{text}; {triggers}.")
    body = ""
    if nothing_since:
        latest = f"; the latest record is from {_day(r.last)}" if r.last is not None else ""
        body += _para(esc(f"Nothing was logged on or after {_day(since)}{latest}."))
    elif nothing_before:
        body += _para(
            esc(
                f"From {_day(since)} to {_day(r.last)}. The logs start on {_day(r.first)}"
                + (f", after {_day(since)}" if r.first.normalize() > since else "")
                + ": there is nothing before to compare with."
            )
        )
    elif len(ch):
        before_start = ch["before_start"].iloc[0]
        note = f"; the logs start on {_day(r.first)}" if r.first > before_start else ""
        body += _para(
            esc(
                f"From {_day(since)} to {_day(ch['until'].iloc[0])}, compared with the same "
                f"length of time before ({_day(before_start)} to "
                f"{_day(since - pd.Timedelta(days=1))}{note})."
            )
        )
    if items:
        body += _list(items)
    elif not nothing_since:
        body += _para("No check-ins.")
    sb = r.setbacks.loc[(r.setbacks["start"] >= since) | ~r.setbacks["recovered"].astype(bool)]
    if len(sb):
        body += "<h3>Setbacks that started since, or are still going on</h3>"
        body += html_table(
            sb,
            ["partner", "start", "trough_date", "end", "depth", "weeks", "recovered"],
            digits={"weeks": 0},
        )
    ev = r.logs.events.loc[r.logs.events["date"] >= since].sort_values("date")
    if len(ev):
        body += "<h3>Events since</h3>"
        body += html_table(ev, ["date", "kind", "partner", "note"])
    title = f"What changed since {_day(since)}"
    return Section("since", title, body)


def _answers_section(r: _Results) -> Section:
    answers = latest_answers(r.logs.checkins, n=3)
    if answers.empty:
        return Section("answers", "Latest answers", _para("No written answers yet."))
    body = _para(
        "The latest check-ins with written answers (three per partner, newest first), exactly as "
        "typed."
    )
    body += html_table(
        answers,
        ["partner", "date", *schemas.CHECKIN_TEXT_COLUMNS],
        labels={
            "increased_trust": "What increased trust",
            "decreased_trust": "What decreased trust",
            "need": "What I need",
        },
    )
    return Section("answers", "Latest answers", body)


def _assemble(
    one: Logs, couple_id: str, *, audience: str, since: pd.Timestamp | None
) -> tuple[str, str, list[Section], str, Charts]:
    r = _analyse(one, couple_id, audience, since)
    chart = Charts()
    sections: list[Section] = []
    if r.notice is not None:
        sections.append(_safety_section(r.notice))
    sections.append(_summary_section(r))
    if audience == "therapist":
        sections.append(_flags_section(r))
        if r.since is not None:
            sections.append(_since_section(r))
    sections.append(_connection_section(r, chart))
    sections.append(_trigger_section(r, chart))
    sections.append(_setback_section(r, chart))
    if audience == "therapist":
        sections.append(_answers_section(r))
    elif r.since is not None:
        sections.append(_since_section(r))
    if r.notice is None:
        sections.append(_wins_section(r))
    if audience == "therapist":
        title = f"Review of couple {couple_id}"
    else:
        title = "Our progress" if r.notice is None else "Our logs"
    subtitle = f"Couple {couple_id}"
    if r.first is not None:
        subtitle += f" · logs from {_day(r.first)} to {_day(r.last)}"
    footer = (
        "Made by trustdata on this computer from these logs; the page loads nothing from the "
        "internet and sends nothing anywhere. The numbers describe the logs, not the people."
    )
    return title, subtitle, sections, footer, chart
