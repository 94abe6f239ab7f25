"""The SOP clock: records deadline warnings and breaches on cases, each once.

At each tick the clock asks the SOP read model which obligations have a
warning or a breach due (the index on ``sop_obligations.next_action_at``),
then settles each such case against the event store, not the read model: it
loads the case's events, judges its obligations with the same pure rule model
the projection uses (``domain.sop``), and records what is due through the
application service at the version it just read (``DeadlineWarning`` at the
warning point, ``DeadlineBreached`` at the deadline; see
``domain.sop.deadlines`` for the ``occurred_at`` each carries).

Exactly once per obligation deadline, whatever runs beside it:

- the decision is made from the case's own events, so a read model that lags
  (the clock's own events have not flowed back yet, or the Kafka projector is
  behind) can make the clock look again, never record twice;
- two clocks deciding at once both write at the version they read: the store
  takes one, the other gets a ``VersionConflict``, reloads, and finds nothing
  left to do;
- the aggregate refuses a second event for the same deadline
  (``DuplicateDeadlineEvent``), the last line if anything above is wrong.

How late can a breach be seen? The clock sleeps until the next action the
read model knows of, but never longer than ``interval`` seconds; in embedded
mode it first brings the read model up to date (``catch_up``), so it sees new
obligations at the latest one interval after they were recorded.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

import structlog
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from domain.commands import BreachDeadline, WarnDeadline
from domain.errors import DomainError, DuplicateDeadlineEvent
from domain.sop import (
    DeadlineAction,
    RuleBook,
    WorkingCalendar,
    due_actions,
    obligations_of,
)
from projections.compliance import STATUSES, compliance_by
from projections.obligations import due_for_clock, next_action_after
from services.app.errors import ServiceError, VersionConflict
from services.app.service import CaseService
from services.observability.metrics import (
    OBLIGATIONS,
    SOP_CLOCK_CONFLICTS,
    SOP_CLOCK_FAILURES,
    SOP_CLOCK_LAST_TICK,
    SOP_DEADLINE_EVENTS,
)
from services.store.outages import is_database_outage
from services.workers.loop import SupervisedLoop

log = structlog.get_logger("vatra.sop_clock")

DEADLINE_COMMANDS: dict[str, type[WarnDeadline] | type[BreachDeadline]] = {
    command.declaration.name: command for command in (WarnDeadline, BreachDeadline)
}

CLOCK_ACTOR = {"actor_id": "vatra-sop-clock", "actor_role": "system"}
# How often the obligation counts (vatra_obligations) are recomputed: a
# Prometheus scrape interval, whatever the tick rate.
REPORT_EVERY = timedelta(seconds=30)
# Correlation ids of the clock's events are derived from what they record, so
# every clock's attempt at the same deadline carries the same id in the logs.
_CORRELATION = uuid.UUID("0b6f3c8e-4d2a-4f4b-9b7e-5a1d2c3e4f50")

DueRow = tuple[datetime, UUID, str]


class SopClock:
    """Records SOP deadline warnings and breaches as events on the cases."""

    def __init__(
        self,
        service: CaseService,
        pool: ConnectionPool,
        clock: Clock,
        rulebook: RuleBook,
        calendar: WorkingCalendar,
        *,
        interval: float = 30.0,
        catch_up: Callable[[], object] | None = None,
        batch_size: int = 500,
        attempts: int = 5,
    ) -> None:
        """``catch_up`` brings the read model up to date (embedded mode: the
        follower's ``catch_up``); leave it out when another process feeds the
        read model (the Kafka projector)."""
        if interval <= 0 or attempts < 1:
            raise ValueError("the clock needs a positive interval and attempts")
        self.service = service
        self.pool = pool
        self.clock = clock
        self.rulebook = rulebook
        self.calendar = calendar
        self.interval = interval
        self.catch_up = catch_up
        self.batch_size = batch_size
        self.attempts = attempts
        # Cases the last tick could not settle (logged, retried on the next).
        self.unsettled = 0
        self._stop = threading.Event()
        self._last_tick: datetime | None = None
        self._reported_at: datetime | None = None
        # Rows already settled whose read-model row has not caught up yet:
        # skipped until the row changes, so a lagging read model costs no reloads.
        self._settled: set[DueRow] = set()

    def tick(self) -> int:
        """Record every warning and breach due by now; return how many were recorded.

        A case that cannot be settled is logged, counted and left for the
        next tick; the other cases go on.
        """
        if self.catch_up is not None:
            self.catch_up()
        now = self.clock.now()
        due = self._due(now)
        self._settled &= set(due)
        cases: dict[UUID, list[DueRow]] = {}
        for row in due:
            if row not in self._settled:
                cases.setdefault(row[1], []).append(row)
        recorded = 0
        self.unsettled = 0
        for case_id, rows in cases.items():
            try:
                recorded += self._settle(case_id, now)
            except Exception as error:
                if is_database_outage(error):
                    raise  # not this case's fault: the tick fails and is retried
                # One case whose events the rule model cannot judge (an event
                # no projection could process, say) must not stop the others.
                self.unsettled += 1
                SOP_CLOCK_FAILURES.inc()
                log.error(
                    "sop_clock_case_failed",
                    case_id=str(case_id),
                    error=type(error).__name__,
                    # Our own errors' messages carry no personal data; another
                    # exception's might, so only its type is logged.
                    reason=error.message
                    if isinstance(error, ServiceError | DomainError)
                    else None,
                )
                continue
            self._settled.update(rows)
        if recorded and self.catch_up is not None:
            self.catch_up()  # let the read model see the clock's own events
        self._last_tick = now
        SOP_CLOCK_LAST_TICK.set(now.timestamp())
        if self._reported_at is None or now - self._reported_at >= REPORT_EVERY:
            self._report(now)
        return recorded

    def next_wake(self) -> datetime:
        """When to tick next: the next action due, at most one interval from now."""
        now = self.clock.now()
        latest = now + timedelta(seconds=self.interval)
        with self.pool.connection() as conn:
            upcoming = next_action_after(conn, self._last_tick or now)
        return latest if upcoming is None else min(upcoming, latest)

    def run(self) -> None:
        """Tick until ``stop()``, sleeping until the next action or one interval."""
        log.info("sop_clock_started", interval=self.interval)
        # Database away, or a bug: nothing was half-recorded (each event is its
        # own transaction), so the tick is tried again (services.workers.loop).
        SupervisedLoop("sop_clock", self._stop, errors="retry").run(self._tick_and_wait)
        log.info("sop_clock_stopped")

    def _tick_and_wait(self) -> None:
        recorded = self.tick()
        if recorded:
            log.info("sop_clock_tick", recorded=recorded)
        delay = (self.next_wake() - self.clock.now()).total_seconds()
        self._stop.wait(min(max(delay, 0.0), self.interval))

    def stop(self) -> None:
        """Stop ``run()`` after the tick in progress, without waiting out a sleep."""
        self._stop.set()

    def _report(self, now: datetime) -> None:
        # vatra_obligations feeds the SOP breach alert and dashboard. Counting
        # every row is the one part of a tick that grows with the table, so it
        # runs at most every REPORT_EVERY, not on each tick.
        self._reported_at = now
        with self.pool.connection() as conn:
            rows = compliance_by(conn, now, ("rule_id", "region"))
        for row in rows:
            for status in STATUSES:
                OBLIGATIONS.labels(row["rule_id"], row["region"], status).set(
                    row[status]
                )

    # -- one case ---------------------------------------------------------------

    def _due(self, now: datetime) -> list[DueRow]:
        found: list[DueRow] = []
        after: DueRow | None = None
        with self.pool.connection() as conn:
            while True:
                page = due_for_clock(conn, now, after=after, limit=self.batch_size)
                found.extend(page)
                if len(page) < self.batch_size:
                    return found
                after = page[-1]

    def _settle(self, case_id: UUID, now: datetime) -> int:
        """Record what is due on one case, deciding from its events."""
        recorded = 0
        for _attempt in range(self.attempts):
            events = self.service.events(str(case_id))
            version = events[-1].version
            obligations = obligations_of(
                [event.fact() for event in events], self.rulebook, self.calendar
            )
            actions = due_actions(obligations, now)
            try:
                for action in actions:
                    version = self._record(case_id, version, action)
                    recorded += 1
            except VersionConflict:
                # A caseworker or another clock saved first: read again and
                # decide again; what the other did may have settled it.
                SOP_CLOCK_CONFLICTS.inc()
                continue
            return recorded
        raise VersionConflict(
            f"case {case_id} kept changing during {self.attempts} attempts; "
            "the clock tries again on its next tick",
            expected=version,
            actual=None,
        )

    def _record(self, case_id: UUID, version: int, action: DeadlineAction) -> int:
        obligation = action.obligation
        try:
            result = self.service.run(
                DEADLINE_COMMANDS[action.command](
                    obligation_id=obligation.obligation_id,
                    rule_id=obligation.rule_id,
                    ruleset_version=obligation.ruleset_version,
                    due_at=obligation.due_at,
                ),
                str(case_id),
                expected_version=version,
                occurred_at=action.occurred_at,
                correlation_id=_correlation_id(case_id, action),
                **CLOCK_ACTOR,
            )
        except DuplicateDeadlineEvent:
            # Decided from the same events the aggregate holds, so this means
            # the rule model and the aggregate disagree: the aggregate wins.
            log.warning(
                "sop_deadline_already_recorded",
                case_id=str(case_id),
                obligation_id=obligation.obligation_id,
                kind=action.kind.name.lower(),
            )
            return version
        SOP_DEADLINE_EVENTS.labels(action.kind.name.lower(), obligation.rule_id).inc()
        log.info(
            "sop_deadline_recorded",
            case_id=str(case_id),
            obligation_id=obligation.obligation_id,
            kind=action.kind.name.lower(),
            ruleset_version=obligation.ruleset_version,
            due_at=obligation.due_at.isoformat(),
            occurred_at=action.occurred_at.isoformat(),
        )
        return int(result["version"])


def _correlation_id(case_id: UUID, action: DeadlineAction) -> str:
    o = action.obligation
    name = f"{case_id}/{o.obligation_id}/{action.command}/{o.due_at.isoformat()}"
    return uuid.uuid5(_CORRELATION, name).hex
