"""Published tables as CSV, Excel (openpyxl) or Markdown.

Each table comes with its title and definition, and the file says what it
counts (period, region, case type) and how small counts were hidden. Hidden
cells are written as they are shown on the page ("<5", "*", a dash), so a file
passed on reveals no more than the page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from services.stats.tables import Published

Heading = Sequence[tuple[str, str]]  # (label, value) lines about the whole file


def to_csv(heading: Heading, tables: Sequence[Published]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for label, value in heading:
        writer.writerow([label, value])
    for p in tables:
        t = p.table
        writer.writerow([])
        writer.writerow([t.title])
        writer.writerow([t.definition])
        for note in t.notes:
            writer.writerow([note])
        writer.writerow([t.corner, *t.columns])
        for label, cells in p.rows:
            writer.writerow([label, *[c.text for c in cells]])
    # With a byte-order mark, so that Excel reads the Albanian letters right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(heading: Heading, tables: Sequence[Published], about: str) -> bytes:
    """One sheet saying what the file counts, then one sheet per table; a
    shown count is a number, a hidden one its text."""
    # Loaded only by the downloads: openpyxl takes a while to import.
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = about[:31]
    for label, value in heading:
        sheet.append([label, value])
    bold = Font(bold=True)
    used: set[str] = {sheet.title}
    for p in tables:
        t = p.table
        name = _sheet_name(t.key, used)
        used.add(name)
        ws = book.create_sheet(name)
        ws.append([t.title])
        ws["A1"].font = bold
        ws.append([t.definition])
        for note in t.notes:
            ws.append([note])
        ws.append([t.corner, *t.columns])
        for cell in ws[ws.max_row]:
            cell.font = bold
        for label, cells in p.rows:
            ws.append(
                [
                    label,
                    *[_number(c.text) if c.kind == "shown" else c.text for c in cells],
                ]
            )
            for cell, published in zip(ws[ws.max_row][1:], cells, strict=True):
                # A rate or a time is no count: formatted as what it is.
                if published.text.endswith("%"):
                    cell.number_format = "0%"
                elif published.kind == "shown" and "." in published.text:
                    cell.number_format = "0.0"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(key: str, used: set[str]) -> str:
    name = key[:31]
    n = 2
    while name in used:
        name = f"{key[:28]}-{n}"
        n += 1
    return name


def _number(text: str) -> float | int | str:
    if text.endswith("%"):
        return float(text[:-1]) / 100
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def to_markdown(heading: Heading, tables: Sequence[Published]) -> str:
    lines = [f"- {label}: {value}" for label, value in heading]
    for p in tables:
        t = p.table
        lines += ["", f"## {t.title}", "", t.definition, ""]
        lines += [f"_{note}_" for note in t.notes]
        if t.notes:
            lines.append("")
        lines.append("| " + " | ".join([t.corner, *t.columns]) + " |")
        lines.append("|" + "---|" * (len(t.columns) + 1))
        for label, cells in p.rows:
            lines.append("| " + " | ".join([label, *[c.text for c in cells]]) + " |")
    return "\n".join(lines) + "\n"
