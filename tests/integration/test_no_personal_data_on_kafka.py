"""Kafka and the logs carry no personal data, only pseudonyms.

People's names, dates of birth, contacts and documents are seeded where they
belong (the personal-data store), cases are opened with the person's sex, age
and nationality (which the identification keeps in that store) and worked on
through the service, the relay publishes to a real broker, and then every
byte of every topic of the test, and everything the process logged, is
searched for them; every identification on the topic is decoded and holds
none of the person's attributes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from kafka import KafkaConsumer, TopicPartition

from domain.clock import ControlledClock
from schemas.mapping import decode_event
from services.app.erasure import erase_personal_data
from services.config.bootstrap import open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from services.store.personal_data import PersonalData
from tests.builders import identify, step
from tests.integration.kafka_helpers import kafka_env, publish_all, read_topic

PEOPLE = {
    "PV-KAFKA-1": PersonalData(
        full_name="Mirela Seededaj",
        date_of_birth="2008-11-23",
        contacts=("+355 68 777 4411", "mirela.seeded@mail.example"),
        documents=("ID card K81230SEED",),
    ),
    "PV-KAFKA-2": PersonalData(
        full_name="Arben Provëlli",
        date_of_birth="1994-02-05",
        contacts=("Rruga e Seeded 14, Durrës",),
        documents=("passport BB9931SEED",),
    ),
}
# What each identification takes of the person: sex, age, nationality.
ATTRIBUTES = {
    "PV-KAFKA-1": {"sex": "female", "age": 15, "nationality": "XK"},
    "PV-KAFKA-2": {"sex": "male", "age": None, "birth_year": 2010},
}
CASEWORKER = {"actor_id": "cw-1", "actor_role": "caseworker"}


def searched_for(person: PersonalData) -> list[str]:
    """Every seeded value, whole and in the parts one might leak."""
    values = [person.full_name, *person.full_name.split(), person.date_of_birth]
    for item in (*person.contacts, *person.documents):
        values += [item, "".join(ch for ch in item if ch.isalnum())]
    values += [part for item in person.documents for part in item.split()[-1:]]
    return [v for v in values if len(v) >= 4]


def every_byte_of(servers: str, topics: list[str]) -> tuple[bytes, int]:
    """The keys, values and headers of every record of ``topics``; and how many."""
    consumer = KafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
    try:
        parts = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        chunks: list[bytes] = []
        count = 0
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            for batch in consumer.poll(timeout_ms=1000).values():
                for record in batch:
                    count += 1
                    chunks += [record.key or b"", record.value or b""]
                    for name, value in record.headers:
                        chunks += [name.encode(), value]
        return b"".join(chunks), count
    finally:
        consumer.close()


def test_no_name_birth_date_contact_or_document_reaches_kafka_or_the_logs(
    database: Database,
    clock: ControlledClock,
    kafka_servers: str,
    capfd: pytest.CaptureFixture[str],
) -> None:
    env = {**kafka_env(kafka_servers), "VATRA_LOG_LEVEL": "DEBUG"}
    with open_backbone(load_settings(env), clock=clock, database=database) as full:
        store = full.personal_data
        cases = []
        for ref, person in PEOPLE.items():
            case = identify(
                full.service, clock, subject_ref=ref, is_minor=True, **ATTRIBUTES[ref]
            )
            kept = store.read(ref, **CASEWORKER).attributes()
            assert ATTRIBUTES[ref].items() <= kept.items()
            store.store(ref, person, **CASEWORKER, case_id=case["case_id"])
            case = step(
                full.service,
                clock,
                case,
                "refer",
                timedelta(hours=1),
                referral_id="R1",
                service="shelter_accommodation",
                agency="shelter-tirane",
                consent_override_reason="child at risk tonight",
            )
            assert store.read(ref, **CASEWORKER) == person
            cases.append(case)
        erase_personal_data(
            full.service,
            store,
            cases[0]["case_id"],
            expected_version=cases[0]["version"],
            actor_id="co-1",
            actor_role="coordinator",
            reason="the person asked for erasure",
        )
        full.follower.catch_up()
        publish_all(full.relay())
        kafka = full.kafka
        topics = [kafka.events_topic, kafka.dead_letter_topic, kafka.access_log_topic]
        on_kafka, count = every_byte_of(kafka_servers, topics)
        events = [
            decode_event(record.value)
            for record in read_topic(kafka_servers, kafka.events_topic, 5)
        ]
    out, err = capfd.readouterr()
    logged = (out + err).encode()

    assert count == 5  # two cases of two events, and one erasure
    assert b"PV-KAFKA-1" in on_kafka  # the scan reads the records' bytes
    assert b"event_recorded" in logged  # and the process's log lines
    for person in PEOPLE.values():
        for value in searched_for(person):
            assert value.encode() not in on_kafka, f"{value!r} is on Kafka"
            assert value.lower().encode() not in on_kafka.lower(), value
            assert value.encode() not in logged, f"{value!r} was logged"
    identifications = [e for e in events if e.type == "Identified"]
    assert len(identifications) == 2
    for event in identifications:
        assert not {"sex", "age", "birth_year", "nationality"} & event.payload.keys()
    # "male" is in "female" too: neither is on Kafka or in the logs.
    assert b"male" not in on_kafka.lower()
    assert b"male" not in logged.lower()
