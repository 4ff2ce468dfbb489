"""Exceptions raised by trustdata.

Every error trustdata raises because of bad *input* (a file, a record, a mapping) is a
:class:`TrustDataError`, so callers can catch one class.  Bad *arguments* to a function (a
programming mistake, not a data problem) raise :class:`ValueError` with a sentence that says what
was expected.
"""

from __future__ import annotations

__all__ = [
    "TrustDataError",
    "FileProblem",
    "RecordsRejected",
    "MappingProblem",
]


class TrustDataError(Exception):
    """Base class of every error trustdata raises for bad input.

    Parameters
    ----------
    message : str
        A sentence for a person: what was found and what was expected.
    source : str, optional
        The file the problem is in, when there is one.  The message is prefixed with
        ``"{source}: "`` unless it already starts with the source (a message that names the file
        elsewhere, e.g. inside a command to run, still starts with it).
    """

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        if source is not None and not message.startswith(source):
            message = f"{source}: {message}"
        super().__init__(message)


class FileProblem(TrustDataError):
    """A whole file cannot be used: unreadable, not a table, a required column missing."""


class RecordsRejected(TrustDataError):
    """Raised by ``load(..., errors="raise")``: one or more records failed validation.

    Attributes
    ----------
    rejected : pandas.DataFrame
        Every rejected record, in the format of :attr:`trustdata.Logs.rejected`.
    """

    def __init__(self, message: str, *, rejected, source: str | None = None) -> None:
        super().__init__(message, source=source)
        self.rejected = rejected


class MappingProblem(TrustDataError):
    """An importer's column or value mapping does not fit the export it is applied to."""
