"""Request and response bodies of the HTTP API, one request model per command.

The command bodies are built from the command table (``domain.commands``):
a body's fields are the command's, so a body maps straight onto its command
object. Every field a person types is validated by its rule in
``domain.fields`` (``services.api.bounds``), the very rule the aggregate checks
and that a correction of the field must pass: its length, code list, number of
items, and whether it may span lines. So the OpenAPI document lists the bounds
and the allowed values, and a wrong one is a 422 that names the field. Times
are ISO 8601 text with an offset, never a bare number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, TypeVar, get_type_hints
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
)

from domain.commands import COMMANDS, OPENING_COMMANDS, Command, FieldValue
from domain.fields import EARLIEST, ENTRY_FIELDS, LATEST, TEXT_LENGTH, Rule
from domain.typed_text import TYPED_TEXT
from services.api.bounds import Bounded, bounded


def _iso_text(value: Any) -> Any:
    # JSON has no time type: a time comes as text, and a number (Unix seconds)
    # is refused rather than guessed.
    if not isinstance(value, str | datetime):
        raise ValueError("must be a date and time as ISO 8601 text with an offset")
    return value


def _plausible(moment: datetime) -> datetime:
    if not EARLIEST <= moment <= LATEST:
        raise ValueError("must be between 1990 and 2200")
    return moment


Moment = Annotated[
    AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_plausible)
]
# The shape of a corrected value, as long as the longest field's: the rule of
# the field it corrects is checked by the case.
_ITEMS = [rule for f in ENTRY_FIELDS.values() for rule in f.values() if rule.item]
_MOST_ITEMS = max(rule.max_items for rule in _ITEMS)
_LONGEST_ITEM = max(rule.item.max_length for rule in _ITEMS if rule.item)
CorrectedValue = (
    Annotated[str, Field(max_length=TEXT_LENGTH)]
    | bool
    | Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
    | None
    | Annotated[
        list[Annotated[str, Field(max_length=_LONGEST_ITEM)]],
        Field(max_length=_MOST_ITEMS),
    ]
)


class Body(BaseModel):
    """Every body: unknown fields are refused, so a typo never goes unnoticed."""

    model_config = ConfigDict(extra="forbid")


class CommandBody(Body):
    """What every command on an existing case carries."""

    expected_version: int = Field(
        ge=1,
        le=2**31 - 1,
        description="The case version you read; a newer one is a 409 conflict.",
    )
    occurred_at: Moment | None = Field(
        default=None,
        description="When it happened (ISO 8601 with offset); default: now.",
    )


class OpeningBody(Body):
    """What every command that opens a case carries."""

    case_id: UUID | None = Field(
        default=None, description="A case id made on the device (offline use)."
    )
    occurred_at: Moment | None = Field(
        default=None,
        description="When it happened (ISO 8601 with offset); default: now.",
    )


B = TypeVar("B", bound=Body)


def _annotation(hint: Any, rule: Rule | None) -> Any:
    """The type of a body field, from the command field's type and rule."""
    if hint == FieldValue:
        return CorrectedValue
    if hint is int:
        return Annotated[int, Field(ge=1, le=2**31 - 1)]
    if hint is bool or rule is None:
        return hint
    return Annotated[hint, Bounded(rule)]


def _default(f: dataclasses.Field[Any]) -> dict[str, Any]:
    """A command field's default, as a body field's."""
    if f.default_factory is not dataclasses.MISSING:
        return {"default_factory": f.default_factory}
    return {"default": ... if f.default is dataclasses.MISSING else f.default}


# Said of every field whose text is kept apart (``domain.typed_text``).
KEPT_APART = (
    "Typed text: kept in the encrypted personal-data store, erased with the "
    "person's data; the event carries a reference to it."
)


def _body_of(command: type[Command], base: type[B]) -> type[B]:
    declaration = command.declaration
    hints = get_type_hints(command)
    rules = command.rules()
    fields: dict[str, Any] = {}
    typed = TYPED_TEXT.get(declaration.records.__name__, frozenset())
    for f in dataclasses.fields(command):  # type: ignore[arg-type]
        description = f.metadata.get("description")
        if f.name in typed:
            description = f"{description or ''} {KEPT_APART}".strip()
        info = Field(**_default(f), description=description)
        fields[f.name] = (_annotation(hints[f.name], rules[f.name]), info)
    model: type[B] = create_model(
        declaration.body or command.__name__,
        __base__=base,
        __doc__=declaration.body_doc or command.__doc__,
        __module__=__name__,
        **fields,
    )
    return model


def _bodies(commands: Mapping[str, type[Command]], base: type[B]) -> dict[str, type[B]]:
    bodies: dict[str, type[B]] = {}
    by_name: dict[str, type[B]] = {}
    for name, command in commands.items():
        if command.declaration.path is None:
            continue
        body = _body_of(command, base)
        # Commands that share a body share one model (one schema in the document).
        bodies[name] = by_name.setdefault(body.__name__, body)
    return bodies


# Command name -> its body model, for every command sent over HTTP.
COMMAND_BODIES: Mapping[str, type[CommandBody]] = _bodies(COMMANDS, CommandBody)
# Command name -> its body model, for every command that opens a case.
OPENING_BODIES: Mapping[str, type[OpeningBody]] = _bodies(OPENING_COMMANDS, OpeningBody)
# The identification's body (``POST /api/cases``).
Identify = OPENING_BODIES["identify"]


class AlertAcknowledgement(Body):
    """Acknowledge an alert as the authority your role stands for."""

    reference: Annotated[str, bounded("AlertAcknowledged", "reference")] = ""
    expected_version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="Leave out to acknowledge whatever else the case recorded since.",
    )
    occurred_at: Moment | None = None


class Recorded(BaseModel):
    """A command's answer: the case and its new version."""

    case_id: UUID
    version: int
    correlation_id: str


class Problem(BaseModel):
    """An error: a code, and a message written for the person who caused it."""

    error: str
    message: str
    errors: list[dict[str, str]] | None = None
