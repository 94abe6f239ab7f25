"""Integration fixtures: a backbone on a fresh PostgreSQL database per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from domain.clock import ControlledClock
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> ControlledClock:
    return ControlledClock(START)


@pytest.fixture
def backbone(database: Database, clock: ControlledClock) -> Iterator[Backbone]:
    settings = load_settings({"VATRA_LOG_LEVEL": "WARNING"})
    with open_backbone(settings, clock=clock, database=database) as built:
        yield built
