"""The embedded plotly.js: the vendored partial bundle, its guard, and the report's size."""

from __future__ import annotations

import hashlib

import plotly.graph_objects as go
import pytest

from trustdata import _plotlyjs


def test_the_vendored_bundle_is_plotly_pys_version():
    # plotly.py draws with the plotly.js it was built for: the vendored bundle must be that version.
    import plotly.offline

    assert plotly.offline.get_plotlyjs_version() == _plotlyjs.BUNDLE_VERSION
    js = _plotlyjs.plotly_js()
    assert f"plotly.js (cartesian - minified) v{_plotlyjs.BUNDLE_VERSION}" in js[:200]
    assert "window.Plotly = Plotly;" in js
    assert hashlib.sha256(js.encode("utf-8")).hexdigest() == _plotlyjs._SHA256


def test_a_version_mismatch_falls_back_to_the_full_bundle(monkeypatch):
    import plotly.offline

    monkeypatch.setattr(_plotlyjs, "_expected_version", lambda: "99.0.0")
    _plotlyjs.plotly_js.cache_clear()
    try:
        assert _plotlyjs.plotly_js() == plotly.offline.get_plotlyjs()
    finally:
        _plotlyjs.plotly_js.cache_clear()


def test_partial_false_gives_the_full_bundle():
    import plotly.offline

    assert _plotlyjs.plotly_js(partial=False) == plotly.offline.get_plotlyjs()
    assert len(_plotlyjs.plotly_js()) < len(_plotlyjs.plotly_js(partial=False)) / 3


@pytest.mark.parametrize(
    ("trace", "expected"),
    [(go.Scatter(), []), (go.Heatmap(), []), (go.Bar(), []), (go.Scattergl(), ["scattergl"])],
)
def test_unsupported_traces(trace, expected):
    assert _plotlyjs.unsupported_traces([go.Figure(trace)]) == expected


def test_every_chart_of_every_sample_page_is_drawable_by_the_partial_bundle(
    monkeypatch, bundled_sample
):
    # a chart with a trace type outside the cartesian bundle would draw nothing in the report
    from trustdata import report

    # report.build(logs, couple, audience=...) is report.render of review(logs, couple): the
    # reviews are the worker's (tests/conftest.py), the pages are rendered here to record them
    logs = bundled_sample.logs()
    reviews = [bundled_sample.review(couple) for couple in logs.couple_ids]
    seen = []
    real_add = report.Charts.add

    def recording_add(self, fig, **kwargs):
        seen.append(fig)
        return real_add(self, fig, **kwargs)

    monkeypatch.setattr(report.Charts, "add", recording_add)
    for r in reviews:
        for audience in ("couple", "therapist"):
            report.render(r, audience=audience)
    assert len(seen) >= 8 * len(logs.couple_ids)
    assert _plotlyjs.unsupported_traces(seen) == []
    assert {t.type for fig in seen for t in fig.data} >= {"scatter", "bar", "heatmap"}
