"""Text people type is kept in the person's encrypted store, not in events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.clock import ControlledClock
from services.app.erasure import erase_personal_data
from services.app.errors import SubjectErased
from services.cli.main import main
from services.config.bootstrap import Backbone
from services.store.database import Database
from services.store.personal_texts import PersonalTexts, is_text_ref
from tests.builders import events_of, identify, latest, step

NAME = "Ëngjëllushe Çela"
PHONE = "+355 69 123 4567"
COORDINATOR = {"actor_id": "co-1", "actor_role": "coordinator"}
CASEWORKER = {"actor_id": "cw-1", "actor_role": "caseworker"}


@pytest.fixture
def case(backbone: Backbone, clock: ControlledClock) -> dict[str, Any]:
    return identify(backbone.service, clock, mobile_unit=f"unit of {NAME}")


def texts_of(backbone: Backbone, event: Any) -> dict[str, str | None]:
    texts = backbone.service.texts
    assert isinstance(texts, PersonalTexts)
    refs = event.text_refs
    found = texts.read(
        "PV-TEST-1",
        list(refs.values()),
        **CASEWORKER,
        case_id=str(event.originator_id),
        correlation_id="test",
    )
    return {field: found[ref] for field, ref in refs.items()}


def test_a_follow_up_outcome_is_kept_apart_and_the_event_holds_its_reference(
    backbone: Backbone, clock: ControlledClock, case: dict[str, Any]
) -> None:
    step(
        backbone.service,
        clock,
        case,
        "complete_follow_up",
        timedelta(hours=1),
        method="phone",
        outcome=f"spoke with {NAME} on {PHONE}",
    )

    [event] = events_of(backbone.service, case["case_id"], "FollowUpCompleted")
    assert event.outcome == ""
    assert is_text_ref(event.text_refs["outcome"])
    assert texts_of(backbone, event) == {"outcome": f"spoke with {NAME} on {PHONE}"}
    [identified] = events_of(backbone.service, case["case_id"], "Identified")
    assert identified.mobile_unit == ""
    assert texts_of(backbone, identified) == {"mobile_unit": f"unit of {NAME}"}


def test_a_corrected_text_and_the_correction_reason_are_kept_apart(
    backbone: Backbone, clock: ControlledClock, case: dict[str, Any]
) -> None:
    done = step(
        backbone.service,
        clock,
        case,
        "miss_follow_up",
        timedelta(hours=1),
        reason="not at home",
    )
    step(
        backbone.service,
        clock,
        done,
        "correct_entry",
        timedelta(minutes=5),
        corrected_version=done["version"],
        field_name="reason",
        value=f"{NAME} moved, call {PHONE}",
        reason=f"{NAME} asked us to",
    )

    [event] = events_of(backbone.service, case["case_id"], "EntryCorrected")
    assert (event.value, event.reason) == ('""', "")
    assert texts_of(backbone, event) == {
        "value": f"{NAME} moved, call {PHONE}",
        "reason": f"{NAME} asked us to",
    }


def test_an_agency_of_the_directory_is_an_id_not_typed_text(
    backbone: Backbone, clock: ControlledClock, case: dict[str, Any]
) -> None:
    step(
        backbone.service,
        clock,
        case,
        "record_consent",
        timedelta(hours=1),
        scope="services",
        given_by="subject",
    )
    step(
        backbone.service,
        clock,
        latest(backbone.service, case),
        "refer",
        timedelta(hours=1),
        referral_id="R-1",
        service="shelter_accommodation",
        agency="national_shelter",
    )

    [event] = events_of(backbone.service, case["case_id"], "Referred")
    assert (event.agency, event.text_refs) == ("national_shelter", {})


def test_erasure_destroys_the_texts_and_no_text_can_be_kept_afterwards(
    backbone: Backbone, clock: ControlledClock, case: dict[str, Any]
) -> None:
    done = step(
        backbone.service,
        clock,
        case,
        "miss_follow_up",
        timedelta(hours=1),
        reason=f"{NAME} was not at home",
    )
    erase_personal_data(
        backbone.service,
        backbone.personal_data,
        case["case_id"],
        expected_version=done["version"],
        reason=f"{NAME} asked for it",
        **COORDINATOR,
    )

    [missed] = events_of(backbone.service, case["case_id"], "FollowUpMissed")
    [erased] = events_of(backbone.service, case["case_id"], "PersonalDataErased")
    assert texts_of(backbone, missed) == {"reason": None}
    assert texts_of(backbone, erased) == {"reason": None}
    with pytest.raises(SubjectErased):
        step(
            backbone.service,
            clock,
            latest(backbone.service, case),
            "miss_follow_up",
            timedelta(hours=1),
            reason="again",
        )
    with backbone.pool.connection() as conn:
        assert conn.execute("SELECT count(*) FROM personal_texts").fetchone() == (0,)


def test_vatra_timeline_shows_typed_text_to_a_reader_it_names_only(
    backbone: Backbone,
    clock: ControlledClock,
    case: dict[str, Any],
    external_env: Database,
    capsys: pytest.CaptureFixture[str],
) -> None:
    step(
        backbone.service,
        clock,
        case,
        "complete_follow_up",
        timedelta(hours=1),
        method="phone",
        outcome=f"spoke with {NAME}",
    )

    assert main(["timeline", case["case_id"]]) == 0
    anyone = capsys.readouterr().out
    assert (
        main(["timeline", case["case_id"], "--actor", "cw-1", "--role", "caseworker"])
        == 0
    )
    reader = capsys.readouterr().out

    assert "Follow-up by phone: [withheld]" in anyone
    assert NAME not in anyone
    assert f"Follow-up by phone: spoke with {NAME}" in reader
    views = [(e["actor_id"], e["view"]) for e in backbone.access_log.entries()]
    assert ("cw-1", "personal_text") in views
