"""Each role's allowed and forbidden actions, and the access log that records them."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from services.api.context import ApiContext
from tests.e2e.helpers import IDENTIFICATION, Api, PageLogins


def _access(context: ApiContext, case_id: str | None = None) -> list[tuple[Any, ...]]:
    """(actor, view, case, allowed) of the access log, oldest first."""
    return [
        (
            e["actor_id"],
            e["view"],
            str(e["case_id"]) if e["case_id"] else None,
            e["allowed"],
        )
        for e in reversed(context.access_log.entries(case_id=case_id, limit=1000))
    ]


@pytest.fixture
def vlora_case(api: Api) -> dict[str, Any]:
    """A minor's case in Vlorë, with the police and the CPU alerted."""
    case = api.identify(is_minor=True, subject_ref="PV-SECRET-77")
    case = api.step(
        "vlora_worker",
        case,
        "notify",
        authority="police",
        channel="email",
        recipient="police",
        reference="P-1",
    )
    return api.step(
        "vlora_worker",
        case,
        "notify",
        authority="child_protection_unit",
        channel="email",
        recipient="cpu",
        reference="C-1",
    )


def test_without_a_valid_token_every_api_call_is_a_401(
    api: Api, base_url: str, context: ApiContext
) -> None:
    with httpx.Client(base_url=base_url) as anonymous:
        response = anonymous.get("/api/cases")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert (
            anonymous.get(
                "/api/me", headers={"Authorization": "Bearer vatra_not-a-token"}
            ).status_code
            == 401
        )
    assert api.as_("coordinator").get("/api/me").json() == {
        "user_id": "coordinator-1",
        "role": "coordinator",
        "regions": [],
        "language": "en",
    }
    assert context.users.revoke("coordinator-1") == 1
    assert api.as_("coordinator").get("/api/me").status_code == 401


def test_caseworkers_read_and_write_their_regions_cases_and_each_read_is_logged(
    api: Api, context: ApiContext, vlora_case: dict[str, Any]
) -> None:
    case_id = vlora_case["case_id"]
    worker = api.as_("vlora_worker")
    for view in ("", "/timeline", "/obligations"):
        assert worker.get(f"/api/cases/{case_id}{view}").status_code == 200
    assert [c["case_id"] for c in worker.get("/api/cases").json()] == [case_id]
    assert _access(context, case_id)[-4:] == [
        ("mu-vlora-1", "case", case_id, True),
        ("mu-vlora-1", "timeline", case_id, True),
        # The mobile unit typed on the identification, read from the store.
        ("mu-vlora-1", "personal_text", case_id, True),
        ("mu-vlora-1", "obligations", case_id, True),
    ]


def test_a_caseworker_of_another_region_is_refused_and_the_refusal_logged(
    api: Api, context: ApiContext, vlora_case: dict[str, Any]
) -> None:
    case_id = vlora_case["case_id"]
    outsider = api.as_("durres_worker")
    read = outsider.get(f"/api/cases/{case_id}/timeline")
    assert read.status_code == 403
    assert read.json()["error"] == "forbidden"
    assert "PV-SECRET" not in read.text
    write = api.command("durres_worker", vlora_case, "assess-risk", level="low")
    assert write.status_code == 403
    opened = outsider.post(
        "/api/cases",
        json={**IDENTIFICATION, "subject_ref": "PV-X", "mobile_unit": "u"},
    )
    assert opened.status_code == 403
    assert outsider.get("/api/cases").json() == []
    assert ("cw-durres-1", "timeline", case_id, False) in _access(context, case_id)
    assert ("cw-durres-1", "command:assess_risk", case_id, False) in _access(
        context, case_id
    )
    assert ("cw-durres-1", "command:identify", None, False) in _access(context)
    assert [type(e).__name__ for e in context.service.app.case_events(case_id)][-1] == (
        "AuthorityNotified"
    )


def test_police_see_only_the_minimum_of_their_regions_alerts_and_acknowledge_them(
    api: Api, context: ApiContext, vlora_case: dict[str, Any]
) -> None:
    case_id = vlora_case["case_id"]
    police = api.as_("vlora_police")
    alerts = police.get("/api/alerts")
    assert alerts.status_code == 200
    assert "PV-SECRET" not in alerts.text
    (alert,) = alerts.json()
    assert set(alert) == {
        "case_id",
        "region",
        "municipality",
        "is_minor",
        "identified_at",
        "notified_at",
        "acknowledged_at",
    }
    assert (alert["case_id"], alert["region"], alert["is_minor"]) == (
        case_id,
        "vlora",
        True,
    )
    assert alert["acknowledged_at"] is None
    one = police.get(f"/api/alerts/{case_id}")
    assert one.status_code == 200
    assert "PV-SECRET" not in one.text

    # No version needed: the acknowledgement lands whatever else was recorded.
    api.step("vlora_worker", vlora_case, "assess-risk", level="high")
    acknowledged = police.post(
        f"/api/alerts/{case_id}/acknowledge", json={"reference": "OPS-5"}
    )
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["version"] == 5
    event = context.service.app.case_events(case_id)[-1]
    assert (type(event).__name__, event.actor_id, event.actor_role) == (
        "AlertAcknowledged",
        "police-vlora-1",
        "police",
    )
    assert police.get("/api/alerts").json()[0]["acknowledged_at"] is not None

    for refused in (
        police.get(f"/api/cases/{case_id}"),
        police.get(f"/api/cases/{case_id}/timeline"),
        police.get("/api/cases"),
        api.command(
            "vlora_police", {**vlora_case, "version": 5}, "assess-risk", level="low"
        ),
    ):
        assert refused.status_code == 403, refused.text
    other = api.as_("durres_police")
    assert other.get("/api/alerts").json() == []
    assert other.get(f"/api/alerts/{case_id}").status_code == 403
    assert other.post(f"/api/alerts/{case_id}/acknowledge", json={}).status_code == 403
    log = _access(context, case_id)
    assert ("police-vlora-1", "alerts", case_id, True) in log
    assert ("police-vlora-1", "alert", case_id, True) in log
    assert ("police-durres-1", "alert", case_id, False) in log


def test_a_child_protection_unit_sees_alerts_about_minors_only(
    api: Api, vlora_case: dict[str, Any]
) -> None:
    adult = api.identify(subject_ref="PV-ADULT")
    api.step(
        "vlora_worker",
        adult,
        "notify",
        authority="child_protection_unit",
        channel="phone",
        recipient="cpu",
        reference="C-2",
    )
    cpu = api.as_("vlora_cpu")
    assert [a["case_id"] for a in cpu.get("/api/alerts").json()] == [
        vlora_case["case_id"]
    ]
    assert cpu.get(f"/api/alerts/{adult['case_id']}").status_code == 403
    assert (
        cpu.post(
            f"/api/alerts/{vlora_case['case_id']}/acknowledge", json={}
        ).status_code
        == 200
    )


def test_a_child_protection_unit_neither_sees_nor_acknowledges_another_units_alert(
    api: Api,
    base_url: str,
    logins: PageLogins,
    context: ApiContext,
    vlora_case: dict[str, Any],
) -> None:
    # The alert about a minor in Sarandë went to Sarandë's unit ("cpu"); Himarë's
    # unit works in the same region but is another municipality's office.
    case_id = vlora_case["case_id"]
    himare = api.as_("himare_cpu")
    assert himare.get("/api/alerts").json() == []
    assert himare.get(f"/api/alerts/{case_id}").status_code == 403
    refused = himare.post(f"/api/alerts/{case_id}/acknowledge", json={})
    assert refused.status_code == 403
    with httpx.Client(base_url=base_url) as browser:
        assert logins.log_in(browser, "himare_cpu").is_redirect
        page = browser.get("/")
        assert page.status_code == 200
        assert case_id not in page.text
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page.text)
        assert csrf is not None
        tapped = browser.post(
            f"/alerts/{case_id}/acknowledge", data={"key": "k1", "csrf": csrf[1]}
        )
        assert tapped.status_code == 403
    assert api.as_("vlora_cpu").get(f"/api/alerts/{case_id}").status_code == 200
    assert ("cpu-himare-1", "alert", case_id, False) in _access(context, case_id)
    assert [
        a["acknowledged_at"] for a in api.as_("vlora_cpu").get("/api/alerts").json()
    ] == [None]


def test_coordinators_read_every_region_and_oversee_but_record_nothing(
    api: Api, vlora_case: dict[str, Any]
) -> None:
    durres = api.identify("durres_worker", region="durres", municipality="durres")
    coordinator = api.as_("coordinator")
    assert len(coordinator.get("/api/cases").json()) == 2
    for case in (vlora_case, durres):
        assert (
            coordinator.get(f"/api/cases/{case['case_id']}/timeline").status_code == 200
        )
    for path in (
        "/api/sop/compliance?by=region",
        "/api/sop/overdue",
        "/api/sop/approaching",
    ):
        assert coordinator.get(path).status_code == 200, path
    assert (
        api.command("coordinator", durres, "close", reason="other").status_code == 403
    )
    assert (
        coordinator.get(
            f"/api/cases/{durres['case_id']}/history",
            params={"as_of": "2100-01-01T00:00:00Z"},
        ).status_code
        == 403
    )
    assert coordinator.get("/api/access-log").status_code == 403
    assert coordinator.get("/api/alerts").status_code == 403
    worker = api.as_("vlora_worker")
    assert worker.get("/api/sop/overdue").status_code == 403


def test_only_the_responsible_authority_determines_status(
    api: Api, vlora_case: dict[str, Any]
) -> None:
    refused = api.command(
        "vlora_worker", vlora_case, "determine-status", status="victim"
    )
    assert refused.status_code == 403
    decided = api.step("authority", vlora_case, "determine-status", status="victim")
    authority = api.as_("authority")
    assert authority.get(f"/api/cases/{vlora_case['case_id']}").json()["status"] == (
        "victim"
    )
    assert authority.get("/api/sop/compliance").status_code == 200
    assert api.command("authority", decided, "close", reason="other").status_code == 403
    assert [a["case_id"] for a in authority.get("/api/alerts").json()] == []


def test_auditors_read_history_and_the_access_log_but_record_nothing(
    api: Api, context: ApiContext, vlora_case: dict[str, Any]
) -> None:
    case_id = vlora_case["case_id"]
    api.as_("vlora_worker").get(f"/api/cases/{case_id}")
    auditor = api.as_("auditor")
    history = auditor.get(
        f"/api/cases/{case_id}/history", params={"as_of": "2100-01-01T00:00:00+01:00"}
    )
    assert history.status_code == 200
    assert [e["type"] for e in history.json()["events"]] == [
        "Identified",
        "AuthorityNotified",
        "AuthorityNotified",
    ]
    assert {o["rule_id"] for o in history.json()["obligations"]} >= {
        "police-notified",
        "cpu-notified",
    }
    before = auditor.get(
        f"/api/cases/{case_id}/history", params={"as_of": "2000-01-01T00:00:00Z"}
    )
    assert before.status_code == 404
    log = auditor.get("/api/access-log", params={"case_id": case_id})
    assert log.status_code == 200
    views = [(e["actor_id"], e["view"], e["allowed"]) for e in log.json()]
    assert ("mu-vlora-1", "case", True) in views
    assert ("auditor-1", "history", True) in views
    assert (
        api.command("auditor", vlora_case, "close", reason="other").status_code == 403
    )
    assert (
        auditor.post(
            "/api/cases",
            json={**IDENTIFICATION, "subject_ref": "PV-A", "mobile_unit": "u"},
        ).status_code
        == 403
    )
    assert api.as_("vlora_worker").get("/api/access-log").status_code == 403
    assert ("auditor-1", "access_log", case_id, True) in _access(context, case_id)


def test_shelter_staff_answer_only_the_referrals_made_to_their_agency(
    api: Api, context: ApiContext, vlora_case: dict[str, Any]
) -> None:
    token = context.users.issue_token(
        "shelter-api-1", "shelter_staff", ("vlora",), "sq", "national_shelter"
    )
    api.tokens["shelter"] = token
    case = api.step(
        "vlora_worker", vlora_case, "consent", scope="services", given_by="guardian"
    )
    case = api.step(
        "vlora_worker",
        case,
        "refer",
        referral_id="R-1",
        service="legal_assistance",
        agency="legal_clinic",
    )
    case = api.step(
        "vlora_worker",
        case,
        "refer",
        referral_id="R-2",
        service="shelter_accommodation",
        agency="national_shelter",
    )
    # Another agency's referral: refused as on the pages, and the refusal logged.
    other = api.command("shelter", case, "accept-referral", referral_id="R-1")
    assert other.status_code == 403
    with context.pool.connection() as conn:
        refused = conn.execute(
            "SELECT count(*) FROM access_log WHERE actor_id = 'shelter-api-1' "
            "AND NOT allowed"
        ).fetchone()
    assert refused is not None
    assert refused[0] >= 1
    api.step("shelter", case, "accept-referral", referral_id="R-2")
    now = api.as_("vlora_worker").get(f"/api/cases/{case['case_id']}").json()
    assert now["referrals"]["R-2"]["status"] == "accepted"
    assert now["referrals"]["R-1"]["status"] == "pending"
