"""An auditor replays a case as it stood, exports it, and rebuilds with proof."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.clock import ControlledClock
from domain.commands import AssessRisk
from projections.timeline import timeline
from services.app.errors import InvalidInput
from services.audit.export import case_export, to_html
from services.cli.audit_commands import export_command, rebuild_command, verify_command
from services.cli.reports import history_report
from services.config.bootstrap import Backbone
from services.store.access_log import AccessLog
from services.store.event_chain import ChainHasher
from tests.builders import identify, step

AUDITOR = {"actor_id": "aud-7", "actor_role": "auditor"}


def record_a_case(backbone: Backbone, clock: ControlledClock) -> list[dict[str, Any]]:
    """Record a case step by step; after each step, what the timeline showed then."""
    seen: list[dict[str, Any]] = []

    def look(case: dict[str, Any]) -> dict[str, Any]:
        backbone.follower.catch_up()
        with backbone.pool.connection() as conn:
            rows = timeline(conn, UUID(case["case_id"]))
        seen.append(
            {
                "moment": clock.now(),
                "version": case["version"],
                "state": backbone.service.case(case["case_id"]),
                "timeline": [
                    (
                        r["version"],
                        r["event_type"],
                        r["occurred_at"],
                        r["recorded_at"],
                        r["actor_id"],
                    )
                    for r in rows
                ],
            }
        )
        clock.advance(timedelta(minutes=30))  # nothing happens for a while
        return case

    service = backbone.service
    case = look(identify(service, clock, is_minor=True))
    case = look(
        step(
            service,
            clock,
            case,
            "refer",
            timedelta(hours=2),
            referral_id="R1",
            service="shelter_accommodation",
            agency="Shelter <Tirana> & Co",
            consent_override_reason="a minor in danger tonight; guardian unreachable",
        )
    )
    case = look(step(service, clock, case, "accept_referral", referral_id="R1"))
    # Entered a day late: it happened before it was recorded.
    clock.advance(timedelta(days=1))
    backbone.service.run(
        AssessRisk(level="high"),
        case["case_id"],
        expected_version=case["version"],
        occurred_at=clock.now() - timedelta(days=1),
        actor_id="cw-3",
        actor_role="caseworker",
    )
    look({**case, "version": case["version"] + 1})
    case = backbone.service.case(case["case_id"])
    look(step(service, clock, case, "close", timedelta(days=3), reason="other"))
    return seen


def history_rows(history: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            e["version"],
            e["type"],
            datetime.fromisoformat(e["occurred_at"]),
            datetime.fromisoformat(e["recorded_at"]),
            e["actor_id"],
        )
        for e in history["events"]
    ]


def test_replay_as_of_any_moment_matches_what_the_timeline_showed_then(
    backbone: Backbone, clock: ControlledClock
) -> None:
    seen = record_a_case(backbone, clock)
    case_id = seen[0]["state"]["case_id"]
    for then in seen:
        history = backbone.service.history(case_id, then["moment"])
        assert history_rows(history) == then["timeline"]
        assert history["case"] == then["state"]
        # The same by version: the state right after that event was recorded.
        by_version = backbone.service.history(case_id, version=then["version"])
        assert by_version["case"] == then["state"]
        assert history_rows(by_version) == then["timeline"]
    assert "version 3" in history_report(backbone.service.history(case_id, version=3))


def test_replay_by_version_refuses_a_version_the_case_never_had(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock)
    with pytest.raises(InvalidInput, match="has versions 1 to 1, not 2"):
        backbone.service.history(case["case_id"], version=2)
    with pytest.raises(InvalidInput, match="either as_of"):
        backbone.service.history(case["case_id"], clock.now(), version=1)


def test_an_export_holds_every_event_with_who_when_and_proof_and_is_itself_logged(
    backbone: Backbone, clock: ControlledClock
) -> None:
    seen = record_a_case(backbone, clock)
    case_id = seen[0]["state"]["case_id"]
    log = AccessLog(backbone.pool, clock)
    log.create_table()
    export = case_export(
        backbone.service,
        backbone.pool,
        log,
        case_id,
        **AUDITOR,
        hasher=ChainHasher(None),
    )
    assert [e["version"] for e in export["events"]] == [1, 2, 3, 4, 5]
    late = export["events"][3]
    assert late["actor_id"] == "cw-3"
    assert late["recorded_at"] > late["occurred_at"]
    assert all(e["position"] and len(e["chain_hash"]) == 64 for e in export["events"])
    assert export["integrity"]["intact"] is True
    assert export["integrity"]["head_hash"] == export["events"][-1]["chain_hash"]
    assert export["consent_overrides"] == [
        {
            "version": 2,
            "occurred_at": export["events"][1]["occurred_at"],
            "actor_id": "mu-vlora-1",
            "actor_role": "mobile_unit",
            "referral_id": "R1",
            "service": "shelter_accommodation",
            # Typed text: an auditor's role may not see the person's data.
            "reason": "[withheld]",
        }
    ]
    # The export is in the access log, and lists itself, after the keeping of
    # the person's attributes and typed text when the case was recorded.
    assert [(a["actor_id"], a["view"]) for a in export["access_log"]] == [
        ("mu-vlora-1", "personal_data_update"),
        ("mu-vlora-1", "personal_text_update"),  # the mobile unit
        ("mu-vlora-1", "personal_text_update"),  # the referral's agency and reason
        ("aud-7", "export"),
    ]
    assert log.entries(case_id=case_id)[0]["view"] == "export"
    json.dumps(export)  # plain values only
    assert "guardian unreachable" not in json.dumps(export)

    # A coordinator's export shows the text, read from the store.
    export = case_export(
        backbone.service,
        backbone.pool,
        log,
        case_id,
        actor_id="co-1",
        actor_role="coordinator",
        hasher=ChainHasher(None),
    )
    assert export["consent_overrides"][0]["reason"] == (
        "a minor in danger tonight; guardian unreachable"
    )
    assert ("co-1", "personal_text") in {
        (a["actor_id"], a["view"]) for a in log.entries(case_id=case_id)
    }
    html = to_html(export)
    assert "The case's event chain is intact" in html
    assert "Shelter &lt;Tirana&gt; &amp; Co" in html  # escaped, never markup
    assert "Shelter <Tirana>" not in html
    assert "guardian unreachable" in html
    # Marked in the events and listed again among the overrides.
    assert html.count('<tr class="override">') == 2


def test_export_command_writes_json_and_html_and_shows_tampering(
    backbone: Backbone, clock: ControlledClock, tmp_path: Path
) -> None:
    case = identify(backbone.service, clock)
    step(backbone.service, clock, case, "assess_risk", timedelta(hours=1), level="low")
    out = io.StringIO()
    for fmt in ("json", "html"):
        assert (
            export_command(
                backbone,
                case["case_id"],
                fmt=fmt,
                out_path=tmp_path / f"case.{fmt}",
                chain_key=None,
                out=out,
                **AUDITOR,
            )
            == 0
        )
    assert json.loads((tmp_path / "case.json").read_text())["case"]["version"] == 2
    assert "<!DOCTYPE html>" in (tmp_path / "case.html").read_text()
    assert "chain intact" in out.getvalue()
    with backbone.pool.connection() as conn:
        conn.execute(
            "UPDATE cases_events SET state = convert_to(replace(convert_from("
            "state, 'UTF8'), 'low', 'high'), 'UTF8') WHERE originator_version = 2"
        )
    export_command(
        backbone,
        case["case_id"],
        fmt="html",
        out_path=tmp_path / "tampered.html",
        chain_key=None,
        out=out,
        **AUDITOR,
    )
    assert "chain SHOWS TAMPERING" in out.getvalue()
    assert "shows tampering" in (tmp_path / "tampered.html").read_text()
    with pytest.raises(InvalidInput, match="json or html"):
        export_command(
            backbone,
            case["case_id"],
            fmt="pdf",
            out_path=tmp_path / "x",
            chain_key=None,
            **AUDITOR,
        )


def test_verify_command_exits_non_zero_and_names_the_case_when_tampered(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock)
    step(backbone.service, clock, case, "assess_risk", timedelta(hours=1), level="low")
    out = io.StringIO()
    assert verify_command(backbone, None, out=out) == 0
    assert "Verified 2 events in 1 cases. Every chain is intact." in out.getvalue()
    with backbone.pool.connection() as conn:
        conn.execute("DELETE FROM cases_events WHERE originator_version = 1")
    out = io.StringIO()
    assert verify_command(backbone, None, out=out) == 1
    assert "1 problems found" in out.getvalue()
    assert f"{case['case_id']}  1        removed" in out.getvalue()


def test_rebuild_shows_each_read_model_identical_to_the_one_it_replaced(
    backbone: Backbone, clock: ControlledClock
) -> None:
    record_a_case(backbone, clock)
    out = io.StringIO()
    assert rebuild_command(backbone, out=out) == 0
    text = out.getvalue()
    assert "Every read model is identical" in text
    for table in ("case_timeline", "sop_case_facts", "sop_obligations"):
        assert any(
            line.startswith(table) and line.endswith("same")
            for line in text.splitlines()
        ), text


def test_rebuild_names_a_read_model_that_did_not_match_the_events(
    backbone: Backbone, clock: ControlledClock
) -> None:
    record_a_case(backbone, clock)
    backbone.follower.catch_up()
    with backbone.pool.connection() as conn:
        conn.execute("UPDATE case_timeline SET summary = 'edited' WHERE version = 2")
    out = io.StringIO()
    rebuild_command(backbone, out=out)
    lines = out.getvalue().splitlines()
    assert any(
        line.startswith("case_timeline") and line.endswith("DIFFERENT")
        for line in lines
    )
    assert any(
        line.startswith("sop_obligations") and line.endswith("same") for line in lines
    )
