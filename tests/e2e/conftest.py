"""End-to-end fixtures: a backbone on a fresh database, the API served by
uvicorn on 127.0.0.1 (an ephemeral port), a token for each audience, and
their page log-ins (``logins``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from domain.clock import ControlledClock
from services.api.app import create_app
from services.api.context import ApiContext, api_context
from services.api.serve import ApiServer
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.e2e.helpers import UNITS, USERS, Api, PageLogins
from tests.keys import KEYS_ENV

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> ControlledClock:
    return ControlledClock(START)


@pytest.fixture
def backbone(database: Database, clock: ControlledClock) -> Iterator[Backbone]:
    settings = load_settings(
        {"VATRA_LOG_LEVEL": "WARNING", "VATRA_PASSWORD_HASHING": "fast", **KEYS_ENV}
    )
    with open_backbone(settings, clock=clock, database=database) as built:
        yield built


@pytest.fixture
def context(backbone: Backbone) -> ApiContext:
    return api_context(backbone)


@pytest.fixture
def app(context: ApiContext) -> FastAPI:
    return create_app(context)


@pytest.fixture
def base_url(app: FastAPI) -> Iterator[str]:
    server = ApiServer(app)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture
def tokens(context: ApiContext) -> dict[str, str]:
    """A token for each test user (see ``helpers.USERS``), by name."""
    return {
        name: context.users.issue_token(
            user_id, role, regions, language, UNITS.get(name)
        )
        for name, (user_id, role, regions, language) in USERS.items()
    }


@pytest.fixture
def api(base_url: str, tokens: dict[str, str]) -> Iterator[Api]:
    with Api(base_url, tokens) as client:
        yield client


@pytest.fixture
def logins(context: ApiContext, tokens: dict[str, str]) -> PageLogins:
    """Logs the test users (and anyone a test issues a token to) in through
    the log-in form, with a password and a second-factor code."""
    return PageLogins(context)
