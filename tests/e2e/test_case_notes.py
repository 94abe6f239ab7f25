"""Case notes and documents over real HTTP: their content sealed in the
personal-data store, the case recording only that one was added; read and
downloaded by those who work the case; documents known by their first bytes
and bounded in size; gone with the person's key."""

from __future__ import annotations

from services.api.context import ApiContext
from services.app.erasure import erase_personal_data
from services.config.bootstrap import Backbone
from tests.e2e.helpers import Api, PageLogins, form_token, page_text

NOTE = "Ëngjëllushe Çela called from +355 69 123 4567."
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_note_is_sealed_and_the_case_records_only_its_reference(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
    context: ApiContext,
) -> None:
    case = api.identify(subject_ref="PV-NOTE-1")
    with logins.logged_in(base_url, tokens["vlora_lawyer"]) as lawyer:
        form = lawyer.get(f"/cases/{case['case_id']}/notes/new").text
        sent = lawyer.post(
            f"/cases/{case['case_id']}/notes",
            data={"csrf": form_token(form), "key": "k-1", "note": NOTE},
        )
        assert sent.status_code == 303
        again = lawyer.post(
            f"/cases/{case['case_id']}/notes",
            data={"csrf": form_token(form), "key": "k-1", "note": NOTE},
        )
        assert again.status_code == 303  # a resent form records once
        timeline = page_text(lawyer.get(f"/cases/{case['case_id']}").text)
    assert "Note added" in timeline
    assert NOTE in timeline

    events = context.service.events(case["case_id"])
    assert [e.type for e in events][-1] == "AttachmentAdded"
    assert len(events) == 2
    assert "Çela" not in repr([e.payload for e in events])
    assert set(events[-1].payload) == {"attachment_id", "kind"}
    with logins.logged_in(base_url, tokens["auditor"]) as auditor:
        audited = page_text(auditor.get(f"/cases/{case['case_id']}").text)
    assert "Note added" in audited
    assert "Çela" not in audited


def test_a_note_beyond_its_bounds_is_refused_on_the_page_and_the_api(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
) -> None:
    case = api.identify(subject_ref="PV-NOTE-2")
    url = f"/api/cases/{case['case_id']}/notes"
    assert (
        api.as_("vlora_worker").post(url, json={"text": "x" * 4001}).status_code == 422
    )
    assert api.as_("vlora_worker").post(url, json={"text": ""}).status_code == 422
    assert api.as_("durres_worker").post(url, json={"text": "hi"}).status_code == 403
    assert api.as_("auditor").post(url, json={"text": "hi"}).status_code == 403
    with logins.logged_in(base_url, tokens["vlora_lawyer"]) as lawyer:
        form = lawyer.get(f"/cases/{case['case_id']}/notes/new").text
        refused = lawyer.post(
            f"/cases/{case['case_id']}/notes",
            data={"csrf": form_token(form), "note": "   "},
        )
    assert refused.status_code == 422
    assert "Fill this in." in page_text(refused.text)


def test_documents_are_known_by_their_first_bytes_and_bounded_in_size(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
    context: ApiContext,
) -> None:
    case = api.identify(subject_ref="PV-DOC-1")
    url = f"/api/cases/{case['case_id']}/documents"
    worker = api.as_("vlora_worker")
    fake = worker.post(url, files={"document": ("id.png", b"MZ\x90\x00 not an image")})
    assert fake.status_code == 422
    big = b"%PDF-" + b"0" * (5 * 1024 * 1024)
    assert worker.post(url, files={"document": ("a.pdf", big)}).status_code in (
        413,
        422,
    )
    added = worker.post(url, files={"document": ("Cela-passport.png", PNG)})
    assert added.status_code == 201, added.text
    attachment = added.json()["attachment_id"]

    got = worker.get(f"/api/cases/{case['case_id']}/attachments/{attachment}")
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert "Cela" not in got.headers["content-disposition"]
    with context.pool.connection() as conn:
        stored = conn.execute("SELECT content FROM case_attachments").fetchall()
    assert all(PNG not in bytes(row[0]) for row in stored)
    assert (
        api.as_("durres_worker")
        .get(f"/api/cases/{case['case_id']}/attachments/{attachment}")
        .status_code
        == 403
    )
    with logins.logged_in(base_url, tokens["vlora_lawyer"]) as lawyer:
        page = lawyer.get(f"/cases/{case['case_id']}").text
        assert f"/attachments/{attachment}" in page
        download = lawyer.get(f"/cases/{case['case_id']}/attachments/{attachment}")
    assert download.content == PNG
    downloads = [
        (e["actor_id"], e["allowed"])
        for e in context.access_log.entries(case_id=case["case_id"])
        if e["view"] in ("attachment", "page:document")
    ]
    assert sorted(downloads) == [
        ("cw-durres-1", False),
        ("lawyer-vlora-1", True),
        ("mu-vlora-1", True),
    ]


def test_after_erasure_the_case_replays_with_erased_where_the_note_was(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
    backbone: Backbone,
    context: ApiContext,
) -> None:
    case = api.identify(subject_ref="PV-NOTE-3")
    added = api.as_("vlora_worker").post(
        f"/api/cases/{case['case_id']}/notes", json={"text": NOTE}
    )
    assert added.status_code == 201
    erase_personal_data(
        context.service,
        backbone.personal_data,
        case["case_id"],
        expected_version=added.json()["version"],
        actor_id="coordinator-1",
        actor_role="coordinator",
        reason="the person asked for erasure",
    )
    with logins.logged_in(base_url, tokens["vlora_lawyer"]) as lawyer:
        timeline = page_text(lawyer.get(f"/cases/{case['case_id']}").text)
    assert "Note added" in timeline
    assert "[erased]" in timeline
    assert "Çela" not in timeline
    gone = api.as_("vlora_worker").get(
        f"/api/cases/{case['case_id']}/attachments/{added.json()['attachment_id']}"
    )
    assert gone.status_code == 410
