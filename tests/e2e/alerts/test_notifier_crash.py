"""A notifier killed with SIGKILL mid-batch, then restarted: each alert once.

The notifier runs as ``vatra notify`` (``python -m services.cli.main notify``)
in a subprocess (the embedded mode following the log, or the Kafka mode on its
consumer group),
with a small batch, against a real SMTP server that takes a little time per
message so the kill lands while a batch is being sent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.clock import SystemClock
from handlers.dispatcher import DispatchSettings
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.builders import SUBJECT_REF, events_of, identify_minor_in_vlora
from tests.e2e.alerts.alert_helpers import ledger_rows, wait_for
from tests.e2e.alerts.conftest import Receivers, running
from tests.integration.kafka_helpers import kafka_env

ROOT = Path(__file__).resolve().parents[3]
CASES = 40
ALERTS = CASES * 3  # police, Responsible Authority, Child Protection Unit


@pytest.fixture(params=["embedded", "kafka"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def run_env(
    mode: str, notify_env: dict[str, str], request: pytest.FixtureRequest
) -> dict[str, str]:
    env = {**notify_env, "VATRA_NOTIFY_BATCH_SIZE": "5", "VATRA_LOG_LEVEL": "INFO"}
    if mode == "kafka":
        servers: str = request.getfixturevalue("kafka_servers")
        env |= kafka_env(servers) | {
            "VATRA_KAFKA_NOTIFIER_GROUP": f"test-{uuid.uuid4().hex[:10]}-notifier",
            "VATRA_LOG_LEVEL": "INFO",
        }
    return env


@pytest.fixture
def recorder(database: Database, run_env: dict[str, str]) -> Iterator[Backbone]:
    """The test's own backbone: records the cases (and relays them, in Kafka mode)."""
    settings = load_settings({**run_env, "VATRA_LOG_LEVEL": "WARNING"})
    with open_backbone(settings, clock=SystemClock(), database=database) as built:
        yield built


def _notifier(
    mode: str, env: dict[str, str], database: Database, log: Path
) -> subprocess.Popen[bytes]:
    """The notifier in a process of its own; its log lines go to ``log``."""
    process_env = {
        **os.environ,
        **env,
        "POSTGRES_HOST": database.host,
        "POSTGRES_PORT": str(database.port),
        "POSTGRES_USER": database.user,
        "POSTGRES_DBNAME": database.dbname,
        "PYTHONPATH": str(ROOT),
    }
    args = ["--embedded"] if mode == "embedded" else []
    with log.open("ab") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", "notify", *args],
            cwd=ROOT,
            env=process_env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def test_a_notifier_killed_mid_batch_still_delivers_each_alert_once(
    mode: str,
    recorder: Backbone,
    receivers: Receivers,
    run_env: dict[str, str],
    database: Database,
    tmp_path: Path,
) -> None:
    log = tmp_path / "notifier.log"
    sink = receivers.smtp
    sink.delay = 0.03  # slow enough that the kill lands inside a batch
    cases = [
        identify_minor_in_vlora(recorder.service, recorder.clock)["case_id"]
        for _ in range(CASES)
    ]
    relay = [recorder.relay()] if mode == "kafka" else []
    with running(relay):
        notifier = _notifier(mode, run_env, database, log)
        wait_for(lambda: sink.count() >= 20, 120, "the notifier to send a first batch")
        notifier.send_signal(signal.SIGKILL)
        notifier.wait(timeout=30)
        killed_at = sink.count()
        assert killed_at < ALERTS, "the notifier finished before it could be killed"
        notifier = _notifier(mode, run_env, database, log)
        try:
            wait_for(
                lambda: (
                    len(
                        ledger_rows(
                            recorder.pool,
                            "status = 'delivered' AND outcome_recorded_at IS NOT NULL",
                        )
                    )
                    == ALERTS
                ),
                120,
                "the restarted notifier to deliver and record every alert",
            )
        finally:
            notifier.send_signal(signal.SIGTERM)
            notifier.wait(timeout=60)
    logs = log.read_text(encoding="utf-8", errors="replace")
    assert notifier.returncode == 0, logs[-2000:]
    rows = ledger_rows(recorder.pool)
    assert len(rows) == ALERTS
    expected_ids = {f"<{r['delivery_id']}@vatra.example.org>": r for r in rows}

    by_id = defaultdict(list)
    for mail in sink.received:
        by_id[mail.message_id].append(mail)
    # Exactly one distinct message per intent, and no other.
    assert set(by_id) == set(expected_ids)
    for message_id, copies in by_id.items():
        row = expected_ids[message_id]
        # A Message-ID never stands for another intent: every copy went to
        # the intent's recipient, about the intent's case, with the same text.
        assert {m.recipients for m in copies} == {copies[0].recipients}
        assert {m.text for m in copies} == {copies[0].text}
        assert str(row["case_id"]).replace("-", "")[:8].upper() in copies[0].text
    # Raw deliveries may exceed distinct ones by the messages in flight at the
    # kill: the SMTP server had accepted one (250, or still in DATA when the
    # client died) but the notifier died before committing "delivered" for
    # its row. The restarted notifier resends that row after its lease runs
    # out, with the same Message-ID, so a deduplicating receiver keeps one.
    # At most one message per sending lane is in that window per kill.
    assert len(sink.received) - len(by_id) <= DispatchSettings().senders
    for case_id in cases:
        notified = events_of(recorder.service, case_id, "AuthorityNotified")
        assert sorted(e.authority for e in notified) == [
            "child_protection_unit",
            "police",
            "responsible_authority",
        ], f"case {case_id} recorded {len(notified)} notifications"
    assert "alert_delivered" in logs
    assert SUBJECT_REF not in logs
    assert "@police.example.org" not in logs, "an address reached the logs"
