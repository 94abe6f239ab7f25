"""The person record's rules, the blind index's tokens and who sees which
fields: without servers."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import DomainError
from domain.person_record import check_record, name_tokens, record_tokens
from services.api.person_access import (
    ALL_FIELDS,
    ReasonRequired,
    person_access,
    reason_for,
)
from services.api.policy import Principal
from services.store.person_record import blind, index_key
from services.store.personal_data_keys import KeyRing, generate_master_key

CASE: dict[str, Any] = {
    "region": "vlora",
    "is_minor": True,
    "alert_recipients": {"child_protection_unit": ["cpu"], "police": ["police"]},
}


def _who(role: str, *regions: str, unit: str | None = None) -> Principal:
    return Principal(f"{role}-1", role, frozenset(regions), "sq", unit=unit)


def test_names_are_matched_lower_case_with_their_diacritics_folded() -> None:
    assert name_tokens("Ëngjëllushe Çela") == ["engjellushe", "cela"]
    assert name_tokens("  ÇELA-Hoxha, çela ") == ["cela", "hoxha"]
    record = check_record(
        {"given_names": "Ëngjëllushe", "family_name": "Çela", "aliases": ["Lushja"]}
    )
    assert record_tokens(record) == ["engjellushe", "cela", "lushja"]


@pytest.mark.parametrize(
    ("values", "field", "kind"),
    [
        ({"given_names": ""}, "given_names", "required"),
        ({"given_names": "x" * 101}, "given_names", "too_long"),
        ({"given_names": "A", "phone": "call me"}, "phone", "pattern"),
        ({"given_names": "A", "languages": ["klingon"]}, "languages", "unknown_code"),
        ({"given_names": "A", "aliases": ["a"] * 11}, "aliases", "item_count"),
        ({"given_names": "A", "birth_date": "2008-02-30"}, "birth_date", "not_a_date"),
        (
            {"given_names": "A", "birth_date": "2008-04-30", "birth_year": 2007},
            "birth_year",
            "birth_year_differs",
        ),
        (
            {"given_names": "A", "document_number": "X1"},
            "document_type",
            "document_without_type",
        ),
        ({"given_names": "A", "address": "line\nbreak"}, "address", "line_breaks"),
    ],
)
def test_every_field_is_bounded_and_the_error_names_it(
    values: dict[str, Any], field: str, kind: str
) -> None:
    with pytest.raises(DomainError) as refused:
        check_record(values)
    assert (refused.value.field, refused.value.kind) == (field, kind)


def test_the_blind_index_hashes_with_a_key_derived_from_the_master_key() -> None:
    keys = KeyRing(generate_master_key())
    key = index_key(keys)
    assert key != keys.current
    assert len(key) == 32
    assert blind(key, "n", "cela") == blind(index_key(keys), "n", "cela")
    assert blind(key, "n", "cela") != blind(key, "y", "cela")
    other = index_key(KeyRing(generate_master_key()))
    assert blind(key, "n", "cela") != blind(other, "n", "cela")


def test_caseworkers_of_the_region_see_everything_others_of_other_regions_nothing() -> (
    None
):
    mine = person_access(_who("mobile_unit", "vlora"), CASE)
    assert mine.fields == ALL_FIELDS
    assert mine.may_write
    assert not mine.reason_needed
    assert not person_access(_who("caseworker", "durres"), CASE).may_read


def test_readers_outside_the_region_give_a_reason_and_see_their_minimum() -> None:
    coordinator = _who("coordinator")
    access = person_access(coordinator, CASE)
    assert access.reason_needed
    with pytest.raises(ReasonRequired):
        reason_for(access, coordinator, "")
    with pytest.raises(ReasonRequired):
        reason_for(access, coordinator, "because I want to")
    assert reason_for(access, coordinator, "coordination") == "coordination"

    authority = person_access(_who("responsible_authority"), CASE)
    assert "phone" not in authority.fields
    assert "document_number" in authority.fields
    assert not authority.may_write
    auditor = person_access(_who("auditor"), CASE)
    assert auditor.history
    assert not auditor.may_write


def test_police_and_child_protection_see_only_what_their_alert_needs() -> None:
    police = _who("police", "vlora")
    seen = person_access(police, CASE)
    assert {"family_name", "document_number"} <= set(seen.fields)
    assert not {"phone", "address", "guardian_name"} & set(seen.fields)
    assert reason_for(seen, police, "") == "alert"
    assert not person_access(_who("police", "durres"), CASE).may_read

    cpu = person_access(_who("child_protection_unit", "vlora", unit="cpu"), CASE)
    assert {"guardian_name", "guardian_phone", "address"} <= set(cpu.fields)
    assert "document_number" not in cpu.fields
    adult = {**CASE, "is_minor": False}
    unit = _who("child_protection_unit", "vlora", unit="cpu")
    assert not person_access(unit, adult).may_read
