"""The relay sends the envelope stored with each event (``services.store.outbox``):
the very message it would have encoded from the event, sealed at rest under
the event cipher, and events stored before envelopes were still published."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from domain.clock import ControlledClock
from domain.events import CaseEvent
from schemas.mapping import encode_event, kafka_headers, kafka_key
from services.cli.demo import record_scenario
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.integration.kafka_helpers import kafka_env, publish_all, read_topic

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["plain", "sealed"])
def full(
    request: pytest.FixtureRequest,
    database: Database,
    clock: ControlledClock,
    kafka_servers: str,
) -> Iterator[Backbone]:
    env = kafka_env(kafka_servers)
    if request.param == "sealed":
        env["VATRA_EVENT_CIPHER_KEY"] = base64.b64encode(os.urandom(32)).decode()
    with open_backbone(load_settings(env), clock=clock, database=database) as built:
        yield built


def _stored(full: Backbone) -> list[tuple[int, CaseEvent, bytes | None]]:
    """Every stored event: its position, the event, its stored envelope."""
    with full.pool.connection() as conn:
        envelopes = dict(
            conn.execute(
                "SELECT notification_id, envelope FROM cases_events"
            ).fetchall()
        )
    found = []
    for n in full.app.recorder.select_notifications(start=1, limit=100_000):
        event = full.app.mapper.to_domain_event(n)
        assert isinstance(event, CaseEvent)
        found.append((n.id, event, envelopes[n.id]))
    return found


def test_each_event_goes_out_as_the_message_encoded_from_it_stored_envelope_or_not(
    full: Backbone, clock: ControlledClock, kafka_servers: str
) -> None:
    record_scenario(full.service, clock, NOW)
    # Events stored before envelopes were: every other one loses its envelope.
    with full.pool.connection() as conn:
        conn.execute(
            "UPDATE cases_events SET envelope = NULL WHERE notification_id % 2 = 0"
        )
    stored = _stored(full)
    assert {envelope is None for _id, _event, envelope in stored} == {True, False}

    assert publish_all(full.relay()) == len(stored)

    records = read_topic(kafka_servers, full.kafka.events_topic, len(stored))
    sent = {(r.key, r.value): dict(r.headers) for r in records}
    assert len(sent) == len(stored)
    for position, event, _envelope in stored:
        headers = sent[(kafka_key(event), encode_event(event, position))]
        assert headers == dict(kafka_headers(event))


def test_under_the_event_cipher_the_stored_envelope_holds_no_plaintext(
    full: Backbone, clock: ControlledClock
) -> None:
    record_scenario(full.service, clock, NOW)
    stored = _stored(full)
    sealed = full.settings.privacy.event_cipher_key.get_secret_value() != ""
    for position, event, envelope in stored:
        assert envelope is not None
        # The case id is the message key and sits in every envelope.
        assert (str(event.originator_id).encode() in envelope) is not sealed
        assert (encode_event(event, position)[20:40] in envelope) is not sealed
