"""Where in a rule file a problem is, and how to report it: the file, the
rule and the field, in one ``RuleFileError`` message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

from domain.sop.errors import RuleFileError


class Where:
    """Where in a file a problem is, and how to report it."""

    def __init__(
        self, source: str, path: tuple[str, ...] = (), *, names: bool = True
    ) -> None:
        self.source = source
        self.path = path
        # Whether event types and attributes are checked against the events.
        self.names = names

    def rule(self, label: str) -> Where:
        return Where(self.source, (f"rule {label}",), names=self.names)

    def at(self, part: str) -> Where:
        return Where(self.source, (*self.path, part), names=self.names)

    def fail(self, problem: str) -> NoReturn:
        location = ": ".join((self.source, *self.path))
        raise RuleFileError(f"{location}: {problem}")

    def text(
        self, table: Mapping[str, object], key: str, *, required: bool = True
    ) -> str:
        value = table.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value):
            self.fail(f"{key!r} must be non-empty text, not {value!r}")
        return value

    def whole_number(self, table: Mapping[str, object], key: str) -> int:
        value = table.get(key)
        # bool is an int in Python; `count = true` is still a mistake.
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(f"{key!r} must be a whole number, not {value!r}")
        return value

    def fraction(self, table: Mapping[str, object], key: str) -> float | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.fail(f"{key!r} must be a number between 0 and 1, not {value!r}")
        return float(value)

    def texts(self, table: Mapping[str, object], key: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"{key!r} must be a list of text, not {value!r}")
        return value

    def no_unknown_keys(
        self, table: Mapping[str, object], known: set[str], context: str = ""
    ) -> None:
        unknown = sorted(set(table) - known)
        if unknown:
            suffix = f" for {context}" if context else ""
            self.fail(
                f"unknown field(s) {', '.join(map(repr, unknown))}{suffix} "
                f"(expected {', '.join(sorted(known))})"
            )
