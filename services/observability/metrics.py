"""Prometheus metrics, defined once; processes expose them on /metrics.

The alert handlers' own metrics (``vatra_alerts_total``,
``vatra_alert_latency_seconds``) are defined beside them, in ``handlers.metrics``.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

EVENTS_RECORDED = Counter(
    "vatra_events_recorded_total", "Case events recorded in the event store", ["type"]
)
RELAY_PUBLISHED = Counter(
    "vatra_relay_published_total", "Events the relay published to Kafka"
)
RELAY_POSITION = Gauge(
    "vatra_relay_position", "Last notification id the relay published"
)
CONSUMER_APPLIED = Counter(
    "vatra_consumer_applied_total",
    "Kafka messages applied by a consumer group",
    ["group"],
)
DEAD_LETTERS = Counter(
    "vatra_dead_letters_total",
    "Events set aside as dead letters (the Kafka dead-letter topic, or the "
    "embedded mode's vatra_dead_letters table), by consumer group or projection "
    "and reason",
    ["group", "reason"],
)
SOP_DEADLINE_EVENTS = Counter(
    "vatra_sop_deadline_events_total",
    "Deadline warnings and breaches the SOP clock recorded, by kind and rule",
    ["kind", "rule"],
)
SOP_CLOCK_CONFLICTS = Counter(
    "vatra_sop_clock_conflicts_total",
    "Times the SOP clock found a case changed under it and decided again",
)
SOP_CLOCK_FAILURES = Counter(
    "vatra_sop_clock_failures_total",
    "Cases the SOP clock could not settle in a tick (retried on the next)",
)
SOP_CLOCK_LAST_TICK = Gauge(
    "vatra_sop_clock_last_tick_timestamp_seconds",
    "When the SOP clock last finished a tick (its clock's time, Unix seconds)",
)
OBLIGATIONS = Gauge(
    "vatra_obligations",
    "SOP obligations by rule, region and status as of the SOP clock's last tick",
    ["rule", "region", "status"],
)
RELAY_LAG = Gauge(
    "vatra_relay_lag_events",
    "Recorded events not yet published (newest notification id minus published)",
)
CONSUMER_LAG = Gauge(
    "vatra_consumer_lag_messages",
    "Messages on a partition not yet applied by a consumer group",
    ["group", "partition"],
)
PROJECTION_LAG = Gauge(
    "vatra_projection_lag_seconds",
    "Age of the newest event a read model has applied while events wait "
    "(0 when caught up)",
    ["projection"],
)
WORKER_FAILURES = Counter(
    "vatra_worker_failures_total",
    "Failed steps of a long-running worker, by worker and kind (database or "
    "broker: an outage, waited out; error: anything else)",
    ["worker", "kind"],
)
