"""The notifier's composition: directory, templates, channels, intake, dispatcher.

Two ways to run, as for the read models:

- embedded: the intake follows the notification log (its own follower, so a
  read-model rebuild never touches the ledger) and the dispatcher runs in the
  same process (``vatra run --embedded``);
- Kafka: the intake runs on its own consumer group, the dispatcher beside it
  (``vatra notify``). Several notifiers may run: the ledger shares the work.

``python -m services.workers.notifier [--embedded]`` runs it until SIGTERM;
``python -m services.workers.notifier ack TOKEN`` records an acknowledgement.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from psycopg_pool import ConnectionPool

from domain.errors import DomainError
from handlers.acknowledgements import AckTokens, InvalidToken, acknowledge
from handlers.channels.base import Channel
from handlers.channels.email import SmtpChannel
from handlers.channels.sms import SmsChannel
from handlers.channels.webhook import WebhookChannel
from handlers.directory import Directory, DirectoryError, load_directory
from handlers.dispatcher import Dispatcher
from handlers.intake import NotificationIntake
from handlers.messages import MessageRenderer, MessageTemplates, TemplateError
from handlers.outcomes import CaseOutcomes
from services.app.case_alerts import ServiceCaseAlerts
from services.app.errors import ServiceError
from services.config.notify_settings import NotifySettings, load_notify_settings
from services.config.settings import SettingsError, load_settings
from services.kafka.consumer import KafkaRunner
from services.kafka.topics import ensure_topics
from services.store.database import DatabaseUnavailable
from services.workers.follower import LogFollower
from services.workers.supervisor import Worker, run_until_signalled

if TYPE_CHECKING:
    # Only the type: services.config.bootstrap builds the notifier from this module.
    from services.config.bootstrap import Backbone


@dataclass
class Notifier:
    """Every part of the notifier, built once from the settings."""

    settings: NotifySettings
    backbone: Backbone
    pool: ConnectionPool
    directory: Directory
    intake: NotificationIntake
    dispatcher: Dispatcher
    tokens: AckTokens

    def follower(self) -> LogFollower:
        """The intake on the event store's notification log (embedded mode)."""
        follower = LogFollower(
            self.backbone.app,
            self.pool,
            [self.intake],
            batch_size=self.backbone.settings.batch_size,
            interval=self.backbone.settings.follow_interval,
            after_commit=self.dispatcher.wake,
        )
        follower.create_tables()
        return follower

    def kafka_runner(self) -> KafkaRunner:
        """The intake on its own Kafka consumer group (full mode)."""
        ensure_topics(self.backbone.kafka)
        return KafkaRunner(
            self.pool,
            [self.intake],
            self.backbone.kafka,
            group=self.settings.kafka_group,
            max_records=self.backbone.settings.batch_size,
            after_commit=self.dispatcher.wake,
        )

    def workers(self, *, embedded: bool) -> list[Worker]:
        """The intake's runner and the dispatcher, ready to run in threads."""
        intake: Worker = self.follower() if embedded else self.kafka_runner()
        return [intake, self.dispatcher]

    def acknowledge(self, token: str) -> dict[str, Any]:
        """Verify an acknowledgement token and record ``AlertAcknowledged``."""
        return acknowledge(
            token,
            tokens=self.tokens,
            pool=self.pool,
            cases=ServiceCaseAlerts(self.backbone.service),
            clock=self.backbone.clock,
        )

    def close(self) -> None:
        self.pool.close()


def build_channels(settings: NotifySettings, backbone: Backbone) -> dict[str, Channel]:
    """The channels the settings configure; a contact on another one is refused."""
    channels: dict[str, Channel] = {}
    if settings.smtp is not None:
        channels["email"] = SmtpChannel(settings.smtp, backbone.clock)
    if settings.webhook_secret:
        webhooks = WebhookChannel(
            settings.webhook_secret.encode(),
            backbone.clock,
            timeout=settings.webhook_timeout,
        )
        channels["webhook"] = webhooks
        if settings.sms_gateway_url:
            channels["sms"] = SmsChannel(webhooks, settings.sms_gateway_url)
    return channels


def build_notifier(
    backbone: Backbone, settings: NotifySettings, *, worker: str | None = None
) -> Notifier:
    """Validate the directory and templates, then build every part."""
    settings.check()
    channels = build_channels(settings, backbone)
    try:
        directory = load_directory(settings.directory_file)
        directory.check_channels(channels)
        templates = MessageTemplates(settings.templates_dir)
    except (DirectoryError, TemplateError) as error:
        raise SettingsError(str(error)) from None
    clock = backbone.clock
    tokens = AckTokens(
        settings.ack_secret.encode(), clock, timedelta(days=settings.ack_valid_days)
    )
    pool = backbone.database.pool("vatra-notifier")
    intake = NotificationIntake(
        directory,
        backbone.rulebook,
        clock,
        max_age=timedelta(hours=settings.max_age_hours)
        if settings.max_age_hours
        else None,
    )
    dispatcher = Dispatcher(
        pool,
        directory,
        MessageRenderer(templates, settings.public_url, tokens),
        channels,
        CaseOutcomes(ServiceCaseAlerts(backbone.service)),
        clock,
        settings.dispatch,
        worker=worker or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}",
    )
    with pool.connection() as conn:
        intake.create(conn)
    return Notifier(settings, backbone, pool, directory, intake, dispatcher, tokens)


@contextlib.contextmanager
def _notifier(settings: NotifySettings) -> Iterator[Notifier]:
    # Imported here: services.config.bootstrap imports this module to build notifiers.
    from services.config.bootstrap import open_backbone  # noqa: PLC0415

    with open_backbone() as backbone:
        notifier = build_notifier(backbone, settings)
        try:
            yield notifier
        finally:
            notifier.close()


def notify_command(settings: NotifySettings, *, embedded: bool) -> int:
    """Deliver alerts until SIGTERM: the intake (Kafka, or with ``embedded`` the
    notification log) and the dispatcher."""
    with _notifier(settings) as notifier:
        kafka = notifier.backbone.settings.kafka is not None
        run_until_signalled(notifier.workers(embedded=embedded or not kafka))
    return 0


def ack_command(settings: NotifySettings, token: str) -> int:
    """Record the acknowledgement an alert's link carries."""
    with _notifier(settings) as notifier:
        result = notifier.acknowledge(token)
    if result["status"] == "already_acknowledged":
        print(f"case {result['case_id']}: the alert was already acknowledged")
    else:
        print(f"case {result['case_id']}: alert acknowledged ({result['authority']})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.workers.notifier")
    parser.add_argument("--embedded", action="store_true", help="follow the log")
    parser.add_argument("command", nargs="?", choices=["run", "ack"], default="run")
    parser.add_argument("token", nargs="?")
    args = parser.parse_args(argv)
    try:
        load_settings()  # fails early, with the setting named, before any work
        # Until services.config.settings carries it (Settings.notify), read it here.
        settings = load_notify_settings(os.environ)
        if args.command == "ack":
            if not args.token:
                parser.error("ack needs the TOKEN from the alert's link")
            return ack_command(settings, args.token)
        return notify_command(settings, embedded=args.embedded)
    except (ServiceError, DomainError, InvalidToken) as error:
        print(f"vatra: {error.message}", file=sys.stderr)
        return 2
    except (SettingsError, DatabaseUnavailable) as error:
        print(f"vatra: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
