"""Every event and command is declared once; everything else is derived or
checked against that declaration."""

from __future__ import annotations

import dataclasses
import inspect
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from domain.commands import OPENING_COMMANDS, Command, every_command
from domain.events import EVENT_TYPES, payload_fields
from domain.sop.vocabulary import attributes_of
from projections.summaries import LINES as TIMELINE_LINES
from services.api import models, wording

ROOT = Path(__file__).resolve().parents[2]
AVRO = ROOT / "schemas" / "avro"
ALBANIAN = ROOT / "services" / "api" / "locales" / "sq" / "LC_MESSAGES" / "messages.po"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_has_an_avro_schema(event_type: str) -> None:
    assert sorted(AVRO.glob(f"{event_type}.v*.avsc")), f"no schemas/avro/{event_type}"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_has_a_timeline_sentence_in_english_and_on_the_pages(
    event_type: str,
) -> None:
    assert event_type in TIMELINE_LINES
    assert event_type in wording.LINES


class _Recorder:
    """A translator that keeps every message it is asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def gettext(self, message: str) -> str:
        self.asked.append(message)
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self.asked += [singular, plural]
        return singular if n == 1 else plural


class _AnyPayload(defaultdict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return "x"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_has_an_albanian_timeline_sentence(event_type: str) -> None:
    recorder = _Recorder()
    payload = _AnyPayload(str, {"is_minor": False, "assisted": True, "attempts": 3})
    wording.LINES[event_type](wording.Wording(recorder), payload)  # type: ignore[arg-type]
    with ALBANIAN.open("rb") as po:
        albanian = {m.id: m.string for m in read_po(po) if m.id}
    sentence = recorder.asked[-1]  # the labels are asked for first
    assert albanian.get(sentence), f"no Albanian text for {sentence!r}"


def test_the_sop_vocabulary_knows_every_field_of_every_event() -> None:
    for name, event_type in EVENT_TYPES.items():
        assert attributes_of(name) == frozenset(payload_fields(event_type))
    consent = attributes_of("ConsentRecorded") or frozenset()
    failure = attributes_of("NotificationFailed") or frozenset()
    assert "given_by" in consent
    assert "attempts" in failure


@pytest.mark.parametrize("name", list(every_command()))
def test_every_command_has_the_fields_of_its_case_method(name: str) -> None:
    """Each field is an argument of the method, and each argument is a field
    but those the recording supplies (a new case's id, who recorded it)."""
    command: type[Command] = every_command()[name]
    method = command.declaration.method
    assert method.__name__ == name
    parameters = inspect.signature(method).parameters
    wanted = {p for p in parameters if p not in ("self", "stamp")}
    assert command.supplied() <= wanted
    fields = {f.name for f in dataclasses.fields(command)}  # type: ignore[arg-type]
    assert fields == wanted - command.supplied()


def test_the_identification_opens_a_case_and_is_declared_like_every_command() -> None:
    assert list(OPENING_COMMANDS) == ["identify", "open_at_clinic"]
    declaration = OPENING_COMMANDS["identify"].declaration
    assert declaration.records.__name__ == "Identified"
    assert OPENING_COMMANDS["identify"].supplied() == {"case_id", "worker_id"}
    # A case opened at the legal clinic begins with an identification too.
    assert OPENING_COMMANDS["open_at_clinic"].declaration.records is declaration.records


@pytest.mark.parametrize("name", list(every_command()))
def test_every_field_a_person_types_has_a_rule(name: str) -> None:
    command = every_command()[name]
    if command.declaration.recorded_by == "system":
        return  # the backbone's own values come from the catalogue and the channels
    unruled = {field for field, rule in command.rules().items() if rule is None}
    assert unruled <= {"corrected_version"}, unruled


@pytest.mark.parametrize("name", list(every_command()))
def test_every_body_sent_over_http_has_exactly_the_fields_of_its_command(
    name: str,
) -> None:
    command = every_command()[name]
    bodies = {**models.OPENING_BODIES, **models.COMMAND_BODIES}
    if command.declaration.path is None:
        assert name not in bodies
        return
    body = bodies[name]
    base = models.OpeningBody if name in OPENING_COMMANDS else models.CommandBody
    own = set(body.model_fields) - set(base.model_fields)
    assert own == {f.name for f in dataclasses.fields(command)}  # type: ignore[arg-type]
