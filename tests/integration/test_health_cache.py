"""Readiness with a broker that does not answer: probes never stall the writes."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from domain.clock import ControlledClock
from services.api.app import create_app
from services.api.context import api_context
from services.api.serve import ApiServer
from services.config.bootstrap import open_backbone
from services.config.settings import load_settings
from services.observability.server import stop_checks
from services.store.database import Database
from tests.e2e.helpers import IDENTIFICATION
from tests.integration.kafka_helpers import kafka_env, wait_for

PROBES = 60  # more than the API's worker threads (40)


def _unreachable_kafka() -> str:
    """An address on loopback where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def _probe(url: str) -> tuple[int, dict[str, dict[str, object]]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    checks: dict[str, dict[str, object]] = json.loads(body)["checks"]
    return status, checks


@pytest.fixture
def api_without_kafka(
    database: Database, clock: ControlledClock
) -> Iterator[tuple[str, str]]:
    """The API in the full mode, its broker unreachable: (base URL, a token)."""
    env = {**kafka_env(_unreachable_kafka()), "VATRA_LOG_LEVEL": "WARNING"}
    with open_backbone(load_settings(env), clock=clock, database=database) as built:
        context = api_context(built)
        token = context.users.issue_token("mu-vlora-1", "mobile_unit", ["vlora"], "sq")
        server = ApiServer(create_app(context))
        try:
            yield server.start(), token
        finally:
            server.stop()
            stop_checks(context.health_checks.values())


def test_probes_with_kafka_unreachable_answer_from_the_cache_while_a_write_succeeds(
    api_without_kafka: tuple[str, str],
) -> None:
    base, token = api_without_kafka
    ready = f"{base}/health/ready"
    with ThreadPoolExecutor(PROBES) as probes:
        answers = [probes.submit(_probe, ready) for _ in range(PROBES)]
        # A write needs only PostgreSQL: it is served while the probes are.
        response = httpx.post(
            f"{base}/api/cases",
            json=IDENTIFICATION,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        results = [answer.result() for answer in answers]
    assert {status for status, _checks in results} == {503}
    assert all(checks["database"]["ok"] for _status, checks in results)

    def kafka_checked() -> bool:
        return "age_seconds" in _probe(ready)[1]["kafka"]

    wait_for(kafka_checked, 30, "the background Kafka check to answer")
    status, checks = _probe(ready)
    assert status == 503
    assert checks["kafka"]["ok"] is False
    assert "KafkaTimeoutError" in str(checks["kafka"]["detail"])
    assert checks["database"] == {
        "ok": True,
        "detail": "PostgreSQL answers",
        "age_seconds": checks["database"]["age_seconds"],
    }
