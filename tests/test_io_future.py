"""Records dated after today are typos (2052 typed for 2025): ``load`` quarantines them.

The rule lives in ``trustdata/io/_future.py``; ``load(today=...)`` makes it reproducible.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import trustdata
from trustdata import cli, synth
from trustdata.errors import RecordsRejected

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
TODAY = dt.date(2026, 12, 2)
TAIL = (
    ", after today (2 December 2026): a typo? Expected a date up to 3 December 2026 (today, and "
    "a day of slack for time zones)"
)


def _folder(tmp_path, checkins=(), triggers=(), events=()):
    rows = ["couple_id,partner,date,connection", "c1,A,2025-03-03,6", *checkins]
    (tmp_path / "checkins.csv").write_text("\n".join(rows) + "\n")
    if triggers:
        rows = ["couple_id,partner,timestamp,category,intensity", *triggers]
        (tmp_path / "triggers.csv").write_text("\n".join(rows) + "\n")
    if events:
        (tmp_path / "events.csv").write_text("\n".join(["couple_id,date,kind", *events]) + "\n")
    return tmp_path


def test_a_checkin_dated_2052_is_rejected_with_its_line_column_and_what_was_expected(tmp_path):
    logs = trustdata.load(_folder(tmp_path, ["c1,A,2052-06-02,7"]), today=TODAY)
    assert logs.checkins["date"].max() == dt.datetime(2025, 3, 3)
    assert logs.rejected[["table", "line"]].values.tolist() == [["checkins", 3]]
    assert logs.rejected.loc[0, "source"].endswith("checkins.csv")
    assert logs.rejected.loc[0, "reason"] == "date is 2052-06-02, dated 2 June 2052" + TAIL
    assert logs.rejected.loc[0, "date"] == "2052-06-02"  # the record as written
    row = logs.summary.iloc[0]
    assert (row.records, row.valid, row.rejected) == (2, 1, 1)


def test_one_day_of_slack_for_time_zones_and_not_two(tmp_path):
    logs = trustdata.load(
        _folder(
            tmp_path,
            ["c1,A,2026-12-02,7", "c1,A,2026-12-03,7", "c1,A,2026-12-04,7"],
            triggers=["c1,A,2026-12-03T23:59,other,3", "c1,A,2026-12-04T00:00+13:00,other,3"],
            events=["c1,2026-12-03,couples_therapy", "c1,2026-12-04,couples_therapy"],
        ),
        today=TODAY,
    )
    assert logs.checkins["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-03-03",
        "2026-12-02",
        "2026-12-03",
    ]
    assert len(logs.triggers) == 1 and len(logs.events) == 1
    reasons = dict(zip(logs.rejected["table"], logs.rejected["reason"], strict=True))
    assert reasons == {
        "checkins": "date is 2026-12-04, dated 4 December 2026" + TAIL,
        "triggers": "timestamp is 2026-12-04 00:00, dated 4 December 2026" + TAIL,
        "events": "date is 2026-12-04, dated 4 December 2026" + TAIL,
    }


def test_today_defaults_to_the_local_date(tmp_path):
    soon = dt.date.today() + dt.timedelta(days=2)
    later = dt.date.today() + dt.timedelta(days=1)
    logs = trustdata.load(_folder(tmp_path, [f"c1,A,{later},7", f"c1,A,{soon},7"]))
    assert len(logs.checkins) == 2 and logs.rejected["line"].tolist() == [4]
    assert "after today" in logs.rejected.loc[0, "reason"]


def test_today_as_text_and_errors_raise(tmp_path):
    folder = _folder(tmp_path, ["c1,A,2052-06-02,7"])
    assert len(trustdata.load(folder, today="2052-06-02").rejected) == 0
    with pytest.raises(RecordsRejected, match="line 3: date is 2052-06-02, dated 2 June 2052"):
        trustdata.load(folder, today=TODAY, errors="raise")
    with pytest.raises(ValueError, match="The value for `today` must be a date"):
        trustdata.load(folder, today="tomorrow")


def test_a_date_already_out_of_range_is_reported_once(tmp_path):
    logs = trustdata.load(_folder(tmp_path, ["c1,A,2151-01-01,7"]), today=TODAY)
    assert "after today" not in logs.rejected.loc[0, "reason"]


def test_validate_counts_the_future_record(tmp_path, capsys):
    folder = _folder(tmp_path, ["c1,A,2052-06-02,7"])
    assert cli.main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "1 rejected" in out and "problems by kind: date 1" in out
    assert "line 3: date is 2052-06-02, dated 2 June 2052, after today (" in out
    assert "REJECTED: 1 record rejected in total." in out


def test_synthetic_logs_and_the_sample_are_never_dated_after_today():
    latest = dt.datetime(2026, 1, 31)
    for syn in (synth.generate(4, seed=242), synth.generate(150, seed=5, text=False)):
        logs = syn.logs
        assert logs.checkins["date"].max() < latest
        assert logs.triggers["timestamp"].max() < latest
        assert logs.events["date"].max() < latest
    for folder in ("couples", "cohort", "cohort_anonymized"):
        logs = trustdata.load(SAMPLE / folder)
        assert len(logs.rejected) == 0, folder


def test_an_import_rejects_a_record_dated_after_today_and_writes_a_log_load_reads_whole(tmp_path):
    # the same rule at import: an export row dated 2052 is rejected with the calendar reason,
    # so the folder the import writes is read back by `load` with nothing rejected
    from trustdata.importers import import_export

    src = Path(__file__).parent / "fixtures/importers/google_forms"
    text = (src / "Weekly check-in (Responses) - Form Responses 1.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines.append(lines[1].replace("2026/05/03", "2052/05/03", 1))
    export = tmp_path / "export.csv"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = import_export(
        "google-forms", src / "Weekly check-in (Responses) - Form Responses 1.csv", couple="c1"
    )
    result = import_export("google-forms", export, couple="c1")
    rejected = result.logs.rejected
    assert len(rejected) == len(before.logs.rejected) + 1
    late = rejected[rejected["reason"].str.contains("after today", regex=False)]
    assert len(late) == 1 and "2052" in late["reason"].iloc[0]
    back = trustdata.load(result.write(tmp_path / "out"))
    assert back.rejected.empty
    assert back.checkins["date"].max() < pd.Timestamp("2030-01-01")
