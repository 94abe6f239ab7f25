"""Finding a case over real HTTP: its owner, assignment and hand-over, search
by reference and by the short id alerts use, filters, paging with the total."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from domain.clock import ControlledClock
from services.api.context import ApiContext
from tests.e2e.helpers import DASH, Api, Browsers, PageLogins


@pytest.fixture
def browsers(base_url: str, logins: PageLogins) -> Iterator[Browsers]:
    sessions = Browsers(base_url, logins)
    yield sessions
    sessions.close()


def _short_id(case: dict[str, Any]) -> str:
    """The reference alerts print for a case (handlers.contexts.case_ref)."""
    return "VT-" + case["case_id"].replace("-", "")[:8].upper()


def _found(api: Api, who: str, **params: Any) -> tuple[int, list[str]]:
    """The total and the case ids ``GET /api/cases`` answers ``who`` with."""
    response = api.as_(who).get("/api/cases", params=params)
    assert response.status_code == 200, response.text
    return int(response.headers["x-total-count"]), [
        row["case_id"] for row in response.json()
    ]


def _cases_on_page(page: str) -> list[str]:
    return re.findall(r'<a href="/cases/([0-9a-f-]{36})">', page)


def test_a_case_is_owned_by_its_identifying_worker_until_assigned_and_handed_over(
    api: Api, browsers: Browsers
) -> None:
    mine = api.identify(subject_ref="PV-OWN-1")
    other = api.identify(subject_ref="PV-OWN-2")
    state = api.as_("vlora_worker").get(f"/api/cases/{mine['case_id']}").json()
    assert state["owner"] == "mu-vlora-1"
    assert _found(api, "vlora_worker", mine="true")[0] == 2
    assert _found(api, "vlora_lawyer", mine="true") == (0, [])

    # The worker assigns one case to the lawyer of the region.
    mine = api.step("vlora_worker", mine, "assign", owner="lawyer-vlora-1")
    assert _found(api, "vlora_lawyer", mine="true") == (1, [mine["case_id"]])
    assert _found(api, "vlora_worker", mine="true") == (1, [other["case_id"]])
    lawyer_page = browsers.text("vlora_lawyer", "/", mine="1")
    assert "PV-OWN-1" in lawyer_page
    assert "PV-OWN-2" not in lawyer_page
    assert f"1{DASH}1 of 1 cases" in lawyer_page

    # A coordinator hands it back over; the timeline says who had it.
    mine = api.step("coordinator", mine, "assign", owner="mu-vlora-1")
    assert _found(api, "vlora_lawyer", mine="true") == (0, [])
    assert _found(api, "vlora_worker", mine="true")[0] == 2
    timeline = browsers.text("vlora_worker", f"/cases/{mine['case_id']}")
    assert "Rasti kaloi nga mu-vlora-1 te lawyer-vlora-1" in timeline
    assert "Rasti kaloi nga lawyer-vlora-1 te mu-vlora-1" in timeline
    assert "Përgjegjësi mu-vlora-1" in timeline


def test_only_a_caseworker_of_the_region_takes_a_case_and_only_from_someone_else(
    api: Api,
) -> None:
    case = api.identify()
    again = api.command("vlora_worker", case, "assign", owner="mu-vlora-1")
    assert again.status_code == 409
    assert "already assigned to mu-vlora-1" in again.json()["message"]
    elsewhere = api.command("vlora_worker", case, "assign", owner="cw-durres-1")
    assert elsewhere.status_code == 422
    assert elsewhere.json()["message"].startswith("owner: 'cw-durres-1' is not one")
    not_a_user = api.command("vlora_worker", case, "assign", owner="two words")
    assert not_a_user.status_code == 422
    assert not_a_user.json()["errors"][0]["field"] == "owner"
    assert (
        api.command("durres_worker", case, "assign", owner="lawyer-vlora-1").status_code
        == 403
    )
    assert (
        api.command("authority", case, "assign", owner="lawyer-vlora-1").status_code
        == 403
    )
    assert (
        api.command("auditor", case, "assign", owner="lawyer-vlora-1").status_code
        == 403
    )
    state = api.as_("vlora_worker").get(f"/api/cases/{case['case_id']}").json()
    assert (state["version"], state["owner"]) == (1, "mu-vlora-1")


def test_a_case_is_found_by_its_reference_or_the_short_id_of_its_alerts(
    api: Api, browsers: Browsers
) -> None:
    first = api.identify(subject_ref="PV-VL-0001")
    second = api.identify(subject_ref="PV-VL-0002")
    api.identify(subject_ref="KX-0003")

    assert sorted(_found(api, "vlora_worker", q="pv-vl")[1]) == sorted(
        [first["case_id"], second["case_id"]]
    )
    assert _found(api, "vlora_worker", q="PV-VL-0002") == (1, [second["case_id"]])
    short = _short_id(second)
    for typed in (short, short.lower(), short[3:], short[3:].lower()):
        assert second["case_id"] in _found(api, "vlora_worker", q=typed)[1], typed
    assert _found(api, "vlora_worker", q=short) == (1, [second["case_id"]])
    assert _found(api, "vlora_worker", q=second["case_id"])[1] == [second["case_id"]]
    # A LIKE wildcard is a character like any other.
    assert _found(api, "vlora_worker", q="%") == (0, [])
    # Another region's worker finds nothing of Vlorë's.
    assert _found(api, "durres_worker", q="PV-VL") == (0, [])

    page = browsers.text("vlora_worker", "/", q=short.lower())
    assert "PV-VL-0002" in page
    assert "PV-VL-0001" not in page
    assert short in page  # each card shows the short id
    assert f"Rastet 1{DASH}1 nga 1" in page


def test_each_filter_narrows_the_list(
    api: Api, browsers: Browsers, clock: ControlledClock
) -> None:
    adult = api.identify(subject_ref="PV-F-ADULT")
    minor = api.identify(subject_ref="PV-F-MINOR", is_minor=True)
    closed = api.identify(subject_ref="PV-F-CLOSED")
    api.step("vlora_worker", closed, "close", reason="lost_contact")
    durres = api.identify("durres_worker", subject_ref="PV-F-DURRES", region="durres")
    # The police were told of the minor by phone: of the open cases, only the
    # adult's police notification is overdue an hour later.
    api.step(
        "vlora_worker",
        minor,
        "notify",
        authority="police",
        channel="phone",
        recipient="duty officer",
    )
    clock.advance(timedelta(minutes=70))

    def refs(who: str, **params: Any) -> set[str]:
        found = set(_found(api, who, **params)[1])
        names = {
            adult["case_id"]: "adult",
            minor["case_id"]: "minor",
            closed["case_id"]: "closed",
            durres["case_id"]: "durres",
        }
        return {names[c] for c in found}

    assert refs("coordinator") == {"adult", "minor", "closed", "durres"}
    assert refs("coordinator", region="durres") == {"durres"}
    assert refs("vlora_worker") == {"adult", "minor", "closed"}
    assert refs("vlora_worker", state="closed") == {"closed"}
    assert refs("vlora_worker", state="open") == {"adult", "minor"}
    assert refs("vlora_worker", minor="true") == {"minor"}
    assert refs("vlora_worker", minor="false") == {"adult", "closed"}
    # Overdue: the closed case's missed notification was set aside with it.
    assert refs("vlora_worker", overdue="true") == {"adult"}
    assert refs("coordinator", overdue="true", region="vlora") == {"adult"}
    outside = api.as_("vlora_worker").get("/api/cases", params={"region": "durres"})
    assert outside.status_code == 422
    unknown = api.as_("vlora_worker").get("/api/cases", params={"region": "tirana"})
    assert unknown.status_code == 422

    page = browsers.text("vlora_worker", "/", state="open", minor="yes")
    assert "PV-F-MINOR" in page
    assert "PV-F-ADULT" not in page
    overdue = browsers.text("vlora_worker", "/", overdue="1")
    assert "PV-F-ADULT" in overdue
    assert "PV-F-CLOSED" not in overdue
    assert "vonesë: 10 minuta" in overdue  # the next due item, 10 minutes late
    # A region that is not the reader's, typed into the address, narrows nothing.
    assert "PV-F-ADULT" in browsers.text("vlora_worker", "/", region="durres")


def test_a_long_list_comes_a_page_at_a_time_with_the_total(
    api: Api, browsers: Browsers, context: ApiContext, clock: ControlledClock
) -> None:
    made = []
    for n in range(55):
        made.append(api.identify(subject_ref=f"PV-P-{n:03d}"))
        clock.advance(timedelta(seconds=1))
    newest_first = [case["case_id"] for case in reversed(made)]

    total, first = _found(api, "vlora_worker", limit=50)
    assert (total, first) == (55, newest_first[:50])
    total, rest = _found(api, "vlora_worker", limit=50, offset=50)
    assert (total, rest) == (55, newest_first[50:])
    too_far = api.as_("vlora_worker").get("/api/cases", params={"offset": 10**6})
    assert too_far.status_code == 422
    too_many = api.as_("vlora_worker").get("/api/cases", params={"limit": 10**4})
    assert too_many.status_code == 422

    coordinator = browsers.as_("coordinator")
    page_one = coordinator.get("/").text
    assert f"1{DASH}50 of 55 cases" in page_one
    assert _cases_on_page(page_one) == newest_first[:50]
    assert 'rel="next" href="?page=2"' in page_one
    page_two = coordinator.get("/", params={"page": "2"}).text
    assert f"51{DASH}55 of 55 cases" in page_two
    assert _cases_on_page(page_two) == newest_first[50:]
    assert 'rel="prev" href="?"' in page_two
    # Paging keeps the search.
    searched = coordinator.get("/", params={"q": "pv-p-0"}).text
    assert f"1{DASH}50 of 55 cases" in searched
    assert 'href="?q=pv-p-0&amp;page=2"' in searched
    # Work on an old case brings it to the top.
    api.step("vlora_worker", made[0], "assess-risk", level="low")
    assert _found(api, "vlora_worker", limit=1)[1] == [made[0]["case_id"]]


def test_a_search_with_a_control_character_is_refused_or_ignored_never_a_500(
    api: Api, browsers: Browsers
) -> None:
    api.identify(subject_ref="PV-NUL-1")
    refused = api.as_("vlora_worker").get("/api/cases", params={"q": "PV\x00"})
    assert refused.status_code == 422, refused.text
    page = browsers.as_("vlora_worker").get("/", params={"q": "PV-NUL\x00"})
    assert page.status_code == 200
    assert "PV-NUL-1" in page.text  # the NUL dropped, the search kept
