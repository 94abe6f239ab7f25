"""The alert handlers' Prometheus metrics (served with the others on /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

ALERT_LATENCY = Histogram(
    "vatra_alert_latency_seconds",
    "Time from an event's occurred_at to the delivery of its alert, by recipient "
    "role and channel (late-entered field work counts from when it happened)",
    ["role", "channel"],
    buckets=(1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 86400),
)
ALERTS = Counter(
    "vatra_alerts_total",
    "Alert deliveries by channel, recipient role and outcome (delivered, retry, "
    "failed, skipped, unroutable, outcome_refused)",
    ["channel", "role", "outcome"],
)
