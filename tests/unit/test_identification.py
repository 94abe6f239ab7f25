"""What an identification takes and records: the place within its region,
indicators and forms of exploitation from their catalogues; the person's sex,
age or birth year and nationality, checked (the minor flag must fit the age)
but recorded in no event; and identifications recorded before the fields
were codes still read, as the new version."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.case import Case
from domain.catalogue import MUNICIPALITIES, REGION_SEATS, REGIONS
from domain.catalogue_files import EXPLOITATION_FORMS, INDICATORS, TERRITORY
from domain.errors import CorrectionError, InconsistentFields, InvalidValue, UnknownCode
from domain.events import Identified
from domain.stamp import Stamp
from services.app.service import CaseApplication
from tests.builders import NOW, identified_case, stamp

STORED = Path(__file__).resolve().parents[1] / "golden" / "stored"


def correct(case: Case, field: str, value: Any) -> None:
    case.correct_entry(
        stamp(), corrected_version=1, field_name=field, value=value, reason="typo"
    )


# -- the catalogues -------------------------------------------------------------


def test_albania_has_61_municipalities_in_12_counties_with_stable_ascii_codes() -> None:
    assert len(TERRITORY.counties) == 12
    assert len(TERRITORY.municipalities) == 61
    for code in [*TERRITORY.counties, *TERRITORY.municipalities]:
        assert re.fullmatch(r"[a-z][a-z_]*", code), code
    names = [m.name for m in TERRITORY.municipalities.values()]
    assert len(set(names)) == 61


def test_the_served_regions_are_counties_with_their_municipalities() -> None:
    expected = {
        "vlora": {
            "Vlorë",
            "Selenicë",
            "Himarë",
            "Delvinë",
            "Sarandë",
            "Finiq",
            "Konispol",
        },
        "diber": {"Dibër", "Bulqizë", "Mat", "Klos"},
        "berat": {"Berat", "Kuçovë", "Poliçan", "Skrapar", "Dimal"},
        "durres": {"Durrës", "Krujë", "Shijak"},
        "lezhe": {"Lezhë", "Mirditë", "Kurbin"},
    }
    for region, names in expected.items():
        assert TERRITORY.counties[region] == REGIONS[region]
        assert {MUNICIPALITIES[m] for m in TERRITORY.of_county(region)} == names
        assert MUNICIPALITIES[REGION_SEATS[region]] == REGIONS[region]


def test_names_people_write_find_their_municipality() -> None:
    assert TERRITORY.match("Vlorë") == TERRITORY.match("VLORA") == "vlore"
    assert TERRITORY.match("Ura Vajgurore") == "dimal"  # renamed Dimal in 2021
    assert TERRITORY.match("Peshkopi") == "diber"  # the seat of Dibër
    assert TERRITORY.match("Durrësi") == "durres"
    assert TERRITORY.match("Dibra") == "diber"
    assert TERRITORY.match("fushe_arrez") == TERRITORY.match("Fushë-Arrëz")
    assert TERRITORY.match("Shëngjin") is None


def test_every_indicator_and_form_of_exploitation_has_both_labels() -> None:
    for catalogue in (INDICATORS, EXPLOITATION_FORMS):
        for code, label in catalogue.labels.items():
            assert label.en.strip(), code
            assert label.sq.strip(), code
            assert label.en != label.sq, code
    assert set(INDICATORS.group_of) == set(INDICATORS.labels)
    assert {"documents_withheld", "debt_bondage", "restricted_movement"} <= set(
        INDICATORS.labels
    )


# -- the place ------------------------------------------------------------------


def test_a_municipality_of_another_region_is_refused() -> None:
    with pytest.raises(
        InconsistentFields, match="Durrës is not a municipality of Vlorë"
    ):
        identified_case(region="vlora", municipality="durres")
    with pytest.raises(UnknownCode, match="unknown municipality"):
        identified_case(municipality="Vlorë")  # a name, not its code
    assert identified_case(region="berat", municipality="dimal").municipality == "dimal"


def test_a_correction_keeps_the_municipality_within_the_region() -> None:
    case = identified_case()
    with pytest.raises(InconsistentFields):
        correct(case, "municipality", "kruje")
    correct(case, "municipality", "sarande")
    assert case.municipality == "sarande"
    # The wrong region: corrected first, then the municipality within it.
    correct(case, "region", "durres")
    with pytest.raises(InconsistentFields, match="not a municipality of Durrës"):
        correct(case, "municipality", "himare")
    correct(case, "municipality", "kruje")
    assert (case.region, case.municipality) == ("durres", "kruje")


def test_a_transferred_case_keeps_the_municipality_it_was_identified_in() -> None:
    case = identified_case()
    case.transfer(stamp(), to_region="durres", reason="family moved")
    assert (case.region, case.municipality) == ("durres", "vlore")
    correct(case, "municipality", "himare")  # still judged by the identification
    assert case.municipality == "himare"


# -- the person's attributes: sex, age or birth year, nationality ---------------

PERSONAL = {"sex", "age", "birth_year", "nationality"}


def test_the_identification_records_none_of_the_persons_attributes() -> None:
    case = identified_case(sex="male", age=None, birth_year=1990, nationality="XK")
    [opened] = case.collect_events()
    assert isinstance(opened, Identified)
    assert not PERSONAL & vars(opened).keys()
    assert not PERSONAL & case.entries[1].payload.keys()


def test_the_persons_attributes_are_never_corrected_on_the_case() -> None:
    case = identified_case()
    for field, value in [("age", 31), ("sex", "male"), ("nationality", "GR")]:
        with pytest.raises(CorrectionError, match="no correctable field"):
            correct(case, field, value)


def test_an_age_or_a_birth_year_must_be_given() -> None:
    with pytest.raises(InconsistentFields, match="age or birth year"):
        identified_case(age=None, birth_year=None)
    assert identified_case(age=None, birth_year=1990).version == 1


def test_the_minor_flag_must_fit_the_age() -> None:
    with pytest.raises(InconsistentFields, match="aged 18 is not a minor"):
        identified_case(is_minor=True, age=18)
    with pytest.raises(InconsistentFields, match="aged 17 is a minor"):
        identified_case(is_minor=False, age=17)
    assert identified_case(is_minor=True, age=17).is_minor


def test_the_age_must_agree_with_the_birth_year_at_the_identification() -> None:
    # Identified on 2 November 2026: born in 2000, the person was 25 or 26.
    assert identified_case(age=25, birth_year=2000).version == 1
    assert identified_case(age=26, birth_year=2000).version == 1
    with pytest.raises(InconsistentFields, match="was 25 or 26"):
        identified_case(age=28, birth_year=2000)
    with pytest.raises(InconsistentFields, match="after the identification"):
        identified_case(age=None, birth_year=2027)
    with pytest.raises(InvalidValue, match="from 1900"):
        identified_case(age=None, birth_year=1899)
    with pytest.raises(InvalidValue, match="from 0 to 120"):
        identified_case(age=121)


def test_a_birth_year_giving_17_or_18_leaves_the_minor_flag_to_the_worker() -> None:
    born_2008 = {"age": None, "birth_year": 2008}
    assert identified_case(is_minor=True, **born_2008).is_minor
    assert not identified_case(is_minor=False, **born_2008).is_minor
    with pytest.raises(InconsistentFields, match="aged 19 is not a minor"):
        identified_case(is_minor=True, age=None, birth_year=2006)
    with pytest.raises(InconsistentFields, match="aged 17 is a minor"):
        identified_case(is_minor=False, age=None, birth_year=2009)


def test_the_age_is_read_on_the_tirane_calendar() -> None:
    # 31 December 2025, 23:30 UTC is already 1 January 2026 in Tirane: born in
    # 2008, the person is 17 or 18 there, not 16 or 17.
    new_year = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    at = Stamp("w-1", "mobile_unit", new_year, new_year, "c")
    fields = {
        "case_id": UUID(int=1),
        "subject_ref": "PV-1",
        "region": "vlora",
        "mobile_unit": "u",
        "worker_id": "w-1",
        "municipality": "vlore",
        "is_minor": False,
        "case_type": "trafficking",
        "protection_requested": False,
        "indicators": [],
        "exploitation_types": [],
        "source": "outreach",
        "sex": "female",
        "age": 18,
        "birth_year": 2008,
        "nationality": "AL",
    }
    assert not Case.identify(at, **fields).is_minor
    # An hour earlier it is still 2025 in Tirane: 16 or 17, not 18.
    before = new_year - timedelta(hours=1)
    with pytest.raises(InconsistentFields, match="was 16 or 17"):
        Case.identify(Stamp("w-1", "mobile_unit", before, before, "c"), **fields)


# -- sex, nationality, indicators, forms of exploitation ------------------------


def test_sex_and_nationality_are_codes() -> None:
    with pytest.raises(UnknownCode, match="unknown sex"):
        identified_case(sex="f")
    with pytest.raises(UnknownCode, match="unknown nationality 'ZZ'"):
        identified_case(nationality="ZZ")
    with pytest.raises(UnknownCode, match="unknown nationality"):
        identified_case(nationality="al")
    assert identified_case(nationality="XK").version == 1  # Kosovo
    assert identified_case(nationality="").version == 1  # not known
    assert identified_case(sex="not_recorded").version == 1


def test_an_unknown_indicator_or_form_of_exploitation_is_refused() -> None:
    with pytest.raises(UnknownCode, match="unknown indicator 'isolation'"):
        identified_case(indicators=["isolation"])
    with pytest.raises(UnknownCode, match="unknown form of exploitation 'labour'"):
        identified_case(exploitation_types=["labour"])
    case = identified_case(
        indicators=["documents_withheld", "threats"],
        exploitation_types=["sexual_exploitation", "forced_begging"],
    )
    assert case.entries[1].payload["indicators"] == ["documents_withheld", "threats"]


# -- identifications recorded before version 2 ---------------------------------


def old_stored_identification() -> StoredEvent:
    """An identification as the event store holds it from before version 2."""
    sample = json.loads((STORED / "Identified.v1.json").read_text("utf-8"))
    return StoredEvent(
        originator_id=UUID(sample["originator_id"]),
        originator_version=sample["originator_version"],
        topic=sample["topic"],
        state=sample["state"].encode("utf-8"),
    )


def test_an_old_stored_identification_reads_as_the_new_version() -> None:
    app = CaseApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    try:
        stored = old_stored_identification()
        assert b"class_version" not in stored.state
        app.recorder.insert_events([stored])
        event = app.mapper.to_domain_event(stored)
        case = app.repository.get(stored.originator_id)
    finally:
        app.close()
    assert isinstance(event, Identified)
    # Free text that names a code reads as the code; other text as typed.
    assert event.municipality == "vlore"  # "Vlora"
    assert event.indicators == [
        "documents_withheld",  # "confiscated_documents"
        "debt_bondage",
        "sleeps at the workplace",
    ]
    assert event.exploitation_types == ["forced_labour", "forced_begging"]
    assert not PERSONAL & vars(event).keys()
    assert isinstance(case, Case)
    assert (case.municipality, case.is_minor) == ("vlore", True)


def test_an_old_identification_is_corrected_as_any_other() -> None:
    app = CaseApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    try:
        app.recorder.insert_events([old_stored_identification()])
        case = app.repository.get(old_stored_identification().originator_id)
    finally:
        app.close()
    later = Stamp("w-1", "mobile_unit", NOW, NOW + timedelta(hours=1), "c")
    case.correct_entry(
        later,
        corrected_version=1,
        field_name="case_type",
        value="domestic_violence",
        reason="r",
    )
    case.correct_entry(
        later, corrected_version=1, field_name="is_minor", value=False, reason="r"
    )
    case.correct_entry(
        later,
        corrected_version=1,
        field_name="municipality",
        value="sarande",
        reason="r",
    )
    assert (case.case_type, case.is_minor, case.municipality) == (
        "domestic_violence",
        False,
        "sarande",
    )
