"""Which steps a case offers, and the values it allows: read from the command
table and the case's state, the same for the pages and any other client."""

from __future__ import annotations

import pytest

from domain.case import Case
from domain.commands import COMMANDS
from domain.offering import Situation, next_referral_id
from services.api.users import check_user
from services.app.errors import InvalidInput
from services.app.offers import offers_of
from tests.builders import identified_case, stamp


def offered(case: Case, role: str = "mobile_unit", **seen: object) -> dict[str, dict]:
    return offers_of(
        case, role=role, unit=seen.get("unit"), awaited=seen.get("awaited", ())
    )["offered"]  # type: ignore[arg-type]


def values(case: Case, command: str, field: str, **seen: object) -> list[str]:
    return [o["value"] for o in offered(case, **seen)[command]["choices"][field]]


def test_a_minors_consent_is_offered_as_given_by_a_guardian_only() -> None:
    assert values(identified_case(is_minor=True), "record_consent", "given_by") == [
        "guardian"
    ]
    assert values(identified_case(), "record_consent", "given_by") == [
        "subject",
        "guardian",
    ]


def test_only_a_given_consent_is_offered_to_withdraw() -> None:
    case = identified_case()
    assert "withdraw_consent" not in offered(case)
    case.record_consent(stamp(), scope="data_sharing", given_by="subject")
    assert values(case, "withdraw_consent", "scope") == ["data_sharing"]


def referred_twice() -> Case:
    case = identified_case()
    case.record_consent(stamp(), scope="services", given_by="subject")
    case.refer(
        stamp(), referral_id="R-1", service="legal_assistance", agency="legal_clinic"
    )
    case.refer(
        stamp(),
        referral_id="R-2",
        service="shelter_accommodation",
        agency="national_shelter",
    )
    return case


def test_shelter_staff_are_offered_only_their_agencys_open_referrals() -> None:
    case = referred_twice()
    shelter = {"role": "shelter_staff", "unit": "national_shelter"}
    answers = offered(case, **shelter)["accept_referral"]["choices"]["referral_id"]
    assert answers == [
        {
            "value": "R-2",
            "about": {"service": "shelter_accommodation", "agency": "national_shelter"},
        }
    ]
    assert "accept_referral" not in offered(
        case, role="shelter_staff"
    )  # no agency named
    assert "complete_referral" not in offered(case, **shelter)
    case.accept_referral(stamp(), referral_id="R-2")
    assert "accept_referral" not in offered(case, **shelter)
    assert values(case, "complete_referral", "referral_id", **shelter) == ["R-2"]
    # Other caseworkers record an answer an agency gave them.
    assert values(case, "accept_referral", "referral_id") == ["R-1"]


def test_a_service_is_completed_or_discontinued_only_once_started() -> None:
    case = identified_case()
    assert {"complete_service", "discontinue_service"}.isdisjoint(offered(case))
    case.start_service(stamp(), service="legal_assistance")
    assert values(case, "complete_service", "service") == ["legal_assistance"]
    assert "legal_assistance" not in values(case, "start_service", "service")


def test_a_closed_case_offers_reopening_and_the_follow_ups_due_only() -> None:
    case = identified_case()
    case.close(stamp(), reason="reintegrated")
    assert list(offered(case)) == ["reopen"]
    due = offered(case, awaited={"FollowUpCompleted"})
    assert list(due) == ["complete_follow_up", "miss_follow_up", "reopen"]
    other = identified_case()
    other.close(stamp(), reason="lost_contact")
    assert list(offered(other, awaited={"FollowUpCompleted"})) == ["reopen"]


def test_an_open_case_offers_neither_reopening_nor_a_follow_up_not_due() -> None:
    names = offered(identified_case())
    assert {"reopen", "complete_follow_up", "acknowledge_alert"}.isdisjoint(names)
    assert {"record_notification", "refer", "close", "correct_entry"} <= set(names)
    assert list(names) == [n for n in COMMANDS if n in names]  # a case's life order


def test_the_backbone_makes_a_short_referral_id_unique_within_the_case() -> None:
    case = identified_case()
    assert next_referral_id(Situation(case, "mobile_unit")) == "R-1"
    case.record_consent(stamp(), scope="services", given_by="subject")
    case.refer(
        stamp(), referral_id="R-2", service="legal_assistance", agency="legal_clinic"
    )
    assert next_referral_id(Situation(case, "mobile_unit")) == "R-3"
    assert offered(case)["refer"]["made"] == {"referral_id": "R-3"}


def test_only_the_entries_of_ones_own_side_are_offered_for_correction() -> None:
    case = identified_case()
    case.determine_status(stamp(role="responsible_authority"), status="victim")
    entries = offers_of(case, role="mobile_unit", unit=None, awaited=())["entries"]
    assert [e["version"] for e in entries] == [1]
    assert entries[0]["fields"]["municipality"] == "vlore"
    authority = offers_of(case, role="responsible_authority", unit=None, awaited=())
    assert [e["version"] for e in authority["entries"]] == [2]
    assert authority["entries"][0]["fields"] == {
        "status": "victim",
        "occurred_at": "2026-11-02T10:00:00+00:00",
    }


def test_a_shelter_staff_account_names_a_known_agency_or_none() -> None:
    staff = check_user("s-1", "shelter_staff", ["vlora"], "sq", "national_shelter")
    assert staff.unit == "national_shelter"
    assert check_user("s-2", "shelter_staff", ["vlora"], "sq").unit is None
    with pytest.raises(InvalidInput, match="not an agency"):
        check_user("s-3", "shelter_staff", ["vlora"], "sq", "cpu-vlore")
    with pytest.raises(InvalidInput, match="takes --unit"):
        check_user("m-1", "mobile_unit", ["vlora"], "sq", "national_shelter")
