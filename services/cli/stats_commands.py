"""``vatra stats``: the statistics tables of a period as Markdown, CSV or Excel.

The same tables as the statistics page (``services.stats``), with the same
small-cell protection (``VATRA_STATS_THRESHOLD``); the command line has no
unsuppressed export (that is the auditors', from the page, access-logged).

The command reads the read models over one connection
(``services.stats.reading``); it builds the whole backbone (the event store,
the projections) only when, in the embedded mode, the read models are behind
the event log and must be brought up to date first.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from services.stats.formats import to_csv, to_markdown, to_xlsx
from services.stats.heading import describe
from services.stats.period import PeriodError, choose
from services.stats.reading import statistics_read_models
from services.stats.sets import tables
from services.stats.tables import publish

USAGE = 2


def cmd_stats(args: argparse.Namespace) -> int:
    """Print (or write to ``--output``) the statistics of a period."""
    # Imported here: the page's wording is only needed once the command runs.
    from domain.clock import TIRANE  # noqa: PLC0415
    from services.api.wording import Wording  # noqa: PLC0415

    with statistics_read_models() as models:
        today = models.now().astimezone(TIRANE).date()
        params = {
            "period": "custom",
            "from": (args.from_ or date(today.year, 1, 1)).isoformat(),
            "to": (args.to or today).isoformat(),
            "region": args.region or "",
            "case_type": args.case_type or "",
            "preset": args.preset,
        }
        try:
            choice = choose(params, today)
        except PeriodError as error:
            print(f"vatra stats: {error}", file=sys.stderr)
            return USAGE
        if args.format == "xlsx" and not args.output and sys.stdout.isatty():
            print("vatra stats: --format xlsx needs --output FILE", file=sys.stderr)
            return USAGE
        conn = models.up_to_date()
        threshold = models.settings.stats_threshold
        w = Wording.of(args.language, models.rulebook())
        only = [name for names in args.by for name in names.split(",") if name]
        with conn.transaction():
            found = tables(conn, choice.filters(), models.now(), w, choice.preset, only)
    if not found:
        print(f"vatra stats: no table is named {', '.join(only)}", file=sys.stderr)
        return USAGE
    published = [publish(t, threshold) for t in found]
    heading = describe(choice, w, threshold)
    if args.format == "xlsx":
        body = to_xlsx(heading, published, w._("About"))
    elif args.format == "csv":
        body = to_csv(heading, published)
    else:
        body = to_markdown(heading, published).encode()
    if args.output:
        with open(args.output, "wb") as out:
            out.write(body)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return 0
