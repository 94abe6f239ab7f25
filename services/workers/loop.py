"""One supervised loop for every long-running worker, with one outage policy.

A worker (relay, consumer, log follower, SOP clock, access-log publisher) is
a step repeated until its stop event is set; the step does its own work and
its own idle wait (on that same event, so a stop never waits out a sleep).
When a step fails:

- a database outage (``services.store.outages``) or a broker outage (a Kafka
  or socket error) is waited out: the worker lets go of its connections
  (``on_outage``), backs off from ``first_pause`` doubling up to
  ``longest_pause``, and tries again from its stored position. It logs
  ``<worker>_database_unavailable`` or ``<worker>_broker_unavailable`` once
  when the outage begins and ``<worker>_resumed`` when a step succeeds again,
  not once per attempt;
- any other error either ends the worker (``errors="raise"``: the supervisor
  stops the process, to be restarted) or is retried under the same back-off
  (``errors="retry"``), logged with its traceback once per run of failures.

Every failed step counts in ``vatra_worker_failures_total{worker, kind}``.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import structlog

from services.observability.metrics import WORKER_FAILURES
from services.store.outages import is_database_outage

log = structlog.get_logger("vatra.workers")

FailureKind = Literal["database", "broker", "error"]


def failure_kind(error: BaseException) -> FailureKind:
    """What a failed step met: a database outage, a broker outage, or an error."""
    if is_database_outage(error):
        return "database"
    # Only a worker that loaded kafka-python can meet its errors; the others
    # (the log follower, the SOP clock) need not load it.
    kafka_errors = sys.modules.get("kafka.errors")
    if isinstance(error, OSError) or (
        kafka_errors is not None and isinstance(error, kafka_errors.KafkaError)
    ):
        return "broker"
    return "error"


@dataclass(frozen=True)
class OutagePolicy:
    """How long to wait between two tries while something is unavailable."""

    first_pause: float = 0.5
    longest_pause: float = 10.0


class SupervisedLoop:
    """Repeats a worker's step until ``stop`` is set, waiting outages out."""

    def __init__(
        self,
        name: str,
        stop: threading.Event,
        *,
        label: str | None = None,
        errors: Literal["raise", "retry"] = "raise",
        on_outage: Callable[[], None] | None = None,
        policy: OutagePolicy = OutagePolicy(),
    ) -> None:
        """``name`` begins the log events; ``label`` (``name`` by default) is the
        metric's ``worker`` label and names this instance in the logs."""
        self.name = name
        self.label = label or name
        self.stop = stop
        self.errors = errors
        self.on_outage = on_outage
        self.policy = policy
        self.failures = 0  # consecutive failed steps; 0 while all is well

    def run(self, step: Callable[[], object]) -> None:
        """Call ``step`` until stopped; a failure is handled by the policy."""
        pause = self.policy.first_pause
        while not self.stop.is_set():
            try:
                step()
            except Exception as error:
                kind = failure_kind(error)
                WORKER_FAILURES.labels(self.label, kind).inc()
                if kind == "error" and self.errors == "raise":
                    raise
                self._report(kind, error, pause)
                if self.on_outage is not None:
                    self.on_outage()
                self.stop.wait(pause)
                pause = min(pause * 2, self.policy.longest_pause)
                continue
            if self.failures:
                log.info(
                    f"{self.name}_resumed", worker=self.label, failures=self.failures
                )
                self.failures = 0
                pause = self.policy.first_pause

    def _report(self, kind: FailureKind, error: Exception, pause: float) -> None:
        self.failures += 1
        if self.failures > 1:
            log.debug(f"{self.name}_still_failing", worker=self.label, kind=kind)
            return
        if kind == "error":
            # Never skipped: the step left nothing half-done, so it is tried again.
            log.exception(f"{self.name}_step_failed", worker=self.label)
            return
        log.warning(
            f"{self.name}_{kind}_unavailable",
            worker=self.label,
            error=type(error).__name__,
            detail=str(error)[:200],
            retry_in=pause,
        )
