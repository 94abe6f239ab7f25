"""Cases stored in a real PostgreSQL through the application service."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.case import Case
from domain.clock import ControlledClock
from domain.errors import ConsentRequired
from services.app.errors import CaseNotFound, InvalidInput, VersionConflict
from services.app.service import CaseApplication, CaseService
from services.config.bootstrap import Backbone
from tests.builders import identify, step


def test_an_identification_is_stored_and_read_back_from_postgres(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock, is_minor=True)
    # A second application on the same database sees exactly what was stored.
    other = CaseApplication(env=backbone.database.eventsourcing_env())
    try:
        stored = CaseService(other, clock).case(case["case_id"])
    finally:
        other.close()
    assert stored["version"] == 1
    assert stored["is_minor"] is True
    assert stored["region"] == "vlora"


def test_a_stale_expected_version_is_a_conflict_and_nothing_is_recorded(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock)
    step(backbone.service, clock, case, "assess_risk", timedelta(hours=1), level="high")
    with pytest.raises(VersionConflict, match="expected version 1, it is at 2"):
        step(backbone.service, clock, case, "assess_risk", level="low")
    assert backbone.service.case(case["case_id"])["version"] == 2


def test_two_writers_on_one_case_the_second_save_is_refused(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock)
    repo = backbone.app.repository
    first: Case = repo.get(backbone.service.case(case["case_id"])["case_id"])
    second: Case = repo.get(first.id)
    stamp = backbone.service._stamp("w-1", "mobile_unit", clock.now(), None)
    first.assess_risk(stamp, level="high")
    second.assess_risk(stamp, level="low")
    backbone.service._save(first, expected=1)
    with pytest.raises(VersionConflict, match="saved first"):
        backbone.service._save(second, expected=1)
    events = backbone.service.app.case_events(case["case_id"])
    assert [type(e).__name__ for e in events] == ["Identified", "RiskAssessed"]
    assert events[1].level == "high"  # type: ignore[attr-defined]


def test_a_rule_violation_records_nothing(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock)
    with pytest.raises(ConsentRequired):
        step(
            backbone.service,
            clock,
            case,
            "refer",
            referral_id="R1",
            service="legal_assistance",
            agency="Legal Clinic",
        )
    assert backbone.service.case(case["case_id"])["version"] == 1


def test_unknown_case_and_malformed_input_are_clear_errors(
    backbone: Backbone, clock: ControlledClock
) -> None:
    with pytest.raises(CaseNotFound):
        backbone.service.case("00000000-0000-0000-0000-000000000001")
    with pytest.raises(InvalidInput, match="not a valid case id"):
        backbone.service.case("not-a-uuid")
    with pytest.raises(InvalidInput, match="time zone"):
        identify(backbone.service, clock, occurred_at="2026-03-01T10:00:00")
    case = identify(backbone.service, clock)
    # Commands are objects, not names: a name nobody declared, or a field the
    # command does not have, is a bug in the caller (never a 422).
    with pytest.raises(LookupError, match="unknown command"):
        step(backbone.service, clock, case, "delete_case")
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        step(backbone.service, clock, case, "assess_risk", level="low", colour="red")


def test_history_shows_the_case_as_it_stood_at_a_moment(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock)
    case = step(
        backbone.service,
        clock,
        case,
        "record_consent",
        timedelta(hours=1),
        scope="services",
        given_by="subject",
    )
    moment = clock.now()
    step(backbone.service, clock, case, "close", timedelta(days=3), reason="other")
    then = backbone.service.history(case["case_id"], moment)
    assert then["case"]["closed"] is False
    assert then["case"]["consents"] == ["services"]
    assert [e["type"] for e in then["events"]] == ["Identified", "ConsentRecorded"]
    now = backbone.service.history(case["case_id"], clock.now())
    assert now["case"]["closed"] is True
