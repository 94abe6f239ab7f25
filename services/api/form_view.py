"""A form as a page shows it: each field with its label, help, options (each
code by its label), the value to show and the error beside it, in the
worker's language. The templates (``_widgets.html``) draw it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.clinic_fields import DAY_PATTERN, LOCAL_MINUTE_PATTERN
from domain.errors import DomainError
from domain.fields import ENTRY_FIELDS, Rule
from services.api.code_labels import coded, is_place_name, labels_for
from services.api.code_lists import SOURCES, municipality_counties
from services.api.code_lists import labels as code_list_labels
from services.api.error_texts import word_error
from services.api.form_model import RADIO_MAX, FieldSpec, shown_value
from services.api.form_texts import texts_of
from services.api.wording import Wording


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    group: str = ""  # a list box shows its options under their group's name


@dataclass
class FormField:
    """One field as drawn: ``widget`` is that of ``FieldSpec``, with
    ``choice`` drawn as ``radio`` or ``select``."""

    name: str
    widget: str
    label: str
    help: str
    required: bool
    value: Any
    choices: list[Choice] = field(default_factory=list)
    max_length: int | None = None
    error: str = ""
    # The input's type for a line of text that is a date or a local time
    # (``date``, ``datetime-local``): still read as the text it sends.
    input_type: str = "text"

    def chosen(self, value: str) -> bool:
        if isinstance(self.value, list):
            return value in self.value
        return bool(value == self.value)


def listed(w: Wording, rule: Rule | None) -> Mapping[str, str] | None:
    """Code -> label, in the page's language, of the named code list the
    field's rule (or its items' rule) takes its codes from, in form order."""
    codes = coded(rule)
    if codes is None or not codes.codelist or codes.codelist not in SOURCES:
        return None
    return code_list_labels(codes.codelist, w.language)


def code_label(w: Wording, name: str, rule: Rule | None, code: str) -> str:
    """The label of ``code`` as a value of field ``name``; the code itself when
    no catalogue knows it (a value typed before it was a choice)."""
    named = listed(w, rule)
    if named is not None:
        return named.get(code, code)
    labels = labels_for(name, rule)
    english = labels.get(code) if labels is not None else None
    if english is None:
        return code
    return (
        english
        if labels is not None and is_place_name(labels)
        else w.t.gettext(english)
    )


def rule_named(name: str) -> Rule | None:
    """The rule of a field of that name in any entry (for an option's
    ``about``: a referral's service and agency)."""
    for fields in ENTRY_FIELDS.values():
        if name in fields:
            return fields[name]
    return None


def option_label(
    w: Wording, name: str, rule: Rule | None, option: Mapping[str, Any]
) -> str:
    """An option the case offers: by what it stands for (``about``), else by
    its code's label."""
    about: Mapping[str, str] = option.get("about") or {}
    if about:
        return " · ".join(
            code_label(w, part, rule_named(part), str(code))
            for part, code in about.items()
        )
    return code_label(w, name, rule, str(option["value"]))


def catalogue_choices(w: Wording, name: str, rule: Rule | None) -> list[Choice]:
    """Every code the field's rule (or catalogue) allows, in catalogue order;
    municipalities under their county's name, so that the one in the region
    chosen above is found without scrolling through all 61."""
    codes = coded(rule)
    allowed = codes.codes if codes is not None and codes.codes is not None else None
    named = listed(w, rule)
    if named is None:
        labels = labels_for(name, rule) or {}
        named = {code: code_label(w, name, rule, code) for code in labels}
    counties = municipality_counties() if name == "municipality" else {}
    return [
        Choice(code, label, counties.get(code, ""))
        for code, label in named.items()
        if allowed is None or code in allowed
    ]


def form_fields(
    w: Wording,
    command: str,
    specs: Sequence[FieldSpec],
    *,
    offered: Mapping[str, Sequence[Mapping[str, Any]]],
    values: Mapping[str, Any],
    errors: Mapping[str, DomainError],
) -> list[FormField]:
    """The fields of ``command``'s form: ``offered`` holds the options the case
    allows for the fields it chooses for, ``values`` what to show as the
    widgets show it (what was typed, or filled in beforehand; the default
    otherwise), ``errors`` what was refused, by field."""
    drawn = []
    for spec in specs:
        label, help_ = texts_of(command, spec.name) or (spec.name, "")
        if spec.from_case:
            choices = [
                Choice(str(o["value"]), option_label(w, spec.catalogue, spec.rule, o))
                for o in offered.get(spec.name, ())
            ]
        else:
            choices = catalogue_choices(w, spec.catalogue, spec.rule)
        widget = spec.widget
        if widget == "choice":
            widget = "radio" if len(choices) <= RADIO_MAX else "select"
        elif widget == "choices":
            widget = "checkboxes"
        if spec.name in values:
            value = values[spec.name]
        else:
            value = shown_value(spec, spec.default)
        if (
            spec.widget == "choice"
            and spec.required
            and not value
            and len(choices) == 1
        ):
            value = choices[0].value  # the one value the case allows
        error = errors.get(spec.name)
        drawn.append(
            FormField(
                name=spec.name,
                widget=widget,
                label=w.t.gettext(label),
                help=w.t.gettext(help_) if help_ else "",
                required=spec.required,
                value=value,
                choices=choices,
                max_length=spec.max_length,
                error=word_error(w, error) if error is not None else "",
                input_type=input_type_of(spec.rule),
            )
        )
    return drawn


def input_type_of(rule: Rule | None) -> str:
    """``datetime-local`` for a local time to the minute, ``date`` for a day
    (their patterns in ``domain.clinic_fields``), else ``text``."""
    pattern = rule.pattern if rule is not None else None
    if pattern is not None and LOCAL_MINUTE_PATTERN in pattern:
        return "datetime-local"
    if pattern is not None and DAY_PATTERN in pattern:
        return "date"
    return "text"
