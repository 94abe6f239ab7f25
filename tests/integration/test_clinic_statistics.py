"""The legal clinic's tables on the statistics page, from cases opened at the
clinic through the application service: cases by type and referral source,
decisions by outcome, the time from complaint to decision; small cells
suppressed as in every table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.clinic_commands import FileComplaint, OpenClinicCase, RecordJudgment
from domain.clock import ControlledClock
from projections.stats_queries import Filters
from services.api.wording import Wording
from services.config.bootstrap import Backbone
from services.stats.sets import tables
from services.stats.tables import Measure, Table, publish

LAWYER = {"actor_id": "lawyer-vlora-1", "actor_role": "lawyer"}
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)


def open_case(backbone: Backbone, n: int, case_type: str, source: str) -> str:
    case = backbone.service.open_case(
        OpenClinicCase(
            subject_ref=f"LC-STATS-{n}",
            region="vlora",
            municipality="vlore",
            case_type=case_type,
            referral_source=source,
            is_minor=False,
            sex="female",
            age=30,
            nationality="AL",
        ),
        occurred_at=backbone.clock.now(),
        **LAWYER,
    )
    return str(case["case_id"])


def run(backbone: Backbone, case_id: str, command: object, at: datetime) -> None:
    version = backbone.service.case(case_id)["version"]
    backbone.service.run(
        command,  # type: ignore[arg-type]
        case_id,
        expected_version=version,
        occurred_at=at,
        **LAWYER,
    )


def clinic_tables(backbone: Backbone, language: str = "en") -> dict[str, Table]:
    backbone.follower.catch_up()
    w = Wording.of(language, backbone.rulebook)
    with backbone.pool.connection() as conn:
        found = tables(conn, Filters(START, END), backbone.clock.now(), w)
    return {t.key: t for t in found if t.key.startswith("clinic")}


def test_the_clinic_tables_count_its_cases_decisions_and_times(
    backbone: Backbone, clock: ControlledClock
) -> None:
    opened = clock.now()
    # Six domestic-violence cases referred by the police, two trafficking cases
    # by a prosecutor's office.
    cases = [open_case(backbone, n, "domestic_violence", "police") for n in range(6)]
    cases += [open_case(backbone, n, "trafficking", "prosecutor") for n in (6, 7)]
    for n, case_id in enumerate(cases):
        run(backbone, case_id, FileComplaint(filed_with="police"), opened)
        decided = opened + timedelta(days=10 * (n + 1))
        outcome = "conviction" if n < 5 else "acquittal"
        clock.set(decided + timedelta(minutes=1))
        run(backbone, case_id, RecordJudgment(outcome=outcome), decided)

    found = clinic_tables(backbone)
    by_type = dict(found["clinic_cases"].rows)
    # Columns: police, prosecutor, court, another organisation, self, total.
    assert by_type["domestic violence"] == [6, 0, 0, 0, 0, 6]
    assert by_type["trafficking"] == [0, 2, 0, 0, 0, 2]
    assert by_type["Total"] == [6, 2, 0, 0, 0, 8]
    outcomes = {label: cells[0] for label, cells in found["clinic_outcomes"].rows}
    assert (outcomes["conviction"], outcomes["acquittal"], outcomes["Total"]) == (
        5,
        3,
        8,
    )
    times = {label: cells[0] for label, cells in found["clinic_time_to_decision"].rows}
    assert times["domestic violence"] == Measure(35.0, 6)  # 10..60 days
    assert times["All cases"] == Measure(45.0, 8)  # 10..80 days

    # Published: fewer than five is not shown, nor a median over fewer cases.
    published = publish(found["clinic_cases"], 5)
    trafficking = dict(published.rows)["trafficking"]
    assert trafficking[1].text == "<5"
    timed = dict(publish(found["clinic_time_to_decision"], 5).rows)
    assert timed["trafficking"][0].kind == "measure_hidden"
    assert timed["All cases"][0].text == "45.0"


def test_the_clinic_tables_read_in_albanian() -> None:
    # The labels and titles are in the catalogue (the page test checks every
    # table in Albanian for codes left in it).
    w = Wording.of("sq", None)
    assert w.code("referral_source", "prosecutor") == "një prokurori"
    assert w.code("outcome", "conviction") == "dënim"
