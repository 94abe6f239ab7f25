"""Who owns a case: the identifying worker, until the case is assigned or
handed over; and who may assign it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from domain.errors import DomainError, InvalidValue, NotPermitted
from domain.events import CaseAssigned
from tests.builders import identified_case, stamp


def test_the_identifying_worker_owns_a_case_until_it_is_assigned() -> None:
    case = identified_case()
    assert case.owner == "w-1"
    case.assign(stamp(), owner="lawyer-vlora-1")
    assert case.owner == "lawyer-vlora-1"
    event = case.collect_events()[-1]
    assert isinstance(event, CaseAssigned)
    assert (event.owner, event.previous_owner) == ("lawyer-vlora-1", "w-1")


def test_a_hand_over_names_who_had_the_case() -> None:
    case = identified_case()
    case.assign(stamp(), owner="lawyer-vlora-1")
    case.assign(stamp(timedelta(minutes=5), role="coordinator"), owner="mu-vlora-2")
    event = case.collect_events()[-1]
    assert isinstance(event, CaseAssigned)
    assert (event.owner, event.previous_owner) == ("mu-vlora-2", "lawyer-vlora-1")


def test_a_case_is_not_assigned_to_its_owner_again() -> None:
    case = identified_case()
    with pytest.raises(DomainError, match="already assigned to w-1"):
        case.assign(stamp(), owner="w-1")
    assert case.version == 1


@pytest.mark.parametrize("role", ["police", "responsible_authority", "auditor"])
def test_only_caseworkers_and_coordinators_assign_a_case(role: str) -> None:
    case = identified_case()
    with pytest.raises(NotPermitted):
        case.assign(stamp(role=role), owner="lawyer-vlora-1")
    case.assign(stamp(role="shelter_staff"), owner="lawyer-vlora-1")
    case.assign(stamp(role="coordinator"), owner="w-1")
    assert case.owner == "w-1"


@pytest.mark.parametrize("owner", ["", "two words", "line\nbreak", "x" * 101])
def test_the_owner_is_a_user_id(owner: str) -> None:
    case = identified_case()
    with pytest.raises(InvalidValue):
        case.assign(stamp(), owner=owner)


def test_a_closed_case_still_changes_hands_for_its_follow_ups() -> None:
    case = identified_case()
    case.close(stamp(), reason="reintegrated")
    case.assign(stamp(timedelta(minutes=1)), owner="mu-vlora-2")
    assert case.owner == "mu-vlora-2"


def test_a_corrected_identifying_worker_owns_the_case_until_it_is_assigned() -> None:
    case = identified_case()
    case.correct_entry(
        stamp(), corrected_version=1, field_name="worker_id", value="w-2", reason="x"
    )
    assert case.owner == "w-2"
    case.assign(stamp(), owner="w-3")
    case.correct_entry(
        stamp(), corrected_version=1, field_name="worker_id", value="w-4", reason="x"
    )
    assert case.owner == "w-3"


def test_an_assignment_is_put_right_by_assigning_again_not_by_a_correction() -> None:
    case = identified_case()
    case.assign(stamp(), owner="w-2")
    with pytest.raises(NotPermitted, match="never corrected"):
        case.correct_entry(
            stamp(),
            corrected_version=2,
            field_name="owner",
            value=json.dumps("w-3"),
            reason="wrong worker",
        )
