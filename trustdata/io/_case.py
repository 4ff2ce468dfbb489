"""Ids that differ only in case (``Couple-01`` and ``couple-01``, partner ``a`` and ``A``).

They are different ids to every analysis, so one couple becomes two and one partner two,
silently: a third partner "a" with 4 check-ins, "A's last 4 weeks" spread over 8.  The spelling
may be deliberate, so the records are **kept and never changed**: :func:`find` lists, in
:attr:`trustdata.logs.Logs.warnings`, each record of the less used spelling (``column``
``couple_id`` or ``partner``, ``value`` the spelling), and ``trustdata validate`` and
``trustdata report`` say it.  Couple ids are compared over all the files; partners within
one couple, when a file holds partners that differ only in case (the loader's note on it).  Of each group of spellings the most used one (ties: the
first in sorted order) is taken as the usual one and its records are not listed.

Examples
--------
>>> import pandas as pd
>>> from trustdata.io import from_frames
>>> logs = from_frames(checkins=pd.DataFrame({
...     "couple_id": "c1", "partner": ["A", "A", "a"], "connection": "5",
...     "date": ["2024-02-05", "2024-02-12", "2024-02-19"]}))
>>> logs.warnings[["line", "column", "value"]].values.tolist()
[[3, 'partner', 'a']]
>>> print(logs.warnings.loc[0, "reason"])
partner 'a' differs only in case from 'A' in couple c1: kept apart as another partner; if they are the same person, write them the same way
"""  # noqa: E501

from __future__ import annotations

import numpy as np
import pandas as pd

from trustdata.logs import WARNING_COLUMNS, empty_warnings

__all__ = ["find"]

#: The loader's note on a file whose partners differ only in case (``_validate._note_twins``):
#: partners are compared only when a file has it (their distinct values cost a pass over
#: every record; the couple ids' come with the loader's codes).
_PARTNER_NOTE = "partner values that differ only in case"

#: The tables whose records name a partner.
_PARTNER_TABLES = ("checkins", "triggers", "events")


def _distinct(values: pd.Series) -> pd.Series:
    """The distinct non-missing values of ``values`` as text (through Arrow when it can)."""
    arr = getattr(values.array, "_pa_array", None)
    if arr is not None:
        import pyarrow.compute as pc

        return pd.Series(pc.unique(arr).drop_null().to_pandas(), dtype="str")
    return pd.Series(pd.unique(values.dropna()), dtype=object).astype("str")


def _ids(part) -> pd.Series:
    """The distinct couple ids of a part: those the loader read as codes when it did."""
    got = getattr(part, "couple_codes", None)
    if got is not None and len(got[0]) == len(part.valid):
        return pd.Series(np.asarray(got[1], dtype=object)).dropna().astype("str")
    return _distinct(part.valid["couple_id"])


def _union(values: list[pd.Series]) -> pd.Series:
    """The distinct values of the ``values`` of every part."""
    if not values:
        return pd.Series([], dtype="str")
    return pd.Series(pd.unique(pd.concat(values, ignore_index=True)), dtype="str")


def _twins(values: pd.Series) -> set[str]:
    """The values of ``values`` (distinct) that another one equals when case is ignored."""
    if len(values) < 2:
        return set()
    folded = values.str.lower()  # casefold is lower for ASCII; the others are folded below
    odd = ~values.str.isascii().to_numpy(dtype=bool)
    if odd.any():
        folded[odd] = values[odd].map(str.casefold)
    return set(values[folded.duplicated(keep=False).to_numpy(dtype=bool)])


def find(parts: list) -> pd.DataFrame:
    """The :attr:`~trustdata.logs.Logs.warnings` rows of records whose couple id or partner
    differs only in case from a more used one (usually none).

    ``parts`` are the loader's per-file results (``table``, ``valid``, ``lines``,
    ``summary["source"]``).  The usual case costs the distinct ids of each file and one
    comparison of the few distinct values; frames are made only for the records found.
    """
    with_ids = [p for p in parts if "couple_id" in p.valid.columns and len(p.valid)]
    if not with_ids:
        return empty_warnings()
    id_twins = _twins(_union([_ids(p) for p in with_ids]))
    named = [p for p in with_ids if p.table in _PARTNER_TABLES and "partner" in p.valid.columns]
    partner_twins = set()
    if any(_PARTNER_NOTE in str(p.summary.get("notes") or "") for p in named):
        partner_twins = _twins(_union([_distinct(p.valid["partner"]) for p in named]))
    if not id_twins and not partner_twins:
        return empty_warnings()
    records = []
    for part in with_ids:
        cid = part.valid["couple_id"]
        pick = np.array(cid.isin(id_twins).to_numpy(dtype=bool))  # a copy: written to below
        has_partner = part in named
        if has_partner and partner_twins:
            pick |= part.valid["partner"].isin(partner_twins).to_numpy(dtype=bool)
        at = np.flatnonzero(pick)
        if not len(at):
            continue
        rows = part.valid.iloc[at]
        records.append(
            pd.DataFrame(
                {
                    "table": part.table,
                    "source": part.summary["source"],
                    "line": np.asarray(part.lines)[at],
                    "couple_id": rows["couple_id"].astype("str").to_numpy(dtype=object),
                    "partner": rows["partner"].astype("str").to_numpy(dtype=object)
                    if has_partner
                    else None,
                }
            )
        )
    if not records:
        return empty_warnings()
    found = pd.concat(records, ignore_index=True)
    out = [_listed(found, "couple_id", [], id_twins)]
    if partner_twins:
        mine = found.loc[found["partner"].isin(partner_twins)]
        out.append(_listed(mine, "partner", ["couple_id"], partner_twins))
    out = [o for o in out if len(o)]
    if not out:
        return empty_warnings()
    got = pd.concat(out, ignore_index=True).sort_values(["source", "line", "column"], kind="stable")
    return (
        got[list(WARNING_COLUMNS)].reset_index(drop=True).astype(empty_warnings().dtypes.to_dict())
    )


def _listed(found: pd.DataFrame, col: str, within: list[str], twins: set[str]) -> pd.DataFrame:
    """The rows of ``found`` whose ``col`` is a less used spelling of its group (the records
    sharing ``within`` and the case-folded value), with their reasons."""
    rows = found.loc[found[col].isin(twins)]
    if not len(rows):
        return rows.iloc[0:0]
    rows = rows.assign(folded=rows[col].str.casefold())
    keys = [*within, "folded"]
    counts = rows.groupby([*keys, col], sort=True).size().rename("n").reset_index()
    counts = counts.sort_values([*keys, "n", col], ascending=[True] * len(keys) + [False, True])
    usual = counts.drop_duplicates(keys)[[*keys, col]].rename(columns={col: "usual"})
    spellings = counts.groupby(keys).size().rename("spellings").reset_index()
    rows = rows.merge(usual, on=keys).merge(spellings, on=keys)
    rows = rows.loc[(rows["spellings"] > 1) & (rows[col] != rows["usual"])]
    if not len(rows):
        return rows
    value = rows[col].to_numpy(dtype=object)
    usual = rows["usual"].to_numpy(dtype=object)
    if col == "couple_id":
        reason = [
            f"couple_id {v!r} differs only in case from {u!r}: kept apart as another couple; "
            "if they are the same couple, write them the same way"
            for v, u in zip(value, usual, strict=True)
        ]
    else:
        reason = [
            f"partner {v!r} differs only in case from {u!r} in couple {c}: kept apart as "
            "another partner; if they are the same person, write them the same way"
            for v, u, c in zip(value, usual, rows["couple_id"], strict=True)
        ]
    return rows.assign(column=col, value=value, reason=reason)
