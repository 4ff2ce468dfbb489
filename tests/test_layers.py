"""layers_profile and layers_weekly: hand-worked cases, ties, empty logs, agreement with trends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustdata import layers, schemas, synth, trends
from trustdata.logs import as_table


def _ci(rows: list[dict]) -> pd.DataFrame:
    return as_table("checkins", [{"couple_id": "c1", "connection": 5, **r} for r in rows])


def _row(out: pd.DataFrame, layer: str, partner: str = "A") -> pd.Series:
    (i,) = np.flatnonzero((out["layer"] == layer) & (out["partner"] == partner))
    return out.iloc[i]


def test_start_and_recent_levels_are_means_of_weekly_scores_hand_worked():
    # weeks (Mondays): 01-06 has two check-ins (2 and 4 -> weekly 3), 01-13 has 6;
    # start window (2 weeks from 01-06) = weeks 01-06, 01-13: mean(3, 6) = 4.5 from 3 check-ins.
    # last check-in 2025-03-03 -> recent window (2 weeks) = weeks 02-24 and 03-03:
    # 02-26 -> 7, 03-03 -> 9: mean 8.0 from 2 check-ins.  02-03 (5) is in neither window.
    ci = _ci(
        [
            {"partner": "A", "date": "2025-01-06", "trust": 2},
            {"partner": "A", "date": "2025-01-08", "trust": 4},
            {"partner": "A", "date": "2025-01-13", "trust": 6},
            {"partner": "A", "date": "2025-02-03", "trust": 5},
            {"partner": "A", "date": "2025-02-26", "trust": 7},
            {"partner": "A", "date": "2025-03-03", "trust": 9},
        ]
    )
    out = layers.layers_profile(ci, recent_weeks=2, start_weeks=2)
    row = _row(out, "trust")
    assert row["start_level"] == 4.5 and row["n_start"] == 3
    assert row["recent_level"] == 8.0 and row["n_recent"] == 2
    assert row["change"] == 3.5
    assert row["n_checkins"] == 6
    assert row["first_date"] == pd.Timestamp("2025-01-06")
    assert row["last_date"] == pd.Timestamp("2025-03-03")
    assert (row["recent_start"], row["recent_end"]) == (
        pd.Timestamp("2025-02-24"),
        pd.Timestamp("2025-03-03"),
    )
    assert not row["is_layer"] and not row["lags"] and not row["leads"]
    assert list(out.columns) == list(layers.LAYERS_PROFILE_COLUMNS)


def test_a_layer_not_scored_recently_has_no_recent_level():
    # B rated honesty only in January but kept checking in (connection) until March: the
    # recent window ends with B's last check-in, so January's honesty is not "recent"
    ci = _ci(
        [
            {"partner": "B", "date": "2025-01-06", "honesty": 3},
            {"partner": "B", "date": "2025-01-13", "honesty": 5},
            {"partner": "B", "date": "2025-03-03"},
        ]
    )
    row = _row(layers.layers_profile(ci, recent_weeks=4, start_weeks=2), "honesty", "B")
    assert row["start_level"] == 4.0 and row["n_start"] == 2
    assert np.isnan(row["recent_level"]) and row["n_recent"] == 0
    assert np.isnan(row["change"])
    assert row["last_date"] == pd.Timestamp("2025-01-13")
    assert row["recent_end"] == pd.Timestamp("2025-03-03")  # B's last check-in of any kind


def test_no_checkin_counts_in_both_windows():
    # three weeks of logs, recent window 4 weeks: everything is recent, the start is empty
    ci = _ci(
        [
            {"partner": "A", "date": d, "respect": s}
            for d, s in [("2025-01-06", 4), ("2025-01-13", 5), ("2025-01-20", 9)]
        ]
    )
    row = _row(layers.layers_profile(ci, recent_weeks=4, start_weeks=4), "respect")
    assert np.isnan(row["start_level"]) and row["n_start"] == 0
    assert row["recent_level"] == 6.0 and row["n_recent"] == 3
    # recent window of 1 week: the start window (4 weeks) stops before it: weeks 1-2 only
    row = _row(layers.layers_profile(ci, recent_weeks=1, start_weeks=4), "respect")
    assert (row["start_level"], row["n_start"], row["recent_level"]) == (4.5, 2, 9.0)


def _one_week(partner: str, **scores: int) -> dict:
    return {"partner": partner, "date": "2025-01-06", **scores}


def test_the_lowest_layer_lags_and_the_highest_leads_trust_excluded():
    ci = _ci([_one_week("A", trust=1, reliability=4, honesty=6, respect=8)])
    out = layers.layers_profile(ci)
    assert out.loc[out["lags"], "layer"].tolist() == ["reliability"]
    assert out.loc[out["leads"], "layer"].tolist() == ["respect"]
    assert not _row(out, "trust")[["lags", "leads"]].any()  # lowest, but trust is not a layer


def test_ties_are_kept_every_layer_at_the_lowest_lags():
    ci = _ci([_one_week("A", reliability=3, honesty=3, respect=8, consistency=8, transparency=5)])
    out = layers.layers_profile(ci)
    assert out.loc[out["lags"], "layer"].tolist() == ["reliability", "honesty"]
    assert out.loc[out["leads"], "layer"].tolist() == ["consistency", "respect"]


@pytest.mark.parametrize(
    "scores",
    [
        {"reliability": 5, "honesty": 5, "respect": 5},  # all equal: no weaker layer
        {"honesty": 2},  # a single layer: nothing to compare with
        {"trust": 4},  # trust only
    ],
)
def test_nothing_lags_or_leads_without_a_spread_of_two_or_more_layers(scores):
    out = layers.layers_profile(_ci([_one_week("A", **scores)]))
    assert len(out) == len(scores)
    assert not out["lags"].any() and not out["leads"].any()


def test_partners_and_couples_are_profiled_apart_in_order():
    ci = as_table(
        "checkins",
        [
            {"couple_id": "c2", "partner": "A", "date": "2025-01-06", "connection": 5,
             "honesty": 9, "trust": 7},
            {"couple_id": "c1", "partner": "B", "date": "2025-01-06", "connection": 5,
             "honesty": 2, "respect": 4},
            {"couple_id": "c1", "partner": "A", "date": "2025-01-06", "connection": 5,
             "transparency": 6, "reliability": 1},
        ],
    )  # fmt: skip
    out = layers.layers_profile(ci)
    assert out[["couple_id", "partner", "layer"]].to_numpy().tolist() == [
        ["c1", "A", "reliability"],
        ["c1", "A", "transparency"],
        ["c1", "B", "honesty"],
        ["c1", "B", "respect"],
        ["c2", "A", "trust"],
        ["c2", "A", "honesty"],
    ]
    assert out.loc[out["lags"], ["partner", "layer"]].to_numpy().tolist() == [
        ["A", "reliability"],
        ["B", "honesty"],
    ]


def test_recent_trust_level_is_weekly_trends_rolling_mean_in_the_last_week():
    logs = synth.generate(couples=3, seed=5).logs
    ci = logs.checkins
    # keep check-ins that score trust, so each partner's last check-in is also their last trust
    ci = ci.loc[ci["trust"].notna()]
    out = layers.layers_profile(ci, recent_weeks=4)
    trend = trends.weekly_trend(ci, measure="trust", window=4)
    last = trend.groupby(["couple_id", "partner"]).tail(1).set_index(["couple_id", "partner"])
    mine = out.loc[out["layer"] == "trust"].set_index(["couple_id", "partner"])
    assert len(mine) >= 4
    np.testing.assert_allclose(
        mine["recent_level"], last.loc[mine.index, "rolling_mean"], rtol=0, atol=1e-12
    )
    # pandas one-liner: check-ins in the last 4 weeks of each partner
    week = schemas.week_start(ci["date"])
    lastweek = week.groupby([ci["couple_id"], ci["partner"]]).transform("max")
    n = (week > lastweek - pd.Timedelta(weeks=4)).groupby([ci["couple_id"], ci["partner"]]).sum()
    assert mine["n_recent"].tolist() == n.loc[mine.index].tolist()


def test_logs_without_the_columns_give_the_empty_frame_with_its_columns():
    ci = _ci([{"partner": "A", "date": "2025-01-06"}]).drop(columns=list(layers.LAYER_MEASURES))
    out = layers.layers_profile(ci)
    assert out.empty and list(out.columns) == list(layers.LAYERS_PROFILE_COLUMNS)
    unscored = layers.layers_profile(_ci([{"partner": "A", "date": "2025-01-06"}]))
    assert unscored.empty and list(unscored.columns) == list(layers.LAYERS_PROFILE_COLUMNS)
    weekly = layers.layers_weekly(ci)
    assert weekly.empty and list(weekly.columns) == list(trends.WEEKLY_TREND_COLUMNS)


def test_output_passes_its_schema_and_the_input_is_untouched():
    logs = synth.generate(couples=4, seed=2).logs
    before = logs.checkins.copy(deep=True)
    out = layers.layers_profile(logs.checkins)
    schemas.LayersProfileSchema.validate(out)
    pd.testing.assert_frame_equal(logs.checkins, before)
    assert out.dtypes["n_start"] == "int64" and out.dtypes["lags"] == "bool"


@pytest.mark.parametrize("name", ["recent_weeks", "start_weeks"])
@pytest.mark.parametrize("value", [0, 1.5, True, "4"])
def test_bad_windows_are_a_sentence(name, value):
    with pytest.raises(ValueError, match=rf"The value for `{name}` must be an integer"):
        layers.layers_profile(_ci([_one_week("A", trust=3)]), **{name: value})


def test_layers_weekly_is_weekly_trend_per_measure_stacked():
    logs = synth.generate(couples=2, seed=4).logs
    out = layers.layers_weekly(logs.checkins, logs.events)
    assert out["measure"].unique().tolist() == list(layers.LAYER_MEASURES)
    for m in ("trust", "honesty"):
        one = trends.weekly_trend(logs.checkins, logs.events, measure=m)
        got = out.loc[out["measure"] == m].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one.reset_index(drop=True))
