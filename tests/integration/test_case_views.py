"""Reading a case from memory is never stale, whoever recorded its events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.clock import ControlledClock
from services.app.errors import CaseNotFound
from services.app.service import CaseApplication, CaseService
from services.config.bootstrap import Backbone
from tests.builders import identify, step


def test_a_case_read_again_shows_what_another_process_recorded_since(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock, region="vlora")
    assert backbone.service.case(case["case_id"])["region"] == "vlora"

    # Another process (its own application on the same store) moves the case.
    other = CaseApplication(env=backbone.database.eventsourcing_env())
    try:
        step(
            CaseService(other, clock),
            clock,
            case,
            "transfer",
            timedelta(hours=1),
            to_region="berat",
            reason="the person moved",
        )
    finally:
        other.close()

    seen = backbone.service.case(case["case_id"])
    assert (seen["region"], seen["version"]) == ("berat", 2)
    # The same as a full replay from the store.
    replayed = CaseService(backbone.app, clock).case(case["case_id"])
    assert seen == replayed


def test_reading_a_case_that_does_not_exist_says_so(backbone: Backbone) -> None:
    with pytest.raises(CaseNotFound):
        backbone.service.case("7d1c6f38-0d0e-4a5e-9b1e-3f6c2f1a0b9c")
