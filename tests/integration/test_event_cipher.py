"""With an event cipher key, stored events are encrypted at rest and still replay."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import timedelta

import pytest

from domain.clock import ControlledClock
from projections.timeline import TimelineProjection
from services.app.service import CaseApplication, CaseService
from services.audit.verify import verify_chain
from services.config.logs import configure_logging
from services.store.database import Database
from services.store.event_chain import ChainHasher
from services.workers.follower import LogFollower
from tests.builders import identify, step
from tests.fakes import KeptAttributes

SEEDED = "Njësia-Seeded-Qendër-7731"  # a mobile unit, searched for in the raw rows
CHAIN_KEY = "cipher-test-chain-key-0123456789abcdef"


def record(database: Database, clock: ControlledClock, cipher_key: str) -> str:
    """Record a case through an application with (or without) the cipher."""
    env = database.eventsourcing_env(cipher_key=cipher_key, chain_key=CHAIN_KEY)
    app = CaseApplication(env=env)
    try:
        service = CaseService(app, clock, people=KeptAttributes())
        case = identify(service, clock, mobile_unit=SEEDED)
        step(service, clock, case, "assess_risk", timedelta(hours=1), level="high")
        return str(case["case_id"])
    finally:
        app.close()


def raw_events(database: Database) -> bytes:
    pool = database.pool("raw")
    try:
        with pool.connection() as conn:
            rows = conn.execute(
                "SELECT topic, state, envelope FROM cases_events"
            ).fetchall()
    finally:
        pool.close()
    # The stored Kafka envelope too (``services.store.outbox``): sealed alike.
    return b"".join(row[0].encode() + bytes(row[1]) + bytes(row[2]) for row in rows)


@pytest.fixture(autouse=True)
def _logging() -> None:
    # No backbone here to set logging up: without this, structlog would still
    # write to a stream an earlier test captured and closed.
    configure_logging("WARNING")


@pytest.fixture
def cipher_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def keyed_app(database: Database, cipher_key: str) -> Iterator[CaseApplication]:
    app = CaseApplication(
        env=database.eventsourcing_env(cipher_key=cipher_key, chain_key=CHAIN_KEY)
    )
    try:
        yield app
    finally:
        app.close()


def test_without_a_key_the_seeded_value_is_readable_in_the_events_table(
    database: Database, clock: ControlledClock
) -> None:
    record(database, clock, cipher_key="")
    assert SEEDED.encode() in raw_events(database)  # the scan below can see it


def test_with_a_key_the_events_table_holds_no_plaintext_and_the_case_replays(
    database: Database,
    clock: ControlledClock,
    cipher_key: str,
    keyed_app: CaseApplication,
) -> None:
    case_id = record(database, clock, cipher_key)
    raw = raw_events(database)
    for plain in (SEEDED, "Vlor", "assess", "high", "mu-vlora-1", "PV-TEST-1"):
        assert plain.encode() not in raw, plain
    assert b"domain.events:Identified" in raw  # topics stay readable: routing

    service = CaseService(keyed_app, clock)
    history = service.history(case_id, clock.now())
    assert history["events"][0]["payload"]["mobile_unit"] == SEEDED
    assert [e["type"] for e in history["events"]] == ["Identified", "RiskAssessed"]

    pool = database.pool("cipher-follower")
    try:
        follower = LogFollower(keyed_app, pool, [TimelineProjection()])
        follower.create_tables()
        assert follower.catch_up() == 2
        # The chain is over the stored (encrypted) bytes: verifying needs no
        # cipher key.
        assert verify_chain(pool, "cases_events", ChainHasher(CHAIN_KEY)).ok
    finally:
        pool.close()


def test_events_stored_under_a_key_cannot_be_read_without_it(
    database: Database, clock: ControlledClock, cipher_key: str
) -> None:
    case_id = record(database, clock, cipher_key)
    app = CaseApplication(env=database.eventsourcing_env(chain_key=CHAIN_KEY))
    try:
        with pytest.raises(ValueError):  # noqa: PT011 - the JSON decoder's
            CaseService(app, clock).case(case_id)
    finally:
        app.close()
