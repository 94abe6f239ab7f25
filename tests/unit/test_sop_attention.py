"""When an obligation is due soon, when a case sets it aside, who must act on
it and which step meets it."""

from __future__ import annotations

from domain.sop import CaseStanding, SetAside, due_soon_at
from services.app.sop_actors import Actor, RuleGuide
from tests.builders import DAY, HOUR, MINUTE, RULEBOOK, T0, identified_facts


def test_the_one_hour_police_rule_is_due_soon_half_way_with_time_left_to_act() -> None:
    obligations = identified_facts().obligations()
    police = obligations["police-notified@1"]
    assert police.warn_at == T0 + 45 * MINUTE  # the rule set's 75 %
    assert due_soon_at(police) == T0 + 30 * MINUTE


def test_each_monthly_follow_up_is_due_soon_half_way_through_its_own_month() -> None:
    history = identified_facts()
    history.add("Closed", T0 + HOUR, reason="reintegrated")
    second = history.follow_ups()[1]
    assert second.starts_at is not None
    assert (
        due_soon_at(second) == second.starts_at + (second.due_at - second.starts_at) / 2
    )
    assert second.starts_at == history.follow_ups()[0].due_at


def test_a_not_before_rule_is_never_due_soon() -> None:
    reflection = identified_facts().obligations()["reflection-period@1"]
    assert due_soon_at(reflection) is None


def test_a_closure_sets_aside_what_arose_before_it_but_not_its_follow_ups() -> None:
    history = identified_facts()
    history.add("Closed", T0 + HOUR, reason="reintegrated")
    standing = CaseStanding.of(history.facts)
    obligations = history.obligations(T0 + 2 * HOUR)
    assert standing.set_aside(obligations["police-notified@1"]) is SetAside.CASE_CLOSED
    assert (
        standing.set_aside(obligations["status-determined@1"]) is SetAside.CASE_CLOSED
    )
    assert standing.set_aside(obligations["follow-up@2#1"]) is None


def test_a_reopened_case_sets_nothing_aside() -> None:
    history = identified_facts()
    history.add("Closed", T0 + HOUR, reason="lost_contact")
    history.add("Reopened", T0 + 2 * HOUR, reason="found again")
    standing = CaseStanding.of(history.facts)
    police = history.obligations(T0 + 3 * HOUR)["police-notified@1"]
    assert standing.set_aside(police) is None


def test_a_return_sets_aside_what_arose_before_it() -> None:
    history = identified_facts()
    history.add("ReturnedToCountry", T0 + HOUR, country="GR", assisted=True)
    standing = CaseStanding.of(history.facts)
    obligations = history.obligations(T0 + 2 * DAY)
    assert standing.set_aside(obligations["ra-notified@1"]) is SetAside.RETURNED


def test_a_met_obligation_is_never_set_aside() -> None:
    history = identified_facts()
    history.add("AuthorityNotified", T0 + MINUTE, authority="police")
    history.add("Closed", T0 + HOUR, reason="lost_contact")
    police = history.obligations(T0 + 2 * HOUR)["police-notified@1"]
    assert CaseStanding.of(history.facts).set_aside(police) is None


def test_who_must_act_is_read_from_each_rule_and_the_command_table() -> None:
    guide = RuleGuide(RULEBOOK)
    version = RULEBOOK.latest.version
    assert guide.actor(version, "status-determined") is Actor.RESPONSIBLE_AUTHORITY
    assert guide.actor(version, "referral-answered") is Actor.AGENCY
    assert guide.actor(version, "police-notified") is Actor.CASE_OWNER
    assert guide.actor(version, "follow-up") is Actor.CASE_OWNER
    assert guide.acted_by([Actor.RESPONSIBLE_AUTHORITY]) == {"status-determined"}


def test_each_obligation_links_the_forms_of_the_steps_that_meet_it() -> None:
    guide = RuleGuide(RULEBOOK)
    version = RULEBOOK.latest.version
    [notify] = guide.steps(version, "police-notified")
    assert notify.href("C1") == "/cases/C1/steps/notify?authority=police"
    answers = guide.steps(version, "referral-answered")
    assert [s.href("C1", "R-1") for s in answers] == [
        "/cases/C1/steps/accept-referral?referral_id=R-1",
        "/cases/C1/steps/decline-referral?referral_id=R-1",
    ]
    assert [s.command for s in guide.steps(version, "follow-up")] == [
        "complete_follow_up"
    ]
    assert guide.steps(version, "reflection-period") == ()


def test_a_rule_missing_from_the_rule_set_in_force_is_superseded() -> None:
    guide = RuleGuide(RULEBOOK)
    in_force = guide.in_force(T0)
    assert "police-notified" in in_force
    assert "no-such-rule" not in in_force
