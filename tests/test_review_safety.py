"""An abuse record the loader rejected keeps the safety notice (reader8 F3).

A year typed wrong (``2052-03-15`` for 2025) or a date that is no date quarantines the events
record; its ``kind`` still reads ``abuse``.  The review's safety fact (``review._safety``) sees
it in ``logs.rejected``: the couple page, the therapist page and both notebooks open with the
safety notice, which says the record could not be read and where (file, line).  Without abuse
anywhere (a rejected record of another kind, another couple's record) there is no notice.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import trustdata
from trustdata import charts, report
from trustdata.review import review, unread_abuse

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "couples"
NOTICE = "Abuse has been recorded in these logs."
TITLE = "Your safety comes first"
#: The couple page's encouragement that the notice replaces (couple-01 has small wins).
SMALL_WINS = "<h2>Small wins"

#: One line appended to the sample's events.csv (line 32: 30 events and the header before it).
LINES = {
    "future": "couple-01,2052-03-15,abuse,B,he pushed me",
    "bad_date": "couple-01,2025-13-15,abuse,B,he pushed me",
    "day_first": "couple-01,15/03/2025,Abuse ,,",
    "kind_in_words": "couple-01,2052-03-15,domestic abuse,B,",
}


def _folder(tmp: Path, *lines: str) -> Path:
    folder = tmp / "logs"
    shutil.copytree(SAMPLE, folder)
    events = folder / "events.csv"
    text = events.read_text("utf-8")
    events.write_text(text + "".join(f"{line}\n" for line in lines), "utf-8")
    return folder


def _line(folder: Path) -> int:
    """The line number of the appended record (1 = the header)."""
    return len((folder / "events.csv").read_text("utf-8").splitlines())


@pytest.fixture(scope="module", params=["future", "bad_date"])
def rejected(request, tmp_path_factory) -> dict:
    folder = _folder(tmp_path_factory.mktemp(request.param), LINES[request.param])
    logs = trustdata.load(folder)
    # review(logs, "couple-01"), made once for the module's tests: report.build(logs, ...) is
    # report.render of it, so the pages are rendered from it rather than reviewed again
    r = review(logs, "couple-01")
    return {
        "folder": folder,
        "logs": logs,
        "review": r,
        "line": _line(folder),
        "case": request.param,
    }


def test_the_rejected_abuse_record_is_seen_with_its_file_and_line(rejected):
    logs = rejected["logs"]
    assert logs.events.loc[logs.events["couple_id"] == "couple-01", "kind"].ne("abuse").all()
    got = unread_abuse(logs, "couple-01")
    assert got["line"].tolist() == [rejected["line"]]
    assert got["source"].map(lambda s: Path(s).name).tolist() == ["events.csv"]
    assert got["date_unread"].tolist() == [True]
    r = rejected["review"]
    assert r.safety is not None and r.safety.couple_ids == ("couple-01",)
    assert r.safety.text.startswith(NOTICE)
    where = f"{got['source'].iloc[0]}, line {rejected['line']}"
    assert f"The date of an abuse record could not be read ({where})" in r.safety.text
    # safety first among the therapist's red flags, with no date and no note
    first = r.red_flags.iloc[0]
    assert (first["flag"], first["severity"], first["partner"]) == ("abuse", "safety", "B")
    assert pd.isna(first["date"]) and "he pushed me" not in first["evidence"]
    assert f"events.csv, line {rejected['line']}" in first["evidence"]
    # nothing else about it changes: the record is in no table, its date on no timeline
    assert r.abuse_events.empty and r.couple_events["kind"].ne("abuse").all()


def test_the_couple_page_opens_with_the_notice_and_says_where_the_record_is(rejected):
    page = report.render(rejected["review"], audience="couple")
    assert page.count(NOTICE) == 1 and TITLE in page
    assert page.index(TITLE) < page.index("<h2>In short")
    assert f"line {rejected['line']}), so it is on no chart or list here" in page
    assert SMALL_WINS not in page  # the encouragement the notice replaces
    # the couple's page shows neither the abuse record's date nor its note
    for text in ("he pushed me", "2052-03-15", "15 March 2052", "2025-13-15", "date is"):
        assert text not in page


def test_the_therapist_page_lists_the_record_with_its_reason(rejected):
    page = report.render(rejected["review"], audience="therapist")
    assert "Abuse recorded: safety first" in page and "Abuse has been recorded" in page
    line = rejected["line"]
    assert "Date not known: an abuse record in <bdi>" in page
    assert f"events.csv</bdi>, line {line}, could not be read (date is " in page
    assert "he pushed me" in page  # the therapist sees the note, as for any abuse event
    assert f"(date not known): An abuse record could not be read (events.csv, line {line})" in (
        page
    )


def test_the_therapist_page_says_truly_what_the_couple_page_shows(tmp_path):
    """reader14 T3: the therapist page said the couple's page "shows only a safety notice and
    support resources", while it shows every section after the notice: a therapist deciding
    whether the shared file is safe to hand over was told it held nothing else."""
    logs = trustdata.load(_folder(tmp_path, "couple-01,2025-03-15,abuse,B,he pushed me"))
    r = review(logs, "couple-01")
    therapist = " ".join(report.render(r, audience="therapist").split())
    couple = report.render(r, audience="couple")
    assert "shows only a safety notice" not in therapist
    assert (
        "The couple's own page opens with a safety notice and support resources; it never shows "
        "an abuse event, its date or its note, and it leaves out small wins and any "
        "encouragement to keep working on the relationship. Its other sections (how each "
        "partner felt, triggers, setbacks, their own words) are shown as usual"
    ) in therapist
    # each part of that sentence, read off the couple page of the same review
    assert couple.index(TITLE) < couple.index("<h2>In short")
    for shown in ("<h2>How each of you has felt", "<h2>Are triggers getting rarer",
                  "<h2>Setbacks you came through", "<h2>What helped"):  # fmt: skip
        assert shown in couple, shown
    assert SMALL_WINS not in couple
    for hidden in ("he pushed me", "15 March 2025"):
        assert hidden not in couple


def _run_notebook(name: str, folder: Path) -> list[str]:
    """Run a notebook's code cells in-process on ``folder``; return what it displayed as
    Markdown (charts: the figure is kept, no PNG is drawn)."""
    import IPython.display

    book = json.loads((ROOT / "notebooks" / name).read_text("utf-8"))
    shown: list[str] = []
    keep_display, keep_offline = IPython.display.display, charts.offline

    def display(*objs, **kwargs):
        shown.extend(o.data for o in objs if isinstance(o, IPython.display.Markdown))

    space: dict = {}
    here = Path.cwd()
    IPython.display.display, charts.offline = display, (lambda fig, *a, **k: fig)
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in book["cells"]:
                if cell["cell_type"] != "code":
                    continue
                exec(compile("".join(cell["source"]), name, "exec"), space)
                if "parameters" in cell["metadata"].get("tags", []):
                    space["LOGS"] = str(folder)
    finally:
        IPython.display.display, charts.offline = keep_display, keep_offline
        os.chdir(here)
    return shown


@pytest.mark.parametrize("name", ["our_progress.ipynb", "therapist_review.ipynb"])
def test_both_notebooks_open_with_the_notice_and_their_checks_hold(rejected, name):
    if rejected["case"] != "future":
        pytest.skip("one notebook run per notebook: the future-dated record")
    shown = _run_notebook(name, rejected["folder"])
    assert shown and shown[0].startswith(f"## ⚠️ {TITLE}")
    assert NOTICE in shown[0]
    assert f"line {rejected['line']}), so it is on no chart or list here" in shown[0]


def test_the_report_command_says_so_on_stderr(rejected, tmp_path, capsys):
    from trustdata.cli import main

    out = tmp_path / "page.html"
    assert main(["report", str(rejected["folder"]), "--couple", "couple-01", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "Note: 1 record of abuse could not be read (" in err
    assert f"events.csv, line {rejected['line']}); the report opens with the safety notice" in err
    assert NOTICE in out.read_text("utf-8")


@pytest.mark.parametrize("case", ["day_first", "kind_in_words"])
def test_other_unreadable_abuse_records_keep_the_notice(tmp_path, case):
    folder = _folder(tmp_path, LINES[case])
    r = review(trustdata.load(folder), "couple-01")
    assert r.safety is not None
    assert f"line {_line(folder)})" in r.safety.text
    assert len(r.abuse_unread) == 1


def test_two_records_are_named_together(tmp_path):
    folder = _folder(tmp_path, LINES["future"], "couple-01,2025-03-15,abuse")
    r = review(trustdata.load(folder), "couple-01")
    n = _line(folder)
    assert r.abuse_unread["date_unread"].tolist() == [True, False]
    assert f"2 abuse records could not be read ({r.abuse_unread['source'].iloc[0]}, lines " in (
        r.safety.text
    )
    assert f"lines {n - 1} and {n}): the date of 1 of them could not be read" in r.safety.text
    assert (r.red_flags["flag"].iloc[:2] == "abuse").all()


@pytest.mark.parametrize(
    "line",
    [
        "couple-01,2052-03-15,other,B,not abuse",  # kind read fine: not abuse
        "couple-02,2052-03-15,abuse,B,note",  # another couple's record
        "couple-01,2052-03-15,,B,abusey",  # no kind, and no word "abuse"
    ],
)
def test_no_notice_without_abuse_of_this_couple(tmp_path, line):
    folder = _folder(tmp_path, line)
    logs = trustdata.load(folder)
    r = review(logs, "couple-01")
    assert r.safety is None and r.abuse_unread.empty
    assert not (r.red_flags["flag"] == "abuse").any()
    if line.startswith("couple-02"):  # one page: the record of another couple's abuse
        # report.build(logs, "couple-01", audience=...) is report.render of this review
        page = report.render(r, audience="couple")
        assert NOTICE not in page and TITLE not in page and SMALL_WINS in page
        assert "abuse record" not in report.render(r, audience="therapist")


def test_no_notice_in_the_sample(bundled_sample):
    r = bundled_sample.review("couple-01")  # review(trustdata.load(SAMPLE), "couple-01")
    assert r.safety is None and r.abuse_unread.empty


def _rejected(**values) -> trustdata.Logs:
    row = {"table": "events", "source": "events.csv", "line": 4, "reason": "date is 'x'"}
    return trustdata.Logs(rejected=pd.DataFrame([{**row, **values}]))


def test_the_couple_id_and_kind_are_read_loosely_and_a_blank_id_counts_when_alone():
    assert len(unread_abuse(_rejected(couple_id=" C1 ", kind="ABUSE"), "c1")) == 1
    assert len(unread_abuse(_rejected(couple_id="", kind="abuse"), "c1")) == 1
    assert len(unread_abuse(_rejected(couple_id="c2", kind="abuse"), "c1")) == 0
    # a kind the format knows is taken at its word; an unknown one is searched for the word
    assert len(unread_abuse(_rejected(couple_id="c1", kind="other", note="abuse"), "c1")) == 0
    assert len(unread_abuse(_rejected(couple_id="c1", kind="", note="Abuse!"), "c1")) == 1
    assert len(unread_abuse(_rejected(couple_id="c1", kind="", note="abusey"), "c1")) == 0
    # a rejected check-in is not an event record
    row = _rejected(couple_id="c1", kind="abuse").rejected.assign(table="checkins")
    assert unread_abuse(trustdata.Logs(rejected=row), "c1").empty
