"""The dispatcher runs on the one supervised loop: a database outage in its
steps is waited out, logged once and counted like any other worker's."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg

from domain.clock import ControlledClock
from handlers.dispatcher import Dispatcher, DispatchSettings
from services.observability.metrics import WORKER_FAILURES
from services.workers.loop import OutagePolicy
from services.workers.notifier import DispatcherWorker

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NO_PAUSE = OutagePolicy(first_pause=0.0, longest_pause=0.0)


class EmptyLedger:
    """A cursor on a ledger with nothing due and nothing to record."""

    rowcount = 0

    def __init__(self, queries: list[str]) -> None:
        self.queries = queries

    def execute(self, query: str, params: object = None) -> None:
        self.queries.append(query)

    def fetchall(self) -> list[Any]:
        return []


class PoolDuringAnOutage:
    """A pool whose first ``failing`` connections are refused; ``then`` is
    called once every step the dispatcher runs has reached the ledger again."""

    def __init__(self, failing: int) -> None:
        self.failing = failing
        self.then: Callable[[], None] = lambda: None
        self.queries: list[str] = []
        self._lock = threading.Lock()

    @contextmanager
    def connection(self) -> Iterator[PoolDuringAnOutage]:
        with self._lock:
            refused = self.failing > 0
            self.failing -= 1
        if refused:
            raise psycopg.OperationalError("connection refused")
        yield self
        if self.sent_and_recorded():
            self.then()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield

    @contextmanager
    def cursor(self) -> Iterator[EmptyLedger]:
        yield EmptyLedger(self.queries)

    def sent_and_recorded(self) -> bool:
        """Both kinds of step reached the ledger once the outage ended."""
        claims = any("WITH due" in query for query in self.queries)
        outcomes = any("outcome_recorded_at IS NULL" in query for query in self.queries)
        return claims and outcomes


def dispatcher_failures() -> float:
    return WORKER_FAILURES.labels("dispatcher", "database")._value.get()  # type: ignore[no-any-return]


def test_a_database_outage_in_the_dispatcher_is_waited_out_and_counted(
    captured_logs: list[MutableMapping[str, Any]],
) -> None:
    pool = PoolDuringAnOutage(failing=3)
    dispatcher = Dispatcher(
        pool,  # type: ignore[arg-type]
        directory=None,  # type: ignore[arg-type]
        renderer=None,  # type: ignore[arg-type]
        channels={},
        outcomes=None,  # type: ignore[arg-type]
        clock=ControlledClock(AT),
        settings=DispatchSettings(senders=1, urgent_senders=0, interval=0.01),
        worker="test-dispatcher",
    )
    worker = DispatcherWorker(dispatcher, policy=NO_PAUSE)
    pool.then = worker.stop
    before = dispatcher_failures()
    worker.run()
    events = [entry["event"] for entry in captured_logs]
    assert dispatcher_failures() - before == 3
    # Each of its loops (the lane, the housekeeping) that met the outage says
    # so once, and once more when it works again.
    outages = events.count("dispatcher_database_unavailable")
    assert 1 <= outages <= 2
    assert events.count("dispatcher_resumed") == outages
    assert outages + events.count("dispatcher_still_failing") == 3
    assert events[-1] == "dispatcher_stopped"
