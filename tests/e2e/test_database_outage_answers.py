"""While PostgreSQL refuses writes, every write over HTTP (a command, the
person record, a note, a page's form) is answered 503 with ``Retry-After``,
in the page reader's language, never a 500; once it takes writes again, the
same request recorded once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from services.api.context import ApiContext
from services.store.database import Database
from tests.e2e.helpers import Api, PageLogins, form_token, page_text

BUSY_SQ = "Shërbimi është i zënë ose i padisponueshëm: provoni përsëri pas pak."


@contextmanager
def read_only(database: Database) -> Iterator[None]:
    """The test's database refuses writes (as a standby or a full disk would),
    and every open connection is cut, so the API's pool meets it at once."""

    def switch(setting: str) -> None:
        admin = Database(**{**database.__dict__, "dbname": "postgres"})
        with psycopg.connect(admin.conninfo(), autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{database.dbname}" {setting}')
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s",
                (database.dbname,),
            )

    switch("SET default_transaction_read_only = on")
    try:
        yield
    finally:
        switch("RESET default_transaction_read_only")


def test_writes_while_the_database_refuses_them_get_503_and_retry_once(
    api: Api,
    base_url: str,
    logins: PageLogins,
    context: ApiContext,
    database: Database,
) -> None:
    case = api.identify(subject_ref="PV-OUT-1")
    case_id = case["case_id"]
    worker = api.as_("vlora_worker")
    with logins.logged_in(base_url, "vlora_worker") as phone:
        note_form = phone.get(f"/cases/{case_id}/notes/new").text
        with read_only(database):
            answers = [
                api.command(
                    "vlora_worker",
                    case,
                    "assess-risk",
                    key="risk-1",
                    level="high",
                )
                for _ in range(2)  # the first meets a cut connection
            ]
            person = worker.put(
                f"/api/cases/{case_id}/person",
                json={"given_names": "Ana", "family_name": "Hoxha"},
            )
            note = phone.post(
                f"/cases/{case_id}/notes",
                data={"csrf": form_token(note_form), "key": "n-1", "note": "x"},
            )
        for answer in [*answers, person]:
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "5"
            assert answer.json()["error"] == "unavailable"
        assert note.status_code == 503
        assert BUSY_SQ in page_text(note.text)  # the worker reads Albanian
        assert "Traceback" not in note.text

        assert len(context.service.events(case_id)) == 1  # nothing half-written
        again = api.command(
            "vlora_worker", case, "assess-risk", key="risk-1", level="high"
        )
        assert again.status_code in (200, 201), again.text
        resent = phone.post(
            f"/cases/{case_id}/notes",
            data={"csrf": form_token(note_form), "key": "n-1", "note": "x"},
        )
        assert resent.status_code == 303
    assert [e.type for e in context.service.events(case_id)][1:] == [
        "RiskAssessed",
        "AttachmentAdded",
    ]
