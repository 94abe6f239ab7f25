"""The statistics tables against counts computed from the generated cases'
scripts alone (tests/stats_data.py), and the read model's life: rebuilt from
the events, the person's bands written as a case opens and cleared on erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.clock import ControlledClock
from domain.commands import command_named
from domain.opening_commands import Identify
from projections.compliance import compliance_by
from projections.stats_queries import Filters
from services.api.wording import Wording
from services.config.bootstrap import Backbone
from services.stats.builders import Builder
from services.stats.sets import tables
from services.stats.tables import Measure, Table
from tests import stats_data as d
from tests.builders import identify, step
from tests.stats_data import YEAR_2025, Period

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def plan(backbone: Backbone) -> list[Any]:
    return d.load(backbone)


def built(backbone: Backbone, period: Period, **filters: Any) -> dict[str, Table]:
    w = Wording.of("en", backbone.rulebook)
    with backbone.pool.connection() as conn:
        found = tables(conn, Filters(period.start, period.end, **filters), NOW, w)
        found += tables(
            conn, Filters(period.start, period.end, **filters), NOW, w, "report"
        )
    return {t.key: t for t in found}


def column(table: Table, index: int = 0) -> dict[str, Any]:
    return {label: cells[index] for label, cells in table.rows}


def labels(backbone: Backbone, dim: str, counts: dict[str, int]) -> dict[str, int]:
    b = Builder(None, None, NOW, Wording.of("en", backbone.rulebook))  # type: ignore[arg-type]
    return {b.label(dim, code): n for code, n in counts.items()}


def nonzero(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v != 0 and k != "Total"}


@pytest.mark.parametrize(
    ("key", "field", "dim"),
    [
        ("identified_nationality", "nationality", "nationality"),
        ("identified_source", "source", "source"),
        ("identified_region", "region", "region"),
        ("identified_minor", "minor", "minor"),
    ],
)
def test_identified_persons_are_counted_as_the_events_say(
    backbone: Backbone, plan: list[Any], key: str, field: str, dim: str
) -> None:
    table = built(backbone, YEAR_2025)[key]
    expected = labels(backbone, dim, d.count_identified(plan, YEAR_2025, field))
    assert nonzero(column(table)) == expected
    assert column(table)["Total"] == len(plan)


def test_identified_persons_by_sex_and_age_band_cross_as_the_scripts_say(
    backbone: Backbone, plan: list[Any]
) -> None:
    table = built(backbone, YEAR_2025)["identified_sex_age"]
    bands = table.columns[:-1]
    for fields_sex in ("female", "male", "not_recorded"):
        expected = {
            band: sum(
                1
                for f in d.identified(plan, YEAR_2025)
                if f["sex"] == fields_sex and str(d.age_band(f["age"])) == band
            )
            for band in bands
        }
        label = labels(backbone, "sex", {fields_sex: 0}).popitem()[0]
        row = dict(zip(bands, column_row(table, label), strict=False))
        assert row == expected
    assert table.rows[-1][1][-1] == len(plan)


def column_row(table: Table, label: str) -> list[Any]:
    return next(cells for row_label, cells in table.rows if row_label == label)


def test_forms_of_exploitation_count_each_form_recorded(
    backbone: Backbone, plan: list[Any]
) -> None:
    table = built(backbone, YEAR_2025)["identified_exploitation"]
    totals = {label: cells[-1] for label, cells in table.rows}
    expected = labels(
        backbone, "exploitation", d.count_identified(plan, YEAR_2025, "exploitation")
    )
    assert nonzero(totals) == expected


def test_referrals_and_services_are_counted_per_service(
    backbone: Backbone, plan: list[Any]
) -> None:
    found = built(backbone, YEAR_2025)
    for key, columns in (
        ("referrals", ["refer", "accept_referral", "decline_referral"]),
        ("services", ["start_service", "complete_service"]),
    ):
        table = found[key]
        for index, command in enumerate(columns):
            by_service = (
                answer_services(plan, command)
                if command in ("accept_referral", "decline_referral")
                else d.count_steps(plan, YEAR_2025, command, "service")
            )
            assert nonzero(column(table, index)) == labels(
                backbone, "service", by_service
            ), (key, command)
    # Every one of the 24 services has its row, even at zero.
    assert len(found["services"].rows) == 24 + 1


def answer_services(plan: list[Any], command: str) -> dict[str, int]:
    """An answer carries no service in the scripts: it is its referral's."""
    counts: dict[str, int] = {}
    for s, answer in d.steps(plan, YEAR_2025, command):
        service = next(
            r.fields["service"]
            for r in s.steps
            if r.command == "refer"
            and r.fields["referral_id"] == answer.fields["referral_id"]
        )
        counts[service] = counts.get(service, 0) + 1
    return counts


def test_answer_and_notification_times_are_the_medians_of_the_scripts(
    backbone: Backbone, plan: list[Any]
) -> None:
    found = built(backbone, YEAR_2025)
    times = column_row(found["referral_times"], "Accepted")
    accepted = d.answer_hours(plan, YEAR_2025, "accept_referral")
    assert times[0] == len(accepted)
    assert isinstance(times[1], Measure)
    assert times[1].value == pytest.approx(d.median_of(accepted))
    w = Wording.of("en", backbone.rulebook)
    police = column_row(found["notifications"], w.authority("police"))
    hours = d.notify_hours(plan, YEAR_2025, "police")
    assert police[0] == len(hours) == len(plan)
    assert police[1].value == pytest.approx(d.median_of(hours))


def test_status_decisions_and_closures_are_counted_by_code(
    backbone: Backbone, plan: list[Any]
) -> None:
    found = built(backbone, YEAR_2025)
    status = d.count_steps(plan, YEAR_2025, "determine_status", "status")
    assert nonzero(column(found["statusdetermined_status"])) == labels(
        backbone, "status", status
    )
    closed = d.count_steps(plan, YEAR_2025, "close", "reason")
    assert nonzero(column(found["closed_close_reason"])) == labels(
        backbone, "close_reason", closed
    )


def test_a_shorter_period_and_a_region_count_only_their_cases(
    backbone: Backbone, plan: list[Any]
) -> None:
    first_day = Period(
        datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 1, 6, 12, tzinfo=UTC)
    )
    region = plan[0].steps[0].fields["region"]
    table = built(backbone, first_day, region=region)["identified_source"]
    in_day = [s for s in plan if first_day.has(s.start)]
    expected = sum(1 for s in in_day if s.steps[0].fields["region"] == region)
    assert 0 < expected < len(plan)
    assert column(table)["Total"] == expected


def test_caseload_counts_cases_open_in_the_period_per_unit(
    backbone: Backbone, plan: list[Any]
) -> None:
    table = built(backbone, YEAR_2025)["caseload_unit"]
    units: dict[str, int] = {}
    for s in plan:
        unit = s.steps[0].fields["mobile_unit"]
        units[unit] = units.get(unit, 0) + 1
    assert nonzero(column(table)) == units


def test_the_rebuilt_read_model_is_the_one_it_replaced(
    backbone: Backbone, plan: list[Any]
) -> None:
    before = built(backbone, YEAR_2025)
    backbone.follower.rebuild()
    after = built(backbone, YEAR_2025)
    assert [t.rows for t in after.values()] == [t.rows for t in before.values()]
    # The bands are not in the events: the rebuild kept them.
    assert column(after["identified_sex_age"], 0) == column(
        before["identified_sex_age"], 0
    )


def test_opening_a_case_keeps_its_bands_and_erasure_clears_them(
    backbone: Backbone,
) -> None:
    plan = list(d.scripts(1, d.SEED))
    fields = dict(plan[0].steps[0].fields, sex="male", age=16, is_minor=True)
    at = datetime(2026, 3, 1, 9, tzinfo=UTC)
    opened = backbone.service.open_case(
        Identify(**{k: v for k, v in fields.items() if k != "worker_id"}),
        actor_id="mu-1",
        actor_role="mobile_unit",
        occurred_at=at,
    )
    backbone.follower.catch_up()
    march = Period(at - timedelta(days=1), at + timedelta(days=1))
    sexes = column(built(backbone, march)["identified_sex_age"], -1)
    assert sexes["male"] == 1
    backbone.service.run(
        command_named("erase_personal_data")(reason="asked by the person"),
        opened["case_id"],
        expected_version=opened["version"],
        actor_id="coord-1",
        actor_role="coordinator",
        occurred_at=at + timedelta(hours=1),
    )
    backbone.follower.catch_up()
    sexes = column(built(backbone, march)["identified_sex_age"], -1)
    assert sexes.get("male", 0) == 0
    assert sexes["not recorded"] == 1


def test_a_transfer_and_corrections_move_the_counts(
    backbone: Backbone, clock: ControlledClock
) -> None:
    service = backbone.service
    case = identify(
        service, clock, subject_ref="PV-STATS-1", exploitation_types=["forced_labour"]
    )
    case = step(
        service,
        clock,
        case,
        "transfer",
        timedelta(hours=1),
        to_region="durres",
        reason="moved",
    )
    case = step(
        service,
        clock,
        case,
        "correct_entry",
        timedelta(minutes=5),
        corrected_version=1,
        field_name="exploitation_types",
        value=["sexual_exploitation"],
        reason="told later",
    )
    case = step(service, clock, case, "close", timedelta(days=1), reason="lost_contact")
    closed_version = case["version"]
    step(
        service,
        clock,
        case,
        "correct_entry",
        timedelta(minutes=5),
        corrected_version=closed_version,
        field_name="reason",
        value="reintegrated",
        reason="she was reached again",
    )
    backbone.follower.catch_up()
    around = Period(clock.now() - timedelta(days=10), clock.now() + timedelta(days=1))
    found = built(backbone, around)
    assert nonzero(column(found["identified_region"])) == {"Durrës": 1}
    forms = {label: cells[-1] for label, cells in found["identified_exploitation"].rows}
    assert nonzero(forms) == labels(
        backbone, "exploitation", {"sexual_exploitation": 1}
    )
    assert nonzero(column(found["closed_close_reason"])) == labels(
        backbone, "close_reason", {"reintegrated": 1}
    )


def test_activity_by_month_adds_up_to_the_scripts_steps(
    backbone: Backbone, plan: list[Any]
) -> None:
    table = built(backbone, YEAR_2025)["activity_by_month"]
    months = dict(table.rows)
    assert list(months)[:12] == [f"2025-{m:02d}" for m in range(1, 13)]
    january = [s for s in plan if s.start.month == 1]
    assert months["2025-01"][0] == len(january)
    refers = sum(1 for _ in d.steps(plan, YEAR_2025, "refer"))
    starts = sum(1 for _ in d.steps(plan, YEAR_2025, "start_service"))
    assert months["Total"] == [len(plan), refers, starts]


def test_the_sop_rates_for_the_whole_time_are_the_dashboards(
    backbone: Backbone, plan: list[Any]
) -> None:
    everything = Period(
        datetime(2024, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    table = built(backbone, everything)["sop_on_time"]
    w = Wording.of("en", backbone.rulebook)
    with backbone.pool.connection() as conn:
        dashboard = compliance_by(conn, NOW, ("rule_id",))
    decided = [row for row in dashboard if row["on_time_rate"] is not None]
    assert len(decided) >= 3
    for row in decided:
        whole = column_row(table, w.rule(row["rule_id"]))[-1]
        assert whole.n == row["met"] + row["met_late"] + row["breached"]
        assert whole.value == pytest.approx(row["on_time_rate"])
