"""Which typed fields are kept apart from the events, and how old events
with their text inline still read."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.case import Case
from domain.catalogue import ERASURE_REASONS
from domain.events import EVENT_TYPES, FollowUpCompleted, payload_fields
from domain.fields import ENTRY_FIELDS
from domain.typed_text import TYPED_TEXT, typed_fields
from services.api.wording import CODE_LABELS
from services.app.service import CaseApplication

STORED = Path(__file__).resolve().parents[1] / "golden" / "stored"


def stored(name: str) -> StoredEvent:
    sample = json.loads((STORED / name).read_text("utf-8"))
    return StoredEvent(
        originator_id=UUID(sample["originator_id"]),
        originator_version=sample["originator_version"],
        topic=sample["topic"],
        state=sample["state"].encode("utf-8"),
    )


def test_every_typed_text_field_has_a_rule_and_its_event_has_text_refs() -> None:
    for entry_type, names in TYPED_TEXT.items():
        assert names <= ENTRY_FIELDS[entry_type].keys(), entry_type
        assert "text_refs" in payload_fields(EVENT_TYPES[entry_type]), entry_type


def test_every_free_text_rule_is_typed_text_or_an_id_of_our_own() -> None:
    ours = {
        ("Identified", "worker_id"),  # the identifying worker's user id
        ("CaseAssigned", "previous_owner"),  # a user id
        ("Referred", "referral_id"),  # made by the backbone
        ("ReferralAccepted", "referral_id"),
        ("ReferralDeclined", "referral_id"),
        ("ReferralCompleted", "referral_id"),
        ("ServiceStarted", "referral_id"),
        ("ServiceCompleted", "referral_id"),
        ("ServiceDiscontinued", "referral_id"),
        ("EntryCorrected", "field"),  # a field's name
    }
    for entry_type, rules in ENTRY_FIELDS.items():
        for name, rule in rules.items():
            free = rule.kind is str and rule.codes is None and rule.pattern is None
            if free and (entry_type, name) not in ours:
                assert name in TYPED_TEXT.get(entry_type, ()), (entry_type, name)


def test_an_agency_of_the_directory_and_what_the_backbone_records_are_not_typed() -> (
    None
):
    referral = {"agency": "national_shelter", "consent_override_reason": ""}
    assert typed_fields("Referred", "caseworker", referral) == []
    referral = {"agency": "Shelter of Ana, 069 123 4567", "consent_override_reason": ""}
    assert typed_fields("Referred", "caseworker", referral) == ["agency"]
    alert = {"recipient": "police-vlora", "reference": "<id@vatra>"}
    assert typed_fields("AuthorityNotified", "system", alert) == []


def test_a_correction_of_a_typed_field_is_typed_and_of_a_code_is_not() -> None:
    correction = {"field": "outcome", "value": '"met her"', "reason": "typo"}
    assert typed_fields(
        "EntryCorrected", "caseworker", correction, "FollowUpCompleted"
    ) == ["reason", "value"]
    correction = {"field": "method", "value": '"visit"', "reason": "typo"}
    assert typed_fields(
        "EntryCorrected", "caseworker", correction, "FollowUpCompleted"
    ) == ["reason"]


def test_an_old_stored_follow_up_reads_with_its_outcome_inline() -> None:
    app = CaseApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    try:
        old = stored("FollowUpCompleted.v1.json")
        assert b"text_refs" not in old.state
        app.recorder.insert_events([stored("Identified.v1.json"), old])
        event = app.mapper.to_domain_event(old)
        case = app.repository.get(old.originator_id)
    finally:
        app.close()
    assert isinstance(event, FollowUpCompleted)
    assert (event.outcome, event.text_refs) == (
        "attending school; lives with an aunt",
        {},
    )
    assert isinstance(case, Case)
    assert case.entries[2].payload["outcome"] == "attending school; lives with an aunt"


def test_a_uuid_and_an_id_the_running_backbone_knows_are_not_typed() -> None:
    acknowledged = {"reference": "d348b113-db8e-55e0-9c48-0ffab4e2149f"}
    assert typed_fields("AlertAcknowledged", "police", acknowledged) == []

    def known(entry_type: str, field: str, value: str) -> bool:
        return (entry_type, field, value) == ("AuthorityNotified", "recipient", "cpu")

    told = {"recipient": "cpu", "reference": "by phone, Ana 069 123 4567"}
    assert typed_fields("AuthorityNotified", "caseworker", told, known=known) == [
        "reference"
    ]
    told = {"recipient": "Ana Hoxha", "reference": ""}
    assert typed_fields("AuthorityNotified", "caseworker", told, known=known) == [
        "recipient"
    ]


def test_an_erasure_reason_chosen_on_the_pages_stays_a_typed_one_is_kept_apart() -> (
    None
):
    chosen = {"subject_ref": "PV-1", "reason": "person_asked"}
    assert typed_fields("PersonalDataErased", "coordinator", chosen) == []
    typed = {"subject_ref": "PV-1", "reason": "Ana asked by phone, 069 123 4567"}
    assert typed_fields("PersonalDataErased", "coordinator", typed) == ["reason"]
    # The pages offer exactly the reasons the domain knows as codes.
    assert set(CODE_LABELS["erasure_reason"]) == ERASURE_REASONS
