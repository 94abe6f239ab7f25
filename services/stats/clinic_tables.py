"""The legal clinic's tables on the statistics page: the cases it opened by
type and by who referred them, the decisions by outcome, and the time from a
complaint to the decision. Published like every table: small cells
suppressed, and a median over fewer cases than the threshold not shown.
"""

from __future__ import annotations

from statistics import median

from domain.catalogue import CASE_TYPES
from domain.clinic_codes import OUTCOMES, REFERRAL_SOURCES
from projections import clinic_stats as q
from services.stats.builders import Builder
from services.stats.tables import Measure, Table, Value

CASE_TYPE_ORDER = ("trafficking", "domestic_violence", "gender_based_violence")
assert set(CASE_TYPE_ORDER) == CASE_TYPES


def clinic_cases(b: Builder) -> Table:
    """Cases opened at the clinic, by case type (rows) and referral source."""
    counts = q.cases_by_type_and_source(b.conn, b.f)
    w = b.w
    sources = list(REFERRAL_SOURCES)
    rows: list[tuple[str, list[Value]]] = []
    for case_type in CASE_TYPE_ORDER:
        cells = [counts.get((case_type, s), 0) for s in sources]
        rows.append((w.code("case_type", case_type), [*cells, sum(cells)]))
    totals = [sum(counts.get((t, s), 0) for t in CASE_TYPE_ORDER) for s in sources]
    rows.append((w._("Total"), [*totals, sum(counts.values())]))
    return Table(
        "clinic_cases",
        w._("Legal clinic: cases opened by type and referral source"),
        w._(
            "Cases opened at the legal clinic in the period, by the type of case "
            "and by who referred the person."
        ),
        w._("Type of case"),
        [*(w.code("referral_source", s) for s in sources), w._("Total")],
        rows,
        row_totals=True,
        column_totals=True,
    )


def clinic_outcomes(b: Builder) -> Table:
    """Decisions and judgments of the period, by outcome."""
    counts = q.decisions_by_outcome(b.conn, b.f)
    w = b.w
    codes = [*OUTCOMES, *sorted({k[0] for k in counts} - set(OUTCOMES))]
    rows: list[tuple[str, list[Value]]] = [
        (w.code("outcome", code), [counts.get((code,), 0)]) for code in codes
    ]
    rows.append((w._("Total"), [sum(counts.values())]))
    return Table(
        "clinic_outcomes",
        w._("Legal clinic: decisions by outcome"),
        w._(
            "Decisions and judgments recorded in the period for the clinic's "
            "cases, by their outcome."
        ),
        w._("Outcome"),
        [w._("Count")],
        rows,
        column_totals=True,
        chart="bars",
    )


def clinic_times(b: Builder) -> Table:
    """Median days from the first complaint to a decision, by case type."""
    days = q.days_from_complaint_to_decision(b.conn, b.f)
    w = b.w
    every = [d for found in days.values() for d in found]

    def measure(found: list[float]) -> Measure:
        return Measure(median(found) if found else None, len(found))

    rows: list[tuple[str, list[Value]]] = [
        (w.code("case_type", t), [measure(days.get(t, []))]) for t in CASE_TYPE_ORDER
    ]
    rows.append((w._("All cases"), [measure(every)]))
    return Table(
        "clinic_time_to_decision",
        w._("Legal clinic: time from complaint to decision"),
        w._(
            "For cases with a decision in the period and a complaint filed "
            "before it: the median number of days from the first complaint to "
            "the decision. A median over fewer cases than the threshold is not "
            "shown."
        ),
        w._("Type of case"),
        [w._("Median days")],
        rows,
    )


CLINIC_TABLES = (clinic_cases, clinic_outcomes, clinic_times)
