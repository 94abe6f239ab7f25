"""Request field types made from the rules of ``domain.fields``.

``Annotated[str, bounded("Identified", "municipality")]`` validates a body
field with the very rule the ``Case`` aggregate checks, and documents its
bounds (``minLength``, ``maxLength``, ``pattern``, ``enum``, ``maxItems``) in
the OpenAPI document; a broken rule is a 422 naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from domain.errors import DomainError
from domain.fields import ENTRY_FIELDS, Rule


@dataclass(frozen=True)
class Bounded:
    """Pydantic metadata: validate and document a field by its domain rule."""

    rule: Rule

    def __get_pydantic_core_schema__(
        self, _source: Any, _handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return _schema(self.rule)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if self.rule.codes is not None:
            blank = [""] if self.rule.optional else []
            json_schema["enum"] = blank + sorted(self.rule.codes)
        item = self.rule.item
        if item is not None and item.codes is not None:
            json_schema.setdefault("items", {})["enum"] = sorted(item.codes)
        return json_schema


def bounded(entry_type: str, field: str) -> Bounded:
    """The metadata for ``field`` of entries of ``entry_type``."""
    return Bounded(ENTRY_FIELDS[entry_type][field])


def _schema(rule: Rule) -> CoreSchema:
    if rule.kind is bool:
        inner: CoreSchema = core_schema.bool_schema()
    elif rule.kind is int:
        inner = core_schema.int_schema(ge=rule.minimum, le=rule.maximum, strict=True)
        if rule.optional:
            inner = core_schema.nullable_schema(inner)
    elif rule.kind is list:
        assert rule.item is not None
        inner = core_schema.list_schema(
            _schema(rule.item),
            min_length=rule.min_items or None,
            max_length=rule.max_items,
        )
    else:
        inner = core_schema.str_schema(
            min_length=rule.min_length or None,
            max_length=rule.max_length,
            pattern=None if rule.pattern is None else f"^(?:{rule.pattern})$",
        )
    return core_schema.no_info_after_validator_function(_checker(rule), inner)


def _checker(rule: Rule) -> Any:
    def check(value: Any) -> Any:
        try:
            return rule.check(value)
        except DomainError as error:
            # "municipality must not ..." reads "municipality: must not ..."
            # once the 422 names the field.
            raise ValueError(error.message.removeprefix(f"{rule.label} ")) from None

    return check
