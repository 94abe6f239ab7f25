"""The ``vatra`` command line."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import psycopg
from eventsourcing.persistence import MapperDeserialisationError, PersistenceError

from domain.catalogue import REGIONS, ROLES
from domain.clock import ControlledClock, SystemClock
from domain.errors import DomainError
from services import kafka_local
from services.api import api_context
from services.api.policy import API_ROLES
from services.api.serve import (
    create_token,
    demo_banner,
    demo_tokens,
    revoke_tokens,
    serve,
)
from services.api.sop_view import facts_of_rows, judge
from services.api.users import LANGUAGES
from services.app.errors import ServiceError
from services.app.plain import parse_case_id, parse_moment
from services.app.sop_views import check_region
from services.cli.audit_commands import (
    TAMPERING_FOUND,
    erase_command,
    export_command,
    rebuild_command,
    verify_command,
)
from services.cli.demo import demo_case_id, record_scenario
from services.cli.dlq import dead_letter_notice, dlq_command
from services.cli.reports import (
    history_obligations_report,
    history_report,
    obligations_report,
    sop_report,
    timeline_report,
)
from services.config.bootstrap import Backbone, open_backbone
from services.config.logs import configure_logging
from services.config.settings import SettingsError, load_settings
from services.kafka.relay import Relay
from services.kafka.topics import ensure_topics
from services.observability.health import checks_for
from services.observability.server import HealthServer
from services.store.database import DatabaseUnavailable
from services.store.outages import is_database_outage
from services.workers.shutdown import ShutdownDeadline
from services.workers.supervisor import Worker, WorkerFailed, run_until_signalled

Command = Callable[[argparse.Namespace], int]


def cmd_demo(args: argparse.Namespace) -> int:
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
            print(sop_report(conn, now))
        if args.serve:
            # New steps entered through the pages are recorded at the real time.
            context = api_context(backbone, SystemClock())
            host, port = settings.api_host, settings.api_port
            print()
            print(
                demo_banner(f"http://{host}:{port}", demo_tokens(context)), flush=True
            )
            serve(backbone, host=host, port=port, context=context)
    return 0


def cmd_api(_args: argparse.Namespace) -> int:
    """Serve the HTTP API and pages on VATRA_API_HOST:VATRA_API_PORT until SIGTERM."""
    with open_backbone() as backbone:
        settings = backbone.settings
        serve(backbone, host=settings.api_host, port=settings.api_port)
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    """Create an API token for a user; it is printed once, only its hash is kept."""
    with open_backbone() as backbone:
        token = create_token(
            backbone,
            user_id=args.user,
            role=args.role,
            regions=args.region,
            language=args.language,
            unit=args.unit,
        )
    print(token)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    """Revoke every token of a user."""
    with open_backbone() as backbone:
        print(f"revoked {revoke_tokens(backbone, user_id=args.user)} token(s)")
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    """Print one case's timeline (exit 2 if there is no such case)."""
    case_id = parse_case_id(args.case_id)
    with open_backbone() as backbone:
        backbone.service.events(str(case_id))  # CaseNotFound: no such case
        _catch_up(backbone)
        with backbone.pool.connection() as conn:
            print(timeline_report(conn, case_id))
            print("\nSOP obligations\n")
            print(obligations_report(conn, case_id, backbone.clock.now()))
    return 0


def cmd_sop(args: argparse.Namespace) -> int:
    """Print SOP compliance per rule and region, deadlines near, and the overdue."""
    region = check_region(args.region)
    with open_backbone() as backbone:
        _catch_up(backbone)
        with backbone.pool.connection() as conn:
            print(sop_report(conn, backbone.clock.now(), region))
    return 0


def cmd_sop_clock(args: argparse.Namespace) -> int:
    """Record SOP deadline warnings and breaches until SIGTERM (--once: one tick)."""
    with open_backbone() as backbone:
        embedded = args.embedded or backbone.settings.kafka is None
        sop_clock = backbone.sop_clock(embedded=embedded)
        if args.once:
            print(f"SOP clock: {sop_clock.tick()} deadline events recorded")
            if sop_clock.unsettled:
                print(
                    f"SOP clock: {sop_clock.unsettled} case(s) could not be "
                    "settled (logged); they are tried again on the next tick"
                )
            if embedded and (notice := dead_letter_notice(backbone)):
                print(f"SOP clock: {notice}")
            return 0
        _serve(backbone, [sop_clock], embedded=embedded)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Print a case as it stood at a moment or right after a version (for auditors)."""
    as_of = parse_moment("--as-of", args.as_of) if args.as_of else None
    with open_backbone() as backbone:
        try:
            history = backbone.service.history(
                args.case_id, as_of, version=args.version
            )
        except MapperDeserialisationError:
            # An event that no longer decodes was changed outside the backbone.
            print(
                f"vatra: case {args.case_id} has an event that cannot be read: "
                "the store may have been altered. Run `vatra verify` to see "
                "which events of which cases changed.",
                file=sys.stderr,
            )
            return TAMPERING_FOUND
        moment = datetime.fromisoformat(history["as_of"])
        facts = facts_of_rows(parse_case_id(args.case_id), history["events"])
        obligations = judge(facts, backbone.rulebook, backbone.calendar, moment)
        print(history_report(history))
        print("\nSOP obligations then\n")
        print(history_obligations_report(obligations))
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
    """Run relay, projections, SOP clock and alerts in one process until SIGTERM.

    --embedded: no Kafka, the read models follow the event store. The SOP clock
    runs beside them unless VATRA_SOP_CLOCK=off; alerts once VATRA_NOTIFY_SECRET
    is set.
    """
    with open_backbone() as backbone, contextlib.ExitStack() as stack:
        embedded = args.embedded
        workers: list[Worker] = []
        relay = None
        if embedded:
            workers.append(backbone.follower)
        else:
            relay = backbone.relay()
            workers += [relay, backbone.projector()]
        if backbone.settings.sop_clock:
            workers.append(backbone.sop_clock(embedded=embedded))
        notify = backbone.settings.notify
        if notify is not None and notify.enabled:
            notifier = stack.enter_context(contextlib.closing(backbone.notifier()))
            workers += notifier.workers(embedded=embedded)
        else:
            print(
                "vatra: alerts are off: set VATRA_NOTIFY_SECRET to send them",
                file=sys.stderr,
            )
        _serve(backbone, workers, relay=relay, embedded=embedded)
    return 0


def cmd_notify(args: argparse.Namespace) -> int:
    """Deliver alerts to police, Responsible Authority, CPUs and coordinators
    until SIGTERM: intake on Kafka (--embedded: the event store) and dispatcher."""
    with open_backbone() as backbone:
        embedded = args.embedded or backbone.settings.kafka is None
        with contextlib.closing(backbone.notifier()) as notifier:
            _serve(backbone, notifier.workers(embedded=embedded), embedded=embedded)
    return 0


def cmd_ack(args: argparse.Namespace) -> int:
    """Record that an authority acknowledged an alert (TOKEN from its link)."""
    with (
        open_backbone() as backbone,
        contextlib.closing(backbone.notifier()) as notifier,
    ):
        result = notifier.acknowledge(args.token)
    if result["status"] == "already_acknowledged":
        print(f"case {result['case_id']}: the alert was already acknowledged")
    else:
        print(f"case {result['case_id']}: alert acknowledged ({result['authority']})")
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
    """Rebuild every read model from the events; checksums show it equals the old."""
    with open_backbone() as backbone:
        return rebuild_command(backbone)


def cmd_verify(args: argparse.Namespace) -> int:
    """Verify every case's event chain; exit 1 if anything was tampered with."""
    with open_backbone() as backbone:
        chain_key = backbone.settings.privacy.chain_key or None
        return verify_command(backbone, chain_key, seal_legacy=args.seal_legacy)


def cmd_export(args: argparse.Namespace) -> int:
    """Export one case as JSON or HTML for courts and inspectors (access-logged)."""
    with open_backbone() as backbone:
        privacy = backbone.settings.privacy
        return export_command(
            backbone,
            args.case_id,
            fmt=args.format,
            out_path=Path(args.out),
            actor_id=args.actor,
            actor_role=args.role,
            chain_key=privacy.chain_key or None,
            personal_data_key=privacy.personal_data_key or None,
        )


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase the personal data of the person a case is about (crypto-shredding)."""
    with open_backbone() as backbone:
        return erase_command(
            backbone,
            args.case_id,
            expected_version=args.expected_version,
            actor_id=args.actor,
            actor_role=args.role,
            reason=args.reason,
        )


def cmd_dlq(args: argparse.Namespace) -> int:
    """Dead letters: list them, show one, retry one (after a fix is deployed)."""
    with open_backbone() as backbone:
        return dlq_command(backbone, args.action, args.id)


def cmd_kafka(args: argparse.Namespace) -> int:
    """A local single-node Kafka for development: fetch, start, stop, status,
    with the arguments and defaults of ``deploy/kafka/kafka.sh``."""
    return kafka_local.script_main(args.kafka_args)


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
        try:
            server = HealthServer(settings.metrics_host, settings.metrics_port, checks)
        except OSError as error:
            raise SettingsError(
                f"VATRA_METRICS_PORT {settings.metrics_port} on "
                f"{settings.metrics_host} cannot be used: "
                f"{error.strerror or type(error).__name__} (another program may "
                "hold it; set another port, or off)"
            ) from None
        server.start()
    try:
        run_until_signalled(workers, ShutdownDeadline(settings.shutdown_timeout))
    finally:
        if server is not None:
            server.stop()


def _add_token_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """API tokens: create, revoke."""
    p = sub.add_parser("token", help="API tokens: create, revoke")
    tokens = p.add_subparsers(dest="token_command", required=True)
    p = tokens.add_parser("create", help=cmd_token_create.__doc__)
    p.add_argument("--user", required=True, help="the user's id, e.g. mu-vlora-1")
    p.add_argument("--role", required=True, choices=sorted(API_ROLES))
    p.add_argument(
        "--region",
        action="append",
        default=[],
        choices=sorted(REGIONS),
        help="a region the user works in (repeat for several)",
    )
    p.add_argument("--language", choices=LANGUAGES, default="sq")
    p.add_argument(
        "--unit",
        help="child_protection_unit: the id of its entry in the directory "
        "(it sees only the alerts sent to that entry)",
    )
    p.set_defaults(func=cmd_token_create)
    p = tokens.add_parser("revoke", help=cmd_token_revoke.__doc__)
    p.add_argument("--user", required=True)
    p.set_defaults(func=cmd_token_revoke)


def _add_audit_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """The auditor's commands: verify, export, erase."""
    p = sub.add_parser("verify", help=cmd_verify.__doc__)
    p.add_argument(
        "--seal-legacy",
        action="store_true",
        help="first chain the cases recorded before the chain existed (once)",
    )
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("export", help=cmd_export.__doc__)
    p.add_argument("case_id")
    p.add_argument("--format", choices=("json", "html"), default="html")
    p.add_argument("--out", required=True, help="the file to write")
    p.add_argument("--actor", required=True, help="your staff id (access log)")
    p.add_argument("--role", choices=sorted(ROLES), default="auditor")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("erase", help=cmd_erase.__doc__)
    p.add_argument("case_id")
    p.add_argument("--reason", required=True)
    p.add_argument("--expected-version", type=int, required=True)
    p.add_argument("--actor", required=True, help="your staff id")
    p.add_argument(
        "--role", choices=("coordinator", "responsible_authority"), required=True
    )
    p.set_defaults(func=cmd_erase)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vatra",
        description="Vatra Backbone: case referral and notification backbone.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help=cmd_demo.__doc__)
    p.add_argument(
        "--serve",
        action="store_true",
        help="then serve the pages and the API with a demo token per audience",
    )
    p.set_defaults(func=cmd_demo)
    sub.add_parser("api", help=cmd_api.__doc__).set_defaults(func=cmd_api)
    _add_token_parsers(sub)
    p = sub.add_parser("timeline", help=cmd_timeline.__doc__)
    p.add_argument("case_id")
    p.set_defaults(func=cmd_timeline)
    p = sub.add_parser("sop", help=cmd_sop.__doc__)
    p.add_argument("--region", help="only this region: " + ", ".join(REGIONS))
    p.set_defaults(func=cmd_sop)
    p = sub.add_parser("sop-clock", help=cmd_sop_clock.__doc__)
    p.add_argument("--once", action="store_true", help="one tick, then exit")
    p.add_argument(
        "--embedded",
        action="store_true",
        help="catch the read models up from the event store first "
        "(the default when KAFKA_BOOTSTRAP_SERVERS is not set)",
    )
    p.set_defaults(func=cmd_sop_clock)
    p = sub.add_parser("history", help=cmd_history.__doc__)
    p.add_argument("case_id")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--as-of", help="ISO 8601 time with offset, e.g. 2026-11-01T12:00Z"
    )
    when.add_argument(
        "--version", type=int, help="the case right after this event (1, 2, ...)"
    )
    p.set_defaults(func=cmd_history)
    sub.add_parser("rebuild", help=cmd_rebuild.__doc__).set_defaults(func=cmd_rebuild)
    _add_audit_parsers(sub)
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
    p = sub.add_parser("notify", help=cmd_notify.__doc__)
    p.add_argument(
        "--embedded", action="store_true", help="follow the event store, not Kafka"
    )
    p.set_defaults(func=cmd_notify)
    p = sub.add_parser("ack", help=cmd_ack.__doc__)
    p.add_argument("token", help="the token at the end of the alert's /ack/ link")
    p.set_defaults(func=cmd_ack)
    sub.add_parser("topics", help=cmd_topics.__doc__).set_defaults(func=cmd_topics)
    p = sub.add_parser("dlq", help=cmd_dlq.__doc__)
    p.add_argument("action", choices=("list", "show", "retry"))
    p.add_argument("id", nargs="?", help="a dead letter's id (show, retry)")
    p.set_defaults(func=cmd_dlq)
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
    except (psycopg.Error, PersistenceError) as error:
        if not is_database_outage(error):
            raise
        # Read-only, out of disk, gone: say so, as for an unreachable database.
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"vatra: the database cannot do this now: {reason}", file=sys.stderr)
        return 3
    except WorkerFailed as error:
        print(f"vatra: stopped because a worker failed: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (``vatra sop | head``): not an error of ours.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
