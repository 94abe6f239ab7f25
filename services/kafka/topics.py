"""The backbone's Kafka topics, created through the admin client, idempotently.

- case events: key = case id, so one case's events stay in order on one
  partition; kept forever (the event store stays the source of truth, but
  subscribers may replay from the start);
- dead letters: messages a consumer could not decode or process, with the
  reason in their headers; kept forever, someone must look at each;
- access log: every read of a case (recorded by the API, published beside
  the relay), kept forever.
"""

from __future__ import annotations

import contextlib
from typing import Any

import structlog
from kafka import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError

from services.config.settings import KafkaSettings

log = structlog.get_logger("vatra.kafka")

FOREVER = "-1"


def topic_specs(settings: KafkaSettings) -> dict[str, dict[str, Any]]:
    """What each topic should look like, as the admin client takes it."""
    common = {
        "retention.ms": FOREVER,
        "retention.bytes": FOREVER,
        "min.insync.replicas": str(settings.min_insync_replicas),
        "cleanup.policy": "delete",
    }
    return {
        settings.events_topic: {
            "num_partitions": settings.partitions,
            "replication_factor": settings.replication_factor,
            "configs": dict(common),
        },
        settings.dead_letter_topic: {
            "num_partitions": 1,
            "replication_factor": settings.replication_factor,
            "configs": dict(common),
        },
        settings.access_log_topic: {
            "num_partitions": settings.partitions,
            "replication_factor": settings.replication_factor,
            "configs": dict(common),
        },
    }


def ensure_topics(settings: KafkaSettings) -> list[str]:
    """Create the topics that do not exist yet; return the names created."""
    admin = KafkaAdminClient(
        **settings.client_options(),
        client_id=f"{settings.client_id}-admin",
    )
    try:
        existing = set(admin.list_topics())
        wanted = {
            name: spec
            for name, spec in topic_specs(settings).items()
            if name not in existing
        }
        if not wanted:
            return []
        # Another process may create them between our look and our request.
        with contextlib.suppress(TopicAlreadyExistsError):
            admin.create_topics(wanted, wait_for_metadata=True)
        log.info("topics_created", topics=sorted(wanted))
        return sorted(wanted)
    finally:
        admin.close()
