"""The notifier: the alert intake and the dispatcher, ready to run as workers.

Two ways to run, as for the read models:

- embedded: the intake follows the notification log (its own follower, so a
  read-model rebuild never touches the ledger) and the dispatcher runs in the
  same process (``vatra run --embedded``, ``vatra notify --embedded``);
- Kafka: the intake runs on its own consumer group, the dispatcher beside it
  (``vatra notify``). Several notifiers may run: the ledger shares the work.

The dispatcher (``handlers.dispatcher``) offers its steps; ``DispatcherWorker``
runs each sending lane and the housekeeping on the supervised loop
(``services.workers.loop``) under one stop event, like every other worker.

The composition root builds it (``services.config.alerting.build_notifier``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog
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
from services.workers.loop import OutagePolicy, SupervisedLoop
from services.workers.supervisor import Worker

log = structlog.get_logger("vatra.notify")


class DispatcherWorker:
    """The dispatcher's lanes and housekeeping, each on a supervised loop.

    A failed step (a database outage, a channel's bug) is counted in
    ``vatra_worker_failures_total{worker="dispatcher"}`` and tried again;
    the back-off stays under a third of the lease, so claims are renewed
    again before they run out once the database is back. On stop, once every
    lane has finished its send, the unsent claims are released.
    """

    def __init__(
        self, dispatcher: Dispatcher, policy: OutagePolicy | None = None
    ) -> None:
        self.dispatcher = dispatcher
        self._stop = threading.Event()
        longest = dispatcher.renewal_interval
        self.policy = policy or OutagePolicy(
            first_pause=min(0.5, longest), longest_pause=longest
        )

    def run(self) -> None:
        """Send on every lane and keep up until ``stop()``; then release claims."""
        dispatcher = self.dispatcher
        log.info("dispatcher_started", worker=dispatcher.worker)
        lanes = [
            threading.Thread(
                target=self._loop().run,
                args=(partial(dispatcher.send_next, lane),),
                name=f"dispatcher-lane-{lane}",
                daemon=True,
            )
            for lane in range(dispatcher.lanes)
        ]
        for lane in lanes:
            lane.start()
        try:
            self._loop().run(dispatcher.keep_up)
        finally:
            for lane in lanes:
                lane.join()
        released = dispatcher.release_claims()
        log.info("dispatcher_stopped", worker=dispatcher.worker, released=released)

    def stop(self) -> None:
        """Stop every lane after its send in progress, without waiting out a wait."""
        self._stop.set()
        self.dispatcher.interrupt()

    def _loop(self) -> SupervisedLoop:
        # Nothing a step does is lost when it fails (an unmarked claim is taken
        # again after its lease), so every failure is retried, never fatal.
        return SupervisedLoop(
            "dispatcher", self._stop, errors="retry", policy=self.policy
        )


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
        return [intake, DispatcherWorker(self.dispatcher)]

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
