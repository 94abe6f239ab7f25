"""A statistics table, and what it looks like once small cells are suppressed.

A table is built with every count exact (``services.stats.builders``); only
``publish`` decides what may be shown. The page, the downloads and
``vatra stats`` all publish through it, with the same threshold; the auditors'
unsuppressed export is the one caller that asks for the exact table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from services.stats.suppression import sums_of, suppressed


@dataclass(frozen=True)
class Measure:
    """A time (hours) or a rate (0-1) over ``n`` cases: shown only when ``n``
    reaches the threshold, since a median of two is nearly their values."""

    value: float | None
    n: int
    unit: Literal["hours", "rate"] = "hours"


Value = int | Measure


@dataclass
class Table:
    """Rows of counts (or measures) under ``columns``; with ``row_totals`` the
    last column is each row's total, with ``column_totals`` the last row is
    each column's. Labels are in the reader's language."""

    key: str
    title: str
    definition: str
    corner: str
    columns: list[str]
    rows: list[tuple[str, list[Value]]]
    row_totals: bool = False
    column_totals: bool = False
    # How the page draws it: "bars" (the first column per row), "rate" (each
    # row's last column, 0-100%), or not at all.
    chart: str | None = None
    notes: list[str] = field(default_factory=list)


# What a published cell holds: its text, and what it is, for styling and charts.
CellKind = Literal["shown", "primary", "secondary", "measure_hidden", "empty"]


@dataclass(frozen=True)
class Cell:
    text: str
    kind: CellKind
    number: float | None = None


@dataclass(frozen=True)
class Published:
    table: Table
    rows: list[tuple[str, list[Cell]]]
    suppressed: bool

    @property
    def any_hidden(self) -> bool:
        return any(c.kind != "shown" for _, cells in self.rows for c in cells)


SECONDARY = "*"
HIDDEN_MEASURE = "\u2013"  # an en dash


def publish(table: Table, threshold: int, *, exact: bool = False) -> Published:
    """The table as it may be shown: counts under ``threshold`` as "<N",
    those hidden so that totals give nothing away as "*", times and rates over
    fewer than ``threshold`` cases as a dash. ``exact``: every value as it is
    (the auditors' export only)."""
    counts = [[_count(v) for v in cells] for _, cells in table.rows]
    lines = (
        sums_of(
            len(counts),
            len(counts[0]),
            row_totals=table.row_totals,
            column_totals=table.column_totals,
        )
        if counts and counts[0]
        else []
    )
    primary, secondary = (
        (set(), set()) if exact else suppressed(counts, threshold, lines)
    )
    rows = []
    for i, (label, cells) in enumerate(table.rows):
        out = []
        for j, value in enumerate(cells):
            if isinstance(value, Measure):
                out.append(_measure(value, threshold, exact))
            elif (i, j) in primary:
                out.append(Cell(f"<{threshold}", "primary"))
            elif (i, j) in secondary:
                out.append(Cell(SECONDARY, "secondary"))
            else:
                out.append(Cell(str(value), "shown", float(value)))
        rows.append((label, out))
    return Published(table, rows, not exact)


def _count(value: Value) -> int:
    # A measure is not a count: it takes part in no sum.
    return 0 if isinstance(value, Measure) else value


def _measure(m: Measure, threshold: int, exact: bool) -> Cell:
    if m.value is None:
        return Cell(HIDDEN_MEASURE, "empty")
    if m.n < threshold and not exact:
        return Cell(HIDDEN_MEASURE, "measure_hidden")
    if m.unit == "rate":
        return Cell(f"{m.value * 100:.0f}%", "shown", m.value)
    return Cell(f"{m.value:.1f}", "shown", m.value)
