"""API tokens over HTTP: each expires, is revoked on its own, and keeps the
scope it was issued with whatever tokens the user is given later."""

from __future__ import annotations

from datetime import timedelta

import httpx

from domain.clock import ControlledClock
from services.api.auth import SESSION_COOKIE
from services.api.context import ApiContext
from tests.e2e.helpers import Api


def bearer(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def test_an_expired_token_is_refused_on_the_api_and_no_token_opens_a_page(
    context: ApiContext, clock: ControlledClock, base_url: str
) -> None:
    token = context.users.issue_token(
        "sync-vlora-1", "caseworker", ["vlora"], "en", name="intake", expires_in=7
    )
    with (
        bearer(base_url, token) as client,
        httpx.Client(base_url=base_url, cookies={SESSION_COOKIE: token}) as browser,
    ):
        clock.advance(timedelta(days=7) - timedelta(seconds=1))
        assert client.get("/api/me").status_code == 200
        # A token is never a page session, live or not.
        assert browser.get("/").headers["location"].startswith("/login")
        clock.advance(timedelta(seconds=1))
        refused = client.get("/api/me")
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == "Bearer"
        assert browser.get("/").headers["location"].startswith("/login")
    (listed,) = context.users.tokens("sync-vlora-1")
    assert listed.expires_at == clock.now()


def test_a_revoked_token_is_refused_and_the_users_other_tokens_still_work(
    context: ApiContext, base_url: str
) -> None:
    issued = {
        name: context.users.issue_token(
            "sync-vlora-1", "caseworker", ["vlora"], "en", name=name
        )
        for name in ("intake", "reports")
    }
    assert context.users.revoke("sync-vlora-1", "intake") == 1
    with bearer(base_url, issued["intake"]) as revoked:
        assert revoked.get("/api/cases").status_code == 401
    with bearer(base_url, issued["reports"]) as kept:
        assert kept.get("/api/me").json()["user_id"] == "sync-vlora-1"
        assert kept.get("/api/cases").status_code == 200
    assert [(t.name, t.revoked_at is None) for t in context.users.tokens()] == [
        ("intake", False),
        ("reports", True),
    ]


def test_a_new_role_for_the_user_does_not_widen_an_older_token(
    api: Api, context: ApiContext, clock: ControlledClock, base_url: str
) -> None:
    durres_case = api.identify("durres_worker", region="durres")
    old = context.users.issue_token(
        "sync-vlora-1", "mobile_unit", ["vlora"], "en", name="field"
    )
    clock.advance(timedelta(hours=1))
    wider = context.users.issue_token(
        "sync-vlora-1", "caseworker", ["vlora", "durres"], "en", name="wider"
    )
    oversight = context.users.issue_token(
        "sync-vlora-1", "auditor", [], "en", name="oversight"
    )
    with bearer(base_url, old) as client:
        me = client.get("/api/me").json()
        assert (me["role"], me["regions"]) == ("mobile_unit", ["vlora"])
        assert client.get("/api/access-log").status_code == 403
        assert client.get("/api/sop/overdue").status_code == 403
        assert client.get(f"/api/cases/{durres_case['case_id']}").status_code == 403
    with bearer(base_url, wider) as client:
        assert client.get(f"/api/cases/{durres_case['case_id']}").status_code == 200
    with bearer(base_url, oversight) as client:
        assert client.get("/api/access-log").status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(
    context: ApiContext, clock: ControlledClock, base_url: str
) -> None:
    token = context.users.issue_token("auditor-9", "auditor", [], "en")
    first = clock.now()
    with bearer(base_url, token) as client:
        assert client.get("/api/me").status_code == 200
        clock.advance(timedelta(seconds=59))
        assert client.get("/api/me").status_code == 200
        assert context.users.tokens()[0].last_used_at == first
        clock.advance(timedelta(seconds=1))
        assert client.get("/api/me").status_code == 200
    assert context.users.tokens()[0].last_used_at == clock.now()


def _timeline_reads(context: ApiContext, case_id: str) -> list[str]:
    return [
        e["actor_id"]
        for e in context.access_log.entries(case_id=case_id)
        if e["view"] == "timeline"
    ]


def test_a_token_revoked_between_two_timeline_reads_reads_nothing_more(
    api: Api, context: ApiContext, base_url: str
) -> None:
    """The second read takes the caller this process found live a moment
    ago; the statement that reads still finds the token revoked."""
    case = api.identify()
    token = context.users.issue_token("mu-vlora-7", "mobile_unit", ["vlora"], "en")
    path = f"/api/cases/{case['case_id']}/timeline"
    with bearer(base_url, token) as client:
        assert client.get(path).status_code == 200
        assert client.get(path).status_code == 200
        assert context.users.revoke("mu-vlora-7") == 1
        refused = client.get(path)
    assert refused.status_code == 401
    assert _timeline_reads(context, case["case_id"]) == ["mu-vlora-7"] * 2


def test_a_token_that_expires_between_two_timeline_reads_reads_nothing_more(
    api: Api, context: ApiContext, clock: ControlledClock, base_url: str
) -> None:
    case = api.identify()
    token = context.users.issue_token(
        "mu-vlora-7", "mobile_unit", ["vlora"], "en", expires_in=1
    )
    path = f"/api/cases/{case['case_id']}/timeline"
    with bearer(base_url, token) as client:
        clock.advance(timedelta(days=1) - timedelta(seconds=30))
        assert client.get(path).status_code == 200
        clock.advance(timedelta(seconds=30))
        assert client.get(path).status_code == 401
    assert _timeline_reads(context, case["case_id"]) == ["mu-vlora-7"]


def test_timeline_reads_record_the_tokens_last_use_at_most_once_a_minute(
    api: Api, context: ApiContext, clock: ControlledClock, base_url: str
) -> None:
    case = api.identify()
    token = context.users.issue_token("mu-vlora-7", "mobile_unit", ["vlora"], "en")
    path = f"/api/cases/{case['case_id']}/timeline"
    first = clock.now()
    with bearer(base_url, token) as client:
        assert client.get(path).status_code == 200
        clock.advance(timedelta(seconds=59))
        assert client.get(path).status_code == 200
        assert context.users.tokens("mu-vlora-7")[0].last_used_at == first
        clock.advance(timedelta(seconds=1))
        assert client.get(path).status_code == 200
    assert context.users.tokens("mu-vlora-7")[0].last_used_at == clock.now()
    assert _timeline_reads(context, case["case_id"]) == ["mu-vlora-7"] * 3
