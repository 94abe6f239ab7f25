"""A worker that starts while another projects makes its read models without
stopping, even when PostgreSQL ends its DDL as a deadlock's victim.

The statistics' DDL takes a share lock on each table it indexes (``CREATE
INDEX IF NOT EXISTS`` does, even when the index is there), one table after
the other; a projector's batch holds row locks on the same tables, taken in
the other order by its triggers. Here a batch holds the SOP day counts while
the DDL holds the step day counts, then reaches for them: a deadlock, as a
notifier restarting under load met one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import Connection

from projections.obligations import ObligationsProjection
from projections.schema import create_retrying
from projections.statistics import StatisticsProjection
from services.config.bootstrap import Backbone
from services.store.database import Database

SOP_COUNT = (
    "INSERT INTO stats_sop_days (day, rule_id, region, status, not_before, n) "
    "VALUES ('2026-01-05', 'police-notified', 'vlora', 'met', false, 1)"
)
STEP_COUNT = (
    "INSERT INTO stats_step_days "
    "(day, event_type, code, assisted, region, case_type, n) "
    "VALUES ('2026-01-05', 'Referred', 'shelter', false, 'vlora', 'trafficking', 1)"
)


def _waiting(conn: Connection[Any], pid: int) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", (pid,)
    ).fetchone()
    return bool(row and row[0])


def _made_beside_a_batch(
    database: Database, create: Callable[[Connection[Any]], None]
) -> list[BaseException]:
    """Run ``create`` of the statistics while a batch holds the SOP day
    counts and then writes a step day count; the errors ``create`` raised."""
    errors: list[BaseException] = []
    with (
        psycopg.connect(database.conninfo(), autocommit=True) as batch,
        psycopg.connect(database.conninfo(), autocommit=True) as worker,
        psycopg.connect(database.conninfo(), autocommit=True) as watcher,
    ):
        pid = worker.info.backend_pid

        def start() -> None:
            try:
                create(worker)
            except BaseException as error:
                errors.append(error)

        with batch.transaction():
            batch.execute(SOP_COUNT)
            thread = threading.Thread(target=start)
            thread.start()
            while not _waiting(watcher, pid) and thread.is_alive():
                watcher.execute("SELECT pg_sleep(0.01)")
            # The deadlock: one side is ended. If it is the batch, the
            # projector tries it again itself.
            with contextlib.suppress(psycopg.errors.DeadlockDetected):
                batch.execute(STEP_COUNT)
        thread.join(timeout=60)
        assert not thread.is_alive()
    return errors


def test_a_read_model_made_beside_a_batch_is_made_again_after_a_deadlock(
    backbone: Backbone, database: Database
) -> None:
    statistics = StatisticsProjection()
    with backbone.pool.connection() as conn:
        ObligationsProjection(backbone.rulebook, backbone.calendar).create(conn)
        statistics.create(conn)

    assert (
        _made_beside_a_batch(
            database, lambda conn: create_retrying(conn, statistics.create)
        )
        == []
    )


def test_without_trying_again_the_deadlock_would_stop_the_worker(
    backbone: Backbone, database: Database
) -> None:
    # The situation above is a deadlock indeed: the DDL alone, not tried
    # again, is the victim (it waited first, so PostgreSQL finds it first).
    statistics = StatisticsProjection()
    with backbone.pool.connection() as conn:
        ObligationsProjection(backbone.rulebook, backbone.calendar).create(conn)
        statistics.create(conn)

    errors = _made_beside_a_batch(database, statistics.create)
    assert [type(e) for e in errors] == [psycopg.errors.DeadlockDetected]
