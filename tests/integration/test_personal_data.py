"""Personal data: encrypted per person, every access logged, erased with its key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.clock import ControlledClock
from domain.errors import NotPermitted
from handlers.erasure import KeyDestruction
from services.app.erasure import erase_personal_data
from services.app.errors import (
    PersonalDataUnavailable,
    ReadNotPermitted,
    SubjectErased,
)
from services.app.text_reading import Reader, reveal
from services.audit.verify import verify_chain
from services.cli.reports import timeline_report
from services.config.bootstrap import Backbone
from services.store.access_log import AccessLog
from services.store.event_chain import ChainHasher
from services.store.personal_data import PersonalData, PersonalDataStore
from services.store.personal_data_keys import KeyRing, generate_master_key
from services.store.personal_data_table import DataKeyShredder
from services.workers.follower import LogFollower
from tests.builders import identify, step
from tests.keys import PERSONAL_DATA_KEY

# The backbone's key: its identifications keep the person's attributes too.
MASTER = PERSONAL_DATA_KEY
CASEWORKER = {"actor_id": "cw-1", "actor_role": "caseworker"}
COORDINATOR = {"actor_id": "co-1", "actor_role": "coordinator"}
PERSON = PersonalData(
    full_name="Drita Kelmendi-Seeded",
    date_of_birth="2009-04-17",
    contacts=("+355 69 555 0142", "drita.seeded@example.al"),
    documents=("passport AL-SEED-99812",),
)


@pytest.fixture
def log(backbone: Backbone, clock: ControlledClock) -> AccessLog:
    access_log = AccessLog(backbone.pool, clock)
    access_log.create_table()
    return access_log


@pytest.fixture
def store(
    backbone: Backbone, clock: ControlledClock, log: AccessLog
) -> PersonalDataStore:
    personal = PersonalDataStore(backbone.pool, log, clock, KeyRing(MASTER))
    personal.create_table()
    return personal


@pytest.fixture
def case(
    backbone: Backbone, clock: ControlledClock, store: PersonalDataStore
) -> dict[str, Any]:
    opened = identify(backbone.service, clock, subject_ref="PV-DK-1", is_minor=True)
    store.store("PV-DK-1", PERSON, **CASEWORKER, case_id=opened["case_id"])
    return step(
        backbone.service, clock, opened, "assess_risk", timedelta(hours=1), level="high"
    )


def raw_table(backbone: Backbone) -> bytes:
    with backbone.pool.connection() as conn:
        rows = conn.execute("SELECT * FROM personal_data").fetchall()
    return repr(rows).encode() + b"".join(
        bytes(v) for row in rows for v in row if isinstance(v, bytes | memoryview)
    )


def test_a_reader_gets_the_data_and_the_read_is_in_the_access_log(
    store: PersonalDataStore, log: AccessLog, case: dict[str, Any]
) -> None:
    assert store.read("PV-DK-1", **CASEWORKER, case_id=case["case_id"]) == PERSON
    views = [(e["view"], e["subject_ref"], e["allowed"]) for e in log.entries()]
    assert views == [
        ("personal_data", "PV-DK-1", True),
        ("personal_data_update", "PV-DK-1", True),
        ("personal_text_update", "PV-DK-1", True),  # the mobile unit typed
        ("personal_data_update", "PV-DK-1", True),  # the identification's attributes
    ]


def test_a_role_without_need_is_refused_and_the_attempt_is_logged(
    store: PersonalDataStore, log: AccessLog, case: dict[str, Any]
) -> None:
    for role in ("police", "auditor", "system"):
        with pytest.raises(ReadNotPermitted, match="was recorded"):
            store.read("PV-DK-1", actor_id="x-1", actor_role=role)
    refused = [e["actor_role"] for e in log.entries() if not e["allowed"]]
    assert refused == ["system", "auditor", "police"]


def test_personal_data_is_encrypted_at_rest_and_bound_to_its_subject(
    backbone: Backbone, store: PersonalDataStore, case: dict[str, Any]
) -> None:
    raw = raw_table(backbone)
    for value in ("Drita", "2009-04-17", "0142", "drita.seeded", "AL-SEED-99812"):
        assert value.encode() not in raw
    assert b"PV-DK-1" in raw  # the scan does see the table's bytes
    # A row moved to another subject does not decrypt.
    store.store("PV-OTHER", PersonalData(full_name="Other"), **CASEWORKER)
    with backbone.pool.connection() as conn:
        conn.execute(
            "UPDATE personal_data SET record = (SELECT record FROM personal_data "
            "WHERE subject_ref = 'PV-DK-1') WHERE subject_ref = 'PV-OTHER'"
        )
    with pytest.raises(PersonalDataUnavailable, match="could not be decrypted"):
        store.read("PV-OTHER", **CASEWORKER)


def test_another_master_key_cannot_read_and_a_rotated_key_can(
    backbone: Backbone,
    clock: ControlledClock,
    log: AccessLog,
    store: PersonalDataStore,
    case: dict[str, Any],
) -> None:
    newer = generate_master_key()
    stranger = PersonalDataStore(backbone.pool, log, clock, KeyRing(newer))
    with pytest.raises(PersonalDataUnavailable, match="not configured"):
        stranger.read("PV-DK-1", **CASEWORKER)
    rotating = PersonalDataStore(backbone.pool, log, clock, KeyRing(newer, [MASTER]))
    assert rotating.rewrap() == 1
    # The old master key can now be destroyed.
    assert stranger.read("PV-DK-1", **CASEWORKER) == PERSON


def test_erasure_destroys_the_key_records_the_decision_and_the_case_still_replays(
    backbone: Backbone,
    clock: ControlledClock,
    store: PersonalDataStore,
    log: AccessLog,
    case: dict[str, Any],
) -> None:
    clock.advance(timedelta(days=30))
    result = erase_personal_data(
        backbone.service,
        store,
        case["case_id"],
        expected_version=case["version"],
        **COORDINATOR,
        reason="the person asked for erasure",
    )
    assert result["version"] == 3
    with pytest.raises(SubjectErased, match="was erased on"):
        store.read("PV-DK-1", **CASEWORKER)
    updates = len([e for e in log.entries() if e["view"] == "personal_data_update"])
    with pytest.raises(SubjectErased, match="cannot be stored again"):
        store.store("PV-DK-1", PERSON, **CASEWORKER)
    assert store.status("PV-DK-1")["status"] == "erased"
    # The refused update is in the access log all the same.
    newest = log.entries()[0]
    assert (newest["view"], newest["subject_ref"]) == (
        "personal_data_update",
        "PV-DK-1",
    )
    assert updates + 1 == len(
        [e for e in log.entries() if e["view"] == "personal_data_update"]
    )
    # The ciphertext is still there, and no key opens it any more.
    with backbone.pool.connection() as conn:
        row = conn.execute(
            "SELECT wrapped_key, record FROM personal_data "
            "WHERE subject_ref = 'PV-DK-1'"
        ).fetchone()
    assert row is not None
    assert row[0] is None
    assert row[1] is not None
    # The case history is whole and replays, erasure included.
    history = backbone.service.history(case["case_id"], clock.now())
    assert [e["type"] for e in history["events"]] == [
        "Identified",
        "RiskAssessed",
        "PersonalDataErased",
    ]
    assert history["case"]["subject_ref"] == "PV-DK-1"
    assert history["case"]["personal_data_erased"] is True
    # The reason was typed: kept with the person's data, erased with it.
    erasure = history["events"][2]["payload"]
    assert (erasure["subject_ref"], erasure["reason"]) == ("PV-DK-1", "")
    assert set(erasure["text_refs"]) == {"reason"}
    assert (
        backbone.service.history(case["case_id"], version=2)["case"][
            "personal_data_erased"
        ]
        is False
    )
    backbone.follower.catch_up()
    with backbone.pool.connection() as conn:
        shown = timeline_report(
            conn,
            UUID(case["case_id"]),
            lambda details: reveal(
                backbone.service.texts,
                "PV-DK-1",
                case["case_id"],
                details,
                Reader("co-1", "coordinator", "test"),
            ),
        )
    # Its reason, typed, was the person's data: erased with it.
    assert "Personal data erased: [erased]" in shown
    assert "asked for erasure" not in shown
    assert verify_chain(backbone.pool, "cases_events", ChainHasher(None)).ok
    views = [e["view"] for e in log.entries()]
    assert "personal_data_erasure" in views


def test_only_a_coordinator_or_the_responsible_authority_may_erase(
    backbone: Backbone, store: PersonalDataStore, case: dict[str, Any]
) -> None:
    with pytest.raises(NotPermitted):
        erase_personal_data(
            backbone.service,
            store,
            case["case_id"],
            expected_version=case["version"],
            **CASEWORKER,
            reason="tidying up",
        )
    assert backbone.service.case(case["case_id"])["version"] == 2
    assert store.read("PV-DK-1", **CASEWORKER) == PERSON


def test_an_erasure_recorded_any_other_way_is_carried_out_by_the_projection(
    backbone: Backbone,
    clock: ControlledClock,
    store: PersonalDataStore,
    case: dict[str, Any],
) -> None:
    # The generic command records the decision without touching the store
    # (as an HTTP client or a crash between the two steps would leave it).
    step(
        backbone.service,
        clock,
        case,
        "erase_personal_data",
        timedelta(hours=1),
        actor=COORDINATOR,
        reason="retention period over",
    )
    assert store.read("PV-DK-1", **CASEWORKER) == PERSON
    follower = LogFollower(
        backbone.app, backbone.pool, [KeyDestruction(DataKeyShredder())]
    )
    follower.create_tables()
    assert follower.catch_up() == 3
    with pytest.raises(SubjectErased):
        store.read("PV-DK-1", **CASEWORKER)
    # Rebuilding replays the erasure again, and drops nothing of the store.
    follower.rebuild()
    assert store.status("PV-DK-1")["status"] == "erased"
    # Completing an erasure that was recorded already records nothing twice.
    again = erase_personal_data(
        backbone.service,
        store,
        case["case_id"],
        expected_version=0,
        **COORDINATOR,
        reason="again",
    )
    assert again["version"] == 3


def test_an_erased_person_can_never_be_stored_again(
    backbone: Backbone, clock: ControlledClock, store: PersonalDataStore
) -> None:
    opened = identify(backbone.service, clock, subject_ref="PV-NEVER")
    erase_personal_data(
        backbone.service,
        store,
        opened["case_id"],
        expected_version=1,
        **COORDINATOR,
        reason="identified by mistake",
    )
    with pytest.raises(SubjectErased):
        store.store("PV-NEVER", PERSON, **CASEWORKER)


def test_without_a_master_key_nothing_is_stored_or_read(
    backbone: Backbone, clock: ControlledClock, log: AccessLog
) -> None:
    keyless = PersonalDataStore(backbone.pool, log, clock, None)
    keyless.create_table()
    with pytest.raises(PersonalDataUnavailable, match="VATRA_PERSONAL_DATA_KEY"):
        keyless.store("PV-X", PERSON, **CASEWORKER)
    with pytest.raises(PersonalDataUnavailable, match="32 bytes"):
        KeyRing("c2hvcnQ=")


# -- the person's attributes an identification takes ------------------------------


def test_the_identification_keeps_the_persons_attributes_beside_what_is_held(
    backbone: Backbone, clock: ControlledClock, store: PersonalDataStore
) -> None:
    store.store("PV-ATTR", PERSON, **CASEWORKER)
    identify(
        backbone.service,
        clock,
        subject_ref="PV-ATTR",
        is_minor=True,
        sex="female",
        age=None,
        birth_year=2009,
        nationality="XK",
    )
    held = store.read("PV-ATTR", **CASEWORKER)
    assert held.full_name == PERSON.full_name  # the rest of the record stays
    assert held.attributes() == {
        "sex": "female",
        "age": None,
        "birth_year": 2009,
        "nationality": "XK",
    }
    assert b"nationality" not in raw_table(backbone)  # sealed like the rest


def test_keeping_the_same_attributes_again_changes_nothing(
    store: PersonalDataStore,
) -> None:
    attributes = {"sex": "male", "age": 40, "birth_year": None, "nationality": "AL"}
    store.keep_attributes("PV-TWICE", attributes, **CASEWORKER)
    store.keep_attributes("PV-TWICE", attributes, **CASEWORKER)
    assert store.read("PV-TWICE", **CASEWORKER) == PersonalData(**attributes)
    with pytest.raises(ValueError, match="full_name"):
        store.keep_attributes("PV-TWICE", {"full_name": "X"}, **CASEWORKER)


def test_a_record_stored_before_attributes_were_kept_reads_without_them() -> None:
    before = (
        b'{"full_name": "Drita", "date_of_birth": "2009-04-17", '
        b'"contacts": ["+355 69 555 0142"], "documents": []}'
    )
    person = PersonalData.from_json(before)
    assert person.full_name == "Drita"
    assert person.attributes() == {
        "sex": "",
        "age": None,
        "birth_year": None,
        "nationality": "",
    }
