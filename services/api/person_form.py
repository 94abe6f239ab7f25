"""The person record's form: its fields drawn from the record's rules
(``domain.person_record``), as every form of the pages is drawn from the
command table, and a sent form read back and checked by the same rules the
API body takes. Values as the pages show them, in the worker's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.errors import DomainError
from domain.fields import Rule
from domain.person_record import LIST_FIELDS, NUMBER_FIELDS, PERSON_RECORD, check_record
from services.api.code_lists import SOURCES
from services.api.code_lists import labels as code_list_labels
from services.api.error_texts import word_error
from services.api.form_model import (
    RADIO_MAX,
    FieldSpec,
    FormData,
    read_form,
    shown_value,
)
from services.api.form_view import Choice, FormField
from services.api.person_texts import CODES, ERRORS, FIELDS
from services.api.wording import Wording


def _widget(name: str, rule: Rule) -> str:
    if name in NUMBER_FIELDS:
        return "number"
    if name in LIST_FIELDS:
        return "choices" if rule.item is not None and rule.item.codes else "lines"
    return "choice" if rule.codes is not None else "text"


SPECS: tuple[FieldSpec, ...] = tuple(
    FieldSpec(
        name,
        rule,
        _widget(name, rule),
        required=rule.kind is str and rule.min_length > 0,
        default=[] if name in LIST_FIELDS else None,
        number=name in NUMBER_FIELDS,
        nullable=name in NUMBER_FIELDS,
    )
    for name, rule in PERSON_RECORD.items()
)


def code_labels(w: Wording, codelist: str) -> Mapping[str, str]:
    """Code -> label of one of the record's code lists, in the page's language."""
    if codelist in CODES:
        return {code: w.t.gettext(text) for code, text in CODES[codelist].items()}
    if codelist in SOURCES:
        return code_list_labels(codelist, w.language)
    return {}


def value_label(w: Wording, name: str, value: Any) -> str:
    """A field's value as a page shows it: codes by their labels, lists joined."""
    rule = PERSON_RECORD[name]
    listed = rule.item if rule.item is not None else rule
    if isinstance(value, list):
        labels = code_labels(w, listed.codelist) if listed.codes else {}
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if value is None or value == "":
        return ""
    if listed.codes is not None:
        return code_labels(w, listed.codelist).get(str(value), str(value))
    return str(value)


def word(w: Wording, error: DomainError) -> str:
    """An error of the record's form, in the page's language."""
    if error.kind in ERRORS:
        return w._(ERRORS[error.kind])
    return word_error(w, error)


def form_fields(
    w: Wording, values: Mapping[str, Any], errors: Mapping[str, DomainError]
) -> list[FormField]:
    """The form's fields, showing ``values`` (as the widgets show them)."""
    drawn = []
    for spec in SPECS:
        assert spec.rule is not None
        listed = spec.rule.item if spec.rule.item is not None else spec.rule
        choices = [
            Choice(code, label)
            for code, label in code_labels(w, listed.codelist).items()
            if listed.codes is not None and code in listed.codes
        ]
        widget = spec.widget
        if widget == "choice":
            widget = "radio" if len(choices) <= RADIO_MAX else "select"
        elif widget == "choices":
            widget = "checkboxes"
        label, help_ = FIELDS[spec.name]
        error = errors.get(spec.name)
        drawn.append(
            FormField(
                name=spec.name,
                widget=widget,
                label=w.t.gettext(label),
                help=w.t.gettext(help_) if help_ else "",
                required=spec.required,
                value=values.get(spec.name, shown_value(spec, spec.default)),
                choices=choices,
                max_length=spec.max_length,
                error=word(w, error) if error is not None else "",
            )
        )
    return drawn


def shown_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored record as the form's widgets show it."""
    return {spec.name: shown_value(spec, record.get(spec.name)) for spec in SPECS}


def read_record_form(
    form: FormData, *, now: datetime
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, DomainError]]:
    """What was typed, the record it makes (None if refused), and the errors
    by field."""
    submitted = read_form(SPECS, form, {}, now=now)
    if submitted.errors:
        return submitted.raw, None, submitted.errors
    try:
        record = check_record(submitted.values)
    except DomainError as error:
        return submitted.raw, None, {error.field or "given_names": error}
    return submitted.raw, record, {}
