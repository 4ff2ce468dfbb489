"""The ``trustdata`` command: chains load -> analyse -> write; no analysis of its own.

Subcommands: ``validate``, ``sample``, ``report``, ``couples``, ``import``, ``anonymize``.  Exit
codes: :data:`EXIT_CODES` (the help's last sentence; README.md says the same).  ``trustdata``
alone prints the help and exits 0 (asking what the command does is not an error); ``trustdata
--version`` prints the version.  Each subcommand's body lives in a ``_cmd_<name>`` function below.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from trustdata.errors import TrustDataError

__all__ = ["main", "build_parser", "iso_date", "EXIT_CODES"]

#: What each exit code means, as the help and README.md say it: 1 is what ``validate``,
#: ``import`` and ``anonymize`` return (``report`` and ``couples`` leave rejected records out,
#: say how many, and exit 0); 2 is every error :func:`main` catches and argparse's own; 130 is
#: :data:`EXIT_INTERRUPTED`.
EXIT_CODES = (
    "Exit codes: 0 all good; 1 validate, import or anonymize rejected some records (anonymize "
    "also when a k-anonymity group, or the whole cohort, has fewer than k couples); 2 a file, "
    "key or argument could not be used; 130 interrupted with Ctrl-C (every file is left whole, "
    "old or new)."
)


def iso_date(text: str, *, option: str = "since"):
    """Parse ``--since``: only an unambiguous ISO date (YYYY-MM-DD) is accepted.

    ``12/04/2025`` is 12 April in most of the world and 4 December in the US: it is refused
    with a sentence naming both readings, built from the value typed (a ``ValueError``, which
    the command prints and exits 2 on), never guessed.  A day/month/year value that reads as
    one date only (``25/04/2025``: 25 is no month; ``05/05/2025``) is refused with that date in
    ISO form.  Any other input that is not YYYY-MM-DD (``28 April 2025``, ``2025-4-28``,
    ``2025-04-28T10:00``, ``12/04/25``, ``""``) is refused with the form to write.

    Examples
    --------
    >>> iso_date("2025-05-01").date()
    datetime.date(2025, 5, 1)
    >>> iso_date("12/04/2025")
    Traceback (most recent call last):
    ...
    ValueError: `since` must be a date written as YYYY-MM-DD, but '12/04/2025' was passed:
    2025-04-12 is 12 April 2025 and 2025-12-04 is 4 December 2025 (a date such as 12/04/2025
    reads both ways, so it is refused rather than guessed).
    >>> iso_date("25/04/2025")
    Traceback (most recent call last):
    ...
    ValueError: `since` must be a date written as YYYY-MM-DD, but '25/04/2025' was passed:
    write it as 2025-04-25 for 25 April 2025.
    >>> iso_date("28 April 2025")
    Traceback (most recent call last):
    ...
    ValueError: `since` must be a date written as YYYY-MM-DD, but '28 April 2025' was passed: ...
    """
    import re

    import pandas as pd

    value = str(text).strip()
    said = f"`{option}` must be a date written as YYYY-MM-DD, but {text!r} was passed: "
    readings = _day_month_readings(value)
    if len(readings) == 2:
        (first, first_words), (second, second_words) = readings
        said += (
            f"{first} is {first_words} and {second} is {second_words} (a date such as "
            f"{value} reads both ways, so it is refused rather than guessed)."
        )
    elif len(readings) == 1:
        ((only, only_words),) = readings
        said += f"write it as {only} for {only_words}."
    else:
        said += "write it as YYYY-MM-DD, e.g. 2025-04-28 for 28 April 2025."
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(said)
    try:
        return pd.Timestamp(value)
    except ValueError:
        raise ValueError(
            f"`{option}` must be a date of the calendar, but {text!r} was passed (the month "
            "runs 01-12 and the day must exist in it)."
        ) from None


def _day_month_readings(value: str) -> list[tuple[str, str]]:
    """The calendar dates ``value`` can mean if it is day/month/year or month/day/year.

    Only a full four-digit year is read (``12/04/25`` names no century, so no reading is
    offered); the separator is ``/``, ``.`` or ``-``.  Day-first comes first; a reading the
    calendar does not have (``25/04`` as month 25, ``31/02``) is left out, and a value that
    reads the same both ways (``05/05/2025``) has one reading.

    Returns
    -------
    list of (ISO date, date in words) pairs: none, one or two.

    Examples
    --------
    >>> _day_month_readings("12/04/2025")
    [('2025-04-12', '12 April 2025'), ('2025-12-04', '4 December 2025')]
    >>> _day_month_readings("04/25/2025"), _day_month_readings("31/02/2025")
    ([('2025-04-25', '25 April 2025')], [])
    """
    import datetime as dt
    import re

    from trustdata._words import day

    parts = re.fullmatch(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", value)
    if parts is None:
        return []
    first, _, second, year = parts.groups()
    readings: list[tuple[str, str]] = []
    for day_of_month, month in ((first, second), (second, first)):
        try:
            date = dt.date(int(year), int(month), int(day_of_month))
        except ValueError:
            continue
        if all(date.isoformat() != seen for seen, _ in readings):
            readings.append((date.isoformat(), day(date)))
    return readings


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``trustdata`` command."""
    from trustdata import __version__

    parser = argparse.ArgumentParser(
        prog="trustdata",
        description="Validate, analyse and report the logs couples keep while rebuilding trust.",
        epilog=f"Run `trustdata COMMAND --help` for a command's options. {EXIT_CODES}",
    )
    parser.add_argument("--version", action="version", version=f"trustdata {__version__}")
    # bare `trustdata` prints this help (exit 0); each subcommand sets its own func
    parser.set_defaults(func=_cmd_help, parser=parser)
    sub = parser.add_subparsers(dest="command", required=False, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a log folder or file and summarise each file")
    p.add_argument("path", help="a log folder or a single table file")
    p.add_argument(
        "--examples",
        type=int,
        default=5,
        help="reasons for rejected lines shown per file, each with its line numbers (default "
        "5); with --every-line, rejected lines shown per file",
    )
    p.add_argument(
        "--every-line",
        action="store_true",
        help="list each rejected or flagged record on its own line (`line N: reason`); by "
        "default records with the same reason share one line, their line numbers as ranges",
    )
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("sample", help="write synthetic sample logs (never real people's data)")
    p.add_argument("out", help="folder to write the log files into")
    p.add_argument("--couples", type=int, default=3, help="how many couples (default 3)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--format",
        choices=["csv", "json", "parquet"],
        default="csv",
        help="file format (default csv)",
    )
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser(
        "report", help="write a self-contained offline report for one couple (HTML page or PDF)"
    )
    p.add_argument(
        "path",
        help="a log folder, or a check-ins file that is the only log table of its folder",
    )
    p.add_argument("--couple", required=True, help="the couple's id")
    p.add_argument(
        "--audience",
        choices=["couple", "therapist"],
        default="couple",
        help="whose page: the couple's shared page or the therapist's review (default couple)",
    )
    p.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="therapist page only: what changed since this date, e.g. the last session "
        "(ISO dates only; refused for the couple page, which always tells the whole story)",
    )
    p.add_argument(
        "--reference",
        metavar="COHORT",
        help="a reference cohort folder (many couples' logs, e.g. data/sample/cohort, which is "
        "synthetic): the therapist page shows each partner against the expected recovery",
    )
    p.add_argument(
        "--include-expected",
        action="store_true",
        help="with --reference: the couple page too says, in gentle words, where each partner "
        "stands against the expected range (the therapist's choice; off by default)",
    )
    p.add_argument(
        "-o",
        "--output",
        default="report.html",
        help="the .html page (or .pdf) to write (default report.html); never one of the logs "
        "read. An existing file there is replaced only when it is a report trustdata wrote",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace the output file even when it is not a report trustdata wrote (a page or "
        "PDF of your own there is lost); never one of the logs read",
    )
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "couples", help="list the couples of a log folder with their dates and record counts"
    )
    p.add_argument("path", help="a log folder or a single table file")
    p.set_defaults(func=_cmd_couples)

    p = sub.add_parser(
        "import", help="turn a Google Forms, Daylio or Bearable export into a log folder"
    )
    p.add_argument("kind", choices=["google-forms", "daylio", "bearable"])
    p.add_argument("input", help="the exported CSV file")
    p.add_argument("out", help="the log folder to write")
    p.add_argument("--couple", help="the couple id to give the records")
    p.add_argument("--partner", help="the partner the records belong to")
    p.add_argument("--mapping", help="a TOML mapping file (see docs/importers.md)")
    p.add_argument(
        "--dayfirst",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="dates are day/month (--dayfirst) or month/day (--no-dayfirst); detected when unsaid",
    )
    p.add_argument(
        "--keep-missing",
        action="store_true",
        help="keep the log's check-ins and triggers of this person that the export does not "
        "have (added by hand) beside the export's; without it such an import is refused",
    )
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("anonymize", help="write an anonymized copy of a log folder for research")
    p.add_argument("input", help="the log folder to anonymize")
    p.add_argument("out", help="the folder to write the anonymized logs into")
    p.add_argument("--key-file", required=True, help="file holding the secret pseudonym key")
    p.add_argument(
        "--quasi-identifiers",
        default="",
        help="comma-separated couples columns to check for k-anonymity (e.g. group,site)",
    )
    p.add_argument("-k", type=int, default=5, help="smallest group size allowed (default 5)")
    p.add_argument("--keep-text", action="store_true", help="keep free text (off by default)")
    p.add_argument(
        "--format",
        choices=["csv", "json", "parquet"],
        default="csv",
        help="output file format (default csv)",
    )
    p.set_defaults(func=_cmd_anonymize)
    return parser


def _unknown_options(parser: argparse.ArgumentParser, command: str | None, extra: list[str]):
    """Exit 2 with the usage of the command given (the top level's without one), naming the
    arguments it does not take and, for a mistyped option, the option it likely meant."""
    import difflib

    chosen = parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            chosen = action.choices[command]
    message = f"unrecognized arguments: {' '.join(extra)}"
    known = [o for a in chosen._actions for o in a.option_strings if o.startswith("--")]
    for arg in extra:
        near = difflib.get_close_matches(arg.split("=")[0], known, n=1, cutoff=0.75)
        if arg.startswith("--") and near:
            message += f" (did you mean {near[0]}?)"
            break
    chosen.error(message)


#: The exit code of a run stopped with Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``trustdata`` command; returns the exit code.

    Ctrl-C stops any subcommand with one line and exit code 130; every file is written to a
    temporary file first and renamed into place, so an interrupted run leaves each file whole
    (old or new), never truncated.
    """
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra:  # the command's own usage, not the top level's (argparse's default)
            _unknown_options(parser, args.command, extra)
        if argv is None and args.func is _cmd_report:  # the command itself, in its own process
            _prepare_report_process()
        return int(args.func(args))
    except KeyboardInterrupt:
        print(
            "trustdata: interrupted; no file was left half-written (each is old or new).",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except TrustDataError as exc:
        print(f"trustdata: {exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError) as exc:
        print(f"trustdata: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `trustdata validate ... | head`: the reader stopped reading
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:  # a folder under a file, a read-only folder, a full disk, ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"trustdata: {where}{exc.strerror or exc}.", file=sys.stderr)
        return 2


def _prepare_report_process() -> None:
    """Import what a report uses, then keep Python's garbage collector off those objects.

    The modules a report imports (pandas, pandera, plotly, jinja2 and trustdata's own) make a
    few hundred thousand objects that live as long as the process; each full collection scans
    them all again, about 0.2 s of a report.  :func:`gc.freeze` moves the objects alive after
    the imports to a generation that is never scanned (nothing is freed by it: every object
    made afterwards is collected as usual).  plotly starts from the validators the pages use
    (:func:`trustdata.charts.use_shipped_validators`), not from reading its whole table.  See
    also :func:`_without_pandera_strategies`.
    """
    import gc

    _without_pandera_strategies()
    from trustdata import charts, io, report  # noqa: F401

    charts.use_shipped_validators()
    gc.freeze()


def _without_pandera_strategies() -> None:
    """Let pandera load without its data-generation strategies (and so without hypothesis).

    When hypothesis is installed, pandera imports it (about 0.3 s, a tenth of a report) the
    first time a schema validates, only to offer ``schema.strategy()``, which generates test
    data and which no command uses.  A command's process is its own: hiding hypothesis while
    pandera's strategies module is imported makes pandera take its "not installed" branch for
    that process, and nothing else changes (the validation is the same code).  Only the
    ``report`` command run as a command (``main()`` reading ``sys.argv``: a program calling
    ``main([...])`` keeps its pandera whole), and only when neither hypothesis nor that module
    is imported yet; ``import hypothesis`` itself works again right after.
    """
    if "hypothesis" in sys.modules or "pandera.strategies.base_strategies" in sys.modules:
        return
    import importlib.util

    if importlib.util.find_spec("hypothesis") is None:
        return  # not installed: pandera finds that out by itself
    sys.modules["hypothesis"] = None  # type: ignore[assignment]  # `import hypothesis` fails
    try:
        import pandera.strategies.base_strategies  # noqa: F401
    finally:
        del sys.modules["hypothesis"]


# ---------------------------------------------------------------------------------------------
# Subcommands.  Each owner edits only its own function.
# ---------------------------------------------------------------------------------------------


def _cmd_validate(args: argparse.Namespace) -> int:
    """Load a log folder or file and print, per file, what was read, kept and rejected and why.

    Records of a file rejected or flagged for the same reason share one line, their line
    numbers as ranges (:func:`_by_reason`); ``--every-line`` prints one line per record.
    Exit 0 when nothing was rejected, 1 when some records were, 2 (via :func:`main`) when a
    file cannot be read at all.
    """
    import datetime as dt
    import re
    from collections import Counter
    from pathlib import Path

    import pandas as pd

    from trustdata._words import day, plural
    from trustdata.io import load

    # A date written as day and month in numbers, either order, then a 4-digit year
    # (01/02/2024, 1.2.2024), maybe followed by a time.
    numeric_date = re.compile(r"^\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T]|\s*$)")

    def real_date(year: int, month: int, day_: int) -> dt.date | None:
        try:
            return dt.date(year, month, day_)
        except ValueError:  # no such day (13/13, 30 February)
            return None

    examples = int(getattr(args, "examples", 5))
    every_line = bool(getattr(args, "every_line", False))
    left_out = False  # some line numbers of a reason not printed: --every-line prints them
    if examples < 0:
        raise ValueError(
            f"The value for `--examples` must be 0 or more, but {examples} was passed."
        )
    _check_not_a_page(Path(args.path), "validate")
    logs = load(args.path)
    rejected = logs.rejected

    def kind(problem: str) -> str:
        if problem.startswith("duplicate"):
            return "duplicate"
        if problem.startswith("the line has too"):
            return "wrong number of values"
        if problem.startswith("the record is"):
            return "not a record"
        if problem.startswith("a quote"):
            return "unclosed quote"
        m = re.match(r"(\w+) is ", problem)
        return m.group(1) if m else "other"

    def order_hints(mine: pd.DataFrame, shown: int = 3) -> list[str]:
        # Rejected dates written with the day and month as numbers (01/02/2024): say which
        # day each could be, and how a log writes it (YYYY-MM-DD).
        found = []
        for col in ("date", "timestamp"):
            if col not in mine.columns:
                continue
            for line, value in zip(mine["line"], mine[col], strict=True):
                m = numeric_date.match(value) if isinstance(value, str) else None
                if m is None:
                    continue
                a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
                as_dm, as_md = real_date(year, b, a), real_date(year, a, b)
                if as_dm and as_md and a != b:
                    found.append(
                        f"    line {line}: {value.strip()!r} is ambiguous: {day(as_dm)} "
                        f"(day/month) or {day(as_md)} (month/day); write the date as "
                        f"{as_dm:%Y-%m-%d} or {as_md:%Y-%m-%d}"
                    )
                elif as_dm or as_md:
                    which = "day/month" if as_dm and not as_md else "month/day"
                    if a == b:
                        which = "either order"
                    when = as_dm or as_md
                    found.append(
                        f"    line {line}: {value.strip()!r} is {day(when)} ({which}); "
                        f"write the date as {when:%Y-%m-%d}"
                    )
        if not found:
            return []
        more = len(found) - shown
        return [
            "  dates with the day and month as numbers (a log writes dates as YYYY-MM-DD):",
            *found[:shown],
            *([f"    ... and {more} more"] if more > 0 else []),
            "  an app's export with such dates is read by `trustdata import KIND EXPORT OUT "
            "--dayfirst` (day/month) or `--no-dayfirst` (month/day)",
        ]

    for row in logs.summary.itertuples(index=False):
        print(
            f"{row.source} ({row.table}): {plural(row.records, 'record')}, {row.valid} valid, "
            f"{row.rejected} rejected"
        )
        if row.extra_columns:
            print(f"  extra columns (kept): {row.extra_columns}")
        if row.notes:
            print(f"  notes: {row.notes}")
        mine = rejected.loc[(rejected["source"] == row.source) & (rejected["table"] == row.table)]
        if len(mine):
            counts = Counter(kind(p) for reason in mine["reason"] for p in reason.split("; "))
            shown = ", ".join(f"{k} {n}" for k, n in counts.most_common())
            print(f"  problems by kind: {shown}")
            if every_line:
                if examples:
                    print(f"  first {plural(min(examples, len(mine)), 'rejected line')}:")
                for r in mine.head(examples).itertuples(index=False):
                    print(f"    line {r.line}: {r.reason}")
            elif examples:
                # one line per reason, in the order of their first line (twin records share one)
                said = _by_reason(mine)
                print("  rejected lines by reason:")
                for text, _, cut in said[:examples]:
                    print(f"    {text}")
                    left_out |= cut
                hidden = said[examples:]
                if hidden:
                    n = sum(records for _, records, _ in hidden)
                    print(
                        f"    ... and {plural(len(hidden), 'more reason')} "
                        f"({plural(n, 'record')}); `--examples {len(said)}` shows them all"
                    )
            for hint in order_hints(mine):
                print(hint)
        flagged = logs.warnings.loc[
            (logs.warnings["source"] == row.source) & (logs.warnings["table"] == row.table)
        ]
        if len(flagged):
            print(f"  {plural(len(flagged), 'kept record')} that may be wrong (check them):")
            if every_line:
                for w in flagged.itertuples(index=False):
                    print(f"    line {w.line}: {w.reason}")
            else:
                for text, _, cut in _by_reason(flagged):
                    print(f"    {text}")
                    left_out |= cut
    total = len(rejected)
    print(f"{'OK' if total == 0 else 'REJECTED'}: {plural(total, 'record')} rejected in total.")
    if len(logs.warnings):  # kept and not counted as rejected: the exit code is unchanged
        print(f"WARNING: {plural(len(logs.warnings), 'kept record')} may be wrong (see above).")
    if left_out:
        print(
            'Some line numbers were left out above ("and N more"); '
            f"`trustdata validate {args.path} --every-line` lists each record on its own line."
        )
    return 0 if total == 0 else 1


def _by_reason(
    frame, shown: int | None = None, label: str | None = None
) -> list[tuple[str, int, bool]]:
    """One line per reason of ``frame`` (one file's rows of ``Logs.rejected`` or
    ``Logs.warnings``), in the order each reason first appears: ``(text, records, cut)``, ``cut``
    when line numbers were left out of ``text`` (more than ``shown``, default
    :data:`trustdata._words.LINES_SHOWN`, numbers or ranges of them).  ``label`` (a table's
    name) goes in the brackets after the lines, with the count of records when several.
    ``Logs`` keeps every record; only the printing groups them.

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"line": pd.array([2, 3, 4, 7, 5, 9, 10], dtype="Int64"),
    ...     "reason": ["partner 'A' differs"] * 4 + ["connection is 0"] + ["partner 'A' differs"] * 2})
    >>> for text, n, cut in _by_reason(rows):
    ...     print(text, n, cut)
    lines 2-4, 7, 9-10 (6 records): partner 'A' differs 6 False
    line 5: connection is 0 1 False
    >>> _by_reason(rows, shown=2)[0]
    ("lines 2-4, 7 and 2 more (6 records): partner 'A' differs", 6, True)
    >>> _by_reason(rows, label="checkins")[1][0]
    'line 5 (checkins): connection is 0'
    """  # noqa: E501
    from trustdata._words import LINES_SHOWN, line_numbers, plural

    shown = LINES_SHOWN if shown is None else shown
    out = []
    for reason, rows in frame.groupby("reason", sort=False)["line"]:
        where = line_numbers(rows, shown)
        said = [plural(len(rows), "record")] if len(rows) > 1 else []
        said += [label] if label else []
        brackets = f" ({', '.join(said)})" if said else ""
        out.append((f"{where}{brackets}: {reason}", len(rows), where != line_numbers(rows, None)))
    return out


def _cmd_sample(args: argparse.Namespace) -> int:
    """Write synthetic logs into a new folder, or an existing one without logs.

    A folder that already holds log files (or a ``truth/`` folder) is refused: synthetic logs
    written there would replace a couple's real ones.
    """
    from pathlib import Path

    from trustdata import synth
    from trustdata._atomic import log_files
    from trustdata.errors import FileProblem

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise FileProblem("is a file, not a folder; give a new folder name.", source=str(out))
    found = log_files(out)
    if found or (out / "truth").exists():
        shown = ", ".join(p.name for p in found[:4]) or "truth/"
        raise FileProblem(
            f"already holds log files ({shown}); synthetic logs written here would replace "
            "them. Give a new or empty folder.",
            source=str(out),
        )
    if args.couples < 1:  # the option's name, not the Python parameter's synth would give
        raise ValueError(
            f"The value for `--couples` must be a whole number of at least 1, but {args.couples} "
            "was passed."
        )
    if args.seed < 0:
        raise ValueError(
            f"The value for `--seed` must be a whole number of at least 0, but {args.seed} was "
            "passed."
        )
    syn = synth.write_sample(args.out, couples=args.couples, seed=args.seed, format=args.format)
    print(synth.describe(syn, args.out))
    return 0


def _cmd_help(args: argparse.Namespace) -> int:
    """Bare ``trustdata``: the help, on stdout, exit 0."""
    args.parser.print_help()
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """Write one couple's report.

    Refused with a sentence and exit 2: ``--since`` with the couple audience (the couple's
    page always tells their whole story, hard news included: cutting it at a date would hide
    what came before, so the option is for the therapist's "since the last session"), an
    unknown couple, a couple without check-ins (a report is about how each partner felt;
    triggers or events alone cannot make one), an output that is not ``.html``/``.htm``/``.pdf``
    (:data:`REPORT_SUFFIXES`) or is one of the files read, a single table file whose folder holds
    other logs (:func:`_check_whole_folder`), a page trustdata wrote given as the logs
    (:func:`_check_not_a_page`), ``--include-expected`` without ``--reference``.
    An existing file at the output path is replaced only when trustdata wrote it
    (:func:`trustdata.report.is_report_file`) or with ``--force``, and the command says so.
    """
    import datetime as dt
    from pathlib import Path

    from trustdata import io, report

    since = None if args.since is None else iso_date(args.since)
    if since is not None and args.audience == "couple":
        print(
            "trustdata: --since is for the therapist page (what changed since the last "
            "session); the couple page always shows your whole logs. Leave out --since, or add "
            "--audience therapist.",
            file=sys.stderr,
        )
        return 2
    if since is not None:
        from trustdata._words import day
        from trustdata.io._future import SLACK_DAYS, resolve_today

        today = resolve_today(None)
        if since.date() > today + dt.timedelta(days=SLACK_DAYS):
            print(
                f"trustdata: --since is {since.date().isoformat()}, {day(since)}, after today "
                f"({day(today)}): a typo? Give the date of the last session, on or before "
                "today.",
                file=sys.stderr,
            )
            return 2
    if args.include_expected and args.reference is None:
        print(
            "trustdata: --include-expected shows the couple where each partner stands against "
            "a reference cohort, and none was given. Add --reference COHORT (a folder of many "
            "couples' logs, such as data/sample/cohort), or leave out --include-expected.",
            file=sys.stderr,
        )
        return 2
    _check_whole_folder(Path(args.path))
    logs = io.load(args.path)
    if args.couple not in logs.couple_ids:
        known = logs.couple_ids
        shown = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "")
        print(
            f"trustdata: no couple {args.couple!r} in {args.path}. Couples: {shown or 'none'}.",
            file=sys.stderr,
        )
        return 2
    n_checkins = int((logs.checkins["couple_id"] == args.couple).sum())
    if n_checkins == 0:
        print(
            f"trustdata: couple {args.couple!r} has no check-ins in {args.path}, and a report "
            "is about how each of you felt week by week: it needs at least one check-in "
            "(a checkins file with couple_id, partner, date and connection). "
            "`trustdata validate` shows what was read.",
            file=sys.stderr,
        )
        return 2
    reference = None
    if args.reference is not None:
        from trustdata.cohort import load_cohort
        from trustdata.errors import TrustDataError

        try:
            if not Path(args.reference).is_dir():
                raise OSError("it is not a folder")
            reference = load_cohort(args.reference, progress=False)
            if not reference.couple_ids:
                raise TrustDataError("it holds no couples")
            reference = args.reference  # read again by the review, which decides "synthetic"
        except (OSError, TrustDataError, ValueError) as exc:
            print(
                f"trustdata: the reference {args.reference} could not be read: {exc}. Give a "
                "folder of many couples' logs, such as data/sample/cohort.",
                file=sys.stderr,
            )
            return 2
    target = Path(args.output)
    problem = None
    replaced = target.is_file()
    was_report = replaced and report.is_report_file(target)
    if target.is_dir():
        problem = "that is a folder; give a file name such as report.html"
    elif not target.parent.is_dir():
        problem = f"the folder {target.parent} does not exist"
    elif target.name.lower() in REPORT_SUFFIXES:  # ".html": a hidden file with no name
        problem = f"{target.name} has no name before {target.name}; give one, such as report.html"
    elif target.suffix.lower() not in REPORT_SUFFIXES:
        problem = (
            "a report is an .html page (or a .pdf); give a name such as report.html, so that "
            "no log or other file is overwritten by mistake"
        )
    elif not _writable_report(target, args.path, logs):
        problem = "that is one of the log files being read; a report never overwrites its input"
    elif replaced and not args.force and not was_report:
        problem = (
            "a file of that name exists and is not a report trustdata wrote, so it is left "
            "as it is; give another name, move the file away, or add --force to replace it"
        )
    if problem is None:
        try:
            out = report.write(
                logs,
                args.couple,
                target,
                audience=args.audience,
                since=since,
                reference=reference,
                include_expected=args.include_expected,
            )
        except OSError as exc:
            problem = exc.strerror or str(exc)
    if problem is not None:
        print(f"trustdata: could not write the report to {target}: {problem}.", file=sys.stderr)
        return 2
    if len(logs.rejected):
        print(_rejected_note(len(logs.rejected), "in the report", args.path), file=sys.stderr)
        from trustdata.review import unread_abuse

        unread = unread_abuse(logs, args.couple)
        if len(unread):
            print(_abuse_note(unread), file=sys.stderr)
    for line in _warning_notes(logs, args.couple):
        print(line, file=sys.stderr)
    size = out.stat().st_size / 1e6
    if replaced:
        said = "the older report at" if was_report else "the file at"
        print(f"Replaced {said} {out}.")
    print(f"Wrote the {args.audience} report for {args.couple} to {out} ({size:.1f} MB).")
    if out.suffix.lower() == ".pdf":  # printed through Chromium (report.write_pdf)
        print("A PDF of the page, printed on this computer; it holds the same private logs.")
        return 0
    print(f"Open it in a web browser: {out.resolve().as_uri()}")
    print("It works offline and sends nothing anywhere.")
    return 0


#: Why each command that reads a couple's logs refuses one table of a log folder.
_WHOLE_FOLDER_WHY: dict[str, str] = {
    "report": (
        "A report reads a couple's whole logs (their triggers and events change the page; an "
        "abuse event puts the safety notice first)"
    ),
    "couples": (
        "The list counts every table's records and dates (one table alone would print 0 "
        "triggers and 0 events as a fact)"
    ),
    "anonymize": (
        "An anonymized export holds a couple's whole logs (without events.csv the research "
        "notebook has no discovery to align the couples on)"
    ),
}


def _check_whole_folder(path, command: str = "report") -> None:
    """Refuse one table file whose folder holds the couple's other logs.

    Reading only ``folder/checkins.csv`` would leave out the triggers and events beside it: a
    report would say "0 triggers and 0 events" as a fact and, with an ``abuse`` event in
    ``events.csv``, open without the safety notice; ``couples`` would count 0 triggers and 0
    events; ``anonymize`` would export the check-ins alone.  So a single file is read only when
    it is the folder's one log table; otherwise the command (``report``, ``couples`` or
    ``anonymize``) asks for the folder (it does not read the folder by itself: the user named
    one file, and should know that the output holds them all).

    Nothing is read here unless the command is refused: whether a file is an app's export is
    asked of the importers (which read it) only on the way to that error.  A file alone in its
    folder is left to :func:`trustdata.load`, which asks them when the file turns out to be no
    log table (a required column missing), so a large table is read once, not twice.
    """
    from trustdata._atomic import log_files
    from trustdata.errors import FileProblem
    from trustdata.io._files import _export_hint, check_extension

    if not path.is_file():
        return
    _check_not_a_page(path, command)
    # an HTML report or an app's export lying in a log folder is no table of it: the reason
    # load gives (the extension; the app and its import command), not "one table of ..."
    check_extension(path)
    folder = path.parent
    others = [p for p in log_files(folder) if not _same_file(p, path)]
    if not others:
        return
    hint = _export_hint(path)  # the command is refused either way: now the file may be read
    if hint:
        raise FileProblem(f"{path}: is not a log table.{hint}", source=str(path))
    names = [p.name for p in others]
    shown = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    raise FileProblem(
        f"is one table of the log folder {folder}, which also holds {shown}. "
        f"{_WHOLE_FOLDER_WHY[command]}, so give the folder: trustdata {command} {folder}"
        f"{_WHOLE_FOLDER_REST[command]}",
        source=str(path),
    )


#: What follows the folder in the command :func:`_check_whole_folder` suggests.
_WHOLE_FOLDER_REST: dict[str, str] = {
    "report": " --couple ...",
    "couples": "",
    "anonymize": " OUT --key-file KEY ...",
    "validate": "",
}


def _check_not_a_page(path, command: str) -> None:
    """Refuse a report page or PDF trustdata wrote (:func:`trustdata.report.is_report_file`)
    given as the logs to read: it is the output of ``report``, not a log, so the answer is the
    log folder (the one beside it when it lies in one), not the extension a log table needs.
    Only a file named like a report (:data:`REPORT_SUFFIXES`) is opened, on its way to
    :func:`trustdata.load`'s refusal of the extension."""
    from trustdata._atomic import log_files
    from trustdata.errors import FileProblem

    if path.suffix.lower() not in REPORT_SUFFIXES or not path.is_file():
        return
    from trustdata.report import is_report_file

    if not is_report_file(path):
        return
    what = "a PDF" if path.suffix.lower() == ".pdf" else "a page"
    folder = path.parent
    rest = _WHOLE_FOLDER_REST[command]
    if log_files(folder):
        where = f"the log folder ({folder}): trustdata {command} {folder}{rest}"
    else:
        where = (
            "the log folder it was made from (the folder holding checkins.csv): "
            f"trustdata {command} FOLDER{rest}"
        )
    raise FileProblem(
        f"{path}: this is {what} trustdata wrote, not a log; pass {where}", source=str(path)
    )


def _same_file(a, b) -> bool:
    import os

    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _writable_report(target, path: str, logs) -> bool:
    """Whether ``target`` is none of the files the logs were read from (nor a log of their
    folders): the one rule of :func:`trustdata._atomic.check_not_an_input`."""
    from trustdata._atomic import check_not_an_input
    from trustdata.errors import FileProblem

    sources = [str(src) for src in logs.summary["source"]] if len(logs.summary) else []
    try:
        check_not_an_input(target, [path, *sources])
    except FileProblem:
        return False
    return True


#: What ``report -o`` may write: an HTML page or a PDF (any other name is refused).
REPORT_SUFFIXES: tuple[str, ...] = (".html", ".htm", ".pdf")


def _cmd_couples(args: argparse.Namespace) -> int:
    """List the couples of a folder: partners, first and last date, records per table.

    Dates run over every table (check-ins, triggers, events).  Exit 0; records the loader
    rejected are not counted, and a note on stderr says how many there were (as ``report``
    does); a folder with no couple at all is exit 2.
    """
    from pathlib import Path

    import pandas as pd

    from trustdata._words import day
    from trustdata.io import load

    _check_whole_folder(Path(args.path), "couples")
    logs = load(args.path)
    ids = logs.couple_ids
    if not ids:
        print(f"trustdata: no couple in {args.path}: no table holds a record.", file=sys.stderr)
        return 2
    tables = {"check-ins": logs.checkins, "triggers": logs.triggers, "events": logs.events}
    when = {"check-ins": "date", "triggers": "timestamp", "events": "date"}
    dates = pd.concat(
        [
            t[["couple_id", when[k]]].set_axis(["couple_id", "day"], axis=1)
            for k, t in tables.items()
        ],
        ignore_index=True,
    ).dropna()
    span = dates.groupby("couple_id")["day"].agg(["min", "max"])
    counts = {k: t.groupby("couple_id").size() for k, t in tables.items()}
    partners = logs.checkins.groupby("couple_id")["partner"].unique()
    names = _display_names(logs.couples)

    def who(cid: str) -> str:
        shown = []
        for p in sorted(map(str, partners.get(cid, []))):
            name = names.get((cid, p))
            shown.append(f"{p} ({name})" if name and name != p else p)
        return _printable(", ".join(shown)) or "-"

    rows = []
    for cid in ids:
        first = span["min"].get(cid)
        last = span["max"].get(cid)
        rows.append(
            [
                _printable(cid),
                who(cid),
                day(first) or "-",
                day(last) or "-",
                *(str(int(counts[k].get(cid, 0))) for k in tables),
            ]
        )
    head = ["couple", "partners", "from", "to", *tables]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    numeric = {4, 5, 6}
    for r in [head, *rows]:
        cells = [
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    print(f"{len(ids)} couple{'s' if len(ids) != 1 else ''}.")
    if len(logs.rejected):
        print(_rejected_note(len(logs.rejected), "counted", args.path), file=sys.stderr)
    return 0


def _warning_notes(logs, couple_id: str) -> list[str]:
    """The stderr lines of ``report`` on the couple's kept records that may be wrong: one per
    file and reason (:func:`_by_reason`), then one per spelling of :func:`case_twins`.

    >>> import pandas as pd
    >>> from trustdata.io import from_frames
    >>> logs = from_frames(checkins=pd.DataFrame({"couple_id": "c1", "partner": "A",
    ...     "connection": "5", "date": ["2014-02-05", "2024-02-12"]}))
    >>> print("\\n".join(_warning_notes(logs, "c1")))  # doctest: +NORMALIZE_WHITESPACE
    trustdata: warning: <memory>, line 1: date is 2014-02-05, 10 years before the next
    record of c1 (12 February 2024): a typo for 2024? The record is kept; correct it in the
    file if the year is wrong (it is in the report as written; `trustdata validate` lists it)
    """
    from trustdata.io._future import DATE_COLUMNS
    from trustdata.review import case_twins

    w = logs.warnings
    dated = w["column"].isin(set(DATE_COLUMNS.values())).to_numpy(dtype=bool)
    mine = w.loc[dated & (w["couple_id"] == couple_id).to_numpy(dtype=bool)]
    out = []
    # records of one file with the same reason share one note (their lines as ranges)
    for source, rows in mine.groupby("source", sort=False):
        for said, n, _ in _by_reason(rows):
            it = "it is" if n == 1 else "they are"
            out.append(
                f"trustdata: warning: {source}, {said} ({it} in the report as written; "
                f"`trustdata validate` lists {'it' if n == 1 else 'them'})"
            )
    return out + [_case_note(t) for t in case_twins(logs, couple_id).itertuples(index=False)]


def _case_note(t) -> str:
    """The stderr line of ``report`` on one row of the review's ``case_twins``.

    >>> import pandas as pd
    >>> from trustdata.io import from_frames
    >>> from trustdata.review import case_twins
    >>> logs = from_frames(checkins=pd.DataFrame({"couple_id": "c1", "partner": ["A", "a"],
    ...     "connection": "5", "date": ["2024-02-05", "2024-02-12"]}))
    >>> print(_case_note(next(case_twins(logs, "c1").itertuples())))
    trustdata: note: partner 'a' (1 record, line 2) and 'A' differ only in case: kept apart, as two partners; if they are the same person, write them the same way.
    """  # noqa: E501
    from trustdata._words import plural

    where = [t.file] if t.file else []
    where.append(plural(t.n, "record"))
    if t.lines:
        where.append(t.lines)
    others = " and ".join(repr(o) for o in t.others)
    if t.column == "couple_id":
        what, two, who = "the couple id", "couples", "couple"
    else:
        what, two, who = "partner", "partners", "person"
    return (
        f"trustdata: note: {what} {t.value!r} ({', '.join(where)}) and {others} differ only in "
        f"case: kept apart, as two {two}; if they are the same {who}, write them "
        "the same way."
    )


def _rejected_note(n: int, left_out: str, path: str) -> str:
    """The stderr note of ``report`` and ``couples`` on the records the loader rejected.

    >>> _rejected_note(1, "counted", "logs")
    'Note: 1 record could not be used and is not counted; `trustdata validate logs` shows it with the reason.'
    """  # noqa: E501
    from trustdata._words import plural

    if n == 1:
        verb, tail = "is", "shows it with the reason"
    else:
        verb, tail = "are", "lists them with the reasons"
    return (
        f"Note: {plural(n, 'record')} could not be used and {verb} not {left_out}; "
        f"`trustdata validate {path}` {tail}."
    )


def _abuse_note(unread) -> str:
    """The stderr note of ``report`` on abuse records that could not be read (the review's
    ``abuse_unread``): the page keeps its safety notice, and says where they are."""
    from trustdata._words import plural
    from trustdata.review import _lines_words

    where = _lines_words(unread)
    return (
        f"Note: {plural(len(unread), 'record')} of abuse could not be read ({where}); the "
        "report opens with the safety notice all the same. Please correct "
        f"{'that line' if len(unread) == 1 else 'those lines'}."
    )


def _display_names(couples) -> dict[tuple[str, str], str]:
    """(couple, partner) -> display name, from the couples table's ``name_<partner>`` columns."""
    import pandas as pd

    from trustdata import schemas

    prefix = getattr(schemas, "DISPLAY_NAME_PREFIX", "name_")
    out: dict[tuple[str, str], str] = {}
    for col in couples.columns:
        if not str(col).startswith(prefix) or "couple_id" not in couples.columns:
            continue
        partner = str(col)[len(prefix) :]
        for cid, name in zip(couples["couple_id"], couples[col], strict=True):
            if not pd.isna(name) and str(name).strip():
                out[(str(cid), partner)] = str(name).strip()
    return out


def _printable(text: str) -> str:
    """Typed text made safe for a terminal: control and format characters (escape sequences,
    bidi overrides, zero-width characters) are shown as ``\\uXXXX`` instead of acting."""
    import unicodedata

    return "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch).startswith("C") else ch for ch in text
    )


#: How many reasons ``import`` lists (each with its line numbers) before "... and N more".
IMPORT_REASONS_SHOWN = 50


def _import_rejected_lines(rejected, shown: int = IMPORT_REASONS_SHOWN) -> list[str]:
    """``import``'s listing of the records it rejected: one line per table and reason, in the
    order they first appear, with the line numbers (``line 8 (checkins): ...``; ranges when
    several, ``lines 2-4, 7 (4 records, checkins): ...``); at most ``shown`` such lines, then
    how many reasons and records are left.  The import's rejected frame keeps every record.

    >>> import pandas as pd
    >>> rej = pd.DataFrame({"table": ["checkins"] * 4 + ["triggers"],
    ...     "line": pd.array([2, 3, 4, 8, 5], dtype="Int64"),
    ...     "reason": ["mood: 'sad'"] * 3 + ["date: empty", "mood: 'sad'"]})
    >>> for line in _import_rejected_lines(rej):
    ...     print(line)
    lines 2-4 (3 records, checkins): mood: 'sad'
    line 8 (checkins): date: empty
    line 5 (triggers): mood: 'sad'
    >>> _import_rejected_lines(rej, shown=1)[1]
    '... and 2 more reasons (2 records)'
    """
    from trustdata._words import plural

    said = [
        (text, n)
        for table, rows in rejected.groupby("table", sort=False)
        for text, n, _ in _by_reason(rows, label=str(table))
    ]
    out = [text for text, _ in said[:shown]]
    if len(said) > shown:
        left = sum(n for _, n in said[shown:])
        out.append(f"... and {plural(len(said) - shown, 'more reason')} ({plural(left, 'record')})")
    return out


def _cmd_import(args: argparse.Namespace) -> int:
    """Import an export into a log folder, without ever destroying a log.

    A newer export of the same person into the same folder updates that person's records
    (:mod:`trustdata.importers._into`): the export's records are written, and every value the
    log holds where the export's cell is empty (a trust score, ``need``, ``used_plan`` added by
    hand, an extra column) is kept in them; a value the export changes is replaced, and the
    command says which (column and day).  The records of the same couple's other partners
    (another app's import) are kept unchanged beside it (:func:`_write_beside` reads them back
    before anything is renamed into place).  The folder keeps its format: a log table written
    as JSON or Parquet is written again as JSON or Parquet, and the command names the files it
    replaced.  Refused (exit 2, nothing written): a folder holding records of another couple,
    log files that cannot be read (a renamed column, a truncated file) or records the loader
    rejects (they would be lost), check-ins or triggers the new export does not hold (a
    partial or filtered export: a newer export holds every earlier answer; same couple,
    partner and date, or timestamp), and an export that is itself one of the files to write.
    Files are written into a hidden staging folder inside ``out`` and renamed into place one by
    one, so an interrupted import leaves each file whole.
    """
    from pathlib import Path

    from trustdata.importers import import_export
    from trustdata.importers._common import scrub_addresses

    try:
        result = import_export(
            args.kind,
            args.input,
            couple=args.couple,
            partner=args.partner,
            mapping=args.mapping,
            dayfirst=args.dayfirst,
        )
    except TrustDataError as exc:  # a title or value quoted in the message: no address
        if "@" not in str(exc):
            raise
        raise TrustDataError(scrub_addresses(str(exc))) from None
    out = Path(args.out)
    given = {"--couple": args.couple, "--partner": args.partner}
    rejected = result.logs.rejected

    def print_report() -> None:
        print(result.report.to_text())
        if len(rejected):
            print(f"Rejected ({len(rejected)}):")
            for line in _import_rejected_lines(rejected):
                print(f"  {line}")

    try:
        target = _check_import_target(
            out,
            Path(args.input),
            result.logs,
            keep_missing=getattr(args, "keep_missing", False),
            given={k: v for k, v in given.items() if v is not None},
            rejected_days=result.rejected_days,
        )
    except _RejectedInExport:  # the report names the rejected lines and how to fix them
        print_report()
        raise
    print_report()
    if result.nothing_imported:  # an empty log folder would look like an import that worked
        print(f"Nothing written: every record was rejected, so {out} was not made or changed.")
        return 1
    folder, replaced = _write_import(result, out, target)
    for line in _merge_lines(target, folder):
        print(line)
    kept = target.kept if target is not None else None
    if kept is not None:
        beside = sorted(
            {
                (c, p)
                for frame in kept.values()
                for c, p in zip(frame["couple_id"], frame["partner"], strict=True)
            }
        )
        shown = ", ".join(f"couple {c} partner {p}" for c, p in beside)
        print(f"Kept the records of {_printable(shown)} in {folder} as they were.")
    if replaced:
        print(f"Replaced {_and(replaced)} in {folder}.")
    print(f"Wrote the log folder {folder} (read it with `trustdata validate {folder}`).")
    return 1 if len(rejected) else 0


_WHEN = {"checkins": "date", "triggers": "timestamp"}


def _and(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _merge_lines(target, folder) -> list[str]:
    """What the import kept of the log's values and what it replaced (see :func:`_cmd_import`)."""
    from trustdata._words import day, plural

    if target is None or target.merge is None:
        return []
    merge, files = target.merge, target.files

    def where(table: str, stamps: list) -> str:
        import pandas as pd

        days = sorted(
            {
                (t.tz_localize(None) if t.tzinfo else t).normalize()
                for t in map(pd.Timestamp, stamps)
            }
        )
        word = "check-in" if table == "checkins" else "trigger"
        shown = _and([day(d) for d in days[:6]])
        if len(days) > 6:
            shown = ", ".join(day(d) for d in days[:6]) + f" and {len(days) - 6} more days"
        return f"{files.get(table, table)}: {plural(len(stamps), word)}, {shown}"

    lines = []
    for table, gone in merge.gone.items():  # kept with --keep-missing (else refused)
        stamps = gone[_WHEN[table]].tolist()
        lines.append(
            f"Kept the log's records that the export does not have: {where(table, stamps)}."
        )
    for title, values in (
        ("Kept the values of the log that the export does not have", merge.kept),
        ("Replaced the log's values that the export gives differently", merge.replaced),
    ):
        if not values:
            continue
        lines.append(f"{title}:")
        for (table, col), stamps in sorted(values.items()):
            lines.append(f"  - {col} ({where(table, stamps)})")
    return lines


class _Target:
    """What :func:`_check_import_target` found in the log folder.

    ``kept``: the other partners' check-ins and triggers, kept unchanged beside the import's
    (None when there are none); ``merge``: the :class:`~trustdata.importers._into.Merge` of the
    person's records in the folder with the export's (None when the folder holds none);
    ``formats`` / ``files``: each log table's format and file name in the folder.
    """

    def __init__(self, kept, merge, formats, files):
        self.kept, self.merge, self.formats, self.files = kept, merge, formats, files


class _RejectedInExport(TrustDataError):
    """The refusal of an import whose export has a day of the log's but rejected its record:
    :func:`_cmd_import` prints the import report (the rejected lines, the block to paste)
    before the message."""


def _check_import_target(out, export, new, *, keep_missing=False, given=None, rejected_days=None):
    """Refuse an import into ``out`` that would destroy a log (see :func:`_cmd_import`).

    ``given``: the ids typed (``{"--couple": "c1", "--partner": "B"}``), named when the log's
    records of that person the export lacks share no day with the export's records: then the
    export may well be another person's (the wrong ``--partner``), and the refusal asks that
    before it offers ``--keep-missing``, which would file the export beside them.

    ``rejected_days``: the export's rejected records with their day where known
    (:attr:`~trustdata.importers.ImportResult.rejected_days`).  A record of the log the
    export lacks on a day whose record the export has but rejected is not a partial export:
    the refusal (:class:`_RejectedInExport`) names the rejected lines and says to fix them.

    Returns a :class:`_Target` (None when the folder holds no check-ins or triggers).
    """
    import pandas as pd

    from trustdata import schemas
    from trustdata._atomic import check_not_an_input, log_files
    from trustdata._words import plural
    from trustdata.errors import FileProblem
    from trustdata.importers._into import folder_formats, merge_person, swapped_partners
    from trustdata.io import EXTENSIONS, load

    if out.exists() and not out.is_dir():
        raise FileProblem("is a file, not a folder; give the log folder to write.", source=str(out))
    for table in schemas.TABLES:
        for ext in EXTENSIONS:
            target = out / f"{table}{ext}"
            if target.exists() and export.exists() and export.resolve() == target.resolve():
                check_not_an_input(target, [export], log_name_ok=True)
    existing = [p for p in log_files(out) if p.stem.lower() in ("checkins", "triggers")]
    if not existing:
        return None
    try:
        old = load(out)
    except TrustDataError as exc:
        raise FileProblem(
            f"already holds log files that cannot be read ({exc}); this import would replace "
            "them. Repair them, move them away, or import into a new folder.",
            source=str(out),
        ) from None
    lost = old.rejected.loc[old.rejected["table"].isin(["checkins", "triggers"])]
    if len(lost):
        raise FileProblem(
            f"already holds {plural(len(lost), 'check-in or trigger record')} that cannot be read "
            f"(`trustdata validate {out}` lists them); this import would replace the files and "
            "lose them. Repair them, move the files away, or import into a new folder.",
            source=str(out),
        )

    def people(frame):
        return set(zip(frame["couple_id"], frame["partner"], strict=True))

    pairs = people(new.checkins) | people(new.triggers)
    ours = {c for c, _ in pairs}
    for table in ("checkins", "triggers"):
        others = sorted(p for p in people(getattr(old, table)) if p[0] not in ours)
        if others:
            couples = sorted({c for c, _ in others})
            shown = "; ".join(
                f"couple {c} ({'partner' if n == 1 else 'partners'} "
                f"{', '.join(p for k, p in others if k == c)})"
                for c in couples[:5]
                for n in [sum(1 for k, _ in others if k == c)]
            )
            more = f" and {len(couples) - 5} more couples" if len(couples) > 5 else ""
            word = "check-ins" if table == "checkins" else "triggers"
            this = ", ".join(sorted(ours))
            raise FileProblem(
                f"already holds {word} of {shown}{more}, not of couple {this} of this import; "
                "import into a new folder (one per couple), or move those files away first.",
                source=str(out),
            )

    def of(frame, mine: bool):
        if not len(frame):
            return frame
        keys = pd.MultiIndex.from_frame(frame[["couple_id", "partner"]].astype(str))
        return frame.loc[keys.isin(list(pairs)) == mine]

    # the person's records in the log and the export's: every value the export does not give
    # is kept (importers._into); a newer export holds every earlier answer, so one without
    # some of them (a partial or filtered export) would take them out of the log: refused,
    # naming what it lacks; the other partner's records are kept as they are (_write_import)
    mine = {table: of(getattr(old, table), True) for table in ("checkins", "triggers")}
    for p, q, crossed, kept in swapped_partners(mine["checkins"], new.checkins):
        raise FileProblem(
            f"holds partners {p} and {q} the other way round from this export: on {crossed} "
            f"of the check-ins of the days both answered, the export's {p} answered as the "
            f"log's {q} and its {q} as the log's {p} (on {kept} as before). Google Forms "
            "labels partners in the order their addresses first appear in the sheet, so a "
            "sorted or filtered sheet swaps them; nothing was written. Give each address its "
            "label in the mapping's [partners] table (docs/importers.md), or export the sheet "
            "in the order of its answers.",
            source=str(out),
        )
    merge = None
    if any(len(frame) for frame in mine.values()):
        merge = merge_person(
            mine, {"checkins": new.checkins, "triggers": new.triggers}, keep_missing=keep_missing
        )
        gone = {} if keep_missing else {t: g for t, g in merge.gone.items() if len(g)}
        bad = _rejected_in_export(gone, rejected_days)
        if bad is not None:
            raise _RejectedInExport(f"{out}: {bad}", source=str(out))
        theirs = _days({"checkins": new.checkins, "triggers": new.triggers})
        if gone and theirs and not _days(mine) & theirs:  # the wrong person's export?
            said = _no_shared_day(gone, old, new, given or {})
            raise FileProblem(f"{out}: {said}", source=str(out))  # also when "out" is in it
        for table, lost in gone.items():
            when = lost[_WHEN[table]]
            word = "check-in" if table == "checkins" else "trigger"
            span = _span(when)
            raise FileProblem(
                f"already holds {plural(len(when), word)} that this export does not have "
                f"({span}); importing it would "
                f"take {_them(len(when))} out of the log. A newer export holds every earlier "
                "answer: export the whole history again, or import into a new folder; if you "
                f"added {_them(len(when))} to the log by hand (no export of the app "
                f"has {_them(len(when))}), add --keep-missing to keep "
                f"{_them(len(when))} beside the export's records.",
                source=str(out),
            )
    kept = {table: of(getattr(old, table), False) for table in ("checkins", "triggers")}
    files = {p.stem.lower(): p.name for p in existing}
    return _Target(
        kept if any(len(frame) for frame in kept.values()) else None,
        merge,
        folder_formats(out),
        files,
    )


def _them(n: int) -> str:
    """The pronoun of ``n`` records: ``it`` or ``them``."""
    return "it" if n == 1 else "them"


#: How many rejected lines a refusal of :func:`_rejected_in_export` quotes.
_REJECTED_QUOTED = 5


def _rejected_in_export(gone, rejected_days) -> str | None:
    """The refusal of an import that lacks records of the log (``gone``, by table) on days
    whose record the export has but rejected (``rejected_days``, as
    :attr:`~trustdata.importers.ImportResult.rejected_days`), or None when none is.

    A rejected record whose couple or partner is unknown matches any.  The records lacking on
    other days are named after them, with the advice for a partial export.

    >>> import pandas as pd
    >>> gone = {"checkins": pd.DataFrame({"couple_id": ["c1"], "partner": ["A"],
    ...     "date": pd.to_datetime(["2026-05-09"])})}
    >>> days = pd.DataFrame({"table": ["checkins"], "line": [8], "reason": ["mood: 'sad'"],
    ...     "couple_id": ["c1"], "partner": ["A"], "date": pd.to_datetime(["2026-05-09"])})
    >>> print(_rejected_in_export(gone, days))  # doctest: +NORMALIZE_WHITESPACE
    already holds 1 check-in (on 9 May 2026) on a day whose record this export has but
    rejected (line 8: mood: 'sad'); importing it would take it out of the log, so nothing
    was written. Fix the rejected record and import again: the import report above says why
    each was rejected; a label or answer the mapping lacks (a Daylio mood not in [moods])
    goes into a mapping file, passed with --mapping.
    >>> _rejected_in_export(gone, days.assign(partner="B")) is None
    True
    """
    import pandas as pd

    from trustdata._words import plural

    if not gone or rejected_days is None or not len(rejected_days):
        return None
    known = rejected_days.loc[rejected_days["date"].notna()]
    hit: dict[str, list] = {}
    missing: dict[str, list] = {}
    lines: set[int] = set()
    for table, frame in gone.items():
        days = pd.to_datetime(frame[_WHEN[table]])
        if days.dt.tz is not None:
            days = days.dt.tz_localize(None)
        for couple, partner, day in zip(
            frame["couple_id"], frame["partner"], days.dt.normalize(), strict=True
        ):
            same = known.loc[
                (known["date"] == day)
                & (known["couple_id"].isna() | (known["couple_id"] == couple))
                & (known["partner"].isna() | (known["partner"] == partner))
            ]
            (hit if len(same) else missing).setdefault(table, []).append(day)
            lines.update(int(x) for x in same["line"])
    if not hit:
        return None
    word = {"checkins": "check-in", "triggers": "trigger"}

    def held(found: dict[str, list]) -> str:
        counts = _and([plural(len(days), word[table]) for table, days in found.items()])
        return f"{counts} ({_span(pd.Series([d for days in found.values() for d in days]))})"

    shown = known.loc[known["line"].isin(lines)].drop_duplicates(["line", "reason"])
    quoted = "; ".join(
        f"line {int(r.line)}: {r.reason}" for r in shown.head(_REJECTED_QUOTED).itertuples()
    )
    if len(shown) > _REJECTED_QUOTED:
        quoted += f"; and {plural(len(shown) - _REJECTED_QUOTED, 'more rejected line')}"
    n = sum(len(days) for days in hit.values())
    n_days = len({d for days in hit.values() for d in days})
    said = (
        f"already holds {held(hit)} on {'a day' if n_days == 1 else 'days'} whose record this "
        f"export has but rejected ({quoted}); importing it would take {_them(n)} out of the "
        "log, so nothing was written. Fix the rejected "
        f"{'record' if len(shown) == 1 else 'records'} and import again: the import report "
        "above says why each was rejected; a label or answer the mapping lacks (a Daylio "
        "mood not in [moods]) goes into a mapping file, passed with --mapping."
    )
    if missing:
        m = sum(len(days) for days in missing.values())
        said += (
            f" It also lacks {held(missing)} of the log's that it does not have at all: a "
            "newer export holds every earlier answer, so export the whole history again, or, "
            f"if you added {_them(m)} to the log by hand, add --keep-missing to keep "
            f"{_them(m)}."
        )
    return said


def _span(when) -> str:
    """The days of ``when`` in words: on one day, or from the first to the last."""
    from trustdata._words import day

    first, last = day(when.min()), day(when.max())
    return f"on {first}" if first == last else f"from {first} to {last}"


def _when(frames, person=None):
    """The dates of the check-ins and the timestamps of the triggers of ``frames`` (by table;
    only ``person``'s, a (couple, partner), when given), as one series of local wall times
    (a log's timestamps are; its UTC offset is a column of its own)."""
    import pandas as pd

    parts = []
    for table, frame in frames.items():
        if person is not None:
            frame = frame.loc[(frame["couple_id"] == person[0]) & (frame["partner"] == person[1])]
        if len(frame):
            when = pd.to_datetime(frame[_WHEN[table]])
            parts.append(when.dt.tz_localize(None) if when.dt.tz is not None else when)
    return pd.concat(parts, ignore_index=True).dropna() if parts else pd.Series([], "M8[ns]")


def _days(frames) -> set:
    """The days of the check-ins and triggers of ``frames`` (by table)."""
    return set(_when(frames).dt.normalize().tolist())


def _no_shared_day(gone, old, new, given) -> str:
    """The refusal of an import whose person's records in the log share no day with the
    export's (``gone``: by table, the log's records it lacks).  The export may be another
    person's (the ids typed wrong), so that is asked first; then the answers for the person's
    own export, as plainly: the whole history exported again, or --keep-missing."""
    from trustdata._words import plural

    lacks = ", and ".join(
        f"{plural(len(frame), 'check-in' if table == 'checkins' else 'trigger')}"
        f"{' that this export does not have' if not at else ''} ({_span(_when({table: frame}))})"
        for at, (table, frame) in enumerate(gone.items())
    )
    people = sorted(
        {
            p
            for frame in gone.values()
            for p in zip(frame["couple_id"], frame["partner"], strict=True)
        }
    )
    whose = _and([f"couple {c} partner {p}" for c, p in people])
    owner = f"{whose}'s" if len(people) == 1 else "theirs"
    theirs = _when({"checkins": new.checkins, "triggers": new.triggers})
    logs = {"checkins": old.checkins, "triggers": old.triggers}
    folder = sorted(
        {
            p
            for frame in logs.values()
            for p in zip(frame["couple_id"], frame["partner"], strict=True)
        }
    )
    held = "; ".join(f"couple {c} partner {p} ({_span(_when(logs, (c, p)))})" for c, p in folder)
    if "--partner" in given:
        asked = f"is --partner {given['--partner']} right"
        other = (
            "another person's, import it again with their --partner (and their --couple, into "
            "a folder of their own, if they are another couple)"
        )
    elif "--couple" in given:
        asked = f"is --couple {given['--couple']} right"
        other = "another couple's, import it into a folder of its own with their --couple"
    else:
        asked = "is this export this folder's couple's"
        other = "another couple's, import it into a folder of its own"
    return _printable(
        f"already holds {lacks}; importing it would take "
        f"{_them(sum(len(frame) for frame in gone.values()))} out of the log. No record of "
        f"{whose} in the log is on a day of this export's ({_span(theirs)}): {asked}? The "
        f"folder holds {held}. Nothing was written. If the export is {other}. If it is "
        f"{owner}: a newer export holds every earlier answer, so export the whole history "
        "again, or import into a new folder; if the log's records are in no export of this "
        "app (added by hand, or from another app), add --keep-missing to keep them beside "
        "the export's records."
    )


def _write_import(result, out, target=None):
    """Write an import into ``out`` through a staging folder inside it (see _cmd_import).

    ``target`` (from :func:`_check_import_target`): the other partners' check-ins and triggers,
    written again beside the import's own (the staged files are read back and must hold those
    records unchanged, or nothing is written), the person's records merged with the log's, and
    the format of each table in the folder (a folder of JSON or Parquet logs stays so).
    Returns the folder and the names of the log files it replaced.
    """
    import shutil
    import tempfile
    from pathlib import Path

    from trustdata._atomic import log_files, move_into
    from trustdata.errors import FileProblem

    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".trustdata-import-", dir=out)
    except OSError as exc:
        raise FileProblem(
            f"cannot write the log folder here ({exc.strerror or exc}).", source=str(out)
        ) from None
    try:
        if target is None:
            result.write(staging)
        else:
            _write_beside(result.logs, target, staging, out)
        # the import replaces the check-ins and triggers an earlier import of the same person
        # wrote (checked by _check_import_target): a file of another format left next to the
        # new one would be a second copy
        stale = [p.name for p in log_files(out) if p.stem.lower() in ("checkins", "triggers")]
        written = {p.name for p in Path(staging).iterdir() if p.is_file()}
        move_into(staging, out, remove=stale)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out, sorted(stale, key=lambda n: (n not in written, n))


def _write_beside(new, target, staging, out) -> None:
    """Write ``new``'s check-ins and triggers (merged with the log's, ``target.merge``) with the
    ``target.kept`` records of the other partners into ``staging``, each table in the folder's
    format; read them back and refuse (FileProblem) unless the kept records and the kept values
    are unchanged."""
    from pathlib import Path

    import pandas as pd

    from trustdata.errors import FileProblem
    from trustdata.importers._into import KEYS
    from trustdata.io import from_frames, load, write
    from trustdata.logs import Logs

    kept = target.kept or {}
    mine = target.merge.frames if target.merge is not None else {}
    frames = {
        table: pd.concat(
            [
                f
                for f in (kept.get(table), mine.get(table, getattr(new, table)))
                if f is not None and len(f)
            ]
            or [getattr(new, table)],
            ignore_index=True,
        )
        for table in ("checkins", "triggers")
    }
    merged = from_frames(**frames, source=str(out))
    if len(merged.rejected):
        raise FileProblem(
            "the import's records and those kept from the log could not be written together "
            f"({merged.rejected['reason'].iloc[0]}); import into a new folder.",
            source=str(out),
        )
    staging = Path(staging)
    # a table the folder does not have yet takes the format of the one it has (CSV when none)
    had = set(target.formats.get(t) for t in ("checkins", "triggers")) - {None}
    default = had.pop() if len(had) == 1 else "csv"
    formats = {t: target.formats.get(t, default) for t in ("checkins", "triggers")}
    for fmt in sorted(set(formats.values())):
        part = staging / f".{fmt}"
        write(Logs(checkins=merged.checkins, triggers=merged.triggers), part, format=fmt)
        for table, want in formats.items():
            if want == fmt:
                for p in part.iterdir():
                    if p.stem.lower() == table:
                        p.replace(staging / p.name)
        for p in part.iterdir():
            p.unlink()
        part.rmdir()
    back = load(staging)
    checks = [(kept.get(table), table) for table in ("checkins", "triggers")]
    checks += [(_merged_table(target, table, merged), table) for table in ("checkins", "triggers")]
    for had, table in checks:
        if had is None or not len(had):
            continue
        cols = list(had.columns)
        keys = [*KEYS[table]]
        now = getattr(back, table)
        now = now.loc[
            pd.MultiIndex.from_frame(now[["couple_id", "partner"]].astype(str)).isin(
                pd.MultiIndex.from_frame(had[["couple_id", "partner"]].astype(str))
            )
        ]
        a = had.sort_values(keys).reset_index(drop=True)[cols].astype(object)
        b = now.sort_values(keys).reset_index(drop=True).reindex(columns=cols).astype(object)
        if not a.fillna("<missing>").equals(b.fillna("<missing>")):
            raise FileProblem(
                "the records kept from the log would not be written back unchanged; nothing "
                "was written. Import into a new folder.",
                source=str(out),
            )


def _merged_table(target, table, merged):
    """The person's records as validated before writing (the merge's), to compare read back."""
    if target.merge is None:
        return None
    frame = getattr(merged, table)
    if target.kept is None:
        return frame
    other = target.kept[table]
    if not len(other):
        return frame
    import pandas as pd

    keys = pd.MultiIndex.from_frame(frame[["couple_id", "partner"]].astype(str))
    theirs = pd.MultiIndex.from_frame(other[["couple_id", "partner"]].astype(str))
    return frame.loc[~keys.isin(theirs)]


def _cmd_anonymize(args: argparse.Namespace) -> int:
    import warnings
    from pathlib import Path

    from trustdata.anonymize import (
        REPORT_FILE,
        KAnonymityWarning,
        KeyFileWarning,
        _label,
        anonymize_folder,
    )

    _check_whole_folder(Path(args.input), "anonymize")
    if args.k < 1:  # the option's name, not the Python parameter's that anonymize would give
        raise ValueError(f"The value for `-k` must be at least 1, but {args.k} was passed.")
    qis = [c.strip() for c in args.quasi_identifiers.split(",") if c.strip()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", KAnonymityWarning)  # the report lists them below
        warnings.simplefilter("always", KeyFileWarning)
        report = anonymize_folder(
            args.input,
            args.out,
            key_file=args.key_file,
            quasi_identifiers=qis,
            k=args.k,
            keep_text=args.keep_text,
            format=args.format,
        )
    for w in caught:
        if issubclass(w.category, KeyFileWarning):
            print(f"trustdata: warning: {w.message}", file=sys.stderr)
    print(f"Wrote {report.n_couples} anonymized couple(s) to {args.out} (see {REPORT_FILE}).")
    for item in report.removed:
        print(f"  removed: {item}")
    problems = 0
    for rec in report.small_groups.to_dict("records"):
        combo = ", ".join(f"{c}={_label(rec[c])}" for c in report.quasi_identifiers)
        print(
            f"warning: only {rec['n_couples']} couple(s) with {combo} (k={report.k})",
            file=sys.stderr,
        )
        problems += 1
    if report.n_couples < report.k:
        print(f"warning: the cohort has fewer than k={report.k} couples", file=sys.stderr)
        problems += 1
    rejected = [r for r in report.removed if "rejected record" in r]
    return 1 if problems or rejected else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
