"""Write the golden samples of the Avro contract: one per event type and version.

Run from the project root: ``.venv/bin/python tests/golden/make_golden.py``.

For every event type it writes ``avro/<Type>.v<N>.bin`` (a Kafka message value
as the relay produces it, N being the payload's newest schema version) and
``avro/<Type>.v<N>.json`` (what reading it must give). Everything is fixed (ids,
times, values), so a run gives the same bytes. Existing samples are never
rewritten: they are the record of what producers of that version wrote, and
tests/unit/test_avro_contract.py keeps checking that they stay readable.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.events import EVENT_TYPES, CaseEvent, payload_of
from schemas.codec import default_registry
from schemas.mapping import CASE_TOPIC, encode_event, event_id

GOLDEN_DIR = Path(__file__).resolve().parent / "avro"
CASE_ID = UUID("3c1f6f0e-8a52-4d8e-9b7a-6a0d2f4e5c01")
FIRST_OCCURRED = datetime(2024, 3, 4, 9, 15, 30, 123456, tzinfo=UTC)
# Field work is entered late: recorded a day and a bit after it happened.
RECORDING_DELAY = timedelta(days=1, hours=2, microseconds=654321)
FIRST_POSITION = 1000
DUE_AT = datetime(2024, 4, 1, 16, 0, tzinfo=UTC)

ACTORS: dict[str, tuple[str, str]] = {
    "Identified": ("staff-mu-0042", "mobile_unit"),
    "AuthorityNotified": ("vatra-notifier", "system"),
    "NotificationFailed": ("vatra-notifier", "system"),
    "AlertAcknowledged": ("staff-police-0007", "police"),
    "StatusDetermined": ("staff-ra-0003", "responsible_authority"),
    "DeadlineWarning": ("vatra-sop-clock", "system"),
    "DeadlineBreached": ("vatra-sop-clock", "system"),
    "PersonalDataErased": ("staff-coord-0002", "coordinator"),
    "CaseAssigned": ("staff-coord-0002", "coordinator"),
    "ClinicIntakeRecorded": ("staff-law-0005", "lawyer"),
    "HearingCompanionsAssigned": ("staff-psy-0008", "psychologist"),
    "CounsellingSessionHeld": ("staff-psy-0008", "psychologist"),
}
# The legal clinic's steps are a lawyer's.
LAWYER = ("staff-law-0005", "lawyer")
CASEWORKER = ("staff-cw-0019", "caseworker")

SAMPLES: dict[str, dict[str, Any]] = {
    "Identified": {
        "subject_ref": "subj-7Q2M-9XKD",
        "region": "vlora",
        "mobile_unit": "",
        "worker_id": "staff-mu-0042",
        "municipality": "sarande",
        "is_minor": True,
        "case_type": "trafficking",
        "protection_requested": True,
        "indicators": ["documents_withheld", "debt_bondage"],
        "exploitation_types": ["forced_labour", "forced_begging"],
        "source": "community_report",
        "text_refs": {"mobile_unit": "txt_0c5a9f3e2b7d4e18a6f1c2d3e4f5a6b7"},
    },
    "AuthorityNotified": {
        "authority": "police",
        "channel": "email",
        "recipient": "antitrafficking.vlora@police.example",
        "reference": "<a1b2c3@vatra.example>",
        "text_refs": {},
    },
    "NotificationFailed": {
        "authority": "child_protection_unit",
        "channel": "webhook",
        "recipient": "https://cpu.example/vatra/alerts",
        "reason": "HTTP 503 from receiver",
        "attempts": 5,
    },
    "AlertAcknowledged": {
        "authority": "police",
        "reference": "",
        "text_refs": {"reference": "txt_1b6e0a4f3c8e4f29b7a2d3e4f5a6b7c8"},
    },
    "ConsentRecorded": {"scope": "services", "given_by": "guardian"},
    "ConsentWithdrawn": {"scope": "data_sharing"},
    "StatusDetermined": {"status": "victim"},
    "RiskAssessed": {"level": "high"},
    "Referred": {
        "referral_id": "ref-0001",
        "service": "shelter_accommodation",
        "agency": "national_shelter",
        "consent_override_reason": "",
        "text_refs": {
            "consent_override_reason": "txt_2c7f1b5a4d9f4a3ac8b3e4f5a6b7c8d9"
        },
    },
    "ReferralAccepted": {"referral_id": "ref-0001", "service": "shelter_accommodation"},
    "ReferralDeclined": {
        "referral_id": "ref-0002",
        "service": "vocational_training",
        "reason": "",
        "text_refs": {"reason": "txt_3d8a2c6b5e0a4b4bd9c4f5a6b7c8d9ea"},
    },
    "ReferralCompleted": {
        "referral_id": "ref-0001",
        "service": "shelter_accommodation",
    },
    "NeedsAssessed": {"needs": ["medical_assistance", "legal_assistance"]},
    "AssistancePlanAgreed": {
        "services": ["psychological_counselling", "education_reenrolment"]
    },
    "ServiceStarted": {"service": "shelter_accommodation", "referral_id": "ref-0001"},
    "ServiceCompleted": {"service": "shelter_accommodation", "referral_id": "ref-0001"},
    "ServiceDiscontinued": {
        "service": "psychological_counselling",
        "referral_id": "",
        "reason": "",
        "text_refs": {"reason": "txt_4e9b3d7c6f1b4c5ceaf5a6b7c8d9eafb"},
    },
    "ProtectionOrderIssued": {
        "court": "",
        "reference": "",
        "text_refs": {
            "court": "txt_5fac4e8d7a2c4d6dfbe6b7c8d9eafb0c",
            "reference": "txt_60bd5f9e8b3d4e7e0cf7c8d9eafb0c1d",
        },
        "expires_on": "2024-09-04",
    },
    "FollowUpCompleted": {
        "method": "visit",
        "outcome": "",
        "text_refs": {"outcome": "txt_71ce6a0f9c4e4f8f1d08d9eafb0c1d2e"},
    },
    "FollowUpMissed": {
        "reason": "",
        "text_refs": {"reason": "txt_82df7b1a0d5f4a9a2e19eafb0c1d2e3f"},
    },
    "ReturnedToCountry": {"country": "AL", "assisted": True},
    "Transferred": {
        "to_region": "durres",
        "reason": "",
        "text_refs": {"reason": "txt_93e08c2b1e6a4bab3f2afb0c1d2e3f40"},
    },
    "Closed": {"reason": "reintegrated"},
    "Reopened": {
        "reason": "",
        "text_refs": {"reason": "txt_a4f19d3c2f7b4cbc403b0c1d2e3f4051"},
    },
    "EntryCorrected": {
        "corrected_version": 1,
        "field": "municipality",
        "value": '"himare"',
        "reason": "",
        "text_refs": {"reason": "txt_b50a0e4d308c4dcd514c1d2e3f405162"},
    },
    "DeadlineWarning": {
        "obligation_id": "obl-0003",
        "rule_id": "follow-up-monthly",
        "ruleset_version": "2024.1",
        "due_at": DUE_AT,
    },
    "DeadlineBreached": {
        "obligation_id": "obl-0004",
        "rule_id": "needs-assessment-within",
        "ruleset_version": "2024.1",
        "due_at": DUE_AT + timedelta(days=3, microseconds=1),
    },
    "PersonalDataErased": {
        "subject_ref": "subj-7Q2M-9XKD",
        "reason": "",
        "text_refs": {"reason": "txt_c61b1f5e419d4ede625d2e3f40516273"},
    },
    "CaseAssigned": {"owner": "staff-cw-0023", "previous_owner": "staff-mu-0042"},
    "AttachmentAdded": {
        "attachment_id": "5d0c2a4e-7b1f-4c3a-9e6d-2f8b1a0c9e47",
        "kind": "note",
    },
    "ClinicIntakeRecorded": {"referral_source": "prosecutor"},
    "LegalConsultationHeld": {"mode": "in_person"},
    "ComplaintFiled": {"filed_with": "prosecutor"},
    "CriminalProceedingsOpened": {
        "prosecutor_reference": "",
        "text_refs": {"prosecutor_reference": "txt_d72c2a6f52ae4fef736e3f4051627384"},
    },
    "HearingScheduled": {
        "hearing_id": "H-1",
        "court": "first_instance_vlore",
        "court_name": "",
        "hearing_at": "2024-04-15T09:30",
        "lawyer_id": "staff-law-0005",
        "psychologist_id": "",
        "text_refs": {},
    },
    "HearingCompanionsAssigned": {
        "hearing_id": "H-1",
        "lawyer_id": "staff-law-0005",
        "psychologist_id": "staff-psy-0008",
    },
    "HearingPostponed": {
        "hearing_id": "H-1",
        "hearing_at": "2024-05-06T10:00",
        "reason": "absent_party",
    },
    "HearingHeld": {
        "hearing_id": "H-1",
        "lawyer_id": "staff-law-0005",
        "psychologist_id": "staff-psy-0008",
    },
    "StatementGiven": {"kind": "testimony", "given_to": "court"},
    "JudgmentGiven": {
        "court": "first_instance_vlore",
        "outcome": "conviction",
        "judgment_public": True,
        "sentence_months": 96,
    },
    "AppealFiled": {"appealed_by": "defendant", "court": "court_of_appeal"},
    "ProtectionOrderRequested": {
        "order_kind": "immediate",
        "court": "",
        "court_name": "",
        "text_refs": {"court_name": "txt_e83d3b70630f4a0a847f405162738495"},
    },
    "ProtectionOrderViolated": {"reported_to_police": True},
    "CompensationClaimed": {"amount_lek": 1500000, "claimed_from": "perpetrator"},
    "CompensationAwarded": {"amount_lek": 800000},
    "CompensationPaid": {"amount_lek": 800000},
    "LegalAidGranted": {"provided_by": "state_legal_aid"},
    "CounsellingSessionHeld": {"mode": "in_person", "minutes": 50},
}


def sample_events() -> list[tuple[CaseEvent, int]]:
    """One event of every type on one case, with its notification id."""
    missing = sorted(set(EVENT_TYPES) - set(SAMPLES))
    if missing:
        raise SystemExit(f"no golden sample values for: {', '.join(missing)}")
    events = []
    for index, (name, event_class) in enumerate(EVENT_TYPES.items()):
        occurred = FIRST_OCCURRED + timedelta(hours=index)
        default = (
            LAWYER if event_class.__module__ == "domain.clinic_events" else CASEWORKER
        )
        actor_id, actor_role = ACTORS.get(name, default)
        fields: dict[str, Any] = {
            "originator_id": CASE_ID,
            "originator_version": index + 1,
            "timestamp": occurred + RECORDING_DELAY,
            "actor_id": actor_id,
            "actor_role": actor_role,
            "occurred_at": occurred,
            "correlation_id": f"req-{index + 1:04d}",
            **SAMPLES[name],
        }
        if index == 0:
            fields["originator_topic"] = CASE_TOPIC
        events.append((event_class(**fields), FIRST_POSITION + index))
    return events


def expected_json(event: CaseEvent, position: int) -> dict[str, Any]:
    """What decoding the sample must give, built from the event, not the decoder."""
    return {
        "envelope": {
            "event_id": str(event_id(event.originator_id, event.originator_version)),
            "case_id": str(event.originator_id),
            "type": type(event).__name__,
            "schema_version": default_registry().get(type(event).__name__).version,
            "aggregate_version": event.originator_version,
            "position": position,
            "occurred_at": event.occurred_at.isoformat(),
            "recorded_at": event.timestamp.isoformat(),
            "actor": {"id": event.actor_id, "role": event.actor_role},
            "correlation_id": event.correlation_id,
        },
        "payload": {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in payload_of(event).items()
        },
    }


def main() -> int:
    """Write the samples that do not exist yet; never touch existing ones."""
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for event, position in sample_events():
        expected = expected_json(event, position)
        envelope = expected["envelope"]
        stem = f"{envelope['type']}.v{envelope['schema_version']}"
        binary, text = GOLDEN_DIR / f"{stem}.bin", GOLDEN_DIR / f"{stem}.json"
        if binary.exists() or text.exists():
            print(f"kept    {stem}")
            continue
        binary.write_bytes(encode_event(event, position))
        text.write_text(
            json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"written {stem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
