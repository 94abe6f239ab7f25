"""Fixtures the unit tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.app.service import CaseApplication


@pytest.fixture
def app() -> Iterator[CaseApplication]:
    """The case store in memory (eventsourcing's POPO recorder)."""
    app = CaseApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    try:
        yield app
    finally:
        app.close()
