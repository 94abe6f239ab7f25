"""The dispatcher: sends what the ledger holds, retries, dead-letters, records.

Alerts go out on ``senders`` lanes, each a thread that claims one due pending
row at a time (``FOR UPDATE SKIP LOCKED`` plus a short lease), the most urgent
first (police, Child Protection Unit, Responsible Authority, then the rest),
renders it, sends it with the row's delivery id (SMTP Message-ID, webhook
Idempotency-Key) and marks it in its own transaction. Nothing is claimed
before its send starts, and the claims of alerts being sent are renewed every
third of the lease: a notifier killed mid-send holds only the alerts it was
sending, and only until their lease runs out. The first ``urgent_senders``
lanes take only police alerts, so a slow channel or a stalled receiver of
another alert never holds one back (the other lanes take police alerts first
too; a police alert waits only when every lane is sending one). A failed send is
retried with exponential backoff and jitter; after the last attempt the row
is dead-lettered. The housekeeping renews the leases and records finished
alerts' outcomes on their cases (``AuthorityNotified``, ``NotificationFailed``).
On a clean stop, unsent claims are released.

The dispatcher offers these as steps (``send_next`` for a lane,
``keep_up`` for the housekeeping, ``release_claims``, ``wake``,
``interrupt``); the notifier's worker (``services.workers.notifier``) runs
them, each lane and the housekeeping on the supervised loop every worker
shares.

The guarantee: at least once, with a stable id. A crash after the receiver
accepted a message and before its row was marked delivered resends it with
the same id, so a receiver that deduplicates on that id sees it once.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from uuid import UUID

import structlog
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from handlers import ledger_claims
from handlers.channels.base import Channel, DeliveryError
from handlers.directory import Directory
from handlers.dispatch_settings import DispatchSettings
from handlers.ledger import Delivery
from handlers.messages import MessageRenderer, TemplateError
from handlers.metrics import ALERT_LATENCY, ALERTS
from handlers.outcomes import CaseOutcomes, latency
from handlers.policy import AUTHORITY_ROLES
from handlers.ports import CaseChanged

log = structlog.get_logger("vatra.notify")


# Claimed first, in this order: the police, then Child Protection Units, then the
# Responsible Authority; everyone else after them.
PRIORITY_ROLES = ("police", "child_protection_unit", "responsible_authority")
# The lanes reserved for these: no other alert's send ever occupies them.
URGENT_ROLES = ("police",)


def backoff(attempt: int, settings: DispatchSettings, rng: random.Random) -> float:
    """Seconds before try ``attempt + 1``: exponential, capped, with jitter.

    "Equal jitter": half the exponential delay is kept, the other half drawn at
    random, so notifiers retrying after one outage do not all come back at once.
    """
    delay = min(settings.backoff_max, settings.backoff_base * 2.0 ** (attempt - 1))
    return delay / 2 + rng.uniform(0.0, delay / 2)


class Dispatcher:
    """Sends pending alerts, one step at a time, on ``settings.senders`` lanes."""

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
        self._outcomes_waiting = threading.Event()
        self._lane_wakes = [threading.Event() for _ in range(self.lanes)]
        self._next_renewal = 0.0  # monotonic; the first step renews at once
        self._in_flight: set[UUID] = set()
        self._in_flight_lock = threading.Lock()

    @property
    def lanes(self) -> int:
        """How many alerts are sent at once, each on its own lane."""
        return max(self.settings.senders, 1)

    @property
    def renewal_interval(self) -> float:
        """Seconds between two renewals of the claims being sent: a third of
        the lease, so a claim outlives two missed renewals."""
        return self.settings.lease / 3

    def send_next(self, lane: int) -> None:
        """One step of lane ``lane``: send the most urgent due alert it takes
        (police alerts only on the first ``urgent_senders`` lanes), or wait
        until ``wake()``, at most ``interval``.

        A step that fails leaves nothing lost: an unmarked row is claimed
        again once its lease runs out.
        """
        wake = self._lane_wakes[lane]
        wake.clear()
        roles = URGENT_ROLES if lane < self.settings.urgent_senders else None
        if not self.dispatch_next(roles=roles):
            wake.wait(self.settings.interval)

    def keep_up(self) -> None:
        """One step of the housekeeping: renew the claims of alerts being sent
        when a renewal is due, record finished alerts' outcomes on their cases,
        or wait until a send finishes (at most ``interval``)."""
        self._outcomes_waiting.clear()
        if time.monotonic() >= self._next_renewal:
            self.renew_claims()
            self._next_renewal = time.monotonic() + self.renewal_interval
        if self.record_outcomes() == 0:
            self._outcomes_waiting.wait(
                min(self.settings.interval, self.renewal_interval)
            )

    def wake(self) -> None:
        """New alerts may be due: look now rather than at the next interval."""
        for wake in self._lane_wakes:
            wake.set()

    def interrupt(self) -> None:
        """End every step's wait now (the worker is stopping)."""
        self._outcomes_waiting.set()
        self.wake()

    def release_claims(self) -> int:
        """Let go of this dispatcher's unsent claims (on a clean stop, once no
        lane sends): another notifier may take them at once."""
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            return ledger_claims.release(cur, worker=self.worker)

    def dispatch_once(self) -> int:
        """Send due alerts one after another, most urgent first, up to
        ``batch_size``; return how many were tried."""
        tried = 0
        while tried < self.settings.batch_size and self.dispatch_next():
            tried += 1
        return tried

    def dispatch_next(self, roles: Sequence[str] | None = None) -> bool:
        """Claim the most urgent due alert (of ``roles``, if given) and try it;
        ``False`` when none is due."""
        now = self.clock.now()
        until = now + timedelta(seconds=self.settings.lease)
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            claimed = ledger_claims.claim_due(
                cur, worker=self.worker, now=now, until=until, limit=1, roles=roles
            )
        if not claimed:
            return False
        delivery = claimed[0]
        with self._in_flight_lock:
            self._in_flight.add(delivery.delivery_id)
        try:
            self._deliver(delivery)
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(delivery.delivery_id)
        self._outcomes_waiting.set()  # the housekeeping records its outcome
        return True

    def renew_claims(self) -> None:
        """Renew the claims of the alerts being sent: a send may outlast a
        lease, a dead notifier's claims run out within one."""
        with self._in_flight_lock:
            sending = list(self._in_flight)
        if not sending:
            return
        until = self.clock.now() + timedelta(seconds=self.settings.lease)
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            ledger_claims.renew(cur, sending, worker=self.worker, until=until)

    def record_outcomes(self) -> int:
        """Write finished alerts' outcomes on their cases; return how many."""
        done = 0
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            # The rows stay locked while their events are written: no other
            # notifier records the same outcome meanwhile.
            for delivery in ledger_claims.claim_unrecorded(
                cur, limit=self.settings.batch_size
            ):
                try:
                    result = self.outcomes.record(delivery)
                except CaseChanged:
                    continue  # a busy case: the next round tries again
                if result == "refused":
                    ALERTS.labels(
                        delivery.channel, delivery.role, "outcome_refused"
                    ).inc()
                ledger_claims.mark_recorded(cur, delivery, at=self.clock.now())
                done += 1
        return done

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
            first = ledger_claims.mark_delivered(cur, delivery, at=at, outcome=outcome)
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
                ledger_claims.mark_failed(cur, delivery, error=reason, at=at)
                outcome = "failed"
            else:
                pause = backoff(attempt, self.settings, self.rng)
                next_at = at + timedelta(seconds=pause)
                ledger_claims.mark_retry(cur, delivery, error=reason, next_at=next_at)
                outcome = "retry"
        ALERTS.labels(delivery.channel, delivery.role, outcome).inc()
        if outcome == "failed":
            log.error("alert_failed", **fields)
        else:
            log.warning("alert_retry", **fields)
