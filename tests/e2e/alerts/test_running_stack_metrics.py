"""A whole running stack, scraped as Prometheus would: an identification in,
alerts delivered, and the counters on /metrics move."""

from __future__ import annotations

import re
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from domain.clock import SystemClock
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.builders import identify_minor_in_vlora
from tests.e2e.alerts.conftest import Receivers
from tests.e2e.alerts.servers import free_port
from tests.integration.kafka_helpers import (
    end,
    kafka_env,
    subprocess_env,
    vatra,
    wait_for,
)


def _scrape(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode())
    except (urllib.error.URLError, OSError):
        return ""


def _sum(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(?:{{(.*)}})? ([0-9.e+-]+)$", line)
        if match and all(f'{k}="{v}"' in (match[1] or "") for k, v in labels.items()):
            total += float(match[2])
    return total


@pytest.fixture
def stack_env(notify_env: dict[str, str], kafka_servers: str) -> dict[str, str]:
    return {**notify_env, **kafka_env(kafka_servers)}


@pytest.fixture
def recorder(database: Database, stack_env: dict[str, str]) -> Iterator[Backbone]:
    settings = load_settings(stack_env)
    with open_backbone(settings, clock=SystemClock(), database=database) as built:
        yield built


def test_a_delivered_alert_and_its_events_show_on_the_running_stacks_metrics(
    recorder: Backbone,
    stack_env: dict[str, str],
    database: Database,
    receivers: Receivers,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    process = vatra(
        "run",
        subprocess_env(stack_env, database, VATRA_METRICS_PORT=str(port)),
    )
    try:
        wait_for(lambda: "vatra_relay_lag_events" in _scrape(url), 90, "/metrics")
        identify_minor_in_vlora(recorder.service, SystemClock())

        def delivered() -> bool:
            text = _scrape(url)
            return (
                _sum(text, "vatra_alerts_total", outcome="delivered", channel="email")
                >= 3
                and _sum(text, "vatra_events_recorded_total", type="AuthorityNotified")
                >= 3
            )

        try:
            wait_for(delivered, 90, "three delivered alerts on /metrics")
        except AssertionError:
            text = _scrape(url)
            alerts = [line for line in text.splitlines() if "vatra_alert" in line]
            raise AssertionError(
                f"{alerts}\n{end(process, signal.SIGTERM)[-3000:]}"
            ) from None
        text = _scrape(url)
        assert _sum(text, "vatra_relay_published_total") >= 1
        assert _sum(text, "vatra_alert_latency_seconds_count") >= 3
        assert len({m.message_id for m in receivers.smtp.received}) == 3
    finally:
        err = end(process, signal.SIGTERM)
    assert process.returncode == 0, err
