"""The reliability table: one row per fault scenario, written to RELIABILITY.md.

Each scenario adds its row with what it measured *before* it asserts, so a
failing run still shows, in the table, what was lost or duplicated.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

HEADER = """\
# Reliability

Written by the fault suite (`make test-faults`, i.e. `pytest tests/faults`):
each row by the last run of its scenario, so running some scenarios alone
updates their rows and keeps the others; do not edit by hand. Every scenario
runs against a real PostgreSQL, a real Kafka (KRaft, from the official jars)
and a real SMTP server (aiosmtpd), on loopback only, with seeded randomness.
Each row is checked by the test that wrote it: events lost, duplicates, alerts
duplicated and alerts missing must all be 0.

- *Events recorded*: events in the event store at the end (recorded by the
  load, the notifier and the SOP clock).
- *Events lost*: stored events missing from Kafka or from a read model, plus
  read-model tables that differ from a rebuild from scratch.
- *Duplicates*: stored events on Kafka more than once per (case, version),
  plus deadline events recorded twice for one obligation deadline.
- *Alerts duplicated*: distinct Message-IDs (or `AuthorityNotified` records)
  beyond one per ledger intent. Resends that carry the *same* Message-ID are
  counted apart, in the notes: the documented send-to-mark window allows at
  most one per notifier crash, and a receiver that deduplicates on the id
  keeps one message.
- *Alerts missing*: intents a rebuilt intake expects that were not delivered.
- *Time to recover*: from the end of the last fault until every component
  had caught up with everything recorded (or, where named, the time to
  resume after the fault).

"""

COLUMNS = (
    "Scenario",
    "Faults injected",
    "Events recorded",
    "Events lost",
    "Duplicates",
    "Alerts duplicated",
    "Alerts missing",
    "Time to recover",
    "Notes",
)


@dataclass(frozen=True)
class Row:
    """What one scenario did and what it found."""

    scenario: str
    faults: str
    events: int
    lost: int
    duplicates: int
    alerts_duplicated: int | None
    alerts_missing: int | None
    recovery: str
    notes: str = ""

    def cells(self) -> tuple[str, ...]:
        return (
            self.scenario,
            self.faults,
            str(self.events),
            str(self.lost),
            str(self.duplicates),
            "n/a" if self.alerts_duplicated is None else str(self.alerts_duplicated),
            "n/a" if self.alerts_missing is None else str(self.alerts_missing),
            self.recovery,
            self.notes,
        )


@dataclass
class ReliabilityReport:
    """Rows collected over a session; ``write`` renders them as Markdown."""

    rows: list[Row] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, row: Row) -> None:
        with self.lock:
            self.rows.append(row)

    def render(self, earlier: str = "") -> str:
        """The table of this session's rows; ``earlier``'s rows (the file as it
        was) are kept in their places unless this session ran their scenario."""
        lines = dict(_table_rows(earlier))
        for row in self.rows:
            cells = [
                cell.replace("|", "\\|").replace("\n", " ") for cell in row.cells()
            ]
            lines[cells[0]] = "| " + " | ".join(cells) + " |"
        table = [
            "| " + " | ".join(COLUMNS) + " |",
            "|" + "|".join("---" for _ in COLUMNS) + "|",
            *lines.values(),
        ]
        return HEADER + "\n".join(table) + "\n"

    def write(self, path: Path) -> None:
        if self.rows:
            earlier = path.read_text(encoding="utf-8") if path.exists() else ""
            path.write_text(self.render(earlier), encoding="utf-8")


def _table_rows(text: str) -> list[tuple[str, str]]:
    """(scenario, line) of each row of the table in ``text``, in order."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("| ") or line.startswith(f"| {COLUMNS[0]} |"):
            continue
        rows.append((line[2:].split(" | ", 1)[0], line))
    return rows


def seconds(value: float) -> str:
    return f"{value:.1f} s"
