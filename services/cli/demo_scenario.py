"""A realistic demo scenario: seven cases across the five regions.

Each case is a script of steps; each step is one command and records exactly
one event, so a case's version says how many steps are already recorded and a
re-run resumes (or skips) instead of recording twice. Times are offsets from
the moment the case is first recorded; some steps are late on purpose so the
compliance table shows met, late, open and missed obligations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from domain.catalogue import REGION_SEATS

DEMO_NAMESPACE = uuid.UUID("5d1c7a52-7c1b-4e3c-9a52-0d8f1f7e2b10")

D = timedelta(days=1)
H = timedelta(hours=1)
M = timedelta(minutes=1)


@dataclass(frozen=True)
class Step:
    command: str
    at: timedelta  # when it happened, relative to the scenario's "now" (negative)
    actor: tuple[str, str]
    fields: dict[str, Any] = field(default_factory=dict)
    recorded_late_by: timedelta = timedelta(0)  # field work entered later


@dataclass(frozen=True)
class CaseScript:
    key: str
    steps: list[Step]

    @property
    def case_id(self) -> str:
        return str(uuid.uuid5(DEMO_NAMESPACE, self.key))


def _worker(region: str) -> tuple[str, str]:
    return (f"mu-{region}-1", "mobile_unit")


RA = ("ra-office-1", "responsible_authority")
SHELTER = ("shelter-staff-1", "shelter_staff")
LAWYER = ("legal-clinic-1", "lawyer")
NOTIFIER = ("vatra-notifier", "system")


def _identify(region: str, at: timedelta, **extra: Any) -> Step:
    fields: dict[str, Any] = {
        "region": region,
        "mobile_unit": f"{region}-unit",
        "municipality": REGION_SEATS[region],
        "is_minor": False,
        "sex": "female",
        "nationality": "AL",
        "case_type": "trafficking",
        "indicators": ["documents_withheld", "debt_bondage"],
        "exploitation_types": ["forced_labour"],
        "source": "outreach",
    }
    fields.update(extra)
    if "age" not in extra and "birth_year" not in extra:
        fields["age"] = 16 if fields["is_minor"] else 27
    return Step("identify", at, _worker(region), fields)


def _notify(authority: str, at: timedelta, ref: str) -> Step:
    return Step(
        "record_notification",
        at,
        NOTIFIER,
        {
            "authority": authority,
            "channel": "email",
            "recipient": authority,
            "reference": ref,
        },
    )


def scenario() -> list[CaseScript]:
    """The demo cases; the first is the one whose timeline the demo prints."""
    return [
        CaseScript(
            "vlora-minor",
            [
                _identify(
                    "vlora",
                    -40 * D,
                    is_minor=True,
                    municipality="vlore",
                    subject_ref="PV-VL-0001",
                    age=15,
                    exploitation_types=["sexual_exploitation"],
                    indicators=["recruited_by_partner", "restricted_movement"],
                ),
                _notify("police", -40 * D + 25 * M, "VL-0001-P"),
                _notify("responsible_authority", -40 * D + 3 * H, "VL-0001-RA"),
                _notify("child_protection_unit", -40 * D + 5 * H, "VL-0001-CPU"),
                Step(
                    "record_consent",
                    -40 * D + 6 * H,
                    _worker("vlora"),
                    {"scope": "services", "given_by": "guardian"},
                ),
                Step(
                    "refer",
                    -40 * D + 7 * H,
                    _worker("vlora"),
                    {
                        "referral_id": "VL-0001-R1",
                        "service": "shelter_accommodation",
                        "agency": "National Shelter",
                    },
                ),
                Step(
                    "accept_referral", -39 * D, SHELTER, {"referral_id": "VL-0001-R1"}
                ),
                Step("determine_status", -36 * D, RA, {"status": "potential_victim"}),
                Step(
                    "assess_needs",
                    -34 * D,
                    SHELTER,
                    {"needs": ["psychological_counselling", "education_reenrolment"]},
                ),
                Step(
                    "agree_plan",
                    -20 * D,
                    SHELTER,
                    {
                        "services": [
                            "psychological_counselling",
                            "education_reenrolment",
                        ]
                    },
                ),
                Step(
                    "start_service",
                    -19 * D,
                    SHELTER,
                    {"service": "psychological_counselling"},
                ),
                Step(
                    "start_service",
                    -10 * D,
                    SHELTER,
                    {"service": "education_reenrolment"},
                ),
            ],
        ),
        CaseScript(
            "durres-adult-late",
            [
                _identify(
                    "durres", -20 * D, subject_ref="PV-DR-0002", municipality="durres"
                ),
                _notify("police", -20 * D + 3 * H, "DR-0002-P"),
                _notify("responsible_authority", -20 * D + 30 * H, "DR-0002-RA"),
                Step(
                    "refer",
                    -18 * D - 12 * H,
                    _worker("durres"),
                    {
                        "referral_id": "DR-0002-R1",
                        "service": "legal_assistance",
                        "agency": "Legal Clinic",
                        "consent_override_reason": (
                            "urgent legal deadline; consent at next visit"
                        ),
                    },
                ),
                Step(
                    "decline_referral",
                    -18 * D,
                    LAWYER,
                    {"referral_id": "DR-0002-R1", "reason": "no capacity this month"},
                ),
                Step(
                    "record_consent",
                    -17 * D,
                    _worker("durres"),
                    {"scope": "services", "given_by": "subject"},
                ),
                Step(
                    "refer",
                    -17 * D,
                    _worker("durres"),
                    {
                        "referral_id": "DR-0002-R2",
                        "service": "shelter_accommodation",
                        "agency": "National Shelter",
                    },
                ),
            ],
        ),
        CaseScript(
            "berat-dv",
            [
                _identify(
                    "berat",
                    -10 * D,
                    subject_ref="PV-BR-0003",
                    case_type="domestic_violence",
                    protection_requested=True,
                    exploitation_types=[],
                    indicators=["physical_abuse", "threats"],
                    source="hotline",
                    age=34,
                ),
                _notify("police", -10 * D + 20 * M, "BR-0003-P"),
                _notify("responsible_authority", -10 * D + 10 * H, "BR-0003-RA"),
                Step(
                    "issue_protection_order",
                    -10 * D + 20 * H,
                    LAWYER,
                    {"court": "Berat District Court", "reference": "BR-PO-17"},
                ),
                Step(
                    "record_consent",
                    -9 * D,
                    _worker("berat"),
                    {"scope": "services", "given_by": "subject"},
                ),
                Step(
                    "refer",
                    -9 * D,
                    _worker("berat"),
                    {
                        "referral_id": "BR-0003-R1",
                        "service": "medical_assistance",
                        "agency": "Berat Regional Hospital",
                    },
                ),
                Step(
                    "accept_referral",
                    -8 * D,
                    ("berat-hospital", "caseworker"),
                    {"referral_id": "BR-0003-R1"},
                ),
                Step("determine_status", -6 * D, RA, {"status": "victim"}),
            ],
        ),
        CaseScript(
            "diber-reintegrated",
            [
                _identify(
                    "diber", -160 * D, subject_ref="PV-DB-0004", municipality="diber"
                ),
                _notify("police", -160 * D + 40 * M, "DB-0004-P"),
                _notify("responsible_authority", -160 * D + 6 * H, "DB-0004-RA"),
                Step(
                    "record_consent",
                    -159 * D,
                    _worker("diber"),
                    {"scope": "services", "given_by": "subject"},
                ),
                Step(
                    "refer",
                    -159 * D,
                    _worker("diber"),
                    {
                        "referral_id": "DB-0004-R1",
                        "service": "vocational_training",
                        "agency": "Peshkopi Vocational Centre",
                    },
                ),
                Step(
                    "accept_referral",
                    -158 * D,
                    ("peshkopi-vtc", "caseworker"),
                    {"referral_id": "DB-0004-R1"},
                ),
                Step("determine_status", -155 * D, RA, {"status": "victim"}),
                Step("close", -100 * D, _worker("diber"), {"reason": "reintegrated"}),
                Step(
                    "complete_follow_up",
                    -72 * D,
                    _worker("diber"),
                    {"method": "visit", "outcome": "employed, stable housing"},
                ),
                Step(
                    "complete_follow_up",
                    -15 * D,
                    _worker("diber"),
                    {"method": "phone", "outcome": "doing well"},
                ),
            ],
        ),
        CaseScript(
            "lezhe-minor-new",
            [
                _identify(
                    "lezhe",
                    -2 * H,
                    is_minor=True,
                    subject_ref="PV-LZ-0005",
                    municipality="kurbin",
                    source="police",
                    sex="male",
                    age=14,
                    nationality="XK",
                    exploitation_types=["forced_begging"],
                    indicators=["unaccompanied_child"],
                ),
                _notify("police", -2 * H + 40 * M, "LZ-0005-P"),
            ],
        ),
        CaseScript(
            "vlora-returned",
            [
                _identify(
                    "vlora", -50 * D, subject_ref="PV-VL-0006", municipality="sarande"
                ),
                _notify("police", -50 * D + 30 * M, "VL-0006-P"),
                _notify("responsible_authority", -50 * D + 4 * H, "VL-0006-RA"),
                Step(
                    "record_return",
                    -40 * D,
                    _worker("vlora"),
                    {"country": "GR", "assisted": False},
                ),
            ],
        ),
        CaseScript(
            "durres-entered-late",
            [
                _identify(
                    "durres",
                    -15 * D,
                    subject_ref="PV-DR-0007",
                    municipality="shijak",
                    source="community_report",
                    nationality="",
                ),
                Step(
                    "record_notification",
                    -15 * D + 30 * M,
                    _worker("durres"),
                    {
                        "authority": "police",
                        "channel": "phone",
                        "recipient": "duty officer",
                        "reference": "DR-0007-P",
                    },
                    recorded_late_by=D,
                ),
                _notify("responsible_authority", -15 * D + 2 * H, "DR-0007-RA"),
            ],
        ),
    ]
