"""Country names in Albanian and English, for nationality and return.

The names are ISO 3166-1's, from ``pycountry`` (English: the common name where
there is one, "South Korea"; Albanian: its ``iso3166-1`` gettext catalog),
with Kosovo (``XK``), which ISO 3166-1 does not list, added.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from functools import cache

import pycountry

from domain.catalogue_files import fold

# Countries ISO 3166-1 does not name, with their labels.
EXTRA_COUNTRIES: Mapping[str, Mapping[str, str]] = {
    "XK": {"en": "Kosovo", "sq": "Kosovë"},
}


@cache
def country_names(language: str) -> Mapping[str, str]:
    """Alpha-2 code -> the country's name in ``language``, sorted by name."""
    albanian = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=["sq"], fallback=True
    )
    found: dict[str, str] = {}
    for country in pycountry.countries:
        if language == "sq":
            found[country.alpha_2] = albanian.gettext(country.name)
        else:
            found[country.alpha_2] = getattr(country, "common_name", country.name)
    for code, names in EXTRA_COUNTRIES.items():
        found[code] = names["sq" if language == "sq" else "en"]
    return dict(sorted(found.items(), key=lambda item: fold(item[1])))
