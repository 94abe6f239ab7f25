"""The HTTP edge: body cap, security headers, metrics, docs, correlation ids."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlparse

import httpx

from domain.clock import ControlledClock
from handlers.acknowledgements import AckTokens
from services.api.app import create_app
from services.api.context import ApiContext
from services.api.serve import ApiServer
from services.config.settings import ApiSettings
from tests.e2e.helpers import Api

CAP = 1024 * 1024


@contextlib.contextmanager
def served(context: ApiContext, settings: ApiSettings) -> Iterator[str]:
    server = ApiServer(create_app(context, settings))
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


def _connect(base_url: str) -> socket.socket:
    address = urlparse(base_url)
    return socket.create_connection((address.hostname, address.port), timeout=30)


def _status(sock: socket.socket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1])


def test_a_huge_declared_body_without_a_token_is_refused_before_it_is_read(
    base_url: str,
) -> None:
    with _connect(base_url) as sock:
        sock.sendall(
            b"POST /api/cases HTTP/1.1\r\nHost: vatra\r\n"
            b"Content-Type: application/json\r\n"
            b"Content-Length: 400000000\r\n\r\n" + b"[" * 65536
        )
        # The answer comes while 399.9 MB are still unsent.
        assert _status(sock) == 413


def test_a_streamed_body_past_the_cap_is_refused(base_url: str) -> None:
    with _connect(base_url) as sock:
        sock.sendall(
            b"POST /api/cases HTTP/1.1\r\nHost: vatra\r\n"
            b"Content-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )

        def stream() -> None:
            chunk = b"40000\r\n" + b" " * 0x40000 + b"\r\n"
            try:
                for _ in range(16):  # 4 MiB, four times the cap
                    sock.sendall(chunk)
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server answered and hung up: what we want

        sender = threading.Thread(target=stream)
        sender.start()
        try:
            assert _status(sock) == 413
        finally:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sender.join(timeout=30)


def test_a_body_under_the_cap_still_reaches_the_route(api: Api) -> None:
    case = api.identify()
    assert case["version"] == 1


def test_pages_and_api_answers_forbid_framing_caching_and_referrers(
    api: Api, base_url: str
) -> None:
    answers = [
        api.as_("vlora_worker").get("/api/cases"),
        httpx.get(f"{base_url}/login"),
        httpx.get(f"{base_url}/ack/not-a-token"),
    ]
    for answer in answers:
        assert answer.status_code < 500
        csp = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src" not in csp  # default-src 'none': no script at all
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_an_ack_link_with_non_ascii_in_its_signature_is_a_400(
    context: ApiContext, clock: ControlledClock
) -> None:
    context.ack_tokens = AckTokens(b"s" * 32, clock, timedelta(days=30))
    with served(context, ApiSettings()) as url:
        for method in ("GET", "POST"):
            answer = httpx.request(method, f"{url}/ack/0.1.%C3%A9%C3%A9")
            assert answer.status_code == 400


def test_metrics_and_the_browsable_docs_are_off_unless_enabled(
    context: ApiContext,
) -> None:
    with served(context, ApiSettings()) as url:
        assert httpx.get(f"{url}/metrics").status_code == 404
        assert httpx.get(f"{url}/docs").status_code == 404
        assert httpx.get(f"{url}/redoc").status_code == 404
        assert httpx.get(f"{url}/openapi.json").status_code == 200
    with served(context, ApiSettings(metrics=True, docs=True)) as url:
        assert "vatra_http_requests_total" in httpx.get(f"{url}/metrics").text
        assert httpx.get(f"{url}/docs").status_code == 200
        assert httpx.get(f"{url}/redoc").status_code == 404


def test_made_up_http_methods_share_one_metric_series(context: ApiContext) -> None:
    with served(context, ApiSettings(metrics=True)) as url:
        for n in range(20):
            httpx.request(f"MADEUP{n}", f"{url}/api/cases")
        text = httpx.get(f"{url}/metrics").text
    assert "MADEUP" not in text
    assert 'method="other"' in text


def test_a_correlation_id_that_is_not_opaque_is_replaced(base_url: str) -> None:
    opaque = "3f2a9c1e-0b7d-4c55-9e0a-1b2c3d4e5f60"
    assert (
        httpx.get(
            f"{base_url}/health/live", headers={"X-Correlation-Id": opaque}
        ).headers["X-Correlation-Id"]
        == opaque
    )
    for given in (
        "ana.hoxha:0691234567",
        "Ana Hoxha",
        "Engjellushe-Cela",
        "engjellushe-cela-355691234567",
        "+355 69 123 4567",
        "355691234567",
        "3F2A9C1E-0B7D-4C55-9E0A-1B2C3D4E5F60",
        "short",
        "x" * 65,
    ):
        answered = httpx.get(
            f"{base_url}/health/live", headers={"X-Correlation-Id": given}
        ).headers["X-Correlation-Id"]
        assert answered != given
        assert re.fullmatch(r"[0-9a-f]{32}", answered)
