"""A write that loses a race is told the version the case is at now."""

from __future__ import annotations

import pytest

from domain.case import Case
from domain.clock import ControlledClock
from domain.stamp import Stamp
from services.app.errors import VersionConflict
from services.config.bootstrap import Backbone
from tests.builders import WORKER, identify, step


def test_a_write_that_loses_a_true_race_names_the_current_version(
    backbone: Backbone, clock: ControlledClock
) -> None:
    service = backbone.service
    case = identify(service, clock)

    def race(loser: Case, stamp: Stamp) -> None:
        # Another writer saves after this one read the case at version 1 and
        # passed the version check, and before it saves.
        step(service, clock, case, "assess_risk", level="high")
        step(service, clock, {**case, "version": 2}, "assess_risk", level="low")
        loser.assess_risk(stamp, level="medium")

    with pytest.raises(VersionConflict) as conflict:
        service._change(
            case["case_id"],
            expected_version=1,
            stamp=service._stamp(
                WORKER["actor_id"], WORKER["actor_role"], clock.now(), None
            ),
            action=race,
        )
    assert (conflict.value.expected, conflict.value.actual) == (1, 3)
    assert "it is at 3" in conflict.value.message
