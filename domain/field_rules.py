"""The bounds of one field (``Rule``) and the ways to state them: a line, a
text, a code of a list, codes, a number, lines, a flag. ``domain.fields``
holds the rule of every field of every entry, built from these.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.errors import InvalidValue, UnknownCode

# Times before this are typing mistakes, and far-off years overflow on the way
# to UTC or to a deadline; the store keeps nothing outside this range.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

# Characters that break a line in some reader (an e-mail, a log, a page):
# refused in single-line fields, so nobody can add a line to an alert.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
# Control characters PostgreSQL text or a reader mishandles: refused everywhere.
CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\x7f"}
SINGLE_LINE_REFUSED = CONTROL | LINE_BREAKS | {"\t"}

# Phones in the field run a little fast or slow; a step "in the future" by less
# than this is taken as clock skew, not as a mistake.
CLOCK_SKEW = timedelta(minutes=5)

LINE_LENGTH = 100  # a name, a reference, a place
LISTED_CODES = 30  # an error lists the codes of a shorter list
TEXT_LENGTH = 500  # a reason, an outcome


@dataclass(frozen=True)
class Rule:
    """The bounds of one field: ``kind`` is ``str``, ``bool``, ``int`` or ``list``.

    A ``str`` field has a length (``min_length`` 1 means required), a code
    list or a pattern; a single-line one refuses line breaks and tabs. A code
    list's ``codelist`` names it, so the labels of its codes can be looked up
    in both languages (``services.api.code_lists``). An ``int`` field lies between
    ``minimum`` and ``maximum``. An ``optional`` field may also be left out:
    ``None`` for an ``int``, ``""`` for a code. A ``list`` field holds
    ``min_items`` to ``max_items`` items, each checked by ``item``.
    """

    label: str
    kind: type = str
    min_length: int = 0
    max_length: int = LINE_LENGTH
    multiline: bool = False
    codes: Collection[str] | None = None
    pattern: str | None = None
    item: Rule | None = None
    min_items: int = 0
    max_items: int = 0
    codelist: str = ""
    minimum: int | None = None
    maximum: int | None = None
    optional: bool = False

    def check(self, value: Any) -> Any:
        """Return ``value`` if it keeps to the rule; else raise a domain error
        whose ``kind`` says which bound it broke."""
        if value is None and self.optional and self.kind is int:
            return value
        if type(value) is not self.kind:
            raise InvalidValue(
                f"{self.label} takes a {self.kind.__name__}, "
                f"not a {type(value).__name__}",
                kind="wrong_type",
            )
        if isinstance(value, list):
            self._check_items(value)
        elif isinstance(value, str):
            self._check_text(value)
        elif isinstance(value, int):
            self._check_number(value)
        return value

    def _check_number(self, number: int) -> None:
        low = self.minimum if self.minimum is not None else -(2**31)
        high = self.maximum if self.maximum is not None else 2**31 - 1
        if not low <= number <= high:
            raise InvalidValue(
                f"{self.label} is a number from {low} to {high}",
                kind="number_range",
                params={"min": low, "max": high},
            )

    def _check_items(self, items: list[Any]) -> None:
        assert self.item is not None
        if not self.min_items <= len(items) <= self.max_items:
            raise InvalidValue(
                f"{self.label} takes {self.min_items} to {self.max_items} items, "
                f"not {len(items)}",
                kind="item_count",
                params={"min": self.min_items, "max": self.max_items},
            )
        for item in items:
            self.item.check(item)

    def _check_text(self, text: str) -> None:
        if self.codes is not None:
            if text == "" and self.optional:
                return
            if text not in self.codes:
                if len(self.codes) > LISTED_CODES:
                    raise UnknownCode(
                        f"unknown {self.label} {text!r}: not one of the "
                        f"{len(self.codes)} codes of its list"
                    )
                known = ", ".join(sorted(self.codes))
                raise UnknownCode(
                    f"unknown {self.label} {text!r}; known {self.label}s: {known}"
                )
            return
        if len(text) > self.max_length:
            raise InvalidValue(
                f"{self.label} is at most {self.max_length} characters long",
                kind="too_long",
                params={"max": self.max_length},
            )
        if self.min_length and not text.strip():
            raise InvalidValue(f"{self.label} is required", kind="required")
        refused = CONTROL if self.multiline else SINGLE_LINE_REFUSED
        if any(ch in refused for ch in text):
            what = "" if self.multiline else ", line breaks or tabs"
            raise InvalidValue(
                f"{self.label} must not contain control characters{what}",
                kind="control_characters" if self.multiline else "line_breaks",
            )
        if self.pattern is not None and not re.fullmatch(self.pattern, text):
            raise InvalidValue(
                f"{self.label} must match {self.pattern}", kind="pattern"
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValue(
                f"{self.label} must be valid Unicode text", kind="not_unicode"
            ) from None


def line(label: str, *, required: bool = True, max_length: int = LINE_LENGTH) -> Rule:
    """One line of text: a name, a reference, a place."""
    return Rule(label, min_length=1 if required else 0, max_length=max_length)


def text(label: str, *, required: bool = True) -> Rule:
    """Free text that may span lines: a reason, an outcome."""
    return Rule(
        label, min_length=1 if required else 0, max_length=TEXT_LENGTH, multiline=True
    )


def code(
    label: str, codes: Collection[str], codelist: str, *, optional: bool = False
) -> Rule:
    """One code of the catalogue list ``codelist`` (``optional``: or ``""``)."""
    return Rule(
        label,
        codes=frozenset(codes),
        max_length=max(map(len, codes)),
        codelist=codelist,
        optional=optional,
    )


def codes(
    label: str, catalogue: Collection[str], codelist: str, *, min_items: int = 0
) -> Rule:
    """Distinct-purpose codes of one catalogue list, at most one of each."""
    return Rule(
        label,
        kind=list,
        item=code(label, catalogue, codelist),
        min_items=min_items,
        max_items=len(catalogue),
        codelist=codelist,
    )


def number(label: str, minimum: int, maximum: int, *, optional: bool = False) -> Rule:
    """A whole number from ``minimum`` to ``maximum`` (``optional``: or ``None``)."""
    return Rule(label, kind=int, minimum=minimum, maximum=maximum, optional=optional)


def lines(label: str, *, max_items: int) -> Rule:
    return Rule(label, kind=list, item=line(label), max_items=max_items)


def flag(label: str) -> Rule:
    return Rule(label, kind=bool)
