"""The notifier: the alert intake and the dispatcher, ready to run as workers.

Two ways to run, as for the read models:

- embedded: the intake follows the notification log (its own follower, so a
  read-model rebuild never touches the ledger) and the dispatcher runs in the
  same process (``vatra run --embedded``, ``vatra notify --embedded``);
- Kafka: the intake runs on its own consumer group, the dispatcher beside it
  (``vatra notify``). Several notifiers may run: the ledger shares the work.

The composition root (``services.config.bootstrap.build_notifier``) builds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg_pool import ConnectionPool

from domain.clock import Clock
from handlers.acknowledgements import AckTokens, acknowledge
from handlers.directory import Directory
from handlers.dispatcher import Dispatcher
from handlers.intake import NotificationIntake
from services.app.case_alerts import ServiceCaseAlerts
from services.app.service import CaseApplication, CaseService
from services.config.notify_settings import NotifySettings
from services.config.settings import KafkaSettings, require_kafka
from services.kafka.consumer import KafkaRunner
from services.kafka.topics import ensure_topics
from services.workers.follower import LogFollower
from services.workers.supervisor import Worker


@dataclass
class Notifier:
    """Every part of the notifier, built once from the settings."""

    settings: NotifySettings
    app: CaseApplication
    service: CaseService
    clock: Clock
    kafka: KafkaSettings | None
    batch_size: int
    follow_interval: float
    pool: ConnectionPool
    directory: Directory
    intake: NotificationIntake
    dispatcher: Dispatcher
    tokens: AckTokens

    def follower(self) -> LogFollower:
        """The intake on the event store's notification log (embedded mode)."""
        follower = LogFollower(
            self.app,
            self.pool,
            [self.intake],
            batch_size=self.batch_size,
            interval=self.follow_interval,
            after_commit=self.dispatcher.wake,
            name="notifier-intake",
        )
        follower.create_tables()
        return follower

    def kafka_runner(self) -> KafkaRunner:
        """The intake on its own Kafka consumer group (full mode)."""
        kafka = require_kafka(self.kafka)
        ensure_topics(kafka)
        return KafkaRunner(
            self.pool,
            [self.intake],
            kafka,
            group=self.settings.kafka_group,
            max_records=self.batch_size,
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
            cases=ServiceCaseAlerts(self.service),
            clock=self.clock,
        )

    def close(self) -> None:
        self.pool.close()
