"""Small-cell protection: counts under the threshold are hidden, and so is
whatever a total would give them away by."""

from __future__ import annotations

from services.stats.suppression import sums_of, suppressed
from services.stats.tables import Measure, Table, publish


def texts(table: Table, threshold: int = 5) -> list[list[str]]:
    return [[c.text for c in cells] for _, cells in publish(table, threshold).rows]


def one_way(*counts: int) -> Table:
    rows = [(f"r{i}", [n]) for i, n in enumerate(counts)]
    rows.append(("Total", [sum(counts)]))
    return Table("t", "t", "", "", ["n"], rows, column_totals=True)  # type: ignore[arg-type]


def test_a_count_under_the_threshold_is_shown_as_less_than_it() -> None:
    assert texts(one_way(12, 3, 4)) == [["12"], ["<5"], ["<5"], ["19"]]


def test_a_zero_is_shown_and_a_count_at_the_threshold_too() -> None:
    assert texts(one_way(0, 5, 9)) == [["0"], ["5"], ["9"], ["14"]]


def test_one_hidden_count_beside_a_total_hides_the_next_smallest() -> None:
    # 54 - 9 - 12 - 30 would give the 3 back: the 9 is hidden too.
    assert texts(one_way(9, 3, 12, 30)) == [["*"], ["<5"], ["12"], ["30"], ["54"]]


def test_when_every_other_part_is_zero_the_total_is_hidden() -> None:
    assert texts(one_way(0, 3, 0)) == [["0"], ["<5"], ["0"], ["<5"]]
    assert texts(one_way(0, 7, 0)) == [["0"], ["7"], ["0"], ["7"]]


def test_in_a_cross_table_no_row_or_column_sum_gives_a_hidden_cell_back() -> None:
    body = [[20, 2, 15], [30, 40, 25], [11, 12, 50]]
    rows = [[*r, sum(r)] for r in body]
    rows.append([sum(col) for col in zip(*rows, strict=True)])
    table = Table(
        "x",
        "x",
        "",
        "",
        ["a", "b", "c", "Total"],
        [(f"r{i}", list(r)) for i, r in enumerate(rows)],  # type: ignore[misc]
        row_totals=True,
        column_totals=True,
    )
    lines = sums_of(4, 4, row_totals=True, column_totals=True)
    primary, secondary = suppressed(rows, 5, lines)
    hidden = primary | secondary
    assert primary == {(0, 1)}
    for total, parts in lines:
        unknown = [c for c in [total, *parts] if c in hidden]
        assert len(unknown) != 1, (total, parts)
    shown = texts(table)
    assert shown[0][1] == "<5"
    assert sum(1 for row in shown for text in row if text == "*") >= 3


def test_a_median_of_too_few_is_not_shown_but_the_auditors_export_shows_all() -> None:
    table = Table("m", "m", "", "", ["n", "median"], [("a", [3, Measure(2.5, 3)])])
    assert texts(table) == [["<5", "\u2013"]]
    exact = publish(table, 5, exact=True)
    assert [c.text for c in exact.rows[0][1]] == ["3", "2.5"]
