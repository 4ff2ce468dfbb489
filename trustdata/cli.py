"""The ``trustdata`` command: chains load -> analyse -> write; no analysis of its own.

Subcommands: ``validate``, ``sample``, ``report``, ``import``, ``anonymize``.  Exit codes: 0 all
good, 1 some records were rejected (or a check failed), 2 a file or an argument could not be used.
Each subcommand's body lives in a ``_cmd_<name>`` function below.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from trustdata.errors import TrustDataError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``trustdata`` command."""
    parser = argparse.ArgumentParser(
        prog="trustdata",
        description="Validate, analyse and report the logs couples keep while rebuilding trust.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a log folder or file and summarise each file")
    p.add_argument("path", help="a log folder or a single table file")
    p.add_argument(
        "--examples", type=int, default=5, help="rejected lines shown per file (default 5)"
    )
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("sample", help="write synthetic sample logs (never real people's data)")
    p.add_argument("out", help="folder to write the log files into")
    p.add_argument("--couples", type=int, default=3, help="how many couples (default 3)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--format", choices=["csv", "json", "parquet"], default="csv", help="file format"
    )
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("report", help="write a self-contained offline HTML report for one couple")
    p.add_argument("path", help="a log folder or a single check-ins file")
    p.add_argument("--couple", required=True, help="the couple's id")
    p.add_argument("--audience", choices=["couple", "therapist"], default="couple")
    p.add_argument("--since", help="for therapists: what changed since this date (YYYY-MM-DD)")
    p.add_argument("-o", "--output", default="report.html", help="the HTML file to write")
    p.set_defaults(func=_cmd_report)

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
        "--format", choices=["csv", "json", "parquet"], default="csv", help="output file format"
    )
    p.set_defaults(func=_cmd_anonymize)
    return parser


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
        args = parser.parse_args(argv)
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


# ---------------------------------------------------------------------------------------------
# Subcommands.  Each owner edits only its own function.
# ---------------------------------------------------------------------------------------------


def _cmd_validate(args: argparse.Namespace) -> int:
    """Load a log folder or file and print, per file, what was read, kept and rejected and why.

    Exit 0 when nothing was rejected, 1 when some records were, 2 (via :func:`main`) when a
    file cannot be read at all.
    """
    import re
    from collections import Counter

    from trustdata.io import load

    examples = int(getattr(args, "examples", 5))
    if examples < 0:
        raise ValueError(
            f"The value for `--examples` must be 0 or more, but {examples} was passed."
        )
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

    for row in logs.summary.itertuples(index=False):
        print(
            f"{row.source} ({row.table}): {row.records} records, {row.valid} valid, "
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
            if examples:
                print(f"  first {min(examples, len(mine))} rejected line(s):")
            for r in mine.head(examples).itertuples(index=False):
                print(f"    line {r.line}: {r.reason}")
    total = len(rejected)
    print(f"{'OK' if total == 0 else 'REJECTED'}: {total} record(s) rejected in total.")
    return 0 if total == 0 else 1


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
    syn = synth.write_sample(args.out, couples=args.couples, seed=args.seed, format=args.format)
    print(synth.describe(syn, args.out))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from trustdata import io, report

    logs = io.load(args.path)
    if args.couple not in logs.couple_ids:
        known = logs.couple_ids
        shown = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "")
        print(
            f"trustdata: no couple {args.couple!r} in {args.path}. Couples: {shown or 'none'}.",
            file=sys.stderr,
        )
        return 2
    target = Path(args.output)
    problem = None
    if target.is_dir():
        problem = "that is a folder; give a file name such as report.html"
    elif not target.parent.is_dir():
        problem = f"the folder {target.parent} does not exist"
    if problem is None:
        try:
            out = report.write(logs, args.couple, target, audience=args.audience, since=args.since)
        except OSError as exc:
            problem = exc.strerror or str(exc)
    if problem is not None:
        print(f"trustdata: could not write the report to {target}: {problem}.", file=sys.stderr)
        return 2
    if len(logs.rejected):
        print(
            f"Note: {len(logs.rejected)} records could not be used and are not in the report; "
            f"`trustdata validate {args.path}` lists them with the reasons.",
            file=sys.stderr,
        )
    size = out.stat().st_size / 1e6
    print(f"Wrote the {args.audience} report for {args.couple} to {out} ({size:.1f} MB).")
    print(f"Open it in a web browser: {out.resolve().as_uri()}")
    print("It works offline and sends nothing anywhere.")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    """Import an export into a log folder, without ever destroying a log.

    A newer export of the same person into the same folder replaces what an earlier import of
    that person wrote, as a whole: check-ins, and triggers (an import without triggers removes
    the earlier import's triggers file, so the folder never mixes two exports).  Refused
    (exit 2, nothing written): a folder holding records of another couple or partner, log
    files that cannot be read (a renamed column, a truncated file) or records the loader
    rejects (they would be lost), and an export that is itself one of the files to write.
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
    _check_import_target(out, Path(args.input), result.logs)
    print(result.report.to_text())
    rejected = result.logs.rejected
    if len(rejected):
        print(f"Rejected ({len(rejected)}):")
        for row in rejected.head(50).itertuples(index=False):
            print(f"  line {row.line} ({row.table}): {row.reason}")
        if len(rejected) > 50:
            print(f"  ... and {len(rejected) - 50} more")
    if result.nothing_imported:  # an empty log folder would look like an import that worked
        print(f"Nothing written: every record was rejected, so {out} was not made or changed.")
        return 1
    folder = _write_import(result, out)
    print(f"Wrote the log folder {folder} (read it with `trustdata validate {folder}`).")
    return 1 if len(rejected) else 0


def _check_import_target(out, export, new) -> None:
    """Refuse an import into ``out`` that would destroy a log (see :func:`_cmd_import`)."""
    from trustdata import schemas
    from trustdata._atomic import check_not_an_input, log_files
    from trustdata.errors import FileProblem
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
        return
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
            f"already holds {len(lost)} check-in or trigger record(s) that cannot be read "
            f"(`trustdata validate {out}` lists them); this import would replace the files and "
            "lose them. Repair them, move the files away, or import into a new folder.",
            source=str(out),
        )

    def people(frame):
        return set(zip(frame["couple_id"], frame["partner"], strict=True))

    pairs = people(new.checkins) | people(new.triggers)
    for table in ("checkins", "triggers"):
        others = sorted(p for p in people(getattr(old, table)) if p not in pairs)
        if others:
            shown = ", ".join(f"couple {c} partner {p}" for c, p in others[:5])
            more = f" and {len(others) - 5} more" if len(others) > 5 else ""
            word = "check-ins" if table == "checkins" else "triggers"
            raise FileProblem(
                f"already holds {word} of {shown}{more}, which this import would replace; "
                "import into a new folder (one per person), or move those files away first.",
                source=str(out),
            )


def _write_import(result, out):
    """Write an import into ``out`` through a staging folder inside it (see _cmd_import)."""
    import shutil
    import tempfile

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
        result.write(staging)
        # the import replaces the check-ins and triggers an earlier import of the same person
        # wrote (checked by _check_import_target), in any format: an earlier triggers file
        # left next to newer check-ins would mix two exports
        stale = [p.name for p in log_files(out) if p.stem.lower() in ("checkins", "triggers")]
        move_into(staging, out, remove=stale)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _cmd_anonymize(args: argparse.Namespace) -> int:
    import warnings

    from trustdata.anonymize import (
        REPORT_FILE,
        KAnonymityWarning,
        KeyFileWarning,
        _label,
        anonymize_folder,
    )

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
