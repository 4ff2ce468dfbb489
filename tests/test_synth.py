"""Tests of trustdata.synth: determinism, valid frames, and that the planted truth is what the
logs show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustdata import schemas, synth
from trustdata.anonymize import KeyFileWarning
from trustdata.errors import FileProblem
from trustdata.logs import empty_table

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"


@pytest.fixture(scope="module")
def small() -> synth.Synthetic:
    return synth.generate(3, seed=0)


@pytest.fixture(scope="module")
def medium() -> synth.Synthetic:
    # 150 couples logging 14-18 months: every couple reaches the first anniversary.
    return synth.generate(150, seed=5, months=(14, 18))


def _frames(syn: synth.Synthetic) -> dict[str, pd.DataFrame]:
    out = {t: getattr(syn.logs, t) for t in schemas.TABLES}
    return {**out, "setbacks": syn.setbacks, "params": syn.params}


# --- determinism --------------------------------------------------------------------------------


def test_same_seed_gives_identical_frames(small):
    again = synth.generate(3, seed=0)
    for name, frame in _frames(small).items():
        pd.testing.assert_frame_equal(frame, _frames(again)[name], obj=name)


@pytest.mark.parametrize("table", ["checkins", "triggers", "setbacks", "params"])
def test_different_seed_gives_different_frames(small, table):
    other = synth.generate(3, seed=1)
    assert not _frames(small)[table].equals(_frames(other)[table])


def test_generate_leaves_global_random_state_alone():
    # the legacy global state is exactly what must stay untouched
    np.random.seed(123)  # noqa: NPY002
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    synth.generate(2, seed=4)
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002


# --- frames are valid and typed like Logs requires ---------------------------------------------


@pytest.mark.parametrize("table", schemas.TABLES)
def test_frames_pass_their_schema_with_the_logs_dtypes(medium, table):
    frame = getattr(medium.logs, table)
    schemas.SCHEMAS[table].validate(frame, lazy=True)
    template = empty_table(table)
    assert list(frame.columns[: len(template.columns)]) == list(template.columns)
    for col in template.columns:
        assert frame[col].dtype == template[col].dtype, col
    assert len(frame) > 0


def test_one_checkin_per_couple_partner_and_date(medium):
    keys = medium.logs.checkins[["couple_id", "partner", "date"]]
    assert not keys.duplicated().any()


def test_params_have_one_row_per_couple_and_partner(small):
    params = small.params
    assert list(params.columns) == list(synth.PARAM_COLUMNS)
    assert len(params) == 2 * 3
    assert params.groupby("couple_id")["partner"].apply(sorted).tolist() == [["A", "B"]] * 3
    assert set(params.loc[params["partner"] == "A", "role"]) == {"hurt"}
    assert set(params.loc[params["partner"] == "B", "role"]) == {"involved"}


def test_couple_ids_partners_and_roles_are_neutral(small):
    checkins = small.logs.checkins
    assert small.logs.couple_ids == ["couple-01", "couple-02", "couple-03"]
    assert set(checkins["partner"]) == {"A", "B"}
    assert set(checkins["role"]) == {"hurt", "involved"}


def test_hurt_partner_starts_lower(medium):
    base = medium.params.pivot(index="couple_id", columns="role", values="baseline")
    assert (base["hurt"] < base["involved"]).mean() > 0.95
    assert base["hurt"].between(2, 4).all()


def test_scores_are_whole_numbers_between_1_and_10(medium):
    checkins = medium.logs.checkins
    for col in schemas.SCORE_COLUMNS:
        values = checkins[col].dropna()
        assert values.between(schemas.SCORE_MIN, schemas.SCORE_MAX).all(), col
    assert checkins["trust"].notna().mean() > 0.3
    assert checkins["reliability"].notna().mean() > 0.1


def test_trust_is_correlated_with_connection(medium):
    both = medium.logs.checkins[["connection", "trust"]].dropna().astype(float)
    assert both["connection"].corr(both["trust"]) > 0.6


# --- the planted truth is what the logs show ---------------------------------------------------


def _residuals(syn: synth.Synthetic) -> pd.DataFrame:
    checkins = syn.logs.checkins
    level = synth.underlying_level(syn.params, checkins)
    return checkins.assign(level=level, res=checkins["connection"].astype(float) - level)


def test_scores_at_a_planted_setback_are_lower_by_its_depth(medium):
    res = _residuals(medium)
    truth = medium.setbacks.reset_index(names="setback")
    assert len(truth) > 100
    merged = res.merge(truth, on=["couple_id", "partner"])
    at_depth = merged[
        (merged["date"] >= merged["start"])
        & (
            merged["date"]
            < merged["planted_start"] + pd.to_timedelta(merged["weeks_at_depth"] * 7, "D")
        )
    ]
    per_setback = at_depth.groupby("setback").agg(res=("res", "mean"), depth=("depth", "first"))
    planted = truth.set_index("setback")["planted_depth"].reindex(per_setback.index)
    full = per_setback[per_setback["depth"] == planted]
    assert len(full) > 0.8 * len(per_setback)
    # The drop is planted at full depth: the mean residual is -depth up to noise and rounding.
    assert abs((full["res"] + full["depth"]).mean()) < 0.15
    gap = (full["res"] + full["depth"]).abs()
    assert gap.quantile(0.95) < 1.0
    assert gap.max() < 2.5  # one check-in: 3 noise SDs (0.8) plus rounding


def test_scores_outside_setbacks_sit_on_the_underlying_level(medium):
    res = _residuals(medium)
    spans = medium.setbacks
    inside = np.zeros(len(res), dtype=bool)
    for row in spans.itertuples():  # a few hundred setbacks: fine in a test
        stop = row.planted_start + pd.Timedelta(weeks=int(row.weeks_at_depth + row.recovery_weeks))
        inside |= (
            (res["couple_id"] == row.couple_id).to_numpy()
            & (res["partner"] == row.partner).to_numpy()
            & (res["date"] >= row.planted_start).to_numpy()
            & (res["date"] < stop).to_numpy()
        )
    # Setbacks seen only partly (not listed) still lower a few check-ins; keep the clear middle
    # of the scale, away from clipping at 1 and 10.
    calm = res[~inside & res["level"].between(2.5, 8.5)]
    assert abs(calm["res"].median()) <= 0.1
    assert abs(calm["res"].mean()) < 0.2


def test_setback_truth_dates_are_checkins_in_order(medium):
    truth = medium.setbacks
    checkins = medium.logs.checkins
    dates = set(zip(checkins["couple_id"], checkins["partner"], checkins["date"], strict=True))
    for col in ("start", "trough_date"):
        assert all(k in dates for k in zip(truth.couple_id, truth.partner, truth[col], strict=True))
    ended = truth.dropna(subset=["end"])
    assert all(k in dates for k in zip(ended.couple_id, ended.partner, ended["end"], strict=True))
    assert (truth["trough_date"] >= truth["start"]).all()
    assert (ended["end"] > ended["trough_date"]).all()
    assert (truth["start"] >= truth["planted_start"]).all()
    assert (truth["depth"] >= synth.MIN_VISIBLE_DEPTH).all()
    assert (truth["depth"] <= truth["planted_depth"]).all()
    assert truth["weeks_at_depth"].between(1, 8).all()
    assert truth["recovery_weeks"].between(1, 4).all()
    assert truth["planted_depth"].between(3, 6.5).all()


def test_setbacks_of_a_partner_do_not_overlap(medium):
    truth = medium.setbacks.sort_values(["couple_id", "partner", "start"])
    nxt = truth.groupby(["couple_id", "partner"])["planted_start"].shift(-1)
    span_end = truth["planted_start"] + pd.to_timedelta(
        7 * (truth["weeks_at_depth"] + truth["recovery_weeks"]), "D"
    )
    assert (nxt.dropna() >= span_end[nxt.notna()]).all()


def test_setback_causing_events_are_followed_by_setbacks(medium):
    events = medium.logs.events
    causing = events[events["kind"].isin(["new_information", "repeat_betrayal"])]
    assert len(causing) > 10
    truth = medium.setbacks[medium.setbacks["cause"].isin(["new_information", "repeat_betrayal"])]
    linked = causing.merge(truth, on="couple_id")
    linked = linked[(linked["start"] - linked["date"]).dt.days.between(0, 21)]
    assert linked["couple_id"].nunique() / causing["couple_id"].nunique() > 0.8
    # a caused setback never shows before its event
    when = causing.groupby("couple_id")["date"].min()
    assert (truth["start"] >= truth["couple_id"].map(when)).all()


# --- triggers, events, missed weeks -------------------------------------------------------------


def _months_since_anchor(syn: synth.Synthetic, frame: pd.DataFrame, col: str) -> pd.Series:
    anchor = syn.params.drop_duplicates("couple_id").set_index("couple_id")["anchor_date"]
    days = (frame[col] - frame["couple_id"].map(anchor)).dt.days
    return days / schemas.DAYS_PER_MONTH


def test_trigger_rate_falls_over_the_months(medium):
    trig = medium.logs.triggers
    months = _months_since_anchor(medium, trig, "timestamp")
    early = ((months >= 1) & (months < 3)).sum() / 2
    late = ((months >= 10) & (months < 12)).sum() / 2
    assert late < early / 3
    # after a year, under one trigger a week on average per hurt partner
    hurt = trig["partner"] == "A"
    weekly_late = (hurt & (months >= 12) & (months < 13)).sum() / (150 * 52.18 / 12)
    assert weekly_late < 1.5


def test_triggers_spike_around_the_first_anniversary(medium):
    trig = medium.logs.triggers
    anchor = medium.params.drop_duplicates("couple_id").set_index("couple_id")["anchor_date"]
    days = (trig["timestamp"] - trig["couple_id"].map(anchor)).dt.days
    around = days.between(365 - 10, 365 + 10).sum() / 21
    before = days.between(300, 340).sum() / 41
    after = days.between(390, 420).sum() / 31
    assert around > 1.8 * max(before, after)
    anniv = trig[days.between(355, 375)]
    share = (anniv["category"] == "date_or_anniversary").mean()
    assert share > 2 * (trig["category"] == "date_or_anniversary").mean()


def test_trigger_intensity_falls_and_plan_use_rises(medium):
    trig = medium.logs.triggers
    months = _months_since_anchor(medium, trig, "timestamp")
    early, late = trig[months < 3], trig[(months >= 9) & (months < 12)]
    assert early["intensity"].mean() > late["intensity"].mean() + 1.5
    assert late["used_plan"].mean() > early["used_plan"].mean() + 0.3


def test_missed_weeks_gaps_and_extra_checkins_exist(medium):
    checkins = medium.logs.checkins
    week = schemas.week_start(checkins["date"])
    per = checkins.assign(week=week).groupby(["couple_id", "partner"])["week"]
    span = (per.max() - per.min()).dt.days // 7 + 1
    missed = 1 - per.nunique() / span
    assert 0.02 < missed.mean() < 0.2
    assert (missed > 0).mean() > 0.8
    # gaps of 2 weeks or more
    gaps = per.diff().dt.days
    assert (gaps >= 21).sum() > 20
    # the odd week with two check-ins
    doubles = checkins.assign(week=week).duplicated(["couple_id", "partner", "week"])
    assert 0.005 < doubles.mean() < 0.08
    # some partners stop logging early
    assert medium.params["stops_logging"].notna().sum() > 5


def test_partner_who_stops_logging_has_no_later_records(medium):
    stops = medium.params.dropna(subset=["stops_logging"])
    checkins, trig = medium.logs.checkins, medium.logs.triggers
    for row in stops.itertuples():
        for frame, col in ((checkins, "date"), (trig, "timestamp")):
            mine = frame[(frame["couple_id"] == row.couple_id) & (frame["partner"] == row.partner)]
            assert (mine[col] < row.stops_logging).all()


def test_events_start_with_the_anchor_and_never_include_abuse(medium):
    events = medium.logs.events
    assert "abuse" not in set(events["kind"])
    first = events.sort_values(["couple_id", "date"]).groupby("couple_id").head(1)
    assert set(first["kind"]) <= {"discovery", "disclosure"}
    assert first["couple_id"].nunique() == 150
    anchor = medium.params.drop_duplicates("couple_id").set_index("couple_id")["anchor_date"]
    assert (first["date"].to_numpy() == first["couple_id"].map(anchor).to_numpy()).all()
    kinds = set(events["kind"])
    for kind in ("couples_therapy", "individual_therapy", "agreement", "small_win", "no_contact"):
        assert kind in kinds


def test_couples_therapy_flag_matches_events(medium):
    events = medium.logs.events
    with_therapy = set(events.loc[events["kind"] == "couples_therapy", "couple_id"])
    flag = medium.params.drop_duplicates("couple_id").set_index("couple_id")["couples_therapy"]
    assert set(flag[flag].index) == with_therapy


def test_free_text_holds_characters_that_need_escaping(medium):
    text = pd.concat(
        [medium.logs.checkins[c] for c in schemas.CHECKIN_TEXT_COLUMNS]
        + [medium.logs.triggers["note"], medium.logs.events["note"]]
    ).dropna()
    for char in ("<", "&", '"'):
        assert text.str.contains(char, regex=False).any(), char
    assert text.str.match(r"[+-]").any()  # a spreadsheet would take these for formulas
    assert text.str.len().max() < 80


def test_text_false_writes_no_free_text():
    syn = synth.generate(5, seed=2, text=False)
    for table, cols in (
        ("checkins", schemas.CHECKIN_TEXT_COLUMNS),
        ("triggers", ("note",)),
        ("events", ("note",)),
    ):
        for col in cols:
            assert getattr(syn.logs, table)[col].isna().all(), (table, col)


# --- hard roads, cohorts and the group effect ----------------------------------------------------


def test_three_couples_include_a_hard_road():
    for seed in range(8):
        params = synth.generate(3, seed=seed, hard_road_share=0.0).params
        assert params["hard_road"].any()


def test_repeat_betrayal_flattens_the_arc(medium):
    params = medium.params
    rb = params[params["hard_road_kind"] == "repeat_betrayal"].drop_duplicates("couple_id")
    events = medium.logs.events
    when = events[events["kind"] == "repeat_betrayal"].set_index("couple_id")["date"]
    months = (rb["couple_id"].map(when) - rb["anchor_date"]).dt.days / schemas.DAYS_PER_MONTH
    assert len(rb) > 5
    # flat from the repeat betrayal on (or from an earlier plateau)
    assert (rb["plateau_month"] <= months + 1e-9).all()
    assert np.isclose(rb["plateau_month"], months).mean() > 0.5


def test_no_improvement_couples_stay_flat(medium):
    params = medium.params
    flat = params[params["hard_road_kind"] == "no_improvement"]
    assert len(flat) > 5
    assert ((flat["slope_per_month"] - flat["group_effect"]).abs() <= 0.05).all()


def test_cohort_has_groups_sites_and_spread_anchors():
    syn = synth.generate(120, seed=1, months=12)
    couples = syn.logs.couples
    assert list(couples.columns) == ["couple_id", "group", "site"]
    assert set(couples["group"]) == {"therapy", "waitlist"}
    assert couples["site"].nunique() > 2
    anchors = syn.params["anchor_date"]
    assert (anchors.max() - anchors.min()).days > 365
    small = synth.generate(5, seed=1).params["anchor_date"]
    assert (small.max() - small.min()).days < 28
    spread = synth.generate(5, seed=1, cohort=True).params["anchor_date"]
    assert (spread.max() - spread.min()).days > 28


@pytest.mark.parametrize("effect", [0.0, 0.3])
def test_params_and_data_reflect_the_planted_group_effect(effect):
    syn = synth.generate(200, seed=3, months=12, group_effect=effect, hard_road_share=0, text=False)
    params = syn.params
    therapy = params["group"] == "therapy"
    assert (params.loc[therapy, "group_effect"] == effect).all()
    assert (params.loc[~therapy, "group_effect"] == 0).all()
    # the slope seen in the data over the first 5 months (before any plateau): OLS per partner
    res = _residuals(syn)
    res["t"] = _months_since_anchor(syn, res, "date")
    early = res[res["t"] < 5]
    early = early.assign(y=early["connection"].astype(float))
    g = early.groupby(["couple_id", "partner"])
    cov = g.apply(lambda d: np.cov(d["t"], d["y"])[0, 1] / np.var(d["t"], ddof=1))
    group = params.set_index(["couple_id", "partner"])["group"].reindex(cov.index)
    diff = cov[group == "therapy"].mean() - cov[group == "waitlist"].mean()
    assert diff == pytest.approx(effect, abs=0.12)


# --- arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"couples": 0}, "`couples` must be a whole number"),
        ({"couples": 2.5}, "`couples` must be a whole number"),
        ({"months": (12, 6)}, "`months`"),
        ({"months": 12.5}, "`months`"),
        ({"months": ("a", "b")}, "`months`"),
        ({"months": (1, 2, 3)}, "`months`"),
        ({"start": ["2024-01-01"]}, "`start`"),
        ({"start": "yesterday-ish"}, "`start`"),
        ({"hard_road_share": 2}, "`hard_road_share`"),
    ],
)
def test_bad_arguments_raise_value_error_with_a_sentence(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synth.generate(**{"couples": 2, **kwargs})


def test_write_sample_rejects_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="`format` must be one of"):
        synth.write_sample(tmp_path, format="xlsx")


# --- writing, the CLI and the bundled sample ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_write_sample_round_trips_through_load(tmp_path, fmt):
    from trustdata.io import load

    syn = synth.write_sample(tmp_path, couples=2, seed=8, format=fmt)
    logs = load(tmp_path)
    assert len(logs.rejected) == 0
    for table in schemas.TABLES:
        pd.testing.assert_frame_equal(
            getattr(logs, table).reset_index(drop=True),
            getattr(syn.logs, table).reset_index(drop=True),
            obj=table,
        )
    truth = pd.read_csv(tmp_path / "truth" / "setbacks.csv", parse_dates=["start", "end"])
    assert list(truth.columns) == list(synth.SETBACK_TRUTH_COLUMNS)
    assert truth["start"].tolist() == syn.setbacks["start"].tolist()
    params = pd.read_csv(tmp_path / "truth" / "params.csv")
    assert params["slope_per_month"].tolist() == syn.params["slope_per_month"].tolist()


def test_cli_sample_writes_logs_and_truth(tmp_path, capsys):
    from trustdata.cli import main

    out = tmp_path / "logs"
    assert main(["sample", str(out), "--couples", "2", "--seed", "4"]) == 0
    printed = capsys.readouterr().out
    assert "2 synthetic couples" in printed and "truth" in printed
    assert (out / "checkins.csv").exists()
    assert (out / "truth" / "setbacks.csv").exists()
    assert (out / "truth" / "params.csv").exists()


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    # docs/sample-data.md: `.venv/bin/python -m trustdata.synth data/sample`
    folder = tmp_path_factory.mktemp("sample")
    assert synth.main([str(folder)]) == 0
    return folder


def _files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def test_bundled_sample_is_what_the_documented_command_writes(regenerated):
    """The committed ``data/sample`` is the output of the one documented command.

    Same file names; CSV, Markdown and the demo key compared byte for byte; Parquet compared by
    the loaded frames (``pd.read_parquet``, every column and dtype), because its bytes also hold
    the pyarrow and pandas versions that wrote it.
    """
    written = _files(regenerated)
    assert written == _files(SAMPLE)
    assert Path("cohort_anonymized") / "checkins.parquet" in written
    assert Path("demo.key") in written
    for rel in written:
        if rel.suffix == ".parquet":
            pd.testing.assert_frame_equal(
                pd.read_parquet(regenerated / rel), pd.read_parquet(SAMPLE / rel), obj=str(rel)
            )
        else:
            assert (regenerated / rel).read_bytes() == (SAMPLE / rel).read_bytes(), rel


@pytest.mark.parametrize(
    ("folder", "suffix"),
    [("couples", ".csv"), ("cohort", ".parquet"), ("cohort_anonymized", ".parquet")],
)
def test_bundled_sample_formats_csv_couples_and_parquet_cohorts(folder, suffix):
    logs = sorted(p.name for p in (SAMPLE / folder).iterdir() if p.is_file() and p.suffix != ".md")
    assert logs == sorted(f"{t}{suffix}" for t in schemas.TABLES)


def test_rerunning_over_an_old_sample_removes_stale_files_and_keeps_the_key(tmp_path):
    # an earlier run wrote the cohort as CSV; the demo key is an input that is never replaced
    # (an earlier run leaves its marks: truth/params.csv, the anonymization report)
    (tmp_path / "cohort" / "truth").mkdir(parents=True)
    head = ",".join(synth.generate(1, seed=0).params.columns)
    (tmp_path / "cohort" / "truth" / "params.csv").write_text(head + "\n")
    (tmp_path / "cohort" / "checkins.csv").write_text("couple_id,partner,date,connection\n")
    (tmp_path / "cohort_anonymized").mkdir()
    (tmp_path / "cohort_anonymized" / "triggers.csv").write_text("stale\n")
    (tmp_path / "cohort_anonymized" / "anonymization_report.md").write_text("stale\n")
    key = "another demo key, 0123456789abcdef\n"
    (tmp_path / "demo.key").write_text(key)
    (tmp_path / "demo.key").chmod(0o644)  # whatever the umask
    with pytest.warns(KeyFileWarning, match="can be read by other users"):
        written = synth.write_bundled(tmp_path)  # not the demo key: its 0644 is worth a word
    assert not (tmp_path / "cohort" / "checkins.csv").exists()
    assert not (tmp_path / "cohort_anonymized" / "triggers.csv").exists()
    assert (tmp_path / "demo.key").read_text() == key
    assert written["cohort_anonymized"].n_couples == 300
    committed = pd.read_parquet(SAMPLE / "cohort_anonymized" / "couples.parquet")
    other = pd.read_parquet(tmp_path / "cohort_anonymized" / "couples.parquet")
    assert set(other["couple_id"]).isdisjoint(committed["couple_id"])  # another key, other ids


def test_anonymized_sample_parquet_metadata_holds_no_original_id_or_date():
    # Parquet keeps a pandas schema note and per-column min/max statistics: they must show only
    # pseudonyms and shifted dates (every couple starts in the week of 2000-01-03).
    import pyarrow.parquet as pq

    ids = set(pd.read_parquet(SAMPLE / "cohort" / "couples.parquet")["couple_id"])
    first_original = pd.read_parquet(SAMPLE / "cohort" / "events.parquet")["date"].min()
    assert first_original >= pd.Timestamp(synth.DEFAULT_START_COHORT)
    for path in sorted((SAMPLE / "cohort_anonymized").glob("*.parquet")):
        assert b"couple-" not in path.read_bytes(), path.name
        pf = pq.ParquetFile(path)
        assert set(pf.schema_arrow.metadata) == {b"pandas"}, path.name
        assert b"couple-" not in pf.schema_arrow.metadata[b"pandas"]
        group = pf.metadata.row_group(0)
        for i in range(group.num_columns):
            stats = group.column(i).statistics
            if stats is None or not stats.has_min_max:
                continue
            for value in (stats.min, stats.max):
                if isinstance(value, str):
                    assert value not in ids, (path.name, value)
                elif hasattr(value, "year"):
                    assert pd.Timestamp("2000-01-03") <= pd.Timestamp(value) < first_original


def test_bundled_sample_has_what_the_docs_promise():
    couples = pd.read_csv(SAMPLE / "couples" / "truth" / "params.csv")
    assert couples["couple_id"].nunique() == 4
    assert couples["hard_road"].any()
    events = pd.read_csv(SAMPLE / "couples" / "events.csv")
    assert "abuse" not in set(events["kind"])
    cohort = pd.read_parquet(SAMPLE / "cohort" / "couples.parquet")
    assert len(cohort) == 300 and {"group", "site"} <= set(cohort.columns)
    cohort_events = pd.read_parquet(SAMPLE / "cohort" / "events.parquet")
    assert "couples_therapy" in set(cohort_events["kind"])
    size = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert size < 5_000_000


def test_some_spontaneous_setbacks_hit_both_partners_in_the_same_week(medium):
    truth = medium.setbacks[medium.setbacks["cause"].isin(["spontaneous", "anniversary"])]
    a = truth[truth["partner"] == "A"][["couple_id", "planted_start"]]
    b = truth[truth["partner"] == "B"][["couple_id", "planted_start"]]
    both = a.merge(b, on=["couple_id", "planted_start"])
    assert 0.05 < len(both) / len(truth) < 0.5


@pytest.mark.parametrize("sub", ["couples", "cohort", "cohort_anonymized"])
def test_regenerating_the_sample_never_replaces_logs_it_did_not_write(tmp_path, capsys, sub):
    """``python -m trustdata.synth DIR`` over a folder of real logs: refused, nothing touched.

    Logs without an earlier run's marks (``truth/params.csv``; the anonymized copy's report)
    may be a couple's own; the command exits 2 with a sentence before writing anything.
    """
    real = tmp_path / sub / "checkins.csv"
    real.parent.mkdir()
    real.write_text("couple_id,partner,date,connection\nc1,A,2024-01-01,5\n")
    assert synth.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / sub}: holds log files (checkins.csv)" in err
    assert "Give a new or empty folder." in err
    assert real.read_text() == "couple_id,partner,date,connection\nc1,A,2024-01-01,5\n"
    assert _files(tmp_path) == [Path(sub) / "checkins.csv"]  # nothing else written


def test_write_sample_refuses_a_folder_of_logs_it_did_not_write(tmp_path):
    (tmp_path / "events.csv").write_text("couple_id,date,kind\n")
    with pytest.raises(FileProblem, match="no synthetic run wrote"):
        synth.write_sample(tmp_path, couples=1)
    assert _files(tmp_path) == [Path("events.csv")]
    synth.write_sample(tmp_path / "new", couples=1)  # a new folder, then the same one again
    synth.write_sample(tmp_path / "new", couples=1, seed=1)


def test_an_empty_truth_file_or_a_lone_anonymized_folder_is_no_mark_of_a_synthetic_run(tmp_path):
    # a reader put an empty truth/params.csv beside real logs and the command replaced them
    real = "couple_id,partner,date,connection\nc1,A,2024-01-01,5\n"
    (tmp_path / "couples" / "truth").mkdir(parents=True)
    (tmp_path / "couples" / "truth" / "params.csv").write_text("")
    (tmp_path / "couples" / "checkins.csv").write_text(real)
    with pytest.raises(FileProblem, match=r"no truth/params\.csv from one"):
        synth.write_bundled(tmp_path)
    assert (tmp_path / "couples" / "checkins.csv").read_text() == real
    # an anonymized export with its report, but no synthetic cohort beside it: a real one
    other = tmp_path / "other"
    (other / "cohort_anonymized").mkdir(parents=True)
    (other / "cohort_anonymized" / "checkins.csv").write_text(real)
    (other / "cohort_anonymized" / "anonymization_report.md").write_text("# Anonymization report\n")
    with pytest.raises(FileProblem, match="cohort_anonymized: holds log files"):
        synth.write_bundled(other)
    assert (other / "cohort_anonymized" / "checkins.csv").read_text() == real
