"""The charts of the statistics page: bars drawn on the server as SVG, from
the published (suppressed) table, so a chart shows nothing its table does not.

A table with ``chart="bars"`` draws its first column, one bar per row (its
total row left out); ``chart="rate"`` draws its last row (all rules) across
the months, 0-100%. A hidden value has no bar, only its text ("<5", "*").
"""

from __future__ import annotations

from dataclasses import dataclass

from services.stats.tables import Published


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    width: float | None  # 0-1 of the longest bar; None: not drawn


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    description: str


def chart_of(published: Published, description: str) -> Chart | None:
    """The chart of a published table, or None if it has none."""
    t = published.table
    if t.chart == "bars":
        rows = published.rows[:-1] if t.column_totals else published.rows
        pairs = [(label, cells[0]) for label, cells in rows]
    elif t.chart == "rate" and published.rows:
        last = published.rows[-1][1]
        pairs = list(zip(t.columns[:-1], last[:-1], strict=True))
    else:
        return None
    if not pairs:
        return None
    top = max((c.number or 0.0 for _, c in pairs if c.kind == "shown"), default=0.0)
    scale = 1.0 if t.chart == "rate" else top
    bars = [
        Bar(
            label,
            cell.text,
            (cell.number or 0.0) / scale if cell.kind == "shown" and scale else None,
        )
        for label, cell in pairs
    ]
    return Chart(bars, description)
