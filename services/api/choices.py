"""The values a command field may take that only the running system knows.

A command field declared with ``domain.command_declaration.chosen(source,
...)`` takes one of the values ``source`` names here, for the case at hand:
``case_owners`` are the caseworkers of the case's region with a live token
(``Users.case_owners``). ``choices_for`` gives a form its options;
``check_chosen`` refuses any other value before the command runs (a 422
naming the field).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from domain.command_declaration import Command
from services.api.context import ApiContext
from services.app.errors import InvalidInput

# Source name -> the values it offers for a case (its summary:
# ``services.app.plain.case_summary``).
Source = Callable[[ApiContext, Mapping[str, Any]], list[str]]
SOURCES: Mapping[str, Source] = {
    "case_owners": lambda ctx, case: ctx.users.case_owners(str(case["region"])),
}


def chosen_fields(command: type[Command]) -> dict[str, str]:
    """The command's fields whose values come from a source: field -> source."""
    return {
        f.name: f.metadata["chosen_from"]
        for f in dataclasses.fields(command)  # type: ignore[arg-type]
        if "chosen_from" in f.metadata
    }


def choices_for(
    ctx: ApiContext, command: type[Command], case: Mapping[str, Any]
) -> dict[str, list[str]]:
    """For each chosen field of ``command``, the values it may take on ``case``."""
    return {
        name: SOURCES[source](ctx, case)
        for name, source in chosen_fields(command).items()
    }


def check_chosen(
    ctx: ApiContext,
    command: type[Command],
    fields: Mapping[str, Any],
    case: Mapping[str, Any],
) -> None:
    """Refuse a value of a chosen field that its source does not offer."""
    for name, allowed in choices_for(ctx, command, case).items():
        value = fields.get(name)
        if value not in allowed:
            raise InvalidInput(
                f"{name}: {value!r} is not one of the values offered for this case"
            )
