"""trustdata.pipeline: the per-couple analyses over partitions equal the whole-cohort call."""

from __future__ import annotations

import platform
import sys

import pandas as pd
import pytest

from trustdata import TrustDataError, _memory, io, pipeline, synth


@pytest.fixture(scope="module")
def logs():
    return synth.generate(couples=24, seed=31).logs


@pytest.fixture(scope="module")
def whole(logs):
    return {name: f(logs) for name, f in pipeline.ANALYSES.items()}


def _same(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_partitions_hold_whole_couples_once(logs):
    parts = pipeline.partition_logs(logs, 5)
    ids = [set(p.couple_ids) for p in parts]
    assert sum(len(i) for i in ids) == len(logs.couple_ids)
    assert set().union(*ids) == set(logs.couple_ids)
    for table in ("checkins", "triggers", "events", "couples"):
        assert sum(len(getattr(p, table)) for p in parts) == len(getattr(logs, table))


@pytest.mark.parametrize("partitions", [1, 3, 7, 100])
def test_pandas_partitions_equal_the_whole_call(logs, whole, partitions):
    _same(pipeline.run(logs, partitions=partitions), whole)


def test_dask_threads_equal_the_whole_call(logs, whole):
    _same(pipeline.run(logs, scheduler="threads", partitions=4), whole)


def test_a_partitioned_folder_on_a_local_cluster_equals_the_whole_call(logs, whole, tmp_path):
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "parts"
    written = pipeline.write_partitions(pipeline.partition_logs(logs, 3), folder)
    assert [p.name for p in written] == ["part-00000", "part-00001", "part-00002"]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = pipeline.run(folder, scheduler=client)
        paths = pipeline.run(folder, ["trend_summary"], scheduler=client, out=tmp_path / "out")
    _same(got, whole)
    assert [p.name for p in paths["trend_summary"]] == [f"part-0000{i}.parquet" for i in range(3)]
    back = pipeline.read_results(paths, "trend_summary")
    assert len(back) == len(whole["trend_summary"])
    want = set(whole["trend_summary"]["couple_id"].astype(str))
    assert set(back["couple_id"].astype(str)) == want


def test_write_partitions_never_writes_over_logs(logs, tmp_path):
    io.write(logs, tmp_path / "logs")
    with pytest.raises(TrustDataError, match="never writes over existing logs"):
        pipeline.write_partitions(pipeline.partition_logs(logs, 2), tmp_path / "logs")


def test_a_couple_in_two_chunks_is_refused(logs, tmp_path):
    with pytest.raises(TrustDataError, match="already written in an earlier partition"):
        pipeline.write_partitions([logs, logs], tmp_path / "parts")


def test_a_partition_with_rejected_records_names_file_and_line(logs, tmp_path):
    folder = tmp_path / "parts"
    pipeline.write_partitions([logs], folder)
    part = folder / "part-00000"
    (part / "checkins.parquet").unlink()
    bad = logs.checkins.head(3).assign(connection=[5, 11, 6])  # line 3 of the CSV: the 2nd record
    pd.DataFrame(bad).to_csv(part / "checkins.csv", index=False)
    with pytest.raises(TrustDataError, match=r"checkins.csv, line 3: connection is 11"):
        pipeline.run(folder, ["trend_summary"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"analyses": ["nope"]}, "must be a list of names"),
        ({"analyses": []}, "must be a list of names"),
        ({"scheduler": "gpu"}, "The value for `scheduler`"),
        ({"scheduler": 3}, "The value for `scheduler`"),
        ({"partitions": 0}, "The value for `partitions`"),
    ],
)
def test_bad_arguments_are_sentences(logs, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pipeline.run(logs, **kwargs)


def test_a_folder_without_partitions_is_a_trustdata_error(tmp_path):
    with pytest.raises(TrustDataError, match="expected a partitioned log folder"):
        pipeline.run(tmp_path)
    with pytest.raises(TrustDataError, match="does not exist"):
        pipeline.run(tmp_path / "missing")


def test_one_partition_analyses_the_logs_themselves(logs, monkeypatch):
    # one partition (the pandas default) hands the logs to the analyses as they are: no copy of
    # every table first, and the analysis's own frame comes back (no concatenated copy)
    seen = []
    frame = pd.DataFrame({"couple_id": ["x"]})

    def spy(got):
        seen.append(got)
        return frame

    monkeypatch.setitem(pipeline.ANALYSES, "spy", spy)
    out = pipeline.run(logs, ["spy"])
    assert seen == [logs] and seen[0] is logs
    assert out["spy"] is frame


def test_frequency_by_category_adds_up_to_the_total_exactly(logs):
    from trustdata import triggers

    for period in ("week", "month"):
        total = triggers.trigger_frequency(logs.triggers, period=period, by="total")
        cat = triggers.trigger_frequency(
            logs.triggers, period=period, by="category", checkins=logs.checkins
        )
        keys = ["couple_id", "partner", "period_start"]
        summed = cat.groupby(keys, sort=True)[["count", "major_count", "plan_known"]].sum()
        # the category frame also spans check-ins: compare on the periods the total has
        summed = summed.loc[pd.MultiIndex.from_frame(total[keys])].reset_index(drop=True)
        pd.testing.assert_frame_equal(
            summed, total[["count", "major_count", "plan_known"]], check_names=False
        )
        busy = cat["count"] > 0
        assert cat.loc[busy, "mean_intensity"].notna().all()
        assert cat.loc[~busy, ["mean_intensity", "max_intensity"]].isna().all().all()
        assert (cat.loc[busy, "mean_intensity"] <= cat.loc[busy, "max_intensity"]).all()
        known = cat["plan_known"] > 0
        assert cat.loc[~known, "plan_share"].isna().all()
        assert cat.loc[known, "plan_share"].between(0, 1).all()


def test_freed_memory_is_handed_back_before_and_after_each_analysis(logs, monkeypatch):
    calls = []
    real = pipeline._release_memory
    monkeypatch.setattr(pipeline, "_release_memory", lambda: calls.append(1) or real())
    out = pipeline.run(logs, ["trend_summary", "find_setbacks"])
    assert len(calls) == 3  # after the loading, then after each of the two analyses
    assert sorted(out) == ["find_setbacks", "trend_summary"]


def test_without_malloc_trim_the_results_are_the_same(logs, whole, monkeypatch):
    # macOS, Windows and musl have no malloc_trim: only Arrow's pool is released there
    monkeypatch.setattr(_memory, "_malloc_trim", lambda: None)
    _same(pipeline.run(logs), whole)


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="malloc_trim is glibc's",
)
def test_glibc_malloc_trim_is_found():
    trim = _memory._malloc_trim()
    assert trim is not None
    assert trim(0) in (0, 1)


def test_load_hands_back_what_parsing_freed(tmp_path, logs, monkeypatch):
    # direct callers of load (not only pipeline.run) start their analyses from the loaded frames
    io.write(logs, tmp_path / "logs")
    calls = []
    monkeypatch.setattr(io, "release", lambda: calls.append(1))
    again = io.load(tmp_path / "logs")
    assert calls == [1]
    assert len(again.checkins) == len(logs.checkins)
