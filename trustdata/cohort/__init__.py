"""Cohorts of many couples: alignment on an anchor event, group trajectories, models, survival.

The path of a cohort analysis::

    load_cohort(folders) -> Logs
    align(logs.checkins, logs.events)            weekly scores per partner, weeks since the anchor
    groups_from_couples(logs.couples) or groups_from_events(logs.events)   couple_id -> group
    trajectories / growth_model / group_differences / compare_time_shapes / slope_comparison
    time_to_good_level / survival_medians / logrank / rmst / cox_hazard_ratio
    crossover / per_protocol / attrition / apim / export_tables

Conventions
-----------
* **Weeks** run Monday to Sunday (:data:`trustdata.schemas.WEEK_FREQ`).  A check-in's
  ``aligned_week`` is the number of whole weeks between the Monday of its week and the Monday of
  the anchor event's week: the anchor's own week is 0, the week before it -1.  Check-ins before
  the anchor are kept (negative weeks); the models and the survival analysis use weeks >= 0.
* **Couples without the anchor** (and without any ``fallback`` anchor) are left out of
  :func:`align`'s result.  How many, and which, is in ``result.attrs["n_excluded"]`` and
  ``result.attrs["excluded_couples"]``; :func:`anchor_dates` gives every couple's anchor date
  (missing when it has none) for a fuller look.
* **Groups** are a frame with the columns ``couple_id`` and ``group`` (or a Series indexed by
  ``couple_id``); couples of the aligned frame that have no group are left out.
* **Partners**: :func:`trajectories`, :func:`per_couple_slopes` and :func:`time_to_good_level`
  first average the two partners' weekly scores within a couple (so ``n_couples`` counts
  independent units); :func:`growth_model` keeps one row per partner and week and accounts for
  the partner as a fixed factor or as a variance component nested in the couple.
* **Measures**: :func:`align` aligns one measure as ``score`` (``measure=``) and keeps others as
  columns (``also=["trust", ...]``); every analysis of an aligned frame takes ``measure=`` to
  analyse one of those columns instead of ``score``.
* **As assigned**: groups are compared as given (intention to treat); :func:`crossover` and
  :func:`per_protocol` give the per-protocol sensitivity analysis.
* Time in the models and slopes is in **months** (weeks x 7 / :data:`~trustdata.schemas.
  DAYS_PER_MONTH`), which keeps the mixed model's random-slope variance on a sensible scale.

Every per-couple function (:func:`align`, :func:`per_couple_slopes`, :func:`good_level_times`)
only needs the rows of one couple together, so it runs unchanged on each partition of a
``dask.dataframe`` partitioned by ``couple_id`` (``ddf.map_partitions(per_couple_slopes,
meta=per_couple_slopes(sample.head(0)))``); see ``docs/research.md``.

Examples
--------
>>> from trustdata.logs import as_table
>>> checkins = as_table("checkins", [
...     {"couple_id": "c1", "partner": "A", "date": "2025-01-08", "connection": 4},
...     {"couple_id": "c1", "partner": "A", "date": "2025-01-15", "connection": 6},
... ])
>>> events = as_table("events", [{"couple_id": "c1", "date": "2025-01-01", "kind": "discovery"}])
>>> align(checkins, events)[["aligned_week", "score"]].to_dict("records")
[{'aligned_week': 1, 'score': 4.0}, {'aligned_week': 2, 'score': 6.0}]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from trustdata import schemas
from trustdata._frames import _check_choice, _check_measure
from trustdata.cohort._fit import DEFAULT_METHODS
from trustdata.errors import FileProblem, TrustDataError
from trustdata.logs import Logs, empty_table, empty_warnings
from trustdata.pipeline import run  # the per-couple pipeline over partitions (Dask or pandas)

__all__ = [
    "run",
    "ANCHORS",
    "ALIGNED_COLUMNS",
    "TRAJECTORY_COLUMNS",
    "MODEL_COLUMNS",
    "TIME_SHAPES",
    "DIFFERENCE_COLUMNS",
    "SHAPE_COMPARISON_COLUMNS",
    "SLOPE_COLUMNS",
    "COMPARISON_COLUMNS",
    "GOOD_LEVEL_TIME_COLUMNS",
    "SURVIVAL_COLUMNS",
    "MEDIAN_COLUMNS",
    "LOGRANK_COLUMNS",
    "RMST_COLUMNS",
    "COX_COLUMNS",
    "CROSSOVER_COLUMNS",
    "ATTRITION_COLUMNS",
    "APIM_FRAME_COLUMNS",
    "APIM_COLUMNS",
    "load_cohort",
    "anchor_dates",
    "align",
    "groups_from_couples",
    "groups_from_events",
    "trajectories",
    "growth_model",
    "group_differences",
    "compare_time_shapes",
    "per_couple_slopes",
    "slope_comparison",
    "good_level_times",
    "time_to_good_level",
    "survival_medians",
    "logrank",
    "rmst",
    "cox_hazard_ratio",
    "crossover",
    "per_protocol",
    "attrition",
    "apim_frame",
    "apim",
    "export_tables",
]

#: Event kinds a cohort can be aligned on.
ANCHORS: tuple[str, ...] = ("discovery", "disclosure", "couples_therapy", "individual_therapy")

# Columns of each output, in order: those of its model in trustdata.schemas.
ALIGNED_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.AlignedOutput)
TRAJECTORY_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.TrajectoriesOutput)
MODEL_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.GrowthModelOutput)
#: Shapes of the growth model's time trend (:func:`growth_model`'s ``time``).
TIME_SHAPES: tuple[str, ...] = ("linear", "piecewise", "spline")
DIFFERENCE_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.GroupDifferencesOutput)
SHAPE_COMPARISON_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.ShapeComparisonOutput)
SLOPE_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.PerCoupleSlopesOutput)
COMPARISON_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.SlopeComparisonOutput)
GOOD_LEVEL_TIME_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.GoodLevelTimesOutput)
SURVIVAL_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.TimeToGoodLevelOutput)
MEDIAN_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.SurvivalMediansWordsOutput)
LOGRANK_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.LogrankOutput)
RMST_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.RmstOutput)
COX_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.CoxHazardRatioOutput)
CROSSOVER_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.CrossoverOutput)
ATTRITION_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.AttritionOutput)

APIM_FRAME_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.ApimFrameOutput)
APIM_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.ApimOutput)

_TABLE_FILES = ("checkins", "triggers", "events", "couples")


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _is_log_folder(path: Path) -> bool:
    return path.is_dir() and any(path.glob("checkins.*"))


def _cohort_folders(path_or_paths: str | Path | Sequence[str | Path]) -> list[Path]:
    if isinstance(path_or_paths, str | Path):
        root = Path(path_or_paths)
        if not root.exists():
            raise FileProblem(f"{root}: no such file or folder.", source=str(root))
        if root.is_file() or _is_log_folder(root):
            return [root]
        subs = sorted(p for p in root.iterdir() if _is_log_folder(p))
        if not subs:
            raise FileProblem(
                f"{root}: expected a log folder (with a checkins file) or a folder of log "
                "folders, but found neither.",
                source=str(root),
            )
        return subs
    paths = [Path(p) for p in path_or_paths]
    if not paths:
        raise ValueError("The value for `path_or_paths` must name at least one folder or file.")
    return paths


def _concat(frames: list[pd.DataFrame], template: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return template
    out = pd.concat(frames, ignore_index=True)
    for col in ("category", "kind"):
        if col in template.columns and col in out.columns:
            out[col] = out[col].astype(template[col].dtype)
    return out


def load_cohort(
    path_or_paths: str | Path | Sequence[str | Path],
    *,
    ids: str = "keep",
    progress: bool = True,
) -> Logs:
    """Load a cohort: one folder holding many couples, a folder of couple folders, or a list.

    Each folder (or file) is read with :func:`trustdata.load` (CSV, JSON or Parquet; bad records
    are quarantined in ``Logs.rejected``).  While reading several folders a progress bar is shown
    (``tqdm.auto``: a text bar on a terminal, a widget in a notebook).

    Parameters
    ----------
    path_or_paths : path or list of paths
        A log folder (all couples in one set of files), a folder whose sub-folders are log
        folders (one per couple or per site), or a list of folders/files.
    ids : {"keep", "prefix"}
        Couple ids must be unique across folders.  ``"keep"`` (default) keeps them as they are
        and raises :class:`~trustdata.TrustDataError` naming both folders when one id appears in
        two of them; ``"prefix"`` makes each id ``"<folder name>/<couple_id>"``.
    progress : bool
        Show the progress bar (only when more than one folder is read).

    Returns
    -------
    Logs
        The concatenated tables; ``rejected``, ``summary`` and ``warnings`` (kept records
        that may be wrong: :mod:`trustdata.io._isolated`, the rule of
        :func:`trustdata.load`) of every folder, concatenated.

    Raises
    ------
    TrustDataError
        For a path that does not exist or holds no logs, and for a couple id found in two
        folders with ``ids="keep"``.

    Examples
    --------
    >>> logs = load_cohort("data/sample/cohort")  # doctest: +SKIP
    """
    if ids not in ("keep", "prefix"):
        raise ValueError(
            f"The value for `ids` must be one of ['keep', 'prefix'], but {ids!r} was passed."
        )
    from trustdata.io import _isolated, load

    folders = _cohort_folders(path_or_paths)
    iterator = folders
    if progress and len(folders) > 1:
        from tqdm.auto import tqdm

        iterator = tqdm(folders, desc="Loading couples", unit="folder")
    parts: list[Logs] = []
    owner: dict[str, Path] = {}
    for folder in iterator:
        logs = load(folder)
        if ids == "prefix":
            prefix = f"{folder.stem if folder.is_file() else folder.name}/"
            tables = {}
            for name in _TABLE_FILES:
                frame = getattr(logs, name).copy()
                frame["couple_id"] = prefix + frame["couple_id"].astype(str)
                tables[name] = frame
            logs = replace(logs, **tables, warnings=_isolated.prefixed(logs.warnings, prefix))
        elif len(folders) > 1:
            for cid in logs.couple_ids:
                if cid in owner:
                    raise TrustDataError(
                        f"couple id {cid!r} is in both {owner[cid]} and {folder}; couple ids "
                        "must be unique across a cohort (pass ids='prefix' to prefix each id "
                        "with its folder name).",
                        source=str(folder),
                    )
                owner[cid] = folder
        parts.append(logs)
    if len(parts) == 1:
        return parts[0]
    tables = {
        name: _concat([getattr(p, name) for p in parts], empty_table(name)) for name in _TABLE_FILES
    }
    rejected = pd.concat([p.rejected for p in parts], ignore_index=True)
    summary = pd.concat([p.summary for p in parts], ignore_index=True)
    # Each folder's warnings are the rule run on its couples, and a couple is in one folder
    # only (an id in two is refused, or prefixed apart): their rows are the rule on the cohort.
    kept = _concat([p.warnings for p in parts], empty_warnings())
    return Logs(**tables, rejected=rejected, summary=summary, warnings=kept)


# --------------------------------------------------------------------------------------------
# Alignment
# --------------------------------------------------------------------------------------------


def _check_anchor(name: str, value: str) -> None:
    if value not in ANCHORS:
        raise ValueError(
            f"The value for `{name}` must be one of {list(ANCHORS)}, but {value!r} was passed."
        )


def anchor_dates(
    events: pd.DataFrame,
    *,
    anchor: str = "discovery",
    fallback: str | Sequence[str] | None = None,
    couple_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each couple's anchor date: the first event of the ``anchor`` kind (or of a fallback kind).

    Parameters
    ----------
    events : DataFrame
        Validated events.
    anchor : str
        One of :data:`ANCHORS` (default ``"discovery"``).
    fallback : str or sequence of str, optional
        Kinds tried in order for couples without the anchor (e.g. ``"disclosure"``).
    couple_ids : sequence of str, optional
        The couples to report on (e.g. every couple with check-ins); those without any anchor get a
        missing ``anchor`` and ``anchor_date``.  By default, the couples that have an anchor.

    Returns
    -------
    DataFrame
        One row per couple, sorted by ``couple_id``:

        - ``couple_id`` : str
        - ``anchor`` : str, the event kind used (missing when none)
        - ``anchor_date`` : datetime64[ns], the date of the first such event (NaT when none)

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ev = as_table("events", [{"couple_id": "c1", "date": "2025-02-01", "kind": "disclosure"}])
    >>> anchor_dates(ev, fallback="disclosure", couple_ids=["c1", "c2"])["anchor"].tolist()
    ['disclosure', nan]
    """
    _check_anchor("anchor", anchor)
    kinds = [anchor]
    if fallback is not None:
        kinds += [fallback] if isinstance(fallback, str) else list(fallback)
    for kind in kinds[1:]:
        _check_anchor("fallback", kind)
    kind_text = events["kind"].astype(object)
    relevant = events.loc[kind_text.isin(kinds), ["couple_id", "date"]].copy()
    relevant["anchor"] = kind_text[relevant.index].astype(str)
    relevant["_rank"] = relevant["anchor"].map({k: i for i, k in enumerate(kinds)})
    relevant = relevant.sort_values(["couple_id", "_rank", "date"], kind="stable")
    first = relevant.drop_duplicates("couple_id")[["couple_id", "anchor", "date"]]
    first = first.rename(columns={"date": "anchor_date"})
    if couple_ids is not None:
        base = pd.DataFrame({"couple_id": pd.Series(sorted(set(couple_ids)), dtype="str")})
        first = base.merge(first, on="couple_id", how="left")
    out = first.sort_values("couple_id").reset_index(drop=True)
    out["couple_id"] = out["couple_id"].astype("str")
    out["anchor"] = out["anchor"].astype("str")
    out["anchor_date"] = out["anchor_date"].astype("datetime64[ns]")
    return out


def align(
    checkins: pd.DataFrame,
    events: pd.DataFrame,
    *,
    anchor: str = "discovery",
    measure: str = "connection",
    fallback: str | Sequence[str] | None = None,
    also: Sequence[str] = (),
) -> pd.DataFrame:
    """Weekly scores per partner, on each couple's weeks since its anchor event.

    Several check-ins of one partner in one week are averaged.  Couples without the anchor (nor
    a fallback) are excluded: see ``attrs`` below and :func:`anchor_dates`.

    Parameters
    ----------
    checkins, events : DataFrame
        Validated check-ins and events (``Logs.checkins``, ``Logs.events``).
    anchor : str
        The event the weeks count from: one of :data:`ANCHORS` (default ``"discovery"``).
    measure : str
        The check-in score to align: one of :data:`trustdata.schemas.SCORE_COLUMNS`.
    fallback : str or sequence of str, optional
        Anchor kinds used, in order, for couples without ``anchor``.
    also : sequence of str
        Further measures of :data:`trustdata.schemas.SCORE_COLUMNS` (e.g. ``"trust"`` and the
        six layers) kept as extra columns of the same name: that week's mean of the measure
        (NaN when not logged).  Every cohort analysis takes ``measure=`` to analyse one of them
        instead of ``score``.

    Returns
    -------
    DataFrame
        One row per couple, partner and week with a score, sorted by couple, partner and week:

        - ``couple_id`` : str
        - ``partner`` : str
        - ``role`` : str, the partner's role that week (missing when not logged)
        - ``week`` : datetime64[ns], the Monday of the calendar week
        - ``aligned_week`` : int64, weeks since the anchor's week (0 = the anchor's week)
        - ``score`` : float64, the mean of ``measure`` that week
        - ``n_checkins`` : int64, the check-ins averaged
        - ``anchor`` : str, the event kind the couple is aligned on

        ``attrs["n_excluded"]`` (int) and ``attrs["excluded_couples"]`` (tuple of ids): couples
        with check-ins but no anchor.  ``attrs["anchor"]`` and ``attrs["measure"]`` echo the
        options.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-06", "connection": 5},
    ...     {"couple_id": "c2", "partner": "A", "date": "2025-01-06", "connection": 5}])
    >>> ev = as_table("events", [{"couple_id": "c1", "date": "2025-01-05", "kind": "discovery"}])
    >>> out = align(ci, ev)
    >>> out["aligned_week"].tolist(), out.attrs["excluded_couples"]
    ([1], ('c2',))
    """
    _check_measure(measure)
    _check_anchor("anchor", anchor)
    also = [m for m in dict.fromkeys(also) if m != measure]
    for m in also:
        _check_choice("also", m, schemas.SCORE_COLUMNS)
    cols = ["couple_id", "partner", "role", "date", measure, *also]
    rows = checkins.loc[checkins[measure].notna(), cols]
    anchors = anchor_dates(events, anchor=anchor, fallback=fallback)
    excluded = sorted(set(rows["couple_id"].unique()) - set(anchors["couple_id"]))
    rows = rows.merge(anchors, on="couple_id", how="inner")
    rows["week"] = schemas.week_start(rows["date"])
    rows["score"] = rows[measure].astype("float64")
    weekly = rows.groupby(["couple_id", "partner", "week"], sort=True, observed=True).agg(
        role=("role", "first"),
        score=("score", "mean"),
        n_checkins=("score", "size"),
        anchor=("anchor", "first"),
        anchor_date=("anchor_date", "first"),
        **{m: (m, "mean") for m in also},
    )
    weekly = weekly.reset_index()
    anchor_week = schemas.week_start(weekly["anchor_date"])
    weekly["aligned_week"] = ((weekly["week"] - anchor_week).dt.days // 7).astype("int64")
    out = weekly[[*ALIGNED_COLUMNS, *also]].reset_index(drop=True)
    out = out.astype(
        {
            "couple_id": "str",
            "partner": "str",
            "role": "str",
            "week": "datetime64[ns]",
            "score": "float64",
            "n_checkins": "int64",
            "anchor": "str",
        }
        | dict.fromkeys(also, "float64")
    )
    out.attrs = {
        "anchor": anchor,
        "measure": measure,
        "n_excluded": len(excluded),
        "excluded_couples": tuple(excluded),
    }
    return out


# --------------------------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------------------------


def groups_from_couples(couples: pd.DataFrame, *, group: str = "group") -> pd.DataFrame:
    """The group of each couple, from a column of the ``couples`` table.

    Returns
    -------
    DataFrame
        ``couple_id`` (str) and ``group`` (str), one row per couple with a group, sorted.

    Raises
    ------
    ValueError
        When the column is not in the table.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> couples = as_table("couples", [{"couple_id": "c1", "arm": "therapy"}])
    >>> groups_from_couples(couples, group="arm").to_dict("records")
    [{'couple_id': 'c1', 'group': 'therapy'}]
    """
    if group not in couples.columns:
        raise ValueError(
            f"The value for `group` must be a column of the couples table "
            f"{list(couples.columns)}, but {group!r} was passed."
        )
    out = couples.loc[couples[group].notna(), ["couple_id", group]].rename(columns={group: "group"})
    out = out.astype({"couple_id": "str", "group": "str"})
    return out.sort_values("couple_id").reset_index(drop=True)


def groups_from_events(
    events: pd.DataFrame,
    *,
    kind: str = "couples_therapy",
    couple_ids: Sequence[str] | None = None,
    labels: tuple[str, str] = ("with", "without"),
) -> pd.DataFrame:
    """Split couples by whether they logged an event of ``kind`` (at any time).

    Parameters
    ----------
    events : DataFrame
        Validated events.
    kind : str
        An event kind of :data:`trustdata.schemas.EVENT_KINDS` (default ``"couples_therapy"``).
    couple_ids : sequence of str, optional
        Every couple to classify (e.g. ``aligned["couple_id"].unique()``); couples with no event
        at all can only be put in the "without" group when they are listed here.  By default,
        the couples that appear in ``events``.
    labels : (str, str)
        Labels of the couples with and without the event.

    Returns
    -------
    DataFrame
        ``couple_id`` (str) and ``group`` (str), one row per couple, sorted.

    Notes
    -----
    "With" means the event happened at any time in the logs, also late in the recovery; a
    comparison of trajectories by such a group can favour the group whose members stayed
    longer (immortal-time bias).  See ``docs/research.md``.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ev = as_table("events", [{"couple_id": "c1", "date": "2025-01-01",
    ...                           "kind": "couples_therapy"}])
    >>> groups_from_events(ev, couple_ids=["c1", "c2"])["group"].tolist()
    ['with', 'without']
    """
    if kind not in schemas.EVENT_KINDS:
        raise ValueError(
            f"The value for `kind` must be one of {list(schemas.EVENT_KINDS)}, "
            f"but {kind!r} was passed."
        )
    ids = events["couple_id"].unique() if couple_ids is None else couple_ids
    ids = pd.Series(sorted(set(map(str, ids))), dtype="str")
    has = set(events.loc[events["kind"].astype(object) == kind, "couple_id"])
    group = np.where(ids.isin(has), labels[0], labels[1])
    return pd.DataFrame({"couple_id": ids, "group": pd.Series(group, dtype="str")})


def _as_groups(groups: pd.DataFrame | pd.Series | None, ids: pd.Series) -> pd.DataFrame:
    """Normalise ``groups`` to a frame couple_id, group (str)."""
    if groups is None:
        uniq = pd.Series(pd.unique(ids), dtype="str")
        return pd.DataFrame(
            {"couple_id": uniq, "group": pd.Series("all", index=uniq.index, dtype="str")}
        )
    if isinstance(groups, pd.Series):
        frame = pd.DataFrame({"couple_id": groups.index.astype(str), "group": groups.to_numpy()})
    elif isinstance(groups, pd.DataFrame) and {"couple_id", "group"} <= set(groups.columns):
        frame = groups[["couple_id", "group"]]
    else:
        raise ValueError(
            "The value for `groups` must be a DataFrame with the columns 'couple_id' and 'group' "
            "(see groups_from_couples / groups_from_events), a Series indexed by couple_id, "
            "or None."
        )
    frame = frame.loc[frame["group"].notna()].astype({"couple_id": "str", "group": "str"})
    return frame.drop_duplicates("couple_id")


def _with_measure(aligned: pd.DataFrame, measure: str | None) -> pd.DataFrame:
    """``aligned`` with ``score`` taken from the column ``measure`` (rows without it dropped)."""
    if measure is None or measure == aligned.attrs.get("measure", "score"):
        return aligned
    if measure not in aligned.columns or measure in ALIGNED_COLUMNS:
        extra = [c for c in aligned.columns if c not in ALIGNED_COLUMNS]
        raise ValueError(
            f"The value for `measure` must be the aligned measure "
            f"({aligned.attrs.get('measure', 'score')!r}) or one of the columns added with "
            f"align(..., also=[...]) {extra}, but {measure!r} was passed."
        )
    out = aligned.loc[aligned[measure].notna()].copy()
    out["score"] = out[measure].astype("float64")
    out.attrs = dict(aligned.attrs, measure=measure)
    return out


def _couple_weekly(aligned: pd.DataFrame, min_week: int | None = None) -> pd.DataFrame:
    """Partners averaged: one row per couple and aligned week (couple_id, aligned_week, score)."""
    rows = aligned if min_week is None else aligned.loc[aligned["aligned_week"] >= min_week]
    out = rows.groupby(["couple_id", "aligned_week"], sort=True)["score"].mean().reset_index()
    return out.astype({"couple_id": "str", "aligned_week": "int64", "score": "float64"})


# --------------------------------------------------------------------------------------------
# Trajectories
# --------------------------------------------------------------------------------------------


def _check_level(level: float, name: str = "level") -> None:
    if not 0 < level < 1:
        raise ValueError(
            f"The value for `{name}` must be between 0 and 1, but {level!r} was passed."
        )


def trajectories(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series | None = None,
    *,
    level: float = 0.95,
    measure: str | None = None,
) -> pd.DataFrame:
    """Mean score per group and aligned week, with a t-based confidence band.

    The partners' scores are first averaged within each couple and week, so every couple counts
    once and ``n_couples`` is the number of independent units the week's mean rests on.

    Parameters
    ----------
    aligned : DataFrame
        The output of :func:`align`.
    groups : DataFrame or Series, optional
        ``couple_id`` -> ``group`` (see :func:`groups_from_couples`); None puts every couple in
        one group ``"all"``.  Couples without a group are left out.
    level : float
        Confidence level of the band (default 0.95).

    Returns
    -------
    DataFrame
        One row per group and aligned week, sorted:

        - ``group`` : str
        - ``aligned_week`` : int64
        - ``mean`` : float64, the mean of the couples' weekly scores
        - ``sd`` : float64, their standard deviation (ddof=1; NaN for one couple)
        - ``n_couples`` : int64
        - ``ci_low``, ``ci_high`` : float64, ``mean -/+ t(level, n-1) * sd / sqrt(n)`` (NaN for
          one couple)

    Examples
    --------
    >>> aligned = pd.DataFrame({"couple_id": ["a", "a", "b"], "partner": ["A", "B", "A"],
    ...                         "aligned_week": [0, 0, 0], "score": [4.0, 6.0, 7.0]})
    >>> trajectories(aligned)[["mean", "n_couples"]].to_dict("records")
    [{'mean': 6.0, 'n_couples': 2}]
    """
    aligned = _with_measure(aligned, measure)
    _check_level(level)
    weekly = _couple_weekly(aligned)
    weekly = weekly.merge(_as_groups(groups, weekly["couple_id"]), on="couple_id", how="inner")
    agg = weekly.groupby(["group", "aligned_week"], sort=True)["score"].agg(["mean", "std", "size"])
    agg = agg.reset_index().rename(columns={"std": "sd", "size": "n_couples"})
    n = agg["n_couples"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        tq = stats.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
        half = tq * agg["sd"].to_numpy(dtype="float64") / np.sqrt(n)
    agg["ci_low"] = agg["mean"] - half
    agg["ci_high"] = agg["mean"] + half
    out = agg[list(TRAJECTORY_COLUMNS)].astype(
        {
            "group": "str",
            "aligned_week": "int64",
            "mean": "float64",
            "sd": "float64",
            "n_couples": "int64",
            "ci_low": "float64",
            "ci_high": "float64",
        }
    )
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Mixed-effects growth model
# --------------------------------------------------------------------------------------------


def _months(weeks: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(weeks, dtype="float64") * 7.0 / schemas.DAYS_PER_MONTH


def _empty(columns: Sequence[str], dtypes: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=dtypes.get(c, "float64")) for c in columns})


def _model_frame(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series | None,
    min_week: int,
    max_week: int | None,
) -> pd.DataFrame:
    rows = aligned.loc[aligned["aligned_week"] >= min_week]
    if max_week is not None:
        rows = rows.loc[rows["aligned_week"] <= max_week]
    cols = ["couple_id", "partner", "aligned_week", "score"]
    rows = rows[cols + (["role"] if "role" in rows.columns else [])]
    lookup = _as_groups(groups, rows["couple_id"]).set_index("couple_id")["group"]
    group = rows["couple_id"].map(lookup)
    rows = rows.loc[group.notna()].assign(group=group[group.notna()].astype("str"))
    return rows.reset_index(drop=True)


def _knot_name(knot: float) -> str:
    return "time_after_" + f"{knot:g}".replace(".", "_").replace("-", "m")


@dataclass
class _GrowthSpec:
    """What a growth model is fitted to: the rows, the formula and how to name its terms."""

    data: pd.DataFrame
    formula: str
    vc: dict[str, str] | None
    reference: str | None
    labels: list[str]
    factor: str | None
    factor_labels: list[str]
    time: str
    knots: tuple[float, ...]
    df: int
    info: dict


def _check_time(time: str, knots: float | Sequence[float] | None, df: int) -> tuple:
    if time not in TIME_SHAPES:
        raise ValueError(
            f"The value for `time` must be one of {list(TIME_SHAPES)}, but {time!r} was passed."
        )
    if knots is not None:
        ks = (float(knots),) if np.isscalar(knots) else tuple(float(k) for k in knots)
        if not ks or not all(np.isfinite(ks)) or any(k <= 0 for k in ks):
            raise ValueError(
                "The value for `knots` must be one or more positive numbers of months since "
                f"the anchor, but {knots!r} was passed."
            )
        knots = tuple(sorted(ks))
    if time == "spline" and (not isinstance(df, int | np.integer) or not 2 <= df <= 8):
        raise ValueError(
            f"The value for `df` must be a whole number from 2 to 8, but {df!r} was passed."
        )
    return knots


def _growth_spec(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series | None,
    *,
    partner: str,
    reference: str | None,
    min_week: int,
    max_week: int | None,
    time: str,
    knots: tuple[float, ...] | None,
    df: int,
    measure: str | None,
) -> _GrowthSpec:
    if partner not in ("factor", "nested"):
        raise ValueError(
            "The value for `partner` must be one of ['factor', 'nested'], "
            f"but {partner!r} was passed."
        )
    aligned = _with_measure(aligned, measure)
    data = _model_frame(aligned, groups, min_week, max_week)
    data = data.loc[data["score"].notna()].copy()
    labels = sorted(data["group"].unique())
    if reference is not None and labels and reference not in labels:
        raise ValueError(
            f"The value for `reference` must be one of the groups {labels}, "
            f"but {reference!r} was passed."
        )
    reference = reference if reference is not None else (labels[0] if labels else None)
    data["time"] = _months(data["aligned_week"])
    if time == "linear":
        tterm = "time"
    elif time == "piecewise":
        knots = knots or ()
        for k in knots:
            data[_knot_name(k)] = np.maximum(data["time"].to_numpy() - k, 0.0)
        tterm = " + ".join(["time", *(_knot_name(k) for k in knots)])
    else:
        tterm = f"cr(time, df={int(df)}, constraints='center')"
    rhs = tterm
    if len(labels) > 1:
        order = [reference, *[g for g in labels if g != reference]]
        data["group"] = pd.Categorical(data["group"], categories=order)
        rhs = f"({tterm}) * group" if " " in tterm else f"{tterm} * group"
    factor = "role" if "role" in data.columns and data["role"].notna().all() else "partner"
    factor_labels = sorted(data[factor].unique())
    vc = None
    used_factor: str | None = None
    if partner == "factor" and len(factor_labels) > 10:
        raise ValueError(
            f"The `{factor}` column has {len(factor_labels)} different labels, too many for a "
            "fixed factor (anonymized partner pseudonyms differ in every couple); log a role "
            "for every check-in, or pass partner='nested'."
        )
    if partner == "factor" and len(factor_labels) > 1:
        data[factor] = pd.Categorical(data[factor], categories=factor_labels)
        rhs += f" + {factor}"
        used_factor = factor
    elif partner == "nested":
        vc = {"partner": "0 + C(partner)"}
    formula = f"score ~ {rhs}"
    info: dict = {
        "n_obs": len(data),
        "n_couples": int(data["couple_id"].nunique()),
        "converged": False,
        "reference": reference,
        "time_unit": "month",
        "time": time,
        "knots": tuple(knots or ()),
        "df": int(df) if time == "spline" else None,
        "partner": partner,
        "measure": measure or aligned.attrs.get("measure", "score"),
        "formula": formula,
        "max_month": float(data["time"].max()) if len(data) else float("nan"),
        "random_effects": {},
        "reml_criterion": float("nan"),
        "method": None,
        "fits": (),
        "fit_warnings": (),
    }
    return _GrowthSpec(
        data=data,
        formula=formula,
        vc=vc,
        reference=reference,
        labels=labels,
        factor=used_factor,
        factor_labels=factor_labels,
        time=time,
        knots=tuple(knots or ()),
        df=int(df),
        info=info,
    )


def _mixedlm(spec: _GrowthSpec):
    import statsmodels.formula.api as smf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = spec.data.assign(couple_id=spec.data["couple_id"].astype(object))
        if spec.vc is not None:
            data["partner"] = data["partner"].astype(object)
        return smf.mixedlm(
            spec.formula, data, groups="couple_id", re_formula="~time", vc_formula=spec.vc
        )


def _profile_knot(
    aligned: pd.DataFrame, groups, kwargs: dict, candidates: Sequence[float] | None
) -> tuple[float, list[tuple[float, float]]]:
    """The knot (months) with the lowest ML deviance among ``candidates``."""
    base = _growth_spec(aligned, groups, time="linear", knots=None, **kwargs)
    top = float(base.data["time"].max()) if len(base.data) else 0.0
    if candidates is None:
        candidates = [float(k) for k in np.arange(2.0, np.floor(top) - 1.0, 1.0)]
    candidates = [k for k in candidates if 0 < k < top]
    if not candidates:
        raise ValueError(
            f"No knot to profile: the data span {top:.1f} months; pass `knots` or more weeks."
        )
    from trustdata.cohort import _reml

    profile = []
    for k in candidates:
        spec = _growth_spec(aligned, groups, time="piecewise", knots=(k,), **kwargs)
        x, info = _design(spec)
        st = _reml.sufficient_stats(
            x,
            spec.data["score"].to_numpy(dtype="float64"),
            pd.factorize(spec.data["couple_id"])[0],
            spec.data["time"].to_numpy(dtype="float64"),
            names=list(info.column_names),
            partner=_partner_codes(spec.data) if spec.vc is not None else None,
        )
        try:
            res = _reml.fit(st, reml=False, methods=("bfgs",), verify=False)
            profile.append((k, res.deviance))
        except (np.linalg.LinAlgError, ValueError):
            profile.append((k, float("inf")))
    best = min(profile, key=lambda kv: kv[1])
    return best[0], profile


def _pretty_term(term: str) -> str:
    import re

    term = re.sub(
        r"cr\(time, df=\d+, constraints='center'\)\[(\d+)\]",
        lambda m: f"spline{int(m.group(1)) + 1}",
        term,
    )
    return term.replace("[T.", "[").replace("C(partner)", "partner")


@dataclass
class _Fitted:
    """A fitted growth model, whichever engine fitted it."""

    beta: pd.Series
    vcov: pd.DataFrame
    deviance: float
    design_info: object


def _design(spec: _GrowthSpec):
    import patsy

    rhs = spec.formula.split("~", 1)[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = patsy.dmatrix(rhs, spec.data, return_type="matrix")
    return np.asarray(x, dtype="float64"), x.design_info


def _partner_codes(data: pd.DataFrame) -> np.ndarray:
    """Each row's partner as 0, 1, ... within its couple."""
    cc = pd.factorize(data["couple_id"])[0].astype("int64")
    pc = pd.factorize(data["partner"])[0].astype("int64")
    k = int(pc.max()) + 1 if len(pc) else 1
    key = cc * k + pc
    uniq = np.unique(key)
    owner = uniq // k
    rank = np.arange(len(uniq)) - np.searchsorted(owner, owner, side="left")
    return rank[np.searchsorted(uniq, key)]


def _growth_fit(
    spec: _GrowthSpec,
    *,
    reml: bool,
    methods: Sequence[str],
    stacklevel: int,
    engine: str,
    se: str = "model",
) -> tuple[_Fitted | None, dict]:
    """Fit ``spec``: (fitted or None, info with ``converged``, ``fits``, variances...)."""
    from trustdata.cohort import _reml

    info = dict(spec.info)
    if info["n_couples"] < 2:
        return None, info
    bad = [m for m in methods if m not in _reml.METHOD_NAMES]
    if bad or not methods:
        raise ValueError(
            f"The value for `methods` must name optimizers of {list(_reml.METHOD_NAMES)}, "
            f"but {list(methods)!r} was passed."
        )
    x, design_info = _design(spec)
    names = list(design_info.column_names)
    try:
        if engine == "statsmodels":
            from trustdata.cohort._fit import fit_verified

            model = _mixedlm(spec)
            vf = fit_verified(model, methods=tuple(methods), reml=reml)
            beta, vcov, dev, attempts = vf.fe_params, vf.cov_fe, vf.deviance, vf.attempts
            converged, messages = vf.converged, vf.messages
            cov, sigma2 = vf.cov_re, vf.scale
            partner_var = float(vf.vcomp[0]) if spec.vc is not None else float("nan")
        else:
            data = spec.data
            st = _reml.sufficient_stats(
                x,
                data["score"].to_numpy(dtype="float64"),
                pd.factorize(data["couple_id"])[0],
                data["time"].to_numpy(dtype="float64"),
                names=names,
                partner=_partner_codes(data) if spec.vc is not None else None,
                robust=se == "robust",
            )
            res = _reml.fit(st, reml=reml, methods=tuple(methods))
            beta, vcov, dev, attempts = res.beta, res.vcov, res.deviance, res.attempts
            if se == "robust":
                vcov = res.vcov_robust
            converged, messages = res.converged, ()
            cov, sigma2, partner_var = res.cov_couple, res.sigma2, res.partner_var
    except (np.linalg.LinAlgError, ValueError) as exc:
        warnings.warn(
            f"The growth model could not be fitted ({exc}); every estimate is NaN.",
            RuntimeWarning,
            stacklevel=stacklevel,
        )
        return None, info
    se_fe = np.sqrt(np.diag(vcov.to_numpy()))
    converged = bool(converged) and bool(np.isfinite(se_fe).all())
    re = {
        "couple_intercept": float(cov[0, 0]),
        "couple_slope": float(cov[1, 1]),
        "couple_intercept_slope_cov": float(cov[0, 1]),
        "residual": float(sigma2),
    }
    if spec.vc is not None:
        re["partner"] = float(partner_var)
    best = attempts.loc[attempts["deviance"].idxmin()] if len(attempts) else None
    k_re = 3 + (1 if spec.vc is not None else 0)
    info.update(
        converged=converged,
        random_effects=re,
        reml_criterion=dev if reml else float("nan"),
        deviance=dev,
        reml=reml,
        engine=engine,
        method=None if best is None else f"{best['method']} ({best['start']} start)",
        fits=tuple(attempts.to_dict("records")),
        fit_warnings=tuple(messages),
        n_params=len(names) + k_re + 1,
        se=se,
    )
    if not converged:
        tried = ", ".join(
            f"{r['method']}: {r['deviance']:.4f}" for r in attempts.to_dict("records")
        )
        warnings.warn(
            "The growth model's optimum could not be verified (no second optimizer reached the "
            "same criterion with a small gradient, or a standard error is undefined); "
            "attrs['converged'] is False and the estimates may be unreliable. Criteria "
            f"reached ({'REML' if reml else 'ML'} deviance): {tried}.",
            RuntimeWarning,
            stacklevel=stacklevel,
        )
    names_out = [_pretty_term(t) for t in beta.index]
    vcov = pd.DataFrame(vcov.to_numpy(), index=names_out, columns=names_out)
    fitted = _Fitted(pd.Series(beta.to_numpy(), index=names_out), vcov, dev, design_info)
    return fitted, info


def _effects_table(fit: _Fitted, level: float) -> pd.DataFrame:
    est = fit.beta
    se = pd.Series(np.sqrt(np.diag(fit.vcov.to_numpy())), index=est.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = est / se
    zq = stats.norm.ppf(0.5 + level / 2)
    return pd.DataFrame(
        {
            "term": list(est.index),
            "estimate": est.to_numpy(dtype="float64"),
            "std_error": se.to_numpy(dtype="float64"),
            "z": z.to_numpy(dtype="float64"),
            "p": 2 * stats.norm.sf(np.abs(z.to_numpy(dtype="float64"))),
            "ci_low": (est - zq * se).to_numpy(dtype="float64"),
            "ci_high": (est + zq * se).to_numpy(dtype="float64"),
        }
    ).astype({"term": "str"})


def growth_model(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series | None = None,
    *,
    partner: str = "factor",
    reference: str | None = None,
    min_week: int = 0,
    max_week: int | None = None,
    level: float = 0.95,
    time: str = "linear",
    knots: float | Sequence[float] | None = None,
    df: int = 4,
    measure: str | None = None,
    methods: Sequence[str] = DEFAULT_METHODS,
    engine: str = "sufficient",
    se: str = "robust",
) -> pd.DataFrame:
    """Linear mixed-effects growth model: ``score ~ time * group``, random intercept and slope.

    Fitted with statsmodels ``MixedLM`` (REML) on one row per partner and aligned week, with a
    random intercept and a random slope of (linear) time per couple; the same model as lme4's
    ``lmer(score ~ time * group + role + (time | couple_id), REML = TRUE)``.  Time is in
    **months** since the anchor, so with ``time="linear"`` the ``time`` term is the reference
    group's mean change per month and ``time:group[g]`` how much faster group ``g`` changes.

    The fit is **verified**, not taken on trust: several optimizers (``methods``) are run and
    polished with Newton steps, the lowest REML criterion is kept, and ``attrs["converged"]``
    is True only when a second optimizer reached the same criterion (within 1e-4) and one more
    Newton step would improve it by less than 1e-6 (see ``docs/research.md``).

    Parameters
    ----------
    aligned : DataFrame
        The output of :func:`align`.
    groups : DataFrame or Series, optional
        ``couple_id`` -> ``group``; None fits one growth curve for every couple.
    partner : {"factor", "nested"}
        ``"factor"`` adds a fixed effect of the partner's ``role`` (``role[involved]``) when
        every row has one, else of the partner label (``partner[B]``; the labels must then be
        the same few, such as A/B, in every couple: anonymized partner pseudonyms are not, so a
        factor of more than 10 levels is refused); ``"nested"`` adds a random intercept per
        partner within couple (a variance component; lme4's ``(1 | couple_id:partner)``).
    reference : str, optional
        The reference group (default: the first label in sorted order).
    min_week, max_week : int
        The aligned weeks used (default: from the anchor's week on, to the last week).  A linear
        trend should be fitted only over the span where the data and the expected shape are
        linear; ``time="piecewise"`` or ``"spline"`` fit longer spans.
    level : float
        Confidence level of the intervals (default 0.95).
    time : {"linear", "piecewise", "spline"}
        The shape of the fixed time trend (the random slope stays linear):

        - ``"linear"``: ``time``;
        - ``"piecewise"``: ``time`` plus ``time_after_<k> = max(time - k, 0)`` per knot ``k``
          (months), each the change of slope after the knot; ``knots=None`` profiles one knot
          over the whole months from 2 to the last month - 2 by the ML deviance (the intervals
          are then conditional on the chosen knot, ``attrs["knot_profile"]``);
        - ``"spline"``: a natural cubic regression spline of time with ``df`` basis functions
          (patsy's ``cr(time, df=df, constraints='center')``: terms ``spline1`` ... ``spline<df>``);
          its coefficients are hard to read alone: use :func:`group_differences`.
    knots : float or sequence of float, optional
        The knots of ``time="piecewise"``, in months since the anchor.
    df : int
        Basis functions of the spline (2-8, default 4).
    measure : str, optional
        Model this column of ``aligned`` (one added with ``align(..., also=...)``) instead of
        ``score``.
    methods : sequence of str
        The optimizers tried, in order (default ``("lbfgs", "bfgs", "cg", "powell", "nm")``,
        scipy's L-BFGS-B, BFGS, CG, Powell and Nelder-Mead).
    engine : {"sufficient", "statsmodels"}
        ``"sufficient"`` (default) computes the criterion from per-couple sufficient
        statistics (lme4's profiled formulation; seconds for 100,000 couples);
        ``"statsmodels"`` runs the same verification on statsmodels ``MixedLM`` (its
        optimizers; slow on large cohorts).  The tests pin the first against lme4 and the
        second against the first.
    se : {"robust", "model"}
        ``"robust"`` (default): the cluster-robust sandwich by couple (CR1; Liang & Zeger
        1986), valid whether or not the random effects capture each couple's curve; it is the
        default because real trajectories plateau, dip and bend in ways a random *linear*
        slope does not absorb, and then the model-based intervals are too narrow (on
        ``trustdata.synth`` cohorts over a year the spline contrast's 95% interval covered the
        planted difference 78% of the time model-based, 92% robust; where the model holds
        both cover 95%: ``docs/research.md``, ``benchmarks/coverage_simulation.py``).
        ``"model"``: ``sigma^2 (X' V^-1 X)^-1``, lme4's ``vcov`` (what ``summary(lmer(...))``
        prints; needed with ``engine="statsmodels"``).  The estimates are the same.

    Returns
    -------
    DataFrame
        One row per fixed effect:

        - ``term`` : str (``Intercept``, ``group[g]``, ``time``, ``time:group[g]``, the shape's
          terms, and ``role[r]`` or ``partner[p]`` with ``partner="factor"``)
        - ``estimate``, ``std_error``, ``z``, ``p`` : float64 (Wald z test)
        - ``ci_low``, ``ci_high`` : float64, the Wald interval at ``level``

        Model information is in ``attrs``: ``n_obs``, ``n_couples``, ``converged`` (bool,
        verified), ``reml_criterion`` (-2 REML log-likelihood, lme4's ``REMLcrit``), ``method``
        (the optimizer and start that reached it), ``fits`` (one dict per attempt: ``method``,
        ``start``, ``optimizer_deviance`` where the optimizer stopped, ``deviance`` after the
        Newton polish, ``decrement``), ``reference``, ``time_unit`` (``"month"``), ``time``,
        ``knots``, ``df``, ``max_month`` (the last month in the data), ``partner``,
        ``measure``, ``formula``, ``random_effects`` (dict of variances:
        ``couple_intercept``, ``couple_slope``, ``couple_intercept_slope_cov``, ``partner``
        when nested, ``residual``), ``vcov`` (the fixed effects' covariance as a dict of
        dicts: ``pd.DataFrame(attrs["vcov"])``) and ``fit_warnings`` (the optimizers'
        warnings).

    Warns
    -----
    RuntimeWarning
        When the optimum could not be verified or a standard error is undefined
        (``attrs["converged"]`` is then False), or when the model could not be fitted at all
        (an empty result).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> start, rate = rng.normal(4, 1, 12), rng.normal(0.1, 0.03, 12)  # per couple, per week
    >>> rows = [{"couple_id": f"c{i}", "partner": p, "aligned_week": w,
    ...          "score": start[i] + rate[i] * w + rng.normal(0, 0.5)}
    ...         for i in range(12) for p in "AB" for w in range(0, 40, 4)]
    >>> fit = growth_model(pd.DataFrame(rows))
    >>> fit.set_index("term").loc["time", "estimate"].round(1)  # 0.1 per week in months
    np.float64(0.4)
    >>> fit.attrs["converged"]
    True
    """
    _check_level(level)
    fit, info, _ = _growth(
        aligned,
        groups,
        partner=partner,
        reference=reference,
        min_week=min_week,
        max_week=max_week,
        time=time,
        knots=knots,
        df=df,
        measure=measure,
        methods=methods,
        engine=engine,
        se=se,
    )
    if fit is None:
        out = _empty(MODEL_COLUMNS, {"term": "str"})
        out.attrs = info
        return out
    out = _effects_table(fit, level)
    info["vcov"] = fit.vcov.to_dict()
    out.attrs = info
    return out


def _growth(
    aligned,
    groups,
    *,
    partner,
    reference,
    min_week,
    max_week,
    time,
    knots,
    df,
    measure,
    methods,
    engine,
    reml=True,
    stacklevel=4,
    se="robust",
) -> tuple[_Fitted | None, dict, _GrowthSpec]:
    """The growth model's spec and fit (a profiled knot first when asked for)."""
    if engine not in ("sufficient", "statsmodels"):
        raise ValueError(
            "The value for `engine` must be one of ['sufficient', 'statsmodels'], "
            f"but {engine!r} was passed."
        )
    knots = _check_time(time, knots, df)
    kwargs = dict(
        partner=partner,
        reference=reference,
        min_week=min_week,
        max_week=max_week,
        df=df,
        measure=measure,
    )
    profile = None
    if time == "piecewise" and knots is None:
        spec0 = _growth_spec(aligned, groups, time="linear", knots=None, **kwargs)
        if spec0.info["n_couples"] >= 2:
            knot, profile = _profile_knot(aligned, groups, kwargs, None)
            knots = (knot,)
    if se not in ("model", "robust"):
        raise ValueError(
            f"The value for `se` must be one of ['model', 'robust'], but {se!r} was passed."
        )
    if se == "robust" and engine == "statsmodels":
        raise ValueError(
            "The cluster-robust standard errors (`se='robust'`, the default) need "
            "engine='sufficient'; pass se='model' for statsmodels' model-based ones."
        )
    spec = _growth_spec(aligned, groups, time=time, knots=knots, **kwargs)
    fit, info = _growth_fit(
        spec, reml=reml, methods=methods, stacklevel=stacklevel, engine=engine, se=se
    )
    if profile is not None:
        info["knot_profile"] = tuple(profile)
        info["n_params"] = info.get("n_params", 0) + 1
    return fit, info, spec


def group_differences(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series,
    *,
    months: Sequence[float] = (6, 12),
    time: str = "linear",
    knots: float | Sequence[float] | None = None,
    df: int = 4,
    partner: str = "factor",
    reference: str | None = None,
    min_week: int = 0,
    max_week: int | None = None,
    level: float = 0.95,
    measure: str | None = None,
    methods: Sequence[str] = DEFAULT_METHODS,
    engine: str = "sufficient",
    se: str = "robust",
) -> pd.DataFrame:
    """The difference between each group and the reference at given months, with intervals.

    Fits :func:`growth_model` (same options) and answers "how far apart are the groups at 6
    and 12 months?": for each month ``m`` and group ``g`` the contrast ``c' beta`` with
    ``c = x(m, g) - x(m, reference)`` (the model's fixed-effect design rows at that time, all
    else equal), its standard error ``sqrt(c' V c)`` from the fixed effects' covariance ``V``
    (cluster-robust by couple by default; lme4's model-based ``vcov`` with ``se="model"``: see
    :func:`growth_model`) and a Wald interval.  Months past the data (``attrs["max_month"]``)
    are refused: a model says nothing there.

    Returns
    -------
    DataFrame
        One row per month and non-reference group, sorted:

        - ``month`` : float64, months since the anchor
        - ``group``, ``reference`` : str
        - ``estimate`` : float64, expected score of ``group`` minus that of ``reference``
        - ``std_error``, ``z``, ``p``, ``ci_low``, ``ci_high`` : float64 (Wald, at ``level``)

        ``attrs`` are those of the growth model (``converged``, ``formula``, ...).

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> rows = [{"couple_id": f"c{i}", "partner": p, "aligned_week": w,
    ...          "score": 4 + (0.1 + 0.05 * (i % 2)) * w + rng.normal(0, 0.5)}
    ...         for i in range(16) for p in "AB" for w in range(0, 30, 3)]
    >>> groups = pd.Series(["b", "a"] * 8, index=[f"c{i}" for i in range(16)])
    >>> out = group_differences(pd.DataFrame(rows), groups, months=(6,))
    >>> out[["month", "group", "reference"]].to_dict("records")
    [{'month': 6.0, 'group': 'b', 'reference': 'a'}]
    >>> bool(out["ci_low"].iloc[0] < -0.05 * 6 * 30.436875 / 7 < out["ci_high"].iloc[0])
    True
    """
    _check_level(level)
    months = [float(m) for m in months]
    if not months or any(not np.isfinite(m) or m < 0 for m in months):
        raise ValueError(
            f"The value for `months` must be months since the anchor (>= 0), but {months!r} "
            "was passed."
        )
    fit, info, spec = _growth(
        aligned,
        groups,
        partner=partner,
        reference=reference,
        min_week=min_week,
        max_week=max_week,
        time=time,
        knots=knots,
        df=df,
        measure=measure,
        methods=methods,
        engine=engine,
        se=se,
    )
    dtypes = {"group": "str", "reference": "str"}
    if fit is None:
        out = _empty(DIFFERENCE_COLUMNS, dtypes)
        out.attrs = info
        return out
    too_far = [m for m in months if m > info["max_month"] + 7 / schemas.DAYS_PER_MONTH]
    if too_far:
        raise ValueError(
            f"The value for `months` must be within the data (up to {info['max_month']:.1f} "
            f"months since the anchor), but {too_far} was passed."
        )
    import patsy

    design = fit.design_info
    info["vcov"] = fit.vcov.to_dict()
    beta = fit.beta.to_numpy()
    vcov = fit.vcov.to_numpy()
    ref = info["reference"]
    others = [g for g in spec.labels if g != ref]
    rows = []
    zq = stats.norm.ppf(0.5 + level / 2)
    for m in months:
        for g in others:
            new = pd.DataFrame({"time": [m, m]})
            for k in spec.knots:
                new[_knot_name(k)] = max(m - k, 0.0)
            new["group"] = pd.Categorical([g, ref], categories=spec.data["group"].cat.categories)
            if spec.factor is not None:
                first = spec.factor_labels[0]
                new[spec.factor] = pd.Categorical([first, first], categories=spec.factor_labels)
            x = np.asarray(patsy.build_design_matrices([design], new)[0])
            c = x[0] - x[1]
            est = float(c @ beta)
            se = float(np.sqrt(c @ vcov @ c))
            z = est / se if se > 0 else float("nan")
            rows.append(
                {
                    "month": m,
                    "group": g,
                    "reference": ref,
                    "estimate": est,
                    "std_error": se,
                    "z": z,
                    "p": float(2 * stats.norm.sf(abs(z))),
                    "ci_low": est - zq * se,
                    "ci_high": est + zq * se,
                }
            )
    out = pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS)).astype(dtypes)
    out.attrs = info
    return out


def compare_time_shapes(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series | None = None,
    *,
    shapes: Sequence[dict] | None = None,
    partner: str = "factor",
    reference: str | None = None,
    min_week: int = 0,
    max_week: int | None = None,
    measure: str | None = None,
    methods: Sequence[str] = DEFAULT_METHODS,
    engine: str = "sufficient",
) -> pd.DataFrame:
    """Compare time shapes of the growth model by AIC, BIC and likelihood-ratio tests.

    Every shape is fitted by **maximum likelihood** (ML, not REML: REML criteria of models with
    different fixed effects are not comparable), with the same random effects and rows.  The
    likelihood-ratio test compares each shape with the first (by default the linear one,
    nested in the others): ``2 (loglik - loglik_first)`` against a chi-squared with the
    difference in parameters.  A profiled knot counts as one more parameter, and the test is
    then only approximate (the knot is not a regular parameter).

    Parameters
    ----------
    shapes : sequence of dict, optional
        Each a dict of :func:`growth_model`'s ``time``, ``knots`` and ``df``; by default
        ``[{"time": "linear"}, {"time": "piecewise"}, {"time": "spline", "df": 4}]``.

    Returns
    -------
    DataFrame
        One row per shape, in order:

        - ``shape`` : str, e.g. ``linear``, ``piecewise(knot=6)``, ``spline(df=4)``
        - ``formula`` : str
        - ``n_params`` : int64, fixed effects + variance parameters + residual (+ 1 per
          profiled knot)
        - ``loglik`` : float64, the ML log-likelihood
        - ``aic``, ``bic`` : float64 (``-2 loglik + 2 n_params``, ``+ log(n_obs) n_params``)
        - ``lr_statistic``, ``lr_df``, ``p`` : float64, the likelihood-ratio test against the
          first shape (NaN for the first)
        - ``converged`` : bool, the ML fit verified

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> rows = [{"couple_id": f"c{i}", "partner": "A", "aligned_week": w,
    ...          "score": 3 + 0.2 * min(w, 12) + rng.normal(0, 0.4)}
    ...         for i in range(12) for w in range(0, 40, 2)]
    >>> out = compare_time_shapes(pd.DataFrame(rows), shapes=[{"time": "linear"},
    ...                           {"time": "piecewise", "knots": 12 * 7 / 30.436875}])
    >>> out["shape"].tolist()
    ['linear', 'piecewise(knot=2.76)']
    >>> bool(out["aic"].iloc[1] < out["aic"].iloc[0]) and bool(out["p"].iloc[1] < 0.001)
    True
    """
    if shapes is None:
        shapes = [{"time": "linear"}, {"time": "piecewise"}, {"time": "spline", "df": 4}]
    rows = []
    base_kwargs = dict(
        partner=partner,
        reference=reference,
        min_week=min_week,
        max_week=max_week,
        measure=measure,
    )
    for shape in shapes:
        unknown = set(shape) - {"time", "knots", "df"}
        if unknown or "time" not in shape:
            raise ValueError(
                "Each of `shapes` must be a dict with 'time' and optionally 'knots' and 'df', "
                f"but {shape!r} was passed."
            )
        time, df = shape["time"], int(shape.get("df", 4))
        knots = _check_time(time, shape.get("knots"), df)
        spec0 = _growth_spec(aligned, groups, time="linear", knots=None, df=df, **base_kwargs)
        if spec0.info["n_couples"] < 2:
            continue
        fit, info, spec = _growth(
            aligned,
            groups,
            time=time,
            knots=knots,
            df=df,
            methods=methods,
            engine=engine,
            reml=False,
            se="model",  # only the likelihoods are compared: no sandwich needed
            **base_kwargs,
        )
        if fit is None:
            continue
        label = {
            "linear": "linear",
            "piecewise": "piecewise(" + ", ".join(f"knot={k:.3g}" for k in spec.knots) + ")",
            "spline": f"spline(df={df})",
        }[time]
        k = info["n_params"]
        rows.append(
            {
                "shape": label,
                "formula": spec.formula,
                "n_params": k,
                "loglik": -fit.deviance / 2,
                "aic": fit.deviance + 2 * k,
                "bic": fit.deviance + np.log(info["n_obs"]) * k,
                "converged": info["converged"],
            }
        )
    out = pd.DataFrame(rows, columns=[c for c in SHAPE_COMPARISON_COLUMNS if "lr" not in c])
    out["lr_statistic"] = np.nan
    out["lr_df"] = np.nan
    out["p"] = np.nan
    if len(out) > 1:
        stat = 2 * (out["loglik"] - out["loglik"].iloc[0])
        ddf = out["n_params"] - out["n_params"].iloc[0]
        out.loc[1:, "lr_statistic"] = stat.iloc[1:].clip(lower=0)
        out.loc[1:, "lr_df"] = ddf.iloc[1:].astype("float64")
        with np.errstate(invalid="ignore"):
            pval = stats.chi2.sf(stat.clip(lower=0), ddf.where(ddf > 0))
        out.loc[1:, "p"] = pval[1:]
    return (
        out[list(SHAPE_COMPARISON_COLUMNS)]
        .astype(
            {"shape": "str", "formula": "str", "n_params": "int64", "converged": "bool"}
            | dict.fromkeys(["loglik", "aic", "bic"], "float64")
        )
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------------------------
# Per-couple slopes and their comparison
# --------------------------------------------------------------------------------------------


def per_couple_slopes(
    aligned: pd.DataFrame,
    *,
    method: str = "ols",
    min_week: int = 0,
    min_weeks: int = 3,
    measure: str | None = None,
) -> pd.DataFrame:
    """Each couple's linear trend (score per month) over its aligned weeks.

    The partners are averaged per week first.  Vectorised across couples (no loop per couple
    for OLS; Theil-Sen works on a week grid in chunks of couples), and it only needs each
    couple's rows together, so it runs per partition on Dask.

    Parameters
    ----------
    aligned : DataFrame
        The output of :func:`align` (or any frame with ``couple_id``, ``aligned_week``,
        ``score``).
    method : {"ols", "theilsen"}
        Least squares, or the median of pairwise slopes (``scipy.stats.theilslopes``; its
        intercept is ``median(score) - slope * median(time)``).
    min_week : int
        First aligned week used (default 0, the anchor's week).
    min_weeks : int
        Couples with fewer weeks get NaN ``slope`` and ``intercept``.

    Returns
    -------
    DataFrame
        One row per couple, sorted:

        - ``couple_id`` : str
        - ``slope`` : float64, score points per month
        - ``intercept`` : float64, the fitted score at the anchor's week
        - ``n_weeks`` : int64, weeks with a score
        - ``first_week``, ``last_week`` : int64, aligned weeks

    Examples
    --------
    >>> aligned = pd.DataFrame({"couple_id": ["a"] * 3, "partner": ["A"] * 3,
    ...                         "aligned_week": [0, 1, 2], "score": [1.0, 2.0, 3.0]})
    >>> float(per_couple_slopes(aligned)["slope"].iloc[0].round(3))  # 1 per week, in months
    4.348
    """
    aligned = _with_measure(aligned, measure)
    if method not in ("ols", "theilsen"):
        raise ValueError(
            f"The value for `method` must be one of ['ols', 'theilsen'], but {method!r} was passed."
        )
    weekly = _couple_weekly(aligned, min_week)
    weekly["t"] = _months(weekly["aligned_week"])
    g = weekly.groupby("couple_id", sort=True)
    base = g["aligned_week"].agg(["size", "min", "max"])
    if method == "ols":
        weekly["tt"] = weekly["t"] ** 2
        weekly["ty"] = weekly["t"] * weekly["score"]
        sums = weekly.groupby("couple_id", sort=True)[["t", "score", "tt", "ty"]].sum()
        n = base["size"].to_numpy(dtype="float64")
        st, sy, stt, sty = (sums[c].to_numpy() for c in ("t", "score", "tt", "ty"))
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = (n * sty - st * sy) / (n * stt - st**2)
            intercept = (sy - slope * st) / n
    else:
        slope, intercept = _theil_sen(weekly, base.index)
    out = pd.DataFrame(
        {
            "couple_id": base.index.astype("str"),
            "slope": slope,
            "intercept": intercept,
            "n_weeks": base["size"].to_numpy(),
            "first_week": base["min"].to_numpy(),
            "last_week": base["max"].to_numpy(),
        }
    )
    short = out["n_weeks"] < min_weeks
    out.loc[short, ["slope", "intercept"]] = np.nan
    return out.astype(
        {
            "couple_id": "str",
            "slope": "float64",
            "intercept": "float64",
            "n_weeks": "int64",
            "first_week": "int64",
            "last_week": "int64",
        }
    ).reset_index(drop=True)


def _theil_sen(
    weekly: pd.DataFrame, ids: pd.Index, cells: int = 20_000_000
) -> tuple[np.ndarray, np.ndarray]:
    """Theil-Sen slope and intercept per couple, on a couple x week grid, in chunks of couples."""
    codes = pd.Categorical(weekly["couple_id"], categories=ids).codes
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    t = weekly["t"].to_numpy()[order]
    y = weekly["score"].to_numpy()[order]
    counts = np.bincount(codes, minlength=len(ids))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(codes)) - starts[codes]
    width = int(counts.max()) if len(counts) else 0
    slopes = np.full(len(ids), np.nan)
    intercepts = np.full(len(ids), np.nan)
    if width == 0:
        return slopes, intercepts
    chunk = max(1, cells // (width * width))
    iu = np.triu_indices(width, k=1)
    for lo in range(0, len(ids), chunk):
        hi = min(lo + chunk, len(ids))
        sel = (codes >= lo) & (codes < hi)
        tg = np.full((hi - lo, width), np.nan)
        yg = np.full((hi - lo, width), np.nan)
        tg[codes[sel] - lo, pos[sel]] = t[sel]
        yg[codes[sel] - lo, pos[sel]] = y[sel]
        dt = tg[:, iu[1]] - tg[:, iu[0]]
        dy = yg[:, iu[1]] - yg[:, iu[0]]
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pair = np.where(dt != 0, dy / dt, np.nan)
            s = np.nanmedian(pair, axis=1)
            intercepts[lo:hi] = np.nanmedian(yg, axis=1) - s * np.nanmedian(tg, axis=1)
        slopes[lo:hi] = s
    return slopes, intercepts


def _two_groups(labels: Sequence[str], compare: tuple[str, str] | None) -> tuple[str, str]:
    labels = sorted(labels)
    if compare is None:
        if len(labels) != 2:
            raise ValueError(
                f"The value for `compare` must name the two groups to compare when there are not "
                f"exactly two; the groups are {labels}."
            )
        return labels[0], labels[1]
    if len(compare) != 2 or any(c not in labels for c in compare):
        raise ValueError(
            f"The value for `compare` must be two of the groups {labels}, "
            f"but {compare!r} was passed."
        )
    return compare[0], compare[1]


def slope_comparison(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series,
    *,
    compare: tuple[str, str] | None = None,
    method: str = "ols",
    min_week: int = 0,
    min_weeks: int = 3,
    level: float = 0.95,
    measure: str | None = None,
) -> pd.DataFrame:
    """Compare two groups' per-couple slopes: Mann-Whitney U and Welch's t, with effect sizes.

    Parameters
    ----------
    aligned : DataFrame
        The output of :func:`align`.
    groups : DataFrame or Series
        ``couple_id`` -> ``group``.
    compare : (str, str), optional
        The groups ``a`` and ``b`` (default: the two groups, sorted); effects are ``a`` minus
        ``b``.
    method, min_week, min_weeks
        Passed to :func:`per_couple_slopes`.
    level : float
        Confidence level of the effect-size intervals.

    Returns
    -------
    DataFrame
        Two rows (``mann_whitney``, ``welch_t``):

        - ``test`` : str
        - ``group_a``, ``group_b`` : str
        - ``n_a``, ``n_b`` : int64, couples with a slope (the groups are those of ``groups``:
          a group none of whose couples has a slope has 0, and NaN statistics)
        - ``center_a``, ``center_b`` : float64, median slope (Mann-Whitney) or mean (Welch)
        - ``statistic`` : float64, U of group a, or Welch's t
        - ``df`` : float64, Welch-Satterthwaite degrees of freedom (NaN for Mann-Whitney)
        - ``p`` : float64, two-sided
        - ``effect`` : str, ``rank_biserial`` (``2 U / (n_a n_b) - 1``: positive when a's slopes
          tend to be larger) or ``hedges_g`` (small-sample-corrected standardised mean
          difference)
        - ``effect_size``, ``effect_ci_low``, ``effect_ci_high`` : float64; the intervals are
          normal approximations (rank-biserial: from U's null variance, clipped to [-1, 1];
          Hedges' g: SE = sqrt((n_a + n_b) / (n_a n_b) + g^2 / (2 (n_a + n_b)))).

    Examples
    --------
    >>> aligned = pd.DataFrame({"couple_id": np.repeat(list("abcd"), 3), "partner": "A",
    ...     "aligned_week": np.tile([0, 4, 8], 4),
    ...     "score": [1, 2, 3, 1, 3, 5, 5, 5, 5, 4, 4, 5.0]})
    >>> groups = pd.Series(["x", "x", "y", "y"], index=list("abcd"))
    >>> slope_comparison(aligned, groups)[["test", "n_a", "n_b"]].to_dict("records")
    [{'test': 'mann_whitney', 'n_a': 2, 'n_b': 2}, {'test': 'welch_t', 'n_a': 2, 'n_b': 2}]
    """
    aligned = _with_measure(aligned, measure)
    _check_level(level)
    slopes = per_couple_slopes(aligned, method=method, min_week=min_week, min_weeks=min_weeks)
    known = _as_groups(groups, slopes["couple_id"])
    slopes = slopes.merge(known, on="couple_id")
    slopes = slopes.loc[slopes["slope"].notna()]
    if known.empty and compare is None:  # empty in, empty out
        return _empty(COMPARISON_COLUMNS, schemas.output_dtypes(schemas.SlopeComparisonOutput))
    a_label, b_label = _two_groups(known["group"].unique().tolist(), compare)
    a = slopes.loc[slopes["group"] == a_label, "slope"].to_numpy()
    b = slopes.loc[slopes["group"] == b_label, "slope"].to_numpy()
    na, nb = len(a), len(b)
    zq = stats.norm.ppf(0.5 + level / 2)
    nan = float("nan")
    rows = []
    if na and nb:
        mw = stats.mannwhitneyu(a, b, alternative="two-sided")
        r = 2 * mw.statistic / (na * nb) - 1
        se_r = 2 * math.sqrt(na * nb * (na + nb + 1) / 12) / (na * nb)
        mw_row = (
            float(mw.statistic),
            nan,
            float(mw.pvalue),
            r,
            max(-1, r - zq * se_r),
            min(1, r + zq * se_r),
        )
    else:
        mw_row = (nan,) * 6
    rows.append(
        (
            "mann_whitney",
            np.median(a) if na else nan,
            np.median(b) if nb else nan,
            *mw_row[:3],
            "rank_biserial",
            *mw_row[3:],
        )
    )
    if na > 1 and nb > 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            wt = stats.ttest_ind(a, b, equal_var=False)
        sp = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
        g = (a.mean() - b.mean()) / sp * (1 - 3 / (4 * (na + nb) - 9)) if sp > 0 else nan
        se_g = math.sqrt((na + nb) / (na * nb) + g**2 / (2 * (na + nb)))
        w_row = (
            float(wt.statistic),
            float(wt.df),
            float(wt.pvalue),
            g,
            g - zq * se_g,
            g + zq * se_g,
        )
    else:
        w_row = (nan,) * 6
    rows.append(
        (
            "welch_t",
            a.mean() if na else nan,
            b.mean() if nb else nan,
            *w_row[:3],
            "hedges_g",
            *w_row[3:],
        )
    )
    out = pd.DataFrame(
        [
            {
                "test": test,
                "group_a": a_label,
                "group_b": b_label,
                "n_a": na,
                "n_b": nb,
                "center_a": ca,
                "center_b": cb,
                "statistic": stat,
                "df": df,
                "p": p,
                "effect": effect,
                "effect_size": es,
                "effect_ci_low": lo,
                "effect_ci_high": hi,
            }
            for test, ca, cb, stat, df, p, effect, es, lo, hi in rows
        ]
    )
    floats = [
        c
        for c in COMPARISON_COLUMNS
        if c not in ("test", "group_a", "group_b", "effect", "n_a", "n_b")
    ]
    return out.astype(
        {
            "test": "str",
            "group_a": "str",
            "group_b": "str",
            "effect": "str",
            "n_a": "int64",
            "n_b": "int64",
        }
        | dict.fromkeys(floats, "float64")
    )[list(COMPARISON_COLUMNS)]


# --------------------------------------------------------------------------------------------
# Time to a good level (Kaplan-Meier) and the log-rank test
# --------------------------------------------------------------------------------------------


def good_level_times(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series | None = None,
    *,
    level: float = schemas.GOOD_LEVEL,
    window: int = 4,
    min_weeks: int | None = None,
    measure: str | None = None,
) -> pd.DataFrame:
    """Each couple's weeks from the anchor to its first good ``window``-week mean, or censoring.

    The couple's weekly score (partners averaged) is averaged over the ``window`` aligned weeks
    ending at each week from the anchor's week on (weeks without a score are skipped; at least
    ``min_weeks`` of them must have one, default half the window rounded up).  The first week
    whose mean is >= ``level`` is the event; a couple that never gets there is censored at its
    last aligned week.

    Returns
    -------
    DataFrame
        One row per couple (with a group), sorted:

        - ``couple_id`` : str
        - ``group`` : str (``"all"`` without ``groups``)
        - ``weeks`` : int64, aligned week of the event, or of the last record when censored
        - ``reached`` : bool, True for an event, False when censored

    Examples
    --------
    >>> aligned = pd.DataFrame({"couple_id": ["a"] * 3, "partner": "A",
    ...                         "aligned_week": [0, 1, 2], "score": [5.0, 8.0, 9.0]})
    >>> good_level_times(aligned, window=2).to_dict("records")  # (8 + 9) / 2 >= 7 at week 2
    [{'couple_id': 'a', 'group': 'all', 'weeks': 2, 'reached': True}]
    """
    aligned = _with_measure(aligned, measure)
    if window < 1:
        raise ValueError(f"The value for `window` must be at least 1, but {window!r} was passed.")
    need = math.ceil(window / 2) if min_weeks is None else min_weeks
    weekly = _couple_weekly(aligned, 0)
    ids = pd.Index(pd.unique(weekly["couple_id"]))
    codes = pd.Categorical(weekly["couple_id"], categories=ids).codes
    wk = weekly["aligned_week"].to_numpy()
    last = np.full(len(ids), -1, dtype="int64")
    np.maximum.at(last, codes, wk)
    span = last + 1  # grid weeks 0..last per couple
    starts = np.concatenate([[0], np.cumsum(span)[:-1]]).astype("int64")
    total = int(span.sum())
    score = np.zeros(total)
    present = np.zeros(total)
    idx = starts[codes] + wk
    score[idx] = weekly["score"].to_numpy()
    present[idx] = 1.0
    cs = np.concatenate([[0.0], np.cumsum(score)])
    cn = np.concatenate([[0.0], np.cumsum(present)])
    couple_of = np.repeat(np.arange(len(ids)), span)
    pos = np.arange(total) - starts[couple_of]
    lo = starts[couple_of] + np.maximum(pos - window + 1, 0)
    hi = np.arange(total) + 1
    s = cs[hi] - cs[lo]
    n = cn[hi] - cn[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        good = (n >= need) & (s / np.where(n > 0, n, 1) >= level)
    first = np.full(len(ids), -1, dtype="int64")
    hit = np.flatnonzero(good)
    if len(hit):
        # first hit per couple: hits are in grid order, so keep the first of each couple
        hc = couple_of[hit]
        keep = np.concatenate([[True], hc[1:] != hc[:-1]])
        first[hc[keep]] = pos[hit[keep]]
    reached = first >= 0
    out = pd.DataFrame(
        {
            "couple_id": pd.Series(ids, dtype="str"),
            "weeks": np.where(reached, first, last).astype("int64"),
            "reached": reached,
        }
    )
    out = out.merge(_as_groups(groups, out["couple_id"]), on="couple_id", how="inner")
    out = out[list(GOOD_LEVEL_TIME_COLUMNS)].sort_values("couple_id").reset_index(drop=True)
    return out.astype({"couple_id": "str", "group": "str", "weeks": "int64", "reached": "bool"})


def time_to_good_level(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series | None = None,
    *,
    level: float = schemas.GOOD_LEVEL,
    window: int = 4,
    min_weeks: int | None = None,
    confidence: float = 0.95,
    measure: str | None = None,
) -> pd.DataFrame:
    """Kaplan-Meier curve per group of the time to a good level, with censoring.

    Uses :func:`good_level_times` and ``scipy.stats.ecdf`` on ``scipy.stats.CensoredData``
    (survival function, its pointwise log-log confidence interval).  "Survival" is the share
    of couples that have **not yet** reached the good level.

    Returns
    -------
    DataFrame
        One row per group and distinct time (event or censoring), sorted, starting with a row at
        week 0 before any event when no event happens at week 0:

        - ``group`` : str
        - ``weeks`` : int64, aligned weeks
        - ``survival`` : float64, the estimate just after ``weeks``
        - ``ci_low``, ``ci_high`` : float64 (NaN where the interval is undefined, e.g. when
          survival is 0 or 1)
        - ``at_risk`` : int64, couples still without the good level and not yet censored just
          before ``weeks``
        - ``events`` : int64, couples reaching the good level at ``weeks``

    Examples
    --------
    >>> aligned = pd.DataFrame({"couple_id": ["a", "a", "b", "b"], "partner": "A",
    ...     "aligned_week": [0, 1, 0, 1], "score": [8.0, 8.0, 2.0, 2.0]})
    >>> curve = time_to_good_level(aligned, window=1)
    >>> curve[["weeks", "survival", "at_risk", "events"]].to_dict("records")[0]
    {'weeks': 0, 'survival': 0.5, 'at_risk': 2, 'events': 1}
    """
    _check_level(confidence, "confidence")
    times = good_level_times(
        aligned, groups, level=level, window=window, min_weeks=min_weeks, measure=measure
    )
    parts = []
    for label, rows in times.groupby("group", sort=True):
        parts.append(_km_curve(str(label), rows, confidence))
    if not parts:
        return _empty(
            SURVIVAL_COLUMNS,
            {"group": "str", "weeks": "int64", "at_risk": "int64", "events": "int64"},
        )
    out = pd.concat(parts, ignore_index=True)
    out = out[list(SURVIVAL_COLUMNS)].astype(
        {
            "group": "str",
            "weeks": "int64",
            "survival": "float64",
            "ci_low": "float64",
            "ci_high": "float64",
            "at_risk": "int64",
            "events": "int64",
        }
    )
    out.attrs = {"confidence": confidence}
    return out


def _censored(rows: pd.DataFrame) -> stats.CensoredData:
    w = rows["weeks"].to_numpy(dtype="float64")
    r = rows["reached"].to_numpy(dtype=bool)
    return stats.CensoredData(uncensored=w[r], right=w[~r])


def _km_curve(label: str, rows: pd.DataFrame, confidence: float) -> pd.DataFrame:
    res = stats.ecdf(_censored(rows))
    times = res.sf.quantiles
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = res.sf.confidence_interval(confidence, method="log-log")
        low, high = ci.low.evaluate(times), ci.high.evaluate(times)
    w = rows["weeks"].to_numpy()
    r = rows["reached"].to_numpy(dtype=bool)
    at_risk = (w[None, :] >= times[:, None]).sum(axis=1)
    events = ((w[None, :] == times[:, None]) & r[None, :]).sum(axis=1)
    curve = pd.DataFrame(
        {
            "group": label,
            "weeks": times.astype("int64"),
            "survival": res.sf.probabilities,
            "ci_low": low,
            "ci_high": high,
            "at_risk": at_risk,
            "events": events,
        }
    )
    if len(curve) and (curve["weeks"].iloc[0] > 0 or curve["events"].iloc[0] == 0):
        start = pd.DataFrame(
            [
                {
                    "group": label,
                    "weeks": 0,
                    "survival": 1.0,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "at_risk": len(rows),
                    "events": 0,
                }
            ]
        )
        if curve["weeks"].iloc[0] > 0:
            curve = pd.concat([start, curve], ignore_index=True)
    return curve


def survival_medians(curve: pd.DataFrame) -> pd.DataFrame:
    """Median time to a good level per group, read off a :func:`time_to_good_level` curve.

    The median is the first time the survival estimate is <= 0.5; its interval comes from the
    curve's confidence band (the first times ``ci_low`` and ``ci_high`` fall to <= 0.5).  A
    value that is never reached is NaN in the numbers, and said in words in ``median_text``:
    ``"not reached (> 65 weeks)"`` with the group's follow-up.

    Returns
    -------
    DataFrame
        One row per group: ``group`` (str), ``n_couples`` (int64), ``n_events`` (int64),
        ``median_weeks``, ``ci_low``, ``ci_high`` (float64), ``follow_up_weeks`` (float64,
        the last time on the group's curve) and ``median_text`` (str, e.g. ``"41 weeks (95%
        CI 40 to 46)"``, ``"41 weeks (95% CI 40 to not reached)"`` or ``"not reached (> 65
        weeks)"``; the level is the curve's ``attrs["confidence"]``, 95% when not set).

    Examples
    --------
    >>> curve = pd.DataFrame({"group": "all", "weeks": [0, 3, 5], "survival": [1, 0.6, 0.3],
    ...     "ci_low": [np.nan, 0.3, 0.1], "ci_high": [np.nan, 0.8, 0.6],
    ...     "at_risk": [4, 4, 2], "events": [0, 1, 1]})
    >>> survival_medians(curve)[["median_weeks", "ci_low", "ci_high"]].to_dict("records")
    [{'median_weeks': 5.0, 'ci_low': 3.0, 'ci_high': nan}]
    >>> survival_medians(curve.assign(survival=[1, 0.8, 0.6]))["median_text"].iloc[0]
    'not reached (> 5 weeks)'
    """
    rows = []
    for label, c in curve.groupby("group", sort=True):

        def first_at_most_half(col: str, c: pd.DataFrame = c) -> float:
            hit = c.loc[c[col] <= 0.5, "weeks"]
            return float(hit.iloc[0]) if len(hit) else float("nan")

        med = first_at_most_half("survival")
        lo, hi = first_at_most_half("ci_low"), first_at_most_half("ci_high")
        follow = float(c["weeks"].max()) if len(c) else float("nan")
        if np.isnan(med):
            text = f"not reached (> {follow:g} weeks)"
        else:
            lo_t = "not reached" if np.isnan(lo) else f"{lo:g}"
            hi_t = "not reached" if np.isnan(hi) else f"{hi:g}"
            conf = curve.attrs.get("confidence", 0.95)
            text = f"{med:g} weeks ({conf:.0%} CI {lo_t} to {hi_t})"
        rows.append(
            {
                "group": str(label),
                "n_couples": int(c["at_risk"].iloc[0]) if len(c) else 0,
                "n_events": int(c["events"].sum()),
                "median_weeks": med,
                "ci_low": lo,
                "ci_high": hi,
                "follow_up_weeks": follow,
                "median_text": text,
            }
        )
    if not rows:
        return _empty(
            MEDIAN_COLUMNS,
            {"group": "str", "n_couples": "int64", "n_events": "int64", "median_text": "str"},
        )
    return pd.DataFrame(rows)[list(MEDIAN_COLUMNS)].astype(
        {
            "group": "str",
            "n_couples": "int64",
            "n_events": "int64",
            "median_weeks": "float64",
            "ci_low": "float64",
            "ci_high": "float64",
            "follow_up_weeks": "float64",
            "median_text": "str",
        }
    )


def logrank(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series,
    *,
    compare: tuple[str, str] | None = None,
    level: float = schemas.GOOD_LEVEL,
    window: int = 4,
    min_weeks: int | None = None,
    measure: str | None = None,
) -> pd.DataFrame:
    """Log-rank test of the time to a good level between two groups (``scipy.stats.logrank``).

    Returns
    -------
    DataFrame
        One row: ``group_a``, ``group_b`` (str), ``n_a``, ``n_b``, ``events_a``, ``events_b``
        (int64), ``statistic`` (float64, scipy's z statistic: positive when group a reaches
        the good level sooner, i.e. has more events than expected), ``p`` (float64,
        two-sided).  The groups are those of ``groups``: a group without couples here has
        ``n`` 0, and ``statistic`` and ``p`` are NaN when a group is empty or the test has no
        variance (no events, or all at one time).

    Examples
    --------
    >>> aligned = pd.DataFrame({"couple_id": list("abcd"), "partner": "A",
    ...     "aligned_week": [3, 4, 9, 10], "score": 8.0})
    >>> groups = pd.Series(["x", "x", "y", "y"], index=list("abcd"))
    >>> out = logrank(aligned, groups, window=1)
    >>> out[["n_a", "events_b"]].to_dict("records")
    [{'n_a': 2, 'events_b': 2}]
    >>> bool(out["statistic"].iloc[0] > 0)  # x (weeks 3 and 4) gets there sooner than y
    True
    """
    times = good_level_times(
        aligned, groups, level=level, window=window, min_weeks=min_weeks, measure=measure
    )
    known = _as_groups(groups, times["couple_id"])["group"].unique().tolist()
    if times.empty and compare is None:  # empty in, empty out
        return _empty(LOGRANK_COLUMNS, schemas.output_dtypes(schemas.LogrankOutput))
    a_label, b_label = _two_groups(known, compare)
    a = times.loc[times["group"] == a_label]
    b = times.loc[times["group"] == b_label]
    stat, p = float("nan"), float("nan")
    if len(a) and len(b):
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # no variance: NaN, said below
            res = stats.logrank(_censored(a), _censored(b))
        stat, p = float(res.statistic), float(res.pvalue)
    return pd.DataFrame(
        [
            {
                "group_a": a_label,
                "group_b": b_label,
                "n_a": len(a),
                "n_b": len(b),
                "events_a": int(a["reached"].sum()),
                "events_b": int(b["reached"].sum()),
                "statistic": stat,
                "p": p,
            }
        ]
    ).astype(
        {
            "group_a": "str",
            "group_b": "str",
            "n_a": "int64",
            "n_b": "int64",
            "events_a": "int64",
            "events_b": "int64",
        }
    )


# --------------------------------------------------------------------------------------------
# Restricted mean time, Cox hazard ratio
# --------------------------------------------------------------------------------------------


def _km_steps(weeks: np.ndarray, reached: np.ndarray):
    """Distinct times, at-risk counts, events and the KM estimate just after each time."""
    times = np.unique(weeks)
    at_risk = (weeks[None, :] >= times[:, None]).sum(axis=1)
    events = ((weeks[None, :] == times[:, None]) & reached[None, :]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        surv = np.cumprod(1.0 - events / at_risk)
    return times, at_risk, events, surv


def _rmst_one(weeks: np.ndarray, reached: np.ndarray, tau: float) -> tuple[float, float]:
    """RMST up to ``tau`` and its SE (the Greenwood-type formula of survRM2::rmst2)."""
    times, n, d, s = _km_steps(weeks, reached)
    keep = times <= tau
    t = np.concatenate([[0.0], times[keep], [tau]])
    surv = np.concatenate([[1.0], s[keep]])
    areas = np.diff(t) * surv
    est = float(areas.sum())
    nk, dk = n[keep], d[keep]
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(nk - dk == 0, 0.0, dk / (nk * (nk - dk)))
    after = np.cumsum(areas[::-1])[::-1][1:]
    return est, float(np.sqrt(np.sum(after**2 * w)))


def rmst(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series,
    *,
    compare: tuple[str, str] | None = None,
    tau: float | None = None,
    level: float = 0.95,
    good_level: float = schemas.GOOD_LEVEL,
    window: int = 4,
    min_weeks: int | None = None,
    measure: str | None = None,
) -> pd.DataFrame:
    """Restricted mean time (weeks) **before** a good level, per group, and their difference.

    The area under each group's Kaplan-Meier curve of :func:`good_level_times` from week 0 to
    ``tau``: the mean number of weeks, out of the first ``tau``, that a couple spends not yet
    at the good level.  Unlike a median it exists when fewer than half the couples get there.
    Standard errors follow survRM2's ``rmst2`` (Uno et al. 2014; Royston & Parmar 2013):
    ``sum_j A_j^2 d_j / (n_j (n_j - d_j))`` with ``A_j`` the area after event time ``j``;
    intervals and the test of the difference are Wald (normal).

    Parameters
    ----------
    tau : float, optional
        The horizon in weeks (default: the smaller of the two groups' last follow-up time, as
        survRM2).  It must not exceed either group's follow-up.

    Returns
    -------
    DataFrame
        Three rows: group a, group b, and ``"<a> - <b>"`` (the difference):

        - ``group`` : str
        - ``tau`` : float64, weeks
        - ``n_couples`` : int64
        - ``rmst`` : float64, weeks (for the difference: a minus b)
        - ``std_error``, ``ci_low``, ``ci_high`` : float64
        - ``p`` : float64, two-sided test of no difference (NaN on the group rows)

    Examples
    --------
    >>> aligned = pd.DataFrame({"couple_id": list("abcd"), "partner": "A",
    ...     "aligned_week": [2, 4, 6, 8], "score": 8.0})
    >>> groups = pd.Series(["x", "x", "y", "y"], index=list("abcd"))
    >>> rmst(aligned, groups, window=1)["rmst"].tolist()  # tau 4: x 2 + 2 x 1/2, y 4
    [3.0, 4.0, -1.0]
    """
    _check_level(level)
    times = good_level_times(
        _with_measure(aligned, measure),
        groups,
        level=good_level,
        window=window,
        min_weeks=min_weeks,
    )
    known = _as_groups(groups, times["couple_id"])["group"].unique().tolist()
    dtypes = {"group": "str", "n_couples": "int64"}
    if times.empty and compare is None:
        return _empty(RMST_COLUMNS, dtypes)
    a_label, b_label = _two_groups(known, compare)
    parts = {g: times.loc[times["group"] == g] for g in (a_label, b_label)}
    if any(len(p) == 0 for p in parts.values()):
        return _empty(RMST_COLUMNS, dtypes)
    follow = min(float(p["weeks"].max()) for p in parts.values())
    if tau is None:
        tau = follow
    elif not 0 < tau <= follow:
        raise ValueError(
            f"The value for `tau` must be between 0 and the shorter follow-up ({follow:g} "
            f"weeks), but {tau!r} was passed."
        )
    zq = stats.norm.ppf(0.5 + level / 2)
    rows = []
    ests = {}
    for g, p in parts.items():
        est, se = _rmst_one(
            p["weeks"].to_numpy(dtype="float64"), p["reached"].to_numpy(dtype=bool), tau
        )
        ests[g] = (est, se)
        rows.append((g, len(p), est, se, np.nan))
    d = ests[a_label][0] - ests[b_label][0]
    se = math.hypot(ests[a_label][1], ests[b_label][1])
    p_value = float(2 * stats.norm.sf(abs(d / se))) if se > 0 else float("nan")
    rows.append((f"{a_label} - {b_label}", len(times), d, se, p_value))
    out = pd.DataFrame(
        [
            {
                "group": g,
                "tau": float(tau),
                "n_couples": n,
                "rmst": est,
                "std_error": s,
                "ci_low": est - zq * s,
                "ci_high": est + zq * s,
                "p": pv,
            }
            for g, n, est, s, pv in rows
        ]
    )
    return out[list(RMST_COLUMNS)].astype(dtypes)


def cox_hazard_ratio(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series,
    *,
    compare: tuple[str, str] | None = None,
    level: float = 0.95,
    ties: str = "efron",
    good_level: float = schemas.GOOD_LEVEL,
    window: int = 4,
    min_weeks: int | None = None,
    measure: str | None = None,
) -> pd.DataFrame:
    """Cox proportional-hazards ratio of reaching a good level, group a versus group b.

    statsmodels ``PHReg`` on :func:`good_level_times` with one covariate (1 for group a);
    ``ties="efron"`` (default, as R's ``coxph``) or ``"breslow"``.  A hazard ratio above 1
    means group a reaches the good level sooner.  Report it beside :func:`logrank` and
    :func:`rmst`: the ratio assumes proportional hazards, the other two do not.

    Returns
    -------
    DataFrame
        One row: ``group_a``, ``group_b`` (str), ``n_a``, ``n_b``, ``events_a``, ``events_b``
        (int64), ``hazard_ratio``, ``log_hr``, ``std_error``, ``z``, ``p``, ``ci_low``,
        ``ci_high`` (float64; the interval is of the ratio, Wald on the log scale), ``ties``
        (str).  NaN statistics when a group is empty or has no events.

    Examples
    --------
    >>> aligned = pd.DataFrame({"couple_id": list("abcdef"), "partner": "A",
    ...     "aligned_week": [1, 3, 6, 2, 7, 9], "score": 8.0})
    >>> groups = pd.Series(["x", "x", "x", "y", "y", "y"], index=list("abcdef"))
    >>> bool(cox_hazard_ratio(aligned, groups, window=1)["hazard_ratio"].iloc[0] > 1)
    True
    """
    _check_level(level)
    if ties not in ("efron", "breslow"):
        raise ValueError(
            f"The value for `ties` must be one of ['efron', 'breslow'], but {ties!r} was passed."
        )
    times = good_level_times(
        _with_measure(aligned, measure),
        groups,
        level=good_level,
        window=window,
        min_weeks=min_weeks,
    )
    known = _as_groups(groups, times["couple_id"])["group"].unique().tolist()
    if times.empty and compare is None:
        return _empty(
            COX_COLUMNS,
            {"group_a": "str", "group_b": "str", "ties": "str"}
            | dict.fromkeys(["n_a", "n_b", "events_a", "events_b"], "int64"),
        )
    a_label, b_label = _two_groups(known, compare)
    rows = times.loc[times["group"].isin([a_label, b_label])]
    a = rows["group"] == a_label
    nan = float("nan")
    est = se = nan
    if a.any() and (~a).any() and rows["reached"].any():
        from statsmodels.duration.hazard_regression import PHReg

        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                res = PHReg(
                    rows["weeks"].to_numpy(dtype="float64"),
                    a.to_numpy(dtype="float64")[:, None],
                    status=rows["reached"].to_numpy(dtype="float64"),
                    ties=ties,
                ).fit()
                est, se = float(res.params[0]), float(res.bse[0])
            except (np.linalg.LinAlgError, ValueError):
                pass
    zq = stats.norm.ppf(0.5 + level / 2)
    z = est / se if se > 0 else nan
    with np.errstate(over="ignore"):
        hr = [float(np.exp(v)) for v in (est, est - zq * se, est + zq * se)]
    out = pd.DataFrame(
        [
            {
                "group_a": a_label,
                "group_b": b_label,
                "n_a": int(a.sum()),
                "n_b": int((~a).sum()),
                "events_a": int(rows.loc[a, "reached"].sum()),
                "events_b": int(rows.loc[~a, "reached"].sum()),
                "hazard_ratio": hr[0],
                "log_hr": est,
                "std_error": se,
                "z": z,
                "p": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else nan,
                "ci_low": hr[1],
                "ci_high": hr[2],
                "ties": ties,
            }
        ]
    )
    return out[list(COX_COLUMNS)].astype(
        {"group_a": "str", "group_b": "str", "ties": "str"}
        | dict.fromkeys(["n_a", "n_b", "events_a", "events_b"], "int64")
    )


# --------------------------------------------------------------------------------------------
# As assigned, per protocol, attrition
# --------------------------------------------------------------------------------------------


def _anchor_monday(aligned: pd.DataFrame) -> pd.Series:
    """The Monday of each couple's anchor week, from the aligned frame itself."""
    monday = aligned["week"] - pd.to_timedelta(aligned["aligned_week"] * 7, unit="D")
    return monday.groupby(aligned["couple_id"]).first()


def crossover(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series,
    events: pd.DataFrame,
    *,
    kind: str = "couples_therapy",
    treated: str = "therapy",
) -> pd.DataFrame:
    """Who received the treatment, and when: the basis of a per-protocol sensitivity analysis.

    Groups are as **assigned** (intention to treat): every analysis of this module compares
    them as given.  Couples of the ``treated`` group are expected to have an event of ``kind``
    (e.g. ``couples_therapy``), the others not; a couple of another group that has one
    *crossed over*, a treated couple without one did not receive the treatment.

    Returns
    -------
    DataFrame
        One row per aligned couple with a group, sorted:

        - ``couple_id``, ``group`` : str (as assigned)
        - ``received`` : bool, an event of ``kind`` was logged
        - ``received_week`` : float64, aligned week of the first such event (NaN when none)
        - ``per_protocol`` : bool, treated and received, or not treated and not received
          before its last aligned week
        - ``last_week`` : int64, the couple's last aligned week

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> aligned = pd.DataFrame({"couple_id": ["a", "b"], "partner": "A", "score": 5.0,
    ...     "week": pd.to_datetime(["2025-01-13", "2025-01-13"]), "aligned_week": [2, 2]})
    >>> ev = as_table("events", [{"couple_id": "b", "date": "2025-01-08",
    ...                           "kind": "couples_therapy"}])
    >>> groups = pd.Series(["therapy", "waitlist"], index=["a", "b"])
    >>> crossover(aligned, groups, ev)[["couple_id", "received_week", "per_protocol"]].to_dict(
    ...     "records")
    [{'couple_id': 'a', 'received_week': nan, 'per_protocol': False}, \
{'couple_id': 'b', 'received_week': 1.0, 'per_protocol': False}]
    """
    if kind not in schemas.EVENT_KINDS:
        raise ValueError(
            f"The value for `kind` must be one of {list(schemas.EVENT_KINDS)}, "
            f"but {kind!r} was passed."
        )
    ids = pd.Series(pd.unique(aligned["couple_id"].astype(str)), dtype="str")
    g = _as_groups(groups, ids)
    g = g.loc[g["couple_id"].isin(set(ids))]
    if g.empty:
        out = _empty(
            CROSSOVER_COLUMNS,
            {
                "couple_id": "str",
                "group": "str",
                "received": "bool",
                "per_protocol": "bool",
                "last_week": "int64",
            },
        )
        out.attrs = {"kind": kind, "treated": treated}
        return out
    monday = _anchor_monday(aligned)
    last = aligned.groupby("couple_id")["aligned_week"].max()
    ev = events.loc[events["kind"].astype(object) == kind, ["couple_id", "date"]]
    first = ev.groupby("couple_id")["date"].min()
    out = g.sort_values("couple_id").reset_index(drop=True)
    anchor = out["couple_id"].map(monday)
    when = schemas.week_start(out["couple_id"].map(first))
    out["received_week"] = ((when - anchor).dt.days // 7).astype("float64")
    out["last_week"] = out["couple_id"].map(last).astype("int64")
    out["received"] = out["couple_id"].isin(set(first.index))
    is_treated = out["group"] == treated
    out["per_protocol"] = np.where(
        is_treated, out["received"], ~(out["received"] & (out["received_week"] <= out["last_week"]))
    ).astype(bool)
    out.attrs = {"kind": kind, "treated": treated}
    return out[list(CROSSOVER_COLUMNS)].astype(
        {"couple_id": "str", "group": "str", "received": "bool", "per_protocol": "bool"}
    )


def per_protocol(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series,
    events: pd.DataFrame,
    *,
    kind: str = "couples_therapy",
    treated: str = "therapy",
) -> pd.DataFrame:
    """The aligned rows of a per-protocol sensitivity analysis (see :func:`crossover`).

    Treated couples that never received the treatment are left out; couples of the other
    groups that crossed over are kept **until** the week before their first event of ``kind``
    (censored at the crossover), so that what the treatment did to them is not credited to
    their assigned group.  Run any analysis on the result with the same ``groups``; state it
    beside the as-assigned result, never instead of it.

    Returns
    -------
    DataFrame
        The rows of ``aligned`` kept, its columns; ``attrs`` add ``n_not_received`` and
        ``n_crossed_over`` (couples) and ``per_protocol`` (True).

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> aligned = pd.DataFrame({"couple_id": ["b"] * 3, "partner": "A", "score": 5.0,
    ...     "week": pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-20"]),
    ...     "aligned_week": [0, 1, 2]})
    >>> ev = as_table("events", [{"couple_id": "b", "date": "2025-01-15",
    ...                           "kind": "couples_therapy"}])
    >>> per_protocol(aligned, pd.Series(["waitlist"], index=["b"]), ev)["aligned_week"].tolist()
    [0]
    """
    table = crossover(aligned, groups, events, kind=kind, treated=treated)
    not_received = table.loc[(table["group"] == treated) & ~table["received"], "couple_id"]
    crossed = table.loc[(table["group"] != treated) & table["received"]]
    cut = crossed.set_index("couple_id")["received_week"]
    limit = aligned["couple_id"].map(cut)
    keep = ~aligned["couple_id"].isin(set(not_received)) & ~(aligned["aligned_week"] >= limit)
    out = aligned.loc[keep].reset_index(drop=True)
    out.attrs = dict(
        aligned.attrs,
        per_protocol=True,
        n_not_received=len(not_received),
        n_crossed_over=int((crossed["received_week"] <= crossed["last_week"]).sum()),
    )
    return out


def attrition(
    aligned: pd.DataFrame,
    groups: pd.DataFrame | pd.Series | None = None,
    *,
    weeks: Sequence[int] = (13, 26, 52),
    measure: str | None = None,
) -> pd.DataFrame:
    """Attrition and missed weeks by group: who is still logging at each checkpoint week.

    A couple is *retained* at week ``w`` when its last aligned week (either partner) is at
    least ``w``; its *missed* weeks up to ``w`` are the weeks from its first logged week (from
    the anchor's week on) to ``min(w, last week)`` in which neither partner logged a score.

    Returns
    -------
    DataFrame
        One row per group and checkpoint, sorted:

        - ``group`` : str
        - ``week`` : int64, the checkpoint
        - ``n_couples`` : int64, couples in the group
        - ``n_retained`` : int64, couples still logging at ``week``
        - ``retained_share`` : float64
        - ``missed_share`` : float64, the share of the couples' weeks first..min(week, last)
          without a score (all the group's couples pooled)

    Examples
    --------
    >>> aligned = pd.DataFrame({"couple_id": ["a", "a", "b"], "partner": "A",
    ...     "aligned_week": [0, 3, 0], "score": 5.0})  # a misses weeks 1 and 2 of 0..3
    >>> attrition(aligned, weeks=(3,))[["n_retained", "missed_share"]].to_dict("records")
    [{'n_retained': 1, 'missed_share': 0.4}]
    """
    aligned = _with_measure(aligned, measure)
    ws = [int(w) for w in weeks]
    if not ws or any(w < 0 for w in ws):
        raise ValueError(f"The value for `weeks` must be weeks >= 0, but {weeks!r} was passed.")
    weekly = _couple_weekly(aligned, 0)
    weekly = weekly.merge(_as_groups(groups, weekly["couple_id"]), on="couple_id", how="inner")
    last = weekly.groupby("couple_id")["aligned_week"].max()
    first = weekly.groupby("couple_id")["aligned_week"].min()
    rows = []
    for label, part in weekly.groupby("group", sort=True):
        ids = part["couple_id"].unique()
        lw = last.loc[ids].to_numpy()
        fw = first.loc[ids].to_numpy()
        for w in ws:
            span = np.clip(np.minimum(lw, w) - fw + 1, 0, None)
            logged = part.loc[part["aligned_week"] <= w].groupby("couple_id").size()
            logged = logged.reindex(ids, fill_value=0).to_numpy()
            rows.append(
                {
                    "group": str(label),
                    "week": w,
                    "n_couples": len(ids),
                    "n_retained": int((lw >= w).sum()),
                    "retained_share": float((lw >= w).mean()),
                    "missed_share": float(1 - logged.sum() / span.sum())
                    if span.sum()
                    else float("nan"),
                }
            )
    if not rows:
        return _empty(
            ATTRITION_COLUMNS,
            {"group": "str", "week": "int64", "n_couples": "int64", "n_retained": "int64"},
        )
    return pd.DataFrame(rows)[list(ATTRITION_COLUMNS)].astype(
        {"group": "str", "week": "int64", "n_couples": "int64", "n_retained": "int64"}
    )


# --------------------------------------------------------------------------------------------
# Dyads: the lagged actor-partner interdependence model
# --------------------------------------------------------------------------------------------


def apim_frame(aligned: pd.DataFrame, *, lag: int = 1, measure: str | None = None) -> pd.DataFrame:
    """The rows of the lagged APIM: each partner's score with both partners' earlier scores.

    Returns
    -------
    DataFrame
        One row per couple, role and aligned week ``t`` at which both partners have a score at
        ``t - lag`` and this partner one at ``t``: ``couple_id``, ``role`` (str),
        ``aligned_week`` (int64), ``score``, ``own_lag``, ``partner_lag`` (float64).

    Raises
    ------
    ValueError
        When the rows do not have exactly two roles (the dyads must be distinguishable: log
        ``role`` as ``hurt`` / ``involved``).  Couples with one partner's scores only give no
        rows.

    Examples
    --------
    >>> aligned = pd.DataFrame({"couple_id": "c", "partner": ["A", "B", "A", "B"],
    ...     "role": ["hurt", "involved"] * 2, "aligned_week": [0, 0, 1, 1],
    ...     "score": [3.0, 6.0, 4.0, 6.5]})
    >>> apim_frame(aligned)[["role", "score", "own_lag", "partner_lag"]].to_dict("records")
    [{'role': 'hurt', 'score': 4.0, 'own_lag': 3.0, 'partner_lag': 6.0}, \
{'role': 'involved', 'score': 6.5, 'own_lag': 6.0, 'partner_lag': 3.0}]
    """
    if isinstance(lag, bool) or not isinstance(lag, int | np.integer) or lag < 1:
        raise ValueError(
            f"The value for `lag` must be a whole number >= 1, but {lag!r} was passed."
        )
    rows = _with_measure(aligned, measure)
    cols = ["couple_id", "role", "aligned_week", "score"]
    dtypes = {"couple_id": "str", "role": "str", "aligned_week": "int64"}
    if "role" not in rows.columns or rows.empty:
        return _empty(APIM_FRAME_COLUMNS, dtypes)
    rows = rows.loc[rows["aligned_week"] >= 0, cols].dropna()
    rows = rows.groupby(["couple_id", "role", "aligned_week"], as_index=False)["score"].mean()
    roles = sorted(rows["role"].unique())
    if len(roles) != 2:
        raise ValueError(
            "The value for `aligned` must hold two distinct partner roles (e.g. hurt and "
            f"involved) for an APIM of distinguishable dyads, but it has {roles}."
        )
    wide = rows.pivot_table(index=["couple_id", "aligned_week"], columns="role", values="score")
    roles = list(wide.columns)
    earlier = wide.copy()
    earlier.index = pd.MultiIndex.from_arrays(
        [earlier.index.get_level_values(0), earlier.index.get_level_values(1) + lag]
    )
    earlier = earlier.reindex(wide.index)
    parts = []
    for i, r in enumerate(roles):
        other = roles[1 - i]
        part = pd.DataFrame(
            {
                "score": wide[r],
                "own_lag": earlier[r],
                "partner_lag": earlier[other],
            }
        ).dropna()
        part = part.reset_index()
        part["role"] = r
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out = out[list(APIM_FRAME_COLUMNS)].sort_values(["couple_id", "aligned_week", "role"])
    return out.reset_index(drop=True).astype(
        dtypes | dict.fromkeys(("score", "own_lag", "partner_lag"), "float64")
    )


def apim(
    aligned: pd.DataFrame,
    *,
    lag: int = 1,
    level: float = 0.95,
    measure: str | None = None,
    methods: Sequence[str] = DEFAULT_METHODS,
) -> pd.DataFrame:
    """Lagged actor-partner interdependence model (APIM) of distinguishable dyads.

    Each partner's score this week on their own and their partner's score ``lag`` weeks
    earlier, separately for each role (hurt and involved partner), with a random intercept per
    couple (the two-intercept formulation of Kenny, Kashy & Cook 2006, *Dyadic Data
    Analysis*, ch. 7; lagged over time as in Cook & Kenny 2005, *Int. J. Behav. Dev.* 29(2))::

        score[r, t] = a_r + actor_r * score[r, t - lag] + partner_r * score[r', t - lag]
                      + u_couple + e,     u ~ N(0, tau^2), e ~ N(0, sigma^2)

    fitted by REML from sufficient statistics (the same engine and verification as
    :func:`growth_model`; lme4: ``lmer(score ~ 0 + role + role:own_lag + role:partner_lag +
    (1 | couple_id))``).  The actor effect is the stability of a partner's own score, the
    partner effect how much the other's score carries over to them.  With long series the
    bias of a lagged outcome beside a random intercept (Nickell 1981) is small (order 1/T).

    Returns
    -------
    DataFrame
        One row per role and effect, sorted by role:

        - ``role`` : str
        - ``effect`` : str, ``intercept``, ``actor`` or ``partner``
        - ``estimate``, ``std_error``, ``z``, ``p``, ``ci_low``, ``ci_high`` : float64 (Wald)

        ``attrs``: ``n_obs``, ``n_couples``, ``converged``, ``reml_criterion``, ``lag``,
        ``couple_variance``, ``residual``, ``formula`` and ``fits``.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> rows = []
    >>> for c in range(20):
    ...     h, i = 4.0, 6.0
    ...     for w in range(30):
    ...         rows += [{"couple_id": f"c{c}", "partner": "A", "role": "hurt",
    ...                   "aligned_week": w, "score": h},
    ...                  {"couple_id": f"c{c}", "partner": "B", "role": "involved",
    ...                   "aligned_week": w, "score": i}]
    ...         h, i = (1 + 0.5 * h + 0.3 * i + rng.normal(0, 0.5),
    ...                 2 + 0.6 * i + 0.1 * h + rng.normal(0, 0.5))
    >>> out = apim(pd.DataFrame(rows))
    >>> out[["role", "effect"]].to_dict("records")[:3]
    [{'role': 'hurt', 'effect': 'intercept'}, {'role': 'hurt', 'effect': 'actor'}, \
{'role': 'hurt', 'effect': 'partner'}]
    >>> bool(out.set_index(["role", "effect"]).loc[("hurt", "partner"), "ci_low"] > 0)
    True
    """
    from trustdata.cohort import _reml

    _check_level(level)
    frame = apim_frame(aligned, lag=lag, measure=measure)
    info: dict = {
        "n_obs": len(frame),
        "n_couples": int(frame["couple_id"].nunique()),
        "converged": False,
        "lag": lag,
        "formula": "score ~ 0 + role + role:own_lag + role:partner_lag + (1 | couple_id)",
        "reml_criterion": float("nan"),
        "couple_variance": float("nan"),
        "residual": float("nan"),
        "fits": (),
    }
    dtypes = {"role": "str", "effect": "str"}
    if info["n_couples"] < 2:
        out = _empty(APIM_COLUMNS, dtypes)
        out.attrs = info
        return out
    roles = sorted(frame["role"].unique())
    cols, names = [], []
    for r in roles:
        is_r = (frame["role"] == r).to_numpy(dtype="float64")
        for effect, values in (
            ("intercept", is_r),
            ("actor", is_r * frame["own_lag"].to_numpy()),
            ("partner", is_r * frame["partner_lag"].to_numpy()),
        ):
            cols.append(values)
            names.append(f"{r}:{effect}")
    x = np.column_stack(cols)
    st = _reml.sufficient_stats(
        x,
        frame["score"].to_numpy(dtype="float64"),
        pd.factorize(frame["couple_id"])[0],
        np.zeros(len(frame)),
        names=names,
        slope=False,
    )
    try:
        res = _reml.fit(st, reml=True, methods=tuple(methods))
    except (np.linalg.LinAlgError, ValueError) as exc:
        warnings.warn(
            f"The APIM could not be fitted ({exc}); every estimate is NaN.",
            RuntimeWarning,
            stacklevel=2,
        )
        out = _empty(APIM_COLUMNS, dtypes)
        out.attrs = info
        return out
    se = np.sqrt(np.diag(res.vcov.to_numpy()))
    est = res.beta.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        z = est / se
    zq = stats.norm.ppf(0.5 + level / 2)
    out = pd.DataFrame(
        {
            "role": [n.split(":")[0] for n in names],
            "effect": [n.split(":")[1] for n in names],
            "estimate": est,
            "std_error": se,
            "z": z,
            "p": 2 * stats.norm.sf(np.abs(z)),
            "ci_low": est - zq * se,
            "ci_high": est + zq * se,
        }
    ).astype(dtypes)
    info.update(
        converged=bool(res.converged and np.isfinite(se).all()),
        reml_criterion=res.deviance,
        couple_variance=float(res.cov_couple[0, 0]),
        residual=res.sigma2,
        fits=tuple(res.attempts.to_dict("records")),
    )
    if not info["converged"]:
        warnings.warn(
            "The APIM's optimum could not be verified; attrs['converged'] is False.",
            RuntimeWarning,
            stacklevel=2,
        )
    out.attrs = info
    return out


# --------------------------------------------------------------------------------------------
# Reproducible artefacts: tables to CSV and LaTeX
# --------------------------------------------------------------------------------------------


def _write_atomic(path: Path, text: str) -> None:
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_tables(
    tables: dict[str, pd.DataFrame],
    folder: str | Path,
    *,
    digits: int = 3,
    captions: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Write each table as ``<name>.csv`` (full precision) and ``<name>.tex`` (pandas Styler).

    The LaTeX is ``DataFrame.style.to_latex`` with booktabs rules, the index hidden, numbers
    rounded to ``digits`` decimals (p-values below 0.001 as ``$<$ 0.001``), text escaped for
    LaTeX, and a ``\\caption`` / ``\\label{tab:<name>}`` when a caption is given.  Every file
    is written atomically (a temporary file, then a rename).

    Parameters
    ----------
    tables : dict of str -> DataFrame
        Name (a file stem of letters, digits, ``_`` and ``-``) -> table.
    folder : path
        Created when missing.

    Returns
    -------
    DataFrame
        One row per table: ``name`` (str), ``rows`` (int64), ``csv``, ``tex`` (str paths).

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> out = export_tables({"effects": pd.DataFrame({"term": ["time_x"], "p": [0.0001]})},
    ...                     folder)
    >>> print(open(out["tex"].iloc[0]).read().splitlines()[4])
    time\\_x & $<$ 0.001 \\\\
    """
    import re

    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ValueError(
            f"The value for `digits` must be a whole number >= 0, but {digits!r} was passed."
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    captions = captions or {}
    rows = []
    for name, table in tables.items():
        if not re.fullmatch(r"[A-Za-z0-9_-]+", str(name)):
            raise ValueError(
                "The keys of `tables` must be file stems of letters, digits, '_' and '-', "
                f"but {name!r} was passed."
            )
        csv_path, tex_path = folder / f"{name}.csv", folder / f"{name}.tex"
        _write_atomic(csv_path, table.to_csv(index=False))
        plain = table.reset_index(drop=True)
        formats = {}
        for col in plain.columns:
            if col == "p" or col.endswith("_p"):
                formats[col] = lambda v: "$<$ 0.001" if v < 0.001 else f"{v:.3f}"
            elif pd.api.types.is_float_dtype(plain[col]):
                formats[col] = f"{{:.{digits}f}}"
        styler = plain.style.hide(axis="index").format(formats, escape="latex", na_rep="")
        styler = styler.format_index(escape="latex", axis=1)
        kwargs = {"hrules": True}
        if name in captions:
            kwargs |= {"caption": captions[name], "label": f"tab:{name}"}
        _write_atomic(tex_path, styler.to_latex(**kwargs))
        rows.append(
            {"name": str(name), "rows": len(table), "csv": str(csv_path), "tex": str(tex_path)}
        )
    return pd.DataFrame(rows, columns=["name", "rows", "csv", "tex"]).astype(
        {"name": "str", "rows": "int64", "csv": "str", "tex": "str"}
    )
