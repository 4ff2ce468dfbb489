"""red_flags / small_wins given the frames their rules read (a caller such as the review holds
them already): the same results as computing them, on the sample couples and the bundled cohort;
the frames given are really the ones used; and the "new since" rerun of the review, which runs
only the rules that can raise a flag present, finds what the whole rerun finds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trustdata import dyad, io, milestones, review, trends
from trustdata.logs import as_table

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample():
    return io.load(ROOT / "data" / "sample" / "couples")


@pytest.fixture(scope="module")
def cohort():
    return io.load(ROOT / "data" / "sample" / "cohort")


def _pair_diverging() -> pd.DataFrame:
    """A stays at 9, B falls 9, 8, ..., 2: a couple whose gap grows (``diverging_partners``)."""
    monday = pd.Timestamp("2025-01-06")
    rows = [
        {"couple_id": "c1", "partner": p, "date": monday + pd.Timedelta(weeks=i), "connection": s}
        for p, scores in (("A", [9] * 8), ("B", [9, 8, 7, 6, 5, 4, 3, 2]))
        for i, s in enumerate(scores)
    ]
    return as_table("checkins", rows)


def _logs_cases(sample, cohort):
    """(name, checkins, triggers, events): each sample couple alone, all of them, the cohort."""
    cases = [
        (c, one.checkins, one.triggers, one.events)
        for c in sample.couple_ids
        for one in [sample.couple(c)]
    ]
    cases.append(("sample", sample.checkins, sample.triggers, sample.events))
    cases.append(("cohort", cohort.checkins, cohort.triggers, cohort.events))
    return cases


@pytest.mark.parametrize("band", ["sd", "none"])
def test_red_flags_with_the_frames_equal_red_flags_without(sample, cohort, band):
    for name, ci, tr, ev in _logs_cases(sample, cohort):
        plain = milestones.red_flags(ci, tr, ev)
        given = milestones.red_flags(
            ci,
            tr,
            ev,
            trend=trends.weekly_trend(ci, ev, band=band),  # the review's call (band="sd")
            summary=trends.trend_summary(ci),
            gaps=dyad.gap_trend(ci),
        )
        pd.testing.assert_frame_equal(given, plain, obj=name)
    # and the sample holds flags of the score rules, not only of events
    flags = set(milestones.red_flags(cohort.checkins, events=cohort.events)["flag"])
    assert {"worse_after_6_months", "no_reliable_improvement_12m"} <= flags


def test_red_flags_each_frame_alone_gives_the_same_flags(sample):
    ci, tr, ev = sample.checkins, sample.triggers, sample.events
    plain = milestones.red_flags(ci, tr, ev)
    for key, frame in [
        ("trend", trends.weekly_trend(ci, band="none")),
        ("summary", trends.trend_summary(ci)),
        ("gaps", dyad.gap_trend(ci)),
    ]:
        pd.testing.assert_frame_equal(milestones.red_flags(ci, tr, ev, **{key: frame}), plain)


def test_red_flags_with_other_options_and_their_frames_are_the_same(cohort):
    ci, ev = cohort.checkins, cohort.events
    options = {"measure": "trust", "month_weeks": 6, "r": 0.7, "reference_sd": 1.5}
    plain = milestones.red_flags(ci, events=ev, **options, diverge_min_weeks=8)
    given = milestones.red_flags(
        ci,
        events=ev,
        **options,
        diverge_min_weeks=8,
        trend=trends.weekly_trend(ci, measure="trust", window=6),
        summary=trends.trend_summary(ci, measure="trust", month_weeks=6, r=0.7, reference_sd=1.5),
        gaps=dyad.gap_trend(ci, measure="trust", min_weeks=8),
    )
    pd.testing.assert_frame_equal(given, plain)


def test_diverging_partners_from_given_gaps_is_the_same_flag():
    ci = _pair_diverging()
    plain = milestones.red_flags(ci)
    assert "diverging_partners" in set(plain["flag"])
    pd.testing.assert_frame_equal(milestones.red_flags(ci, gaps=dyad.gap_trend(ci)), plain)


def test_the_frames_given_are_the_ones_the_rules_read(cohort):
    # a summary whose verdicts all read "improved" raises no "no reliable improvement" flag, a
    # trend shifted 3 points down from week 24 on makes more partners "worse after 6 months",
    # and gaps with diverging set raise a flag: the given frames are used, not recomputed
    ci, ev = cohort.checkins, cohort.events
    summary = trends.trend_summary(ci)
    improved = summary.assign(change=pd.Categorical(["improved"] * len(summary)))
    flags = milestones.red_flags(ci, events=ev, summary=improved)
    assert not flags["flag"].str.startswith("no_reliable_improvement").any()
    trend = trends.weekly_trend(ci)
    later = trend["weeks_since_first"] >= 24
    lower = trend.assign(score=trend["score"].mask(later, trend["score"] - 3))
    worse = milestones.red_flags(ci, events=ev, trend=lower)
    plain = milestones.red_flags(ci, events=ev)
    n_worse = (worse["flag"] == "worse_after_6_months").sum()
    assert n_worse > (plain["flag"] == "worse_after_6_months").sum()
    gaps = dyad.gap_trend(ci)
    gaps = gaps.loc[gaps["n_weeks"] >= 6].head(2).assign(diverging=True)
    diverging = milestones.red_flags(ci, gaps=gaps)
    assert (diverging["flag"] == "diverging_partners").sum() == 2


def test_small_wins_with_the_trend_equal_small_wins_without(sample, cohort):
    for name, ci, tr, _ in _logs_cases(sample, cohort):
        plain = milestones.small_wins(ci, tr)
        for band in ("sd", "none"):
            given = milestones.small_wins(ci, tr, trend=trends.weekly_trend(ci, band=band))
            pd.testing.assert_frame_equal(given, plain, obj=f"{name} band={band}")
    ci, tr = cohort.checkins, cohort.triggers
    plain = milestones.small_wins(ci, tr, measure="trust", window=6, min_weeks=4, good_level=7)
    given = milestones.small_wins(
        ci,
        tr,
        measure="trust",
        window=6,
        min_weeks=4,
        good_level=7,
        trend=trends.weekly_trend(ci, measure="trust", window=6),
    )
    pd.testing.assert_frame_equal(given, plain)
    assert {"first_good_month", "best_week"} <= set(plain["kind"])


def test_small_wins_read_the_trend_given():
    # one partner, scores 4..8: the best week is the 8; a trend that says 9 is believed
    monday = pd.Timestamp("2025-01-06")
    ci = as_table(
        "checkins",
        [
            {"couple_id": "c1", "partner": "A", "date": monday + pd.Timedelta(weeks=i),
             "connection": s}
            for i, s in enumerate([4, 5, 6, 7, 8])
        ],
    )  # fmt: skip
    trend = trends.weekly_trend(ci)
    higher = trend.assign(score=trend["score"].replace(8.0, 9.0))
    best = milestones.small_wins(ci, trend=higher)
    assert best.loc[best["kind"] == "best_week", "value"].tolist() == [9.0]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda ci: milestones.small_wins(ci, trend="weekly"), "must be a pandas DataFrame"),
        (
            lambda ci: milestones.small_wins(
                ci, trend=trends.weekly_trend(ci).drop(columns="score")
            ),
            r"`trend` frame must have the columns .*'score'",
        ),
        (
            lambda ci: milestones.red_flags(ci, trend=trends.weekly_trend(ci, measure="trust")),
            "must be of the measure 'connection', but it holds \\['trust'\\]",
        ),
        (
            lambda ci: milestones.red_flags(ci, summary=trends.weekly_trend(ci)),
            r"`summary` frame must have the columns",
        ),
        (
            lambda ci: milestones.red_flags(ci, gaps=trends.trend_summary(ci)),
            r"`gaps` frame must have the columns",
        ),
    ],
)
def test_a_wrong_frame_is_refused_with_a_sentence(sample, call, match):
    with pytest.raises(ValueError, match=match):
        call(sample.checkins)


def test_only_the_rules_asked_for_find_their_flags_as_red_flags_does(sample, cohort):
    for name, ci, tr, ev in _logs_cases(sample, cohort)[-2:]:  # all sample couples, the cohort
        plain = milestones.red_flags(ci, tr, ev)
        for code in milestones.FLAGS:
            some = milestones._red_flags(ci, ev, only={code})
            pd.testing.assert_frame_equal(
                some.loc[some["flag"] == code].reset_index(drop=True),
                plain.loc[plain["flag"] == code].reset_index(drop=True),
                obj=f"{name} {code}",
            )
            assert set(some["flag"]) <= set(plain["flag"])
    ci = _pair_diverging()
    only = milestones._red_flags(ci, None, only={"diverging_partners"})
    assert only["flag"].tolist() == ["diverging_partners"]


def _new_since_in_full(flags, ci, tr, ev, since):
    """The rule as first written: red_flags run whole on the records dated before ``since``."""
    before = milestones.red_flags(
        ci.loc[ci["date"] < since], tr.loc[tr["timestamp"] < since], ev.loc[ev["date"] < since]
    )

    def keys(frame):
        flag = frame["flag"].astype(str)
        partner = frame["partner"].astype(object).where(frame["partner"].notna(), None)
        date = frame["date"].where(flag.isin(review._EVENT_FLAG_CODES))
        return list(zip(flag, partner, date.astype(object).where(date.notna(), None), strict=True))

    old = set(keys(before))
    return [k not in old for k in keys(flags)]


def test_new_since_runs_fewer_rules_and_finds_the_same(sample, cohort):
    seen = {True: 0, False: 0}
    cases = [(sample, c) for c in sample.couple_ids] + [(cohort, c) for c in cohort.couple_ids[:6]]
    for logs, couple in cases:
        one = logs.couple(couple)
        ci, tr, ev = one.checkins, one.triggers, one.events
        flags = milestones.red_flags(ci, tr, ev)
        if not len(flags):
            continue
        dates = pd.concat([ci["date"], ev["date"]]).sort_values()
        for q in (0.4, 0.8):
            since = dates.quantile(q).normalize()
            got = review._new_since(flags, ci, tr, ev, since)
            want = _new_since_in_full(flags, ci, tr, ev, since)
            assert list(got) == want, (couple, since)
            for w in want:
                seen[w] += 1
    assert seen[True] and seen[False]  # both new and standing flags were compared


@pytest.mark.parametrize("unit", ["s", "us", "ns"])
def test_dates_in_words_are_those_of_words_days(unit):
    # milestones writes each distinct date once; the words must be _words.days' own
    from trustdata._words import days

    stamps = pd.Series(pd.date_range("1999-12-27", periods=400, freq="61h"), index=range(5, 405))
    stamps = stamps.astype(f"datetime64[{unit}]").sample(frac=1, random_state=3)
    stamps.iloc[[4, 17]] = pd.NaT
    for value in (stamps, stamps[:0], stamps.iloc[[4]]):
        want = pd.Series(days(value), index=value.index, dtype="str")
        pd.testing.assert_series_equal(milestones._day(value), want)
    assert milestones._day(stamps).loc[stamps.index[4]] == ""


def test_red_flags_options_have_one_record(sample):
    # red_flags' option keywords are the fields of one checked record, their defaults read from
    # it; _red_flags takes the record, so the list of options is written once
    import dataclasses
    import inspect

    params = inspect.signature(milestones.red_flags).parameters
    fields = dataclasses.fields(milestones._FlagOptions)
    assert {f.name: f.default for f in fields} == {f.name: params[f.name].default for f in fields}
    assert "measure" not in inspect.signature(milestones._red_flags).parameters
    opts = {"min_drop": 0.5, "month_weeks": 6, "r": 0.7, "diverge_alpha": 0.2}
    ci, tr, ev = sample.checkins, sample.triggers, sample.events
    given = milestones.red_flags(ci, tr, ev, **opts)
    pd.testing.assert_frame_equal(
        given, milestones._red_flags(ci, ev, milestones._FlagOptions(**opts))
    )
    assert not given.equals(milestones.red_flags(ci, tr, ev))  # the options reach the rules
    with pytest.raises(ValueError, match="The value for `diverge_alpha` must be in"):
        milestones._FlagOptions(diverge_alpha=1.5)
