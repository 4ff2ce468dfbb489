"""Importing into a log folder that already holds the person's records: what is kept.

A couple re-imports a newer export of the same app into their log folder every week or so.
Between two imports they may have added what the app has no field for (a trust score, the
layers, ``need``, ``used_plan``, ``minutes``, an extra column of their own) in a spreadsheet.
:func:`merge_person` matches each record of the log with the export's record of it and keeps
every value the export does not give, as a resubmitted Google Form keeps the answers it left
blank (docs/importers.md):

- a check-in is the same record when it has the same couple, partner and date; a trigger when it
  has the same couple, partner, timestamp and category, or, left over from that, the same
  couple, partner and timestamp when exactly one such trigger is in the log and one in the
  export (a category changed by hand);
- where the export's cell is empty and the log's is not, the log's value is kept (``kept``);
- where both hold a value and they differ, the export's value is written and the log's is
  replaced (``replaced``: the command prints the column and the day, so nothing goes without a
  word);
- a record of the log that the export does not hold (a partial or filtered export, or one
  added by hand) is listed in ``gone``: the command refuses the import, unless told to keep
  such records (``--keep-missing``: then they are kept as they are).

:func:`swapped_partners` finds partners whose labels an export gives the other way round
(Google Forms labels them in the order of the sheet's rows): the command refuses such an import.
:func:`folder_formats` tells the format of each log table of the folder, so an import writes
the folder in the format it has (``checkins.json`` stays JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from trustdata import schemas
from trustdata._atomic import log_files

__all__ = ["Merge", "merge_person", "swapped_partners", "folder_formats", "KEYS"]

#: What makes a record the same record in an earlier import and a newer one.
KEYS: dict[str, tuple[str, ...]] = {
    "checkins": ("couple_id", "partner", "date"),
    "triggers": ("couple_id", "partner", "timestamp", "category"),
}
#: The trigger key without the category: a trigger left unmatched by :data:`KEYS` is matched
#: by its time alone when that time is the only one of its kind on each side.
_TIME_KEY = ("couple_id", "partner", "timestamp")
_WHEN = {"checkins": "date", "triggers": "timestamp"}
_SAME = {"checkins": KEYS["checkins"], "triggers": _TIME_KEY}


@dataclass
class Merge:
    """The outcome of :func:`merge_person`.

    Attributes
    ----------
    frames : dict of str to pandas.DataFrame
        ``checkins`` and ``triggers``: the export's records with the log's values kept in them
        (the log's extra columns too), to write in place of the person's records.
    kept, replaced : dict of (str, str) to list of pandas.Timestamp
        Per ``(table, column)``: the dates (check-ins) or timestamps (triggers) of the records
        whose log value was kept (the export had none) or replaced (the export had another).
    gone : dict of str to pandas.DataFrame
        Per table: the log's records the export does not hold (in ``frames`` too with
        ``keep_missing``).
    """

    frames: dict[str, pd.DataFrame]
    kept: dict[tuple[str, str], list] = field(default_factory=dict)
    replaced: dict[tuple[str, str], list] = field(default_factory=dict)
    gone: dict[str, pd.DataFrame] = field(default_factory=dict)


def _keys(frame: pd.DataFrame, cols: tuple[str, ...]) -> pd.Series:
    if not len(frame):
        return pd.Series([], dtype=object, index=frame.index)
    parts = [frame[c].astype(object).map(lambda v: "" if pd.isna(v) else str(v)) for c in cols]
    out = parts[0]
    for part in parts[1:]:
        out = out + "\x1f" + part
    return out


def _pairs(old: pd.DataFrame, new: pd.DataFrame, table: str) -> list[tuple[object, object]]:
    """(old index, new index) of the records that are the same record."""
    ok, nk = _keys(old, KEYS[table]), _keys(new, KEYS[table])
    at = {k: i for i, k in zip(nk.index, nk, strict=True)}
    pairs = [(i, at[k]) for i, k in zip(ok.index, ok, strict=True) if k in at]
    if table == "triggers":
        left_old = old.loc[~old.index.isin([i for i, _ in pairs])]
        left_new = new.loc[~new.index.isin([j for _, j in pairs])]
        lo, ln = _keys(left_old, _TIME_KEY), _keys(left_new, _TIME_KEY)
        once_o = lo.loc[~lo.duplicated(keep=False)]
        once_n = ln.loc[~ln.duplicated(keep=False)]
        at = {k: j for j, k in zip(once_n.index, once_n, strict=True)}
        pairs += [(i, at[k]) for i, k in zip(once_o.index, once_o, strict=True) if k in at]
    return pairs


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def merge_person(
    old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame], *, keep_missing: bool = False
) -> Merge:
    """Keep the values of the person's records in the log that the export does not give.

    Parameters
    ----------
    old : dict of str to pandas.DataFrame
        ``checkins`` and ``triggers`` of the log folder, of the people in the export only
        (validated, as :func:`trustdata.load` returns them).
    new : dict of str to pandas.DataFrame
        The export's validated ``checkins`` and ``triggers``.
    keep_missing : bool, default False
        Keep the log's records the export does not hold (added by hand) in ``frames``, as
        they are; without it they are only listed in ``gone`` (the command refuses).

    Returns
    -------
    Merge

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> old = {"checkins": as_table("checkins", [{"couple_id": "c1", "partner": "A",
    ...     "date": "2026-05-10", "connection": 8, "trust": 5, "need": "a hug"}]),
    ...     "triggers": as_table("triggers", [])}
    >>> new = {"checkins": as_table("checkins", [{"couple_id": "c1", "partner": "A",
    ...     "date": "2026-05-10", "connection": 7}]), "triggers": as_table("triggers", [])}
    >>> m = merge_person(old, new)
    >>> [str(v) for v in m.frames["checkins"].loc[0, ["connection", "trust", "need"]]]
    ['7', '5', 'a hug']
    >>> sorted(c for _, c in m.kept), [c for _, c in m.replaced]
    (['need', 'trust'], ['connection'])
    """
    out = Merge(frames={})
    for table in ("checkins", "triggers"):
        had = old.get(table, pd.DataFrame()).reset_index(drop=True)
        now = new[table].reset_index(drop=True)
        if not len(had):
            out.frames[table] = now
            continue
        pairs = _pairs(had, now, table)
        matched = {i for i, _ in pairs}
        gone = had.loc[~had.index.isin(list(matched))]
        if len(gone):
            out.gone[table] = gone
        merged = now.astype(object).copy()
        for col in had.columns:
            if col not in merged.columns:
                merged[col] = None
        when = _WHEN[table]
        for i, j in pairs:
            stamp = now.at[j, when]
            for col in had.columns:
                if col in _SAME[table]:  # equal in every pair (a category may differ)
                    continue
                was = had.at[i, col]
                if _missing(was):
                    continue
                got = merged.at[j, col]
                if _missing(got):
                    merged.at[j, col] = was
                    out.kept.setdefault((table, col), []).append(stamp)
                elif str(got) != str(was):
                    out.replaced.setdefault((table, col), []).append(stamp)
        if keep_missing and len(gone):
            extra = gone.astype(object)
            merged = pd.concat([merged, extra.reindex(columns=merged.columns)], ignore_index=True)
        out.frames[table] = merged
    return out


#: The answers that tell whose check-in a record is (reader8 F8: a sorted sheet swapped A, B).
_ANSWERS = (
    "connection", "trust", *schemas.LAYERS, *schemas.CHECKIN_TEXT_COLUMNS,
)  # fmt: skip


def swapped_partners(old: pd.DataFrame, new: pd.DataFrame) -> list[tuple[str, str, int, int]]:
    """Pairs of partners whose labels in the export look swapped against the log's.

    Google Forms labels partners ``A``, ``B``, ... by the order their addresses first appear in
    the sheet: the same responses sorted another way label them the other way round.  For each
    pair ``(p, q)`` of partners in both, the check-ins of a day both hold are compared answer by
    answer (scores and text, each given on both sides): a record *agrees* with another when
    every answer given in both is the same.  ``(p, q, crossed, kept)``: on ``crossed`` days the
    export's ``p`` agrees with the log's ``q`` and its ``q`` with the log's ``p``, on ``kept``
    days each with its own; listed when ``crossed`` is more than ``kept`` (and at least 2).

    >>> from trustdata.logs import as_table
    >>> rows = [("A", "2026-05-03", 4), ("B", "2026-05-03", 6), ("A", "2026-05-10", 5),
    ...         ("B", "2026-05-10", 7)]
    >>> old = as_table("checkins", [{"couple_id": "c1", "partner": p, "date": d,
    ...     "connection": c} for p, d, c in rows])
    >>> new = old.assign(partner=old["partner"].map({"A": "B", "B": "A"}))
    >>> swapped_partners(old, new), swapped_partners(old, old)
    ([('A', 'B', 4, 0)], [])
    """
    cols = [c for c in _ANSWERS if c in old.columns and c in new.columns]
    if not cols or not len(old) or not len(new):
        return []

    def rows(frame: pd.DataFrame) -> dict[tuple, dict]:
        out = {}
        for rec in frame[["couple_id", "partner", "date", *cols]].to_dict("records"):
            key = (str(rec["couple_id"]), str(rec["partner"]), str(rec["date"]))
            out[key] = {c: str(rec[c]) for c in cols if not _missing(rec[c])}
        return out

    had, got = rows(old), rows(new)

    def agree(a: dict, b: dict) -> bool:
        both = set(a) & set(b)
        return bool(both) and all(a[c] == b[c] for c in both)

    found = []
    couples = {k[0] for k in got}
    for couple in sorted(couples):
        theirs = {k[1] for k in had if k[0] == couple}
        people = sorted({k[1] for k in got if k[0] == couple} & theirs)
        for i, p in enumerate(people):
            for q in people[i + 1 :]:
                days = {k[2] for k in got if k[:2] == (couple, p)} & {
                    k[2] for k in got if k[:2] == (couple, q)
                }
                crossed = kept = 0
                for d in days:
                    gp, gq = got[(couple, p, d)], got[(couple, q, d)]
                    hp, hq = had.get((couple, p, d)), had.get((couple, q, d))
                    if hp is None or hq is None:
                        continue
                    crossed += agree(gp, hq) + agree(gq, hp)
                    kept += agree(gp, hp) + agree(gq, hq)
                if crossed > kept and crossed >= 2:
                    found.append((p, q, crossed, kept))
    return found


def folder_formats(folder: str | Path) -> dict[str, str]:
    """The format (``"csv"``, ``"json"``, ``"parquet"``) of each log table file in ``folder``.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); _ = (d / "checkins.json").write_text("[]")
    >>> folder_formats(d)
    {'checkins': 'json'}
    """
    return {p.stem.lower(): p.suffix.lower().lstrip(".") for p in log_files(folder)}
