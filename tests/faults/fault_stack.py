"""A whole backbone in the full mode, run as real processes, and what to check after.

``FaultStack`` holds the test's own view of the backbone (to record the load
and to read the store), the ``vatra`` worker processes (relay, projector,
notifier, SOP clock), the SMTP sink the alerts reach, and a *reference*: the
read models and the alert ledger rebuilt from scratch from the event store
into a second database by a ``LogFollower``. After the faults, the stack
waits until every component has caught up, then compares what the system
did with what the events say it should have done.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from domain.clock import SystemClock
from domain.events import (
    AuthorityNotified,
    CaseEvent,
    DeadlineBreached,
    DeadlineWarning,
    NotificationFailed,
)
from domain.facts import fact_of
from domain.sop import due_actions, obligations_of
from handlers import ledger
from handlers.directory import load_directory
from handlers.intake import NotificationIntake
from projections.obligations import ObligationsProjection, due_for_clock
from projections.timeline import TimelineProjection
from services.audit.rebuild import checksums
from services.config.bootstrap import Backbone
from services.store.database import Database
from services.workers.follower import LogFollower
from tests.e2e.alerts.servers import SmtpSink
from tests.faults.fault_processes import VatraProcess, Workers, sleep_watching
from tests.integration.kafka_helpers import decoded, read_topic, subprocess_env

READ_MODEL_TABLES = ("case_timeline", "sop_case_facts", "sop_obligations")
LEDGER_FIELDS = (
    "recipient",
    "channel",
    "role",
    "template",
    "case_id",
    "case_version",
    "event_type",
    "context",
)
MESSAGE_ID_DOMAIN = "vatra.example.org"

# The worker processes of the full mode, by the name the tests use.
COMMANDS: dict[str, tuple[str, ...]] = {
    "relay": ("relay",),
    "projector": ("project",),
    "notifier": ("notify",),
    "sop-clock": ("sop-clock",),
}


class Reference:
    """Read models and alert intents rebuilt from scratch in a second database."""

    def __init__(self, backbone: Backbone, database: Database, directory: Path) -> None:
        self.pool = database.pool("fault-reference")
        intake = NotificationIntake(
            load_directory(directory),
            backbone.rulebook,
            SystemClock(),
            calendar=backbone.calendar,
        )
        self.follower = LogFollower(
            backbone.app,
            self.pool,
            [
                TimelineProjection(),
                ObligationsProjection(backbone.rulebook, backbone.calendar),
                intake,
            ],
        )
        self.follower.create_tables()

    def catch_up(self) -> None:
        self.follower.catch_up()

    def close(self) -> None:
        self.pool.close()


@dataclass
class Outcome:
    """What the system did, measured against what the events say."""

    events: int = 0
    kafka_lost: int = 0
    kafka_duplicates: int = 0
    kafka_unknown: int = 0
    read_models_differing: list[str] = field(default_factory=list)
    alerts_expected: int = 0
    alerts_missing: int = 0
    alerts_unexpected: int = 0
    alerts_mismatched: int = 0
    mails: int = 0
    message_ids_unexpected: int = 0
    mails_missing: int = 0
    resends: int = 0
    authority_notified_duplicated: int = 0
    authority_notified_missing: int = 0
    alerts_failed: int = 0
    breaches: int = 0
    warnings: int = 0
    deadline_events_duplicated: int = 0
    clock_left: int = 0

    @property
    def lost(self) -> int:
        return self.kafka_lost + len(self.read_models_differing)

    @property
    def duplicates(self) -> int:
        return self.kafka_duplicates + self.deadline_events_duplicated

    @property
    def alerts_duplicated(self) -> int:
        return (
            self.alerts_unexpected
            + self.message_ids_unexpected
            + self.authority_notified_duplicated
        )

    @property
    def alerts_lost(self) -> int:
        return (
            self.alerts_missing
            + self.mails_missing
            + self.authority_notified_missing
            + self.alerts_failed
        )

    def notes(self, extra: Iterable[str] = ()) -> str:
        parts = [
            f"{self.alerts_expected} alerts, {self.mails} SMTP deliveries "
            f"({self.resends} resent with the same Message-ID)",
            f"{self.breaches} breaches and {self.warnings} warnings, "
            f"{self.deadline_events_duplicated} twice",
            *extra,
        ]
        return "; ".join(parts)

    def assert_nothing_lost_or_duplicated(self, *, notifier_kills: int) -> None:
        assert self.kafka_lost == 0, f"{self.kafka_lost} events never reached Kafka"
        assert self.kafka_duplicates == 0, f"{self.kafka_duplicates} sent twice"
        assert self.kafka_unknown == 0, "Kafka holds events the store does not"
        assert self.read_models_differing == [], (
            f"read models differ from a rebuild: {self.read_models_differing}"
        )
        assert self.alerts_missing == 0, f"{self.alerts_missing} alerts not delivered"
        assert self.alerts_unexpected == 0, "the ledger holds intents nobody expects"
        assert self.alerts_mismatched == 0, "ledger intents differ from a rebuild"
        assert self.mails_missing == 0, f"{self.mails_missing} e-mails never arrived"
        assert self.message_ids_unexpected == 0, "an alert was sent under a new id"
        assert self.alerts_failed == 0, "an alert was dead-lettered"
        assert self.authority_notified_duplicated == 0, "an outcome recorded twice"
        assert self.authority_notified_missing == 0, "an outcome never recorded"
        assert self.deadline_events_duplicated == 0, "a deadline event recorded twice"
        assert self.clock_left == 0, f"{self.clock_left} deadline events never recorded"
        # The documented send-to-mark window: at most one message per notifier
        # crash was accepted by the server but not yet marked delivered.
        assert self.resends <= notifier_kills, (
            f"{self.resends} resends for {notifier_kills} notifier kills"
        )


class FaultStack:
    """The test's backbone, the worker processes, the SMTP sink, the reference."""

    def __init__(
        self,
        *,
        backbone: Backbone,
        database: Database,
        reference_database: Database,
        env: dict[str, str],
        sink: SmtpSink,
        directory: Path,
        log_dir: Path,
    ) -> None:
        self.backbone = backbone
        self.database = database
        self.env = env
        self.sink = sink
        self.log_dir = log_dir
        self.reference = Reference(backbone, reference_database, directory)
        kafka = backbone.kafka
        self.servers = kafka.bootstrap_servers
        self.topic = kafka.events_topic
        self.process_env = subprocess_env(env, database)
        with backbone.pool.connection() as conn:
            ledger.create(conn)  # the notifier makes it too; the checks read it

    def workers(self, names: Iterable[str] = tuple(COMMANDS)) -> Workers:
        return Workers(
            VatraProcess(
                name, COMMANDS[name], self.process_env, self.log_dir / f"{name}.log"
            )
            for name in names
        )

    def close(self) -> None:
        self.reference.close()

    # -- progress ------------------------------------------------------------------

    def stored_count(self) -> int:
        table = self.backbone.app.recorder.events_table_name  # type: ignore[attr-defined]
        with self.backbone.pool.connection() as conn:
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0

    def _scalar(self, pool: ConnectionPool, query: str, *args: Any) -> int:
        with pool.connection() as conn:
            row = conn.execute(query, args).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def lagging(self) -> list[str]:
        """What has not caught up yet (empty when everything has)."""
        pool = self.backbone.pool
        stored = self.stored_count()
        head = self.backbone.app.recorder.max_notification_id() or 0
        waiting: list[str] = []
        relayed = self._scalar(
            pool,
            "SELECT position FROM vatra_positions WHERE consumer = %s",
            f"relay:{self.topic}",
        )
        if relayed < head:
            waiting.append(f"relay at {relayed} of {head}")
        projected = self._scalar(pool, "SELECT count(*) FROM case_timeline")
        if projected < stored:
            waiting.append(f"projector at {projected} of {stored}")
        self.reference.catch_up()
        with self.reference.pool.connection() as conn:
            due = due_for_clock(conn, datetime.now(UTC))
            expected = {
                row[0]
                for row in conn.execute(
                    "SELECT delivery_id FROM notification_deliveries"
                ).fetchall()
            }
        if due:
            waiting.append(f"SOP clock: {len(due)} deadline events due")
        with pool.connection() as conn:
            done = {
                row[0]
                for row in conn.execute(
                    """
                    SELECT delivery_id FROM notification_deliveries
                    WHERE status = 'delivered'
                      AND (outcome IS NULL OR outcome_recorded_at IS NOT NULL)
                    """
                ).fetchall()
            }
        if expected - done:
            waiting.append(f"notifier: {len(expected - done)} alerts to go")
        if self.stored_count() != stored:
            waiting.append("events still being recorded")
        return waiting

    def head(self) -> int:
        """The newest notification id: everything recorded so far."""
        return self.backbone.app.recorder.max_notification_id() or 0

    def caught_up_to(self, head: int) -> bool:
        """Have the relay and the projector handled every event up to ``head``?"""
        table = self.backbone.app.recorder.events_table_name  # type: ignore[attr-defined]
        pool = self.backbone.pool
        relayed = self._scalar(
            pool,
            "SELECT position FROM vatra_positions WHERE consumer = %s",
            f"relay:{self.topic}",
        )
        stored = self._scalar(
            pool, f"SELECT count(*) FROM {table} WHERE notification_id <= %s", head
        )
        projected = self._scalar(
            pool, "SELECT count(*) FROM case_timeline WHERE position <= %s", head
        )
        return relayed >= head and projected >= stored

    def wait_resumed(
        self, workers: Workers, head: int, timeout: float = 180.0
    ) -> float:
        """Wait until everything recorded up to ``head`` went through the relay
        and the projector (new work may be arriving); return the seconds."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            workers.watch()
            if self.caught_up_to(head):
                return time.monotonic() - started
            sleep_watching(workers, 0.2)
        tails = "\n".join(f"--- {p.name}\n{p.log_tail(15)}" for p in workers)
        raise AssertionError(
            f"nothing up to {head} got through in {timeout:.0f} s\n{tails}"
        )

    def wait_until_settled(self, workers: Workers, timeout: float = 180.0) -> float:
        """Wait until everything has caught up twice in a row; return the seconds."""
        started = time.monotonic()
        streak = 0
        waiting: list[str] = []
        while time.monotonic() - started < timeout:
            workers.watch()
            for process in workers:
                # A worker that cannot start at all will not catch up: say why.
                assert len(process.unexpected_exits) < 3, process.log_tail()
            waiting = self.lagging()
            streak = streak + 1 if not waiting else 0
            if streak == 2:
                return time.monotonic() - started
            sleep_watching(workers, 0.5)
        tails = "\n".join(f"--- {p.name}\n{p.log_tail(15)}" for p in workers)
        raise AssertionError(f"not settled after {timeout:.0f} s: {waiting}\n{tails}")

    # -- the verdict -----------------------------------------------------------------

    def outcome(self) -> Outcome:
        """Compare Kafka, read models, ledger, mail and case records with the events."""
        outcome = Outcome()
        events = self._all_events()
        stored = [(str(e.originator_id), e.originator_version) for e in events]
        outcome.events = len(stored)
        self._check_kafka(outcome, stored)
        self._check_read_models(outcome)
        self._check_alerts(outcome, events)
        self._check_deadlines(outcome, events)
        return outcome

    def _all_events(self) -> list[CaseEvent]:
        app = self.backbone.app
        found: list[CaseEvent] = []
        start = 1
        while True:
            page = app.recorder.select_notifications(start=start, limit=1000)
            for notification in page:
                event = app.mapper.to_domain_event(notification)
                assert isinstance(event, CaseEvent)
                found.append(event)
            if len(page) < 1000:
                return found
            start = page[-1].id + 1

    def _check_kafka(self, outcome: Outcome, stored: list[tuple[str, int]]) -> None:
        records = read_topic(self.servers, self.topic, len(stored), timeout=90)
        keys = [(str(e.case_id), e.aggregate_version) for _p, e in decoded(records)]
        outcome.kafka_lost = len(set(stored) - set(keys))
        outcome.kafka_duplicates = len(keys) - len(set(keys))
        outcome.kafka_unknown = len(set(keys) - set(stored))

    def _check_read_models(self, outcome: Outcome) -> None:
        self.reference.catch_up()
        with self.backbone.pool.connection() as conn:
            built = checksums(conn, READ_MODEL_TABLES)
        with self.reference.pool.connection() as conn:
            rebuilt = checksums(conn, READ_MODEL_TABLES)
        outcome.read_models_differing = [
            a.table for a, b in zip(built, rebuilt, strict=True) if a != b
        ]

    def _check_alerts(self, outcome: Outcome, events: list[CaseEvent]) -> None:
        actual = _ledger(self.backbone.pool)
        expected = _ledger(self.reference.pool)
        outcome.alerts_expected = len(expected)
        delivered = {k for k, row in actual.items() if row["status"] == "delivered"}
        outcome.alerts_missing = len(set(expected) - delivered)
        outcome.alerts_unexpected = len(set(actual) - set(expected))
        outcome.alerts_mismatched = sum(
            1
            for key in set(actual) & set(expected)
            if any(actual[key][f] != expected[key][f] for f in LEDGER_FIELDS)
        )
        outcome.alerts_failed = sum(
            1 for row in actual.values() if row["status"] == "failed"
        )
        emails = {
            f"<{key}@{MESSAGE_ID_DOMAIN}>"
            for key, row in actual.items()
            if row["channel"] == "email" and row["status"] == "delivered"
        }
        with self.sink.lock:
            received = list(self.sink.received)
        by_id = Counter(mail.message_id for mail in received)
        outcome.mails = len(received)
        outcome.resends = len(received) - len(by_id)
        outcome.message_ids_unexpected = len(set(by_id) - emails)
        outcome.mails_missing = len(emails - set(by_id))
        recorded = [
            e.correlation_id
            for e in events
            if isinstance(e, AuthorityNotified | NotificationFailed)
        ]
        outcome.authority_notified_duplicated = len(recorded) - len(set(recorded))
        notified = {
            str(key) for key, row in actual.items() if row["outcome"] == "notified"
        }
        outcome.authority_notified_missing = len(notified - set(recorded))

    def _check_deadlines(self, outcome: Outcome, events: list[CaseEvent]) -> None:
        by_case: dict[Any, list[CaseEvent]] = defaultdict(list)
        for event in events:
            by_case[event.originator_id].append(event)
        marks: Counter[tuple[str, Any, str, datetime]] = Counter()
        now = datetime.now(UTC)
        backbone = self.backbone
        for case_id, case_events in by_case.items():
            case_events.sort(key=lambda e: e.originator_version)
            for e in case_events:
                if isinstance(e, DeadlineWarning | DeadlineBreached):
                    marks[(type(e).__name__, case_id, e.obligation_id, e.due_at)] += 1
            obligations = obligations_of(
                [fact_of(e) for e in case_events], backbone.rulebook, backbone.calendar
            )
            outcome.clock_left += len(due_actions(obligations, now))
        outcome.breaches = sum(
            n for key, n in marks.items() if key[0] == "DeadlineBreached"
        )
        outcome.warnings = sum(
            n for key, n in marks.items() if key[0] == "DeadlineWarning"
        )
        outcome.deadline_events_duplicated = sum(n - 1 for n in marks.values())


def _ledger(pool: ConnectionPool) -> dict[Any, dict[str, Any]]:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute("SELECT * FROM notification_deliveries").fetchall()
    return {row["delivery_id"]: row for row in rows}
