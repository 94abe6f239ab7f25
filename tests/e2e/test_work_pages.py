"""The task lists and the SOP dashboard over real HTTP: what is due, for whom,
who must act, what was set aside, and a short rule due soon in time to act."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from domain.clock import ControlledClock
from services.api.context import ApiContext
from tests.e2e.helpers import DASH, Api, Browsers, PageLogins

MINUTE = timedelta(minutes=1)


@pytest.fixture
def browsers(
    base_url: str, tokens: dict[str, str], context: ApiContext, logins: PageLogins
) -> Iterator[Browsers]:
    """The test users, and shelter and clinic staff of their agencies."""
    users = context.users
    tokens["vlora_shelter"] = users.issue_token(
        "shelter-vlora-1", "shelter_staff", ["vlora"], "en", agency="National Shelter"
    )
    tokens["durres_shelter"] = users.issue_token(
        "shelter-durres-1", "shelter_staff", ["durres"], "en", agency="National Shelter"
    )
    tokens["vlora_clinic"] = users.issue_token(
        "clinic-vlora-1", "lawyer", ["vlora"], "en", agency="Legal Clinic"
    )
    sessions = Browsers(base_url, logins, tokens)
    yield sessions
    sessions.close()


def _referred(api: Api, who: str = "vlora_worker", **identification: Any) -> Any:
    case = api.identify(who, **identification)
    case = api.step(who, case, "consent", scope="services", given_by="subject")
    return api.step(
        who,
        case,
        "refer",
        referral_id="R-1",
        service="shelter_accommodation",
        agency="National Shelter",
    )


def test_each_worker_sees_the_tasks_that_are_theirs_and_no_others(
    api: Api, browsers: Browsers, clock: ControlledClock
) -> None:
    reintegrated = api.identify(subject_ref="PV-T-FOLLOW")
    api.step("vlora_worker", reintegrated, "close", reason="reintegrated")
    referred = _referred(api, subject_ref="PV-T-REFER")
    follow, refer = reintegrated["case_id"], referred["case_id"]
    clock.advance(5 * MINUTE)

    # The owner: the follow-up of the closed case (its earlier obligations
    # were set aside by the closure) and everything due on the open one.
    owner = browsers.text("vlora_worker", "/tasks")
    assert "Ndjekja mujore pas mbylljes" in owner
    assert (
        f"/cases/{follow}/steps/follow-up"
        in browsers.as_("vlora_worker").get("/tasks").text
    )
    assert "Përgjigjja ndaj referimit" in owner
    assert "Njoftimi i policisë" in owner
    assert owner.count("VT-" + follow.replace("-", "")[:8].upper()) == 1
    assert "agjencia ku u bë referimi: National Shelter" in owner

    # The shelter of the agency referred to, in the case's region: its answer.
    shelter_page = browsers.as_("vlora_shelter").get("/tasks").text
    shelter = browsers.text("vlora_shelter", "/tasks")
    assert f"1{DASH}1 of 1 tasks" in shelter
    assert "Referral answered" in shelter
    assert f"/cases/{refer}/steps/accept-referral?referral_id=R-1" in shelter_page
    assert f"/cases/{refer}/steps/decline-referral?referral_id=R-1" in shelter_page
    assert "(3 days left)" in shelter  # to answer, less the 5 minutes gone

    # Not the same agency elsewhere, not another agency, not a worker owning
    # nothing, and not the Responsible Authority's decision on a closed case.
    for nobody in ("durres_shelter", "vlora_clinic", "vlora_lawyer"):
        assert "Nothing is due." in browsers.text(nobody, "/tasks"), nobody
    authority = browsers.text("authority", "/tasks")
    assert f"Detyrat 1{DASH}1 nga 1" in authority
    assert "Përcaktimi i statusit" in authority
    assert (
        f"/cases/{refer}/steps/determine-status"
        in browsers.as_("authority").get("/tasks").text
    )
    for refused in ("vlora_police", "auditor"):
        assert browsers.as_(refused).get("/tasks").status_code == 403

    # Answered, the referral leaves the shelter's list.
    api.step("vlora_shelter", referred, "accept-referral", referral_id="R-1")
    assert "Nothing is due." in browsers.text("vlora_shelter", "/tasks")


def test_the_dashboard_counts_every_overdue_item_and_says_who_must_act(
    api: Api, browsers: Browsers, clock: ControlledClock
) -> None:
    referred = _referred(api, subject_ref="PV-D-REFER")
    for n in range(52):
        api.identify(subject_ref=f"PV-D-{n:03d}")
    clock.advance(timedelta(hours=2))

    # Every case's police notification is overdue: 53 items, 50 a page.
    first = browsers.text("coordinator", "/dashboard")
    assert f"1{DASH}50 of 53 overdue" in first
    assert "Police notified" in first
    assert "Who must act the case owner: mu-vlora-1" in first
    second = browsers.text("coordinator", "/dashboard", page="2")
    assert f"51{DASH}53 of 53 overdue" in second

    # Eight days on, the notifications of the Responsible Authority, the
    # status decisions and the shelter's answer are late too: 53 times 3, plus 1.
    clock.advance(timedelta(days=8))
    browsers.log_in_again("coordinator")  # the session ended long ago
    assert f"151{DASH}160 of 160 overdue" in browsers.text(
        "coordinator", "/dashboard", page="4"
    )
    # Most overdue first: the police (1 h), the Responsible Authority (24 h),
    # the shelter's answer (3 days), the status decisions (5 working days).
    third = browsers.text("coordinator", "/dashboard", page="3")
    assert f"101{DASH}150 of 160 overdue" in third
    short = "VT-" + referred["case_id"].replace("-", "")[:8].upper()
    assert f"{short} · Referral answered" in third
    assert "Who must act the agency referred to: National Shelter" in third
    assert "Status determined" in third
    assert "Who must act the Responsible Authority" in third

    # In Albanian, and with no rule id or code on the page.
    albanian = browsers.text("authority", "/dashboard")
    assert "Kush duhet të veprojë përgjegjësi i rastit: mu-vlora-1" in albanian
    assert f"1{DASH}50 nga 160 me afat të kaluar" in albanian
    for code in ("police-notified", "referral-answered", "status-determined"):
        assert code not in albanian


def test_obligations_set_aside_are_left_out_of_overdue_and_listed_apart(
    api: Api, browsers: Browsers, clock: ControlledClock
) -> None:
    open_case = api.identify(subject_ref="PV-S-OPEN")
    closed = api.identify(subject_ref="PV-S-CLOSED")
    api.step("vlora_worker", closed, "close", reason="lost_contact")
    returned = api.identify(subject_ref="PV-S-RETURNED")
    api.step("vlora_worker", returned, "return", country="GR", assisted=True)
    clock.advance(timedelta(hours=2))

    dashboard = browsers.text("coordinator", "/dashboard")
    assert f"1{DASH}1 of 1 overdue" in dashboard
    short = "VT-" + open_case["case_id"].replace("-", "")[:8].upper()
    assert f"{short} · Police notified" in dashboard
    assert "Set aside, not counted as overdue: 2" in dashboard
    apart = browsers.text("coordinator", "/dashboard/set-aside")
    assert f"1{DASH}2 of 2 set aside" in apart
    assert "Set aside the case was closed" in apart
    assert "Set aside the person returned to a country" in apart
    assert short not in apart
    # The API's overdue list leaves them out too.
    overdue = api.as_("coordinator").get("/api/sop/overdue").json()
    assert [row["case_id"] for row in overdue] == [open_case["case_id"]]
    assert browsers.as_("vlora_worker").get("/dashboard/set-aside").status_code == 403


def test_the_one_hour_police_rule_is_due_soon_while_there_is_time_to_act(
    api: Api, browsers: Browsers, clock: ControlledClock
) -> None:
    case = api.identify(subject_ref="PV-SOON")
    clock.advance(40 * MINUTE)

    dashboard = browsers.text("coordinator", "/dashboard")
    assert "Nothing is overdue." in dashboard
    assert f"1{DASH}1 of 1 due soon" in dashboard
    assert "Police notified" in dashboard
    assert "due soon: 20 minutes left" in dashboard
    soon = api.as_("coordinator").get("/api/sop/approaching").json()
    assert [(row["case_id"], row["rule_id"]) for row in soon] == [
        (case["case_id"], "police-notified")
    ]
    assert soon[0]["seconds"] == 20 * 60
    # The owner's task list marks it too.
    assert "afati afër: mbeten 20 minuta" in browsers.text("vlora_worker", "/tasks")
