"""Trust and its six layers: where each layer stands now, where it started, which lags and leads.

The guide couples follow describes trust in six layers (:data:`trustdata.schemas.LAYERS`:
reliability, emotional safety, honesty, consistency, respect, transparency).  Check-ins may score
``trust`` and each layer (1-10, all optional).  This module turns those scores into tidy frames:

* :func:`layers_profile`: one row per couple, partner and measure (``trust`` and the six layers)
  with the level at the start, the recent level, the change between them, the check-ins behind
  each and which layer lags and which leads;
* :func:`layers_weekly`: :func:`trustdata.trends.weekly_trend` of ``trust`` and of each layer, one
  frame (the small multiples of :func:`trustdata.charts.plot_layers` draw it).

Weeks and weekly scores follow the rest of the package: weeks run Monday to Sunday
(:func:`trustdata.schemas.week_start`); a week's score is the mean of that week's check-ins with
the measure; a window's level is the mean of its weekly scores (weeks without a score add
nothing), as :func:`trustdata.trends.weekly_trend`'s ``rolling_mean`` is.

When the check-ins hold none of these columns (or no score in them) both functions return an
empty frame with their usual columns.
"""

from __future__ import annotations

import pandas as pd

from trustdata import schemas
from trustdata._frames import _check_int, _empty, _require

__all__ = ["LAYER_MEASURES", "LAYERS_PROFILE_COLUMNS", "layers_profile", "layers_weekly"]

#: The measures a layers profile covers, in order: ``trust`` itself, then the six layers.
LAYER_MEASURES: tuple[str, ...] = ("trust", *schemas.LAYERS)

_PROFILE_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "layer": "str",
    "is_layer": "bool",
    "n_checkins": "int64",
    "first_date": "datetime64[ns]",
    "last_date": "datetime64[ns]",
    "start_level": "float64",
    "n_start": "int64",
    "start_from": "datetime64[ns]",
    "start_to": "datetime64[ns]",
    "recent_start": "datetime64[ns]",
    "recent_end": "datetime64[ns]",
    "recent_level": "float64",
    "n_recent": "int64",
    "change": "float64",
    "lags": "bool",
    "leads": "bool",
}

#: Columns of :func:`layers_profile`, in order.
LAYERS_PROFILE_COLUMNS: tuple[str, ...] = tuple(_PROFILE_DTYPES)

_TIE = 1e-9  # recent levels closer than this are equal (means of integers: no rounding noise)


def layers_profile(
    checkins: pd.DataFrame,
    *,
    recent_weeks: int = 8,
    start_weeks: int = 8,
) -> pd.DataFrame:
    """Each partner's trust and six layers: the start, the recent level, and which lags or leads.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins (:attr:`trustdata.Logs.checkins`); used columns ``couple_id,
        partner, date`` and whichever of ``trust`` and the six layers it has.  Not modified.
    recent_weeks : int, default 8
        The recent window: the partner's last ``recent_weeks`` calendar weeks, ending with the
        week of their last check-in of any kind (so a layer they stopped scoring has no recent
        level, rather than an old one presented as recent).  Layers are scored less often than
        ``connection``, hence two months by default.
    start_weeks : int, default 8
        The start window: the first ``start_weeks`` calendar weeks from the partner's first
        check-in scoring that measure, cut where the recent window begins (no check-in counts
        in both windows).

    Returns
    -------
    pandas.DataFrame
        One row per couple, partner and measure the partner scored at least once; sorted by
        couple, partner and measure in :data:`LAYER_MEASURES` order.  Validated by
        :class:`trustdata.schemas.LayersProfileSchema`.

        - ``couple_id`` (str), ``partner`` (str)
        - ``layer`` (str): ``"trust"`` or one of :data:`trustdata.schemas.LAYERS`.
        - ``is_layer`` (bool): False for ``trust`` (the whole), True for the six layers.
        - ``n_checkins`` (int64): the partner's check-ins scoring it.
        - ``first_date``, ``last_date`` (datetime64[ns]): the first and last of them.
        - ``start_level`` (float): mean of the weekly scores in the start window; NaN when the
          window is empty (the measure was first scored inside the recent window).
        - ``n_start`` (int64): check-ins behind ``start_level``.
        - ``start_from``, ``start_to`` (datetime64[ns]): the start window, from the Monday of
          the measure's first scored week to the Sunday ``start_weeks`` weeks on (or the day
          before ``recent_start`` when the recent window cuts it); NaT when it is empty.
        - ``recent_start``, ``recent_end`` (datetime64[ns]): the recent window, from the Monday
          of its first week to the partner's last check-in (the same for every measure of a
          partner; a view can say "recently" means the weeks to that date, e.g. for a partner
          who stopped checking in months ago).
        - ``recent_level`` (float): mean of the weekly scores in the recent window; NaN when the
          partner did not score it there.
        - ``n_recent`` (int64): check-ins behind ``recent_level``.
        - ``change`` (float): ``recent_level - start_level`` (NaN when either is).
        - ``lags``, ``leads`` (bool): the rule, per couple and partner, over the six layers only
          (never ``trust``): a layer **lags** when its ``recent_level`` is the lowest of the
          partner's layers with a recent level, and **leads** when it is the highest.  Ties are
          kept, not broken: every layer sharing the lowest (highest) level lags (leads).  Nothing
          lags or leads when fewer than two layers have a recent level, or when all of them are
          equal (there is no weaker or stronger layer to name).

    Raises
    ------
    ValueError
        When ``recent_weeks`` or ``start_weeks`` is not an integer of at least 1, or the
        check-ins lack ``couple_id``, ``partner`` or ``date``.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-06", "connection": 5,
    ...      "trust": 3, "honesty": 2, "respect": 6},
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-03-03", "connection": 6,
    ...      "trust": 6, "honesty": 5, "respect": 7}])
    >>> out = layers_profile(ci, recent_weeks=2, start_weeks=2)
    >>> out[["layer", "start_level", "recent_level", "change", "lags", "leads"]]
         layer  start_level  recent_level  change   lags  leads
    0    trust          3.0           6.0     3.0  False  False
    1  honesty          2.0           5.0     3.0   True  False
    2  respect          6.0           7.0     1.0  False   True
    """
    _check_int("recent_weeks", recent_weeks, 1)
    _check_int("start_weeks", start_weeks, 1)
    _require(checkins, ["couple_id", "partner", "date"], "check-ins")
    measures = [m for m in LAYER_MEASURES if m in checkins.columns]
    base = checkins.loc[checkins["date"].notna(), ["couple_id", "partner", "date", *measures]]
    if not measures or base.empty:
        return _empty(_PROFILE_DTYPES)
    keys = ["couple_id", "partner"]
    base = base.assign(
        couple_id=base["couple_id"].astype(str),
        partner=base["partner"].astype(str),
        week=schemas.week_start(base["date"]),
    )
    # the recent window ends with the week of the partner's last check-in of any kind
    last_week = base.groupby(keys, sort=False)["week"].transform("max")
    base["recent_from"] = last_week - pd.Timedelta(weeks=recent_weeks - 1)
    base["recent_to"] = base.groupby(keys, sort=False)["date"].transform("max")
    long = base.melt(
        id_vars=[*keys, "date", "week", "recent_from", "recent_to"],
        value_vars=measures,
        var_name="layer",
        value_name="score",
    )
    long = long.loc[long["score"].notna()]
    if long.empty:
        return _empty(_PROFILE_DTYPES)
    long["score"] = long["score"].astype("float64")
    series = [*keys, "layer"]
    grouped = long.groupby(series, sort=False)
    long["start_to"] = grouped["week"].transform("min") + pd.Timedelta(weeks=start_weeks - 1)
    # one score per week: the mean of the week's check-ins (the package's rule)
    weekly = long.groupby([*series, "week"], sort=False).agg(
        score=("score", "mean"),
        n=("score", "size"),
        recent_from=("recent_from", "first"),
        start_to=("start_to", "first"),
    )
    weekly = weekly.reset_index()
    in_recent = weekly["week"] >= weekly["recent_from"]
    in_start = (weekly["week"] <= weekly["start_to"]) & ~in_recent

    def window(mask: pd.Series, name: str) -> pd.DataFrame:
        return (
            weekly.loc[mask]
            .groupby(series, sort=False)
            .agg(**{f"{name}_level": ("score", "mean"), f"n_{name}": ("n", "sum")})
        )

    out = grouped.agg(
        n_checkins=("score", "size"),
        first_date=("date", "min"),
        last_date=("date", "max"),
        recent_start=("recent_from", "first"),
        recent_end=("recent_to", "first"),
        start_from=("week", "min"),
        start_to=("start_to", "first"),
    )
    out = out.join(window(in_start, "start")).join(window(in_recent, "recent")).reset_index()
    out["n_start"] = out["n_start"].fillna(0)
    out["n_recent"] = out["n_recent"].fillna(0)
    # the start window as days: its last Sunday, cut the day before the recent window begins
    day = pd.Timedelta(days=1)
    out["start_to"] = (out["start_to"] + 6 * day).clip(upper=out["recent_start"] - day)
    none = out["start_level"].isna()
    out.loc[none, ["start_from", "start_to"]] = pd.NaT
    out["change"] = out["recent_level"] - out["start_level"]
    out["is_layer"] = out["layer"] != "trust"
    # which layer lags and which leads: lowest / highest recent level among the six layers
    level = out["recent_level"].where(out["is_layer"])
    who = [out["couple_id"], out["partner"]]
    low = level.groupby(who, sort=False).transform("min")
    high = level.groupby(who, sort=False).transform("max")
    n_rated = level.notna().groupby(who, sort=False).transform("sum")
    spread = (n_rated >= 2) & (high - low > _TIE)
    out["lags"] = spread & ((level - low).abs() <= _TIE)
    out["leads"] = spread & ((high - level).abs() <= _TIE)
    out["_order"] = out["layer"].map({m: i for i, m in enumerate(LAYER_MEASURES)})
    out = out.sort_values([*keys, "_order"], kind="stable").reset_index(drop=True)
    out = out[list(_PROFILE_DTYPES)].astype(_PROFILE_DTYPES)
    return schemas.LayersProfileSchema.validate(out)


def layers_weekly(
    checkins: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    window: int = 4,
    band: str = "sd",
) -> pd.DataFrame:
    """Weekly trend of ``trust`` and of each of the six layers, stacked in one tidy frame.

    :func:`trustdata.trends.weekly_trend` for each measure of :data:`LAYER_MEASURES` the
    check-ins hold, concatenated (``measure`` says which); measures nobody scored give no rows.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins.  Not modified.
    events : pandas.DataFrame, optional
        Validated events, for ``weeks_since_anchor`` (as in ``weekly_trend``).
    window : int, default 4
        Trailing window in weeks of the rolling mean.
    band : {"sd", "ci", "none"}, default "sd"
        The band around it (see :func:`trustdata.trends.weekly_trend`).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`trustdata.trends.WEEKLY_TREND_COLUMNS`; sorted by couple,
        partner, measure (in :data:`LAYER_MEASURES` order) and week.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-06", "connection": 5,
    ...      "trust": 3, "honesty": 2},
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-13", "connection": 6,
    ...      "trust": 5, "honesty": 4}])
    >>> layers_weekly(ci)[["measure", "score", "rolling_mean"]].to_numpy().tolist()
    [['trust', 3.0, 3.0], ['trust', 5.0, 4.0], ['honesty', 2.0, 2.0], ['honesty', 4.0, 3.0]]
    """
    from trustdata import trends

    frames = [
        trends.weekly_trend(checkins, events, measure=m, window=window, band=band)
        for m in LAYER_MEASURES
        if m in checkins.columns
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return trends.weekly_trend(checkins.iloc[0:0], None, window=window, band=band)
    out = pd.concat(frames, ignore_index=True)
    order = out["measure"].map({m: i for i, m in enumerate(LAYER_MEASURES)})
    out = (
        out.assign(_order=order)
        .sort_values(["couple_id", "partner", "_order", "week"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    return out
