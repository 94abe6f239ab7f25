"""Obligations of a case whose stored times lie at the edge of the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.sop import ObligationStatus
from tests.builders import T0, identified_facts


@pytest.mark.parametrize(
    "corrected_to",
    [
        datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
        datetime(1, 1, 1, 1, 0, tzinfo=UTC),
    ],
)
def test_a_time_at_the_edge_of_the_calendar_gives_obligations_not_an_error(
    corrected_to: datetime,
) -> None:
    """A case refuses such times now; an entry stored before must still be read."""
    history = identified_facts()
    history.correct(history.facts[0], "occurred_at", corrected_to, T0 + timedelta(1))

    obligations = history.obligations(now=T0 + timedelta(days=3))

    assert obligations
    assert all(isinstance(o.status, ObligationStatus) for o in obligations.values())
