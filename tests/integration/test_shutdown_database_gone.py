"""SIGTERM ends every long-running process within 10 s, even when the database
stops answering while the process runs.

The process reaches PostgreSQL through a loopback TCP proxy written here. The
test lets the process start and work, then turns the proxy into a black hole:
connections stay open but nothing is forwarded any more, and new connections
are left waiting in the listen queue, so every read and connect of the process
hangs. Then it sends SIGTERM and waits at most the requirement's 10 s.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devtools.kafka.probes import free_ports
from services.store.database import Database
from tests.integration.kafka_helpers import kafka_env, wait_for

ROOT = Path(__file__).resolve().parents[2]
SHUTDOWN_BOUND = 10.0  # seconds: the requirement


class BlackholeProxy:
    """Forwards 127.0.0.1:<port> to PostgreSQL until ``blackhole()`` is called."""

    def __init__(self, database: Database) -> None:
        self._target = database
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port: int = self._listener.getsockname()[1]
        self._forwarding = threading.Event()
        self._forwarding.set()
        self._closed = threading.Event()
        self.held = threading.Event()  # bytes arrived after the black hole began
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _upstream(self) -> socket.socket:
        target = self._target
        if target.host.startswith("/"):
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(f"{target.host}/.s.PGSQL.{target.port}")
            return upstream
        return socket.create_connection((target.host, target.port))

    def _accept(self) -> None:
        while self._forwarding.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._forwarding.is_set():
                # Too late: keep it open and silent, like the rest.
                self._keep(client)
                return
            upstream = self._upstream()
            self._keep(client, upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pipe, args=(source, sink), daemon=True
                ).start()

    def _keep(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._sockets.extend(sockets)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            if not self._forwarding.is_set():
                # The black hole: swallow the bytes, answer nothing, keep it open.
                self.held.set()
                self._closed.wait()
                return
            try:
                sink.sendall(data)
            except OSError:
                return

    def blackhole(self) -> None:
        """Stop forwarding and stop accepting; every connection stays open."""
        self._forwarding.clear()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()


@pytest.fixture
def proxy(database: Database) -> Iterator[BlackholeProxy]:
    proxy = BlackholeProxy(database)
    try:
        yield proxy
    finally:
        proxy.close()


def _env(database: Database, proxy: BlackholeProxy, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("POSTGRES_", "VATRA_", "KAFKA_"))
    }
    return {
        **env,
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": str(proxy.port),
        "POSTGRES_USER": database.user,
        "POSTGRES_DBNAME": database.dbname,
        "VATRA_LOG_LEVEL": "INFO",
        "VATRA_FOLLOW_INTERVAL": "0.2",
        "VATRA_SOP_CLOCK_INTERVAL": "0.5",
        # Alerts on (the directory's channels configured); nothing is sent here.
        "VATRA_NOTIFY_SECRET": "a-test-secret-of-at-least-32-characters!",
        "VATRA_NOTIFY_INTERVAL": "0.2",
        "VATRA_SMTP_HOST": "127.0.0.1",
        "VATRA_SMTP_PORT": str(free_ports(1)[0]),
        "VATRA_SMS_GATEWAY_SECRET": "another-test-secret-of-32-characters-at-least",
        "VATRA_SMS_GATEWAY_URL": f"http://127.0.0.1:{free_ports(1)[0]}/sms",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def _start(
    args: list[str], env: dict[str, str], health_url: str
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    def serving() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"vatra {args} exited: {process.stderr.read()}")
        try:
            return httpx.get(health_url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(serving, 90, f"vatra {' '.join(args)} to serve {health_url}")
    return process


def _sigterm_once_the_database_hangs(
    process: subprocess.Popen[str], proxy: BlackholeProxy, poke: str | None = None
) -> None:
    """Black-hole the database, wait until the process is stuck on it, SIGTERM."""
    try:
        proxy.blackhole()
        if poke is not None:
            # A request that waits on the database while the process is told to stop.
            threading.Thread(target=lambda: _ignore_errors(poke), daemon=True).start()
        assert proxy.held.wait(30), "the process never touched the database"
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=SHUTDOWN_BOUND)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"still running {SHUTDOWN_BOUND} s after SIGTERM"
            ) from None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _ignore_errors(url: str) -> None:
    with contextlib.suppress(httpx.HTTPError):
        httpx.get(url, timeout=30)


def test_vatra_api_stops_within_10_s_of_sigterm_with_the_database_hung(
    database: Database, proxy: BlackholeProxy
) -> None:
    port = free_ports(1)[0]
    env = _env(
        database,
        proxy,
        VATRA_API_HOST="127.0.0.1",
        VATRA_API_PORT=str(port),
        VATRA_METRICS_PORT="off",
    )
    base = f"http://127.0.0.1:{port}"
    process = _start(["api"], env, f"{base}/health/live")
    _sigterm_once_the_database_hangs(process, proxy, poke=f"{base}/health/ready")


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--embedded"],
        ["sop-clock"],
        ["project", "--embedded", "--follow"],
        ["notify", "--embedded"],
    ],
    ids=" ".join,
)
def test_a_worker_stops_within_10_s_of_sigterm_with_the_database_hung(
    database: Database, proxy: BlackholeProxy, args: list[str]
) -> None:
    port = free_ports(1)[0]
    env = _env(
        database,
        proxy,
        VATRA_METRICS_PORT=str(port),
    )
    process = _start(args, env, f"http://127.0.0.1:{port}/health/live")
    _sigterm_once_the_database_hangs(process, proxy)


@pytest.mark.parametrize("args", [["relay"], ["project"], ["run"]], ids=" ".join)
def test_a_kafka_worker_stops_within_10_s_of_sigterm_with_the_database_hung(
    database: Database, proxy: BlackholeProxy, kafka_servers: str, args: list[str]
) -> None:
    port = free_ports(1)[0]
    env = _env(
        database,
        proxy,
        **kafka_env(kafka_servers),
        VATRA_METRICS_PORT=str(port),
    )
    process = _start(args, env, f"http://127.0.0.1:{port}/health/live")
    _sigterm_once_the_database_hangs(process, proxy)
