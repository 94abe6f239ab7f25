"""The person record: who the person behind a case is, and the bounds of
each of its fields.

Names and aliases, date or year of birth, sex, nationality and languages,
phone and address, a guardian for a minor, an identity document. The record
lives only in the per-person encrypted store, never in an event; the page
form and the API body are both checked against ``PERSON_RECORD`` here, so
the two take exactly the same values.

``name_tokens`` is how a name is matched without reading it: lower case,
diacritics folded ("Ëngjëllushe Çela" -> ``engjellushe``, ``cela``), so
that the blind index can hash each token.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from domain.catalogue import COUNTRIES, SEXES
from domain.errors import DomainError, InconsistentFields, InvalidValue
from domain.fields import LATEST, Rule, code, codes, line, number
from domain.identification import EARLIEST_BIRTH_YEAR

# The languages a person may speak, as ISO 639-1 codes (``rom``: Romani,
# which has no two-letter code): those met in the field in Albania first.
LANGUAGES = (
    "sq",
    "en",
    "it",
    "el",
    "de",
    "fr",
    "es",
    "mk",
    "sr",
    "tr",
    "rom",
    "ro",
    "bg",
    "ru",
    "uk",
    "ar",
    "fa",
    "ur",
    "bn",
    "zh",
)
DOCUMENT_TYPES = (
    "identity_card",
    "passport",
    "birth_certificate",
    "residence_permit",
    "other",
)
GUARDIAN_RELATIONS = (
    "mother",
    "father",
    "relative",
    "legal_guardian",
    "social_services",
    "other",
)

# A phone number as people write it: digits, one leading +, spaces, dashes,
# brackets; at most 30 characters.
PHONE = Rule(
    "phone", max_length=30, pattern=r"(\+?[0-9][0-9 ()-]{3,28})?", optional=True
)
DOCUMENT_NUMBER = Rule(
    "document_number", max_length=30, pattern=r"([A-Za-z0-9][A-Za-z0-9 /-]{0,29})?"
)
BIRTH_DATE = Rule("birth_date", max_length=10, pattern=r"(\d{4}-\d{2}-\d{2})?")
ADDRESS_LENGTH = 200
MAX_ALIASES = 10

PERSON_RECORD: Mapping[str, Rule] = {
    "given_names": line("given_names"),
    "family_name": line("family_name", required=False),
    "aliases": Rule("aliases", kind=list, item=line("alias"), max_items=MAX_ALIASES),
    "birth_date": BIRTH_DATE,
    "birth_year": number("birth_year", EARLIEST_BIRTH_YEAR, LATEST.year, optional=True),
    "sex": code("sex", SEXES, "sex", optional=True),
    "nationality": code("nationality", COUNTRIES, "country", optional=True),
    "languages": codes("language", LANGUAGES, "language"),
    "phone": PHONE,
    "address": line("address", required=False, max_length=ADDRESS_LENGTH),
    "guardian_name": line("guardian_name", required=False),
    "guardian_relation": code(
        "guardian_relation", GUARDIAN_RELATIONS, "guardian_relation", optional=True
    ),
    "guardian_phone": PHONE,
    "document_type": code(
        "document_type", DOCUMENT_TYPES, "document_type", optional=True
    ),
    "document_number": DOCUMENT_NUMBER,
}
# The fields whose value is a whole number, or a list; the rest are text.
NUMBER_FIELDS = frozenset({"birth_year"})
LIST_FIELDS = frozenset({"aliases", "languages"})
# Groups of fields, for the minimum each reader sees.
IDENTITY = ("given_names", "family_name", "aliases", "birth_date", "birth_year")
ABOUT = ("sex", "nationality", "languages")
CONTACT = ("phone", "address")
GUARDIAN = ("guardian_name", "guardian_relation", "guardian_phone")
DOCUMENT = ("document_type", "document_number")


def empty_record() -> dict[str, Any]:
    """A record with nothing given."""
    return {
        name: [] if name in LIST_FIELDS else None if name in NUMBER_FIELDS else ""
        for name in PERSON_RECORD
    }


def check_record(values: Mapping[str, Any]) -> dict[str, Any]:
    """The record ``values`` make, every field checked against its rule and
    the fields against each other; a domain error names the field at fault."""
    unknown = set(values) - set(PERSON_RECORD)
    if unknown:
        raise InvalidValue(f"not fields of a person record: {sorted(unknown)}")
    record = {**empty_record(), **values}
    for name, rule in PERSON_RECORD.items():
        try:
            rule.check(record[name])
        except DomainError as error:
            raise error.about(name) from None
    _check_birth(record)
    if record["document_number"] and not record["document_type"]:
        raise InconsistentFields(
            "a document number needs its document type",
            fields=("document_type", "document_number"),
            kind="document_without_type",
        )
    return record


def _check_birth(record: Mapping[str, Any]) -> None:
    birth_date = str(record["birth_date"])
    if not birth_date:
        return
    try:
        born = date.fromisoformat(birth_date)
    except ValueError:
        raise InvalidValue(
            "birth_date is not a date (YYYY-MM-DD)", kind="not_a_date"
        ).about("birth_date") from None
    if not EARLIEST_BIRTH_YEAR <= born.year <= LATEST.year:
        raise InvalidValue("birth_date is out of range", kind="not_a_date").about(
            "birth_date"
        )
    year = record["birth_year"]
    if year is not None and year != born.year:
        raise InconsistentFields(
            "the year of birth differs from the date of birth",
            fields=("birth_year", "birth_date"),
            kind="birth_year_differs",
        )


def year_of_birth(record: Mapping[str, Any]) -> int | None:
    """The year of birth the record gives, from the date if need be."""
    if record.get("birth_year") is not None:
        return int(record["birth_year"])
    birth_date = str(record.get("birth_date") or "")
    return int(birth_date[:4]) if birth_date else None


def fold_name(text: str) -> str:
    """A name as matched: lower case, diacritics folded (ë -> e, ç -> c)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.casefold()


def name_tokens(text: str) -> list[str]:
    """The tokens of a name: its folded words, in order, each once."""
    found: list[str] = []
    for token in re.split(r"[^0-9a-z]+", fold_name(text)):
        if token and token not in found:
            found.append(token)
    return found


def record_tokens(record: Mapping[str, Any]) -> list[str]:
    """Every name token of a record: its names and aliases."""
    names = [record.get("given_names", ""), record.get("family_name", "")]
    names += list(record.get("aliases") or ())
    found: list[str] = []
    for name in names:
        for token in name_tokens(str(name)):
            if token not in found:
                found.append(token)
    return found
