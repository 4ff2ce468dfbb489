"""Which app an export came from, by the importers' own rules, and the command that imports it.

A Daylio, Bearable or Google Forms export given to ``trustdata report`` / ``validate`` /
:func:`trustdata.load` is no log table: the loader's error then names the app and the exact
``trustdata import`` command (:func:`export_hint`).  An export is recognised when an importer
reads it and finds the columns it needs, the first two of the five steps of
:func:`trustdata.importers._driver.run_import`, with the built-in mapping; nothing is translated.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from trustdata.importers._common import load_mapping
from trustdata.importers._driver import Importer


def _importers() -> tuple[Importer, ...]:
    from trustdata.importers.bearable import _BEARABLE
    from trustdata.importers.daylio import _DAYLIO
    from trustdata.importers.google_forms import _FORMS

    return (_DAYLIO, _BEARABLE, _FORMS)


def recognise_export(path: str | Path) -> tuple[Importer, bool] | None:
    """The importer of the app that exported ``path``, and whether its records say which
    couple they are.

    Returns None when no importer finds its columns in the file (a log table, or a file of no
    app); a file that cannot be read at all is None too: the caller's own error stands.
    """
    for importer in _importers():
        try:
            settings = importer.settings(load_mapping(importer.mapping, None))
            frame, _ = importer.read(path, settings)
            columns = importer.columns(frame, settings, source=Path(path).name)
        except Exception:  # not this app's export (or unreadable): try the next one
            continue
        # a form with a couple question names the couple itself (docs/importers.md)
        names_couple = isinstance(columns, dict) and "couple" in columns.get("q", {})
        return importer, names_couple
    return None


def import_command(path: str | Path, kind: str, *, names_couple: bool = False) -> str:
    """The ``trustdata import`` command for the export at ``path`` (``OUT`` the folder to write).

    Examples
    --------
    >>> import_command("exports/daylio export.csv", "daylio")
    "trustdata import daylio 'exports/daylio export.csv' OUT --couple COUPLE --partner PARTNER"
    >>> import_command("responses.csv", "google-forms")
    'trustdata import google-forms responses.csv OUT --couple COUPLE'
    """
    ids = " --couple COUPLE --partner PARTNER" if kind in ("daylio", "bearable") else ""
    if kind == "google-forms" and not names_couple:
        ids = " --couple COUPLE"
    return f"trustdata import {kind} {shlex.quote(str(path))} OUT{ids}"


def export_hint(path: str | Path, subject: str = "It") -> str:
    """A sentence naming the app ``path`` was exported from and how to import it ("" if none).

    ``subject`` is what the sentence calls the file: "It" after the file's own error, the file
    by its name after its folder's (see ``trustdata.io._files``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = f.write_text("date,weekday,time of day,category,rating/amount,detail,notes\\n"
    ...                  "2026-05-12,Tuesday,pm,Mood,4,,\\n")
    >>> print(export_hint(f).replace(str(f), "export.csv"))
         It looks like a Bearable export, which trustdata reads through its importer: trustdata
    import bearable export.csv OUT --couple COUPLE --partner PARTNER (OUT the log folder to
    write), then use that folder.
    """
    found = recognise_export(path)
    if found is None:
        return ""
    importer, names_couple = found
    command = import_command(path, importer.kind, names_couple=names_couple)
    return (
        f" {subject} looks like a {importer.title} export, which trustdata reads through its "
        f"importer: {command} (OUT the log folder to write), then use that folder."
    )
