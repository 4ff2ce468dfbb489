"""A couple with more than two partners (``A``, ``B``, ``Partner B``, ``Sam``).

A couple has two partners.  A third one is almost always one of the two written another way:
free-text answers to a form's "Which partner are you?" ("B" and "Partner B"), a name typed
for a label.  Every analysis takes it as another person, silently: a page for "A and B and
Partner B and Sam".  The records are **kept and never changed** (a log may mean it); :func:`find`
lists, in :attr:`trustdata.logs.Logs.warnings`, each record of the partners beyond the couple's
two most used (``column`` ``partner``, ``value`` the partner), and ``trustdata validate`` says
it by line.  Partners are those of the check-ins and triggers, compared within one couple over
all the files; spellings that differ only in case count as one partner here (their records are
listed by :mod:`trustdata.io._case`).  Of the couple's partners the two with the most records
(ties: the first in sorted order) are taken as the two; the others' records are listed.

Examples
--------
>>> import pandas as pd
>>> from trustdata.io import from_frames
>>> logs = from_frames(checkins=pd.DataFrame({
...     "couple_id": "c1", "partner": ["A", "B", "A", "Partner B"], "connection": "5",
...     "date": ["2024-02-05", "2024-02-05", "2024-02-12", "2024-02-12"]}))
>>> logs.warnings[["line", "column", "value"]].values.tolist()
[[4, 'partner', 'Partner B']]
>>> print(logs.warnings.loc[0, "reason"])
couple c1 has 3 partners (A, B, Partner B), where a couple has two: 'Partner B' is kept as another partner; if it is A or B, write it the same way (an import's [partners] mapping does, docs/importers.md)
"""  # noqa: E501

from __future__ import annotations

import numpy as np
import pandas as pd

from trustdata.io._case import _distinct, _union
from trustdata.logs import WARNING_COLUMNS, empty_warnings

__all__ = ["find"]

#: The tables whose partners are a couple's partners (an event may name none, or both).
_TABLES = ("checkins", "triggers")


def find(parts: list) -> pd.DataFrame:
    """The :attr:`~trustdata.logs.Logs.warnings` rows of records of a couple's partners beyond
    its two (usually none).

    ``parts`` are the loader's per-file results (``table``, ``valid``, ``lines``,
    ``summary["source"]``).  The usual case costs the distinct partners of each file: when
    there are two or fewer in all, no couple can have more.
    """
    named = [
        p
        for p in parts
        if p.table in _TABLES and len(p.valid) and {"couple_id", "partner"} <= set(p.valid.columns)
    ]
    if not named or len(_union([_distinct(p.valid["partner"]) for p in named])) <= 2:
        return empty_warnings()
    pairs = pd.concat(
        [p.valid[["couple_id", "partner"]].astype("str").value_counts().rename("n") for p in named]
    )
    counts = pairs.groupby(level=[0, 1], sort=True).sum().reset_index()
    counts["folded"] = counts["partner"].str.casefold()
    per = counts.groupby(["couple_id", "folded"], sort=True)["n"].sum().rename("n").reset_index()
    many = per.groupby("couple_id")["folded"].transform("size") > 2
    if not many.any():
        return empty_warnings()
    per = per.loc[many].sort_values(["couple_id", "n", "folded"], ascending=[True, False, True])
    rank = per.groupby("couple_id").cumcount()
    beyond = per.loc[rank >= 2, ["couple_id", "folded"]]
    two = per.loc[rank < 2, ["couple_id", "folded"]]
    spelled = counts.sort_values(
        ["couple_id", "folded", "n", "partner"], ascending=[True, True, False, True]
    )
    usual = spelled.drop_duplicates(["couple_id", "folded"]).set_index(["couple_id", "folded"])
    reasons: dict[tuple[str, str], str] = {}
    for couple_id, group in counts.loc[counts["couple_id"].isin(beyond["couple_id"])].groupby(
        "couple_id", sort=True
    ):
        names = sorted(group["partner"])
        mine = two.loc[two["couple_id"] == couple_id, "folded"]
        pair = " or ".join(sorted(usual.loc[(couple_id, f), "partner"] for f in mine))
        for p in group["partner"]:
            folded = p.casefold()
            if folded in set(mine):
                continue
            reasons[(couple_id, p)] = (
                f"couple {couple_id} has {len(names)} partners ({', '.join(names)}), where a "
                f"couple has two: {p!r} is kept as another partner; if it is {pair}, write it "
                "the same way (an import's [partners] mapping does, docs/importers.md)"
            )
    couples = {c for c, _ in reasons}
    partners = {p for _, p in reasons}
    records = []
    for part in named:
        valid = part.valid
        cid, who = valid["couple_id"].astype("str"), valid["partner"].astype("str")
        near = np.flatnonzero((cid.isin(couples) & who.isin(partners)).to_numpy(dtype=bool))
        at = near[[(cid.iat[i], who.iat[i]) in reasons for i in near]] if len(near) else near
        if not len(at):
            continue
        rows = valid.iloc[at]
        records.append(
            pd.DataFrame(
                {
                    "table": part.table,
                    "source": part.summary["source"],
                    "line": np.asarray(part.lines)[at],
                    "couple_id": rows["couple_id"].astype("str").to_numpy(dtype=object),
                    "column": "partner",
                    "value": rows["partner"].astype("str").to_numpy(dtype=object),
                    "reason": [reasons[(cid.iat[i], who.iat[i])] for i in at],
                }
            )
        )
    if not records:
        return empty_warnings()
    got = pd.concat(records, ignore_index=True).sort_values(["source", "line"], kind="stable")
    return (
        got[list(WARNING_COLUMNS)].reset_index(drop=True).astype(empty_warnings().dtypes.to_dict())
    )
