"""One bad event in the store: the commands go on, and ``vatra dlq`` shows it,
and retries it once a fix is deployed (embedded mode, real PostgreSQL)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from domain.clock import ControlledClock
from domain.facts import CaseFact
from domain.sop import corrections
from domain.sop.errors import InvalidCorrection
from services.cli.main import main
from services.config.bootstrap import open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.builders import identify
from tests.integration.bad_events import append_correction_without_offset

# Long before "now": every obligation of these cases is overdue.
LONG_AGO = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def external_env(external_env: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The CLI's database, embedded mode, quiet."""
    monkeypatch.setenv("VATRA_LOG_LEVEL", "CRITICAL")
    monkeypatch.setenv("VATRA_METRICS_PORT", "off")
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    return external_env


@pytest.fixture
def cases(external_env: Database) -> dict[str, str]:
    """A case with an event no projection can process, and a good one."""
    clock = ControlledClock(LONG_AGO)
    with open_backbone(load_settings(), clock=clock, database=external_env) as bb:
        bad = identify(bb.service, clock, is_minor=True)
        append_correction_without_offset(bb, clock, bad)
        good = identify(bb.service, clock, is_minor=True, region="berat")
    return {"bad": bad["case_id"], "good": good["case_id"]}


def _deadline_events(database: Database, case_id: str) -> list[str]:
    clock = ControlledClock(LONG_AGO)
    with open_backbone(load_settings(), clock=clock, database=database) as bb:
        return [
            type(e).__name__
            for e in bb.service.app.case_events(case_id)
            if type(e).__name__.startswith("Deadline")
        ]


def test_sop_clock_and_rebuild_go_on_past_a_bad_event_and_report_it(
    cases: dict[str, str],
    external_env: Database,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sop-clock", "--once"]) == 0
    out = capsys.readouterr().out
    assert "1 case(s) could not be settled" in out
    assert "1 event(s) could not be applied" in out
    assert "vatra dlq list" in out
    # The good case got its breaches all the same.
    assert "DeadlineBreached" in _deadline_events(external_env, cases["good"])

    assert main(["rebuild"]) == 0
    out = capsys.readouterr().out
    assert "Every read model is identical" in out
    assert "set aside as dead letters" in out


def test_dlq_lists_shows_and_retries_a_dead_letter_after_a_fix(
    cases: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["dlq", "list"]) == 0  # catches nothing up itself
    assert "no dead letters" in capsys.readouterr().out
    assert main(["sop", "--region", "berat"]) == 0  # a read catches up
    capsys.readouterr()

    assert main(["dlq", "list"]) == 0
    listed = capsys.readouterr().out
    [line] = [row for row in listed.splitlines() if cases["bad"] in row]
    assert "sop_obligations" in line
    assert "EntryCorrected" in line
    assert "InvalidCorrection" in line
    match = re.match(r"\s*(\d+)\s", line)
    assert match
    dead_letter_id = match[1]

    assert main(["dlq", "show", dead_letter_id]) == 0
    shown = capsys.readouterr().out
    assert f"case_id: {cases['bad']}" in shown
    assert "error_message: " in shown
    assert "error_where: " in shown
    assert "typo" not in shown  # the correction's reason is the person's text
    assert "PV-TEST" not in shown

    # Not fixed yet: the retry fails again and the dead letter stays.
    assert main(["dlq", "retry", dead_letter_id]) == 1
    assert "failed again: InvalidCorrection" in capsys.readouterr().out

    # A fix is deployed: a corrected time without an offset is taken as UTC.
    original = corrections._moment

    def as_utc(value: str, by: CaseFact) -> datetime:
        try:
            return original(value, by)
        except InvalidCorrection:
            naive = datetime.fromisoformat(json.loads(value))
            return naive.replace(tzinfo=UTC)

    monkeypatch.setattr(corrections, "_moment", as_utc)
    assert main(["dlq", "retry", dead_letter_id]) == 0
    assert "removed" in capsys.readouterr().out
    assert main(["dlq", "list"]) == 0
    assert "no dead letters" in capsys.readouterr().out
    assert main(["dlq", "show", dead_letter_id]) == 2
    assert "there is no dead letter" in capsys.readouterr().err
