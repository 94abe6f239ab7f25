"""Every legal proceeding reads on the timeline in Albanian and in English,
naming its codes by their labels: never a code."""

from __future__ import annotations

import pytest

from domain import clinic_events
from domain.events import EVENT_TYPES
from projections.summaries import line_of
from services.api.wording import Wording
from tests.golden.make_golden import SAMPLES

CLINIC = sorted(
    name
    for name, cls in EVENT_TYPES.items()
    if cls.__module__ == clinic_events.__name__
)
CODES = {
    "first_instance_vlore",
    "prosecutor",
    "conviction",
    "absent_party",
    "testimony",
    "in_person",
    "defendant",
    "immediate",
    "perpetrator",
    "state_legal_aid",
}


@pytest.mark.parametrize("event_type", CLINIC)
def test_a_proceeding_reads_in_both_languages_without_a_code(event_type: str) -> None:
    payload = SAMPLES[event_type]
    english = Wording.of("en", None).line(event_type, payload)
    albanian = Wording.of("sq", None).line(event_type, payload)

    assert english != event_type
    assert albanian != english
    assert not CODES & set(albanian.replace(",", " ").split()), albanian
    # English labels may share a word with a code, never a code's spelling.
    for said in (english, line_of(event_type, payload)):
        assert "_" not in said.replace("staff-", ""), said


def test_the_lines_read_as_a_caseworker_expects() -> None:
    en, sq = Wording.of("en", None), Wording.of("sq", None)
    scheduled = SAMPLES["HearingScheduled"]
    judgment = SAMPLES["JudgmentGiven"]

    assert en.line("HearingScheduled", scheduled) == (
        "Hearing H-1 scheduled at First Instance Court, Vlorë on 15.04.2024 09:30; "
        "going with the person: staff-law-0005"
    )
    assert sq.line("HearingScheduled", scheduled) == (
        "Seanca H-1 u caktua në Gjykata e Shkallës së Parë, Vlorë më 15.04.2024 "
        "09:30; e shoqëron personin: staff-law-0005"
    )
    assert sq.line("JudgmentGiven", judgment) == (
        "Vendimi: dënim, dënim me 96 muaj (vendim publik)"
    )
    private = {**judgment, "judgment_public": False, "sentence_months": None}
    assert en.line("JudgmentGiven", private) == "Decision: conviction"
