"""How a command is declared: the ``Declaration`` beside its fields, and the
tables of every declared command (``domain.commands`` holds them): those that
open a case (``OPENING_COMMANDS``) and those on an existing case (``COMMANDS``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from uuid import UUID

from domain import events as ev
from domain.fields import ENTRY_FIELDS, Rule
from domain.offering import Choices, Made, Offered, case_open
from domain.stamp import Stamp

if TYPE_CHECKING:
    from domain.case import Case

# Who may record a command, where that is known before reading the case:
# caseworkers (of the case's region); caseworkers of the region or a
# coordinator; only the Responsible Authority; only the backbone itself (the
# notifier, the SOP clock); the roles that erase (``domain.case.ERASERS``,
# through ``vatra erase``); or any side, for the entries it recorded itself
# (the case decides whose entry is whose); at the legal clinic, its lawyers,
# its psychologists, or either (``clinic_staff``), of the case's region.
RecordedBy = Literal[
    "caseworkers",
    "lawyers",
    "psychologists",
    "clinic_staff",
    "caseworkers_or_coordinator",
    "responsible_authority",
    "system",
    "erasers",
    "own_entries",
]
# The value of any field of an entry: what a correction carries (``None``: a
# number left out, such as an age only the birth year gives).
FieldValue = str | bool | int | list[str] | datetime | None


@dataclass(frozen=True)
class Declaration:
    """What a command is, besides its fields."""

    # The ``Case`` method that runs it; for a command that opens a case, the
    # ``Case`` class method that returns the new case.
    method: Callable[..., Any]
    records: type[ev.CaseEvent]
    summary: str
    path: str | None = None
    recorded_by: RecordedBy = "caseworkers"
    # The name (and description) of the body in the OpenAPI document, when
    # several commands share one body; by default the command's own.
    body: str = ""
    body_doc: str = ""
    # The method's argument naming who recorded the command, when the method
    # takes one (the identifying worker): the stamp's actor, never typed in.
    actor_argument: str = ""
    # When the step makes sense on a case (``domain.offering``): by default
    # while the case is open. Commands that open a case are always offered.
    offered: Offered = case_open

    @property
    def name(self) -> str:
        """The command's name: that of its ``Case`` method."""
        return self.method.__name__


def about(description: str) -> dict[str, Any]:
    """A command field's metadata: its description for the people who fill it in."""
    return {"description": description}


def chosen(source: str, description: str) -> dict[str, Any]:
    """A command field's metadata: its value is one of a list only the running
    system knows, named ``source`` (e.g. ``case_owners``: the users who may own
    the case in its region). The API refuses any other value, and a form
    offers the list as a choice (``services.api.choices``)."""
    return {"description": description, "chosen_from": source}


def ruled(rule: Rule) -> dict[str, Any]:
    """A command field's metadata: its rule, when it is not that of the recorded
    event's field of the same name."""
    return {"rule": rule}


def personal(rule: Rule, description: str) -> dict[str, Any]:
    """A command field's metadata: one of the person's attributes, with its
    rule and description. The command takes it and the case checks it, but no
    event records it: the application service keeps it in the personal-data
    store (``Command.personal_attributes``)."""
    kept = " Kept in the encrypted personal-data store, in no event."
    return {"rule": rule, "description": description + kept, "personal": True}


class Command:
    """A command: a frozen dataclass whose fields are its ``Case`` method's
    keyword arguments, with its ``declaration``."""

    declaration: ClassVar[Declaration]

    def arguments(self) -> dict[str, Any]:
        """The command's fields, as the domain method's keyword arguments."""
        return dataclasses.asdict(self)  # type: ignore[call-overload,no-any-return]

    @classmethod
    def rules(cls) -> Mapping[str, Rule | None]:
        """Each field's rule (``None``: the case checks it)."""
        entry = ENTRY_FIELDS.get(cls.declaration.records.__name__, {})
        return {
            f.name: f.metadata.get("rule", entry.get(f.name))
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        }

    @classmethod
    def choices(cls) -> Mapping[str, Choices]:
        """The fields whose values the case allows now, and how to list them."""
        return {
            f.name: f.metadata["choices"]
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if "choices" in f.metadata
        }

    @classmethod
    def made(cls) -> Mapping[str, Made]:
        """The fields whose value the backbone makes, and how."""
        return {
            f.name: f.metadata["made"]
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if "made" in f.metadata
        }

    @classmethod
    def personal_fields(cls) -> tuple[str, ...]:
        """The fields that are the person's attributes (``personal``)."""
        return tuple(
            f.name
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if f.metadata.get("personal", False)
        )

    def personal_attributes(self) -> dict[str, Any]:
        """The person's attributes the command carries, by field name: what
        goes to the personal-data store, never into an event."""
        return {name: getattr(self, name) for name in self.personal_fields()}

    @classmethod
    def supplied(cls) -> frozenset[str]:
        """The method's arguments the command does not carry: the recording
        supplies them."""
        actor = cls.declaration.actor_argument
        return frozenset({actor} if actor else ())

    def _actor_arguments(self, stamp: Stamp) -> dict[str, Any]:
        actor = self.declaration.actor_argument
        return {actor: stamp.actor_id} if actor else {}


# Command name -> class of each command that opens a case, in the order declared.
OPENING_COMMANDS: dict[str, type[OpeningCommand]] = {}
# Command name -> class of each command on an existing case, in the order
# declared (``domain.commands``: that of a case's life).
COMMANDS: dict[str, type[CaseCommand]] = {}


class OpeningCommand(Command):
    """A command that opens a case: its method is a ``Case`` class method that
    takes the new case's id beside the command's fields."""

    # The region the case opens in: who may open it depends on it.
    region: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        OPENING_COMMANDS[cls.declaration.name] = cls

    @classmethod
    def supplied(cls) -> frozenset[str]:
        return super().supplied() | {"case_id"}

    def open(self, stamp: Stamp, case_id: UUID) -> Case:
        """The new case ``case_id``, its opening event pending."""
        case: Case = self.declaration.method(
            stamp, case_id=case_id, **self.arguments(), **self._actor_arguments(stamp)
        )
        return case


class CaseCommand(Command):
    """A command on an existing case."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        COMMANDS[cls.declaration.name] = cls

    def run(self, case: Case, stamp: Stamp, **arguments: Any) -> None:
        """Run the command on ``case``; ``arguments`` replace its own fields."""
        self.declaration.method(
            case,
            stamp,
            **{**self.arguments(), **self._actor_arguments(stamp), **arguments},
        )


def every_command() -> dict[str, type[Command]]:
    """Every declared command by name, those that open a case first."""
    return {**OPENING_COMMANDS, **COMMANDS}


def command_named(name: str) -> type[CaseCommand]:
    """The command class of ``name`` (a scenario or a test names it as data)."""
    try:
        return COMMANDS[name]
    except KeyError:
        raise LookupError(
            f"unknown command {name!r}; commands: {', '.join(sorted(COMMANDS))}"
        ) from None
