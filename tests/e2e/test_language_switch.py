"""The language switch in every page's header: kept per user once logged in,
in a cookie before; sent from this site only; back to the page it was on."""

from __future__ import annotations

import re

import httpx

from services.api.context import ApiContext
from tests.e2e.helpers import PageLogins

SWITCH = re.compile(r'<form method="post" action="/language" class="lang"')


def test_before_log_in_the_switch_sets_a_cookie_and_the_log_in_page_follows_it(
    base_url: str,
) -> None:
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    with httpx.Client(base_url=base_url, headers=english) as browser:
        page = browser.get("/login", params={"next": "/dashboard"})
        assert '<html lang="en">' in page.text
        assert SWITCH.search(page.text)
        assert 'name="next" value="/login?next=%2Fdashboard"' in page.text
        switched = browser.post(
            "/language", data={"language": "sq", "next": "/login?next=%2Fdashboard"}
        )
        assert switched.status_code == 303
        assert switched.headers["location"] == "/login?next=%2Fdashboard"
        cookie = switched.headers["set-cookie"]
        assert "vatra_language=sq" in cookie
        assert "HttpOnly" in cookie
        again = browser.get(switched.headers["location"])
        assert '<html lang="sq">' in again.text
        assert "Hyr" in again.text


def test_a_logged_in_users_choice_is_kept_with_the_user_on_every_device(
    base_url: str, tokens: dict[str, str], context: ApiContext, logins: PageLogins
) -> None:
    token = tokens["vlora_lawyer"]  # an English-speaking user
    with httpx.Client(base_url=base_url) as phone:
        logins.log_in(phone, "vlora_lawyer")
        first = phone.get("/").text
        assert '<html lang="en">' in first
        switched = phone.post(
            "/language", data={"language": "sq", "next": "/", "csrf": _csrf(first)}
        )
        assert (switched.status_code, switched.headers["location"]) == (303, "/")
        home = phone.get("/").text
        assert '<html lang="sq">' in home
        assert 'aria-current="true">Shqip' in home
    principal = context.users.authenticate(token)
    assert principal is not None
    assert principal.language == "sq"
    with httpx.Client(base_url=base_url) as laptop:
        logins.log_in(laptop, "vlora_lawyer")
        there = laptop.get("/").text
        assert '<html lang="sq">' in there
        laptop.post(
            "/language", data={"language": "en", "next": "/", "csrf": _csrf(there)}
        )
        assert '<html lang="en">' in laptop.get("/").text


def test_the_switch_is_refused_from_another_site_and_for_a_language_not_offered(
    base_url: str, tokens: dict[str, str], context: ApiContext, logins: PageLogins
) -> None:
    with httpx.Client(base_url=base_url) as browser:
        logins.log_in(browser, "vlora_worker")
        csrf = _csrf(browser.get("/").text)
        forged = browser.post(
            "/language",
            data={"language": "en", "next": "/", "csrf": csrf},
            headers={"Origin": "https://evil.example"},
        )
        assert forged.status_code == 403
        tokenless = browser.post("/language", data={"language": "en", "next": "/"})
        assert tokenless.status_code == 403
        unknown = browser.post(
            "/language", data={"language": "de", "next": "/", "csrf": csrf}
        )
        assert unknown.status_code == 422
        assert '<html lang="sq">' in unknown.text
        elsewhere = browser.post(
            "/language",
            data={"language": "sq", "next": "https://evil.example/", "csrf": csrf},
        )
        assert elsewhere.headers["location"] == "/"
    principal = context.users.authenticate(tokens["vlora_worker"])
    assert principal is not None
    assert principal.language == "sq"


def test_every_page_carries_the_switch_with_labelled_buttons(
    base_url: str, logins: PageLogins
) -> None:
    with httpx.Client(base_url=base_url) as browser:
        pages = [browser.get("/login").text]
        logins.log_in(browser, "coordinator")
        pages += [browser.get(path).text for path in ("/", "/dashboard", "/nowhere")]
    for page in pages:
        assert SWITCH.search(page)
        assert re.search(r'aria-label="(Language|Gjuha)"', page)
        assert 'value="sq" lang="sq"' in page
        assert 'value="en" lang="en"' in page


def _csrf(page: str) -> str:
    """The session's form token, as a page carries it."""
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page carries no form token"
    return found[1]
