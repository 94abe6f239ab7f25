"""The tables of the statistics page, each built from the statistics read
model with its title and definition (the sets of them: ``services.stats.sets``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from projections import stats_daily, stats_sop
from projections import stats_queries as q
from services.api.labels import N_
from services.stats.builders import CATALOGUES, Builder, months
from services.stats.tables import Measure, Table, Value

IDENTIFIED = N_(
    "Persons identified as potential victims in the period, by the date of "
    "their identification; a case counts by its region and case type as they "
    "are now."
)
AGE_BAND_NOTE = N_(
    "Age band: the age given at the identification; when only the year of "
    "birth was given, the year the identification was recorded minus the "
    "year of birth."
)
NOT_RECORDED_NOTE = N_(
    "Not recorded: the person's attribute was not given, or their personal "
    "data was erased."
)


def identified_sex_age(b: Builder) -> Table:
    counts = b.identified(("sex", "age_band"))
    t = b.two_way(
        "identified_sex_age",
        N_("Identified persons by sex and age band"),
        IDENTIFIED,
        ("sex", "age_band"),
        counts,
        (CATALOGUES["sex"], CATALOGUES["age_band"]),
    )
    t.notes.append(b.w._(AGE_BAND_NOTE))
    t.notes.append(b.w._(NOT_RECORDED_NOTE))
    return t


def identified_by(dim: str, title: str) -> Callable[[Builder], Table]:
    def build(b: Builder) -> Table:
        counts = b.identified((dim,))
        known = CATALOGUES.get(dim, ())
        t = b.one_way(f"identified_{dim}", title, IDENTIFIED, dim, counts, known)
        if dim in ("nationality", "sex", "age_band"):
            t.notes.append(b.w._(NOT_RECORDED_NOTE))
        return t

    return build


def identified_exploitation(b: Builder) -> Table:
    counts = b.identified(("exploitation", "sex"))
    return b.two_way(
        "identified_exploitation",
        N_("Identified persons by form of exploitation and sex"),
        N_(
            "Persons identified in the period, by each form of exploitation "
            "recorded: a person exploited in several ways counts under each, "
            "so the forms add up to more than the persons."
        ),
        ("exploitation", "sex"),
        counts,
        (CATALOGUES["exploitation"], CATALOGUES["sex"]),
        column_totals=False,
    )


def identified_nationality_age(b: Builder) -> Table:
    counts = b.identified(("nationality", "minor"))
    return b.two_way(
        "identified_nationality_minor",
        N_("Identified persons by nationality, minors and adults"),
        IDENTIFIED,
        ("nationality", "minor"),
        counts,
        (CATALOGUES["nationality"], CATALOGUES["minor"]),
    )


def activity_by_month(b: Builder) -> Table:
    identified = b.identified(("month",))
    referred = b.steps(["Referred"], ("month",))
    started = b.steps(["ServiceStarted"], ("month",))
    rows: list[tuple[str, list[Value]]] = [
        (m, [identified.get((m,), 0), referred.get((m,), 0), started.get((m,), 0)])
        for m in months(b.f)
    ]
    sums = [sum(_whole(r[1][j]) for r in rows) for j in range(3)]
    rows.append((b.w._("Total"), list(sums)))
    w = b.w
    return Table(
        "activity_by_month",
        w._("Identifications, referrals and services started, by month"),
        w._(
            "Persons identified, referrals made and services started in each "
            "month of the period (Europe/Tirane)."
        ),
        w._("Month"),
        [w._("Identified"), w._("Referrals made"), w._("Services started")],
        rows,
        column_totals=True,
        chart="bars",
    )


def referrals(b: Builder) -> Table:
    counts = b.steps(
        ["Referred", "ReferralAccepted", "ReferralDeclined"],
        ("code", "event_type"),
    )
    return _per_service(
        b,
        "referrals",
        N_("Referrals made, accepted and declined, by service"),
        N_(
            "Referrals made in the period, and the answers given in it "
            "(an answer may be to a referral made earlier)."
        ),
        counts,
        [
            ("Referred", N_("Made")),
            ("ReferralAccepted", N_("Accepted")),
            ("ReferralDeclined", N_("Declined")),
        ],
    )


def services(b: Builder) -> Table:
    counts = b.steps(
        ["ServiceStarted", "ServiceCompleted", "ServiceDiscontinued"],
        ("code", "event_type"),
    )
    return _per_service(
        b,
        "services",
        N_("Services started and completed, for each of the 24 services"),
        N_(
            "Services of the reintegration programme started, completed or "
            "discontinued in the period."
        ),
        counts,
        [
            ("ServiceStarted", N_("Started")),
            ("ServiceCompleted", N_("Completed")),
            ("ServiceDiscontinued", N_("Discontinued")),
        ],
    )


def _per_service(
    b: Builder,
    key: str,
    title: str,
    definition: str,
    counts: Mapping[tuple[str, ...], int],
    columns: list[tuple[str, str]],
) -> Table:
    codes = b.ordered("service", CATALOGUES["service"], (k[0] for k in counts))
    rows: list[tuple[str, list[Value]]] = [
        (b.label("service", c), [counts.get((c, e), 0) for e, _ in columns])
        for c in codes
    ]
    sums = [sum(counts.get((c, e), 0) for c in codes) for e, _ in columns]
    rows.append((b.w._("Total"), list(sums)))
    return Table(
        key,
        b.w._(title),
        b.w._(definition),
        b.w._("Service"),
        [b.w._(label) for _, label in columns],
        rows,
        column_totals=True,
    )


def referral_times(b: Builder) -> Table:
    found = {row["answer"]: row for row in q.referral_answers(b.conn, b.f)}
    w = b.w
    rows: list[tuple[str, list[Value]]] = []
    for event, label in (
        ("ReferralAccepted", N_("Accepted")),
        ("ReferralDeclined", N_("Declined")),
    ):
        r: dict[str, Any] = found.get(event, {})
        n = int(r.get("n", 0))
        rows.append(
            (
                w._(label),
                [n, Measure(r.get("median"), n), Measure(r.get("p90"), n)],
            )
        )
    return Table(
        "referral_times",
        w._("How long answers to referrals took"),
        w._(
            "Answers given in the period: hours from the referral to its "
            "answer, the median and the time 9 answers in 10 were within."
        ),
        w._("Answer"),
        [w._("Answers"), w._("Median (hours)"), w._("90th percentile (hours)")],
        rows,
    )


def notifications(b: Builder) -> Table:
    rows: list[tuple[str, list[Value]]] = []
    found = {r["authority"]: r for r in q.notification_times(b.conn, b.f)}
    codes = b.ordered("authority", CATALOGUES["authority"], found)
    for code in codes:
        r: dict[str, Any] = found.get(code, {})
        notified, acked = int(r.get("notified", 0)), int(r.get("acknowledged", 0))
        rows.append(
            (
                b.label("authority", code),
                [
                    notified,
                    Measure(r.get("notified_median"), notified),
                    acked,
                    Measure(r.get("acknowledged_median"), acked),
                ],
            )
        )
    w = b.w
    return Table(
        "notifications",
        w._("Notification and acknowledgement times, by authority"),
        w._(
            "For the persons identified in the period: hours from the "
            "identification to the first notification of each authority, and "
            "from that notification to its first acknowledgement (medians)."
        ),
        w._("Authority"),
        [
            w._("Cases notified"),
            w._("Median to notify (hours)"),
            w._("Acknowledged"),
            w._("Median to acknowledge (hours)"),
        ],
        rows,
    )


def outcomes(
    dim: str, event: str, title: str, definition: str, step_dim: str = "code"
) -> Callable[[Builder], Table]:
    def build(b: Builder) -> Table:
        counts = b.steps([event], (step_dim,))
        return b.one_way(
            f"{event.lower()}_{dim}",
            title,
            definition,
            dim,
            counts,
            CATALOGUES.get(dim, ("assisted", "not_assisted")),
        )

    return build


def sop_by_month(b: Builder) -> Table:
    days = stats_daily.whole_days(b.f)
    counts = (
        stats_sop.sop_by_month(b.conn, days[0], days[1], b.f.region, b.now)
        if days and not b.f.case_type
        else q.sop_by_month(b.conn, b.f, b.now)
    )
    month_list = months(b.f)
    rules = sorted({k[0] for k in counts})
    rows: list[tuple[str, list[Value]]] = []
    for rule in [*rules, ""]:
        cells: list[Value] = []
        for month in [*month_list, ""]:
            met = _sum(counts, rule, month, ("met",))
            decided = _sum(counts, rule, month, ("met", "met_late", "breached"))
            cells.append(Measure(met / decided if decided else None, decided, "rate"))
        rows.append((b.label("rule", rule) if rule else b.w._("All rules"), cells))
    w = b.w
    return Table(
        "sop_on_time",
        w._("SOP on-time rate per rule and per month"),
        w._(
            "Obligations due in the month and decided: met on time, as a share "
            "of those met on time, met late or missed. A rate over fewer than "
            "the threshold of obligations is not shown."
        ),
        w._("Rule"),
        [*month_list, w._("Period")],
        rows,
        chart="rate",
    )


def _sum(
    counts: Mapping[tuple[str, ...], int],
    rule: str,
    month: str,
    statuses: tuple[str, ...],
) -> int:
    return sum(
        n
        for (r, m, s), n in counts.items()
        if (not rule or r == rule) and (not month or m == month) and s in statuses
    )


def caseload(by: str, title: str) -> Callable[[Builder], Table]:
    def build(b: Builder) -> Table:
        counts = b.caseload(by)
        return b.one_way(
            f"caseload_{by}",
            title,
            N_(
                "Cases open at some time in the period: identified before its "
                "end and not closed before its start; by the mobile unit that "
                "identified them, or the worker who owns them now."
            ),
            by,
            counts,
            chart=None,
        )

    return build


def _whole(value: Value) -> int:
    return value if isinstance(value, int) else 0
