"""What ``vatra`` answers when a case is unknown or altered, what ``history``
prints, and a metrics port another program holds."""

from __future__ import annotations

import re
import socket
import uuid

import pytest

from services.cli.main import main
from services.store.database import Database


def _demo_case(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["demo"]) == 0
    found = re.search(r"Timeline of case ([0-9a-f-]{36})", capsys.readouterr().out)
    assert found
    return found[1]


def test_timeline_of_an_unknown_case_says_there_is_none_and_fails(
    external_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = str(uuid.uuid4())
    assert main(["timeline", unknown]) != 0
    out, err = capsys.readouterr()
    assert f"no case {unknown}" in err
    assert "Timeline" not in out


def test_history_prints_the_obligations_as_they_stood(
    external_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = _demo_case(capsys)
    assert main(["history", case_id, "--as-of", "2100-01-01T00:00:00Z"]) == 0
    out = capsys.readouterr().out
    obligations = out.split("SOP obligations", 1)[1]
    for rule in ("police-notified", "ra-notified", "cpu-notified"):
        assert rule in obligations
    assert main(["history", case_id, "--version", "1"]) == 0
    first = capsys.readouterr().out.split("SOP obligations", 1)[1]
    # Right after the identification nobody had been notified yet.
    assert "police-notified" in first
    assert "met" not in first.split("police-notified", 1)[1].splitlines()[0]


def test_history_of_an_altered_case_points_to_verify_instead_of_a_traceback(
    external_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = _demo_case(capsys)
    with external_env.pool("tamper") as pool, pool.connection() as conn:
        conn.execute(
            "UPDATE cases_events SET state = convert_to(replace("
            "convert_from(state, 'UTF8'), '\"', '\"\"'), 'UTF8') "
            "WHERE originator_id = %s AND originator_version = 2",
            (case_id,),
        )
    assert main(["history", case_id, "--as-of", "2100-01-01T00:00:00Z"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "vatra verify" in err
    assert case_id in err


def test_a_worker_whose_metrics_port_is_taken_says_so_and_exits_3(
    external_env: Database,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("VATRA_METRICS_PORT", str(port))
        assert main(["sop-clock"]) == 3
    err = capsys.readouterr().err
    assert f"VATRA_METRICS_PORT {port}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "command", [["timeline", str(uuid.uuid4())], ["sop"], ["stats"]]
)
def test_a_reading_command_in_production_mode_without_the_keys_refuses_and_names_them(
    external_env: Database,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    monkeypatch.setenv("VATRA_PRODUCTION", "on")
    monkeypatch.setenv("VATRA_CHAIN_KEY", "c" * 40)
    assert main(command) == 3
    err = capsys.readouterr().err
    assert "refuses to start without VATRA_EVENT_CIPHER_KEY" in err
    assert "VATRA_NOTIFY_SECRET" in err
    assert "Traceback" not in err
