"""The ``crmkit`` command (installed with the package).

``crmkit report LOG [--as-of DATE] [-o report.html]`` runs :func:`crmkit.report` on a CSV or
Parquet transaction log: with ``-o`` it writes the self-contained HTML report, without it prints
the terminal summary. Progress goes to stderr when it is a terminal. Bad input exits with
status 2 and one line naming the field, the row and the value.

Examples:
    >>> from crmkit.cli import main
    >>> main(["report", "no-such-file.csv"])
    2
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crmkit", description="Customer analytics for CRM data.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    rep = sub.add_parser(
        "report",
        help="one self-contained HTML report (or a terminal summary) of a transaction log",
        description="Segments and tiers, concentration, top customers, BG/NBD + Gamma-Gamma CLV, churn alerts "
        "and lifecycle stages of a transaction log, as of one date.",
    )
    rep.add_argument("log", help="the transaction log: a .csv or .parquet file, one row per purchase")
    rep.add_argument("--as-of", help="observation date, e.g. 2024-12-31 (default: the last purchase's day)")
    rep.add_argument("-o", "--output", help="write the HTML report here (default: print a summary)")
    rep.add_argument("--customer-id", default="customer_id", help="customer id column (default: customer_id)")
    rep.add_argument("--timestamp", default="timestamp", help="purchase date column (default: timestamp)")
    rep.add_argument("--amount", default="amount", help="amount column (default: amount)")
    rep.add_argument("--date-format", help="strptime format of the dates, e.g. %%Y%%m%%d (default: ISO dates)")
    rep.add_argument("--title", help="the report's heading")
    rep.add_argument("--window-days", type=int, default=365, help="RFM window in days (default: 365)")
    rep.add_argument("--no-figures", action="store_true", help="tables only (no matplotlib needed)")
    rep.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status (0 ok, 2 bad input or usage)."""
    from crmkit import CrmkitError, report

    args = _parser().parse_args(argv)
    try:
        rep = report(
            args.log,
            as_of=args.as_of,
            output=args.output,
            customer_id=args.customer_id,
            timestamp=args.timestamp,
            amount=args.amount,
            date_format=args.date_format,
            title=args.title,
            window_days=args.window_days,
            figures=False if args.no_figures else None,
            progress=False if args.quiet else None,
        )
    except CrmkitError as exc:
        print(f"crmkit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    if args.output is None:
        print(rep.text())
    elif not args.quiet:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
