"""Bad input on the wire: garbage, truncated and bit-flipped envelopes.

Two levels:

- the decoder alone, under many generated inputs: it either returns an event
  or raises ``CodecError`` (which the consumer dead-letters), never anything
  else (which would stop the consumer); and a damaged copy of a real
  envelope that still decodes is the same event (same case, same version):
  the envelope's event id binds the two, so damage cannot pass one event off
  as another;
- a real ``KafkaRunner`` on a real broker fed generated garbage between real
  events: it never stops, every message it cannot decode is in the
  dead-letter topic with its origin in the headers, everything else is
  applied, and the read models end equal to a rebuild from the event store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kafka import KafkaProducer
from psycopg_pool import ConnectionPool

from domain.clock import ControlledClock
from domain.events import CaseEvent
from schemas.codec import HEADER_SIZE, MARKER, CodecError, default_registry
from schemas.mapping import (
    DecodedEvent,
    decode_event,
    encode_event,
    to_domain_event,
)
from services.audit.rebuild import checksums
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.kafka.consumer import KafkaRunner
from services.store.database import Database
from services.workers.follower import LogFollower
from tests.builders import identify, step
from tests.faults.fault_report import ReliabilityReport, Row
from tests.faults.fault_stack import READ_MODEL_TABLES
from tests.integration.kafka_helpers import kafka_env, read_topic, wait_for

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "avro"
GOLDEN_ENVELOPES = [path.read_bytes() for path in sorted(GOLDEN.glob("*.bin"))]
ENVELOPE_HEADER = MARKER + default_registry().get("Envelope").fingerprint


def _read(value: bytes | None) -> DecodedEvent | CodecError:
    """What a consumer makes of a message value: an event, or a CodecError."""
    try:
        decoded = decode_event(value)  # type: ignore[arg-type]
        to_domain_event(decoded)
    except CodecError as error:
        return error
    return decoded


def _flip(original: bytes, flips: list[tuple[int, int]]) -> bytes:
    damaged = bytearray(original)
    for position, bit in flips:
        damaged[position % len(damaged)] ^= 1 << bit
    return bytes(damaged)


def truncated(originals: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.sampled_from(originals).flatmap(
        lambda b: st.integers(0, len(b) - 1).map(lambda n: b[:n])
    )


def bit_flipped(originals: list[bytes]) -> st.SearchStrategy[bytes]:
    flips = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 7)), min_size=1)
    return st.tuples(st.sampled_from(originals), flips.map(lambda f: f[:4])).map(
        lambda pair: _flip(*pair)
    )


def garbage(originals: list[bytes]) -> st.SearchStrategy[bytes]:
    """Arbitrary bytes, bytes behind a valid header, and damaged real envelopes."""
    return st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=300).map(lambda body: ENVELOPE_HEADER + body),
        truncated(originals),
        bit_flipped(originals),
        # A damaged inner payload inside an otherwise valid envelope.
        st.sampled_from(originals).flatmap(
            lambda b: st.integers(HEADER_SIZE, len(b) - 1).map(
                lambda n: b[:n] + bytes([b[n] ^ 0xFF]) + b[n + 1 :]
            )
        ),
    )


@settings(max_examples=3000, deadline=None, derandomize=True, database=None)
@given(st.one_of(garbage(GOLDEN_ENVELOPES), st.binary(max_size=2000)))
def test_the_decoder_returns_an_event_or_a_codec_error_for_any_bytes(
    value: bytes,
) -> None:
    _read(value)  # anything but a CodecError propagates and fails the test


@settings(max_examples=3000, deadline=None, derandomize=True, database=None)
@given(
    st.sampled_from(GOLDEN_ENVELOPES).flatmap(
        lambda b: st.tuples(st.just(b), bit_flipped([b]))
    )
)
def test_a_damaged_envelope_that_still_decodes_is_the_same_event(
    pair: tuple[bytes, bytes],
) -> None:
    original, damaged = pair
    before = decode_event(original)
    after = _read(damaged)
    if isinstance(after, DecodedEvent):
        assert (after.case_id, after.aggregate_version) == (
            before.case_id,
            before.aggregate_version,
        )
        assert after.event_id == before.event_id


# -- through a real consumer -------------------------------------------------------


@pytest.fixture
def full(
    database: Database, clock: ControlledClock, kafka_servers: str
) -> Iterator[Backbone]:
    env = {**kafka_env(kafka_servers), "VATRA_LOG_LEVEL": "WARNING"}
    with open_backbone(load_settings(env), clock=clock, database=database) as built:
        yield built


@pytest.fixture
def runner(full: Backbone) -> Iterator[KafkaRunner]:
    """The projector on its consumer group, polled by the test itself."""
    built = KafkaRunner(
        full.pool,
        full.projections,
        full.kafka,
        group=full.kafka.projector_group,
        max_records=10,
        retry_pause=0.01,
    )
    built.start()
    try:
        yield built
    finally:
        built.close()


class Poisoner:
    """Sends garbage to the case-events topic; remembers what it sent where."""

    def __init__(self, full: Backbone) -> None:
        self.full = full
        self.producer = KafkaProducer(
            bootstrap_servers=full.kafka.bootstrap_servers, acks="all"
        )
        self.relay = full.relay()
        self.relay.start()
        self.sent: list[tuple[int, int, bytes | None, bool]] = []
        self.real: list[bytes] = []
        self.cases: list[dict[str, Any]] = []

    def close(self) -> None:
        self.producer.close(timeout=10)
        self.relay.close()

    def record_and_relay(self, clock: ControlledClock) -> dict[str, Any]:
        """A real identification and a step, published by the real relay."""
        case = identify(self.full.service, clock, region="berat")
        case = step(self.full.service, clock, case, "assess_risk", level="low")
        while self.relay.publish_once():
            pass
        for version in (1, 2):
            event = self.full.service.app.case_events(case["case_id"])[version - 1]
            self.real.append(encode_event(event, self._position(event)))
        self.cases.append(case)
        return case

    def _position(self, event: CaseEvent) -> int:
        for n in self.full.app.recorder.select_notifications(start=1, limit=100_000):
            if n.originator_id == event.originator_id and (
                n.originator_version == event.originator_version
            ):
                return int(n.id)
        raise AssertionError("event not in the log")

    def send(self, value: bytes | None, key: bytes | None) -> None:
        if value is None and key is None:
            key = b""  # Kafka takes no message without both
        metadata = self.producer.send(
            self.full.kafka.events_topic, value=value, key=key
        ).get(timeout=30)
        undecodable = isinstance(_read(value), CodecError)
        self.sent.append((metadata.partition, metadata.offset, value, undecodable))


Recipe = tuple[Any, ...]
INDEX = st.integers(0, 10**6)
VALUE_RECIPES: st.SearchStrategy[Recipe] = st.one_of(
    st.tuples(st.just("bytes"), st.binary(max_size=300)),
    st.tuples(st.just("behind a header"), st.binary(max_size=300)),
    st.tuples(st.just("truncated"), INDEX, INDEX),
    st.tuples(
        st.just("bit-flipped"),
        INDEX,
        st.lists(st.tuples(INDEX, st.integers(0, 7)), min_size=1, max_size=4),
    ),
    st.tuples(st.just("payload byte inverted"), INDEX, INDEX),
    st.just(("tombstone",)),
)
KEY_RECIPES: st.SearchStrategy[Recipe] = st.one_of(
    st.just(("none",)),
    st.tuples(st.just("bytes"), st.binary(max_size=40)),
    st.tuples(st.just("a case"), INDEX),
)


def _value(recipe: Recipe, real: list[bytes]) -> bytes | None:
    kind = recipe[0]
    if kind == "bytes":
        return bytes(recipe[1])
    if kind == "behind a header":
        return ENVELOPE_HEADER + bytes(recipe[1])
    if kind == "tombstone":
        return None
    original = real[int(recipe[1]) % len(real)]
    if kind == "truncated":
        return original[: int(recipe[2]) % len(original)]
    if kind == "bit-flipped":
        return _flip(original, recipe[2])
    at = HEADER_SIZE + int(recipe[2]) % (len(original) - HEADER_SIZE)
    return original[:at] + bytes([original[at] ^ 0xFF]) + original[at + 1 :]


def _key(recipe: Recipe, cases: list[dict[str, Any]]) -> bytes | None:
    if recipe[0] == "none":
        return None
    if recipe[0] == "bytes":
        return bytes(recipe[1])
    return str(cases[recipe[1] % len(cases)]["case_id"]).encode()


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_a_consumer_fed_generated_garbage_dead_letters_it_and_applies_the_rest(
    full: Backbone,
    runner: KafkaRunner,
    clock: ControlledClock,
    poisoners: dict[str, Poisoner],
    data: st.DataObject,
) -> None:
    poisoner = poisoners.setdefault("it", Poisoner(full))
    if not poisoner.cases:
        _wait_applied(full, runner, poisoner.record_and_relay(clock))
    # Every real event is applied before any damaged copy of it is sent: a
    # copy that still decodes is then a redelivery, whatever partition it
    # lands on.
    # Recipes, not values: what they are applied to (the real envelopes so
    # far) grows from one example to the next, the draws must not.
    recipes = data.draw(
        st.lists(st.tuples(VALUE_RECIPES, KEY_RECIPES), min_size=1, max_size=6)
    )
    for value, key in recipes:
        poisoner.send(_value(value, poisoner.real), _key(key, poisoner.cases))
    # Real work after the garbage must still flow.
    _wait_applied(full, runner, poisoner.record_and_relay(clock))


def _wait_applied(full: Backbone, runner: KafkaRunner, case: dict[str, Any]) -> None:
    wait_for(
        lambda: runner.poll_once() >= 0 and _in_timeline(full, case["case_id"]) == 2,
        60,
        "the real events to be applied",
    )


def _events(full: Backbone, cases: list[dict[str, Any]]) -> list[CaseEvent]:
    return [e for c in cases for e in full.service.app.case_events(c["case_id"])]


def _in_timeline(full: Backbone, case_id: str) -> int:
    with full.pool.connection() as conn:
        row = conn.execute(
            "SELECT count(*) FROM case_timeline WHERE case_id = %s", (case_id,)
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
def poisoners(
    full: Backbone,
    runner: KafkaRunner,
    reference_database: Database,
    reliability: ReliabilityReport,
) -> Iterator[dict[str, Poisoner]]:
    """Shared by every generated example; checks the whole run at the end."""
    made: dict[str, Poisoner] = {}
    yield made
    poisoner = made["it"]
    try:
        _check_the_run(full, runner, poisoner, reference_database, reliability)
    finally:
        poisoner.close()


def _check_the_run(
    full: Backbone,
    runner: KafkaRunner,
    poisoner: Poisoner,
    reference_database: Database,
    reliability: ReliabilityReport,
) -> None:
    kafka = full.kafka
    expected = {(p, o) for p, o, _v, undecodable in poisoner.sent if undecodable}
    dead = read_topic(kafka.bootstrap_servers, kafka.dead_letter_topic, len(expected))
    origins = {
        (
            int(dict(r.headers)["original_partition"]),
            int(dict(r.headers)["original_offset"]),
        )
        for r in dead
    }
    reasons = {dict(r.headers)["error_reason"] for r in dead}
    pool = reference_database.pool("poison-rebuild")
    try:
        follower = LogFollower(full.app, pool, full.projections[:2])
        follower.create_tables()
        follower.catch_up()
        differing = _differing(full.pool, pool)
    finally:
        pool.close()
    stored = len(full.app.recorder.select_notifications(start=1, limit=100_000))
    reliability.add(
        Row(
            scenario="Poison messages (hypothesis-generated garbage, truncated and "
            "bit-flipped envelopes) through a real consumer",
            faults=f"{len(poisoner.sent)} bad messages, {len(expected)} undecodable",
            events=stored,
            lost=len(differing),
            duplicates=0,
            alerts_duplicated=None,
            alerts_missing=None,
            recovery="never stopped",
            notes=f"{len(dead)} dead letters, each naming its origin; "
            f"{len(poisoner.sent) - len(expected)} damaged copies that still "
            "decoded were the same events, applied once",
        )
    )
    assert origins == expected
    assert len(dead) == len(expected) == runner.dead_lettered
    assert reasons <= {b"undecodable"}
    assert differing == []
    assert len(expected) > 0


def _differing(a: ConnectionPool, b: ConnectionPool) -> list[str]:
    with a.connection() as conn:
        left = checksums(conn, READ_MODEL_TABLES)
    with b.connection() as conn:
        right = checksums(conn, READ_MODEL_TABLES)
    return [x.table for x, y in zip(left, right, strict=True) if x != y]
