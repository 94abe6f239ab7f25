"""RELIABILITY.md keeps the rows of the scenarios a run did not include."""

from __future__ import annotations

from pathlib import Path

from tests.faults.fault_report import ReliabilityReport, Row


def _row(scenario: str, events: int) -> Row:
    return Row(scenario, "faults", events, 0, 0, None, None, "1.0 s", "a | b")


def test_a_run_of_some_scenarios_updates_their_rows_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    path = tmp_path / "RELIABILITY.md"
    full = ReliabilityReport()
    for scenario, events in (("Broker killed", 10), ("Disk full", 20)):
        full.add(_row(scenario, events))
    full.write(path)

    alone = ReliabilityReport()
    alone.add(_row("Disk full", 21))
    alone.add(_row("Poison | messages", 5))
    alone.write(path)

    rows = [line for line in path.read_text().splitlines() if line.startswith("| ")]
    assert rows[1:] == [
        "| Broker killed | faults | 10 | 0 | 0 | n/a | n/a | 1.0 s | a \\| b |",
        "| Disk full | faults | 21 | 0 | 0 | n/a | n/a | 1.0 s | a \\| b |",
        "| Poison \\| messages | faults | 5 | 0 | 0 | n/a | n/a | 1.0 s | a \\| b |",
    ]
