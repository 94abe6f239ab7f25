"""Alert fixtures: real SMTP and webhook receivers on 127.0.0.1, a directory
pointing at them, and a backbone on a real clock (retries wait real time)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain.clock import SystemClock
from services.config.alerting import build_notifier
from services.config.bootstrap import Backbone, open_backbone
from services.config.notify_settings import NotifySettings, load_notify_settings
from services.config.settings import load_settings
from services.store.database import Database
from services.workers.notifier import Notifier
from services.workers.supervisor import Worker
from tests.e2e.alerts.servers import Endpoint, SmtpServer, SmtpSink, WebhookReceiver
from tests.keys import KEYS_ENV

NOTIFY_SECRET = "ack-secret-for-tests-0123456789abcdef"
# Each webhook receiver has its own secret, named by secret_env in the directory.
COORDINATOR_SECRET = "coordinator-webhook-secret-0123456789"
AGENCY_SECRET = "agency-webhook-secret-abcdefghijklmn"
SMS_GATEWAY_SECRET = "sms-gateway-secret-for-tests-98765"
COORDINATOR_ID = "coordinator-national"
AGENCY_ID = "agency-national-shelter"

POLICE_VLORA = "antitrafik.vlore@police.example.org"
POLICE_VLORA_PHONE = "+35533000199"
RESPONSIBLE_AUTHORITY = "njoftime@koordinatori.example.org"
CPU_VLORE = "nmf@vlore.example.org"
WORKER_VLORA = "punonjesi@vatra.example.org"
SUPERVISOR_VLORA = "mbikeqyresi@vatra.example.org"
SHELTER_VLORA = "pranimi@streha-vlore.example.org"
LEGAL_CLINIC = "intake@legal-clinic.example.org"
# The legal clinic's lawyer and psychologist, reminded of their hearings.
CLINIC_LAWYER = ("lawyer-vlora-1", "avokati@legal-clinic.example.org")
CLINIC_PSYCHOLOGIST = ("psy-vlora-1", "psikologia@legal-clinic.example.org")


@dataclass
class Receivers:
    smtp: SmtpSink
    smtp_port: int
    hooks: WebhookReceiver


def directory_text(receivers: Receivers) -> str:
    """Every region's police; the Vlora ones and the CPU of Vlorë by e-mail."""
    police = "\n".join(
        f'[[police]]\nid = "police-{region}"\nregion = "{region}"\n'
        f'email = "antitrafik.{region}@police.example.org"\n'
        for region in ("diber", "berat", "durres", "lezhe")
    )
    hooks = receivers.hooks
    return f"""
default_language = "sq"

[[police]]
id = "police-vlora"
region = "vlora"
label = "Vlora police directorate"
email = "{POLICE_VLORA}"
phone = "{POLICE_VLORA_PHONE}"

{police}

[[responsible_authority]]
id = "ra-duty"
email = "{RESPONSIBLE_AUTHORITY}"

[[child_protection_units]]
id = "cpu-vlore"
municipality = "Vlorë"
email = "{CPU_VLORE}"

[[coordinators]]
id = "coordinator-national"
webhook = "{hooks.url("/coordinators")}"
secret_env = "VATRA_WEBHOOK_SECRET_COORDINATOR"
language = "en"

[[unit_supervisors]]
id = "supervisor-vlora"
region = "vlora"
email = "{SUPERVISOR_VLORA}"

[[agencies]]
id = "agency-national-shelter"
name = "National Shelter"
webhook = "{hooks.url("/agency")}"
secret_env = "VATRA_WEBHOOK_SECRET_NATIONAL_SHELTER"

[[agencies]]
id = "agency-vlora-shelter"
name = "Vlora Shelter"
email = "{SHELTER_VLORA}"

[[agencies]]
id = "agency-legal-clinic"
name = "Legal Clinic"
email = "{LEGAL_CLINIC}"
language = "en"

[[workers]]
id = "worker-mu-vlora-1"
worker_id = "mu-vlora-1"
email = "{WORKER_VLORA}"
language = "en"

[[workers]]
id = "worker-lawyer-vlora-1"
worker_id = "{CLINIC_LAWYER[0]}"
email = "{CLINIC_LAWYER[1]}"

[[workers]]
id = "worker-psy-vlora-1"
worker_id = "{CLINIC_PSYCHOLOGIST[0]}"
email = "{CLINIC_PSYCHOLOGIST[1]}"
language = "en"
"""


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    sink = SmtpSink()
    endpoints = {
        "/coordinators": Endpoint((COORDINATOR_SECRET.encode(),), COORDINATOR_ID),
        "/agency": Endpoint((AGENCY_SECRET.encode(),), AGENCY_ID),
        "/sms": Endpoint((SMS_GATEWAY_SECRET.encode(),)),
    }
    with (
        SmtpServer(sink) as smtp,
        WebhookReceiver(endpoints) as hooks,
    ):
        yield Receivers(sink, smtp.port, hooks)


@pytest.fixture
def notify_env(tmp_path: Path, receivers: Receivers) -> dict[str, str]:
    """The notifier's settings for a test: fast polling, short backoff."""
    directory = tmp_path / "directory.toml"
    directory.write_text(directory_text(receivers), encoding="utf-8")
    return {
        "VATRA_DIRECTORY_FILE": str(directory),
        "VATRA_NOTIFY_SECRET": NOTIFY_SECRET,
        "VATRA_WEBHOOK_SECRET_COORDINATOR": COORDINATOR_SECRET,
        "VATRA_WEBHOOK_SECRET_NATIONAL_SHELTER": AGENCY_SECRET,
        "VATRA_SMTP_HOST": "127.0.0.1",
        "VATRA_SMTP_PORT": str(receivers.smtp_port),
        "VATRA_SMTP_SECURITY": "none",
        "VATRA_SMTP_FROM": "alerts@vatra.example.org",
        "VATRA_PUBLIC_URL": "https://vatra.example.org",
        "VATRA_NOTIFY_INTERVAL": "0.05",
        "VATRA_NOTIFY_MAX_ATTEMPTS": "3",
        "VATRA_NOTIFY_BACKOFF_BASE": "0.05",
        "VATRA_NOTIFY_BACKOFF_MAX": "0.2",
        "VATRA_NOTIFY_LEASE": "2",
        "VATRA_SMTP_TIMEOUT": "1",
        "VATRA_WEBHOOK_TIMEOUT": "1",
        "VATRA_FOLLOW_INTERVAL": "0.05",
        "VATRA_METRICS_PORT": "off",
        "VATRA_LOG_LEVEL": "WARNING",
        **KEYS_ENV,
    }


@pytest.fixture
def notify_settings(notify_env: dict[str, str]) -> NotifySettings:
    return load_notify_settings(notify_env)


@pytest.fixture
def live(database: Database, notify_env: dict[str, str]) -> Iterator[Backbone]:
    """A backbone on the machine's clock, as the notifier runs in production."""
    settings = load_settings(notify_env)
    with open_backbone(settings, clock=SystemClock(), database=database) as built:
        yield built


@contextlib.contextmanager
def running(workers: Sequence[Worker]) -> Iterator[None]:
    """Run workers in threads for the duration of the block."""
    threads = [threading.Thread(target=w.run, daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(timeout=30)


@pytest.fixture
def notifier(live: Backbone, notify_settings: NotifySettings) -> Iterator[Notifier]:
    built = build_notifier(live, notify_settings, worker="test-notifier")
    try:
        yield built
    finally:
        built.close()
