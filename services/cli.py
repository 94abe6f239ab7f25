"""The ``vatra`` command line."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Protocol

from domain.clock import ControlledClock, SystemClock
from domain.errors import DomainError
from services import kafka_local
from services.application import parse_case_id, parse_moment
from services.bootstrap import Backbone, open_backbone
from services.database import DatabaseUnavailable
from services.demo import demo_case_id, record_scenario
from services.errors import ServiceError
from services.health import checks_for
from services.kafka_topics import ensure_topics
from services.logs import configure_logging
from services.observability import HealthServer
from services.progress import ProgressBar
from services.relay import Relay
from services.reports import (
    compliance_report,
    history_report,
    obligations_report,
    overdue_report,
    timeline_report,
)
from services.settings import SettingsError, load_settings

Command = Callable[[argparse.Namespace], int]


class Worker(Protocol):
    def run(self) -> None: ...

    def stop(self) -> None: ...


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
    """Run the projections from Kafka (or, with --embedded, the notification log)."""
    with open_backbone() as backbone:
        if args.embedded:
            applied = backbone.follower.catch_up()
            print(f"projections caught up: {applied} events applied")
            if args.follow:
                _serve(backbone, [backbone.follower], embedded=True)
            return 0
        _serve(backbone, [backbone.projector()])
    return 0


def cmd_relay(_args: argparse.Namespace) -> int:
    """Publish every recorded event to Kafka, in order, until SIGTERM."""
    with open_backbone() as backbone:
        relay = backbone.relay()
        _serve(backbone, [relay], relay=relay)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run relay and projections in one process (--embedded: no Kafka) until SIGTERM."""
    with open_backbone() as backbone:
        if args.embedded:
            _serve(backbone, [backbone.follower], embedded=True)
        else:
            relay = backbone.relay()
            _serve(backbone, [relay, backbone.projector()], relay=relay)
    return 0


def cmd_topics(_args: argparse.Namespace) -> int:
    """Create the backbone's Kafka topics if they do not exist."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.kafka is None:
        raise SettingsError("KAFKA_BOOTSTRAP_SERVERS is not set")
    created = ensure_topics(settings.kafka)
    print("created: " + (", ".join(created) if created else "none (all exist)"))
    return 0


def cmd_rebuild(_args: argparse.Namespace) -> int:
    """Drop every read model and rebuild it from the events, with a progress bar."""
    with open_backbone() as backbone:
        applied = backbone.follower.rebuild(progress=ProgressBar("rebuilding"))
        print(f"read models rebuilt from {applied} events")
    return 0


def cmd_kafka(args: argparse.Namespace) -> int:
    """A local single-node Kafka for development: fetch, start, stop, status."""
    return kafka_local.main(args.kafka_args)


def _catch_up(backbone: Backbone) -> None:
    # Embedded mode: the read models follow the log in-process, so bring them
    # up to date before reading. In the full mode the projector owns them.
    if backbone.settings.kafka is None:
        backbone.follower.catch_up()


def _serve(
    backbone: Backbone,
    workers: Sequence[Worker],
    *,
    relay: Relay | None = None,
    embedded: bool = False,
) -> None:
    """Run ``workers`` with /metrics and /health on VATRA_METRICS_PORT."""
    settings = backbone.settings
    server = None
    if settings.metrics_port is not None:
        checks = checks_for(backbone, relay=relay, embedded=embedded)
        server = HealthServer(settings.metrics_host, settings.metrics_port, checks)
        server.start()
    try:
        _run_until_signalled(workers)
    finally:
        if server is not None:
            server.stop()


def _run_until_signalled(workers: Sequence[Worker]) -> None:
    """Run each worker in its own thread; SIGTERM or SIGINT stops them all."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        for worker in workers:
            worker.stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    threads = [
        threading.Thread(target=w.run, name=type(w).__name__, daemon=True)
        for w in workers
    ]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        for thread in threads:
            thread.join(timeout=0.5)
        if not all(t.is_alive() for t in threads):
            handler(signal.SIGTERM, None)  # one stopped: stop the rest too


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
    p.add_argument(
        "--embedded", action="store_true", help="follow the event store, not Kafka"
    )
    p.add_argument(
        "--follow", action="store_true", help="with --embedded: keep following"
    )
    p.set_defaults(func=cmd_project)
    sub.add_parser("relay", help=cmd_relay.__doc__).set_defaults(func=cmd_relay)
    p = sub.add_parser("run", help=cmd_run.__doc__)
    p.add_argument("--embedded", action="store_true", help="no Kafka")
    p.set_defaults(func=cmd_run)
    sub.add_parser("topics", help=cmd_topics.__doc__).set_defaults(func=cmd_topics)
    p = sub.add_parser("kafka", help="a local Kafka: fetch, start, stop, status")
    p.add_argument("kafka_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_kafka)
    return parser


def command_names() -> set[str]:
    """The names of the ``vatra`` subcommands."""
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


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
    except BrokenPipeError:
        # The reader went away (``vatra sop | head``): not an error of ours.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
