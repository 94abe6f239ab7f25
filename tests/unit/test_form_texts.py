"""Every form says what it asks for in Albanian and English, and shows every
code by its label: a declared command whose field has no label or help, or a
code list without labels, fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from domain.commands import every_command
from services.api.code_labels import is_place_name, labels_for
from services.api.code_lists import SOURCES
from services.api.code_lists import labels as code_list_labels
from services.api.error_texts import ERRORS, PAGE_ERRORS
from services.api.form_model import specs_of, widget_of
from services.api.form_texts import texts_of

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "services" / "api" / "locales"


def catalog(language: str) -> dict[str, str]:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id}


ALBANIAN = catalog("sq")
ENGLISH = catalog("en")
# Every command a person records through a form.
FORMS = {
    name: command
    for name, command in every_command().items()
    if command.declaration.path is not None
    and command.declaration.recorded_by not in ("system", "erasers")
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_field_of_every_form_has_a_label_and_help_in_both_languages(
    name: str,
) -> None:
    for spec in specs_of(FORMS[name]):
        texts = texts_of(name, spec.name)
        assert texts is not None, f"{name}.{spec.name} has no label (form_texts.py)"
        for text in texts:
            assert text, f"{name}.{spec.name}: an empty label or help"
            assert ALBANIAN.get(text), f"no Albanian for {text!r} ({name}.{spec.name})"
            assert text in ENGLISH, f"{text!r} is missing from the English catalog"
    summary = FORMS[name].declaration.summary
    assert ALBANIAN.get(summary), f"no Albanian for the step {summary!r}"


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_code_a_form_offers_has_its_label_in_both_languages(name: str) -> None:
    for spec in specs_of(FORMS[name]):
        rule = spec.rule.item if spec.rule and spec.rule.item else spec.rule
        if rule is None or (rule.codes is None and spec.widget != "choice"):
            continue
        if rule.codelist in SOURCES:
            for language in ("sq", "en"):
                named = code_list_labels(rule.codelist, language)
                missing = set(rule.codes or ()) - {c for c, v in named.items() if v}
                assert not missing, f"{name}.{spec.name}: no {language} label {missing}"
            continue
        labels = labels_for(spec.name, spec.rule)
        if labels is None:
            assert spec.from_case, f"{name}.{spec.name}: no catalogue labels its codes"
            continue
        for code in rule.codes or labels:
            assert labels.get(code), f"{name}.{spec.name}: {code!r} has no label"
            if not is_place_name(labels):
                assert ALBANIAN.get(labels[code]), f"no Albanian for {labels[code]!r}"


def test_each_field_gets_the_widget_its_rule_calls_for() -> None:
    identify = {
        spec.name: spec.widget for spec in specs_of(every_command()["identify"])
    }
    assert identify["subject_ref"] == "text"
    assert identify["region"] == identify["case_type"] == identify["source"] == "choice"
    assert identify["is_minor"] == identify["protection_requested"] == "checkbox"
    assert identify["occurred_at"] == "datetime"
    needs = {spec.name: spec for spec in specs_of(every_command()["assess_needs"])}
    assert needs["needs"].widget == "choices"
    decline = {
        spec.name: spec for spec in specs_of(every_command()["decline_referral"])
    }
    assert decline["reason"].widget == "textarea"
    assert decline["reason"].max_length == 500
    assert decline["referral_id"].widget == "choice"
    court = {s.name: s for s in specs_of(every_command()["issue_protection_order"])}
    assert (court["court"].widget, court["court"].max_length) == ("text", 100)
    assert widget_of("age", int, None, False) == "number"
    refer = {spec.name for spec in specs_of(every_command()["refer"])}
    assert "referral_id" not in refer  # the backbone makes it


def test_every_error_a_page_words_has_its_albanian() -> None:
    for text in (*ERRORS.values(), *PAGE_ERRORS.values()):
        assert ALBANIAN.get(text), f"no Albanian for {text!r}"
