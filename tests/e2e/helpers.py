"""A small client for the HTTP API in tests: one httpx client per user."""

from __future__ import annotations

import html
import re
import uuid
from types import TracebackType
from typing import Any

import httpx

from domain.catalogue import REGION_SEATS

# How the pages write a range of a list ("1 to 50 of 55"): with an en dash.
DASH = "\N{EN DASH}"

# name: (user id, role, regions, language)
USERS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "vlora_worker": ("mu-vlora-1", "mobile_unit", ("vlora",), "sq"),
    "vlora_lawyer": ("lawyer-vlora-1", "lawyer", ("vlora",), "en"),
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


class Browsers:
    """Logged-in page sessions (the session cookie), one per test user."""

    def __init__(self, base_url: str, tokens: dict[str, str]) -> None:
        self.base_url = base_url
        self.tokens = tokens
        self._clients: dict[str, httpx.Client] = {}

    def as_(self, who: str) -> httpx.Client:
        if who not in self._clients:
            client = httpx.Client(base_url=self.base_url, timeout=30)
            response = client.post("/login", data={"token": self.tokens[who]})
            assert response.status_code == 303, response.text
            self._clients[who] = client
        return self._clients[who]

    def text(self, who: str, path: str, **params: Any) -> str:
        """The text of a page that must answer 200."""
        response = self.as_(who).get(path, params=params)
        assert response.status_code == 200, response.text
        return page_text(response.text)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
