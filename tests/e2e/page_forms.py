"""Pages as a browser without JavaScript uses them: log in, open a form, send
what it holds (with what the test types in), follow no redirect."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.e2e.helpers import PageLogins


class _Form(HTMLParser):
    """The fields of the first ``method="post"`` form of a page, as a browser
    sends them: inputs with their values, checked boxes, selected options,
    text areas."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.action = ""
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._done = False
        self._select: str | None = None
        self._selected: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post" and not self._done:
            self._in_form = True
            self.action = a.get("action", "")
            return
        if not self._in_form:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button"):
                return
            self.fields.append((a["name"], a.get("value", "on")))
        elif tag == "select":
            self._select, self._selected, self._first_option = a["name"], None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._selected = value
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True
        elif tag == "select" and self._select is not None:
            chosen = (
                self._selected if self._selected is not None else self._first_option
            )
            self.fields.append((self._select, chosen or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None


def form_of(page: str) -> tuple[str, list[tuple[str, str]]]:
    """The action and the fields of the page's form (the first in its main
    part: not the log-out button), as a browser sends them."""
    parser = _Form()
    parser.feed(page.split("<main>", 1)[-1])
    return parser.action, parser.fields


def filled(
    fields: list[tuple[str, str]], typed: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """The form's fields with ``typed`` in: a list replaces every value of its
    field (ticked boxes), ``None`` clears it, ``True`` ticks a box."""
    kept = [(name, value) for name, value in fields if name not in typed]
    for name, value in typed.items():
        if value is None or value is False:
            continue
        if value is True:
            kept.append((name, "1"))
        elif isinstance(value, list):
            kept.extend((name, str(v)) for v in value)
        else:
            kept.append((name, str(value)))
    return kept


def text_of(page: str) -> str:
    """What a reader sees in the page's main part: no tags, no header."""
    main = page.split("<main>", 1)[-1]
    inline = re.sub(r"</?(?:a|span|strong|code|em)\b[^>]*>", "", main)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline))).strip()


def words(text: str) -> Iterator[str]:
    yield from re.findall(r"[A-Za-z_]+", text)


class Browser:
    """One logged-in person's pages."""

    def __init__(self, base_url: str, logins: PageLogins, who: str) -> None:
        """``who``: a name of ``helpers.USERS``, a user id or an API token
        (``PageLogins``), logged in through the log-in form."""
        self.client = logins.client(base_url, who)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params or None)

    def open(self, path: str, **params: Any) -> tuple[str, list[tuple[str, str]]]:
        """The form at ``path``: its action and the fields it holds."""
        page = self.get(path, **params)
        assert page.status_code == 200, page.text
        return form_of(page.text)

    def send(
        self, action: str, fields: list[tuple[str, str]], **typed: Any
    ) -> httpx.Response:
        data: dict[str, list[str]] = {}
        for name, value in filled(fields, typed):
            data.setdefault(name, []).append(value)
        return self.client.post(action, data=data)

    def submit(
        self, path: str, params: Mapping[str, Any] | None = None, **typed: Any
    ) -> httpx.Response:
        """Open the form at ``path`` and send it with ``typed`` filled in."""
        action, fields = self.open(path, **(params or {}))
        return self.send(action, fields, **typed)

    def close(self) -> None:
        self.client.close()
