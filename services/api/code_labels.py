"""The label of every code a form offers, found from the field's rule.

A field whose rule has a code list (or whose items have one) shows each code
by its label in a catalogue: the labels of ``domain.catalogue`` (regions,
services, authorities, agencies and any list added there) and those the
pages keep (``services.api.wording.CODE_LABELS``). The catalogue is the one
whose codes include every code of the rule, the smallest if several do, so a
new code list gets its labels from wherever they are declared. Fields that
hold a catalogue's codes without a code list in their rule (a referral's
agency) are named in ``BY_FIELD``.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain import catalogue
from domain.fields import Rule
from services.api.wording import CODE_LABELS

# Every code -> label mapping of the domain's catalogue, then the pages' own.
CATALOGUES: tuple[Mapping[str, str], ...] = (
    *(
        value
        for name, value in vars(catalogue).items()
        if name.isupper()
        and isinstance(value, Mapping)
        and all(isinstance(label, str) for label in value.values())
        and name != "ROLES"
    ),
    *CODE_LABELS.values(),
)
# Catalogues of place names: the same in every language.
PLACE_NAMES: tuple[Mapping[str, str], ...] = (catalogue.REGIONS,)
# Fields that hold codes of a catalogue though their rule is a line of text.
BY_FIELD: Mapping[str, Mapping[str, str]] = {"agency": catalogue.AGENCIES}


def coded(rule: Rule | None) -> Rule | None:
    """The rule of the codes a field holds: its own, or its items'."""
    if rule is not None and rule.item is not None:
        return rule.item
    return rule


def labels_for(field: str, rule: Rule | None) -> Mapping[str, str] | None:
    """Code -> English label for the codes ``field`` takes; None when the
    field takes no codes, or no catalogue labels them all."""
    codes = coded(rule)
    if codes is not None and codes.codes is not None:
        fitting = [c for c in CATALOGUES if set(codes.codes) <= c.keys()]
        return min(fitting, key=len) if fitting else None
    return BY_FIELD.get(field)


def is_place_name(labels: Mapping[str, str]) -> bool:
    """Whether these labels are place names, read the same in every language."""
    return any(labels is places for places in PLACE_NAMES)
