"""The ``vatra`` command line against a real PostgreSQL."""

from __future__ import annotations

import json
import re

import pytest

from services.cli.main import main
from services.store.database import Database


def test_demo_prints_a_timeline_and_the_compliance_table_and_reruns_safely(
    external_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    out, err = capsys.readouterr()
    assert re.search(r"demo: (\d+) new events recorded", out)
    assert "Timeline of case" in out
    assert "Identified a minor (trafficking) in Vlorë" in out
    assert "SOP compliance by rule" in out
    for rule in ("police-notified", "ra-notified", "cpu-notified", "follow-up"):
        assert rule in out
    # Rules are named by their title for people, the id beside it for the files.
    assert "Police notified (police-notified)" in out
    assert "Monthly follow-up after closure (follow-up)" in out
    assert "Overdue obligations" in out
    # Every log line is JSON and carries no pseudonym or municipality.
    records = [json.loads(line) for line in err.strip().splitlines()]
    for record in records:
        assert "PV-" not in json.dumps(record)
    # Not in production mode and without keys: said in one line, not per step
    # nor once more in the log (the tests give every backbone a personal-data
    # key, tests.keys).
    assert not [r for r in records if r["event"] == "running_without_keys"]
    [warning] = [line for line in out.splitlines() if "not for real cases" in line]
    assert warning.startswith("Warning: this demo runs without VATRA_CHAIN_KEY, ")
    assert "VATRA_EVENT_CIPHER_KEY, VATRA_NOTIFY_SECRET" in warning
    assert main(["demo"]) == 0
    assert "demo: 0 new events recorded" in capsys.readouterr().out


def test_timeline_sop_and_history_commands(
    external_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["demo"])
    out = capsys.readouterr().out
    case_id = re.search(r"Timeline of case ([0-9a-f-]{36})", out)
    assert case_id
    assert main(["timeline", case_id[1]]) == 0
    assert "Referred to Shelter accommodation" in capsys.readouterr().out
    assert main(["sop"]) == 0
    assert "SOP compliance by region" in capsys.readouterr().out
    assert main(["history", case_id[1], "--as-of", "2000-01-01T00:00:00Z"]) == 2
    assert "did not exist yet" in capsys.readouterr().err
    assert main(["history", case_id[1], "--as-of", "2100-01-01T00:00:00Z"]) == 0
    assert "as it stood at" in capsys.readouterr().out


def test_bad_input_is_a_clear_error_not_a_traceback(
    external_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["timeline", "not-a-case"]) == 2
    assert "not a valid case id" in capsys.readouterr().err
    assert (
        main(
            ["history", "00000000-0000-0000-0000-000000000001", "--as-of", "yesterday"]
        )
        == 2
    )
    assert "--as-of 'yesterday' is not a date and time" in capsys.readouterr().err
