"""Not-before and recurring obligations: the reflection period and follow-ups."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain.sop import ObligationStatus, RuleKind
from tests.builders import DAY, T0, History

TIRANE = ZoneInfo("Europe/Tirane")


def identified() -> History:
    history = History()
    history.add("Identified", T0, is_minor=False, case_type="trafficking")
    return history


def day(n: float) -> datetime:
    return T0 + n * DAY


def closed_reintegrated() -> History:
    """A case closed as reintegrated at T0 + 100 days (its version is 2)."""
    history = identified()
    history.add("Closed", day(100), reason="reintegrated")
    return history


def follow_up_day(n: float) -> datetime:
    """n days after the reintegrated closure."""
    return day(100 + n)


# --- not before: the reflection period -------------------------------------


def test_a_return_on_day_ten_breaches_the_reflection_period() -> None:
    history = identified()
    history.add("ReturnedToCountry", day(10), country="AL", assisted=True)

    reflection = history.obligations()["reflection-period@1"]

    assert reflection.kind is RuleKind.NOT_BEFORE
    assert reflection.status is ObligationStatus.BREACHED
    assert (reflection.breached_at, reflection.breached_by_version) == (day(10), 2)
    assert reflection.notify_on_breach == ("coordinator", "lawyer")
    assert reflection.warn_at is None


def test_a_case_closed_as_returned_within_the_period_breaches_it() -> None:
    history = identified()
    history.add("Closed", day(12), reason="returned")

    assert (
        history.obligations()["reflection-period@1"].status is ObligationStatus.BREACHED
    )


def test_the_reflection_period_is_met_once_thirty_days_pass_without_a_return() -> None:
    reflection = identified().obligations(now=day(30))["reflection-period@1"]

    assert reflection.due_at == day(30)
    assert reflection.status is ObligationStatus.MET
    assert reflection.met_at == day(30)


def test_the_reflection_period_is_open_until_it_ends() -> None:
    history = identified()

    assert history.obligations(now=day(29))["reflection-period@1"].status is (
        ObligationStatus.OPEN
    )
    assert history.obligations()["reflection-period@1"].status is ObligationStatus.OPEN


def test_a_return_after_the_period_ended_does_not_breach_it() -> None:
    history = identified()
    history.add("ReturnedToCountry", day(31), country="AL", assisted=True)

    reflection = history.obligations(now=day(31))["reflection-period@1"]

    assert reflection.status is ObligationStatus.MET


# --- recurring: follow-ups after reintegration --------------------------------


def test_a_reintegrated_closure_creates_twelve_monthly_follow_ups() -> None:
    follow_ups = closed_reintegrated().follow_ups()

    assert [o.obligation_id for o in follow_ups] == [
        f"follow-up@2#{k}" for k in range(1, 13)
    ]
    assert [o.instance for o in follow_ups] == list(range(1, 13))
    assert all(o.kind is RuleKind.RECURRING for o in follow_ups)
    # Counted in local calendar days: 10:00 in Tirane, summer or winter.
    local_times = {o.due_at.astimezone(TIRANE).time() for o in follow_ups}
    assert local_times == {datetime(2026, 1, 1, 10).time()}
    assert [o.due_at.astimezone(TIRANE).date() for o in follow_ups[:2]] == [
        (day(130)).astimezone(TIRANE).date(),
        (day(160)).astimezone(TIRANE).date(),
    ]


def test_each_follow_up_warns_in_the_last_quarter_of_its_own_month() -> None:
    second = closed_reintegrated().follow_ups()[1]

    assert second.warn_at == follow_up_day(30) + 0.75 * (
        second.due_at - follow_up_day(30)
    )


def test_a_closure_for_another_reason_creates_no_follow_ups() -> None:
    history = identified()
    history.add("Closed", day(100), reason="lost_contact")

    assert history.follow_ups() == []


def test_a_follow_up_in_its_month_meets_that_instance_only() -> None:
    history = closed_reintegrated()
    history.add(
        "FollowUpCompleted", follow_up_day(10), method="visit", outcome="stable"
    )
    history.add(
        "FollowUpCompleted", follow_up_day(20), method="phone", outcome="stable"
    )

    first, second, *_ = history.follow_ups(now=follow_up_day(61))

    assert (first.status, first.met_by_version) == (ObligationStatus.MET, 3)
    # A second follow-up in the same month does not count ahead.
    assert second.status is ObligationStatus.BREACHED
    assert second.breached_at == second.due_at


def test_a_missed_month_is_met_late_by_a_spare_follow_up_in_the_next_month() -> None:
    history = closed_reintegrated()
    history.add("FollowUpCompleted", follow_up_day(20), method="visit", outcome="ok")
    history.add("FollowUpCompleted", follow_up_day(65), method="visit", outcome="ok")
    history.add("FollowUpCompleted", follow_up_day(70), method="phone", outcome="ok")

    first, second, third, *_ = history.follow_ups(now=follow_up_day(91))

    assert (first.status, first.met_by_version) == (ObligationStatus.MET, 3)
    assert (second.status, second.met_by_version) == (ObligationStatus.MET_LATE, 5)
    assert (third.status, third.met_by_version) == (ObligationStatus.MET, 4)


def test_one_follow_up_is_never_counted_for_two_instances() -> None:
    history = closed_reintegrated()
    history.add("FollowUpCompleted", follow_up_day(45), method="visit", outcome="ok")

    first, second, *_ = history.follow_ups(now=follow_up_day(61))

    assert first.status is ObligationStatus.BREACHED
    assert (second.status, second.met_by_version) == (ObligationStatus.MET, 3)


def test_reopening_cancels_the_follow_ups_not_yet_due() -> None:
    history = closed_reintegrated()
    history.add("FollowUpCompleted", follow_up_day(20), method="visit", outcome="ok")
    history.add("Reopened", follow_up_day(45), reason="relapse")

    first, *rest = history.follow_ups(now=follow_up_day(400))

    assert first.status is ObligationStatus.MET
    assert {o.status for o in rest} == {ObligationStatus.CANCELLED}
    assert {(o.cancelled_at, o.cancelled_by_version) for o in rest} == {
        (follow_up_day(45), 4)
    }


def test_a_follow_up_missed_before_reopening_stays_breached() -> None:
    history = closed_reintegrated()
    history.add("Reopened", follow_up_day(75), reason="relapse")

    first, second, third, *_ = history.follow_ups(now=follow_up_day(100))

    assert first.status is ObligationStatus.BREACHED
    assert second.status is ObligationStatus.BREACHED
    assert third.status is ObligationStatus.CANCELLED


def test_a_second_reintegrated_closure_starts_a_new_series() -> None:
    history = closed_reintegrated()
    history.add("Reopened", follow_up_day(10), reason="relapse")
    history.add("Closed", follow_up_day(50), reason="reintegrated")
    history.add("FollowUpCompleted", follow_up_day(60), method="visit", outcome="ok")

    obligations = history.obligations(now=follow_up_day(61))

    assert obligations["follow-up@2#1"].status is ObligationStatus.CANCELLED
    new_first = obligations["follow-up@4#1"]
    assert (new_first.status, new_first.met_by_version) == (ObligationStatus.MET, 5)
    assert new_first.triggered_at == follow_up_day(50)
