"""A command's form, from the command table alone: its fields, the widget of
each, and the values a submitted form holds.

Each field of a command (``domain.commands``) becomes one form field whose
widget follows its rule (``domain.fields``): a code list is a choice (radio
buttons for a short list, a list box for a long one, checkboxes for a list of
codes), ``bool`` a checkbox, free text that may span lines a text area, a
line an input with its maximum length, a list of lines a text area with one
item per line; the time it happened is a local date and time (Europe/Tirane).
A field whose values the case allows now (``choices``) is a choice among
those; one the backbone makes (``made``) is not shown. Declaring a command
gives it its form; no page code names a field.

Reading a submitted form checks every field against its rule and the choices
offered, and keeps what was typed, so a refused form is shown again as it was
sent, with each error beside its field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from starlette.datastructures import ImmutableMultiDict

from domain.clock import TIRANE
from domain.command_declaration import Command
from domain.errors import DomainError, InvalidTime, InvalidValue
from domain.fields import Rule as FieldRule
from domain.fields import check_moment
from services.api.choices import chosen_fields
from services.api.code_labels import BY_FIELD, coded

OCCURRED_AT = "occurred_at"
# A choice among at most this many options is shown as radio buttons.
RADIO_MAX = 5
# The format of <input type="datetime-local"> to the minute.
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


# A submitted form (Starlette's ``FormData``), or a query string.
FormData = ImmutableMultiDict[str, Any]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a command's form, as the command table declares it.

    ``widget``: ``text``, ``textarea``, ``lines``, ``number``, ``choice``
    (radio buttons or a list box, by the number of options), ``choices``
    (checkboxes), ``checkbox``, ``datetime`` or ``hidden`` (chosen on an
    earlier page). ``from_case``: the case says which values it may take now.
    """

    name: str
    rule: FieldRule | None
    widget: str
    required: bool
    default: Any
    from_case: bool = False
    # The command takes a whole number (``None`` too, when ``nullable``).
    number: bool = False
    nullable: bool = False
    # The field whose catalogue labels the codes, when not this one (a
    # correction's new value takes the codes of the field it corrects).
    codes_of: str = ""

    @property
    def catalogue(self) -> str:
        return self.codes_of or self.name

    @property
    def max_length(self) -> int | None:
        if self.widget in ("text", "textarea") and self.rule is not None:
            return self.rule.max_length
        return None


def base_type(hint: Any) -> Any:
    """The type a hint names, without ``| None``."""
    args = [a for a in get_args(hint) if a is not type(None)]
    optional = get_origin(hint) in (Union, UnionType) and len(args) == 1
    return args[0] if optional else hint


def widget_of(name: str, hint: Any, rule: FieldRule | None, from_case: bool) -> str:
    """The widget a field's type and rule call for."""
    base = base_type(hint)
    if base is bool:
        return "checkbox"
    if base is int and not from_case:
        return "number"
    if rule is not None and rule.kind is list:
        item = coded(rule)
        return "choices" if item is not None and item.codes is not None else "lines"
    if from_case or name in BY_FIELD or (rule is not None and rule.codes is not None):
        return "choice"
    if rule is not None and rule.multiline:
        return "textarea"
    return "text"


def _required(rule: FieldRule | None, has_default: bool) -> bool:
    # A code is never empty: a default is only the choice made beforehand.
    if rule is not None and rule.kind is str and rule.codes is not None:
        return True
    if rule is None or has_default:
        return False
    if rule.kind is list:
        return rule.min_items > 0
    return rule.kind is str and (rule.min_length > 0 or rule.codes is not None)


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None if f.default is dataclasses.MISSING else f.default


_SPECS: dict[type[Command], tuple[FieldSpec, ...]] = {}


def specs_of(command: type[Command]) -> tuple[FieldSpec, ...]:
    """The form fields of ``command``: its fields but those the backbone makes,
    then when it happened."""
    if command not in _SPECS:
        _SPECS[command] = _specs(command)
    return _SPECS[command]


def _specs(command: type[Command]) -> tuple[FieldSpec, ...]:
    hints = get_type_hints(command)
    rules = command.rules()
    # The case's own choices, and the values only the running system knows.
    from_case = {**command.choices(), **chosen_fields(command)}
    made = command.made()
    specs = []
    for f in dataclasses.fields(command):  # type: ignore[arg-type]
        if f.name in made:
            continue
        rule = rules[f.name]
        default = _default(f)
        hint = hints[f.name]
        specs.append(
            FieldSpec(
                f.name,
                rule,
                widget_of(f.name, hint, rule, f.name in from_case),
                _required(rule, default is not None),
                default,
                f.name in from_case,
                number=base_type(hint) is int,
                nullable=base_type(hint) is not hint,
            )
        )
    specs.append(FieldSpec(OCCURRED_AT, None, "datetime", True, None))
    return tuple(specs)


def shown_value(spec: FieldSpec, value: Any) -> Any:
    """A field's value as its widget shows it."""
    if spec.widget == "checkbox":
        return bool(value)
    if spec.widget == "choices":
        return [str(v) for v in value] if isinstance(value, list) else []
    if spec.widget == "lines":
        return "\n".join(value) if isinstance(value, list) else str(value or "")
    if isinstance(value, datetime):
        return local_minute(value)
    return "" if value is None else str(value)


def raw_value(spec: FieldSpec, form: FormData) -> Any:
    """What the form holds for a field, as typed (to show it again)."""
    if spec.widget == "checkbox":
        return spec.name in form
    if spec.widget == "choices":
        return [str(v) for v in form.getlist(spec.name)]
    text = str(form.get(spec.name) or "")
    if spec.widget in ("textarea", "lines"):
        return text.replace("\r\n", "\n")
    return text.strip()


def typed_value(spec: FieldSpec, raw: Any) -> Any:
    """A field's value as its command takes it."""
    if spec.number:
        return _number(spec, str(raw))
    if spec.widget == "lines":
        return [line.strip() for line in str(raw).split("\n") if line.strip()]
    if spec.widget == "textarea":
        return str(raw).strip()
    return raw


def _number(spec: FieldSpec, text: str) -> int | None:
    if not text and spec.nullable:
        return None
    if not text:
        raise InvalidValue(f"{spec.name} is required", kind="required")
    try:
        return int(text)
    except ValueError:
        raise InvalidValue(
            f"{spec.name} is not a whole number", kind="not_a_number"
        ) from None


@dataclass
class Submitted:
    """A submitted form: what was typed, the command's values, the errors."""

    raw: dict[str, Any]
    values: dict[str, Any]
    occurred_at: datetime | None
    errors: dict[str, DomainError]


def read_form(
    specs: Sequence[FieldSpec],
    form: FormData,
    allowed: Mapping[str, Sequence[str]],
    *,
    now: datetime,
) -> Submitted:
    """Read every field of ``form`` and check it against its rule and, for a
    field the case chooses for, against the values ``allowed`` now. The time
    it happened is ``None`` when left as shown: the moment it is recorded."""
    submitted = Submitted({}, {}, None, {})
    for spec in specs:
        raw = raw_value(spec, form)
        submitted.raw[spec.name] = raw
        try:
            if spec.name == OCCURRED_AT:
                shown = str(form.get("occurred_shown") or "")
                submitted.occurred_at = (
                    None if raw == shown else read_moment(spec.name, raw, now=now)
                )
                continue
            if spec.widget == "datetime":
                submitted.values[spec.name] = read_moment(spec.name, raw, now=now)
                continue
            value = typed_value(spec, raw)
            check_field(spec, value, allowed.get(spec.name))
            submitted.values[spec.name] = value
        except DomainError as error:
            submitted.errors[spec.name] = error.about(spec.name)
    return submitted


def check_field(spec: FieldSpec, value: Any, allowed: Sequence[str] | None) -> None:
    """Refuse ``value`` unless it keeps to the field's rule and is one of the
    values ``allowed`` (when the case chooses them)."""
    if spec.widget == "choice" and spec.required and value == "":
        raise InvalidValue(f"choose a {spec.name}", kind="choose")
    if spec.rule is not None and not (value is None and spec.nullable):
        spec.rule.check(value)
    if allowed is None:
        return
    chosen = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if any(v not in allowed for v in chosen if v != ""):
        raise InvalidValue(
            f"{spec.name}: not one of the values this case allows now",
            kind="not_a_choice",
        )


def read_moment(name: str, text: str, *, now: datetime) -> datetime:
    """A local date and time (Europe/Tirane), as typed in a
    ``datetime-local`` input, as an aware UTC time between 1990 and now."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidTime(
            f"{name} is not a date and time", kind="bad_time", field=name
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TIRANE)
    return check_moment(name, moment, now=now)


def local_minute(moment: datetime) -> str:
    """``moment`` as a ``datetime-local`` input shows it: Tirana time, to the
    minute."""
    return moment.astimezone(TIRANE).strftime(LOCAL_MINUTE)


__all__ = [
    "OCCURRED_AT",
    "RADIO_MAX",
    "FieldSpec",
    "FormData",
    "Submitted",
    "check_field",
    "local_minute",
    "read_form",
    "read_moment",
    "shown_value",
    "specs_of",
    "widget_of",
]
