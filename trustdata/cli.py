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
    p.set_defaults(func=_cmd_anonymize)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``trustdata`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except TrustDataError as exc:
        print(f"trustdata: {exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError) as exc:
        print(f"trustdata: {exc}", file=sys.stderr)
        return 2


# ---------------------------------------------------------------------------------------------
# Subcommands.  Each owner edits only its own function.
# ---------------------------------------------------------------------------------------------


def _cmd_validate(args: argparse.Namespace) -> int:
    raise NotImplementedError("validate")


def _cmd_sample(args: argparse.Namespace) -> int:
    raise NotImplementedError("sample")


def _cmd_report(args: argparse.Namespace) -> int:
    raise NotImplementedError("report")


def _cmd_import(args: argparse.Namespace) -> int:
    raise NotImplementedError("import")


def _cmd_anonymize(args: argparse.Namespace) -> int:
    raise NotImplementedError("anonymize")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
