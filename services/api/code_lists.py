"""The label of every code of a code list, in Albanian and in English: what
pages and forms show.

Every code-list ``Rule`` of ``domain.fields`` names its list (``codelist``);
``labels(codelist, language)`` gives each of its codes a label in that
language, so a form shows ``Sarandë``, ``Shqipëri`` or ``Lypje e detyruar``
and never a code. The labels come from where each list is kept:

- places (``region``, ``municipality``): their Albanian names, the same in
  both languages (``deploy/catalogues/municipalities.toml``);
- ``country``: ISO 3166-1 names from ``pycountry`` and its Albanian catalog
  (``iso3166-1``), with Kosovo (``XK``) added;
- ``indicator``, ``exploitation``: both languages in their catalogue files;
- the rest (``service``, ``authority``, ``sex``, ``case_type``, ``source``...):
  English in ``domain.catalogue`` or ``services.api.wording.CODE_LABELS``,
  Albanian in the pages' ``.po`` catalog.

Labels are never stored in events: an event keeps the code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

from domain.catalogue import AUTHORITIES, MUNICIPALITIES, REGIONS, SERVICES
from domain.catalogue_files import EXPLOITATION_FORMS, INDICATORS, TERRITORY
from domain.fields import ENTRY_FIELDS, PERSON_FIELDS, Rule
from services.api.countries import country_names
from services.api.i18n import LANGUAGES, translator
from services.api.wording import CODE_LABELS


def _translated(english: Mapping[str, str]) -> Callable[[str], dict[str, str]]:
    def labels(language: str) -> dict[str, str]:
        t = translator(language)
        return {code: t.gettext(text) for code, text in english.items()}

    return labels


def _same_in_every_language(
    names: Mapping[str, str],
) -> Callable[[str], dict[str, str]]:
    return lambda _language: dict(names)


def _data(
    catalogue: Mapping[str, tuple[str, str]],
) -> Callable[[str], dict[str, str]]:
    def labels(language: str) -> dict[str, str]:
        index = 0 if language == "en" else 1
        return {code: label[index] for code, label in catalogue.items()}

    return labels


SOURCES: Mapping[str, Callable[[str], dict[str, str]]] = {
    "region": _same_in_every_language(REGIONS),
    "municipality": _same_in_every_language(MUNICIPALITIES),
    "country": lambda language: dict(country_names(language)),
    "indicator": _data(INDICATORS.labels),
    "exploitation": _data(EXPLOITATION_FORMS.labels),
    "service": _translated(SERVICES),
    "authority": _translated(AUTHORITIES),
    **{kind: _translated(english) for kind, english in CODE_LABELS.items()},
}


@cache
def labels(kind: str, language: str) -> Mapping[str, str]:
    """Code -> label of the code list ``kind`` in ``language`` (``sq``, ``en``),
    in the order a form lists them (countries by name)."""
    if kind not in SOURCES:
        raise LookupError(f"no labels for the code list {kind!r}")
    return SOURCES[kind](language if language in LANGUAGES else "sq")


def label(kind: str, code: object, language: str) -> str:
    """The label of one code; a value that is no code (text recorded before
    the field was a code list) as it was written."""
    if kind not in SOURCES:
        return str(code)
    return labels(kind, language).get(str(code), str(code))


def choices(rule: Rule, language: str) -> list[tuple[str, str]]:
    """(code, label) for every code a field's rule allows, in form order;
    an optional code field starts with ``""``, labelled as not known."""
    listed = rule.item if rule.item is not None else rule
    assert listed.codes is not None, f"{rule.label} is not a code list"
    found = [
        (code, text)
        for code, text in labels(listed.codelist, language).items()
        if code in listed.codes
    ]
    if rule.optional:
        found.insert(0, ("", translator(language).gettext("not known")))
    return found


def municipality_regions() -> dict[str, str]:
    """Municipality code -> the region (county) code it belongs to."""
    return {code: m.county for code, m in TERRITORY.municipalities.items()}


def municipality_counties() -> dict[str, str]:
    """Municipality code -> the name of its county (a place name, the same
    in every language)."""
    return {
        code: TERRITORY.counties[m.county]
        for code, m in TERRITORY.municipalities.items()
    }


def indicator_groups(language: str) -> dict[str, list[str]]:
    """Group label -> the indicator codes of that group, in catalogue order."""
    index = 0 if language == "en" else 1
    grouped: dict[str, list[str]] = {}
    for code, group in INDICATORS.group_of.items():
        grouped.setdefault(INDICATORS.groups[group][index], []).append(code)
    return grouped


def code_lists() -> dict[str, frozenset[str]]:
    """Every code list a person fills in, by name, with its codes."""
    found: dict[str, frozenset[str]] = {}
    for rules in (*ENTRY_FIELDS.values(), PERSON_FIELDS):
        for rule in rules.values():
            listed = rule.item if rule.item is not None else rule
            if listed.codes is not None:
                found[listed.codelist] = found.get(
                    listed.codelist, frozenset()
                ) | frozenset(listed.codes)
    return found
