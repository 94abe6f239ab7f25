"""Readiness checks of a running backbone, for ``/health/ready``.

Each check runs off the request path, on a thread of its own, every
``VATRA_HEALTH_INTERVAL`` seconds, with short timeouts of its own; a probe
reads the latest answers (``observability.Refreshed``). So a broker or a
database that does not answer makes the probe say so, never wait.
"""

from __future__ import annotations

from kafka import KafkaAdminClient

from services.config.bootstrap import Backbone
from services.kafka.relay import Relay
from services.observability.server import Check, Refreshed

# The longest one run of a check waits for a connection or an answer.
CHECK_TIMEOUT = 2.0


def database_check(backbone: Backbone) -> Check:
    def check() -> tuple[bool, str]:
        with backbone.pool.connection(timeout=CHECK_TIMEOUT) as conn:
            conn.execute("SELECT 1")
        return True, "PostgreSQL answers"

    return check


def kafka_check(backbone: Backbone) -> Check:
    options = backbone.kafka.client_options()

    def check() -> tuple[bool, str]:
        timeout_ms = int(CHECK_TIMEOUT * 1000)
        admin = KafkaAdminClient(
            **options,
            client_id=f"{backbone.kafka.client_id}-health",
            bootstrap_timeout_ms=timeout_ms,
            request_timeout_ms=timeout_ms,
        )
        try:
            topics = admin.list_topics()
        finally:
            admin.close()
        return True, f"Kafka answers ({len(topics)} topics)"

    return check


def relay_caught_up(relay: Relay, max_lag: int) -> Check:
    def check() -> tuple[bool, str]:
        lag = relay.lag()
        return lag <= max_lag, f"{lag} events not yet published (bound {max_lag})"

    return check


def follower_caught_up(backbone: Backbone, max_lag: int) -> Check:
    def check() -> tuple[bool, str]:
        newest = backbone.app.recorder.max_notification_id() or 0
        with backbone.pool.connection() as conn:
            row = conn.execute(
                "SELECT coalesce(min(position), 0) FROM vatra_positions "
                "WHERE consumer = ANY(%s)",
                ([p.name for p in backbone.projections],),
            ).fetchone()
        lag = newest - int(row[0] if row else 0)
        return lag <= max_lag, f"read models {lag} events behind (bound {max_lag})"

    return check


def checks_for(
    backbone: Backbone, *, relay: Relay | None = None, embedded: bool = False
) -> dict[str, Check]:
    """The checks that say a process of this kind is ready to serve, each
    refreshed in the background (``stop_checks`` ends their threads)."""
    settings = backbone.settings
    max_lag = settings.ready_max_lag
    checks: dict[str, Check] = {"database": database_check(backbone)}
    if settings.kafka is not None and not embedded:
        checks["kafka"] = kafka_check(backbone)
    if relay is not None:
        checks["relay_caught_up"] = relay_caught_up(relay, max_lag)
    if embedded:
        checks["read_models_caught_up"] = follower_caught_up(backbone, max_lag)
    return {
        name: Refreshed(name, check, every=settings.health_interval)
        for name, check in checks.items()
    }
