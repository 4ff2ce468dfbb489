"""tests/conftest.py's ``bundled_sample``: the same logs, reviews and pages as the calls it
stands for, and copies no test can change for another."""

from __future__ import annotations

import pandas as pd

import trustdata
from trustdata import report


def test_the_cached_page_is_the_page_report_build_makes(bundled_sample):
    logs = trustdata.load(report.resolve_path("data/sample/couples"))
    options = {"today": "2026-01-05"}
    for audience in report.AUDIENCES:
        built = report.build(logs, "couple-01", audience=audience, **options)
        assert bundled_sample.page("couple-01", audience, **options) == built
    pd.testing.assert_frame_equal(bundled_sample.logs().checkins, logs.checkins)


def test_a_changed_copy_changes_nothing_another_test_reads(bundled_sample):
    logs = bundled_sample.logs()
    logs.checkins.loc[:, "connection"] = 1
    assert (bundled_sample.logs().checkins["connection"] != 1).any()
    r = bundled_sample.review("couple-01", today="2026-01-05")
    before = bundled_sample.page("couple-01", "therapist", today="2026-01-05")
    r.trend_verdicts.loc[:, "verdict"] = "changed"
    r.names["A"] = "Changed"
    again = bundled_sample.review("couple-01", today="2026-01-05")
    assert "changed" not in set(again.trend_verdicts["verdict"]) and again.names["A"] == "A"
    assert bundled_sample.page("couple-01", "therapist", today="2026-01-05") == before
    assert bundled_sample.review("couple-01", today="2026-01-05") is not again
