"""The statistics read model: one row per case, one per step of interest.

``stats_cases`` holds what a national report counts a case by: when it was
identified, its region, mobile unit, case type, minor flag, source and forms
of exploitation (as corrected), its owner, its latest status decision and
whether and when it was closed. Each value keeps the version of the event that
set it and changes only for a later one (as ``projections.cases`` does), so
the row is the same whatever order the events arrive in.

``stats_steps`` holds the steps a report counts, keyed by (case id, version):
notifications and acknowledgements, status decisions, referrals and their
answers, services started, completed and discontinued, protection orders,
returns, closures and reopenings, each with its one code (the service, the
authority, the status, the reason, the country). A correction of a step's
code or time changes its row.

Neither holds personal data. The person's sex, age band and nationality are
in ``stats_person`` (``projections.stats_person``), which the events cannot
rebuild; this projection only clears a case's row there when the person's data
is erased, so the case counts on as "not recorded".
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Connection, Cursor, sql

from projections import stats_rollups, stats_sop
from projections.copying import insert_new_rows
from projections.feed import Delivered
from projections.schema import ddl_lock, run_ddl
from projections.stats_person import DDL as PERSON_DDL
from projections.stats_person import clear_cases

# Value columns of a case, each with a "<name>_v" column: the version that set it.
VALUES = {
    "identified_at": "timestamptz",
    "region": "text",
    "mobile_unit": "text",
    "is_minor": "boolean",
    "case_type": "text",
    "source": "text",
    "exploitation_types": "text[]",
    "identified_by": "text",
    "assigned_to": "text",
    "status": "text",
    "closed_at": "timestamptz",
}

CASES_DDL = (
    """
CREATE TABLE IF NOT EXISTS stats_cases (
    case_id uuid PRIMARY KEY,
"""
    + "".join(
        f"    {name} {kind},\n    {name}_v integer,\n" for name, kind in VALUES.items()
    )
    + """
    owner text GENERATED ALWAYS AS (COALESCE(assigned_to, identified_by)) STORED
);
CREATE INDEX IF NOT EXISTS stats_cases_identified
    ON stats_cases (identified_at) WHERE identified_at IS NOT NULL;
"""
)

STEPS_DDL = """
CREATE TABLE IF NOT EXISTS stats_steps (
    case_id uuid NOT NULL,
    version integer NOT NULL,
    event_type text NOT NULL,
    occurred_at timestamptz NOT NULL,
    code text NOT NULL,
    referral_id text NOT NULL DEFAULT '',
    flag boolean,
    PRIMARY KEY (case_id, version)
);
CREATE INDEX IF NOT EXISTS stats_steps_type_time
    ON stats_steps (event_type, occurred_at);
"""

# The steps a report counts, and the field that is each one's code.
STEP_CODES: Mapping[str, str] = {
    "AuthorityNotified": "authority",
    "AlertAcknowledged": "authority",
    "StatusDetermined": "status",
    "Referred": "service",
    "ReferralAccepted": "service",
    "ReferralDeclined": "service",
    "ServiceStarted": "service",
    "ServiceCompleted": "service",
    "ServiceDiscontinued": "service",
    "ProtectionOrderIssued": "court",
    "ReturnedToCountry": "country",
    "Closed": "reason",
    "Reopened": "",
    # The legal clinic's (``projections.clinic_stats``).
    "ClinicIntakeRecorded": "referral_source",
    "ComplaintFiled": "filed_with",
    "JudgmentGiven": "outcome",
}
STEP_COLUMNS = (
    "case_id",
    "version",
    "event_type",
    "occurred_at",
    "code",
    "referral_id",
    "flag",
    "region",
    "case_type",
)
# Fields of the identification whose correction changes the case's value.
CORRECTED = {
    "region": "region",
    "mobile_unit": "mobile_unit",
    "is_minor": "is_minor",
    "case_type": "case_type",
    "source": "source",
    "exploitation_types": "exploitation_types",
    "worker_id": "identified_by",
    "occurred_at": "identified_at",
}


class StatisticsProjection:
    """Builds ``stats_cases`` and ``stats_steps``; clears ``stats_person`` rows
    of erased people."""

    name = "statistics"
    # stats_person is not listed: a rebuild must not drop what events cannot
    # give back.
    tables: tuple[str, ...] = (
        "stats_cases",
        "stats_steps",
        *stats_rollups.TABLES,
        stats_sop.TABLE,
    )

    def create(self, conn: Connection[Any]) -> None:
        run_ddl(conn, CASES_DDL + STEPS_DDL + PERSON_DDL)
        with ddl_lock(conn):
            stats_rollups.create(conn)
            stats_sop.create(conn)

    def apply(self, cur: Cursor[Any], batch: Sequence[Delivered]) -> None:
        cases: dict[UUID, _CaseRow] = {}
        steps: list[tuple[object, ...]] = []
        corrections: list[tuple[sql.Composed, tuple[object, ...]]] = []
        erased: list[UUID] = []
        touched = stats_rollups.Touched()
        for item in batch:
            event = item.event
            name = type(event).__name__
            case_id = event.originator_id
            p = item.payload
            if name in STEP_CODES:
                steps.append(_step_row(item, name))
                _touch(touched, name, case_id, event.originator_version)
            elif name == "PersonalDataErased":
                erased.append(case_id)
            elif name == "EntryCorrected" and p["corrected_version"] > 1:
                corrections.extend(_step_corrections(case_id, p))
                _touch(touched, name, case_id, p["corrected_version"])
            elif name in WHOLE_CASE:
                touched.whole.add(case_id)
            row = cases.setdefault(case_id, _CaseRow(case_id))
            row.take(name, event.originator_version, event.occurred_at, p)
        # The day counts of the steps the batch writes or moves are taken out
        # before their rows change and put back after (stats_rollups).
        stats_rollups.retract(cur, touched)
        values = [row.values() for row in cases.values() if row.set]
        if values:
            cur.executemany(UPSERT, values)
        insert_new_rows(cur, "stats_steps", STEP_COLUMNS, _placed(cur, steps))
        for statement, params in corrections:
            cur.execute(statement, params)
        stats_rollups.restore(cur, touched)
        if erased:
            clear_cases(cur, erased)


def _placed(
    cur: Cursor[Any], steps: list[tuple[object, ...]]
) -> list[tuple[object, ...]]:
    """The step rows with their cases' region and case type as written so far
    (NULL while a case's identification is not projected): written once,
    not filled in by an update after (``stats_rollups`` keeps them so)."""
    if not steps:
        return steps
    found = cur.execute(
        "SELECT case_id, region, case_type FROM stats_cases "
        "WHERE case_id = ANY(%s) AND identified_at IS NOT NULL",
        (list({row[0] for row in steps}),),
    ).fetchall()
    places = {row[0]: (row[1], row[2]) for row in found}
    return [(*row, *places.get(row[0], (None, None))) for row in steps]


# Events that change a case's region, case type or identification, and so
# every one of its steps' counts: the identification, a transfer, a
# correction of the identification.
WHOLE_CASE = frozenset({"Identified", "Transferred", "EntryCorrected"})
ANSWERS = frozenset({"Referred", "ReferralAccepted", "ReferralDeclined"})
NOTICES = frozenset({"AuthorityNotified", "AlertAcknowledged"})


def _touch(
    touched: stats_rollups.Touched, name: str, case_id: UUID, version: int
) -> None:
    """Note the step (case, version) a step event writes or a correction moves."""
    touched.steps.add((case_id, version))
    correction = name == "EntryCorrected"
    if correction or name in ANSWERS:
        touched.answers.add(case_id)
    if correction or name in NOTICES:
        touched.notices.add(case_id)


def _step_row(item: Delivered, name: str) -> tuple[object, ...]:
    event = item.event
    p = item.payload
    field = STEP_CODES[name]
    return (
        event.originator_id,
        event.originator_version,
        name,
        event.occurred_at,
        str(p.get(field, "")) if field else "",
        str(p.get("referral_id", "")),
        p.get("assisted") if name == "ReturnedToCountry" else None,
    )


STEP_FIELDS = {
    "authority": "code",
    "status": "code",
    "service": "code",
    "court": "code",
    "country": "code",
    "reason": "code",
    "assisted": "flag",
    "occurred_at": "occurred_at",
    "referral_source": "code",
    "filed_with": "code",
    "outcome": "code",
}


def _step_corrections(
    case_id: UUID, p: Mapping[str, Any]
) -> Iterator[tuple[sql.Composed, tuple[object, ...]]]:
    """The update a correction of a counted step's code or time makes."""
    column = STEP_FIELDS.get(p["field"])
    if column is None:
        return
    value = json.loads(p["value"])
    if column == "occurred_at":
        value = datetime.fromisoformat(value)
    elif column == "code":
        value = str(value)
    statement = sql.SQL(
        "UPDATE stats_steps SET {col} = %s WHERE case_id = %s AND version = %s"
    ).format(col=sql.Identifier(column))
    if p["field"] == "reason":
        # A reason is free text on other steps: only a closing reason is a code.
        statement += sql.SQL(" AND event_type = 'Closed'")
    yield statement, (value, case_id, p["corrected_version"])


class _CaseRow:
    """The values one batch sets on one case, each with the version that set it."""

    def __init__(self, case_id: UUID) -> None:
        self.case_id = case_id
        self.set: dict[str, tuple[int, Any]] = {}

    def take(
        self, name: str, version: int, occurred_at: datetime, p: Mapping[str, Any]
    ) -> None:
        for column, value in _values_of(name, occurred_at, p):
            earlier = self.set.get(column)
            if earlier is None or earlier[0] < version:
                self.set[column] = (version, value)

    def values(self) -> tuple[object, ...]:
        cells: list[object] = [self.case_id]
        for column in VALUES:
            version, value = self.set.get(column, (None, None))
            cells += [value, version]
        return tuple(cells)


def _values_of(
    name: str, occurred_at: datetime, p: Mapping[str, Any]
) -> Iterator[tuple[str, Any]]:
    """The case's columns an event sets, and to what."""
    if name == "Identified":
        yield "identified_at", occurred_at
        for field in ("region", "mobile_unit", "is_minor", "case_type", "source"):
            yield field, p[field]
        yield "exploitation_types", list(p["exploitation_types"])
        yield "identified_by", p["worker_id"]
    elif name == "Transferred":
        yield "region", p["to_region"]
    elif name == "StatusDetermined":
        yield "status", p["status"]
    elif name == "Closed":
        yield "closed_at", occurred_at
    elif name == "Reopened":
        yield "closed_at", None
    elif name == "CaseAssigned":
        yield "assigned_to", p["owner"]
    elif (
        name == "EntryCorrected"
        and p["corrected_version"] == 1
        and p["field"] in CORRECTED
    ):
        value = json.loads(p["value"])
        if p["field"] == "occurred_at":
            value = datetime.fromisoformat(value)
        yield CORRECTED[p["field"]], value


def _upsert() -> sql.Composed:
    columns = ["case_id"]
    for name in VALUES:
        columns += [name, f"{name}_v"]
    # A value changes only for an event later than the one that set it.
    updates = [
        sql.SQL(
            "{v} = CASE WHEN EXCLUDED.{vv} > COALESCE(stats_cases.{vv}, 0) "
            "THEN EXCLUDED.{v} ELSE stats_cases.{v} END, "
            "{vv} = GREATEST(stats_cases.{vv}, EXCLUDED.{vv})"
        ).format(v=sql.Identifier(name), vv=sql.Identifier(f"{name}_v"))
        for name in VALUES
    ]
    return sql.SQL(
        "INSERT INTO stats_cases ({columns}) VALUES ({values}) "
        "ON CONFLICT (case_id) DO UPDATE SET {updates}"
    ).format(
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        values=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        updates=sql.SQL(", ").join(updates),
    )


UPSERT = _upsert()
