"""The offered steps as pages show them: each step with the SOP obligations
it meets (and the form filled in for each), what changed on a case since a
form was opened, and the sentence that confirms a recorded step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from domain.clinic_commands import OpenClinicCase
from domain.command_declaration import Command
from domain.commands import COMMANDS
from services.api.form_model import specs_of
from services.api.form_texts import DONE, DONE_DEFAULT
from services.api.form_view import code_label, option_label
from services.api.step_offers import BY_PATH, Meets, OfferedStep
from services.api.wording import Wording
from services.app.plain import RecordedEvent

# ``?done=`` of the page a form leads to: the step's path, or ``new`` for
# the identification (``/cases/new``).
OPENED = "new"


def meets_view(
    w: Wording,
    command: type[Command],
    meets: Iterable[Meets],
    *,
    case_id: str,
    choices: Mapping[str, Sequence[Mapping[str, Any]]],
) -> list[dict[str, Any]]:
    """Each obligation a step meets: what it waits for (the labels of the
    values that meet it), its status, its due time, and the form filled in."""
    specs = {spec.name: spec for spec in specs_of(command)}
    path = command.declaration.path
    shown = []
    for m in meets:
        parts = []
        for name, value in m.prefill.items():
            option = next(
                (o for o in choices.get(name, ()) if str(o["value"]) == value), None
            )
            rule = specs[name].rule if name in specs else None
            parts.append(
                option_label(w, name, rule, option)
                if option is not None
                else code_label(w, name, rule, value)
            )
        query = f"?{urlencode(m.prefill)}" if m.prefill else ""
        shown.append(
            {
                "rule": w.rule(m.obligation.rule_id, m.obligation.ruleset_version),
                "about": " · ".join(parts),
                "status": str(m.obligation.status),
                "due_at": m.obligation.due_at,
                "href": f"/cases/{case_id}/steps/{path}{query}",
            }
        )
    return shown


def changes_view(w: Wording, events: Iterable[RecordedEvent]) -> list[dict[str, Any]]:
    """What was recorded since a form was opened, worded as on the timeline."""
    return [
        {
            "version": e.version,
            "line": w.line(e.type, e.payload),
            "occurred_at": e.occurred_at,
            "actor_id": e.actor_id,
            "actor_role": e.actor_role,
        }
        for e in events
    ]


def steps_view(
    w: Wording, steps: Iterable[OfferedStep], *, case_id: str, offers: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The offered steps: each one's title, form and the obligations it meets."""
    return [
        {
            "title": w.t.gettext(step.summary),
            "href": f"/cases/{case_id}/steps/{step.path}",
            "meets": meets_view(
                w,
                COMMANDS[step.command],
                step.meets,
                case_id=case_id,
                choices=offers["offered"][step.command]["choices"],
            ),
        }
        for step in steps
    ]


def done_sentence(w: Wording, done: str) -> str:
    """The confirmation of a step recorded through a form ("" for no step)."""
    if done == OPENED:
        return w.t.gettext(DONE["identify"])
    if done == OpenClinicCase.declaration.path:
        return w.t.gettext(DONE["open_at_clinic"])
    name = BY_PATH.get(done)
    if name is None:
        return ""
    summary = w.t.gettext(COMMANDS[name].declaration.summary)
    return w._(DONE.get(name, DONE_DEFAULT), step=summary)
