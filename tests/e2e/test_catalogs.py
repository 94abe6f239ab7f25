"""Every text of the pages reads in Albanian, and no translation breaks a page."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from services.api.catalog import catalogue_labels, extracted
from services.api.i18n import LOCALES, catalog_path, pick_language
from services.api.wording import LINES, Wording

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(language: str) -> dict[str, str]:
    with catalog_path(language).open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id}


def test_every_text_of_the_pages_has_an_albanian_translation() -> None:
    albanian = _catalog("sq")
    needed = dict((*extracted(), *catalogue_labels()))
    missing = {t: w for t, w in needed.items() if not albanian.get(t)}
    assert not missing, (
        "texts without an Albanian translation (add them to "
        f"services/api/locales/sq/LC_MESSAGES/messages.po): {missing}"
    )
    assert set(_catalog("en")) >= set(needed)


def test_the_catalog_template_lists_every_text_to_translate() -> None:
    # Translators start from messages.pot (pybabel update merges it into
    # each language): a text missing there is never offered to them.
    with (LOCALES / "messages.pot").open("rb") as pot:
        listed = {str(m.id) for m in read_po(pot) if m.id}
    needed = {text for text, _where in (*extracted(), *catalogue_labels())}
    assert needed == listed, (
        "services/api/locales/messages.pot is out of step: run "
        "python -m services.api.catalog"
    )


def test_each_translation_keeps_the_placeholders_of_its_text() -> None:
    for text, translation in _catalog("sq").items():
        if translation:
            assert set(PLACEHOLDER.findall(text)) == set(
                PLACEHOLDER.findall(translation)
            ), text


def test_every_event_type_has_a_timeline_line_in_both_languages() -> None:
    from domain.events import EVENT_TYPES  # noqa: PLC0415

    assert set(EVENT_TYPES) <= set(LINES)
    line = Wording.of("sq", None).line(
        "Referred",
        {
            "service": "legal_assistance",
            "agency": "Legal Clinic",
            "consent_override_reason": "",
        },
    )
    assert line == "U referua për Asistencë ligjore pranë Legal Clinic"
    # An event of a shape the line does not know yet is named, not a crash.
    assert Wording.of("en", None).line("Referred", {}) == "Referred"


def test_the_log_in_page_speaks_the_browsers_language_albanian_by_default() -> None:
    assert pick_language("en-GB,en;q=0.9") == "en"
    assert pick_language("sq-AL,sq;q=0.9,en;q=0.8") == "sq"
    assert pick_language("de-DE") == "sq"
    assert pick_language("") == "sq"
