"""Small-cell protection: no published count lets anyone single out a few people.

Primary suppression hides every count from 1 to ``threshold - 1`` (shown as
"<5" for the default threshold 5). A zero is shown: it names no one.

Secondary suppression then hides more, so that no total gives a hidden count
back. A table states sums: each row's total, each column's total, the grand
total. A sum with exactly one hidden term (the sum itself or one of its
parts) gives that term away by subtraction, so one more is hidden there: the
smallest count shown in it that is not zero, or the sum itself if every other
part is zero. This runs until no sum has exactly one hidden term.
"""

from __future__ import annotations

from collections.abc import Sequence

Position = tuple[int, int]
# A stated sum: the cell holding it, and the cells it adds up.
Line = tuple[Position, list[Position]]


def sums_of(
    height: int, width: int, *, row_totals: bool, column_totals: bool
) -> list[Line]:
    """The sums a ``height`` x ``width`` grid states, its totals included: the
    last column holds the rows' totals, the last row the columns'."""
    lines: list[Line] = []
    body_h = height - 1 if column_totals else height
    body_w = width - 1 if row_totals else width
    if row_totals:
        for i in range(height):
            lines.append(((i, width - 1), [(i, j) for j in range(body_w)]))
    if column_totals:
        for j in range(width):
            lines.append(((height - 1, j), [(i, j) for i in range(body_h)]))
    return lines


def suppressed(
    values: Sequence[Sequence[int]], threshold: int, lines: Sequence[Line]
) -> tuple[set[Position], set[Position]]:
    """The cells to hide: ``(primary, secondary)``."""
    primary = {
        (i, j)
        for i, row in enumerate(values)
        for j, value in enumerate(row)
        if 0 < value < threshold
    }
    hidden = set(primary)
    changed = True
    while changed:
        changed = False
        for total, parts in lines:
            unknown = [cell for cell in [total, *parts] if cell in hidden]
            if len(unknown) != 1:
                continue
            shown = [
                cell
                for cell in parts
                if cell not in hidden and values[cell[0]][cell[1]] > 0
            ]
            if shown:
                pick = min(shown, key=lambda cell: (values[cell[0]][cell[1]], cell))
            elif total not in hidden:
                pick = total
            else:  # pragma: no cover - a hidden total has a hidden part
                continue
            hidden.add(pick)
            changed = True
    return primary, hidden - primary
