"""Who is told what: the notification policy, without servers."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain import events as ev
from domain.clock import ControlledClock
from domain.sop import load_rulebook
from handlers.acknowledgements import AckTokens, InvalidToken
from handlers.channels.webhook import WebhookKeys, signature, verify
from handlers.contexts import CaseContext
from handlers.directory import Directory, load_directory
from handlers.dispatcher import DispatchSettings, backoff
from handlers.messages import MessageTemplates, TemplateError
from handlers.policy import ReferralRecord, intents_for
from services.config.notify_settings import load_notify_settings
from services.config.settings import PROJECT_ROOT, SettingsError

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CASE = UUID("3f2a9c1b-0000-4000-8000-000000000001")
RULEBOOK = load_rulebook(PROJECT_ROOT / "deploy" / "sop")


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(PROJECT_ROOT / "deploy" / "directory.toml")


def _event(cls: type[ev.CaseEvent], version: int = 2, **fields: Any) -> ev.CaseEvent:
    stamp: dict[str, Any] = {
        "originator_id": CASE,
        "originator_version": version,
        "timestamp": AT,
        "actor_id": "mu-vlora-1",
        "actor_role": "mobile_unit",
        "occurred_at": AT,
        "correlation_id": "c",
    }
    if version == 1:
        stamp["originator_topic"] = "domain.case:Case"
    return cls(**stamp, **fields)


def _identified(is_minor: bool, municipality: str = "vlore") -> ev.CaseEvent:
    return _event(
        ev.Identified,
        1,
        subject_ref="PV-SECRET",
        region="vlora",
        mobile_unit="vlora-unit, with Arta Hoxha",
        worker_id="mu-vlora-1",
        municipality=municipality,
        is_minor=is_minor,
        case_type="trafficking",
        protection_requested=False,
        indicators=["documents_withheld"],
        exploitation_types=[],
        source="outreach",
    )


def _case(is_minor: bool = True, municipality: str = "vlore") -> CaseContext:
    return CaseContext(CASE, "vlora", municipality, is_minor, "trafficking")


def test_a_minor_identification_alerts_police_authority_and_child_protection_unit(
    directory: Directory,
) -> None:
    intents, missing = intents_for(
        _identified(True), _case(), None, directory, RULEBOOK
    )
    assert [(i.recipient.id, i.role) for i in intents] == [
        ("police-vlora", "police"),
        ("ra-duty", "responsible_authority"),
        ("cpu-vlore", "child_protection_unit"),
    ]
    assert missing == []
    police = intents[0].context
    assert set(police) == {
        "case_id",
        "case_ref",
        "region",
        "region_label",
        "municipality",
        "is_minor",
        "occurred_at",
    }
    for intent in intents:
        text = json.dumps(intent.context, ensure_ascii=False)
        assert "PV-SECRET" not in text
        assert "Arta" not in text
    assert police["case_ref"] == "VT-3F2A9C1B"


def test_an_adult_identification_does_not_alert_the_child_protection_unit(
    directory: Directory,
) -> None:
    intents, _ = intents_for(
        _identified(False), _case(False), None, directory, RULEBOOK
    )
    assert {i.role for i in intents} == {"police", "responsible_authority"}


def test_a_minor_in_a_municipality_without_a_cpu_alerts_the_coordinator_instead(
    directory: Directory,
) -> None:
    event = _identified(True, municipality="himare")
    intents, missing = intents_for(
        event, _case(True, "Himarë"), None, directory, RULEBOOK
    )
    assert [m.role for m in missing] == ["child_protection_unit"]
    assert ("coordinator-national", "unroutable") in {
        (i.recipient.id, i.template) for i in intents
    }


def test_a_correction_that_makes_the_person_a_minor_alerts_the_cpu(
    directory: Directory,
) -> None:
    event = _event(
        ev.EntryCorrected,
        corrected_version=1,
        field="is_minor",
        value="true",
        reason="age checked",
    )
    intents, _ = intents_for(event, _case(True), None, directory, RULEBOOK)
    assert [i.recipient.id for i in intents] == ["cpu-vlore"]


def test_a_referral_alerts_the_agency_and_its_answer_the_worker_who_referred(
    directory: Directory,
) -> None:
    referred = _event(
        ev.Referred,
        referral_id="r-1",
        service="shelter_accommodation",
        agency="national shelter",
        consent_override_reason="",
    )
    intents, _ = intents_for(referred, _case(), None, directory, RULEBOOK)
    assert [i.recipient.id for i in intents] == ["agency-national-shelter"]
    referral = ReferralRecord("r-1", 2, "mu-vlora-1", "National Shelter", "x")
    declined = _event(
        ev.ReferralDeclined, 3, referral_id="r-1", service="x", reason="full"
    )
    intents, _ = intents_for(declined, _case(), referral, directory, RULEBOOK)
    assert [i.recipient.id for i in intents] == ["worker-mu-vlora-1"]
    assert intents[0].context["answer"] == "declined"


def test_a_breach_alerts_the_roles_the_rule_names_and_the_coordinator(
    directory: Directory,
) -> None:
    breach = _event(
        ev.DeadlineBreached,
        obligation_id="police-notified@1",
        rule_id="police-notified",
        ruleset_version="2026.1",
        due_at=AT + timedelta(hours=1),
    )
    intents, _ = intents_for(breach, _case(), None, directory, RULEBOOK)
    assert [(i.recipient.id, i.role) for i in intents] == [
        ("coordinator-national", "coordinator"),
        ("supervisor-vlora", "unit_supervisor"),
    ]


def test_a_failed_alert_is_reported_to_the_coordinator_but_never_a_coordinators_own(
    directory: Directory,
) -> None:
    def failed(authority: str) -> ev.CaseEvent:
        return _event(
            ev.NotificationFailed,
            authority=authority,
            channel="email",
            recipient="x",
            reason="SMTP 554",
            attempts=6,
        )

    intents, _ = intents_for(failed("police"), _case(), None, directory, RULEBOOK)
    assert [i.template for i in intents] == ["notification_failed"]
    intents, _ = intents_for(failed("coordinator"), _case(), None, directory, RULEBOOK)
    assert intents == []


def test_an_acknowledgement_token_names_its_alert_and_refuses_tampering_and_age() -> (
    None
):
    clock = ControlledClock(AT)
    tokens = AckTokens(b"s" * 32, clock, timedelta(days=30))
    delivery = uuid4()
    token = tokens.issue(delivery, AT)
    assert tokens.issue(delivery, AT) == token, "a resend carries the same link"
    assert tokens.verify(token) == delivery
    other = AckTokens(b"t" * 32, clock, timedelta(days=30))
    with pytest.raises(InvalidToken):
        other.verify(token)
    with pytest.raises(InvalidToken):
        tokens.verify(uuid4().hex + token[32:])
    clock.advance(timedelta(days=31))
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)


def test_a_webhook_signature_covers_timestamp_and_body() -> None:
    body = b'{"a": 1}'
    signed = signature(b"secret", "1700000000", body)
    assert signed.startswith("v1=")
    assert verify([b"secret"], "1700000000", body, signed, now=1700000100)
    assert not verify([b"secret"], "1700000000", body + b" ", signed, now=1700000100)
    assert not verify([b"secret"], "1700000001", body, signed, now=1700000100)
    assert not verify([b"secret"], "1700000000", body, signed, now=1700001000)
    assert not verify([b"other"], "1700000000", body, signed, now=1700000100)


def test_while_rotating_an_alert_carries_a_signature_per_secret() -> None:
    body = b'{"recipient": "agency"}'
    both = WebhookKeys(b"new-secret", b"old-secret").signatures("1700000000", body)
    assert both.count("v1=") == 2
    for held in ([b"new-secret"], [b"old-secret"], [b"old-secret", b"new-secret"]):
        assert verify(held, "1700000000", body, both, now=1700000000)
    assert not verify([b"another"], "1700000000", body, both, now=1700000000)
    alone = WebhookKeys(b"new-secret").signatures("1700000000", body)
    assert alone.count("v1=") == 1
    assert not verify([b"old-secret"], "1700000000", body, alone, now=1700000000)


def test_retries_back_off_exponentially_with_jitter_up_to_a_cap() -> None:
    settings = DispatchSettings(backoff_base=10, backoff_max=60)
    rng = random.Random(7)
    pauses = [backoff(n, settings, rng) for n in range(1, 7)]
    for attempt, pause in enumerate(pauses, start=1):
        full = min(60, 10 * 2 ** (attempt - 1))
        assert full / 2 <= pause <= full
    assert max(pauses) <= 60


def test_a_broken_template_is_refused_at_start_naming_the_file(tmp_path: Path) -> None:
    source = PROJECT_ROOT / "deploy" / "templates"
    for language in ("sq", "en"):
        (tmp_path / language).mkdir()
        for path in (source / language).glob("*.txt"):
            (tmp_path / language / path.name).write_text(path.read_text("utf-8"))
    broken = tmp_path / "en" / "identified_police.txt"
    broken.write_text(broken.read_text().replace("{{ case_ref }}", "{{ subject_ref }}"))
    with pytest.raises(
        TemplateError, match=r"en/identified_police\.txt: .*subject_ref"
    ):
        MessageTemplates(tmp_path)


def test_the_notifier_refuses_to_start_without_real_secrets_or_a_renewable_lease() -> (
    None
):
    settings = load_notify_settings({"VATRA_NOTIFY_SECRET": "short"})
    with pytest.raises(SettingsError, match="VATRA_NOTIFY_SECRET"):
        settings.check()
    short_lease = load_notify_settings(
        {"VATRA_NOTIFY_SECRET": "s" * 32, "VATRA_NOTIFY_LEASE": "0.5"}
    )
    with pytest.raises(SettingsError, match="VATRA_NOTIFY_LEASE"):
        short_lease.check()
    no_lane_for_others = load_notify_settings(
        {"VATRA_NOTIFY_SECRET": "s" * 32, "VATRA_NOTIFY_SENDERS": "1"}
    )
    with pytest.raises(SettingsError, match="VATRA_NOTIFY_URGENT_SENDERS"):
        no_lane_for_others.check()
    with pytest.raises(SettingsError, match="password would cross the network"):
        load_notify_settings(
            {
                "VATRA_SMTP_HOST": "mail.example.org",
                "VATRA_SMTP_SECURITY": "none",
                "VATRA_SMTP_USERNAME": "vatra",
            }
        )


def test_the_readmes_receiver_sample_accepts_what_the_backbone_signs_for_it() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("What a receiver checks, in Python", 1)[1]
    sample = section.split("```python\n", 1)[1].split("```", 1)[0]
    receiver: dict[str, Any] = {}
    exec(compile(sample, "README.md", "exec"), receiver)
    accept = receiver["accept"]

    def signed(keys: WebhookKeys, recipient: str) -> tuple[dict[str, str], bytes]:
        body = json.dumps({"recipient": recipient, "alert": {}}).encode()
        timestamp = str(int(time.time()))
        headers = {
            "X-Vatra-Timestamp": timestamp,
            "X-Vatra-Signature": keys.signatures(timestamp, body),
        }
        return headers, body

    assert accept(*signed(WebhookKeys(b"the-new-secret"), "police-vlora"))
    assert accept(*signed(WebhookKeys(b"a-newer-one", b"the-old-one"), "police-vlora"))
    assert not accept(*signed(WebhookKeys(b"someone-elses"), "police-vlora"))
    assert not accept(*signed(WebhookKeys(b"the-new-secret"), "police-diber"))
