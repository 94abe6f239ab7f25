"""The health and metrics server of the workers, over a real loopback socket."""

from __future__ import annotations

import socket
import struct
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

from services.config.logs import configure_logging
from services.observability.server import HealthServer


class SlowCheck:
    """A readiness check that answers only when the test lets it."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> tuple[bool, str]:
        self.asked.set()
        self.release.wait(30)
        return True, "answers"


@pytest.fixture
def slow() -> SlowCheck:
    return SlowCheck()


@pytest.fixture
def server(slow: SlowCheck) -> Iterator[HealthServer]:
    configure_logging("WARNING", "json")  # on this test's stderr
    running = HealthServer("127.0.0.1", 0, {"slow": slow}).start()
    try:
        yield running
    finally:
        slow.release.set()
        running.stop()


def _requests_being_served() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "process_request" in t.name]


def _wait_until_idle() -> None:
    for _ in range(300):
        if not _requests_being_served():
            return
        time.sleep(0.05)
    raise AssertionError("the health server is still answering")


def test_a_client_that_hangs_up_before_its_answer_leaves_no_traceback(
    server: HealthServer, slow: SlowCheck, capfd: pytest.CaptureFixture[str]
) -> None:
    for _attempt in range(3):
        slow.asked.clear()
        slow.release.clear()
        client = socket.create_connection(("127.0.0.1", server.port))
        client.sendall(b"GET /health/ready HTTP/1.1\r\nHost: probe\r\n\r\n")
        assert slow.asked.wait(10)
        # Close with a reset, as a probe that timed out does: the answer
        # written afterwards meets a broken pipe or a reset connection.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        slow.release.set()
        _wait_until_idle()
    url = f"http://127.0.0.1:{server.port}/health/live"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert "BrokenPipeError" not in err
    assert "ConnectionResetError" not in err
