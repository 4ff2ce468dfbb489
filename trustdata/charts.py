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
  comes from the users (partner ids and names, notes, group names, titles) is passed through
  :func:`escape` before it reaches a trace name, a title, a label, an annotation or hover
  text: plotly renders those as HTML *and* substitutes ``%{...}`` templates in them (from
  ``meta`` too), so ``escape`` turns ``< > & " '`` into character references and ``%`` and
  ``$`` too.  Hover templates hold only the package's words and ``%{customdata[i]}``
  placeholders; typed text reaches the hover through ``customdata``.
- Events are marked by name (:data:`EVENT_LABELS`) on the chart itself, readable without
  hover and in print; ``audience="couple"`` (the default) never shows an abuse event's note or
  who recorded it.
- Notebooks wrap each figure in :func:`offline`, which adds a PNG (kaleido, Chromium) so the
  chart shows outside JupyterLab too.
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

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from trustdata import schemas
from trustdata._words import day as _day_words
from trustdata._words import days as _days
from trustdata._words import plural, plurals

__all__ = [
    "OKABE_ITO",
    "PALETTE",
    "CATEGORY_COLOURS",
    "CATEGORY_LABELS",
    "HEAT_SCALE",
    "FONT",
    "NO_DATA_TEXT",
    "LEGEND",
    "EVENT_LABELS",
    "EVENT_STYLES",
    "LAYER_LABELS",
    "AUDIENCES",
    "escape",
    "event_key_px",
    "event_rows_px",
    "relabel_events",
    "plot_expected_band",
    "plot_expected_curves",
    "plot_trend",
    "plot_layers",
    "plot_trigger_heatmap",
    "plot_trigger_bars",
    "plot_setback_timeline",
    "plot_partner_gap",
    "plot_cohort_trajectories",
    "plot_survival",
    "to_image",
    "offline",
    "OfflineFigure",
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

#: Who a figure is for: the couple (the default, and the safe choice: addressed to "you", and
#: an abuse event shows neither its note nor who recorded it) or their therapist.
AUDIENCES: tuple[str, ...] = ("couple", "therapist")

#: Plain words for trust and its six layers.
LAYER_LABELS: dict[str, str] = {
    "connection": "Connection",
    "trust": "Trust",
    "reliability": "Reliability",
    "emotional_safety": "Emotional safety",
    "honesty": "Honesty",
    "consistency": "Consistency",
    "respect": "Respect",
    "transparency": "Transparency",
}

_MEASURE_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "couple": {
        "connection": ("How connected each of you felt", "Connection (1-10)"),
        "trust": ("How much each of you trusted", "Trust (1-10)"),
    },
    "therapist": {
        "connection": ("How connected each partner felt", "Connection (1-10)"),
        "trust": ("How much each partner trusted", "Trust (1-10)"),
    },
}

#: Plain words for the event kinds, as the charts print them beside each event.
EVENT_LABELS: dict[str, str] = {
    "discovery": "Discovery",
    "disclosure": "Disclosure",
    "no_contact": "No contact",
    "individual_therapy": "Individual therapy",
    "couples_therapy": "Couples therapy",
    "agreement": "Agreement",
    "new_information": "New information",
    "repeat_betrayal": "Repeat betrayal",
    "abuse": "Abuse",
    "separation": "Separation",
    "small_win": "Small win",
    "other": "Other event",
}

#: How each kind of event is marked: hard news (vermillion triangles), steps taken (purple
#: circles; blue and orange are the partners'), small wins (green stars), abuse (a black cross,
#: its name in bold) and anything else (grey diamonds): told apart by shape as well as colour.
EVENT_STYLES: dict[str, dict[str, str]] = {
    "hard": {"color": OKABE_ITO["vermillion"], "symbol": "triangle-down"},
    "step": {"color": OKABE_ITO["reddish_purple"], "symbol": "circle"},
    "win": {"color": OKABE_ITO["bluish_green"], "symbol": "star"},
    "abuse": {"color": OKABE_ITO["black"], "symbol": "x"},
    "other": {"color": "#777777", "symbol": "diamond"},
}
_EVENT_GROUP: dict[str, str] = {
    "discovery": "hard",
    "disclosure": "hard",
    "new_information": "hard",
    "repeat_betrayal": "hard",
    "separation": "hard",
    "no_contact": "step",
    "individual_therapy": "step",
    "couples_therapy": "step",
    "agreement": "step",
    "small_win": "win",
    "abuse": "abuse",
}
#: The colour of a shaded setback (both partners'), and of its legend key.
SETBACK_SHADE = "#777777"
#: What the couple's figures call an abuse event (its note and who recorded it are not shown).
_ABUSE_COUPLE_LABEL = "Safety concern"

_WEEK_MS = 7 * 24 * 3600 * 1000


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


#: How typed text is made inert before it reaches a figure: the HTML plotly understands
#: (``< > &`` and quotes, as numeric entities plotly decodes), plotly's template syntax
#: (``%{...}`` is substituted in hover templates, trace names, titles and annotations, also
#: from ``meta``: ``%`` becomes ``&#37;``) and its LaTeX switch (``$...$``).
_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&#34;",
        "'": "&#39;",
        "%": "&#37;",
        "$": "&#36;",
    }
)


def escape(value: object) -> str:
    """Make typed text safe to show in a plotly figure (title, label, legend, hover, annotation).

    HTML-escapes it (plotly renders a subset of HTML, links and ``style`` included) and
    neutralises plotly's ``%{...}`` template syntax and ``$...$`` LaTeX, with numeric character
    references that plotly turns back into the characters on screen.  Every chart passes the
    users' text (partner names, notes, group names, titles) through it; hover templates hold
    only the package's own words and ``%{customdata[i]}`` placeholders.

    Examples
    --------
    >>> escape('%{meta.partner} <a href="x">')
    '&#37;{meta.partner} &lt;a href=&#34;x&#34;&gt;'
    """
    return str(value).translate(_ESCAPES)


_esc = escape


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


# Traces, shapes and annotations are handed to plotly as dicts: ``fig.add_trace(dict)`` (and
# ``layout.shapes`` / ``layout.annotations`` set from dicts) validates each property once, into
# the same objects, whereas ``go.Scatter(...)`` is validated when made and again when added.
# (tests/test_report_speed.py checks that each chart of the sample pages is the same, to the
# byte, as when these are made as go.Scatter, go.Bar, go.layout.Shape, ...)


def _dates(props: dict) -> dict:
    """``props`` with each pandas Series or Index of dates (no time zone) as its numpy array.

    plotly makes that same array of them (``Series.to_numpy()``, through narwhals, whose
    pandas support it then imports, about 0.02 s in a report, and wraps each Series in).
    """
    for name, value in props.items():
        if isinstance(value, pd.Series | pd.Index):
            dtype = value.dtype
            if isinstance(dtype, np.dtype) and dtype.kind == "M":
                props[name] = value.to_numpy()
    return props


def _scatter(**props: object) -> dict:
    return {"type": "scatter", **_dates(props)}


def _bar(**props: object) -> dict:
    return {"type": "bar", **_dates(props)}


def _heatmap(**props: object) -> dict:
    return {"type": "heatmap", **_dates(props)}


def _shape(**props: object) -> dict:
    return props


def _annotation(**props: object) -> dict:
    return props


def _floats(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()


def _measure_words(measure: str, audience: str = "couple") -> tuple[str, str]:
    words = _MEASURE_WORDS[audience]
    if measure in words:
        return words[measure]
    label = LAYER_LABELS.get(measure, _esc(measure.replace("_", " ").capitalize()))
    who = "each of you" if audience == "couple" else "each partner"
    return f"{label}, as {who} rated it", f"{label} (1-10)"


def _check_audience(audience: object) -> str:
    if audience not in AUDIENCES:
        raise ValueError(
            f"The value for `audience` must be one of {list(AUDIENCES)}, but {audience!r} was "
            "passed."
        )
    return str(audience)


def _namer(names: Mapping[str, str] | None):
    """Escaped display name of a partner id (``names`` maps ids to names; the id otherwise)."""
    if names is not None and not isinstance(names, Mapping):
        raise ValueError(
            "The value for `names` must map partner ids to display names (a dict), but "
            f"{type(names).__name__} was passed."
        )
    given = {str(k): str(v) for k, v in (names or {}).items() if v is not None and str(v)}
    return lambda p: _esc(given.get(str(p), str(p)))


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


_WHITE: dict[int, go.layout.Template] = {}

#: plotly's "plotly_white" template as plotly validates it, made ahead (a package resource,
#: see :func:`white_template_resource`): validating it takes the first chart of a process
#: about 0.1 s, most of it importing plotly's classes of every trace type it styles.
WHITE_TEMPLATE = "plotly_white.validated.json"


def _plotly_white_digest() -> str:
    import hashlib
    import pkgutil

    data = pkgutil.get_data("plotly", "package_data/templates/plotly_white.json") or b""
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=1)
def _shipped_white() -> str | None:
    """The resource's template (JSON text) when it was made from this plotly's own file."""
    import json
    from importlib import resources

    import plotly

    try:
        path = resources.files("trustdata").joinpath("resources", WHITE_TEMPLATE)
        shipped = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if shipped.get("plotly") != plotly.__version__ or shipped.get("sha256") != (
        _plotly_white_digest()
    ):
        return None
    return json.dumps(shipped["template"])


def _white_text() -> str | None:
    """The shipped template, while "plotly_white" is still plotly's own file, not yet loaded.

    (Once loaded, or registered anew, the template may have been changed: then it is
    validated as plotly would.)
    """
    import plotly.io as pio
    from plotly.io._templates import Lazy

    if pio.templates._templates.get("plotly_white") is not Lazy:
        return None
    return _shipped_white()


def white_template_resource() -> str:
    """The text of the ``resources/plotly_white.validated.json`` resource, made afresh.

    plotly's version, the digest of its ``plotly_white.json`` and the template as
    ``update_layout(template="plotly_white")`` validates it (every object's properties in
    plotly's order).  ``python scripts/compile_templates.py`` writes it; a test checks it.

    Examples
    --------
    >>> import json
    >>> json.loads(white_template_resource())["template"]["layout"]["plot_bgcolor"]
    'white'
    """
    import json

    import plotly

    fig = go.Figure()
    fig.update_layout(template=go.layout.Template(_load_plotly_white()))
    template = fig.layout.to_plotly_json()["template"]
    return (
        json.dumps(
            {"plotly": plotly.__version__, "sha256": _plotly_white_digest(), "template": template},
            indent=1,
        )
        + "\n"
    )


#: The entries of plotly's table of validators (``plotly/validators/_validators.json``, 3.2 MB of
#: JSON that plotly reads whole on the first property it validates, about 0.04 s) that the sample
#: pages use, with plotly's version and the size of that file (a package resource; see
#: :func:`validators_resource`).
VALIDATORS = "plotly_validators.json"


def _validators_file() -> Path:
    import plotly.validator_cache

    return Path(plotly.validator_cache.__file__).parent / "validators" / "_validators.json"


class _SomeValidators(dict):
    """Some entries of plotly's table of validators; asked for any other, plotly's whole table.

    plotly reads its table only through ``ValidatorCache._json_cache.get``: an entry not
    here makes the whole file be read, as plotly reads it, with these entries (as plotly may
    have changed them since) in their places, and puts that table in place of this one.
    """

    def get(self, key, default=None):
        if dict.__contains__(self, key):
            return dict.get(self, key)
        import json

        from plotly.validator_cache import ValidatorCache

        with _validators_file().open("r") as f:
            full = json.load(f)
        full.update(self)
        ValidatorCache._json_cache = full
        return full.get(key, default)


def use_shipped_validators() -> bool:
    """Have plotly start from the validators the pages use, when made from its own table.

    For a process that makes a page (``trustdata report``; called before any figure is made):
    plotly then reads 0.1 MB, not its whole 3.2 MB table, and reads the rest only if a property
    the resource does not hold is ever validated (:class:`_SomeValidators`).  Each validator is
    made from the same entry either way.  Returns whether the resource is in use: not when
    plotly has read its table already, nor when the resource was made for another plotly.
    """
    import json
    from importlib import resources

    import plotly
    from plotly.validator_cache import ValidatorCache

    if ValidatorCache._json_cache is not None:
        return False
    try:
        path = resources.files("trustdata").joinpath("resources", VALIDATORS)
        shipped = json.loads(path.read_text("utf-8"))
        size = _validators_file().stat().st_size
    except (FileNotFoundError, ValueError, OSError):
        return False
    if shipped.get("plotly") != plotly.__version__ or shipped.get("size") != size:
        return False
    ValidatorCache._json_cache = _SomeValidators(shipped["validators"])
    return True


def validators_resource(names: Sequence[str]) -> str:
    """The text of the ``resources/plotly_validators.json`` resource: plotly's own entries
    ``names`` (as its file holds them), its version and the file's size.

    ``python scripts/ship_plotly_validators.py`` writes it with the entries the 16 sample pages
    use; a test checks each entry is plotly's.
    """
    import json

    import plotly

    path = _validators_file()
    with path.open("r") as f:
        table = json.load(f)
    entries = {name: table[name] for name in sorted(set(names)) if name in table}
    return (
        json.dumps(
            {"plotly": plotly.__version__, "size": path.stat().st_size, "validators": entries},
            indent=0,
            sort_keys=True,
        )
        + "\n"
    )


def _load_plotly_white() -> dict:
    import json
    import pkgutil

    return json.loads(pkgutil.get_data("plotly", "package_data/templates/plotly_white.json"))


def _white_template(fig: go.Figure) -> None:
    """Give ``fig`` plotly's "plotly_white" template, validated once per process.

    ``update_layout(template="plotly_white")`` validates the whole template (hundreds of
    properties) for every chart; the template validated the first time is the same value, and
    assigning it with the layout's validation off (as plotly does with its default template) gives
    the same figure in a tenth of the time.  (Kept per registered template object: a template
    registered again under that name is validated again.)
    """
    import json

    import plotly.io as pio

    layout = fig.layout
    text = _white_text()
    if text is not None and hasattr(layout, "_validate"):
        before = layout._validate
        layout._validate = False
        try:
            layout.template = json.loads(text)
        finally:
            layout._validate = before
        return
    key = id(pio.templates["plotly_white"])
    if key not in _WHITE or not hasattr(layout, "_validate"):
        fig.update_layout(template="plotly_white")
        if hasattr(layout, "_validate"):
            _WHITE.clear()
            _WHITE[key] = go.layout.Template(fig.layout.template)
        return
    before = layout._validate
    layout._validate = False
    try:
        layout.template = _WHITE[key]
    finally:
        layout._validate = before


_PLAIN = (str, int, float, bool)


def _relayout(fig: go.Figure, update: dict) -> None:
    """``fig.update_layout(update)`` for plain values plotly keeps as they are, without its
    validation and batch machinery, or by ``update_layout`` itself for anything else.

    The values must be ``str``, ``int``, ``float`` or ``bool`` (plotly's validators return
    those unchanged when valid), nested in dicts; the keys must be valid property names (this
    is for the charts' own constant styles and words, not for values from outside).  The
    layout's dict ends up as plotly leaves it, key order included: ``update_layout`` runs in a
    batch, which makes each object's dict when it first reaches it (in the update's order)
    and sets the values themselves when the batch ends, in the same order.
    """
    props = fig.layout._props

    def plain(value: object) -> bool:
        if isinstance(value, dict):
            return bool(value) and all(plain(v) for v in value.values())
        if type(value) is list:  # an info array's items, kept as they are in a new list
            return all(type(v) in _PLAIN for v in value)
        return type(value) in _PLAIN

    if (
        type(fig) is not go.Figure
        or props is None
        or not plain(update)
        or any(
            not isinstance(props.get(k, {}), dict) for k, v in update.items() if v.__class__ is dict
        )
    ):
        fig.update_layout(update)
        return
    leaves: list[tuple[dict, str, object]] = []

    def walk(into: dict, part: dict) -> None:
        for name, value in part.items():
            if isinstance(value, dict):
                child = into.get(name)
                if not isinstance(child, dict):
                    child = into[name] = {}
                walk(child, value)
            else:
                leaves.append((into, name, list(value) if type(value) is list else value))

    walk(props, update)
    for into, name, value in leaves:
        into[name] = value


def _style(fig: go.Figure, title: str, x_label: str, y_label: str) -> go.Figure:
    _white_template(fig)
    style = {
        "title": {"text": title, "x": 0.02},
        "font": {"family": FONT, "size": 14},
        "hoverlabel": {"font": {"family": FONT}},
        "legend": dict(LEGEND),
        "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
    }
    if fig._grid_ref is None:  # one plot, whose axes are xaxis and yaxis: one update, not three
        _relayout(
            fig,
            style | {"xaxis": {"title": {"text": x_label}}, "yaxis": {"title": {"text": y_label}}},
        )
        return fig
    fig.update_layout(style)
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
        fig.add_trace(_scatter(y=high[keep], meta=meta | {"part": parts[1]}, **common))
        fig.add_trace(
            _scatter(
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
    names: Mapping[str, str] | None = None,
    audience: str = "couple",
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
        Validated events (``couple_id, date, kind, partner, note``), marked by name so the chart
        reads without hover, in print and on a phone: a dotted vertical line per event, a
        marker on top styled by kind (:data:`EVENT_STYLES`: hard news, steps taken, small
        wins and abuse differ in shape and colour) and the event's name in words
        (:data:`EVENT_LABELS`) as an annotation beside it when every name fits there at phone
        width (:data:`NARROW_PLOT_PX`, staggered on up to :data:`EVENT_LANES` rows above the
        scores; two events a week apart stay two marks); otherwise each mark is numbered in
        date order and a key above the plot lists each number with the name and date in
        words, which reads at any width (the figure grows by :func:`event_key_px`).  Who
        recorded it and its note are in the hover only (escaped), except
        for an abuse event on a couple figure (see ``audience``).
    couple_id, measure : str, optional
        Which couple / measure to draw when ``trend`` holds several.
    partners : list of str, optional
        The couple's partners in colour order (Okabe-Ito blue, orange, ...); by default those in
        ``trend``, sorted.  Pass the same list to every chart of a couple so each partner keeps
        one colour across charts.
    names : dict, optional
        Display names by partner id (e.g. ``CoupleReview.names``) for the legend and hover;
        the id where a partner has none.  Colours and order follow the ids.
    audience : {"couple", "therapist"}, default "couple"
        Who the figure is for: the default title speaks to the couple ("each of you") or about
        them ("each partner"); on a couple figure an abuse event is named "Safety concern"
        and shows neither its note nor who recorded it, whoever opens the shared page.
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
        ``"Events"`` when there are events (``customdata`` columns: name in words, date in
        words, who recorded it, note; the last two empty where not shown), then, when there is
        hard news or abuse among them, ``"Events (on top)"``: those marks again, without hover
        or legend, so a step taken the same week never hides them.  Each trace's
        ``meta`` is ``{"partner": ..., "part": "band_high" | "band_low" | "score" |
        "average"}``, ``{"part": "setbacks"}``, ``{"part": "events"}`` or
        ``{"part": "events_on_top"}``.  Event names are
        ``layout.annotations`` with ``name = "event"``, one per event, in date order (the
        name, or its number when the names are in the key); the key's lines are annotations
        with ``name = "event_key"`` ("1  Disclosure, 25 January 2024").

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
    audience = _check_audience(audience)
    shown = _namer(names)
    m = str(data["measure"].iloc[0]) if len(data) else (measure or "connection")
    default_title, y_label = _measure_words(m, audience)
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
        name = shown(p)
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
                _days(weeks),
                plurals(pd.to_numeric(d["n_checkins"], errors="coerce").fillna(0), "check-in"),
            ]
        )
        fig.add_trace(
            _scatter(
                x=weeks,
                y=_floats(d["score"]),
                mode="markers",
                name=f"{name}: weekly score",
                legendgroup=name,
                marker={"color": colour[p], "size": 8},
                customdata=custom,
                hovertemplate="%{customdata[0]}, week of %{customdata[1]}<br>"
                "Score %{y:.1f} (%{customdata[2]})<extra></extra>",
                meta={"partner": p, "part": "score"},
            )
        )
        fig.add_trace(
            _scatter(
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
        _add_setbacks(fig, setbacks, cid, m)
    if events is not None:
        _add_events(fig, events, cid, audience=audience, names=names, x=data["week"])
    _style(fig, title, "Week", y_label)
    fig.update_yaxes(
        range=[schemas.SCORE_MIN - 0.5, schemas.SCORE_MAX + 0.8],
        tickmode="array",
        tickvals=list(range(2, schemas.SCORE_MAX + 1, 2)),
    )
    _name_events(fig, NARROW_PLOT_PX)
    return fig


def _add_setbacks(fig: go.Figure, setbacks: pd.DataFrame, couple_id: str, measure: str) -> None:
    _require(setbacks, ("couple_id", "partner", "start", "end", "weeks"), "setbacks")
    keep = setbacks["couple_id"].astype(str) == couple_id
    if "measure" in setbacks.columns:
        keep &= setbacks["measure"].astype(str) == measure
    rows = setbacks.loc[keep]
    if rows.empty:
        return
    # one legend key, drawn as the shading is (the same grey for both partners: which line dips
    # inside it says whose setback it is, and one key keeps the printed legend to two rows)
    fig.add_trace(
        _scatter(
            x=[None],
            y=[None],
            mode="markers",
            name="Setback (shaded)",
            marker={"symbol": "square", "size": 12, "color": _rgba(SETBACK_SHADE, 0.3)},
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
            fillcolor=SETBACK_SHADE,
            opacity=0.18,
            layer="below",
            line_width=0,
        )


#: Rows of event names above the scores; names that would still overlap share the emptiest row.
EVENT_LANES = 4
_LANE_HEIGHT = 0.75  # y units per row of names (the axis is extended by this per row used)
#: Plot width (CSS px) names are placed for: the plot area of a chart on a 390 px-wide phone
#: (the page's narrowest layout; measured in headless Chromium).  A wider plot only spreads
#: the names further apart.
NARROW_PLOT_PX = 260
_CHAR_PX = 7.0  # width of one character of a 12 px name, about
#: Height (px) of one line of the key of numbered events above the plot.
EVENT_KEY_LINE_PX = 17
#: Height (px) of one row of event names when a view gives the plot's height
#: (:func:`relabel_events`): a 12 px name and a little air.
EVENT_ROW_PX = 16
_KEY_GAP_PX = 16  # space between two entries on one line of the key


def _event_rows(ev: pd.DataFrame, audience: str, names: Mapping[str, str] | None) -> pd.DataFrame:
    """What each event shows: its label, style, hover text (escaped), per audience."""
    kind = ev["kind"].astype(object).astype(str)
    group = kind.map(_EVENT_GROUP).fillna("other")
    label = kind.map(EVENT_LABELS).fillna(kind.str.replace("_", " ").str.capitalize())
    abuse_hidden = (kind == "abuse") & (audience == "couple")
    label = label.where(~abuse_hidden, _ABUSE_COUPLE_LABEL)
    shown = _namer(names)
    partner = ev["partner"] if "partner" in ev.columns else pd.Series(None, index=ev.index)
    note = ev["note"] if "note" in ev.columns else pd.Series(None, index=ev.index)
    who = [
        "" if hide or pd.isna(p) else f" (recorded by {shown(p)})"
        for p, hide in zip(partner, abuse_hidden, strict=True)
    ]
    text = [
        "" if hide or pd.isna(n) else "<br>" + _esc(n)
        for n, hide in zip(note, abuse_hidden, strict=True)
    ]
    return pd.DataFrame(
        {
            "date": pd.to_datetime(ev["date"]).to_numpy(),
            "label": [_esc(v) for v in label],
            "group": group.to_numpy(),
            "who": who,
            "note": text,
        }
    )


def _stagger(
    dates: pd.Series, labels: list[str], x_min, x_max, plot_px: float = NARROW_PLOT_PX
) -> tuple[list[int], list[str], bool]:
    """Row and anchor of each name so names do not overlap (greedy, in date order).

    A name takes about ``len * _CHAR_PX + 12`` pixels of a ``plot_px``-wide plot,
    converted to days over the chart's span; it goes right of its line, or left of it near the
    right edge; it takes the first row where it fits, else the row that frees up first.  The
    third value is whether every name found a free row (no overlap at phone width).
    """
    span = max((x_max - x_min) / pd.Timedelta(days=1), 1.0)
    days_per_px = span / plot_px
    ends = [None] * EVENT_LANES  # the rightmost day taken on each row
    rows, anchors, fits = [], [], True
    for day, label in zip(pd.to_datetime(dates), labels, strict=True):
        width = pd.Timedelta(days=(len(_seen(label)) * _CHAR_PX + 12) * days_per_px)
        right = day + width <= x_max + pd.Timedelta(days=2 * days_per_px)
        lo, hi = (day, day + width) if right else (day - width, day)
        free = [r for r in range(EVENT_LANES) if ends[r] is None or ends[r] < lo]
        fits &= bool(free)
        row = free[0] if free else min(range(EVENT_LANES), key=lambda r: ends[r])
        ends[row] = hi if ends[row] is None else max(ends[row], hi)
        rows.append(row)
        anchors.append("left" if right else "right")
    return rows, anchors, fits


def _annotations(fig: go.Figure) -> list[dict]:
    """The properties of a figure's annotations as plotly holds them (read, not copied):
    ``fig.layout.annotations`` without making an object of each."""
    return (fig.layout._props or {}).get("annotations") or []


def event_key_px(fig: go.Figure) -> int:
    """Height in px of the key of numbered events a figure lists above its plot (0 if none).

    A view that sets its own top margin adds this to it, so the key is never cut off.

    Examples
    --------
    >>> event_key_px(go.Figure())
    0
    """
    rows = {a.get("yshift") for a in _annotations(fig) if a.get("name") == "event_key"}
    return len(rows) * EVENT_KEY_LINE_PX + (6 if rows else 0)


def event_rows_px(fig: go.Figure) -> int:
    """Height in px of the rows of event names above the scores: :data:`EVENT_ROW_PX` a row.

    A view that gave :func:`relabel_events` the plot's height draws the plot this much taller,
    so the scores keep that height and each row of names its :data:`EVENT_ROW_PX`.

    Examples
    --------
    >>> event_rows_px(go.Figure())
    0
    """
    rows = {a.get("y") for a in _annotations(fig) if a.get("name") == "event"}
    return len(rows) * EVENT_ROW_PX


def _seen(value: str) -> str:
    """The characters a reader sees of escaped text (for measuring its width)."""
    return _unescape(value)


def _add_events(
    fig: go.Figure,
    events: pd.DataFrame,
    couple_id: str,
    *,
    audience: str,
    names: Mapping[str, str] | None,
    x: pd.Series,
) -> None:
    """Mark the couple's events: a dotted line and a styled marker each (named by
    :func:`_name_events`)."""
    _require(events, ("couple_id", "date", "kind"), "events")
    ev = events.loc[events["couple_id"].astype(str) == couple_id].sort_values("date", kind="stable")
    ev = ev.loc[ev["date"].notna()]
    if ev.empty:
        return
    rows = _event_rows(ev, audience, names)
    # one dotted line per event: the shapes fig.add_vline draws on a one-plot figure, added at
    # once (add_vline validates every shape so far at each call)
    line = {"color": "#777777", "width": 1, "dash": "dot"}
    fig.layout.shapes += tuple(
        _shape(
            type="line",
            x0=day,
            x1=day,
            xref="x",
            y0=0,
            y1=1,
            yref="y domain",
            line=line,
            layer="below",
        )
        for day in rows["date"]
    )
    all_x = pd.concat([pd.Series(pd.to_datetime(x)), rows["date"]], ignore_index=True)
    styles = [EVENT_STYLES[g] for g in rows["group"]]
    custom = np.column_stack(
        [
            rows["label"].to_numpy(dtype=object),
            _days(rows["date"]),
            np.asarray(rows["who"], dtype=object),
            np.asarray(rows["note"], dtype=object),
        ]
    )
    fig.add_trace(
        _scatter(
            x=rows["date"],
            y=np.full(len(rows), schemas.SCORE_MAX + 0.5),
            mode="markers",
            name="Events",
            showlegend=False,
            marker={
                "symbol": [st["symbol"] for st in styles],
                "color": [st["color"] for st in styles],
                "size": 11,
                "line": {"width": 1, "color": [st["color"] for st in styles]},
            },
            customdata=custom,
            hovertemplate="%{customdata[0]}, %{customdata[1]}%{customdata[2]}"
            "%{customdata[3]}<extra></extra>",
            # what :func:`relabel_events` needs to lay the names out again (never rendered)
            meta={
                "part": "events",
                "groups": rows["group"].tolist(),
                "span": [all_x.min().isoformat(), all_x.max().isoformat()],
            },
        )
    )
    # the legend: one neutral key (the first event's own marker stood for all of them, an orange
    # triangle beside circles and stars); each event is named in words above the plot, and a
    # key per kind of marker made the printed legend a row longer than its plot allows for
    fig.add_trace(
        _scatter(
            x=[None],
            y=[None],
            mode="markers",
            name="Events",
            marker={"symbol": "circle-open", "color": "#555555", "size": 10},
            hoverinfo="skip",
            meta={"part": "event_key"},
        )
    )
    # hard news and abuse drawn again on top: a week apart, a later step's circle hid them
    top = rows["group"].isin(["hard", "abuse"]).to_numpy()
    if top.any():
        on_top = [st for st, t in zip(styles, top, strict=True) if t]
        fig.add_trace(
            _scatter(
                x=rows["date"][top],
                y=np.full(int(top.sum()), schemas.SCORE_MAX + 0.5),
                mode="markers",
                name="Events (on top)",
                showlegend=False,
                hoverinfo="skip",
                marker={
                    "symbol": [st["symbol"] for st in on_top],
                    "color": [st["color"] for st in on_top],
                    "size": 11,
                    "line": {"width": 1, "color": [st["color"] for st in on_top]},
                },
                meta={"part": "events_on_top"},
            )
        )


def _name_events(fig: go.Figure, plot_px: float, plot_height_px: float | None = None) -> None:
    """Name the events of a trend figure for a plot ``plot_px`` wide (in place).

    When every name fits beside its mark (staggered on up to :data:`EVENT_LANES` rows) the
    names sit there; otherwise each mark gets its number (1, 2, ... in date order) and a key
    above the plot lists the numbered names (``name = "event_key"``); the figure's top margin
    and height grow by the key, and the y axis by the rows used: :data:`_LANE_HEIGHT` y units a
    row, or, given the scores' height ``plot_height_px``, :data:`EVENT_ROW_PX` px a row.
    """
    marks_trace = [t for t in fig.data if t.meta and t.meta.get("part") == "events"]
    old_key = event_key_px(fig)
    keep = [a for a in fig.layout.annotations if a.name not in ("event", "event_key")]
    fig.layout.annotations = keep
    lanes_used = 0
    lane_height = _LANE_HEIGHT
    if plot_height_px is not None:
        if not plot_height_px > 0:
            raise ValueError(
                f"plot_height_px must be a positive number of pixels, not {plot_height_px!r}."
            )
        # the scores' part of the axis (SCORE_MIN - 0.5 to SCORE_MAX + 0.8) keeps its height
        # in px; each row of names adds EVENT_ROW_PX px at the same y units per px
        scores_span = (schemas.SCORE_MAX + 0.8) - (schemas.SCORE_MIN - 0.5)
        lane_height = EVENT_ROW_PX * scores_span / float(plot_height_px)
    if marks_trace:
        trace = marks_trace[0]
        dates = pd.Series(pd.to_datetime(trace.x))
        custom = np.asarray(trace.customdata, dtype=object)
        labels = [str(v) for v in custom[:, 0]]
        when = [str(v) for v in custom[:, 1]]
        groups = list(trace.meta["groups"])
        x_min, x_max = (pd.Timestamp(v) for v in trace.meta["span"])
        lanes, anchors, fits = _stagger(dates, labels, x_min, x_max, plot_px)
        numbers = [str(i) for i in range(1, len(labels) + 1)]
        if not fits:  # numbers beside the marks, names in the key
            lanes, anchors, _ = _stagger(dates, numbers, x_min, x_max, plot_px)
        _mark_events(fig, dates, labels if fits else numbers, groups, lanes, anchors, lane_height)
        if not fits:
            entries = [f"{n}  {t}, {d}" for n, t, d in zip(numbers, labels, when, strict=True)]
            _add_event_key(fig, entries, groups, plot_px)
        lanes_used = max(lanes) + 1
    key = event_key_px(fig)
    top = schemas.SCORE_MAX + 0.8 + lanes_used * lane_height
    y_range = [schemas.SCORE_MIN - 0.5, top]
    props = fig.layout._props or {}
    if fig._grid_ref is None and not any(_SUBPLOT_AXIS.fullmatch(k) for k in props):
        _relayout(fig, {"yaxis": {"range": y_range}})  # its one y axis: fig.update_yaxes
    else:
        fig.update_yaxes(range=y_range)
    _relayout(fig, {"margin": {"t": (fig.layout.margin.t or 0) - old_key + key}})
    fig.layout.height = 450 + key if key else None  # plotly's default height, plus the key
    if key:  # the key sits between the title and the plot
        _relayout(fig, {"title": {"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 14}}})


def relabel_events(
    fig: go.Figure, plot_px: float, plot_height_px: float | None = None
) -> go.Figure:
    """A copy of a :func:`plot_trend` figure with its events named for a plot ``plot_px`` wide.

    The figure itself names events for a phone (:data:`NARROW_PLOT_PX`); a view that knows
    its width, such as the report's print copy (about 620 px), can have the names beside
    their marks again where they fit there.  Other figures are returned as a copy, unchanged.

    A view that also knows how tall its plot is (a short print copy, where rows of names a
    fixed part of the axis apart would overlap) gives ``plot_height_px``, the height in px the
    scores get: the rows of names are then :data:`EVENT_ROW_PX` px apart, and the view draws
    the plot :func:`event_rows_px` taller than ``plot_height_px`` so the scores keep it.

    Examples
    --------
    >>> relabel_events(go.Figure(), 600).layout.annotations
    ()
    """
    return _relabel(_copy_figure(fig), plot_px, plot_height_px)


def _has_events(fig: go.Figure) -> bool:
    """Whether a figure marks events that :func:`relabel_events` names (a trend's)."""
    return any(t.meta and t.meta.get("part") == "events" for t in fig.data)


def _relabel(out: go.Figure, plot_px: float, plot_height_px: float | None = None) -> go.Figure:
    """:func:`relabel_events` of a figure of the caller's own (changed in place)."""
    if _has_events(out):
        _name_events(out, plot_px, plot_height_px)
    return out


def _copy_figure(fig: go.Figure) -> go.Figure:
    """``go.Figure(fig)``, without validating its template again when it is the shipped one.

    The template is then exactly plotly's validated "plotly_white" (:func:`_shipped_white`):
    the copy is validated with an empty template in its place (which keeps the template's
    place among the layout's properties, in plotly's order) and then given it back.
    """
    import json

    text = _white_text()
    props = fig.layout._props or {}
    template = props.get("template")
    if text is None or not isinstance(template, dict) or json.dumps(template) != text:
        return go.Figure(fig)
    spec = fig.to_dict()
    spec["layout"]["template"] = {}
    out = go.Figure(spec)
    out._grid_str, out._grid_ref = fig._grid_str, fig._grid_ref
    out.layout._props["template"] = json.loads(text)
    out.layout._compound_props.pop("template", None)
    return out


@cache
def _plotly_order(cls: type) -> dict[str, int]:
    """Where each property of a plotly class comes in its objects' properties (its own order).

    ``cls(props)`` sets the properties in the order its ``__init__`` names them (plotly's
    schema order, also the place of a trace's ``type``, set after them), each name first
    appearing among the constants of that code in that order.
    """
    valid = cls._valid_props
    order: dict[str, int] = {}
    for const in cls.__init__.__code__.co_consts:
        if isinstance(const, str) and const in valid and const not in order:
            order[const] = len(order)
    return order


_SUBPLOT_AXIS = re.compile(r"([xy]axis)[2-9]\d*|([xy]axis)1\d+")


def _in_plotly_order(props: dict, cls: type, template: bool = False) -> dict | None:
    """``cls(props).to_plotly_json()`` for properties plotly has validated already: the same
    values, each object's properties in plotly's order (see :func:`_plotly_order`) and empty
    objects left out, without validating them again.  None for what it does not know (the
    caller then lets plotly copy): a property the class does not name (but a layout's second
    axes, which plotly puts after the others, as they come).  A layout's template is put in
    order too, or with ``template=True`` kept as it is (one plotly has validated).
    """
    from _plotly_utils.basevalidators import (
        BaseTemplateValidator,
        CompoundArrayValidator,
        CompoundValidator,
    )
    from plotly.validator_cache import ValidatorCache

    order = _plotly_order(cls)
    known = sorted((name for name in props if name in order), key=order.__getitem__)
    others = [name for name in props if name not in order]
    out: dict = {}
    for name in known + others:
        value = props[name]
        prop = name
        if name not in order:
            axis = _SUBPLOT_AXIS.fullmatch(name) if cls is go.Layout else None
            if axis is None:
                return None
            prop = axis[1] or axis[2]
        validator = ValidatorCache.get_validator(cls._path_str, prop)
        if template and isinstance(validator, BaseTemplateValidator):
            out[name] = value
        elif isinstance(validator, CompoundValidator):
            if not isinstance(value, dict):
                return None
            child = _in_plotly_order(value, validator.data_class)
            if child is None:
                return None
            if child:
                out[name] = child
        elif isinstance(validator, CompoundArrayValidator):
            if not isinstance(value, list | tuple):
                return None
            items = [_in_plotly_order(item, validator.data_class) for item in value]
            if any(item is None for item in items):
                return None
            out[name] = items
        else:
            out[name] = value
    return out


def _spec_in_order(fig: go.Figure) -> dict | None:
    """``go.Figure(fig).to_dict()`` made by :func:`_in_plotly_order` (its values validated
    once, not again; the shipped "plotly_white" template kept as it is); None when that does
    not know one of the figure's properties."""
    import json

    text = _white_text()
    template = (fig.layout._props or {}).get("template")
    shipped = text is not None and isinstance(template, dict) and json.dumps(template) == text
    spec = fig.to_dict()
    data = [_in_plotly_order(t, type(obj)) for t, obj in zip(spec["data"], fig.data, strict=True)]
    layout = _in_plotly_order(spec["layout"], go.Layout, template=shipped)
    if layout is None or any(trace is None for trace in data):
        return None
    return {"data": data, "layout": layout}


def _figure_of(spec: dict, like: go.Figure) -> go.Figure:
    """A figure of ``spec`` (plotly's validated properties, in its order; copied), not
    validated again, with ``like``'s subplot grid; changes made to it are validated."""
    out = go.Figure(spec, _validate=False)
    out._grid_str, out._grid_ref = like._grid_str, like._grid_ref
    out._validate = out.layout._validate = True
    for trace in out.data:
        trace._validate = True
    return out


def _copy_in_order(fig: go.Figure) -> go.Figure | None:
    """:func:`_copy_figure` made from :func:`_spec_in_order`; None when that does not know
    one of the figure's properties."""
    spec = _spec_in_order(fig)
    return None if spec is None else _figure_of(spec, fig)


def _copy_validated(fig: go.Figure) -> go.Figure:
    """A copy of a figure plotly has just validated whole (``go.Figure(other)``), made fast.

    ``go.Figure(fig)`` validates every property again (the template's hundreds included), and
    puts each object's properties in plotly's own order.  Of a figure just made that way the
    result is its properties as they are: this copies them without validation, then turns
    validation back on, so that changes made to the copy are validated as on any figure.  (Of
    a figure changed since, key order could differ from ``go.Figure(fig)``: not for such.)
    """
    out = go.Figure(fig.to_dict(), _validate=False)
    out._grid_str, out._grid_ref = fig._grid_str, fig._grid_ref
    out._validate = out.layout._validate = True
    for trace in out.data:
        trace._validate = True
    return out


def _mark_events(fig, dates, marks, groups, lanes, anchors, lane_height=_LANE_HEIGHT) -> None:
    # the annotations fig.add_annotation adds one by one, added at once (each call validates
    # every annotation so far again)
    fig.layout.annotations += tuple(
        _annotation(
            x=day,
            y=schemas.SCORE_MAX + 0.85 + lane * lane_height,
            xref="x",
            yref="y",
            text=f"<b>{mark}</b>" if group == "abuse" else mark,
            showarrow=False,
            xanchor=anchor,
            yanchor="bottom",
            xshift=3 if anchor == "left" else -3,
            font={"size": 12, "color": EVENT_STYLES[group]["color"]},
            bgcolor="rgba(255, 255, 255, 0.85)",
            name="event",
        )
        for day, mark, group, lane, anchor in zip(dates, marks, groups, lanes, anchors, strict=True)
    )


def _key_lines(entries: list[str], plot_px: float) -> list[list[int]]:
    """Pack the key's entries, in order, into lines no wider than ``plot_px``."""
    lines: list[list[int]] = []
    width = 0.0
    for i, text in enumerate(entries):
        w = len(_seen(text)) * _CHAR_PX
        if lines and width + _KEY_GAP_PX + w <= plot_px:
            lines[-1].append(i)
            width += _KEY_GAP_PX + w
        else:
            lines.append([i])
            width = w
    return lines


def _add_event_key(fig: go.Figure, entries: list[str], groups: list[str], plot_px: float) -> None:
    """The key of numbered events above the plot ("1  Disclosure, 25 January 2024"), each in
    its event's colour, as many to a line as fit the plot's width."""
    lines = _key_lines(entries, plot_px)
    key = []  # added at once, as in _mark_events
    for row, line in enumerate(lines):
        offset = 0.0
        for i in line:
            group = groups[i]
            key.append(
                _annotation(
                    x=0,
                    y=1,
                    xref="paper",
                    yref="paper",
                    text=f"<b>{entries[i]}</b>" if group == "abuse" else entries[i],
                    showarrow=False,
                    xanchor="left",
                    yanchor="bottom",
                    xshift=offset,
                    yshift=6 + (len(lines) - 1 - row) * EVENT_KEY_LINE_PX,
                    font={"size": 12, "color": EVENT_STYLES[group]["color"]},
                    name="event_key",
                )
            )
            offset += len(_seen(entries[i])) * _CHAR_PX + _KEY_GAP_PX
    fig.layout.annotations += tuple(key)


# --------------------------------------------------------------------------------------------
# Trust and its six layers
# --------------------------------------------------------------------------------------------

_PROFILE_COLUMNS = (
    "couple_id",
    "partner",
    "layer",
    "start_level",
    "n_start",
    "recent_level",
    "n_recent",
    "change",
    "lags",
    "leads",
)
_LAYER_ORDER = ("trust", *schemas.LAYERS)


def _column(frame: pd.DataFrame, name: str) -> list:
    """A column's values, or None for each row when the frame has no such column."""
    return frame[name].tolist() if name in frame else [None] * len(frame)


def _span_words(start: object, end: object) -> str:
    """A window's days in words, "the weeks of 7 April to 26 May 2025" ("" when unknown); with
    no start, "the weeks to 26 May 2025"."""
    if not _day_words(end):
        return ""
    if not _day_words(start):
        return f"the weeks to {_day_words(end)}"
    return f"the weeks of {_day_words(start)} to {_day_words(end)}"


def _windows_words(d: pd.DataFrame, first: str, last: str, left: str) -> np.ndarray:
    """Each row's window in words: its weeks ``first``-``last`` and the stretch ``left``
    (``<left>_from``-``<left>_to``) it leaves out, by :func:`_window_words`."""
    return np.asarray(
        [
            _window_words(_span_words(f, e), a, b)
            for f, e, a, b in zip(
                _column(d, first),
                _column(d, last),
                _column(d, f"{left}_from"),
                _column(d, f"{left}_to"),
                strict=True,
            )
        ],
        dtype=object,
    )


def _window_words(words: str, left_from: object, left_to: object) -> str:
    """A window's words in parentheses, with the sudden dip the review left out of it."""
    if _day_words(left_from) and _day_words(left_to):
        weeks = (
            f"the week of {_day_words(left_from)}"
            if left_from == left_to
            else f"the weeks of {_day_words(left_from)} to {_day_words(left_to)}"
        )
        words = (words + ", " if words else "") + f"leaving out a sudden dip in {weeks}"
    return f" ({words})" if words else ""


def _level_words(level: object, n: object) -> str:
    if level is None or pd.isna(level):
        return "not rated"
    return f"{float(level):.1f} ({plural(n, 'check-in')})"


def plot_layers(
    frame: pd.DataFrame,
    *,
    couple_id: str | None = None,
    partners: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
    audience: str = "couple",
    title: str | None = None,
) -> go.Figure:
    """Trust and its six layers: a profile per partner, or small multiples over time.

    Parameters
    ----------
    frame : pandas.DataFrame
        Either the output of :func:`trustdata.layers.layers_profile` (it has a ``layer``
        column): one panel per partner, side by side, each layer a row with its level at the
        start (hollow circle) joined to its recent level (filled circle), the lagging layer(s)
        marked "lowest now" and the leading one(s) "highest now" in words on their own row,
        right of the row's rightmost dot;
        or the output of :func:`trustdata.layers.layers_weekly` (``measure`` and ``week``
        columns): one small panel per measure (trust first, then the six layers in the
        guide's order, two panels a row, shared axes), both partners' recent averages as lines
        and weekly scores as dots in each panel.
    couple_id : str, optional
        Which couple to draw when the frame holds several.
    partners : list of str, optional
        Partner ids in colour order (as in :func:`plot_trend`).
    names : dict, optional
        Display names by partner id (escaped); the id where a partner has none.
    audience : {"couple", "therapist"}, default "couple"
        The voice of the default title ("each of you" or "each partner").
    title : str, optional
        Plain text.

    Returns
    -------
    plotly.graph_objects.Figure
        Profile: per partner (in ``partners`` order, panel ``i``): ``"<name>: change"`` (lines
        from start to recent level, one segment per layer with both), ``"<name>: at the
        start"`` (``x = start_level``), ``"<name>: recently"`` (``x = recent_level``) and
        ``"<name>: lowest and highest now"`` (the marked layers only: ``text`` "lowest now" /
        "highest now" from the profile's ``lags`` / ``leads``, ``x`` the larger of the row's
        two levels, the word to its right), ``y`` = the layer in words
        (:data:`LAYER_LABELS`), ``meta = {"partner": ..., "part": "change" | "start" |
        "recent" | "mark"}``.  A level that is missing is not drawn (the hover says "not
        rated").
        Weekly: per measure and partner ``"<name>: weekly score"`` (``y = score``) and
        ``"<name>: recent average"`` (``y = rolling_mean``), ``meta = {"partner": ...,
        "measure": ..., "part": "score" | "average"}``; panel titles are the measures in words.

    Examples
    --------
    >>> prof = pd.DataFrame({"couple_id": "c1", "partner": "A", "layer": ["trust", "honesty"],
    ...     "start_level": [3.0, 2.0], "n_start": [2, 2], "recent_level": [6.0, 5.0],
    ...     "n_recent": [3, 3], "change": [3.0, 3.0], "lags": False, "leads": False})
    >>> fig = plot_layers(prof)
    >>> [t.name for t in fig.data], fig.data[2].x.tolist()
    (['A: change', 'A: at the start', 'A: recently'], [6.0, 5.0])
    """
    audience = _check_audience(audience)
    if isinstance(frame, pd.DataFrame) and "layer" in frame.columns:
        return _plot_layer_profile(frame, couple_id, partners, names, audience, title)
    if isinstance(frame, pd.DataFrame) and {"measure", "week"} <= set(frame.columns):
        return _plot_layer_weeks(frame, couple_id, partners, names, audience, title)
    _require(frame, (), "frame")  # a sentence for a non-frame
    raise ValueError(
        "The `frame` must be the output of layers_profile (with a `layer` column) or of "
        f"layers_weekly (with `measure` and `week`), but its columns are {list(frame.columns)}."
    )


def _plot_layer_profile(frame, couple_id, partners, names, audience, title) -> go.Figure:
    _require(frame, _PROFILE_COLUMNS, "profile")
    data = _one(frame, "couple_id", couple_id, "profile", "couple_id")
    who = "each of you" if audience == "couple" else "each partner"
    title = _title(title, f"Trust and its six layers: where {who} started and stands now")
    x_label = "Level (1-10)"
    if data.empty:
        return _empty(title, x_label, "")
    shown = _namer(names)
    order = _partner_order(data["partner"], partners)
    order = [p for p in order if (data["partner"].astype(str) == p).any()]
    colour = _colours(_partner_order(data["partner"], partners))
    present = [m for m in _LAYER_ORDER if (data["layer"].astype(str) == m).any()]
    present += sorted(set(data["layer"].astype(str)) - set(present))
    labels = {m: LAYER_LABELS.get(m, _esc(m.replace("_", " ").capitalize())) for m in present}
    fig = make_subplots(
        rows=1,
        cols=len(order),
        shared_yaxes=True,
        subplot_titles=[shown(p) for p in order],
        # the gap holds the first panel's "highest now" beside a dot near 10
        horizontal_spacing=0.1,
    )
    reach = 0.0  # the highest level with a word to its right
    for i, p in enumerate(order, start=1):
        d = data.loc[data["partner"].astype(str) == p].copy()
        d["_o"] = d["layer"].astype(str).map({m: k for k, m in enumerate(present)})
        d = d.sort_values("_o")
        y = [labels[str(m)] for m in d["layer"]]
        start = _floats(d["start_level"])
        recent = _floats(d["recent_level"])
        name = shown(p)
        lags = d["lags"].fillna(False).astype(bool).to_numpy()
        leads = d["leads"].fillna(False).astype(bool).to_numpy()
        mark = np.where(lags, "lowest now", np.where(leads, "highest now", ""))
        change = _floats(d["change"])
        custom = np.column_stack(
            [
                np.full(len(d), name, dtype=object),
                np.asarray(y, dtype=object),
                np.asarray(
                    [_level_words(v, n) for v, n in zip(start, d["n_start"], strict=True)],
                    dtype=object,
                ),
                np.asarray(
                    [_level_words(v, n) for v, n in zip(recent, d["n_recent"], strict=True)],
                    dtype=object,
                ),
                np.asarray(
                    ["" if np.isnan(c) else f", change {c:+.1f}" for c in change], dtype=object
                ),
                _windows_words(d, "recent_start", "recent_end", "recent_left"),
                _windows_words(d, "start_from", "start_to", "start_left"),
            ]
        )
        seg_x, seg_y = [], []
        for a, b, lab in zip(start, recent, y, strict=True):
            if np.isfinite(a) and np.isfinite(b):
                seg_x += [a, b, None]
                seg_y += [lab, lab, None]
        hover = (
            "%{customdata[0]}, %{customdata[1]}<br>at the start%{customdata[6]} "
            "%{customdata[2]}<br>recently%{customdata[5]} %{customdata[3]}%{customdata[4]}"
            "<extra></extra>"
        )
        fig.add_trace(
            _scatter(
                x=seg_x,
                y=seg_y,
                mode="lines",
                name=f"{name}: change",
                legendgroup=name,
                showlegend=False,
                line={"color": colour[p], "width": 2},
                hoverinfo="skip",
                meta={"partner": p, "part": "change"},
            ),
            row=1,
            col=i,
        )
        fig.add_trace(
            _scatter(
                x=start,
                y=y,
                mode="markers",
                name=f"{name}: at the start",
                legendgroup=name,
                marker={
                    "color": "white",
                    "size": 11,
                    "line": {"color": colour[p], "width": 2},
                    "symbol": "circle",
                },
                customdata=custom,
                hovertemplate=hover,
                meta={"partner": p, "part": "start"},
            ),
            row=1,
            col=i,
        )
        fig.add_trace(
            _scatter(
                x=recent,
                y=y,
                mode="markers",
                name=f"{name}: recently",
                legendgroup=name,
                marker={"color": colour[p], "size": 12, "symbol": "circle"},
                customdata=custom,
                hovertemplate=hover,
                meta={"partner": p, "part": "recent"},
            ),
            row=1,
            col=i,
        )
        # "lowest now" / "highest now" on the layer's own row, beside its dots: above the dot it
        # sat halfway to the row above and read as that row's (reader14 F13).  Right of the
        # row's rightmost dot: never on the change line, nor into the row names on the left.
        # The layer marked is the analysis' (``lags`` / ``leads``); ties each on their own row.
        marked = mark != ""
        right = np.fmax(start, recent)[marked]
        reach = max(reach, float(np.max(right, initial=0)))
        if not marked.any():
            continue
        fig.add_trace(
            _scatter(
                x=right,
                y=np.asarray(y, dtype=object)[marked].tolist(),
                mode="markers+text",
                name=f"{name}: lowest and highest now",
                legendgroup=name,
                showlegend=False,
                # a clear marker the size of the dots: the word starts just past the dot
                marker={"color": "rgba(0,0,0,0)", "size": 12},
                text=mark[marked].tolist(),
                textposition="middle right",
                cliponaxis=False,
                textfont={"size": 11, "color": "#333333"},
                hoverinfo="skip",
                meta={"partner": p, "part": "mark"},
            ),
            row=1,
            col=i,
        )
    _style(fig, title, "", "")
    # side by side on a 390 px phone a panel is about 70 px wide: "Level (1-10)" under each
    # ran into the next one, "Level" fits (the ticks show the 1-10 scale)
    # a word right of a dot past LAYER_WORD_RIGHT_UPTO gets room inside the plot
    top = schemas.SCORE_MAX + 0.5
    if reach > LAYER_WORD_RIGHT_UPTO:
        top = reach + LAYER_WORD_UNITS
    fig.update_xaxes(
        range=[schemas.SCORE_MIN - 0.5, top],
        tickmode="array",
        tickvals=list(range(2, schemas.SCORE_MAX + 1, 2)),
        title_text=x_label if len(order) == 1 else "Level",
    )
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=[labels[m] for m in reversed(present)],
    )
    fig.update_layout(height=max(320, 70 + 48 * len(present)))
    if len(order) > 1:
        fig.update_layout(meta={"narrow": _stacked_layout(fig, len(order), len(present))})
    return fig


#: The layers profile's "lowest now" / "highest now" goes right of its row's rightmost dot; past
#: this level the plot reaches LAYER_WORD_UNITS beyond that dot, so the word (about 65 px) is
#: whole on a 390 px phone, whose stacked panel is about 160 px wide (its ticks stay 2-10).
LAYER_WORD_RIGHT_UPTO = 7.0
LAYER_WORD_UNITS = 5.0

#: Under this width (CSS px) a view draws the layers profile's partners one above the other
#: (``layout.meta["narrow"]``): side by side on a 390 px phone each panel was about 60 px wide.
NARROW_STACK_PX = 600
#: Height (px) of a layer's row when the partners are stacked.
STACK_ROW_PX = 30


def _stacked_layout(fig: go.Figure, n_panels: int, n_rows: int) -> dict:
    """The layout properties that put side-by-side panels one above the other (same traces:
    panel ``i`` keeps its axes ``x{i}``/``y{i}``): each axis' domain and anchor, every panel's
    layer names and scale shown, the panels' titles over each, and the taller height.  Each
    value replaces the wide layout's property of that name one level deep (a view merges
    ``axis.update(narrow[axis])``)."""
    gap_px, top_px, bottom_px = 56, 40, 150  # between panels; title; scale and legend
    panel_px = STACK_ROW_PX * n_rows + 20
    height = top_px + bottom_px + n_panels * panel_px + (n_panels - 1) * gap_px
    plot_px = height - top_px - bottom_px
    out: dict = {"height": height}
    titles = []
    wide = list(fig.layout.annotations)
    for i in range(n_panels):
        top = 1 - i * (panel_px + gap_px) / plot_px
        bottom = max(0.0, top - panel_px / plot_px)
        suffix = "" if i == 0 else str(i + 1)
        out[f"xaxis{suffix}"] = {"domain": [0.0, 1.0], "anchor": f"y{suffix}", "dtick": 2}
        # the scale's name once, under the last panel
        out[f"xaxis{suffix}"]["title"] = {"text": "Level (1-10)" if i == n_panels - 1 else ""}
        out[f"yaxis{suffix}"] = {
            "domain": [round(bottom, 4), round(top, 4)],
            "anchor": f"x{suffix}",
            "showticklabels": True,
        }
        if i < len(wide):
            titles.append({**wide[i].to_plotly_json(), "x": 0.5, "y": round(top, 4)})
    out["annotations"] = titles
    return out


def _plot_layer_weeks(frame, couple_id, partners, names, audience, title) -> go.Figure:
    _require(frame, _TREND_COLUMNS, "weekly")
    data = _one(frame, "couple_id", couple_id, "weekly", "couple_id")
    who = "each of you" if audience == "couple" else "each partner"
    title = _title(title, f"Trust and its six layers over time, as {who} rated them")
    if data.empty:
        return _empty(title, "Week", "Level (1-10)")
    shown = _namer(names)
    order = _partner_order(data["partner"], partners)
    colour = _colours(order)
    measures = [m for m in _LAYER_ORDER if (data["measure"].astype(str) == m).any()]
    measures += sorted(set(data["measure"].astype(str)) - set(measures))
    cols = 1 if len(measures) == 1 else 2
    rows = -(-len(measures) // cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=[
            LAYER_LABELS.get(m, _esc(m.replace("_", " ").capitalize())) for m in measures
        ],
        vertical_spacing=min(0.3 / max(rows - 1, 1), 0.08),
        horizontal_spacing=0.06,
    )
    data = data.sort_values(["partner", "week"])
    for k, m in enumerate(measures):
        r, c = k // cols + 1, k % cols + 1
        dm = data.loc[data["measure"].astype(str) == m]
        for p in order:
            d = dm.loc[dm["partner"].astype(str) == p]
            if d.empty:
                continue
            name = shown(p)
            custom = np.column_stack(
                [
                    np.full(len(d), name, dtype=object),
                    np.full(len(d), LAYER_LABELS.get(m, _esc(m)), dtype=object),
                    _days(d["week"]),
                ]
            )
            common = {
                "x": d["week"],
                "legendgroup": name,
                "customdata": custom,
            }
            fig.add_trace(
                _scatter(
                    y=_floats(d["score"]),
                    mode="markers",
                    name=f"{name}: weekly score",
                    showlegend=False,
                    marker={"color": colour[p], "size": 4, "opacity": 0.6},
                    hovertemplate="%{customdata[0]}, %{customdata[1]}, week of "
                    "%{customdata[2]}: %{y:.1f}<extra></extra>",
                    meta={"partner": p, "measure": m, "part": "score"},
                    **common,
                ),
                row=r,
                col=c,
            )
            fig.add_trace(
                _scatter(
                    y=_floats(d["rolling_mean"]),
                    mode="lines",
                    name=f"{name}: recent average",
                    showlegend=k == 0,
                    line={"color": colour[p], "width": 2},
                    connectgaps=False,
                    hovertemplate="%{customdata[0]}, %{customdata[1]}, week of "
                    "%{customdata[2]}: recent average %{y:.1f}<extra></extra>",
                    meta={"partner": p, "measure": m, "part": "average"},
                    **common,
                ),
                row=r,
                col=c,
            )
    _style(fig, title, "", "")
    fig.update_yaxes(
        range=[schemas.SCORE_MIN - 0.5, schemas.SCORE_MAX + 0.5],
        tickmode="array",
        tickvals=[1, 4, 7, 10],
    )
    if cols == 2 and len(measures) % 2:  # the right column ends a row early: label its axis
        fig.update_xaxes(showticklabels=True, row=rows - 1, col=2)
    fig.update_layout(height=max(320, 60 + 170 * rows))
    return fig


# --------------------------------------------------------------------------------------------
# Triggers
# --------------------------------------------------------------------------------------------

_FREQ_COLUMNS = ("couple_id", "partner", "period_start", "period", "category", "count")


#: The gap between two partners' panels, as a share of the plotting height.
_PANEL_GAP = 0.12


def _partner_panels(data: pd.DataFrame, shown) -> tuple[list[str], go.Figure]:
    """The partners of ``data`` (sorted) and a figure with one panel per partner, stacked."""
    partners = sorted(data["partner"].astype(str).unique().tolist())
    fig = make_subplots(
        rows=len(partners),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[shown(p) for p in partners],
        vertical_spacing=_PANEL_GAP if len(partners) > 1 else 0.0,
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


#: Characters a line of a heat map row's name holds before it wraps (about 90 px at 12 px).
HEAT_LABEL_CHARS = 14
#: Height of a heat map row, px: two lines of a wrapped name at 12 px.
HEAT_ROW_PX = 30


def _wrap_label(text: str, width: int = HEAT_LABEL_CHARS) -> str:
    """``text`` in lines of at most ``width`` characters (a longer word keeps its line), "<br>"
    between them: "TV, film, music or media" -> "TV, film,<br>music or media"."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def plot_trigger_heatmap(
    freq: pd.DataFrame,
    *,
    couple_id: str | None = None,
    names: Mapping[str, str] | None = None,
    title: str | None = None,
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
    names : dict, optional
        Display names by partner id (as in :func:`plot_trend`).
    title : str, optional
        Plain text.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Heatmap`` per partner (sorted), named after the partner, with
        ``z = freq.pivot(index="category", columns="period_start", values="count")`` (categories
        in :data:`trustdata.schemas.TRIGGER_CATEGORIES` order, labelled in words), sharing one
        colour scale (:data:`HEAT_SCALE`) that starts at 0.  The rows' names are written on
        lines of at most :data:`HEAT_LABEL_CHARS` characters (``ticktext``; ``y`` keeps each
        name whole), so that on a 390 px phone the cells keep most of the width.

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
    date_format = "%-d %B %Y" if kind == "week" else "%B %Y"
    title = _title(title, f"When triggers came, each {kind}, by kind")
    if data.empty:
        return _empty(title, x_label, "")
    shown = _namer(names)
    partners, fig = _partner_panels(data, shown)
    for i, p in enumerate(partners, start=1):
        d = data.loc[data["partner"].astype(str) == p]
        z = d.pivot_table(
            index="category", columns="period_start", values="count", aggfunc="first"
        ).reindex(order)
        labels = [CATEGORY_LABELS.get(c, _esc(c)) for c in z.index]
        counts = z.to_numpy(dtype="float64")
        custom = np.stack(
            [
                np.full(z.shape, shown(p), dtype=object),
                plurals(counts.ravel(), "trigger").reshape(z.shape),
            ],
            axis=-1,
        )
        fig.add_trace(
            _heatmap(
                x=z.columns,
                y=labels,
                z=counts,
                name=shown(p),
                coloraxis="coloraxis",
                customdata=custom,
                hovertemplate=f"%{{customdata[0]}}<br>{x_label} of %{{x|{date_format}}}<br>"
                "%{y}: %{customdata[1]}<extra></extra>",
                hoverongaps=False,  # a gap is a period outside this partner's logging
                xgap=1,
                ygap=1,
            ),
            row=i,
            col=1,
        )
    _style(fig, title, "", "")
    fig.update_xaxes(title_text=x_label, row=len(partners), col=1)
    # every category named (plotly skips some when rows are low), on short lines at 12 px: on
    # one line the longest names took 170 of a phone's 348 px and left the cells 7 px wide
    names = list(dict.fromkeys(y for t in fig.data if t.y is not None for y in t.y))
    fig.update_yaxes(
        tickmode="array",
        tickvals=names,
        ticktext=[_wrap_label(n) for n in names],
        tickfont={"size": 12},
    )
    fig.update_layout(margin={"l": 10, "r": 10})  # the names' width is found by automargin
    # rows tall enough for their two-line names (the panels share what the gaps between them
    # leave), and about 230 px for the title, the colour bar above and the months below
    n_rows = sum(len(set(t.y)) for t in fig.data if t.y is not None)
    share = 1 - _PANEL_GAP * (len(partners) - 1)
    fig.update_layout(height=max(420, round(230 + HEAT_ROW_PX * n_rows / share)))
    fig.update_layout(
        coloraxis={
            "colorscale": HEAT_SCALE,
            "cmin": 0,
            # across, above the panels: beside them it took the cells' width on a 390 px phone
            "colorbar": {
                "title": {"text": "Triggers", "side": "top"},
                "orientation": "h",
                "thickness": 10,
                "len": 160,
                "lenmode": "pixels",
                "x": 1,
                "xanchor": "right",
                "y": 1.08,
                "yanchor": "bottom",
            },
        }
    )
    return fig


def plot_trigger_bars(
    freq: pd.DataFrame,
    *,
    couple_id: str | None = None,
    names: Mapping[str, str] | None = None,
    title: str | None = None,
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
    names : dict, optional
        Display names by partner id (as in :func:`plot_trend`).
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
    date_format = "%-d %B %Y" if kind == "week" else "%B %Y"
    title = _title(title, f"How many triggers came each {kind}, by kind")
    if data.empty:
        return _empty(title, x_label, "Triggers")
    shown = _namer(names)
    partners, fig = _partner_panels(data, shown)
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
                _bar(
                    x=dc["period_start"],
                    y=dc["count"].to_numpy(),
                    name=label,
                    legendgroup=c,
                    showlegend=i == 1,
                    marker={"color": CATEGORY_COLOURS.get(c, OKABE_ITO["black"])},
                    customdata=np.column_stack(
                        [
                            mean.astype(object),
                            major.astype(object),
                            np.full(len(dc), shown(p), dtype=object),
                            np.full(len(dc), label, dtype=object),
                            plurals(dc["count"], "trigger"),
                        ]
                    ),
                    hovertemplate=f"%{{customdata[2]}}, {x_label.lower()} of "
                    f"%{{x|{date_format}}}<br>%{{customdata[3]}}: %{{customdata[4]}}<br>"
                    "average intensity %{customdata[0]:.1f}, %{customdata[1]} major"
                    "<extra></extra>",
                    meta={"partner": p, "category": c},
                ),
                row=i,
                col=1,
            )
    _style(fig, title, "", "Triggers")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(rangemode="nonnegative")  # a panel of zeros runs 0-1, not -1 to 1
    # the first period's name sits a little lower, clear of the y axis' "0" beside it (at
    # 390 px "Jan 2024" ran into it)
    fig.update_xaxes(ticklabelstandoff=8)
    fig.update_xaxes(title_text=x_label, row=len(partners), col=1)
    # each further panel adds its height: at 420 px for two, on a 390 px phone (the legend
    # under the plot on six lines) each panel was about 70 px and B's title touched A's axis
    fig.update_layout(height=BARS_HEIGHT + BARS_PANEL_PX * (len(partners) - 1))
    return fig


#: Height (px) of the trigger bars with one partner's panel, and what each further one adds.
BARS_HEIGHT = 420
BARS_PANEL_PX = 160


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
    names: Mapping[str, str] | None = None,
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
    names : dict, optional
        Display names by partner id (as in :func:`plot_trend`).
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
    shown = _namer(names)
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
                _days(start),
                status.astype(object),
                _days(d["trough_date"]),
                _floats(d["trough_score"]),
                _floats(d["depth"]),
                weeks,
                np.full(len(d), shown(p), dtype=object),
                plurals(weeks, "week"),
            ]
        )
        fig.add_trace(
            _bar(
                base=start,
                x=length,
                y=np.full(len(d), shown(p), dtype=object),
                orientation="h",
                name=shown(p),
                marker={
                    "color": colour[p],
                    "pattern": {"shape": np.where(ongoing, "/", "").tolist()},
                },
                customdata=custom,
                hovertemplate="%{customdata[6]}: from %{customdata[0]}, %{customdata[1]} "
                "(%{customdata[7]})<br>lowest %{customdata[3]:.1f} in the week of "
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
        categoryarray=[shown(p) for p in order],
        range=[len(order) - 0.5, -0.5],
    )
    return fig


# --------------------------------------------------------------------------------------------
# Both partners
# --------------------------------------------------------------------------------------------


def plot_partner_gap(
    gap: pd.DataFrame,
    *,
    couple_id: str | None = None,
    names: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """The weekly gap between the partners' scores, with a zero line and the rolling gap.

    Parameters
    ----------
    gap : pandas.DataFrame
        Output of :func:`trustdata.dyad.partner_gap` (used columns ``couple_id, week,
        partner_a, partner_b, score_a, score_b, gap``, and ``rolling_gap`` when present).
    couple_id : str, optional
        Which couple to draw when ``gap`` holds several.
    names : dict, optional
        Display names by partner id (as in :func:`plot_trend`).
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
    shown = _namer(names)
    a, b = shown(data["partner_a"].iloc[0]), shown(data["partner_b"].iloc[0])
    values = _floats(data["gap"])
    colours = np.where(values >= 0, PALETTE[0], PALETTE[1])
    custom = np.column_stack(
        [
            _days(data["week"]),
            _floats(data["score_a"]),
            _floats(data["score_b"]),
            np.full(len(data), a, dtype=object),
            np.full(len(data), b, dtype=object),
        ]
    )
    fig = go.Figure()
    fig.add_trace(
        _bar(
            x=data["week"],
            y=values,
            name="Gap each week",
            # two colours in one trace: the legend gets one entry per colour below
            showlegend=False,
            marker={"color": colours.tolist()},
            customdata=custom,
            hovertemplate="Week of %{customdata[0]}<br>%{customdata[3]}: %{customdata[1]:.1f}, "
            "%{customdata[4]}: %{customdata[2]:.1f}<br>gap %{y:+.1f}<extra></extra>",
        )
    )
    if "rolling_gap" in data.columns:
        fig.add_trace(
            _scatter(
                x=data["week"],
                y=_floats(data["rolling_gap"]),
                mode="lines",
                name="Recent average gap",
                line={"color": OKABE_ITO["black"], "width": 2},
                hovertemplate="Recent average gap %{y:+.1f}<extra></extra>",
            )
        )
    for who, colour, shown_ in (
        (a, PALETTE[0], (values > 0).any()),
        (b, PALETTE[1], (values < 0).any()),
    ):
        if shown_:
            # a legend entry only (no data): what each bar colour means
            fig.add_trace(
                _bar(
                    x=[None],
                    y=[None],
                    name=f"{who} higher",
                    marker={"color": colour},
                    hoverinfo="skip",
                    meta={"legend_only": True},
                )
            )
    fig.add_hline(y=0, line={"color": "#555555", "width": 1})
    _style(fig, title, "Week", f"Gap in points ({a} minus {b})")
    return fig


def plot_expected_band(
    status: pd.DataFrame,
    *,
    partner: str | None = None,
    names: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """One partner's 4-week mean in front of the reference's expected band.

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`trustdata.expected.track_status` for one couple (used columns
        ``partner, week, rolling_mean, expected_low, expected_median, expected_high,
        status``).  Not modified.
    partner : str, optional
        Which partner to draw when ``status`` holds two (default: the only one).
    names : dict, optional
        Display names by partner id (as in :func:`plot_trend`).
    title : str, optional
        Plain text.

    Returns
    -------
    plotly.graph_objects.Figure
        ``Scatter`` traces only: ``"Expected low (10th percentile)"`` (a line),
        ``"Expected range (10th-90th percentile)"`` (``y = expected_high``, filled down to the
        low line), ``"Expected median"`` (dashed), the partner's 4-week mean
        (``y = rolling_mean``) and ``"Not on track"`` (markers on the weeks whose status is
        ``"not_on_track"``; an empty trace when none).

    Examples
    --------
    >>> st = pd.DataFrame({"partner": "A", "week": pd.to_datetime(["2025-01-06", "2025-01-13"]),
    ...     "rolling_mean": [3.0, 2.5], "expected_low": [4.0, 4.1],
    ...     "expected_median": [5.0, 5.2], "expected_high": [6.0, 6.3],
    ...     "status": ["watch", "not_on_track"]})
    >>> fig = plot_expected_band(st)
    >>> [t.type for t in fig.data], fig.data[4].y.tolist()
    (['scatter', 'scatter', 'scatter', 'scatter', 'scatter'], [2.5])
    """
    cols = ("partner", "week", "rolling_mean", "expected_low", "expected_median",
            "expected_high", "status")  # fmt: skip
    _require(status, cols, "status")
    data = _one(status, "partner", partner, "status", "partner")
    shown = _namer(names)
    who = shown(data["partner"].iloc[0]) if len(data) else ""
    title = _title(title, f"{who}: 4-week mean against the expected range")
    data = data.loc[data["expected_low"].notna()].sort_values("week")
    if data.empty:
        return _empty(title, "Week", "Connection (1-10)")
    days = _days(data["week"])
    fig = go.Figure()
    grey = {"color": "#9aa7b8", "width": 1}
    band = (  # column, legend name, line, hover label, fill
        ("expected_low", "Expected low (10th percentile)", grey, "10th percentile", {}),
        (
            "expected_high",
            "Expected range (10th-90th percentile)",
            grey,
            "90th percentile",
            {"fill": "tonexty", "fillcolor": "rgba(154, 167, 184, 0.30)"},
        ),
        (
            "expected_median",
            "Expected median",
            {"color": "#555555", "width": 1.5, "dash": "dash"},
            "median",
            {},
        ),
    )
    for column, name, line, label, fill in band:
        fig.add_trace(
            _scatter(
                x=data["week"],
                y=_floats(data[column]),
                mode="lines",
                **fill,
                name=name,
                line=line,
                customdata=days,
                hovertemplate=f"Week of %{{customdata}}<br>{label} %{{y:.1f}}<extra></extra>",
            )
        )
    custom = np.column_stack([days, np.full(len(data), who, dtype=object)])
    fig.add_trace(
        _scatter(
            x=data["week"],
            y=_floats(data["rolling_mean"]),
            mode="lines",
            name=f"{who}: 4-week mean",
            line={"color": PALETTE[0], "width": 2.5},
            customdata=custom,
            hovertemplate="Week of %{customdata[0]}<br>%{customdata[1]}: 4-week mean "
            "%{y:.1f}<extra></extra>",
        )
    )
    flagged = data.loc[data["status"] == "not_on_track"]
    fig.add_trace(
        _scatter(
            x=flagged["week"],
            y=_floats(flagged["rolling_mean"]),
            mode="markers",
            name="Not on track",
            marker={"color": OKABE_ITO["vermillion"], "size": 8, "symbol": "x"},
            customdata=_days(flagged["week"]),
            hovertemplate="Week of %{customdata}<br>not on track<extra></extra>",
        )
    )
    _style(fig, title, "Week", "Connection (1-10)")
    return fig


def plot_expected_curves(curves: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """A reference's expected curves: per role, the percentile band and median by week.

    Parameters
    ----------
    curves : pandas.DataFrame
        Output of :func:`trustdata.expected.expected_curves` (used columns ``role,
        baseline, aligned_week, low, median, high, n_couples``).  Not modified.
    title : str, optional
        Plain text.

    Returns
    -------
    plotly.graph_objects.Figure
        Per role (sorted): the band's edges (``meta`` parts ``"low"`` / ``"high"``, the lower
        filled to the upper) and the median line ``"<role> (baseline b)"`` (``y = median``,
        ``meta = {"role": ..., "part": "median"}``), its hover naming the couples that week.

    Examples
    --------
    >>> cur = pd.DataFrame({"role": "hurt", "baseline": 3.0, "aligned_week": [5, 6],
    ...     "low": [2.5, 2.6], "median": [3.2, 3.4], "high": [4.0, 4.3], "n_couples": 40})
    >>> plot_expected_curves(cur).data[-1].y.tolist()
    [3.2, 3.4]
    """
    cols = ("role", "baseline", "aligned_week", "low", "median", "high", "n_couples")
    _require(curves, cols, "curves")
    title = _title(title, "Expected 4-week mean by weeks since the discovery")
    x_words = "Weeks since the discovery or disclosure"
    if curves.empty:
        return _empty(title, x_words, "Connection (1-10)")
    roles = sorted(curves["role"].astype(str).unique().tolist())
    colour = _colours(roles)
    fig = go.Figure()
    for role in roles:
        d = curves.loc[curves["role"].astype(str) == role].sort_values("aligned_week")
        name = f"{_esc(role)} (baseline {float(d['baseline'].iloc[0]):g})"
        _add_band(
            fig,
            d["aligned_week"],
            _floats(d["low"]),
            _floats(d["high"]),
            colour=colour[role],
            name=name,
            meta={"role": role},
            parts=("low", "high"),
        )
        fig.add_trace(
            _scatter(
                x=d["aligned_week"],
                y=_floats(d["median"]),
                mode="lines",
                name=name,
                legendgroup=name,
                line={"color": colour[role], "width": 2.5},
                customdata=np.column_stack(
                    [
                        d["n_couples"].to_numpy().astype(object),
                        _floats(d["low"]).astype(object),
                        _floats(d["high"]).astype(object),
                    ]
                ),
                hovertemplate="week %{x}: median %{y:.2f}, band %{customdata[1]:.2f}-"
                "%{customdata[2]:.2f} (%{customdata[0]} reference couples)<extra></extra>",
                meta={"role": role, "part": "median"},
            )
        )
    _style(fig, title, x_words, "Connection (1-10)")
    fig.update_yaxes(range=[schemas.SCORE_MIN - 0.5, schemas.SCORE_MAX + 0.5])
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
            _scatter(
                x=d[x],
                y=_floats(d["mean"]),
                mode="lines+markers",
                name=name,
                legendgroup=name,
                line={"color": colour[g], "width": 2.5},
                customdata=np.column_stack(
                    [
                        pd.to_numeric(d["n_couples"], errors="coerce").to_numpy().astype(object),
                        np.full(len(d), name, dtype=object),
                        plurals(d["n_couples"], "couple"),
                    ]
                ),
                hovertemplate="%{customdata[1]}<br>%{x}: mean %{y:.2f} "
                "(%{customdata[2]})<extra></extra>",
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
                np.full(len(d), name, dtype=object),
                plurals(pd.to_numeric(d["at_risk"], errors="coerce").fillna(0), "couple"),
            ]
        )
        fig.add_trace(
            _scatter(
                x=d["weeks"].to_numpy(),
                y=_floats(d["survival"]),
                mode="lines",
                name=name,
                legendgroup=name,
                line={"color": colour[g], "width": 2.5, "shape": "hv"},
                customdata=custom,
                hovertemplate="%{customdata[2]}, week %{x}<br>%{y:.0%} not yet at a good level<br>"
                "%{customdata[3]} still followed and not yet there, "
                "%{customdata[1]} got there this week<extra></extra>",
                meta={"group": g, "part": "survival"},
            )
        )
    _style(fig, title, x_label, y_label)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    fig.update_xaxes(rangemode="tozero")
    return fig


# --------------------------------------------------------------------------------------------
# Figures outside JupyterLab: a static image beside the interactive JSON
# --------------------------------------------------------------------------------------------

#: Width in CSS pixels of the static image of a figure (a page or a notebook column).
IMAGE_WIDTH = 900
_KALEIDO_STARTED = False
_PLOTLYJS_SENT = False


def _start_kaleido() -> None:
    """Start kaleido's Chromium once per process (then about 0.3 s an image, not 2.5 s)."""
    global _KALEIDO_STARTED
    if _KALEIDO_STARTED:
        return
    import atexit

    import kaleido

    # mathjax=False: kaleido's page would otherwise load MathJax from a CDN; plotly.js comes
    # from the plotly package, so rendering fetches nothing.
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    atexit.register(kaleido.stop_sync_server, silence_warnings=True)
    _KALEIDO_STARTED = True


def to_image(
    fig: go.Figure,
    *,
    format: str = "png",
    width: int = IMAGE_WIDTH,
    height: int | None = None,
    scale: float = 2.0,
) -> bytes:
    """A static PNG or SVG of a figure, drawn offline by kaleido in Debian's Chromium.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Any figure of this module.
    format : {"png", "svg"}, default "png"
    width, height : int, optional
        Size in CSS pixels; ``height`` defaults to the figure's own height, else 450.
    scale : float, default 2
        Pixel density of a PNG (2 = sharp on high-density screens and in print).

    Returns
    -------
    bytes
        The image.  Nothing is fetched: plotly.js comes from the plotly package and MathJax
        is off.

    Raises
    ------
    trustdata.TrustDataError
        When kaleido or Chromium is missing, with how to install them.
    """
    from trustdata.errors import TrustDataError

    if format not in ("png", "svg"):
        raise ValueError(
            f"The value for `format` must be one of ['png', 'svg'], but {format!r} was passed."
        )
    height = int(height or fig.layout.height or 450)
    try:
        import kaleido

        _start_kaleido()
        return kaleido.calc_fig_sync(
            fig, opts={"format": format, "width": int(width), "height": height, "scale": scale}
        )
    except ImportError as exc:
        raise TrustDataError(
            "Static chart images need kaleido: `pip install kaleido` (it draws with the "
            "Chromium of `apt-get install chromium`)."
        ) from exc
    except Exception as exc:  # kaleido / choreographer: no browser, or it failed to start
        raise TrustDataError(
            "Could not draw a static chart image with Chromium (install it with "
            f"`apt-get install chromium`, or set BROWSER_PATH): {exc}"
        ) from exc


class OfflineFigure:
    """A figure that shows everywhere: interactive in JupyterLab, a still image elsewhere.

    Its MIME bundle holds plotly's JSON (JupyterLab and VS Code draw it interactively), a PNG
    (what ``jupyter nbconvert --to html``, a code host or a printer shows; no network, no
    script) and a plain-text line.  When no image can be drawn (no Chromium), the PNG is
    replaced by offline HTML with plotly.js embedded (once per kernel).  Made by
    :func:`offline`.
    """

    def __init__(self, fig: go.Figure, *, width: int = IMAGE_WIDTH, height: int | None = None):
        self.figure = fig
        self.width = int(width)
        self.height = height

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64
        import json

        global _PLOTLYJS_SENT
        from trustdata.errors import TrustDataError

        fig = self.figure
        title = fig.layout.title.text or "Chart"
        bundle: dict = {
            "application/vnd.plotly.v1+json": {
                **json.loads(fig.to_json()),
                "config": {"displaylogo": False, "responsive": True},
            },
            "text/plain": f"[chart] {_unescape(title)}",
        }
        meta: dict = {}
        try:
            png = to_image(fig, width=self.width, height=self.height)
        except TrustDataError:
            bundle["text/html"] = fig.to_html(
                full_html=False,
                include_plotlyjs=not _PLOTLYJS_SENT,
                config={"displaylogo": False},
            )
            _PLOTLYJS_SENT = True
        else:
            bundle["image/png"] = base64.b64encode(png).decode("ascii")
            meta["image/png"] = {"width": self.width}
        return bundle, meta


def _unescape(text: str) -> str:
    """Escaped figure text back to the characters a reader sees (for plain-text output)."""
    import html as _html

    return _html.unescape(text)


def offline(
    fig: go.Figure, *, width: int = IMAGE_WIDTH, height: int | None = None
) -> OfflineFigure:
    """Wrap a figure so a notebook shows it also outside JupyterLab (see :class:`OfflineFigure`).

    Use it as a cell's last expression or with ``display(...)``:
    ``charts.offline(charts.plot_trend(trend))``.

    Examples
    --------
    >>> fig = plot_trend(pd.DataFrame(columns=list(_TREND_COLUMNS)))
    >>> wrapped = offline(fig, width=600)
    >>> wrapped.figure is fig, wrapped.width
    (True, 600)
    """
    return OfflineFigure(fig, width=width, height=height)
