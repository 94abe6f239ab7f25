"""Every case's events are chained; ``verify`` names each kind of tampering.

The tampering is done as an intruder with database access would: SQL on the
events and chain tables of a real PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from psycopg_pool import ConnectionPool

from domain.clock import ControlledClock
from services.app.service import CaseApplication, CaseService
from services.audit.verify import Finding, verify_chain, verify_report
from services.config.logs import configure_logging
from services.store.database import Database
from services.store.event_chain import ChainedApplicationRecorder, ChainHasher
from tests.builders import identify, step
from tests.fakes import KeptAttributes

CHAIN_KEY = "test-chain-key-0123456789abcdefghijklmnop"
EVENTS = "cases_events"
CHAIN = "cases_events_chain"


@dataclass
class Store:
    service: CaseService
    app: CaseApplication
    pool: ConnectionPool
    first: str  # a case of four events
    second: str  # a case of two events

    def sql(self, statement: str, *params: Any) -> None:
        with self.pool.connection() as conn:
            conn.execute(statement, params)  # type: ignore[arg-type]

    def verify(self, key: str | None = CHAIN_KEY) -> list[Finding]:
        return verify_chain(self.pool, EVENTS, ChainHasher(key)).findings


@pytest.fixture(autouse=True)
def _logging() -> None:
    # No backbone here to set logging up: without this, structlog would still
    # write to a stream an earlier test captured and closed.
    configure_logging("WARNING")


@pytest.fixture
def store(database: Database, clock: ControlledClock) -> Iterator[Store]:
    app = CaseApplication(env=database.eventsourcing_env(chain_key=CHAIN_KEY))
    pool = database.pool("tamper-test")
    try:
        service = CaseService(app, clock, people=KeptAttributes())
        first = identify(service, clock)
        for level in ("high", "medium", "low"):
            first = step(
                service, clock, first, "assess_risk", timedelta(hours=1), level=level
            )
        second = identify(service, clock, subject_ref="PV-TEST-2")
        second = step(
            service, clock, second, "assess_risk", timedelta(hours=1), level="low"
        )
        yield Store(service, app, pool, first["case_id"], second["case_id"])
    finally:
        pool.close()
        app.close()


def kinds(findings: list[Finding]) -> list[tuple[str, str | None, int | None]]:
    return [
        (f.kind, str(f.case_id) if f.case_id else None, f.version) for f in findings
    ]


def test_an_untouched_store_verifies_and_reports_its_log_head(store: Store) -> None:
    report = verify_chain(store.pool, EVENTS, ChainHasher(CHAIN_KEY))
    assert report.ok, report.findings
    assert (report.cases, report.events, report.head_seq) == (2, 6, 6)
    assert "Every chain is intact" in verify_report(report)
    assert "log head: record 6" in verify_report(report)


def test_an_event_altered_in_the_database_is_reported_with_its_case_and_version(
    store: Store,
) -> None:
    store.sql(
        f"UPDATE {EVENTS} SET state = convert_to(replace("
        "convert_from(state, 'UTF8'), 'low', 'high'), 'UTF8') "
        "WHERE originator_id = %s AND originator_version = 4",
        store.first,
    )
    findings = store.verify()
    assert kinds(findings) == [("altered", store.first, 4)]
    assert "differs from what was recorded" in findings[0].detail


@pytest.mark.parametrize(
    "change",
    [
        # A byte of the stored Kafka envelope changed (its last: the payload's).
        "envelope = overlay(envelope placing '\\x01'::bytea from length(envelope))",
        # The envelope taken away: the relay would encode it from the event.
        "envelope = NULL",
    ],
)
def test_an_events_stored_envelope_altered_or_removed_is_reported(
    store: Store, change: str
) -> None:
    store.sql(
        f"UPDATE {EVENTS} SET {change} "
        "WHERE originator_id = %s AND originator_version = 2",
        store.second,
    )
    assert kinds(store.verify()) == [("altered", store.second, 2)]


def test_a_deleted_event_is_reported_as_removed(store: Store) -> None:
    store.sql(
        f"DELETE FROM {EVENTS} WHERE originator_id = %s AND originator_version = 2",
        store.first,
    )
    findings = store.verify()
    assert kinds(findings) == [("removed", store.first, 2)]
    assert "its chain record remains" in findings[0].detail


def test_an_event_deleted_with_its_chain_record_is_reported_as_removed(
    store: Store,
) -> None:
    for table in (EVENTS, CHAIN):
        store.sql(
            f"DELETE FROM {table} WHERE originator_id = %s AND originator_version = 2",
            store.first,
        )
    found = kinds(store.verify())
    assert ("removed", store.first, 2) in found
    # The next version's chain record still names the deleted one as before it.
    assert ("chain", store.first, 3) not in found
    assert all(case in (store.first, None) for _, case, _ in found)


def test_a_cases_newest_event_cut_off_with_its_chain_record_shows_in_the_log(
    store: Store,
) -> None:
    for table in (EVENTS, CHAIN):
        store.sql(
            f"DELETE FROM {table} WHERE originator_id = %s AND originator_version = 4",
            store.first,
        )
    findings = store.verify()
    assert [f.kind for f in findings] == ["removed"]
    assert "log chain records 4 are gone" in findings[0].detail


def test_two_swapped_versions_are_reported_as_reordered(store: Store) -> None:
    swap = (
        f"UPDATE {EVENTS} SET originator_version = %s "
        "WHERE originator_id = %s AND originator_version = %s"
    )
    store.sql(swap, -1, store.first, 2)
    store.sql(swap, 2, store.first, 3)
    store.sql(swap, 3, store.first, -1)
    findings = store.verify()
    assert kinds(findings) == [
        ("reordered", store.first, 2),
        ("reordered", store.first, 3),
    ]
    assert "recorded as version 3" in findings[0].detail


def test_an_event_inserted_directly_is_reported_as_inserted(store: Store) -> None:
    # The intruder copies a real event's bytes to a new version of the case.
    store.sql(
        f"INSERT INTO {EVENTS} (originator_id, originator_version, topic, state) "
        f"SELECT originator_id, 3, topic, state FROM {EVENTS} "
        "WHERE originator_id = %s AND originator_version = 2",
        store.second,
    )
    findings = store.verify()
    assert kinds(findings) == [("inserted", store.second, 3)]


def test_a_chain_record_forged_without_the_key_does_not_verify(store: Store) -> None:
    store.sql(
        f"INSERT INTO {EVENTS} (originator_id, originator_version, topic, state) "
        f"SELECT originator_id, 3, topic, state FROM {EVENTS} "
        "WHERE originator_id = %s AND originator_version = 2",
        store.second,
    )
    # The intruder sees the key id in the table and guesses at the key.
    with store.pool.connection() as conn:
        row = conn.execute(
            f"SELECT e.notification_id, e.topic, e.state, c.hash, c.key_id, "
            f"(SELECT max(seq) FROM {CHAIN}), "
            f"(SELECT log_hash FROM {CHAIN} ORDER BY seq DESC LIMIT 1) "
            f"FROM {EVENTS} e JOIN {CHAIN} c ON c.originator_id = e.originator_id "
            "AND c.originator_version = 2 "
            "WHERE e.originator_id = %s AND e.originator_version = 3",
            (store.second,),
        ).fetchone()
        assert row is not None
        guess = ChainHasher("a guess at the key")
        forged = guess.event_hash(
            bytes(row[3]), UUID(store.second), 3, row[0], row[1], bytes(row[2])
        )
        conn.execute(
            f"INSERT INTO {CHAIN} VALUES (%s, %s, 3, %s, %s, %s, %s, %s)",
            (
                row[5] + 1,
                store.second,
                row[0],
                bytes(row[3]),
                forged,
                guess.log_hash(bytes(row[6]), forged),
                row[4],
            ),
        )
    assert kinds(store.verify()) == [
        ("chain", store.second, 3),  # the log chain
        ("altered", store.second, 3),
    ]


def test_verifying_with_another_key_says_so_once_instead_of_every_event_altered(
    store: Store,
) -> None:
    findings = store.verify(key=None)
    assert [f.kind for f in findings] == ["key"]
    assert "6 chain records were written with key hmac-sha256:" in findings[0].detail


def test_events_from_before_the_chain_are_sealed_only_on_request(store: Store) -> None:
    store.sql(f"DELETE FROM {CHAIN}")
    assert {f.kind for f in store.verify()} == {"inserted"}
    recorder = store.app.recorder
    assert isinstance(recorder, ChainedApplicationRecorder)
    assert recorder.seal_unchained_cases(batch_size=4) == 6
    assert store.verify() == []
    assert recorder.seal_unchained_cases() == 0


def test_events_recorded_after_sealing_extend_the_same_chains(
    store: Store, clock: ControlledClock
) -> None:
    store.sql(f"DELETE FROM {CHAIN}")
    recorder = store.app.recorder
    assert isinstance(recorder, ChainedApplicationRecorder)
    recorder.seal_unchained_cases()
    case = store.service.case(store.second)
    step(store.service, clock, case, "assess_risk", timedelta(hours=1), level="high")
    assert store.verify() == []
