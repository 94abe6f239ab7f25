"""The dispatcher: sends what the ledger holds, retries, dead-letters, records.

Each round claims up to ``batch_size`` due pending rows (``FOR UPDATE SKIP
LOCKED`` plus a lease, so several notifiers share the work and a crashed one's
rows are picked up when its lease runs out), then for each row: renew its
lease (a slow batch never outlives its claim), render, send with the row's
delivery id (SMTP Message-ID, webhook Idempotency-Key), and mark it delivered
in its own transaction. A failed send is retried with exponential backoff and
jitter; after the last attempt the row is dead-lettered. Then the outcomes
still to be written on cases are recorded (``AuthorityNotified``,
``NotificationFailed``). On a clean stop, unsent claims are released.

The guarantee: at least once, with a stable id. A crash after the receiver
accepted a message and before its row was marked delivered resends it with
the same id, so a receiver that deduplicates on that id sees it once.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from handlers import ledger
from handlers.channels.base import Channel, DeliveryError
from handlers.directory import Directory
from handlers.ledger import Delivery
from handlers.messages import MessageRenderer, TemplateError
from handlers.outcomes import CaseOutcomes, latency
from handlers.policy import AUTHORITY_ROLES
from services.errors import VersionConflict
from services.metrics import ALERT_LATENCY, ALERTS

log = structlog.get_logger("vatra.notify")


@dataclass(frozen=True)
class DispatchSettings:
    batch_size: int = 20
    interval: float = 0.5
    max_attempts: int = 6
    backoff_base: float = 5.0
    backoff_max: float = 900.0
    lease: float = 60.0
    # The longest one send may take (the channels' timeouts): a claimed row
    # whose lease still outlasts it is sent without renewing the lease first.
    send_timeout: float = 10.0


def backoff(attempt: int, settings: DispatchSettings, rng: random.Random) -> float:
    """Seconds before try ``attempt + 1``: exponential, capped, with jitter.

    "Equal jitter": half the exponential delay is kept, the other half drawn at
    random, so notifiers retrying after one outage do not all come back at once.
    """
    delay = min(settings.backoff_max, settings.backoff_base * 2.0 ** (attempt - 1))
    return delay / 2 + rng.uniform(0.0, delay / 2)


class Dispatcher:
    """Delivers pending alerts until ``stop()``."""

    def __init__(
        self,
        pool: ConnectionPool,
        directory: Directory,
        renderer: MessageRenderer,
        channels: Mapping[str, Channel],
        outcomes: CaseOutcomes,
        clock: Clock,
        settings: DispatchSettings,
        *,
        worker: str,
        rng: random.Random | None = None,
    ) -> None:
        self.pool = pool
        self.directory = directory
        self.renderer = renderer
        self.channels = dict(channels)
        self.outcomes = outcomes
        self.clock = clock
        self.settings = settings
        self.worker = worker
        self.rng = rng or random.Random()
        self._stop = threading.Event()
        self._work = threading.Event()

    def run(self) -> None:
        """Dispatch until ``stop()``; when there is nothing due, waits until
        ``wake()`` or ``interval``."""
        log.info("dispatcher_started", worker=self.worker)
        while not self._stop.is_set():
            self._work.clear()
            try:
                if self.dispatch_once() + self.record_outcomes() == 0:
                    self._work.wait(self.settings.interval)
            except Exception:
                # Nothing is lost: unmarked rows stay pending and are claimed again.
                log.exception("dispatcher_round_failed")
                self._stop.wait(max(self.settings.interval, 1.0))
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            released = ledger.release(cur, worker=self.worker)
        log.info("dispatcher_stopped", worker=self.worker, released=released)

    def stop(self) -> None:
        self._stop.set()
        self._work.set()

    def wake(self) -> None:
        """New alerts may be due: look now rather than at the next interval."""
        self._work.set()

    def dispatch_once(self) -> int:
        """Claim one batch of due alerts and try each; return how many were tried."""
        now = self.clock.now()
        until = now + timedelta(seconds=self.settings.lease)
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            claimed = ledger.claim_due(
                cur,
                worker=self.worker,
                now=now,
                until=until,
                limit=self.settings.batch_size,
            )
        for delivery in claimed:
            if self._stop.is_set():
                break  # the rest are released when the loop ends
            if self._still_held(until) or self._renew(delivery):
                self._deliver(delivery)
        return len(claimed)

    def _still_held(self, until: datetime) -> bool:
        """Does the claim's lease outlast a whole send started now (so renewing
        it first would cost a commit and change nothing)?"""
        margin = timedelta(seconds=self.settings.send_timeout + 1.0)
        return self.clock.now() + margin < until

    def record_outcomes(self) -> int:
        """Write finished alerts' outcomes on their cases; return how many."""
        done = 0
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            # The rows stay locked while their events are written: no other
            # notifier records the same outcome meanwhile.
            for delivery in ledger.claim_unrecorded(
                cur, limit=self.settings.batch_size
            ):
                try:
                    result = self.outcomes.record(delivery)
                except VersionConflict:
                    continue  # a busy case: the next round tries again
                if result == "refused":
                    ALERTS.labels(
                        delivery.channel, delivery.role, "outcome_refused"
                    ).inc()
                ledger.mark_recorded(cur, delivery, at=self.clock.now())
                done += 1
        return done

    def _renew(self, delivery: Delivery) -> bool:
        # A full lease for each send once the claim's is running short: a slow
        # batch never outlives its claim, so no other notifier takes a row
        # while this one is sending it.
        until = self.clock.now() + timedelta(seconds=self.settings.lease)
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            return ledger.renew(cur, delivery, worker=self.worker, until=until)

    def _deliver(self, delivery: Delivery) -> None:
        # Every log line about this alert names the request it came from.
        with structlog.contextvars.bound_contextvars(
            correlation_id=delivery.correlation_id
        ):
            self._deliver_once(delivery)

    def _deliver_once(self, delivery: Delivery) -> None:
        try:
            self._send(delivery)
        except DeliveryError as error:
            self._failed(delivery, error.reason)
        except TemplateError as error:
            self._failed(delivery, f"template: {error}")
        except Exception as error:
            # A bug in a channel is retried, then dead-lettered: never skipped.
            log.exception("alert_send_crashed", delivery_id=str(delivery.delivery_id))
            self._failed(delivery, f"internal error: {type(error).__name__}")
            return
        else:
            self._delivered(delivery)

    def _send(self, delivery: Delivery) -> None:
        contact = self.directory.contact(delivery.recipient)
        if contact is None:
            raise DeliveryError(f"contact {delivery.recipient} is not in the directory")
        if contact.channel != delivery.channel:
            raise DeliveryError(
                f"contact {delivery.recipient} now uses {contact.channel}, "
                f"not {delivery.channel}"
            )
        channel = self.channels.get(delivery.channel)
        if channel is None:
            raise DeliveryError(f"channel {delivery.channel} is not configured")
        message = self.renderer.render(delivery, contact)
        channel.send(message, contact.address)

    def _delivered(self, delivery: Delivery) -> None:
        at = self.clock.now()
        outcome = "notified" if delivery.role in AUTHORITY_ROLES else None
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            first = ledger.mark_delivered(cur, delivery, at=at, outcome=outcome)
        if not first:
            return  # another notifier's lease ran out on it and it marked it
        ALERTS.labels(delivery.channel, delivery.role, "delivered").inc()
        ALERT_LATENCY.labels(delivery.role, delivery.channel).observe(
            latency(delivery, at)
        )
        log.info(
            "alert_delivered",
            delivery_id=str(delivery.delivery_id),
            case_id=str(delivery.case_id),
            event_type=delivery.event_type,
            role=delivery.role,
            channel=delivery.channel,
            recipient=delivery.recipient,
            attempt=delivery.attempts + 1,
        )

    def _failed(self, delivery: Delivery, reason: str) -> None:
        attempt = delivery.attempts + 1
        at = self.clock.now()
        fields = {
            "delivery_id": str(delivery.delivery_id),
            "case_id": str(delivery.case_id),
            "role": delivery.role,
            "channel": delivery.channel,
            "recipient": delivery.recipient,
            "attempt": attempt,
            "reason": reason,
        }
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            if attempt >= self.settings.max_attempts:
                ledger.mark_failed(cur, delivery, error=reason, at=at)
                outcome = "failed"
            else:
                pause = backoff(attempt, self.settings, self.rng)
                next_at = at + timedelta(seconds=pause)
                ledger.mark_retry(cur, delivery, error=reason, next_at=next_at)
                outcome = "retry"
        ALERTS.labels(delivery.channel, delivery.role, outcome).inc()
        if outcome == "failed":
            log.error("alert_failed", **fields)
        else:
            log.warning("alert_retry", **fields)
