"""Prometheus metrics, defined once; processes expose them on /metrics."""

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
    "Messages sent to the dead-letter topic, by consumer group and reason",
    ["group", "reason"],
)
