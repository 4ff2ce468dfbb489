"""The one path every importer takes: read the export, find its columns, translate, account.

An importer is a small object (:class:`Importer`) that knows only its app: the ids it needs, its
mapping's settings, the columns it looks for and how one export's rows become log records.
:func:`run_import` does the rest, the same way for every app::

    ids -> mapping -> read export -> find columns -> translate rows -> finish (validate, account)

so that the accounting rule ``records == checkins + triggers + merged + not_mapped + rejected``,
the report, and the rejected records' lines are one piece of code (:func:`~._common.finish`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from trustdata._words import plural
from trustdata.importers._common import (
    HELPER_COLUMNS,
    ImportReport,
    ImportResult,
    Rejection,
    finish,
    load_mapping,
    norm_text,
    read_export,
    text,
)

__all__ = ["Context", "Importer", "Translation", "run_import"]


@dataclass
class Context:
    """What a translation needs besides the rows: who, how to read dates, where to report.

    Attributes
    ----------
    couple, partner : str or None
        The ids given by the caller (required by one person's apps, checked by
        :meth:`Importer.ids`).
    dayfirst : bool or None
        The day/month order the caller gave.
    source : str
        The export's file name.
    report : ImportReport
        The report being written; translations add their mapped / not mapped / merged lines.
    lines : list of int
        The physical line of each record of the frame in the export.
    """

    couple: str | None
    partner: str | None
    dayfirst: bool | None
    source: str
    report: ImportReport
    lines: list[int]


@dataclass
class Translation:
    """What the rows became: log records as text, the importer's own rejections, the counts."""

    checkins: list[dict[str, Any]] = field(default_factory=list)
    triggers: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    merged: int = 0
    not_mapped: int = 0


class Importer(ABC):
    """One app's rules.  Subclasses set the class attributes and define the four steps."""

    #: The mapping's name (``trustdata/importers/mappings/<mapping>.toml``).
    mapping: str = ""
    #: The kind shown in the report (``google-forms``, ``daylio``, ``bearable``).
    kind: str = ""
    #: The app's name in a sentence (``Google Forms``, ``Daylio``, ``Bearable``).
    title: str = ""
    #: The export's usual header, shown when the file is empty.
    header: str = ""
    #: Whether a repeated column name is numbered (a form may repeat a title) or an error.
    number_repeated_columns: bool = False
    #: Whether each trigger is a record of the export (Bearable) or made from a check-in record.
    triggers_are_records: bool = False

    @abstractmethod
    def ids(self, couple: str | None, partner: str | None) -> tuple[str | None, str | None]:
        """Check the ids given (ValueError with a sentence); return them cleaned."""

    @abstractmethod
    def settings(self, mapping: dict[str, Any]) -> Any:
        """The mapping's values, checked (MappingProblem naming the entry)."""

    def read(self, path: str | Path, settings: Any) -> tuple[pd.DataFrame, list[str]]:
        """The export's records as a frame of text with ``_line`` (and ``_problem``), and notes."""
        return read_export(
            path, header=self.header, number_repeated_columns=self.number_repeated_columns
        )

    @abstractmethod
    def columns(self, frame: pd.DataFrame, settings: Any, *, source: str) -> Any:
        """Find the export's columns (FileProblem / MappingProblem when it cannot be used)."""

    @abstractmethod
    def translate(
        self, frame: pd.DataFrame, columns: Any, settings: Any, ctx: Context
    ) -> Translation:
        """Every record becomes log text, a rejection, part of a merge, or not mapped."""

    #: The app's own columns read for nothing (``weekday``): not listed as unknown.  None: the
    #: importer lists the columns it does not read itself (Google Forms, its questions).
    skipped_columns: tuple[str, ...] | None = None

    def unknown_columns(self, frame: pd.DataFrame, columns: Any) -> list[str]:
        """The report's lines for the export's columns this importer does not know.

        ``columns``: what :meth:`columns` found (a dict whose values are the export's column
        names, None for one not there).  Each other column of the export that is not one of
        :attr:`skipped_columns` gives ``column 'extra' (7 values, not imported)``, so a column
        the app adds (or one typed in) never vanishes without a word.
        """
        if self.skipped_columns is None:
            return []
        used = {c for c in columns.values() if c is not None}
        skipped = {norm_text(c) for c in self.skipped_columns}
        lines = []
        for col in frame.columns:
            if col in HELPER_COLUMNS or col in used or norm_text(col) in skipped:
                continue
            values = int(sum(text(v) is not None for v in frame[col]))
            lines.append(f"column {col!r} ({plural(values, 'value')}, not imported)")
        return lines


def run_import(
    importer: Importer,
    path: str | Path,
    *,
    couple: str | None,
    partner: str | None,
    mapping: Any,
    dayfirst: bool | None,
) -> ImportResult:
    """Run ``importer`` on the export at ``path``: the same five steps for every app."""
    couple, partner = importer.ids(couple, partner)
    settings = importer.settings(load_mapping(importer.mapping, mapping))
    source = Path(path).name
    frame, notes = importer.read(path, settings)
    columns = importer.columns(frame, settings, source=source)
    report = ImportReport(kind=importer.kind, source=source, records=len(frame), notes=notes)
    ctx = Context(
        couple=couple,
        partner=partner,
        dayfirst=dayfirst,
        source=source,
        report=report,
        lines=[int(x) for x in frame["_line"]],
    )
    out = importer.translate(frame, columns, settings, ctx)
    report.not_mapped.extend(importer.unknown_columns(frame, columns))
    return finish(
        report,
        checkins=out.checkins,
        triggers=out.triggers,
        rejections=out.rejections,
        merged=out.merged,
        not_mapped=out.not_mapped,
        triggers_are_records=importer.triggers_are_records,
        couple=couple,
        partner=partner,
    )
