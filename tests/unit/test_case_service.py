"""The application service on eventsourcing's in-memory store: primitives in,
primitives out, and a bug stays a bug."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.case import Case
from domain.clock import ControlledClock
from domain.commands import (
    AssessRisk,
    CorrectEntry,
    Identify,
    RecordConsent,
    Refer,
    WarnDeadline,
)
from domain.errors import ConsentRequired, InconsistentFields
from services.app.errors import (
    CaseNotFound,
    InvalidInput,
    PersonalDataUnavailable,
    SubjectErased,
    VersionConflict,
)
from services.app.plain import RecordedEvent
from services.app.service import CaseApplication, CaseService
from tests.fakes import KeptAttributes

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WORKER = {"actor_id": "mu-vlora-1", "actor_role": "mobile_unit"}
PERSON = Identify(
    subject_ref="VL-2026-001",
    region="vlora",
    mobile_unit="MU-Vlora-1",
    municipality="vlore",
    is_minor=False,
    sex="female",
    age=30,
    nationality="AL",
)


@pytest.fixture
def clock() -> ControlledClock:
    return ControlledClock(START)


@pytest.fixture
def people() -> KeptAttributes:
    return KeptAttributes()


@pytest.fixture
def service(
    app: CaseApplication, clock: ControlledClock, people: KeptAttributes
) -> CaseService:
    return CaseService(app, clock, people=people)


def identified(service: CaseService, clock: ControlledClock) -> dict[str, Any]:
    return service.open_case(PERSON, occurred_at=clock.now(), **WORKER)


def test_an_identification_opens_a_case_recorded_by_the_identifying_worker(
    service: CaseService, clock: ControlledClock
) -> None:
    made_on_device = "5d1f0c3e-8c44-4d6a-9a55-0d0b7f7e2a10"
    result = service.open_case(
        dataclasses.replace(PERSON, indicators=["debt_bondage"]),
        case_id=made_on_device,
        occurred_at=clock.now(),
        **WORKER,
    )
    assert result == {"case_id": made_on_device, "version": 1}
    [opened] = service.events(made_on_device)
    assert opened.type == "Identified"
    assert opened.payload["worker_id"] == WORKER["actor_id"]
    assert opened.payload["indicators"] == ["debt_bondage"]
    assert opened.payload["source"] == "outreach"


def test_the_persons_attributes_go_to_the_personal_data_store_not_the_event(
    service: CaseService, clock: ControlledClock, people: KeptAttributes
) -> None:
    case = service.open_case(
        dataclasses.replace(PERSON, sex="male", age=None, birth_year=1990),
        occurred_at=clock.now(),
        correlation_id="req-7",
        **WORKER,
    )
    [opened] = service.events(case["case_id"])
    assert not {"sex", "age", "birth_year", "nationality"} & opened.payload.keys()
    assert "sex" not in service.case(case["case_id"])
    assert people.kept["VL-2026-001"] == {
        "sex": "male",
        "age": None,
        "birth_year": 1990,
        "nationality": "AL",
    }
    # Kept with the identification's actor and correlation id.
    assert people.calls == [("keep", "VL-2026-001", "mu-vlora-1", "req-7")]


def test_attributes_that_contradict_the_case_are_refused_before_anything_is_kept(
    service: CaseService, clock: ControlledClock, people: KeptAttributes
) -> None:
    with pytest.raises(InconsistentFields):
        service.open_case(
            dataclasses.replace(PERSON, is_minor=True, age=30),
            occurred_at=clock.now(),
            **WORKER,
        )
    assert people.calls == []


@pytest.mark.parametrize(
    ("people", "refusal"),
    [
        (KeptAttributes(keyed=False), PersonalDataUnavailable),
        (KeptAttributes(erased={"VL-2026-001"}), SubjectErased),
        (None, PersonalDataUnavailable),
    ],
    ids=["no key", "erased subject", "no store"],
)
def test_an_identification_the_store_refuses_records_nothing(
    app: CaseApplication,
    clock: ControlledClock,
    people: KeptAttributes | None,
    refusal: type[Exception],
) -> None:
    service = CaseService(app, clock, people=people)
    case_id = "5d1f0c3e-8c44-4d6a-9a55-0d0b7f7e2a11"
    with pytest.raises(refusal, match="the case was not opened"):
        service.open_case(PERSON, case_id=case_id, occurred_at=clock.now(), **WORKER)
    with pytest.raises(CaseNotFound):
        service.events(case_id)


def test_the_person_is_shown_to_those_who_work_with_them_and_to_no_one_else(
    service: CaseService, clock: ControlledClock, people: KeptAttributes
) -> None:
    case = identified(service, clock)
    seen = service.person(
        case["case_id"], actor_id="cw-1", actor_role="caseworker", correlation_id="r"
    )
    assert seen == {
        "status": "held",
        "sex": "female",
        "age": 30,
        "birth_year": None,
        "nationality": "AL",
    }
    reads = len(people.calls)
    for role in ("police", "auditor"):
        hidden = service.person(
            case["case_id"], actor_id="x-1", actor_role=role, correlation_id="r"
        )
        assert hidden == {"status": "hidden"}
    assert len(people.calls) == reads  # nothing is read for them
    people.keyed = False
    assert service.person(
        case["case_id"], actor_id="cw-1", actor_role="caseworker", correlation_id="r"
    ) == {"status": "unavailable"}


def test_a_case_id_already_taken_is_a_conflict_and_records_nothing(
    service: CaseService, clock: ControlledClock
) -> None:
    case = identified(service, clock)
    with pytest.raises(VersionConflict):
        service.open_case(
            PERSON,
            case_id=case["case_id"],
            occurred_at=clock.now(),
            **WORKER,
        )
    assert [e.type for e in service.events(case["case_id"])] == ["Identified"]


def test_a_command_object_records_its_event_and_answers_the_new_version(
    service: CaseService, clock: ControlledClock
) -> None:
    case = identified(service, clock)
    result = service.run(
        AssessRisk(level="high"),
        case["case_id"],
        expected_version=1,
        occurred_at=clock.now(),
        **WORKER,
    )
    assert result == {"case_id": case["case_id"], "version": 2}
    last = service.events(case["case_id"])[-1]
    assert isinstance(last, RecordedEvent)
    assert (last.type, last.version, dict(last.payload)) == (
        "RiskAssessed",
        2,
        {"level": "high"},
    )
    assert last.summary()["occurred_at"] == START.isoformat()


def test_a_stale_version_is_a_conflict_and_records_nothing(
    service: CaseService, clock: ControlledClock
) -> None:
    case = identified(service, clock)
    with pytest.raises(VersionConflict):
        service.run(
            AssessRisk(level="high"),
            case["case_id"],
            expected_version=7,
            occurred_at=clock.now(),
            **WORKER,
        )
    assert [e.type for e in service.events(case["case_id"])] == ["Identified"]


def test_a_rule_of_the_case_is_a_domain_error(
    service: CaseService, clock: ControlledClock
) -> None:
    case = identified(service, clock)
    with pytest.raises(ConsentRequired):
        service.run(
            Refer(referral_id="R1", service="shelter_accommodation", agency="Tjeter"),
            case["case_id"],
            expected_version=1,
            occurred_at=clock.now(),
            **WORKER,
        )


def test_a_command_that_does_not_fit_its_case_method_is_a_bug_not_an_input_error(
    service: CaseService, clock: ControlledClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A TypeError reaches the caller as itself: the API answers 500 and logs it."""
    case = identified(service, clock)
    miswired = dataclasses.replace(RecordConsent.declaration, method=Case.assess_risk)
    monkeypatch.setattr(RecordConsent, "declaration", miswired)
    with pytest.raises(TypeError):
        service.run(
            RecordConsent(scope="services", given_by="subject"),
            case["case_id"],
            expected_version=1,
            occurred_at=clock.now(),
            **WORKER,
        )


def test_times_given_as_text_are_read_as_times(
    service: CaseService, clock: ControlledClock
) -> None:
    case = identified(service, clock)
    earlier = START - timedelta(hours=1)
    service.run(
        CorrectEntry(
            corrected_version=1,
            field_name="occurred_at",
            value=earlier.isoformat(),
            reason="typed the wrong hour",
        ),
        case["case_id"],
        expected_version=1,
        occurred_at=clock.now(),
        **WORKER,
    )
    assert service.case(case["case_id"])["identified_at"] == earlier.isoformat()
    with pytest.raises(InvalidInput):
        service.run(
            WarnDeadline(
                obligation_id="o-1",
                rule_id="police-notified",
                ruleset_version="1",
                due_at="tomorrow",  # type: ignore[arg-type]
            ),
            case["case_id"],
            expected_version=2,
            occurred_at=clock.now(),
            actor_id="vatra-sop-clock",
            actor_role="system",
        )


def test_an_unknown_case_is_not_found(service: CaseService) -> None:
    with pytest.raises(CaseNotFound):
        service.events("0b7e6f1a-61c4-4d2c-9b1e-4f0c1c0d9a31")
    with pytest.raises(InvalidInput):
        service.case("not-a-case-id")


def test_history_answers_the_case_as_it_stood_at_a_version(
    service: CaseService, clock: ControlledClock
) -> None:
    case = identified(service, clock)
    service.run(
        AssessRisk(level="high"),
        case["case_id"],
        expected_version=1,
        occurred_at=clock.now(),
        **WORKER,
    )
    then = service.history(case["case_id"], version=1)
    assert then["version"] == 1
    assert [e["type"] for e in then["events"]] == ["Identified"]
    assert service.case(case["case_id"])["version"] == 2
