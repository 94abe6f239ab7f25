"""The long-running commands: ``vatra relay``, ``project``, ``sop-clock``, ``run``,
``notify``, and ``ack`` (an alert's acknowledgement, through the notifier)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from services.cli.dlq import dead_letter_notice
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import SettingsError
from services.kafka.relay import Relay
from services.observability.health import checks_for
from services.observability.server import HealthServer
from services.workers.shutdown import ShutdownDeadline
from services.workers.supervisor import Worker, run_until_signalled


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
    """Publish every recorded event, and every entry of the access log, to
    Kafka, in order, until SIGTERM."""
    with open_backbone() as backbone:
        relay = backbone.relay()
        _serve(backbone, [relay, backbone.access_publisher()], relay=relay)
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
            workers += [relay, backbone.access_publisher(), backbone.projector()]
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
