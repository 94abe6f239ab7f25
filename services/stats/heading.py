"""What a statistics file or page says about itself: the period, region and
case type it counts, and how small counts were hidden, in the reader's
language."""

from __future__ import annotations

from services.api.wording import Wording
from services.stats.period import Choice


def describe(
    choice: Choice, w: Wording, threshold: int, *, exact: bool = False
) -> list[tuple[str, str]]:
    """What a file counts, in the reader's language."""
    lines = [
        (w._("Period"), f"{choice.first.isoformat()} \u2013 {choice.last.isoformat()}"),
        (w._("Region"), w.region(choice.region) if choice.region else w._("all")),
        (
            w._("Case type"),
            w.code("case_type", choice.case_type) if choice.case_type else w._("all"),
        ),
    ]
    if exact:
        lines.append(
            (
                w._("Small counts"),
                w._("Not suppressed: for internal use by auditors only."),
            )
        )
    else:
        lines.append((w._("Small counts"), suppression_note(w, threshold)))
    return lines


def suppression_note(w: Wording, threshold: int) -> str:
    return w._(
        "Counts from 1 to %(below)s are shown as <%(threshold)s; a count "
        "marked * is hidden so that no total gives a small count away; a time "
        "or rate over fewer than %(threshold)s cases is shown as a dash.",
        below=threshold - 1,
        threshold=threshold,
    )
