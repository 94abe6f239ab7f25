"""The ``vatra`` command line."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType

from domain.clock import ControlledClock, SystemClock
from domain.errors import DomainError
from services.application import parse_case_id, parse_moment
from services.bootstrap import Backbone, open_backbone
from services.database import DatabaseUnavailable
from services.demo import demo_case_id, record_scenario
from services.errors import ServiceError
from services.progress import ProgressBar
from services.reports import (
    compliance_report,
    history_report,
    obligations_report,
    overdue_report,
    timeline_report,
)
from services.settings import SettingsError, load_settings

Command = Callable[[argparse.Namespace], int]


def cmd_demo(_args: argparse.Namespace) -> int:
    """Record the demo scenario, project it, print a timeline and SOP compliance."""
    now = SystemClock().now()
    clock = ControlledClock(now)
    settings = load_settings(defaults={"VATRA_LOG_LEVEL": "WARNING"})
    with open_backbone(settings, clock=clock) as backbone:
        recorded = record_scenario(backbone.service, clock, now)
        backbone.follower.catch_up()
        case_id = demo_case_id()
        print(f"Vatra Backbone demo: {recorded} new events recorded.\n")
        with backbone.pool.connection() as conn:
            print(timeline_report(conn, case_id))
            print("\nIts SOP obligations\n")
            print(obligations_report(conn, case_id, now))
            print()
            print(compliance_report(conn, now))
            print()
            print(compliance_report(conn, now, by="region"))
            print()
            print(overdue_report(conn, now))
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    """Print one case's timeline."""
    case_id = parse_case_id(args.case_id)
    with open_backbone() as backbone:
        _catch_up(backbone)
        with backbone.pool.connection() as conn:
            print(timeline_report(conn, case_id))
            print("\nSOP obligations\n")
            print(obligations_report(conn, case_id, backbone.clock.now()))
    return 0


def cmd_sop(args: argparse.Namespace) -> int:
    """Print SOP compliance per rule and region, and the overdue obligations."""
    with open_backbone() as backbone:
        _catch_up(backbone)
        now = backbone.clock.now()
        with backbone.pool.connection() as conn:
            print(compliance_report(conn, now, by="rule_id"))
            print()
            print(compliance_report(conn, now, by="region"))
            print()
            print(overdue_report(conn, now))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Print a case as it stood at a moment (for auditors)."""
    as_of = parse_moment("--as-of", args.as_of)
    with open_backbone() as backbone:
        print(history_report(backbone.service.history(args.case_id, as_of)))
    return 0


def cmd_project(args: argparse.Namespace) -> int:
    """Run the projections from the notification log (until SIGTERM with --follow)."""
    with open_backbone() as backbone:
        applied = backbone.follower.catch_up()
        print(f"projections caught up: {applied} events applied")
        if args.follow:
            _stop_on_signals(backbone.follower.stop)
            backbone.follower.run()
    return 0


def cmd_rebuild(_args: argparse.Namespace) -> int:
    """Drop every read model and rebuild it from the events, with a progress bar."""
    with open_backbone() as backbone:
        applied = backbone.follower.rebuild(progress=ProgressBar("rebuilding"))
        print(f"read models rebuilt from {applied} events")
    return 0


def _catch_up(backbone: Backbone) -> None:
    # Embedded mode: the read models follow the log in-process, so bring them
    # up to date before reading.
    backbone.follower.catch_up()


def _stop_on_signals(stop: Callable[[], None]) -> None:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vatra",
        description="Vatra Backbone: case referral and notification backbone.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help=cmd_demo.__doc__).set_defaults(func=cmd_demo)
    p = sub.add_parser("timeline", help=cmd_timeline.__doc__)
    p.add_argument("case_id")
    p.set_defaults(func=cmd_timeline)
    sub.add_parser("sop", help=cmd_sop.__doc__).set_defaults(func=cmd_sop)
    p = sub.add_parser("history", help=cmd_history.__doc__)
    p.add_argument("case_id")
    p.add_argument(
        "--as-of",
        required=True,
        help="ISO 8601 time with offset, e.g. 2026-11-01T12:00Z",
    )
    p.set_defaults(func=cmd_history)
    sub.add_parser("rebuild", help=cmd_rebuild.__doc__).set_defaults(func=cmd_rebuild)
    p = sub.add_parser("project", help=cmd_project.__doc__)
    p.add_argument("--follow", action="store_true", help="keep following new events")
    p.set_defaults(func=cmd_project)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except (ServiceError, DomainError) as error:
        print(f"vatra: {error.message}", file=sys.stderr)
        return 2
    except (SettingsError, DatabaseUnavailable) as error:
        print(f"vatra: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
