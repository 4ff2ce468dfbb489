"""Importers: turn a Google Forms, Daylio or Bearable export into log format v1.

Each importer reads the export as it really comes (BOM or not, cp1252, semicolons, the app's own
date and time spellings), translates every record with a mapping (built-in defaults, overridable
with a TOML file), and validates the result on the same path as :func:`trustdata.load`.  Every
record of the export ends as exactly one of: a check-in, a trigger, merged into another record's
check-in of the same day, not mapped, or rejected with its reason and its line in the export::

    report.records == sum(report.outcomes.values())

See ``docs/importers.md`` for the formats, the mapping files and the rules.

Examples
--------
>>> import tempfile, pathlib
>>> from trustdata.importers import KINDS, import_export
>>> KINDS
('google-forms', 'daylio', 'bearable')
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "export.csv").write_text(
...     "full_date,date,weekday,time,mood,activities,note_title,note\\n"
...     "2026-05-12,May 12,Tuesday,22:10,rad,,,\\n")
>>> result = import_export("daylio", folder / "export.csv", couple="c1", partner="A")
>>> print(result.report.to_text().splitlines()[0])
Imported export.csv (daylio): 1 record = 1 checkins + 0 rejected
>>> import trustdata
>>> trustdata.load(result.write(folder / "logs")).checkins["connection"].tolist()
[10]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trustdata.importers._common import OUTCOMES, ImportReport, ImportResult, load_mapping
from trustdata.importers.bearable import read_bearable
from trustdata.importers.daylio import read_daylio
from trustdata.importers.google_forms import read_google_forms

__all__ = [
    "KINDS",
    "OUTCOMES",
    "ImportReport",
    "ImportResult",
    "import_export",
    "read_google_forms",
    "read_daylio",
    "read_bearable",
    "load_mapping",
]

#: The kinds of export :func:`import_export` reads (the ``trustdata import KIND`` choices).
KINDS: tuple[str, ...] = ("google-forms", "daylio", "bearable")

_READERS = {
    "google-forms": read_google_forms,
    "daylio": read_daylio,
    "bearable": read_bearable,
}


def import_export(
    kind: str,
    path: str | Path,
    *,
    couple: str | None = None,
    partner: str | None = None,
    mapping: Any = None,
    dayfirst: bool | None = None,
) -> ImportResult:
    """Import an export of one of :data:`KINDS` into validated logs with an import report.

    Parameters
    ----------
    kind : {'google-forms', 'daylio', 'bearable'}
        The app that wrote the export (``google_forms`` is accepted too).
    path : str or Path
        The exported CSV file (for Daylio also its ``.daylio`` backup).
    couple, partner : str, optional
        The couple id and partner the records belong to (required for Daylio and Bearable; for
        Google Forms they may come from the answers instead).
    mapping : path, dict or None
        A TOML mapping file (or dict) laid over the kind's built-in mapping.
    dayfirst : bool, optional
        Day/month order of numeric dates; detected from the whole column when None.

    Returns
    -------
    ImportResult
        ``.logs`` (a :class:`trustdata.Logs`), ``.report`` (an :class:`ImportReport`) and
        ``.write(folder)``.

    Raises
    ------
    ValueError
        For an unknown ``kind`` or missing ``couple``/``partner`` where they are required.
    TrustDataError
        When the export or the mapping cannot be used.
    """
    key = str(kind).strip().lower().replace("_", "-")
    if key not in _READERS:
        raise ValueError(
            f"The value for `kind` must be one of {list(KINDS)}, but {kind!r} was passed."
        )
    return _READERS[key](path, couple=couple, partner=partner, mapping=mapping, dayfirst=dayfirst)
