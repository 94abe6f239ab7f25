"""A stuck transaction on the write path cannot hold the events table's lock."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from eventsourcing.persistence import OperationalError
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from domain.clock import ControlledClock
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import SessionTimeouts, load_settings
from services.store.database import Database
from services.store.event_chain import ChainedApplicationRecorder
from tests.builders import identify
from tests.keys import KEYS_ENV

SHORT = SessionTimeouts(statement=1, idle_in_transaction=1, lock=20)


@pytest.fixture
def bounded(database: Database, clock: ControlledClock) -> Iterator[Backbone]:
    settings = load_settings({"VATRA_LOG_LEVEL": "WARNING", **KEYS_ENV})
    with open_backbone(
        settings, clock=clock, database=database.with_timeouts(SHORT)
    ) as built:
        yield built


def _lock_events(conn: psycopg.Connection[object], backbone: Backbone) -> None:
    recorder = backbone.app.recorder
    assert isinstance(recorder, ChainedApplicationRecorder)
    conn.execute(
        SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(
            Identifier(recorder.events_table_name)
        )
    )


def test_a_transaction_left_idle_holding_the_events_lock_is_ended_and_writes_go_on(
    bounded: Backbone, clock: ControlledClock
) -> None:
    identify(bounded.service, clock)
    stuck = bounded.pool.getconn()
    try:
        _lock_events(stuck, bounded)  # opens a transaction, then nothing more
        # Waits for the lock until the server ends the idle session.
        case = identify(bounded.service, clock, subject_ref="PV-AFTER")
        assert case["version"] == 1
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
            stuck.execute("SELECT 1")
    finally:
        bounded.pool.putconn(stuck)


def test_a_runaway_statement_in_an_event_write_is_cancelled(
    bounded: Backbone,
) -> None:
    recorder = bounded.app.recorder
    assert isinstance(recorder, ChainedApplicationRecorder)

    def run_away() -> None:
        with recorder.datastore.transaction(commit=False) as curs:
            recorder._lock_table(curs)  # the write transaction's own set-up
            curs.execute("SELECT pg_sleep(30)")

    with pytest.raises(OperationalError, match="statement timeout"):
        run_away()


def test_an_event_write_bounds_its_own_statements_and_lock_wait_and_no_other(
    bounded: Backbone,
) -> None:
    """The timeouts an event write sets before the table lock hold for its
    transaction only: the session goes back to its own (no) limits."""
    recorder = bounded.app.recorder
    assert isinstance(recorder, ChainedApplicationRecorder)
    with recorder.datastore.get_connection() as conn:
        before = _timeouts(conn)
        conn.execute("BEGIN")
        for statement in recorder._write_setup:
            conn.execute(statement)
        assert _timeouts(conn) == ("1s", "20s")
        conn.execute("ROLLBACK")
        assert _timeouts(conn) == before


def _timeouts(conn: psycopg.Connection[DictRow]) -> tuple[str, str]:
    row = conn.execute(
        "SELECT current_setting('statement_timeout') AS statement, "
        "current_setting('lock_timeout') AS lock"
    ).fetchone()
    assert row is not None
    return row["statement"], row["lock"]
