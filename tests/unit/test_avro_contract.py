"""The public Avro contract: every case event survives the wire unchanged, broken
messages are refused with a CodecError, and every message ever written stays
readable (the golden samples in tests/golden/avro)."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import struct
import subprocess
import sys
import types
import typing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4, uuid5
from zoneinfo import ZoneInfo

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import resolve_topic
from fastavro import schemaless_writer
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.case import Case
from domain.events import ENVELOPE_FIELDS, EVENT_TYPES, CaseEvent, Closed, Identified
from schemas import mapping
from schemas.codec import (
    HEADER_SIZE,
    MARKER,
    CodecError,
    CorruptMessage,
    IncompatibleSchemas,
    InvalidRecord,
    SchemaLoadError,
    SchemaRegistry,
    UnknownFingerprint,
    UnknownSchema,
    default_registry,
    fingerprint_of,
)
from schemas.mapping import (
    CASE_TOPIC,
    ContractMismatch,
    DecodedEvent,
    decode_event,
    encode_event,
    event_id,
    kafka_headers,
    kafka_key,
    to_domain_event,
)

SCHEMA_DIR = Path(mapping.__file__).resolve().parent / "avro"
GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden" / "avro"
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
CASE_ID = UUID("0b7e3c52-51a4-4d5e-8f0e-2c9a61d0e7aa")
MOMENT = datetime(2024, 5, 6, 7, 8, 9, 101112, tzinfo=UTC)

# ---------------------------------------------------------------- strategies

utc_times = st.datetimes(timezones=st.just(UTC))  # microsecond precision
longs = st.integers(min_value=LONG_MIN, max_value=LONG_MAX)


def value_strategy(annotation: object) -> st.SearchStrategy[Any]:
    """Values of a domain field type; an unknown type must extend this test."""
    if annotation is str:
        return st.text()
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return longs
    if annotation is datetime:
        return utc_times
    if annotation == list[str]:
        return st.lists(st.text(), max_size=4)
    if annotation == dict[str, str]:
        return st.dictionaries(st.text(), st.text(), max_size=3)
    if annotation == int | None:
        return st.none() | longs
    raise TypeError(f"no strategy for {annotation!r}: extend the contract and test")


def events_of(event_class: type[CaseEvent]) -> st.SearchStrategy[CaseEvent]:
    """Any event of ``event_class``, built from its dataclass fields and hints."""
    hints = typing.get_type_hints(event_class)
    own = {
        f.name: value_strategy(hints[f.name])
        for f in dataclasses.fields(event_class)
        if f.name not in ENVELOPE_FIELDS
    }
    common: dict[str, st.SearchStrategy[Any]] = {
        "originator_id": st.uuids(),
        "originator_version": st.integers(min_value=1, max_value=LONG_MAX),
        "timestamp": utc_times,
        "actor_id": st.text(),
        "actor_role": st.text(),
        "occurred_at": utc_times,
        "correlation_id": st.text(),
    }
    if issubclass(event_class, Aggregate.Created):
        common["originator_topic"] = st.just(CASE_TOPIC)
    return st.builds(event_class, **common, **own)


def closed(version: int = 7, **changes: Any) -> Closed:
    fields: dict[str, Any] = {
        "originator_id": CASE_ID,
        "originator_version": version,
        "timestamp": MOMENT + timedelta(days=1),
        "actor_id": "staff-cw-0019",
        "actor_role": "caseworker",
        "occurred_at": MOMENT,
        "correlation_id": "req-9",
        "reason": "reintegrated",
        **changes,
    }
    return Closed(**fields)


def envelope_record(payload: bytes, **changes: Any) -> dict[str, Any]:
    """A hand-made envelope around ``payload``, for messages the mapping won't make."""
    return {
        "event_id": str(event_id(CASE_ID, 7)),
        "case_id": str(CASE_ID),
        "type": "Closed",
        "schema_version": 1,
        "aggregate_version": 7,
        "position": 70,
        "occurred_at": MOMENT,
        "recorded_at": MOMENT,
        "actor": {"id": "staff-cw-0019", "role": "caseworker"},
        "correlation_id": "req-9",
        "payload": payload,
        **changes,
    }


def flip(data: bytes, bit: int) -> bytes:
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_event_type_survives_the_wire_field_by_field(
    event_type: str, data: st.DataObject
) -> None:
    event = data.draw(events_of(EVENT_TYPES[event_type]))
    position = data.draw(st.integers(min_value=0, max_value=LONG_MAX))

    decoded = decode_event(encode_event(event, position))
    rebuilt = to_domain_event(decoded)

    assert type(rebuilt) is type(event)
    assert vars(rebuilt) == vars(event)
    assert rebuilt == event
    assert decoded.position == position
    assert decoded.event_id == event_id(event.originator_id, event.originator_version)
    assert decoded.occurred_at.tzinfo is UTC
    assert decoded.recorded_at.tzinfo is UTC


def test_a_resent_event_has_the_same_bytes_and_event_id() -> None:
    assert encode_event(closed(), 70) == encode_event(closed(), 70)
    assert decode_event(encode_event(closed(), 70)).event_id == event_id(CASE_ID, 7)
    assert event_id(CASE_ID, 7) != event_id(CASE_ID, 8)


def test_event_id_is_the_uuid5_published_in_the_envelope_schema() -> None:
    namespace = UUID("fbb3f6a0-b383-5b48-aabd-48bde4f39846")
    envelope = json.loads((SCHEMA_DIR / "Envelope.v1.avsc").read_text("utf-8"))
    doc = next(f["doc"] for f in envelope["fields"] if f["name"] == "event_id")

    assert event_id(CASE_ID, 7) == uuid5(namespace, f"{CASE_ID}:7")
    assert str(namespace) in doc
    # The envelope's own event ids (computed without UUID objects) are the same.
    for case_id in (CASE_ID, uuid4(), uuid4()):
        for version in (1, 7, 1000):
            event = closed(version, originator_id=case_id)
            envelope = decode_event(encode_event(event, 1))
            assert envelope.event_id == uuid5(namespace, f"{case_id}:{version}")


def test_times_in_other_zones_arrive_as_the_same_instant_in_utc() -> None:
    tirane = MOMENT.astimezone(ZoneInfo("Europe/Tirane"))
    decoded = decode_event(encode_event(closed(occurred_at=tirane), 70))
    assert decoded.occurred_at == tirane
    assert decoded.occurred_at.tzinfo is UTC


def test_identified_is_rebuilt_with_the_case_aggregate_topic() -> None:
    sample = (GOLDEN_DIR / "Identified.v1.bin").read_bytes()
    rebuilt = to_domain_event(decode_event(sample))
    assert isinstance(rebuilt, Identified)
    assert resolve_topic(rebuilt.originator_topic) is Case


# ------------------------------------------------------ encoding and fingerprints


def rabin_fingerprint(data: bytes) -> int:
    """CRC-64-AVRO exactly as the Avro specification's reference code gives it."""
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp)
    fp = empty
    for byte in data:
        fp = (fp >> 8) ^ table[(fp ^ byte) & 0xFF]
    return fp


@pytest.mark.parametrize(
    ("schema", "published"),
    [
        ("null", 7195948357588979594),
        ("int", 8247732601305521295),
        ("string", -8142146995180207161),
        ({"type": "record", "name": "foo", "fields": []}, -4824392279771201922),
    ],
)
def test_fingerprint_matches_the_avro_specification_test_data(
    schema: Any, published: int
) -> None:
    # apache/avro share/test/data/schema-tests.txt gives them as signed longs;
    # single-object encoding writes them little-endian.
    assert fingerprint_of(schema) == struct.pack("<q", published)


def test_fingerprint_is_taken_over_the_specifications_parsing_canonical_form() -> None:
    schema = {
        "type": "record",
        "name": "Actor",
        "namespace": "al.vatra.case",
        "doc": "stripped",
        "fields": [
            {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
            {"name": "tags", "type": {"type": "array", "items": "string"}, "doc": "x"},
        ],
    }
    # Full names, no namespace/doc/logicalType, primitives in simple form,
    # attributes in the order name, type, fields, items; no whitespace.
    canonical = (
        '{"name":"al.vatra.case.Actor","type":"record","fields":['
        '{"name":"id","type":"string"},'
        '{"name":"tags","type":{"type":"array","items":"string"}}]}'
    )
    expected = rabin_fingerprint(canonical.encode()).to_bytes(8, "little")
    assert fingerprint_of(schema) == expected


def test_every_registered_fingerprint_is_the_rabin_of_its_canonical_form() -> None:
    for entry in default_registry():
        expected = rabin_fingerprint(entry.canonical_form.encode())
        assert entry.fingerprint == expected.to_bytes(8, "little"), entry.name
        assert '"doc"' not in entry.canonical_form
        assert '"logicalType"' not in entry.canonical_form


def test_a_message_is_marker_then_fingerprint_then_body_at_both_levels() -> None:
    registry = default_registry()
    message = encode_event(closed(), 70)
    payload = registry.decode(message).record["payload"]

    assert message[:2] == payload[:2] == b"\xc3\x01"
    assert message[2:10] == registry.get("Envelope").fingerprint
    assert payload[2:10] == registry.get("Closed").fingerprint


def test_kafka_key_is_the_case_id_and_headers_name_type_schema_and_request() -> None:
    event = closed()
    payload = default_registry().decode(encode_event(event, 70)).record["payload"]

    assert kafka_key(event) == str(CASE_ID).encode()
    assert kafka_headers(event) == [
        ("type", b"Closed"),
        ("fingerprint", payload[2:10].hex().encode()),
        ("correlation_id", b"req-9"),
    ]


# ------------------------------------------------------------ refused messages


def test_an_unknown_fingerprint_is_refused_with_the_fingerprint() -> None:
    message = encode_event(closed(), 70)
    unknown = bytes(8)
    with pytest.raises(UnknownFingerprint) as raised:
        decode_event(MARKER + unknown + message[HEADER_SIZE:])
    assert raised.value.fingerprint == unknown


def test_an_unknown_payload_fingerprint_inside_a_valid_envelope_is_refused() -> None:
    registry = default_registry()
    payload = MARKER + bytes(8) + b"\x18reintegrated"
    message = registry.encode("Envelope", envelope_record(payload))
    with pytest.raises(UnknownFingerprint):
        decode_event(message)


@pytest.mark.parametrize(
    "message",
    [b"", b"\xc3", b"\xc3\x01\x00", b"\xc3\x00" + bytes(20), b"\x00\x01" + bytes(20)],
)
def test_a_message_without_the_single_object_header_is_corrupt(message: bytes) -> None:
    with pytest.raises(CorruptMessage):
        decode_event(message)


def test_a_wrong_marker_on_a_real_message_is_corrupt() -> None:
    message = encode_event(closed(), 70)
    with pytest.raises(CorruptMessage):
        decode_event(b"\xc3\x02" + message[2:])


def test_a_tombstone_is_corrupt_not_a_crash() -> None:
    with pytest.raises(CorruptMessage):
        decode_event(typing.cast(bytes, None))


def test_every_truncation_of_a_message_is_corrupt() -> None:
    message = encode_event(closed(), 70)
    for length in range(len(message)):
        with pytest.raises(CorruptMessage):
            decode_event(message[:length])


def test_trailing_bytes_after_the_record_are_corrupt() -> None:
    with pytest.raises(CorruptMessage):
        decode_event(encode_event(closed(), 70) + b"\x00")


def test_a_flipped_bit_in_the_header_is_refused() -> None:
    message = encode_event(closed(), 70)
    for bit in range(16):
        with pytest.raises(CorruptMessage):
            decode_event(flip(message, bit))
    for bit in range(16, HEADER_SIZE * 8):
        with pytest.raises(UnknownFingerprint):
            decode_event(flip(message, bit))


@settings(max_examples=300)
@given(st.data())
def test_a_flipped_bit_anywhere_decodes_or_raises_a_codec_error(
    data: st.DataObject,
) -> None:
    # Avro binary carries no checksum (Kafka's record batches do), so a flip in
    # a string's text may still decode; it must never escape as another error.
    message = encode_event(closed(), 70)
    bit = data.draw(st.integers(min_value=0, max_value=len(message) * 8 - 1))
    try:
        decoded = decode_event(flip(message, bit))
    except CodecError:
        return
    assert isinstance(decoded, DecodedEvent)


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_random_bytes_decode_or_raise_a_codec_error(data: bytes) -> None:
    with contextlib.suppress(CodecError):
        decode_event(data)


@settings(max_examples=500)
@given(
    st.sampled_from([entry.fingerprint for entry in default_registry()]),
    st.binary(max_size=200),
)
def test_random_bodies_behind_a_known_fingerprint_decode_or_raise_a_codec_error(
    fingerprint: bytes, body: bytes
) -> None:
    with contextlib.suppress(CodecError):
        decode_event(MARKER + fingerprint + body)


def test_a_bare_event_record_is_not_an_envelope() -> None:
    record = default_registry().encode("Closed", {"reason": "reintegrated"})
    with pytest.raises(CorruptMessage):
        decode_event(record)


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "Reopened"},
        {"schema_version": 2},
        {"event_id": str(event_id(CASE_ID, 8))},
    ],
)
def test_an_envelope_that_contradicts_its_payload_is_corrupt(
    changes: dict[str, Any],
) -> None:
    registry = default_registry()
    payload = registry.encode("Closed", {"reason": "reintegrated"})
    message = registry.encode("Envelope", envelope_record(payload, **changes))
    with pytest.raises(CorruptMessage):
        decode_event(message)


def test_an_event_id_in_another_spelling_of_the_same_uuid_is_accepted() -> None:
    registry = default_registry()
    payload = registry.encode("Closed", {"reason": "reintegrated"})
    spelled = "{" + str(event_id(CASE_ID, 7)).upper() + "}"
    message = registry.encode("Envelope", envelope_record(payload, event_id=spelled))
    decoded = decode_event(message)
    assert decoded.event_id == event_id(CASE_ID, 7)
    assert decoded.case_id == CASE_ID


@pytest.mark.parametrize("field", ["event_id", "case_id"])
def test_an_envelope_whose_ids_are_not_uuids_is_corrupt(field: str) -> None:
    registry = default_registry()
    payload = registry.encode("Closed", {"reason": "reintegrated"})
    # Written without the uuid logical type's check, as a foreign producer might.
    entry = registry.get("Envelope")
    record = envelope_record(payload, **{field: "not-a-uuid"})
    record["occurred_at"] = record["recorded_at"] = 0
    body = io.BytesIO()
    schemaless_writer(body, entry.plain_schema, record)
    with pytest.raises(CorruptMessage):
        decode_event(MARKER + entry.fingerprint + body.getvalue())


def test_envelope_times_read_back_as_aware_utc_to_the_microsecond() -> None:
    moment = datetime(2031, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
    decoded = decode_event(
        encode_event(closed(occurred_at=moment, timestamp=moment), 70)
    )
    assert decoded.occurred_at == decoded.recorded_at == moment
    assert decoded.occurred_at.utcoffset() == timedelta(0)


# ------------------------------------------------------------- refused records


def test_a_time_without_a_time_zone_is_refused() -> None:
    with pytest.raises(InvalidRecord):
        encode_event(closed(occurred_at=datetime(2024, 5, 6, 7, 8, 9)), 70)


@pytest.mark.parametrize("reason", [5, None, ["reintegrated"]])
def test_a_wrongly_typed_field_is_refused(reason: object) -> None:
    with pytest.raises(InvalidRecord):
        encode_event(closed(reason=reason), 70)


def test_a_number_beyond_avro_long_is_refused() -> None:
    with pytest.raises(InvalidRecord):
        encode_event(closed(version=LONG_MAX + 1), 70)


def test_an_unregistered_schema_name_or_version_is_refused() -> None:
    with pytest.raises(UnknownSchema):
        default_registry().encode("Nope", {})
    with pytest.raises(UnknownSchema):
        default_registry().encode("Closed", {"reason": "x"}, version=99)


# ------------------------------------------------------- versions and upcasting

PROBE_V0 = {
    "type": "record",
    "name": "Probe",
    "namespace": "al.vatra.case.event",
    "fields": [{"name": "level", "type": "string"}],
}
PROBE_V1 = {
    **PROBE_V0,
    "fields": [
        {"name": "level", "type": "string"},
        {"name": "score", "type": "long", "default": -1},
    ],
}


def probe_message(registry: SchemaRegistry) -> bytes:
    payload = registry.encode("Probe", {"level": "high"}, version=0)
    envelope = envelope_record(payload, type="Probe", schema_version=0)
    return registry.encode("Envelope", envelope)


def derive_score(record: dict[str, Any]) -> dict[str, Any]:
    scores = {"low": 1, "medium": 2, "high": 3}
    return {**record, "score": scores[record["level"]]}


@pytest.fixture
def probe_registry() -> SchemaRegistry:
    registry = SchemaRegistry.packaged()
    registry.add("Probe", 0, PROBE_V0)
    registry.add("Probe", 1, PROBE_V1)
    return registry


def test_an_old_version_is_read_as_the_newest_with_avro_defaults(
    probe_registry: SchemaRegistry,
) -> None:
    decoded = decode_event(probe_message(probe_registry), registry=probe_registry)
    assert decoded.schema_version == 0
    assert decoded.payload == {"level": "high", "score": -1}


def test_an_upcaster_fixes_what_avro_defaults_cannot(
    probe_registry: SchemaRegistry,
) -> None:
    decoded = decode_event(
        probe_message(probe_registry),
        registry=probe_registry,
        upcasters={("Probe", 0): derive_score},
    )
    assert decoded.payload == {"level": "high", "score": 3}


def test_the_registered_upcasters_apply_by_default(
    probe_registry: SchemaRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert set(mapping.UPCASTERS) == {("Identified", 1)}
    monkeypatch.setattr(mapping, "UPCASTERS", {("Probe", 0): derive_score})
    decoded = decode_event(probe_message(probe_registry), registry=probe_registry)
    assert decoded.payload["score"] == 3


def test_an_upcaster_for_the_newest_version_is_not_applied(
    probe_registry: SchemaRegistry,
) -> None:
    payload = probe_registry.encode("Probe", {"level": "low", "score": 9})
    message = probe_registry.encode(
        "Envelope", envelope_record(payload, type="Probe", schema_version=1)
    )
    decoded = decode_event(
        message, registry=probe_registry, upcasters={("Probe", 1): derive_score}
    )
    assert decoded.payload["score"] == 9


def test_a_decoded_type_the_domain_does_not_know_cannot_become_an_event(
    probe_registry: SchemaRegistry,
) -> None:
    decoded = decode_event(probe_message(probe_registry), registry=probe_registry)
    with pytest.raises(UnknownSchema):
        to_domain_event(decoded)
    with pytest.raises(ContractMismatch):
        to_domain_event(dataclasses.replace(decoded, type="Closed"))


def test_a_new_version_without_defaults_for_new_fields_is_incompatible() -> None:
    registry = SchemaRegistry.packaged()
    registry.add("Probe", 0, PROBE_V0)
    registry.add("Probe", 1, {**PROBE_V0, "fields": [{"name": "x", "type": "long"}]})
    with pytest.raises(IncompatibleSchemas):
        decode_event(probe_message(registry), registry=registry)


def test_the_registry_refuses_versions_it_could_not_tell_apart(
    probe_registry: SchemaRegistry,
) -> None:
    with pytest.raises(SchemaLoadError):
        probe_registry.add("Probe", 2, {**PROBE_V1, "doc": "only the doc changed"})
    with pytest.raises(SchemaLoadError):
        probe_registry.add("Probe", 1, PROBE_V1)
    with pytest.raises(SchemaLoadError):
        probe_registry.add("Other", 1, PROBE_V0)


@pytest.mark.parametrize(
    ("file_name", "text"),
    [("Closed.avsc", "{}"), ("Closed.v1.avsc", "{not json"), ("Closed.v1.avsc", "[]")],
)
def test_a_malformed_schema_file_is_refused_at_loading(
    tmp_path: Path, file_name: str, text: str
) -> None:
    (tmp_path / file_name).write_text(text, encoding="utf-8")
    with pytest.raises(SchemaLoadError):
        SchemaRegistry.load(tmp_path)


def test_importing_the_package_loads_no_schema() -> None:
    check = (
        "import schemas, schemas.codec as c; "
        "assert c.default_registry.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", check], check=True)


# ------------------------------------------------------------ the schema files

AVRO_TYPES: dict[object, object] = {
    str: "string",
    bool: "boolean",
    int: "long",
    datetime: {"type": "long", "logicalType": "timestamp-micros"},
    list[str]: {"type": "array", "items": "string"},
    int | None: ["null", "long"],
    dict[str, str]: {"type": "map", "values": "string"},
}
PERSONAL_DATA_NAMES = {
    "name",
    "first_name",
    "last_name",
    "surname",
    "full_name",
    "birth_date",
    "date_of_birth",
    "address",
    "phone",
    "email",
    "passport",
    "national_id",
    "personal_number",
    # The person's attributes: together they identify someone in a small region.
    "sex",
    "gender",
    "age",
    "birth_year",
    "nationality",
}


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_each_event_schema_has_exactly_the_domain_fields_and_types(
    event_type: str,
) -> None:
    event_class = EVENT_TYPES[event_type]
    hints = typing.get_type_hints(event_class)
    expected = {
        f.name: AVRO_TYPES[hints[f.name]]
        for f in dataclasses.fields(event_class)
        if f.name not in ENVELOPE_FIELDS
    }
    version = default_registry().get(event_type).version
    newest = SCHEMA_DIR / f"{event_type}.v{version}.avsc"
    schema = json.loads(newest.read_text("utf-8"))
    assert {f["name"]: f["type"] for f in schema["fields"]} == expected


def all_fields(schema: Any) -> list[dict[str, Any]]:
    if isinstance(schema, dict) and schema.get("type") == "record":
        found = list(schema["fields"])
        for field in schema["fields"]:
            found += all_fields(field["type"])
        return found
    return []


@pytest.mark.parametrize("path", sorted(SCHEMA_DIR.glob("*.avsc")), ids=str)
def test_every_schema_and_field_is_documented_and_free_of_personal_data(
    path: Path,
) -> None:
    schema = json.loads(path.read_text("utf-8"))
    assert schema["doc"].strip()
    for field in all_fields(schema):
        assert field.get("doc", "").strip(), f"{path.name}: {field['name']} has no doc"
        assert field["name"] not in PERSONAL_DATA_NAMES


# ----------------------------------------------------------- golden samples


def as_json(decoded: DecodedEvent) -> dict[str, Any]:
    """The decoded event in the form make_golden.py writes."""
    return {
        "envelope": {
            "event_id": str(decoded.event_id),
            "case_id": str(decoded.case_id),
            "type": decoded.type,
            "schema_version": decoded.schema_version,
            "aggregate_version": decoded.aggregate_version,
            "position": decoded.position,
            "occurred_at": decoded.occurred_at.isoformat(),
            "recorded_at": decoded.recorded_at.isoformat(),
            "actor": {"id": decoded.actor_id, "role": decoded.actor_role},
            "correlation_id": decoded.correlation_id,
        },
        "payload": {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in decoded.payload.items()
        },
    }


def golden_samples() -> list[Path]:
    return sorted(GOLDEN_DIR.glob("*.bin"))


def test_every_event_type_has_a_golden_sample() -> None:
    sampled = {path.name.split(".")[0] for path in golden_samples()}
    assert set(EVENT_TYPES) <= sampled, sorted(set(EVENT_TYPES) - sampled)


def test_every_registered_schema_version_has_a_golden_sample() -> None:
    registry = default_registry()
    written: set[tuple[str, int]] = set()
    for path in golden_samples():
        outer = registry.decode(path.read_bytes())
        inner = registry.decode(outer.record["payload"])
        written |= {(outer.name, outer.version), (inner.name, inner.version)}
    registered = {(entry.name, entry.version) for entry in registry}
    assert registered <= written, sorted(registered - written)


def read_as_newest(sample: Path) -> Path:
    """The file saying what an older sample reads as in the newest version,
    where an upcaster changes recorded values: ``<Type>.v<N>.as-v<M>.json``."""
    newest = default_registry().get(sample.stem.split(".")[0]).version
    return sample.with_name(f"{sample.stem}.as-v{newest}.json")


@pytest.mark.parametrize("sample", golden_samples(), ids=lambda path: path.stem)
def test_a_golden_sample_still_reads_as_it_was_written(sample: Path) -> None:
    expected = json.loads(sample.with_suffix(".json").read_text("utf-8"))
    decoded = decode_event(sample.read_bytes())
    actual = as_json(decoded)

    assert actual["envelope"] == expected["envelope"]
    assert f"{decoded.type}.v{decoded.schema_version}" == sample.stem
    upcast = read_as_newest(sample)
    if upcast.exists():
        # An upcaster changes recorded values: they read as written down there.
        assert actual["payload"] == json.loads(upcast.read_text("utf-8"))["payload"]
    else:
        # Fields added by later versions read as their defaults; the recorded
        # ones must keep their values.
        assert expected["payload"].items() <= actual["payload"].items()
    event = to_domain_event(decoded)
    hints = typing.get_type_hints(type(event))
    for key, value in decoded.payload.items():
        hint = hints[key]
        kinds = (
            typing.get_args(hint)
            if typing.get_origin(hint) is types.UnionType
            else (typing.get_origin(hint) or hint,)
        )
        assert isinstance(value, kinds), key


def test_every_upcast_version_has_a_sample_saying_what_it_reads_as() -> None:
    for name, version in mapping.UPCASTERS:
        sample = GOLDEN_DIR / f"{name}.v{version}.bin"
        assert sample.exists(), sample.name
        assert read_as_newest(sample).exists(), read_as_newest(sample).name


def test_an_old_identification_on_kafka_reads_as_the_newest_version() -> None:
    decoded = decode_event((GOLDEN_DIR / "Identified.v1.bin").read_bytes())
    event = to_domain_event(decoded)

    assert isinstance(event, Identified)
    assert decoded.schema_version == 1
    assert (event.municipality, event.exploitation_types) == (
        "vlore",
        ["forced_labour"],
    )
    assert not {"sex", "age", "birth_year", "nationality"} & decoded.payload.keys()
