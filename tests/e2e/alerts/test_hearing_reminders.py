"""Hearing reminders through the alert channels: the lawyer and the
psychologist who go with the person get an e-mail ``VATRA_HEARING_REMINDER_DAYS``
before the hearing (at once when that moment has passed), once each, on a real
SMTP server; a postponed hearing moves its reminders to the new time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.clinic_commands import OpenClinicCase, PostponeHearing, ScheduleHearing
from domain.clock import TIRANE
from services.config.bootstrap import Backbone
from services.workers.notifier import Notifier
from tests.e2e.alerts.alert_helpers import drive_until_idle, ledger_rows, wait_for
from tests.e2e.alerts.conftest import (
    CLINIC_LAWYER,
    CLINIC_PSYCHOLOGIST,
    Receivers,
    running,
)

LAWYER = {"actor_id": CLINIC_LAWYER[0], "actor_role": "lawyer"}
DAYS = 3  # the default of VATRA_HEARING_REMINDER_DAYS


def _local_minute(moment: datetime) -> str:
    return moment.astimezone(TIRANE).strftime("%Y-%m-%dT%H:%M")


def _schedule(
    live: Backbone, case: dict[str, Any], hearing_id: str, at: datetime
) -> dict[str, Any]:
    return live.service.run(
        ScheduleHearing(
            hearing_id=hearing_id,
            court="first_instance_vlore",
            hearing_at=_local_minute(at),
            lawyer_id=CLINIC_LAWYER[0],
            psychologist_id=CLINIC_PSYCHOLOGIST[0],
        ),
        case["case_id"],
        expected_version=case["version"],
        occurred_at=live.clock.now(),
        **LAWYER,
    )


def test_the_lawyer_and_the_psychologist_are_reminded_of_a_hearing_once(
    live: Backbone, notifier: Notifier, receivers: Receivers
) -> None:
    sink = receivers.smtp
    now = live.clock.now()
    case = live.service.open_case(
        OpenClinicCase(
            subject_ref="LC-REMIND-1",
            region="vlora",
            municipality="vlore",
            case_type="domestic_violence",
            referral_source="police",
            is_minor=False,
            sex="female",
            age=29,
            nationality="AL",
        ),
        occurred_at=now,
        **LAWYER,
    )
    # A hearing in less than three days: its reminders are due at once.
    soon = now + timedelta(days=DAYS) - timedelta(minutes=1)
    case = _schedule(live, case, "H-1", soon)
    # A hearing in thirty days: reminded three days before it.
    later = now + timedelta(days=30)
    case = _schedule(live, case, "H-2", later)

    with running(notifier.workers(embedded=True)):
        wait_for(
            lambda: bool(sink.to(CLINIC_LAWYER[1]) and sink.to(CLINIC_PSYCHOLOGIST[1])),
            10,
            "a reminder to the lawyer and to the psychologist",
        )
    drive_until_idle(live, notifier)  # a second reminder would be sent by now

    [to_lawyer] = sink.to(CLINIC_LAWYER[1])
    [to_psychologist] = sink.to(CLINIC_PSYCHOLOGIST[1])
    shown = datetime.strptime(_local_minute(soon), "%Y-%m-%dT%H:%M").strftime(
        "%d.%m.%Y %H:%M"
    )
    # The lawyer reads Albanian (the directory's default), the psychologist English.
    assert to_lawyer.message["Subject"].startswith(
        f"Vatra: seancë gjyqësore më {shown}"
    )
    assert "Gjykata e Shkallës së Parë, Vlorë" in to_lawyer.text
    assert "Avokat" in to_lawyer.text
    assert to_psychologist.message["Subject"].startswith(f"Vatra: hearing on {shown}")
    assert "First Instance Court, Vlorë" in to_psychologist.text
    assert "Psychologist" in to_psychologist.text
    assert "LC-REMIND-1" not in to_lawyer.raw.decode("utf-8", errors="replace")

    later_rows = ledger_rows(
        notifier.pool,
        "template = 'hearing_reminder' AND context->>'hearing_id' = 'H-2'",
    )
    assert {r["recipient"] for r in later_rows} == {
        "worker-lawyer-vlora-1",
        "worker-psy-vlora-1",
    }
    assert {r["status"] for r in later_rows} == {"pending"}
    hearing_h2 = datetime.strptime(_local_minute(later), "%Y-%m-%dT%H:%M").replace(
        tzinfo=TIRANE
    )
    assert {r["next_attempt_at"] for r in later_rows} == {
        hearing_h2 - timedelta(days=DAYS)
    }

    # Postponed by a week: the reminders move with it.
    week_later = later + timedelta(days=7)
    live.service.run(
        PostponeHearing(
            hearing_id="H-2", hearing_at=_local_minute(week_later), reason="court"
        ),
        case["case_id"],
        # The alerts of the intake were recorded on the case meanwhile.
        expected_version=live.service.case(case["case_id"])["version"],
        occurred_at=live.clock.now(),
        **LAWYER,
    )
    drive_until_idle(live, notifier)
    moved = ledger_rows(
        notifier.pool,
        "template = 'hearing_reminder' AND context->>'hearing_id' = 'H-2'",
    )
    assert sorted(r["status"] for r in moved) == [
        "pending",
        "pending",
        "skipped",
        "skipped",
    ]
    assert {r["next_attempt_at"] for r in moved if r["status"] == "pending"} == {
        hearing_h2 + timedelta(days=7) - timedelta(days=DAYS)
    }
    assert len(sink.to(CLINIC_LAWYER[1])) == len(sink.to(CLINIC_PSYCHOLOGIST[1])) == 1
