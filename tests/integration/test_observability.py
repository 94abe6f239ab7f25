"""Metrics and health endpoints of running processes, scraped over HTTP."""

from __future__ import annotations

import json
import re
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from devtools.kafka.probes import free_ports
from domain.clock import ControlledClock
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.builders import identify
from tests.integration.kafka_helpers import (
    end,
    kafka_env,
    subprocess_env,
    vatra,
    wait_for,
)
from tests.keys import KEYS_ENV


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def _metric(text: str, name: str) -> float:
    """The sum of every sample of ``name`` in a /metrics page."""
    pattern = re.compile(rf"^{re.escape(name)}(?:{{[^}}]*}})? ([0-9.e+-]+)$", re.M)
    return sum(float(value) for value in pattern.findall(text))


@pytest.fixture
def full(
    database: Database, clock: ControlledClock, kafka_servers: str
) -> Iterator[tuple[Backbone, dict[str, str]]]:
    env = kafka_env(kafka_servers)
    with open_backbone(load_settings(env), clock=clock, database=database) as built:
        yield built, env


def test_a_running_stack_reports_its_flow_and_health_on_metrics(
    full: tuple[Backbone, dict[str, str]], clock: ControlledClock, database: Database
) -> None:
    backbone, env = full
    port = free_ports(1)[0]
    base = f"http://127.0.0.1:{port}"
    process = vatra("run", subprocess_env(env, database, VATRA_METRICS_PORT=str(port)))
    try:
        wait_for(lambda: _get(f"{base}/health/live")[0] == 200, 60, "liveness")
        wait_for(lambda: _get(f"{base}/health/ready")[0] == 200, 60, "readiness")
        _status, body = _get(f"{base}/health/ready")
        checks = json.loads(body)["checks"]
        assert set(checks) == {"database", "kafka", "relay_caught_up"}
        before = _metric(_get(f"{base}/metrics")[1], "vatra_relay_published_total")
        identify(backbone.service, clock, is_minor=True)

        def moved() -> bool:
            text = _get(f"{base}/metrics")[1]
            return (
                _metric(text, "vatra_relay_published_total") == before + 1
                and _metric(text, "vatra_consumer_applied_total") >= 1
            )

        wait_for(moved, 60, "the relay and projector counters to move")
        text = _get(f"{base}/metrics")[1]
        assert "vatra_relay_lag_events 0.0" in text
        assert "vatra_consumer_lag_messages" in text
        assert _get(f"{base}/nowhere")[0] == 404
    finally:
        err = end(process, signal.SIGTERM)
    assert process.returncode == 0, err


def test_readiness_fails_and_names_the_check_when_the_database_is_gone(
    database: Database, clock: ControlledClock
) -> None:
    from services.observability.health import checks_for  # noqa: PLC0415
    from services.observability.server import HealthServer  # noqa: PLC0415

    env = {"VATRA_LOG_LEVEL": "WARNING", "VATRA_HEALTH_INTERVAL": "0.2", **KEYS_ENV}
    with open_backbone(load_settings(env), clock=clock, database=database) as backbone:
        server = HealthServer("127.0.0.1", 0, checks_for(backbone, embedded=True))
        server.start()
        try:
            url = f"http://127.0.0.1:{server.port}/health/ready"
            assert _get(url)[0] == 200
            backbone.pool.close()
            # The checks run in the background: the next run sees the pool gone.
            wait_for(lambda: _get(url)[0] == 503, 30, "readiness to fail")
            status, body = _get(url)
            assert status == 503
            assert json.loads(body)["checks"]["database"]["ok"] is False
        finally:
            server.stop()
