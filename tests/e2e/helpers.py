"""A small client for the HTTP API in tests: one httpx client per user."""

from __future__ import annotations

import contextlib
import html
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from types import TracebackType
from typing import Any

import httpx
import pyotp

from domain.catalogue import REGION_SEATS
from services.accounts.second_factor import STEP_SECONDS, step_of
from services.api.context import ApiContext

# How the pages write a range of a list ("1 to 50 of 55"): with an en dash.
DASH = "\N{EN DASH}"

# name: (user id, role, regions, language)
USERS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "vlora_worker": ("mu-vlora-1", "mobile_unit", ("vlora",), "sq"),
    "vlora_lawyer": ("lawyer-vlora-1", "lawyer", ("vlora",), "en"),
    "vlora_lawyer_sq": ("lawyer-vlora-2", "lawyer", ("vlora",), "sq"),
    "vlora_psychologist": ("psy-vlora-1", "psychologist", ("vlora",), "sq"),
    "vlora_psychologist_en": ("psy-vlora-2", "psychologist", ("vlora",), "en"),
    "durres_worker": ("cw-durres-1", "caseworker", ("durres",), "en"),
    "vlora_police": ("police-vlora-1", "police", ("vlora",), "sq"),
    "durres_police": ("police-durres-1", "police", ("durres",), "sq"),
    "vlora_cpu": ("cpu-vlora-1", "child_protection_unit", ("vlora",), "sq"),
    "himare_cpu": ("cpu-himare-1", "child_protection_unit", ("vlora",), "sq"),
    "coordinator": ("coordinator-1", "coordinator", (), "en"),
    "authority": ("ra-office-1", "responsible_authority", (), "sq"),
    "auditor": ("auditor-1", "auditor", (), "en"),
}

# A Child Protection Unit user's directory entry: the recipient its alerts name.
UNITS: dict[str, str] = {"vlora_cpu": "cpu", "himare_cpu": "cpu-himare"}

IDENTIFICATION: dict[str, Any] = {
    "subject_ref": "PV-E2E-0001",
    "region": "vlora",
    "mobile_unit": "vlora-unit",
    "municipality": "sarande",
    "is_minor": False,
    "sex": "female",
    "age": 30,
    "nationality": "AL",
}


class Api:
    """Calls the API as any of the test users."""

    def __init__(self, base_url: str, tokens: dict[str, str]) -> None:
        self.base_url = base_url
        self.tokens = tokens
        self._clients: dict[str, httpx.Client] = {}

    def as_(self, who: str) -> httpx.Client:
        if who not in self._clients:
            self._clients[who] = httpx.Client(
                base_url=self.base_url,
                headers={"Authorization": f"Bearer {self.tokens[who]}"},
                timeout=30,
            )
        return self._clients[who]

    def identify(self, who: str = "vlora_worker", **overrides: Any) -> dict[str, Any]:
        """Open a case (201 expected); return its id and version. A minor
        without an age or birth year given is 16."""
        body = {**IDENTIFICATION, **overrides}
        if "region" in overrides and "municipality" not in overrides:
            body["municipality"] = REGION_SEATS[overrides["region"]]
        if body["is_minor"] and not {"age", "birth_year"} & overrides.keys():
            body["age"] = 16
        response = self.as_(who).post("/api/cases", json=body)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def command(
        self,
        who: str,
        case: dict[str, Any],
        path: str,
        *,
        key: str | None = None,
        **fields: Any,
    ) -> httpx.Response:
        """POST a command at the case's version; ``fields`` may override it."""
        body = {"expected_version": case["version"], **fields}
        headers = {"Idempotency-Key": key} if key else {}
        return self.as_(who).post(
            f"/api/cases/{case['case_id']}/{path}", json=body, headers=headers
        )

    def step(
        self, who: str, case: dict[str, Any], path: str, **fields: Any
    ) -> dict[str, Any]:
        """A command that must succeed; return the case at its new version."""
        response = self.command(who, case, path, **fields)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()


def new_key() -> str:
    return uuid.uuid4().hex


def page_text(page: str) -> str:
    """A page's text as a reader sees it: no tags, single spaces."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# Every test account's password (the tests hash with VATRA_PASSWORD_HASHING=fast).
TEST_PASSWORD = "a passphrase only the tests use"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def form_token(page: str) -> str:
    """The session's form token a page's form carries."""
    found = CSRF.search(page)
    assert found, "the form carries its session's token"
    return found.group(1)


class PageLogins:
    """Logs test people in through the pages' form: username and password,
    then the code their authenticator app would show (computed with pyotp at
    the server's clock).

    ``who`` is a name of ``USERS``, a user id, or an API token: the person the
    token was issued to gets an account with the token's scope the first
    time (a token itself never opens a page).
    """

    def __init__(self, context: ApiContext) -> None:
        self.context = context
        self.secrets: dict[str, str] = {}
        self._last_step: dict[str, int] = {}

    def account(self, who: str) -> str:
        """The user id of ``who``, whose account is ready to log in."""
        if who in USERS:
            user_id, role, regions, language = USERS[who]
            scope = (role, regions, language, UNITS.get(who), None)
        elif who.startswith("vatra_"):
            p = self.context.users.authenticate(who)
            assert p is not None, "the token is unknown"
            user_id = p.user_id
            scope = (p.role, tuple(p.regions), p.language, p.unit, p.agency)
        else:
            user_id, scope = who, None
        if user_id in self.secrets:
            return user_id
        accounts = self.context.accounts
        existing = accounts.get(user_id)
        if existing is None or not existing.has_password:
            assert scope is not None, f"{user_id} has no account"
            accounts.create("tests", user_id, *scope)
        accounts.change_own_password(user_id, TEST_PASSWORD)
        self.secrets[user_id] = pyotp.random_base32()
        self.context.logins.keep_second_factor(user_id, self.secrets[user_id])
        return user_id

    def code(self, user_id: str) -> str:
        """The next code not used yet: the app's code now, or one step either
        side; the clock moves on a step when the user has used all three."""
        now = step_of(self.context.clock.now())
        step = max(self._last_step.get(user_id, now - 2) + 1, now - 1)
        if step > now + 1:
            advance = getattr(self.context.clock, "advance", None)
            assert advance is not None, "a real clock: wait for the next code"
            advance(timedelta(seconds=STEP_SECONDS))
            return self.code(user_id)
        self._last_step[user_id] = step
        return str(pyotp.TOTP(self.secrets[user_id]).at(step * STEP_SECONDS))

    def log_in(self, client: httpx.Client, who: str, next: str = "") -> httpx.Response:
        """Log ``who`` in on ``client``; return the answer to the code (a 303
        to ``next`` or the start page)."""
        user_id = self.account(who)
        going = {"next": next} if next else {}
        answer = client.post(
            "/login",
            data={"username": user_id, "password": TEST_PASSWORD, **going},
        )
        assert answer.status_code == 303, answer.text
        step = client.get(answer.headers["location"])
        assert step.status_code == 200, step.text
        found = CSRF.search(step.text)
        assert found is not None, step.text
        data = {"code": self.code(user_id), "csrf": found.group(1), **going}
        return client.post("/login/code", data=data)

    @contextlib.contextmanager
    def logged_in(self, base_url: str, who: str) -> Iterator[httpx.Client]:
        """A client with ``who`` logged in that sends its forms with the
        pages' origin, closed afterwards."""
        with httpx.Client(
            base_url=base_url, timeout=30, headers={"Origin": base_url}
        ) as client:
            assert self.log_in(client, who).status_code == 303
            yield client

    def client(self, base_url: str, who: str) -> httpx.Client:
        """A new client with ``who`` logged in."""
        client = httpx.Client(base_url=base_url, timeout=30)
        answer = self.log_in(client, who)
        assert answer.status_code == 303, answer.text
        return client


class Browsers:
    """Logged-in page sessions (the session cookie), one per test user."""

    def __init__(
        self,
        base_url: str,
        logins: PageLogins,
        tokens: dict[str, str] | None = None,
    ) -> None:
        """``tokens``: people beside ``USERS``, by name, each logged in as
        the person their token was issued to."""
        self.base_url = base_url
        self.logins = logins
        self.tokens = tokens or {}
        self._clients: dict[str, httpx.Client] = {}

    def as_(self, who: str) -> httpx.Client:
        if who not in self._clients:
            person = self.tokens.get(who, who)
            self._clients[who] = self.logins.client(self.base_url, person)
        return self._clients[who]

    def log_in_again(self, who: str) -> None:
        """A new session for ``who`` (theirs ended: the clock moved past it)."""
        self._clients.pop(who).close()

    def text(self, who: str, path: str, **params: Any) -> str:
        """The text of a page that must answer 200."""
        response = self.as_(who).get(path, params=params)
        assert response.status_code == 200, response.text
        return page_text(response.text)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
