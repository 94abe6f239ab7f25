"""The auditor's commands through ``vatra`` itself: verify, export, history by version.

These need the CLI, settings and bootstrap wiring of issue #7; until it is in,
they are skipped with that reason.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import psycopg
import pytest

from services.cli.main import main
from services.store.database import Database


@pytest.fixture
def external_env(external_env: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The CLI's database, with the keys that chain and encrypt its events."""
    monkeypatch.setenv("VATRA_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("VATRA_CHAIN_KEY", "cli-test-chain-key-0123456789abcdefgh")
    monkeypatch.setenv(
        "VATRA_EVENT_CIPHER_KEY", base64.b64encode(os.urandom(32)).decode()
    )
    return external_env


def demo_case(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["demo"]) == 0
    found = re.search(r"Timeline of case ([0-9a-f-]{36})", capsys.readouterr().out)
    assert found
    return found[1]


def test_verify_passes_on_the_demo_and_fails_with_the_case_named_after_tampering(
    external_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = demo_case(capsys)
    assert main(["verify"]) == 0
    assert "Every chain is intact" in capsys.readouterr().out
    with psycopg.connect(external_env.conninfo(), autocommit=True) as conn:
        conn.execute(
            "DELETE FROM cases_events WHERE originator_id = %s "
            "AND originator_version = 2",
            (case_id,),
        )
    assert main(["verify"]) == 1
    assert re.search(rf"{case_id}\s+2\s+removed", capsys.readouterr().out)


def test_export_writes_the_case_and_history_replays_a_version(
    external_env: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    case_id = demo_case(capsys)
    out = tmp_path / "case.json"
    assert (
        main(
            ["export", case_id, "--format", "json", "--out", str(out), "--actor", "a1"]
        )
        == 0
    )
    exported = json.loads(out.read_text())
    assert exported["integrity"]["intact"] is True
    assert exported["access_log"][-1]["view"] == "export"
    assert main(["history", case_id, "--version", "2"]) == 0
    assert "version 2" in capsys.readouterr().out
    assert main(["rebuild"]) == 0
    assert "Every read model is identical" in capsys.readouterr().out
