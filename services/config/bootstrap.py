"""The composition root: settings are read once and every part is built here.

Nothing connects to anything at import time; ``open_backbone`` starts (or
reaches) PostgreSQL, builds the event store, the application service, the
read models and their follower, and closes them all on exit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from psycopg_pool import ConnectionPool

from domain.clock import Clock, SystemClock
from domain.sop import RuleBook, WorkingCalendar, load_calendar, load_rulebook
from handlers.erasure import KeyDestruction
from projections.cases import CaseListProjection
from projections.feed import Projection
from projections.obligations import ObligationsProjection
from projections.statistics import StatisticsProjection
from projections.timeline import TimelineProjection
from services.app.service import CaseApplication, CaseService
from services.config.known_ids import known_ids
from services.config.logs import configure_logging
from services.config.production import check_keys
from services.config.settings import (
    KafkaSettings,
    PrivacySettings,
    Settings,
    SettingsError,
    load_settings,
    require_kafka,
    secret_values,
)
from services.store.access_log import AccessLog
from services.store.database import Database, database_for
from services.store.event_chain import ChainHasher
from services.store.person_attributes import StoredAttributes
from services.store.personal_data import PersonalDataStore
from services.store.personal_data_keys import KeyRing
from services.store.personal_data_table import DataKeyShredder
from services.store.personal_texts import PersonalTexts

if TYPE_CHECKING:
    from services.kafka.access_publisher import AccessLogPublisher
    from services.kafka.consumer import KafkaRunner
    from services.kafka.relay import Relay
    from services.workers.notifier import Notifier
    from services.workers.sop_clock import SopClock
from services.workers.follower import LogFollower


@dataclass
class Backbone:
    """Every part of a running backbone, built once and passed in."""

    settings: Settings
    database: Database
    clock: Clock
    app: CaseApplication
    service: CaseService
    pool: ConnectionPool
    rulebook: RuleBook
    calendar: WorkingCalendar
    projections: list[Projection]
    follower: LogFollower
    access_log: AccessLog
    personal_data: PersonalDataStore
    chain_hasher: ChainHasher

    @property
    def kafka(self) -> KafkaSettings:
        """The Kafka settings; a clear error when the full mode is not configured."""
        return require_kafka(self.settings.kafka)

    def relay(self) -> Relay:
        """The relay from the notification log to the case-events topic."""
        # The full mode's parts load kafka-python: imported only when built,
        # so that a command of the embedded mode starts without it.
        from services.kafka.relay import Relay  # noqa: PLC0415
        from services.kafka.topics import ensure_topics  # noqa: PLC0415

        ensure_topics(self.kafka)
        return Relay(
            self.app,
            self.pool,
            self.kafka,
            batch_size=self.settings.relay_batch_size,
            interval=self.settings.follow_interval,
        )

    def access_publisher(self) -> AccessLogPublisher:
        """The access log's publisher to its topic, run beside the relay:
        not in the API's process, where its batches would hold the
        interpreter while a read waits."""
        from services.kafka.access_publisher import (  # noqa: PLC0415  (see relay)
            AccessLogPublisher,
        )
        from services.kafka.topics import ensure_topics  # noqa: PLC0415

        ensure_topics(self.kafka)
        return AccessLogPublisher(
            self.pool, self.kafka, interval=max(self.settings.follow_interval, 0.5)
        )

    def sop_clock(self, *, embedded: bool | None = None) -> SopClock:
        """The SOP clock, ticking at most every ``VATRA_SOP_CLOCK_INTERVAL``.

        Embedded (the default without Kafka) it brings the read models up to
        date from the event store before deciding; in the full mode the
        projector feeds them and the clock only reads them.
        """
        # Only the workers' commands need it (see relay).
        from services.workers.sop_clock import SopClock  # noqa: PLC0415

        if embedded is None:
            embedded = self.settings.kafka is None
        return SopClock(
            self.service,
            self.pool,
            self.clock,
            self.rulebook,
            self.calendar,
            interval=self.settings.sop_clock_interval,
            catch_up=self.follower.catch_up if embedded else None,
        )

    def notifier(self) -> Notifier:
        """The alert intake and dispatcher (handlers/) on a pool of their own.

        Validates the directory and the templates first; the caller closes it.
        """
        # Only the alerting commands need the notifier's parts (channels,
        # templates, the dispatcher): built in their own module, loaded here.
        from services.config.alerting import build_notifier  # noqa: PLC0415

        if self.settings.notify is None:
            raise SettingsError("the notifier's settings were not loaded")
        return build_notifier(self, self.settings.notify)

    def projector(self) -> KafkaRunner:
        """The read-model projections on their Kafka consumer group."""
        from services.kafka.consumer import KafkaRunner  # noqa: PLC0415  (see relay)
        from services.kafka.topics import ensure_topics  # noqa: PLC0415

        ensure_topics(self.kafka)
        return KafkaRunner(
            self.pool,
            self.projections,
            self.kafka,
            group=self.kafka.projector_group,
            max_records=self.settings.batch_size,
        )


def load_sop(settings: Settings) -> tuple[RuleBook, WorkingCalendar]:
    """The rule book and the working-day calendar from ``VATRA_SOP_DIR``."""
    return (
        load_rulebook(settings.sop_dir),
        load_calendar(settings.sop_dir / "calendar.toml"),
    )


@contextlib.contextmanager
def open_backbone(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
    warn_without_keys: bool = True,
) -> Iterator[Backbone]:
    """Build the backbone; with ``database`` given, use it instead of the
    settings'. ``warn_without_keys`` off: the caller says itself what keys it
    runs without (``production.check_keys``)."""
    settings = settings or load_settings()
    configure_logging(
        settings.log_level, settings.log_format, secrets=secret_values(settings)
    )
    check_keys(settings, warn=warn_without_keys)
    rulebook, calendar = load_sop(settings)
    clock = clock or SystemClock()
    with contextlib.ExitStack() as stack:
        if database is None:
            database = stack.enter_context(database_for(settings.database))
        privacy = settings.privacy
        chain_key = privacy.chain_key.get_secret_value()
        app = CaseApplication(
            env=database.eventsourcing_env(
                cipher_key=privacy.event_cipher_key.get_secret_value(),
                chain_key=chain_key,
            )
        )
        stack.callback(app.close)
        pool = database.pool("vatra-read-models")
        stack.callback(pool.close)
        projections: list[Projection] = [
            TimelineProjection(),
            ObligationsProjection(rulebook, calendar),
            CaseListProjection(),
            StatisticsProjection(),
            # Not a read model: a handler that carries out every recorded
            # PersonalDataErased (crypto-shredding), fed the same way.
            KeyDestruction(DataKeyShredder()),
        ]
        follower = LogFollower(
            app,
            pool,
            projections,
            batch_size=settings.batch_size,
            interval=settings.follow_interval,
        )
        follower.create_tables()
        access_log = AccessLog(pool, clock)
        access_log.create_table()
        key_ring = _key_ring(privacy)
        personal_data = PersonalDataStore(pool, access_log, clock, key_ring)
        personal_data.create_table()
        service = CaseService(
            app,
            clock,
            people=StoredAttributes(personal_data),
            # Without a key, typed text stays in the events (demo only:
            # production mode refuses to start without one).
            texts=PersonalTexts(personal_data) if key_ring else None,
        )
        service.known_ids = known_ids(pool, settings.notify)
        yield Backbone(
            settings=settings,
            database=database,
            clock=clock,
            app=app,
            service=service,
            pool=pool,
            rulebook=rulebook,
            calendar=calendar,
            projections=projections,
            follower=follower,
            access_log=access_log,
            personal_data=personal_data,
            chain_hasher=ChainHasher(chain_key or None),
        )


def _key_ring(privacy: PrivacySettings) -> KeyRing | None:
    """The personal-data master keys; none set: the store refuses to work."""
    key = privacy.personal_data_key.get_secret_value()
    if not key:
        return None
    previous = [k.get_secret_value() for k in privacy.personal_data_previous_keys]
    return KeyRing(key, previous)
