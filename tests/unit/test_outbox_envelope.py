"""The envelope encoded when an event is stored: the same bytes the Avro
library writes, its key and headers those of the event, and a schema it does
not fit refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.events import EVENT_TYPES
from schemas.codec import (
    InvalidRecord,
    SchemaLoadError,
    SchemaRegistry,
    default_registry,
)
from schemas.mapping import (
    ENVELOPE,
    decode_event,
    encode_event,
    kafka_headers,
    kafka_key,
    message_headers,
    outbox_body,
    to_envelope,
)
from schemas.outbox import LAYOUT, check_layout, long_bytes, message
from tests.unit.test_avro_contract import LONG_MAX, SCHEMA_DIR, closed, events_of


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_the_stored_envelope_at_its_position_is_what_the_avro_library_writes(
    event_type: str, data: st.DataObject
) -> None:
    event = data.draw(events_of(EVENT_TYPES[event_type]))
    position = data.draw(st.integers(min_value=0, max_value=LONG_MAX))
    registry = default_registry()

    sent = message(outbox_body(event), position)

    written = registry.encode(
        ENVELOPE, to_envelope(event, position), validated=False, logical=False
    )
    assert sent.value == written
    assert sent.key == kafka_key(event)
    assert message_headers(sent) == kafka_headers(event)
    assert decode_event(sent.value).position == position


def test_one_stored_body_makes_the_message_of_any_position() -> None:
    body = outbox_body(closed())
    for position in (0, 1, 63, 64, 8191, 8192, 2**40, LONG_MAX):
        assert message(body, position).value == encode_event(closed(), position)


def test_a_long_is_zig_zag_varint_encoded_as_avro_specifies() -> None:
    # The Avro specification's examples, and the ends of the range.
    assert long_bytes(0) == b"\x00"
    assert long_bytes(-1) == b"\x01"
    assert long_bytes(1) == b"\x02"
    assert long_bytes(-64) == b"\x7f"
    assert long_bytes(64) == b"\x80\x01"
    assert long_bytes(LONG_MAX) == b"\xfe" + b"\xff" * 8 + b"\x01"
    with pytest.raises(InvalidRecord):
        long_bytes(LONG_MAX + 1)


def test_a_body_of_another_format_is_refused_not_sent_wrong() -> None:
    body = bytearray(outbox_body(closed()))
    body[0] = 2
    with pytest.raises(InvalidRecord, match="format 2"):
        message(bytes(body), 1)


def test_an_envelope_schema_with_fields_this_encoder_does_not_write_is_refused(
    tmp_path: Path,
) -> None:
    for source in SCHEMA_DIR.glob("*.avsc"):
        schema = json.loads(source.read_text())
        if schema["name"] == ENVELOPE:
            schema["fields"].insert(
                3, {"name": "tenant", "type": "string", "default": ""}
            )
        (tmp_path / source.name).write_text(json.dumps(schema))
    changed = SchemaRegistry.load(tmp_path)

    with pytest.raises(SchemaLoadError, match="tenant"):
        check_layout(changed)


def test_the_layout_names_where_the_position_goes_in_the_stored_bytes() -> None:
    body = outbox_body(closed(version=7))
    at = LAYOUT.unpack_from(body)[1]
    # The aggregate version, 7, is the last field before the position.
    assert body[LAYOUT.size + at - 1 : LAYOUT.size + at] == long_bytes(7)
