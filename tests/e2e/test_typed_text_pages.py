"""Typed text on the pages and in the API: looked up at read time for those
who work with the person, withheld from the others, the current text on the
correction form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.api.context import ApiContext
from tests.e2e.helpers import Api, Browsers, PageLogins

OUTCOME = "met Ana Hoxha, 069 555 0101"
CORRECTED = "met Ana Hoxha at school"


@pytest.fixture
def browsers(base_url: str, logins: PageLogins) -> Iterator[Browsers]:
    found = Browsers(base_url, logins)
    try:
        yield found
    finally:
        found.close()


def test_the_text_shows_to_those_working_the_case_and_is_withheld_from_others(
    api: Api, browsers: Browsers, context: ApiContext
) -> None:
    case = api.identify()
    case = api.step("vlora_worker", case, "follow-up", method="visit", outcome=OUTCOME)
    case = api.step(
        "vlora_worker",
        case,
        "correct",
        corrected_version=2,
        field_name="outcome",
        value=CORRECTED,
        reason="the school, not the home",
    )
    path = f"/cases/{case['case_id']}"

    lawyer = browsers.text("vlora_lawyer", path)
    assert OUTCOME in lawyer
    assert CORRECTED in lawyer
    assert "the school, not the home" in lawyer
    form = browsers.text(
        "vlora_lawyer",
        f"{path}/steps/correct",
        corrected_version=2,
        field_name="outcome",
    )
    assert CORRECTED in form  # what is being corrected, as it stands now
    answer = api.as_("auditor").get(f"/api/cases/{case['case_id']}/timeline")
    assert answer.status_code == 200
    assert "Ana Hoxha" not in answer.text
    assert "[withheld]" in answer.json()[1]["summary"]
    mine = api.as_("vlora_lawyer").get(f"/api/cases/{case['case_id']}/timeline")
    assert mine.json()[1]["details"]["outcome"] == OUTCOME
    assert mine.json()[1]["summary"] == f"Follow-up by visit: {OUTCOME}"
    reads = [
        (e["actor_id"], e["view"])
        for e in context.access_log.entries(case_id=case["case_id"])
    ]
    assert ("lawyer-vlora-1", "personal_text") in reads
    assert ("auditor-1", "personal_text") not in reads
