"""Fault-suite fixtures: the reliability table, a real SMTP server, whole stacks.

The session's PostgreSQL and Kafka (``tests/conftest.py``) serve the scenarios
that do not break them; a scenario that stops a broker or the database starts
one of its own.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.catalogue import REGIONS
from domain.clock import ControlledClock, SystemClock
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.e2e.alerts.servers import SmtpServer, SmtpSink
from tests.faults.fault_report import ReliabilityReport
from tests.faults.fault_stack import FaultStack
from tests.integration.kafka_helpers import kafka_env
from tests.keys import KEYS_ENV

ROOT = Path(__file__).resolve().parents[2]
NOTIFY_SECRET = "fault-suite-ack-secret-0123456789"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday

StackFactory = Callable[..., contextlib.AbstractContextManager[FaultStack]]


@pytest.fixture(scope="session")
def reliability() -> Iterator[ReliabilityReport]:
    """Rows of RELIABILITY.md, written at the repository root when the suite ends."""
    report = ReliabilityReport()
    yield report
    report.write(ROOT / "RELIABILITY.md")


@pytest.fixture
def smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message."""
    sink = SmtpSink()
    with SmtpServer(sink) as server:
        yield sink, server.port


def directory_text() -> str:
    """Every contact by e-mail, so every alert is a message the SMTP sink counts."""
    entries = ['default_language = "en"\n']
    for region, name in REGIONS.items():
        entries.append(
            f'[[police]]\nid = "police-{region}"\nregion = "{region}"\n'
            f'email = "police.{region}@police.example.org"\n'
        )
        entries.append(
            f'[[unit_supervisors]]\nid = "supervisor-{region}"\nregion = "{region}"\n'
            f'email = "supervisor.{region}@vatra.example.org"\n'
        )
        entries.append(
            f'[[child_protection_units]]\nid = "cpu-{region}"\n'
            f'municipality = "{name}"\nemail = "cpu.{region}@example.org"\n'
        )
        entries.append(
            f'[[workers]]\nid = "worker-{region}"\nworker_id = "mu-{region}-1"\n'
            f'email = "worker.{region}@vatra.example.org"\n'
        )
    entries.append(
        '[[responsible_authority]]\nid = "ra-duty"\n'
        'email = "ra@koordinatori.example.org"\n'
    )
    entries.append(
        '[[coordinators]]\nid = "coordinator-national"\n'
        'email = "coordinator@vatra.example.org"\n'
    )
    entries.append(
        '[[agencies]]\nid = "agency-national-shelter"\nname = "National Shelter"\n'
        'email = "intake@shelter.example.org"\n'
    )
    return "\n".join(entries)


def stack_env(servers: str, smtp_port: int, directory: Path) -> dict[str, str]:
    """Settings of every process of a stack: unique topics and groups, fast loops,
    small batches (so a kill lands mid-stream), a short lease (so a killed
    notifier's claims are taken over quickly)."""
    return {
        **kafka_env(servers),
        "VATRA_KAFKA_NOTIFIER_GROUP": f"fault-{uuid.uuid4().hex[:10]}-notifier",
        "VATRA_DIRECTORY_FILE": str(directory),
        "VATRA_NOTIFY_SECRET": NOTIFY_SECRET,
        "VATRA_SMTP_HOST": "127.0.0.1",
        "VATRA_SMTP_PORT": str(smtp_port),
        "VATRA_SMTP_SECURITY": "none",
        "VATRA_SMTP_FROM": "alerts@vatra.example.org",
        "VATRA_SMTP_TIMEOUT": "2",
        "VATRA_WEBHOOK_TIMEOUT": "2",
        "VATRA_NOTIFY_LEASE": "3",
        "VATRA_NOTIFY_INTERVAL": "0.1",
        "VATRA_NOTIFY_BATCH_SIZE": "5",
        "VATRA_NOTIFY_BACKOFF_BASE": "0.1",
        "VATRA_NOTIFY_BACKOFF_MAX": "1",
        "VATRA_FOLLOW_INTERVAL": "0.1",
        "VATRA_SOP_CLOCK_INTERVAL": "0.5",
        "VATRA_BATCH_SIZE": "20",
        "VATRA_RELAY_BATCH_SIZE": "20",
        "VATRA_METRICS_PORT": "off",
        "VATRA_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def clock() -> ControlledClock:
    return ControlledClock(START)


@pytest.fixture
def backbone(database: Database, clock: ControlledClock) -> Iterator[Backbone]:
    """A backbone on a fresh database, on a clock the test moves."""
    settings = load_settings({"VATRA_LOG_LEVEL": "WARNING", **KEYS_ENV})
    with open_backbone(settings, clock=clock, database=database) as built:
        yield built


@pytest.fixture
def reference_database(postgres_server: Database) -> Iterator[Database]:
    """Where the read models and the ledger are rebuilt from scratch to compare."""
    db = postgres_server.with_name(f"ref_{os.urandom(8).hex()}").create()
    try:
        yield db
    finally:
        db.drop()


@pytest.fixture
def open_stack(
    tmp_path: Path,
    smtp_sink: tuple[SmtpSink, int],
    reference_database: Database,
) -> StackFactory:
    """``open_stack(database, servers)``: a FaultStack on that database and Kafka."""
    sink, port = smtp_sink
    directory = tmp_path / "directory.toml"
    directory.write_text(directory_text(), encoding="utf-8")

    @contextlib.contextmanager
    def opened(database: Database, servers: str, **extra: str) -> Iterator[FaultStack]:
        env = {**stack_env(servers, port, directory), **extra}
        settings = load_settings(env)
        log_dir = tmp_path / f"logs-{uuid.uuid4().hex[:6]}"
        log_dir.mkdir()
        with open_backbone(settings, clock=SystemClock(), database=database) as built:
            stack = FaultStack(
                backbone=built,
                database=database,
                reference_database=reference_database,
                env=env,
                sink=sink,
                directory=directory,
                log_dir=log_dir,
            )
            try:
                yield stack
            finally:
                stack.close()

    return opened
