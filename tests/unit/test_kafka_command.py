"""``vatra kafka`` takes deploy/kafka/kafka.sh's arguments, with its defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devtools.kafka.cli import DEFAULT_DATA_DIR, script_arguments
from devtools.kafka.jars import DEPLOY_DIR
from services.cli import dev_tools
from services.cli.main import main

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


def test_from_a_source_checkout_vatra_kafka_runs_the_development_tool() -> None:
    from devtools.kafka.cli import script_main  # noqa: PLC0415

    assert dev_tools.kafka_script() is script_main


def test_without_a_source_checkout_vatra_kafka_says_how_to_get_the_tool(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # An installed wheel: no devtools/ beside the services package.
    monkeypatch.setattr(dev_tools, "CHECKOUT", tmp_path)
    assert main(["kafka", "status"]) == 3
    error = capsys.readouterr().err
    assert "devtools/kafka/" in error
    assert "checkout" in error
    assert "KAFKA_BOOTSTRAP_SERVERS" in error
