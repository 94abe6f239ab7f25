"""The words of the person-record pages: the label and help of each field,
the labels of its code lists, and the errors of its own rules. English here,
Albanian in the pages' catalog.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.api.labels import N_

# Field -> (label, help).
FIELDS: Mapping[str, tuple[str, str]] = {
    "given_names": (N_("Given names"), ""),
    "family_name": (N_("Family name"), ""),
    "aliases": (
        N_("Other names or aliases"),
        N_("One per line: names the person is also known by."),
    ),
    "birth_date": (
        N_("Date of birth"),
        N_("As 2008-04-30. Leave empty if only the year is known."),
    ),
    "birth_year": (N_("Year of birth"), N_("An estimate if not known exactly.")),
    "sex": (N_("Sex"), ""),
    "nationality": (N_("Nationality"), ""),
    "languages": (N_("Languages spoken"), ""),
    "phone": (N_("Phone"), N_("Digits, spaces and dashes, as +355 69 123 4567.")),
    "address": (N_("Address"), ""),
    "guardian_name": (N_("Guardian's name"), N_("For a minor.")),
    "guardian_relation": (N_("Guardian's relation to the person"), ""),
    "guardian_phone": (N_("Guardian's phone"), ""),
    "document_type": (N_("Identity document"), ""),
    "document_number": (N_("Document number"), ""),
}

# Code list -> code -> label.
CODES: Mapping[str, Mapping[str, str]] = {
    "language": {
        "sq": N_("Albanian"),
        "en": N_("English"),
        "it": N_("Italian"),
        "el": N_("Greek"),
        "de": N_("German"),
        "fr": N_("French"),
        "es": N_("Spanish"),
        "mk": N_("Macedonian"),
        "sr": N_("Serbian"),
        "tr": N_("Turkish"),
        "rom": N_("Romani"),
        "ro": N_("Romanian"),
        "bg": N_("Bulgarian"),
        "ru": N_("Russian"),
        "uk": N_("Ukrainian"),
        "ar": N_("Arabic"),
        "fa": N_("Persian"),
        "ur": N_("Urdu"),
        "bn": N_("Bengali"),
        "zh": N_("Chinese"),
    },
    "document_type": {
        "identity_card": N_("identity card"),
        "passport": N_("passport"),
        "birth_certificate": N_("birth certificate"),
        "residence_permit": N_("residence permit"),
        "other": N_("another document"),
    },
    "guardian_relation": {
        "mother": N_("mother"),
        "father": N_("father"),
        "relative": N_("another relative"),
        "legal_guardian": N_("legal guardian"),
        "social_services": N_("social services"),
        "other": N_("someone else"),
    },
}

# The errors of the record's own rules, by kind.
ERRORS: Mapping[str, str] = {
    "not_a_date": N_("Give the date as 2008-04-30."),
    "birth_year_differs": N_("The year of birth is not that of the date of birth."),
    "document_without_type": N_("Choose the type of the document."),
    "reason_required": N_("Choose the reason for reading the person record."),
}
