"""The notebooks outside JupyterLab: the documented `jupyter nbconvert --to html --execute
--template-file notebooks/offline.html.j2 NOTEBOOK` shows every chart and loads nothing.

Each chart of the couple and therapist notebooks goes through :func:`trustdata.charts.offline`,
whose output carries a PNG beside plotly's JSON: the exported page shows the charts as inline
images.  The template leaves out the scripts nbconvert's lab page fetches from cdnjs (require.js,
MathJax, mermaid) and forbids any request: no script, no link to the network, and Chromium,
opening the page, asks for nothing but the file.  The couple's copy shows no code, no checks and
no NaN.  Runs the real command (as a reader would), so it takes about 30 s a notebook.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER = Path(sys.executable).with_name("jupyter")

# charts each notebook draws for the sample's first couple (couple-01): every call of
# charts.offline that runs
CHARTS = {
    # connection trend, trust trend, layers profile, trigger bars, setback timeline
    "our_progress.ipynb": 5,
    # connection trend, partner gap, trust trend, layers profile, layers over time, setback
    # timeline, the expected band of each partner (against the bundled synthetic reference),
    # trigger heat map
    "therapist_review.ipynb": 9,
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists() and not os.environ.get("BROWSER_PATH"),
        reason="static chart images need Chromium (apt-get install chromium)",
    ),
]


#: The command the couple's notebook gives for its offline copy (run from the trustdata folder).
DOCUMENTED = re.compile(
    r"`(jupyter nbconvert --to html --execute [^`]*notebooks/our_progress\.ipynb)`"
)


def _documented_command() -> list[str]:
    book = json.loads((ROOT / "notebooks" / "our_progress.ipynb").read_text(encoding="utf-8"))
    text = "".join("".join(c["source"]) for c in book["cells"] if c["cell_type"] == "markdown")
    found = DOCUMENTED.findall(text)
    assert len(found) == 1, found
    return found[0].split()


def test_the_documented_command_is_the_offline_one():
    assert _documented_command() == [
        "jupyter", "nbconvert", "--to", "html", "--execute",
        "--template-file", "notebooks/offline.html.j2", "notebooks/our_progress.ipynb",
    ]  # fmt: skip
    for doc in ("docs/charts.md", "docs/privacy.md"):
        text = re.sub(r"\s+", " ", (ROOT / doc).read_text(encoding="utf-8"))
        assert "--template-file notebooks/offline.html.j2" in text, doc


def _export(name: str, out: Path) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    words = _documented_command()  # the same options for both notebooks
    cmd = [
        str(JUPYTER) if JUPYTER.exists() else shutil.which("jupyter") or "jupyter",
        *words[1:-1],
        "notebooks/" + name,
        "--output-dir",
        str(out),
    ]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return (out / name.replace(".ipynb", ".html")).read_text(encoding="utf-8")


def _visible_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<img\b[^>]*>", " [chart] ", page, flags=re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("nbhtml")
    return {name: _export(name, out) for name in CHARTS}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_is_an_inline_image_in_the_exported_page(pages, name):
    page = pages[name]
    images = re.findall(r"<img\b[^>]*\bsrc=\"data:image/png;base64,([A-Za-z0-9+/=]{2000,})\"", page)
    assert len(images) == CHARTS[name]
    # the images are the charts (plotly's static export), each one different
    assert len(set(images)) == len(images)
    # no chart needs a script: plotly.js is not in the page and no image points elsewhere
    assert "Plotly.newPlot" not in page
    assert not re.search(r"<img\b[^>]*\bsrc=\"(?!data:)", page)


#: Anything in a page that makes a browser fetch (or run) something.
FETCHES = re.compile(
    r"<script\b|<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//|\b(?:src|href|action|poster|data)"
    r"\s*=\s*[\"']?\s*(?:https?:)?//|url\(\s*[\"']?\s*(?:https?:)?//|@import\b|<iframe\b|<object\b"
    r"|<embed\b",
    re.I,
)


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_the_exported_pages_hold_no_script_and_no_link_to_the_network(pages, name):
    page = pages[name]
    assert not FETCHES.search(page), FETCHES.search(page)
    metas = re.findall(r"<meta\b[^>]*>", page, flags=re.I)
    policy = [m for m in metas if 'http-equiv="Content-Security-Policy"' in m]
    assert len(policy) == 1 and "content=\"default-src 'none'; img-src data:;" in policy[0]


def test_the_pattern_finds_what_nbconverts_own_page_fetches():
    # what `jupyter nbconvert --to html` (lab template) puts in a page: the test must see it
    for fetch in (
        '<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js">',
        '<link rel="stylesheet" href="https://example.org/a.css">',
        "<img src='//example.org/x.png'>",
        "background: url( https://example.org/x.png)",
        '@import "x.css";',
        '<script type="module">',
    ):
        assert FETCHES.search(fetch), fetch
    assert not FETCHES.search('<img src="data:image/png;base64,AAAA"> <a href="#top">')


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chromium_opening_the_exported_page_asks_for_nothing_but_the_file(
    pages, name, tmp_path, browser
):
    path = tmp_path / name.replace(".ipynb", ".html")
    path.write_text(pages[name], encoding="utf-8")
    requests: list[str] = []
    page = browser.new_page()
    try:
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_timeout(500)
        drawn = page.evaluate(
            "[...document.images].filter(i => i.complete && i.naturalWidth > 0).length"
        )
    finally:
        page.close()
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert drawn == CHARTS[name]  # the charts still show


def test_the_couples_copy_shows_no_code_no_checks_and_no_nan(pages):
    text = _visible_text(pages["our_progress.ipynb"])
    squeezed = re.sub(r"\s+", "", text)  # highlighted code is split into tokens
    for code in ("importtrustdata", "charts.offline", "#Checks", "assert", "LOGS="):
        assert code not in squeezed, code
    for missing in ("NaN", "NaT", "nan", "None", "<NA>"):
        assert not re.search(rf"\b{re.escape(missing)}\b", text), missing
    assert "The six layers of trust" in text and "[chart]" in text


def test_the_therapists_copy_keeps_its_code_and_checks(pages):
    squeezed = re.sub(r"\s+", "", _visible_text(pages["therapist_review.ipynb"]))
    assert "#Checks" in squeezed and "charts.offline" in squeezed


def test_the_couples_notebook_never_carries_an_abuse_note(tmp_path):
    # the joint page may be opened by either partner: the note must be nowhere in the executed
    # notebook (its plotly JSON, hover text included), and the safety notice must come first
    logs = tmp_path / "logs"
    shutil.copytree(
        ROOT / "data" / "sample" / "couples", logs, ignore=shutil.ignore_patterns("truth")
    )
    with (logs / "events.csv").open("a", encoding="utf-8") as f:
        f.write("couple-01,2024-09-02,abuse,B,Pushed me during an argument\n")
    book = json.loads((ROOT / "notebooks" / "our_progress.ipynb").read_text(encoding="utf-8"))
    params = "".join(book["cells"][0]["source"]).replace('"data/sample/couples"', repr(str(logs)))
    book["cells"][0]["source"] = params.splitlines(keepends=True)
    copy = tmp_path / "our_progress.ipynb"
    copy.write_text(json.dumps(book), encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    jupyter = str(JUPYTER) if JUPYTER.exists() else shutil.which("jupyter") or "jupyter"
    cmd = [
        jupyter,
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        str(copy),
        "--output",
        "run.ipynb",
    ]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    run = (tmp_path / "run.ipynb").read_text(encoding="utf-8")
    assert "Pushed me" not in run
    outputs = [o for c in json.loads(run)["cells"] for o in c.get("outputs", [])]
    first = "".join(outputs[0]["data"]["text/markdown"])
    assert "safety comes first" in first


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_the_exported_pages_carry_no_warning(pages, name):
    # a warning a cell prints (stderr) lands in the reader's page, e.g. pandas' "obj.round has
    # no effect with datetime ..." from rounding a whole frame that holds dates
    page = pages[name]
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page
    found = re.findall(r"\b\w*Warning\b[^<]{0,120}", _visible_text(page))
    assert not found, found
