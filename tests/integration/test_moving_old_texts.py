"""Old events hold typed text inline: they stay readable, and ``vatra
move-texts`` copies the text into the person's encrypted store, so the read
models hold references only and erasure reaches the text."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.clock import ControlledClock
from projections.timeline import timeline
from services.app.erasure import erase_personal_data
from services.app.service import CaseService
from services.app.text_reading import Reader, reveal, reveal_events
from services.audit.rebuild import rebuild_with_checksums
from services.config.bootstrap import Backbone
from services.store.moved_texts import move_inline_texts
from services.store.personal_texts import PersonalTexts
from tests.builders import events_of, identify, step

NAME = "Ëngjëllushe Çela"
COORDINATOR = Reader("co-1", "coordinator", "test")


@pytest.fixture
def old_case(backbone: Backbone, clock: ControlledClock) -> dict[str, Any]:
    """A case recorded the way it was before typed text was kept apart."""
    inline = CaseService(backbone.app, clock, people=backbone.service.people)
    case = identify(inline, clock, mobile_unit="vlora-unit")
    case = step(
        inline,
        clock,
        case,
        "complete_follow_up",
        timedelta(hours=1),
        method="visit",
        outcome=f"met {NAME}",
    )
    return step(
        inline,
        clock,
        case,
        "correct_entry",
        timedelta(minutes=5),
        corrected_version=2,
        field_name="outcome",
        value=f"met {NAME} at school",
        reason="typo",
    )


def read_models(backbone: Backbone) -> str:
    with backbone.pool.connection() as conn:
        rows = conn.execute(
            "SELECT (SELECT json_agg(t)::text FROM case_timeline t), "
            "(SELECT json_agg(f)::text FROM sop_case_facts f)"
        ).fetchone()
    return json.dumps(rows, ensure_ascii=False)


def shown(backbone: Backbone, case: dict[str, Any]) -> list[dict[str, Any]]:
    with backbone.pool.connection() as conn:
        rows = timeline(conn, UUID(case["case_id"]))
    reveal(
        backbone.service.texts,
        "PV-TEST-1",
        case["case_id"],
        [row["details"] for row in rows],
        COORDINATOR,
    )
    return [row["details"] for row in rows]


def move(backbone: Backbone, clock: ControlledClock) -> Any:
    assert isinstance(backbone.service.texts, PersonalTexts)
    return move_inline_texts(
        backbone.app,
        backbone.pool,
        backbone.service.texts,
        clock,
        actor_id="co-1",
        actor_role="coordinator",
    )


def test_old_inline_text_is_moved_out_of_the_read_models_and_erased_with_the_person(
    backbone: Backbone, clock: ControlledClock, old_case: dict[str, Any]
) -> None:
    backbone.follower.catch_up()
    assert NAME in read_models(backbone)

    moved = move(backbone, clock)

    assert (moved.events, moved.texts, moved.erased) == (3, 4, 0)
    assert "Ëngj" not in read_models(backbone)
    details = shown(backbone, old_case)
    assert details[0]["mobile_unit"] == "vlora-unit"
    assert details[1]["outcome"] == f"met {NAME}"
    assert json.loads(details[2]["value"]) == f"met {NAME} at school"
    assert details[2]["reason"] == "typo"
    # Once: moving again copies nothing more.
    assert move(backbone, clock).texts == 0
    # A rebuild from the events keeps the moved text out of the read models.
    report = rebuild_with_checksums(backbone.follower, backbone.pool)
    assert report.before == report.after
    assert "Ëngj" not in read_models(backbone)

    erase_personal_data(
        backbone.service,
        backbone.personal_data,
        old_case["case_id"],
        expected_version=old_case["version"],
        actor_id="co-1",
        actor_role="coordinator",
        reason="asked for",
    )
    backbone.follower.catch_up()
    details = shown(backbone, old_case)
    assert details[1]["outcome"] == "[erased]"
    assert details[3]["reason"] == "[erased]"
    # The history, read from the events, reads a moved text in the store too.
    history = backbone.service.history(old_case["case_id"], clock.now())
    reveal_events(
        backbone.service.texts,
        "PV-TEST-1",
        old_case["case_id"],
        history["events"],
        COORDINATOR,
    )
    assert history["events"][1]["payload"]["outcome"] == "[erased]"
    assert "Ëngj" not in json.dumps(history, default=str, ensure_ascii=False)
    # What remains: the event, immutable and chained, still holds its text.
    [event] = events_of(backbone.service, old_case["case_id"], "FollowUpCompleted")
    assert event.outcome == f"met {NAME}"


def test_text_of_a_person_erased_before_the_move_reads_as_erased(
    backbone: Backbone, clock: ControlledClock, old_case: dict[str, Any]
) -> None:
    backbone.personal_data.erase("PV-TEST-1", actor_id="co-1", actor_role="coordinator")
    backbone.follower.catch_up()

    moved = move(backbone, clock)

    assert (moved.texts, moved.erased) == (0, 4)
    assert "Ëngj" not in read_models(backbone)
    assert shown(backbone, old_case)[1]["outcome"] == "[erased]"
