"""A record isolated by years before the rest of its couple's logs: flagged, kept, unchanged.

A new user's review: in a copy of the sample, couple-01's check-in of 2024-02-05 typed
2014-02-05 passed `validate` silently, and the report said "Your logs run from 5 February 2014".
"""

from __future__ import annotations

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
    """The rule by hand (:func:`_rule_by_hand`) on the check-ins of ``checkins``."""
    by_couple = checkins.groupby("couple_id")["date"]
    return _rule_by_hand({c: list(pd.to_datetime(d)) for c, d in by_couple})


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
                step = rng.choice([1, 7, 150, 180, 181, 182, 210, 300, 364, 365, 366, 367, 390])
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


# --------------------------------------------------------------------------------------------
# A lone record years after the rest
# --------------------------------------------------------------------------------------------

LATE_LINE = "couple-01,A,hurt,2025-05-26,"
LATE_REASON = (
    "date is 2026-05-26, 1 year after the previous record of couple-01 (22 May 2025): a typo "
    "for 2025? The record is kept; correct it in the file if the year is wrong"
)


@pytest.fixture(scope="module")
def late_typo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("late") / "couples"
    shutil.copytree(SAMPLE, folder)
    path = folder / "checkins.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count("\n" + LATE_LINE) == 1  # couple-01's latest record (A's check-in)
    path.write_text(
        text.replace("\n" + LATE_LINE, "\n" + LATE_LINE.replace("2025", "2026")), "utf-8"
    )
    return folder


def test_a_mistyped_later_year_of_the_last_record_is_kept_and_warned_of(late_typo, capsys):
    logs = io.load(late_typo, today="2026-12-03")
    assert len(logs.rejected) == 0 and len(logs.checkins) == len(io.load(SAMPLE).checkins)
    assert pd.Timestamp("2026-05-26") in set(logs.checkins["date"])  # never silently changed
    (w,) = logs.warnings.to_dict("records")
    assert (w["table"], w["line"], w["couple_id"], w["column"], w["value"]) == (
        "checkins", 64, "couple-01", "date", "2026-05-26"
    )  # fmt: skip
    assert w["reason"] == LATE_REASON
    assert cli.main(["validate", str(late_typo)]) == 0
    out = capsys.readouterr().out
    assert "  1 kept record that may be wrong (check them):\n    line 64: " + LATE_REASON in out


def _weekly(start: str, n: int) -> list[str]:
    return [d.strftime("%Y-%m-%d") for d in pd.date_range(start, periods=n, freq="7D")]


DISCOVERY = {"couple_id": "c1", "date": ["2023-01-02"], "kind": ["discovery"]}


def test_a_lone_record_after_the_rest_is_flagged_a_real_return_is_not():
    run = _weekly("2023-01-09", 60)  # weekly to 2024-02-26
    got = _frames(_ci([*run, "2026-02-05"]), DISCOVERY).warnings
    assert got[["line", "value"]].values.tolist() == [[61, "2026-02-05"]]
    assert got["reason"].iloc[0] == (
        "date is 2026-02-05, 1 year after the previous record of c1 (26 February 2024): a "
        "typo for 2024? The record is kept; correct it in the file if the year is wrong"
    )
    # the couple came back after the pause: several check-ins after it, nothing flagged
    back = _frames(_ci([*run, *_weekly("2026-02-05", 3)]), DISCOVERY).warnings
    assert len(back) == 0
    back = _frames(_ci([*run, "2026-02-05", "2026-02-12"]), DISCOVERY).warnings
    assert len(back) == 0
    # too few records before the pause to call the one after it the odd one out
    few = _frames(_ci(["2023-01-09", "2023-01-16", "2026-02-05"]), DISCOVERY).warnings
    assert len(few) == 0 and _isolated.LATE_MIN_BEFORE == 4
    # the flag goes to the lone record, not to the record before the pause
    alone = _frames(_ci([*run, "2026-02-05"])).warnings
    assert alone["value"].tolist() == ["2026-02-05"]


def test_a_pause_with_records_on_both_sides_is_no_warning_with_or_without_an_anchor():
    # logged weekly for a year, stopped 2 years, came back: neither side is a lone record
    days = [*_weekly("2023-01-09", 60), *_weekly("2026-02-05", 5)]
    assert len(_frames(_ci(days)).warnings) == 0
    assert len(_frames(_ci(days), DISCOVERY).warnings) == 0
    # two check-ins in 2014, then a run in 2024: two slips are less likely than history
    assert len(_frames(_ci(["2014-02-05", "2014-02-12", *_weekly("2024-01-01", 10)])).warnings) == 0


def test_a_lone_last_day_is_flagged_with_every_record_of_that_day():
    tr = pd.DataFrame(
        {"couple_id": "c1", "partner": "B", "timestamp": ["2026-02-05T20:00", "2024-01-01"],
         "category": "location", "intensity": "5"}
    )  # fmt: skip
    ci = pd.DataFrame(_ci([*_weekly("2023-01-09", 10), "2026-02-05"]))
    got = io.from_frames(checkins=ci, triggers=tr).warnings
    assert got[["table", "value"]].values.tolist() == [
        ["checkins", "2026-02-05"],
        ["triggers", "2026-02-05 20:00"],
    ]
    assert got["reason"].str.contains("after the previous record of c1 \\(1 January 2024\\)").all()


def _rule_by_hand(days_by_couple: dict[str, list[pd.Timestamp]]) -> set[tuple[str, str]]:
    """Both sides of the rule by hand, written apart from the module (no events).

    Per couple, for each step of over 180 days between two distinct days: the lone first day
    before it, and the lone last day after it when at least 4 days come before it, each when
    the step is over 365 days (a year apart) or when at least 4 days are on the other side
    and the lone day moved 365 days toward them lands within their first to last day (a
    one-year slip)."""
    out = set()
    year = pd.Timedelta(days=365)
    for couple, days in days_by_couple.items():
        days = sorted(set(days))
        for i in range(len(days) - 1):
            gap = (days[i + 1] - days[i]).days
            if gap <= 180:
                continue
            if i == 0:  # the lone first day
                if gap > 365 or (len(days) - 1 >= 4 and days[0] + year <= days[-1]):
                    out.add((couple, days[0].strftime("%Y-%m-%d")))
            if i + 1 == len(days) - 1 and i + 1 >= 4:  # the lone last day, 4+ days before it
                if gap > 365 or days[-1] - year >= days[0]:
                    out.add((couple, days[-1].strftime("%Y-%m-%d")))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_the_rule_on_random_logs_is_the_rule_by_hand(seed):
    # longer logs than the coarse-pass test, whose last steps are often a pause: a lone last
    # day, or a return with more days, after 1 to 8 days before it
    rng = np.random.default_rng(100 + seed)
    for _ in range(20):
        rows, days_by_couple = [], {}
        for c in range(int(rng.integers(1, 4))):
            day = pd.Timestamp("2015-01-01") + pd.Timedelta(days=int(rng.integers(0, 400)))
            days = []
            for _ in range(int(rng.integers(1, 9))):
                days.append(day)
                step = rng.choice([1, 7, 7, 30, 181, 250, 365, 366, 400, 800])
                day += pd.Timedelta(days=int(step))
            days_by_couple[f"c{c}"] = days
            rows += [_ci(d.strftime("%Y-%m-%d"), couple=f"c{c}") for d in days]
        frame = pd.DataFrame(rows).drop_duplicates(["couple_id", "date"])
        logs = io.from_frames(checkins=frame)
        got = set(zip(logs.warnings["couple_id"], logs.warnings["value"], strict=True))
        assert got == _rule_by_hand(days_by_couple), frame


# --------------------------------------------------------------------------------------------
# The anchor event a year before every other record (reader12, finding 1)
# --------------------------------------------------------------------------------------------


def _sample_with(tmp_path: Path, name: str, line: str, typed: str) -> Path:
    folder = tmp_path / "couples"
    shutil.copytree(SAMPLE, folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count("\n" + line) == 1
    path.write_text(text.replace("\n" + line, "\n" + typed), "utf-8")
    return folder


def test_a_mistyped_year_of_the_anchor_event_itself_is_flagged(tmp_path):
    # couple-04's disclosure typed 2014: before, nothing was flagged, since the rule only
    # looked at records before the anchor, and the pages said "545 weeks after the disclosure"
    line = "couple-04,2024-01-25,disclosure,"
    folder = _sample_with(tmp_path, "events.csv", line, line.replace("2024", "2014"))
    logs = io.load(folder, today="2026-12-03")
    assert len(logs.rejected) == 0 and pd.Timestamp("2014-01-25") in set(logs.events["date"])
    (w,) = logs.warnings.to_dict("records")
    assert (w["table"], w["line"], w["couple_id"], w["value"]) == (
        "events", 25, "couple-04", "2014-01-25"
    )  # fmt: skip
    assert w["reason"] == (
        "date is 2014-01-25, 10 years before the next record of couple-04 (5 February 2024): a "
        "typo for 2024? The record is kept; correct it in the file if the year is wrong"
    )


def test_an_old_anchor_with_logging_near_it_is_not_flagged():
    # the news in 2014 and a month of check-ins after it, then a return in 2024: a pause
    ev = {"couple_id": "c1", "date": ["2014-01-01"], "kind": ["discovery"]}
    days = [*_weekly("2014-01-06", 4), *_weekly("2024-01-01", 10)]
    assert len(_frames(_ci(days), ev).warnings) == 0


# --------------------------------------------------------------------------------------------
# A one-year slip of a record of the middle (reader12, finding 2)
# --------------------------------------------------------------------------------------------

LATE_SLIP = "couple-01,A,hurt,2025-02-17,"  # a check-in 14 weeks before couple-01's last record
EARLY_SLIP = "couple-01,A,hurt,2024-02-19,"  # couple-01's third check-in


def test_a_one_year_slip_of_a_record_in_the_middle_to_after_the_rest_is_flagged(tmp_path, capsys):
    folder = _sample_with(tmp_path, "checkins.csv", LATE_SLIP, LATE_SLIP.replace("2025", "2026"))
    logs = io.load(folder, today="2026-12-03")
    assert len(logs.rejected) == 0 and pd.Timestamp("2026-02-17") in set(logs.checkins["date"])
    (w,) = logs.warnings.to_dict("records")
    assert (w["table"], w["line"], w["value"]) == ("checkins", 53, "2026-02-17")
    reason = (
        "date is 2026-02-17, 8 months after the previous record of couple-01 (26 May 2025); a "
        "year earlier (2025-02-17) it would fall among the couple's other records: a typo for "
        "2025? The record is kept; correct it in the file if the year is wrong"
    )
    assert w["reason"] == reason
    assert cli.main(["validate", str(folder)]) == 0
    assert "    line 53: " + reason in capsys.readouterr().out


def test_a_one_year_slip_to_before_the_rest_is_flagged(tmp_path):
    folder = _sample_with(tmp_path, "checkins.csv", EARLY_SLIP, EARLY_SLIP.replace("2024", "2023"))
    (w,) = io.load(folder, today="2026-12-03").warnings.to_dict("records")
    assert (w["table"], w["line"], w["value"]) == ("checkins", 5, "2023-02-19")
    assert w["reason"] == (
        "date is 2023-02-19, 11 months before the next record of couple-01 (21 January 2024); a "
        "year later (2024-02-19) it would fall among the couple's other records: a typo for "
        "2024? The record is kept; correct it in the file if the year is wrong"
    )


def test_a_real_pause_of_months_is_not_flagged():
    run = _weekly("2023-01-09", 60)  # weekly to 2024-02-26
    # eight months without a record, then back with several check-ins: a pause
    assert len(_frames(_ci([*run, *_weekly("2024-10-28", 3)]), DISCOVERY).warnings) == 0
    # one check-in eight months after the rest: flagged (it may be a slip of February 2024)
    got = _frames(_ci([*run, "2024-10-28"]), DISCOVERY).warnings
    assert got["value"].tolist() == ["2024-10-28"] and "8 months after" in got["reason"].iloc[0]
    # six months (180 days) or less: not flagged
    assert len(_frames(_ci([*run, "2024-08-24"]), DISCOVERY).warnings) == 0
    # a short run: a year earlier the lone record falls before the run began, not within it
    short = _frames(_ci([*_weekly("2023-01-09", 12), "2023-12-04"]), DISCOVERY).warnings
    assert len(short) == 0


def test_an_event_months_before_the_logging_is_history_a_check_in_is_flagged():
    run = _weekly("2024-01-01", 60)
    # the discovery (or a first session) eight months before the first check-in: usual
    ev = {"couple_id": "c1", "date": ["2023-05-01"], "kind": ["discovery"]}
    assert len(_frames(_ci(run), ev).warnings) == 0
    ev = {"couple_id": "c1", "date": ["2023-05-01"], "kind": ["couples_therapy"]}
    assert len(_frames(_ci(run), ev).warnings) == 0
    # a lone check-in there (with no event that day): flagged, a year later it is among the rest
    got = _frames(_ci(["2023-05-01", *run])).warnings
    assert got["value"].tolist() == ["2023-05-01"] and "a year later" in got["reason"].iloc[0]
