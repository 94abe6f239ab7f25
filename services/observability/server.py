"""``/metrics`` and health endpoints for the worker processes.

Each worker (relay, projector, notifier, SOP clock, or ``vatra run`` hosting
several) serves on a port of its own (``VATRA_METRICS_PORT``):

- ``/metrics``: Prometheus text format, every metric of the process;
- ``/health/live``: 200 while the process serves at all;
- ``/health/ready``: 200 when every readiness check passes (the database
  answers, Kafka answers in the full mode, the worker is caught up within a
  bound), else 503 with the failing checks named.

The HTTP API serves the same paths itself. A probe never waits on a database
or a broker: each check runs on a thread of its own (``Refreshed``) and the
probe reads its latest answer and how old it is. A client that hangs up
before its answer is written is no error.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from services.observability import metrics

log = structlog.get_logger("vatra.health")

Check = Callable[[], tuple[bool, str]]


def readiness(checks: Mapping[str, Check]) -> tuple[bool, dict[str, dict[str, Any]]]:
    """Every check's answer; a check that raises counts as failed, with its error.

    A ``Refreshed`` check answers from its latest run, with ``age_seconds``.
    """
    results: dict[str, dict[str, Any]] = {}
    for name, check in checks.items():
        age: float | None = None
        try:
            if isinstance(check, Refreshed):
                ok, detail, age = check.latest()
            else:
                ok, detail = check()
        except Exception as error:  # a readiness probe must answer, not crash
            ok, detail = False, _failure(error)
        results[name] = {"ok": ok, "detail": detail}
        if age is not None:
            results[name]["age_seconds"] = round(age, 1)
    return all(r["ok"] for r in results.values()), results


def _failure(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:200]


class Refreshed:
    """A check run every ``every`` seconds on a daemon thread of its own.

    A call answers at once with the latest result, so a check that hangs (a
    broker that does not answer, a pool waiting for a connection) never holds
    a probe or the thread serving it. An answer older than ``stale_after``
    counts as failed: the check itself is stuck. The thread starts at the
    first call, so building the checks connects to nothing.
    """

    def __init__(
        self,
        name: str,
        check: Check,
        *,
        every: float = 5.0,
        stale_after: float | None = None,
        first_wait: float = 0.2,
    ) -> None:
        self.name = name
        self.check = check
        self.every = every
        self.stale_after = stale_after if stale_after is not None else 3 * every + 10
        self.first_wait = first_wait
        self._answer: tuple[bool, str] | None = None
        self._at = 0.0
        self._lock = threading.Lock()
        self._answered = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self) -> tuple[bool, str]:
        ok, detail, _age = self.latest()
        return ok, detail

    def latest(self) -> tuple[bool, str, float | None]:
        """(ok, detail, seconds since the check last answered, or None)."""
        self._start()
        # Only the very first probe may wait, and only briefly.
        self._answered.wait(self.first_wait)
        with self._lock:
            answer, at = self._answer, self._at
        if answer is None:
            return False, "not checked yet", None
        age = time.monotonic() - at
        if age > self.stale_after:
            return False, f"no answer for {age:.0f} s (the check hangs)", age
        return answer[0], answer[1], age

    def stop(self) -> None:
        self._stop.set()

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(
                target=self._run, name=f"health-{self.name}", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                answer = self.check()
            except Exception as error:  # recorded as the check's answer
                answer = (False, _failure(error))
            with self._lock:
                self._answer, self._at = answer, time.monotonic()
            self._answered.set()
            self._stop.wait(self.every)


def stop_checks(checks: Iterable[Check]) -> None:
    """End the threads of the ``Refreshed`` checks among ``checks``."""
    for check in checks:
        if isinstance(check, Refreshed):
            check.stop()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (a probe that timed out, a scraper that went
        # away) is not the server's error: no traceback for it.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("health_client_hung_up")
            return
        super().handle_error(request, client_address)


class HealthServer:
    """Serves /metrics and /health/* on ``host:port`` from a daemon thread."""

    def __init__(self, host: str, port: int, checks: Mapping[str, Check]) -> None:
        self.checks = dict(checks)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                try:
                    server.answer(self)
                except ConnectionError:  # the client hung up mid-answer
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass  # probes every few seconds would drown the real logs

        self._httpd = _QuietServer((host, port), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="health", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> HealthServer:
        metrics.create_all()  # every metric listed from the first scrape
        self._thread.start()
        log.info("health_server_started", port=self.port)
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        stop_checks(self.checks.values())

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(request, 200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
        elif path == "/health/live":
            self._send_json(request, 200, {"status": "alive"})
        elif path == "/health/ready":
            ok, results = readiness(self.checks)
            body = {"status": "ready" if ok else "not ready", "checks": results}
            self._send_json(request, 200 if ok else 503, body)
        else:
            self._send_json(request, 404, {"error": "not found"})

    @staticmethod
    def _send_json(request: BaseHTTPRequestHandler, status: int, body: object) -> None:
        HealthServer._send(
            request, status, json.dumps(body).encode(), "application/json"
        )

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
