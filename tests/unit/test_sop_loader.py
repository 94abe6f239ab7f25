"""Loading rule files: the shipped defaults, and clear errors for bad files."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from domain.sop import (
    DueWithin,
    Duration,
    DurationUnit,
    NotBefore,
    Recurring,
    RuleBook,
    RuleFileError,
    load_calendar,
    load_rulebook,
    load_ruleset,
)

DEPLOY_SOP = Path(__file__).resolve().parents[2] / "deploy" / "sop"

HEADER = """\
version = "{version}"
effective_from = {effective_from}
"""

GOOD_RULE = """
[[rules]]
id = "police-notified"
title = { sq = "Njoftimi i policisë", en = "Police notified" }
kind = "due_within"
trigger = { event = "Identified" }
within = { amount = 1, unit = "hours" }
fulfilled_by = [{ event = "AuthorityNotified", where = { authority = "police" } }]
notify_on_breach = ["coordinator"]
"""


def write_rules(
    folder: Path,
    body: str,
    *,
    version: str = "9.1",
    effective_from: str = "2026-01-01T00:00:00+01:00",
) -> Path:
    path = folder / f"rules-{version}.toml"
    path.write_text(
        HEADER.format(version=version, effective_from=effective_from) + body
    )
    return path


@pytest.fixture(scope="module")
def shipped() -> RuleBook:
    return load_rulebook(DEPLOY_SOP)


def test_the_shipped_rule_files_load_as_one_version_in_force_since_the_sop(
    shipped: RuleBook,
) -> None:
    ruleset, clinic = shipped.rulesets

    # The legal clinic's rules came later, with its steps.
    assert clinic.version == "2026.2"
    assert clinic.effective_from == datetime.fromisoformat("2026-12-07T00:00:00+01:00")
    assert ruleset.version == "2026.1"
    assert ruleset.effective_from == datetime.fromisoformat("2018-08-29T00:00:00+02:00")
    assert ruleset.effective_from.utcoffset() == timedelta(hours=2)
    assert ruleset.warn_at_fraction == 0.75


def test_the_shipped_rule_set_holds_the_ten_rules_of_the_sop(shipped: RuleBook) -> None:
    assert [rule.id for rule in shipped.version("2026.1").rules] == [
        "police-notified",
        "ra-notified",
        "cpu-notified",
        "referral-answered",
        "status-determined",
        "needs-assessed",
        "plan-agreed",
        "reflection-period",
        "follow-up",
        "dv-protection-order",
    ]
    assert all(rule.basis for rule in shipped.latest.rules)
    # 2026.2: the same ten, and the legal clinic's.
    assert [rule.id for rule in shipped.latest.rules][10:] == [
        "clinic-first-consultation",
        "hearing-accompaniment",
        "protection-order-expiry",
    ]


@pytest.mark.parametrize(
    ("rule_id", "duration", "roles"),
    [
        (
            "police-notified",
            Duration(1, DurationUnit.HOURS),
            ("coordinator", "unit_supervisor"),
        ),
        ("ra-notified", Duration(24, DurationUnit.HOURS), ("coordinator",)),
        ("cpu-notified", Duration(24, DurationUnit.HOURS), ("coordinator",)),
        (
            "referral-answered",
            Duration(3, DurationUnit.DAYS),
            ("referring_worker", "coordinator"),
        ),
        ("status-determined", Duration(5, DurationUnit.WORKING_DAYS), ("coordinator",)),
        ("needs-assessed", Duration(7, DurationUnit.DAYS), ("case_manager",)),
        ("plan-agreed", Duration(30, DurationUnit.DAYS), ("case_manager",)),
        (
            "reflection-period",
            Duration(30, DurationUnit.DAYS),
            ("coordinator", "lawyer"),
        ),
        ("follow-up", Duration(30, DurationUnit.DAYS), ("case_manager",)),
        (
            "dv-protection-order",
            Duration(48, DurationUnit.HOURS),
            ("lawyer", "coordinator"),
        ),
    ],
)
def test_each_shipped_rule_has_the_sop_duration_and_breach_recipients(
    shipped: RuleBook, rule_id: str, duration: Duration, roles: tuple[str, ...]
) -> None:
    rule = shipped.latest.rule(rule_id)

    match rule:
        case DueWithin():
            assert rule.within == duration
        case NotBefore():
            assert rule.period == duration
        case Recurring():
            assert (rule.every, rule.count) == (duration, 12)
    assert rule.notify_on_breach == roles


def test_the_shipped_special_rules_have_their_sop_triggers(shipped: RuleBook) -> None:
    rules = shipped.latest
    cpu = rules.rule("cpu-notified")
    needs = rules.rule("needs-assessed")
    dv = rules.rule("dv-protection-order")
    answered = rules.rule("referral-answered")

    assert [(c.attribute, c.values) for c in cpu.trigger.where] == [
        ("is_minor", (True,))
    ]
    assert (needs.trigger.event_type, needs.trigger.where[0].values) == (
        "ReferralAccepted",
        ("shelter_accommodation",),
    )
    assert isinstance(dv, DueWithin)
    assert [p.event_type for p in dv.fulfilled_by] == ["ProtectionOrderIssued"]
    assert answered.correlate_on == ("referral_id",)


def test_the_shipped_calendar_loads() -> None:
    calendar = load_calendar(DEPLOY_SOP / "calendar.toml")

    assert str(calendar.time_zone) == "Europe/Tirane"
    assert calendar.observe_weekend_holidays


def test_a_good_rule_file_loads(tmp_path: Path) -> None:
    ruleset = load_ruleset(write_rules(tmp_path, GOOD_RULE))

    assert ruleset.version == "9.1"
    assert ruleset.warn_at_fraction == 0.75
    title = ruleset.rule("police-notified").title
    assert (title.in_language("sq"), title.in_language("en")) == (
        "Njoftimi i policisë",
        "Police notified",
    )


def test_every_shipped_rule_has_a_title_in_albanian_and_english(
    shipped: RuleBook,
) -> None:
    for ruleset in shipped.rulesets:
        for rule in ruleset.rules:
            assert rule.title.sq, rule.id
            assert rule.title.en, rule.id
            assert rule.title.sq != rule.title.en, rule.id


def swap(old: str, new: str) -> str:
    assert old in GOOD_RULE
    return GOOD_RULE.replace(old, new)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (swap('kind = "due_within"', 'kind = "due_soon"'), "unknown kind 'due_soon'"),
        (swap('unit = "hours"', 'unit = "hour"'), "within: unknown unit 'hour'"),
        (swap("amount = 1", "amount = -1"), "within: negative duration -1 hours"),
        (swap("amount = 1", "amount = 0"), "within: duration must be positive"),
        (swap("amount = 1", "amount = 1.5"), "'amount' must be a whole number"),
        (
            swap('event = "Identified"', 'event = "Identifed"'),
            r"trigger: unknown event type 'Identifed' \(did you mean 'Identified'\?\)",
        ),
        (
            swap("authority = ", "authoritty = "),
            "AuthorityNotified has no attribute 'authoritty'",
        ),
        (swap('"coordinator"', '"mayor"'), "unknown role 'mayor'"),
        (
            GOOD_RULE + "count = 3\n",
            "unknown field\\(s\\) 'count' for kind due_within",
        ),
        (GOOD_RULE + GOOD_RULE, "rule 'police-notified': duplicate rule id"),
        (swap('id = "police-notified"', 'id = "police@1"'), "id 'police@1' must be"),
        (swap("fulfilled_by = [{", "fulfilled_by = [] #"), "at least one fulfilled_by"),
        (
            swap('kind = "due_within"', 'kind = "recurring"'),
            "unknown field\\(s\\) 'within'",
        ),
        (GOOD_RULE + 'correlate_on = ["referral_id"]\n', "Identified has no attribute"),
        ("", "at least one \\[\\[rules\\]\\]"),
        (GOOD_RULE + "warn_at = 1.5\n", "warn_at must be between 0 and 1"),
        (
            GOOD_RULE.replace(GOOD_RULE.splitlines()[3] + "\n", ""),
            "rule 'police-notified': title: every rule needs a title in Albanian",
        ),
        (
            swap(', en = "Police notified"', ""),
            "title: 'en' must be non-empty text",
        ),
        (swap('en = "Police notified"', 'en = ""'), "title: 'en' must be non-empty"),
        (
            swap('en = "Police notified"', 'en = "Police", de = "Polizei"'),
            "title: unknown field\\(s\\) 'de'",
        ),
    ],
)
def test_a_bad_rule_is_refused_naming_the_file_the_rule_and_the_problem(
    tmp_path: Path, body: str, problem: str
) -> None:
    path = write_rules(tmp_path, body)

    with pytest.raises(RuleFileError, match=f"^rules-9\\.1\\.toml: .*{problem}"):
        load_ruleset(path)


def test_an_error_names_the_rule_by_its_id(tmp_path: Path) -> None:
    path = write_rules(tmp_path, swap('unit = "hours"', 'unit = "weeks"'))

    with pytest.raises(RuleFileError) as caught:
        load_ruleset(path)

    assert str(caught.value).startswith(
        "rules-9.1.toml: rule 'police-notified': within: unknown unit 'weeks'"
    )


def test_a_trigger_condition_may_name_a_case_attribute_a_fulfilment_may_not(
    tmp_path: Path,
) -> None:
    on_case = GOOD_RULE.replace(
        'trigger = { event = "Identified" }',
        'trigger = { event = "Referred", where = { is_minor = true } }',
    )
    load_ruleset(write_rules(tmp_path, on_case))

    on_fulfilment = GOOD_RULE.replace(
        'where = { authority = "police" }', "where = { is_minor = true }"
    )
    with pytest.raises(RuleFileError, match="has no attribute 'is_minor'"):
        load_ruleset(write_rules(tmp_path, on_fulfilment))


def test_effective_from_without_an_offset_is_refused(tmp_path: Path) -> None:
    path = write_rules(tmp_path, GOOD_RULE, effective_from="2026-01-01T00:00:00")

    with pytest.raises(
        RuleFileError, match="effective_from must be a date-time with a UTC"
    ):
        load_ruleset(path)


def test_a_file_must_be_named_after_its_version(tmp_path: Path) -> None:
    path = write_rules(tmp_path, GOOD_RULE)
    renamed = path.rename(tmp_path / "rules-latest.toml")

    with pytest.raises(RuleFileError, match=r"must be named rules-9\.1\.toml"):
        load_ruleset(renamed)


def test_a_toml_syntax_error_is_reported_with_the_file(tmp_path: Path) -> None:
    path = write_rules(tmp_path, "[[rules]\n")

    with pytest.raises(RuleFileError, match=r"rules-9\.1\.toml: cannot read"):
        load_ruleset(path)


def test_two_files_with_one_version_are_refused(tmp_path: Path) -> None:
    write_rules(tmp_path, GOOD_RULE, version="9.1")
    (tmp_path / "rules-9.1.toml").rename(tmp_path / "rules-9.1-copy.toml")
    write_rules(tmp_path, GOOD_RULE, version="9.1")

    with pytest.raises(
        RuleFileError,
        match=r"rules-9\.1\.toml: duplicate version '9\.1' \(also in rules-9\.1-copy",
    ):
        load_rulebook(tmp_path)


def test_two_versions_taking_effect_at_the_same_moment_are_refused(
    tmp_path: Path,
) -> None:
    write_rules(tmp_path, GOOD_RULE, version="9.1")
    write_rules(tmp_path, GOOD_RULE, version="9.2")

    with pytest.raises(RuleFileError, match="take effect at the same moment"):
        load_rulebook(tmp_path)


def test_a_folder_without_rule_files_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="no rule files"):
        load_rulebook(tmp_path)


def test_several_versions_load_into_one_rule_book(tmp_path: Path) -> None:
    write_rules(tmp_path, GOOD_RULE, version="9.1")
    write_rules(
        tmp_path,
        GOOD_RULE.replace("amount = 1", "amount = 2"),
        version="9.2",
        effective_from="2026-07-01T00:00:00+02:00",
    )

    book = load_rulebook(tmp_path)

    assert [rs.version for rs in book.rulesets] == ["9.1", "9.2"]


def test_a_rule_book_read_for_its_titles_leaves_the_names_to_the_workers(
    tmp_path: Path,
) -> None:
    # A reading command (vatra sop, vatra stats) shows titles only; the
    # workers and the API, which act on the rules, refuse the misspelling.
    write_rules(tmp_path, swap('event = "Identified"', 'event = "Identifed"'))

    titles = load_rulebook(tmp_path, check_names=False)
    assert titles.rulesets[0].rule("police-notified").title.en == "Police notified"
    with pytest.raises(RuleFileError, match="unknown event type 'Identifed'"):
        load_rulebook(tmp_path)


def test_a_rule_book_read_for_its_titles_still_refuses_a_malformed_rule(
    tmp_path: Path,
) -> None:
    write_rules(tmp_path, swap('unit = "hours"', 'unit = "weeks"'))

    with pytest.raises(RuleFileError, match="within: unknown unit 'weeks'"):
        load_rulebook(tmp_path, check_names=False)
