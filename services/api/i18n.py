"""Albanian and English for the pages: gettext catalogs, dates in Europe/Tirane.

The catalogs are the ``.po`` files under ``locales/``; they are compiled
(Babel) when first used, so no compiled ``.mo`` file is kept in the
repository. The compiled catalog is kept beside its ``.po`` file in
``__pycache__/``, named by a hash of the ``.po`` file's bytes, as Python keeps
bytecode: a command started again (``vatra stats``) reads it instead of
compiling again, and an edited ``.po`` file is never read stale. Where that
folder cannot be written, the catalog is compiled in memory each time.

Each language has its own Jinja2 environment, so two requests in two
languages never share installed translations.

To add a text: write it in English in a template (``{{ _("...") }}``) or in
Python (``_("...")`` with a ``Translator``), then add it with its Albanian to
``locales/sq/LC_MESSAGES/messages.po``; a test fails until every text has one.
"""

from __future__ import annotations

import functools
import hashlib
import os
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_percent
from babel.support import Translations

from domain.clock import TIRANE

if TYPE_CHECKING:
    # Only the pages need Jinja2 and Starlette: ``vatra stats`` words its
    # tables with this module and should not load them.
    from jinja2 import Environment
    from starlette.requests import Request

HERE = Path(__file__).resolve().parent
LOCALES = HERE / "locales"
TEMPLATES = HERE / "templates"
LANGUAGES = ("sq", "en")
DEFAULT_LANGUAGE = "sq"
# The language chosen with the switch before logging in (after, the user's own).
LANGUAGE_COOKIE = "vatra_language"


class Translator(Protocol):
    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


@functools.cache
def translations(language: str) -> Translations:
    """The compiled catalog of ``language`` (English: the texts as written)."""
    source = catalog_path(language).read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    kept = catalog_path(language).parent / "__pycache__" / f"messages-{digest}.mo"
    try:
        compiled = kept.read_bytes()
    except OSError:
        compiled = compile_catalog(source, language)
        _keep(kept, compiled)
    return Translations(BytesIO(compiled))


def compile_catalog(source: bytes, language: str) -> bytes:
    """The ``.mo`` form of a ``.po`` file's bytes."""
    # Imported here: a compiled catalog kept from an earlier run needs neither.
    from babel.messages.mofile import write_mo  # noqa: PLC0415
    from babel.messages.pofile import read_po  # noqa: PLC0415

    compiled = BytesIO()
    write_mo(compiled, read_po(BytesIO(source), locale=language))
    return compiled.getvalue()


def _keep(path: Path, compiled: bytes) -> None:
    """Keep a compiled catalog for the next run, if the folder can be written
    (written whole under another name, then renamed: never read half-done),
    in place of the one of an earlier ``.po`` file."""
    try:
        path.parent.mkdir(exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(compiled)
        os.replace(partial, path)
        for older in path.parent.glob("messages-*.mo"):
            if older != path:
                older.unlink(missing_ok=True)
    except OSError:
        return


def pick_language(accept_language: str) -> str:
    """The first offered language the browser asks for, else Albanian."""
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag[:2] in LANGUAGES:
            return tag[:2]
    return DEFAULT_LANGUAGE


def visitor_language(request: Request) -> str:
    """The language of someone not logged in: the one they chose with the
    switch, else the first one their browser asks for, else Albanian."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return pick_language(request.headers.get("accept-language", ""))


class Formats:
    """Times, durations and rates as people of one language read them."""

    def __init__(self, language: str) -> None:
        self.locale = language

    def when(self, moment: datetime | str | None) -> str:
        """A time in Europe/Tirane (stored in UTC); ISO 8601 text is read first."""
        if moment is None:
            return "-"
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return format_datetime(
            moment, "d MMM y, HH:mm", tzinfo=TIRANE, locale=self.locale
        )

    def duration(self, delta: timedelta | None) -> str:
        if delta is None:
            return "-"
        return format_timedelta(abs(delta), threshold=2, locale=self.locale)

    def percent(self, rate: float | None) -> str:
        return "-" if rate is None else format_percent(rate, locale=self.locale)


class Pages:
    """Renders templates in each language."""

    def __init__(self) -> None:
        self.environments = {
            language: self._environment(language) for language in LANGUAGES
        }

    @staticmethod
    def _environment(language: str) -> Environment:
        from jinja2 import (  # noqa: PLC0415
            Environment,
            FileSystemLoader,
            select_autoescape,
        )

        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
        formats = Formats(language)
        env.filters["when"] = formats.when
        env.filters["duration"] = formats.duration
        env.filters["percent"] = formats.percent
        env.globals["language"] = language
        env.globals["as_is"] = str
        # A fresh idempotency key for each rendered form: sending the same form
        # twice (a double tap, a resend) records once.
        env.globals["new_key"] = lambda: uuid.uuid4().hex
        return env

    def render(self, language: str, template: str, context: Mapping[str, Any]) -> str:
        env = self.environments.get(language, self.environments[DEFAULT_LANGUAGE])
        return env.get_template(template).render(context)


def translator(language: str) -> Translator:
    return translations(language if language in LANGUAGES else DEFAULT_LANGUAGE)
