"""The delivery channels against real servers on 127.0.0.1: SMTP with STARTTLS
and login, a server that offers no STARTTLS, and SMS through a signed gateway."""

from __future__ import annotations

import ssl
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from domain.clock import SystemClock
from handlers.channels.base import DeliveryError, OutgoingMessage
from handlers.channels.email import SmtpChannel, SmtpSettings
from handlers.channels.sms import SmsChannel
from handlers.channels.webhook import WebhookChannel, WebhookKeys
from tests.e2e.alerts.conftest import SMS_GATEWAY_SECRET, Receivers
from tests.e2e.alerts.servers import LOOPBACK, SmtpServer, SmtpSink

MESSAGE = OutgoingMessage(
    delivery_id=uuid.UUID("7d3c2b1a-0000-4000-8000-00000000beef"),
    language="en",
    subject="Vatra: new identification VT-7D3C2B1A (Vlorë), minor",
    text="A mobile unit identified a potential victim of trafficking.",
    short_text="Vatra: identification VT-7D3C2B1A, Vlorë, MINOR",
    recipient="worker-mu-vlora-1",
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the test's private CA)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "1",
            "-subj", f"/CN={LOOPBACK}", "-addext", f"subjectAltName=IP:{LOOPBACK}",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


class Credentials:
    """An aiosmtpd authenticator that accepts one login and remembers tries."""

    def __init__(self, login: str, password: str) -> None:
        self.expected = LoginPassword(login.encode(), password.encode())
        self.tried: list[tuple[str, bool]] = []

    def __call__(
        self,
        _server: SMTP,
        session: Session,
        _envelope: Envelope,
        _mechanism: str,
        data: Any,
    ) -> AuthResult:
        ok = data == self.expected
        self.tried.append((data.login.decode(), session.ssl is not None))
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_server(
    certificate: tuple[Path, Path],
) -> Iterator[tuple[SmtpServer, Credentials]]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    credentials = Credentials("vatra", "s3cret-for-tests")
    server = SmtpServer(
        SmtpSink(),
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=credentials,
    )
    with server:
        yield server, credentials


def _channel(
    port: int,
    security: str,
    ca_file: str = "",
    username: str = "",
    password: str = "",
) -> SmtpChannel:
    settings = SmtpSettings(
        host=LOOPBACK,
        port=port,
        security=security,
        username=username,
        password=password,
        sender="alerts@vatra.example.org",
        timeout=5,
        ca_file=ca_file,
    )
    return SmtpChannel(settings, SystemClock())


def test_mail_goes_over_starttls_and_logs_in_when_the_server_requires_both(
    tls_server: tuple[SmtpServer, Credentials], certificate: tuple[Path, Path]
) -> None:
    server, credentials = tls_server
    channel = _channel(
        server.port,
        "starttls",
        ca_file=str(certificate[0]),
        username="vatra",
        password="s3cret-for-tests",
    )
    channel.send(MESSAGE, "antitrafik.vlore@police.example.org")
    [mail] = server.sink.received
    assert mail.message_id == f"<{MESSAGE.delivery_id}@vatra.example.org>"
    assert mail.message["Subject"] == MESSAGE.subject
    assert credentials.tried == [("vatra", True)], "logged in only inside TLS"


def test_a_wrong_password_is_a_delivery_failure_with_the_code_only(
    tls_server: tuple[SmtpServer, Credentials], certificate: tuple[Path, Path]
) -> None:
    server, _credentials = tls_server
    channel = _channel(
        server.port,
        "starttls",
        ca_file=str(certificate[0]),
        username="vatra",
        password="wrong",
    )
    with pytest.raises(DeliveryError) as failed:
        channel.send(MESSAGE, "antitrafik.vlore@police.example.org")
    assert failed.value.reason == "SMTP 535"
    assert server.sink.received == []


def test_a_server_certificate_nobody_vouches_for_is_refused(
    tls_server: tuple[SmtpServer, Credentials],
) -> None:
    server, _credentials = tls_server
    with pytest.raises(DeliveryError, match="SSLCertVerificationError"):
        _channel(server.port, "starttls").send(MESSAGE, "x@police.example.org")
    assert server.sink.received == []


def test_a_server_without_starttls_gets_nothing_in_clear() -> None:
    with SmtpServer(SmtpSink()) as server:
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            _channel(server.port, "starttls").send(MESSAGE, "x@police.example.org")
        assert server.sink.received == []


def test_an_sms_goes_through_the_gateway_signed_with_the_alerts_id(
    receivers: Receivers,
) -> None:
    webhooks = WebhookChannel({}, SystemClock())
    keys = WebhookKeys(SMS_GATEWAY_SECRET.encode())
    sms = SmsChannel(webhooks, receivers.hooks.url("/sms"), keys)
    sms.send(MESSAGE, "+355691234567")
    [hook] = receivers.hooks.at("/sms")
    assert hook.verified
    assert hook.headers["idempotency-key"] == str(MESSAGE.delivery_id)
    assert hook.json() == {
        "to": "+355691234567",
        "text": MESSAGE.short_text,
        "delivery_id": str(MESSAGE.delivery_id),
        "recipient": "worker-mu-vlora-1",
    }
