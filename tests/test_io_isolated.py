"""A record isolated by years before the rest of its couple's logs: flagged, kept, unchanged.

A new user's review: in a copy of the sample, couple-01's check-in of 2024-02-05 typed
2014-02-05 passed `validate` silently, and the report said "Your logs run from 5 February 2014".
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustdata import cli, io
from trustdata.io import _isolated
from trustdata.logs import WARNING_COLUMNS

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"
LINE = "couple-01,A,hurt,2024-02-05,"
REASON = (
    "date is 2014-02-05, 9 years before the next record of couple-01 (21 January 2024): a typo "
    "for 2024? The record is kept; correct it in the file if the year is wrong"
)


@pytest.fixture(scope="module")
def typo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("typo") / "couples"
    shutil.copytree(SAMPLE, folder)
    path = folder / "checkins.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count("\n" + LINE) == 1
    path.write_text(text.replace("\n" + LINE, "\n" + LINE.replace("2024", "2014")), "utf-8")
    return folder


def test_the_sample_has_no_warning():
    assert len(io.load(SAMPLE).warnings) == 0


def test_the_mistyped_year_is_kept_unchanged_and_warned_of(typo):
    logs, clean = io.load(typo), io.load(SAMPLE)
    assert len(logs.checkins) == len(clean.checkins) and len(logs.rejected) == 0
    assert pd.Timestamp("2014-02-05") in set(logs.checkins["date"])  # never silently changed
    assert list(logs.warnings.columns) == list(WARNING_COLUMNS)
    (w,) = logs.warnings.to_dict("records")
    assert (w["table"], w["line"], w["couple_id"], w["column"], w["value"]) == (
        "checkins", 3, "couple-01", "date", "2014-02-05"
    )  # fmt: skip
    assert w["source"].endswith("checkins.csv")
    assert w["reason"] == REASON
    assert len(logs.couple("couple-01").warnings) == 1  # kept whole, like rejected


def test_validate_prints_it_under_its_file_and_still_exits_0(typo, capsys):
    assert cli.main(["validate", str(typo)]) == 0
    out = capsys.readouterr().out
    assert ("  1 kept record that may be wrong (check them):\n    line 3: " + REASON + "\n") in out
    # under the check-ins file's lines, before the next file's
    assert out.index("checkins.csv (checkins)") < out.index("1 kept record")
    assert out.index("1 kept record") < out.index("triggers.csv (triggers)")
    assert "OK: 0 records rejected in total." in out
    assert "WARNING: 1 kept record may be wrong (see above)." in out


def test_report_says_it_on_stderr(typo, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert cli.main(["report", str(typo), "--couple", "couple-01", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "trustdata: warning: " in err and ", line 3: " + REASON in err
    # another couple's report does not carry couple-01's warning
    assert cli.main(["report", str(typo), "--couple", "couple-02", "-o", str(out)]) == 0
    assert REASON not in capsys.readouterr().err


def _frames(checkins, events=None):
    return io.from_frames(
        checkins=pd.DataFrame(checkins),
        events=None if events is None else pd.DataFrame(events),
    )


def _ci(dates, couple="c1"):
    return {"couple_id": couple, "partner": "A", "connection": "5", "date": dates}


def test_a_gap_of_a_year_or_less_is_no_warning():
    assert len(_frames(_ci(["2023-02-12", "2024-02-12"])).warnings) == 0  # 365 days
    got = _frames(_ci(["2023-02-11", "2024-02-12"])).warnings  # 366 days
    assert got["value"].tolist() == ["2023-02-11"]
    assert got["reason"].iloc[0].startswith("date is 2023-02-11, 1 year before")


def test_a_record_after_the_discovery_is_not_flagged_one_before_is():
    ev = {"couple_id": "c1", "date": ["2014-01-01"], "kind": ["discovery"]}
    # a check-in a month after a discovery of 2014, then nothing until 2024: the check-in is
    # isolated but not before the news (records near the news are history), so not flagged
    assert len(_frames(_ci(["2014-02-05", "2024-02-12"]), ev).warnings) == 0
    ev = {"couple_id": "c1", "date": ["2024-02-01"], "kind": ["discovery"]}
    got = _frames(_ci(["2014-02-05", "2024-02-12"]), ev).warnings
    assert got["value"].tolist() == ["2014-02-05"]


def test_records_of_the_same_day_are_flagged_together_and_couples_apart():
    ci = pd.concat(
        [pd.DataFrame(_ci(["2014-02-05", "2024-02-12"])),
         pd.DataFrame(_ci(["2014-03-01", "2014-03-08"], couple="c2"))]
    )  # fmt: skip
    tr = pd.DataFrame(
        {"couple_id": "c1", "partner": "A", "timestamp": ["2014-02-05T20:00"],
         "category": "location", "intensity": "5"}
    )  # fmt: skip
    got = io.from_frames(checkins=ci, triggers=tr).warnings
    assert got[["table", "couple_id", "value"]].values.tolist() == [
        ["checkins", "c1", "2014-02-05"],
        ["triggers", "c1", "2014-02-05 20:00"],
    ]
    assert _isolated.ISOLATED_DAYS == 365


def _brute_force(checkins: pd.DataFrame) -> set[tuple[str, str]]:
    """The rule by hand: per couple, each distinct day over 365 days before the next one."""
    out = set()
    for couple, dates in checkins.groupby("couple_id")["date"]:
        days = sorted(set(pd.to_datetime(dates)))
        for this, after in itertools.pairwise(days):
            if (after - this).days > _isolated.ISOLATED_DAYS:
                out.add((couple, this.strftime("%Y-%m-%d")))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_the_coarse_pass_never_hides_an_isolated_record(seed):
    # small logs (one to three couples) whose steps lie near a year, across the 30-day bucket
    # edges: the coarse pass decides alone whether the exact one runs, so a coarse pass that
    # missed a step of 366 days would lose its warning here
    rng = np.random.default_rng(seed)
    for _ in range(25):
        rows = []
        for c in range(int(rng.integers(1, 4))):
            day = pd.Timestamp("2015-01-01") + pd.Timedelta(days=int(rng.integers(0, 400)))
            for _ in range(int(rng.integers(1, 8))):
                rows.append(
                    {
                        "couple_id": f"c{c}",
                        "partner": "A",
                        "connection": "5",
                        "date": day.strftime("%Y-%m-%d"),
                    }
                )
                step = rng.choice([1, 7, 300, 364, 365, 366, 367, 390])
                day += pd.Timedelta(days=int(step))
        frame = pd.DataFrame(rows).drop_duplicates(["couple_id", "date"])
        logs = io.from_frames(checkins=frame)
        got = set(zip(logs.warnings["couple_id"], logs.warnings["value"], strict=True))
        assert got == _brute_force(frame), frame


# --------------------------------------------------------------------------------------------
# load_cohort carries the warnings of load
# --------------------------------------------------------------------------------------------


def test_load_cohort_of_couple_folders_carries_each_folders_warnings(typo, tmp_path):
    from trustdata import cohort

    shutil.copytree(typo, tmp_path / "north")
    shutil.copytree(SAMPLE, tmp_path / "south")
    # ids are unique across folders only with the prefix here (the same sample twice)
    logs = cohort.load_cohort(tmp_path, ids="prefix", progress=False)
    assert list(logs.warnings.columns) == list(WARNING_COLUMNS)
    (w,) = logs.warnings.to_dict("records")
    assert (w["table"], w["line"], w["couple_id"], w["value"]) == (
        "checkins", 3, "north/couple-01", "2014-02-05"
    )  # fmt: skip
    assert w["source"] == str(tmp_path / "north" / "checkins.csv")
    assert w["reason"] == REASON.replace("of couple-01", "of north/couple-01")
    assert logs.warnings.dtypes.to_dict() == io.load(typo).warnings.dtypes.to_dict()
    # the same rows as load on the folder, whatever the folder count
    alone = cohort.load_cohort([tmp_path / "north"], progress=False)
    pd.testing.assert_frame_equal(alone.warnings, io.load(tmp_path / "north").warnings)
    clean = cohort.load_cohort([tmp_path / "south"], ids="prefix", progress=False)
    assert len(clean.warnings) == 0 and list(clean.warnings.columns) == list(WARNING_COLUMNS)


def test_a_cohort_folder_with_a_mistyped_year_is_flagged_by_load_cohort_and_validate(
    tmp_path, capsys
):
    from trustdata import cohort

    folder = Path(__file__).resolve().parents[1] / "data" / "sample" / "cohort"
    logs = cohort.load_cohort(folder, progress=False)
    assert len(logs.warnings) == 0
    first = logs.checkins.sort_values(["couple_id", "date"]).index[0]  # couple-001's first
    checkins = logs.checkins.copy()
    when = checkins.loc[first, "date"]
    checkins.loc[first, "date"] = when - pd.DateOffset(years=10)
    io.write(
        io.from_frames(
            checkins=checkins, triggers=logs.triggers, events=logs.events, couples=logs.couples
        ),
        tmp_path / "cohort",
        format="parquet",
    )
    got = cohort.load_cohort(tmp_path / "cohort", progress=False).warnings
    typed = (when - pd.DateOffset(years=10)).strftime("%Y-%m-%d")
    assert got[["table", "couple_id", "column", "value"]].values.tolist() == [
        ["checkins", "couple-001", "date", typed]
    ]
    assert cli.main(["validate", str(tmp_path / "cohort")]) == 0
    out = capsys.readouterr().out
    assert f"1 kept record that may be wrong (check them):\n    line {got['line'].iloc[0]}: " in out
    assert got["reason"].iloc[0] in out
    assert "WARNING: 1 kept record may be wrong (see above)." in out
