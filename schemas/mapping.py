"""The one place that maps case events to the public Avro contract and back.

A case event goes on Kafka as an ``Envelope`` record (the facts every event
carries) whose ``payload`` is the event's own record, each in single-object
encoding. Reading resolves both to their newest schema versions, then applies
the upcasters for changes Avro defaults cannot express.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from hashlib import sha1
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.events import ENVELOPE_FIELDS, EVENT_TYPES, CaseEvent, payload_of
from domain.identification import upgrade_identified_v1
from schemas.codec import (
    CodecError,
    CorruptMessage,
    InvalidRecord,
    SchemaRegistry,
    UnknownSchema,
    default_registry,
)
from schemas.outbox import EnvelopeFacts, Message, message, stored_body

ENVELOPE = "Envelope"

# The stored topic of the Case aggregate: a creation event needs it to rebuild
# the aggregate. Stored topics are part of the stored format, so spelled out.
CASE_TOPIC = "domain.case:Case"

# uuid5(NAMESPACE_URL, "https://vatra.al/backbone/case-event"); published in the
# envelope schema so subscribers can derive event ids themselves. Never change.
EVENT_ID_NAMESPACE = UUID("fbb3f6a0-b383-5b48-aabd-48bde4f39846")

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

# (record name, version written) -> function fixing what Avro resolution cannot.
# It receives the record already resolved to the newest schema (fields added
# since carry their defaults; no field is ever removed, so the old values are
# there to derive from) and returns the corrected record; an Envelope's uuids
# arrive as text and its times as microseconds. Chained in version order.
UPCASTERS: Mapping[tuple[str, int], Upcaster] = {
    ("Identified", 1): lambda record: _upgraded(upgrade_identified_v1, record),
}


def _upgraded(
    upgrade: Callable[[dict[str, Any]], None], record: dict[str, Any]
) -> dict[str, Any]:
    upgraded = dict(record)
    upgrade(upgraded)
    return upgraded


class ContractMismatch(CodecError):
    """A decoded event does not fit the domain event class of its type."""


@dataclasses.dataclass(frozen=True)
class DecodedEvent:
    """A case event read from the wire: envelope facts plus its own fields.

    ``payload`` holds domain values (aware UTC datetimes, lists of str) in the
    shape of the newest schema version; ``schema_version`` is the version the
    producer wrote.
    """

    event_id: UUID
    case_id: UUID
    type: str
    schema_version: int
    aggregate_version: int
    position: int
    occurred_at: datetime
    recorded_at: datetime
    actor_id: str
    actor_role: str
    correlation_id: str
    payload: dict[str, Any]


def event_id(case_id: UUID, aggregate_version: int) -> UUID:
    """The event's id: the same for every (re-)send of the same stored event."""
    return uuid5(EVENT_ID_NAMESPACE, f"{case_id}:{aggregate_version}")


_NAMESPACE_BYTES = EVENT_ID_NAMESPACE.bytes


def _event_id_bytes(case_id: str, aggregate_version: int) -> bytes:
    """``event_id(...).bytes`` for a case id in text, without the ``UUID``
    objects (the relay and every consumer compute one per event)."""
    name = f"{case_id}:{aggregate_version}".encode()
    digest = bytearray(sha1(_NAMESPACE_BYTES + name).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # RFC 4122 version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return bytes(digest)


def _event_id_text(case_id: str, aggregate_version: int) -> str:
    h = _event_id_bytes(case_id, aggregate_version).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def to_envelope(
    event: CaseEvent, position: int, *, registry: SchemaRegistry | None = None
) -> dict[str, Any]:
    """The ``Envelope`` record of ``event`` stored at notification id ``position``."""
    registry = _registry(registry)
    name = type(event).__name__
    schema = registry.get(name)
    payload = {key: _to_avro(name, key, v) for key, v in payload_of(event).items()}
    case_id = str(event.originator_id)
    return {
        "event_id": _event_id_text(case_id, event.originator_version),
        "case_id": case_id,
        "type": name,
        "schema_version": schema.version,
        "aggregate_version": event.originator_version,
        "position": position,
        "occurred_at": _micros(name, "occurred_at", event.occurred_at),
        "recorded_at": _micros(name, "timestamp", event.timestamp),
        "actor": {"id": event.actor_id, "role": event.actor_role},
        "correlation_id": event.correlation_id,
        "payload": registry.encode(name, payload, version=schema.version),
    }


def outbox_body(event: CaseEvent, *, registry: SchemaRegistry | None = None) -> bytes:
    """``event``'s envelope without its position, as stored beside the event
    for the relay (``schemas.outbox``); its payload validated here."""
    registry = _registry(registry)
    name = type(event).__name__
    schema = registry.get(name)
    payload = {key: _to_avro(name, key, v) for key, v in payload_of(event).items()}
    case_id = str(event.originator_id)
    facts = EnvelopeFacts(
        event_id=_event_id_text(case_id, event.originator_version),
        case_id=case_id,
        type=name,
        schema_version=schema.version,
        aggregate_version=event.originator_version,
        occurred_at=_micros(name, "occurred_at", event.occurred_at),
        recorded_at=_micros(name, "timestamp", event.timestamp),
        actor_id=event.actor_id,
        actor_role=event.actor_role,
        correlation_id=event.correlation_id,
    )
    encoded = registry.encode(name, payload, version=schema.version)
    return stored_body(registry, facts, encoded)


def encode_event(
    event: CaseEvent, position: int, *, registry: SchemaRegistry | None = None
) -> bytes:
    """``event`` as a Kafka message value: its envelope, single-object encoded."""
    return message(outbox_body(event, registry=registry), position).value


def message_headers(
    sent: Message, *, registry: SchemaRegistry | None = None
) -> list[tuple[str, bytes]]:
    """``kafka_headers`` of the event a stored message was made from."""
    return [
        ("type", sent.type),
        ("fingerprint", _fingerprint_hex(_registry(registry), sent.type.decode())),
        ("correlation_id", sent.correlation_id),
    ]


def decode_event(
    data: bytes,
    *,
    registry: SchemaRegistry | None = None,
    upcasters: Mapping[tuple[str, int], Upcaster] | None = None,
) -> DecodedEvent:
    """A Kafka message value read back; raises a ``CodecError`` if it is not one."""
    registry = _registry(registry)
    upcasters = UPCASTERS if upcasters is None else upcasters
    # The envelope's uuids and times are converted here rather than by
    # fastavro: the event id is only checked, and that needs no ``UUID``.
    outer = registry.decode(data, logical=False)
    if outer.name != ENVELOPE:
        raise CorruptMessage(f"expected an {ENVELOPE} record, got {outer.name}")
    envelope = _upcast(registry, upcasters, outer.name, outer.version, outer.record)
    inner = registry.decode(envelope["payload"])
    case_id, event_id_bytes = _check_consistent(envelope, inner.name, inner.version)
    payload = _upcast(registry, upcasters, inner.name, inner.version, inner.record)
    return DecodedEvent(
        event_id=UUID(bytes=event_id_bytes),
        case_id=case_id,
        type=inner.name,
        schema_version=inner.version,
        aggregate_version=envelope["aggregate_version"],
        position=envelope["position"],
        occurred_at=_from_micros(envelope["occurred_at"]),
        recorded_at=_from_micros(envelope["recorded_at"]),
        actor_id=envelope["actor"]["id"],
        actor_role=envelope["actor"]["role"],
        correlation_id=envelope["correlation_id"],
        payload=payload,
    )


def to_domain_event(decoded: DecodedEvent) -> CaseEvent:
    """The eventsourcing event object ``decoded`` was made from."""
    event_class = EVENT_TYPES.get(decoded.type)
    if event_class is None:
        raise UnknownSchema(f"{decoded.type} is not a case event type")
    own_fields = _own_fields(event_class)
    if decoded.payload.keys() != own_fields:
        raise ContractMismatch(
            f"{decoded.type} v{decoded.schema_version} payload has fields "
            f"{sorted(decoded.payload)}; the domain event has {sorted(own_fields)}"
        )
    values: dict[str, Any] = {
        "originator_id": decoded.case_id,
        "originator_version": decoded.aggregate_version,
        "timestamp": decoded.recorded_at,
        "actor_id": decoded.actor_id,
        "actor_role": decoded.actor_role,
        "occurred_at": decoded.occurred_at,
        "correlation_id": decoded.correlation_id,
    }
    if issubclass(event_class, Aggregate.Created):
        values["originator_topic"] = CASE_TOPIC
    # Copy lists so the event does not share them with ``decoded``.
    for key, value in decoded.payload.items():
        values[key] = list(value) if isinstance(value, list) else value
    # Made as eventsourcing's own mapper makes events from the store: the
    # fields were checked above, and the frozen dataclass's __init__ (one
    # object.__setattr__ a field) cost as much as the rest of this function.
    event = object.__new__(event_class)
    object.__setattr__(event, "__dict__", values)
    return event


def kafka_key(event: CaseEvent) -> bytes:
    """The Kafka message key: the case id, so a case's events keep their order."""
    return str(event.originator_id).encode()


def kafka_headers(
    event: CaseEvent, *, registry: SchemaRegistry | None = None
) -> list[tuple[str, bytes]]:
    """Headers that let a subscriber route a message without decoding it.

    ``fingerprint`` is the payload schema's, hex-encoded in wire byte order.
    """
    name = type(event).__name__
    return [
        ("type", name.encode()),
        ("fingerprint", _fingerprint_hex(_registry(registry), name)),
        ("correlation_id", event.correlation_id.encode()),
    ]


@cache
def _fingerprint_hex(registry: SchemaRegistry, name: str) -> bytes:
    return registry.get(name).fingerprint.hex().encode()


@cache
def _own_fields(event_class: type[CaseEvent]) -> frozenset[str]:
    """The fields of ``event_class`` that its payload carries."""
    return frozenset(f.name for f in dataclasses.fields(event_class)) - ENVELOPE_FIELDS


def _registry(registry: SchemaRegistry | None) -> SchemaRegistry:
    return default_registry() if registry is None else registry


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(event_type: str, field: str, value: datetime) -> int:
    """An aware time as Avro ``timestamp-micros`` (what fastavro would make of
    it, without its conversion on every write)."""
    if value.utcoffset() is None:
        raise InvalidRecord(f"{event_type}.{field}: a time needs a time zone")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _to_avro(event_type: str, field: str, value: Any) -> Any:
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            # fastavro would take a naive time as the machine's local time.
            raise InvalidRecord(f"{event_type}.{field}: a time needs a time zone")
        return value.astimezone(UTC)
    if isinstance(value, tuple):
        return list(value)
    return value


def _check_consistent(
    envelope: dict[str, Any], name: str, version: int
) -> tuple[UUID, bytes]:
    """Check the envelope against its payload and its own event id.

    Returns the case id and the event id's bytes.
    """
    if envelope["type"] != name or envelope["schema_version"] != version:
        raise CorruptMessage(
            f"envelope says {envelope['type']} v{envelope['schema_version']}, "
            f"payload was written as {name} v{version}"
        )
    claimed = envelope["event_id"]
    try:
        case_id = UUID(envelope["case_id"])
        # The id is derived from the case id's canonical text, which is how
        # the envelope spells it; and the event id compares as hex text.
        expected = _event_id_bytes(str(case_id), envelope["aggregate_version"])
        matches = claimed.replace("-", "") == expected.hex() or (
            UUID(claimed).bytes == expected
        )
    except ValueError as error:
        raise CorruptMessage(f"{ENVELOPE}: not a uuid: {error}") from None
    if not matches:
        raise CorruptMessage(
            f"event_id {claimed} is not the id of case "
            f"{envelope['case_id']} version {envelope['aggregate_version']}"
        )
    return case_id, expected


def _from_micros(value: int) -> datetime:
    """Avro ``timestamp-micros`` as an aware UTC time."""
    return _EPOCH + timedelta(microseconds=value)


def _upcast(
    registry: SchemaRegistry,
    upcasters: Mapping[tuple[str, int], Upcaster],
    name: str,
    version: int,
    record: dict[str, Any],
) -> dict[str, Any]:
    for old_version in range(version, registry.get(name).version):
        upcaster = upcasters.get((name, old_version))
        if upcaster is not None:
            record = upcaster(record)
    return record
