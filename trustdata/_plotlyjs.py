"""The plotly.js that trustdata embeds in its offline pages: a partial bundle, checked.

The report and the notebooks' offline figures embed plotly.js once, inline, so that a page works
with no network. plotly.py's own bundle is 4.8 MB, most of it maps, 3-D and WebGL traces trustdata
never draws; the vendored ``plotly.js-cartesian`` bundle of the same version holds every trace type
the charts use (:data:`TRACE_TYPES`) in 1.5 MB. See ``resources/plotlyjs/README.md``.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources

__all__ = ["BUNDLE_VERSION", "TRACE_TYPES", "plotly_js", "unsupported_traces"]

#: The plotly.js version of the vendored bundle (it must equal plotly.py's).
BUNDLE_VERSION = "4.1.1"

#: The trace types the vendored bundle can draw (from the bundle's own README).
TRACE_TYPES = frozenset(
    {
        "bar",
        "box",
        "contour",
        "heatmap",
        "histogram",
        "histogram2d",
        "histogram2dcontour",
        "image",
        "pie",
        "scatter",
        "scatterternary",
        "violin",
    }
)

_FILE = f"plotly-cartesian-{BUNDLE_VERSION}.min.js"
_SHA256 = "79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a"


def _expected_version() -> str:
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


@functools.cache
def plotly_js(*, partial: bool = True) -> str:
    """The plotly.js source to embed in an offline page.

    Parameters
    ----------
    partial : bool, default True
        Embed the vendored cartesian bundle (1.5 MB). It is used only when its version equals the
        one plotly.py expects and its bytes are the vendored ones; otherwise, and with
        ``partial=False``, plotly.py's full bundle (4.8 MB) is returned.

    Returns
    -------
    str
        JavaScript that defines ``window.Plotly``.

    Examples
    --------
    >>> from trustdata._plotlyjs import plotly_js
    >>> js = plotly_js()
    >>> "window.Plotly" in js and len(js) < 2_000_000
    True
    """
    if partial and _expected_version() == BUNDLE_VERSION:
        data = resources.files("trustdata").joinpath("resources", "plotlyjs", _FILE).read_bytes()
        if hashlib.sha256(data).hexdigest() == _SHA256:
            return data.decode("utf-8")
    import plotly.offline

    return plotly.offline.get_plotlyjs()


def unsupported_traces(figures) -> list[str]:
    """Trace types in ``figures`` that the vendored bundle cannot draw (sorted, unique).

    Parameters
    ----------
    figures : iterable of plotly.graph_objects.Figure

    Returns
    -------
    list of str
        Empty when every trace can be drawn by the partial bundle.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> from trustdata._plotlyjs import unsupported_traces
    >>> unsupported_traces([go.Figure(go.Scatter(x=[1], y=[2])), go.Figure(go.Scatterpolar())])
    ['scatterpolar']
    """
    found = {trace.type for fig in figures for trace in fig.data}
    return sorted(found - TRACE_TYPES)
