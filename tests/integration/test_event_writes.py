"""The event write and reads through libpq: their statements prepared once per
connection, and still run when the session lost them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest

from domain.case import Case
from domain.clock import ControlledClock
from services.app.errors import VersionConflict
from services.app.service import CaseApplication, CaseService
from services.audit.verify import verify_chain
from services.store.database import Database
from services.store.event_chain import ChainedApplicationRecorder, ChainHasher
from tests.builders import identify, stamp, step
from tests.fakes import KeptAttributes


@pytest.fixture
def one_connection(database: Database) -> Iterator[CaseApplication]:
    """An application whose every write and read takes the same connection."""
    CaseApplication(env=database.eventsourcing_env()).close()  # the tables
    app = CaseApplication(
        env={
            **database.eventsourcing_env(),
            "CREATE_TABLE": "n",
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_MAX_OVERFLOW": "0",
        }
    )
    try:
        yield app
    finally:
        app.close()


def _on_the_connection(app: CaseApplication, statement: str) -> None:
    recorder = app.recorder
    assert isinstance(recorder, ChainedApplicationRecorder)
    with recorder.datastore.get_connection() as conn:
        conn.execute(statement)


def test_reads_and_writes_go_on_after_the_session_dropped_its_prepared_statements(
    one_connection: CaseApplication, database: Database, clock: ControlledClock
) -> None:
    service = CaseService(one_connection, clock, people=KeptAttributes())
    case = identify(service, clock)
    case = step(service, clock, case, "assess_risk", timedelta(hours=1), level="low")
    _on_the_connection(one_connection, "DEALLOCATE ALL")
    assert len(service.events(case["case_id"])) == 2
    _on_the_connection(one_connection, "DEALLOCATE ALL")
    case = step(service, clock, case, "assess_risk", level="high")
    # psycopg drops every statement it prepared after a ROLLBACK of its own.
    _on_the_connection(one_connection, "BEGIN")
    _on_the_connection(one_connection, "ROLLBACK")
    _on_the_connection(one_connection, "SELECT 1")
    case = step(service, clock, case, "assess_risk", level="medium")
    assert case["version"] == 4

    pool = database.pool("verify")
    try:
        assert verify_chain(pool, "cases_events", ChainHasher(None)).ok
    finally:
        pool.close()


def test_a_write_that_lost_a_race_leaves_the_connection_ready_for_the_next(
    one_connection: CaseApplication, clock: ControlledClock
) -> None:
    service = CaseService(one_connection, clock, people=KeptAttributes())
    case = identify(service, clock)
    step(service, clock, case, "assess_risk", level="low")
    for _attempt in range(3):
        with pytest.raises(VersionConflict):
            service._save(_at_version_one(one_connection, case["case_id"]), expected=1)
    assert (
        step(service, clock, {**case, "version": 2}, "close", reason="other")["version"]
        == 3
    )


def _at_version_one(app: CaseApplication, case_id: str) -> Case:
    """The case as read at version 1, with a step taken on it."""
    case: Case = app.repository.get(UUID(case_id), version=1)
    case.assess_risk(stamp(), level="high")
    return case
