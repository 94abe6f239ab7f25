"""Which tables a statistics page or export holds: every table (``all``), or
the "report inputs" preset (``report``): the tables the GRETA and TIP
questionnaires ask for, each with its definition.

``tables(conn, filters, now, wording, preset)`` gives them exact; publish
them with ``services.stats.tables.publish``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from psycopg import Connection

from projections import stats_queries as q
from services.api.labels import N_
from services.api.wording import Wording
from services.stats.builders import CATALOGUES, Builder
from services.stats.clinic_tables import CLINIC_TABLES
from services.stats.report import (
    activity_by_month,
    caseload,
    identified_by,
    identified_exploitation,
    identified_nationality_age,
    identified_sex_age,
    notifications,
    outcomes,
    referral_times,
    referrals,
    services,
    sop_by_month,
)
from services.stats.tables import Table

PRESETS = ("all", "report")
WORK_MEM = "64MB"


def assisted(b: Builder) -> Table:
    counts = q.steps(
        b.conn, b.f, ["ServiceStarted"], ("sex", "minor"), distinct_cases=True
    )
    return b.two_way(
        "assisted",
        N_("Assisted persons by sex, minors and adults"),
        N_(
            "Persons for whom at least one service of the reintegration "
            "programme started in the period."
        ),
        ("sex", "minor"),
        counts,
        (CATALOGUES["sex"], CATALOGUES["minor"]),
    )


def prosecutions(b: Builder) -> Table:
    counts = b.steps(["ProtectionOrderIssued"], ("event_type",))
    w = b.w
    return Table(
        "prosecutions",
        w._("Prosecutions and protection orders"),
        w._(
            "The backbone records protection orders issued by a court, not "
            "prosecutions or convictions: those figures come from the legal "
            "clinic's own files and are added by hand."
        ),
        w._("Step"),
        [w._("Count")],
        [(w._("Protection orders issued"), [sum(counts.values())])],
    )


STATUS_DEFINITION = N_(
    "Status decisions the Responsible Authority recorded in the period."
)
RETURN_DEFINITION = N_(
    "Returns to a country recorded in the period; assisted: organised with "
    "the programme's help."
)
CLOSURE_DEFINITION = N_("Cases closed in the period, by the reason recorded.")

ALL: Sequence[Callable[[Builder], Table]] = (
    activity_by_month,
    identified_sex_age,
    identified_by("minor", N_("Identified persons: minors and adults")),
    identified_by("nationality", N_("Identified persons by nationality")),
    identified_exploitation,
    identified_by("source", N_("Identified persons by source")),
    identified_by("region", N_("Identified persons by region")),
    referrals,
    referral_times,
    services,
    outcomes("status", "StatusDetermined", N_("Status decisions"), STATUS_DEFINITION),
    outcomes(
        "assisted",
        "ReturnedToCountry",
        N_("Returns"),
        RETURN_DEFINITION,
        "assisted",
    ),
    outcomes("close_reason", "Closed", N_("Closures by reason"), CLOSURE_DEFINITION),
    notifications,
    sop_by_month,
    caseload("unit", N_("Caseload per mobile unit")),
    caseload("worker", N_("Caseload per worker")),
    *CLINIC_TABLES,
)

# What the GRETA and TIP questionnaires ask for.
REPORT: Sequence[Callable[[Builder], Table]] = (
    identified_sex_age,
    identified_exploitation,
    identified_nationality_age,
    outcomes("status", "StatusDetermined", N_("Status decisions"), STATUS_DEFINITION),
    assisted,
    outcomes(
        "assisted",
        "ReturnedToCountry",
        N_("Returned persons"),
        RETURN_DEFINITION,
        "assisted",
    ),
    prosecutions,
)


def tables(
    conn: Connection[Any],
    filters: q.Filters,
    now: datetime,
    wording: Wording,
    preset: str = "all",
    only: Sequence[str] = (),
) -> list[Table]:
    """The exact tables of ``preset`` (``all`` or ``report``); with ``only``,
    just the tables whose key starts with one of those names."""
    # The counts group a year's steps and obligations in memory: room enough
    # to hash them rather than sort them on disk (this transaction only).
    conn.execute("SELECT set_config('work_mem', %s, true)", (WORK_MEM,))
    builder = Builder(conn, filters, now, wording)
    chosen = REPORT if preset == "report" else ALL
    built = [build(builder) for build in chosen]
    if only:
        built = [t for t in built if any(t.key.startswith(name) for name in only)]
    return built
