"""Corrections pass the checks of the field they correct, from the right hands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.case import Case
from domain.errors import (
    CorrectionError,
    InvalidTime,
    InvalidValue,
    NotPermitted,
    UnknownCode,
)
from domain.events import EntryCorrected
from domain.stamp import Stamp
from tests.builders import NOW, identified_case, stamp


def correct(case: Case, version: int, field: str, value: object, role: str) -> None:
    case.correct_entry(
        stamp(role=role),
        corrected_version=version,
        field_name=field,
        value=value,
        reason="typed wrongly",
    )


def test_a_time_is_corrected_only_to_a_time_a_step_could_have() -> None:
    case = identified_case()
    case.assess_risk(stamp(), level="low")
    far_future = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    with pytest.raises(InvalidTime, match="between 1990 and 2200"):
        correct(case, 2, "occurred_at", far_future, "mobile_unit")
    with pytest.raises(InvalidTime, match="in the future"):
        correct(case, 2, "occurred_at", NOW + timedelta(days=2), "mobile_unit")
    with pytest.raises(InvalidTime, match="between 1990 and 2200"):
        correct(case, 1, "occurred_at", datetime(1, 1, 1, tzinfo=UTC), "mobile_unit")
    edge = datetime.fromisoformat("9999-12-31T23:00:00-05:00")
    with pytest.raises(InvalidTime):
        correct(case, 2, "occurred_at", edge, "mobile_unit")
    with pytest.raises(InvalidTime, match="after a later step"):
        correct(case, 1, "occurred_at", NOW + timedelta(minutes=30), "mobile_unit")
    assert len(case.collect_events()) == 2


def test_a_command_refuses_a_time_at_the_edge_of_the_calendar() -> None:
    case = identified_case()
    edge = datetime.fromisoformat("9999-12-31T23:00:00-05:00")
    with pytest.raises(InvalidTime):
        case.assess_risk(Stamp("w-1", "mobile_unit", edge, NOW, "corr-1"), level="low")


def test_a_corrected_value_keeps_to_the_code_list_of_its_field() -> None:
    case = identified_case()
    case.determine_status(
        stamp(role="responsible_authority"), status="potential_victim"
    )
    case.close(stamp(), reason="other")
    with pytest.raises(UnknownCode, match="unknown status 'anything'"):
        correct(case, 2, "status", "anything", "responsible_authority")
    with pytest.raises(UnknownCode, match="unknown closing reason"):
        correct(case, 3, "reason", "gone fishing", "mobile_unit")
    correct(case, 2, "status", "victim", "responsible_authority")
    correction = case.collect_events()[-1]
    assert isinstance(correction, EntryCorrected)
    assert correction.value == '"victim"'


def test_a_corrected_value_keeps_to_the_length_and_lines_of_its_field() -> None:
    case = identified_case()
    references = [f"REF-{n:05d}" for n in range(10_000)]
    with pytest.raises(CorrectionError, match="0 to 15 items, not 10000"):
        correct(case, 1, "indicators", references, "mobile_unit")
    with pytest.raises(CorrectionError, match="at most 100 characters"):
        correct(case, 1, "mobile_unit", "x" * 101, "mobile_unit")
    with pytest.raises(CorrectionError, match="line breaks"):
        correct(case, 1, "mobile_unit", "unit\nAcknowledge: http://x", "mobile_unit")
    with pytest.raises(CorrectionError, match="is required"):
        correct(case, 1, "mobile_unit", "  ", "mobile_unit")
    with pytest.raises(UnknownCode, match="unknown municipality"):
        correct(case, 1, "municipality", "Vlorë\nAcknowledge: http://x", "mobile_unit")
    correct(case, 1, "indicators", ["debt_bondage", "threats"], "mobile_unit")
    assert len(case.collect_events()) == 2


def test_a_single_line_field_refuses_line_breaks_and_free_text_keeps_them() -> None:
    with pytest.raises(InvalidValue, match="line breaks"):
        identified_case(mobile_unit="unit\r\nAcknowledge: http://evil.example")
    with pytest.raises(InvalidValue, match="line breaks"):
        identified_case(mobile_unit="unit\tone")
    case = identified_case()
    case.close(stamp(), reason="other")
    case.reopen(stamp(), reason="new risk:\nthe person was seen again")
    case.close(stamp(), reason="other")
    with pytest.raises(InvalidValue, match="at most 500"):
        case.reopen(stamp(), reason="x" * 501)


def test_every_list_a_person_records_is_bounded() -> None:
    with pytest.raises(InvalidValue, match="0 to 15 items"):
        identified_case(indicators=["threats"] * 16)
    case = identified_case()
    with pytest.raises(InvalidValue, match="at most 100 characters"):
        case.refer(
            stamp(),
            referral_id="R1",
            service="legal_assistance",
            agency="a" * 101,
            consent_override_reason="urgent",
        )


def test_entries_recorded_by_the_backbone_are_never_corrected_by_hand() -> None:
    case = identified_case()
    case.record_notification(
        stamp(role="system"),
        authority="police",
        channel="email",
        recipient="police-vlora",
        reference="alert-1",
    )
    for role in ("mobile_unit", "coordinator", "responsible_authority"):
        with pytest.raises(NotPermitted, match="never corrected by hand"):
            correct(case, 2, "occurred_at", NOW - timedelta(hours=4), role)
    with pytest.raises(NotPermitted):
        correct(case, 2, "reference", "alert-2", "mobile_unit")


def test_a_caseworkers_own_notification_is_corrected_by_caseworkers() -> None:
    case = identified_case()
    case.record_notification(
        stamp(), authority="police", channel="phone", recipient="duty", reference=""
    )
    correct(case, 2, "occurred_at", NOW - timedelta(hours=4), "lawyer")
    with pytest.raises(NotPermitted, match="recorded by caseworkers"):
        correct(case, 2, "occurred_at", NOW, "responsible_authority")


def test_only_the_responsible_authority_corrects_its_status_decision() -> None:
    case = identified_case()
    case.determine_status(
        stamp(role="responsible_authority"), status="potential_victim"
    )
    for role in ("caseworker", "mobile_unit", "coordinator", "police"):
        with pytest.raises(NotPermitted, match="recorded by responsible_authority"):
            correct(case, 2, "status", "victim", role)
    with pytest.raises(NotPermitted, match="recorded by caseworkers"):
        correct(case, 1, "municipality", "Fier", "responsible_authority")
