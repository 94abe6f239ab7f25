"""``vatra dlq list|show|retry``: the events a projection or handler set aside.

In the embedded mode (no ``KAFKA_BOOTSTRAP_SERVERS``) the dead letters are the
rows of ``vatra_dead_letters``; in the full mode they are the messages of the
dead-letter topic. ``retry`` applies the event again to the projection (or
consumer group) that failed it, once a fix is deployed: in the embedded mode a
success deletes the row; a topic cannot forget a message, so a retried one is
recorded in ``vatra_dead_letters_retried`` and no longer listed. Nothing shown
carries personal data: the event is named by case, version and type, never by
its payload.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from kafka import KafkaConsumer, TopicPartition

from domain.events import CaseEvent, payload_of
from projections.feed import Delivered, Projection
from schemas.codec import CodecError
from schemas.mapping import decode_event, to_domain_event
from services.app.errors import ServiceError
from services.config.bootstrap import Backbone
from services.render import table
from services.store import dead_letters
from services.store.outages import is_database_outage

LIST_LIMIT = 1000


class DeadLetterNotFound(ServiceError):
    """No dead letter has that id (or it was retried already)."""


@contextlib.contextmanager
def _handlers(backbone: Backbone) -> Iterator[dict[str, list[Projection]]]:
    """What can take an event again: each read model by name, and in the full
    mode each consumer group's projections by group; the alert intake too when
    alerts are configured."""
    found: dict[str, list[Projection]] = {p.name: [p] for p in backbone.projections}
    kafka = backbone.settings.kafka
    if kafka is not None:
        found[kafka.projector_group] = list(backbone.projections)
    notify = backbone.settings.notify
    with contextlib.ExitStack() as stack:
        if notify is not None and notify.enabled:
            notifier = stack.enter_context(contextlib.closing(backbone.notifier()))
            found[notifier.intake.name] = [notifier.intake]
            found[notify.kafka_group] = [notifier.intake]
        yield found


# -- the embedded mode: vatra_dead_letters -------------------------------------


def _list_table(backbone: Backbone) -> list[tuple[Any, ...]]:
    with backbone.pool.connection() as conn:
        rows = dead_letters.listed(conn, LIST_LIMIT)
    return [
        (
            row["id"],
            row["projection"],
            row["case_id"],
            row["version"],
            row["event_type"],
            row["error_type"],
            row["failed_at"].isoformat(timespec="seconds"),
        )
        for row in rows
    ]


def _show_table(backbone: Backbone, dead_letter_id: str) -> dict[str, Any]:
    number = _number(dead_letter_id)
    with backbone.pool.connection() as conn, conn.cursor() as cur:
        row = dead_letters.one(cur, number)
    if row is None:
        raise DeadLetterNotFound(f"there is no dead letter {dead_letter_id}")
    return row


def _retry_table(backbone: Backbone, dead_letter_id: str) -> tuple[bool, str]:
    number = _number(dead_letter_id)
    with (
        _handlers(backbone) as handlers,
        backbone.pool.connection() as conn,
        conn.transaction(),
        conn.cursor() as cur,
    ):
        row = dead_letters.one(cur, number)
        if row is None:
            raise DeadLetterNotFound(f"there is no dead letter {dead_letter_id}")
        projections = handlers.get(row["projection"])
        if projections is None:
            raise ServiceError(
                f"dead letter {number} is for {row['projection']}, which this "
                "process does not run (alerts off?)"
            )
        # The follower's own lock: the retry does not race a batch.
        cur.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            (f"vatra-follower:{row['projection']}",),
        )
        notifications = backbone.app.recorder.select_notifications(
            start=row["notification_id"], limit=1
        )
        if not notifications or notifications[0].id != row["notification_id"]:
            raise ServiceError(f"event {row['notification_id']} is not in the store")
        notification = notifications[0]
        payload: dict[str, Any] | None = None
        try:
            with conn.transaction():
                event = backbone.app.mapper.to_domain_event(notification)
                if not isinstance(event, CaseEvent):
                    raise TypeError(f"not a case event: {type(event).__name__}")
                payload = payload_of(event)
                delivered = [Delivered(notification.id, event)]
                for projection in projections:
                    projection.apply(cur, delivered)
        except Exception as error:
            if is_database_outage(error):
                raise
            report = dead_letters.describe(error, payload)
            dead_letters.record(
                cur,
                dead_letters.FailedEvent(
                    row["projection"],
                    row["notification_id"],
                    row["case_id"],
                    row["version"],
                    row["event_type"],
                ),
                report,
            )
            return False, f"dead letter {number} failed again: {report.error_type}"
        dead_letters.remove(cur, number)
    return True, f"dead letter {number} applied to {row['projection']} and removed"


def _number(dead_letter_id: str) -> int:
    if not dead_letter_id.isdigit() or len(dead_letter_id) > 18:
        raise DeadLetterNotFound(f"there is no dead letter {dead_letter_id!r}")
    return int(dead_letter_id)


# -- the full mode: the dead-letter topic --------------------------------------


@dataclass(frozen=True)
class TopicLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def id(self) -> str:
        return f"{self.partition}:{self.offset}"


def _read_topic(backbone: Backbone) -> list[TopicLetter]:
    """Every message of the dead-letter topic, up to its end now."""
    kafka = backbone.kafka
    consumer = KafkaConsumer(
        **kafka.client_options(),
        client_id=f"{kafka.client_id}-dlq",
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
    )
    try:
        partitions = consumer.partitions_for_topic(kafka.dead_letter_topic) or set()
        assigned = [TopicPartition(kafka.dead_letter_topic, p) for p in partitions]
        if not assigned:
            return []
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        letters: list[TopicLetter] = []
        while any(consumer.position(tp) < ends[tp] for tp in assigned):
            polled = consumer.poll(timeout_ms=1000)
            if not polled:
                break
            for records in polled.values():
                for r in records:
                    if r.offset < ends[TopicPartition(r.topic, r.partition)]:
                        letters.append(_letter(r))
        with backbone.pool.connection() as conn:
            dead_letters.create(conn)
            retried = dead_letters.retried_offsets(conn, kafka.dead_letter_topic)
        return [
            letter
            for letter in sorted(letters, key=lambda x: (x.partition, x.offset))
            if (letter.partition, letter.offset) not in retried
        ]
    finally:
        consumer.close()


def _letter(record: Any) -> TopicLetter:
    headers = {
        name: value.decode("utf-8", "replace") for name, value in record.headers or []
    }
    return TopicLetter(
        record.partition, record.offset, record.key, record.value, headers
    )


def _list_topic(backbone: Backbone) -> list[tuple[Any, ...]]:
    return [
        (
            letter.id,
            letter.headers.get("consumer_group", "?"),
            (letter.key or b"").decode("utf-8", "replace") or "?",
            "?",
            letter.headers.get("type", "?"),
            letter.headers.get("error_type", "?"),
            letter.headers.get("failed_at", "?"),
        )
        for letter in _read_topic(backbone)[:LIST_LIMIT]
    ]


def _find(backbone: Backbone, dead_letter_id: str) -> TopicLetter:
    for letter in _read_topic(backbone):
        if letter.id == dead_letter_id:
            return letter
    raise DeadLetterNotFound(f"there is no dead letter {dead_letter_id!r}")


def _show_topic(backbone: Backbone, dead_letter_id: str) -> dict[str, Any]:
    letter = _find(backbone, dead_letter_id)
    return {
        "id": letter.id,
        "case_id": (letter.key or b"").decode("utf-8", "replace"),
        **letter.headers,
    }


def _retry_topic(backbone: Backbone, dead_letter_id: str) -> tuple[bool, str]:
    letter = _find(backbone, dead_letter_id)
    group = letter.headers.get("consumer_group", "")
    topic = backbone.kafka.dead_letter_topic
    with _handlers(backbone) as handlers:
        projections = handlers.get(group)
        if projections is None:
            raise ServiceError(
                f"dead letter {letter.id} is for consumer group {group!r}, which "
                "this process does not know (alerts off?)"
            )
        try:
            decoded = decode_event(letter.value)
            delivered = [Delivered(decoded.position, to_domain_event(decoded))]
        except CodecError as error:
            return False, f"dead letter {letter.id} still cannot be decoded: {error}"
        with (
            backbone.pool.connection() as conn,
            conn.transaction(),
            conn.cursor() as cur,
        ):
            try:
                with conn.transaction():
                    for projection in projections:
                        projection.apply(cur, delivered)
            except Exception as error:
                if is_database_outage(error):
                    raise
                report = dead_letters.describe(error, delivered[0].payload)
                return False, (
                    f"dead letter {letter.id} failed again: {report.error_type}"
                )
            dead_letters.mark_retried(cur, topic, letter.partition, letter.offset)
    return True, f"dead letter {letter.id} applied to {group} and marked as retried"


# -- the command ----------------------------------------------------------------

HEADERS = ["id", "projection", "case", "version", "event type", "error", "failed at"]


def dlq_command(
    backbone: Backbone,
    action: str,
    dead_letter_id: str | None = None,
    *,
    out: TextIO | None = None,
) -> int:
    """List, show or retry dead letters; exit 1 when a retry failed again."""
    out = out or sys.stdout
    full = backbone.settings.kafka is not None
    if action == "list":
        rows = _list_topic(backbone) if full else _list_table(backbone)
        print(table(HEADERS, rows) if rows else "no dead letters", file=out)
        return 0
    if dead_letter_id is None:
        raise ServiceError(f"dlq {action} needs the id of a dead letter")
    if action == "show":
        shown = (
            _show_topic(backbone, dead_letter_id)
            if full
            else _show_table(backbone, dead_letter_id)
        )
        for name, value in shown.items():
            print(f"{name}: {value}", file=out)
        return 0
    applied, outcome = (
        _retry_topic(backbone, dead_letter_id)
        if full
        else _retry_table(backbone, dead_letter_id)
    )
    print(outcome, file=out)
    return 0 if applied else 1


def dead_letter_notice(backbone: Backbone) -> str | None:
    """A line for commands that catch up (embedded): how many events are set
    aside, or None when there are none."""
    with backbone.pool.connection() as conn:
        dead_letters.create(conn)
        waiting = dead_letters.count(conn)
    if not waiting:
        return None
    return (
        f"{waiting} event(s) could not be applied and are set aside as dead "
        "letters: see `vatra dlq list`"
    )
