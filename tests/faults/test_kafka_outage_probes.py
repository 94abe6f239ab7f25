"""A Kafka outage under health probes and API writes: the write path never notices.

The full mode, with the relay and the projector as real processes, the API
served by uvicorn on loopback, and the only broker stopped for 90 s. All the
while ``/health/ready`` is probed twice a second and an identification is
recorded through the HTTP API twice a second. Writes need only PostgreSQL:
none may fail, and their p99 stays under 1 s (the issue's bound). The relay's
``/metrics`` is scraped every 15 s (Prometheus's interval) from before the
outage, and the shipped relay-lag alert's expression, evaluated by
``promtool`` on those samples, turns true early enough for the alert (with
its ``for:``) to fire within 2 minutes of the outage.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from devtools.kafka.jars import fetch_jars
from devtools.kafka.process import LocalKafka
from services.api.app import create_app
from services.api.context import api_context
from services.api.serve import ApiServer
from services.config.bootstrap import Backbone
from services.observability.server import stop_checks
from services.store.database import Database
from tests.e2e.helpers import IDENTIFICATION
from tests.faults.conftest import StackFactory
from tests.faults.fault_processes import Workers, sleep_watching
from tests.faults.fault_report import ReliabilityReport, Row, seconds

ROOT = Path(__file__).resolve().parents[2]
OUTAGE = 90.0
SCRAPE_INTERVAL = 15.0
BEFORE = 2  # scrapes before the outage, so the rule's window sees the relay move
RATE = 2.0  # probes a second, and writes a second
ALERT_WITHIN = 120.0


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalKafka]:
    """A broker of this test's own, since the test stops it."""
    fetch_jars()
    broker = LocalKafka(tmp_path / "kafka")
    broker.start(timeout=120)
    try:
        yield broker
    finally:
        broker.stop()


@dataclass
class Paced:
    """Calls ``request`` ``RATE`` times a second on a thread, timing each."""

    request: Any
    durations: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        return thread

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                self.statuses.append(self.request())
            except httpx.HTTPError as error:
                self.failures.append(type(error).__name__)
            self.durations.append(time.monotonic() - started)
            next_at += 1 / RATE
            self.stop.wait(max(next_at - time.monotonic(), 0))

    def p99(self) -> float:
        ordered = sorted(self.durations)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _gauge(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.M)
    assert found, f"{name} missing from the relay's /metrics"
    return float(found.group(1))


def _scrape(url: str) -> tuple[float, float]:
    text = httpx.get(url, timeout=5).text
    return _gauge(text, "vatra_relay_lag_events"), _gauge(text, "vatra_relay_position")


def _relay_rule() -> dict[str, Any]:
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == "VatraRelayLagging":
                return dict(rule)
    raise AssertionError("deploy/prometheus/alerts.yml has no VatraRelayLagging")


def _duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return float(text[:-1]) * units[text[-1]]


def _expression_true_at(
    tmp: Path, expr: str, samples: list[tuple[float, float]], at: float
) -> bool:
    """Is ``expr`` true at ``at`` seconds, on these 15 s samples? (promtool)"""
    lags = " ".join(f"{lag:g}" for lag, _position in samples)
    positions = " ".join(f"{position:g}" for _lag, position in samples)
    test = {
        "evaluation_interval": f"{SCRAPE_INTERVAL:g}s",
        "tests": [
            {
                "interval": f"{SCRAPE_INTERVAL:g}s",
                "input_series": [
                    {
                        "series": 'vatra_relay_lag_events{job="vatra-relay"}',
                        "values": lags,
                    },
                    {
                        "series": 'vatra_relay_position{job="vatra-relay"}',
                        "values": positions,
                    },
                ],
                "promql_expr_test": [
                    {
                        "expr": f"count({expr})",
                        "eval_time": f"{at:g}s",
                        "exp_samples": [{"labels": "{}", "value": 1}],
                    }
                ],
            }
        ],
    }
    path = tmp / "relay_lag_test.yml"
    path.write_text(yaml.safe_dump(test), encoding="utf-8")
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: `make test` installs Debian's prometheus"
    result = subprocess.run(
        [promtool, "test", "rules", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return result.returncode == 0


@contextlib.contextmanager
def _api_traffic(backbone: Backbone) -> Iterator[tuple[Paced, Paced]]:
    """The API on uvicorn, probed and written to at ``RATE`` a second each."""
    context = api_context(backbone)
    token = context.users.issue_token("mu-vlora-1", "mobile_unit", ["vlora"], "en")
    server = ApiServer(create_app(context))
    client = httpx.Client(base_url=server.start(), timeout=10)
    auth = {"Authorization": f"Bearer {token}"}

    def write() -> int:
        answer = client.post("/api/cases", json=IDENTIFICATION, headers=auth)
        if answer.status_code != 201:
            raise httpx.HTTPError(f"answered {answer.status_code}")
        return answer.status_code

    probes = Paced(lambda: client.get("/health/ready").status_code)
    writes = Paced(write)
    threads = [probes.start(), writes.start()]
    try:
        yield probes, writes
    finally:
        probes.stop.set()
        writes.stop.set()
        for thread in threads:
            thread.join(timeout=30)
        server.stop()
        stop_checks(context.health_checks.values())
        client.close()


def _outage(
    workers: Workers, broker: LocalKafka, metrics: str
) -> list[tuple[float, float]]:
    """Scrape the relay every 15 s, stop the broker for ``OUTAGE`` seconds; the
    samples, from ``BEFORE`` scrapes before it to its end."""
    samples: list[tuple[float, float]] = []
    for _ in range(BEFORE):
        samples.append(_scrape(metrics))
        sleep_watching(workers, SCRAPE_INTERVAL)
    broker.stop()
    for _ in range(int(OUTAGE // SCRAPE_INTERVAL)):
        samples.append(_scrape(metrics))
        sleep_watching(workers, SCRAPE_INTERVAL)
    samples.append(_scrape(metrics))  # the outage's last second
    return samples


def _when_true(
    tmp: Path, expr: str, samples: list[tuple[float, float]]
) -> tuple[list[float], list[float]]:
    """The sample times of the outage (from its start), and those at which
    ``expr`` is true."""
    outage_times = [SCRAPE_INTERVAL * i for i in range(len(samples) - BEFORE)]
    start = BEFORE * SCRAPE_INTERVAL
    true_at = [
        at for at in outage_times if _expression_true_at(tmp, expr, samples, start + at)
    ]
    return outage_times, true_at


def _notes(writes: Paced, probes: Paced, first: float | None, wait: float) -> str:
    alert = (
        "never"
        if first is None
        else f"{first:.0f} s into the outage, firing at {first + wait:.0f} s"
    )
    return (
        f"{len(writes.durations)} writes, {len(writes.failures)} failed, "
        f"write p99 {writes.p99():.3f} s; {len(probes.durations)} probes, "
        f"probe p99 {probes.p99():.3f} s; VatraRelayLagging expression true "
        f"{alert} (for: {wait:.0f} s)"
    )


def test_a_kafka_outage_under_probes_fails_no_write_and_raises_the_lag_alert(
    open_stack: StackFactory,
    database: Database,
    own_broker: LocalKafka,
    reliability: ReliabilityReport,
    tmp_path: Path,
) -> None:
    with open_stack(database, own_broker.bootstrap_servers) as stack:
        workers: Workers = stack.workers(["relay", "projector"])
        workers.start()
        workers.wait_live()
        metrics = f"http://127.0.0.1:{workers['relay'].port}/metrics"
        with _api_traffic(stack.backbone) as (probes, writes):
            samples = _outage(workers, own_broker, metrics)
            own_broker.start(timeout=120)
            resumed = stack.wait_resumed(workers, stack.head())
            sleep_watching(workers, 2.0)
        stack.wait_resumed(workers, stack.head())
        codes = workers.stop()
        outcome = stack.outcome()

    rule = _relay_rule()
    wait = _duration(str(rule.get("for", "0s")))
    outage_times, true_at = _when_true(tmp_path, str(rule["expr"]), samples)
    first = true_at[0] if true_at else None
    reliability.add(
        Row(
            scenario="Kafka broker stopped 90 s under health probes and API writes",
            faults="the only broker stopped for 90 s; /health/ready at 2/s and "
            "identifications over HTTP at 2/s throughout",
            events=outcome.events,
            lost=outcome.kafka_lost + len(outcome.read_models_differing),
            duplicates=outcome.kafka_duplicates,
            alerts_duplicated=None,
            alerts_missing=None,
            recovery=f"{seconds(resumed)} to resume after the broker returned",
            notes=_notes(writes, probes, first, wait),
        )
    )
    assert writes.failures == [], writes.failures
    assert writes.p99() < 1.0
    assert len(writes.durations) >= OUTAGE * RATE * 0.9
    assert probes.failures == []
    assert probes.p99() < 1.0
    assert 503 in probes.statuses, "the probe never said Kafka was down"
    assert first is not None, samples
    assert first + wait <= ALERT_WITHIN, (samples, true_at)
    assert all(at in true_at for at in outage_times if at >= first), true_at
    assert codes == dict.fromkeys(workers.names, 0), "a worker did not stop cleanly"
    workers.check_no_unexpected_exits()
    assert outcome.kafka_lost == outcome.kafka_duplicates == 0
    assert outcome.read_models_differing == []
