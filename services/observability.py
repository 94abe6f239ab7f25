"""``/metrics`` and health endpoints for the worker processes.

Each worker (relay, projector, notifier, SOP clock, or ``vatra run`` hosting
several) serves on a port of its own (``VATRA_METRICS_PORT``):

- ``/metrics``: Prometheus text format, every metric of the process;
- ``/health/live``: 200 while the process serves at all;
- ``/health/ready``: 200 when every readiness check passes (the database
  answers, Kafka answers in the full mode, the worker is caught up within a
  bound), else 503 with the failing checks named.

The HTTP API serves the same paths itself.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

log = structlog.get_logger("vatra.health")

Check = Callable[[], tuple[bool, str]]


def readiness(checks: Mapping[str, Check]) -> tuple[bool, dict[str, dict[str, Any]]]:
    """Run every check; a check that raises counts as failed, with its error."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in checks.items():
        try:
            ok, detail = check()
        except Exception as error:  # a readiness probe must answer, not crash
            ok, detail = False, f"{type(error).__name__}: {error}"[:200]
        results[name] = {"ok": ok, "detail": detail}
    return all(r["ok"] for r in results.values()), results


class Cached:
    """A check whose answer is reused for ``seconds`` (probes come often)."""

    def __init__(self, check: Check, seconds: float = 5.0) -> None:
        self.check = check
        self.seconds = seconds
        self._at = 0.0
        self._answer: tuple[bool, str] = (False, "not checked yet")
        self._lock = threading.Lock()

    def __call__(self) -> tuple[bool, str]:
        with self._lock:
            if time.monotonic() - self._at > self.seconds:
                self._answer = self.check()
                self._at = time.monotonic()
            return self._answer


class HealthServer:
    """Serves /metrics and /health/* on ``host:port`` from a daemon thread."""

    def __init__(self, host: str, port: int, checks: Mapping[str, Check]) -> None:
        self.checks = dict(checks)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # probes every few seconds would drown the real logs

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="health", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        log.info("health_server_started", port=self.port)
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

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
