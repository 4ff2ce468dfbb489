"""What keeps one report cheap: templates compiled ahead, no heavy module it does not use.

Behavioural checks only (no timing: speed is measured in benchmarks/bench_pipeline.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jinja2
import pytest

from trustdata import report

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_compiled_templates_are_current():
    # run `python scripts/compile_templates.py` after editing a template
    shipped = resources.files("trustdata").joinpath("resources", report.COMPILED_TEMPLATES)
    assert shipped.read_text("utf-8") == report.compiled_templates()


def test_shipped_plotly_white_is_current_and_what_plotly_validates():
    import plotly.graph_objects as go

    from trustdata import charts

    shipped = resources.files("trustdata").joinpath("resources", charts.WHITE_TEMPLATE)
    assert shipped.read_text("utf-8") == charts.white_template_resource()
    assert charts._shipped_white() is not None  # made from this plotly's own file
    fig = go.Figure()
    fig.update_layout(template="plotly_white")
    fast = go.Figure()
    charts._white_template(fast)
    assert fast.to_json() == fig.to_json()


def test_compiled_template_is_used_only_for_its_own_source():
    cache = report._precompiled_cache(jinja2)
    env = report._env()
    source = report._template_source("blocks.html.j2")
    assert cache.get_bucket(env, "blocks.html.j2", None, source).code is not None
    # an edited template (or an unknown one) is compiled from its source
    assert cache.get_bucket(env, "blocks.html.j2", None, source + " ").code is None
    assert cache.get_bucket(env, "other.html.j2", None, source).code is None


def test_compiled_templates_render_what_the_source_renders():
    fresh = jinja2.Environment(
        loader=jinja2.FunctionLoader(report._template_source),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    fresh.filters.update(report._env().filters)
    args = ("chart-1", "Per <week>", 420, 315, report.PRINT_WIDTH)
    ours = report._env().get_template("blocks.html.j2").module.chart(*args)
    theirs = fresh.get_template("blocks.html.j2").module.chart(*args)
    assert str(ours) == str(theirs)
    assert "Per &lt;week&gt;" in str(ours)


def test_report_command_imports_no_heavy_module_it_does_not_use(tmp_path):
    out = tmp_path / "page.html"
    code = (
        "import json, sys, runpy\n"
        f"sys.argv = ['trustdata', 'report', {str(ROOT / 'data/sample/couples')!r}, "
        f"'--couple', 'couple-01', '-o', {str(out)!r}]\n"
        "try:\n"
        "    runpy.run_module('trustdata', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert out.is_file()
    heavy = ("statsmodels", "hypothesis", "dask", "distributed", "kaleido", "matplotlib")
    assert not {m for m in loaded if m.split(".")[0] in heavy}


@pytest.mark.parametrize("audience", ["couple", "therapist"])
def test_report_command_never_imports_scipy_stats(tmp_path, audience):
    # importing scipy.stats costs about 0.5 CPU s (a third of a report) and brings
    # scipy.optimize, spatial, interpolate, ... with it; the report's distribution functions
    # are trustdata._dist's.  The modules are read when the real command's process exits, so
    # that no import anywhere in the run (a later one included) can bring it back unnoticed.
    out = tmp_path / "page.html"
    code = (
        "import atexit, json, runpy, sys\n"
        "atexit.register(lambda: print(json.dumps(sorted(sys.modules))))\n"
        f"sys.argv = ['trustdata', 'report', {str(ROOT / 'data/sample/couples')!r}, "
        f"'--couple', 'couple-01', '--audience', {audience!r}, '-o', {str(out)!r}]\n"
        "runpy.run_module('trustdata', run_name='__main__', alter_sys=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert out.is_file()
    assert "trustdata.triggers" in loaded and "scipy.special" in loaded  # the analyses ran
    assert not {m for m in loaded if m == "scipy.stats" or m.startswith("scipy.stats.")}


def _report_figures(bundled_sample, audience, couple="couple-01"):
    """The figures one page draws (couple-01's: trends with a key of numbered events, bars,
    layers, setbacks).  ``bundled_sample``: tests/conftest.py's, whose review is
    ``report.review(io.load(the sample), couple, today=...)`` made once per worker."""
    r = bundled_sample.review(couple, today="2026-01-01")
    figures = []
    original = report.Charts.add

    def add(self, fig, **kwargs):
        figures.append(fig)
        return original(self, fig, **kwargs)

    report.Charts.add = add
    try:
        report.render(r, audience=audience)
    finally:
        report.Charts.add = original
    return figures


def test_fast_copy_of_a_validated_figure_is_the_validated_copy(bundled_sample):
    import plotly.graph_objects as go
    import plotly.io as pio

    from trustdata import charts

    figures = _report_figures(bundled_sample, "therapist")
    assert any(charts.event_key_px(f) for f in figures)  # a key of numbered events is covered
    for fig in figures:
        assert pio.to_json(charts._copy_figure(fig)) == pio.to_json(go.Figure(fig))
        for width in (report.PRINT_WIDTH - 80,):
            slow = go.Figure(go.Figure(fig))
            if any(t.meta and t.meta.get("part") == "events" for t in slow.data):
                charts._name_events(slow, width)
            fast = charts._relabel(charts._copy_validated(charts._copy_figure(fig)), width)
            assert pio.to_json(fast, validate=False) == pio.to_json(slow, validate=False)
            assert pio.to_json(charts.relabel_events(fig, width)) == pio.to_json(slow)
        # and the fast copy validates what is set on it afterwards, as any figure does
        copy = charts._copy_validated(go.Figure(fig))
        copy.update_layout(margin={"t": 7})
        assert copy.layout.margin.t == 7
        try:
            copy.update_layout(margin={"t": "seven"})
        except ValueError:
            pass
        else:
            raise AssertionError("a copy set a margin of words")


@pytest.mark.parametrize("audience", ["couple", "therapist"])
def test_copy_in_plotly_order_is_plotly_copy(bundled_sample, audience):
    # Charts.add copies each figure by charts._copy_in_order (its properties put in plotly's
    # order, not validated again): the same figure as go.Figure(fig), to the byte, and a copy
    # that validates what is set on it afterwards
    import plotly.graph_objects as go
    import plotly.io as pio

    from trustdata import charts

    figures = _report_figures(bundled_sample, audience)
    figures.append(go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout={"template": "plotly"}))
    for fig in figures:
        fast = charts._copy_in_order(fig)
        assert fast is not None  # every chart of the page takes the fast copy
        assert pio.to_json(fast, validate=False) == pio.to_json(go.Figure(fig), validate=False)
        assert fast._grid_ref == fig._grid_ref
        with pytest.raises(ValueError):
            fast.update_layout(margin={"t": "seven"})
    # a figure with a property it does not know is left to plotly (None)
    odd = charts._style(go.Figure(), "A title", "x", "y")  # the shipped template, as a page's
    assert charts._copy_in_order(odd) is not None
    odd.layout._props["notaproperty"] = 1
    assert charts._copy_in_order(odd) is None


def test_charts_made_from_dicts_are_the_charts_made_from_plotly_objects(
    monkeypatch, bundled_sample
):
    # The charts hand traces, shapes and annotations to plotly as dicts (validated once, when
    # added) and style a one-plot figure in one update: every sample page must be, to the
    # byte, the page made with go.Scatter, go.Bar, go.layout.Shape, ... (validated when made
    # and again when added) and three updates.
    import plotly.graph_objects as go

    from trustdata import charts

    def reference_style(fig, title, x_label, y_label):
        charts._white_template(fig)
        fig.update_layout(
            title={"text": title, "x": 0.02},
            font={"family": charts.FONT, "size": 14},
            hoverlabel={"font": {"family": charts.FONT}},
            legend=dict(charts.LEGEND),
            margin={"l": 60, "r": 20, "t": 60, "b": 60},
        )
        fig.update_xaxes(title_text=x_label)
        fig.update_yaxes(title_text=y_label)
        return fig

    # report.review(io.load(the sample), couple, **options) and report.render of it, made once
    # per worker (tests/conftest.py); the pages made from plotly objects are rendered here
    reference = str(ROOT / "data" / "sample" / "cohort")
    made = [(c, {"today": "2026-01-05"}) for c in bundled_sample.logs().couple_ids]
    made.append(("couple-02", {"today": "2026-01-05", "reference": reference}))
    reviews = [bundled_sample.review(c, **options) for c, options in made]
    pages = [(r, a) for r in reviews for a in report.AUDIENCES]
    fast = [
        bundled_sample.page(c, a, True, **options) for c, options in made for a in report.AUDIENCES
    ]
    with monkeypatch.context() as m:
        m.setattr(charts, "_scatter", go.Scatter)
        m.setattr(charts, "_bar", go.Bar)
        m.setattr(charts, "_heatmap", go.Heatmap)
        m.setattr(charts, "_shape", go.layout.Shape)
        m.setattr(charts, "_annotation", go.layout.Annotation)
        m.setattr(charts, "_style", reference_style)
        slow = [report.render(r, audience=a, include_expected=True) for r, a in pages]
    assert len(fast) == 10 and all("Plotly.newPlot" in page for page in fast)
    for (r, audience), one, other in zip(pages, fast, slow, strict=True):
        assert one == other, (r.couple_id, audience, r.reference_given)
    # a chart is still a validated figure: what is added as a dict is checked when added
    fig = charts.plot_trend(reviews[0].trends["connection"])
    assert all(isinstance(t, go.Scatter) for t in fig.data)
    with pytest.raises(ValueError):
        go.Figure().add_trace(charts._scatter(x=[1], mode="sideways"))


def test_shipped_validators_are_plotlys_own_and_any_other_is_read_from_plotly():
    import json

    import plotly
    from plotly.validator_cache import ValidatorCache

    from trustdata import charts

    # run `python scripts/ship_plotly_validators.py` after upgrading plotly
    shipped = json.loads(
        resources.files("trustdata").joinpath("resources", charts.VALIDATORS).read_text("utf-8")
    )
    with charts._validators_file().open("r") as f:
        table = json.load(f)
    assert shipped["plotly"] == plotly.__version__
    assert shipped["size"] == charts._validators_file().stat().st_size
    assert {"scatter.x", "bar.y", "layout.annotations"} <= set(shipped["validators"])
    assert all(table[name] == entry for name, entry in shipped["validators"].items())
    # an entry it does not hold: plotly's whole table takes its place, the entries read so
    # far (as plotly may have changed them) kept
    some = charts._SomeValidators({"scatter.x": {"changed": True}})
    saved = ValidatorCache._json_cache
    try:
        assert some.get("scatter.x") == {"changed": True}
        assert some.get("heatmap.zsmooth") == table["heatmap.zsmooth"]
        assert ValidatorCache._json_cache is not some
        assert ValidatorCache._json_cache["scatter.x"] == {"changed": True}
        assert len(ValidatorCache._json_cache) == len(table)
        assert some.get("no.such.property") is None
    finally:
        ValidatorCache._json_cache = saved
    # and in a process that has read plotly's table already, nothing changes
    assert ValidatorCache._json_cache is None or not charts.use_shipped_validators()


def test_report_command_starts_plotly_from_the_shipped_validators(tmp_path):
    out = tmp_path / "page.html"
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['trustdata', 'report', {str(ROOT / 'data/sample/couples')!r}, "
        f"'--couple', 'couple-02', '--audience', 'therapist', '-o', {str(out)!r}]\n"
        "try:\n"
        "    runpy.run_module('trustdata', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "from plotly.validator_cache import ValidatorCache\n"
        "print(type(ValidatorCache._json_cache).__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    # every property of the page was validated from the shipped entries: none was missing
    # (a chart that sets a new kind of property: run `python scripts/ship_plotly_validators.py`)
    assert done.stdout.strip().splitlines()[-1] == "_SomeValidators", "resource out of date"
    assert out.is_file()
