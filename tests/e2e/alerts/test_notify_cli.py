"""``vatra notify`` and ``vatra ack`` as an operator and a police officer use them.

Skipped until the CLI wiring of issue #4 (``notify``, ``ack``) is applied.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.clock import SystemClock
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.builders import events_of, identify_minor_in_vlora
from tests.e2e.alerts.alert_helpers import wait_for
from tests.e2e.alerts.conftest import POLICE_VLORA, Receivers

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def cli_env(notify_env: dict[str, str], database: Database) -> dict[str, str]:
    return {
        **os.environ,
        **notify_env,
        "POSTGRES_HOST": database.host,
        "POSTGRES_PORT": str(database.port),
        "POSTGRES_USER": database.user,
        "POSTGRES_DBNAME": database.dbname,
        "VATRA_METRICS_PORT": "off",
        "PYTHONPATH": str(ROOT),
    }


@pytest.fixture
def recorder(database: Database, notify_env: dict[str, str]) -> Iterator[Backbone]:
    settings = load_settings(notify_env)
    with open_backbone(settings, clock=SystemClock(), database=database) as built:
        yield built


def _vatra(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_vatra_notify_alerts_and_vatra_ack_records_the_acknowledgement_once(
    recorder: Backbone, receivers: Receivers, cli_env: dict[str, str], tmp_path: Path
) -> None:
    with (tmp_path / "notify.log").open("wb") as log:
        notifier = subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", "notify", "--embedded"],
            cwd=ROOT,
            env=cli_env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        case = identify_minor_in_vlora(recorder.service, recorder.clock)
        wait_for(
            lambda: (
                "police"
                in {
                    e.authority
                    for e in events_of(
                        recorder.service, case["case_id"], "AuthorityNotified"
                    )
                }
            ),
            60,
            "the police alert on the case",
        )
    finally:
        notifier.send_signal(signal.SIGTERM)
        notifier.wait(timeout=60)
    assert notifier.returncode == 0, (tmp_path / "notify.log").read_text()[-2000:]
    text = receivers.smtp.to(POLICE_VLORA)[0].text
    token = text.split("/ack/", 1)[1].split()[0]
    first = _vatra(cli_env, "ack", token)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "alert acknowledged (police)" in first.stdout
    again = _vatra(cli_env, "ack", token)
    assert "already acknowledged" in again.stdout
    forged = _vatra(cli_env, "ack", token[:-4] + "AAAA")
    assert forged.returncode == 2
    assert "not valid" in forged.stderr
    assert len(events_of(recorder.service, case["case_id"], "AlertAcknowledged")) == 1
