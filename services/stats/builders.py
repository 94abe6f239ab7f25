"""Every table of the statistics page, counted from the statistics read model.

Each builder reads ``projections.stats_queries`` and lays the counts out in
rows the reader knows by name (in the ``Wording``'s language), every code of
a catalogue listed even at zero, then whatever else was counted (a code no
longer in the catalogue) by its code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from psycopg import Connection

from domain.catalogue import AUTHORITIES, CLOSE_REASONS, SERVICES, SOURCES, STATUSES
from domain.catalogue_files import EXPLOITATION_FORMS
from domain.clock import TIRANE
from projections import stats_daily
from projections import stats_queries as q
from projections.stats_person import band_names
from services.api.labels import N_
from services.api.wording import Wording
from services.stats.tables import Table, Value

Counts = Mapping[tuple[str, ...], int]
NOT_RECORDED = q.NOT_RECORDED
SEX_ORDER = ("female", "male")


def months(f: q.Filters) -> list[str]:
    """The months (``YYYY-MM``, Europe/Tirane) the period touches."""
    first = f.start.astimezone(TIRANE)
    last = (f.end - timedelta(microseconds=1)).astimezone(TIRANE)
    found: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


class Builder:
    """The tables of one period, region and case type, in one language."""

    def __init__(
        self, conn: Connection[Any], f: q.Filters, now: datetime, w: Wording
    ) -> None:
        self.conn, self.f, self.now, self.w = conn, f, now, w
        self._identified: dict[tuple[str, ...], dict[tuple[str, ...], int]] | None
        self._identified = None
        self._steps: dict[tuple[str, ...], dict[tuple[str, ...], int]] | None
        self._steps = None
        self._caseloads: dict[str, dict[tuple[str, ...], int]] | None = None

    # -- counts ---------------------------------------------------------------
    # The tables share a few set-based queries, each run once per page (the
    # first table that needs it): counting every cell on its own would read
    # the read model once per table.
    def identified(self, dims: tuple[str, ...]) -> Counts:
        """``stats_queries.identified``, from the one pass over the cases
        when ``dims`` is one of its sets."""
        if dims not in q.IDENTIFIED_SETS:
            return q.identified(self.conn, self.f, dims)
        if self._identified is None:
            self._identified = q.identified_sets(self.conn, self.f, q.IDENTIFIED_SETS)
        return self._identified[dims]

    def steps(self, event_types: Sequence[str], dims: tuple[str, ...]) -> Counts:
        """``stats_queries.steps`` (counting steps, not cases), from the one
        pass over the steps of ``STEP_TYPES``."""
        if not set(event_types) <= STEP_TYPES or not _from_sets(dims):
            return q.steps(self.conn, self.f, event_types, dims)
        if self._steps is None:
            days = stats_daily.whole_days(self.f)
            self._steps = (
                stats_daily.step_sets(self.conn, self.f, days, sorted(STEP_TYPES))
                if days
                else q.step_sets(self.conn, self.f, sorted(STEP_TYPES))
            )
        wanted = set(event_types)
        found: dict[tuple[str, ...], int] = {}
        by = "code" if dims in (("event_type",), ("code", "event_type")) else dims[0]
        for (event, value), n in self._steps[("event_type", by)].items():
            if event not in wanted:
                continue
            key = {
                ("event_type",): (event,),
                ("code", "event_type"): (value, event),
            }.get(dims, (value,))
            found[key] = found.get(key, 0) + n
        return found

    def caseload(self, by: str) -> Counts:
        """``stats_queries.caseload``, every kind from one query."""
        if self._caseloads is None:
            self._caseloads = q.caseloads(self.conn, self.f)
        return self._caseloads[by]

    # -- labels ---------------------------------------------------------------
    def label(self, dim: str, code: str) -> str:
        w = self.w
        if code == NOT_RECORDED:
            return w._("not recorded")
        named: dict[str, Callable[[str], str]] = {
            "sex": lambda c: w.code("sex", c),
            "nationality": w.country,
            "exploitation": lambda c: w.exploitation([c]),
            "source": lambda c: w.code("source", c),
            "region": w.region,
            "case_type": lambda c: w.code("case_type", c),
            "status": lambda c: w.code("status", c),
            "service": w.service,
            "authority": w.authority,
            "close_reason": lambda c: w.code("close_reason", c),
            "rule": w.rule,
            "minor": lambda c: w._("minors") if c == "minor" else w._("adults"),
            "assisted": lambda c: (
                w._("assisted return") if c == "assisted" else w._("other return")
            ),
        }
        return named[dim](code) if dim in named else code

    def ordered(
        self, dim: str, known: Iterable[str], counted: Iterable[str]
    ) -> list[str]:
        """The catalogue's codes in order, then any other code counted."""
        first = list(known)
        seen = set(counted)
        rest = sorted(seen - set(first) - {NOT_RECORDED})
        tail = [NOT_RECORDED] if NOT_RECORDED in seen else []
        return first + rest + tail

    # -- shapes ---------------------------------------------------------------
    def one_way(
        self,
        key: str,
        title: str,
        definition: str,
        dim: str,
        counts: Counts,
        known: Iterable[str] = (),
        *,
        total: bool = True,
        chart: str | None = "bars",
    ) -> Table:
        codes = self.ordered(dim, known, (k[0] for k in counts))
        rows: list[tuple[str, list[Value]]] = [
            (self.label(dim, c), [counts.get((c,), 0)]) for c in codes
        ]
        if total:
            rows.append((self.w._("Total"), [sum(counts.values())]))
        return Table(
            key,
            self.w._(title),
            self.w._(definition),
            self.w._(_HEADINGS[dim]),
            [self.w._("Count")],
            rows,
            column_totals=total,
            chart=chart,
        )

    def two_way(
        self,
        key: str,
        title: str,
        definition: str,
        dims: tuple[str, str],
        counts: Counts,
        known: tuple[Iterable[str], Iterable[str]],
        *,
        column_totals: bool = True,
    ) -> Table:
        rows_dim, cols_dim = dims
        row_codes = self.ordered(rows_dim, known[0], (k[0] for k in counts))
        col_codes = self.ordered(cols_dim, known[1], (k[1] for k in counts))
        body: list[tuple[str, list[Value]]] = []
        for r in row_codes:
            cells = [counts.get((r, c), 0) for c in col_codes]
            body.append((self.label(rows_dim, r), [*cells, sum(cells)]))
        if column_totals:
            sums = [
                sum(_int(row[1][j]) for row in body) for j in range(len(col_codes) + 1)
            ]
            body.append((self.w._("Total"), list(sums)))
        columns = [self.label(cols_dim, c) for c in col_codes] + [self.w._("Total")]
        return Table(
            key,
            self.w._(title),
            self.w._(definition),
            self.w._(_HEADINGS[rows_dim]),
            columns,
            body,
            row_totals=True,
            column_totals=column_totals,
        )


_HEADINGS: Mapping[str, str] = {
    "sex": N_("Sex"),
    "age_band": N_("Age band"),
    "nationality": N_("Nationality"),
    "exploitation": N_("Form of exploitation"),
    "source": N_("Source"),
    "region": N_("Region"),
    "minor": N_("Age group"),
    "status": N_("Status"),
    "service": N_("Service"),
    "authority": N_("Authority"),
    "close_reason": N_("Reason"),
    "rule": N_("Rule"),
    "assisted": N_("Return"),
    "month": N_("Month"),
    "unit": N_("Mobile unit"),
    "worker": N_("Worker"),
    "answer": N_("Answer"),
}


# The steps the page counts (not as distinct cases).
STEP_TYPES = frozenset(
    {
        "Referred",
        "ReferralAccepted",
        "ReferralDeclined",
        "ServiceStarted",
        "ServiceCompleted",
        "ServiceDiscontinued",
        "StatusDetermined",
        "ReturnedToCountry",
        "Closed",
        "ProtectionOrderIssued",
    }
)


def _from_sets(dims: tuple[str, ...]) -> bool:
    """Whether steps counted by ``dims`` can be read from ``STEP_SETS``."""
    return dims in (
        ("event_type",),
        ("code", "event_type"),
        ("code",),
        ("month",),
        ("assisted",),
    )


def _int(value: Value) -> int:
    return value if isinstance(value, int) else 0


CATALOGUES: Mapping[str, Sequence[str]] = {
    "sex": SEX_ORDER,
    "age_band": band_names(),
    "minor": ("minor", "adult"),
    "exploitation": tuple(EXPLOITATION_FORMS.labels),
    "source": sorted(SOURCES),
    "status": sorted(STATUSES),
    "service": tuple(SERVICES),
    "authority": tuple(AUTHORITIES),
    "close_reason": sorted(CLOSE_REASONS),
    "nationality": ("AL",),
}
