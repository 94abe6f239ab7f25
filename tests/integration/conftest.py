"""Integration fixtures: a backbone on a fresh PostgreSQL database per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from domain.clock import ControlledClock
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.keys import KEYS_ENV

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> ControlledClock:
    return ControlledClock(START)


@pytest.fixture
def backbone(database: Database, clock: ControlledClock) -> Iterator[Backbone]:
    settings = load_settings({"VATRA_LOG_LEVEL": "WARNING", **KEYS_ENV})
    with open_backbone(settings, clock=clock, database=database) as built:
        yield built


@pytest.fixture
def external_env(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """Point the CLI at the test's database, as an operator would with POSTGRES_*."""
    monkeypatch.setenv("POSTGRES_HOST", database.host)
    monkeypatch.setenv("POSTGRES_PORT", str(database.port))
    monkeypatch.setenv("POSTGRES_USER", database.user)
    monkeypatch.setenv("POSTGRES_DBNAME", database.dbname)
    monkeypatch.setenv("VATRA_LOG_LEVEL", "INFO")
    return database
