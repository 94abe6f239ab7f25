"""The last resort of a stopping process: it ends within a bound, whatever hangs.

A SIGTERM asks every worker to stop and every pool to close. When PostgreSQL
stops answering (a network partition, a black-holed connection), a thread may
sit in a read that nothing interrupts. ``ShutdownDeadline`` starts with the
signal; if the orderly shutdown has not finished when it expires, it logs
``shutdown_overran`` and ends the process at once with exit code 1.
Committed work is safe either way: every effect commits with its position.
"""

from __future__ import annotations

import os
import sys
import threading
import time

import structlog

log = structlog.get_logger("vatra.shutdown")

EXIT_OVERRUN = 1


class ShutdownDeadline:
    """Ends the process ``seconds`` after ``start()`` unless it exits first."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._started_at: float | None = None

    def start(self) -> None:
        """Start counting (once; later calls change nothing)."""
        with self._lock:
            if self._timer is not None:
                return
            self._started_at = time.monotonic()
            self._timer = threading.Timer(self.seconds, self._overrun)
            self._timer.name = "vatra-shutdown-deadline"
            self._timer.daemon = True
            self._timer.start()

    def remaining(self, default: float) -> float:
        """Seconds left before the deadline (``default`` before it started)."""
        if self._started_at is None:
            return default
        return max(self.seconds - (time.monotonic() - self._started_at), 0.0)

    def cancel(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()

    def _overrun(self) -> None:
        log.error("shutdown_overran", seconds=self.seconds)
        print(
            f"vatra: still stopping {self.seconds:g} s after the signal "
            "(is the database answering?); exiting now",
            file=sys.stderr,
            flush=True,
        )
        os._exit(EXIT_OVERRUN)
