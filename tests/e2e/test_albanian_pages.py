"""No code, rule id or field name on an Albanian page.

With the demo scenario recorded, a caseworker, a coordinator, the
Responsible Authority, the police and an auditor each follow every link of
the pages they can reach, in Albanian, and the visible text of each page
(its words, titles and labels; not its style sheet or hidden fields) must
hold none of the codes the backbone stores: rule ids, statuses, roles,
services, authorities, channels, event types, field names. What people typed
(reasons, agencies, references) is shown as typed and left out of the check.

A new page is covered once a link leads to it; a page no link reaches yet
goes into ``MORE_PAGES``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from domain.clock import ControlledClock
from domain.commands import every_command
from domain.fields import ENTRY_FIELDS
from services.api.context import ApiContext
from services.cli.demo import demo_case_id, record_scenario
from services.cli.demo_scenario import scenario
from tests.codes import codes_in, known_codes
from tests.e2e.helpers import PageLogins

# Who crawls: (user id, role, regions); each speaks Albanian.
CRAWLERS = {
    "caseworker": ("crawl-caseworker", "caseworker", ("vlora", "durres")),
    "coordinator": ("crawl-coordinator", "coordinator", ()),
    "responsible_authority": ("crawl-ra", "responsible_authority", ()),
    "police": ("crawl-police", "police", ("vlora",)),
    "auditor": ("crawl-auditor", "auditor", ()),
}
# Pages no link leads to, with ``{case}`` for the demo's first case.
MORE_PAGES = (
    "/login",
    "/cases/{case}/history?as_of=2026-01-25T12:00",
    "/cases/{case}/history?as_of=not-a-moment",
    "/cases/00000000-0000-4000-8000-000000000000",
    "/cases/not-a-case",
    "/no-such-page",
)
# Links not to follow: they leave the pages or end the session.
NOT_PAGES = (
    "/docs",
    "/openapi.json",
    "/logout",
    "/api/",
    "/health/",
    "/ack/",
    "/statistics/download",
)
# A file the field page links to that is not a page: the app's manifest.
NOT_PAGES += ("/field/manifest.webmanifest",)
MAX_PAGES = 400
# Pages of one shape (the same route, other cases or entries) crawled at most:
# every kind of page is checked without opening every form of every case.
PER_SHAPE = 4


def shape_of(path: str) -> str:
    """A page's route: ids and numbers blanked out, the query's names kept."""
    parts = urlsplit(path)
    route = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "#", parts.path)
    names = sorted(re.findall(r"(?:^|&)([^=&]+)=", parts.query))
    return route + "?" + "&".join(names)


def typed_texts() -> set[str]:
    """What the demo's people typed (free text): shown as typed, not checked."""
    texts: set[str] = set()
    for script in scenario():
        for step in script.steps:
            rules = ENTRY_FIELDS.get(_event_of(step.command), {})
            for name, value in step.fields.items():
                rule = rules.get(name)
                if rule is not None and rule.codes is None:
                    values = value if isinstance(value, list) else [value]
                    texts |= {v for v in values if isinstance(v, str) and v}
            texts.add(step.actor[0])
    return texts


def _event_of(command: str) -> str:
    declared = every_command().get(command)
    return declared.declaration.records.__name__ if declared else ""


def visible_text(page: str) -> str:
    """The words a person reads: text, titles and labels, not style or hidden
    fields."""
    page = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", page)
    shown = re.findall(r'(?i)\b(?:title|aria-label|placeholder|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *shown]))


def links_in(page: str, url: str) -> Iterator[str]:
    for href in re.findall(r'href="([^"#]+)', page):
        target = urljoin(url, html.unescape(href))
        parts = urlsplit(target)
        if parts.path.startswith("/") and not parts.path.startswith(NOT_PAGES):
            yield parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def crawl(
    base_url: str, context: ApiContext, clock: ControlledClock, logins: PageLogins
) -> Iterator[Callable[[str], dict[str, str]]]:
    clients: list[httpx.Client] = []
    record_scenario(context.service, clock, clock.now())
    case = str(demo_case_id())

    def as_(who: str) -> dict[str, str]:
        """Every page ``who`` reaches: path -> its HTML."""
        user_id, role, regions = CRAWLERS[who]
        token = context.users.issue_token(user_id, role, regions, "sq")
        client = logins.client(base_url, token)
        client.follow_redirects = True
        clients.append(client)
        queue = ["/", *(p.format(case=case) for p in MORE_PAGES)]
        pages: dict[str, str] = {}
        shapes: dict[str, int] = {}
        while queue and len(pages) < MAX_PAGES:
            path = queue.pop(0)
            if path in pages or shapes.get(shape_of(path), 0) >= PER_SHAPE:
                continue
            shapes[shape_of(path)] = shapes.get(shape_of(path), 0) + 1
            response = client.get(path)
            assert response.headers["content-type"].startswith("text/html"), path
            pages[path] = response.text
            queue += list(links_in(response.text, str(response.url)))
        assert len(pages) < MAX_PAGES, "the crawl did not end: raise MAX_PAGES"
        return pages

    yield as_
    for client in clients:
        client.close()


@pytest.mark.parametrize("who", sorted(CRAWLERS))
def test_no_code_rule_id_or_field_name_appears_on_an_albanian_page(
    who: str, crawl: Callable[[str], dict[str, str]], context: ApiContext
) -> None:
    pages = crawl(who)
    assert len(pages) >= 3
    codes = known_codes(context.rulebook)
    typed = typed_texts()
    found = {
        path: sorted(codes_in(visible_text(page), codes, typed))
        for path, page in pages.items()
    }
    assert {path: words for path, words in found.items() if words} == {}
    for path, page in pages.items():
        assert '<html lang="sq">' in page, path


def test_the_check_finds_a_code_when_one_is_shown() -> None:
    codes = {"police-notified", "shelter_accommodation", "breached"}
    page = (
        "<style>.s-breached{}</style><p title='x'>Rregulli police-notified</p>"
        '<span title="shelter_accommodation">Strehim</span>'
        '<input type="hidden" name="next" value="/x?breached">'
    )
    assert codes_in(visible_text(page), codes, set()) == {
        "police-notified",
        "shelter_accommodation",
    }
    assert codes_in("mu-vlora-1 ka shkruar: breached", codes, {"breached"}) == set()
