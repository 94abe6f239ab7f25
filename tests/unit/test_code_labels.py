"""Every code a person picks has a label in Albanian and in English, so a form
or a page shows a label, never a code."""

from __future__ import annotations

import re

import pytest

from domain.catalogue import REGIONS
from domain.fields import ENTRY_FIELDS, PERSON_FIELDS
from services.api.code_lists import (
    choices,
    code_lists,
    indicator_groups,
    label,
    labels,
    municipality_regions,
)
from services.api.wording import Wording

IDENTIFIED = ENTRY_FIELDS["Identified"]


@pytest.mark.parametrize("language", ["sq", "en"])
@pytest.mark.parametrize("kind", sorted(code_lists()))
def test_every_code_of_every_list_has_a_label(kind: str, language: str) -> None:
    named = labels(kind, language)
    for code in code_lists()[kind]:
        assert named.get(code, "").strip(), (kind, code)
        # A label, not a code: "Forced begging", never "forced_begging".
        assert "_" not in named[code], (kind, code)


def test_albanian_labels_are_albanian() -> None:
    assert labels("sex", "sq")["female"] == "femër"
    assert labels("country", "sq")["AL"] == "Shqipëri"
    assert labels("country", "en")["AL"] == "Albania"
    assert labels("country", "sq")["XK"] == "Kosovë"
    assert labels("municipality", "sq")["kucove"] == "Kuçovë"
    assert labels("municipality", "en")["kucove"] == "Kuçovë"  # place names
    assert labels("exploitation", "sq")["forced_begging"] == "Lypje e detyruar"
    assert labels("indicator", "en")["debt_bondage"].startswith("Debt bondage")
    assert labels("service", "sq")["legal_assistance"] == "Asistencë ligjore"


def test_choices_follow_the_rule_and_one_that_may_be_left_out_offers_not_known() -> (
    None
):
    nationality = choices(PERSON_FIELDS["nationality"], "sq")
    assert nationality[0] == ("", "nuk dihet")
    assert ("AL", "Shqipëri") in nationality
    assert len(nationality) == 251
    indicators = choices(IDENTIFIED["indicators"], "en")
    assert [code for code, _ in indicators] == list(labels("indicator", "en"))
    assert choices(PERSON_FIELDS["sex"], "en") == [
        ("female", "female"),
        ("male", "male"),
        ("not_recorded", "not recorded or other"),
    ]


def test_every_municipality_belongs_to_one_region() -> None:
    regions = municipality_regions()
    assert len(regions) == 61
    assert regions["sarande"] == "vlora"
    assert regions["klos"] == "diber"
    served = {m for m, county in regions.items() if county in REGIONS}
    assert len(served) == 7 + 4 + 5 + 3 + 3


def test_indicators_come_in_labelled_groups() -> None:
    groups = indicator_groups("sq")
    assert "Kontrolli dhe shtrëngimi" in groups
    assert "documents_withheld" in groups["Kontrolli dhe shtrëngimi"]
    assert sorted(c for codes in groups.values() for c in codes) == sorted(
        labels("indicator", "sq")
    )


def test_a_value_recorded_before_its_field_was_a_code_is_shown_as_typed() -> None:
    assert label("municipality", "Qendër Vlorë", "sq") == "Qendër Vlorë"
    assert label("municipality", "vlore", "sq") == "Vlorë"


def test_the_identification_line_shows_no_code_on_an_albanian_page() -> None:
    line = Wording.of("sq", None).line(
        "Identified",
        {
            "case_type": "trafficking",
            "municipality": "sarande",
            "region": "vlora",
            "source": "community_report",
            "is_minor": True,
            "exploitation_types": ["forced_begging"],
            "indicators": ["documents_withheld"],
        },
    )
    assert line.startswith("U identifikua një i mitur (trafikim) në Sarandë, Vlorë")
    assert "Lypje e detyruar" in line
    assert not re.search(r"[a-z]+_[a-z]+", line), line


def test_the_persons_attributes_read_from_the_store_show_no_code() -> None:
    albanian = Wording.of("sq", None)
    held = {"status": "held", "sex": "female", "age": None, "birth_year": 2010}
    assert albanian.person({**held, "nationality": "XK"}) == (
        "femër, lindur në vitin 2010, Kosovë"
    )
    assert albanian.person({"status": "unavailable"}) == "nuk disponohet"
    assert albanian.person({"status": "not_recorded"}) == "pa u regjistruar"
    english = Wording.of("en", None)
    assert english.person({"status": "unavailable"}) == "not available"
    assert english.person({**held, "sex": "not_recorded", "nationality": ""}) == (
        "born in 2010"
    )
