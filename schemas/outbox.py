"""A case event's Kafka message, encoded once, when the event is stored.

The relay sends each stored event as its ``Envelope`` (``schemas.mapping``).
Every field of the envelope but ``position`` (the store's notification id,
known only once the event is inserted) is known when the event is made, so
the envelope is encoded then, without its position, and stored beside the
event (``services.store.outbox``). The relay joins the stored bytes around
the position's few bytes and sends them, instead of decoding the stored event
and encoding it again for every event it publishes.

A stored body is ``LAYOUT`` followed by the envelope's bytes without its
position: where the position goes, and where the message's key (the case
id), type and correlation id lie in those bytes, for the message's key and
headers. The envelope is written here field by field (the payload, the
event's own record, by the schema registry, validated): Avro's binary form
of strings and longs is simple, and fastavro's generic writer cost more than
the rest of the relay's work on an event. ``check_layout`` refuses an
``Envelope`` schema whose fields are not the ones written here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cache
from typing import Any

from schemas.codec import MARKER, InvalidRecord, SchemaLoadError, SchemaRegistry

ENVELOPE = "Envelope"

# The stored body's format: raise it when the layout below changes.
FORMAT = 1

# format, position's offset, then (start, length) of the key, the type and the
# correlation id, all offsets into the envelope's bytes without its position.
LAYOUT = struct.Struct(">BHHHHHHH")

# The Envelope's fields as this module writes them, in order: (name, Avro
# type), a record's fields nested.
ENVELOPE_LAYOUT: tuple[tuple[str, Any], ...] = (
    ("event_id", "string"),
    ("case_id", "string"),
    ("type", "string"),
    ("schema_version", "int"),
    ("aggregate_version", "long"),
    ("position", "long"),
    ("occurred_at", "long"),
    ("recorded_at", "long"),
    ("actor", (("id", "string"), ("role", "string"))),
    ("correlation_id", "string"),
    ("payload", "bytes"),
)


@dataclass(frozen=True)
class Message:
    """What the relay sends for one stored event."""

    key: bytes
    value: bytes
    type: bytes
    correlation_id: bytes


def long_bytes(value: int) -> bytes:
    """``value`` as an Avro ``long``: zig-zag, then base-128 varint."""
    if 0 <= value < 64:
        return _SMALL[value]  # a string's length, a version
    if not -(1 << 63) <= value < 1 << 63:
        raise InvalidRecord(f"{value} does not fit an Avro long")
    n = (value << 1) ^ (value >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SMALL = [bytes((value << 1,)) for value in range(64)]


def _text(text: str) -> bytes:
    data = text.encode()
    return long_bytes(len(data)) + data


@dataclass(frozen=True)
class EnvelopeFacts:
    """The envelope's fields but the position and the payload."""

    event_id: str
    case_id: str
    type: str
    schema_version: int
    aggregate_version: int
    occurred_at: int  # microseconds since the epoch, as the schema says
    recorded_at: int
    actor_id: str
    actor_role: str
    correlation_id: str


def stored_body(
    registry: SchemaRegistry, facts: EnvelopeFacts, payload: bytes
) -> bytes:
    """The envelope of ``facts`` and ``payload`` (the event's own record,
    single-object encoded) without its position, after ``LAYOUT``."""
    header = _header(registry)
    event_id = _text(facts.event_id)
    case_id, kind = facts.case_id.encode(), facts.type.encode()
    case_length, kind_length = long_bytes(len(case_id)), long_bytes(len(kind))
    key_start = len(header) + len(event_id) + len(case_length)
    kind_start = key_start + len(case_id) + len(kind_length)
    before = b"".join(
        (
            header,
            event_id,
            case_length,
            case_id,
            kind_length,
            kind,
            long_bytes(facts.schema_version),
            long_bytes(facts.aggregate_version),
        )
    )  # the position goes here
    correlation = facts.correlation_id.encode()
    after = b"".join(
        (
            long_bytes(facts.occurred_at),
            long_bytes(facts.recorded_at),
            _text(facts.actor_id),
            _text(facts.actor_role),
            long_bytes(len(correlation)),
        )
    )
    correlation_start = len(before) + len(after)
    if correlation_start + len(correlation) > 0xFFFF:
        raise InvalidRecord("an envelope's facts are too long to store")
    layout = LAYOUT.pack(
        FORMAT,
        len(before),
        key_start,
        len(case_id),
        kind_start,
        len(kind),
        correlation_start,
        len(correlation),
    )
    return b"".join(
        (layout, before, after, correlation, long_bytes(len(payload)), payload)
    )


@cache
def _header(registry: SchemaRegistry) -> bytes:
    """The envelope's single-object header, its layout checked first."""
    check_layout(registry)
    return MARKER + registry.get(ENVELOPE).fingerprint


def message(body: bytes, position: int) -> Message:
    """The message of a stored body, its envelope at ``position``."""
    layout = LAYOUT.unpack_from(body)
    fmt, at, key, key_length, kind, kind_length, corr, corr_length = layout
    if fmt != FORMAT:
        raise InvalidRecord(f"a stored envelope of format {fmt}, not {FORMAT}")
    base = LAYOUT.size
    at += base
    return Message(
        key=body[base + key : base + key + key_length],
        value=body[base:at] + long_bytes(position) + body[at:],
        type=body[base + kind : base + kind + kind_length],
        correlation_id=body[base + corr : base + corr + corr_length],
    )


@cache
def check_layout(registry: SchemaRegistry) -> None:
    """Refuse an ``Envelope`` schema whose fields are not ``ENVELOPE_LAYOUT``."""
    fields = _layout(registry.get(ENVELOPE).plain_schema)
    if fields != ENVELOPE_LAYOUT:
        raise SchemaLoadError(
            f"the {ENVELOPE} schema's fields {fields} are not the ones "
            f"schemas.outbox writes {ENVELOPE_LAYOUT}"
        )


def _layout(schema: Any) -> tuple[tuple[str, Any], ...]:
    shape: list[tuple[str, Any]] = []
    for field in schema["fields"]:
        kind = field["type"]
        if isinstance(kind, dict):
            kind = _layout(kind) if kind.get("type") == "record" else kind["type"]
        shape.append((field["name"], kind))
    return tuple(shape)
