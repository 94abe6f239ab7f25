"""Alerts in the embedded mode: intake on the notification log, dispatcher in
the same process, real PostgreSQL, a real SMTP server and a real webhook
receiver on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from domain.commands import Identify
from handlers.acknowledgements import InvalidToken
from projections import positions
from services.config.bootstrap import Backbone
from services.workers.notifier import Notifier
from tests.builders import (
    SEEDED_NAME,
    SUBJECT_REF,
    event_types,
    events_of,
    execute,
    identify,
    identify_minor_in_vlora,
)
from tests.e2e.alerts.alert_helpers import (
    drive_until_idle,
    ledger_rows,
    metric,
    wait_for,
)
from tests.e2e.alerts.conftest import (
    CPU_VLORE,
    POLICE_VLORA,
    RESPONSIBLE_AUTHORITY,
    SUPERVISOR_VLORA,
    WORKER_VLORA,
    Receivers,
    running,
)

AUTHORITIES = {
    POLICE_VLORA: "police",
    RESPONSIBLE_AUTHORITY: "responsible_authority",
    CPU_VLORE: "child_protection_unit",
}


def test_a_minor_identified_in_vlora_alerts_police_authority_and_cpu_once_each(
    live: Backbone, notifier: Notifier, receivers: Receivers
) -> None:
    sink = receivers.smtp
    labels = {"role": "police", "channel": "email"}
    latency_before = metric("vatra_alert_latency_seconds_count", labels)
    delivered_before = metric("vatra_alerts_total", {**labels, "outcome": "delivered"})
    with running(notifier.workers(embedded=True)):
        case = identify_minor_in_vlora(live.service, live.clock)
        wait_for(lambda: sink.count() >= 3, 10, "three e-mails")
        wait_for(
            lambda: (
                len(events_of(live.service, case["case_id"], "AuthorityNotified")) == 3
            ),
            10,
            "AuthorityNotified for each authority",
        )
    drive_until_idle(live, notifier)  # a duplicate would be sent by now
    assert sink.count() == 3
    rows = {r["recipient"]: r for r in ledger_rows(notifier.pool)}
    for address, role in AUTHORITIES.items():
        [mail] = sink.to(address)
        raw = mail.raw.decode("utf-8", errors="replace")
        assert SUBJECT_REF not in raw, f"the pseudonym reached the {role}"
        assert SEEDED_NAME not in raw, f"a name reached the {role}"
        assert "Arta" not in raw, f"part of a name reached the {role}"
        assert f"VT-{case['case_id'].replace('-', '')[:8].upper()}" in mail.text
        assert "Vlorë" in mail.text
        assert "/ack/" in mail.text
    police_mail = sink.to(POLICE_VLORA)[0]
    assert "I mitur:     po" in police_mail.text  # the directory says Albanian
    notified = events_of(live.service, case["case_id"], "AuthorityNotified")
    assert {e.authority for e in notified} == set(AUTHORITIES.values())
    for event in notified:
        row = rows[event.recipient]
        assert event.channel == "email"
        assert event.reference == str(row["delivery_id"])
        assert event.occurred_at == row["finished_at"], "delivery time, not record time"
        mail = sink.to(next(a for a, r in AUTHORITIES.items() if r == event.authority))[
            0
        ]
        assert mail.message_id == f"<{row['delivery_id']}@vatra.example.org>"
    for row in rows.values():
        assert SUBJECT_REF not in json.dumps(row["context"])
    assert metric("vatra_alert_latency_seconds_count", labels) == latency_before + 1
    assert (
        metric("vatra_alerts_total", {**labels, "outcome": "delivered"})
        == delivered_before + 1
    )


def test_replaying_the_events_makes_no_second_alert(
    live: Backbone, notifier: Notifier, receivers: Receivers
) -> None:
    with running(notifier.workers(embedded=True)):
        identify_minor_in_vlora(live.service, live.clock)
        wait_for(lambda: receivers.smtp.count() == 3, 10, "three e-mails")
    before = len(ledger_rows(notifier.pool))
    # Forget where the intake was and what it knew of cases: only the ledger's
    # key is left to stop a second alert.
    with notifier.pool.connection() as conn, conn.cursor() as cur:
        positions.reset(cur, notifier.intake.name)
        cur.execute("DELETE FROM notify_cases")
    assert notifier.follower().catch_up() > 0
    drive_until_idle(live, notifier)  # anything new in the ledger is sent by now
    assert len(ledger_rows(notifier.pool)) == before
    assert receivers.smtp.count() == 3


def test_a_refusing_mail_server_means_retries_then_a_failure_on_the_case_and_a_coordinator_alert(  # noqa: E501
    live: Backbone, notifier: Notifier, receivers: Receivers
) -> None:
    receivers.smtp.refuse = {POLICE_VLORA}
    labels = {"channel": "email", "role": "police"}
    retries_before = metric("vatra_alerts_total", {**labels, "outcome": "retry"})
    failed_before = metric("vatra_alerts_total", {**labels, "outcome": "failed"})
    with running(notifier.workers(embedded=True)):
        case = identify(live.service, live.clock, subject_ref="PV-ADULT-1")
        wait_for(
            lambda: len(receivers.hooks.at("/coordinators")) == 1,
            15,
            "the coordinator's alert",
        )
    [failure] = events_of(live.service, case["case_id"], "NotificationFailed")
    assert (failure.authority, failure.channel, failure.recipient) == (
        "police",
        "email",
        "police-vlora",
    )
    assert failure.attempts == 3
    assert failure.reason == "SMTP 554"
    assert receivers.smtp.refused == 3
    [police] = ledger_rows(notifier.pool, "recipient = 'police-vlora'")
    assert police["status"] == "failed"
    with notifier.pool.connection() as conn:
        dead = conn.execute(
            "SELECT reason, attempts FROM notification_dead_letters "
            "WHERE delivery_id = %s",
            (police["delivery_id"],),
        ).fetchall()
    assert dead == [("SMTP 554", 3)]
    [hook] = receivers.hooks.at("/coordinators")
    assert hook.verified, "the coordinator's receiver could not verify the signature"
    body = hook.json()
    assert body["alert"]["template"] == "notification_failed"
    assert body["alert"]["failed_role"] == "police"
    assert body["language"] == "en"
    [coordinator_row] = ledger_rows(notifier.pool, "role = 'coordinator'")
    assert hook.headers["idempotency-key"] == str(coordinator_row["delivery_id"])
    # The Responsible Authority was told all the same; the police were not.
    authorities = [
        e.authority
        for e in events_of(live.service, case["case_id"], "AuthorityNotified")
    ]
    assert authorities == ["responsible_authority"]
    assert metric("vatra_alerts_total", {**labels, "outcome": "retry"}) == (
        retries_before + 2
    )
    assert metric("vatra_alerts_total", {**labels, "outcome": "failed"}) == (
        failed_before + 1
    )


def test_a_failed_coordinator_alert_raises_no_further_alert(
    live: Backbone, notifier: Notifier, receivers: Receivers
) -> None:
    receivers.smtp.refuse = {POLICE_VLORA}
    receivers.hooks.statuses["/coordinators"] = 503
    with running(notifier.workers(embedded=True)):
        case = identify_minor_in_vlora(live.service, live.clock)
        wait_for(
            lambda: (
                len(events_of(live.service, case["case_id"], "NotificationFailed")) == 2
            ),
            20,
            "the police failure and the coordinator failure on the case",
        )
    drive_until_idle(live, notifier)  # a loop would show up as more coordinator alerts
    failures = events_of(live.service, case["case_id"], "NotificationFailed")
    assert [f.authority for f in failures] == ["police", "coordinator"]
    assert len(ledger_rows(notifier.pool, "role = 'coordinator'")) == 1
    assert len(receivers.hooks.at("/coordinators")) == 3  # its three attempts


def test_an_acknowledgement_link_records_alert_acknowledged_once(
    live: Backbone, notifier: Notifier, receivers: Receivers
) -> None:
    with running(notifier.workers(embedded=True)):
        case = identify_minor_in_vlora(live.service, live.clock)
        wait_for(
            lambda: (
                "police"
                in {
                    e.authority
                    for e in events_of(
                        live.service, case["case_id"], "AuthorityNotified"
                    )
                }
            ),
            10,
            "the police alert on the case",
        )
        text = receivers.smtp.to(POLICE_VLORA)[0].text
        token = text.split("/ack/", 1)[1].split()[0]
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        with pytest.raises(InvalidToken):
            notifier.acknowledge(tampered)
        assert notifier.acknowledge(token)["status"] == "acknowledged"
        assert notifier.acknowledge(token)["status"] == "already_acknowledged"
    [ack] = events_of(live.service, case["case_id"], "AlertAcknowledged")
    [police] = ledger_rows(notifier.pool, "recipient = 'police-vlora'")
    assert (ack.authority, ack.reference) == ("police", str(police["delivery_id"]))
    assert (ack.actor_id, ack.actor_role) == ("police-vlora", "police")


def test_referrals_and_deadlines_reach_the_agency_the_referring_worker_and_named_roles(
    live: Backbone, notifier: Notifier, receivers: Receivers
) -> None:
    worker = {"actor_id": "mu-vlora-1", "actor_role": "mobile_unit"}
    shelter = {"actor_id": "shelter-1", "actor_role": "shelter_staff"}
    clock = live.clock
    with running(notifier.workers(embedded=True)):
        case = live.service.open_case(
            Identify(
                subject_ref="PV-REF-1",
                region="vlora",
                mobile_unit="vlora-unit",
                municipality="vlore",
                is_minor=False,
                sex="female",
                age=30,
                nationality="AL",
            ),
            occurred_at=clock.now(),
            **worker,
        )
        case_id = case["case_id"]
        now = clock.now
        execute(
            live.service,
            "refer",
            case_id,
            occurred_at=now(),
            referral_id="ref-1",
            service="shelter_accommodation",
            agency="National Shelter",
            consent_override_reason="immediate danger",
            **worker,
        )
        wait_for(lambda: bool(receivers.hooks.at("/agency")), 10, "the agency's alert")
        execute(
            live.service, "accept_referral", case_id, occurred_at=now(),
            referral_id="ref-1", **shelter,
        )  # fmt: skip
        wait_for(
            lambda: bool(receivers.smtp.to(WORKER_VLORA)), 10, "the worker's e-mail"
        )
        referred_at = next(
            e.originator_version for e in live.service.app.case_events(case_id)
            if type(e).__name__ == "Referred"
        )  # fmt: skip
        sop = {"actor_id": "sop-clock", "actor_role": "system"}
        execute(
            live.service, "warn_deadline", case_id, occurred_at=now(),
            obligation_id="police-notified@1", rule_id="police-notified",
            ruleset_version="2026.1", due_at=now() + timedelta(minutes=15), **sop,
        )  # fmt: skip
        execute(
            live.service, "breach_deadline", case_id, occurred_at=now(),
            obligation_id=f"referral-answered@{referred_at}",
            rule_id="referral-answered", ruleset_version="2026.1",
            due_at=now() - timedelta(minutes=1), **sop,
        )  # fmt: skip
        wait_for(
            lambda: (
                len(receivers.smtp.to(WORKER_VLORA)) == 2
                and len(receivers.hooks.at("/coordinators")) == 2
                and len(receivers.smtp.to(SUPERVISOR_VLORA)) == 1
            ),
            10,
            "the deadline alerts",
        )
    [agency] = receivers.hooks.at("/agency")
    assert agency.verified
    assert agency.json()["alert"]["service"] == "shelter_accommodation"
    accepted, breach = receivers.smtp.to(WORKER_VLORA)
    assert "accepted" in accepted.message["Subject"]
    assert "deadline missed: Referral answered" in breach.message["Subject"]
    [warning] = receivers.smtp.to(SUPERVISOR_VLORA)
    assert "Njoftimi i policisë" in warning.message["Subject"]
    kinds = sorted(
        h.json()["alert"]["kind"] for h in receivers.hooks.at("/coordinators")
    )
    assert kinds == ["breach", "warning"]
    for hook in receivers.hooks.received:
        assert "PV-REF-1" not in hook.body.decode()
    assert "NotificationFailed" not in event_types(live.service, case_id)
