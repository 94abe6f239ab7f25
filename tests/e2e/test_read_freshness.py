"""Reads answer from what is projected when the log follower cannot keep up,
and say how stale that is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from domain.clock import ControlledClock
from services.api.context import ApiContext
from services.config.bootstrap import Backbone
from tests.e2e.helpers import Api, PageLogins
from tests.integration.bad_events import append_correction_without_offset


@pytest.fixture
def page_client(base_url: str, logins: PageLogins) -> Iterator[httpx.Client]:
    with closing(logins.client(base_url, "coordinator")) as client:
        yield client


def test_a_bad_event_in_the_store_does_not_stop_reads_for_anyone(
    api: Api,
    backbone: Backbone,
    clock: ControlledClock,
    page_client: httpx.Client,
) -> None:
    case = api.identify()
    append_correction_without_offset(backbone, clock, case)
    other = api.identify(region="vlora", municipality="vlore")

    listed = api.as_("coordinator").get("/api/cases")
    assert listed.status_code == 200
    assert {c["case_id"] for c in listed.json()} >= {case["case_id"], other["case_id"]}
    # The bad event is set aside: nothing is waiting, so the answer is current.
    assert listed.headers["X-Read-Model-Lag"] == "0"
    obligations = api.as_("coordinator").get(
        f"/api/cases/{other['case_id']}/obligations"
    )
    assert obligations.status_code == 200
    assert obligations.json()
    for path in ("/", "/dashboard", f"/cases/{other['case_id']}"):
        assert page_client.get(path).status_code == 200, path


def test_a_read_behind_a_stuck_follower_answers_with_what_is_projected_and_its_lag(
    api: Api, context: ApiContext, backbone: Backbone, page_client: httpx.Client
) -> None:
    first = api.identify()
    assert api.as_("coordinator").get("/api/cases").headers["X-Read-Model-Lag"] == "0"
    with backbone.pool.connection() as blocker, blocker.transaction():
        # Holds the timeline projection's step lock, as a follower stuck in a
        # long batch would.
        blocker.execute(
            "SELECT pg_advisory_xact_lock(hashtext('vatra-follower:case_timeline'))"
        )
        second = api.identify()
        listed = api.as_("coordinator").get("/api/cases")
        assert listed.status_code == 200
        assert listed.headers["X-Read-Model-Lag"] == "1"
        assert [c["case_id"] for c in listed.json()] == [first["case_id"]]
        page = page_client.get("/")
        assert page.status_code == 200
        assert "1 recent entries are not shown yet" in page.text
    # Once the follower is free the next read is current again.
    listed = api.as_("coordinator").get("/api/cases")
    assert listed.headers["X-Read-Model-Lag"] == "0"
    assert {c["case_id"] for c in listed.json()} == {
        first["case_id"],
        second["case_id"],
    }
