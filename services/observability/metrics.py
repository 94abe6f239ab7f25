"""Prometheus metrics, defined once; processes expose them on /metrics.

The alert handlers' own metrics (``vatra_alerts_total``,
``vatra_alert_latency_seconds``) are defined beside them, in ``handlers.metrics``.

Each metric is made (and ``prometheus_client`` loaded) when it is first
used, or by ``create_all`` when a process starts exposing them (the API, the
workers' health server): a command that exports no metrics, such as
``vatra timeline``, does not load the client library to start.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge

_defined: list[_Metric] = []
# Threads of one process (the relay, the follower, the SOP clock) may use a
# metric first at the same moment: it must be made and registered once.
_making = threading.Lock()


class _Metric:
    """A counter or a gauge, made on first use."""

    def __init__(
        self,
        kind: Literal["counter", "gauge"],
        name: str,
        documentation: str,
        labelnames: Sequence[str] = (),
    ) -> None:
        self.kind, self.name, self.documentation = kind, name, documentation
        self.labelnames = tuple(labelnames)
        self._made: Counter | Gauge | None = None
        _defined.append(self)

    def made(self) -> Counter | Gauge:
        """The ``prometheus_client`` metric, made (and registered) now if not yet."""
        made = self._made
        if made is None:
            import prometheus_client  # noqa: PLC0415  (see the module's doc)

            with _making:
                made = self._made
                if made is None:
                    kind = (
                        prometheus_client.Counter
                        if self.kind == "counter"
                        else prometheus_client.Gauge
                    )
                    made = kind(self.name, self.documentation, self.labelnames)
                    self._made = made
        return made


class LazyCounter(_Metric):
    def __init__(
        self, name: str, documentation: str, labelnames: Sequence[str] = ()
    ) -> None:
        super().__init__("counter", name, documentation, labelnames)

    def labels(self, *values: str) -> Counter:
        counter: Counter = self.made().labels(*values)  # type: ignore[assignment]
        return counter

    def inc(self, amount: float = 1) -> None:
        self.made().inc(amount)


class LazyGauge(_Metric):
    def __init__(
        self, name: str, documentation: str, labelnames: Sequence[str] = ()
    ) -> None:
        super().__init__("gauge", name, documentation, labelnames)

    def labels(self, *values: str) -> Gauge:
        gauge: Gauge = self.made().labels(*values)  # type: ignore[assignment]
        return gauge

    def set(self, value: float) -> None:
        gauge: Gauge = self.made()  # type: ignore[assignment]
        gauge.set(value)


def create_all() -> None:
    """Make every metric of this module, so that /metrics lists them all (at
    zero) from the start."""
    for metric in _defined:
        metric.made()


EVENTS_RECORDED = LazyCounter(
    "vatra_events_recorded_total", "Case events recorded in the event store", ["type"]
)
RELAY_PUBLISHED = LazyCounter(
    "vatra_relay_published_total", "Events the relay published to Kafka"
)
RELAY_POSITION = LazyGauge(
    "vatra_relay_position", "Last notification id the relay published"
)
CONSUMER_APPLIED = LazyCounter(
    "vatra_consumer_applied_total",
    "Kafka messages applied by a consumer group",
    ["group"],
)
DEAD_LETTERS = LazyCounter(
    "vatra_dead_letters_total",
    "Events set aside as dead letters (the Kafka dead-letter topic, or the "
    "embedded mode's vatra_dead_letters table), by consumer group or projection "
    "and reason",
    ["group", "reason"],
)
SOP_DEADLINE_EVENTS = LazyCounter(
    "vatra_sop_deadline_events_total",
    "Deadline warnings and breaches the SOP clock recorded, by kind and rule",
    ["kind", "rule"],
)
SOP_CLOCK_CONFLICTS = LazyCounter(
    "vatra_sop_clock_conflicts_total",
    "Times the SOP clock found a case changed under it and decided again",
)
SOP_CLOCK_FAILURES = LazyCounter(
    "vatra_sop_clock_failures_total",
    "Cases the SOP clock could not settle in a tick (retried on the next)",
)
SOP_CLOCK_LAST_TICK = LazyGauge(
    "vatra_sop_clock_last_tick_timestamp_seconds",
    "When the SOP clock last finished a tick (its clock's time, Unix seconds)",
)
OBLIGATIONS = LazyGauge(
    "vatra_obligations",
    "SOP obligations by rule, region and status as of the SOP clock's last tick",
    ["rule", "region", "status"],
)
RELAY_LAG = LazyGauge(
    "vatra_relay_lag_events",
    "Recorded events not yet published (newest notification id minus published)",
)
CONSUMER_LAG = LazyGauge(
    "vatra_consumer_lag_messages",
    "Messages on a partition not yet applied by a consumer group",
    ["group", "partition"],
)
PROJECTION_LAG = LazyGauge(
    "vatra_projection_lag_seconds",
    "Age of the newest event a read model has applied while events wait "
    "(0 when caught up)",
    ["projection"],
)
WORKER_FAILURES = LazyCounter(
    "vatra_worker_failures_total",
    "Failed steps of a long-running worker, by worker and kind (database or "
    "broker: an outage, waited out; error: anything else)",
    ["worker", "kind"],
)
