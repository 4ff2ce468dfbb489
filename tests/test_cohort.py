"""Tests of trustdata.cohort: alignment, groups, trajectories, models, survival, Dask."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trustdata import cohort, schemas
from trustdata.errors import TrustDataError
from trustdata.io import write
from trustdata.logs import Logs, as_table

MONTH = 7 / schemas.DAYS_PER_MONTH  # one week, in months


def _aligned(
    n: int = 40, *, seed: int = 0, effect: float = 0.4, weeks: int = 30, noise: float = 0.7
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Aligned weekly scores with a planted group difference in slope (points per month)."""
    rng = np.random.default_rng(seed)
    ids = [f"c{i:03d}" for i in range(n)]
    group = np.where(np.arange(n) % 2 == 0, "therapy", "waitlist")
    start = rng.normal(4, 1, n)
    slope = rng.normal(0.3, 0.15, n) + np.where(group == "therapy", effect, 0)
    rows = []
    for i, cid in enumerate(ids):
        for p, offset in (("A", -0.5), ("B", 0.5)):
            w = np.arange(weeks)
            y = start[i] + offset + slope[i] * w * MONTH + rng.normal(0, noise, weeks)
            rows.append(
                pd.DataFrame({"couple_id": cid, "partner": p, "aligned_week": w, "score": y})
            )
    aligned = pd.concat(rows, ignore_index=True)
    groups = pd.DataFrame({"couple_id": ids, "group": group})
    return aligned, groups


def _checkins(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return as_table(
        "checkins",
        [{"couple_id": c, "partner": p, "date": d, "connection": s} for c, p, d, s in rows],
    )


def _events(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return as_table("events", [{"couple_id": c, "date": d, "kind": k} for c, d, k in rows])


# --------------------------------------------------------------------------------------------
# align / anchor_dates
# --------------------------------------------------------------------------------------------


def test_align_counts_weeks_from_the_anchor_week_and_averages_within_a_week():
    checkins = _checkins(
        [
            ("c1", "A", "2025-01-01", 3),  # Wed, week of Mon 2024-12-30: one week before
            ("c1", "A", "2025-01-06", 4),  # Mon of the anchor's week
            ("c1", "A", "2025-01-12", 6),  # Sun, same week: averaged with the Monday
            ("c1", "B", "2025-01-20", 8),  # two weeks after
        ]
    )
    events = _events([("c1", "2025-01-09", "discovery")])  # Thursday
    out = cohort.align(checkins, events)
    assert list(out.columns) == list(cohort.ALIGNED_COLUMNS)
    got = out[["partner", "aligned_week", "score", "n_checkins"]].to_dict("records")
    assert got == [
        {"partner": "A", "aligned_week": -1, "score": 3.0, "n_checkins": 1},
        {"partner": "A", "aligned_week": 0, "score": 5.0, "n_checkins": 2},
        {"partner": "B", "aligned_week": 2, "score": 8.0, "n_checkins": 1},
    ]
    assert out["aligned_week"].dtype == "int64"
    assert out["week"].iloc[1] == pd.Timestamp("2025-01-06")


def test_couples_without_the_anchor_are_excluded_and_counted():
    checkins = _checkins([("c1", "A", "2025-01-06", 5), ("c2", "A", "2025-01-06", 5)])
    events = _events([("c1", "2025-01-01", "discovery"), ("c2", "2025-01-02", "disclosure")])
    out = cohort.align(checkins, events)
    assert out["couple_id"].unique().tolist() == ["c1"]
    assert out.attrs["n_excluded"] == 1 and out.attrs["excluded_couples"] == ("c2",)
    with_fallback = cohort.align(checkins, events, fallback="disclosure")
    assert with_fallback.groupby("couple_id")["anchor"].first().to_dict() == {
        "c1": "discovery",
        "c2": "disclosure",
    }
    assert with_fallback.attrs["n_excluded"] == 0


def test_anchor_dates_takes_the_first_event_of_the_preferred_kind():
    events = _events(
        [
            ("c1", "2025-03-01", "discovery"),
            ("c1", "2025-01-01", "discovery"),
            ("c1", "2024-12-01", "disclosure"),
        ]
    )
    out = cohort.anchor_dates(
        events, anchor="discovery", fallback="disclosure", couple_ids=["c1", "c9"]
    )
    assert out["anchor"].tolist()[0] == "discovery"
    assert out["anchor_date"].tolist()[0] == pd.Timestamp("2025-01-01")
    assert out["anchor_date"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"anchor": "wedding"}, "`anchor` must be one of"),
        ({"measure": "mood"}, "`measure` must be one of"),
        ({"fallback": ["disclosure", "party"]}, "`fallback` must be one of"),
    ],
)
def test_align_rejects_bad_arguments_with_a_sentence(kwargs, message):
    checkins = _checkins([("c1", "A", "2025-01-06", 5)])
    with pytest.raises(ValueError, match=message):
        cohort.align(checkins, _events([("c1", "2025-01-01", "discovery")]), **kwargs)


def test_align_on_another_measure_and_anchor():
    checkins = as_table(
        "checkins",
        [{"couple_id": "c1", "partner": "A", "date": "2025-02-03", "connection": 5, "trust": 2}],
    )
    events = _events([("c1", "2025-01-20", "couples_therapy")])
    out = cohort.align(checkins, events, anchor="couples_therapy", measure="trust")
    assert out[["aligned_week", "score"]].to_dict("records") == [{"aligned_week": 2, "score": 2.0}]


# --------------------------------------------------------------------------------------------
# groups
# --------------------------------------------------------------------------------------------


def test_groups_from_couples_and_from_events():
    couples = as_table(
        "couples", [{"couple_id": "c2", "group": "b"}, {"couple_id": "c1", "group": "a"}]
    )
    assert cohort.groups_from_couples(couples).to_dict("records") == [
        {"couple_id": "c1", "group": "a"},
        {"couple_id": "c2", "group": "b"},
    ]
    with pytest.raises(ValueError, match="`group` must be a column"):
        cohort.groups_from_couples(couples, group="arm")
    events = _events([("c1", "2025-01-01", "couples_therapy"), ("c2", "2025-01-01", "discovery")])
    got = cohort.groups_from_events(events, couple_ids=["c1", "c2", "c3"])
    assert got["group"].tolist() == ["with", "without", "without"]


# --------------------------------------------------------------------------------------------
# trajectories
# --------------------------------------------------------------------------------------------


def test_trajectories_average_partners_first_and_use_a_t_interval():
    aligned = pd.DataFrame(
        {
            "couple_id": ["a", "a", "b", "c", "c"],
            "partner": ["A", "B", "A", "A", "B"],
            "aligned_week": [0, 0, 0, 0, 0],
            "score": [3.0, 5.0, 6.0, 7.0, 9.0],  # couple means 4, 6, 8
        }
    )
    out = cohort.trajectories(aligned, level=0.9)
    assert list(out.columns) == list(cohort.TRAJECTORY_COLUMNS)
    row = out.iloc[0]
    assert (row["mean"], row["sd"], row["n_couples"]) == (6.0, 2.0, 3)
    # hand-worked: 6 +/- t(0.95, df=2) * 2 / sqrt(3), t = scipy.stats.t.ppf(0.95, 2) = 2.919986
    assert row["ci_high"] == pytest.approx(6 + 2.919986 * 2 / np.sqrt(3), rel=1e-6)
    assert row["ci_low"] == pytest.approx(6 - 2.919986 * 2 / np.sqrt(3), rel=1e-6)


def test_trajectories_by_group_leave_out_couples_without_a_group():
    aligned, groups = _aligned(6, weeks=3)
    out = cohort.trajectories(aligned, groups.iloc[:4])
    assert out["group"].unique().tolist() == ["therapy", "waitlist"]
    assert out["n_couples"].tolist() == [2] * 6
    one = cohort.trajectories(aligned.loc[aligned["couple_id"] == "c000"])
    assert one["sd"].isna().all() and one["ci_low"].isna().all()


# --------------------------------------------------------------------------------------------
# growth model
# --------------------------------------------------------------------------------------------


def test_growth_model_matches_statsmodels_and_recovers_the_planted_effect():
    import statsmodels.formula.api as smf

    aligned, groups = _aligned(40, seed=2, effect=0.4)
    fit = cohort.growth_model(aligned, groups)
    assert list(fit.columns) == list(cohort.MODEL_COLUMNS)
    assert fit["term"].tolist() == [
        "Intercept",
        "group[waitlist]",
        "partner[B]",
        "time",
        "time:group[waitlist]",
    ]
    assert fit.attrs["converged"] and fit.attrs["n_couples"] == 40
    assert fit.attrs["n_obs"] == len(aligned)
    # reference: the same model fitted directly with statsmodels
    data = aligned.merge(groups, on="couple_id")
    data["time"] = data["aligned_week"] * MONTH
    ref = smf.mixedlm(
        "score ~ time * group + partner", data, groups="couple_id", re_formula="~time"
    ).fit(reml=True, method=["lbfgs"])
    est = fit.set_index("term")["estimate"]
    assert est["time:group[waitlist]"] == pytest.approx(
        ref.fe_params["time:group[T.waitlist]"], abs=1e-4
    )
    row = fit.set_index("term").loc["time:group[waitlist]"]
    assert row["ci_low"] < -0.4 < row["ci_high"]  # the planted difference (waitlist - therapy)
    assert row["p"] < 0.01
    assert fit.set_index("term").loc["partner[B]", "estimate"] == pytest.approx(1.0, abs=0.15)


def test_growth_model_nested_partner_and_reference_group():
    aligned, groups = _aligned(20, seed=3, weeks=12)
    fit = cohort.growth_model(aligned, groups, partner="nested", reference="waitlist")
    assert "time:group[therapy]" in fit["term"].tolist()
    assert "partner[B]" not in fit["term"].tolist()
    assert "partner" in fit.attrs["random_effects"]


def test_growth_model_flags_a_failed_fit_instead_of_crashing():
    aligned, groups = _aligned(6, weeks=4)
    aligned = aligned.assign(score=5.0)  # no variance at all
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = cohort.growth_model(aligned, groups)
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)
    assert fit.attrs["converged"] is False
    assert list(fit.columns) == list(cohort.MODEL_COLUMNS)


def test_growth_model_bad_arguments():
    aligned, groups = _aligned(4, weeks=3)
    with pytest.raises(ValueError, match="`partner` must be one of"):
        cohort.growth_model(aligned, groups, partner="random")
    with pytest.raises(ValueError, match="`reference` must be one of the groups"):
        cohort.growth_model(aligned, groups, reference="control")


# --------------------------------------------------------------------------------------------
# slopes and their comparison
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["ols", "theilsen"])
def test_per_couple_slopes_match_numpy_and_scipy(method):
    aligned, _ = _aligned(5, seed=4, weeks=10)
    aligned = aligned.drop(index=[3, 7, 25])  # uneven weeks
    out = cohort.per_couple_slopes(aligned, method=method)
    assert list(out.columns) == list(cohort.SLOPE_COLUMNS)
    weekly = aligned.groupby(["couple_id", "aligned_week"])["score"].mean().reset_index()
    for cid, rows in weekly.groupby("couple_id"):
        t = rows["aligned_week"].to_numpy() * MONTH
        y = rows["score"].to_numpy()
        if method == "ols":
            slope, intercept = np.polyfit(t, y, 1)
        else:
            slope, intercept, _, _ = stats.theilslopes(y, t)
        got = out.set_index("couple_id").loc[cid]
        assert got["slope"] == pytest.approx(slope, rel=1e-9)
        assert got["intercept"] == pytest.approx(intercept, rel=1e-9)


def test_couples_with_too_few_weeks_get_no_slope():
    aligned = pd.DataFrame(
        {"couple_id": ["a", "a"], "partner": "A", "aligned_week": [0, 1], "score": [1.0, 2.0]}
    )
    out = cohort.per_couple_slopes(aligned, min_weeks=3)
    assert out["slope"].isna().all() and out["n_weeks"].tolist() == [2]


def test_slope_comparison_matches_scipy_and_hand_worked_effect_sizes():
    aligned, groups = _aligned(30, seed=5, effect=0.5)
    out = cohort.slope_comparison(aligned, groups)
    assert list(out.columns) == list(cohort.COMPARISON_COLUMNS)
    slopes = cohort.per_couple_slopes(aligned).merge(groups, on="couple_id")
    a = slopes.loc[slopes["group"] == "therapy", "slope"].to_numpy()
    b = slopes.loc[slopes["group"] == "waitlist", "slope"].to_numpy()
    mw, wt = out.iloc[0], out.iloc[1]
    ref_mw = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert (mw["statistic"], mw["p"]) == pytest.approx((ref_mw.statistic, ref_mw.pvalue))
    assert mw["effect_size"] == pytest.approx(2 * ref_mw.statistic / (15 * 15) - 1)
    ref_t = stats.ttest_ind(a, b, equal_var=False)
    assert (wt["statistic"], wt["df"], wt["p"]) == pytest.approx(
        (ref_t.statistic, ref_t.df, ref_t.pvalue)
    )
    # Hedges' g by hand: pooled sd, correction J = 1 - 3 / (4 * 30 - 9)
    sp = np.sqrt((14 * a.var(ddof=1) + 14 * b.var(ddof=1)) / 28)
    g = (a.mean() - b.mean()) / sp * (1 - 3 / 111)
    assert wt["effect_size"] == pytest.approx(g)
    assert wt["effect_ci_low"] < g < wt["effect_ci_high"]
    assert g > 0 and mw["effect_size"] > 0  # therapy couples improve faster


def test_slope_comparison_needs_two_groups_named_when_more():
    aligned, groups = _aligned(6, weeks=4)
    groups = groups.assign(group=["x", "y", "z", "x", "y", "z"])
    with pytest.raises(ValueError, match="must name the two groups"):
        cohort.slope_comparison(aligned, groups)
    out = cohort.slope_comparison(aligned, groups, compare=("z", "x"))
    assert out[["group_a", "group_b"]].iloc[0].tolist() == ["z", "x"]


# --------------------------------------------------------------------------------------------
# time to a good level
# --------------------------------------------------------------------------------------------


def _scores(per_couple: dict[str, list[float | None]]) -> pd.DataFrame:
    rows = [
        {"couple_id": c, "partner": "A", "aligned_week": w, "score": s}
        for c, scores in per_couple.items()
        for w, s in enumerate(scores)
        if s is not None
    ]
    return pd.DataFrame(rows)


def test_good_level_times_use_the_window_mean_and_censor_at_the_last_week():
    aligned = _scores(
        {
            "a": [5, 6, 7, 8, 8, 9],  # means of 4 weeks: w3 6.5, w4 7.25 -> event at 4
            "b": [8, 8, None, None, None, 2],  # w0 has 1 of 4 < 2 needed; w1 8 -> event at 1
            "c": [3, 3, 3, 3, 3],  # censored at 4
        }
    )
    out = cohort.good_level_times(aligned, level=7, window=4)
    assert out[["couple_id", "weeks", "reached"]].to_dict("records") == [
        {"couple_id": "a", "weeks": 4, "reached": True},
        {"couple_id": "b", "weeks": 1, "reached": True},
        {"couple_id": "c", "weeks": 4, "reached": False},
    ]


def test_time_to_good_level_matches_scipy_ecdf():
    rng = np.random.default_rng(7)
    weeks = rng.integers(2, 30, 25)
    reached = rng.random(25) < 0.7
    rows = {}
    for i, (w, r) in enumerate(zip(weeks, reached, strict=True)):
        rows[f"c{i:02d}"] = [3.0] * w + ([9.0] if r else [3.0])  # event or censoring at week w
    curve = cohort.time_to_good_level(_scores(rows), window=1)
    assert list(curve.columns) == list(cohort.SURVIVAL_COLUMNS)
    ref = stats.ecdf(stats.CensoredData(uncensored=weeks[reached], right=weeks[~reached])).sf
    got = curve.loc[curve["weeks"] > 0].reset_index(drop=True)
    assert got["weeks"].tolist() == ref.quantiles.astype(int).tolist()
    np.testing.assert_allclose(got["survival"], ref.probabilities)
    first = curve.iloc[0]
    assert (first["weeks"], first["survival"], first["at_risk"]) == (0, 1.0, 25)
    assert curve["events"].sum() == reached.sum()
    assert got["at_risk"].iloc[0] == (weeks >= got["weeks"].iloc[0]).sum()
    med = cohort.survival_medians(curve)
    assert list(med.columns) == list(cohort.MEDIAN_COLUMNS)
    assert med["median_weeks"].iloc[0] == got.loc[got["survival"] <= 0.5, "weeks"].iloc[0]


def test_logrank_matches_scipy():
    fast = {f"f{i}": [3.0] * w + [9.0] for i, w in enumerate([2, 3, 3, 5, 8])}
    slow = {f"s{i}": [3.0] * w + [9.0] for i, w in enumerate([6, 9, 12, 14])}
    slow["s9"] = [3.0] * 15  # censored at 14
    aligned = _scores(fast | slow)
    groups = pd.Series({c: c[0] for c in fast | slow})
    out = cohort.logrank(aligned, groups, window=1)
    assert list(out.columns) == list(cohort.LOGRANK_COLUMNS)
    ref = stats.logrank(
        stats.CensoredData(uncensored=[2, 3, 3, 5, 8]),
        stats.CensoredData(uncensored=[6, 9, 12, 14], right=[14]),
    )
    assert (out["statistic"].iloc[0], out["p"].iloc[0]) == pytest.approx(
        (ref.statistic, ref.pvalue)
    )
    assert out[["n_a", "n_b", "events_a", "events_b"]].iloc[0].tolist() == [5, 5, 5, 4]
    assert out["statistic"].iloc[0] > 0  # the documented sign: group a ("f") gets there sooner


@pytest.mark.parametrize("compare", [("therapy", "waitlist"), None])
def test_a_named_group_without_couples_in_the_data_gives_n_0_not_an_error(compare):
    aligned, groups = _aligned(6, weeks=8)
    therapy = groups.loc[groups["group"] == "therapy", "couple_id"]
    only_waitlist = aligned[~aligned["couple_id"].isin(therapy)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no stray numpy/scipy warning either
        slopes = cohort.slope_comparison(only_waitlist, groups, compare=compare)
        test = cohort.logrank(only_waitlist, groups, compare=compare, window=1)
    assert slopes[["n_a", "n_b"]].to_numpy().tolist() == [[0, 3], [0, 3]]
    assert slopes[["statistic", "p", "effect_size"]].isna().all().all()
    assert test[["n_a", "n_b", "events_a"]].iloc[0].tolist() == [0, 3, 0]
    assert test[["statistic", "p"]].isna().all().all()


def test_survival_interval_is_scipys_log_log_interval_and_nan_at_0_and_1():
    # a censored at 1 before any event, b..e reach at 2, 2, 3, 5: survival 1, 1/2, 1/4, 0
    aligned = _scores(
        {
            "a": [3.0, 3.0],
            "b": [3.0, 3.0, 9.0],
            "c": [3.0, 3.0, 9.0],
            "d": [3.0, 3.0, 3.0, 9.0],
            "e": [3.0] * 5 + [9.0],
        }
    )
    curve = cohort.time_to_good_level(aligned, window=1, confidence=0.9)
    assert curve["weeks"].tolist() == [0, 1, 2, 3, 5]
    assert curve["survival"].tolist() == pytest.approx([1, 1, 0.5, 0.25, 0])
    assert curve[["ci_low", "ci_high"]].iloc[[0, 1, 4]].isna().all().all()
    sf = stats.ecdf(stats.CensoredData(uncensored=[2, 2, 3, 5], right=[1])).sf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "undefined at some observations"
        ci = sf.confidence_interval(0.9, method="log-log")
    np.testing.assert_allclose(curve["ci_low"].iloc[2:4], ci.low.evaluate([2, 3]))
    np.testing.assert_allclose(curve["ci_high"].iloc[2:4], ci.high.evaluate([2, 3]))
    assert 0 < curve["ci_low"].iloc[2] < 0.5 < curve["ci_high"].iloc[2] < 1  # not clipped


def test_logrank_without_variance_is_nan_without_a_warning():
    aligned = _scores({"a": [3.0, 3.0], "b": [3.0, 3.0, 3.0]})  # nobody gets there
    groups = pd.Series({"a": "x", "b": "y"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = cohort.logrank(aligned, groups, window=1)
    assert out[["events_a", "events_b"]].iloc[0].tolist() == [0, 0]
    assert out[["statistic", "p"]].isna().all().all()


# --------------------------------------------------------------------------------------------
# contract: input untouched, empty in -> empty out
# --------------------------------------------------------------------------------------------


CALLS = {
    "trajectories": (lambda a, g: cohort.trajectories(a, g), cohort.TRAJECTORY_COLUMNS),
    "per_couple_slopes": (lambda a, g: cohort.per_couple_slopes(a), cohort.SLOPE_COLUMNS),
    "good_level_times": (
        lambda a, g: cohort.good_level_times(a, g),
        cohort.GOOD_LEVEL_TIME_COLUMNS,
    ),
    "time_to_good_level": (lambda a, g: cohort.time_to_good_level(a, g), cohort.SURVIVAL_COLUMNS),
    "growth_model": (lambda a, g: cohort.growth_model(a, g), cohort.MODEL_COLUMNS),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_input_is_not_modified_and_empty_input_gives_empty_output(name):
    func, columns = CALLS[name]
    aligned, groups = _aligned(6, weeks=6)
    before = aligned.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        func(aligned, groups)
    pd.testing.assert_frame_equal(aligned, before)
    empty = func(aligned.head(0), groups)
    assert empty.empty and list(empty.columns) == list(columns)


def test_align_of_empty_checkins_is_empty_with_the_columns():
    out = cohort.align(_checkins([]), _events([]))
    assert out.empty and list(out.columns) == list(cohort.ALIGNED_COLUMNS)


# --------------------------------------------------------------------------------------------
# load_cohort
# --------------------------------------------------------------------------------------------


def _couple_logs(cid: str) -> Logs:
    return Logs(
        checkins=_checkins([(cid, "A", "2025-01-06", 5), (cid, "B", "2025-01-07", 6)]),
        events=_events([(cid, "2025-01-01", "discovery")]),
    )


def test_load_cohort_reads_a_folder_of_couple_folders_with_a_progress_bar(tmp_path, capsys):
    for cid in ("c1", "c2", "c3"):
        write(
            _couple_logs(cid), tmp_path / f"site_{cid}", format="parquet" if cid == "c2" else "csv"
        )
    logs = cohort.load_cohort(tmp_path)
    assert logs.couple_ids == ["c1", "c2", "c3"]
    assert len(logs.checkins) == 6 and len(logs.events) == 3
    assert logs.events["kind"].dtype == logs.events["kind"].dtype  # categorical kept
    assert isinstance(logs.events["kind"].dtype, pd.CategoricalDtype)
    assert "Loading couples" in capsys.readouterr().err
    cohort.load_cohort(tmp_path, progress=False)
    assert "Loading couples" not in capsys.readouterr().err


def test_a_couple_id_in_two_folders_is_an_error_or_prefixed(tmp_path):
    write(_couple_logs("c1"), tmp_path / "north")
    write(_couple_logs("c1"), tmp_path / "south")
    with pytest.raises(TrustDataError, match="'c1' is in both"):
        cohort.load_cohort([tmp_path / "north", tmp_path / "south"], progress=False)
    logs = cohort.load_cohort(tmp_path, ids="prefix", progress=False)
    assert logs.couple_ids == ["north/c1", "south/c1"]


def test_load_cohort_of_one_folder_with_many_couples(tmp_path):
    both = Logs(
        checkins=pd.concat([_couple_logs("c1").checkins, _couple_logs("c2").checkins]),
        events=pd.concat([_couple_logs("c1").events, _couple_logs("c2").events]),
    )
    write(both, tmp_path / "all")
    assert cohort.load_cohort(tmp_path / "all").couple_ids == ["c1", "c2"]
    with pytest.raises(TrustDataError, match="no such file"):
        cohort.load_cohort(tmp_path / "missing")


# --------------------------------------------------------------------------------------------
# Dask: the per-couple kernels run unchanged on partitions
# --------------------------------------------------------------------------------------------


def test_per_couple_slopes_and_align_on_a_local_dask_cluster():
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    aligned, _ = _aligned(12, seed=8, weeks=8)
    expected = cohort.per_couple_slopes(aligned)
    checkins = as_table(
        "checkins",
        aligned.assign(
            date=pd.Timestamp("2025-01-06") + pd.to_timedelta(aligned["aligned_week"] * 7, "D"),
            connection=aligned["score"].round().clip(1, 10).astype(int),
        )[["couple_id", "partner", "date", "connection"]],
    )
    events = _events([(c, "2025-01-06", "discovery") for c in aligned["couple_id"].unique()])
    with (
        distributed.LocalCluster(
            n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        ddf = dd.from_pandas(aligned, npartitions=3, sort=False).shuffle("couple_id")
        got = ddf.map_partitions(cohort.per_couple_slopes, meta=expected.head(0)).compute()
        dci = dd.from_pandas(checkins, npartitions=3, sort=False).shuffle("couple_id")
        meta = cohort.align(checkins.head(0), events)
        dal = dci.map_partitions(cohort.align, events, meta=meta).compute()
    got = got.sort_values("couple_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    ref = cohort.align(checkins, events)
    dal = dal.sort_values(["couple_id", "partner", "week"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(dal, ref, check_dtype=False)


def test_growth_model_uses_the_role_as_partner_factor_when_every_row_has_one():
    aligned, groups = _aligned(12, seed=9, weeks=8)
    with_role = aligned.assign(role=aligned["partner"].map({"A": "hurt", "B": "involved"}))
    fit = cohort.growth_model(with_role, groups)
    assert "role[involved]" in fit["term"].tolist()
    assert fit.attrs["formula"] == "score ~ time * group + role"
    many = aligned.assign(partner=aligned["couple_id"] + aligned["partner"])  # like pseudonyms
    with pytest.raises(ValueError, match="24 different labels"):
        cohort.growth_model(many, groups)


# --------------------------------------------------------------------------------------------
# growth model against lme4 (R 4.x, lme4 1.1.31) on the bundled sample cohort
# --------------------------------------------------------------------------------------------
#
# The references were computed once (R is not needed by the tests) from the model frame of the
# bundled cohort exported to CSV:
#
#   logs = cohort.load_cohort("data/sample/cohort")
#   aligned = cohort.align(logs.checkins, logs.events, fallback="disclosure")
#   data = cohort._model_frame(aligned, cohort.groups_from_couples(logs.couples), 0, None)
#   data["time"] = cohort._months(data["aligned_week"]); data.to_csv("sample.csv")
#
# and in R:
#
#   library(lme4)
#   d <- read.csv("sample.csv")
#   d$group <- factor(d$group, levels = c("therapy", "waitlist"))
#   d$role <- factor(d$role, levels = c("hurt", "involved"))
#   ctl <- lmerControl(optimizer = "nloptwrap", optCtrl = list(ftol_abs = 1e-14,
#       ftol_rel = 1e-14, xtol_abs = 1e-12, xtol_rel = 1e-12, maxeval = 100000))
#   m <- lmer(<formula>, data = <d>, REML = TRUE, control = ctl)
#   cf <- coef(summary(m)); cbind(cf, p = 2 * pnorm(-abs(cf[, 3]))); REMLcrit(m)
#
# (the default optimizer, bobyqa, stops with "Model failed to converge with max|grad| =
# 0.00406" on the default fit and 0.00545 on max_week=52; with the tight nloptwrap settings it
# does not warn.)  Printed output, rows in R's order, re-ordered below to trustdata's:
#
# default: score ~ time*group + role + (time|couple_id), d
#                    Estimate       Std. Error    t value      p
# (Intercept)        3.602292108    0.05073634791 71.00022482  0
# time               0.1870602844   0.00793962211 23.56035108  9.833007445e-123
# groupwaitlist      -0.1608447149  0.07069582708 -2.275165616 0.02289599669
# roleinvolved       1.224763209    0.01554241862 78.8013268   0
# time:groupwaitlist -0.05589444561 0.01120049827 -4.990353487 6.026889937e-07
# REMLcrit 113468.986396
#
# nested: score ~ time*group + (time|couple_id) + (1|couple_id:partner), d
#   ("boundary (singular) fit": the couple intercept-slope correlation is -1)
# (Intercept)         4.208059826   0.06105298148  68.92472281  0
# time                0.1886860927  0.007862400113 23.99853607  2.880393687e-127
# groupwaitlist      -0.1548633184  0.086089992    -1.798853906 0.07204179359
# time:groupwaitlist -0.05781062106 0.0110895703   -5.213062317 1.857484622e-07
# REMLcrit 110849.933695
#
# max_week=52: score ~ time*group + role + (time|couple_id), d[d$aligned_week <= 52, ]
# (Intercept)        3.387597231    0.05284001574 64.11045083   0
# time               0.2283395294   0.009120371348 25.03620967  2.46734287e-138
# groupwaitlist      -0.07154909442 0.07357731652 -0.9724341387 0.3308346152
# roleinvolved       1.287364389    0.01615125032 79.70679445   0
# time:groupwaitlist -0.07617502107 0.01284790158 -5.928985412  3.048121632e-09
# REMLcrit 97766.9994711

LME4 = {
    "default": (
        {},
        ["Intercept", "group[waitlist]", "role[involved]", "time", "time:group[waitlist]"],
        [3.602292108, -0.1608447149, 1.224763209, 0.1870602844, -0.05589444561],
        [0.05073634791, 0.07069582708, 0.01554241862, 0.00793962211, 0.01120049827],
        [0.0, 0.02289599669, 0.0, 9.833007445e-123, 6.026889937e-07],
        113468.986396,
    ),
    "nested": (
        {"partner": "nested"},
        ["Intercept", "group[waitlist]", "time", "time:group[waitlist]"],
        [4.208059826, -0.1548633184, 0.1886860927, -0.05781062106],
        [0.06105298148, 0.086089992, 0.007862400113, 0.0110895703],
        [0.0, 0.07204179359, 2.880393687e-127, 1.857484622e-07],
        110849.933695,
    ),
    "max_week=52": (
        {"max_week": 52},
        ["Intercept", "group[waitlist]", "role[involved]", "time", "time:group[waitlist]"],
        [3.387597231, -0.07154909442, 1.287364389, 0.2283395294, -0.07617502107],
        [0.05284001574, 0.07357731652, 0.01615125032, 0.009120371348, 0.01284790158],
        [0.0, 0.3308346152, 0.0, 2.46734287e-138, 3.048121632e-09],
        97766.9994711,
    ),
}


@pytest.fixture(scope="module")
def sample_cohort() -> tuple[pd.DataFrame, pd.DataFrame, Logs]:
    logs = cohort.load_cohort("data/sample/cohort", progress=False)
    aligned = cohort.align(logs.checkins, logs.events, fallback="disclosure", also=["trust"])
    return aligned, cohort.groups_from_couples(logs.couples), logs


@pytest.mark.parametrize("case", list(LME4))
def test_growth_model_agrees_with_lme4_on_the_sample_cohort(sample_cohort, case):
    aligned, groups, _ = sample_cohort
    kwargs, terms, est, se, p, crit = LME4[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a verified fit warns about nothing
        # lme4's summary() prints model-based SEs: ask for them (the default is cluster-robust)
        fit = cohort.growth_model(aligned, groups, se="model", **kwargs)
    assert fit["term"].tolist() == terms
    assert fit.attrs["converged"] is True
    # the nested fit is singular (lme4 stops on the boundary): a looser, still tight, match
    tol = 1e-6 if case == "nested" else 1e-7
    np.testing.assert_allclose(fit["estimate"], est, atol=tol, rtol=0)
    np.testing.assert_allclose(fit["std_error"], se, rtol=50 * tol)
    big = np.array(p) > 1e-20
    np.testing.assert_allclose(fit["p"][big], np.array(p)[big], rtol=1e-3)
    assert (fit["p"][~big] < 1e-20).all()
    # equal REML criteria (ours at least as low: never stopped short of lme4's optimum)
    assert fit.attrs["reml_criterion"] == pytest.approx(crit, abs=1e-4)
    assert fit.attrs["reml_criterion"] <= crit + 1e-5
    fits = pd.DataFrame(list(fit.attrs["fits"]))
    agree = fits.loc[(fits["deviance"] - fit.attrs["reml_criterion"]).abs() < 1e-4, "method"]
    assert agree.nunique() >= 2  # a second optimizer reached the same optimum
    vcov = pd.DataFrame(fit.attrs["vcov"])
    np.testing.assert_allclose(np.sqrt(np.diag(vcov)), fit["std_error"], rtol=1e-12)


def test_a_single_optimizer_cannot_verify_its_fit_and_the_warning_gives_no_bad_advice():
    aligned, groups = _aligned(20, seed=12, weeks=10)
    with pytest.warns(RuntimeWarning, match="could not be verified") as caught:
        fit = cohort.growth_model(aligned, groups, methods=("lbfgs",))
    assert fit.attrs["converged"] is False
    text = " ".join(str(w.message) for w in caught)
    assert "max_week" not in text and "fewer weeks" not in text
    assert len(fit.attrs["fits"]) == 3  # one optimizer, three starting values
    both = cohort.growth_model(aligned, groups, methods=("lbfgs", "cg"))
    assert both.attrs["converged"] is True
    np.testing.assert_allclose(both["estimate"], fit["estimate"], atol=1e-6)


def test_an_optimizer_that_stops_short_is_polished_and_the_shortfall_reported():
    aligned, groups = _aligned(30, seed=13, weeks=20)
    fit = cohort.growth_model(aligned, groups, methods=("powell", "lbfgs"))
    fits = pd.DataFrame(list(fit.attrs["fits"]))
    assert list(fits.columns) == ["method", "start", "optimizer_deviance", "deviance", "decrement"]
    assert (fits["deviance"] <= fits["optimizer_deviance"] + 1e-9).all()  # never worse
    assert fit.attrs["reml_criterion"] == pytest.approx(fits["deviance"].min())
    assert fit.attrs["converged"] is True


# --------------------------------------------------------------------------------------------
# time that bends: piecewise and spline time, contrasts, model comparison
# --------------------------------------------------------------------------------------------
#
# lme4 references (same CSV and control as above; d52 <- d[d$aligned_week <= 52, ];
# d52$time_after_6 <- pmax(d52$time - 6, 0)):
#   m0 <- lmer(score ~ time*group + role + (time|couple_id), d52, REML = FALSE, control = ctl)
#   m1 <- lmer(score ~ (time + time_after_6)*group + role + (time|couple_id), d52,
#              REML = FALSE, control = ctl)
#   logLik(m0)  # 'log Lik.' -48868.3346167 (df=9)
#   logLik(m1)  # 'log Lik.' -48803.2531882 (df=11)
#   AIC(m0, m1) # 97754.6692334, 97628.5063765
#   anova(m0, m1)  # Chisq 130.16286, Df 2
#   m1r <- update(m1, REML = TRUE); b <- fixef(m1r); V <- vcov(m1r)
#   contrast waitlist - therapy at t months: c["groupwaitlist"] <- 1;
#   c["time:groupwaitlist"] <- t; c["time_after_6:groupwaitlist"] <- max(t - 6, 0)
#   sum(c * b), sqrt(c %*% V %*% c), +- qnorm(0.975) * se:
#   6  -0.5770188139  0.0789715811 -0.7318002687 -0.4222373592
#   12 -0.9346434004  0.1345596515 -1.1983754710 -0.6709113297


def test_piecewise_time_comparison_and_contrasts_agree_with_lme4(sample_cohort):
    aligned, groups, _ = sample_cohort
    shapes = [{"time": "linear"}, {"time": "piecewise", "knots": 6}]
    comp = cohort.compare_time_shapes(aligned, groups, shapes=shapes, max_week=52)
    assert list(comp.columns) == list(cohort.SHAPE_COMPARISON_COLUMNS)
    assert comp["shape"].tolist() == ["linear", "piecewise(knot=6)"]
    np.testing.assert_allclose(comp["loglik"], [-48868.3346167, -48803.2531882], atol=1e-5)
    np.testing.assert_allclose(comp["aic"], [97754.6692334, 97628.5063765], atol=1e-4)
    assert comp["n_params"].tolist() == [9, 11]
    assert comp["lr_statistic"].iloc[1] == pytest.approx(130.16286, abs=1e-4)
    assert comp["lr_df"].iloc[1] == 2 and comp["p"].iloc[1] < 1e-16
    assert comp["converged"].all()
    diff = cohort.group_differences(
        aligned, groups, months=(6, 12), time="piecewise", knots=6, max_week=52, se="model"
    )
    assert list(diff.columns) == list(cohort.DIFFERENCE_COLUMNS)
    assert diff[["month", "group", "reference"]].to_dict("records") == [
        {"month": 6.0, "group": "waitlist", "reference": "therapy"},
        {"month": 12.0, "group": "waitlist", "reference": "therapy"},
    ]
    np.testing.assert_allclose(diff["estimate"], [-0.5770188139, -0.9346434004], atol=1e-6)
    np.testing.assert_allclose(diff["std_error"], [0.0789715811, 0.1345596515], rtol=1e-5)
    np.testing.assert_allclose(diff["ci_low"], [-0.7318002687, -1.1983754710], atol=1e-5)
    np.testing.assert_allclose(diff["ci_high"], [-0.4222373592, -0.6709113297], atol=1e-5)


def test_group_differences_of_the_linear_model_are_its_coefficients_combined():
    aligned, groups = _aligned(24, seed=14, weeks=16)
    fit = cohort.growth_model(aligned, groups)
    diff = cohort.group_differences(aligned, groups, months=(0, 3))
    b = fit.set_index("term")["estimate"]
    v = pd.DataFrame(fit.attrs["vcov"])
    g, i = "group[waitlist]", "time:group[waitlist]"
    for row in diff.itertuples():
        assert row.estimate == pytest.approx(b[g] + row.month * b[i], abs=1e-9)
        var = v.loc[g, g] + 2 * row.month * v.loc[g, i] + row.month**2 * v.loc[i, i]
        assert row.std_error == pytest.approx(np.sqrt(var), rel=1e-9)
    with pytest.raises(ValueError, match="within the data"):
        cohort.group_differences(aligned, groups, months=(12,))


def test_spline_and_profiled_knot_recover_a_planted_plateau():
    rng = np.random.default_rng(15)
    n, weeks = 60, 52
    therapy = np.arange(n) % 2 == 0
    rows = []
    for i in range(n):
        slope = 0.3 + (0.2 if therapy[i] else 0.0) + rng.normal(0, 0.05)
        base = rng.normal(3, 0.7)
        t = np.arange(weeks) * MONTH
        for p, off in (("A", -0.4), ("B", 0.4)):
            y = base + off + slope * np.minimum(t, 6.0) + rng.normal(0, 0.5, weeks)
            rows.append(
                pd.DataFrame(
                    {
                        "couple_id": f"c{i:02d}",
                        "partner": p,
                        "aligned_week": range(weeks),
                        "score": y,
                    }
                )
            )
    aligned = pd.concat(rows, ignore_index=True)
    groups = pd.DataFrame(
        {"couple_id": [f"c{i:02d}" for i in range(n)], "group": np.where(therapy, "t", "w")}
    )
    piece = cohort.growth_model(aligned, groups, time="piecewise")
    assert piece.attrs["knots"] == (6.0,)  # the profile finds the planted plateau
    assert dict(piece.attrs["knot_profile"])[6.0] == min(dict(piece.attrs["knot_profile"]).values())
    for time in ("piecewise", "spline"):
        knots = 6.0 if time == "piecewise" else None
        diff = cohort.group_differences(aligned, groups, months=(6, 11), time=time, knots=knots)
        # planted: w - t = -0.2 * min(m, 6) = -1.2 at 6 and at 11 months
        assert (diff["ci_low"] < -1.2).all() and (diff["ci_high"] > -1.2).all(), time
    spline = cohort.growth_model(aligned, groups, time="spline", df=4)
    assert [t for t in spline["term"] if t.startswith("spline") and ":" not in t] == [
        "spline1",
        "spline2",
        "spline3",
        "spline4",
    ]
    comp = cohort.compare_time_shapes(
        aligned, groups, shapes=[{"time": "linear"}, {"time": "spline", "df": 4}]
    )
    assert comp["shape"].tolist() == ["linear", "spline(df=4)"]
    assert comp["aic"].iloc[0] > comp["aic"].iloc[1]  # the bend is real
    assert comp["n_params"].iloc[1] == comp["n_params"].iloc[0] + 6  # 3 more basis x 2 groups
    assert piece.attrs["n_params"] == comp["n_params"].iloc[0] + 2 + 1  # 2 terms + the knot


def test_growth_model_of_another_measure(sample_cohort):
    aligned, groups, _ = sample_cohort
    trust = cohort.growth_model(aligned, groups, measure="trust", max_week=26)
    assert trust.attrs["measure"] == "trust"
    assert trust.attrs["n_obs"] == int(
        aligned.loc[aligned["aligned_week"] <= 26, "trust"].notna().sum()
    )
    with pytest.raises(ValueError, match="`measure` must be the aligned measure"):
        cohort.growth_model(aligned, groups, measure="honesty")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time": "quadratic"}, "`time` must be one of"),
        ({"time": "piecewise", "knots": -1}, "`knots` must be one or more positive"),
        ({"time": "spline", "df": 20}, "`df` must be a whole number"),
    ],
)
def test_time_shape_arguments_are_checked(kwargs, message):
    aligned, groups = _aligned(4, weeks=3)
    with pytest.raises(ValueError, match=message):
        cohort.growth_model(aligned, groups, **kwargs)


def test_the_statsmodels_engine_agrees_with_the_sufficient_statistics_engine():
    aligned, groups = _aligned(16, seed=16, weeks=12)
    for partner in ("factor", "nested"):
        fast = cohort.growth_model(aligned, groups, partner=partner, se="model")
        slow = cohort.growth_model(
            aligned, groups, partner=partner, engine="statsmodels", se="model"
        )
        assert fast.attrs["converged"] and slow.attrs["converged"]
        assert fast.attrs["engine"] == "sufficient" and slow.attrs["engine"] == "statsmodels"
        np.testing.assert_allclose(fast["estimate"], slow["estimate"], atol=1e-6)
        np.testing.assert_allclose(fast["std_error"], slow["std_error"], rtol=1e-4)
        assert fast.attrs["reml_criterion"] == pytest.approx(slow.attrs["reml_criterion"], abs=1e-4)
    with pytest.raises(ValueError, match="`engine` must be one of"):
        cohort.growth_model(aligned, groups, engine="R")
    with pytest.raises(ValueError, match="need engine='sufficient'; pass se='model'"):
        cohort.growth_model(aligned, groups, engine="statsmodels")  # robust by default
    with pytest.raises(ValueError, match="`methods` must name optimizers"):
        cohort.growth_model(aligned, groups, methods=("newton",))


# --------------------------------------------------------------------------------------------
# honest comparisons: medians in words, RMST, Cox, crossover, attrition (against R survival)
# --------------------------------------------------------------------------------------------
#
# R 4.x, survival (Debian r-cran-survival), on the times of the bundled cohort exported once:
#   cohort.good_level_times(aligned, groups).to_csv("times.csv")   # window 4, level 7
#   library(survival)
#   d <- read.csv("times.csv"); d$status <- as.integer(d$reached == "True")
#   d$group <- factor(d$group, levels = c("therapy", "waitlist"))
#   survfit(Surv(weeks, status) ~ group, d, conf.type = "log-log")
#   #  group=therapy  149 103 median 41 0.95LCL 40 0.95UCL 46 ; group=waitlist 151 27 NA NA NA
#   survdiff(Surv(weeks, status) ~ group, d)      # Chisq= 93.4 on 1 df
#   coxph(Surv(weeks, status) ~ group, d, ties = "efron")
#   #  groupwaitlist coef -1.8474823992 se(coef) 0.2176144855
#   coxph(Surv(weeks, status) ~ group, d, ties = "breslow")
#   #  groupwaitlist coef -1.831706412  se 0.2176308199
#   # RMST by hand from survfit (survRM2's variance: sum(A_j^2 d_j / (n_j (n_j - d_j)))):
#   rmst <- function(time, status, tau) {
#     f <- survfit(Surv(time, status) ~ 1); keep <- f$time <= tau
#     t <- c(0, f$time[keep], tau); s <- c(1, f$surv[keep]); areas <- diff(t) * s
#     n <- f$n.risk[keep]; dd <- f$n.event[keep]
#     wk <- ifelse(n - dd == 0, 0, dd / (n * (n - dd)))
#     after <- rev(cumsum(rev(areas)))[-1]
#     c(rmst = sum(areas), se = sqrt(sum(after^2 * wk))) }
#   tau <- min(tapply(d$weeks, d$group, max))   # 67
#   therapy: 46.26555490189 1.27541677324 ; waitlist: 62.981241705348 0.737142436848
#   difference: -16.7156868035 se 1.47311469942 CI -19.6029385594 -13.8284350475
#               p 7.65997157547e-30
#   therapy, tau = 26: 25.7919463087248 0.0828934690924


def test_survival_comparisons_agree_with_r_survival(sample_cohort):
    aligned, groups, _ = sample_cohort
    curve = cohort.time_to_good_level(aligned, groups)
    med = cohort.survival_medians(curve).set_index("group")
    assert list(med.reset_index().columns) == list(cohort.MEDIAN_COLUMNS)
    assert med.loc["therapy", ["median_weeks", "ci_low", "ci_high"]].tolist() == [41, 40, 46]
    assert med.loc["therapy", "median_text"] == "41 weeks (95% CI 40 to 46)"
    assert np.isnan(med.loc["waitlist", "median_weeks"])
    assert med.loc["waitlist", "median_text"] == "not reached (> 67 weeks)"
    test = cohort.logrank(aligned, groups)
    assert test["statistic"].iloc[0] ** 2 == pytest.approx(93.4, abs=0.05)
    r = cohort.rmst(aligned, groups)
    assert list(r.columns) == list(cohort.RMST_COLUMNS)
    assert r["group"].tolist() == ["therapy", "waitlist", "therapy - waitlist"]
    assert (r["tau"] == 67).all()
    np.testing.assert_allclose(r["rmst"], [46.26555490189, 62.981241705348, -16.7156868035])
    np.testing.assert_allclose(
        r["std_error"], [1.27541677324, 0.737142436848, 1.47311469942], rtol=1e-9
    )
    assert r["ci_low"].iloc[2] == pytest.approx(-19.6029385594, rel=1e-9)
    assert r["ci_high"].iloc[2] == pytest.approx(-13.8284350475, rel=1e-9)
    assert r["p"].iloc[2] == pytest.approx(7.65997157547e-30, rel=1e-6)
    r26 = cohort.rmst(aligned, groups, tau=26)
    assert (r26["rmst"].iloc[0], r26["std_error"].iloc[0]) == pytest.approx(
        (25.7919463087248, 0.0828934690924), rel=1e-9
    )
    with pytest.raises(ValueError, match="`tau` must be between 0 and the shorter follow-up"):
        cohort.rmst(aligned, groups, tau=100)
    for ties, coef, se in (
        ("efron", 1.8474823992, 0.2176144855),
        ("breslow", 1.831706412, 0.2176308199),
    ):
        cox = cohort.cox_hazard_ratio(aligned, groups, ties=ties)
        assert list(cox.columns) == list(cohort.COX_COLUMNS)
        row = cox.iloc[0]
        assert row["log_hr"] == pytest.approx(coef, rel=1e-7)  # therapy vs waitlist = -R's
        assert row["std_error"] == pytest.approx(se, rel=1e-6)
        assert row["hazard_ratio"] == pytest.approx(np.exp(coef), rel=1e-7)
        assert row["ci_low"] == pytest.approx(np.exp(coef - 1.959963985 * se), rel=1e-6)
        assert (row["events_a"], row["events_b"]) == (103, 27)


def test_crossover_and_the_per_protocol_sensitivity_analysis(sample_cohort):
    aligned, groups, logs = sample_cohort
    table = cohort.crossover(aligned, groups, logs.events)
    assert list(table.columns) == list(cohort.CROSSOVER_COLUMNS)
    waitlist = table[table["group"] == "waitlist"]
    assert int(waitlist["received"].sum()) == 36  # the 36 of 151 the issue counted
    therapy_ids = set(logs.events.loc[logs.events["kind"] == "couples_therapy", "couple_id"])
    assert set(table.loc[table["received"], "couple_id"]) == therapy_ids & set(table["couple_id"])
    pp = cohort.per_protocol(aligned, groups, logs.events)
    assert pp.attrs["n_crossed_over"] == 36 and pp.attrs["per_protocol"] is True
    crossed = waitlist.loc[waitlist["received"]].set_index("couple_id")["received_week"]
    kept = pp.loc[pp["couple_id"].isin(crossed.index)]
    assert (kept["aligned_week"] < kept["couple_id"].map(crossed)).all()  # censored at crossover
    others = aligned.loc[~aligned["couple_id"].isin(crossed.index)]
    assert len(pp) == len(others) + len(kept)
    fit = cohort.growth_model(pp, groups, max_week=26)
    assert fit.attrs["converged"]


def test_attrition_counts_retained_couples_and_missed_weeks_by_hand():
    aligned = pd.DataFrame(
        {
            "couple_id": ["a"] * 4 + ["b"] * 2 + ["c"] * 3,
            "partner": ["A", "B", "A", "A", "A", "A", "A", "B", "A"],
            "aligned_week": [1, 1, 2, 5, 0, 1, 0, 3, 6],
            "score": 5.0,
        }
    )
    groups = pd.Series({"a": "x", "b": "x", "c": "y"})
    out = cohort.attrition(aligned, groups, weeks=(2, 5))
    assert list(out.columns) == list(cohort.ATTRITION_COLUMNS)
    got = out.set_index(["group", "week"])
    # x at 5: a (1..5, logged 1, 2, 5: 2 missed of 5), b (0..1, none missed) -> 2 / 7
    assert got.loc[("x", 5), ["n_couples", "n_retained"]].tolist() == [2, 1]
    assert got.loc[("x", 5), "missed_share"] == pytest.approx(2 / 7)
    # y at 2: c (0..2, logged 0: 2 missed of 3)
    assert got.loc[("y", 2), "missed_share"] == pytest.approx(2 / 3)
    assert got.loc[("y", 2), "retained_share"] == 1.0


# --------------------------------------------------------------------------------------------
# dyads: the lagged APIM against lme4
# --------------------------------------------------------------------------------------------
#
#   cohort.apim_frame(aligned).to_csv("apim.csv")      # aligned as in sample_cohort
#   d <- read.csv("apim.csv"); d$role <- factor(d$role, levels = c("hurt", "involved"))
#   m <- lmer(score ~ 0 + role + role:own_lag + role:partner_lag + (1 | couple_id), d,
#             REML = TRUE, control = ctl)                 # ctl as above
#                            Estimate     Std. Error     t value     p
#   rolehurt                 0.8480836555 0.03600861943  23.55224024 1.190727123e-122
#   roleinvolved             1.354907255  0.03599621625  37.64026878 0
#   rolehurt:own_lag         0.7632299308 0.006083937236 125.4500007 0
#   roleinvolved:own_lag     0.7134095703 0.006042867685 118.0581154 0
#   rolehurt:partner_lag     0.0483483501 0.006033893828 8.012794305 1.12131094e-15
#   roleinvolved:partner_lag 0.0726782154 0.006104734311  11.9052217 1.111674598e-32
#   REMLcrit 80342.7137539; couple_id (Intercept) 0.01658994081, Residual 1.08980068975


def test_apim_agrees_with_lme4(sample_cohort):
    aligned, _, _ = sample_cohort
    frame = cohort.apim_frame(aligned)
    assert list(frame.columns) == list(cohort.APIM_FRAME_COLUMNS) and len(frame) == 27375
    out = cohort.apim(aligned)
    assert list(out.columns) == list(cohort.APIM_COLUMNS)
    got = out.set_index(["role", "effect"])
    ref = {
        ("hurt", "intercept"): (0.8480836555, 0.03600861943, 1.190727123e-122),
        ("hurt", "actor"): (0.7632299308, 0.006083937236, 0.0),
        ("hurt", "partner"): (0.0483483501, 0.006033893828, 1.12131094e-15),
        ("involved", "intercept"): (1.354907255, 0.03599621625, 0.0),
        ("involved", "actor"): (0.7134095703, 0.006042867685, 0.0),
        ("involved", "partner"): (0.0726782154, 0.006104734311, 1.111674598e-32),
    }
    # the criterion is flat in the small couple variance (equal to lme4's to 1e-7 deviance
    # units), which leaves the intercepts determined to a few 1e-7
    for key, (est, se, p) in ref.items():
        assert got.loc[key, "estimate"] == pytest.approx(est, abs=1e-6), key
        assert got.loc[key, "std_error"] == pytest.approx(se, rel=1e-6), key
        assert got.loc[key, "p"] == pytest.approx(p, rel=1e-3, abs=1e-300), key
    assert out.attrs["converged"] is True
    assert out.attrs["reml_criterion"] == pytest.approx(80342.7137539, abs=1e-4)
    assert out.attrs["couple_variance"] == pytest.approx(0.01658994081, rel=1e-4)
    assert out.attrs["residual"] == pytest.approx(1.08980068975, rel=1e-6)


def test_apim_needs_distinguishable_dyads_and_builds_lags_by_hand():
    aligned = pd.DataFrame(
        {
            "couple_id": "c",
            "partner": ["A", "B", "A", "B", "A"],
            "role": ["hurt", "involved", "hurt", "involved", "hurt"],
            "aligned_week": [0, 0, 1, 1, 3],  # week 3 has no week 2 before it
            "score": [3.0, 6.0, 4.0, 7.0, 5.0],
        }
    )
    frame = cohort.apim_frame(aligned)
    assert frame[["role", "aligned_week", "own_lag", "partner_lag"]].to_dict("records") == [
        {"role": "hurt", "aligned_week": 1, "own_lag": 3.0, "partner_lag": 6.0},
        {"role": "involved", "aligned_week": 1, "own_lag": 6.0, "partner_lag": 3.0},
    ]
    two = cohort.apim_frame(aligned, lag=2)  # week 3 on week 1 (the involved partner has none)
    assert two[["role", "aligned_week", "own_lag", "partner_lag"]].to_dict("records") == [
        {"role": "hurt", "aligned_week": 3, "own_lag": 4.0, "partner_lag": 7.0}
    ]
    with pytest.raises(ValueError, match="two distinct partner roles"):
        cohort.apim_frame(aligned.assign(role="hurt"))
    with pytest.raises(ValueError, match="`lag` must be a whole number"):
        cohort.apim_frame(aligned, lag=0)


def test_every_cohort_analysis_takes_measure(sample_cohort):
    aligned, groups, _ = sample_cohort
    trust = aligned.loc[aligned["trust"].notna()].assign(score=lambda f: f["trust"])
    pairs = [
        (lambda a, **k: cohort.trajectories(a, groups, **k)),
        (lambda a, **k: cohort.per_couple_slopes(a, **k)),
        (lambda a, **k: cohort.slope_comparison(a, groups, **k)),
        (lambda a, **k: cohort.good_level_times(a, groups, **k)),
        (lambda a, **k: cohort.time_to_good_level(a, groups, **k)),
        (lambda a, **k: cohort.logrank(a, groups, **k)),
        (lambda a, **k: cohort.rmst(a, groups, **k)),
        (lambda a, **k: cohort.attrition(a, groups, **k)),
    ]
    for func in pairs:
        pd.testing.assert_frame_equal(func(aligned, measure="trust"), func(trust))
    np.testing.assert_allclose(
        cohort.apim(aligned, measure="trust")["estimate"], cohort.apim(trust)["estimate"]
    )


def test_robust_standard_errors_are_the_couple_sandwich_computed_by_hand():
    aligned, groups = _aligned(12, seed=17, weeks=8)
    fit = cohort.growth_model(aligned, groups, se="robust")
    model = cohort.growth_model(aligned, groups, se="model")
    np.testing.assert_allclose(fit["estimate"], model["estimate"], atol=1e-12)
    assert fit.attrs["se"] == "robust" and model.attrs["se"] == "model"
    default = cohort.growth_model(aligned, groups)  # honest uncertainty by default
    assert default.attrs["se"] == "robust"
    pd.testing.assert_frame_equal(default, fit)
    diff = cohort.group_differences(aligned, groups, months=(1,))
    assert diff.attrs["se"] == "robust"
    pd.testing.assert_frame_equal(
        diff, cohort.group_differences(aligned, groups, months=(1,), se="robust")
    )
    # by hand, dense: V_i = Z_i D Z_i' + s2 I from the fitted variances, GLS scores per couple
    re = model.attrs["random_effects"]
    d = np.array(
        [
            [re["couple_intercept"], re["couple_intercept_slope_cov"]],
            [re["couple_intercept_slope_cov"], re["couple_slope"]],
        ]
    )
    data = aligned.merge(groups, on="couple_id")
    data["time"] = data["aligned_week"] * MONTH
    beta = model["estimate"].to_numpy()
    bread = np.zeros((5, 5))
    scores = []
    for _, rows in data.groupby("couple_id"):
        x = np.column_stack(
            [
                np.ones(len(rows)),
                rows["group"] == "waitlist",
                rows["partner"] == "B",
                rows["time"],
                rows["time"] * (rows["group"] == "waitlist"),
            ]
        ).astype(float)
        z = np.column_stack([np.ones(len(rows)), rows["time"]])
        vinv = np.linalg.inv(z @ d @ z.T + re["residual"] * np.eye(len(rows)))
        bread += x.T @ vinv @ x
        scores.append(x.T @ vinv @ (rows["score"].to_numpy() - x @ beta))
    s = np.array(scores)
    b = np.linalg.inv(bread)
    ref = b @ (s.T @ s * 12 / 11) @ b
    np.testing.assert_allclose(fit["std_error"], np.sqrt(np.diag(ref)), rtol=1e-6)
    np.testing.assert_allclose(model["std_error"], np.sqrt(np.diag(b)), rtol=1e-6)
    with pytest.raises(ValueError, match="`se` must be one of"):
        cohort.growth_model(aligned, groups, se="hc3")


def test_new_analyses_of_empty_input_are_empty_with_their_columns():
    aligned, groups = _aligned(6, weeks=6)
    empty = aligned.head(0)
    for out, cols in (
        (cohort.rmst(empty, groups), cohort.RMST_COLUMNS),
        (cohort.cox_hazard_ratio(empty, groups), cohort.COX_COLUMNS),
        (cohort.attrition(empty, groups), cohort.ATTRITION_COLUMNS),
        (cohort.apim(empty.assign(role="hurt")), cohort.APIM_COLUMNS),
        (cohort.group_differences(empty, groups), cohort.DIFFERENCE_COLUMNS),
        (cohort.compare_time_shapes(empty, groups), cohort.SHAPE_COMPARISON_COLUMNS),
    ):
        assert out.empty and list(out.columns) == list(cols)
