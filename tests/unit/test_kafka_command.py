"""``vatra kafka`` takes deploy/kafka/kafka.sh's arguments, with its defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.kafka_local import DEFAULT_DATA_DIR, DEPLOY_DIR, script_arguments

SCRIPT = DEPLOY_DIR / "kafka.sh"


def test_the_defaults_are_the_scripts_port_and_data_dir() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    assert '--port "${2:-9092}"' in script
    assert re.search(r'"\$root/var/kafka"', script)
    root = DEPLOY_DIR.parent.parent
    assert root / "var" / "kafka" == DEFAULT_DATA_DIR
    assert script_arguments(["start"]) == [
        "start",
        "--data-dir",
        str(root / "var" / "kafka"),
        "--port",
        "9092",
    ]
    assert script_arguments(["stop"]) == ["stop", "--data-dir", str(DEFAULT_DATA_DIR)]


def test_a_data_dir_and_port_are_taken_as_the_script_takes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert script_arguments(["start", "kafka-data", "19092"]) == [
        "start",
        "--data-dir",
        str(tmp_path / "kafka-data"),
        "--port",
        "19092",
    ]
    assert script_arguments(["status", "/srv/kafka"]) == [
        "status",
        "--data-dir",
        "/srv/kafka",
    ]
    assert script_arguments(["fetch"]) == ["fetch"]


@pytest.mark.parametrize(
    "argv",
    [[], ["restart"], ["fetch", "x"], ["stop", "a", "b"], ["start", "a", "b", "c"]],
)
def test_what_the_script_refuses_is_refused(argv: list[str]) -> None:
    assert script_arguments(argv) is None
