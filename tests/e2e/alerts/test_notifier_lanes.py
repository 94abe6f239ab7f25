"""A receiver that hangs, and a notifier killed while it waits on one.

Real processes and a real SMTP server (aiosmtpd) that holds its answer to
some recipients: the notifier is caught mid-send, as it would be by a mail
server that stops answering.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.config.alerting import build_notifier
from services.config.bootstrap import Backbone
from services.config.notify_settings import load_notify_settings
from services.store.database import Database
from services.workers.notifier import Notifier
from tests.builders import identify_minor_in_vlora
from tests.e2e.alerts.alert_helpers import ledger_rows, wait_for
from tests.e2e.alerts.conftest import (
    CPU_VLORE,
    POLICE_VLORA,
    RESPONSIBLE_AUTHORITY,
    Receivers,
    running,
)
from tests.e2e.alerts.test_notifier_crash import _notifier

# The requirement: after a notifier dies, the alerts it held go out this soon.
RECOVERY_BOUND = 15.0


def _case_ref(case_id: str) -> str:
    return f"VT-{case_id.replace('-', '')[:8].upper()}"


@pytest.fixture
def patient_notifier(live: Backbone, notify_env: dict[str, str]) -> Iterator[Notifier]:
    """A notifier that waits a minute on an SMTP server before giving up."""
    settings = load_notify_settings(
        {**notify_env, "VATRA_SMTP_TIMEOUT": "60", "VATRA_NOTIFY_LEASE": "90"}
    )
    built = build_notifier(live, settings, worker="patient-notifier")
    try:
        yield built
    finally:
        built.close()


def test_a_police_alert_is_not_held_by_the_stalled_sends_of_other_alerts(
    live: Backbone, patient_notifier: Notifier, receivers: Receivers
) -> None:
    sink = receivers.smtp
    sink.stall = {RESPONSIBLE_AUTHORITY, CPU_VLORE}
    for _ in range(4):
        identify_minor_in_vlora(live.service, live.clock)
    with running(patient_notifier.workers(embedded=True)):
        try:
            wait_for(lambda: sink.stalling >= 1, 30, "a send to hang")
            case = identify_minor_in_vlora(live.service, live.clock)
            # Far shorter than the minute the hanging sends still have to run.
            wait_for(
                lambda: any(
                    _case_ref(case["case_id"]) in mail.text
                    for mail in sink.to(POLICE_VLORA)
                ),
                5,
                "the new case's police alert",
            )
            stalled = ledger_rows(
                patient_notifier.pool,
                "role IN ('responsible_authority', 'child_protection_unit')",
            )
            # Every lane that may send them was hanging on one meanwhile.
            assert sink.stalling == 3
            assert {r["status"] for r in stalled} == {"pending"}
            assert {r["attempts"] for r in stalled} == {0}
        finally:
            sink.release.set()


def test_after_a_notifier_is_killed_mid_send_the_next_delivers_the_rest_in_15_s(
    live: Backbone,
    receivers: Receivers,
    notify_env: dict[str, str],
    database: Database,
    tmp_path: Path,
) -> None:
    sink = receivers.smtp
    sink.stall = {RESPONSIBLE_AUTHORITY}
    # The production lease and send timeout, not the tests' short ones.
    env = {
        name: value
        for name, value in notify_env.items()
        if name not in {"VATRA_NOTIFY_LEASE", "VATRA_SMTP_TIMEOUT"}
    }
    cases = 6
    alerts = cases * 3
    for _ in range(cases):
        identify_minor_in_vlora(live.service, live.clock)
    log = tmp_path / "notifier.log"
    notifier = _notifier("embedded", env, database, log)
    try:
        wait_for(lambda: sink.stalling >= 1, 120, "the notifier to hang on a send")
    finally:
        notifier.send_signal(signal.SIGKILL)
        notifier.wait(timeout=30)
    killed_at = time.monotonic()
    delivered = ledger_rows(live.pool, "status = 'delivered'")
    assert len(delivered) < alerts, "the notifier finished before it was killed"
    sink.release.set()  # the mail server answers again
    notifier = _notifier("embedded", env, database, log)
    try:
        wait_for(
            lambda: len(ledger_rows(live.pool, "status = 'delivered'")) == alerts,
            RECOVERY_BOUND - (time.monotonic() - killed_at),
            "the next notifier to deliver every alert",
        )
    finally:
        notifier.send_signal(signal.SIGTERM)
        notifier.wait(timeout=60)
    assert notifier.returncode == 0, log.read_text(errors="replace")[-2000:]
    assert len(sink.to(RESPONSIBLE_AUTHORITY)) == cases
