"""The per-couple pipeline over a cohort, in pandas or on Dask, partition by partition.

Every analysis of a couple (weekly trend, trend summary, setbacks, trigger frequency and trend,
small wins, red flags) looks at one couple's rows only, so a cohort split into *partitions of
whole couples* gives, partition by partition, exactly the rows the whole cohort gives.
:func:`run` uses that: it runs the same analysis functions, unchanged, on each partition, in this
process (the default, plain pandas) or as one Dask task per partition on any Dask scheduler,
including a ``distributed.Client`` on a real cluster.

A cohort larger than memory is kept as a **partitioned log folder**: one sub-folder per partition
(``part-00000/``, ``part-00001/``, ...), each an ordinary trustdata log folder (``checkins``,
``triggers``, ``events``, ``couples`` as Parquet) holding whole couples.
:func:`write_partitions` writes one from chunks of logs (e.g. generated or imported one chunk at
a time, never as one frame); each task of :func:`run` then loads, validates and analyses one
partition, and with ``out=`` writes its results to ``out/<analysis>/part-XXXXX.parquet`` so that
nothing but file names travels back to the client.

On a real cluster::

    from distributed import Client
    client = Client("tcp://scheduler-host:8786")          # the cluster's scheduler address
    paths = run("/shared/cohort_parts", out="/shared/results", scheduler=client)

(the partition folders and ``out`` must be on storage every worker can read and write).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from trustdata._memory import release as _release_memory
from trustdata.errors import TrustDataError
from trustdata.logs import Logs

__all__ = ["ANALYSES", "partition_logs", "read_results", "run", "write_partitions"]


def _weekly_trend(logs: Logs) -> pd.DataFrame:
    from trustdata import trends

    return trends.weekly_trend(logs.checkins, logs.events)


def _trend_summary(logs: Logs) -> pd.DataFrame:
    from trustdata import trends

    return trends.trend_summary(logs.checkins)


def _find_setbacks(logs: Logs) -> pd.DataFrame:
    from trustdata import setbacks

    return setbacks.find_setbacks(logs.checkins)


def _trigger_frequency(logs: Logs) -> pd.DataFrame:
    from trustdata import triggers

    return triggers.trigger_frequency(logs.triggers, period="week", by="total")


def _trigger_trend(logs: Logs) -> pd.DataFrame:
    from trustdata import triggers

    return triggers.trigger_trend(logs.triggers, checkins=logs.checkins)


def _small_wins(logs: Logs) -> pd.DataFrame:
    """Each couple's small wins as its review finds them: after hard news, on the records
    since the latest (:func:`trustdata.milestones.latest_hard_news`), the evidence saying so;
    ``since`` is that date (NaT: the whole logs)."""
    from trustdata import milestones

    news = milestones.latest_hard_news(logs.events).set_index("couple_id")
    if not len(news):
        wins = milestones.small_wins(logs.checkins, logs.triggers)
    else:
        wins = milestones.small_wins(
            logs.checkins, logs.triggers, since=news["date"], since_words=news["since_words"]
        )
    since = news["date"].reindex(wins["couple_id"].astype(object)).to_numpy()
    return wins.assign(since=pd.Series(since, index=wins.index, dtype="datetime64[ns]"))


def _red_flags(logs: Logs) -> pd.DataFrame:
    from trustdata import milestones

    return milestones.red_flags(logs.checkins, logs.triggers, logs.events)


#: The per-couple analyses :func:`run` knows by name: each takes a :class:`~trustdata.Logs` of
#: whole couples and returns the analysis's tidy frame with its default options (the small
#: wins since each couple's latest hard news, as its review finds them, with a ``since``
#: column: :func:`_small_wins`).
ANALYSES: dict[str, Callable[[Logs], pd.DataFrame]] = {
    "weekly_trend": _weekly_trend,
    "trend_summary": _trend_summary,
    "find_setbacks": _find_setbacks,
    "trigger_frequency": _trigger_frequency,
    "trigger_trend": _trigger_trend,
    "small_wins": _small_wins,
    "red_flags": _red_flags,
}

_TABLES = ("checkins", "triggers", "events", "couples")


def _check_analyses(analyses: Sequence[str] | None) -> list[str]:
    if analyses is None:
        return list(ANALYSES)
    if isinstance(analyses, str):
        analyses = [analyses]
    names = list(analyses)
    unknown = [a for a in names if a not in ANALYSES]
    if unknown or not names:
        raise ValueError(
            f"The value for `analyses` must be a list of names from {sorted(ANALYSES)}, "
            f"but {unknown or names!r} was passed."
        )
    return names


def _check_partitions(partitions: object) -> None:
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise ValueError(
            "The value for `partitions` must be a whole number >= 1, "
            f"but {partitions!r} was passed."
        )


def partition_logs(logs: Logs, partitions: int) -> list[Logs]:
    """Split logs into ``partitions`` parts of whole couples (the couples in sorted order).

    Parameters
    ----------
    logs : trustdata.Logs
        Validated logs of many couples.  Not modified.
    partitions : int
        How many parts (at least 1; fewer when there are fewer couples).

    Returns
    -------
    list of trustdata.Logs
        Each holds every row of its couples in every table; together they hold every row once.

    Examples
    --------
    >>> from trustdata import synth
    >>> from trustdata.pipeline import partition_logs
    >>> parts = partition_logs(synth.generate(couples=5, seed=1).logs, 2)
    >>> [len(p.couple_ids) for p in parts]
    [3, 2]
    """
    _check_partitions(partitions)
    ids = sorted(logs.couple_ids)
    if not ids:
        return [logs]
    size = -(-len(ids) // min(partitions, len(ids)))
    parts = []
    for start in range(0, len(ids), size):
        keep = set(ids[start : start + size])
        tables = {
            name: getattr(logs, name)[getattr(logs, name)["couple_id"].isin(keep)].reset_index(
                drop=True
            )
            for name in _TABLES
        }
        parts.append(Logs(**tables))
    return parts


def write_partitions(chunks: Iterable[Logs], folder: str | Path) -> list[Path]:
    """Write chunks of logs as a partitioned log folder (one sub-folder of Parquet per chunk).

    Each chunk must hold whole couples, and no couple may appear in two chunks (checked against
    the partitions already written).  ``folder`` must not exist yet or be empty: nothing is ever
    written over existing logs.  Each partition is written to a temporary folder and renamed, so
    an interrupted run leaves whole partitions only.

    Parameters
    ----------
    chunks : iterable of trustdata.Logs
        The cohort, one chunk at a time (e.g. ``synth.generate`` per chunk, or one import each).
    folder : str or pathlib.Path
        The partitioned log folder to create.

    Returns
    -------
    list of pathlib.Path
        The partition folders, in order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from trustdata import synth
    >>> from trustdata.pipeline import partition_logs, write_partitions
    >>> logs = synth.generate(couples=4, seed=2).logs
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "parts"
    >>> [p.name for p in write_partitions(partition_logs(logs, 2), out)]
    ['part-00000', 'part-00001']
    """
    from trustdata import io

    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise TrustDataError(
            f"{folder}: expected a new or empty folder for the partitions; it already holds "
            "files, and trustdata never writes over existing logs."
        )
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    written: list[Path] = []
    for number, chunk in enumerate(chunks):
        ids = set(chunk.couple_ids)
        clash = sorted(ids & seen)
        if clash:
            raise TrustDataError(
                f"{folder}: chunk {number} holds couple {clash[0]!r}, already written in an "
                "earlier partition; each couple must be in one partition only."
            )
        seen |= ids
        target = folder / f"part-{number:05d}"
        tmp = folder / f".part-{number:05d}.tmp"
        io.write(chunk, tmp, format="parquet")
        os.replace(tmp, target)
        written.append(target)
    return written


def _partition_folders(folder: Path) -> list[Path]:
    parts = sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith("part-"))
    if not parts:
        raise TrustDataError(
            f"{folder}: expected a partitioned log folder (sub-folders part-00000, part-00001, "
            "... each holding check-ins), found none."
        )
    return parts


def _analyse(
    source: Logs | str,
    names: Sequence[str],
    out: str | None,
    number: int,
) -> dict[str, pd.DataFrame | str]:
    """One task: (load and validate one partition, then) run each analysis on it."""
    if isinstance(source, Logs):
        logs = source
    else:
        from trustdata import io

        logs = io.load(source)
        if len(logs.rejected):
            first = logs.rejected.iloc[0]
            raise TrustDataError(
                f"{first['source']}, line {first['line']}: {first['reason']} "
                f"({len(logs.rejected)} record(s) rejected in this partition; run "
                "`trustdata validate` on it)."
            )
    results: dict[str, pd.DataFrame | str] = {}
    _release_memory()  # what loading (here or by the caller) freed
    for name in names:
        frame = ANALYSES[name](logs)
        if out is None:
            results[name] = frame
        else:
            target = Path(out) / name / f"part-{number:05d}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, target)
            results[name] = str(target)
            del frame
        _release_memory()  # the analysis's temporaries
    return results


def _red_flag_order(frame: pd.DataFrame) -> pd.DataFrame:
    """red_flags sorts the whole frame by severity first (not by couple): sort the parts again."""
    from trustdata import milestones

    sev = frame["severity"].map({s: i for i, s in enumerate(milestones.SEVERITIES)})
    flag = frame["flag"].map({f: i for i, f in enumerate(milestones.FLAGS)})
    order = (
        frame.assign(_s=sev, _f=flag)
        .sort_values(
            ["_s", "_f", "couple_id", "date", "partner"], kind="stable", na_position="first"
        )
        .index
    )
    return frame.loc[order].reset_index(drop=True)


# Analyses whose rows are not ordered couple first: the concatenated parts are put in the order
# the analysis gives the whole cohort (tests/test_pipeline.py checks every analysis).
_REORDER: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {"red_flags": _red_flag_order}


def _combine(
    parts: list[dict[str, pd.DataFrame | str]], names: Sequence[str], out: str | None
) -> dict[str, pd.DataFrame] | dict[str, list[Path]]:
    if out is not None:
        return {name: [Path(p[name]) for p in parts] for name in names}
    combined = {}
    for name in names:
        frames = [p[name] for p in parts]
        if len(frames) == 1:  # the analysis's own frame: no copy, already in its own order
            combined[name] = frames[0]
            continue
        nonempty = [f for f in frames if len(f)]
        frame = pd.concat(nonempty, ignore_index=True) if nonempty else frames[0].iloc[:0].copy()
        combined[name] = _REORDER[name](frame) if name in _REORDER and len(frame) else frame
    return combined


def run(
    source: Logs | str | Path,
    analyses: Sequence[str] | None = None,
    *,
    scheduler: object = None,
    partitions: int | None = None,
    out: str | Path | None = None,
) -> dict[str, pd.DataFrame] | dict[str, list[Path]]:
    """Run the per-couple analyses over a cohort, partition by partition.

    Parameters
    ----------
    source : trustdata.Logs or path
        Validated logs in memory, or a partitioned log folder (see :func:`write_partitions`);
        each partition is loaded and validated by the task that analyses it.
    analyses : list of str, optional
        Names from :data:`ANALYSES` (default: all of them).
    scheduler : None, str or distributed.Client
        ``None`` or ``"pandas"`` (default): in this process, one partition after another.  A Dask
        scheduler name (``"synchronous"``, ``"threads"``, ``"processes"``) or a
        ``distributed.Client`` (local or a real cluster): one ``dask.delayed`` task per partition.
    partitions : int, optional
        For ``Logs`` in memory: split into this many parts of whole couples (default: 1 for
        pandas, 2 per Dask worker thread otherwise).  Ignored for a folder (its partitions).
    out : path, optional
        Write each partition's results to ``out/<analysis>/part-XXXXX.parquet`` (atomically) and
        return the file paths instead of frames: for results larger than memory.

    Returns
    -------
    dict
        Analysis name -> the tidy frame the analysis returns for the whole cohort (the same
        columns and rows as calling it on all the logs at once, in partition order), or with
        ``out``, name -> list of the partition files written.

    Raises
    ------
    ValueError
        An unknown analysis, scheduler or partition count.
    trustdata.TrustDataError
        A partition folder that is missing or holds rejected records (named with file and line).

    Examples
    --------
    >>> from trustdata import synth
    >>> from trustdata.pipeline import run
    >>> logs = synth.generate(couples=3, seed=4).logs
    >>> results = run(logs, ["trend_summary", "find_setbacks"], partitions=2)
    >>> sorted(results), results["trend_summary"]["couple_id"].nunique()
    (['find_setbacks', 'trend_summary'], 3)
    """
    names = _check_analyses(analyses)
    out_str = None if out is None else str(Path(out))
    if isinstance(source, Logs):
        if partitions is None:
            partitions = 1 if scheduler in (None, "pandas") else 2 * (os.cpu_count() or 1)
        _check_partitions(partitions)
        if partitions == 1:  # the logs themselves: no copy of every table
            tasks: list[Logs | str] = [source]
        else:
            tasks = list(partition_logs(source, partitions))
    else:
        folder = Path(source)
        if not folder.is_dir():
            raise TrustDataError(f"{folder}: expected a partitioned log folder; it does not exist.")
        tasks = [str(p) for p in _partition_folders(folder)]

    if scheduler is None or scheduler == "pandas":
        parts = [_analyse(task, names, out_str, i) for i, task in enumerate(tasks)]
        return _combine(parts, names, out_str)

    import dask

    delayed = [
        dask.delayed(_analyse, pure=True)(task, names, out_str, i) for i, task in enumerate(tasks)
    ]
    if isinstance(scheduler, str):
        if scheduler not in ("synchronous", "threads", "processes"):
            raise ValueError(
                "The value for `scheduler` must be None, 'pandas', 'synchronous', 'threads', "
                f"'processes' or a distributed.Client, but {scheduler!r} was passed."
            )
        parts = list(dask.compute(*delayed, scheduler=scheduler))
    elif hasattr(scheduler, "compute") and hasattr(scheduler, "gather"):
        parts = scheduler.gather(scheduler.compute(delayed))
    else:
        raise ValueError(
            "The value for `scheduler` must be None, 'pandas', 'synchronous', 'threads', "
            f"'processes' or a distributed.Client, but {scheduler!r} was passed."
        )
    return _combine(parts, names, out_str)


def read_results(paths: Mapping[str, Sequence[Path]], name: str) -> pd.DataFrame:
    """Read back one analysis's partition files written by :func:`run` with ``out=``.

    Examples
    --------
    >>> import tempfile
    >>> from trustdata import synth
    >>> from trustdata.pipeline import read_results, run
    >>> logs = synth.generate(couples=2, seed=5).logs
    >>> paths = run(logs, ["trend_summary"], out=tempfile.mkdtemp())
    >>> read_results(paths, "trend_summary")["couple_id"].nunique()
    2
    """
    files = list(paths[name])
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
