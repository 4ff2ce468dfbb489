"""Charts: analysis output frames in, a new plotly Figure out; no statistics in here.

Each ``plot_*`` function takes the tidy frame of one analysis and draws exactly what it holds:
nothing is averaged, smoothed, counted or filled in (a missing week stays a gap).  Every call
returns a **new** :class:`plotly.graph_objects.Figure`; nothing is drawn on a shared "current"
figure.

Conventions
-----------
- One couple per figure (except the cohort charts :func:`plot_cohort_trajectories` and
  :func:`plot_survival`): when a frame holds several
  couples, pass ``couple_id=``; otherwise a ``ValueError`` says so.
- An empty frame (or one couple with no rows) gives an empty figure with a plain-language
  :data:`NO_DATA_TEXT` annotation, not an error.  Missing columns give a ``ValueError`` naming them.
- Colours come from the colour-blind-safe Okabe-Ito palette (:data:`OKABE_ITO`, :data:`PALETTE`);
  the heat map uses a single-hue light-to-blue scale (:data:`HEAT_SCALE`).
- Titles and axis labels are plain words; ``title=`` is plain text.  Every piece of text that
  comes from the users (partner and couple ids, notes, group names) is passed through
  :func:`html.escape` before it reaches a trace name, a title or hover text, because plotly
  renders those as HTML.
- Legends sit in one horizontal row under the x-axis title (:data:`LEGEND`), never over it,
  on a wide screen and on a phone.
- Figures render offline: no map or geo traces, no web fonts (:data:`FONT` lists system fonts).
  Write them with ``fig.write_html(path, include_plotlyjs=True)``, never ``"cdn"``.

Examples
--------
>>> import pandas as pd
>>> trend = pd.DataFrame({"couple_id": "c1", "partner": ["A", "A", "B", "B"],
...     "week": pd.to_datetime(["2025-01-06", "2025-01-13"] * 2), "measure": "connection",
...     "score": [4.0, 5.0, 6.0, 6.5], "n_checkins": 1, "rolling_mean": [4.0, 4.5, 6.0, 6.25],
...     "band_low": float("nan"), "band_high": float("nan")})
>>> fig = plot_trend(trend)
>>> fig.layout.title.text, [t.name for t in fig.data if t.mode == "markers"]
('How connected each of you felt', ['A: weekly score', 'B: weekly score'])
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from trustdata import schemas

__all__ = [
    "OKABE_ITO",
    "PALETTE",
    "CATEGORY_COLOURS",
    "CATEGORY_LABELS",
    "HEAT_SCALE",
    "FONT",
    "NO_DATA_TEXT",
    "LEGEND",
    "plot_trend",
    "plot_trigger_heatmap",
    "plot_trigger_bars",
    "plot_setback_timeline",
    "plot_partner_gap",
    "plot_cohort_trajectories",
    "plot_survival",
]

#: The Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008), by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: The order series take colours in (partners, groups, categories): blue and orange first.
PALETTE: tuple[str, ...] = tuple(
    OKABE_ITO[name]
    for name in (
        "blue",
        "orange",
        "bluish_green",
        "reddish_purple",
        "sky_blue",
        "vermillion",
        "yellow",
        "black",
    )
)

#: One fixed colour per trigger category (the seven non-black Okabe-Ito colours).
CATEGORY_COLOURS: dict[str, str] = {
    category: PALETTE[i] for i, category in enumerate(schemas.TRIGGER_CATEGORIES)
} | {"all": OKABE_ITO["black"]}

#: Plain words for the trigger categories.
CATEGORY_LABELS: dict[str, str] = {
    "date_or_anniversary": "Date or anniversary",
    "location": "A place",
    "similar_situation": "A similar situation",
    "other_person": "The other person",
    "behavior_change": "A change in behaviour",
    "media": "TV, film, music or media",
    "other": "Something else",
    "all": "All triggers",
}

#: Sequential colour scale of the heat map: light grey to Okabe-Ito blue (single hue).
HEAT_SCALE: list[list[float | str]] = [[0.0, "#F4F4F4"], [1.0, OKABE_ITO["blue"]]]

#: System fonts only (nothing is fetched).
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

#: Where every legend goes: a horizontal row at the bottom of the whole figure, below the x-axis
#: title, whatever the height (``yref="container"``: plotly grows the bottom margin to fit it,
#: also when the legend wraps to several lines on a phone); small text, groups close together.
LEGEND: dict[str, object] = {
    "orientation": "h",
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
    "x": 0,
    "xanchor": "left",
    "tracegroupgap": 2,
    "font": {"size": 12},
}

#: The annotation of a figure drawn from an empty frame.
NO_DATA_TEXT = "No data yet"

_MEASURE_WORDS: dict[str, tuple[str, str]] = {
    "connection": ("How connected each of you felt", "Connection (1-10)"),
    "trust": ("How much each of you trusted", "Trust (1-10)"),
}

_WEEK_MS = 7 * 24 * 3600 * 1000


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _esc(value: object) -> str:
    return html.escape(str(value))


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _floats(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()


def _days(values: pd.Series) -> list[str]:
    return [("" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")) for v in values]


def _measure_words(measure: str) -> tuple[str, str]:
    if measure in _MEASURE_WORDS:
        return _MEASURE_WORDS[measure]
    label = measure.replace("_", " ").capitalize()
    return f"{label} each week", f"{label} (1-10)"


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(
            f"`{what}` must be a pandas DataFrame, but {type(frame).__name__} was passed."
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"The `{what}` frame must have the columns {missing}, but its columns are "
            f"{list(frame.columns)}."
        )


def _one(frame: pd.DataFrame, column: str, value: object, what: str, option: str) -> pd.DataFrame:
    """Keep the rows of one value of ``column`` (a couple, a measure): passed or the only one."""
    present = sorted(frame[column].dropna().astype(str).unique().tolist())
    if value is None:
        if len(present) > 1:
            shown = ", ".join(map(repr, present[:5])) + (" ..." if len(present) > 5 else "")
            raise ValueError(
                f"The `{what}` frame holds {len(present)} values of `{column}` ({shown}); a chart "
                f"shows one: pass `{option}=` to pick one."
            )
        return frame
    if len(frame) and str(value) not in present:
        raise ValueError(
            f"The value for `{option}` must be one of {present}, but {value!r} was passed."
        )
    return frame.loc[frame[column].astype(str) == str(value)]


def _style(fig: go.Figure, title: str, x_label: str, y_label: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.02},
        template="plotly_white",
        font={"family": FONT, "size": 14},
        hoverlabel={"font": {"family": FONT}},
        legend=dict(LEGEND),
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
    )
    fig.update_xaxes(title_text=x_label)
    fig.update_yaxes(title_text=y_label)
    return fig


def _empty(title: str, x_label: str = "", y_label: str = "") -> go.Figure:
    fig = _style(go.Figure(), title, x_label, y_label)
    fig.add_annotation(
        text=NO_DATA_TEXT,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 18},
    )
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    return fig


def _add_band(
    fig: go.Figure,
    x: pd.Series | np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    *,
    colour: str,
    name: str,
    meta: dict[str, str],
    parts: tuple[str, str],
    shape: str | None = None,
) -> None:
    """Shade between ``low`` and ``high`` over ``x``, where both exist.

    One pair of traces per run of consecutive points with both edges: the upper edge (``meta``
    part ``parts[1]``), then the lower edge filled to it (``parts[0]``).  A gap in the band
    stays a gap: plotly's ``fill="tonexty"`` across missing values draws shapes that are not
    the band.
    """
    x = np.asarray(x)
    ok = np.isfinite(low) & np.isfinite(high)
    run = np.cumsum(~ok)  # consecutive points with both edges share a number
    line = {"width": 0} if shape is None else {"width": 0, "shape": shape}
    for r in np.unique(run[ok]):
        keep = ok & (run == r)
        common = {
            "x": x[keep],
            "mode": "lines",
            "line": line,
            "hoverinfo": "skip",
            "showlegend": False,
            "legendgroup": name,
            "name": f"{name}: band",
        }
        fig.add_trace(go.Scatter(y=high[keep], meta=meta | {"part": parts[1]}, **common))
        fig.add_trace(
            go.Scatter(
                y=low[keep],
                fill="tonexty",
                fillcolor=_rgba(colour, 0.15),
                meta=meta | {"part": parts[0]},
                **common,
            )
        )


def _title(title: str | None, default: str) -> str:
    return default if title is None else _esc(title)


def _colours(keys: list[str]) -> dict[str, str]:
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}


def _partner_order(present: pd.Series, partners: Sequence[str] | None) -> list[str]:
    """The colour order of the partners: ``partners`` first (as given), then the rest sorted."""
    found = sorted(present.astype(str).unique().tolist())
    if partners is None:
        return found
    if isinstance(partners, str):
        raise ValueError(
            f"The value for `partners` must be a list of partner ids, but {partners!r} was passed."
        )
    given = [str(p) for p in partners]
    return given + [p for p in found if p not in given]


def _period_kind(freq: pd.DataFrame) -> str:
    """``"week"`` or ``"month"`` from the labels of ``trigger_frequency`` ("2025-W02"/"2025-01")."""
    weekly = freq["period"].astype(str).str.contains("-W", regex=False)
    if weekly.all():
        return "week"
    if not weekly.any():
        return "month"
    raise ValueError(
        "The `freq` frame mixes weeks and months in `period`; pass the output of one "
        "trigger_frequency(..., period=...) call."
    )


# --------------------------------------------------------------------------------------------
# Trend
# --------------------------------------------------------------------------------------------

_TREND_COLUMNS = (
    "couple_id",
    "partner",
    "week",
    "measure",
    "score",
    "n_checkins",
    "rolling_mean",
    "band_low",
    "band_high",
)


def plot_trend(
    trend: pd.DataFrame,
    *,
    setbacks: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    couple_id: str | None = None,
    measure: str | None = None,
    partners: Sequence[str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Both partners' weekly scores, their rolling means and bands, events and setbacks.

    Parameters
    ----------
    trend : pandas.DataFrame
        Output of :func:`trustdata.trends.weekly_trend`; used columns: ``couple_id, partner,
        week, measure, score, n_checkins, rolling_mean, band_low, band_high``.
    setbacks : pandas.DataFrame, optional
        Output of :func:`trustdata.setbacks.find_setbacks` (``couple_id, partner, start, end,
        weeks``, and ``measure`` when present): one shaded rectangle (``layout.shapes`` of type
        ``"rect"``) per setback of this couple and measure, in the partner's colour, from
        ``start`` to ``end``; an ongoing one (``end`` missing) runs to ``start + weeks`` weeks
        (its last observed week included).
    events : pandas.DataFrame, optional
        Validated events (``couple_id, date, kind, partner, note``): a dotted vertical line per
        event and a marker on top with the kind, date, partner and (escaped) note in its hover.
    couple_id, measure : str, optional
        Which couple / measure to draw when ``trend`` holds several.
    partners : list of str, optional
        The couple's partners in colour order (Okabe-Ito blue, orange, ...); by default those in
        ``trend``, sorted.  Pass the same list to every chart of a couple so each partner keeps
        one colour across charts.
    title : str, optional
        Plain text; by default a sentence about the measure.

    Returns
    -------
    plotly.graph_objects.Figure
        Per partner (in ``partners`` order), in this order: the band's upper and lower edges,
        one pair per run of consecutive weeks where both exist (the lower one filled to the
        upper; a week without a band stays a gap, none when the band has no values),
        ``"<partner>: weekly score"`` (markers, ``y`` = ``score``),
        ``"<partner>: recent average"`` (line, ``y`` = ``rolling_mean``);
        then ``"Setback (shaded)"`` (a legend key without data) when a setback is shaded, and
        ``"Events"`` when there are events.  Each trace's ``meta`` is ``{"partner": ...,
        "part": "band_high" | "band_low" | "score" | "average"}``, ``{"part": "setbacks"}`` or
        ``{"part": "events"}``.

    Examples
    --------
    >>> trend = pd.DataFrame({"couple_id": "c1", "partner": "A",
    ...     "week": pd.to_datetime(["2025-01-06", "2025-01-13"]), "measure": "trust",
    ...     "score": [4.0, 6.0], "n_checkins": 1, "rolling_mean": [4.0, 5.0],
    ...     "band_low": float("nan"), "band_high": float("nan")})
    >>> fig = plot_trend(trend)
    >>> fig.data[0].y.tolist(), fig.layout.yaxis.title.text
    ([4.0, 6.0], 'Trust (1-10)')
    """
    _require(trend, _TREND_COLUMNS, "trend")
    data = _one(trend, "couple_id", couple_id, "trend", "couple_id")
    data = _one(data, "measure", measure, "trend", "measure")
    m = str(data["measure"].iloc[0]) if len(data) else (measure or "connection")
    default_title, y_label = _measure_words(m)
    title = _title(title, default_title)
    if data.empty:
        return _empty(title, "Week", y_label)
    cid = str(data["couple_id"].iloc[0])
    data = data.sort_values(["partner", "week"])
    order = _partner_order(data["partner"], partners)
    colour = _colours(order)
    fig = go.Figure()
    for p in order:
        d = data.loc[data["partner"].astype(str) == p]
        if d.empty:
            continue
        name = _esc(p)
        weeks = d["week"]
        _add_band(
            fig,
            weeks,
            _floats(d["band_low"]),
            _floats(d["band_high"]),
            colour=colour[p],
            name=name,
            meta={"partner": p},
            parts=("band_low", "band_high"),
        )
        custom = np.column_stack(
            [
                np.full(len(d), name, dtype=object),
                np.asarray(_days(weeks), dtype=object),
                pd.to_numeric(d["n_checkins"], errors="coerce").fillna(0).astype(int).to_numpy(),
            ]
        )
        fig.add_trace(
            go.Scatter(
                x=weeks,
                y=_floats(d["score"]),
                mode="markers",
                name=f"{name}: weekly score",
                legendgroup=name,
                marker={"color": colour[p], "size": 8},
                customdata=custom,
                hovertemplate="%{customdata[0]}, week of %{customdata[1]}<br>"
                "Score %{y:.1f} (%{customdata[2]} check-ins)<extra></extra>",
                meta={"partner": p, "part": "score"},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=weeks,
                y=_floats(d["rolling_mean"]),
                mode="lines",
                name=f"{name}: recent average",
                legendgroup=name,
                line={"color": colour[p], "width": 2.5},
                connectgaps=False,
                customdata=custom,
                hovertemplate="%{customdata[0]}, week of %{customdata[1]}<br>"
                "Recent average %{y:.1f}<extra></extra>",
                meta={"partner": p, "part": "average"},
            )
        )
    if setbacks is not None:
        _add_setbacks(fig, setbacks, cid, m, colour)
    if events is not None:
        _add_events(fig, events, cid)
    _style(fig, title, "Week", y_label)
    fig.update_yaxes(range=[schemas.SCORE_MIN - 0.5, schemas.SCORE_MAX + 0.8])
    return fig


def _add_setbacks(
    fig: go.Figure, setbacks: pd.DataFrame, couple_id: str, measure: str, colour: dict[str, str]
) -> None:
    _require(setbacks, ("couple_id", "partner", "start", "end", "weeks"), "setbacks")
    keep = setbacks["couple_id"].astype(str) == couple_id
    if "measure" in setbacks.columns:
        keep &= setbacks["measure"].astype(str) == measure
    rows = setbacks.loc[keep]
    if rows.empty:
        return
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            name="Setback (shaded)",
            marker={"symbol": "square", "size": 12, "color": _rgba(OKABE_ITO["black"], 0.15)},
            hoverinfo="skip",
            meta={"part": "setbacks"},
        )
    )
    for row in rows.itertuples(index=False):  # one shape per setback
        end = row.end
        if pd.isna(end):
            end = pd.Timestamp(row.start) + pd.Timedelta(days=7 * int(row.weeks))
        fig.add_vrect(
            x0=row.start,
            x1=end,
            fillcolor=colour.get(str(row.partner), OKABE_ITO["vermillion"]),
            opacity=0.12,
            layer="below",
            line_width=0,
        )


def _add_events(fig: go.Figure, events: pd.DataFrame, couple_id: str) -> None:
    _require(events, ("couple_id", "date", "kind"), "events")
    ev = events.loc[events["couple_id"].astype(str) == couple_id].sort_values("date")
    if ev.empty:
        return
    for day in ev["date"]:  # one dotted line per event
        fig.add_vline(x=day, line={"color": "#777777", "width": 1, "dash": "dot"}, layer="below")
    kinds = ev["kind"].astype(object).astype(str).str.replace("_", " ").str.capitalize()
    partner = ev["partner"] if "partner" in ev.columns else pd.Series(None, index=ev.index)
    note = ev["note"] if "note" in ev.columns else pd.Series(None, index=ev.index)
    who = ["" if pd.isna(p) else f" ({_esc(p)})" for p in partner]
    text = ["" if pd.isna(n) else "<br>" + _esc(n) for n in note]
    custom = np.column_stack(
        [
            np.asarray([_esc(k) for k in kinds], dtype=object),
            np.asarray(_days(ev["date"]), dtype=object),
            np.asarray(who, dtype=object),
            np.asarray(text, dtype=object),
        ]
    )
    fig.add_trace(
        go.Scatter(
            x=ev["date"],
            y=np.full(len(ev), schemas.SCORE_MAX + 0.5),
            mode="markers",
            name="Events",
            marker={"symbol": "triangle-down", "size": 11, "color": OKABE_ITO["black"]},
            customdata=custom,
            hovertemplate="%{customdata[0]}%{customdata[2]}, %{customdata[1]}"
            "%{customdata[3]}<extra></extra>",
            meta={"part": "events"},
        )
    )


# --------------------------------------------------------------------------------------------
# Triggers
# --------------------------------------------------------------------------------------------

_FREQ_COLUMNS = ("couple_id", "partner", "period_start", "period", "category", "count")


def _partner_panels(data: pd.DataFrame) -> tuple[list[str], go.Figure]:
    """The partners of ``data`` (sorted) and a figure with one panel per partner, stacked."""
    partners = sorted(data["partner"].astype(str).unique().tolist())
    fig = make_subplots(
        rows=len(partners),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[_esc(p) for p in partners],
        vertical_spacing=0.12 if len(partners) > 1 else 0.0,
    )
    return partners, fig


def _freq_rows(freq: pd.DataFrame, couple_id: str | None) -> tuple[pd.DataFrame, list[str]]:
    _require(freq, _FREQ_COLUMNS, "freq")
    data = _one(freq, "couple_id", couple_id, "freq", "couple_id")
    cats = data["category"].astype(str)
    if (cats != "all").any():
        data = data.loc[cats != "all"]
    present = set(data["category"].astype(str))
    order = [c for c in (*schemas.TRIGGER_CATEGORIES, "all") if c in present]
    order += sorted(present - set(order))
    return data, order


def plot_trigger_heatmap(
    freq: pd.DataFrame, *, couple_id: str | None = None, title: str | None = None
) -> go.Figure:
    """Trigger counts as a heat map: periods across, categories down, one panel per partner.

    Parameters
    ----------
    freq : pandas.DataFrame
        Output of :func:`trustdata.triggers.trigger_frequency` (weekly or monthly; used columns
        ``couple_id, partner, period_start, period, category, count``).  The ``"all"`` rows are
        left out when category rows exist.  Missing (period, category) cells stay empty: nothing
        is filled in.
    couple_id : str, optional
        Which couple to draw when ``freq`` holds several.
    title : str, optional
        Plain text.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Heatmap`` per partner (sorted), named after the partner, with
        ``z = freq.pivot(index="category", columns="period_start", values="count")`` (categories
        in :data:`trustdata.schemas.TRIGGER_CATEGORIES` order, labelled in words), sharing one
        colour scale (:data:`HEAT_SCALE`) that starts at 0.

    Examples
    --------
    >>> freq = pd.DataFrame({"couple_id": "c1", "partner": "A",
    ...     "period_start": pd.to_datetime(["2025-01-06"] * 2 + ["2025-01-13"] * 2),
    ...     "period": ["2025-W02", "2025-W02", "2025-W03", "2025-W03"],
    ...     "category": ["location", "media"] * 2, "count": [2, 0, 1, 3]})
    >>> plot_trigger_heatmap(freq).data[0].z.tolist()
    [[2.0, 1.0], [0.0, 3.0]]
    """
    data, order = _freq_rows(freq, couple_id)
    kind = _period_kind(data) if len(data) else "week"
    x_label = kind.capitalize()
    title = _title(title, f"When triggers came, each {kind}, by kind")
    if data.empty:
        return _empty(title, x_label, "")
    partners, fig = _partner_panels(data)
    for i, p in enumerate(partners, start=1):
        d = data.loc[data["partner"].astype(str) == p]
        z = d.pivot_table(
            index="category", columns="period_start", values="count", aggfunc="first"
        ).reindex(order)
        labels = [CATEGORY_LABELS.get(c, _esc(c)) for c in z.index]
        fig.add_trace(
            go.Heatmap(
                x=z.columns,
                y=labels,
                z=z.to_numpy(dtype="float64"),
                name=_esc(p),
                coloraxis="coloraxis",
                hovertemplate=f"{_esc(p)}<br>{x_label} of %{{x|%Y-%m-%d}}<br>"
                "%{y}: %{z} triggers<extra></extra>",
                xgap=1,
                ygap=1,
            ),
            row=i,
            col=1,
        )
    _style(fig, title, "", "")
    fig.update_xaxes(title_text=x_label, row=len(partners), col=1)
    fig.update_layout(
        coloraxis={"colorscale": HEAT_SCALE, "cmin": 0, "colorbar": {"title": {"text": "Triggers"}}}
    )
    return fig


def plot_trigger_bars(
    freq: pd.DataFrame, *, couple_id: str | None = None, title: str | None = None
) -> go.Figure:
    """Stacked bars of trigger counts per period and category, one panel per partner.

    Meant for ``trigger_frequency(..., period="month")`` (monthly bars); weekly frames are drawn
    the same way, per week.

    Parameters
    ----------
    freq : pandas.DataFrame
        Output of :func:`trustdata.triggers.trigger_frequency` (used columns ``couple_id,
        partner, period_start, period, category, count`` and, for the hover, ``mean_intensity``,
        ``major_count`` when present).
    couple_id : str, optional
        Which couple to draw when ``freq`` holds several.
    title : str, optional
        Plain text.

    Returns
    -------
    plotly.graph_objects.Figure
        ``barmode="stack"``; one ``Bar`` per partner and category (partners sorted, categories in
        :data:`trustdata.schemas.TRIGGER_CATEGORIES` order), named by the category in words,
        ``x = period_start``, ``y = count``, coloured by :data:`CATEGORY_COLOURS`;
        ``meta = {"partner": ..., "category": ...}``.

    Examples
    --------
    >>> freq = pd.DataFrame({"couple_id": "c1", "partner": "A",
    ...     "period_start": pd.to_datetime(["2025-01-01", "2025-02-01"]),
    ...     "period": ["2025-01", "2025-02"], "category": "media", "count": [2, 5]})
    >>> fig = plot_trigger_bars(freq)
    >>> fig.data[0].name, fig.data[0].y.tolist()
    ('TV, film, music or media', [2, 5])
    """
    data, order = _freq_rows(freq, couple_id)
    kind = _period_kind(data) if len(data) else "month"
    x_label = kind.capitalize()
    title = _title(title, f"How many triggers came each {kind}, by kind")
    if data.empty:
        return _empty(title, x_label, "Triggers")
    partners, fig = _partner_panels(data)
    for i, p in enumerate(partners, start=1):
        d = data.loc[data["partner"].astype(str) == p]
        for c in order:
            dc = d.loc[d["category"].astype(str) == c].sort_values("period_start")
            if dc.empty:
                continue
            label = CATEGORY_LABELS.get(c, _esc(c))
            mean = (
                _floats(dc["mean_intensity"])
                if "mean_intensity" in dc
                else np.full(len(dc), np.nan)
            )
            major = _floats(dc["major_count"]) if "major_count" in dc else np.full(len(dc), np.nan)
            fig.add_trace(
                go.Bar(
                    x=dc["period_start"],
                    y=dc["count"].to_numpy(),
                    name=label,
                    legendgroup=c,
                    showlegend=i == 1,
                    marker={"color": CATEGORY_COLOURS.get(c, OKABE_ITO["black"])},
                    customdata=np.column_stack([mean, major]),
                    hovertemplate=f"{_esc(p)}, {x_label.lower()} of %{{x|%Y-%m-%d}}<br>"
                    f"{label}: %{{y}} triggers<br>average intensity %{{customdata[0]:.1f}}, "
                    "%{customdata[1]} major<extra></extra>",
                    meta={"partner": p, "category": c},
                ),
                row=i,
                col=1,
            )
    _style(fig, title, "", "Triggers")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(rangemode="nonnegative")  # a panel of zeros runs 0-1, not -1 to 1
    fig.update_xaxes(title_text=x_label, row=len(partners), col=1)
    return fig


# --------------------------------------------------------------------------------------------
# Setbacks
# --------------------------------------------------------------------------------------------


def plot_setback_timeline(
    setbacks: pd.DataFrame,
    *,
    couple_id: str | None = None,
    measure: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    partners: Sequence[str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """A timeline of setbacks: one horizontal bar per setback, one row per partner.

    Parameters
    ----------
    setbacks : pandas.DataFrame
        Output of :func:`trustdata.setbacks.find_setbacks` (used columns ``couple_id, partner,
        start, end, weeks, trough_date, trough_score, depth``, and ``measure`` when present).
    couple_id, measure : str, optional
        Which couple / measure to draw when the frame holds several.
    as_of : date-like, optional
        Where ongoing setbacks (``end`` missing) end; by default ``start + weeks`` weeks (their
        last observed week included).
    partners : list of str, optional
        Every partner of the couple in colour order (as in :func:`plot_trend`); each gets a row,
        also one without setbacks.  By default the partners in ``setbacks``, sorted.
    title : str, optional
        Plain text.

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal ``Bar`` trace per partner with setbacks (in ``partners`` order):
        ``base`` = ``start``, ``x`` = the length in milliseconds (``end - start``, or to the
        ongoing end above), ``y`` = the partner; ongoing bars are hatched.  The hover gives
        the dates, the trough and its depth.

    Examples
    --------
    >>> sb = pd.DataFrame({"couple_id": "c1", "partner": "A",
    ...     "start": pd.to_datetime(["2025-02-03"]), "end": pd.to_datetime(["2025-02-17"]),
    ...     "weeks": [2], "trough_date": pd.to_datetime(["2025-02-03"]),
    ...     "trough_score": [3.0], "depth": [4.0]})
    >>> fig = plot_setback_timeline(sb)
    >>> fig.data[0].x.tolist() == [14 * 24 * 3600 * 1000]
    True
    """
    _require(
        setbacks,
        ("couple_id", "partner", "start", "end", "weeks", "trough_date", "trough_score", "depth"),
        "setbacks",
    )
    data = _one(setbacks, "couple_id", couple_id, "setbacks", "couple_id")
    if "measure" in data.columns:
        data = _one(data, "measure", measure, "setbacks", "measure")
    title = _title(title, "Setbacks: when each of you had a harder stretch")
    if data.empty:
        return _empty(title, "Date", "")
    data = data.sort_values(["partner", "start"])
    order = _partner_order(data["partner"], partners)
    colour = _colours(order)
    fig = go.Figure()
    for p in order:
        d = data.loc[data["partner"].astype(str) == p]
        if d.empty:
            continue
        start = pd.to_datetime(d["start"])
        ongoing = d["end"].isna().to_numpy()
        weeks = pd.to_numeric(d["weeks"], errors="coerce").fillna(0).to_numpy()
        if as_of is None:
            open_end = start + pd.to_timedelta(weeks * 7, unit="D")
        else:
            open_end = pd.Series(pd.Timestamp(as_of), index=d.index)
        end = pd.to_datetime(d["end"]).where(~ongoing, open_end)
        length = (end - start).dt.total_seconds().to_numpy() * 1000
        status = np.where(ongoing, "still going on", "until " + pd.Series(_days(d["end"])))
        custom = np.column_stack(
            [
                np.asarray(_days(start), dtype=object),
                status.astype(object),
                np.asarray(_days(d["trough_date"]), dtype=object),
                _floats(d["trough_score"]),
                _floats(d["depth"]),
                weeks,
            ]
        )
        fig.add_trace(
            go.Bar(
                base=start,
                x=length,
                y=np.full(len(d), _esc(p), dtype=object),
                orientation="h",
                name=_esc(p),
                marker={
                    "color": colour[p],
                    "pattern": {"shape": np.where(ongoing, "/", "").tolist()},
                },
                customdata=custom,
                hovertemplate=f"{_esc(p)}: from %{{customdata[0]}}, %{{customdata[1]}} "
                "(%{customdata[5]} weeks)<br>lowest %{customdata[3]:.1f} in the week of "
                "%{customdata[2]}, %{customdata[4]:.1f} points below the level before"
                "<extra></extra>",
                meta={"partner": p},
            )
        )
    _style(fig, title, "Date", "")
    fig.update_xaxes(type="date")
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=[_esc(p) for p in order],
        range=[len(order) - 0.5, -0.5],
    )
    return fig


# --------------------------------------------------------------------------------------------
# Both partners
# --------------------------------------------------------------------------------------------


def plot_partner_gap(
    gap: pd.DataFrame, *, couple_id: str | None = None, title: str | None = None
) -> go.Figure:
    """The weekly gap between the partners' scores, with a zero line and the rolling gap.

    Parameters
    ----------
    gap : pandas.DataFrame
        Output of :func:`trustdata.dyad.partner_gap` (used columns ``couple_id, week,
        partner_a, partner_b, score_a, score_b, gap``, and ``rolling_gap`` when present).
    couple_id : str, optional
        Which couple to draw when ``gap`` holds several.
    title : str, optional
        Plain text.

    Returns
    -------
    plotly.graph_objects.Figure
        ``"Gap each week"``: a ``Bar`` with ``y = gap`` (coloured by which partner was higher),
        ``"Recent average gap"``: a line with ``y = rolling_gap`` (when the column exists), and a
        horizontal zero line (a shape).

    Examples
    --------
    >>> g = pd.DataFrame({"couple_id": "c1", "week": pd.to_datetime(["2025-01-06", "2025-01-13"]),
    ...     "partner_a": "A", "partner_b": "B", "score_a": [3.0, 5.0], "score_b": [7.0, 6.0],
    ...     "gap": [-4.0, -1.0], "rolling_gap": [-4.0, -2.5]})
    >>> plot_partner_gap(g).data[0].y.tolist()
    [-4.0, -1.0]
    """
    _require(
        gap, ("couple_id", "week", "partner_a", "partner_b", "score_a", "score_b", "gap"), "gap"
    )
    data = _one(gap, "couple_id", couple_id, "gap", "couple_id")
    title = _title(title, "How far apart your scores were each week")
    if data.empty:
        return _empty(title, "Week", "Gap in points")
    data = data.sort_values("week")
    a, b = _esc(data["partner_a"].iloc[0]), _esc(data["partner_b"].iloc[0])
    values = _floats(data["gap"])
    colours = np.where(values >= 0, PALETTE[0], PALETTE[1])
    custom = np.column_stack(
        [
            np.asarray(_days(data["week"]), dtype=object),
            _floats(data["score_a"]),
            _floats(data["score_b"]),
        ]
    )
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=data["week"],
            y=values,
            name="Gap each week",
            marker={"color": colours.tolist()},
            customdata=custom,
            hovertemplate=f"Week of %{{customdata[0]}}<br>{a}: %{{customdata[1]:.1f}}, "
            f"{b}: %{{customdata[2]:.1f}}<br>gap %{{y:+.1f}}<extra></extra>",
        )
    )
    if "rolling_gap" in data.columns:
        fig.add_trace(
            go.Scatter(
                x=data["week"],
                y=_floats(data["rolling_gap"]),
                mode="lines",
                name="Recent average gap",
                line={"color": OKABE_ITO["black"], "width": 2},
                hovertemplate="Recent average gap %{y:+.1f}<extra></extra>",
            )
        )
    fig.add_hline(y=0, line={"color": "#555555", "width": 1})
    _style(fig, title, "Week", f"Gap in points ({a} minus {b})")
    return fig


# --------------------------------------------------------------------------------------------
# Cohorts
# --------------------------------------------------------------------------------------------


def plot_cohort_trajectories(
    traj: pd.DataFrame,
    *,
    x: str | None = None,
    y_label: str = "Connection (1-10)",
    y_range: tuple[float, float] | None = (schemas.SCORE_MIN - 0.5, schemas.SCORE_MAX + 0.5),
    title: str | None = None,
) -> go.Figure:
    """Group trajectories with their confidence bands (several couples by design).

    Parameters
    ----------
    traj : pandas.DataFrame
        One row per group and time point, e.g. the output of
        :func:`trustdata.cohort.trajectories`, with the columns ``group`` (any label), the time
        column ``x``, ``mean``, ``ci_low``, ``ci_high`` (floats; the band is drawn where both
        exist) and ``n_couples`` (shown in the hover).
    x : str, optional
        The time column: by default ``aligned_week`` (weeks since each couple's anchor event, as
        :func:`trustdata.cohort.trajectories` names it) when present, else ``week``.
    y_label : str, default "Connection (1-10)"
        Plain text.
    y_range : (float, float) or None, default (0.5, 10.5)
        The visible score range (a band wider than the scale is cut at its edge); None lets
        plotly choose.
    title : str, optional
        Plain text.

    Returns
    -------
    plotly.graph_objects.Figure
        Per group (sorted): upper and lower band edges, one pair per run of consecutive
        points where both ``ci_low`` and ``ci_high`` exist (lower filled to upper), and a line
        ``"<group>"`` with ``y = mean``; ``meta = {"group": ..., "part": ...}``.

    Examples
    --------
    >>> traj = pd.DataFrame({"group": "therapy", "week": [0, 1], "mean": [4.0, 4.5],
    ...                      "ci_low": [3.5, 4.0], "ci_high": [4.5, 5.0], "n_couples": 12})
    >>> plot_cohort_trajectories(traj).data[-1].y.tolist()
    [4.0, 4.5]
    """
    if x is None:
        x = "aligned_week" if "aligned_week" in getattr(traj, "columns", ()) else "week"
    _require(traj, ("group", x, "mean", "ci_low", "ci_high", "n_couples"), "traj")
    title = _title(title, "How groups of couples changed over time")
    x_words = {
        "aligned_week": "Weeks since the discovery or disclosure",
        "week": "Week",
    }.get(x, _esc(x.replace("_", " ").capitalize()))
    y_label = _esc(y_label)
    if traj.empty:
        return _empty(title, x_words, y_label)
    groups = sorted(traj["group"].astype(str).unique().tolist())
    colour = _colours(groups)
    fig = go.Figure()
    for g in groups:
        d = traj.loc[traj["group"].astype(str) == g].sort_values(x)
        name = _esc(g)
        _add_band(
            fig,
            d[x],
            _floats(d["ci_low"]),
            _floats(d["ci_high"]),
            colour=colour[g],
            name=name,
            meta={"group": g},
            parts=("ci_low", "ci_high"),
        )
        fig.add_trace(
            go.Scatter(
                x=d[x],
                y=_floats(d["mean"]),
                mode="lines+markers",
                name=name,
                legendgroup=name,
                line={"color": colour[g], "width": 2.5},
                customdata=pd.to_numeric(d["n_couples"], errors="coerce").to_numpy(),
                hovertemplate=f"{name}<br>%{{x}}: mean %{{y:.2f}} "
                "(%{customdata} couples)<extra></extra>",
                meta={"group": g, "part": "mean"},
            )
        )
    _style(fig, title, x_words, y_label)
    if y_range is not None:
        fig.update_yaxes(range=list(y_range))
    return fig


_SURVIVAL_COLUMNS = ("group", "weeks", "survival", "ci_low", "ci_high", "at_risk", "events")


def plot_survival(
    curve: pd.DataFrame,
    *,
    title: str | None = None,
    x_label: str = "Weeks since discovery",
    show_ci: bool = True,
) -> go.Figure:
    """Kaplan-Meier curves of the time to a good level: one step line per group, with its band.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`trustdata.cohort.time_to_good_level` (columns ``group, weeks,
        survival, ci_low, ci_high, at_risk, events``): one row per group and time, the
        estimate just after that time.
    title : str, optional
        Plain text; by default "Share of couples not yet at a good level".
    x_label : str, default "Weeks since discovery"
        Plain text for the time axis (say "since disclosure" when the curve was aligned so).
    show_ci : bool, default True
        Draw each group's confidence band.

    Returns
    -------
    plotly.graph_objects.Figure
        Per group (sorted, coloured from :data:`PALETTE`), in this order: when ``show_ci``,
        the band's upper and lower edges (``y = ci_high`` / ``ci_low``, the lower one filled
        to the upper, steps too, no legend entry), one pair per run of consecutive rows where
        both exist (a curve's first and last rows often have no interval); then the line
        ``"<group>"`` with ``x = weeks``, ``y = survival`` over all the group's rows sorted by
        ``weeks``, drawn as steps (``line.shape = "hv"``: the estimate holds until the next
        time), with ``at_risk`` and ``events`` in ``customdata`` for the hover.
        ``meta = {"group": ..., "part": "ci_high" | "ci_low" | "survival"}``.  The y axis runs
        from 0 % to 100 %.

    Examples
    --------
    >>> curve = pd.DataFrame({"group": "therapy", "weeks": [0, 10, 20],
    ...     "survival": [1.0, 0.6, 0.3], "ci_low": [float("nan"), 0.3, 0.1],
    ...     "ci_high": [float("nan"), 0.8, 0.6], "at_risk": [10, 10, 5], "events": [0, 4, 3]})
    >>> fig = plot_survival(curve)
    >>> fig.data[-1].y.tolist(), fig.data[-1].line.shape, fig.data[0].y.tolist()
    ([1.0, 0.6, 0.3], 'hv', [0.8, 0.6])
    """
    _require(curve, _SURVIVAL_COLUMNS, "curve")
    title = _title(title, "Share of couples not yet at a good level")
    x_label = _esc(x_label)
    y_label = "Not yet at a good level"
    if curve.empty:
        return _empty(title, x_label, y_label)
    groups = sorted(curve["group"].astype(str).unique().tolist())
    colour = _colours(groups)
    fig = go.Figure()
    for g in groups:
        d = curve.loc[curve["group"].astype(str) == g].sort_values("weeks", kind="stable")
        name = _esc(g)
        if show_ci:
            _add_band(
                fig,
                d["weeks"],
                _floats(d["ci_low"]),
                _floats(d["ci_high"]),
                colour=colour[g],
                name=name,
                meta={"group": g},
                parts=("ci_low", "ci_high"),
                shape="hv",
            )
        custom = np.column_stack(
            [
                pd.to_numeric(d["at_risk"], errors="coerce").fillna(0).astype(int).to_numpy(),
                pd.to_numeric(d["events"], errors="coerce").fillna(0).astype(int).to_numpy(),
            ]
        )
        fig.add_trace(
            go.Scatter(
                x=d["weeks"].to_numpy(),
                y=_floats(d["survival"]),
                mode="lines",
                name=name,
                legendgroup=name,
                line={"color": colour[g], "width": 2.5, "shape": "hv"},
                customdata=custom,
                hovertemplate=f"{name}, week %{{x}}<br>%{{y:.0%}} not yet at a good level<br>"
                "%{customdata[0]} couples still followed and not yet there, "
                "%{customdata[1]} got there this week<extra></extra>",
                meta={"group": g, "part": "survival"},
            )
        )
    _style(fig, title, x_label, y_label)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    fig.update_xaxes(rangemode="tozero")
    return fig
